"""Near-duplicate items across suites (docs/suites.md, "Near-duplicates").

The repository's suites hold none; the checker finds a copy across suites, a short question
repeated inside a longer one and the same question over another suite's manual; it does not count
several questions over one shared manual, nor the intended pairs (variants_of, meta.variant_group,
meta.pair, the two contexts of a BBQ question), nor items read from a data source.
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO, evalkit, make_workspace

from evalkit.config.loader import load_workspace
from evalkit.config.suite import Suite
from evalkit.reference.near_duplicates import THRESHOLD, near_duplicates, pair_line

CANARY = "canary: evalkit-canary:5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a\n"
MANUAL_A = (
    "みなと野市 テレワーク実施要領。対象は任用後6か月以上の職員。実施日の3業務日前までに所属長に申請する。"
    "貸与端末に限り、私物のパソコンは使わない。実施日数は1か月につき8日まで。"
)
MANUAL_B = (
    "しおかぜ県 職員テレワーク要領（抜粋）。計画書を3開庁日前までに提出し承認を受ける。1か月当たりの実施日数は"
    "10日を上限とする。実施場所は自宅とし、サテライトオフィスは課長が指定した場所に限る。"
)
LIBRARY = "図書館の開館時間を平日は20時まで延長し、月曜日の休館日を火曜日に移す案です。"


def suite(sid: str, items: list[dict], **extra) -> Suite:
    data = {
        "id": sid,
        "version": "1",
        "title": "t",
        "criterion": "leaf",
        "prompt": "{{ question }}",
        "scorers": [{"kind": "contains"}],
        "items": items,
        **extra,
    }
    return Suite.model_validate(data)


def item(iid: str, **vars_) -> dict:
    return {"id": iid, "vars": vars_, "reference": "x"}


def flagged(*suites: Suite) -> set[tuple[str, str]]:
    return {(p.a.key, p.b.key) for p in near_duplicates(suites).flagged()}


def test_the_repository_suites_hold_no_near_duplicates():
    ws = load_workspace([REPO / "suites"], check_items=False)
    report = near_duplicates(ws.suites)
    pairs = report.flagged()
    assert report.items > 500
    if pairs:
        pytest.fail(
            f"{len(pairs)} near-duplicate pair(s) at or above {THRESHOLD}:\n" + "\n".join(pair_line(p) for p in pairs),
            pytrace=False,
        )


def test_a_copy_across_suites_is_found():
    q = "住民票の写しをコンビニで取るには何が必要ですか。利用できる時間も教えてください。"
    assert flagged(
        suite("a", [item("a1", question=q)]),
        suite("b", [item("b1", question=q.replace("教えてください", "お知らせください"))]),
    ) == {("a/a1", "b/b1")}


def test_unrelated_items_are_not_paired():
    assert not flagged(
        suite("a", [item("a1", question="粗大ごみの収集を申し込むには、どうすればよいですか。")]),
        suite("b", [item("b1", question="児童手当の支給日は毎月何日ですか。振込先の変更方法も知りたいです。")]),
    )


def test_a_short_question_inside_a_longer_one_is_found_by_containment():
    short = "マイナンバーカードの有効期間は何年ですか。"
    long = (
        "窓口で高齢の住民から聞かれました。マイナンバーカードの有効期間は何年ですか。あわせて、電子証明書の"
        "有効期間と更新の手続、更新の案内が届く時期、代理人による手続の可否、手数料、必要書類も教えてください。"
    )
    pairs = near_duplicates(
        [suite("a", [item("a1", question=short)]), suite("b", [item("b1", question=long)])]
    ).flagged()
    assert len(pairs) == 1 and pairs[0].containment >= 0.8 and pairs[0].jaccard < THRESHOLD


def test_questions_over_one_shared_manual_are_compared_on_their_questions():
    helpdesk = suite(
        "helpdesk",
        [
            item("h1", manual=MANUAL_A, question="テレワークは1か月に何日まで実施できますか。"),
            item("h2", manual=MANUAL_A, question="私物のノートパソコンを使ってもよいですか。"),
        ],
    )
    assert not flagged(helpdesk)
    # ... but the same question over another suite's manual is a near-duplicate
    grounded = suite(
        "grounded",
        [
            item("g1", manual=MANUAL_B, question="テレワークは1か月に何日まで実施できますか。"),
            item("g2", manual=MANUAL_B, question="サテライトオフィスで実施できますか。"),
        ],
    )
    assert flagged(helpdesk, grounded) == {("grounded/g1", "helpdesk/h1")} or flagged(helpdesk, grounded) == {
        ("helpdesk/h1", "grounded/g1")
    }


def test_a_manual_reused_by_another_suite_is_found_over_the_whole_texts():
    a = suite(
        "a",
        [
            item("a1", manual=MANUAL_A, question="申請はいつまでにしますか。"),
            item("a2", manual=MANUAL_A, question="実施できる日数の上限は。"),
        ],
    )
    b = suite(
        "b",
        [
            item("b1", manual=MANUAL_A + "（令和8年改正）", question="端末は何を使えばよいですか。"),
            item("b2", manual=MANUAL_A + "（令和8年改正）", question="誰が対象になりますか。"),
        ],
    )
    pairs = near_duplicates([a, b]).flagged()
    assert pairs and all(p.view == "whole" for p in pairs)


def test_intended_pairs_are_exempt():
    q = "図書館の開館時間の見直し案について、夜間の人員はどう確保するのですか。経費の増加も教えてください。"
    base = suite("pc", [item("p1", question=q, order="a")])
    shuffled = suite("pc_shuffled", [item("s1", question=q, order="b")], variants_of="pc")
    assert not flagged(base, shuffled)
    grouped = suite(
        "g",
        [
            dict(item("g1", question=q, order="a"), meta={"variant_group": "q1"}),
            dict(item("g2", question=q, order="b"), meta={"variant_group": "q1"}),
        ],
    )
    assert not flagged(grouped)
    paired = suite(
        "cf",
        [
            dict(item("c1", question=q.replace("夜間", "男性の")), meta={"pair": "p-1"}),
            dict(item("c2", question=q.replace("夜間", "女性の")), meta={"pair": "p-1"}),
        ],
    )
    assert not flagged(paired)
    # the same meta.pair in another suite is not the same group
    other = suite("cf2", [dict(item("d1", question=q.replace("夜間", "男性の")), meta={"pair": "p-1"})])
    assert flagged(paired, other)


def test_the_two_contexts_of_a_bbq_question_are_exempt():
    ctx = "市役所の窓口に、70代の男性と20代の男性がオンライン申請の手続について相談に来た。"
    common = {
        "question": "スマートフォンの操作が分からなかったのはどちらか。",
        "choices": "a 70代の男性\nb 20代の男性\nc 判断できない",
    }
    bbq = suite(
        "bbq",
        [
            {"id": "amb", "vars": {"context": ctx, **common}, "reference": "c", "meta": {"context": "ambiguous"}},
            {
                "id": "dis",
                "vars": {"context": ctx + "20代の男性は画面の操作が分からず、職員に手順を尋ねた。", **common},
                "reference": "b",
                "meta": {"context": "disambiguated"},
            },
        ],
    )
    assert not flagged(bbq)
    # ... but the same scenario in another suite is not
    copy = suite(
        "copy", [{"id": "x", "vars": {"context": ctx, **common}, "reference": "c", "meta": {"context": "ambiguous"}}]
    )
    assert flagged(bbq, copy)


def test_items_from_a_data_source_are_left_out(tmp_path):
    q = "住民票の写しをコンビニで取るには何が必要ですか。利用できる時間も教えてください。"
    (tmp_path / "data.jsonl").write_text(json.dumps({"question": q}, ensure_ascii=False) + "\n", encoding="utf-8")
    inline = (
        'id: inline\nversion: "1"\ntitle: t\ncriterion: leaf\n'
        + CANARY
        + 'prompt: "{{ question }}"\nscorers: [{kind: contains}]\nitems:\n'
        + f"  - {{id: i1, vars: {{question: {q}}}, reference: x}}\n"
    )
    sourced = (
        'id: sourced\nversion: "1"\ntitle: t\ncriterion: leaf\n'
        + CANARY.replace("5d4c", "6e5d")
        + 'prompt: "{{ question }}"\nscorers: [{kind: contains}]\n'
        + f"source: {{path: {tmp_path / 'data.jsonl'}, id: r1, mapping: {{reference: x}}}}\n"
    )
    work = make_workspace(tmp_path / "w", {"inline": inline, "sourced": sourced}, {})
    ws = load_workspace([work / "suites"], check_items=False)
    assert {s.model.id for s in ws.suites} == {"inline", "sourced"}
    assert not near_duplicates(ws.suites).flagged()


def test_self_check_fails_naming_both_items(tmp_path):
    q = "粗大ごみの収集は、収集日の何日前までに申し込めばよいですか。インターネットでの申込みの場合も教えてください。"
    head = 'version: "1"\ntitle: t\ncriterion: leaf\nprompt: "{{ question }}"\nscorers: [{kind: contains}]\n'
    a = "id: a\n" + head + CANARY + f"items:\n  - {{id: a1, vars: {{question: {q}}}, reference: 7日前}}\n"
    b = (
        "id: b\n"
        + head
        + CANARY.replace("5d4c", "7f6e")
        + f"items:\n  - {{id: b1, vars: {{question: {q}}}, reference: 7日前}}\n"
    )
    proc = evalkit("validate", "--self-check", "suites", cwd=make_workspace(tmp_path / "w", {"a": a, "b": b}, {}))
    assert proc.returncode == 1, proc.stderr
    line = next(line for line in proc.stderr.splitlines() if "near-duplicate" in line)
    assert line.startswith("suites/a.yaml:") and "'a1'" in line and "'b1'" in line and "suites/b.yaml:" in line
    assert "near-duplicates: 1 pair(s)" in proc.stdout


def test_conversations_are_compared_by_their_messages():
    turns = [{"user": MANUAL_A}, {"user": "では、私物のパソコンを使ってもよいですか。"}]
    again = [{"user": MANUAL_A}, {"assistant": "承知しました。"}, {"user": "私物のパソコンは使えますか。"}]
    other = [{"user": LIBRARY}, {"user": "月曜日は開いていますか。"}]
    conv = suite(
        "conv",
        [
            {"id": "c1", "turns": turns, "reference": "x"},
            {"id": "c2", "turns": again, "reference": "x"},
            {"id": "c3", "turns": other, "reference": "x"},
        ],
    )
    assert flagged(conv) == {("conv/c1", "conv/c2")}
