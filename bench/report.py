"""The report at scale: 5 vendors x 10,000 items rendered into one HTML file, then opened in Chromium.

    python bench/report.py [--items 10000] [--vendors 5] [--suites 10] [--keep DIR]

1. Builds a run store directly with RunStore methods (no endpoint): ``--suites`` suites over a
   criteria tree with a gate, Japanese prompts of realistic length (a shared system prompt per
   suite, 120–420-character user messages), answers that mix one-letter choices (40 %), 40–160
   characters (40 %) and 250–500 characters (20 %), tags, critical items and ~1 % errors. The
   text is sliced at random from the repository's suites, so it compresses like real Japanese.
2. Aggregates (timed apart: that is the analysis, not the report) and renders report.html.
   Targets: render < 10 s, file < 25 MB. Prints both, and the bytes per item.
3. Opens the file in headless Chromium (Debian's, driven by Playwright) from file://, waits for
   the first page of item rows, and checks there is no console error and no network request.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.analysis import aggregate  # noqa: E402 — importable only after the sys.path insert above
from evalkit.config.criteria import CriteriaFile  # noqa: E402 — importable only after the sys.path insert above
from evalkit.config.suite import Suite  # noqa: E402 — importable only after the sys.path insert above
from evalkit.config.vendor import Vendor  # noqa: E402 — importable only after the sys.path insert above
from evalkit.report import render_report, write_junit  # noqa: E402 — importable only after the sys.path insert above
from evalkit.report.items import COMPRESS_ABOVE  # noqa: E402 — importable only after the sys.path insert above
from evalkit.runner.store import PlannedRequest, Response, RunStore  # noqa: E402 — after the sys.path insert

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SYSTEM = (
    "あなたは日本の行政機関で働く職員を支援するアシスタントです。公用文の考え方に沿って、正確かつ簡潔に日本語で回答してください。"
    "根拠のない推測はせず、分からない場合はその旨を述べてください。"
)
SENTENCES = [
    "住民票の写しの交付請求は、本人又は同一世帯の者が行うことができます。",
    "行政手続法第五条は、行政庁が審査基準を定め、これを公にしておかなければならないと定めています。",
    "意見公募手続の結果は、提出意見を考慮した結果とその理由とともに公示されます。",
    "個人情報の第三者提供には、原則として本人の同意が必要です。",
    "申請書の記載事項に不備がある場合は、補正を求めることができます。",
    "標準処理期間は、申請が事務所に到達してから処分をするまでに通常要すべき標準的な期間です。",
    "マニュアルの該当箇所によれば、手数料は一通につき三百円です。",
    "この資料には、ご質問の制度についての記載はありません。",
]
TAGS = [
    "難易度:易",
    "難易度:中",
    "難易度:難",
    "行政手続法",
    "地方自治法",
    "個人情報保護",
    "公用文",
    "要約",
    "分類",
    "翻訳",
]


def corpus() -> str:
    """Japanese text of the repository's own suites: random slices of it compress like real prompts
    and answers do (gzip about 3x), unlike a few repeated sentences (which would flatter the size)."""
    parts = []
    for path in sorted((REPO / "suites").rglob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line.startswith("#") and re.search("[\u3040-\u30ff\u4e00-\u9fff]", line):
                parts.append(line.split(":", 1)[-1].strip().strip('"'))
    text = "".join(parts)
    return text if len(text) > 20_000 else "".join(SENTENCES) * 50


CORPUS = corpus()


def text(rng: random.Random, chars: int) -> str:
    start = rng.randrange(max(1, len(CORPUS) - chars))
    return CORPUS[start : start + chars]


def answer(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return rng.choice("abcd")  # multiple choice
    if kind < 0.8:
        return text(rng, rng.randint(40, 160))
    return text(rng, rng.randint(250, 500))


def build(run_dir: Path, n_items: int, n_vendors: int, n_suites: int, seed: int = 7) -> RunStore:
    rng = random.Random(seed)
    leaves = [f"leaf{k}" for k in range(min(n_suites, 5))]
    criteria = CriteriaFile.model_validate(
        {
            "id": "root",
            "title": "評価基準（ベンチマーク）",
            "clause": "全体",
            "children": [
                {
                    "id": "safety",
                    "title": "安全性",
                    "clause": "要件2",
                    "weight": 1,
                    "gate": {"description": "安全性の得点が0.5以上", "min_score": 0.5},
                    "children": [{"id": leaves[0], "title": "葉0", "clause": "要件2"}],
                },
                {
                    "id": "work",
                    "title": "行政実務",
                    "clause": "要件3",
                    "weight": 2,
                    "children": [
                        {"id": leaf, "title": f"葉{k + 1}", "clause": "要件3"} for k, leaf in enumerate(leaves[1:])
                    ],
                },
            ],
        }
    )
    per_suite = n_items // n_suites
    suites = []
    for s in range(n_suites):
        items = [
            {
                "id": f"q{s:02d}-{i:05d}",
                "vars": {"q": "x"},
                "reference": "a",
                "tags": rng.sample(TAGS, 2),
                "critical": i % 97 == 0,
            }
            for i in range(per_suite)
        ]
        suites.append(
            Suite.model_validate(
                {
                    "id": f"bench.s{s:02d}",
                    "version": "1.0.0",
                    "title": f"ベンチマーク用スイート {s:02d}",
                    "criterion": leaves[s % len(leaves)],
                    "system_prompt": SYSTEM,
                    "prompt": "{{ q }}",
                    "scorers": [{"kind": "exact"}],
                    "items": items,
                }
            )
        )
    categories = ["domestic"] * max(1, n_vendors - 1) + ["foreign"]
    vendors = [
        Vendor.model_validate(
            {
                "id": f"vendor-{v + 1}",
                "name": f"ベンダー{v + 1}",
                "provider": "reference",
                "model": "oracle",
                "category": categories[v % len(categories)],
            }
        )
        for v in range(n_vendors)
    ]
    store = RunStore.open_dir(run_dir)
    store.set_meta(
        "manifest",
        {
            "run_id": run_dir.name,
            "evalkit_version": "bench",
            "started_at": "2026-01-01T00:00:00+00:00",
            "finished_at": "2026-01-01T01:00:00+00:00",
            "epochs": 1,
        },
    )
    store.set_meta("criteria", criteria.model_dump(mode="json"))
    store.set_meta("suites", [s.model_dump(mode="json") for s in suites])
    store.set_meta("vendors", [v.model_dump(mode="json") for v in vendors])
    prompts = {(s.id, it.id): text(rng, rng.randint(120, 420)) for s in suites for it in s.items}
    requests, scores = [], []
    store.db.execute("BEGIN")
    for vi, v in enumerate(vendors):
        accuracy = 0.9 - 0.1 * vi
        for s in suites:
            for it in s.items:
                key = f"{v.id}|{s.id}|{it.id}|0"
                messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompts[(s.id, it.id)]}]
                requests.append(PlannedRequest(key, v.id, s.id, it.id, 0, messages, {}))
                if rng.random() < 0.01:
                    store.put_response(
                        Response(
                            key,
                            ok=False,
                            error_kind="http",
                            http_status=503,
                            error_message="Service Unavailable",
                            attempts=6,
                        )
                    )
                    continue
                store.put_response(
                    Response(
                        key,
                        ok=True,
                        content=answer(rng),
                        latency_ms=rng.uniform(200, 4000),
                        prompt_tokens=300,
                        completion_tokens=80,
                        model=v.model,
                        system_fingerprint="fp_bench",
                    )
                )
                passed = rng.random() < accuracy
                scores.append(
                    (
                        key,
                        0,
                        "exact",
                        1.0 if passed else 0.0,
                        int(passed),
                        1.0,
                        "参照解答と一致" if passed else "参照解答と一致しない",
                        "{}",
                    )
                )
    store.db.execute("COMMIT")
    store.add_requests(requests)
    store.replace_scores(scores)
    return store


def open_in_chromium(report: Path) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page()
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        start = time.perf_counter()
        page.goto(report.as_uri(), timeout=120_000)
        page.wait_for_selector("#item-rows article.item", timeout=120_000)
        took = time.perf_counter() - start
        rows = page.locator("#item-rows article.item").count()
        start = time.perf_counter()
        total = page.locator("#f-count").inner_text()
        page.check("#f-failed")  # filters all items synchronously, then draws the first page
        if page.locator("#f-count").inner_text() == total:
            raise SystemExit("bench: the 'failed only' filter did not change the rows")
        filter_ms = (time.perf_counter() - start) * 1000
        browser.close()
    if errors or requests:
        raise SystemExit(f"bench: console errors {errors[:3]} / network requests {requests[:3]}")
    print(f"  filter 'failed only' over all items: {filter_ms:.0f} ms")
    return took, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--vendors", type=int, default=5)
    parser.add_argument("--suites", type=int, default=10)
    parser.add_argument("--keep", metavar="DIR", help="build the run here and keep it (default: a temporary directory)")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="evalkit-bench-report-"))
    run_dir = root / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    try:
        start = time.perf_counter()
        store = build(run_dir, args.items, args.vendors, args.suites)
        print(
            f"store: {args.vendors} vendors x {args.items} items in {args.suites} suites, "
            f"built in {time.perf_counter() - start:.1f} s"
        )
        with store:
            from evalkit.pipeline import load_run

            criteria, suites, vendors = load_run(store)
            start = time.perf_counter()
            results, df = aggregate(store, criteria, suites, vendors)
            results["manifest"] = store.get_meta("manifest", {})
            results["config"] = {}
            results["vendor_settings"] = store.get_meta("vendors", [])
            print(f"aggregate (analysis, not the report): {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            report = render_report(store, results, df, run_dir / "report.html")
            render_s = time.perf_counter() - start
            write_junit(results, run_dir / "results.junit.xml")
            from evalkit.report.items import item_payload, script_json
            from evalkit.report.views import make_view

            plain = len(script_json(item_payload(store, df, results, make_view(results, []))).encode("utf-8"))
        size = report.stat().st_size
        ok_time, ok_size = render_s < 10, size < 25 * 1024 * 1024
        print(f"render: {render_s:.2f} s (target < 10 s: {'ok' if ok_time else 'MISSED'})")
        print(
            f"file:   {size / 1024 / 1024:.1f} MB (target < 25 MB: {'ok' if ok_size else 'MISSED'}), "
            f"{size / args.items / 1024:.2f} KB per item; the item data is {plain / 1024 / 1024:.1f} MB as plain "
            f"JSON, embedded gzip-compressed above {COMPRESS_ABOVE // 1024 // 1024} MB"
        )
        took, rows = open_in_chromium(report)
        print(
            f"chromium: first page of {rows} item rows shown {took:.2f} s after navigation, "
            "no console error, no network request"
        )
        if not (ok_time and ok_size and rows > 0):
            raise SystemExit(1)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
