"""The scheduler under per-request failures versus overload: which answers cut the window, how long
requests back off, that a request waiting out its backoff holds no worker, and group commits."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

import pytest

from evalkit.config.vendor import Vendor
from evalkit.providers.openai_chat import Attempt
from evalkit.runner.execute import execute
from evalkit.runner.limits import AdaptiveLimit, is_overload
from evalkit.runner.retry import RetryPolicy
from evalkit.runner.store import PlannedRequest, Response, RunStore


@pytest.mark.parametrize(
    "kind, status, overload",
    [
        ("http", 429, True),
        ("http", 503, True),
        ("http", 500, False),
        ("http", 502, False),
        ("connection", None, False),
        ("timeout", None, False),
        ("malformed", 200, False),
    ],
)
def test_only_429_and_503_are_overload(kind, status, overload):
    assert is_overload(kind, status) is overload


def test_per_request_failures_never_shrink_the_window():
    limit = AdaptiveLimit(64, cooldown=0.0)
    for _ in range(500):
        limit.on_failure()
        limit.on_success()
    assert limit.limit == 64 and limit.cuts == 0


def test_scattered_overloads_cost_their_share_and_a_quota_wall_halves():
    scattered = AdaptiveLimit(64, cooldown=0.0)
    for _ in range(9):
        scattered.on_success()
    scattered.on_throttle()  # 1 in 10 answers: the window loses 5 %
    assert scattered.limit == 60
    wall = AdaptiveLimit(64, cooldown=0.0)
    for expected in (32, 16, 8, 4, 2, 1, 1):
        wall.on_throttle()  # every answer a 429
        assert wall.limit == expected
    assert AdaptiveLimit(64, cooldown=0.0, floor=8).limit == 64
    floored = AdaptiveLimit(64, cooldown=0.0, floor=8)
    for _ in range(10):
        floored.on_throttle()
    assert floored.limit == 8


def test_pressure_tells_a_quota_wall_from_scattered_overloads():
    scattered, wall = AdaptiveLimit(64), AdaptiveLimit(64)
    for i in range(400):
        scattered.on_throttle() if i % 7 == 0 else scattered.on_success()
        wall.on_throttle() if i % 20 else wall.on_success()
    assert scattered.pressure < 0.3 and wall.pressure > 0.8


def test_transient_failures_back_off_briefly_and_overloads_longer():
    policy = RetryPolicy(max_retries=30, rng=random.Random(3))
    transient = [policy.delay(n, overload=False) for n in range(1, 30)]
    assert max(transient) <= policy.transient_cap == 0.5
    overload = [policy.delay(n, overload=True) for n in range(1, 30)]
    assert max(overload) > 1.0 and max(overload) <= policy.cap
    assert policy.delay(1, advised=2.0, overload=False) == 2.0  # Retry-After still wins


class Scripted:
    """An Endpoint whose answers are scripted per request: a list of Attempts consumed in order
    (a success once the list is exhausted). Records the order of attempts."""

    def __init__(self, script: dict[str, list[Attempt]]):
        self.script = {k: list(v) for k, v in script.items()}
        self.order: list[str] = []
        self.in_flight = 0
        self.peak = 0

    async def attempt(self, req: PlannedRequest) -> Attempt:
        self.order.append(req.item_id)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0)
            queue = self.script.get(req.item_id)
            if queue:
                return queue.pop(0)
            return Attempt(status=200, content=f"answer {req.item_id}")
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        pass


def _requests(n: int) -> list[PlannedRequest]:
    return [
        PlannedRequest(f"k{i:03d}", "v", "s", f"i{i:03d}", 0, [{"role": "user", "content": f"q{i}"}], {})
        for i in range(n)
    ]


def _run(tmp_path, requests, endpoint, **vendor):
    vendor_model = Vendor.model_validate(
        {"id": "v", "name": "V", "provider": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m", **vendor}
    )
    with RunStore.open_dir(tmp_path / "run") as store:
        store.add_requests(requests)
        summary = asyncio.run(execute(requests, {"v": vendor_model}, {"v": endpoint}, store, quiet=True))
        stored = {k: (ok, attempts) for k, ok, attempts in store.db.execute("SELECT key, ok, attempts FROM responses")}
    return summary, stored


def test_a_request_waiting_out_its_backoff_holds_no_worker(tmp_path):
    """Concurrency 1: the second request fails with a 500; while it waits, the others are sent."""
    requests = _requests(6)
    failing = Attempt("http", status=500, message="HTTP 500: boom")
    endpoint = Scripted({"i001": [failing]})
    summary, stored = _run(tmp_path, requests, endpoint, concurrency=1)
    assert summary.ok == 6 and summary.retries == 1
    assert endpoint.order[:2] == ["i000", "i001"]  # the preflight, then the failing one
    assert endpoint.order.index("i002") < len(endpoint.order) - 1  # others went ahead of its retry
    assert endpoint.order.count("i001") == 2 and endpoint.peak == 1
    assert stored["k001"] == (1, 2) and all(stored[r.key][0] == 1 for r in requests)
    lane = summary.lanes["v"]
    assert lane.attempts == 7 and lane.failures == {"http 500": 1} and lane.backoffs == 1
    assert lane.limit_cuts == 0 and lane.pause_seconds == 0.0


def test_500s_keep_the_window_and_503s_shrink_it(tmp_path):
    requests = _requests(40)
    script = defaultdict(list)
    for r in requests[1:21]:
        script[r.item_id] = [Attempt("http", status=500, message="HTTP 500")]
    summary, _ = _run(tmp_path / "a", requests, Scripted(script), concurrency=8)
    assert summary.ok == 40 and summary.lanes["v"].limit_cuts == 0 and summary.lanes["v"].final_limit == 8
    script = defaultdict(list)
    for r in requests[1:21]:
        script[r.item_id] = [Attempt("http", status=503, message="HTTP 503")]
    summary, _ = _run(tmp_path / "b", requests, Scripted(script), concurrency=8)
    assert summary.ok == 40 and summary.lanes["v"].limit_cuts >= 1  # (and it grew back: 20 clean answers)


def test_responses_arriving_together_are_committed_together(tmp_path, monkeypatch):
    batches: list[int] = []
    original = RunStore.put_responses

    def spy(self: RunStore, responses: list[Response]) -> None:
        batches.append(len(responses))
        original(self, responses)

    monkeypatch.setattr(RunStore, "put_responses", spy)
    requests = _requests(50)
    summary, stored = _run(tmp_path, requests, Scripted({}), concurrency=16)
    assert summary.ok == 50 and len(stored) == 50
    assert sum(batches) == 49  # every answer but the preflight's (committed alone, at once)
    assert max(batches) > 1  # answers of one turn of the event loop share a transaction


def test_a_failed_commit_stops_the_run_instead_of_losing_answers(tmp_path, monkeypatch):
    def broken(self: RunStore, responses: list[Response]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(RunStore, "put_responses", broken)
    with pytest.raises(OSError, match="disk full"):
        _run(tmp_path, _requests(10), Scripted({}), concurrency=4)
