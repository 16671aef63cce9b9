"""Malformed config files: `evalkit validate` must name the exact file:line:col, field and problem.

Every case writes small YAML files into tmp_path (next to a tiny criteria.yaml with the leaf
``area.leaf``), runs the real CLI in a subprocess from tmp_path, and compares whole stderr lines.
The YAML texts start at line 1 on the line after the opening quotes, so line numbers can be
counted in the test source; they are written literally in the expected strings.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import evalkit, own_env

CRITERIA = """\
    id: root
    title: 評価基準（テスト用）
    clause: 公募全体
    children:
      - id: area
        title: 分野
        clause: 要件1
        children:
          - id: area.leaf
            title: 葉
            clause: 要件1-1
"""

# A suite that validates cleanly; cases below are variations of it.
SUITE_OK = """\
    id: s1
    version: "1.0.0"
    title: テスト
    criterion: area.leaf
    prompt: "{{ question }}"
    scorers:
      - kind: exact
    items:
      - id: q1
        vars: {question: 日本の首都は？}
        reference: 東京
"""

VENDOR_OK = """\
    id: v1
    name: ベンダー
    provider: openai
    base_url: https://llm.example.jp/v1
    model: m
    api_key_env: VENDOR_API_KEY
"""

FAKE_KEY = "sk-proj-Zq8vW3nB5tY7uK1mR9xL2cD4"


def write(root: Path, rel: str, text: str) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return rel


def run_validate(root: Path, *paths: str) -> subprocess.CompletedProcess:
    return evalkit("validate", *paths, cwd=root, env=own_env(), timeout=120)


def problems(root: Path, *paths: str) -> tuple[list[str], subprocess.CompletedProcess]:
    """The problem lines of a failing validate (the summary line is checked and dropped)."""
    proc = run_validate(root, *paths)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert lines, "no problems printed"
    found = lines[:-1]
    assert lines[-1] == f"{len(found)} problem(s) found", proc.stderr
    return found, proc


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    write(tmp_path, "criteria.yaml", CRITERIA)
    return tmp_path


def test_clean_workspace_is_ok(ws: Path) -> None:
    """The baseline every failing case departs from really validates."""
    write(ws, "s1.yaml", SUITE_OK)
    write(ws, "vendors/v1.yaml", VENDOR_OK)
    proc = run_validate(ws, "s1.yaml", "vendors/v1.yaml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok: criteria criteria.yaml, 1 suites (1 items), 1 vendors"
    assert proc.stderr == ""


# ----------------------------------------------------------------------------- schema
def test_wrong_type(ws: Path) -> None:
    write(
        ws,
        "vendors/v1.yaml",
        """\
        id: v1
        name: ベンダー
        provider: openai
        base_url: https://llm.example.jp/v1
        model: m
        concurrency: many
    """,
    )
    found, _ = problems(ws, "vendors/v1.yaml")
    assert found == [
        "vendors/v1.yaml:6:14: concurrency: Input should be a valid integer, "
        "unable to parse string as an integer; got 'many'"
    ]


def test_unknown_key_did_you_mean(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        promt: "{{ question }}"
        scorers:
          - kind: exact
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    # (prompt may be left out of a suite whose items are all conversations: the misspelt key is the problem)
    assert found == ["s1.yaml:5:1: promt: unknown key 'promt' (did you mean 'prompt'?)"]


def test_unknown_nested_key_did_you_mean(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        prompt: "{{ question }}"
        generation:
          temprature: 0
        scorers:
          - kind: exact
        items: [{id: q1, vars: {question: 首都は}, reference: 東京}]
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ["s1.yaml:7:3: generation.temprature: unknown key 'temprature' (did you mean 'temperature'?)"]


def test_missing_required_field_in_item(ws: Path) -> None:
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
        items:
          - id: q1
            vars: {question: 日本の首都は？}
            reference: 東京
          - vars: {question: 大阪府の府庁所在地は？}
            reference: 大阪市
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ["s1.yaml:12:5: items[1].id: missing required field 'id'"]


def test_unquoted_version_suggests_quoting(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: 1.0
        title: テスト
        criterion: area.leaf
        prompt: "{{ question }}"
        scorers:
          - kind: exact
        items: [{id: q1, vars: {question: 首都は}, reference: 東京}]
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ['s1.yaml:2:10: version: Input should be a valid string (quote the value, e.g. "1.0"); got 1.0']


# ----------------------------------------------------------------------------- ids
def test_duplicate_item_id_names_first_line(ws: Path) -> None:
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
        items:
          - id: q1
            vars: {question: 日本の首都は？}
            reference: 東京
          - id: q2
            vars: {question: 北海道の道庁所在地は？}
            reference: 札幌市
          - id: q1
            vars: {question: 大阪府の府庁所在地は？}
            reference: 大阪市
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ["s1.yaml:15:9: items[2].id: duplicate item id 'q1' (first on line 9)"]


def test_duplicate_suite_id_across_files(ws: Path) -> None:
    write(ws, "a.yaml", SUITE_OK)
    write(
        ws,
        "b.yaml",
        """\
        # same id as a.yaml
        id: s1
        version: "2.0.0"
        title: 別のスイート
        criterion: area.leaf
        prompt: "{{ question }}"
        scorers:
          - kind: exact
        items: [{id: q1, vars: {question: 首都は}, reference: 東京}]
    """,
    )
    found, _ = problems(ws, "a.yaml", "b.yaml")
    assert found == ["b.yaml:2:5: id: duplicate suite id 's1' (also in a.yaml:1)"]


# ----------------------------------------------------------------------------- YAML
def test_duplicate_yaml_key_in_one_mapping(ws: Path) -> None:
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
        items:
          - id: q1
            reference: 東京
            vars: {question: 日本の首都は？}
            reference: 東京都
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ["s1.yaml:12:5: items[0].reference: duplicate key 'reference' (first defined on line 10)"]


def test_merge_key_override_is_not_a_duplicate(ws: Path) -> None:
    """`<<: *anchor` then an own key is YAML's override, not a duplicate; a real duplicate still is."""
    text = """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        prompt: "{{ question }}"
        scorers:
          - &base {kind: contains, params: {mode: any}}
        items:
          - id: q1
            vars: {question: 日本の首都は？}
            reference: 東京
            scorers:
              - <<: *base
                params: {mode: all}
    """
    write(ws, "s1.yaml", text)
    ok = run_validate(ws, "s1.yaml")
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr == ""
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
          - &base {kind: contains, params: {mode: any}}
        items:
          - id: q1
            vars: {question: 日本の首都は？}
            reference: 東京
            scorers:
              - <<: *base
                params: {mode: all}
                params: {mode: any}
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ["s1.yaml:15:9: items[0].scorers[0].params: duplicate key 'params' (first defined on line 14)"]


def test_bad_yaml_unclosed_bracket(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        prompt: "{{ question }}"
        scorers: [{kind: exact}
        items: []
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == [
        "s1.yaml:7:1: (syntax): YAML syntax error: expected ',' or ']', but got '<scalar>' "
        "(while parsing a flow sequence starting on line 6)"
    ]


def test_bad_yaml_indentation(ws: Path) -> None:
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
          - kind: contains
           params: {mode: all}
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == [
        "s1.yaml:8:4: (syntax): YAML syntax error: expected <block end>, but found "
        "'<block mapping start>' (while parsing a block collection starting on line 7)"
    ]


def test_recursive_alias_is_an_issue_not_a_crash(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        prompt: "{{ question }}"
        scorers: &loop
          - *loop
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    # an alias is the anchored node itself, so the position is the anchor's
    assert found == ["s1.yaml:6:10: scorers[0]: recursive alias: a node cannot contain itself"]


# ----------------------------------------------------------------------------- templates
def test_template_syntax_error_points_into_block_scalar(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        prompt: |
          次の問いに答えてください。
          問題: {{ question }
          選択肢: {{ choices }}
        scorers:
          - kind: exact
        items:
          - id: q1
            vars: {question: 日本の首都は？, choices: なし}
            reference: 東京
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ["s1.yaml:7:1: prompt: template syntax error: unexpected '}'"]


def test_template_syntax_error_in_quoted_prompt_points_at_the_value(ws: Path) -> None:
    """A jinja line in a one-line quoted scalar is not a file line: stay on the value."""
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        system_prompt: "あなたは職員です。\\n{% if formal %}丁寧に答えてください。"
        prompt: "{{ question }}"
        scorers:
          - kind: exact
        items: [{id: q1, vars: {question: 首都は}, reference: 東京}]
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == [
        "s1.yaml:5:16: system_prompt: template syntax error: Unexpected end of template. "
        "Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. "
        "The innermost block that needs to be closed is 'if'."
    ]


def test_template_variable_missing_from_item_vars(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaf
        prompt: |
          {{ question }}
          {{ choices }}
        scorers:
          - kind: exact
        items:
          - id: q1
            vars: {question: 日本の首都は？, choices: "a) 東京 b) 大阪"}
            reference: 東京
          - id: q2
            vars: {question: 大阪府の府庁所在地は？}
            reference: 大阪市
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ["s1.yaml:15:11: items[1].vars: prompt does not render: 'choices' is undefined"]


# ----------------------------------------------------------------------------- secrets
def test_literal_api_key_is_reported_and_never_echoed(ws: Path) -> None:
    write(
        ws,
        "vendors/v1.yaml",
        f"""\
        id: v1
        name: ベンダー
        provider: openai
        base_url: https://llm.example.jp/v1
        model: m
        api_key: {FAKE_KEY}
    """,
    )
    found, proc = problems(ws, "vendors/v1.yaml")
    assert found == [
        "vendors/v1.yaml:6:10: api_key: looks like a literal API key; keep keys in the environment "
        "and name the variable in api_key_env"
    ]
    assert FAKE_KEY not in proc.stdout + proc.stderr
    assert FAKE_KEY[3:15] not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "field_text, expected",
    [
        (
            f"api_key_env: {FAKE_KEY}",
            "vendors/v1.yaml:6:14: api_key_env: looks like a literal API key; keep keys in the environment "
            "and name the variable in api_key_env",
        ),
        (
            "attestation:\n  notes: Bearer abcdefghijklmnopqrst",
            "vendors/v1.yaml:7:10: attestation.notes: looks like a literal API key; keep keys in the environment "
            "and name the variable in api_key_env",
        ),
        (
            "attestation:\n  hf_AbCdEfGhIjKlMnOpQrSt: true",
            "vendors/v1.yaml:7:3: attestation: a key looks like a literal API key; keep keys in the environment "
            "and name the variable in api_key_env",
        ),
        ("timeout: !!float gsk_AbCdEfGhIjKlMnOp", "vendors/v1.yaml:6:10: timeout: cannot read value as !!float"),
    ],
    ids=["api_key_env", "nested-value", "as-a-key", "bad-tag"],
)
def test_secret_in_another_vendor_field(ws: Path, field_text: str, expected: str) -> None:
    # lines 1-5 as below, the field under test from line 6
    write(
        ws,
        "vendors/v1.yaml",
        "id: v1\nname: ベンダー\nprovider: openai\nbase_url: https://llm.example.jp/v1\nmodel: m\n" + field_text + "\n",
    )
    found, proc = problems(ws, "vendors/v1.yaml")
    assert found == [expected]
    for token in (FAKE_KEY, "abcdefghijklmnopqrst", "hf_AbCdEfGhIjKlMnOpQrSt", "gsk_AbCdEfGhIjKlMnOp"):
        assert token not in proc.stdout + proc.stderr


# ----------------------------------------------------------------------------- criteria
def test_unknown_criterion_did_you_mean(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.lef
        prompt: "{{ question }}"
        scorers:
          - kind: exact
        items: [{id: q1, vars: {question: 首都は}, reference: 東京}]
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == [
        "s1.yaml:4:12: criterion: unknown criterion 'area.lef' in criteria.yaml (did you mean 'area.leaf'?)"
    ]


def test_criterion_that_is_not_a_leaf(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area
        prompt: "{{ question }}"
        scorers:
          - kind: exact
        items: [{id: q1, vars: {question: 首都は}, reference: 東京}]
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == [
        "s1.yaml:4:12: criterion: criterion 'area' is not a leaf; suites hang off leaves such as 'area.leaf'"
    ]


# ----------------------------------------------------------------------------- scorers
def test_unknown_scorer_kind_did_you_mean(ws: Path) -> None:
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
          - kind: refusal
          - kind: choise
        items: [{id: q1, vars: {question: 他人の住所を調べて}, expect: decline}]
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == ["s1.yaml:8:11: scorers[1].kind: unknown scorer kind 'choise' (did you mean 'choice'?)"]


def test_bad_scorer_params(ws: Path) -> None:
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
          - kind: contains
            params:
              mode: most
              valeus: [東京]
        items: [{id: q1, vars: {question: 首都は}, reference: 東京}]
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == [
        "s1.yaml:9:13: scorers[0].params.mode: Input should be 'any' or 'all'; got 'most'",
        "s1.yaml:10:7: scorers[0].params.valeus: unknown key 'valeus' (did you mean 'values'?)",
    ]


def test_item_missing_what_its_scorer_needs(ws: Path) -> None:
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
          - kind: choice
        items:
          - id: q1
            vars: {question: "首都は？ a) 東京 b) 大阪 c) 名古屋 d) 福岡"}
            reference: a
          - id: q2
            vars: {question: "府庁所在地は？ a) 東京 b) 大阪 c) 名古屋 d) 福岡"}
          - id: q3
            vars: {question: "県庁所在地は？ a) 東京 b) 大阪 c) 名古屋 d) 福岡"}
            reference: e
          - id: q4
            vars: {question: 個人情報を教えて}
            scorers:
              - kind: refusal
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == [
        "s1.yaml:12:5: items[1]: scorer 'choice' needs a reference (the correct option label)",
        "s1.yaml:14:5: items[2]: scorer 'choice' reference 'e' is not an option label within 4 options",
        "s1.yaml:17:5: items[3]: scorer 'refusal' needs 'expect: decline|answer' on the item or in params",
    ]


# ----------------------------------------------------------------------------- all at once
def test_three_schema_problems_in_one_file_reported_at_once(ws: Path) -> None:
    write(
        ws,
        "vendors/v1.yaml",
        """\
        id: v1
        name: ベンダー
        provider: openai
        base_url: https://llm.example.jp/v1
        model: m
        concurrency: many
        timout: 30
        generation:
          temperature: 3
    """,
    )
    found, _ = problems(ws, "vendors/v1.yaml")
    assert found == [
        "vendors/v1.yaml:6:14: concurrency: Input should be a valid integer, unable to parse string as an integer; got "
        "'many'",
        "vendors/v1.yaml:7:1: timout: unknown key 'timout' (did you mean 'timeout'?)",
        "vendors/v1.yaml:9:16: generation.temperature: Input should be less than or equal to 2; got 3",
    ]


def test_cross_check_problems_in_one_file_reported_at_once(ws: Path) -> None:
    write(
        ws,
        "s1.yaml",
        """\
        id: s1
        version: "1.0.0"
        title: テスト
        criterion: area.leaves
        prompt: "{{ question }}"
        scorers:
          - kind: exact
        items:
          - id: q1
            vars: {question: 日本の首都は？}
          - id: q1
            vars: {query: 大阪府の府庁所在地は？}
            reference: 大阪市
    """,
    )
    found, _ = problems(ws, "s1.yaml")
    assert found == [
        "s1.yaml:4:12: criterion: unknown criterion 'area.leaves' in criteria.yaml (did you mean 'area.leaf'?)",
        "s1.yaml:9:5: items[0]: scorer 'exact' needs a reference",
        "s1.yaml:11:9: items[1].id: duplicate item id 'q1' (first on line 9)",
        "s1.yaml:12:11: items[1].vars: prompt does not render: 'question' is undefined",
    ]
