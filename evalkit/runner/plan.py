"""Plan: suites x vendors x items x epochs -> requests with stable cache keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..config.suite import Item, Suite
from ..config.templates import render
from ..config.vendor import Vendor
from ..data import suite_items
from .store import PlannedRequest

REFERENCE_ENDPOINT = "reference://embedded"


def endpoint_id(vendor: Vendor) -> str:
    """Identity of the endpoint in cache keys (the embedded one has no fixed URL)."""
    if vendor.provider == "reference":
        return REFERENCE_ENDPOINT
    return (vendor.resolved_base_url() or "").rstrip("/")


def build_messages(suite: Suite, item: Item) -> list[dict[str, str]]:
    messages = []
    if suite.system_prompt:
        messages.append({"role": "system", "content": render(suite.system_prompt, item.vars)})
    messages.append({"role": "user", "content": render(suite.prompt, item.vars)})
    return messages


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
    blob = json.dumps(
        {
            "vendor": vendor_id,
            "suite": suite_id,
            "endpoint": endpoint,
            "model": model,
            "messages": messages,
            "params": params,
            "epoch": epoch,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def plan(
    suites: Iterable[Suite], vendors: Iterable[Vendor], epochs: int = 1, sealed: Mapping[str, Any] | None = None
) -> list[PlannedRequest]:
    """``sealed``: suite id -> SealInfo of sealed suites; their requests are stored with the
    message text replaced by a placeholder and a keyed digest (the real messages are still sent).
    Reference models that repeat the item (echo, oracle) are not sent sealed items at all: their
    answer would be the plaintext (``integrity.sealed.withheld_from_sealed``)."""
    from ..integrity.sealed import sealed_messages, withheld_from_sealed

    vendors = list(vendors)
    sealed = sealed or {}
    out: list[PlannedRequest] = []
    for suite in suites:
        info = sealed.get(suite.id)
        for item in suite_items(suite):
            messages = build_messages(suite, item)
            stored = sealed_messages(messages, info) if info is not None else None
            for vendor in vendors:
                if info is not None and withheld_from_sealed(vendor):
                    continue
                params = suite.generation.merged(vendor.generation).request_params()
                for epoch in range(epochs):
                    key = request_key(vendor.id, endpoint_id(vendor), vendor.model, messages, params, epoch, suite.id)
                    out.append(PlannedRequest(key, vendor.id, suite.id, item.id, epoch, messages, params, stored))
    return out
