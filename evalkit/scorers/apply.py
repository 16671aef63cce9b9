"""The score stage: stored responses -> per-scorer results in the store. No endpoint is called."""

from __future__ import annotations

import json

from ..config.suite import Item, Suite
from ..data import suite_items
from ..runner.store import RunStore
from .base import Scorer, build


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
    responses = store.responses()
    cache: dict = {}
    rows: list[tuple] = []
    scored = 0
    for req in store.iter_requests():
        resp = responses.get(req.key)
        if resp is None or not resp.ok:
            continue
        suite, item = items[(req.suite_id, req.item_id)]
        for index, (scorer, weight) in enumerate(item_scorers(suite, item, cache)):
            result = scorer.score(resp.content or "", item)
            rows.append((req.key, index, scorer.kind, float(result.score), int(result.passed), weight,
                         result.explanation, json.dumps(result.detail, ensure_ascii=False, sort_keys=True)))
        scored += 1
    store.replace_scores(rows)
    return scored
