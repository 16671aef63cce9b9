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
    if not unit:
        return ("",)
    for canonical, spellings in UNIT_ALIASES.items():
        folded = {unicodedata.normalize("NFKC", s) for s in spellings} | {canonical}
        if unit in folded:
            return tuple(sorted(folded, key=len, reverse=True))
    return (unit,)


# A unit may start with a numeral multiplier: 万円 = 10^4 円, 百万円 = 10^6 円, 千人 = 10^3 人.
_MULTIPLIER = re.compile(rf"[{_KS}{_KB}]+")


def split_unit(unit: str) -> tuple[Decimal, str]:
    """(multiplier, base unit): '万円' -> (10000, '円'), '百万円' -> (1000000, '円'), '円' -> (1, '円')."""
    unit = unicodedata.normalize("NFKC", unit).strip()
    prefix = _MULTIPLIER.match(unit)
    if not prefix:
        return Decimal(1), unit
    return parse_numeral(prefix.group(0)), unit[prefix.end():]


def in_unit(number: Number, after: str, unit: str) -> Optional[Decimal]:
    """The number's value expressed in ``unit`` when the unit follows it, else None.

    The multiplier may be inside the numeral (1,200万 + 円) or after it (1,200 + 万円), so
    「1,200万円」「1,200 万円」「12,000,000円」 are all 1200 in 万円.
    """
    multiplier, base = split_unit(unit)
    after = after.lstrip()
    scale = _MULTIPLIER.match(after)
    if scale:
        after = after[scale.end():].lstrip()
    if not after.startswith(_unit_spellings(base)):
        return None
    value = number.value * (parse_numeral(scale.group(0)) if scale else 1)
    return value / multiplier


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
    in_section = False  # a numeral was written below the current 万/億/兆: 0万 is 0, a bare 万 (億万) is 1万
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
            total += (section if in_section or current is not None else Decimal(1)) * _BIG[big]
            section, current = Decimal(0), None
        in_section = not big
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


# Enumerators (①–⑳, ⑴, ⒈, ㈠, ㊀, ❶ ...) are list markers, not digits: NFKC would turn ①3,500 into
# 13,500, so they become a space before NFKC (one character for one, offsets unchanged).
_ENUMERATORS = re.compile("[\u2460-\u249b\u24ea-\u24ff\u2776-\u2793\u3220-\u3229"
                          "\u3251-\u325f\u3280-\u3289\u32b1-\u32bf]")
_SIGN = re.compile(r"(?:[-▲△]|マイナス|まいなす)\s*$")
# After one of these a '-' (or ▲, マイナス) joins a range or an expression (9時-17時, 3-5, A-1),
# so it is not a sign.
_NOT_SIGN_AFTER = re.compile(rf"[0-9A-Za-z.)\]%{_KD}{_KS}{_KB}{''.join(_COUNTERS)}度所]$")


def _signed(text: str, start: int, value: Decimal) -> Decimal:
    sign = _SIGN.search(text, max(0, start - 8), start)
    if not sign:
        return value
    before = text[max(0, sign.start() - 4):sign.start()].rstrip()
    return value if _NOT_SIGN_AFTER.search(before) else -value


def parse_numbers(text: str) -> list[tuple[Number, str]]:
    """Every number in ``text`` (NFKC) with the few characters that follow it (for unit checks)."""
    text = unicodedata.normalize("NFKC", _ENUMERATORS.sub(" ", text)).translate(_DASHES)
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


def reference_number(ref: str, unit: Optional[str] = None) -> Optional[Decimal]:
    """The reference's value, in ``unit`` when given: with unit 万円, '1200万円', '12,000,000円', '1200万'
    and a bare '1200' are all 1200 (a bare number is read in the unit unless it has 十/百/千/万/億/兆)."""
    found = parse_numbers(ref)
    if not found:
        return None
    number, after = found[0]
    if not unit:
        return number.value
    value = in_unit(number, after, unit)
    if value is not None:
        return value
    multiplier, _ = split_unit(unit)
    return number.value / multiplier if re.search(f"[{_KS}{_KB}]", number.text) else number.value


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
        if value is not None and not split_unit(value)[1]:
            raise ValueError("unit must name a unit after its multiplier (万円, 千人), not only 万/千/億")
        return value


@register
class Numeric(Scorer):
    kind = "numeric"
    Params = NumericParams
    description = "A number in the answer (Arabic or kanji numerals, optional unit) equals the reference within tolerance."

    def _references(self, item: Item) -> list[Decimal]:
        values = (reference_number(r, self.params.unit) for r in item.references())
        return [v for v in values if v is not None]

    def check_item(self, item: Item) -> Optional[str]:
        refs = item.references()
        if not refs:
            return "needs a reference (a number such as '3500' or '1万2千円')"
        for ref in refs:
            if reference_number(ref) is None:
                return f"reference {ref!r} is not a number"
        return None

    def _candidates(self, output: str) -> list[Decimal]:
        """Values of the answer's numbers (in the unit, when one is set) after the unit filter and pick."""
        if self.params.unit:
            values = [in_unit(n, after, self.params.unit) for n, after in parse_numbers(output)]
            values = [v for v in values if v is not None]
        else:
            values = [n.value for n, _ in parse_numbers(output)]
        if self.params.pick == "first":
            return values[:1]
        if self.params.pick == "last":
            return values[-1:]
        return values

    def _close(self, got: Decimal, want: Decimal) -> bool:
        tol = Decimal(str(self.params.tolerance))
        if self.params.relative:
            tol = tol * abs(want)
        return abs(got - want) <= tol

    def score(self, output: str, item: Item) -> ScoreResult:
        wants = self._references(item)
        unit = self.params.unit or ""
        candidates = self._candidates(output)
        detail = {"found": [_fmt(v) for v in candidates], "reference": [_fmt(w) for w in wants]}
        if not candidates:
            where = f"単位「{unit}」付きの" if unit else ""
            return ScoreResult(0.0, False, f"{where}数値が見つからない（参照値 {_fmt(wants[0])}{unit}）", detail)
        for value in candidates:
            for want in wants:
                if self._close(value, want):
                    detail["matched"] = _fmt(value)
                    return ScoreResult(1.0, True, f"数値 {_fmt(value)}{unit} が参照値 {_fmt(want)}{unit} と一致",
                                       detail)
        shown = candidates[-1] if self.params.pick == "last" else candidates[0]
        return ScoreResult(0.0, False, f"数値 {_fmt(shown)}{unit} は参照値 {_fmt(wants[0])}{unit} と不一致",
                           detail)

    def ideal_answer(self, item: Item) -> Optional[str]:
        wants = self._references(item)
        if not wants:
            return None
        return f"{_fmt(wants[0])}{self.params.unit or ''}"
