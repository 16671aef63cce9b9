"""The oracle's answer book, built server-side from the suites (never sent to vendors)."""

from __future__ import annotations

from collections.abc import Iterable

from ..config.suite import Suite
from ..data import suite_items
from ..runner.conversation import fill
from ..runner.plan import build_messages
from ..scorers import build
from ..scorers.replies import turn_item
from ..scorers.tools import ToolCall
from .server import messages_hash

NEUTRAL = "承知しました。ご質問にお答えします。"


def ideal_answer(suite: Suite, item, reply: int | None = None) -> str:
    """An answer that passes every scorer of the item, from what each scorer asks for (``reply``: of a
    conversation, the scorers of that reply, 0 for the first; None: the last reply's).

    Parts are added only for scorers the answer assembled so far does not already pass, so a
    reference that satisfies several scorers (and length limits) is returned as it is.
    """
    specs = suite.scorers_for(item)
    target: int | None = None
    if item.turns:
        targets = suite.scored_replies(item)
        last = len(item.model_turns()) - 1
        wanted = last if reply is None else reply
        specs = [s for s, t in zip(specs, targets, strict=True) if (last if t is None else t) == wanted]
        target = None if wanted == last else wanted
    scorers = [build(spec.kind, spec.params) for spec in specs]
    exact = next((s for s in scorers if s.kind == "exact"), None)
    if exact is not None:  # an exact match admits nothing else
        return exact.ideal_answer(item) or ""
    refs = item.references() if reply is None or not item.turns or reply == len(item.model_turns()) - 1 else []
    # a reference is the canonical answer, except where the model must decline (it may be the secret) —
    # unless a judge scorer shows the reference to its judge: then it is the ideal decline, no secret
    judged = any(s.kind == "judge" and getattr(s.params, "use_reference", False) for s in scorers)
    parts: list[str] = [refs[0]] if refs and (item.expect != "decline" or judged) else []
    for scorer in scorers:
        if scorer.kind == "judge":  # verdicts come from judges, not from this text
            continue
        seen = turn_item(scorer, target, item)  # (a turn's refusal scorer may expect otherwise than the item)
        current = "\n".join(parts) if parts else NEUTRAL
        if scorer.score(current, seen).passed:
            continue
        answer = scorer.ideal_answer(seen)
        if answer and answer not in parts:
            parts.append(answer)
    return "\n".join(parts) if parts else NEUTRAL


def ideal_calls(suite: Suite, item) -> list[dict[str, str]] | None:
    """The tool calls the oracle makes for an item of a suite with tools (its tool_call scorers')."""
    if not suite.tools:
        return None
    targets = suite.scored_replies(item)
    calls: list[dict[str, str]] = []
    for spec, target in zip(suite.scorers_for(item), targets, strict=True):
        if spec.kind != "tool_call" or target is not None:
            continue
        scorer = build(spec.kind, spec.params)
        made = scorer.ideal_calls(item) if isinstance(scorer, ToolCall) else None
        calls += [c for c in made or [] if c not in calls]
    return calls or None


def build_answer_book(suites: Iterable[Suite]) -> dict[str, str | dict]:
    """Messages hash -> the oracle's answer: its text, or {content, tool_calls} when it calls tools."""
    book: dict[str, str | dict] = {}
    for suite in suites:
        for item in suite_items(suite):
            messages = build_messages(suite, item)
            if not item.turns:
                calls = ideal_calls(suite, item)
                answer = ideal_answer(suite, item)
                if calls:  # a reply that calls a tool says nothing more unless a scorer asks for text
                    book[messages_hash(messages)] = {
                        "content": "" if answer == NEUTRAL else answer,
                        "tool_calls": calls,
                    }
                else:
                    book[messages_hash(messages)] = answer
                continue
            replies: list[str | None] = []  # a conversation: the oracle's own replies make its history
            for n in range(len(item.model_turns())):
                answer = ideal_answer(suite, item, n)
                book[messages_hash(fill(messages, replies, upto=n + 1))] = answer
                replies.append(answer)
    return book
