"""The runner against a misbehaving endpoint: every request accounted for, nothing lost or repeated."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO, clean_env, evalkit, make_workspace

from evalkit.reference import EmbeddedServer


def suite_yaml(n: int) -> str:
    items = "\n".join(f"  - {{id: q{i:04d}, vars: {{q: 質問{i}}}, reference: 答え{i}}}" for i in range(n))
    return (
        'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\n'
        "scorers: [{kind: exact}]\nitems:\n" + items + "\n"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(port: int, *args: str):
    """`evalkit serve` in its own process (it outlives a killed run, as a real endpoint would)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "evalkit", "serve", "--port", str(port), *args],
        cwd=REPO,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).read()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "evalkit serve did not start"
                time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


def background_run(work: Path, env: dict[str, str]) -> subprocess.Popen:
    """`evalkit run --out run` in its own process (a test kills it midway)."""
    return subprocess.Popen(
        [sys.executable, "-m", "evalkit", "run", "--out", "run", "--quiet"],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def rows(run: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(run / "store.sqlite")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_mixed_faults_every_request_accounted_and_retries_scored(tmp_path):
    vendor = (
        "id: flaky\nname: 不安定\nprovider: reference\nmodel: oracle\nconcurrency: 8\ntimeout: 1\nmax_retries: 12\n"
        "faults: {rate_429: 0.06, retry_after_s: 0.05, rate_500: 0.04, rate_503: 0.03, rate_malformed: 0.03,\n"
        "         rate_empty: 0.02, rate_drop: 0.01, rate_hang: 0.01, seed: 20}\n"
    )
    work = make_workspace(tmp_path / "w", {"s": suite_yaml(120)}, {"flaky": vendor})
    proc = evalkit("run", "--out", "run", cwd=work)
    assert proc.returncode == 0, proc.stderr
    run = work / "run"
    planned = rows(run, "SELECT COUNT(*), COUNT(DISTINCT key) FROM requests")[0]
    assert planned == (120, 120)
    answered = rows(run, "SELECT COUNT(*), SUM(ok), SUM(1 - ok) FROM responses")[0]
    assert answered[0] == 120 and answered[1] + answered[2] == 120
    assert rows(run, "SELECT COUNT(*) FROM requests WHERE key NOT IN (SELECT key FROM responses)") == [(0,)]
    retried = rows(run, "SELECT COUNT(*) FROM responses WHERE ok = 1 AND attempts > 1")[0][0]
    assert retried >= 5  # ~20 % faults: many requests needed a retry
    # retried successes are scored like any other answer (the oracle is always right)
    assert rows(
        run, "SELECT COUNT(*), SUM(passed) FROM scores s JOIN responses r USING (key) WHERE r.ok = 1 AND r.attempts > 1"
    ) == [(retried, retried)]
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["requests"] == 120
    assert f"{retried}" and "retries" in proc.stdout


def test_errors_are_recorded_apart_and_retry_errors_resends_only_them(tmp_path):
    port = _free_port()
    vendor = (
        "id: down\nname: 障害中\nprovider: openai\nbase_url: ${EVALKIT_TEST_URL}\nmodel: echo\n"
        "concurrency: 4\nmax_retries: 0\n"
    )
    work = make_workspace(tmp_path / "w", {"s": suite_yaml(40)}, {"down": vendor})
    env = clean_env(EVALKIT_TEST_URL=f"http://127.0.0.1:{port}/v1")
    with serve(port, "--rate-503", "0.5", "--seed", "3"):
        first = evalkit("run", "--out", "run", "--quiet", cwd=work, env=env)
    assert first.returncode == 3
    assert "requests ended in errors (not counted as wrong answers)" in first.stderr
    failed = {k for (k,) in rows(work / "run", "SELECT key FROM responses WHERE ok = 0")}
    ok_before = {k: t for k, t in rows(work / "run", "SELECT key, received_at FROM responses WHERE ok = 1")}
    assert failed and ok_before
    assert rows(work / "run", "SELECT DISTINCT error_kind, http_status, attempts FROM responses WHERE ok = 0") == [
        ("http", 503, 1)
    ]
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["errors"] == len(failed)
    log = tmp_path / "requests.jsonl"
    with serve(port, "--request-log", str(log)):  # the vendor has recovered
        again = evalkit("run", "--resume", "run", cwd=work, env=env)
        assert "requests: 0 sent" in again.stdout  # errors are accounted for, not unfinished
        retry = evalkit("run", "--resume", "run", "--retry-errors", "--quiet", cwd=work, env=env)
    assert retry.returncode == 0, retry.stderr
    assert len(log.read_text(encoding="utf-8").splitlines()) == len(failed)
    after = {k: t for k, t in rows(work / "run", "SELECT key, received_at FROM responses WHERE ok = 1")}
    assert set(after) == failed | set(ok_before)
    assert all(after[k] == t for k, t in ok_before.items())  # successes were never re-sent


def test_401_fails_fast_naming_the_variable(tmp_path):
    with EmbeddedServer(api_key="right-key") as server:
        vendor = (
            f"id: locked\nname: 鍵付き\nprovider: openai\nbase_url: {server.base_url}\nmodel: echo\n"
            "api_key_env: EVALKIT_TEST_KEY\nmax_retries: 5\n"
        )
        work = make_workspace(tmp_path / "w", {"s": suite_yaml(3)}, {"locked": vendor})
        proc = evalkit("run", "--out", "run", "--quiet", cwd=work, env=clean_env(EVALKIT_TEST_KEY="wrong-key"))
    assert proc.returncode == 3
    assert rows(work / "run", "SELECT DISTINCT http_status, attempts, error_message FROM responses") == [
        (401, 1, "HTTP 401 authentication failed: check the key in environment variable EVALKIT_TEST_KEY")
    ]


def test_hung_endpoint_ends_at_the_timeout(tmp_path):
    vendor = (
        "id: hung\nname: 無応答\nprovider: reference\nmodel: echo\ntimeout: 0.5\nmax_retries: 1\n"
        "faults: {rate_hang: 1.0}\n"
    )
    work = make_workspace(tmp_path / "w", {"s": suite_yaml(2)}, {"hung": vendor})
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work, timeout=120)
    assert proc.returncode == 3
    assert rows(work / "run", "SELECT DISTINCT ok, error_kind, attempts, error_message FROM responses") == [
        (0, "timeout", 2, "no response within 0.5 s")
    ]


def test_deadline_stops_and_resume_finishes(tmp_path):
    vendor = "id: slow\nname: 低速\nprovider: reference\nmodel: oracle\nconcurrency: 2\nfaults: {latency_ms: 100}\n"
    work = make_workspace(tmp_path / "w", {"s": suite_yaml(60)}, {"slow": vendor})
    first = evalkit("run", "--out", "run", "--deadline", "1", "--quiet", cwd=work)
    assert first.returncode == 3 and "deadline reached" in first.stderr
    done = rows(work / "run", "SELECT COUNT(*) FROM responses")[0][0]
    assert 0 < done < 60
    second = evalkit("run", "--resume", "run", cwd=work)
    assert second.returncode == 0, second.stderr
    assert f"requests: {60 - done} sent" in second.stdout
    assert rows(work / "run", "SELECT COUNT(*), SUM(ok) FROM responses") == [(60, 60)]


def test_sigkill_midway_then_resume_loses_nothing_and_repeats_nothing(tmp_path):
    port = _free_port()
    log = tmp_path / "requests.jsonl"
    with serve(port, "--latency-ms", "40", "--request-log", str(log)):
        vendor = (
            "id: remote\nname: リモート\nprovider: openai\nbase_url: ${EVALKIT_TEST_URL}\nmodel: echo\nconcurrency: 4\n"
        )
        work = make_workspace(tmp_path / "w", {"s": suite_yaml(300)}, {"remote": vendor})
        env = clean_env(EVALKIT_TEST_URL=f"http://127.0.0.1:{port}/v1")
        run = background_run(work, env)
        store = work / "run" / "store.sqlite"
        while True:
            time.sleep(0.05)
            if store.exists():
                try:
                    if rows(work / "run", "SELECT COUNT(*) FROM responses")[0][0] >= 60:
                        break
                except sqlite3.OperationalError:
                    pass
            assert run.poll() is None, "the run finished before it could be killed"
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        finished = {k for (k,) in rows(work / "run", "SELECT key FROM responses")}
        seen_before = len(log.read_text(encoding="utf-8").splitlines())
        assert 60 <= len(finished) < 300
        resume = evalkit("run", "--resume", "run", "--quiet", cwd=work, env=env)
        assert resume.returncode == 0, resume.stderr

        def canon(messages: list) -> str:
            return json.dumps(messages, ensure_ascii=False, sort_keys=True)

        by_messages = {canon(json.loads(m)): k for k, m in rows(work / "run", "SELECT key, messages FROM requests")}
        resent = [
            by_messages[canon(json.loads(line)["messages"])]
            for line in log.read_text(encoding="utf-8").splitlines()[seen_before:]
        ]
        assert not set(resent) & finished  # no finished request reached the endpoint again
        assert len(resent) == len(set(resent))
        # the resumed store equals a clean run's
        clean = evalkit("run", "--out", "clean", "--quiet", cwd=work, env=env)
        assert clean.returncode == 0, clean.stderr
        assert rows(work / "run", "SELECT key, ok FROM responses ORDER BY key") == rows(
            work / "clean", "SELECT key, ok FROM responses ORDER BY key"
        )
        assert rows(work / "run", "SELECT COUNT(*), SUM(ok) FROM responses") == [(300, 300)]
