"""Reading rate-limit advice from response headers (Retry-After, x-ratelimit-*)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_WAIT = 300.0  # never trust a header to stall a run for more than five minutes at a time


def parse_duration(text: str) -> float | None:
    """'1s', '6m0s', '20ms', '1h2m3.5s' or plain seconds -> seconds."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = list(_DURATION.finditer(text))
    if not parts or "".join(p.group(0) for p in parts) != text:
        return None
    return sum(float(p.group("value")) * _UNIT[p.group("unit")] for p in parts)


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from Retry-After (seconds or HTTP date) or retry-after-ms, capped."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return min(MAX_WAIT, max(0.0, float(value) / 1000))
        except ValueError:
            pass
    value = headers.get("Retry-After") or headers.get("retry-after")
    if value is None:
        return None
    seconds = parse_duration(value)
    if seconds is None:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        now = now or datetime.now(timezone.utc)
        seconds = (when - now).total_seconds()
    return min(MAX_WAIT, max(0.0, seconds))


@dataclass(frozen=True)
class RateLimitState:
    remaining_requests: int | None = None
    reset_requests: float | None = None
    remaining_tokens: int | None = None
    reset_tokens: float | None = None

    def wait(self) -> float | None:
        """How long to hold back new requests, if a budget is exhausted."""
        waits = []
        if self.remaining_requests is not None and self.remaining_requests <= 0 and self.reset_requests:
            waits.append(self.reset_requests)
        if self.remaining_tokens is not None and self.remaining_tokens <= 0 and self.reset_tokens:
            waits.append(self.reset_tokens)
        return min(MAX_WAIT, max(waits)) if waits else None


def rate_limit_state(headers: Mapping[str, str]) -> RateLimitState:
    def as_int(name: str) -> int | None:
        value = headers.get(name)
        try:
            return int(float(value)) if value is not None else None
        except ValueError:
            return None

    def as_duration(name: str) -> float | None:
        value = headers.get(name)
        return parse_duration(value) if value is not None else None

    return RateLimitState(
        as_int("x-ratelimit-remaining-requests"),
        as_duration("x-ratelimit-reset-requests"),
        as_int("x-ratelimit-remaining-tokens"),
        as_duration("x-ratelimit-reset-tokens"),
    )
