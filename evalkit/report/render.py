"""Render the comparative HTML report from aggregated results. Calls no endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..runner.store import RunStore

CATEGORY_LABELS = {"domestic": "国内", "foreign": "海外参照", "baseline": "基準（組込み）"}
STATUS_LABELS = {"ok": "採点済", "error": "エラー", "not_scored": "未採点", "pending": "未実行"}


def heat(score: Optional[float]) -> str:
    """Background colour for a score cell: red (0) -> yellow -> green (1)."""
    if score is None:
        return "background:#eeeeee"
    hue = int(120 * max(0.0, min(1.0, score)))
    return f"background:hsl({hue},70%,82%)"


def pct(score: Optional[float]) -> str:
    return "—" if score is None else f"{score * 100:.1f}"


def pval(p: Optional[float]) -> str:
    """p-values as a committee reads them: 3 significant digits, tiny values as '< 0.001'."""
    if p is None:
        return "—"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}"


def diff_pts(d: Optional[float]) -> str:
    """A difference of scores in points (0–100), always signed."""
    return "—" if d is None else f"{d * 100:+.1f}"


def display(value: Any) -> str:
    if value is None:
        return "未回答"
    if value is True:
        return "はい"
    if value is False:
        return "いいえ"
    return str(value)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("evalkit", "report/templates"),
                      autoescape=select_autoescape(["html", "j2"], default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(heat=heat, pct=pct, display=display, pval=pval, diff_pts=diff_pts)
    return env


def item_details(store: RunStore, df: pd.DataFrame, vendor_ids: list[str]) -> list[dict]:
    """Per suite, per item: the messages sent and every vendor's answer (epoch 0)."""
    messages = {}
    for req in store.iter_requests():
        messages.setdefault((req.suite_id, req.item_id), req.messages)
    first = df[df.epoch == 0]
    suites: dict[str, dict] = {}
    for row in first.itertuples(index=False):
        suite = suites.setdefault(row.suite_id, {"id": row.suite_id, "items": {}})
        item = suite["items"].setdefault(row.item_id, {
            "id": row.item_id, "tags": row.tags, "critical": row.critical,
            "messages": messages.get((row.suite_id, row.item_id), []), "answers": {},
        })
        item["answers"][row.vendor_id] = {
            "status": row.status, "status_label": STATUS_LABELS.get(row.status, row.status),
            "content": row.content, "score": None if pd.isna(row.score) else float(row.score),
            "passed": row.passed, "explanation": row.explanation, "error": row.error_message,
        }
    out = []
    for suite in suites.values():
        items = list(suite["items"].values())
        for item in items:
            verdicts = {a["passed"] for a in item["answers"].values() if a["status"] == "ok"}
            item["disagree"] = len(verdicts) > 1
            item["failed"] = any(a["passed"] is False or a["status"] == "error" for a in item["answers"].values())
        out.append({"id": suite["id"], "items": items})
    return out


TEST_LABELS = {
    "mcnemar_exact": "McNemar 正確検定",
    "paired_bootstrap": "対応のあるブートストラップ",
    "stratified_paired_bootstrap": "層別ブートストラップ（評価基準の重み）",
}


def comparison_groups(results: dict) -> list[dict]:
    """Paired comparisons grouped by scope (the total first), each row with a Japanese verdict."""
    names = {v["id"]: v["name"] for v in results["vendors"]}
    titles = {s["id"]: s["title"] for s in results["suites"]}
    groups: dict[tuple[str, str], dict] = {}
    for row in results.get("comparisons", []):
        key = (row["level"], row["scope"])
        group = groups.setdefault(key, {
            "scope": row["scope"], "level": row["level"], "rows": [], "n_significant": 0,
            "title": "総合得点" if row["level"] == "total" else titles.get(row["scope"], row["scope"])})
        if row["significant"]:
            winner = names.get(row["winner"], row["winner"])
            loser = names.get(row["b"] if row["winner"] == row["a"] else row["a"])
            verdict = f"{winner} が {loser} より高い"
            group["n_significant"] += 1
        elif row["p"] is None:
            verdict = row.get("note") or "検定なし"
        else:
            verdict = "有意差なし"
        group["rows"].append({**row, "a_name": names.get(row["a"], row["a"]), "b_name": names.get(row["b"], row["b"]),
                              "verdict": verdict, "test_label": TEST_LABELS.get(row["test"], row["test"] or "—")})
    return list(groups.values())


def render_report(store: RunStore, results: dict, df: pd.DataFrame, out_path: Path) -> Path:
    vendors = results["vendors"]
    html = _environment().get_template("report.html.j2").render(
        r=results, vendors=vendors, vendor_ids=[v["id"] for v in vendors],
        vendor_names={v["id"]: v["name"] for v in vendors},
        category_labels=CATEGORY_LABELS, details=item_details(store, df, [v["id"] for v in vendors]),
        suite_titles={s["id"]: s["title"] for s in results["suites"]},
        comparisons=comparison_groups(results),
        evalkit_version=__version__,
        manifest_json=json.dumps({"manifest": results.get("manifest"), "config": results.get("config")},
                                 ensure_ascii=False, indent=2, default=str),
    )
    out_path.write_text(html, encoding="utf-8")
    return out_path
