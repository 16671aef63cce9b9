"""The on-disk cache (evalkit/cache.py): same inputs and code read the entry, anything else computes
afresh, and a damaged or unwritable cache never changes a result or stops a run."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import SMALL_CRITERIA, evalkit, make_workspace, own_env

from evalkit import cache


@pytest.fixture
def folder(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(where))
    return where


def counter():
    calls = []

    def compute():
        calls.append(1)
        return {"score": 0.25, "gates": {"leaf": "不適合"}, "none": None}

    return calls, compute


def test_an_entry_is_computed_once_and_read_after(folder):
    calls, compute = counter()
    first = cache.cached_json("baselines", {"suites": [1, 2]}, compute)
    second = cache.cached_json("baselines", {"suites": [1, 2]}, compute)
    assert first == second == {"score": 0.25, "gates": {"leaf": "不適合"}, "none": None}
    assert len(calls) == 1
    assert len(list(folder.glob("baselines-*.json"))) == 1
    cache.cached_json("baselines", {"suites": [1, 3]}, compute)  # other inputs: another entry
    assert len(calls) == 2 and len(list(folder.glob("baselines-*.json"))) == 2
    assert not list(folder.glob(".*.tmp"))  # written whole, then renamed


def test_a_computed_value_is_what_a_cached_one_would_be(folder):
    # tuples and int keys come back as JSON gives them, so the first run and the next agree
    value = cache.cached_json("k", 1, lambda: {1: (1, 2)})
    assert value == {"1": [1, 2]} == cache.cached_json("k", 1, lambda: pytest.fail("not read"))


def test_a_damaged_entry_is_computed_again_and_replaced(folder):
    calls, compute = counter()
    cache.cached_json("baselines", "x", compute)
    (entry,) = folder.glob("baselines-*.json")
    entry.write_text('{"score": 0.2', encoding="utf-8")  # cut short
    assert cache.cached_json("baselines", "x", compute)["score"] == 0.25
    assert len(calls) == 2 and json.loads(entry.read_text(encoding="utf-8"))["score"] == 0.25


@pytest.mark.parametrize("value", ["off", "", "0", "OFF"])
def test_off_computes_every_time_and_writes_nothing(tmp_path, monkeypatch, value):
    monkeypatch.setenv(cache.ENV_VAR, value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    calls, compute = counter()
    cache.cached_json("baselines", "x", compute)
    cache.cached_json("baselines", "x", compute)
    assert len(calls) == 2 and not (tmp_path / "xdg").exists()


def test_an_unwritable_cache_still_gives_the_value(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(cache.ENV_VAR, str(blocker / "cache"))
    calls, compute = counter()
    assert cache.cached_json("baselines", "x", compute)["score"] == 0.25
    assert cache.cached_json("baselines", "x", compute)["score"] == 0.25
    assert len(calls) == 2


def test_disabled_inside_a_verification(folder):
    calls, compute = counter()
    cache.cached_json("baselines", "x", compute)
    with cache.cache_disabled():
        cache.cached_json("baselines", "x", compute)
    cache.cached_json("baselines", "x", compute)
    assert len(calls) == 2


def test_where_the_cache_lives(tmp_path):
    assert cache.cache_dir({"EVALKIT_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache.cache_dir({"EVALKIT_CACHE_DIR": "off", "XDG_CACHE_HOME": str(tmp_path)}) is None
    assert cache.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "evalkit"
    assert cache.cache_dir({}).parts[-2:] == (".cache", "evalkit")


def test_the_code_digest_follows_every_file_but_compiled_ones(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n", encoding="utf-8")
    (package / "sub" / "rules.yaml").write_text("k: v\n", encoding="utf-8")
    before = cache.package_digest(package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert cache.package_digest(package) == before
    (package / "sub" / "rules.yaml").write_text("k: w\n", encoding="utf-8")
    assert cache.package_digest(package) != before
    (package / "sub" / "rules.yaml").rename(package / "rules.yaml")  # same bytes, another place
    assert cache.package_digest(package) != before


SUITE = (
    'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\n'
    "items:\n" + "".join(f"  - {{id: q{n}, vars: {{q: 問{n}}}, reference: 答{n}}}\n" for n in range(6))
)
ORACLE = "id: oracle\nname: 参照\ncategory: baseline\nprovider: reference\nmodel: oracle\n"


def test_runs_of_the_same_tree_share_the_baselines_and_a_changed_item_computes_them_again(tmp_path):
    ws = make_workspace(tmp_path / "ws", {"s": SUITE}, {"oracle": ORACLE}, SMALL_CRITERIA)
    where = tmp_path / "cache"
    env = own_env(EVALKIT_CACHE_DIR=str(where))
    summaries = []
    for name in ("a", "b"):
        proc = evalkit("run", "--out", str(tmp_path / name), "-q", cwd=ws, env=env)
        assert proc.returncode == 0, proc.stderr
        summaries.append(json.loads((tmp_path / name / "summary.json").read_text(encoding="utf-8"))["baselines"])
    assert summaries[0] == summaries[1] and summaries[0]["computed"]
    (entry,) = where.glob("baselines-*.json")
    # the entry holds scores and statuses, never an item's text
    text = entry.read_text(encoding="utf-8")
    assert "問0" not in text and "答0" not in text
    # the same run without the cache gives the same baselines
    proc = evalkit("run", "--out", str(tmp_path / "c"), "-q", cwd=ws, env={**env, "EVALKIT_CACHE_DIR": "off"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "c" / "summary.json").read_text(encoding="utf-8"))["baselines"] == summaries[0]
    (ws / "suites" / "s.yaml").write_text(SUITE.replace("答5", "答五"), encoding="utf-8")
    proc = evalkit("run", "--out", str(tmp_path / "d"), "-q", cwd=ws, env=env)
    assert proc.returncode == 0, proc.stderr
    assert len(list(where.glob("baselines-*.json"))) == 2
    db = sqlite3.connect(tmp_path / "d" / "store.sqlite")
    assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 6


def test_a_run_computes_a_new_trees_baselines_once_while_it_sends(tmp_path, monkeypatch):
    # evalkit run warms the cache in the background during the send (pipeline._warm_baselines); the
    # finish stage then reads that entry: one computation, not one during the send and one after it
    import threading

    from evalkit.cli import main
    from evalkit.reference import baselines

    ws = make_workspace(tmp_path / "ws", {"s": SUITE}, {"oracle": ORACLE}, SMALL_CRITERIA)
    monkeypatch.chdir(ws)
    computed: list[str] = []
    real = baselines._baseline_results

    def counted(*args, **kwargs):
        computed.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(baselines, "_baseline_results", counted)
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    assert main(["run", "--out", str(tmp_path / "a"), "-q"]) == 0
    assert computed == ["evalkit-preload"]
    first = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))["baselines"]
    assert first["computed"] and first["models"]["refuse"]["scores"]
    # with the cache off nothing is computed in vain during the send: once, by the finish stage
    computed.clear()
    monkeypatch.setenv(cache.ENV_VAR, "off")
    assert main(["run", "--out", str(tmp_path / "b"), "-q"]) == 0
    assert computed == ["MainThread"]
    assert json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))["baselines"] == first


def test_verify_takes_nothing_from_the_cache(tmp_path):
    # a poisoned entry would change the baselines a verification re-derives: verify must not read it
    ws = make_workspace(tmp_path / "ws", {"s": SUITE}, {"oracle": ORACLE}, SMALL_CRITERIA)
    where = tmp_path / "cache"
    env = own_env(EVALKIT_CACHE_DIR=str(where))
    assert evalkit("run", "--out", str(tmp_path / "run"), "-q", cwd=ws, env=env).returncode == 0
    bundled = evalkit("bundle", str(tmp_path / "run"), "--out", str(tmp_path / "run.tar.gz"), cwd=ws, env=env)
    assert bundled.returncode == 0, bundled.stderr
    (entry,) = where.glob("baselines-*.json")
    poisoned = json.loads(entry.read_text(encoding="utf-8"))
    for model in poisoned.values():
        model["scores"] = {node: 0.99 for node in model["scores"]}
    entry.write_text(json.dumps(poisoned), encoding="utf-8")
    checked = evalkit("verify", str(tmp_path / "run.tar.gz"), cwd=ws, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # and a run that does read it shows it (the test would pass vacuously if nothing read the entry)
    again = evalkit("score", str(tmp_path / "run"), cwd=ws, env=env)
    assert again.returncode == 0, again.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert {s for m in summary["baselines"]["models"].values() for s in m["scores"].values()} == {0.99}


def test_only_the_newest_entries_of_a_kind_are_kept(folder, monkeypatch):
    monkeypatch.setitem(cache.KEEP, "k", 3)
    for n in range(5):
        cache.cached_json("k", n, lambda n=n: n)
    cache.cached_json("other", 0, lambda: 0)
    assert len(list(folder.glob("k-*.json"))) == 3 and len(list(folder.glob("other-*.json"))) == 1


# ---------------------------------------------------------------------------- suite checks


def test_a_clean_suite_is_checked_once_and_a_suite_with_a_problem_every_time(tmp_path, monkeypatch):
    from evalkit.config import loader

    ws = make_workspace(tmp_path / "ws", {"s": SUITE, "t": SUITE.replace("id: s\n", "id: t\n")}, {}, SMALL_CRITERIA)
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    checked = []
    real = loader.check_suite
    monkeypatch.setattr(
        loader, "check_suite", lambda loaded, *a, **k: checked.append(loaded.model.id) or real(loaded, *a, **k)
    )
    assert loader.load_workspace([ws / "suites"]).issues == []
    assert sorted(checked) == ["s", "t"]
    checked.clear()
    assert loader.load_workspace([ws / "suites"]).issues == [] and checked == []
    # an item that no longer suits its scorer: that suite is checked again and its problem reported
    (ws / "suites" / "t.yaml").write_text(
        SUITE.replace("id: s\n", "id: t\n").replace(", reference: 答0}", "}"), encoding="utf-8"
    )
    for _ in range(2):
        checked.clear()
        issues = loader.load_workspace([ws / "suites"]).issues
        assert checked == ["t"] and len(issues) == 1 and issues[0].file.endswith("t.yaml")
    # criteria changed under a clean suite: checked again (its criterion is no longer a leaf)
    (ws / "suites" / "criteria.yaml").write_text(SMALL_CRITERIA.replace("id: leaf", "id: other"), encoding="utf-8")
    checked.clear()
    issues = loader.load_workspace([ws / "suites"]).issues
    assert "s" in checked and any("leaf" in issue.message for issue in issues)


def test_the_cli_reports_the_same_problem_from_a_warm_cache(tmp_path):
    ws = make_workspace(tmp_path / "ws", {"s": SUITE}, {}, SMALL_CRITERIA)
    env = own_env(EVALKIT_CACHE_DIR=str(tmp_path / "cache"))
    assert evalkit("validate", cwd=ws, env=env).returncode == 0
    assert evalkit("validate", cwd=ws, env=env).returncode == 0
    (ws / "suites" / "s.yaml").write_text(SUITE.replace(", reference: 答3}", "}"), encoding="utf-8")
    for _ in range(2):
        proc = evalkit("validate", cwd=ws, env=env)
        assert proc.returncode == 2 and "s.yaml:" in proc.stderr and "reference" in proc.stderr, proc.stderr


PROBED = SUITE.replace(
    "reference: 答0}", "reference: 答0, probes: [{text: 答0, expect: pass}, {text: 答1, expect: fail}]}"
).replace("title: 試験\n", "title: 試験\ncanary: evalkit-canary:3c9e1f2a-6b4d-4c8e-9a1f-2e3d4c5b6a70\n")


def _other_questions(text: str) -> str:
    asked = [
        "住民票の写しの手数料",
        "印鑑登録に要る書類",
        "転入届の期限",
        "児童手当の申請先",
        "粗大ごみの収集日",
        "図書館の休館日",
    ]
    for n, question in enumerate(asked):
        text = text.replace(f"q: 問{n}}}", f"q: {question}}}")
    return text


def test_a_warm_self_check_prints_the_same_and_still_finds_a_wrong_probe_at_its_line(tmp_path):
    ws = make_workspace(
        tmp_path / "ws",
        {"s": PROBED, "t": _other_questions(PROBED.replace("id: s\n", "id: t\n").replace("6a70", "6a71"))},
        {},
        SMALL_CRITERIA,
    )
    where = tmp_path / "cache"
    env = own_env(EVALKIT_CACHE_DIR=str(where))
    cold, warm = (evalkit("validate", "--self-check", cwd=ws, env=env) for _ in range(2))
    assert cold.returncode == warm.returncode == 0, cold.stderr
    assert cold.stdout == warm.stdout and "(total)" in warm.stdout
    # one clean outcome per suite and kind (near-duplicates and baselines: over both suites at once)
    kinds = sorted(p.name.rsplit("-", 1)[0] for p in where.glob("*.json"))
    assert kinds == sorted(["baselines", "near-duplicates"] + 2 * ["probe-check", "self-check", "suite-check"]), kinds
    # a probe whose label is now wrong: found on every run, at its line, though its suite was clean before
    text = (ws / "suites" / "t.yaml").read_text(encoding="utf-8")
    text = text.replace("{text: 答1, expect: fail}", "{text: 答1, expect: pass}")
    (ws / "suites" / "t.yaml").write_text(text, encoding="utf-8")
    line = 1 + next(n for n, row in enumerate(text.splitlines()) if "答1, expect: pass" in row)
    for _ in range(2):
        proc = evalkit("validate", "--self-check", cwd=ws, env=env)
        assert proc.returncode == 1 and f"t.yaml:{line}" in proc.stderr and "probes[1]" in proc.stderr, proc.stderr
    # with the cache off the warm outcome is the cold one
    off = evalkit("validate", "--self-check", cwd=ws, env={**env, "EVALKIT_CACHE_DIR": "off"})
    assert off.returncode == 1 and off.stderr == proc.stderr
