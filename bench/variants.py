"""Variant generation: 1,000 items x 6 transforms derived in one go, timed.

    python bench/variants.py [--items 1000]

Builds a choice suite of N items (a question with a date, an amount, a code and a 「」-quoted name; four
options) declaring option_order, width, kana, keigo, typos and distractor, and times
``evalkit.data.variants.derive`` over it (pykakasi's dictionary load, once per process, is timed
apart). Target: < 2 s for 1,000 items x 6 transforms. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.config.suite import Suite  # noqa: E402 — after the sys.path insert
from evalkit.data import transforms  # noqa: E402
from evalkit.data.variants import derive  # noqa: E402

TRANSFORMS = [
    {"transform": "option_order", "seed": 7},
    {"transform": "width"},
    {"transform": "kana", "rate": 0.5, "seed": 1},
    {"transform": "keigo", "to": "plain"},
    {"transform": "typos", "rate": 0.03, "seed": 1},
    {"transform": "distractor"},
]


def suite(n: int) -> Suite:
    items = [
        {
            "id": f"q{i:05d}",
            "reference": "abcd"[i % 4],
            "vars": {
                "question": f"令和7年4月{i % 28 + 1}日に「みなと野市」が受け付けた申請番号 AB-{i:04d} の"
                f"手数料{i * 10}円について、行政手続法に照らして正しい説明はどれですか。"
                "窓口のシステムで確認してください。",
                "choices": "a 申請者に通知しなければならない\nb 通知は不要である\n"
                "c 公示すれば足りる\nd 本人確認のみ必要",
            },
        }
        for i in range(n)
    ]
    return Suite.model_validate(
        {
            "id": "bench",
            "version": "1",
            "title": "bench",
            "criterion": "leaf",
            "prompt": "{{ question }}\n{{ choices }}",
            "scorers": [{"kind": "choice"}],
            "variants": TRANSFORMS,
            "items": items,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args()
    s = suite(args.items)
    start = time.perf_counter()
    transforms.kana("漢字", "hiragana")  # pykakasi's dictionaries, loaded once per process
    load = time.perf_counter() - start
    start = time.perf_counter()

    def issue(loc: tuple[str | int, ...], message: str) -> str:
        return f"{loc}: {message}"

    derived, issues = derive(s, issue)  # type: ignore[arg-type]  # problems as text, not ConfigIssues
    took = time.perf_counter() - start
    if issues:
        raise SystemExit(f"bench: {issues[:3]}")
    per = {
        spec["transform"]: sum(1 for d in derived if d.variant and d.variant["transform"] == spec["transform"])
        for spec in TRANSFORMS
    }
    print(f"variants: {args.items:,} items x {len(TRANSFORMS)} transforms -> {len(derived):,} derived items")
    print(f"  derived per transform: {per}")
    print(f"  time: {took:.3f} s (+ {load:.3f} s pykakasi load) — target < 2 s; {took / 2.0:.2f} of the target")
    print(f"  per derived item: {took / max(1, len(derived)) * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
