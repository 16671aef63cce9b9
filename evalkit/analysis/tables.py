"""Tidy tables from the run store: one row per item x vendor x epoch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..config.suite import Suite
from ..data import suite_items
from ..runner.store import RunStore

ITEM_COLUMNS = [
    "vendor_id", "suite_id", "item_id", "epoch", "key", "status", "score", "passed", "critical",
    "tags", "content", "explanation", "error_kind", "http_status", "error_message", "attempts",
    "latency_ms", "prompt_tokens", "completion_tokens", "model", "system_fingerprint",
]


def item_table(store: RunStore) -> pd.DataFrame:
    """One row per request. status is 'ok' (answered and scored), 'not_scored' (answered, no
    scorer result), 'error' (the request failed) or 'pending' (never answered).

    ``critical`` is true when a failure of the row counts against gates: the item is marked
    critical or its suite is.
    """
    suites = {s["id"]: Suite.model_validate(s) for s in store.get_meta("suites", [])}
    items = {(sid, it.id): it for sid, suite in suites.items() for it in suite_items(suite)}
    critical_suites = {sid for sid, suite in suites.items() if suite.critical}
    responses = store.responses()
    scores: dict[str, list[tuple]] = {}
    for key, idx, kind, score, passed, weight, expl in store.db.execute(
        "SELECT key, scorer_index, kind, score, passed, weight, explanation FROM scores ORDER BY key, scorer_index"
    ):
        scores.setdefault(key, []).append((kind, score, passed, weight, expl))
    rows = []
    for req in store.iter_requests():
        item = items.get((req.suite_id, req.item_id))
        resp = responses.get(req.key)
        row = {
            "vendor_id": req.vendor_id, "suite_id": req.suite_id, "item_id": req.item_id,
            "epoch": req.epoch, "key": req.key, "critical": bool(item and item.critical) or req.suite_id in critical_suites,
            "tags": list(item.tags) if item else [], "score": float("nan"), "passed": None,
            "content": None, "explanation": "", "error_kind": None, "http_status": None,
            "error_message": None, "attempts": 0, "latency_ms": float("nan"), "prompt_tokens": None,
            "completion_tokens": None, "model": None, "system_fingerprint": None,
        }
        if resp is None:
            row["status"] = "pending"
        elif not resp.ok:
            row.update(status="error", error_kind=resp.error_kind, http_status=resp.http_status,
                       error_message=resp.error_message, attempts=resp.attempts)
        else:
            parts = scores.get(req.key, [])
            total_weight = sum(p[3] for p in parts)
            row.update(
                status="ok" if parts else "not_scored", content=resp.content, attempts=resp.attempts,
                latency_ms=resp.latency_ms, prompt_tokens=resp.prompt_tokens,
                completion_tokens=resp.completion_tokens, model=resp.model,
                system_fingerprint=resp.system_fingerprint,
                explanation=" / ".join(f"{p[0]}: {p[4]}" for p in parts),
            )
            if parts:
                row["score"] = (sum(p[1] * p[3] for p in parts) / total_weight) if total_weight else \
                    sum(p[1] for p in parts) / len(parts)
                row["passed"] = all(p[2] for p in parts)
        rows.append(row)
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def export_csv(df: pd.DataFrame, path) -> None:
    out = df.copy()
    out["tags"] = out["tags"].map(lambda t: json.dumps(t, ensure_ascii=False))
    out.to_csv(path, index=False)


def export_parquet(df: pd.DataFrame, path: Path) -> None:
    """The same table as results.csv with types kept (tags stay a list of strings)."""
    out = df.copy()
    out["passed"] = out["passed"].astype("boolean")
    for col in ("http_status", "prompt_tokens", "completion_tokens"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    out["tags"] = out["tags"].map(lambda t: [str(x) for x in t])
    out.to_parquet(path, index=False)


ITEM_LEVEL_COLUMNS = [
    "vendor_id", "suite_id", "item_id", "critical", "n_epochs", "n_ok", "n_errors", "n_unscored",
    "score", "score_sum", "n_pass", "passed", "passed_any", "disagree",
]


def item_level(df: pd.DataFrame) -> pd.DataFrame:
    """One row per item x vendor: the unit of sampling for every interval and test.

    score is the mean over the item's scored epochs (NaN when none was scored); passed means
    passed in every scored epoch, passed_any in at least one; disagree means the scored epochs
    do not all give the same pass/fail verdict.
    """
    if df.empty:
        return pd.DataFrame(columns=ITEM_LEVEL_COLUMNS)
    work = df[["vendor_id", "suite_id", "item_id", "status", "score", "passed", "critical"]].copy()
    ok = work.status == "ok"
    work["ok"] = ok
    work["err"] = work.status == "error"
    work["unscored"] = work.status.isin(["not_scored", "pending"])
    work["ok_score"] = np.where(ok, work["score"], 0.0)
    work["ok_pass"] = ok & work["passed"].fillna(False).astype(bool)
    grouped = work.groupby(["vendor_id", "suite_id", "item_id"], sort=False)
    out = grouped.agg(critical=("critical", "max"), n_epochs=("status", "size"), n_ok=("ok", "sum"),
                      n_errors=("err", "sum"), n_unscored=("unscored", "sum"), score_sum=("ok_score", "sum"),
                      n_pass=("ok_pass", "sum")).reset_index()
    for col in ("n_epochs", "n_ok", "n_errors", "n_unscored", "n_pass"):
        out[col] = out[col].astype(int)
    out["critical"] = out["critical"].astype(bool)
    out["score"] = np.where(out.n_ok > 0, out.score_sum / out.n_ok.where(out.n_ok > 0, 1), np.nan)
    out["passed"] = (out.n_ok > 0) & (out.n_pass == out.n_ok)
    out["passed_any"] = out.n_pass > 0
    out["disagree"] = (out.n_ok >= 2) & (out.n_pass > 0) & (out.n_pass < out.n_ok)
    return out[ITEM_LEVEL_COLUMNS]


def scorer_details(store: RunStore, kind: str) -> pd.DataFrame:
    """The stored ``detail`` of every result of scorer ``kind``, with its request's identity."""
    rows = [
        {"key": key, "vendor_id": vendor, "suite_id": suite, "item_id": item, "epoch": epoch,
         "detail": json.loads(detail)}
        for key, vendor, suite, item, epoch, detail in store.db.execute(
            "SELECT s.key, r.vendor_id, r.suite_id, r.item_id, r.epoch, s.detail FROM scores s "
            "JOIN requests r ON r.key = s.key WHERE s.kind = ? ORDER BY r.vendor_id, r.suite_id, r.item_id, r.epoch",
            (kind,))
    ]
    return pd.DataFrame(rows, columns=["key", "vendor_id", "suite_id", "item_id", "epoch", "detail"])
