"""Result bundles: keygen -> bundle -> verify, and the attacks verify must catch (exit 4, naming
what differs): an edited score, an edited response, a removed item, a swapped or invalid signature,
an added member, a changed member whose hash was not updated."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import stat
import tarfile
from pathlib import Path

import pytest
from conftest import clean_env, evalkit, make_workspace

SUITE = """\
id: basics
version: "1.0.0"
title: 基本
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: q1, vars: {q: 日本の首都は}, reference: 東京}
  - {id: q2, vars: {q: 北海道の道庁所在地は}, reference: 札幌}
  - {id: q3, vars: {q: 沖縄県の県庁所在地は}, reference: 那覇}
"""
VENDORS = {
    "oracle": "id: acme-gov\nname: アクメ行政AI\nprovider: reference\nmodel: oracle\n",
    "refuse": "id: beta-llm\nname: ベータ言語モデル\nprovider: reference\nmodel: refuse\n",
}
VERIFY_FAILED = 4


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """A finished run, a key pair, a second key pair, and the signed bundle."""
    work = make_workspace(tmp_path_factory.mktemp("bundle") / "w", {"basics": SUITE}, VENDORS)
    assert evalkit("run", "--out", "run", "-q", cwd=work).returncode == 0
    for prefix in ("agency", "intruder"):
        proc = evalkit("keygen", "--out", f"keys/{prefix}", cwd=work)
        assert proc.returncode == 0, proc.stderr
    proc = evalkit("bundle", "run", "--sign-key", "keys/agency.key", "--out", "run.bundle.tar.gz", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "signed with sha256:" in proc.stdout
    return work


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:*") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def repack(path: Path, data: dict[str, bytes], *, reindex: bool = True, resign: Path | None = None) -> Path:
    """Write ``data`` as a bundle; ``reindex`` recomputes the index as a forger would (the old
    signature, if kept, no longer matches); ``resign`` signs with that private key."""
    data = dict(data)
    if reindex:
        index = json.loads(data["bundle.json"])
        index["members"] = {
            name: {"sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
            for name, blob in sorted(data.items())
            if name not in ("bundle.json", "bundle.sig", "bundle.pub")
        }
        data["bundle.json"] = (json.dumps(index, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if resign is not None:
        from cryptography.hazmat.primitives import serialization

        key = serialization.load_pem_private_key(resign.read_bytes(), password=None)
        data["bundle.sig"] = key.sign(data["bundle.json"])
        data["bundle.pub"] = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in data.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def edit_store(blob: bytes, tmp: Path, *sql: str) -> bytes:
    path = tmp / "edit.sqlite"
    path.write_bytes(blob)
    db = sqlite3.connect(path)
    for statement in sql:
        db.execute(statement)
    db.commit()
    db.close()
    return path.read_bytes()


def verify(work: Path, bundle: str, *extra: str):
    return evalkit("verify", bundle, *extra, cwd=work)


def test_keygen_writes_a_private_key_only_its_owner_reads(signed):
    mode = stat.S_IMODE(os.stat(signed / "keys" / "agency.key").st_mode)
    assert mode == 0o600
    assert (signed / "keys" / "agency.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = evalkit("keygen", "--out", "keys/agency", cwd=signed)
    assert again.returncode == 2 and "exists" in again.stderr


def test_bundle_holds_store_manifest_and_exports(signed):
    data = members(signed / "run.bundle.tar.gz")
    assert {
        "bundle.json",
        "bundle.sig",
        "bundle.pub",
        "manifest.json",
        "store.sqlite",
        "exports/summary.json",
        "exports/results.csv",
        "exports/results.parquet",
        "exports/results.junit.xml",
        "reports/report.html",
    } <= set(data)
    index = json.loads(data["bundle.json"])
    assert set(index["members"]) == set(data) - {"bundle.json", "bundle.sig", "bundle.pub"}
    manifest = json.loads(data["manifest.json"])
    assert manifest["software"]["python"] and manifest["software"]["packages"]["cryptography"]
    assert manifest["preregistration"]["digest"]
    assert manifest["endpoint_models"]["acme-gov"]["models_seen"] == ["oracle"]
    assert all("api_key" not in json.dumps(v) or v.get("api_key_env") is None for v in manifest["vendors"])
    # a single-file store snapshot (no WAL) that opens
    assert data["store.sqlite"][:16] == b"SQLite format 3\x00"


def test_untouched_bundle_verifies_with_and_without_a_trusted_key(signed):
    ok = verify(signed, "run.bundle.tar.gz", "--pubkey", "keys/agency.pub")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("verify: ok: ") and "the trusted --pubkey" in ok.stdout
    assert "6 responses re-scored" in ok.stdout
    loose = verify(signed, "run.bundle.tar.gz")
    assert loose.returncode == 0 and "not checked against a trusted key" in loose.stdout


def test_edited_score_is_named(signed, tmp_path):
    data = members(signed / "run.bundle.tar.gz")
    key = (
        sqlite3.connect(signed / "run" / "store.sqlite")
        .execute("SELECT key FROM requests WHERE vendor_id = 'beta-llm' AND item_id = 'q2'")
        .fetchone()[0]
    )
    data["store.sqlite"] = edit_store(
        data["store.sqlite"], tmp_path, f"UPDATE scores SET score = 1.0, passed = 1 WHERE key = '{key}'"
    )
    proc = verify(signed, str(repack(tmp_path / "b.tar.gz", data)))
    assert proc.returncode == VERIFY_FAILED
    assert (
        "verify: FAIL score changed: basics/q2 × beta-llm (epoch 0) scorer 0 (exact): recorded 1 (pass), "
        "re-scored 0 (fail)" in proc.stdout
    )
    assert "FAILED" in proc.stdout.splitlines()[-1]


def test_edited_response_is_named(signed, tmp_path):
    data = members(signed / "run.bundle.tar.gz")
    key = (
        sqlite3.connect(signed / "run" / "store.sqlite")
        .execute("SELECT key FROM requests WHERE vendor_id = 'beta-llm' AND item_id = 'q1'")
        .fetchone()[0]
    )
    data["store.sqlite"] = edit_store(
        data["store.sqlite"], tmp_path, f"UPDATE responses SET content = '東京' WHERE key = '{key}'"
    )
    proc = verify(signed, str(repack(tmp_path / "b.tar.gz", data)))
    assert proc.returncode == VERIFY_FAILED
    assert (
        "score changed: basics/q1 × beta-llm (epoch 0) scorer 0 (exact): recorded 0 (fail), re-scored 1 (pass)"
        in proc.stdout
    )
    # unchanged index: the store's hash alone gives it away
    data2 = members(signed / "run.bundle.tar.gz")
    data2["store.sqlite"] = data["store.sqlite"]
    plain = verify(signed, str(repack(tmp_path / "c.tar.gz", data2, reindex=False)))
    assert plain.returncode == VERIFY_FAILED
    assert "member 'store.sqlite': SHA-256 differs from bundle.json" in plain.stdout


def test_removed_item_is_named(signed, tmp_path):
    data = members(signed / "run.bundle.tar.gz")
    data["store.sqlite"] = edit_store(
        data["store.sqlite"],
        tmp_path,
        "DELETE FROM scores WHERE key IN (SELECT key FROM requests WHERE item_id = 'q3' AND vendor_id = 'beta-llm')",
        "DELETE FROM responses WHERE key IN (SELECT key FROM requests WHERE item_id = 'q3' AND vendor_id = 'beta-llm')",
        "DELETE FROM requests WHERE item_id = 'q3' AND vendor_id = 'beta-llm'",
    )
    proc = verify(signed, str(repack(tmp_path / "b.tar.gz", data)))
    assert proc.returncode == VERIFY_FAILED
    assert "request missing from the store: basics/q3 × beta-llm (epoch 0) was planned" in proc.stdout
    assert "summary.json differs from the re-scored results" in proc.stdout


def test_edited_summary_is_named(signed, tmp_path):
    data = members(signed / "run.bundle.tar.gz")
    summary = json.loads(data["exports/summary.json"])
    ranked = {v["id"]: v for v in summary["vendors"]}
    ranked["beta-llm"]["total"] = 0.99
    data["exports/summary.json"] = json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")
    proc = verify(signed, str(repack(tmp_path / "b.tar.gz", data)))
    assert proc.returncode == VERIFY_FAILED
    assert (
        "summary.json differs from the re-scored results: vendors[1].total: exported 0.99, recomputed 0.0"
        in proc.stdout
    )


def test_swapped_and_invalid_signatures_fail(signed, tmp_path):
    data = members(signed / "run.bundle.tar.gz")
    # re-signed by another key: fine for the archive itself, refused against the trusted key
    swapped = repack(tmp_path / "swapped.tar.gz", data, resign=signed / "keys" / "intruder.key")
    proc = verify(signed, str(swapped), "--pubkey", "keys/agency.pub")
    assert proc.returncode == VERIFY_FAILED
    assert "not by the trusted key" in proc.stdout
    # the agency's signature on a forged index
    forged = dict(data)
    forged["exports/results.csv"] = data["exports/results.csv"].replace(b"acme-gov", b"acme-gox", 1)
    proc = verify(signed, str(repack(tmp_path / "forged.tar.gz", forged)), "--pubkey", "keys/agency.pub")
    assert proc.returncode == VERIFY_FAILED
    assert "signature: invalid" in proc.stdout
    assert "results.csv" in proc.stdout
    # garbage in place of the signature
    broken = dict(data)
    broken["bundle.sig"] = bytes(64)
    proc = verify(signed, str(repack(tmp_path / "broken.tar.gz", broken, reindex=False)))
    assert proc.returncode == VERIFY_FAILED and "signature: invalid" in proc.stdout
    # an unsigned bundle where a signature is required
    unsigned = {k: v for k, v in data.items() if k not in ("bundle.sig", "bundle.pub")}
    proc = verify(
        signed, str(repack(tmp_path / "unsigned.tar.gz", unsigned, reindex=False)), "--pubkey", "keys/agency.pub"
    )
    assert proc.returncode == VERIFY_FAILED and "not signed" in proc.stdout


def test_added_member_is_named(signed, tmp_path):
    data = members(signed / "run.bundle.tar.gz")
    data["exports/extra.csv"] = b"vendor,score\nbeta-llm,1.0\n"
    proc = verify(signed, str(repack(tmp_path / "b.tar.gz", data, reindex=False)), "--pubkey", "keys/agency.pub")
    assert proc.returncode == VERIFY_FAILED
    assert "verify: FAIL member 'exports/extra.csv': not listed in bundle.json (added to the archive)" in proc.stdout


def test_not_a_bundle_is_bad_input(signed, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    proc = verify(signed, str(junk))
    assert proc.returncode == 2 and proc.stderr.startswith("evalkit: error: ") and "Traceback" not in proc.stderr


def test_encrypted_signing_key(tmp_path):
    work = make_workspace(tmp_path / "w", {"basics": SUITE}, {"oracle": VENDORS["oracle"]})
    env = clean_env(SIGN_PASS="a long passphrase for the key")
    assert evalkit("run", "--out", "run", "-q", cwd=work).returncode == 0
    assert evalkit("keygen", "--out", "k", "--passphrase-env", "SIGN_PASS", cwd=work, env=env).returncode == 0
    missing = evalkit("bundle", "run", "--sign-key", "k.key", cwd=work)
    assert missing.returncode == 2 and "--passphrase-env" in missing.stderr
    proc = evalkit("bundle", "run", "--sign-key", "k.key", "--passphrase-env", "SIGN_PASS", cwd=work, env=env)
    assert proc.returncode == 0, proc.stderr
    ok = evalkit("verify", "run/run.bundle.tar.gz", "--pubkey", "k.pub", cwd=work)
    assert ok.returncode == 0, ok.stdout


def test_preregistration_is_printed_stored_and_shown(signed):
    db = sqlite3.connect(signed / "run" / "store.sqlite")
    block = json.loads(db.execute("SELECT value FROM meta WHERE key = 'preregistration'").fetchone()[0])
    first = db.execute("SELECT MIN(received_at) FROM responses").fetchone()[0]
    assert block["computed_at"] < first  # same ISO format, UTC
    assert set(block["suites"]) == {"basics"} and block["criteria"]["tree_sha256"]
    report = (signed / "run" / "report.html").read_text(encoding="utf-8")
    assert f"sha256:{block['digest']}" in report and "事前登録はこれより前" in report
    printed = evalkit("prereg", cwd=signed)
    assert printed.returncode == 0 and printed.stdout.startswith(f"pre-registration sha256:{block['digest']} ")
    summary = json.loads((signed / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["preregistration"]["before_first_response"] is True
