"""`evalkit diff RUN_A RUN_B`: the same vendors across two runs (evalkit/analysis/rundiff.py,
evalkit/report/diff_page.py).

Two small runs of the reference endpoint. Suite s1 (pass/fail, 12 items, per-item scorers): echo
passes q00–q05 (they ask for 質問, which it repeats), refuse passes q06–q08 (申し訳…), only the oracle
passes q09–q11 (解答); q11's prompt carries a <script>, which echo repeats. s2 (continuous) is bumped
from 1.0.0 to 1.1.0 in run B, s3 (continuous) keeps its version, s4 is only in run A.

    vendor   run A    run B
    kaede    oracle   echo     -> 6 items pass -> fail in s1
    sakura   echo     refuse   -> 6 pass -> fail, 3 fail -> pass in s1
    tsubaki  refuse   -        (only in A)
    momiji   -        oracle   (only in B)

Run B's criteria weigh suites equally (``weighting: suites``), run A's by items, so the total shows
whose weights it uses; both have a gate (root score >= 0.7), so kaede goes from 適合 to 不適合.
"""

from __future__ import annotations

import json
import math
import shutil

import pytest
from conftest import evalkit, make_workspace
from scipy import stats as sps

from evalkit.runner.store import RunStore

CRITERIA = (
    "id: root\ntitle: 全体\nclause: 全体\ngate: {min_score: 0.7, description: 最低点}\nchildren:\n"
    "  - id: leaf\n    title: 葉\n    clause: 葉\n"
)
HOSTILE = "<script>alert(1)</script>"


def _suite(sid: str, version: str, items: str) -> str:
    return (
        f'id: {sid}\nversion: "{version}"\ntitle: 試験{sid}\ncriterion: leaf\nprompt: "質問{{{{ q }}}}"\n'
        "scorers: [{kind: contains, params: {mode: all, values: [質問, 解答]}}]\nitems:\n" + items
    )


def _binary_items() -> str:
    out = []
    for n in range(12):
        # prompts unlike those of s2 and s3: the oracle's answer book is keyed by the prompt
        q = HOSTILE if n == 11 else f"b{n}"
        value = "質問" if n < 6 else "申し訳" if n < 9 else "解答"
        scorer = f"[{{kind: contains, params: {{values: [{value}]}}}}]"
        out.append(f"  - id: q{n:02d}\n    vars: {{q: '{q}'}}\n    scorers: {scorer}\n")
    return "".join(out)


def _continuous_items(k: int) -> str:
    return "".join(f"  - {{id: c{n:02d}, vars: {{q: '{n}'}}}}\n" for n in range(k))


def _vendors(spec: dict[str, str]) -> dict[str, str]:
    return {vid: f"id: {vid}\nname: {vid}\nprovider: reference\nmodel: {model}\n" for vid, model in spec.items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("rundiff")
    a = make_workspace(
        root / "a",
        {
            "s1": _suite("s1", "1.0.0", _binary_items()),
            "s2": _suite("s2", "1.0.0", _continuous_items(10)),
            "s3": _suite("s3", "1.0.0", _continuous_items(10)),
            "s4": _suite("s4", "1.0.0", _continuous_items(3)),
        },
        _vendors({"kaede": "oracle", "sakura": "echo", "tsubaki": "refuse"}),
        criteria=CRITERIA,
    )
    b = make_workspace(
        root / "b",
        {
            "s1": _suite("s1", "1.0.0", _binary_items()),
            "s2": _suite("s2", "1.1.0", _continuous_items(10)),
            "s3": _suite("s3", "1.0.0", _continuous_items(10)),
        },
        _vendors({"kaede": "echo", "sakura": "refuse", "momiji": "oracle"}),
        criteria=CRITERIA.replace("    clause: 葉\n", "    clause: 葉\n    weighting: suites\n"),
    )
    for work, name in ((a, "runA"), (b, "runB")):
        proc = evalkit("run", "--out", str(root / name), "--quiet", cwd=work)
        assert proc.returncode == 0, proc.stderr
    (root / "out").mkdir()
    (root / "out" / "old.txt").write_text("an earlier diff", encoding="utf-8")
    refused = evalkit("diff", "runA", "runB", "--out", "out", cwd=root)
    assert refused.returncode == 2 and "--force" in refused.stderr and "out" in refused.stderr
    proc = evalkit("diff", "runA", "runB", "--out", "out", "--force", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root, proc


def _data(root):
    return json.loads((root / "out" / "diff.json").read_text(encoding="utf-8"))


def _vendor(data, vid):
    return next(v for v in data["vendors"] if v["id"] == vid)


def _row(vendor, sid):
    return next(r for r in vendor["suites"] if r["suite"] == sid)


def test_suites_and_vendors_are_matched_and_changed_versions_are_not_compared(runs):
    root, proc = runs
    data = _data(root)
    assert data["format"] == "evalkit-diff/1" and data["blinding"] == "none"
    assert (data["run_a"]["run_id"], data["run_b"]["run_id"]) == ("runA", "runB")
    assert [s["id"] for s in data["suites"]["compared"]] == ["s1", "s3"]
    assert [s["binary"] for s in data["suites"]["compared"]] == [True, False]
    assert data["suites"]["version_changed"] == [
        {
            "id": "s2",
            "title": "試験s2",
            "version_a": "1.0.0",
            "version_b": "1.1.0",
            "note": "版 1.0.0 → 1.1.0: 比較しない",
        }
    ]
    assert [s["id"] for s in data["suites"]["only_a"]] == ["s4"] and data["suites"]["only_b"] == []
    assert [v["id"] for v in data["vendors_only_a"]] == ["tsubaki"]
    assert [v["id"] for v in data["vendors_only_b"]] == ["momiji"]
    assert sorted(v["id"] for v in data["vendors"]) == ["kaede", "sakura"]
    for v in data["vendors"]:
        assert [r["suite"] for r in v["suites"]] == ["s1", "s3"]  # s2 (new version) never compared
    assert "s2: version 1.0.0 -> 1.1.0: not compared" in proc.stdout
    assert "vendor tsubaki: only in run A" in proc.stdout


def test_flipped_items_are_listed_with_their_ids(runs):
    data = _data(runs[0])
    alpha, beta = _vendor(data, "kaede"), _vendor(data, "sakura")
    s1 = _row(alpha, "s1")
    assert s1["pass_to_fail"] == ["q06", "q07", "q08", "q09", "q10", "q11"] and s1["fail_to_pass"] == []
    s1 = _row(beta, "s1")
    assert s1["pass_to_fail"] == [f"q{n:02d}" for n in range(6)]
    assert s1["fail_to_pass"] == ["q06", "q07", "q08"]
    assert (beta["n_pass_to_fail"], beta["n_fail_to_pass"]) == (6 + 0, 3)
    flip = next(f for f in _row(alpha, "s1")["flipped"] if f["item"] == "q11")
    assert flip["direction"] == "pass_to_fail" and (flip["score_a"], flip["score_b"]) == (1.0, 0.0)
    assert HOSTILE in flip["answer_b"]  # echo repeated the prompt (the JSON keeps the text as it is)


def _wilson(k: int, n: int) -> tuple[float, float]:
    ci = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


def test_pass_fail_change_against_an_independent_computation(runs):
    row = _row(_vendor(_data(runs[0]), "sakura"), "s1")
    # B - A on 12 items: both pass 0, fail -> pass 3, pass -> fail 6, both fail 3
    a, b, c, d = 0, 3, 6, 3
    n = a + b + c + d
    assert row["n_shared"] == n and row["discordant"] == [b, c]
    assert row["diff"] == pytest.approx((b - c) / n, abs=1e-6)
    assert row["p"] == pytest.approx(sps.binomtest(b, b + c, 0.5).pvalue, abs=1e-6)
    # Newcombe (1998) method 10 for p_B - p_A, from scipy's Wilson intervals of the two margins
    p1, p2 = (a + b) / n, (a + c) / n
    (l1, u1), (l2, u2) = _wilson(a + b, n), _wilson(a + c, n)
    cross = a * d - b * c  # negative: phi = cross / sqrt(margins)
    phi = cross / math.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    low = p1 - p2 - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    high = p1 - p2 + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))
    assert not row["significant"] and row["mdd"]["method"] == "mcnemar_exact"
    assert row["mdd"]["discordance"] == pytest.approx(9 / 12, abs=1e-6)


def test_holm_per_vendor_total_with_run_b_weights_and_verdicts(runs):
    alpha = _vendor(_data(runs[0]), "kaede")
    s1, s3 = _row(alpha, "s1"), _row(alpha, "s3")
    assert s1["p"] == pytest.approx(2 / 2**6)  # McNemar: 0 vs 6 discordant
    assert s3["test"] == "paired_bootstrap" and s3["diff"] == -0.5  # oracle 1.0 -> echo 0.5 on every item
    assert s3["p"] == pytest.approx(2 / 2001, rel=1e-4)  # every resample below 0: the smallest p
    # Holm over the two suites: sorted (2/2001, 1/32) -> (2 * 2/2001, max(that, 1/32))
    assert s3["p_holm"] == pytest.approx(4 / 2001, rel=1e-4) and s1["p_holm"] == pytest.approx(1 / 32)
    assert s1["significant"] and s3["significant"]
    total = alpha["total"]
    assert total["coefficients"] == {"s1": 0.5, "s3": 0.5}  # run B weighs suites equally (run A by items)
    assert total["diff"] == pytest.approx(0.5 * s1["diff"] + 0.5 * s3["diff"], abs=1e-6)
    assert total["score_a"] == 1.0 and total["ci_high"] < 0 and total["significant"]
    assert (alpha["verdict_a"], alpha["verdict_b"], alpha["verdict_changed"]) == ("適合", "不適合", True)


def test_page_escapes_answers_and_forbids_scripts(runs):
    html = (runs[0] / "out" / "diff.html").read_text(encoding="utf-8")
    assert HOSTILE not in html and "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "script-src 'none'" in html and "default-src 'none'" in html
    assert "版 1.0.0 → 1.1.0: 比較しない" in html
    assert "合 → 否" in html and "否 → 合" in html
    assert "実行 A のみ" in html and "tsubaki" in html
    assert "有意差なし（" in html  # beta's s1: no significant change, with its MDD or why none


def test_default_directory_is_named_after_the_runs(runs):
    root, _ = runs
    proc = evalkit("diff", "runA", "runB", cwd=root)
    assert proc.returncode == 0, proc.stderr
    out = root / "diff-runA-runB"
    assert (out / "diff.html").is_file() and json.loads((out / "diff.json").read_text(encoding="utf-8")) == _data(root)
    again = evalkit("diff", "runA", "runB", cwd=root)
    assert again.returncode == 2 and "--force" in again.stderr and "diff-runA-runB" in again.stderr
    shutil.rmtree(out)


def test_not_a_run_exits_2_naming_it(runs, tmp_path):
    root, _ = runs
    (tmp_path / "empty").mkdir()
    for bad in (tmp_path / "empty", tmp_path / "missing"):
        proc = evalkit("diff", str(bad), str(root / "runB"), "--out", str(tmp_path / "o"))
        assert proc.returncode == 2 and str(bad) in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "store.sqlite").write_text("not a database", encoding="utf-8")
    proc = evalkit("diff", str(root / "runA"), str(tmp_path / "junk"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and str(tmp_path / "junk") in proc.stderr
    assert not (tmp_path / "o").exists()


def test_blinded_runs(runs, tmp_path):
    root, _ = runs
    blinded = []
    for name in ("b1", "b2"):
        shutil.copytree(root / "runB", tmp_path / name)
        with RunStore(tmp_path / name / "store.sqlite") as store:
            store.set_meta("blind", {"seed": 7})
        blinded.append(tmp_path / name)
    # one blinded, one not: comparing would tie pseudonyms to names
    proc = evalkit("diff", str(root / "runA"), str(blinded[0]), "--json")
    assert proc.returncode == 2 and "blinded" in proc.stderr
    # both blinded with the same mapping (here: one run and its copy): compared under pseudonyms
    proc = evalkit("diff", str(blinded[0]), str(blinded[1]), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not list(tmp_path.glob("diff-*"))  # --json alone writes no files
    data = json.loads(proc.stdout)
    assert data["blinding"] == "same"
    # a run against itself: nothing changed
    assert data["suites"]["version_changed"] == [] and len(data["vendors"]) == 3
    for v in data["vendors"]:
        assert v["total"]["diff"] == 0 and not v["total"]["significant"] and not v["verdict_changed"]
        assert all(r["diff"] == 0 and not r["flipped"] for r in v["suites"])
    assert all(v["id"].startswith("vendor-") for v in data["vendors"])
    assert not {"kaede", "sakura", "momiji"} & {v["id"] for v in data["vendors"]}
    assert "kaede" not in proc.stdout and "momiji" not in proc.stdout
    # another mapping (another seed): refused
    with RunStore(blinded[1] / "store.sqlite") as store:
        store.set_meta("blind", {"seed": 8})
    proc = evalkit("diff", str(blinded[0]), str(blinded[1]), "--json")
    assert proc.returncode == 2 and "different mappings" in proc.stderr
