"""The committee's scoring sheet as files: ``scoring_sheet.csv`` and ``scoring_sheet.xlsx``.

Both are written from ``results["scoring_sheet"]`` (computed by ``evalkit.analysis.scoring_sheet``) as
the exports show the run: a blinded run's results carry pseudonyms, and so do the sheets. Every cell
is a value — points are numbers already computed, the rule that gave them is a text column — so a
spreadsheet recomputes nothing and shows what the committee signs. Labels, vendor names and notes are
configuration text, hostile like any: in the CSV a cell that a spreadsheet would run as a formula is
neutralised as in results.csv; in the xlsx every text cell is stored as a string (never a formula),
without the control characters the format cannot hold.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..analysis.tables import neutralise_formula

CSV_NAME = "scoring_sheet.csv"
XLSX_NAME = "scoring_sheet.xlsx"
NO_PREREG = "事前登録なし"
CSV_COLUMNS = [
    "vendor_id",
    "vendor",
    "category",
    "label",
    "node",
    "node_title",
    "rule",
    "rule_text",
    "score",
    "gate",
    "points",
    "max_points",
    "note",
    "run_id",
    "preregistration_sha256",
]
# characters an xlsx cell cannot hold (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE)
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def header_facts(results: Mapping[str, Any], created: datetime | None = None) -> list[tuple[str, str]]:
    """The header block of the sheet: run id, pre-registration digest, evalkit version, date."""
    manifest = results.get("manifest") or {}
    prereg = results.get("preregistration") or {}
    digest = prereg.get("digest")
    when = (created or datetime.now().astimezone()).isoformat(timespec="minutes")
    facts = [
        ("実行ID", str(manifest.get("run_id") or "—")),
        ("事前登録ハッシュ", f"sha256:{digest}" if digest else NO_PREREG),
        ("evalkit バージョン", __version__),
        ("作成日時", when),
    ]
    if results.get("blind"):
        facts.append(("盲検化", "ベンダー名は仮名（対応表は別に保管）"))
    return facts


def _vendors(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    sheet = results.get("scoring_sheet") or {}
    rows = [v for v in results.get("vendors") or [] if v.get("id") in (sheet.get("vendors") or {})]
    return rows


def csv_rows(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per vendor × line of the sheet, then the vendor's total row."""
    sheet = results["scoring_sheet"]
    manifest = results.get("manifest") or {}
    digest = (results.get("preregistration") or {}).get("digest")
    run = {"run_id": manifest.get("run_id"), "preregistration_sha256": digest or NO_PREREG}
    out: list[dict[str, Any]] = []
    for vendor in _vendors(results):
        cell = sheet["vendors"][vendor["id"]]
        who = {"vendor_id": vendor["id"], "vendor": vendor.get("name"), "category": vendor.get("category")}
        for line, got in zip(sheet["lines"], cell["lines"], strict=True):
            out.append(
                {
                    **who,
                    "label": line["label"],
                    "node": line["node"],
                    "node_title": line["node_title"],
                    "rule": line["rule"],
                    "rule_text": line["rule_text"],
                    "score": got["score"],
                    "gate": got["gate"],
                    "points": got["points"],
                    "max_points": line["max_points"],
                    "note": got["note"] or line.get("note"),
                    **run,
                }
            )
        out.append(
            {
                **who,
                "label": "合計",
                "rule": "total",
                "rule_text": f"保留 {cell['pending']} 行を除く合計" if cell["pending"] else "各行の獲得点の合計",
                "points": cell["total"],
                "max_points": cell["max_total"],
                **run,
            }
        )
    return out


def write_csv(results: Mapping[str, Any], path: Path) -> Path:
    """scoring_sheet.csv (UTF-8 with a BOM, so a spreadsheet reads the Japanese as it is)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in csv_rows(results):
            writer.writerow({k: neutralise_formula(row.get(k)) for k in CSV_COLUMNS})
    return path


def _text(value: Any) -> Any:
    return _ILLEGAL.sub("", value) if isinstance(value, str) else value


def _put(ws: Any, row: int, col: int, value: Any, *, bold: bool = False) -> None:
    """A value in a cell; a string stays a string (openpyxl would take '=…' for a formula)."""
    from openpyxl.styles import Font

    cell = ws.cell(row=row, column=col)
    cell.value = _text(value)
    if isinstance(value, str):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub("_", _ILLEGAL.sub("", name)).strip("'") or "ベンダー"
    base = base[:28]
    candidate, n = base, 2
    while candidate.lower() in taken:
        candidate = f"{base[:25]}({n})"
        n += 1
    taken.add(candidate.lower())
    return candidate


def _header(ws: Any, title: str, facts: list[tuple[str, str]]) -> int:
    """The header block; returns the next free row."""
    _put(ws, 1, 1, title, bold=True)
    for n, (key, value) in enumerate(facts, start=2):
        _put(ws, n, 1, key, bold=True)
        _put(ws, n, 2, value)
    return len(facts) + 3


def write_xlsx(results: Mapping[str, Any], path: Path, *, created: datetime | None = None) -> Path:
    """scoring_sheet.xlsx: a summary (vendors × lines, totals, verdicts) and one sheet per vendor."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from .render import CATEGORY_LABELS

    sheet = results["scoring_sheet"]
    facts = header_facts(results, created)
    vendors = _vendors(results)
    book = Workbook()
    summary = book.worksheets[0]
    summary.title = "集計"
    row = _header(summary, str(sheet["title"]), facts)
    heads = ["評価項目", "評価基準", "配点方法", "配点", *[str(v.get("name") or v["id"]) for v in vendors]]
    for col, head in enumerate(heads, start=1):
        _put(summary, row, col, head, bold=True)
    for index, line in enumerate(sheet["lines"]):
        row += 1
        _put(summary, row, 1, line["label"])
        _put(summary, row, 2, f"{line['node_title']}（{line['node']}）")
        _put(summary, row, 3, line["rule_text"])
        _put(summary, row, 4, line["max_points"])
        for col, vendor in enumerate(vendors, start=5):
            got = sheet["vendors"][vendor["id"]]["lines"][index]
            _put(summary, row, col, got["points"] if got["points"] is not None else "保留")
    row += 1
    _put(summary, row, 1, "合計", bold=True)
    _put(summary, row, 4, sheet["vendors"][vendors[0]["id"]]["max_total"] if vendors else None, bold=True)
    for col, vendor in enumerate(vendors, start=5):
        _put(summary, row, col, sheet["vendors"][vendor["id"]]["total"], bold=True)
    row += 1
    _put(summary, row, 1, "保留の行")
    for col, vendor in enumerate(vendors, start=5):
        _put(summary, row, col, sheet["vendors"][vendor["id"]]["pending"])
    row += 1
    _put(summary, row, 1, "総合判定（ゲート）")
    for col, vendor in enumerate(vendors, start=5):
        _put(summary, row, col, vendor.get("verdict"))
    for col, width in enumerate([34, 30, 44, 8] + [16] * len(vendors), start=1):
        summary.column_dimensions[get_column_letter(col)].width = width

    taken = {"集計"}
    for vendor in vendors:
        cell = sheet["vendors"][vendor["id"]]
        ws = book.create_sheet(_sheet_name(str(vendor.get("name") or vendor["id"]), taken))
        row = _header(
            ws,
            f"{sheet['title']} — {vendor.get('name') or vendor['id']}",
            [
                *facts,
                ("ベンダー", str(vendor.get("name") or vendor["id"])),
                ("ベンダーID", str(vendor["id"])),
                ("区分", CATEGORY_LABELS.get(str(vendor.get("category")), str(vendor.get("category") or ""))),
                ("総合判定（ゲート）", str(vendor.get("verdict") or "")),
            ],
        )
        heads = [
            "評価項目",
            "評価基準",
            "評価基準名",
            "配点方法",
            "得点（0〜1）",
            "ゲート判定",
            "獲得点",
            "配点",
            "備考",
        ]
        for col, head in enumerate(heads, start=1):
            _put(ws, row, col, head, bold=True)
        for line, got in zip(sheet["lines"], cell["lines"], strict=True):
            row += 1
            values = [
                line["label"],
                line["node"],
                line["node_title"],
                line["rule_text"],
                got["score"],
                got["gate"],
                got["points"] if got["points"] is not None else "保留",
                line["max_points"],
                "・".join(x for x in (got["note"], line.get("note")) if x),
            ]
            for col, value in enumerate(values, start=1):
                _put(ws, row, col, value)
        row += 1
        _put(ws, row, 1, "合計", bold=True)
        _put(ws, row, 7, cell["total"], bold=True)
        _put(ws, row, 8, cell["max_total"], bold=True)
        if cell["pending"]:
            _put(ws, row, 9, f"保留 {cell['pending']} 行を除く")
        for col, width in enumerate([34, 26, 26, 44, 12, 12, 10, 8, 30], start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
    book.save(path)
    return path


def write_scoring_sheet(results: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Both files in ``out_dir`` (nothing when the results have no sheet)."""
    if not results.get("scoring_sheet"):
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_csv(results, out_dir / CSV_NAME), write_xlsx(results, out_dir / XLSX_NAME)]
