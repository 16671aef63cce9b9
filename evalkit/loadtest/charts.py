"""The four charts of the ``evalkit load`` page, drawn as inline SVG with :mod:`evalkit.report.svg`.

Latency and TTFT percentiles, throughput (requests/s on the left axis, output tokens/s on a right
one) and the error rate with the profile's threshold, each against the concurrent users on a log2
axis whose ticks are the steps' user counts. A step's value that is missing (None, NaN) is left out
of its line; a chart with no point at all is None. The text is Japanese ``<text>``; every axis
label sits horizontally above its axis (the canvas draws no rotated text).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from ..report.charts import PALETTE
from ..report.formats import is_num
from ..report.svg import Canvas, Key, legend, legend_size, nice_ticks, text_height, text_width, tick_label

PERCENTILES = ("p50", "p95", "p99")

WIDTH, HEIGHT = 620, 340
PAD = 10  # around the drawing
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 13, 12, 11
TICK = 4  # length of a tick mark, outside the plot
GAP = 4  # between a tick mark and its label
INK, AXIS, GRID = "#222222", "#555555", "#dddddd"
GRID_WIDTH = 0.6
LINE_WIDTH, MARKER_SIZE = 1.6, 6
THRESHOLD_COLOR = "#b00020"
USERS_LABEL = "同時ユーザー数"


@dataclass(frozen=True)
class _Series:
    """One line: (x, y) points drawn with ``marker`` against the left axis, or the right one."""

    label: str
    xs: list[float]
    ys: list[float]
    color: str
    marker: str = "circle"
    right: bool = False


@dataclass(frozen=True)
class _Axis:
    """A value axis from 0 to the first nice tick at or above ``high``."""

    label: str
    high: float
    color: str = INK


@dataclass(frozen=True)
class _Rule:
    """A dashed horizontal line across the plot at ``value`` of the left axis."""

    label: str
    value: float
    color: str = THRESHOLD_COLOR
    dash: str = "5 3"


def _points(steps: list[dict], key: str, scale: float = 1.0) -> tuple[list[float], list[float]]:
    """(users, value) of the steps where both are numbers (users > 0 for the log axis)."""
    xs: list[float] = []
    ys: list[float] = []
    for step in steps:
        users, value = step.get("users"), step.get(key)
        if is_num(users) and users > 0 and is_num(value):
            xs.append(float(users))
            ys.append(float(value) * scale)
    return xs, ys


def _users(steps: list[dict]) -> list[float]:
    """The steps' user counts (> 0), ascending: the x axis' ticks."""
    return sorted({float(s["users"]) for s in steps if is_num(s.get("users")) and s["users"] > 0})


def _legend_columns(keys: Sequence[Key], room: float) -> int:
    """As many columns as fit in ``room`` px (all keys on one row when they do)."""
    for columns in range(len(keys), 1, -1):
        if legend_size(keys, columns)[0] * columns <= room:
            return columns
    return 1


def _line_chart(
    chart_id: str,
    label: str,
    title: str,
    users: list[float],
    series: Sequence[_Series],
    left: _Axis,
    right: _Axis | None = None,
    rule: _Rule | None = None,
) -> Markup:
    """Lines with markers against the users (log2 x axis, ticks at ``users``), the left value axis
    (and the right one, for the series marked ``right``), the title at the top left with the legend
    under it, above the plot."""
    canvas = Canvas(WIDTH, HEIGHT, chart_id)
    left_ticks = nice_ticks(left.high)
    right_ticks = nice_ticks(right.high) if right else []
    left_labels = [tick_label(t) for t in left_ticks]
    right_labels = [tick_label(t) for t in right_ticks]

    # horizontal layout: the widest tick label of each value axis reserves its margin
    plot_left = PAD + max(text_width(t, TICK_SIZE) for t in left_labels) + GAP + TICK
    plot_right = WIDTH - PAD - (max(text_width(t, TICK_SIZE) for t in right_labels) + GAP + TICK if right else 8)

    # vertical layout, top down: title, legend, the axes' labels, the plot; at the bottom the users
    y: float = PAD
    canvas.text(PAD, y, title, TITLE_SIZE, anchor="start", valign="top", fill=INK, weight="bold")
    y += text_height(title, TITLE_SIZE) + 4
    keys = [Key(s.label, s.color, line=True, marker=s.marker) for s in series if s.xs]
    if rule is not None:
        keys.append(Key(rule.label, rule.color, line=True, dash=rule.dash))
    y += legend(canvas, PAD, y, keys, _legend_columns(keys, WIDTH - 2 * PAD)) + 4
    canvas.text(PAD, y, left.label, LABEL_SIZE, valign="top", fill=left.color)
    if right:
        canvas.text(WIDTH - PAD, y, right.label, LABEL_SIZE, anchor="end", valign="top", fill=right.color)
    plot_top = y + text_height(left.label, LABEL_SIZE) + TICK_SIZE / 2 + 4  # the top tick label's half
    plot_bottom = HEIGHT - PAD - text_height(USERS_LABEL, LABEL_SIZE) - 4 - text_height("0", TICK_SIZE) - GAP - TICK

    # x: log2 of the users, from the first / 1.5 to the last x 1.5 (one user count works too)
    low, high = math.log2(users[0] / 1.5), math.log2(users[-1] * 1.5)

    def x_of(count: float) -> float:
        return plot_left + (math.log2(count) - low) / (high - low) * (plot_right - plot_left)

    def y_of(value: float, ticks: list[float]) -> float:
        y = plot_bottom - value / ticks[-1] * (plot_bottom - plot_top)
        return min(plot_bottom, max(plot_top, y))  # a negative value sits on the axis, as if clipped

    # grid, under everything
    for tick in left_ticks:
        canvas.line(plot_left, y_of(tick, left_ticks), plot_right, y_of(tick, left_ticks), GRID, GRID_WIDTH)
    for u in users:
        canvas.line(x_of(u), plot_top, x_of(u), plot_bottom, GRID, GRID_WIDTH)

    # axes: lines, tick marks and labels
    canvas.line(plot_left, plot_top, plot_left, plot_bottom, AXIS)
    canvas.line(plot_left, plot_bottom, plot_right, plot_bottom, AXIS)
    for tick, text in zip(left_ticks, left_labels, strict=True):
        ty = y_of(tick, left_ticks)
        canvas.line(plot_left - TICK, ty, plot_left, ty, AXIS)
        canvas.text(plot_left - TICK - GAP, ty, text, TICK_SIZE, anchor="end", fill=INK)
    if right:
        canvas.line(plot_right, plot_top, plot_right, plot_bottom, AXIS)
        for tick, text in zip(right_ticks, right_labels, strict=True):
            ty = y_of(tick, right_ticks)
            canvas.line(plot_right, ty, plot_right + TICK, ty, AXIS)
            canvas.text(plot_right + TICK + GAP, ty, text, TICK_SIZE, fill=INK)
    drawn_until = -math.inf  # the right end of the last user label drawn: labels never overlap
    for u in users:
        ux, text = x_of(u), f"{u:g}"
        canvas.line(ux, plot_bottom, ux, plot_bottom + TICK, AXIS)
        half = text_width(text, TICK_SIZE) / 2
        if ux - half >= drawn_until + 4:
            canvas.text(ux, plot_bottom + TICK + GAP, text, TICK_SIZE, anchor="middle", valign="top", fill=INK)
            drawn_until = ux + half
    canvas.text((plot_left + plot_right) / 2, HEIGHT - PAD, USERS_LABEL, LABEL_SIZE, anchor="middle", valign="bottom")

    # the data, over the grid and the axes
    if rule is not None:
        ry = y_of(rule.value, left_ticks)
        canvas.line(plot_left, ry, plot_right, ry, rule.color, 1.2, rule.dash)
    for s in series:
        ticks = right_ticks if s.right and right else left_ticks
        points = [(x_of(x), y_of(v, ticks)) for x, v in zip(s.xs, s.ys, strict=True)]
        if len(points) > 1:
            canvas.polyline(points, s.color, LINE_WIDTH)
        for px, py in points:
            canvas.marker(px, py, s.marker, MARKER_SIZE, s.color, s.color)
    return canvas.markup(label)


def _percentile_chart(steps: list[dict], prefix: str, title: str, chart_id: str) -> Markup | None:
    """p50/p95/p99 of ``{prefix}_pXX_ms`` against the users; None when there is no point at all."""
    series = [_Series(p, *_points(steps, f"{prefix}_{p}_ms"), PALETTE[i]) for i, p in enumerate(PERCENTILES)]
    if not any(s.xs for s in series):
        return None
    high = max(max(s.ys) for s in series if s.ys)
    return _line_chart(chart_id, f"同時ユーザー数ごとの{title}", title, _users(steps), series, _Axis("ミリ秒", high))


def latency_chart(steps: list[dict]) -> Markup | None:
    return _percentile_chart(steps, "latency", "レイテンシ p50 / p95 / p99", "load-latency")


def ttft_chart(steps: list[dict]) -> Markup | None:
    return _percentile_chart(steps, "ttft", "最初のトークンまでの時間（TTFT） p50 / p95 / p99", "load-ttft")


def throughput_chart(steps: list[dict]) -> Markup | None:
    """Requests/s (left axis) and output tokens/s (right axis) against the users."""
    requests = _Series("毎秒リクエスト", *_points(steps, "requests_per_s"), PALETTE[0])
    tokens = _Series("出力トークン/秒", *_points(steps, "tokens_per_s"), PALETTE[1], marker="square", right=True)
    if not requests.xs and not tokens.xs:
        return None
    return _line_chart(
        "load-throughput",
        "同時ユーザー数ごとの毎秒リクエストと出力トークン/秒",
        "スループット",
        _users(steps),
        [requests, tokens],
        _Axis(requests.label, max(requests.ys, default=0.0), PALETTE[0]),
        _Axis(tokens.label, max(tokens.ys), PALETTE[1]) if tokens.xs else None,
    )


def error_chart(steps: list[dict], threshold: Any) -> Markup | None:
    """Error rate (%) against the users, the profile's threshold dashed."""
    rates = _Series("エラー率", *_points(steps, "error_rate", scale=100), PALETTE[3])
    if not rates.xs:
        return None
    top = max(rates.ys)
    rule = None
    if is_num(threshold):
        limit = threshold * 100
        rule = _Rule(f"閾値 {limit:g}%", limit)
        top = max(top, limit)
    axis = _Axis("エラー率（%）", top * 1.2 if top > 0 else 1)
    return _line_chart(
        "load-errors", "同時ユーザー数ごとのエラー率", "エラー率", _users(steps), [rates], axis, rule=rule
    )
