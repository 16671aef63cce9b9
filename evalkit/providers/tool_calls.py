"""The tool calls of an answer (OpenAI function calling), as the store keeps them.

A message's ``tool_calls`` (``[{"id", "type": "function", "function": {"name", "arguments"}}]``) is
kept as JSON text ``[{"name": ..., "arguments": ...}]``: the name and the arguments string exactly as
the model wrote them (a string that is not valid JSON is the model's mistake, scored as such, never
repaired here). Streamed calls arrive in pieces under ``delta.tool_calls[].index`` and are joined.
The legacy ``function_call`` field is read as one call.
"""

from __future__ import annotations

import json
from typing import Any


def _call(function: Any) -> dict[str, str] | None:
    if not isinstance(function, dict):
        return None
    name, arguments = function.get("name"), function.get("arguments")
    if not isinstance(name, str) or not name:
        return None
    if not isinstance(arguments, str):  # some servers send the object itself
        arguments = "" if arguments is None else json.dumps(arguments, ensure_ascii=False)
    return {"name": name, "arguments": arguments}


def from_message(message: dict[str, Any]) -> str | None:
    """The calls of a (non-streamed) message as stored JSON text, or None when it made none."""
    calls = []
    raw = message.get("tool_calls")
    if isinstance(raw, list):
        for entry in raw:
            call = _call(entry.get("function")) if isinstance(entry, dict) else None
            if call is not None:
                calls.append(call)
    legacy = _call(message.get("function_call"))
    if legacy is not None and not calls:
        calls.append(legacy)
    return json.dumps(calls, ensure_ascii=False) if calls else None


class StreamedCalls:
    """Tool calls assembled from stream deltas (``delta.tool_calls``), by their ``index``."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}
        self.arguments: dict[int, list[str]] = {}

    def take(self, delta: dict[str, Any]) -> bool:
        """Add a delta's pieces; True when it carried any."""
        raw = delta.get("tool_calls")
        found = False
        if isinstance(raw, list):
            for n, entry in enumerate(raw):
                if not isinstance(entry, dict):
                    continue
                index = entry.get("index", n)
                index = index if isinstance(index, int) else n
                raw_function = entry.get("function")
                function: dict[str, Any] = raw_function if isinstance(raw_function, dict) else {}
                if isinstance(function.get("name"), str) and function["name"]:
                    self.names[index] = self.names.get(index, "") + function["name"]
                    found = True
                if isinstance(function.get("arguments"), str):
                    self.arguments.setdefault(index, []).append(function["arguments"])
                    found = True
        return found

    def stored(self) -> str | None:
        calls = [
            {"name": self.names[i], "arguments": "".join(self.arguments.get(i, []))}
            for i in sorted(self.names)
            if self.names[i]
        ]
        return json.dumps(calls, ensure_ascii=False) if calls else None


def calls_of(stored: str | None) -> list[dict[str, str]]:
    """The stored calls as a list (none: empty)."""
    if not stored:
        return []
    try:
        value = json.loads(stored)
    except ValueError:
        return []
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


def readable(arguments: object) -> str:
    """Arguments as text a reader (and a leak scorer) can read: JSON re-written without escapes (a server
    may send 「港が丘」 as \\u6e2f\\u304c\\u4e18), anything else as sent."""
    if not isinstance(arguments, str):
        return str(arguments)
    try:
        return json.dumps(json.loads(arguments), ensure_ascii=False)
    except ValueError:
        return arguments


def shown(stored: str | None) -> str:
    """The calls as text, one line each (the drill-down, and what the leak scorers read)."""
    return "\n".join(f"（ツール {c.get('name')} を呼び出し: {readable(c.get('arguments'))}）" for c in calls_of(stored))
