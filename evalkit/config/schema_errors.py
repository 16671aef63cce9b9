"""Turn pydantic validation errors into ``file:line:col: field: message`` issues."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..i18n import language, tr
from .issues import ConfigIssue
from .vendor import looks_like_secret
from .yamlpos import Loc, Located, format_loc

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


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
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


def _clean_loc(data: Any, loc: Loc) -> Loc:
    """Drop pydantic's union-member tags (e.g. 'str', 'list[str]') that are not data keys."""
    out: list[str | int] = []
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


# Japanese texts of pydantic's error kinds, filled from the error's ctx; a kind not listed keeps
# pydantic's English message. The English texts are pydantic's own, unchanged.
_JA_BY_KIND: dict[str, str] = {
    "int_type": "整数にしてください",
    "int_parsing": "整数にしてください（文字列を整数として読めません）",
    "int_from_float": "整数にしてください（小数部があります）",
    "float_type": "数値にしてください",
    "float_parsing": "数値にしてください（文字列を数値として読めません）",
    "finite_number": "有限の数にしてください",
    "string_type": "文字列にしてください",
    "bool_type": "true か false にしてください",
    "bool_parsing": "true か false にしてください",
    "list_type": "リストにしてください",
    "tuple_type": "リストにしてください",
    "set_type": "リストにしてください",
    "dict_type": "マッピング（キー: 値）にしてください",
    "model_type": "マッピング（キー: 値）にしてください",
    "model_attributes_type": "マッピング（キー: 値）にしてください",
    "greater_than": "{gt} より大きい値にしてください",
    "greater_than_equal": "{ge} 以上にしてください",
    "less_than": "{lt} 未満にしてください",
    "less_than_equal": "{le} 以下にしてください",
    "multiple_of": "{multiple_of} の倍数にしてください",
    "string_too_short": "{min_length} 文字以上にしてください",
    "string_too_long": "{max_length} 文字以下にしてください",
    "too_short": "要素を {min_length} 個以上にしてください（現在 {actual_length} 個）",
    "too_long": "要素を {max_length} 個以下にしてください（現在 {actual_length} 個）",
    "literal_error": "{expected} のいずれかにしてください",
    "enum": "{expected} のいずれかにしてください",
    "string_pattern_mismatch": "形式が正しくありません（パターン '{pattern}' に合いません）",
    "url_parsing": "URL として正しくありません（{error}）",
    "url_type": "URL にしてください",
    "url_scheme": "URL のスキームは {expected_schemes} のいずれかにしてください",
    "none_required": "null にしてください",
    "date_type": "日付にしてください",
    "date_parsing": "日付として読めません",
    "date_from_datetime_parsing": "日付として読めません（YYYY-MM-DD）",
    "datetime_type": "日時にしてください",
    "datetime_parsing": "日時として読めません",
    "datetime_from_date_parsing": "日時として読めません",
}


def _pydantic_message(err: ErrorDetails) -> str:
    """One pydantic error in the console language: Japanese by kind, else pydantic's English."""
    msg = str(err["msg"])
    if msg.startswith("Value error, "):  # our own validators: already in the console language
        return msg[len("Value error, ") :]
    template = _JA_BY_KIND.get(str(err["type"]))
    if template is None or language() != "ja":
        return msg
    if err["type"] == "string_too_short" and (err.get("ctx") or {}).get("min_length") == 1:
        return "空にはできません"
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError):
        return msg


def _describe_input(value: Any) -> str:
    if looks_like_secret(value):
        return tr("秘密情報らしい値（表示しません）", "a value that looks like a secret (not shown)")
    if isinstance(value, (dict, list)):
        return tr("マッピング", "a mapping") if isinstance(value, dict) else tr("リスト", "a list")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def issues_from_validation(
    doc: Located, exc: ValidationError, model: type[BaseModel], prefix: Loc = (), data: Any = None
) -> list[ConfigIssue]:
    data = doc.data if data is None else data
    grouped: dict[Loc, list[ErrorDetails]] = {}
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
                message = tr(
                    f"不明なキー '{key}': API キーをファイルに直接書くことはできません。"
                    "キーは環境変数に入れ、その変数名を api_key_env に書いてください",
                    f"unknown key '{key}': literal API keys are not allowed in files; "
                    "put the key in an environment variable and name it in api_key_env",
                )
            else:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = (
                    tr(f"（'{close[0]}' の誤りではありませんか）", f" (did you mean '{close[0]}'?)")
                    if close
                    else (
                        tr(f"（使えるキー: {', '.join(allowed)}）", f" (expected one of: {', '.join(allowed)})")
                        if allowed
                        else ""
                    )
                )
                message = tr(f"不明なキー '{key}'{hint}", f"unknown key '{key}'{hint}")
            issues.append(doc.issue(full, message, key=True))
            continue
        if kind == "missing":
            issues.append(
                doc.issue(full, tr(f"必須の項目 '{loc[-1]}' がありません", f"missing required field '{loc[-1]}'"))
            )
            continue
        messages = []
        for e in errs:
            msg = _pydantic_message(e)
            if msg not in messages:
                messages.append(msg)
        message = tr("、又は ", " or ").join(messages)
        if kind in ("string_type",) and isinstance(err.get("input"), (int, float)):
            message += tr('（"1.0" のように引用符で囲んでください）', ' (quote the value, e.g. "1.0")')
        if "input" in err and kind not in ("value_error", "assertion_error") and not isinstance(err["input"], dict):
            got = _describe_input(err["input"])
            message += tr(f"（入力値: {got}）", f"; got {got}")
        issues.append(doc.issue(full, message))
    return issues


__all__ = ["issues_from_validation", "model_at", "format_loc"]
