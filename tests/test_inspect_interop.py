"""Inspect interop: `evalkit export inspect` writes logs inspect_ai's own reader opens (every sample,
input, target, answer, score and usage as the store has them); `evalkit import inspect` turns a log
written with inspect_ai's own classes into a suite that validates and runs; export -> import keeps
the items."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import clean_env, evalkit, make_workspace, read_yaml

inspect_log = pytest.importorskip("inspect_ai.log")

CHOICE = """\
id: ichoice
version: "1.2"
title: 選択テスト
criterion: leaf
prompt: |
  {{ q }}
  {% for c in choices %}{{ "abcd"[loop.index0] }}. {{ c }}
  {% endfor %}記号で答えてください。
scorers: [{kind: choice, params: {n_options: 3}}]
items:
  - id: c1
    vars: {q: 住民票の写しの請求先は, choices: [市区町村役場, 法務局, 税務署]}
    reference: a
    tags: [窓口]
  - id: c2
    vars: {q: 登記事項証明書の請求先は, choices: [市区町村役場, 法務局, 税務署]}
    reference: b
"""
MATCH = """\
id: imatch
version: "2"
title: 照合テスト
criterion: leaf
system_prompt: あなたは自治体の窓口担当者です。
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: m1, vars: {q: 日本の首都は}, reference: 東京}
  - {id: m2, vars: {q: 転入届の期限は何日以内}, reference: 14日以内}
  - id: t1
    vars: {q: 会話}
    turns:
      - user: こんにちは
      - user: 日本の首都は
    reference: 東京
"""
VENDORS = {
    "oracle": "id: kiso-oracle\nname: 基礎オラクル\nprovider: reference\nmodel: oracle\n",
    "refuse": "id: mirai-refuse\nname: 未来拒否\nprovider: reference\nmodel: refuse\n",
    "echo": "id: echo-one\nname: 復唱\nprovider: reference\nmodel: echo\n",
}


def _run(root: Path, *extra: str) -> Path:
    work = make_workspace(root, {"choice": CHOICE, "match": MATCH}, VENDORS)
    proc = evalkit("run", "--out", "run", *extra, cwd=work)
    assert proc.returncode == 0, proc.stderr
    return work


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    work = _run(tmp_path_factory.mktemp("inspect") / "w")
    proc = evalkit("export", "inspect", "run", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return work, proc


def _store_rows(run: Path) -> dict[tuple[str, str, str, int], dict]:
    db = sqlite3.connect(run / "store.sqlite")
    db.row_factory = sqlite3.Row
    out = {}
    for row in db.execute(
        "SELECT r.key, r.vendor_id, r.suite_id, r.item_id, r.epoch, r.messages, p.content, p.prompt_tokens, "
        "p.completion_tokens FROM requests r JOIN responses p ON p.key = r.key"
    ):
        scores = db.execute(
            "SELECT kind, score, passed, explanation FROM scores WHERE key = ? ORDER BY scorer_index", (row["key"],)
        ).fetchall()
        out[(row["suite_id"], row["vendor_id"], row["item_id"], row["epoch"])] = {**dict(row), "scores": scores}
    db.close()
    return out


def test_export_reads_back_with_inspect_ai(exported):
    work, proc = exported
    files = sorted((work / "run" / "inspect").glob("*.json"))
    assert len(files) == 6, proc.stdout  # 2 suites x 3 vendors
    rows = _store_rows(work / "run")
    seen = set()
    for path in files:
        log = inspect_log.read_eval_log(str(path))
        meta = log.eval.metadata["evalkit"]
        vendor, suite = meta["vendor_id"], log.eval.task
        assert log.status == "success"
        assert log.eval.task_version == {"ichoice": "1.2", "imatch": "2"}[suite]
        assert (
            log.eval.model
            == f"{vendor}/" + {"kiso-oracle": "oracle", "mirai-refuse": "refuse", "echo-one": "echo"}[vendor]
        )
        expected = {k: v for k, v in rows.items() if k[0] == suite and k[1] == vendor}
        assert len(log.samples) == len(expected) == log.results.total_samples
        for sample in log.samples:
            row = expected[(suite, vendor, sample.id, sample.epoch - 1)]
            seen.add((suite, vendor, sample.id))
            assert sample.output.completion == row["content"]
            sent = json.loads(row["messages"])
            if sample.id == "t1":  # a conversation: its input is what came before the first reply
                assert isinstance(sample.input, list) and sample.input[-1].text == "こんにちは"
                assert [m.role for m in sample.messages] == ["system", "user", "assistant", "user", "assistant"]
                assert sample.messages[-1].text == row["content"]
            else:
                inputs = sample.input if isinstance(sample.input, list) else None
                if inputs is None:
                    assert [m["content"] for m in sent] == [sample.input]
                else:
                    assert [(m.role, m.text) for m in inputs] == [(m["role"], m["content"]) for m in sent]
                assert sample.messages[-1].role == "assistant" and sample.messages[-1].text == row["content"]
            assert sample.target == {"c1": "a", "c2": "b", "m1": "東京", "m2": "14日以内", "t1": "東京"}[sample.id]
            if suite == "ichoice":
                assert sample.choices == ["市区町村役場", "法務局", "税務署"]
            kinds = [s["kind"] for s in row["scores"]]
            assert kinds == (["choice"] if suite == "ichoice" else ["exact"])
            passed = all(s["passed"] for s in row["scores"])
            assert sample.scores["evalkit_pass"].value == ("C" if passed else "I")
            assert sample.scores["evalkit"].metadata["passed"] is passed
            assert sample.scores[kinds[0]].value == row["scores"][0]["score"]
            assert sample.scores[kinds[0]].explanation == row["scores"][0]["explanation"]
            assert sample.model_usage[log.eval.model].input_tokens == row["prompt_tokens"]
            assert sample.model_usage[log.eval.model].output_tokens == row["completion_tokens"]
        accuracy = log.results.scores[[s.name for s in log.results.scores].index("evalkit_pass")]
        assert accuracy.metrics["accuracy"].value == (1.0 if vendor == "kiso-oracle" else 0.0)
        assert log.stats.model_usage[log.eval.model].total_tokens > 0
    assert len(seen) == 3 * 5
    # file names are deterministic: a second export gives the same names
    again = evalkit("export", "inspect", "run", "--out", "again", cwd=work)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (work / "again").iterdir()) == [p.name for p in files]


def test_export_refuses_a_non_empty_folder_and_a_non_run(exported, tmp_path):
    work, _ = exported
    proc = evalkit("export", "inspect", "run", cwd=work)
    assert proc.returncode == 2 and "not empty" in proc.stderr and "--force" in proc.stderr
    assert evalkit("export", "inspect", "run", "--force", cwd=work).returncode == 0
    proc = evalkit("export", "inspect", str(tmp_path), cwd=work)
    assert proc.returncode == 2 and str(tmp_path) in proc.stderr
    proc = evalkit("export", "inspect", str(tmp_path / "missing"), cwd=work)
    assert proc.returncode == 2


def test_blinded_export_shows_pseudonyms_only(tmp_path):
    work = _run(tmp_path / "w", "--blind", "--blind-seed", "5", "--epochs", "2")
    proc = evalkit("export", "inspect", "run", cwd=work)
    assert proc.returncode == 0, proc.stderr
    files = sorted((work / "run" / "inspect").glob("*.json"))
    assert len(files) == 6
    first = inspect_log.read_eval_log(str(files[0]))
    assert first.eval.config.epochs == 2
    assert sorted({(s.id, s.epoch) for s in first.samples}) == sorted(
        (s, e) for s in first.eval.dataset.sample_ids for e in (1, 2)
    )
    for path in files:
        text = path.read_text(encoding="utf-8")
        for ident in ("kiso-oracle", "基礎オラクル", "mirai-refuse", "未来拒否", "echo-one", "復唱"):
            assert ident not in text, (path.name, ident)
        log = inspect_log.read_eval_log(str(path))
        assert log.eval.model.startswith("blinded/vendor-")
        assert log.eval.metadata["evalkit"]["blinded"] is True
        assert log.eval.model_base_url is None
        assert "vendor-" in path.name


def _write_log(path: Path) -> None:
    from inspect_ai.log import EvalDataset, EvalLog, EvalSample, EvalSpec, write_eval_log
    from inspect_ai.log._log import EvalConfig
    from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser, ModelOutput

    samples = [
        EvalSample(id=1, epoch=1, input="日本の首都はどこですか。", target="東京", output=ModelOutput()),
        EvalSample(id=1, epoch=2, input="日本の首都はどこですか。", target="東京", output=ModelOutput()),
        EvalSample(
            id="mc/2",
            epoch=1,
            input="住民票の写しを請求する窓口は",
            choices=["市区町村役場", "法務局", "税務署"],
            target="A",
            output=ModelOutput(),
        ),
        EvalSample(
            id="chat-3",
            epoch=1,
            input=[
                ChatMessageSystem(content="丁寧に答えてください。"),
                ChatMessageUser(content="こんにちは"),
                ChatMessageAssistant(content="こんにちは。ご用件をどうぞ。"),
                ChatMessageUser(content="転入届の期限は？"),
            ],
            target=["14日以内", "２週間以内"],
            output=ModelOutput(),
        ),
        EvalSample(id="open-4", epoch=1, input="自由に話してください", target="", output=ModelOutput()),
    ]
    log = EvalLog(
        eval=EvalSpec(
            created="2026-01-01T00:00:00+00:00",
            task="aisev_demo",
            task_version=3,
            dataset=EvalDataset(name="demo", samples=4),
            model="mockllm/model",
            config=EvalConfig(),
        ),
        status="success",
        samples=samples,
    )
    write_eval_log(log, str(path))


def test_import_an_inspect_log_validate_and_run(tmp_path):
    work = make_workspace(tmp_path / "w", {}, {"oracle": VENDORS["oracle"]})
    _write_log(work / "demo.json")
    proc = evalkit("import", "inspect", "demo.json", "--criterion", "leaf", cwd=work)
    assert proc.returncode == 0, proc.stderr
    path = work / "suites" / "external" / "inspect_aisev_demo.yaml"
    text = path.read_text(encoding="utf-8")
    assert "# Scorers: 'choice' for samples with choices" in text
    suite = read_yaml(text)
    assert suite["id"] == "external.inspect_aisev_demo" and suite["version"] == "3"
    items = {it["id"]: it for it in suite["items"]}
    assert sorted(items) == ["1", "chat-3", "mc-2"]  # epoch 2 is the same item; open-4 has no target
    assert "open-4" in proc.stderr and "no target" in proc.stderr
    assert items["1"]["reference"] == "東京" and items["1"]["vars"]["input"] == "日本の首都はどこですか。"
    assert items["mc-2"]["reference"] == "A" and items["mc-2"]["scorers"][0]["kind"] == "choice"
    assert items["mc-2"]["meta"] == {"inspect_id": "mc/2"}
    chat = items["chat-3"]
    assert chat["vars"]["system"] == "丁寧に答えてください。"
    assert chat["turns"] == [{"user": "{{ m1 }}"}, {"assistant": "こんにちは。ご用件をどうぞ。"}, {"user": "{{ m2 }}"}]
    assert chat["reference"] == ["14日以内", "２週間以内"]
    assert suite["scorers"] == [{"kind": "contains"}]
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = evalkit("run", "--out", "run", "--suite", "external.inspect_aisev_demo", cwd=work)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    cell = summary["suites"][0]["vendors"]["kiso-oracle"]
    assert cell["n_passed"] == cell["n_scored"] == 3
    # an existing file is kept without --force
    again = evalkit("import", "inspect", "demo.json", "--criterion", "leaf", cwd=work)
    assert again.returncode == 2 and "--force" in again.stderr


def test_import_refuses_what_is_not_an_inspect_log(tmp_path):
    work = make_workspace(tmp_path / "w", {}, {})
    (work / "x.json").write_text('{"hello": 1}', encoding="utf-8")
    (work / "y.json").write_text("not json", encoding="utf-8")
    for name in ("x.json", "y.json", "missing.json"):
        proc = evalkit("import", "inspect", name, "--criterion", "leaf", cwd=work)
        assert proc.returncode == 2 and name in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    _write_log(work / "demo.json")
    proc = evalkit("import", "inspect", "demo.json", cwd=work)  # no criterion recorded in a foreign log
    assert proc.returncode == 2 and "--criterion" in proc.stderr


def test_round_trip_export_import_keeps_the_items(exported):
    work, _ = exported
    oracle = next((work / "run" / "inspect").glob("*_imatch_kiso-oracle_*.json"))
    proc = evalkit("import", "inspect", str(oracle), "--out", "suites/back.yaml", cwd=work)
    assert proc.returncode == 0, proc.stderr
    back = read_yaml((work / "suites" / "back.yaml").read_text(encoding="utf-8"))
    assert back["criterion"] == "leaf"  # recorded by the export
    assert [it["id"] for it in back["items"]] == ["m1", "m2", "t1"]
    assert [it["reference"] for it in back["items"]] == ["東京", "14日以内", "東京"]
    assert back["scorers"] == [{"kind": "exact"}]
    assert back["items"][2]["turns"] == [{"user": "{{ m1 }}"}, {"user": "{{ m2 }}"}]
    choice = next((work / "run" / "inspect").glob("*_ichoice_kiso-oracle_*.json"))
    proc = evalkit("import", "inspect", str(choice), "--out", "suites/back2.yaml", "--id", "back.choice", cwd=work)
    assert proc.returncode == 0, proc.stderr
    back2 = read_yaml((work / "suites" / "back2.yaml").read_text(encoding="utf-8"))
    assert [(it["id"], it["reference"]) for it in back2["items"]] == [("c1", "a"), ("c2", "b")]
    assert back2["scorers"] == [{"kind": "choice", "params": {"n_options": 3}}]
    assert back2["items"][0]["tags"] == ["窓口"]
    # the imported suites send what the original sent
    proc = evalkit(
        "run", "--out", "rerun", "-s", "external.inspect_imatch", "-s", "back.choice", "-v", "kiso-oracle", cwd=work
    )
    assert proc.returncode == 0, proc.stderr
    first, second = sqlite3.connect(work / "run" / "store.sqlite"), sqlite3.connect(work / "rerun" / "store.sqlite")
    sql = "SELECT item_id, messages FROM requests WHERE vendor_id = 'kiso-oracle' AND suite_id = ? ORDER BY item_id"
    assert second.execute(sql, ("external.inspect_imatch",)).fetchall() == first.execute(sql, ("imatch",)).fetchall()
    assert second.execute(sql, ("back.choice",)).fetchall() == first.execute(sql, ("ichoice",)).fetchall()
    summary = json.loads((work / "rerun" / "summary.json").read_text(encoding="utf-8"))
    assert all(
        s["vendors"]["kiso-oracle"]["n_passed"] == s["vendors"]["kiso-oracle"]["n_scored"] for s in summary["suites"]
    )


SECRET = """\
id: isecret
version: "1"
title: 当日問題
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: s1, vars: {q: 当日だけ開示する極秘の設問ゼータ}, reference: 極秘回答オメガ}
"""


def test_sealed_suites_are_left_out(tmp_path):
    """A sealed suite's text is for key holders only: the export leaves it out (and says so), needing no key."""
    work = make_workspace(tmp_path / "w", {"match": MATCH, "secret": SECRET}, {"refuse": VENDORS["refuse"]})
    key = {"SUITE_KEY": "a passphrase of sufficient length"}
    proc = evalkit("seal", "suites/secret.yaml", "--key-env", "SUITE_KEY", cwd=work, env=clean_env(**key))
    assert proc.returncode == 0, proc.stderr
    (work / "suites" / "secret.yaml").unlink()
    proc = evalkit("run", "--out", "run", cwd=work, env=clean_env(**key))
    assert proc.returncode == 0, proc.stderr
    proc = evalkit("export", "inspect", "run", cwd=work)  # no key in this environment
    assert proc.returncode == 0, proc.stderr
    assert "sealed suite(s) isecret not exported" in proc.stderr
    files = list((work / "run" / "inspect").iterdir())
    assert [inspect_log.read_eval_log(str(p)).eval.task for p in files] == ["imatch"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "極秘" not in text and "isecret" not in text


BROKEN = (
    "id: broken\nname: 壊れたベンダー\nprovider: reference\nmodel: oracle\ntimeout: 5\nmax_retries: 0\n"
    "faults: {rate_500: 1.0}\n"
)


def test_failed_requests_are_samples_with_an_error(tmp_path):
    work = make_workspace(tmp_path / "w", {"match": MATCH}, {"broken": BROKEN})
    assert evalkit("run", "--out", "run", cwd=work).returncode == 3
    proc = evalkit("export", "inspect", "run", cwd=work)
    assert proc.returncode == 0, proc.stderr
    (path,) = (work / "run" / "inspect").glob("*.json")
    log = inspect_log.read_eval_log(str(path))
    assert log.status == "error" and "3 request(s) ended in an error" in log.error.message
    assert len(log.samples) == 3
    for sample in log.samples:
        assert sample.error is not None and "500" in sample.error.message
        assert not sample.scores
        assert sample.metadata["status"] == "error"


def test_import_reads_eval_archives_too(tmp_path):
    work = make_workspace(tmp_path / "w", {}, {})
    _write_log(work / "demo.eval")
    proc = evalkit("import", "inspect", "demo.eval", "--criterion", "leaf", "--id", "ext.demo", cwd=work)
    assert proc.returncode == 0, proc.stderr
    suite = read_yaml((work / "suites" / "external" / "demo.yaml").read_text(encoding="utf-8"))
    assert sorted(it["id"] for it in suite["items"]) == ["1", "chat-3", "mc-2"]
