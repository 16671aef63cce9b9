"""A run's selection (suites, vendors, judges, epochs) never changes once stored: a command that
leaves part of it out or adds to it is refused and the store is left as it was; `--resume DIR`
alone continues the run as it was; a blinded run never names a vendor in its console output."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import evalkit, make_workspace

SUITE = (
    'id: {sid}\nversion: "1"\ntitle: 試験{sid}\ncriterion: leaf\nprompt: "{{{{ q }}}}"\n'
    "scorers: [{{kind: exact}}]\nitems:\n  - {{id: a, vars: {{q: 質問{sid}}}, reference: 答え}}\n"
    "  - {{id: b, vars: {{q: 別の質問{sid}}}, reference: 答え}}\n"
)
VENDORS = {
    name: f"id: {name}\nname: {name.upper()}\nprovider: reference\nmodel: {model}\n"
    for name, model in (("ora", "oracle"), ("ref", "refuse"), ("ech", "echo"))
}


@pytest.fixture()
def work(tmp_path):
    return make_workspace(tmp_path / "w", {"s1": SUITE.format(sid="s1"), "s2": SUITE.format(sid="s2")}, VENDORS)


def stored_meta(run_dir) -> dict:
    db = sqlite3.connect(run_dir / "store.sqlite")
    return {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}


def test_a_command_that_leaves_out_or_adds_to_the_stored_selection_is_refused(work):
    first = evalkit("run", "--out", "run", "-s", "s1", "--epochs", "2", "-q", cwd=work)
    assert first.returncode == 0, first.stderr
    before = stored_meta(work / "run")
    cases = [
        (
            ("-s", "s1", "-v", "ora", "--epochs", "2"),
            "the stored run also has vendor 'ech', vendor 'ref', which this command leaves out",
        ),
        (("-s", "s1", "-s", "s2", "--epochs", "2"), "this command adds suite 's2', which the stored run does not have"),
        (("-s", "s1", "--epochs", "3"), "the stored run has 2 epoch(s), this command asks for 3"),
    ]
    for extra, expected in cases:
        proc = evalkit("run", "--out", "run", *extra, cwd=work)
        assert proc.returncode == 2, proc.stderr
        (line,) = [x for x in proc.stderr.splitlines() if x.startswith("evalkit: error:")]
        # the printed command works from any directory: the run folder is absolute
        assert expected in line and line.endswith(
            f"Continue it as it was with: evalkit run --resume {work / 'run'} (or write to a new --out directory)"
        ), line
    after = stored_meta(work / "run")
    for key in ("vendors", "suites", "config", "manifest"):
        assert after[key] == before[key], key


def test_resume_alone_continues_the_stored_selection(work):
    first = evalkit(
        "run",
        "--out",
        "run",
        "-s",
        "s2",
        "-v",
        "ora",
        "-v",
        "ref",
        "--epochs",
        "2",
        "--deadline",
        "0.000001",
        "-q",
        cwd=work,
    )
    assert first.returncode == 3, first.stderr  # nothing finished before the deadline
    assert f"continue with: evalkit run --resume {work / 'run'}" in first.stderr
    proc = evalkit("run", "--resume", "run", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "1 suites, 2 items, 2 vendors x 2 epoch(s)" in proc.stderr
    db = sqlite3.connect(work / "run" / "store.sqlite")
    assert db.execute("SELECT COUNT(*) FROM responses WHERE ok = 1").fetchone()[0] == 8
    assert {r for (r,) in db.execute("SELECT DISTINCT vendor_id FROM requests")} == {"ora", "ref"}
    again = evalkit("run", "--out", "run", cwd=work)  # the same directory through --out: the same run
    assert again.returncode == 0 and "requests: 0 sent" in again.stdout, again.stderr


def test_resume_of_nothing_and_a_bad_deadline_are_usage_errors(work):
    proc = evalkit("run", "--resume", "nowhere", cwd=work)
    assert (
        proc.returncode == 2 and proc.stderr.strip() == "evalkit: error: nowhere: nothing to resume (no store.sqlite)"
    )
    for value in ("0", "-1", "nan", "inf", "soon"):
        proc = evalkit("run", "--out", "x", "--deadline", value, cwd=work)
        assert proc.returncode == 2 and "argument --deadline:" in proc.stderr, (value, proc.stderr)
    for value in ("0", "-2"):
        proc = evalkit("run", "--out", "x", "--epochs", value, cwd=work)
        assert proc.returncode == 2 and proc.stderr.strip() == "evalkit: error: --epochs must be at least 1"


def test_a_blinded_run_never_names_a_vendor_on_the_console(work):
    criteria = (work / "suites" / "criteria.yaml").read_text(encoding="utf-8")
    (work / "suites" / "attestation").mkdir()
    (work / "suites" / "attestation" / "env.yaml").write_text(
        'id: env\nversion: "1"\ntitle: 申告\ncriterion: leaf\nchecks:\n'
        "  - "
        "{id: c1, field: ismap_listed, title: ISMAP, clause: 要件1, question: ISMAP に登録されていますか, expect: true}"
        "\n",
        encoding="utf-8",
    )
    assert "leaf" in criteria
    proc = evalkit("run", "--out", "run", "--blind", "--blind-seed", "7", cwd=work)
    assert proc.returncode == 0, proc.stderr
    console = proc.stdout + proc.stderr
    for name in ("ora", "ref", "ech", "ORA", "REF", "ECH"):
        assert f"'{name}'" not in console and f"[{name}]" not in console and f" {name} " not in console, name
    assert "[vendor-A]" in console and "vendor(s) left attestation questions unanswered" in console
