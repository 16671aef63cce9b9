"""A request longer than the model's context window: its own error class ("context"), never retried,
counted per vendor, whatever words the server uses (vLLM / OpenAI, TGI, llama.cpp)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading

import pytest
from aiohttp import web
from conftest import evalkit, make_workspace

from evalkit.providers.openai_chat import too_long

VLLM = (
    "This model's maximum context length is 64 tokens. However, you requested 900 tokens "
    "(836 in the messages, 64 in the completion). Please reduce the length of the messages or completion."
)


@pytest.mark.parametrize(
    "message",
    [
        VLLM,
        "context_length_exceeded",
        "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000 `inputs` tokens",
        "the request exceeds the available context size, try increasing it",
        "prompt is too long: 210000 tokens > 200000 maximum",
        "Requested token count exceeds the model's maximum context length",
    ],
)
def test_the_servers_words_for_a_request_that_is_too_long(message):
    assert too_long(message)


@pytest.mark.parametrize(
    "message", ["Rate limit reached; please retry later", "model 'x' not found", "Invalid value for temperature"]
)
def test_other_errors_are_not_taken_for_it(message):
    assert not too_long(message)


class Short:
    """An OpenAI-compatible endpoint whose model reads at most 30 characters (a vLLM-style 400 beyond)."""

    def __init__(self) -> None:
        self.calls = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def chat(self, request: web.Request) -> web.Response:
        self.calls += 1
        body = await request.json()
        text = body["messages"][-1]["content"]
        if len(text) > 30:
            error = {"message": VLLM, "type": "BadRequestError", "code": 400}
            return web.json_response({"object": "error", **error}, status=400)
        return web.json_response(
            {
                "id": "c",
                "object": "chat.completion",
                "created": 0,
                "model": "short",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "はい"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
            }
        )

    def __enter__(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.chat)
        self.runner = web.AppRunner(app, access_log=None)
        self.thread.start()

        async def start() -> int:
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        port = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        return f"http://127.0.0.1:{port}/v1"

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


SUITE = (
    'id: docs\nversion: "1"\ntitle: 文書\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: contains}]\nitems:\n'
    "  - {id: short, vars: {q: 要点は？}, reference: はい}\n"
    f"  - {{id: long, vars: {{q: {'長い文書。' * 40}要点は？}}, reference: はい}}\n"
)


def test_a_request_over_the_context_window_is_recorded_once_as_such(tmp_path):
    server = Short()
    with server as url:
        vendor = f"id: short\nname: 短い文脈\nprovider: openai\nbase_url: {url}\nmodel: short\nmax_retries: 5\n"
        work = make_workspace(tmp_path / "w", {"docs": SUITE}, {"short": vendor})
        proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 3, proc.stderr  # a request ended in an error (not a crash, not retried)
    db = sqlite3.connect(work / "run" / "store.sqlite")
    rows = dict(
        db.execute(
            "SELECT r.item_id, json_array(p.ok, p.error_kind, p.attempts, p.http_status, p.error_message) "
            "FROM responses p JOIN requests r ON r.key = p.key"
        ).fetchall()
    )
    db.close()
    ok, kind, attempts, status, message = json.loads(rows["long"])
    assert (ok, kind, attempts, status) == (0, "context", 1, 400) and "context window" in message
    assert json.loads(rows["short"])[:2] == [1, None]
    assert server.calls == 2  # nothing was sent twice
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["vendors"][0]["errors_by_kind"] == {"context": 1}
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert "コンテキスト長を超えた" in html
    # its own column per vendor in the operations table
    assert '<th class="num">コンテキスト長超過</th>' in html
    assert re.search(r'data-operations="short">.*?<td class="num" data-context-errors>1</td>', html, re.S)
