"""Pre-registration: the hash of the rules, fixed before any vendor answers.

Before the first request of a run, evalkit hashes

- the criteria tree as data (ids, weights, gates, clauses: canonical JSON of the validated tree)
  and the criteria file's bytes,
- every attestation questionnaire (file bytes and the checks as data),
- every suite (file bytes; for a sealed suite the ciphertext file and the plaintext inside it;
  for a suite reading a data source also the hash of the items read),

and one digest over all of them. The digest is printed, stored in the run (``meta.preregistration``,
with the time it was computed) and shown in the report, so anyone can check that the rules of
the published report are the ones fixed before the first answer arrived (the report and ``verify``
compare that time with the first response's). ``evalkit prereg`` prints the same digest without
running, so it can be published before the test day.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import tr
from .hashing import sha256_file, sha256_json

if TYPE_CHECKING:
    from ..config.loader import Loaded, Workspace


def now_ms() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def sealed_entry(path: Path) -> tuple[str, dict[str, Any]]:
    """(suite id, pre-registration entry) of a sealed file from its clear header alone — no key needed.
    It equals the entry of a run that opened the file: the run checks that the decrypted plaintext
    has the header's SHA-256."""
    from ..config.sealed_files import read_header

    header, _, _, data = read_header(path)
    return str(header.get("suite")), {
        "path": str(path),
        "version": header.get("version"),
        "items": header.get("items"),
        "file_sha256": hashlib.sha256(data).hexdigest(),
        "sealed": True,
        "ciphertext_sha256": hashlib.sha256(data).hexdigest(),
        "plaintext_sha256": header.get("plaintext_sha256"),
    }


def preregistration(
    ws: Workspace, suites: list[Loaded] | None = None, sealed_files: tuple[str | Path, ...] = ()
) -> dict[str, Any]:
    """The pre-registration block of a workspace (``suites``: the suites of this run, default all;
    ``sealed_files``: sealed suites not opened, hashed from their headers)."""
    suites = ws.suites if suites is None else suites
    sealed = getattr(ws, "sealed", {}) or {}
    block: dict[str, Any] = {"algorithm": "sha256"}
    if ws.criteria is not None:
        block["criteria"] = {
            "path": str(ws.criteria.path),
            "file_sha256": sha256_file(ws.criteria.path),
            "tree_sha256": sha256_json(ws.criteria.model.model_dump(mode="json")),
        }
    block["attestation"] = {
        q.model.id: {
            "path": str(q.path),
            "version": q.model.version,
            "file_sha256": sha256_file(q.path),
            "checks_sha256": sha256_json(q.model.model_dump(mode="json")),
        }
        for q in sorted(ws.attestation, key=lambda x: x.model.id)
    }
    entries: dict[str, dict[str, Any]] = {}
    for s in sorted(suites, key=lambda x: x.model.id):
        entry: dict[str, Any] = {
            "path": str(s.path),
            "version": s.model.version,
            "items": len(s.model.items),
            "file_sha256": sha256_file(s.path),
        }
        info = sealed.get(s.model.id)
        if info is not None:
            entry.update(sealed=True, ciphertext_sha256=info.ciphertext_sha256, plaintext_sha256=info.plaintext_sha256)
        dataset = getattr(s.model, "_dataset", None)
        if dataset and dataset.get("items_sha256"):
            entry["data_sha256"] = dataset["items_sha256"]
        entries[s.model.id] = entry
    for path in sealed_files:
        sid, entry = sealed_entry(Path(path))
        entries.setdefault(sid, entry)
    block["suites"] = dict(sorted(entries.items()))
    block["digest"] = digest_of(block)
    return block


def digest_of(block: dict[str, Any]) -> str:
    """The digest of a block: it covers the rules, not where the files happened to lie (paths) nor
    when it was computed. Recomputing it detects an edited block."""
    rules = {
        "criteria": {k: v for k, v in block.get("criteria", {}).items() if k != "path"},
        "attestation": {
            k: {f: v for f, v in e.items() if f != "path"} for k, e in block.get("attestation", {}).items()
        },
        "suites": {k: {f: v for f, v in e.items() if f != "path"} for k, e in block.get("suites", {}).items()},
    }
    return sha256_json(rules)


def one_line(block: dict[str, Any]) -> str:
    """The line printed before a run and by ``evalkit prereg``. Its head, ``pre-registration
    sha256:<digest>``, is the same in both languages: it is what gets published and what scripts read."""
    n_sealed = sum(1 for e in block.get("suites", {}).values() if e.get("sealed"))
    tree = block.get("criteria", {}).get("tree_sha256", "")[:12]
    sealed = tr(f"（うち封印 {n_sealed} 件）", f" ({n_sealed} sealed)") if n_sealed else ""
    head = f"pre-registration sha256:{block['digest']}"
    n_questionnaires, n_suites = len(block.get("attestation", {})), len(block.get("suites", {}))
    return tr(
        f"{head} — 評価基準ツリー {tree}…、質問票 {n_questionnaires} 件、スイート {n_suites} 件{sealed}",
        f"{head} — criteria tree {tree}…, {n_questionnaires} questionnaire(s), {n_suites} suite(s){sealed}",
    )
