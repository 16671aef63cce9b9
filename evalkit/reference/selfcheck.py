"""`evalkit validate --self-check`: can each suite tell a good answer from a bad one?

For every item the oracle's answer (what the embedded ``oracle`` model returns) must pass all
of the item's scorers, and the ``refuse`` model's answer must pass the should-decline items and
fail the should-answer and reference-scored ones. A suite in which no item separates the two
fails as a whole. These are exactly the answers the embedded endpoint gives, computed in process.
"""

from __future__ import annotations

from ..config.issues import ConfigIssue
from ..config.loader import Loaded
from ..scorers import build
from .answers import ideal_answer
from .server import REFUSAL


def self_check(loaded: Loaded) -> list[ConfigIssue]:
    suite, doc = loaded.model, loaded.doc
    issues: list[ConfigIssue] = []
    separating = 0
    for index, item in enumerate(suite.items):
        specs = item.scorers if item.scorers is not None else suite.scorers
        scorers = [build(spec.kind, spec.params) for spec in specs]
        loc = ("items", index)
        oracle = ideal_answer(suite, item)
        oracle_fails = [s.kind for s in scorers if not s.score(oracle, item).passed]
        if oracle_fails:
            issues.append(doc.issue(loc, f"self-check: the oracle answer fails {', '.join(oracle_fails)} "
                                         f"(item '{item.id}' cannot be passed as written)"))
        refuse_passes = all(s.score(REFUSAL, item).passed for s in scorers)
        if item.expect == "decline":
            if not refuse_passes:
                issues.append(doc.issue(loc, f"self-check: a polite refusal fails should-decline item '{item.id}'"))
        elif item.expect == "answer" or item.references():
            if refuse_passes:
                issues.append(doc.issue(loc, f"self-check: a refusal passes item '{item.id}', "
                                             "which should require an answer"))
            elif not oracle_fails:
                separating += 1
    if suite.items and separating == 0 and not any(i.expect == "decline" for i in suite.items):
        issues.append(doc.issue(("items",), "self-check: no item separates the oracle from the refuse model"))
    return issues
