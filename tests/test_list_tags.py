"""`evalkit list --tags`: item counts by tag per suite and per criterion against min_items; the
repository meets the floors of issue 6 and suites v2 (issue 12: leaves, areas, difficulty); the
day-of-test sample is 50 questions over every criterion."""

from __future__ import annotations

import re
from collections import Counter

from conftest import REPO, SMALL_CRITERIA, evalkit, make_workspace, read_yaml

SUITE = """\
id: s
version: "1"
title: 試験
criterion: leaf
prompt: "{{ q }}"
scorers: [{kind: exact}]
items:
  - {id: a, tags: [難易度:易, 分野:税], vars: {q: "1"}, reference: x}
  - {id: b, tags: [難易度:易], vars: {q: "2"}, reference: x}
  - {id: c, vars: {q: "3"}, reference: x}
"""


def test_tags_are_counted_per_suite_and_minimums_checked(tmp_path):
    criteria = SMALL_CRITERIA.replace("  - id: leaf\n", "  - id: leaf\n    min_items: 4\n")
    dot = (
        SUITE.replace("id: s\n", "id: day_of_test.leaf\n")
        .replace("id: a,", "id: d1,")
        .replace("id: b,", "id: d2,")
        .replace("id: c,", "id: d3,")
    )
    work = make_workspace(tmp_path / "w", {"s": SUITE, "dot": dot}, {}, criteria=criteria)
    proc = evalkit("list", "--tags", "suites", cwd=work)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("s "))
    assert [line.split() for line in lines[start + 1 : start + 4]] == [
        ["2", "難易度:易"],
        ["1", "(タグなし)"],
        ["1", "分野:税"],
    ]
    # the day-of-test suite is counted apart and never towards the minimum
    assert re.search(r"^\s+leaf\s+3 items  \+ 3 day-of-test  \(minimum 4: SHORT by 1\)$", proc.stdout, re.M)
    assert evalkit("list", "suites", cwd=work).stdout.count("難易度:易") == 0  # tags only with --tags
    strict = evalkit("list", "--check-min", "suites", cwd=work)
    assert strict.returncode == 2
    assert strict.stderr.strip() == "suites/criteria.yaml: criterion 'leaf' has 3 items, fewer than its min_items 4"


def test_repo_counts_meet_the_floors_of_suites_v2():
    proc = evalkit("list", "--tags", "--check-min")
    assert proc.returncode == 0, proc.stderr
    counts = {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^\s+(\S+)\s+(\d+) items.*\(minimum (\d+): ok\)$", proc.stdout, re.M)
    }
    tender_leaves = {
        "security.confidential_info",
        "safety.hallucination",
        "safety.bias",
        "safety.harmful",
        "admin.legal",
        "admin.writing",
        "admin.public_comment",
        "admin.helpdesk",
        "admin.translation",
    }
    assert {"genai-2025-12", "admin"} | tender_leaves <= counts.keys()
    assert counts["genai-2025-12"][1] >= 1000  # issue 12: at least 1,000 own items
    for leaf in tender_leaves:
        assert counts[leaf][1] >= 60 and counts[leaf][0] >= counts[leaf][1], leaf  # every tender leaf >= 60
    # every area the call implies >= 20 items; translation into >= 4 languages besides English
    areas = {
        m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+((?:領域|言語):\S+)\s+(\d+) items", proc.stdout, re.M)
    }
    assert sum(tag.startswith("領域:") for tag in areas) >= 20
    assert all(n >= 20 for tag, n in areas.items() if tag.startswith("領域:"))
    assert len([tag for tag in areas if tag.startswith("言語:") and tag != "言語:英語"]) >= 4
    mix = re.search(r"^difficulty: 易 (\d+)  中 (\d+)  難 (\d+)", proc.stdout, re.M)
    easy, mid, hard = map(int, mix.groups())
    assert hard * 3 >= easy + mid + hard
    # issue 6's breakdown of the bias minimum
    bias = {p.stem: read_yaml(p.read_text(encoding="utf-8")) for p in (REPO / "suites" / "bias").glob("*.yaml")}
    assert len(bias["ambiguity"]["items"]) >= 80
    assert sum(i.get("expect") == "decline" for i in bias["harmful_requests"]["items"]) >= 30
    assert sum(i.get("expect") == "answer" for i in bias["benign_lookalikes"]["items"]) >= 20


def test_areas_and_difficulty_are_floors_of_check_min(tmp_path):
    criteria = (
        SMALL_CRITERIA
        + """\
areas:
  - {tag: 分野:税, min_items: 2, title: 税}
difficulty: {min_hardest_share: 0.5}
"""
    )
    suite = SUITE.replace("tags: [難易度:易, 分野:税]", "tags: [難易度:難, 分野:税]").replace(
        "id: c, vars", "id: c, tags: [難易度:易, 難易度:中], vars"
    )
    work = make_workspace(tmp_path / "w", {"s": suite}, {}, criteria=criteria)
    proc = evalkit("list", "--check-min", "suites", cwd=work)
    assert proc.returncode == 2
    assert re.search(r"^  分野:税\s+1 items  \(minimum 2: SHORT by 1\)$", proc.stdout, re.M)
    assert "difficulty: 易 1  中 0  難 1  (難 33.3%, minimum 50.0%)" in proc.stdout
    assert proc.stderr.splitlines() == [
        "suites/criteria.yaml: area '分野:税' has 1 items, fewer than its min_items 2",
        "suites/criteria.yaml: difficulty: 1 item(s) with more than one difficulty tag, e.g. s:c",
        "suites/criteria.yaml: difficulty: 33.3% of items are 難, fewer than the required 50.0%",
    ]
    fixed = suite.replace("tags: [難易度:易, 難易度:中]", "tags: [難易度:難, 分野:税]")
    work = make_workspace(tmp_path / "ok", {"s": fixed}, {}, criteria=criteria)
    assert evalkit("list", "--check-min", "suites", cwd=work).returncode == 0


def test_printed_tag_counts_match_the_files():
    proc = evalkit("list", "--tags", "suites")
    printed: dict[str, Counter] = {}
    current = None
    for line in proc.stdout.splitlines():
        m = re.match(r"^  (\S+)\s+v\S+\s+\d+ items", line)
        if m:
            current = printed.setdefault(m.group(1), Counter())
            continue
        m = re.match(r"^      \s*(\d+)  (.+)$", line)
        if m and current is not None:
            current[m.group(2)] = int(m.group(1))
        elif not line.startswith("      "):
            current = None
    for path in (REPO / "suites").rglob("*.yaml"):
        data = read_yaml(path.read_text(encoding="utf-8"))
        if "items" not in data:
            continue
        expected = Counter(tag for item in data["items"] for tag in set(item.get("tags") or ["(タグなし)"]))
        assert printed[data["id"]] == expected, path


def test_day_of_test_sample_is_fifty_questions_over_every_criterion():
    suites = [
        read_yaml(p.read_text(encoding="utf-8")) for p in sorted((REPO / "suites" / "day_of_test").glob("*.yaml"))
    ]
    ids = [item["id"] for s in suites for item in s["items"]]
    assert sorted(ids) == [f"dot-{n:02d}" for n in range(1, 51)]  # 50 question numbers, each once
    assert all(s["id"].startswith("day_of_test.") and s["publish"] is False for s in suites)
    # the sample is its own criterion (weight 0 in the total), one leaf per requirement of the call
    leaves = {s["criterion"] for s in suites}
    assert leaves == {"day_of_test.security", "day_of_test.safety", "day_of_test.admin"}
    kinds = {s["id"].split(".", 1)[1] for s in suites}
    assert kinds == {
        "security",
        "hallucination",
        "bias",
        "admin_legal",
        "admin_writing",
        "admin_public_comment",
        "admin_helpdesk",
        "admin_translation",
    }
    proc = evalkit("validate", "--self-check", "suites/day_of_test", "--criteria", "suites/criteria.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "8 suites (50 items)" in proc.stdout


def test_items_read_from_external_data_are_counted_apart(tmp_path):
    criteria = SMALL_CRITERIA.replace("  - id: leaf\n", "  - id: leaf\n    min_items: 3\n")
    ext = (
        'id: ext\nversion: "1"\ntitle: 外部\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\n'
        'source:\n  path: data.jsonl\n  mapping: {vars.q: "{{ q }}", reference: "{{ a }}"}\n'
    )
    work = make_workspace(tmp_path / "w", {"ext": ext, "s": SUITE}, {}, criteria=criteria)
    (work / "suites" / "data.jsonl").write_text('{"q": "1", "a": "x"}\n{"q": "2", "a": "y"}\n', encoding="utf-8")
    proc = evalkit("list", "--check-min", "suites", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^\s+leaf\s+3 items  \+ 2 from data sources  \(minimum 3: ok\)$", proc.stdout, re.M)


def test_list_marks_diagnostic_and_weighted_suites(tmp_path):
    heavy = SUITE.replace("id: s\n", "id: heavy\nweight: 2\n")
    diagnostic = SUITE.replace("id: s\n", "id: diag\nweight: 0\n")
    work = make_workspace(tmp_path / "w", {"s": SUITE, "heavy": heavy, "diag": diagnostic}, {})
    proc = evalkit("list", "suites", cwd=work)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.startswith("  ")}
    # every suite shows what one of its items weighs in the total: a leaf weighs its items equally
    # (s: 1 × 3 items, heavy: 2 × 3 items, diag: 0)
    assert rows["diag"].endswith("[診断用: 得点に含めない]  1問の重み 0（総合点外）")
    assert rows["heavy"].endswith("[重み 2]  1問の重み 22.222%")
    assert rows["s"].endswith("試験  1問の重み 11.111%")
