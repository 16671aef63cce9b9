"""Charts of the report, drawn as inline SVG (:mod:`evalkit.report.svg`).

Every label is SVG ``<text>``: Japanese stays text that the browser renders with the reader's fonts
(and that can be searched and copied). Names and titles are escaped by the canvas, so a vendor named
``$x$`` or ``<script>`` is drawn literally. Every chart is deterministic, and its definitions' ids
carry the chart's id (distinct ids when several SVGs share a page). A value that is missing (None)
is drawn as "—", never as a number.

The charts were drawn with matplotlib until 2026-12: its import alone (0.65 s of CPU) cost more
than every chart of a 10,000-item report, on every ``evalkit run`` (docs/report.md, 図について).
"""

from __future__ import annotations

import math
import re

from markupsafe import Markup

from .svg import Canvas, Key, legend, legend_size, text_height, text_width

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F7F7F", "#F0E442", "#000000"]
# looked up with a vendor's category, which may be absent (None)
CATEGORY_SUFFIX: dict[str | None, str] = {"foreign": "（海外参照）", "baseline": "（基準）"}
HATCH: dict[str | None, str] = {"foreign": "///", "baseline": ".."}
DASH: dict[str | None, str] = {"foreign": "6 3", "baseline": "2 2"}
MARKER: dict[str | None, str] = {"foreign": "diamond", "baseline": "square"}
GATE_RED = "#b00020"
GRID = "#dddddd"
AXIS = "#333333"
# ColorBrewer's RdYlGn (11 classes), interpolated linearly as matplotlib's colormap of that name was
RDYLGN = [
    "#a50026", "#d73027", "#f46d43", "#fdae61", "#fee08b", "#ffffbf",
    "#d9ef8b", "#a6d96a", "#66bd63", "#1a9850", "#006837",
]  # fmt: skip


_TOKEN = re.compile(r"[A-Za-z0-9]+[-_./]?|\s+|.", re.S)


def wrap(text: str, width: int, max_lines: int = 3) -> str:
    """Break a (mostly Japanese) label into lines of at most ``width`` characters, at most
    ``max_lines`` lines: Latin words and numbers are never cut in the middle (unless one alone is
    longer than a line), a break prefers to follow 、・）and spaces, and a cut label ends in …."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(str(text)):
        if token.isspace():
            token = " "
            if not line:
                continue
        while len(token) > width:  # a single word longer than a line: cut it, there is no better place
            if line:
                lines.append(line.rstrip())
                line = ""
            lines.append(token[:width])
            token = token[width:]
        if len(line) + len(token) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = (lines[-1][: width - 1] if len(lines[-1]) >= width else lines[-1]) + "…"
    return "\n".join(lines)


def vendor_label(v: dict, width: int = 14) -> str:
    return wrap(v["name"], width) + (
        "\n" + CATEGORY_SUFFIX[v.get("category")] if v.get("category") in CATEGORY_SUFFIX else ""
    )


def _colors(vendors: list[dict]) -> dict[str, str]:
    return {v["id"]: PALETTE[i % len(PALETTE)] for i, v in enumerate(vendors)}


def _pts(x: float | None) -> float:
    return math.nan if x is None else x * 100


def _opacity(v: dict) -> float:
    return 0.45 if v.get("category") == "foreign" else 0.9


def red_yellow_green(share: float) -> str:
    """The colour at ``share`` (0-1) of the red-yellow-green scale."""
    share = min(1.0, max(0.0, share)) * (len(RDYLGN) - 1)
    low = min(int(share), len(RDYLGN) - 2)
    frac = share - low
    a, b = RDYLGN[low], RDYLGN[low + 1]
    rgb = (round(int(a[k : k + 2], 16) * (1 - frac) + int(b[k : k + 2], 16) * frac) for k in (1, 3, 5))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def heatmap(nodes: list[dict], vendors: list[dict]) -> Markup | None:
    """Criteria (rows) x vendors (columns), score 0-100 in each cell; ✗ marks a failed gate, ? a gate
    whose verdict is incomplete."""
    if not nodes or not vendors:
        return None
    size, cell_w, cell_h = 11.5, 100.0, 30.0
    rows = [
        ("　" * int(n.get("depth", 0))) + ("◆" if n.get("gate") else "") + wrap(n["title"], 24).split("\n")[0]
        for n in nodes
    ]
    cols = [vendor_label(v, 10) for v in vendors]
    left = max(text_width(r, size) for r in rows) + 14
    top = max(text_height(c, 11) for c in cols) + 10
    canvas = Canvas(left + cell_w * len(vendors) + 8, top + cell_h * len(nodes) + 6, "heatmap")
    for j, label in enumerate(cols):
        canvas.text(left + cell_w * (j + 0.5), top - 6, label, 11, anchor="middle", valign="bottom")
    for i, (n, label) in enumerate(zip(nodes, rows, strict=True)):
        y = top + cell_h * i
        canvas.text(left - 8, y + cell_h / 2, label, size, anchor="end")
        for j, v in enumerate(vendors):
            cell = n["vendors"].get(v["id"], {})
            value = _pts(cell.get("score"))
            x = left + cell_w * j
            fill = "#e6e6e6" if math.isnan(value) else red_yellow_green(0.1 + 0.8 * value / 100)
            canvas.rect(x, y, cell_w, cell_h, fill, stroke="white", stroke_width=1.5)
            gate = cell.get("gate") or {}
            mark = ""
            if gate:
                mark = " ?" if gate.get("incomplete") else ("" if gate.get("passed") else " ✗")
            text = "—" if math.isnan(value) else f"{value:.1f}{mark}"
            canvas.text(
                x + cell_w / 2, y + cell_h / 2, text, 11.5, anchor="middle", fill="#111111",
                weight="bold" if mark.strip() == "✗" else None,
            )  # fmt: skip
    return canvas.markup("評価基準 × ベンダーの得点ヒートマップ")


PANEL_W, PLOT_H, PLOT_LEFT, PLOT_RIGHT = 250.0, 130.0, 30.0, 46.0


def _bar_panel(canvas: Canvas, x0: float, y0: float, node: dict, vendors: list[dict], colors: dict[str, str]) -> None:
    """One criterion's bars in the plot whose top left corner is (x0, y0)."""
    width = PANEL_W - PLOT_LEFT - PLOT_RIGHT
    left, bottom = x0 + PLOT_LEFT, y0 + PLOT_H

    def y_of(score: float) -> float:
        return bottom - PLOT_H * min(max(score, 0.0), 108.0) / 108.0

    for tick in (0, 25, 50, 75, 100):
        canvas.line(left, y_of(tick), left + width, y_of(tick), GRID, 0.6)
        canvas.text(left - 5, y_of(tick), str(tick), 9.5, anchor="end", fill="#444444")
    slot = width / len(vendors)
    for k, v in enumerate(vendors):
        cell = node["vendors"].get(v["id"], {})
        score = _pts(cell.get("score"))
        low, high = _pts(cell.get("ci_low")), _pts(cell.get("ci_high"))
        mid = left + slot * (k + 0.5)
        if not math.isnan(score):
            bar_x, bar_w = mid - slot * 0.35, slot * 0.7
            canvas.rect(bar_x, y_of(score), bar_w, bottom - y_of(score), colors[v["id"]], opacity=_opacity(v))
            if v.get("category") in HATCH:
                canvas.rect(bar_x, y_of(score), bar_w, bottom - y_of(score), canvas.hatch(HATCH[v.get("category")]))
            canvas.rect(bar_x, y_of(score), bar_w, bottom - y_of(score), "none", stroke=AXIS, stroke_width=0.6)
        if not (math.isnan(low) or math.isnan(high) or math.isnan(score)):
            cap = min(4.0, slot * 0.2)
            canvas.line(mid, y_of(low), mid, y_of(high), "#111111", 1)
            canvas.line(mid - cap, y_of(low), mid + cap, y_of(low), "#111111", 1)
            canvas.line(mid - cap, y_of(high), mid + cap, y_of(high), "#111111", 1)
        top = score if math.isnan(high) else max(score, high)
        label_y = y_of(2) if math.isnan(score) else y_of(min(top, 100) + 1.5)
        canvas.text(mid, label_y, "—" if math.isnan(score) else f"{score:.0f}", 9, anchor="middle", valign="bottom")
        canvas.text(mid, bottom + 4, str(k + 1), 10, anchor="middle", valign="top")
    canvas.line(left, y0, left, bottom, AXIS, 0.8)
    canvas.line(left, bottom, left + width, bottom, AXIS, 0.8)
    gate = node.get("gate") or {}
    if gate.get("min_score") is not None:
        line_y = y_of(gate["min_score"] * 100)
        canvas.line(left, line_y, left + width, line_y, GATE_RED, 1, "5 3")
        canvas.text(left + width + 3, line_y, f"基準 {gate['min_score'] * 100:g}", 9, fill=GATE_RED)


def criterion_bars(nodes: list[dict], vendors: list[dict]) -> Markup | None:
    """One panel per criterion: a bar per vendor with its 95 % interval, the gate's minimum dashed."""
    if not nodes or not vendors:
        return None
    colors = _colors(vendors)
    ncols = min(4, len(nodes))
    nrows = math.ceil(len(nodes) / ncols)
    titles = [
        wrap(("総合得点" if n.get("depth", 0) == 0 else n["title"]) + ("◆" if n.get("gate") else ""), 18) for n in nodes
    ]
    title_h = max(text_height(t, 11.5) for t in titles) + 8
    panel_h = title_h + PLOT_H + 30
    keys = [
        Key(
            f"{i + 1}. {v['name']}{CATEGORY_SUFFIX.get(v.get('category'), '')}",
            colors[v["id"]],
            hatch=HATCH.get(v.get("category")),
            opacity=_opacity(v),
        )
        for i, v in enumerate(vendors)
    ]
    columns = min(3, len(vendors))
    col_w, _, legend_h = legend_size(keys, columns)
    width = max(PANEL_W * ncols, col_w * columns) + 10
    canvas = Canvas(width, panel_h * nrows + legend_h + 16, "bars")
    for k, (node, title) in enumerate(zip(nodes, titles, strict=True)):
        x0, y0 = 5 + PANEL_W * (k % ncols), 6 + panel_h * (k // ncols)
        canvas.text(x0 + 4, y0, title, 11.5, valign="top", weight="bold")
        _bar_panel(canvas, x0, y0 + title_h, node, vendors, colors)
    legend(canvas, (width - col_w * columns) / 2, panel_h * nrows + 8, keys, columns)
    return canvas.markup("評価基準ごとの得点と 95% 区間の棒グラフ")


def radar(nodes: list[dict], vendors: list[dict]) -> Markup | None:
    """Leaf criteria as axes (or the first level when there are fewer than three leaves)."""
    axes_nodes = [n for n in nodes if n.get("is_leaf") and n.get("depth", 0) > 0]
    if len(axes_nodes) < 3:
        axes_nodes = [n for n in nodes if n.get("depth") == 1]
    if len(axes_nodes) < 3 or not vendors:
        return None
    colors = _colors(vendors)
    radius, size = 160.0, 11.0
    labels = [wrap(n["title"], 9) for n in axes_nodes]
    room_x = max(text_width(label, size) for label in labels) + 18
    room_y = max(text_height(label, size) for label in labels) + 18
    keys = [
        Key(f"{v['name']}{CATEGORY_SUFFIX.get(v.get('category'), '')}", colors[v["id"]], line=True,
            dash=DASH.get(v.get("category")))
        for v in vendors
    ]  # fmt: skip
    col_w, _, legend_h = legend_size(keys, 1)
    cx, cy = room_x + radius, room_y + radius
    canvas = Canvas(cx + radius + room_x + col_w + 10, max(cy + radius + room_y, legend_h + 20), "radar")
    angles = [2 * math.pi * k / len(axes_nodes) for k in range(len(axes_nodes))]

    def point(angle: float, value: float) -> tuple[float, float]:  # clockwise from the top
        r = radius * min(max(value, 0.0), 100.0) / 100
        return cx + r * math.sin(angle), cy - r * math.cos(angle)

    for ring in (25, 50, 75, 100):
        canvas.marker(cx, cy, "circle", 2 * radius * ring / 100, "none", GRID if ring < 100 else "#bbbbbb", 0.8)
        canvas.text(cx + 3, cy - radius * ring / 100, str(ring), 9.5, valign="bottom", fill="#666666")
    for angle, label in zip(angles, labels, strict=True):
        canvas.line(cx, cy, *point(angle, 100), GRID, 0.8)
        x, y = point(angle, 100)
        sin, cos = math.sin(angle), math.cos(angle)
        canvas.text(
            x + 12 * sin, y - 12 * cos, label, size,
            anchor="start" if sin > 0.1 else ("end" if sin < -0.1 else "middle"),
            valign="bottom" if cos > 0.3 else ("top" if cos < -0.3 else "middle"),
        )  # fmt: skip
    for v in vendors:
        values = [_pts(n["vendors"].get(v["id"], {}).get("score")) for n in axes_nodes]
        points = [point(a, 0.0 if math.isnan(x) else x) for a, x in zip(angles, values, strict=True)]
        canvas.polyline(
            points, colors[v["id"]], 1.6, dash=DASH.get(v.get("category")), fill=colors[v["id"]], fill_opacity=0.08,
            closed=True,
        )  # fmt: skip
    legend(canvas, cx + radius + room_x, 10, keys, 1)
    return canvas.markup("評価基準（葉）ごとの得点のレーダーチャート")


def suite_forest(suites: list[dict], vendors: list[dict]) -> Markup | None:
    """Every suite: each vendor's score as a point with its 95 % interval (a forest plot)."""
    rows = [s for s in suites if any(s["vendors"].get(v["id"], {}).get("score") is not None for v in vendors)]
    if not rows or not vendors:
        return None
    colors = _colors(vendors)
    size = 11.0
    labels = [wrap(s["title"], 26).split("\n")[0] for s in rows]
    left = max(text_width(label, size) for label in labels) + 14
    plot_w, row_h = 600.0, max(24.0, 8.0 * len(vendors) + 8)
    plot_h = row_h * len(rows)
    top = 8.0
    shown = [v for v in vendors if any(s["vendors"].get(v["id"], {}).get("score") is not None for s in rows)]
    keys = [
        Key(f"{v['name']}{CATEGORY_SUFFIX.get(v.get('category'), '')}", colors[v["id"]], line=True,
            marker=MARKER.get(v.get("category"), "circle"), hollow=v.get("category") == "foreign")
        for v in shown
    ]  # fmt: skip
    columns = min(3, len(keys))
    col_w, _, legend_h = legend_size(keys, columns)
    width = max(left + plot_w + 16, col_w * columns + 10)
    canvas = Canvas(width, top + plot_h + 48 + legend_h, "suites")

    def x_of(score: float) -> float:
        return left + plot_w * (min(max(score, 0.0), 100.0) + 2) / 104

    for tick in range(0, 101, 20):
        canvas.line(x_of(tick), top, x_of(tick), top + plot_h, GRID, 0.6)
        canvas.text(x_of(tick), top + plot_h + 4, str(tick), 9.5, anchor="middle", valign="top", fill="#444444")
    step = row_h * 0.8 / len(vendors)
    for i, (s, label) in enumerate(zip(rows, labels, strict=True)):
        y_row = top + row_h * i
        if i:
            canvas.line(left, y_row, left + plot_w, y_row, "#eeeeee", 0.6)
        canvas.text(left - 8, y_row + row_h / 2, label, size, anchor="end")
        for j, v in enumerate(vendors):
            c = s["vendors"].get(v["id"], {})
            if c.get("score") is None:
                continue
            y = y_row + row_h * 0.1 + step * (j + 0.5)
            score = c["score"] * 100
            low = score if c.get("ci_low") is None else c["ci_low"] * 100
            high = score if c.get("ci_high") is None else c["ci_high"] * 100
            color = colors[v["id"]]
            canvas.line(x_of(low), y, x_of(high), y, color, 1.1)
            canvas.line(x_of(low), y - 2.5, x_of(low), y + 2.5, color, 1.1)
            canvas.line(x_of(high), y - 2.5, x_of(high), y + 2.5, color, 1.1)
            cat = v.get("category")
            canvas.marker(x_of(score), y, MARKER.get(cat, "circle"), 6.5, "white" if cat == "foreign" else color, color)
    canvas.line(left, top, left, top + plot_h, AXIS, 0.8)
    canvas.line(left, top + plot_h, left + plot_w, top + plot_h, AXIS, 0.8)
    canvas.text(left + plot_w / 2, top + plot_h + 22, "得点（0–100）と 95% 区間", size, anchor="middle", valign="top")
    legend(canvas, (width - col_w * columns) / 2, top + plot_h + 44, keys, columns)
    return canvas.markup("スイートごとの得点と 95% 区間")
