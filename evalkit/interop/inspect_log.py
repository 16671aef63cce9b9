"""The Inspect eval log format (UK AISI's ``inspect_ai``, which Japan AISI's aisev builds on), as JSON.

Written and read without ``inspect_ai`` (evalkit never depends on it at run time); the shapes follow
``inspect_ai/log/_log.py`` (``EvalLog`` version 2: ``EvalSpec``, ``EvalSample``, ``EvalResults``,
``EvalScore``, ``EvalStats``), ``inspect_ai/model/_chat_message.py`` (``ChatMessage*``),
``inspect_ai/model/_model_output.py`` (``ModelOutput``, ``ModelUsage``) and
``inspect_ai/scorer/_metric.py`` (``Score``) of inspect_ai 0.3.285. The tests read every exported
file back with ``inspect_ai.log.read_eval_log`` and write the logs they import with its
``write_eval_log``.

A ``.json`` log is one JSON object (the ``EvalLog``); a ``.eval`` log is a zip archive with
``header.json`` (the log without samples) and ``samples/<id>_epoch_<n>.json`` (one ``EvalSample`` each).
`inspect view` lists a ``.json`` file only when its name starts with an ISO timestamp
(``log_file_pattern`` in ``inspect_ai/log/_file.py``): ``<timestamp>_<task>_<model>_<id>.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..i18n import tr

LOG_VERSION = 2
# ``EvalConfig`` as inspect_ai writes it for a plain run (EvalConfigDefaults)
EVAL_CONFIG = {
    "fail_on_error": True,
    "continue_on_fail": False,
    "score_on_error": False,
    "sandbox_cleanup": True,
    "sandbox_prebuilt": False,
    "log_samples": True,
    "log_realtime": False,
    "log_images": True,
    "score_display": True,
}
CORRECT, INCORRECT = "C", "I"  # inspect_ai.scorer CORRECT / INCORRECT
STOP_REASONS = {"stop", "max_tokens", "model_length", "tool_calls", "content_filter", "unknown"}
_FINISH_TO_STOP = {
    "stop": "stop",
    "length": "max_tokens",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
}


def short_id(*parts: str, n: int = 22) -> str:
    """A deterministic id in the alphabet of Inspect's shortuuids (letters and digits)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    value = int.from_bytes(digest, "big")
    out = []
    for _ in range(n):
        value, rem = divmod(value, len(alphabet))
        out.append(alphabet[rem])
    return "".join(out)


def file_stamp(iso: str | None) -> str:
    """``2026-12-03T18:23:25+00:00`` -> ``2026-12-03T18-23-25-00-00`` (Inspect's file name prefix)."""
    text = (iso or "1970-01-01T00:00:00+00:00")[:25]
    match = re.match(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([+-]\d{2}:\d{2}|Z)?", text)
    if not match:
        return "1970-01-01T00-00-00-00-00"
    date, hh, mm, ss, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z") else zone
    return f"{date}T{hh}-{mm}-{ss}{zone.replace(':', '-').replace('+', '-')}"


def file_part(text: str) -> str:
    """A file-name part without ``_`` (Inspect splits names on it)."""
    return re.sub(r"[^A-Za-z0-9.\-]+", "-", text).strip("-") or "x"


def stop_reason(finish_reason: str | None) -> str:
    return _FINISH_TO_STOP.get(finish_reason or "", "unknown")


def usage(prompt_tokens: Any, completion_tokens: Any, reasoning_tokens: Any = None) -> dict[str, Any] | None:
    """A ``ModelUsage`` from the tokens an endpoint reported (None when it reported none)."""
    if prompt_tokens is None and completion_tokens is None:
        return None
    inp, out = int(prompt_tokens or 0), int(completion_tokens or 0)
    usage: dict[str, Any] = {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out}
    if reasoning_tokens is not None:
        usage["reasoning_tokens"] = int(reasoning_tokens)
    return usage


def add_usage(total: dict[str, Any], one: dict[str, Any]) -> None:
    for key, value in one.items():
        total[key] = (total.get(key) or 0) + value


def tool_calls(calls: Any, prefix: str) -> list[dict[str, Any]] | None:
    """OpenAI tool calls ([{id?, function: {name, arguments}}] or evalkit's [{name, arguments}]) as
    Inspect ``ToolCall``s."""
    if isinstance(calls, str):
        try:
            calls = json.loads(calls)
        except ValueError:
            return None
    if not isinstance(calls, list) or not calls:
        return None
    out = []
    for n, call in enumerate(calls, 1):
        if not isinstance(call, dict):
            continue
        nested = call.get("function")
        function: dict[str, Any] = nested if isinstance(nested, dict) else call
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                arguments = {"raw": arguments}
        out.append(
            {
                "id": str(call.get("id") or f"{prefix}-call-{n}"),
                "function": str(function.get("name") or ""),
                "arguments": arguments if isinstance(arguments, dict) else {"value": arguments},
                "type": "function",
            }
        )
    return out or None


def message(
    role: str, content: str | None, mid: str, *, source: str | None = None, model: str | None = None, **extra: Any
) -> dict[str, Any]:
    """One ``ChatMessage`` (system, user, assistant or tool)."""
    out: dict[str, Any] = {"id": mid, "content": content or ""}
    if source:
        out["source"] = source
    out["role"] = role
    if model and role == "assistant":
        out["model"] = model
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def model_output(model: str, content: str | None, mid: str, **fields: Any) -> dict[str, Any]:
    """A ``ModelOutput`` with one choice; ``fields``: stop_reason, usage, time, error, tool_calls."""
    msg = message("assistant", content, mid, source="generate", model=model, tool_calls=fields.get("tool_calls"))
    out: dict[str, Any] = {
        "model": model,
        "choices": [{"message": msg, "stop_reason": fields.get("stop_reason") or "unknown"}],
        "completion": content or "",
    }
    if fields.get("usage"):
        out["usage"] = fields["usage"]
    if fields.get("time") is not None:
        out["time"] = fields["time"]
    if fields.get("error"):
        out["error"] = fields["error"]
    return out


def eval_error(text: str) -> dict[str, str]:
    return {"message": text, "traceback": text, "traceback_ansi": text}


def dumps(log: dict[str, Any]) -> str:
    return json.dumps(log, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# ------------------------------------------------------------------------------------------ reading
class NotInspectLog(UsageError):
    pass


def _not_a_log(path: Path, why: str) -> NotInspectLog:
    return NotInspectLog(
        tr(f"{path}: Inspect の評価ログではありません（{why}）", f"{path}: not an Inspect eval log ({why})")
    )


def read_log(path: Path) -> dict[str, Any]:
    """An Inspect log (``.json`` or ``.eval``) as a plain dict with its samples; UsageError (exit 2)
    naming the path for anything else."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(tr(f"{path}: ファイルがありません", f"{path}: no such file"))
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                if "header.json" not in names:
                    raise _not_a_log(path, "no header.json in the archive")
                log = json.loads(archive.read("header.json").decode("utf-8"))
                samples = [
                    json.loads(archive.read(name).decode("utf-8"))
                    for name in sorted(names)
                    if name.startswith("samples/") and name.endswith(".json")
                ]
        except (zipfile.BadZipFile, OSError, ValueError, UnicodeDecodeError) as exc:
            raise _not_a_log(path, f"unreadable archive: {exc}") from None
        if isinstance(log, dict):
            log["samples"] = samples
    else:
        try:
            log = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise _not_a_log(path, "not UTF-8 text") from None
        except ValueError as exc:
            raise _not_a_log(path, f"not JSON: {exc}") from None
        except OSError as exc:
            raise UsageError(f"{path}: {exc.strerror}") from None
    if not isinstance(log, dict) or not isinstance(log.get("eval"), dict) or "version" not in log:
        raise _not_a_log(path, "no 'version' and 'eval' fields")
    if not isinstance(log["eval"].get("task"), str):
        raise _not_a_log(path, "eval.task missing")
    found = log.get("samples")
    if not isinstance(found, list) or not found:
        raise UsageError(
            tr(
                f"{path}: サンプルがありません（log_samples を有効にして記録したログが必要です）",
                f"{path}: the log has no samples (it must be written with log_samples on)",
            )
        )
    if not all(isinstance(s, dict) and "id" in s and "input" in s for s in found):
        raise _not_a_log(path, "a sample without id or input")
    return log


def content_text(content: Any) -> str | None:
    """The text of a message's content: a string, or the text parts of a list (None when a part is not text)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") in ("text", None) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, dict) and part.get("type") == "reasoning":
                continue
            else:
                return None
        return "\n".join(parts)
    return None
