"""Multiple choice without a model: the overlap and longest-option heuristics per suite.

`evalkit validate --self-check` prints, per suite with multiple-choice items, chance and what the
two heuristics get right, and fails a suite whose heuristic is not near chance (one-sided exact
test p < 0.01 and accuracy more than 10 points above chance).
"""

from __future__ import annotations

from conftest import evalkit, make_workspace, read_yaml

from evalkit.config.suite import Suite
from evalkit.reference.baselines import choice_baselines, choice_item, tail_probability

CANARY = "canary: evalkit-canary:7b2e4c1d-9a3f-4e56-8b7c-1d2e3f4a5b6c\n"
HEAD = (
    'id: mc\nversion: "1.0.0"\ntitle: 四択\ncriterion: leaf\n'
    + CANARY
    + 'prompt: "{{ question }}\\n{{ choices }}"\nscorers: [{kind: choice}]\nitems:\n'
)


def _item(i: int, choices: list[str], answer: str, question: str) -> str:
    body = "\\n".join(f"{label} {text}" for label, text in zip("abcd", choices, strict=True))
    return f'  - id: q{i}\n    vars: {{question: "{question}", choices: "{body}"}}\n    reference: {answer}\n'


# Eight distinct questions (no two are near-duplicates of each other) with four distinct short options each.
QUESTIONS = [
    ("転入届はいつまでに出しますか。", ["引っ越しの前日", "翌月の末日", "一年以内", "転入した日から十四日以内"]),
    ("印鑑登録に必要なものは何ですか。", ["登録する印鑑と本人確認書類", "住民票", "納税証明", "戸籍謄本"]),
    ("児童手当の支給月はどれですか。", ["毎月", "偶数月", "年一回", "三月のみ"]),
    ("粗大ごみの収集方法を選んでください。", ["集積所へ随時", "電話か電子申請で予約", "持込のみ", "回収しない"]),
    ("介護保険料を納める人は誰ですか。", ["十八歳以上", "四十歳以上の加入者", "全世帯", "事業主だけ"]),
    ("住民税の納期は年に何回ありますか。", ["一回", "二回", "四回", "十二回"]),
    ("図書館の本の貸出期間を答えてください。", ["三日", "一週間", "二週間", "一か月"]),
    ("国民健康保険の窓口はどこですか。", ["保険年金課", "市民課", "税務課", "福祉課"]),
]


def longest_suite() -> str:
    """The right option is always the longest (and sits at a different letter each time)."""
    items = []
    for i, (question, options) in enumerate(QUESTIONS):
        answer = max(range(4), key=lambda j: len(options[j]))
        items.append(_item(i, options, "abcd"[answer], question))
    return HEAD + "".join(items)


def balanced_suite() -> str:
    """The same questions, the right option moved so that it is the longest only as often as chance."""
    items = []
    for i, (question, options) in enumerate(QUESTIONS):
        longest = max(range(4), key=lambda j: len(options[j]))
        answer = longest if i in (0, 4) else (longest + 1 + i % 3) % 4
        items.append(_item(i, options, "abcd"[answer], question))
    return HEAD + "".join(items)


def _suite(text: str) -> Suite:

    return Suite.model_validate(read_yaml(text))


def test_exact_tail_probability():
    assert abs(tail_probability([0.25] * 5, 4) - (5 * 0.25**4 * 0.75 + 0.25**5)) < 1e-12
    assert tail_probability([0.25] * 5, 0) == 1.0
    # different numbers of options: Poisson-binomial
    assert abs(tail_probability([0.5, 0.25], 2) - 0.125) < 1e-12


def test_longest_option_suite_is_flagged():
    row = choice_baselines(_suite(longest_suite()))
    assert row.items == 8 and abs(row.chance - 0.25) < 1e-9
    assert row.right["longest"] == 8
    assert "longest" in row.flagged()


def test_balanced_suite_is_near_chance():
    row = choice_baselines(_suite(balanced_suite()))
    assert row.right["longest"] == 2 and row.right["overlap"] <= 2
    assert row.flagged() == []


def test_overlap_picks_the_option_that_repeats_the_prompt():
    suite = _suite(
        HEAD
        + _item(
            0,
            ["申請は不要である。", "審査基準を公にしておかなければならない。", "裁量による。", "求めがあれば示す。"],
            "b",
            "行政庁は審査基準を公にしておかなければならないか。",
        )
    )
    item = choice_item(suite, suite.items[0])
    assert item.overlap() == 1 and item.longest() == 1


def test_katakana_labels_and_list_options_are_read():
    text = (
        'id: mc\nversion: "1"\ntitle: t\ncriterion: leaf\nprompt: "{{ q }}{{ opts }}"\n'
        "scorers: [{kind: choice, params: {options_var: opts, n_options: 3}}]\nitems:\n"
        '  - {id: a, vars: {q: 問い, opts: "ア 一\\nイ 二二\\nウ 三三三"}, reference: ウ}\n'
        "  - {id: b, vars: {q: 問い, opts: [一, 二二, 三三三]}, reference: a}\n"
    )
    suite = _suite(text)
    first, second = (choice_item(suite, item) for item in suite.items)
    assert first.options == {0: "一", 1: "二二", 2: "三三三"} and first.answer == 2
    assert second.answer == 0 and second.longest() == 2


def test_self_check_fails_a_suite_a_heuristic_sees_through(tmp_path):
    work = make_workspace(tmp_path / "w", {"mc": longest_suite()}, {})
    proc = evalkit("validate", "--self-check", "suites", cwd=work)
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "multiple choice answerable without a model" in line]
    assert len(lines) == 1 and lines[0].startswith("suites/mc.yaml:1:")
    assert "longest 8/8 (100.0%" in lines[0]
    row = next(line.split() for line in proc.stdout.splitlines() if line.startswith("mc ") and "chance" in line)
    assert row[1:3] == ["8", "25.0%"] and "NOT" in row


def test_self_check_passes_a_balanced_suite_and_prints_its_line(tmp_path):
    work = make_workspace(tmp_path / "w", {"mc": balanced_suite()}, {})
    proc = evalkit("validate", "--self-check", "suites", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert any(line.startswith("mc ") and line.endswith("near chance") for line in proc.stdout.splitlines())
