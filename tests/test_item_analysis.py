"""Item analysis (evalkit/analysis/item_analysis.py): the flags on a constructed item table, the
point-biserial coefficient against scipy, the refusal knowledge it reuses, the results and report
section of a run, the views that hide vendors, and `evalkit items` over two runs pooled."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from committee_runs import build_run, suite, vendor
from conftest import evalkit
from scipy.stats import pointbiserialr

from evalkit.analysis.item_analysis import (
    CANDIDATE,
    DISCRIMINATION_THRESHOLD,
    ECHO,
    EXCLUDED,
    REFUSE,
    analyse_items,
    expects_decline,
    vendor_role,
)
from evalkit.analysis.tables import item_table
from evalkit.config.suite import Suite
from evalkit.config.vendor import Vendor
from evalkit.pipeline import score_and_report
from evalkit.report.item_section import item_analysis_section
from evalkit.report.views import apply_view, make_view
from evalkit.runner.store import RunStore

CANDIDATES = ["v1", "v2", "v3", "v4", "v5"]
NORMAL = ["q1", "q2", "q3", "q4", "q5", "q6"]
# how many of the normal items each candidate passes: v1 strongest, v5 weakest
STRENGTH = {"v1": 6, "v2": 5, "v3": 4, "v4": 2, "v5": 1}
FLAG_KEYS = {"suite_id", "suite_version", "item_id", "vendor_id", "reasons", "detail"}


def table() -> pd.DataFrame:
    rows = []

    def add(vid: str, item: str, passed: bool, n_ok: int = 1) -> None:
        rows.append(
            {
                "vendor_id": vid,
                "suite_id": "s",
                "item_id": item,
                "n_ok": n_ok,
                "score": (1.0 if passed else 0.0) if n_ok else float("nan"),
                "passed": passed and n_ok > 0,
            }
        )

    for vid in CANDIDATES:
        for n, item in enumerate(NORMAL):
            add(vid, item, n < STRENGTH[vid])
        add(vid, "neg", vid in ("v4", "v5"))  # the weak pass it, the strong fail it
        add(vid, "hard", False)  # every candidate fails it
        add(vid, "solo", False, n_ok=1 if vid == "v1" else 0)  # scored for one vendor only
        add(vid, "dec", True)
        add(vid, "ans", True)
    for item in ["dec", "ans", *NORMAL]:  # the refuse baseline passes the should-decline item and one more
        add("b-refuse", item, item in ("dec", "ans"))
        add("b-echo", item, item == "q1")  # the echo baseline passes q1
        add("j-judge", item, True)  # a judge is never analysed
    return pd.DataFrame(rows)


ROLES = {**dict.fromkeys(CANDIDATES, CANDIDATE), "b-refuse": REFUSE, "b-echo": ECHO, "j-judge": EXCLUDED}


@pytest.fixture(scope="module")
def analysis() -> dict:
    return analyse_items(
        table(),
        ROLES,
        versions={"s": "1.2"},
        declines={("s", "1.2", "dec")},
        review_changed={("s", "q2", "v3")},
    )


def by_key(analysis: dict) -> dict:
    return {(f["item_id"], f["vendor_id"]): f for f in analysis["flags"]}


def test_flags_have_the_shape_the_review_queue_reads(analysis):
    assert analysis["flags"], "something is flagged"
    for flag in analysis["flags"]:
        assert set(flag) == FLAG_KEYS
        assert flag["suite_id"] == "s" and flag["suite_version"] == "1.2"
        assert flag["reasons"] and isinstance(flag["detail"], dict)
    json.dumps(analysis)  # summary.json stores it as it is
    assert analysis["n_vendors"] == 5


def test_all_fail_needs_two_scored_candidates(analysis):
    flags = by_key(analysis)
    assert flags[("hard", None)]["reasons"] == ["all_fail"]
    assert flags[("hard", None)]["detail"]["n_vendors"] == 5
    assert ("solo", None) not in flags  # one scored vendor failing is no evidence against the item
    stats = {it["item_id"]: it for it in analysis["items"]}
    assert stats["hard"]["difficulty"] == 0.0 and stats["solo"]["n_vendors"] == 1


def test_negative_discrimination_matches_scipy(analysis):
    df = table()
    cand = df[df.vendor_id.isin(CANDIDATES) & (df.n_ok > 0)]
    passed, rest = [], []
    for vid in CANDIDATES:  # rest score: the vendor's mean over its other scored items, computed apart
        mine = cand[cand.vendor_id == vid]
        others = mine[mine.item_id != "neg"]
        rest.append(others.score.mean())
        passed.append(float(mine[mine.item_id == "neg"].passed.iloc[0]))
    expected = pointbiserialr(passed, rest).statistic
    assert expected < DISCRIMINATION_THRESHOLD
    flag = by_key(analysis)[("neg", None)]
    assert flag["reasons"] == ["negative_discrimination"]
    assert flag["detail"]["r"] == pytest.approx(expected, abs=1e-4)
    assert flag["detail"]["n_vendors"] == 5 and flag["detail"]["threshold"] == DISCRIMINATION_THRESHOLD
    stats = {it["item_id"]: it for it in analysis["items"]}
    assert stats["neg"]["discrimination"] == pytest.approx(expected, abs=1e-4)
    # a normal item discriminates positively and is not flagged; an item everyone passes has no r
    assert stats["q3"]["discrimination"] > 0 and ("q3", None) not in by_key(analysis)
    assert stats["dec"]["discrimination"] is None


def test_discrimination_needs_four_candidates():
    df = table()
    few = df[~df.vendor_id.isin(["v2", "v3"])]  # three candidates left
    flags = by_key(analyse_items(few, ROLES, versions={"s": "1"}))
    assert ("neg", None) not in flags


def _reference_r(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson's r of one item as a loop over the items computes it (two passes over its own arrays)."""
    dx, dy = x - x.mean(), y - y.mean()
    sx, sy = float(np.sqrt((dx * dx).sum())), float(np.sqrt((dy * dy).sum()))
    if sx == 0 or sy == 0:
        return None
    return max(-1.0, min(1.0, float((dx * dy).sum()) / (sx * sy)))


def test_statistics_of_all_items_at_once_match_each_item_alone():
    """The statistics are computed for every item at once (grouped numpy reductions): they must equal,
    to the last digit kept, those of each item computed alone, and r must match scipy. Ties, a vendor
    with no rest score, items everyone or no one passes and items with 9+ candidates (numpy sums 8+
    values pairwise) are all in the frame; its rows are shuffled, so items interleave."""
    rng = np.random.default_rng(20260301)
    vendors = [f"c{n}" for n in range(11)]
    rows = []
    for vid in vendors:
        for n in range(40):
            if rng.random() < 0.2:
                continue  # not every vendor is scored on every item
            score = float(rng.choice([0.0, 0.25, 0.5, 0.5, 1.0, 1.0]))  # ties
            score = {0: 1.0, 1: 0.0}.get(n % 10, score)  # everyone passes q0, q10, …; no one q1, q11, …
            rows.append({"vendor_id": vid, "suite_id": "st"[n % 2], "item_id": f"q{n}", "n_ok": 1, "score": score})
    rows.append({"vendor_id": "lone", "suite_id": "t", "item_id": "q3", "n_ok": 1, "score": 1.0})  # no rest score
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=7)
    df["passed"] = df.score >= 0.5
    analysis = analyse_items(df, dict.fromkeys([*vendors, "lone"], CANDIDATE), versions={"s": "1", "t": "2"})
    totals = df.groupby("vendor_id").score.agg(["sum", "size"])
    compared, without_rest = 0, 0
    for it in analysis["items"]:
        group = df[(df.suite_id == it["suite_id"]) & (df.item_id == it["item_id"])]
        n_pass = int(group.passed.sum())
        assert (it["n_vendors"], it["n_passed"]) == (len(group), n_pass)
        assert it["difficulty"] == round(n_pass / len(group), 4)
        assert it["mean_score"] == round(float(group.score.mean()), 4)
        others = totals.loc[group.vendor_id, "size"].to_numpy() - 1.0
        rest = (totals.loc[group.vendor_id, "sum"].to_numpy() - group.score.to_numpy()) / np.where(
            others, others, np.nan
        )
        x, y = group.passed.to_numpy(dtype=float)[~np.isnan(rest)], rest[~np.isnan(rest)]
        without_rest += int(np.isnan(rest).sum())
        expected = _reference_r(x, y) if len(x) >= 4 else None
        assert it["discrimination"] == (None if expected is None else round(expected, 4))
        if expected is not None:
            assert it["discrimination"] == pytest.approx(pointbiserialr(x, y).statistic, abs=1e-4)
            compared += 1
    by_id = {it["item_id"]: it for it in analysis["items"]}
    assert compared >= 20 and by_id["q0"]["discrimination"] is None and by_id["q1"]["discrimination"] is None
    assert max(it["n_vendors"] for it in analysis["items"]) >= 9 and without_rest == 1


def test_baseline_passes(analysis):
    flags = by_key(analysis)
    assert flags[("q1", "b-echo")]["reasons"] == ["baseline_pass"]
    assert flags[("q1", "b-echo")]["detail"]["baseline"] == "echo"
    assert flags[("ans", "b-refuse")]["reasons"] == ["baseline_pass"]
    assert flags[("ans", "b-refuse")]["detail"]["baseline"] == "refuse"
    assert ("dec", "b-refuse") not in flags  # the item expects a decline: refusing is right
    assert not [f for f in analysis["flags"] if f["vendor_id"] == "j-judge"]
    # baselines and judges are not counted in an item's statistics
    stats = {it["item_id"]: it for it in analysis["items"]}
    assert stats["q1"]["n_vendors"] == 5 and stats["q1"]["n_passed"] == 5
    assert stats["dec"]["expects_decline"] is True and stats["ans"]["expects_decline"] is False


def test_review_changed(analysis):
    flag = by_key(analysis)[("q2", "v3")]
    assert flag["reasons"] == ["review_changed"]
    plain = analyse_items(table(), ROLES, versions={"s": "1.2"})
    assert ("q2", "v3") not in by_key(plain)


def test_roles_and_expected_declines_reuse_the_project_rules():
    def v(**kw) -> Vendor:
        return Vendor.model_validate({"id": "x", "name": "X", "provider": "reference", "model": "oracle", **kw})

    assert vendor_role(v(category="domestic")) == CANDIDATE
    assert vendor_role(v(category="foreign")) == CANDIDATE
    assert vendor_role(v(category="baseline", model="refuse")) == REFUSE
    assert vendor_role(v(category="baseline", model="echo:think")) == ECHO
    assert vendor_role(v(category="baseline", model="oracle")) == EXCLUDED
    assert vendor_role(v(category="judge", model="judge")) == EXCLUDED
    s = Suite.model_validate(
        {
            "id": "r",
            "version": "1",
            "title": "拒否",
            "criterion": "leaf",
            "prompt": "{{ q }}",
            "scorers": [{"kind": "refusal", "params": {"expect": "decline"}}],
            "items": [
                {"id": "by-scorer", "vars": {"q": "a"}},
                {"id": "item-says-answer", "vars": {"q": "b"}, "expect": "answer"},
                {"id": "item-says-decline", "vars": {"q": "c"}, "expect": "decline"},
                {"id": "own-scorers", "vars": {"q": "d"}, "reference": "x", "scorers": [{"kind": "exact"}]},
            ],
        }
    )
    got = {it.id: expects_decline(s, it) for it in s.items}
    assert got == {"by-scorer": True, "item-says-answer": False, "item-says-decline": True, "own-scorers": False}


# ------------------------------------------------------------------------------------------ a run
SUITE_ITEMS = [{"id": i} for i in [*NORMAL, "neg", "hard"]]
RUN_VENDORS = [  # v4 and v5 have not agreed to publication: a public view hides them
    *(
        {**vendor(v, category="foreign" if v == "v5" else "domestic"), "publish": v not in ("v4", "v5")}
        for v in CANDIDATES
    ),
    vendor("b-refuse", category="baseline", model="refuse", name="全拒否"),
    vendor("b-echo", category="baseline", model="echo", name="復唱"),
]


def run_verdicts() -> dict:
    verdicts = {}
    for vid in CANDIDATES:
        for n, item in enumerate(NORMAL):
            verdicts[(vid, item)] = n < STRENGTH[vid]
        verdicts[(vid, "neg")] = vid in ("v4", "v5")
    verdicts[("b-echo", "q1")] = True
    return verdicts


class Section(HTMLParser):
    """The rows of the 設問分析 table: their data attributes and cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.heading = ""
        self.rows: list[dict] = []
        self._in_h2 = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.inside = a.get("id") == "item-analysis"
        elif self.inside and tag == "h2":
            self._in_h2 = True
        elif self.inside and tag == "tr" and "data-item" in a:
            self.rows.append({**a, "cells": [], "links": []})
        elif self.inside and tag == "td" and self.rows:
            self._cell = []
        elif self.inside and tag == "a" and self.rows:
            self.rows[-1]["links"].append(a)

    def handle_endtag(self, tag):
        if tag == "section":
            self.inside = False
        elif tag == "h2":
            self._in_h2 = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1]["cells"].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._in_h2:
            self.heading += data
        if self._cell is not None:
            self._cell.append(data)


def section(path: Path) -> Section:
    parser = Section()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def flagged_run(tmp_path_factory) -> Path:
    run_dir = build_run(
        tmp_path_factory.mktemp("ia") / "run",
        run_id="run-a",
        vendors=RUN_VENDORS,
        suites=[suite("s", "work", SUITE_ITEMS)],
        verdicts=run_verdicts(),
    )
    score_and_report(run_dir, rescore=False)
    return run_dir


def test_results_and_report_section(flagged_run):
    summary = json.loads((flagged_run / "summary.json").read_text(encoding="utf-8"))
    ia = summary["item_analysis"]
    flags = by_key(ia)
    assert flags[("hard", None)]["reasons"] == ["all_fail"]
    assert flags[("neg", None)]["reasons"] == ["negative_discrimination"]
    assert flags[("q1", "b-echo")]["reasons"] == ["baseline_pass"]
    assert ia["n_vendors"] == 5 and {f["suite_version"] for f in ia["flags"]} == {"1"}
    page = section(flagged_run / "report.html")
    # numbered after the suites, the sections after it renumbered, and listed in the table of contents
    assert page.heading.strip() == "4. 設問分析"
    html = (flagged_run / "report.html").read_text(encoding="utf-8")
    assert '<a href="#item-analysis">4. 設問分析</a><a href="#items">5. 設問別の回答</a>' in html
    assert "<h2>5. 設問別の回答</h2>" in html and "<h2>8. マニフェスト</h2>" in html
    rows = {(r["data-item"], r["cells"][2]): r for r in page.rows}
    assert set(rows) == {("hard", "全ベンダー"), ("neg", "全ベンダー"), ("q1", "復唱")}
    assert "全ベンダーが不合格" in rows[("hard", "全ベンダー")]["cells"][3]
    assert "負の識別力" in rows[("neg", "全ベンダー")]["cells"][3]
    assert "r = " in rows[("neg", "全ベンダー")]["cells"][4]
    assert "復唱のベースラインが合格" in rows[("q1", "復唱")]["cells"][3]
    link = rows[("neg", "全ベンダー")]["links"][0]  # to the item's drill-down in section 4
    assert link["href"] == "#items" and link["data-goto-item"] == "neg" and link["data-goto-suite"] == "s"


def test_views_recompute_over_the_vendors_they_show(flagged_run, tmp_path):
    # a vendor's self-test: one vendor, nothing to compare, no section
    summary = json.loads((flagged_run / "summary.json").read_text(encoding="utf-8"))
    with RunStore(flagged_run / "store.sqlite") as store:
        df = item_table(store)
    view = make_view(summary, [], vendor="v1")
    shown, _ = apply_view(summary, df, view)
    assert item_analysis_section(shown) is None
    assert {f["vendor_id"] for f in shown["item_analysis"]["flags"]} <= {None, "v1"}
    # the public view hides the two weak candidates: the item they alone passed is failed by every vendor
    # shown, and nothing rests on the hidden vendors' answers any more
    out = tmp_path / "public.html"
    score_and_report(flagged_run, rescore=False, public=True, out=out)
    rows = {(r["data-item"], r["cells"][2]) for r in section(out).rows}
    assert rows == {("neg", "全ベンダー"), ("hard", "全ベンダー"), ("q1", "復唱")}
    neg = next(r for r in section(out).rows if r["data-item"] == "neg")
    assert "全ベンダーが不合格" in neg["cells"][3] and "負の識別力" not in neg["cells"][3]
    text = out.read_text(encoding="utf-8")
    assert ">V4<" not in text and ">V5<" not in text and '"v4"' not in text  # the hidden vendors


def page_has_no_section(path: Path) -> bool:
    return 'id="item-analysis"' not in path.read_text(encoding="utf-8")


def test_section_hidden_when_nothing_is_flagged(tmp_path):
    verdicts = {(v, i): n <= k for v, k in zip(["v1", "v2"], [4, 5], strict=True) for n, i in enumerate(NORMAL)}
    run_dir = build_run(
        tmp_path / "run",
        run_id="quiet",
        vendors=[vendor("v1"), vendor("v2")],
        suites=[suite("s", "work", [{"id": i} for i in NORMAL])],
        verdicts=verdicts,
    )
    score_and_report(run_dir, rescore=False)
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["item_analysis"]["flags"] == []
    assert page_has_no_section(run_dir / "report.html")


# ------------------------------------------------------------------------------------------ the CLI
@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("pool")
    half = {k: v for k, v in run_verdicts().items() if k[0] in ("v1", "v2", "v3")}
    other = {k: v for k, v in run_verdicts().items() if k[0] in ("v4", "v5") or k[0].startswith("b-")}
    a = build_run(
        root / "a",
        run_id="round1",
        vendors=[vendor(v) for v in ("v1", "v2", "v3")],
        suites=[suite("s", "work", SUITE_ITEMS)],
        verdicts=half,
    )
    b = build_run(
        root / "b",
        run_id="round2",
        vendors=[vendor("v4"), vendor("v5"), RUN_VENDORS[-1]],
        # the same suite and version, and a suite whose version changed: its items are not matched
        suites=[suite("s", "work", SUITE_ITEMS), suite("t", "day", [{"id": "t1"}], version="2")],
        verdicts=other,
    )
    return root, a, b


def test_items_pools_runs(two_runs):
    root, a, b = two_runs
    proc = evalkit("items", str(a), str(b), "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["n_vendors"] == 5  # three of round1 and two of round2, kept apart
    assert set(data["roles"]) == {"round1:v1", "round1:v2", "round1:v3", "round2:v4", "round2:v5", "round2:b-echo"}
    flags = by_key(data)
    # only the pooled runs have 5 candidates: the same negative discrimination as one run of all five
    assert flags[("neg", None)]["reasons"] == ["negative_discrimination"]
    assert flags[("hard", None)]["reasons"] == ["all_fail"]
    assert flags[("q1", "round2:b-echo")]["reasons"] == ["baseline_pass"]
    items = {(it["suite_id"], it["item_id"]): it for it in data["items"]}
    assert items[("s", "q1")]["n_vendors"] == 5 and items[("t", "t1")]["suite_version"] == "2"
    # one run alone: fewer than four candidates, no discrimination computed; its three strong vendors
    # all fail the item the weak ones of the other round pass
    alone = json.loads(evalkit("items", str(a), "--json", cwd=root).stdout)
    assert by_key(alone)[("neg", None)]["reasons"] == ["all_fail"] and set(alone["roles"]) == {"v1", "v2", "v3"}


def test_items_table_and_flagged(two_runs):
    root, a, b = two_runs
    proc = evalkit("items", str(a), str(b), "--flagged", cwd=root, env=None)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("item analysis: 2 run(s)")
    assert any("neg" in line and "negative discrimination" in line for line in lines)
    assert any("round2:b-echo" in line and "echo baseline passes" in line for line in lines)
    assert not any(line.split()[:3] == ["s", "1", "q2"] for line in lines)  # --flagged: no unflagged item
    full = evalkit("items", str(a), str(b), cwd=root)
    assert any(line.split()[:3] == ["s", "1", "q2"] for line in full.stdout.splitlines())
    flagged = json.loads(evalkit("items", str(a), str(b), "--json", "--flagged", cwd=root).stdout)
    assert {it["item_id"] for it in flagged["items"]} == {"neg", "hard", "q1", "t1"}


def test_items_errors(two_runs, tmp_path):
    root, a, _ = two_runs
    proc = evalkit("items", str(tmp_path / "missing"), cwd=root)
    assert proc.returncode == 2 and "no run store" in proc.stderr and "Traceback" not in proc.stderr
    proc = evalkit("items", str(a), str(a), cwd=root)
    assert proc.returncode == 2 and "given twice" in proc.stderr
