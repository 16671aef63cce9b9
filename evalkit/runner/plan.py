"""Plan: suites x vendors x items x epochs -> requests with stable cache keys."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..config.generation import Generation
from ..config.suite import Item, Suite
from ..config.templates import render
from ..config.vendor import Vendor
from ..data import suite_items
from .conversation import build_script, n_replies
from .store import PlannedRequest

REFERENCE_ENDPOINT = "reference://embedded"


def endpoint_id(vendor: Vendor) -> str:
    """Identity of the endpoint in cache keys (the embedded one has no fixed URL)."""
    if vendor.provider == "reference":
        return REFERENCE_ENDPOINT
    return (vendor.resolved_base_url() or "").rstrip("/")


# The tool whose result carries an item's documents when its suite has ``documents_as: tool``: declared
# in the request (tool_choice none: the model answers, it does not search again).
SEARCH_TOOL = "search_documents"
SEARCH_TOOL_DECLARATION: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": SEARCH_TOOL,
        "description": "Search the municipality's documents and return the passages that match.",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string", "description": "What to search for."}},
            "required": ["query"],
        },
    },
}
SEARCH_TOOLS: dict[str, Any] = {"tools": [SEARCH_TOOL_DECLARATION], "tool_choice": "none"}


def build_messages(suite: Suite, item: Item) -> list[dict[str, Any]]:
    """The messages of an item; a conversation's are its script, with a slot for each model reply
    (runner/conversation.py). Its documents: in the user message (``documents_as: context``: where the
    prompt writes ``{{ documents }}``, else before it) or as the result of a search the assistant made
    (``tool``: an assistant tool call and the tool's answer, after the user message)."""
    if item.turns:
        return build_script(suite, item)
    variables = item.template_vars()
    messages: list[dict[str, Any]] = []
    if suite.system_prompt:
        messages.append({"role": "system", "content": render(suite.system_prompt, variables)})
    user = render(suite.prompt or "", variables)
    if item.documents and suite.documents_as == "context" and not _mentions_documents(suite):
        user = f"{item.documents_block()}\n\n{user}"
    messages.append({"role": "user", "content": user})
    if item.documents and suite.documents_as == "tool":
        arguments = json.dumps({"query": user}, ensure_ascii=False)
        call = {"id": "call_search_1", "type": "function", "function": {"name": SEARCH_TOOL, "arguments": arguments}}
        results = json.dumps({"results": [d.shown() for d in item.documents]}, ensure_ascii=False)
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": "call_search_1", "content": results})
    return messages


_USES_DOCUMENTS = re.compile(r"\{[{%][^}]*\bdocuments\b")


def _mentions_documents(suite: Suite) -> bool:
    """Whether a template places the documents itself ({{ documents }}, {% if documents %}...)."""
    return any(_USES_DOCUMENTS.search(t or "") for t in (suite.prompt, suite.system_prompt))


def request_params(suite: Suite, item: Item, vendor: Vendor) -> dict[str, Any]:
    """The generation parameters of a request (the suite's, the vendor's over them), and the search
    tool's declaration when the item's documents come back as its result."""
    return _item_params(suite, item, suite.generation.merged(vendor.generation))


def _item_params(suite: Suite, item: Item, generation: Generation) -> dict[str, Any]:
    """``request_params`` with the merged generation parameters of the suite and the vendor."""
    params = generation.request_params()
    searched = bool(item.documents) and suite.documents_as == "tool"
    if suite.tools:  # the model may call the suite's tools (and search again, when documents came from a search)
        declared = [t.declaration() for t in suite.tools]
        return {**params, "tools": ([SEARCH_TOOL_DECLARATION] if searched else []) + declared, "tool_choice": "auto"}
    if searched:
        params = {**params, **SEARCH_TOOLS}
    return params


def request_key(
    vendor_id: str,
    endpoint: str,
    model: str,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    epoch: int,
    suite_id: str = "",
) -> str:
    """Stable identity of one request. Vendor and suite ids are part of it: two vendor files that
    point at the same endpoint and model are still two vendors, and two suites that happen to render
    the same prompt are still two results."""
    blob = _KEY_JSON.encode(
        {
            "vendor": vendor_id,
            "suite": suite_id,
            "endpoint": endpoint,
            "model": model,
            "messages": messages,
            "params": params,
            "epoch": epoch,
        }
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# What ``json.dumps(..., ensure_ascii=False, sort_keys=True, separators=(",", ":"))`` builds per call.
_KEY_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def plan(
    suites: Iterable[Suite], vendors: Iterable[Vendor], epochs: int = 1, sealed: Mapping[str, Any] | None = None
) -> list[PlannedRequest]:
    """``sealed``: suite id -> SealInfo of sealed suites; their requests are stored with the
    message text replaced by a placeholder and a keyed digest (the real messages are still sent).
    Pairs that are not applicable are not planned (``runner/applicable.py``): reference models that
    repeat the item (echo, oracle) are not sent sealed items (their answer would be the plaintext),
    vendors without tool calling are not sent suites that declare tools."""
    from ..integrity.sealed import sealed_messages
    from .applicable import reason

    vendors = list(vendors)
    sealed = sealed or {}
    out: list[PlannedRequest] = []
    endpoints: dict[int, str] = {}  # vendor index -> endpoint_id(vendor), computed where first needed
    for suite in suites:
        info = sealed.get(suite.id)
        generations: dict[int, Generation] = {}  # vendor index -> the suite's generation merged with the vendor's
        for item in suite_items(suite):
            messages = build_messages(suite, item)
            turns = n_replies(messages) if item.turns else 0
            stored = sealed_messages(messages, info) if info is not None else None
            for v, vendor in enumerate(vendors):
                if reason(suite, vendor, sealed) is not None:  # 対象外 (runner/applicable.py)
                    continue
                if v not in generations:
                    generations[v] = suite.generation.merged(vendor.generation)
                params = _item_params(suite, item, generations[v])  # = request_params(suite, item, vendor)
                for epoch in range(epochs):
                    if v not in endpoints:
                        endpoints[v] = endpoint_id(vendor)
                    key = request_key(vendor.id, endpoints[v], vendor.model, messages, params, epoch, suite.id)
                    out.append(
                        PlannedRequest(key, vendor.id, suite.id, item.id, epoch, messages, params, stored, turns)
                    )
    return out
