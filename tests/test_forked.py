"""evalkit/forked.py: work done by a forked copy of the process, and done here whenever it was not."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from evalkit.forked import forked

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")


def test_the_child_does_the_work_and_the_parent_waits(tmp_path, monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # as in the finish helper: one thread
    calls: list[int] = []

    def work() -> None:
        calls.append(os.getpid())
        (tmp_path / "out").write_text(str(os.getpid()), encoding="utf-8")

    join = forked(work)
    join()
    child = int((tmp_path / "out").read_text(encoding="utf-8"))
    assert child != os.getpid() and calls == []  # written by another process; nothing ran here


def test_work_the_child_did_not_finish_is_done_here(tmp_path, monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    parent = os.getpid()

    def work() -> None:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        (tmp_path / "out").write_text("here", encoding="utf-8")

    forked(work)()
    assert (tmp_path / "out").read_text(encoding="utf-8") == "here"

    def always() -> None:
        raise OSError("disk full")

    join = forked(always)
    with pytest.raises(OSError, match="disk full"):  # the error where it always was
        join()


def test_no_fork_beside_other_threads_the_work_is_done_at_once(tmp_path):
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        done: list[int] = []
        join = forked(lambda: done.append(os.getpid()))
        assert done == [os.getpid()]  # before forked returned, in this process
        join()
        assert done == [os.getpid()]
    finally:
        release.set()
        other.join()


def test_a_child_that_hangs_is_killed_and_the_work_done_here(tmp_path, monkeypatch):
    import evalkit.forked as module

    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(module, "DEADLINE", 0.5)
    parent = os.getpid()

    def work() -> None:
        if os.getpid() != parent:
            time.sleep(60)  # a child stuck on something
        (tmp_path / "out").write_text("here", encoding="utf-8")

    start = time.monotonic()
    forked(work)()
    assert (tmp_path / "out").read_text(encoding="utf-8") == "here" and time.monotonic() - start < 30


def test_no_fork_when_told_the_work_is_done_at_once(monkeypatch):
    # the finish stage forks only for an item table of at most pipeline.FORK_ROWS rows (memory)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    done: list[int] = []
    join = forked(lambda: done.append(os.getpid()), fork=False)
    assert done == [os.getpid()]
    join()
    assert done == [os.getpid()]
