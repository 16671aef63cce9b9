"""Fact checks: claims that must be in the answer, and claims that must not (the swapped, outdated or
invented fact).

Answer and values are compared in canonical form (canon.py): 和暦 = 西暦, kanji numerals = Arabic,
thousands separators, ¥/￥ amounts, date and time spellings. Regexes run on the canonical answer
(half-width digits, lower case, no whitespace). A match followed by a negation or a correction
(「参議院議員の任期は4年ではなく6年」「…4年というのは誤りです」) or labelled as a misconception
(「よくある誤解：…」「×…」) is not a claim; a match marked as history (「改正前は20歳でした」
「20歳から18歳に引き下げられた」) is not one either, unless ``historical_ok`` is false. A string value is
also looked for as written (NFKC, no spaces), so a word whose numeral reads differently in another
context is found; the literal text of a regex is canonicalised like a value (「5億」 -> 500000000).
"""

from __future__ import annotations

import re
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config.suite import Item
from .base import Params, ScoreResult, Scorer, register
from .canon import canonical, occurrences, plain


# A pattern's syntax (escapes, character classes, quantifiers, group openers and operators); what lies
# between is literal text, canonicalised like a value.
_PATTERN_SYNTAX = re.compile(r"(\\.|\[(?:\\.|[^\]])*\]|\{\d*,?\d*\}|\(\?(?:[:=!>]|<[=!]|P<\w+>|P=\w+\)|[aiLmsux-]+[:)])"
                             r"|[.^$*+?{}\[\]|()])")
_ERA_NAME = re.compile("明治|大正|昭和|平成|令和")
_DECIMAL_POINT = re.compile(r"(?<=\d)\\\.(?=\d)")  # 4\.9億: the decimal point is part of the number


def canonical_pattern(pattern: str) -> str:
    """The pattern with its literal text in canonical form, so that it can be written as Japanese is
    written: 「5億」 -> 500000000, 「9時00分」 -> 9時, 「：」 -> ':', 「パーセント」 -> '%', 「KAM」 -> 'kam'.
    Raises ValueError for an era name before a number pattern (令和\\d+年: canonical text writes 西暦).
    A 万/億 after a pattern (\\d+万円) cannot be rewritten and never matches an amount: canonical text
    writes 3万円 as 30000円."""
    pieces = _PATTERN_SYNTAX.split(_DECIMAL_POINT.sub("\ue100", pattern))
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 or not piece:
            out.append(piece)
            continue
        era = _ERA_NAME.search(piece[-2:])
        following = next((p for p in pieces[index + 1:] if p), "")
        if era and following.startswith(("\\d", "[0-9", "[0-9", "[1-9", "(元|", "(?:元|")):
            raise ValueError(f"{era.group(0)!r} before a number never occurs in canonical text: dates are 西暦 "
                             "(令和7年 -> 2025年)")
        written = piece.replace("\ue100", ".")
        if len(written) == 1 and written in "〇一二三四五六七八九十百千":
            out.append(written)  # a lone numeral in a pattern, as in 数(十|百)?万: which it is depends on context
            continue
        canon = canonical(written)
        out.append(piece.replace("\ue100", "\\.") if canon == written else re.escape(canon))
    return "".join(out)


class RegexClaim(BaseModel):
    """``{regex: ...}``: a Python regular expression searched in the canonical answer; its literal text
    is canonicalised too (see :func:`canonical_pattern`)."""

    model_config = ConfigDict(extra="forbid")
    regex: str = Field(description="Python regular expression over canonical text (half-width digits, lower "
                                   "case, no whitespace, 西暦 dates, 12000円, 17時); its literal parts are "
                                   "canonicalised the same way.")

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
            re.compile(canonical_pattern(value))
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value


Alternative = Union[str, RegexClaim]
Entry = Union[Alternative, list[Alternative]]


# ------------------------------------------------------------------------------ negation markers
_CLOSE = r"[」』\"'”’)\]]*"
_FILLER = (r"[、,]?(?:だ|です|である|でした)?[、,]?"
           r"(?:という|とする|との|とされる|とされている|といった|って|と)?"
           r"(?:の|こと|点|説|話|記述|情報|理解|認識|見方|考え|主張|回答|答え|表現|もの)?")
_NEGATIONS = ("は誤り", "は誤っ", "は誤情報", "は誤記", "が誤り", "が誤ってい", "が誤ってお", "も誤り", "も誤っ", "は間違", "が間違", "は不正確", "は正しくな", "は正しくありません",
              "は事実ではな", "は事実ではありません", "は事実と異な", "は誤解", "が誤解", "は俗説", "は古い情報",
              "は古い規定", "は改正前", "ではなく", "ではな", "ではありません", "ではございません", "でもな",
              "でもありません", "じゃな", "じゃありません", "とは限", "とはかぎ", "とは言えな", "とは言えません",
              "とはいえな", "とはいえません", "ことはな", "ことはありません", "わけではな", "わけではありません",
              "は認められな", "は誤認", "という誤解", "との誤解", "は否定", "と思われがち", "と思われやす",
              "と誤解され", "と誤解し", "と勘違い", "と混同")
_NEGATED_AFTER = re.compile(
    "^" + _CLOSE + _FILLER + "(?:" + "|".join(re.escape(n) for n in sorted(_NEGATIONS, key=len, reverse=True)) + ")"
    # a mark after it: 「4年｜×」「4年（誤り）」 (but not the 誤 of 4件誤送付)
    r"|^" + _CLOSE + r"(?:[|｜:\-→=(\[]*(?:×|✗|✕|❌)|[|｜:\-→=(\[]*(?:誤り|間違い)(?![\u4e00-\u9fff])"
    r"|[|｜:\-→=(\[]+誤(?![\u4e00-\u9fff]))")
# A label before it: 「よくある誤解として「…」」「誤：…」「×…」 (but not 誤送付の…).
_MISCONCEPTION_BEFORE = re.compile(
    r"(?:(?:誤解|誤り|俗説|間違い|誤った(?:情報|理解|認識|説明|記述)?|誤答|古い情報)[:|｜\-→=]*"
    r"(?:として|とされる|では|は)?|誤[:|｜\-→=]+|誤(?=[「『\"'“‘(\[])|[×✗✕❌][:|｜\-→=]*)[「『\"'“‘(\[]*$")
_HISTORICAL_BEFORE = re.compile(r"(?:かつては?|改正前(?:は|の|まで)?|以前は|旧法(?:では|の)?|旧制度(?:では|の)?|従来は|"
                                r"昔は|当初は|施行前は|もともとは|元々は|当時は|"
                                # 「までは」 only after a point in time (「2022年3月までは」), not 「通知までは」
                                r"(?:\d{4}年(?:度)?(?:\d{1,2}月)?(?:\d{1,2}日)?|改正|施行|見直し)(?:まで|以前)は)")
_HISTORICAL_AFTER = re.compile(r"^" + _CLOSE + r"(?:でした|だった|であった)?[、,]?から\S{0,16}?(?:に|へ)"
                               r"(?:引き下げ|引下げ|引き上げ|引上げ|変更|改正|改め|短縮|延長|拡大|縮小|見直|移行|変わ)")
_SENTENCE_END = re.compile(r"[。!?！？\n]")


def _sentence_before(text: str, start: int, width: int = 24) -> str:
    head = text[max(0, start - width):start]
    ends = list(_SENTENCE_END.finditer(head))
    return head[ends[-1].end():] if ends else head


def _sentence_after(text: str, end: int, width: int = 28) -> str:
    tail = text[end:end + width]
    stop = _SENTENCE_END.search(tail)
    return tail[:stop.start()] if stop else tail


def negated(text: str, start: int, end: int) -> bool:
    """The claim at text[start:end] is denied, corrected or labelled a misconception."""
    return bool(_NEGATED_AFTER.match(_sentence_after(text, end))
                or _MISCONCEPTION_BEFORE.search(_sentence_before(text, start, 12)))


_WHEN = re.compile(r"(?:年|年度|月|日|時|分|曜日?|\))$")
_PRESENT = re.compile(r"が、|けど|しかし|ものの|ですが|ますが|現在|今は|現行|改正後|改正により")


def historical(text: str, start: int, end: int) -> bool:
    """The claim at text[start:end] is said of the past (「改正前は20歳」「20歳から18歳に引き下げ」), the
    marker in the same clause: 「改正前は…でしたが、現在は20歳」 is a claim about the present."""
    if _HISTORICAL_AFTER.match(_sentence_after(text, end, 32)) and not _WHEN.search(text[start:end]):
        return True  # 20歳から18歳に引き下げ (but 10月1日から…に変更 is a date the change starts on)
    window = _sentence_before(text, start) + text[start:end]
    markers = list(_HISTORICAL_BEFORE.finditer(window))
    return bool(markers) and not _PRESENT.search(window[markers[-1].end():])


# ------------------------------------------------------------------------------------- scorer
def _label(entry: Entry) -> str:
    alts = entry if isinstance(entry, list) else [entry]
    return "／".join(a if isinstance(a, str) else f"/{a.regex}/" for a in alts)


class ClaimsParams(Params):
    required: list[Entry] = Field(
        default_factory=list, description="Claims the answer must make. Each entry: a string, a list of "
                                          "alternatives (any one suffices) or {regex: ...}.")
    forbidden: list[Entry] = Field(
        default_factory=list, description="Claims the answer must not make (the swapped, outdated or invented "
                                          "fact); any one found fails the answer.")
    mode: Literal["all", "any"] = Field(default="all", description="Pass when all / any of the required claims "
                                                                   "are found.")
    historical_ok: bool = Field(default=True, description="A claim marked as past (「改正前は」「かつては」"
                                                          "「…から…に引き下げ」) is history, not a claim: it neither "
                                                          "fails as forbidden nor counts as required.")

    @field_validator("required", "forbidden")
    @classmethod
    def _not_empty(cls, value: list) -> list:
        for entry in value:
            alts = entry if isinstance(entry, list) else [entry]
            if not alts:
                raise ValueError("an entry must not be an empty list")
            for alt in alts:
                if isinstance(alt, str) and not canonical(alt):
                    raise ValueError(f"{alt!r} is empty in canonical form")
        return value

    @model_validator(mode="after")
    def _something(self) -> "ClaimsParams":
        if not self.required and not self.forbidden:
            raise ValueError("give required and/or forbidden claims")
        return self


class _Texts:
    """The answer in canonical form (numbers read) and in plain form (as written)."""

    def __init__(self, output: str):
        self.canon = canonical(output)
        self.plain = plain(output)


@register
class Claims(Scorer):
    kind = "claims"
    Params = ClaimsParams
    description = "Required facts are stated and forbidden (swapped, outdated, invented) ones are not."

    def __init__(self, params: ClaimsParams):
        super().__init__(params)
        self._regex: dict[str, re.Pattern] = {}

    def _pattern(self, regex: str) -> re.Pattern:
        if regex not in self._regex:
            self._regex[regex] = re.compile(canonical_pattern(regex))
        return self._regex[regex]

    def _matches(self, alt: Alternative, texts: _Texts) -> list[tuple[str, int, int]]:
        """(text, start, end) of every occurrence of one alternative: a regex in canonical form, a string in
        canonical form and as written."""
        if isinstance(alt, RegexClaim):
            pattern = self._pattern(alt.regex)
            return [(texts.canon, m.start(), m.end()) for m in pattern.finditer(texts.canon) if m.end() > m.start()]
        out = [(texts.canon, s, e) for s, e in occurrences(canonical(alt), texts.canon)]
        written = plain(alt)
        if written != canonical(alt):
            out += [(texts.plain, s, e) for s, e in occurrences(written, texts.plain)]
        return out

    def _find(self, entry: Entry, texts: _Texts) -> tuple[Optional[str], bool]:
        """(the matched text of an affirmed occurrence or None, whether some occurrence was set aside:
        denied, labelled a misconception, or said of the past)."""
        set_aside = False
        for alt in entry if isinstance(entry, list) else [entry]:
            for text, start, end in self._matches(alt, texts):
                if negated(text, start, end) or (self.params.historical_ok and historical(text, start, end)):
                    set_aside = True
                    continue
                return text[start:end], set_aside
        return None, set_aside

    def score(self, output: str, item: Item) -> ScoreResult:
        texts = _Texts(output)
        found, missing, wrong, set_aside = [], [], [], []
        for entry in self.params.required:
            hit, aside = self._find(entry, texts)
            (found if hit is not None else missing).append(_label(entry))
            if hit is None and aside:
                set_aside.append(_label(entry))
        for entry in self.params.forbidden:
            hit, aside = self._find(entry, texts)
            if hit is not None:
                wrong.append({"claim": _label(entry), "match": hit})
            elif aside:
                set_aside.append(_label(entry))
        detail = {"found": found, "missing": missing, "forbidden": wrong, "set_aside": set_aside}
        required = self.params.required
        if self.params.mode == "all":
            share = len(found) / len(required) if required else 1.0
            ok = not missing
        else:
            share = 1.0 if found or not required else 0.0
            ok = bool(found) or not required
        if wrong:
            shown = "、".join(f"「{w['match']}」" for w in wrong)
            return ScoreResult(0.0, False, f"誤った記述を含む: {shown}", detail)
        if ok:
            return ScoreResult(share, True, "必要な事実を含み、誤った記述はない" if required else "誤った記述はない",
                               detail)
        if self.params.mode == "any":
            return ScoreResult(0.0, False, f"必要な事実をいずれも含まない: {'、'.join(missing)}", detail)
        return ScoreResult(share, False, f"不足: {'、'.join(missing)}", detail)

    def _first_text(self, entry: Entry) -> Optional[str]:
        return next((a for a in (entry if isinstance(entry, list) else [entry]) if isinstance(a, str)), None)

    def ideal_answer(self, item: Item) -> Optional[str]:
        """A reference that passes; else the first reference completed with the first plain-string
        alternative of each required claim it lacks; else those alternatives alone (joined with 「。」)."""
        if not self.params.required:
            return None
        refs = item.references()
        for ref in refs:
            if self.score(ref, item).passed:
                return ref
        entries = self.params.required if self.params.mode == "all" else self.params.required[:1]
        for base in ([refs[0]] if refs else []) + [""]:
            texts = _Texts(base)
            parts = [base] if base else []
            for entry in entries:
                if base and self._find(entry, texts)[0] is not None:
                    continue
                text = self._first_text(entry)
                if text is None:
                    parts = None
                    break
                parts.append(text)
            if parts:
                answer = "。".join(p.rstrip("。") for p in parts) + "。"
                if self.score(answer, item).passed:
                    return answer
        return None

    def check_item(self, item: Item) -> Optional[str]:
        if not self.params.required:
            return None
        answer = self.ideal_answer(item)
        if answer is None or not self.score(answer, item).passed:
            return ("needs a reference that passes its claims, or a plain-string alternative for every required "
                    "claim (the oracle answers with them)")
        return None
