"""Numeric answers: Arabic and kanji numerals, commas, full-width digits, units, tolerance.

``parse_numbers(text)`` finds every number in a Japanese text: 3,500 / ３５００ / 3.5 / -2 / ▲2 /
マイナス2 / 三千五百 / 1万2千 / 二〇二五 / 十五 / 百二十三億四千万 / 1.2万, each with the unit that
follows it (円, 件, 人, %, か所, ...). Values are ``Decimal`` so that 0.1 + 0.2 questions stay exact.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Optional

from pydantic import Field, field_validator

from ..config.suite import Item
from .base import Params, ScoreResult, Scorer, register

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "壱": 1, "二": 2, "弐": 2, "三": 3, "参": 3, "四": 4,
                 "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "拾": 10, "百": 100, "千": 1000, "阡": 1000}
_BIG = {"万": 10**4, "萬": 10**4, "億": 10**8, "兆": 10**12}
_KD = "".join(_KANJI_DIGITS)
_KS = "".join(_SMALL)
_KB = "".join(_BIG)
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?:\.\d+)?"
# A numeral starts with a digit or a kanji digit/small unit, never with 万/億/兆 (万一, 億劫).
_SPAN = re.compile(rf"(?:{_ARABIC}|[{_KD}{_KS}])(?:{_ARABIC}|[{_KD}{_KS}{_KB}])*")
_TOKEN = re.compile(rf"(\d[\d,]*(?:\.\d+)?)|([{_KD}]+)|([{_KS}])|([{_KB}])")
_CJK = re.compile(r"[\u3400-\u9fff々〆]")
# After a single kanji digit, these make it a quantity (三人, 五件); other kanji make it a word (一般, 九州).
_COUNTERS = set("人名件円回個日月年歳台枚本冊週時分秒割倍点社校課条項号階度種戸世票通期周便問者")
_BEFORE_OK = set("第約計全各毎満最金")

# Units and their spellings; a number's unit is matched against these after NFKC.
UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "%": ("%", "パーセント"),
    "か所": ("か所", "箇所", "ヶ所", "ケ所", "カ所", "ヵ所"),
    "か月": ("か月", "箇月", "ヶ月", "ケ月", "カ月", "ヵ月"),
    "人": ("人", "名"),
}


def _unit_spellings(unit: str) -> tuple[str, ...]:
    unit = unicodedata.normalize("NFKC", unit).strip()
    for canonical, spellings in UNIT_ALIASES.items():
        folded = {unicodedata.normalize("NFKC", s) for s in spellings} | {canonical}
        if unit in folded:
            return tuple(sorted(folded, key=len, reverse=True))
    return (unit,)


@dataclass(frozen=True)
class Number:
    value: Decimal
    text: str  # the numeral as written (after NFKC)
    start: int  # offset in the NFKC text
    end: int


def _digit_run(run: str) -> Decimal:
    run = run.replace(",", "")
    return Decimal("".join(str(_KANJI_DIGITS[c]) if c in _KANJI_DIGITS else c for c in run))


def parse_numeral(span: str) -> Optional[Decimal]:
    """Value of one numeral such as '1万2千', '百二十三億四千万', '二〇二五', '3,500', '1.5'."""
    total = Decimal(0)
    section = Decimal(0)  # the part below the current 万/億/兆
    current: Optional[Decimal] = None
    seen = False
    for arabic, kdigits, small, big in _TOKEN.findall(span):
        if arabic or kdigits:
            run = _digit_run(arabic or kdigits)
            # adjacent runs (3三) read positionally
            current = run if current is None else Decimal(str(current) + str(run))
        elif small:
            section += (current if current is not None else Decimal(1)) * _SMALL[small]
            current = None
        elif big:
            section += current if current is not None else Decimal(0)
            total += (section if section else Decimal(1)) * _BIG[big]
            section, current = Decimal(0), None
        seen = True
    if not seen:
        return None
    return total + section + (current if current is not None else Decimal(0))


def _single_kanji_is_number(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before and _CJK.match(before) and before not in _BEFORE_OK:
        return False  # 統一, 唯一, 同一
    if after and _CJK.match(after) and after not in _COUNTERS:
        return False  # 一般, 一部, 九州, 四国, 千代田
    return True


_DASHES = str.maketrans({"−": "-", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-"})
# Arabic and kanji digits never join into one numeral: 第3四半期 is 3, not 34.
_SPLIT = re.compile(rf"(?<=\d)(?=[{_KD}])|(?<=[{_KD}])(?=\d)")


def _signed(text: str, start: int, value: Decimal) -> Decimal:
    head = text[max(0, start - 8):start]
    if re.search(r"(?:▲|△|マイナス|まいなす)\s*$", head):
        return -value
    # '-' is a minus sign unless it joins two numbers or words (3-5, 03-1234-5678, A-1)
    if re.search(r"(?:^|[^0-9A-Za-z.)\]])-\s*$", head) or head == "-":
        return -value
    return value


def parse_numbers(text: str) -> list[tuple[Number, str]]:
    """Every number in ``text`` (NFKC) with the few characters that follow it (for unit checks)."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    out: list[tuple[Number, str]] = []
    for match in _SPAN.finditer(text):
        pieces, offset = [], match.start()
        for piece in _SPLIT.split(match.group(0)):
            pieces.append((piece, offset))
            offset += len(piece)
        for span, start in pieces:
            end = start + len(span)
            if len(span) == 1 and span in _KD + _KS and not _single_kanji_is_number(text, start, end):
                continue  # 一般, 統一, 九州, 千代田
            if span[0].isdigit() and start > 0 and re.match(r"[A-Za-z_]", text[start - 1]):
                continue  # part of an identifier such as R7 or KZ4821
            value = parse_numeral(span)
            if value is None:
                continue
            out.append((Number(_signed(text, start, value), span, start, end), text[end:end + 8]))
    return out


def _fmt(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value)}"
    return format(value.normalize(), "f")


def reference_number(ref: str) -> Optional[Decimal]:
    found = parse_numbers(ref)
    return found[0][0].value if found else None


class NumericParams(Params):
    tolerance: float = Field(default=0.0, ge=0, description="Accepted difference (absolute, or relative when "
                                                             "'relative' is true: 0.01 = 1 %).")
    relative: bool = Field(default=False, description="Read 'tolerance' as a fraction of the reference value.")
    unit: Optional[str] = Field(
        default=None, description="Only numbers followed by this unit count (円, 件, 人, %, か所, ...); "
                                  "spelling variants such as 箇所/ヶ所 or 名/人 are accepted.")
    pick: Literal["any", "first", "last"] = Field(
        default="any", description="Which number of the answer is compared: any of them, the first or the last.")

    @field_validator("unit")
    @classmethod
    def _unit_not_blank(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not value.strip():
            raise ValueError("unit must not be blank")
        return value


@register
class Numeric(Scorer):
    kind = "numeric"
    Params = NumericParams
    description = "A number in the answer (Arabic or kanji numerals, optional unit) equals the reference within tolerance."

    def check_item(self, item: Item) -> Optional[str]:
        refs = item.references()
        if not refs:
            return "needs a reference (a number such as '3500' or '1万2千円')"
        for ref in refs:
            if reference_number(ref) is None:
                return f"reference {ref!r} is not a number"
        return None

    def _candidates(self, output: str) -> list[Number]:
        found = parse_numbers(output)
        if self.params.unit:
            spellings = _unit_spellings(self.params.unit)
            found = [(n, after) for n, after in found if after.lstrip().startswith(spellings)]
        numbers = [n for n, _ in found]
        if self.params.pick == "first":
            return numbers[:1]
        if self.params.pick == "last":
            return numbers[-1:]
        return numbers

    def _close(self, got: Decimal, want: Decimal) -> bool:
        tol = Decimal(str(self.params.tolerance))
        if self.params.relative:
            tol = tol * abs(want)
        return abs(got - want) <= tol

    def score(self, output: str, item: Item) -> ScoreResult:
        wants = [v for v in (reference_number(r) for r in item.references()) if v is not None]
        unit = self.params.unit or ""
        candidates = self._candidates(output)
        detail = {"found": [_fmt(n.value) for n in candidates], "reference": [_fmt(w) for w in wants]}
        if not candidates:
            where = f"単位「{unit}」付きの" if unit else ""
            return ScoreResult(0.0, False, f"{where}数値が見つからない（参照値 {_fmt(wants[0])}{unit}）", detail)
        for number in candidates:
            for want in wants:
                if self._close(number.value, want):
                    detail["matched"] = _fmt(number.value)
                    return ScoreResult(1.0, True, f"数値 {_fmt(number.value)}{unit} が参照値 {_fmt(want)}{unit} と一致",
                                       detail)
        shown = candidates[-1] if self.params.pick == "last" else candidates[0]
        return ScoreResult(0.0, False, f"数値 {_fmt(shown.value)}{unit} は参照値 {_fmt(wants[0])}{unit} と不一致",
                           detail)

    def ideal_answer(self, item: Item) -> Optional[str]:
        refs = item.references()
        value = reference_number(refs[0]) if refs else None
        if value is None:
            return None
        return f"{_fmt(value)}{self.params.unit or ''}"
