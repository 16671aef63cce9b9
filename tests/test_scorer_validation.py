"""The labelled scorer validation set (tests/data/scorer_validation/*.jsonl) and bench/scorers.py.

The set is a measurement: these tests check that it is well formed and that the bench script runs
end to end. They never assert an accuracy — a scorer change that moves the numbers is what the
bench is for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from conftest import REPO, clean_env

from evalkit.config.suite import Item
from evalkit.scorers import build

DATA = REPO / "tests" / "data" / "scorer_validation"
BENCH = REPO / "bench" / "scorers.py"
MINIMUM = {"refusal": 80, "leak": 60, "choice": 50, "numeric": 60, "claims": 40, "preservation": 40}
FIELDS = {"id", "family", "scorer", "item", "answer", "label", "note"}


def records() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(DATA.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                out.append((f"{path.name}:{number}", json.loads(line)))
    return out


def test_every_line_parses_with_the_fields_and_labels():
    rows = records()
    assert rows, "no data"
    for where, rec in rows:
        assert set(rec) == FIELDS, where
        assert rec["label"] in ("pass", "fail"), where
        assert rec["family"] in MINIMUM, where
        assert isinstance(rec["answer"], str) and rec["answer"].strip(), where
        assert isinstance(rec["note"], str) and rec["note"].strip(), where
        assert set(rec["scorer"]) <= {"kind", "params"}, where
        assert set(rec["item"]) <= {"id", "vars", "reference", "expect", "meta"}, where


def test_ids_are_unique():
    ids = Counter(rec["id"] for _, rec in records())
    assert [i for i, n in ids.items() if n > 1] == []


def test_every_scorer_builds_and_can_score_its_item():
    for where, rec in records():
        scorer = build(rec["scorer"]["kind"], rec["scorer"].get("params", {}))
        item = Item.model_validate(rec["item"])
        assert scorer.check_item(item) is None, where
        scorer.score(rec["answer"], item)  # never raises


def test_counts_per_family_and_both_labels():
    rows = [rec for _, rec in records()]
    families = Counter(rec["family"] for rec in rows)
    for family, least in MINIMUM.items():
        assert families[family] >= least, (family, families[family])
        labels = Counter(rec["label"] for rec in rows if rec["family"] == family)
        assert labels["pass"] >= 10 and labels["fail"] >= 10, (family, labels)
    assert len(rows) >= 330


def test_bench_prints_the_table_and_the_targets():
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--show-errors"],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "false pass" in out and "false fail" in out and "routed" in out
    for title in ("refusal", "leak", "choice", "numeric and dates", "claims", "preservation"):
        assert title in out
    for kind in ("refusal", "leak", "pii", "choice", "numeric", "contains", "claims", "preserve"):
        assert any(line.startswith(kind + " ") for line in out.splitlines()), kind
    assert "≥ 97%" in out and "≥ 99%" in out
    assert "misjudged (" in out


def test_bench_reports_malformed_data_with_file_and_line(tmp_path):
    good = next(iter(records()))[1]
    bad_params = dict(good, id="x-2", scorer={"kind": good["scorer"]["kind"], "params": {"no_such_param": 1}})
    lines = [json.dumps(good, ensure_ascii=False), json.dumps(bad_params, ensure_ascii=False)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--data", str(tmp_path)],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "a.jsonl:2" in proc.stderr and "no_such_param" in proc.stderr

    (tmp_path / "a.jsonl").write_text(lines[0] + "\n{not json\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--data", str(tmp_path)],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "a.jsonl:2" in proc.stderr

    (tmp_path / "a.jsonl").write_text(lines[0] + "\n" + lines[0] + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--data", str(tmp_path)],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "duplicate id" in proc.stderr and "a.jsonl:2" in proc.stderr
