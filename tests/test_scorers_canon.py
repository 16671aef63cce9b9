"""canon.py: one spelling for every way Japanese writes the same number, date, time or amount."""

from __future__ import annotations

import pytest

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.canon import canonical, occurrences, plain
from evalkit.scorers.normalize import Normalization, normalize

SAME = [
    # 和暦 -> 西暦, and the doubled forms
    ("令和7年4月1日", "2025年4月1日"),
    ("令和元年5月1日", "2019年5月1日"),
    ("平成31年4月30日", "2019年4月30日"),
    ("昭和64年1月7日", "1989年1月7日"),
    ("大正15年", "1926年"),
    ("明治45年", "1912年"),
    ("令和七年四月一日", "2025年4月1日"),
    ("平成三十一年四月三十日", "2019年4月30日"),
    ("令和 7 年 4 月 1 日", "2025年4月1日"),
    ("R7年度", "2025年度"),
    ("H31.4.30", "2019年4月30日"),
    ("r7.4.1", "2025年4月1日"),
    ("㍻31年", "2019年"),
    ("2022年（令和4年）4月1日", "2022年4月1日"),
    ("令和4年（2022年）4月1日", "2022年4月1日"),
    ("2022（令和4）年4月1日", "2022年4月1日"),
    ("令和4（2022）年4月1日", "2022年4月1日"),
    ("令和4年(西暦2022年)", "2022年"),
    ("令和7年度", "2025年度"),
    # date spellings
    ("2025/4/1", "2025年4月1日"),
    ("2025/04/01", "2025年4月1日"),
    ("2025-04-01", "2025年4月1日"),
    ("2025.4.1", "2025年4月1日"),
    ("２０２５年０４月０１日", "2025年4月1日"),
    ("2025/4", "2025年4月"),
    ("4/1（火）", "4月1日(火)"),
    ("4/1まで", "4月1日まで"),
    ("二〇二五年", "2025年"),
    ("十一月三日", "11月3日"),
    ("毎年一月一日", "毎年1月1日"),
    ("2月10日から16日まで", "2月10日から2月16日まで"),
    ("2月10日（月）～16日（日）", "2月10日(月)~2月16日(日)"),
    ("4月1日から14日以内", "4月1日から14日以内"),
    # kanji numerals
    ("第三十四条", "第34条"),
    ("第一条第二項", "第1条第2項"),
    ("十八歳", "18歳"),
    ("満十八年", "満18年"),
    ("満18歳", "満18歳"),
    ("二十歳", "20歳"),
    ("三人", "3人"),
    ("五件", "5件"),
    ("年一回", "年1回"),
    ("週三日", "週3日"),
    ("約三割", "約3割"),
    ("三か月", "3か月"),
    ("一か月以内", "1か月以内"),
    ("二週間", "2週間"),
    ("四八二一", "4821"),
    ("一つ", "1つ"),
    ("第一に", "第1に"),
    # multipliers expanded to plain digits
    ("三万円", "30000円"),
    ("3万円", "30000円"),
    ("30,000円", "30000円"),
    ("一千二百万円", "12000000円"),
    ("1,200万円", "12000000円"),
    ("1万2千円", "12000円"),
    ("12千円", "12000円"),
    ("1.5万人", "15000人"),
    ("4.9億円", "490000000円"),
    ("4億8千万円台", "480000000円台"),
    ("千円", "1000円"),
    ("一万円札", "10000円札"),
    # currency
    ("¥12,000", "12000円"),
    ("￥12,000", "12000円"),
    ("￥１２，０００", "12000円"),
    ("JPY 12,000", "12000円"),
    ("12,000 JPY", "12000円"),
    ("¥12,000円", "12000円"),
    ("¥1.2万", "12000円"),
    ("12,345,678円", "12345678円"),
    # counters in kana, やさしい日本語
    ("ひとつ", "1つ"),
    ("もうひとつ", "もう1つ"),
    ("ふたつめ", "2つめ"),
    ("ふたり", "2人"),
    ("4がつ1にち", "4月1日"),
    ("4がつ ついたち", "4月1日"),
    ("4月はつか", "4月20日"),
    ("ごご5じ", "17時"),
    ("3,000えん", "3000円"),
    ("14にちいない", "14日いない"),
    ("日（ついたち）", "日"),
    # times
    ("午後5時", "17時"),
    ("午後五時", "17時"),
    ("午後一時", "13時"),
    ("午前9時", "9時"),
    ("午後0時", "12時"),
    ("17:00", "17時"),
    ("8:30", "8時30分"),
    ("08:05", "8時5分"),
    ("17時00分", "17時"),
    ("17時0分", "17時"),
    ("5時半", "5時30分"),
    ("午後5時半", "17時30分"),
    ("5 p.m.", "17時"),
    ("5pm", "17時"),
    ("5:30 PM", "17時30分"),
    ("9 a.m.", "9時"),
    ("12 p.m.", "12時"),
    ("2-4 p.m.", "14時~16時"),
    ("正午", "12時"),
    ("9:00〜17:00", "9時~17時"),
    ("午後2時から4時まで", "14時から16時まで"),
    ("午前9時から5時まで", "9時から17時まで"),
    ("午前8時30分から午後5時15分", "8時30分から17時15分"),
    # counters, percentages, punctuation
    ("10パーセント", "10%"),
    ("１５％", "15%"),
    ("3ヶ月", "3か月"),
    ("3カ月", "3か月"),
    ("三箇月", "3か月"),
    ("5カ所", "5か所"),
    ("２．４倍", "2.4倍"),
    ("１，６００円", "1600円"),
    ("東京，大阪．", "東京、大阪。"),
    ("ＫＡＭ－１２３", "kam-123"),
    ("1. 3万円\n2. 5万円", "30000円50000円"),
    ("①500円、②1,000円", "500円、1000円"),
]

WORDS = [
    "一般",
    "統一",
    "同一",
    "唯一",
    "九州",
    "四国",
    "一部",
    "一方",
    "一緒",
    "一番",
    "十分な説明",
    "十分に注意",
    "万が一",
    "万一",
    "一時的",
    "一時保護",
    "一時金",
    "一人ひとり",
    "一つ一つ",
    "一度も",
    "数十万円",
    "何千人",
    "千葉",
    "千代田区",
    "三重県",
    "百貨店",
    "八百屋",
    "四日市",
    "六本木",
    "思いつつ",
    "やっつける",
    "第3四半期",
    "M7.3の地震",
    "二重",
    "一石二鳥",
]


@pytest.mark.parametrize("raw, expected", SAME)
def test_canonical_form(raw: str, expected: str) -> None:
    assert canonical(raw) == expected


@pytest.mark.parametrize("word", WORDS)
def test_words_stay_words(word: str) -> None:
    assert canonical(word) == plain(word)


@pytest.mark.parametrize("raw", [raw for raw, _ in SAME] + WORDS)
def test_canonical_is_idempotent(raw: str) -> None:
    once = canonical(raw)
    assert canonical(once) == once


@pytest.mark.parametrize("text", ["十分間", "約十分", "3時十分", "一時間", "午後一時"])
def test_numbers_next_to_words_are_numbers(text: str) -> None:
    assert any(ch.isdigit() for ch in canonical(text))


@pytest.mark.parametrize(
    "a, b",
    [
        ("2022年（令和4年）4月1日", "令和4年4月1日"),
        ("第三十四条", "第34条"),
        ("￥12,000", "12000円"),
        ("¥12,000", "1万2千円"),
        ("午後5時", "17:00"),
        ("5 p.m.", "17時00分"),
        ("2025/4/1", "令和7年4月1日"),
        ("ひとつ", "一つ"),
    ],
)
def test_equivalent_forms_meet(a: str, b: str) -> None:
    assert canonical(a) == canonical(b)


@pytest.mark.parametrize(
    "value, text, found",
    [
        ("30000円", "130000円", False),
        ("30000円", "支給額は30000円です", True),
        ("5%", "0.5%", False),
        ("5%", "約5%", True),
        ("18歳", "満18歳", True),
        ("18歳", "118歳", False),
        ("1日", "2025年4月1日", True),
        ("1日", "11日", False),
        ("2.1", "2.1.3", False),
        ("2.1", "項番2.1に", True),
        ("", "abc", False),
    ],
)
def test_occurrences_respect_number_boundaries(value: str, text: str, found: bool) -> None:
    assert bool(occurrences(value, text)) is found


def test_plain_keeps_numerals_as_written() -> None:
    assert plain("港区 六本木 1,200円") == "港区六本木1200円"


# ----------------------------------------------------------------------------- the normalize block
def test_normalize_canon_is_opt_in() -> None:
    assert normalize("令和4年") == "令和4年"
    assert normalize("令和4年", Normalization(canon=True)) == "2022年"


@pytest.mark.parametrize(
    "answer, value",
    [
        ("施行日は2022年（令和4年）4月1日です。", "2022年4月1日"),
        ("施行日は令和4年4月1日です。", "2022年4月1日"),
        ("根拠は第三十四条です。", "第34条"),
        ("手数料は￥12,000です。", "12000円"),
        ("手数料は¥12,000です。", "1万2千円"),
        ("受付は17:00までです。", "17時"),
        ("書類はひとつです。", "1つ"),
        ("成年年齢は満十八年です", "18年"),
    ],
)
def test_contains_matches_canonical_forms(answer: str, value: str) -> None:
    assert build("contains", {"values": [value]}).score(answer, Item(id="q")).passed


@pytest.mark.parametrize(
    "answer, value",
    [
        ("支給額は13万円です。", "3万円"),
        ("支給額は3.5万円です。", "3万円"),
        ("施行日は2022年4月10日です。", "2022年4月1日"),
        ("根拠は第三十四条の二です。", "第34条の3"),
        ("受付は午前5時までです。", "17時"),
    ],
)
def test_contains_canon_keeps_numbers_apart(answer: str, value: str) -> None:
    assert not build("contains", {"values": [value]}).score(answer, Item(id="q")).passed


def test_contains_finds_a_word_as_written_whatever_its_context() -> None:
    scorer = build("contains", {"values": ["六本木"]})
    assert scorer.score("所在地は港区六本木です。", Item(id="q")).passed


def test_contains_canon_can_be_switched_off() -> None:
    scorer = build("contains", {"values": ["2022年4月1日"], "normalize": {"canon": False}})
    assert not scorer.score("令和4年4月1日", Item(id="q")).passed
    assert scorer.params.normalize.whitespace == "remove"  # the kind's other defaults stay


def test_a_normalize_block_replaces_only_the_keys_it_names() -> None:
    assert build("contains", {"normalize": {"kana": True}}).params.normalize == Normalization(
        kana=True, whitespace="remove", canon=True
    )
    assert build("regex", {"pattern": "a", "normalize": {"kana": True}}).params.normalize == Normalization(
        kana=True, casefold=False, punctuation=False
    )
    assert build("exact", {}).params.normalize.canon is False
    assert build("starts_with", {}).params.normalize.canon is True


def test_exact_and_starts_with_canon() -> None:
    it = Item(id="q", reference="2022年4月1日")
    assert not build("exact", {}).score("令和4年4月1日", it).passed
    assert build("exact", {"normalize": {"canon": True}}).score("令和4年4月1日", it).passed
    assert build("starts_with", {}).score("令和4年4月1日です。", it).passed
    assert not build("starts_with", {}).score("令和5年4月1日です。", it).passed


# ----------------------------------------------------------------------------- H7: article numbers, times, PM words
@pytest.mark.parametrize(
    "answer, value",
    [
        ("憲法34条です。", "第34条"),
        ("根拠は民法4条です。", "第4条"),
        ("同法第三十四条第二項に定めがあります。", "34条2項"),
        ("地方自治法242条の2の規定による住民訴訟です。", "第242条の2"),
        ("個人情報保護法69条1項", "第69条第1項"),
        ("規則第5号により", "5号"),
    ],
)
def test_dai_before_an_article_number_is_optional(answer: str, value: str) -> None:
    assert build("contains", {"values": [value]}).score(answer, Item(id="q")).passed


@pytest.mark.parametrize(
    "answer, value",
    [
        ("憲法134条です。", "第34条"),  # another article
        ("民法14条の規定です。", "第4条"),
        ("第35条です。", "第34条"),
        ("17時30分までです。", "17時"),  # a time that goes on
        ("午後5時15分に締め切ります。", "17時"),
        ("受付は8時45分からです。", "8時"),
    ],
)
def test_numbers_stay_apart_whatever_the_spelling(answer: str, value: str) -> None:
    assert not build("contains", {"values": [value]}).score(answer, Item(id="q")).passed


@pytest.mark.parametrize(
    "value, text, found",
    [
        ("17時", "17時まで", True),
        ("17時", "17時30分", False),
        ("17時", "17時、30分後に", False),
        ("3億", "3億5千万", False),
        ("3億", "3億です", True),
        ("5万", "5万2千", False),
        ("第34条", "憲法34条", True),
        ("34条", "第34条", True),
        ("第4条", "第14条", False),
    ],
)
def test_occurrences_of_units_that_go_on(value: str, text: str, found: bool) -> None:
    assert bool(occurrences(value, text)) is found


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("夕方5時15分", "17時15分"),
        ("夕方の4時半", "16時30分"),
        ("夜9時から11時まで", "21時から23時まで"),
        ("晩7時", "19時"),
        ("朝8時半", "朝8時30分"),
        ("夜1時", "夜1時"),  # past midnight: as written
    ],
)
def test_evening_hours_are_afternoon(raw: str, expected: str) -> None:
    assert canonical(raw) == expected
    assert canonical(canonical(raw)) == canonical(raw)
