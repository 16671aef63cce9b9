"""Report variants and exports on a run store built row by row (no endpoint, no browser):
the self-test view holds no other vendor's data, the public view no unpublished vendor and no
text of unpublished suites, JUnit XML has the expected test cases, the embedded JSON is safe.

``build_report_run`` is shared with the other test_report_* files.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import evalkit

from evalkit.config.criteria import CriteriaFile
from evalkit.config.suite import Suite
from evalkit.config.vendor import Vendor
from evalkit.pipeline import score_and_report
from evalkit.report.items import script_json
from evalkit.runner.store import PlannedRequest, Response, RunStore

# id, name, category, publish, share of open items passed
VENDORS = [
    ("acme-alpha", "アクメ社α", "domestic", True, 1.0),
    ("bravo-llm", "ブラボー社", "foreign", True, 0.5),
    ("charlie-ai", "チャーリー社", "domestic", False, 0.3),
]
OPEN_ITEMS = [f"p{i:02d}" for i in range(10)]
SEALED_ITEMS = [f"s{i:02d}" for i in range(4)]
CRITERIA = {
    "id": "root",
    "title": "全体",
    "clause": "全体",
    "children": [
        {
            "id": "work",
            "title": "実務",
            "clause": "要件3",
            "weight": 2,
            "gate": {"description": "実務の得点が0.6以上", "min_score": 0.6},
        },
        {
            "id": "day",
            "title": "当日試験",
            "clause": "当日",
            "weight": 1,
            "gate": {"description": "重要設問の不合格なし", "max_critical_failures": 0},
        },
    ],
}


def answer_text(vendor_id: str, item: str) -> str:
    tag = vendor_id.split("-")[0].upper() if vendor_id != "acme-alpha" else "ALPHA"
    return f"{tag}-{'SEALEDANS' if item.startswith('s') else 'ANSWER'}-{item}"


def build_report_run(run_dir: Path, *, error_items: tuple = ("charlie-ai", "p09")) -> Path:
    """A finished run: 3 vendors (one unpublished), an open suite and an unpublished one."""
    suites = [
        Suite.model_validate(
            {
                "id": "open",
                "version": "1",
                "title": "公開スイート",
                "criterion": "work",
                "system_prompt": "あなたは行政職員の補助です。",
                "prompt": "{{ q }}",
                "scorers": [{"kind": "exact"}],
                "items": [
                    {
                        "id": i,
                        "vars": {"q": f"OPEN-PROMPT-{i}"},
                        "reference": "x",
                        "tags": ["区分A" if n % 2 else "区分B"],
                    }
                    for n, i in enumerate(OPEN_ITEMS)
                ],
            }
        ),
        Suite.model_validate(
            {
                "id": "dayof",
                "version": "1",
                "title": "当日公開の試験",
                "criterion": "day",
                "publish": False,
                "prompt": "{{ q }}",
                "scorers": [{"kind": "exact"}],
                "items": [
                    {"id": i, "vars": {"q": f"SEALED-PROMPT-{i}"}, "reference": "x", "critical": True}
                    for i in SEALED_ITEMS
                ],
            }
        ),
    ]
    vendors = [
        Vendor.model_validate(
            {"id": vid, "name": name, "category": cat, "publish": pub, "provider": "reference", "model": "oracle"}
        )
        for vid, name, cat, pub, _ in VENDORS
    ]
    store = RunStore.open_dir(run_dir)
    store.set_meta(
        "manifest",
        {
            "run_id": "views",
            "evalkit_version": "test",
            "started_at": "2026-03-01T00:00:00+00:00",
            "finished_at": "2026-03-01T00:10:00+00:00",
            "epochs": 1,
            "planned_requests": 42,
            "argv": ["run", "--vendor", "acme-alpha", "--vendor", "bravo-llm", "--vendor", "charlie-ai"],
        },
    )
    store.set_meta(
        "config",
        {
            "criteria": {"path": "suites/criteria.yaml", "sha256": "0" * 64},
            "suites": {s.id: {"path": f"suites/{s.id}.yaml", "version": "1", "sha256": "1" * 64} for s in suites},
            "vendors": {v.id: {"path": f"vendors/{v.id}.yaml", "sha256": "2" * 64} for v in vendors},
        },
    )
    store.set_meta("criteria", CriteriaFile.model_validate(CRITERIA).model_dump(mode="json"))
    store.set_meta("suites", [s.model_dump(mode="json") for s in suites])
    store.set_meta("vendors", [v.model_dump(mode="json") for v in vendors])
    requests, scores = [], []
    for vid, _, _, _, share in VENDORS:
        for s in suites:
            for n, item in enumerate(s.items):
                key = f"{vid}|{s.id}|{item.id}|0"
                messages = ([{"role": "system", "content": s.system_prompt}] if s.system_prompt else []) + [
                    {"role": "user", "content": item.vars["q"]}
                ]
                requests.append(PlannedRequest(key, vid, s.id, item.id, 0, messages, {}))
                if (vid, item.id) == tuple(error_items):
                    store.put_response(
                        Response(
                            key,
                            ok=False,
                            error_kind="http",
                            http_status=503,
                            error_message=f"{vid.upper()}-ERROR upstream",
                            attempts=3,
                        )
                    )
                    continue
                store.put_response(
                    Response(
                        key,
                        ok=True,
                        content=answer_text(vid, item.id),
                        latency_ms=100.0 + n,
                        model=f"{vid}-model",
                        system_fingerprint=f"fp-{vid}",
                        prompt_tokens=10,
                        completion_tokens=5,
                    )
                )
                passed = n < share * len(s.items) if s.id == "open" else vid == "acme-alpha"
                scores.append(
                    (
                        key,
                        0,
                        "exact",
                        float(passed),
                        int(passed),
                        1.0,
                        f"{vid.upper()}-EXPLANATION {'一致' if passed else '不一致'}",
                        "{}",
                    )
                )
    store.add_requests(requests)
    store.replace_scores(scores)
    store.close()
    return run_dir


def item_data(html: str) -> dict:
    """The embedded item data of a report, plain or compressed."""
    m = re.search(r'<script type="application/json" id="item-data">(.*?)</script>', html, re.S)
    if m:
        return json.loads(m.group(1))
    m = re.search(r'<script type="application/octet-stream" id="item-data-gz"[^>]*>(.*?)</script>', html, re.S)
    return json.loads(gzip.decompress(base64.b64decode(m.group(1))).decode("utf-8"))


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    run_dir = build_report_run(tmp_path_factory.mktemp("views") / "run")
    score_and_report(run_dir, rescore=False)
    return run_dir


def test_full_report_shows_every_vendor_answer_and_exports(run):
    html = (run / "report.html").read_text(encoding="utf-8")
    for vid, name, *_ in VENDORS:
        assert name in html and f'data-vendor="{vid}"' in html
    data = item_data(html)
    assert [v["id"] for v in data["vendors"]] == ["acme-alpha", "bravo-llm", "charlie-ai"]
    assert len(data["items"]) == len(OPEN_ITEMS) + len(SEALED_ITEMS)
    texts = set(data["s"])
    assert {"ALPHA-ANSWER-p00", "BRAVO-ANSWER-p03", "CHARLIE-ANSWER-p01", "SEALED-PROMPT-s00"} <= texts
    assert any("CHARLIE-AI-ERROR upstream" in t for t in texts)
    for name in ("results.csv", "results.parquet", "summary.json", "results.junit.xml"):
        assert (run / name).is_file(), name


def test_self_test_view_holds_no_other_vendor_anywhere(run):
    out = run / "self.html"
    proc = evalkit("report", str(run), "--vendor", "acme-alpha", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    raw = out.read_text(encoding="utf-8")
    data = item_data(raw)
    blob = raw + json.dumps(data, ensure_ascii=False)  # also the decoded JSON, whatever its encoding
    for other in ("bravo", "BRAVO", "charlie", "CHARLIE", "ブラボー社", "チャーリー社"):
        assert other not in blob, other
    assert "ALPHA-ANSWER-p00" in blob and "アクメ社α" in raw
    assert [v["id"] for v in data["vendors"]] == ["acme-alpha"]
    assert "自己評価ビュー" in raw and 'id="selftest"' in raw
    assert "data-comparison=" not in raw  # no paired comparison with anyone
    # its gates and what to fix are there: the 当日試験 gate passes, 実務 passes (alpha answered all)
    assert 'data-gate="work"' in raw and 'data-gate="day"' in raw


def test_self_test_view_of_a_failing_vendor_names_its_failures(run):
    out = run / "self-charlie.html"
    score_and_report(run, rescore=False, vendor="charlie-ai", out=out)
    raw = out.read_text(encoding="utf-8")
    for other in ("acme-alpha", "ALPHA-", "アクメ社α", "bravo", "BRAVO", "ブラボー社"):
        assert other not in raw + json.dumps(item_data(raw), ensure_ascii=False), other
    selftest = raw[raw.index('id="selftest"') : raw.index('id="gates"')]
    assert "不適合" in selftest and "重要項目の不合格 4 件" in selftest
    for item in SEALED_ITEMS:  # every failed critical item is listed, linked to the drill-down
        assert f'data-goto-item="{item}"' in selftest
    assert "得点の低いスイート" in selftest and "エラー 1 件" in selftest


def test_public_view_hides_unpublished_vendor_and_sealed_text(run):
    out = run / "public.html"
    proc = evalkit("report", str(run), "--public", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    raw = out.read_text(encoding="utf-8")
    data = item_data(raw)
    blob = raw + json.dumps(data, ensure_ascii=False)
    for hidden in ("charlie", "CHARLIE", "チャーリー社", "SEALED-PROMPT", "SEALEDANS"):
        assert hidden not in blob, hidden
    for shown in (
        "アクメ社α",
        "ブラボー社",
        "ALPHA-ANSWER-p00",
        "BRAVO-ANSWER-p00",
        "OPEN-PROMPT-p00",
        "当日公開の試験",
    ):
        assert shown in blob, shown
    sealed = [it for it in data["items"] if it[1] in SEALED_ITEMS]
    assert len(sealed) == len(SEALED_ITEMS) and all(it[4] is None for it in sealed)  # prompt withheld
    for it in sealed:  # scores stay, texts do not
        for cell in it[5]:
            assert cell[0] == 0 and all(e[3] == -1 and e[4] == -1 for e in cell[3])
    ranks = re.findall(r'<tr data-vendor="([^"]+)"[^>]*>\s*<td class="num">(\d+)</td>', raw)
    assert ranks == [("acme-alpha", "1"), ("bravo-llm", "2")]  # re-ranked among the published


def test_variant_errors_are_one_line_exit_2(run):
    proc = evalkit("report", str(run), "--vendor", "nobody")
    assert proc.returncode == 2 and "unknown vendor 'nobody'" in proc.stderr and "Traceback" not in proc.stderr
    proc = evalkit("report", str(run), "--vendor", "charlie-ai", "--public")
    assert proc.returncode == 2 and "publish: false" in proc.stderr


def test_junit_xml_has_a_case_per_gate_and_suite_per_vendor(run):
    tree = ET.parse(run / "results.junit.xml")
    top = tree.getroot()
    assert top.tag == "testsuites"
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    gates = {(g["vendor"], g["node"]): g for g in summary["gates"]}
    suites = {s["id"]: s for s in summary["suites"]}
    by_vendor = {ts.get("name"): ts for ts in top.findall("testsuite")}
    assert set(by_vendor) == {f"evalkit.{vid}" for vid, *_ in VENDORS}
    total = 0
    for vid, *_ in VENDORS:
        cases = by_vendor[f"evalkit.{vid}"].findall("testcase")
        gate_cases = {c.get("name").split()[0]: c for c in cases if c.get("classname") == f"evalkit.{vid}.gates"}
        suite_cases = {c.get("name").split()[0]: c for c in cases if c.get("classname") == f"evalkit.{vid}.suites"}
        assert set(gate_cases) == {"work", "day"} and set(suite_cases) == set(suites)
        for node, case in gate_cases.items():
            gate = gates[(vid, node)]
            failure, error = case.find("failure"), case.find("error")
            if gate["incomplete"]:
                assert error is not None and "判定保留" in error.get("message")
            elif gate["passed"]:
                assert failure is None and error is None
            else:
                assert failure is not None and gate["reason"] in failure.get("message")
                assert "不適合" in failure.get("message")
        total += len(cases)
        counts = by_vendor[f"evalkit.{vid}"]
        assert int(counts.get("tests")) == len(cases)
        assert int(counts.get("failures")) == sum(c.find("failure") is not None for c in cases)
    assert int(top.get("tests")) == total == 3 * (2 + 2)
    charlie = {
        c.get("name").split()[0]: c
        for c in by_vendor["evalkit.charlie-ai"].findall("testcase")
        if c.get("classname").endswith(".suites")
    }
    assert "重要項目の不合格 4 件" in charlie["dayof"].find("failure").get("message")
    alpha = by_vendor["evalkit.acme-alpha"].findall("testcase")
    assert all(c.find("failure") is None for c in alpha)


def test_script_json_cannot_close_its_script_element():
    hostile = {
        "a": "</script><script>alert(1)</script>",
        "b": "<!-- x",
        "c": "a & b > c",
        "d": "x\u2028y\u2029z",
        "e": "{{ 7 * 7 }}",
    }
    text = script_json(hostile)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == hostile


def test_datasets_and_order_sensitivity_are_rendered_when_present(run, tmp_path):
    from evalkit.analysis import aggregate
    from evalkit.pipeline import load_run, open_run
    from evalkit.report import render_report

    attribution = "出典：デジタル庁「日本の法令に関する多肢選択式QAデータセット」(lawqa_jp)、PDL1.0"
    with open_run(run) as store:
        criteria, suites, vendors = load_run(store)
        results, df = aggregate(store, criteria, suites, vendors)
        results["manifest"], results["vendor_settings"] = store.get_meta("manifest"), store.get_meta("vendors")
        skipped = "出典：使われなかったデータセット"
        results["datasets"] = [
            {
                "suite": "open",
                "source": "digital-agency/lawqa_jp",
                "revision_or_hash": "abc123",
                "attribution": attribution,
            },
            {"suite": "external.jbbq", "status": "skipped", "reason": "data not found", "attribution": skipped},
        ]
        results["order_sensitivity"] = [
            {
                "vendor": vid,
                "suite": "open",
                "suites": ["open"],
                "n_questions": 10,
                "n_changed": k,
                "rate": k / 10,
                "n_answers": 20,
            }
            for k, (vid, *_) in enumerate(VENDORS, 2)
        ]
        full = render_report(store, results, df, tmp_path / "full.html").read_text(encoding="utf-8")
        self_view = render_report(store, results, df, tmp_path / "self.html", vendor="acme-alpha").read_text(
            encoding="utf-8"
        )
        results["order_sensitivity"] = {
            "open": {"acme-alpha": {"n": 10, "changed": 2}, "charlie-ai": {"n": 10, "changed": 5}}
        }
        other_shape = render_report(store, results, df, tmp_path / "other.html").read_text(encoding="utf-8")
        del results["datasets"], results["order_sensitivity"]
        absent = render_report(store, results, df, tmp_path / "absent.html").read_text(encoding="utf-8")
    # attribution visible: run facts, the suite's row, the dataset table, the footer
    assert full.count(attribution) == 4 and 'class="attribution"' in full
    assert full.count(skipped) == 1  # listed in the dataset table as not run, never as a credit line
    order = full[full.index('id="order-sensitivity"') :]
    order = order[: order.index("</table>")]
    assert "チャーリー社" in order and "40.0%" in order and "ブラボー社" in order
    assert attribution in self_view and "charlie" not in self_view and "チャーリー社" not in self_view
    assert 'id="order-sensitivity"' in self_view and "20.0%" in self_view
    assert 'id="order-sensitivity"' in other_shape and "チャーリー社" in other_shape
    assert 'id="order-sensitivity"' not in absent and 'id="datasets"' not in absent


def test_a_render_that_fails_midway_leaves_the_previous_report_whole(tmp_path, monkeypatch):
    import evalkit.report.render as render

    run_dir = build_report_run(tmp_path / "run")
    score_and_report(run_dir, rescore=False)
    before = (run_dir / "report.html").read_bytes()

    def broken(*_args):
        raise RuntimeError("filter failed")

    monkeypatch.setattr(render, "heat", broken)  # used by the matrix, well after the page has begun
    with pytest.raises(RuntimeError):
        score_and_report(run_dir, rescore=False)
    assert (run_dir / "report.html").read_bytes() == before
    assert sorted(p.name for p in run_dir.iterdir() if "partial" in p.name) == []


def test_chart_labels_break_between_words_and_show_a_cut():
    from evalkit.report.charts import wrap

    assert wrap("参照モデル oracle（組込み）", 14) == "参照モデル oracle（組\n込み）"  # "oracle" is never split
    assert wrap("ref-oracle reference model", 9) == "ref-\noracle\nreferenc…"  # at the hyphen; … marks the cut
    assert wrap("短い", 9) == "短い"
    assert all(len(line) <= 9 for line in wrap("機密性2情報の取扱い（秘匿・漏えい防止）評価", 9).splitlines())
