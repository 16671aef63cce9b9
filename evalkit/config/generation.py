"""Generation parameters: suite defaults, overridden field by field by the vendor file."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .criteria import Strict


class Generation(Strict):
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1, le=200_000)
    seed: int | None = None
    stop: list[str] | None = None

    def merged(self, override: Generation) -> Generation:
        """``override``'s set fields win over ours."""
        data = self.model_dump(exclude_none=True)
        data.update(override.model_dump(exclude_none=True))
        return Generation(**data)

    def request_params(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)
