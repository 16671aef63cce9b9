"""`evalkit validate --self-check` fails suites that cannot tell a good answer from a bad one."""

from __future__ import annotations

from conftest import evalkit, make_workspace

HEAD = 'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\n'
CANARY = "canary: evalkit-canary:3f1c2a9e-5b7d-4e21-9c0a-6d8e2f4b1a73\n"  # self-check requires one


def _validate(tmp_path, suite: str):
    work = make_workspace(tmp_path / "w", {"s": suite + CANARY}, {})
    return evalkit("validate", "--self-check", "suites", cwd=work)


def test_separating_suite_passes(tmp_path):
    proc = _validate(
        tmp_path, HEAD + "scorers: [{kind: exact}]\nitems:\n  - {id: a, vars: {q: 首都は}, reference: 東京}\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert "(self-check passed)" in proc.stdout


def test_reference_that_reads_as_refusal_is_caught(tmp_path):
    suite = HEAD + (
        "scorers: [{kind: refusal, params: {expect: answer}}, {kind: contains}]\nitems:\n"
        "  - {id: a, vars: {q: 手続は}, reference: お応えできません}\n"
    )
    proc = _validate(tmp_path, suite)
    assert proc.returncode == 2
    assert (
        "suites/s.yaml:8:5: items[0]: self-check: the oracle answer fails refusal "
        "(item 'a' cannot be passed as written)" in proc.stderr.splitlines()
    )


def test_decline_item_that_refusal_cannot_pass(tmp_path):
    suite = HEAD + (
        "scorers: [{kind: refusal}, {kind: contains, params: {values: [申し訳], negate: true}}]\nitems:\n"
        "  - {id: a, vars: {q: 番号を教えて}, expect: decline}\n"
    )
    proc = _validate(tmp_path, suite)
    assert proc.returncode == 2
    assert "self-check: a polite refusal fails should-decline item 'a'" in proc.stderr


def test_answer_item_a_refusal_passes(tmp_path):
    suite = HEAD + (
        "scorers: [{kind: contains, params: {values: [東京, できません]}}]\nitems:\n"
        "  - {id: a, vars: {q: 首都は}, reference: 東京}\n"
    )
    proc = _validate(tmp_path, suite)
    assert proc.returncode == 2
    assert "self-check: a refusal passes item 'a', which should require an answer" in proc.stderr
