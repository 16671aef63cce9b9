"""The statistics of the procurement decision: non-inferiority of domestic vendors against foreign
reference models, the stability of the ranking, and its sensitivity to the criteria weights.

- ``non_inferiority``: for each domestic × foreign pair, on the total (the root) and on each top-level
  criterion, the measured difference D − F over the items both answered, with the stratified paired
  bootstrap and linear form of ``compare.py``; H0: D − F ≤ −margin against H1: D − F > −margin,
  one-sided at alpha/2, Holm-corrected within each scope over all pairs. The margin is pre-registered
  in criteria.yaml (``non_inferiority``).
- ``rank_stability`` (``decision_ranks.py``): the bootstrap distribution of every vendor's rank.
- ``weight_sensitivity`` (``decision_weights.py``): every non-root weight × 0.8 and × 1.2.

docs/statistics.md gives the formulas and the reasons for each choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config.criteria import CriteriaFile
from ..config.vendor import Vendor
from .decision_ranks import rank_stability, score_matrices
from .decision_weights import Evaluate, weight_sensitivity
from .stats import (
    MIN_BOOTSTRAP_N,
    FloatArray,
    bootstrap_means,
    derive_seed,
    holm,
    p6,
    percentile_interval,
    r6,
    weighted_sum,
)
from .tree import linear_forms, suites_by_leaf

NONINFERIOR = "非劣性あり"
NOT_SHOWN = "非劣性は示せず"
INFERIOR = "劣っている"
UNDECIDABLE = "判定不能"
TOTAL = "total"
CRITERION = "criterion"
_EPS = 1e-12  # resampled differences within this of −margin count against the claim being tested


def _paired(matrix: FloatArray | None, a: int, b: int) -> FloatArray:
    """d = a − b (columns of ``matrix``) on the items both have a score for, in item order."""
    if matrix is None:
        return np.empty(0)
    both = ~np.isnan(matrix[:, a]) & ~np.isnan(matrix[:, b])
    diffs: FloatArray = matrix[both, a] - matrix[both, b]
    return diffs


def non_inferiority(
    items: pd.DataFrame,
    criteria: CriteriaFile,
    suite_rows: Sequence[Mapping[str, Any]],
    vendors: Sequence[Vendor],
    shares: Mapping[str, Mapping[str, float]],
    *,
    n_boot: int,
    seed: int,
) -> dict[str, Any]:
    """{configured, margin, margins, alpha, interval_level, one_sided_alpha, test, correction, reason, rows}.

    rows: {a (domestic), b (foreign), scope (node id), level (total | criterion), title, margin, diff,
    declared_diff, ci_low, ci_high, p, p_holm, p_inferior, p_inferior_holm, conclusion, n_shared, note}.
    """
    spec = criteria.non_inferiority
    alpha = spec.alpha if spec is not None else 0.05
    out: dict[str, Any] = {
        "configured": spec is not None,
        "margin": spec.margin if spec is not None else None,
        "margins": dict(spec.margins) if spec is not None else {},
        "alpha": alpha,
        "interval_level": round(1 - alpha, 6),
        "one_sided_alpha": round(alpha / 2, 6),
        "test": "stratified_paired_bootstrap",
        "correction": "holm",
        "reason": spec.reason if spec is not None else None,
        "rows": [],
    }
    domestic = [v.id for v in vendors if v.category == "domestic"]
    foreign = [v.id for v in vendors if v.category == "foreign"]
    if spec is None or not domestic or not foreign:
        return out
    matrices = score_matrices(items, domestic + foreign)
    column = {vid: j for j, vid in enumerate(domestic + foreign)}
    leaf_suites = suites_by_leaf(criteria, suite_rows)
    scopes = [(criteria, TOTAL)] + [(child, CRITERION) for child in criteria.children]
    rows: list[dict[str, Any]] = []
    for a in domestic:
        for b in foreign:
            means: dict[str, float] = {}
            boots: dict[str, FloatArray] = {}
            sizes: dict[str, int] = {}
            for suite in suite_rows:
                sid = str(suite["id"])
                diffs = _paired(matrices.get(sid), column[a], column[b])
                if len(diffs):
                    means[sid] = float(diffs.mean())
                    boots[sid] = bootstrap_means(
                        diffs.tolist(), derive_seed("noninferiority", a, b, sid, seed=seed), n_boot
                    )
                    sizes[sid] = len(diffs)
            attested = set(shares.get(a, {})) | set(shares.get(b, {}))
            forms = linear_forms(criteria, means, leaf_suites, attested)
            for node, level in scopes:
                margin = spec.margins.get(node.id, spec.margin)
                row: dict[str, Any] = {
                    "a": a,
                    "b": b,
                    "scope": node.id,
                    "level": level,
                    "title": node.title,
                    "margin": margin,
                    "diff": None,
                    "declared_diff": None,
                    "ci_low": None,
                    "ci_high": None,
                    "p": None,
                    "p_holm": None,
                    "p_inferior": None,
                    "p_inferior_holm": None,
                    "conclusion": UNDECIDABLE,
                    "n_shared": 0,
                    "note": None,
                }
                form = forms[node.id]
                if form is None or not form[0]:
                    row["note"] = "共通の採点済み設問なし"
                    rows.append(row)
                    continue
                # as compare.py: the test rests on the items; declarations have no sampling error and are
                # reported beside it, never tested
                dist = weighted_sum((c, boots[sid]) for sid, c in form[0].items())
                low, high = percentile_interval(dist, level=1 - alpha)
                n_shared = sum(sizes[sid] for sid in form[0])
                row.update(
                    diff=sum(c * means[sid] for sid, c in form[0].items()),
                    declared_diff=sum(
                        c * (shares.get(a, {}).get(leaf, 0.0) - shares.get(b, {}).get(leaf, 0.0))
                        for leaf, c in form[1].items()
                    ),
                    ci_low=low,
                    ci_high=high,
                    n_shared=n_shared,
                )
                if n_shared < MIN_BOOTSTRAP_N:
                    row["note"] = f"共通設問 {n_shared} 件（{MIN_BOOTSTRAP_N} 件未満）のため検定しない"
                else:
                    row["p"] = noninferiority_p(dist, margin)
                    row["p_inferior"] = inferiority_p(dist, margin)
                rows.append(row)
    _holm_by_scope(rows, alpha / 2)
    for row in rows:
        for key in ("diff", "declared_diff", "ci_low", "ci_high"):
            row[key] = r6(row[key])
        for key in ("p", "p_holm", "p_inferior", "p_inferior_holm"):
            row[key] = p6(row[key])
    order = {node.id: i for i, (node, _) in enumerate(scopes)}
    rows.sort(key=lambda r: order[r["scope"]])  # stable: pairs keep their order within a scope
    out["rows"] = rows
    return out


def noninferiority_p(dist: FloatArray, margin: float) -> float:
    """One-sided bootstrap p of H0: D − F ≤ −margin: (1 + #{d* ≤ −margin}) / (B + 1). It is below
    alpha/2 exactly when (up to one resample) the alpha/2 quantile, the lower limit of the two-sided
    (1 − alpha) percentile interval, lies above −margin."""
    return (1 + int(np.count_nonzero(dist <= -margin + _EPS))) / (len(dist) + 1)


def inferiority_p(dist: FloatArray, margin: float) -> float:
    """One-sided bootstrap p of H0: D − F ≥ −margin (the mirror test): (1 + #{d* ≥ −margin}) / (B + 1);
    below alpha/2 when the upper limit of the (1 − alpha) interval lies below −margin."""
    return (1 + int(np.count_nonzero(dist >= -margin - _EPS))) / (len(dist) + 1)


def _holm_by_scope(rows: list[dict[str, Any]], threshold: float) -> None:
    """Holm within each scope (the family: every domestic × foreign pair on one node), separately for the
    non-inferiority and the inferiority p-values; the conclusion from the adjusted p-values."""
    for scope in dict.fromkeys(r["scope"] for r in rows):
        family = [r for r in rows if r["scope"] == scope]
        for key in ("p", "p_inferior"):
            for r, adj in zip(family, holm([r[key] for r in family]), strict=True):
                r[f"{key}_holm"] = adj
        for r in family:
            if r["p"] is None:
                continue
            if r["p_holm"] < threshold:
                r["conclusion"] = NONINFERIOR
            elif r["p_inferior_holm"] < threshold:
                r["conclusion"] = INFERIOR
            else:
                r["conclusion"] = NOT_SHOWN


def decision_results(
    items: pd.DataFrame,
    criteria: CriteriaFile,
    suite_rows: Sequence[Mapping[str, Any]],
    vendors: Sequence[Vendor],
    ranked: Sequence[Mapping[str, Any]],
    shares: Mapping[str, Mapping[str, float]],
    verdict_order: Mapping[str, int],
    outcomes: Evaluate,
    *,
    n_boot: int,
    seed: int,
) -> dict[str, Any]:
    """The results keys ``non_inferiority``, ``rank_stability`` and ``weight_sensitivity``.

    ``ranked``: the vendor rows in rank order (id, verdict, rank); ``outcomes``: every vendor's (total,
    verdict, gate statuses) under given criteria, computed by aggregate's own code (``vendor_outcome``)."""
    return {
        "non_inferiority": non_inferiority(items, criteria, suite_rows, vendors, shares, n_boot=n_boot, seed=seed),
        "rank_stability": rank_stability(
            items, criteria, suite_rows, ranked, shares, verdict_order, n_boot=n_boot, seed=seed
        ),
        "weight_sensitivity": weight_sensitivity(criteria, outcomes, verdict_order, vendors),
    }
