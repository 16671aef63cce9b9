"""`evalkit check-versions`: a suite whose items or scoring changed must carry a new version.

Results of different suite versions must never be mixed silently, so every change to what a
model is asked or how it is scored needs a version bump. This compares each versioned file
(suites and attestation questionnaires) with the file of the same ``id`` at a git revision, after
parsing both as YAML, so comments and formatting do not count, and reports the files whose
content changed while ``version`` did not. Files are matched by id, not by path: the revision's
versioned files under the same folders (``git ls-tree``; for a file argument, its folder) are
read once, so renaming or moving a suite file does not make it "new". A suite whose items come
from a local data file (``source.path``) also counts as changed when that file changed. Files
whose id did not exist at the revision are new and pass.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .loader import YAML_SUFFIXES, classify, expand_entries
from .yamlpos import load_yaml, read_text

# Keys that document a file without changing what is sent to a model or how it is scored.
DOC_KEYS_TOP = frozenset({"version", "title", "description", "canary", "publish", "schema_version"})
DOC_KEYS_ENTRY = frozenset({"note"})  # item / check level


class GitError(Exception):
    """git is missing, the path is not in a repository, or the revision does not exist."""


@dataclass
class VersionCheck:
    path: Path
    status: str  # unchanged | bumped | new | stale | skipped
    version: str | None = None
    what: str = "items or scoring"
    renamed_from: str | None = None  # the path of the same id at the revision, when it differs

    def message(self, base: str) -> str:
        was = f" ({self.renamed_from} at {base})" if self.renamed_from else ""
        return f'{self.path}: {self.what} changed since {base}{was} but version is still "{self.version}"'


def scoring_content(data: Any) -> Any:
    """The part of a suite / questionnaire that a version stands for."""
    if not isinstance(data, dict):
        return data
    out = {k: v for k, v in data.items() if k not in DOC_KEYS_TOP}
    for key in ("items", "checks"):
        if isinstance(out.get(key), list):
            out[key] = [
                {k: v for k, v in entry.items() if k not in DOC_KEYS_ENTRY} if isinstance(entry, dict) else entry
                for entry in out[key]
            ]
    return out


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8")
    except FileNotFoundError:
        raise GitError("git is not installed") from None


def verify_revision(base: str, cwd: Path) -> None:
    proc = _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd)
    if proc.returncode != 0:
        inside = _git(["rev-parse", "--is-inside-work-tree"], cwd)
        if inside.returncode != 0:
            raise GitError(f"{cwd}: not inside a git repository")
        raise GitError(f"unknown git revision '{base}'")


def file_at(base: str, path: Path) -> str | None:
    """The text of ``path`` at revision ``base``, or None when it did not exist there."""
    proc = _git(["show", f"{base}:./{path.name}"], path.parent)
    if proc.returncode == 0:
        return proc.stdout
    err = proc.stderr.lower()
    if "does not exist" in err or "exists on disk, but not in" in err:
        return None
    raise GitError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"git show failed for {path}")


def _parse(path: Path, text: str | None) -> Any:
    """The YAML data of ``text`` (None when it does not parse: `evalkit validate` reports it).

    Read with the loader's parser: aliases that expand too far and duplicate keys are refused
    there, never expanded here."""
    if text is None:
        return None
    doc, _ = load_yaml(path, text)
    return doc.data if doc is not None else None


@dataclass
class _BaseFile:
    name: str  # path at the revision, from the top of the repository
    shown: str  # the same path as the user would write it (for messages)
    data: Any


class _Revision:
    """The versioned files of one revision of one repository, read once and indexed by id."""

    def __init__(self, base: str, top: Path):
        self.base = base
        self.top = top
        self.by_id: dict[tuple[str, str], list[_BaseFile]] = {}
        self.searched: set[str] = set()

    def rel(self, path: Path) -> str | None:
        """``path`` relative to the top of the repository (posix), or None when it is outside."""
        rel = os.path.relpath(os.path.realpath(path), self.top)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None
        return Path(rel).as_posix()

    def blobs(self, names: list[str]) -> dict[str, bytes | None]:
        """The content of ``names`` at the revision (None: not there), in one ``git cat-file``."""
        if not names:
            return {}
        try:
            proc = subprocess.run(
                ["git", "cat-file", "--batch"],
                cwd=self.top,
                capture_output=True,
                input="".join(f"{self.base}:{name}\n" for name in names).encode("utf-8"),
            )
        except FileNotFoundError:
            raise GitError("git is not installed") from None
        if proc.returncode != 0:
            raise GitError(proc.stderr.decode("utf-8", "replace").strip() or "git cat-file failed")
        out: dict[str, bytes | None] = {}
        data, pos = proc.stdout, 0
        for name in names:
            end = data.index(b"\n", pos)
            header = data[pos:end].decode("utf-8", "replace").split()
            pos = end + 1
            if len(header) == 3 and header[2].isdigit():  # "<sha> <type> <size>", then the content
                size = int(header[2])
                out[name] = data[pos : pos + size] if header[1] == "blob" else None
                pos += size + 1
            else:  # "<object> missing"
                out[name] = None
        return out

    def search(self, folder: Path, root: Path | None) -> None:
        """Index the versioned files under ``folder`` at the revision (``root``: the directory
        argument it stands for, or None for the folder of a file argument)."""
        rel = self.rel(folder)
        if rel is None or any(done in (".", rel) or rel.startswith(done + "/") for done in self.searched):
            return
        self.searched.add(rel)
        args = ["ls-tree", "-r", "-z", "--name-only", "--full-tree", self.base]
        proc = _git(args + (["--", rel] if rel != "." else []), self.top)
        if proc.returncode != 0:
            raise GitError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "git ls-tree failed")
        names = [n for n in proc.stdout.split("\0") if n.endswith(YAML_SUFFIXES) and "\n" not in n]
        for name, blob in self.blobs(names).items():
            if blob is None:
                continue
            inner = posixpath.relpath(name, rel) if rel != "." else name
            here = Path(os.path.abspath(folder)) / inner  # where it would be in the working tree
            try:
                text = blob.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
            except UnicodeDecodeError:
                continue
            data = _parse(here, text)
            if not isinstance(data, dict) or "version" not in data or not isinstance(data.get("id"), str):
                continue
            kind = classify(here, data, root=root)
            if kind not in ("suite", "attestation"):
                continue
            shown = os.path.relpath(here) if not os.path.relpath(here).startswith(os.pardir) else str(here)
            self.by_id.setdefault((kind, data["id"]), []).append(_BaseFile(name, shown, data))

    def find(self, kind: str, ident: Any, path: Path) -> _BaseFile | None:
        """The file of ``ident`` at the revision (the one at the same path when there are several)."""
        if not isinstance(ident, str):
            return None
        candidates = self.by_id.get((kind, ident)) or []
        same = self.rel(path)
        for candidate in candidates:
            if candidate.name == same:
                return candidate
        return candidates[0] if candidates else None


def _toplevel(cwd: Path) -> Path:
    proc = _git(["rev-parse", "--show-toplevel"], cwd)
    if proc.returncode != 0:
        raise GitError(f"{cwd}: not inside a git repository")
    return Path(proc.stdout.strip())


def _local_source(data: Any) -> str | None:
    """A suite's local data file (``source.path``, no glob or ${VAR}), relative to the suite."""
    source = data.get("source") if isinstance(data, dict) else None
    if not isinstance(source, dict) or source.get("kind") == "hf":
        return None
    rel = source.get("path")
    if not isinstance(rel, str) or any(ch in rel for ch in "*?[$") or Path(rel).is_absolute():
        return None
    return rel


def _data_file_changed(rev: _Revision, suite_path: Path, data: dict[str, Any], old: _BaseFile | None) -> bool:
    """The suite's local data file differs from the one its revision's file read."""
    rel = _local_source(data)
    if rel is None:
        return False
    try:
        current: bytes | None = (suite_path.parent / rel).read_bytes()
    except OSError:
        current = None
    old_rel = _local_source(old.data) if old is not None else None
    name: str | None
    if old is not None and old_rel is not None:
        name = posixpath.normpath(posixpath.join(posixpath.dirname(old.name), old_rel))
    else:
        name = rev.rel(suite_path.parent / rel)
    if name is None or name.startswith("../"):
        return current is not None
    return current != rev.blobs([name]).get(name)


def check_versions(paths: Iterable[Path], base: str = "HEAD") -> list[VersionCheck]:
    paths = [Path(p) for p in paths]
    entries, missing = expand_entries(paths)
    if missing:
        raise GitError(f"{missing[0].file}: no such file or directory")
    results: list[VersionCheck] = []
    versioned: list[tuple[Path, str, dict[str, Any]]] = []  # path, kind, data
    for entry in entries:
        path = entry.path
        if classify(path, root=entry.root) in ("criteria", "sealed"):
            continue
        text, _ = read_text(path)
        current = _parse(path, text)
        kind = classify(path, current, root=entry.root)
        if kind == "vendor":
            continue
        if not isinstance(current, dict) or "version" not in current:
            results.append(VersionCheck(path, "skipped"))  # `evalkit validate` reports it
            continue
        versioned.append((path, kind, current))
    if not versioned:
        return results
    verify_revision(base, versioned[0][0].parent)
    # every folder first: a file moved between the folders given is found under its id
    revisions: dict[Path, _Revision] = {}
    tops: dict[str, Path] = {}

    def revision(folder: Path) -> _Revision:
        key = os.path.abspath(folder)
        if key not in tops:
            tops[key] = _toplevel(folder)
        top = tops[key]
        if top not in revisions:
            revisions[top] = _Revision(base, top)
        return revisions[top]

    for given in paths:  # every folder given, also one that no longer holds a versioned file
        folder = given if given.is_dir() else given.parent
        revision(folder).search(folder, given if given.is_dir() else None)
    for path, kind, current in versioned:
        rev = revision(path.parent)
        what = "checks" if kind == "attestation" else "items or scoring"
        version = str(current.get("version"))
        old = rev.find(kind, current.get("id"), path)
        if old is None and not isinstance(current.get("id"), str):
            # no usable id (validate reports it): compare with the same path
            name = rev.rel(path)
            blob = rev.blobs([name]).get(name) if name else None
            if name and blob is not None:
                old = _BaseFile(name, str(path), _parse(path, blob.decode("utf-8", "replace")))
        if old is None:
            results.append(VersionCheck(path, "new", version, what))
            continue
        renamed = old.shown if old.name != rev.rel(path) else None
        old_version = str(old.data.get("version")) if isinstance(old.data, dict) else None
        if old_version != version:
            results.append(VersionCheck(path, "bumped", version, what, renamed))
        elif scoring_content(old.data) != scoring_content(current) or _data_file_changed(rev, path, current, old):
            results.append(VersionCheck(path, "stale", version, what, renamed))
        else:
            results.append(VersionCheck(path, "unchanged", version, what, renamed))
    return results
