"""End to end: `evalkit run` writes the tidy exports and the statistics; `evalkit score` reproduces them."""

from __future__ import annotations

import json

import pandas as pd
from conftest import evalkit, make_workspace

ITEMS = 12
SUITE = (
    'id: s1\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "質問{{ q }}"\n'
    "scorers: [{kind: contains, params: {mode: all, values: [質問, 解答]}}]\nitems:\n"
    + "".join(f"  - {{id: q{n:02d}, vars: {{q: '{n}'}}, reference: 解答{n}}}\n" for n in range(ITEMS))
)
VENDORS = {
    name: f"id: {name}\nname: {name}\nprovider: reference\nmodel: {model}\n"
    for name, model in (("oracle", "oracle"), ("echo", "echo"), ("refuse", "refuse"))
}


def test_run_exports_parquet_and_comparisons_and_score_reproduces_them(tmp_path):
    work = make_workspace(tmp_path / "w", {"s1": SUITE}, VENDORS)
    proc = evalkit("run", "--out", "run", "--quiet", "--epochs", "2", cwd=work)
    assert proc.returncode == 0, proc.stderr
    out = work / "run"
    table = pd.read_parquet(out / "results.parquet")
    assert len(table) == ITEMS * len(VENDORS) * 2  # one row per item x vendor x epoch
    assert not table.duplicated(["vendor_id", "suite_id", "item_id", "epoch"]).any()
    assert set(table.vendor_id) == set(VENDORS) and set(table.epoch) == {0, 1}
    assert list(table.tags.iloc[0]) == []
    assert len(pd.read_csv(out / "results.csv")) == len(table)

    before = (out / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(before)
    comparisons = summary["comparisons"]
    assert {(c["scope"], c["level"]) for c in comparisons} == {("total", "total"), ("s1", "suite")}
    assert len(comparisons) == 3 * 2  # 3 pairs x (total + 1 suite)
    for row in comparisons:
        assert {
            "a",
            "b",
            "scope",
            "diff",
            "ci_low",
            "ci_high",
            "p",
            "p_holm",
            "significant",
            "n_shared",
            "test",
        } <= set(row)
        assert row["n_shared"] == ITEMS
    # oracle 1; echo repeats the question: one of the two values -> 0.5 per item; refuse 0
    assert summary["suites"][0]["binary"] is False
    oracle_echo = next(c for c in comparisons if c["scope"] == "s1" and {c["a"], c["b"]} == {"oracle", "echo"})
    assert oracle_echo["significant"] and oracle_echo["winner"] == "oracle" and oracle_echo["diff"] == 0.5
    s1 = summary["suites"][0]["vendors"]["oracle"]
    assert (s1["n"], s1["n_requests"], s1["k"], s1["epoch_disagreement"], s1["pass_at_k"]) == (
        ITEMS,
        2 * ITEMS,
        2,
        0.0,
        1.0,
    )
    assert {"gates", "bias", "statistics"} <= set(summary)
    assert "差の有意性（対比較）" in (out / "report.html").read_text(encoding="utf-8")

    rescored = evalkit("score", "run", cwd=work)
    assert rescored.returncode == 0, rescored.stderr
    after = (out / "summary.json").read_text(encoding="utf-8")
    assert json.loads(after) == summary  # every number, interval, p-value and verdict
    assert after == before
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), table)
