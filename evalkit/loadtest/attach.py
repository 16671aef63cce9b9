"""Load tests in the main report: ``evalkit report RUN --load DIR`` (and ``score``) attaches the result of
``evalkit load`` for one of the run's vendors, and the load gates of criteria.yaml count in that vendor's
verdict.

What is attached is kept in the run store (meta ``load_tests``: vendor id -> the folder, the SHA-256 of its
load.json and the result), so every later ``score``, ``report``, bundle and ``verify`` judges the same
numbers. Each gate is judged against the run's own criteria (not the ones the load test ran with). A
不適合 gate fails the vendor as any other gate does, a 未評価 one holds its verdict (判定保留); a vendor
without an attached load test is not judged on load gates, and the report says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config.criteria import CriteriaFile
from ..errors import UsageError
from ..i18n import tr
from ..integrity.hashing import sha256_file
from ..runner.store import RunStore
from .gates import FAIL, NOT_EVALUATED, load_gates

META = "load_tests"


def attach(store: RunStore, folders: list[Path]) -> list[str]:
    """Read each folder's load.json into the store; returns the vendor ids attached."""
    vendors = {v["id"] for v in store.get_meta("vendors", []) or []}
    attached = dict(store.get_meta(META) or {})
    done = []
    for folder in folders:
        path = Path(folder) / "load.json"
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
            vendor = result["vendor"]["id"]
            steps = result["steps"]
        except FileNotFoundError:
            raise UsageError(
                tr(
                    f"{path}: 負荷試験の結果がありません（evalkit load の出力フォルダを指定してください）",
                    f"{path}: no load test result (give the folder evalkit load wrote)",
                )
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(
                tr(f"{path}: 負荷試験の結果として読めません（{exc}）", f"{path}: not a load test result ({exc})")
            ) from None
        if not isinstance(steps, list) or vendor not in vendors:
            raise UsageError(
                tr(
                    f"{path}: ベンダー '{vendor}' はこの実行にありません"
                    f"（実行のベンダー: {', '.join(sorted(vendors))}）",
                    f"{path}: vendor '{vendor}' is not in this run (its vendors: {', '.join(sorted(vendors))})",
                )
            )
        attached[vendor] = {"folder": str(Path(folder).resolve()), "sha256": sha256_file(path), "result": result}
        done.append(vendor)
    store.set_meta(META, attached)
    return done


def apply(results: dict[str, Any], store: RunStore, criteria: CriteriaFile) -> None:
    """Judge the attached load tests' gates into ``results`` (``load_tests``) and the vendors' verdicts."""
    from ..analysis.aggregate import VERDICT_FAIL, VERDICT_INCOMPLETE, VERDICT_PASS

    attached = store.get_meta(META) or {}
    has_gates = any(node.load_gates for node, _, _ in criteria.walk())
    if not attached and not has_gates:
        return
    out: dict[str, Any] = {}
    for row in results["vendors"]:
        entry = attached.get(row["id"])
        if entry is None:
            out[row["id"]] = {"attached": False, "gates": []}
            continue
        gates = load_gates(criteria, entry["result"])
        steps = entry["result"].get("steps", [])
        out[row["id"]] = {
            "attached": True,
            "folder": entry["folder"],
            "sha256": entry["sha256"],
            "started_at": entry["result"].get("started_at"),
            "max_requests_per_s": max((s.get("requests_per_s") or 0 for s in steps), default=None),
            "gates": gates,
        }
        for gate in gates:
            if gate["verdict"] not in (FAIL, NOT_EVALUATED):
                continue
            line = {
                "node": gate["id"],
                "title": gate["title"],
                "description": gate["title"],
                "reason": _reason(gate),
            }
            (row["failed_gates"] if gate["verdict"] == FAIL else row["pending_gates"]).append(line)
        if row["failed_gates"]:
            row["verdict"] = VERDICT_FAIL
        elif row["pending_gates"] and row["verdict"] == VERDICT_PASS:
            row["verdict"] = VERDICT_INCOMPLETE
    results["load_tests"] = out


def _reason(gate: dict[str, Any]) -> str:
    value, limit = gate["value"], gate["limit"]
    if gate["verdict"] == NOT_EVALUATED:
        return f"負荷試験（同時 {gate['users']} ユーザー）で {gate['metric']} を評価できない"
    shown = "—" if value is None else f"{value:g}"
    return f"負荷試験（同時 {gate['users']} ユーザー）: {gate['metric']} {shown} > 上限 {limit:g}"
