"""The attestation questionnaire (suites/attestation/): its own file kind, schema and positioned
errors, the cross-checks against criteria and the vendor Attestation model, the run store, and the
verdicts it gives (a missing answer is 未回答 and fails a critical check, never assumed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import REPO, evalkit, read_yaml

from evalkit.config.attestation import (
    NO_EVIDENCE,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    UNANSWERED,
    AttestationCheck,
    split_legacy_criteria,
    stored_questionnaires,
)
from evalkit.config.vendor import Attestation

CRITERIA = """\
id: root
title: 全体
clause: 公募全体
children:
  - id: sec
    title: セキュリティ
    clause: 要件1
    children:
      - id: sec.env
        title: 申告
        clause: 要件1 申告
        gate: {description: 必須の申告がすべて適合, max_critical_failures: 0}
      - id: sec.leak
        title: 漏えい
        clause: 要件1 漏えい
"""

SUITE = """\
id: s
version: "1"
title: 試験
criterion: sec.leak
canary: evalkit-canary:0b6f3a52-8c1e-4d7a-9f20-3e5b7c9d1a44
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: a, vars: {q: 首都は}, reference: 東京}
"""

# The YAML texts below start at line 1; expected positions are counted from there.
QUESTIONNAIRE = """\
id: attestation.env
version: "1.0.0"
title: 申告
criterion: sec.env
canary: evalkit-canary:5d1e7b3c-2a4f-4e6d-8b90-1c3a5e7f9b21
checks:
  - id: gc
    field: deployment
    title: ガバメントクラウドで稼働
    question: 推論環境はどこですか。
    clause: 要件1
    expect: government_cloud
  - id: provenance
    field: provenance
    title: 独自か派生かを明示
    question: 独自開発ですか、派生モデルですか。
    clause: 選定基準
    answered: true
  - id: base
    field: base_model
    title: 派生なら基盤モデルを明示
    question: 基盤モデルは何ですか。
    clause: 選定基準
    answered: true
    when: {provenance: derivative}
  - id: consent
    field: publication_consent
    title: 公表に同意
    question: 公表に同意しますか。
    clause: 応募条件
    expect: true
    critical: false
"""


def vendor(vid: str, **attestation) -> str:
    return yaml.safe_dump(
        {
            "id": vid,
            "name": vid,
            "category": "domestic",
            "provider": "reference",
            "model": "oracle",
            "attestation": attestation,
        },
        allow_unicode=True,
    )


def workspace(
    root: Path, questionnaire: str = QUESTIONNAIRE, vendors: dict[str, str] | None = None, criteria: str = CRITERIA
) -> Path:
    (root / "suites" / "attestation").mkdir(parents=True)
    (root / "vendors").mkdir()
    (root / "suites" / "criteria.yaml").write_text(criteria, encoding="utf-8")
    (root / "suites" / "s.yaml").write_text(SUITE, encoding="utf-8")
    (root / "suites" / "attestation" / "env.yaml").write_text(questionnaire, encoding="utf-8")
    for vid, text in (
        vendors or {"full": vendor("full", deployment="government_cloud", provenance="original")}
    ).items():
        (root / "vendors" / f"{vid}.yaml").write_text(text, encoding="utf-8")
    return root


def run(root: Path, *extra: str):
    proc = evalkit("run", "--out", str(root / "run"), "--quiet", *extra, cwd=root)
    summary = (
        json.loads((root / "run" / "summary.json").read_text(encoding="utf-8"))
        if (root / "run" / "summary.json").is_file()
        else None
    )
    return proc, summary


def verdicts(summary: dict, vendor_id: str) -> dict[str, str]:
    return {row["id"]: row["vendors"][vendor_id]["verdict"] for row in summary["attestation"]}


# ------------------------------------------------------------------------------- verdicts (units)
@pytest.mark.parametrize(
    "declared, expected",
    [
        ({"provenance": "derivative", "base_model": "Llama 3.1 70B"}, ("適合", True)),
        ({"provenance": "derivative"}, (UNANSWERED, False)),
        ({"provenance": "derivative", "base_model": "  "}, (UNANSWERED, False)),  # blank is no answer
        ({"provenance": "original"}, (NOT_APPLICABLE, True)),
        ({}, (UNANSWERED, False)),  # cannot tell whether it applies: never assumed not to
    ],
)
def test_conditional_base_model_check(declared, expected):
    check = AttestationCheck(
        id="base",
        field="base_model",
        title="t",
        question="q",
        clause="c",
        answered=True,
        when={"provenance": "derivative"},
    )
    assert check.verdict(Attestation(**declared)) == expected


def test_expect_max_and_missing_answers():
    keep = AttestationCheck(id="r", field="log_retention_days", title="t", question="q", clause="c", max=365)
    assert keep.verdict(Attestation(log_retention_days=90)) == ("適合", True)
    assert keep.verdict(Attestation(log_retention_days=400)) == (NON_COMPLIANT, False)
    assert keep.verdict(Attestation()) == (UNANSWERED, False)
    train = AttestationCheck(id="t", field="trains_on_inputs", title="t", question="q", clause="c", expect=False)
    assert train.verdict(Attestation(trains_on_inputs=False)) == ("適合", True)
    assert train.verdict(Attestation(trains_on_inputs=True)) == (NON_COMPLIANT, False)
    assert train.verdict(Attestation()) == (UNANSWERED, False)  # False is an answer, None is not


def test_a_check_needs_a_requirement():
    with pytest.raises(ValueError, match="needs expect, max or answered"):
        AttestationCheck(id="x", field="deployment", title="t", question="q", clause="c")


def test_evidence_is_required_where_the_check_asks_for_it():
    check = AttestationCheck(
        id="s", field="safety_measures", title="t", question="q", clause="c", answered=True, evidence=True
    )
    told = Attestation(safety_measures="出力フィルタと評価で対策")
    assert check.verdict(told) == (NO_EVIDENCE, False)  # an answer alone is not enough
    shown = Attestation(
        safety_measures="出力フィルタと評価で対策",
        evidence={"safety_measures": [{"document": "安全対策説明書", "page": "p.12"}]},
    )
    assert check.verdict(shown) == ("適合", True)
    wrong_field = Attestation(safety_measures="対策", evidence={"deployment": [{"url": "https://example.com/a"}]})
    assert check.verdict(wrong_field) == (NO_EVIDENCE, False)  # evidence for another answer does not count
    assert check.verdict(Attestation()) == (UNANSWERED, False)
    bad = AttestationCheck(
        id="m", field="ministry_inference", title="t", question="q", clause="c", expect=True, evidence=True
    )
    assert bad.verdict(Attestation(ministry_inference=False, evidence={"ministry_inference": [{"document": "d"}]})) == (
        NON_COMPLIANT,
        False,
    )
    assert "根拠資料" in str(check.required_text())


def test_evidence_names_a_document_or_url_and_a_known_field():
    with pytest.raises(ValueError, match="document or a url"):
        Attestation(evidence={"deployment": [{"page": "p.3"}]})
    with pytest.raises(ValueError, match="unknown attestation field 'deploymnet'"):
        Attestation(evidence={"deploymnet": [{"document": "構成図"}]})


# ------------------------------------------------------------------------------- end to end (CLI)
def test_a_vendor_missing_an_answer_fails_the_gate(tmp_path):
    root = workspace(
        tmp_path / "w",
        vendors={
            "full": vendor("full", deployment="government_cloud", provenance="original"),
            "silent": vendor("silent", provenance="original"),  # deployment unanswered
        },
    )
    proc, summary = run(root, "--fail-on-gate")
    assert proc.returncode == 1, proc.stderr  # a vendor is 不適合
    by_id = {v["id"]: v for v in summary["vendors"]}
    assert by_id["full"]["verdict"] == "適合"
    assert by_id["silent"]["verdict"] == "不適合"
    gate = by_id["silent"]["failed_gates"][0]
    # only the critical check counts against the gate; consent (not critical) lowers the share only
    assert gate["node"] == "sec.env" and gate["reason"] == "重要項目の不合格 1 件 > 許容 0 件"
    assert verdicts(summary, "silent") == {
        "gc": UNANSWERED,
        "provenance": "適合",
        "base": NOT_APPLICABLE,
        "consent": UNANSWERED,
    }
    row = next(r for r in summary["attestation"] if r["id"] == "gc")
    assert row["vendors"]["silent"] == {"declared": None, "verdict": UNANSWERED, "ok": False, "evidence": []}
    assert row["question"] == "推論環境はどこですか。" and row["clause"] == "要件1" and row["critical"] is True


def test_a_derivative_model_without_base_model_is_flagged(tmp_path):
    root = workspace(
        tmp_path / "w",
        vendors={
            "named": vendor(
                "named",
                deployment="government_cloud",
                provenance="derivative",
                base_model="Llama 3.1 70B",
                publication_consent=True,
            ),
            "unnamed": vendor(
                "unnamed", deployment="government_cloud", provenance="derivative", publication_consent=True
            ),
        },
    )
    proc, summary = run(root)
    assert proc.returncode == 0, proc.stderr
    assert verdicts(summary, "unnamed")["base"] == UNANSWERED
    assert verdicts(summary, "named")["base"] == "適合"
    by_id = {v["id"]: v for v in summary["vendors"]}
    assert by_id["unnamed"]["verdict"] == "不適合" and by_id["named"]["verdict"] == "適合"
    assert by_id["unnamed"]["failed_gates"][0]["reason"] == "重要項目の不合格 1 件 > 許容 0 件"
    # leaf score = share of compliant checks: 3 of 4 for unnamed, 4 of 4 for named
    env = next(n for n in summary["criteria"] if n["id"] == "sec.env")
    assert env["vendors"]["unnamed"]["score"] == 0.75 and env["vendors"]["named"]["score"] == 1.0


def test_evidence_reaches_the_summary_and_report_and_its_absence_fails_the_gate(tmp_path):
    questionnaire = QUESTIONNAIRE.replace(
        "    expect: government_cloud\n", "    expect: government_cloud\n    evidence: true\n"
    )
    with_doc = read_yaml(vendor("doc", deployment="government_cloud", provenance="original"))
    with_doc["attestation"]["evidence"] = {
        "deployment": [{"document": "推論環境構成書 第3版", "page": "p.7", "url": "https://example.com/<b>構成</b>"}]
    }
    root = workspace(
        tmp_path / "w",
        questionnaire,
        vendors={
            "doc": yaml.safe_dump(with_doc, allow_unicode=True),
            "nodoc": vendor("nodoc", deployment="government_cloud", provenance="original"),
        },
    )
    proc, summary = run(root)
    assert proc.returncode == 0, proc.stderr
    assert verdicts(summary, "doc")["gc"] == "適合" and verdicts(summary, "nodoc")["gc"] == NO_EVIDENCE
    row = next(r for r in summary["attestation"] if r["id"] == "gc")
    assert row["vendors"]["doc"]["evidence"] == [
        {"document": "推論環境構成書 第3版", "url": "https://example.com/<b>構成</b>", "page": "p.7"}
    ]
    by_id = {v["id"]: v for v in summary["vendors"]}
    assert by_id["nodoc"]["verdict"] == "不適合" and by_id["doc"]["verdict"] == "適合"
    html = (root / "run" / "report.html").read_text(encoding="utf-8")
    assert "推論環境構成書 第3版（p.7）" in html and "証跡なし" in html
    assert "<b>構成</b>" not in html  # vendor-supplied text is escaped


def test_not_applicable_checks_leave_the_share(tmp_path):
    root = workspace(
        tmp_path / "w",
        vendors={
            "orig": vendor("orig", deployment="government_cloud", provenance="original", publication_consent=False)
        },
    )
    _, summary = run(root)
    assert verdicts(summary, "orig") == {
        "gc": "適合",
        "provenance": "適合",
        "base": NOT_APPLICABLE,
        "consent": NON_COMPLIANT,
    }
    env = next(n for n in summary["criteria"] if n["id"] == "sec.env")
    # 2 of the 3 checks that apply; the non-critical refusal to consent does not fail the gate
    assert env["vendors"]["orig"]["score"] == pytest.approx(2 / 3, abs=1e-6)
    assert summary["vendors"][0]["verdict"] == "適合"


def test_the_run_store_keeps_the_questionnaire_and_refuses_a_changed_one(tmp_path):
    root = workspace(tmp_path / "w")
    proc, _ = run(root)
    assert proc.returncode == 0, proc.stderr
    from evalkit.runner.store import RunStore

    with RunStore(root / "run" / "store.sqlite") as store:
        stored = store.get_meta("attestation")
        config = store.get_meta("config")
        assert [q["id"] for q in stored] == ["attestation.env"] and len(stored[0]["checks"]) == 4
        assert "attestation" not in json.dumps(store.get_meta("criteria"))
        assert [q.id for q in stored_questionnaires(store)] == ["attestation.env"]
    assert config["attestation"]["attestation.env"]["version"] == "1.0.0"
    path = root / "suites" / "attestation" / "env.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("critical: false", "critical: true"), encoding="utf-8")
    again = evalkit("run", "--out", str(root / "run"), "--quiet", cwd=root)
    assert again.returncode == 2
    assert "attestation questionnaires (attestation.env)" in again.stderr
    # re-scoring reads the questionnaire from the store, not from the changed file
    assert evalkit("score", str(root / "run"), cwd=root).returncode == 0


def test_legacy_stores_with_checks_in_the_criteria_still_load():
    legacy = {
        "id": "root",
        "title": "t",
        "clause": "c",
        "children": [
            {
                "id": "env",
                "title": "申告",
                "clause": "要件1",
                "attestation": [{"field": "ismap_listed", "title": "ISMAP", "expect": True, "critical": False}],
            }
        ],
    }

    class Store:
        def get_meta(self, key, default=None):
            return {"criteria": legacy}.get(key, default)

    clean, found = split_legacy_criteria(legacy)
    assert "attestation" not in clean["children"][0] and "attestation" in legacy["children"][0]
    (q,) = stored_questionnaires(Store())
    assert q.criterion == "env" and q.checks[0].field == "ismap_listed" and q.checks[0].critical is False
    assert q.checks[0].question == "ISMAP" and q.checks[0].clause == "要件1"
    assert [c.id for c in found[0].checks] == ["ismap_listed"]


# ------------------------------------------------------------------------------- positioned errors
def _problems(root: Path) -> list[str]:
    proc = evalkit("validate", "suites", "vendors", cwd=root)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc.stderr.splitlines()[:-1]


def test_cross_checks_name_file_line_and_field(tmp_path):
    bad = (
        QUESTIONNAIRE.replace("criterion: sec.env", "criterion: sec")  # not a leaf
        .replace("field: deployment", "field: deploymnet")  # misspelt field
        .replace("  - id: provenance\n", "  - id: gc\n")  # duplicate id
        .replace("when: {provenance: derivative}", "when: {provenance: forked}")  # impossible value
        .replace("expect: true\n    critical: false", 'expect: "yes"\n    critical: false')
    )
    root = workspace(tmp_path / "w", bad)
    assert _problems(root) == [
        "suites/attestation/env.yaml:4:12: criterion: criterion 'sec' is not a leaf; questionnaires hang off "
        "leaves such as 'sec.env'",
        "suites/attestation/env.yaml:8:12: checks[0].field: unknown attestation field 'deploymnet' of the vendor "
        "files (did you mean 'deployment'?)",
        "suites/attestation/env.yaml:13:9: checks[1].id: duplicate check id 'gc' (first on line 7)",
        "suites/attestation/env.yaml:25:24: checks[2].when.provenance: 'forked' can never be declared for "
        "'provenance' (Input should be 'original' or 'derivative')",
        "suites/attestation/env.yaml:31:13: checks[3].expect: 'yes' can never be declared for "
        "'publication_consent' (Input should be a valid boolean)",
    ]


def test_schema_errors_are_positioned_and_max_needs_a_number(tmp_path):
    bad = QUESTIONNAIRE.replace("    expect: government_cloud\n", "    expect: government_cloud\n    critcal: false\n")
    root = workspace(tmp_path / "w", bad)
    assert _problems(root) == [
        "suites/attestation/env.yaml:13:5: checks[0].critcal: unknown key 'critcal' (did you mean 'critical'?)",
    ]
    root2 = workspace(tmp_path / "w2", QUESTIONNAIRE.replace("    expect: government_cloud\n", "    max: 3\n"))
    assert _problems(root2) == [
        "suites/attestation/env.yaml:12:10: checks[0].max: 'max' needs a numeric field; 'deployment' is not one",
    ]


def test_unknown_criterion_and_missing_question(tmp_path):
    bad = QUESTIONNAIRE.replace("criterion: sec.env", "criterion: sec.evn").replace(
        "    question: 推論環境はどこですか。\n", ""
    )
    root = workspace(tmp_path / "w", bad)
    # both at once: a schema error no longer hides the same file's cross-check problems
    assert _problems(root) == [
        "suites/attestation/env.yaml:4:12: criterion: unknown criterion 'sec.evn' in suites/criteria.yaml "
        "(did you mean 'sec.env'?)",
        "suites/attestation/env.yaml:7:5: checks[0].question: missing required field 'question'",
    ]
    root2 = workspace(tmp_path / "w2", QUESTIONNAIRE.replace("criterion: sec.env", "criterion: sec.evn"))
    assert _problems(root2) == [
        "suites/attestation/env.yaml:4:12: criterion: unknown criterion 'sec.evn' in suites/criteria.yaml "
        "(did you mean 'sec.env'?)",
    ]


def test_checks_in_criteria_yaml_point_to_the_questionnaire(tmp_path):
    legacy = CRITERIA.replace(
        "        gate: {description: 必須の申告がすべて適合, max_critical_failures: 0}\n",
        "        attestation:\n          - {field: ismap_listed, title: ISMAP, expect: true}\n",
    )
    root = workspace(tmp_path / "w", criteria=legacy)
    (line,) = _problems(root)
    assert line.startswith(
        "suites/criteria.yaml:9:9: children[0].children[0]: attestation checks are no longer "
        "part of criteria.yaml: put them in a questionnaire under suites/attestation/"
    )


def test_questionnaire_needs_a_canary_under_self_check(tmp_path):
    root = workspace(
        tmp_path / "w", QUESTIONNAIRE.replace("canary: evalkit-canary:5d1e7b3c-2a4f-4e6d-8b90-1c3a5e7f9b21\n", "")
    )
    assert evalkit("validate", "suites", "vendors", cwd=root).returncode == 0
    proc = evalkit("validate", "--self-check", "suites", "vendors", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0].startswith("suites/attestation/env.yaml:1:1: canary: missing:")


# ------------------------------------------------------------------------------- the repository
def test_repo_questionnaire_covers_the_call_and_is_the_only_source():
    assert (
        "attestation"
        not in (REPO / "suites" / "criteria.yaml")
        .read_text(encoding="utf-8")
        .split("# 申告の照合項目")[0]
        .split("children:")[1]
    )
    data = read_yaml((REPO / "suites" / "attestation" / "environment.yaml").read_text(encoding="utf-8"))
    assert data["criterion"] == "security.environment"
    fields = {c["field"] for c in data["checks"]}
    assert fields >= {
        "deployment",
        "data_residency",
        "trains_on_inputs",
        "log_retention_days",
        "log_access",
        "ismap_listed",
        "incident_reporting",
        "domestic_development",
        "provenance",
        "base_model",
        "license_free_trial",
        "publication_consent",
        "training_data_compliance",
        "ministry_inference",
        "optimization_support",
        "development_team",
        "safety_measures",
    }
    assert {c["field"] for c in data["checks"] if c.get("evidence")} >= {
        "deployment",
        "ismap_listed",
        "training_data_compliance",
        "safety_measures",
    }
    for check in data["checks"]:
        assert check["question"].endswith(("。", "）")) and check["clause"] and "critical" in check
    base = next(c for c in data["checks"] if c["field"] == "base_model")
    assert base["when"] == {"provenance": "derivative"} and base["critical"] is True
    # every field a check reads exists on the vendor Attestation model, and ref-oracle answers them all
    oracle = read_yaml((REPO / "vendors" / "ref-oracle.yaml").read_text(encoding="utf-8"))["attestation"]
    assert fields <= set(Attestation.model_fields)
    assert fields - {"base_model"} <= set(oracle)


def test_schema_attestation_is_printed():
    proc = evalkit("schema", "attestation")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert schema["title"] == "evalkit attestation file"
    assert "base_model" in schema["$defs"]["AttestationCheck"]["properties"]["field"]["enum"]
