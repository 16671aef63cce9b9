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
    """Exponential backoff with full jitter, capped; the server's Retry-After wins when longer."""

    max_retries: int
    base: float = 0.5
    cap: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, kind: str, status: int | None, attempts: int) -> bool:
        return is_retryable(kind, status) and attempts <= self.max_retries

    def delay(self, attempts: int, advised: float | None = None) -> float:
        backoff = self.rng.uniform(0, min(self.cap, self.base * 2 ** (attempts - 1)))
        return max(backoff, advised or 0.0)
