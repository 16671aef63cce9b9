"""length, json and style (format.py)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.format import classify_ending, count_chars, extract_json


def item(**fields) -> Item:
    fields.setdefault("id", "q1")
    return Item(**fields)


# ----------------------------------------------------------------------------- length
def test_count_chars_ignores_whitespace_after_nfkc() -> None:
    assert count_chars("東京 都\n　庁") == 4
    assert count_chars("ｶﾞｲﾄﾞ") == 3  # half-width ｶﾞ becomes one ガ
    assert count_chars("ＡＢＣ１２３") == 6


def test_length_bounds() -> None:
    scorer = build("length", {"min_chars": 5, "max_chars": 10})
    ok = scorer.score("住民票の写し。", item())
    assert ok.passed and ok.score == 1.0 and ok.explanation == "7字（5〜10字の範囲内）"
    short = scorer.score("短い", item())
    assert not short.passed and short.explanation == "2字: 字数不足（5〜10字）"
    long = scorer.score("住民票の写しは市民課で交付します。", item())
    assert not long.passed and long.explanation == "17字: 字数超過（5〜10字）"
    assert scorer.score("あ い う え お　か", item()).passed  # spaces do not count: 6 characters
    assert build("length", {"max_chars": 3}).score("１２３", item()).passed
    assert build("length", {"min_chars": 3}).score("ABCD", item()).detail == {
        "chars": 4,
        "min_chars": 3,
        "max_chars": None,
    }


@pytest.mark.parametrize("params", [{}, {"min_chars": 10, "max_chars": 5}, {"max_chars": 0}, {"max": 5}])
def test_length_bad_params(params: dict) -> None:
    with pytest.raises(ValidationError):
        build("length", params)


def test_length_ideal_answer() -> None:
    scorer = build("length", {"min_chars": 30, "max_chars": 40})
    for it in [item(), item(reference="短すぎる参照")]:
        answer = scorer.ideal_answer(it)
        assert scorer.score(answer, it).passed
    it = item(reference="本件は、市民課の窓口で受け付けており、郵送による申請も受け付けている。")
    assert scorer.ideal_answer(it) == it.reference


# ----------------------------------------------------------------------------- json
SCHEMA = {
    "type": "object",
    "properties": {"分類": {"enum": ["賛成", "反対", "その他"]}, "件数": {"type": "integer", "minimum": 0}},
    "required": ["分類", "件数"],
    "additionalProperties": False,
}


def test_extract_json_from_fence_and_from_text() -> None:
    fenced = '回答です。\n```json\n{"分類": "賛成", "件数": 3}\n```\n以上です。'
    assert extract_json(fenced) == ({"分類": "賛成", "件数": 3}, None)
    inline = '結果は {"分類": "反対", "件数": 1} のとおりです。[注] 参考'
    assert extract_json(inline) == ({"分類": "反対", "件数": 1}, None)
    assert extract_json("[注] 波括弧 { はありますが JSON はありません")[0] is None


def test_json_schema_pass_and_fail() -> None:
    scorer = build("json", {"schema": SCHEMA})
    ok = scorer.score('```json\n{"分類": "賛成", "件数": 3}\n```', item())
    assert ok.passed and ok.score == 1.0 and ok.explanation == "JSONとして妥当"
    wrong_enum = scorer.score('{"分類": "賛同", "件数": 3}', item())
    assert not wrong_enum.passed and wrong_enum.score == 0.0
    assert wrong_enum.explanation.startswith("スキーマ違反 分類:")
    extra = scorer.score('{"分類": "賛成", "件数": 3, "理由": "x"}', item())
    assert not extra.passed and "スキーマ違反" in extra.explanation
    broken = scorer.score('```json\n{"分類": "賛成", "件数": 3,}\n```', item())
    assert not broken.passed and broken.explanation == "JSONが見つからない"


def test_json_extract_false_needs_the_whole_answer() -> None:
    scorer = build("json", {"extract": False})
    assert scorer.score(' {"a": 1} \n', item()).passed
    result = scorer.score('はい。{"a": 1}', item())
    assert not result.passed and result.explanation.startswith("JSONとして解析できない")


def test_json_extract_false_fails_an_integer_too_long_to_convert() -> None:
    # json.loads raises a plain ValueError (not JSONDecodeError, which has msg/lineno/colno) for an
    # integer longer than Python converts: the answer fails, the scorer does not crash
    scorer = build("json", {"extract": False})
    result = scorer.score("1" * 5000, item())
    assert not result.passed and result.explanation.startswith("JSONとして解析できない（Exceeds the limit")
    assert result.detail == {"parsed": False}


def test_json_required_keys() -> None:
    scorer = build("json", {"required_keys": ["氏名", "期限"]})
    assert scorer.score('{"氏名": "山田", "期限": "8月31日"}', item()).passed
    missing = scorer.score('{"氏名": "山田"}', item())
    assert not missing.passed and missing.explanation == "必須キーがない: 期限"
    assert scorer.score('["氏名", "期限"]', item()).explanation == "最上位がオブジェクトでない"


def test_json_match_reference_scores_the_share_of_fields() -> None:
    scorer = build("json", {"match_reference": True})
    it = item(reference=json.dumps({"分類": "賛成", "件数": 3500, "担当課": "市民課"}, ensure_ascii=False))
    full = scorer.score('{"分類": "賛成", "件数": "３５００", "担当課": "市民課 "}', it)  # width/space/number-as-text
    assert full.passed and full.score == 1.0
    part = scorer.score('{"分類": "反対", "件数": 3500}', it)
    assert not part.passed and part.score == pytest.approx(1 / 3)
    assert part.detail["mismatched"] == ["分類", "担当課"]
    assert scorer.check_item(item(reference="賛成")) is not None
    assert scorer.check_item(it) is None
    assert scorer.score(scorer.ideal_answer(it), it).passed


def test_json_match_reference_with_schema_failure_scores_zero() -> None:
    scorer = build("json", {"match_reference": True, "schema": {"type": "object", "required": ["x"]}})
    it = item(reference='{"x": 1, "y": 2}')
    assert scorer.score('{"y": 2}', it).score == 0.0
    assert scorer.check_item(item(reference='{"y": 2}')).startswith("reference JSON does not satisfy")


def test_json_ideal_answer_from_schema() -> None:
    scorer = build("json", {"schema": SCHEMA, "required_keys": ["分類"]})
    answer = scorer.ideal_answer(item())
    assert answer is not None and scorer.score(answer, item()).passed
    assert scorer.check_item(item()) is None
    impossible = build("json", {"schema": {"type": "string", "pattern": "^[0-9]{3}$"}})
    assert impossible.check_item(item()) is not None  # no example and no reference
    assert impossible.check_item(item(reference='"123"')) is None


@pytest.mark.parametrize(
    "params",
    [
        {"schema": {"type": "objekt"}},
        {"schema": {"required": "a"}},
        {"extract": "maybe"},
        {"required": ["a"]},
    ],
)
def test_json_bad_params(params: dict) -> None:
    with pytest.raises(ValidationError):
        build("json", params)


# ----------------------------------------------------------------------------- style
@pytest.mark.parametrize(
    "sentence, style",
    [
        ("申請してください。", "desumasu"),
        ("確認しました。", "desumasu"),
        ("お答えできません。", "desumasu"),
        ("ご利用いただけますか？", "desumasu"),
        ("お待ちしております（平日のみ）。", "desumasu"),
        ("雨になるでしょう。", "desumasu"),
        ("提出をお願いいたします。", "desumasu"),
        ("重要である。", "dearu"),
        ("窓口で受け付ける。", "dearu"),
        ("申請を受理した。", "dearu"),
        ("対象とならない。", "dearu"),
        ("早期の提出が望ましい。", "dearu"),
        ("本人確認が必要だ。", "dearu"),
        ("注意されたい。", "dearu"),
        ("以下のとおり。", None),
        ("申請書の提出について", None),
        ("お問い合わせ先", None),
        ("市民課へのお願い", None),
    ],
)
def test_classify_ending(sentence: str, style) -> None:
    assert classify_ending(sentence)[0] == style


def test_style_desumasu_and_dearu() -> None:
    polite = "申請は窓口で受け付けています。郵送でも申請できます。"
    plain = "申請は窓口で受け付ける。郵送でも申請できる。"
    assert build("style", {"style": "desumasu"}).score(polite, item()).passed
    assert not build("style", {"style": "desumasu"}).score(plain, item()).passed
    assert build("style", {"style": "dearu"}).score(plain, item()).passed
    result = build("style", {"style": "dearu"}).score(polite, item())
    assert not result.passed and result.score == 0.0
    assert result.explanation == "である体でない文: 「申請は窓口で受け付けています。」ほか1文"


def test_style_mixing_is_caught_with_offending_sentences() -> None:
    text = "申請は窓口で受け付けます。郵送でも受け付けます。なお、手数料は無料である。"
    result = build("style", {}).score(text, item())
    assert not result.passed and result.score == pytest.approx(2 / 3)
    assert result.detail["counts"] == {"desumasu": 2, "dearu": 1}
    assert [o["sentence"] for o in result.detail["offending"]] == ["なお、手数料は無料である。"]
    assert result.explanation.startswith("文体が混在（です・ます体2文、である体1文）")


def test_style_ignores_headings_bullets_quotes_and_code() -> None:
    text = (
        "# 申請の手続\n"
        "申請は窓口で受け付けます。\n"
        "- 本人確認書類を持参する\n"
        "1. 申請書を記入する。\n"
        "> 原文：窓口で受け付ける。\n"
        "職員は「本日中に処理する。」と説明しました。\n"
        "```\nprint('である')\n```\n"
        "| 項目 | 内容である |\n"
        "以上です。"
    )
    result = build("style", {"style": "desumasu"}).score(text, item())
    assert result.passed, result.detail
    assert result.detail["counts"] == {"desumasu": 3, "dearu": 0}


def test_style_without_classifiable_sentences_passes() -> None:
    result = build("style", {"style": "dearu"}).score("以下のとおり。\n- 申請書\n- 本人確認書類", item())
    assert result.passed and result.explanation == "文末から文体を判定できる文がない"


def test_style_ideal_answer() -> None:
    for style in ["desumasu", "dearu", "consistent"]:
        scorer = build("style", {"style": style})
        assert scorer.score(scorer.ideal_answer(item()), item()).passed
    scorer = build("style", {"style": "dearu"})
    it = item(reference="窓口で受け付ける。")
    assert scorer.ideal_answer(it) == "窓口で受け付ける。"
    with pytest.raises(ValidationError):
        build("style", {"style": "keigo"})


@pytest.mark.parametrize(
    "text, chars",
    [
        ("……以上です……", 8),  # … is one character, not the three NFKC makes of it
        ("㈱ＡＢＣ商事です。", 9),
        ("ｶﾞｲﾄﾞ", 3),  # half-width kana with their voiced marks: ガイド
        ("令和 8 年\n4 月", 6),
    ],
)
def test_characters_are_counted_as_a_reader_counts_them(text: str, chars: int) -> None:
    result = build("length", {"max_chars": 10}).score(text, Item(id="q1"))
    assert result.detail["chars"] == chars
