"""One review session: the run read once (queue, prompts, answers, machine verdicts), and the reviewer's
decisions written to the audit log.

Everything a page shows is read from the store when the session starts; the audit log is read and
appended through a connection of each request's own (two reviewers may review the same run at the
same time from two processes). A blinded run shows pseudonyms and the answers with vendor names
replaced; the log keeps the store's real vendor ids. A run with sealed suites needs their key, as
``evalkit report`` does: the reviewer must read the question, so its text is opened in memory (never
written anywhere); without the key the session does not start (exit 2, naming the variable).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..i18n import tr
from ..runner.store import STORE_NAME, RunStore
from . import audit
from .names import DEFAULT_SAMPLE, DEFAULT_SEED, QUEUE_LABELS
from .queues import Queued, adjudication_queue, build_queue

ROLE_LABELS = {"system": "システム", "user": "利用者", "assistant": "アシスタント（固定）", "tool": "ツールの結果"}
STATUS_LABELS = {"ok": "採点済み", "not_scored": "未採点", "error": "エラー", "pending": "未回答"}


@dataclass
class Options:
    reviewer: str
    adjudicate: bool = False
    queue: str = "all"
    sample: int = DEFAULT_SAMPLE
    seed: int = DEFAULT_SEED
    key_env: str | None = None
    sealed_paths: tuple[Path, ...] = ()


@dataclass
class Page:
    """What the page of one queued answer shows (texts as they may be shown: blinded where needed)."""

    n: int
    queued: Queued
    suite_title: str
    vendor_shown: str
    critical: bool
    tags: list[str]
    messages: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    reference: list[str]
    expect: str | None
    rubric: str | None
    epochs: list[dict[str, Any]] = field(default_factory=list)


def _flags(run_dir: Path, compute: Callable[[], dict[str, Any]]) -> Any:
    """Item analysis' flags: from the run's summary.json when there is one, else computed."""
    path = run_dir / "summary.json"
    results: Any = None
    if path.is_file():
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            results = None
    if not isinstance(results, dict):
        results = compute()
    analysis = results.get("item_analysis")
    return analysis.get("flags") if isinstance(analysis, dict) else None


class Session:
    def __init__(self, run_dir: Path, options: Options):
        from ..analysis.tables import item_table
        from ..integrity import blind
        from ..pipeline import compute_results, load_run, open_run, open_sealed_suites
        from ..scorers.apply import score_store

        self.run_dir = Path(run_dir)
        self.options = options
        self.reviewer = audit.clean_name(options.reviewer, "--reviewer")
        self.role = "adjudication" if options.adjudicate else "review"
        with open_run(self.run_dir) as store:
            open_sealed_suites(store, key_env=options.key_env, sealed_paths=options.sealed_paths, run_dir=self.run_dir)
            loaded = load_run(store)
            suites = loaded[1]
            if store.unsealed is not None:
                score_store(store, write=False, suites=suites)  # the sealed items' explanations, in memory
            self.run_id = audit.run_id(store) or self.run_dir.name
            blinding = blind.of_store(store)
            self.blinded = blinding is not None
            names = {v.id: v.name for v in loaded[2]}
            self.shown: dict[str, str] = (
                {real: pid for real, (pid, _) in blinding.pseudonyms.items()} if blinding else {v: v for v in names}
            )
            self.shown_names: dict[str, str] = (
                {real: pname for real, (_, pname) in blinding.pseudonyms.items()} if blinding else names
            )
            self.rename: Callable[[str], str] = blind.text_renamer(blinding) if blinding else (lambda t: t)
            df = item_table(store, suites)
            if options.adjudicate:
                self.queue = adjudication_queue(audit.read_log(store), df, self.shown)
            else:
                flags = (
                    _flags(self.run_dir, lambda: compute_results(store, loaded)[0])
                    if options.queue in ("flagged", "all")
                    else None
                )
                self.queue = build_queue(
                    store,
                    suites,
                    df,
                    flags=flags,
                    kind=options.queue,
                    sample=options.sample,
                    seed=options.seed,
                    shown=self.shown,
                    to_real=blinding.to_real if blinding else None,
                )
            self.sealed = set(store.get_meta("sealed") or {})
            self.pages = self._pages(store, suites, df)

    @property
    def store_path(self) -> Path:
        return self.run_dir / STORE_NAME

    # ------------------------------------------------------------------------------ reading the run
    def _pages(self, store: RunStore, suites: list[Any], df: Any) -> list[Page]:
        from ..data import suite_items
        from ..runner.plan import build_messages

        wanted = {q.unit for q in self.queue}
        items = {(s.id, it.id): (s, it) for s in suites for it in suite_items(s)}
        rows = df[[(s, i, v) in wanted for s, i, v in zip(df.suite_id, df.item_id, df.vendor_id, strict=True)]]
        keys = [str(k) for k in rows.key]
        scorers = self._scorer_rows(store, keys)
        verdicts = store.judge_verdicts()
        turns = store.turn_responses(keys)
        by_unit: dict[audit.Unit, list[Any]] = {}
        for row in rows.itertuples():
            by_unit.setdefault((str(row.suite_id), str(row.item_id), str(row.vendor_id)), []).append(row)
        pages = []
        for n, q in enumerate(self.queue, 1):
            suite, item = items[q.unit[:2]]
            meta = item.meta if isinstance(item.meta, dict) else {}
            reference = [item.reference] if isinstance(item.reference, str) else list(item.reference or [])
            page = Page(
                n=n,
                queued=q,
                suite_title=suite.title or suite.id,
                vendor_shown=self.shown_names.get(q.unit[2], q.unit[2]),
                critical=bool(item.critical or suite.critical),
                tags=list(item.tags),
                messages=[self._message(m) for m in build_messages(suite, item)],
                documents=[d.shown() for d in item.documents],
                reference=reference,
                expect=item.expect,
                rubric=str(meta["rubric"]) if meta.get("rubric") else None,
            )
            for row in sorted(by_unit.get(q.unit, []), key=lambda r: r.epoch):
                key = str(row.key)
                page.epochs.append(
                    {
                        "epoch": int(row.epoch),
                        "status": STATUS_LABELS.get(str(row.status), str(row.status)),
                        "answer": self._text(row.content),
                        "reasoning": self._text(row.reasoning),
                        "error": self._text(row.error_message) if row.status == "error" else "",
                        "turns": [
                            {"n": t, "text": self._text(r.content if r.ok else r.error_message)}
                            for t, r in enumerate(turns.get(key, []), 1)
                        ],
                        "score": None if row.score != row.score else float(row.score),  # NaN: not scored
                        "passed": row.passed,
                        "scorers": [
                            {
                                **s,
                                "judges": [
                                    {"judge": j, "text": self._text(t) if t is not None else "（判定者のエラー）"}
                                    for j, t in verdicts.get((key, s["index"]), [])
                                ],
                            }
                            for s in scorers.get(key, [])
                        ],
                    }
                )
            pages.append(page)
        return pages

    def _scorer_rows(self, store: RunStore, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
        unsealed = store.unsealed.explanations if store.unsealed is not None else {}
        wanted = set(keys)
        out: dict[str, list[dict[str, Any]]] = {}
        for key, index, kind, score, passed, explanation in store.db.execute(
            "SELECT key, scorer_index, kind, score, passed, explanation FROM scores ORDER BY key, scorer_index"
        ):
            if key in wanted:
                text = unsealed.get((key, index), explanation)
                out.setdefault(key, []).append(
                    {
                        "index": int(index),
                        "kind": kind,
                        "score": score,
                        "passed": None if passed is None else bool(passed),
                        "explanation": self._text(text),
                    }
                )
        return out

    def _text(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        return self.rename(str(value))

    def _message(self, m: dict[str, Any]) -> dict[str, Any]:
        if "reply" in m:
            return {"role": "reply", "label": f"第{m['reply']}応答", "text": "（下の回答の該当する応答）"}
        text = m.get("content")
        calls = m.get("tool_calls")
        if isinstance(calls, list) and calls:
            lines = [str(text)] if text else []
            for call in calls:
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict):
                    lines.append(f"（ツール {function.get('name')} を呼び出し: {function.get('arguments')}）")
            text = "\n".join(lines)
        role = str(m.get("role"))
        return {"role": role, "label": ROLE_LABELS.get(role, role), "text": "" if text is None else str(text)}

    # ------------------------------------------------------------------------------ the audit log
    def log(self) -> list[audit.Entry]:
        with RunStore(self.store_path) as store:
            return audit.read_log(store)

    def visible(self, entries: list[audit.Entry]) -> list[audit.Entry]:
        """What this session may show: a reviewer their own entries only; an adjudicator everything."""
        return entries if self.options.adjudicate else [e for e in entries if e.reviewer == self.reviewer]

    def save(self, n: int, passed: bool, score: float | None, reason: str) -> audit.Entry:
        if not 1 <= n <= len(self.queue):
            raise UsageError(tr(f"キューに {n} 番はありません", f"no entry {n} in the queue"))
        q = self.queue[n - 1]
        with RunStore(self.store_path) as store:
            return audit.append(
                store,
                reviewer=self.reviewer,
                role=self.role,
                unit=q.unit,
                machine=q.machine,
                passed=passed,
                score=score,
                reason=reason,
            )

    def reasons(self, q: Queued) -> list[str]:
        return [QUEUE_LABELS.get(r, r) for r in q.reasons]
