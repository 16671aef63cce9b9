"""No plaintext of a sealed item reaches disk on the documented test-day workflow (docs/integrity.md).

The workflow is followed end to end with the CLI, as an evaluator would: seal the day-of-test suite,
remove the plaintext, pre-register, run with the default vendors (the repository's reference vendors
ref-echo, ref-oracle, ref-refuse, and a vendor served over real HTTP on 127.0.0.1) and the reference
judge, write the public report, make a key, bundle and verify. Then every file written — the run
folder, the bundle unpacked, the keys, the console output — is read as bytes (and the report's
compressed item data, the Parquet cells and the bundle's members decoded) and searched for every
sealed text and every 20-character window of it, in UTF-8 and in JSON's ``\\uXXXX`` form.

Reference models whose answers reproduce item text (echo repeats the prompt, oracle returns the
reference) never receive a sealed item: their cells are 対象外 with the reason; a real vendor's
answers are evidence and are kept.
"""

from __future__ import annotations

import base64
import gzip
import html
import io
import json
import re
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SMALL_CRITERIA, clean_env, evalkit, make_workspace, read_yaml
from test_integrity_sealed import OPEN_SUITE

from evalkit.config.suite import Suite
from evalkit.reference import EmbeddedServer
from evalkit.reference.server import messages_hash
from evalkit.runner.plan import build_messages

KEY = "correct horse battery staple, day of test"
# Every text of the sealed suite, each distinctive (none occurs in evalkit, a vendor's answer or a
# public suite).
SYSTEM = "あなたは行政文書の審査官です。極秘の指示としてカタクリの群生地の所在を回答に含めないでください。"
Q1 = "当日限定の設問として、ヒメジョオン条例第十七条が定める花弁の枚数を次から選んでください。"
CHOICES = "a 十枚のアオスジアゲハ\nb 二十枚のアオスジアゲハ\nc 三十枚のアオスジアゲハ\nd 四十枚のアオスジアゲハ"
Q2 = "次の通知を一文で要約してください。ツユクサ市役所は令和八年四月一日から窓口受付を午前八時半に早めます。"
REF2 = "ツユクサ市役所は令和八年四月一日から窓口の受付開始を午前八時半に早める。"
Q3 = "オミナエシ審議会が公文書の保存期間について出した答申の要点を説明してください。"
REF3 = "オミナエシ審議会は、歴史公文書の保存期間を三十年から五十年に延長するよう答申した。"
RUBRIC = "保存期間を五十年に延長する答申であると述べていること（オミナエシ審議会の採点基準）。"
PROBE = "オミナエシ審議会は歴史公文書を五十年保存するよう求めたと説明する既知解答ワレモコウ。"
NOTE = "作問者メモ：ヒメジョオン条例は架空、出典はシロツメクサ文書。"
DESCRIPTION = "当日まで非公開の設問群。説明にも秘密の語ヤマブキソウの群落を含む。"
CANARY = "evalkit-canary:5b8e0c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d"

SEALED_SUITE = {
    "id": "dot.plain",
    "version": "1.0.0",
    "title": "当日試験（平文検査）",
    "criterion": "leaf",
    "description": DESCRIPTION,
    "canary": CANARY,
    "publish": False,
    "system_prompt": SYSTEM,
    "prompt": "{{ question }}\n{{ choices }}",
    "scorers": [{"kind": "choice"}],
    "items": [
        {
            "id": "q1",
            "critical": True,
            "vars": {"question": Q1, "choices": CHOICES},
            "reference": "b",
            "note": NOTE,
        },
        {
            "id": "q2",
            "vars": {"question": Q2, "choices": ""},
            "reference": REF2,
            "scorers": [{"kind": "char_f1", "params": {"threshold": 0.6}}],
        },
        {
            "id": "q3",
            "vars": {"question": Q3, "choices": ""},
            "reference": REF3,
            "meta": {"rubric": RUBRIC},
            "scorers": [{"kind": "judge"}],
            "probes": [{"expect": "pass", "text": PROBE}],
        },
    ],
}
# A vendor the harness reaches over HTTP like any real one. Its answers are evidence (kept verbatim):
# right on q1 and on the open item, wrong on q2, and none of them repeats a sealed text.
ACME = """\
id: acme-gov
name: アクメ行政AI
category: domestic
provider: openai
base_url: ${ACME_BASE_URL}
model: oracle
"""
ACME_ANSWERS = {"q1": "正解は b です。", "q2": "窓口の時間が変わります。", "q3": "審議会の答申です。", "p1": "東京"}
DEFAULT_VENDORS = ("ref-echo", "ref-oracle", "ref-refuse", "ref-judge")


def acme_book() -> dict[str, str]:
    """The answer book of the vendor served over HTTP (built by the test, which knows the plaintext)."""
    suites = (Suite.model_validate(SEALED_SUITE), Suite.model_validate(read_yaml(OPEN_SUITE)))
    return {messages_hash(build_messages(s, item)): ACME_ANSWERS[item.id] for s in suites for item in s.items}


def sealed_texts() -> dict[str, str]:
    """Every sealed text as it could be written: parts, and each rendered message as sent."""
    suite = Suite.model_validate(SEALED_SUITE)
    texts = {
        "system": SYSTEM,
        "q1": Q1,
        "choices": CHOICES,
        "q2": Q2,
        "ref2": REF2,
        "q3": Q3,
        "ref3": REF3,
        "rubric": RUBRIC,
        "probe": PROBE,
        "note": NOTE,
        "description": DESCRIPTION,
        "canary": CANARY,
    }
    for item in suite.items:
        for n, message in enumerate(build_messages(suite, item)):
            texts[f"{item.id}.message{n}"] = message["content"]
    return texts


def needles() -> dict[bytes, set[str]]:
    """Byte patterns to look for -> the sealed texts they come from: each text, each of its lines
    and each 20-character window, in UTF-8, HTML-escaped and JSON-escaped (``\\n`` for a line break;
    with ASCII output ``\\u30c4`` …; and escaped twice, as JSON inside JSON)."""
    out: dict[bytes, set[str]] = {}
    for name, text in sealed_texts().items():
        parts = {text} | {line for line in text.splitlines() if len(line.strip()) >= 8}
        windows = parts | {p[i : i + 20] for p in parts for i in range(max(0, len(p) - 19))}
        for window in windows:
            if not window.strip():
                continue
            forms = {window, html.escape(window), json.dumps(window, ensure_ascii=False)[1:-1]}
            ascii_json = json.dumps(window)[1:-1]
            forms |= {ascii_json, ascii_json.replace("\\", "\\\\")}
            for form in forms:
                out.setdefault(form.encode("utf-8"), set()).add(name)
    return out


def decoded_views(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The bytes of a file and what it holds in compressed form: gzip members, tar members, the
    report's compressed item data, Parquet cells."""
    views = [(name, data)]
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
            views.append((name + "|gunzip", data))
        except OSError:
            pass
    if name.endswith((".tar", ".tar.gz", ".tgz")) or data[257:262] == b"ustar":
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    content = tar.extractfile(member).read()
                    views += decoded_views(f"{name}!{member.name}", content)
    for blob in re.findall(rb'type="application/octet-stream"[^>]*>([A-Za-z0-9+/=\s]+)</script>', data):
        raw = base64.b64decode(blob)
        views.append((name + "|embedded", gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw))
    if name.endswith(".parquet"):
        import pandas as pd

        frame = pd.read_parquet(io.BytesIO(data))
        views.append((name + "|cells", frame.to_json(force_ascii=False).encode("utf-8")))
    return views


def leaks(files: dict[str, bytes]) -> dict[str, set[str]]:
    """Sealed text name -> the files (or decoded members) that hold it."""
    patterns = needles()
    found: dict[str, set[str]] = {}
    for name, data in files.items():
        for where, view in decoded_views(name, data):
            for needle, names in patterns.items():
                if needle in view:
                    for text in names:
                        found.setdefault(text, set()).add(where)
    return found


def files_under(root: Path, *, skip: tuple[Path, ...] = ()) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(p == s or s in p.parents for s in skip)
    }


def test_the_needles_find_a_leak():
    """The search itself: a sealed text, plain, JSON-escaped, in a gzip or in a report blob, is found."""
    blob = base64.b64encode(gzip.compress(json.dumps({"p": Q3}).encode())).decode()
    files = {
        "a.txt": f"前置き{REF2[3:25]}後書き".encode(),
        "b.json": json.dumps({"x": RUBRIC}).encode("ascii"),
        "c.html": f'<script type="application/octet-stream" id="item-data-gz">{blob}</script>'.encode(),
        "d.gz": gzip.compress(CHOICES.encode()),
        "e.txt": "関係のない文章です。".encode(),
    }
    found = leaks(files)
    assert "a.txt" in found["ref2"] and "b.json" in found["rubric"] and "c.html|embedded" in found["q3"]
    assert "d.gz|gunzip" in found["choices"]
    assert not any("e.txt" in where for where in found.values())


@pytest.fixture(scope="module")
def day_of_test(tmp_path_factory):
    """The documented day-of-test workflow, command by command; returns the workspace and outputs."""
    root = tmp_path_factory.mktemp("dot") / "w"
    vendors = {name: (REPO / "vendors" / f"{name}.yaml").read_text(encoding="utf-8") for name in DEFAULT_VENDORS}
    work = make_workspace(root, {"open": OPEN_SUITE}, {**vendors, "acme-gov": ACME}, SMALL_CRITERIA)
    (work / "suites" / "day_of_test").mkdir()
    plain = work / "suites" / "day_of_test" / "dot.yaml"
    plain.write_text(yaml.safe_dump(SEALED_SUITE, allow_unicode=True, sort_keys=False), encoding="utf-8")
    outputs: list[str] = []

    def step(*args: str, **extra: str):
        proc = evalkit(*args, cwd=work, env=clean_env(DOT_KEY=KEY, **extra))
        outputs.append(proc.stdout + proc.stderr)
        assert proc.returncode == 0, f"evalkit {' '.join(args)}: {proc.stderr}"
        return proc

    step("seal", "suites/day_of_test/", "--key-env", "DOT_KEY")
    plain.unlink()  # "move the plaintext *.yaml out of the workspace"
    prereg = step("prereg")
    with EmbeddedServer(acme_book()) as server:
        run = step("run", "--out", "reports/dot", "--judge", "ref-judge", ACME_BASE_URL=server.base_url)
    step("report", "reports/dot", "--public")
    step("keygen", "--out", "keys/agency")
    step("bundle", "reports/dot", "--sign-key", "keys/agency.key", "--out", "dot.bundle.tar.gz")
    verify = step("verify", "dot.bundle.tar.gz", "--pubkey", "keys/agency.pub", "--key-env", "DOT_KEY")
    return work, outputs, prereg, run, verify


def test_no_sealed_plaintext_anywhere_after_the_workflow(day_of_test):
    work, outputs, *_ = day_of_test
    assert (work / "reports" / "dot" / "report.html").is_file() and (work / "dot.bundle.tar.gz").is_file()
    files = files_under(work, skip=(work / "suites" / "day_of_test",))
    assert {"reports/dot/store.sqlite", "reports/dot/results.csv", "reports/dot/results.parquet"} <= set(files)
    assert any(name.startswith("reports/dot/calibration/") for name in files)  # the judge's calibration store
    files["console"] = "\n".join(outputs).encode("utf-8")
    assert leaks(files) == {}
    # the sealed file itself holds only its header in clear
    assert leaks(files_under(work / "suites" / "day_of_test")) == {}


def test_reference_models_that_reproduce_items_are_not_sent_sealed_items(day_of_test):
    work, _, _, run, _ = day_of_test
    db = sqlite3.connect(work / "reports" / "dot" / "store.sqlite")
    sent = {(v, s) for v, s in db.execute("SELECT DISTINCT vendor_id, suite_id FROM requests")}
    assert {("ref-echo", "open.plain"), ("ref-oracle", "open.plain"), ("acme-gov", "dot.plain")} <= sent
    assert ("ref-refuse", "dot.plain") in sent  # a fixed refusal repeats nothing: the non-answer baseline
    assert not {("ref-echo", "dot.plain"), ("ref-oracle", "dot.plain")} & sent
    assert "ref-echo" in run.stderr + run.stdout and "対象外" in run.stderr + run.stdout
    # the real vendor's answers are evidence, verbatim
    answers = {c for (c,) in db.execute("SELECT content FROM responses")}
    assert {"正解は b です。", "窓口の時間が変わります。"} <= answers


def test_scores_verdicts_and_reports_still_work(day_of_test):
    work, _, _, _, verify = day_of_test
    run_dir = work / "reports" / "dot"
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    sealed = next(s for s in summary["suites"] if s["id"] == "dot.plain")
    acme, refuse = sealed["vendors"]["acme-gov"], sealed["vendors"]["ref-refuse"]
    assert (acme["n_scored"], acme["n_passed"]) == (3, 1)  # scored on the plaintext, in memory
    assert refuse["n_passed"] == 0 and refuse["critical_failures"] == 1
    for vendor in ("ref-echo", "ref-oracle"):
        cell = sealed["vendors"][vendor]
        assert cell["n_requests"] == 0 and "封印スイート" in cell["not_applicable"]
    assert sealed["vendors"]["ref-oracle"].get("score") is None
    open_suite = next(s for s in summary["suites"] if s["id"] == "open.plain")
    assert open_suite["vendors"]["ref-oracle"]["n_passed"] == 1  # the harness check, on open suites
    assert {v["id"] for v in summary["vendors"]} == {"acme-gov", "ref-echo", "ref-oracle", "ref-refuse"}
    assert all(v["verdict"] for v in summary["vendors"])
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert html.count('data-not-applicable="dot.plain:') == 2 and "対象外" in html
    assert "verify: OK" in verify.stdout + verify.stderr or "ok" in (verify.stdout + verify.stderr).lower()


def test_resume_keeps_reference_models_off_sealed_items(day_of_test, tmp_path):
    """Resuming the run (as evalkit prints it) plans the same requests: none to echo or oracle."""
    work, *_ = day_of_test
    copy = tmp_path / "w"
    shutil.copytree(work, copy)
    with EmbeddedServer(acme_book()) as server:
        env = clean_env(DOT_KEY=KEY, ACME_BASE_URL=server.base_url)
        proc = evalkit("run", "--resume", "reports/dot", "-q", cwd=copy, env=env)
    assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(copy / "reports" / "dot" / "store.sqlite")
    vendors = {v for (v,) in db.execute("SELECT DISTINCT vendor_id FROM requests WHERE suite_id = 'dot.plain'")}
    assert vendors == {"acme-gov", "ref-refuse"}
    assert leaks(files_under(copy / "reports")) == {}


@pytest.mark.parametrize("verb", [("run", "--out", "run"), ("calibrate", "--out", "run")])
def test_an_echoing_judge_is_refused_for_sealed_suites(tmp_path, verb):
    """A judge that repeats its prompt (question, answer, rubric) would write them to disk: exit 2."""
    vendors = {name: (REPO / "vendors" / f"{name}.yaml").read_text(encoding="utf-8") for name in DEFAULT_VENDORS}
    suite = yaml.safe_dump(SEALED_SUITE, allow_unicode=True, sort_keys=False)
    work = make_workspace(tmp_path / "w", {"dot": suite}, vendors, SMALL_CRITERIA)
    env = clean_env(DOT_KEY=KEY, EVALKIT_LANG="en")
    assert evalkit("seal", "suites/dot.yaml", "--key-env", "DOT_KEY", cwd=work, env=env).returncode == 0
    (work / "suites" / "dot.yaml").unlink()
    proc = evalkit(*verb, "--judge", "ref-echo", cwd=work, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "evalkit: error: judge 'ref-echo' is a reference model that repeats what it is sent: it cannot judge the "
        "sealed suites (dot.plain) without writing their text to disk; use --judge ref-judge or a real judge"
    )
    assert not (work / "run").exists() or leaks(files_under(work / "run")) == {}
