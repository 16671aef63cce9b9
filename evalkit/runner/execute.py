"""Send planned requests with per-vendor worker pools; commit every response as it arrives."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Iterable, Protocol

from .progress import Progress
from .store import PlannedRequest, Response, RunStore


class Client(Protocol):
    async def complete(self, req: PlannedRequest) -> Response: ...
    async def aclose(self) -> None: ...


@dataclass
class ExecutionSummary:
    sent: int = 0
    ok: int = 0
    errors: int = 0
    skipped: int = 0
    per_vendor_errors: dict[str, int] = field(default_factory=dict)


async def execute(requests: Iterable[PlannedRequest], clients: dict[str, Client],
                  concurrency: dict[str, int], store: RunStore, *, quiet: bool = False,
                  retry_errors: bool = True,
                  on_response: Callable[[Response], Awaitable[None]] | None = None) -> ExecutionSummary:
    """Send every request whose key has no stored response (or only an error, if retry_errors)."""
    finished = store.finished_keys(include_errors=not retry_errors)
    summary = ExecutionSummary()
    queues: dict[str, list[PlannedRequest]] = {v: [] for v in clients}
    for req in requests:
        if req.key in finished:
            summary.skipped += 1
        else:
            finished.add(req.key)  # the same key twice in one plan is sent once
            queues[req.vendor_id].append(req)
    progress = Progress({v: len(q) for v, q in queues.items()}, quiet=quiet)

    async def worker(vendor: str, queue: asyncio.Queue) -> None:
        client = clients[vendor]
        while True:
            try:
                req = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            resp = await client.complete(req)
            store.put_response(resp)
            summary.sent += 1
            if resp.ok:
                summary.ok += 1
            else:
                summary.errors += 1
                summary.per_vendor_errors[vendor] = summary.per_vendor_errors.get(vendor, 0) + 1
            progress.update(vendor, ok=resp.ok, attempts=resp.attempts)
            if on_response is not None:
                await on_response(resp)

    tasks = []
    for vendor, reqs in queues.items():
        queue: asyncio.Queue = asyncio.Queue()
        for req in reqs:
            queue.put_nowait(req)
        for _ in range(min(concurrency[vendor], max(1, len(reqs)))):
            tasks.append(asyncio.create_task(worker(vendor, queue)))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        progress.close()
    return summary
