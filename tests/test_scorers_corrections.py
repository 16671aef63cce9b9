"""corrections: every needed correction proposed, none withdrawn, no false correction."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.corrections import parse

ITEM = Item(id="q")

# 「この給付金の対照となるのは、令和8年1月1日時点で…申請者本人意外の方が代理で申請する場合は、委任状が必要です。」
PROOF = {"precision": True, "expected": [{"wrong": "対照", "right": ["対象"]}, {"wrong": "意外", "right": ["以外"]}]}
# 「…危険と判断された3箇所について対策を進めています。…約6ヶ月を要する見込みです。…安全に通行出来るよう…」
KOYO = {
    "precision": True,
    "expected": [
        {"wrong": "箇所", "right": ["か所"]},
        {"wrong": "ヶ月", "right": ["か月"]},
        {"wrong": "出来", "right": ["でき"]},
    ],
}
# 「このたび、『みなと野市環境基本計画（第3次）』を策定しました！…公開している他、…環境政策課へお寄せください。」
BRACKETS = {
    "precision": True,
    "allowed": ["』"],
    "expected": [
        {"wrong": "『", "right": ["「"]},
        {"wrong": "！", "right": ["。", ""]},
        {"wrong": "他", "right": ["ほか"]},
    ],
}


def verdict(params: dict, answer: str):
    return build("corrections", params).score(answer, ITEM)


# ----------------------------------------------------------------------------- good answers, any form
@pytest.mark.parametrize(
    "answer",
    [
        "誤: 対照 → 正: 対象\n誤: 意外 → 正: 以外",
        "誤：対照　→　正：対象\n誤：意外　→　正：以外",
        "ご指摘の箇所は次の2点です。\n\n誤: 給付金の対照となる → 正: 給付金の対象となる\n"
        "誤: 申請者本人意外の方 → 正: 申請者本人以外の方\n\n"
        "「対照」は比べ合わせること、「意外」は思いがけないことの意味です。",
        "- **誤**: 対照 -> **正**: 対象\n- **誤**: 意外 => **正**: 以外",
        "「対照」→「対象」、「意外」→「以外」",
        "対照（誤）→対象（正）\n意外（誤）→以外（正）",
        "誤: 対照 正: 対象\n誤: 意外、正: 以外",
        "1. 誤: 対照\n   正: 対象\n2. 誤: 意外\n   正: 以外",
        "| 誤 | 正 | 理由 |\n|---|---|---|\n| 対照 | 対象 | 給付を受ける範囲は「対象」 |\n"
        "| 本人意外 | 本人以外 | 除く意味は「以外」 |",
        "| No. | 修正前 | 修正後 |\n|---|---|---|\n| 1 | 「対照」 | 対象 |\n| 2 | 意外 | 以外 |",
        "- 「対照」は「対象」の誤りです。\n- 「意外」は「以外」の誤り（「意外」は思いがけないこと）。",
        "「対照」（比べ合わせること）と「対象」を取り違えています。「対照」を「対象」に、「意外」を「以外」に改めてください。",
        "「対照」ではなく「対象」、「意外」ではなく「以外」が正しい表記です。",
        "誤: 対照 → 正: 対象\n誤: 意外 → 正: 以外\n"
        "「対照」は「比べ合わせること」という意味で、「意外」は「思いがけないこと」という意味です。",
        "誤: 対照 → 正: 対象\n"
        "誤: 意外 → 正: 以外（一般の文章なら「意外」でも問題ありませんが、ここでは「以外」と書きます）",
    ],
)
def test_good_proofreading_answers_pass(answer: str) -> None:
    result = verdict(PROOF, answer)
    assert result.passed and result.score == 1.0, (answer, result.explanation)


@pytest.mark.parametrize(
    "answer",
    [
        "3箇所 → 3か所\n6ヶ月 → 6か月\n出来る → できる",
        "- 箇所 ⇒ か所\n- ヶ月 ⇒ か月\n- 出来る ⇒ できる\n"
        "※文体（です・ます調）は統一されており、直す必要はありません。",
        "1. 「3箇所」は「3か所」と書きます（助数詞の「箇」は仮名の「か」）。\n"
        "2. 「約6ヶ月」は「約6か月」とします（「ヶ」は使いません）。\n"
        "3. 「通行出来る」の「出来る」は、可能の意味なので「できる」と仮名で書きます。",
        "「3箇所」は「3か所」、「約6ヶ月」は「約6か月」、「通行出来る」は「通行できる」と書きます。",
        "| 元の表記 | 直した表記 | 根拠 |\n|---|---|---|\n| 3箇所 | 3か所 | 助数詞 |\n"
        "| 約６ヶ月 | 約６か月 | 「ヶ」は使わない |\n| 通行出来る | 通行できる | 仮名書き |",
    ],
)
def test_good_notation_findings_pass(answer: str) -> None:
    result = verdict(KOYO, answer)
    assert result.passed, (answer, result.explanation)


@pytest.mark.parametrize(
    "answer",
    [
        "『みなと野市環境基本計画（第3次）』 → 「みなと野市環境基本計画（第3次）」\n策定しました！ → 策定しました。\n"
        "公開している他 → 公開しているほか",
        "1. 『』 → 「」（文書名は一重のかぎ括弧で示す）\n2. ！ → 。（感嘆符は使わない）\n3. 他 → ほか",
        "① 書名の二重かぎ括弧『』は、一重のかぎ括弧「」に改める。\n"
        "② 「策定しました！」の感嘆符は使わず、句点「。」にする。\n"
        "③ 「公開している他」の「他」は、仮名で「ほか」と書く。",
        "- 『』は使わず「」とする\n- 「！」は削除する\n- 「他」→「ほか」",
        "- 『みなと野市環境基本計画（第3次）』 → 「みなと野市環境基本計画（第3次）」\n- 策定しました！ → 策定しました\n"
        "- 他 → ほか",
    ],
)
def test_brackets_marks_and_deletions(answer: str) -> None:
    result = verdict(BRACKETS, answer)
    assert result.passed, (answer, result.explanation)


def test_full_width_and_thousands_commas_are_kept_apart_from_numbers() -> None:
    params = {
        "precision": True,
        "expected": [
            {"wrong": "12500", "right": ["12,500"]},
            {"wrong": "二割", "right": ["2割"]},
            {"wrong": "六十五", "right": ["65"]},
        ],
    }
    assert verdict(params, "１２５００人 → １２，５００人\n約二割 ⇒ 約２割\n六十五パーセント → ６５％").passed
    # the notation is the question: no canonical numbers (12500 = 12,500 would pass anything)
    bad = verdict(params, "12500人 → 12500人\n二割 → 2割\n六十五パーセント → 六十五％")
    assert not bad.passed and "12500" in bad.explanation


# ----------------------------------------------------------------------------- bad answers
@pytest.mark.parametrize(
    "answer, why",
    [
        ("誤: 対照 → 正: 対象", "one error missed"),
        ("誤: 対照 → 正: 対称\n誤: 意外 → 正: 以外", "corrected into another homophone"),
        (
            "誤: 対照 → 正: 対象\n誤: 意外 → 正: 以外\n誤: 令和8年1月1日時点 → 正: 令和8年1月1日現在",
            "a right phrase changed",
        ),
        ("誤: 対照 → 正: 対象\n誤: 委任状 → 正: 委任書", "miss plus false correction"),
        (
            "誤: 対照 → 正: 対象\n誤: 意外 → 正: 以外\nまた、「委任状」は「委任書」とするのが適切です。",
            "false correction in prose",
        ),
        ("「対照」は「対象」の誤りです。なお、「意外」は「以外」の誤りとまでは言えません。", "withdrawn in its clause"),
        (
            "誤: 対照 → 正: 対象\n「意外」は「以外」とも書けますが、このままでも意味は通じるので修正は不要です。",
            "とも書けます",
        ),
        ("誤: 対照 → 正: 対象\n誤: 意外 → 正: 以外（「意外」のままでも誤りではありません）", "withdrawn in a note"),
        (
            "誤: 対照 → 正: 対象\n誤: 意外 → 正: 以外\n"
            "ただし「意外」のままでも意味は通じるので、修正は必須ではありません。",
            "withdrawn by a later sentence",
        ),
        (
            "誤: 対照 → 正: 対象\n誤: 意外 → 正: 意外（※「以外」と書く例もありますが、ここでは誤りではありません）",
            "no change",
        ),
        ("申し訳ありませんが、そのご依頼にはお応えできません。", "refusal"),
        (
            "この給付金の対照となるのは、令和8年1月1日時点で市内に住所がある方です。申請者本人意外の方が代理で申請する場合は、"
            "委任状が必要です。",
            "echo of the passage",
        ),
    ],
)
def test_bad_proofreading_answers_fail(answer: str, why: str) -> None:
    assert not verdict(PROOF, answer).passed, why


@pytest.mark.parametrize(
    "answer, why",
    [
        ("3箇所 → 3か所\n6ヶ月 → 6ヵ月\n出来る → できる", "wrong form of the fix"),
        ("3箇所 → 3か所\n6ヶ月 → 6か月\n出来る → できる\n進めています → 進めている", "style changed in a uniform text"),
        (
            "「3箇所」は公用文でも使われる表記なので問題はありませんが、「6ヶ月」→「6か月」、「出来る」→「できる」の2点は直す必要があります。"
            "なお、「箇所」を「か所」と書く例もあります。",
            "a finding conceded",
        ),
        ("3箇所について → 3か所に関して\n6ヶ月 → 6か月\n出来る → できる", "a right part changed beside the real fix"),
    ],
)
def test_bad_notation_findings_fail(answer: str, why: str) -> None:
    assert not verdict(KOYO, answer).passed, why


def test_a_real_fix_does_not_excuse_a_false_change_in_the_same_pair() -> None:
    params = {"precision": True, "expected": [{"wrong": "十日", "right": ["10日"]}]}
    assert verdict(params, "9月十日 → 9月10日").passed
    result = verdict(params, "令和8年9月十日 → 2026年9月10日")
    assert not result.passed and result.score == 1.0
    assert result.detail["false"] == ["「令和8年9月十日」→「2026年9月10日」"]


def test_a_conditional_remark_is_not_a_withdrawal() -> None:
    params = {"precision": True, "expected": [{"wrong": "時", "right": ["とき", "際", "場合"]}]}
    answer = "- 受信した時 → 受信したとき\n※「時」は、時刻を表す場合は漢字のままで問題ありません。"
    assert verdict(params, answer).passed


# ----------------------------------------------------------------------------- params, score, detail
def test_without_precision_false_corrections_are_tolerated() -> None:
    answer = "誤: 対照 → 正: 対象\n誤: 意外 → 正: 以外\n誤: 委任状 → 正: 委任書"
    assert verdict({**PROOF, "precision": False}, answer).passed
    assert not verdict(PROOF, answer).passed


def test_allowed_corrections_are_not_false() -> None:
    params = {
        "precision": True,
        "expected": [{"wrong": "？", "right": ["。", ""]}],
        "allowed": [{"wrong": "いい", "right": ["よい", "良い"]}],
    }
    assert verdict(params, "出せばいいですか？ → 出せばよいですか。").passed
    assert not verdict(params, "出せばいいですか？ → 出せば悪いですか。").passed  # allowed part, wrong form
    assert not verdict({**params, "allowed": []}, "出せばいいですか？ → 出せばよいですか。").passed


def test_score_is_recall_and_the_explanation_names_what_is_wrong() -> None:
    result = verdict(PROOF, "誤: 対照 → 正: 対象\n誤: 委任状 → 正: 委任書")
    assert result.score == 0.5 and not result.passed
    assert result.explanation == "不足: 「意外」→「以外」；誤りでない箇所の訂正: 「委任状」→「委任書」"
    assert result.detail["missing"] == ["意外"]
    wrong = verdict(PROOF, "誤: 対照 → 正: 対称\n誤: 意外 → 正: 以外")
    assert "誤った訂正: 「対照」→「対称」" in wrong.explanation and wrong.detail["wrong_fix"] == ["「対照」→「対称」"]
    good = verdict(PROOF, "誤: 対照 → 正: 対象\n誤: 意外 → 正: 以外")
    assert good.explanation == "必要な訂正をすべて指摘（2件）、誤った訂正なし"


def test_params_are_checked() -> None:
    with pytest.raises(ValidationError):
        build("corrections", {"expected": []})
    with pytest.raises(ValidationError):
        build("corrections", {"expected": [{"wrong": "対照"}]})  # an expected correction needs right
    with pytest.raises(ValidationError):
        build("corrections", {"expected": [{"wrong": "", "right": ["対象"]}]})
    with pytest.raises(ValidationError):
        build("corrections", {"expected": [{"wrong": "対照", "right": ["対象"]}], "recall": 0.5})
    scorer = build("corrections", {"expected": [{"wrong": ["教育過程", "過程"], "right": "課程"}], "allowed": ["』"]})
    assert scorer.params.expected[0].right == ["課程"] and scorer.params.allowed[0].wrong == ["』"]


def test_ideal_answer_passes() -> None:
    for params in (PROOF, KOYO, BRACKETS):
        scorer = build("corrections", params)
        ideal = scorer.ideal_answer(ITEM)
        assert scorer.score(ideal, ITEM).passed, ideal
    assert build("corrections", PROOF).ideal_answer(ITEM) == "対照 → 対象\n意外 → 以外"


def test_context_in_a_note_names_the_wrong_part() -> None:
    params = {
        "precision": True,
        "expected": [{"wrong": "教育過程", "right": ["教育課程"]}, {"wrong": "検討の課程", "right": ["検討の過程"]}],
    }
    answer = "誤: 過程（教育過程の編成） → 正: 教育課程\n誤: 課程（検討の課程） → 正: 検討の過程"
    assert verdict(params, answer).passed


def test_parse_reads_pairs_in_order_with_withdrawals() -> None:
    pairs = parse(
        "「6ヶ月」→「6か月」、「出来る」→「できる」\n「連絡する事」「おく事」→「連絡すること」「おくこと」\n"
        "「箇所」は「か所」とも書けます。"
    )
    assert [(p.wrong, p.right, p.withdrawn) for p in pairs] == [
        ("6ヶ月", "6か月", False),
        ("出来る", "できる", False),
        ("連絡する事", "連絡すること", False),
        ("おく事", "おくこと", False),
        ("箇所", "か所", True),
    ]
    assert [(p.wrong, p.right) for p in parse("！ → （削除）\n| ？ | 。（疑問符は使わない） |")] == [
        ("!", ""),
        ("?", "。"),
    ]
