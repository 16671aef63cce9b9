"""The scheduler's parts: header parsing, retry policy, adaptive concurrency, token buckets."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from evalkit.runner.headers import parse_duration, rate_limit_state, retry_after
from evalkit.runner.limits import AdaptiveLimit, Pause, TokenBucket, estimate_tokens
from evalkit.runner.retry import RetryPolicy, is_retryable


@pytest.mark.parametrize(
    "text, seconds",
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("2.5", 2.5), ("soon", None), ("5x", None)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_retry_after_seconds_date_ms_and_cap():
    assert retry_after({"Retry-After": "3"}) == 3.0
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert retry_after({"Retry-After": format_datetime(now + timedelta(seconds=30), usegmt=True)}, now=now) == 30.0
    assert retry_after({"Retry-After": "86400"}) == 300.0  # never stall a run for a day
    assert retry_after({"Retry-After": "garbage"}) is None and retry_after({}) is None


def test_rate_limit_headers_pause_only_when_exhausted():
    assert rate_limit_state({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s"}).wait() == 2.0
    assert rate_limit_state({"x-ratelimit-remaining-requests": "5", "x-ratelimit-reset-requests": "2s"}).wait() is None
    state = rate_limit_state({"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1m30s"})
    assert state.wait() == 90.0


@pytest.mark.parametrize(
    "kind, status, retry",
    [
        ("http", 429, True),
        ("http", 500, True),
        ("http", 503, True),
        ("http", 400, False),
        ("http", 401, False),
        ("http", 403, False),
        ("http", 404, False),
        ("timeout", None, True),
        ("connection", None, True),
        ("malformed", 200, True),
        ("empty", 200, True),
    ],
)
def test_what_is_retried(kind, status, retry):
    assert is_retryable(kind, status) is retry


def test_backoff_grows_with_jitter_and_respects_retry_after():
    policy = RetryPolicy(max_retries=3, base=0.5, cap=4.0, rng=random.Random(1))
    delays = [policy.delay(n) for n in range(1, 8)]
    assert all(0 <= d <= min(4.0, 0.5 * 2 ** (n - 1)) for n, d in zip(range(1, 8), delays, strict=True))
    assert len(set(delays)) == len(delays)  # jittered
    assert policy.delay(1, advised=10.0) == 10.0
    assert policy.should_retry("http", 503, attempts=3) and not policy.should_retry("http", 503, attempts=4)


def test_adaptive_limit_halves_on_throttle_and_grows_back():
    async def scenario():
        limit = AdaptiveLimit(8, cooldown=0.0)
        for _ in range(8):
            await limit.acquire()
        assert limit.active == 8
        waiter = asyncio.create_task(limit.acquire())
        await asyncio.sleep(0)
        assert not waiter.done()
        limit.on_throttle()
        assert limit.limit == 4
        for _ in range(5):
            limit.release()
        await asyncio.sleep(0)
        assert waiter.done() and limit.active == 4  # 3 still running + the waiter
        for _ in range(4):
            limit.on_success()
        assert limit.limit == 5
        for _ in range(100):
            limit.on_success()
        assert limit.limit == 8
        limit.on_throttle()  # one 429 after 104 good answers: the cut is that share (at least one)
        assert limit.limit == 7
        limit.on_throttle()  # nothing but 429s since the last cut: halved
        return limit.limit

    assert asyncio.run(scenario()) == 3


def test_throttles_arriving_together_cut_once():
    limit = AdaptiveLimit(16, cooldown=60.0)
    for _ in range(10):
        limit.on_throttle()
    assert limit.limit == 8


def test_token_bucket_paces_requests():
    async def scenario():
        bucket = TokenBucket(per_minute=600)  # 10/s, bursts of 100
        loop = asyncio.get_running_loop()
        start = loop.time()
        for _ in range(105):
            await bucket.take(1)
        return loop.time() - start

    elapsed = asyncio.run(scenario())
    assert elapsed >= 0.4  # the 5 beyond the burst waited for refill


def test_pause_holds_until_time_passes():
    async def scenario():
        pause = Pause()
        pause.hold(0.2)
        pause.hold(0.05)  # a shorter hold never shortens a longer one
        loop = asyncio.get_running_loop()
        start = loop.time()
        await pause.wait()
        return loop.time() - start

    assert asyncio.run(scenario()) >= 0.19


def test_token_estimate_counts_prompt_and_completion_budget():
    assert estimate_tokens([{"role": "user", "content": "あ" * 300}], max_tokens=100) == 300
    assert estimate_tokens([{"role": "user", "content": ""}], max_tokens=None) == 256
