"""char_f1, rouge_l and chrf (overlap.py)."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from evalkit.config.suite import Item
from evalkit.scorers import build
from evalkit.scorers.overlap import char_f1, lcs_length, rouge_l


def item(**fields) -> Item:
    fields.setdefault("id", "q1")
    return Item(**fields)


def _lcs_dp(a: str, b: str) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def test_lcs_matches_dynamic_programming() -> None:
    rng = random.Random(7)
    for _ in range(500):
        a = "".join(rng.choice("市民課窓口のでは") for _ in range(rng.randint(0, 40)))
        b = "".join(rng.choice("市民課窓口のでは") for _ in range(rng.randint(0, 40)))
        assert lcs_length(a, b) == _lcs_dp(a, b), (a, b)


def test_hand_computed_values() -> None:
    # 「東京都庁」 vs 「東京都」: 3 common characters; P = 3/4, R = 3/3 -> F1 = 6/7
    assert char_f1("東京都庁", "東京都") == pytest.approx(6 / 7)
    # bag of characters ignores order; LCS does not
    assert char_f1("京東", "東京") == 1.0
    assert rouge_l("京東", "東京") == pytest.approx(0.5)
    # 「申請書を提出」 vs 「申請を提出」: LCS 5; P = 5/6, R = 5/5 -> 10/11
    assert rouge_l("申請書を提出", "申請を提出") == pytest.approx(10 / 11)
    assert char_f1("", "東京") == 0.0 and rouge_l("東京", "") == 0.0


@pytest.mark.parametrize("kind", ["char_f1", "rouge_l"])
def test_overlap_scorers_normalise_and_threshold(kind: str) -> None:
    scorer = build(kind, {"threshold": 0.8})
    it = item(reference="転入届は、転入した日から14日以内に提出してください。")
    same = scorer.score("転入届は転入した日から１４日以内に提出してください", it)  # width, punctuation
    assert same.passed and same.score == pytest.approx(1.0)
    assert same.explanation.endswith("（基準 0.8 以上）")
    other = scorer.score("住民票の写しは市民課で交付しています。", it)
    assert not other.passed and other.score < 0.5
    assert other.explanation.endswith("（基準 0.8 未満）")


def test_overlap_takes_the_best_reference() -> None:
    scorer = build("rouge_l", {})
    it = item(reference=["全く別の文章", "平日8時30分から開いています"])
    result = scorer.score("平日8時30分から開いています。", it)
    assert result.passed and result.detail["best_reference"] == 1 and result.score == pytest.approx(1.0)


def test_rouge_l_punishes_reordering_more_than_char_f1() -> None:
    it = item(reference="住民票の写しを交付する")
    shuffled = "交付する住民票の写しを"
    assert build("char_f1", {}).score(shuffled, it).score == pytest.approx(1.0)
    assert build("rouge_l", {}).score(shuffled, it).score < 0.75


def test_chrf_uses_sacrebleu_on_a_0_to_1_scale() -> None:
    from sacrebleu.metrics import CHRF

    ref = "Residents must submit a moving-in notification within 14 days."
    hyp = "Residents must file the moving-in notice within 14 days."
    expected = CHRF().sentence_score(hyp, [ref]).score / 100
    result = build("chrf", {"threshold": 0.5}).score(hyp, item(reference=ref))
    assert result.score == pytest.approx(expected)
    assert result.passed == (expected >= 0.5)
    assert build("chrf", {}).score(ref, item(reference=ref)).score == pytest.approx(1.0)
    assert not build("chrf", {"threshold": 0.5}).score("The weather is nice.", item(reference=ref)).passed


def test_chrf_plus_plus_differs() -> None:
    ref = "The application is accepted at the counter."
    hyp = "The counter accepts the application."
    plain = build("chrf", {}).score(hyp, item(reference=ref)).score
    plus = build("chrf", {"word_order": 2}).score(hyp, item(reference=ref)).score
    assert plain != plus


def test_overlap_check_item_and_ideal_answer() -> None:
    scorer = build("char_f1", {})
    assert scorer.check_item(item()) == "needs a reference"
    assert scorer.check_item(item(reference="。")) == "has a reference that is empty after normalisation"
    it = item(reference="窓口は平日に開いています。")
    assert scorer.score(scorer.ideal_answer(it), it).passed


@pytest.mark.parametrize(
    "kind, params",
    [
        ("char_f1", {"threshold": 1.5}),
        ("rouge_l", {"threshold": -0.1}),
        ("chrf", {"threshold": 50}),
        ("chrf", {"char_order": 0}),
        ("rouge_l", {"beta": 1.2}),
    ],
)
def test_overlap_bad_params(kind: str, params: dict) -> None:
    with pytest.raises(ValidationError):
        build(kind, params)
