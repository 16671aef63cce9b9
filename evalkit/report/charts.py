"""Charts of the report, drawn with matplotlib and inlined as SVG.

``svg.fonttype = "none"`` keeps every label as SVG ``<text>``: Japanese stays text that the
browser renders with the reader's fonts (and that can be searched and copied), instead of
thousands of glyph paths. matplotlib escapes text for XML, and math-text parsing is switched off,
so a vendor named ``$x$`` or ``<script>`` is drawn literally. Every figure is deterministic: no
date in the metadata, a fixed hash salt per chart (distinct ids when several SVGs share a page).

The figures are plain :class:`matplotlib.figure.Figure` objects drawn by the SVG canvas: no pyplot
(no backend to pick, no global list of open figures), and the report's settings apply only while a
chart is drawn (:func:`report_style`), so nothing of matplotlib's global state is left changed.
matplotlib is imported with this module: ``evalkit run`` imports it in the background while the
requests are in flight (:mod:`evalkit.preload`), and :mod:`evalkit.report.render` imports this
module only when it draws, so the pages without charts (``evalkit diff``) never load matplotlib.
"""

from __future__ import annotations

import io
import logging
import math
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast

import matplotlib
import numpy as np
from markupsafe import Markup, escape
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.projections.polar import PolarAxes

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F7F7F", "#F0E442", "#000000"]
FONTS = [
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "Hiragino Sans",
    "Yu Gothic",
    "Meiryo",
    "TakaoPGothic",
    "DejaVu Sans",
]
# looked up with a vendor's category, which may be absent (None)
CATEGORY_SUFFIX: dict[str | None, str] = {"foreign": "（海外参照）", "baseline": "（基準）"}
HATCH: dict[str | None, str] = {"foreign": "///", "baseline": ".."}
# the report's settings, on top of matplotlib's own defaults (never the machine's matplotlibrc)
SETTINGS: dict[Any, Any] = {
    "svg.fonttype": "none",
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "svg.image_inline": True,
    "figure.dpi": 72,
}

P = ParamSpec("P")
R = TypeVar("R")


def _apply_settings() -> None:
    matplotlib.rcdefaults()
    params = matplotlib.rcParams
    params.update({k: v for k, v in SETTINGS.items() if k in params})


@contextmanager
def report_style() -> Iterator[None]:
    """matplotlib's defaults and the report's settings while the block runs, the previous settings
    afterwards (matplotlib reads them both when an artist is made and when it is drawn)."""
    with matplotlib.rc_context():
        _apply_settings()
        yield


def _styled(chart: Callable[P, R]) -> Callable[P, R]:
    """A chart function drawn entirely with :func:`report_style`."""

    @wraps(chart)
    def styled(*args: P.args, **kwargs: P.kwargs) -> R:
        with report_style():
            return chart(*args, **kwargs)

    return styled


def _figure(width: float, height: float) -> Figure:
    """A new figure (``width`` x ``height`` inches) drawn by the SVG canvas."""
    fig = Figure(figsize=(width, height))
    FigureCanvasSVG(fig)
    return fig


_plt = None


def _pyplot():
    """pyplot (Agg) with the report's settings applied globally, for callers that still draw with it
    (the page of ``evalkit load``). The report's own charts use :func:`_figure` and
    :func:`report_style` instead."""
    global _plt
    if _plt is None:
        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt

        _plt = plt
    _apply_settings()
    return _plt


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


def _to_svg(fig: Figure, chart_id: str, label: str, tight: bool = True) -> Markup:
    """The figure as an inline SVG element. ``tight=False`` keeps the figure's own margins (set with
    subplots_adjust): one drawing pass instead of two, which matters for the many-panel charts."""
    buf = io.StringIO()
    try:
        with matplotlib.rc_context({"svg.hashsalt": f"evalkit-{chart_id}"}), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # glyphs missing from the measuring font: the browser draws them
            fig.savefig(
                buf, format="svg", bbox_inches="tight" if tight else None, metadata={"Date": None, "Creator": None}
            )
    finally:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:  # a figure made with pyplot (see _pyplot) is closed; others are just dropped
            plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # scale with the page (viewBox kept), never wider than drawn; a label for screen readers
    match = re.match(r'<svg([^>]*?)\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"', text)
    if match:
        width = match.group(2)
        text = text[: match.start()] + f"<svg{match.group(1)}" + text[match.end() :]
    style = f' id="chart-{chart_id}" class="chart" role="img" aria-label="{escape(label)}"'
    if match:
        style += f' style="max-width:{float(width) * 4 / 3:.0f}px"'
    text = text.replace("<svg", "<svg" + style, 1)
    return Markup(text)


@_styled
def heatmap(nodes: list[dict], vendors: list[dict]) -> Markup | None:
    """Criteria (rows) x vendors (columns), score 0-100 in each cell; ✗ marks a failed gate."""
    if not nodes or not vendors:
        return None
    data = np.array([[_pts(n["vendors"].get(v["id"], {}).get("score")) for v in vendors] for n in nodes])
    fig_w = 3.4 + 1.25 * len(vendors)
    fig = _figure(fig_w, 0.42 * len(nodes) + 1.4)
    ax = fig.subplots()
    from matplotlib.patches import Rectangle

    cmap = matplotlib.colormaps["RdYlGn"]
    # vector rectangles, not a raster image: sharp in print, no data: URL. Added as plain artists: the
    # limits are set below, so the per-patch update of the data limits (add_patch) is not needed
    for i in range(len(nodes)):
        for j in range(len(vendors)):
            value = data[i, j]
            ax.add_artist(
                Rectangle(
                    (j - 0.5, i - 0.5),
                    1,
                    1,
                    linewidth=0,
                    facecolor="#e6e6e6" if math.isnan(value) else cmap(0.1 + 0.8 * value / 100),
                )
            )
    ax.set_xlim(-0.5, len(vendors) - 0.5)
    ax.set_ylim(len(nodes) - 0.5, -0.5)
    for i, n in enumerate(nodes):
        for j, v in enumerate(vendors):
            cell = n["vendors"].get(v["id"], {})
            value = data[i, j]
            gate = cell.get("gate") or {}
            mark = ""
            if gate:
                mark = " ?" if gate.get("incomplete") else ("" if gate.get("passed") else " ✗")
            text = "—" if math.isnan(value) else f"{value:.1f}{mark}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8.5,
                fontweight="bold" if mark.strip() == "✗" else "normal",
                color="#111111",
            )
    ax.set_xticks(range(len(vendors)), [vendor_label(v, 10) for v in vendors], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(
        range(len(nodes)),
        [
            ("　" * int(n.get("depth", 0))) + ("◆" if n.get("gate") else "") + wrap(n["title"], 24).split("\n")[0]
            for n in nodes
        ],
        fontsize=8.5,
    )
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xticks([x - 0.5 for x in range(1, len(vendors))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(nodes))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    return _to_svg(fig, "heatmap", "評価基準 × ベンダーの得点ヒートマップ")


def _bar_panel(ax, node: dict, vendors: list[dict], colors: dict[str, str], title: str) -> None:
    xs = range(len(vendors))
    cells = [node["vendors"].get(v["id"], {}) for v in vendors]
    scores = [_pts(cell.get("score")) for cell in cells]
    # every bar in one call (drawn as before: one rectangle per vendor, in order)
    bars = ax.bar(
        list(xs),
        [0 if math.isnan(score) else score for score in scores],
        width=0.7,
        color=[colors[v["id"]] for v in vendors],
        # (numpy strings, as matplotlib makes of a single bar's hatch: the SVG names a hatch by a hash
        # of its value's repr, so the file stays the same as when each bar was drawn alone)
        hatch=[None if (h := HATCH.get(v.get("category"))) is None else np.str_(h) for v in vendors],
        edgecolor="#333333",
        linewidth=0.6,
    )
    for bar, v in zip(bars.patches, vendors, strict=True):
        bar.set_alpha(0.45 if v.get("category") == "foreign" else 0.9)
    for x, cell, score in zip(xs, cells, scores, strict=True):
        low, high = _pts(cell.get("ci_low")), _pts(cell.get("ci_high"))
        if not math.isnan(low) and not math.isnan(high) and not math.isnan(score):
            ax.errorbar(
                x,
                score,
                yerr=[[max(0.0, score - low)], [max(0.0, high - score)]],
                fmt="none",
                ecolor="#111111",
                elinewidth=1,
                capsize=3,
            )
        top = score if math.isnan(high) else max(score, high)
        ax.text(
            x,
            2 if math.isnan(score) else min(top, 100) + 1.5,
            "—" if math.isnan(score) else f"{score:.0f}",
            ha="center",
            va="bottom",
            fontsize=7,
            color="#222222",
        )
    gate = node.get("gate") or {}
    if gate.get("min_score") is not None:
        ax.axhline(gate["min_score"] * 100, color="#b00020", linestyle="--", linewidth=1)
        ax.text(
            1.0,
            gate["min_score"] * 100,
            f"基準 {gate['min_score'] * 100:g}",
            transform=ax.get_yaxis_transform(),
            color="#b00020",
            fontsize=7,
            ha="left",
            va="center",
        )
    ax.set_ylim(0, 108)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_xticks(list(xs), [str(i + 1) for i in xs], fontsize=7.5)
    ax.set_title(wrap(title, 18), loc="left", fontsize=8.5)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


@_styled
def criterion_bars(nodes: list[dict], vendors: list[dict]) -> Markup | None:
    """One panel per criterion: a bar per vendor with its 95 % interval, the gate's minimum dashed."""
    if not nodes or not vendors:
        return None
    from matplotlib.patches import Patch

    colors = _colors(vendors)
    ncols = min(4, len(nodes))
    nrows = math.ceil(len(nodes) / ncols)
    legend_rows = math.ceil(len(vendors) / 3)
    height = 2.35 * nrows + 0.35 + 0.22 * legend_rows
    fig = _figure(3.0 * ncols, height)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    fig.subplots_adjust(
        left=0.2 / ncols,
        right=1 - 0.15 / ncols,
        top=1 - 0.45 / height,
        bottom=(0.3 + 0.22 * legend_rows) / height,
        hspace=0.62,
        wspace=0.3,
    )
    for k, node in enumerate(nodes):
        ax = axes[k // ncols][k % ncols]
        title = ("総合得点" if node.get("depth", 0) == 0 else node["title"]) + ("◆" if node.get("gate") else "")
        _bar_panel(ax, node, vendors, colors, title)
    for k in range(len(nodes), nrows * ncols):
        axes[k // ncols][k % ncols].axis("off")
    handles = [
        Patch(
            facecolor=colors[v["id"]],
            edgecolor="#333333",
            hatch=HATCH.get(v.get("category")),
            alpha=0.45 if v.get("category") == "foreign" else 0.9,
            label=f"{i + 1}. {v['name']}{CATEGORY_SUFFIX.get(v.get('category'), '')}",
        )
        for i, v in enumerate(vendors)
    ]
    fig.legend(handles=handles, loc="lower center", ncol=min(3, len(vendors)), bbox_to_anchor=(0.5, 0.0))
    return _to_svg(fig, "bars", "評価基準ごとの得点と 95% 区間の棒グラフ", tight=False)


@_styled
def radar(nodes: list[dict], vendors: list[dict]) -> Markup | None:
    """Leaf criteria as axes (or the first level when there are fewer than three leaves)."""
    axes_nodes = [n for n in nodes if n.get("is_leaf") and n.get("depth", 0) > 0]
    if len(axes_nodes) < 3:
        axes_nodes = [n for n in nodes if n.get("depth") == 1]
    if len(axes_nodes) < 3 or not vendors:
        return None
    colors = _colors(vendors)
    angles = np.linspace(0, 2 * np.pi, len(axes_nodes), endpoint=False).tolist()
    fig = _figure(7.2, 5.6)
    ax = cast(PolarAxes, fig.subplots(subplot_kw={"polar": True}))
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    for v in vendors:
        values = [_pts(n["vendors"].get(v["id"], {}).get("score")) for n in axes_nodes]
        values = [0.0 if math.isnan(x) else x for x in values]
        cat = v.get("category")
        ax.plot(
            angles + angles[:1],
            values + values[:1],
            color=colors[v["id"]],
            linewidth=1.6,
            linestyle="--" if cat == "foreign" else (":" if cat == "baseline" else "-"),
            label=f"{v['name']}{CATEGORY_SUFFIX.get(cat, '')}",
        )
        ax.fill(angles + angles[:1], values + values[:1], color=colors[v["id"]], alpha=0.08)
    ax.set_xticks(angles, [wrap(n["title"], 9) for n in axes_nodes], fontsize=8)
    ax.tick_params(axis="x", pad=14)  # labels clear of the outer ring
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["25", "50", "75", "100"], fontsize=7, color="#666666")
    ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.05))
    return _to_svg(fig, "radar", "評価基準（葉）ごとの得点のレーダーチャート")


@_styled
def suite_forest(suites: list[dict], vendors: list[dict]) -> Markup | None:
    """Every suite: each vendor's score as a point with its 95 % interval (a forest plot)."""
    rows = [s for s in suites if any(s["vendors"].get(v["id"], {}).get("score") is not None for v in vendors)]
    if not rows or not vendors:
        return None
    colors = _colors(vendors)
    markers: dict[str | None, str] = {"domestic": "o", "foreign": "D", "baseline": "s"}
    fig = _figure(9.5, 0.36 * len(rows) * max(1, len(vendors) / 3) + 1.3)
    ax = fig.subplots()
    step = 0.8 / max(1, len(vendors))
    labelled: set[str] = set()
    for i, s in enumerate(rows):
        for j, v in enumerate(vendors):
            c = s["vendors"].get(v["id"], {})
            if c.get("score") is None:
                continue
            y = i - 0.4 + step * (j + 0.5)
            score = c["score"] * 100
            low = score if c.get("ci_low") is None else c["ci_low"] * 100
            high = score if c.get("ci_high") is None else c["ci_high"] * 100
            cat = v.get("category")
            ax.errorbar(
                score,
                y,
                xerr=[[score - low], [high - score]],
                fmt=markers.get(cat, "o"),
                color=colors[v["id"]],
                markersize=4.5,
                elinewidth=1.1,
                capsize=2,
                markerfacecolor="white" if cat == "foreign" else colors[v["id"]],
                label=None if v["id"] in labelled else f"{v['name']}{CATEGORY_SUFFIX.get(cat, '')}",
            )
            labelled.add(v["id"])
    ax.set_yticks(range(len(rows)), [wrap(s["title"], 26).split("\n")[0] for s in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(-2, 102)
    ax.set_xlabel("得点（0–100）と 95% 区間")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    for y in range(1, len(rows)):
        ax.axhline(y - 0.5, color="#eeeeee", linewidth=0.6)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06 - 0.6 / len(rows)), ncol=min(3, len(vendors)))
    return _to_svg(fig, "suites", "スイートごとの得点と 95% 区間")
