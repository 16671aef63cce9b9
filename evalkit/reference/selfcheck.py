"""`evalkit validate --self-check`: can each suite tell a good answer from a bad one?

For every item the oracle's answer (what the embedded ``oracle`` model returns) must pass all
of the item's scorers, and the ``refuse`` model's answer must pass the should-decline items and
fail the should-answer and reference-scored ones. A suite in which no item separates the two
fails as a whole. These are exactly the answers the embedded endpoint gives, computed in process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ..config.issues import ConfigIssue
from ..config.loader import Loaded
from ..config.suite import Item, Probe, Suite
from ..scorers import build
from ..scorers.base import Scorer
from ..scorers.counterfactual import is_group_kind
from .answers import ideal_answer, ideal_calls
from .probes import ROUTED, asks_judge, probe_outcome, question_of, questions_of, required_probes
from .server import REFUSAL


def self_check(loaded: Loaded, *, cacheable: bool = False) -> list[ConfigIssue]:
    """``cacheable`` (never for a sealed suite): skipped for a suite the same code found clean before."""
    from ..cache import clean_once

    issues, _ = clean_once(
        "self-check", _suite_inputs(loaded) if cacheable else None, lambda: (_self_check(loaded), None)
    )
    return issues


def _self_check(loaded: Loaded) -> list[ConfigIssue]:
    suite, doc = loaded.model, loaded.doc
    issues: list[ConfigIssue] = []
    separating = 0
    checkable = 0
    for index, item in enumerate(suite.items):
        specs = suite.scorers_for(item)
        # judge verdicts need a judge endpoint: the offline self-check covers the other scorers
        scorers = [
            build(spec.kind, spec.params) for spec in specs if spec.kind != "judge" and not is_group_kind(spec.kind)
        ]  # groups: _pair_probes
        if not scorers:
            continue
        checkable += 1
        loc = ("items", index)
        oracle_fails, routed, refuse_passes = _oracle_and_refusal(suite, item, scorers)
        if oracle_fails:
            issues.append(
                doc.issue(
                    loc,
                    f"self-check: the oracle answer fails {', '.join(oracle_fails)} "
                    f"(item '{item.id}' cannot be passed as written)",
                )
            )
        elif routed:  # the oracle must be decided as a run decides it: a scorer that would ask a judge is not enough
            issues.append(
                doc.issue(
                    loc,
                    f"self-check: the oracle answer of item '{item.id}' goes to a judge "
                    f"({', '.join(routed)}): write a reference the rules decide",
                )
            )
        if item.expect == "decline":
            if not refuse_passes:
                issues.append(doc.issue(loc, f"self-check: a polite refusal fails should-decline item '{item.id}'"))
        elif item.expect == "answer" or item.references():
            if refuse_passes:
                issues.append(
                    doc.issue(loc, f"self-check: a refusal passes item '{item.id}', which should require an answer")
                )
            elif not oracle_fails:
                separating += 1
    # judge-only suites cannot be checked offline (no judge here): nothing to separate
    if checkable and separating == 0 and not any(i.expect == "decline" for i in suite.items):
        issues.append(doc.issue(("items",), "self-check: no item separates the oracle from the refuse model"))
    return issues


def _answer_field(probe: Probe) -> str:
    """The field that holds a probe's answer (where its problems are reported)."""
    return "replies" if probe.replies is not None else "text" if probe.text is not None else "tool_calls"


def _oracle_and_refusal(suite: Suite, item: Item, scorers: list[Scorer]) -> tuple[list[str], list[str], bool]:
    """(kinds the oracle's answer fails, kinds that would send it to a judge, whether a polite refusal
    passes): ``scorers`` are the item's rule scorers; a conversation is answered turn by turn."""
    if item.turns or suite.tools:  # replies turn by turn, and tool calls: scored as a run scores them
        n = len(item.model_turns()) if item.turns else 1
        replies = [ideal_answer(suite, item, k) for k in range(n)] if item.turns else [ideal_answer(suite, item)]
        calls = ideal_calls(suite, item)
        stored = [json.dumps(calls, ensure_ascii=False) if calls else None]
        oracle = probe_outcome(suite, item, replies, calls=stored)
        fails = [f.split(":", 1)[0] for f in oracle.failed]
        routed = [] if fails else [s.kind for _, s in oracle.routed if s.kind != "judge"]
        # a conversation that ends in a refusal: the earlier turns answered well (the legitimate questions
        # that open an escalation must be answered), the last one refused
        return fails, routed, not probe_outcome(suite, item, replies[:-1] + [REFUSAL]).failed
    answer = ideal_answer(suite, item)
    fails = [s.kind for s in scorers if not s.score(answer, item).passed]
    question = question_of(suite, item)
    routed = [] if fails else [s.kind for s in scorers if asks_judge(s, item, question, answer)]
    return fails, routed, all(s.score(REFUSAL, item).passed for s in scorers)


@dataclass
class ProbeTally:
    """One suite's line in the self-check table."""

    suite_id: str
    items: int = 0
    probes: int = 0
    right: int = 0
    wrong: int = 0
    routed: int = 0
    missing: int = 0  # items with fewer probes than required


def probe_check(loaded: Loaded, *, cacheable: bool = False) -> tuple[list[ConfigIssue], ProbeTally]:
    """Score every probe of the suite with its item's scorers. One issue per item whose probes get the
    wrong verdict (at the first wrong probe's line) and per item with fewer probes than required.

    ``cacheable`` (never for a sealed suite: its probes are its answers): a suite whose probes the
    same code found all right before is not scored again (evalkit/cache.py; the key is the whole suite
    as validated, probes and items from data files included). Only clean outcomes are kept, so every
    issue is always found afresh, at its line."""
    from ..cache import clean_once

    def check() -> tuple[list[ConfigIssue], dict[str, Any]]:
        found, tally = _probe_check(loaded)
        return found, asdict(tally)

    issues, tally = clean_once("probe-check", _suite_inputs(loaded) if cacheable else None, check)
    return issues, ProbeTally(**tally)


def _suite_inputs(loaded: Loaded) -> Callable[[], Any] | None:
    """What a suite's checks depend on, as a cache key: the whole suite as validated (its items
    from data files and its probes included); None for a partial suite (never cached)."""
    if loaded.partial is not None:
        return None
    return lambda: {"suite": loaded.model.model_dump(mode="json")}


def _probe_check(loaded: Loaded) -> tuple[list[ConfigIssue], ProbeTally]:
    suite, doc = loaded.model, loaded.doc
    tally = ProbeTally(suite.id, items=len(suite.items))
    issues: list[ConfigIssue] = []
    cache: dict = {}
    for index, item in enumerate(suite.items):
        need_pass, need_fail = required_probes(suite, item)
        have_pass = sum(1 for p in item.probes if p.expect == "pass")
        have_fail = len(item.probes) - have_pass
        if have_pass < need_pass or have_fail < need_fail:
            tally.missing += 1
            issues.append(
                doc.issue(
                    ("items", index, "id"),
                    (
                        f"self-check: item '{item.id}' has {have_pass} pass / {have_fail} fail probe(s); "
                        f"it needs at least {need_pass} / {need_fail}"
                    ),
                )
            )
        if not item.probes:
            continue
        asked = questions_of(suite, item)
        wrong: list[str] = []
        first_wrong = 0  # the first probe that comes out wrong (meaningful once ``wrong`` has an entry)
        for j, probe in enumerate(item.probes):
            tally.probes += 1
            if item.turns and probe.replies is not None and len(probe.replies) != len(asked):
                tally.wrong += 1
                first_wrong = j if not wrong else first_wrong
                wrong.append(f"probes[{j}] has {len(probe.replies)} replies; the conversation has {len(asked)} turns")
                continue
            if item.turns and probe.replies is None:
                tally.wrong += 1
                first_wrong = j if not wrong else first_wrong
                wrong.append(f"probes[{j}] of a conversation needs replies (one per turn), not text")
                continue
            outcome = probe_outcome(suite, item, probe.answers(), asked=asked, cache=cache, calls=probe.calls())
            if outcome.verdict == ROUTED:
                tally.routed += 1
            elif outcome.verdict == probe.expect:
                tally.right += 1
            else:
                tally.wrong += 1
                if not wrong:
                    first_wrong = j
                if probe.expect == "fail":
                    wrong.append(f"probes[{j}] must fail but passes")
                else:
                    wrong.append(f"probes[{j}] must pass but fails ({outcome.failed[0]})")
        if wrong:
            issues.append(
                doc.issue(
                    ("items", index, "probes", first_wrong, _answer_field(item.probes[first_wrong])),
                    f"self-check: item '{item.id}': " + "; ".join(wrong),
                )
            )
    _pair_probes(loaded, tally, issues)
    return issues, tally


def _pair_probes(loaded: Loaded, tally: ProbeTally, issues: list[ConfigIssue]) -> None:
    """Counterfactual groups (meta.pair): their pair probes and the members' oracle answers, counted in
    the suite's line like item probes (evalkit.reference.pair_probes)."""
    from .pair_probes import pair_probe_check

    found, counts = pair_probe_check(loaded)
    issues += found
    for name, n in counts.items():
        setattr(tally, name, getattr(tally, name) + n)


def probe_table(tallies: list[ProbeTally]) -> str:
    """The per-suite table that ``validate --self-check`` prints."""
    head = ("suite", "items", "probes", "right", "wrong", "routed", "missing")
    counts = [(t.items, t.probes, t.right, t.wrong, t.routed, t.missing) for t in tallies]
    rows: list[tuple[str | int, ...]] = [(t.suite_id, *c) for t, c in zip(tallies, counts, strict=True)]
    rows.append(("(total)", *(sum(c[i] for c in counts) for i in range(len(head) - 1))))
    width = max(len(head[0]), *(len(str(r[0])) for r in rows))
    lines = [f"{head[0]:<{width}}  " + "  ".join(f"{h:>6}" for h in head[1:])]
    lines += [f"{r[0]:<{width}}  " + "  ".join(f"{v:>6}" for v in r[1:]) for r in rows]
    return "\n".join(lines)


def baseline_check(criteria: Loaded, suites: list[Loaded]) -> tuple[list[ConfigIssue], str]:
    """Refuse-everything and echo baselines must fail every behaviour gate (issues at the gate's line
    in criteria.yaml), and the table of their scores per criterion."""
    from .baselines import BASELINES, baseline_results, behaviour_gates, node_locations

    tree = criteria.model
    models = [s.model for s in suites]
    results = baseline_results(tree, models)
    where = node_locations(tree)
    issues = []
    gated = behaviour_gates(tree, models)
    for node in gated:
        for model, data in results.items():
            status = data["gates"].get(node)
            if status != "不適合":
                issues.append(
                    criteria.doc.issue(
                        (*where[node], "gate"),
                        (
                            f"self-check: the {model} baseline ({data['label']}) gets {status or 'no verdict'} "
                            f"at gate '{node}': a model that "
                            f"{'refuses everything' if model == 'refuse' else 'repeats the prompt'} "
                            "must fail every gate that tests behaviour"
                        ),
                    )
                )
    lines = [f"{'baseline (no judge)':<34} " + "  ".join(f"{m:>14}" for m in BASELINES)]
    for node, depth, _ in tree.walk():
        cells = []
        for model in BASELINES:
            score = results[model]["scores"].get(node.id)
            gate = results[model]["gates"].get(node.id) if node.id in gated else None
            cell = "-" if score is None else f"{score * 100:.1f}"
            cells.append(f"{cell + (' ' + gate if gate else ''):>14}")
        lines.append(f"{'  ' * depth + node.id:<34} " + "  ".join(cells))
    return issues, "\n".join(lines)


def choice_baseline_check(suites: list[Loaded]) -> tuple[list[ConfigIssue], str]:
    """Overlap and longest-option heuristics per suite with multiple-choice items: one issue (at the
    suite's id) per suite where a heuristic is NOT near chance, and the table (empty: no such suite)."""
    from .baselines import FLAG_MARGIN, FLAG_P, choice_baseline_table, choice_baselines

    issues: list[ConfigIssue] = []
    rows = []
    for loaded in suites:
        row = choice_baselines(loaded.model)
        if row is None:
            continue
        rows.append(row)
        flagged = row.flagged()
        if flagged:
            found = ", ".join(
                f"{h} {row.right[h]}/{row.items} ({row.accuracy(h):.1%}, p={row.p[h]:.1g})" for h in flagged
            )
            issues.append(
                loaded.doc.issue(
                    ("id",),
                    (
                        f"self-check: multiple choice answerable without a model: {found} against chance "
                        f"{row.chance:.1%} (rule: one-sided exact test p < {FLAG_P} and more than "
                        f"{FLAG_MARGIN:.0%} above chance); rewrite the distractors (docs/scorers.md)"
                    ),
                )
            )
    return issues, (choice_baseline_table(rows) if rows else "")


# A canary marks one file's text so that its presence in a model's training data can be detected
# (docs/suites.md, "Canary GUIDs"): `evalkit-canary:` followed by a random (version 4) GUID.
CANARY_PATTERN = re.compile(r"^evalkit-canary:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PLACEHOLDER_GUID = "00000000-0000-4000-8000-000000000000"


def canary_issues(files: list[Loaded]) -> list[ConfigIssue]:
    """Every suite and questionnaire carries its own well-formed canary (an error, not a warning)."""
    issues: list[ConfigIssue] = []
    first: dict[str, Loaded] = {}
    for loaded in files:
        canary = getattr(loaded.model, "canary", None)
        doc = loaded.doc
        if not canary:
            issues.append(
                doc.issue(
                    ("canary",),
                    "missing: every suite file carries a canary "
                    "'evalkit-canary:<GUID>' (generate one with "
                    "python -c 'import uuid; print(uuid.uuid4())')",
                )
            )
            continue
        if not CANARY_PATTERN.match(canary):
            issues.append(
                doc.issue(
                    ("canary",),
                    f"'{canary}' is not of the form evalkit-canary:<random GUID> (lower-case version 4 GUID)",
                )
            )
            continue
        if canary.endswith(PLACEHOLDER_GUID):
            issues.append(doc.issue(("canary",), "the placeholder GUID of the documentation; generate a new one"))
            continue
        other = first.setdefault(canary, loaded)
        if other is not loaded:
            line = other.doc.pos(("canary",))[0]
            issues.append(doc.issue(("canary",), f"same canary as {other.path}:{line}; each file needs its own GUID"))
    return issues
