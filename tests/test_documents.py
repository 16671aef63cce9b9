"""Items with documents (retrieval passages): in the user message or as a search tool's result, from
the suite file or from text files beside it; scorers count them as what the model was shown."""

from __future__ import annotations

import json
import sqlite3

from conftest import evalkit, make_workspace

HEAD = 'id: rag\nversion: "1"\ntitle: 資料\ncriterion: leaf\n'
ITEM = (
    "items:\n"
    "  - id: r1\n"
    "    vars: {q: 資源物の収集日は？}\n"
    "    reference: 毎週水曜日です。\n"
    "    documents:\n"
    "      - {title: 資源物の出し方, text: 資源物は毎週水曜日に収集します。, source: みなと野市お知らせ}\n"
    "      - {title: 粗大ごみ, file: docs/sodai.txt}\n"
)
ORACLE = "id: oracle\nname: 参照\nprovider: reference\nmodel: oracle\n"
ECHO = "id: echo\nname: 復唱\nprovider: reference\nmodel: echo\n"


def _workspace(tmp_path, suite: str):
    work = make_workspace(tmp_path / "w", {"rag": suite}, {"oracle": ORACLE, "echo": ECHO})
    (work / "suites" / "docs").mkdir()
    (work / "suites" / "docs" / "sodai.txt").write_text("粗大ごみは申込制で、月に一度収集します。\n", encoding="utf-8")
    return work


def _sent(work) -> dict[str, tuple[list, dict]]:
    db = sqlite3.connect(work / "run" / "store.sqlite")
    rows = db.execute("SELECT vendor_id, messages, params FROM requests").fetchall()
    db.close()
    return {v: (json.loads(m), json.loads(p)) for v, m, p in rows}


def _scores(work) -> dict[str, int]:
    db = sqlite3.connect(work / "run" / "store.sqlite")
    rows = db.execute("SELECT r.vendor_id, MIN(s.passed) FROM scores s JOIN requests r USING (key) GROUP BY 1")
    out = dict(rows.fetchall())
    db.close()
    return out


def _run(work) -> None:
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr


def test_documents_come_before_the_question_in_the_user_message(tmp_path):
    suite = HEAD + 'prompt: "{{ q }}"\nscorers: [{kind: contains, params: {values: [水曜]}}]\n' + ITEM
    work = _workspace(tmp_path, suite)
    _run(work)
    messages, params = _sent(work)["oracle"]
    (user,) = messages
    assert user["content"] == (
        "【検索結果】\n\n[資料1] 資源物の出し方（みなと野市お知らせ）\n資源物は毎週水曜日に収集します。\n\n"
        "[資料2] 粗大ごみ\n粗大ごみは申込制で、月に一度収集します。\n\n資源物の収集日は？"
    )
    assert "tools" not in params
    # the echo model repeats the passages: its answer contains 水曜 and is a copy of the input, as always
    assert _scores(work)["oracle"] == 1


def test_a_prompt_places_the_documents_itself(tmp_path):
    prompt = 'prompt: "次の資料だけを根拠に答えてください。\\n{{ documents }}\\n質問: {{ q }}"\n'
    work = _workspace(tmp_path, HEAD + prompt + "scorers: [{kind: contains, params: {values: [水曜]}}]\n" + ITEM)
    _run(work)
    (user,) = _sent(work)["oracle"][0]
    assert user["content"].startswith("次の資料だけを根拠に答えてください。\n【検索結果】")
    assert user["content"].count("【検索結果】") == 1 and user["content"].endswith("質問: 資源物の収集日は？")


def test_documents_as_the_result_of_a_search_the_assistant_made(tmp_path):
    suite = HEAD + 'documents_as: tool\nprompt: "{{ q }}"\nscorers: [{kind: contains, params: {values: [水曜]}}]\n'
    work = _workspace(tmp_path, suite + ITEM)
    _run(work)
    messages, params = _sent(work)["oracle"]
    user, call, result = messages
    assert user == {"role": "user", "content": "資源物の収集日は？"}
    (tool_call,) = call["tool_calls"]
    assert call["role"] == "assistant" and call["content"] is None
    assert tool_call["function"]["name"] == "search_documents"
    assert json.loads(tool_call["function"]["arguments"]) == {"query": "資源物の収集日は？"}
    assert result["role"] == "tool" and result["tool_call_id"] == tool_call["id"]
    passages = json.loads(result["content"])["results"]
    assert [p["title"] for p in passages] == ["資源物の出し方", "粗大ごみ"] and "月に一度" in passages[1]["text"]
    assert params["tool_choice"] == "none" and params["tools"][0]["function"]["name"] == "search_documents"
    assert _scores(work)["oracle"] == 1
    report = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert "ツール search_documents を呼び出し" in report  # the drill-down shows the exchange


def test_scorers_read_the_documents_as_sources(tmp_path):
    scorers = "scorers: [{kind: claims, params: {sources: [documents], required: [水曜]}}]\n"
    work = _workspace(tmp_path, HEAD + 'prompt: "{{ q }}"\n' + scorers + ITEM)
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 0, proc.stderr


def test_a_missing_document_file_is_an_error_at_its_line(tmp_path):
    suite = HEAD + 'prompt: "{{ q }}"\nscorers: [{kind: contains}]\n' + ITEM.replace("sodai.txt", "none.txt")
    work = _workspace(tmp_path, suite)
    proc = evalkit("validate", cwd=work)
    line = 1 + suite.splitlines().index(next(row for row in suite.splitlines() if "none.txt" in row))
    assert proc.returncode == 2 and f"rag.yaml:{line}" in proc.stderr and "none.txt" in proc.stderr, proc.stderr
    both = (
        HEAD
        + 'prompt: "{{ q }}"\nscorers: [{kind: contains}]\n'
        + ITEM.replace("{title: 粗大ごみ, file: docs/sodai.txt}", "{title: 粗大ごみ}")
    )
    (work / "suites" / "rag.yaml").write_text(both, encoding="utf-8")
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 2 and "text" in proc.stderr, proc.stderr


def test_a_sealed_suite_reads_no_document_file(tmp_path):
    from evalkit.config.loader import load_model, read_documents
    from evalkit.config.suite import Suite

    suite = HEAD + 'prompt: "{{ q }}"\nscorers: [{kind: contains}]\n' + ITEM
    work = _workspace(tmp_path, suite)
    loaded, issues = load_model(work / "suites" / "rag.yaml", Suite)
    assert loaded is not None and not issues
    (problem,) = read_documents(loaded, sealed=True)
    assert problem.line == 1 + suite.splitlines().index("      - {title: 粗大ごみ, file: docs/sodai.txt}")
    assert loaded.model.items[0].documents[1].text is None  # nothing was read
