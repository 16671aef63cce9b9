"""Plan the judge's requests: one per (answer, judge scorer, judge), after the answers arrive."""

from __future__ import annotations

from typing import Iterable

from ..config.generation import Generation
from ..config.suite import Suite
from ..config.vendor import Vendor
from ..data import suite_items
from ..scorers import build
from ..scorers.judge import Judge, judge_messages
from .plan import build_messages, endpoint_id, request_key
from .store import PlannedRequest, RunStore


def plan_judging(store: RunStore, suites: Iterable[Suite], judges: list[Vendor]) -> list[tuple[PlannedRequest, str, int]]:
    """(request to a judge, key of the answer it judges, index of the judge scorer) for every
    answered request whose item has a judge scorer. Only the question, the answer and the rubric
    go into the prompt: the judged vendor's identity never does."""
    if not judges:
        return []
    items = {(s.id, it.id): (s, it) for s in suites for it in suite_items(s)}
    epochs = dict(store.db.execute("SELECT key, epoch FROM requests"))
    out: list[tuple[PlannedRequest, str, int]] = []
    for key, suite_id, item_id, content in store.answered():
        suite, item = items[(suite_id, item_id)]
        specs = item.scorers if item.scorers is not None else suite.scorers
        epoch = epochs[key]
        for index, spec in enumerate(specs):
            if spec.kind != "judge":
                continue
            scorer = build(spec.kind, spec.params)
            assert isinstance(scorer, Judge)
            # the question as sent, rebuilt from the suite in memory (a sealed suite's store row holds
            # only a placeholder)
            user = [m["content"] for m in build_messages(suite, item) if m["role"] == "user"][-1]
            messages = judge_messages(scorer.params, item, user, content or "")
            for judge in judges:
                base = Generation(temperature=0, max_tokens=scorer.params.max_tokens)
                params = base.merged(judge.generation).request_params()
                jkey = request_key(judge.id, endpoint_id(judge), judge.model, messages, params, epoch)
                out.append((PlannedRequest(jkey, judge.id, suite_id, item_id, epoch, messages, params), key, index))
    return out
