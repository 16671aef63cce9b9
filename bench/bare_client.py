"""The machine's ceiling as a process: send prepared request bodies with a bare aiohttp loop.

    python bench/bare_client.py URL BODIES_JSONL CONCURRENCY [--retry]

Imports nothing but aiohttp and the standard library, so that timing this process from its start to
its exit (last response read) is the floor for ``evalkit run`` against the same endpoint.
``--retry``: resend a request at once until it succeeds (the endpoint's goodput ceiling under
injected faults: no backoff, no pauses, no window); prints ``attempts=N`` when it is done.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable

import aiohttp


async def main(
    url: str,
    bodies: list[bytes],
    concurrency: int,
    retry: bool,
    timeout: float,
    on_answer: Callable[[], None] | None = None,
) -> int:
    """Send ``bodies`` (popped from the end) with ``concurrency`` workers; the number of attempts.
    ``on_answer`` is called as each good answer arrives (bench/faults.py times them)."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    attempts = 0
    async with aiohttp.ClientSession(
        connector=connector,
        headers={"Content-Type": "application/json"},
        timeout=aiohttp.ClientTimeout(total=timeout),
    ) as session:

        async def worker() -> None:
            nonlocal attempts
            while bodies:
                body = bodies.pop()
                while True:
                    attempts += 1
                    try:
                        async with session.post(url + "/chat/completions", data=body) as resp:
                            data = json.loads(await resp.read())
                            if resp.status == 200 and data["choices"][0]["message"]["content"] is not None:
                                if on_answer is not None:
                                    on_answer()
                                break
                    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError, IndexError):
                        pass
                    if not retry:
                        break

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return attempts


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    with open(args[1], "rb") as f:
        lines = [line.rstrip(b"\n") for line in f if line.strip()]
    lines.reverse()  # workers pop from the end: send in file order
    timeout = float(args[3]) if len(args) > 3 else 60.0
    total = asyncio.run(main(args[0], lines, int(args[2]), "--retry" in sys.argv, timeout))
    print(f"attempts={total}")
