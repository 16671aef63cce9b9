"""Prompt templates: Jinja2 in a sandbox with limits; undefined variables are errors.

Templates are user input (suite files, and data sources' mappings), rendered by `validate` and by
every run. The immutable sandbox already refuses unsafe attributes and calls; on top of it a template
may not include, import or extend other templates (there are none to load), and its work is bounded
so that a hostile or mistaken template fails fast with a positioned error instead of exhausting memory
or time (``{{ 'あ' * 300000000 }}``, nested loops over ``range(100000)``, a doubling ``namespace``):

- every string or list a template builds (``*``, ``+``, ``~``, ``%``, calls and filters) has at most
  ``MAX_SIZE`` characters or elements, and an integer argument of a call or filter at most ``MAX_SIZE``;
- ``**`` takes an exponent of at most ``MAX_EXPONENT`` (beyond ±1 as a base);
- all loops of one rendering together run at most ``MAX_LOOP_ITERATIONS`` times;
- the rendered text has at most ``MAX_SIZE`` characters.

A template that breaks a limit raises ``TemplateLimitError`` (a ``jinja2.TemplateError``), which
`validate` reports as ``file:line:col`` with exit 2.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, cast

import jinja2
from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from ..i18n import tr

MAX_SIZE = 500_000
MAX_LOOP_ITERATIONS = 10_000
MAX_EXPONENT = 256
_WIDTH = re.compile(r"%[-+ #0]*(\d+)|\{[^{}]*:[^{}]*?(\d+)[^{}]*\}")
_LOOP_GUARD = "__evalkit_loop"
_CONCAT_GUARD = "__evalkit_concat"
_FORBIDDEN = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Extends: "extends",
}


class TemplateLimitError(SecurityError):
    """A template exceeded a size or work limit (see the module docstring)."""


_iterations: contextvars.ContextVar[list[int]] = contextvars.ContextVar("evalkit_template_iterations")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else 0


def _check_size(value: Any, what: str) -> Any:
    if _size(value) > MAX_SIZE:
        raise TemplateLimitError(
            tr(
                f"{what} が {_size(value):,} 文字又は要素の値を作ります。上限は {MAX_SIZE:,} です",
                f"{what} builds a value of {_size(value):,} characters or elements; the limit is {MAX_SIZE:,}",
            )
        )
    return value


def _check_args(args: Iterable[Any], what: str) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_SIZE:
            raise TemplateLimitError(
                tr(
                    f"{what} に {arg:,} が渡されました。呼出しとフィルターに渡す数は {MAX_SIZE:,} までです",
                    f"{what} is given {arg:,}; numbers passed to calls and filters are limited to {MAX_SIZE:,}",
                )
            )
        if isinstance(arg, str):
            for m in _WIDTH.finditer(arg):
                width = int(m.group(1) or m.group(2) or 0)
                if width > MAX_SIZE:
                    raise TemplateLimitError(
                        tr(
                            f"{what} の書式の幅が {width:,} です。上限は {MAX_SIZE:,} です",
                            f"{what} formats to a width of {width:,}; the limit is {MAX_SIZE:,}",
                        )
                    )


def _predict(obj: Any, args: tuple[Any, ...], what: str) -> None:
    """Refuse before computing the calls whose result can be far larger than their inputs."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format / format_map
    name = getattr(obj, "__name__", "")
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, str) and name in ("format", "format_map"):
        _check_args([owner], what)
    if isinstance(owner, str) and name == "join" and args and isinstance(args[0], (list, tuple)):
        total = sum(_size(x) for x in args[0]) + len(owner) * len(args[0])
        if total > MAX_SIZE:
            raise TemplateLimitError(
                tr(
                    f"{what} が {total:,} 文字を連結します。上限は {MAX_SIZE:,} です",
                    f"{what} joins {total:,} characters; the limit is {MAX_SIZE:,}",
                )
            )
    if isinstance(owner, str) and name == "replace" and len(args) >= 2 and isinstance(args[1], str):
        bound = len(owner) * max(1, len(args[1]))
        if bound > MAX_SIZE and args[0] in owner:
            raise TemplateLimitError(
                tr(
                    f"{what} が最大 {bound:,} 文字を作る可能性があります。上限は {MAX_SIZE:,} です",
                    f"{what} may build {bound:,} characters; the limit is {MAX_SIZE:,}",
                )
            )


def _loop(iterable: Any) -> Iterator[Any]:
    """Every loop's iterable passes through here: the iterations of one rendering are counted."""
    counter = _iterations.get(None)
    for value in iterable:
        if counter is not None:
            counter[0] += 1
            if counter[0] > MAX_LOOP_ITERATIONS:
                raise TemplateLimitError(
                    tr(
                        f"テンプレートのループが {MAX_LOOP_ITERATIONS:,} 回を超えました",
                        f"the template's loops ran more than {MAX_LOOP_ITERATIONS:,} times",
                    )
                )
        yield value


def _concat(parts: list[Any]) -> str:
    total = sum(len(str(p)) if not isinstance(p, str) else len(p) for p in parts)
    if total > MAX_SIZE:
        raise TemplateLimitError(
            tr(
                f"'~' が {total:,} 文字を作ります。上限は {MAX_SIZE:,} です",
                f"'~' builds {total:,} characters; the limit is {MAX_SIZE:,}",
            )
        )
    return "".join(str(p) for p in parts)


class _Guard(NodeTransformer):
    """Route every loop's iterable and every ``~`` through the guards above."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.Name(_LOOP_GUARD, "load", lineno=node.lineno), [node.iter], [], None, None, lineno=node.lineno
        )
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Call(
            nodes.Name(_CONCAT_GUARD, "load", lineno=node.lineno),
            [nodes.List(node.nodes, lineno=node.lineno)],
            [],
            None,
            None,
            lineno=node.lineno,
        )


class LimitedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals[_LOOP_GUARD] = _loop
        self.globals[_CONCAT_GUARD] = _concat
        self.filters = {name: self._guard_filter(name, f) for name, f in self.filters.items()}

    @staticmethod
    def _guard_filter(name: str, func: Any) -> Any:
        passes = hasattr(func, "jinja_pass_arg")  # the first argument is the context or environment

        def guarded(*args: Any, **kwargs: Any) -> Any:
            given = args[1:] if passes else args
            value, rest = (given[0], given[1:]) if given else (None, ())
            _check_args(list(rest) + list(kwargs.values()), f"filter '{name}'")
            if name == "join" and isinstance(value, (list, tuple)) and sum(_size(x) for x in value) > MAX_SIZE:
                raise TemplateLimitError(
                    tr(
                        f"フィルター 'join' が {MAX_SIZE:,} 文字を超えて連結します",
                        f"filter 'join' joins more than {MAX_SIZE:,} characters",
                    )
                )
            return _check_size(func(*args, **kwargs), f"filter '{name}'")

        if passes:
            # jinja reads this marker off the function object; a nested def declares no such attribute
            guarded.jinja_pass_arg = func.jinja_pass_arg  # type: ignore[attr-defined]  # jinja's marker attribute
        return guarded

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if (
            operator == "**"
            and isinstance(right, (int, float))
            and isinstance(left, (int, float))
            and abs(right) > MAX_EXPONENT
            and abs(left) > 1
        ):
            raise TemplateLimitError(
                tr(
                    f"'**' の指数が {right:,} です。上限は {MAX_EXPONENT} です",
                    f"'**' with an exponent of {right:,}; the limit is {MAX_EXPONENT}",
                )
            )
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if _size(seq) and isinstance(n, int) and not isinstance(n, bool) and _size(seq) * n > MAX_SIZE:
                    raise TemplateLimitError(
                        tr(
                            f"'*' が {_size(seq) * n:,} 文字又は要素を作ります。上限は {MAX_SIZE:,} です",
                            f"'*' builds {_size(seq) * n:,} characters or elements; the limit is {MAX_SIZE:,}",
                        )
                    )
        if operator == "+" and _size(left) + _size(right) > MAX_SIZE:
            raise TemplateLimitError(
                tr(
                    f"'+' が {_size(left) + _size(right):,} 文字又は要素を作ります。上限は {MAX_SIZE:,} です",
                    f"'+' builds {_size(left) + _size(right):,} characters or elements; the limit is {MAX_SIZE:,}",
                )
            )
        if operator == "%" and isinstance(left, str):
            _check_args([left], "'%'")
        return _check_size(super().call_binop(context, operator, left, right), f"'{operator}'")

    # jinja's own signature: __self, so that a keyword argument named ``self`` passes through
    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        what = f"'{getattr(__obj, '__name__', type(__obj).__name__)}()'"
        _check_args(list(args) + list(kwargs.values()), what)
        _predict(__obj, args, what)
        return _check_size(super().call(__context, __obj, *args, **kwargs), what)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for kind, label in _FORBIDDEN.items():
            node = tree.find(kind)
            if node is not None:
                raise jinja2.TemplateSyntaxError(
                    tr(
                        f"プロンプトのテンプレートに '{label}' は使えません"
                        "（プロンプトは単独で完結したテンプレートです）",
                        f"'{label}' is not allowed in a prompt template: a prompt is one self-contained template",
                    ),
                    node.lineno,
                    name,
                    filename,
                )
        # the guard rewrites nodes below the root, never the root itself: a Template comes back
        return cast(nodes.Template, _Guard().visit(tree))


_ENV = LimitedSandbox(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True
)


@lru_cache(maxsize=4096)
def compile_template(source: str) -> Template:
    """Compile once; raises jinja2.TemplateSyntaxError with a template-relative line."""
    return _ENV.from_string(source)


# Names that are variables of the context at a template's top level, except ``self`` (a reference
# to the template itself, made by the compiled code).
_SPECIAL_NAMES = frozenset(["self"])
_ABSENT = object()


@lru_cache(maxsize=4096)
def _interpolation(source: str) -> tuple[tuple[bool, str], ...] | None:
    """The parts of a template that is only text and variable references (``Question: {{ q }}``):
    (True, name) for a variable, (False, text) for text as Jinja outputs it; None for any other
    template. Called once ``compile_template(source)`` succeeded (so the source parses).

    Such a template compiles to ``yield text`` for each text and ``yield str(<variable>)`` for
    each reference, a variable being ``variables[name]`` when given (else a global, else
    undefined): no filter, call, operator, loop or attribute, so nothing the sandbox or the limits
    intercept but the size of the output."""
    tree = _ENV.parse(source)
    parts: list[tuple[bool, str]] = []
    for output in tree.body:
        if type(output) is not nodes.Output:
            return None
        for child in output.nodes:
            if type(child) is nodes.TemplateData:
                parts.append((False, child.data))
            elif type(child) is nodes.Name and child.ctx == "load" and child.name not in _SPECIAL_NAMES:
                parts.append((True, child.name))
            else:
                return None
    return tuple(parts)


def _render_interpolation(parts: tuple[tuple[bool, str], ...], variables: dict[str, Any]) -> str | None:
    """What ``render`` gives for an interpolation-only template (``_interpolation``) when every
    variable it references is given as a ``str`` and the output is within the limit; None
    otherwise (Jinja then renders it, and raises what it raises: an undefined variable, a value
    whose ``str()`` fails, the size limit).

    Equal to Jinja's rendering: each text part is output as is and each variable as ``str(value)``,
    which is the value itself for a ``str``; the output limit is on the total length (checked as it
    grows, so it is broken exactly when the total is over it)."""
    for key in variables:  # Jinja takes the variables as keyword arguments of ``generate(self, ...)``
        if type(key) is not str or key == "self":
            return None
    pieces: list[str] = []
    size = 0
    for is_name, text in parts:
        if is_name:
            value = variables.get(text, _ABSENT)
            if type(value) is not str:  # absent (a global or undefined), or not a str
                return None
            text = value
        size += len(text)
        pieces.append(text)
    if size > MAX_SIZE:
        return None
    return "".join(pieces).strip()


def render(source: str, variables: dict[str, Any]) -> str:
    """Render within the limits; raises jinja2.UndefinedError naming a missing variable and
    TemplateLimitError when the template's output or work exceeds them."""
    template = compile_template(source)
    parts = _interpolation(source)
    if parts is not None:
        fast = _render_interpolation(parts, variables)
        if fast is not None:
            return fast
    token = _iterations.set([0])
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(**variables):
            size += len(chunk)
            if size > MAX_SIZE:
                raise TemplateLimitError(
                    tr(
                        f"描画した文が {MAX_SIZE:,} 文字を超えました",
                        f"the rendered text exceeds {MAX_SIZE:,} characters",
                    )
                )
            out.append(chunk)
        return "".join(out).strip()
    finally:
        _iterations.reset(token)


def template_line(exc: BaseException) -> int | None:
    """The line of the template where a rendering error arose (Jinja rewrites its frames to the
    template's lines), or None."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
