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
The answer is canonicalised line by line: a bullet or a table row is a sentence of its own.

A claim is also set aside when its sentence goes on to deny it: 「たとえ許可を得ても…使えません」,
「メールでの提出については定めがありません」, a prohibition followed by its exception (「…できませんが、…
この限りではありません」), or a word after it that says it is not needed (「文書による依頼は不要」「…を待たずに」).
A regex entry's ``near`` ties the match to a sentence that names the subject.

``unverified: route``: the rules decide a forbidden claim or a missing required one (FAIL) and an answer
whose every specific (date, time, amount, percentage, count, article number, code) and every condition,
exception, actor or channel clause (ただし, 場合に限り, 承認, 窓口, オンライン, 必要です …) or general-knowledge
sentence (一般に, 多くの自治体では) is found in the item's sources (PASS); anything else goes to the judges
(``judge_request`` / ``score_judged``) and, without one, is not scored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .canon import canonical, occurrences, plain
from .judge import Judge, JudgeParams, judge_messages
from .patterns import cached, lazy
from .preserve import CODE, NUMBER, QUANTITIES

# A pattern's syntax (escapes, character classes, quantifiers, group openers and operators); what lies
# between is literal text, canonicalised like a value.
_PATTERN_SYNTAX = lazy(
    r"(\\.|\[(?:\\.|[^\]])*\]|\{\d*,?\d*\}|\(\?(?:[:=!>]|<[=!]|P<\w+>|P=\w+\)|[aiLmsux-]+[:)])"
    r"|[.^$*+?{}\[\]|()])"
)
_ERA_NAME = lazy("明治|大正|昭和|平成|令和")
_DECIMAL_POINT = lazy(r"(?<=\d)\\\.(?=\d)")  # 4\.9億: the decimal point is part of the number


@lru_cache(maxsize=16384)  # beyond re's own cache of 512: a suite tree has thousands of claim patterns
def canonical_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` in canonical form (:func:`canonical_pattern`), compiled."""
    return re.compile(canonical_pattern(pattern))


@lru_cache(maxsize=16384)  # pure, and compiling is the dearest part of validating a suite's claims
def _regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` (as written, and in canonical form) is not a regular expression, or None.
    A ValueError of canonical_pattern (an era name before a number) propagates."""
    # compiled once, for scoring too: the canonical form rewrites literal text only, so a pattern whose
    # canonical form compiles is valid as written (a failure is reported as the author wrote the pattern)
    try:
        canonical_regex(pattern)
        return None
    except re.error as canonical_error:
        problem = str(canonical_error)
    try:
        re.compile(pattern)
    except re.error as written:
        problem = str(written)
    return f"invalid regular expression: {problem}"


@lru_cache(maxsize=16384)  # pure: every validation of a suite's claims and every answer scored asks again
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
        following = next((p for p in pieces[index + 1 :] if p), "")
        if era and following.startswith(("\\d", "[0-9", "[0-9", "[1-9", "(元|", "(?:元|")):
            raise ValueError(
                f"{era.group(0)!r} before a number never occurs in canonical text: dates are 西暦 (令和7年 -> 2025年)"
            )
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
    regex: str = Field(
        description="Python regular expression over canonical text (half-width digits, lower "
        "case, no whitespace, 西暦 dates, 12000円, 17時); its literal parts are "
        "canonicalised the same way."
    )
    near: list[str] | None = Field(
        default=None,
        description="A match counts only when one of these words is in the same sentence (or line): "
        "ties a generic rule (any date, any percentage) to the subject it is about.",
    )

    @field_validator("near")
    @classmethod
    def _near_words(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or not all(canonical(w) for w in value)):
            raise ValueError("near must list at least one word, none empty")
        return value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        problem = _regex_problem(value)
        if problem:
            raise ValueError(problem)
        return value


Alternative = str | RegexClaim
Entry = Alternative | list[Alternative]


# ------------------------------------------------------------------------------ negation markers
_CLOSE = r"[」』\"'”’)\]]*"
_FILLER = (
    r"[、,]?(?:だ|です|である|でした)?[、,]?"
    r"(?:という|とする|との|とされる|とされている|といった|って|と)?"
    # a verb after a noun claim: 「必要最小限｜にする｜必要は特にありません」「申請｜すること｜はできません」
    r"(?:(?:に|を)?(?:する|される|した|して))?"
    r"(?:の|こと|点|説|話|記述|情報|理解|認識|見方|考え|主張|回答|答え|表現|もの)?"
)
_NEGATIONS = (
    "は誤り",
    "は誤っ",
    "は誤情報",
    "は誤記",
    "が誤り",
    "が誤ってい",
    "が誤ってお",
    "も誤り",
    "も誤っ",
    "は間違",
    "が間違",
    "は不正確",
    "は正しくな",
    "は正しくありません",
    "は事実ではな",
    "は事実ではありません",
    "は事実と異な",
    "は誤解",
    "が誤解",
    "は俗説",
    "は古い情報",
    "は古い規定",
    "は改正前",
    "ではなく",
    "ではな",
    "ではありません",
    "ではございません",
    "でもな",
    "でもありません",
    "じゃな",
    "じゃありません",
    "とは限",
    "とはかぎ",
    "とは言えな",
    "とは言えません",
    "とはいえな",
    "とはいえません",
    "ことはな",
    "ことはありません",
    "わけではな",
    "わけではありません",
    "は認められな",
    "は誤認",
    "という誤解",
    "との誤解",
    "は否定",
    "と思われがち",
    "と思われやす",
    "と誤解され",
    "と誤解し",
    "と勘違い",
    "と混同",
    # the claim is said not to be needed or not to be possible: 「文書による依頼｜は不要」
    # 「文書での依頼｜を待たずに」「許可｜がなくても」「申請すること｜はできません」. Only AFTER the match:
    # a forbidden 「文書による依頼は不要」 contains its 不要 and stays a claim.
    "は不要",
    "も不要",
    "は必要ありません",
    "は必要ない",
    "は必要なし",
    "は要りません",
    "を待たずに",
    "を待たず",
    "がなくても",
    "が無くても",
    "がなくとも",
    "なしでも",
    "は特にありません",
    "は特にない",
    "は特に必要ありません",
    "必要はありません",
    "必要はない",
    "必要は特にありません",
    "必要は特にない",
    "必要はございません",
    "はできません",
    "はできない",
    "はできず",
    "はできかねます",
    "もできません",
    "もできない",
    "ができません",
    "ができない",
    # a claim ending in a verb stem, its ability denied: 「伝え｜ることはできません」 (not 「外れ｜ることはない」,
    # which a pattern ending in a stem may mean as the claim)
    "ることはできません",
    "ることはできない",
    "ることができません",
    "ることができない",
)
_NEGATED_AFTER = lazy(
    "^" + _CLOSE + _FILLER + "(?:" + "|".join(re.escape(n) for n in sorted(_NEGATIONS, key=len, reverse=True)) + ")"
    # a mark after it: 「4年｜×」「4年（誤り）」 (but not the 誤 of 4件誤送付)
    r"|^" + _CLOSE + r"(?:[|｜:\-→=(\[]*(?:×|✗|✕|❌)|[|｜:\-→=(\[]*(?:誤り|間違い)(?![\u4e00-\u9fff])"
    r"|[|｜:\-→=(\[]+誤(?![\u4e00-\u9fff]))"
)
# A label before it: 「よくある誤解として「…」」「誤：…」「×…」 (but not 誤送付の…).
_MISCONCEPTION_BEFORE = lazy(
    r"(?:(?:誤解|誤り|俗説|間違い|誤った(?:情報|理解|認識|説明|記述)?|誤答|古い情報)[:|｜\-→=]*"
    r"(?:として|とされる|では|は)?|誤[:|｜\-→=]+|誤(?=[「『\"'“‘(\[])|[×✗✕❌][:|｜\-→=]*)[「『\"'“‘(\[]*$"
)
_HISTORICAL_BEFORE = lazy(
    r"(?:かつては?|改正前(?:は|の|まで)?|以前は|旧法(?:では|の)?|旧制度(?:では|の)?|従来は|"
    r"昔は|当初は|施行前は|もともとは|元々は|当時は|"
    # 「までは」 only after a point in time (「2022年3月までは」), not 「通知までは」
    r"(?:\d{4}年(?:度)?(?:\d{1,2}月)?(?:\d{1,2}日)?|改正|施行|見直し)(?:まで|以前)は)"
)
_HISTORICAL_AFTER = lazy(
    r"^" + _CLOSE + r"(?:でした|だった|であった)?[、,]?から\S{0,16}?(?:に|へ)"
    r"(?:引き下げ|引下げ|引き上げ|引上げ|変更|改正|改め|短縮|延長|拡大|縮小|見直|移行|変わ)"
)
_SENTENCE_END = lazy(r"[。!?！？\n]")

# Denials later in the sentence.
# 「たとえ許可を得ても｜私物のパソコンは使えません」「VPNを入れても、…使用できません」: the claim is a concession
# whose sentence ends in a negative, with no turn (が、/けど/ものの/…ば、) in between.
# (not the ても of a word: たてもの, ておもの are nouns; a concession's ても is never followed by の)
_EVEN_IF = lazy(r"[てで]も(?![っらりるれろの])")
# The negative is one of ability or permission (使えません, 利用できない, 認められません, 不可), never an idiom of
# permission (問題ありません, 差し支えない, 構いません) or a prediction (外れることはない).
_NEGATIVE_END = lazy(
    r"^[、,]?(?P<body>[^。]{0,40}?)(?:(?:でき|られ|[えけせてねめれ])(?:ません|ない(?!し))|できず|られず|"
    r"不可|禁止|(?:なり|いけ)ません|(?:なら|いけ)ない)"
)
_VERB_TAIL = lazy(r"[ぁ-ゖ]{0,2}[\u4e00-\u9fff]?[ぁ-ゖ]{0,2}")
_TURN = lazy(r"が[、,]|けど|けれど|ものの|ますが|ですが|ば[、,]|れば|なら|場合は|ときは")
# 「メールでの提出｜については規程に定めがありません」「上限は第7｜条を含め抜粋のどこにも定められていない」: the
# claim is what the source is said not to provide (not 「上限は5万円で、それ以外については定めがない」).
_ABSENT = lazy(
    r"^(?P<gap>[^。、,]{0,24}?)(?:については|に関しては|について|に関して)?[、,]?(?P<gap2>[^。、,]{0,20}?)"
    r"(?:(?:定め|記載|規定|言及|記述|明記|条文|決まり)(?:が|は|も)?(?:ありません|ない|ございません|見当たりません|見当たらない|"
    r"されていません|されていない|されておりません)"
    r"|(?:定められ|記載され|規定され|書かれ|明記され|示され|触れられ)て(?:い|お)(?:ません|ない|りません))"
)
# ... not when the gap names another thing or closes the claim's own clause (「14日以内に届け出ます（延長の定めは
# ありません）」)
_OTHER_THING = lazy(r"以外|その他|そのほか|のほか|ほかの|他の|ます|です|でした|[()「」]")
# 「10日を超えることはできませんが、所属長が認めるときはこの限りではありません」: a prohibition qualified by its
# exception (in the same sentence after a turn, or in the next one opening with ただし) is not the absolute claim.
_NEGATIVE_CLAIM = lazy(r"(?:ません|ない|できず|不可|禁止|ならない|いけない)$")
_EXCEPTION = (
    r"(?:この限りで(?:は)?(?:ない|ありません|ございません|なく)"
    r"|(?:場合|とき|時)(?:は|には|に限り)[^。]{0,30}?(?:できます|可能です|可能となります|認められます|差し支えありません|"
    r"構いません|かまいません))"
)
_QUALIFIED_SAME = lazy(r"^[^。!?！？\n]*?(?:が[、,]|ただし|但し|けれども|ものの)[^。!?！？\n]*?" + _EXCEPTION)
_QUALIFIED_NEXT = lazy(r"^[^。!?！？\n]*[。!?！？\n]+(?:ただし|但し|なお)[、,]?[^。!?！？\n]*?" + _EXCEPTION)


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or line) that holds text[start:end]."""
    ends = list(_SENTENCE_END.finditer(text, 0, start))
    head = ends[-1].end() if ends else 0
    stop = _SENTENCE_END.search(text, end)
    return head, (stop.start() if stop else len(text))


# a question mark: ？, or ? that ends a sentence (not the ? of a URL's query: form/event?event_id=…)
_QUESTION_MARK = lazy(r"？|\?(?![\w=&%./#+-])", re.ASCII)
_STATEMENT_END = lazy(r"[。!！\n]|？|\?(?![\w=&%./#+-])", re.ASCII)


def _asked(text: str, start: int, end: int) -> bool:
    """text[start:end] runs across a question mark, or lies in a sentence that ends with one."""
    if _QUESTION_MARK.search(text, start, max(start, end - 1)):
        return True
    stop = _STATEMENT_END.search(text, end)
    return bool(stop and stop.group(0) in "？?")


def _sentence_before(text: str, start: int, width: int = 24) -> str:
    head = text[max(0, start - width) : start]
    ends = list(_SENTENCE_END.finditer(head))
    return head[ends[-1].end() :] if ends else head


def _sentence_after(text: str, end: int, width: int = 28) -> str:
    tail = text[end : end + width]
    stop = _SENTENCE_END.search(tail)
    return tail[: stop.start()] if stop else tail


def _denied_later(text: str, start: int, end: int) -> bool:
    """The sentence goes on to deny the claim: a concession ending in a negative, a statement that the source
    says nothing about it, or (for a prohibition) its exception."""
    _, stop = sentence_span(text, start, end)
    rest = text[end:stop]
    # concession: the ても/でも is in the claim or closes its verb (許可を得｜ても, vpnを入れ｜ても), never after
    # another noun (「貸与｜端末でも、私物のソフトは入れられません」 denies the software, not the 貸与)
    for m in _EVEN_IF.finditer(text, start + 1, min(stop, end + 6)):
        if m.start() > end and not _VERB_TAIL.fullmatch(text[end : m.start()]):
            break
        neg = _NEGATIVE_END.match(text[m.end() : stop])
        if neg and not _TURN.search(neg.group("body")):
            return True
    absent = _ABSENT.match(rest)
    if absent and not _OTHER_THING.search(absent.group("gap") + absent.group("gap2")):
        return True
    claim = text[start:end]
    return bool(
        (_NEGATIVE_CLAIM.search(claim) or re.match(r"(?:ません|ない)", rest))
        and (_QUALIFIED_SAME.match(rest) or _QUALIFIED_NEXT.match(text[end:]))
    )


# A claim that ends in 必要 / 要る denied right after it: 「通知書は必要｜ありません」「必要｜ない」「要り｜ません」
_NEED_AT_END = lazy(r"(?:必要|要)$")
_NEED_DENIED = lazy(r"^(?:は|も)?(?:特に)?(?:ありません|ございません|ない|なく|なし|ではありません|ではない)")


def negated(text: str, start: int, end: int) -> bool:
    """The claim at text[start:end] is denied, corrected or labelled a misconception."""
    return bool(
        (_NEED_AT_END.search(text[start:end]) and _NEED_DENIED.match(_sentence_after(text, end)))
        or _NEGATED_AFTER.match(_sentence_after(text, end))
        or _MISCONCEPTION_BEFORE.search(_sentence_before(text, start, 12))
        or _denied_later(text, start, end)
    )


_WHEN = lazy(r"(?:年|年度|月|日|時|分|曜日?|\))$")
_PRESENT = lazy(r"が、|けど|しかし|ものの|ですが|ますが|現在|今は|現行|改正後|改正により")


def historical(text: str, start: int, end: int) -> bool:
    """The claim at text[start:end] is said of the past (「改正前は20歳」「20歳から18歳に引き下げ」), the
    marker in the same clause: 「改正前は…でしたが、現在は20歳」 is a claim about the present."""
    if _HISTORICAL_AFTER.match(_sentence_after(text, end, 32)) and not _WHEN.search(text[start:end]):
        return True  # 20歳から18歳に引き下げ (but 10月1日から…に変更 is a date the change starts on)
    window = _sentence_before(text, start) + text[start:end]
    markers = list(_HISTORICAL_BEFORE.finditer(window))
    return bool(markers) and not _PRESENT.search(window[markers[-1].end() :])


# ------------------------------------------------------------------------------ what the rules cannot verify
# ``unverified: route``: the specifics of the answer (dates, times, amounts, percentages, counts with a counter,
# article numbers, phone numbers) and its condition / exception / actor sentences must all be found in the
# item's sources (its vars, references, required values and ``allow``); what is not found goes to a judge.
_UNITS = (
    "か月間|か月|か所|か国|か年|日間|週間|年間|分間|時間|営業日|開庁日|執務日|世帯|種類|ページ|ポイント|人|名|件|日|年|歳|才|"
    "回|部|通|分|秒|週|枚|冊|個|社|校|台|本|点|問|倍|割|階|号|条|項|泊|食|種|戸|票|席|棟|室|期|次|度|桁|つ|"
    "km|kg|mb|gb|kb"
)
_UNIT_FOLD = {
    "名": "人",
    "日間": "日",
    "週間": "週",
    "年間": "年",
    "か年": "年",
    "か月間": "か月",
    "分間": "分",
    "才": "歳",
}
# One spelling per duration: 1週間 = 7日, 1年 = 12か月, 1時間 = 60分.
_UNIT_SCALE = {"週": ("日", 7), "年": ("か月", 12), "時間": ("分", 60)}
_N = NUMBER
_SPEC_PATTERNS = [
    ("code", CODE),
    ("fraction", lazy(_N + r"分の(\d+(?:\.\d+)?)")),
    *QUANTITIES,  # date, ym, md, year, month, time, amount, percent: read as preserve reads them
    ("article", lazy(r"(?<![\d.])(\d+)条(?:の(\d+))?")),  # 第252条の19: the branch number is part of it
    ("count", lazy(_N + "(" + _UNITS + ")")),
]
# 「次の2点」「以下の3つ」 count the answer's own list; 「1点目」「2つ目」「1日目」 number it; 「第3条第1項第2号」
# 「第252条の19第1項」: the paragraph and item numbers of a cited article are not checked (the article number is).
_OWN_LIST = lazy(r"(?:次の|以下の|下記の|上記の|これらの|主な)$")
_ORDINAL_UNITS = ("点", "つ", "項")
_ARTICLE_CHAIN = lazy(r"(?:条|項)(?:の\d+)*(?:第)?$")


# The comparable value of a specific, its shape by kind: (year, month, day), (hour, minute), (Decimal,),
# (Decimal, unit), (digits,), ...
SpecValue = tuple[Any, ...]


@dataclass(frozen=True)
class Specific:
    kind: str
    value: SpecValue
    label: str
    start: int
    end: int


def _dec(text: str) -> Decimal:
    return Decimal(text).normalize() if "." in text else Decimal(int(text))


def _value(kind: str, g: tuple[str | Any, ...]) -> SpecValue | None:
    """The comparable value of a specific read by ``kind`` (None: not a specific, e.g. 13月)."""
    if kind in ("date", "ym", "md"):
        v = tuple(int(x) for x in g)
        month = v[0] if kind == "md" else v[1]
        day = v[1] if kind == "md" else (v[2] if kind == "date" else 1)
        return v if 1 <= month <= 12 and 1 <= day <= 31 else None
    if kind == "year":
        return (int(g[0]),) if 1800 <= int(g[0]) <= 2200 else None
    if kind == "month":
        return (int(g[0]),) if 1 <= int(g[0]) <= 12 else None
    if kind == "time":
        h, m = int(g[0]), int(g[1] or 0)
        return (h, m) if h <= 30 and m < 60 else None
    if kind == "fraction":
        return (_dec(g[0]), _dec(g[1]))
    if kind == "article":
        return (int(g[0]), int(g[1] or 0))
    if kind == "count":
        unit = _UNIT_FOLD.get(g[1], g[1])
        value = _dec(g[0])
        if unit in _UNIT_SCALE:
            unit, factor = _UNIT_SCALE[unit]
            value *= factor
        return (value, unit)
    return (_dec(g[0]),)


def specifics(canon: str) -> list[Specific]:
    """The specifics of a canonical text, in order; each span is claimed by the first kind that reads it."""
    taken = bytearray(len(canon))
    found: list[Specific] = []
    for kind, pattern in _SPEC_PATTERNS:
        for m in pattern.finditer(canon):
            if any(taken[m.start() : m.end()]):
                continue
            if kind == "code":
                value: SpecValue | None = (re.sub(r"\D", "", m.group(0)),)
            else:
                value = _value(kind, m.groups())
            if value is None:
                continue
            for i in range(m.start(), m.end()):
                taken[i] = 1
            found.append(Specific(kind, value, m.group(0), m.start(), m.end()))
    return sorted(found, key=lambda s: s.start)


def _checked(spec: Specific, canon: str, as_written: AbstractSet[tuple[str, SpecValue]]) -> bool:
    """Whether a specific of the answer is a claim to verify (not the answer's own list structure, not a
    paragraph number of a cited article, not a lone 一 of an idiom)."""
    if spec.kind != "count":
        return True
    unit = spec.value[1]
    before, after = canon[max(0, spec.start - 6) : spec.start], canon[spec.end : spec.end + 1]
    if _OWN_LIST.search(before) or (after == "目" and (spec.label.endswith(_ORDINAL_UNITS) or spec.value[0] == 1)):
        return False
    if unit in ("項", "号") and _ARTICLE_CHAIN.search(before):
        return False
    # 一度に, 一日当たり: a count of one is checked only when it is written in digits
    return not (spec.value[0] == 1 and (spec.kind, spec.value) not in as_written)


@dataclass
class Sources:
    """What an answer may draw on, read once per item: the specifics, and the text for condition sentences."""

    texts: tuple[str, ...]
    specs: set[tuple[str, SpecValue]] = field(default_factory=set)  # (kind, value)
    years: set[int] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    days: set[int] = field(default_factory=set)
    digits: str = ""
    canon: str = ""
    bare: set[Decimal] = field(default_factory=set)  # numbers of 100 and more written without a unit (人口20万以上)

    def __post_init__(self) -> None:
        canons = [canonical_lines(t) for t in self.texts]
        self.canon = "\n".join(canons)
        self.digits = "\n".join(re.sub(r"[-()]", "", c) for c in canons)
        for canon in canons:
            found = specifics(canon)
            taken = bytearray(len(canon))
            for s in found:
                taken[s.start : s.end] = b"\x01" * (s.end - s.start)
            for m in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])", canon):
                if not any(taken[m.start() : m.end()]) and _dec(m.group(0)) >= 100:
                    self.bare.add(_dec(m.group(0)))
            for s in found:
                self.specs.add((s.kind, s.value))
                if s.kind in ("date", "ym", "year"):
                    self.years.add(s.value[0])
                if s.kind in ("date", "ym"):
                    self.months.add(s.value[1])
                if s.kind in ("md", "month"):
                    self.months.add(s.value[0])
                if s.kind == "date":
                    self.days.add(s.value[2])
                if s.kind == "md":
                    self.days.add(s.value[1])

    def has(self, spec: Specific) -> bool:
        kind, v = spec.kind, spec.value
        if (kind, v) in self.specs:
            return True
        if kind == "date":
            return (("md", v[1:]) in self.specs or v[2] in self.days and v[1] in self.months) and v[0] in self.years
        if kind == "ym":
            return v[0] in self.years and v[1] in self.months
        if kind == "md":
            return any(k == "date" and x[1:] == v for k, x in self.specs)
        if kind == "year":
            return v[0] in self.years
        if kind == "month":
            return v[0] in self.months
        if kind == "code":
            return bool(occurrences(v[0], self.digits))
        if kind == "article" and v[1] == 0:
            return any(k == "article" and x[0] == v[0] for k, x in self.specs)  # 第252条 against 第252条の19
        if kind == "count":
            number = re.match(r"\d+(?:\.\d+)?", spec.label)
            if number and _dec(number.group(0)) in self.bare:
                return True  # 20万人 against 人口20万以上
            if v[1] == "日" and v[0] in self.days:
                return True  # 毎月10日 against 4月10日
        return bool(occurrences(spec.label, self.canon))


@lru_cache(maxsize=512)
def _sources(texts: tuple[str, ...]) -> Sources:
    return Sources(texts)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def _literals(regex: str) -> list[str]:
    """The literal text of a regex (its required values' specifics: 「(?<![0-9])3条」 -> 3条)."""
    return [piece for i, piece in enumerate(_PATTERN_SYNTAX.split(regex)) if not i % 2 and piece]


# Condition, exception and actor cues (「ただし」「場合に限り」「承認」「窓口」「オンライン」「必要です」): a sentence
# holding one adds a rule; the rule must be in the sources.
_CUES = lazy(
    r"ただし|但し|場合に限[りっるら]|に限り|を除[きくい]|承認|許可|認め(?:た|る)(?:場合|とき)|来庁|窓口|"
    r"オンライン|郵送|メールで|ファクス|持ち込|持参|添えて|添付|必要です|不要です"
    # general knowledge offered as fact: checked on the rest of the sentence
    r"|一般に|一般的に|通常は|通常、|多くの(?:自治体|庁舎|市町村|場合)|例年|同種の|類似の|名称から"
    r"|(?:こと|場合|ケース)が多い|のが(?:一般的|通例|普通)|が通例|と理解して|と考えられ|と思われ|と推測|ようです"
)
_GENERAL_CUES = lazy(r"一般に|一般的に|通常は|通常、|多くの(?:自治体|庁舎|市町村|場合)|例年|同種の|類似の|名称から")
# ... or closing the sentence: 「市では収集していないことが多いです」
_GENERAL_TAIL = lazy(
    r"(?:こと|場合|ケース)が多い|のが(?:一般的|通例|普通)|が通例|と理解して|と考えられ|と思われ|と推測|ようです"
)
# Sentences that add no rule: the source is said to be silent, or the user is sent to ask.
_NO_RULE = lazy(
    r"(?:定め|記載|規定|言及|記述|明記|説明)(?:が|は|も)?(?:ありません|ない|ございません|見当たりません|"
    r"見当たらない|されていません|されていない|されておりません)"
    r"|(?:定められ|記載され|規定され|書かれ|明記され|示され|触れられ)て(?:い|お)(?:ません|ない|りません)"
    r"|確認できません|わかりません|分かりません|お答えできません|判断できません"
    r"|(?:お問い合わせ|お問合せ|問い合わせ|ご確認|確認して|ご相談|相談して)(?:ください|下さい|いただ)"
)
_CLAUSE_END = lazy(r"[、,;；]")
_RUN = 6  # characters of general-knowledge wording that count as the sources' own
_KANA = lazy(r"[ぁ-ゖ]")
_WORD = lazy(r"[\u4e00-\u9fff々〆ヶァ-ヺーa-z]{2,}")  # numbers are checked as specifics
_NOT_CONTENT = {
    "場合",
    "必要",
    "不要",
    "可能",
    "原則",
    "以上",
    "以下",
    "以内",
    "以降",
    "一時的",
    "上記",
    "下記",
    "同条",
    "同項",
    "当該",
    "一般",
    "通常",
    "ください",
    "こと",
}


def _stem(cue: str) -> str | None:
    """What the sources must hold next to the condition's actor: 承認, 認め, 限, 除, 窓口, …; None for 必要です."""
    if cue in ("必要です", "不要です"):
        return None
    for prefix, stem in (
        ("場合に限", "限"),
        ("に限", "限"),
        ("を除", "除"),
        ("認め", "認め"),
        ("メール", "メール"),
        ("添", "添"),
        ("持ち込", "持ち込"),
    ):
        if cue.startswith(prefix):
            return stem
    return cue


def _found_in(window: str, sources: str) -> bool:
    return len(_KANA.findall(window)) <= len(window) - 3 and window in sources


def _covered(canon: str, lo: int, hi: int, sources: str) -> float:
    """The share of the characters of canon[lo:hi] (punctuation aside) inside a run found in the sources."""
    covered = bytearray(max(0, hi - lo))
    for x in range(lo, hi - _RUN + 1):
        if _found_in(canon[x : x + _RUN], sources):
            covered[x - lo : x - lo + _RUN] = b"\x01" * _RUN
    letters = [i for i in range(lo, hi) if not re.match(r"[、。,.()「」『』:：・\s]", canon[i])]
    return sum(covered[i - lo] for i in letters) / len(letters) if letters else 1.0


def _near_in(word: str, stem: str, sources: str) -> bool:
    """The word and the stem within a few characters of each other, in either order, in one sentence of the sources."""
    w, s = re.escape(word), re.escape(stem)
    return bool(cached(f"{w}[^。\\n]{{0,14}}?{s}|{s}[^。\\n]{{0,14}}?{w}").search(sources))


def _condition_supported(canon: str, m: re.Match[str], clause: tuple[int, int], sources: str) -> bool:
    """A condition clause is the sources' own when each of its content words is in them and its actor (the word
    right before the cue) stands next to the cue in them: 「所属長が業務上必要と認めるとき」 for 「所属長が必要と認めた
    場合」, never 「情報政策課長が認めた場合」 (the actor is in the sources, but for another rule)."""
    a, b = clause
    cue = m.group(0)
    if cue in ("ただし", "但し"):  # the exception is the clause after it
        words = [w.group(0) for w in _WORD.finditer(canon, m.end(), b)]
        return all(w in _NOT_CONTENT or w in sources for w in words)
    lo = max(a, m.start() - 20)
    found = list(_WORD.finditer(canon, lo, m.start()))
    words = [w.group(0) for w in found if w.group(0) not in _NOT_CONTENT]
    stem = _stem(cue)
    if any(w not in sources for w in words) or (stem is not None and stem not in sources):
        return False
    actor = found[-1] if found and found[-1].end() >= m.start() - 5 else None
    if stem is None or actor is None or actor.group(0) in _NOT_CONTENT:
        return True
    return _near_in(actor.group(0), stem, sources)


def unsupported_conditions(canon: str, sources: str) -> list[str]:
    """The clauses of the answer that state a condition, exception, actor or channel (a cue: ただし, 場合に限り,
    承認, 窓口, オンライン, 添えて, 必要です, …) or general knowledge (一般に, 多くの自治体では, 例年) that the
    sources do not hold."""
    out: list[str] = []
    for m in _CUES.finditer(canon):
        head, stop = sentence_span(canon, m.start(), m.end())
        # 「…については記載がありません」「窓口にお問い合わせください」 (not 「確認できませんが、一般に…」)
        if _NO_RULE.search(canon, m.start(), stop) or negated(canon, m.start(), m.end()):
            continue
        ends = [head] + [c.end() for c in _CLAUSE_END.finditer(canon, head, stop)] + [stop + 1]
        i = max(k for k, e in enumerate(ends[:-1]) if e <= m.start())
        a, b = ends[i], ends[i + 1] - 1
        if m.group(0) in ("ただし", "但し") and b - m.end() <= 1 and i + 2 < len(ends):
            b = ends[i + 2] - 1  # 「ただし、」: the clause after the comma
        if _GENERAL_TAIL.fullmatch(m.group(0)):
            # 「存在しないと考えられます」 is a hedged denial, not general knowledge
            if (
                m.group(0) in ("と考えられ", "と思われ", "ようです")
                and re.search(r"(?:ない|ません|なかった|ず)$", canon[head : m.start()])
            ) or _covered(canon, head, m.start(), sources) >= 0.5:
                continue
        elif _GENERAL_CUES.fullmatch(m.group(0)):
            # general knowledge: the rest of the sentence must be mostly the sources' own wording
            if _covered(canon, m.end(), stop, sources) >= 0.5:
                continue
        elif _condition_supported(canon, m, (a, b), sources):
            continue
        clause = canon[a:b]
        if clause not in out:
            out.append(clause)
    return out


# ------------------------------------------------------------------------------------- scorer
NEEDS_JUDGE = "判定者が必要"
# What the judges are asked about an answer whose specifics or conditions the rules could not find in the sources.
UNVERIFIED_RUBRIC = (
    "回答に含まれる事実（数値・日付・期間・金額・割合・条番号・条件・例外・手続の主体や窓口・手段）が、質問に示された資料と"
    "参考解答に合っているかを判定してください。資料や参考解答にない具体的な数値・日付・条件・例外・主体・窓口・手段を事実として"
    "付け加えている場合、または資料・参考解答と食い違う場合は不合格（正しい事実を述べたうえで誤った条件や例外を付け加えた"
    "回答も不合格）。資料だけを根拠に答えるよう求められている質問では、一般的な知識による補足も資料にない事実として扱います。"
    "資料・参考解答と同じ内容を言い換えている、同じ期間を別の単位で示している、資料の規定どおりに計算した例を挙げているなど、"
    "正しい補足にとどまる場合は合格。"
)


def _label(entry: Entry) -> str:
    alts = entry if isinstance(entry, list) else [entry]
    return "／".join(a if isinstance(a, str) else f"/{a.regex}/" for a in alts)


class ClaimsParams(Params):
    required: list[Entry] = Field(
        default_factory=list,
        description="Claims the answer must make. Each entry: a string, a list of "
        "alternatives (any one suffices) or {regex: ...}.",
    )
    forbidden: list[Entry] = Field(
        default_factory=list,
        description="Claims the answer must not make (the swapped, outdated or invented "
        "fact); any one found fails the answer.",
    )
    mode: Literal["all", "any"] = Field(
        default="all", description="Pass when all / any of the required claims are found."
    )
    historical_ok: bool = Field(
        default=True,
        description="A claim marked as past (「改正前は」「かつては」"
        "「…から…に引き下げ」) is history, not a claim: it neither "
        "fails as forbidden nor counts as required.",
    )
    unverified: Literal["ignore", "route"] = Field(
        default="ignore",
        description="route: an answer the rules would pass goes to the judges when it states a specific (date, time, "
        "amount, percentage, count, article number, phone number) or a condition / exception / actor "
        "sentence (ただし, 場合に限り, 承認, 窓口, オンライン, 必要です …) found in none of the sources; "
        "without a judge it is not scored. ignore: the rules' verdict stands.",
    )
    sources: list[str] | None = Field(
        default=None,
        description="Item vars the answer may draw on (default: every var). The references, the "
        "required values and `allow` are sources too.",
    )
    allow: list[Alternative] = Field(
        default_factory=list,
        description="Further specifics or wordings the answer may state without a judge "
        "(「1週間」, 「窓口」, {regex: ...} matched against a specific or a clause).",
    )
    rubric: str | None = Field(
        default=None,
        description="The judge's rubric for routed answers (default: the answer's facts must agree "
        "with the sources and the reference).",
    )

    @field_validator("required", "forbidden")
    @classmethod
    def _not_empty(cls, value: list[Entry]) -> list[Entry]:
        for entry in value:
            alts = entry if isinstance(entry, list) else [entry]
            if not alts:
                raise ValueError("an entry must not be an empty list")
            for alt in alts:
                if isinstance(alt, str) and not canonical(alt):
                    raise ValueError(f"{alt!r} is empty in canonical form")
        return value

    @field_validator("allow")
    @classmethod
    def _allow_not_empty(cls, value: list[Alternative]) -> list[Alternative]:
        for alt in value:
            if isinstance(alt, str) and not canonical(alt):
                raise ValueError(f"{alt!r} is empty in canonical form")
        return value

    @model_validator(mode="after")
    def _something(self) -> ClaimsParams:
        if not self.required and not self.forbidden:
            raise ValueError("give required and/or forbidden claims")
        return self


def canonical_lines(text: str) -> str:
    """:func:`canonical` line by line, the lines kept: a bullet or a table row is a sentence of its own."""
    return "\n".join(canonical(line) for line in text.splitlines())


def plain_lines(text: str) -> str:
    return "\n".join(plain(line) for line in text.splitlines())


class _Texts:
    """The answer in canonical form (numbers read) and in plain form (as written), line by line."""

    def __init__(self, output: str):
        self.canon = canonical_lines(output)
        self.plain = plain_lines(output)


@register
class Claims(Scorer):
    kind = "claims"
    Params = ClaimsParams
    params: ClaimsParams
    description = "Required facts are stated and forbidden (swapped, outdated, invented) ones are not."

    def _pattern(self, regex: str) -> re.Pattern[str]:
        return canonical_regex(regex)

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

    def _find(self, entry: Entry, texts: _Texts, stated: bool = False) -> tuple[str | None, bool]:
        """(the matched text of an affirmed occurrence or None, whether some occurrence was set aside:
        denied, labelled a misconception, or said of the past). ``stated`` (required claims): an occurrence
        in a question, or one that runs across the end of a question, states nothing — the user's own
        question repeated back (「持ち主は誰ですか？ 直接…連絡先を」) is not the fact the answer must give."""
        set_aside = False
        for alt in entry if isinstance(entry, list) else [entry]:
            for text, start, end in self._matches(alt, texts):
                if isinstance(alt, RegexClaim) and alt.near and not self._near(alt.near, text, start, end):
                    continue  # a sentence about another subject
                if stated and _asked(text, start, end):
                    continue
                if negated(text, start, end) or (self.params.historical_ok and historical(text, start, end)):
                    set_aside = True
                    continue
                return text[start:end], set_aside
        return None, set_aside

    @staticmethod
    def _near(words: list[str], text: str, start: int, end: int) -> bool:
        head, stop = sentence_span(text, start, end)
        sentence = text[head:stop]
        return any(w and w in sentence for word in words for w in (canonical(word), plain(word)))

    def score(self, output: str, item: Item) -> ScoreResult:
        result = self._rules(output, item)
        if self.params.unverified == "route" and result.passed:
            found = self.unverified(output, item)
            if found:
                return ScoreResult(
                    result.score, result.passed, result.explanation, {**result.detail, "unverified": found}
                )
        return result

    def _rules(self, output: str, item: Item) -> ScoreResult:
        texts = _Texts(output)
        found: list[str] = []
        missing: list[str] = []
        wrong: list[dict[str, str]] = []  # {claim, match}
        set_aside: list[str] = []
        for entry in self.params.required:
            hit, aside = self._find(entry, texts, stated=True)
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
            return ScoreResult(
                share, True, "必要な事実を含み、誤った記述はない" if required else "誤った記述はない", detail
            )
        if self.params.mode == "any":
            return ScoreResult(0.0, False, f"必要な事実をいずれも含まない: {'、'.join(missing)}", detail)
        return ScoreResult(share, False, f"不足: {'、'.join(missing)}", detail)

    # ---------------------------------------------------------------- what the rules cannot verify
    def source_texts(self, item: Item) -> tuple[str, ...]:
        """The texts the answer may draw on: the source vars, the references, the required values (a regex by
        its literal text) and the ``allow`` strings."""
        shown = item.shown_vars()
        names = self.params.sources if self.params.sources is not None else list(shown)
        texts = [s for name in names for s in _strings(shown.get(name))]
        texts += item.references()
        for entry in self.params.required:
            for alt in entry if isinstance(entry, list) else [entry]:
                texts += [alt] if isinstance(alt, str) else _literals(alt.regex)
        texts += [a for a in self.params.allow if isinstance(a, str)]
        return tuple(t for t in texts if t)

    def unverified(self, output: str, item: Item) -> dict[str, list[str]]:
        """What the answer states that no source holds: ``specifics`` (canonical spellings) and ``conditions``
        (clauses). Empty unless ``unverified: route``."""
        if self.params.unverified != "route":
            return {}
        known = _sources(self.source_texts(item))
        allowed = [self._pattern(a.regex) for a in self.params.allow if isinstance(a, RegexClaim)]
        canon = canonical_lines(output)
        as_written = {
            (s.kind, s.value)
            for s in specifics("\n".join(canonical(line, single=False) for line in output.splitlines()))
        }
        labels: list[str] = []
        for spec in specifics(canon):
            if (
                not _checked(spec, canon, as_written)
                or known.has(spec)
                or negated(canon, spec.start, spec.end)
                or any(p.fullmatch(spec.label) for p in allowed)
            ):
                continue
            if spec.label not in labels:
                labels.append(spec.label)
        conditions = [c for c in unsupported_conditions(canon, known.canon) if not any(p.search(c) for p in allowed)]
        out = {}
        if labels:
            out["specifics"] = labels
        if conditions:
            out["conditions"] = conditions
        return out

    @staticmethod
    def _what(found: dict[str, list[str]]) -> str:
        parts = []
        if found.get("specifics"):
            parts.append("資料にない具体的事実: " + "、".join(found["specifics"]))
        if found.get("conditions"):
            parts.append("資料にない条件・主体: " + "、".join(f"「{c}」" for c in found["conditions"]))
        return "；".join(parts)

    def _routed(self, output: str, item: Item) -> tuple[ScoreResult, dict[str, list[str]]]:
        """The rules' verdict, and what makes a passing answer unverifiable (empty: the verdict stands)."""
        result = self.score(output, item)
        return result, (result.detail.get("unverified") or {}) if result.passed else {}

    def judge_request(self, item: Item, question: str, answer: str) -> tuple[list[dict[str, str]], int] | None:
        if self.params.unverified != "route":
            return None
        _, found = self._routed(answer, item)
        if not found:
            return None
        params = JudgeParams(use_reference=True, max_tokens=300)
        rubric = (self.params.rubric or UNVERIFIED_RUBRIC) + f"\n（規則で確認できなかった記述: {self._what(found)}）"
        return judge_messages(params, item, question, answer, rubric=rubric), params.max_tokens

    def score_judged(self, output: str, item: Item, verdicts: list[tuple[str, str | None]]) -> ScoreResult:
        result, found = self._routed(output, item)
        if not found:
            return result
        what = self._what(found)
        judged = Judge(JudgeParams(use_reference=True)).from_verdicts(verdicts, item) if verdicts else None
        if judged is None or not judged.scored:
            why = "判定者なし" if judged is None else "判定者の回答から判定を読み取れない"
            return ScoreResult(
                0.0,
                False,
                f"{NEEDS_JUDGE}（{what}）",
                {**result.detail, "needs_judge": True, "decided_by": None, "judge_status": why},
                scored=False,
            )
        return ScoreResult(
            judged.score,
            judged.passed,
            f"{judged.explanation}（規則では判定保留: {what}）",
            {**result.detail, **judged.detail, "decided_by": "judge"},
        )

    def _first_text(self, entry: Entry) -> str | None:
        return next((a for a in (entry if isinstance(entry, list) else [entry]) if isinstance(a, str)), None)

    def ideal_answer(self, item: Item) -> str | None:
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
            complete = True  # every missing claim has a plain-string alternative
            for entry in entries:
                if base and self._find(entry, texts)[0] is not None:
                    continue
                text = self._first_text(entry)
                if text is None:
                    complete = False
                    break
                parts.append(text)
            if complete and parts:
                answer = "。".join(p.rstrip("。") for p in parts) + "。"
                if self.score(answer, item).passed:
                    return answer
        return None

    def check_item(self, item: Item) -> str | None:
        missing = [name for name in self.params.sources or [] if name not in item.shown_vars()]
        if missing:
            return f"needs vars.{missing[0]} (listed in sources)"
        if not self.params.required:
            return None
        answer = self.ideal_answer(item)
        if answer is None or not self.score(answer, item).passed:
            return (
                "needs a reference that passes its claims, or a plain-string alternative for every required "
                "claim (the oracle answers with them)"
            )
        return None
