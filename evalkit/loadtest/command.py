"""`evalkit load`: drive one vendor through a load profile, keep every exchange, write the page.

The run folder holds the same store as ``evalkit run`` (``store.sqlite``: every request and its
outcome, committed as it completes; ``meta.load`` the result), ``load.json`` (the result: profile
and per-step figures) and ``load.html`` (tables and curves). Requests go only where the vendor file
points; the prompts are the suites' own chat requests (open suites only: a sealed suite's text
never leaves its file), shuffled with a fixed seed so that every step mixes them alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from .. import __version__
from ..config.criteria import CriterionNode
from ..config.loader import Loaded
from ..config.vendor import Vendor, reference_base
from ..data import suite_items
from ..errors import UsageError
from ..i18n import tr
from ..providers.openai_chat import now_iso
from ..runner.conversation import fill
from ..runner.plan import build_messages, request_params
from ..runner.store import PlannedRequest, RunStore
from .drive import STOP_TEXT, Ramp
from .gates import load_gates
from .profile import LoadProfile

MAX_PROMPTS = 2000  # distinct requests drawn from the suites (enough to defeat any answer cache)


def prompt_factories(
    suites: list[Loaded], vendor: Vendor, profile: LoadProfile, sealed: set[str]
) -> list[Callable[[str], PlannedRequest]]:
    """One factory per chat request drawn from the open suites: label -> the request to send."""
    pool: list[tuple[str, str, list[dict[str, str]], dict[str, Any]]] = []
    for loaded in suites:
        suite = loaded.model
        if suite.id in sealed or (suite.tools and not vendor.tools):  # (no tool calling: 対象外)
            continue
        cap = {"max_tokens": profile.max_tokens} if profile.max_tokens is not None else {}
        pool += [
            # a conversation's first turn: a user's opening message (its later turns need the model's replies)
            (
                suite.id,
                item.id,
                fill(build_messages(suite, item), [], upto=1),
                {**request_params(suite, item, vendor), **cap},
            )
            for item in suite_items(suite)
        ]
    random.Random(0).shuffle(pool)
    nonce = secrets.token_hex(8)  # keys of this test only: a second test in another folder never collides

    def make(suite_id: str, item_id: str, messages: list[dict[str, str]], params: dict[str, Any], label: str):
        key = hashlib.sha256(f"{nonce}/{label}".encode()).hexdigest()
        return PlannedRequest(key, vendor.id, suite_id, item_id, int(label.rsplit("-", 1)[1]), messages, params)

    return [partial(make, *entry) for entry in pool[:MAX_PROMPTS]]


class Recorder:
    """The exchanges into the store as they complete, a group of them per commit: at most every
    FLUSH_S or FLUSH_AT exchanges, and at the end. The commits are made by a writer thread with its own
    connection (sqlite3 lets other threads run while it writes): a commit on the event loop held every
    response that arrived meanwhile, and the load test measures those responses' latencies. ``close``
    waits for every commit; a failed one is raised there, or at the next flush."""

    FLUSH_S, FLUSH_AT = 0.05, 64

    def __init__(self, store: RunStore, clock: Callable[[], float] = time.monotonic):
        self.path, self.clock = store.path, clock
        self.pending: list[tuple[PlannedRequest, Any]] = []
        self.last = clock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evalkit-load-store")
        self._writes: list[Future[None]] = []
        self._writer: RunStore | None = None  # opened in the writer thread, used only there

    def __call__(self, req: PlannedRequest, attempt: Any) -> None:
        self.pending.append((req, attempt.to_response(req.key, 1, now_iso())))
        if len(self.pending) >= self.FLUSH_AT or self.clock() - self.last >= self.FLUSH_S:
            self.flush()

    def _write(self, batch: list[tuple[PlannedRequest, Any]]) -> None:
        if self._writer is None:
            self._writer = RunStore(self.path)
        self._writer.put_exchanges(batch)

    def flush(self) -> None:
        for done in [f for f in self._writes if f.done()]:
            self._writes.remove(done)
            done.result()  # a commit that failed stops the test here
        if self.pending:
            batch, self.pending = self.pending, []
            self._writes.append(self._pool.submit(self._write, batch))
        self.last = self.clock()

    def close(self) -> None:
        """Commit what is pending and wait for every commit (also when interrupted: what was measured
        is kept)."""
        try:
            self.flush()
            for write in self._writes:
                write.result()
        finally:
            if self._writer is not None:
                self._pool.submit(self._writer.close).result()
            self._pool.shutdown(wait=True)


def vendor_facts(vendor: Vendor) -> dict[str, Any]:
    return {
        "id": vendor.id,
        "name": vendor.name,
        "model": vendor.model,
        "category": vendor.category,
        "stream": vendor.stream,
    }


def run_load(
    suites: list[Loaded],
    vendor: Vendor,
    profile: LoadProfile,
    out: Path,
    *,
    sealed: set[str],
    book_of: Callable,
    criteria: CriterionNode | None = None,
) -> dict[str, Any]:
    """The whole test: endpoint up, ramp driven, result kept and written, the load gates of
    ``criteria`` judged. ``book_of(suites)``: the oracle's answer book (built only for a reference oracle)."""
    prompts = prompt_factories(suites, vendor, profile, sealed)
    if not prompts:
        raise UsageError(
            tr(
                "負荷試験に使える設問がありません（公開のスイートを指定してください）",
                "no prompts for the load test (select at least one open suite)",
            )
        )
    store = _new_store(out)
    result: dict[str, Any] = {
        "vendor": vendor_facts(vendor),
        "profile": profile.model_dump(mode="json"),
        "started_at": now_iso(),
        "evalkit_version": __version__,
        "prompts": len(prompts),
    }
    recorder = Recorder(store)
    try:
        try:
            steps, stopped = asyncio.run(_drive(vendor, suites, profile, prompts, recorder, book_of))
        finally:
            recorder.close()  # also when interrupted: what was measured is kept
        result.update(
            finished_at=now_iso(),
            steps=steps,
            stopped=stopped,
            stop_reason=STOP_TEXT.get(stopped) if stopped else None,
        )
        result["gates"] = load_gates(criteria, result)
        store.set_meta("load", result)
    finally:
        store.close()
    (out / "load.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    from .page import render_load_page

    render_load_page(result, out / "load.html")
    return result


def _new_store(out: Path) -> RunStore:
    if (out / "store.sqlite").exists():
        raise UsageError(
            tr(
                f"{out}: すでに実行の結果があります（負荷試験は毎回新しい --out に書きます）",
                f"{out}: already holds a run (a load test writes to a new --out each time)",
            )
        )
    if out.exists() and not out.is_dir():
        raise UsageError(tr(f"{out}: フォルダではありません", f"{out}: not a folder"))
    store = RunStore.open_dir(out)
    store.set_meta("kind", "load")
    return store


async def _drive(
    vendor: Vendor,
    suites: list[Loaded],
    profile: LoadProfile,
    prompts: list[Callable[[str], PlannedRequest]],
    record: Recorder,
    book_of: Callable,
) -> tuple[list[dict[str, Any]], str | None]:
    from ..providers.openai_chat import ChatEndpoint

    server = None
    users = max(profile.steps)
    try:
        if vendor.provider == "reference":
            from ..reference import EmbeddedServer

            book = book_of([s.model for s in suites]) if reference_base(vendor.model) == "oracle" else {}
            server = EmbeddedServer(book, faults=vendor.faults).start()
            base_url, key = server.base_url, None
        else:
            base_url = vendor.resolved_base_url() or ""
            key = os.environ.get(vendor.api_key_env) if vendor.api_key_env else None
        endpoint = ChatEndpoint(vendor, base_url, key, pool_size=users)
        try:
            return await Ramp(endpoint, prompts, profile, record).run()
        finally:
            await endpoint.aclose()
    finally:
        if server is not None:
            server.stop()


def console_table(result: dict[str, Any]) -> str:
    """The console's summary of a load test: one line per step."""
    head = ("users", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "TTFT p95")
    rows = [
        (
            s["users"],
            s["requests"],
            s["errors"],
            s["requests_per_s"],
            s["latency_p50_ms"],
            s["latency_p95_ms"],
            s["latency_p99_ms"],
            s["ttft_p95_ms"],
        )
        for s in result["steps"]
    ]
    cells = [[("—" if v is None else f"{v:,.0f}" if isinstance(v, float) else str(v)) for v in row] for row in rows]
    lines = [f"{result['vendor']['id']}: " + tr("負荷試験", "load test")]
    lines.append("  ".join(f"{h:>9}" for h in head))
    lines += ["  ".join(f"{c:>9}" for c in row) for row in cells]
    if result.get("stop_reason"):
        lines.append(result["stop_reason"])
    for gate in result["gates"]:
        value = "—" if gate["value"] is None else f"{gate['value']:g}"
        lines.append(f"{gate['verdict']}  {gate['title']}（{gate['metric']} = {value}、上限 {gate['limit']:g}）")
    return "\n".join(lines)
