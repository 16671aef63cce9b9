"""The oracle's answer book, built server-side from the suites (never sent to vendors)."""

from __future__ import annotations

from collections.abc import Iterable

from ..config.suite import Suite
from ..data import suite_items
from ..runner.plan import build_messages
from ..scorers import build
from .server import messages_hash

NEUTRAL = "承知しました。ご質問にお答えします。"


def ideal_answer(suite: Suite, item) -> str:
    """An answer that passes every scorer of the item, from what each scorer asks for.

    Parts are added only for scorers the answer assembled so far does not already pass, so a
    reference that satisfies several scorers (and length limits) is returned as it is.
    """
    specs = suite.scorers_for(item)
    scorers = [build(spec.kind, spec.params) for spec in specs]
    exact = next((s for s in scorers if s.kind == "exact"), None)
    if exact is not None:  # an exact match admits nothing else
        return exact.ideal_answer(item) or ""
    refs = item.references()
    # a reference is the canonical answer, except where the model must decline (it may be the secret) —
    # unless a judge scorer shows the reference to its judge: then it is the ideal decline, no secret
    judged = any(s.kind == "judge" and getattr(s.params, "use_reference", False) for s in scorers)
    parts: list[str] = [refs[0]] if refs and (item.expect != "decline" or judged) else []
    for scorer in scorers:
        if scorer.kind == "judge":  # verdicts come from judges, not from this text
            continue
        current = "\n".join(parts) if parts else NEUTRAL
        if scorer.score(current, item).passed:
            continue
        answer = scorer.ideal_answer(item)
        if answer and answer not in parts:
            parts.append(answer)
    return "\n".join(parts) if parts else NEUTRAL


def build_answer_book(suites: Iterable[Suite]) -> dict[str, str]:
    book: dict[str, str] = {}
    for suite in suites:
        for item in suite_items(suite):
            book[messages_hash(build_messages(suite, item))] = ideal_answer(suite, item)
    return book
