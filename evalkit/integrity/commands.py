"""The procurement-integrity verbs: seal, prereg, keygen, bundle, verify, selftest, compare."""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_OK, EXIT_VERIFY_FAILED, UsageError
from ..i18n import tr


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    import sys

    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ seal
def cmd_seal(args: argparse.Namespace) -> int:
    from .sealed import seal_files

    written = seal_files(
        [Path(p) for p in args.paths],
        args.key_env,
        Path(args.out) if args.out else None,
        kdf=args.kdf,
        criteria=Path(args.criteria) if args.criteria else None,
        force=args.force,
    )
    for source, target, info in written:
        h = info.header
        _out(
            tr(
                f"封印しました {source} -> {target}: スイート {h['suite']} {h['version']}、{h['items']} 問、"
                f"鍵 ${info.key_env}（{h['kdf']['name']}）。暗号文 sha256:{info.ciphertext_sha256}、"
                f"平文 sha256:{info.plaintext_sha256}",
                f"sealed {source} -> {target}: suite {h['suite']} {h['version']}, {h['items']} items, "
                f"key ${info.key_env} ({h['kdf']['name']}); ciphertext sha256:{info.ciphertext_sha256}, "
                f"plaintext sha256:{info.plaintext_sha256}",
            )
        )
    plain = ", ".join(str(s) for s, _, _ in written)
    _err(
        tr(
            f"お知らせ: 平文のファイルがディスクに残っています（{plain}）。作業フォルダとリポジトリの外に"
            "保管してください。実行時は封印ファイルを鍵で読みます",
            f"notice: the plaintext file(s) are still on disk ({plain}): keep them out "
            "of the workspace and the repository; runs read the sealed file with the key",
        )
    )
    return EXIT_OK


# ------------------------------------------------------------------------------------------ prereg
def cmd_prereg(args: argparse.Namespace) -> int:
    from ..config.loader import classify, expand_paths, load_workspace
    from .prereg import one_line, preregistration

    paths = [Path(p) for p in (args.paths or ["suites"])]
    # sealed suites are hashed from their headers: anyone can recompute the digest without the key
    ws = load_workspace(paths, Path(args.criteria) if args.criteria else None, sealed="skip")
    ws.raise_if_issues()
    if ws.criteria is None:
        raise UsageError(
            tr(
                "criteria ファイルがありません。--criteria FILE で指定してください",
                "no criteria file: pass --criteria FILE",
            )
        )
    sealed = [f for f in expand_paths(paths)[0] if classify(f) == "sealed"]
    block = preregistration(ws, sealed_files=tuple(sealed))
    if args.json:
        _out(json.dumps(block, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        _out(one_line(block))
    return EXIT_OK


# ------------------------------------------------------------------------------------------ keygen, bundle
def cmd_keygen(args: argparse.Namespace) -> int:
    from .bundle import keygen

    key, pub, fp = keygen(Path(args.out), passphrase_env=args.passphrase_env, force=args.force)
    enc = tr("、暗号化済み", ", encrypted") if args.passphrase_env else ""
    _out(
        tr(
            f"秘密鍵: {key}（モード 0600{enc}。他人に渡さないでください）",
            f"private key: {key} (mode 0600{enc}; keep it secret)",
        )
    )
    _out(
        tr(
            f"公開鍵: {pub}（{fp}。バンドルを検証する相手に渡してください）",
            f"public key:  {pub} ({fp}; give it to whoever verifies your bundles)",
        )
    )
    return EXIT_OK


def cmd_bundle(args: argparse.Namespace) -> int:
    from .bundle import pack

    out, index = pack(
        Path(args.run_dir),
        Path(args.out) if args.out else None,
        sign_key=Path(args.sign_key) if args.sign_key else None,
        passphrase_env=args.passphrase_env,
        include_mapping=args.include_mapping,
        sealed_paths=tuple(Path(p) for p in args.sealed or []),
    )
    signed = (
        tr(f"{index['signature']['key']} で署名", f"signed with {index['signature']['key']}")
        if "signature" in index
        else tr("署名なし", "unsigned")
    )
    _out(
        tr(
            f"バンドル: {out}（メンバー {len(index['members'])} 件、{signed}）",
            f"bundle: {out} ({len(index['members'])} members, {signed})",
        )
    )
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from .verify import describe, verify

    if Path(args.bundle).is_dir():  # a run directory (evalkit/review/verify_run.py)
        from ..review.verify_run import cmd_verify_run

        return cmd_verify_run(args)
    result = verify(Path(args.bundle), pubkey=Path(args.pubkey) if args.pubkey else None, key_env=args.key_env)
    for note in result.notes:
        _err(tr(f"verify: 注記: {note}", f"verify: note: {note}"))
    if result.problems:
        for problem in result.problems:
            _out(f"verify: FAIL {problem}")
        _out(
            tr(
                f"verify: FAILED: {args.bundle} に {len(result.problems)} 件の問題があります",
                f"verify: FAILED: {len(result.problems)} problem(s) in {args.bundle}",
            )
        )
        return EXIT_VERIFY_FAILED
    _out(
        tr(
            f"verify: ok: {args.bundle}: 全メンバーが SHA-256 と一致しました。{describe(result)}。"
            "記録された得点、summary.json と results.csv を再現しました",
            f"verify: ok: {args.bundle}: every member matches its SHA-256; {describe(result)}; recorded scores, "
            "summary.json and results.csv reproduced",
        )
        if not result.partial
        else tr(
            f"verify: ok（部分的）: {args.bundle}: 全メンバーが SHA-256 と一致しました。{describe(result)}",
            f"verify: ok (partial): {args.bundle}: every member matches its SHA-256; {describe(result)}",
        )
    )
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare

    result = compare(
        Path(args.bundle),
        Path(args.run_dir),
        vendor=args.vendor,
        pubkey=Path(args.pubkey) if args.pubkey else None,
        tolerance=args.tolerance,
    )
    if result.problems:
        for problem in result.problems:
            _out(f"compare: FAIL {problem}")
        _out(
            tr(
                "compare: バンドルの検証に失敗したため、比較していません",
                "compare: the bundle does not verify; nothing compared",
            )
        )
        return EXIT_VERIFY_FAILED
    for line in result.lines:
        _out(line)
    if result.differing:
        _out(
            tr(
                f"compare: {len(result.differing)} 件のスイートが {args.tolerance:g} 点を超えて異なります: ",
                f"compare: {len(result.differing)} suite(s) differ by more than {args.tolerance:g} points: ",
            )
            + ", ".join(result.differing)
        )
        return EXIT_VERIFY_FAILED
    _out(
        tr(
            f"compare: 一致（比較した全スイートの差が {args.tolerance:g} 点以内）",
            f"compare: consistent (every compared suite within {args.tolerance:g} points)",
        )
    )
    return EXIT_OK


# ------------------------------------------------------------------------------------------ selftest
def cmd_selftest(args: argparse.Namespace) -> int:
    from ..analysis.tables import item_table
    from ..config.loader import load_workspace
    from ..pipeline import RunOptions, new_run_id, open_run, run
    from ..selection import attestation as _attestation
    from ..selection import notices as _notices
    from ..selection import select as _select
    from .bundle import pack

    vendor_is_file = Path(args.vendor).suffix in (".yaml", ".yml")
    paths = [Path(args.suites)]
    if not vendor_is_file or args.judge:
        paths.append(Path(args.vendors_dir))
    # --vendor FILE is a vendor file wherever it is (loaded even though it is not among paths)
    ws = load_workspace(
        paths,
        Path(args.criteria) if args.criteria else None,
        sealed="skip",
        kinds={Path(args.vendor): "vendor"} if vendor_is_file else None,
    )
    ws.raise_if_issues()
    if ws.criteria is None:
        raise UsageError(
            tr(
                f"criteria ファイルがありません: {args.suites}/criteria.yaml を置くか "
                "--criteria FILE で指定してください",
                f"no criteria file: expected {args.suites}/criteria.yaml or --criteria FILE",
            )
        )
    vendor = _select(ws.vendors, [args.vendor], "vendor")[0]
    if vendor.model.missing_env():
        raise UsageError(
            tr(
                f"{vendor.path}: ベンダー '{vendor.model.id}' に必要な環境変数 "
                f"{', '.join(vendor.model.missing_env())} が設定されていません",
                f"{vendor.path}: vendor '{vendor.model.id}' needs environment variable(s) "
                f"{', '.join(vendor.model.missing_env())}, which are not set",
            )
        )
    suites = [s for s in ws.suites if s.model.publish and s.model.items]
    if not suites:
        raise UsageError(
            tr(
                f"{args.suites} に公開スイート（publish: true）がありません",
                f"no public suites (publish: true) under {args.suites}",
            )
        )
    judges = _select(ws.vendors, args.judge, "judge") if args.judge else []
    if not args.quiet:
        _notices(ws)
    [vendor], sources = _attestation(args, ws, [vendor])
    run_id = f"selftest-{vendor.model.id}-{new_run_id()}"
    out_dir = Path(args.out) if args.out else Path(args.reports_dir) / run_id
    n_items = sum(len(s.model.items) for s in suites)
    if not args.quiet:
        _err(
            tr(
                f"'{vendor.model.id}' のセルフテスト: 公開スイート {len(suites)} 件、{n_items} 問 -> {out_dir}",
                f"self-test of '{vendor.model.id}': {len(suites)} public suites, {n_items} items -> {out_dir}",
            )
        )
    outcome = run(
        ws,
        suites,
        [vendor],
        RunOptions(out_dir=out_dir, epochs=args.epochs, quiet=args.quiet, announce=_err, attestation_sources=sources),
        judges=judges,
    )
    summary = outcome.summary
    row = summary["vendors"][0]
    total = "—" if row["total"] is None else f"{row['total'] * 100:.1f}"
    _out(f"{row['name']} ({row['id']}): 総合 {total}  {row['verdict']}")
    titles = {n["id"]: n["title"] for n in summary["criteria"]}
    gates = summary.get("gates", [])
    _out(tr("ゲート:", "gates:") + ("" if gates else tr("（評価基準にありません）", " (none in the criteria)")))
    for gate in gates:
        status = (
            ("未評価" if gate.get("unevaluated") else "判定保留")
            if gate.get("incomplete")
            else ("適合" if gate.get("passed") else "不適合")
        )
        _out(f"  [{status}] {titles.get(gate['node'], gate['node'])}: {gate.get('reason') or ''}".rstrip())
    with open_run(out_dir) as store:
        df = item_table(store)
    scored = df[df.status == "ok"].sort_values(
        ["score", "critical", "suite_id", "item_id"], ascending=[True, False, True, True]
    )
    worst = scored[scored.score < 1].head(args.worst)
    below = int((scored.score < 1).sum())
    _out(
        tr(
            f"得点の低い問題（満点未満 {below} 問のうち {len(worst)} 問）:",
            f"worst items ({len(worst)} of {below} below full marks):",
        )
    )
    for r in worst.to_dict("records"):
        why = " ".join(str(r["explanation"] or "").split())
        _out(
            f"  {float(r['score']) * 100:5.1f}  {r['suite_id']}/{r['item_id']}{' [重要]' if r['critical'] else ''}  "
            f"{why[:160] + ('…' if len(why) > 160 else '')}"
        )
    bundle, index = pack(
        out_dir,
        Path(args.bundle) if args.bundle else out_dir / "submission.bundle.tar.gz",
        sign_key=Path(args.sign_key) if args.sign_key else None,
        passphrase_env=args.passphrase_env,
        kind="selftest",
    )
    signed = (
        tr(f"{index['signature']['key']} で署名", f"signed with {index['signature']['key']}")
        if "signature" in index
        else tr("署名なし", "unsigned")
    )
    _out(tr(f"レポート: {outcome.report}", f"report: {outcome.report}"))
    _out(
        tr(
            f"提出用バンドル: {bundle}（{signed}）。デジタル庁は次のコマンドで確認します: evalkit verify {bundle.name}",
            f"submission bundle: {bundle} ({signed}); the Agency checks it with: evalkit verify {bundle.name}",
        )
        + (" --pubkey YOUR.pub" if "signature" in index else "")
    )
    if summary["counts"]["errors"]:
        where = shlex.quote(str(Path(out_dir).resolve()))
        _err(
            tr(
                f"警告: {summary['counts']['errors']} 件のリクエストがエラーで終わりました。再試行: "
                f"evalkit run --resume {where} --retry-errors の後に evalkit bundle {where}",
                f"warning: {summary['counts']['errors']} requests ended in errors; retry with: "
                f"evalkit run --resume {where} --retry-errors, then evalkit bundle {where}",
            )
        )
        return EXIT_INCOMPLETE
    if args.fail_on_gate and row["verdict"] != "適合":
        return EXIT_GATE_FAILED
    return EXIT_OK


# ------------------------------------------------------------------------------------------ parsers
def add_parsers(
    sub: argparse._SubParsersAction[Any],  # of the CLI's own ArgumentParser subclass
    config_args: Callable[[argparse.ArgumentParser], None],
    key_args: Callable[..., None],  # (parser, sealed=False) -> None: the key options; not used here yet
) -> None:
    p = sub.add_parser(
        "seal",
        help=tr(
            "試験当日の実行のためにスイートファイルを暗号化する（AES-256-GCM）",
            "encrypt suite files (AES-256-GCM) for a day-of-test run",
        ),
    )
    p.add_argument("paths", nargs="+", metavar="SUITE", help="suite files or folders of suites")
    p.add_argument(
        "--key-env",
        required=True,
        metavar="NAME",
        help="environment variable holding the key: 32 bytes as 64 hex digits or base64, or a passphrase "
        "(16+ characters, stretched with scrypt)",
    )
    p.add_argument(
        "--out", metavar="FILE|DIR", help="sealed file (one suite) or folder (default: SUITE.sealed beside it)"
    )
    p.add_argument(
        "--kdf",
        choices=["auto", "raw", "scrypt"],
        default="auto",
        help="how to read the key (default: raw when it is 32 bytes in hex/base64, else scrypt)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing sealed file")
    config_args(p)
    p.set_defaults(func=cmd_seal)

    p = sub.add_parser(
        "prereg",
        help=tr(
            "評価基準、質問票、スイートの事前登録ハッシュを表示する",
            "print the pre-registration hash of criteria, questionnaires and suites",
        ),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="suite files or folders (default: suites)")
    p.add_argument("--json", action="store_true", help="print every hash, not only the digest")
    config_args(p)
    p.set_defaults(func=cmd_prereg)

    p = sub.add_parser(
        "keygen", help=tr("バンドル署名用の Ed25519 の鍵の組を作る", "create an Ed25519 key pair for signing bundles")
    )
    p.add_argument("--out", required=True, metavar="PREFIX", help="writes PREFIX.key (0600) and PREFIX.pub")
    p.add_argument("--passphrase-env", metavar="NAME", help="encrypt the private key with this variable's passphrase")
    p.add_argument("--force", action="store_true", help="replace existing key files")
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser(
        "bundle",
        help=tr(
            "実行（ストア、マニフェスト、書き出し）を検証可能な 1 つのアーカイブにまとめる",
            "pack a run (store, manifest, exports) into one verifiable archive",
        ),
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--sign-key", metavar="FILE", help="Ed25519 private key (evalkit keygen) to sign the bundle")
    p.add_argument("--passphrase-env", metavar="NAME", help="variable holding the signing key's passphrase")
    p.add_argument("--out", metavar="FILE", help="archive to write (default: RUN_DIR/<run-id>.bundle.tar.gz)")
    p.add_argument("--include-mapping", action="store_true", help="also pack blind-mapping.json (a blinded run)")
    p.add_argument("--sealed", action="append", metavar="FILE|DIR", help="where the run's sealed files are, if moved")
    p.set_defaults(func=cmd_bundle)

    p = sub.add_parser(
        "verify",
        help=tr(
            f"バンドル（又は実行フォルダ）のハッシュ・署名・監査ログを確かめて再採点する（差分があれば終了コード "
            f"{EXIT_VERIFY_FAILED}）",
            f"check a bundle's (or a run directory's) hashes, signature and audit log and re-score it (exit "
            f"{EXIT_VERIFY_FAILED} on any difference)",
        ),
    )
    p.add_argument("bundle", metavar="BUNDLE|RUN_DIR")
    p.add_argument("--pubkey", metavar="FILE", help="the signer's public key: the bundle must be signed by it")
    p.add_argument("--key-env", metavar="NAME", help="key of the run's sealed suites, to re-score them too")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "selftest",
        help=tr(
            "ベンダーのセルフテスト: 公開スイートを 1 つのエンドポイントに対して実行し、提出用バンドルを作る",
            "a vendor's self-test: the public suites against one endpoint, and a submission bundle",
        ),
    )
    p.add_argument("--vendor", required=True, metavar="FILE|ID", help="the vendor file (or id under --vendors-dir)")
    p.add_argument(
        "--suites",
        default="suites",
        metavar="DIR",
        help="suites folder (default: suites; only publish: true suites run, sealed ones never)",
    )
    p.add_argument("--vendors-dir", default="vendors", metavar="DIR", help="where vendor and judge ids are looked up")
    p.add_argument("--reports-dir", default="reports", metavar="DIR", help="parent of the run directory")
    p.add_argument("--out", metavar="DIR", help="run directory (default: reports/selftest-<vendor>-<run-id>)")
    p.add_argument("--bundle", metavar="FILE", help="submission bundle (default: RUN_DIR/submission.bundle.tar.gz)")
    p.add_argument("--sign-key", metavar="FILE", help="Ed25519 private key to sign the bundle (evalkit keygen)")
    p.add_argument("--passphrase-env", metavar="NAME", help="variable holding the signing key's passphrase")
    p.add_argument("--attestation", action="append", metavar="FILE", help="attestation answers file")
    p.add_argument("-j", "--judge", action="append", metavar="ID|FILE", help="judge for judge-scored items")
    p.add_argument("--epochs", type=int, default=1, metavar="N")
    p.add_argument("--worst", type=int, default=10, metavar="N", help="how many of the worst items to print")
    p.add_argument("--fail-on-gate", action="store_true", help=f"exit {EXIT_GATE_FAILED} when the vendor is not 適合")
    p.add_argument("-q", "--quiet", action="store_true", help=tr("進捗を表示しない", "no progress output"))
    config_args(p)
    p.set_defaults(func=cmd_selftest)

    p = sub.add_parser(
        "compare",
        help=tr(
            "ベンダーのセルフテストのバンドルを、同じエンドポイントに対するデジタル庁の実行と比べる",
            "compare a vendor's self-test bundle with the Agency's run of the same endpoint",
        ),
    )
    p.add_argument("bundle", metavar="BUNDLE")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--vendor", metavar="ID", help="the vendor's id in RUN_DIR (default: the bundle's)")
    p.add_argument("--pubkey", metavar="FILE", help="the vendor's public key: the bundle must be signed by it")
    p.add_argument(
        "--tolerance",
        type=float,
        default=5.0,
        metavar="POINTS",
        help=f"largest suite score difference accepted (default 5 points; beyond: exit {EXIT_VERIFY_FAILED})",
    )
    p.set_defaults(func=cmd_compare)


__all__ = ["add_parsers"]
