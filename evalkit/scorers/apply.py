"""The score stage: stored responses -> per-scorer results in the store. No endpoint is called."""

from __future__ import annotations

import json
from typing import Iterator

from ..config.suite import Item, Suite
from ..data import suite_items
from ..runner.store import RunStore
from .base import Scorer, build
from .judge import Judge


def item_scorers(suite: Suite, item: Item, cache: dict) -> list[tuple[Scorer, float]]:
    specs = item.scorers if item.scorers is not None else suite.scorers
    out = []
    for spec in specs:
        key = (spec.kind, json.dumps(spec.params, sort_keys=True, ensure_ascii=False))
        if key not in cache:
            cache[key] = build(spec.kind, spec.params)
        out.append((cache[key], spec.weight))
    return out


def score_store(store: RunStore) -> int:
    """(Re)score every successful response; returns the number of responses scored."""
    suites = {s["id"]: Suite.model_validate(s) for s in store.get_meta("suites", [])}
    items = {(sid, it.id): (suite, it) for sid, suite in suites.items() for it in suite_items(suite)}
    cache: dict = {}
    scored = 0
    verdicts = store.judge_verdicts()  # judges' answers, from the store: scoring never calls anything

    def rows() -> Iterator[tuple]:
        nonlocal scored
        for key, suite_id, item_id, content in store.answered():
            suite, item = items[(suite_id, item_id)]
            for index, (scorer, weight) in enumerate(item_scorers(suite, item, cache)):
                if isinstance(scorer, Judge):
                    result = scorer.from_verdicts(verdicts.get((key, index), []), item)
                else:
                    result = scorer.score(content or "", item)
                score, passed = (float(result.score), int(result.passed)) if result.scored else (None, None)
                yield (key, index, scorer.kind, score, passed, weight,
                       result.explanation, json.dumps(result.detail, ensure_ascii=False, sort_keys=True))
            scored += 1

    store.replace_scores(rows())  # streamed: memory stays flat however large the run
    return scored
