"""Inline SVG for the charts of the report and of the load page: a small canvas, no drawing library.

The charts are bars, lines, points and labelled grids, so they are drawn here directly: a plotting
library's import alone (matplotlib's: 0.65 s of CPU) cost more than every chart of a 10,000-item
report, and it was paid on every ``evalkit run``.

Every label is SVG ``<text>``: Japanese stays text that the browser renders with the reader's fonts
and that can be searched and copied. Text and attribute values are escaped (markupsafe), so a vendor
named ``<script>`` or ``$x$`` is drawn literally; coordinates are finite numbers or a ValueError.
Output is deterministic (no dates, no random ids), and the ids of a chart's definitions (hatch
patterns) carry its chart id, so several SVGs on one page never share an id.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "'Noto Sans CJK JP', 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, IPAexGothic, sans-serif"
LINE_HEIGHT = 1.25  # of the font size, between the lines of a label


def num(value: float) -> str:
    """A coordinate or length for an attribute: at most two decimals, no trailing zeros."""
    if not math.isfinite(value):
        raise ValueError(f"a chart coordinate must be a finite number, not {value!r}")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _attrs(attrs: dict[str, object]) -> str:
    """` name="value"` for every attribute that is not None (a trailing ``_`` is dropped, ``_`` -> ``-``)."""
    parts = []
    for name, value in attrs.items():
        if value is None:
            continue
        text = num(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(text)}"')
    return "".join(parts)


def char_width(ch: str) -> float:
    """The advance of one character in ems, as a sans-serif Japanese font draws it (an estimate)."""
    if unicodedata.east_asian_width(ch) in ("W", "F", "A"):  # ambiguous ones (— …) are wide in Japanese fonts
        return 1.0
    if ch == " ":
        return 0.32
    if ch.isupper() or ch.isdigit() or ch in "%&@#":
        return 0.66
    return 0.58


def text_width(text: str, size: float) -> float:
    """The estimated width in px of the longest line of ``text`` at font size ``size``."""
    return max((sum(char_width(ch) for ch in line) for line in str(text).split("\n")), default=0.0) * size


def text_height(text: str, size: float) -> float:
    """The height in px of ``text``'s lines at font size ``size``."""
    return (str(text).count("\n") + 1) * size * LINE_HEIGHT


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Ticks 0, step, 2 step … up to the first at or above ``high``, step 1, 2, 2.5 or 5 × 10^k chosen
    so there are about ``count`` of them (``high`` <= 0 or not finite: 0 and 1)."""
    if not math.isfinite(high) or high <= 0:
        return [0.0, 1.0]
    raw = high / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)
    ticks = [0.0]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def tick_label(value: float) -> str:
    """12.0 -> '12', 2.5 -> '2.5', 1500 -> '1,500'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


class Canvas:
    """An SVG drawing of ``width`` x ``height`` px (the viewBox; the page scales it to its column)."""

    def __init__(self, width: float, height: float, chart_id: str) -> None:
        self.width, self.height, self.chart_id = width, height, chart_id
        self._defs: list[str] = []
        self._patterns: dict[str, str] = {}
        self._body: list[str] = []

    def _add(self, tag: str, attrs: dict[str, object], content: str | None = None) -> None:
        if content is None:
            self._body.append(f"<{tag}{_attrs(attrs)}/>")
        else:
            self._body.append(f"<{tag}{_attrs(attrs)}>{content}</{tag}>")

    def rect(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        fill: str,
        *,
        stroke: str | None = None,
        stroke_width: float | None = None,
        opacity: float | None = None,
    ) -> None:
        self._add(
            "rect",
            {
                "x": x,
                "y": y,
                "width": max(0.0, width),
                "height": max(0.0, height),
                "fill": fill,
                "fill-opacity": opacity,
                "stroke": stroke,
                "stroke-width": stroke_width,
            },
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1.0, dash: str | None = None
    ) -> None:
        self._add(
            "line",
            {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": stroke, "stroke-width": width, "stroke-dasharray": dash},
        )

    def polyline(
        self,
        points: Iterable[tuple[float, float]],
        stroke: str,
        width: float = 1.5,
        *,
        dash: str | None = None,
        fill: str | None = None,
        fill_opacity: float | None = None,
        closed: bool = False,
    ) -> None:
        """A line through ``points`` (a polygon with ``closed``), filled with ``fill`` if given."""
        coords = " ".join(f"{num(x)},{num(y)}" for x, y in points)
        self._add(
            "polygon" if closed else "polyline",
            {
                "points": coords,
                "fill": fill or "none",
                "fill-opacity": fill_opacity,
                "stroke": stroke,
                "stroke-width": width,
                "stroke-dasharray": dash,
                "stroke-linejoin": "round",
            },
        )

    def marker(
        self, x: float, y: float, shape: str, size: float, fill: str, stroke: str, stroke_width: float = 1.0
    ) -> None:
        """A point: ``circle``, ``square`` or ``diamond`` of ``size`` px across, centred on (x, y)."""
        r = size / 2
        style = {"fill": fill, "stroke": stroke, "stroke-width": stroke_width}
        if shape == "square":
            self._add("rect", {"x": x - r, "y": y - r, "width": size, "height": size, **style})
        elif shape == "diamond":
            r *= 1.2
            points = f"{num(x)},{num(y - r)} {num(x + r)},{num(y)} {num(x)},{num(y + r)} {num(x - r)},{num(y)}"
            self._add("polygon", {"points": points, **style})
        else:
            self._add("circle", {"cx": x, "cy": y, "r": r, **style})

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 12,
        *,
        anchor: str = "start",
        valign: str = "middle",
        fill: str = "#222222",
        weight: str | None = None,
    ) -> None:
        """``text`` (lines split at ``\\n``) at (x, y): ``anchor`` start/middle/end horizontally,
        ``valign`` top/middle/bottom for the block of lines vertically."""
        lines = str(text).split("\n")
        step = size * LINE_HEIGHT
        block = step * (len(lines) - 1)
        first = {"top": y + size * 0.85, "bottom": y - size * 0.25 - block}.get(valign, y + size * 0.35 - block / 2)
        attrs = {"x": x, "y": first, "font-size": size, "text-anchor": anchor, "fill": fill, "font-weight": weight}
        if len(lines) == 1:
            self._add("text", attrs, str(escape(lines[0])))
            return
        spans = "".join(
            f'<tspan x="{num(x)}" dy="{num(0 if i == 0 else step)}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        self._add("text", attrs, spans)

    def hatch(self, kind: str, color: str = "#333333") -> str:
        """The fill reference of a hatch pattern: ``///`` diagonal lines or ``..`` dots."""
        if kind not in self._patterns:
            pattern_id = f"chart-{self.chart_id}-hatch-{len(self._patterns) + 1}"
            if kind == "..":
                shape = f'<circle cx="3" cy="3" r="1" fill="{escape(color)}"/>'
            else:
                shape = f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{escape(color)}" stroke-width="0.8"/>'
            self._defs.append(
                f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="6" height="6">{shape}</pattern>'
            )
            self._patterns[kind] = f"url(#{pattern_id})"
        return self._patterns[kind]

    def markup(self, label: str) -> Markup:
        """The drawing as an inline ``<svg class="chart">`` that scales with the page up to its own width."""
        defs = f"<defs>{''.join(self._defs)}</defs>" if self._defs else ""
        head = _attrs(
            {
                "xmlns": SVG_NS,
                "id": f"chart-{self.chart_id}",
                "class": "chart",
                "role": "img",
                "aria-label": label,
                "viewBox": f"0 0 {num(self.width)} {num(self.height)}",
                "style": f"max-width:{num(self.width)}px",
                "font-family": FONT_FAMILY,
            }
        )
        return Markup(f"<svg{head}><title>{escape(label)}</title>{defs}{''.join(self._body)}</svg>")


@dataclass(frozen=True)
class Key:
    """One entry of a legend: a filled box (``hatch``, ``opacity``) or, with ``line``, a line segment
    (``dash``) with an optional ``marker`` shape (``hollow``: a white marker)."""

    label: str
    color: str
    line: bool = False
    dash: str | None = None
    marker: str | None = None
    hollow: bool = False
    hatch: str | None = None
    opacity: float | None = None


LEGEND_SIZE = 11


def legend_size(keys: Sequence[Key], columns: int) -> tuple[float, float, float]:
    """(column width, row height, total height) of a legend of ``keys`` in ``columns`` columns."""
    columns = max(1, min(columns, len(keys)))
    width = max((text_width(k.label, LEGEND_SIZE) for k in keys), default=0.0) + 34
    row = max((text_height(k.label, LEGEND_SIZE) for k in keys), default=0.0) + 6
    return width, row, row * math.ceil(len(keys) / columns)


def legend(canvas: Canvas, x: float, y: float, keys: Sequence[Key], columns: int = 1) -> float:
    """Draw ``keys`` from (x, y) (top left) in ``columns`` columns, row by row; the height used."""
    if not keys:
        return 0.0
    columns = max(1, min(columns, len(keys)))
    col_width, row, total = legend_size(keys, columns)
    for i, key in enumerate(keys):
        left = x + (i % columns) * col_width
        mid = y + (i // columns) * row + row / 2
        if key.line:
            canvas.line(left, mid, left + 22, mid, key.color, 1.6, key.dash)
            if key.marker:
                canvas.marker(left + 11, mid, key.marker, 6, "white" if key.hollow else key.color, key.color)
        else:
            canvas.rect(left + 3, mid - 6, 16, 12, key.color, stroke="#333333", stroke_width=0.6, opacity=key.opacity)
            if key.hatch:
                canvas.rect(left + 3, mid - 6, 16, 12, canvas.hatch(key.hatch))
        canvas.text(left + 28, mid, key.label, LEGEND_SIZE)
    return total
