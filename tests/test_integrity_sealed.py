"""Sealed suites: seal -> run -> report with no plaintext on disk; wrong keys and modified files fail
with one line and exit 2; --public never shows sealed text, --reveal does (with the key)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import clean_env, evalkit, make_workspace, read_yaml

from evalkit.config.suite import Suite
from evalkit.reference import EmbeddedServer, build_answer_book

PASSPHRASE = "correct horse battery staple 2026"
RAW_KEY = "3f" * 32
# Distinctive texts that exist only inside the sealed suite (no vendor answer repeats them: the
# oracle answers the choice letter, the refuse model a refusal).
SECRETS = {
    "description": "極秘の説明ミカヅキモ",
    "system": "機密システム指示クジャクヤママユ",
    "question": "当日限定の設問ヒメジョオンの花弁",
    "question2": "当日限定の設問ツユクサの色",
    "note": "作問者メモ・オオイヌノフグリ",
    "probe": "既知解答ムラサキケマンの根拠",
    "canary": "evalkit-canary:7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
}
# The expected phrase of a contains scorer: the oracle answers with it, so it is in the stored
# responses (the evidence), but nowhere else in the store.
PHRASE = "ハナニラの咲く時期"
SEALED_SUITE = f"""\
id: dot.secret
version: "1.0.0"
title: 当日試験（封印テスト）
criterion: leaf
description: {SECRETS["description"]}
canary: {SECRETS["canary"]}
publish: false
system_prompt: {SECRETS["system"]}
prompt: "{{{{ question }}}}\\n{{{{ choices }}}}"
scorers: [{{kind: choice}}]
items:
  - id: dot-01
    tags: [当日, 難易度:易]
    critical: true
    vars: {{question: {SECRETS["question"]}は何枚か, choices: "a 1\\nb 2\\nc 3\\nd 4"}}
    reference: b
    note: {SECRETS["note"]}
    probes:
      - {{expect: pass, text: "正解は b です（{SECRETS["probe"]}）。"}}
      - {{expect: fail, text: "a"}}
      - {{expect: fail, text: "答えは d の4枚です。"}}
  - id: dot-02
    vars: {{question: {SECRETS["question2"]}は何か, choices: "a 赤\\nb 青\\nc 黄\\nd 白"}}
    reference: b
  - id: dot-03
    vars: {{question: 次の語を含めて答えてください。, choices: ""}}
    reference: {PHRASE}
    scorers:
      - kind: contains
        params: {{values: ["{PHRASE}"]}}
"""
OPEN_SUITE = """\
id: open.plain
version: "1.0.0"
title: 公開テスト
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: p1, vars: {q: 日本の首都は}, reference: 東京}
"""
# acme-gov is reached over HTTP like any real vendor (its answers are evidence, kept in the store): the
# embedded reference vendors' echo and oracle are never sent a sealed item (tests/test_sealed_plaintext.py).
VENDORS = {
    "oracle": "id: acme-gov\nname: アクメ行政AI\nprovider: openai\nbase_url: ${ACME_BASE_URL}\nmodel: oracle\n"
    "publish: true\n",
    "refuse": "id: beta-llm\nname: ベータ言語モデル\nprovider: reference\nmodel: refuse\npublish: true\n",
}


def serve(*suites: str) -> EmbeddedServer:
    """acme-gov's endpoint on 127.0.0.1: the oracle, answering each item of ``suites`` (YAML texts)."""
    return EmbeddedServer(build_answer_book([Suite.model_validate(read_yaml(text)) for text in suites])).start()


@pytest.fixture(scope="module", autouse=True)
def acme_endpoint():
    server = serve(SEALED_SUITE, OPEN_SUITE)
    os.environ["ACME_BASE_URL"] = server.base_url  # clean_env() passes it on to every command
    yield server
    os.environ.pop("ACME_BASE_URL", None)
    server.stop()


def env(**extra: str) -> dict:
    return clean_env(SUITE_KEY=PASSPHRASE, **extra)


def seal_workspace(root: Path, key: str = PASSPHRASE, *extra: str) -> Path:
    work = make_workspace(root, {"secret": SEALED_SUITE, "open": OPEN_SUITE}, VENDORS)
    proc = evalkit(
        "seal", "suites/secret.yaml", "--key-env", "SUITE_KEY", *extra, cwd=work, env=clean_env(SUITE_KEY=key)
    )
    assert proc.returncode == 0, proc.stderr
    assert "sealed suites/secret.yaml -> suites/secret.sealed" in proc.stdout
    (work / "suites" / "secret.yaml").unlink()  # the evaluator keeps the plaintext elsewhere
    return work


def scan(folder: Path) -> dict[str, list[str]]:
    """Every file under ``folder`` (SQLite store, WAL, exports, reports), as raw bytes, for each secret."""
    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for name, text in SECRETS.items():
            if text.encode("utf-8") in data:
                found.setdefault(name, []).append(str(path.relative_to(folder)))
    return found


@pytest.fixture(scope="module")
def sealed_run(tmp_path_factory):
    work = seal_workspace(tmp_path_factory.mktemp("sealed") / "w")
    # scored and reported by the helper process (evalkit/finisher.py): the plaintext reaches it by pipe only
    proc = evalkit(
        "run", "--out", "run", cwd=work, env=env(EVALKIT_FINISH_HELPER="on", EVALKIT_TIMINGS=str(work / "t"))
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((work / "t").read_text(encoding="utf-8"))["finish"] == "helper"
    return work, proc


def test_sealed_file_has_a_clear_authenticated_header(sealed_run):
    work, _ = sealed_run
    lines = (work / "suites" / "secret.sealed").read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("#evalkit-sealed-suite/1")
    header = json.loads(lines[1])
    assert {k: header[k] for k in ("suite", "version", "items", "criterion", "format", "key_env")} == {
        "suite": "dot.secret",
        "version": "1.0.0",
        "items": 3,
        "criterion": "leaf",
        "format": 1,
        "key_env": "SUITE_KEY",
    }
    assert header["kdf"]["name"] == "scrypt" and header["kdf"]["salt"] and header["cipher"] == "AES-256-GCM"
    assert not scan(work / "suites")  # the sealed file itself holds no plaintext


def test_run_writes_no_sealed_text_anywhere(sealed_run):
    work, proc = sealed_run
    assert "pre-registration sha256:" in proc.stderr
    assert scan(work / "run") == {}
    db = sqlite3.connect(work / "run" / "store.sqlite")
    # the store keeps item ids, tags and keyed digests, and the responses
    messages = [json.loads(m) for (m,) in db.execute("SELECT messages FROM requests WHERE suite_id = 'dot.secret'")]
    assert messages and all(
        m["content"] == "〔封印〕" and m["digest"].startswith("hmac-sha256:") for msgs in messages for m in msgs
    )
    suites = json.loads(db.execute("SELECT value FROM meta WHERE key = 'suites'").fetchone()[0])
    sealed = next(s for s in suites if s["id"] == "dot.secret")
    assert [it["id"] for it in sealed["items"]] == ["dot-01", "dot-02", "dot-03"]
    assert sealed["items"][0]["tags"] == ["当日", "難易度:易"] and sealed["items"][0]["critical"] is True
    for table, column in (("meta", "value"), ("requests", "messages"), ("scores", "explanation"), ("scores", "detail")):
        assert not db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} LIKE ?", (f"%{PHRASE}%",)).fetchone()[0]
    assert db.execute("SELECT COUNT(*) FROM responses WHERE content LIKE ?", (f"%{PHRASE}%",)).fetchone()[0] == 1
    record = json.loads(db.execute("SELECT value FROM meta WHERE key = 'sealed'").fetchone()[0])["dot.secret"]
    assert set(record["items"]) == {"dot-01", "dot-02", "dot-03"}
    prereg = json.loads(db.execute("SELECT value FROM meta WHERE key = 'preregistration'").fetchone()[0])
    entry = prereg["suites"]["dot.secret"]
    assert entry["sealed"] and entry["ciphertext_sha256"] == record["ciphertext_sha256"]
    assert entry["plaintext_sha256"] == record["plaintext_sha256"]
    # scoring used the plaintext: the oracle passes every sealed item, the refusals fail
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    suite = next(s for s in summary["suites"] if s["id"] == "dot.secret")
    assert suite["vendors"]["acme-gov"]["n_passed"] == 3 and suite["vendors"]["beta-llm"]["n_passed"] == 0
    assert suite["description"] == ""


def test_report_variants_and_reveal(sealed_run):
    work, _ = sealed_run
    full = (work / "run" / "report.html").read_text(encoding="utf-8")
    assert "封印されたスイート" in full and "prereg-digest" in full
    public = evalkit("report", "run", "--public", cwd=work, env=env())
    assert public.returncode == 0, public.stderr
    assert scan(work / "run") == {}  # nothing so far shows sealed text
    both = evalkit("report", "run", "--public", "--reveal", cwd=work, env=env())
    assert both.returncode == 2 and "exclude each other" in both.stderr
    revealed = evalkit("report", "run", "--reveal", cwd=work, env=env())
    assert revealed.returncode == 0, revealed.stderr
    assert "do not publish" in revealed.stderr
    text = (work / "run" / "report-revealed.html").read_text(encoding="utf-8")
    for name in ("question", "question2", "system"):
        assert SECRETS[name] in text, name
    assert "正解（b）" in text  # the scorer's explanation, rebuilt in memory
    (work / "run" / "report-revealed.html").unlink()
    assert scan(work / "run") == {}


def test_report_and_score_need_the_key(sealed_run):
    work, _ = sealed_run
    for verb in ("report", "score"):
        proc = evalkit(verb, "run", cwd=work, env=clean_env())
        assert proc.returncode == 2
        assert proc.stderr.strip() == (
            "evalkit: error: suites/secret.sealed: environment variable SUITE_KEY is not "
            "set (it must hold the suite key)"
        )
    wrong = evalkit("score", "run", cwd=work, env=clean_env(SUITE_KEY="not the passphrase at all"))
    assert wrong.returncode == 2 and "wrong key" in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
    ok = evalkit("score", "run", cwd=work, env=env())
    assert ok.returncode == 0, ok.stderr
    assert scan(work / "run") == {}


def test_wrong_key_fails_with_one_line(tmp_path):
    work = seal_workspace(tmp_path / "w")
    for verb in (("validate", "suites", "vendors"), ("run", "--out", "run")):
        proc = evalkit(*verb, cwd=work, env=clean_env(SUITE_KEY="this is not the right passphrase"))
        assert proc.returncode == 2, proc.stdout
        assert proc.stderr.strip() == (
            "evalkit: error: suites/secret.sealed: wrong key: SUITE_KEY does not open "
            "this sealed suite (or its header was modified)"
        )
    assert not (work / "run" / "store.sqlite").exists()
    ok = evalkit("validate", "suites", "vendors", cwd=work, env=env())
    assert ok.returncode == 0 and ok.stdout.startswith("ok: ") and "2 suites (4 items)" in ok.stdout
    other = evalkit("validate", "suites", "vendors", "--key-env", "OTHER", cwd=work, env=clean_env(OTHER=PASSPHRASE))
    assert other.returncode == 0, other.stderr


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["header-value", "header-syntax", "ciphertext", "last-byte-of-body", "marker"])
def test_a_flipped_byte_anywhere_is_refused(tmp_path, where):
    work = seal_workspace(tmp_path / "w")
    sealed = work / "suites" / "secret.sealed"
    text = sealed.read_bytes()
    line1 = text.index(b"\n") + 1
    line2 = text.index(b"\n", line1) + 1
    offsets = {
        "header-value": text.index(b'"version":"1.0.0"') + len(b'"version":"1.0.'),  # 1.0.0 -> 1.0.1
        "header-syntax": line1,  # the opening brace
        "ciphertext": line2 + 10,
        "last-byte-of-body": len(text) - 2,
        "marker": 3,
    }
    _flip(sealed, offsets[where])
    proc = evalkit("run", "--out", "run", cwd=work, env=env())
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("evalkit: error: suites/secret.sealed: "), proc.stderr
    assert any(word in lines[0] for word in ("modified", "damaged", "wrong key")), lines[0]
    assert "Traceback" not in proc.stderr


def test_raw_hex_key_and_key_env_override(tmp_path):
    work = seal_workspace(tmp_path / "w", RAW_KEY)
    header = json.loads((work / "suites" / "secret.sealed").read_text(encoding="utf-8").split("\n")[1])
    assert header["kdf"] == {"name": "raw"}
    proc = evalkit("run", "--out", "run", "--key-env", "DAY_KEY", "-q", cwd=work, env=clean_env(DAY_KEY=RAW_KEY))
    assert proc.returncode == 0, proc.stderr
    assert scan(work / "run") == {}
    # a passphrase where a raw key is expected is a wrong key
    bad = evalkit("validate", cwd=work, env=clean_env(SUITE_KEY=PASSPHRASE))
    assert bad.returncode == 2 and "does not hold a raw 32-byte key" in bad.stderr


def test_seal_refuses_a_short_passphrase_and_an_unset_key(tmp_path):
    work = make_workspace(tmp_path / "w", {"secret": SEALED_SUITE}, VENDORS)
    short = evalkit("seal", "suites/secret.yaml", "--key-env", "K", cwd=work, env=clean_env(K="short"))
    assert short.returncode == 2 and "shorter than 16 characters" in short.stderr
    unset = evalkit("seal", "suites/secret.yaml", "--key-env", "K", cwd=work, env=clean_env())
    assert unset.returncode == 2 and "K is not set" in unset.stderr


def test_judged_sealed_suite_keeps_judge_prompts_out_of_the_store(tmp_path):
    suite = """\
id: judged.secret
version: "1"
title: 封印・判定者
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: judge}]
items:
  - id: j1
    vars: {q: 封印された質問ワレモコウの咲く季節を説明してください。}
    reference: 秋に咲きます。
    meta: {rubric: 秋と答えていること（ワレモコウ基準）。}
"""
    vendors = {**VENDORS, "judge": "id: judge-one\nname: 判定者\ncategory: judge\nprovider: reference\nmodel: judge\n"}
    work = make_workspace(tmp_path / "w", {"secret": suite}, vendors)
    assert evalkit("seal", "suites/secret.yaml", "--key-env", "SUITE_KEY", cwd=work, env=env()).returncode == 0
    (work / "suites" / "secret.yaml").unlink()
    server = serve(suite)
    try:
        proc = evalkit(
            "run", "--out", "run", "--judge", "judge-one", "-q", cwd=work, env=env(ACME_BASE_URL=server.base_url)
        )
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr
    for path in (work / "run").rglob("*"):
        if path.is_file():
            assert "ワレモコウ".encode() not in path.read_bytes(), path
    db = sqlite3.connect(work / "run" / "store.sqlite")
    stored = [json.loads(m) for (m,) in db.execute("SELECT messages FROM judge_requests")]
    # one judge request: the other answer is the reference answer itself, decided without a judge
    assert len(stored) == 1 and all(m["content"] == "〔封印〕" for msgs in stored for m in msgs)
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    cells = summary["suites"][0]["vendors"]
    assert cells["acme-gov"]["n_passed"] == 1 and cells["beta-llm"]["n_passed"] == 0  # judged on the real text


def test_self_check_scores_sealed_probes_with_the_key(sealed_run):
    work, _ = sealed_run
    proc = evalkit(
        "validate", "--self-check", "suites/secret.sealed", "--criteria", "suites/criteria.yaml", cwd=work, env=env()
    )
    assert proc.returncode == 0, proc.stderr
    row = next(line.split() for line in proc.stdout.splitlines() if line.startswith("dot.secret "))
    assert row[2:5] == ["3", "3", "0"]  # probes right wrong
    assert SECRETS["probe"] not in proc.stdout + proc.stderr


def test_prereg_digest_without_the_key_equals_the_runs(sealed_run):
    work, proc = sealed_run
    db = sqlite3.connect(work / "run" / "store.sqlite")
    digest = json.loads(db.execute("SELECT value FROM meta WHERE key = 'preregistration'").fetchone()[0])["digest"]
    assert f"pre-registration sha256:{digest} " in proc.stderr
    keyless = evalkit("prereg", cwd=work, env=clean_env())  # anyone can recompute it from the sealed header
    assert keyless.returncode == 0, keyless.stderr
    assert keyless.stdout.startswith(f"pre-registration sha256:{digest} ") and "(1 sealed)" in keyless.stdout


def test_a_sealed_suite_leaves_nothing_in_the_cache(tmp_path):
    # evalkit/cache.py keeps clean suite checks by a digest of the suite: never for a sealed one
    work = seal_workspace(tmp_path / "w")
    where = tmp_path / "cache"
    for _ in range(2):
        proc = evalkit("validate", cwd=work, env=env(EVALKIT_CACHE_DIR=str(where)))
        assert proc.returncode == 0, proc.stderr
        # (its verdict is not the point here: that both suites' checks ran, the counts below show)
        evalkit("validate", "--self-check", cwd=work, env=env(EVALKIT_CACHE_DIR=str(where)))
    for kind in ("suite-check", "self-check", "probe-check"):  # the open suite's only
        assert len(list(where.glob(f"{kind}-*.json"))) == 1, kind
    assert not list(where.glob("near-duplicates-*.json"))  # a check over both suites, one of them sealed
    assert scan(where) == {}
