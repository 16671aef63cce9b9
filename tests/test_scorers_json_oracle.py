"""json scorer: the oracle's instance of a schema (every common keyword), field comparison of nested values,
and a long list of schema violations summarised."""

from __future__ import annotations

import json

from evalkit.config.suite import Item
from evalkit.scorers import build

SCHEMA = {
    "type": "object",
    "required": ["kind", "status", "note", "choice", "tags", "count", "ok", "nothing", "maybe", "meta"],
    "properties": {
        "kind": {"const": "申請"},
        "status": {"enum": ["受付", "審査中"]},
        "note": {"type": "string", "examples": ["見本"]},
        "choice": {"anyOf": [{"type": "integer", "minimum": 3}, {"type": "string"}]},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 2}, "minItems": 2},
        "count": {"type": "number", "exclusiveMinimum": 0},
        "ok": {"type": "boolean"},
        "nothing": {"type": "null"},
        "maybe": {"type": ["null", "string"]},
        "meta": {"properties": {"deep": {"type": "object", "properties": {"x": {"type": "integer"}}}}},
    },
}


def test_the_oracle_answers_a_schema_with_every_common_keyword() -> None:
    scorer = build("json", {"schema": SCHEMA})
    item = Item(id="q")
    answer = scorer.ideal_answer(item)
    assert answer is not None
    value = json.loads(answer.removeprefix("```json\n").removesuffix("\n```"))
    assert value["kind"] == "申請" and value["status"] == "受付" and value["note"] == "見本"
    assert value["choice"] == 3 and value["tags"] == ["例例", "例例"] and value["count"] == 1.0
    assert value["ok"] is True and value["nothing"] is None and value["maybe"] == "例"
    assert value["meta"] == {"deep": {"x": 0}}
    assert scorer.score(answer, item).passed


def test_fields_compare_nested_values_numbers_and_booleans_alike() -> None:
    reference = {"amount": 3500, "items": [{"name": "ＡＢＣ", "n": 2}], "flag": True, "none": None}
    item = Item(id="q", reference=json.dumps(reference, ensure_ascii=False))
    scorer = build("json", {"match_reference": True})
    same = {"amount": "3500", "items": [{"n": 2.0, "name": "abc"}], "flag": True, "none": None}
    assert scorer.score(json.dumps(same, ensure_ascii=False), item).passed
    wrong = {**same, "flag": False, "amount": 3500.5}
    result = scorer.score(json.dumps(wrong), item)
    assert not result.passed and result.detail["mismatched"] == ["amount", "flag"]


def test_many_schema_violations_are_summarised() -> None:
    schema = {"type": "object", "properties": {k: {"type": "integer"} for k in "abcdef"}}
    result = build("json", {"schema": schema}).score(json.dumps(dict.fromkeys("abcdef", "x")), Item(id="q"))
    assert not result.passed
    assert result.explanation.count("スキーマ違反 ") == 3 and "ほか3件のスキーマ違反" in result.explanation
