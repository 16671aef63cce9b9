"""The send phase imports the finish stage's modules in a thread (evalkit/preload.py), and
EVALKIT_TIMINGS=FILE says where a run's time went (evalkit/timings.py)."""

from __future__ import annotations

import json
import os
import sys
import uuid

import pytest
from conftest import SMALL_CRITERIA, clean_env, evalkit, make_workspace

from evalkit.preload import Preload

SUITE = """id: s
version: "1"
title: 小
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: contains}]
items:
  - {id: a, vars: {q: 住民票の写しの手数料は}, reference: 300円}
  - {id: b, vars: {q: 印鑑登録の窓口は}, reference: 市民課}
"""


def _module(tmp_path, monkeypatch, body: str) -> str:
    name = f"evk_preload_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_modules_are_imported_in_the_preload_thread_and_the_interval_restored(tmp_path, monkeypatch):
    name = _module(tmp_path, monkeypatch, "import threading\nTHREAD = threading.current_thread().name\n")
    calls: list[str] = []
    before = sys.getswitchinterval()
    with Preload([name], then=[lambda: calls.append(sys.modules[name].THREAD)]) as preload:
        pass  # the block is the send phase; the thread is joined when it ends
    assert sys.modules[name].THREAD == "evalkit-preload"
    assert preload.imported == [name] and preload.failed == {}
    assert calls == ["evalkit-preload"]  # after the imports, in the same thread
    assert sys.getswitchinterval() == before


def test_a_failing_import_is_left_to_the_finish_stage(tmp_path, monkeypatch):
    broken = _module(tmp_path, monkeypatch, "raise RuntimeError('broken on purpose')\n")
    fine = _module(tmp_path, monkeypatch, "VALUE = 1\n")
    with Preload([broken, fine]) as preload:
        pass
    assert "RuntimeError: broken on purpose" in preload.failed[broken]
    assert preload.imported == [fine]  # one failure does not stop the others
    assert broken not in sys.modules
    try:  # the real import, where the finish stage makes it, fails as it always would
        __import__(broken)
    except RuntimeError as exc:
        assert "broken on purpose" in str(exc)
    else:
        raise AssertionError("the broken module imported")


def test_an_error_in_the_send_does_not_wait_for_the_thread():
    import threading

    release = threading.Event()
    before = sys.getswitchinterval()
    with pytest.raises(KeyboardInterrupt), Preload([], then=[release.wait]) as preload:
        raise KeyboardInterrupt  # an interrupt during the send is handled at once, not after the warm-up
    assert preload._thread is not None and preload._thread.is_alive() and preload._thread.daemon
    assert sys.getswitchinterval() == before
    release.set()
    preload._thread.join(timeout=10)
    assert not preload._thread.is_alive()


def test_timings_file_names_every_phase_of_a_run(tmp_path):
    work = make_workspace(
        tmp_path / "w",
        {"s": SUITE},
        {"oracle": "id: oracle\nname: 模範\nprovider: reference\nmodel: oracle\n"},
        criteria=SMALL_CRITERIA,
    )
    target = tmp_path / "timings.json"
    proc = evalkit("run", "--out", "run", "-q", cwd=work, env={**clean_env(), "EVALKIT_TIMINGS": str(target)})
    assert proc.returncode == 0, proc.stderr
    phases = json.loads(target.read_text(encoding="utf-8"))["phases"]
    names = [name for name, _ in phases]
    # "exports": the exports started (a fork writes them beside the report: evalkit/forked.py); "exports wait":
    # the wait for them
    assert names == ["load", "plan", "send", "score", "aggregate", "exports", "report", "exports wait"]
    assert all(isinstance(sec, float) and sec >= 0 for _, sec in phases)
    text = target.read_text(encoding="utf-8")
    assert "住民票" not in text and "300円" not in text  # names and durations only
    # a second command in the same process starts afresh; without the variable nothing is written
    target.unlink()
    proc = evalkit("report", "run", cwd=work, env={**clean_env(), "EVALKIT_TIMINGS": str(target)})
    assert proc.returncode == 0, proc.stderr
    assert [name for name, _ in json.loads(target.read_text(encoding="utf-8"))["phases"]] == [
        "score",
        "aggregate",
        "exports",
        "report",
        "exports wait",
    ]
    target.unlink()
    assert evalkit("report", "run", cwd=work).returncode == 0
    assert not target.exists()


def test_the_cli_keeps_openblas_to_one_thread_unless_the_user_set_it(monkeypatch, capsys):
    from evalkit.cli import main

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    main([])  # (prints the usage)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    main([])
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
