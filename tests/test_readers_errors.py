"""evalkit.data.readers on bad input: every malformed data file is one SourceError naming the field of
the ``source`` block it concerns and the file (and line or record) where the problem is. Real files."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
from pathlib import Path

import pytest

from evalkit.data.errors import SourceError, SourceMissing
from evalkit.data.readers import jsonable, local_files, read_csv, read_json, read_jsonl


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def _error(call, *args) -> SourceError:
    with pytest.raises(SourceError) as info:
        call(*args)
    return info.value


# ----------------------------------------------------------------------------------------- files
def test_a_pattern_that_matches_nothing_is_missing_data(tmp_path):
    err = _error(local_files, "data/*.jsonl", tmp_path)
    assert isinstance(err, SourceMissing) and err.field == "path"
    assert "*.jsonl" in err.message


def test_a_folder_is_not_a_data_file(tmp_path):
    (tmp_path / "data").mkdir()
    err = _error(local_files, "data", tmp_path)
    assert not isinstance(err, SourceMissing) and err.field == "path"
    assert str(tmp_path / "data") in err.message


def test_an_absent_file_names_the_unset_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("EVALKIT_TEST_DATA_DIR", raising=False)
    err = _error(local_files, "${EVALKIT_TEST_DATA_DIR:-nowhere}/q.jsonl", tmp_path)
    assert isinstance(err, SourceMissing) and "EVALKIT_TEST_DATA_DIR" in err.message


def test_a_pattern_lists_its_files_in_order(tmp_path):
    for name in ("b.jsonl", "a.jsonl"):
        _write(tmp_path, name, "{}\n")
    (tmp_path / "c.jsonl").mkdir()  # a folder that matches the pattern is not a file
    assert [p.name for p in local_files("*.jsonl", tmp_path)] == ["a.jsonl", "b.jsonl"]


# ------------------------------------------------------------------------------------- encodings
def test_bytes_that_are_not_the_encoding_name_the_byte(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_bytes(b'{"q": "ok"}\n{"q": "\xff"}\n')
    err = _error(read_jsonl, path, "utf-8")
    assert err.field == "encoding" and "q.jsonl" in err.message and "utf-8" in err.message
    assert "byte 19" in err.message  # 12 bytes of line 1, 7 of line 2


def test_an_unknown_encoding_is_named(tmp_path):
    err = _error(read_jsonl, _write(tmp_path, "q.jsonl", "{}\n"), "no-such-codec")
    assert err.field == "encoding" and "no-such-codec" in err.message


def test_an_unreadable_file_is_one_error(tmp_path):
    folder = tmp_path / "q.jsonl"
    folder.mkdir()  # reading a folder fails with an OSError
    err = _error(read_jsonl, folder, "utf-8")
    assert err.field == "path" and "q.jsonl" in err.message


def test_shift_jis_is_read_when_declared(tmp_path):
    path = _write(tmp_path, "q.csv", "id,q\n1,住民票\n", encoding="shift_jis")
    assert read_csv(path, "shift_jis", None) == ([{"id": "1", "q": "住民票"}], ["q.csv:2"])


# ----------------------------------------------------------------------------------------- JSONL
def test_invalid_json_names_line_and_column(tmp_path):
    path = _write(tmp_path, "q.jsonl", '{"q": 1}\n\n{"q": 2,}\n')
    err = _error(read_jsonl, path, "utf-8")
    assert err.field == "path" and err.message.startswith("q.jsonl:3: ") and "column" in err.message


def test_a_line_that_is_not_an_object_is_named(tmp_path):
    err = _error(read_jsonl, _write(tmp_path, "q.jsonl", '{"q": 1}\n[1, 2]\n'), "utf-8")
    assert err.message.startswith("q.jsonl:2: ") and "list" in err.message


def test_jsonl_with_a_bom_and_blank_lines_keeps_line_numbers(tmp_path):
    path = _write(tmp_path, "q.jsonl", '\ufeff{"q": 1}\n\n{"q": 2}\n')
    assert read_jsonl(path, "utf-8") == ([{"q": 1}, {"q": 2}], ["q.jsonl:1", "q.jsonl:3"])


# ------------------------------------------------------------------------------------------- CSV
def test_an_empty_csv_has_no_records(tmp_path):
    assert read_csv(_write(tmp_path, "q.csv", ""), "utf-8", None) == ([], [])


def test_a_column_named_twice_is_an_error(tmp_path):
    err = _error(read_csv, _write(tmp_path, "q.csv", "id, q ,q\n1,a,b\n"), "utf-8", None)
    assert err.field == "path" and err.message.startswith("q.csv:1: ") and "'q'" in err.message


def test_a_row_longer_than_the_header_names_its_line(tmp_path):
    err = _error(read_csv, _write(tmp_path, "q.csv", "id,q\n1,a\n\n2,b,c\n"), "utf-8", None)
    assert err.message.startswith("q.csv:4: ") and "3" in err.message and "2" in err.message


def test_a_short_row_is_padded_and_blank_rows_are_skipped(tmp_path):
    path = _write(tmp_path, "q.tsv", "id\tq\tnote\n1\ta\n \t \n2\tb\tc\n")
    records, where = read_csv(path, "utf-8", None)  # .tsv: tab-separated unless told otherwise
    assert records == [{"id": "1", "q": "a", "note": ""}, {"id": "2", "q": "b", "note": "c"}]
    assert where == ["q.tsv:2", "q.tsv:4"]


LONG = "x" * (csv.field_size_limit() + 1)  # a field the csv module refuses to read


def test_a_field_the_csv_module_refuses_names_its_line(tmp_path):
    path = _write(tmp_path, "q.csv", f"id,q\n1,a\n2,{LONG}\n")
    err = _error(read_csv, path, "utf-8", None)
    assert err.field == "path" and err.message.startswith("q.csv:3: ")


def test_a_header_the_csv_module_refuses_is_line_one(tmp_path):
    err = _error(read_csv, _write(tmp_path, "q.csv", f"id,{LONG}\n1,a\n"), "utf-8", None)
    assert err.message.startswith("q.csv:1: ")


# ------------------------------------------------------------------------------------------ JSON
def test_invalid_json_file_names_its_line(tmp_path):
    err = _error(read_json, _write(tmp_path, "q.json", '[\n{"q": 1},\n{"q": }\n]'), "utf-8", None)
    assert err.field == "path" and err.message.startswith("q.json:3: ")


def test_records_path_that_is_absent_lists_the_keys_found(tmp_path):
    path = _write(tmp_path, "q.json", json.dumps({"data": {"rows": []}, "meta": {}}))
    err = _error(read_json, path, "utf-8", "data.items")
    assert err.field == "records" and "data.items" in err.message and "rows" in err.message
    err = _error(read_json, _write(tmp_path, "l.json", "[[1]]"), "utf-8", "5")
    assert err.field == "records" and "list" in err.message


def test_records_path_walks_objects_and_list_indexes(tmp_path):
    path = _write(tmp_path, "q.json", json.dumps({"sets": [{"rows": [{"q": 1}, {"q": 2}]}]}))
    records, where = read_json(path, "utf-8", "sets.0.rows")
    assert records == [{"q": 1}, {"q": 2}] and where == ["q.json: sets.0.rows[0]", "q.json: sets.0.rows[1]"]


def test_a_top_level_object_needs_records_and_suggests_a_list(tmp_path):
    err = _error(read_json, _write(tmp_path, "q.json", json.dumps({"meta": 1, "rows": []})), "utf-8", None)
    assert err.field == "records" and "records: rows" in err.message
    err = _error(read_json, _write(tmp_path, "n.json", json.dumps({"meta": 1})), "utf-8", None)
    assert err.field == "records" and "records:" not in err.message.split(";")[1]


def test_records_that_are_not_a_list_or_not_objects(tmp_path):
    err = _error(read_json, _write(tmp_path, "q.json", "42"), "utf-8", None)
    assert err.field == "records" and "int" in err.message
    err = _error(read_json, _write(tmp_path, "r.json", '[{"q": 1}, "x"]'), "utf-8", None)
    assert err.field == "records" and "record[1]" in err.message and "str" in err.message
    records, where = read_json(_write(tmp_path, "s.json", '\ufeff[{"q": 1}]'), "utf-8", None)
    assert records == [{"q": 1}] and where == ["s.json: record 1"]


# ------------------------------------------------------------------------------------- JSON values
def test_jsonable_turns_every_reader_value_into_json():
    class Scalar:  # what numpy scalars look like
        def item(self):
            return 3

    class Array:  # what numpy arrays look like
        def tolist(self):
            return [1, 2.5]

    value = {
        1: (dt.date(2025, 12, 2), dt.datetime(2025, 12, 2, 9, 30), dt.time(17, 15)),
        "d": decimal.Decimal("1.5"),
        "nan": float("nan"),
        "b": b"\x00",
        "s": Scalar(),
        "a": Array(),
        "o": Path("x"),
    }
    assert jsonable(value) == {
        "1": ["2025-12-02", "2025-12-02T09:30:00", "17:15:00"],
        "d": 1.5,
        "nan": None,
        "b": None,
        "s": 3,
        "a": [1, 2.5],
        "o": "x",
    }
