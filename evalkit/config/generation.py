"""Generation parameters: suite defaults, overridden field by field by the vendor file."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from .criteria import Strict


class Generation(Strict):
    temperature: Optional[float] = Field(default=None, ge=0, le=2)
    top_p: Optional[float] = Field(default=None, gt=0, le=1)
    max_tokens: Optional[int] = Field(default=None, ge=1, le=200_000)
    seed: Optional[int] = None
    stop: Optional[list[str]] = None

    def merged(self, override: "Generation") -> "Generation":
        """``override``'s set fields win over ours."""
        data = self.model_dump(exclude_none=True)
        data.update(override.model_dump(exclude_none=True))
        return Generation(**data)

    def request_params(self) -> dict:
        return self.model_dump(exclude_none=True)
