"""Plan the judge's requests: one per (answer, judge scorer, judge), after the answers arrive."""

from __future__ import annotations

from collections.abc import Iterable

from ..config.generation import Generation
from ..config.suite import Suite
from ..config.vendor import Vendor
from ..data import suite_items
from ..scorers.apply import item_scorers
from ..scorers.base import Scorer, ScorerCache
from ..scorers.replies import turn_item
from .conversation import questions
from .plan import build_messages, endpoint_id, request_key
from .store import PlannedRequest, RunStore


def plan_judging(
    store: RunStore, suites: Iterable[Suite], judges: list[Vendor]
) -> list[tuple[PlannedRequest, str, int]]:
    """(request to a judge, key of the answer it judges, index of the scorer) for every answer one
    of its scorers wants judged: a judge scorer always, a refusal scorer with ``judge_fallback``
    when its phrases are inconclusive. Only the question, the answer and the rubric go into the
    prompt: the judged vendor's identity never does."""
    if not judges:
        return []
    items = {(s.id, it.id): (s, it) for s in suites for it in suite_items(s)}
    epochs = dict(store.db.execute("SELECT key, epoch FROM requests"))
    cache: ScorerCache = {}
    out: list[tuple[PlannedRequest, str, int]] = []
    conversations = store.conversation_replies()
    for key, suite_id, item_id, content, _ in store.answered():  # judges see the answer, never the reasoning
        suite, item = items[(suite_id, item_id)]
        epoch = epochs[key]
        users: list[str] | None = None
        replies = conversations[key][0] if item.turns and key in conversations else [content or ""]
        targets = suite.scored_replies(item)
        for index, (scorer, _) in enumerate(item_scorers(suite, item, cache)):
            if type(scorer).judge_request is Scorer.judge_request:
                continue  # this kind never asks a judge
            if users is None:  # the questions as sent, rebuilt from the suite in memory (a sealed
                # suite's store row holds only a placeholder)
                users = questions(build_messages(suite, item))
            target = targets[index]
            n = len(users) - 1 if target is None else target
            answer = replies[n] if n < len(replies) else ""
            request = scorer.judge_request(turn_item(scorer, target, item), users[n], answer)
            if request is None:
                continue
            messages, max_tokens = request
            for judge in judges:
                base = Generation(temperature=0, max_tokens=max_tokens)
                params = base.merged(judge.generation).request_params()
                jkey = request_key(judge.id, endpoint_id(judge), judge.model, messages, params, epoch)
                out.append((PlannedRequest(jkey, judge.id, suite_id, item_id, epoch, messages, params), key, index))
    return out
