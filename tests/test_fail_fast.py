"""A vendor whose endpoint refuses the key, the model or the URL stops after its first request (sent
alone, before the others), the console names the cause, and the printed resume command works — from
another working directory and with suites and vendors given as files (issue 13 #10, #11)."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import clean_env, evalkit, make_workspace

SUITE = (
    'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\n'
    "items:\n" + "".join(f"  - {{id: q{n}, vars: {{q: 問{n}}}, reference: 答{n}}}\n" for n in range(12))
)
CRITERIA = "id: root\ntitle: 全体\nclause: 全体\nchildren:\n  - id: leaf\n    title: 葉\n    clause: 葉\n"


class Refusing(BaseHTTPRequestHandler):
    status = 401
    calls = 0

    def do_POST(self):  # the name http.server dispatches to
        type(self).calls += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Authorization") == "Bearer right":  # the fixed key: a real answer
            body = json.dumps(
                {
                    "id": "c",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "m",
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "答"}}
                    ],
                }
            ).encode()
            status = 200
        else:
            body = json.dumps({"error": {"message": "Incorrect API key provided"}}).encode()
            status = self.status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def refusing():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    Refusing.calls = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.mark.parametrize(
    "status, cause",
    [
        (401, "HTTP 401 authentication failed: check the key in environment variable FF_KEY"),
        (404, "HTTP 404 not found: check base_url and model 'm'"),
    ],
)
def test_a_refusing_endpoint_stops_the_vendor_after_one_request(tmp_path, refusing, status, cause):
    Refusing.status = status
    work = make_workspace(
        tmp_path / "w",
        {"s": SUITE},
        {
            "v": "id: acme\nname: ACME\nprovider: openai\nbase_url: ${FF_URL}\nmodel: m\napi_key_env: FF_KEY\n",
            "o": "id: oracle\nname: オラクル\nprovider: reference\nmodel: oracle\n",
        },
        criteria=CRITERIA,
    )
    proc = evalkit("run", "--out", "run", "-q", cwd=work, env=clean_env(FF_URL=refusing, FF_KEY="wrong"))
    assert proc.returncode == 3, proc.stderr
    assert f"error: vendor 'acme' stopped: {cause}" in proc.stderr
    assert Refusing.calls == 1  # 12 planned, one sent
    db = sqlite3.connect(work / "run" / "store.sqlite")
    assert db.execute(
        "SELECT COUNT(*) FROM responses r JOIN requests q ON q.key = r.key WHERE q.vendor_id = 'acme'"
    ).fetchone() == (1,)
    assert db.execute(
        "SELECT COUNT(*) FROM responses r JOIN requests q ON q.key = r.key WHERE q.vendor_id = 'oracle' AND r.ok = 1"
    ).fetchone() == (12,)  # the others go on


def test_the_printed_resume_command_works_from_elsewhere_with_files(tmp_path, refusing):
    Refusing.status = 401
    work = make_workspace(tmp_path / "w", {}, {}, criteria=CRITERIA)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "suite.yaml").write_text(SUITE, encoding="utf-8")
    (outside / "vendor.yaml").write_text(
        "id: stub-18302\nname: スタブ\nprovider: openai\nbase_url: ${FF_URL}\nmodel: oracle\napi_key_env: FF_KEY\n",
        encoding="utf-8",
    )
    proc = evalkit(
        "run",
        "-s",
        str(outside / "suite.yaml"),
        "-v",
        str(outside / "vendor.yaml"),
        "--out",
        "run",
        "-q",
        cwd=work,
        env=clean_env(FF_URL=refusing, FF_KEY="wrong"),
    )
    assert proc.returncode == 3, proc.stderr
    hint = next(line for line in proc.stderr.splitlines() if "continue with: " in line).split("continue with: ")[1]
    assert hint == f"evalkit run --resume {work / 'run'} --retry-errors"
    # the key is fixed; the printed command is run as printed, from another folder
    again = evalkit(*hint.split()[1:], "-q", cwd=tmp_path, env=clean_env(FF_URL=refusing, FF_KEY="right"))
    assert again.returncode == 0, again.stderr
    db = sqlite3.connect(work / "run" / "store.sqlite")
    assert db.execute("SELECT COUNT(*), SUM(ok) FROM responses").fetchone() == (12, 12)  # the 401 was re-sent
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["vendors"][0]["id"] == "stub-18302" and summary["counts"]["errors"] == 0
