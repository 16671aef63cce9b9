"""The report in a real browser: loads offline, filters work, hostile answers stay text."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SMALL_CRITERIA, evalkit, make_workspace

CHROMIUM = "/usr/bin/chromium"
HOSTILE = [
    "<script>window.__pwned = 1</script>",
    "<img src=x onerror=\"window.__pwned = 2\">",
    "</script><script>window.__pwned = 3</script>",
    "{{ 7 * 7 }} {% raw %}{{ config }}{% endraw %}",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def _open(browser, report: Path):
    page = browser.new_page()
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    return page, errors, requests


def test_report_loads_offline_and_filters(browser, repo_run):
    out, _ = repo_run
    page, errors, requests = _open(browser, out / "report.html")
    assert errors == [] and requests == []
    assert page.locator("h1").inner_text() == "evalkit 評価レポート"


def test_filters_and_search_change_visible_rows(browser, tmp_path):
    # oracle passes everything and refuse passes the should-decline items: some rows pass for all
    proc = evalkit("run", "--vendor", "ref-oracle", "--vendor", "ref-refuse", "--out", str(tmp_path / "r"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    page, errors, _ = _open(browser, tmp_path / "r" / "report.html")
    assert errors == []
    total = page.locator("details.item").count()
    failed = page.locator('details.item[data-failed="1"]').count()
    assert 0 < failed < total
    page.check("#f-failed")
    assert page.locator("details.item:visible").count() == failed
    assert page.locator('details.item[data-failed="0"]:visible').count() == 0
    page.uncheck("#f-failed")
    assert page.locator("details.item:visible").count() == total
    item_id = page.locator("details.item summary code").first.inner_text()
    page.fill("#f-text", item_id)
    assert page.locator("details.item:visible").count() >= 1
    assert page.locator("#f-count").inner_text().startswith(f"{page.locator('details.item:visible').count()} / ")
    page.fill("#f-text", "この文字列はどこにも無いはず")
    assert page.locator("details.item:visible").count() == 0


def test_hostile_answers_are_inert_text(browser, tmp_path):
    items = "\n".join(f"  - id: h{i}\n    vars: {{q: {payload!r}}}\n    reference: 安全" for i, payload in enumerate(HOSTILE))
    suite = ("id: hostile\nversion: \"1\"\ntitle: \"<script>window.__pwned = 9</script>\"\ncriterion: leaf\n"
             "prompt: \"{{ q }}\"\nscorers: [{kind: exact}]\nitems:\n" + items + "\n")
    work = make_workspace(tmp_path / "w", {"h": suite},
                          {"e": "id: echo\nname: \"<i>Echo</i>\"\nprovider: reference\nmodel: echo\n"},
                          criteria=SMALL_CRITERIA.replace("title: 葉", 'title: "<b>葉</b>"'))
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    page, errors, requests = _open(browser, work / "run" / "report.html")
    assert errors == [] and requests == []
    assert page.evaluate("window.__pwned") is None
    body = page.locator("body").text_content()
    for payload in HOSTILE[:3]:
        assert payload in body  # shown as text, not markup
    assert "<i>Echo</i>" in body and page.locator("i", has_text="Echo").count() == 0
    assert "<b>葉</b>" in body and page.locator("b", has_text="葉").count() == 0
    assert page.locator("img").count() == 0

