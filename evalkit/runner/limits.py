"""Per-vendor limits: adaptive concurrency (AIMD), requests/tokens per minute, pauses."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class AdaptiveLimit:
    """At most ``limit`` requests in flight; halve on throttling, grow back by one per clean window."""

    def __init__(self, maximum: int, cooldown: float = 1.0):
        self.maximum = maximum
        self.limit = maximum
        self.active = 0
        self.cooldown = cooldown
        self._successes = 0
        self._last_cut = -1e9
        self._waiters: deque[asyncio.Future] = deque()

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
        """A 429: halve the limit (once per cooldown, however many 429s arrive together)."""
        now = time.monotonic()
        if now - self._last_cut >= self.cooldown:
            self.limit = max(1, self.limit // 2)
            self._last_cut = now
        self._successes = 0

    def on_success(self) -> None:
        if self.limit >= self.maximum:
            return
        self._successes += 1
        if self._successes >= self.limit:
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

    def hold(self, seconds: float | None) -> None:
        if seconds and seconds > 0:
            self.until = max(self.until, time.monotonic() + seconds)

    async def wait(self) -> None:
        while True:
            delay = self.until - time.monotonic()
            if delay <= 0:
                return
            await asyncio.sleep(delay)


def estimate_tokens(messages: list[dict], max_tokens: int | None) -> int:
    """Tokens a request may use, before sending: ~1 token per 1.5 characters of Japanese text."""
    chars = sum(len(str(m.get("content", ""))) for m in messages)
    return int(chars / 1.5) + (max_tokens or 256)
