"""`evalkit check-versions`: a suite whose items or scoring changed must carry a new version.

Results of different suite versions must never be mixed silently, so every change to what a
model is asked or how it is scored needs a version bump. This compares each versioned file
(suites and attestation questionnaires) with the same path at a git revision (``git show
REV:path``) after parsing both as YAML, so comments and formatting do not count, and reports
the files whose content changed while ``version`` did not. A suite whose items come from a local
data file (``source.path``) also counts as changed when that file changed. Files that do not exist
at the revision are new and pass.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from .loader import classify, expand_paths

# Keys that document a file without changing what is sent to a model or how it is scored.
DOC_KEYS_TOP = frozenset({"version", "title", "description", "canary", "publish", "schema_version"})
DOC_KEYS_ENTRY = frozenset({"note"})  # item / check level


class GitError(Exception):
    """git is missing, the path is not in a repository, or the revision does not exist."""


@dataclass
class VersionCheck:
    path: Path
    status: str  # unchanged | bumped | new | stale | skipped
    version: Optional[str] = None
    what: str = "items or scoring"

    def message(self, base: str) -> str:
        return f'{self.path}: {self.what} changed since {base} but version is still "{self.version}"'


def scoring_content(data: Any) -> Any:
    """The part of a suite / questionnaire that a version stands for."""
    if not isinstance(data, dict):
        return data
    out = {k: v for k, v in data.items() if k not in DOC_KEYS_TOP}
    for key in ("items", "checks"):
        if isinstance(out.get(key), list):
            out[key] = [{k: v for k, v in entry.items() if k not in DOC_KEYS_ENTRY} if isinstance(entry, dict)
                        else entry for entry in out[key]]
    return out


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
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


def file_at(base: str, path: Path) -> Optional[str]:
    """The text of ``path`` at revision ``base``, or None when it did not exist there."""
    proc = _git(["show", f"{base}:./{path.name}"], path.parent)
    if proc.returncode == 0:
        return proc.stdout
    err = proc.stderr.lower()
    if "does not exist" in err or "exists on disk, but not in" in err:
        return None
    raise GitError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"git show failed for {path}")


def _data_file_changed(base: str, suite_path: Path, data: dict) -> bool:
    """A suite's local data file (``source.path``, no glob or ${VAR}) differs from the revision."""
    source = data.get("source")
    if not isinstance(source, dict) or source.get("kind") == "hf":
        return False
    rel = source.get("path")
    if not isinstance(rel, str) or any(ch in rel for ch in "*?[$") or Path(rel).is_absolute():
        return False
    path = suite_path.parent / rel
    try:
        current = path.read_bytes()
    except OSError:
        current = None
    proc = subprocess.run(["git", "show", f"{base}:./{path.name}"], cwd=path.parent if path.parent.is_dir()
                          else suite_path.parent, capture_output=True)
    old = proc.stdout if proc.returncode == 0 else None
    return current != old


def check_versions(paths: Iterable[Path], base: str = "HEAD") -> list[VersionCheck]:
    files, missing = expand_paths(paths)
    if missing:
        raise GitError(f"{missing[0].file}: no such file or directory")
    results: list[VersionCheck] = []
    checked_rev = False
    for path in files:
        if classify(path) in ("criteria", "vendor"):
            continue
        try:
            current = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            results.append(VersionCheck(path, "skipped"))  # `evalkit validate` reports it
            continue
        if not isinstance(current, dict) or "version" not in current:
            results.append(VersionCheck(path, "skipped"))
            continue
        if not checked_rev:
            verify_revision(base, path.parent)
            checked_rev = True
        what = "checks" if classify(path) == "attestation" else "items or scoring"
        version = str(current.get("version"))
        old_text = file_at(base, path)
        if old_text is None:
            results.append(VersionCheck(path, "new", version, what))
            continue
        try:
            old = yaml.safe_load(old_text)
        except yaml.YAMLError:
            old = None
        old_version = str(old.get("version")) if isinstance(old, dict) else None
        if old_version != version:
            results.append(VersionCheck(path, "bumped", version, what))
        elif scoring_content(old) != scoring_content(current) or _data_file_changed(base, path, current):
            results.append(VersionCheck(path, "stale", version, what))
        else:
            results.append(VersionCheck(path, "unchanged", version, what))
    return results
