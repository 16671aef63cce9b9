"""Command line: evalkit run | validate | list | schema | serve | score | report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Optional, Sequence

from . import __version__
from .config.issues import ConfigError, ConfigIssue
from .config.loader import Loaded, Workspace, load_workspace
from .errors import (EXIT_CONFIG, EXIT_CRASH, EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK,
                     UsageError)

SCHEMA_MODELS = ("suite", "vendor", "criteria")


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- selection
def _select(loaded: list[Loaded], wanted: Optional[list[str]], what: str) -> list[Loaded]:
    """Pick by id or by file path; unknown names are usage errors."""
    if not wanted:
        return loaded
    by_id = {x.model.id: x for x in loaded}
    by_path = {str(Path(x.path).resolve()): x for x in loaded}
    chosen: list[Loaded] = []
    for name in wanted:
        hit = by_id.get(name) or by_path.get(str(Path(name).resolve()))
        if hit is None:
            known = ", ".join(sorted(by_id)) or "none"
            raise UsageError(f"unknown {what} '{name}' (known: {known})")
        if hit not in chosen:
            chosen.append(hit)
    return chosen


def _load(args: argparse.Namespace) -> tuple[Workspace, list[Loaded], list[Loaded], list[tuple[str, list[str]]]]:
    paths = [Path(p) for p in (args.suites_dir, args.vendors_dir)]
    extra = [Path(p) for p in (args.suite or []) + (args.vendor or []) if Path(p).suffix in (".yaml", ".yml")]
    ws = load_workspace(paths + extra, Path(args.criteria) if args.criteria else None)
    ws.raise_if_issues()
    if ws.criteria is None:
        raise UsageError(f"no criteria file: expected {args.suites_dir}/criteria.yaml or --criteria FILE")
    suites = _select(ws.suites, args.suite, "suite")
    vendors = _select(ws.vendors, args.vendor, "vendor")
    if not suites:
        raise UsageError(f"no suites found under {args.suites_dir}")
    skipped = []
    usable = []
    for v in vendors:
        missing = v.model.missing_env()
        if not missing:
            usable.append(v)
        elif args.vendor:
            names = ", ".join(missing)
            raise UsageError(f"{v.path}: vendor '{v.model.id}' needs environment variable(s) {names}, which are not set")
        else:
            skipped.append((v.model.id, missing))
    if not usable:
        raise UsageError(f"no usable vendors under {args.vendors_dir}")
    return ws, suites, usable, skipped


# ---------------------------------------------------------------------------- verbs
def cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import RunOptions, new_run_id, run

    ws, suites, vendors, skipped = _load(args)
    for vendor_id, missing in skipped:
        _err(f"notice: skipped vendor '{vendor_id}': environment variable(s) {', '.join(missing)} not set")
    out_dir = Path(args.resume or args.out or Path(args.reports_dir) / new_run_id())
    if args.resume and not (out_dir / "store.sqlite").is_file():
        raise UsageError(f"{out_dir}: nothing to resume (no store.sqlite)")
    n_items = sum(len(s.model.items) for s in suites)
    if not args.quiet:
        _err(f"evalkit {__version__}: {len(suites)} suites, {n_items} items, {len(vendors)} vendors "
             f"x {args.epochs} epoch(s) -> {out_dir}")
    outcome = run(ws, suites, vendors, RunOptions(out_dir=out_dir, epochs=args.epochs, quiet=args.quiet,
                                                  retry_errors=args.retry_errors, deadline=args.deadline))
    ex = outcome.execution
    if not args.quiet:
        _out(f"requests: {ex.sent} sent ({ex.ok} ok, {ex.errors} errors, {ex.retries} retries), "
             f"{ex.skipped} already in the store")
        for v in outcome.summary["vendors"]:
            total = "—" if v["total"] is None else f"{v['total'] * 100:.1f}"
            gates = "; ".join(f"{g['title']}: {g['reason']}" for g in v["failed_gates"])
            _out(f"  {v['rank']:>2}. {v['id']:<24} 総合 {total:>5}  {v['verdict']}"
                 + (f"  ({gates})" if gates else "") + (f"  errors: {v['n_errors']}" if v["n_errors"] else ""))
    _out(f"report: {outcome.report}")
    if ex.deadline_hit:
        _err(f"warning: deadline reached with {ex.unsent} requests not finished; "
             f"continue with: evalkit run --resume {out_dir}")
        return EXIT_INCOMPLETE
    if outcome.summary["counts"]["errors"]:
        _err(f"warning: {outcome.summary['counts']['errors']} requests ended in errors (not counted as wrong "
             f"answers); retry them with: evalkit run --resume {out_dir} --retry-errors")
        return EXIT_INCOMPLETE
    if args.fail_on_gate and any(v["verdict"] != "適合" for v in outcome.summary["vendors"]):
        return EXIT_GATE_FAILED
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in (args.paths or ["suites", "vendors"])]
    ws = load_workspace(paths, Path(args.criteria) if args.criteria else None)
    if args.self_check and not ws.issues:
        from .reference.selfcheck import self_check

        for suite in ws.suites:
            ws.issues += self_check(suite)
    if ws.issues:
        for issue in sorted(set(ws.issues)):
            _err(str(issue))
        _err(f"{len(set(ws.issues))} problem(s) found")
        return EXIT_CONFIG
    items = sum(len(s.model.items) for s in ws.suites)
    crit = f"criteria {ws.criteria.path}, " if ws.criteria else ""
    checked = " (self-check passed)" if args.self_check else ""
    _out(f"ok: {crit}{len(ws.suites)} suites ({items} items), {len(ws.vendors)} vendors{checked}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in (args.paths or ["suites", "vendors"])]
    ws = load_workspace(paths, Path(args.criteria) if args.criteria else None, check_items=False)
    ws.raise_if_issues()
    total = 0
    _out("suites:")
    for s in sorted(ws.suites, key=lambda x: x.model.id):
        n = len(s.model.items)
        total += n
        _out(f"  {s.model.id:<32} v{s.model.version:<8} {n:>5} items  {s.model.criterion:<28} {s.model.title}")
    _out(f"  {'total':<32} {'':9} {total:>5} items")
    _out("vendors:")
    for v in sorted(ws.vendors, key=lambda x: x.model.id):
        missing = v.model.missing_env()
        state = "ready" if not missing else f"needs {', '.join(missing)}"
        _out(f"  {v.model.id:<32} {v.model.provider:<10} {v.model.model:<24} {state}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .config import CriteriaFile, Suite, Vendor

    model = {"suite": Suite, "vendor": Vendor, "criteria": CriteriaFile}[args.kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"evalkit {args.kind} file"
    _out(json.dumps(schema, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from .reference import build_answer_book, create_app

    from pydantic import ValidationError

    from .config.vendor import Faults

    book = {}
    if args.suites:
        ws = load_workspace([Path(p) for p in args.suites], Path(args.criteria) if args.criteria else None)
        ws.raise_if_issues()
        book = build_answer_book([s.model for s in ws.suites])
    knobs = {k: v for k, v in vars(args).items() if k.startswith(("rate_", "latency_ms", "retry_after_s", "seed"))
             and v is not None}
    try:
        faults = Faults(**knobs) if knobs else None
    except ValidationError as exc:
        raise UsageError("; ".join(e["msg"] for e in exc.errors())) from None
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise UsageError(f"--api-key-env {args.api_key_env}: that environment variable is not set")
    log = None
    if args.request_log:
        handle = open(args.request_log, "a", encoding="utf-8", buffering=1)

        def log(body: dict) -> None:
            handle.write(json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n")
    _err(f"evalkit reference endpoint on http://{args.host}:{args.port}/v1 "
         f"(models: oracle, refuse, echo; {len(book)} oracle answers"
         + (f"; faults {knobs}" if knobs else "") + ") — Ctrl-C to stop")
    web.run_app(create_app(book, faults=faults, api_key=api_key, request_log=log), host=args.host,
                port=args.port, print=None, access_log=None)
    return EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    from .pipeline import score_and_report

    report, results = score_and_report(Path(args.run_dir), rescore=True)
    _out(f"rescored {results['counts']['ok']} responses; report: {report}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from .pipeline import score_and_report

    report, _ = score_and_report(Path(args.run_dir), rescore=False)
    _out(f"report: {report}")
    return EXIT_OK


# ---------------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other bad input
        self.exit(EXIT_CONFIG, f"evalkit: error: {message} (see 'evalkit {self.prog.split()[-1]} --help')\n"
                  if " " in self.prog else f"evalkit: error: {message} (see 'evalkit --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evalkit", description="Evaluate Japanese LLM endpoints against the tender's criteria.")
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)

    def config_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--criteria", metavar="FILE", help="criteria tree (default: criteria.yaml beside the suites)")

    p = sub.add_parser("run", help="run suites against vendors and write a report")
    p.add_argument("-s", "--suite", action="append", metavar="ID|FILE", help="suite to run (repeatable; default: all)")
    p.add_argument("-v", "--vendor", action="append", metavar="ID|FILE",
                   help="vendor to run (repeatable; default: every vendor whose environment is set)")
    p.add_argument("--suites-dir", default="suites", metavar="DIR", help="where suites live (default: suites)")
    p.add_argument("--vendors-dir", default="vendors", metavar="DIR", help="where vendors live (default: vendors)")
    p.add_argument("--reports-dir", default="reports", metavar="DIR", help="parent of new run directories")
    p.add_argument("--out", metavar="DIR", help="run directory (default: reports/<run-id>); reusing one resumes it")
    p.add_argument("--resume", metavar="DIR", help="resume the run stored in DIR: send only unfinished requests")
    p.add_argument("--epochs", type=int, default=1, metavar="N", help="repeat every request N times")
    p.add_argument("--retry-errors", action="store_true",
                   help="also re-send requests whose stored result is an error (successes are never re-sent)")
    p.add_argument("--deadline", type=float, metavar="SECONDS",
                   help="stop sending after this long; what finished is kept, resume later")
    p.add_argument("--fail-on-gate", action="store_true", help=f"exit {EXIT_GATE_FAILED} if any vendor is 不適合")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    config_args(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check suites, vendors and criteria (schemas and cross-references)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: suites vendors)")
    p.add_argument("--self-check", action="store_true",
                   help="also prove each suite separates the oracle from the refuse model")
    config_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("list", help="list suites with item counts, and vendors with their readiness")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: suites vendors)")
    config_args(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("schema", help="print the JSON Schema of a file kind (for editor autocompletion)")
    p.add_argument("kind", choices=SCHEMA_MODELS)
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("serve", help="run the embedded reference endpoint standalone")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--suites", nargs="*", metavar="PATH", help="suites whose answers the oracle knows")
    p.add_argument("--api-key-env", metavar="NAME", help="require the key held in this variable (else HTTP 401)")
    p.add_argument("--request-log", metavar="FILE", help="append every request body to FILE (JSON lines)")
    faults = p.add_argument_group("fault injection (fractions of requests)")
    faults.add_argument("--latency-ms", type=float, help="fixed latency of every answer")
    for kind, text in (("429", "429 with Retry-After"), ("500", "HTTP 500"), ("503", "HTTP 503"),
                       ("hang", "never answer"), ("malformed", "200 with a broken JSON body"),
                       ("empty", "200 with no choices"), ("drop", "close the connection")):
        faults.add_argument(f"--rate-{kind}", dest=f"rate_{kind}", type=float, metavar="F", help=text)
    faults.add_argument("--retry-after-s", type=float, help="Retry-After value sent with 429")
    faults.add_argument("--seed", type=int, help="seed of the fault draw")
    config_args(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("score", help="re-score a stored run (no endpoint is called) and re-render its report")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("report", help="re-render the report of a stored run (no endpoint is called)")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help()
        return EXIT_CONFIG
    if getattr(args, "epochs", 1) < 1:
        _err("evalkit: error: --epochs must be at least 1")
        return EXIT_CONFIG
    try:
        return args.func(args)
    except ConfigError as exc:
        for issue in exc.issues:
            _err(str(issue))
        _err(f"{len(exc.issues)} problem(s) found")
        return EXIT_CONFIG
    except UsageError as exc:
        _err(f"evalkit: error: {exc}")
        return EXIT_CONFIG
    except KeyboardInterrupt:
        _err("evalkit: interrupted; everything received so far is in the run store (resume with --resume DIR)")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: one line by default, the traceback on request
        if os.environ.get("EVALKIT_DEBUG"):
            traceback.print_exc()
        _err(f"evalkit: internal error: {type(exc).__name__}: {exc} (set EVALKIT_DEBUG=1 for the traceback)")
        return EXIT_CRASH


__all__ = ["main", "build_parser", "ConfigIssue"]
