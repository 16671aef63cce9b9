"""Mistakes that used to be internal errors (exit 70) are usage or input errors with a clear line
(issue 13 #17): a run folder that is a file, a control character in a YAML file."""

from __future__ import annotations

from conftest import SMALL_CRITERIA, evalkit, make_workspace

SUITE = (
    'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\n'
    "items:\n  - {id: a, vars: {q: 首都は}, reference: 東京}\n"
)
ORACLE = {"oracle": "id: oracle\nname: オラクル\nprovider: reference\nmodel: oracle\n"}


def test_a_run_folder_that_is_a_file_is_a_usage_error(tmp_path):
    work = make_workspace(tmp_path / "w", {"s": SUITE}, ORACLE, criteria=SMALL_CRITERIA)
    (work / "taken").write_text("keep me", encoding="utf-8")
    for target in ("taken", "/dev/null"):
        proc = evalkit("run", "--out", target, "-q", cwd=work)
        assert proc.returncode == 2, proc.stderr
        assert f"--out {target}: exists and is not a folder" in proc.stderr and "internal error" not in proc.stderr
    assert (work / "taken").read_text(encoding="utf-8") == "keep me"
    proc = evalkit("run", "--out", "taken/run", "-q", cwd=work)
    assert proc.returncode == 2 and "--out taken/run: cannot create the run folder" in proc.stderr


def test_a_control_character_is_reported_where_it_is(tmp_path):
    text = SUITE.replace("title: 試験", 'title: "試験"\ndescription: "説明\x01です"')
    work = make_workspace(tmp_path / "w", {"s": text}, {}, criteria=SMALL_CRITERIA)
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0].startswith("suites/s.yaml:4:17: (syntax): unacceptable character U+0001")
