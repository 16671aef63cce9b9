"""Console language (evalkit/i18n.py): the selection rules, a real CLI in Japanese and in English, and
a scan of every tr(...) call so that no translation drops or invents a value."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit import i18n

REPO = Path(__file__).resolve().parents[1]
LOCALE_VARS = ("EVALKIT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


# ----------------------------------------------------------------------------- selection rules
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "ja"),
        ({"LANG": "C"}, "ja"),
        ({"LANG": "C.UTF-8"}, "ja"),
        ({"LANG": "POSIX"}, "ja"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_GB"}, "en"),
        # POSIX precedence: LC_ALL over LC_MESSAGES over LANG; an empty value does not count
        ({"LC_ALL": "ja_JP.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LC_ALL": "", "LC_MESSAGES": "en_US.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
        # gettext reads LANGUAGE (first entry of a priority list) before the LC_* variables
        ({"LANGUAGE": "en_US:ja", "LC_ALL": "ja_JP.UTF-8"}, "en"),
        ({"LANGUAGE": "ja:en", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LANGUAGE": "", "LANG": "en_US.UTF-8"}, "en"),
        # EVALKIT_LANG wins over every locale variable
        ({"EVALKIT_LANG": "ja", "LANGUAGE": "en", "LC_ALL": "en_US.UTF-8"}, "ja"),
        ({"EVALKIT_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"EVALKIT_LANG": "EN", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"EVALKIT_LANG": "en_US.UTF-8"}, "en"),
        ({"EVALKIT_LANG": "ja-JP"}, "ja"),
        ({"EVALKIT_LANG": "", "LANG": "en_US.UTF-8"}, "en"),
    ],
)
def test_language_choice(env: dict[str, str], expected: str) -> None:
    code, warning = i18n.choose_language(env)
    assert (code, warning) == (expected, None)


def test_an_unknown_evalkit_lang_warns_once_and_follows_the_locale() -> None:
    code, warning = i18n.choose_language({"EVALKIT_LANG": "fr", "LANG": "en_US.UTF-8"})
    assert code == "en"
    assert warning is not None and "EVALKIT_LANG='fr'" in warning and "ja or en" in warning
    code, warning = i18n.choose_language({"EVALKIT_LANG": "de"})
    assert code == "ja"
    assert warning is not None and "EVALKIT_LANG='de'" in warning and "ja か en" in warning


def test_tr_follows_the_environment_and_reset(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    i18n.reset()
    try:
        monkeypatch.setenv("LANG", "C.UTF-8")
        assert i18n.tr("日本語", "English") == "日本語"
        monkeypatch.setenv("LANG", "en_US.UTF-8")
        assert i18n.tr("日本語", "English") == "日本語"  # cached until reset
        i18n.reset()
        assert i18n.tr("日本語", "English") == "English"
        monkeypatch.setenv("EVALKIT_LANG", "xx")
        i18n.reset()
        assert i18n.language() == "en"
        assert i18n.language() == "en"
        assert capsys.readouterr().err.count("EVALKIT_LANG='xx'") == 1  # warned once, on stderr
    finally:
        monkeypatch.undo()
        i18n.reset()


# ----------------------------------------------------------------------------- the real CLI
CRITERIA = "id: root\ntitle: 全体\nclause: 全体\nchildren:\n  - id: leaf\n    title: 葉\n    clause: 葉\n"
VENDOR_BAD = (
    "id: v1\nname: ベンダー\nprovider: openai\nbase_url: https://llm.example.jp/v1\nmodel: m\nconcurrency: 0\n"
    "timout: 5\n"
)


def _cli(root: Path, *args: str, **locale: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(PYTHONIOENCODING="utf-8", **locale)
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.fixture
def bad_vendor(tmp_path: Path) -> Path:
    (tmp_path / "criteria.yaml").write_text(CRITERIA, encoding="utf-8")
    (tmp_path / "vendors").mkdir()
    (tmp_path / "vendors" / "v1.yaml").write_text(VENDOR_BAD, encoding="utf-8")
    return tmp_path


def test_a_c_locale_gets_japanese_errors_with_file_line_and_field(bad_vendor: Path) -> None:
    proc = _cli(bad_vendor, "validate", "vendors/v1.yaml", LANG="C.UTF-8")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "vendors/v1.yaml:6:14: concurrency: 1 以上にしてください（入力値: 0）",
        "vendors/v1.yaml:7:1: timout: 不明なキー 'timout'（'timeout' の誤りではありませんか）",
        "2 件の問題があります",
    ]


def test_an_english_locale_gets_english_errors(bad_vendor: Path) -> None:
    proc = _cli(bad_vendor, "validate", "vendors/v1.yaml", LANG="en_US.UTF-8")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "vendors/v1.yaml:6:14: concurrency: Input should be greater than or equal to 1; got 0",
        "vendors/v1.yaml:7:1: timout: unknown key 'timout' (did you mean 'timeout'?)",
        "2 problem(s) found",
    ]


def test_usage_errors_and_evalkit_lang(tmp_path: Path) -> None:
    ja = _cli(tmp_path, "run", "--resume", "nowhere", LANG="en_US.UTF-8", EVALKIT_LANG="ja")
    assert ja.returncode == 2
    assert ja.stderr == "evalkit: エラー: nowhere: 再開できる実行がありません（store.sqlite がありません）\n"
    en = _cli(tmp_path, "run", "--resume", "nowhere", LANG="ja_JP.UTF-8", EVALKIT_LANG="en")
    assert en.returncode == 2
    assert en.stderr == "evalkit: error: nowhere: nothing to resume (no store.sqlite)\n"
    missing = _cli(tmp_path, "validate", "absent.yaml", LC_ALL="C")
    assert missing.returncode == 2
    assert missing.stderr.splitlines()[0] == "absent.yaml: ファイル又はフォルダが見つかりません"


# ----------------------------------------------------------------------------- every tr(...) call
def _placeholders(node: ast.expr) -> list[str] | None:
    """The expressions a literal or f-string formats in (sorted), or None when it is neither. A constant
    in braces (``{'total':<32}``, a padded label) is text, not a value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return []
    if isinstance(node, ast.JoinedStr):
        return sorted(
            ast.unparse(v.value)
            for v in ast.walk(node)
            if isinstance(v, ast.FormattedValue) and not isinstance(v.value, ast.Constant)
        )
    return None


def _text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    assert isinstance(node, ast.JoinedStr)
    return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _tr_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted((REPO / "evalkit").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr":
                calls.append((f"{path.relative_to(REPO)}:{node.lineno}", node))
    return calls


def test_every_tr_call_has_two_texts_with_the_same_values() -> None:
    calls = _tr_calls()
    assert len(calls) > 100, "the console messages are expected to go through tr()"
    problems = []
    for where, call in calls:
        if len(call.args) != 2 or call.keywords:
            problems.append(f"{where}: tr() takes exactly two positional texts")
            continue
        ja, en = call.args
        found = [_placeholders(ja), _placeholders(en)]
        if found[0] is None or found[1] is None:
            problems.append(f"{where}: both texts must be string literals or f-strings")
            continue
        if not _text(ja).strip() and not found[0] or not _text(en).strip() and not found[1]:
            problems.append(f"{where}: an empty text")
            continue
        if found[0] != found[1]:
            problems.append(f"{where}: placeholders differ: ja {found[0]} / en {found[1]}")
    assert not problems, "\n".join(problems)


def test_the_japanese_text_of_tr_calls_is_japanese() -> None:
    """A first argument with no Japanese character is an English text in the Japanese slot."""
    problems = []
    for where, call in _tr_calls():
        if len(call.args) == 2 and _placeholders(call.args[0]) is not None:
            text = _text(call.args[0])
            if text.strip(" ,.;:()") and not any(
                "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text
            ):
                problems.append(f"{where}: {text!r}")
    assert not problems, "\n".join(problems)


def test_the_scan_catches_a_dropped_value() -> None:
    """The scan itself can fail: a translation without the value is reported."""
    call = ast.parse('tr(f"見つかりません", f"{path}: not found")').body[0].value  # type: ignore[attr-defined]
    assert _placeholders(call.args[0]) != _placeholders(call.args[1])
