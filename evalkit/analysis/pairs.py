"""Counterfactual groups per suite and vendor: how many groups differ, and a few examples.

Collected from the stored details of the ``counterfactual`` scorer (one row per member answer, the
same group verdict on each); one group per (pair, epoch). The examples carry short excerpts of the
members' answers: model output, shown escaped by the report (autoescape) and withheld in a public
report for suites whose text is withheld (``evalkit.report.views``).
"""

from __future__ import annotations

from typing import Any

from ..config.suite import Suite
from ..runner.store import RunStore
from .bias import uses_kind
from .tables import scorer_details

KIND = "counterfactual"
MAX_EXAMPLES = 3
EXCERPT_CHARS = 160


def _excerpt(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[:EXCERPT_CHARS] + "…"


def pair_results(store: RunStore, suites: list[Suite], vendor_ids: list[str]) -> list[dict[str, Any]]:
    """Per suite using the ``counterfactual`` scorer:

    {suite, title, n_groups, vendors: {vendor: {n_groups, n_scored, n_differ, n_unscored,
    examples: [{pair, attribute, epoch, reasons: [text], members: [{item, value, excerpt}]}]}}}
    """
    pair_suites = [s for s in suites if uses_kind(s, KIND)]
    if not pair_suites:
        return []
    details = scorer_details(store, KIND)
    out = []
    for suite in pair_suites:
        sdet = [d for d in details if d.suite_id == suite.id]
        groups_in_suite = {r.detail.get("pair") for r in sdet if isinstance(r.detail, dict)}
        per_vendor: dict[str, dict[str, Any]] = {}
        for vendor_id in vendor_ids:
            # a group: (the pair's id from the detail, epoch) -> the group's detail (the same on every member)
            groups: dict[tuple[Any, int], dict[str, Any]] = {}
            keys: dict[tuple[Any, int], dict[str, str]] = {}
            for row in (r for r in sdet if r.vendor_id == vendor_id):
                d: dict[str, Any] = row.detail if isinstance(row.detail, dict) else {}
                ident = (d.get("pair"), row.epoch)
                groups.setdefault(ident, d)
                keys.setdefault(ident, {})[row.item_id] = row.key
            scored = {k: d for k, d in groups.items() if d.get("scored")}
            differ = sorted((k for k, d in scored.items() if d.get("differs")), key=lambda k: (str(k[0]), k[1]))
            examples = []
            for ident in differ[:MAX_EXAMPLES]:
                d = scored[ident]
                members = []
                for item_id in d.get("members") or []:
                    key = keys[ident].get(item_id)
                    answer = (
                        store.db.execute("SELECT content FROM responses WHERE key = ?", (key,)).fetchone()
                        if key
                        else None
                    )
                    members.append(
                        {
                            "item": item_id,
                            "value": (d.get("values") or {}).get(item_id),
                            "excerpt": _excerpt(answer[0]) if answer and answer[0] else "",
                        }
                    )
                examples.append(
                    {
                        "pair": ident[0],
                        "attribute": d.get("attribute"),
                        "epoch": ident[1],
                        "reasons": [r.get("text", "") for r in d.get("reasons") or []],
                        "members": members,
                    }
                )
            per_vendor[vendor_id] = {
                "n_groups": len(groups),
                "n_scored": len(scored),
                "n_differ": len(differ),
                "n_unscored": len(groups) - len(scored),
                "examples": examples,
            }
        out.append(
            {"suite": suite.id, "title": suite.title, "n_groups": len(groups_in_suite - {None}), "vendors": per_vendor}
        )
    return out
