"""The ready lawqa_jp suites against the sample of the real data: choice scoring and order sensitivity.

The sample (../shared/samples/lawqa_jp_selection.sample.json, 5 questions) is copied into tmp_path as
``selection.json``, and a ``selection_randomized.json`` is built from it the way the data set's own
is shaped (the same records with 回答オーダーマップ番号 1–4, options permuted, ``output`` re-lettered).
The suites are the repository's own files, pointed at tmp_path with EVALKIT_LAWQA_DIR.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES, clean_env, evalkit

SAMPLE = SAMPLES / "lawqa_jp_selection.sample.json"
SUITES = [REPO / "suites" / "external" / "lawqa_jp.yaml", REPO / "suites" / "external" / "lawqa_jp_randomized.yaml"]
ATTRIBUTION = "出典：デジタル庁「日本の法令に関する多肢選択式QAデータセット」(lawqa_jp)、PDL1.0"
# Orders 1-4 of the first question keep its option a in place (a vendor that always answers "a"
# chooses the same text every time); the other questions rotate, so option a moves.
KEEP_A = [(0, 1, 2, 3), (0, 2, 3, 1), (0, 3, 1, 2), (0, 1, 3, 2)]
ROTATE = [(0, 1, 2, 3), (1, 2, 3, 0), (2, 3, 0, 1), (3, 0, 1, 2)]


@pytest.fixture
def lawqa_dir(tmp_path: Path) -> Path:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    folder = tmp_path / "lawqa"
    folder.mkdir()
    (folder / "selection.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    randomized = []
    for n, record in enumerate(data["samples"]):
        options = [line.split(" ", 1)[1] for line in record["選択肢"].splitlines()]
        answer = "abcd".index(record["output"])
        for order, perm in enumerate(KEEP_A if n == 0 else ROTATE, 1):
            randomized.append(
                {
                    **record,
                    "回答オーダーマップ番号": str(order),
                    "選択肢": "\n".join(f"{'abcd'[i]} {options[j]}" for i, j in enumerate(perm)),
                    "output": "abcd"[perm.index(answer)],
                }
            )
    (folder / "selection_randomized.json").write_text(
        json.dumps({"samples": randomized}, ensure_ascii=False), encoding="utf-8"
    )
    return folder


def test_end_to_end_against_the_reference_endpoint(lawqa_dir, tmp_path):
    out = tmp_path / "run"
    env = {**clean_env(), "EVALKIT_LAWQA_DIR": str(lawqa_dir)}
    proc = evalkit(
        "run",
        "-s",
        "external.lawqa_jp",
        "-s",
        "external.lawqa_jp_randomized",
        "-v",
        "ref-oracle",
        "-v",
        "ref-refuse",
        "--out",
        str(out),
        "-q",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    suites = {s["id"]: s for s in summary["suites"]}
    assert suites["external.lawqa_jp"]["n_items"] == 5
    assert suites["external.lawqa_jp_randomized"]["n_items"] == 15  # orders 2-4 (order 1 is the original)
    # the shuffled copies are diagnostic: admin.legal and the total count lawqa_jp's questions once
    assert (suites["external.lawqa_jp"]["weight"], suites["external.lawqa_jp_randomized"]["weight"]) == (1, 0)
    html = (out / "report.html").read_text(encoding="utf-8")
    row = html.split('<tr data-suite="external.lawqa_jp_randomized">', 1)[1].split("</tr>", 1)[0]
    assert "診断用（総合に含めない）" in row
    assert "診断用" not in html.split('<tr data-suite="external.lawqa_jp">', 1)[1].split("</tr>", 1)[0]
    for sid in suites:
        assert suites[sid]["vendors"]["ref-oracle"]["score"] == 1.0
        assert suites[sid]["vendors"]["ref-refuse"]["score"] == 0.0
    rows = {r["vendor"]: r for r in summary["order_sensitivity"]}
    assert rows["ref-oracle"] == {
        "vendor": "ref-oracle",
        "suite": "external.lawqa_jp",
        "suites": ["external.lawqa_jp", "external.lawqa_jp_randomized"],
        "n_questions": 5,
        "n_changed": 0,
        "rate": 0.0,
        "n_answers": 20,
    }
    assert rows["ref-refuse"]["n_questions"] == 0 and rows["ref-refuse"]["rate"] is None  # no choice: left out
    datasets = {d["suite"]: d for d in summary["datasets"]}
    for sid, name in (
        ("external.lawqa_jp", "selection.json"),
        ("external.lawqa_jp_randomized", "selection_randomized.json"),
    ):
        entry = datasets[sid]
        assert entry["attribution"] == ATTRIBUTION and entry["kind"] == "json" and entry["records"] == "samples"
        assert entry["path"].startswith("${EVALKIT_LAWQA_DIR:-")
        assert entry["files"][0]["name"] == name
        assert entry["files"][0]["sha256"] == hashlib.sha256((lawqa_dir / name).read_bytes()).hexdigest()
    assert (datasets["external.lawqa_jp"]["n_records"], datasets["external.lawqa_jp_randomized"]["n_records"]) == (
        5,
        20,
    )


def _store_with_answers(tmp_path: Path, lawqa_dir: Path, monkeypatch, answer) -> tuple:
    """The two suites loaded from the repo files, a run store whose responses come from ``answer``."""
    from evalkit.config import load_workspace
    from evalkit.config.vendor import Vendor
    from evalkit.runner.plan import plan
    from evalkit.runner.store import Response, RunStore
    from evalkit.scorers.apply import score_store

    monkeypatch.setenv("EVALKIT_LAWQA_DIR", str(lawqa_dir))
    ws = load_workspace(SUITES, REPO / "suites" / "criteria.yaml")
    assert not ws.issues and not ws.notices, ws.issues
    suites = [s.model for s in ws.suites]
    vendors = [
        Vendor.model_validate({"id": vid, "name": vid, "provider": "reference", "model": "oracle"})
        for vid in ("first", "by-text")
    ]
    store = RunStore.open_dir(tmp_path / "run")
    store.set_meta("suites", [s.model_dump(mode="json") for s in suites])
    requests = plan(suites, vendors)
    store.add_requests(requests)
    items = {(s.id, i.id): i for s in suites for i in s.items}
    for req in requests:
        store.put_response(
            Response(
                req.key, ok=True, content=answer(req.vendor_id, items[(req.suite_id, req.item_id)]), latency_ms=1.0
            )
        )
    score_store(store)
    return store, suites, vendors


def test_order_sensitivity_of_a_position_biased_vendor(lawqa_dir, tmp_path, monkeypatch):
    from evalkit.analysis.order import order_sensitivity
    from evalkit.scorers.choice import parse_options

    def answer(vendor: str, item) -> str:
        if vendor == "first":
            return "a"  # always the first option, whatever it says
        # answers with the text of the option that was correct in the original order, in full width
        options = parse_options(item.vars["choices"])
        return f"答えは「{options['abcd'.index(item.reference)]}」です"

    store, suites, vendors = _store_with_answers(tmp_path, lawqa_dir, monkeypatch, answer)
    with store:
        rows = {r["vendor"]: r for r in order_sensitivity(store, suites, [v.id for v in vendors])}
        scores = dict(
            store.db.execute(
                "SELECT r.vendor_id || '/' || r.suite_id, AVG(s.score) FROM scores s JOIN requests r ON r.key = s.key "
                "GROUP BY r.vendor_id, r.suite_id"
            ).fetchall()
        )
    # 5 questions x (original + 3 shuffles); option a keeps its text only in the first question
    assert rows["first"] == {
        "vendor": "first",
        "suite": "external.lawqa_jp",
        "suites": ["external.lawqa_jp", "external.lawqa_jp_randomized"],
        "n_questions": 5,
        "n_changed": 4,
        "rate": 0.8,
        "n_answers": 20,
    }
    assert rows["by-text"]["n_changed"] == 0 and rows["by-text"]["rate"] == 0.0
    # choice scoring of the sample: answers by option text are recognised and always right; "a" is
    # right exactly where the reference is a (none of the originals: c, b, b, b, c)
    assert scores["by-text/external.lawqa_jp"] == 1.0 and scores["by-text/external.lawqa_jp_randomized"] == 1.0
    assert scores["first/external.lawqa_jp"] == 0.0


def test_suites_are_skipped_without_the_data(tmp_path):
    env = {**clean_env(), "EVALKIT_LAWQA_DIR": str(tmp_path / "absent")}
    proc = evalkit("validate", *map(str, SUITES), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "0 suites" in proc.stdout
