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

What a run stores of a sealed suite (``redact_suite``, ``sealed_messages``): ids, the header's
title, tags, flags and scorer kinds; prompts, variables, references, notes and scorer parameters
are replaced by a placeholder and a keyed digest (HMAC-SHA256 under the suite's key), which only a
key holder can check and which tells nobody else anything about the text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac as _hmac
import json
import os
import re
import secrets
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from ..errors import UsageError

FORMAT = 1
SUFFIX = ".sealed"
MAGIC = "#evalkit-sealed-suite/1 AES-256-GCM; any change to this file makes it unreadable"
CIPHER = "AES-256-GCM"
SEALED_TEXT = "〔封印〕"  # what the store and reports show instead of sealed text
SEALED_EXPLANATION = "〔封印: 採点の説明は鍵を持つ評価担当者だけが evalkit report --reveal で表示できます〕"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1
MIN_PASSPHRASE = 16
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")
# base64 of 32 bytes in its padded form (as base64.b64encode writes it), or with an explicit prefix:
# an unpadded 43-character word could be a passphrase, which must be stretched, not decoded
_B64_KEY = re.compile(r"^(base64:[A-Za-z0-9+/_\-]{43}=?|[A-Za-z0-9+/_\-]{43}=)$")


class SealError(UsageError):
    """A sealed file cannot be opened (no key, wrong key, modified) or written."""


# ------------------------------------------------------------------------------------------ keys
def _env_value(name: str, what: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SealError(f"{what}: environment variable {name} is not set (it must hold the suite key)")
    return value


def parse_raw_key(value: str) -> Optional[bytes]:
    """32 raw bytes from 64 hex digits or base64 (standard or URL-safe, padded ``…=`` or prefixed
    ``base64:``); None for anything else (a passphrase)."""
    value = value.strip()
    if _HEX_KEY.match(value):
        return bytes.fromhex(value)
    if _B64_KEY.match(value):
        value = value.removeprefix("base64:")
        try:
            raw = base64.b64decode(value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4),
                                   validate=True)
        except (binascii.Error, ValueError):
            return None
        return raw if len(raw) == 32 else None
    return None


def _hkdf(master: bytes, purpose: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"evalkit/sealed/v1/{purpose}".encode()).derive(master)


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _key_check(master: bytes) -> str:
    return _hmac.new(_hkdf(master, "check"), b"evalkit sealed key check", hashlib.sha256).hexdigest()[:32]


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass
class SealInfo:
    """What is known of one opened sealed suite. Holds the digest subkey in memory only."""

    suite_id: str
    path: Path
    header: dict
    ciphertext_sha256: str
    plaintext_sha256: str
    key_env: str
    _mac_key: bytes = field(repr=False, default=b"")

    def digest(self, value: Any) -> str:
        """Keyed digest of ``value`` (canonical JSON): checkable only with the suite's key."""
        data = value.encode("utf-8") if isinstance(value, str) else canonical(value)
        return "hmac-sha256:" + _hmac.new(self._mac_key, data, hashlib.sha256).hexdigest()

    def record(self) -> dict:
        """What the run store keeps (``meta.sealed``): header and hashes, never text or keys."""
        return {"path": str(self.path), "header": self.header, "ciphertext_sha256": self.ciphertext_sha256,
                "plaintext_sha256": self.plaintext_sha256, "key_env": self.key_env}


# ------------------------------------------------------------------------------------------ write
def seal_bytes(plaintext: bytes, meta: dict, key_env: str, *, kdf: str = "auto") -> str:
    """The sealed file text for ``plaintext`` (a suite file's bytes); ``meta``: suite, version,
    title, criterion, items. The key is read from ``key_env``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    value = _env_value(key_env, "seal")
    raw = parse_raw_key(value)
    if kdf == "raw" and raw is None:
        raise SealError(f"seal: {key_env} does not hold a raw 32-byte key (64 hex digits or base64)")
    if kdf == "scrypt" or (kdf == "auto" and raw is None):
        if len(value) < MIN_PASSPHRASE:
            raise SealError(f"seal: the passphrase in {key_env} is shorter than {MIN_PASSPHRASE} characters; use a "
                            "longer one or a random key: python -c \"import secrets; print(secrets.token_hex(32))\"")
        salt = secrets.token_bytes(16)
        master = _scrypt(value, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        kdf_params = {"name": "scrypt", "salt": base64.b64encode(salt).decode("ascii"),
                      "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    else:
        master = raw
        kdf_params = {"name": "raw"}
    nonce = secrets.token_bytes(12)
    header = {**meta, "format": FORMAT, "cipher": CIPHER, "key_env": key_env, "kdf": kdf_params,
              "nonce": base64.b64encode(nonce).decode("ascii"), "key_check": _key_check(master),
              "plaintext_sha256": hashlib.sha256(plaintext).hexdigest(),
              "sealed_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    head = canonical(header).decode("utf-8")
    aad = (MAGIC + "\n" + head).encode("utf-8")
    body = AESGCM(_hkdf(master, "enc")).encrypt(nonce, plaintext, aad)
    return MAGIC + "\n" + head + "\n" + _wrap(body) + "\n"


def _wrap(data: bytes) -> str:
    return "\n".join(textwrap.wrap(base64.b64encode(data).decode("ascii"), 76)) or ""


# ------------------------------------------------------------------------------------------ read
def read_header(path: Path) -> tuple[dict, str, bytes, bytes]:
    """(header, header line, ciphertext, file bytes); SealError when the layout is broken."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SealError(f"{path}: cannot read the sealed file: {exc.strerror}") from None
    damaged = f"{path}: not a readable sealed suite (damaged or modified"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SealError(f"{damaged}: not UTF-8 text)") from None
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != MAGIC:
        raise SealError(f"{damaged}: the first line is not the evalkit sealed-suite marker)")
    if lines[-1] != "" or any(not line for line in lines[2:-1]):
        raise SealError(f"{damaged}: unexpected blank lines or no final newline)")
    try:
        header = json.loads(lines[1])
    except ValueError:
        raise SealError(f"{damaged}: the header line is not valid JSON)") from None
    if not isinstance(header, dict) or canonical(header).decode("utf-8") != lines[1]:
        raise SealError(f"{damaged}: the header line was edited)")
    body_text = "\n".join(lines[2:-1])
    try:
        body = base64.b64decode(body_text.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise SealError(f"{damaged}: the encrypted body is not valid base64)") from None
    if _wrap(body) != body_text:
        raise SealError(f"{damaged}: the encrypted body was edited)")
    if header.get("format") != FORMAT or header.get("cipher") != CIPHER:
        raise SealError(f"{path}: sealed-suite format {header.get('format')!r} / cipher {header.get('cipher')!r} "
                        f"is not supported (this evalkit reads format {FORMAT}, {CIPHER})")
    return header, lines[1], body, data


def _master_key(header: dict, path: Path, key_env: str) -> bytes:
    value = _env_value(key_env, str(path))
    kdf = header.get("kdf") or {}
    if kdf.get("name") == "raw":
        raw = parse_raw_key(value)
        if raw is None:
            raise SealError(f"{path}: wrong key: {key_env} does not hold a raw 32-byte key, and this file was "
                            "sealed with one")
        return raw
    if kdf.get("name") == "scrypt":
        try:
            salt = base64.b64decode(kdf["salt"], validate=True)
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise SealError(f"{path}: not a readable sealed suite (damaged header: kdf)") from None
        if not (2 <= n <= 2 ** 20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16 and len(salt) >= 8):
            raise SealError(f"{path}: not a readable sealed suite (scrypt parameters out of range)")
        return _scrypt(value, salt, n, r, p)
    raise SealError(f"{path}: not a readable sealed suite (unknown kdf {kdf.get('name')!r})")


def open_sealed(path: Path, key_env: Optional[str] = None) -> tuple[bytes, SealInfo]:
    """Decrypt ``path`` in memory: (plaintext bytes, SealInfo). ``key_env`` overrides the header's
    variable name. One-line SealError for a missing or wrong key and for any modification."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = Path(path)
    header, head, body, data = read_header(path)
    env = key_env or header.get("key_env")
    if not isinstance(env, str) or not env:
        raise SealError(f"{path}: the header names no key variable; pass --key-env NAME")
    master = _master_key(header, path, env)
    if not _hmac.compare_digest(_key_check(master), str(header.get("key_check", ""))):
        raise SealError(f"{path}: wrong key: {env} does not open this sealed suite (or its header was modified)")
    try:
        nonce = base64.b64decode(header["nonce"], validate=True)
        plaintext = AESGCM(_hkdf(master, "enc")).decrypt(nonce, body, (MAGIC + "\n" + head).encode("utf-8"))
    except (InvalidTag, KeyError, ValueError, binascii.Error):
        raise SealError(f"{path}: the sealed file was modified or damaged (authentication failed); "
                        "use an unaltered copy") from None
    digest = hashlib.sha256(plaintext).hexdigest()
    if digest != header.get("plaintext_sha256"):
        raise SealError(f"{path}: the sealed file was modified (plaintext hash differs from its header)")
    info = SealInfo(suite_id=str(header.get("suite")), path=path, header=header,
                    ciphertext_sha256=hashlib.sha256(data).hexdigest(), plaintext_sha256=digest, key_env=env,
                    _mac_key=_hkdf(master, "mac"))
    return plaintext, info


def header_problems(header: dict, suite: Any) -> list[str]:
    """Differences between the clear header and the suite it encloses (a forged header)."""
    want = {"suite": suite.id, "version": suite.version, "criterion": suite.criterion, "items": len(suite.items),
            "title": suite.title}
    return [f"header {k} {header.get(k)!r} differs from the sealed suite's {v!r}"
            for k, v in want.items() if header.get(k) != v]


# ------------------------------------------------------------------------------------------ redaction
def redact_suite(suite: Any, info: SealInfo) -> dict:
    """The suite as the run store keeps it: labels only (ids, header title, tags, flags, scorer kinds);
    every text and every scorer parameter is replaced by the placeholder or dropped."""

    def specs(items: Optional[list]) -> Optional[list]:
        if items is None:
            return None
        return [{"kind": s.kind, "weight": s.weight, "params": {}} for s in items]

    data = suite.model_dump(mode="json")
    out = {
        "schema_version": data.get("schema_version", 1), "id": suite.id, "version": suite.version,
        "title": info.header.get("title", suite.id), "criterion": suite.criterion, "description": "",
        "publish": False, "critical": suite.critical, "prompt": SEALED_TEXT,
        "system_prompt": SEALED_TEXT if suite.system_prompt else None, "generation": data.get("generation", {}),
        "scorers": specs(suite.scorers), "variants_of": suite.variants_of,
        "items": [{"id": it.id, "tags": list(it.tags), "critical": it.critical, "expect": it.expect,
                   "scorers": specs(it.scorers)} for it in suite.items],
    }
    return out


def item_digests(suite: Any, info: SealInfo) -> dict[str, str]:
    return {it.id: info.digest(it.model_dump(mode="json")) for it in suite.items}


def sealed_messages(messages: list[dict], info: SealInfo) -> list[dict]:
    """Messages as the store keeps them: role, placeholder and keyed digest of the content."""
    return [{"role": m.get("role"), "content": SEALED_TEXT, "digest": info.digest(m.get("content") or "")}
            for m in messages]


# ------------------------------------------------------------------------------------------ a run's keys
@dataclass
class Unsealed:
    """The plaintext of a run's sealed suites, in memory, attached to an open RunStore
    (``store.unsealed``) so the score stage and analysis can use it. ``details`` and
    ``explanations`` hold the plaintext scorer output of sealed items, keyed (request key, scorer
    index); the store itself keeps only a placeholder and a keyed digest of them."""

    suites: dict[str, Any]
    infos: dict[str, SealInfo]
    details: dict[tuple[str, int], dict] = field(default_factory=dict)
    explanations: dict[tuple[str, int], str] = field(default_factory=dict)


def open_suite_text(plaintext: bytes, path: Path):
    """Parse and validate a sealed suite's plaintext (from memory) as a Suite model."""
    from ..config.loader import load_model
    from ..config.suite import Suite

    loaded, issues = load_model(path, Suite, text=plaintext.decode("utf-8"))
    if issues or loaded is None:
        first = issues[0] if issues else "invalid suite"
        raise SealError(f"{path}: the sealed suite does not validate: {first}")
    return loaded.model


def unseal_run(store: Any, *, provided: Optional[dict] = None, key_env: Optional[str] = None,
               search: tuple = ()) -> Optional[Unsealed]:
    """Open the sealed suites a run used (``meta.sealed``) and attach them to ``store``.

    ``provided``: {suite_id: (Suite, SealInfo)} already open (the run that just finished). Otherwise
    each file is looked for in ``search`` (files or folders, e.g. ``--sealed`` paths or a bundle's
    ``sealed/`` folder) and at the path recorded in the run; its SHA-256 must be the recorded one.
    """
    recorded = store.get_meta("sealed") or {}
    if not recorded:
        return None
    suites: dict[str, Any] = {}
    infos: dict[str, SealInfo] = {}
    for suite_id, rec in recorded.items():
        if provided and suite_id in provided:
            suites[suite_id], infos[suite_id] = provided[suite_id]
            continue
        path = _find_sealed(suite_id, rec, search)
        plaintext, info = open_sealed(path, key_env)
        if info.ciphertext_sha256 != rec.get("ciphertext_sha256"):
            raise SealError(f"{path}: not the sealed file this run used (SHA-256 {info.ciphertext_sha256[:16]}…, "
                            f"the run recorded {str(rec.get('ciphertext_sha256'))[:16]}…)")
        suites[suite_id] = open_suite_text(plaintext, path)
        infos[suite_id] = info
    unsealed = Unsealed(suites=suites, infos=infos)
    store.unsealed = unsealed
    return unsealed


def _find_sealed(suite_id: str, rec: dict, search: tuple) -> Path:
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
    raise SealError(f"sealed suite '{suite_id}': its file ({rec.get('path')}, SHA-256 {str(want)[:16]}…) is not "
                    "found; pass --sealed FILE")


def needs_key_message(store: Any) -> str:
    recorded = store.get_meta("sealed") or {}
    names = sorted({str(r.get("key_env")) for r in recorded.values()})
    return (f"this run used sealed suites ({', '.join(sorted(recorded))}): scoring and reports need their key "
            f"(environment variable {', '.join(names)}, or --key-env NAME)")


# ------------------------------------------------------------------------------------------ evalkit seal
def seal_files(paths: list[Path], key_env: str, out: Optional[Path] = None, *, kdf: str = "auto",
               criteria: Optional[Path] = None, force: bool = False) -> list[tuple[Path, Path, SealInfo]]:
    """Validate and seal suite files (files, or folders of suites). ``out``: the sealed file for one
    suite, or a folder for several (default: beside each source, ``NAME.sealed``). Returns
    (source, sealed file, SealInfo of the written file, opened back as a check)."""
    from ..config.loader import classify, expand_paths, load_workspace

    files, issues = expand_paths(paths)
    if issues:
        raise UsageError(f"{issues[0].path}: no such file or directory")
    files = [f for f in files if classify(f) == "suite"]
    if not files:
        raise SealError("seal: no suite files given (criteria, questionnaires, vendors and sealed files are not sealed)")
    ws = load_workspace(files, criteria)
    ws.raise_if_issues()
    many = len(ws.suites) > 1 or (out is not None and Path(out).is_dir())
    written = []
    for loaded in ws.suites:
        suite = loaded.model
        if suite.source is not None:
            raise SealError(f"{loaded.path}: a suite that reads a data source cannot be sealed (its items would stay "
                            "in clear on disk); inline the items first")
        target = (Path(out) / (loaded.path.stem + SUFFIX)) if (out and many) else \
            (Path(out) if out else loaded.path.with_suffix(SUFFIX))
        if target.exists() and not force:
            raise SealError(f"{target} exists; pass --force to replace it")
        plaintext = loaded.path.read_bytes()
        meta = {"suite": suite.id, "version": suite.version, "title": suite.title, "criterion": suite.criterion,
                "items": len(suite.items)}
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
