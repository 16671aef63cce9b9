"""Aggregation: items -> suites -> criteria tree -> total, with gates and attestation checks.

The result is a plain, JSON-serialisable dict: the report renders it and ``summary.json``
stores it, so every number shown can be traced back to the store.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import pandas as pd

from ..config.criteria import CriteriaFile, CriterionNode
from ..config.suite import Suite
from ..config.vendor import Vendor
from ..runner.store import RunStore
from .stats import mean_interval
from .tables import item_table

VERDICT_PASS = "適合"
VERDICT_FAIL = "不適合"


def _num(value: Any) -> Optional[float]:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def suite_results(df: pd.DataFrame, suites: list[Suite], vendors: list[Vendor]) -> list[dict]:
    out = []
    for suite in suites:
        sdf = df[df.suite_id == suite.id]
        per_vendor = {}
        for vendor in vendors:
            vdf = sdf[sdf.vendor_id == vendor.id]
            scored = vdf[vdf.status == "ok"]
            mean, low, high = mean_interval(scored["score"].tolist())
            per_vendor[vendor.id] = {
                "score": _num(mean), "ci_low": _num(low), "ci_high": _num(high),
                "n": int(len(vdf)), "n_scored": int(len(scored)),
                "n_passed": int(scored["passed"].fillna(False).astype(bool).sum()),
                "n_errors": int((vdf.status == "error").sum()),
                "n_not_scored": int(vdf.status.isin(["not_scored", "pending"]).sum()),
                "critical_failures": int(((scored.critical) & (~scored["passed"].fillna(False).astype(bool))).sum()),
                "latency_p50_ms": _num(vdf.latency_ms.median()) if len(scored) else None,
            }
        out.append({
            "id": suite.id, "title": suite.title, "version": suite.version, "criterion": suite.criterion,
            "description": suite.description, "n_items": int(sdf.item_id.nunique()), "vendors": per_vendor,
        })
    return out


def attestation_results(criteria: CriteriaFile, vendors: list[Vendor]) -> list[dict]:
    out = []
    for node, _, _ in criteria.walk():
        for check in node.attestation:
            row = {"node": node.id, "node_title": node.title, "title": check.title, "field": check.field,
                   "required": check.expect if check.max is None else f"≤ {check.max:g}",
                   "critical": check.critical, "vendors": {}}
            for vendor in vendors:
                declared = getattr(vendor.attestation, check.field)
                ok = check.check(declared)
                verdict = "未回答" if ok is None else (VERDICT_PASS if ok else VERDICT_FAIL)
                row["vendors"][vendor.id] = {"declared": declared, "verdict": verdict, "ok": bool(ok)}
            out.append(row)
    return out


def _node_scores(node: CriterionNode, vendor: Vendor, suites: list[dict], attest: list[dict],
                 acc: dict[str, dict]) -> tuple[Optional[float], int]:
    """Score and critical-failure count of ``node`` for ``vendor``; fills ``acc`` for every node."""
    critical = 0
    if node.is_leaf:
        parts = [s["vendors"][vendor.id]["score"] for s in suites if s["criterion"] == node.id]
        parts = [p for p in parts if p is not None]
        critical += sum(s["vendors"][vendor.id]["critical_failures"] for s in suites if s["criterion"] == node.id)
        checks = [a for a in attest if a["node"] == node.id]
        if checks:
            parts.append(sum(a["vendors"][vendor.id]["ok"] for a in checks) / len(checks))
            critical += sum(1 for a in checks if a["critical"] and not a["vendors"][vendor.id]["ok"])
        score = sum(parts) / len(parts) if parts else None
    else:
        weighted, total_weight = 0.0, 0.0
        for child in node.children:
            child_score, child_critical = _node_scores(child, vendor, suites, attest, acc)
            critical += child_critical
            if child_score is not None and child.weight > 0:
                weighted += child_score * child.weight
                total_weight += child.weight
        score = weighted / total_weight if total_weight else None
    gate = None
    if node.gate is not None:
        reasons = []
        if node.gate.min_score is not None:
            if score is None:
                reasons.append("評価データなし")
            elif score < node.gate.min_score:
                reasons.append(f"得点 {score:.3f} < 基準 {node.gate.min_score:g}")
        if node.gate.max_critical_failures is not None and critical > node.gate.max_critical_failures:
            reasons.append(f"重要項目の不合格 {critical} 件 > 許容 {node.gate.max_critical_failures} 件")
        gate = {"passed": not reasons, "reason": "、".join(reasons)}
    acc[node.id] = {"score": _num(score), "critical_failures": critical, "gate": gate}
    return score, critical


def aggregate(store: RunStore, criteria: CriteriaFile, suites: list[Suite],
              vendors: list[Vendor]) -> tuple[dict, pd.DataFrame]:
    df = item_table(store)
    suite_rows = suite_results(df, suites, vendors)
    attest = attestation_results(criteria, vendors)
    node_rows = [{"id": n.id, "title": n.title, "clause": n.clause, "depth": d, "weight": n.weight,
                  "gate": n.gate.model_dump() if n.gate else None, "is_leaf": n.is_leaf,
                  "suites": [s["id"] for s in suite_rows if s["criterion"] == n.id], "vendors": {}}
                 for n, d, _ in criteria.walk()]
    by_id = {row["id"]: row for row in node_rows}
    vendor_rows = []
    for vendor in vendors:
        acc: dict[str, dict] = {}
        total, _ = _node_scores(criteria, vendor, suite_rows, attest, acc)
        for node_id, values in acc.items():
            by_id[node_id]["vendors"][vendor.id] = values
        failed = [{"node": nid, "title": by_id[nid]["title"], "description": by_id[nid]["gate"]["description"],
                   "reason": v["gate"]["reason"]}
                  for nid, v in acc.items() if v["gate"] is not None and not v["gate"]["passed"]]
        vdf = df[df.vendor_id == vendor.id]
        ok = vdf[vdf.status == "ok"]
        vendor_rows.append({
            "id": vendor.id, "name": vendor.name, "category": vendor.category, "model": vendor.model,
            "provider": vendor.provider, "total": _num(total),
            "verdict": VERDICT_PASS if not failed else VERDICT_FAIL, "failed_gates": failed,
            "n_requests": int(len(vdf)), "n_errors": int((vdf.status == "error").sum()),
            "retries": int((vdf.attempts.clip(lower=1) - 1).sum()) if len(vdf) else 0,
            "latency_p50_ms": _num(ok.latency_ms.quantile(0.5)) if len(ok) else None,
            "latency_p95_ms": _num(ok.latency_ms.quantile(0.95)) if len(ok) else None,
            "prompt_tokens": int(ok.prompt_tokens.fillna(0).sum()) if len(ok) else 0,
            "completion_tokens": int(ok.completion_tokens.fillna(0).sum()) if len(ok) else 0,
            "models_seen": sorted({m for m in ok.model.dropna()}),
            "fingerprints": sorted({f for f in ok.system_fingerprint.dropna()}),
            "attestation": vendor.attestation.model_dump(),
        })
    ranked = sorted(vendor_rows, key=lambda v: (v["total"] is None, -(v["total"] or 0)))
    for rank, row in enumerate(ranked, 1):
        row["rank"] = rank
    return {
        "vendors": ranked, "criteria": node_rows, "suites": suite_rows, "attestation": attest,
        "counts": {"requests": int(len(df)), "ok": int((df.status == "ok").sum()),
                   "errors": int((df.status == "error").sum()),
                   "not_scored": int(df.status.isin(["not_scored", "pending"]).sum())},
    }, df
