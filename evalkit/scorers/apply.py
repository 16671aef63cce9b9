"""The score stage: stored responses -> per-scorer results in the store. No endpoint is called."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..config.suite import Item, Suite
from ..data import suite_items
from ..runner.store import RunStore
from .base import Scorer, ScorerCache, ScoreResult, item_scorers
from .counterfactual import PairScoring
from .replies import score_replies

__all__ = [
    "Prescored",
    "ScoreRow",
    "item_scorers",
    "prescore",
    "score_store",
]  # item_scorers: re-exported for the judge planner and probes

# A row of the scores table: (key, scorer_index, kind, score, passed, weight, explanation, detail_json);
# score and passed are None when the answer could not be scored
ScoreRow = tuple[str, int, str, float | None, int | None, float, str, str]

# json.dumps(detail, ensure_ascii=False, sort_keys=True), without building an encoder for every row
_detail_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


# The scorers of a list of specs (by identity: an item without its own scorers has the suite's), with
# their weights and whether each is a group scorer; the specs are kept, so their ids stay theirs
Built = dict[tuple[int, ...], tuple[list[object], list[tuple[Scorer, float, bool]]]]


def _scorers_of(built: Built, cache: ScorerCache, suite: Suite, item: Item) -> list[tuple[Scorer, float, bool]]:
    specs: list[object] = list(suite.scorers_for(item))
    ident = tuple(map(id, specs))
    hit = built.get(ident)
    if hit is None:
        scorers = [(s, w, bool(getattr(s, "group", False))) for s, w in item_scorers(suite, item, cache)]
        hit = built[ident] = (specs, scorers)
    return hit[1]


class Prescored:
    """Answers scored while the run is still sending (the finish helper, evalkit/finisher.py), for
    :func:`score_store` to take instead of scoring them again.

    Only rows nothing that arrives later can change: a run with no judge (no verdict can come) and no
    sealed suite, an answer (not a conversation) whose scorers read no other answer (no group scorer).
    Each row set is kept with the answer it was computed from, and taken only for that same answer.
    ``suites`` must be the very objects ``score_store`` is then given (the scorers are built per spec)."""

    def __init__(self, suites: list[Suite]) -> None:
        self.suites = suites
        self.items = {(s.id, it.id): (s, it) for s in suites for it in suite_items(s)}
        self.cache: ScorerCache = {}
        self.built: Built = {}
        # key -> ((content, reasoning, tool calls), its rows)
        self.rows: dict[str, tuple[tuple[str | None, str | None, str | None], list[ScoreRow]]] = {}
        self.last = 0  # the responses' rowid read up to


def prescore(store: RunStore, done: Prescored) -> int:
    """Score the answers stored since the last call that :class:`Prescored` may hold; how many."""
    scored = 0
    for rowid, key, suite_id, item_id, content, reasoning, call in store.db.execute(
        "SELECT p.rowid, r.key, r.suite_id, r.item_id, p.content, p.reasoning, p.tool_calls FROM requests r "
        "JOIN responses p ON p.key = r.key WHERE p.ok = 1 AND p.rowid > ? ORDER BY p.rowid",
        (done.last,),
    ):
        done.last = max(done.last, rowid)
        hit = done.items.get((suite_id, item_id))
        if hit is None or hit[1].turns:
            continue
        suite, item = hit
        scorers = _scorers_of(done.built, done.cache, suite, item)
        if any(group for _, _, group in scorers):
            continue
        rows = []
        for index, (scorer, weight, _) in enumerate(scorers):
            result = score_replies(scorer, None, suite, item, [content or ""], [reasoning], [], [call])
            rows.append(_row(key, index, scorer.kind, weight, result, result.explanation, result.detail))
        done.rows[key] = ((content, reasoning, call), rows)
        scored += 1
    return scored


def _row(
    key: str, index: int, kind: str, weight: float, result: ScoreResult, explanation: str, detail: Any
) -> ScoreRow:
    """A scores-table row of one scorer's result (with the explanation and detail to store)."""
    score, passed = (float(result.score), int(result.passed)) if result.scored else (None, None)
    return (key, index, kind, score, passed, weight, explanation, _detail_json(detail))


def score_store(
    store: RunStore,
    *,
    keep_sealed: bool = False,
    write: bool = True,
    suites: list[Suite] | None = None,
    prescored: Prescored | None = None,
) -> int:
    """(Re)score every successful response; returns the number of responses scored.

    Sealed suites (``meta.sealed``) are scored with their plaintext from ``store.unsealed`` (opened
    with the key); their rows keep only a placeholder explanation and a keyed digest of the real
    explanation and detail, which stay in memory (``store.unsealed``) for analysis and ``--reveal``.
    Without the plaintext: ``keep_sealed`` keeps their stored rows as they are (a partial check),
    otherwise it is an error. ``write=False`` fills ``store.unsealed`` without touching the store.
    ``suites``: the run's suites as stored, when the caller has read them already (``load_run``).
    ``prescored``: rows computed during the send (:func:`prescore`), each taken for the answer it was
    computed from; only when they were computed from these very ``suites``, else ignored.
    """
    from ..errors import UsageError
    from ..integrity.sealed import SEALED_EXPLANATION, needs_key_message

    if prescored is not None and prescored.suites is not suites:  # other suite objects: other scorers
        prescored = None

    by_id: dict[str, Suite] = (
        {s.id: s for s in suites}
        if suites is not None
        else {s["id"]: Suite.model_validate(s) for s in store.get_meta("suites", [])}
    )
    sealed_ids = set(store.get_meta("sealed") or {})
    unsealed = store.unsealed
    if sealed_ids and unsealed is None and not keep_sealed:
        raise UsageError(needs_key_message(store))
    if unsealed is not None:
        by_id.update(unsealed.suites)
    kept: list[ScoreRow] = []
    if sealed_ids and unsealed is None:  # keep_sealed: the rows of sealed suites stay as stored
        marks = ",".join("?" * len(sealed_ids))
        kept = list(
            store.db.execute(
                f"SELECT s.* FROM scores s JOIN requests r ON r.key = s.key WHERE r.suite_id IN ({marks}) "
                "ORDER BY r.rowid, s.scorer_index",
                sorted(sealed_ids),
            )
        )
    items = {(sid, it.id): (suite, it) for sid, suite in by_id.items() for it in suite_items(suite)}
    cache: ScorerCache = prescored.cache if prescored is not None else {}
    built: Built = prescored.built if prescored is not None else {}
    ready = prescored.rows if prescored is not None else {}
    scored = 0
    verdicts = store.judge_verdicts()  # judges' answers, from the store: scoring never calls anything
    pairs = PairScoring(store, by_id, verdicts, cache)  # a group scorer reads the other members' answers
    turns = store.conversation_replies()  # conversation key -> (replies, reasonings, tool calls), in turn order
    calls = store.tool_calls()  # key -> the answer's tool calls

    def rows() -> Iterator[ScoreRow]:
        nonlocal scored
        yield from kept
        for key, suite_id, item_id, content, reasoning in store.answered():
            sealed = suite_id in sealed_ids
            if sealed and unsealed is None:
                continue
            if not write and not sealed:
                continue
            done = ready.get(key)
            if done is not None and done[0] == (content, reasoning, calls.get(key)):
                yield from done[1]
                scored += 1
                continue
            suite, item = items[(suite_id, item_id)]
            if item.turns:  # a conversation: every reply, from the turns table
                replies, reasonings, made = turns.get(key) or ([content or ""], [reasoning], [calls.get(key)])
            else:
                replies, reasonings, made = [content or ""], [reasoning], [calls.get(key)]
            targets = suite.scored_replies(item) if item.turns else None  # None: every scorer reads the reply
            for index, (scorer, weight, group) in enumerate(_scorers_of(built, cache, suite, item)):
                if group:
                    result = pairs.score(key, index, scorer, suite, item)
                else:
                    found = verdicts.get((key, index), [])
                    target = targets[index] if targets is not None else None
                    result = score_replies(scorer, target, suite, item, replies, reasonings, found, made)
                explanation, detail = result.explanation, result.detail
                if sealed:
                    unsealed.details[(key, index)] = detail
                    unsealed.explanations[(key, index)] = explanation
                    detail = {"sealed": unsealed.infos[suite_id].digest([explanation, detail])}
                    explanation = SEALED_EXPLANATION
                yield _row(key, index, scorer.kind, weight, result, explanation, detail)
            scored += 1

    if write:
        store.replace_scores(rows())  # streamed: memory stays flat however large the run
    else:
        for _ in rows():
            pass
    return scored
