"""`evalkit load`: a ramp of simulated users against one vendor, bounded in requests and time, every
exchange kept in the run store, a step stopped when its errors pass the threshold."""

from __future__ import annotations

import json
import sqlite3

from conftest import SMALL_CRITERIA, evalkit, make_workspace

SUITE = (
    'id: chat\nversion: "1"\ntitle: 窓口\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\nitems:\n'
    + "".join(f"  - {{id: c{n}, vars: {{q: 窓口の質問{n}}}, reference: 回答{n}}}\n" for n in range(12))
)


def _vendor(vid: str, faults: str, extra: str = "") -> str:
    return f"id: {vid}\nname: {vid}\nprovider: reference\nmodel: oracle\nfaults: {faults}\n{extra}"


def _workspace(tmp_path, **vendors: str):
    return make_workspace(tmp_path / "w", {"chat": SUITE}, vendors, SMALL_CRITERIA)


def _stored(out) -> tuple[int, int]:
    db = sqlite3.connect(out / "store.sqlite")
    counts = db.execute("SELECT (SELECT COUNT(*) FROM requests), (SELECT COUNT(*) FROM responses)").fetchone()
    db.close()
    return counts


def test_a_ramp_measures_each_step_and_keeps_every_exchange(tmp_path):
    work = _workspace(tmp_path, slow=_vendor("slow", "{latency_ms: 30}"))
    proc = evalkit("load", "-v", "slow", "--steps", "1,4", "--step-seconds", "0.6", "--out", "load", cwd=work)
    assert proc.returncode == 0, proc.stderr
    out = work / "load"
    result = json.loads((out / "load.json").read_text(encoding="utf-8"))
    assert [s["users"] for s in result["steps"]] == [1, 4] and result["stopped"] is None
    one, four = result["steps"]
    for step in (one, four):
        assert step["errors"] == 0 and step["ok"] == step["requests"] > 0
        assert 30 <= step["latency_p50_ms"] <= step["latency_p95_ms"] <= step["latency_p99_ms"]
        assert step["ttft_p50_ms"] is None  # not streamed
    # closed-loop users: four of them get through more than one does in the same time
    assert four["requests"] > one["requests"] * 2
    requests, responses = _stored(out)
    assert requests == responses == one["requests"] + four["requests"]
    assert (out / "load.html").is_file() and "負荷試験" in (out / "load.html").read_text(encoding="utf-8")
    assert "slow" in proc.stdout and "4" in proc.stdout  # the console table


def test_a_step_over_the_error_threshold_stops_the_ramp(tmp_path):
    work = _workspace(tmp_path, flaky=_vendor("flaky", "{rate_500: 0.6, seed: 3}"))
    proc = evalkit(
        "load",
        "-v",
        "flaky",
        "--steps",
        "2,8",
        "--step-seconds",
        "5",
        "--error-threshold",
        "0.2",
        "--out",
        "o",
        cwd=work,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads((work / "o" / "load.json").read_text(encoding="utf-8"))
    (step,) = result["steps"]  # the second step never ran
    assert result["stopped"] == "errors" and step["stopped_early"] and step["seconds"] < 5
    assert step["errors_by_kind"].get("http 500", 0) == step["errors"] > 0
    assert "エラー率" in result["stop_reason"]


def test_the_test_is_bounded_in_requests_and_streams_are_timed(tmp_path):
    streamed = _vendor("s", "{first_token_ms: 40}", "stream: true\n")
    work = _workspace(tmp_path, s=streamed)
    proc = evalkit(
        "load", "-v", "s", "--steps", "3,3,3", "--step-seconds", "30", "--max-requests", "10", "--out", "o", cwd=work
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads((work / "o" / "load.json").read_text(encoding="utf-8"))
    assert sum(s["requests"] for s in result["steps"]) == 10 and result["stopped"] == "max_requests"
    assert _stored(work / "o") == (10, 10)
    assert result["steps"][0]["ttft_p50_ms"] >= 40


def test_bad_profiles_and_folders_are_usage_errors(tmp_path):
    work = _workspace(tmp_path, slow=_vendor("slow", "{latency_ms: 1}"))
    (work / "profile.yaml").write_text("steps: [1, 2]\nstep_seconds: 1\nerror_treshold: 0.1\n", encoding="utf-8")
    proc = evalkit("load", "-v", "slow", "--profile", "profile.yaml", "--out", "o", cwd=work)
    assert proc.returncode == 2 and "profile.yaml:3" in proc.stderr and "error_treshold" in proc.stderr, proc.stderr
    proc = evalkit("load", "-v", "slow", "--steps", "0,4", "--out", "o", cwd=work)
    assert proc.returncode == 2 and "steps" in proc.stderr, proc.stderr
    proc = evalkit("load", "-v", "nobody", "--out", "o", cwd=work)
    assert proc.returncode == 2 and "nobody" in proc.stderr
    ok = evalkit("load", "-v", "slow", "--steps", "1", "--step-seconds", "0.2", "--out", "o", cwd=work)
    assert ok.returncode == 0, ok.stderr
    again = evalkit("load", "-v", "slow", "--steps", "1", "--step-seconds", "0.2", "--out", "o", cwd=work)
    assert again.returncode == 2 and "o" in again.stderr


def test_a_profile_file_is_read_and_the_command_line_overrides_it(tmp_path):
    work = _workspace(tmp_path, slow=_vendor("slow", "{latency_ms: 1}"))
    (work / "profile.yaml").write_text("steps: [2]\nstep_seconds: 0.3\nmax_tokens: 64\n", encoding="utf-8")
    proc = evalkit("load", "-v", "slow", "--profile", "profile.yaml", "--step-seconds", "0.2", "--out", "o", cwd=work)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((work / "o" / "load.json").read_text(encoding="utf-8"))
    assert result["profile"]["steps"] == [2] and result["profile"]["step_seconds"] == 0.2
    db = sqlite3.connect(work / "o" / "store.sqlite")
    (params,) = db.execute("SELECT params FROM requests LIMIT 1").fetchone()
    db.close()
    assert json.loads(params)["max_tokens"] == 64


def test_a_few_early_errors_do_not_stop_a_step_but_clearly_too_many_do():
    from evalkit.loadtest.drive import Sample, StepRun
    from evalkit.loadtest.profile import LoadProfile

    profile = LoadProfile(error_threshold=0.05, min_requests=20)

    def step(errors: int, n: int) -> StepRun:
        run = StepRun(8)
        for i in range(n):
            run.add(Sample(i >= errors, "" if i >= errors else "http 503", 10.0, None, 5))
        return run

    assert not step(2, 20).over_threshold(profile)  # 10 % of the first 20: within the noise of a 2-5 % service
    assert step(12, 20).over_threshold(profile)
    assert not step(19, 19).over_threshold(profile)  # too few results to judge yet
    assert step(30, 200).over_threshold(profile)  # 15 % of 200


GATED = SMALL_CRITERIA + (
    "    load_gates:\n"
    "      - {description: 同時 2 ユーザーで p95 ≤ 5 秒, users: 2, metric: latency_p95_ms, max: 5000}\n"
    "      - {description: 同時 2 ユーザーで p95 ≤ 1 ミリ秒, users: 2, metric: latency_p95_ms, max: 1}\n"
    "      - {description: 同時 2 ユーザーで TTFT p95 ≤ 1 秒, users: 2, metric: ttft_p95_ms, max: 1000}\n"
    "      - {description: 同時 8 ユーザーでエラー率 ≤ 1 %, users: 8, metric: error_rate, max: 0.01}\n"
)


def test_load_gates_of_the_criteria_are_judged_and_can_fail_the_command(tmp_path):
    work = make_workspace(tmp_path / "w", {"chat": SUITE}, {"slow": _vendor("slow", "{latency_ms: 5}")}, GATED)
    args = ("load", "-v", "slow", "--steps", "2", "--step-seconds", "0.4")
    proc = evalkit(*args, "--out", "a", cwd=work)
    assert proc.returncode == 0, proc.stderr  # judged, reported, not failing without --fail-on-gate
    result = json.loads((work / "a" / "load.json").read_text(encoding="utf-8"))
    verdicts = [(g["id"], g["verdict"]) for g in result["gates"]]
    # within 5 s; not within 1 ms; TTFT unknown (not streamed); 8 users never ran (the profile stops at 2)
    assert verdicts == [
        ("leaf.load1", "適合"),
        ("leaf.load2", "不適合"),
        ("leaf.load3", "未評価"),
        ("leaf.load4", "未評価"),
    ]
    assert "不適合  同時 2 ユーザーで p95 ≤ 1 ミリ秒" in proc.stdout
    assert "不適合" in (work / "a" / "load.html").read_text(encoding="utf-8")
    failing = evalkit(*args, "--out", "b", "--fail-on-gate", cwd=work)
    assert failing.returncode == 1, failing.stderr


def test_a_ramp_stopped_for_errors_fails_the_gates_of_the_steps_it_never_reached():
    from evalkit.config.criteria import CriterionNode
    from evalkit.loadtest.gates import load_gates

    tree = CriterionNode.model_validate(
        {
            "id": "root",
            "title": "全体",
            "clause": "全体",
            "load_gates": [
                {"description": "16", "users": 16, "metric": "error_rate", "max": 0.05},
                {"description": "64", "users": 64, "metric": "latency_p95_ms", "max": 9000},
                {"description": "4", "users": 4, "metric": "latency_p95_ms", "max": 9000},
            ],
        }
    )
    step = {"users": 4, "latency_p95_ms": 100.0, "error_rate": 0.0, "stopped_early": False}
    stopped = {"users": 16, "latency_p95_ms": 100.0, "error_rate": 0.4, "stopped_early": True}
    result = {"profile": {"steps": [4, 16, 64]}, "steps": [step, stopped], "stopped": "errors"}
    assert [g["verdict"] for g in load_gates(tree, result)] == ["不適合", "不適合", "適合"]
    # stopped by the request limit instead: the step never reached is not judged
    result = {"profile": {"steps": [4, 16, 64]}, "steps": [step], "stopped": "max_requests"}
    assert [g["verdict"] for g in load_gates(tree, result)] == ["未評価", "未評価", "適合"]


def test_the_recorder_commits_from_its_own_thread_and_a_failed_commit_is_not_lost(tmp_path, monkeypatch):
    """Exchanges are committed by a writer thread (a commit on the event loop delayed the responses being
    timed); close waits for every commit, and a commit that failed is raised, never dropped."""
    import threading

    import pytest

    from evalkit.loadtest.command import Recorder
    from evalkit.providers.openai_chat import Attempt
    from evalkit.runner.store import PlannedRequest, RunStore

    store = RunStore(tmp_path / "store.sqlite")
    recorder = Recorder(store)
    writers: set[str] = set()
    original = RunStore.put_exchanges

    def spy(self, exchanges):
        writers.add(threading.current_thread().name)
        return original(self, exchanges)

    monkeypatch.setattr(RunStore, "put_exchanges", spy)
    for n in range(200):
        req = PlannedRequest(f"k{n}", "v", "s", f"i{n}", 0, [{"role": "user", "content": "q"}], {})
        recorder(req, Attempt(content=f"a{n}", latency_ms=1.0))
    recorder.close()
    assert store.db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 200
    assert writers and all(name.startswith("evalkit-load-store") for name in writers)
    store.close()

    def broken(self, exchanges):
        raise OSError("disk full")

    monkeypatch.setattr(RunStore, "put_exchanges", broken)
    failing = Recorder(RunStore(tmp_path / "other.sqlite"))
    req = PlannedRequest("k", "v", "s", "i", 0, [{"role": "user", "content": "q"}], {})
    failing(req, Attempt(content="a", latency_ms=1.0))
    with pytest.raises(OSError, match="disk full"):
        failing.close()


def test_a_load_test_attached_to_a_run_counts_in_its_vendors_verdict(tmp_path):
    """`evalkit report RUN --load DIR`: the load gates are judged in the main report and summary.json; a
    不適合 gate fails that vendor, a vendor without a load test is not judged on load; the attachment is
    kept in the store (a later score judges the same numbers; the bundle verifies)."""
    vendors = {"slow": _vendor("slow", "{latency_ms: 5}"), "quick": _vendor("quick", "{latency_ms: 1}")}
    criteria = GATED.replace(
        "      - {description: 同時 2 ユーザーで TTFT p95 ≤ 1 秒, users: 2, metric: ttft_p95_ms, max: 1000}\n", ""
    ).replace("      - {description: 同時 8 ユーザーでエラー率 ≤ 1 %, users: 8, metric: error_rate, max: 0.01}\n", "")
    work = make_workspace(tmp_path / "w", {"chat": SUITE}, vendors, criteria)
    assert evalkit("run", "--out", "run", "--quiet", cwd=work).returncode == 0
    before = {v["id"]: v["verdict"] for v in json.loads((work / "run" / "summary.json").read_text())["vendors"]}
    assert before == {"slow": "適合", "quick": "適合"}
    load = evalkit("load", "-v", "slow", "--steps", "2", "--step-seconds", "0.4", "--out", "a", cwd=work)
    assert load.returncode == 0, load.stderr
    proc = evalkit("report", "run", "--load", "a", cwd=work)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    rows = {v["id"]: v for v in summary["vendors"]}
    assert rows["slow"]["verdict"] == "不適合" and rows["quick"]["verdict"] == "適合"
    failed = rows["slow"]["failed_gates"]
    assert [g["node"] for g in failed] == ["leaf.load2"] and "p95" in failed[0]["reason"]
    assert summary["load_tests"]["quick"] == {"attached": False, "gates": []}
    assert [g["verdict"] for g in summary["load_tests"]["slow"]["gates"]] == ["適合", "不適合"]
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert 'data-load-gate="slow:leaf.load2"' in html and 'data-load-vendor="quick"' in html
    # kept in the store: a later score judges it again, and the bundle of the run verifies
    assert evalkit("score", "run", cwd=work).returncode == 0
    again = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    assert {v["id"]: v["verdict"] for v in again["vendors"]} == {"slow": "不適合", "quick": "適合"}
    assert evalkit("bundle", "run", "--out", "run.tar.gz", cwd=work).returncode == 0
    verified = evalkit("verify", "run.tar.gz", cwd=work)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # a folder without a load test, or a vendor the run does not have: usage errors naming the file
    missing = evalkit("report", "run", "--load", "nowhere", cwd=work)
    assert missing.returncode == 2 and "nowhere/load.json" in missing.stderr
    other = work / "other"
    other.mkdir()
    (other / "load.json").write_text(json.dumps({"vendor": {"id": "ghost"}, "steps": []}), encoding="utf-8")
    ghost = evalkit("report", "run", "--load", str(other), cwd=work)
    assert ghost.returncode == 2 and "'ghost'" in ghost.stderr
