"""The verbs ``evalkit power`` (minimum detectable difference of a paired test of N items) and
``evalkit diff RUN_A RUN_B`` (the same vendors across two runs). Registered by ``build_parser`` in
cli.py through :func:`add_parsers`; this module never imports the CLI."""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import EXIT_OK, UsageError
from .i18n import tr

if TYPE_CHECKING:
    from .analysis.rundiff import RunData
    from .runner.store import RunStore

MAX_ITEMS = 100_000


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    import sys

    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ power
def _pts(value: float) -> str:
    return f"{value * 100:.1f}"


def _pct(value: float) -> str:
    return f"{value * 100:g}"


def _cell(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a CJK character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def _check_power_args(args: argparse.Namespace) -> None:
    if not 1 <= args.items <= MAX_ITEMS:
        raise UsageError(
            tr(
                f"--items {args.items}: 1 以上 {MAX_ITEMS} 以下の整数にしてください",
                f"--items {args.items}: must be an integer from 1 to {MAX_ITEMS}",
            )
        )
    for flag, value in (("--alpha", args.alpha), ("--power", args.power)):
        if not (math.isfinite(value) and 0.0 < value < 1.0):
            raise UsageError(
                tr(f"{flag} {value}: 0 と 1 の間の値にしてください", f"{flag} {value}: must lie between 0 and 1")
            )
    if args.power <= args.alpha:
        raise UsageError(
            tr(
                f"--power {args.power}: 有意水準 {args.alpha} より大きくしてください",
                f"--power {args.power}: must exceed the significance level {args.alpha}",
            )
        )
    for value in args.discordance:
        if not (math.isfinite(value) and 0.0 < value <= 1.0):
            raise UsageError(
                tr(
                    f"--discordance {value}: 不一致率は 0 より大きく 1 以下にしてください",
                    f"--discordance {value}: a discordance rate must be in (0, 1]",
                )
            )


def cmd_power(args: argparse.Namespace) -> int:
    from .analysis.power import power_table

    _check_power_args(args)
    table = power_table(args.items, args.alpha, args.power, sorted(set(args.discordance)))
    if args.json:
        _out(json.dumps(table, ensure_ascii=False, indent=2))
        return EXIT_OK
    n, alpha, target = args.items, args.alpha, _pct(args.power)
    _out(
        tr(
            f"設問 {n} 問の対応のある比較（McNemar 正確検定、両側、有意水準 {alpha}）が検出力 {target} % で"
            "検出できる最小の正答率の差",
            f"smallest difference in pass rate a paired comparison of {n} items (exact McNemar test, two-sided, "
            f"alpha {alpha}) detects with {target} % power",
        )
    )
    _out(
        "  "
        + _cell(tr("不一致率", "discordance"), 13)
        + _cell(tr("最小検出差", "MDD"), 14)
        + _cell(tr("正規近似（Connor 1987）", "normal approx. (Connor 1987)"), 30)
        + tr("差が最大のときの検出力", "power at the largest difference")
    )
    none = tr("検出不能", "not reachable")
    for row in table["rows"]:
        exact = none if row["mdd"] is None else tr(f"±{_pts(row['mdd'])} 点", f"±{_pts(row['mdd'])} pt")
        approx = "—" if row["mdd_connor"] is None else f"±{_pts(row['mdd_connor'])}"
        _out(
            "  "
            + _cell(f"{_pct(row['discordance'])} %", 13)
            + _cell(exact, 14)
            + _cell(approx, 30)
            + f"{_pts(row['max_power'])} %"
        )
    _out()
    found = [r for r in table["rows"] if r["mdd"] is not None]
    missing = [r for r in table["rows"] if r["mdd"] is None]
    if found:
        lo, hi = found[0], found[-1]
        rates, diffs = f"{_pct(lo['discordance'])} %", _pts(lo["mdd"])
        if lo is not hi:
            to = tr("〜", " to ")
            rates, diffs = f"{rates}{to}{_pct(hi['discordance'])} %", f"{diffs}{to}{_pts(hi['mdd'])}"
        _out(
            tr(
                f"{n} 問の試験では、2 つのモデルの合否が食い違う設問の割合（不一致率）が {rates} のとき、正答率の差が"
                f"およそ {diffs} 点以上あれば検出力 {target} % で有意差を検出できます。それより小さい差は見逃しやすく、"
                "「有意差なし」は「差がない」ことを意味しません。",
                f"With {n} items, when the two models disagree on {rates} of the items (discordance), a difference "
                f"in pass rate of about {diffs} points or more is detected with {target} % power; smaller "
                "differences are easily missed, and 'no significant difference' does not mean 'no difference'.",
            )
        )
    if missing:
        rates = tr("、", ", ").join(f"{_pct(r['discordance'])} %" for r in missing)
        _out(
            tr(
                f"不一致率 {rates} では、差がどれほど大きくても検出力 {target} % に届きません"
                "（食い違う設問が少なすぎるため）。設問を増やさない限り、この条件では差を示せません。",
                f"At a discordance of {rates} no difference, however large, reaches {target} % power (too few "
                "items on which the models disagree): this test cannot show a difference there without more items.",
            )
        )
    return EXIT_OK


# ------------------------------------------------------------------------------------------ diff
def _open(run_dir: Path) -> RunStore:
    """The run's store, or a UsageError naming the directory."""
    from .pipeline import open_run

    if not run_dir.is_dir():
        raise UsageError(tr(f"{run_dir}: 実行フォルダがありません", f"{run_dir}: no such run directory"))
    try:
        store = open_run(run_dir)
        store.get_meta("manifest")
    except sqlite3.DatabaseError as exc:
        raise UsageError(
            tr(f"{run_dir}: 実行ストアを読めません（{exc}）", f"{run_dir}: cannot read the run store ({exc})")
        ) from None
    return store


def run_head(run_dir: Path) -> tuple[str, dict[str, str] | None]:
    """A run's id and blinding (real id -> pseudonym id), read before anything is aggregated, so that
    a wrong directory, a refused output folder or a blinding mismatch is reported at once."""
    from .integrity import blind
    from .pipeline import load_run

    with _open(run_dir) as store:
        load_run(store)  # a store without configuration is not a run
        blinding = blind.of_store(store)
        run_id = str((store.get_meta("manifest") or {}).get("run_id") or run_dir.name)
    return run_id, None if blinding is None else {real: pid for real, (pid, _) in blinding.pseudonyms.items()}


def read_run(run_dir: Path) -> RunData:
    """A run as ``evalkit diff`` reads it: its stored scores aggregated as ``evalkit report`` does (not
    re-scored), shown as its exports show it (pseudonyms in a blinded run)."""
    from .analysis.rundiff import RunData
    from .pipeline import compute_results, load_run, shown_views

    run_id, mapping = run_head(run_dir)
    with _open(run_dir) as store:
        loaded = load_run(store)
        results, df = compute_results(store, loaded)
        results, df, _ = shown_views(store, results, df)
    return RunData(str(run_dir), run_id, results, df, loaded[0], mapping)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "run"


def _out_dir(args: argparse.Namespace, id_a: str, id_b: str) -> Path:
    out = Path(args.out) if args.out else Path(f"diff-{_safe(id_a)}-{_safe(id_b)}")
    flag = "--out" if args.out else tr("出力先", "output")
    if out.exists() and not out.is_dir():
        raise UsageError(tr(f"{flag} {out}: フォルダではありません", f"{flag} {out}: not a directory"))
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise UsageError(
            tr(
                f"{flag} {out}: 空でないフォルダがすでにあります（上書きするには --force）",
                f"{flag} {out}: a non-empty directory exists (--force to overwrite)",
            )
        )
    return out


def cmd_diff(args: argparse.Namespace) -> int:
    from .analysis.rundiff import check_blinding, run_diff
    from .report.diff_page import render_diff

    dir_a, dir_b = Path(args.run_a), Path(args.run_b)
    (id_a, blind_a), (id_b, blind_b) = run_head(dir_a), run_head(dir_b)
    check_blinding(str(dir_a), blind_a, str(dir_b), blind_b)
    out = _out_dir(args, id_a, id_b) if not args.json or args.out else None
    data = run_diff(read_run(dir_a), read_run(dir_b))
    text = json.dumps(data, ensure_ascii=False, indent=2)
    written: Path | None = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "diff.json").write_text(text + "\n", encoding="utf-8")
        render_diff(data, out / "diff.html")
        written = out
    if args.json:
        _out(text)
        return EXIT_OK
    _summary(data)
    if written is not None:
        _out(tr(f"書き出し: {written / 'diff.html'}, diff.json", f"wrote {written / 'diff.html'}, diff.json"))
    return EXIT_OK


def _summary(data: dict[str, Any]) -> None:
    from .i18n import language
    from .report.diff_page import change_verdict

    ra, rb = data["run_a"]["run_id"], data["run_b"]["run_id"]
    _out(tr(f"実行 {ra} → {rb}（差は B − A、点）", f"run {ra} -> {rb} (differences B - A, points)"))
    for v in data["vendors"]:
        t = v["total"]
        diff = "—" if t["diff"] is None else f"{t['diff'] * 100:+.1f}"
        ci = "" if t["ci_low"] is None else f" [{t['ci_low'] * 100:+.1f}, {t['ci_high'] * 100:+.1f}]"
        if language() == "ja":
            state = change_verdict(t)
        else:
            state = "significant" if t["significant"] else "not significant" if t["p"] is not None else "not tested"
        _out(
            tr(
                f"  {v['name']} ({v['id']}): 総合 {diff}{ci} {state}、判定 {v['verdict_a']} → "
                f"{v['verdict_b']}、合→否 {v['n_pass_to_fail']} 問・否→合 {v['n_fail_to_pass']} 問",
                f"  {v['name']} ({v['id']}): total {diff}{ci} {state}, verdict {v['verdict_a']} -> "
                f"{v['verdict_b']}, pass->fail {v['n_pass_to_fail']}, fail->pass {v['n_fail_to_pass']}",
            )
        )
    for s in data["suites"]["version_changed"]:
        _out(
            tr(
                f"  スイート {s['id']}: 版 {s['version_a']} → {s['version_b']}: 比較しない",
                f"  suite {s['id']}: version {s['version_a']} -> {s['version_b']}: not compared",
            )
        )
    for side, key in (("A", "only_a"), ("B", "only_b")):
        for s in data["suites"][key]:
            _out(
                tr(
                    f"  スイート {s['id']}: 実行 {side} のみ（比較しない）",
                    f"  suite {s['id']}: only in run {side} (not compared)",
                )
            )
        for v in data[f"vendors_{key}"]:
            _out(
                tr(
                    f"  ベンダー {v['id']}: 実行 {side} のみ（比較しない）",
                    f"  vendor {v['id']}: only in run {side} (not compared)",
                )
            )


# ------------------------------------------------------------------------------------------ parsers
def add_parsers(
    sub: argparse._SubParsersAction[Any],  # of the CLI's own ArgumentParser subclass
    config_args: Callable[[argparse.ArgumentParser], None],  # (not used by these verbs)
) -> None:
    from .config.statistics import ALPHA, DISCORDANCE, POWER

    p = sub.add_parser(
        "power",
        help=tr(
            "設問数 N の対応のある比較が検出できる最小の正答率の差（検出力・最小検出差）を表示する",
            "print the smallest difference in pass rate a paired comparison of N items can detect (power / MDD)",
        ),
    )
    p.add_argument("--items", type=int, required=True, metavar="N", help="number of paired items (e.g. 50)")
    p.add_argument("--alpha", type=float, default=ALPHA, help=f"two-sided significance level (default: {ALPHA})")
    p.add_argument("--power", type=float, default=POWER, help=f"target power (default: {POWER})")
    p.add_argument(
        "--discordance",
        type=float,
        nargs="+",
        default=list(DISCORDANCE),
        metavar="PSI",
        help="plausible shares of items on which the two models disagree, in (0, 1] "
        f"(default: {' '.join(str(x) for x in DISCORDANCE)})",
    )
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=cmd_power)

    p = sub.add_parser(
        "diff",
        help=tr(
            "2 つの実行の同じベンダーを比べる（得点の変化と区間、合否が変わった設問、版の変わったスイート）",
            "compare the same vendors across two runs (score changes with intervals, flipped items, changed suites)",
        ),
    )
    p.add_argument("run_a", metavar="RUN_A", help="the earlier run directory")
    p.add_argument("run_b", metavar="RUN_B", help="the later run directory (its criteria weights the total)")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where to write diff.html and diff.json (default: ./diff-<run A id>-<run B id>)",
    )
    p.add_argument("--force", action="store_true", help="write into a non-empty --out directory")
    p.add_argument(
        "--json", action="store_true", help="print diff.json to stdout (files are then written only with --out)"
    )
    p.set_defaults(func=cmd_diff)


__all__ = ["add_parsers", "cmd_diff", "cmd_power", "read_run"]
