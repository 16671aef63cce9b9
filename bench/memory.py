"""Memory and resume: a 50,000-request run's peak RSS, and a finished run re-run, in one go.

    python bench/memory.py [--requests 50000] [--vendors 5] [--resume-requests 2000]

1. ``evalkit run`` (the real CLI, in a subprocess) sends N requests (N / vendors items to each
   vendor) to a local endpoint, stores, scores and reports them; prints the peak memory: the largest
   process's peak RSS, and the peak of the run, its finish helper (evalkit/finisher.py) and the helper's
   fork together (their proportional set sizes summed). Target: < 400 MB at 50,000 (where no helper is
   used: more than finisher.MAX_REQUESTS).
2. A finished 2,000-request run is re-run into the same directory; prints how many requests it
   sent (target 0) and its wall time including interpreter start-up (target < 3 s).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, endpoint, env_note, workspace  # noqa: E402 — after the sys.path insert


def cli(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess, int]:
    """`evalkit run ARGS` in ``root``: its wall time, its output, and the peak of the summed proportional set
    sizes of the process and its descendants (the finish helper, evalkit/finisher.py), sampled every 20 ms from
    /proc (0 where there is no /proc)."""
    start = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "evalkit", "run", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "EVALKIT_LANG": "en"},  # the summary line is read below, in English
    ) as child:
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(map(_pss_kb, _tree(child.pid))))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = child.communicate()
        done.set()
        sampler.join()
    took = time.perf_counter() - start
    proc = subprocess.CompletedProcess(child.args, child.returncode, out, err)
    if proc.returncode != 0:
        raise SystemExit(f"bench: evalkit run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return took, proc, peak // 1024


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    found = [pid]
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                for child in children.read().split():
                    found += _tree(int(child))
    return found


def _pss_kb(pid: int) -> int:
    """The process's proportional set size (a page shared by n processes counts 1/n in each: the finish
    stage's fork shares most of its pages with its parent, which resident sizes would count twice)."""
    with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--vendors", type=int, default=5, help="vendors the requests are spread over")
    parser.add_argument("--resume-requests", type=int, default=2_000)
    parser.add_argument("--jsonl", action="store_true", help="items from a JSONL data source, not inline YAML")
    args = parser.parse_args()
    print(f"memory bench ({env_note()}), evalkit from {REPO}")
    with tempfile.TemporaryDirectory() as tmp, endpoint() as url:
        items = args.requests // args.vendors
        big = workspace(
            Path(tmp) / "big", items, url, concurrency=64 // args.vendors or 1, vendors=args.vendors, jsonl=args.jsonl
        )
        took, _, together = cli(big, "--out", "run", "--quiet")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest single process
        db = sqlite3.connect(big / "run" / "store.sqlite")
        stored = db.execute("SELECT COUNT(*) FROM responses WHERE ok = 1").fetchone()[0]
        where = "a JSONL data source" if args.jsonl else "inline YAML"
        print(
            f"  {items * args.vendors} requests ({items} items from {where} x {args.vendors} vendors): "
            f"{stored} stored, "
            f"{took:.1f} s, peak {max(peak, together):.0f} MB (target < 400 MB; the largest process's RSS "
            f"{peak:.0f} MB, the run and its helper processes together {together or '?'} MB)"
        )

        small = workspace(Path(tmp) / "small", args.resume_requests, url, concurrency=64)
        cli(small, "--out", "run", "--quiet")
        took, proc, _ = cli(small, "--out", "run")
        sent = proc.stdout.split("requests: ", 1)[1].split(" sent", 1)[0]
        print(
            f"  re-running a finished {args.resume_requests}-request run: {sent} requests sent, "
            f"{took:.2f} s wall time with start-up (target 0 sent, < 3 s)"
        )


if __name__ == "__main__":
    main()
