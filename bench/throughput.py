"""Throughput: evalkit's full path versus a bare aiohttp loop, against one local endpoint, in one run.

    python bench/throughput.py [--requests 2000] [--concurrency 64] [--latency-ms 50]

(a) evalkit: plan -> send through the scheduler -> commit every response to the run store -> score;
(b) the machine's ceiling: a bare aiohttp client loop sending the same request bodies.
Target (issue 3): evalkit's wall time <= 1.5 x the bare loop's. Prints both and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bench.common import endpoint, env_note, workspace  # noqa: E402
from evalkit.config.loader import load_workspace  # noqa: E402
from evalkit.providers.openai_chat import ChatEndpoint  # noqa: E402
from evalkit.runner.execute import execute  # noqa: E402
from evalkit.runner.plan import plan  # noqa: E402
from evalkit.runner.store import RunStore  # noqa: E402
from evalkit.scorers.apply import score_store  # noqa: E402


async def bare_loop(url: str, bodies: list[bytes], concurrency: int) -> float:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers={"Content-Type": "application/json"}) as session:
        queue = list(bodies)

        async def worker() -> None:
            while queue:
                body = queue.pop()
                async with session.post(url + "/chat/completions", data=body) as resp:
                    json.loads(await resp.read())

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start


async def sdk_loop(url: str, bodies: list[bytes], concurrency: int, transport: str) -> float:
    """The openai SDK doing the same work (for docs/performance.md), with its default or aiohttp transport."""
    from openai import AsyncOpenAI, DefaultAioHttpClient

    http_client = DefaultAioHttpClient() if transport == "aiohttp" else None
    client = AsyncOpenAI(base_url=url, api_key="unused", max_retries=0, http_client=http_client)
    queue = [json.loads(b) for b in bodies]

    async def worker() -> None:
        while queue:
            await client.chat.completions.create(**queue.pop())

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed


def evalkit_path(root: Path, url: str) -> tuple[float, float, list]:
    ws = load_workspace([root / "suites", root / "vendors"])
    ws.raise_if_issues()
    suite, vendor = ws.suites[0].model, ws.vendors[0].model
    start = time.perf_counter()
    requests = plan([suite], [vendor])
    store = RunStore.open_dir(root / "run")
    store.set_meta("suites", [suite.model_dump(mode="json")])
    store.add_requests(requests)

    async def send():
        ep = ChatEndpoint(vendor, url, None, pool_size=vendor.concurrency)
        try:
            return await execute(requests, {vendor.id: vendor}, {vendor.id: ep}, store, quiet=True)
        finally:
            await ep.aclose()

    summary = asyncio.run(send())
    score_store(store)
    elapsed = time.perf_counter() - start
    assert summary.ok == len(requests), summary
    store.close()
    return elapsed, 0.0, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--compare-sdk", action="store_true", help="also time the openai SDK's own transports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, endpoint("--latency-ms", str(args.latency_ms)) as url:
        root = workspace(Path(tmp), args.requests, url, args.concurrency)
        ws = load_workspace([root / "suites", root / "vendors"])
        requests = plan([ws.suites[0].model], [ws.vendors[0].model])
        bodies = [
            json.dumps({"model": "echo", "messages": r.messages, **r.params}, ensure_ascii=False).encode()
            for r in requests
        ]
        asyncio.run(bare_loop(url, bodies[:200], args.concurrency))  # warm the server up, not measured
        bare = asyncio.run(bare_loop(url, bodies, args.concurrency))
        ours, _, _ = evalkit_path(root, url)
        floor = args.requests / args.concurrency * args.latency_ms / 1000
        print(
            f"throughput bench: {args.requests} requests, concurrency {args.concurrency}, "
            f"endpoint latency {args.latency_ms:g} ms ({env_note()})"
        )
        print(f"  latency floor (requests / concurrency x latency): {floor:.2f} s")
        print(f"  bare aiohttp loop:                               {bare:.2f} s ({args.requests / bare:.0f} req/s)")
        print(f"  evalkit (plan, send, store, score):              {ours:.2f} s ({args.requests / ours:.0f} req/s)")
        if args.compare_sdk:
            for transport in ("httpx", "aiohttp"):
                took = asyncio.run(sdk_loop(url, bodies, args.concurrency, transport))
                print(
                    f"  openai SDK, {transport + ' transport:':<18}             {took:.2f} s "
                    f"(ratio to bare {took / bare:.2f})"
                )
        print(f"  ratio evalkit / bare: {ours / bare:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
