"""A schema error no longer hides the same file's other errors (issue 13, item 17).

A file that fails validation is still cross-checked on the parts that validated: its unknown
criterion, duplicate ids and unknown scorer kinds are reported in the same pass as its schema
errors, with the same ``file:line:col: field: message`` lines and exit code 2. Checks that depend
on a field that did not validate are skipped, so no error is reported as a consequence of another.
The YAML texts start at line 1 on the line after the opening quotes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import evalkit, own_env
from pydantic import ValidationError
from test_config_errors import CRITERIA, write

from evalkit.config.loader import load_workspace
from evalkit.config.partial import partial_model
from evalkit.config.suite import Suite

VENDOR = """\
    id: v1
    name: ベンダー
    provider: openai
    base_url: https://llm.example.jp/v1
    model: m
"""


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, "criteria.yaml", CRITERIA)
    monkeypatch.chdir(tmp_path)  # issues name files relative to the working directory
    monkeypatch.setenv("EVALKIT_LANG", "en")
    return tmp_path


def problems(*paths: str) -> list[str]:
    workspace = load_workspace([Path(p) for p in paths], Path("criteria.yaml"))
    return [str(issue) for issue in sorted(set(workspace.issues))]


def test_schema_error_and_cross_check_error_reported_in_one_pass(ws: Path) -> None:
    """The CLI prints both the schema error and the unknown criterion, exit code 2."""
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaves
        prompt: "{{ question }}"
        critical: maybe
        scorers:
          - kind: exact
        items:
          - id: q1
            vars: {question: 日本の首都は？}
            reference: 東京
    """,
    )
    proc = evalkit("validate", "s1.yaml", cwd=ws, env=own_env(EVALKIT_LANG="en"), timeout=120)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        "s1.yaml:4:12: criterion: unknown criterion 'area.leaves' in criteria.yaml (did you mean 'area.leaf'?)",
        "s1.yaml:6:11: critical: Input should be a valid boolean, unable to interpret input; got 'maybe'",
        "2 problem(s) found",
    ]


def test_items_and_scorers_that_validated_are_checked_at_their_own_lines(ws: Path) -> None:
    """An invalid item or scorer is left out; the others keep the indexes they have in the file."""
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        prompt: "{{ question }}"
        scorers:
          - kind: exact
            weight: -1
          - kind: exakt
        items:
          - id: q0
            vars: {question: 日本の首都は？}
            reference: [1, {a: 2}]
          - id: q1
            vars: {question: 日本の首都は？}
          - id: q1
            vars: {query: 大阪府の府庁所在地は？}
            reference: 大阪市
    """,
    )
    assert problems("s1.yaml") == [
        "s1.yaml:8:13: scorers[0].weight: Input should be greater than or equal to 0; got -1",
        "s1.yaml:9:11: scorers[1].kind: unknown scorer kind 'exakt' (did you mean 'exact'?)",
        "s1.yaml:13:16: items[0].reference: Input should be a valid string; got a list",
        's1.yaml:13:17: items[0].reference[0]: Input should be a valid string (quote the value, e.g. "1.0"); got 1',
        "s1.yaml:13:20: items[0].reference[1]: Input should be a valid string",
        "s1.yaml:16:9: items[2].id: duplicate item id 'q1' (first on line 14)",
        "s1.yaml:17:11: items[2].vars: prompt does not render: 'question' is undefined",
    ]


def test_checks_that_need_an_invalid_field_are_skipped(ws: Path) -> None:
    """No consequence of a schema error is reported as a problem of its own."""
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: [area.leaf]
        prompt: 5
        scorers: []
        itmes:
          - id: q1
    """,
    )
    found = problems("s1.yaml")
    # the criterion, the templates and the scorers are not checked; `itmes` may be `items` misspelt,
    # so the suite is not also said to have no items
    assert [line.split(": ")[1] for line in found] == ["criterion", "prompt", "scorers", "itmes"]


def test_duplicate_ids_across_files_when_one_does_not_validate(ws: Path) -> None:
    write(ws, "vendors/a.yaml", VENDOR)
    write(ws, "vendors/b.yaml", VENDOR + "    concurrency: many\n")
    write(ws, "vendors/c.yaml", VENDOR.replace("id: v1", "id: [v1]"))  # its id is not checked
    assert problems("vendors/a.yaml", "vendors/b.yaml", "vendors/c.yaml") == [
        "vendors/b.yaml:1:5: id: duplicate vendor id 'v1' (also in vendors/a.yaml:1)",
        "vendors/b.yaml:6:14: concurrency: Input should be a valid integer, "
        "unable to parse string as an integer; got 'many'",
        "vendors/c.yaml:1:5: id: Input should be a valid string; got a list",
    ]


def test_criteria_with_a_schema_error_still_has_its_ids_checked(ws: Path) -> None:
    write(
        ws,
        "criteria.yaml",
        CRITERIA
        + """\
      - id: area
        title: 重複
        clause: 要件2
        weight: heavy
    """,
    )
    assert problems() == [
        "criteria.yaml:12:9: children[1].id: duplicate criterion id 'area' (first on line 5)",
        "criteria.yaml:15:13: children[1].weight: Input should be a valid number, "
        "unable to parse string as a number; got 'heavy'",
    ]


def test_partial_model_keeps_what_validated() -> None:
    data = {
        "id": "s1",
        "version": 1.0,
        "title": "テスト",
        "criterion": "area.leaf",
        "prompt": "{{ q }}",
        "scorers": [{"kind": "exact"}],
        "items": [{"id": "a"}, {"id": "b", "critical": "maybe"}, {"id": "c"}],
    }
    with pytest.raises(ValidationError) as info:
        Suite.model_validate(data)
    salvaged = partial_model(data, Suite, info.value)
    assert salvaged is not None
    suite, partial = salvaged
    assert partial.invalid == {"version"}
    assert [item.id for item in suite.items] == ["a", "c"]
    assert [partial.file_index("items", i) for i in range(2)] == [0, 2]
    assert partial.usable("items") and not partial.complete("items") and partial.complete("scorers")
    assert suite.criterion == "area.leaf" and suite.scorers[0].kind == "exact"
