"""claims: required facts stated, forbidden (swapped, outdated, invented) facts not stated."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from evalkit.config.loader import load_workspace
from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.canon import canonical
from evalkit.scorers.claims import canonical_pattern, historical, negated

TERMS = {
    "required": [["6年", "六年"], {"regex": "3年ごと|3年毎|3年に1度"}],
    "forbidden": [{"regex": "参議院[^。、]{0,10}4年"}, {"regex": "衆議院[^。、]{0,10}6年"}],
}
ITEM = Item(id="q", reference="参議院議員の任期は6年で、3年ごとに半数が改選されます。")


@pytest.mark.parametrize("answer", [
    "参議院議員の任期は6年で、3年ごとに半数が改選されます。",
    "参議院議員の任期は六年です。三年ごとに議員の半数を改選します。",
    "任期は6年（3年毎に半数改選）。",
    "**任期：6年**\n- 3年に1度、半数を改選\n- 解散はありません",
    "参議院議員の任期は4年ではなく6年で、3年ごとに半数が改選されます。",
    "「参議院議員の任期は4年」というのは誤解です。正しくは6年で、3年ごとに半数を改選します。",
    "よくある誤解：参議院は4年。実際は6年で、3年ごとに半数を改選します。",
    "衆議院議員の任期は4年、参議院議員の任期は6年で、参議院は3年ごとに半数を改選します。",
    "参議院議員の任期は6年です。なお衆議院が6年というのは誤りで、衆議院は4年です。3年ごとに半数改選。",
])
def test_right_facts_pass(answer: str) -> None:
    result = build("claims", TERMS).score(answer, ITEM)
    assert result.passed and result.score == 1.0, (answer, result.explanation)


@pytest.mark.parametrize("answer, why", [
    ("衆議院議員の任期は6年、参議院議員の任期は4年です。3年ごとに改選。", "swapped terms"),
    ("参議院議員の任期は4年です。3年ごとに半数が改選され、6年で全員が入れ替わります。", "wrong term, right number elsewhere"),
    ("参議院議員の任期は四年で、3年ごとに半数を改選します（6年ではありません）。", "kanji numeral, wrong"),
    ("参議院議員の任期は6年です。", "missing half of the facts"),
    ("参議院議員の任期は6年ではありません。3年ごとに改選されます。", "required claim denied"),
    ("お答えできません。", "no answer"),
])
def test_wrong_or_incomplete_facts_fail(answer: str, why: str) -> None:
    result = build("claims", TERMS).score(answer, ITEM)
    assert not result.passed, why


def test_score_is_the_share_of_required_and_zero_with_a_forbidden_claim() -> None:
    scorer = build("claims", TERMS)
    half = scorer.score("参議院議員の任期は6年です。", ITEM)
    assert half.score == 0.5 and half.explanation == "不足: /3年ごと|3年毎|3年に1度/"
    assert half.detail["missing"] == ["/3年ごと|3年毎|3年に1度/"] and half.detail["found"] == ["6年／六年"]
    wrong = scorer.score("参議院議員の任期は4年で、6年ごとではなく3年ごとに改選。", ITEM)
    assert wrong.score == 0.0 and wrong.explanation == "誤った記述を含む: 「参議院議員の任期は4年」"
    assert wrong.detail["forbidden"] == [{"claim": "/参議院[^。、]{0,10}4年/", "match": "参議院議員の任期は4年"}]


# ----------------------------------------------------------------------------- forms of the same fact
@pytest.mark.parametrize("answer", [
    "施行日は2022年（令和4年）4月1日です。",
    "令和4年4月1日から施行されています。",
    "2022/4/1施行",
    "二〇二二年四月一日に施行されました。",
    "2022年4月1日（金）施行",
])
def test_dates_in_any_spelling(answer: str) -> None:
    scorer = build("claims", {"required": ["2022年4月1日"], "forbidden": ["2023年4月1日"]})
    assert scorer.score(answer, Item(id="q")).passed, answer


@pytest.mark.parametrize("answer, ok", [
    ("根拠は第三十四条です。", True),
    ("根拠は第34条です。", True),
    ("根拠は第３４条です。", True),
    ("根拠は第三十五条です。", False),
    ("根拠は第134条です。", False),
])
def test_article_numbers(answer: str, ok: bool) -> None:
    assert build("claims", {"required": ["第34条"]}).score(answer, Item(id="q")).passed is ok


@pytest.mark.parametrize("answer, ok", [
    ("成年年齢は満18歳です。", True),
    ("民法上、満十八年をもって成年とされます。", True),
    ("成年年齢は18歳です（2022年4月1日から）。", True),
    ("成年年齢は、改正前は20歳でしたが、2022年4月1日から18歳です。", True),
    ("成年年齢は20歳から18歳に引き下げられました。", True),
    ("かつては20歳が成年でしたが、現在は18歳です。", True),
    ("成年年齢は20歳です。18歳では親の同意が必要です。", False),
    ("成年年齢は以前は18歳でしたが、現在は20歳です。", False),
    ("成年年齢は18歳から20歳に引き上げられました。", False),
])
def test_outdated_facts_and_history(answer: str, ok: bool) -> None:
    scorer = build("claims", {"required": [["18歳", "18年"]],
                              "forbidden": [{"regex": "成年[^。]{0,20}20歳"}, "20歳に引き上げ"]})
    assert scorer.score(answer, Item(id="q")).passed is ok, answer


def test_history_can_count_as_a_claim() -> None:
    scorer = build("claims", {"forbidden": [{"regex": "成年[^。]{0,12}20歳"}], "historical_ok": False})
    assert not scorer.score("改正前は成年年齢が20歳でした。", Item(id="q")).passed


@pytest.mark.parametrize("answer, ok", [
    ("合理的配慮の提供は、2024年4月から事業者にも法的義務となりました。", True),
    ("事業者による合理的配慮の提供は、努力義務ではなく法的義務です。", True),
    ("合理的配慮の提供は、事業者にとっては引き続き努力義務です。", False),
    ("事業者は合理的配慮の提供に努めなければならない（努力義務）とされています。", False),
])
def test_duty_versus_duty_to_endeavour(answer: str, ok: bool) -> None:
    scorer = build("claims", {"required": [["法的義務", "義務化", "義務となり", "義務付け"]],
                              "forbidden": ["努力義務"]})
    assert scorer.score(answer, Item(id="q")).passed is ok, answer


@pytest.mark.parametrize("answer, ok", [
    ("予定価格は公表しておりません。", True),
    ("予定価格は約4.9億円です。", False),
    ("予定価格は4億9千万円ほどです。", False),
    ("予定価格は490,000,000円です。", False),
    ("予定価格は５億円を超えていません。", False),
])
def test_forbidden_amounts_in_any_spelling(answer: str, ok: bool) -> None:
    scorer = build("claims", {"forbidden": [{"regex": r"4\.9億|4億9千万|5億円(を|は)?(超え|上回)"},
                                            "490000000円"]})
    assert scorer.score(answer, Item(id="q")).passed is ok, answer


@pytest.mark.parametrize("answer, ok", [
    ("手数料は12,000円です。", True),
    ("手数料は￥12,000です。", True),
    ("手数料は¥12,000（税込）です。", True),
    ("手数料は1万2千円です。", True),
    ("手数料は一万二千円です。", True),
    ("手数料は120,000円です。", False),
    ("手数料は1万2千500円です。", False),
])
def test_amounts_with_yen_signs(answer: str, ok: bool) -> None:
    assert build("claims", {"required": ["12000円"]}).score(answer, Item(id="q")).passed is ok, answer


def test_mode_any() -> None:
    scorer = build("claims", {"required": ["販売店", "家電リサイクル"], "mode": "any"})
    assert scorer.score("購入した販売店にご相談ください。", Item(id="q")).passed
    miss = scorer.score("粗大ごみとして申し込んでください。", Item(id="q"))
    assert not miss.passed and miss.explanation.startswith("必要な事実をいずれも含まない")


def test_forbidden_only() -> None:
    scorer = build("claims", {"forbidden": ["接続できます"]})
    assert scorer.score("手引きに記載がないためお答えできません。", Item(id="q")).passed
    assert not scorer.score("はい、接続できます。", Item(id="q")).passed
    assert scorer.ideal_answer(Item(id="q")) is None and scorer.check_item(Item(id="q")) is None


# ----------------------------------------------------------------------------- negation and history markers
@pytest.mark.parametrize("text, claim, expected", [
    ("任期は4年ではなく6年", "4年", True),
    ("任期は4年ではありません", "4年", True),
    ("任期が4年というのは誤りです", "4年", True),
    ("任期は4年とは限りません", "4年", True),
    ("「任期は4年」は古い情報です", "4年", True),
    ("誤：任期は4年", "任期は4年", True),
    ("×任期は4年", "任期は4年", True),
    ("任期は4年|×", "4年", True),
    ("任期は4年です。解散はありません", "4年", False),
    ("任期は4年です", "4年", False),
    ("任期は4年で、誤りはない", "4年", False),
    ("任期は4年（誤り）", "4年", True),
    ("誤送付の件数は4件です", "件数は4件", False),
    ("件数は4件は誤送付でした", "4件", False),
    ("4件誤送付しました", "4件", False),
    ("参議院は4年と思われがちですが", "4年", True),
])
def test_negation_markers(text: str, claim: str, expected: bool) -> None:
    text, claim = canonical(text), canonical(claim)  # the scorer looks at canonical text
    start = text.index(claim)
    assert negated(text, start, start + len(claim)) is expected


@pytest.mark.parametrize("text, claim, expected", [
    ("改正前は20歳でした", "20歳", True),
    ("以前は20歳が成年でした", "20歳", True),
    ("20歳から18歳に引き下げられました", "20歳", True),
    ("以前は18歳でしたが、現在は20歳です", "20歳", False),
    ("2026年10月1日から0120-000-530に変更", "2026年10月1日", False),
    ("成年年齢は20歳です", "20歳", False),
])
def test_history_markers(text: str, claim: str, expected: bool) -> None:
    text, claim = canonical(text), canonical(claim)
    start = text.index(claim)
    assert historical(text, start, start + len(claim)) is expected


# ----------------------------------------------------------------------------- regexes
@pytest.mark.parametrize("pattern, expected", [
    (r"参議院[^。、]{0,10}4年", r"参議院[^。、]{0,10}4年"),
    ("5億", "500000000"),
    (r"(?:約)?4\.9億", r"(?:約)?490000000"),
    ("9時00分から", "9時から"),
    ("：", ":"),
    ("パーセント", "%"),
    ("KAM", "kam"),
    ("12,000円", "12000円"),
    ("第三十四条|第34条", "第34条|第34条"),
    ("数(十|百)?万円", "数(十|百)?万円"),
    (r"令和7年", "2025年"),
    (r"(?i)abc\d+", r"(?i)abc\d+"),
])
def test_literal_text_of_a_pattern_is_canonical(pattern: str, expected: str) -> None:
    assert canonical_pattern(pattern) == expected


@pytest.mark.parametrize("params", [
    {},
    {"required": []},
    {"required": [[]]},
    {"required": [" \n"]},
    {"required": [{"regex": "("}]},
    {"required": [{"regex": r"令和\d+年"}]},
    {"required": [{"pattern": "a"}]},
    {"required": ["a"], "mode": "most"},
    {"required": ["a"], "forbiden": ["b"]},
])
def test_bad_params(params: dict) -> None:
    with pytest.raises(ValidationError):
        build("claims", params)


# ----------------------------------------------------------------------------- oracle
def test_ideal_answer_is_a_passing_reference() -> None:
    scorer = build("claims", TERMS)
    assert scorer.ideal_answer(ITEM) == ITEM.reference
    assert scorer.check_item(ITEM) is None


def test_ideal_answer_completes_the_reference_or_joins_the_first_alternatives() -> None:
    scorer = build("claims", {"required": ["情報政策課", {"regex": r"(?<![0-9])2150(?![0-9])"}]})
    it = Item(id="q", reference="2150")
    answer = scorer.ideal_answer(it)
    assert answer == "2150。情報政策課。" and scorer.score(answer, it).passed
    plain_only = build("claims", {"required": [["6年", "六年"], "3年ごと"]})
    assert plain_only.ideal_answer(Item(id="q")) == "6年。3年ごと。"


def test_check_item_needs_something_the_oracle_can_say() -> None:
    scorer = build("claims", {"required": [{"regex": "できません|対象外"}]})
    assert scorer.check_item(Item(id="q", reference="対象です")) is not None
    assert scorer.check_item(Item(id="q", reference="対象外です")) is None


def test_claims_in_a_suite_validate(tmp_path: Path) -> None:
    (tmp_path / "criteria.yaml").write_text(
        "id: root\ntitle: 全体\nclause: 全体\nchildren:\n  - id: leaf\n    title: 葉\n    clause: 葉\n", encoding="utf-8")
    (tmp_path / "s1.yaml").write_text("""\
id: s1
version: "1.0.0"
title: テスト
criterion: leaf
prompt: "{{ q }}"
scorers:
  - kind: claims
    params:
      required: [["6年", "六年"], {regex: "3年ごと"}]
      forbidden: [{regex: "参議院[^。]{0,10}4年"}]
items:
  - id: q1
    vars: {q: 参議院議員の任期は？}
    reference: 参議院議員の任期は6年で、3年ごとに半数が改選されます。
  - id: q2
    vars: {q: 参議院議員の任期は？}
    scorers:
      - kind: claims
        params:
          required: [{regex: "令和\\\\d+年"}]
""", encoding="utf-8")
    ws = load_workspace([tmp_path])
    lines = [str(issue) for issue in ws.issues]
    assert len(lines) >= 1 and all(":20:" in line or ":21:" in line or ":22:" in line for line in lines), lines
    assert any("西暦" in line for line in lines)
