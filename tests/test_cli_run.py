"""End to end: the CLI runs the repo's suites against the embedded endpoint and writes everything."""

from __future__ import annotations

import json
import sqlite3

from conftest import REPO, evalkit, make_workspace

from evalkit.config.loader import load_workspace
from evalkit.data import suite_items


def _repo_ids():
    """Suites a default run covers (as the loader sees them: suites whose external data is absent
    are skipped) and the reference vendors it evaluates (judges are not evaluated)."""
    ws = load_workspace([REPO / "suites", REPO / "vendors"])
    suites = [s.model.id for s in ws.suites if s.model.items]
    vendors = [v.model.id for v in ws.vendors if v.model.provider == "reference" and v.model.category != "judge"]
    return suites, vendors


def test_default_run_prints_report_and_skips_unconfigured_vendors(repo_run):
    out, proc = repo_run
    assert f"report: {out / 'report.html'}" in proc.stdout
    assert "notice: skipped vendor 'openai-gpt-4o': environment variable(s) OPENAI_API_KEY not set" in proc.stderr
    assert "Traceback" not in proc.stderr
    for name in ("report.html", "store.sqlite", "results.csv", "summary.json"):
        assert (out / name).is_file(), name


def test_store_holds_every_request_and_response(repo_run):
    out, _ = repo_run
    suites, vendors = _repo_ids()
    db = sqlite3.connect(out / "store.sqlite")
    planned = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    # every item, and every item a suite's variants derive from one (asked as items, weight 0 in the scores)
    items = sum(len(suite_items(s.model)) for s in load_workspace([REPO / "suites"]).suites)
    assert planned == items * len(vendors)
    assert db.execute("SELECT COUNT(*) FROM responses WHERE ok = 1").fetchone()[0] == planned
    assert {r[0] for r in db.execute("SELECT DISTINCT vendor_id FROM requests")} == set(vendors)
    assert {r[0] for r in db.execute("SELECT DISTINCT suite_id FROM requests")} == set(suites)
    # every answered request is scored by every scorer of its item
    unscored = db.execute(
        "SELECT COUNT(*) FROM responses r WHERE NOT EXISTS (SELECT 1 FROM scores s WHERE s.key = r.key)"
    ).fetchone()[0]
    assert unscored == 0
    # the manifest records the configuration, never a key
    manifest = json.loads(db.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()[0])
    assert manifest["planned_requests"] == planned


def test_oracle_scores_full_marks_and_refuse_is_separated(repo_run):
    out, _ = repo_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by_id = {v["id"]: v for v in summary["vendors"]}
    assert by_id["ref-oracle"]["total"] == 1.0
    assert by_id["ref-oracle"]["verdict"] == "適合"
    assert by_id["ref-echo"]["verdict"] == "不適合"
    assert by_id["ref-refuse"]["total"] < by_id["ref-oracle"]["total"]
    for suite in summary["suites"]:
        assert suite["vendors"]["ref-oracle"]["score"] == 1.0, suite["id"]


def test_report_names_every_vendor_suite_and_criterion(repo_run):
    out, _ = repo_run
    html = (out / "report.html").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for vendor in summary["vendors"]:
        assert vendor["name"] in html
        assert f'data-vendor="{vendor["id"]}"' in html
    for suite in summary["suites"]:
        assert f'data-suite="{suite["id"]}"' in html
    for node in summary["criteria"]:
        assert f'data-criterion="{node["id"]}"' in html
        assert set(node["vendors"]) == {v["id"] for v in summary["vendors"]}


def test_rerun_into_same_directory_sends_nothing(repo_run_copy):
    out, _ = repo_run_copy
    again = evalkit("run", "--out", str(out), "--quiet")
    assert again.returncode == 0, again.stderr
    db = sqlite3.connect(out / "store.sqlite")
    total = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    assert "requests" not in again.stdout  # quiet
    verbose = evalkit("run", "--resume", str(out))
    assert f"requests: 0 sent (0 ok, 0 errors, 0 retries), {total} already in the store" in verbose.stdout


def test_score_and_report_reproduce_the_numbers_offline(repo_run_copy):
    out, _ = repo_run_copy
    before = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    proc = evalkit("score", str(out))
    assert proc.returncode == 0, proc.stderr
    after = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [(v["id"], v["total"], v["verdict"]) for v in after["vendors"]] == [
        (v["id"], v["total"], v["verdict"]) for v in before["vendors"]
    ]
    # (`evalkit report` re-renders without scoring: tested on smaller runs; the repository run's own report
    # is rendered by the run itself, which repo_run checks)


def test_selecting_suite_and_vendor_by_id(tmp_path):
    suites, _ = _repo_ids()
    proc = evalkit("run", "--suite", suites[0], "--vendor", "ref-refuse", "--out", str(tmp_path / "r"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(tmp_path / "r" / "store.sqlite")
    assert {r for r in db.execute("SELECT DISTINCT vendor_id, suite_id FROM requests")} == {("ref-refuse", suites[0])}


def test_unknown_vendor_and_unset_env_are_clear_errors(tmp_path):
    proc = evalkit("run", "--vendor", "nope", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("evalkit: error: unknown vendor 'nope' (known: ")
    proc = evalkit("run", "--vendor", "openai-gpt-4o", "--out", str(tmp_path / "y"))
    assert proc.returncode == 2
    assert "vendor 'openai-gpt-4o' needs environment variable(s) OPENAI_API_KEY, which are not set" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_resume_refuses_a_changed_suite(tmp_path):
    suite = (
        'id: s1\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\n'
        "scorers: [{kind: exact}]\nitems:\n  - {id: a, vars: {q: 質問}, reference: 答え}\n"
    )
    work = make_workspace(tmp_path / "w", {"s1": suite}, {"o": "id: o\nname: O\nprovider: reference\nmodel: oracle\n"})
    first = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert first.returncode == 0, first.stderr
    (work / "suites" / "s1.yaml").write_text(suite.replace("答え", "別の答え"), encoding="utf-8")
    second = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert second.returncode == 2
    assert "configuration differs from the run stored there: suite 's1' (suites/s1.yaml)" in second.stderr


def test_two_vendor_files_on_the_same_endpoint_keep_separate_results(tmp_path):
    suite = (
        'id: s1\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\n'
        "scorers: [{kind: exact}]\nitems:\n  - {id: a, vars: {q: 質問}, reference: 答え}\n"
    )
    same = "name: {n}\nprovider: reference\nmodel: oracle\n"
    work = make_workspace(
        tmp_path / "w", {"s1": suite}, {"a": "id: a\n" + same.format(n="A"), "b": "id: b\n" + same.format(n="B")}
    )
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(work / "run" / "store.sqlite")
    assert db.execute("SELECT vendor_id, COUNT(*) FROM requests GROUP BY vendor_id").fetchall() == [("a", 1), ("b", 1)]
    assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 2


def test_operations_accounting_with_pricing(tmp_path):
    suite = (
        'id: s1\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\n'
        "scorers: [{kind: exact}]\nitems:\n"
        + "".join(f"  - {{id: a{i}, vars: {{q: 質問{i}}}, reference: 答え}}\n" for i in range(6))
    )
    vendor = (
        "id: priced\nname: 有料\nprovider: reference\nmodel: oracle\n"
        "pricing: {input_per_1k: 1.5, output_per_1k: 6, currency: JPY}\n"
    )
    work = make_workspace(tmp_path / "w", {"s1": suite}, {"priced": vendor})
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(work / "run" / "store.sqlite")
    prompt, completion = db.execute("SELECT SUM(prompt_tokens), SUM(completion_tokens) FROM responses").fetchone()
    latencies = sorted(r[0] for r in db.execute("SELECT latency_ms FROM responses"))
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    v = summary["vendors"][0]
    assert (v["prompt_tokens"], v["completion_tokens"]) == (prompt, completion) and prompt > 0
    assert v["cost"] == round(prompt / 1000 * 1.5 + completion / 1000 * 6, 4) and v["currency"] == "JPY"
    assert v["error_rate"] == 0 and v["n_requests"] == 6
    assert latencies[0] <= v["latency_p50_ms"] <= v["latency_p95_ms"] <= latencies[-1]
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert f"{v['cost']:.2f} JPY" in html


def test_epochs_repeat_every_request_with_distinct_keys(tmp_path):
    suite = (
        'id: s1\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\n'
        "generation: {temperature: 0.7, seed: 11}\n"
        "scorers: [{kind: exact}]\nitems:\n  - {id: a, vars: {q: 質問}, reference: 答え}\n"
    )
    vendor = "id: o\nname: O\nprovider: reference\nmodel: oracle\ngeneration: {temperature: 0}\n"
    work = make_workspace(tmp_path / "w", {"s1": suite}, {"o": vendor})
    proc = evalkit("run", "--out", "run", "--quiet", "--epochs", "3", cwd=work)
    assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(work / "run" / "store.sqlite")
    rows = db.execute("SELECT epoch, key, params FROM requests ORDER BY epoch").fetchall()
    assert [r[0] for r in rows] == [0, 1, 2] and len({r[1] for r in rows}) == 3
    assert all(json.loads(r[2]) == {"temperature": 0, "seed": 11} for r in rows)  # vendor overrides suite
    assert db.execute("SELECT COUNT(*) FROM responses WHERE ok = 1").fetchone()[0] == 3


def test_a_resume_with_nothing_new_reuses_the_exports_and_a_stale_one_rebuilds_them(tmp_path):
    suite = (
        'id: s1\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\n'
        "scorers: [{kind: exact}]\nitems:\n  - {id: a, vars: {q: 質問}, reference: 答え}\n"
    )
    work = make_workspace(tmp_path / "w", {"s1": suite}, {"o": "id: o\nname: O\nprovider: reference\nmodel: oracle\n"})
    assert evalkit("run", "--out", "run", "--quiet", cwd=work).returncode == 0
    report = work / "run" / "report.html"
    first = report.stat().st_mtime_ns
    again = evalkit("run", "--resume", "run", cwd=work)
    assert again.returncode == 0 and "report: run/report.html" in again.stdout
    assert "1. o" in again.stdout and report.stat().st_mtime_ns == first  # reused, not rebuilt
    # exports written from an older state of the store (e.g. a run killed before scoring) are rebuilt
    db = sqlite3.connect(work / "run" / "store.sqlite")
    db.execute("DELETE FROM meta WHERE key = 'exports_state'")
    db.commit()
    db.close()
    assert evalkit("run", "--resume", "run", "--quiet", cwd=work).returncode == 0
    assert report.stat().st_mtime_ns != first
