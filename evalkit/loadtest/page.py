"""The HTML page of ``evalkit load``: one self-contained file, in Japanese, with no script at all.

Styles and the charts (SVGs drawn by ``evalkit.loadtest.charts`` on the canvas of
``evalkit.report.svg``) are inlined; a Content-Security-Policy forbids every script and every
network access. Vendor names, error kinds and stop reasons are untrusted text: the template escapes
everything (autoescape) and only the chart SVGs, which escape their own text, are marked safe. Any
value of the result may be None and the steps may be empty (a test stopped before its first step
finished): the page still renders, with "—" where a number is missing. A chart that fails is left
out with a short note; the tables carry the numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .. import __version__
from ..report.formats import is_num, ms
from .charts import error_chart, latency_chart, throughput_chart, ttft_chart

CATEGORY_LABELS = {"domestic": "国内", "foreign": "海外参照", "baseline": "基準（組込み）"}
STOP_LABELS = {
    "errors": "エラー率が閾値を超えたため打ち切り",
    "max_requests": "リクエスト数の上限に達したため終了",
    "max_seconds": "試験時間の上限に達したため終了",
}
METRIC_LABELS = {
    "error_rate": "エラー率",
    "requests_per_s": "毎秒リクエスト",
    "tokens_per_s": "出力トークン/秒",
    **{f"latency_{p}_ms": f"レイテンシ {p}" for p in ("p50", "p95", "p99")},
    **{f"ttft_{p}_ms": f"TTFT {p}" for p in ("p50", "p95", "p99")},
}


# ---------------------------------------------------------------------------- filters
# (the report's render module imports pandas and the run store: the page shares only its number
# formats, evalkit/report/formats.py, and keeps its own few here)
def num(value: Any) -> str:
    """A count: whole numbers without decimals, others with one."""
    if not is_num(value):
        return "—"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def rate(value: Any) -> str:
    """A rate per second, one decimal."""
    return f"{value:,.1f}" if is_num(value) else "—"


def pct(value: Any) -> str:
    """A share (0-1) as a percentage with two decimals: an error rate in the table."""
    return f"{value * 100:.2f}%" if is_num(value) else "—"


def pct_short(value: Any) -> str:
    """A share as a short percentage: a threshold (0.05 -> 5%)."""
    return f"{value * 100:g}%" if is_num(value) else "—"


def seconds(value: Any) -> str:
    return f"{value:g}" if is_num(value) else "—"


def when(value: Any) -> str:
    """An ISO timestamp as '2026-12-03 12:00:00 UTC+00:00' (anything else as given)."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    offset = moment.strftime("%z")
    zone = f" UTC{offset[:3]}:{offset[3:]}" if offset else ""
    return moment.strftime("%Y-%m-%d %H:%M:%S") + zone


def metric_label(metric: Any) -> str:
    return METRIC_LABELS.get(metric, str(metric)) if metric else "—"


def metric_value(value: Any, metric: Any) -> str:
    """A gate's limit or measured value in the unit of its metric."""
    if not is_num(value):
        return "—"
    if str(metric).endswith("_ms"):
        return f"{ms(value)} ms"
    return pct(value) if metric == "error_rate" else rate(value)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("evalkit", "loadtest/templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        ms=ms,
        num=num,
        rate=rate,
        pct=pct,
        pct_short=pct_short,
        seconds=seconds,
        when=when,
        metric_label=metric_label,
        metric_value=metric_value,
    )
    return env


# ---------------------------------------------------------------------------- charts
def _chart(fn: Callable[..., Markup | None], *args: Any) -> Markup | None:
    try:
        return fn(*args)
    except Exception as exc:  # a chart must never cost the page; the tables carry the numbers
        return Markup('<p class="sub chart-missing">（図を描けませんでした: ') + type(exc).__name__ + Markup("）</p>")


def load_charts(steps: list[dict], profile: dict) -> list[Markup]:
    """The charts that have something to show, in the page's order."""
    drawn = [
        _chart(latency_chart, steps),
        _chart(ttft_chart, steps),
        _chart(throughput_chart, steps),
        _chart(error_chart, steps, profile.get("error_threshold")),
    ]
    return [chart for chart in drawn if chart is not None]


# ---------------------------------------------------------------------------- page
def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _records(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def error_kinds(step: dict) -> list[tuple[str, Any]]:
    """A step's error kinds, the most frequent first."""
    kinds = _mapping(step.get("errors_by_kind"))
    return sorted(kinds.items(), key=lambda kv: -kv[1] if is_num(kv[1]) else 0)


def _context(result: dict[str, Any]) -> dict[str, Any]:
    vendor = _mapping(result.get("vendor"))
    profile = _mapping(result.get("profile"))
    steps = _records(result.get("steps"))
    stopped = result.get("stopped")
    ramp = profile.get("steps")
    return {
        "vendor": vendor,
        "vendor_name": vendor.get("name") or vendor.get("id") or "—",
        "category": CATEGORY_LABELS.get(vendor.get("category") or "", vendor.get("category")),
        "profile": profile,
        "ramp": " → ".join(str(n) for n in ramp) if isinstance(ramp, list) and ramp else "—",
        "result": result,
        "stopped": stopped,
        "stop_label": STOP_LABELS.get(stopped, str(stopped)) if stopped else None,
        "steps": [{**step, "kinds": error_kinds(step)} for step in steps],
        "gates": _records(result.get("gates")),
        "charts": load_charts(steps, profile),
        "evalkit_version": result.get("evalkit_version") or __version__,
    }


def render_load_page(result: dict[str, Any], path: Path) -> Path:
    """Write the load test's page to ``path`` atomically (a temporary file beside it, then
    os.replace: a failed render never leaves half a page in its place) and return the path."""
    html = _environment().get_template("load.html.j2").render(**_context(result))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
