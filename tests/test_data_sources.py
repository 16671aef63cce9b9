"""Suites whose items come from data files: mapping, ids, filter, sampling, errors, optional data, provenance.

Every case writes its own data next to a suite in tmp_path. Loading is checked in process
(``load_workspace``); what a user sees (one ``file:line:col`` line, exit 2, no traceback) through
the real CLI.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import clean_env, evalkit, own_env

from evalkit.config import load_workspace

CRITERIA = "id: root\ntitle: 全体\nclause: 全体\nchildren:\n  - id: leaf\n    title: 葉\n    clause: 葉\n"
HEAD = """\
id: {sid}
version: "1.0.0"
title: データ由来のスイート
criterion: leaf
prompt: "{{{{ question }}}}"
scorers:
  - kind: exact
"""
RECORDS = [
    {
        "no": i,
        "question": f"{i}たす{i}は？",
        "answer": 2 * i,
        "level": "易" if i % 2 else "難",
        "tags": ["算数", f"桁:{len(str(2 * i))}"],
    }
    for i in range(1, 21)
]


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(root: Path, rel: str, records: list[dict]) -> Path:
    return write(root, rel, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def suite_file(root: Path, source: str, sid: str = "s1", extra: str = "", name: str = "suites/s1.yaml") -> Path:
    write(root, "suites/criteria.yaml", CRITERIA)
    return write(root, name, HEAD.format(sid=sid) + extra + textwrap.dedent(source))


def load(root: Path):
    ws = load_workspace([root / "suites"])
    assert not ws.issues, [str(i) for i in ws.issues]
    return ws


def items_of(root: Path):
    ws = load(root)
    return ws.suites[0].model.items


def validate(root: Path, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess:
    return evalkit("validate", "suites", cwd=root, env=own_env(**dict(extra_env)), timeout=120)


def problems(root: Path) -> list[str]:
    proc = validate(root)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert lines[-1].endswith("problem(s) found")
    return lines[:-1]


SOURCE = """\
source:
  path: ../data/q.jsonl
  id: "q{{ no }}"
  mapping:
    vars.question: "{{ question }}"
    reference: "{{ answer }}"
    tags: "{{ tags + ['難易度:' ~ level] }}"
    meta.level: "{{ level }}"
    meta.answer: "{{ answer }}"
    meta.text: "答えは{{ answer }}"
"""


# ------------------------------------------------------------------------------------ mapping
def test_jsonl_records_are_mapped_onto_items(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS)
    suite_file(tmp_path, SOURCE)
    items = items_of(tmp_path)
    assert [i.id for i in items] == [f"q{n}" for n in range(1, 21)]
    first = items[0]
    assert first.vars == {"question": "1たす1は？"}
    assert first.reference == "2"  # a number becomes the reference text
    assert first.tags == ["算数", "桁:1", "難易度:易"]  # one {{ expression }} keeps its type (a list)
    assert first.meta == {"level": "易", "answer": 2, "text": "答えは2"}  # typed vs. rendered text


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "parquet"])
def test_every_file_format_gives_the_same_items(tmp_path, fmt):
    rows = [{k: v for k, v in r.items() if k != "tags"} for r in RECORDS[:5]]
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        text = sep.join(rows[0]) + "\n" + "".join(sep.join(str(v) for v in r.values()) + "\n" for r in rows)
        write(tmp_path, f"data/q.{fmt}", "\ufeff" + text)  # a BOM, as spreadsheet programs write
        where = f"path: ../data/q.{fmt}"
    elif fmt == "json":
        write(tmp_path, "data/q.json", json.dumps({"meta": {}, "data": {"rows": rows}}, ensure_ascii=False))
        where = "path: ../data/q.json\n          records: data.rows"
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        (tmp_path / "data").mkdir()
        pq.write_table(pa.Table.from_pylist(rows), tmp_path / "data" / "q.parquet")
        where = "path: ../data/q.parquet"
    suite_file(
        tmp_path,
        f"""\
        source:
          {where}
          id: "q{{{{ no }}}}"
          mapping:
            vars.question: "{{{{ question }}}}"
            reference: "{{{{ answer }}}}"
        """,
    )
    items = items_of(tmp_path)
    assert [(i.id, i.vars["question"], i.reference) for i in items] == [
        (f"q{r['no']}", r["question"], str(r["answer"])) for r in rows
    ]


def test_without_vars_mapping_every_field_is_a_variable(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:2])
    suite_file(
        tmp_path,
        """\
        source:
          path: ../data/q.jsonl
          mapping: {reference: "{{ answer }}"}
        """,
    )
    items = items_of(tmp_path)
    assert items[0].vars == RECORDS[0]


def test_inline_items_and_source_items_combine(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:3])
    suite_file(
        tmp_path, SOURCE, extra='items:\n  - id: inline-1\n    vars: {question: 手書きの問}\n    reference: "x"\n'
    )
    items = items_of(tmp_path)
    assert [i.id for i in items] == ["inline-1", "q1", "q2", "q3"]


# ------------------------------------------------------------------------------------ ids
def test_default_ids_hash_the_record_and_survive_reordering(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS)
    suite_file(
        tmp_path,
        """\
        source:
          path: ../data/q.jsonl
          mapping: {reference: "{{ answer }}"}
        """,
    )
    first = {i.vars["no"]: i.id for i in items_of(tmp_path)}
    again = {i.vars["no"]: i.id for i in items_of(tmp_path)}
    jsonl(tmp_path, "data/q.jsonl", list(reversed(RECORDS)))
    reordered = {i.vars["no"]: i.id for i in items_of(tmp_path)}
    assert first == again == reordered
    assert len(set(first.values())) == len(RECORDS)
    assert all(v.startswith("r-") and len(v) == 14 for v in first.values())
    canon = json.dumps(RECORDS[0], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert first[1] == "r-" + hashlib.sha256(canon.encode("utf-8")).hexdigest()[:12]


def test_identical_records_give_one_item(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", [RECORDS[0], RECORDS[1], RECORDS[0]])
    suite_file(tmp_path, 'source:\n  path: ../data/q.jsonl\n  mapping: {reference: "{{ answer }}"}\n')
    ws = load(tmp_path)
    assert len(ws.suites[0].model.items) == 2
    assert ws.suites[0].model._dataset["n_duplicates"] == 1


def test_ids_from_a_field_and_from_japanese_text(tmp_path):
    records = [
        {"番号": "問題番号57", "question": "a", "answer": "b"},
        {"番号": "問題番号58", "question": "c", "answer": "d"},
    ]
    jsonl(tmp_path, "data/q.jsonl", records)
    suite_file(
        tmp_path,
        """\
        source:
          path: ../data/q.jsonl
          id: 番号
          mapping: {reference: "{{ answer }}"}
        """,
    )
    ids = [i.id for i in items_of(tmp_path)]
    # ids keep their ASCII part and a hash of the whole value: distinct, stable, valid
    assert ids[0].startswith("57-") and ids[1].startswith("58-") and ids[0] != ids[1]
    assert ids == [i.id for i in items_of(tmp_path)]


# ------------------------------------------------------------------------------------ filter, sample, limit
def test_filter_and_limit(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS)
    suite_file(tmp_path, SOURCE + "  filter: \"level == '難' and answer > 10\"\n  limit: 3\n")
    assert [i.id for i in items_of(tmp_path)] == ["q6", "q8", "q10"]


def test_sampling_is_seeded_deterministic_and_order_free(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS)
    suite_file(tmp_path, SOURCE + "  sample: {n: 5, seed: 7}\n")
    first = [i.id for i in items_of(tmp_path)]
    assert len(first) == 5 and first == [i.id for i in items_of(tmp_path)]
    assert first == sorted(first, key=lambda x: int(x[1:]))  # file order is kept
    jsonl(tmp_path, "data/q.jsonl", list(reversed(RECORDS)))
    assert sorted([i.id for i in items_of(tmp_path)]) == sorted(first)  # the same records, whatever the order
    suite_file(tmp_path, SOURCE + "  sample: {n: 5, seed: 8}\n")
    jsonl(tmp_path, "data/q.jsonl", RECORDS)
    assert [i.id for i in items_of(tmp_path)] != first
    suite_file(tmp_path, SOURCE + "  sample: {n: 500, seed: 8}\n")
    assert len(items_of(tmp_path)) == 20  # asking for more than there is keeps everything


# ------------------------------------------------------------------------------------ errors
def test_missing_file_is_one_line_at_the_source_path(tmp_path):
    suite_file(tmp_path, "source:\n  path: ../data/nowhere.jsonl\n")
    assert problems(tmp_path) == ["suites/s1.yaml:9:9: source.path: data not found: data/nowhere.jsonl"]


def test_missing_file_names_the_unset_environment_variable(tmp_path):
    suite_file(tmp_path, 'source:\n  path: "${MY_DATA_DIR:-../data}/q.jsonl"\n')
    assert problems(tmp_path) == [
        "suites/s1.yaml:9:9: source.path: data not found: data/q.jsonl; set MY_DATA_DIR to the folder that holds it"
    ]


def test_mapping_an_unknown_column(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:3])
    suite_file(
        tmp_path,
        """\
        source:
          path: ../data/q.jsonl
          mapping:
            vars.question: "{{ question }}"
            reference: "{{ anser }}"
        """,
    )
    assert problems(tmp_path) == [
        "suites/s1.yaml:12:16: source.mapping.reference: 'anser' is undefined in q.jsonl:1 (and 2 more records); "
        "record fields: no, question, answer, level, tags"
    ]


def test_template_syntax_errors_in_mapping_filter_and_id(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:3])
    suite_file(
        tmp_path,
        """\
        source:
          path: ../data/q.jsonl
          mapping:
            vars.question: "{{ question }"
        """,
    )
    assert problems(tmp_path) == [
        "suites/s1.yaml:11:20: source.mapping.vars.question: template syntax error: unexpected '}'"
    ]
    suite_file(tmp_path, 'source:\n  path: ../data/q.jsonl\n  filter: "level =="\n')
    assert problems(tmp_path) == [
        "suites/s1.yaml:10:11: source.filter: template syntax error: unexpected 'end of print statement'"
    ]
    suite_file(tmp_path, 'source:\n  path: ../data/q.jsonl\n  id: "{{ nope }}"\n')
    assert problems(tmp_path) == [
        "suites/s1.yaml:10:7: source.id: 'nope' is undefined in q.jsonl:1; "
        "record fields: no, question, answer, level, tags"
    ]


def test_bad_data_and_bad_settings(tmp_path):
    write(tmp_path, "data/q.jsonl", '{"a": 1}\n{"a": 2,}\n')
    suite_file(tmp_path, "source:\n  path: ../data/q.jsonl\n")
    assert problems(tmp_path) == [
        "suites/s1.yaml:9:9: source.path: q.jsonl:2: invalid JSON: Expecting property name enclosed in double "
        "quotes (column 9)"
    ]
    write(tmp_path, "data/q.json", '{"samples": []}')
    suite_file(tmp_path, "source:\n  path: ../data/q.json\n")
    assert problems(tmp_path) == [
        "suites/s1.yaml:9:3: source.records: the top level of q.json is an object with keys samples; name the "
        "list of records in records (e.g. records: samples)"
    ]
    suite_file(tmp_path, "source:\n  path: ../data/q.txt\n")
    assert problems(tmp_path) == [
        "suites/s1.yaml:9:3: source: set kind: jsonl, csv, json, parquet or hf (it cannot be told from the path)"
    ]
    suite_file(tmp_path, "source:\n  path: ../data/q.jsonl\n  mapping: {answer: x}\n")
    assert problems(tmp_path) == [
        "suites/s1.yaml:10:12: source.mapping: cannot map onto 'answer'; targets are vars.<name>, meta.<key>, "
        "reference, tags, expect, critical, note, scorers"
    ]


def test_duplicate_ids_are_reported(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:4])
    suite_file(tmp_path, 'source:\n  path: ../data/q.jsonl\n  id: "{{ level }}"\n')
    assert problems(tmp_path) == [
        "suites/s1.yaml:10:7: source.id: duplicate item id 'id-fb1b844e' (q.jsonl:1 and q.jsonl:3); choose a field "
        "or template that is unique"
    ]
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:2])
    suite_file(tmp_path, SOURCE, extra='items:\n  - id: q2\n    vars: {question: x}\n    reference: "y"\n')
    assert problems(tmp_path) == ["suites/s1.yaml:13:3: source: item 'q2': duplicate item id 'q2' (first on line 9)"]


def test_items_the_scorers_cannot_use_point_at_the_source(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:2])
    suite_file(
        tmp_path, "source:\n  path: ../data/q.jsonl\n  id: 'q{{ no }}'\n  mapping: {vars.question: '{{ question }}'}\n"
    )
    assert problems(tmp_path) == [
        "suites/s1.yaml:9:3: source: item 'q1': scorer 'exact' needs a reference",
        "suites/s1.yaml:9:3: source: item 'q2': scorer 'exact' needs a reference",
    ]


# ------------------------------------------------------------------------------------ optional data
def test_optional_source_without_data_skips_the_suite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    suite_file(
        tmp_path,
        'source:\n  path: "${MY_DATA_DIR:-../data}/q.jsonl"\n  optional: true\n'
        '  mapping: {reference: "{{ answer }}"}\n',
    )
    write(
        tmp_path,
        "suites/other.yaml",
        HEAD.format(sid="s2") + 'items:\n  - id: a\n    vars: {question: q}\n    reference: "r"\n',
    )
    ws = load_workspace([tmp_path / "suites"])
    assert not ws.issues and [s.model.id for s in ws.suites] == ["s2"]
    assert ws.notices == [
        f"{tmp_path / 'suites' / 's1.yaml'}: suite 's1' skipped (optional data source): "
        "data not found: data/q.jsonl; set MY_DATA_DIR to "
        "the folder that holds it"
    ]
    proc = validate(tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("ok: criteria suites/criteria.yaml, 1 suites (1 items)")
    # with the data where the variable points, the suite is there
    jsonl(tmp_path, "elsewhere/q.jsonl", RECORDS[:2])
    proc = validate(tmp_path, ("MY_DATA_DIR", str(tmp_path / "elsewhere")))
    assert proc.returncode == 0 and "2 suites" in proc.stdout, proc.stderr
    # an optional source with broken data is still an error: only absent data is skipped
    write(tmp_path, "elsewhere/q.jsonl", "{oops\n")
    proc = validate(tmp_path, ("MY_DATA_DIR", str(tmp_path / "elsewhere")))
    assert proc.returncode == 2 and "source.path: q.jsonl:1: invalid JSON" in proc.stderr


def test_missing_data_far_from_the_working_directory_is_named_by_its_absolute_path(tmp_path, monkeypatch):
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    suite_file(
        tmp_path,
        'source:\n  path: "${MY_DATA_DIR:-../data}/q.jsonl"\n  optional: true\n'
        '  mapping: {reference: "{{ answer }}"}\n',
    )
    ws = load_workspace([tmp_path / "suites"])
    assert ws.notices[0].endswith(
        f"data not found: {tmp_path / 'data' / 'q.jsonl'}; set MY_DATA_DIR to the folder that holds it"
    )


def test_repo_validates_without_external_data(repo_self_check):
    # conftest.repo_self_check: `validate --self-check suites vendors` with both data folders absent
    proc = repo_self_check
    assert proc.returncode == 0, proc.stderr
    assert "self-check passed" in proc.stdout


# ------------------------------------------------------------------------------------ provenance
VENDOR = "id: oracle\nname: 参照\ncategory: baseline\nprovider: reference\nmodel: oracle\n"


def test_provenance_is_in_the_store_and_results_and_data_changes_block_resume(tmp_path):
    data = jsonl(tmp_path, "data/q.jsonl", RECORDS[:4])
    suite_file(tmp_path, SOURCE, extra="attribution: 出典：テスト用データ\n")
    write(tmp_path, "vendors/oracle.yaml", VENDOR)
    out = tmp_path / "run"
    proc = evalkit("run", "--out", str(out), "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(out / "store.sqlite")
    stored = json.loads(db.execute("SELECT value FROM meta WHERE key = 'datasets'").fetchone()[0])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["datasets"] == stored and len(stored) == 1
    entry = stored[0]
    assert entry["suite"] == "s1" and entry["kind"] == "jsonl" and entry["path"] == "../data/q.jsonl"
    assert entry["files"] == [
        {"name": "q.jsonl", "sha256": hashlib.sha256(data.read_bytes()).hexdigest(), "bytes": data.stat().st_size}
    ]
    assert (entry["n_records"], entry["n_items"], entry["attribution"]) == (4, 4, "出典：テスト用データ")
    assert str(tmp_path) not in json.dumps(stored)  # no absolute path is published
    assert summary["suites"][0]["vendors"]["oracle"]["score"] == 1.0
    # the run never needs the data again
    data.unlink()
    again = evalkit("report", str(out), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    # resuming with other data is refused, as for an edited suite file
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:5])
    resumed = evalkit("run", "--resume", str(out), "-q", cwd=tmp_path)
    assert resumed.returncode == 2 and "configuration differs from the run stored there: suite 's1'" in resumed.stderr


def test_a_full_run_lists_skipped_optional_suites(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS[:2])
    suite_file(tmp_path, SOURCE)
    suite_file(
        tmp_path,
        'source:\n  path: "${MY_DATA_DIR:-../data}/absent.jsonl"\n  optional: true\n',
        sid="s2",
        name="suites/s2.yaml",
    )
    write(tmp_path, "vendors/oracle.yaml", VENDOR)
    env = {k: v for k, v in clean_env().items() if k != "MY_DATA_DIR"}
    proc = evalkit("run", "--out", str(tmp_path / "run"), "-q", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    datasets = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))["datasets"]
    assert [(d["suite"], d["status"]) for d in datasets] == [("s1", "loaded"), ("s2", "skipped")]
    assert datasets[1]["reason"] == "data not found: data/absent.jsonl; set MY_DATA_DIR to the folder that holds it"
    assert datasets[1]["path"] == "${MY_DATA_DIR:-../data}/absent.jsonl"


def test_problems_of_many_source_items_are_capped(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", RECORDS)
    suite_file(tmp_path, "source:\n  path: ../data/q.jsonl\n  id: 'q{{ no }}'\n")
    found = problems(tmp_path)
    assert len(found) == 11
    assert found[:2] == [
        "suites/s1.yaml:9:3: source: item 'q1': scorer 'exact' needs a reference",
        "suites/s1.yaml:9:3: source: item 'q10': scorer 'exact' needs a reference",
    ]
    assert found[-1] == "suites/s1.yaml:9:3: source: more problems: 10 further items read from the source (not shown)"


def test_whole_record_and_typed_values(tmp_path):
    jsonl(tmp_path, "data/q.jsonl", [{"context-condition": "ambig", "label": 2, "q": "問", "a": ""}])
    suite_file(
        tmp_path,
        """\
        source:
          path: ../data/q.jsonl
          mapping:
            vars.question: "{{ q }}"
            meta.condition: "{{ record['context-condition'] }}"
            meta.label: "{{ label }}"
            meta.label_text: "ラベル{{ label }}"
            reference: "{{ a }}"
            expect: answer
            critical: "{{ label > 1 }}"
            tags: [外部, "条件:{{ record['context-condition'] }}"]
        scorers: null
        """.replace("        scorers: null\n", ""),
    )
    ws = load_workspace([tmp_path / "suites"])
    item = ws.suites[0].model.items[0]
    assert item.meta == {"condition": "ambig", "label": 2, "label_text": "ラベル2"}
    assert item.reference is None and item.expect == "answer" and item.critical is True
    assert item.tags == ["外部", "条件:ambig"]
