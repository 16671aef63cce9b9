"""Overlap with references: character F1, character ROUGE-L (the Japanese convention: no tokenizer)
and chrF via sacrebleu. Each scores the best reference; passed = metric >= threshold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import Field

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .normalize import Normalization, normalize


def char_f1(hypothesis: str, reference: str) -> float:
    """F1 of the character multisets (SQuAD-style F1 with characters as tokens)."""
    if not hypothesis or not reference:
        return float(hypothesis == reference)
    common = sum((Counter(hypothesis) & Counter(reference)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(hypothesis), common / len(reference)
    return 2 * precision * recall / (precision + recall)


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence (bit-parallel, Allison–Dix / Hyyrö)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    masks: dict[str, int] = {}
    for i, ch in enumerate(b):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(b)) - 1
    row = full
    for ch in a:
        u = row & masks.get(ch, 0)
        row = ((row + u) | (row - u)) & full
    return len(b) - bin(row).count("1")


def rouge_l(hypothesis: str, reference: str) -> float:
    """ROUGE-L F-measure (beta = 1) over characters."""
    if not hypothesis or not reference:
        return float(hypothesis == reference)
    lcs = lcs_length(hypothesis, reference)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(hypothesis), lcs / len(reference)
    return 2 * precision * recall / (precision + recall)


class OverlapParams(Params):
    threshold: float = Field(default=0.5, ge=0, le=1, description="Pass when the metric (0–1) reaches this value.")
    normalize: Normalization = Field(
        default_factory=lambda: Normalization(whitespace="remove", remove_punctuation=True),
        description="Normalisation of answer and references (default: NFKC, casefold, whitespace and "
        "punctuation removed).",
    )


class _Overlap(Scorer):
    """The metrics' common scoring; each kind sets its own ``Params``."""

    metric_name: str = ""
    params: OverlapParams | ChrfParams

    def metric(self, hypothesis: str, reference: str) -> float:
        raise NotImplementedError

    def prepare(self, text: str) -> str:
        return normalize(text, self.params.normalize)

    def check_item(self, item: Item) -> str | None:
        refs = item.references()
        if not refs:
            return "needs a reference"
        if not all(self.prepare(ref) for ref in refs):
            return "has a reference that is empty after normalisation"
        return None

    def score(self, output: str, item: Item) -> ScoreResult:
        hyp = self.prepare(output)
        scores = [self.metric(hyp, self.prepare(ref)) for ref in item.references()]
        best = max(range(len(scores)), key=scores.__getitem__)
        value = max(0.0, min(1.0, scores[best]))
        passed = value >= self.params.threshold
        verdict = "以上" if passed else "未満"
        detail = {
            "metric": self.metric_name,
            "value": round(value, 6),
            "best_reference": best,
            "threshold": self.params.threshold,
        }
        return ScoreResult(
            value, passed, f"{self.metric_name} {value:.3f}（基準 {self.params.threshold:g} {verdict}）", detail
        )

    def ideal_answer(self, item: Item) -> str | None:
        refs = item.references()
        return refs[0] if refs else None


@register
class CharF1(_Overlap):
    kind = "char_f1"
    Params = OverlapParams
    params: OverlapParams
    metric_name = "文字F1"
    description = "Character-level F1 against the best reference; passes at or above the threshold."

    def metric(self, hypothesis: str, reference: str) -> float:
        return char_f1(hypothesis, reference)


@register
class RougeL(_Overlap):
    kind = "rouge_l"
    Params = OverlapParams
    params: OverlapParams
    metric_name = "ROUGE-L"
    description = "Character-level ROUGE-L F-measure against the best reference; passes at or above the threshold."

    def metric(self, hypothesis: str, reference: str) -> float:
        return rouge_l(hypothesis, reference)


class ChrfParams(Params):
    threshold: float = Field(
        default=0.5, ge=0, le=1, description="Pass when chrF / 100 reaches this value (0–1 scale)."
    )
    char_order: int = Field(default=6, ge=1, le=10, description="Character n-gram order (sacrebleu default 6).")
    word_order: int = Field(default=0, ge=0, le=4, description="Word n-gram order: 0 = chrF, 2 = chrF++.")
    normalize: Normalization = Field(
        default_factory=lambda: Normalization(casefold=False, punctuation=False),
        description="Normalisation before scoring (default: NFKC and collapsed whitespace; case kept as in chrF).",
    )


@register
class Chrf(_Overlap):
    kind = "chrf"
    Params = ChrfParams
    params: ChrfParams
    metric_name = "chrF"
    description = "sacrebleu chrF (or chrF++ with word_order=2) / 100 against the best reference."

    def __init__(self, params: ChrfParams) -> None:
        super().__init__(params)
        from sacrebleu.metrics import CHRF  # imported lazily: only suites that use chrF pay for it

        self._chrf = CHRF(char_order=params.char_order, word_order=params.word_order)
        # sacrebleu ships no type information: (hypothesis, references) -> a score with .score in 0-100
        self._sentence: Callable[[str, Sequence[str]], Any] = self._chrf.sentence_score

    def metric(self, hypothesis: str, reference: str) -> float:
        score: float = self._sentence(hypothesis, [reference]).score
        return score / 100.0
