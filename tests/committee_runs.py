"""Small finished runs built row by row (no endpoint): the verdict of every item × vendor is chosen by the
test. Shared by test_item_analysis.py and test_scoring_sheet.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit.config.criteria import CriteriaFile
from evalkit.config.suite import Suite
from evalkit.config.vendor import Vendor
from evalkit.runner.store import PlannedRequest, Response, RunStore

CRITERIA: dict[str, Any] = {
    "id": "root",
    "title": "全体",
    "clause": "全体",
    "children": [
        {
            "id": "work",
            "title": "実務",
            "clause": "要件3",
            "weight": 2,
            "gate": {"description": "実務の得点が0.6以上", "min_score": 0.6},
        },
        {
            "id": "day",
            "title": "当日試験",
            "clause": "当日",
            "weight": 1,
            "gate": {"description": "重要設問の不合格なし", "max_critical_failures": 0},
        },
    ],
}


def vendor(vid: str, category: str = "domestic", model: str = "oracle", name: str | None = None) -> dict[str, Any]:
    return {
        "id": vid,
        "name": name or vid.upper(),
        "category": category,
        "provider": "reference",
        "model": model,
        "publish": True,
    }


def suite(sid: str, criterion: str, items: Sequence[Mapping[str, Any]], version: str = "1", **extra: Any) -> dict:
    return {
        "id": sid,
        "version": version,
        "title": f"スイート{sid}",
        "criterion": criterion,
        "prompt": "{{ q }}",
        "scorers": [{"kind": "exact"}],
        "items": [{"vars": {"q": f"Q-{it['id']}"}, "reference": "x", **it} for it in items],
        **extra,
    }


def build_run(
    run_dir: Path,
    *,
    run_id: str,
    vendors: Sequence[Mapping[str, Any]],
    suites: Sequence[Mapping[str, Any]],
    verdicts: Mapping[tuple[str, str], bool | None],
    criteria: Mapping[str, Any] | None = None,
    prereg: str | None = None,
    blind_seed: int | None = None,
) -> Path:
    """A finished, scored run. ``verdicts[(vendor id, item id)]``: True passes, False fails, None is an
    error (no answer); an item × vendor not listed fails."""
    models = [Suite.model_validate(s) for s in suites]
    vendor_models = [Vendor.model_validate(v) for v in vendors]
    store = RunStore.open_dir(run_dir)
    store.set_meta(
        "manifest",
        {
            "run_id": run_id,
            "evalkit_version": "test",
            "started_at": "2026-03-01T00:00:00+00:00",
            "finished_at": "2026-03-01T00:10:00+00:00",
            "epochs": 1,
        },
    )
    store.set_meta("criteria", CriteriaFile.model_validate(criteria or CRITERIA).model_dump(mode="json"))
    store.set_meta("suites", [s.model_dump(mode="json") for s in models])
    store.set_meta("vendors", [v.model_dump(mode="json") for v in vendor_models])
    if prereg is not None:
        store.set_meta(
            "preregistration", {"algorithm": "sha256", "digest": prereg, "computed_at": "2026-03-01T00:00:00+00:00"}
        )
    if blind_seed is not None:
        store.set_meta("blind", {"seed": blind_seed})
    requests, scores = [], []
    for v in vendor_models:
        for s in models:
            for item in s.items:
                key = f"{v.id}|{s.id}|{item.id}|0"
                requests.append(PlannedRequest(key, v.id, s.id, item.id, 0, [{"role": "user", "content": "q"}], {}))
                verdict = verdicts.get((v.id, item.id), False)
                if verdict is None:
                    store.put_response(Response(key, ok=False, error_kind="http", http_status=503, error_message="x"))
                    continue
                store.put_response(Response(key, ok=True, content=f"answer {v.id}", latency_ms=10.0))
                scores.append(
                    (key, 0, "exact", float(verdict), int(verdict), 1.0, "一致" if verdict else "不一致", "{}")
                )
    store.add_requests(requests)
    store.replace_scores(scores)
    store.close()
    return run_dir
