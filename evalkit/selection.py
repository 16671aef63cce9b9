"""Choosing what a command works on, and the notices about it: shared by the CLI verbs and by the
integrity verbs (which must not import the CLI)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .config.loader import Loaded, Workspace
from .errors import UsageError
from .i18n import tr


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# The skip notice of a suite whose optional data is absent, and the variable its hint names, in either
# console language (built in evalkit/data/materialise.py and evalkit/data/readers.py `_missing`).
_OPTIONAL_SKIP = re.compile(
    r"(?:suite|スイート) '([^']+)' (?:skipped \(optional data source\)|を除外しました（任意のデータソース）)"
)
_ENV_HINT = re.compile(r"(?:set |from |環境変数 )([A-Z][A-Z0-9_]+)")


def notices(ws: Workspace, quiet: bool = False) -> None:
    """What the loader decided without failing (e.g. a suite skipped because its data is absent);
    ``-q`` keeps them quiet (they never change a result). Several suites skipped for want of their
    optional data are said in one line."""
    if quiet:
        return
    skipped = [(m.group(1), n) for n in ws.notices if (m := _OPTIONAL_SKIP.search(n))]
    for notice in ws.notices:
        if len(skipped) < 2 or not _OPTIONAL_SKIP.search(notice):
            _err(tr(f"お知らせ: {notice}", f"notice: {notice}"))
    if len(skipped) >= 2:
        parts = []
        for suite_id, notice in skipped:
            env = _ENV_HINT.search(notice)
            parts.append(f"{suite_id} ({env.group(1)})" if env else suite_id)
        _err(
            tr(
                f"お知らせ: 任意のデータがないため {len(skipped)} 件のスイートを除外しました: {', '.join(parts)}"
                "（環境変数にデータのフォルダを設定してください。docs/datasets.md を参照）",
                f"notice: {len(skipped)} suites skipped, their optional data is absent: {', '.join(parts)} "
                "(set the variable to the data's folder; docs/datasets.md)",
            )
        )


def select(loaded: list[Loaded], wanted: list[str] | None, what: str) -> list[Loaded]:
    """Pick by id or by file path; unknown names are usage errors."""
    if not wanted:
        return loaded
    by_id = {x.model.id: x for x in loaded}
    by_path = {str(Path(x.path).resolve()): x for x in loaded}
    chosen: list[Loaded] = []
    label = {
        "suite": tr("スイート", "suite"),
        "vendor": tr("ベンダー", "vendor"),
        "judge": tr("判定モデル", "judge"),
    }.get(what, what)
    for name in wanted:
        hit = by_id.get(name) or by_path.get(str(Path(name).resolve()))
        if hit is None:
            import difflib

            close = difflib.get_close_matches(name, list(by_id), n=3, cutoff=0.6)
            if close:
                candidates = " or ".join(repr(c) for c in close)
                raise UsageError(
                    tr(
                        f"{label} '{name}' が見つかりません（{candidates} の誤りではありませんか）",
                        f"unknown {label} '{name}' (did you mean {candidates}?)",
                    )
                )
            known = ", ".join(sorted(by_id)) or tr("なし", "none")
            raise UsageError(
                tr(
                    f"{label} '{name}' が見つかりません（あるもの: {known}）",
                    f"unknown {label} '{name}' (known: {known})",
                )
            )
        if hit not in chosen:
            chosen.append(hit)
    return chosen


def attestation(args: argparse.Namespace, ws: Workspace, vendors: list[Loaded]) -> tuple[list[Loaded], dict]:
    """Merge --attestation answers files into the vendors, and flag unanswered questions."""
    from .integrity.attest import apply_answers, unanswered_notice

    sources: dict = {}
    if getattr(args, "attestation", None):
        vendors, sources = apply_answers([Path(p) for p in args.attestation], vendors)
    if not getattr(args, "quiet", False) and ws.attestation:
        # the embedded reference models are baselines, not candidates: their declarations are not asked for
        notices = [
            n
            for n in (unanswered_notice(v.model, ws.attestation) for v in vendors if v.model.category != "baseline")
            if n
        ]
        if getattr(args, "blind", False) and notices:  # a vendor's gaps would tell who is who in the log
            _err(
                tr(
                    f"お知らせ: {len(notices)} 件のベンダーに未回答の申告質問があり、未回答として扱います"
                    "（ブラインド実行のため名前は伏せます。レポートを参照）",
                    f"notice: {len(notices)} vendor(s) left attestation questions unanswered; they count as 未回答 "
                    "(names withheld in a blinded run: see the report)",
                )
            )
        else:
            for notice in notices:
                _err(tr(f"お知らせ: {notice}", f"notice: {notice}"))
    return vendors, sources
