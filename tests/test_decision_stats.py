"""The decision's statistics (evalkit/analysis/decision*.py) against independent computations:
non-inferiority against scipy's bootstrap and direct counts, rank probabilities against a plain loop,
weight sensitivity against totals computed by hand; the margin's config errors and its place in the
pre-registration digest; the report's section and summary.json through the CLI."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import evalkit, make_workspace
from scipy import stats as sps
from test_analysis_aggregate import build_run, fill, node, suite, vendor

from evalkit.analysis import VERDICT_FAIL, VERDICT_PASS, aggregate
from evalkit.analysis.decision import INFERIOR, NONINFERIOR, NOT_SHOWN, UNDECIDABLE
from evalkit.analysis.stats import SEED, derive_seed
from evalkit.report.decision_view import decision_context
from evalkit.report.views import View

B = 400  # resamples in the tests that loop over them in Python


def run_agg(tmp_path: Path, criteria: dict, suites: list, vendors: list, answers: dict, **kw: Any) -> dict:
    store, crit, s, v = build_run(tmp_path, criteria, suites, vendors, answers)
    with store:
        results, _ = aggregate(store, crit, s, v, **kw)
    return results


def cat(vid: str, category: str) -> dict:
    return {**vendor(vid), "category": category}


def tree(margin: dict | None = None, children: list | None = None) -> dict:
    root = node("root", children=children or [node("leaf")])
    if margin is not None:
        root["non_inferiority"] = margin
    return root


# ------------------------------------------------------------------------------------ non-inferiority
def paired_scores(n: int, d_pass: int, f_pass: int, both: int) -> tuple[list[int], list[int]]:
    """Pass/fail of D and F on n items: ``both`` passed by both, the rest of each vendor's passes apart."""
    d = [1] * both + [1] * (d_pass - both) + [0] * (n - d_pass)
    f = [1] * both + [0] * (d_pass - both) + [1] * (f_pass - both) + [0] * (n - d_pass - f_pass + both)
    return d, f


def test_noninferiority_interval_and_p_match_scipy_and_a_direct_count(tmp_path):
    # one pass/fail suite of 40 shared items: D passes 30, F 32 (d = -0.05); margin 0.1 (docs/statistics.md)
    d, f = paired_scores(40, 30, 32, 26)
    answers = {**fill("d", "s", d), **fill("f", "s", f)}
    results = run_agg(
        tmp_path,
        tree({"margin": 0.1}),
        [suite("s", "leaf", [f"i{n}" for n in range(40)])],
        [cat("d", "domestic"), cat("f", "foreign")],
        answers,
    )
    ni = results["non_inferiority"]
    assert ni["configured"] and ni["one_sided_alpha"] == 0.025 and ni["correction"] == "holm"
    rows = {r["scope"]: r for r in ni["rows"]}
    assert set(rows) == {"root", "leaf"}
    total = rows["root"]
    assert total["diff"] == pytest.approx(-0.05) and total["n_shared"] == 40 and total["margin"] == 0.1
    # the paired differences in item-id order, bootstrapped by scipy with the same generator
    by_item = {f"i{n}": d[n] - f[n] for n in range(40)}
    diffs = np.array([by_item[k] for k in sorted(by_item)], dtype=float)
    res = sps.bootstrap(
        (diffs,),
        np.mean,
        n_resamples=2000,
        method="percentile",
        confidence_level=0.95,
        rng=derive_seed("noninferiority", "d", "f", "s", seed=SEED),
    )
    assert total["ci_low"] == pytest.approx(res.confidence_interval.low, abs=1e-6)
    assert total["ci_high"] == pytest.approx(res.confidence_interval.high, abs=1e-6)
    dist = res.bootstrap_distribution
    p = (1 + int(np.sum(dist <= -0.1 + 1e-12))) / (len(dist) + 1)
    p_inf = (1 + int(np.sum(dist >= -0.1 - 1e-12))) / (len(dist) + 1)
    assert total["p"] == pytest.approx(p, rel=1e-5) and total["p_inferior"] == pytest.approx(p_inf, rel=1e-5)
    assert total["p_holm"] == total["p"]  # one pair: Holm changes nothing
    # the p-value and the interval tell the same story
    expected = NONINFERIOR if p < 0.025 else (INFERIOR if p_inf < 0.025 else NOT_SHOWN)
    assert total["conclusion"] == expected
    assert (total["ci_low"] > -0.1) == (expected == NONINFERIOR)
    assert rows["leaf"]["diff"] == total["diff"] and rows["leaf"]["p"] == total["p"]


def test_noninferiority_conclusions_holm_and_margins_per_node(tmp_path):
    items = [f"i{n}" for n in range(12)]
    children = [node("a", children=[]), node("b", children=[])]
    answers = {
        **fill("same", "sa", [1] * 12),
        **fill("same", "sb", [1] * 6 + [0] * 6),
        **fill("worse", "sa", [0] * 12),
        **fill("worse", "sb", [0] * 12),
        **fill("f", "sa", [1] * 12),
        **fill("f", "sb", [1] * 6 + [0] * 6),
        **fill("few", "sa", [1, 1, 1]),  # 3 items answered, the rest never: too few to test
    }
    results = run_agg(
        tmp_path,
        tree({"margin": 0.05, "margins": {"b": 0.2}}, children),
        [suite("sa", "a", items), suite("sb", "b", items)],
        [cat("same", "domestic"), cat("worse", "domestic"), cat("few", "domestic"), cat("f", "foreign")],
        answers,
    )
    rows = {(r["a"], r["scope"]): r for r in results["non_inferiority"]["rows"]}
    assert [r["scope"] for r in results["non_inferiority"]["rows"]] == ["root"] * 3 + ["a"] * 3 + ["b"] * 3
    same = rows[("same", "root")]
    # identical answers: every resampled difference is 0 > -margin, p = 1/(B+1) before correction
    assert same["diff"] == 0 and same["ci_low"] == 0 and same["p"] == pytest.approx(1 / 2001, rel=1e-5)
    assert same["conclusion"] == NONINFERIOR
    worse = rows[("worse", "root")]
    assert worse["diff"] == pytest.approx(-0.75) and worse["conclusion"] == INFERIOR
    # Holm over the two tested pairs of the scope (few is not tested): 2 * smallest, then the running max
    family = sorted([same["p"], worse["p"]])
    adjusted = [min(1.0, 2 * family[0]), max(min(1.0, 2 * family[0]), min(1.0, family[1]))]
    assert sorted([same["p_holm"], worse["p_holm"]]) == pytest.approx(adjusted, rel=1e-5)
    few = rows[("few", "root")]
    assert few["conclusion"] == UNDECIDABLE and few["p"] is None and few["n_shared"] == 3 and "10 件未満" in few["note"]
    assert rows[("few", "b")]["conclusion"] == UNDECIDABLE and rows[("few", "b")]["note"] == "共通の採点済み設問なし"
    assert rows[("same", "b")]["margin"] == 0.2 and rows[("same", "a")]["margin"] == 0.05


def test_noninferiority_without_a_margin_or_a_foreign_model_claims_nothing(tmp_path):
    items = [f"i{n}" for n in range(10)]
    answers = {**fill("d", "s", [1] * 10), **fill("f", "s", [1] * 10)}
    results = run_agg(
        tmp_path / "a", tree(), [suite("s", "leaf", items)], [cat("d", "domestic"), cat("f", "foreign")], answers
    )
    assert results["non_inferiority"]["configured"] is False and results["non_inferiority"]["rows"] == []
    results = run_agg(
        tmp_path / "b",
        tree({"margin": 0.05}),
        [suite("s", "leaf", items)],
        [cat("d", "domestic"), cat("f", "domestic")],
        answers,
    )
    assert results["non_inferiority"]["configured"] is True and results["non_inferiority"]["rows"] == []


# ------------------------------------------------------------------------------------ rank stability
def test_rank_probabilities_match_a_plain_loop(tmp_path):
    items = [f"i{n}" for n in range(8)]
    rng = np.random.default_rng(7)
    answers: dict = {}
    cont = {v: [round(float(x), 2) for x in rng.uniform(0.2, 0.9, 8)] for v in ("x", "y", "z")}
    for v, rate in (("x", 5), ("y", 6), ("z", 4)):
        answers.update(fill(v, "bin", [1] * rate + [0] * (8 - rate)))
        answers.update({(v, "cont", f"i{n}"): (s, s >= 0.5) for n, s in enumerate(cont[v])})
    for n in (2, 5):  # y never answered two continuous items: it is paired on the rest
        del answers[("y", "cont", f"i{n}")]
    crit = node("root", children=[node("p", weight=2), node("q")])
    results = run_agg(
        tmp_path,
        crit,
        [suite("bin", "p", items), suite("cont", "q", items)],
        [vendor("x"), vendor("y"), vendor("z")],
        answers,
        n_boot=B,
    )
    ranked = [v["id"] for v in results["vendors"]]
    got = results["rank_stability"]["vendors"]

    # the loop: the same draws for every vendor, each vendor's mean over the drawn items it answered
    scores = {
        ("bin", v): {f"i{n}": float(s) for n, s in enumerate([1] * r + [0] * (8 - r))}
        for v, r in (("x", 5), ("y", 6), ("z", 4))
    }
    for v in ("x", "y", "z"):
        scores[("cont", v)] = {f"i{n}": s for n, s in enumerate(cont[v]) if not (v == "y" and n in (2, 5))}
    weight = {"bin": 2 / 3, "cont": 1 / 3}
    totals = {v: [0.0] * B for v in ranked}
    for sid in ("bin", "cont"):
        pool = sorted(items)
        draws = derive_seed("rank", sid, seed=SEED).integers(0, len(pool), size=(B, len(pool)))
        for b in range(B):
            for v in ranked:
                own = scores[(sid, v)]
                picked = [own[pool[j]] for j in draws[b] if pool[j] in own]
                mean = sum(picked) / len(picked) if picked else sum(own.values()) / len(own)
                totals[v][b] += weight[sid] * mean
    ties = derive_seed("rank-ties", seed=SEED).random((B, len(ranked)))
    counts = {v: [0] * len(ranked) for v in ranked}
    for b in range(B):
        order = sorted(range(len(ranked)), key=lambda j: (-round(totals[ranked[j]][b], 12), ties[b, j]))
        for rank, j in enumerate(order):
            counts[ranked[j]][rank] += 1
    for v in ranked:
        assert got[v]["probabilities"] == pytest.approx([c / B for c in counts[v]], abs=1e-6), v
        assert got[v]["p_first"] == pytest.approx(counts[v][0] / B, abs=1e-6)
        assert got[v]["mode"] == int(np.argmax(counts[v])) + 1
        cdf = np.cumsum(counts[v]) / B
        assert got[v]["interval"] == [int(np.argmax(cdf >= 0.025)) + 1, int(np.argmax(cdf >= 0.975)) + 1]
    assert sum(got[v]["probabilities"][0] for v in ranked) == pytest.approx(1.0)


def test_ranks_keep_the_verdict_fixed_and_share_ties(tmp_path):
    items = [f"i{n}" for n in range(10)]
    crit = node("root", children=[node("leaf", gate={"description": "重要", "max_critical_failures": 0})])
    answers = {
        **fill("twin1", "s", [1] * 7 + [0] * 3),
        **fill("twin2", "s", [1] * 7 + [0] * 3),
        **fill("failing", "s", [0] + [1] * 9),  # the best total, but it fails its critical item
    }
    results = run_agg(
        tmp_path,
        crit,
        [suite("s", "leaf", items, critical_items={"i0"})],
        [vendor("twin1"), vendor("twin2"), vendor("failing")],
        answers,
    )
    got = results["rank_stability"]["vendors"]
    assert got["failing"]["probabilities"] == [0.0, 0.0, 1.0] and got["failing"]["interval"] == [3, 3]
    # two vendors with the same answers tie in every replicate: random tie-breaks share the ranks
    assert got["twin1"]["p_first"] == pytest.approx(0.5, abs=0.05)
    assert got["twin1"]["p_first"] + got["twin2"]["p_first"] == pytest.approx(1.0)
    assert got["twin1"]["interval"] == [1, 2]


# ------------------------------------------------------------------------------------ weight sensitivity
# suite scores by vendor (10 pass/fail items each): s1, s2 under a (a1, a2), s3 under b
SCORES = {
    "x": {"s1": 1.0, "s2": 0.3, "s3": 0.5},
    "y": {"s1": 0.5, "s2": 0.8, "s3": 0.3},
    "z": {"s1": 0.6, "s2": 0.7, "s3": 0.7},
}
WEIGHTS = {"a": 2.0, "a1": 1.0, "a2": 1.0, "b": 1.0}
GATE_A = 0.635  # every a = 0.65 at the registered weights; X and Y fall below it under some moves


def by_hand(weights: dict[str, float]) -> dict[str, tuple[float, str]]:
    out = {}
    for v, s in SCORES.items():
        a = (weights["a1"] * s["s1"] + weights["a2"] * s["s2"]) / (weights["a1"] + weights["a2"])
        total = (weights["a"] * a + weights["b"] * s["s3"]) / (weights["a"] + weights["b"])
        out[v] = (round(total, 6), VERDICT_PASS if a >= GATE_A else VERDICT_FAIL)
    return out


def ranks_of(outcome: dict[str, tuple[float, str]]) -> dict[str, int]:
    order = sorted(outcome, key=lambda v: (outcome[v][1] != VERDICT_PASS, -outcome[v][0]))
    return {v: i for i, v in enumerate(order, 1)}


def test_weight_sensitivity_against_totals_by_hand(tmp_path):
    crit = node(
        "root",
        children=[
            node("a", 2.0, [node("a1"), node("a2")], gate={"description": "最低点", "min_score": GATE_A}),
            node("b"),
            node("dot", 0.0),
        ],
    )
    items = [f"i{n}" for n in range(10)]
    answers = {}
    for v, s in SCORES.items():
        for sid, score in s.items():
            k = round(score * 10)
            answers.update(fill(v, sid, [1] * k + [0] * (10 - k)))
    results = run_agg(
        tmp_path,
        crit,
        [suite("s1", "a1", items), suite("s2", "a2", items), suite("s3", "b", items)],
        [vendor(v) for v in SCORES],
        answers,
        n_boot=200,
    )
    ws = results["weight_sensitivity"]
    base = by_hand(WEIGHTS)
    assert ws["baseline"]["totals"] == {v: base[v][0] for v in ws["baseline"]["totals"]}
    assert ws["baseline"]["ranks"] == ranks_of(base) == {v["id"]: v["rank"] for v in results["vendors"]}
    assert ws["baseline"]["verdicts"] == {v["id"]: v["verdict"] for v in results["vendors"]}
    assert ws["skipped"] == [{"node": "dot", "title": "dot", "reason": "重み 0（総合点に含まれない）"}]
    moves = [(n, f) for n in ("a", "a1", "a2", "b") for f in (0.8, 1.2)]
    assert [(v["node"], v["factor"]) for v in ws["variants"]] == moves
    broken_first, broken_order, broken_verdict = [], [], {v: [] for v in SCORES}
    for variant, (name, factor) in zip(ws["variants"], moves, strict=True):
        outcome = by_hand({**WEIGHTS, name: WEIGHTS[name] * factor})
        assert variant["totals"] == {v: outcome[v][0] for v in variant["totals"]}, (name, factor)
        ranks = ranks_of(outcome)
        assert variant["ranks"] == ranks
        base_ranks = ranks_of(base)
        swapped = {(u, v) for u, v in product(SCORES, SCORES) if base_ranks[u] < base_ranks[v] and ranks[u] > ranks[v]}
        assert {(s["a"], s["b"]) for s in variant["swaps"]} == swapped
        changed = {v: (base[v][1], outcome[v][1]) for v in SCORES if base[v][1] != outcome[v][1]}
        assert {c["vendor"]: (c["from"], c["to"]) for c in variant["verdict_changes"]} == changed
        assert {c["vendor"] for c in variant["gate_changes"]} == set(changed)  # the only gate is on a
        first_changed = min(ranks, key=ranks.get) != min(base_ranks, key=base_ranks.get)
        assert variant["first_changed"] == first_changed and variant["order_changed"] == (ranks != base_ranks)
        if first_changed:
            broken_first.append((name, factor))
        if ranks != base_ranks:
            broken_order.append((name, factor))
        for v in changed:
            broken_verdict[v].append((name, factor))
    robust = ws["robust"]
    assert [(m["node"], m["factor"]) for m in robust["first"]["broken_by"]] == broken_first
    assert robust["first"]["robust"] == (not broken_first)
    assert robust["order"]["robust"] == (not broken_order)
    for v in SCORES:
        assert [(m["node"], m["factor"]) for m in robust["verdicts"][v]["broken_by"]] == broken_verdict[v]
    # the fixture is built to move something: Y's gate fails when a2 (its strong suite) loses weight, X's
    # when its strong suite s1 loses weight or its weak one gains it; Z holds
    assert broken_verdict == {"x": [("a1", 0.8), ("a2", 1.2)], "y": [("a2", 0.8)], "z": []}
    assert robust["verdicts"]["z"]["robust"] and not robust["verdicts"]["x"]["robust"]
    assert broken_order == [("a1", 0.8), ("a2", 1.2)] and robust["first"]["robust"]  # y failing stays last


# ------------------------------------------------------------------------------------ config, prereg, CLI
CRITERIA = """\
id: root
title: 全体
clause: 全体
non_inferiority:
  margin: 0.05
  reason: 試験用
children:
  - id: a
    title: 基準A
    clause: A
    weight: 2
    gate: {min_score: 0.5, description: 最低点}
  - id: b
    title: 基準B
    clause: B
"""


def suite_yaml(sid: str, criterion: str, n: int = 12) -> str:
    items = "\n".join(f"  - {{id: q{i}, vars: {{q: '{sid}の質問{i}'}}, reference: 正解{i}}}" for i in range(n))
    return (
        f'id: {sid}\nversion: "1"\ntitle: {sid}\ncriterion: {criterion}\nprompt: "{{{{ q }}}}"\n'
        f"scorers: [{{kind: exact}}]\nitems:\n{items}\n"
    )


VENDORS = {
    "dom": "id: dom\nname: 国内オラクル\nprovider: reference\nmodel: oracle\ncategory: domestic\n",
    "dom2": "id: dom2\nname: 国内エコー\nprovider: reference\nmodel: echo\ncategory: domestic\n",
    "for": "id: for\nname: 海外参照\nprovider: reference\nmodel: oracle\ncategory: foreign\n",
}


@pytest.mark.parametrize(
    ("block", "line", "field", "message"),
    [
        ("  margins: {a: 0.1, nope: 0.2}\n", 7, "non_inferiority.margins.nope", "not the id of the root"),
        ("  margins:\n    b: 1.5\n", 8, "non_inferiority.margins.b", "less than 1"),
    ],
)
def test_a_bad_margin_is_an_error_at_its_line(tmp_path, block, line, field, message):
    criteria = CRITERIA.replace("  reason: 試験用\n", "  reason: 試験用\n" + block)
    work = make_workspace(tmp_path / "w", {"sa": suite_yaml("sa", "a")}, {"dom": VENDORS["dom"]}, criteria=criteria)
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert re.search(rf"criteria\.yaml:{line}:\d+: {re.escape(field)}: .*{message}", out), out


def test_a_margin_of_zero_is_refused(tmp_path):
    criteria = CRITERIA.replace("margin: 0.05", "margin: 0")
    work = make_workspace(tmp_path / "w", {"sa": suite_yaml("sa", "a")}, {"dom": VENDORS["dom"]}, criteria=criteria)
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 2 and re.search(
        r"criteria\.yaml:5:\d+: non_inferiority\.margin: ", proc.stdout + proc.stderr
    )


def test_the_preregistration_digest_covers_the_margin(tmp_path):
    work = make_workspace(tmp_path / "w", {"sa": suite_yaml("sa", "a")}, {"dom": VENDORS["dom"]}, criteria=CRITERIA)

    def digest() -> tuple[str, str]:
        """(the digest, the head of the criteria tree's own hash) that `evalkit prereg` prints."""
        proc = evalkit("prereg", cwd=work)
        assert proc.returncode == 0, proc.stderr
        found = re.search(r"pre-registration sha256:([0-9a-f]{64}) — criteria tree ([0-9a-f]{12})", proc.stdout)
        assert found, proc.stdout
        return found.group(1), found.group(2)

    first, tree = digest()
    assert digest() == (first, tree)
    path = work / "suites" / "criteria.yaml"
    # the margin is part of the validated tree, not only of the file's bytes
    path.write_text(CRITERIA.replace("margin: 0.05", "margin: 0.06"), encoding="utf-8")
    changed, changed_tree = digest()
    assert changed != first and changed_tree != tree
    path.write_text(
        CRITERIA.replace("  reason: 試験用\n", "  reason: 試験用\n  margins: {a: 0.05}\n"), encoding="utf-8"
    )
    changed, changed_tree = digest()
    assert changed != first and changed_tree != tree
    path.write_text("# 注記だけの変更\n" + CRITERIA, encoding="utf-8")  # the same rules: only the file hash moves
    assert digest()[1] == tree


VOID = {"br", "meta", "link", "input", "img", "hr", "col", "wbr", "source"}


class _Page(HTMLParser):
    """Every element's attributes with the text inside it, and the h3 headings by id."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self.open: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        entry = (tag, {k: v or "" for k, v in attrs}, [])
        self.elements.append(entry)
        if tag not in VOID:
            self.open.append(entry)

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for entry in self.open:
            entry[2].append(data)

    def find(self, attr: str, tag: str | None = None) -> dict[str, str]:
        return {
            a[attr]: " ".join("".join(text).split())
            for t, a, text in self.elements
            if attr in a and (tag is None or t == tag)
        }


def test_run_writes_the_keys_and_the_report_shows_the_section(tmp_path):
    work = make_workspace(
        tmp_path / "w", {"sa": suite_yaml("sa", "a"), "sb": suite_yaml("sb", "b")}, VENDORS, criteria=CRITERIA
    )
    proc = evalkit("run", "--out", "run", "-q", cwd=work)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    ni = summary["non_inferiority"]
    conclusions = {(r["a"], r["scope"]): r["conclusion"] for r in ni["rows"]}
    assert conclusions[("dom", "root")] == NONINFERIOR and conclusions[("dom2", "root")] == INFERIOR
    assert {r["scope"] for r in ni["rows"]} == {"root", "a", "b"}
    assert set(summary["rank_stability"]["vendors"]) == {"dom", "dom2", "for"}
    assert summary["rank_stability"]["vendors"]["dom2"]["probabilities"] == [0.0, 0.0, 1.0]
    assert summary["weight_sensitivity"]["robust"]["verdicts"]["dom2"]["verdict"] == VERDICT_FAIL

    page = _Page()
    page.feed((work / "run" / "report.html").read_text(encoding="utf-8"))
    h3 = page.find("id", "h3")
    assert h3["noninferiority"] == "非劣性（対 海外参照モデル）"
    assert h3["rank-stability"] == "順位の安定性" and h3["weight-sensitivity"] == "重みの感度"
    cells = page.find("data-conclusion")
    assert "非劣性あり" in cells and "劣っている" in cells
    rows = page.find("data-noninferiority")
    assert set(rows) == {f"{s}:{d}:for" for s in ("root", "a", "b") for d in ("dom", "dom2")}
    assert "国内エコー − 海外参照" in rows["root:dom2:for"] and "−5.0" in rows["root:dom2:for"]
    assert set(page.find("data-rank-vendor")) == {"dom", "dom2", "for"}
    assert page.find("data-rank-p")["dom2"] == "確率 100.0%"  # beside the ranking in the summary table
    robust = page.find("id")["weight-robust"]
    assert "国内エコー の判定（不適合）は変わりません。" in robust
    # the decision section sits inside the summary section
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    summary_section = html[
        html.index('<section id="summary">') : html.index("</section>", html.index('<section id="summary">'))
    ]
    assert 'id="noninferiority"' in summary_section and 'id="weight-sensitivity"' in summary_section


def test_the_section_hides_what_does_not_apply():
    one = {"vendors": [{"id": "d", "name": "D", "category": "domestic", "rank": 1}], "rank_stability": {"vendors": {}}}
    assert decision_context(one, View()) is None
    two = {
        "vendors": [
            {"id": "d", "name": "D", "category": "domestic", "rank": 1},
            {"id": "e", "name": "E", "category": "domestic", "rank": 2},
        ],
        "non_inferiority": {"configured": True, "rows": []},
        "rank_stability": {
            "n_boot": 10,
            "vendors": {
                "d": {"probabilities": [0.9, 0.1], "mode": 1, "p_mode": 0.9, "p_first": 0.9, "interval": [1, 2]},
                "e": {"probabilities": [0.1, 0.9], "mode": 2, "p_mode": 0.9, "p_first": 0.1, "interval": [1, 2]},
            },
        },
    }
    assert decision_context(two, View(kind="vendor", vendor="d", visible=["d"], hidden={"e"})) is None  # self-test
    ctx = decision_context(two, View())
    assert ctx is not None and ctx["non_inferiority"] is None  # no foreign reference model
    assert [r["id"] for r in ctx["ranks"]] == ["d", "e"] and ctx["rank_by_id"]["d"]["short"] == "確率 90.0%"
    # a public view without every vendor: ranks of the whole field would not match its renumbered ranks
    partial = decision_context(two, View(kind="public", public=True, hidden={"x"}))
    assert partial is None or (not partial["ranks"] and partial["weights"] is None)
