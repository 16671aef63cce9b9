"""numeric: forms of a right answer that issue 11 family 4 saw rejected — ¥/￥/JPY/yen for 円, native
numerals (ひとつ…とお), the statutes' 満18年 for an age, a year repeated in parentheses, 和暦 years
against a Western reference, and N割M分 as a percentage. Cases that must not change are kept beside them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.numeric import parse_numbers


def passes(answer: str, reference: str, **params) -> bool:
    return build("numeric", params).score(answer, Item(id="q1", reference=reference)).passed


# ----------------------------------------------------------------------------- yen
@pytest.mark.parametrize(
    "answer, reference, unit, expected",
    [
        ("受講料は¥12,000です。", "12000", "円", True),
        ("受講料は￥12,000（税込）です。", "12,000円", "円", True),
        ("金額：￥１２，０００", "1万2千円", "円", True),
        ("領収金額 ¥12,000-", "12000", "円", True),
        ("The fee is JPY 12,000.", "12000", "円", True),
        ("Total: JPY12,000", "12000", "円", True),
        ("It costs 12,000 yen per person.", "12000", "円", True),
        ("12,000 JPY", "12000", "円", True),
        ("予算は¥12,000,000です。", "1200万円", "万円", True),
        ("予算は¥1,200万です。", "1200万円", "万円", True),
        ("受講料は¥1,200です。", "12000", "円", False),
        ("The fee is $12,000.", "12000", "円", False),  # dollars are not yen
        ("12,000ドルです。", "12000", "円", False),
        ("定員は12,000人です。", "12000", "円", False),  # unchanged: 人 is not 円
    ],
)
def test_yen_forms(answer: str, reference: str, unit: str, expected: bool) -> None:
    assert passes(answer, reference, unit=unit) is expected


# ----------------------------------------------------------------------------- native numerals
@pytest.mark.parametrize(
    "answer, reference",
    [
        ("必要な書類はひとつです。", "1"),
        ("添付書類はふたつあります。", "2"),
        ("確認する点はみっつです。", "3"),
        ("窓口はよっつあります。", "4"),
        ("要件はいつつです。", "5"),
        ("対象の施設はむっつ。", "6"),
        ("ななつの区に分かれています。", "7"),
        ("会場はやっつです。", "8"),
        ("ここのつの項目があります。", "9"),
        ("全部でとおです。", "10"),
    ],
)
def test_native_numerals_with_counter_tsu(answer: str, reference: str) -> None:
    assert passes(answer, reference, unit="つ")
    assert passes(answer, reference)  # unit-less too


@pytest.mark.parametrize(
    "answer, reference, params",
    [
        ("申請書に記載のとおり、期限は3日です。", "10", {}),  # とおり is not 10
        ("条件を確認しつつ、思いつつ進めます。", "5", {}),  # 思いつつ is not 5
        ("作業をやっつけで済ませないでください。", "8", {}),
        ("むっつりした表情", "6", {}),
        ("ひとつき後に通知します。", "1", {"unit": "つ"}),  # ひとつき (a month) is not 1つ
        ("職員ひとりひとりが確認します。", "1", {"unit": "人"}),
        ("必要な書類はふたつです。", "3", {"unit": "つ"}),  # a wrong count stays wrong
    ],
)
def test_native_numerals_inside_words_are_not_numbers(answer: str, reference: str, params: dict) -> None:
    assert not passes(answer, reference, **params)


def test_hitori_futari_are_persons() -> None:
    assert passes("担当者はふたりです。", "2", unit="人")
    assert passes("窓口にはひとりで来てください。", "1", unit="人")
    assert not passes("担当者はふたりです。", "2", unit="件")


@pytest.mark.parametrize(
    "text, values",
    [
        ("ひとつ、ふたつ、みっつ", ["1", "2", "3"]),
        ("もうひとつの書類", ["1"]),
        ("令和元年5月1日", ["1", "5", "1"]),
        ("令和七年", ["7"]),
        ("一般に統一された九州と四国の千代田区", []),  # unchanged
        ("一つ目と三人", ["1", "3"]),  # unchanged
    ],
)
def test_parse_numbers_new_forms(text: str, values: list[str]) -> None:
    assert [n.value for n, _ in parse_numbers(text)] == [Decimal(v) for v in values]


# ----------------------------------------------------------------------------- 満N年 / 満N歳
@pytest.mark.parametrize(
    "answer, reference, unit, expected",
    [
        ("公職選挙法では、年齢満十八年以上の者に選挙権があります。", "18", "歳", True),
        ("満18年以上の日本国民です。", "18歳", "歳", True),
        ("満 18 年に達した者", "18", "歳", True),
        ("満十八歳以上", "18", "年", True),
        ("満18歳", "18", "歳", True),  # unchanged
        ("満18才以上", "18", "歳", True),  # 才 spells 歳
        ("満20年以上の者", "18", "歳", False),
        ("在職18年以上の職員", "18", "歳", False),  # no 満: a number of years, not an age
    ],
)
def test_man_age(answer: str, reference: str, unit: str, expected: bool) -> None:
    assert passes(answer, reference, unit=unit) is expected


# ----------------------------------------------------------------------------- years: 和暦 and parentheses
@pytest.mark.parametrize(
    "answer, reference, params, expected",
    [
        ("2022年（令和4年）4月1日に施行されました。", "2022", {"unit": "年", "pick": "last"}, True),
        ("2022年（令和4年）4月1日に施行されました。", "2022", {"pick": "first"}, True),
        ("施行日は2022年（令和4年）です。", "2022", {"pick": "last"}, True),
        ("令和4年（2022年）4月1日", "2022", {"pick": "first"}, True),
        ("令和4年（2022年）4月1日", "4", {"pick": "first"}, True),
        ("2022年（令和4年）", "令和4年", {"unit": "年", "pick": "last"}, True),
        ("2021年（令和3年）4月1日", "2022", {"unit": "年", "pick": "first"}, False),
        ("施行は2022年（令和4年）、改正は2024年です。", "2024", {"unit": "年", "pick": "last"}, True),
        ("施行は2022年（令和4年）、改正は2024年です。", "2022", {"unit": "年", "pick": "last"}, False),
        ("相談は30件（うち12件は電話）でした。", "12", {"unit": "件", "pick": "last"}, True),  # not a repeated year
        ("参加者は30人（前年25人）でした。", "30", {"unit": "人", "pick": "first"}, True),
        ("令和7年", "2025", {"unit": "年"}, True),
        ("令和7年度から始まります。", "2025", {"unit": "年"}, True),
        ("令和七年度", "2025", {"unit": "年"}, True),
        ("平成31年4月30日まで", "2019", {"unit": "年"}, True),
        ("令和元年5月1日", "2019", {"unit": "年"}, True),
        ("昭和64年1月7日", "1989", {"unit": "年"}, True),
        ("2025年です。", "令和7年", {"unit": "年"}, True),
        ("令和6年", "2025", {"unit": "年"}, False),
        ("令和7年", "7", {"unit": "年"}, True),  # an era reference below 1868 stays as written
        ("7年後", "2025", {"unit": "年"}, False),
        ("2025年", "7", {"unit": "年"}, False),
    ],
)
def test_years(answer: str, reference: str, params: dict, expected: bool) -> None:
    assert passes(answer, reference, **params) is expected


def test_unit_less_era_years_are_not_converted() -> None:
    """Unchanged: without unit 年 an era year is its own number (the first number of this text is 7)."""
    text = "令和7年は2025年です。なお申請は3件でした。"
    assert not passes(text, "2025", pick="first")
    assert passes(text, "2025")


# ----------------------------------------------------------------------------- 割 as a percentage
@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("回答者の約3割が利用しています。", "30", True),
        ("三割五分です。", "35", True),
        ("3割5分", "35%", True),
        ("2割5分3厘", "25.3", True),
        ("3割", "30%", True),
        ("4割", "30", False),
        ("約30%です。", "30", True),  # unchanged
        ("3割引きになります。", "30", True),
        ("30%", "3割", True),  # a reference in 割 is read the same way
    ],
)
def test_wari_for_percent(answer: str, reference: str, expected: bool) -> None:
    assert passes(answer, reference, unit="%") is expected


def test_wari_without_unit_is_not_interpreted() -> None:
    assert not passes("約3割です。", "30")
    assert passes("約3割です。", "3")


def test_percent_tolerance_with_wari() -> None:
    assert passes("およそ2割5分", "25.3", unit="%", tolerance=0.5)
    assert not passes("およそ2割", "25", unit="%", tolerance=0.5)


# ----------------------------------------------------------------------------- unchanged behaviour
@pytest.mark.parametrize(
    "answer, reference, params, expected",
    [
        ("12000人に、1人あたり100円", "12000", {"unit": "円"}, False),
        ("３，５００円", "3500", {}, True),
        ("市内3箇所", "3", {"unit": "か所"}, True),
        ("約15パーセント", "15", {"unit": "%"}, True),
        ("①3,500円（税込）", "13500", {}, False),
        ("受付時間は9時-17時です。", "17", {"unit": "時"}, True),
        ("予算額は1,200円です。", "1200万円", {"unit": "万円"}, False),
    ],
)
def test_unchanged(answer: str, reference: str, params: dict, expected: bool) -> None:
    assert passes(answer, reference, **params) is expected


# ----------------------------------------------------------------------------- kanji digit after a kanji (H7)
@pytest.mark.parametrize(
    "answer, reference, params",
    [
        ("自己負担は原則三割です。", "30", {"unit": "%"}),
        ("窓口負担は原則一割となります。", "10", {"unit": "%"}),
        ("納期限は毎月五日です。", "5", {"unit": "日"}),
        ("健診は年二回実施します。", "2", {"unit": "回"}),
        ("委員は各地区四人ずつ選びます。", "4", {"unit": "人"}),
        ("期限は翌月十日です。", "10", {"unit": "日"}),  # 十 after 月 was already read
    ],
)
def test_a_kanji_digit_after_a_kanji_before_a_counter_is_read(answer: str, reference: str, params: dict) -> None:
    assert passes(answer, reference, **params)


@pytest.mark.parametrize(
    "text",
    [
        "同一人物による申請です。",
        "唯一人の担当者です。",
        "説明が不十分です。",
        "緊急一時保護を行います。",
        "今一度ご確認ください。",
        "誰一人として取り残さない。",
        "統一日を定めます。",
        "再三回答を求めました。",
    ],
)
def test_a_word_with_a_kanji_digit_is_no_number(text: str) -> None:
    assert parse_numbers(text) == [], parse_numbers(text)


# ----------------------------------------------------------------------------- weeks as days (H7)
@pytest.mark.parametrize(
    "answer, reference, expected",
    [
        ("引っ越してから2週間以内に届け出てください。", "14", True),
        ("転入後二週間以内です。", "14日", True),
        ("1週間前までに申し込んでください。", "7", True),
        ("3週間以内です。", "14", False),
        ("14日以内です。", "14", True),  # unchanged
        ("第2週の月曜日です。", "14", False),  # a week number is no duration
    ],
)
def test_weeks_are_seven_days_where_the_unit_is_days(answer: str, reference: str, expected: bool) -> None:
    assert passes(answer, reference, unit="日") is expected
