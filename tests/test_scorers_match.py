"""regex and starts_with (match.py), and how bad params reach `evalkit validate` as file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from evalkit.config.loader import load_workspace
from evalkit.config.suite import Item
from evalkit.scorers import build


def item(**fields) -> Item:
    fields.setdefault("id", "q1")
    return Item(**fields)


# ----------------------------------------------------------------------------- regex
def test_regex_matches_normalised_answer() -> None:
    scorer = build("regex", {"pattern": r"\d{3}-\d{4}"})
    it = item(reference="〒100-8914")
    for answer in ["郵便番号は100-8914です。", "郵便番号は１００－８９１４です。"]:
        result = scorer.score(answer, it)
        assert result.passed and result.score == 1.0, answer
        assert result.detail == {"match": "100-8914"}
    miss = scorer.score("郵便番号は1008914です。", it)
    assert not miss.passed and miss.score == 0.0 and miss.explanation == "パターンに一致しない"
    # U+2010 (hyphen) is not NFKC-folded; punctuation folding is opt-in for regex
    assert not scorer.score("100‐8914", it).passed
    folded = build("regex", {"pattern": r"\d{3}-\d{4}", "normalize": {"punctuation": True, "casefold": False}})
    assert folded.score("100‐8914", it).passed


def test_regex_case_is_kept_unless_ignore_case() -> None:
    it = item(reference="ID: ABC")
    assert not build("regex", {"pattern": "ABC"}).score("id: abc", it).passed
    assert build("regex", {"pattern": "ABC", "ignore_case": True}).score("id: abc", it).passed
    # the normalize block can fold case as well
    assert (
        build("regex", {"pattern": "abc", "normalize": {"casefold": True}})
        .score("ＡＢＣ", item(reference="abc"))
        .passed
    )


def test_regex_negate() -> None:
    scorer = build("regex", {"pattern": r"[?？!！]", "negate": True})
    assert scorer.score("受け付けます。", item()).passed
    bad = scorer.score("受け付けます！", item())
    assert not bad.passed and bad.explanation == "禁止パターンに一致: 「!」"
    assert scorer.check_item(item()) is None
    assert scorer.ideal_answer(item()) is None


def test_regex_anchors_see_collapsed_whitespace() -> None:
    scorer = build("regex", {"pattern": r"^はい"})
    assert scorer.score("　はい、できます。", item(reference="はい")).passed
    assert not scorer.score("いいえ、はいりません。", item(reference="はい")).passed


@pytest.mark.parametrize("params", [{"pattern": "("}, {"pattern": "[a-"}, {}, {"pattern": "a", "flags": "i"}])
def test_regex_bad_params(params: dict) -> None:
    with pytest.raises(ValidationError):
        build("regex", params)


def test_regex_needs_a_matching_reference_for_the_oracle() -> None:
    scorer = build("regex", {"pattern": r"^\d+件$"})
    assert scorer.check_item(item()) is not None
    assert (
        scorer.check_item(item(reference="約12件"))
        == "needs a reference that matches the pattern (the oracle answers with it)"
    )
    it = item(reference=["約12件", "12件"])
    assert scorer.check_item(it) is None
    assert scorer.ideal_answer(it) == "12件"
    assert scorer.score(scorer.ideal_answer(it), it).passed


# ----------------------------------------------------------------------------- starts_with
def test_starts_with_reference_after_normalisation() -> None:
    scorer = build("starts_with", {})
    it = item(reference=["はい", "可能です"])
    for answer in ["はい。転入届は14日以内です。", "　はい、できます", "可能です。ただし…", "ﾊｲ"[:0] + "はい"]:
        assert scorer.score(answer, it).passed, answer
    for answer in ["いいえ、はい", "回答: はい", ""]:
        result = scorer.score(answer, it)
        assert not result.passed and result.score == 0.0, answer
        assert result.explanation.startswith("指定の語句で始まらない")


def test_starts_with_values_full_width_and_case() -> None:
    scorer = build("starts_with", {"values": ["Yes", "ＯＫ"]})
    assert scorer.score("ｙｅｓ, it is.", item()).passed
    assert scorer.score("ok です", item()).passed
    assert not scorer.score("No", item()).passed
    assert scorer.ideal_answer(item()) == "Yes"


def test_starts_with_needs_values() -> None:
    assert build("starts_with", {}).check_item(item()) == "needs a reference or params.values"
    assert (
        build("starts_with", {"values": ["。"]}).check_item(item()) == "has a value that is empty after normalisation"
    )
    with pytest.raises(ValidationError):
        build("starts_with", {"value": ["はい"]})


# ----------------------------------------------------------------------------- contains ideal answer
def test_contains_prefers_a_passing_reference_as_ideal_answer() -> None:
    scorer = build("contains", {"values": ["3万円", "8月31日"], "mode": "all"})
    it = item(reference="支給額は3万円で、確認書は8月31日までに返送する。")
    assert scorer.ideal_answer(it) == it.reference
    assert scorer.ideal_answer(item(reference="関係のない参照")) == "3万円、8月31日"


# ----------------------------------------------------------------------------- validate: file:line:col
CRITERIA = "id: root\ntitle: 全体\nclause: 全体\nchildren:\n  - id: leaf\n    title: 葉\n    clause: 葉\n"
SUITE = """\
id: s1
version: "1.0.0"
title: テスト
criterion: leaf
prompt: "{{ q }}"
scorers:
  - kind: regex
    params: {pattern: "([0-9]+"}
  - kind: json
    params:
      schema: {type: objekt}
  - kind: koyobun
    params: {rules: [marks, stile]}
  - kind: numeric
    params: {pik: last}
items:
  - id: q1
    vars: {q: 質問}
    reference: "1"
"""


def test_bad_params_are_reported_with_file_line_col(tmp_path: Path) -> None:
    (tmp_path / "criteria.yaml").write_text(CRITERIA, encoding="utf-8")
    (tmp_path / "s1.yaml").write_text(SUITE, encoding="utf-8")
    ws = load_workspace([tmp_path])
    lines = [str(issue) for issue in ws.issues]
    by_line = {issue.line: str(issue) for issue in ws.issues}
    assert len(lines) == 4, lines
    assert "scorers[0].params.pattern:" in by_line[8] and "invalid regular expression" in by_line[8]
    assert "scorers[1].params.schema:" in by_line[11] and "invalid JSON Schema" in by_line[11]
    assert "scorers[2].params.rules[1]:" in by_line[13]
    assert "scorers[3].params" in by_line[15] and "pik" in by_line[15]
    assert all(line.startswith(str(tmp_path / "s1.yaml") + ":") for line in lines)


@pytest.mark.parametrize(
    "value, answer, found",
    [
        ("3万円", "上限23万円、締切は8月31日です。", False),
        ("3万円", "上限3万円です。", True),
        ("200円", "手数料は1,200円です。", False),
        ("200円", "手数料は２００円です。", True),
        ("14日", "転入から14日以内です。", True),
        ("14日", "転入から114日以内です。", False),
        ("第3条", "第3条の2による。", True),
    ],
)
def test_a_number_value_never_matches_inside_a_longer_number(value: str, answer: str, found: bool) -> None:
    assert build("contains", {"values": [value]}).score(answer, item()).passed is found


@pytest.mark.parametrize("values", [["？"], ["。"], [" "]])
def test_contains_values_empty_after_normalisation_are_rejected(values: list) -> None:
    scorer = build("contains", {"values": values, "negate": True})
    assert scorer.check_item(item()) == "has a value that is empty after normalisation"
    assert scorer.score("提出できます。", item()).passed  # an empty value is found nowhere


@pytest.mark.parametrize(
    "value, answer, found",
    [
        ("第34条", "憲法34条です。", True),  # 第 optional before an article number
        ("第9条", "憲法9条は戦争の放棄を定めます。", True),
        ("第9条", "憲法19条です。", False),
        ("17時", "17時30分までです。", False),  # a time that goes on is another time
        ("17時", "17時までです。", True),
        ("10時", "10時15分開始です。", False),
    ],
)
def test_contains_article_numbers_and_times(value: str, answer: str, found: bool) -> None:
    assert build("contains", {"values": [value]}).score(answer, item()).passed is found
