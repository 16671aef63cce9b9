"""The report's 「設問分析」 section: the items item analysis flags, in Japanese, as the view shows them.

The numbers come from ``results["item_analysis"]`` (evalkit/analysis/item_analysis.py), already
recomputed by ``views.apply_view`` over the vendors a view shows. The section is left out when no item
is flagged or the view has fewer than two vendors.
"""

from __future__ import annotations

from typing import Any

from ..analysis.item_analysis import ECHO, REFUSE

MAX_ROWS = 300  # a report lists this many flags at most (the rest: `evalkit items RUN_DIR --flagged`)

REASON_LABELS = {
    "all_fail": "全ベンダーが不合格（参照解答か採点の誤りの疑い）",
    "negative_discrimination": "負の識別力（総合で強いベンダーほど不合格）",
    "baseline_pass": "ベースラインが合格",
    "review_changed": "人手レビューで判定が変更された",
}
BASELINE_LABELS = {
    ECHO: "復唱のベースラインが合格（入力を繰り返すだけで合格する）",
    REFUSE: "全拒否のベースラインが合格（拒否を求めない設問）",
}


def _detail(flag: dict[str, Any]) -> str:
    detail = flag.get("detail") or {}
    parts: list[str] = []
    if "all_fail" in flag["reasons"] and detail.get("n_vendors") is not None:
        parts.append(f"採点された {detail['n_vendors']} 社すべてが不合格")
    if "negative_discrimination" in flag["reasons"] and detail.get("r") is not None:
        parts.append(
            f"点双列相関 r = {detail['r']:.2f}（{detail.get('n_vendors')} 社、基準 r ≤ {detail.get('threshold')}）"
        )
    return "。".join(parts)


def item_analysis_section(r: dict[str, Any]) -> dict[str, Any] | None:
    """What the section draws (None: the section is hidden)."""
    analysis = r.get("item_analysis")
    vendors = r.get("vendors") or []
    if not analysis or len(vendors) < 2 or not analysis.get("flags"):
        return None
    names = {v["id"]: v["name"] for v in vendors}
    titles = {s["id"]: s["title"] for s in r.get("suites") or []}
    roles = analysis.get("roles") or {}
    rows: list[dict[str, Any]] = []
    counts = dict.fromkeys(REASON_LABELS, 0)
    for flag in analysis["flags"]:
        vendor = flag.get("vendor_id")
        reasons = []
        for reason in flag["reasons"]:
            counts[reason] = counts.get(reason, 0) + 1
            if reason == "baseline_pass":
                reasons.append(BASELINE_LABELS.get(roles.get(vendor, -1), REASON_LABELS[reason]))
            else:
                reasons.append(REASON_LABELS.get(reason, reason))
        rows.append(
            {
                "suite_id": flag["suite_id"],
                "suite_title": titles.get(flag["suite_id"], flag["suite_id"]),
                "item_id": flag["item_id"],
                "vendor": None if vendor is None else names.get(vendor, vendor),
                "codes": " ".join(flag["reasons"]),
                "reasons": reasons,
                "detail": _detail(flag),
            }
        )
    items = analysis.get("items") or []
    scored = [it for it in items if it.get("n_vendors")]
    return {
        "rows": rows[:MAX_ROWS],
        "n_flags": len(rows),
        "truncated": len(rows) > MAX_ROWS,
        "counts": [(REASON_LABELS[k], n) for k, n in counts.items() if n and k in REASON_LABELS],
        "n_items": len(scored),
        "n_vendors": analysis.get("n_vendors", 0),
        "n_all_pass": sum(1 for it in scored if it.get("difficulty") == 1.0),
        "n_all_fail": sum(1 for it in scored if it.get("difficulty") == 0.0),
        "threshold": (analysis.get("method") or {}).get("threshold"),
    }
