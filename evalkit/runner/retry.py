"""Which failures to retry, and how long to wait before the next attempt."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

RETRYABLE_KINDS = frozenset({"timeout", "connect", "connection", "malformed", "empty"})
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


def is_retryable(kind: str, status: int | None) -> bool:
    if kind == "http":
        return status in RETRYABLE_STATUS or (status is not None and status >= 500)
    return kind in RETRYABLE_KINDS


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, capped; the server's Retry-After wins when longer.

    An overload answer (429, 503) backs off from ``base``; a failure of one request (500, a reset
    connection, a timeout, a broken body) from the shorter ``transient_base``, with the lower
    ``transient_cap``: waiting longer would not help the next attempt, it would only make the run's
    last requests finish later. (The scheduler does not hold a request slot while a request waits.)"""

    max_retries: int
    base: float = 0.5
    cap: float = 30.0
    transient_base: float = 0.05
    transient_cap: float = 0.5
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, kind: str, status: int | None, attempts: int) -> bool:
        return is_retryable(kind, status) and attempts <= self.max_retries

    def delay(self, attempts: int, advised: float | None = None, *, overload: bool = True) -> float:
        base, cap = (self.base, self.cap) if overload else (self.transient_base, self.transient_cap)
        backoff = self.rng.uniform(0, min(cap, base * 2 ** (attempts - 1)))
        return max(backoff, advised or 0.0)
