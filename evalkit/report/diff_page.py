"""The HTML page of ``evalkit diff``: one self-contained Japanese file from ``diff.json``'s data.

Jinja2 with autoescape (answers are model output: hostile), the report's stylesheet inlined, no
script at all, and a Content-Security-Policy that forbids every network access and every script, so
an injected ``<script>`` or ``onerror=`` could not run even if it ever got past the escaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from .. import __version__
from . import templating
from .render import TEST_LABELS, diff_pts, pct, pstat, pval

TEMPLATE = "diff.html.j2"


def _environment() -> Environment:
    return templating.environment({"pct": pct, "diff_pts": diff_pts, "pval": pval, "pstat": pstat})


def mdd_text(mdd: Mapping[str, Any] | None) -> str:
    """「（この設問数で検出できる最小差: ±x pt、検出力 80 %）」 or why there is none."""
    if not mdd:
        return ""
    if mdd.get("value") is None:
        return f"（{mdd.get('note') or '最小検出差なし'}）"
    return f"（この設問数で検出できる最小差: ±{mdd['value'] * 100:.1f} pt、検出力 {mdd['power'] * 100:.0f} %）"


def change_verdict(row: Mapping[str, Any]) -> str:
    """A row's verdict in Japanese: a significant rise or fall, no significant change (with the MDD),
    or why nothing was tested."""
    if row.get("significant"):
        return "有意に上昇" if (row.get("diff") or 0) > 0 else "有意に低下"
    if row.get("p") is None:
        return str(row.get("note") or "検定なし")
    return "有意差なし" + mdd_text(row.get("mdd"))


def render_diff(data: Mapping[str, Any], out_path: Path) -> Path:
    """Write the page for the comparison ``data`` (``run_diff``'s result) to ``out_path``."""
    env = _environment()
    css = templating.source(env, "report.css.j2")
    html = env.get_template(TEMPLATE).render(
        d=data,
        css=Markup(css),
        evalkit_version=__version__,
        verdict=change_verdict,
        test_label=lambda t: TEST_LABELS.get(t, t or "—"),
    )
    out_path = Path(out_path)
    out_path.write_text(html, encoding="utf-8")
    return out_path


__all__ = ["change_verdict", "mdd_text", "render_diff"]
