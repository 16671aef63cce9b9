"""Render the comparative HTML report from aggregated results. Calls no endpoint.

One self-contained file: styles, the chart SVGs (charts.py), the item data (JSON) and a small
script are inlined; a Content-Security-Policy forbids every network access, and only the one
script whose SHA-256 is in the policy may run (an injected ``<script>`` or ``onerror=`` would
be blocked even if it ever got past the escaping).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from .. import __version__
from ..analysis.tables import item_level
from ..review.section import review_section
from ..runner.store import RunStore
from . import templating
from .decision_view import decision_context
from .formats import is_num, ms
from .item_section import item_analysis_section
from .items import embed, item_payload
from .views import apply_view, make_view

CATEGORY_LABELS = {"domestic": "国内", "foreign": "海外参照", "baseline": "基準（組込み）", "judge": "判定者"}
ATTESTATION_LABELS = {
    "deployment": "推論環境",
    "cloud_service": "クラウドサービス・リージョン",
    "data_residency": "データの保管・処理場所",
    "trains_on_inputs": "入力データの学習利用",
    "log_retention_days": "ログ保存期間（日）",
    "log_access": "ログへのアクセス管理",
    "ismap_listed": "ISMAP 登録",
    "incident_reporting": "インシデント報告",
    "domestic_development": "国内開発",
    "provenance": "開発の来歴",
    "base_model": "ベースモデル",
    "license_free_trial": "試行期間中の無償提供",
    "publication_consent": "結果公開への同意",
    "license_terms": "ライセンス条件",
    "notes": "備考",
    "training_data_compliance": "学習データの法令遵守",
    "ministry_inference": "関係府省庁職員への推論提供",
    "optimization_support": "性能最適化のための技術支援",
    "development_team": "開発体制",
    "safety_measures": "安全対策（ハルシネーション・バイアス・有害出力）と説明資料",
}
VALUE_LABELS = {
    "government_cloud": "ガバメントクラウド",
    "commercial_cloud": "商用クラウド",
    "on_premises": "オンプレミス",
    "other": "その他",
    "japan": "国内",
    "overseas": "海外",
    "mixed": "国内外",
    "original": "独自開発",
    "derivative": "既存モデルからの派生",
}
TEST_LABELS = {
    "mcnemar_exact": "McNemar 正確検定",
    "paired_bootstrap": "対応のあるブートストラップ",
    "stratified_paired_bootstrap": "層別ブートストラップ（評価基準の重み）",
}


# ---------------------------------------------------------------------------- filters
def heat(score: float | None) -> str:
    """Background colour for a score cell: red (0) -> yellow -> green (1)."""
    if not is_num(score):
        return "background-color:#eeeeee"
    hue = int(120 * max(0.0, min(1.0, score)))
    return f"background-color:hsl({hue},70%,82%)"


def pct(score: float | None) -> str:
    return f"{score * 100:.1f}" if is_num(score) else "—"


def pstat(p: float | None) -> str:
    """A p-value inside a sentence: 'p < 0.001' or 'p = 0.012' (never 'p = < 0.001')."""
    shown = pval(p)
    return shown if shown == "—" else (f"p {shown}" if shown.startswith("<") else f"p = {shown}")


def pval(p: float | None) -> str:
    """p-values as a committee reads them: 3 decimals, tiny values as '< 0.001'."""
    if not is_num(p):
        return "—"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}"


def diff_pts(d: float | None) -> str:
    """A difference of scores in points (0–100), always signed."""
    return f"{d * 100:+.1f}" if is_num(d) else "—"


def display(value: Any) -> str:
    if value is None:
        return "未回答"
    if value is True:
        return "はい"
    if value is False:
        return "いいえ"
    if isinstance(value, list):
        return "、".join(display(v) for v in value)
    return VALUE_LABELS.get(value, str(value)) if isinstance(value, str) else str(value)


def num(value: Any) -> str:
    return f"{value:,}" if is_num(value) else "—"


def _environment() -> Environment:
    return templating.environment(
        {
            "heat": heat,
            "pct": pct,
            "display": display,
            "pval": pval,
            "pstat": pstat,
            "diff_pts": diff_pts,
            "ms": ms,
            "num": num,
            "error_kind": error_kind,
        }
    )


# error classes with a meaning a reader needs spelled out (the others name themselves: timeout, http 503…)
ERROR_KINDS = {"context": "context（入力がモデルのコンテキスト長を超えた。再試行しない）"}


def error_kind(kind: str) -> str:
    return ERROR_KINDS.get(kind, kind)


# ---------------------------------------------------------------------------- sections
def comparison_groups(results: dict) -> list[dict]:
    """Paired comparisons grouped by scope (the total first), each row with a Japanese verdict."""
    names = {v["id"]: v["name"] for v in results["vendors"]}
    titles = {s["id"]: s["title"] for s in results["suites"]}
    groups: dict[tuple[str, str], dict] = {}
    for row in results.get("comparisons", []):
        key = (row["level"], row["scope"])
        group = groups.setdefault(
            key,
            {
                "scope": row["scope"],
                "level": row["level"],
                "rows": [],
                "n_significant": 0,
                "title": "総合得点" if row["level"] == "total" else titles.get(row["scope"], row["scope"]),
            },
        )
        if row["significant"]:
            winner = names.get(row["winner"], row["winner"])
            loser = names.get(row["b"] if row["winner"] == row["a"] else row["a"])
            verdict = f"{winner} が {loser} より高い"
            group["n_significant"] += 1
        elif row["p"] is None:
            verdict = row.get("note") or "検定なし"
        else:
            verdict = "有意差なし"
        group["rows"].append(
            {
                **row,
                "a_name": names.get(row["a"], row["a"]),
                "b_name": names.get(row["b"], row["b"]),
                "verdict": verdict,
                "test_label": TEST_LABELS.get(row["test"], row["test"] or "—"),
            }
        )
    return sorted(groups.values(), key=lambda g: g["level"] != "total")


def subtrees(nodes: list[dict]) -> dict[str, list[str]]:
    """Node id -> ids of the node and every node under it (nodes are in pre-order with depth)."""
    out: dict[str, list[str]] = {}
    for i, node in enumerate(nodes):
        ids = [node["id"]]
        for later in nodes[i + 1 :]:
            if later["depth"] <= node["depth"]:
                break
            ids.append(later["id"])
        out[node["id"]] = ids
    return out


def tag_breakdown(df: pd.DataFrame, vendor_ids: list[str]) -> dict[str, list[dict]]:
    """Per suite, per tag: each vendor's mean item score and passed/scored items (one groupby)."""
    if df.empty:
        return {}
    items = item_level(df)
    tags = df.drop_duplicates(["suite_id", "item_id"]).set_index(["suite_id", "item_id"])["tags"]
    items = items.join(tags, on=["suite_id", "item_id"]).explode("tags").dropna(subset=["tags"])
    if items.empty:
        return {}
    n_items = items.groupby(["suite_id", "tags"], sort=True).item_id.nunique()
    scored = items[items.n_ok > 0]
    stats = scored.groupby(["suite_id", "tags", "vendor_id"]).agg(
        score=("score", "mean"), n_scored=("item_id", "size"), n_passed=("passed", "sum")
    )
    cells = dict(zip(stats.index, stats.itertuples(index=False), strict=True))
    out: dict[str, list[dict]] = {}
    for key, n in n_items.items():
        suite_id, tag = cast(tuple[str, str], key)  # grouped by two columns: each key is a pair
        per_vendor: dict[str, dict[str, Any]] = {}
        for vid in vendor_ids:
            c = cells.get((suite_id, tag, vid))
            per_vendor[vid] = (
                {"score": float(c.score), "n_scored": int(c.n_scored), "n_passed": int(c.n_passed)}
                if c is not None
                else {"score": None, "n_scored": 0, "n_passed": 0}
            )
        out.setdefault(suite_id, []).append({"tag": tag, "n_items": int(n), "vendors": per_vendor})
    return out


def suite_latency(df: pd.DataFrame) -> dict[tuple[str, str], float | None]:
    answered = df[df.status.isin(["ok", "not_scored"])][["suite_id", "vendor_id", "latency_ms"]]
    if answered.empty:  # nothing answered: no latency (and an all-empty column is not numeric)
        return {}
    answered = answered.assign(latency_ms=pd.to_numeric(answered.latency_ms, errors="coerce").astype(float))
    q = answered.groupby(["suite_id", "vendor_id"]).latency_ms.quantile(0.95)
    # grouped by two columns: each key is a (suite, vendor) pair
    return {cast(tuple[str, str], k): (None if math.isnan(v) else float(v)) for k, v in q.items()}


def fix_list(results: dict, df: pd.DataFrame, vendor_id: str) -> list[dict]:
    """What one vendor has to fix: for every gate not passed, the evidence under its node."""
    nodes = results["criteria"]
    under = subtrees(nodes)
    by_id = {n["id"]: n for n in nodes}
    suites_of = {n["id"]: [sid for m in under[n["id"]] for sid in by_id[m]["suites"]] for n in nodes}
    suite_rows = {s["id"]: s for s in results["suites"]}
    items = item_level(df[df.vendor_id == vendor_id]) if not df.empty else pd.DataFrame()
    out = []
    for node in nodes:
        cell = node["vendors"].get(vendor_id, {})
        gate = cell.get("gate")
        if not gate:
            continue
        entry = {
            "node": node,
            "gate": gate,
            "spec": node["gate"],
            "score": cell.get("score"),
            "critical_items": [],
            "attestation": [],
            "low_suites": [],
            "errors": 0,
        }
        if not gate.get("passed") or gate.get("incomplete"):
            sids = suites_of[node["id"]]
            if len(items):
                crit = items[items.suite_id.isin(sids) & items.critical & (items.n_ok > 0) & ~items.passed]
                entry["critical_items"] = [
                    {
                        "suite": r.suite_id,
                        "item": r.item_id,
                        "suite_title": suite_rows.get(r.suite_id, {}).get("title", r.suite_id),
                    }
                    for r in crit.itertuples()
                ]
                entry["errors"] = int(items[items.suite_id.isin(sids)].n_errors.sum())
            entry["attestation"] = [
                a
                for a in results.get("attestation", [])
                if a["node"] in under[node["id"]] and a["critical"] and not a["vendors"].get(vendor_id, {}).get("ok")
            ]
            if node["gate"].get("min_score") is not None:
                low = [
                    {"suite": suite_rows[s], "score": suite_rows[s]["vendors"].get(vendor_id, {}).get("score")}
                    for s in sids
                    if s in suite_rows
                ]
                entry["low_suites"] = sorted([x for x in low if x["score"] is not None], key=lambda x: x["score"])
        out.append(entry)
    return out


def run_facts(results: dict, df: pd.DataFrame) -> dict:
    manifest = results.get("manifest") or {}
    n_items = int(df.drop_duplicates(["suite_id", "item_id"]).shape[0]) if not df.empty else 0
    duration = None
    try:
        from datetime import datetime

        start, end = manifest.get("started_at"), manifest.get("finished_at")
        if start and end:
            duration = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (TypeError, ValueError):
        duration = None
    return {
        "run_id": manifest.get("run_id", "—"),
        "started": manifest.get("started_at"),
        "finished": manifest.get("finished_at"),
        "duration": duration,
        "epochs": results.get("statistics", {}).get("epochs") or manifest.get("epochs"),
        "n_suites": len(results.get("suites", [])),
        "n_items": n_items,
        "n_vendors": len(results.get("vendors", [])),
        "counts": results.get("counts", {}),
        "evalkit": manifest.get("evalkit_version", __version__),
    }


def datasets_of(results: dict) -> list[dict]:
    """External data sets behind the run's suites (lawqa_jp, JBBQ ...), from results or the manifest.

    Accepts the documented shape ({suite, source, revision_or_hash, attribution}) and the
    provenance the data layer records (path or hub id, revision, items_sha256, status)."""
    raw = results.get("datasets")
    if not raw:
        raw = (results.get("manifest") or {}).get("datasets")
    if isinstance(raw, dict):
        raw = [{"suite": k, **v} if isinstance(v, dict) else {"suite": k, "source": v} for k, v in raw.items()]
    if not isinstance(raw, list):
        return []
    in_run = {s["id"] for s in results.get("suites", [])}
    out = []
    for d in raw:
        if not isinstance(d, dict):
            continue
        status = d.get("status")
        digest = d.get("items_sha256") or d.get("sha256") or d.get("hash")
        out.append(
            {
                "suite": d.get("suite"),
                "title": d.get("title"),
                "source": d.get("source") or d.get("hub_id") or d.get("path") or d.get("id") or d.get("dataset"),
                "revision": d.get("revision_or_hash")
                or d.get("revision")
                or (f"sha256:{digest[:16]}…" if digest else None),
                "attribution": d.get("attribution"),
                "license": d.get("license"),
                "n_items": d.get("n_items"),
                "status": status,
                "reason": d.get("reason"),
                # an attribution is owed for data the run used, not for a source that was skipped
                "used": status != "skipped" and (not in_run or d.get("suite") is None or d.get("suite") in in_run),
            }
        )
    return out


def order_table(results: dict) -> dict | None:
    """Order sensitivity rows (one per vendor and question family) as a table."""
    raw = results.get("order_sensitivity")
    if not raw:
        return None
    names = {v["id"]: v["name"] for v in results["vendors"]}
    titles = {s["id"]: s["title"] for s in results["suites"]}
    if isinstance(raw, list) and all(
        isinstance(r, dict) and {"vendor", "n_questions", "n_changed"} <= set(r) for r in raw
    ):
        rows = [
            {
                "スイート": titles.get(r.get("suite"), r.get("suite")),
                "ベンダー": names.get(r["vendor"], r["vendor"]),
                "比較できた設問": r["n_questions"],
                "回答が変わった設問": r["n_changed"],
                "割合": None if r.get("rate") is None else f"{r['rate'] * 100:.1f}%",
                "回答数": r.get("n_answers"),
            }
            for r in raw
            if r["vendor"] in names
        ]
        return {
            "columns": ["スイート", "ベンダー", "比較できた設問", "回答が変わった設問", "割合", "回答数"],
            "rows": rows,
        }
    rows = table_rows(raw, names)
    columns: list[str] = []
    for row in rows:
        for k in row:
            if k not in columns:
                columns.append(k)
    return {"columns": columns, "rows": rows}


def judge_summary(results: dict) -> dict | None:
    """Judge agreement and settings, when the run used LLM judges."""
    j = results.get("judges")
    if not isinstance(j, dict) or not (j.get("judges") or j.get("settings")):
        return None
    return j


def table_rows(obj: Any, names: dict[str, str], prefix: dict | None = None, depth: int = 0) -> list[dict]:
    """Flatten nested results of unknown shape (e.g. order sensitivity) into table rows."""
    prefix = dict(prefix or {})
    if isinstance(obj, list):
        rows = []
        for x in obj:
            rows += table_rows(x, names, prefix, depth)
        return rows
    if isinstance(obj, dict):
        nested = [k for k, v in obj.items() if isinstance(v, (dict, list)) and v]
        if nested and len(nested) == len(obj) and depth < 3:
            rows = []
            for k, v in obj.items():
                label = "ベンダー" if k in names else f"区分{depth + 1}"
                rows += table_rows(v, names, {**prefix, label: names.get(k, k)}, depth + 1)
            return rows
        row = dict(prefix)
        for k, v in obj.items():
            if isinstance(v, float):
                v = round(v, 4)
            elif isinstance(v, (dict, list)):
                v = json.dumps(v, ensure_ascii=False, default=str)
            row[k] = names.get(v, v) if isinstance(v, str) else v
        return [row]
    return [{**prefix, "値": obj}]


def suites_under(nodes: list[dict]) -> dict[str, str]:
    """Node id -> the ids of the suites of every leaf below it, space-separated (for links from a gate
    to the items behind it)."""
    out: dict[str, list[str]] = {}
    stack: list[str] = []
    for n in nodes:  # tree order with depths
        del stack[n["depth"] :]
        stack.append(n["id"])
        for ancestor in stack:
            out.setdefault(ancestor, []).extend(n.get("suites") or [])
    return {k: " ".join(v) for k, v in out.items()}


def other_attestation(results: dict) -> list[dict]:
    """Declared fields that no check covers (cloud service, base model, notes ...)."""
    checked = {a["field"] for a in results.get("attestation", [])}
    fields: list[str] = []
    for v in results["vendors"]:
        for k in v.get("attestation") or {}:
            if k not in checked and k not in fields and k != "evidence":
                fields.append(k)
    return [
        {
            "field": f,
            "label": ATTESTATION_LABELS.get(f, f),
            "vendors": {v["id"]: (v.get("attestation") or {}).get(f) for v in results["vendors"]},
        }
        for f in fields
    ]


def _chart(name: str, *args) -> Markup | None:
    """The chart ``name`` of :mod:`.charts`, or a note where it could not be drawn."""
    try:
        from . import charts  # loaded only when a chart is drawn (evalkit diff draws none)

        chart: Callable[..., Markup | None] = getattr(charts, name)
        return chart(*args)
    except Exception as exc:  # a chart must never cost the report; the tables carry the numbers
        return Markup('<p class="sub">（図を描けませんでした: ') + type(exc).__name__ + Markup("）</p>")


# ---------------------------------------------------------------------------- entry
def render_report(
    store: RunStore,
    results: dict,
    df: pd.DataFrame,
    out_path: Path,
    *,
    vendor: str | None = None,
    public: bool = False,
    compress: bool | None = None,
    reveal: dict | None = None,
    store_ids: dict | None = None,
) -> Path:
    """Write the report of ``results`` to ``out_path``; ``vendor``/``public`` select a variant.

    ``compress``: embed the item data gzip-compressed (None: only when it is large).
    ``reveal``: sealed suites' text rebuilt in memory (``evalkit report --reveal``): prompts,
    explanations and descriptions of sealed items are shown. ``store_ids``: shown vendor id -> id
    in the store, for a blinded run whose results carry pseudonyms."""
    # the stored suites (every item's text: megabytes of JSON in a large run) matter to the view only
    # for a public report, which withholds the text of unpublished suites
    suite_meta = (store.get_meta("suites", []) or []) if public else []
    sealed_ids = set(store.get_meta("sealed") or {})
    view = make_view(results, suite_meta, vendor=vendor, public=public, sealed=sealed_ids, reveal=reveal is not None)
    r, vdf = apply_view(results, df, view)
    if reveal is not None:
        r = dict(r)
        r["suites"] = [
            {**s, "description": reveal["descriptions"].get(s["id"], s.get("description", ""))}
            if s["id"] in sealed_ids
            else s
            for s in r["suites"]
        ]
    vendors = r["vendors"]
    vendor_ids = [v["id"] for v in vendors]
    env = _environment()
    app_js = templating.source(env, "report.js.j2")
    script_hash = base64.b64encode(hashlib.sha256(app_js.encode("utf-8")).digest()).decode("ascii")
    nodes = r["criteria"]
    payload = item_payload(store, vdf, r, view, reveal=reveal, store_ids=store_ids)
    n_items_total = len(payload["items"])
    item_data = dict(zip(("mode", "text"), embed(payload, compress), strict=True))
    del payload  # the nested lists are the largest objects here; only their JSON text is needed now
    page = env.get_template("report.html.j2").stream(
        r=r,
        view=view,
        vendors=vendors,
        vendor_ids=vendor_ids,
        context_errors=any((v.get("errors_by_kind") or {}).get("context") for v in vendors),
        thinking=any(v.get("n_with_reasoning") or v.get("reasoning_tokens") for v in vendors),
        streamed=any(v.get("n_streamed") for v in vendors),
        vendor_names={v["id"]: v["name"] for v in vendors},
        category_labels=CATEGORY_LABELS,
        attestation_labels=ATTESTATION_LABELS,
        suite_titles={s["id"]: s["title"] for s in r["suites"]},
        comparisons=comparison_groups(r),
        top_nodes=[n for n in nodes if n["depth"] == 1],
        best={
            n["id"]: max(scores)
            for n in nodes
            if (scores := [c["score"] for c in n["vendors"].values() if c.get("score") is not None])
        },
        vendor_by_id={v["id"]: v for v in vendors},
        gate_nodes=[n for n in nodes if n.get("gate")],
        gate_suites=suites_under(nodes),
        # (items a suite's variants derived, ids <item>~<name>, have weight 0: not in the breakdown by tag)
        tags=tag_breakdown(vdf[~vdf.item_id.str.contains("~", regex=False)], vendor_ids),
        latency95=suite_latency(vdf),
        fixes=fix_list(r, vdf, view.vendor) if view.vendor else [],
        facts=run_facts(r, vdf),
        datasets=datasets_of(r),
        order=order_table(r),
        judges=judge_summary(r),
        item_analysis=item_analysis_section(r),
        consistency=r.get("consistency") or {},  # 表現の揺れへの頑健性 (analysis/consistency.py)
        other_attestation=other_attestation(r),
        decision=decision_context(r, view),
        charts={
            "heatmap": _chart("heatmap", nodes, vendors),
            "bars": _chart("criterion_bars", nodes, vendors),
            "radar": _chart("radar", nodes, vendors),
            "suites": _chart("suite_forest", r["suites"], vendors),
        },
        evalkit_version=__version__,
        human_review=review_section(r, view),  # 人による審査
        load_tests=r.get("load_tests") or {},
        prereg=r.get("preregistration"),
        sealed_suites=r.get("sealed") or {},
        blind=r.get("blind"),
        manifest_json=json.dumps(
            {
                "manifest": r.get("manifest"),
                "config": r.get("config"),
                "preregistration": r.get("preregistration"),
                "sealed": r.get("sealed"),
                "statistics": r.get("statistics"),
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        item_data=item_data,
        n_items_total=n_items_total,
        app_js=Markup(app_js),
        script_hash=script_hash,
        css=Markup(templating.source(env, "report.css.j2")),
    )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    page.enable_buffering(64)  # written in pieces: the page never exists twice in memory
    partial = out_path.with_name(f".{out_path.name}.partial")
    try:
        page.dump(str(partial), encoding="utf-8")
        os.replace(partial, out_path)  # a failed render never leaves half a report in its place
    finally:
        partial.unlink(missing_ok=True)
    return out_path
