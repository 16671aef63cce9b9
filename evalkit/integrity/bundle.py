"""Result bundles: one archive per run that a third party can verify offline.

A bundle is a gzip-compressed tar archive with these members::

    bundle.json          the index: format, creation time, and the SHA-256 and size of every other
                         member (signed; it is what the signature covers)
    bundle.sig           Ed25519 signature of bundle.json's exact bytes (when signed)
    bundle.pub           the signer's public key, PEM (when signed; trust it only via --pubkey)
    manifest.json        software (evalkit, Python, package versions), the run's manifest,
                         pre-registration, configuration hashes, vendor settings (no secrets),
                         the model ids and fingerprints the endpoints reported, times
    store.sqlite         a consistent snapshot of the run store (single file, no WAL)
    exports/…            results.csv, results.parquet, summary.json, results.junit.xml
    reports/…            report.html and report-public.html when present
    sealed/<id>.sealed   the encrypted files of the run's sealed suites (ciphertext only)
    blind-mapping.json   only with --include-mapping

``verify`` checks every member against the index, rejects missing and unlisted members, checks
the signature, checks the store against the manifest and the pre-registration, and re-scores every
stored response on a temporary copy of the store with the same score stage as ``evalkit score``;
then recomputes summary.json and results.csv and compares them with the exported ones. Every
difference is named (member, or item × vendor whose score changed).
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..i18n import tr
from .hashing import sha256_file

if TYPE_CHECKING:
    from ..runner.store import RunStore

FORMAT = "evalkit-bundle/1"
INDEX, SIGNATURE, PUBLIC_KEY, MANIFEST, STORE = (
    "bundle.json",
    "bundle.sig",
    "bundle.pub",
    "manifest.json",
    "store.sqlite",
)
EXPORTS = ("results.csv", "results.parquet", "summary.json", "results.junit.xml")
REPORTS = ("report.html", "report-public.html")
UNSIGNED_MEMBERS = (INDEX, SIGNATURE, PUBLIC_KEY)
MAX_SHOWN = 20  # differences printed per kind


# ------------------------------------------------------------------------------------------ keys
def keygen(prefix: Path, *, passphrase_env: str | None = None, force: bool = False) -> tuple[Path, Path, str]:
    """Write PREFIX.key (Ed25519 private key, PKCS#8 PEM, mode 0600, encrypted when a passphrase
    variable is given) and PREFIX.pub (public key, PEM). Returns (key, pub, fingerprint)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    prefix = Path(prefix)
    key_path, pub_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    for path in (key_path, pub_path):
        if path.exists() and not force:
            raise UsageError(
                tr(
                    f"{path} は既にあります。置き換えるには --force を指定してください",
                    f"{path} exists; pass --force to replace it",
                )
            )
    if passphrase_env:
        secret = os.environ.get(passphrase_env)
        if not secret:
            raise UsageError(_unset(passphrase_env))
        encryption: Any = serialization.BestAvailableEncryption(secret.encode("utf-8"))
    else:
        encryption = serialization.NoEncryption()
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    if key_path.exists():
        key_path.unlink()
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.chmod(key_path, 0o600)
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pub_path.write_bytes(pub)
    return key_path, pub_path, fingerprint(key.public_key())


def _unset(passphrase_env: str) -> str:
    return tr(
        f"--passphrase-env {passphrase_env}: その環境変数が設定されていません",
        f"--passphrase-env {passphrase_env}: that environment variable is not set",
    )


def fingerprint(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def load_private_key(path: Path, passphrase_env: str | None = None) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            tr(f"{path}: 署名鍵を読めません: {exc.strerror}", f"{path}: cannot read the signing key: {exc.strerror}")
        ) from None
    secret = None
    if passphrase_env:
        value = os.environ.get(passphrase_env)
        if not value:
            raise UsageError(_unset(passphrase_env))
        secret = value.encode("utf-8")
    try:
        key = serialization.load_pem_private_key(data, password=secret)
    except TypeError:
        raise UsageError(
            tr(
                f"{path}: 署名鍵は暗号化されています。--passphrase-env NAME を指定してください",
                f"{path}: the signing key is encrypted; pass --passphrase-env NAME",
            )
        ) from None
    except ValueError:
        raise UsageError(
            tr(
                f"{path}: 読める Ed25519 秘密鍵（PEM）ではないか、パスフレーズが違います",
                f"{path}: not a readable Ed25519 private key (PEM), or a wrong passphrase",
            )
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(tr(f"{path}: Ed25519 の秘密鍵ではありません", f"{path}: not an Ed25519 private key"))
    return key


def load_public_key(data: bytes, where: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise UsageError(
            tr(f"{where}: 読める公開鍵（PEM）ではありません", f"{where}: not a readable public key (PEM)")
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(tr(f"{where}: Ed25519 の公開鍵ではありません", f"{where}: not an Ed25519 public key"))
    return key


# ------------------------------------------------------------------------------------------ packing
def snapshot_store(store_path: Path, dest: Path) -> None:
    """A consistent single-file copy of a WAL-mode store (sqlite backup API).

    The store is opened read-write although it is only read: a read-only connection creates the
    store's -wal/-shm files but, as the last one to close, can neither checkpoint nor remove them,
    so they would be left in the run directory (mode=rw still never creates a missing store)."""
    src = sqlite3.connect(Path(store_path).resolve().as_uri() + "?mode=rw", uri=True)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def bundle_manifest(store: RunStore, kind: str = "run") -> dict[str, Any]:
    from .manifest import endpoint_models, first_response_at, software

    manifest = store.get_meta("manifest", {}) or {}
    sealed = store.get_meta("sealed") or {}
    return {
        "format": FORMAT,
        "kind": kind,
        "software": software(),
        "run": manifest,
        "preregistration": store.get_meta("preregistration"),
        "config": store.get_meta("config", {}),
        "vendors": store.get_meta("vendors", []),
        "judges": store.get_meta("judges", []),
        "endpoint_models": endpoint_models(store),
        "times": {
            "started_at": manifest.get("started_at"),
            "finished_at": manifest.get("finished_at"),
            "first_response_at": first_response_at(store),
        },
        "blind": bool(store.get_meta("blind")),
        "sealed": {
            sid: {
                "header": rec.get("header"),
                "ciphertext_sha256": rec.get("ciphertext_sha256"),
                "plaintext_sha256": rec.get("plaintext_sha256"),
            }
            for sid, rec in sealed.items()
        },
    }


def pack(
    run_dir: Path,
    out: Path | None = None,
    *,
    sign_key: Path | None = None,
    passphrase_env: str | None = None,
    include_mapping: bool = False,
    kind: str = "run",
    sealed_paths: tuple[str | Path, ...] = (),
) -> tuple[Path, dict[str, Any]]:
    """Write the bundle of ``run_dir``; returns (path, index)."""
    from ..pipeline import open_run
    from .blind import MAPPING_NAME
    from .sealed import _find_sealed

    run_dir = Path(run_dir)
    key = load_private_key(sign_key, passphrase_env) if sign_key else None
    with open_run(run_dir) as store:
        run_id = (store.get_meta("manifest") or {}).get("run_id", run_dir.name)
        manifest = bundle_manifest(store, kind)
        review_head = store.get_meta("review_head")  # decisions recorded after the exports were written?
        stale = review_head is not None and (store.get_meta("exports_state") or {}).get("reviews") != review_head
        sealed = store.get_meta("sealed") or {}
        sealed_files = {
            sid: _find_sealed(sid, rec, tuple(sealed_paths) + (run_dir / "sealed",)) for sid, rec in sealed.items()
        }
    out = Path(out) if out else run_dir / f"{run_id}.bundle.tar.gz"
    missing = [name for name in ("summary.json", "results.csv") if not (run_dir / name).is_file()]
    if missing:
        listed = ", ".join(missing)
        raise UsageError(
            tr(
                f"{run_dir}: {listed} がありません。先に書き出しを作ってください（evalkit report {run_dir}）",
                f"{run_dir}: no {listed}; write the exports first (evalkit report {run_dir})",
            )
        )
    if stale:
        raise UsageError(
            tr(
                f"{run_dir}: 書き出しの後に人による審査の判定が記録されています。先に書き直してください"
                f"（evalkit report {run_dir}）",
                f"{run_dir}: human review decisions were recorded after the exports were written; rewrite them "
                f"first (evalkit report {run_dir})",
            )
        )
    with tempfile.TemporaryDirectory(prefix="evalkit-bundle-") as tmp:
        snap = Path(tmp) / STORE
        snapshot_store(run_dir / STORE, snap)
        files: dict[str, Path] = {STORE: snap}
        for name in EXPORTS:
            if (run_dir / name).is_file():
                files[f"exports/{name}"] = run_dir / name
        for name in REPORTS:
            if (run_dir / name).is_file():
                files[f"reports/{name}"] = run_dir / name
        for sid, path in sealed_files.items():
            files[f"sealed/{sid}.sealed"] = path
        if include_mapping:
            mapping = run_dir / MAPPING_NAME
            if not mapping.is_file():
                raise UsageError(
                    tr(f"--include-mapping: {mapping} が見つかりません", f"--include-mapping: {mapping} not found")
                )
            files[MAPPING_NAME] = mapping
        manifest_bytes = (
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
        ).encode("utf-8")
        members = {MANIFEST: {"sha256": hashlib.sha256(manifest_bytes).hexdigest(), "size": len(manifest_bytes)}}
        for name, path in files.items():
            members[name] = {"sha256": sha256_file(path), "size": path.stat().st_size}
        index: dict[str, Any] = {
            "format": FORMAT,
            "kind": kind,
            "run_id": run_id,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "members": dict(sorted(members.items())),
        }
        pub_pem: bytes | None = None
        if key is not None:
            from cryptography.hazmat.primitives import serialization

            index["signature"] = {"algorithm": "Ed25519", "key": fingerprint(key.public_key())}
            pub_pem = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        index_bytes = (json.dumps(index, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        mtime = int(time.time())
        with tarfile.open(partial, "w:gz", format=tarfile.PAX_FORMAT) as tar:
            _add_bytes(tar, INDEX, index_bytes, mtime)
            if key is not None and pub_pem is not None:  # set together above
                _add_bytes(tar, SIGNATURE, key.sign(index_bytes), mtime)
                _add_bytes(tar, PUBLIC_KEY, pub_pem, mtime)
            _add_bytes(tar, MANIFEST, manifest_bytes, mtime)
            for name, path in sorted(files.items()):
                with open(path, "rb") as handle:
                    info = tarfile.TarInfo(name)
                    info.size, info.mtime, info.mode = path.stat().st_size, mtime, 0o644
                    tar.addfile(info, handle)
        os.replace(partial, out)
    return out, index


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o644
    tar.addfile(info, io.BytesIO(data))


# ------------------------------------------------------------------------------------------ reading
@dataclass
class Opened:
    """A bundle unpacked into a temporary folder (removed by ``close``)."""

    path: Path
    root: Path
    index: dict[str, Any]
    index_bytes: bytes
    names: list[str]
    problems: list[str] = field(default_factory=list)

    def member(self, name: str) -> Path:
        return self.root / name

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts) and "\\" not in name


def _unreadable_reason(path: Path, exc: BaseException) -> str:
    """Why an archive could not be read, in a few words on one line (tarfile's own message lists
    every compression it tried, over several lines)."""
    if isinstance(exc, OSError) and not isinstance(exc, tarfile.TarError) and exc.strerror:
        why = exc.strerror  # permission denied, I/O error ...
        return tr(f"読み込めません: {why}", f"cannot read it: {why}")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(2)
        if not magic:
            return tr("空のファイルです", "an empty file")
    except OSError as err:
        why = err.strerror or type(err).__name__
        return tr(f"読み込めません: {why}", f"cannot read it: {why}")
    if magic == b"\x1f\x8b":
        return tr(
            "破損しているか途中で切れた gzip 圧縮の tar ファイルです", "a damaged or truncated gzip-compressed tar file"
        )
    return tr("gzip 圧縮の tar ファイルではありません", "not a gzip-compressed tar file")


def unpack(path: Path) -> Opened:
    """Extract the regular members of a bundle into a temporary folder, refusing anything else."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(tr(f"{path}: バンドルが見つかりません", f"{path}: no such bundle"))
    root = Path(tempfile.mkdtemp(prefix="evalkit-verify-"))
    problems: list[str] = []
    names: list[str] = []
    try:
        with tarfile.open(path, "r:*") as tar:
            for info in tar:
                source = tar.extractfile(info) if info.isfile() else None  # a reader for regular files only
                if source is None or not _safe_name(info.name):
                    problems.append(
                        tr(
                            f"メンバー '{info.name}': 安全な名前の通常のファイルではありません（受け付けません）",
                            f"member '{info.name}': not a plain file with a safe name (refused)",
                        )
                    )
                    continue
                if info.name in names:
                    problems.append(
                        tr(
                            f"メンバー '{info.name}': アーカイブに 2 回現れます",
                            f"member '{info.name}': appears twice in the archive",
                        )
                    )
                    continue
                names.append(info.name)
                target = root / info.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as handle:
                    shutil.copyfileobj(source, handle)
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        reason = _unreadable_reason(path, exc)
        raise UsageError(
            tr(
                f"{path}: 読めるバンドルのアーカイブではありません（{reason}）",
                f"{path}: not a readable bundle archive ({reason})",
            )
        ) from None
    if INDEX not in names:
        shutil.rmtree(root, ignore_errors=True)
        raise UsageError(
            tr(
                f"{path}: evalkit のバンドルではありません（{INDEX} がありません）",
                f"{path}: not an evalkit bundle (no {INDEX})",
            )
        )
    index_bytes = (root / INDEX).read_bytes()
    try:
        index = json.loads(index_bytes)
    except ValueError:
        index = {}
    if not isinstance(index, dict) or index.get("format") != FORMAT or not isinstance(index.get("members"), dict):
        problems.append(
            tr(
                f"{INDEX}: {FORMAT} の目録ではありません（破損又は改変されています）",
                f"{INDEX}: not a {FORMAT} index (damaged or edited)",
            )
        )
        index = {"members": {}}
    return Opened(path, root, index, index_bytes, names, problems)


def check_members(opened: Opened) -> list[str]:
    """Every listed member present with its SHA-256 and size; nothing unlisted."""
    problems = []
    listed = opened.index.get("members", {})
    for name, entry in sorted(listed.items()):
        if name not in opened.names:
            problems.append(
                tr(
                    f"メンバー '{name}': {INDEX} に載っていますが、アーカイブにありません",
                    f"member '{name}': listed in {INDEX} but missing from the archive",
                )
            )
            continue
        digest = sha256_file(opened.member(name))
        if not isinstance(entry, dict) or digest != entry.get("sha256"):
            found, recorded = digest[:16], str((entry or {}).get("sha256"))[:16]
            problems.append(
                tr(
                    f"メンバー '{name}': SHA-256 が {INDEX} と異なります（内容が変わっています: "
                    f"{found}…、目録では {recorded}…）",
                    f"member '{name}': SHA-256 differs from {INDEX} (content changed: "
                    f"{found}…, index says {recorded}…)",
                )
            )
        elif opened.member(name).stat().st_size != entry.get("size"):
            problems.append(
                tr(f"メンバー '{name}': 大きさが {INDEX} と異なります", f"member '{name}': size differs from {INDEX}")
            )
    for name in opened.names:
        if name not in listed and name not in UNSIGNED_MEMBERS:
            problems.append(
                tr(
                    f"メンバー '{name}': {INDEX} に載っていません（アーカイブに追加されています）",
                    f"member '{name}': not listed in {INDEX} (added to the archive)",
                )
            )
    return problems


@dataclass
class SignatureCheck:
    signed: bool
    ok: bool
    fingerprint: str | None = None
    trusted: bool = False
    problem: str | None = None


def check_signature(opened: Opened, pubkey: Path | None) -> SignatureCheck:
    from cryptography.exceptions import InvalidSignature

    trusted_key = None
    if pubkey is not None:
        try:
            trusted_key = load_public_key(Path(pubkey).read_bytes(), str(pubkey))
        except OSError as exc:
            raise UsageError(
                tr(f"--pubkey {pubkey}: 読めません: {exc.strerror}", f"--pubkey {pubkey}: cannot read: {exc.strerror}")
            ) from None
    has_sig = SIGNATURE in opened.names
    if not has_sig:
        if trusted_key is not None:
            return SignatureCheck(
                False,
                False,
                problem=tr(
                    f"署名: --pubkey {pubkey} が指定されましたが、バンドルに署名がありません",
                    f"signature: the bundle is not signed, but --pubkey {pubkey} was given",
                ),
            )
        return SignatureCheck(False, True)
    embedded = None
    if PUBLIC_KEY in opened.names:
        try:
            embedded = load_public_key(opened.member(PUBLIC_KEY).read_bytes(), f"{opened.path}:{PUBLIC_KEY}")
        except UsageError as exc:
            return SignatureCheck(True, False, problem=tr(f"署名: {exc}", f"signature: {exc}"))
    key = trusted_key or embedded
    if key is None:
        return SignatureCheck(
            True,
            False,
            problem=tr(
                "署名: 公開鍵がありません（--pubkey FILE を指定してください）",
                "signature: no public key (pass --pubkey FILE)",
            ),
        )
    fp = fingerprint(key)
    if trusted_key is not None and embedded is not None and fingerprint(embedded) != fp:
        other = fingerprint(embedded)
        return SignatureCheck(
            True,
            False,
            fp,
            problem=tr(
                f"署名: バンドルは鍵 {other} で署名されたとしており、信頼する鍵 {fp}（--pubkey {pubkey}）による"
                "署名ではありません",
                f"signature: the bundle says it was signed by key {other}, not by the trusted key "
                f"{fp} (--pubkey {pubkey})",
            ),
        )
    claimed = (opened.index.get("signature") or {}).get("key")
    held = fingerprint(embedded or key)
    if claimed and claimed != held:
        return SignatureCheck(
            True,
            False,
            fp,
            problem=tr(
                f"署名: {INDEX} は鍵 {claimed} を挙げていますが、アーカイブにある鍵は {held} です",
                f"signature: {INDEX} names key {claimed}, the archive holds {held}",
            ),
        )
    try:
        key.verify(opened.member(SIGNATURE).read_bytes(), opened.index_bytes)
    except InvalidSignature:
        who = (
            tr(f"信頼する鍵 {fp}（--pubkey {pubkey}）", f"the trusted key {fp} (--pubkey {pubkey})")
            if trusted_key is not None
            else tr(f"鍵 {fp}", f"key {fp}")
        )
        return SignatureCheck(
            True,
            False,
            fp,
            problem=tr(
                f"署名: 無効です — {INDEX} は {who} で署名されていません（目録の改変又は署名の差し替え）",
                f"signature: invalid — {INDEX} was not signed by {who} (edited index or swapped signature)",
            ),
        )
    return SignatureCheck(True, True, fp, trusted=trusted_key is not None)
