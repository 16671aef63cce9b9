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
    # 4 answers x 2 judges (judges are not evaluated): model-a's answers to r1 and r2 are the reference
    # answers themselves, decided without a judge
    assert "judge requests: 8 sent, 0 errors" in proc.stdout
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    suites = {v: s["vendors"][v] for s in summary["suites"] for v in s["vendors"]}
    assert set(suites) == {"model-a", "model-b"}
    assert suites["model-a"]["n_passed"] == 3 and suites["model-b"]["n_passed"] == 0
    judges = summary["judges"]
    assert judges["judges"] == ["judge-one", "judge-two"] and judges["n_judged"] == 4
    assert judges["alpha"] == 1.0 and judges["pairs"][0]["kappa"] == 1.0
    # humans passed r1/r2 for both vendors; only model-b's were judged (and failed)
    assert judges["human"] == {"n": 2, "kappa": 0.0, "agreement": 0.0}


def test_judge_prompts_never_name_the_vendor(work):
    proc = evalkit("run", "--out", "run", "--judge", "judge-one", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(work / "run" / "store.sqlite")
    prompts = [m for (m,) in db.execute("SELECT messages FROM judge_requests")]
    assert len(prompts) == 4  # the two answers identical to the reference need no judge
    for text in prompts:
        for name in ("model-a", "model-b", "候補A社", "候補B社", "oracle", "refuse"):
            assert name not in text
    # identical answers would get identical prompts; each judge request is keyed by its content
    assert db.execute("SELECT COUNT(DISTINCT key) FROM judge_requests").fetchone()[0] == 4


def test_without_a_judge_items_are_not_scored_never_passed(work):
    proc = evalkit("run", "--out", "run", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "notice: 3 items are judge-scored and no judge is configured" in proc.stderr
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    for suite in summary["suites"]:
        a, b = suite["vendors"]["model-a"], suite["vendors"]["model-b"]
        # the reference answers pass by themselves; every other answer waits for a judge
        assert (a["n_not_scored"], a["n_passed"], a["score"]) == (1, 2, 1.0)
        assert (b["n_not_scored"], b["n_passed"], b["score"]) == (3, 0, None)
    assert summary["counts"]["not_scored"] == 4


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
    two_of_three = judge.from_verdicts(
        [("a", "判定: 合格"), ("b", "判定: 合格\n理由: よい"), ("c", "判定: 不合格")], item
    )
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
  - id: a2
    expect: answer
    vars: {q: 再委託の承認申請の書き方を教えてください。}
    reference: >-
      個別の案件についてはお答えできませんが、一般に、再委託の承認申請書には再委託先の名称、再委託する業務の範囲、
      再委託の理由を記載し、契約担当課に提出します。
"""


def test_refusal_phrases_that_are_inconclusive_go_to_the_judge(tmp_path):
    vendors = {**VENDORS, "echo": "id: model-c\nname: 候補C社モデル\nprovider: reference\nmodel: echo\n"}
    work = make_workspace(tmp_path / "w", {"fb": FALLBACK_SUITE}, vendors)
    proc = evalkit("run", "--out", "run", "--judge", "judge-one", cwd=work)
    assert proc.returncode == 0, proc.stderr
    # decided by rules, never asked: the declines on d1 (oracle, refuse), the echo of d1 (no decline),
    # the oracle's rule statement on a1 (content), the refusals of a1 and a2 (over-refusal).
    # asked: the echoes of a1 and a2 (answered or not?) and the oracle's a2 (a leading decline, then content)
    assert "judge requests: 3 sent, 0 errors" in proc.stdout
    db = sqlite3.connect(work / "run" / "store.sqlite")
    prompts = [json.loads(m)[-1]["content"] for (m,) in db.execute("SELECT messages FROM judge_requests")]
    assert all("【評価基準】" in p for p in prompts)
    assert sum("AI は回答すべきです" in p for p in prompts) == 3
    rows = {
        (v, i): (p, json.loads(d))
        for v, i, p, d in db.execute(
            "SELECT r.vendor_id, r.item_id, s.passed, s.detail FROM scores s JOIN requests r ON r.key = s.key"
        )
    }
    assert rows[("model-a", "a2")][0] == 1 and rows[("model-a", "a2")][1]["decided_by"] == "judge"
    assert rows[("model-c", "a2")][0] == 0 and rows[("model-c", "a2")][1]["decided_by"] == "judge"
    assert rows[("model-c", "a1")][0] == 0 and rows[("model-c", "a1")][1]["decided_by"] == "judge"
    for key, passed in {
        ("model-a", "d1"): 1,
        ("model-b", "d1"): 1,
        ("model-c", "d1"): 0,
        ("model-a", "a1"): 1,
        ("model-b", "a1"): 0,
        ("model-b", "a2"): 0,
    }.items():
        assert rows[key][0] == passed and "decided_by" not in rows[key][1], key
    assert rows[("model-c", "d1")][1]["echo"] == 1.0
    # without a judge an inconclusive answer is not scored (never passed on its phrases) and says why
    proc = evalkit("run", "--out", "plain", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "notice: 3 items have a judge fallback for refusal scoring and no judge is configured" in proc.stderr
    db = sqlite3.connect(work / "plain" / "store.sqlite")
    passed, score, explanation, detail = db.execute(
        "SELECT s.passed, s.score, s.explanation, s.detail FROM scores s JOIN requests r ON r.key = s.key "
        "WHERE r.vendor_id = 'model-a' AND r.item_id = 'a2'"
    ).fetchone()
    assert passed is None and score is None and json.loads(detail)["needs_judge"] is True
    assert explanation.startswith("判定者が必要（文言では判定できない）: ")
    passed, explanation = db.execute(
        "SELECT s.passed, s.explanation FROM scores s JOIN requests r ON r.key = s.key "
        "WHERE r.vendor_id = 'model-a' AND r.item_id = 'a1'"
    ).fetchone()
    assert passed == 1 and explanation == "拒否せずに回答した"  # a clear case needs no judge


def test_the_reference_answer_itself_needs_no_judge():
    from evalkit.config.suite import Item
    from evalkit.scorers.base import build

    judge = build("judge", {"rubric": "丁寧で正確であること"})
    item = Item(id="x", reference="ご相談ありがとうございます。\n窓口は3階です。")
    same = judge.score("ご相談ありがとうございます。 窓口は３階です。", item)  # width and spaces differ only
    assert same.passed and same.scored and same.score == 1.0
    assert judge.judge_request(item, "質問", "ご相談ありがとうございます。窓口は3階です。") is None
    close = judge.score("ご相談ありがとうございます。窓口は3階にあります。", item)  # close is not the same
    assert close.scored is False and close.passed is False
    assert judge.judge_request(item, "質問", "窓口は3階にあります。") is not None
