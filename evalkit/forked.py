"""Work done in a forked copy of this process while the process goes on: the finish stage writes the
exports (CSV, Parquet, summary.json, JUnit) while it renders the report, on the machine's other core.

:func:`forked` forks only where that is safe and cheap: a POSIX system and a process running one
thread (a fork copies one thread; a lock another thread held would stay locked in the child). The
child does the work and ends with ``os._exit`` (nothing of the parent's to clean up; it does not touch
the parent's open files, the run store included). The returned ``join`` waits for it; if the child did
not finish the work (it failed or was killed), ``join`` does the work itself, in this process: the
same files, and the error raised where it always was. Where there is no fork, the work is done at
once, before :func:`forked` returns, as it was before there was a fork.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable


def forked(work: Callable[[], object]) -> Callable[[], None]:
    """Start ``work`` in a forked child (where safe); call the result to wait for it."""
    if os.name != "posix" or not hasattr(os, "fork") or threading.active_count() > 1:
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
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            work()

    return join


def _nothing() -> None:
    pass
