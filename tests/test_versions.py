"""`evalkit check-versions`: a suite whose items or scoring changed since a git revision must have
a new version. Each test builds a throwaway git repository in tmp_path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import evalkit, git

from evalkit.config.versions import scoring_content

SUITE = """\
# yaml-language-server: $schema=../schemas/suite.schema.json
id: s
version: "1.1.0"
title: 試験
criterion: leaf
description: 何を測るか。
canary: evalkit-canary:9a3c1e5b-7d2f-4a6b-8c0e-1f3b5d7a9c2e
prompt: "{{ q }}"
generation: {temperature: 0}
scorers: [{kind: exact}]
items:
  - id: a
    vars: {q: 首都は}
    reference: 東京
    note: 首都の確認
"""

QUESTIONNAIRE = """\
id: attestation.env
version: "1.0.0"
title: 申告
criterion: leaf
checks:
  - {id: gc, field: deployment, title: t, question: q, clause: c, expect: government_cloud}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "suites" / "attestation").mkdir(parents=True)
    git(root, "init", "-q")
    git(root, "config", "commit.gpgsign", "false")
    (root / "suites" / "criteria.yaml").write_text("id: root\ntitle: t\nclause: c\n", encoding="utf-8")
    (root / "suites" / "s.yaml").write_text(SUITE, encoding="utf-8")
    (root / "suites" / "attestation" / "env.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "suites")
    return root


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def check(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return evalkit("check-versions", *args, cwd=repo)


def test_unchanged_files_pass(repo):
    proc = check(repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "ok: 2 versioned files checked against HEAD: 0 changed with a new version, 0 new, 2 unchanged"
    )


@pytest.mark.parametrize(
    "old, new",
    [
        ("reference: 東京", "reference: 東京都"),  # an item's reference
        ("scorers: [{kind: exact}]", "scorers: [{kind: contains}]"),  # scoring
        ('prompt: "{{ q }}"', 'prompt: "質問: {{ q }}"'),  # the prompt
        ("generation: {temperature: 0}", "generation: {temperature: 0.7}"),
        ("  - id: a\n", "  - id: a\n    critical: true\n"),
        ("items:\n", "items:\n  - {id: b, vars: {q: 県庁所在地は}, reference: 札幌市}\n"),  # an added item
    ],
)
def test_changed_items_or_scoring_without_a_bump_fail(repo, old, new):
    edit(repo, "suites/s.yaml", old, new)
    proc = check(repo)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        'suites/s.yaml: items or scoring changed since HEAD but version is still "1.1.0"',
        "1 file(s) need a new version: results of different versions must never be mixed",
    ]


def test_a_bumped_version_passes(repo):
    edit(repo, "suites/s.yaml", "reference: 東京", "reference: 東京都")
    edit(repo, "suites/s.yaml", 'version: "1.1.0"', 'version: "1.2.0"')
    proc = check(repo)
    assert proc.returncode == 0, proc.stderr
    assert "1 changed with a new version" in proc.stdout


@pytest.mark.parametrize(
    "old, new",
    [
        ("description: 何を測るか。", "description: 何を測るか（説明を改めた）。"),
        ("title: 試験", "title: 試験（改題）"),
        ("    note: 首都の確認", "    note: 首都の確認（出典を追記）"),
        ("id: s\n", "# a comment does not change results\nid: s\n"),
        ("scorers: [{kind: exact}]", "scorers:\n  - kind: exact"),  # formatting only
        (
            "canary: evalkit-canary:9a3c1e5b-7d2f-4a6b-8c0e-1f3b5d7a9c2e",
            "canary: evalkit-canary:0d2e4f6a-8b1c-4d3e-9f5a-7b9c1d3e5f70",
        ),
    ],
)
def test_documentation_changes_need_no_bump(repo, old, new):
    edit(repo, "suites/s.yaml", old, new)
    proc = check(repo)
    assert proc.returncode == 0, proc.stderr


def test_new_files_pass_and_are_counted(repo):
    (repo / "suites" / "new.yaml").write_text(SUITE.replace("id: s\n", "id: s2\n"), encoding="utf-8")
    proc = check(repo)
    assert proc.returncode == 0, proc.stderr
    assert "1 new" in proc.stdout


def test_comparison_with_an_earlier_commit(repo):
    edit(repo, "suites/s.yaml", "reference: 東京", "reference: 東京都")
    git(repo, "commit", "-q", "-am", "change the reference, forget the version")
    assert check(repo).returncode == 0  # the working tree equals HEAD
    proc = check(repo, "--base", "HEAD~1", "suites")
    assert proc.returncode == 2
    assert (
        proc.stderr.splitlines()[0]
        == 'suites/s.yaml: items or scoring changed since HEAD~1 but version is still "1.1.0"'
    )


def test_questionnaire_checks_are_versioned_too(repo):
    edit(repo, "suites/attestation/env.yaml", "expect: government_cloud", "expect: [government_cloud, on_premises]")
    proc = check(repo)
    assert proc.returncode == 2
    assert (
        proc.stderr.splitlines()[0]
        == 'suites/attestation/env.yaml: checks changed since HEAD but version is still "1.0.0"'
    )


def test_an_unknown_revision_is_a_usage_error(repo):
    proc = check(repo, "--base", "no-such-branch")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "evalkit: error: check-versions: unknown git revision 'no-such-branch'"


def test_outside_a_repository(tmp_path):
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "s.yaml").write_text(SUITE, encoding="utf-8")
    proc = check(tmp_path)
    assert proc.returncode == 2
    assert "not inside a git repository" in proc.stderr


def test_scoring_content_ignores_documentation_keys():
    a = {"id": "s", "version": "1", "title": "a", "items": [{"id": "x", "note": "n", "reference": "r"}]}
    b = {"id": "s", "version": "2", "title": "b", "items": [{"id": "x", "note": "m", "reference": "r"}]}
    assert scoring_content(a) == scoring_content(b)
    b["items"][0]["reference"] = "s"
    assert scoring_content(a) != scoring_content(b)


def test_a_changed_data_file_needs_a_bump(repo):
    (repo / "suites" / "data.jsonl").write_text('{"q": "1", "a": "x"}\n', encoding="utf-8")
    (repo / "suites" / "ext.yaml").write_text(
        'id: ext\nversion: "1"\ntitle: 外部\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\n'
        'source: {path: data.jsonl, mapping: {vars.q: "{{ q }}", reference: "{{ a }}"}}\n',
        encoding="utf-8",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "external data")
    assert check(repo).returncode == 0
    (repo / "suites" / "data.jsonl").write_text('{"q": "1", "a": "y"}\n', encoding="utf-8")
    proc = check(repo)
    assert proc.returncode == 2
    assert (
        proc.stderr.splitlines()[0] == 'suites/ext.yaml: items or scoring changed since HEAD but version is still "1"'
    )
