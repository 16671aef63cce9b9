"""Snapshot-free content checks on the report of the repository's own run: every vendor, suite and
gate verdict is there, the file is self-contained, the charts are vector SVG with text labels."""

from __future__ import annotations

import html as htmllib
import json
import re
import xml.etree.ElementTree as ET

from test_report_views import item_data


def _load(repo_run):
    out, _ = repo_run
    return (out / "report.html").read_text(encoding="utf-8"), json.loads(
        (out / "summary.json").read_text(encoding="utf-8")
    )


def test_every_vendor_suite_and_gate_verdict_is_present(repo_run):
    raw, summary = _load(repo_run)
    for v in summary["vendors"]:
        assert f'data-vendor="{v["id"]}"' in raw and htmllib.escape(v["name"]) in raw
        row = raw[raw.index(f'<tr data-vendor="{v["id"]}"') :]
        row = row[: row.index("</tr>")]
        assert v["verdict"] in row
        for g in v["failed_gates"]:
            assert htmllib.escape(g["title"]) in row and htmllib.escape(g["reason"]) in row
    for s in summary["suites"]:
        assert f'data-suite="{s["id"]}"' in raw
    for g in summary["gates"]:  # the gate table: one cell per gate and vendor with its status
        row = raw[raw.index(f'<tr data-gate="{g["node"]}">') :]
        row = row[: row.index("</tr>")]
        cell = row[row.index(f'data-vendor-gate="{g["vendor"]}"') :]
        assert g["status"] in cell[: cell.index("</td>")]
    data = item_data(raw)
    assert {v["id"] for v in data["vendors"]} == {v["id"] for v in summary["vendors"]}
    assert len(data["items"]) == sum(s["n_items"] + s["n_variant_items"] for s in summary["suites"])


def test_report_is_self_contained(repo_run):
    raw, _ = _load(repo_run)
    assert "<link" not in raw and "@import" not in raw and "@font-face" not in raw
    assert not re.search(r"""\s(src|href|xlink:href)\s*=\s*["'](?!#)""", raw)  # only in-page anchors
    assert all(u.startswith("#") for u in re.findall(r"url\(\s*([^)]*)\)", raw))  # SVG clip paths only
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', raw).group(1)
    assert "default-src 'none'" in csp and re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", csp)


def test_charts_are_vector_svg_with_japanese_text(repo_run):
    raw, summary = _load(repo_run)
    svgs = re.findall(r'<svg[^>]*\sclass="chart".*?</svg>', raw, re.S)
    assert len(svgs) == 4
    ids = [re.search(r'\sid="([^"]+)"', s).group(1) for s in svgs]
    assert len(set(ids)) == 4
    for svg in svgs:
        assert "<image" not in svg and "<script" not in svg and "<text" in svg
    assert any(htmllib.escape(summary["vendors"][0]["name"]) in svg for svg in svgs)
    assert "総合得点" in svgs[1]  # the bar chart panel of the total


def test_junit_export_of_the_repo_run(repo_run):
    (out, _), summary = repo_run, _load(repo_run)[1]
    top = ET.parse(out / "results.junit.xml").getroot()
    n_gates = sum(1 for n in summary["criteria"] if n["gate"])
    assert int(top.get("tests")) == len(summary["vendors"]) * (n_gates + len(summary["suites"]))
    echo = next(ts for ts in top if ts.get("name") == "evalkit.ref-echo")
    failures = [c.find("failure").get("message") for c in echo if c.find("failure") is not None]
    assert any("不適合" in m and "重要項目の不合格" in m for m in failures)
