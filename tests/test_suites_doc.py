"""docs/suites.md is complete and its counts match the suites."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

from conftest import REPO, clean_env, read_yaml

DOC = REPO / "docs" / "suites.md"
BLOCK = re.compile(r"<!-- BEGIN GENERATED: (?P<key>\S+) -->\n(?P<body>.*?)<!-- END GENERATED: (?P=key) -->", re.S)


def _suites() -> dict[str, dict]:
    out = {}
    for path in (REPO / "suites").rglob("*.yaml"):
        data = read_yaml(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "items" in data:
            out[data["id"]] = data
    return out


def test_generated_parts_are_current(repo_self_check):
    # after the session's self-check (repo_self_check): the probe tallies this document shows are the ones
    # it just computed, read from the session's cache (evalkit/cache.py) instead of scoring every probe again
    proc = subprocess.run(
        [sys.executable, "scripts/suites_doc.py", "--check"],
        cwd=REPO,
        env=clean_env(EVALKIT_LAWQA_DIR="/nonexistent", EVALKIT_JBBQ_DIR="/nonexistent"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


def test_doc_counts_match_the_suite_files():
    """Read the numbers back from the document and count the YAML files independently."""
    blocks = {m.group("key"): m.group("body") for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))}
    suites = _suites()
    assert {k.split(":", 1)[1] for k in blocks if k.startswith("suite:")} == set(suites)
    for sid, data in suites.items():
        body = blocks[f"suite:{sid}"]
        n = int(re.search(r"^\| 設問数 \| (\d+)", body, re.M).group(1))
        assert n == len(data["items"]), sid
        doc_tags = {
            m.group(1).replace("\\|", "|"): int(m.group(2)) for m in re.finditer(r"^\| (.+?) \| (\d+) \|$", body, re.M)
        }
        expected = Counter(t for item in data["items"] for t in set(item.get("tags") or ["(タグなし)"]))
        assert doc_tags == dict(expected), sid


def test_every_suite_section_says_what_it_measures_and_its_limits():
    text = DOC.read_text(encoding="utf-8")
    for sid in _suites():
        if sid.startswith("day_of_test."):
            continue  # the day-of-test sample is described as one set
        section = text.split(f"### {sid}", 1)
        assert len(section) == 2, f"no section for {sid}"
        body = section[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
        assert "**Measures**" in body and "**Scored**" in body and "**Limits.**" in body, sid
    for heading in (
        "### Canary GUIDs",
        "### Versions",
        "## Day-of-test sample",
        "## CI on suite changes",
        "実行環境・データ取扱いの申告 (questionnaire)",
    ):
        assert heading in text


# ------------------------------------------------------------------------------- canary GUIDs
CANARY_SUITE = (
    'id: {sid}\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{{{ q }}}}"\n'
    "scorers: [{{kind: exact}}]\nitems:\n"
    "  - {{id: a, vars: {{q: 質問{sid}の番号{sid}{sid}{sid}{sid}}}, reference: 東京}}\n"
    "{canary}"
)  # (each suite asks its own question: two copies would be near-duplicates)


def _self_check(tmp_path, **canaries: str) -> list[str]:
    from conftest import evalkit, make_workspace

    suites = {sid: CANARY_SUITE.format(sid=sid, canary=f"canary: {c}\n" if c else "") for sid, c in canaries.items()}
    proc = evalkit("validate", "--self-check", "suites", cwd=make_workspace(tmp_path / "w", suites, {}))
    return proc.stderr.splitlines()[:-1] if proc.returncode else []


def test_every_suite_needs_its_own_well_formed_canary(tmp_path):
    good = "evalkit-canary:7c0e2a4b-6d8f-4a1c-9e3b-5f7a9c1e3b5d"
    assert _self_check(tmp_path / "ok", a=good, b="evalkit-canary:1f3a5c7e-9b2d-4f6a-8c0e-2a4c6e8a0c2e") == []
    problems = _self_check(
        tmp_path / "bad", a=good, b=good, c="", d="canary-1234", e="evalkit-canary:00000000-0000-4000-8000-000000000000"
    )
    assert problems == [
        "suites/b.yaml:9:9: canary: same canary as suites/a.yaml:9; each file needs its own GUID",
        "suites/c.yaml:1:1: canary: missing: every suite file carries a canary 'evalkit-canary:<GUID>' "
        "(generate one with python -c 'import uuid; print(uuid.uuid4())')",
        "suites/d.yaml:9:9: canary: 'canary-1234' is not of the form evalkit-canary:<random GUID> "
        "(lower-case version 4 GUID)",
        "suites/e.yaml:9:9: canary: the placeholder GUID of the documentation; generate a new one",
    ]


def test_every_repo_suite_file_has_a_distinct_canary():
    canaries = {}
    for path in (REPO / "suites").rglob("*.yaml"):
        if path.name == "criteria.yaml":
            continue
        canary = read_yaml(path.read_text(encoding="utf-8")).get("canary")
        assert canary and canary.startswith("evalkit-canary:"), path
        assert canary not in canaries, (path, canaries.get(canary))
        canaries[canary] = path
