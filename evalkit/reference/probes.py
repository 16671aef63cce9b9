"""Probes: known answers that every item carries, each with the verdict its scoring must give.

A probe is scored with the item's own scorers, in process, exactly as a stored answer would be in
a run without a judge. Its verdict is one of
- ``pass`` / ``fail``: the rules decide (every rule-based scorer passes / one fails);
- ``routed``: no rule fails, but a scorer cannot decide and asks a judge (a ``judge`` scorer, or a
  refusal scorer whose phrases are inconclusive). Such an answer is judged in a run with
  ``--judge`` and reported as not scored without one, never silently passed.

A probe is *wrong* when the rules give the opposite of its ``expect``. A routed probe is not wrong
(it is counted, and ``evalkit calibrate`` measures the judge on it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config.suite import Item, Suite
from ..runner.conversation import questions
from ..runner.plan import build_messages
from ..scorers.apply import item_scorers
from ..scorers.base import Scorer
from ..scorers.replies import score_replies, turn_item

PASS, FAIL, ROUTED = "pass", "fail", "routed"


@dataclass
class ProbeOutcome:
    verdict: str  # pass | fail | routed
    failed: list[str] = field(default_factory=list)  # "kind: explanation" of each rule that failed
    routed: list[tuple[int, Scorer]] = field(default_factory=list)  # (scorer index, scorer) that asked a judge
    # scorer index -> (question, answer) it read: what a judge is shown for it
    exchanges: dict[int, tuple[str, str]] = field(default_factory=dict)


def question_of(suite: Suite, item: Item) -> str:
    """The user message as a vendor receives it (what a judge is shown); a conversation's last."""
    return questions_of(suite, item)[-1]


def questions_of(suite: Suite, item: Item) -> list[str]:
    """The user message each reply answers (one for a one-message item)."""
    return questions(build_messages(suite, item))


def asks_judge(scorer: Scorer, item: Item, question: str, answer: str) -> bool:
    if scorer.kind == "judge":
        return True
    if type(scorer).judge_request is Scorer.judge_request:
        return False
    return scorer.judge_request(item, question, answer) is not None


def probe_outcome(
    suite: Suite,
    item: Item,
    answer: str | list[str],
    *,
    asked: list[str] | None = None,
    cache: dict | None = None,
    calls: list[str | None] | None = None,
) -> ProbeOutcome:
    """The verdict the item's scorers give ``answer`` without a judge: one text, or a conversation's
    replies (``Probe.answers()``), with their tool calls (``Probe.calls()``). ``asked``: the questions, when
    the caller has them (``questions_of``)."""
    cache = {} if cache is None else cache
    asked = questions_of(suite, item) if asked is None else asked
    replies = [answer] if isinstance(answer, str) else answer
    targets = suite.scored_replies(item)
    outcome = ProbeOutcome(PASS)
    for index, (scorer, _) in enumerate(item_scorers(suite, item, cache)):
        if getattr(scorer, "group", False):
            continue  # scored per counterfactual group, proved by the group's pair probes
        target = targets[index]
        n = len(replies) - 1 if target is None else target
        read = (asked[min(n, len(asked) - 1)], replies[n] if n < len(replies) else "")
        if asks_judge(scorer, turn_item(scorer, target, item), *read):
            outcome.routed.append((index, scorer))
            outcome.exchanges[index] = read
            continue
        result = score_replies(scorer, targets[index], suite, item, replies, [], [], calls or [])
        if not result.scored:
            outcome.routed.append((index, scorer))
        elif not result.passed:
            outcome.failed.append(f"{scorer.kind}: {result.explanation}")
    if outcome.failed:
        outcome.verdict = FAIL
    elif outcome.routed:
        outcome.verdict = ROUTED
    return outcome


def is_multiple_choice(suite: Suite, item: Item) -> bool:
    return all(spec.kind in ("choice", "bias") for spec in suite.scorers_for(item))


def required_probes(suite: Suite, item: Item) -> tuple[int, int]:
    """(pass probes, fail probes) an item must carry at least (docs/scorers.md, "Probes")."""
    if item.critical or suite.critical:
        return 1, 2
    area = suite.criterion.split(".")[0]
    if area in ("security", "safety"):
        return 1, 1
    if area == "admin" and not is_multiple_choice(suite, item):
        return 1, 1
    return 0, 0
