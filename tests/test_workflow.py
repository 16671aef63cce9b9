"""The suite-change workflow (.github/workflows/suites.yml) works: its shell steps, run here as
GitHub would run them (bash -eo pipefail) in a fresh clone of the repository, all succeed and leave
the JUnit XML the workflow publishes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import REPO, clean_env, read_yaml

WORKFLOW = REPO / ".github" / "workflows" / "suites.yml"


def steps() -> list[dict]:
    data = read_yaml(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = data["jobs"].values()
    return job["steps"]


def test_the_workflow_installs_as_the_readme_says_and_publishes_junit():
    install = next(s for s in steps() if s.get("name", "").startswith("Install"))
    assert install["run"].strip().startswith("bash scripts/start ")
    assert "```sh\nbash scripts/start\n```" in (REPO / "README.md").read_text(encoding="utf-8")
    published = next(s for s in steps() if "action-junit-report" in s.get("uses", ""))
    assert published["with"]["report_paths"] == "reports/ci/results.junit.xml"
    triggers = read_yaml(WORKFLOW.read_text(encoding="utf-8"))[True]  # YAML 1.1 reads `on` as true
    # every change that can move a verdict runs it (suites, scorers, loader, runner, report, dependencies):
    # only prose is left out
    for event in ("push", "pull_request"):
        assert "paths" not in triggers[event] and triggers[event]["paths-ignore"] == ["docs/**", "**/*.md"]


def test_every_action_is_pinned_and_the_tests_run_on_every_python():
    import re

    for workflow in (REPO / ".github" / "workflows").glob("*.yml"):
        uses = re.findall(r"uses:\s*(\S+)", workflow.read_text(encoding="utf-8"))
        assert uses and all(re.fullmatch(r"[\w.\-]+/[\w.\-]+@[0-9a-f]{40}", u) for u in uses), (workflow, uses)
    tests = read_yaml((REPO / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8"))
    assert tests[True] == {"push": None, "pull_request": None}  # every push and pull request
    (job,) = tests["jobs"].values()
    assert job["strategy"]["matrix"]["python"] == ["3.10", "3.11", "3.12"]
    assert job["steps"][-1]["run"] == "bash scripts/test"  # the README's test command, as written


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs git and the repository")
def test_every_shell_step_succeeds_in_a_fresh_clone(tmp_path, repo_self_check):
    # (repo_self_check: the session's self-check of the same files fills evalkit's cache first, so the
    # clone's `validate --self-check` step reads the clean suites from it, as a second CI step would; a
    # clone of a tree with uncommitted changes has other code and checks everything again)
    clone = tmp_path / "repo"
    subprocess.run(["git", "-c", "safe.directory=*", "clone", "-q", str(REPO), str(clone)], check=True)
    head_parent = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", "HEAD~1"], cwd=clone, capture_output=True, text=True
    )
    # (the install step is left out: evalkit is already installed, from this working tree)
    shell = [s for s in steps() if "run" in s and not s.get("name", "").startswith("Install")]
    assert len(shell) >= 5
    # the workflow's steps say `python` (actions/setup-python's interpreter): here, the one running the tests
    # (the project's .venv under scripts/test; a stock Debian has python3 only, no `python`, on its PATH)
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    env = clean_env(BASE=head_parent.stdout.strip(), PATH=path)
    # the clone's evalkit is another copy of the code (the last commit), not the tree coverage measures:
    # its processes are not traced (no COVERAGE_PROCESS_CONFIG), which also keeps this test's time down
    env = {k: v for k, v in env.items() if not k.startswith("COVERAGE_")}
    for step in shell:
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=clone,
            env={**env, **{k: v for k, v in (step.get("env") or {}).items() if "${{" not in v}},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, (step["name"], proc.stdout[-2000:], proc.stderr[-2000:])
    suites = ET.parse(clone / "reports" / "ci" / "results.junit.xml").getroot()
    cases = suites.findall(".//testcase")
    assert cases and any("ref-oracle" in (c.get("classname", "") + c.get("name", "")) for c in cases)
