"""Configuration loading: alias bombs and deep nesting, what a file is (path relative to the
workspace, an imposed kind, the content), check-versions across renames, positions of unreadable
files, and suites without items. Bad input is one ``file[:line:col]: ...`` line and exit 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import SMALL_CRITERIA, evalkit, git

from evalkit.config.issues import ConfigError, ConfigIssue, path_issue
from evalkit.config.loader import classify, load_workspace
from evalkit.config.yamlpos import MAX_DEPTH, load_yaml

SUITE = """\
id: s1
version: "1.0.0"
title: テスト
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: q1, vars: {q: 日本の首都は}, reference: 東京}
"""
VENDOR = "id: acme\nname: ACME\nprovider: reference\nmodel: oracle\n"


def workspace(root: Path) -> Path:
    (root / "suites").mkdir(parents=True)
    (root / "vendors").mkdir()
    (root / "suites" / "criteria.yaml").write_text(SMALL_CRITERIA, encoding="utf-8")
    (root / "suites" / "s1.yaml").write_text(SUITE, encoding="utf-8")
    (root / "vendors" / "ref.yaml").write_text(VENDOR.replace("acme", "ref"), encoding="utf-8")
    return root


def failing(proc: subprocess.CompletedProcess) -> list[str]:
    """The problem lines of a run that must fail as bad input (exit 2, no traceback)."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[-1] == f"{len(lines) - 1} problem(s) found", proc.stderr
    return lines[:-1]


# ------------------------------------------------------------------------------ alias bombs, nesting
def bomb(levels: int = 10, width: int = 9) -> str:
    """9**10 (3.5 billion) leaves when expanded: far beyond 10 GB as Python objects."""
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_in_a_suite_is_refused(tmp_path):
    root = workspace(tmp_path / "w")
    text = bomb()
    assert len(text.encode()) < 1000
    (root / "suites" / "bomb.yaml").write_text(text, encoding="utf-8")
    found = failing(evalkit("validate", "suites/bomb.yaml", cwd=root, timeout=60))
    # a6 is the smallest list that expands past the limit (9**7 leaves)
    assert len(found) == 1
    assert found[0].startswith("suites/bomb.yaml:7:5: (document): too many aliases (4,")
    assert found[0].endswith(" nodes); YAML aliases that expand this far are not accepted")


def test_merge_key_bomb_is_refused(tmp_path):
    lines = ["m0: &m0 {k0: 1, k1: 2, k2: 3}"]
    for i in range(1, 12):
        lines.append(f"m{i}: &m{i}\n  <<: [" + ", ".join([f"*m{i - 1}"] * 9) + f"]\n  own{i}: 1")
    (tmp_path / "m.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc, issues = load_yaml(tmp_path / "m.yaml")
    assert doc is None and len(issues) == 1
    assert issues[0].field == "(document)" and "too many aliases" in issues[0].message


def test_alias_bomb_in_an_attestation_answers_file_is_refused(tmp_path):
    root = workspace(tmp_path / "w")
    (root / "answers.yaml").write_text("vendor: ref\n" + bomb().replace("a0:", "x0:", 1), encoding="utf-8")
    found = failing(evalkit("validate", "suites", "vendors", "--attestation", "answers.yaml", cwd=root, timeout=60))
    assert len(found) == 1 and found[0].startswith("answers.yaml:8:5: (document): too many aliases (")


def test_deep_nesting_is_refused_not_a_crash(tmp_path):
    (tmp_path / "criteria.yaml").write_text(SMALL_CRITERIA, encoding="utf-8")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    (tmp_path / "deep2.yaml").write_text("a: " + "[" * 150 + "]" * 150 + "\n", encoding="utf-8")
    (tmp_path / "deep3.yaml").write_text("a: " + "[" * 1500 + "]" * 1499 + "\n", encoding="utf-8")  # and broken
    found = failing(evalkit("validate", "deep.yaml", "deep2.yaml", "deep3.yaml", cwd=tmp_path, timeout=60))
    message = f"(document): nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)"
    # measured from the events; a libyaml that caps nesting itself (PyYAML 6.0.4 stops at 1,000 levels)
    # has the pure-Python parser re-read the file, which reports it at the document's start
    assert found[0] in (f"deep.yaml:1:{3 + MAX_DEPTH}: {message}", f"deep.yaml:1:1: {message}")
    assert found[1:] == [
        f"deep2.yaml:1:{3 + MAX_DEPTH}: {message}",  # found while building
        f"deep3.yaml:1:1: {message}",
    ]  # the pure-Python parser, re-reading a broken file


def test_nesting_through_aliases_is_limited_too(tmp_path):
    lines = ["l0: &l0 [x]"] + [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, 120)]
    (tmp_path / "chain.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc, issues = load_yaml(tmp_path / "chain.yaml")
    assert doc is None
    assert [str(i) for i in issues] == [
        f"{tmp_path / 'chain.yaml'}:1:5: (document): nested too deeply "
        f"(more than {MAX_DEPTH} levels of lists and mappings)"
    ]


def test_ordinary_aliases_still_work_and_are_independent_copies(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "base: &b {kind: exact, params: {x: [1, 2]}}\none: *b\ntwo: *b\nthree: {<<: *b, kind: contains}\n",
        encoding="utf-8",
    )
    doc, issues = load_yaml(path)
    assert issues == []
    assert doc.data["one"] == doc.data["two"] == {"kind": "exact", "params": {"x": [1, 2]}}
    assert doc.data["three"] == {"kind": "contains", "params": {"x": [1, 2]}}
    doc.data["one"]["params"]["x"].append(3)
    assert doc.data["two"]["params"]["x"] == [1, 2]  # nothing is shared between aliases
    assert doc.pos(("two", "params", "x", 1)) == (1, 40)


# ------------------------------------------------------------------------------ what a file is
def test_a_vendor_file_outside_a_vendors_folder(tmp_path):
    root = workspace(tmp_path / "w")
    (tmp_path / "acme.yaml").write_text(VENDOR, encoding="utf-8")
    proc = evalkit("validate", "suites", "../acme.yaml", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok: criteria suites/criteria.yaml, 1 suites (1 items), 1 vendors"


def test_selftest_with_a_vendor_file_outside_the_workspace(tmp_path):
    root = workspace(tmp_path / "w")
    (tmp_path / "acme.yaml").write_text(VENDOR, encoding="utf-8")
    proc = evalkit("selftest", "--vendor", "../acme.yaml", "--out", "st", "-q", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "ACME (acme): 総合 100.0" in proc.stdout


def test_an_imposed_kind_wins(tmp_path):
    root = workspace(tmp_path / "w")
    broken = tmp_path / "acme.yaml"
    broken.write_text("id: acme\nname: ACME\nprovider: reference\n", encoding="utf-8")  # no model
    ws = load_workspace([root / "suites"], kinds={broken: "vendor"})
    assert [str(i) for i in ws.issues] == [f"{broken}:1:1: model: missing required field 'model'"]
    # a directory applies its kind to every file below it; a file found twice keeps the imposed kind
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "v.yaml").write_text(VENDOR, encoding="utf-8")
    ws = load_workspace([root / "suites", tmp_path / "elsewhere"], kinds={tmp_path / "elsewhere": "vendor"})
    assert ws.issues == [] and [v.model.id for v in ws.vendors] == ["acme"]
    ws = load_workspace([root / "suites", root / "vendors"], kinds={str(root / "vendors" / "ref.yaml"): "vendor"})
    assert ws.issues == [] and [v.model.id for v in ws.vendors] == ["ref"] and len(ws.suites) == 1
    with pytest.raises(ValueError):
        load_workspace([root / "suites"], kinds={broken: "criteria"})


def test_ancestor_folders_of_the_workspace_do_not_count(tmp_path):
    root = workspace(tmp_path / "vendors" / "ws")  # a checkout under a folder named vendors
    proc = evalkit("validate", str(root / "suites"), str(root / "vendors"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("1 suites (1 items), 1 vendors")
    proc = evalkit("validate", str(root / "suites" / "s1.yaml"), cwd=tmp_path / "vendors")
    assert proc.returncode == 0, proc.stderr
    proc = evalkit("validate", "ws/suites", "ws/vendors", cwd=tmp_path / "vendors")
    assert proc.returncode == 0, proc.stderr


def test_classify():
    assert classify(Path("suites/admin/x.yaml")) == "suite"
    assert classify(Path("vendors/x.yaml")) == "vendor"
    assert classify(Path("suites/attestation/x.yaml")) == "attestation"
    assert classify(Path("suites/criteria.yaml")) == "criteria"
    assert classify(Path("suites/x.sealed")) == "sealed"
    assert classify(Path("vendors/ws/suites/x.yaml")) == "suite"  # the nearest folder wins
    assert classify(Path("/elsewhere/vendors/ws/suites/x.yaml"), root=Path("/elsewhere/vendors/ws")) == "suite"
    assert classify(Path("/elsewhere/vendors/ws/x.yaml"), root=Path("/elsewhere/vendors/ws")) == "suite"
    assert classify(Path("/elsewhere/vendors/x.yaml"), root=Path("/elsewhere/vendors")) == "vendor"
    assert classify(Path("/nowhere/acme.yaml"), {"id": "a", "provider": "openai", "model": "m"}) == "vendor"
    assert (
        classify(Path("/nowhere/acme.yaml"), {"id": "a", "provider": "openai", "model": "m", "prompt": "p"}) == "suite"
    )
    assert classify(Path("/nowhere/q.yaml"), {"id": "q", "checks": []}) == "attestation"
    assert classify(Path("vendors/x.yaml"), kind="suite") == "suite"


# ------------------------------------------------------------------------------ check-versions
@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "repo")
    (root / "suites" / "admin").mkdir()
    (root / "suites" / "s1.yaml").rename(root / "suites" / "admin" / "legal_mc.yaml")
    git(root, "init", "-q")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "suites")
    return root


def test_a_renamed_suite_is_compared_with_its_id(repo):
    git(repo, "mv", "suites/admin/legal_mc.yaml", "suites/admin/legal_mc2.yaml")
    proc = evalkit("check-versions", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "0 new, 1 unchanged" in proc.stdout
    path = repo / "suites" / "admin" / "legal_mc2.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("reference: 東京", "reference: 京都"), encoding="utf-8")
    proc = evalkit("check-versions", cwd=repo)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        "suites/admin/legal_mc2.yaml: items or scoring changed since HEAD "
        '(suites/admin/legal_mc.yaml at HEAD) but version is still "1.0.0"'
    )
    # moved to another folder that is checked too
    (repo / "other").mkdir()
    git(repo, "mv", "suites/admin/legal_mc2.yaml", "other/x.yaml")
    proc = evalkit("check-versions", "other", "suites", cwd=repo)
    assert proc.returncode == 2 and proc.stderr.startswith("other/x.yaml: items or scoring changed since HEAD")
    # a bumped version passes; a new id is new
    path = repo / "other" / "x.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"1.0.0"', '"1.1.0"'), encoding="utf-8")
    assert "1 changed with a new version" in evalkit("check-versions", "other", "suites", cwd=repo).stdout
    path.write_text(path.read_text(encoding="utf-8").replace("id: s1", "id: s2"), encoding="utf-8")
    proc = evalkit("check-versions", "other", "suites", cwd=repo)
    assert proc.returncode == 0 and "1 new" in proc.stdout


def test_check_versions_reads_files_with_the_loader(repo):
    (repo / "suites" / "bomb.yaml").write_text('version: "1"\n' + bomb(), encoding="utf-8")
    proc = evalkit("check-versions", cwd=repo, timeout=60)
    assert proc.returncode == 0, proc.stderr  # not a versioned suite it can read; validate reports it
    assert "1 unchanged" in proc.stdout


# ------------------------------------------------------------------------------ positions
def test_missing_path_and_undecodable_byte(tmp_path):
    root = workspace(tmp_path / "w")
    (root / "suites" / "bad.yaml").write_bytes("id: s2\ntitle: テスト\n".encode() + b"name: ab\xffc\n")
    found = failing(evalkit("validate", "suites", "vendors/nonexist.yaml", cwd=root))
    assert found == [
        "suites/bad.yaml:3:9: (document): file is not valid UTF-8: invalid start byte",
        "vendors/nonexist.yaml: no such file or directory",
    ]
    # the column counts characters, not bytes
    (root / "suites" / "bad.yaml").write_bytes("id: s2\ntitle: 試験".encode() + b"\x80x\n")
    found = failing(evalkit("validate", "suites/bad.yaml", cwd=root))
    assert found == ["suites/bad.yaml:2:10: (document): file is not valid UTF-8: invalid start byte"]


def test_path_issues_sort_with_positioned_ones():
    issues = [
        ConfigIssue("b.yaml", 2, 1, "x", "m"),
        path_issue("a.yaml", "no such file or directory"),
        ConfigIssue("a.yaml", 1, 1, "x", "m"),
    ]
    error = ConfigError(issues)
    assert str(error).splitlines() == ["a.yaml: no such file or directory", "a.yaml:1:1: x: m", "b.yaml:2:1: x: m"]


# ------------------------------------------------------------------------------ suites without items
def test_a_suite_without_items_is_an_error(tmp_path):
    root = workspace(tmp_path / "w")
    (root / "suites" / "empty.yaml").write_text(
        SUITE.replace("id: s1", "id: s2").split("items:")[0] + "items: []\n", encoding="utf-8"
    )
    (root / "suites" / "none.yaml").write_text(SUITE.replace("id: s1", "id: s3").split("items:")[0], encoding="utf-8")
    found = failing(evalkit("validate", "suites", cwd=root))
    assert found == [
        "suites/empty.yaml:7:8: items: a suite needs at least one item (inline items or a source)",
        "suites/none.yaml:1:1: items: a suite needs at least one item (inline items or a source)",
    ]


def test_a_suite_whose_optional_source_is_absent_is_still_skipped(tmp_path):
    root = workspace(tmp_path / "w")
    (root / "suites" / "ext.yaml").write_text(
        SUITE.replace("id: s1", "id: ext").split("items:")[0]
        + "items: []\nsource: {path: nowhere/q.jsonl, optional: true, mapping: {vars.q: '{{ q }}'}}\n",
        encoding="utf-8",
    )
    proc = evalkit("validate", "suites", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "suite 'ext' skipped (optional data source)" in proc.stderr
