"""`evalkit validate --self-check`: can each suite tell a good answer from a bad one?

For every item the oracle's answer (what the embedded ``oracle`` model returns) must pass all
of the item's scorers, and the ``refuse`` model's answer must pass the should-decline items and
fail the should-answer and reference-scored ones. A suite in which no item separates the two
fails as a whole. These are exactly the answers the embedded endpoint gives, computed in process.
"""

from __future__ import annotations

import re

from ..config.issues import ConfigIssue
from ..config.loader import Loaded
from ..scorers import build
from .answers import ideal_answer
from .server import REFUSAL


def self_check(loaded: Loaded) -> list[ConfigIssue]:
    suite, doc = loaded.model, loaded.doc
    issues: list[ConfigIssue] = []
    separating = 0
    checkable = 0
    for index, item in enumerate(suite.items):
        specs = suite.scorers_for(item)
        # judge verdicts need a judge endpoint: the offline self-check covers the other scorers
        scorers = [build(spec.kind, spec.params) for spec in specs if spec.kind != "judge"]
        if not scorers:
            continue
        checkable += 1
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
    # judge-only suites cannot be checked offline (no judge here): nothing to separate
    if checkable and separating == 0 and not any(i.expect == "decline" for i in suite.items):
        issues.append(doc.issue(("items",), "self-check: no item separates the oracle from the refuse model"))
    return issues


# A canary marks one file's text so that its presence in a model's training data can be detected
# (docs/suites.md, "Canary GUIDs"): `evalkit-canary:` followed by a random (version 4) GUID.
CANARY_PATTERN = re.compile(
    r"^evalkit-canary:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PLACEHOLDER_GUID = "00000000-0000-4000-8000-000000000000"


def canary_issues(files: list[Loaded]) -> list[ConfigIssue]:
    """Every suite and questionnaire carries its own well-formed canary (an error, not a warning)."""
    issues: list[ConfigIssue] = []
    first: dict[str, Loaded] = {}
    for loaded in files:
        canary = getattr(loaded.model, "canary", None)
        doc = loaded.doc
        if not canary:
            issues.append(doc.issue(("canary",), "missing: every suite file carries a canary "
                                                 "'evalkit-canary:<GUID>' (generate one with "
                                                 "python -c 'import uuid; print(uuid.uuid4())')"))
            continue
        if not CANARY_PATTERN.match(canary):
            issues.append(doc.issue(("canary",), f"'{canary}' is not of the form evalkit-canary:<random GUID> "
                                                 "(lower-case version 4 GUID)"))
            continue
        if canary.endswith(PLACEHOLDER_GUID):
            issues.append(doc.issue(("canary",), "the placeholder GUID of the documentation; generate a new one"))
            continue
        other = first.setdefault(canary, loaded)
        if other is not loaded:
            line = other.doc.pos(("canary",))[0]
            issues.append(doc.issue(("canary",), f"same canary as {other.path}:{line}; "
                                                 "each file needs its own GUID"))
    return issues
