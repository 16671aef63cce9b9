"""Send planned requests: per-vendor lanes with limits and retries; commit each result as it arrives."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from ..config.vendor import Vendor
from .headers import rate_limit_state, retry_after
from .limits import AdaptiveLimit, Pause, TokenBucket, estimate_tokens
from .progress import Progress
from .retry import RetryPolicy
from .store import PlannedRequest, Response, RunStore


class Endpoint(Protocol):
    async def attempt(self, req: PlannedRequest): ...
    async def aclose(self) -> None: ...


@dataclass
class ExecutionSummary:
    sent: int = 0
    ok: int = 0
    errors: int = 0
    skipped: int = 0
    retries: int = 0
    unsent: int = 0
    deadline_hit: bool = False
    judge_sent: int = 0
    judge_errors: int = 0
    per_vendor_errors: dict[str, int] = field(default_factory=dict)
    # vendors whose endpoint refused the run (401/403/404 in a row): vendor id -> the reason
    stopped: dict[str, str] = field(default_factory=dict)


# An endpoint that answers this many requests in a row with one of these statuses will answer every
# other request the same way (a wrong key, a model the key may not use, a wrong URL or model name):
# the vendor's lane stops, its remaining requests stay unsent (resumable), and the console says why.
STOP_STATUS = frozenset({401, 403, 404})
STOP_AFTER = 3


class Lane:
    """Everything that governs one vendor's traffic."""

    def __init__(
        self,
        vendor: Vendor,
        endpoint: Endpoint,
        store: RunStore,
        progress: Progress,
        summary: ExecutionSummary,
        policy: RetryPolicy | None = None,
    ):
        self.vendor = vendor
        self.endpoint = endpoint
        self.store = store
        self.progress = progress
        self.summary = summary
        self.policy = policy or RetryPolicy(max_retries=vendor.max_retries)
        self.limit = AdaptiveLimit(vendor.concurrency)
        self.pause = Pause()
        limits = vendor.rate_limits
        self.rpm = TokenBucket(limits.requests_per_minute) if limits.requests_per_minute else None
        self.tpm = TokenBucket(limits.tokens_per_minute) if limits.tokens_per_minute else None
        self.refused = 0  # STOP_STATUS answers in a row

    def _note(self, resp: Response) -> None:
        if resp.ok or resp.http_status not in STOP_STATUS:
            self.refused = 0
            return
        self.refused += 1
        if self.refused >= STOP_AFTER and self.vendor.id not in self.summary.stopped:
            self.summary.stopped[self.vendor.id] = resp.error_message or f"HTTP {resp.http_status}"

    async def _admit(self, req: PlannedRequest) -> None:
        await self.pause.wait()
        if self.rpm is not None:
            await self.rpm.take(1)
        if self.tpm is not None:
            await self.tpm.take(estimate_tokens(req.messages, req.params.get("max_tokens")))
        await self.limit.acquire()

    async def send(self, req: PlannedRequest, first: bool = False) -> Response:
        """``first``: the vendor's preflight request — an endpoint that cannot be reached at all is
        retried once, not with the full backoff, so a wrong URL or port shows in seconds."""
        attempts = 0
        started = time.perf_counter()
        while True:
            await self._admit(req)
            attempts += 1
            try:
                result = await self.endpoint.attempt(req)
            finally:
                self.limit.release()
            if result.headers:
                self.pause.hold(rate_limit_state(result.headers).wait())
            if result.ok:
                self.limit.on_success()
                return Response(
                    key=req.key,
                    ok=True,
                    content=result.content,
                    finish_reason=result.finish_reason,
                    model=result.model,
                    system_fingerprint=result.system_fingerprint,
                    prompt_tokens=result.prompt_tokens,
                    completion_tokens=result.completion_tokens,
                    latency_ms=result.latency_ms,
                    attempts=attempts,
                    received_at=_now(),
                )
            advised = retry_after(result.headers) if result.headers else None
            if result.status == 429:
                self.limit.on_throttle()
                self.pause.hold(advised)
            retry = self.policy.should_retry(result.kind, result.status, attempts)
            if first and result.kind == "connect" and attempts >= 2:
                retry = False
            if not retry:
                return Response(
                    key=req.key,
                    ok=False,
                    attempts=attempts,
                    error_kind=result.kind,
                    http_status=result.status,
                    error_message=result.message,
                    latency_ms=round((time.perf_counter() - started) * 1000, 3),
                    received_at=_now(),
                )
            self.summary.retries += 1
            self.progress.retry(self.vendor.id)
            await asyncio.sleep(self.policy.delay(attempts, advised))

    def _record(self, resp: Response) -> None:
        self.store.put_response(resp)  # committed now: a kill after this loses nothing
        self._note(resp)
        self.summary.sent += 1
        if resp.ok:
            self.summary.ok += 1
        else:
            self.summary.errors += 1
            self.summary.per_vendor_errors[self.vendor.id] = self.summary.per_vendor_errors.get(self.vendor.id, 0) + 1
        self.progress.update(self.vendor.id, ok=resp.ok)

    async def preflight(self, queue: list[PlannedRequest]) -> None:
        """Send the vendor's first request alone, before the others: an endpoint that cannot be
        reached, or that refuses the key, URL or model, stops the vendor after one request instead
        of failing every one of them (its answer, when there is one, is a real result)."""
        if not queue:
            return
        resp = await self.send(queue.pop(), first=True)
        self._record(resp)
        if not resp.ok and (resp.error_kind == "connect" or resp.http_status in STOP_STATUS):
            self.summary.stopped.setdefault(self.vendor.id, resp.error_message or f"HTTP {resp.http_status}")

    async def worker(self, queue: list[PlannedRequest]) -> None:
        while queue and self.vendor.id not in self.summary.stopped:
            self._record(await self.send(queue.pop()))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def select_unfinished(
    requests: Iterable[PlannedRequest], store: RunStore, retry_errors: bool, summary: ExecutionSummary
) -> dict[str, list[PlannedRequest]]:
    """Requests to send, per vendor: no stored result (or a stored error, with retry_errors)."""
    done = store.finished_keys(include_errors=not retry_errors)
    queues: dict[str, list[PlannedRequest]] = {}
    for req in requests:
        queue = queues.setdefault(req.vendor_id, [])
        if req.key in done:
            summary.skipped += 1
        else:
            done.add(req.key)  # the same key twice in one plan is sent once
            queue.append(req)
    for queue in queues.values():
        queue.reverse()  # workers pop from the end: send in plan order
    return queues


async def execute(
    requests: Iterable[PlannedRequest],
    vendors: dict[str, Vendor],
    endpoints: dict[str, Endpoint],
    store: RunStore,
    *,
    quiet: bool = False,
    retry_errors: bool = False,
    deadline: float | None = None,
    labels: dict[str, str] | None = None,
) -> ExecutionSummary:
    """Send every unfinished request. ``labels``: how progress output names a vendor (a blinded
    run shows pseudonyms)."""
    summary = ExecutionSummary()
    queues = select_unfinished(requests, store, retry_errors, summary)
    to_send = sum(len(q) for q in queues.values())
    progress = Progress({v: len(queues.get(v, [])) for v in vendors}, quiet=quiet, labels=labels)
    lanes = {
        vendor_id: Lane(vendors[vendor_id], endpoints[vendor_id], store, progress, summary)
        for vendor_id, queue in queues.items()
        if queue
    }
    tasks: list[asyncio.Task] = []  # the preflights, then the workers: all cancelled at the end

    async def run_all() -> None:
        # every vendor's first request alone (all vendors at once), then the rest
        firsts = [asyncio.create_task(lane.preflight(queues[vid])) for vid, lane in lanes.items()]
        tasks.extend(firsts)
        await asyncio.gather(*firsts)
        workers = []
        for vid, lane in lanes.items():
            queue = queues[vid]
            if vid in summary.stopped:
                continue
            for _ in range(min(lane.vendor.concurrency, len(queue))):
                workers.append(asyncio.create_task(lane.worker(queue)))
        tasks.extend(workers)
        if workers:
            await asyncio.gather(*workers)

    try:
        if lanes:
            await asyncio.wait_for(run_all(), timeout=deadline)
    except asyncio.TimeoutError:
        summary.deadline_hit = True
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        progress.close()
    summary.unsent = to_send - summary.sent
    return summary
