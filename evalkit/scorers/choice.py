"""Multiple choice: find which option a free-text answer chose.

Accepts a–d, A–D, ア–エ, 1–4 and ①–④ (full or half width), answer markers such as
「答え：c」「正解は（ｃ）です」, and the option text itself. "No choice found" is scored
apart from "wrong choice".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from pydantic import Field

from ..config.suite import Item
from .base import Params, ScoreResult, Scorer, register

LABEL_SETS = ("abcdefgh", "アイウエオカキク", "12345678")
_CIRCLED = {chr(0x2460 + i): str(i + 1) for i in range(8)}  # ①..⑧ -> 1..8
_OPEN = r"[\(\[（「【『〔<＜\s*]*"
# A label is not the start of a word: 'c' in "correct", 'ア' in "アメリカ", '1' in "1つ".
_LABEL = r"([a-hア-ク1-8])(?![a-z0-9ァ-ヶーつ])"
_MARKER_WORD = r"(?:正解|正答|答え|回答|解答|分類結果|選択結果|(?:適切な|正しい)(?:もの|の))"
_MARKER = re.compile(
    r"(?:" + _MARKER_WORD + r"\s*(?:は|:|：|=)?|answer\s*(?:is\b\s*[:：]?|[:：=]))[\s、,]*" + _OPEN
    + r"(?:選択肢|option)?\s*" + _OPEN + _LABEL,
    re.IGNORECASE,
)
# 「cが正解です」「（ウ）が正しい」
_SUFFIX = re.compile(
    r"(?<![a-z0-9ァ-ヶー])" + _OPEN + r"([a-hア-ク1-8])[\)\]）」】』〕>＞*]*\s*(?:が|こそ)\s*(?:正解|正答|答え|正しい|適切)",
    re.IGNORECASE,
)
_ALONE = re.compile(r"^\W*([a-hア-ク1-8])\W*(?:です|だ)?\W*$", re.IGNORECASE)
_LEADING = re.compile(r"^\s*" + _OPEN + r"([a-hア-ク1-8])\s*(?:[\)\]）」】』〕>＞.．:：、,，]|\n)", re.IGNORECASE)


def _fold(text: str) -> str:
    text = "".join(_CIRCLED.get(ch, ch) for ch in text)
    return unicodedata.normalize("NFKC", text)


def label_index(label: str) -> Optional[int]:
    label = _fold(label).strip().lower()
    for labels in LABEL_SETS:
        if len(label) == 1 and label in labels:
            return labels.index(label)
    return None


def parse_options(text: str) -> dict[int, str]:
    """Options written one per line as 'a 本文' / 'ア．本文' / '1) 本文'."""
    out: dict[int, str] = {}
    for line in text.splitlines():
        match = re.match(r"^\s*" + _OPEN + r"([a-hア-ク1-8①-⑧])\s*[\)\]）.．:：、\s]\s*(.+)$", line, re.IGNORECASE)
        if match:
            index = label_index(match.group(1))
            if index is not None:
                out[index] = match.group(2).strip()
    return out


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
        text = _fold(output)
        for pattern in (_ALONE, _MARKER, _SUFFIX, _LEADING):
            match = pattern.search(text)
            if match:
                index = label_index(match.group(1))
                if index is not None and index < self.params.n_options:
                    return index
        options = self._options(item)
        if options:
            norm = re.sub(r"\s+", "", text)
            bodies = {i: re.sub(r"\s+", "", _fold(body)) for i, body in options.items()}
            hits = [i for i, body in bodies.items() if body and body in norm]
            markers = list(re.finditer(_MARKER_WORD, norm))
            if len(hits) > 1 and markers:
                # several options mentioned: keep those named after the last answer marker
                tail = norm[markers[-1].end():]
                hits = [i for i in hits if bodies[i] in tail]
            if len(hits) == 1:
                return hits[0]
        return None

    def _options(self, item: Item) -> dict[int, str]:
        raw = item.vars.get(self.params.options_var) if self.params.options_var else None
        if isinstance(raw, list):
            return {i: str(v) for i, v in enumerate(raw)}
        if isinstance(raw, str):
            return parse_options(raw)
        return {}

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
