"""Throughput: evalkit versus a bare aiohttp client against one local endpoint, measured in one run.

    python bench/throughput.py [--shape 2000x64 --shape 10000x128] [--latency-ms 50] [--no-e2e] [--repeat 3]
                               [--no-helper] [--compare-sdk]

For each shape (requests x concurrency; default both of the above), against `evalkit serve
--latency-ms 50` in its own process:
1. the send phase in process: evalkit's scheduler (``execute``: limits, retries, one store commit per
   response) versus a bare aiohttp loop sending the same bodies. Target: <= 1.2 x bare.
2. evalkit's full path in process: plan, send, store, score. Target: <= 1.5 x the bare loop.
3. end to end, as processes: ``evalkit run`` (interpreter start to report written) versus a bare client
   process (bench/bare_client.py: interpreter start to last response). Target: <= 1.5 x bare.
   ``evalkit run`` scores and reports in its helper process (evalkit/finisher.py), or with ``--no-helper``
   in its own. The next run of the same suites and the bare client alternate ``--repeat`` times and their
   medians are compared: evalkit's side is CPU-bound and the bare client's mostly waits, so a change in the
   machine's speed between two single runs moves their ratio by 0.2 and more.
Each ratio is from one run of this script; the machine is shared and noisy, nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bench.common import REPO, endpoint, env_note, workspace  # noqa: E402
from evalkit.config.loader import load_workspace  # noqa: E402
from evalkit.providers.openai_chat import ChatEndpoint  # noqa: E402
from evalkit.report.templating import FOLDER as TEMPLATES  # noqa: E402
from evalkit.runner.execute import execute  # noqa: E402
from evalkit.runner.plan import plan  # noqa: E402
from evalkit.runner.store import PlannedRequest, RunStore  # noqa: E402

BARE_CLIENT = Path(__file__).resolve().parent / "bare_client.py"
TARGET_SEND, TARGET_FULL, TARGET_E2E = 1.2, 1.5, 1.5


def shape(text: str) -> tuple[int, int]:
    """'2000x64' -> (2000 requests, concurrency 64)."""
    try:
        n, c = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a shape is REQUESTSxCONCURRENCY, e.g. 2000x64, not {text!r}") from None
    if n < 1 or c < 1:
        raise argparse.ArgumentTypeError(f"requests and concurrency must be positive: {text!r}")
    return n, c


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


def load(root: Path):
    ws = load_workspace([root / "suites", root / "vendors"])
    ws.raise_if_issues()
    return ws.suites[0].model, ws.vendors[0].model


def send_phase(root: Path, url: str, requests: list[PlannedRequest], run: str) -> float:
    """evalkit's scheduler alone: the store holds the planned requests already (not timed)."""
    _, vendor = load(root)
    store = RunStore.open_dir(root / run)
    store.add_requests(requests)

    async def send() -> float:
        start = time.perf_counter()
        ep = ChatEndpoint(vendor, url, None, pool_size=vendor.concurrency)
        try:
            summary = await execute(requests, {vendor.id: vendor}, {vendor.id: ep}, store, quiet=True)
        finally:
            await ep.aclose()
        elapsed = time.perf_counter() - start
        assert summary.ok == len(requests), summary
        return elapsed

    try:
        return asyncio.run(send())
    finally:
        store.close()


def full_path(root: Path, url: str, run: str) -> float:
    """Plan, send, commit every response, score: in this process (imports already paid)."""
    from evalkit.scorers.apply import score_store

    suite, vendor = load(root)
    start = time.perf_counter()
    requests = plan([suite], [vendor])
    store = RunStore.open_dir(root / run)
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
    return elapsed


def bare_process(url: str, bodies_file: Path, concurrency: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(BARE_CLIENT), url, str(bodies_file), str(concurrency)], capture_output=True, text=True
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench: the bare client failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return took


def cli_process(root: Path, run: str, cache: Path, helper: bool) -> tuple[float, list[tuple[str, float]], str]:
    """`evalkit run` from interpreter start to report written (and the process gone), with its on-disk
    cache (evalkit/cache.py: the baselines) in ``cache``, never the user's own; the phases it reported
    (evalkit/timings.py), and where it scored and reported (evalkit/finisher.py; ``helper``: whether it may
    use its helper process)."""
    out = root / run
    timings = root / f"{run}.timings.json"
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evalkit",
            "run",
            "--suites-dir",
            str(root / "suites"),
            "--vendors-dir",
            str(root / "vendors"),
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=REPO,
        env={
            **os.environ,
            "EVALKIT_CACHE_DIR": str(cache),
            "EVALKIT_TIMINGS": str(timings),
            "EVALKIT_FINISH_HELPER": "on" if helper else "off",
        },
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - start
    if proc.returncode != 0 or not (out / "report.html").is_file():
        raise SystemExit(f"bench: evalkit run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    record = json.loads(timings.read_text(encoding="utf-8"))
    phases = [(str(name), float(sec)) for name, sec in record["phases"]]
    where = record.get("finish", "?") + (f" ({record['helper']})" if "helper" in record else "")
    return took, phases, where


def breakdown(took: float, phases: list[tuple[str, float]]) -> str:
    """'load 0.31, plan 0.05, send 2.01, …, the rest 0.62' (the rest: interpreter start, imports, exit)."""
    parts = [f"{name} {sec:.2f}" for name, sec in phases]
    return ", ".join([*parts, f"the rest {took - sum(sec for _, sec in phases):.2f}"])


def compile_package() -> None:
    """Byte-compile evalkit as an installed (non-editable) package is: the editable install of a
    checkout has no .pyc files until a run writes them, and none at all under
    PYTHONDONTWRITEBYTECODE, which would time the compiler instead of evalkit."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "evalkit")], check=True, capture_output=True)


def request_bodies(root: Path) -> tuple[list[PlannedRequest], list[bytes]]:
    suite, vendor = load(root)
    requests = plan([suite], [vendor])
    bodies = [
        json.dumps({"model": vendor.model, "messages": r.messages, **r.params}, ensure_ascii=False).encode()
        for r in requests
    ]
    return requests, bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--shape", type=shape, action="append", metavar="NxC", help="requests x concurrency (repeatable)"
    )
    parser.add_argument("--requests", type=int, help="with --concurrency: one shape (as --shape NxC)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end process comparison")
    parser.add_argument(
        "--no-helper",
        action="store_true",
        help="end to end, evalkit run scores and reports in its own process (EVALKIT_FINISH_HELPER=off)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="end to end: alternating runs of the bare client and evalkit (medians)"
    )
    parser.add_argument("--compare-sdk", action="store_true", help="also time the openai SDK's own transports")
    args = parser.parse_args()
    shapes = args.shape or ([(args.requests, args.concurrency)] if args.requests else [(2000, 64), (10000, 128)])
    print(f"throughput bench: endpoint latency {args.latency_ms:g} ms ({env_note()}); one run, noisy machine")
    results: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp, endpoint("--latency-ms", str(args.latency_ms)) as url:
        if not args.no_e2e:  # warm the file cache for both processes (imports), not measured
            compile_package()
            warm = workspace(Path(tmp) / "warm", 50, url, 8)
            _, bodies = request_bodies(warm)
            (warm / "bodies.jsonl").write_bytes(b"\n".join(bodies) + b"\n")
            bare_process(url, warm / "bodies.jsonl", 8)
            cli_process(warm, "run", Path(tmp) / "warm-cache", not args.no_helper)
        for n, c in shapes:
            root = workspace(Path(tmp) / f"{n}x{c}", n, url, c)
            requests, bodies = request_bodies(root)
            bodies_file = root / "bodies.jsonl"
            bodies_file.write_bytes(b"\n".join(bodies) + b"\n")
            asyncio.run(bare_loop(url, bodies[:200], c))  # warm the server up, not measured
            floor = n / c * args.latency_ms / 1000
            bare = asyncio.run(bare_loop(url, bodies, c))
            send = send_phase(root, url, requests, "send")
            full = full_path(root, url, "full")
            print(f"\n{n} requests, concurrency {c}: latency floor (requests / concurrency x latency) {floor:.2f} s")
            print(f"  bare aiohttp loop (in process)                  {bare:6.2f} s  ({n / bare:.0f} req/s)")
            print(
                f"  evalkit send phase (scheduler + store commits)  {send:6.2f} s  ({n / send:.0f} req/s)"
                f"  ratio {send / bare:.2f} (target <= {TARGET_SEND})"
            )
            print(
                f"  evalkit plan + send + store + score            {full:6.2f} s"
                f"  ratio {full / bare:.2f} (target <= {TARGET_FULL})"
            )
            results += [
                (f"{n}x{c} send phase", send / bare, TARGET_SEND),
                (f"{n}x{c} full path", full / bare, TARGET_FULL),
            ]
            if args.compare_sdk:
                for transport in ("httpx", "aiohttp"):
                    took = asyncio.run(sdk_loop(url, bodies, c, transport))
                    print(f"  openai SDK, {transport + ' transport':<36}{took:6.2f} s  ratio {took / bare:.2f}")
            if not args.no_e2e:
                # the first run of these suites: their baselines and checks are computed, not read from a
                # cache; evalkit's compiled report templates are there, as after any earlier run on the machine
                cache = root / "cache"
                shutil.copytree(Path(tmp) / "warm-cache" / TEMPLATES, cache / TEMPLATES)
                bare_runs = [bare_process(url, bodies_file, c)]
                ours, phases, where = cli_process(root, "cli", cache, not args.no_helper)
                # the next vendor on the same suites (here: the same endpoint again, a new run folder),
                # alternating with the bare client
                again_runs: list[tuple[float, list[tuple[str, float]], str]] = []
                for k in range(max(1, args.repeat)):
                    again_runs.append(cli_process(root, f"cli-again-{k}", cache, not args.no_helper))
                    if k:
                        bare_runs.append(bare_process(url, bodies_file, c))
                bare_proc = statistics.median(bare_runs)
                again, phases_again, _ = sorted(again_runs)[(len(again_runs) - 1) // 2]  # the median run (lower)
                spread = f"; runs {', '.join(f'{t:.2f}' for t, _, _ in again_runs)}" if len(again_runs) > 1 else ""
                print(
                    f"  bare client process (start to last response)   {bare_proc:6.2f} s"
                    + (f"  (median of {', '.join(f'{t:.2f}' for t in bare_runs)})" if len(bare_runs) > 1 else "")
                )
                print(
                    f"  evalkit run process (start to report written)  {ours:6.2f} s"
                    f"  ratio {ours / bare_proc:.2f} (target <= {TARGET_E2E}; first run of these suites)"
                )
                print(f"    where the time went (s): {breakdown(ours, phases)}; scored and reported: {where}")
                print(
                    f"  the same, next run of the same suites          {again:6.2f} s"
                    f"  ratio {again / bare_proc:.2f} (baselines from the cache{spread})"
                )
                print(f"    where the time went (s): {breakdown(again, phases_again)}")
                results.append((f"{n}x{c} end to end", ours / bare_proc, TARGET_E2E))
                results.append((f"{n}x{c} end to end, again", again / bare_proc, TARGET_E2E))
    print("\nratios (one run):")
    for name, ratio, target in results:
        print(f"  {name:<26} {ratio:5.2f}  target <= {target}  {'ok' if ratio <= target else 'OVER'}")


if __name__ == "__main__":
    main()
