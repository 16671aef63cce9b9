"""Work done in a forked copy of this process while the process goes on: the finish stage writes the
exports (CSV, Parquet, summary.json, JUnit) while it renders the report, on the machine's other core.

:func:`forked` forks only where that is safe and cheap: Linux (macOS's system libraries are not safe to
use in a forked child that does not exec, and Windows has no fork) and a process running one thread (a
fork copies one thread; a lock another thread held would stay locked in the child). The child does the
work and ends with ``os._exit`` (nothing of the parent's to clean up; it does not touch the parent's
open files, the run store included). The returned ``join`` waits for it; if the child did not finish
the work (it failed, was killed, or still runs after :data:`DEADLINE` seconds: it is killed then),
``join`` does the work itself, in this process: the same files, and the error raised where it always
was. Where there is no fork, the work is done at once, before :func:`forked` returns, as it was before
there was a fork.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable

DEADLINE = 600.0  # seconds: the exports of 50,000 items take a few


def forked(work: Callable[[], object], fork: bool = True) -> Callable[[], None]:
    """Start ``work`` in a forked child (where safe, and unless ``fork`` is false); call the result to
    wait for it."""
    if not fork or not sys.platform.startswith("linux") or threading.active_count() > 1:
        work()
        return _nothing
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # what is buffered is written once, by this process
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)

    def join() -> None:
        if _exit_code(pid, DEADLINE) != 0:
            work()

    return join


def _nothing() -> None:
    pass


def _exit_code(pid: int, deadline: float) -> int | None:
    """The child's exit code, waited for up to ``deadline`` seconds (then killed: None)."""
    end, pause = time.monotonic() + deadline, 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > end:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
