"""The load profile: the ramp of concurrent users and the bounds of the whole test.

Given as a YAML file (``evalkit load --profile FILE``; checked with file:line errors like every
other file) and/or on the command line, which overrides the file field by field::

    steps: [1, 4, 16, 64]     # concurrent simulated users, one step after the other
    step_seconds: 20          # how long each step lasts
    max_requests: 5000        # the whole test never sends more
    max_seconds: 600          # nor runs longer
    error_threshold: 0.05     # a step whose error rate is clearly above this is stopped, and the ramp with it
    min_requests: 20          # ... once the step has at least this many results
    max_tokens: 256           # generation limit of every request (default: the suites')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from ..config.criteria import Strict
from ..i18n import tr


class LoadProfile(Strict):
    """How hard and how long ``evalkit load`` drives one vendor."""

    steps: list[int] = Field(
        default_factory=lambda: [1, 4, 16, 64],
        min_length=1,
        max_length=32,
        description="Concurrent simulated users per step, in the order they are run.",
    )
    step_seconds: float = Field(default=20.0, gt=0, le=3600, allow_inf_nan=False, description="Duration of each step.")
    max_requests: int = Field(default=5000, ge=1, le=1_000_000, description="Requests of the whole test, at most.")
    max_seconds: float = Field(
        default=600.0, gt=0, le=86_400, allow_inf_nan=False, description="Duration of the whole test, at most."
    )
    error_threshold: float = Field(
        default=0.05,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="A step whose error rate is clearly above this (the lower end of its 95 % Wilson interval) "
        "is stopped early, and no further step is run.",
    )
    min_requests: int = Field(
        default=20, ge=1, description="Results a step needs before its error rate can stop it (noise guard)."
    )
    max_tokens: int | None = Field(
        default=None, ge=1, le=131_072, description="max_tokens of every request (default: the suites' own)."
    )

    @model_validator(mode="after")
    def _users(self) -> LoadProfile:
        if any(n < 1 or n > 4096 for n in self.steps):
            raise ValueError(
                tr(
                    "steps の同時ユーザー数は 1〜4096 にしてください",
                    "steps: concurrent users must be between 1 and 4096",
                )
            )
        return self


def profile_from(path: Path | None, *, steps: str | None = None, **flags: Any) -> LoadProfile:
    """The profile: the file's (file:line errors), then the command line's values over it (``steps``
    as written on it, "1,4,16"; a value of None is not given)."""
    from pydantic import ValidationError

    from ..config.issues import ConfigError
    from ..config.loader import load_model
    from ..errors import UsageError

    data: dict[str, Any] = {}
    if path is not None:
        loaded, issues = load_model(path, LoadProfile)
        if issues or loaded is None:
            raise ConfigError(issues)
        data = loaded.model.model_dump()
    if steps is not None:
        try:
            flags["steps"] = [int(n) for n in steps.split(",")]
        except ValueError:
            raise UsageError(
                tr(
                    f"--steps: 整数をコンマで区切ってください: {steps}",
                    f"--steps: comma-separated integers: {steps}",
                )
            ) from None
    data.update({k: v for k, v in flags.items() if v is not None})
    try:
        return LoadProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"--{'.'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in exc.errors())
        raise UsageError(problems) from None
