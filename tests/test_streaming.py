"""Streamed answers (vendor ``stream: true``): read as server-sent events without the SDK, timed per
request (time to first token, inter-token latency, tokens per second), stored and reported, and
scored exactly like the same answers sent whole."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from conftest import evalkit, make_workspace

from evalkit.providers.sse import Streamed, events, read_stream

ANSWERS = [
    "住民票の写しは、市区町村の窓口のほか、マイナンバーカードがあればコンビニエンスストアでも取得できます。",
    "転入届は、新しい住所に住み始めた日から十四日以内に、転入先の市区町村に届け出てください。",
    "児童手当は、原則として申請した月の翌月分から支給されます。申請が遅れると、遅れた月分は受け取れません。",
]
SUITE = (
    'id: long\nversion: "1"\ntitle: 長い回答\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\nitems:\n'
    + "".join(
        f"  - {{id: a{n}, vars: {{q: 質問{n}}}, reference: {json.dumps(a, ensure_ascii=False)}}}\n"
        for n, a in enumerate(ANSWERS)
    )
)


def _vendor(vid: str, model: str = "oracle", stream: bool = True, faults: str = "") -> str:
    text = f"id: {vid}\nname: {vid}\nprovider: reference\nmodel: {model}\nstream: {str(stream).lower()}\n"
    return text + (f"faults: {faults}\n" if faults else "")


def _responses(run) -> dict[str, dict]:
    db = sqlite3.connect(run / "store.sqlite")
    db.row_factory = sqlite3.Row
    rows = db.execute(
        "SELECT r.vendor_id || '/' || r.item_id AS id, p.* FROM responses p JOIN requests r ON r.key = p.key"
    ).fetchall()
    db.close()
    return {row["id"]: dict(row) for row in rows}


def _run(work):
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return work / "run"


def test_a_streamed_answer_is_timed_stored_and_scored_like_a_whole_one(tmp_path):
    vendors = {
        "whole": _vendor("whole", stream=False),
        "streamed": _vendor("streamed", faults="{first_token_ms: 120, tokens_per_s: 400}"),
        "thinker": _vendor("thinker", model="oracle:reasoning_content"),
    }
    work = make_workspace(tmp_path / "w", {"long": SUITE}, vendors)
    run = _run(work)
    got = _responses(run)
    for n, answer in enumerate(ANSWERS):
        whole, streamed, thinker = (got[f"{v}/a{n}"] for v in ("whole", "streamed", "thinker"))
        assert whole["content"] == streamed["content"] == thinker["content"] == answer
        assert whole["ttft_ms"] is None and whole["itl_ms"] is None
        assert streamed["ttft_ms"] >= 120 and streamed["itl_ms"] > 0 and streamed["tokens_per_s"] > 0
        # usage came with the stream (stream_options.include_usage) and counts the same as whole
        assert streamed["completion_tokens"] == whole["completion_tokens"] > 0
        assert streamed["latency_ms"] >= streamed["ttft_ms"] + 1000 * (len(answer) // 2 - 1) / 400 * 0.5
        # the reasoning streamed apart from the answer, as reasoning_content deltas
        assert thinker["reasoning"] and "質問" in thinker["reasoning"] and thinker["reasoning_tokens"] > 0
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    ops = {v["id"]: v for v in summary["vendors"]}
    assert ops["streamed"]["n_streamed"] == 3 and ops["whole"]["n_streamed"] == 0
    assert ops["streamed"]["ttft_p50_ms"] >= 120 and ops["whole"]["ttft_p50_ms"] is None
    assert ops["streamed"]["ttft_p50_ms"] <= ops["streamed"]["ttft_p95_ms"] <= ops["streamed"]["ttft_p99_ms"]
    assert all(v["latency_p99_ms"] is not None for v in ops.values())
    scores = {v["id"]: v["total"] for v in summary["vendors"]}
    assert scores["whole"] == scores["streamed"] == scores["thinker"]
    report = (run / "report.html").read_text(encoding="utf-8")
    assert 'data-streaming-vendor="streamed"' in report and 'data-streaming-vendor="whole"' not in report


def test_broken_and_cut_streams_are_retried_until_every_answer_is_whole(tmp_path):
    faults = "{rate_malformed: 0.3, rate_drop: 0.3, seed: 7}"
    vendors = {"flaky": _vendor("flaky", faults=faults).replace("stream: true\n", "stream: true\nmax_retries: 20\n")}
    work = make_workspace(tmp_path / "w", {"long": SUITE}, vendors)
    got = _responses(_run(work))
    assert [got[f"flaky/a{n}"]["content"] for n in range(3)] == ANSWERS
    assert all(r["ok"] == 1 for r in got.values()) and sum(r["attempts"] for r in got.values()) > 3


async def _read(blocks: list[bytes]) -> Streamed:
    async def body():
        for block in blocks:
            yield block

    return await read_stream(body(), validate=True)


def _chunk(delta: dict, finish: str | None = None) -> bytes:
    data = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"


def test_events_split_anywhere_and_long_lines_are_read_whole():
    long_piece = "あ" * 25_000  # one event longer than aiohttp's 64 KiB line limit (75 KB in UTF-8)
    raw = (
        b": keep-alive\n\n" + _chunk({"content": long_piece}) + _chunk({"content": "い"}, "stop") + b"data: [DONE]\n\n"
    )
    for size in (1, 7, 4096, len(raw)):
        blocks = [raw[i : i + size] for i in range(0, len(raw), size)]
        out = asyncio.run(_read(blocks))
        assert out.done and out.problem is None and "".join(out.answer) == long_piece + "い"
        assert out.finish_reason == "stop" and len(out.times) == 2
    crlf = raw.replace(b"\n", b"\r\n")
    assert "".join(asyncio.run(_read([crlf])).answer) == long_piece + "い"


def test_an_error_event_or_a_broken_chunk_is_a_problem_not_an_answer():
    error = b'data: {"error": {"message": "context length exceeded", "code": 400}}\n\n'
    assert "context length exceeded" in asyncio.run(_read([_chunk({"content": "a"}), error])).problem
    assert asyncio.run(_read([_chunk({"content": "a"}), b'data: {"id": \n\n'])).problem.startswith("malformed")
    # not a chat completion chunk at all: the protocol check of the first event
    assert asyncio.run(_read([b'data: {"text": "hi"}\n\n'])).problem.startswith("malformed")


def test_events_join_multi_line_data():
    async def collect():
        async def body():
            yield b"data: line one\ndata: line two\n\ndata: [DONE]"

        return [e async for e in events(body())]

    assert asyncio.run(collect()) == ["line one\nline two", "[DONE]"]
