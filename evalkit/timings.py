"""Where a command's time goes, phase by phase (bench/throughput.py reads it).

With ``EVALKIT_TIMINGS=FILE`` in the environment, the phases a command went through (loading the
workspace, preparing and sending the requests, scoring, aggregating, exporting, the report) are
written to FILE as JSON when the command ends: ``{"phases": [[name, seconds], ...]}``, in the order
they ended, and the notes a command left (``"finish": "helper"``: where ``evalkit run`` scored and
reported, evalkit/finisher.py). Without it nothing is written; timing a phase costs two clock reads
either way. The file holds names, durations and those notes only, never anything of a suite, a vendor
or an answer.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ENV_VAR = "EVALKIT_TIMINGS"
_phases: list[tuple[str, float]] = []
_notes: dict[str, str] = {}


@contextmanager
def phase(name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        _phases.append((name, round(time.perf_counter() - start, 6)))


def reset() -> None:
    """Forget the phases and notes so far: a command run in the same process again (the tests) starts
    afresh."""
    _phases.clear()
    _notes.clear()


def phases() -> list[tuple[str, float]]:
    """The phases timed so far (a helper process hands its own to the command that started it)."""
    return list(_phases)


def extend(more: list[tuple[str, float]]) -> None:
    """Add phases timed elsewhere (in a helper process), in their order."""
    _phases.extend((str(name), float(sec)) for name, sec in more)


def note(key: str, value: str) -> None:
    """A fact about how the command ran, written beside the phases."""
    _notes[key] = value


def notes() -> dict[str, str]:
    """The notes so far (a helper process hands its own to the command that started it)."""
    return dict(_notes)


def write() -> None:
    """Write the phases to ``$EVALKIT_TIMINGS`` (if set; a file that cannot be written is skipped)."""
    target = os.environ.get(ENV_VAR)
    if not target:
        return
    with suppress(OSError):
        Path(target).write_text(json.dumps({"phases": _phases, **_notes}, ensure_ascii=False), encoding="utf-8")
