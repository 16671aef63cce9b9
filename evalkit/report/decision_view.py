"""The decision's statistics as the report shows them (templates/decision_section.html.j2): non-inferiority
against the foreign reference models, rank stability and sensitivity to the criteria weights.

Built from the results after the view was applied (``views.apply_view``): only the vendors the view
shows appear. Ranks and weight moves are about the whole field of the run, so a view that hides vendors
(a public report without every vendor, a vendor's self-test) does not show them: its ranks are
renumbered among the vendors it shows, and the bootstrap ranks of the full field would not match.
"""

from __future__ import annotations

from typing import Any

from .views import View

FACTOR_LABELS = {0.8: "−20%", 1.2: "+20%"}


def _pct(p: float | None) -> str:
    return "—" if p is None else f"{p * 100:.1f}"


def _names(results: dict[str, Any]) -> dict[str, str]:
    return {str(v["id"]): str(v["name"]) for v in results.get("vendors") or []}


def _non_inferiority(results: dict[str, Any], names: dict[str, str]) -> dict[str, Any] | None:
    categories = {str(v["id"]): v.get("category") for v in results.get("vendors") or []}
    if "domestic" not in categories.values() or "foreign" not in categories.values():
        return None
    ni = results.get("non_inferiority") or {}
    groups: list[dict[str, Any]] = []
    for row in ni.get("rows") or []:
        if row["a"] not in names or row["b"] not in names:
            continue
        if not groups or groups[-1]["scope"] != row["scope"]:
            groups.append({"scope": row["scope"], "title": row["title"], "level": row["level"], "rows": []})
        groups[-1]["rows"].append({**row, "a_name": names[row["a"]], "b_name": names[row["b"]]})
    counts: dict[str, int] = {}
    for g in groups:
        if g["level"] == "total":
            for row in g["rows"]:
                counts[row["conclusion"]] = counts.get(row["conclusion"], 0) + 1
    return {
        "configured": bool(ni.get("configured")),
        "margin": ni.get("margin"),
        "margins": ni.get("margins") or {},
        "alpha": ni.get("alpha"),
        "interval_pct": _pct(ni.get("interval_level")),
        "one_sided_alpha": ni.get("one_sided_alpha"),
        "reason": ni.get("reason"),
        "groups": groups,
        "total_counts": sorted(counts.items()),
    }


def _ranks(results: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    stability = (results.get("rank_stability") or {}).get("vendors") or {}
    out: list[dict[str, Any]] = []
    for v in results.get("vendors") or []:
        cell = stability.get(v["id"])
        if cell is None:
            continue
        rank = v.get("rank")
        probs = cell["probabilities"]
        p_rank = probs[rank - 1] if isinstance(rank, int) and 0 < rank <= len(probs) else None
        short = f"確率 {_pct(p_rank)}%"
        if cell["mode"] != rank:
            short += f"（最も確からしいのは {cell['mode']} 位）"
        low, high = cell["interval"]
        out.append(
            {
                "id": v["id"],
                "name": names[v["id"]],
                "category": v.get("category"),
                "rank": rank,
                "p_rank": _pct(p_rank),
                "short": short,
                "mode": cell["mode"],
                "p_mode": _pct(cell["p_mode"]),
                "p_first": _pct(cell["p_first"]),
                "interval": f"{low} 位" if low == high else f"{low}〜{high} 位",
                "probabilities": [_pct(p) for p in probs],
            }
        )
    return out


def _move(m: dict[str, Any]) -> str:
    return f"{m['title']} {FACTOR_LABELS.get(m['factor'], m['factor'])}"


def _weights(results: dict[str, Any], names: dict[str, str], n_vendors: int) -> dict[str, Any] | None:
    ws = results.get("weight_sensitivity") or {}
    robust = ws.get("robust")
    if not ws.get("variants") or robust is None:
        return None
    statements: list[dict[str, Any]] = []
    first = robust["first"]
    if n_vendors > 1 and first.get("vendor") in names:
        name = names[first["vendor"]]
        if first["robust"]:
            statements.append({"ok": True, "text": f"1 位（{name}）は、どの重みを ±20% 動かしても変わりません。"})
        else:
            moves = "、".join(_move(m) for m in first["broken_by"])
            statements.append({"ok": False, "text": f"1 位（{name}）は次の変更で入れ替わります: {moves}。"})
    if n_vendors > 1:
        if robust["order"]["robust"]:
            statements.append({"ok": True, "text": "順位全体が、どの重みを ±20% 動かしても変わりません。"})
        else:
            n = len(robust["order"]["broken_by"])
            statements.append(
                {"ok": False, "text": f"順位全体は {robust['n_moves']} 通りの変更のうち {n} 通りで変わります（下表）。"}
            )
    for vid, cell in (robust.get("verdicts") or {}).items():
        if vid not in names:
            continue
        if cell["robust"]:
            statements.append({"ok": True, "text": f"{names[vid]} の判定（{cell['verdict']}）は変わりません。"})
        else:
            moves = "、".join(_move(m) for m in cell["broken_by"])
            statements.append(
                {"ok": False, "text": f"{names[vid]} の判定（{cell['verdict']}）は次の変更で変わります: {moves}。"}
            )
    changes: list[dict[str, Any]] = []
    for v in ws["variants"]:
        if not v["changed"]:
            continue
        changes.append(
            {
                "node": v["node"],
                "title": v["title"],
                "factor": FACTOR_LABELS.get(v["factor"], str(v["factor"])),
                "weight": v["weight"],
                "new_weight": v["new_weight"],
                "swaps": [f"{names.get(s['a'], s['a'])} ↔ {names.get(s['b'], s['b'])}" for s in v["swaps"]],
                "verdicts": [
                    f"{names.get(c['vendor'], c['vendor'])}: {c['from']} → {c['to']}" for c in v["verdict_changes"]
                ],
                "gates": [
                    f"{names.get(c['vendor'], c['vendor'])}: {c['node']} {c['from']} → {c['to']}"
                    for c in v["gate_changes"]
                ],
                "max_total_change": v["max_total_change"],
            }
        )
    return {
        "statements": statements,
        "changes": changes,
        "n_moves": robust["n_moves"],
        "skipped": ws.get("skipped") or [],
    }


def decision_context(results: dict[str, Any], view: View) -> dict[str, Any] | None:
    """What decision_section.html.j2 draws, or None when there is nothing to draw (a vendor's self-test)."""
    if view.vendor is not None:
        return None
    names = _names(results)
    whole_field = not view.hidden
    ranks = _ranks(results, names) if whole_field and len(names) > 1 else []
    out = {
        "non_inferiority": _non_inferiority(results, names),
        "ranks": ranks,
        "rank_by_id": {r["id"]: r for r in ranks},
        "n_boot": (results.get("rank_stability") or {}).get("n_boot"),
        "weights": _weights(results, names, len(names)) if whole_field and names else None,
        "partial_field": not whole_field,
    }
    if out["non_inferiority"] is None and not ranks and out["weights"] is None:
        return None
    return out
