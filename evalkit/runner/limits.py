"""Per-vendor limits: adaptive concurrency (AIMD), requests/tokens per minute, pauses."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

# Answers that say the endpoint is overloaded or over its quota: only these shrink the window. A 500,
# a reset connection, a timeout or a malformed body is a failure of that one request: it is retried
# (with backoff) without lowering everyone's concurrency.
OVERLOAD_STATUS = frozenset({429, 503})


PRESSURE_WINDOW = 32


def is_overload(kind: str, status: int | None) -> bool:
    return kind == "http" and status in OVERLOAD_STATUS


class AdaptiveLimit:
    """At most ``limit`` requests in flight; cut on overload, grow back by one per clean window.

    A cut (at most once per ``cooldown``, however many overload answers arrive together) scales the
    limit by ``1 - share / 2``, where ``share`` is the fraction of overload answers among all answers
    since the previous cut (as DCTCP scales its window by the fraction of marked packets): an endpoint
    over its quota, whose answers are all 429s, has its limit halved each time, while one whose 429s
    and 503s are scattered among good answers loses only that fraction of its concurrency and wins it
    back. The limit never falls below ``floor``. ``stats()`` tells how long the limit stayed below its
    maximum and at its floor, and how often it was cut."""

    def __init__(self, maximum: int, cooldown: float = 1.0, floor: int = 1):
        self.maximum = maximum
        self.limit = maximum
        self.floor = max(1, min(maximum, floor))
        self.active = 0
        self.cooldown = cooldown
        self.cuts = 0
        self._successes = 0
        self._last_cut = -1e9
        self._answers = 0  # answers since the last cut ...
        self._overloads = 0  # ... and how many of them said overload
        # share of overload answers lately (moving average over ~32 answers): near 1 when the
        # endpoint is over its quota, near the fault rate when 429s and 503s are scattered
        self.pressure = 0.0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._changed = time.monotonic()
        self._below_max = 0.0
        self._at_floor = 0.0

    def _account(self) -> None:
        """Add the time since the last change of the limit to the time below maximum / at the floor."""
        now = time.monotonic()
        if self.limit < self.maximum:
            self._below_max += now - self._changed
        if self.limit <= self.floor < self.maximum:
            self._at_floor += now - self._changed
        self._changed = now

    def stats(self) -> dict[str, float]:
        self._account()
        return {
            "cuts": self.cuts,
            "seconds_below_max": round(self._below_max, 3),
            "seconds_at_floor": round(self._at_floor, 3),
            "limit": self.limit,
        }

    async def acquire(self) -> None:
        if self.active < self.limit and not self._waiters:
            self.active += 1
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # we were handed a slot but will not use it
            else:
                self._waiters.remove(future)
            raise

    def release(self) -> None:
        self.active -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.active < self.limit:
            future = self._waiters.popleft()
            if not future.done():
                self.active += 1
                future.set_result(None)

    def on_throttle(self) -> None:
        """An overload answer (429, 503): cut the limit (see the class) once per cooldown."""
        self._answers += 1
        self._overloads += 1
        self.pressure += (1.0 - self.pressure) / PRESSURE_WINDOW
        now = time.monotonic()
        if now - self._last_cut < self.cooldown or self.limit <= self.floor:
            return
        share = self._overloads / self._answers
        self._account()
        self.limit = max(self.floor, min(self.limit - 1, int(self.limit * (1 - share / 2))))
        self.cuts += 1
        self._last_cut = now
        self._answers = self._overloads = 0

    def on_failure(self) -> None:
        """An answer that failed for that request alone (500, reset, timeout): no cut, no growth."""
        self._answers += 1
        self.pressure -= self.pressure / PRESSURE_WINDOW

    def on_success(self) -> None:
        self._answers += 1
        self.pressure -= self.pressure / PRESSURE_WINDOW
        if self.limit >= self.maximum:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self._account()
            self.limit += 1
            self._successes = 0
            self._wake()


class TokenBucket:
    """``per_minute`` units per minute, with bursts of up to ten seconds' worth."""

    def __init__(self, per_minute: float):
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * 10)
        self.tokens = self.capacity
        self._stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def take(self, amount: float = 1.0) -> None:
        amount = min(amount, self.capacity)  # a request larger than a burst waits for a full bucket
        while True:
            self._refill()
            if self.tokens >= amount:
                self.tokens -= amount
                return
            await asyncio.sleep((amount - self.tokens) / self.rate)


class Pause:
    """A vendor-wide hold (Retry-After, exhausted x-ratelimit budget): nobody sends until it ends."""

    def __init__(self) -> None:
        self.until = 0.0
        self.held = 0.0  # seconds of wall time the vendor was held, in all

    def hold(self, seconds: float | None) -> None:
        if seconds and seconds > 0:
            now = time.monotonic()
            until = now + seconds
            if until > self.until:
                self.held += until - max(now, self.until)
                self.until = until

    async def wait(self) -> None:
        while True:
            delay = self.until - time.monotonic()
            if delay <= 0:
                return
            await asyncio.sleep(delay)


def estimate_tokens(messages: list[dict[str, Any]], max_tokens: int | None) -> int:
    """Tokens a request may use, before sending: ~1 token per 1.5 characters of Japanese text."""
    chars = sum(len(str(m.get("content", ""))) for m in messages)
    return int(chars / 1.5) + (max_tokens or 256)
