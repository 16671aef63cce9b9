"""Sealed suites: a suite file encrypted with AES-256-GCM, opened only in memory.

File layout (UTF-8 text, LF line ends, nothing else allowed)::

    #evalkit-sealed-suite/1 AES-256-GCM; any change to this file makes it unreadable
    {"cipher":"AES-256-GCM","criterion":...,"format":1,"items":50,...}     <- the clear header
    <base64 of ciphertext+tag, 76 characters a line>

- The header is one line of canonical JSON (sorted keys, no spaces): suite id, version, title,
  criterion, item count, format version, the name of the key's environment variable, the KDF and
  its parameters, the nonce, a key check value and the SHA-256 of the plaintext. The first two
  lines are the AES-GCM associated data, so neither can be edited without the file failing to
  open; the body must be the canonical base64 of the ciphertext, so no byte anywhere can change.
- The key comes from an environment variable: 32 raw bytes written as 64 hex digits or as base64
  (``kdf: raw``), or a passphrase stretched with scrypt (``kdf: scrypt``, salt and cost in the
  header). Encryption, item digests and the key check use separate HKDF-SHA256 subkeys.
- The plaintext is the suite file's exact bytes; it is parsed from memory and never written.

The format and the reading of a sealed file are in ``evalkit.config.sealed_files`` (loading opens
sealed suites, and config is the lowest layer); this module writes sealed files and handles what a
run stores of them.

What a run stores of a sealed suite (``redact_suite``, ``sealed_messages``): ids, the header's
title, tags, flags and scorer kinds; prompts, variables, references, notes and scorer parameters
are replaced by a placeholder and a keyed digest (HMAC-SHA256 under the suite's key), which only a
key holder can check and which tells nobody else anything about the text.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.sealed_files import (
    SUFFIX,
    SealError,
    SealInfo,
    open_sealed,
    seal_bytes,
)
from ..errors import UsageError

if TYPE_CHECKING:
    from ..config.suite import ScorerSpec, Suite
    from ..runner.store import RunStore

SEALED_TEXT = "〔封印〕"  # what the store and reports show instead of sealed text
SEALED_EXPLANATION = "〔封印: 採点の説明は鍵を持つ評価担当者だけが evalkit report --reveal で表示できます〕"
# Models of the embedded reference endpoint whose answer reproduces the item: ``echo`` repeats the
# prompt, ``oracle`` returns the reference answer. Sent a sealed item, they would write its plaintext
# into the store as their "answer" (and from there into every export, report and bundle). They exist
# to check the harness, which the open suites and ``validate --self-check`` (in memory) do, so they
# are never sent a sealed item: their cells are 対象外 with this reason. ``refuse`` (a fixed
# refusal) and ``judge`` (a fixed verdict) repeat nothing and stay.
REPRODUCING_MODELS = frozenset({"echo", "oracle"})
NOT_SENT_REASON = (
    "設問文や参照解答をそのまま返す参照モデルには、封印スイートの設問を送らない（平文がディスクに残るため）"
)


def withheld_from_sealed(vendor: Any) -> bool:
    """True for a vendor that is never sent a sealed item: the embedded reference endpoint's models
    that repeat the item (``REPRODUCING_MODELS``). ``vendor``: a Vendor or its stored settings."""
    if isinstance(vendor, dict):
        provider, model = vendor.get("provider"), vendor.get("model")
    else:
        provider, model = getattr(vendor, "provider", None), getattr(vendor, "model", None)
    return provider == "reference" and isinstance(model, str) and model.split(":", 1)[0] in REPRODUCING_MODELS


def check_sealed_judges(sealed: Iterable[str], judges: Iterable[Any]) -> None:
    """A judge that repeats what it is sent (the reference echo / oracle) cannot judge sealed suites:
    its "verdict" would write the question, the answer and the rubric to disk. UsageError (exit 2)."""
    from ..i18n import tr

    names = sorted(sealed)
    for judge in judges:
        if names and withheld_from_sealed(judge):
            raise UsageError(
                tr(
                    f"判定モデル '{judge.id}' は送られた文をそのまま返す参照モデルのため、封印スイート"
                    f"（{', '.join(names)}）を判定できません（平文がディスクに残ります）。"
                    "--judge ref-judge か実在の判定モデルを指定してください",
                    f"judge '{judge.id}' is a reference model that repeats what it is sent: it cannot judge the "
                    f"sealed suites ({', '.join(names)}) without writing their text to disk; use --judge ref-judge "
                    "or a real judge",
                )
            )


def not_sent(suites: Iterable[str], vendors: Iterable[Any], sealed: Container[str]) -> list[tuple[str, str]]:
    """(suite id, vendor id) of every sealed suite's requests that are not sent (``withheld_from_sealed``).
    ``suites``: suite ids; ``vendors``: Vendors or stored settings; ``sealed``: the sealed suite ids."""
    ids = [str(v["id"] if isinstance(v, dict) else v.id) for v in vendors if withheld_from_sealed(v)]
    return [(sid, vid) for sid in suites if sid in sealed for vid in ids]


# ------------------------------------------------------------------------------------------ redaction
def redact_suite(suite: Suite, info: SealInfo) -> dict[str, Any]:
    """The suite as the run store keeps it: labels only (ids, header title, tags, flags, scorer kinds);
    every text and every scorer parameter is replaced by the placeholder or dropped."""

    def specs(items: list[ScorerSpec] | None) -> list[dict[str, Any]] | None:
        if items is None:
            return None
        return [{"kind": s.kind, "weight": s.weight, "params": {}} for s in items]

    data = suite.model_dump(mode="json")
    out = {
        "schema_version": data.get("schema_version", 1),
        "id": suite.id,
        "version": suite.version,
        "title": info.header.get("title", suite.id),
        "criterion": suite.criterion,
        "description": "",
        "publish": False,
        "critical": suite.critical,
        "prompt": SEALED_TEXT,
        "system_prompt": SEALED_TEXT if suite.system_prompt else None,
        "generation": data.get("generation", {}),
        "scorers": specs(suite.scorers),
        "variants_of": suite.variants_of,
        "items": [
            {
                "id": it.id,
                "tags": list(it.tags),
                "critical": it.critical,
                "expect": it.expect,
                "scorers": specs(it.scorers),
                "turns": [
                    {"user": SEALED_TEXT, "scorers": specs(t.scorers)}
                    if t.user is not None
                    else {"assistant": SEALED_TEXT}
                    for t in it.turns
                ],
            }
            for it in suite.items
        ],
        # derived by the suite's variants: the same labels, and the item each one derives from
        "variant_items": [
            {
                "id": it.id,
                "tags": list(it.tags),
                "critical": it.critical,
                "expect": it.expect,
                "scorers": specs(it.scorers),
                "variant_of": it.variant_of,
            }
            for it in suite.variant_items
        ],
        "tools": [{"name": t.name, "description": SEALED_TEXT} for t in suite.tools],
    }
    return out


def item_digests(suite: Suite, info: SealInfo) -> dict[str, str]:
    return {it.id: info.digest(it.model_dump(mode="json")) for it in suite.items}


def sealed_messages(messages: list[dict[str, Any]], info: SealInfo) -> list[dict[str, Any]]:
    """Messages as the store keeps them: role, placeholder and keyed digest of the content."""
    return [
        {"role": m.get("role"), "content": SEALED_TEXT, "digest": info.digest(m.get("content") or "")} for m in messages
    ]


# ------------------------------------------------------------------------------------------ a run's keys
@dataclass
class Unsealed:
    """The plaintext of a run's sealed suites, in memory, attached to an open RunStore
    (``store.unsealed``) so the score stage and analysis can use it. ``details`` and
    ``explanations`` hold the plaintext scorer output of sealed items, keyed (request key, scorer
    index); the store itself keeps only a placeholder and a keyed digest of them."""

    suites: dict[str, Suite]
    infos: dict[str, SealInfo]
    details: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    explanations: dict[tuple[str, int], str] = field(default_factory=dict)


def open_suite_text(plaintext: bytes, path: Path) -> Suite:
    """Parse and validate a sealed suite's plaintext (from memory) as a Suite model."""
    from ..config.loader import load_model
    from ..config.suite import Suite

    loaded, issues = load_model(path, Suite, text=plaintext.decode("utf-8"))
    if issues or loaded is None:
        first = issues[0] if issues else "invalid suite"
        raise SealError(f"{path}: the sealed suite does not validate: {first}")
    suite: Suite = loaded.model  # load_model(..., Suite) validated it as one
    return suite


def unseal_run(
    store: RunStore,
    *,
    provided: dict[str, tuple[Suite, SealInfo]] | None = None,
    key_env: str | None = None,
    search: tuple[str | Path, ...] = (),
) -> Unsealed | None:
    """Open the sealed suites a run used (``meta.sealed``) and attach them to ``store``.

    ``provided``: {suite_id: (Suite, SealInfo)} already open (the run that just finished). Otherwise
    each file is looked for in ``search`` (files or folders, e.g. ``--sealed`` paths or a bundle's
    ``sealed/`` folder) and at the path recorded in the run; its SHA-256 must be the recorded one.
    """
    recorded = store.get_meta("sealed") or {}
    if not recorded:
        return None
    suites: dict[str, Suite] = {}
    infos: dict[str, SealInfo] = {}
    for suite_id, rec in recorded.items():
        if provided and suite_id in provided:
            suites[suite_id], infos[suite_id] = provided[suite_id]
            continue
        path = _find_sealed(suite_id, rec, search)
        plaintext, info = open_sealed(path, key_env)
        if info.ciphertext_sha256 != rec.get("ciphertext_sha256"):
            raise SealError(
                f"{path}: not the sealed file this run used (SHA-256 {info.ciphertext_sha256[:16]}…, "
                f"the run recorded {str(rec.get('ciphertext_sha256'))[:16]}…)"
            )
        suites[suite_id] = open_suite_text(plaintext, path)
        infos[suite_id] = info
    unsealed = Unsealed(suites=suites, infos=infos)
    store.unsealed = unsealed
    return unsealed


def _find_sealed(suite_id: str, rec: dict[str, Any], search: tuple[str | Path, ...]) -> Path:
    want = rec.get("ciphertext_sha256")
    candidates: list[Path] = []
    for place in search:
        place = Path(place)
        if place.is_dir():
            candidates += sorted(place.rglob(f"*{SUFFIX}"))
        elif place.is_file():
            candidates.append(place)
    recorded = Path(rec.get("path", ""))
    if recorded.is_file():
        candidates.append(recorded)
    for path in candidates:
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() == want:
                return path
        except OSError:
            continue
    raise SealError(
        f"sealed suite '{suite_id}': its file ({rec.get('path')}, SHA-256 {str(want)[:16]}…) is not "
        "found; pass --sealed FILE"
    )


def needs_key_message(store: RunStore) -> str:
    recorded = store.get_meta("sealed") or {}
    names = sorted({str(r.get("key_env")) for r in recorded.values()})
    return (
        f"this run used sealed suites ({', '.join(sorted(recorded))}): scoring and reports need their key "
        f"(environment variable {', '.join(names)}, or --key-env NAME)"
    )


# ------------------------------------------------------------------------------------------ evalkit seal
def seal_files(
    paths: list[Path],
    key_env: str,
    out: Path | None = None,
    *,
    kdf: str = "auto",
    criteria: Path | None = None,
    force: bool = False,
) -> list[tuple[Path, Path, SealInfo]]:
    """Validate and seal suite files (files, or folders of suites). ``out``: the sealed file for one
    suite, or a folder for several (default: beside each source, ``NAME.sealed``). Returns
    (source, sealed file, SealInfo of the written file, opened back as a check)."""
    from ..config.loader import classify, expand_paths, load_workspace

    files, issues = expand_paths(paths)
    if issues:
        raise UsageError(f"{issues[0].file}: no such file or directory")
    files = [f for f in files if classify(f) == "suite"]
    if not files:
        raise SealError(
            "seal: no suite files given (criteria, questionnaires, vendors and sealed files are not sealed)"
        )
    ws = load_workspace(files, criteria)
    ws.raise_if_issues()
    many = len(ws.suites) > 1 or (out is not None and Path(out).is_dir())
    written = []
    for loaded in ws.suites:
        suite = loaded.model
        if suite.source is not None:
            raise SealError(
                f"{loaded.path}: a suite that reads a data source cannot be sealed (its items would stay "
                "in clear on disk); inline the items first"
            )
        target = (
            (Path(out) / (loaded.path.stem + SUFFIX))
            if (out and many)
            else (Path(out) if out else loaded.path.with_suffix(SUFFIX))
        )
        if target.exists() and not force:
            raise SealError(f"{target} exists; pass --force to replace it")
        plaintext = loaded.path.read_bytes()
        meta = {
            "suite": suite.id,
            "version": suite.version,
            "title": suite.title,
            "criterion": suite.criterion,
            "items": len(suite.items),
        }
        text = seal_bytes(plaintext, meta, key_env, kdf=kdf)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
        back, info = open_sealed(target, key_env)  # prove the file opens with the key, byte for byte
        if back != plaintext:
            raise SealError(f"{target}: internal error: the sealed file does not open to the original")
        written.append((loaded.path, target, info))
    return written
