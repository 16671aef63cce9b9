"""numeric: Arabic and kanji numerals, commas, full-width digits, units, tolerance, pick."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.numeric import parse_numbers, parse_numeral


def item(**fields) -> Item:
    fields.setdefault("id", "q1")
    return Item(**fields)


@pytest.mark.parametrize(
    "numeral, value",
    [
        ("三千五百", "3500"),
        ("1万2千", "12000"),
        ("二〇二五", "2025"),
        ("十五", "15"),
        ("二十", "20"),
        ("百二十三億四千万", "12340000000"),
        ("3,500", "3500"),
        ("1,234,567", "1234567"),
        ("12万3456", "123456"),
        ("1億2,345万", "123450000"),
        ("1.5万", "15000"),
        ("2千万", "20000000"),
        ("千", "1000"),
        ("3.14", "3.14"),
        ("壱万", "10000"),
    ],
)
def test_parse_numeral(numeral: str, value: str) -> None:
    assert parse_numeral(numeral) == Decimal(value)


@pytest.mark.parametrize(
    "text, values",
    [
        ("合計は３，５００円です。", ["3500"]),  # full-width digits and comma
        ("気温は−5度、収支は▲1,200円、マイナス3点", ["-5", "-1200", "-3"]),
        ("電話は03-1234-5678", ["3", "1234", "5678"]),  # hyphens join numbers, no minus signs
        ("3-5人", ["3", "5"]),
        ("第3四半期に2件", ["3", "2"]),  # 3 and 四 do not join into 34
        ("一般に統一された九州と四国の千代田区", []),  # kanji words, not numbers
        ("万一の場合", []),
        ("一つ目と三人", ["1", "3"]),
        ("KZ4821 と R7", []),  # identifiers
        ("1,2,3", ["1", "2", "3"]),  # a list, not thousands separators
        ("令和7年度は1万2千件", ["7", "12000"]),
    ],
)
def test_parse_numbers_in_text(text: str, values: list[str]) -> None:
    assert [n.value for n, _ in parse_numbers(text)] == [Decimal(v) for v in values]


@pytest.mark.parametrize(
    "answer",
    [
        "3500",
        "3,500",
        "３５００",
        "３，５００円",
        "三千五百",
        "三千五百円です。",
        "3千5百円",
        "答えは3500件",
        "約3500です",
        "計算すると 1000 + 2500 = 3500 になります。",  # any number matches by default
    ],
)
def test_numeric_positive(answer: str) -> None:
    result = build("numeric", {}).score(answer, item(reference="3500"))
    assert result.passed and result.score == 1.0, answer
    assert result.explanation == "数値 3500 が参照値 3500 と一致"


@pytest.mark.parametrize("answer", ["3400", "35000", "三千四百", "350", "不明です。", "", "-3500"])
def test_numeric_negative(answer: str) -> None:
    result = build("numeric", {}).score(answer, item(reference="3500"))
    assert not result.passed and result.score == 0.0, answer


def test_numeric_explanations() -> None:
    scorer = build("numeric", {})
    assert scorer.score("3400円", item(reference="3500")).explanation == "数値 3400 は参照値 3500 と不一致"
    assert scorer.score("わかりません", item(reference="3500")).explanation == "数値が見つからない（参照値 3500）"


def test_numeric_reference_with_kanji_and_unit() -> None:
    it = item(reference="1万2千円")
    scorer = build("numeric", {"unit": "円"})
    assert scorer.check_item(it) is None
    for answer in ["12,000円", "１２０００円", "1万2千円", "一万二千円", "12000 円"]:
        assert scorer.score(answer, it).passed, answer
    # the only 12000 has no 円 after it, so it does not count
    result = scorer.score("12000人に、1人あたり100円", it)
    assert not result.passed
    assert result.explanation == "数値 100円 は参照値 12000円 と不一致"
    assert scorer.score("12000", it).explanation == "単位「円」付きの数値が見つからない（参照値 12000円）"


def test_numeric_unit_spelling_variants() -> None:
    assert build("numeric", {"unit": "か所"}).score("市内3箇所", item(reference="3")).passed
    assert build("numeric", {"unit": "か所"}).score("市内３ヶ所", item(reference="3")).passed
    assert build("numeric", {"unit": "%"}).score("約15パーセント", item(reference="15")).passed
    assert build("numeric", {"unit": "%"}).score("１５％", item(reference="15%")).passed
    assert build("numeric", {"unit": "人"}).score("職員3名", item(reference="3")).passed
    assert not build("numeric", {"unit": "件"}).score("3人", item(reference="3")).passed


def test_numeric_pick_first_and_last() -> None:
    it = item(reference="2025")
    text = "令和7年は2025年です。なお申請は3件でした。"
    assert build("numeric", {}).score(text, it).passed
    assert not build("numeric", {"pick": "first"}).score(text, it).passed  # the first number is 7
    assert not build("numeric", {"pick": "last"}).score(text, it).passed  # the last number is 3
    assert build("numeric", {"pick": "last"}).score("3件ではなく、二〇二五", it).passed


def test_numeric_tolerance() -> None:
    it = item(reference="100")
    assert not build("numeric", {}).score("101", it).passed
    assert build("numeric", {"tolerance": 1}).score("101", it).passed
    assert not build("numeric", {"tolerance": 1}).score("102", it).passed
    assert build("numeric", {"tolerance": 0.05, "relative": True}).score("95", it).passed
    assert not build("numeric", {"tolerance": 0.05, "relative": True}).score("94.9", it).passed
    # decimals are exact: 0.1 + 0.2 style answers are not off by float error
    assert build("numeric", {}).score("0.3", item(reference="0.30")).passed


def test_numeric_check_item_and_ideal_answer() -> None:
    scorer = build("numeric", {})
    assert scorer.check_item(item()) is not None
    assert scorer.check_item(item(reference="たくさん")) == "reference 'たくさん' is not a number"
    assert scorer.check_item(item(reference=["3500", "三千五百"])) is None
    with_unit = build("numeric", {"unit": "円"})
    it = item(reference="1万2千円")
    assert with_unit.ideal_answer(it) == "12000円"
    assert with_unit.score(with_unit.ideal_answer(it), it).passed


@pytest.mark.parametrize("params", [{"tolerance": -1}, {"pick": "middle"}, {"unit": " "}, {"units": "円"}])
def test_numeric_bad_params(params: dict) -> None:
    with pytest.raises(ValidationError):
        build("numeric", params)


# ----------------------------------------------------------------------------- review cases
@pytest.mark.parametrize(
    "unit, reference, answer",
    [
        ("万円", "1200万円", "予算額は1,200万円です。"),
        ("万円", "1200万円", "予算額は1,200 万円です。"),  # multiplier after a space
        ("万円", "1200万円", "予算額は12,000,000円です。"),  # the same amount in 円
        ("万円", "1200万円", "予算額は一千二百万円です。"),
        ("万円", "1200", "1,200万円"),  # a bare reference is read in the unit
        ("万円", "1.5万", "15,000円"),
        ("千円", "5,000千円", "契約額は5,000千円（税込）"),
        ("億円", "1.2億円", "総額は約1.2億円です。"),
        ("億円", "1.2億円", "総額は1億2千万円です。"),
        ("百万円", "350百万円", "350百万円"),
        ("万人", "3万人", "利用者は30,000人"),
        ("円", "1200万円", "1,200万円"),
        ("円", "1200万円", "1,200 万円"),
    ],
)
def test_numeric_multiplier_units_match(unit: str, reference: str, answer: str) -> None:
    result = build("numeric", {"unit": unit}).score(answer, item(reference=reference))
    assert result.passed, (answer, result.explanation, result.detail)


@pytest.mark.parametrize(
    "unit, reference, answer",
    [
        ("万円", "1200万円", "予算額は1,200円です。"),  # 1,200 円 is not 1,200 万円
        ("万円", "1200万円", "予算額は1,200万です。"),  # no 円
        ("万円", "1200万円", "予算額は120万円です。"),
        ("千円", "5,000千円", "5,000円"),
        ("億円", "1.2億円", "1.2万円"),
    ],
)
def test_numeric_multiplier_units_mismatch(unit: str, reference: str, answer: str) -> None:
    assert not build("numeric", {"unit": unit}).score(answer, item(reference=reference)).passed, answer


def test_numeric_multiplier_unit_explanations_and_tolerance() -> None:
    scorer = build("numeric", {"unit": "万円"})
    it = item(reference="1200万円")
    assert scorer.score("1,200万円", it).explanation == "数値 1200万円 が参照値 1200万円 と一致"
    assert scorer.score("1,100万円", it).explanation == "数値 1100万円 は参照値 1200万円 と不一致"
    assert scorer.score("なし", it).explanation == "単位「万円」付きの数値が見つからない（参照値 1200万円）"
    # tolerance is in the unit: 10 = 10万円
    assert build("numeric", {"unit": "万円", "tolerance": 10}).score("1,210万円", it).passed
    assert not build("numeric", {"unit": "万円", "tolerance": 10}).score("1,211万円", it).passed


UNITS = [
    "円",
    "万円",
    "千円",
    "億円",
    "百万円",
    "人",
    "名",
    "万人",
    "件",
    "%",
    "％",
    "パーセント",
    "年",
    "か月",
    "ヶ月",
    "か所",
    "日",
    "時",
    "歳",
    "km",
    "kg",
    "㎡",
    "m²",
]


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("reference", ["1200", "3,500", "0", "0.5", "-5", "二十", "1万2千"])
def test_numeric_ideal_answer_passes_for_every_unit(unit: str, reference: str) -> None:
    scorer = build("numeric", {"unit": unit})
    it = item(reference=reference)
    answer = scorer.ideal_answer(it)
    assert answer is not None and answer.endswith(unit)
    result = scorer.score(answer, it)
    assert result.passed, (answer, result.explanation)


@pytest.mark.parametrize("unit", ["万", "千", "億", "百万"])
def test_numeric_unit_of_only_a_multiplier_is_rejected(unit: str) -> None:
    with pytest.raises(ValidationError):
        build("numeric", {"unit": unit})


@pytest.mark.parametrize("numeral, value", [("0万", "0"), ("0億", "0"), ("十万", "100000"), ("億万", "100010000")])
def test_parse_numeral_zero_before_big_unit(numeral: str, value: str) -> None:
    assert parse_numeral(numeral) == Decimal(value)


@pytest.mark.parametrize(
    "text, values",
    [
        ("①3,500円（税込）", ["3500"]),
        ("回答：①500円、②1,000円", ["500", "1000"]),
        ("⑴1,000円 ⑵2,000円", ["1000", "2000"]),
        ("⒈300件", ["300"]),
        ("㈠500円 ㊁600円", ["500", "600"]),
        ("❶20人", ["20"]),
        ("⑳15日", ["15"]),
    ],
)
def test_enumerators_are_not_digits(text: str, values: list[str]) -> None:
    assert [n.value for n, _ in parse_numbers(text)] == [Decimal(v) for v in values]


@pytest.mark.parametrize(
    "reference, answer, passed",
    [
        ("3500", "①3,500円（税込）", True),
        ("1500", "回答：①500円、②1,000円", False),
        ("13500", "①3,500円（税込）", False),
    ],
)
def test_numeric_enumerators(reference: str, answer: str, passed: bool) -> None:
    assert build("numeric", {}).score(answer, item(reference=reference)).passed is passed


@pytest.mark.parametrize(
    "text, values",
    [
        ("受付時間は9時-17時です。", ["9", "17"]),  # a range after a unit, not a minus
        ("9時 − 17時", ["9", "17"]),
        ("1万-2万円", ["10000", "20000"]),
        ("3 - 5", ["3", "5"]),
        ("10%-20%", ["10", "20"]),
        ("1,000円▲200円", ["1000", "200"]),
        ("気温は−5度", ["-5"]),  # after a particle: a sign
        ("前年比-5%", ["-5"]),
        ("（-3）", ["-3"]),
        ("収支：▲1,200円", ["-1200"]),
        ("-7", ["-7"]),
    ],
)
def test_sign_only_when_not_after_a_number_or_unit(text: str, values: list[str]) -> None:
    assert [n.value for n, _ in parse_numbers(text)] == [Decimal(v) for v in values]


def test_numeric_range_after_unit() -> None:
    scorer = build("numeric", {"unit": "時"})
    result = scorer.score("受付時間は9時-17時です。", item(reference="17"))
    assert result.passed and result.detail["found"] == ["9", "17"]
    assert not build("numeric", {"unit": "時"}).score("受付時間は9時-17時です。", item(reference="-17")).passed
