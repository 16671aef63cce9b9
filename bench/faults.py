"""Throughput under injected faults: evalkit's scheduler versus the endpoint's goodput ceiling.

    python bench/faults.py [--requests 2000] [--concurrency 64] [--latency-ms 50] [--rates 0.2,0.5]

For each fault rate, `evalkit serve` (its own process) fails that fraction of requests with a mix
of 500, 503, 429 (with Retry-After), connection resets, broken bodies and hangs (answered by the
client's timeout). Two clients send the same requests to it, in this process:
- the ceiling: a bare aiohttp loop that resends a failed request at once, with no backoff, no window
  and no pause (what the endpoint can give: its goodput);
- evalkit's scheduler (``execute``: AIMD window, backoff, Retry-After, one store commit per answer).
Prints both, their ratio, and where evalkit's time went: attempts and failures, requests waiting in
backoff (they hold no slot), how often and how long the adaptive window was below the vendor's
concurrency or at its floor, and how long the vendor was paused. One run each; the machine is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from bench import bare_client  # noqa: E402 (after the sys.path line)
from bench.common import endpoint, env_note, workspace  # noqa: E402
from evalkit.config.loader import load_workspace  # noqa: E402
from evalkit.providers.openai_chat import ChatEndpoint  # noqa: E402
from evalkit.runner.execute import execute  # noqa: E402
from evalkit.runner.plan import plan  # noqa: E402
from evalkit.runner.store import RunStore  # noqa: E402

# share of each fault kind among the injected faults (the --rate-* options of `evalkit serve`)
MIX = {"500": 0.30, "503": 0.15, "429": 0.15, "drop": 0.25, "malformed": 0.10, "hang": 0.05}


def p95(done: list[float]) -> float:
    """Seconds until 95 % of the answers were in (the run's steady rate, without its last stragglers)."""
    done = sorted(done)
    return done[max(0, int(len(done) * 0.95) - 1)] if done else 0.0


async def ceiling(url: str, bodies: list[bytes], concurrency: int, timeout: float) -> tuple[float, int, float]:
    """Resend each failed request at once until it succeeds: (seconds, attempts, seconds to 95 %)."""
    done: list[float] = []
    start = time.perf_counter()
    attempts = await bare_client.main(
        url, list(reversed(bodies)), concurrency, True, timeout, lambda: done.append(time.perf_counter() - start)
    )
    return time.perf_counter() - start, attempts, p95(done)


def harness(root: Path, url: str, run: str):
    ws = load_workspace([root / "suites", root / "vendors"])
    ws.raise_if_issues()
    suite, vendor = ws.suites[0].model, ws.vendors[0].model
    requests = plan([suite], [vendor])
    store = RunStore.open_dir(root / run)
    store.add_requests(requests)

    async def send():
        start = time.perf_counter()
        ep = ChatEndpoint(vendor, url, None, pool_size=vendor.concurrency)
        try:
            summary = await execute(requests, {vendor.id: vendor}, {vendor.id: ep}, store, quiet=True)
        finally:
            await ep.aclose()
        return time.perf_counter() - start, summary

    began = datetime.now(timezone.utc)
    try:
        took, summary = asyncio.run(send())
        done = [
            (datetime.fromisoformat(at) - began).total_seconds()
            for (at,) in store.db.execute("SELECT received_at FROM responses WHERE ok = 1")
        ]
    finally:
        store.close()
    return took, summary, vendor.id, p95(done)


def fault_args(rate: float, retry_after: float, seed: int) -> list[str]:
    out = ["--retry-after-s", f"{retry_after:g}", "--seed", str(seed)]
    for kind, share in MIX.items():
        out += [f"--rate-{kind}", f"{rate * share:.6f}"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--rates", default="0.2,0.5", help="fault rates, comma-separated fractions")
    parser.add_argument("--timeout", type=float, default=1.0, help="client timeout (what a hang costs)")
    parser.add_argument("--retry-after", type=float, default=0.5, help="Retry-After sent with each 429 (s)")
    parser.add_argument("--max-retries", type=int, default=30)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    mix = ", ".join(f"{k} {v:.0%}" for k, v in MIX.items())
    print(
        f"fault bench: {args.requests} requests, concurrency {args.concurrency}, latency {args.latency_ms:g} ms, "
        f"timeout {args.timeout:g} s, Retry-After {args.retry_after:g} s ({env_note()}); one run each"
    )
    print(f"  fault mix: {mix}")
    results = []
    for rate in rates:
        with (
            tempfile.TemporaryDirectory() as tmp,
            endpoint("--latency-ms", str(args.latency_ms), *fault_args(rate, args.retry_after, 7)) as url,
        ):
            root = workspace(Path(tmp), args.requests, url, args.concurrency)
            vendor_file = root / "vendors" / "bench.yaml"
            text = vendor_file.read_text(encoding="utf-8").replace("timeout: 60\n", f"timeout: {args.timeout:g}\n")
            vendor_file.write_text(text + f"max_retries: {args.max_retries}\n", encoding="utf-8")
            ws = load_workspace([root / "suites", root / "vendors"])
            requests = plan([ws.suites[0].model], [ws.vendors[0].model])
            bodies = [
                json.dumps({"model": "echo", "messages": r.messages, **r.params}, ensure_ascii=False).encode()
                for r in requests
            ]
            asyncio.run(ceiling(url, bodies[:200], args.concurrency, args.timeout))  # warm-up, not measured
            top, top_attempts, top95 = asyncio.run(ceiling(url, bodies, args.concurrency, args.timeout))
            ours, summary, vid, ours95 = harness(root, url, "run")
        n = args.requests
        print(f"\n{rate:.0%} faults")
        print(f"  ceiling (bare client, immediate resend)  {top:6.2f} s  {n / top:6.0f} req/s  {top_attempts} attempts")
        print(
            f"  evalkit scheduler                         {ours:6.2f} s  {summary.ok / ours:6.0f} req/s  "
            f"ok {summary.ok}, errors {summary.errors}, retries {summary.retries}"
        )
        print(
            f"  goodput ratio evalkit / ceiling: {(summary.ok / ours) / (n / top):.2f} over the whole run, "
            f"{top95 / ours95:.2f} until 95 % of the answers were in ({top95:.2f} s / {ours95:.2f} s)"
        )
        lane = getattr(summary, "lanes", {}).get(vid)
        if lane is not None:
            failures = ", ".join(f"{k} {v}" for k, v in sorted(lane.failures.items(), key=lambda kv: -kv[1]))
            print(f"  where evalkit's time went: {lane.attempts} attempts; failures: {failures}")
            print(
                f"    backoff: {lane.backoffs} waits, {lane.backoff_seconds:.1f} request-seconds in all "
                f"(mean {lane.backoff_seconds / max(lane.backoffs, 1) * 1000:.0f} ms; a waiting request holds no slot)"
            )
            print(
                f"    adaptive window: {lane.limit_cuts} cuts, below {args.concurrency} for "
                f"{lane.seconds_below_max:.2f} s, at its floor for {lane.seconds_at_floor:.2f} s, "
                f"{lane.final_limit} at the end"
            )
            print(f"    vendor-wide pauses: {lane.pause_seconds:.2f} s")
        results.append((rate, (summary.ok / ours) / (n / top), top95 / ours95))
    print(
        "\ngoodput ratios evalkit / ceiling (one run; whole run, to 95 %): "
        + ", ".join(f"{r:.0%} faults {x:.2f}, {y:.2f}" for r, x, y in results)
    )


if __name__ == "__main__":
    main()
