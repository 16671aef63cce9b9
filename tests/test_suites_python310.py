"""Suites run on every supported Python (3.10 and newer): their regular expressions use no syntax
that only Python 3.11's re accepts — atomic groups (?>…) and possessive quantifiers (*+ ++ ?+ {m,n}+).
(Python 3.10 rejected the whole of security.exfiltration for one atomic group.)"""

from __future__ import annotations

import re

from conftest import REPO, read_yaml

ATOMIC = re.compile(r"(?<!\\)\(\?>")
POSSESSIVE = re.compile(r"(?<!\\)(?:[*+?}])\+")


def _strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "why", "note", "reference", "description", "vars", "prompt", "system_prompt"):
                continue  # prose, not patterns
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_no_pattern_needs_python_311():
    found = []
    for path in sorted((REPO / "suites").rglob("*.yaml")):
        data = read_yaml(path.read_text(encoding="utf-8"))
        for text in _strings(data):
            if ATOMIC.search(text) or POSSESSIVE.search(text):
                found.append(f"{path.relative_to(REPO)}: {text[:80]}")
    assert found == []
