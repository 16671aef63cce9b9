"""The Jinja2 environment of the report and of the diff page, with compiled templates kept on disk.

Compiling ``report.html.j2`` and its sections costs about a fifth of a second on every report.
Jinja can keep the compiled template code (Python bytecode, no data of any run) in a folder: the
``templates`` sub-folder of evalkit's cache (:func:`evalkit.cache.cache_dir`); with the cache off
(``EVALKIT_CACHE_DIR=off``) every template is compiled afresh, as before.

Jinja files an entry under the template's name and path and rejects it when the template's source
(its SHA-1) or Jinja's bytecode format or the Python version (a magic header) changed. The compiled
code also depends on the environment's options (autoescape, block trimming), which Jinja does not
check, so every file name also carries the digest of the installed evalkit package and the Jinja
version: a changed option or a new version never loads an old entry. The cache is an optimisation
only: an entry that cannot be read is compiled again, a folder that cannot be created or written
is left alone, and the page is the same either way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape
from jinja2.bccache import Bucket

from ..cache import cache_dir, code_digest

FOLDER = "templates"  # under the cache folder
KEEP = 64  # newest compiled templates kept (about six per version of evalkit)


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's file system bytecode cache that never fails a page: a folder that cannot be created,
    read or written, or a damaged entry, means the template is compiled (again)."""

    def __init__(self, directory: Path) -> None:
        tag = hashlib.sha256(f"{code_digest()}|{jinja2.__version__}".encode()).hexdigest()[:16]
        super().__init__(str(directory), f"report-{tag}-%s.cache")
        self.folder = directory

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable (a file where the folder should be) or damaged (Jinja only
            bucket.reset()  # checks the header, the checksum and marshal): compiled again

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            super().dump_bytecode(bucket)  # Jinja raises when it cannot write its temporary file
            self._prune()
        except OSError:  # a read-only home, a full disk: the page is rendered without the cache
            pass

    def _prune(self) -> None:
        """The newest KEEP entries stay (other versions of evalkit leave theirs behind)."""
        entries = list(self.folder.glob("report-*.cache"))
        if len(entries) <= KEEP:
            return
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)


def bytecode_cache() -> TemplateCache | None:
    """The cache for compiled templates, or None when evalkit's cache is off."""
    base = cache_dir()
    return None if base is None else TemplateCache(base / FOLDER)


def environment(filters: Mapping[str, Callable[..., Any]]) -> Environment:
    """A new environment for the templates in ``evalkit/report/templates`` with ``filters``:
    autoescape everywhere (answers are model output: hostile), blocks trimmed."""
    env = Environment(
        loader=PackageLoader("evalkit", "report/templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=bytecode_cache(),
    )
    env.filters.update(filters)
    return env


def source(env: Environment, name: str) -> str:
    """A template's text as it is (the stylesheet and the script are inlined, not rendered)."""
    assert env.loader is not None, "environment() sets a PackageLoader"
    text, _, _ = env.loader.get_source(env, name)
    return text


__all__ = ["FOLDER", "TemplateCache", "bytecode_cache", "environment", "source"]
