"""``evalkit run``'s finish stage in a helper process that gets ready while the requests are in flight.

The send phase mostly waits on the network, but one interpreter runs it: whatever else the process
does meanwhile holds the interpreter lock the event loop needs when an answer arrives. Importing what
scoring and the report need (pandas, the analysis, the scorers: about half a second of CPU, partly in
C code that never lets go of the lock) in a thread of the sending process (evalkit/preload.py)
stretched a 2,000-request send from 1.8 s to 2.1-2.4 s; done after the send instead, it is the same
half second after the last answer. A second process does it on the machine's other core:

1. ``evalkit run`` starts the helper (``python -c``, running :func:`serve`) first, before its own
   imports (evalkit/entry.py), and the helper waits;
2. once the run's store holds the run's suites, before the first request, the sender says so
   (:meth:`Finisher.ready`; a run of more than :data:`MAX_REQUESTS` stops the helper instead). The
   helper imports the finish stage's modules (:data:`evalkit.preload.FINISH_MODULES`), reads the suites
   from the store, read-only (WAL lets it read while the sender commits), and computes the baselines of
   a suite tree not seen before into the on-disk cache (:func:`evalkit.reference.baselines.warm_cache`);
   the finish stage uses the suites it read. (Importing from the start instead, beside the run's own
   imports, was no faster, and a large run held a second pandas through its loading: 448 MB at
   50,000 × 1.)
3. while the requests are in flight, it scores the answers the sender has stored, every
   :data:`PRESCORE_EVERY` seconds (a run without judges or sealed suites, answers no later answer can
   change: :class:`evalkit.scorers.apply.Prescored`);
4. after the send, the sender hands over the :class:`~evalkit.pipeline.Sent` (:meth:`Finisher.finish`)
   and the helper runs :func:`evalkit.pipeline.finish`: it scores the rest and reports from the store,
   as the sender would, and answers with the outcome, the phases it timed and its notes
   (evalkit/timings.py) and whatever it wrote on its console, which the sender writes on its own.

Messages are pickles on the helper's stdin (each after its length, so that the helper can wait for the
next one and score meanwhile) and on a copy of its stdout (its own output goes to a buffer); the
sealed suites' plaintext passes through that pipe only, never a file. The helper sends no
request and writes nothing but what the finish stage writes.

Whatever goes wrong with the helper (it could not start, died, raised, answered something else), the
run finishes in its own process exactly as it does without one (:func:`evalkit.pipeline.finish`): a
failure's messages, exit code and files are the in-process ones, and nothing is lost, since everything
the send computed is in the store. Ctrl-C is the sender's to handle: the helper ignores it and is
stopped when the run ends; if the sender is killed, the helper's stdin ends and it exits.

No helper when ``EVALKIT_FINISH_HELPER=off``, and none past :data:`MAX_REQUESTS` planned requests: a
second interpreter holding the finish stage beside the sender's memory would cost a large run its
memory target (docs/performance.md), and the seconds saved matter less there.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import timings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .pipeline import RunOutcome, Sent
    from .runner.store import RunStore
    from .scorers.apply import Prescored

ENV_VAR = "EVALKIT_FINISH_HELPER"
OFF = ("off", "0", "no", "false")
MAX_REQUESTS = 10_000
WAIT_EXIT = 10.0  # seconds a helper that answered gets to exit before it is killed
_BOOT = "import sys; sys.path.insert(0, {root!r}); from evalkit.finisher import serve; serve()"
_HEADER = struct.Struct(">Q")  # a message to the helper: its length, then its pickle
PRESCORE_EVERY = 0.2  # seconds between two looks for new answers to score during the send
# The helper's niceness while the requests are in flight. At 10,000 x 128 the sender and the endpoint
# take both cores, and the helper's imports and scoring at the same priority made the send 0.5 s longer
# than they saved; at nice 10 the run took 8.3 s instead of 9.2 s (and 3.55 instead of 3.7 s at 2,000 x
# 64). It is put back for the finish stage where the system lets a process raise its priority (root,
# CAP_SYS_NICE); elsewhere the finish stage runs at nice 10 too, which only matters when other work
# takes every core.
NICE = 10


def enabled() -> bool:
    return os.environ.get(ENV_VAR, "").strip().lower() not in OFF


class Finisher:
    """The sender's end of one helper process (see the module's docstring)."""

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[1])  # the evalkit this process runs, for the helper too
        self.command = [sys.executable, "-c", _BOOT.format(root=root)]
        self.proc: subprocess.Popen | None = None
        self.failure: str | None = None  # why the helper was not used, if it was not
        self.answered = False

    def start(self) -> Finisher:
        env = {k: v for k, v in os.environ.items() if k != timings.ENV_VAR}  # its phases come back in its answer
        env.setdefault("OPENBLAS_NUM_THREADS", "1")  # as evalkit.cli.main sets it, which may not have run yet
        try:
            self.proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
            )
        except OSError as exc:
            self.give_up(f"could not start: {type(exc).__name__}")
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ready(self, run_dir: Path, planned: int) -> bool:
        """The store of ``run_dir`` holds the run's suites (``planned`` requests): the helper may read
        them (the baselines). Whether the helper will finish the run; if not, the sender does it all."""
        if planned > MAX_REQUESTS:
            self.give_up(f"more than {MAX_REQUESTS} planned requests")
            return False
        return self._send(("ready", str(run_dir)))

    def finish(self, sent: Sent) -> RunOutcome:
        """Score and report the run: in the helper, or here when the helper cannot."""
        outcome = self._finish(sent)
        if outcome is None:
            from .pipeline import finish

            outcome = finish(sent)
        timings.note("finish", "helper" if self.failure is None else "in process")
        if self.failure is not None:
            timings.note("helper", self.failure)
        return outcome

    def _finish(self, sent: Sent) -> RunOutcome | None:
        if not self._send(("finish", sent)):
            return None
        assert self.proc is not None and self.proc.stdout is not None
        try:
            reply = pickle.load(self.proc.stdout)
        except Exception as exc:  # it died (EOF) or wrote something else: the run finishes here
            self.give_up(f"no answer: {type(exc).__name__}")
            return None
        if not (isinstance(reply, tuple) and reply and reply[0] == "ok" and len(reply) == 5):
            self.give_up(str(reply[1]) if isinstance(reply, tuple) and len(reply) == 2 else "an unexpected answer")
            return None
        _, outcome, phases, notes, console = reply
        self.answered = True
        self.stop()
        timings.extend(phases)
        for key, value in notes.items():
            timings.note(key, value)
        if console:
            sys.stderr.write(console)
        return outcome

    def _send(self, message: tuple[str, Any]) -> bool:
        if self.failure is not None or not self.alive:
            if self.failure is None:
                self.give_up("it ended")
            return False
        assert self.proc is not None and self.proc.stdin is not None
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.write(_HEADER.pack(len(data)) + data)
            self.proc.stdin.flush()
        except Exception as exc:  # a closed pipe, or something that does not pickle
            self.give_up(f"could not be told: {type(exc).__name__}")
            return False
        return True

    def give_up(self, why: str) -> None:
        """The run finishes in its own process: the helper is stopped, and ``why`` kept (the first reason)."""
        if self.failure is None:
            self.failure = why
        self.stop()

    def stop(self) -> None:
        """End the helper: at once unless it has answered (then it is exiting by itself)."""
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        with suppress(OSError, ValueError):
            if proc.stdin is not None:
                proc.stdin.close()
        if not self.answered:  # importing, or computing baselines nobody will read now
            proc.kill()
        try:
            proc.wait(timeout=WAIT_EXIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


_early: Finisher | None = None


def prestart() -> None:
    """Start the helper of the ``evalkit run`` about to begin (evalkit/entry.py), for :func:`started`."""
    global _early
    if _early is None and enabled():
        _early = Finisher().start()


def discard_early() -> None:
    """Stop a helper :func:`prestart` started that no run took."""
    global _early
    if _early is not None:
        _early.give_up("no run took it")
        _early = None


@contextmanager
def started() -> Iterator[Finisher | None]:
    """A helper for ``evalkit run`` (None when ``EVALKIT_FINISH_HELPER=off``): the one :func:`prestart`
    started, else a new one; stopped when the block ends however it ends."""
    global _early
    helper, _early = _early, None
    if not enabled():
        if helper is not None:
            helper.give_up("turned off")
        yield None
        return
    helper = helper or Finisher().start()
    try:
        yield helper
    except BaseException:
        helper.give_up("the run ended early")
        raise
    finally:
        helper.stop()


# --- the helper's side ------------------------------------------------------------------------------


def serve() -> None:
    """The helper process: import, read and score what the send stores, finish the run when given it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the sender's; it stops this process
    _lower_priority(NICE)  # during the send: only what the sender and the endpoint leave of the CPU
    channel = os.fdopen(os.dup(1), "wb")  # answers go to the pipe the sender reads ...
    os.dup2(2, 1)  # ... and nothing else can reach it
    console = io.StringIO()
    sys.stdout = sys.stderr = console  # what the finish stage prints, handed to the sender
    try:
        _serve(sys.stdin.fileno(), channel, console)
    finally:
        with suppress(OSError):
            channel.close()
        os._exit(0)  # nothing left to clean up: every file the finish stage writes is closed


def _serve(inbox: int, channel: BinaryIO, console: io.StringIO) -> None:
    from .preload import FINISH_MODULES

    stored: tuple | None = None  # the run's criteria, suites and vendors as stored, read during the send
    scoring: _Scoring | None = None  # the answers scored as they arrive
    while True:
        if scoring is not None and not _readable(inbox, PRESCORE_EVERY):
            if not scoring.step():
                scoring = None
            continue
        message = _receive(inbox)
        if message is None:  # the end of stdin: the sender is gone or finishes the run itself
            return
        kind, body = message
        if kind == "ready":  # (not before: a run too large for a helper never has two of pandas in memory)
            for name in FINISH_MODULES:
                with suppress(Exception):  # the finish stage imports it again and reports the error
                    importlib.import_module(name)
            with suppress(Exception):  # an optimisation only: the finish stage computes them anyway
                stored = _warm_baselines(Path(body))
                scoring = _Scoring.start(Path(body), stored)
        elif kind == "finish":
            _lower_priority(-NICE)  # back, where the system allows it (root, CAP_SYS_NICE): see NICE
            prescored = scoring.close() if scoring is not None else None
            timings.reset()
            timings.note("prescored", str(len(prescored.rows) if prescored is not None else 0))
            try:
                from .pipeline import finish

                outcome = finish(body, stored=stored, prescored=prescored)
                reply: tuple = ("ok", outcome, timings.phases(), timings.notes(), console.getvalue())
            except BaseException as exc:  # the sender finishes the run itself, and reports the error
                reply = ("error", type(exc).__name__)  # (the type only: timings notes never hold run data)
            with suppress(OSError):
                pickle.dump(reply, channel, protocol=pickle.HIGHEST_PROTOCOL)
                channel.flush()
            return


def _lower_priority(by: int) -> None:
    with suppress(OSError, AttributeError):  # (no os.nice on Windows)
        os.nice(by)


def _readable(fd: int, timeout: float) -> bool:
    """Whether a message has begun to arrive within ``timeout`` seconds."""
    return bool(select.select([fd], [], [], timeout)[0])


def _receive(fd: int) -> tuple[str, Any] | None:
    """The next message, or None at the end of the input (or a message cut short)."""
    head = _read_exactly(fd, _HEADER.size)
    data = _read_exactly(fd, _HEADER.unpack(head)[0]) if head is not None else None
    if data is None:
        return None
    kind, body = pickle.loads(data)
    return str(kind), body


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _warm_baselines(run_dir: Path) -> tuple:
    """The baselines of the run's public suites, as the finish stage will ask for them
    (pipeline.compute_results), into the on-disk cache; and what they were computed from, the run's
    ``load_run``, which the finish stage need not read again (``score_and_report``'s ``stored``)."""
    from .collector import paused
    from .pipeline import load_run
    from .reference.baselines import warm_cache
    from .runner.store import STORE_NAME, RunStore

    with RunStore.reader(run_dir / STORE_NAME) as store, paused():
        stored = load_run(store)
        sealed = store.get_meta("sealed") or {}
    warm_cache(stored[0], [s for s in stored[1] if s.id not in sealed])
    return stored


class _Scoring:
    """The answers of a run without judges or sealed suites, scored as the sender stores them
    (:func:`evalkit.scorers.apply.prescore`), every :data:`PRESCORE_EVERY` seconds while no message
    comes (not where ``select`` cannot wait on a pipe: Windows)."""

    def __init__(self, store: RunStore, done: Prescored) -> None:
        self.store, self.done = store, done

    @classmethod
    def start(cls, run_dir: Path, stored: tuple) -> _Scoring | None:
        from .runner.store import STORE_NAME, RunStore
        from .scorers.apply import Prescored

        if os.name != "posix":
            return None
        store = RunStore.reader(run_dir / STORE_NAME)
        if store.get_meta("judges_ids") or store.get_meta("sealed"):
            store.close()
            return None
        return cls(store, Prescored(stored[1]))

    def step(self) -> bool:
        """Score what arrived; False when that failed (the finish stage scores everything then)."""
        from .collector import paused
        from .scorers.apply import prescore

        try:
            with paused():
                prescore(self.store, self.done)
        except Exception:
            self.done.rows.clear()
            self.store.close()
            return False
        return True

    def close(self) -> Prescored:
        self.store.close()
        return self.done
