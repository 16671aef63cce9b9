"""The near-duplicate distribution tool (python -m evalkit.reference.near_duplicates) on a small
project of real suite files: the histogram, the flagged pair marked with its file:line, and the
loaded-from-nowhere entry named by its suite id."""

from __future__ import annotations

from conftest import make_workspace

from evalkit.config.suite import Suite
from evalkit.reference.near_duplicates import Entry, distribution, main, near_duplicates, pair_line, where

CANARY = "canary: evalkit-canary:7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d\n"
Q = "住民票の写しをコンビニエンスストアで取るには何が必要ですか。利用できる時間帯も教えてください。"


def _suite_text(sid: str, questions: list[str]) -> str:
    items = "".join(f'  - {{id: {sid}-{i}, vars: {{q: "{q}"}}, reference: x}}\n' for i, q in enumerate(questions))
    return (
        f'id: {sid}\nversion: "1"\ntitle: t\ncriterion: leaf\nprompt: "{{{{ q }}}}"\n'
        + CANARY
        + "scorers: [{kind: contains}]\nitems:\n"
        + items
    )


def test_the_tool_prints_the_histogram_and_marks_the_pair_at_its_lines(tmp_path, capsys):
    work = make_workspace(
        tmp_path / "w",
        {
            "a": _suite_text("a", [Q, "図書館の開館時間を平日は20時まで延長する案について意見を述べてください。"]),
            "b": _suite_text("b", [Q.replace("教えてください", "お知らせください")]),
        },
        {},
    )
    assert main([str(work / "suites"), "--floor", "0.0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 inline items in 2 suites; ")
    assert "Jaccard bin   pairs" in out
    flagged = [line for line in out.splitlines() if line.startswith("* ")]
    assert len(flagged) == 1
    assert "a/a-0 ~ b/b-0: Jaccard" in flagged[0]
    assert "a.yaml:" in flagged[0] and "b.yaml:" in flagged[0]  # each side's file:line


def test_the_distribution_bins_every_pair_that_shares_a_gram():
    a = Suite.model_validate(
        {
            "id": "a",
            "version": "1",
            "title": "t",
            "criterion": "leaf",
            "prompt": "{{ q }}",
            "scorers": [{"kind": "contains"}],
            "items": [
                {"id": "x", "vars": {"q": Q}, "reference": "x"},
                {"id": "y", "vars": {"q": Q + "至急"}, "reference": "x"},
            ],
        }
    )
    report = distribution([a])
    assert report.sharing == len(report.pairs) == 1
    assert sum(report.histogram.values()) == 1 and max(report.histogram) <= 0.95
    pair = near_duplicates([a]).flagged()[0]
    assert isinstance(pair.a, Entry) and pair.a.loaded is None
    assert where(pair.a) == "a"  # no file known: the suite id
    assert pair_line(pair).endswith("[a ~ a]")
