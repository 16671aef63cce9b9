"""The report in a real browser (Debian's chromium driven by Playwright): loads offline from
file:// with no console error and no network request, filters/search/sort/pages change the
visible rows, hostile model output and suite text stay inert text, print is A4 landscape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SMALL_CRITERIA, evalkit, make_workspace
from playwright.sync_api import expect
from test_report_views import build_report_run

CHROMIUM = "/usr/bin/chromium"
HOSTILE = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    "</script><script>window.__pwned = 3</script>",
    "{{ 7 * 7 }} {% raw %}{{ config }}{% endraw %} ${window.__pwned = 4}",
    '行区切り\u2028段落区切り\u2029<svg onload="window.__pwned = 5">',
    "<!-- <script>window.__pwned = 6</script> -->",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
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
        yield b
        b.close()


def _open(browser, report: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_selector('#item-rows[data-ready="1"]')
    return page, errors, requests


def _rows(page) -> list[str]:
    return page.locator("#item-rows article.item").evaluate_all("els => els.map(e => e.dataset.item)")


def _count(page) -> int:
    return int(re.match(r"該当 (\d+) 件", page.locator("#f-count").inner_text()).group(1))


def test_report_loads_offline_with_charts_and_rows(browser, repo_run):
    out, _ = repo_run
    page, errors, requests = _open(browser, out / "report.html")
    assert errors == [] and requests == []
    assert page.locator("h1").inner_text() == "evalkit 評価レポート"
    assert page.locator("svg.chart").count() == 4  # heat map, bars with whiskers, radar, suites
    assert page.locator("svg.chart text", has_text="総合得点").count() >= 1  # labels stay text
    assert page.locator("#item-rows article.item").count() == 25  # first page
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # the items and those their suites' variants derived (shown in the drill-down too)
    n_items = sum(s["n_items"] + s["n_variant_items"] for s in summary["suites"])
    assert page.locator("#f-count").inner_text() == f"該当 {n_items} 件 / 全 {n_items} 件"
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert (
        "default-src 'none'" in csp
        and "connect-src 'none'" in csp
        and "'unsafe-inline'" not in csp.split("style-src")[0]
    )


def test_filters_search_sort_and_pages_change_visible_rows(browser, tmp_path):
    run = build_report_run(tmp_path / "run")
    assert evalkit("report", str(run)).returncode == 0
    page, errors, _ = _open(browser, run / "report.html")
    assert errors == []
    everything = _rows(page)
    assert len(everything) == 14 and _count(page) == 14
    page.check("#f-failed")  # p00-p02 pass for everyone; bravo fails p05-, charlie p03-, the sealed ones
    failed = _rows(page)
    assert 0 < len(failed) < 14 and _count(page) == len(failed)
    page.uncheck("#f-failed")
    page.check("#f-errors")
    assert _rows(page) == ["open/p09"]  # charlie's one error
    page.uncheck("#f-errors")
    page.check("#f-disagree")
    disagree = _rows(page)
    assert disagree and set(disagree) <= set(failed)
    page.uncheck("#f-disagree")
    page.select_option("#f-suite", label="当日公開の試験 (dayof)")
    assert _rows(page) == [f"dayof/s{i:02d}" for i in range(4)]
    page.select_option("#f-suite", value="")
    page.select_option("#f-tag", label="区分A")
    assert _rows(page) == [f"open/p{i:02d}" for i in range(1, 10, 2)]
    page.select_option("#f-tag", value="")
    page.select_option("#f-vendor-failed", label="アクメ社α が不合格・エラー")
    assert _rows(page) == []
    assert page.locator("#item-rows .empty").inner_text() == "条件に合う設問はありません。"
    page.select_option("#f-vendor-failed", value="")
    page.fill("#f-text", "bravo-answer-p07")  # case-insensitive search in the answers (debounced)
    expect(page.locator("#item-rows article.item")).to_have_count(1)
    assert _rows(page) == ["open/p07"]
    page.fill("#f-text", "")
    expect(page.locator("#item-rows article.item")).to_have_count(14)
    page.select_option("#f-sort", value="id")
    assert _rows(page)[0] == "open/p00" and _rows(page)[-1] == "dayof/s03"
    page.select_option("#f-sort", label="ブラボー社 の得点が低い順")
    first = page.locator("#item-rows article.item").first
    assert first.locator('.answer[data-vendor="bravo-llm"] .fail').count() == 1
    page.select_option("#f-sort", value="")
    assert _rows(page) == everything
    page.select_option("#f-size", "25")
    assert page.locator("#p-next").is_disabled()  # 14 rows: one page


def test_pages_and_prompts_with_many_items(browser, repo_run):
    out, _ = repo_run
    page, _, _ = _open(browser, out / "report.html")
    first = _rows(page)
    page.click("#p-next")
    second = _rows(page)
    assert len(second) == 25 and not set(first) & set(second)
    assert page.locator("#p-info").inner_text().startswith("ページ 2 / ")
    card = page.locator("#item-rows article.item").first
    assert card.locator(".prompt pre").count() >= 1  # the rendered user message (and system prompt)
    assert card.locator(".answer").count() == 3  # every vendor side by side
    page.click("#p-prev")
    assert _rows(page) == first


def test_hostile_answers_and_suite_text_are_inert(browser, tmp_path):
    items = "\n".join(
        f"  - id: h{i}\n    vars: {{q: {json.dumps(payload)}}}\n    reference: 安全\n"
        f"    tags: [{json.dumps('<b>タグ</b>')}]"
        for i, payload in enumerate(HOSTILE)
    )
    suite = (
        'id: hostile\nversion: "1"\ntitle: "<script>window.__pwned = 9</script>"\ncriterion: leaf\n'
        'system_prompt: "</script><img src=x onerror=window.__pwned=10>"\n'
        'prompt: "{{ q }}"\nscorers: [{kind: exact}]\nitems:\n' + items + "\n"
    )
    work = make_workspace(
        tmp_path / "w",
        {"h": suite},
        {
            "e": 'id: echo\nname: "<i>Echo</i>"\ncategory: foreign\nprovider: reference\nmodel: echo\n',
            "o": 'id: oracle\nname: "O&amp;\'\\""\nprovider: reference\nmodel: oracle\n',
            # a reasoning model whose reasoning restates the hostile prompts (shown apart, as text)
            "t": "id: thinker\nname: 推論\nprovider: reference\nmodel: echo:think\n",
        },
        criteria=SMALL_CRITERIA.replace("title: 葉", 'title: "<b>葉</b>"'),
    )
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    report = work / "run" / "report.html"
    raw = report.read_text(encoding="utf-8")
    assert raw.count("</script>") == 2 and raw.count("<script") == 2  # the data block and the app only
    assert "\u2028" not in raw.split('id="item-data">')[1].split("</script>")[0]
    page, errors, requests = _open(browser, report)
    assert errors == [] and requests == []
    assert page.evaluate("window.__pwned") is None
    body = page.locator("body").text_content()
    for payload in HOSTILE:  # the echo model repeats each payload: shown as text, not markup
        assert payload in body, payload
    assert "<i>Echo</i>" in body and page.locator("i", has_text="Echo").count() == 0
    assert "<b>葉</b>" in body and page.locator("b", has_text="葉").count() == 0
    assert "<b>タグ</b>" in body and page.locator("b", has_text="タグ").count() == 0
    assert "</script><img src=x onerror=window.__pwned=10>" in body
    assert page.locator("#item-rows img, #item-rows svg, #item-rows script, img").count() == 0
    assert page.locator(".badge.foreign", has_text="海外参照").count() >= 1  # the foreign reference is marked
    # the reasoning: folded away apart from the answer, as inert as the answer
    thinking = page.locator('[data-vendor="thinker"] details.reasoning')
    assert thinking.count() == len(HOSTILE) and thinking.first.get_attribute("open") is None
    assert "推論過程" in thinking.first.locator("summary").text_content()
    assert all(p in thinking.nth(i).text_content() for i, p in enumerate(HOSTILE)) or all(
        any(p in thinking.nth(i).text_content() for i in range(len(HOSTILE))) for p in HOSTILE
    )
    # the vendor's self-test view and the compressed embedding are just as inert
    from evalkit.analysis import aggregate
    from evalkit.pipeline import load_run, open_run
    from evalkit.report import render_report

    with open_run(work / "run") as store:
        criteria, suites, vendors = load_run(store)
        results, df = aggregate(store, criteria, suites, vendors)
        results.update(manifest=store.get_meta("manifest"), vendor_settings=store.get_meta("vendors"))
        packed = render_report(store, results, df, tmp_path / "packed.html", compress=True)
        single = render_report(store, results, df, tmp_path / "self.html", vendor="echo", compress=True)
    for path in (packed, single):
        assert 'id="item-data-gz"' in path.read_text(encoding="utf-8")
        page, errors, requests = _open(browser, path)
        assert errors == [] and requests == [] and page.evaluate("window.__pwned") is None
        body = page.locator("body").text_content()
        assert all(p in body for p in HOSTILE)


def test_print_is_a4_landscape_without_controls(browser, repo_run):
    out, _ = repo_run
    page, _, _ = _open(browser, out / "report.html")
    page.emulate_media(media="print")
    assert page.locator(".filters").is_hidden() and page.locator("nav.toc").is_hidden()
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = {tuple(round(float(x)) for x in m.split()) for m in re.findall(rb"/MediaBox \[([^\]]*)\]", pdf)}
    assert boxes == {(0, 0, 842, 595)}  # A4 landscape in points
    # the decision is printed (summary, gates, matrix), the item-level answers are not
    assert page.locator("#summary").is_visible() and page.locator("#matrix").is_visible()
    assert page.locator("#items").is_hidden() and page.locator("#suites").is_hidden()
    assert page.locator(".print-note").is_visible()
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages <= 40, pages  # 6 vendors and 40 suites: 33 today, 116 with every section printed


def test_a_failed_gate_links_to_the_items_behind_it(browser, repo_run):
    out, _ = repo_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    refuse = next(v for v in summary["vendors"] if v["id"] == "ref-refuse")
    assert refuse["failed_gates"]
    page, errors, _ = _open(browser, out / "report.html")
    link = page.locator('#ranking tr[data-vendor="ref-refuse"] a[data-goto-gate]').first
    gate_suites = set(link.get_attribute("data-goto-suites").split())
    link.click()
    expect(page.locator("#f-count")).to_contain_text("（ゲート「")
    assert _count(page) > 0
    shown = page.locator("#item-rows article.item").evaluate_all('els => els.map(e => e.dataset.item.split("/")[0])')
    assert shown and set(shown) <= gate_suites, (shown, gate_suites)
    assert errors == []


def test_japanese_text_renders_as_glyphs_not_boxes(browser, repo_run):
    """On a machine without a Japanese font every kanji is drawn as the same .notdef box: two
    different characters then give identical pixels. Draw them with the page's own font stack."""
    page, _, _ = _open(browser, repo_run[0] / "report.html")
    same = page.evaluate("""() => {
        const font = getComputedStyle(document.body).fontFamily;
        const draw = (ch) => {
            const c = document.createElement('canvas'); c.width = 48; c.height = 48;
            const ctx = c.getContext('2d'); ctx.font = '32px ' + font; ctx.fillStyle = '#000';
            ctx.fillText(ch, 4, 36);
            return Array.from(ctx.getImageData(0, 0, 48, 48).data).join(',');
        };
        return [['評', '価'], ['適', '合'], ['あ', 'ア']].map(([a, b]) => draw(a) === draw(b));
    }""")
    page.close()
    assert same == [False, False, False], (
        "Japanese characters render as identical boxes: no Japanese font is installed "
        "(scripts/test installs fonts-ipafont-gothic; see README)"
    )


def test_conversations_and_tool_calls_in_the_drill_down(browser, tmp_path):
    """A conversation shows each vendor's whole exchange (every user message and reply, in order), an
    answer's tool calls show as lines of text, a vendor without tool calling shows 対象外: all inert."""
    turns = "".join(f"      - user: {json.dumps(p)}\n" for p in HOSTILE[:3])
    conversation = (
        'id: talk\nversion: "1"\ntitle: 会話\ncriterion: leaf\n'
        "scorers: [{kind: contains, params: {values: [script]}}]\nitems:\n"
        f"  - id: c1\n    turns:\n{turns}"
    )
    tools = (
        'id: tooling\nversion: "1"\ntitle: ツール\ncriterion: leaf\nprompt: "{{ q }}"\n'
        "tools:\n  - name: book_room\n    description: 会議室を予約する\n"
        "    parameters: {type: object, properties: {note: {type: string}}, required: [note]}\n"
        "scorers: [{kind: tool_call, params: {call: book_room, arguments: {note: "
        + json.dumps(HOSTILE[1])
        + "}}}]\nitems:\n  - {id: t1, vars: {q: 予約して}}\n"
    )
    work = make_workspace(
        tmp_path / "w",
        {"talk": conversation, "tooling": tools},
        {
            "e": "id: echo\nname: 復唱\nprovider: reference\nmodel: echo\n",
            "o": "id: oracle\nname: 参照\nprovider: reference\nmodel: oracle\n",
            "n": "id: plain\nname: ツールなし\nprovider: reference\nmodel: oracle\ntools: false\n",
        },
    )
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    page, errors, requests = _open(browser, work / "run" / "report.html")
    assert errors == [] and requests == [] and page.evaluate("window.__pwned") is None
    page.fill("#f-text", "c1")
    expect(page.locator("#item-rows article.item")).to_have_count(1)
    exchange = page.locator('[data-item="talk/c1"] [data-vendor="echo"] .turn')
    expect(exchange).to_have_count(3)
    for n, payload in enumerate(HOSTILE[:3]):  # each user message, then the echo's reply: both as text
        assert exchange.nth(n).locator("pre.asked").text_content() == payload
        assert exchange.nth(n).locator("pre.content").text_content() == payload
    assert page.locator('[data-item="talk/c1"] .prompt .slot').count() == 3
    page.fill("#f-text", "")
    expect(page.locator("#item-rows article.item")).to_have_count(2)
    call = page.locator('[data-item="tooling/t1"] [data-vendor="oracle"] pre.content')
    expect(call).to_contain_text("ツール book_room を呼び出し")
    assert json.dumps(HOSTILE[1], ensure_ascii=False) in call.text_content()  # the arguments as sent
    assert page.locator('[data-not-applicable="tooling:plain"]').count() == 1
    assert page.locator("#item-rows img, #item-rows svg, #item-rows script").count() == 0
    assert page.evaluate("window.__pwned") is None
