"""Conversation items, turn by turn: the script of an item and the state of one conversation in a run.

A conversation's *script* is its messages with a slot where each model reply goes:
``{"role": "assistant", "content": None, "reply": n}`` (n = 1, 2, ...). The script is what the plan
keys and the store keeps as the request; turn n is sent as the script up to slot n with slots 1..n-1
filled by the model's own replies (MT-Bench style). Each reply is committed to the ``turns`` table the
moment it arrives, so a resume starts at the first unanswered turn and never sends an answered one
again. When the last turn is answered, or a turn fails for good, the conversation's outcome is stored
as the request's response (the last reply and its timings, the sums of tokens and attempts).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

from ..config.suite import Item, Suite
from ..config.templates import render
from .store import PlannedRequest, Response


def build_script(suite: Suite, item: Item) -> list[dict[str, Any]]:
    """The messages of a conversation item, with a slot for each model reply."""
    variables = item.template_vars()
    messages: list[dict[str, Any]] = []
    if suite.system_prompt:
        messages.append({"role": "system", "content": render(suite.system_prompt, variables)})
    answered = set(item.model_turns())
    n = 0
    for index, turn in enumerate(item.turns):
        if turn.user is None:
            messages.append({"role": "assistant", "content": turn.assistant})
            continue
        messages.append({"role": "user", "content": render(turn.user, variables)})
        if index in answered:
            n += 1
            messages.append({"role": "assistant", "content": None, "reply": n})
    return messages


def n_replies(script: list[dict[str, Any]]) -> int:
    return sum(1 for m in script if "reply" in m)


def questions(messages: list[dict[str, Any]]) -> list[str]:
    """The user message each reply answers, in order (a one-message item: its last user message)."""
    out: list[str] = []
    user = ""
    for m in messages:
        if m.get("role") == "user":
            user = str(m.get("content") or "")
        elif "reply" in m:
            out.append(user)
    return out or [user]


def fill(script: list[dict[str, Any]], replies: list[str | None], upto: int | None = None) -> list[dict[str, Any]]:
    """The script with slots 1..len(replies) filled, cut before slot ``upto`` (None: nothing cut; the
    slots not yet answered are left out)."""
    out: list[dict[str, Any]] = []
    for m in script:
        if "reply" not in m:
            out.append(m)
            continue
        n = m["reply"]
        if upto is not None and n >= upto:
            break
        if n <= len(replies):
            out.append({"role": "assistant", "content": replies[n - 1] or ""})
    return out


def answered_prefix(turns: list[Response]) -> list[Response]:
    """The stored turns of a conversation (in turn order; turn n is stored only after turn n-1 was
    answered) up to the first that is not answered."""
    return list(itertools.takewhile(lambda resp: resp.ok, turns))


@dataclass
class Conversation:
    """One conversation being sent: its planned request and the replies it has so far."""

    request: PlannedRequest
    answered: list[Response] = field(default_factory=list)  # ok turns, in order
    failed: list[Response] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return self.request.turns

    @property
    def done(self) -> bool:
        return len(self.answered) >= self.turns

    def next_request(self) -> PlannedRequest:
        """The request of the first unanswered turn: the script up to its slot, earlier slots filled."""
        n = len(self.answered) + 1
        replies = [r.content for r in self.answered]
        messages = fill(self.request.messages, replies, upto=n)
        return replace(self.request, key=f"{self.request.key}#{n}", messages=messages, stored_messages=None, turns=0)

    def add(self, resp: Response) -> int:
        """Take turn ``resp`` (a final outcome of the current turn); returns its turn number."""
        n = len(self.answered) + 1
        (self.answered if resp.ok else self.failed).append(resp)
        return n

    def outcome(self, received_at: str) -> Response:
        """The conversation's response: the last reply when every turn was answered, else the failure."""
        every = self.answered + self.failed
        last = every[-1]
        totals: dict[str, Any] = {}
        for name in ("prompt_tokens", "completion_tokens", "reasoning_tokens"):
            values = [getattr(r, name) for r in every if getattr(r, name) is not None]
            totals[name] = sum(values) if values else None
        # latency and the streaming timings stay the last request's (the operations table's percentiles
        # are per request); tokens and attempts are the conversation's
        return replace(
            last,
            key=self.request.key,
            ok=last.ok and self.done,
            attempts=sum(r.attempts for r in every),
            received_at=received_at,
            **totals,
        )
