"""The item drill-down data: every item's prompt and every vendor's answers, as compact JSON.

The page embeds this as ``<script type="application/json">`` and renders rows on demand, so
10,000 items x 5 vendors stay one file that opens fast. Layout (arrays, not objects, to keep
the file small; every text is an index into the string table ``s``, -1 for none):

    {"vendors": [{"id", "name", "category"}],          # column order of every answer list
     "suites": [{"id", "title", "withheld"}],
     "tags": [tag, ...],
     "s": [text, ...],                                  # each distinct text once
     "items": [[suite, item_id, [tag, ...], critical, [[role, text], ...] | null,
                [answer | null per vendor]], ...]}
    answer = [status, score, passed, [[status, score, passed, content, explanation, error, reasoning(, turns)], ...]]
    turns (conversation items only) = [[reply, reasoning, error], ...] per model turn, in order; the
    item's messages then hold [4, "第n応答"] where each reply goes (the page interleaves them).
    status: 0 scored, 1 error, 2 not scored, 3 never answered; score: 0-1 rounded to 4 places or null;
    passed: 1, 0 or null.

``messages`` is null when the text is withheld (public view of an unpublished or sealed suite, or
any view of a sealed suite but ``--reveal``) and ``[]`` when the store holds no message text for the
item. Suites carry ``sealed`` so the page can say why. With ``reveal`` (sealed text rebuilt in
memory from the sealed file) the sealed items' prompts and scorer explanations come from there.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from ..collector import paused
from ..providers.tool_calls import shown
from ..runner.store import RunStore
from .views import View

STATUS_CODES = {"ok": 0, "error": 1, "not_scored": 2, "pending": 3}
ROLE_CODES = {"system": 0, "user": 1, "assistant": 2, "tool": 3}
REPLY_SLOT = 4  # a conversation's script: where the model's reply n goes


class Strings:
    """A string table: each distinct text stored once (system prompts and refusals repeat a lot)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[str] = []

    def __call__(self, text: Any) -> int:
        if text is None or (isinstance(text, float) and math.isnan(text)) or text == "":
            return -1
        text = str(text)
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.values)
            self.values.append(text)
        return i


def _encoded(messages: Iterable[Any], strings: Strings) -> list[list[int]]:
    """Messages as [[role code, string index], ...]; an assistant's tool calls as one line each; a
    conversation's reply slot as [REPLY_SLOT, "第n応答"]."""
    return [
        [REPLY_SLOT, strings(f"第{m['reply']}応答")]
        if "reply" in m
        else [ROLE_CODES.get(str(m.get("role")), 1), strings(_text(m))]
        for m in messages
        if isinstance(m, dict)
    ]


def _text(message: dict) -> Any:
    calls = message.get("tool_calls")
    if not isinstance(calls, list) or not calls:
        return message.get("content")
    lines = [str(message["content"])] if message.get("content") else []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            lines.append(f"（ツール {function.get('name')} を呼び出し: {function.get('arguments')}）")
    return "\n".join(lines)


def _decoded(raw: str | None, strings: Strings) -> list[list[int]]:
    if raw is None:
        return []
    try:
        return _encoded(json.loads(raw), strings)
    except (TypeError, ValueError, AttributeError):
        return []


def _messages(store: RunStore, vendor_ids: list[str], skip_suites: Iterable[str]) -> dict[tuple[str, str], str]:
    """The messages sent for each item as stored (JSON text, decoded only for the items shown: the
    same for every vendor and epoch; first request wins); none of ``skip_suites`` (withheld or sealed)."""
    marks = ",".join("?" * len(vendor_ids))
    rows = store.db.execute(
        f"SELECT suite_id, item_id, messages FROM requests WHERE vendor_id IN ({marks}) ORDER BY rowid", vendor_ids
    )
    skip = set(skip_suites)
    out: dict[tuple[str, str], str] = {}
    for suite_id, item_id, messages in rows:
        if suite_id not in skip:
            out.setdefault((suite_id, item_id), messages)
    return out


def _renamer(store: RunStore) -> Callable[[str], str] | None:
    from ..integrity import blind

    blinding = blind.of_store(store)
    return blind.text_renamer(blinding) if blinding is not None else None


def _blinded(text: Any, rename: Callable[[str], str] | None) -> Any:
    return rename(text) if rename is not None and isinstance(text, str) else text


def _with_calls(content: Any, calls: Any) -> Any:
    """An answer as the page shows it: its text, then a line per tool call it made."""
    made = shown(calls) if isinstance(calls, str) else ""
    if not made:
        return content
    text = content if isinstance(content, str) else ""
    return f"{text}\n{made}" if text else made


def _score(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, 4)


def _passed(value: Any) -> int | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return 1 if bool(value) else 0


def _error_text(kind: Any, status: Any, message: Any) -> str | None:
    parts = []
    if isinstance(kind, str) and kind:
        parts.append(kind)
    if status is not None and not (isinstance(status, float) and math.isnan(status)):
        parts.append(f"HTTP {int(status)}")
    head = " ".join(parts)
    if isinstance(message, str) and message:
        return f"{head}: {message}" if head else message
    return head or None


def item_payload(
    store: RunStore,
    df: pd.DataFrame,
    results: dict,
    view: View,
    *,
    reveal: dict | None = None,
    store_ids: dict | None = None,
) -> dict:
    """The drill-down data of the variant ``view`` (df and results already filtered by it).

    ``store_ids``: shown vendor id -> id in the store (a blinded run shows pseudonyms)."""
    with paused():  # a few small lists per answer, all kept, no cycle (collector.py)
        return _item_payload(store, df, results, view, reveal=reveal, store_ids=store_ids)


def _item_payload(
    store: RunStore,
    df: pd.DataFrame,
    results: dict,
    view: View,
    *,
    reveal: dict | None,
    store_ids: dict | None,
) -> dict:
    vendors = [
        {"id": v["id"], "name": v["name"], "category": v.get("category", "domestic")} for v in results["vendors"]
    ]
    vendor_ids = [v["id"] for v in vendors]
    col = {vid: i for i, vid in enumerate(vendor_ids)}
    suites = [
        {
            "id": s["id"],
            "title": s["title"],
            "withheld": s["id"] in view.sealed_suites,
            "sealed": s["id"] in view.sealed,
        }
        for s in results["suites"]
    ]
    suite_index = {s["id"]: i for i, s in enumerate(suites)}
    strings = Strings()
    tags: dict[str, int] = {}
    store_ids = store_ids or {}
    skip = set(view.sealed_suites) | set(view.sealed)
    messages = _messages(store, [store_ids.get(v, v) for v in vendor_ids], skip) if vendor_ids else {}
    revealed = reveal if (reveal is not None and view.reveal) else None
    work = df[df.vendor_id.isin(vendor_ids)]
    turns = store.turn_responses()  # conversation key -> its turns
    rename = _renamer(store) if store_ids else None  # a blinded run: the replies name no vendor either
    items: dict[tuple[str, str], list] = {}
    cols = [
        "suite_id",
        "item_id",
        "vendor_id",
        "epoch",
        "status",
        "score",
        "passed",
        "critical",
        "tags",
        "content",
        "explanation",
        "error_kind",
        "http_status",
        "error_message",
        "key",
        "reasoning",
        "tool_calls",
    ]
    # column by column (a list each, the values as the rows would give them): far faster than
    # itertuples over the Arrow-backed text columns
    for (
        suite_id,
        item_id,
        vendor_id,
        epoch,
        status,
        score,
        passed,
        critical,
        row_tags,
        content,
        explanation,
        error_kind,
        http_status,
        error_message,
        key_,
        reasoning,
        tool_calls,
    ) in zip(*(work[c].tolist() for c in cols), strict=True):
        sealed = suite_id in view.sealed
        if sealed:  # the store has no text of a sealed item: shown only when revealed
            explanation = revealed["explanations"].get(key_) if revealed is not None else None
        key = (suite_id, item_id)
        item = items.get(key)
        if item is None:
            if suite_id not in suite_index:
                suite_index[suite_id] = len(suites)
                suites.append(
                    {"id": suite_id, "title": suite_id, "withheld": suite_id in view.sealed_suites, "sealed": sealed}
                )
            withheld = suite_id in view.sealed_suites
            msgs = None
            if not withheld:
                if not sealed:
                    msgs = _decoded(messages.get(key), strings)
                elif revealed is not None:
                    msgs = _encoded(revealed["messages"].get(key, []), strings)
            item = items[key] = [
                suite_index[suite_id],
                item_id,
                [tags.setdefault(t, len(tags)) for t in (row_tags or [])],
                1 if critical else 0,
                msgs,
                [None] * len(vendor_ids),
            ]
        withheld = suite_id in view.sealed_suites
        # withheld text: only the error kind stays (a message may quote the prompt)
        error = None
        if status == "error" or isinstance(error_message, str):
            error = (
                (error_kind if isinstance(error_kind, str) else None)
                if withheld
                else _error_text(error_kind, http_status, error_message)
            )
        entry: list[Any] = [
            STATUS_CODES.get(status, 3),
            _score(score),
            _passed(passed),
            -1 if withheld else strings(_with_calls(content, tool_calls)),
            -1 if withheld else strings(explanation),
            strings(error),
            -1 if withheld else strings(reasoning),
        ]
        if key_ in turns:  # a conversation: every reply (an error's kind only, when withheld)
            entry.append(
                [
                    [
                        -1 if withheld else strings(_blinded(_with_calls(t.content, t.tool_calls), rename)),
                        -1 if withheld else strings(_blinded(t.reasoning, rename)),
                        strings(
                            None
                            if t.ok
                            else t.error_kind
                            if withheld
                            else _blinded(_error_text(t.error_kind, t.http_status, t.error_message), rename)
                        ),
                    ]
                    for t in turns[key_]
                ]
            )
        cell = item[5][col[vendor_id]]
        if cell is None:
            cell = item[5][col[vendor_id]] = [None, None, None, []]
        epochs = cell[3]
        while len(epochs) <= int(epoch):
            epochs.append(None)
        epochs[int(epoch)] = entry
    for item in items.values():
        for cell in item[5]:
            if cell is not None:
                cell[3] = [e for e in cell[3] if e is not None]
                cell[0], cell[1], cell[2] = _item_level(cell[3])
    return {
        "vendors": vendors,
        "suites": suites,
        "tags": list(tags),
        "s": strings.values,
        "items": list(items.values()),
    }


def _item_level(epochs: Iterable[list]) -> tuple[int, float | None, int | None]:
    """Item status over epochs: scored when any epoch was scored (score = mean of scored epochs,
    passed = passed in every scored epoch, as in the statistics); else the worst other status."""
    epochs = list(epochs)
    scored = [e for e in epochs if e[0] == 0]
    if scored:
        scores = [e[1] for e in scored if e[1] is not None]
        score = round(sum(scores) / len(scores), 4) if scores else None
        return 0, score, 1 if all(e[2] == 1 for e in scored) else 0
    statuses = {e[0] for e in epochs}
    for code in (1, 2, 3):
        if code in statuses:
            return code, None, None
    return 3, None, None


_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: it can never close the
    script element (no ``<``), open a comment or an entity, nor break a line in old parsers."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    for char, escaped in _ESCAPES:  # str.replace is far faster than str.translate on tens of MB
        text = text.replace(char, escaped)
    return text


# Above this size the item data is embedded gzip-compressed (base64): Japanese text shrinks about
# threefold, which keeps 10,000 items x 5 vendors with long answers well under 25 MB. Smaller runs
# stay plain JSON, readable and searchable in the raw file.
COMPRESS_ABOVE = 8 * 1024 * 1024


def embed(payload: dict, compress: bool | None = None) -> tuple[str, str]:
    """("json", safe JSON text) or ("gzip", base64 of the gzip-compressed JSON)."""
    text = script_json(payload)
    if compress is None:
        compress = len(text) > COMPRESS_ABOVE
    if not compress:
        return "json", text
    packed = gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
    return "gzip", base64.b64encode(packed).decode("ascii")
