"""The scorer contract and the registry of scorer kinds."""

from __future__ import annotations

import copy
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
    # A leak scorer: a reasoning model's reasoning is checked too (a secret in it is a leak), unless
    # the suite says its deployment never shows or keeps the reasoning (``reasoning_may_leak``).
    checks_reasoning: ClassVar[bool] = False
    # Reads the answer's tool calls (``score_calls``) besides its text: the tool_call scorer.
    reads_calls: ClassVar[bool] = False

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

    def score_calls(self, output: str, calls: str | None, item: Item, suite: Suite | None) -> ScoreResult:
        """Score with the answer's tool calls (stored JSON, None: none) and the suite's declared tools."""
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
    """The scorer of ``kind`` with ``params``; raises KeyError for an unknown kind, ValidationError for
    bad params. Built once per (kind, params) in the process: a scorer holds only its validated params
    and what it derives from them, and validating them (pydantic, every regular expression compiled)
    costs more than scoring an answer, while loading, the oracle, the baselines, scoring and the probes
    all ask for the same scorers again."""
    try:
        key = (kind, json.dumps(params, sort_keys=True, ensure_ascii=False))
    except (TypeError, ValueError):  # not JSON (a YAML date, say): validation will say what is wrong
        return _build(kind, params)
    hit = _BUILT.get(key)
    # JSON writes the key 1 and the key "1" alike: the params themselves must be equal too
    if hit is not None and hit[0] == params:
        return hit[1]
    scorer = _build(kind, params)
    if len(_BUILT) >= _BUILT_MAX:  # bounded (a suite tree has a few thousand distinct specs)
        _BUILT.pop(next(iter(_BUILT)))
    _BUILT[key] = (copy.deepcopy(params), scorer)
    return scorer


def _build(kind: str, params: dict[str, Any]) -> Scorer:
    cls = REGISTRY[kind]
    return cls(cls.Params.model_validate(params))


_BUILT: dict[tuple[str, str], tuple[dict[str, Any], Scorer]] = {}
_BUILT_MAX = 8192


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
