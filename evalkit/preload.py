"""Import what scoring and the report need while the requests are in flight.

``evalkit run`` waits on the network for most of its send phase, then imports pandas,
Jinja2, the scorers and the analysis to finish the run: about half a second of work on every run, paid
after the last answer. :class:`Preload` does those imports in a background thread during the send
phase instead, so that they use the time the event loop spends waiting for answers. ``evalkit run``
normally has a helper process do this on the other core (evalkit/finisher.py), where it does not hold
the event loop's interpreter lock; this thread is what a send without one uses (the helper turned off
or not started, more than its 10,000 planned requests, or another caller of ``pipeline.send``).

After the imports, the thread runs the calls it was given (``then``): ``evalkit run`` passes one that
computes the refuse and echo baselines of a suite tree not seen before into the on-disk cache
(:func:`evalkit.reference.baselines.warm_cache`), which the report would otherwise compute after the
last answer. Nothing of the run itself is touched there: no store, no output file. A failure in the
thread is ignored (the finish stage imports the same modules and computes the same baselines again,
and reports any error where it always has). The thread is joined when the send phase ends, so nothing
runs beside the finish stage; when the send ends in an error (an interrupt too) it is not waited for:
a daemon thread, it stops with the process. While it runs, the interpreter's thread switch interval
is shortened so that the event loop, not the preload thread, gets the interpreter back soon after an
answer arrives; the previous interval is restored afterwards.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Iterable
from types import TracebackType

# what the finish stage (pipeline.score_and_report) imports, heaviest first
FINISH_MODULES = (
    "pandas",
    "evalkit.analysis",
    "evalkit.scorers.apply",
    "evalkit.report",
    "evalkit.report.charts",
)
SWITCH_INTERVAL = 0.0005  # seconds; CPython's default is 0.005


class Preload:
    """``with Preload(): <send>``: import ``modules`` (then call ``then``, e.g. to compile templates)
    in a daemon thread for the duration of the block."""

    def __init__(self, modules: Iterable[str] = FINISH_MODULES, then: Iterable[Callable[[], object]] = ()) -> None:
        self.modules = tuple(modules)
        self.then = tuple(then)
        self.imported: list[str] = []
        self.failed: dict[str, str] = {}
        self._thread: threading.Thread | None = None
        self._interval: float | None = None

    def _work(self) -> None:
        for name in self.modules:
            try:
                importlib.import_module(name)
            except Exception as exc:  # the finish stage imports it again and reports the error
                self.failed[name] = f"{type(exc).__name__}: {exc}"
            else:
                self.imported.append(name)
        for call in self.then:
            try:
                call()
            except Exception as exc:  # an optimisation only: the real call comes later
                self.failed[getattr(call, "__qualname__", repr(call))] = f"{type(exc).__name__}: {exc}"

    def __enter__(self) -> Preload:
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._work, name="evalkit-preload", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._thread is not None and kind is None:  # (an error or an interrupt does not wait for it)
            self._thread.join()
        if self._interval is not None:
            sys.setswitchinterval(self._interval)
