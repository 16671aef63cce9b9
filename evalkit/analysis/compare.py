"""Paired comparison of every vendor pair on the items both answered.

Per suite: McNemar's exact test for pass/fail suites (with Newcombe's paired interval for the
difference of pass rates), a paired bootstrap of the mean difference for continuous scores.
On the total: a paired bootstrap stratified by suite and weighted by the criteria tree (the same
linear form that makes the total), over the measured items only: the part of the total difference
that comes from attestation declarations has no sampling error, is never tested and is reported apart
(``declared_diff``; ``total_diff`` = measured + declared). Within each scope (each suite, the total) the p-values of all
pairs are Holm-corrected; "A beats B" is claimed only when the corrected p is below alpha.

Every tested row that is not significant carries ``mdd``: the smallest difference the comparison could
have detected with 80 % power (``evalkit.analysis.power``), at the level alpha / m of its Holm family of
m tests (the level the first step of Holm asks of a lone real difference), so that "no significant
difference" is never read as "no difference".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ..config.criteria import CriteriaFile
from .power import POWER, comparison_mdd
from .stats import (
    MIN_BOOTSTRAP_N,
    FloatArray,
    bootstrap_means,
    bootstrap_p,
    derive_seed,
    holm,
    mcnemar_exact,
    newcombe_paired_interval,
    p6,
    percentile_interval,
    r6,
    weighted_sum,
)
from .tables import row_groups
from .tree import linear_forms, suites_by_leaf

TOTAL = "total"


def _row(a: str, b: str, scope: str, level: str, n_shared: int) -> dict[str, Any]:
    return {
        "a": a,
        "b": b,
        "scope": scope,
        "level": level,
        "diff": None,
        "ci_low": None,
        "ci_high": None,
        "p": None,
        "p_holm": None,
        "significant": False,
        "winner": None,
        "n_shared": n_shared,
        "test": None,
        "note": None,
        "mdd": None,
    }


@dataclass(frozen=True)
class ScoreTable:
    """One suite's item × vendor table of item scores over the items with a scored epoch."""

    items: list[str]  # item ids, sorted (the rows)
    columns: dict[str, int]  # vendor id -> its column, vendors sorted
    scores: FloatArray  # items × vendors, NaN where a vendor has no scored epoch

    def column(self, vendor_id: str) -> FloatArray | None:
        j = self.columns.get(vendor_id)
        return None if j is None else self.scores[:, j]


def score_tables(items: pd.DataFrame) -> dict[str, ScoreTable]:
    """Per suite, the item x vendor table of item scores over the items with a scored epoch (NaN where a
    vendor has none), rows sorted by item id: built once, so each pair of vendors is two columns of it
    rather than a filter and a merge of the whole item table (21 pairs x 58 suites for 7 vendors).

    Rows and columns are sorted as a pandas pivot sorts them (item ids, vendor ids: by code point), from one
    grouping of the table by suite rather than a pivot per suite."""
    scored = items[items.n_ok > 0]
    item_ids = scored.item_id.to_numpy(dtype=object)
    vendor_ids = scored.vendor_id.to_numpy(dtype=object)
    score = scored.score.to_numpy(dtype=float)
    out: dict[str, ScoreTable] = {}
    for sid, rows in row_groups(scored, "suite_id").items():
        item_keys, at_item = np.unique(item_ids[rows], return_inverse=True)
        vendor_keys, at_vendor = np.unique(vendor_ids[rows], return_inverse=True)
        table = np.full((len(item_keys), len(vendor_keys)), np.nan)
        table[at_item, at_vendor] = score[rows]
        columns = {str(v): j for j, v in enumerate(vendor_keys.tolist())}
        out[str(sid)] = ScoreTable([str(i) for i in item_keys.tolist()], columns, table)
    return out


def shared_scores(table: ScoreTable | None, a: str, b: str) -> tuple[FloatArray, FloatArray]:
    """Item scores of a and b on the items of one suite (its ``score_tables`` entry) both have a scored
    epoch for, in item id order."""
    column_a = table.column(a) if table is not None else None
    column_b = table.column(b) if table is not None else None
    if column_a is None or column_b is None:
        return np.empty(0), np.empty(0)
    both = ~np.isnan(column_a) & ~np.isnan(column_b)
    return column_a[both], column_b[both]


def compare_suite(
    shared: tuple[FloatArray, FloatArray], binary: bool, boot: FloatArray | None, row: dict[str, Any]
) -> dict[str, Any]:
    """``row`` completed with the paired test of one suite (``shared``: ``shared_scores``); ``boot``: the
    resampled mean differences (None only when there is no shared item)."""
    score_a, score_b = shared
    n = len(score_a)
    if n == 0:
        row["note"] = "共通の採点済み設問なし"
        return row
    if binary:
        sa = score_a >= 0.5
        sb = score_b >= 0.5
        both, only_a, only_b = int((sa & sb).sum()), int((sa & ~sb).sum()), int((~sa & sb).sum())
        neither = n - both - only_a - only_b
        low, high = newcombe_paired_interval(both, only_a, only_b, neither)
        row.update(
            diff=(only_a - only_b) / n,
            ci_low=low,
            ci_high=high,
            p=mcnemar_exact(only_a, only_b),
            test="mcnemar_exact",
            discordant=[only_a, only_b],
        )
        return row
    if boot is None:
        raise ValueError("a paired bootstrap needs the resampled differences of the shared items")
    low, high = percentile_interval(boot)
    row["_boot"] = boot  # for the mdd (after Holm); never exported
    row.update(
        diff=float(np.mean(score_a - score_b)),
        ci_low=low,
        ci_high=high,
        test="paired_bootstrap",
    )
    if n >= MIN_BOOTSTRAP_N:
        row["p"] = bootstrap_p(boot)
    else:
        row["note"] = f"共通設問 {n} 件（{MIN_BOOTSTRAP_N} 件未満）のため検定しない"
    return row


def paired_comparisons(
    items: pd.DataFrame,
    criteria: CriteriaFile,
    suite_rows: Sequence[Mapping[str, Any]],
    vendor_ids: list[str],
    binary: dict[str, bool],
    shares: dict[str, dict[str, float]],
    n_boot: int,
    seed: int,
    alpha: float,
) -> list[dict[str, Any]]:
    """Rows {a, b, scope, level, diff, ci_low, ci_high, p, p_holm, significant, winner, n_shared, test, note, mdd}.

    ``vendor_ids`` in rank order: a is the better-ranked vendor of each pair, diff = a - b.
    """
    leaf_suites = suites_by_leaf(criteria, suite_rows)
    tables = score_tables(items)
    rows: list[dict[str, Any]] = []
    for a, b in combinations(vendor_ids, 2):
        means: dict[str, float] = {}
        boots: dict[str, FloatArray] = {}
        n_total = 0
        suite_out = []
        for suite in suite_rows:
            sid = suite["id"]
            shared = shared_scores(tables.get(sid), a, b)
            n = len(shared[0])
            boot = None
            if n:
                diffs = shared[0] - shared[1]
                boot = bootstrap_means(diffs, derive_seed("pair", a, b, sid, seed=seed), n_boot)
                means[sid] = float(diffs.mean())
                boots[sid] = boot
                n_total += n
            suite_out.append(compare_suite(shared, binary.get(sid, False), boot, _row(a, b, sid, "suite", n)))
        total = _row(a, b, TOTAL, TOTAL, n_total)
        total["test"] = "stratified_paired_bootstrap"
        attested = set(shares[a]) | set(shares[b])
        form = linear_forms(criteria, means, leaf_suites, attested)[criteria.id]
        if form is None or not form[0]:
            total["note"] = "共通の採点済み設問なし"
        else:
            # declarations are not measurements: the test, the interval and the verdict rest on the items
            # alone; the declared part of the total difference is reported beside them, never tested
            declared = sum(c * (shares[a].get(leaf, 0.0) - shares[b].get(leaf, 0.0)) for leaf, c in form[1].items())
            dist = weighted_sum((c, boots[sid]) for sid, c in form[0].items())
            measured = sum(c * means[sid] for sid, c in form[0].items())
            low, high = percentile_interval(dist)
            total.update(
                diff=measured, ci_low=low, ci_high=high, declared_diff=declared, total_diff=measured + declared
            )
            total["_boot"] = dist  # for the mdd (after Holm); never exported
            if n_total >= MIN_BOOTSTRAP_N:
                total["p"] = bootstrap_p(dist)
            else:
                total["note"] = f"共通設問 {n_total} 件（{MIN_BOOTSTRAP_N} 件未満）のため検定しない"
        rows.append(total)
        rows.extend(suite_out)
    # Holm within each scope (a family: all pairs compared on the same suite, or on the total)
    for level, scope in dict.fromkeys((r["level"], r["scope"]) for r in rows):
        family = [r for r in rows if r["scope"] == scope and r["level"] == level]
        n_tests = sum(r["p"] is not None for r in family)
        for r, adj in zip(family, holm([r["p"] for r in family]), strict=True):
            r["p_holm"] = adj
            r["significant"] = adj is not None and adj < alpha
            if r["significant"]:
                r["winner"] = r["a"] if r["diff"] > 0 else r["b"]
            elif r["p"] is not None:
                r["mdd"] = comparison_mdd(
                    alpha=alpha / n_tests,
                    power=POWER,
                    discordant=r.get("discordant"),
                    n=r["n_shared"],
                    boot=r.get("_boot"),
                )
    for r in rows:
        r.pop("_boot", None)
        for key in ("diff", "ci_low", "ci_high", "declared_diff", "total_diff"):
            if key in r:
                r[key] = r6(r[key])
        r["p"], r["p_holm"] = p6(r["p"]), p6(r["p_holm"])
    order = {s["id"]: i for i, s in enumerate(suite_rows)}
    rows.sort(
        key=lambda r: -1 if r["level"] == TOTAL else order[r["scope"]]
    )  # stable: pairs keep rank order within a scope
    return rows
