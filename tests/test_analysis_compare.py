"""Paired comparison of vendors on shared items: McNemar, paired bootstrap, Holm, the total."""

from __future__ import annotations

import pytest
from test_analysis_aggregate import fill, node, run, suite, vendor

from evalkit.analysis.stats import bootstrap_means, derive_seed, percentile_interval

LEAF = node("root", children=[node("leaf")])


def rows(results: dict, scope: str) -> dict[tuple[str, str], dict]:
    return {(r["a"], r["b"]): r for r in results["comparisons"] if r["scope"] == scope}


def test_identical_vendors_show_no_difference(tmp_path):
    crit = node("root", children=[node("pf", 2), node("cont", 1)])
    suites = [suite("pf", "pf", [f"i{n}" for n in range(12)]), suite("cont", "cont", [f"i{n}" for n in range(12)])]
    pf = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0]
    cont = [(x, x >= 0.5) for x in (0.1, 0.4, 0.8, 0.35, 0.9, 0.6, 0.2, 0.55, 0.7, 0.45, 0.15, 1.0)]
    answers = {}
    for v in ("twin1", "twin2"):
        answers.update(fill(v, "pf", pf))
        answers.update(fill(v, "cont", cont))
    results, _ = run(tmp_path, crit, suites, [vendor("twin1"), vendor("twin2")], answers)
    assert len(results["comparisons"]) == 3  # total, pf, cont
    for row in results["comparisons"]:
        assert row["diff"] == 0.0, row
        assert row["p"] == 1.0 and row["p_holm"] == 1.0, row
        assert row["significant"] is False and row["winner"] is None, row
        assert row["n_shared"] == (24 if row["scope"] == "total" else 12)
        assert row["ci_low"] <= 0.0 <= row["ci_high"]
    tests = {r["scope"]: r["test"] for r in results["comparisons"]}
    assert tests == {"total": "stratified_paired_bootstrap", "pf": "mcnemar_exact", "cont": "paired_bootstrap"}


def test_mcnemar_on_a_hand_counted_table(tmp_path):
    # i0,i1 both pass; i2 only A; i3..i8 only B; i9 neither -> b = 1, c = 6, p = 2 * 8/128 = 0.125
    a = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    b = [1, 1, 0, 1, 1, 1, 1, 1, 1, 0]
    results, _ = run(
        tmp_path,
        LEAF,
        [suite("s", "leaf", [f"i{n}" for n in range(10)])],
        [vendor("a"), vendor("b")],
        {**fill("a", "s", a), **fill("b", "s", b)},
    )
    row = rows(results, "s")[("b", "a")]  # B ranks first: the pair is oriented B - A
    assert row["test"] == "mcnemar_exact"
    assert row["discordant"] == [6, 1]
    assert row["diff"] == 0.5  # (6 - 1) / 10
    assert row["p"] == 0.125 and row["p_holm"] == 0.125
    assert row["significant"] is False and row["winner"] is None
    assert row["ci_low"] < 0.5 < row["ci_high"]


def test_holm_across_the_pairs_of_one_suite(tmp_path):
    items = [f"i{n}" for n in range(12)]
    p_ans = [1] * 12  # 12 of 12
    r_ans = [0] + [1] * 11  # fails i0
    q_ans = [0] * 6 + [1] * 6  # fails i0..i5
    results, _ = run(
        tmp_path,
        LEAF,
        [suite("s", "leaf", items)],
        [vendor("q"), vendor("r"), vendor("p")],
        {**fill("p", "s", p_ans), **fill("q", "s", q_ans), **fill("r", "s", r_ans)},
    )
    got = rows(results, "s")
    # raw McNemar: P-R b=1,c=0 -> 1.0; P-Q b=6,c=0 -> 2/64; R-Q b=5,c=0 -> 2/32
    assert got[("p", "r")]["p"] == 1.0
    assert got[("p", "q")]["p"] == 0.03125
    assert got[("r", "q")]["p"] == 0.0625
    # Holm, m = 3: 0.03125*3 = 0.09375; max(0.09375, 0.0625*2) = 0.125; max(0.125, 1.0*1) = 1.0
    assert got[("p", "q")]["p_holm"] == 0.09375
    assert got[("r", "q")]["p_holm"] == 0.125
    assert got[("p", "r")]["p_holm"] == 1.0
    # P-Q is below 0.05 uncorrected, but "P beats Q" is not claimed after the correction
    assert not any(r["significant"] for r in got.values())


def test_paired_bootstrap_finds_a_consistent_difference(tmp_path):
    base = [0.1, 0.3, 0.2, 0.45, 0.15, 0.6, 0.05, 0.4, 0.25, 0.35, 0.5, 0.3]
    better = [(x + 0.3 + 0.01 * (n % 3), True) for n, x in enumerate(base)]
    worse = [(x, False) for x in base]
    s = [suite("s", "leaf", [f"i{n}" for n in range(12)])]
    answers = {**fill("good", "s", better), **fill("bad", "s", worse)}
    results, _ = run(tmp_path, LEAF, s, [vendor("bad"), vendor("good")], answers)
    row = rows(results, "s")[("good", "bad")]
    diffs = [g[0] - w[0] for g, w in zip(better, worse, strict=True)]
    assert row["test"] == "paired_bootstrap"
    assert row["diff"] == pytest.approx(sum(diffs) / 12, abs=1e-6)
    in_id_order = [d for _, d in sorted((f"i{n}", d) for n, d in enumerate(diffs))]  # items are taken by id
    low, high = percentile_interval(bootstrap_means(in_id_order, derive_seed("pair", "good", "bad", "s")))
    assert (row["ci_low"], row["ci_high"]) == (round(low, 6), round(high, 6))
    assert row["p"] == pytest.approx(2 / 2001, abs=1e-9)  # every resampled difference favours good
    assert row["significant"] is True and row["winner"] == "good"
    total = rows(results, "total")[("good", "bad")]
    assert total["significant"] is True and total["diff"] == row["diff"]
    again, _ = run(tmp_path / "again", LEAF, s, [vendor("bad"), vendor("good")], answers)
    assert again["comparisons"] == results["comparisons"]  # seeded: the same numbers every time


def test_too_few_shared_items_are_not_tested_by_bootstrap(tmp_path):
    s = [suite("s", "leaf", [f"i{n}" for n in range(5)])]
    answers = {
        **fill("a", "s", [(0.9, True)] * 5),
        **fill("b", "s", [(0.2, False), (0.1, False), (0.3, False), (0.2, False), "error"]),
    }
    results, _ = run(tmp_path, LEAF, s, [vendor("a"), vendor("b")], answers)
    row = rows(results, "s")[("a", "b")]
    assert row["n_shared"] == 4 and row["p"] is None and row["significant"] is False
    assert "検定しない" in row["note"]
    assert row["diff"] == pytest.approx(0.7, abs=1e-6)


def test_total_difference_follows_the_criteria_weights(tmp_path):
    crit = node(
        "root",
        children=[
            node("x", 3, attestation=[{"field": "ismap_listed", "title": "ISMAP", "expect": True}]),
            node("y", 1),
        ],
    )
    items = [f"i{n}" for n in range(10)]
    suites = [suite("sx", "x", items), suite("sy", "y", items)]
    answers = {
        **fill("a", "sx", [1] * 8 + [0, 0]),
        **fill("b", "sx", [1] * 4 + [0] * 6),
        **fill("a", "sy", [1] * 2 + [0] * 8),
        **fill("b", "sy", [1] * 5 + [0] * 5),
    }
    results, _ = run(tmp_path, crit, suites, [vendor("a", ismap_listed=True), vendor("b")], answers)
    total = rows(results, "total")[("a", "b")]
    # x = mean(suite, attestation): A (0.8 + 1)/2 = 0.9, B (0.4 + 0)/2 = 0.2; y: A 0.2, B 0.5
    # total A = (3*0.9 + 0.2)/4 = 0.725, B = (3*0.2 + 0.5)/4 = 0.275
    assert [v["total"] for v in results["vendors"]] == [0.725, 0.275]
    # declared part: coefficient of x's attestation is 3/4 * 1/2 = 0.375, A - B = 1 - 0; it is reported
    # beside the test, never inside it: the tested difference is the measured part 0.45 - 0.375 = 0.075
    assert total["declared_diff"] == 0.375 and total["total_diff"] == pytest.approx(0.45, abs=1e-6)
    assert total["diff"] == pytest.approx(0.075, abs=1e-6)
    assert total["n_shared"] == 20


def test_declarations_alone_never_make_a_significant_difference(tmp_path):
    # two copies of one model: the same answers, one leaves an optional declaration blank
    crit = node(
        "root",
        children=[
            node("x", attestation=[{"field": "log_access", "title": "ログ", "answered": True, "critical": False}]),
            node("y"),
        ],
    )
    items = [f"i{n}" for n in range(30)]
    answers = {**fill("a", "sx", [1, 0, 1] * 10), **fill("b", "sx", [1, 0, 1] * 10)}
    results, _ = run(
        tmp_path, crit, [suite("sx", "y", items)], [vendor("a", log_access="管理者のみ"), vendor("b")], answers
    )
    total = rows(results, "total")[("a", "b")]
    assert total["declared_diff"] > 0 and total["diff"] == 0.0
    assert total["significant"] is False and total["p"] == 1.0
