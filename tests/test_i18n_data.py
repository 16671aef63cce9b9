"""Data loading in the console language (evalkit/data/): a Japanese console reads Japanese notices and
problems, while what goes into the run manifest (an optional suite's skip ``reason``, a preset's
``first_skipped``) stays English; the notices evalkit/selection.py parses are read in both languages;
and every two-language exception of evalkit/data (``Absent``, ``Unusable``) names the same values in
both texts, as tests/test_i18n.py checks of ``tr``."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from conftest import REPO, evalkit, make_workspace, own_env
from test_data_sources import HEAD
from test_i18n import _placeholders, _text

from evalkit import i18n
from evalkit.config import load_workspace

OPTIONAL = 'source:\n  path: "${{{var}:-../data}}/absent.jsonl"\n  optional: true\n'
INLINE = 'items:\n  - id: a\n    vars: {question: q}\n    reference: "r"\n'


@pytest.fixture
def japanese(monkeypatch: pytest.MonkeyPatch):
    """The console language of this process is Japanese for the test, English again after it."""
    monkeypatch.setenv("EVALKIT_LANG", "ja")
    i18n.reset()
    yield
    monkeypatch.undo()
    i18n.reset()


def _workspace(root: Path, **suites: str) -> Path:
    return make_workspace(root, {sid: HEAD.format(sid=sid) + body for sid, body in suites.items()}, {})


def test_a_missing_optional_data_set_is_a_japanese_notice_and_an_english_manifest_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, japanese: None
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MY_DATA_DIR", raising=False)
    _workspace(tmp_path, s1=OPTIONAL.format(var="MY_DATA_DIR"), s2=INLINE)
    ws = load_workspace([tmp_path / "suites"])
    assert not ws.issues and [s.model.id for s in ws.suites] == ["s2"]
    assert ws.notices == [
        f"{tmp_path / 'suites' / 's1.yaml'}: スイート 's1' を除外しました（任意のデータソース）: "
        "データが見つかりません: data/absent.jsonl。環境変数 MY_DATA_DIR にデータのあるフォルダを設定してください"
    ]
    # the suite is still listed as skipped, with the reason the manifest has in any console language
    assert [(d["suite"], d["status"], d["reason"]) for d in ws.skipped] == [
        ("s1", "skipped", "data not found: data/absent.jsonl; set MY_DATA_DIR to the folder that holds it")
    ]


def test_the_cli_says_one_skipped_suite_and_several_in_japanese(tmp_path: Path) -> None:
    one = _workspace(tmp_path / "one", s1=OPTIONAL.format(var="MY_DATA_DIR"), s2=INLINE)
    proc = evalkit("validate", "suites", cwd=one, env=own_env(EVALKIT_LANG="ja"), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "お知らせ: suites/s1.yaml: スイート 's1' を除外しました（任意のデータソース）: "
        "データが見つかりません: data/absent.jsonl。環境変数 MY_DATA_DIR にデータのあるフォルダを設定してください"
    ]
    # two of them: selection.py reads the suite ids and the variables out of the Japanese notices
    two = _workspace(
        tmp_path / "two", s1=OPTIONAL.format(var="MY_DATA_DIR"), s3=OPTIONAL.format(var="OTHER_DIR"), s2=INLINE
    )
    for lang, expected in (
        (
            "ja",
            "お知らせ: 任意のデータがないため 2 件のスイートを除外しました: s1 (MY_DATA_DIR), s3 (OTHER_DIR)"
            "（環境変数にデータのフォルダを設定してください。docs/datasets.md を参照）",
        ),
        (
            "en",
            "notice: 2 suites skipped, their optional data is absent: s1 (MY_DATA_DIR), s3 (OTHER_DIR) "
            "(set the variable to the data's folder; docs/datasets.md)",
        ),
    ):
        proc = evalkit("validate", "suites", cwd=two, env=own_env(EVALKIT_LANG=lang), timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.splitlines() == [expected]


def test_a_problem_of_a_data_file_is_japanese_at_its_file_line_and_field(tmp_path: Path) -> None:
    root = _workspace(tmp_path, s1='source:\n  path: ../data/q.jsonl\n  mapping: {reference: "{{ a }}"}\n')
    (root / "data").mkdir()
    (root / "data" / "q.jsonl").write_text('{"question": "q", "a": "1"}\n[1, 2]\n', encoding="utf-8")
    proc = evalkit("validate", "suites", cwd=root, env=own_env(EVALKIT_LANG="ja"), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines()[0] == (
        "suites/s1.yaml:9:9: source.path: q.jsonl:2: 各行を JSON のオブジェクトにしてください（list です）"
    )


def test_records_a_preset_skips_are_said_in_japanese_and_recorded_in_english(tmp_path: Path, japanese: None) -> None:
    root = make_workspace(
        tmp_path,
        {
            "s1": HEAD.format(sid="s1").replace('prompt: "{{ question }}"', 'prompt: "{{ text }}"')
            + "source:\n  kind: jsonl\n  path: ../data/a.jsonl\n  preset: aisev\n"
            + '  mapping: {reference: "x", scorers: null}\n'
        },
        {},
    )
    rows = [
        {"ten_perspective": "公平性と包摂性", "scorer": "requirement", "requirement": "r", "text": "t1"},
        {"ten_perspective": "公平性と包摂性", "scorer": "bogus", "text": "t2"},
    ]
    (root / "data").mkdir()
    (root / "data" / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    ws = load_workspace([root / "suites"])
    assert not ws.issues, [str(i) for i in ws.issues]
    assert ws.notices == [
        f"{root / 'suites' / 's1.yaml'}: 2 件中 1 件のレコードは aisev 形式に合わないため除外しました"
        "（最初に除外したレコード: a.jsonl:2: scorer 'bogus' は不明です"
        "（requirement、multiplechoice、model_graded_qa のいずれかにしてください））"
    ]
    assert ws.suites[0].model._dataset is not None
    assert ws.suites[0].model._dataset["first_skipped"] == (
        "a.jsonl:2: unknown scorer 'bogus' (expected requirement, multiplechoice or model_graded_qa)"
    )


# ----------------------------------------------------------------------------- the two-text exceptions
BILINGUAL = {"Absent": 1, "Unusable": 0, "_not_on_hub": 0}  # name -> index of the Japanese text


def _same_value(name: str) -> str:
    """``ja_hint`` and ``en_hint`` are one value, written in each language."""
    return name.replace("ja_", "").replace("en_", "")


def test_every_two_language_exception_names_the_same_values_in_both_texts() -> None:
    problems, seen = [], 0
    for path in sorted((REPO / "evalkit" / "data").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in BILINGUAL):
                continue
            first = BILINGUAL[node.func.id]
            ja, en = node.args[first : first + 2]
            found = [_placeholders(ja), _placeholders(en)]
            if found[0] is None or found[1] is None:
                continue  # the helper that appends the advice (``ja + ...``): its callers are checked
            seen += 1
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            if [sorted(map(_same_value, f)) for f in found] != [sorted(map(_same_value, found[1]))] * 2:
                problems.append(f"{where}: placeholders differ: ja {found[0]} / en {found[1]}")
            if not any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in _text(ja)):
                problems.append(f"{where}: the Japanese text is not Japanese: {_text(ja)!r}")
    assert seen > 20 and not problems, "\n".join(problems)
