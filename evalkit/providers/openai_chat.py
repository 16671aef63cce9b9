"""Calling an OpenAI-compatible chat completions endpoint with the official SDK."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timezone
from typing import Optional

import aiohttp
import openai
from openai import AsyncOpenAI, DefaultAioHttpClient

from ..config.vendor import Vendor
from ..runner.store import PlannedRequest, Response

# Status codes that will not get better by retrying: fail fast with a clear message.
FATAL_STATUS = {400, 401, 403, 404, 422}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _connection_failure(exc: BaseException) -> Optional[BaseException]:
    """The OSError-level connection failure behind ``exc``, if there is one."""
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (ConnectionError, aiohttp.ClientConnectorError)):
            return current
        current = current.__cause__ or current.__context__
    return None


class ChatClient:
    """One shared SDK client per vendor (connection pooling over aiohttp)."""

    def __init__(self, vendor: Vendor, base_url: str, api_key: Optional[str]):
        self.vendor = vendor
        self.client = AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            max_retries=0,  # retries are ours: counted, and stored with the response
            timeout=vendor.timeout,
            http_client=DefaultAioHttpClient(timeout=vendor.timeout),
        )

    async def aclose(self) -> None:
        await self.client.close()

    def _explain_status(self, status: int, message: str) -> str:
        if status == 401:
            env = self.vendor.api_key_env
            where = f"the key in environment variable {env}" if env else "api_key_env (no key configured)"
            return f"HTTP 401 authentication failed: check {where}"
        if status == 403:
            return f"HTTP 403 forbidden: the key lacks access to model '{self.vendor.model}' ({_short(message, 120)})"
        if status == 404:
            return f"HTTP 404 not found: check base_url and model '{self.vendor.model}' ({_short(message, 120)})"
        return f"HTTP {status}: {_short(message)}"

    async def complete(self, req: PlannedRequest) -> Response:
        attempts = 0
        started = time.perf_counter()
        while True:
            attempts += 1
            t0 = time.perf_counter()
            kind, status, message = "", None, ""
            try:
                completion = await self.client.chat.completions.create(
                    model=self.vendor.model, messages=req.messages, **req.params
                )
                if not completion.choices:
                    raise ValueError("response has no choices")
                choice = completion.choices[0]
                usage = completion.usage
                return Response(
                    key=req.key, ok=True, content=choice.message.content or "",
                    finish_reason=choice.finish_reason, model=completion.model,
                    system_fingerprint=getattr(completion, "system_fingerprint", None),
                    prompt_tokens=getattr(usage, "prompt_tokens", None),
                    completion_tokens=getattr(usage, "completion_tokens", None),
                    latency_ms=round((time.perf_counter() - t0) * 1000, 3),
                    attempts=attempts, received_at=_now(),
                )
            except openai.APIStatusError as exc:
                kind, status, message = "http", exc.status_code, str(exc.message)
                if status in FATAL_STATUS:
                    return self._error(req, attempts, started, kind, status, self._explain_status(status, message))
            except openai.APITimeoutError as exc:
                refused = _connection_failure(exc)
                if refused is not None:  # the aiohttp transport reports refused connects as timeouts
                    kind, message = "connection", f"connection failed: {_short(refused)}"
                else:
                    kind, message = "timeout", f"no response within {self.vendor.timeout:g} s"
            except openai.APIConnectionError as exc:
                kind, message = "connection", f"connection failed: {_short(exc.__cause__ or exc)}"
            except (ValueError, TypeError, openai.APIResponseValidationError) as exc:
                kind, message = "malformed", f"malformed response: {_short(exc)}"
            if attempts > self.vendor.max_retries:
                text = self._explain_status(status, message) if status else message
                return self._error(req, attempts, started, kind, status, text)
            await asyncio.sleep(min(30.0, 0.5 * 2 ** (attempts - 1)) * random.uniform(0.5, 1.0))

    def _error(self, req: PlannedRequest, attempts: int, started: float, kind: str,
               status: Optional[int], message: str) -> Response:
        return Response(
            key=req.key, ok=False, attempts=attempts, error_kind=kind, http_status=status,
            error_message=message, latency_ms=round((time.perf_counter() - started) * 1000, 3),
            received_at=_now(),
        )
