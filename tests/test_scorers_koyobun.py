"""koyobun: the 公用文 checker. A clean document has no violation; each rule is violated once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.koyobun import RULES, check, describe


def item(**fields) -> Item:
    fields.setdefault("id", "q1")
    return Item(**fields)


CLEAN_DEARU = """第1　目的
1　この要領は、市の窓口における申請手続の方法を定めるものである。
2　対象となる申請は、住民票の写しの交付申請などとする。
(1)　申請書は、窓口で受け付ける。
(2)　郵送による申請は、市民課で受け付ける。
ア　手数料は、1件につき300円とする。
イ　令和7年度の申請件数は、12,000件を見込む。
第2　手続
1　申請者は、本人確認書類を提示する。
2　職員は、3か所の窓口のいずれかで対応する。
3　申請から交付までは、おおむね1か月とする。"""

CLEAN_DESUMASU = (
    "マイナンバーカードの申請は、市区町村の窓口で受け付けています。申請の際は、本人確認書類をお持ちください。"
    "手数料は無料です。交付までには、おおむね1か月かかります。一部の手続は、オンラインでもできます。"
    "本事業の実施に当たっては、関係機関と十分に連携します。第三者による代理申請も受け付けます。"
    "申請期間は2025年4月1日から6月30日まで、問合せ先は03-1234-5678（市民課）です。"
    "「『マイナンバーカードの手引』を御覧ください」とのお知らせを配布しています。"
)


@pytest.mark.parametrize("text", [CLEAN_DEARU, CLEAN_DESUMASU])
def test_clean_text_has_zero_violations(text: str) -> None:
    assert check(text) == []
    result = build("koyobun", {}).score(text, item())
    assert result.passed and result.score == 1.0 and result.explanation == "公用文の表記規則に違反なし"


# Each draft breaks exactly one rule once.
ONE_VIOLATION = [
    ("style", "申請書を提出してください。窓口で受け付けます。郵送でも受け付ける。", "である体の文末「付ける」"),
    ("numerals", "手数料は三百円とする。", "漢数字「三百」"),
    ("numerals", "第二回の会議を開催する。", "漢数字「第二」"),
    ("numerals", "説明会の参加者は五人とする。", "漢数字「五」"),
    ("digit_width", "令和7年度は１２件、令和6年度は9件であった。", "全角数字「１２」"),
    ("thousands", "申請件数は12000件を見込む。", "「12,000」"),
    ("kasho", "市内の3箇所で受け付ける。", "「箇所」"),
    ("kasho", "申請から交付までは約2ヶ月かかる。", "「ヶ月」"),
    ("punctuation", "申請は窓口で受け付ける．", "句点に「．」"),
    ("punctuation", "申請は、窓口で受け付け，郵送でも受け付ける。", "読点「，」"),
    ("brackets", "『申請の手引』を参照する。", "『』"),
    ("marks", "申請はお済みですか？", "『？』"),
    ("marks", "締切は明日です!", "『!』"),
    ("kana", "窓口で申請する事ができる。", "「事」→「こと」"),
    ("kana", "窓口が混雑している時は、郵送を利用する。", "「時」→「とき」"),
    ("kana", "詳しくは、担当の所へ問い合わせる。", "「所」→「ところ」"),
    ("kana", "持参する物を確認する。", "「物」→「もの」"),
    ("kana", "郵送でも申請出来る。", "「出来る」→「できる」"),
    ("kana", "本人確認書類等を持参する。", "「等」→「など」"),
    ("kana", "窓口にお越し下さい。", "「下さい」→「ください」"),
    ("archaic", "法の定めるごとく処理する。", "文語的な表現「ごとく」"),
    ("archaic", "速やかに手続を行うべく準備する。", "文語的な表現「べく」"),
    ("archaic", "職員は速やかに報告すべし。", "文語的な表現「べし」"),
    ("archaic", "関係者に周知せしめる。", "文語的な表現「せしめ」"),
    (
        "sentence_length",
        "申請者は、申請書に必要事項を記入し、本人確認書類と手数料を添えて、"
        "開庁日の午前8時30分から午後5時15分までの間に、市民課の窓口に提出する。",
        "1文が71字",
    ),
    ("heading_order", "(1)　申請書を提出する。\n1　目的を定める。", "見出し「(1)」の前に上位の見出し"),
    ("heading_order", "1　目的\n(1)　概要\nア　対象\n(ア)　範囲\n(ウ)　期間", "見出し「(ウ)」: 番号が順序どおりでない"),
    ("heading_order", "1　目的\nア　対象者", "見出し「ア」の前に上位の見出し"),
]


@pytest.mark.parametrize(
    "rule, text, fragment", ONE_VIOLATION, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(ONE_VIOLATION)]
)
def test_each_rule_violated_once(rule: str, text: str, fragment: str) -> None:
    found = check(text)
    assert [v.rule for v in found] == [rule], [describe(text, v) for v in found]
    assert fragment in found[0].message
    result = build("koyobun", {}).score(text, item())
    assert not result.passed and result.score == pytest.approx(0.9)
    assert result.detail["violations"][0]["rule"] == rule


def test_every_rule_has_a_violating_case() -> None:
    assert {rule for rule, _, _ in ONE_VIOLATION} == set(RULES)


def test_explanation_names_sentence_and_position() -> None:
    text = "申請は窓口で受け付けます。郵送でも受け付けます。オンラインでも申請できますか？"
    result = build("koyobun", {}).score(text, item())
    assert result.explanation == "第3文（39字目）: 『？』は公用文では使わない"
    assert text[38] == "？"


def test_score_formula_and_many_violations() -> None:
    text = "申請出来る事を確認する？！\n" * 4  # kana ×2 and marks ×1 per line: 12 violations
    result = build("koyobun", {}).score(text, item())
    assert result.detail["count"] == 12
    assert result.score == 0.0
    assert result.explanation.endswith("（ほか9件）")
    three = build("koyobun", {}).score("申請出来る事を確認する？", item())
    assert three.score == pytest.approx(0.7)


def test_required_style() -> None:
    polite = "窓口で受け付けます。郵送でも受け付けます。"
    assert build("koyobun", {"style": "desumasu"}).score(polite, item()).passed
    result = build("koyobun", {"style": "dearu"}).score(polite, item())
    assert result.detail["count"] == 2 and {v["rule"] for v in result.detail["violations"]} == {"style"}


def test_comma_param() -> None:
    western = "申請は，窓口で受け付け，郵送でも受け付ける。"
    assert build("koyobun", {}).score(western, item()).passed  # consistent 「，」
    assert build("koyobun", {"comma": "，"}).score(western, item()).passed
    result = build("koyobun", {"comma": "、"}).score(western, item())
    assert result.detail["count"] == 2
    assert not build("koyobun", {"comma": "，"}).score("申請は、窓口で受け付ける。", item()).passed
    # a half-width comma in Japanese text is always flagged; thousands separators never are
    assert [v.rule for v in check("申請は,窓口で受け付ける。")] == ["punctuation"]
    assert check("手数料は1,200円、件数は12,000件とする。") == []


def test_rules_param_and_max_sentence_chars() -> None:
    text = "申請出来る事を確認する？"
    assert build("koyobun", {"rules": ["marks"]}).score(text, item()).detail["count"] == 1
    assert build("koyobun", {"rules": ["style"]}).score(text, item()).passed
    long = "申請は窓口で受け付ける。" * 1
    assert (
        build("koyobun", {"max_sentence_chars": 10}).score(long, item()).detail["violations"][0]["rule"]
        == "sentence_length"
    )


@pytest.mark.parametrize(
    "text",
    [
        "令和7年4月1日から施行する。",  # years, dates
        "文書番号は第12345号である。",  # ids
        "郵便番号は〒100-0013である。",
        "詳細はhttps://example.go.jp/a?b=1を参照する。",  # ? in a URL
        "この事業は、関係部署の事務として実施する。",  # 事業, 事務 are not こと
        "時間外の申請は、同時に受け付ける。",
        "一般の申請と一部の申請を統一する。",  # fixed kanji-numeral words
        "一つ目の窓口で受け付ける。",
        "申請の際は、平等に取り扱う。",
        "本人確認書類と同等の書類を持参する。",
        "申請書の出来事を記録する。",
        "なるべく早く申請する。",
        "予算額は約2割増加した。",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert check(text) == [], [describe(text, v) for v in check(text)]


def test_check_item_requires_a_clean_reference() -> None:
    scorer = build("koyobun", {"style": "dearu"})
    assert scorer.check_item(item()) is None
    assert scorer.check_item(item(reference="窓口で受け付ける。")) is None
    problem = scorer.check_item(item(reference="窓口で受け付けます？"))
    assert problem.startswith("reference does not pass the 公用文 checker (2): 第1文")


def test_ideal_answer_passes() -> None:
    for params in [{}, {"style": "dearu"}, {"style": "desumasu"}]:
        scorer = build("koyobun", params)
        assert scorer.score(scorer.ideal_answer(item()), item()).passed
    scorer = build("koyobun", {})
    assert scorer.ideal_answer(item(reference=CLEAN_DEARU)) == CLEAN_DEARU


@pytest.mark.parametrize(
    "params", [{"rules": ["stile"]}, {"style": "keigo"}, {"comma": ","}, {"max_sentence_chars": 0}, {"max_chars": 60}]
)
def test_bad_params(params: dict) -> None:
    with pytest.raises(ValidationError):
        build("koyobun", params)


# Correct 公用文 that narrower patterns must leave alone (placeholders, 概数, words built with a numeral,
# identifiers, the suffix ごと, compounds of 物/事/時/所, the honorific 様), grouped by the rule they used to trip.
CORRECT_SENTENCES = [
    # numerals: placeholders, 概数 (考え方 I-3(5)), words and proper nouns (I-3(6))
    "事業者は、〇〇課に届け出る。",
    "申請日は令和〇年〇月〇日とする。",
    "予算額は数百万円程度である。",
    "参加者は数十万人に上る。",
    "来場者は延べ何千人にもなる。",
    "対象は二十数件である。",
    "参加者は二十余人であった。",
    "説明会には四、五十人が参加した。",
    "結果は二、三日後に通知する。",
    "同一人物による重複申請は認めない。",
    "統一件名で登録する。",
    "第一に、利用者の安全を確保する。",
    "職員は人一倍の努力を重ねた。",
    "四日市市と八戸市の担当者が出席する。",
    # thousands: identifiers never take separators
    "法人番号：1234567890123",
    "法人番号は1234567890123である。",
    "整理番号：12345",
    "契約番号：20241234",
    "型番12345の物品を購入する。",
    "問合せは内線12345に連絡する。",
    "利用者ID: 123456を入力する。",
    # archaic: ごと is a suffix, not ごとし; 如 in 欠如, 突如
    "年度ごとしか認めない。",
    "書類は箱ごとしまう。",
    "申請するごとに手数料を納める。",
    "必要な知識が欠如している。",
    "事故は突如として発生した。",
    "提案はことごとく採用された。",
    # kana: compounds of 物/事/時/所, the honorific 様
    "車両の物損事故について報告する。",
    "各課の物品と建物を点検する。",
    "この事業の事績を記録する。",
    "事の重大さを認識する。",
    "その時点の所在地を確認する。",
    "本人の所得を確認する。",
    "みな様にお知らせします。",
    "あなた様に御案内します。",
    "どなた様にも御利用いただけます。",
]


@pytest.mark.parametrize("text", CORRECT_SENTENCES)
def test_correct_sentences_are_clean(text: str) -> None:
    result = build("koyobun", {}).score(text, item())
    assert result.passed, result.detail["violations"]


# Real violations next to the exceptions above must still be caught.
STILL_CAUGHT = [
    ("numerals", "市内の三か所で受け付ける。", "漢数字「三」"),
    ("numerals", "一時間ごとに確認する。", "漢数字「一」"),
    ("numerals", "二〇二五年度の計画を定める。", "漢数字「二〇二五」"),
    ("numerals", "第二に、費用を抑える。", "漢数字「第二」"),
    ("numerals", "予算額は三百万円である。", "漢数字「三百万」"),
    ("thousands", "問合せの電話は12000件あった。", "「12,000」"),
    ("thousands", "番号の発行数は12000件である。", "「12,000」"),
    ("thousands", "予算額は12345678円である。", "「12,345,678」"),
    ("archaic", "前例のごとき扱いとする。", "文語的な表現「ごとき」"),
    ("archaic", "前述の如く処理する。", "文語的な表現「如く」"),
    ("kana", "正しいと認める物である。", "「物」→「もの」"),
    ("kana", "申請する事ができる。", "「事」→「こと」"),
    ("kana", "申請する様に求める。", "「様に」"),
    ("kana", "どの様な手続が必要か確認する。", "「様な」"),
    ("kana", "窓口で申請出来る。", "「出来る」→「できる」"),
]


@pytest.mark.parametrize(
    "rule, text, fragment", STILL_CAUGHT, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(STILL_CAUGHT)]
)
def test_violations_next_to_exceptions_still_caught(rule: str, text: str, fragment: str) -> None:
    found = check(text)
    assert [v.rule for v in found] == [rule], [describe(text, v) for v in found]
    assert fragment in found[0].message
