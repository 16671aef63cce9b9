"""JUnit XML for CI systems: one test case per gate per vendor and per suite per vendor.

- Gate test case: passes when the gate is met (適合); a failure (不適合) carries the reason in
  Japanese; a gate whose outcome depends on unanswered requests (判定保留) is an ``<error>``:
  the test could not be decided, which CI systems show apart from a failure.
- Suite test case: a failure when the suite holds critical failures, or when it lies under a
  gate with a minimum score that the vendor failed and the suite itself scores below that
  minimum; an ``<error>`` when requests of the suite ended in errors or were not scored; skipped
  when nothing was scored. Its output carries the score, the interval and the counts.

Vendors are ``<testsuite>`` elements (``evalkit.<vendor id>``), so a CI job can watch one vendor.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: object) -> str:
    return _INVALID_XML.sub("\ufffd", "" if text is None else str(text))


def _pts(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}"


def _subtree_suites(nodes: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i, node in enumerate(nodes):
        sids = list(node.get("suites", []))
        for later in nodes[i + 1 :]:
            if later["depth"] <= node["depth"]:
                break
            sids += later.get("suites", [])
        out[node["id"]] = sids
    return out


def junit_tree(results: dict) -> ET.ElementTree:
    nodes = results.get("criteria", [])
    gated = [n for n in nodes if n.get("gate")]
    under = _subtree_suites(nodes)
    run_id = (results.get("manifest") or {}).get("run_id", "evalkit")
    top = ET.Element("testsuites", name=_clean(f"evalkit {run_id}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for vendor in results.get("vendors", []):
        vid = vendor["id"]
        suite_el = ET.SubElement(top, "testsuite", name=_clean(f"evalkit.{vid}"))
        props = ET.SubElement(suite_el, "properties")
        for key, value in (
            ("vendor", vid),
            ("name", vendor.get("name")),
            ("category", vendor.get("category")),
            ("verdict", vendor.get("verdict")),
            ("total", _pts(vendor.get("total"))),
            ("total_ci", f"[{_pts(vendor.get('total_ci_low'))}, {_pts(vendor.get('total_ci_high'))}]"),
        ):
            ET.SubElement(props, "property", name=key, value=_clean(value))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        failed_min: list[tuple[dict, float]] = []  # gates with a minimum score this vendor failed
        for node in gated:
            cell = node["vendors"].get(vid, {})
            gate = cell.get("gate")
            if gate is None:
                continue
            case = ET.SubElement(
                suite_el,
                "testcase",
                classname=_clean(f"evalkit.{vid}.gates"),
                name=_clean(f"{node['id']} {node['title']}"),
                time="0",
            )
            counts["tests"] += 1
            spec = node["gate"]
            if gate.get("incomplete"):
                label = "未評価" if gate.get("unevaluated") else "判定保留"
                ET.SubElement(
                    case, "error", type=label, message=_clean(f"{label}: {node['title']}: {gate.get('reason', '')}")
                ).text = _clean(f"{spec.get('description', '')}\n{gate.get('reason', '')}")
                counts["errors"] += 1
            elif not gate.get("passed"):
                ET.SubElement(
                    case, "failure", type="不適合", message=_clean(f"不適合: {node['title']}: {gate.get('reason', '')}")
                ).text = _clean(
                    f"ゲート: {spec.get('description', '')}\n理由: {gate.get('reason', '')}\n"
                    f"得点: {_pts(cell.get('score'))}・重要項目の不合格: {cell.get('critical_failures', 0)} 件"
                )
                counts["failures"] += 1
                if spec.get("min_score") is not None:
                    failed_min.append((node, spec["min_score"]))
            ET.SubElement(case, "system-out").text = _clean(
                f"{gate.get('status', '')}: 得点 {_pts(cell.get('score'))}、"
                f"重要項目の不合格 {cell.get('critical_failures', 0)} 件"
            )
        for suite in results.get("suites", []):
            row = suite["vendors"].get(vid)
            if row is None:
                continue
            case = ET.SubElement(
                suite_el,
                "testcase",
                classname=_clean(f"evalkit.{vid}.suites"),
                name=_clean(f"{suite['id']} {suite['title']}"),
                time="0",
            )
            counts["tests"] += 1
            reasons = []
            if row.get("critical_failures"):
                reasons.append(f"重要項目の不合格 {row['critical_failures']} 件")
            for node, minimum in failed_min:
                if suite["id"] in under.get(node["id"], []) and row.get("score") is not None and row["score"] < minimum:
                    reasons.append(f"得点 {_pts(row['score'])} がゲート「{node['title']}」の基準 {_pts(minimum)} 未満")
            summary = (
                f"得点 {_pts(row.get('score'))} [{_pts(row.get('ci_low'))}, {_pts(row.get('ci_high'))}]、"
                f"合格 {row.get('n_passed', 0)}/{row.get('n_scored', 0)}、エラー {row.get('n_errors', 0)}、"
                f"未採点 {row.get('n_not_scored', 0)}"
            )
            if row.get("not_applicable"):  # e.g. a sealed suite and a reference model that repeats its items
                ET.SubElement(case, "skipped", message=_clean(f"対象外: {row['not_applicable']}"))
                counts["skipped"] += 1
            elif not row.get("n_scored"):
                ET.SubElement(case, "skipped", message=_clean("評価データなし（採点済みの設問がありません）"))
                counts["skipped"] += 1
            elif reasons:
                ET.SubElement(case, "failure", type="不合格", message=_clean("、".join(reasons))).text = _clean(summary)
                counts["failures"] += 1
            elif row.get("n_errors") or row.get("n_not_scored"):
                ET.SubElement(
                    case,
                    "error",
                    type="未完了",
                    message=_clean(
                        f"エラー {row.get('n_errors', 0)} 件・未採点 {row.get('n_not_scored', 0)} 件"
                        "（誤答としては数えていません。再試行: evalkit run --resume RUN_DIR --retry-errors）"
                    ),
                ).text = _clean(summary)
                counts["errors"] += 1
            ET.SubElement(case, "system-out").text = _clean(summary)
        for key, value in counts.items():
            suite_el.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        top.set(key, str(value))
    ET.indent(top)
    return ET.ElementTree(top)


def write_junit(results: dict, path: Path) -> Path:
    path = Path(path)
    junit_tree(results).write(path, encoding="utf-8", xml_declaration=True)
    return path
