"""Streaming: evalkit's streamed send phase versus a bare aiohttp SSE client, measured in one run.

    python bench/streaming.py [--requests 2000] [--concurrency 64] [--latency-ms 50]
                              [--first-token-ms 0] [--tokens-per-s N]

Against `evalkit serve` in its own process, both sides send the same bodies with ``stream: true``
and ``stream_options.include_usage`` and read every event to ``[DONE]``, parsing each chunk's JSON:
1. the bare client: an aiohttp loop at the same concurrency;
2. evalkit's send phase: the scheduler (limits, retries, one store commit per response) with the
   SSE reader of evalkit/providers/sse.py, which also times every piece. Target: <= 1.3 x bare.
With --first-token-ms / --tokens-per-s it also prints the TTFT and output rate evalkit recorded next to
the endpoint's settings (the timing's accuracy). One run, noisy machine: nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bench.common import endpoint, env_note, workspace  # noqa: E402
from bench.throughput import request_bodies, send_phase  # noqa: E402

TARGET = 1.3


async def bare_sse_loop(url: str, bodies: list[bytes], concurrency: int) -> float:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers={"Content-Type": "application/json"}) as session:
        queue = list(bodies)

        async def worker() -> None:
            while queue:
                body = queue.pop()
                async with session.post(url + "/chat/completions", data=body) as resp:
                    async for line in resp.content:
                        if line.startswith(b"data: "):
                            data = line[6:].strip()
                            if data == b"[DONE]":
                                break
                            json.loads(data)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start


def streamed(body: bytes) -> bytes:
    data = json.loads(body)
    data.update(stream=True, stream_options={"include_usage": True})
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def recorded(run: Path) -> tuple[list[float], list[float]]:
    db = sqlite3.connect(run / "store.sqlite")
    rows = db.execute("SELECT ttft_ms, tokens_per_s FROM responses WHERE ok = 1").fetchall()
    db.close()
    return [r[0] for r in rows if r[0] is not None], [r[1] for r in rows if r[1] is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--first-token-ms", type=float, default=0)
    parser.add_argument("--tokens-per-s", type=float)
    args = parser.parse_args()
    n, c = args.requests, args.concurrency
    serve = ["--latency-ms", str(args.latency_ms), "--first-token-ms", str(args.first_token_ms)]
    if args.tokens_per_s:
        serve += ["--tokens-per-s", str(args.tokens_per_s)]
    print(f"streaming bench: {n} requests, concurrency {c}, endpoint {' '.join(serve)} ({env_note()}); one run")
    with tempfile.TemporaryDirectory() as tmp, endpoint(*serve) as url:
        root = workspace(Path(tmp) / "ws", n, url, c, stream=True)
        requests, bodies = request_bodies(root)
        bodies = [streamed(b) for b in bodies]
        asyncio.run(bare_sse_loop(url, bodies[:200], c))  # warm the server up, not measured
        bare = asyncio.run(bare_sse_loop(url, bodies, c))
        ours = send_phase(root, url, requests, "send")
        print(f"  bare aiohttp SSE client       {bare:6.2f} s  ({n / bare:.0f} req/s)")
        print(f"  evalkit streamed send phase   {ours:6.2f} s  ({n / ours:.0f} req/s)  ratio {ours / bare:.2f}")
        ttfts, rates = recorded(root / "send")
        if ttfts:
            expected = args.latency_ms + args.first_token_ms
            print(
                f"  recorded TTFT p50 {statistics.median(ttfts):.1f} ms (endpoint: {expected:g} ms of waiting"
                " before the first token, plus queueing)"
            )
        if rates and args.tokens_per_s:
            print(
                f"  recorded output rate p50 {statistics.median(rates):.0f} tokens/s (endpoint: {args.tokens_per_s:g})"
            )
    ok = ours / bare <= TARGET
    print(f"\nratio (one run): streamed send phase {ours / bare:.2f}  target <= {TARGET}  {'ok' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
