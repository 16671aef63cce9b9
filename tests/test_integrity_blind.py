"""Blinded mode: no vendor id or name in the blinded report and exports; the mapping in its own
file; --unblind restores names; judges never see who answered (blind or not)."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest
from conftest import evalkit, make_workspace

SUITE = """\
id: blindtest
version: "1"
title: 盲検化テスト
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: judge}]
items:
  - id: b1
    vars: {q: 転入届の提出期限を説明してください。}
    reference: 転入した日から14日以内に届け出てください。
    meta: {rubric: 14日以内と示していること。}
  - id: b2
    vars: {q: 粗大ごみの出し方を案内してください。}
    reference: 事前に申し込み、処理券を貼って出してください。
    meta: {rubric: 申込みと処理券を含むこと。}
"""
PLAIN = """\
id: plainmatch
version: "1"
title: 照合
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: m1, vars: {q: 日本の首都は}, reference: 東京}
"""
# a conversation (its replies are stored per turn) and a reasoning model's reasoning: both restate what
# they were told, and neither may name the vendor in a blinded view
CONVERSATION = """\
id: convblind
version: "1"
title: 会話
criterion: leaf
scorers: [{kind: contains, params: {values: [ラボ]}}]
items:
  - id: c1
    turns:
      - user: こんにちは
        scorers: [{kind: contains, params: {values: [未来AIラボ]}}]
      - user: ありがとう
"""
# ids, names and attestation free text that must never appear in a blinded view
IDENTITY = [
    "kiso-gov-llm",
    "基礎行政モデル",
    "mirai-ai-lab",
    "未来AIラボ",
    "kiso-base-70b",
    "ミライ専用クラウド",
    "KISO_API_KEY",
]
VENDORS = {
    "kiso": (
        "id: kiso-gov-llm\nname: 基礎行政モデル\nprovider: reference\nmodel: oracle:think\npublish: true\n"
        "attestation: {deployment: government_cloud, base_model: kiso-base-70b, provenance: derivative}\n"
    ),
    "mirai": (
        "id: mirai-ai-lab\nname: 未来AIラボ\nprovider: reference\nmodel: refuse\npublish: true\n"
        "attestation: {cloud_service: ミライ専用クラウド}\n"
    ),
    "judge": "id: judge-one\nname: 判定者\ncategory: judge\nprovider: reference\nmodel: judge\n",
}


@pytest.fixture(scope="module")
def blind_run(tmp_path_factory):
    suites = {"s": SUITE, "p": PLAIN, "c": CONVERSATION}
    work = make_workspace(tmp_path_factory.mktemp("blind") / "w", suites, VENDORS)
    proc = evalkit("run", "--out", "run", "--blind", "--blind-seed", "11", "--judge", "judge-one", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return work, proc


def test_blinded_views_name_no_vendor(blind_run):
    work, proc = blind_run
    run = work / "run"
    assert "blind-mapping.json" in proc.stderr
    for name in ("report.html", "results.csv", "summary.json", "results.junit.xml"):
        text = (run / name).read_text(encoding="utf-8")
        for ident in IDENTITY:
            assert ident not in text, (name, ident)
        assert "ベンダーA" in text or "vendor-A" in text, name
    frame = pd.read_parquet(run / "results.parquet")
    flat = frame.astype(str).to_csv()
    for ident in IDENTITY:
        assert ident not in flat, ident
    assert set(frame.vendor_id) == {"vendor-A", "vendor-B"}
    assert "盲検化" in (run / "report.html").read_text(encoding="utf-8")
    # the console output is a view too
    for ident in IDENTITY[:4]:
        assert ident not in proc.stdout


def test_mapping_file_and_unblind(blind_run):
    work, _ = blind_run
    mapping = json.loads((work / "run" / "blind-mapping.json").read_text(encoding="utf-8"))
    assert mapping["seed"] == 11 and mapping["run_id"] == "run"
    by_real = {v["id"]: (v["pseudonym_id"], v["pseudonym"]) for v in mapping["vendors"]}
    assert set(by_real) == {"kiso-gov-llm", "mirai-ai-lab"}
    assert sorted(p for p, _ in by_real.values()) == ["vendor-A", "vendor-B"]
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    totals = {v["id"]: v["total"] for v in summary["vendors"]}
    assert totals[by_real["kiso-gov-llm"][0]] == 1.0  # the oracle, under its pseudonym
    proc = evalkit("report", "run", "--unblind", "run/blind-mapping.json", cwd=work)
    assert proc.returncode == 0, proc.stderr
    text = (work / "run" / "report-unblinded.html").read_text(encoding="utf-8")
    assert "基礎行政モデル" in text and "未来AIラボ" in text
    # the blinded exports are untouched by the unblinded variant
    assert "基礎行政モデル" not in (work / "run" / "summary.json").read_text(encoding="utf-8")
    # a mapping of another run is refused
    other = dict(mapping, run_id="another")
    (work / "other.json").write_text(json.dumps(other), encoding="utf-8")
    bad = evalkit("report", "run", "--unblind", "other.json", cwd=work)
    assert bad.returncode == 2 and "does not belong to run" in bad.stderr


def test_same_seed_same_pseudonyms(tmp_path):
    from evalkit.integrity.blind import assign

    a = assign(["x", "y", "z"], 5).pseudonyms
    assert a == assign(["z", "y", "x"], 5).pseudonyms
    assert sorted(p for p, _ in a.values()) == ["vendor-A", "vendor-B", "vendor-C"]


def test_judges_never_see_the_vendor_in_blind_mode(blind_run):
    work, _ = blind_run
    db = sqlite3.connect(work / "run" / "store.sqlite")
    prompts = [m for (m,) in db.execute("SELECT messages FROM judge_requests")]
    # 2 items x 2 vendors, one judge — less the oracle's answers that are the reference answers themselves
    # (decided without a judge)
    assert len(prompts) == 2  # the refusing vendor's two answers
    for text in prompts:
        for ident in IDENTITY[:4] + ["ベンダーA", "ベンダーB", "vendor-A", "vendor-B", "oracle", "refuse"]:
            assert ident not in text


def test_blinded_bundle_verifies_and_leaves_the_mapping_out(blind_run):
    work, _ = blind_run
    proc = evalkit("bundle", "run", "--out", "blind.tar.gz", cwd=work)
    assert proc.returncode == 0, proc.stderr
    import tarfile

    with tarfile.open(work / "blind.tar.gz") as tar:
        names = tar.getnames()
    assert "blind-mapping.json" not in names
    ok = evalkit("verify", "blind.tar.gz", cwd=work)
    assert ok.returncode == 0, ok.stdout
    proc = evalkit("bundle", "run", "--out", "with-map.tar.gz", "--include-mapping", cwd=work)
    with tarfile.open(work / "with-map.tar.gz") as tar:
        assert "blind-mapping.json" in tar.getnames()
