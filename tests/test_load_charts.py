"""The charts of the ``evalkit load`` page (evalkit/loadtest/charts.py): valid SVG with the page's
ids, finite coordinates, a tick label per user count and a marker per point inside the plot, larger
values drawn higher, the threshold dashed only when there is one, no label over another, and the same
output for the same steps."""

from __future__ import annotations

import copy
import math
import re
import xml.etree.ElementTree as ET
from itertools import pairwise

import pytest
from test_load_page import RESULT, _step

from evalkit.loadtest.charts import error_chart, latency_chart, throughput_chart, ttft_chart
from evalkit.report.charts import PALETTE
from evalkit.report.svg import text_width

NS = "{http://www.w3.org/2000/svg}"
STEPS = RESULT["steps"]
USERS = [1, 4, 16, 64]
GRID = "#dddddd"
THRESHOLD = "#b00020"
COORDS = ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height")


def _charts(steps: list[dict], threshold: object = 0.05) -> dict[str, object]:
    return {
        "load-latency": latency_chart(steps),
        "load-ttft": ttft_chart(steps),
        "load-throughput": throughput_chart(steps),
        "load-errors": error_chart(steps, threshold),
    }


def _root(markup: object) -> ET.Element:
    assert markup is not None
    return ET.fromstring(str(markup))


def _all(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(NS + tag))


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in _all(root, "text")]


def _plot(root: ET.Element) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the plot: the extent of its grid lines."""
    grid = [line for line in _all(root, "line") if line.get("stroke") == GRID]
    assert grid
    xs = [float(line.get(a)) for line in grid for a in ("x1", "x2")]
    ys = [float(line.get(a)) for line in grid for a in ("y1", "y2")]
    return min(xs), min(ys), max(xs), max(ys)


def _markers(root: ET.Element, color: str, tag: str = "circle") -> list[tuple[float, float]]:
    """The centres of the ``color`` markers inside the plot (the legend's key is above it), left to right."""
    left, top, right, bottom = _plot(root)
    found = []
    for el in _all(root, tag):
        if el.get("fill") != color:
            continue
        if tag == "circle":
            x, y = float(el.get("cx")), float(el.get("cy"))
        else:
            x = float(el.get("x")) + float(el.get("width")) / 2
            y = float(el.get("y")) + float(el.get("height")) / 2
        if y >= top - 1e-6:
            assert left - 1e-6 <= x <= right + 1e-6 and y <= bottom + 1e-6, (x, y)  # inside the plot
            found.append((x, y))
    return sorted(found)


def _rules(root: ET.Element) -> list[ET.Element]:
    """The dashed threshold lines across the plot (not the legend's short key)."""
    return [
        el
        for el in _all(root, "line")
        if el.get("stroke") == THRESHOLD
        and el.get("stroke-dasharray")
        and float(el.get("x2")) - float(el.get("x1")) > 100
    ]


def _polyline(root: ET.Element, color: str) -> list[tuple[float, float]]:
    (line,) = [p for p in _all(root, "polyline") if p.get("stroke") == color]
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in line.get("points").split())]


# ---------------------------------------------------------------------------- structure
def test_each_chart_is_an_svg_with_the_page_id_and_label():
    labels = {
        "load-latency": "同時ユーザー数ごとのレイテンシ p50 / p95 / p99",
        "load-ttft": "同時ユーザー数ごとの最初のトークンまでの時間（TTFT） p50 / p95 / p99",
        "load-throughput": "同時ユーザー数ごとの毎秒リクエストと出力トークン/秒",
        "load-errors": "同時ユーザー数ごとのエラー率",
    }
    for chart_id, markup in _charts(STEPS).items():
        root = _root(markup)
        assert root.tag == NS + "svg"
        assert root.get("id") == f"chart-{chart_id}" and root.get("class") == "chart"
        assert root.get("aria-label") == labels[chart_id] and root.findtext(NS + "title") == labels[chart_id]
        width, height = (float(v) for v in root.get("viewBox").split()[2:])
        assert 560 <= width <= 680 and 300 <= height <= 380


def test_titles_and_axis_labels_are_text():
    charts = {k: _texts(_root(v)) for k, v in _charts(STEPS).items()}
    assert "レイテンシ p50 / p95 / p99" in charts["load-latency"]
    assert "最初のトークンまでの時間（TTFT） p50 / p95 / p99" in charts["load-ttft"]
    assert "スループット" in charts["load-throughput"] and "エラー率" in charts["load-errors"]
    assert "ミリ秒" in charts["load-latency"] and "ミリ秒" in charts["load-ttft"]
    assert "エラー率（%）" in charts["load-errors"]
    assert {"p50", "p95", "p99"} <= set(charts["load-latency"])  # the legend
    for texts in charts.values():
        assert "同時ユーザー数" in texts


def test_coordinates_are_finite_numbers():
    for markup in _charts(STEPS).values():
        text = str(markup)
        assert not re.search(r"nan|inf", text, re.I)
        root = _root(markup)
        for el in root.iter():
            for name in COORDS:
                if el.get(name) is not None:
                    assert math.isfinite(float(el.get(name))), (el.tag, name, el.get(name))
            if el.get("points"):
                assert all(math.isfinite(float(v)) for v in re.split(r"[ ,]", el.get("points")))


def test_every_user_count_is_a_tick_label_in_log2_spacing():
    for markup in _charts(STEPS).values():
        root = _root(markup)
        texts = _texts(root)
        for users in USERS:
            assert f"{users:g}" in texts
        ticks = sorted(float(t.get("x")) for t in _all(root, "text") if "".join(t.itertext()) in ("1", "4", "16", "64"))
        ticks = [x for x in ticks if x > _plot(root)[0]]  # not a "4" of the value axis
        gaps = [b - a for a, b in pairwise(ticks)]
        assert len(gaps) == 3 and max(gaps) - min(gaps) < 0.05  # 1, 4, 16, 64: equal steps on log2


def test_a_marker_per_point_and_larger_values_drawn_higher():
    root = _root(latency_chart(STEPS))
    rows = {p: [s[f"latency_{p}_ms"] for s in STEPS] for p in ("p50", "p95", "p99")}
    heights = {}
    for color, (name, values) in zip(PALETTE[:3], rows.items(), strict=True):
        markers = _markers(root, color)
        assert len(markers) == len(values)
        assert [x for x, _ in markers] == sorted(x for x, _ in markers)
        ys = [y for _, y in markers]
        # the latency grows with the users: each marker is higher (a smaller y) than the one before
        assert all(b < a for a, b in pairwise(ys)), (name, ys)
        assert _polyline(root, color) == markers  # the line runs through the markers
        heights[name] = ys
    for i in range(len(STEPS)):
        assert heights["p99"][i] < heights["p95"][i] < heights["p50"][i]
    # the values are in proportion on an axis from 0: y(p99 at 64) / y(p50 at 1) as the values
    left, top, right, bottom = _plot(root)
    p50, p99 = bottom - heights["p50"][0], bottom - heights["p99"][-1]
    assert p99 / p50 == pytest.approx(rows["p99"][-1] / rows["p50"][0], rel=0.01)


def test_throughput_has_two_axes_coloured_like_their_lines():
    root = _root(throughput_chart(STEPS))
    assert len(_markers(root, PALETTE[0])) == 4
    assert len(_markers(root, PALETTE[1], "rect")) == 4  # squares for the tokens
    coloured = {("".join(t.itertext()), t.get("fill")) for t in _all(root, "text")}
    assert ("毎秒リクエスト", PALETTE[0]) in coloured and ("出力トークン/秒", PALETTE[1]) in coloured
    right = _plot(root)[2]
    right_ticks = [t for t in _all(root, "text") if float(t.get("x")) > right]
    assert {"0", "2,000", "4,000", "6,000"} <= {"".join(t.itertext()) for t in right_ticks}
    # each line on its own axis: 6,000 tokens/s and 200 requests/s are both at the plot's top
    top = _plot(root)[1]
    assert min(y for _, y in _markers(root, PALETTE[1], "rect")) == pytest.approx(
        top + (1 - 4800 / 6000) * (_plot(root)[3] - top), abs=0.02
    )


def test_throughput_without_tokens_or_without_requests():
    steps = copy.deepcopy(STEPS)
    for step in steps:
        step["tokens_per_s"] = None
    root = _root(throughput_chart(steps))
    assert "出力トークン/秒" not in _texts(root) and not _markers(root, PALETTE[1], "rect")
    for step in steps:
        step.update(tokens_per_s=10.0 * step["users"], requests_per_s=None)
    root = _root(throughput_chart(steps))
    assert len(_markers(root, PALETTE[1], "rect")) == 4 and not _markers(root, PALETTE[0])
    assert "毎秒リクエスト" in _texts(root)  # the left axis keeps its label, 0 to 1


def test_error_threshold_dashed_only_when_it_is_a_number():
    root = _root(error_chart(STEPS, 0.05))
    (rule,) = _rules(root)
    assert "閾値 5%" in _texts(root)
    # 5 % is drawn between the 0 % and the 6 % markers, across the whole plot
    markers = _markers(root, PALETTE[3])
    assert len(markers) == 4 and markers[1][1] < float(rule.get("y1")) < markers[0][1]
    left, _, right, _ = _plot(root)
    assert float(rule.get("x1")) == pytest.approx(left) and float(rule.get("x2")) == pytest.approx(right)
    for threshold in (None, "0.05", float("nan"), True):
        root = _root(error_chart(STEPS, threshold))
        assert not [el for el in _all(root, "line") if el.get("stroke") == THRESHOLD]
        assert not any(t.startswith("閾値") for t in _texts(root))


def test_threshold_of_zero_and_no_errors():
    steps = [_step(u) for u in USERS]  # every error rate 0
    root = _root(error_chart(steps, 0))
    assert "閾値 0%" in _texts(root)
    (rule,) = _rules(root)
    assert float(rule.get("y1")) == pytest.approx(_plot(root)[3])  # on the x axis
    assert {"0", "1"} <= set(_texts(root))  # an axis from 0 to 1 when there is nothing above 0
    assert all(y == pytest.approx(_plot(root)[3]) for _, y in _markers(root, PALETTE[3]))


def test_a_single_step():
    for chart_id, markup in _charts([_step(8, error_rate=0.02)]).items():
        root = _root(markup)
        assert "8" in _texts(root), chart_id
        assert not _all(root, "polyline")  # one point: a marker, no line
        left, _, right, _ = _plot(root)
        (x, _), *rest = _markers(root, PALETTE[3] if chart_id == "load-errors" else PALETTE[0])
        assert x == pytest.approx((left + right) / 2)  # users / 1.5 .. users x 1.5 around it


def test_missing_values_are_left_out():
    steps = copy.deepcopy(STEPS)
    steps[1]["latency_p50_ms"] = None
    steps[2]["latency_p50_ms"] = float("nan")
    steps[3]["users"] = None  # not on the axis at all
    root = _root(latency_chart(steps))
    assert len(_markers(root, PALETTE[0])) == 1 and len(_markers(root, PALETTE[1])) == 3
    assert "64" not in _texts(root)
    for step in steps:
        step.update(ttft_p50_ms=None, ttft_p95_ms=None, ttft_p99_ms=None)
    assert ttft_chart(steps) is None


def test_nothing_to_draw_is_none():
    for steps in ([], [_step(0)], [{"users": None, "latency_p50_ms": 1.0}], [{"users": 4}]):
        assert all(markup is None for markup in _charts(steps).values()), steps


def test_the_left_margin_fits_the_widest_tick_label():
    steps = [_step(1, latency_p99_ms=123_456_789.0), _step(4)]
    root = _root(latency_chart(steps))
    axis_x = _plot(root)[0]
    ends = [t for t in _all(root, "text") if t.get("text-anchor") == "end"]
    assert "150,000,000" in {"".join(t.itertext()) for t in ends}
    for t in ends:
        x, label = float(t.get("x")), "".join(t.itertext())
        assert x < axis_x and x - text_width(label, float(t.get("font-size"))) >= 0, label


def _boxes(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Every text's estimated box (label, left, top, right, bottom), one line each here."""
    boxes = []
    for t in _all(root, "text"):
        label, size = "".join(t.itertext()), float(t.get("font-size"))
        x, y, width = float(t.get("x")), float(t.get("y")), text_width(label, size)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor")]
        boxes.append((label, left, y - 0.85 * size, left + width, y + 0.25 * size))
    return boxes


@pytest.mark.parametrize("ramp", [USERS, list(range(1, 33)), [1, 2, 3, 4096]])
def test_no_text_overlaps_another_or_leaves_the_canvas(ramp):
    steps = [_step(u, error_rate=0.01 * (i % 3)) for i, u in enumerate(ramp)]
    for chart_id, markup in _charts(steps).items():
        root = _root(markup)
        width, height = (float(v) for v in root.get("viewBox").split()[2:])
        boxes = _boxes(root)
        for i, (a, l1, t1, r1, b1) in enumerate(boxes):
            assert l1 >= 0 and r1 <= width and t1 >= 0 and b1 <= height, (chart_id, a)
            for b, l2, t2, r2, b2 in boxes[i + 1 :]:
                assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, (chart_id, a, b)


def test_the_same_steps_draw_the_same_svg():
    first, second = _charts(STEPS), _charts(copy.deepcopy(STEPS))
    assert all(str(first[k]) == str(second[k]) for k in first)
    assert str(_charts(STEPS, 0.1)["load-errors"]) != str(first["load-errors"])
