"""The oracle's answer book, built server-side from the suites (never sent to vendors)."""

from __future__ import annotations

from typing import Iterable

from ..config.suite import Suite
from ..data import suite_items
from ..runner.plan import build_messages
from ..scorers import build
from .server import messages_hash


def ideal_answer(suite: Suite, item) -> str:
    """An answer that passes every scorer of the item, from what each scorer asks for."""
    specs = item.scorers if item.scorers is not None else suite.scorers
    parts: list[str] = []
    for spec in specs:
        if spec.kind == "exact":  # an exact match admits nothing else
            return build(spec.kind, spec.params).ideal_answer(item) or ""
        answer = build(spec.kind, spec.params).ideal_answer(item)
        if answer and answer not in parts:
            parts.append(answer)
    if not parts and item.references():
        parts.append(item.references()[0])
    return "\n".join(parts) if parts else "承知しました。ご質問にお答えします。"


def build_answer_book(suites: Iterable[Suite]) -> dict[str, str]:
    book: dict[str, str] = {}
    for suite in suites:
        for item in suite_items(suite):
            book[messages_hash(build_messages(suite, item))] = ideal_answer(suite, item)
    return book
