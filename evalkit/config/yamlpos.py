"""YAML loading that remembers where every key and value came from.

PyYAML's composer gives us nodes with start marks; we build plain Python
objects from them and keep a map ``path -> (line, column)`` so that schema
errors can point at ``file:line:col``. Duplicate keys, which PyYAML would
silently overwrite, are reported as errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from .issues import ConfigIssue

Loc = tuple  # tuple[str | int, ...]


@dataclass
class Positions:
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    # For block scalars the text starts on the line after the indicator.
    block_scalar: set[Loc] = field(default_factory=set)


@dataclass
class Located:
    """A parsed YAML document; the position of every key and value is indexed on first use.

    Positions are only needed to report a problem, so a clean file (a suite may hold tens of
    thousands of items) never pays for them: they are rebuilt from ``text`` when asked for.
    """

    path: Path
    data: Any
    text: str = ""
    _positions: Optional[Positions] = None

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            positions = Positions()
            loader, node = _compose(self.text, _FAST_LOADER)
            if node is not None:
                _Builder(loader, self.path, positions).build(node, ())
            self._positions = positions
        return self._positions

    @property
    def block_scalar(self) -> set[Loc]:
        return self.positions.block_scalar

    def pos(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Best position for ``loc``: the key or value itself, else its nearest ancestor."""
        values, keys = self.positions.values, self.positions.keys
        loc = tuple(loc)
        while True:
            if key and loc in keys:
                return keys[loc]
            if loc in values:
                return values[loc]
            if loc in keys:
                return keys[loc]
            if not loc:
                return (1, 1)
            loc = loc[:-1]

    def issue(self, loc: Loc, message: str, *, key: bool = False) -> ConfigIssue:
        line, col = self.pos(loc, key=key)
        return ConfigIssue(str(self.path), line, col, format_loc(loc), message)


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Plain Python objects from composed nodes; records positions when given a Positions."""

    def __init__(self, loader: Any, path: Path, positions: Optional[Positions] = None):
        self.loader = loader
        self.path = str(path)
        self.positions = positions
        self.issues: list[ConfigIssue] = []
        # Entries that merge keys (``<<: *anchor``) put first in each mapping, by node id;
        # kept because an aliased node is flattened only once.
        self.merged: dict[int, int] = {}
        self.active: set[int] = set()  # collections being built, to catch recursive aliases

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        record = self.positions
        if record is not None:
            record.values[loc] = _mark(node)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and id(node) in self.active:
            line, col = _mark(node)
            self.issues.append(ConfigIssue(self.path, line, col, format_loc(loc),
                                           "recursive alias: a node cannot contain itself"))
            return None
        if isinstance(node, yaml.MappingNode):
            if id(node) not in self.merged:
                own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
                self.loader.flatten_mapping(node)
                self.merged[id(node)] = len(node.value) - own
            merged = self.merged[id(node)]
            self.active.add(id(node))
            out: dict[Any, Any] = {}
            own_keys: dict[str, int] = {}  # key -> line of its first definition
            for index, (key_node, value_node) in enumerate(node.value):
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    line, col = _mark(key_node)
                    self.issues.append(
                        ConfigIssue(self.path, line, col, format_loc(loc),
                                    "mapping keys must be plain scalars")
                    )
                    continue
                key = str(key) if not isinstance(key, str) else key
                child = loc + (key,)
                if index >= merged and key in own_keys:
                    line, col = _mark(key_node)
                    first = own_keys[key]
                    self.issues.append(
                        ConfigIssue(self.path, line, col, format_loc(child),
                                    f"duplicate key '{key}' (first defined on line {first})")
                    )
                    continue
                if index >= merged:
                    own_keys[key] = _mark(key_node)[0]  # an own key overrides a merged one, as in YAML
                if record is not None:
                    record.keys[child] = _mark(key_node)
                    record.block_scalar.discard(child)
                    if isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">"):
                        record.block_scalar.add(child)
                out[key] = self.build(value_node, child)
            self.active.discard(id(node))
            return out
        if isinstance(node, yaml.SequenceNode):
            self.active.add(id(node))
            out_list = [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
            self.active.discard(id(node))
            return out_list
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, KeyError, TypeError, AttributeError):
            # e.g. ``!!int abc``; the value itself is not echoed (it may be a secret)
            line, col = _mark(node)
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.issues.append(ConfigIssue(self.path, line, col, format_loc(loc),
                                           f"cannot read value as {tag}"))
            return None


# libyaml (C) composes ~10x faster than the pure-Python parser; suites grow to thousands of items.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str, loader_cls: type) -> tuple[Any, Optional[yaml.Node]]:
    loader = loader_cls(text)
    try:
        return loader, loader.get_single_node()
    finally:
        loader.dispose()


def load_yaml(path: Path, text: str | None = None) -> tuple[Located | None, list[ConfigIssue]]:
    """Parse ``path``; return the located document or the issues that stop it."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            return None, [ConfigIssue(str(path), 1, 1, "(document)", f"file is not valid UTF-8: {exc.reason}")]
        except OSError as exc:
            return None, [ConfigIssue(str(path), 1, 1, "(document)", f"cannot read file: {exc.strerror}")]
    try:
        try:
            loader, node = _compose(text, _FAST_LOADER)
        except yaml.YAMLError:
            # libyaml found a problem: re-parse in pure Python for its clearer message and marks
            loader, node = _compose(text, yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        context = ""
        if exc.context:
            start = exc.context_mark
            where = f" starting on line {start.line + 1}" if start and mark and start.line != mark.line else ""
            context = f" ({exc.context}{where})"
        return None, [ConfigIssue(str(path), line, col, "(syntax)", f"YAML syntax error: {problem}{context}")]
    except yaml.YAMLError as exc:
        return None, [ConfigIssue(str(path), 1, 1, "(syntax)", f"YAML error: {exc}")]
    doc = Located(path=path, data=None, text=text)
    if node is None:
        return None, [ConfigIssue(str(path), 1, 1, "(document)", "file is empty; expected a mapping")]
    builder = _Builder(loader, path)
    try:
        doc.data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [ConfigIssue(str(path), line, col, "(value)", f"cannot read value: {exc.problem}")]
    if builder.issues:
        return None, builder.issues
    if not isinstance(doc.data, dict):
        return None, [doc.issue((), f"expected a mapping at the top level, got {type(doc.data).__name__}")]
    return doc, []
