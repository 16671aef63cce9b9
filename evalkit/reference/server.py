"""The embedded OpenAI-compatible endpoint (aiohttp), used offline and by the tests.

Behaviour is chosen by the model name:
- ``oracle`` answers with the ideal answer of the item whose rendered messages it
  receives. The server holds an *answer book* keyed by a hash of the messages, built
  server-side from the suites; nothing is ever added to the requests, so references
  cannot leak into what real vendors receive.
- ``refuse`` always declines politely in Japanese.
- ``echo`` returns the last user message.
- ``judge`` is a reference judge for judge-scored items: it passes an answer exactly when the
  answer is one the oracle would give (or equals the reference shown to it), in the judge
  prompt's own output format. It knows nothing about who answered.

Each answers as a reasoning model too, as ``<model>:think`` (a ``<think>`` block before the answer)
or ``<model>:reasoning_content`` (that message field): its reasoning restates the messages it got,
system prompt included, as reasoning models often do, so a secret given to it shows up there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping

from aiohttp import web

from .. import __version__
from ..config.vendor import REASONING_STYLES, REFERENCE_MODELS, Faults, is_reference_model

MODELS = tuple(REFERENCE_MODELS) + tuple(f"{m}:{s}" for m in REFERENCE_MODELS for s in REASONING_STYLES)
REFUSAL = "申し訳ありませんが、そのご依頼にはお応えできません。"
NO_ANSWER = "（参照解答が登録されていない質問です）"
FINGERPRINT = f"evalkit-reference-{__version__}"


def messages_hash(messages: list) -> str:
    """Key of the answer book: the role/content pairs, canonical JSON."""
    canon = [{"role": m.get("role"), "content": m.get("content")} for m in messages]
    blob = json.dumps(canon, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _section(text: str, title: str) -> str | None:
    start = text.find(f"【{title}】\n")
    if start < 0:
        return None
    start += len(title) + 3
    end = text.find("\n\n【", start)
    return (text[start:] if end < 0 else text[start:end]).strip()


def reference_judge(messages: list, known_answers: set[str]) -> str:
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    prompt = users[-1] if users else ""
    answer = _section(prompt, "回答") or ""
    reference = _section(prompt, "参考解答")
    ok = answer in known_answers or (reference is not None and answer == reference)
    why = "参照解答の内容を満たしている。" if ok else "参照解答の内容を満たしていない。"
    if "評点" in (_section(prompt, "出力形式") or ""):
        return f"評点: {5 if ok else 1}\n理由: {why}"
    return f"判定: {'合格' if ok else '不合格'}\n理由: {why}"


def baseline_answer(model: str, messages: list) -> str:
    """What the ``refuse`` and ``echo`` models answer (also scored in process by the self-check)."""
    if model == "refuse":
        return REFUSAL
    users = [m for m in messages if m.get("role") == "user"]
    return str(users[-1].get("content", "")) if users else ""


def restated(messages: list) -> str:
    """The reasoning of a reference model answering as a reasoning model: the request, restated."""
    lines = ["依頼の内容を確認する。"]
    for m in messages:
        lines.append(f"{m.get('role')}: {m.get('content')}")
    lines.append("以上を踏まえて回答する。")
    return "\n".join(lines)


def _tokens(text: str) -> int:
    return max(1, len(text) // 2)


FAULT_KINDS = ("429", "500", "503", "hang", "malformed", "empty", "drop")


class FaultDraw:
    """Decides, per request, whether and how to misbehave (seeded, so runs repeat)."""

    def __init__(self, faults: Faults | None):
        self.faults = faults
        self.rng = random.Random(faults.seed if faults else None)
        self.rates = [(k, getattr(faults, "rate_" + k)) for k in FAULT_KINDS] if faults else []
        self.counts = {k: 0 for k in FAULT_KINDS}

    def draw(self) -> str | None:
        if not self.rates:
            return None
        u, acc = self.rng.random(), 0.0
        for kind, rate in self.rates:
            acc += rate
            if u < acc:
                self.counts[kind] += 1
                return kind
        return None


FAULTS = web.AppKey("faults", FaultDraw)


def create_app(
    answer_book: Mapping[str, str] | None = None,
    faults: Faults | None = None,
    api_key: str | None = None,
    request_log: Callable[[dict], None] | None = None,
) -> web.Application:
    """``api_key``: when set, requests must carry it as a Bearer token (else 401).
    ``request_log``: called with each well-formed request body as it arrives."""
    book = dict(answer_book or {})
    known_answers = {answer.strip() for answer in book.values()}
    fault = FaultDraw(faults)
    latency = (faults.latency_ms / 1000) if faults else 0.0
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[FAULTS] = fault

    async def models(_: web.Request) -> web.Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "evalkit"} for m in MODELS]
        return web.json_response({"object": "list", "data": data})

    def error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
        return web.json_response({"error": {"message": message, "type": kind, "code": None}}, status=status)

    async def chat(request: web.Request) -> web.StreamResponse:
        if api_key is not None and request.headers.get("Authorization") != f"Bearer {api_key}":
            return error(401, "Incorrect API key provided", "authentication_error")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return error(400, "request body is not valid JSON")
        if not isinstance(body, dict):
            return error(400, "request body must be a JSON object")
        model = body.get("model")
        messages = body.get("messages")
        if not isinstance(model, str) or not is_reference_model(model):
            return error(404, f"model '{model}' not found; available: {', '.join(MODELS)}", "not_found_error")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            return error(400, "messages must be a non-empty list of objects")
        if request_log is not None:
            request_log(body)
        kind = fault.draw()
        if latency:
            await asyncio.sleep(latency)
        if kind == "429" and faults is not None:  # a fault is drawn only when faults are configured
            response = error(429, "Rate limit reached; please retry later", "rate_limit_error")
            response.headers["Retry-After"] = f"{faults.retry_after_s:g}"
            return response
        if kind in ("500", "503"):
            return error(int(kind), "The server had an error while processing your request", "server_error")
        if kind == "hang":
            await asyncio.sleep(3600)
        if kind == "drop":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=200)  # never reaches the client: the connection is gone
        if kind == "malformed":
            return web.Response(
                status=200, body=b'{"id": "chatcmpl-broken", "choices": [', content_type="application/json"
            )
        base, _, style = model.partition(":")
        if base == "oracle":
            content = book.get(messages_hash(messages), NO_ANSWER)
        elif base == "judge":
            content = reference_judge(messages, known_answers)
        else:
            content = baseline_answer(base, messages)
        message: dict[str, str] = {"role": "assistant", "content": content}
        prompt_tokens = sum(_tokens(str(m.get("content", ""))) for m in messages)
        completion_tokens = _tokens(content)
        usage: dict[str, object] = {}
        if style:
            reasoning = restated(messages)
            if style == "think":
                message["content"] = f"<think>\n{reasoning}\n</think>\n\n{content}"
            else:
                message[style] = reasoning
            completion_tokens += _tokens(reasoning)
            usage["completion_tokens_details"] = {"reasoning_tokens": _tokens(reasoning)}
        return web.json_response(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "system_fingerprint": FINGERPRINT,
                "choices": []
                if kind == "empty"
                else [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                    **usage,
                },
            }
        )

    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat)
    return app


class EmbeddedServer:
    """Runs the endpoint on 127.0.0.1 in a background thread with its own event loop."""

    def __init__(
        self,
        answer_book: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        api_key: str | None = None,
    ):
        self.app = create_app(answer_book, faults=faults, api_key=api_key)
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="evalkit-reference", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    async def _start(self) -> None:
        # hung handlers (fault injection) must not hold the shutdown up
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # started: a server with sockets

    def start(self) -> EmbeddedServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:  # e.g. handlers hung on purpose by fault injection
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def stop(self) -> None:
        # the loop is stopped below either way; the thread is a daemon. On Python 3.10 the future's
        # timeout is concurrent.futures.TimeoutError, not yet the builtin TimeoutError
        with contextlib.suppress(TimeoutError, concurrent.futures.TimeoutError):
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
