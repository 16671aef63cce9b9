"""Which vendor is sent which suite: the pairs that are not applicable (対象外) and why.

Two rules, both decided before anything is sent, and shown as 対象外 in the report (never as a
failure, never as a missing answer):
- a sealed suite is not sent to the reference models that repeat the item (``integrity.sealed``);
- a suite that declares tools is not sent to a vendor whose deployment has no tool calling
  (vendor file ``tools: false``).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from ..integrity.sealed import NOT_SENT_REASON, withheld_from_sealed

NO_TOOLS_REASON = (
    "ツール呼び出し（function calling）に対応しないベンダー（tools: false）には、ツールを使うスイートを送らない"
)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def declares_tools(suite: Any) -> bool:
    """A Suite or its stored form."""
    return bool(_get(suite, "tools"))


def without_tools(vendor: Any) -> bool:
    """A Vendor or its stored settings (stored before the field existed: tools supported)."""
    return _get(vendor, "tools", True) is False


def reason(suite: Any, vendor: Any, sealed: Container[str]) -> str | None:
    """Why ``vendor`` is not sent ``suite``, or None when it is."""
    if _get(suite, "id") in sealed and withheld_from_sealed(vendor):
        return NOT_SENT_REASON
    if declares_tools(suite) and without_tools(vendor):
        return NO_TOOLS_REASON
    return None


def not_applicable(suites: Iterable[Any], vendors: Iterable[Any], sealed: Container[str]) -> dict[tuple[str, str], str]:
    """(suite id, vendor id) -> the reason, for every pair that is not sent."""
    vendors = list(vendors)
    out: dict[tuple[str, str], str] = {}
    for suite in suites:
        for vendor in vendors:
            why = reason(suite, vendor, sealed)
            if why is not None:
                out[(str(_get(suite, "id")), str(_get(vendor, "id")))] = why
    return out
