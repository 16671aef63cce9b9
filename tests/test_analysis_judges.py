"""Human labels in the judge agreement statistics: which values count, and free YAML never crashes."""

from __future__ import annotations

import json

import pytest
from conftest import evalkit, make_workspace

from evalkit.analysis.judges import human_label

# r1's label is a YAML list (not a label), r2's a word, r3's the integer 0
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
    meta: {rubric: 期限（14日以内）と届出先を正しく示していること。, human_label: [pass]}
  - id: r2
    vars: {q: 粗大ごみの出し方を案内してください。}
    reference: 事前に電話かインターネットで申し込み、処理券を貼って指定日に出してください。
    meta: {rubric: 申込み・処理券・指定日の3点を含むこと。, human_label: 合格}
  - id: r3
    vars: {q: 窓口の混雑を避ける方法を教えてください。}
    meta: {rubric: 具体的な方法を一つ以上示していること。, human_label: 0}
"""
VENDORS = {
    "oracle": "id: model-a\nname: 候補A社モデル\nprovider: reference\nmodel: oracle\n",
    "refuse": "id: model-b\nname: 候補B社モデル\nprovider: reference\nmodel: refuse\n",
    "judge1": "id: judge-one\nname: 判定者1\ncategory: judge\nprovider: reference\nmodel: judge\n",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        (0.0, False),
        ("pass", True),
        ("fail", False),
        ("合格", True),
        ("不合格", False),
        (None, None),
        (2, None),
        (-1, None),
        (0.5, None),
        ("1", None),
        ("true", None),
        ("", None),
        (["pass"], None),
        ({"pass": True}, None),
    ],
)
def test_human_label_spellings(value: object, expected: bool | None) -> None:
    assert human_label(value) is expected


def test_a_list_as_human_label_is_no_label_and_the_run_completes(tmp_path) -> None:
    work = make_workspace(tmp_path / "w", {"req": SUITE}, VENDORS)
    proc = evalkit("run", "--out", "run", "--judge", "judge-one", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    human = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))["judges"]["human"]
    # judged answers: model-a's r3 (passed), model-b's r1, r2, r3 (refusals, failed); model-a's r1 and
    # r2 are the reference answers, decided without a judge. r1 has no label: 3 pairs remain,
    # consensus (pass, fail, fail) against the humans (0 -> fail, 合格 -> pass, 0 -> fail)
    assert human == {"n": 3, "kappa": -0.5, "agreement": round(1 / 3, 6)}
