"""The habits of the project that a test can hold: one version, shown wherever a run is read; the
checks of the test command, pre-commit and CI are the same; every suppression says why."""

from __future__ import annotations

import importlib.metadata
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

from conftest import REPO, evalkit, make_workspace, read_yaml

import evalkit as evalkit_pkg

CHECKS = ("ruff check", "ruff format --check", "mypy")


def test_the_version_has_one_source():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]  # the [project] table
    assert re.search(r'^dynamic = \["version"\]', project, re.M)
    assert not re.search(r"^version\s*=", project, re.M), "a second version in pyproject.toml"
    assert 'version = { attr = "evalkit.__version__" }' in pyproject
    assert importlib.metadata.version("evalkit") == evalkit_pkg.__version__


def test_the_checks_run_in_the_test_command_and_in_pre_commit():
    script = (REPO / "scripts" / "test").read_text(encoding="utf-8")
    hooks = read_yaml((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [h["entry"] for repo in hooks["repos"] for h in repo["hooks"]]
    for check in CHECKS:
        assert f'"{check}' in script or f" {check}" in script, check
        assert any(f"-m {check}" in entry for entry in entries), check
    assert "bash scripts/test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    workflow = (REPO / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8")
    assert "bash scripts/test" in workflow


def test_every_suppression_names_its_code_and_reason():
    bad = []
    for path in sorted((REPO / "evalkit").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "type: ignore" in line and not re.search(r"# type: ignore\[[a-z0-9-]+(, ?[a-z0-9-]+)*\]\s*#\s*\S", line):
                bad.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
            if re.search(r"#\s*noqa(?!: [A-Z]+[0-9]+)", line):
                bad.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not bad, "\n".join(bad)


SUITE = (
    'id: v1\nversion: "1"\ntitle: 版\ncriterion: leaf\nprompt: "{{ q }}"\n'
    "scorers: [{kind: exact}]\nitems:\n  - {id: a, vars: {q: 質問}, reference: 答え}\n"
)


def _bundle_names_and_manifest(bundle: Path) -> dict:
    if zipfile.is_zipfile(bundle):
        with zipfile.ZipFile(bundle) as z:
            return {n: z.read(n) for n in z.namelist()}
    with tarfile.open(bundle) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}


def test_the_run_records_the_version_and_the_report_and_bundle_show_it(tmp_path):
    work = make_workspace(
        tmp_path / "w", {"v1": SUITE}, {"ora": "id: ora\nname: ORA\nprovider: reference\nmodel: oracle\n"}
    )
    version = evalkit_pkg.__version__
    run = evalkit("run", "--out", "run", "-q", cwd=work)
    assert run.returncode == 0, run.stderr
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert f"evalkit {version}" in html
    bundled = evalkit("bundle", "run", "--out", "run.bundle", cwd=work)
    assert bundled.returncode == 0, bundled.stderr
    members = _bundle_names_and_manifest(work / "run.bundle")
    manifest_name = next(n for n in members if n.endswith("manifest.json"))
    manifest = json.load(io.BytesIO(members[manifest_name]))
    assert version in json.dumps(manifest), "the bundle's manifest does not record the evalkit version"
