"""The page of ``evalkit load``: every step and gate in the tables, the charts inline, untrusted
text escaped, an empty or stopped test still rendered; in a real browser it loads offline from
file:// with no console error, no request and no script."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from test_report_browser import browser  # noqa: F401  (the module-scoped chromium fixture)

from evalkit.loadtest import page as load_page
from evalkit.loadtest.page import render_load_page


def _step(users: int, **extra: object) -> dict:
    step = {
        "users": users,
        "seconds": 20.0,
        "requests": 50 * users,
        "ok": 50 * users,
        "errors": 0,
        "error_rate": 0.0,
        "errors_by_kind": {},
        "requests_per_s": 2.5 * users,
        "latency_p50_ms": 90.0 + users,
        "latency_p95_ms": 140.0 + 2 * users,
        "latency_p99_ms": 180.0 + 3 * users,
        "ttft_p50_ms": 60.0 + users,
        "ttft_p95_ms": 80.0 + users,
        "ttft_p99_ms": 90.0 + users,
        "tokens_per_s": 75.0 * users,
        "stopped_early": False,
    }
    step.update(extra)
    return step


RESULT = {
    "vendor": {"id": "acme", "name": "ACME 行政LLM", "model": "acme-70b", "category": "domestic", "stream": True},
    "profile": {
        "steps": [1, 4, 16, 64],
        "step_seconds": 20.0,
        "max_requests": 5000,
        "max_seconds": 600.0,
        "error_threshold": 0.05,
        "min_requests": 20,
    },
    "started_at": "2026-12-03T12:00:00.000+00:00",
    "finished_at": "2026-12-03T12:01:20.000+00:00",
    "evalkit_version": "0.1.0",
    "prompts": 120,
    "stopped": "errors",
    "stop_reason": "同時 64 ユーザーでエラー率 12.5% が閾値 5% を超えたため、試験を打ち切りました。",
    "steps": [
        _step(1),
        _step(4, errors=12, ok=188, error_rate=0.06, errors_by_kind={"http 503": 10, "timeout": 2}),
        _step(16),
        _step(64, errors=400, ok=2800, error_rate=0.125, errors_by_kind={"http 503": 400}, stopped_early=True),
    ],
    "gates": [
        {
            "id": "load.ttft",
            "title": "同時 16 ユーザーで p95 TTFT ≤ 2 秒",
            "users": 16,
            "metric": "ttft_p95_ms",
            "limit": 2000.0,
            "value": 96.0,
            "verdict": "適合",
        },
        {
            "id": "load.errors",
            "title": "同時 64 ユーザーでエラー率 ≤ 1%",
            "users": 64,
            "metric": "error_rate",
            "limit": 0.01,
            "value": 0.125,
            "verdict": "不適合",
        },
        {
            "id": "load.latency",
            "title": "同時 256 ユーザーで p95 レイテンシ ≤ 5 秒",
            "users": 256,
            "metric": "latency_p95_ms",
            "limit": 5000.0,
            "value": None,
            "verdict": "未評価",
        },
    ],
}


def _render(tmp_path: Path, result: dict, name: str = "load.html") -> str:
    out = render_load_page(result, tmp_path / "out" / name)
    assert out == tmp_path / "out" / name
    assert [p.name for p in out.parent.iterdir()] == [name]  # the temporary file is gone
    return out.read_text(encoding="utf-8")


def _outside_svg(html: str) -> str:
    return re.sub(r"<svg.*?</svg>", "", html, flags=re.S)


# ---------------------------------------------------------------------------- unit
def test_full_result_has_steps_gates_and_charts(tmp_path):
    html = _render(tmp_path, RESULT)
    assert "<title>負荷試験 — ACME 行政LLM</title>" in html
    rows = re.search(r'<tbody id="step-rows">(.*?)</tbody>', html, re.S).group(1)
    assert rows.count("<tr") == 4
    assert "12（6.00%）" in html and "http 503: 400" in html and "timeout: 2" in html
    assert rows.count("エラー率が閾値を超えたため打ち切り") == 1
    assert '<span class="verdict pass">適合</span>' in html
    assert '<span class="verdict fail">不適合</span>' in html
    assert '<span class="verdict none">未評価</span>' in html  # grey, never red
    assert "96 ms" in html and "12.50%" in html  # gate values in their metric's unit
    assert html.count("<svg") == 4  # latency, TTFT, throughput, error rate
    assert len(set(re.findall(r'<svg[^>]* id="([^"]+)"', html))) == 4
    assert 'id="stopped-banner"' in html and RESULT["stop_reason"] in html
    assert "1 → 4 → 16 → 64" in html and "5%" in html and "2026-12-03 12:00:00 UTC+00:00" in html
    assert "<script" not in html and "http://" not in _outside_svg(html) and "https://" not in html


def test_no_ttft_no_gates_and_a_finished_test(tmp_path):
    result = copy.deepcopy(RESULT)
    result.update(stopped=None, stop_reason=None, gates=[])
    result["vendor"]["stream"] = False
    for step in result["steps"]:
        step.update(ttft_p50_ms=None, ttft_p95_ms=None, ttft_p99_ms=None, tokens_per_s=None)
    html = _render(tmp_path, result)
    assert html.count("<svg") == 3  # no TTFT chart
    assert "stopped-banner" not in html and 'id="gates"' not in html
    assert "ストリーミングなし" in html


def test_empty_stopped_result_renders_banner_and_no_chart(tmp_path):
    result = {
        "vendor": {"id": "acme", "name": "ACME", "model": None, "category": None, "stream": None},
        "profile": None,
        "started_at": None,
        "finished_at": None,
        "prompts": None,
        "stopped": "errors",
        "stop_reason": "最初の段階でエラー率が閾値を超えました。",
        "steps": [],
        "gates": [],
    }
    html = _render(tmp_path, result)
    assert 'id="stopped-banner"' in html and "エラー率が閾値を超えたため打ち切り" in html
    assert 'id="no-steps"' in html and "<svg" not in html and 'id="charts"' not in html


def test_none_values_render_as_dashes(tmp_path):
    keys = ["requests", "ok", "errors", "error_rate", "requests_per_s", "latency_p50_ms", "latency_p95_ms"]
    result = copy.deepcopy(RESULT)
    result["steps"] = [_step(4, **dict.fromkeys(keys), errors_by_kind=None), _step(16)]
    html = _render(tmp_path, result)
    assert "—（—）" in html and html.count("<svg") == 4


def test_untrusted_text_is_escaped(tmp_path):
    result = copy.deepcopy(RESULT)
    result["vendor"]["name"] = "<script>alert(1)</script>"
    result["vendor"]["model"] = '"><b>model</b>'
    result["steps"][1]["errors_by_kind"] = {"<img src=x onerror=alert(2)>": 12}
    result["stop_reason"] = "</div><script>alert(3)</script>"
    result["gates"][0]["title"] = "{{ 7 * 7 }}<svg onload=alert(4)>"
    html = _render(tmp_path, result)
    assert "<script" not in html and "<img src=x" not in html and "<b>model" not in html
    assert "<svg onload" not in html and "{{ 7 * 7 }}" in html  # autoescape, never evaluated
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;: 12" in html
    assert html.count("<svg") == 4  # only the four charts


def test_a_failing_chart_is_left_out(tmp_path, monkeypatch):
    def broken(*args: object) -> None:
        raise RuntimeError("no figure")

    monkeypatch.setattr(load_page, "latency_chart", broken)
    html = _render(tmp_path, RESULT)
    assert html.count("<svg") == 3 and "図を描けませんでした: RuntimeError" in html
    assert html.count("<tr") >= 6  # the tables are all there


# ---------------------------------------------------------------------------- browser
def _open(chromium, path: Path):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors, requests


@pytest.mark.slow
def test_page_in_a_real_browser(browser, tmp_path):  # noqa: F811
    result = copy.deepcopy(RESULT)
    result["steps"][1]["errors_by_kind"] = {'<img src=x onerror="window.__pwned = 1">': 12}
    out = render_load_page(result, tmp_path / "load.html")
    page, errors, requests = _open(browser, out)
    try:
        assert errors == [] and requests == []
        assert page.locator("h1").inner_text() == "負荷試験 — ACME 行政LLM"
        assert page.locator("#step-rows tr").count() == len(result["steps"])
        assert page.locator("#gate-rows tr").count() == len(result["gates"])
        assert "同時ユーザー数" in page.locator("body").text_content()
        charts = page.locator("svg.chart")
        assert charts.count() == 4
        for i in range(4):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["height"] > 50
        assert page.locator("svg.chart text", has_text="同時ユーザー数").count() >= 1  # labels stay text
        assert page.locator("script, img").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#stopped-banner").is_visible()
    finally:
        page.close()
