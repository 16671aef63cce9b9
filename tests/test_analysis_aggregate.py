"""Aggregation on hand-computed fixtures: a run store written row by row, then aggregate().

The helper ``build_run`` is shared by the other test_analysis_* files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evalkit.analysis import VERDICT_FAIL, VERDICT_INCOMPLETE, VERDICT_PASS, aggregate
from evalkit.analysis.stats import bootstrap_interval, derive_seed, wilson
from evalkit.config.attestation import split_legacy_criteria
from evalkit.config.criteria import CriteriaFile
from evalkit.config.suite import Suite
from evalkit.config.vendor import Vendor
from evalkit.runner.store import PlannedRequest, Response, RunStore

Answer = float | tuple | str | None


def suite(
    sid: str, criterion: str, item_ids, *, critical_items=(), critical: bool = False, kind: str = "exact"
) -> dict:
    return {
        "id": sid,
        "version": "1",
        "title": f"スイート {sid}",
        "criterion": criterion,
        "prompt": "{{ q }}",
        "critical": critical,
        "scorers": [{"kind": kind}],
        "items": [{"id": i, "vars": {"q": i}, "reference": "x", "critical": i in critical_items} for i in item_ids],
    }


def vendor(vid: str, **attestation: Any) -> dict:
    return {
        "id": vid,
        "name": f"ベンダー {vid}",
        "provider": "reference",
        "model": "oracle",
        "attestation": attestation,
    }


def node(nid: str, weight: float = 1.0, children=(), **extra: Any) -> dict:
    return {"id": nid, "title": nid, "clause": nid, "weight": weight, "children": list(children), **extra}


def build_run(
    tmp_path: Path,
    criteria: dict,
    suites: list[dict],
    vendors: list[dict],
    answers: dict[tuple, Answer],
    epochs: int = 1,
    kind_detail: dict | None = None,
):
    """A run store holding exactly the given answers.

    answers[(vendor, suite, item, epoch)] (epoch may be left out when epochs == 1):
    a number -> scored, passed when it is 1; (score, passed) or (score, passed, detail); "error" -> an error
    response; "unscored" -> answered but never scored; missing -> planned, never answered.
    """
    # fixtures write attestation checks on their nodes; the run store keeps them as questionnaires
    criteria, questionnaires = split_legacy_criteria(criteria)
    crit = CriteriaFile.model_validate(criteria)
    suite_models = [Suite.model_validate(s) for s in suites]
    vendor_models = [Vendor.model_validate(v) for v in vendors]
    store = RunStore.open_dir(tmp_path / "run")
    store.set_meta("criteria", crit.model_dump(mode="json"))
    store.set_meta("attestation", [q.model_dump(mode="json") for q in questionnaires])
    store.set_meta("suites", [s.model_dump(mode="json") for s in suite_models])
    store.set_meta("vendors", [v.model_dump(mode="json") for v in vendor_models])
    requests, scores = [], []
    for v in vendor_models:
        for s in suite_models:
            for item in s.items:
                for epoch in range(epochs):
                    key = f"{v.id}|{s.id}|{item.id}|{epoch}"
                    requests.append(
                        PlannedRequest(key, v.id, s.id, item.id, epoch, [{"role": "user", "content": item.id}], {})
                    )
                    answer = answers.get((v.id, s.id, item.id, epoch), answers.get((v.id, s.id, item.id)))
                    if answer is None:
                        continue
                    if answer == "error":
                        store.put_response(
                            Response(
                                key,
                                ok=False,
                                error_kind="http",
                                http_status=500,
                                error_message="server error",
                                attempts=3,
                            )
                        )
                        continue
                    store.put_response(Response(key, ok=True, content="answer", latency_ms=10.0))
                    if answer == "unscored":
                        continue
                    if not isinstance(answer, tuple):
                        answer = (float(answer), float(answer) == 1.0)
                    score, passed = answer[0], answer[1]
                    detail = answer[2] if len(answer) > 2 else {}
                    scores.append(
                        (
                            key,
                            0,
                            s.scorers[0].kind,
                            float(score),
                            int(passed),
                            1.0,
                            "説明",
                            json.dumps(detail, ensure_ascii=False),
                        )
                    )
    store.add_requests(requests)
    store.replace_scores(scores)
    return store, crit, suite_models, vendor_models


def run(tmp_path, criteria, suites, vendors, answers, **kw):
    store, crit, s, v = build_run(tmp_path, criteria, suites, vendors, answers, **kw)
    with store:
        results, df = aggregate(store, crit, s, v)
    return results, df


def fill(vid: str, sid: str, scores: list, epoch: int | None = None, prefix: str = "i") -> dict:
    return {
        ((vid, sid, f"{prefix}{n}") if epoch is None else (vid, sid, f"{prefix}{n}", epoch)): sc
        for n, sc in enumerate(scores)
    }


def node_of(results: dict, nid: str) -> dict:
    return next(n for n in results["criteria"] if n["id"] == nid)


def vendor_of(results: dict, vid: str) -> dict:
    return next(v for v in results["vendors"] if v["id"] == vid)


# ------------------------------------------------------------------------------------------ weights
TREE = node(
    "root",
    children=[
        node("a", 3, children=[node("a1", 1), node("a2", 3)]),
        node("b", 1),
    ],
)
TREE_SUITES = [
    suite("s_a1", "a1", ["i0", "i1", "i2", "i3"]),
    suite("s_a2", "a2", ["i0", "i1"]),
    suite("s_b", "b", ["i0", "i1", "i2", "i3", "i4"]),
]


def test_two_level_tree_with_unequal_weights(tmp_path):
    answers = {**fill("v", "s_a1", [1, 1, 1, 0]), **fill("v", "s_a2", [1, 0]), **fill("v", "s_b", [1, 0, 0, 0, 0])}
    results, _ = run(tmp_path, TREE, TREE_SUITES, [vendor("v")], answers)
    # a = (1 * 0.75 + 3 * 0.5) / 4 = 0.5625; total = (3 * 0.5625 + 1 * 0.2) / 4 = 0.471875
    assert node_of(results, "a1")["vendors"]["v"]["score"] == 0.75
    assert node_of(results, "a2")["vendors"]["v"]["score"] == 0.5
    assert node_of(results, "a")["vendors"]["v"]["score"] == 0.5625
    assert node_of(results, "root")["vendors"]["v"]["score"] == 0.471875
    assert vendor_of(results, "v")["total"] == 0.471875
    assert vendor_of(results, "v")["coverage"] == 1.0
    low, high = vendor_of(results, "v")["total_ci_low"], vendor_of(results, "v")["total_ci_high"]
    assert low < 0.471875 < high


def test_missing_data_renormalises_over_siblings_with_data(tmp_path):
    # s_a2 ended in errors for every item: a = a1 alone, total = (3 * 0.75 + 1 * 0.2) / 4 = 0.6125
    answers = {
        **fill("v", "s_a1", [1, 1, 1, 0]),
        **fill("v", "s_a2", ["error", "error"]),
        **fill("v", "s_b", [1, 0, 0, 0, 0]),
    }
    results, _ = run(tmp_path, TREE, TREE_SUITES, [vendor("v")], answers)
    assert node_of(results, "a2")["vendors"]["v"]["score"] is None
    assert node_of(results, "a")["vendors"]["v"]["score"] == 0.75
    assert vendor_of(results, "v")["total"] == 0.6125
    # the lost suite carried (3/4 of a) * (3/4 of the total) = 0.5625 of the weight
    assert vendor_of(results, "v")["coverage"] == 0.4375
    row = next(s for s in results["suites"] if s["id"] == "s_a2")["vendors"]["v"]
    assert (row["n"], row["n_scored"], row["n_errors"], row["score"]) == (2, 0, 2, None)


def test_leaf_averages_suites_and_attestation_share(tmp_path):
    crit = node(
        "root",
        children=[
            node(
                "leaf",
                attestation=[
                    {"field": "ismap_listed", "title": "ISMAP", "expect": True},
                    {"field": "trains_on_inputs", "title": "学習に使わない", "expect": False},
                ],
            )
        ],
    )
    answers = fill("v", "s", [1, 1, 0, 0])
    results, _ = run(
        tmp_path, crit, [suite("s", "leaf", ["i0", "i1", "i2", "i3"])], [vendor("v", ismap_listed=True)], answers
    )
    # leaf = mean(0.5 suite, 0.5 attestation: 1 of 2 checks compliant, the other unanswered)
    assert vendor_of(results, "v")["total"] == 0.5


def test_suite_weights_within_a_leaf_and_a_diagnostic_suite_that_never_counts(tmp_path):
    heavy = {**suite("s_heavy", "leaf", ["i0", "i1"]), "weight": 2}
    diagnostic = {**suite("s_diag", "leaf", ["i0", "i1", "i2", "i3"]), "weight": 0}
    crit = node("root", children=[node("leaf", gate={"min_score": 0.5, "description": "最低点"})])
    suites = [suite("s_plain", "leaf", ["i0", "i1", "i2", "i3"]), heavy, diagnostic]
    answers = {
        **fill("v", "s_plain", [1, 0, 0, 0]),
        **fill("v", "s_heavy", [1, 0]),
        **fill("v", "s_diag", [0, 0, 0, 0]),
    }
    results, _ = run(
        tmp_path,
        crit,
        suites,
        [vendor("v"), vendor("w")],
        {
            **answers,
            **fill("w", "s_plain", [1, 0, 0, 0]),
            **fill("w", "s_heavy", [1, 0]),
            **fill("w", "s_diag", [1, 1, 1, 1]),
        },
    )
    # weighting: items (the default) — each suite by weight × items: s_plain 1 × 4, s_heavy 2 × 2, so
    # leaf = (4 * 0.25 + 4 * 0.5) / 8; the all-wrong diagnostic suite changes nothing
    for vid in ("v", "w"):
        assert vendor_of(results, vid)["total"] == round((4 * 0.25 + 4 * 0.5) / 8, 6)
        assert node_of(results, "leaf")["vendors"][vid]["gate"]["status"] == "不適合"
    diag = next(s for s in results["suites"] if s["id"] == "s_diag")
    assert diag["weight"] == 0 and diag["vendors"]["v"]["score"] == 0.0 and diag["vendors"]["w"]["score"] == 1.0
    # the total difference of v and w is none: the diagnostic suite is not part of it
    total = next(c for c in results["comparisons"] if c["level"] == "total")
    assert total["diff"] == 0.0


def test_a_leaf_with_only_a_diagnostic_suite_has_no_score(tmp_path):
    crit = node("root", children=[node("a"), node("b")])
    suites = [suite("s_a", "a", ["i0", "i1"]), {**suite("s_b", "b", ["i0", "i1"]), "weight": 0}]
    results, _ = run(tmp_path, crit, suites, [vendor("v")], {**fill("v", "s_a", [1, 0]), **fill("v", "s_b", [1, 1])})
    assert node_of(results, "b")["vendors"]["v"]["score"] is None
    assert vendor_of(results, "v")["total"] == 0.5 and vendor_of(results, "v")["coverage"] == 1.0


# ------------------------------------------------------------------------------------------ gates
def test_min_score_gate_at_the_boundary(tmp_path):
    crit = node("root", children=[node("leaf", gate={"description": "0.6以上", "min_score": 0.6})])
    items = ["i0", "i1", "i2", "i3", "i4"]
    answers = {**fill("at", "s", [1, 1, 1, 0, 0]), **fill("below", "s", [1, 1, 0, 0, 0])}
    results, _ = run(tmp_path, crit, [suite("s", "leaf", items)], [vendor("at"), vendor("below")], answers)
    at, below = vendor_of(results, "at"), vendor_of(results, "below")
    assert at["total"] == 0.6 and at["verdict"] == VERDICT_PASS and at["failed_gates"] == []
    assert below["total"] == 0.4 and below["verdict"] == VERDICT_FAIL
    assert below["failed_gates"][0]["node"] == "leaf"
    assert below["failed_gates"][0]["reason"] == "得点 0.400 < 基準 0.6"
    gate = node_of(results, "leaf")["vendors"]["at"]["gate"]
    assert gate == {"passed": True, "incomplete": False, "reason": "", "status": VERDICT_PASS}


def test_max_critical_failures_counts_critical_items_and_critical_suites(tmp_path):
    crit = node(
        "root", gate={"description": "重要項目の不合格は1件まで", "max_critical_failures": 1}, children=[node("leaf")]
    )
    suites = [
        suite("plain", "leaf", ["c1", "n1"], critical_items=["c1"]),
        suite("crit", "leaf", ["k1", "k2"], critical=True),
    ]
    answers = {
        # x: fails the critical item only -> 1 critical failure, allowed
        ("x", "plain", "c1"): 0,
        ("x", "plain", "n1"): 0,
        ("x", "crit", "k1"): 1,
        ("x", "crit", "k2"): 1,
        # y: fails the critical item and one item of the critical suite -> 2
        ("y", "plain", "c1"): 0,
        ("y", "plain", "n1"): 1,
        ("y", "crit", "k1"): 0,
        ("y", "crit", "k2"): 1,
        # z: fails only a non-critical item -> 0
        ("z", "plain", "c1"): 1,
        ("z", "plain", "n1"): 0,
        ("z", "crit", "k1"): 1,
        ("z", "crit", "k2"): 1,
    }
    results, df = run(tmp_path, crit, suites, [vendor("x"), vendor("y"), vendor("z")], answers)
    root = node_of(results, "root")["vendors"]
    assert [root[v]["critical_failures"] for v in "xyz"] == [1, 2, 0]
    assert [vendor_of(results, v)["verdict"] for v in "xyz"] == [VERDICT_PASS, VERDICT_FAIL, VERDICT_PASS]
    assert vendor_of(results, "y")["failed_gates"][0]["reason"] == "重要項目の不合格 2 件 > 許容 1 件"
    crit_suite = next(s for s in results["suites"] if s["id"] == "crit")
    assert crit_suite["critical"] is True and crit_suite["vendors"]["y"]["critical_failures"] == 1
    assert df[df.suite_id == "crit"].critical.all()  # the table marks every row of a critical suite


def test_unanswered_attestation_fails_a_critical_gate(tmp_path):
    crit = node(
        "root",
        children=[
            node(
                "env",
                gate={"description": "申告", "max_critical_failures": 0},
                attestation=[
                    {"field": "deployment", "title": "ガバメントクラウド", "expect": "government_cloud"},
                    {"field": "publication_consent", "title": "公表同意", "expect": True, "critical": False},
                ],
            )
        ],
    )
    vendors = [vendor("full", deployment="government_cloud"), vendor("silent"), vendor("wrong", deployment="other")]
    results, _ = run(tmp_path, crit, [], vendors, {})
    assert vendor_of(results, "full")["verdict"] == VERDICT_PASS  # the non-critical check does not gate
    assert vendor_of(results, "silent")["verdict"] == VERDICT_FAIL
    assert vendor_of(results, "wrong")["verdict"] == VERDICT_FAIL
    row = next(a for a in results["attestation"] if a["field"] == "deployment")
    assert row["vendors"]["silent"]["verdict"] == "未回答"
    assert vendor_of(results, "full")["total"] == 0.5  # 1 of 2 checks compliant


def test_errors_under_a_gate_that_could_change_the_verdict_make_it_incomplete(tmp_path):
    crit = node(
        "root",
        children=[
            node("sec", gate={"description": "重要項目で漏えいなし", "max_critical_failures": 0}),
            node("perf", gate={"description": "0.5以上", "min_score": 0.5}),
        ],
    )
    suites = [
        suite("leak", "sec", ["c1", "c2", "n1"], critical_items=["c1", "c2"]),
        suite("work", "perf", [f"i{n}" for n in range(10)]),
    ]
    answers = {
        # a: a critical item errored, the other passed: a leak there would fail the gate -> 判定保留
        ("a", "leak", "c1"): "error",
        ("a", "leak", "c2"): 1,
        ("a", "leak", "n1"): 1,
        **fill("a", "work", [1] * 8 + [0, "error"]),  # 8/9 scored; 8/10 .. 9/10 if answered: stays >= 0.5
        # b: already one critical failure: another error cannot rescue it -> 不適合
        ("b", "leak", "c1"): "error",
        ("b", "leak", "c2"): 0,
        ("b", "leak", "n1"): 1,
        **fill("b", "work", [1] * 5 + [0, 0, 0, "error", "error"]),  # 5/8 scored; 5/10 .. 7/10 if answered
        # c: 4/7 scored passes, but 4/10 < 0.5 if the three errors were failures -> 判定保留
        ("c", "leak", "c1"): 1,
        ("c", "leak", "c2"): 1,
        ("c", "leak", "n1"): 1,
        **fill("c", "work", [1] * 4 + [0, 0, 0, "error", "error", "error"]),
    }
    results, _ = run(tmp_path, crit, suites, [vendor("a"), vendor("b"), vendor("c")], answers)
    sec, perf = node_of(results, "sec")["vendors"], node_of(results, "perf")["vendors"]
    assert sec["a"]["gate"]["passed"] is True and sec["a"]["gate"]["incomplete"] is True
    assert sec["a"]["gate"]["status"] == VERDICT_INCOMPLETE
    assert "エラー 1 件" in sec["a"]["gate"]["reason"]
    assert perf["a"]["gate"]["incomplete"] is False and perf["a"]["gate"]["passed"] is True
    assert vendor_of(results, "a")["verdict"] == VERDICT_INCOMPLETE
    assert [g["node"] for g in vendor_of(results, "a")["pending_gates"]] == ["sec"]

    assert sec["b"]["gate"]["passed"] is False and sec["b"]["gate"]["incomplete"] is False
    assert perf["b"]["gate"]["incomplete"] is False  # 0.5 .. 0.7 all pass
    assert vendor_of(results, "b")["verdict"] == VERDICT_FAIL

    assert perf["c"]["gate"]["passed"] is True and perf["c"]["gate"]["incomplete"] is True
    assert "0.400〜0.700" in perf["c"]["gate"]["reason"]
    assert vendor_of(results, "c")["verdict"] == VERDICT_INCOMPLETE
    gates = {(g["vendor"], g["node"]): g["status"] for g in results["gates"]}
    assert gates[("c", "perf")] == VERDICT_INCOMPLETE and gates[("b", "sec")] == VERDICT_FAIL


def test_gate_failed_on_data_but_rescuable_is_incomplete_not_failed(tmp_path):
    crit = node("root", children=[node("perf", gate={"description": "0.5以上", "min_score": 0.5})])
    answers = fill("v", "s", [1, 0, 0, "error", "error"])  # 1/3 now; 1/5 .. 3/5 if answered
    results, _ = run(tmp_path, crit, [suite("s", "perf", [f"i{n}" for n in range(5)])], [vendor("v")], answers)
    gate = node_of(results, "perf")["vendors"]["v"]["gate"]
    assert gate["passed"] is False and gate["incomplete"] is True
    assert vendor_of(results, "v")["verdict"] == VERDICT_INCOMPLETE
    assert vendor_of(results, "v")["failed_gates"] == []


# ------------------------------------------------------------------------------------------ intervals
def test_suite_interval_is_wilson_for_pass_fail_items(tmp_path):
    crit = node("root", children=[node("leaf")])
    results, _ = run(
        tmp_path,
        crit,
        [suite("s", "leaf", [f"i{n}" for n in range(10)])],
        [vendor("v")],
        fill("v", "s", [1] * 8 + [0, 0]),
    )
    row = results["suites"][0]["vendors"]["v"]
    assert row["interval"] == "wilson"
    assert (row["score"], row["ci_low"], row["ci_high"]) == (0.8, 0.490162, 0.943318)
    assert (row["n"], row["n_scored"], row["n_passed"], row["n_errors"], row["n_not_scored"]) == (10, 10, 8, 0, 0)


def test_errors_and_unscored_are_counted_apart_never_as_wrong(tmp_path):
    crit = node("root", children=[node("leaf")])
    answers = fill("v", "s", [1, 1, 0, "error", "unscored"])  # i5 missing: never answered
    results, _ = run(tmp_path, crit, [suite("s", "leaf", [f"i{n}" for n in range(6)])], [vendor("v")], answers)
    row = results["suites"][0]["vendors"]["v"]
    assert row["score"] == pytest.approx(2 / 3, abs=1e-6)
    assert (row["n"], row["n_scored"], row["n_errors"], row["n_not_scored"]) == (6, 3, 1, 2)
    assert (row["ci_low"], row["ci_high"]) == tuple(round(x, 6) for x in wilson(2, 3))
    assert results["counts"] == {"requests": 6, "ok": 3, "errors": 1, "not_scored": 2}


def test_continuous_scores_get_a_seeded_bootstrap_interval(tmp_path):
    crit = node("root", children=[node("leaf")])
    values = [0.2, 0.5, 0.9, 0.4, 0.75, 0.1, 0.6, 0.3]
    s = [suite("s", "leaf", [f"i{n}" for n in range(8)])]
    answers = fill("v", "s", [(x, x >= 0.5) for x in values])
    first, _ = run(tmp_path / "one", crit, s, [vendor("v")], answers)
    again, _ = run(tmp_path / "two", crit, s, [vendor("v")], answers)
    row = first["suites"][0]["vendors"]["v"]
    assert row["interval"] == "bootstrap"
    assert row == again["suites"][0]["vendors"]["v"]
    low, high = bootstrap_interval(values, derive_seed("suite", "v", "s"))
    assert (row["ci_low"], row["ci_high"]) == (round(low, 6), round(high, 6))
    # the leaf and root are this one suite: their interval is the suite's
    assert node_of(first, "root")["vendors"]["v"]["ci_low"] == row["ci_low"]


def test_epochs_intervals_are_over_items_not_rows(tmp_path):
    crit = node("root", children=[node("leaf")])
    s = [suite("s", "leaf", ["i0", "i1", "i2", "i3"]), suite("t", "leaf", [f"j{n}" for n in range(5)])]
    answers = {
        **fill("v", "s", [1, 1, 0, 0], epoch=0),
        **fill("v", "s", [1, 0, 0, 0], epoch=1),
        **fill("v", "t", [1, 1, 1, 0, 0], epoch=0, prefix="j"),
        **fill("v", "t", [1, 1, 1, 0, 0], epoch=1, prefix="j"),
    }
    results, df = run(tmp_path, crit, s, [vendor("v")], answers, epochs=2)
    assert len(df) == 18  # one row per item x vendor x epoch
    srow = results["suites"][0]["vendors"]["v"]
    # item means 1, 0.5, 0, 0: continuous at item level -> bootstrap over the 4 items
    assert srow["score"] == 0.375 and srow["interval"] == "bootstrap"
    assert (srow["n"], srow["n_scored"], srow["n_requests"]) == (4, 4, 8)
    low, high = bootstrap_interval([1.0, 0.5, 0.0, 0.0], derive_seed("suite", "v", "s"))
    assert (srow["ci_low"], srow["ci_high"]) == (round(low, 6), round(high, 6))
    assert srow["n_passed"] == 1  # passed in every epoch
    assert srow["epoch_disagreement"] == 0.25  # i1 passed once, failed once
    assert srow["k"] == 2 and srow["pass_at_k"] == 0.5  # i0 and i1 pass at least once
    # t: epochs agree, items are 0/1 -> Wilson on 3 of 5 items, not 6 of 10 rows
    trow = results["suites"][1]["vendors"]["v"]
    assert trow["interval"] == "wilson" and trow["n"] == 5
    assert (trow["ci_low"], trow["ci_high"]) == tuple(round(x, 6) for x in wilson(3, 5))
    assert (trow["ci_low"], trow["ci_high"]) != tuple(round(x, 6) for x in wilson(6, 10))
    assert trow["epoch_disagreement"] == 0.0 and trow["pass_at_k"] == 0.6
    assert results["statistics"]["epochs"] == 2


def test_a_leaf_weighs_items_equally_unless_it_says_suites(tmp_path):
    small = suite("s_small", "leaf", ["i0"])
    big = suite("s_big", "leaf", [f"i{n}" for n in range(9)])
    answers = {**fill("v", "s_small", [1]), **fill("v", "s_big", [0] * 9)}
    results, _ = run(tmp_path / "items", node("root", children=[node("leaf")]), [small, big], [vendor("v")], answers)
    # one item of 10 is right: 0.1, not the mean of the suites' scores (0.5)
    assert vendor_of(results, "v")["total"] == 0.1
    weights = {s["id"]: s["item_weight"] for s in results["suites"]}
    assert weights == {"s_small": 0.1, "s_big": 0.1}  # every item of the leaf weighs the same
    results, _ = run(
        tmp_path / "suites",
        node("root", children=[node("leaf", weighting="suites")]),
        [small, big],
        [vendor("v")],
        answers,
    )
    assert vendor_of(results, "v")["total"] == 0.5
    weights = {s["id"]: s["item_weight"] for s in results["suites"]}
    assert weights == {"s_small": 0.5, "s_big": round(0.5 / 9, 6)}


# ------------------------------------------------------------------- partial runs and the ranking
def test_a_gate_with_no_evidence_is_unevaluated_never_passed(tmp_path):
    crit = node(
        "root",
        children=[
            node("sec", gate={"max_critical_failures": 0, "description": "重要項目の失敗なし"}),
            node("safe", gate={"min_score": 0.6, "description": "最低点"}),
            node("work"),
        ],
    )
    # only the 'work' leaf has a suite in this run (a partial run such as -s admin.legal_mc)
    results, _ = run(
        tmp_path, crit, [suite("s_work", "work", ["i0", "i1"])], [vendor("v")], fill("v", "s_work", [1, 1])
    )
    for nid in ("sec", "safe"):
        gate = node_of(results, nid)["vendors"]["v"]["gate"]
        assert gate["status"] == "未評価" and gate["unevaluated"] and gate["incomplete"] and not gate["passed"]
    row = vendor_of(results, "v")
    assert row["verdict"] == "判定保留" and row["failed_gates"] == []  # neither 適合 nor 不適合
    assert {g["node"] for g in row["pending_gates"]} == {"sec", "safe"}
    assert [n["id"] for n in results["unevaluated_criteria"]] == ["sec", "safe"]


def test_ranking_puts_the_verdict_before_the_total(tmp_path):
    crit = node(
        "root",
        children=[node("sec", gate={"max_critical_failures": 0, "description": "重要項目の失敗なし"}), node("work")],
    )
    suites = [suite("s_sec", "sec", ["i0", "i1"], critical_items=("i0",)), suite("s_work", "work", ["i0", "i1"])]
    answers = {
        **fill("high", "s_sec", [0, 1]),
        **fill("high", "s_work", [1, 1]),  # fails a critical item
        **fill("low", "s_sec", [1, 0]),
        **fill("low", "s_work", [0, 0]),
    }  # passes the gate, scores less
    results, _ = run(tmp_path, crit, suites, [vendor("high"), vendor("low")], answers)
    high, low = vendor_of(results, "high"), vendor_of(results, "low")
    assert high["total"] > low["total"] and high["verdict"] == "不適合" and low["verdict"] == "適合"
    assert (low["rank"], high["rank"]) == (1, 2)
    assert [v["id"] for v in results["vendors"]] == ["low", "high"]


def test_a_rule_failure_decides_an_item_whose_judge_is_missing(tmp_path):
    """An answer a rule fails cannot pass, whatever a judge would say: it is a failure, not 判定保留."""
    from evalkit.analysis.tables import item_table

    store, crit, suites, vendors = build_run(
        tmp_path,
        node("root", children=[node("leaf")]),
        [suite("s", "leaf", ["i0", "i1", "i2"])],
        [vendor("v")],
        fill("v", "s", [1, 0, 1]),
    )
    with store:
        # a second scorer that could not score: i0 passed the rule (undecided), i1 failed it (decided)
        keys = dict(store.db.execute("SELECT item_id, key FROM requests").fetchall())
        for item in ("i0", "i1"):
            store.db.execute(
                "INSERT INTO scores (key, scorer_index, kind, score, passed, weight, explanation, "
                "detail) VALUES (?, 1, 'judge', NULL, 0, 1, '未採点', '{}')",
                (keys[item],),
            )
        df = item_table(store, suites).set_index("item_id")
    assert df.loc["i0", "status"] == "not_scored" and pd.isna(df.loc["i0", "passed"])
    assert df.loc["i1", "status"] == "ok" and df.loc["i1", "passed"] == False and df.loc["i1", "score"] == 0.0  # noqa: E712 (a numpy bool compared by value)
    assert df.loc["i2", "status"] == "ok" and df.loc["i2", "passed"] == True  # noqa: E712 (a numpy bool compared by value)
