"""A review session end to end in a real browser (Debian's chromium driven by Playwright): two reviewers
rate the same queue (one of them through the real ``evalkit review`` process, the keyboard shortcuts
for most decisions), they disagree on one answer, an adjudicator resolves it; then ``evalkit report``
shows the human verdicts, ``evalkit verify`` passes, and an edited log entry makes it exit 4."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import clean_env, evalkit
from playwright.sync_api import expect
from test_review import build

from evalkit.review.app import ReviewServer
from evalkit.review.session import Options, Session

CHROMIUM = "/usr/bin/chromium"


def _review_process(run: Path, reviewer: str) -> subprocess.Popen:
    """``evalkit review RUN --no-browser --port 0`` as a user starts it (it starts while the test goes on)."""
    return subprocess.Popen(
        [sys.executable, "-m", "evalkit", "review", str(run), "--reviewer", reviewer, "--sample", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=clean_env(),
    )


def _url(proc: subprocess.Popen) -> str:
    """The URL the process printed."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("review at: "):
            return line.split("review at: ", 1)[1].strip()
    pytest.fail(f"evalkit review printed no URL: {proc.stderr.read() if proc.stderr else ''}")


def _decide(page, key: str, reason: str) -> None:
    page.keyboard.press(key)  # p / f: chooses, and moves to the reason
    expect(page.locator("#reason")).to_be_focused()
    page.keyboard.type(reason)
    page.keyboard.press("Enter")


def test_two_reviewers_and_an_adjudicator_change_the_report_and_the_chain_verifies(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does this)")
    from playwright.sync_api import sync_playwright

    run = build(tmp_path / "w")
    suzuki = _review_process(run, "鈴木")
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            # reviewer 1 (in process): the queue is the judge-routed answer and the failed critical item
            sato = Session(run, Options(reviewer="佐藤", sample=0))
            assert [q.unit for q in sato.queue] == [("open", "o1", "ref"), ("qa", "q1", "ref")]
            with ReviewServer(sato) as server:
                page.goto(server.url)
                expect(page.locator("#progress")).to_have_text("2 件中 0 件を判定済み。")
                page.keyboard.press("j")  # to the first answer not yet rated
                expect(page.locator("#position")).to_have_text("1 / 2")
                expect(page.locator("#prompt")).to_contain_text("転入届の期限を説明してください")
                expect(page.locator("#reference")).to_contain_text('<img src=x onerror="window.__pwned = 1">14日以内')
                assert page.evaluate("window.__pwned") is None  # suite text (and answers) are only text
                page.keyboard.press("p")
                page.keyboard.press("Enter")  # no reason: refused, nothing recorded
                expect(page.locator("#error")).to_contain_text("理由を入力してください")
                assert sato.log() == []
                _decide(page, "f", "期限（14日以内）を答えていない")
                expect(page.locator("#saved")).to_have_text("1 番の判定を記録しました。")
                expect(page.locator("#position")).to_have_text("2 / 2")
                _decide(page, "p", "佐藤の理由: 東京と読める")
                expect(page.locator("#progress")).to_have_text("2 件中 2 件を判定済み。")

            # reviewer 2 (the evalkit review process): sees none of reviewer 1's ratings
            page.goto(_url(suzuki))
            page.locator("#queue a").first.click()
            expect(page.locator("#answers")).to_contain_text("申し訳ありません")
            assert "佐藤の理由" not in page.content()
            page.locator("#v-fail").check()
            page.locator("#reason").fill("回答していない")
            page.locator("#save").click()
            expect(page.locator("#position")).to_have_text("2 / 2")
            assert "佐藤の理由" not in page.content()
            _decide(page, "f", "首都を答えていない")  # disagrees with reviewer 1
            expect(page.locator("#progress")).to_have_text("2 件中 2 件を判定済み。")

            # the adjudicator sees both ratings of the disputed answer and decides
            yamada = Session(run, Options(reviewer="山田", adjudicate=True))
            assert [q.unit for q in yamada.queue] == [("qa", "q1", "ref")]
            with ReviewServer(yamada) as server:
                page.goto(server.url)
                page.keyboard.press("j")
                ratings = page.locator("#ratings")
                expect(ratings).to_contain_text("佐藤の理由: 東京と読める")
                expect(ratings).to_contain_text("首都を答えていない")
                expect(page.locator("#current")).to_contain_text("未裁定")
                _decide(page, "p", "裁定: 合格とする<script>window.__pwned = 2</script>")
                expect(page.locator("#queue")).to_contain_text("裁定 合格")
                assert page.evaluate("window.__pwned") is None
            browser.close()
    finally:
        suzuki.send_signal(signal.SIGINT)
        out, err = suzuki.communicate(timeout=30)
    assert suzuki.returncode == 0, err
    assert "review stopped (鈴木 recorded 2 decisions)" in out
    assert [e for e in errors if "status of 400" not in e] == []  # (the refused empty reason is a 400)

    proc = evalkit("report", str(run))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    human = summary["human_review"]
    assert human["counts"]["adjudicated"] == 1 and human["counts"]["agreed"] == 1 and human["counts"]["disputed"] == 0
    assert human["reviewers"] == ["佐藤", "鈴木"] and human["adjudicators"] == ["山田"]
    ref = next(v for v in summary["vendors"] if v["id"] == "ref")
    assert ref["verdict"] == "適合"  # its only critical failure was overruled
    html = (run / "report.html").read_text(encoding="utf-8")
    assert 'data-human="qa/q1/ref"' in html and 'id="human-applied"' in html
    assert "裁定: 合格とする&lt;script&gt;window.__pwned = 2&lt;/script&gt;" in html
    assert "<script>window.__pwned" not in html
    ok = evalkit("verify", str(run))
    assert ok.returncode == 0, ok.stdout + ok.stderr

    db = sqlite3.connect(run / "store.sqlite")
    db.execute("UPDATE reviews SET passed = 1 - passed WHERE seq = 4")  # 鈴木's disagreement, quietly reversed
    db.commit()
    db.close()
    bad = evalkit("verify", str(run))
    assert bad.returncode == 4 and "entry seq 4 breaks the hash chain" in bad.stdout, bad.stdout
