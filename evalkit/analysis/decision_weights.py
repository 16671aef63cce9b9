"""Sensitivity of the decision to the criteria weights.

Every non-root node's weight is multiplied by 0.8 and by 1.2 in turn (its siblings unchanged; the tree
renormalises as it always does), and every vendor's tree is recomputed by ``aggregate.vendor_tree`` —
the same code that makes the report's totals and gates — with the changed criteria: totals, the gates
that read a node score (``min_score``; critical-failure gates do not depend on weights but come out of
the same call), the verdicts and the ranking (verdict first, then the total, as ``aggregate`` ranks).
Point estimates only. The result says, per move, what changed, and overall which decisions (the first
place, each vendor's verdict, the whole order) survive every move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..config.criteria import CriteriaFile
from ..config.vendor import Vendor

FACTORS = (0.8, 1.2)

# a vendor's (total, verdict, {gated node id: gate status}) under some criteria
Outcome = tuple[float | None, str, dict[str, str]]
# (criteria) -> {vendor id: outcome}, vendors in the run's order
Evaluate = Callable[[CriteriaFile], dict[str, Outcome]]


def rank_order(outcome: Mapping[str, Outcome], verdict_order: Mapping[str, int]) -> list[str]:
    """Vendor ids in rank order, with ``aggregate``'s key: verdict, a total before none, higher total."""
    return sorted(
        outcome,
        key=lambda vid: (verdict_order.get(outcome[vid][1], 3), outcome[vid][0] is None, -(outcome[vid][0] or 0)),
    )


def weight_sensitivity(
    criteria: CriteriaFile, evaluate: Evaluate, verdict_order: Mapping[str, int], vendors: Sequence[Vendor]
) -> dict[str, Any]:
    """{factors, baseline: {ranks, totals, verdicts}, variants: [...], skipped: [...], robust: {...}}.

    variants: {node, title, depth, weight, factor, new_weight, totals, ranks, order_changed, first_changed,
    swaps: [{a, b}] (a was ahead of b, now behind), verdict_changes: [{vendor, from, to}],
    gate_changes: [{vendor, node, from, to}], max_total_change, changed}.
    """
    base = evaluate(criteria)
    base_order = rank_order(base, verdict_order)
    out: dict[str, Any] = {
        "factors": list(FACTORS),
        "baseline": {
            "ranks": {vid: i for i, vid in enumerate(base_order, 1)},
            "totals": {vid: base[vid][0] for vid in base_order},
            "verdicts": {vid: base[vid][1] for vid in base_order},
        },
        "variants": [],
        "skipped": [],
    }
    work = criteria.model_copy(deep=True)
    nodes = work.nodes()
    for node, depth, parent in criteria.walk():
        if parent is None:
            continue
        if node.weight == 0:
            out["skipped"].append({"node": node.id, "title": node.title, "reason": "重み 0（総合点に含まれない）"})
            continue
        target = nodes[node.id]
        for factor in FACTORS:
            target.weight = node.weight * factor
            try:
                outcome = evaluate(work)
            finally:
                target.weight = node.weight
            out["variants"].append(
                _variant(node.id, node.title, depth, node.weight, factor, base, base_order, outcome, verdict_order)
            )
    out["robust"] = _robust(out["variants"], base_order, base, [v.id for v in vendors if v.id in base])
    return out


def _variant(
    node_id: str,
    title: str,
    depth: int,
    weight: float,
    factor: float,
    base: Mapping[str, Outcome],
    base_order: list[str],
    outcome: Mapping[str, Outcome],
    verdict_order: Mapping[str, int],
) -> dict[str, Any]:
    order = rank_order(outcome, verdict_order)
    position = {vid: i for i, vid in enumerate(order)}
    swaps = [
        {"a": a, "b": b} for i, a in enumerate(base_order) for b in base_order[i + 1 :] if position[a] > position[b]
    ]
    verdict_changes = [
        {"vendor": vid, "from": base[vid][1], "to": outcome[vid][1]}
        for vid in base_order
        if base[vid][1] != outcome[vid][1]
    ]
    gate_changes = [
        {"vendor": vid, "node": nid, "from": status, "to": outcome[vid][2].get(nid)}
        for vid in base_order
        for nid, status in base[vid][2].items()
        if outcome[vid][2].get(nid) != status
    ]
    pairs = [(base[vid][0], outcome[vid][0]) for vid in base_order]
    shifts = [abs(after - before) for before, after in pairs if before is not None and after is not None]
    return {
        "node": node_id,
        "title": title,
        "depth": depth,
        "weight": weight,
        "factor": factor,
        "new_weight": round(weight * factor, 6),
        "totals": {vid: outcome[vid][0] for vid in order},
        "ranks": {vid: i for i, vid in enumerate(order, 1)},
        "order_changed": order != base_order,
        "first_changed": bool(order) and order[0] != base_order[0],
        "swaps": swaps,
        "verdict_changes": verdict_changes,
        "gate_changes": gate_changes,
        "max_total_change": round(max(shifts), 6) if shifts else None,
        "changed": order != base_order or bool(verdict_changes) or bool(gate_changes),
    }


def _robust(
    variants: list[dict[str, Any]],
    base_order: list[str],
    base: Mapping[str, Outcome],
    vendor_ids: list[str],
) -> dict[str, Any]:
    """Which decisions hold under every move; ``broken_by``: the moves that change them."""

    def move(v: dict[str, Any]) -> dict[str, Any]:
        return {"node": v["node"], "title": v["title"], "factor": v["factor"]}

    return {
        "first": {
            "vendor": base_order[0] if base_order else None,
            "robust": not any(v["first_changed"] for v in variants),
            "broken_by": [move(v) for v in variants if v["first_changed"]],
        },
        "order": {
            "robust": not any(v["order_changed"] for v in variants),
            "broken_by": [move(v) for v in variants if v["order_changed"]],
        },
        "verdicts": {
            vid: {
                "verdict": base[vid][1],
                "robust": not any(c["vendor"] == vid for v in variants for c in v["verdict_changes"]),
                "broken_by": [move(v) for v in variants if any(c["vendor"] == vid for c in v["verdict_changes"])],
            }
            for vid in vendor_ids
        },
        "n_moves": len(variants),
    }
