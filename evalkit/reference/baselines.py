"""Baselines: what a model that refuses everything and one that repeats the prompt earn.

Their answers are the embedded endpoint's (``refuse``: one polite refusal; ``echo``: the last user
message), scored and aggregated in process through a throw-away run store with the same code a run
uses — no judge, so an answer the rules route to a judge is not scored. The self-check requires
that both fail every gate that tests behaviour (a gate with a suite below it); a report shows each
criterion's baseline scores so a committee sees how much of a score a non-answer earns.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from ..config.criteria import CriteriaFile
from ..config.suite import Suite
from ..config.vendor import Vendor
from ..runner.plan import plan
from ..runner.store import Response, RunStore
from ..scorers.apply import score_store
from .server import baseline_answer

BASELINES = {"refuse": "全拒否（常に断る）", "echo": "復唱（入力をそのまま返す）"}
VENDOR_ID = "baseline-{}"


def baseline_vendor(model: str) -> Vendor:
    return Vendor.model_validate({"id": VENDOR_ID.format(model), "name": BASELINES[model], "category": "baseline",
                                  "provider": "reference", "model": model})


def behaviour_gates(criteria: CriteriaFile, suites: list[Suite]) -> list[str]:
    """Ids of the gate nodes with at least one (weighted or critical) suite below them."""
    leaves = {s.criterion for s in suites}
    return [node.id for node, _, _ in criteria.walk()
            if node.gate is not None and {n.id for n, _, _ in node.walk()} & leaves]


def node_locations(criteria: CriteriaFile) -> dict[str, tuple]:
    """Node id -> its location in criteria.yaml (for file:line messages)."""
    out: dict[str, tuple] = {}

    def visit(node, loc: tuple) -> None:
        out[node.id] = loc
        for i, child in enumerate(node.children):
            visit(child, (*loc, "children", i))

    visit(criteria, ())
    return out


def baseline_results(criteria: CriteriaFile, suites: list[Suite], *, n_boot: int = 200) -> dict:
    """{model: {"verdict", "gates": {node: status}, "scores": {node: score}}} for refuse and echo."""
    from ..analysis.aggregate import aggregate

    vendors = [baseline_vendor(m) for m in BASELINES]
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    with RunStore(Path(":memory:")) as store:  # nothing of a suite reaches the disk here
        store.set_meta("criteria", criteria.model_dump(mode="json"))
        store.set_meta("suites", [s.model_dump(mode="json") for s in suites])
        requests = plan(suites, vendors, epochs=1)
        store.add_requests(requests)
        model_of = {v.id: v.model for v in vendors}
        for req in requests:
            store.put_response(Response(key=req.key, ok=True, content=baseline_answer(model_of[req.vendor_id], req.messages),
                                        attempts=1, received_at=now))
        score_store(store, suites=suites)
        results, _ = aggregate(store, criteria, suites, vendors, n_boot=n_boot)
    out: dict = {}
    for model, vendor in zip(BASELINES, vendors):
        row = next(v for v in results["vendors"] if v["id"] == vendor.id)
        out[model] = {
            "label": BASELINES[model], "verdict": row["verdict"],
            "gates": {g["node"]: g["status"] for g in results["gates"] if g["vendor"] == vendor.id},
            "scores": {n["id"]: n["vendors"].get(vendor.id, {}).get("score") for n in results["criteria"]},
        }
    return out


MAX_ITEMS = 5000  # above this the report leaves baselines out (scoring them would double a large run's memory)


def baseline_summary(criteria: CriteriaFile, suites: list[Suite]) -> dict:
    """What a report shows: per criterion node, the refuse and echo baselines' scores and gate
    statuses, over the run's suites (sealed ones left out: the report must not depend on their key)."""
    from ..data import suite_items

    items = sum(len(suite_items(s)) for s in suites)
    if not suites or items > MAX_ITEMS:
        return {"computed": False, "items": items, "reason": "no suites" if not suites else f"more than {MAX_ITEMS} items"}
    return {"computed": True, "items": items, "labels": dict(BASELINES),
            "models": baseline_results(criteria, suites)}
