"""Jinja2 over records: mapping values, item ids and filters, in the prompts' sandbox.

The templates are compiled and rendered by ``evalkit.config.templates`` (an immutable sandbox
with StrictUndefined), the same environment as prompts. A mapping value that is exactly one
``{{ expression }}`` keeps the expression's type (a list stays a list, 3 stays 3): it is rendered
through ``tojson`` and read back. Any other string is rendered as text.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import jinja2

from ..config.suite import ITEM_ID_PATTERN
from ..config.templates import compile_template, render
from ..i18n import tr

_SINGLE = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.DOTALL)
_ITEM_ID = re.compile(ITEM_ID_PATTERN)


class TemplateProblem(Exception):
    """A template that does not compile (syntax) or does not render for a record."""

    def __init__(self, message: str, syntax: bool = False):
        super().__init__(message)
        self.message = message
        self.syntax = syntax


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


class Compiled:
    """One mapping value, id template or filter, compiled once and evaluated per record."""

    def __init__(self, source: str, *, typed: bool = True, boolean: bool = False):
        self.raw = source
        inner = ""  # the expression as written, in the modes that have one
        if boolean:
            expr = source.strip()
            match = _SINGLE.match(expr)
            if match:  # a filter written as {{ ... }} is accepted too
                expr = match.group("expr")
            inner = expr
            self.text = "{% if (" + expr + ") %}1{% endif %}"
            self.mode = "bool"
        else:
            match = _SINGLE.match(source) if typed else None
            if match:
                inner = match.group("expr")
                self.text = "{{ (" + match.group("expr") + ") | tojson }}"
                self.expr_text = "{{ " + match.group("expr") + " }}"
                self.mode = "json"
            else:
                self.text = source
                self.mode = "text"
        try:
            if self.mode != "text":  # the expression as written first: its errors read naturally
                compile_template("{{ " + inner + " }}")
            compile_template(self.text)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(
                tr(f"テンプレートの構文エラー: {exc.message}", f"template syntax error: {exc.message}"), syntax=True
            ) from None

    def __call__(self, record: dict) -> Any:
        variables = dict(record)
        variables.setdefault("record", record)
        try:
            if self.mode == "json":
                try:
                    out = compile_template(self.text).render(**variables)
                except TypeError:
                    # tojson met an undefined name (StrictUndefined is not JSON): render the bare
                    # expression for jinja's own "'x' is undefined" message
                    compile_template(self.expr_text).render(**variables)
                    raise
                return json.loads(out)
            out = (
                render(self.text, variables) if self.mode == "text" else compile_template(self.text).render(**variables)
            )
        except jinja2.UndefinedError as exc:
            raise TemplateProblem(str(exc.message)) from None
        except (
            jinja2.TemplateError,
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            AttributeError,
            ZeroDivisionError,
        ) as exc:
            raise TemplateProblem(f"{type(exc).__name__}: {exc}") from None
        if self.mode == "bool":
            return out.strip() == "1"
        return out


def record_hash(record: dict) -> str:
    blob = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def content_id(record: dict) -> str:
    """The default item id: stable for the same record content, whatever its position in the file."""
    return "r-" + record_hash(record)[:12]


def safe_id(value: Any) -> str:
    """``value`` as an item id. A value with characters ids cannot hold (e.g. Japanese) keeps its ASCII
    letters and digits and gains a short hash of the whole value, so distinct values stay distinct."""
    text = str(value).strip()
    if _ITEM_ID.match(text):
        return text
    ascii_part = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40].strip("-")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{ascii_part}-{digest}" if ascii_part else f"id-{digest}"


def sample_rank(seed: int, item_id: str) -> str:
    """Order for seeded sampling: a hash of (seed, id), so the same records are kept whatever the
    order of the file, and adding records elsewhere keeps most of the previous sample."""
    return hashlib.sha256(f"{seed}:{item_id}".encode()).hexdigest()


def field_names(record: dict, limit: int = 12) -> str:
    names = list(record)
    shown = ", ".join(names[:limit])
    return shown + (tr(f", …（全 {len(names)} 項目）", f", … ({len(names)} fields)") if len(names) > limit else "")
