"""One attempt at an OpenAI-compatible ``POST /chat/completions``, over a shared aiohttp session.

The hot path speaks the wire format directly: at the concurrency evaluations need, the SDK's
per-request object churn costs more than the whole rest of the harness (see docs/performance.md).
The protocol is still guarded: the first successful response of each endpoint is validated against
``_ChatCompletionShape``, the fields of the SDK's ``ChatCompletion`` that the store relies on, with the
SDK's types and constraints (tests/test_openai_provider.py checks that both accept and reject the
same bodies), so an endpoint that is not really OpenAI-compatible fails loudly on its first answer
instead of producing silently wrong data. The SDK itself is not imported on this path: it takes
~0.7 s to import, paid inside the send phase of every run. Retries, limits and pauses
are the scheduler's job (evalkit/runner/); this module only sends and classifies.

Every ``Attempt.message`` is recorded in the run store's ``error_message`` column (the console shows a
stopped vendor's reason from there): stored data, so these texts stay English whatever the console
language (evalkit/i18n.py).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, TypedDict

import aiohttp
from pydantic import BaseModel, ConfigDict, ValidationError

from ..config.vendor import Vendor
from ..runner.store import PlannedRequest, Response
from .reasoning import split_message
from .sse import Streamed, read_stream
from .tool_calls import from_message

FATAL_STATUS = frozenset({400, 401, 403, 404, 405, 413, 422})
# A request longer than the model's context window: its own error class ("context"), never retried (it
# would fail the same way) and reported per vendor. Servers say it in their own words, with 400, 413 or
# 422: vLLM / OpenAI ("maximum context length is 8192 tokens", code context_length_exceeded), TGI
# ("inputs tokens + max_new_tokens must be <= 4096"), llama.cpp ("exceeds the available context size"),
# others ("prompt is too long", "input is too long for the model").
CONTEXT_STATUS = frozenset({400, 413, 422})
_TOO_LONG = re.compile(
    r"context[ _-]?(?:length|window|size)|maximum context|max_model_len|max_new_tokens[^.]*must be <="
    r"|(?:prompt|input)s? (?:is |are )?too long|exceeds? the (?:available |model'?s? )?(?:context|maximum)"
    r"|too many (?:input )?tokens|token limit",
    re.IGNORECASE,
)


def too_long(message: str) -> bool:
    """Whether an error message says the request does not fit the model's context window."""
    return bool(_TOO_LONG.search(message))


def _too_long(message: str) -> str:
    return f"the request exceeds the model's context window: {short(message, 240)}"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")  # as the SDK's models: unknown fields are kept, not refused


class _Usage(_Open):
    completion_tokens: int
    prompt_tokens: int
    total_tokens: int


class _Message(_Open):
    content: str | None = None
    refusal: str | None = None
    role: Literal["assistant"]


class _Choice(_Open):
    finish_reason: Literal["stop", "length", "tool_calls", "content_filter", "function_call"]
    index: int
    message: _Message


class _ChatCompletionShape(_Open):
    """``openai.types.chat.ChatCompletion`` as far as evalkit reads it (required fields and types)."""

    id: str
    choices: list[_Choice]
    created: int
    model: str
    object: Literal["chat.completion"]
    system_fingerprint: str | None = None
    usage: _Usage | None = None


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def short(text: Any, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# what an answered attempt hands on to the store as it is
_ANSWER_FIELDS = (
    "content",
    "finish_reason",
    "model",
    "system_fingerprint",
    "prompt_tokens",
    "completion_tokens",
    "reasoning",
    "reasoning_tokens",
    "ttft_ms",
    "itl_ms",
    "tokens_per_s",
    "tool_calls",
)


@dataclass
class Attempt:
    """The outcome of one HTTP exchange. ``kind`` is '' on success, else the error class."""

    kind: str = ""
    status: int | None = None
    message: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    content: str | None = None
    finish_reason: str | None = None
    model: str | None = None
    system_fingerprint: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float = 0.0
    reasoning: str | None = None
    reasoning_tokens: int | None = None
    # streamed answers only (vendor ``stream: true``): see providers/sse.py
    ttft_ms: float | None = None
    itl_ms: float | None = None
    tokens_per_s: float | None = None
    tool_calls: str | None = None  # JSON text [{name, arguments}] (providers/tool_calls.py)

    @property
    def ok(self) -> bool:
        return not self.kind

    def to_response(self, key: str, attempts: int, received_at: str, latency_ms: float | None = None) -> Response:
        """The stored outcome of this attempt (``latency_ms``: of the whole request, retries included)."""
        common: dict[str, Any] = {
            "key": key,
            "attempts": attempts,
            "received_at": received_at,
            "latency_ms": self.latency_ms if latency_ms is None else latency_ms,
        }
        if not self.ok:
            return Response(
                ok=False, error_kind=self.kind, http_status=self.status, error_message=self.message, **common
            )
        return Response(ok=True, **{name: getattr(self, name) for name in _ANSWER_FIELDS}, **common)


class ChatEndpoint:
    """A vendor's endpoint: one connection pool, one set of headers, reused by every request."""

    def __init__(self, vendor: Vendor, base_url: str, api_key: str | None, pool_size: int):
        self.vendor = vendor
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "evalkit"}
        self._secret = api_key or None
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"
        self.timeout = aiohttp.ClientTimeout(total=vendor.timeout)
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._validated = False

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, limit_per_host=self._pool_size, ttl_dns_cache=300, enable_cleanup_closed=True
            )
            self._session = aiohttp.ClientSession(
                connector=connector, headers=self.headers, timeout=self.timeout, trust_env=False
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def scrub(self, text: str) -> str:
        """Error bodies are stored: make sure the key never is, even if a server echoes it."""
        return text.replace(self._secret, "***") if self._secret else text

    def explain_status(self, status: int, message: str) -> str:
        if status == 401:
            env = self.vendor.api_key_env
            where = (
                f"the key in environment variable {env}"
                if env
                else "api_key_env in the vendor file (no key is configured)"
            )
            return f"HTTP 401 authentication failed: check {where}"
        if status == 403:
            return f"HTTP 403 forbidden: the key lacks access to model '{self.vendor.model}' ({short(message, 120)})"
        if status == 404:
            return f"HTTP 404 not found: check base_url and model '{self.vendor.model}' ({short(message, 120)})"
        return f"HTTP {status}: {short(message)}"

    async def attempt(self, req: PlannedRequest) -> Attempt:
        payload = {"model": self.vendor.model, "messages": req.messages, **req.params}
        if self.vendor.stream:
            payload.update(stream=True, stream_options={"include_usage": True})
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        started = time.perf_counter()
        try:
            async with self._get_session().post(self.url, data=body) as resp:
                status, headers = resp.status, resp.headers
                if status == 200 and resp.content_type == "text/event-stream":
                    streamed = await read_stream(resp.content.iter_any(), validate=not self._validated)
                    return self._from_stream(streamed, headers, started)
                raw = await resp.read()
        except asyncio.TimeoutError:
            return Attempt("timeout", message=f"no response within {self.vendor.timeout:g} s", latency_ms=_ms(started))
        except aiohttp.ClientConnectorError as exc:  # nothing reached: wrong host or port, or the server is down
            return Attempt(
                "connect",
                message=f"cannot connect to {self.url}: {short(exc.os_error or exc)} (check base_url and its port)",
                latency_ms=_ms(started),
            )
        except (aiohttp.ClientError, ConnectionError) as exc:
            return Attempt(
                "connection", message=f"connection lost: {short(exc) or type(exc).__name__}", latency_ms=_ms(started)
            )
        latency = _ms(started)
        if status != 200:
            message = self.scrub(_error_message(raw))
            if status in CONTEXT_STATUS and too_long(message + " " + raw[:2000].decode("utf-8", "replace")):
                return Attempt(
                    "context", status=status, headers=headers, latency_ms=latency, message=_too_long(message)
                )
            return Attempt(
                "http",
                status=status,
                headers=headers,
                latency_ms=latency,
                message=self.explain_status(status, message)
                if status in FATAL_STATUS
                else f"HTTP {status}: {short(message)}",
            )
        return self._parse(raw, headers, latency)

    def _from_stream(self, streamed: Streamed, headers: Mapping[str, str], started: float) -> Attempt:
        latency = _ms(started)
        if streamed.problem and too_long(streamed.problem):
            return Attempt(
                "context", status=200, headers=headers, latency_ms=latency, message=_too_long(streamed.problem)
            )
        if streamed.problem:
            return Attempt("malformed", status=200, headers=headers, latency_ms=latency, message=streamed.problem)
        if not streamed.done and streamed.finish_reason is None:
            return Attempt(
                "connection",
                status=200,
                headers=headers,
                latency_ms=latency,
                message=f"the stream ended after {streamed.chunks} event(s), without [DONE] or a finish reason",
            )
        self._validated = self._validated or streamed.chunks > 0
        content, reasoning = split_message(
            {"content": "".join(streamed.answer), "reasoning_content": "".join(streamed.reasoning)}
        )
        calls = streamed.calls.stored()
        if not streamed.answer and not streamed.reasoning and calls is None:
            return Attempt("empty", status=200, headers=headers, latency_ms=latency, message="the stream held no text")
        ttft, itl, rate = streamed.timings(started)
        return Attempt(
            status=200,
            headers=headers,
            latency_ms=latency,
            content=content,
            finish_reason=streamed.finish_reason,
            model=streamed.model,
            system_fingerprint=streamed.system_fingerprint,
            reasoning=reasoning,
            **_usage(streamed.usage),
            ttft_ms=ttft,
            itl_ms=itl,
            tokens_per_s=rate,
            tool_calls=calls,
        )

    def _parse(self, raw: bytes, headers: Mapping[str, str], latency: float) -> Attempt:
        try:
            data = json.loads(raw)
            if not self._validated:  # the protocol check, once per endpoint
                _ChatCompletionShape.model_validate(data)
                self._validated = True
            choice = data["choices"][0]
            content, reasoning = split_message(choice["message"])
            calls = from_message(choice["message"])
        except (ValueError, ValidationError) as exc:
            return Attempt(
                "malformed",
                status=200,
                headers=headers,
                latency_ms=latency,
                message=f"malformed response body: {short(exc, 200)}",
            )
        except (KeyError, IndexError, TypeError, AttributeError):
            return Attempt(
                "empty",
                status=200,
                headers=headers,
                latency_ms=latency,
                message="response has no choices or no message",
            )
        if content is None and calls is not None:  # a reply that only calls tools
            content = ""
        if content is None:
            return Attempt(
                "empty", status=200, headers=headers, latency_ms=latency, message="response message has no content"
            )
        return Attempt(
            status=200,
            headers=headers,
            latency_ms=latency,
            content=content,
            finish_reason=choice.get("finish_reason"),
            model=data.get("model"),
            system_fingerprint=data.get("system_fingerprint"),
            reasoning=reasoning,
            tool_calls=calls,
            **_usage(data.get("usage")),
        )


class _Tokens(TypedDict):
    prompt_tokens: int | None
    completion_tokens: int | None
    reasoning_tokens: int | None


def _usage(usage: Any) -> _Tokens:
    """The token counts of a response's ``usage`` (reasoning tokens from completion_tokens_details)."""
    usage = usage if isinstance(usage, dict) else {}
    details = usage.get("completion_tokens_details")

    def count(value: Any) -> int | None:
        return value if isinstance(value, int) else None

    return _Tokens(
        prompt_tokens=count(usage.get("prompt_tokens")),
        completion_tokens=count(usage.get("completion_tokens")),
        reasoning_tokens=count(details.get("reasoning_tokens")) if isinstance(details, dict) else None,
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _error_message(raw: bytes) -> str:
    try:
        data = json.loads(raw)
        err = data.get("error") if isinstance(data, dict) else None
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    except ValueError:
        pass
    return raw[:300].decode("utf-8", "replace")
