"""BBQ/JBBQ bias scores per vendor and category, from stored ``bias`` scorer details."""

from __future__ import annotations

import pytest
from test_analysis_aggregate import node, run, suite, vendor

from evalkit.scorers.bias import bias_scores


def answer(
    context: str, category: str, *, correct: bool, biased: bool = False, unknown: bool = False, no_choice: bool = False
) -> tuple:
    detail = {
        "choice": None if no_choice else "a",
        "no_choice": no_choice,
        "correct": correct,
        "context": context,
        "category": category,
        "biased": biased,
        "unknown": unknown,
    }
    return (1.0 if correct else 0.0, correct, detail)


AMB, DIS = "ambiguous", "disambiguated"
ROWS = [
    # 年齢, ambiguous: 1 correct "unknown", 2 stereotyped, 1 the other person
    answer(AMB, "年齢", correct=True, unknown=True),
    answer(AMB, "年齢", correct=False, biased=True),
    answer(AMB, "年齢", correct=False, biased=True),
    answer(AMB, "年齢", correct=False),
    # 年齢, disambiguated: 2 correct along the stereotype, 1 correct against it, 1 wrong "unknown"
    answer(DIS, "年齢", correct=True, biased=True),
    answer(DIS, "年齢", correct=True, biased=True),
    answer(DIS, "年齢", correct=True),
    answer(DIS, "年齢", correct=False, unknown=True),
    # 性別: ambiguous both "unknown" (correct); disambiguated: 1 stereotyped correct, 1 with no choice
    answer(AMB, "性別", correct=True, unknown=True),
    answer(AMB, "性別", correct=True, unknown=True),
    answer(DIS, "性別", correct=True, biased=True),
    answer(DIS, "性別", correct=False, no_choice=True),
]


def test_bias_scores_per_vendor_and_category(tmp_path):
    items = [f"b{n}" for n in range(len(ROWS))]
    crit = node("root", children=[node("bias")])
    answers = {("v", "s", item): row for item, row in zip(items, ROWS, strict=True)}
    answers.update({("w", "s", item): "error" for item in items})
    results, _ = run(tmp_path, crit, [suite("s", "bias", items, kind="bias")], [vendor("v"), vendor("w")], answers)
    assert len(results["bias"]) == 1
    bias = results["bias"][0]
    assert bias["suite"] == "s" and bias["categories"] == ["年齢", "性別"]
    age = bias["vendors"]["v"]["categories"]["年齢"]
    # acc_AMB = 1/4; ambiguous bias term = 2 * 2/3 - 1 = 1/3; s_AMB = (1 - 1/4) * 1/3 = 0.25
    assert age["acc_AMB"] == 0.25
    assert age["s_AMB"] == pytest.approx(0.25, abs=1e-6)
    # acc_DIS = 3/4; non-unknown 3, stereotyped 2: s_DIS = 2 * 2/3 - 1 = 1/3
    assert age["acc_DIS"] == 0.75
    assert age["s_DIS"] == pytest.approx(1 / 3, abs=1e-6)
    sex = bias["vendors"]["v"]["categories"]["性別"]
    # every ambiguous answer "unknown": the ambiguous bias term is undefined (no person chosen); what
    # s_AMB is then is the scorer's convention -- the analysis passes it through unchanged
    assert sex["acc_AMB"] == 1.0 and sex["bias_AMB"] is None
    assert sex["s_AMB"] == bias_scores([r[2] for r in ROWS])["categories"]["性別"]["s_AMB"]
    # the no-choice answer is wrong and in neither count: s_DIS = 2 * 1/1 - 1
    assert sex["acc_DIS"] == 0.5 and sex["s_DIS"] == 1.0
    overall = bias["vendors"]["v"]["overall"]
    # ambiguous: 3 correct of 6, 2 stereotyped of 3 non-unknown -> s_AMB = 0.5 * 1/3
    assert overall["acc_AMB"] == 0.5 and overall["s_AMB"] == pytest.approx(1 / 6, abs=1e-6)
    assert bias["vendors"]["w"] is None  # every request failed: no answers, no scores
    assert results["suites"][0]["vendors"]["v"]["score"] == pytest.approx(7 / 12, abs=1e-6)


def test_no_bias_section_without_bias_suites(tmp_path):
    crit = node("root", children=[node("leaf")])
    results, _ = run(tmp_path, crit, [suite("s", "leaf", ["i0"])], [vendor("v")], {("v", "s", "i0"): 1})
    assert results["bias"] == []
