"""Number formats shared by the report and the load test's page (no pandas, no store: both import it)."""

from __future__ import annotations

import math
from typing import Any, TypeGuard


def is_num(value: Any) -> TypeGuard[float]:
    """A finite number (not a bool, NaN or infinity): what a cell can show."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def ms(value: Any) -> str:
    """Milliseconds, whole, with thousands separators; "—" when there is no value."""
    return f"{value:,.0f}" if is_num(value) else "—"
