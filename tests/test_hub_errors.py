"""evalkit.data.hub before any dataset is loaded: offline flags, whether the hub answers (a real
socket on 127.0.0.1), the builder of local files, and a dataset with several splits but no split."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from evalkit.config.suite import Source
from evalkit.data.errors import SourceError, SourceMissing
from evalkit.data.hub import _builder, _data_files, _first_line, _pick_split, hub_reachable, offline_requested


@pytest.mark.parametrize(
    ("hub", "datasets", "offline"),
    [(None, None, False), ("1", None, True), (None, " yes ", True), ("0", "off", False), ("true", None, True)],
)
def test_offline_is_asked_by_either_variable(monkeypatch, hub, datasets, offline):
    for name, value in (("HF_HUB_OFFLINE", hub), ("HF_DATASETS_OFFLINE", datasets)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert offline_requested() is offline


def test_the_hub_is_reachable_when_its_endpoint_accepts_a_connection(monkeypatch):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        assert hub_reachable(timeout=5) is True


def test_the_hub_is_unreachable_when_nothing_listens(monkeypatch):
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    assert hub_reachable(timeout=5) is False


def _source(**fields: object) -> Source:
    return Source.model_validate({"kind": "hf", **fields})


def test_an_unknown_suffix_needs_the_format_named(tmp_path: Path):
    data = tmp_path / "q.xlsx"
    data.write_text("x\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        _builder(_source(path="q.xlsx"), [data])
    assert info.value.field == "data_files" and "q.xlsx" in info.value.message
    with pytest.raises(SourceError) as info:
        _builder(_source(path="q.xlsx"), [])
    assert info.value.field == "data_files"


def test_the_format_comes_from_path_or_the_suffix(tmp_path: Path):
    data = tmp_path / "q.jsonl"
    data.write_text("{}\n", encoding="utf-8")
    assert _builder(_source(path="csv", data_files="q.jsonl"), [data]) == "csv"
    assert _builder(_source(path="x"), [data]) == "json"


def test_data_files_resolve_per_split_and_name_a_missing_one(tmp_path: Path):
    for name in ("a.csv", "b1.csv", "b2.csv"):
        (tmp_path / name).write_text("q\n1\n", encoding="utf-8")
    spec, files = _data_files(_source(path="csv", data_files={"train": "a.csv", "test": ["b*.csv"]}), tmp_path)
    assert spec == {"train": str(tmp_path / "a.csv"), "test": [str(tmp_path / "b1.csv"), str(tmp_path / "b2.csv")]}
    assert [f.name for f in files] == ["a.csv", "b1.csv", "b2.csv"]
    spec, _ = _data_files(_source(path="csv", data_files="b*.csv"), tmp_path)
    assert spec == [str(tmp_path / "b1.csv"), str(tmp_path / "b2.csv")]
    with pytest.raises(SourceMissing) as info:
        _data_files(_source(path="csv", data_files=["a.csv", "none.csv"]), tmp_path)
    assert info.value.field == "data_files" and "none.csv" in info.value.message


def test_several_splits_and_no_split_is_an_error():
    loaded = {"train": [1], "test": [2]}
    with pytest.raises(SourceError) as info:
        _pick_split(loaded, _source(path="x"))
    assert info.value.field == "split" and "train" in info.value.message and "test" in info.value.message
    assert _pick_split({"train": [1]}, _source(path="x")) == [1]
    assert _pick_split(loaded, _source(path="x", split="test")) is loaded  # load_dataset took the split


def test_the_first_line_of_an_error_or_its_kind():
    assert _first_line(ValueError("bad config\nmore")) == "bad config"
    assert _first_line(ValueError("")) == "ValueError"
