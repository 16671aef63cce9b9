"""The embedded endpoint streams (``"stream": true``): server-sent events in OpenAI's chunk format."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

import aiohttp
import pytest

from evalkit.config.vendor import Faults
from evalkit.reference import EmbeddedServer, messages_hash
from evalkit.reference.server import FINGERPRINT, MODELS

MESSAGES = [{"role": "system", "content": "秘密"}, {"role": "user", "content": "質問です"}]
LONG = "あいうえおかきくけこ" * 8  # 80 characters: 40 pieces of two


@dataclass
class Stream:
    """What a client read from one response: the data of each event and when it arrived."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    data: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # seconds since the request was sent
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return bool(self.data) and self.data[-1] == "[DONE]"

    @property
    def chunks(self) -> list[dict]:
        """The events that are JSON objects (not [DONE], not a broken event)."""
        return [chunk for chunk in map(_parsed, self.data) if chunk is not None]

    def deltas(self, key: str) -> list[tuple[int, str]]:
        """(event index, text) of every delta carrying ``key``, in order."""
        out = []
        for i, d in enumerate(self.data):
            chunk = _parsed(d)
            for choice in chunk["choices"] if chunk else []:
                if choice["delta"].get(key):
                    out.append((i, choice["delta"][key]))
        return out

    def text(self, key: str = "content") -> str:
        return "".join(piece for _, piece in self.deltas(key))


def _parsed(data: str) -> dict | None:
    try:
        chunk = json.loads(data)
    except json.JSONDecodeError:
        return None
    return chunk if isinstance(chunk, dict) else None


async def _read(resp: aiohttp.ClientResponse, out: Stream, started: float) -> None:
    pending = b""
    async for block in resp.content.iter_any():
        pending += block
        *events, pending = pending.split(b"\n\n")
        for event in events:
            lines = [line[5:].strip() for line in event.decode("utf-8").split("\n") if line.startswith("data:")]
            if lines:
                out.data.append("\n".join(lines))
                out.times.append(time.perf_counter() - started)
    if pending.startswith(b"data:"):
        out.data.append(pending[5:].decode("utf-8").strip())
        out.times.append(time.perf_counter() - started)


async def _stream(srv: EmbeddedServer, body: dict) -> Stream:
    out = Stream()
    started = time.perf_counter()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(srv.base_url + "/chat/completions", json={**body, "stream": True}) as resp,
        ):
            out.status, out.headers = resp.status, dict(resp.headers)
            await _read(resp, out, started)
    except aiohttp.ClientError as exc:
        out.error = exc
    return out


async def _plain(srv: EmbeddedServer, body: dict) -> dict:
    async with (
        aiohttp.ClientSession() as session,
        session.post(srv.base_url + "/chat/completions", json=body) as resp,
    ):
        return await resp.json()


def stream(srv: EmbeddedServer, **body: object) -> Stream:
    return asyncio.run(_stream(srv, body))


def plain(srv: EmbeddedServer, **body: object) -> dict:
    return asyncio.run(_plain(srv, body))


@pytest.fixture(scope="module")
def server():
    with EmbeddedServer({messages_hash(MESSAGES): "模範解答です。"}) as srv:
        yield srv


def faulty(**faults: float):
    return EmbeddedServer(faults=Faults(**faults))


@pytest.mark.parametrize("model", MODELS)
def test_streamed_answer_is_the_non_streamed_answer(server, model):
    out = stream(server, model=model, messages=MESSAGES)
    whole = plain(server, model=model, messages=MESSAGES)["choices"][0]["message"]
    assert out.status == 200 and out.error is None and out.done
    assert out.text() == whole["content"]
    assert out.text("reasoning_content") == whole.get("reasoning_content", "")


def test_chunks_have_the_openai_shape(server):
    out = stream(server, model="echo", messages=[{"role": "user", "content": LONG}])
    assert out.headers["Content-Type"] == "text/event-stream"
    assert out.headers["Cache-Control"] == "no-cache"
    chunks = out.chunks
    assert len({c["id"] for c in chunks}) == 1
    for c in chunks:
        assert c["object"] == "chat.completion.chunk" and isinstance(c["created"], int)
        assert c["model"] == "echo" and c["system_fingerprint"] == FINGERPRINT
    first, last = chunks[0]["choices"][0], chunks[-1]["choices"][0]
    assert first == {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None, "logprobs": None}
    assert last == {"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None}
    pieces = [piece for _, piece in out.deltas("content")]
    assert len(pieces) == 40 and all(len(p) == 2 for p in pieces)
    assert out.data.count("[DONE]") == 1 and out.data[-1] == "[DONE]"


def test_echo_streams_the_non_streamed_answer(server):
    messages = [{"role": "user", "content": LONG + "。"}]  # an odd length: the last piece is one character
    out = stream(server, model="echo", messages=messages)
    assert out.text() == plain(server, model="echo", messages=messages)["choices"][0]["message"]["content"]


def test_reasoning_content_streams_before_the_content(server):
    out = stream(server, model="echo:reasoning_content", messages=MESSAGES)
    reasoning, content = out.deltas("reasoning_content"), out.deltas("content")
    assert reasoning and content
    assert max(i for i, _ in reasoning) < min(i for i, _ in content)
    assert "秘密" in out.text("reasoning_content") and out.text() == "質問です"


def test_think_streams_its_block_in_the_content(server):
    out = stream(server, model="echo:think", messages=MESSAGES)
    assert out.text().startswith("<think>\n") and out.text().endswith("</think>\n\n質問です")
    assert not out.deltas("reasoning_content")


def test_usage_chunk_only_when_asked(server):
    model = "oracle:reasoning_content"
    usage = plain(server, model=model, messages=MESSAGES)["usage"]
    asked = stream(server, model=model, messages=MESSAGES, stream_options={"include_usage": True})
    last = asked.chunks[-1]
    assert last["choices"] == [] and last["usage"] == usage
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0
    assert asked.chunks[-2]["choices"][0]["finish_reason"] == "stop" and asked.done
    unasked = stream(server, model=model, messages=MESSAGES)
    assert all("usage" not in c for c in unasked.chunks) and unasked.done


def test_first_token_wait_and_pace():
    with faulty(first_token_ms=150, tokens_per_s=200) as srv:
        out = stream(srv, model="echo", messages=[{"role": "user", "content": LONG}])
    times = [out.times[i] for i, _ in out.deltas("content")]
    assert len(times) == 40 and out.done
    assert times[0] >= 0.15  # the first token waits first_token_ms
    assert times[-1] >= 0.15 + 0.15  # 39 more pieces at 200 per second: 0.195 s more


def test_malformed_stream_breaks_after_one_piece():
    with faulty(rate_malformed=1) as srv:
        out = stream(srv, model="echo", messages=[{"role": "user", "content": LONG}])
    assert out.status == 200 and not out.done
    assert len(out.deltas("content")) == 1
    assert out.data[-1] == '{"id": "chatcmpl-broken", "choices": ['


def test_dropped_stream_has_no_end():
    with faulty(rate_drop=1) as srv:
        out = stream(srv, model="echo", messages=[{"role": "user", "content": LONG}])
    assert out.error is not None or not out.done
    assert "[DONE]" not in out.data
    assert len(out.deltas("content")) <= 1


def test_empty_stream_has_no_choices():
    with faulty(rate_empty=1) as srv:
        out = stream(srv, model="echo", messages=MESSAGES, stream_options={"include_usage": True})
    assert out.done and out.chunks
    assert all(c["choices"] == [] for c in out.chunks)
    assert not out.deltas("content")


def test_http_faults_come_before_the_stream():
    with faulty(rate_429=1, retry_after_s=0) as srv:
        out = stream(srv, model="echo", messages=MESSAGES)
    assert out.status == 429 and out.headers["Retry-After"] == "0"
    assert out.headers["Content-Type"].startswith("application/json") and not out.data
