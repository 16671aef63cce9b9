"""The integrity verbs in Japanese (EVALKIT_LANG=ja): a verify failure and a compare failure name what
differs in Japanese, while the line heads scripts read (``verify: FAIL``, ``DIFFERS``,
``pre-registration sha256:``) and every id stay as they are in English."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import evalkit, make_workspace, own_env
from test_integrity_bundle import SUITE, VENDORS, VERIFY_FAILED, edit_store, members, repack


def ja(*args: str, cwd: Path):
    return evalkit(*args, cwd=cwd, env=own_env(EVALKIT_LANG="ja"))


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """The Agency's run of both vendors and its bundle, and a vendor's self-test bundle (acme-gov only)."""
    root = make_workspace(tmp_path_factory.mktemp("i18n-integrity") / "w", {"basics": SUITE}, VENDORS)
    for args in (
        ("run", "--out", "agency", "-q"),
        ("bundle", "agency", "--out", "agency.bundle.tar.gz"),
        ("run", "--out", "acme", "-q", "-v", "acme-gov"),
        ("bundle", "acme", "--out", "acme.bundle.tar.gz"),
    ):
        proc = evalkit(*args, cwd=root)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return root


def _with_edited_score(work: Path, out: Path) -> Path:
    """The agency's bundle with beta-llm's score of q2 raised to a pass, re-indexed as a forger would."""
    data = members(work / "agency.bundle.tar.gz")
    key = (
        sqlite3.connect(work / "agency" / "store.sqlite")
        .execute("SELECT key FROM requests WHERE vendor_id = 'beta-llm' AND item_id = 'q2'")
        .fetchone()[0]
    )
    data["store.sqlite"] = edit_store(
        data["store.sqlite"], out.parent, f"UPDATE scores SET score = 1.0, passed = 1 WHERE key = '{key}'"
    )
    return repack(out, data)


def test_verify_names_an_edited_score_in_japanese(work, tmp_path):
    forged = _with_edited_score(work, tmp_path / "forged.tar.gz")
    proc = ja("verify", str(forged), cwd=work)
    assert proc.returncode == VERIFY_FAILED, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert (
        "verify: FAIL 得点が異なります: basics/q2 × beta-llm（epoch 0）、採点器 0（exact）: "
        "記録 1（合格）、再採点 0（不合格）"
    ) in lines
    assert lines[-1] == f"verify: FAILED: {forged} に {len(lines) - 1} 件の問題があります"
    ok = ja("verify", "agency.bundle.tar.gz", cwd=work)
    assert ok.returncode == 0, ok.stdout
    assert "署名はありません。6 件の回答を再採点しました。" in ok.stdout


def test_compare_names_the_differing_suite_in_japanese(work):
    proc = ja("compare", "acme.bundle.tar.gz", "agency", "--vendor", "beta-llm", cwd=work)
    assert proc.returncode == VERIFY_FAILED, proc.stdout + proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == (
        "ベンダー: バンドルの 'acme-gov'（エンドポイントが返したモデル id: oracle）と実行の 'beta-llm'（refuse）"
    )
    assert "注記: エンドポイントがベンダーとデジタル庁に異なるモデル id を返しました" in out
    row = next(line for line in out if line.startswith("  DIFFERS basics "))
    assert "バンドル 100.0  実行   0.0  （-100.0 点。3 問中 3 問で合否が異なります） 基本" in row
    assert "            basics/q1: バンドル 合格、実行 不合格" in out
    assert out[-1] == "compare: 1 件のスイートが 5 点を超えて異なります: basics"
    wrong = ja("compare", "agency.bundle.tar.gz", "agency", cwd=work)
    assert wrong.returncode == 2
    assert wrong.stderr.startswith(
        "evalkit: エラー: agency.bundle.tar.gz: セルフテストのバンドルに入るベンダーは 1 件ですが、"
        "このバンドルには 2 件あります（acme-gov, beta-llm）"
    ), wrong.stderr


def test_prereg_keeps_its_head_and_digest_in_japanese(work):
    proc = ja("prereg", "suites", cwd=work)
    assert proc.returncode == 0, proc.stderr
    head, _, rest = proc.stdout.strip().partition(" — ")
    assert head.startswith("pre-registration sha256:") and len(head) == len("pre-registration sha256:") + 64
    assert rest.startswith("評価基準ツリー ") and rest.endswith("質問票 0 件、スイート 1 件")
    english = evalkit("prereg", "suites", cwd=work)
    assert english.stdout.startswith(head + " — criteria tree ")
