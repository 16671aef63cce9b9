"""`evalkit run`'s finish stage in a helper process (evalkit/finisher.py): the same exports as the run's own
process writes, the baselines warmed from the store, and a run that finishes by itself whenever the helper
cannot (it does not start, dies, answers garbage, fails, or the run is too large for it)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import sys
import time

import pytest
from conftest import evalkit, make_workspace, own_env

from evalkit import cache, finisher, pipeline
from evalkit.reference import baselines
from evalkit.runner.store import STORE_NAME, RunStore

CRITERIA = (
    "id: root\ntitle: 全体\nclause: 全体\nchildren:\n"
    "  - id: leaf\n    title: 葉\n    clause: 葉\n"
    "  - id: other\n    title: 別\n    clause: 別\n"
)
SUITE = (
    'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\n'
    "items:\n" + "".join(f"  - {{id: q{n}, vars: {{q: 問{n}}}, reference: 答{n}}}\n" for n in range(8))
)
CHOICE = (
    'id: c\nversion: "1"\ntitle: 選択\ncriterion: other\nprompt: "{{ q }}"\nscorers: [{kind: contains}]\n'
    "items:\n" + "".join(f"  - {{id: c{n}, vars: {{q: 質問{n}}}, reference: 正解{n}}}\n" for n in range(5))
)
VENDORS = {
    "oracle": "id: oracle\nname: 参照\ncategory: baseline\nprovider: reference\nmodel: oracle\n",
    "refuse": "id: refuse\nname: 拒否\ncategory: baseline\nprovider: reference\nmodel: refuse\n",
}
EXPORTS = ("summary.json", "results.csv", "results.junit.xml", "report.html", "results.parquet")


@pytest.fixture
def work(tmp_path):
    return make_workspace(tmp_path / "ws", {"s": SUITE, "c": CHOICE}, VENDORS, CRITERIA)


def run(work, out, *, helper: str = "on", quiet: bool = True, **env):
    timings = work.parent / f"{out}.timings.json"
    proc = evalkit(
        "run",
        "--out",
        str(work.parent / out),
        *(["-q"] if quiet else []),
        cwd=work,
        env=own_env(EVALKIT_FINISH_HELPER=helper, EVALKIT_TIMINGS=str(timings), **env),
    )
    assert proc.returncode == 0, proc.stderr
    return proc, json.loads(timings.read_text(encoding="utf-8"))


def test_the_helper_writes_what_the_runs_own_process_would(work):
    proc, timings = run(work, "a", quiet=False)
    assert timings["finish"] == "helper" and "helper" not in timings
    # the helper's phases come back to the run's timings, after the send
    assert [name for name, _ in timings["phases"]] == [
        "load",
        "plan",
        "send",
        "score",
        "aggregate",
        "exports",
        "report",
        "exports wait",  # written by a fork of the helper while it renders the report (evalkit/forked.py)
    ]
    assert "report:" in proc.stdout and "oracle" in proc.stdout  # the console summary, from the helper's outcome
    # scoring the same store again in this process gives every export byte for byte
    out = work.parent / "a"
    written = {name: (out / name).read_bytes() for name in EXPORTS}
    shutil.copytree(out, work.parent / "b")
    again = evalkit("score", str(work.parent / "b"), cwd=work, env=own_env())
    assert again.returncode == 0, again.stderr
    for name in ("summary.json", "results.csv", "results.junit.xml", "report.html"):
        assert (work.parent / "b" / name).read_bytes() == written[name], name
    summary = json.loads(written["summary.json"])
    assert {v["id"]: v["verdict"] for v in summary["vendors"]}["oracle"] == "適合"
    assert summary["baselines"]["computed"]


def test_the_helper_warms_the_baselines_the_finish_stage_reads(work, tmp_path, monkeypatch):
    # the helper reads the suites back from the store: the same cache key as the finish stage's
    run(work, "a", helper="off", EVALKIT_CACHE_DIR="off")
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    stored = finisher._warm_baselines(work.parent / "a")
    assert len(list((tmp_path / "cache").glob("baselines-*.json"))) == 1
    with RunStore(work.parent / "a" / STORE_NAME) as store:  # what the finish stage would read itself
        assert stored == pipeline.load_run(store)
    computed: list[int] = []
    real = baselines._baseline_results
    monkeypatch.setattr(baselines, "_baseline_results", lambda *a, **k: computed.append(1) or real(*a, **k))
    with RunStore(work.parent / "a" / STORE_NAME) as store:
        results, _ = pipeline.compute_results(store)
    assert computed == [] and results["baselines"]["computed"]
    # and a run through the helper with a cold cache fills it (the same entry)
    shutil.rmtree(tmp_path / "cache")
    run(work, "b", EVALKIT_CACHE_DIR=str(tmp_path / "cache"))
    assert len(list((tmp_path / "cache").glob("baselines-*.json"))) == 1


def test_the_reader_reads_while_the_writer_commits_and_cannot_write(work):
    run(work, "a", helper="off")
    path = work.parent / "a" / STORE_NAME
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO meta VALUES ('x', '1')")
    with RunStore.reader(path) as store:
        assert store.get_meta("x") is None and store.get_meta("suites")  # the last commit, not blocked
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.set_meta("y", 1)
    writer.execute("COMMIT")


BROKEN = {
    "exits at once": "import sys; sys.exit(3)",
    "answers garbage": (
        "import sys; sys.stdout.buffer.write(b'not a pickle'); sys.stdout.flush(); sys.stdin.buffer.read()"
    ),
    "fails to finish": (
        "import sys; sys.path.insert(0, {root!r}); import evalkit.pipeline as p; "
        "p.finish = lambda sent, **kw: 1 / 0; from evalkit.finisher import serve; serve()"
    ),
}


@pytest.mark.parametrize("how", list(BROKEN))
def test_a_run_finishes_by_itself_when_the_helper_cannot(work, monkeypatch, how):
    monkeypatch.setattr(finisher, "_BOOT", BROKEN[how])
    proc, timings = run(work, "a")
    assert timings["finish"] == "in process"
    expected = {
        # gone before it was told anything, while it was, or before it answered
        "exits at once": ("it ended", "could not be told: BrokenPipeError", "no answer: EOFError"),
        "answers garbage": ("no answer: UnpicklingError",),
        "fails to finish": ("ZeroDivisionError",),
    }[how]
    assert timings["helper"].startswith(expected), timings["helper"]
    assert "Traceback" not in proc.stderr
    summary = json.loads((work.parent / "a" / "summary.json").read_text(encoding="utf-8"))
    assert {v["id"]: v["verdict"] for v in summary["vendors"]}["oracle"] == "適合"


def test_a_helper_that_cannot_start_leaves_the_run_to_itself(work, monkeypatch):
    monkeypatch.setattr(finisher.sys, "executable", str(work / "no-such-python"))
    _, timings = run(work, "a")
    assert timings["finish"] == "in process" and timings["helper"].startswith("could not start")


def test_a_large_run_finishes_in_its_own_process(work, monkeypatch):
    # past MAX_REQUESTS the helper's memory beside the sender's would cost the memory target
    monkeypatch.setattr(finisher, "MAX_REQUESTS", 10)
    _, timings = run(work, "a")
    assert timings == {**timings, "finish": "in process", "helper": "more than 10 planned requests"}
    assert (work.parent / "a" / "report.html").is_file()


def test_off_starts_no_helper(work, monkeypatch):
    started: list[object] = []
    monkeypatch.setattr(finisher.Finisher, "start", lambda self: started.append(self) or self)
    _, timings = run(work, "a", helper="off")
    assert started == [] and "finish" not in timings


def test_an_interrupted_run_stops_its_helper(monkeypatch):
    # Ctrl-C reaches the run (the helper ignores it): the helper is killed, not left behind
    monkeypatch.setattr(finisher, "_BOOT", "import time; time.sleep(60)")
    monkeypatch.setenv(finisher.ENV_VAR, "on")
    seen: list[finisher.Finisher] = []
    with pytest.raises(KeyboardInterrupt), finisher.started() as helper:
        assert helper is not None and helper.alive
        seen.append(helper)
        proc = helper.proc
        raise KeyboardInterrupt
    assert seen[0].proc is None and proc is not None and proc.poll() is not None
    assert seen[0].failure == "the run ended early"


def test_a_helper_not_used_is_killed_not_waited_for(monkeypatch):
    # a run that ends before its finish stage (nothing to do, an error) does not wait for imports or baselines
    monkeypatch.setattr(finisher, "_BOOT", "import time; time.sleep(60)")
    monkeypatch.setenv(finisher.ENV_VAR, "on")
    start = time.monotonic()
    with finisher.started() as helper:
        assert helper is not None
        proc = helper.proc
    assert proc is not None and proc.returncode is not None
    assert time.monotonic() - start < finisher.WAIT_EXIT


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_helper_ignores_ctrl_c_and_ends_with_its_input():
    helper = finisher.Finisher().start()
    proc = helper.proc
    assert proc is not None and proc.stdin is not None
    deadline = time.monotonic() + 60
    while not _ignores_sigint(proc.pid):  # serve() has started (after the interpreter's own start-up)
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    assert proc.poll() is None
    # it runs at a lower priority while the requests are in flight
    with open(f"/proc/{proc.pid}/stat", encoding="ascii") as stat:
        nice = int(stat.read().rsplit(")", 1)[1].split()[16])
    assert nice == min(19, os.nice(0) + finisher.NICE)
    proc.stdin.close()  # the run is gone: the helper's input ends, and so does the helper
    assert proc.wait(timeout=60) == 0
    helper.proc = None


def _ignores_sigint(pid: int) -> bool:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        ignored = next(line for line in status if line.startswith("SigIgn:")).split()[1]
    return bool(int(ignored, 16) & (1 << (signal.SIGINT - 1)))


def test_enabled_reads_the_environment(monkeypatch):
    for value, expected in (("off", False), ("0", False), ("OFF", False), ("on", True), ("", True)):
        monkeypatch.setenv(finisher.ENV_VAR, value)
        assert finisher.enabled() is expected
    monkeypatch.delenv(finisher.ENV_VAR)
    assert finisher.enabled()


def test_the_command_starts_the_helper_before_its_own_imports(work):
    # evalkit/entry.py: `evalkit run` as a real process, its helper started first and taken by the run
    timings = work.parent / "t.json"
    env = own_env(EVALKIT_FINISH_HELPER="on", EVALKIT_TIMINGS=str(timings))
    proc = evalkit("run", "--out", str(work.parent / "a"), "-q", cwd=work, env=env, process=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(timings.read_text(encoding="utf-8"))["finish"] == "helper"


def test_a_prestarted_helper_is_the_runs_or_is_stopped(monkeypatch):
    monkeypatch.setattr(finisher, "_BOOT", "import time; time.sleep(60)")
    monkeypatch.setenv(finisher.ENV_VAR, "on")
    finisher.prestart()
    early = finisher._early
    assert early is not None and early.alive
    with finisher.started() as helper:
        assert helper is early and finisher._early is None
    assert early.proc is None  # stopped with the block
    finisher.prestart()
    unused = finisher._early
    assert unused is not None and unused.proc is not None
    proc = unused.proc
    finisher.discard_early()  # a usage error: no run took it
    assert finisher._early is None and proc.poll() is not None
    # turned off between the two: the early one is stopped, the run finishes by itself
    finisher.prestart()
    proc = finisher._early.proc if finisher._early else None
    monkeypatch.setenv(finisher.ENV_VAR, "off")
    with finisher.started() as helper:
        assert helper is None
    assert proc is not None and proc.poll() is not None


SLOW = (
    "id: slow\nname: 遅い参照\ncategory: baseline\nprovider: reference\nmodel: oracle\nconcurrency: 1\n"
    "faults: {latency_ms: 150}\n"
)


def scores_table(run_dir) -> list[tuple]:
    with RunStore(run_dir / STORE_NAME) as store:
        return store.db.execute("SELECT * FROM scores ORDER BY key, scorer_index").fetchall()


def test_answers_scored_during_the_send_are_the_scores_of_the_finish_stage(tmp_path):
    # one slow vendor: the helper scores the answers stored while the others are in flight
    work = make_workspace(tmp_path / "ws", {"s": SUITE, "c": CHOICE}, {"slow": SLOW, **VENDORS}, CRITERIA)
    _, timings = run(work, "a")
    assert timings["finish"] == "helper" and int(timings["prescored"]) >= 0  # how many: the machine's speed
    shutil.copytree(work.parent / "a", work.parent / "b")
    assert evalkit("score", str(work.parent / "b"), cwd=work, env=own_env()).returncode == 0
    assert scores_table(work.parent / "a") == scores_table(work.parent / "b")
    for name in ("summary.json", "results.csv", "report.html"):
        assert (work.parent / "a" / name).read_bytes() == (work.parent / "b" / name).read_bytes(), name


def test_prescore_gives_score_stores_rows_and_only_for_the_same_answer(work):
    from evalkit.scorers.apply import Prescored, prescore, score_store

    run(work, "a", helper="off")
    expected = scores_table(work.parent / "a")
    with RunStore(work.parent / "a" / STORE_NAME) as store:
        stored = pipeline.load_run(store)
        done = Prescored(stored[1])
        assert prescore(store, done) == 26  # every answer (13 items x 2 vendors): no judge, no group scorer
        assert prescore(store, done) == 0  # nothing new since
        rows = sorted(row for _, kept in done.rows.values() for row in kept)
        assert rows == expected  # the very rows the finish stage writes
        # an answer that changed after it was scored is scored again, not taken from before
        key = next(k for k, (_, kept) in done.rows.items() if kept[0][4] == 1)
        store.db.execute("UPDATE responses SET content = 'まったく別の答え' WHERE key = ?", (key,))
        assert score_store(store, suites=stored[1], prescored=done) == 26
        changed = {row[0]: row for row in store.db.execute("SELECT * FROM scores")}
    assert changed[key][4] == 0 and changed[key][6] != expected[[r[0] for r in expected].index(key)][6]
    assert [r for r in scores_table(work.parent / "a") if r[0] != key] == [r for r in expected if r[0] != key]


def test_no_scoring_during_the_send_with_judges_or_sealed_suites(work):
    run(work, "a", helper="off")
    path = work.parent / "a" / STORE_NAME
    with RunStore.reader(path) as store:
        stored = pipeline.load_run(store)
    scoring = finisher._Scoring.start(work.parent / "a", stored)
    assert scoring is not None and scoring.step() and len(scoring.close().rows) == 26
    for meta, value in (("judges_ids", ["judge"]), ("sealed", {"s": {}})):
        with RunStore(path) as store:
            store.set_meta(meta, value)
        assert finisher._Scoring.start(work.parent / "a", stored) is None  # a verdict or a key may change them
        with RunStore(path) as store:
            store.db.execute("DELETE FROM meta WHERE key = ?", (meta,))
