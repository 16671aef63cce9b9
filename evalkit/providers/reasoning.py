"""Reasoning text of reasoning models, kept apart from the answer.

Servers return a reasoning model's thinking in one of three ways, all handled here:
- a message field: ``reasoning_content`` (DeepSeek's API, vLLM's and SGLang's reasoning parsers) or
  ``reasoning`` (OpenRouter, Ollama, newer vLLM);
- inline, as a ``<think>…</think>`` block (``<thinking>`` too) at the start of ``content``, when the
  server runs without a reasoning parser;
- inline without its opening tag: chat templates that open the block themselves (DeepSeek-R1,
  Qwen3 in thinking mode) leave only ``…</think>answer`` in the output.

Only the answer is scored and shown to judges; the reasoning is stored beside it, counted in the
operations table, and checked by the leak scorers unless the suite says its deployment never shows
or keeps it (``reasoning_may_leak``). A block that is opened and never closed (the model ran out of
tokens while thinking) is all reasoning: the answer is empty.
"""

from __future__ import annotations

import json
import re
from typing import Any

_OPEN = re.compile(r"\A\s*<(think|thinking)>", re.IGNORECASE)
_CLOSE = {name: re.compile(rf"</{name}>", re.IGNORECASE) for name in ("think", "thinking")}
_ORPHAN_CLOSE = re.compile(r"</(think|thinking)>", re.IGNORECASE)
# the field names servers use, in the order they are read
REASONING_FIELDS = ("reasoning_content", "reasoning")


def split_inline(content: str) -> tuple[str, str | None]:
    """(answer, reasoning or None) of a message's ``content``."""
    opened = _OPEN.match(content)
    if opened:
        name = opened.group(1).lower()
        closed = _CLOSE[name].search(content, opened.end())
        if closed is None:  # thinking cut off (length): no answer was given
            return "", content[opened.end() :].strip()
        return content[closed.end() :].strip(), content[opened.end() : closed.start()].strip()
    orphan = _ORPHAN_CLOSE.search(content)
    if orphan is not None and "<" + orphan.group(1).lower() + ">" not in content[: orphan.start()].lower():
        return content[orphan.end() :].strip(), content[: orphan.start()].strip()
    return content, None


def field_text(value: Any) -> str | None:
    """A reasoning field as text: a string as it is, anything else (a list of parts, an object) as
    JSON, so a secret inside a structured field is still seen by the leak scorers."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def split_message(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """(answer, reasoning) of a response message: reasoning fields first, then an inline block.
    The answer is None only when the message has no content and no reasoning at all."""
    parts = [text for text in (field_text(message.get(name)) for name in REASONING_FIELDS) if text]
    content = message.get("content")
    if isinstance(content, str):
        content, inline = split_inline(content)
        if inline:
            parts.append(inline)
    reasoning = "\n\n".join(parts) if parts else None
    if content is None and reasoning is not None:
        content = ""  # it thought and never answered: an empty answer, scored as one
    return content, reasoning
