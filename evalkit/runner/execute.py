"""Send planned requests: per-vendor lanes with limits and retries; commit each result as it arrives."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol

from ..config.vendor import Vendor
from .conversation import Conversation, answered_prefix
from .headers import rate_limit_state, retry_after
from .limits import AdaptiveLimit, Pause, TokenBucket, estimate_tokens, is_overload
from .progress import Progress
from .retry import RetryPolicy
from .store import PlannedRequest, Response, RunStore

if TYPE_CHECKING:  # the runner calls providers through the Endpoint protocol only
    from ..providers.openai_chat import Attempt


class Endpoint(Protocol):
    async def attempt(self, req: PlannedRequest) -> Attempt: ...
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
    # where each vendor's time went (bench/faults.py prints it): vendor id -> LaneStats
    lanes: dict[str, LaneStats] = field(default_factory=dict)


@dataclass
class LaneStats:
    """Cheap counters of one vendor's traffic: what slowed it down, and how much."""

    attempts: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # 'http 500', 'connection', ... -> attempts
    backoffs: int = 0
    backoff_seconds: float = 0.0  # summed over requests (they wait side by side, holding no slot)
    pause_seconds: float = 0.0  # wall time the whole vendor was held (Retry-After, x-ratelimit-*)
    limit_cuts: int = 0
    seconds_below_max: float = 0.0  # wall time the adaptive limit was below the vendor's concurrency
    seconds_at_floor: float = 0.0
    final_limit: int = 0


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
        self.stats = LaneStats()
        # requests waiting out a backoff hold neither a worker nor a slot: when the wait ends they
        # join ``ready``, which workers serve before new requests
        self.ready: deque[_Job] = deque()
        self.backing_off = 0
        self._timers: set[asyncio.TimerHandle] = set()
        self._wakeup = asyncio.Event()
        # conversations resumed with answered turns: key -> their state (from _resume_conversations)
        self.conversations: dict[str, Conversation] = {}

    def _note(self, resp: Response) -> None:
        if resp.ok or resp.http_status not in STOP_STATUS:
            self.refused = 0
            return
        self.refused += 1
        if self.refused >= STOP_AFTER and self.vendor.id not in self.summary.stopped:
            self.summary.stopped[self.vendor.id] = resp.error_message or f"HTTP {resp.http_status}"
            self._wakeup.set()  # idle workers see it and end

    async def _admit(self, req: PlannedRequest) -> None:
        await self.pause.wait()
        if self.rpm is not None:
            await self.rpm.take(1)
        if self.tpm is not None:
            await self.tpm.take(estimate_tokens(req.messages, req.params.get("max_tokens")))
        await self.limit.acquire()

    async def send(self, req: PlannedRequest, first: bool = False) -> Response:
        """Send ``req`` until it has a final result, waiting out each backoff here (the preflight).

        ``first``: the vendor's preflight request — an endpoint that cannot be reached at all is
        retried once, not with the full backoff, so a wrong URL or port shows in seconds."""
        job = _Job(req)
        while True:
            resp, delay = await self._try(job, first)
            if resp is not None:
                return resp
            self.stats.backoffs += 1
            self.stats.backoff_seconds += delay
            await asyncio.sleep(delay)

    async def _try(self, job: _Job, first: bool = False) -> tuple[Response | None, float]:
        """One attempt: (the final response, 0) or (None, seconds to wait before the next attempt)."""
        req = job.req
        await self._admit(req)
        job.attempts += 1
        self.stats.attempts += 1
        try:
            result = await self.endpoint.attempt(req)
        finally:
            self.limit.release()
        if result.headers:
            self.pause.hold(rate_limit_state(result.headers).wait())
        if result.ok:
            self.limit.on_success()
            return result.to_response(req.key, job.attempts, _now()), 0.0
        failure = f"http {result.status}" if result.kind == "http" else result.kind
        self.stats.failures[failure] = self.stats.failures.get(failure, 0) + 1
        overload = is_overload(result.kind, result.status)
        if overload:
            self.limit.on_throttle()
        else:
            self.limit.on_failure()
        retry = self.policy.should_retry(result.kind, result.status, job.attempts)
        if first and result.kind == "connect" and job.attempts >= 2:
            retry = False
        if not retry:
            latency = round((time.perf_counter() - job.started) * 1000, 3)
            return result.to_response(req.key, job.attempts, _now(), latency), 0.0
        self.summary.retries += 1
        self.progress.retry(self.vendor.id)
        # Retry-After holds this request back (at least that long), not the whole vendor: a vendor
        # over its quota answers every request so, and each waits; scattered 429s cost only theirs.
        # The backoff grows with the failures of the same kind: a request whose first answers were
        # resets does not wait out an overload's long backoff on its first 503. The long backoff is
        # for an endpoint under pressure (most answers lately said overload); a scattered 429 or 503
        # is retried as soon as a failure of that request alone would be (after its Retry-After).
        if overload:
            job.overloads += 1
        advised = retry_after(result.headers) if result.headers else None
        tries = job.overloads if overload else job.attempts - job.overloads
        pressed = overload and self.limit.pressure >= 0.5
        return None, self.policy.delay(tries, advised, overload=pressed)

    def _back_off(self, job: _Job, delay: float) -> None:
        """Put ``job`` back in ``ready`` after ``delay`` seconds; the worker moves on meanwhile."""
        self.stats.backoffs += 1
        self.stats.backoff_seconds += delay
        self.backing_off += 1

        def due() -> None:
            self._timers.discard(handle)
            self.backing_off -= 1
            self.ready.append(job)
            self._wakeup.set()

        handle = asyncio.get_running_loop().call_later(delay, due)
        self._timers.add(handle)

    def close(self) -> None:
        """Drop the backoffs still pending (a deadline or a stopped vendor): those stay unsent."""
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        limit = self.limit.stats()
        self.stats.limit_cuts = int(limit["cuts"])
        self.stats.seconds_below_max = limit["seconds_below_max"]
        self.stats.seconds_at_floor = limit["seconds_at_floor"]
        self.stats.final_limit = int(limit["limit"])
        self.stats.pause_seconds = round(self.pause.held, 3)
        self.stats.backoff_seconds = round(self.stats.backoff_seconds, 3)

    def _record(self, resp: Response, committer: _GroupCommit | None = None) -> None:
        if committer is None:  # (the preflight) committed now: a kill after this loses nothing
            self.store.put_response(resp)
        self._note(resp)
        self.summary.sent += 1
        if resp.ok:
            self.summary.ok += 1
        else:
            self.summary.errors += 1
            self.summary.per_vendor_errors[self.vendor.id] = self.summary.per_vendor_errors.get(self.vendor.id, 0) + 1
        self.progress.update(self.vendor.id, ok=resp.ok)
        if committer is not None:
            committer.add(resp)  # committed with the others of its commit window

    def job(self, req: PlannedRequest) -> _Job:
        """The job that sends ``req`` (a conversation: its first unanswered turn)."""
        if not req.turns:
            return _Job(req)
        conv = self.conversations.pop(req.key, None) or Conversation(req)
        return _Job(conv.next_request(), conv=conv)

    def _finish(self, job: _Job, resp: Response, committer: _GroupCommit | None = None) -> _Job | None:
        """Record the final outcome of ``job``; a conversation's turn is committed as a turn, and its
        next turn returned as a new job (None when there is nothing more to send for it)."""
        conv = job.conv
        if conv is None:
            self._record(resp, committer)
            return None
        turn = conv.add(resp)
        if committer is None:
            self.store.put_turn(conv.request.key, turn, resp)
        else:
            committer.add_turn(conv.request.key, turn, resp)
        if resp.ok and not conv.done:
            return _Job(conv.next_request(), conv=conv)
        self._record(conv.outcome(_now()), committer)
        return None

    async def preflight(self, queue: list[PlannedRequest]) -> None:
        """Send the vendor's first request alone, before the others: an endpoint that cannot be
        reached, or that refuses the key, URL or model, stops the vendor after one request instead
        of failing every one of them (its answer, when there is one, is a real result)."""
        if not queue:
            return
        job = self.job(queue.pop())  # (a conversation: its first turn; the next ones go to the workers)
        resp = await self.send(job.req, first=True)
        follow = self._finish(job, resp)
        if follow is not None:
            self.ready.append(follow)
        if not resp.ok and (resp.error_kind == "connect" or resp.http_status in STOP_STATUS):
            self.summary.stopped.setdefault(self.vendor.id, resp.error_message or f"HTTP {resp.http_status}")

    async def worker(self, queue: list[PlannedRequest], committer: _GroupCommit) -> None:
        """Serve retries that are due, then new requests, until both are done (or the vendor stops)."""
        while self.vendor.id not in self.summary.stopped:
            if self.ready:
                job = self.ready.popleft()
            elif queue:
                job = self.job(queue.pop())
            elif self.backing_off:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            else:
                self._wakeup.set()  # let the other idle workers see that nothing is left
                return
            resp, delay = await self._try(job)
            if resp is None:
                self._back_off(job, delay)
                continue
            follow = self._finish(job, resp, committer)
            if follow is not None:  # a conversation's next turn: sent next by this worker
                self.ready.appendleft(follow)


# seconds between an answer's arrival and its commit, at most (a group of answers shares one commit)
COMMIT_WINDOW = 0.02


@dataclass
class _Job:
    """A request between its attempts."""

    req: PlannedRequest
    conv: Conversation | None = None  # the conversation whose turn ``req`` is
    attempts: int = 0
    overloads: int = 0  # answers among the attempts that said overload (429, 503)
    started: float = field(default_factory=time.perf_counter)


class _GroupCommit:
    """Responses that arrive within :data:`COMMIT_WINDOW` of each other are committed in one
    transaction, that long after the first of them.

    One SQLite commit per response cost a tenth of the send phase at a thousand responses a second,
    and making each worker wait for its commit before sending on cost as much again (a turn of the
    loop added to every request). So a worker moves on at once; the commit follows within the window.
    Committing at the next turn of the loop instead still made some 570 commits of ~18 answers for
    10,000 answers at concurrency 128, a tenth of the send phase again; a 20 ms window makes ~50
    answers a commit there and costs a slow endpoint nothing. A kill -9 in that window loses only
    answers that were not yet committed, which resume sends again, as it does requests that were in
    flight; a committed answer is never sent again. A failed commit stops the run: the next response
    recorded, or the end of ``execute``, raises its error (the batch is kept and tried once more at
    the end)."""

    def __init__(self, store: RunStore):
        self.store = store
        self.pending: list[Response] = []
        self.turns: list[tuple[str, int, Response]] = []
        self.error: BaseException | None = None
        self._scheduled = False

    def add(self, resp: Response) -> None:
        self.pending.append(resp)
        self._schedule()

    def add_turn(self, key: str, turn: int, resp: Response) -> None:
        self.turns.append((key, turn, resp))
        self._schedule()

    def _schedule(self) -> None:
        if self.error is not None:
            raise self.error
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(COMMIT_WINDOW, self._flush_soon)

    def _flush_soon(self) -> None:
        self._scheduled = False
        try:
            self.flush()
        except Exception as exc:  # raised in the workers (add) and at the end (flush)
            self.error = exc

    def flush(self) -> None:
        if self.pending or self.turns:
            batch, self.pending = self.pending, []
            turns, self.turns = self.turns, []
            try:
                if turns:
                    self.store.put_responses(batch, turns)
                else:
                    self.store.put_responses(batch)
            except BaseException:
                self.pending[:0] = batch
                self.turns[:0] = turns
                raise


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


def _resume_conversations(queues: dict[str, list[PlannedRequest]], store: RunStore) -> dict[str, Conversation]:
    """Conversations to send that have answered turns, by key: each continues at its first unanswered
    turn. One whose every turn was answered (a kill between its last turn and its outcome) gets its
    outcome now and leaves its queue."""
    out: dict[str, Conversation] = {}
    waiting = [r for queue in queues.values() for r in queue if r.turns]
    stored = store.turn_responses({r.key for r in waiting}) if waiting else {}  # one read for all of them
    for queue in queues.values():
        for req in [r for r in queue if r.key in stored]:
            answered = answered_prefix(stored[req.key])
            if not answered:
                continue
            conv = Conversation(req, answered=answered)
            if conv.done:
                queue.remove(req)
                store.put_response(conv.outcome(_now()))
            else:
                out[req.key] = conv
    return out


async def execute(
    requests: Iterable[PlannedRequest],
    vendors: dict[str, Vendor],
    endpoints: Mapping[str, Endpoint],
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
    resumed = _resume_conversations(queues, store)
    to_send = sum(len(q) for q in queues.values())
    progress = Progress({v: len(queues.get(v, [])) for v in vendors}, quiet=quiet, labels=labels)
    lanes = {
        vendor_id: Lane(vendors[vendor_id], endpoints[vendor_id], store, progress, summary)
        for vendor_id, queue in queues.items()
        if queue
    }
    for lane in lanes.values():
        lane.conversations = resumed
    committer = _GroupCommit(store)
    tasks: list[asyncio.Task[None]] = []  # the preflights, then the workers: all cancelled at the end

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
                workers.append(asyncio.create_task(lane.worker(queue, committer)))
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
        committer.flush()  # answers received before a deadline are kept
        for vendor_id, lane in lanes.items():
            lane.close()
            summary.lanes[vendor_id] = lane.stats
        progress.close()
    summary.unsent = to_send - summary.sent
    return summary
