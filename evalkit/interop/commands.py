"""`evalkit export FORMAT RUN_DIR`: a run's results in another tool's format (inspect: Inspect eval logs)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import EXIT_OK
from ..i18n import tr


def cmd_export(args: argparse.Namespace) -> int:
    from .inspect_export import export_inspect

    written, notes = export_inspect(Path(args.run_dir), Path(args.out) if args.out else None, force=args.force)
    for note in notes:
        print(tr(f"お知らせ: {note}", f"notice: {note}"), file=sys.stderr, flush=True)
    folder = written[0].parent if written else (Path(args.out) if args.out else Path(args.run_dir) / "inspect")
    print(
        tr(
            f"{folder} に Inspect の評価ログを {len(written)} 件書き出しました"
            f"（inspect view --log-dir {folder} で開けます）",
            f"wrote {len(written)} Inspect eval log(s) to {folder} (open them with: inspect view --log-dir {folder})",
        ),
        flush=True,
    )
    for path in written:
        print(f"  {path.name}", flush=True)
    return EXIT_OK


def add_parsers(
    sub: argparse._SubParsersAction[Any],  # of the CLI's own ArgumentParser subclass
    config_args: Callable[[argparse.ArgumentParser], None] | None = None,  # (not used: the store has everything)
) -> None:
    p = sub.add_parser(
        "export",
        help=tr(
            "実行の結果を他のツールの形式で書き出す（inspect: Inspect の評価ログ）",
            "write a run's results in another tool's format (inspect: Inspect eval logs)",
        ),
    )
    p.add_argument(
        "format",
        choices=["inspect"],
        help="inspect: one Inspect eval log (.json) per suite and vendor, for `inspect view` and inspect_ai",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run's folder (with store.sqlite)")
    p.add_argument("--out", metavar="DIR", help="folder to write (default: RUN_DIR/inspect)")
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    p.set_defaults(func=cmd_export)
