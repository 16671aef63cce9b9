"""``evalkit verify RUN_DIR``: a run directory checked as a bundle is, without the archive.

On a snapshot of the store (the run directory is never written): the human review audit log's hash
chain, the plan and the pre-registration, a re-score of every stored response compared with the
recorded scores, and, when the run's summary.json and results.csv exist, both re-derived (human
overrides applied as ``evalkit report`` applies them) and compared. A bundle (``evalkit verify
BUNDLE``) checks the same and its members' hashes and signature.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from ..errors import EXIT_OK, EXIT_VERIFY_FAILED, UsageError
from ..i18n import tr
from ..integrity.bundle import MAX_SHOWN, STORE, Opened, snapshot_store
from ..integrity.verify import (
    Verification,
    _compare_exports,
    _key_available,
    _scores,
    _who,
    check_plan,
    check_prereg,
    compare_scores,
)
from .audit import check_chain


def verify_run(run_dir: Path, *, key_env: str | None = None, sealed_paths: tuple[Path, ...] = ()) -> Verification:
    from ..analysis.tables import export_csv
    from ..cache import cache_disabled
    from ..config.sealed_files import SealError
    from ..pipeline import compute_results, open_sealed_suites, shown_views, summary_text
    from ..runner.store import STORE_NAME, RunStore
    from ..scorers.apply import score_store

    run_dir = Path(run_dir)
    if not (run_dir / STORE_NAME).is_file():
        raise UsageError(
            tr(
                f"{run_dir}: このフォルダに実行ストア（{STORE_NAME}）がありません",
                f"{run_dir}: no run store ({STORE_NAME}) in this directory",
            )
        )
    result = Verification()
    root = Path(tempfile.mkdtemp(prefix="evalkit-verify-run-"))
    try:
        (root / "rescore").mkdir()
        (root / "exports").mkdir()
        work = root / "rescore" / STORE
        snapshot_store(run_dir / STORE_NAME, work)
        names = []
        for name in ("summary.json", "results.csv"):
            if (run_dir / name).is_file():
                shutil.copyfile(run_dir / name, root / "exports" / name)
                names.append(f"exports/{name}")
        with RunStore(work) as store:
            broken = check_chain(store)
            result.problems += broken
            result.problems += check_plan(store)
            result.problems += check_prereg(store)
            before = _scores(store)
            if store.get_meta("sealed"):
                if _key_available(store, key_env):
                    try:
                        open_sealed_suites(store, key_env=key_env, sealed_paths=sealed_paths, run_dir=run_dir)
                    except SealError as exc:
                        result.problems.append(tr(f"封印スイート: {exc}", f"sealed suite: {exc}"))
                        result.partial = True
                else:
                    result.partial = True
                    result.notes.append(
                        tr(
                            "封印スイート: 鍵がないため、その得点を再計算していません（--key-env NAME）",
                            "sealed suites: no key, so their scores were not re-computed (pass --key-env NAME)",
                        )
                    )
            result.rescored = score_store(store, keep_sealed=result.partial)
            diffs = compare_scores(before, _scores(store), _who(store))
            result.problems += diffs[:MAX_SHOWN]
            if len(diffs) > MAX_SHOWN:
                more = len(diffs) - MAX_SHOWN
                result.problems.append(
                    tr(f"… ほかに得点の差分が {more} 件あります", f"… and {more} more score differences")
                )
            if broken:
                result.notes.append(
                    tr(
                        "監査ログの連鎖が壊れているため、書き出しは比べていません（ログが違えば書き出しも違います）",
                        "the audit log's chain is broken, so the exports were not compared (they follow the log)",
                    )
                )
                return result
            if result.partial or not names:
                if not names:
                    result.notes.append(
                        tr(
                            "summary.json と results.csv がないため、書き出しは比べていません",
                            "no summary.json and results.csv: the exports were not compared",
                        )
                    )
                return result
            head = store.get_meta("review_head")
            if head is not None and (store.get_meta("exports_state") or {}).get("reviews") != head:
                result.problems.append(
                    tr(
                        f"summary.json と results.csv は、人による審査の最新の判定（{head.get('n')} 件目まで）より前に"
                        f"書き出されています。evalkit report {run_dir} で書き直してください",
                        f"summary.json and results.csv were written before the latest human review decisions (up "
                        f"to entry {head.get('n')}): rewrite them with evalkit report {run_dir}",
                    )
                )
                return result
            with cache_disabled():
                results, df = compute_results(store)
            results, df, _ = shown_views(store, results, df)
            opened = Opened(run_dir, root, {}, b"", names)
            exported = _compare_exports(opened, summary_text(results), df, export_csv)
            if exported:
                result.notes.append(
                    tr(
                        f"書き出しが実行ストアと一致しません。判定を記録した後なら、evalkit report {run_dir} で"
                        "書き直してください",
                        f"the exports do not match the run store; after recording decisions, rewrite them with "
                        f"evalkit report {run_dir}",
                    )
                )
            result.problems += exported
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return result


def cmd_verify_run(args: argparse.Namespace) -> int:
    result = verify_run(Path(args.bundle), key_env=args.key_env)
    for note in result.notes:
        print(tr(f"verify: 注記: {note}", f"verify: note: {note}"), file=sys.stderr, flush=True)
    if result.problems:
        for problem in result.problems:
            print(f"verify: FAIL {problem}", flush=True)
        print(
            tr(
                f"verify: FAILED: {args.bundle} に {len(result.problems)} 件の問題があります",
                f"verify: FAILED: {len(result.problems)} problem(s) in {args.bundle}",
            ),
            flush=True,
        )
        return EXIT_VERIFY_FAILED
    n = result.rescored
    part = (
        tr("（部分的: 封印スイートは再採点していません）", " (partial: sealed suites not re-scored)")
        if result.partial
        else ""
    )
    print(
        tr(
            f"verify: ok: {args.bundle}: 人による審査の監査ログの連鎖を確かめ、{n} 件の回答を再採点して記録と"
            f"一致しました{part}",
            f"verify: ok: {args.bundle}: the human review audit log's chain holds; {n} responses re-scored match "
            f"the record{part}",
        ),
        flush=True,
    )
    return EXIT_OK
