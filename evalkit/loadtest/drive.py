"""Drive one endpoint through the steps of a load profile and measure each step.

Each step runs ``users`` simulated users side by side. A user is a closed loop without think time:
it sends a chat request drawn from the suites, waits for the whole answer (streamed when the vendor
streams), records it, and sends the next, until the step's time is up. Nothing is retried: a load
test measures errors, it does not hide them. The whole test is bounded by ``max_requests`` and
``max_seconds``; a step whose error rate is clearly above ``error_threshold`` (the lower end of its
95 % Wilson interval, once it has ``min_requests`` results) is stopped at once, and no further step
is run — more users would only fail more.

Every request and its outcome go to ``record`` as they complete (the run store), so a test that is
interrupted keeps what it measured.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..analysis.stats import wilson
from ..runner.store import PlannedRequest
from .profile import LoadProfile

STOP_TEXT = {
    "errors": "エラー率が閾値を超えたため、その段で打ち切りました（以降の段は実行していません）",
    "max_requests": "リクエスト数の上限に達したため終了しました",
    "max_seconds": "試験時間の上限に達したため終了しました",
}


class Attempting(Protocol):
    async def attempt(self, req: PlannedRequest) -> Any: ...


@dataclass
class Sample:
    """One request's outcome: what the step's figures are computed from."""

    ok: bool
    kind: str  # '' on success, else the error class ('http 503', 'timeout', ...)
    latency_ms: float
    ttft_ms: float | None
    completion_tokens: int | None


@dataclass
class StepRun:
    users: int
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False
    n_errors: int = 0

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)
        self.n_errors += not sample.ok

    def over_threshold(self, profile: LoadProfile) -> bool:
        """Errors clearly above the threshold: the lower end of the 95 % Wilson interval of the step's
        error rate passes it (so 2 errors in the first 20 answers of a service failing 2 % of
        requests do not stop a 5 % step, and 12 in 20 do)."""
        n = len(self.samples)
        if n < profile.min_requests:
            return False
        low, _ = wilson(self.n_errors, n)
        return low > profile.error_threshold

    def summary(self) -> dict[str, Any]:
        ok = [s for s in self.samples if s.ok]
        errors = [s for s in self.samples if not s.ok]
        kinds: dict[str, int] = {}
        for s in errors:
            kinds[s.kind] = kinds.get(s.kind, 0) + 1
        tokens = [s.completion_tokens for s in ok if s.completion_tokens is not None]
        n = len(self.samples)
        return {
            "users": self.users,
            "seconds": round(self.seconds, 3),
            "requests": n,
            "ok": len(ok),
            "errors": len(errors),
            "error_rate": round(len(errors) / n, 6) if n else None,
            "errors_by_kind": dict(sorted(kinds.items())),
            "requests_per_s": round(n / self.seconds, 3) if self.seconds > 0 else None,
            **percentiles("latency", [s.latency_ms for s in ok]),
            **percentiles("ttft", [s.ttft_ms for s in ok if s.ttft_ms is not None]),
            "tokens_per_s": round(sum(tokens) / self.seconds, 3) if tokens and self.seconds > 0 else None,
            "stopped_early": self.stopped_early,
        }


def percentiles(name: str, values: Sequence[float]) -> dict[str, float | None]:
    """{name}_p50_ms, _p95_ms, _p99_ms (linear interpolation, as pandas' quantile); None when empty."""
    if not values:
        return {f"{name}_p{q}_ms": None for q in (50, 95, 99)}
    found = np.percentile(np.asarray(values, dtype=float), [50, 95, 99])
    return {f"{name}_p{q}_ms": round(float(v), 3) for q, v in zip((50, 95, 99), found, strict=True)}


class Ramp:
    """The state of one load test: the prompts, the shared budgets, and where to record."""

    def __init__(
        self,
        endpoint: Attempting,
        prompts: Sequence[Callable[[str], PlannedRequest]],
        profile: LoadProfile,
        record: Callable[[PlannedRequest, Any], None],
        clock: Callable[[], float] = time.perf_counter,
    ):
        if not prompts:
            raise ValueError("a load test needs at least one prompt")
        self.endpoint, self.prompts, self.profile, self.record, self.clock = endpoint, prompts, profile, record, clock
        self.sent = 0
        self.started = 0.0

    async def run(self) -> tuple[list[dict[str, Any]], str | None]:
        """(the summary of every step run, why the test stopped before its last step or None)."""
        self.started = self.clock()
        steps: list[dict[str, Any]] = []
        for index, users in enumerate(self.profile.steps):
            stop = self._out_of_budget()
            if stop:
                return steps, stop
            step = await self._step(index, users)
            steps.append(step.summary())
            if step.stopped_early:
                return steps, "errors"
        return steps, None

    def _out_of_budget(self) -> str | None:
        if self.sent >= self.profile.max_requests:
            return "max_requests"
        if self.clock() - self.started >= self.profile.max_seconds:
            return "max_seconds"
        return None

    async def _step(self, index: int, users: int) -> StepRun:
        step = StepRun(users)
        begin = self.clock()
        deadline = min(begin + self.profile.step_seconds, self.started + self.profile.max_seconds)

        async def user() -> None:
            while not step.stopped_early and self.clock() < deadline and self.sent < self.profile.max_requests:
                n = self.sent
                self.sent += 1
                req = self.prompts[n % len(self.prompts)](f"s{index + 1}u{users}-{n:07d}")
                attempt = await self.endpoint.attempt(req)
                self.record(req, attempt)
                kind = "" if attempt.ok else (f"http {attempt.status}" if attempt.kind == "http" else attempt.kind)
                step.add(Sample(attempt.ok, kind, attempt.latency_ms, attempt.ttft_ms, attempt.completion_tokens))
                if not step.stopped_early and step.over_threshold(self.profile):
                    step.stopped_early = True

        await asyncio.gather(*(user() for _ in range(users)))
        step.seconds = self.clock() - begin
        return step
