"""Shared fixtures: the repository, a clean environment, and one real run of the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "samples"  # excerpts of external data formats, with their licences
# Variables that would point example vendors at real services; tests never reach them.
REAL_VENDOR_ENV = ("OPENAI_API_KEY", "GENNAI_VLLM_BASE_URL", "GENNAI_VLLM_API_KEY")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in REAL_VENDOR_ENV}
    env.update(PYTHONIOENCODING="utf-8", **extra)
    return env


def evalkit(*args: str, cwd: Path = REPO, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


SMALL_CRITERIA = "id: root\ntitle: 全体\nclause: 全体\nchildren:\n  - id: leaf\n    title: 葉\n    clause: 葉\n"


def make_workspace(root: Path, suites: dict[str, str], vendors: dict[str, str], criteria: str = SMALL_CRITERIA) -> Path:
    """A throwaway project: suites/criteria.yaml, suites/<name>.yaml, vendors/<name>.yaml."""
    (root / "suites").mkdir(parents=True)
    (root / "vendors").mkdir()
    (root / "suites" / "criteria.yaml").write_text(criteria, encoding="utf-8")
    for name, text in suites.items():
        (root / "suites" / f"{name}.yaml").write_text(text, encoding="utf-8")
    for name, text in vendors.items():
        (root / "vendors" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def repo_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`evalkit run` with no vendor/suite arguments: the repo's suites against the reference vendors."""
    out = tmp_path_factory.mktemp("run") / "run"
    proc = evalkit("run", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc


# Tests that run every repository suite (a full run, the self-check of every probe, a fresh clone of the
# workflow) or a real browser: left out of the quick subset, bash scripts/test -m "not slow".
SLOW_TESTS = (
    "test_report_browser.py::",
    "test_workflow.py::test_every_shell_step_succeeds_in_a_fresh_clone",
    "test_probes.py::test_every_repository_probe_gets_its_verdict_and_flipping_one_fails",
    "test_suites_doc.py::test_generated_parts_are_current",
    "test_data_sources.py::test_repo_validates_without_external_data",
    "test_near_duplicates.py::test_the_repository_suites_hold_no_near_duplicates",
    "test_list_tags.py::test_repo_counts_meet_the_floors_of_suites_v2",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "repo_run" in getattr(item, "fixturenames", ()) or any(name in item.nodeid for name in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)
