"""Turn pydantic validation errors into ``file:line:col: field: message`` issues."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .issues import ConfigIssue
from .vendor import looks_like_secret
from .yamlpos import Located, format_loc

SECRET_KEYS = {"api_key", "apikey", "key", "token", "secret", "password", "authorization", "bearer"}


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                out.extend(_unwrap(arg))
        return out
    return [annotation]


def model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at ``loc`` (for did-you-mean)."""
    current: Any = model
    for part in loc:
        candidates = _unwrap(current)
        nxt = None
        for cand in candidates:
            origin = typing.get_origin(cand)
            if isinstance(cand, type) and issubclass(cand, BaseModel) and isinstance(part, str):
                field = cand.model_fields.get(part)
                if field is not None:
                    nxt = field.annotation
            elif origin in (list, tuple) and isinstance(part, int):
                nxt = typing.get_args(cand)[0]
            elif origin is dict and isinstance(part, str):
                nxt = typing.get_args(cand)[1]
            if nxt is not None:
                break
        if nxt is None:
            return None
        current = nxt
    for cand in _unwrap(current):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _clean_loc(data: Any, loc: tuple) -> tuple:
    """Drop pydantic's union-member tags (e.g. 'str', 'list[str]') that are not data keys."""
    out: list = []
    current = data
    for part in loc:
        if isinstance(current, dict) and isinstance(part, str):
            if part in current:
                out.append(part)
                current = current[part]
                continue
            # a missing field or an extra key: keep it, stop walking
            out.append(part)
            current = None
            continue
        if isinstance(current, list) and isinstance(part, int) and part < len(current):
            out.append(part)
            current = current[part]
            continue
        if current is None and not out:
            out.append(part)
        # union tag or function-after tag: skip
    return tuple(out)


def _describe_input(value: Any) -> str:
    if looks_like_secret(value):
        return "a value that looks like a secret (not shown)"
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def issues_from_validation(
    doc: Located, exc: ValidationError, model: type[BaseModel], prefix: tuple = (), data: Any = None
) -> list[ConfigIssue]:
    data = doc.data if data is None else data
    grouped: dict[tuple, list[dict]] = {}
    for err in exc.errors(include_url=False):
        loc = _clean_loc(data, tuple(err["loc"]))
        grouped.setdefault(loc, []).append(err)
    issues: list[ConfigIssue] = []
    for loc, errs in grouped.items():
        full = prefix + loc
        err = errs[0]
        kind = err["type"]
        if kind == "extra_forbidden":
            key = loc[-1]
            parent = model_at(model, loc[:-1])
            allowed = sorted(parent.model_fields) if parent else []
            if str(key).lower() in SECRET_KEYS:
                message = (
                    f"unknown key '{key}': literal API keys are not allowed in files; "
                    "put the key in an environment variable and name it in api_key_env"
                )
            else:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = (
                    f" (did you mean '{close[0]}'?)"
                    if close
                    else (f" (expected one of: {', '.join(allowed)})" if allowed else "")
                )
                message = f"unknown key '{key}'{hint}"
            issues.append(doc.issue(full, message, key=True))
            continue
        if kind == "missing":
            issues.append(doc.issue(full, f"missing required field '{loc[-1]}'"))
            continue
        messages = []
        for e in errs:
            msg = e["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            if msg not in messages:
                messages.append(msg)
        message = " or ".join(messages)
        if kind in ("string_type",) and isinstance(err.get("input"), (int, float)):
            message += ' (quote the value, e.g. "1.0")'
        if "input" in err and kind not in ("value_error", "assertion_error") and not isinstance(err["input"], dict):
            message += f"; got {_describe_input(err['input'])}"
        issues.append(doc.issue(full, message))
    return issues


__all__ = ["issues_from_validation", "model_at", "format_loc"]
