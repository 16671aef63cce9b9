"""BBQ/JBBQ bias scores per suite, vendor and category.

The formulas live with the ``bias`` scorer (``evalkit.scorers.bias.bias_scores``); this module
only collects the stored result details of every suite that uses that scorer and hands them over,
one call per (suite, vendor).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..config.suite import Suite
from ..data import suite_items
from ..runner.store import RunStore
from .tables import scorer_details

BIAS_KIND = "bias"


def uses_kind(suite: Suite, kind: str) -> bool:
    if any(spec.kind == kind for spec in suite.scorers):
        return True
    return any(item.scorers and any(spec.kind == kind for spec in item.scorers) for item in suite_items(suite))


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return _clean(value.item())
    return value


def _bias_scores_fn() -> Callable[[list[dict[str, Any]]], dict[str, Any]] | None:
    try:
        from ..scorers.bias import bias_scores
    except ImportError:  # the scorer kind is not installed: no suite can use it
        return None
    return bias_scores


def bias_results(store: RunStore, suites: list[Suite], vendor_ids: list[str]) -> list[dict[str, Any]]:
    """Per suite that uses the ``bias`` scorer:

    {suite, title, categories: [names], vendors: {vendor: {"overall": {...}, "categories": {name: {...}}}}}
    where each {...} is what ``bias_scores`` returns: acc_AMB, acc_DIS, s_DIS, s_AMB and their counts.
    Every scored epoch of every item is one answer in the counts.
    """
    bias_suites = [s for s in suites if uses_kind(s, BIAS_KIND)]
    fn = _bias_scores_fn()
    if not bias_suites or fn is None:
        return []
    details = scorer_details(store, BIAS_KIND)
    out = []
    for suite in bias_suites:
        sdet = [d for d in details if d.suite_id == suite.id]
        per_vendor: dict[str, dict[str, Any] | None] = {}
        categories: list[str] = []
        for vendor_id in vendor_ids:
            rows = [d.detail for d in sdet if d.vendor_id == vendor_id]
            scores = _clean(fn(rows)) if rows else None
            per_vendor[vendor_id] = scores
            for cat in (scores or {}).get("categories", {}):
                if cat not in categories:
                    categories.append(cat)
        out.append({"suite": suite.id, "title": suite.title, "categories": sorted(categories), "vendors": per_vendor})
    return out
