"""Command line: evalkit run | validate | list | schema | serve | score | report | import, and the
procurement-integrity verbs seal | prereg | keygen | bundle | verify | selftest | compare
(evalkit/integrity/commands.py)."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shlex
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__, timings
from .config.issues import ConfigError, ConfigIssue
from .config.loader import Loaded, Workspace, load_workspace
from .errors import EXIT_CONFIG, EXIT_CRASH, EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, UsageError
from .i18n import tr
from .selection import attestation as _attestation
from .selection import notices as _notices
from .selection import select as _select
from .timings import phase

if TYPE_CHECKING:
    from .finisher import Finisher

SCHEMA_MODELS = ("suite", "vendor", "criteria", "attestation")


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr(f"秒数になっていません: {text!r}", f"not a number of seconds: {text!r}")
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            tr(f"正の秒数にしてください（{text!r} は不可）", f"must be a positive number of seconds, not {text!r}")
        )
    return value


# ---------------------------------------------------------------------------- selection
def _load(args: argparse.Namespace) -> tuple[Workspace, list[Loaded], list[Loaded], list[tuple[str, list[str]]]]:
    paths = [Path(p) for p in (args.suites_dir, args.vendors_dir)]
    # files named on the command line are what their option says, wherever they are
    kinds: dict[str | os.PathLike[str], str] = {
        Path(p): "suite" for p in args.suite or [] if Path(p).suffix in (".yaml", ".yml", ".sealed")
    }
    kinds.update(
        {
            Path(p): "vendor"
            for p in (args.vendor or []) + (getattr(args, "judge", None) or [])
            if Path(p).suffix in (".yaml", ".yml")
        }
    )
    ws = load_workspace(
        paths, Path(args.criteria) if args.criteria else None, key_env=getattr(args, "key_env", None), kinds=kinds
    )
    ws.raise_if_issues()
    if ws.criteria is None:
        raise UsageError(
            tr(
                f"criteria ファイルがありません: {args.suites_dir}/criteria.yaml を置くか "
                "--criteria FILE で指定してください",
                f"no criteria file: expected {args.suites_dir}/criteria.yaml or --criteria FILE",
            )
        )
    suites = _select(ws.suites, args.suite, "suite")
    vendors = _select(ws.vendors, args.vendor, "vendor")
    if not suites:
        raise UsageError(
            tr(f"{args.suites_dir} にスイートが見つかりません", f"no suites found under {args.suites_dir}")
        )
    vendors = [v for v in vendors if v.model.category != "judge" or args.vendor]
    skipped = []
    usable = []
    for v in vendors:
        missing = v.model.missing_env()
        if not missing:
            usable.append(v)
        elif args.vendor:
            names = ", ".join(missing)
            raise UsageError(
                tr(
                    f"{v.path}: ベンダー '{v.model.id}' に必要な環境変数 {names} が設定されていません",
                    f"{v.path}: vendor '{v.model.id}' needs environment variable(s) {names}, which are not set",
                )
            )
        else:
            skipped.append((v.model.id, missing))
    if not usable:
        raise UsageError(
            tr(f"{args.vendors_dir} に使用できるベンダーがありません", f"no usable vendors under {args.vendors_dir}")
        )
    for v in usable:
        v.model.resolved_base_url()  # a URL brought by the environment is checked before anything is sent
    return ws, suites, usable, skipped


def _count_items(suites: list[Loaded], wanted) -> int:
    """How many items have a scorer for which ``wanted(spec)`` holds."""
    return sum(1 for s in suites for it in s.model.items if any(wanted(sp) for sp in s.model.scorers_for(it)))


# ---------------------------------------------------------------------------- verbs
def _take_stored_selection(args: argparse.Namespace) -> None:
    """Reusing a run directory resumes that run: every part of the selection the command leaves
    unsaid (suites, vendors, judges, epochs, attestation answers, blinding) is the stored run's, so
    `evalkit run --resume DIR` alone continues it. What the command does say must match (checked
    before anything is sent)."""
    from .pipeline import stored_selection

    target = args.resume or args.out
    stored = stored_selection(Path(target)) if target else None
    if stored is None:
        return
    where = stored.get("locations") or {}
    # a run resumed from another working directory finds its folders and files where they were
    for name, default in (("suites_dir", "suites"), ("vendors_dir", "vendors")):
        if getattr(args, name) == default and not Path(default).is_dir() and where.get(name):
            setattr(args, name, where[name])
    if not args.criteria and where.get("criteria") and not (Path(args.suites_dir) / "criteria.yaml").is_file():
        args.criteria = where["criteria"]
    for name, key in (("suite", "suites"), ("vendor", "vendors"), ("judge", "judges")):
        if not getattr(args, name) and stored[key]:
            files = where.get(key) or {}
            # a suite or vendor given as a file outside the folders is named by its file again
            setattr(args, name, [files.get(i, i) for i in stored[key]])
    if args.epochs is None:
        args.epochs = stored["epochs"]
    if not args.attestation and stored["attestation"]:
        args.attestation = list(stored["attestation"])
    args.blind = args.blind or stored["blind"]


def _locations(
    args: argparse.Namespace, ws: Workspace, suites: list[Loaded], vendors: list[Loaded], judges: list[Loaded]
) -> dict:
    """Absolute folders, and the files of suites and vendors that lie outside them: what `evalkit run
    --resume DIR` needs to find the run's parts again from any working directory."""
    dirs = {name: str(Path(getattr(args, name)).resolve()) for name in ("suites_dir", "vendors_dir")}

    def outside(items: list[Loaded], folder: str) -> dict:
        return {
            x.model.id: str(Path(x.path).resolve())
            for x in items
            if not Path(x.path).resolve().is_relative_to(Path(folder))
        }

    assert ws.criteria is not None, "_load refuses a workspace without criteria"
    return {
        **dirs,
        "criteria": str(Path(ws.criteria.path).resolve()),
        "suites": outside(suites, dirs["suites_dir"]),
        "vendors": outside(vendors, dirs["vendors_dir"]),
        "judges": outside(judges, dirs["vendors_dir"]),
    }


def _resume_hint(out_dir: Path, *extra: str) -> str:
    return " ".join(["evalkit run --resume", shlex.quote(str(out_dir.resolve())), *extra])


def _writable_dir(path: Path, flag: str) -> Path:
    """``path`` as a run folder: an existing folder or one that can be created (a usage error otherwise)."""
    if path.exists() and not path.is_dir():
        raise UsageError(
            tr(
                f"{flag} {path}: フォルダではないものが既にあります。実行用のフォルダを指定してください",
                f"{flag} {path}: exists and is not a folder; name a folder for the run",
            )
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            tr(
                f"{flag} {path}: 実行フォルダを作成できません（{exc.strerror or exc}）",
                f"{flag} {path}: cannot create the run folder ({exc.strerror or exc})",
            )
        ) from None
    return path


def cmd_run(args: argparse.Namespace) -> int:
    from .finisher import started

    with started() as helper:  # a process that gets the finish stage ready meanwhile (evalkit/finisher.py)
        return _run(args, helper)


def _run(args: argparse.Namespace, helper: Finisher | None) -> int:
    from .pipeline import RunOptions, finish, new_run_id, send

    if args.resume and not (Path(args.resume) / "store.sqlite").is_file():
        raise UsageError(
            tr(
                f"{args.resume}: 再開できる実行がありません（store.sqlite がありません）",
                f"{args.resume}: nothing to resume (no store.sqlite)",
            )
        )
    _take_stored_selection(args)
    args.epochs = args.epochs or 1
    with phase("load"):
        ws, suites, vendors, skipped = _load(args)
    if not args.quiet:
        _notices(ws)
    for vendor_id, missing in skipped:
        _err(
            tr(
                f"お知らせ: ベンダー '{vendor_id}' を除外しました（環境変数 {', '.join(missing)} が未設定）",
                f"notice: skipped vendor '{vendor_id}': environment variable(s) {', '.join(missing)} not set",
            )
        )
    judges = _select(ws.vendors, args.judge, "judge") if args.judge else []
    for judge in judges:
        if judge.model.missing_env():
            raise UsageError(
                tr(
                    f"{judge.path}: 判定モデル '{judge.model.id}' に必要な環境変数 "
                    f"{', '.join(judge.model.missing_env())} が設定されていません",
                    f"{judge.path}: judge '{judge.model.id}' needs environment variable(s) "
                    f"{', '.join(judge.model.missing_env())}, which are not set",
                )
            )
    judged_items = _count_items(suites, lambda sp: sp.kind == "judge")
    if judged_items and not judges and not args.quiet:
        _err(
            tr(
                f"お知らせ: {judged_items} 問は判定モデルで採点しますが、判定モデルが指定されていません。"
                "未採点として報告します（--judge ID で指定してください）",
                f"notice: {judged_items} items are judge-scored and no judge is configured: they will be reported "
                "as not scored (pass --judge ID)",
            )
        )
    fallback_items = _count_items(suites, lambda sp: sp.kind == "refusal" and sp.params.get("judge_fallback"))
    if fallback_items and not judges and not args.quiet:
        _err(
            tr(
                f"お知らせ: {fallback_items} 問は拒否の採点で規則が決められない回答を判定モデルに回しますが、"
                "判定モデルが指定されていません。そうした回答は合格とせず未採点（判定保留）として報告します"
                "（--judge ID で指定してください）",
                f"notice: {fallback_items} items have a judge fallback for refusal scoring and no judge is "
                "configured: answers their rules cannot decide will be reported as not scored (判定保留), never "
                "as passed (pass --judge ID)",
            )
        )
    vendors, sources = _attestation(args, ws, vendors)
    out_dir = _writable_dir(
        Path(args.resume or args.out or Path(args.reports_dir) / new_run_id()), "--resume" if args.resume else "--out"
    )
    n_items = sum(len(s.model.items) for s in suites)
    if not args.quiet:
        _err(
            tr(
                f"evalkit {__version__}: スイート {len(suites)} 件、{n_items} 問、ベンダー {len(vendors)} 件"
                f" × {args.epochs} 回 -> {out_dir}",
                f"evalkit {__version__}: {len(suites)} suites, {n_items} items, {len(vendors)} vendors "
                f"x {args.epochs} epoch(s) -> {out_dir}",
            )
        )
    sent = send(
        ws,
        suites,
        vendors,
        RunOptions(
            out_dir=out_dir,
            epochs=args.epochs,
            quiet=args.quiet,
            retry_errors=args.retry_errors,
            deadline=args.deadline,
            blind=args.blind,
            blind_seed=args.blind_seed,
            announce=_err,
            attestation_sources=sources,
            locations=_locations(args, ws, suites, vendors, judges),
            helper_ready=helper.ready if helper is not None else None,
        ),
        judges=judges,
    )
    del ws, suites, vendors  # everything scoring and the report need is in the store now
    outcome = helper.finish(sent) if helper is not None else finish(sent)
    if (out_dir / "blind-mapping.json").is_file():
        _err(
            tr(
                f"ブラインド: ベンダーは ベンダーA, B, … と表示します。対応表は {out_dir / 'blind-mapping.json'} "
                "にあります（レポートとは別に保管してください。"
                "evalkit report RUN_DIR --unblind FILE で実名を表示します）",
                f"blind: vendors are shown as ベンダーA, B, …; the mapping is in {out_dir / 'blind-mapping.json'} "
                "(keep it apart from the report; evalkit report RUN_DIR --unblind FILE shows real names)",
            )
        )
    ex = outcome.execution
    if not args.quiet:
        _out(
            tr(
                f"リクエスト: 送信 {ex.sent} 件（成功 {ex.ok}、エラー {ex.errors}、再試行 {ex.retries}）、"
                f"保存済み {ex.skipped} 件",
                f"requests: {ex.sent} sent ({ex.ok} ok, {ex.errors} errors, {ex.retries} retries), "
                f"{ex.skipped} already in the store",
            )
            + (
                tr(
                    f"。判定リクエスト: 送信 {ex.judge_sent} 件、エラー {ex.judge_errors} 件",
                    f"; judge requests: {ex.judge_sent} sent, {ex.judge_errors} errors",
                )
                if judges
                else ""
            )
        )
        for v in outcome.summary["vendors"]:
            total = "—" if v["total"] is None else f"{v['total'] * 100:.1f}"
            if v.get("n_answered") == 0 and v.get("n_requests"):
                total = "回答なし"
            gates = "; ".join(f"{g['title']}: {g['reason']}" for g in v["failed_gates"])
            _out(
                f"  {v['rank']:>2}. {v['id']:<24} 総合 {total:>5}  {v['verdict']}"
                + (f"  ({gates})" if gates else "")
                + (tr(f"  エラー: {v['n_errors']}", f"  errors: {v['n_errors']}") if v["n_errors"] else "")
            )
    _out(tr(f"レポート: {outcome.report}", f"report: {outcome.report}"))
    for vendor_id, reason in ex.stopped.items():
        _err(
            tr(
                f"エラー: ベンダー '{vendor_id}' を停止しました: {reason}。残りのリクエストは送信していません。"
                f"原因を直してから次のコマンドで続けてください: {_resume_hint(out_dir, '--retry-errors')}",
                f"error: vendor '{vendor_id}' stopped: {reason}; its other requests were not sent. Fix it, then "
                f"continue with: {_resume_hint(out_dir, '--retry-errors')}",
            )
        )
    if ex.stopped:
        return EXIT_INCOMPLETE
    if ex.deadline_hit:
        _err(
            tr(
                f"警告: 期限に達し、{ex.unsent} 件のリクエストが未完了です。次のコマンドで続けてください: "
                f"{_resume_hint(out_dir)}",
                f"warning: deadline reached with {ex.unsent} requests not finished; continue with: "
                f"{_resume_hint(out_dir)}",
            )
        )
        return EXIT_INCOMPLETE
    if not outcome.summary["counts"]["requests"]:
        _err(
            tr(
                "警告: この実行にはリクエストがありません（選ばれた問題がありません）。何も評価していません",
                "warning: this run has no requests (no suite item was selected); nothing was evaluated",
            )
        )
        return EXIT_INCOMPLETE
    if outcome.summary["counts"]["errors"]:
        _err(
            tr(
                f"警告: {outcome.summary['counts']['errors']} 件のリクエストがエラーで終わりました"
                "（誤答には数えません）。"
                f"次のコマンドで再試行してください: {_resume_hint(out_dir, '--retry-errors')}",
                f"warning: {outcome.summary['counts']['errors']} requests ended in errors (not counted as wrong "
                f"answers); retry them with: {_resume_hint(out_dir, '--retry-errors')}",
            )
        )
        return EXIT_INCOMPLETE
    if args.fail_on_gate and any(v["verdict"] != "適合" for v in outcome.summary["vendors"]):
        return EXIT_GATE_FAILED
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in (args.paths or ["suites", "vendors"])]
    ws = load_workspace(paths, Path(args.criteria) if args.criteria else None, key_env=args.key_env)
    _notices(ws, args.quiet)
    if args.attestation and not ws.issues:
        from .integrity.attest import apply_answers

        try:
            ws.vendors, _ = apply_answers([Path(p) for p in args.attestation], ws.vendors)
        except ConfigError as exc:
            ws.issues += exc.issues
    probe_issues: list = []
    if args.self_check and not ws.issues:
        from .reference.selfcheck import canary_issues, probe_check, probe_table, self_check

        tallies = []
        for suite in ws.suites:
            cacheable = suite.model.id not in ws.sealed  # a sealed suite's probes are its answers
            ws.issues += self_check(suite, cacheable=cacheable)
            found, tally = probe_check(suite, cacheable=cacheable)
            probe_issues += found
            tallies.append(tally)
        ws.issues += canary_issues(ws.suites + ws.attestation)
        if not ws.issues and tallies:
            _out(probe_table(tallies))
        if not ws.issues and ws.suites:
            from .reference.near_duplicates import near_duplicate_issues
            from .reference.selfcheck import choice_baseline_check

            # multiple choice: overlap and longest-option heuristics must stay near chance
            found, table = choice_baseline_check(ws.suites)
            probe_issues += found
            if table:
                _out(table)
            # near-duplicate items over the checked files (intended pairs exempt)
            found, summary = near_duplicate_issues(ws.suites, cacheable=not ws.sealed)
            probe_issues += found
            _out(summary)
        # baselines need the whole tree's suites: only when a folder was given, not single files
        if not ws.issues and ws.criteria is not None and ws.suites and any(p.is_dir() for p in paths):
            from .reference.selfcheck import baseline_check

            found, table = baseline_check(ws.criteria, ws.suites)
            probe_issues += found
            _out(table)
    if ws.issues:
        for issue in sorted(set(ws.issues)):
            _err(str(issue))
        _err(tr(f"{len(set(ws.issues))} 件の問題があります", f"{len(set(ws.issues))} problem(s) found"))
        return EXIT_CONFIG
    if probe_issues:  # the files are valid, but their scoring does not do what the probes say
        for issue in sorted(set(probe_issues)):
            _err(str(issue))
        _err(
            tr(
                f"セルフチェック不合格: {len(set(probe_issues))} 件の問題（判定が違う又は欠けているプローブ、"
                "ゲートを通るベースライン、単純な推測で見抜ける選択肢、又はほぼ重複する問題）",
                f"self-check failed: {len(set(probe_issues))} problem(s): probes with the wrong verdict or "
                "missing, a baseline that passes a gate, multiple-choice options a heuristic sees through, "
                "or near-duplicate items",
            )
        )
        return EXIT_GATE_FAILED
    items = sum(len(s.model.items) for s in ws.suites)
    crit = tr(f"評価基準 {ws.criteria.path}、", f"criteria {ws.criteria.path}, ") if ws.criteria else ""
    checked = tr("（セルフチェック合格）", " (self-check passed)") if args.self_check else ""
    checks = sum(len(q.model.checks) for q in ws.attestation)
    attest = (
        tr(
            f"、申告質問票 {len(ws.attestation)} 件（確認項目 {checks}）",
            f", {len(ws.attestation)} attestation questionnaire(s) ({checks} checks)",
        )
        if ws.attestation
        else ""
    )
    _out(
        tr(
            f"ok: {crit}スイート {len(ws.suites)} 件（{items} 問）{attest}、ベンダー {len(ws.vendors)} 件{checked}",
            f"ok: {crit}{len(ws.suites)} suites ({items} items){attest}, {len(ws.vendors)} vendors{checked}",
        )
    )
    return EXIT_OK


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .calibrate import calibrate, calibration_table

    paths = [Path(p) for p in (args.paths or ["suites", "vendors"])]
    kinds: dict[str | os.PathLike[str], str] = {
        Path(p): "vendor" for p in args.judge if Path(p).suffix in (".yaml", ".yml")
    }
    kinds.update({Path(p): "suite" for p in args.suite or [] if Path(p).suffix in (".yaml", ".yml", ".sealed")})
    ws = load_workspace(paths, Path(args.criteria) if args.criteria else None, key_env=args.key_env, kinds=kinds)
    ws.raise_if_issues()
    judges = _select(ws.vendors, args.judge, "judge")
    for judge in judges:
        if judge.model.missing_env():
            raise UsageError(
                tr(
                    f"{judge.path}: 判定モデル '{judge.model.id}' に必要な環境変数 "
                    f"{', '.join(judge.model.missing_env())} が設定されていません",
                    f"{judge.path}: judge '{judge.model.id}' needs environment variable(s) "
                    f"{', '.join(judge.model.missing_env())}, which are not set",
                )
            )
    suites = _select(ws.suites, args.suite, "suite") if args.suite else ws.suites
    if not suites:
        raise UsageError(tr("較正に使うスイートがありません", "no suites to calibrate on"))
    out = Path(args.out) if args.out else Path(args.reports_dir) / "calibration"
    sealed = {s.model.id: ws.sealed[s.model.id] for s in suites if s.model.id in (ws.sealed or {})}
    result = calibrate([s.model for s in suites], [j.model for j in judges], out, quiet=args.quiet, sealed=sealed)
    _out(calibration_table(result))
    _out(
        tr(
            f"較正: 判定モデルに回したプローブ {result['routed_probes']} 件、判定リクエスト {result['requests']} 件。"
            f"{out / 'calibration.json'} に書き出しました",
            f"calibration: {result['routed_probes']} routed probe(s), {result['requests']} judge request(s); "
            f"written to {out / 'calibration.json'}",
        )
    )
    return EXIT_INCOMPLETE if result["errors"] else EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from .analysis.tree import item_weights
    from .config.inventory import area_counts, criterion_counts, difficulty_counts, tag_counts

    paths = [Path(p) for p in (args.paths or ["suites", "vendors"])]
    ws = load_workspace(paths, Path(args.criteria) if args.criteria else None, check_items=False, key_env=args.key_env)
    ws.raise_if_issues()
    _notices(ws, args.quiet)
    total = 0
    per_item = (
        item_weights(
            ws.criteria.model,
            [
                {
                    "id": s.model.id,
                    "criterion": s.model.criterion,
                    "weight": s.model.weight,
                    "n_items": len(s.model.items),
                }
                for s in ws.suites
            ],
        )
        if ws.criteria is not None
        else {}
    )
    _out(
        tr(
            "スイート（1問の重み = 一覧の全スイートを実行したときの総合点における1問の重み）:",
            "suites (1問の重み = the weight of one item in the total, with every listed suite run):",
        )
    )
    for s in sorted(ws.suites, key=lambda x: x.model.id):
        n = len(s.model.items)
        total += n
        weight = s.model.weight
        note = "" if weight == 1 else ("  [診断用: 得点に含めない]" if weight == 0 else f"  [重み {weight:g}]")
        share = per_item.get(s.model.id)
        shown = "" if share is None else (f"  1問の重み {share:.3%}" if share else "  1問の重み 0（総合点外）")
        _out(
            tr(
                f"  {s.model.id:<32} v{s.model.version:<8} {n:>5} 問  {s.model.criterion:<28} {s.model.title}"
                f"{note}{shown}",
                f"  {s.model.id:<32} v{s.model.version:<8} {n:>5} items  {s.model.criterion:<28} {s.model.title}"
                f"{note}{shown}",
            )
        )
        if args.tags:
            for tag, count in tag_counts(s.model):
                _out(f"      {count:>5}  {tag}")
    _out(tr(f"  {'合計':<30} {'':9} {total:>5} 問", f"  {'total':<32} {'':9} {total:>5} items"))
    if ws.attestation:
        _out(tr("申告質問票:", "attestation questionnaires:"))
        for q in sorted(ws.attestation, key=lambda x: x.model.id):
            critical = sum(c.critical for c in q.model.checks)
            _out(
                tr(
                    f"  {q.model.id:<32} v{q.model.version:<8} {len(q.model.checks):>5} 項目"
                    f"（必須 {critical}）  {q.model.criterion:<16} {q.model.title}",
                    f"  {q.model.id:<32} v{q.model.version:<8} {len(q.model.checks):>5} checks "
                    f"({critical} critical)  {q.model.criterion:<16} {q.model.title}",
                )
            )
    short = []
    if ws.criteria is not None:
        _out(
            tr(
                "評価基準（各ノード配下のスイートの問題数。当日公開スイート day_of_test.* と外部データを読むスイートは"
                "別に数えます）:",
                "criteria (items of the suites under each node; day-of-test suites day_of_test.* and suites "
                "reading external data counted apart):",
            )
        )
        for row in criterion_counts(ws.criteria.model, [s.model for s in ws.suites], [q.model for q in ws.attestation]):
            label = "  " * row.depth + row.id
            extra = (
                tr(f"  + 当日公開 {row.day_of_test}", f"  + {row.day_of_test} day-of-test") if row.day_of_test else ""
            )
            extra += (
                tr(f"  + 外部データ {row.external}", f"  + {row.external} from data sources") if row.external else ""
            )
            checks = tr(f"  + 申告確認 {row.checks}", f"  + {row.checks} attestation checks") if row.checks else ""
            minimum = ""
            if row.min_items is not None:
                ok = row.meets_minimum
                state = "ok" if ok else tr(f"{row.min_items - row.items} 不足", f"SHORT by {row.min_items - row.items}")
                minimum = tr(f"  （最低 {row.min_items}: {state}）", f"  (minimum {row.min_items}: {state})")
                if not ok:
                    short.append(row)
            _out(
                tr(
                    f"  {label:<40} {row.items:>5} 問{extra}{checks}{minimum}",
                    f"  {label:<40} {row.items:>5} items{extra}{checks}{minimum}",
                )
            )
    problems: list[str] = []
    if ws.criteria is not None:
        crit = ws.criteria.model
        models = [s.model for s in ws.suites]
        if crit.areas:
            _out(
                tr(
                    "分野（そのタグを持つ問題の数。当日公開と外部データは数えません）:",
                    "areas (items carrying the tag; day-of-test and external data not counted):",
                )
            )
            for area in area_counts(crit, models):
                state = (
                    "ok"
                    if area.meets_minimum
                    else tr(f"{area.min_items - area.items} 不足", f"SHORT by {area.min_items - area.items}")
                )
                _out(
                    tr(
                        f"  {area.tag:<36} {area.items:>5} 問  （最低 {area.min_items}: {state}）",
                        f"  {area.tag:<36} {area.items:>5} items  (minimum {area.min_items}: {state})",
                    )
                )
                if not area.meets_minimum:
                    problems.append(
                        tr(
                            f"{ws.criteria.path}: 分野 '{area.tag}' の問題数 {area.items} が min_items "
                            f"{area.min_items} に足りません",
                            f"{ws.criteria.path}: area '{area.tag}' has {area.items} items, fewer than its "
                            f"min_items {area.min_items}",
                        )
                    )
        mix = difficulty_counts(crit, models)
        parts = "  ".join(f"{level} {n}" for level, n in mix.levels.items())
        _out(
            tr(
                f"難易度: {parts}  ({mix.hardest} {mix.hardest_share:.1%}",
                f"difficulty: {parts}  ({mix.hardest} {mix.hardest_share:.1%}",
            )
            + (
                tr(f"、最低 {mix.min_hardest_share:.1%})", f", minimum {mix.min_hardest_share:.1%})")
                if crit.difficulty
                else ")"
            )
        )
        if crit.difficulty:
            problems += [f"{ws.criteria.path}: difficulty: {p}" for p in mix.problems()]
    _out(tr("ベンダー:", "vendors:"))
    for v in sorted(ws.vendors, key=lambda x: x.model.id):
        missing = v.model.missing_env()
        state = (
            tr("準備完了", "ready")
            if not missing
            else tr(f"{', '.join(missing)} が必要", f"needs {', '.join(missing)}")
        )
        _out(f"  {v.model.id:<32} {v.model.provider:<10} {v.model.model:<24} {state}")
    if args.check_min and (short or problems):
        for row in short:
            assert ws.criteria is not None, "short rows come from the criteria tree"
            _err(
                tr(
                    f"{ws.criteria.path}: 評価項目 '{row.id}' の問題数 {row.items} が min_items {row.min_items} "
                    "に足りません",
                    f"{ws.criteria.path}: criterion '{row.id}' has {row.items} items, fewer than its min_items "
                    f"{row.min_items}",
                )
            )
        for problem in problems:
            _err(problem)
        return EXIT_CONFIG
    return EXIT_OK


def cmd_check_versions(args: argparse.Namespace) -> int:
    from .config.versions import GitError, check_versions

    try:
        results = check_versions([Path(p) for p in (args.paths or ["suites"])], args.base)
    except GitError as exc:
        raise UsageError(f"check-versions: {exc}") from None
    stale = [r for r in results if r.status == "stale"]
    for r in stale:
        _err(r.message(args.base))
    if stale:
        _err(
            tr(
                f"{len(stale)} 件のファイルは新しい版番号が必要です（版の異なる結果を混ぜてはなりません）",
                f"{len(stale)} file(s) need a new version: results of different versions must never be mixed",
            )
        )
        return EXIT_CONFIG
    count = {k: sum(r.status == k for r in results) for k in ("bumped", "new", "unchanged")}
    _out(
        tr(
            f"ok: 版管理されたファイル {sum(count.values())} 件を {args.base} と比較しました: 変更かつ版更新 "
            f"{count['bumped']}、新規 {count['new']}、変更なし {count['unchanged']}",
            f"ok: {sum(count.values())} versioned files checked against {args.base}: {count['bumped']} changed "
            f"with a new version, {count['new']} new, {count['unchanged']} unchanged",
        )
    )
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from pydantic import BaseModel

    from .config import CriteriaFile, Suite, Vendor
    from .config.attestation import AttestationFile

    models: dict[str, type[BaseModel]] = {
        "suite": Suite,
        "vendor": Vendor,
        "criteria": CriteriaFile,
        "attestation": AttestationFile,
    }
    model = models[args.kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"evalkit {args.kind} file"
    _out(json.dumps(schema, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    from .reference import build_answer_book

    if len(args.vendor) != 1:
        raise UsageError(tr("負荷試験はベンダー 1 つずつです", "a load test drives one vendor at a time"))
    from .loadtest.profile import profile_from

    profile = profile_from(
        Path(args.profile) if args.profile else None,
        steps=args.steps,
        step_seconds=args.step_seconds,
        max_requests=args.max_requests,
        max_seconds=args.max_seconds,
        error_threshold=args.error_threshold,
        max_tokens=args.max_tokens,
    )
    ws, suites, vendors, _ = _load(args)  # (a vendor named whose key is not set is refused there)
    from .loadtest.command import console_table, run_load

    vendor = vendors[0].model
    criteria = ws.criteria.model if ws.criteria is not None else None
    result = run_load(
        suites, vendor, profile, Path(args.out), sealed=set(ws.sealed), book_of=build_answer_book, criteria=criteria
    )
    if not args.quiet:
        _out(console_table(result))
    failed = [g for g in result["gates"] if g["verdict"] == "不適合"]
    return EXIT_GATE_FAILED if failed and args.fail_on_gate else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web
    from pydantic import ValidationError

    from .config.vendor import Faults
    from .reference import build_answer_book, create_app

    book = {}
    if args.suites:
        ws = load_workspace(
            [Path(p) for p in args.suites], Path(args.criteria) if args.criteria else None, key_env=args.key_env
        )
        ws.raise_if_issues()
        book = build_answer_book([s.model for s in ws.suites])
    knobs = {
        k: v
        for k, v in vars(args).items()
        if k.startswith(("rate_", "latency_ms", "retry_after_s", "seed", "first_token_ms", "tokens_per_s"))
        and v is not None
    }
    try:
        faults = Faults(**knobs) if knobs else None
    except ValidationError as exc:
        raise UsageError("; ".join(e["msg"] for e in exc.errors())) from None
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise UsageError(
                tr(
                    f"--api-key-env {args.api_key_env}: この環境変数が設定されていません",
                    f"--api-key-env {args.api_key_env}: that environment variable is not set",
                )
            )
    _err(
        tr(
            f"evalkit 参照エンドポイント http://{args.host}:{args.port}/v1 "
            f"（モデル: oracle, refuse, echo, judge。oracle の正答 {len(book)} 件",
            f"evalkit reference endpoint on http://{args.host}:{args.port}/v1 "
            f"(models: oracle, refuse, echo, judge; {len(book)} oracle answers",
        )
        + (tr(f"。障害注入 {knobs}", f"; faults {knobs}") if knobs else "")
        + tr("）— Ctrl-C で停止", ") — Ctrl-C to stop")
    )
    with contextlib.ExitStack() as files:  # the request log stays open while the server runs
        log = None
        if args.request_log:
            handle = files.enter_context(open(args.request_log, "a", encoding="utf-8", buffering=1))

            def log(body: dict) -> None:
                handle.write(json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n")

        web.run_app(
            create_app(book, faults=faults, api_key=api_key, request_log=log),
            host=args.host,
            port=args.port,
            print=None,
            access_log=None,
        )
    return EXIT_OK


def _attach_load_tests(args: argparse.Namespace) -> None:
    """``--load DIR``: the load tests' results into the run store, judged with its criteria from now on."""
    if not getattr(args, "load", None):
        return
    from .loadtest.attach import attach
    from .pipeline import open_run

    with open_run(Path(args.run_dir)) as store:
        for vendor in attach(store, [Path(d) for d in args.load]):
            _err(tr(f"負荷試験の結果を付けました: {vendor}", f"attached the load test of {vendor}"))


def cmd_score(args: argparse.Namespace) -> int:
    from .pipeline import score_and_report

    _attach_load_tests(args)

    report, results = score_and_report(
        Path(args.run_dir), rescore=True, key_env=args.key_env, sealed_paths=tuple(Path(p) for p in args.sealed or [])
    )
    _out(
        tr(
            f"{results['counts']['ok']} 件の応答を再採点しました。レポート: {report}",
            f"rescored {results['counts']['ok']} responses; report: {report}",
        )
    )
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from .pipeline import score_and_report

    _attach_load_tests(args)

    report, results = score_and_report(
        Path(args.run_dir),
        rescore=False,
        vendor=args.vendor,
        public=args.public,
        out=Path(args.out) if args.out else None,
        key_env=args.key_env,
        sealed_paths=tuple(Path(p) for p in args.sealed or []),
        reveal=args.reveal,
        unblind=Path(args.unblind) if args.unblind else None,
    )
    _out(tr(f"レポート: {report}", f"report: {report}"))
    if args.reveal:
        _err(
            tr(
                "警告: このレポートには封印スイートの本文が含まれます。公開・配布しないでください",
                "warning: this report shows the text of sealed suites; do not publish or distribute it",
            )
        )
    if args.vendor is None and not args.public and not args.reveal and not args.unblind:
        _out(
            tr(
                f"書き出し: {report.parent / 'results.csv'}, results.parquet, summary.json, results.junit.xml",
                f"exports: {report.parent / 'results.csv'}, results.parquet, summary.json, results.junit.xml",
            )
        )
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from .importers import IMPORTERS

    out, suite, notes = IMPORTERS[args.format](
        Path(args.file),
        Path(args.out) if args.out else None,
        criterion=args.criterion,
        suite_id=args.id,
        criteria=Path(args.criteria) if args.criteria else None,
        force=args.force,
    )
    kinds: dict[str, int] = {}
    for item in suite["items"]:
        kind = (item.get("scorers") or suite["scorers"])[0]["kind"]
        kinds[kind] = kinds.get(kind, 0) + 1
    scored = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    _out(
        tr(
            f"{out} を書き出しました: スイート '{suite['id']}'、{len(suite['items'])} 問（{scored}）、"
            f"評価項目 {suite['criterion']}",
            f"wrote {out}: suite '{suite['id']}', {len(suite['items'])} items ({scored}), "
            f"criterion {suite['criterion']}",
        )
    )
    for note in notes:
        _err(tr(f"お知らせ: {note}", f"notice: {note}"))
    if kinds.get("judge"):
        _err(
            tr(
                f"お知らせ: {kinds['judge']} 問は判定モデルで採点します。--judge ID を付けて実行してください",
                f"notice: {kinds['judge']} items are judge-scored: run with --judge ID to score them",
            )
        )
    return EXIT_OK


# ---------------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every other bad input
        self.exit(
            EXIT_CONFIG,
            f"evalkit: error: {message} (see 'evalkit {self.prog.split()[-1]} --help')\n"
            if " " in self.prog
            else f"evalkit: error: {message} (see 'evalkit --help')\n",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="evalkit",
        description=tr(
            "日本語 LLM のエンドポイントを公募の評価基準に照らして評価します。",
            "Evaluate Japanese LLM endpoints against the tender's criteria.",
        ),
    )
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)

    def config_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--criteria",
            metavar="FILE",
            help=tr(
                "評価基準の木（既定: スイートと同じ場所の criteria.yaml）",
                "criteria tree (default: criteria.yaml beside the suites)",
            ),
        )

    def load_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--load",
            action="append",
            metavar="DIR",
            help=tr(
                "evalkit load の出力フォルダ（複数可）: そのベンダーの負荷試験の結果を実行に付け、criteria.yaml の "
                "load_gates を判定に含める",
                "a folder evalkit load wrote (repeatable): attach that vendor's load test to the run; the "
                "load_gates of criteria.yaml count in its verdict",
            ),
        )

    def key_args(p: argparse.ArgumentParser, sealed: bool = False) -> None:
        p.add_argument(
            "--key-env",
            metavar="NAME",
            help=tr(
                "封印スイートの鍵を入れた環境変数（既定: 各ファイルが指定するもの）",
                "environment variable holding the key of sealed suites (default: the one each names)",
            ),
        )
        if sealed:
            p.add_argument(
                "--sealed",
                action="append",
                metavar="FILE|DIR",
                help=tr(
                    "移動した場合の、実行の封印スイートファイルの現在の場所（複数指定可）",
                    "where the run's sealed suite files are now, if moved (repeatable)",
                ),
            )

    p = sub.add_parser(
        "run",
        help=tr(
            "スイートをベンダーに対して実行し、レポートを書き出す", "run suites against vendors and write a report"
        ),
    )
    p.add_argument(
        "-s",
        "--suite",
        action="append",
        metavar="ID|FILE",
        help=tr("実行するスイート（複数指定可。既定: すべて）", "suite to run (repeatable; default: all)"),
    )
    p.add_argument(
        "-v",
        "--vendor",
        action="append",
        metavar="ID|FILE",
        help=tr(
            "実行するベンダー（複数指定可。既定: 環境変数が揃っている全ベンダー）",
            "vendor to run (repeatable; default: every vendor whose environment is set)",
        ),
    )
    p.add_argument(
        "--suites-dir",
        default="suites",
        metavar="DIR",
        help=tr("スイートの置き場所（既定: suites）", "where suites live (default: suites)"),
    )
    p.add_argument(
        "--vendors-dir",
        default="vendors",
        metavar="DIR",
        help=tr("ベンダーの置き場所（既定: vendors）", "where vendors live (default: vendors)"),
    )
    p.add_argument(
        "--reports-dir",
        default="reports",
        metavar="DIR",
        help=tr("新しい実行フォルダを作る親フォルダ", "parent of new run directories"),
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help=tr(
            "実行フォルダ（既定: reports/<run-id>）。既存のものを指定すると再開する",
            "run directory (default: reports/<run-id>); reusing one resumes it",
        ),
    )
    p.add_argument(
        "--resume",
        metavar="DIR",
        help=tr(
            "DIR に保存された実行を再開する: 未完了のリクエストだけを送る",
            "resume the run stored in DIR: send only unfinished requests",
        ),
    )
    p.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help=tr(
            "各リクエストを N 回繰り返す（既定 1。再開時は保存済みの実行の値）",
            "repeat every request N times (default 1, or the stored run's when resuming)",
        ),
    )
    p.add_argument(
        "-j",
        "--judge",
        action="append",
        metavar="ID|FILE",
        help=tr(
            "判定モデルで採点する問題を判定するベンダー（複数指定可: 多数決・平均と一致度）",
            "vendor that judges judge-scored items (repeatable: majority/mean and agreement)",
        ),
    )
    p.add_argument(
        "--retry-errors",
        action="store_true",
        help=tr(
            "保存済みの結果がエラーのリクエストも再送する（成功したものは再送しない）",
            "also re-send requests whose stored result is an error (successes are never re-sent)",
        ),
    )
    p.add_argument(
        "--deadline",
        type=_seconds,
        metavar="SECONDS",
        help=tr(
            "この時間が過ぎたら送信をやめる。完了分は保存され、後で再開できる",
            "stop sending after this long; what finished is kept, resume later",
        ),
    )
    p.add_argument(
        "--fail-on-gate",
        action="store_true",
        help=tr(
            f"不適合のベンダーがあれば終了コード {EXIT_GATE_FAILED}", f"exit {EXIT_GATE_FAILED} if any vendor is 不適合"
        ),
    )
    p.add_argument("-q", "--quiet", action="store_true", help=tr("進捗を表示しない", "no progress output"))
    p.add_argument(
        "--blind",
        action="store_true",
        help=tr(
            "書き出しとレポートでベンダーを ベンダーA, B, … と表示する（対応表は RUN_DIR/blind-mapping.json）",
            "show vendors as ベンダーA, B, … in exports and reports (mapping in RUN_DIR/blind-mapping.json)",
        ),
    )
    p.add_argument(
        "--blind-seed",
        type=int,
        metavar="N",
        help=tr("仮名の順序の乱数の種（既定: 無作為）", "seed of the pseudonym order (default: random)"),
    )
    key_args(p)
    p.add_argument(
        "--attestation",
        action="append",
        metavar="FILE",
        help=tr(
            "申告の回答ファイル（申告項目の YAML マッピング、vendor: ID 付き）。複数指定可",
            "attestation answers file (YAML mapping of attestation fields, with vendor: ID); repeatable",
        ),
    )
    config_args(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "validate",
        help=tr(
            "スイート、ベンダー、評価基準を検査する（スキーマと相互参照）",
            "check suites, vendors and criteria (schemas and cross-references)",
        ),
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=tr("ファイル又はフォルダ（既定: suites vendors）", "files or folders (default: suites vendors)"),
    )
    p.add_argument(
        "--self-check",
        action="store_true",
        help=tr(
            "各スイートが oracle と refuse モデルを区別できることも確かめる",
            "also prove each suite separates the oracle from the refuse model",
        ),
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help=tr("お知らせを表示しない（問題は表示する）", "no notices (problems are still printed)"),
    )
    key_args(p)
    p.add_argument(
        "--attestation",
        action="append",
        metavar="FILE",
        help=tr(
            "申告の回答ファイルもベンダーと照合する（複数指定可）",
            "also check an attestation answers file against the vendors (repeatable)",
        ),
    )
    config_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "calibrate",
        help=tr(
            "規則が判定モデルに回すプローブで判定モデルを測る（正解率、κ）",
            "measure a judge on the probes the rules route to it (accuracy, kappa)",
        ),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="suites and vendors (default: suites vendors)")
    p.add_argument("-j", "--judge", action="append", required=True, metavar="ID|FILE", help="judge (repeatable)")
    p.add_argument("-s", "--suite", action="append", metavar="ID|FILE", help="only these suites (repeatable)")
    p.add_argument("--reports-dir", default="reports", metavar="DIR", help="parent of the default output")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where the store and calibration.json go (default: reports/calibration; reusing it resumes)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help=tr("進捗を表示しない", "no progress output"))
    config_args(p)
    key_args(p)
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser(
        "list",
        help=tr(
            "スイートを問題数とともに、ベンダーを準備状況とともに一覧する",
            "list suites with item counts, and vendors with their readiness",
        ),
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=tr("ファイル又はフォルダ（既定: suites vendors）", "files or folders (default: suites vendors)"),
    )
    p.add_argument(
        "--tags",
        action="store_true",
        help=tr("各スイートのタグ別の問題数も表示する", "also print each suite's item counts by tag"),
    )
    p.add_argument(
        "--check-min",
        action="store_true",
        help=f"exit {EXIT_CONFIG} when a criterion has fewer items than its min_items",
    )
    p.add_argument("-q", "--quiet", action="store_true", help=tr("お知らせを表示しない", "no notices"))
    key_args(p)
    config_args(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "check-versions",
        help=tr(
            "git の版以降にスイートの問題や採点が変わったのに版番号が変わっていなければ失敗する",
            "fail when a suite's items or scoring changed since a git revision but its version did not",
        ),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="suite files or folders (default: suites)")
    p.add_argument(
        "--base",
        default="HEAD",
        metavar="REV",
        help="git revision to compare with (default: HEAD, i.e. uncommitted changes)",
    )
    p.set_defaults(func=cmd_check_versions)

    p = sub.add_parser(
        "load",
        help=tr(
            "1 つのベンダーの推論サービスに負荷をかけ、同時ユーザー数ごとの性能を測る",
            "load-test one vendor's inference service: performance per number of concurrent users",
        ),
    )
    p.add_argument("-v", "--vendor", action="append", required=True, metavar="ID|FILE", help=tr("ベンダー", "vendor"))
    p.add_argument(
        "-s",
        "--suite",
        action="append",
        metavar="ID|FILE",
        help=tr(
            "依頼文を取るスイート（既定: すべての公開スイート）", "suites the requests come from (default: all open)"
        ),
    )
    p.add_argument("--suites-dir", default="suites", metavar="DIR")
    p.add_argument("--vendors-dir", default="vendors", metavar="DIR")
    p.add_argument("--out", required=True, metavar="DIR", help=tr("結果のフォルダ（新規）", "result folder (new)"))
    p.add_argument("--profile", metavar="FILE", help=tr("負荷の設定（YAML）", "load profile (YAML)"))
    p.add_argument(
        "--steps", metavar="N,N,...", help=tr("各段の同時ユーザー数（例 1,4,16,64）", "users per step (e.g. 1,4,16,64)")
    )
    p.add_argument("--step-seconds", type=float, metavar="S", help=tr("各段の秒数", "seconds per step"))
    p.add_argument("--max-requests", type=int, metavar="N", help=tr("リクエスト数の上限", "requests, at most"))
    p.add_argument("--max-seconds", type=float, metavar="S", help=tr("試験時間の上限（秒）", "seconds, at most"))
    p.add_argument(
        "--error-threshold",
        type=float,
        metavar="F",
        help=tr("この割合を超えるエラーで段を打ち切る", "stop a step whose error rate passes this fraction"),
    )
    p.add_argument(
        "--max-tokens", type=int, metavar="N", help=tr("各リクエストの max_tokens", "max_tokens of each request")
    )
    p.add_argument(
        "--fail-on-gate",
        action="store_true",
        help=tr(
            "criteria.yaml の負荷ゲート（load_gates）に不適合があれば終了コード 1",
            "exit 1 when a load gate of criteria.yaml (load_gates) fails",
        ),
    )
    p.add_argument("-q", "--quiet", action="store_true")
    key_args(p)
    config_args(p)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser(
        "schema",
        help=tr(
            "ファイルの種類の JSON Schema を表示する（エディタの補完用）",
            "print the JSON Schema of a file kind (for editor autocompletion)",
        ),
    )
    p.add_argument("kind", choices=SCHEMA_MODELS)
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "serve", help=tr("組込みの参照エンドポイントを単独で起動する", "run the embedded reference endpoint standalone")
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--suites", nargs="*", metavar="PATH", help="suites whose answers the oracle knows")
    p.add_argument("--api-key-env", metavar="NAME", help="require the key held in this variable (else HTTP 401)")
    p.add_argument("--request-log", metavar="FILE", help="append every request body to FILE (JSON lines)")
    faults = p.add_argument_group("fault injection (fractions of requests)")
    faults.add_argument("--latency-ms", type=float, help="fixed latency of every answer")
    faults.add_argument(
        "--first-token-ms", type=float, help="streamed answers: wait before the first token (after --latency-ms)"
    )
    faults.add_argument(
        "--tokens-per-s", type=float, help="streamed answers: tokens per second after the first (default: all at once)"
    )
    for kind, text in (
        ("429", "429 with Retry-After"),
        ("500", "HTTP 500"),
        ("503", "HTTP 503"),
        ("hang", "never answer"),
        ("malformed", "200 with a broken JSON body"),
        ("empty", "200 with no choices"),
        ("drop", "close the connection"),
    ):
        faults.add_argument(f"--rate-{kind}", dest=f"rate_{kind}", type=float, metavar="F", help=text)
    faults.add_argument("--retry-after-s", type=float, help="Retry-After value sent with 429")
    faults.add_argument("--seed", type=int, help="seed of the fault draw")
    key_args(p)
    config_args(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "score",
        help=tr(
            "保存済みの実行を再採点し、レポートを作り直す（エンドポイントは呼ばない）",
            "re-score a stored run (no endpoint is called) and re-render its report",
        ),
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    load_arg(p)
    key_args(p, sealed=True)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser(
        "report",
        help=tr(
            "保存済みの実行のレポートを作り直す（エンドポイントは呼ばない）",
            "re-render the report of a stored run (no endpoint is called)",
        ),
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    load_arg(p)
    p.add_argument(
        "--vendor",
        metavar="ID",
        help=tr(
            "1 ベンダー向けのセルフテスト表示: ゲート、不合格の問題と直すべき点。他ベンダーのデータは含まない",
            "self-test view for one vendor: its gates, failures and what to fix, no other vendor's data",
        ),
    )
    p.add_argument(
        "--public",
        action="store_true",
        help=tr(
            "公開用の表示: publish: true のベンダーのみ。非公開スイートの問題文は含まない",
            "publishable view: only vendors with publish: true, no item text of unpublished suites",
        ),
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="where to write the HTML (default: RUN_DIR/report.html, report-vendor-ID.html, report-public.html)",
    )
    p.add_argument(
        "--reveal",
        action="store_true",
        help="show the text of sealed suites (needs their key; writes report-revealed.html; never with --public)",
    )
    p.add_argument(
        "--unblind",
        metavar="MAPPING",
        help="a blinded run with real vendor names (the run's blind-mapping.json; writes report-unblinded.html)",
    )
    key_args(p, sealed=True)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "import",
        help=tr(
            "他のツールのデータ（aisev の CSV、Inspect の評価ログ）からスイートファイルを書き出す",
            "write a suite file from another tool's data (aisev CSV, Inspect eval log)",
        ),
    )
    p.add_argument(
        "format",
        choices=["aisev", "inspect"],
        help="aisev: Japan AISI's aisev evaluation data CSV; inspect: an Inspect eval log (.json or .eval)",
    )
    p.add_argument("file", metavar="FILE", help="the data file, e.g. 03_aisi_fairness_v0.1.csv or an Inspect log")
    p.add_argument("--out", metavar="FILE", help="suite file to write (default: suites/external/<format>_<name>.yaml)")
    p.add_argument(
        "--criterion",
        metavar="ID",
        help="criteria-tree leaf the suite serves (default: aisev: from the AISI perspective; inspect: the one "
        "an evalkit export recorded)",
    )
    p.add_argument("--id", metavar="ID", help="suite id (default: external.<format>_<name>)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    config_args(p)
    p.set_defaults(func=cmd_import)

    from .integrity.commands import add_parsers  # seal, prereg, keygen, bundle, verify, selftest, compare

    add_parsers(sub, config_args, key_args)
    from .review.commands import add_parsers as review_parsers  # review (human review, its audit log)

    review_parsers(sub, config_args, key_args)
    from .committee import add_parsers as committee_parsers  # items, sheet

    committee_parsers(sub, config_args)
    from .power_diff_commands import add_parsers as power_diff_parsers  # power, diff

    power_diff_parsers(sub, config_args)
    from .interop.commands import add_parsers as interop_parsers  # export (Inspect eval logs)

    interop_parsers(sub, config_args)
    from .attacks.commands import add_parsers as attacks_parsers  # attacks (prepared before a test)

    attacks_parsers(sub, config_args)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # numpy's OpenBLAS starts a thread per core at import, and those spin for some 0.14 s of CPU: on a
    # 2-core machine that is taken from the event loop or the endpoint. evalkit multiplies no large
    # matrices (bootstraps index and average vectors); a user's own setting is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    timings.reset()
    try:
        return _main(argv)
    finally:
        timings.write()  # EVALKIT_TIMINGS=FILE: where the time went (evalkit/timings.py)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help()
        return EXIT_CONFIG
    if getattr(args, "epochs", None) is not None and args.epochs < 1:
        _err(
            tr("evalkit: エラー: --epochs は 1 以上の整数にしてください", "evalkit: error: --epochs must be at least 1")
        )
        return EXIT_CONFIG
    try:
        return args.func(args)
    except ConfigError as exc:
        for issue in exc.issues:
            _err(str(issue))
        _err(tr(f"{len(exc.issues)} 件の問題があります", f"{len(exc.issues)} problem(s) found"))
        return EXIT_CONFIG
    except UsageError as exc:
        _err(tr(f"evalkit: エラー: {exc}", f"evalkit: error: {exc}"))
        return EXIT_CONFIG
    except KeyboardInterrupt:
        _err(
            tr(
                "evalkit: 中断しました。受信済みの結果はすべて実行ストアにあります（--resume DIR で再開できます）",
                "evalkit: interrupted; everything received so far is in the run store (resume with --resume DIR)",
            )
        )
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: one line by default, the traceback on request
        if os.environ.get("EVALKIT_DEBUG"):
            traceback.print_exc()
        _err(
            tr(
                f"evalkit: 内部エラー: {type(exc).__name__}: {exc}（EVALKIT_DEBUG=1 でトレースバックを表示します）",
                f"evalkit: internal error: {type(exc).__name__}: {exc} (set EVALKIT_DEBUG=1 for the traceback)",
            )
        )
        return EXIT_CRASH


__all__ = ["main", "build_parser", "ConfigIssue"]
