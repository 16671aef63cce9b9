"""Suites v2 weights end to end: a leaf weighs its items equally, one item's weight is shown in the
report and in `evalkit list`, and a weight-0 top-level criterion (the day-of-test sample) is reported
beside the total without entering it."""

from __future__ import annotations

import json
import re

from conftest import evalkit, make_workspace

CRITERIA = """\
id: root
title: 全体
clause: 全体
children:
  - id: leaf
    title: 葉
    clause: 葉
  - id: dot
    title: 当日試験
    clause: 当日
    weight: 0
"""


def suite(sid: str, criterion: str, n: int) -> str:
    items = "\n".join(f"  - {{id: q{i}, vars: {{q: '{sid}{i}'}}, reference: 正解{i}}}" for i in range(n))
    return (
        f'id: {sid}\nversion: "1"\ntitle: {sid}\ncriterion: {criterion}\nprompt: "{{{{ q }}}}"\n'
        f"scorers: [{{kind: exact}}]\nitems:\n{items}\n"
    )


# a day-of-test suite that the echo model passes (its answers repeat the question): its total must not move
DAY = suite("day", "dot", 3).replace("scorers: [{kind: exact}]", "scorers: [{kind: contains, params: {values: [day]}}]")
VENDORS = {
    "oracle": "id: oracle\nname: オラクル\nprovider: reference\nmodel: oracle\n",
    "echo": "id: echo\nname: エコー\nprovider: reference\nmodel: echo\n",
}


def test_one_items_weight_and_a_criterion_outside_the_total(tmp_path):
    work = make_workspace(
        tmp_path / "w",
        {"small": suite("small", "leaf", 2), "big": suite("big", "leaf", 8), "day": DAY},
        VENDORS,
        criteria=CRITERIA,
    )
    listed = evalkit("list", "suites", cwd=work)
    assert listed.returncode == 0, listed.stderr
    weights = dict(re.findall(r"^  (\w+) .*1問の重み (\S+)", listed.stdout, re.M))
    assert weights == {"big": "10.000%", "day": "0（総合点外）", "small": "10.000%"}
    proc = evalkit("run", "--out", "run", "-q", cwd=work)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    by_suite = {s["id"]: s["item_weight"] for s in summary["suites"]}
    assert by_suite == {"small": 0.1, "big": 0.1, "day": 0.0}
    nodes = {n["id"]: n for n in summary["criteria"]}
    assert nodes["dot"]["vendors"]["echo"]["score"] == 1.0  # reported on its own ...
    assert {v["id"]: v["total"] for v in summary["vendors"]} == {"oracle": 1.0, "echo": 0.0}  # ... not in the total
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert 'data-outside-total="dot"' in html and "総合点に含めない（別に報告）" in html
    assert '<th class="num">1問の重み</th>' in html and "10.000%" in html


def test_a_partial_run_says_which_criteria_it_left_out(tmp_path):
    crit = CRITERIA.replace("  - id: leaf\n", "  - id: leaf\n    gate: {min_score: 0.5, description: 最低点}\n") + (
        "  - id: other\n    title: 別の基準\n    clause: 別\n"
        "    gate: {max_critical_failures: 0, description: 重要項目}\n"
    )
    work = make_workspace(
        tmp_path / "w", {"small": suite("small", "leaf", 2), "o": suite("o", "other", 2)}, VENDORS, criteria=crit
    )
    proc = evalkit("run", "-s", "small", "--out", "run", "-q", cwd=work)
    assert proc.returncode == 0, proc.stderr
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert 'id="partial-run"' in html and "別の基準（<code>other</code>）" in html
    assert 'data-unevaluated="1">未評価' in html
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    assert {v["id"]: v["verdict"] for v in summary["vendors"]} == {"oracle": "判定保留", "echo": "不適合"}
