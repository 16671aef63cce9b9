"""Consistency: does a vendor answer a question alike when only its surface form changes?

A suite's ``variants`` derive items from each item (evalkit/data/variants.py): a *group* is a
canonical item and the items derived from it (``variant_of``). Per vendor and suite, over the
groups whose canonical item and at least one variant were scored (the item level: an item passes
when it passed in every scored epoch):

- consistency = n_alike / n_groups, a group being *alike* when all its scored members pass or all
  fail; Wilson interval;
- drop = pass rate of the canonical items − pass rate of their variants, over the (canonical,
  variant) pairs with both scored; Newcombe's paired interval (stats.newcombe_paired_interval);
  the same per transform (``by_transform``). The pairs of one group share their canonical answer:
  the interval treats them as independent, so it is narrower than it should be when a suite has
  several variants per item.

Variant items have weight 0 in every score (aggregate.py leaves them out of the item table it scores):
these numbers are diagnostic unless a criterion's gate sets ``min_consistency``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..config.suite import Suite
from ..config.vendor import Vendor
from .stats import newcombe_paired_interval, wilson


def variant_items(suites: Sequence[Suite]) -> dict[tuple[str, str], tuple[str, str]]:
    """(suite id, derived item id) -> (canonical item id, variant name) of every derived item."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for suite in suites:
        for item in suite.variant_items:
            if item.variant_of is not None:
                name = str((item.variant or {}).get("name", item.id.rsplit("~", 1)[-1]))
                out[(suite.id, item.id)] = (item.variant_of, name)
    return out


def is_variant(df: pd.DataFrame, suites: Sequence[Suite]) -> pd.Series:
    """A boolean mask of the rows of ``df`` (suite_id, item_id columns) that are derived items."""
    keys = variant_items(suites)
    if not keys:
        return pd.Series(False, index=df.index, dtype=bool)
    pairs = zip(df.suite_id.tolist(), df.item_id.tolist(), strict=True)
    return pd.Series([k in keys for k in pairs], index=df.index, dtype=bool)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _drop(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    """Pass rates of the canonical and variant members of ``pairs`` and their difference with its interval."""
    n = len(pairs)
    if not n:
        return {
            "n_pairs": 0,
            "canonical_rate": None,
            "variant_rate": None,
            "drop": None,
            "ci_low": None,
            "ci_high": None,
        }
    a = sum(1 for c, v in pairs if c and v)
    b = sum(1 for c, v in pairs if c and not v)
    c_ = sum(1 for c, v in pairs if not c and v)
    d = n - a - b - c_
    low, high = newcombe_paired_interval(a, b, c_, d)
    return {
        "n_pairs": n,
        "canonical_rate": _round((a + b) / n),
        "variant_rate": _round((a + c_) / n),
        "drop": _round((b - c_) / n),
        "ci_low": _round(low),
        "ci_high": _round(high),
        "only_canonical": b,
        "only_variant": c_,
    }


def _summary(groups: list[list[bool]], pairs: list[tuple[bool, bool]], names: list[str]) -> dict[str, Any]:
    n = len(groups)
    alike = sum(1 for g in groups if len(set(g)) == 1)
    low, high = wilson(alike, n) if n else (None, None)
    out: dict[str, Any] = {
        "n_groups": n,
        "n_alike": alike,
        "consistency": _round(alike / n) if n else None,
        "consistency_ci_low": _round(low),
        "consistency_ci_high": _round(high),
        **{f"drop_{k}" if k in ("ci_low", "ci_high") else k: v for k, v in _drop(pairs).items()},
    }
    by: dict[str, list[tuple[bool, bool]]] = {}
    for name, pair in zip(names, pairs, strict=True):
        by.setdefault(name, []).append(pair)
    out["by_transform"] = {name: _drop(p) for name, p in sorted(by.items())}
    return out


def consistency(items: pd.DataFrame, suites: Sequence[Suite], vendors: Sequence[Vendor]) -> dict[str, Any]:
    """results["consistency"]: {suites: [{id, title, criterion, transforms, n_variants, vendors: {vendor:
    summary}}], vendors: {vendor: summary over every suite}}; a summary has n_groups, n_alike, consistency
    (+ Wilson interval), n_pairs, canonical_rate, variant_rate, drop (+ Newcombe paired interval) and
    by_transform. Empty dict when no suite of the run has variants."""
    keys = variant_items(suites)
    if not keys:
        return {}
    scored = items[items.n_ok > 0]
    passed: dict[tuple[str, str, str], bool] = {
        (v, s, i): bool(p)
        for v, s, i, p in zip(
            scored.vendor_id.tolist(),
            scored.suite_id.tolist(),
            scored.item_id.tolist(),
            scored.passed.tolist(),
            strict=True,
        )
    }
    out_suites: list[dict[str, Any]] = []
    overall: dict[str, tuple[list[list[bool]], list[tuple[bool, bool]], list[str]]] = {
        v.id: ([], [], []) for v in vendors
    }
    for suite in suites:
        members: dict[str, list[tuple[str, str]]] = {}  # canonical id -> [(derived id, variant name)]
        for (sid, iid), (canonical, name) in keys.items():
            if sid == suite.id:
                members.setdefault(canonical, []).append((iid, name))
        if not members:
            continue
        row: dict[str, Any] = {
            "id": suite.id,
            "title": suite.title,
            "criterion": suite.criterion,
            "transforms": sorted({name for ms in members.values() for _, name in ms}),
            "n_canonical": len(members),
            "n_variants": sum(len(ms) for ms in members.values()),
            "vendors": {},
        }
        for vendor in vendors:
            groups: list[list[bool]] = []
            pairs: list[tuple[bool, bool]] = []
            names: list[str] = []
            for canonical, ms in members.items():
                base = passed.get((vendor.id, suite.id, canonical))
                if base is None:
                    continue
                answered = [
                    (name, passed[(vendor.id, suite.id, iid)])
                    for iid, name in ms
                    if (vendor.id, suite.id, iid) in passed
                ]
                if not answered:
                    continue
                groups.append([base] + [p for _, p in answered])
                pairs += [(base, p) for _, p in answered]
                names += [name for name, _ in answered]
            row["vendors"][vendor.id] = _summary(groups, pairs, names)
            g, p, n = overall[vendor.id]
            g += groups
            p += pairs
            n += names
        out_suites.append(row)
    return {
        "suites": out_suites,
        "vendors": {vid: _summary(*parts) for vid, parts in overall.items()},
        "method": "group: a canonical item and its variants; alike: all pass or all fail (item level); "
        "drop: canonical pass rate - variant pass rate over pairs, Newcombe paired 95% interval",
    }


def node_consistency(rows: Sequence[dict[str, Any]]) -> float | None:
    """The consistency of the suites ``rows`` (their consistency summaries) taken together."""
    n = sum(int(r.get("n_groups", 0)) for r in rows)
    return sum(int(r.get("n_alike", 0)) for r in rows) / n if n else None
