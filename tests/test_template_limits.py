"""Prompt templates are user input: they render in Jinja2's sandbox with limits on size and work, and
a template that breaks one, includes/imports/extends another, or fails in any other way is a
positioned validation error (exit 2), never an internal error or an exhausted machine (issue 13 #13)."""

from __future__ import annotations

import jinja2
import pytest
from conftest import SMALL_CRITERIA, evalkit, make_workspace

from evalkit.config.templates import MAX_LOOP_ITERATIONS, MAX_SIZE, TemplateLimitError, render


def suite(prompt: str) -> str:
    return (
        'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\n'
        f"prompt: |\n  前置き\n  {prompt}\nscorers: [{{kind: exact}}]\n"
        "items:\n  - {id: a, vars: {q: 首都は}, reference: 東京}\n"
    )


@pytest.mark.parametrize(
    "prompt, message",
    [
        ("{{ 'あ' * 300000000 }}", "'*' builds 300,000,000 characters"),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            f"loops ran more than {MAX_LOOP_ITERATIONS:,} times",
        ),
        (
            "{% set ns = namespace(x='a') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x }}",
            "'~' builds",
        ),
        ("{{ 9 ** 9999999 }}", "'**' with an exponent"),
        ("{{ q|center(999999999) }}", "filter 'center' is given 999,999,999"),
        ("{{ '{:>999999999}'.format(q) }}", "formats to a width of 999,999,999"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
    ],
)
def test_hostile_templates_are_positioned_errors(tmp_path, prompt, message):
    work = make_workspace(tmp_path / "w", {"s": suite(prompt)}, {}, criteria=SMALL_CRITERIA)
    proc = evalkit("validate", cwd=work, timeout=120)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.splitlines()[0]
    assert line.startswith("suites/s.yaml:10:") and "prompt does not render (line 2 of the template)" in line, line
    assert message in line, line


@pytest.mark.parametrize(
    "tag", ["{% include 'other.yaml' %}", "{% import 'm' as m %}", "{% from 'm' import x %}", "{% extends 'base' %}"]
)
def test_include_import_and_extends_are_errors_not_crashes(tmp_path, tag):
    work = make_workspace(tmp_path / "w", {"s": suite(tag)}, {}, criteria=SMALL_CRITERIA)
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("suites/s.yaml:") and "is not allowed in a prompt template" in proc.stderr


def test_ordinary_templates_render_as_before():
    text = render(
        "{% for c in choices %}{{ loop.index }}. {{ c }}\n{% endfor %}{{ q|upper ~ '!' }}",
        {"choices": ["甲", "乙"], "q": "abc"},
    )
    assert text == "1. 甲\n2. 乙\nABC!"
    assert len(render("{{ 'x' * n }}", {"n": MAX_SIZE})) == MAX_SIZE
    with pytest.raises(TemplateLimitError):
        render("{{ 'x' * n }}{{ 'y' }}", {"n": MAX_SIZE})  # the rendered text is limited too
    with pytest.raises(jinja2.UndefinedError):
        render("{{ missing }}", {})
