"""The scorer contract and the registry of scorer kinds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ..config.suite import Item, Suite


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ScoreResult:
    """Score in [0, 1], pass/fail, and a short Japanese explanation for the report."""

    score: float
    passed: bool
    explanation: str
    detail: dict[str, Any] = field(default_factory=dict)
    scored: bool = True  # False: could not be scored (e.g. no judge); never counted as pass or fail


# The base params model under a second name: inside ``Scorer`` the name ``Params`` is the class attribute
_BaseParams = Params


class Scorer:
    """A scorer kind. A subclass sets ``Params`` to its params model and annotates ``params`` with the
    same model, so that its methods see the fields it declares."""

    kind: ClassVar[str]
    Params: ClassVar[type[_BaseParams]] = _BaseParams
    params: _BaseParams
    description: ClassVar[str] = ""

    def __init__(self, params: _BaseParams) -> None:
        self.params = params

    def score(self, output: str, item: Item) -> ScoreResult:
        raise NotImplementedError

    def judge_request(self, item: Item, question: str, answer: str) -> tuple[list[dict[str, str]], int] | None:
        """The judge prompt (messages, max_tokens) this answer needs, or None (most scorers need none).
        The prompt carries the question, the answer and a rubric, never the answering vendor."""
        return None

    def score_judged(self, output: str, item: Item, verdicts: list[tuple[str, str | None]]) -> ScoreResult:
        """Score with the judges' answers to ``judge_request``: (judge id, its answer text or None when
        its request failed); empty when nothing was asked or no judge ran."""
        return self.score(output, item)

    def check_item(self, item: Item) -> str | None:
        """What this item lacks for this scorer, or None when it can be scored."""
        return None

    def ideal_answer(self, item: Item) -> str | None:
        """An answer that passes this scorer, for the embedded oracle; None if any will do."""
        return None


REGISTRY: dict[str, type[Scorer]] = {}


def register(cls: type[Scorer]) -> type[Scorer]:
    if cls.kind in REGISTRY:
        raise RuntimeError(f"scorer kind {cls.kind!r} registered twice")
    REGISTRY[cls.kind] = cls
    return cls


def build(kind: str, params: dict[str, Any]) -> Scorer:
    """Instantiate a scorer; raises KeyError for an unknown kind, ValidationError for bad params."""
    cls = REGISTRY[kind]
    return cls(cls.Params.model_validate(params))


ScorerCache = dict[tuple[str, str], Scorer]  # (kind, params as canonical JSON) -> its scorer
# (answer key, scorer index) -> [(judge id, the judge's answer text, or None when its request failed)]
JudgeVerdicts = dict[tuple[str, int], list[tuple[str, str | None]]]


def item_scorers(suite: Suite, item: Item, cache: ScorerCache) -> list[tuple[Scorer, float]]:
    """The item's scorers, built once per (kind, params) in ``cache``, with their weights."""
    specs = suite.scorers_for(item)
    out: list[tuple[Scorer, float]] = []
    for spec in specs:
        key = (spec.kind, json.dumps(spec.params, sort_keys=True, ensure_ascii=False))
        if key not in cache:
            cache[key] = build(spec.kind, spec.params)
        out.append((cache[key], spec.weight))
    return out
