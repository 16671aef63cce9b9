"""Conversation items: turns sent one by one through the runner (the model's own replies kept in the
history, fixed assistant turns written in), every turn stored, resume at the first unanswered turn, a
verdict over the turns."""

from __future__ import annotations

import json
import sqlite3

from conftest import evalkit, make_workspace

HEAD = 'id: conv\nversion: "1"\ntitle: 会話\ncriterion: leaf\nsystem_prompt: みなと野市の窓口案内です。\n'
SUITE = HEAD + (
    "scorers: [{kind: contains, params: {values: [東区]}}]\n"
    "items:\n"
    "  - id: c1\n"
    "    vars: {town: 西区}\n"
    "    turns:\n"
    "      - user: '{{ town }}に住んでいます。粗大ごみの収集日は？'\n"
    "        scorers: [{kind: contains, params: {values: [西区]}}]\n"
    "      - user: 失礼しました、住まいは東区でした。改めて教えてください。\n"
    "    probes:\n"
    "      - {expect: pass, replies: [西区は第1月曜です。, 東区は第3月曜です。]}\n"
    "      - {expect: fail, replies: [西区は第1月曜です。, 西区は第1月曜です。], why: 訂正を無視}\n"
    "      - {expect: fail, replies: [区によって異なります。, 東区は第3月曜です。], why: 第1応答が不十分}\n"
    "  - id: c2\n"
    "    turns:\n"
    "      - user: 例1\n"
    "      - assistant: 回答1\n"
    "      - user: 東区の窓口は？\n"
)
ORACLE = "id: oracle\nname: 参照\nprovider: reference\nmodel: oracle\n"
ECHO = "id: echo\nname: 復唱\nprovider: reference\nmodel: echo\n"


def _db(work):
    return sqlite3.connect(work / "run" / "store.sqlite")


def test_a_conversation_is_sent_turn_by_turn_with_the_models_own_replies(tmp_path):
    work = make_workspace(tmp_path / "w", {"conv": SUITE}, {"oracle": ORACLE, "echo": ECHO})
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    db = _db(work)
    turns = db.execute(
        "SELECT r.vendor_id, r.item_id, t.turn, t.response FROM turns t JOIN requests r USING (key) ORDER BY 1, 2, 3"
    ).fetchall()
    got = {(v, i, n): json.loads(resp)["content"] for v, i, n, resp in turns}
    # echo repeats the last user message of each turn: turn 2 was sent after turn 1's reply
    assert got[("echo", "c1", 1)] == "西区に住んでいます。粗大ごみの収集日は？"
    assert got[("echo", "c1", 2)] == "失礼しました、住まいは東区でした。改めて教えてください。"
    assert got[("echo", "c2", 1)] == "東区の窓口は？"  # the fixed assistant reply is not a turn
    verdicts = dict(
        db.execute(
            "SELECT r.vendor_id || '/' || r.item_id, MIN(s.passed) FROM scores s JOIN requests r USING (key) GROUP BY 1"
        ).fetchall()
    )
    assert verdicts["oracle/c1"] == 1 and verdicts["oracle/c2"] == 1
    assert verdicts["echo/c1"] == 1  # echo's replies contain the districts asked about
    db.close()
