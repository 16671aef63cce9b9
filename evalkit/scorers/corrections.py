"""Corrections: a proofreading or 公用文 answer proposes every needed correction, and no false one.

The answer is parsed into proposed corrections (wrong → right) in the forms models write:
「A → B」「A→B」「A ⇒ B」「A -> B」, 「誤: A → 正: B」, 「誤: A 正: B」, 「誤: A」 and 「正: B」 on the next line,
「A（誤）→B（正）」, table rows | A | B | (columns found by the header 誤/正, 元の表記/直した表記, 修正前/修正後),
and prose: 「A」は「B」の誤り, 「A」を「B」に改める／直す／修正する, 「A」は「B」と書く／とする, 「A」ではなく「B」,
「A」は使わない／削除 (a deletion). Several pairs on one line and 「A」「C」→「B」「D」 are split.

Recall: every expected correction ``{wrong, right}`` is proposed: a proposal whose wrong part contains
``wrong`` (its context in parentheses counts: 誤: 過程（教育過程の編成）) and whose right part contains one of
``right`` (``""`` = deleting it, 削除/使わない). A proposal withdrawn in its own clause (修正不要, 誤りでは
ありません, このままで問題ありません, とも書けます, 誤りとまでは言えません, 書く例もあります …) or by a later
clause that names its wrong part without restating the correction does not count; nor does a proposal
that leaves the text as it is (誤: 決済 → 正: 決済).

Precision (``precision: true``): every change a proposal makes (a character diff of its two sides) must lie
on an expected wrong part or an ``allowed`` one. A change elsewhere is a false correction (延滞金 → 遅延金;
令和8年9月十日 → 2026年9月10日 changes the era as well as 十日), and so is a proposal that changes an expected
wrong part into something none of its ``right`` forms (保障 → 保証). Score = share of expected corrections
proposed; passed = all proposed and, with precision, nothing false.

Matching is on NFKC text with spaces removed, and nothing else: the notation itself is what these items
ask about (3箇所 ≠ 3か所, 12500 ≠ 12,500, 二割 ≠ 2割), so no canonical numbers or dates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .patterns import cached, lazy


# --------------------------------------------------------------------------------------- params
def _alternatives(value: str | list[object] | tuple[object, ...]) -> list[object]:
    """A form or a list of forms as a list, before pydantic checks that each is a string."""
    return [value] if isinstance(value, str) else list(value)


class Correction(BaseModel):
    """One correction the text needs (``expected``) or may harmlessly get (``allowed``)."""

    model_config = ConfigDict(extra="forbid")

    wrong: list[str] = Field(
        description="The erroneous notation of the text (alternatives: any one, e.g. "
        "the bare word or the word with context)."
    )
    right: list[str] | None = Field(
        default=None,
        description='Accepted corrected forms (any one); "" '
        "accepts deleting it. Required in expected; in allowed, omitted = any change.",
    )

    @field_validator("wrong", "right", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return _alternatives(value) if isinstance(value, (str, list, tuple)) else value

    @field_validator("wrong")
    @classmethod
    def _nonempty(cls, value: list[str]) -> list[str]:
        if not value or not all(_fold(v) for v in value):
            raise ValueError("wrong needs at least one non-empty form")
        return value

    def first_right(self) -> str:
        """The first accepted corrected form ("" = delete); an expected correction always has one."""
        if not self.right:
            raise ValueError(f"correction {self.wrong[0]!r} has no right form")
        return self.right[0]


def _correction(value: object) -> object:
    return {"wrong": value} if isinstance(value, str) else value


class CorrectionsParams(Params):
    expected: list[Correction] = Field(description="The corrections the text needs: {wrong, right: [alternatives]}.")
    precision: bool = Field(
        default=False,
        description="Fail a proposal that changes text outside the expected "
        "(and allowed) wrong parts, or changes one wrongly.",
    )
    allowed: list[Correction] = Field(
        default_factory=list,
        description="Extra harmless corrections: {wrong, right} or a bare wrong part (any change of it is harmless).",
    )

    @field_validator("allowed", mode="before")
    @classmethod
    def _bare(cls, value: object) -> object:
        return [_correction(v) for v in value] if isinstance(value, list) else value

    @field_validator("expected")
    @classmethod
    def _rights(cls, value: list[Correction]) -> list[Correction]:
        if not value:
            raise ValueError("expected needs at least one correction")
        for corr in value:
            if not corr.right:
                raise ValueError(f"expected correction {corr.wrong[0]!r} needs right: [...]")
        return value


# ------------------------------------------------------------------------------------ text forms
_ARROWS = lazy(r"\s*(?:->|=>|→|⇒|➡|➔|⟶|⇨|⟹|＝＞|－＞)\s*")
_CIRCLED = lazy(r"[\u2460-\u2473\u2776-\u277f\u278a-\u2793]")


def _fold(text: str) -> str:
    """The comparison form: NFKC, no whitespace, no markdown emphasis."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+|\*\*|__|`", "", text)


def _prepare(text: str) -> str:
    """NFKC line by line, markdown emphasis dropped, every arrow written →."""
    text = _CIRCLED.sub(lambda m: f"{_circled_number(m.group(0))}.", text)
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\*\*|__|`", "", text)
    return _ARROWS.sub(" → ", text)


def _circled_number(char: str) -> int:
    try:
        return int(unicodedata.numeric(char))
    except (TypeError, ValueError):
        return 0


_OPEN = {"「": "」", "『": "』", "(": ")", "[": "]", "【": "】", "〔": "〕"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_ENUM = lazy(r"^\s*(?:[-*+・•●◦▪○◆◇■□>]+\s*|\d{1,2}[.)]\s*|\(\d{1,2}\)\s*|[ア-ンa-z][.)]\s*)")
_WRONG_LABEL = lazy(r"^(?:誤り?|誤記|元の表記|元|修正前|原文|訂正前|変更前|該当箇所|指摘箇所)\s*(?::\s*|\s+)")
_RIGHT_LABEL = lazy(r"^(?:正しくは|正|直した表記|修正後|修正案|訂正後|変更後|訂正|修正)\s*(?::\s*|\s+)")
_WRONG_MARK = lazy(r"\((?:誤|誤り|誤記|修正前)\)$")
_RIGHT_MARK = lazy(r"\((?:正|正しい|修正後)\)$")
_DELETE = {"削除", "削る", "削除する", "取る", "とる", "なし", "不要", "使わない", "用いない", "省く"}
_QUOTE = lazy(r"「([^「」\n]*)」|『[^『』\n]*』")


def _close_at(text: str, start: int) -> int:
    """Index just past the bracket that closes text[start] (or len(text))."""
    stack = [_OPEN[text[start]]]
    i = start + 1
    while i < len(text) and stack:
        c = text[i]
        if c == stack[-1]:
            stack.pop()
        elif c in _OPEN and stack[-1] not in ("」", "』") or c in ("「", "『"):
            stack.append(_OPEN[c])
        i += 1
    return i


def _open_at(text: str, end: int) -> int:
    """Index of the bracket that opens the one closing at text[end - 1] (or 0)."""
    stack = [_CLOSE[text[end - 1]]]
    i = end - 2
    while i >= 0 and stack:
        c = text[i]
        if c == stack[-1]:
            stack.pop()
        elif c in _CLOSE:
            stack.append(_CLOSE[c])
        i -= 1
    return i + 1


def _strip_notes(seg: str) -> str:
    """Drop trailing parenthetical notes ((2か所), (誤), (理由…)) unless nothing would be left."""
    seg = seg.strip()
    while seg.endswith(")"):
        start = _open_at(seg, len(seg))
        rest = seg[:start].rstrip()
        if not rest or start == 0:
            break
        seg = rest
    return seg


def _quoted_group(seg: str) -> list[str] | None:
    """「A」 or 「A」「B」 (also 「A」、「B」): the quoted contents when the segment is nothing else."""
    parts = []
    pos = 0
    seg = seg.strip()
    for m in re.finditer(r"「([^「」]*)」", seg):
        if seg[pos : m.start()].strip(" 、,/／・"):
            return None
        parts.append(m.group(1))
        pos = m.end()
    if not parts or seg[pos:].strip():
        return None
    return parts


@dataclass
class Proposal:
    wrong: str  # the wrong part as written (comparison form, notes and quotes stripped)
    right: str  # the right part ("" = delete)
    context: str  # the wrong part with its notes: 過程（教育過程の編成）
    scope: str  # the clause / line / table row it was proposed in
    where: tuple[int, int] = (0, 0)  # (line, position) for ordering
    withdrawn: bool = False
    tail: str = ""  # the clause after a concessive scope (「…とも書けますが、」 → what follows)

    def label(self) -> str:
        return f"「{self.wrong}」→「{self.right}」" if self.right else f"「{self.wrong}」→（削除）"


def _side(seg: str, labels: re.Pattern[str], mark: re.Pattern[str]) -> tuple[str, str]:
    """(core, context) of one side of a pair: labels, enumerators and notes stripped."""
    seg = seg.strip()
    seg = _ENUM.sub("", seg, count=1)
    seg = labels.sub("", seg, count=1).strip()
    seg = mark.sub("", seg).strip()
    context = seg
    return _strip_notes(seg), context


def _pairs(wrong_seg: str, right_seg: str, scope: str, where: tuple[int, int]) -> list[Proposal]:
    """Proposals from the two sides of one written pair (splitting 「A」「C」→「B」「D」)."""
    a_core, a_context = _side(wrong_seg, _WRONG_LABEL, _WRONG_MARK)
    b_core, _ = _side(right_seg, _RIGHT_LABEL, _RIGHT_MARK)
    if not a_core or not b_core:
        return []
    a_group, b_group = _quoted_group(a_core), _quoted_group(b_core)
    bracket_a = a_core.startswith("『") and a_core.endswith("』")
    bracket_b = b_core.startswith("『") and b_core.endswith("』")
    if a_group and b_group and (len(a_group) > 1 or len(b_group) > 1):
        if len(a_group) == len(b_group):
            pairs = list(zip(a_group, b_group, strict=True))
        elif len(b_group) == 1:
            pairs = [(a, b_group[0]) for a in a_group]
        elif len(a_group) == 1:
            pairs = [(a_group[0], b) for b in b_group]
        else:  # as many pairs as the shorter side has
            pairs = list(zip(a_group, b_group, strict=False))
        return [_proposal(a, b, a_context, scope, where) for a, b in pairs if a]
    if a_group and len(a_group) == 1 and a_group[0] and not bracket_b:
        a_core = a_group[0]
    if b_group and len(b_group) == 1 and b_group[0] and not bracket_a:
        b_core = b_group[0]
    return [_proposal(a_core, b_core, a_context, scope, where)]


def _proposal(a: str, b: str, context: str, scope: str, where: tuple[int, int]) -> Proposal:
    right = _fold(b)
    if right.strip("()（）") in _DELETE:
        right = ""
    return Proposal(_fold(a), right, _fold(context), scope, where)


# ---------------------------------------------------------------------------------------- parsing
_CLAUSE_END = lazy(r"(?:(?<=[^\s→])。(?=[^\s)」』。])|が、|けれども?、?|ものの、)")


def _mask(text: str) -> str:
    """The text with quoted and bracketed spans replaced by a placeholder (same length)."""
    out = list(text)
    i = 0
    while i < len(text):
        if text[i] in ("「", "『", "("):
            end = _close_at(text, i)
            for k in range(i + 1, max(i + 1, end - 1)):
                out[k] = "\u25a1"
            i = end
        else:
            i += 1
    return "".join(out)


def _clauses(line: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a line: split after 。 (when more follows) and at が、/けれども/ものの
    outside quotes and brackets."""
    masked = _mask(line)
    spans, start = [], 0
    for m in _CLAUSE_END.finditer(masked):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(line)))
    return [s for s in spans if line[s[0] : s[1]].strip()]


def _scope(line: str, start: int, end: int) -> str:
    """The clauses of ``line`` that the span [start, end) touches."""
    spans = _clauses(line)
    first = next((s for s in spans if s[1] > start), spans[-1] if spans else (0, len(line)))
    last = next((s for s in reversed(spans) if s[0] < end), first)
    return line[first[0] : max(last[1], first[1])]


def _tail(line: str, scope_end: int) -> str:
    """The clause after a scope that ends concessively (が、/けれども/ものの), else ""."""
    spans = _clauses(line)
    for k, (s, e) in enumerate(spans):
        if e >= scope_end:
            if k + 1 < len(spans) and re.search(r"(?:が、|けれども?、?|ものの、)$", line[s:e]):
                return line[spans[k + 1][0] : spans[k + 1][1]]
            return ""
    return ""


def _with_tail(proposals: list[Proposal], line: str) -> list[Proposal]:
    for p in proposals:
        at = line.find(p.scope)
        if at != -1:
            p.tail = _tail(line, at + len(p.scope))
    return proposals


_BOUNDARY = set(":、。,|\t;；")


def _left_segment(text: str, end: int, floor: int) -> tuple[str, int]:
    """The wrong side written just before an arrow at ``end``: back to a boundary outside brackets."""
    i = end
    seg_end = end
    while i > floor and text[i - 1] == " ":
        i -= 1
    seg_end = i
    while i > floor:
        c = text[i - 1]
        if c in _CLOSE:
            i = max(floor, _open_at(text[:i], i))
            continue
        if c in _BOUNDARY and not _thousands(text, i - 1):
            break
        i -= 1
    return text[i:seg_end], i


def _thousands(text: str, i: int) -> bool:
    """text[i] is the comma of a number (12,500)."""
    return text[i] == "," and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def _right_segment(text: str, start: int, ceiling: int) -> tuple[str, int]:
    """The right side written just after an arrow: the bracket groups and word up to a boundary."""
    i = start
    while i < ceiling and text[i] == " ":
        i += 1
    m = _RIGHT_LABEL.match(text[i:ceiling])
    if m:
        i += m.end()
    begin = i
    while i < ceiling:
        c = text[i]
        if c in ("「", "『", "[", "【"):
            i = min(ceiling, _close_at(text, i))
            if text[begin] == "「":  # 「B」 or 「B」「D」: stop after the quoted group
                j = i
                while j < ceiling and text[j] in " 、":
                    j += 1
                if j < ceiling and text[j] == "「" and text[i:j].strip() == "":
                    i = min(ceiling, _close_at(text, j))
                    continue
                break
            continue
        if c == "(":
            end = min(ceiling, _close_at(text, i))
            # a note after the right side ends it; brackets inside a word (令和7(2025)年度) do not
            if i > begin and (end >= ceiling or text[end] in " 、,|\t;；(。"):
                break
            i = end
            continue
        if c in " 、,|\t;；" and not _thousands(text, i):
            break
        if c == "。":
            i += 1
            break
        i += 1
    return text[begin:i], i


def _arrow_pairs(line: str, lineno: int) -> list[Proposal]:
    out: list[Proposal] = []
    arrows = [m for m in re.finditer(r" → ", line)]
    floor = 0
    for k, m in enumerate(arrows):
        ceiling = arrows[k + 1].start() if k + 1 < len(arrows) else len(line)
        left, lstart = _left_segment(line, m.start(), floor)
        right, rend = _right_segment(line, m.end(), ceiling)
        if k + 1 < len(arrows):  # the next pair's wrong side must not be eaten by this right side
            nxt, nstart = _left_segment(line, arrows[k + 1].start(), m.end())
            if nstart < rend:
                right = line[m.end() : nstart]
                rend = nstart
        out += _pairs(left, right, _scope(line, lstart, rend), (lineno, lstart))
        floor = rend
    return _with_tail(out, line)


_LABELLED = lazy(
    r"^(?P<a>.*?(?:誤り?|誤記|修正前|元の表記)\s*:.+?)\s*[、,/／;；]?\s*"
    r"(?P<b>(?:正しくは|正|修正後|直した表記)\s*:.+)$"
)
_MARKED = lazy(r"(?P<a>[^\s、,()]+?)\((?:誤|誤り)\)\s*[、,/／]?\s*(?P<b>[^\s、,()]+?)\((?:正|正しい)\)")
_WRONG_LINE = lazy(r"^\s*(?:[-*+・•]\s*|\d{1,2}[.)]\s*)?(?:誤り?|誤記|修正前|元の表記)\s*:\s*(?P<a>.+)$")
_RIGHT_LINE = lazy(r"^\s*(?:[-*+・•]\s*)?(?:正しくは|正|修正後|直した表記)\s*:\s*(?P<b>.+)$")

# prose: 「B」 followed by one of these makes the quote before it the wrong side
_VERB = lazy(
    r"^(?:\s*(?:の(?:誤り|誤記|間違い|誤字|誤変換)"
    r"|とも(?:書|表記)"
    r"|と(?!いう|言う|いった|の|は|も|同)[^「」『』。、\n]{0,6}?"
    r"(?:書|表記|記載|記述|する|します|すべき|して|しま|改|直|訂正|修正)"
    r"|に(?:改|直|修正|訂正|変更|し|す|統一|置き換|書き換|置換|そろえ)"
    r"|へ(?:改|直|修正|訂正|変更|置き換)"
    r"|(?:が|の方が|のほうが)(?:正し|適切|望まし|よい|良い|妥当)))"
)
_DELETE_VERB = lazy(
    r"^\s*(?:は|を|も)?\s*(?:削除|削る|削って|削り|取る|取り除|とる|使わ(?:ない|ず)|"
    r"使いません|用いない|用いず|用いません|省く|省いて|不要(?!な|の|か))"
)
_LIST_SEP = lazy(r"^\s*(?:に|と|へ)?\s*[、,]\s*(?:また\s*、?)?\s*$")
_PAIR_LINK = lazy(r"^\s*(?:は|を|→)\s*$")
_INSTEAD = lazy(r"^\s*(?:で|と)?は?なく\s*、?\s*$")


def _prose_pairs(line: str, lineno: int) -> list[Proposal]:
    out: list[Proposal] = []
    masked = _mask_notes(line)
    for cstart, cend in _clauses(line):
        clause = masked[cstart:cend]
        tokens = [
            (m.start(), m.end(), m.group(1) if m.group(1) is not None else m.group(0)) for m in _QUOTE.finditer(clause)
        ]
        tokens = [(s, e, ("「」" if t == "" and clause[s] == "「" else t)) for s, e, t in tokens]
        scope = line[cstart:cend]
        for k, (s, e, text) in enumerate(tokens):
            after = clause[e:]
            if k + 1 < len(tokens) and _INSTEAD.match(clause[e : tokens[k + 1][0]]):
                b = tokens[k + 1][2]
                if text.startswith("『") and not b.startswith("『"):
                    b = f"「{b}」"
                out.append(_proposal(text, b, text, scope, (lineno, cstart + s)))
                continue
            if k > 0 and _VERB.match(after):
                a = tokens[k - 1][2]
                b = text
                if a.startswith("『") and not b.startswith(("『", "「")):
                    b = f"「{b}」"
                if (
                    clause[tokens[k - 1][1] : s].strip().startswith(("と", "や"))
                    and len(clause[tokens[k - 1][1] : s]) < 3
                ):
                    continue  # 「A」と「B」… lists two words, it proposes nothing
                out.append(_proposal(a, b, a, scope, (lineno, cstart + tokens[k - 1][0])))
                # 「A」は「B」、「C」は「D」と書く: earlier pairs share the verb
                j = k - 2
                while (
                    j >= 1
                    and _LIST_SEP.match(clause[tokens[j][1] : tokens[j + 1][0]])
                    and _PAIR_LINK.match(clause[tokens[j - 1][1] : tokens[j][0]])
                ):
                    out.append(
                        _proposal(
                            tokens[j - 1][2], tokens[j][2], tokens[j - 1][2], scope, (lineno, cstart + tokens[j - 1][0])
                        )
                    )
                    j -= 2
            elif _DELETE_VERB.match(after) and not (k + 1 < len(tokens) and _VERB.match(clause[tokens[k + 1][1] :])):
                out.append(_proposal(text, "", text, scope, (lineno, cstart + s)))
    return _with_tail(out, line)


def _mask_notes(line: str) -> str:
    """Parenthetical notes outside quotes blanked (their quotes are reasons, not proposals)."""
    out = list(line)
    i = 0
    while i < len(line):
        c = line[i]
        if c in ("「", "『"):
            i = _close_at(line, i)
        elif c == "(":
            end = _close_at(line, i)
            for k in range(i, end):
                out[k] = " "
            i = end
        else:
            i += 1
    return "".join(out)


def parse(answer: str) -> list[Proposal]:
    """Every correction the answer proposes, in order, with its withdrawal marked."""
    lines = _prepare(answer).split("\n")
    out: list[Proposal] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("|"):
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append((i, lines[i]))
                i += 1
            out += _table_pairs(block)
            continue
        if " → " in line:
            out += _arrow_pairs(line, i)
            i += 1
            continue
        m = _LABELLED.match(stripped)
        if m:
            out += _pairs(m.group("a"), _cut_right(m.group("b")), line, (i, 0))
            i += 1
            continue
        marked = list(_MARKED.finditer(line))
        if marked:
            for mk in marked:
                out += _pairs(mk.group("a"), mk.group("b"), _scope(line, mk.start(), mk.end()), (i, mk.start()))
            i += 1
            continue
        m = _WRONG_LINE.match(line)
        if m:
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            n = _RIGHT_LINE.match(lines[j]) if j < len(lines) else None
            if n:
                out += _pairs(m.group("a"), _cut_right(n.group("b")), line + "\n" + lines[j], (i, 0))
                i = j + 1
                continue
        out += _prose_pairs(line, i)
        i += 1
    _withdraw(out, lines)
    return out


def _cut_right(seg: str) -> str:
    seg = seg.strip()
    right, _ = _right_segment(seg, 0, len(seg))
    return right


_HEAD_WRONG = lazy(r"誤|元|修正前|原文|訂正前|変更前|該当|指摘箇所|現行")
_HEAD_RIGHT = lazy(r"正|直した|修正後|修正案|訂正|変更後|改善|推奨|案")
_HEAD_OTHER = lazy(r"理由|備考|根拠|説明|解説|補足|No|番号|#")


def _table_pairs(block: list[tuple[int, str]]) -> list[Proposal]:
    rows = [(n, line, [c.strip() for c in line.strip().strip("|").split("|")]) for n, line in block]
    sep = next(
        (k for k, (_, _, cells) in enumerate(rows) if cells and all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c)),
        None,
    )
    wi, ri = None, None
    body = rows
    if sep is not None and sep >= 1:
        head = rows[sep - 1][2]
        for k, cell in enumerate(head):
            if _HEAD_OTHER.search(cell):
                continue
            if wi is None and _HEAD_WRONG.search(cell) and not re.search(r"修正後|直した|正しい", cell):
                wi = k
            elif ri is None and _HEAD_RIGHT.search(cell):
                ri = k
        body = rows[sep + 1 :]
    out: list[Proposal] = []
    for n, line, cells in body:
        if wi is None or ri is None:
            cols = [k for k, c in enumerate(cells) if not re.fullmatch(r"\d{1,2}\.?", c)]
            if len(cols) < 2:
                continue
            a, b = cells[cols[0]], cells[cols[1]]
        else:
            if max(wi, ri) >= len(cells):
                continue
            a, b = cells[wi], cells[ri]
        out += _pairs(a, b, line, (n, 0))
    return out


# ------------------------------------------------------------------------------------ withdrawal
_CUE = lazy(
    r"(?:修正|訂正|変更|直す|改める|書き換える)(?:の)?(?:必要)?(?:は|も)?(?:不要|必要(?:は|も)?(?:ありません|ない|なし|ございません))"
    r"|(?:修正|訂正|変更)(?:は|も)?(?:不要|いりません|しなくて)"
    r"|問題(?:は|も)?(?:ありません|ない(?!か)|なし|ございません)"
    r"|差し支え(?:は|も)?(?:ありません|ない|なし)"
    r"|(?:この|その|の)まま(?:でも|で(?!は)|に(?:し|す)|とし|と(?:す|し)|残)"
    r"|必須では(?:ありません|ない)|(?:修正|訂正)しなくて"
    r"|誤り(?:では|とは|で)(?:ありません|ない(?!か)|ございません|言え|いえ)"
    r"|誤りとまでは|間違い(?:では|とは)(?:ありません|ない|言え|いえ)|誤用とは(?:言え|いえ)"
    r"|とも(?:書け|書き|書く|表記でき|表記し|言え|いえ)"
    r"|(?:構|かま)いません|構わない|許容され|どちらでも"
    r"|(?:書く|表記する|使う|用いる)?(?:例|こと|場合)もあります"
)
_CONDITIONAL = lazy(r"場合(?:は|には|に)|ときは|時は|際は|意味では|意味なら|用法では")


def _withdrawn_in(clause: str) -> bool:
    m = _CUE.search(clause)
    if not m:
        return False
    return not _CONDITIONAL.search(clause[: m.start()])


_CONCESSIVE = lazy(r"が、|けれども?、?|ものの、|ですが")


def _withdraws_own(text: str, p: Proposal) -> bool:
    """The proposal's own clause withdraws it — unless the concession is overridden by a later clause
    that restates the correction (「意志」でも問題ありませんが、法令では「意思」を用います)."""
    kept = p.wrong and cached(re.escape(p.wrong) + r"」?でも(?:可|よい|良い|問題|構|差し支え)").search(text)
    cues = list(_CUE.finditer(text))
    if not kept and not (cues and _withdrawn_in(text)):
        return False
    last = max([m.end() for m in cues] + ([kept.end()] if kept else []))
    rest = text[last:]
    turn = _CONCESSIVE.search(rest)
    # not when a later clause restates the correction
    return not (turn and p.right and p.right in rest[turn.end() :] and not _CUE.search(rest[turn.end() :]))


def _withdraw(proposals: list[Proposal], lines: list[str]) -> None:
    all_clauses = [line[s:e] for line in lines if not line.strip().startswith("|") for s, e in _clauses(line)]
    for p in proposals:
        folded = _fold(p.scope)
        if _withdraws_own(folded + _fold(p.tail), p):
            p.withdrawn = True
            continue
        for clause in all_clauses:  # a later clause that names the wrong part and keeps it
            c = _fold(clause)
            if not c or c in folded or (folded and folded in c):
                continue
            if (
                p.wrong
                and p.wrong in c
                and (not p.right or p.right not in c)
                and " → " not in clause
                and _withdrawn_in(c)
            ):
                p.withdrawn = True
                break


# ----------------------------------------------------------------------------------------- scorer
def _occurrences(text: str, word: str) -> list[tuple[int, int]]:
    out, start = [], text.find(word)
    while word and start != -1:
        out.append((start, start + len(word)))
        start = text.find(word, start + 1)
    return out


def _changes(a: str, b: str) -> list[tuple[int, int]]:
    """The a-side spans of the character edits turning a into b (trailing 。、 ignored)."""
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    spans = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        if i1 == len(a) and tag == "insert" and b[j1:j2].strip("。、.") == "":
            continue
        if i2 == len(a) and tag == "delete" and a[i1:i2].strip("。、.") == "":
            continue
        spans.append((i1, i2))
    return spans


def _fixes(p: Proposal, corr: Correction) -> bool:
    """The proposal makes this correction: its wrong side names a wrong form, its right side has a right one."""
    wrongs = [_fold(w) for w in corr.wrong]
    if not any(w in p.wrong or w in p.context for w in wrongs):
        return False
    for r in corr.right or []:
        r = _fold(r)
        if r == "":
            if p.right == "" or any(p.right == p.wrong.replace(w, "") for w in wrongs if w in p.wrong):
                return True
        elif r in p.right:
            return True
    return False


def _touches(p: Proposal, words: list[str]) -> tuple[bool, bool]:
    """(every change of the proposal lies on one of ``words``, some change lies on one of them)."""
    if any(p.wrong and p.wrong in w for w in words):
        return True, True
    spans = [s for w in words for s in _occurrences(p.wrong, w)]
    changes = _changes(p.wrong, p.right)
    if not spans:
        return False, False

    def on(change: tuple[int, int]) -> bool:
        i1, i2 = change
        if i1 == i2:
            return any(s <= i1 <= e for s, e in spans)
        return any(i1 < e and s < i2 for s, e in spans)

    return all(on(c) for c in changes), any(on(c) for c in changes)


@register
class Corrections(Scorer):
    kind = "corrections"
    Params = CorrectionsParams
    params: CorrectionsParams
    description = (
        "Proofreading / 公用文 findings: every expected correction proposed (and, with precision, "
        "no false correction); withdrawn proposals do not count."
    )

    def score(self, output: str, item: Item) -> ScoreResult:
        proposals = parse(output)
        live = [p for p in proposals if not p.withdrawn and p.wrong != p.right]
        expected = self.params.expected
        found: list[Correction] = []
        missing: list[Correction] = []
        for corr in expected:
            (found if any(_fixes(p, corr) for p in live) else missing).append(corr)
        false, wrong_fix = [], []
        if self.params.precision:
            exp_words = [_fold(w) for c in expected for w in c.wrong]
            ok_words = [_fold(w) for c in self.params.allowed for w in c.wrong]
            for p in live:
                inside, _ = _touches(p, exp_words + ok_words)
                if not inside:  # a change outside every expected (and allowed) wrong part
                    false.append(p)
                    continue
                # an expected (or allowed) wrong part changed into none of its right forms
                for corr in [*expected, *(c for c in self.params.allowed if c.right is not None)]:
                    _, hit = _touches(p, [_fold(w) for w in corr.wrong])
                    if hit and not _fixes(p, corr):
                        wrong_fix.append(p)
                        break
        recall = len(found) / len(expected)
        passed = not missing and not false and not wrong_fix
        parts = []
        if missing:
            parts.append(
                "不足: "
                + "、".join(
                    f"「{c.wrong[0]}」→「{c.first_right()}」" if c.first_right() else f"「{c.wrong[0]}」の削除"
                    for c in missing
                )
            )
        if wrong_fix:
            parts.append("誤った訂正: " + "、".join(p.label() for p in wrong_fix))
        if false:
            parts.append("誤りでない箇所の訂正: " + "、".join(p.label() for p in false))
        withdrawn = [p for p in proposals if p.withdrawn]
        if withdrawn and missing:
            parts.append("撤回された指摘: " + "、".join(p.label() for p in withdrawn))
        if passed:
            why = f"必要な訂正をすべて指摘（{len(found)}件）" + ("、誤った訂正なし" if self.params.precision else "")
        else:
            why = "；".join(parts)
        detail = {
            "proposals": [{"wrong": p.wrong, "right": p.right, "withdrawn": p.withdrawn} for p in proposals],
            "missing": [c.wrong[0] for c in missing],
            "false": [p.label() for p in false],
            "wrong_fix": [p.label() for p in wrong_fix],
        }
        return ScoreResult(recall, passed, why, detail)

    def ideal_answer(self, item: Item) -> str | None:
        return "\n".join(
            f"{c.wrong[0]} → {c.first_right()}" if c.first_right() else f"{c.wrong[0]} → （削除）"
            for c in self.params.expected
        )
