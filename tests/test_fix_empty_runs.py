"""Runs in which nothing is answered, non-finite vendor settings, unreadable bundles and a
self-test's store files — each through the real CLI, as a user would meet them."""

from __future__ import annotations

import gzip
import io
import json
import re
import sqlite3
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import evalkit, make_workspace

SUITE = """\
id: s
version: "1"
title: 試験
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: q1, vars: {q: 日本の首都は}, reference: 東京}
  - {id: q2, vars: {q: 北海道の道庁所在地は}, reference: 札幌}
  - {id: q3, vars: {q: 沖縄県の県庁所在地は}, reference: 那覇}
"""
# every request fails with a 500 and is not retried: no answer ever arrives
BROKEN = (
    "id: broken\nname: 壊れたベンダー\nprovider: reference\nmodel: oracle\ntimeout: 5\nmax_retries: 0\n"
    "faults: {rate_500: 1.0}\n"
)
# every answer comes much later than the deadline
SLOW = "id: slow\nname: 遅いベンダー\nprovider: reference\nmodel: oracle\ntimeout: 30\nfaults: {latency_ms: 20000}\n"
ORACLE = "id: good\nname: 正常ベンダー\nprovider: reference\nmodel: oracle\n"
EXPORTS = ("report.html", "summary.json", "results.csv", "results.parquet", "results.junit.xml")


def _no_crash(proc) -> None:
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr


def _summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text(encoding="utf-8"))


def _assert_exports(run: Path) -> None:
    for name in EXPORTS:
        assert (run / name).is_file(), name


# ------------------------------------------------------------------------------------ no answers
def test_every_request_failing_exits_3_with_a_report_saying_nothing_was_answered(tmp_path):
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"broken": BROKEN})
    proc = evalkit("run", "--out", "run", cwd=work)
    _no_crash(proc)
    assert proc.returncode == 3, proc.stderr
    # the console never shows a score made of declarations alone, nor a verdict resting on nothing
    assert re.search(r"broken\s+総合\s+回答なし\s+判定保留", proc.stdout), proc.stdout
    run = work / "run"
    _assert_exports(run)
    summary = _summary(run)
    assert summary["counts"] == {"requests": 3, "ok": 0, "errors": 3, "not_scored": 0}
    [vendor] = summary["vendors"]
    assert vendor["n_answered"] == 0 and vendor["n_errors"] == 3
    assert vendor["latency_p50_ms"] is None and vendor["latency_p95_ms"] is None
    assert vendor["errors_by_kind"] and vendor["prompt_tokens"] == 0
    html = (run / "report.html").read_text(encoding="utf-8")
    assert 'id="no-answers"' in html and "回答が 1 件も届きませんでした" in html
    table = pd.read_parquet(run / "results.parquet")
    assert len(table) == 3 and set(table.status) == {"error"} and str(table.latency_ms.dtype) == "float64"
    junit = (run / "results.junit.xml").read_text(encoding="utf-8")
    assert junit.startswith("<?xml")

    # the run store alone re-scores and re-renders it
    for verb in ("score", "report"):
        again = evalkit(verb, "run", cwd=work)
        _no_crash(again)
        assert again.returncode == 0, (verb, again.stderr)
    assert _summary(run)["counts"]["ok"] == 0
    variant = evalkit("report", "run", "--vendor", "broken", cwd=work)
    assert variant.returncode == 0, variant.stderr
    assert 'id="no-answers"' in (run / "report-vendor-broken.html").read_text(encoding="utf-8")


def test_deadline_before_any_answer_exits_3_with_reports(tmp_path):
    """The reviewer's reproduction (a deadline no answer can meet), on a small workspace."""
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"slow": SLOW})
    proc = evalkit("run", "--out", "run", "-q", "--deadline", "0.001", cwd=work)
    _no_crash(proc)
    assert proc.returncode == 3, proc.stderr
    assert "deadline reached" in proc.stderr
    run = work / "run"
    _assert_exports(run)
    summary = _summary(run)
    assert summary["counts"]["ok"] == 0 and summary["counts"]["requests"] == 3
    assert summary["vendors"][0]["n_answered"] == 0
    assert 'id="no-answers"' in (run / "report.html").read_text(encoding="utf-8")
    for verb in ("score", "report"):
        again = evalkit(verb, "run", cwd=work)
        _no_crash(again)
        assert again.returncode == 0, (verb, again.stderr)


def test_one_vendor_without_answers_is_named_and_the_other_scored(tmp_path):
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"broken": BROKEN, "good": ORACLE})
    proc = evalkit("run", "--out", "run", "-q", cwd=work)
    _no_crash(proc)
    assert proc.returncode == 3, proc.stderr
    run = work / "run"
    _assert_exports(run)
    summary = _summary(run)
    assert summary["counts"] == {"requests": 6, "ok": 3, "errors": 3, "not_scored": 0}
    by_id = {v["id"]: v for v in summary["vendors"]}
    assert by_id["good"]["n_answered"] == 3 and by_id["good"]["latency_p50_ms"] is not None
    assert by_id["broken"]["n_answered"] == 0 and by_id["broken"]["latency_p50_ms"] is None
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "次のベンダーからは回答が 1 件も届きませんでした: 壊れたベンダー" in html


def test_an_empty_item_table_renders(tmp_path):
    """No request at all in the store (what a suite without items used to give): aggregation,
    exports and the report still work from the store alone."""
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"good": ORACLE})
    assert evalkit("run", "--out", "run", "-q", cwd=work).returncode == 0
    run = work / "run"
    db = sqlite3.connect(run / "store.sqlite")
    with db:
        for table in ("scores", "responses", "requests"):
            db.execute(f"DELETE FROM {table}")
    db.close()
    for verb in ("score", "report"):
        proc = evalkit(verb, "run", cwd=work)
        _no_crash(proc)
        assert proc.returncode == 0, (verb, proc.stderr)
    _assert_exports(run)
    summary = _summary(run)
    assert summary["counts"] == {"requests": 0, "ok": 0, "errors": 0, "not_scored": 0}
    assert summary["vendors"][0]["n_answered"] == 0 and summary["vendors"][0]["latency_p50_ms"] is None
    html = (run / "report.html").read_text(encoding="utf-8")
    assert 'id="no-answers"' in html and "リクエスト）が 1 件もありません" in html
    table = pd.read_parquet(run / "results.parquet")
    assert len(table) == 0 and str(table.epoch.dtype) == "int64" and str(table.critical.dtype) == "bool"


# ------------------------------------------------------------------------------------ finite floats
def _validate(work: Path, *paths: str):
    proc = evalkit("validate", *paths, cwd=work)
    _no_crash(proc)
    return proc


@pytest.mark.parametrize("value, shown", [(".inf", "inf"), ("-.inf", "-inf"), (".nan", "nan"), ("1e400", "'1e400'")])
def test_non_finite_timeout_is_a_schema_error(tmp_path, value, shown):
    vendor = f"id: v\nname: V\nprovider: reference\nmodel: oracle\ntimeout: {value}\n"
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"v": vendor})
    proc = _validate(work, "suites", "vendors/v.yaml")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"vendors/v.yaml:5:10: timeout: Input should be a finite number; got {shown}",
        "1 problem(s) found",
    ]


def test_every_non_finite_float_of_a_vendor_is_reported(tmp_path):
    vendor = (
        "id: v\nname: V\nprovider: reference\nmodel: oracle\n"
        "rate_limits: {requests_per_minute: .inf, tokens_per_minute: .nan}\n"
        "pricing: {input_per_1k: .inf, output_per_1k: 1}\n"
        "faults: {latency_ms: .inf, retry_after_s: .inf, rate_500: .nan}\n"
    )
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"v": vendor})
    proc = _validate(work, "suites", "vendors/v.yaml")
    assert proc.returncode == 2, proc.stderr
    finite = "Input should be a finite number"
    assert proc.stderr.splitlines() == [
        f"vendors/v.yaml:5:36: rate_limits.requests_per_minute: {finite}; got inf",
        f"vendors/v.yaml:5:61: rate_limits.tokens_per_minute: {finite}; got nan",
        f"vendors/v.yaml:6:25: pricing.input_per_1k: {finite}; got inf",
        f"vendors/v.yaml:7:22: faults.latency_ms: {finite}; got inf",
        f"vendors/v.yaml:7:43: faults.retry_after_s: {finite}; got inf",
        f"vendors/v.yaml:7:59: faults.rate_500: {finite}; got nan",
        "6 problem(s) found",
    ]


def test_non_finite_timeout_never_reaches_a_run(tmp_path):
    vendor = "id: v\nname: V\nprovider: reference\nmodel: oracle\ntimeout: .inf\n"
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"v": vendor})
    proc = evalkit("run", "--out", "run", "-q", cwd=work)
    _no_crash(proc)
    assert proc.returncode == 2, proc.stderr
    assert "vendors/v.yaml:5:10: timeout: Input should be a finite number; got inf" in proc.stderr


# ------------------------------------------------------------------------------------ verify
def _verify_error(path: Path) -> str:
    proc = evalkit("verify", str(path), cwd=path.parent)
    _no_crash(proc)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_verify_a_file_that_is_not_an_archive_is_one_line(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("これはアーカイブではありません\n", encoding="utf-8")
    assert _verify_error(junk) == (
        f"evalkit: error: {junk}: not a readable bundle archive (not a gzip-compressed tar file)"
    )


def test_verify_an_empty_or_damaged_archive_is_one_line(tmp_path):
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    assert _verify_error(empty) == f"evalkit: error: {empty}: not a readable bundle archive (an empty file)"

    buffer = io.BytesIO()
    payload = bytes(range(256)) * 2000
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("bundle.json")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    data = buffer.getvalue()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    assert _verify_error(truncated) == (
        f"evalkit: error: {truncated}: not a readable bundle archive (a damaged or truncated gzip-compressed tar file)"
    )
    garbled = tmp_path / "garbled.tar.gz"
    garbled.write_bytes(gzip.compress(b"not a tar archive at all, only text" * 40))
    line = _verify_error(garbled)
    assert line.startswith(f"evalkit: error: {garbled}: not a readable bundle archive (")


# ------------------------------------------------------------------------------------ store files
def test_selftest_and_bundle_leave_no_wal_files(tmp_path):
    work = make_workspace(
        tmp_path / "w", {"s": SUITE.replace("criterion: leaf", "criterion: leaf\npublish: true")}, {"good": ORACLE}
    )
    proc = evalkit("selftest", "--vendor", "good", "--out", "st", "-q", cwd=work)
    _no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    run = work / "st"
    assert (run / "submission.bundle.tar.gz").is_file()
    assert sorted(p.name for p in run.glob("store.sqlite*")) == ["store.sqlite"]
    bundled = evalkit("bundle", "st", "--out", "again.tar.gz", cwd=work)
    assert bundled.returncode == 0, bundled.stderr
    assert sorted(p.name for p in run.glob("store.sqlite*")) == ["store.sqlite"]
    checked = evalkit("verify", "again.tar.gz", cwd=work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
