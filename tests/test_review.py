"""Human review (evalkit review): the hash-chained audit log, the final human verdict, overrides in
scoring and the report, the review queues, the web application's guards, verify and bundles."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import clean_env, evalkit, make_workspace

from evalkit.review import audit
from evalkit.review.app import ReviewServer
from evalkit.review.audit import Entry, final_verdicts
from evalkit.review.queues import build_queue
from evalkit.review.session import Options, Session
from evalkit.runner.store import RunStore

CRITERIA = """\
id: root
title: 全体
clause: 全体
children:
  - id: leaf
    title: 行政実務
    clause: 葉
    gate: {description: 重要設問の不合格なし, max_critical_failures: 0}
"""
QA = """\
id: qa
version: "1"
title: 質問
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: q1, vars: {q: 日本の首都は}, reference: 東京, critical: true}
  - {id: q2, vars: {q: 富士山の高さは}, reference: 3776m}
  - {id: q3, vars: {q: 一年は何日}, reference: 365日}
"""
OPEN = """\
id: open
version: "1"
title: 記述
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: judge}]
items:
  - id: o1
    vars: {q: 転入届の期限を説明してください}
    reference: 14日以内
    meta:
      rubric: '<img src=x onerror="window.__pwned = 1">14日以内と示すこと'
"""
VENDORS = {
    "ora": "id: ora\nname: オラクル行政\nprovider: reference\nmodel: oracle\n",
    "ref": "id: ref\nname: 拒否モデル\nprovider: reference\nmodel: refuse\n",
}


def build(root: Path, *extra: str) -> Path:
    work = make_workspace(root, {"qa": QA, "open": OPEN}, VENDORS, criteria=CRITERIA)
    proc = evalkit("run", "--out", "run", "-q", *extra, cwd=work)
    assert proc.returncode == 0, proc.stderr
    return work / "run"


@pytest.fixture(scope="module")
def base_run(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("review") / "w")


@pytest.fixture
def run(base_run, tmp_path) -> Path:
    shutil.copytree(base_run, tmp_path / "run")
    return tmp_path / "run"


def rate(run: Path, who: str, unit: tuple[str, str, str], passed: bool, reason: str, role: str = "review") -> Entry:
    with RunStore(run / "store.sqlite") as store:
        return audit.append(
            store, reviewer=who, role=role, unit=unit, machine=(None, None), passed=passed, score=None, reason=reason
        )


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text(encoding="utf-8"))


def vendor(s: dict, vid: str) -> dict:
    return next(v for v in s["vendors"] if v["id"] == vid)


# ------------------------------------------------------------------------------ the log and its rules
def test_entries_chain_from_a_genesis_of_the_run_and_a_later_rating_supersedes(run):
    a = rate(run, "佐藤", ("qa", "q2", "ref"), False, "誤答")
    b = rate(run, "佐藤", ("qa", "q2", "ref"), True, "表記の違いだけで正しい")
    with RunStore(run / "store.sqlite") as store:
        assert a.prev_hash == audit.genesis(audit.run_id(store)) != audit.genesis("another-run")
        assert (a.seq, b.seq, b.prev_hash) == (1, 2, a.hash)
        assert audit.entry_hash(b) == b.hash and audit.check_chain(store) == []
        log = audit.read_log(store)
        assert store.get_meta("review_head") == {"n": 2, "hash": b.hash}
    assert [e.reason for e in log] == ["誤答", "表記の違いだけで正しい"]  # both stay in the log
    final = final_verdicts(log)[("qa", "q2", "ref")]
    assert (final.status, final.passed, final.deciders) == ("agreed", True, ["佐藤"])  # one reviewer counts
    with RunStore(run / "store.sqlite") as store, pytest.raises(Exception, match="reason"):
        audit.append(
            store, reviewer="佐藤", role="review", unit=("qa", "q2", "ref"), machine=(None, None), passed=True,
            score=None, reason="   ",
        )  # fmt: skip


def _entry(seq: int, who: str, passed: bool, role: str = "review", unit=("s", "i", "v")) -> Entry:
    return Entry(seq, who, role, f"t{seq}", *unit, False, 0.0, passed, None, f"r{seq}", "")


def test_the_final_verdict_rules():
    finals = final_verdicts([_entry(1, "A", True), _entry(2, "B", True)])
    assert finals[("s", "i", "v")].status == "agreed" and finals[("s", "i", "v")].passed is True
    disputed = final_verdicts([_entry(1, "A", True), _entry(2, "B", False)])[("s", "i", "v")]
    assert (disputed.status, disputed.passed, disputed.applies) == ("disputed", None, False)
    # B changes their mind: they agree now
    assert (
        final_verdicts([_entry(1, "A", True), _entry(2, "B", False), _entry(3, "B", True)])[("s", "i", "v")].status
        == "agreed"
    )
    adjudicated = final_verdicts(
        [_entry(1, "A", True), _entry(2, "B", False), _entry(3, "C", False, "adjudication"), _entry(4, "A", True)]
    )[("s", "i", "v")]
    assert (adjudicated.status, adjudicated.passed, adjudicated.deciders) == ("adjudicated", False, ["C"])
    later = final_verdicts([_entry(1, "C", False, "adjudication"), _entry(2, "C", True, "adjudication")])[
        ("s", "i", "v")
    ]
    assert later.passed is True  # the latest adjudication


# ------------------------------------------------------------------------------ overrides in scoring
def test_overrides_change_the_scores_the_gate_and_the_report_but_not_the_machine_scores(run):
    before = summary(run)
    assert vendor(before, "ref")["verdict"] == "不適合" and "human_review" not in before
    rate(run, "佐藤", ("qa", "q1", "ref"), True, "「東京です」と答えており正しい")
    rate(run, "鈴木", ("qa", "q1", "ref"), True, "正答（表記ゆれ）")
    rate(run, "佐藤", ("qa", "q2", "ora"), False, "単位の誤り")  # disputed: the machine verdict stands
    rate(run, "鈴木", ("qa", "q2", "ora"), True, "正しい")
    proc = evalkit("score", str(run))
    assert proc.returncode == 0, proc.stderr
    after = summary(run)
    ref = vendor(after, "ref")
    assert ref["verdict"] == "適合" and ref["total"] > vendor(before, "ref")["total"]  # the critical failure is gone
    assert vendor(after, "ora")["total"] == vendor(before, "ora")["total"]  # disputed: unchanged
    human = after["human_review"]
    assert human["counts"] == {
        "entries": 4,
        "units": 2,
        "applied": 1,
        "verdict_changed": 1,
        "confirmed": 0,
        "adjudicated": 0,
        "agreed": 1,
        "disputed": 1,
    }
    (entry,) = human["entries"]
    assert (entry["vendor_id"], entry["machine"]["passed"], entry["human"]["passed"]) == ("ref", False, True)
    assert entry["reviewers"] == ["佐藤", "鈴木"]
    assert [d["item_id"] for d in human["disputed"]] == ["q2"]
    assert human["agreement"]["reviewers"][0]["n"] == 2 and human["agreement"]["reviewers"][0]["agreement"] == 0.5
    assert human["head"]["n"] == 4
    # the machine verdict stays in the store
    db = sqlite3.connect(run / "store.sqlite")
    ((passed,),) = db.execute(
        "SELECT s.passed FROM scores s JOIN requests r ON r.key = s.key WHERE r.vendor_id = 'ref' AND r.item_id = 'q1'"
    ).fetchall()
    db.close()
    assert passed == 0
    csv = (run / "results.csv").read_text(encoding="utf-8")
    assert "人による審査（審査）: 合格" in csv
    html = (run / "report.html").read_text(encoding="utf-8")
    assert 'id="human-review"' in html and 'id="human-applied"' in html
    # its own numbered section after the items, in the table of contents (a one-vendor-fails run: no item analysis)
    number = re.search(r'<a href="#human-review">(\d+)\. 人による審査</a>', html)
    assert number and f"<h2>{number.group(1)}. 人による審査</h2>" in html
    assert f'<a href="#items">{int(number.group(1)) - 1}. 設問別の回答</a>' in html
    assert 'data-human="qa/q1/ref"' in html and 'data-disputed="qa/q2/ora"' in html
    assert "「東京です」と答えており正しい" in html


def test_a_run_without_review_entries_has_no_section(base_run):
    html = (base_run / "report.html").read_text(encoding="utf-8")
    assert 'id="human-review"' not in html and 'id="human-applied"' not in html


# ------------------------------------------------------------------------------ verify and bundles
def _verify(path: Path):
    return evalkit("verify", str(path))


def test_verify_checks_the_chain_and_names_the_first_bad_entry(run, tmp_path):
    for n, who in enumerate(("佐藤", "鈴木", "高橋")):
        rate(run, who, ("qa", "q3", "ref"), bool(n % 2), f"理由{n}")
    assert evalkit("report", str(run)).returncode == 0
    ok = _verify(run)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "audit log" in ok.stdout

    def tampered(name: str, *sql: str) -> Path:
        copy = tmp_path / name
        shutil.copytree(run, copy)
        db = sqlite3.connect(copy / "store.sqlite")
        for statement in sql:
            db.execute(statement)
        db.commit()
        db.close()
        return copy

    cases = {
        "edit": (["UPDATE reviews SET reason = '書き換え' WHERE seq = 2"], "entry seq 2 breaks"),
        "delete": (["DELETE FROM reviews WHERE seq = 2"], "entry seq 3 breaks"),
        "reorder": (
            [
                "UPDATE reviews SET seq = -1 WHERE seq = 1",
                "UPDATE reviews SET seq = 1 WHERE seq = 2",
                "UPDATE reviews SET seq = 2 WHERE seq = -1",
            ],
            "entry seq 1 breaks",
        ),  # fmt: skip
        "delete-last": (["DELETE FROM reviews WHERE seq = 3"], "entries from seq 3 on were deleted"),
    }
    for name, (sql, message) in cases.items():
        proc = _verify(tampered(name, *sql))
        assert proc.returncode == 4, (name, proc.stdout, proc.stderr)
        assert message in proc.stdout, (name, proc.stdout)


def test_bundles_carry_the_log_and_verify_with_the_overrides_applied(run):
    rate(run, "佐藤", ("qa", "q1", "ref"), True, "正しい")
    stale = evalkit("bundle", str(run), "--out", str(run / "b.tar.gz"))
    assert stale.returncode == 2 and "human review decisions were recorded after the exports" in stale.stderr
    stale = _verify(run)
    assert stale.returncode == 4 and "written before the latest human review decisions" in stale.stdout
    assert evalkit("report", str(run)).returncode == 0
    assert evalkit("bundle", str(run), "--out", str(run.parent / "b.tar.gz")).returncode == 0
    proc = _verify(run.parent / "b.tar.gz")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_old_store_without_the_table_opens_and_verifies(run):
    db = sqlite3.connect(run / "store.sqlite")
    db.execute("DROP TABLE reviews")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    proc = _verify(run)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with RunStore(run / "store.sqlite") as store:
        assert store.review_rows() == [] and store.get_meta("schema_version") == 4


# ------------------------------------------------------------------------------ queues
def test_queues_are_deterministic_and_the_audit_sample_is_seeded(run):
    from evalkit.analysis.tables import item_table
    from evalkit.pipeline import load_run

    with RunStore(run / "store.sqlite") as store:
        suites = load_run(store)[1]
        # two judges disagree on the oracle's open answer
        key = store.db.execute("SELECT key FROM requests WHERE vendor_id = 'ora' AND item_id = 'o1'").fetchone()[0]
        store.set_meta("judges_ids", ["j1", "j2"])
        for judge, text in (("j1", "判定: 合格"), ("j2", "判定: 不合格")):
            store.db.execute(
                "INSERT INTO judge_requests VALUES (?, ?, ?, 0, 'open', 'o1', 0, '[]', '{}')",
                (f"k-{judge}", key, judge),
            )
            store.db.execute(
                "INSERT INTO responses (key, ok, content, received_at) VALUES (?, 1, ?, 't')", (f"k-{judge}", text)
            )
        df = item_table(store)
        flags = [{"suite_id": "qa", "item_id": "q3", "vendor_id": None, "reasons": ["全ベンダーが不合格"]}]

        def queue(**kw):
            return [(q.unit, q.reasons) for q in build_queue(store, suites, df, flags=flags, **kw)]

        everything = queue(sample=2, seed=7)
        assert everything[:2] == [
            (("open", "o1", "ora"), ["judge", "disagreement"]),  # routed to a judge, and the judges split
            (("open", "o1", "ref"), ["judge"]),  # answered, not scored
        ]
        units, reasons = [u for u, _ in everything], dict(everything)
        assert units[2:5] == [("qa", "q3", "ora"), ("qa", "q3", "ref"), ("qa", "q1", "ref")]
        assert "flagged" in reasons[("qa", "q3", "ora")] and "flagged" in reasons[("qa", "q3", "ref")]
        assert reasons[("qa", "q1", "ref")] == ["critical"]
        audit_part = [u for u, r in everything if "audit" in r]
        assert len(audit_part) == 2 and everything == queue(sample=2, seed=7)
        # the rest of the machine's queues; whether item analysis flags an answer does not change the sample
        rest = {("qa", i, v) for i in ("q2", "q3") for v in ("ora", "ref")} | {("qa", "q1", "ora")}
        assert set(audit_part) <= rest
        unflagged = build_queue(store, suites, df, sample=2, seed=7)
        assert {q.unit for q in unflagged if "audit" in q.reasons} == set(audit_part)
        samples = {tuple(u for u, r in queue(sample=2, seed=s) if "audit" in r) for s in range(4)}
        assert len(samples) > 1  # the seed chooses
        assert queue(kind="critical") == [(("qa", "q1", "ref"), ["critical"])]
        assert [u for u, _ in queue(kind="audit", sample=0)] == []


# ------------------------------------------------------------------------------ the web application
def _request(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(req) as resp:
            return resp.status, resp.read().decode("utf-8"), resp.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8"), exc.headers.get("Location", "")


def test_the_app_needs_its_token_refuses_other_origins_and_an_empty_reason(run):
    session = Session(run, Options(reviewer="佐藤", queue="critical"))
    assert [q.unit for q in session.queue] == [("qa", "q1", "ref")]
    with ReviewServer(session) as server:
        base, token = f"http://127.0.0.1:{server.port}", server.review.token
        assert _request(base + "/")[0] == 403
        assert _request(base + "/item/1?token=wrong")[0] == 403
        status, html, _ = _request(base + "/item/1", headers={"X-Evalkit-Token": token})
        assert status == 200 and "日本の首都は" in html and "拒否モデル" in html
        assert "Content-Security-Policy" not in html  # (a header, below)
        form = {"verdict": "pass", "reason": "正しい"}
        assert _request(base + "/item/1", form)[0] == 403  # no token
        assert _request(base + "/item/1", {**form, "token": token}, {"Origin": "http://evil.example"})[0] == 403
        assert _request(base + "/item/1", {**form, "token": token}, {"Host": f"evil.example:{server.port}"})[0] == 403
        status, html, _ = _request(base + "/item/1", {**form, "reason": "  ", "token": token})
        assert status == 400 and "理由を入力してください" in html
        assert session.log() == []
        status, _, location = _request(base + "/item/1", {**form, "score": "0.9", "token": token})
        assert status == 303 and location.startswith("/?token=")
        (entry,) = session.log()
        assert (entry.reviewer, entry.unit, entry.passed, entry.score, entry.machine_passed) == (
            "佐藤",
            ("qa", "q1", "ref"),
            True,
            0.9,
            False,
        )
        with urllib.request.urlopen(base + f"/?token={token}") as resp:
            assert "default-src 'none'" in resp.headers["Content-Security-Policy"]


def test_each_reviewer_sees_only_their_own_ratings(run):
    rate(run, "鈴木", ("qa", "q1", "ref"), False, "鈴木さんの秘密の理由")
    rate(run, "佐藤", ("qa", "q1", "ref"), True, "佐藤さんの理由")
    mine = Session(run, Options(reviewer="佐藤", queue="critical"))
    with ReviewServer(mine) as server:
        _, html, _ = _request(f"http://127.0.0.1:{server.port}/item/1?token={server.review.token}")
    assert "佐藤さんの理由" in html and "鈴木さんの秘密の理由" not in html
    adjudicator = Session(run, Options(reviewer="山田", adjudicate=True))
    with ReviewServer(adjudicator) as server:
        _, html, _ = _request(f"http://127.0.0.1:{server.port}/item/1?token={server.review.token}")
    assert "佐藤さんの理由" in html and "鈴木さんの秘密の理由" in html


def test_the_cli_refuses_bad_arguments_in_one_line(run, tmp_path):
    for args, message in (
        (["review", str(tmp_path / "none"), "--reviewer", "a", "--no-browser"], "no run store"),
        (["review", str(run), "--reviewer", " ", "--no-browser"], "--reviewer: a name is required"),
        (["review", str(run), "--reviewer", "a", "--adjudicate", "--queue", "judge"], "--adjudicate"),
        (["review", str(run), "--reviewer", "a", "--sample", "-1"], "--sample"),
    ):
        proc = evalkit(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    proc = evalkit("review", str(run), "--reviewer", "a", "--adjudicate", "--no-browser")
    assert proc.returncode == 0 and "nothing to adjudicate" in proc.stdout


# ------------------------------------------------------------------------------ blinded and sealed runs
def test_a_blinded_run_shows_pseudonyms_and_logs_real_ids(run):
    with RunStore(run / "store.sqlite") as store:
        store.set_meta("blind", {"seed": 5})  # as evalkit run --blind records it
    session = Session(run, Options(reviewer="佐藤", queue="critical"))
    assert session.blinded and [q.unit for q in session.queue] == [("qa", "q1", "ref")]
    with ReviewServer(session) as server:
        base, token = f"http://127.0.0.1:{server.port}", server.review.token
        _, html, _ = _request(f"{base}/item/1?token={token}")
        assert "拒否モデル" not in html and "ref" not in html.split('id="vendor">')[1][:40]
        assert "ベンダー" in html.split('id="vendor">')[1][:20]
        assert _request(f"{base}/item/1", {"verdict": "pass", "reason": "正しい", "token": token})[0] == 303
    (entry,) = session.log()
    assert entry.vendor_id == "ref"  # the store's real id
    assert evalkit("report", str(run)).returncode == 0
    (shown,) = summary(run)["human_review"]["entries"]
    assert shown["vendor_id"].startswith("vendor-")  # the exports stay blinded
    assert "拒否モデル" not in (run / "report.html").read_text(encoding="utf-8")


SEALED_KEY = "5a" * 32


def test_a_sealed_run_needs_its_key_and_shows_the_text_in_memory(tmp_path, monkeypatch):
    work = make_workspace(tmp_path / "w", {"qa": QA}, {"ref": VENDORS["ref"]}, criteria=CRITERIA)
    env = clean_env(REVIEW_KEY=SEALED_KEY)
    assert evalkit("seal", "suites/qa.yaml", "--key-env", "REVIEW_KEY", cwd=work, env=env).returncode == 0
    (work / "suites" / "qa.yaml").unlink()
    proc = evalkit("run", "--out", "run", "-q", cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr
    no_key = evalkit("review", str(work / "run"), "--reviewer", "a", "--no-browser", cwd=work)
    assert no_key.returncode == 2 and "REVIEW_KEY" in no_key.stderr
    monkeypatch.setenv("REVIEW_KEY", SEALED_KEY)  # the session reads the key from this process's environment
    session = Session(work / "run", Options(reviewer="a", queue="critical", sealed_paths=(work / "suites",)))
    assert [q.unit for q in session.queue] == [("qa", "q1", "ref")]
    assert any("日本の首都は" in m["text"] for m in session.pages[0].messages)
    assert "日本の首都は" not in (work / "run" / "store.sqlite").read_text(encoding="latin-1")
