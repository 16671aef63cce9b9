"""Robustness variants (a suite's ``variants:``) and consistency (results["consistency"])."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import evalkit, make_workspace

from evalkit.analysis.consistency import consistency
from evalkit.config.suite import Item, Suite, VariantSpec
from evalkit.data import transforms as tf
from evalkit.data.variants import derive
from evalkit.scorers.choice import item_options, label_index

TEXT = (
    "令和7年4月1日から、「山田太郎」さんの申請番号 AB-1234 について第三条の規定により3件の手続を行います。"
    "ご確認のうえ、カタカナのシステムで登録してください。"
)


@pytest.mark.parametrize(
    "fn",
    [
        lambda s: tf.width(s, "half"),
        lambda s: tf.width(s, "full"),
        lambda s: tf.kana(s, "hiragana"),
        lambda s: tf.kana(s, "katakana", 0.5, random.Random(3)),
        lambda s: tf.keigo(s, "plain"),
        lambda s: tf.keigo(s.replace("行います。", "行うものである。"), "polite"),
        lambda s: tf.keigo(s, "honorific"),
        lambda s: tf.typos(s, 0.5, random.Random(1)),
        lambda s: tf.distractor(s, "なお、本日は晴れです。"),
    ],
    ids=["width-half", "width-full", "kana", "katakana", "plain", "polite", "honorific", "typos", "distractor"],
)
def test_every_transform_keeps_numbers_codes_dates_and_quoted_names(fn):
    out = fn(TEXT)
    assert out != TEXT
    kept = tf.protected_spans(TEXT)
    assert {"7年", "4月", "1日", "「山田太郎」", "AB-1234", "第三条", "3件"} <= set(kept)
    assert tf.protected_spans(out) == kept  # every one of them, in order, character for character


def test_what_each_transform_changes():
    assert "ｶﾀｶﾅ" in tf.width(TEXT, "half") and "ｼｽﾃﾑ" in tf.width(TEXT, "half")
    assert tf.width("（注意）!", "full") == "（注意）！"
    hira = tf.kana(TEXT, "hiragana")
    assert "れいわ" in hira and "しんせい" in hira and "かたかな" in hira and "「山田太郎」" in hira
    assert tf.kana("開設しました。\n（翻訳", "hiragana") == "かいせつしました。\n（ほんやく"  # lines kept as they are
    assert tf.keigo("何と言いますか。答えてください。", "plain") == "何と言うか。答えてほしい。"
    assert tf.keigo("これは基準である。", "polite") == "これは基準です。"
    assert tf.keigo("基準を定めてください。", "honorific") == "基準を定めていただけますでしょうか。"
    slipped = tf.typos("ひらがなのぶんしょうをたくさんかきます", 0.3, random.Random(0))
    assert slipped != "ひらがなのぶんしょうをたくさんかきます" and len(slipped) == len(
        "ひらがなのぶんしょうをたくさんかきます"
    )
    assert tf.typos("AB-1234 第三条", 1.0, random.Random(0)) == "AB-1234 第三条"


def _choice_suite(**extra) -> Suite:
    items = [
        {
            "id": "q1",
            "reference": "c",
            "vars": {"question": "正しいものは？", "choices": "a 十年\nb 二十年\nc 三十年\nd 四十年"},
        },
        {
            "id": "q2",
            "reference": ["b"],
            "meta": {"aliases": {"b": ["犬"]}},
            "vars": {"question": "動物は？", "choices": ["ねこ", "いぬ", "とり"]},
        },
        {"id": "q3", "reference": "ア", "vars": {"question": "どれ？", "choices": "ア．東京\nイ．大阪\nウ．名古屋"}},
    ]
    data = {
        "id": "mc",
        "version": "1",
        "title": "t",
        "criterion": "leaf",
        "prompt": "{{ question }}",
        "scorers": [{"kind": "choice"}],
        "items": items,
        **extra,
    }
    return Suite.model_validate(data)


def _issue(loc, message):
    return f"{loc}: {message}"


def _derived(suite: Suite) -> list[Item]:
    items, issues = derive(suite, _issue)
    assert issues == []
    return items


def test_option_order_moves_the_options_and_the_reference_follows_the_same_text():
    suite = _choice_suite(variants=[{"transform": "option_order", "seed": 7}])
    source = {it.id: it for it in suite.items}
    derived = _derived(suite)
    assert [d.id for d in derived] == ["q1~option_order", "q2~option_order", "q3~option_order"]
    for d in derived:
        src = source[d.variant_of or ""]
        before, after = item_options(src, "choices"), item_options(d, "choices")
        assert before and after and sorted(before.values()) == sorted(after.values())
        assert before != after  # never the original order
        for old, new in zip(src.references(), d.references(), strict=True):
            assert after[label_index(new)] == before[label_index(old)]  # the same option text
        assert d.variant == {
            "transform": "option_order",
            "name": "option_order",
            "seed": 7,
            "params": {"order": d.variant["params"]["order"]},
        }
        assert d.probes == [] and d.meta["variant_group"] == f"mc/{src.id}"
    q2 = next(d for d in derived if d.variant_of == "q2")
    (label,) = q2.meta["aliases"]
    assert item_options(q2, "choices")[label_index(label)] == "いぬ"
    q3 = next(d for d in derived if d.variant_of == "q3")
    assert q3.references()[0] in "アイウ" and q3.vars["choices"].splitlines()[0].startswith("ア．")


def test_the_same_seed_gives_the_same_variants_and_another_seed_another_order():
    def orders(seed: int) -> list[list[int]]:
        suite = _choice_suite(variants=[{"transform": "option_order", "seed": seed}])
        return [d.variant["params"]["order"] for d in _derived(suite)]

    assert orders(7) == orders(7)
    assert any(orders(seed) != orders(7) for seed in range(8, 12))
    text = _choice_suite(variants=[{"transform": "typos", "rate": 0.5, "seed": 1, "vars": ["question"]}])
    again = _choice_suite(variants=[{"transform": "typos", "rate": 0.5, "seed": 1, "vars": ["question"]}])
    assert [d.vars for d in _derived(text)] == [d.vars for d in _derived(again)]


def test_text_transforms_leave_the_options_alone_and_skip_what_they_do_not_change():
    suite = _choice_suite(variants=[{"transform": "kana"}, {"transform": "keigo", "to": "polite"}])
    derived = _derived(suite)
    for d in derived:
        assert d.vars["choices"] == next(it for it in suite.items if it.id == d.variant_of).vars["choices"]
    # 「正しいものは？」 has no ending keigo rewrites: no variant that would be the same request
    assert "q1~keigo" not in {d.id for d in derived}


def test_paraphrases_are_one_variant_each():
    suite = Suite.model_validate(
        {
            "id": "p",
            "version": "1",
            "title": "t",
            "criterion": "leaf",
            "prompt": "{{ question }}",
            "scorers": [{"kind": "contains", "params": {"values": ["x"]}}],
            "variants": [{"transform": "paraphrase"}],
            "items": [
                {"id": "a", "paraphrases": ["別の聞き方", "三つ目"], "vars": {"question": "元の聞き方"}},
                {"id": "b"},
                {"id": "c", "paraphrases": ["言い換え"], "variants": [], "vars": {"question": "元"}},
            ],
        }
    )
    derived = _derived(suite)
    assert [(d.id, d.vars["question"]) for d in derived] == [
        ("a~paraphrase", "別の聞き方"),
        ("a~paraphrase2", "三つ目"),
    ]


def test_consistency_numbers_by_hand():
    suite = Suite.model_validate(
        {
            "id": "s",
            "version": "1",
            "title": "t",
            "criterion": "leaf",
            "prompt": "{{ q }}",
            "scorers": [{"kind": "exact"}],
            "items": [{"id": "a"}, {"id": "b"}],
            "variant_items": [
                {"id": "a~x", "variant_of": "a", "variant": {"name": "x"}},
                {"id": "a~y", "variant_of": "a", "variant": {"name": "y"}},
                {"id": "b~x", "variant_of": "b", "variant": {"name": "x"}},
            ],
        }
    )
    passed = {"a": True, "a~x": True, "a~y": False, "b": False, "b~x": False}
    items = pd.DataFrame(
        {
            "vendor_id": ["v"] * 5,
            "suite_id": ["s"] * 5,
            "item_id": list(passed),
            "n_ok": [1] * 5,
            "passed": list(passed.values()),
        }
    )

    class V:
        id = "v"

    out = consistency(items, [suite], [V()])  # type: ignore[list-item]  # a stand-in vendor
    row = out["suites"][0]["vendors"]["v"]
    # groups: {a, a~x, a~y} not alike, {b, b~x} alike -> 1/2; pairs (T,T) (T,F) (F,F): canonical 2/3, variants 1/3
    assert (row["n_groups"], row["n_alike"], row["consistency"]) == (2, 1, 0.5)
    assert (row["n_pairs"], row["canonical_rate"], row["variant_rate"], row["drop"]) == (
        3,
        0.666667,
        0.333333,
        0.333333,
    )
    assert row["drop_ci_low"] < 0.333333 < row["drop_ci_high"]
    assert row["by_transform"]["y"]["drop"] == 1.0 and row["by_transform"]["x"]["drop"] == 0.0
    assert out["vendors"]["v"]["n_groups"] == 2


CRITERIA = """\
id: root
title: 全体
clause: 全体
children:
  - id: leaf
    title: 選択
    clause: 選択
  - id: robust
    title: 頑健性
    clause: 頑健
    gate: {min_score: 0, min_consistency: 0.9, description: 表現の揺れに頑健}
"""
MC = """\
id: mc
version: "1"
title: 選択
criterion: leaf
prompt: "{{ question }}\\n{{ choices }}"
scorers: [{kind: choice}]
variants:
  - {transform: option_order, seed: 7}
  - {transform: width}
items:
  - id: q1
    reference: c
    vars: {question: 令和7年の「デジタル手続法」の条数はどれですか。, choices: "a 10条\\nb 20条\\nc 30条\\nd 40条"}
  - id: q2
    reference: a
    vars: {question: 山田市の人口はどれですか。, choices: "a 1万人\\nb 2万人\\nc 3万人\\nd 4万人"}
"""
# echo repeats the question: it passes 審査基準 in the canonical form, not once kana respells it
TEXT_SUITE = """\
id: text
version: "1"
title: 文章
criterion: robust
prompt: "{{ question }}"
scorers: [{kind: contains, params: {values: [審査基準]}}]
variants:
  - {transform: kana}
  - {transform: distractor, text: なお、本日は晴れです。}
items:
  - id: t1
    reference: 審査基準
    vars: {question: 行政庁が定める審査基準とは何ですか。}
  - id: t2
    reference: 審査基準
    vars: {question: 審査基準を公にする義務を説明してください。}
"""
VENDORS = {
    "oracle": "id: oracle\nname: オラクル\nprovider: reference\nmodel: oracle\n",
    "echo": "id: echo\nname: エコー\nprovider: reference\nmodel: echo\n",
}


def _run(work: Path) -> dict:
    proc = evalkit("run", "--out", "run", "-q", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))


def test_a_run_with_variants(tmp_path):
    work = make_workspace(tmp_path / "w", {"mc": MC, "text": TEXT_SUITE}, VENDORS, criteria=CRITERIA)
    summary = _run(work)
    cons = summary["consistency"]
    assert {s["id"]: s["n_variants"] for s in cons["suites"]} == {"mc": 4, "text": 4}
    oracle = cons["vendors"]["oracle"]
    assert (oracle["consistency"], oracle["canonical_rate"], oracle["variant_rate"]) == (1.0, 1.0, 1.0)
    text = next(s for s in cons["suites"] if s["id"] == "text")["vendors"]["echo"]
    # canonical: both pass; kana: both fail; distractor: both pass -> no group alike, drop 0.5
    assert (text["n_groups"], text["n_alike"], text["consistency"], text["drop"]) == (2, 0, 0.0, 0.5)
    assert text["by_transform"]["kana"]["drop"] == 1.0 and text["by_transform"]["distractor"]["drop"] == 0.0
    # option_order variants join their question's variant_group: order sensitivity counts them too
    order = {(r["vendor"], r["suite"]): r for r in summary["order_sensitivity"]}
    assert order[("oracle", "mc")]["n_questions"] == 2 and order[("oracle", "mc")]["n_changed"] == 0
    verdicts = {v["id"]: (v["verdict"], [g["node"] for g in v["failed_gates"]]) for v in summary["vendors"]}
    assert verdicts == {"oracle": ("適合", []), "echo": ("不適合", ["robust"])}
    gate = next(g for g in summary["gates"] if g["vendor"] == "echo")
    assert "一貫性 0.000 < 基準 0.9" in gate["reason"]
    # every variant was asked and stored like an item (ids <item>~<transform>)
    rows = (work / "run" / "results.csv").read_text(encoding="utf-8")
    assert "q1~option_order" in rows and "t2~distractor" in rows
    # a re-run into the same folder resumes: the variants are the same items, nothing is sent again
    import sqlite3

    def answers() -> int:
        with sqlite3.connect(work / "run" / "store.sqlite") as db:
            return int(db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    before = answers()
    assert evalkit("run", "--out", "run", "-q", cwd=work).returncode == 0
    assert answers() == before == 2 * (4 + 8)
    # what counts the tender's items counts the suite's own: evalkit list shows 2 items a suite, 1問の重み unchanged
    listed = evalkit("list", "suites", cwd=work)
    assert re.search(r"^  mc .*2 問|^  mc .*2 items", listed.stdout, re.M), listed.stdout
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert "表現の揺れへの頑健性（一貫性）" in html and 'id="consistency-vendors"' in html
    assert re.search(r'<a href="#consistency">\d+\. 表現の揺れへの頑健性</a>', html)


def test_diagnostic_variants_change_no_total_score_or_gate(tmp_path):
    crit = CRITERIA.replace("min_score: 0, min_consistency: 0.9", "min_score: 0.5")
    with_variants = make_workspace(tmp_path / "a", {"mc": MC, "text": TEXT_SUITE}, VENDORS, criteria=crit)
    plain = {
        "mc": re.sub(r"variants:\n(  - .*\n)+", "", MC),
        "text": re.sub(r"variants:\n(  - .*\n)+", "", TEXT_SUITE),
    }
    without = make_workspace(tmp_path / "b", plain, VENDORS, criteria=crit)
    a, b = _run(with_variants), _run(without)
    assert "consistency" in a and "consistency" not in b

    def scores(s: dict) -> dict:
        return {
            "vendors": [
                (v["id"], v["total"], v["total_ci_low"], v["verdict"], v["failed_gates"]) for v in s["vendors"]
            ],
            "suites": {
                r["id"]: {vid: (x["score"], x["n"], x["n_passed"], x["ci_low"]) for vid, x in r["vendors"].items()}
                for r in s["suites"]
            },
            "gates": s["gates"],
            "criteria": [(n["id"], {vid: x["score"] for vid, x in n["vendors"].items()}) for n in s["criteria"]],
        }

    assert scores(a) == scores(b)
    assert a["counts"]["requests"] == b["counts"]["requests"] + 2 * 8  # the variants were asked all the same
    html = (without / "run" / "report.html").read_text(encoding="utf-8")
    assert "表現の揺れへの頑健性" not in html


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (
            "variants:\n  - {transform: option_order}\n",
            "variants[0]",
            "option_order needs a choice item with options (item 't1' and others)",
        ),
        (
            "variants:\n  - {transform: keigo, to: casual}\n",
            "variants[0]",
            "'to' must be one of plain, polite, honorific",
        ),
        ("variants:\n  - {transform: typos, text: x}\n", "variants[0]", "'text' is not a typos parameter"),
        (
            "variants:\n  - {transform: kana}\n  - {transform: kana}\n",
            "variants[0]",
            "variant 'kana' is declared twice",
        ),
    ],
)
def test_bad_variants_are_config_errors_at_their_line(tmp_path, edit, field, message):
    text = TEXT_SUITE.replace(
        "variants:\n  - {transform: kana}\n  - {transform: distractor, text: なお、本日は晴れです。}\n", edit
    )
    work = make_workspace(tmp_path / "w", {"text": text}, VENDORS, criteria=CRITERIA)
    proc = evalkit("validate", "suites", "vendors", cwd=work)
    assert proc.returncode == 2
    line = text.splitlines().index(edit.splitlines()[1]) + 1
    assert re.search(
        rf"text\.yaml:{line}:\d+: .*{re.escape(field)}.*{re.escape(message)}", proc.stderr + proc.stdout
    ), proc.stderr


def test_a_suite_file_cannot_write_derived_fields(tmp_path):
    text = TEXT_SUITE.replace("  - id: t2\n", "  - id: t2\n    variant_of: t1\n")
    work = make_workspace(tmp_path / "w", {"text": text}, VENDORS, criteria=CRITERIA)
    proc = evalkit("validate", "suites", "vendors", cwd=work)
    assert proc.returncode == 2
    line = text.splitlines().index("    variant_of: t1") + 1
    assert f"text.yaml:{line}:" in proc.stderr and "variant_of" in proc.stderr


def test_variant_spec_defaults_are_recorded():
    spec = VariantSpec(transform="typos")
    suite = _choice_suite(variants=[spec.model_dump(exclude_none=True) | {"vars": ["question"], "rate": 1.0}])
    derived = _derived(suite)
    assert derived and all(d.variant and d.variant["params"]["rate"] == 1.0 and d.variant["seed"] == 0 for d in derived)


def test_a_sealed_suites_stored_labels_keep_what_its_variants_derive_from():
    """The run store keeps a sealed suite as labels only (integrity/sealed.redact_suite): its variants keep
    their ids and variant_of, so scoring and aggregating from the store leave them out of the scores."""
    from types import SimpleNamespace

    from evalkit.analysis.consistency import variant_items
    from evalkit.integrity.sealed import redact_suite

    suite = _choice_suite(variants=[{"transform": "option_order", "seed": 7}])
    suite.variant_items = _derived(suite)
    info = SimpleNamespace(header={"title": "封印"})  # (redact_suite reads the header's title only)
    stored = Suite.model_validate(redact_suite(suite, info))  # type: ignore[arg-type]  # a stand-in SealInfo
    assert [it.id for it in stored.variant_items] == ["q1~option_order", "q2~option_order", "q3~option_order"]
    assert variant_items([stored]) == variant_items([suite])
    assert "三十年" not in json.dumps(stored.model_dump(mode="json"), ensure_ascii=False)


def test_variants_of_data_file_items(tmp_path):
    """Items read from a source get the suite's variants too; paraphrases come through meta.paraphrases."""
    records = [
        {"no": 1, "q": "住民票の写しの手数料は？", "alt": ["住民票の写しはいくらですか。"], "ans": "b"},
        {"no": 2, "q": "印鑑登録証明書の手数料は？", "alt": [], "ans": "a"},
    ]
    suite = """\
id: faq
version: "1"
title: FAQ
criterion: leaf
prompt: "{{ question }}\\n{{ choices }}"
scorers: [{kind: choice}]
variants:
  - {transform: option_order, seed: 3}
  - {transform: paraphrase}
source:
  path: faq.jsonl
  id: "faq-{{ no }}"
  mapping:
    vars.question: "{{ q }}"
    vars.choices: "a 200円\\nb 300円\\nc 400円"
    reference: "{{ ans }}"
    meta.paraphrases: "{{ alt }}"
"""
    work = make_workspace(tmp_path / "w", {"faq": suite}, VENDORS, criteria=CRITERIA)
    (work / "suites" / "faq.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    from evalkit.config.loader import load_workspace
    from evalkit.data import suite_items

    ws = load_workspace([work / "suites"])
    assert ws.issues == []
    (loaded,) = ws.suites
    ids = [it.id for it in suite_items(loaded.model)]
    assert ids == ["faq-1", "faq-2", "faq-1~option_order", "faq-1~paraphrase", "faq-2~option_order"]
    para = loaded.model.variant_items[1]
    assert para.vars["question"] == "住民票の写しはいくらですか。" and para.reference == "b"
    moved = loaded.model.variant_items[0]
    assert item_options(moved, "choices")[label_index(str(moved.reference))] == "300円"
