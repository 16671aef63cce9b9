"""evalkit.runner.limits at its edges: a cancelled waiter, growth back to the maximum, a bucket that
must wait, vendor-wide pauses that overlap. No assertion depends on how long anything took."""

from __future__ import annotations

import asyncio
import contextlib

from evalkit.runner.limits import AdaptiveLimit, Pause, TokenBucket, estimate_tokens, is_overload


def test_only_429_and_503_over_http_are_overload():
    assert is_overload("http", 429) and is_overload("http", 503)
    assert not is_overload("http", 500) and not is_overload("timeout", None) and not is_overload("reset", 429)


def test_a_cut_and_the_growth_back_to_the_maximum():
    limit = AdaptiveLimit(4, cooldown=0.0, floor=2)
    limit.on_throttle()  # every answer since the last cut said overload: 4 * (1 - 1/2) = 2
    assert limit.limit == 2 and limit.cuts == 1
    limit.on_throttle()  # at the floor: no further cut
    assert limit.limit == 2 and limit.cuts == 1
    limit.on_failure()  # a failure of one request neither cuts nor grows
    assert limit.limit == 2
    for _ in range(2):  # one clean window (as many successes as the limit) grows it by one
        limit.on_success()
    assert limit.limit == 3
    for _ in range(3):
        limit.on_success()
    assert limit.limit == 4
    limit.on_success()  # at the maximum it stays there
    stats = limit.stats()
    assert stats["limit"] == 4 and stats["cuts"] == 1 and stats["seconds_below_max"] >= 0


def test_the_floor_is_kept_within_one_and_the_maximum():
    assert AdaptiveLimit(3, floor=0).floor == 1
    assert AdaptiveLimit(3, floor=9).floor == 3


def test_a_waiter_cancelled_before_its_turn_leaves_the_queue():
    async def scenario() -> tuple[int, int]:
        limit = AdaptiveLimit(1)
        await limit.acquire()
        waiter = asyncio.ensure_future(limit.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        queued = len(limit._waiters)
        limit.release()
        return queued, limit.active

    assert asyncio.run(scenario()) == (0, 0)


def test_a_waiter_handed_a_slot_and_then_cancelled_gives_it_back():
    async def scenario() -> int:
        limit = AdaptiveLimit(1)
        await limit.acquire()
        waiter = asyncio.ensure_future(limit.acquire())
        await asyncio.sleep(0)
        limit.release()  # the slot goes to the waiter (its future is done) ...
        waiter.cancel()  # ... which is cancelled before it runs again
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        return limit.active

    assert asyncio.run(scenario()) == 0


def test_the_token_bucket_waits_for_a_refill_and_caps_a_large_request():
    async def scenario() -> float:
        bucket = TokenBucket(per_minute=60_000)  # 1,000 a second, bursts of 10,000
        await bucket.take(bucket.capacity)
        await bucket.take(5)  # empty: waits for the refill, then takes
        await bucket.take(10 * bucket.capacity)  # more than a burst: waits for a full bucket only
        return bucket.tokens

    assert asyncio.run(scenario()) < 10_000


def test_pauses_count_overlaps_once_and_ignore_nothing_to_hold():
    pause = Pause()
    pause.hold(None)
    pause.hold(0)
    pause.hold(-1)
    assert pause.until == 0.0 and pause.held == 0.0
    pause.hold(0.02)
    first = pause.until
    pause.hold(0.01)  # ends before the current hold: changes nothing
    # held is until - now in floating-point monotonic seconds: 0.02 up to rounding (4702.23 + 0.02 - 4702.23)
    assert pause.until == first and 0 < pause.held <= 0.02 + 1e-9
    asyncio.run(pause.wait())
    asyncio.run(pause.wait())  # over: returns at once


def test_estimated_tokens_count_the_text_and_the_answer_budget():
    messages = [{"role": "system", "content": "あ" * 30}, {"role": "user", "content": "い" * 15}, {"role": "user"}]
    assert estimate_tokens(messages, 100) == 30 + 100
    assert estimate_tokens([], None) == 256
