"""A streamed chat completion (``stream: true``): server-sent events read without the SDK.

The body is read as it arrives and split into events by hand (aiohttp's line reader refuses lines
over 64 KiB, and one event can be longer). Each event's ``data:`` lines are joined; ``[DONE]`` ends
the stream. What the harness needs is kept: the answer and the reasoning as they were streamed
(``delta.content``; ``delta.reasoning_content`` or ``delta.reasoning``), the finish reason, model,
fingerprint and usage (the last chunk, when ``stream_options.include_usage`` is honoured), and the
arrival time of every piece of text, from which the timings are derived:

- time to first token (TTFT): request sent → first piece of answer or reasoning;
- inter-token latency: the mean gap between successive pieces;
- output tokens per second after the first token: (tokens − 1) / (last piece − first piece), with
  the tokens from ``usage`` (else the number of pieces); none when everything came in one burst.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .tool_calls import StreamedCalls

_BURST_S = 0.001  # pieces closer together than this arrived in one read: no rate can be measured


class _ChunkShape(BaseModel):
    """``openai.types.chat.ChatCompletionChunk`` as far as evalkit reads it (checked once per endpoint)."""

    model_config = ConfigDict(extra="allow")

    id: str
    object: Literal["chat.completion.chunk"]
    created: int
    model: str
    choices: list[dict[str, Any]]


@dataclass
class Streamed:
    """What a stream brought. ``problem`` is set when it cannot be read as a chat completion."""

    answer: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    model: str | None = None
    system_fingerprint: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)  # perf_counter() of each piece of text
    done: bool = False
    chunks: int = 0
    problem: str | None = None
    calls: StreamedCalls = field(default_factory=StreamedCalls)  # delta.tool_calls, joined

    def timings(self, started: float) -> tuple[float | None, float | None, float | None]:
        """(TTFT ms, mean inter-token latency ms, output tokens per second after the first)."""
        if not self.times:
            return None, None, None
        ttft = round((self.times[0] - started) * 1000, 3)
        if len(self.times) < 2:
            return ttft, None, None
        span = self.times[-1] - self.times[0]
        itl = round(span / (len(self.times) - 1) * 1000, 3)
        tokens = self.usage.get("completion_tokens")
        tokens = tokens if isinstance(tokens, int) and tokens > 1 else len(self.times)
        rate = round((tokens - 1) / span, 3) if span >= _BURST_S else None
        return ttft, itl, rate


async def events(body: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The data of each server-sent event (its ``data:`` lines joined), as the bytes arrive."""
    pending: list[bytes] = []  # the bytes since the last newline, joined only when one arrives
    data: list[str] = []
    async for block in body:
        if b"\n" not in block:
            pending.append(block)
            continue
        *lines, rest = b"".join([*pending, block]).split(b"\n")
        pending = [rest]
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8", "replace")
            if not line:
                if data:
                    yield "\n".join(data)
                    data = []
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
            # other fields (event:, id:, retry:) and comments (": keep-alive") carry nothing we need
    tail = b"".join(pending).rstrip(b"\r").decode("utf-8", "replace")
    if tail.startswith("data:"):
        data.append(tail[5:].removeprefix(" "))
    if data:
        yield "\n".join(data)


async def read_stream(body: AsyncIterator[bytes], validate: bool) -> Streamed:
    """Read a whole stream; ``validate``: check the first chunk's shape (the protocol check)."""
    out = Streamed()
    async for data in events(body):
        if data.strip() == "[DONE]":
            out.done = True
            break
        try:
            chunk = json.loads(data)
            if validate and out.chunks == 0:
                _ChunkShape.model_validate(chunk)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError too
            out.problem = f"malformed stream event: {' '.join(str(exc).split())[:200]}"
            return out
        out.chunks += 1
        if not isinstance(chunk, dict):
            out.problem = "malformed stream event: not a JSON object"
            return out
        if chunk.get("error"):
            error = chunk["error"]
            message = error.get("message") if isinstance(error, dict) else error
            out.problem = f"error event in the stream: {' '.join(str(message).split())[:200]}"
            return out
        _take(out, chunk)
    return out


def _take(out: Streamed, chunk: dict[str, Any]) -> None:
    out.model = chunk.get("model") or out.model
    out.system_fingerprint = chunk.get("system_fingerprint") or out.system_fingerprint
    if isinstance(chunk.get("usage"), dict):
        out.usage = chunk["usage"]
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        return
    for choice in choices:
        if not isinstance(choice, dict) or choice.get("index", 0) != 0:
            continue  # n > 1 is never asked for: only the first answer counts
        delta = choice.get("delta") or {}
        piece = delta.get("content") if isinstance(delta, dict) else None
        thought = (delta.get("reasoning_content") or delta.get("reasoning")) if isinstance(delta, dict) else None
        if isinstance(thought, str) and thought:
            out.reasoning.append(thought)
        if isinstance(piece, str) and piece:
            out.answer.append(piece)
        called = out.calls.take(delta) if isinstance(delta, dict) and "tool_calls" in delta else False
        if (isinstance(piece, str) and piece) or (isinstance(thought, str) and thought) or called:
            out.times.append(time.perf_counter())
        out.finish_reason = choice.get("finish_reason") or out.finish_reason
