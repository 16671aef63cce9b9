"""An on-disk cache for results that are a pure function of their inputs and of evalkit's own code.

Only what is expensive, deterministic and free of secrets goes here:

- the refuse and echo baselines (:mod:`evalkit.reference.baselines`), which score every item of the
  run's public suites twice and cost a quarter of a default run, although they change only when the
  suites, the criteria or the scoring code change — and an evaluator runs vendor after vendor on the
  same tree;
- that a public suite passed its cross-checks (:func:`evalkit.config.loader.check_suite`: every
  scorer built and every item checked against it, most of the time any command spends loading a
  large tree). Only a clean result is kept (an empty list): a suite with a problem is checked, and
  its problems reported with their positions, every time. Sealed suites are never kept, not even
  as a digest of their text;
- the compiled report templates (:mod:`evalkit.report.templating`, in the ``templates``
  sub-folder): Jinja's Python bytecode of evalkit's own ``report/templates`` files, which would
  otherwise be compiled on every report. Template code only, never any data of a run; an entry is
  used only for the same template text (Jinja's checksum), Jinja and Python version, and code of
  evalkit (:func:`code_digest`, in the file name).

The key of a JSON entry is the SHA-256 of the inputs (canonical JSON) and of every file of the
installed ``evalkit`` package (:func:`code_digest`), so an edited scorer, a new version or a changed
suite never reads an old entry. A JSON entry holds scores and gate statuses only: never an item's
text, a prompt or an answer (sealed suites are kept out of the baselines before they get here).

Where: ``$EVALKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/evalkit``, else ``~/.cache/evalkit``.
``EVALKIT_CACHE_DIR=off`` (or empty) turns it off. The cache is an optimisation and nothing more:
an entry that cannot be read or parsed is recomputed, one that cannot be written is skipped, and
the result is the same JSON value (or page) either way. ``verify`` never reads it
(:func:`cache_disabled`): a bundle is re-derived from its store alone.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from .integrity.hashing import sha256_json

ENV_VAR = "EVALKIT_CACHE_DIR"
OFF = ("", "off", "0", "no", "false")
# entries kept per kind (the newest): baselines are a few KB each; a suite check is an empty list, one
# per suite file of every tree checked (a test session checks thousands of small ones), and so are a
# suite's self-check (nothing) and probe check (its tally); a near-duplicate check is one line
KEEP = {"baselines": 64, "suite-check": 8192, "probe-check": 8192, "self-check": 8192, "near-duplicates": 64}
T = TypeVar("T")


_disabled = 0  # > 0 inside cache_disabled()


@contextmanager
def cache_disabled() -> Iterator[None]:
    """Compute everything afresh inside: ``verify`` re-derives a bundle's exports from its store
    alone, and must not take a single number from this machine's cache."""
    global _disabled
    _disabled += 1
    try:
        yield
    finally:
        _disabled -= 1


def cache_dir(env: dict[str, str] | None = None) -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if _disabled and env is None:
        return None
    env = dict(os.environ) if env is None else env
    value = env.get(ENV_VAR)
    if value is not None:
        return None if value.strip().lower() in OFF else Path(value).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evalkit"


def package_digest(root: Path) -> str:
    """SHA-256 over the relative path and bytes of every file under ``root`` (compiled files aside)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        if path.suffix in (".pyc", ".pyo"):
            continue
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of the evalkit package this process runs (read once per process, a few ms)."""
    return package_digest(Path(__file__).resolve().parent)


def cached_json(kind: str, inputs: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``'s JSON value, read from the cache when ``kind`` was computed from the same
    ``inputs`` by the same code before, else computed and stored."""
    found = read_entry(kind, inputs)
    if found is not None:
        return found[0]
    value = _as_json(compute())
    write_entry(kind, inputs, value)
    return value


def clean_once(
    kind: str, inputs: Callable[[], Any] | None, check: Callable[[], tuple[list[T], Any]]
) -> tuple[list[T], Any]:
    """``check()``'s (issues, JSON value), or ([], the stored value) when the same code found the same
    inputs clean before. Only clean outcomes are stored, so every issue is always found afresh, at its
    line. ``inputs`` is called only when the cache is on; None: never cached (sealed or partial files)."""
    if inputs is None or cache_dir() is None:
        return check()
    key = inputs()
    found = read_entry(kind, key)
    if found is not None:
        return [], found[0]
    issues, value = check()
    if issues:
        return issues, value
    value = _as_json(value)
    write_entry(kind, key, value)
    return issues, value


def _entry(kind: str, inputs: Any) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"{kind}-{sha256_json({'code': code_digest(), 'inputs': inputs})}.json"


def read_entry(kind: str, inputs: Any) -> tuple[Any] | None:
    """(the stored value,) for ``kind`` and ``inputs``, or None (absent, damaged, or the cache is off)."""
    path = _entry(kind, inputs)
    if path is None:
        return None
    try:
        return (json.loads(path.read_text(encoding="utf-8")),)
    except (OSError, ValueError):  # absent, unreadable or damaged: the caller computes it again
        return None


def write_entry(kind: str, inputs: Any, value: Any) -> None:
    """Store ``value`` (JSON) for ``kind`` and ``inputs``; silently nothing when that is not possible."""
    path = _entry(kind, inputs)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)  # readers see the whole entry or none
        _prune(path.parent, kind)
    except OSError:  # a read-only home, a full disk: the run goes on without the cache
        pass


def _as_json(value: Any) -> Any:
    """The value as the cache gives it back, so a computed and a cached result are the same."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _prune(folder: Path, kind: str) -> None:
    """The newest KEEP[kind] entries of ``kind`` stay, the rest go."""
    keep = KEEP.get(kind, 64)
    entries = list(folder.glob(f"{kind}-*.json"))
    if len(entries) <= keep:
        return
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        old.unlink(missing_ok=True)
