"""`evalkit load` against an endpoint of known latency: does it measure what the endpoint does, and
how hard can it drive? One run, as processes (`evalkit serve` and `evalkit load`), noisy machine.

    python bench/load.py [--latency-ms 50] [--users 64] [--step-seconds 10] [--stream]

The endpoint adds a fixed latency to every answer (with --stream: the same wait before the first
token). What the endpoint really delivers at that load is measured first by a bare aiohttp client
with the same number of users (on 2 cores the endpoint's own process adds several ms at 500
requests/s, so the configured wait is a floor, not the truth). Targets: evalkit's recorded p50 and
p95 latency (TTFT with --stream) within 10 % of the bare client's, while driving >= 500 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import REPO, endpoint, env_note, workspace  # noqa: E402

TARGET_RPS, TARGET_ERROR = 500, 0.10


async def bare_users(url: str, users: int, seconds: float, stream: bool) -> dict[int, float]:
    """p50 and p95 (ms) of a bare client's closed-loop users: latency, or TTFT when streaming."""
    seen: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=users)) as session:
        end = time.perf_counter() + seconds

        async def user(u: int) -> None:
            i = 0
            while time.perf_counter() < end:
                text = f"住民票の写しの交付手数料について教えてください（{u}-{i}）"
                body = {"model": "echo", "messages": [{"role": "user", "content": text}], "stream": stream}
                started = time.perf_counter()
                async with session.post(url + "/chat/completions", json=body) as resp:
                    if stream:
                        first = None
                        async for line in resp.content:
                            piece = (
                                line.startswith(b"data: ") and b'"content": "' in line and b'"content": ""' not in line
                            )
                            if first is None and piece:
                                first = time.perf_counter()
                        seen.append(((first or time.perf_counter()) - started) * 1000)
                    else:
                        json.loads(await resp.read())
                        seen.append((time.perf_counter() - started) * 1000)
                i += 1

        await asyncio.gather(*(user(u) for u in range(users)))
    p50, p95 = np.percentile(seen, [50, 95])
    return {50: float(p50), 95: float(p95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--step-seconds", type=float, default=10)
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_args()
    wait = ["--first-token-ms", str(args.latency_ms)] if args.stream else ["--latency-ms", str(args.latency_ms)]
    print(f"load bench: {args.users} users for {args.step_seconds:g} s, endpoint {' '.join(wait)} ({env_note()})")
    with tempfile.TemporaryDirectory() as tmp, endpoint(*wait) as url:
        bare = asyncio.run(bare_users(url, args.users, args.step_seconds, args.stream))
        root = workspace(Path(tmp) / "ws", 500, url, args.users, stream=args.stream)
        out = Path(tmp) / "load"
        proc = subprocess.run(
            [sys.executable, "-m", "evalkit", "load", "-v", "bench", "--suites-dir", str(root / "suites"),
             "--vendors-dir", str(root / "vendors"), "--steps", str(args.users),
             "--step-seconds", str(args.step_seconds), "--max-requests", "1000000", "--out", str(out), "-q"],
            cwd=REPO, capture_output=True, text=True,
        )  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(f"bench: evalkit load failed ({proc.returncode}): {proc.stderr[-2000:]}")
        (step,) = json.loads((out / "load.json").read_text(encoding="utf-8"))["steps"]
    metric = "ttft" if args.stream else "latency"
    print(f"  requests {step['requests']}, errors {step['errors']}, {step['requests_per_s']:.0f} requests/s")
    worst = 0.0
    for q in (50, 95):
        value = step[f"{metric}_p{q}_ms"]
        off = value / bare[q] - 1
        worst = max(worst, abs(off))
        print(
            f"  {metric} p{q}: {value:.1f} ms; bare client {bare[q]:.1f} ms ({off:+.1%}); "
            f"configured {args.latency_ms:g} ms ({value / args.latency_ms - 1:+.1%})"
        )
    ok = worst <= TARGET_ERROR and step["requests_per_s"] >= TARGET_RPS
    print(
        f"\nresult (one run): largest deviation {worst:.1%} (target <= {TARGET_ERROR:.0%}), "
        f"{step['requests_per_s']:.0f} requests/s (target >= {TARGET_RPS})  {'ok' if ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
