"""Shared fixtures: the repository, a clean environment, and one real run of the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from filelock import FileLock

# Console messages are Japanese by default (evalkit/i18n.py); tests assert the English texts unless they
# choose otherwise. Set before any test runs, so every CLI subprocess inherits it.
os.environ.setdefault("EVALKIT_LANG", "en")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "samples"  # excerpts of external data formats, with their licences
# Variables that would point example vendors at real services; tests never reach them.
REAL_VENDOR_ENV = ("OPENAI_API_KEY", "GENNAI_VLLM_BASE_URL", "GENNAI_VLLM_API_KEY")


# `evalkit run` finishes in its own process in tests unless a test asks for the helper process
# (evalkit/finisher.py): a run in this process then stays in it, with whatever the test patched in it, and
# the ~220 runs of a session do not start ~220 more interpreters. The shared repository run, the sealed
# runs and tests/test_finisher.py use the helper, as a user's run does.
os.environ["EVALKIT_FINISH_HELPER"] = "off"

# evalkit variables the tests set for every test (a developer's own values never reach one)
TEST_SETTINGS = ("EVALKIT_LANG", "EVALKIT_CACHE_DIR", "EVALKIT_FINISH_HELPER")


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory) -> None:
    """evalkit's on-disk cache (evalkit/cache.py) in a folder of this session that every xdist worker
    shares, never the developer's ~/.cache: an entry one test's run computed (the baselines of the
    repository's suites) is read by the next, as it would be on an evaluator's machine."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    os.environ["EVALKIT_CACHE_DIR"] = str(root / "evalkit-cache")


def read_yaml(text: str):
    """YAML as ``yaml.safe_load`` reads it, with libyaml's C parser (the repository's suites take ~9 s to
    parse in pure Python and ~1.4 s in C; evalkit's own loader uses the C parser too)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in REAL_VENDOR_ENV}
    env.update(PYTHONIOENCODING="utf-8", **extra)
    return env


def own_env(**extra: str) -> dict[str, str]:
    """``clean_env`` without evalkit's own variables (EVALKIT_*: data folders, keys, venv) except the
    ones the tests set themselves (TEST_SETTINGS), so a developer's settings never reach a test."""
    env = {k: v for k, v in clean_env().items() if not k.startswith("EVALKIT_") or k in TEST_SETTINGS}
    env.update(extra)
    return env


def evalkit(
    *args: str, cwd: Path = REPO, env: dict | None = None, timeout: float = 300, process: bool = False
) -> subprocess.CompletedProcess:
    """Run the real CLI as a user would: its ``main`` with this environment, working directory and
    arguments, its output captured, its exit code returned (a ``SystemExit`` too).

    In this process by default: a subprocess pays the interpreter, every import and coverage's start-up
    again (2-4 s of CPU each, some 220 times a session), while everything the CLI does between its
    arguments and its exit code is the same code either way. ``process=True`` (or
    EVALKIT_TEST_SUBPROCESS=1 for the whole session) starts ``python -m evalkit`` instead: for what only
    a real process shows (``timeout``, start-up, the interpreter's own handling of output), and
    whenever an event loop already runs in this thread (the browser tests drive Playwright's)."""
    if process or os.environ.get("EVALKIT_TEST_SUBPROCESS") == "1" or _loop_running():
        return subprocess.run(
            [sys.executable, "-m", "evalkit", *args],
            cwd=cwd,
            env=env or clean_env(),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )
    return _in_process(list(args), cwd, env or clean_env())


def _loop_running() -> bool:
    """An event loop runs in this thread (Playwright's sync API): the CLI's own asyncio.run cannot."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _in_process(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    from evalkit import i18n
    from evalkit.cli import main

    saved_env, saved_cwd, saved_argv = dict(os.environ), os.getcwd(), sys.argv
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    i18n.reset()  # the language is read from this environment, as a new process would
    sys.argv = [str(REPO / "evalkit" / "__main__.py"), *args]
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse's usage errors and --help/--version
                if isinstance(exc.code, int) or exc.code is None:
                    code = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        i18n.reset()
    return subprocess.CompletedProcess(["evalkit", *args], code, out.getvalue(), err.getvalue())


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed author (the check-versions tests build small histories)."""
    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(
            GIT_AUTHOR_NAME="t",
            GIT_AUTHOR_EMAIL="t@example.com",
            GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@example.com",
        ),
    )
    return proc.stdout.strip()


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


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict]) -> tuple[Path, dict]:
    """Build something expensive once per test session, however many xdist workers ask for it.

    The first worker to get here builds it into a folder under the session's common temporary
    directory while it holds a file lock; the others wait, then read the JSON record it left
    (pytest-xdist's "Making session-scoped fixtures execute only once"). A build that raised left no
    record: the next worker builds again (and fails the same way), so a failure is never hidden."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder every worker of this session shares
    folder, record = root / f"once-{name}", root / f"once-{name}.json"
    with FileLock(str(root / f"once-{name}.lock")):
        if not record.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            record.write_text(json.dumps(build(folder)), encoding="utf-8")
        return folder, json.loads(record.read_text(encoding="utf-8"))


def _completed(args: list[str], record: dict) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess(args, record["returncode"], record["stdout"], record["stderr"])


def unmeasured(env: dict[str, str]) -> dict[str, str]:
    """``env`` without coverage's variables: a subprocess started with it is not measured. For the session's
    repository-wide runs: every line they run is run in this process by smaller tests too, and tracing them
    cost a third of their time (some 70 s of CPU) without adding a covered line (the figure was the same)."""
    return {k: v for k, v in env.items() if not k.startswith("COVERAGE_")}


def evalkit_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, *args: str, **env: str
) -> tuple[Path, subprocess.CompletedProcess]:
    """`evalkit ARGS` run once per session from the repository (``{out}`` in ARGS is the shared folder), in a
    process coverage does not measure (``unmeasured``)."""

    def build(folder: Path) -> dict:
        # a real `python -m evalkit` process: the shared runs are what a user's command does from start to end
        proc = evalkit(*(a.format(out=folder) for a in args), env=unmeasured(clean_env(**env)), process=True)
        return {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}

    folder, record = build_once(tmp_path_factory, name, build)
    return folder, _completed(["evalkit", *args], record)


@pytest.fixture(scope="session")
def repo_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`evalkit run` with no vendor/suite arguments: the repo's suites against the reference vendors.

    Built once for the session and shared by every worker: tests read it and never write into it (a
    test that runs the CLI on it again works on a copy, `repo_run_copy`)."""
    folder, proc = evalkit_once(tmp_path_factory, "repo-run", "run", "--out", "{out}/run", EVALKIT_FINISH_HELPER="on")
    assert proc.returncode == 0, proc.stderr
    return folder / "run", proc


@pytest.fixture
def repo_run_copy(repo_run, tmp_path) -> tuple[Path, subprocess.CompletedProcess]:
    """A private copy of the shared repository run, for tests that run the CLI on it again."""
    out, proc = repo_run
    shutil.copytree(out, tmp_path / "run")
    return tmp_path / "run", proc


@pytest.fixture(scope="session")
def repo_self_check(tmp_path_factory) -> subprocess.CompletedProcess:
    """`evalkit validate --self-check suites vendors` on the repository, without the external data sets
    (as CI sees it): every probe of every suite against its item's scoring, and the baselines at every
    behaviour gate. Run once for the session; its exit code and output are what the tests check."""
    return evalkit_once(
        tmp_path_factory,
        "repo-self-check",
        "validate",
        "--self-check",
        "suites",
        "vendors",
        EVALKIT_LAWQA_DIR="/nonexistent",
        EVALKIT_JBBQ_DIR="/nonexistent",
    )[1]


# Tests that run every repository suite (a full run, the self-check of every probe, a fresh clone of the
# workflow) or a real browser: left out of the quick subset, bash scripts/test -m "not slow".
SLOW_TESTS = (
    "test_report_browser.py::",
    "test_review_browser.py::",
    "test_workflow.py::test_every_shell_step_succeeds_in_a_fresh_clone",
    "test_probes.py::test_flipping_a_repository_probe_fails_at_its_file_and_line",
    "test_suites_doc.py::test_generated_parts_are_current",
    "test_near_duplicates.py::test_the_repository_suites_hold_no_near_duplicates",
    "test_list_tags.py::test_repo_counts_meet_the_floors_of_suites_v2",
)


# The file that takes longest (a fresh clone doing every CI step): scheduled first.
LONGEST_FILE = "test_workflow.py"


def pytest_collection_modifyitems(config, items):
    slow_files = set()
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if {"repo_run", "repo_self_check"} & set(fixtures) or any(name in item.nodeid for name in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)
            slow_files.add(item.nodeid.split("::")[0])
    # longest first: xdist hands out tests in this order (scripts/test: --dist worksteal), so the long ones
    # start at once on every core instead of one of them running alone at the end
    items.sort(
        key=lambda item: (
            0
            if item.nodeid.split("::")[0].endswith(LONGEST_FILE)
            else 1
            if item.nodeid.split("::")[0] in slow_files
            else 2
        )
    )
