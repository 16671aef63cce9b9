"""Vendor self-test: public suites only, per-gate status, worst items, a submission bundle that the
Agency can verify and compare with its own run; attestation answers from a separate file."""

from __future__ import annotations

import json
import tarfile

import pytest
from conftest import clean_env, evalkit, make_workspace

CRITERIA = """\
id: root
title: 全体
clause: 全体
children:
  - id: leaf
    title: 性能
    clause: 性能
    gate: {description: 60点以上, min_score: 0.6}
  - id: env
    title: 申告
    clause: 要件1
    gate: {description: 必須の申告が適合, max_critical_failures: 0}
"""
PUBLIC = """\
id: pub.basics
version: "1"
title: 公開スイート
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: q1, vars: {q: 日本の首都は}, reference: 東京}
  - {id: q2, vars: {q: 北海道の道庁所在地は}, reference: 札幌}
"""
PRIVATE = """\
id: priv.basics
version: "1"
title: 非公開スイート
criterion: leaf
publish: false
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: x1, vars: {q: 非公開の設問}, reference: 秘密}
"""
QUESTIONNAIRE = """\
id: attestation.env
version: "1"
title: 申告
criterion: env
checks:
  - {id: gc, field: deployment, title: ガバメントクラウド, question: 推論環境は, clause: 要件1,
     expect: government_cloud}
  - {id: jp, field: data_residency, title: 国内保管, question: 保管場所は, clause: 要件1, expect: japan}
  - {id: nt, field: trains_on_inputs, title: 学習利用なし, question: 学習に使いますか, clause: 要件1, expect: false}
"""
VENDORS = {
    "acme": (
        "id: acme\nname: ACME行政LLM\nprovider: reference\nmodel: oracle\nattestation: {deployment: government_cloud}\n"
    ),
    "echo": "id: echoer\nname: エコー\nprovider: reference\nmodel: echo\n",
}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = make_workspace(
        tmp_path_factory.mktemp("selftest") / "w", {"pub": PUBLIC, "priv": PRIVATE}, VENDORS, criteria=CRITERIA
    )
    (root / "suites" / "attestation").mkdir()
    (root / "suites" / "attestation" / "env.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    (root / "answers.yaml").write_text("data_residency: japan\ntrains_on_inputs: false\n", encoding="utf-8")
    return root


def test_selftest_prints_gates_worst_items_and_writes_a_verifiable_bundle(work):
    assert evalkit("keygen", "--out", "vendor", cwd=work).returncode == 0
    proc = evalkit(
        "selftest", "--vendor", "vendors/echo.yaml", "--out", "st-echo", "--sign-key", "vendor.key", cwd=work
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "エコー (echoer): 総合" in out and "不適合" in out
    assert "gates:" in out and "  [不適合] 性能: 得点 0.000 < 基準 0.6" in out
    assert "worst items (2 of 2 below full marks):" in out
    assert "  0.0  pub.basics/q1  exact: 参照解答「東京」と不一致" in out
    assert "priv.basics" not in out  # only public suites
    assert "3 attestation answer(s) missing" in proc.stderr
    bundle = work / "st-echo" / "submission.bundle.tar.gz"
    with tarfile.open(bundle) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["kind"] == "selftest" and [v["id"] for v in manifest["vendors"]] == ["echoer"]
    ok = evalkit("verify", str(bundle), "--pubkey", "vendor.pub", cwd=work)
    assert ok.returncode == 0, ok.stdout


def test_attestation_answers_file_and_compare(work):
    proc = evalkit(
        "selftest", "--vendor", "acme", "--out", "st-acme", "--attestation", "answers.yaml", "--fail-on-gate", cwd=work
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ACME行政LLM (acme): 総合 100.0  適合" in proc.stdout
    assert "missing" not in proc.stderr  # every question answered between the two sources
    summary = json.loads((work / "st-acme" / "summary.json").read_text(encoding="utf-8"))
    verdicts = {row["id"]: row["vendors"]["acme"]["verdict"] for row in summary["attestation"]}
    assert verdicts == {"gc": "適合", "jp": "適合", "nt": "適合"}
    # the Agency runs the same endpoint on every suite and compares
    agency = evalkit("run", "--out", "agency", "-q", "--attestation", "answers.yaml", cwd=work)
    assert agency.returncode == 2 and "name the vendor these answers are for" in agency.stderr
    agency = evalkit("run", "--out", "agency", "-q", "-v", "acme", "-v", "echoer", cwd=work)
    assert agency.returncode == 0, agency.stderr
    cmp = evalkit("compare", "st-acme/submission.bundle.tar.gz", "agency", cwd=work)
    assert cmp.returncode == 0, cmp.stdout
    assert "ok      pub.basics" in cmp.stdout and "not compared: priv.basics (only in the run)" in cmp.stdout
    bad = evalkit("compare", "st-acme/submission.bundle.tar.gz", "agency", "--vendor", "echoer", cwd=work)
    assert (
        bad.returncode == 4
        and "DIFFERS pub.basics" in bad.stdout
        and "pub.basics/q1: bundle pass, run fail" in bad.stdout
    )


def test_attestation_answers_file_errors_are_positioned(work):
    (work / "bad.yaml").write_text(
        "vendor: acme\ndeploymnt: government_cloud\ntrains_on_inputs: maybe\n", encoding="utf-8"
    )
    proc = evalkit("validate", "suites", "vendors", "--attestation", "bad.yaml", cwd=work)
    assert proc.returncode == 2
    assert "bad.yaml:2:1: deploymnt: " in proc.stderr and "did you mean 'deployment'" in proc.stderr
    assert "bad.yaml:3:19: trains_on_inputs: " in proc.stderr
    (work / "conflict.yaml").write_text("vendor: acme\ndeployment: on_premises\n", encoding="utf-8")
    proc = evalkit("validate", "suites", "vendors", "--attestation", "conflict.yaml", cwd=work)
    assert proc.returncode == 2
    assert "conflict.yaml:2:13: deployment: differs from the vendor file vendors/acme.yaml" in proc.stderr
    (work / "unknown.yaml").write_text("vendor: nobody\ndeployment: on_premises\n", encoding="utf-8")
    proc = evalkit("validate", "suites", "vendors", "--attestation", "unknown.yaml", cwd=work)
    assert (
        proc.returncode == 2 and "unknown.yaml:1:9: vendor: vendor 'nobody' is not part of this command" in proc.stderr
    )


def test_selftest_never_opens_sealed_suites(work, tmp_path):
    env = clean_env(K="a long enough passphrase here")
    root = make_workspace(tmp_path / "w2", {"pub": PUBLIC, "priv": PRIVATE}, VENDORS, criteria=CRITERIA)
    assert evalkit("seal", "suites/priv.yaml", "--key-env", "K", cwd=root, env=env).returncode == 0
    (root / "suites" / "priv.yaml").unlink()
    proc = evalkit("selftest", "--vendor", "acme", "--out", "st", "-q", cwd=root)  # no key at hand
    assert proc.returncode == 0, proc.stderr
    assert "sealed suite left out" not in proc.stderr  # quiet
