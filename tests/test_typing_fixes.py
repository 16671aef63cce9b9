"""Bugs the type checker found (issue 17): each test fails on the code before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import evalkit, own_env

from evalkit.errors import UsageError
from evalkit.integrity.sealed import seal_files


def test_seal_of_a_missing_path_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mypy: "ConfigIssue" has no attribute "path" — sealing a path that does not exist raised
    AttributeError (exit 70, "internal error") instead of naming the path (exit 2)."""
    monkeypatch.setenv("EVALKIT_LANG", "en")
    missing = tmp_path / "nothere.yaml"
    with pytest.raises(UsageError, match="nothere.yaml: no such file or directory"):
        seal_files([missing], "EVALKIT_TEST_SEAL_KEY")
    proc = evalkit(
        "seal", "nothere.yaml", "--key-env", "EVALKIT_TEST_SEAL_KEY", cwd=tmp_path, env=own_env(EVALKIT_LANG="en")
    )
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr
    assert "nothere.yaml: no such file or directory" in proc.stderr
