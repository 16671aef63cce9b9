"""A vendor with provider `openai` over real HTTP: keys come from the environment and reach no file."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import clean_env, evalkit, make_workspace

from evalkit.reference import EmbeddedServer

SECRET = "sk-evalkit-test-DO-NOT-WRITE-0123456789abcdef"


@pytest.fixture()
def workspace(tmp_path):
    suite = (
        'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: refusal}]\n'
        "items:\n  - {id: a, vars: {q: 教えて}, expect: decline}\n  - {id: b, vars: {q: 手順は}, expect: answer}\n"
    )
    return make_workspace(tmp_path / "w", {"s": suite}, {})


def test_openai_provider_reads_url_and_key_from_env_and_writes_no_secret(workspace):
    with EmbeddedServer() as server:
        (workspace / "vendors" / "v.yaml").write_text(
            "id: remote\nname: リモート\nprovider: openai\nbase_url: ${EVALKIT_TEST_URL}\nmodel: refuse\n"
            "api_key_env: EVALKIT_TEST_KEY\n",
            encoding="utf-8",
        )
        env = clean_env(EVALKIT_TEST_URL=server.base_url, EVALKIT_TEST_KEY=SECRET)
        proc = evalkit("run", "--out", "run", "--quiet", cwd=workspace, env=env)
    assert proc.returncode == 0, proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    files = [p for p in (workspace / "run").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"store.sqlite", "report.html", "summary.json", "results.csv"}
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
    html = (workspace / "run" / "report.html").read_text(encoding="utf-8")
    assert "EVALKIT_TEST_KEY" in html and "${EVALKIT_TEST_URL}" in html  # names, not values


def test_connection_refused_is_recorded_as_error_not_crash(workspace):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    (workspace / "vendors" / "v.yaml").write_text(
        f"id: down\nname: 停止中\nprovider: openai\nbase_url: http://127.0.0.1:{port}/v1\nmodel: m\n"
        "max_retries: 1\ntimeout: 5\n",
        encoding="utf-8",
    )
    proc = evalkit("run", "--out", "run", "--quiet", cwd=workspace)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    # the first request is sent alone: nothing listening stops the vendor after it, not after every request
    assert f"error: vendor 'down' stopped: cannot connect to http://127.0.0.1:{port}/v1/chat/completions" in proc.stderr
    assert "(check base_url and its port)" in proc.stderr
    assert f"evalkit run --resume {workspace / 'run'} --retry-errors" in proc.stderr
    import sqlite3

    db = sqlite3.connect(workspace / "run" / "store.sqlite")
    rows = db.execute("SELECT ok, error_kind, attempts FROM responses").fetchall()
    assert rows == [(0, "connect", 2)]  # the other request was never sent


def test_serve_standalone_answers_as_oracle(workspace):
    # a small tree: the repository's own (the oracle's answer to each of its 1,400 items, worked out at start-up)
    # is served by every default run the tests make; here only the standalone process is in question
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit", "serve", "--port", str(port), "--suites", "suites"],
        cwd=workspace,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a bound on a hang, not a timing
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as resp:
                    assert b'"oracle"' in resp.read()
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        # the oracle declines the item that expects a refusal and answers the other: the suite's own answers
        replies = {}
        for q in ("教えて", "手順は"):
            body = json.dumps({"model": "oracle", "messages": [{"role": "user", "content": q}]}).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/v1/chat/completions", body, {"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=10) as resp:
                replies[q] = json.loads(resp.read())["choices"][0]["message"]["content"]
        assert "お応えできません" in replies["教えて"] and "お応えできません" not in replies["手順は"], replies
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "2 oracle answers" in err and "Traceback" not in err


def test_validate_repo_is_clean_and_list_counts_items():
    proc = evalkit("validate", "suites", "vendors")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: criteria suites/criteria.yaml, ")
    listing = evalkit("list")
    assert listing.returncode == 0
    assert "ref-oracle" in listing.stdout and "needs OPENAI_API_KEY" in listing.stdout
