"""``evalkit review RUN_DIR``: the verb (registered by the CLI's ``build_parser``; never imports the CLI)."""

from __future__ import annotations

import argparse
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import EXIT_OK, UsageError
from ..i18n import tr
from .names import DEFAULT_SAMPLE, DEFAULT_SEED, QUEUES


def _out(text: str) -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def mine(session: Any) -> list[Any]:
    """The session reviewer's own entries in the log (in their role)."""
    return [e for e in session.log() if e.reviewer == session.reviewer and e.role == session.role]


def cmd_review(args: argparse.Namespace) -> int:
    from .app import ReviewServer
    from .session import Options, Session

    if args.sample < 0:
        raise UsageError(tr("--sample は 0 以上にしてください", "--sample must be 0 or more"))
    if not 0 <= args.port <= 65535:
        raise UsageError(tr("--port は 0〜65535 にしてください", "--port must be between 0 and 65535"))
    if args.adjudicate and args.queue != "all":
        raise UsageError(
            tr(
                "--adjudicate のキューは審査者の判定が分かれた回答です（--queue と併用できません）",
                "--adjudicate reviews the answers whose reviewers disagree (it cannot be combined with --queue)",
            )
        )
    session = Session(
        Path(args.run_dir),
        Options(
            reviewer=args.reviewer,
            adjudicate=args.adjudicate,
            queue=args.queue,
            sample=args.sample,
            seed=args.seed,
            key_env=args.key_env,
            sealed_paths=tuple(Path(p) for p in args.sealed or []),
        ),
    )
    counts = Counter(r for q in session.queue for r in q.reasons)
    listed = ", ".join(f"{k} {n}" for k, n in counts.items())  # queue ids (--queue), as the command names them
    if not session.queue:
        _out(
            tr(
                "審査する回答はありません（裁定を待つ不一致はありません）",
                "nothing to adjudicate: no reviewers disagree",
            )
            if args.adjudicate
            else tr("審査する回答はありません", "nothing to review: the queue is empty")
        )
        return EXIT_OK
    n = len(session.queue)
    _out(tr(f"審査キュー: {n} 件（{listed}）", f"review queue: {n} answers ({listed})"))
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        _err(
            tr(
                f"警告: {args.host} で待ち受けます。同じネットワークの誰でも接続を試みられます（トークンは必要です）",
                f"warning: listening on {args.host}: anyone on that network can try to connect (the token is "
                "still required)",
            )
        )
    server = ReviewServer(session, args.host, args.port).start()
    before = len(mine(session))
    _out(tr(f"審査の画面: {server.url}", f"review at: {server.url}"))
    _out(tr("終了するには Ctrl-C を押してください", "press Ctrl-C to stop"))
    if not args.no_browser:
        import webbrowser

        webbrowser.open(server.url)
    stop = threading.Event()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    added = len(mine(session)) - before
    run, who = args.run_dir, session.reviewer
    _out(
        tr(
            f"審査を終了しました（{who} がこの間に記録した判定 {added} 件）。得点とレポートに反映するには: "
            f"evalkit report {run}",
            f"review stopped ({who} recorded {added} decisions); to apply them to the scores and the report: "
            f"evalkit report {run}",
        )
    )
    return EXIT_OK


def add_parsers(
    sub: argparse._SubParsersAction[Any],  # of the CLI's own ArgumentParser subclass
    config_args: Callable[[argparse.ArgumentParser], None],
    key_args: Callable[..., None],  # (parser, sealed=False) -> None: the key options
) -> None:
    p = sub.add_parser(
        "review",
        help=tr(
            "人による審査: 機械の判定を見直し、理由を付けて覆す（ブラウザの画面。監査ログに記録）",
            "human review: check machine verdicts and overrule them with a reason (in the browser; audit-logged)",
        ),
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run to review")
    p.add_argument("--reviewer", required=True, metavar="NAME", help="your name, as the audit log records it")
    p.add_argument(
        "--adjudicate",
        action="store_true",
        help=tr(
            "裁定: 審査者の判定が分かれた回答を、両方の判定と理由を見て決める",
            "adjudicate: decide the answers whose reviewers disagree, seeing both ratings and reasons",
        ),
    )
    p.add_argument(
        "--queue",
        choices=[*QUEUES, "all"],
        default="all",
        help=tr(
            "キュー: judge（判定者行き・未決定）、disagreement（判定の不一致）、flagged（設問分析の指摘）、"
            "critical（重要設問の不合格）、audit（抜き取り）、all（既定）",
            "queue: judge (routed to a judge or undecided), disagreement (judges or epochs disagree), flagged "
            "(item analysis), critical (failed critical items), audit (random sample), all (default)",
        ),
    )
    p.add_argument(
        "--sample",
        type=int,
        default=DEFAULT_SAMPLE,
        metavar="N",
        help=f"answers in the random audit sample (default {DEFAULT_SAMPLE})",
    )
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, metavar="S", help=f"seed of the audit sample (default {DEFAULT_SEED})"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    p.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")
    key_args(p, sealed=True)
    p.set_defaults(func=cmd_review)
