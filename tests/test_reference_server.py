"""The embedded endpoint speaks real OpenAI-compatible HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from openai import NotFoundError, OpenAI

from evalkit.reference import EmbeddedServer, messages_hash
from evalkit.reference.server import REFUSAL


@pytest.fixture(scope="module")
def server():
    messages = [{"role": "system", "content": "秘密"}, {"role": "user", "content": "質問です"}]
    with EmbeddedServer({messages_hash(messages): "模範解答"}) as srv:
        yield srv, messages


def client(srv) -> OpenAI:
    return OpenAI(base_url=srv.base_url, api_key="unused", max_retries=0)


def test_models_listed(server):
    srv, _ = server
    assert srv.base_url.startswith("http://127.0.0.1:")
    ids = {m.id for m in client(srv).models.list()}
    plain = {"oracle", "refuse", "echo", "judge"}
    assert ids == plain | {f"{m}:{style}" for m in plain for style in ("think", "reasoning_content")}


def test_oracle_answers_from_its_own_book(server):
    srv, messages = server
    out = client(srv).chat.completions.create(model="oracle", messages=messages)
    assert out.choices[0].message.content == "模範解答"
    assert out.usage.prompt_tokens > 0 and out.system_fingerprint.startswith("evalkit-reference-")
    other = client(srv).chat.completions.create(model="oracle", messages=[{"role": "user", "content": "別"}])
    assert other.choices[0].message.content != "模範解答"


def test_refuse_and_echo(server):
    srv, messages = server
    assert client(srv).chat.completions.create(model="refuse", messages=messages).choices[0].message.content == REFUSAL
    assert client(srv).chat.completions.create(model="echo", messages=messages).choices[0].message.content == "質問です"


def test_unknown_model_and_bad_body_are_http_errors(server):
    srv, messages = server
    with pytest.raises(NotFoundError):
        client(srv).chat.completions.create(model="gpt-9", messages=messages)

    async def post_garbage() -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.post(srv.base_url + "/chat/completions", data=b"{not json") as resp,
        ):
            return resp.status

    assert asyncio.run(post_garbage()) == 400
