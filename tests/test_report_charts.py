"""The report's charts (evalkit/report/charts.py) and their SVG canvas (evalkit/report/svg.py): well-formed
XML, hostile names drawn as text, positions proportional to the scores, nothing drawn for a missing
value, deterministic output."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from evalkit.report import charts, svg

NS = {"s": svg.SVG_NS}
HOSTILE = '<script>alert(1)</script> $x$ & "q"'
ELEMENTS = {"svg", "title", "defs", "pattern", "path", "circle", "rect", "line", "polyline", "polygon", "text", "tspan"}


def _vendors() -> list[dict]:
    return [
        {"id": "a", "name": HOSTILE, "category": "domestic"},
        {"id": "b", "name": "海外モデル", "category": "foreign"},
        {"id": "c", "name": "基準モデル", "category": "baseline"},
    ]


def _cell(score, low=None, high=None, gate=None) -> dict:
    return {"score": score, "ci_low": low, "ci_high": high, **({"gate": gate} if gate else {})}


def _nodes() -> list[dict]:
    return [
        {
            "title": "総合",
            "depth": 0,
            "is_leaf": False,
            "vendors": {"a": _cell(0.8, 0.7, 0.9), "b": _cell(0.4, 0.3, 0.5), "c": _cell(None)},
        },
        {
            "title": "安全性",
            "depth": 1,
            "is_leaf": True,
            "gate": {"min_score": 0.6},
            "vendors": {
                "a": _cell(0.9, 0.8, 1.0, {"passed": True}),
                "b": _cell(0.2, 0.1, 0.3, {"passed": False}),
                "c": _cell(0.5, None, None, {"incomplete": True}),
            },
        },
        {
            "title": "行政実務",
            "depth": 1,
            "is_leaf": True,
            "vendors": {"a": _cell(0.6), "b": _cell(1.0), "c": _cell(0.0)},
        },
        {"title": "翻訳", "depth": 1, "is_leaf": True, "vendors": {"a": _cell(0.3), "b": _cell(0.6), "c": _cell(0.9)}},
    ]


def _parse(markup) -> ET.Element:
    text = str(markup)
    for number in re.findall(r'="([^"]*)"', text):
        assert "nan" not in number.lower() and "inf" not in number.lower(), number
    return ET.fromstring(text)


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{{{svg.SVG_NS}}}text")]


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.heatmap(_nodes(), _vendors()),
        lambda: charts.criterion_bars(_nodes(), _vendors()),
        lambda: charts.radar(_nodes(), _vendors()),
        lambda: charts.suite_forest(_nodes(), _vendors()),
    ],
    ids=["heatmap", "bars", "radar", "suites"],
)
def test_every_chart_is_well_formed_escaped_and_deterministic(draw):
    first, second = draw(), draw()
    assert str(first) == str(second)
    root = _parse(first)
    assert root.get("class") == "chart" and root.get("role") == "img" and root.get("aria-label")
    assert "<script" not in str(first)
    assert {el.tag.split("}")[1] for el in root.iter()} <= ELEMENTS  # nothing but drawing elements
    names = " ".join(_texts(root))
    if root.get("id") != "chart-heatmap":  # the heat map wraps names at 10 characters
        assert HOSTILE in names  # drawn literally, as text
    for ref in re.findall(r"url\(([^)]*)\)", str(first)):  # hatch patterns: defined in this chart, ids of it
        assert ref.startswith(f"#{root.get('id')}-") and root.find(f".//*[@id='{ref[1:]}']") is not None


def test_nothing_to_draw_gives_no_chart():
    assert charts.heatmap([], _vendors()) is None and charts.criterion_bars(_nodes(), []) is None
    assert charts.radar(_nodes()[:3], _vendors()) is None  # two leaves and no third first-level node
    none_scored = [{"title": "s", "vendors": {"a": _cell(None)}}]
    assert charts.suite_forest(none_scored, _vendors()) is None


def test_heatmap_cells_colour_and_mark_the_scores():
    root = _parse(charts.heatmap(_nodes(), _vendors()))
    texts = _texts(root)
    assert "80.0" in texts and "90.0" in texts and "20.0 ✗" in texts and "50.0 ?" in texts and "—" in texts
    bold = [t for t in root.iter(f"{{{svg.SVG_NS}}}text") if t.get("font-weight") == "bold"]
    assert ["".join(t.itertext()) for t in bold] == ["20.0 ✗"]
    fills = [r.get("fill") for r in root.iter(f"{{{svg.SVG_NS}}}rect")]
    assert "#e6e6e6" in fills  # the missing score
    assert charts.red_yellow_green(0.1 + 0.8 * 1.0) in fills and charts.red_yellow_green(0.1) in fills
    assert charts.red_yellow_green(0) == charts.RDYLGN[0] and charts.red_yellow_green(1) == charts.RDYLGN[-1]
    assert charts.red_yellow_green(0.5) == charts.RDYLGN[5]


def _bar_heights(root: ET.Element, color: str) -> list[float]:
    return [
        float(r.get("height"))
        for r in root.iter(f"{{{svg.SVG_NS}}}rect")
        if r.get("fill") == color and r.get("fill-opacity") is not None and float(r.get("width")) > 20
    ]  # (the legend's keys are 16 px wide)


def test_bars_are_proportional_with_whiskers_and_the_gate_line():
    root = _parse(charts.criterion_bars(_nodes(), _vendors()))
    a = _bar_heights(root, charts.PALETTE[0])  # 0.8, 0.9, 0.6, 0.3 in panel order
    assert len(a) == 4
    for height, score in zip(a, (0.8, 0.9, 0.6, 0.3), strict=True):
        assert height / a[0] == pytest.approx(score / 0.8, rel=1e-3)
    c = _bar_heights(root, charts.PALETTE[2])
    assert len(c) == 3  # the missing total is not drawn as a bar of 0
    texts = _texts(root)
    assert "総合得点" in texts and "安全性◆" in texts and "基準 60" in texts and texts.count("—") == 1
    dashed = [ln for ln in root.iter(f"{{{svg.SVG_NS}}}line") if ln.get("stroke-dasharray")]
    assert len(dashed) == 1 and dashed[0].get("stroke") == charts.GATE_RED
    assert any(f"{i}. " in t for t in texts for i in (1, 2, 3))  # the legend numbers the vendors
    assert len(root.findall(".//s:pattern", NS)) == 2  # foreign ///, baseline ..


def test_radar_vertices_lie_at_the_scores():
    root = _parse(charts.radar(_nodes(), _vendors()))
    polygons = root.findall(".//s:polygon", NS)
    assert len(polygons) == 3
    rings = [c for c in root.findall(".//s:circle", NS) if c.get("fill") == "none"]
    outer = max(rings, key=lambda c: float(c.get("r")))
    cx, cy, radius = float(outer.get("cx")), float(outer.get("cy")), float(outer.get("r"))
    points = [tuple(map(float, p.split(","))) for p in polygons[2].get("points").split()]  # vendor c: .5, 0, .9
    distances = [math.hypot(x - cx, y - cy) / radius for x, y in points]
    assert distances == pytest.approx([0.5, 0.0, 0.9], abs=1e-3)
    assert points[0][1] < cy  # the first axis points up
    assert polygons[1].get("stroke-dasharray") == charts.DASH["foreign"]


def test_forest_places_points_and_intervals_on_the_scale():
    suites = [{"title": "スイート<b>", "vendors": {"a": _cell(0.25, 0.1, 0.5), "b": _cell(0.75)}}]
    root = _parse(charts.suite_forest(suites, _vendors()))
    ticks = {"".join(t.itertext()): float(t.get("x")) for t in root.findall(".//s:text", NS)}
    x0, x100 = ticks["0"], ticks["100"]

    def score_at(x: float) -> float:
        return (x - x0) / (x100 - x0) * 100

    circle = next(c for c in root.findall(".//s:circle", NS) if c.get("fill") == charts.PALETTE[0])
    assert score_at(float(circle.get("cx"))) == pytest.approx(25, abs=0.01)
    whisker = [
        ln
        for ln in root.findall(".//s:line", NS)
        if ln.get("stroke") == charts.PALETTE[0] and ln.get("y1") == ln.get("y2") == circle.get("cy")
    ]
    assert [score_at(float(whisker[0].get(k))) for k in ("x1", "x2")] == pytest.approx([10, 50], abs=0.01)
    diamond = root.findall(".//s:polygon", NS)
    assert len(diamond) == 2  # the foreign vendor's marker and its legend key, hollow (white)
    assert all(d.get("fill") == "white" for d in diamond)
    assert "スイート<b>" in _texts(root)
    assert not any("基準モデル" in t for t in _texts(root))  # a vendor with no point is left out of the legend


def test_canvas_numbers_ticks_and_text_sizes():
    assert svg.num(1.0) == "1" and svg.num(2.345) == "2.35" and svg.num(-0.001) == "0"
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="finite"):
            svg.num(bad)
    assert svg.nice_ticks(100) == [0, 25, 50, 75, 100]
    assert svg.nice_ticks(873) == [0, 250, 500, 750, 1000]
    assert svg.nice_ticks(0.7) == [0, 0.2, 0.4, 0.6, 0.8]
    assert svg.nice_ticks(0) == [0, 1] and svg.nice_ticks(math.nan) == [0, 1]
    assert svg.tick_label(1500.0) == "1,500" and svg.tick_label(2.5) == "2.5"
    assert svg.text_width("日本語", 10) == pytest.approx(30)
    assert svg.text_width("ab\n日本語", 10) == svg.text_width("日本語", 10)
    assert svg.text_height("a\nb", 10) == pytest.approx(2 * 10 * svg.LINE_HEIGHT)
    canvas = svg.Canvas(100, 50, "t")
    canvas.text(0, 0, 'a<b>&"\nline two', 10)
    assert canvas.hatch("///") == canvas.hatch("///") != canvas.hatch("..")
    root = ET.fromstring(str(canvas.markup('label "<x>"')))
    assert root.get("aria-label") == 'label "<x>"' and root.find("s:title", NS).text == 'label "<x>"'
    assert [t.text for t in root.findall(".//s:tspan", NS)] == ['a<b>&"', "line two"]
