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
from ..runner.plan import build_messages
from ..scorers.apply import item_scorers
from ..scorers.base import Scorer

PASS, FAIL, ROUTED = "pass", "fail", "routed"


@dataclass
class ProbeOutcome:
    verdict: str  # pass | fail | routed
    failed: list[str] = field(default_factory=list)  # "kind: explanation" of each rule that failed
    routed: list[tuple[int, Scorer]] = field(default_factory=list)  # (scorer index, scorer) that asked a judge


def question_of(suite: Suite, item: Item) -> str:
    """The user message as a vendor receives it (what a judge is shown)."""
    users = [m["content"] for m in build_messages(suite, item) if m["role"] == "user"]
    return users[-1] if users else ""


def asks_judge(scorer: Scorer, item: Item, question: str, answer: str) -> bool:
    if scorer.kind == "judge":
        return True
    if type(scorer).judge_request is Scorer.judge_request:
        return False
    return scorer.judge_request(item, question, answer) is not None


def probe_outcome(
    suite: Suite, item: Item, text: str, *, question: str | None = None, cache: dict | None = None
) -> ProbeOutcome:
    """The verdict the item's scorers give ``text`` without a judge."""
    cache = {} if cache is None else cache
    question = question_of(suite, item) if question is None else question
    outcome = ProbeOutcome(PASS)
    for index, (scorer, _) in enumerate(item_scorers(suite, item, cache)):
        if getattr(scorer, "group", False):
            continue  # scored per counterfactual group, proved by the group's pair probes
        if asks_judge(scorer, item, question, text):
            outcome.routed.append((index, scorer))
            continue
        result = scorer.score(text, item)
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
