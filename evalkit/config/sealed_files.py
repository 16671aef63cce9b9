"""Sealed suite files: the format, the key and the reading of a file in memory.

Reading a sealed suite is part of loading (``config.loader`` opens ``*.sealed`` files with the key);
the layout, the key derivation and the checks live here, below every other layer. Writing sealed
files, redacting what a run stores and unsealing a stored run are the integrity verbs
(``evalkit.integrity.sealed``), which build on this module. The file layout is described there.
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
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..i18n import tr

if TYPE_CHECKING:
    from .suite import Suite

FORMAT = 1
SUFFIX = ".sealed"
MAGIC = "#evalkit-sealed-suite/1 AES-256-GCM; any change to this file makes it unreadable"
CIPHER = "AES-256-GCM"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
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
        raise SealError(
            tr(
                f"{what}: 環境変数 {name} が設定されていません（スイートの鍵を入れてください）",
                f"{what}: environment variable {name} is not set (it must hold the suite key)",
            )
        )
    return value


def parse_raw_key(value: str) -> bytes | None:
    """32 raw bytes from 64 hex digits or base64 (standard or URL-safe, padded ``…=`` or prefixed
    ``base64:``); None for anything else (a passphrase)."""
    value = value.strip()
    if _HEX_KEY.match(value):
        return bytes.fromhex(value)
    if _B64_KEY.match(value):
        value = value.removeprefix("base64:")
        try:
            raw = base64.b64decode(value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError):
            return None
        return raw if len(raw) == 32 else None
    return None


def _hkdf(master: bytes, purpose: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"evalkit/sealed/v1/{purpose}".encode()).derive(
        master
    )


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
    header: dict[str, Any]  # the sealed file's JSON header
    ciphertext_sha256: str
    plaintext_sha256: str
    key_env: str
    _mac_key: bytes = field(repr=False, default=b"")

    def digest(self, value: Any) -> str:
        """Keyed digest of ``value`` (canonical JSON): checkable only with the suite's key."""
        data = value.encode("utf-8") if isinstance(value, str) else canonical(value)
        return "hmac-sha256:" + _hmac.new(self._mac_key, data, hashlib.sha256).hexdigest()

    def record(self) -> dict[str, Any]:
        """What the run store keeps (``meta.sealed``): header and hashes, never text or keys."""
        return {
            "path": str(self.path),
            "header": self.header,
            "ciphertext_sha256": self.ciphertext_sha256,
            "plaintext_sha256": self.plaintext_sha256,
            "key_env": self.key_env,
        }


# ------------------------------------------------------------------------------------------ write
def seal_bytes(plaintext: bytes, meta: dict[str, Any], key_env: str, *, kdf: str = "auto") -> str:
    """The sealed file text for ``plaintext`` (a suite file's bytes); ``meta``: suite, version,
    title, criterion, items. The key is read from ``key_env``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    value = _env_value(key_env, "seal")
    raw = parse_raw_key(value)
    if kdf == "raw" and raw is None:
        raise SealError(
            tr(
                f"seal: {key_env} の値が 32 バイトの鍵（16 進 64 桁又は base64）ではありません",
                f"seal: {key_env} does not hold a raw 32-byte key (64 hex digits or base64)",
            )
        )
    if kdf == "scrypt" or (kdf == "auto" and raw is None):
        if len(value) < MIN_PASSPHRASE:
            raise SealError(
                tr(
                    f"seal: {key_env} のパスフレーズが {MIN_PASSPHRASE} 文字未満です。"
                    "より長いものか乱数の鍵を使ってください: "
                    'python -c "import secrets; print(secrets.token_hex(32))"',
                    f"seal: the passphrase in {key_env} is shorter than {MIN_PASSPHRASE} characters; use a "
                    'longer one or a random key: python -c "import secrets; print(secrets.token_hex(32))"',
                )
            )
        salt = secrets.token_bytes(16)
        master = _scrypt(value, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        kdf_params = {
            "name": "scrypt",
            "salt": base64.b64encode(salt).decode("ascii"),
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
        }
    elif raw is not None:
        master = raw
        kdf_params = {"name": "raw"}
    else:  # not auto, raw (whose missing key is reported above) or scrypt
        raise ValueError(f"unknown kdf {kdf!r}; expected auto, raw or scrypt")
    nonce = secrets.token_bytes(12)
    header = {
        **meta,
        "format": FORMAT,
        "cipher": CIPHER,
        "key_env": key_env,
        "kdf": kdf_params,
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "key_check": _key_check(master),
        "plaintext_sha256": hashlib.sha256(plaintext).hexdigest(),
        "sealed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    head = canonical(header).decode("utf-8")
    aad = (MAGIC + "\n" + head).encode("utf-8")
    body = AESGCM(_hkdf(master, "enc")).encrypt(nonce, plaintext, aad)
    return MAGIC + "\n" + head + "\n" + _wrap(body) + "\n"


def _wrap(data: bytes) -> str:
    return "\n".join(textwrap.wrap(base64.b64encode(data).decode("ascii"), 76)) or ""


# ------------------------------------------------------------------------------------------ read
def read_header(path: Path) -> tuple[dict[str, Any], str, bytes, bytes]:
    """(header, header line, ciphertext, file bytes); SealError when the layout is broken."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SealError(
            tr(
                f"{path}: 封印ファイルを読めません: {exc.strerror}",
                f"{path}: cannot read the sealed file: {exc.strerror}",
            )
        ) from None
    damaged = tr(
        f"{path}: 読める封印スイートではありません（破損又は改変",
        f"{path}: not a readable sealed suite (damaged or modified",
    )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SealError(tr(f"{damaged}: UTF-8 のテキストではありません）", f"{damaged}: not UTF-8 text)")) from None
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != MAGIC:
        raise SealError(
            tr(
                f"{damaged}: 1 行目が evalkit の封印スイートの目印ではありません）",
                f"{damaged}: the first line is not the evalkit sealed-suite marker)",
            )
        )
    if lines[-1] != "" or any(not line for line in lines[2:-1]):
        raise SealError(
            tr(
                f"{damaged}: 余分な空行があるか、最後の改行がありません）",
                f"{damaged}: unexpected blank lines or no final newline)",
            )
        )
    try:
        header = json.loads(lines[1])
    except ValueError:
        raise SealError(
            tr(f"{damaged}: ヘッダー行が正しい JSON ではありません）", f"{damaged}: the header line is not valid JSON)")
        ) from None
    if not isinstance(header, dict) or canonical(header).decode("utf-8") != lines[1]:
        raise SealError(tr(f"{damaged}: ヘッダー行が編集されています）", f"{damaged}: the header line was edited)"))
    body_text = "\n".join(lines[2:-1])
    try:
        body = base64.b64decode(body_text.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise SealError(
            tr(
                f"{damaged}: 暗号化された本体が正しい base64 ではありません）",
                f"{damaged}: the encrypted body is not valid base64)",
            )
        ) from None
    if _wrap(body) != body_text:
        raise SealError(
            tr(f"{damaged}: 暗号化された本体が編集されています）", f"{damaged}: the encrypted body was edited)")
        )
    if header.get("format") != FORMAT or header.get("cipher") != CIPHER:
        raise SealError(
            tr(
                f"{path}: 封印スイートの形式 {header.get('format')!r} / 暗号 {header.get('cipher')!r} "
                f"には対応していません（この evalkit が読めるのは形式 {FORMAT}、{CIPHER}）",
                f"{path}: sealed-suite format {header.get('format')!r} / cipher {header.get('cipher')!r} "
                f"is not supported (this evalkit reads format {FORMAT}, {CIPHER})",
            )
        )
    return header, lines[1], body, data


def _master_key(header: dict[str, Any], path: Path, key_env: str) -> bytes:
    value = _env_value(key_env, str(path))
    kdf = header.get("kdf") or {}
    if kdf.get("name") == "raw":
        raw = parse_raw_key(value)
        if raw is None:
            raise SealError(
                tr(
                    f"{path}: 鍵が違います: このファイルは 32 バイトの鍵で封印されていますが、"
                    f"{key_env} の値はそうではありません",
                    f"{path}: wrong key: {key_env} does not hold a raw 32-byte key, and this file was sealed with one",
                )
            )
        return raw
    if kdf.get("name") == "scrypt":
        try:
            salt = base64.b64decode(kdf["salt"], validate=True)
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise SealError(
                tr(
                    f"{path}: 読める封印スイートではありません（ヘッダーの kdf が破損しています）",
                    f"{path}: not a readable sealed suite (damaged header: kdf)",
                )
            ) from None
        if not (2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16 and len(salt) >= 8):
            raise SealError(
                tr(
                    f"{path}: 読める封印スイートではありません（scrypt のパラメータが範囲外です）",
                    f"{path}: not a readable sealed suite (scrypt parameters out of range)",
                )
            )
        return _scrypt(value, salt, n, r, p)
    raise SealError(
        tr(
            f"{path}: 読める封印スイートではありません（不明な kdf {kdf.get('name')!r}）",
            f"{path}: not a readable sealed suite (unknown kdf {kdf.get('name')!r})",
        )
    )


def open_sealed(path: Path, key_env: str | None = None) -> tuple[bytes, SealInfo]:
    """Decrypt ``path`` in memory: (plaintext bytes, SealInfo). ``key_env`` overrides the header's
    variable name. One-line SealError for a missing or wrong key and for any modification."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = Path(path)
    header, head, body, data = read_header(path)
    env = key_env or header.get("key_env")
    if not isinstance(env, str) or not env:
        raise SealError(
            tr(
                f"{path}: ヘッダーに鍵の環境変数名がありません。--key-env NAME で指定してください",
                f"{path}: the header names no key variable; pass --key-env NAME",
            )
        )
    master = _master_key(header, path, env)
    if not _hmac.compare_digest(_key_check(master), str(header.get("key_check", ""))):
        raise SealError(
            tr(
                f"{path}: 鍵が違います: {env} ではこの封印スイートを開けません（又はヘッダーが改変されています）",
                f"{path}: wrong key: {env} does not open this sealed suite (or its header was modified)",
            )
        )
    try:
        nonce = base64.b64decode(header["nonce"], validate=True)
        plaintext = AESGCM(_hkdf(master, "enc")).decrypt(nonce, body, (MAGIC + "\n" + head).encode("utf-8"))
    except (InvalidTag, KeyError, ValueError, binascii.Error):
        raise SealError(
            tr(
                f"{path}: 封印ファイルが改変又は破損しています（認証に失敗しました）。"
                "改変されていない写しを使ってください",
                f"{path}: the sealed file was modified or damaged (authentication failed); use an unaltered copy",
            )
        ) from None
    digest = hashlib.sha256(plaintext).hexdigest()
    if digest != header.get("plaintext_sha256"):
        raise SealError(
            tr(
                f"{path}: 封印ファイルが改変されています（平文のハッシュがヘッダーと一致しません）",
                f"{path}: the sealed file was modified (plaintext hash differs from its header)",
            )
        )
    info = SealInfo(
        suite_id=str(header.get("suite")),
        path=path,
        header=header,
        ciphertext_sha256=hashlib.sha256(data).hexdigest(),
        plaintext_sha256=digest,
        key_env=env,
        _mac_key=_hkdf(master, "mac"),
    )
    return plaintext, info


def header_problems(header: dict[str, Any], suite: Suite) -> list[str]:
    """Differences between the clear header and the suite it encloses (a forged header)."""
    want = {
        "suite": suite.id,
        "version": suite.version,
        "criterion": suite.criterion,
        "items": len(suite.items),
        "title": suite.title,
    }
    return [
        tr(
            f"ヘッダーの {k} {header.get(k)!r} が封印されたスイートの {v!r} と異なります",
            f"header {k} {header.get(k)!r} differs from the sealed suite's {v!r}",
        )
        for k, v in want.items()
        if header.get(k) != v
    ]
