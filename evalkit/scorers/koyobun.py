"""A deterministic 公用文 checker after 「公用文作成の考え方」(文化審議会建議, 2022).

Each rule reports violations with a rule id, a Japanese message and a character offset. The
checks are pragmatic patterns, not a morphological analysis: see docs/scorers.md for what each
rule looks for and its known limits. score = max(0, 1 − violations / 10); passed iff none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .format import STYLE_NAMES, Sentence, classify_ending, sentences
from .patterns import lazy

RULES: dict[str, str] = {
    "style": "文体（である体・です・ます体）の統一",
    "numerals": "横書きでは算用数字",
    "digit_width": "数字の全角・半角の統一",
    "thousands": "位取りのコンマ（1万以上）",
    "kasho": "「か所」「か月」の表記",
    "punctuation": "句読点（。、または。，）",
    "brackets": "括弧の使い方（『』は「」の中だけ）",
    "marks": "疑問符・感嘆符を使わない",
    "kana": "形式名詞・補助動詞などは仮名書き",
    "archaic": "文語的な表現を避ける",
    "sentence_length": "一文を短く",
    "heading_order": "見出し番号の順序（第1→1→(1)→ア→(ア)）",
}
RuleId = Literal[
    "style",
    "numerals",
    "digit_width",
    "thousands",
    "kasho",
    "punctuation",
    "brackets",
    "marks",
    "kana",
    "archaic",
    "sentence_length",
    "heading_order",
]


@dataclass(frozen=True)
class Violation:
    rule: str
    pos: int  # 0-based offset in the checked text
    message: str


# ----------------------------------------------------------------------------------------- numerals
_KNUM = "〇一二三四五六七八九十百千万億兆"
# 「公用文作成の考え方」Ⅰ-4 (数字): words built with a numeral keep kanji (熟語・慣用句, 数量の意識が薄い語).
# Only words whose numeral would otherwise look like a count (before a counter, after 第) need listing.
NUMERAL_ALLOW = (
    "一人一人",
    "一人ひとり",
    "十人十色",
    "二人三脚",
    "一日も早く",
    "一日一日",
    "一期一会",
    "十分",
    "十二分",
    "第三者",
    "第一線",
    "第一人者",
    "第一義",
    "第一歩",
    "第一に",
    "一件落着",
    "一回り",
    "一通り",
    "一戸建て",
    "一部",
    "同一",
    "統一",
    "唯一",
    "均一",
    "単一",
    "画一",
    "随一",
    "逐一",
    "択一",
    "人一倍",
    "一人前",
    "一般",
    "一層",
    "一方",
    "一律",
    "一括",
    "一定",
    "一環",
    "一体",
    "一斉",
    "一連",
    "一切",
    "五十音",
    "七五三",
    "八百屋",
    "五十嵐",
    "四十九日",
)
# 固有名詞 (考え方 Ⅰ-4): place names whose numeral is followed by a counter-like kanji or is multi-digit.
PROPER_NOUNS = (
    "四日市",
    "五日市",
    "二日市",
    "八日市",
    "十日町",
    "六日町",
    "一戸",
    "二戸",
    "三戸",
    "五戸",
    "六戸",
    "七戸",
    "八戸",
    "九戸",
    "千歳",
    "四万十",
    "九十九里",
)
# 考え方 Ⅰ-4: 概数 keep kanji — 数十人, 何百, 幾千 (before), 十数人, 二十余人 (after), 二、三日, 四、五十人.
_APPROX_BEFORE = set("数何幾")
_APPROX_AFTER = set("数余")
_COUNTER = lazy(
    r"(?:人|名|件|円|回|個|日|月|年|歳|才|台|枚|冊|週|時間|分|秒|割|倍|点|社|校|条|項|号|階|"
    r"種類|か所|か月|箇所|ヶ所|ケ所|カ所|箇月|ヶ月|ケ月|カ月|世帯|戸|票|通|部|期|km|kg|m|%)"
)


def _spans(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    out = []
    for word in words:
        start = text.find(word)
        while start != -1:
            out.append((start, start + len(word)))
            start = text.find(word, start + 1)
    return out


def _approximate(text: str, start: int, end: int) -> bool:
    """概数: 数百万, 十数人, 二十余人, and either side of 「、」 between numerals (二、三日, 四、五十人)."""
    before, after = text[max(0, start - 1) : start], text[end : end + 1]
    return (
        before in _APPROX_BEFORE
        or after in _APPROX_AFTER
        or bool(re.search(f"[{_KNUM}]、$", text[max(0, start - 2) : start]))
        or bool(re.match(f"、[{_KNUM}]", text[end : end + 2]))
    )


def _numerals(text: str) -> list[Violation]:
    allowed = _spans(text, NUMERAL_ALLOW + PROPER_NOUNS)
    out = []
    for match in re.finditer(f"[{_KNUM}]+", text):
        start, end = match.span()
        run = match.group(0)
        if any(s <= start and end <= e for s, e in allowed):
            continue
        if run[0] in "万億兆" or set(run) == {"〇"} or _approximate(text, start, end):
            continue  # 万/億/兆 after digits (1億2,000万), placeholders (〇〇課, 令和〇年), 概数
        ordinal = start > 0 and text[start - 1] == "第"
        counted = bool(_COUNTER.match(text, end))
        long_number = len(run) >= 2
        if not (ordinal or counted or long_number):
            continue
        shown = ("第" if ordinal else "") + run
        out.append(Violation("numerals", start, f"漢数字「{shown}」: 横書きでは算用数字を使う"))
    return out


def _digit_width(text: str) -> list[Violation]:
    half = [m for m in re.finditer(r"[0-9]+", text)]
    full = [m for m in re.finditer(r"[０-９]+", text)]
    if not half or not full:
        return []
    minority, name = (half, "半角") if len(half) < len(full) else (full, "全角")
    return [
        Violation("digit_width", m.start(), f"{name}数字「{m.group(0)}」: 数字の全角・半角を統一する") for m in minority
    ]


_URL = lazy(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _in_any(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


# 考え方 Ⅰ-4 separates the digits of quantities; identifiers after these labels never take commas
# (番号 covers 法人番号, 郵便番号, 電話番号, 整理番号 …; 番 covers 型番, 品番). 「…は」 only after the labels
# that name an identifier (法人番号は…), not after 電話 (電話は12,000件).
ID_LABELS = (
    "第",
    "番号",
    "番",
    "No",
    "NO",
    "№",
    "ID",
    "コード",
    "記号",
    "電話",
    "TEL",
    "Tel",
    "FAX",
    "Fax",
    "ファクス",
    "内線",
    "口座",
    "〒",
)
_ID_LABEL = lazy(rf"(?:{'|'.join(map(re.escape, ID_LABELS))})[.．]?\s*[：:＝=]?\s*$|(?:番号|ID|コード|記号)は$")


def _thousands(text: str) -> list[Violation]:
    urls = [m.span() for m in _URL.finditer(text)]
    out = []
    for match in re.finditer(r"[0-9０-９]{5,}", text):
        start, end = match.span()
        digits = match.group(0)
        before, after = text[max(0, start - 10) : start], text[end : end + 2]
        if _in_any(start, urls) or digits[0] in "0０":
            continue  # URLs, e-mail, ids and phone numbers with a leading zero
        if re.search(r"[A-Za-zＡ-Ｚａ-ｚ\-－‐_/#:.,，．〒]$", before) or re.match(r"[\-－‐_/:.,，．A-Za-z]", after):
            continue  # part of an id, a code, a date, a decimal or an already separated number
        if _ID_LABEL.search(before) or re.match(r"[号番]", after):
            continue  # 第12345号, 法人番号：1234567890123, 型番12345, 内線12345
        if len(digits) == 8 and re.match(
            r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$", digits.translate(_FULL_DIGITS)
        ):
            continue  # 20250401
        value = int(digits.translate(_FULL_DIGITS))
        grouped = f"{value:,}"
        out.append(Violation("thousands", start, f"「{digits}」: 位取りのコンマを付けて「{grouped}」とする"))
    return out


_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _kasho(text: str) -> list[Violation]:
    out = []
    for match in re.finditer(
        r"(?<=[0-9０-９〇一二三四五六七八九十百千数何])\s*(箇所|ヶ所|ケ所|ヵ所|カ所|个所|箇月|ヶ月|ケ月|ヵ月|カ月)",
        text,
    ):
        word = match.group(1)
        fixed = "か所" if word.endswith("所") else "か月"
        out.append(Violation("kasho", match.start(1), f"「{word}」: 数字の後は「{fixed}」と書く"))
    return out


# ----------------------------------------------------------------------------------------- punctuation
_JA = r"[ぁ-んァ-ヶー一-龠々〆」』）]"


def _is_heading_prefix(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    return bool(re.fullmatch(r"[ \t　]*(?:第?[0-9０-９]+|[ア-ン]|[a-zａ-ｚ])", text[line_start:pos]))


def _western_comma(text: str, pos: int) -> bool:
    """，or , used as a 読点 (not a thousands separator between digits, not in English text)."""
    prev = text[pos - 1] if pos else ""
    nxt = text[pos + 1] if pos + 1 < len(text) else ""
    if prev.isdigit() and nxt.isdigit():
        return False
    return text[pos] == "，" or bool(re.match(_JA, prev))


def _punctuation(text: str, comma: str | None) -> list[Violation]:
    urls = [m.span() for m in _URL.finditer(text)]
    out = []
    for match in re.finditer(rf"(?<={_JA})\.(?![0-9A-Za-z])|｡|(?<![0-9０-９])．", text):
        pos = match.start()
        if not _in_any(pos, urls) and not _is_heading_prefix(text, pos):
            out.append(Violation("punctuation", pos, f"句点に「{match.group(0)}」: 「。」を使う"))
    ideographic = [m.start() for m in re.finditer("[、､]", text)]
    western = [
        m.start()
        for m in re.finditer("[，,]", text)
        if not _in_any(m.start(), urls) and _western_comma(text, m.start())
    ]
    if comma == "、":
        bad, want = western, "、"
    elif comma == "，":
        bad, want = ideographic + [p for p in western if text[p] == ","], "，"
    elif ideographic and western:
        bad, want = (western, "、") if len(western) <= len(ideographic) else (ideographic, "，")
    else:
        bad, want = [], ""
    for pos in sorted(bad):
        out.append(Violation("punctuation", pos, f"読点「{text[pos]}」: 読点は「{want}」に統一する"))
    for pos in western:
        if text[pos] == "," and pos not in bad:
            out.append(Violation("punctuation", pos, "半角の「,」: 読点には「、」か全角の「，」を使う"))
    return out


def _brackets(text: str) -> list[Violation]:
    out = []
    depth = 0
    for pos, ch in enumerate(text):
        if ch == "「":
            depth += 1
        elif ch == "」" and depth:
            depth -= 1
        elif ch == "『" and depth == 0:
            out.append(Violation("brackets", pos, "『』: 「」の中で更に引用する場合以外は「」を使う"))
    return out


def _marks(text: str) -> list[Violation]:
    urls = [m.span() for m in _URL.finditer(text)]
    return [
        Violation("marks", m.start(), f"『{m.group(0)}』は公用文では使わない")
        for m in re.finditer(r"[？！?!]+", text)
        if not _in_any(m.start(), urls)
    ]


# ----------------------------------------------------------------------------------------- wording
# 考え方 Ⅰ-1 (漢字の使い方, 仮名で書く形式名詞): こと/とき/ところ/もの are the formal nouns, followed by a particle or
# punctuation; a kanji after them makes a compound written in kanji (事業, 時点, 所得, 物損, 物品). 等 and 無
# are the exceptions (する事等, 事無く).
_NOT_COMPOUND = r"(?:(?![一-龠々])|(?=[等無]))"
# 様 after these is the honorific suffix (みな様に, あなた様に), not ように.
HONORIFIC_SAMA = ("みな", "あなた", "どなた", "そなた", "こなた")
_NOT_HONORIFIC = "".join(f"(?<!{word})" for word in HONORIFIC_SAMA)
_KANA_RULES: list[tuple[re.Pattern[str], str]] = [
    (lazy(rf"(?<=[ぁ-ん])事{_NOT_COMPOUND}"), "「事」→「こと」（形式名詞は仮名書き）"),
    (lazy(rf"(?<=[ぁ-ん])時{_NOT_COMPOUND}"), "「時」→「とき」（形式名詞は仮名書き）"),
    (lazy(rf"(?<=[ぁ-ん])(?<!か)所{_NOT_COMPOUND}"), "「所」→「ところ」（形式名詞は仮名書き）"),
    (lazy(rf"(?<=[のる])物{_NOT_COMPOUND}"), "「物」→「もの」（形式名詞は仮名書き）"),
    (lazy(r"出来(?=[るなまたてずれよ])"), "「出来る」→「できる」"),
    (
        lazy(r"(?<![平均同対優上下劣高初中特一二三四五六七八九何])等(?=[、。をがのはにもでと，])"),
        "「等」→「など」（「など」と読む場合は仮名書き）",
    ),
    (lazy(r"(?<![をが])下さ(?=[いるっ])"), "「下さい」→「ください」（補助動詞は仮名書き）"),
    (lazy(r"(?<![をが山])頂(?=[くきけ])"), "「頂く」→「いただく」（補助動詞は仮名書き）"),
    (
        lazy(r"(?<![一合誘招極筆風拉送])致(?=し(?:ます|ました|ません))"),
        "「致します」→「いたします」（補助動詞は仮名書き）",
    ),
    (lazy(r"(?<=[のる])為(?=[、。にのでも])"), "「為」→「ため」"),
    (lazy(rf"(?<=[のなるた]){_NOT_HONORIFIC}様(?=[にな])"), "「様に」「様な」→「ように」「ような」"),
    (lazy(r"迄"), "「迄」→「まで」"),
    (
        lazy(r"(?:^|(?<=[。\n]))\s*(?:但し|尚|従って|故に|然し|然も)(?=、)", re.MULTILINE),
        "接続詞は仮名書き（ただし、なお、したがって等）",
    ),
    (lazy(r"且つ"), "「且つ」→「かつ」"),
    (lazy(r"(?<=[てで])居(?=[るりまた])"), "「居る」→「いる」（補助動詞は仮名書き）"),
    (lazy(r"於(?:いて|て|ける)"), "「於いて」→「おいて」"),
]
# 考え方「文語の名残に当たる言い方は使わない」: ごとく/ごとき/ごとし is the archaic auxiliary only after の/が or a verb
# (法の定めるごとく); the suffix ごと is not (年度ごとしか, まるごとしまう, 欠如し, ことごとく).
_ARCHAIC = lazy(
    r"(?<=[のがるたう])(?<!まる)(?:ごと|如)(?:く|き|し(?![かまっ]))"
    r"|(?<!なる)べく|べし|べからず|せしめ|[らさ]しめ(?=[るた])"
)


def _kana(text: str) -> list[Violation]:
    out = []
    for pattern, message in _KANA_RULES:
        for match in pattern.finditer(text):
            out.append(Violation("kana", match.start() + len(match.group(0)) - len(match.group(0).lstrip()), message))
    return out


def _archaic(text: str) -> list[Violation]:
    return [Violation("archaic", m.start(), f"文語的な表現「{m.group(0)}」は使わない") for m in _ARCHAIC.finditer(text)]


# ----------------------------------------------------------------------------------------- sentences
def _prose(text: str) -> list[Sentence]:
    return [s for s in sentences(text) if not s.heading]


def _style(text: str, required: str | None) -> list[Violation]:
    classified = []
    for sentence in _prose(text):
        style, ending = classify_ending(sentence.text)
        if style:
            classified.append((sentence, style, ending))
    if not classified:
        return []
    target = required
    if target is None:
        counts = {"desumasu": 0, "dearu": 0}
        for _, style, _ in classified:
            counts[style] += 1
        target = max(counts, key=counts.__getitem__) if counts["desumasu"] != counts["dearu"] else classified[0][1]
    out = []
    for sentence, style, ending in classified:
        if style != target:
            pos = sentence.start + max(0, len(sentence.text.rstrip()) - 1)
            out.append(
                Violation("style", pos, f"{STYLE_NAMES[style]}の文末「{ending}」: {STYLE_NAMES[target]}に統一する")
            )
    return out


def _sentence_length(text: str, limit: int) -> list[Violation]:
    out = []
    for sentence in _prose(text):
        n = len(re.sub(r"\s+", "", sentence.text))
        if n > limit:
            out.append(Violation("sentence_length", sentence.start, f"1文が{n}字: {limit}字以内を目安に短くする"))
    return out


_GOJUON = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
_HEADINGS: list[tuple[int, re.Pattern[str], str]] = [
    (1, lazy(r"^[ \t　]*第[ 　]*([0-9０-９]+)(?=[ \t　]|$)", re.M), "第{}"),
    (2, lazy(r"^[ \t　]*([0-9０-９]+)(?:[ \t　]|[.．](?![0-9０-９]))", re.M), "{}"),
    (3, lazy(r"^[ \t　]*[（(][ 　]*([0-9０-９]+)[ 　]*[)）]", re.M), "({})"),
    (4, lazy(rf"^[ \t　]*([{_GOJUON}])(?:[ \t　]|[.．])", re.M), "{}"),
    (5, lazy(rf"^[ \t　]*[（(][ 　]*([{_GOJUON}])[ 　]*[)）]", re.M), "({})"),
    (6, lazy(r"^[ \t　]*([a-zａ-ｚ])(?:[ \t　]|[.．])(?=\S)", re.M), "{}"),
    (7, lazy(r"^[ \t　]*[（(][ 　]*([a-zａ-ｚ])[ 　]*[)）]", re.M), "({})"),
]
_LEVEL_NAMES = {1: "第1", 2: "1", 3: "(1)", 4: "ア", 5: "(ア)", 6: "a", 7: "(a)"}


def _ordinal(token: str, level: int) -> int:
    token = token.translate(_FULL_DIGITS)
    if level in (4, 5):
        return _GOJUON.index(token) + 1
    if level in (6, 7):
        return ord(token.lower()) - ord("a") + 1 if token.isascii() else ord(token) - ord("ａ") + 1
    return int(token)


def _heading_order(text: str) -> list[Violation]:
    found: dict[int, tuple[int, int, str]] = {}  # line start -> (level, number, shown)
    for level, pattern, fmt in _HEADINGS:
        for match in pattern.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            if line_start not in found:
                found[line_start] = (level, _ordinal(match.group(1), level), fmt.format(match.group(1)))
    if not found:
        return []
    top = min(level for level, _, _ in found.values())
    out: list[Violation] = []
    prev: int | None = None
    last: dict[int, int] = {}
    for pos in sorted(found):
        level, number, shown = found[pos]
        if (prev is None and level != top) or (prev is not None and level > prev + 1):
            parent = _LEVEL_NAMES[level - 1]
            out.append(Violation("heading_order", pos, f"見出し「{shown}」の前に上位の見出し（{parent}の階層）がない"))
        else:
            expected = last.get(level, 0) + 1
            if number != expected:
                out.append(
                    Violation(
                        "heading_order", pos, f"見出し「{shown}」: 番号が順序どおりでない（{expected}番目のはず）"
                    )
                )
        last[level] = number
        for deeper in [k for k in last if k > level]:
            del last[deeper]
        prev = level
    return out


# ----------------------------------------------------------------------------------------- checker
def check(
    text: str,
    *,
    rules: Sequence[str] | None = None,
    max_sentence_chars: int = 60,
    style: str | None = None,
    comma: str | None = None,
) -> list[Violation]:
    """All violations in ``text``, ordered by position."""
    active = set(rules) if rules is not None else set(RULES)
    runs = {
        "style": lambda: _style(text, style),
        "numerals": lambda: _numerals(text),
        "digit_width": lambda: _digit_width(text),
        "thousands": lambda: _thousands(text),
        "kasho": lambda: _kasho(text),
        "punctuation": lambda: _punctuation(text, comma),
        "brackets": lambda: _brackets(text),
        "marks": lambda: _marks(text),
        "kana": lambda: _kana(text),
        "archaic": lambda: _archaic(text),
        "sentence_length": lambda: _sentence_length(text, max_sentence_chars),
        "heading_order": lambda: _heading_order(text),
    }
    out: list[Violation] = []
    for rule in RULES:
        if rule in active:
            out.extend(runs[rule]())
    return sorted(out, key=lambda v: (v.pos, list(RULES).index(v.rule)))


def locate(text: str, pos: int) -> int:
    """1-based number of the sentence (headings included) that holds offset ``pos``."""
    number = 1
    for sentence in sentences(text, mask=False):
        if sentence.start > pos:
            break
        number = sentence.index
    return number


def describe(text: str, violation: Violation) -> str:
    return f"第{locate(text, violation.pos)}文（{violation.pos + 1}字目）: {violation.message}"


class KoyobunParams(Params):
    rules: list[RuleId] | None = Field(default=None, description=f"Rules to apply (default: all): {', '.join(RULES)}.")
    max_sentence_chars: int = Field(
        default=60, ge=10, description="Sentences longer than this (characters, whitespace not counted) are flagged."
    )
    style: Literal["dearu", "desumasu"] | None = Field(
        default=None, description="Required style; None: either, but one per document."
    )
    comma: Literal["、", "，"] | None = Field(
        default=None, description="Required 読点: 「、」 or 「，」; None: either, but not mixed."
    )


@register
class Koyobun(Scorer):
    kind = "koyobun"
    Params = KoyobunParams
    params: KoyobunParams
    description = "公用文作成の考え方 (2022): deterministic rule checks; score = max(0, 1 − violations/10)."

    def violations(self, text: str) -> list[Violation]:
        p = self.params
        return check(text, rules=p.rules, max_sentence_chars=p.max_sentence_chars, style=p.style, comma=p.comma)

    def check_item(self, item: Item) -> str | None:
        for ref in item.references()[:1]:
            found = self.violations(ref)
            if found:
                return f"reference does not pass the 公用文 checker ({len(found)}): {describe(ref, found[0])}"
        return None

    def score(self, output: str, item: Item) -> ScoreResult:
        found = self.violations(output)
        detail = {
            "violations": [
                {"rule": v.rule, "pos": v.pos, "sentence": locate(output, v.pos), "message": v.message}
                for v in found[:50]
            ],
            "count": len(found),
        }
        if not found:
            return ScoreResult(1.0, True, "公用文の表記規則に違反なし", detail)
        shown = "；".join(describe(output, v) for v in found[:3])
        more = f"（ほか{len(found) - 3}件）" if len(found) > 3 else ""
        return ScoreResult(max(0.0, 1 - len(found) / 10), False, shown + more, detail)

    def ideal_answer(self, item: Item) -> str | None:
        refs = item.references()
        if refs:
            return refs[0]
        return (
            "本件について、以下のとおり回答する。"
            if self.params.style == "dearu"
            else "本件について、以下のとおり回答します。"
        )
