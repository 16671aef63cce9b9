"""The committee's scoring sheet (技術点評価表): each vendor's points per line of ``scoring_sheet:``.

A line takes one criteria node's result for the vendor (its score, and its gate's status) and turns
it into points by the line's rule (config/scoring_sheet.py): ``gate`` — full points when the gate is
適合, 0 when 不適合, none (保留) when it is 判定保留 or not evaluated; ``proportional`` — points × the
score; ``thresholds`` — the points of the highest threshold the score reaches (0 below them all).
A line whose node has no score for the vendor (nothing scored under it) awards no points (保留).
Points are rounded to the sheet's ``decimals``; a vendor's total adds the rounded points of its lines,
so the sheet adds up as printed. The result is JSON-shaped (summary.json keeps it; the CSV and xlsx
writers in ``evalkit.report.scoring_sheet`` read it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..config.scoring_sheet import ScoringSheet, SheetRow

PENDING = "保留"


def rule_text(row: SheetRow) -> str:
    """The rule of a line, as the sheet prints it (the points are values, the rule is shown as text)."""
    if row.rule == "gate":
        return f"ゲート判定が適合なら {row.max_points:g} 点、不適合は 0 点（判定保留・未評価は保留）"
    if row.rule == "proportional":
        return f"{row.max_points:g} 点 × 得点（0〜1）"
    steps = "、".join(f"得点 {t.min_score:g} 以上で {t.points:g} 点" for t in row.thresholds or [])
    return f"{steps}、それ未満は 0 点"


def line_points(row: SheetRow, score: float | None, gate_status: str | None) -> tuple[float | None, str]:
    """(points awarded or None when pending, a note) for one line and one vendor, before rounding."""
    if row.rule == "gate":
        if gate_status == "適合":
            return row.max_points, ""
        if gate_status == "不適合":
            return 0.0, ""
        return None, f"ゲート判定が{gate_status or '未評価'}のため{PENDING}"
    if score is None:
        return None, f"得点がないため{PENDING}"
    if row.rule == "proportional":
        return row.max_points * score, ""
    for step in row.thresholds or []:  # highest min_score first (validated)
        if score >= step.min_score:
            return step.points, f"得点 {step.min_score:g} 以上"
    return 0.0, "どの基準にも達しない"


def _round(value: float, decimals: int) -> float:
    rounded = round(value, decimals)
    return float(int(rounded)) if decimals == 0 else rounded


def scoring_sheet(
    sheet: ScoringSheet | None, node_rows: Sequence[Mapping[str, Any]], vendor_ids: Sequence[str]
) -> dict[str, Any] | None:
    """The sheet for every vendor (None when the criteria define none). ``node_rows``: the results'
    ``criteria`` rows (each node's ``vendors`` cells with ``score`` and ``gate``)."""
    if sheet is None:
        return None
    nodes = {str(n["id"]): n for n in node_rows}
    lines = [
        {
            "label": row.label,
            "node": row.node,
            "node_title": str(nodes[row.node]["title"]) if row.node in nodes else row.node,
            "rule": row.rule,
            "rule_text": rule_text(row),
            "max_points": _round(row.max_points, sheet.decimals),
            "note": row.note,
        }
        for row in sheet.rows
    ]
    max_total = _round(sum(_round(row.max_points, sheet.decimals) for row in sheet.rows), sheet.decimals)
    vendors: dict[str, Any] = {}
    for vendor_id in vendor_ids:
        cells: list[dict[str, Any]] = []
        for row in sheet.rows:
            cell = (nodes.get(row.node) or {}).get("vendors", {}).get(vendor_id) or {}
            score = cell.get("score")
            gate = cell.get("gate") or None
            status = str(gate["status"]) if gate else None
            points, note = line_points(row, score, status)
            cells.append(
                {
                    "score": score,
                    "gate": status,
                    "points": None if points is None else _round(points, sheet.decimals),
                    "note": note,
                }
            )
        awarded = [c["points"] for c in cells if c["points"] is not None]
        vendors[vendor_id] = {
            "lines": cells,
            "total": _round(sum(awarded), sheet.decimals),
            "max_total": max_total,
            "pending": sum(1 for c in cells if c["points"] is None),
        }
    return {"title": sheet.title, "decimals": sheet.decimals, "lines": lines, "vendors": vendors}
