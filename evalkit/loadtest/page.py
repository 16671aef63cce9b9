"""The HTML page of ``evalkit load``: one self-contained file, in Japanese, with no script at all.

Styles and the charts (matplotlib SVGs drawn with the report's settings, see
``evalkit.report.charts``) are inlined; a Content-Security-Policy forbids every script and every
network access. Vendor names, error kinds and stop reasons are untrusted text: the template escapes
everything (autoescape) and only the SVGs matplotlib produced are marked safe. Any value of the
result may be None and the steps may be empty (a test stopped before its first step finished): the
page still renders, with "—" where a number is missing. A chart that fails is left out with a short
note; the tables carry the numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .. import __version__
from ..report.charts import PALETTE, _pyplot, _to_svg
from ..report.formats import is_num, ms

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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
PERCENTILES = ("p50", "p95", "p99")


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


def _users_axis(ax: Axes, steps: list[dict]) -> None:
    """A log x axis with the steps' user counts as its ticks (log2 spacing for 1, 4, 16, 64)."""
    from matplotlib.ticker import NullLocator

    users = sorted({float(s["users"]) for s in steps if is_num(s.get("users")) and s["users"] > 0})
    ax.set_xscale("log", base=2)
    ax.set_xticks(users, [f"{u:g}" for u in users])
    ax.xaxis.set_minor_locator(NullLocator())
    if users:
        ax.set_xlim(users[0] / 1.5, users[-1] * 1.5)
    ax.set_xlabel("同時ユーザー数")
    ax.grid(color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _figure(draw: Callable[[Any], None], chart_id: str, label: str) -> Markup:
    """One axes drawn by ``draw``, as an inline SVG; the figure is closed even when drawing fails."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.2, 3.4))
    try:
        draw(ax)
    except Exception:
        plt.close(fig)
        raise
    return _to_svg(fig, chart_id, label)


def _percentile_chart(steps: list[dict], prefix: str, title: str, chart_id: str) -> Markup | None:
    """p50/p95/p99 of ``{prefix}_pXX_ms`` against the users; None when there is no point at all."""
    series = [(p, *_points(steps, f"{prefix}_{p}_ms")) for p in PERCENTILES]
    if not any(xs for _, xs, _ in series):
        return None

    def draw(ax: Axes) -> None:
        for i, (name, xs, ys) in enumerate(series):
            if xs:
                ax.plot(xs, ys, marker="o", markersize=4, linewidth=1.6, color=PALETTE[i], label=name)
        _users_axis(ax, steps)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("ミリ秒")
        ax.set_title(title, loc="left")
        ax.legend(loc="upper left")

    return _figure(draw, chart_id, f"同時ユーザー数ごとの{title}")


def latency_chart(steps: list[dict]) -> Markup | None:
    return _percentile_chart(steps, "latency", "レイテンシ p50 / p95 / p99", "load-latency")


def ttft_chart(steps: list[dict]) -> Markup | None:
    return _percentile_chart(steps, "ttft", "最初のトークンまでの時間（TTFT） p50 / p95 / p99", "load-ttft")


def throughput_chart(steps: list[dict]) -> Markup | None:
    """Requests/s (left axis) and output tokens/s (right axis) against the users."""
    requests = _points(steps, "requests_per_s")
    tokens = _points(steps, "tokens_per_s")
    if not requests[0] and not tokens[0]:
        return None

    def draw(ax: Axes) -> None:
        handles = []
        if requests[0]:
            handles += ax.plot(
                *requests, marker="o", markersize=4, linewidth=1.6, color=PALETTE[0], label="毎秒リクエスト"
            )
        ax.set_ylabel("毎秒リクエスト", color=PALETTE[0])
        ax.set_ylim(bottom=0)
        if tokens[0]:
            right = ax.twinx()
            right.spines["right"].set_visible(True)
            handles += right.plot(
                *tokens, marker="s", markersize=4, linewidth=1.6, color=PALETTE[1], label="出力トークン/秒"
            )
            right.set_ylabel("出力トークン/秒", color=PALETTE[1])
            right.set_ylim(bottom=0)
        _users_axis(ax, steps)
        ax.set_title("スループット", loc="left")
        ax.legend(handles=handles, loc="upper left")

    return _figure(draw, "load-throughput", "同時ユーザー数ごとの毎秒リクエストと出力トークン/秒")


def error_chart(steps: list[dict], threshold: Any) -> Markup | None:
    """Error rate (%) against the users, the profile's threshold dashed."""
    xs, ys = _points(steps, "error_rate", scale=100)
    if not xs:
        return None

    def draw(ax: Axes) -> None:
        ax.plot(xs, ys, marker="o", markersize=4, linewidth=1.6, color=PALETTE[3], label="エラー率")
        top = max(ys)
        if is_num(threshold):
            limit = threshold * 100
            ax.axhline(limit, color="#b00020", linestyle="--", linewidth=1, label=f"閾値 {limit:g}%")
            top = max(top, limit)
        _users_axis(ax, steps)
        ax.set_ylim(0, top * 1.2 if top > 0 else 1)
        ax.set_ylabel("エラー率（%）")
        ax.set_title("エラー率", loc="left")
        ax.legend(loc="upper left")

    return _figure(draw, "load-errors", "同時ユーザー数ごとのエラー率")


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
