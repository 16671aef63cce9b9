"""Numeric answers: Arabic and kanji numerals, commas, full-width digits, units, tolerance.

``parse_numbers(text)`` finds every number in a Japanese text: 3,500 / ３５００ / 3.5 / -2 / ▲2 /
マイナス2 / 三千五百 / 1万2千 / 二〇二五 / 十五 / 百二十三億四千万 / 1.2万 / ひとつ…とお / ひとり, ふたり /
令和元年, each with the unit that follows it (円, 件, 人, %, か所, ...). Values are ``Decimal`` so that
0.1 + 0.2 questions stay exact.

With a unit, the scorer also reads the forms a unit takes around a number: ¥12,000 / JPY 12,000 /
12,000 yen are 円; 満18年 (the statutes' wording for an age) is 18 歳 and 満18歳 is 18 年; 3割 and
3割5分 are 30 % and 35 %; with unit 日, N週間 is 7N 日 (2週間 = 14日); with unit 年 and a Western-year
reference, 令和7年 is 2025. A single kanji digit after another kanji is read before a counter
(原則三割, 毎月五日, 年二回) unless the two make a word (同一人物, 唯一, 再三). A year repeated
in parentheses (「2022年（令和4年）」) is one number, not two, for ``pick: first/last``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .patterns import lazy

_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "壱": 1,
    "二": 2,
    "弐": 2,
    "三": 3,
    "参": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL = {"十": 10, "拾": 10, "百": 100, "千": 1000, "阡": 1000}
_BIG = {"万": 10**4, "萬": 10**4, "億": 10**8, "兆": 10**12}
_KD = "".join(_KANJI_DIGITS)
_KS = "".join(_SMALL)
_KB = "".join(_BIG)
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?:\.\d+)?"
# A numeral starts with a digit or a kanji digit/small unit, never with 万/億/兆 (万一, 億劫).
_SPAN = lazy(rf"(?:{_ARABIC}|[{_KD}{_KS}])(?:{_ARABIC}|[{_KD}{_KS}{_KB}])*")
_TOKEN = lazy(rf"(\d[\d,]*(?:\.\d+)?)|([{_KD}]+)|([{_KS}])|([{_KB}])")
_CJK = lazy(r"[\u3400-\u9fff々〆]")
# After a single kanji digit, these make it a quantity (三人, 五件); other kanji make it a word (一般, 九州).
_COUNTERS = set("人名件円回個日月年歳台枚本冊週時分秒割倍点社校課条項号階度種戸世票通期周便問者")
_BEFORE_OK = set("第約計全各毎満最金")

# Units and their spellings; a number's unit is matched against these after NFKC.
UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "%": ("%", "パーセント"),
    "か所": ("か所", "箇所", "ヶ所", "ケ所", "カ所", "ヵ所"),
    "か月": ("か月", "箇月", "ヶ月", "ケ月", "カ月", "ヵ月"),
    "人": ("人", "名"),
    "歳": ("歳", "才"),
    "円": ("円", "yen", "Yen", "YEN", "JPY", "jpy"),
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
_MULTIPLIER = lazy(rf"[{_KS}{_KB}]+")


def _matched_numeral(span: str) -> Decimal:
    """``parse_numeral`` of a span that a numeral pattern matched, which always has a value."""
    value = parse_numeral(span)
    if value is None:
        raise ValueError(f"not a numeral: {span!r}")
    return value


def split_unit(unit: str) -> tuple[Decimal, str]:
    """(multiplier, base unit): '万円' -> (10000, '円'), '百万円' -> (1000000, '円'), '円' -> (1, '円')."""
    unit = unicodedata.normalize("NFKC", unit).strip()
    prefix = _MULTIPLIER.match(unit)
    if not prefix:
        return Decimal(1), unit
    return _matched_numeral(prefix.group(0)), unit[prefix.end() :]


# Before a number: a currency sign that says 円 (¥12,000, ￥12,000, JPY 12,000).
_YEN_BEFORE = lazy(r"(?:¥|JPY|jpy|Jpy)\s*$")
# 3割5分3厘 = 35.3 %: the parts after 割.
_WARI = lazy(rf"割\s*(?:(\d+|[{_KD}])\s*分)?(?:\s*(\d+|[{_KD}])\s*厘)?")


def in_unit(number: Number, after: str, unit: str, before: str = "") -> Decimal | None:
    """The number's value expressed in ``unit`` when the unit follows it, else None.

    The multiplier may be inside the numeral (1,200万 + 円) or after it (1,200 + 万円), so
    「1,200万円」「1,200 万円」「12,000,000円」 are all 1200 in 万円. ``before`` (the text just before
    the number) lets ¥/JPY stand for 円 and 満 make 満18年 an age (歳) and 満18歳 a number of 年;
    for unit %, N割M分 is read as a percentage.
    """
    multiplier, base = split_unit(unit)
    spellings = _unit_spellings(base)
    after = after.lstrip()
    wari = _WARI.match(after) if "%" in spellings else None  # matches exactly when ``after`` starts with 割
    if wari is not None:
        parts = [_matched_numeral(g) if g else Decimal(0) for g in wari.groups()]
        return (number.value * 10 + parts[0] + parts[1] / 10) / multiplier
    if base in ("日", "日間") and after.startswith("週間"):  # 2週間 = 14日
        return number.value * 7 / multiplier
    scale = _MULTIPLIER.match(after)
    if scale:
        after = after[scale.end() :].lstrip()
    implied = ("円" in spellings and bool(_YEN_BEFORE.search(before))) or (
        ("歳" in spellings or base == "年") and before.rstrip().endswith("満") and after.startswith(("歳", "才", "年"))
    )
    if not (implied or after.startswith(spellings)):
        return None
    value = number.value * (_matched_numeral(scale.group(0)) if scale else 1)
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


def parse_numeral(span: str) -> Decimal | None:
    """Value of one numeral such as '1万2千', '百二十三億四千万', '二〇二五', '3,500', '1.5'."""
    total = Decimal(0)
    section = Decimal(0)  # the part below the current 万/億/兆
    current: Decimal | None = None
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


# After another kanji, a single kanji digit is still a number when a counter follows (原則三割, 毎月五日,
# 年二回) — unless the two kanji are a word of their own (同一人物, 唯一人, 再三回, 誰一人). Not before 分/時/度
# (不十分, 緊急一時, 今一度), where the pair is usually a word.
_COUNTERS_AFTER_KANJI = set("人名件円回個日月年歳台枚本冊週割倍点社校条項号戸票通問")
_KANJI_WORDS = {
    "同一",
    "唯一",
    "統一",
    "均一",
    "単一",
    "画一",
    "随一",
    "逐一",
    "択一",
    "合一",
    "不一",
    "万一",
    "誰一",
    "何一",
    "再三",
    "再四",
    "七五",
    "五三",
    "一一",
    "九九",
    "八百",
    "千万",
    "百万",
    "表一",
    "改三",
}


def _single_kanji_is_number(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if _ERA_BEFORE.search(text, max(0, start - 4), start):
        return True  # 令和七年
    if before and _CJK.match(before) and before not in _BEFORE_OK:
        # 原則三割, 毎月五日: a counter follows; 統一, 唯一, 同一: a word
        return after in _COUNTERS_AFTER_KANJI and before + text[start:end] not in _KANJI_WORDS
    # not when another kanji that is no counter follows: 一般, 一部, 九州, 四国, 千代田
    return not (after and _CJK.match(after) and after not in _COUNTERS)


_DASHES = str.maketrans({"−": "-", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-"})
# Arabic and kanji digits never join into one numeral: 第3四半期 is 3, not 34.
_SPLIT = lazy(rf"(?<=\d)(?=[{_KD}])|(?<=[{_KD}])(?=\d)")


# Enumerators (①–⑳, ⑴, ⒈, ㈠, ㊀, ❶ ...) are list markers, not digits: NFKC would turn ①3,500 into
# 13,500, so they become a space before NFKC (one character for one, offsets unchanged).
_ENUMERATORS = lazy("[\u2460-\u249b\u24ea-\u24ff\u2776-\u2793\u3220-\u3229\u3251-\u325f\u3280-\u3289\u32b1-\u32bf]")
_SIGN = lazy(r"(?:[-▲△]|マイナス|まいなす)\s*$")
# After one of these a '-' (or ▲, マイナス) joins a range or an expression (9時-17時, 3-5, A-1),
# so it is not a sign.
_NOT_SIGN_AFTER = lazy(rf"[0-9A-Za-z.)\]%{_KD}{_KS}{_KB}{''.join(_COUNTERS)}度所]$")


def _signed(text: str, start: int, value: Decimal) -> Decimal:
    sign = _SIGN.search(text, max(0, start - 8), start)
    if not sign:
        return value
    before = text[max(0, sign.start() - 4) : sign.start()].rstrip()
    return value if _NOT_SIGN_AFTER.search(before) else -value


# Japanese era names and the year before each era's first year: 令和N年 = 2018 + N.
ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
_ERA_BEFORE = lazy(r"(明治|大正|昭和|平成|令和)\s*$")
_GANNEN = lazy(r"(?<=明治|大正|昭和|平成|令和)\s*(元)(?=\s*年)")  # 令和元年 = 令和1年
# Native numerals: ひとつ…ここのつ, とお (counter つ), ひとり/ふたり (人); the counter becomes the unit.
_WAGO = {
    "ひとつ": 1,
    "ふたつ": 2,
    "みっつ": 3,
    "よっつ": 4,
    "いつつ": 5,
    "むっつ": 6,
    "ななつ": 7,
    "やっつ": 8,
    "ここのつ": 9,
    "とお": 10,
    "ひとり": 1,
    "ふたり": 2,
}
_WAGO_RE = lazy("|".join(sorted(_WAGO, key=len, reverse=True)))
# A native numeral is a word of its own: not inside 思いつつ, とおり, やっつける, むっつり, ひとつき, ひとり親.
_HIRAGANA = lazy(r"[ぁ-ゖ]")
_WAGO_BEFORE_OK = set("はがをもにでとのへやうお")
_TOO_AFTER = lazy(
    r"(?=[\s。、,.!?！？)）」』]|$)|です|でした|だ(?!け)|あ[りる]|ずつ|まで|ほど|くらい|ぐらい|しか|も|個|件"
)
_WAGO_AFTER = lazy(
    r"(?![ぁ-ゖ]|親|暮)|の|が|を|も|は|で|に|と|や|だ|ずつ|まで|ほど|くらい|ぐらい|しか|だけ|あ[りる]|め|じゃ|か|よ|ね"
)


@dataclass(frozen=True)
class Found:
    """A number with the text around it (NFKC), for unit checks."""

    number: Number
    before: str  # up to 8 characters before it
    after: str  # up to 8 characters after it; for ひとつ/ふたり, the counter つ/人 and what follows
    era: int | None = None  # an era name precedes it: 令和 -> 2018 (令和7年 is 2018 + 7)


def normalize_text(text: str) -> str:
    """The text numbers are read from: enumerators blanked, NFKC, dashes folded (offsets of Number)."""
    return unicodedata.normalize("NFKC", _ENUMERATORS.sub(" ", text)).translate(_DASHES)


def _wago_is_number(text: str, start: int, end: int, word: str) -> bool:
    before = text[start - 1] if start > 0 else ""
    if before and _HIRAGANA.match(before) and before not in _WAGO_BEFORE_OK:
        return False
    if word == "いつつ" and before and _CJK.match(before):
        return False  # 思いつつ, 用いつつ
    if word in ("ひとり", "ふたり") and (
        before == "人" or text.startswith("ひとり", end) or text[max(0, start - 3) : start] == "ひとり"
    ):
        return False  # 一人ひとり, ひとりひとり
    if word == "とお":  # とお伝え, とお願い, とおやま, とおり: only a word of its own
        return bool(_TOO_AFTER.match(text, end))
    return bool(_WAGO_AFTER.match(text, end))


def scan_numbers(text: str) -> list[Found]:
    """Every number in ``text`` with the text around it, in order."""
    text = normalize_text(text)
    out: list[Found] = []

    def add(number: Number, after: str) -> None:
        era = _ERA_BEFORE.search(text, max(0, number.start - 4), number.start)
        out.append(
            Found(number, text[max(0, number.start - 8) : number.start], after, ERAS[era.group(1)] if era else None)
        )

    for match in _SPAN.finditer(text):
        pieces, offset = [], match.start()
        for piece in _SPLIT.split(match.group(0)):
            pieces.append((piece, offset))
            offset += len(piece)
        for span, start in pieces:
            end = start + len(span)
            if len(span) == 1 and span in _KD + _KS and not _single_kanji_is_number(text, start, end):
                continue  # 一般, 統一, 九州, 千代田
            if (
                span[0].isdigit()
                and start > 0
                and re.match(r"[A-Za-z_]", text[start - 1])
                and text[max(0, start - 3) : start].lower() != "jpy"
            ):
                continue  # part of an identifier such as R7 or KZ4821
            value = parse_numeral(span)
            if value is None:
                continue
            add(Number(_signed(text, start, value), span, start, end), text[end : end + 8])
    for match in _GANNEN.finditer(text):
        add(Number(Decimal(1), "元", match.start(1), match.end(1)), text[match.end(1) : match.end(1) + 8])
    for match in _WAGO_RE.finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        if _wago_is_number(text, start, end, word):
            counter = "人" if word.endswith("り") else "つ"
            add(Number(Decimal(_WAGO[word]), word, start, end), counter + text[end : end + 7])
    out.sort(key=lambda f: f.number.start)
    return out


def parse_numbers(text: str) -> list[tuple[Number, str]]:
    """Every number in ``text`` (NFKC) with the few characters that follow it (for unit checks)."""
    return [(f.number, f.after) for f in scan_numbers(text)]


# A year written again in parentheses: 「2022年（令和4年）」「令和4年（2022年）」「1万2千円（12,000円）」.
_ALT_OPEN = lazy(r"[^\d()（）]{0,4}[(（]\s*(?:西暦)?\s*(?:明治|大正|昭和|平成|令和)?\s*")
_ALT_CLOSE = lazy(r"[^\d()（）]{0,4}[)）]")


def _alternatives(text: str, found: list[Found]) -> list[list[Found]]:
    """Numbers grouped so that a year repeated in parentheses is one number with two readings."""
    text = normalize_text(text)
    groups: list[list[Found]] = []
    for f in found:
        if groups:
            prev = groups[-1][-1]
            if (
                len(groups[-1]) == 1
                and _ALT_OPEN.fullmatch(text, prev.number.end, f.number.start)
                and _ALT_CLOSE.match(text, f.number.end)
                and (
                    (prev.era is None) != (f.era is None)
                    or "西暦" in text[prev.number.end : f.number.start]
                    or prev.number.value == f.number.value
                )
            ):
                groups[-1].append(f)
                continue
        groups.append([f])
    return groups


def _fmt(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value)}"
    return format(value.normalize(), "f")


def reference_number(ref: str, unit: str | None = None) -> Decimal | None:
    """The reference's value, in ``unit`` when given: with unit 万円, '1200万円', '12,000,000円', '1200万'
    and a bare '1200' are all 1200 (a bare number is read in the unit unless it has 十/百/千/万/億/兆)."""
    found = scan_numbers(ref)
    if not found:
        return None
    number, after = found[0].number, found[0].after
    if not unit:
        return number.value
    value = in_unit(number, after, unit, found[0].before)
    if value is not None:
        return value
    multiplier, _ = split_unit(unit)
    return number.value / multiplier if re.search(f"[{_KS}{_KB}]", number.text) else number.value


class NumericParams(Params):
    tolerance: float = Field(
        default=0.0,
        ge=0,
        description="Accepted difference (absolute, or relative when 'relative' is true: 0.01 = 1 %).",
    )
    relative: bool = Field(default=False, description="Read 'tolerance' as a fraction of the reference value.")
    unit: str | None = Field(
        default=None,
        description="Only numbers followed by this unit count (円, 件, 人, %, か所, ...); "
        "spelling variants such as 箇所/ヶ所 or 名/人 are accepted.",
    )
    pick: Literal["any", "first", "last"] = Field(
        default="any", description="Which number of the answer is compared: any of them, the first or the last."
    )

    @field_validator("unit")
    @classmethod
    def _unit_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("unit must not be blank")
        if value is not None and not split_unit(value)[1]:
            raise ValueError("unit must name a unit after its multiplier (万円, 千人), not only 万/千/億")
        return value


@register
class Numeric(Scorer):
    kind = "numeric"
    Params = NumericParams
    params: NumericParams
    description = (
        "A number in the answer (Arabic or kanji numerals, optional unit) equals the reference within tolerance."
    )

    def _year_unit(self) -> bool:
        years = ((Decimal(1), "年"), (Decimal(1), "年度"))
        return self.params.unit is not None and split_unit(self.params.unit) in years

    def _western(self, item: Item) -> bool:
        """Years are compared as Western years: the unit is 年 and a reference is a Western year
        (≥ 1868) or an era year (令和7年)."""
        if not self._year_unit():
            return False
        for ref in item.references():
            found = scan_numbers(ref)
            if found and (found[0].era is not None or found[0].number.value >= 1868):
                return True
        return False

    def _references(self, item: Item) -> list[Decimal]:
        western = self._western(item)
        out = []
        for ref in item.references():
            value = reference_number(ref, self.params.unit)
            if value is None:
                continue
            found = scan_numbers(ref)
            if western and found and found[0].era is not None:
                value += found[0].era
            out.append(value)
        return out

    def check_item(self, item: Item) -> str | None:
        refs = item.references()
        if not refs:
            return "needs a reference (a number such as '3500' or '1万2千円')"
        for ref in refs:
            if reference_number(ref) is None:
                return f"reference {ref!r} is not a number"
        return None

    def _value(self, found: Found, western: bool) -> Decimal | None:
        if not self.params.unit:
            return found.number.value
        value = in_unit(found.number, found.after, self.params.unit, found.before)
        if value is not None and western and found.era is not None:
            value += found.era  # 令和7年 -> 2025
        return value

    def _candidates(self, output: str, western: bool = False) -> list[Decimal]:
        """Values of the answer's numbers (in the unit, when one is set) after the unit filter and pick.
        A year repeated in parentheses (「2022年（令和4年）」) is one number with both values."""
        groups = []
        for group in _alternatives(output, scan_numbers(output)):
            values = [v for v in (self._value(f, western) for f in group) if v is not None]
            if values:
                groups.append(list(dict.fromkeys(values)))
        if self.params.pick == "first":
            groups = groups[:1]
        elif self.params.pick == "last":
            groups = groups[-1:]
        return [v for group in groups for v in group]

    def _close(self, got: Decimal, want: Decimal) -> bool:
        tol = Decimal(str(self.params.tolerance))
        if self.params.relative:
            tol = tol * abs(want)
        return abs(got - want) <= tol

    def score(self, output: str, item: Item) -> ScoreResult:
        wants = self._references(item)
        unit = self.params.unit or ""
        candidates = self._candidates(output, self._western(item))
        detail: dict[str, Any] = {"found": [_fmt(v) for v in candidates], "reference": [_fmt(w) for w in wants]}
        if not candidates:
            where = f"単位「{unit}」付きの" if unit else ""
            return ScoreResult(0.0, False, f"{where}数値が見つからない（参照値 {_fmt(wants[0])}{unit}）", detail)
        for value in candidates:
            for want in wants:
                if self._close(value, want):
                    detail["matched"] = _fmt(value)
                    return ScoreResult(
                        1.0, True, f"数値 {_fmt(value)}{unit} が参照値 {_fmt(want)}{unit} と一致", detail
                    )
        shown = candidates[0]  # with pick: last, candidates hold only the last number (and its parenthetical)
        return ScoreResult(0.0, False, f"数値 {_fmt(shown)}{unit} は参照値 {_fmt(wants[0])}{unit} と不一致", detail)

    def ideal_answer(self, item: Item) -> str | None:
        wants = self._references(item)
        if not wants:
            return None
        return f"{_fmt(wants[0])}{self.params.unit or ''}"
