"""Writing a generated suite file (``evalkit import aisev|inspect``, ``evalkit attacks``): the editor's
schema line, the generator's header comments, then the suite as YAML with multi-line texts as blocks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml


class SuiteDumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> Any:
    # a block (|) only where it reads back the same: not with trailing blanks or carriage returns
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) and "\r" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


SuiteDumper.add_representer(str, _str)


def render_suite(suite: dict[str, Any], out: Path, header: Sequence[str]) -> str:
    """The text of the suite file ``out``: a schema line (relative to ``out``, when ./schemas has the suite
    schema), the ``header`` comment lines (each without its ``# ``), then ``suite``."""
    schema = Path.cwd() / "schemas" / "suite.schema.json"
    lines = []
    if schema.is_file():
        rel = os.path.relpath(schema, out.resolve().parent)
        lines.append(f"# yaml-language-server: $schema={Path(rel).as_posix()}")
    lines += [f"# {line}" for line in header]
    body = yaml.dump(
        suite, Dumper=SuiteDumper, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False
    )
    return "\n".join(lines) + "\n" + body
