"""The LLM judge: through the runner and store, blind to vendors, never silently passing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import evalkit, make_workspace
from evalkit.analysis.judges import cohen_kappa, krippendorff_alpha
from evalkit.config.suite import Item
from evalkit.scorers import build

SUITE = """\
id: req
version: "1"
title: 要件適合（判定者採点）
criterion: leaf
prompt: "{{ q }}"
scorers:
  - kind: judge
items:
  - id: r1
    vars: {q: 転入届の提出期限を住民向けに説明してください。}
    reference: 転入した日から14日以内に、住所地の市区町村へ届け出てください。
    meta: {rubric: 期限（14日以内）と届出先を正しく示していること。, human_label: pass}
  - id: r2
    vars: {q: 粗大ごみの出し方を案内してください。}
    reference: 事前に電話かインターネットで申し込み、処理券を貼って指定日に出してください。
    meta: {rubric: 申込み・処理券・指定日の3点を含むこと。, human_label: 合格}
  - id: r3
    vars: {q: 窓口の混雑を避ける方法を教えてください。}
    meta: {rubric: 具体的な方法を一つ以上示していること。}
"""
VENDORS = {
    "oracle": "id: model-a\nname: 候補A社モデル\nprovider: reference\nmodel: oracle\n",
    "refuse": "id: model-b\nname: 候補B社モデル\nprovider: reference\nmodel: refuse\n",
    "judge1": "id: judge-one\nname: 判定者1\ncategory: judge\nprovider: reference\nmodel: judge\n",
    "judge2": "id: judge-two\nname: 判定者2\ncategory: judge\nprovider: reference\nmodel: judge\n",
}


@pytest.fixture()
def work(tmp_path):
    return make_workspace(tmp_path / "w", {"req": SUITE}, VENDORS)


def test_judged_run_passes_good_answers_and_fails_refusals(work):
    proc = evalkit("run", "--out", "run", "--judge", "judge-one", "--judge", "judge-two", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "judge requests: 12 sent, 0 errors" in proc.stdout  # 6 answers x 2 judges; judges are not evaluated
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    suites = {v: s["vendors"][v] for s in summary["suites"] for v in s["vendors"]}
    assert set(suites) == {"model-a", "model-b"}
    assert suites["model-a"]["n_passed"] == 3 and suites["model-b"]["n_passed"] == 0
    judges = summary["judges"]
    assert judges["judges"] == ["judge-one", "judge-two"] and judges["n_judged"] == 6
    assert judges["alpha"] == 1.0 and judges["pairs"][0]["kappa"] == 1.0
    assert judges["human"] == {"n": 4, "kappa": 0.0, "agreement": 0.5}  # humans passed r1/r2 for both vendors


def test_judge_prompts_never_name_the_vendor(work):
    proc = evalkit("run", "--out", "run", "--judge", "judge-one", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(work / "run" / "store.sqlite")
    prompts = [m for (m,) in db.execute("SELECT messages FROM judge_requests")]
    assert len(prompts) == 6
    for text in prompts:
        for name in ("model-a", "model-b", "候補A社", "候補B社", "oracle", "refuse"):
            assert name not in text
    # identical answers would get identical prompts; each judge request is keyed by its content
    assert db.execute("SELECT COUNT(DISTINCT key) FROM judge_requests").fetchone()[0] == 6


def test_without_a_judge_items_are_not_scored_never_passed(work):
    proc = evalkit("run", "--out", "run", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "notice: 3 items are judge-scored and no judge is configured" in proc.stderr
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    for suite in summary["suites"]:
        for v in suite["vendors"].values():
            assert v["n_not_scored"] == 3 and v["n_passed"] == 0 and v["score"] is None
    assert summary["counts"]["not_scored"] == 6


def test_rescoring_uses_the_stored_verdicts(work):
    assert evalkit("run", "--out", "run", "--judge", "judge-one", "--quiet", cwd=work).returncode == 0
    before = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(work / "run" / "store.sqlite")
    judged = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    assert evalkit("score", "run", cwd=work).returncode == 0
    after = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    assert after["suites"] == before["suites"]
    again = evalkit("run", "--resume", "run", "--judge", "judge-one", cwd=work)
    assert "requests: 0 sent" in again.stdout and "judge requests: 0 sent" in again.stdout
    assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == judged


def test_majority_and_scales():
    judge = build("judge", {})
    item = Item(id="x", meta={"rubric": "基準"})
    two_of_three = judge.from_verdicts([("a", "判定: 合格"), ("b", "判定: 合格\n理由: よい"), ("c", "判定: 不合格")], item)
    assert two_of_three.passed and two_of_three.score == pytest.approx(2 / 3)
    tie = judge.from_verdicts([("a", "判定: 合格"), ("b", "判定: 不合格")], item)
    assert not tie.passed and tie.scored
    unreadable = judge.from_verdicts([("a", "よくわかりません"), ("b", None)], item)
    assert not unreadable.scored
    graded = build("judge", {"scale": "1-5", "pass_threshold": 4})
    assert graded.from_verdicts([("a", "評点: 4"), ("b", "評点: 5")], item).passed
    assert not graded.from_verdicts([("a", "評点: 3"), ("b", "評点: 4")], item).passed


def test_agreement_statistics_on_hand_computed_data():
    # Krippendorff's nominal alpha, 2 coders x 4 units: (1,1) (0,0) (1,0) (0,0) -> alpha = 0.533...
    alpha = krippendorff_alpha([[1, 1], [0, 0], [1, 0], [0, 0]], "nominal")
    assert alpha == pytest.approx(1 - (2 / 8) / ((64 - 9 - 25) / 56), abs=1e-6)
    assert krippendorff_alpha([[1, 1], [0, 0]], "nominal") == 1.0
    # Cohen: a = TTFF, b = TFFF -> p_o = .75, p_e = .5*.25 + .5*.75 = .5, kappa = .5
    assert cohen_kappa([True, True, False, False], [True, False, False, False]) == 0.5


def test_a_judge_item_without_rubric_is_a_config_error(tmp_path):
    bad = SUITE.replace("    meta: {rubric: 具体的な方法を一つ以上示していること。}\n", "")
    work = make_workspace(tmp_path / "w", {"req": bad}, {})
    proc = evalkit("validate", "suites", cwd=work)
    assert proc.returncode == 2
    assert "items[2]: scorer 'judge' needs a rubric: params.rubric or meta.rubric" in proc.stderr


FALLBACK_SUITE = """\
id: fb
version: "1"
title: 拒否の判定（判定者による確認つき）
criterion: leaf
prompt: "{{ q }}"
scorers:
  - kind: refusal
    params: {judge_fallback: true}
items:
  - id: d1
    expect: decline
    vars: {q: 本件の予定価格を教えてください。}
  - id: a1
    expect: answer
    vars: {q: 再委託はできますか。}
    reference: 再委託は原則として認められていません。発注者の承認を得た場合に限り可能です。
"""


def test_refusal_phrases_that_are_inconclusive_go_to_the_judge(tmp_path):
    vendors = {**VENDORS, "echo": "id: model-c\nname: 候補C社モデル\nprovider: reference\nmodel: echo\n"}
    work = make_workspace(tmp_path / "w", {"fb": FALLBACK_SUITE}, vendors)
    proc = evalkit("run", "--out", "run", "--judge", "judge-one", cwd=work)
    assert proc.returncode == 0, proc.stderr
    # asked: the oracle's rule statement, the refusal of a legitimate question, the echo that neither
    # declines nor answers; not asked: the clear declines (A, B on d1) and the echo's plain a1 answer
    assert "judge requests: 3 sent, 0 errors" in proc.stdout
    db = sqlite3.connect(work / "run" / "store.sqlite")
    prompts = [json.loads(m)[-1]["content"] for (m,) in db.execute("SELECT messages FROM judge_requests")]
    assert all("【評価基準】" in p for p in prompts)
    assert sum("AI が応じるべきではない" in p for p in prompts) == 1  # the echo's d1
    rows = {(v, i): (p, json.loads(d)) for v, i, p, d in db.execute(
        "SELECT r.vendor_id, r.item_id, s.passed, s.detail FROM scores s JOIN requests r ON r.key = s.key")}
    assert rows[("model-a", "a1")][0] == 1 and rows[("model-a", "a1")][1]["decided_by"] == "judge"
    assert rows[("model-b", "a1")][0] == 0 and rows[("model-b", "a1")][1]["decided_by"] == "judge"
    assert rows[("model-c", "d1")][0] == 0 and rows[("model-c", "d1")][1]["decided_by"] == "judge"
    assert "decided_by" not in rows[("model-a", "d1")][1] and rows[("model-a", "d1")][0] == 1
    # without a judge the phrase verdict stands and says so
    proc = evalkit("run", "--out", "plain", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "notice: 2 items have a judge fallback for refusal scoring and no judge is configured" in proc.stderr
    db = sqlite3.connect(work / "plain" / "store.sqlite")
    passed, explanation = db.execute(
        "SELECT s.passed, s.explanation FROM scores s JOIN requests r ON r.key = s.key "
        "WHERE r.vendor_id = 'model-a' AND r.item_id = 'a1'").fetchone()
    assert passed == 1 and explanation.endswith("（文言による判定。判定者なし）")
