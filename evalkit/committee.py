"""The committee's verbs: ``evalkit items`` (item analysis over one or more runs) and ``evalkit sheet``
(the scoring sheet of a run). Registered by ``cli.build_parser`` through :func:`add_parsers`; this module
never imports the CLI."""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import EXIT_OK, UsageError
from .i18n import tr


def _out(text: str = "") -> None:
    print(text, flush=True)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(heads: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their display width (full-width characters count twice)."""
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(heads)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(heads), line(["-" * w for w in widths]), *(line(r) for r in rows)]


# ------------------------------------------------------------------------------------------ items
def _reason_label(reason: str, role: int | None) -> str:
    from .analysis.item_analysis import ECHO, REFUSE

    if reason == "baseline_pass" and role == ECHO:
        return tr("復唱ベースラインが合格", "echo baseline passes")
    if reason == "baseline_pass" and role == REFUSE:
        return tr("全拒否ベースラインが合格（拒否を求めない設問）", "refuse baseline passes (no decline expected)")
    labels = {
        "all_fail": tr("全ベンダーが不合格", "every vendor fails"),
        "negative_discrimination": tr("負の識別力", "negative discrimination"),
        "baseline_pass": tr("ベースラインが合格", "a baseline passes"),
        "review_changed": tr("人手レビューで変更", "changed in human review"),
    }
    return labels.get(reason, reason)


def _run_tables(run_dirs: Sequence[Path]) -> list[tuple[str, Any, Any, Any]]:
    """(label, item-level table, suites, vendors) of each run, as its exports show it (pseudonyms when
    the run is blinded)."""
    from .analysis.tables import item_level, item_table
    from .integrity import blind
    from .pipeline import load_run, open_run

    runs: list[tuple[str, Any, Any, Any]] = []
    seen: dict[Path, str] = {}
    labels: set[str] = set()
    for run_dir in run_dirs:
        resolved = run_dir.resolve()
        if resolved in seen:
            raise UsageError(
                tr(f"{run_dir}: 同じ実行が 2 回指定されています", f"{run_dir}: the same run is given twice")
            )
        with open_run(run_dir) as store:
            _, suites, vendors = load_run(store)
            df = item_table(store, suites)
            blinding = blind.of_store(store)
            label = str((store.get_meta("manifest") or {}).get("run_id") or run_dir.name)
        if blinding is not None:
            df = blind.blind_table(df, blinding)
            ids = {real: pid for real, (pid, _) in blinding.pseudonyms.items()}
            vendors = [v.model_copy(update={"id": ids.get(v.id, v.id)}) for v in vendors]
        base, n = label, 2
        while label in labels:
            label, n = f"{base}#{n}", n + 1
        labels.add(label)
        seen[resolved] = label
        runs.append((label, item_level(df), suites, vendors))
    return runs


def cmd_items(args: argparse.Namespace) -> int:
    from .analysis.item_analysis import pooled_analysis

    analysis = pooled_analysis(_run_tables([Path(p) for p in args.run_dirs]))
    if args.flagged:
        flagged = {(f["suite_id"], f["suite_version"], f["item_id"]) for f in analysis["flags"]}
        analysis["items"] = [
            it for it in analysis["items"] if (it["suite_id"], it["suite_version"], it["item_id"]) in flagged
        ]
    if args.json:
        _out(json.dumps(analysis, ensure_ascii=False, indent=2))
        return EXIT_OK
    roles: dict[str, int] = analysis["roles"]
    _out(
        tr(
            f"設問分析: 実行 {len(args.run_dirs)} 件、設問 {analysis['n_items']} 問、候補ベンダー "
            f"{analysis['n_vendors']} 社、要確認 {len(analysis['flags'])} 件",
            f"item analysis: {len(args.run_dirs)} run(s), {analysis['n_items']} items, "
            f"{analysis['n_vendors']} candidate vendor(s), {len(analysis['flags'])} flag(s)",
        )
    )
    if analysis["flags"]:
        _out()
        rows = []
        for f in analysis["flags"]:
            vendor = f["vendor_id"]
            detail = f["detail"]
            notes = []
            if "negative_discrimination" in f["reasons"]:
                notes.append(f"r = {detail['r']:.2f} (n = {detail['n_vendors']})")
            if "all_fail" in f["reasons"]:
                notes.append(f"0/{detail['n_vendors']}")
            rows.append(
                [
                    f["suite_id"],
                    str(f["suite_version"]),
                    f["item_id"],
                    vendor if vendor is not None else tr("全ベンダー", "all vendors"),
                    "、".join(_reason_label(r, roles.get(vendor or "")) for r in f["reasons"]),
                    "; ".join(notes),
                ]
            )
        heads = [
            tr("スイート", "suite"),
            tr("版", "version"),
            tr("設問", "item"),
            tr("対象", "vendor"),
            tr("理由", "reasons"),
            tr("詳細", "detail"),
        ]
        for text in _table(heads, rows):
            _out(text)
    if not args.flagged:
        _out()
        heads = [
            tr("スイート", "suite"),
            tr("版", "version"),
            tr("設問", "item"),
            tr("採点社数", "vendors"),
            tr("合格率", "pass rate"),
            tr("識別力 r", "discrimination r"),
        ]
        rows = [
            [
                it["suite_id"],
                str(it["suite_version"]),
                it["item_id"],
                str(it["n_vendors"]),
                "—" if it["difficulty"] is None else f"{it['difficulty']:.2f}",
                "—" if it["discrimination"] is None else f"{it['discrimination']:+.2f}",
            ]
            for it in analysis["items"]
        ]
        for text in _table(heads, rows):
            _out(text)
    return EXIT_OK


# ------------------------------------------------------------------------------------------ sheet
def cmd_sheet(args: argparse.Namespace) -> int:
    from .pipeline import compute_results, load_run, open_run, shown_views
    from .report.scoring_sheet import write_scoring_sheet

    run_dir = Path(args.run_dir)
    with open_run(run_dir) as store:
        loaded = load_run(store)
        if loaded[0].scoring_sheet is None:
            raise UsageError(
                tr(
                    f"{run_dir}: この実行の評価基準（criteria.yaml）に scoring_sheet: がありません。"
                    "技術点評価表は事前登録した評価基準に書いたものだけを使います",
                    f"{run_dir}: the criteria of this run define no scoring_sheet: a scoring sheet must be "
                    "part of the pre-registered criteria.yaml",
                )
            )
        results, df = compute_results(store, loaded)
        results, _, _ = shown_views(store, results, df)
    for path in write_scoring_sheet(results, Path(args.out) if args.out else run_dir):
        _out(tr(f"技術点評価表: {path}", f"scoring sheet: {path}"))
    return EXIT_OK


def add_parsers(
    sub: argparse._SubParsersAction[Any],  # of the CLI's own ArgumentParser subclass
    config_args: Callable[[argparse.ArgumentParser], None],  # (unused: both verbs read the run's own criteria)
) -> None:
    p = sub.add_parser(
        "items",
        help=tr(
            "設問分析: 全ベンダーが不合格・負の識別力・ベースラインが合格する設問を示す（複数の実行を合算できる）",
            "item analysis: items every vendor fails, with negative discrimination, or a baseline passes "
            "(several runs pooled)",
        ),
    )
    p.add_argument(
        "run_dirs", nargs="+", metavar="RUN_DIR", help="run directories (items matched by suite, version, id)"
    )
    p.add_argument("--json", action="store_true", help="print the analysis as JSON")
    p.add_argument("--flagged", action="store_true", help="only the flagged items (the review queue)")
    p.set_defaults(func=cmd_items)

    p = sub.add_parser(
        "sheet",
        help=tr(
            "技術点評価表（scoring_sheet.csv / .xlsx）を書き出す",
            "write the committee's scoring sheet (scoring_sheet.csv / .xlsx)",
        ),
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--out", metavar="DIR", help="folder to write to (default: RUN_DIR)")
    p.set_defaults(func=cmd_sheet)
