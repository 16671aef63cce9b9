"""Tidy tables from the run store: one row per item x vendor x epoch."""

from __future__ import annotations

import json

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
    """status is 'ok' (scored), 'error' (no response) or 'pending' (never answered)."""
    suites = {s["id"]: Suite.model_validate(s) for s in store.get_meta("suites", [])}
    items = {(sid, it.id): it for sid, suite in suites.items() for it in suite_items(suite)}
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
            "epoch": req.epoch, "key": req.key, "critical": bool(item.critical) if item else False,
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
