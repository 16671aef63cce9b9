"""Shared helpers for the benchmarks: a throwaway workspace and a reference endpoint in its own process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CRITERIA = "id: root\ntitle: 全体\nclause: 全体\nchildren:\n  - id: leaf\n    title: 葉\n    clause: 葉\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def endpoint(*args: str):
    """`evalkit serve` in a separate process, so server and client do not share one core's GIL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalkit", "serve", "--port", str(port), *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/models", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("bench: the reference endpoint did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # handlers hung on purpose (fault injection) hold a graceful exit up
            proc.kill()
            proc.wait(timeout=30)


def workspace(
    root: Path,
    n_items: int,
    url: str,
    concurrency: int,
    model: str = "echo",
    vendors: int = 1,
    jsonl: bool = False,
    stream: bool = False,
) -> Path:
    """A suite of n_items short Japanese questions and ``vendors`` OpenAI-compatible vendors at ``url``
    (asking for streamed answers with ``stream``).

    The items are inline in the suite file, or with ``jsonl`` in a JSONL data source beside it.
    """
    (root / "suites").mkdir(parents=True, exist_ok=True)
    (root / "vendors").mkdir(exist_ok=True)
    (root / "suites" / "criteria.yaml").write_text(CRITERIA, encoding="utf-8")
    question = "住民票の写しの交付手数料について教えてください（{}）"
    head = (
        'id: bench\nversion: "1"\ntitle: 性能計測\ncriterion: leaf\nprompt: "{{ q }}"\n'
        "generation: {temperature: 0, max_tokens: 64}\nscorers: [{kind: contains}]\n"
    )
    if jsonl:
        with open(root / "suites" / "bench.jsonl", "w", encoding="utf-8") as out:
            for i in range(n_items):
                out.write(
                    json.dumps(
                        {"no": f"q{i:06d}", "q": question.format(i), "answer": "手数料は300円です"}, ensure_ascii=False
                    )
                    + "\n"
                )
        body = (
            'source:\n  path: bench.jsonl\n  id: "{{ no }}"\n'
            '  mapping: {vars.q: "{{ q }}", reference: "{{ answer }}"}\n'
        )
    else:
        body = (
            "items:\n"
            + "\n".join(
                f"  - {{id: q{i:06d}, vars: {{q: {question.format(i)}}}, reference: 手数料は300円です}}"
                for i in range(n_items)
            )
            + "\n"
        )
    (root / "suites" / "bench.yaml").write_text(head + body, encoding="utf-8")
    for v in range(vendors):
        name = "bench" if vendors == 1 else f"bench{v + 1}"
        (root / "vendors" / f"{name}.yaml").write_text(
            f"id: {name}\nname: 計測用{v + 1}\nprovider: openai\nbase_url: {url}\nmodel: {model}\n"
            f"concurrency: {concurrency}\ntimeout: 60\n" + ("stream: true\n" if stream else ""),
            encoding="utf-8",
        )
    return root


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def env_note() -> str:
    return f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
