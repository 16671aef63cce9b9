"""Self-check of counterfactual groups: the members' oracle answers and the groups' pair probes.

A group (items sharing ``meta.pair``) is scored for difference by a group scorer (``counterfactual``)
from every member's answer. The self-check proves that scoring as it proves an item's:

- the oracle: every member answered with its oracle answer (its ``reference``) must give a group that
  does not differ — the members' references must not differ in the features;
- pair probes (``meta.pair_probes`` on one member, usually the last): answer tuples, one answer per
  member, each with the verdict the group must get. Each member's own verdict is computed as in a run
  without a judge (a scorer that needs one leaves the member unscored, and the group routed);
- every group carries at least ``MIN_PASS`` passing and ``MIN_FAIL`` failing tuples.

Counts go into the suite's self-check line: probes, right, wrong, routed, missing (groups short of
tuples, or whose oracle answers differ).
"""

from __future__ import annotations

from ..config.issues import ConfigIssue
from ..config.loader import Loaded
from ..scorers.apply import item_scorers
from ..scorers.counterfactual import Member, group_features, group_probes, own_verdict, pair_members, uses_groups
from .answers import ideal_answer

MIN_PASS, MIN_FAIL = 1, 2


def _group_scorers(suite, item, cache) -> list:
    return [s for s, _ in item_scorers(suite, item, cache) if getattr(s, "group", False)]


def group_verdict(suite, members, answers: dict, cache: dict) -> tuple[str, list[str]]:
    """("pass" | "fail" | "routed", the explanations of the group scorers that failed or routed) for one
    answer per member (item id -> text), without a judge."""
    built = [
        Member(m, answers.get(m.id), own_verdict(suite, m, answers[m.id], {}, cache) if m.id in answers else None)
        for m in members
    ]
    features = group_features(members)
    failed, routed = [], []
    pair = members[0].meta.get("pair")
    for scorer in _group_scorers(suite, members[0], cache):
        result = scorer.score_group(pair, built, features)
        if not result.scored:
            routed.append(result.explanation)
        elif not result.passed:
            failed.append(result.explanation)
    if failed:
        return "fail", failed
    return ("routed", routed) if routed else ("pass", [])


def pair_probe_check(loaded: Loaded) -> tuple[list[ConfigIssue], dict[str, int]]:
    suite, doc = loaded.model, loaded.doc
    counts = {"probes": 0, "right": 0, "wrong": 0, "routed": 0, "missing": 0}
    issues: list[ConfigIssue] = []
    if suite is None or not uses_groups(suite):
        return issues, counts
    index_of = {it.id: i for i, it in enumerate(suite.items)}
    cache: dict = {}
    for pair, members in pair_members(suite).items():
        first = index_of.get(members[0].id)
        loc = ("items", first, "meta", "pair") if first is not None else ("items",)
        if len(members) < 2:
            continue  # reported by validate (group_issues)
        oracle = {m.id: ideal_answer(suite, m) for m in members}
        verdict, why = group_verdict(suite, members, oracle, cache)
        if verdict != "pass":
            counts["missing"] += 1
            issues.append(
                doc.issue(
                    loc,
                    f"self-check: group '{pair}': the members' oracle answers (references) "
                    f"do not pass the group: {' / '.join(why) or verdict}",
                )
            )
        probes = group_probes(members)
        n_pass = sum(1 for _, _, p in probes if p.expect == "pass")
        n_fail = len(probes) - n_pass
        if n_pass < MIN_PASS or n_fail < MIN_FAIL:
            counts["missing"] += 1
            issues.append(
                doc.issue(
                    loc,
                    f"self-check: group '{pair}' has {n_pass} pass / {n_fail} fail pair "
                    f"probe(s); it needs at least {MIN_PASS} / {MIN_FAIL}",
                )
            )
        for holder, j, probe in probes:
            counts["probes"] += 1
            if set(probe.answers) != {m.id for m in members}:
                counts["wrong"] += 1  # validate names the members it lacks or has too many of
                continue
            verdict, why = group_verdict(suite, members, probe.answers, cache)
            if verdict == "routed":
                counts["routed"] += 1
            elif verdict == probe.expect:
                counts["right"] += 1
            else:
                counts["wrong"] += 1
                where = index_of.get(holder.id)
                ploc = ("items", where, "meta", "pair_probes", j) if where is not None else loc
                said = "must fail but passes" if probe.expect == "fail" else f"must pass but fails ({why[0]})"
                issues.append(doc.issue(ploc, f"self-check: group '{pair}': pair_probes[{j}] {said}"))
    return issues, counts
