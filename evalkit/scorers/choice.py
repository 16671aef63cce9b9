"""Multiple choice: find which option a free-text answer chose.

Labels a–h, A–H, ア–ク, 1–8 and ①–⑧ (full or half width) and the option texts themselves are
recognised. Extraction (:meth:`Choice.mentions`, :func:`decide`):

1. find every mention of an option: a label (「答え：c」「正解は（ｃ）です」「c」) or an option
   text (longest text wins: 「随意契約」 is not also 「契約」; 「5年」 is not read inside 「15年」);
   numbers followed by a counter (3年, 2点, 1つ) and line-start list numbers (「1. …」, when
   the options are not numbered) are not labels;
2. drop negated mentions: followed by ではなく/ではありません/は誤り/は不正解/と思われがちですが…,
   and lists that share such an ending (「aとbは誤り」「a、b、cのいずれでもなく」「東京でも大阪でもなく」);
3. a mention is *strong* when an answer marker precedes it (正解は, 答え：, 正しくは, 【回答】,
   選択肢：, I think …) or a positive ending follows it (が正解, が最も適切, です, だと思います),
   or when it opens the answer (「c」「c) 名古屋」); the last strong mention wins (a text may
   correct itself); without one, the weak mentions must all name the same option.

Otherwise there is no choice, which is scored apart from a wrong choice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Optional

from pydantic import Field

from ..config.suite import Item
from .base import Params, ScoreResult, Scorer, register

LABEL_SETS = ("abcdefgh", "アイウエオカキク", "12345678")
_CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(8)}  # ①..⑧ -> 1..8
_OPEN = r"[\(\[（「【『〔<＜\s*]*"
_CLOSE = r"[)\]）」】』〕>＞*]"
_KATAKANA = "ァ-ヶー"
_KANJI = "一-龯々〆"
_LABEL_CHAR = re.compile(r"[a-hア-ク1-8]")
# A number followed by one of these is a quantity, not a label: 3年, 2点, 1つ, 5割.
# (番 is not a counter here: 「3番」「3番目」 name option 3 of numbered options)
_COUNTER = re.compile(r"\s*(?:[年月日点人名件円歳回時分秒割%条項号章節つ個本枚倍位度台週期]|か[月所国年]|ヶ|ケ|カ)")
_PERSON = re.compile(r"(?:さん|くん|ちゃん|様|さま|氏)")

# Words after which the next option is the answer. 選択肢 alone is a marker only with a separator on
# the same line (「選択肢：c」); 「選択肢：」 before a line break heads a list of the options.
_MARKER_WORD = (r"(?:正解|正答|答え|回答|解答|分類結果|選択結果|正しくは|(?:正しい|適切な|妥当な)(?:もの|の|選択肢|答え)"
                r"|answer|i\s+think|i\s+(?:would\s+)?(?:choose|pick|select)|option|choice)")
_PREFIX = re.compile(r"(?:" + _MARKER_WORD + _CLOSE + r"*\s*(?:は|:|=|\bis\b)?[\s、,]*" + _OPEN
                     + r"(?:選択肢|option)?\s*" + _OPEN + r"|選択肢[ \t]*[は:=][ \t、,]*[(\[（「【『〔<＜*]*)\Z")
# Endings after a mention (past closing brackets and one parenthetical) that make it a positive answer.
_POSITIVE = re.compile(
    r"(?:が|こそ|は|:|=)?\s*(?:最も|もっとも|一番)?(?:正解|正答|答え|正し[いく]|適切|妥当|適当)"
    r"|(?:だ|である)?と(?:思|考|判断|結論)"
    r"|(?:です|だ|である|になります|となります)(?!か)|でしょう(?!か)"
    r"|is\s+(?:the\s+)?(?:correct|right|answer|best)")
# Endings that negate a mention. 「cではないでしょうか」 is a question, not a negation.
_NEGATION = re.compile(
    r"(?:の|は|が|も)?(?P<all>いずれ|どれ|どちら|すべて|全て|何れ)?"
    r"(?:(?:で|じゃ)(?:は|も)?(?:なく|ない(?!か|でしょうか)|ありません|ございません)"
    r"|(?:は|も|が|:|=)?\s*(?:誤|間違|不正解|不適|正しくな|正しくありません|適切でな|適切ではな|適切ではありません"
    r"|正解ではな|正解ではありません|答えではな|違い|違う|×)"
    r"|(?:だ)?と(?:思|考|誤解|勘違い|決めつけ)[^。\n]{0,10}?(?:がち|やすい)"
    r"|(?:だ)?と(?:は)?(?:限(?:らない|りません)"
    r"|(?:言え|いえ|言い切れ|判断でき|断定でき|決められ|決めつけられ|決めつけることはでき|決めつけることができ)(?:ない|ません))"
    r"|(?:の)?可能性も(?:あります|ある)が"
    r"|is\s+(?:not|wrong|incorrect))")
# Between two mentions: joined into one list (they share the negation that ends the list).
_JOIN = re.compile(r"(?:\s|" + _CLOSE + r"|[(\[（「【『〔<＜]|と|や|も|でも|及び|および|and)*")
_COMMA_JOIN = re.compile(r"(?:\s|" + _CLOSE + r"|[(\[（「【『〔<＜、,・/])*")
# Between two mentions: a hedge (「aかc」), which names no single answer.
_HEDGE = re.compile(r"(?:\s|" + _CLOSE + r")*(?:か|または|もしくは|あるいは|or|/)(?:\s|[(\[（「【『〔<＜])*")
_PARENTHETICAL = re.compile(r"(?:\s|" + _CLOSE + r")*(?:[(（][^()（）\n]{0,20}[)）])?(?:\s|" + _CLOSE + r")*")
_LIST_NUMBER = re.compile(r"^[ \t]*\(?([1-8])[.)、:][ \t]*\S", re.MULTILINE)
_LEADING = re.compile(r"\A" + _OPEN + r"\Z")
_LEADING_END = re.compile(_CLOSE + r"*(?:[.:、,。]|\s|\Z)")


def fold(text: str) -> str:
    text = "".join(_CIRCLED.get(ch, ch) for ch in text)
    return unicodedata.normalize("NFKC", text)


def label_index(label: str) -> Optional[int]:
    label = fold(label).strip().lower()
    for labels in LABEL_SETS:
        if len(label) == 1 and label in labels:
            return labels.index(label)
    return None


def _label_set(label: str) -> Optional[str]:
    label = fold(label).strip().lower()
    return next((labels for labels in LABEL_SETS if len(label) == 1 and label in labels), None)


_OPTION_LINE = re.compile(r"^\s*" + _OPEN + r"([a-hア-ク1-8①-⑧])\s*[\)\]）.．:：、\s]\s*(.+)$", re.IGNORECASE)


def parse_options(text: str) -> dict[int, str]:
    """Options written one per line as 'a 本文' / 'ア．本文' / '1) 本文'."""
    out: dict[int, str] = {}
    for line in text.splitlines():
        match = _OPTION_LINE.match(line)
        if match:
            index = label_index(match.group(1))
            if index is not None:
                out[index] = match.group(2).strip()
    return out


@dataclass
class Mention:
    """One place where the answer names option ``index`` (a label or the option text)."""

    start: int
    end: int
    index: int
    strong: bool = False
    marked: bool = False  # an answer marker precedes it: 正解は, 答え：
    negated: bool = False
    hedged: bool = False  # named in a hedge with another option: 「aかc」「aとcが正解」
    collective: bool = False  # negated by a list ending: 「…のいずれでもなく」


def decide(mentions: Iterable[Mention]) -> Optional[int]:
    """The chosen option among positive mentions: the last strong one, else the only one named."""
    positive = [m for m in mentions if not m.negated]
    strong = [m for m in positive if m.strong]
    if strong:
        return strong[-1].index
    named = {m.index for m in positive}
    return named.pop() if len(named) == 1 else None


class ChoiceParams(Params):
    n_options: int = Field(default=4, ge=2, le=8, description="Number of options.")
    options_var: Optional[str] = Field(
        default="choices", description="Item variable listing the options, to recognise the option text.")


@register
class Choice(Scorer):
    kind = "choice"
    Params = ChoiceParams
    description = "Extracts the chosen option from free text and compares it with the reference label."

    def check_item(self, item: Item) -> Optional[str]:
        refs = item.references()
        if not refs:
            return "needs a reference (the correct option label)"
        index = label_index(refs[0])
        if index is None or index >= self.params.n_options:
            return f"reference {refs[0]!r} is not an option label within {self.params.n_options} options"
        return None

    def extract(self, output: str, item: Item) -> Optional[int]:
        return decide(self.mentions(output, item))

    def mentions(self, output: str, item: Item) -> list[Mention]:
        """Every mention of an option in the answer, in order, marked strong / negated."""
        text = fold(output).lower()
        found = self._label_mentions(text, item) + self._text_mentions(text, item)
        # a mention inside a longer one is part of it: 「契約」 in 「随意契約」, 「B」 in 「B案」
        found = [m for m in found if not any(o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start
                                             for o in found)]
        found.sort(key=lambda m: (m.start, m.end))
        for m in found:
            after = text[m.end:m.end + 60]
            after = after[_PARENTHETICAL.match(after).end():]
            m.marked = bool(_PREFIX.search(text[max(0, m.start - 40):m.start]))
            m.strong = m.strong or m.marked or bool(_POSITIVE.match(after))
            negation = _NEGATION.match(after)
            m.negated = bool(negation) or text[max(0, m.start - 4):m.start] == "not "
            m.collective = bool(negation and negation.group("all"))
        for m, following in reversed(list(zip(found, found[1:]))):
            gap = text[m.end:following.start]
            joined = bool(_JOIN.fullmatch(gap))
            listed = joined or (_COMMA_JOIN.fullmatch(gap) and (
                following.collective or m.index == following.index or not m.marked))  # not 「正解はc、aは誤り」
            if not m.negated and following.negated and listed:
                m.negated, m.collective = True, following.collective
            elif m.index != following.index and not (m.negated or following.negated) and (
                    _HEDGE.fullmatch(gap) or (joined and re.search(r"と|や|及び|および|and", gap))):
                m.strong = following.strong = False  # 「aかc」「aとcが正解」 name no single answer
                m.hedged = following.hedged = True
        return found

    def _label_mentions(self, text: str, item: Item) -> list[Mention]:
        numbered = self._label_set(item) == LABEL_SETS[2]
        list_numbers = set() if numbered else {match.start(1) for match in _LIST_NUMBER.finditer(text)}
        out = []
        for match in _LABEL_CHAR.finditer(text):
            pos, char = match.start(), match.group()
            index = label_index(char)
            if index is None or index >= self.params.n_options or pos in list_numbers \
                    or not self._is_label(text, pos, char):
                continue
            marked = bool(_PREFIX.search(text[max(0, pos - 40):pos]))
            leading = bool(_LEADING.match(text[:pos]) and _LEADING_END.match(text, pos + 1))
            after = text[pos + 1:pos + 3]
            # without a marker, a letter or number directly before a kanji or katakana is part of a word: A社, B案
            if not (marked or leading) and (re.match(f"[{_KANJI}{_KATAKANA}]", after) or _PERSON.match(after)):
                continue
            out.append(Mention(pos, pos + 1, index, strong=marked or leading))
        return out

    @staticmethod
    def _is_label(text: str, pos: int, char: str) -> bool:
        before, after = text[max(0, pos - 2):pos], text[pos + 1:pos + 3]
        if char.isdigit():
            return not (re.search(r"[0-9.,第]\Z", before) or re.match(r"[0-9]|[.,][0-9]", after)
                        or _COUNTER.match(text, pos + 1))
        if char in LABEL_SETS[1]:
            return not (re.search(f"[{_KATAKANA}]\\Z", before) or re.match(f"[{_KATAKANA}]", after))
        # latin: not inside a word or an abbreviation (e.g.), not the article in "answer a question"
        return not (re.search(r"[a-z0-9'’]\Z|[a-z]\.\Z", before) or re.match(r"[a-z0-9]|\.[a-z0-9]", after)
                    or (char == "a" and re.match(r"\s+[a-z]", text[pos + 1:pos + 4])))

    def _text_mentions(self, text: str, item: Item) -> list[Mention]:
        out = []
        for index, body in self._options(item).items():
            body = re.sub(r"\s+", "", fold(body).lower()).rstrip("。.")
            if not body or index >= self.params.n_options:
                continue
            pattern = r"\s*".join(map(re.escape, body))
            if body[0].isdigit():
                pattern = r"(?<![0-9.,])" + pattern  # 「5年」 is not in 「15年」
            if body[-1].isdigit():
                pattern += r"(?![0-9])"
            out += [Mention(m.start(), m.end(), index) for m in re.finditer(pattern, text)]
        return out

    def _options(self, item: Item) -> dict[int, str]:
        raw = item.vars.get(self.params.options_var) if self.params.options_var else None
        if isinstance(raw, list):
            return {i: str(v) for i, v in enumerate(raw)}
        if isinstance(raw, str):
            return parse_options(raw)
        return {}

    def _label_set(self, item: Item) -> Optional[str]:
        """The labels the item uses: from its options text, else from its reference."""
        raw = item.vars.get(self.params.options_var) if self.params.options_var else None
        if isinstance(raw, str):
            for line in raw.splitlines():
                match = _OPTION_LINE.match(line)
                if match:
                    return _label_set(match.group(1))
        refs = item.references()
        return _label_set(refs[0]) if refs else None

    def score(self, output: str, item: Item) -> ScoreResult:
        want = label_index(item.references()[0])
        got = self.extract(output, item)
        want_label = LABEL_SETS[0][want]
        if got is None:
            return ScoreResult(0.0, False, "選択肢を特定できない（無回答扱い）", {"choice": None, "no_choice": True})
        got_label = LABEL_SETS[0][got]
        if got == want:
            return ScoreResult(1.0, True, f"正解（{got_label}）", {"choice": got_label})
        return ScoreResult(0.0, False, f"誤答: {got_label}（正解は{want_label}）", {"choice": got_label})

    def ideal_answer(self, item: Item) -> Optional[str]:
        refs = item.references()
        return f"正解は{refs[0]}です。" if refs else None
