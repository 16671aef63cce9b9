"""The committee's scoring sheet (criteria.yaml ``scoring_sheet:``; evalkit/analysis/scoring_sheet.py,
evalkit/report/scoring_sheet.py): config errors at file:line, each rule's points by hand, the CSV's
neutralised cells, the xlsx read back (values, never formulas; run id and pre-registration hash), a
blinded run's pseudonyms, the pre-registration hash covering the block, `evalkit sheet`."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pytest
from committee_runs import CRITERIA, build_run, suite, vendor
from conftest import REPO, evalkit, make_workspace, read_yaml

from evalkit.analysis.scoring_sheet import line_points
from evalkit.config.criteria import CriteriaFile
from evalkit.config.loader import load_workspace
from evalkit.config.scoring_sheet import SheetRow
from evalkit.integrity.prereg import preregistration
from evalkit.pipeline import score_and_report

HOSTILE_LABEL = '=HYPERLINK("http://evil.example/","押す")'
SHEET = {
    "title": "技術点評価表",
    "rows": [
        {"label": "当日試験の重要項目（必須）", "node": "day", "rule": "gate", "points": 10},
        {"label": "行政実務の性能", "node": "work", "rule": "proportional", "points": 40},
        {
            "label": "行政実務の段階評価",
            "node": "work",
            "rule": "thresholds",
            "thresholds": [{"min_score": 0.9, "points": 20}, {"min_score": 0.6, "points": 10}],
        },
        {"label": HOSTILE_LABEL, "node": "work", "rule": "gate", "points": 5},
    ],
}
WORK = [f"w{i}" for i in range(10)]
DAY = ["d1", "d2"]
VENDORS = [
    vendor("alpha", name="アルファ"),
    vendor("bravo", name="+ブラボー", category="foreign"),  # a name a spreadsheet would run
    vendor("charlie", name="チャーリー"),
]


def verdicts() -> dict:
    out: dict = {}
    for n, item in enumerate(WORK):
        out[("alpha", item)] = n < 10  # work 1.0
        out[("bravo", item)] = n < 7  # work 0.7
        out[("charlie", item)] = n < 5  # work 0.5
    out |= {("alpha", "d1"): True, ("alpha", "d2"): True}  # day gate 適合
    out |= {("bravo", "d1"): True, ("bravo", "d2"): False}  # a critical failure: 不適合
    out |= {("charlie", "d1"): True, ("charlie", "d2"): None}  # unanswered critical item: 判定保留
    return out


SUITES = [
    suite("work", "work", [{"id": i} for i in WORK]),
    suite("day", "day", [{"id": i, "critical": True} for i in DAY]),
]


@pytest.fixture(scope="module")
def sheet_run(tmp_path_factory) -> Path:
    run_dir = build_run(
        tmp_path_factory.mktemp("sheet") / "run",
        run_id="sheet-run",
        vendors=VENDORS,
        suites=SUITES,
        verdicts=verdicts(),
        criteria={**CRITERIA, "scoring_sheet": SHEET},
        prereg="ab" * 32,
    )
    score_and_report(run_dir, rescore=False)  # the run's exports include the sheet
    return run_dir


def csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------------------------------ points
def test_each_rule_by_hand():
    gate = SheetRow.model_validate({"label": "g", "node": "n", "rule": "gate", "points": 10})
    assert line_points(gate, 0.2, "適合")[0] == 10
    assert line_points(gate, 1.0, "不適合")[0] == 0
    assert line_points(gate, 1.0, "判定保留")[0] is None and line_points(gate, None, "未評価")[0] is None
    prop = SheetRow.model_validate({"label": "p", "node": "n", "rule": "proportional", "points": 40})
    assert line_points(prop, 0.7, None)[0] == pytest.approx(28.0)
    assert line_points(prop, None, None)[0] is None
    steps = SheetRow.model_validate(
        {
            "label": "t",
            "node": "n",
            "rule": "thresholds",
            "thresholds": [{"min_score": 0.9, "points": 20}, {"min_score": 0.6, "points": 10}],
        }
    )
    assert [line_points(steps, s, None)[0] for s in (1.0, 0.9, 0.89, 0.6, 0.59)] == [20, 20, 10, 10, 0]
    assert steps.max_points == 20


def test_summary_points(sheet_run):
    summary = json.loads((sheet_run / "summary.json").read_text(encoding="utf-8"))
    sheet = summary["scoring_sheet"]
    assert [line["max_points"] for line in sheet["lines"]] == [10, 40, 20, 5]
    got = {vid: [c["points"] for c in v["lines"]] for vid, v in sheet["vendors"].items()}
    # day gate; 40 × work; work thresholds; work gate (min_score 0.6)
    assert got["alpha"] == [10, 40, 20, 5]
    assert got["bravo"] == [0, 28, 10, 5]
    assert got["charlie"] == [None, 20, 0, 0]  # 判定保留 leaves the line pending
    totals = {vid: (v["total"], v["max_total"], v["pending"]) for vid, v in sheet["vendors"].items()}
    assert totals == {"alpha": (75, 75, 0), "bravo": (43, 75, 0), "charlie": (20, 75, 1)}


# ------------------------------------------------------------------------------------------ files
def test_csv_rows_totals_and_neutralised_cells(sheet_run):
    rows = csv_rows(sheet_run / "scoring_sheet.csv")
    assert len(rows) == 3 * (4 + 1)  # vendors × (lines + total)
    bravo = [r for r in rows if r["vendor_id"] == "bravo"]
    assert [r["points"] for r in bravo] == ["0.0", "28.0", "10.0", "5.0", "43.0"]
    assert bravo[-1]["label"] == "合計" and bravo[-1]["max_points"] == "75.0"
    assert bravo[0]["vendor"] == "'+ブラボー"  # a cell a spreadsheet would run starts with a quote
    hostile = [r for r in rows if r["node"] == "work" and r["rule"] == "gate"]
    assert all(r["label"] == "'" + HOSTILE_LABEL for r in hostile)
    assert {r["run_id"] for r in rows} == {"sheet-run"} and {r["preregistration_sha256"] for r in rows} == {"ab" * 32}
    charlie_day = next(r for r in rows if r["vendor_id"] == "charlie" and r["node"] == "day")
    assert charlie_day["points"] == "" and charlie_day["gate"] == "判定保留"


def test_xlsx_values_never_formulas(sheet_run):
    book = openpyxl.load_workbook(sheet_run / "scoring_sheet.xlsx")
    assert book.sheetnames[0] == "集計" and sorted(book.sheetnames[1:]) == sorted(
        ["アルファ", "+ブラボー", "チャーリー"]
    )
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
        values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
        assert "sheet-run" in values and f"sha256:{'ab' * 32}" in values
        assert any(isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d.*", v) for v in values)
    summary = book["集計"]
    grid = [[c.value for c in row] for row in summary.iter_rows()]
    head = next(i for i, r in enumerate(grid) if r[0] == "評価項目")
    col = {name: grid[head].index(name) for name in ("アルファ", "+ブラボー", "チャーリー")}  # rank order
    assert [grid[head + 1][col[n]] for n in ("アルファ", "+ブラボー", "チャーリー")] == [10, 0, "保留"]
    assert grid[head + 4][0] == HOSTILE_LABEL  # stored as text, exactly as written
    total = next(r for r in grid if r[0] == "合計")
    assert [total[3], *(total[col[n]] for n in ("アルファ", "+ブラボー", "チャーリー"))] == [75, 75, 43, 20]
    assert "40 点 × 得点" in grid[head + 2][2]  # the rule, as text
    bravo = [[c.value for c in row] for row in book["+ブラボー"].iter_rows()]
    assert ["行政実務の性能", "work", "実務", "40 点 × 得点（0〜1）", 0.7, "適合", 28, 40, None] in bravo
    assert ["区分", "海外参照", *[None] * 7] in bravo


def test_blinded_run_uses_pseudonyms(tmp_path):
    run_dir = build_run(
        tmp_path / "run",
        run_id="blind-run",
        vendors=VENDORS,
        suites=SUITES,
        verdicts=verdicts(),
        criteria={**CRITERIA, "scoring_sheet": SHEET},
        blind_seed=5,
    )
    proc = evalkit("sheet", str(run_dir), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = csv_rows(tmp_path / "out" / "scoring_sheet.csv")
    assert {r["vendor_id"] for r in rows} == {"vendor-A", "vendor-B", "vendor-C"}
    assert {r["preregistration_sha256"] for r in rows} == {"事前登録なし"}
    book = openpyxl.load_workbook(tmp_path / "out" / "scoring_sheet.xlsx")
    assert book.sheetnames[0] == "集計" and sorted(book.sheetnames[1:]) == ["ベンダーA", "ベンダーB", "ベンダーC"]
    for name in ("alpha", "bravo", "charlie", "アルファ", "ブラボー", "チャーリー"):
        assert name not in (tmp_path / "out" / "scoring_sheet.csv").read_text(encoding="utf-8-sig")
        for ws in book.worksheets:
            assert not any(name in str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    values = [c.value for row in book["集計"].iter_rows() for c in row]
    assert "事前登録なし" in values and "blind-run" in values


def test_sheet_command_exit_codes(sheet_run, tmp_path):
    proc = evalkit("sheet", str(sheet_run), "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "again" / "scoring_sheet.csv").read_text(encoding="utf-8-sig") == (
        sheet_run / "scoring_sheet.csv"
    ).read_text(encoding="utf-8-sig")
    plain = build_run(tmp_path / "plain", run_id="plain", vendors=VENDORS[:1], suites=SUITES, verdicts={})
    proc = evalkit("sheet", str(plain), cwd=tmp_path)
    assert proc.returncode == 2 and "define no scoring_sheet" in proc.stderr
    assert "Traceback" not in proc.stderr and not (plain / "scoring_sheet.csv").exists()
    proc = evalkit("sheet", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert proc.returncode == 2 and "no run store" in proc.stderr


# ------------------------------------------------------------------------------------------ config
CRITERIA_YAML = """\
id: root
title: 全体
clause: 全体
children:
  - id: sec
    title: 安全
    clause: 安全
    gate: {description: 重要項目の失敗なし, max_critical_failures: 0}
  - id: leaf
    title: 葉
    clause: 葉
scoring_sheet:
  rows:
{rows}
"""
LEAF_SUITE = """\
id: s
version: "1"
title: テスト
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: a1, vars: {q: 日本の首都は}, reference: 東京}
"""


def validate(tmp_path: Path, rows: str):
    work = make_workspace(tmp_path / "w", {"s": LEAF_SUITE}, {}, criteria=CRITERIA_YAML.replace("{rows}", rows))
    return evalkit("validate", "suites", cwd=work)


@pytest.mark.parametrize(
    ("rows", "line", "field", "message"),
    [
        (
            "    - {label: A, node: sec, rule: gate, points: 10}\n    - {label: B, node: lef, rule: gate, points: 1}",
            15,
            "scoring_sheet.rows[1].node",
            "unknown criterion 'lef' in this tree (did you mean 'leaf'?)",
        ),
        ("    - {label: B, node: leaf, rule: gate, points: 1}", 14, "scoring_sheet.rows[0].node", "has no gate"),
        ("    - {label: B, node: leaf, rule: proportional}", 14, "scoring_sheet.rows[0]", "needs points"),
        (
            "    - {label: B, node: leaf, rule: proportional, points: -1}",
            14,
            "scoring_sheet.rows[0].points",
            "greater than or equal to 0",
        ),
        (
            "    - {label: B, node: leaf, rule: proportional, points: 3, thresholds: [{min_score: 0.5, points: 1}]}",
            14,
            "scoring_sheet.rows[0]",
            "thresholds belong to rule: thresholds rows only",
        ),
        (
            "    - label: B\n      node: leaf\n      rule: thresholds\n"
            "      thresholds: [{min_score: 0.5, points: 1}, {min_score: 0.8, points: 2}]",
            17,
            "scoring_sheet.rows[0].thresholds",
            "descending min_score",
        ),
        ("    - {label: B, node: leaf, rule: bonus, points: 3}", 14, "scoring_sheet.rows[0].rule", "gate"),
    ],
)
def test_config_errors_at_file_line(tmp_path, rows, line, field, message):
    proc = validate(tmp_path, rows)
    assert proc.returncode == 2, proc.stdout
    lines = [x for x in proc.stderr.splitlines() if "scoring_sheet" in x]
    assert len(lines) == 1, proc.stderr
    assert re.match(rf"suites/criteria\.yaml:{line}:\d+: {re.escape(field)}: .*{re.escape(message)}", lines[0]), lines


def test_a_valid_sheet_validates(tmp_path):
    proc = validate(tmp_path, "    - {label: A, node: sec, rule: gate, points: 10}")
    assert proc.returncode == 0, proc.stderr


def test_preregistration_covers_the_sheet(tmp_path):
    def digest(points: int, name: str) -> str:
        folder = tmp_path / name
        rows = f"    - {{label: A, node: sec, rule: gate, points: {points}}}"
        work = make_workspace(folder, {"s": LEAF_SUITE}, {}, criteria=CRITERIA_YAML.replace("{rows}", rows))
        ws = load_workspace([work / "suites"], work / "suites" / "criteria.yaml")
        ws.raise_if_issues()
        return str(preregistration(ws)["digest"])

    assert digest(10, "a") != digest(11, "b")
    assert digest(10, "a2") == digest(10, "a3")


def test_repository_sheet_maps_real_nodes():
    crit = CriteriaFile.model_validate(read_yaml((REPO / "suites" / "criteria.yaml").read_text(encoding="utf-8")))
    assert crit.scoring_sheet is not None
    nodes = crit.nodes()
    assert all(row.node in nodes for row in crit.scoring_sheet.rows)
    assert sum(row.max_points for row in crit.scoring_sheet.rows) == 100
