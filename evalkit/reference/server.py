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

A request with ``"stream": true`` gets the same answer as server-sent events in OpenAI's chunk format
(reasoning first, then the content, two characters a piece, ``data: [DONE]`` last), paced by the
``first_token_ms`` and ``tokens_per_s`` of the faults. The faults apply to streams too: ``malformed``
and ``drop`` break a stream after its first piece, ``empty`` streams no choices at all.
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
from typing import Any

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


def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "code": None}}, status=status)


def _invalid(body: object) -> web.Response | None:
    """The error answer to a request body that is not a chat completion request, else None."""
    if not isinstance(body, dict):
        return _error(400, "request body must be a JSON object")
    model, messages = body.get("model"), body.get("messages")
    if not isinstance(model, str) or not is_reference_model(model):
        return _error(404, f"model '{model}' not found; available: {', '.join(MODELS)}", "not_found_error")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        return _error(400, "messages must be a non-empty list of objects")
    return None


def _http_fault(kind: str | None, faults: Faults | None) -> web.Response | None:
    """The error answer of a drawn 429/500/503 fault, else None."""
    if kind == "429" and faults is not None:  # a fault is drawn only when faults are configured
        response = _error(429, "Rate limit reached; please retry later", "rate_limit_error")
        response.headers["Retry-After"] = f"{faults.retry_after_s:g}"
        return response
    if kind in ("500", "503"):
        return _error(int(kind), "The server had an error while processing your request", "server_error")
    return None


# The oracle's answer book: messages hash -> its answer, or {content, tool_calls} when it calls tools
AnswerBook = Mapping[str, str | dict[str, Any]]


def _reply(
    model: str, messages: list, book: AnswerBook, known_answers: set[str], tools: bool = False
) -> tuple[dict[str, Any], dict[str, object]]:
    """The message and usage of a reference model's answer, whether it is streamed or not. Only the
    oracle calls tools, and only tools the request declared (``tools``)."""
    base, _, style = model.partition(":")
    calls: list[dict[str, str]] = []
    if base == "oracle":
        entry = book.get(messages_hash(messages), NO_ANSWER)
        if isinstance(entry, dict):
            content, calls = str(entry.get("content") or ""), list(entry.get("tool_calls") or []) if tools else []
        else:
            content = entry
    elif base == "judge":
        content = reference_judge(messages, known_answers)
    else:
        content = baseline_answer(base, messages)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["content"] = content or None
        message["tool_calls"] = [
            {"id": f"call_{n}", "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for n, c in enumerate(calls, 1)
        ]
    prompt_tokens = sum(_tokens(str(m.get("content", ""))) for m in messages)
    completion_tokens = _tokens(content) + sum(_tokens(c["arguments"]) for c in calls)
    details: dict[str, object] = {}
    if style:
        reasoning = restated(messages)
        if style == "think":
            message["content"] = f"<think>\n{reasoning}\n</think>\n\n{content}"
        else:
            message[style] = reasoning
        completion_tokens += _tokens(reasoning)
        details["completion_tokens_details"] = {"reasoning_tokens": _tokens(reasoning)}
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        **details,
    }
    return message, usage


def _completion(model: str, message: dict[str, Any], usage: dict[str, object], kind: str | None) -> dict:
    """The body of a non-streamed answer (no choices under the ``empty`` fault)."""
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": [] if kind == "empty" else [choice],
        "usage": usage,
    }


PIECE_CHARS = 2  # one piece of a stream is one token by the ``_tokens`` heuristic (len // 2)
TICK_S = 0.01  # a paced stream writes the pieces due once per tick, not one sleep per piece
DONE = b"data: [DONE]\n\n"
BROKEN = b'data: {"id": "chatcmpl-broken", "choices": [\n\n'  # the ``malformed`` fault of a stream


def _event(payload: object) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n\n"


def _pieces(text: str) -> list[str]:
    return [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]


class _Chunks:
    """The events of one streamed completion: every chunk with the same id and creation time."""

    def __init__(self, model: str):
        self.head = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": FINGERPRINT,
        }

    def delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return _event({**self.head, "choices": [choice]})

    def bare(self, **extra: object) -> bytes:
        return _event({**self.head, "choices": [], **extra})


def _stream_events(
    model: str, message: dict[str, Any], usage: dict[str, object], kind: str | None, include_usage: bool
) -> tuple[list[bytes], bytes]:
    """(role chunk and pieces, the events after the last piece) of a streamed answer: the reasoning
    field's pieces (``reasoning_content``) before the content's, then each tool call's name and the
    pieces of its arguments (OpenAI's ``delta.tool_calls[].index``)."""
    chunks = _Chunks(model)
    if kind == "empty":
        return [chunks.bare()], DONE
    events = [chunks.delta({"role": "assistant", "content": ""})]
    for key, text in message.items():
        if key not in ("role", "content", "tool_calls"):
            events += [chunks.delta({key: piece}) for piece in _pieces(text)]
    events += [chunks.delta({"content": piece}) for piece in _pieces(message["content"] or "")]
    for index, call in enumerate(message.get("tool_calls") or []):
        head = {"index": index, "id": call["id"], "type": "function", "function": {"name": call["function"]["name"]}}
        events.append(chunks.delta({"tool_calls": [head]}))
        for piece in _pieces(call["function"]["arguments"]):
            events.append(chunks.delta({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
    tail = chunks.delta({}, finish_reason="tool_calls" if message.get("tool_calls") else "stop")
    if include_usage:
        tail += chunks.bare(usage=usage)
    return events, tail + DONE


async def _paced(response: web.StreamResponse, events: list[bytes], tokens_per_s: float | None) -> None:
    """Write the pieces after the first at ``tokens_per_s`` (all at once when unset), from now on."""
    if not events:
        return
    if tokens_per_s is None:
        await response.write(b"".join(events))
        return
    loop = asyncio.get_running_loop()
    start, sent = loop.time(), 0
    while sent < len(events):
        await asyncio.sleep(max(TICK_S, start + (sent + 1) / tokens_per_s - loop.time()))
        due = min(len(events), int((loop.time() - start) * tokens_per_s))
        if due > sent:
            await response.write(b"".join(events[sent:due]))
            sent = due


async def _stream(
    request: web.Request, events: list[bytes], tail: bytes, kind: str | None, faults: Faults | None
) -> web.StreamResponse:
    """Send a streamed answer: the role chunk with the first piece after ``first_token_ms``, then the
    rest paced, then ``tail``; the ``malformed`` and ``drop`` faults break it after the first piece."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):  # the client went away: nobody is left to answer
        if faults is not None and faults.first_token_ms:
            await asyncio.sleep(faults.first_token_ms / 1000)
        await response.write(b"".join(events[:2]))
        if kind == "malformed":
            await response.write(BROKEN)  # then the response ends, with no [DONE]
        elif kind == "drop":
            if request.transport is not None:
                request.transport.close()
        else:
            await _paced(response, events[2:], faults.tokens_per_s if faults else None)
            await response.write(tail)
    return response


def _include_usage(body: dict) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def create_app(
    answer_book: AnswerBook | None = None,
    faults: Faults | None = None,
    api_key: str | None = None,
    request_log: Callable[[dict], None] | None = None,
) -> web.Application:
    """``api_key``: when set, requests must carry it as a Bearer token (else 401).
    ``request_log``: called with each well-formed request body as it arrives."""
    book = dict(answer_book or {})
    known_answers = {str(a.get("content") or "" if isinstance(a, dict) else a).strip() for a in book.values()}
    fault = FaultDraw(faults)
    latency = (faults.latency_ms / 1000) if faults else 0.0
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[FAULTS] = fault

    async def models(_: web.Request) -> web.Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "evalkit"} for m in MODELS]
        return web.json_response({"object": "list", "data": data})

    async def chat(request: web.Request) -> web.StreamResponse:
        if api_key is not None and request.headers.get("Authorization") != f"Bearer {api_key}":
            return _error(401, "Incorrect API key provided", "authentication_error")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "request body is not valid JSON")
        invalid = _invalid(body)
        if invalid is not None:
            return invalid
        if request_log is not None:
            request_log(body)
        kind = fault.draw()
        if latency:
            await asyncio.sleep(latency)
        failed = _http_fault(kind, faults)
        if failed is not None:
            return failed
        if kind == "hang":
            await asyncio.sleep(3600)
        model = body["model"]
        message, usage = _reply(model, body["messages"], book, known_answers, bool(body.get("tools")))
        if body.get("stream") is True:
            events, tail = _stream_events(model, message, usage, kind, _include_usage(body))
            return await _stream(request, events, tail, kind, faults)
        if kind == "drop":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=200)  # never reaches the client: the connection is gone
        if kind == "malformed":
            return web.Response(
                status=200, body=b'{"id": "chatcmpl-broken", "choices": [', content_type="application/json"
            )
        return web.json_response(_completion(model, message, usage, kind))

    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat)
    return app


class EmbeddedServer:
    """Runs the endpoint on 127.0.0.1 in a background thread with its own event loop."""

    def __init__(
        self,
        answer_book: AnswerBook | None = None,
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
