"""Prompt templates: Jinja2 in a sandbox, undefined variables are errors."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment

_ENV = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False,
    trim_blocks=True, lstrip_blocks=True,
)


@lru_cache(maxsize=4096)
def compile_template(source: str) -> Template:
    """Compile once; raises jinja2.TemplateSyntaxError with a template-relative line."""
    return _ENV.from_string(source)


def render(source: str, variables: dict) -> str:
    """Render; raises jinja2.UndefinedError naming a missing variable."""
    return compile_template(source).render(**variables).strip()
