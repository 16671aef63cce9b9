"""The criteria tree as a linear form over suite scores.

With the set of suites that have data fixed, every node's score is a weighted sum of suite
scores plus a weighted sum of attestation shares:

    node = sum_s c_s * suite_s + sum_l a_l * attestation_share_l

A leaf averages its parts: its suites with data, each weighted by the suite's ``weight`` times its
number of items (``weighting: items``, the default: every item of a leaf weighs the same, so a 3-item
suite does not weigh as much as a 20-item one) or by the suite's ``weight`` alone (``weighting:
suites``); and, when it has checks, its attestation share with weight 1. A suite of weight 0 is
diagnostic and never counts. An inner node is the weighted mean of its children that have data,
the weights renormalised over those children (weight 0 children never count). Writing the
tree this way lets the same coefficients give the score, the bootstrap interval of the score
(the same linear combination of bootstrap means) and the paired difference of two vendors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..config.criteria import CriteriaFile, CriterionNode

# (suite id -> coefficient, attestation leaf id -> coefficient)
Linear = tuple[dict[str, float], dict[str, float]]


def suites_by_leaf(criteria: CriteriaFile, suite_rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Leaf id -> {suite id: weight inside the leaf} for the rows {id, criterion, weight, n_items}, in
    the given order.

    Under ``weighting: items`` the suites of a leaf share the same total weight as under ``suites``
    (the sum of their ``weight``s, which is what the attestation share of a mixed leaf is weighed
    against), split in proportion to ``weight`` × items: every item of the leaf counts the same."""
    nodes = criteria.nodes()
    out: dict[str, dict[str, float]] = {node.id: {} for node, _, _ in criteria.walk()}
    sizes: dict[str, dict[str, int]] = {}
    for row in suite_rows:
        out.setdefault(row["criterion"], {})[row["id"]] = float(row.get("weight", 1.0))
        sizes.setdefault(row["criterion"], {})[row["id"]] = max(int(row.get("n_items") or 0), 0)
    for leaf, weights in out.items():
        node = nodes.get(leaf)
        if not weights or (node is not None and node.weighting == "suites"):
            continue
        mass = sum(weights.values())
        scaled = {sid: w * sizes[leaf][sid] for sid, w in weights.items()}
        total = sum(scaled.values())
        if total > 0:
            out[leaf] = {sid: mass * v / total for sid, v in scaled.items()}
    return out


def item_weights(criteria: CriteriaFile, suite_rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Suite id -> the weight of ONE of its items in the total (0 for a diagnostic suite, None for a
    suite outside the tree), with every suite of ``suite_rows`` measured."""
    leaf_suites = suites_by_leaf(criteria, suite_rows)
    root = linear_forms(criteria, [r["id"] for r in suite_rows], leaf_suites, ())[criteria.id]
    coefs = root[0] if root else {}
    nodes = criteria.nodes()
    out: dict[str, float | None] = {}
    for row in suite_rows:
        n = int(row.get("n_items") or 0)
        out[row["id"]] = None if row["criterion"] not in nodes else (coefs.get(row["id"], 0.0) / n if n else 0.0)
    return out


def subtree_leaves(criteria: CriteriaFile) -> dict[str, set[str]]:
    """Node id -> the ids of the leaves under it (a leaf: itself)."""
    out: dict[str, set[str]] = {}

    def visit(node: CriterionNode) -> set[str]:
        leaves = {node.id} if node.is_leaf else set().union(*(visit(c) for c in node.children))
        out[node.id] = leaves
        return leaves

    visit(criteria)
    return out


def linear_forms(
    criteria: CriteriaFile,
    available: Iterable[str],
    leaf_suites: dict[str, dict[str, float]],
    attested_leaves: Iterable[str],
) -> dict[str, Linear | None]:
    """Every node's linear form given the suites with data; None for a node without data."""
    available = set(available)
    attested = set(attested_leaves)
    out: dict[str, Linear | None] = {}

    def visit(node: CriterionNode) -> Linear | None:
        if node.is_leaf:
            parts = {s: w for s, w in leaf_suites.get(node.id, {}).items() if s in available and w > 0}
            has_attest = node.id in attested
            k = sum(parts.values()) + int(has_attest)
            form: Linear | None = None
            if k:
                form = ({s: w / k for s, w in parts.items()}, {node.id: 1.0 / k} if has_attest else {})
        else:
            kept = []
            for child in node.children:
                child_form = visit(child)
                if child_form is not None and child.weight > 0:
                    kept.append((child.weight, child_form))
            form = None
            if kept:
                total = sum(w for w, _ in kept)
                suites: dict[str, float] = {}
                leaves: dict[str, float] = {}
                for w, (cs, ca) in kept:
                    for key, coef in cs.items():
                        suites[key] = suites.get(key, 0.0) + coef * w / total
                    for key, coef in ca.items():
                        leaves[key] = leaves.get(key, 0.0) + coef * w / total
                form = (suites, leaves)
        out[node.id] = form
        return form

    visit(criteria)
    return out


def evaluate(form: Linear | None, suite_scores: Mapping[str, float], shares: Mapping[str, float]) -> float | None:
    """The node score for the given suite scores and attestation shares."""
    if form is None:
        return None
    suites, leaves = form
    return sum(c * suite_scores[s] for s, c in suites.items()) + sum(c * shares[leaf] for leaf, c in leaves.items())
