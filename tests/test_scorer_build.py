"""Scorers are built once per (kind, params) in a process (evalkit/scorers/base.py: build), and the
embedded endpoint's answer book is worked out only when something will ask it (pipeline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from evalkit.config.vendor import Vendor
from evalkit.pipeline import _needs_answer_book
from evalkit.runner.plan import PlannedRequest
from evalkit.runner.store import Response, RunStore
from evalkit.scorers import base
from evalkit.scorers.base import REGISTRY, Params, Scorer, ScoreResult, build


class _KeyedParams(Params):
    labels: dict[str, str] = {}


class _Keyed(Scorer):
    kind = "test-keyed"
    Params = _KeyedParams

    def score(self, output: str, item: Any) -> ScoreResult:
        return ScoreResult(1.0, True, "")


@pytest.fixture
def keyed():
    REGISTRY[_Keyed.kind] = _Keyed
    yield _Keyed.kind
    del REGISTRY[_Keyed.kind]
    for key in [k for k in base._BUILT if k[0] == _Keyed.kind]:
        del base._BUILT[key]


def test_the_same_params_give_the_same_scorer_and_others_another(keyed):
    first = build(keyed, {"labels": {"a": "b"}})
    assert build(keyed, {"labels": {"a": "b"}}) is first
    assert build(keyed, {"labels": {"a": "c"}}) is not first


def test_params_that_json_writes_alike_are_still_validated_apart(keyed):
    # {"1": ...} and {1: ...} are one JSON text; the int key is not a str and must still be refused
    assert build(keyed, {"labels": {"1": "b"}}).params.labels == {"1": "b"}
    with pytest.raises(ValidationError):
        build(keyed, {"labels": {1: "b"}})


def test_bad_params_are_never_cached(keyed):
    for _ in range(2):
        with pytest.raises(ValidationError):
            build(keyed, {"labels": "not a mapping"})
    with pytest.raises(KeyError):
        build("no-such-kind", {})


def test_a_cached_scorer_is_not_changed_by_the_callers_params(keyed):
    params = {"labels": {"a": "b"}}
    scorer = build(keyed, params)
    params["labels"]["a"] = "changed"  # the caller's dict, changed after the build
    assert build(keyed, {"labels": {"a": "b"}}) is scorer
    assert build(keyed, params) is not scorer and build(keyed, params).params.labels == {"a": "changed"}


def _vendor(vid: str, model: str) -> Vendor:
    return Vendor.model_validate(
        {"id": vid, "name": vid, "category": "baseline", "provider": "reference", "model": model}
    )


def test_the_answer_book_is_built_only_when_an_oracle_has_something_to_send(tmp_path: Path):
    oracle, refuse = _vendor("o", "oracle"), _vendor("r", "refuse")
    requests = [
        PlannedRequest(key=f"{v}-{n}", vendor_id=v, suite_id="s", item_id=f"q{n}", epoch=0, messages=[], params={})
        for v in ("o", "r")
        for n in range(2)
    ]
    with RunStore(tmp_path / "store.sqlite") as store:
        store.add_requests(requests)
        assert _needs_answer_book(store, requests, [oracle, refuse], [], retry_errors=False)
        assert not _needs_answer_book(store, requests, [refuse], [], retry_errors=False)
        assert _needs_answer_book(store, requests, [refuse], [_vendor("j", "judge")], retry_errors=False)
        for req in requests[:2]:
            ok = req.key != "o-1"
            store.put_response(Response(key=req.key, ok=ok, content="x", attempts=1, received_at="t"))
        # o-1 is a stored error: finished unless errors are sent again
        assert not _needs_answer_book(store, requests, [oracle, refuse], [], retry_errors=False)
        assert _needs_answer_book(store, requests, [oracle, refuse], [], retry_errors=True)
