"""Rank stability: the bootstrap distribution of every vendor's rank.

Each replicate resamples the items of every suite with replacement — the SAME draws (item positions in
the suite's list of items that any vendor answered) for every vendor, so that vendors are compared on
the same questions as the point ranking compares them — takes each vendor's suite means over the drawn
items it has a score for, and combines them with the vendor's own linear form (the one that gives its
total, attestation shares as constants). A vendor without a score on some drawn items averages over
the drawn items it has (its own items resampled, with the others' pairing kept where they overlap);
when none of its items is drawn, its suite mean stays at its point value. Vendors are then ranked as
``aggregate`` ranks them: the verdict first (fixed, not resampled: 適合, 判定保留, 不適合), then the
total, ties broken at random (seeded), so two vendors tied in every replicate share the ranks evenly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config.criteria import CriteriaFile
from .compare import score_tables
from .stats import FloatArray, derive_seed
from .tree import Linear, linear_forms, suites_by_leaf

LEVEL = 0.95
_CHUNK_CELLS = 2_000_000  # replicate × item cells of the draw counts per chunk (16 MB)
_DECIMALS = 12  # totals equal to 12 decimals are a tie (sums of the same terms in another order)

IntArray = npt.NDArray[np.int64]


def _r6(value: float) -> float:
    return round(float(value), 6)


def score_matrices(items: pd.DataFrame, vendor_ids: Sequence[str]) -> dict[str, FloatArray]:
    """Suite id -> items × vendors array of item scores (NaN where the vendor has no scored epoch), one column
    per vendor of ``vendor_ids``: ``compare.score_tables`` on the items some of these vendors scored."""
    out: dict[str, FloatArray] = {}
    for sid, table in score_tables(items[items.vendor_id.isin(list(vendor_ids))]).items():
        # C order, as the reindexed pivot's array was: replicate_totals sums it over the items (axis 0) and
        # multiplies it, and both add in an order that follows the memory layout
        matrix = np.full((len(table.items), len(vendor_ids)), np.nan)
        for j, vid in enumerate(vendor_ids):
            column = table.column(vid)
            if column is not None:
                matrix[:, j] = column
        out[sid] = matrix
    return out


def replicate_totals(
    items: pd.DataFrame,
    criteria: CriteriaFile,
    suite_rows: Sequence[Mapping[str, Any]],
    vendor_ids: Sequence[str],
    shares: Mapping[str, Mapping[str, float]],
    *,
    n_boot: int,
    seed: int,
) -> tuple[FloatArray, list[bool]]:
    """(B × V bootstrap totals, whether each vendor has a total). A vendor without one has NaN."""
    leaf_suites = suites_by_leaf(criteria, suite_rows)
    matrices = score_matrices(items, vendor_ids)
    forms: list[Linear | None] = []
    for vid in vendor_ids:
        j = len(forms)
        measured = [sid for sid, m in matrices.items() if not np.isnan(m[:, j]).all()]
        forms.append(linear_forms(criteria, measured, leaf_suites, shares.get(vid, {}))[criteria.id])
    const = np.array(
        [
            sum(c * shares[vid][leaf] for leaf, c in form[1].items()) if form is not None else np.nan
            for vid, form in zip(vendor_ids, forms, strict=True)
        ],
        dtype=float,
    )
    totals: FloatArray = np.tile(const, (n_boot, 1))
    for suite in suite_rows:
        sid = str(suite["id"])
        coefs = np.array([form[0].get(sid, 0.0) if form is not None else 0.0 for form in forms])
        values = matrices.get(sid)  # items × vendors
        if values is None or not coefs.any():
            continue
        present = ~np.isnan(values)
        filled = np.where(present, values, 0.0)
        counts_per_vendor = present.sum(axis=0)
        point = np.divide(filled.sum(axis=0), counts_per_vendor, out=np.zeros(len(coefs)), where=counts_per_vendor > 0)
        n = len(values)
        rng = derive_seed("rank", sid, seed=seed)
        step = max(1, _CHUNK_CELLS // n)
        for start in range(0, n_boot, step):
            m = min(step, n_boot - start)
            draws: IntArray = rng.integers(0, n, size=(m, n))
            # how often each item was drawn in each replicate (one bincount over the offset draws)
            weight = np.bincount((draws + n * np.arange(m)[:, None]).ravel(), minlength=m * n).reshape(m, n)
            weight = weight.astype(float)
            sums = weight @ filled
            drawn = weight @ present.astype(float)
            means = np.where(drawn > 0, sums / np.maximum(drawn, 1.0), point)
            totals[start : start + m] += means * coefs
    return totals, [form is not None for form in forms]


def replicate_ranks(totals: FloatArray, verdict_order: Sequence[int], has_total: Sequence[bool], seed: int) -> IntArray:
    """B × V ranks (1 = first): verdict first, then a vendor with a total before one without, then the
    total (higher first), ties at random."""
    n_boot, n_vendors = totals.shape
    group = np.array([2 * int(v) + int(not h) for v, h in zip(verdict_order, has_total, strict=True)])
    t = np.round(np.nan_to_num(totals, nan=0.0), _DECIMALS)
    tie = derive_seed("rank-ties", seed=seed).random((n_boot, n_vendors))
    g_u, g_v = group[:, None], group[None, :]
    # ahead[b, u, v]: u ranks before v in replicate b
    better = t[:, :, None] > t[:, None, :]
    level = t[:, :, None] == t[:, None, :]
    first = tie[:, :, None] < tie[:, None, :]
    ahead = (g_u < g_v)[None] | ((g_u == g_v)[None] & (better | (level & first)))
    ranks: IntArray = 1 + ahead.sum(axis=1)
    return ranks


def rank_stability(
    items: pd.DataFrame,
    criteria: CriteriaFile,
    suite_rows: Sequence[Mapping[str, Any]],
    ranked: Sequence[Mapping[str, Any]],
    shares: Mapping[str, Mapping[str, float]],
    verdict_order: Mapping[str, int],
    *,
    n_boot: int,
    seed: int,
) -> dict[str, Any]:
    """{n_boot, seed, level, method, ties, vendors: {vendor: {rank, probabilities, mode, p_mode, p_first,
    interval}}}; ``ranked``: the vendor rows in rank order (id, verdict, rank). ``probabilities[k]`` is
    P(rank = k + 1); ``interval`` the central 95 % of the rank distribution."""
    out: dict[str, Any] = {
        "n_boot": n_boot,
        "seed": seed,
        "level": LEVEL,
        "method": "paired_stratified_bootstrap",
        "ties": "random",
        "vendors": {},
    }
    if len(ranked) < 2:
        return out
    ids = [str(v["id"]) for v in ranked]
    totals, has_total = replicate_totals(items, criteria, suite_rows, ids, shares, n_boot=n_boot, seed=seed)
    order = [verdict_order.get(str(v["verdict"]), 3) for v in ranked]
    ranks = replicate_ranks(totals, order, has_total, seed)
    n_vendors = len(ids)
    for j, row in enumerate(ranked):
        counts = np.bincount(ranks[:, j] - 1, minlength=n_vendors)
        probs = counts / n_boot
        cdf = np.cumsum(probs)
        tail = (1 - LEVEL) / 2
        low = int(np.searchsorted(cdf, tail - 1e-12)) + 1
        high = int(np.searchsorted(cdf, 1 - tail - 1e-12)) + 1
        mode = int(np.argmax(counts)) + 1
        out["vendors"][ids[j]] = {
            "rank": row.get("rank"),
            "probabilities": [_r6(p) for p in probs.tolist()],
            "mode": mode,
            "p_mode": _r6(float(probs[mode - 1])),
            "p_first": _r6(float(probs[0])),
            "interval": [low, min(high, n_vendors)],
        }
    return out
