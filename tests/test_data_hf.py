"""``kind: hf`` sources: local data files and folders through ``datasets``, and the offline hub error.

No test touches the network: hub ids are made up and HF_HUB_OFFLINE=1 is set, and the datasets
cache is a folder of the test (HF_HOME).
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from conftest import evalkit, own_env
from test_data_sources import CRITERIA, HEAD, RECORDS, jsonl, write


def cli(root: Path, *args: str, offline: bool = True) -> subprocess.CompletedProcess:
    env = own_env(HF_HOME=str(root / "hf"), **({"HF_HUB_OFFLINE": "1"} if offline else {}))
    return evalkit(*args, cwd=root, env=env)


def suite(root: Path, source: str, name: str = "s1") -> None:
    write(root, "suites/criteria.yaml", CRITERIA)
    write(root, f"suites/{name}.yaml", HEAD.format(sid=name) + source)


def test_offline_hub_id_is_one_clear_line(tmp_path):
    suite(tmp_path, "source:\n  kind: hf\n  path: evalkit-tests/no-such-dataset\n  split: train\n")
    proc = cli(tmp_path, "validate", "suites")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "suites/s1.yaml:10:9: source.path: cannot load 'evalkit-tests/no-such-dataset' from the Hugging Face hub: "
        "HF_HUB_OFFLINE is set, and it is not in the local datasets cache; point the source at local files "
        "instead (kind: hf with data_files, or kind jsonl/csv/json/parquet with path; see docs/datasets.md)",
        "1 problem(s) found",
    ]


def test_optional_hub_source_offline_is_skipped(tmp_path):
    suite(tmp_path, "source:\n  kind: hf\n  path: evalkit-tests/no-such-dataset\n  optional: true\n")
    write(
        tmp_path,
        "suites/other.yaml",
        HEAD.format(sid="s2") + 'items:\n  - id: a\n    vars: {question: q}\n    reference: "r"\n',
    )
    proc = cli(tmp_path, "validate", "suites")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: criteria suites/criteria.yaml, 1 suites (1 items)")


def test_local_data_files_parquet_and_a_local_folder(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{k: v for k, v in r.items() if k != "tags"} for r in RECORDS[:6]]
    (tmp_path / "data").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "data" / "part.parquet")
    jsonl(tmp_path, "data/folder/train.jsonl", [{k: v for k, v in r.items() if k != "tags"} for r in RECORDS[10:14]])
    mapping = '  id: "q{{ no }}"\n  mapping:\n    reference: "{{ answer }}"\n'
    suite(tmp_path, "source:\n  kind: hf\n  data_files: ../data/part.parquet\n" + mapping, "s1")
    suite(tmp_path, "source:\n  kind: hf\n  path: ../data/folder\n" + mapping, "s2")
    write(tmp_path, "vendors/oracle.yaml", "id: oracle\nname: 参照\nprovider: reference\nmodel: oracle\n")
    proc = cli(tmp_path, "run", "--out", str(tmp_path / "run"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "Generating" not in proc.stderr and "%|" not in proc.stderr
    import json

    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    by_suite = {d["suite"]: d for d in summary["datasets"]}
    assert by_suite["s1"]["n_items"] == 6 and by_suite["s2"]["n_items"] == 4
    digest = hashlib.sha256((tmp_path / "data" / "part.parquet").read_bytes()).hexdigest()
    assert by_suite["s1"]["files"][0]["sha256"] == digest and by_suite["s1"]["builder"] == "parquet"
    assert [f["name"] for f in by_suite["s2"]["files"]] == ["train.jsonl"]
    assert all(s["vendors"]["oracle"]["score"] == 1.0 for s in summary["suites"])


def test_a_missing_data_file_and_a_bad_split(tmp_path):
    jsonl(tmp_path, "data/train.jsonl", RECORDS[:2])
    suite(tmp_path, "source:\n  kind: hf\n  data_files: ../data/nope.jsonl\n")
    proc = cli(tmp_path, "validate", "suites")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == "suites/s1.yaml:10:15: source.data_files: data not found: data/nope.jsonl"
    suite(
        tmp_path,
        "source:\n  kind: hf\n  data_files: {train: ../data/train.jsonl}\n  split: test\n"
        '  mapping: {reference: "{{ answer }}"}\n',
    )
    proc = cli(tmp_path, "validate", "suites")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0].startswith("suites/s1.yaml:11:10: source.split: cannot load the dataset: ")
    assert len(proc.stderr.splitlines()) == 2
