"""YAML loading that remembers where every key and value came from.

PyYAML's composer gives us nodes with start marks; we build plain Python
objects from them and keep a map ``path -> (line, column)`` so that schema
errors can point at ``file:line:col``. Duplicate keys, which PyYAML would
silently overwrite, are reported as errors.

Every alias is built as a fresh copy (nothing downstream has to worry about shared, mutable
objects), so before building, the composed node graph is measured without expanding it: a
document whose aliases would add more than ``MAX_ALIAS_NODES`` nodes (an "alias bomb": a few
hundred bytes that expand to billions of nodes) is rejected with one positioned issue instead of
exhausting memory. So is one that nests deeper than ``MAX_DEPTH``, instead of exhausting the
stack (libyaml's composer and the builder recurse once per level).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from ..collector import paused
from ..i18n import tr
from .issues import ConfigIssue, path_issue

Loc = tuple[str | int, ...]  # a path into the document: mapping keys and list indexes

# Nodes that aliases may add to a document beyond the ones written in it (each alias is a copy).
MAX_ALIAS_NODES = 1_000_000
# Nesting levels of collections; configuration never needs more than a dozen.
MAX_DEPTH = 100
TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)"


def too_deep() -> str:
    """TOO_DEEP in the console language."""
    return tr(
        f"入れ子が深すぎます（リストとマッピングが {MAX_DEPTH} 段を超えています）",
        f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)",
    )


# libyaml's composer recurses in C once per level (it crashed the process between 20,000 and 40,000
# levels with an 8 MB stack). Up to this many possible levels it is safe; above it the nesting is
# first measured from the event stream, which does not recurse (some 15% more time for such a file;
# only files with thousands of flow collections pay it).
_SAFE_COMPOSE_DEPTH = 10_000


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
    _positions: Positions | None = None

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            positions = Positions()
            with paused():  # (collector.py: a few objects per node, all kept)
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

    def __init__(self, loader: Any, path: Path, positions: Positions | None = None):
        self.loader = loader
        self.path = str(path)
        self.positions = positions
        self.issues: list[ConfigIssue] = []
        # Entries that merge keys (``<<: *anchor``) put first in each mapping, by node id;
        # kept because an aliased node is flattened only once.
        self.merged: dict[int, int] = {}
        self.active: set[int] = set()  # collections being built, to catch recursive aliases
        self.too_deep = False  # reported once
        # PyYAML's own constructor of strings and flattening of merge keys (a loader class can be
        # given others): a string is then its node's value, as ``construct_object`` would return
        # it, and a mapping without merge or ``=`` keys is what flattening leaves unchanged.
        stock = type(loader)
        self.plain = (
            stock.yaml_constructors.get(_STR_TAG) is SafeConstructor.construct_yaml_str
            and stock.flatten_mapping is SafeConstructor.flatten_mapping
        )

    def _scalar(self, node: yaml.Node) -> Any:
        """``construct_object(node, deep=True)``, of a key or a scalar (where it may raise)."""
        if self.plain and type(node) is yaml.ScalarNode and node.tag == _STR_TAG:
            return node.value
        return self.loader.construct_object(node, deep=True)

    def _report(self, node: yaml.Node, field: str, message: str) -> None:
        line, col = _mark(node)
        self.issues.append(ConfigIssue(self.path, line, col, field, message))

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        record = self.positions
        if record is not None:
            record.values[loc] = _mark(node)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in self.active:
                self._report(
                    node,
                    format_loc(loc),
                    tr(
                        "再帰的なエイリアスです（ノードが自分自身を含んでいます）",
                        "recursive alias: a node cannot contain itself",
                    ),
                )
                return None
            if len(loc) >= MAX_DEPTH:  # a collection at loc is level len(loc) + 1
                if not self.too_deep:
                    self.too_deep = True
                    self._report(node, "(document)", too_deep())
                return None
        if isinstance(node, yaml.MappingNode):
            if id(node) not in self.merged:
                tags = [key_node.tag for key_node, _ in node.value]
                if self.plain and _MERGE_TAG not in tags and _VALUE_TAG not in tags:
                    self.merged[id(node)] = 0  # flattening would change nothing
                else:
                    own = sum(1 for tag in tags if tag != _MERGE_TAG)
                    self.loader.flatten_mapping(node)
                    self.merged[id(node)] = len(node.value) - own
            merged = self.merged[id(node)]
            self.active.add(id(node))
            # without positions to record, a string is taken from its node here (``_scalar``)
            plain = self.plain and record is None
            out: dict[Any, Any] = {}
            own_keys: dict[str, yaml.Node] = {}  # key -> the node of its first definition
            for index, (key_node, value_node) in enumerate(node.value):
                if plain and type(key_node) is yaml.ScalarNode and key_node.tag == _STR_TAG:
                    key = key_node.value
                else:
                    key = self._scalar(key_node)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    self._report(
                        key_node,
                        format_loc(loc),
                        tr("マッピングのキーは単純なスカラー値にしてください", "mapping keys must be plain scalars"),
                    )
                    continue
                key = str(key) if not isinstance(key, str) else key
                if index >= merged:
                    if key in own_keys:
                        first = _mark(own_keys[key])[0]
                        self._report(
                            key_node,
                            format_loc(loc + (key,)),
                            tr(
                                f"キー '{key}' が重複しています（最初は {first} 行目）",
                                f"duplicate key '{key}' (first defined on line {first})",
                            ),
                        )
                        continue
                    own_keys[key] = key_node  # an own key overrides a merged one, as in YAML
                if plain and type(value_node) is yaml.ScalarNode and value_node.tag == _STR_TAG:
                    out[key] = value_node.value
                    continue
                child = loc + (key,)
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
            plain = self.plain and record is None
            out_list = [
                item.value
                if plain and type(item) is yaml.ScalarNode and item.tag == _STR_TAG
                else self.build(item, loc + (i,))
                for i, item in enumerate(node.value)
            ]
            self.active.discard(id(node))
            return out_list
        try:
            return self._scalar(node)
        except (ValueError, KeyError, TypeError, AttributeError):
            # e.g. ``!!int abc``; the value itself is not echoed (it may be a secret)
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self._report(node, format_loc(loc), tr(f"値を {tag} として読めません", f"cannot read value as {tag}"))
            return None


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"

# libyaml (C) composes ~10x faster than the pure-Python parser; suites grow to thousands of items.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PREFIX = re.compile(r"^[ \t?:-]*", re.MULTILINE)  # block indicators and indentation at a line start


def _compose(text: str, loader_cls: type) -> tuple[Any, yaml.Node | None]:
    loader = loader_cls(text)
    try:
        return loader, loader.get_single_node()
    finally:
        loader.dispose()


def _nesting_bound(text: str) -> int:
    """An upper bound of the nesting of ``text``, from its characters alone.

    Every flow level needs a bracket (a flow sequence may hold a single-pair mapping: two levels
    per ``[``); every block level starts further right than its parent except a sequence that is
    a mapping's value (two levels per column), and block indentation and indicators are in the
    prefix of a line."""
    prefix = max((len(m) for m in _PREFIX.findall(text)), default=0)
    return 2 * text.count("[") + text.count("{") + 2 * prefix + 2


def _too_deep_in_events(path: Path, text: str) -> ConfigIssue | None:
    """Measure the nesting from the event stream (which does not recurse) before composing."""
    # (the parsers make exactly these event classes; compared by identity, a loop of a few
    # operations per event: a suite of 10,000 items has some 90,000)
    seq_start, map_start, seq_end, map_end = (
        yaml.SequenceStartEvent,
        yaml.MappingStartEvent,
        yaml.SequenceEndEvent,
        yaml.MappingEndEvent,
    )
    stream_end = yaml.StreamEndEvent
    loader = _FAST_LOADER(text)
    get_event = loader.get_event
    depth = 0
    try:
        while True:  # every event up to the end of the stream, as ``while check_event()`` would
            event = get_event()
            kind = type(event)
            if kind is map_start or kind is seq_start:
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                    return ConfigIssue(str(path), line, col, "(document)", too_deep())
            elif kind is map_end or kind is seq_end:
                depth -= 1
            elif kind is stream_end or event is None:
                break
    except yaml.YAMLError:
        return None  # composing reports it
    finally:
        loader.dispose()
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    children: list[yaml.Node] = node.value  # a sequence node's value is its list of nodes
    return children


def alias_expansion(path: Path, root: yaml.Node) -> ConfigIssue | None:
    """The issue of a document whose aliases expand too far, found without expanding anything.

    ``_Builder`` copies every alias, so the objects it builds number ``size(root)``, where the size
    of a collection is 1 plus the sizes of its children (counted once per reference, memoised per
    node: one pass over the distinct nodes). What aliases add is that size less the nodes written
    in the file (one per reference). Merge keys are counted before they are flattened, which
    bounds what flattening adds."""
    if not isinstance(root, (yaml.MappingNode, yaml.SequenceNode)):
        return None
    scalar = yaml.ScalarNode
    size: dict[int, int] = {}
    inner: dict[int, tuple[int, list[yaml.Node]]] = {}  # collection -> (its scalar children, its collection children)
    written = 1  # node occurrences in the file: the root, and every child (an alias counts once)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            n_scalars, collections = inner.pop(nid)
            # a child not measured is a recursive alias (reported when built): count it once
            size[nid] = 1 + n_scalars + sum([size.get(id(child), 1) for child in collections])
            continue
        if nid in size or nid in inner:
            continue  # measured already, or an alias to a collection being measured (recursive)
        children = _children(node)
        collections = [c for c in children if not isinstance(c, scalar)]
        written += len(children)
        inner[nid] = (len(children) - len(collections), collections)
        stack.append((node, True))
        stack.extend([(c, False) for c in collections])
    total = size[id(root)]
    if total - written <= MAX_ALIAS_NODES:
        return None
    # point at the smallest collection that expands too far through an alias it holds
    refs: dict[int, int] = {}
    order: list[yaml.Node] = []
    seen: set[int] = set()
    todo: list[yaml.Node] = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        for child in _children(node):
            if not isinstance(child, scalar):
                refs[id(child)] = refs.get(id(child), 0) + 1
                todo.append(child)
    candidates = [
        n
        for n in order
        if size.get(id(n), 0) > MAX_ALIAS_NODES
        and any(refs.get(id(c), 0) > 1 for c in _children(n) if not isinstance(c, scalar))
    ]
    where = min(candidates, key=lambda n: (size[id(n)], _mark(n))) if candidates else root
    line, col = _mark(where)
    return ConfigIssue(
        str(path),
        line,
        col,
        "(document)",
        tr(
            f"エイリアスが多すぎます（{total:,} ノード）。ここまで展開される YAML エイリアスは受け付けません",
            f"too many aliases ({total:,} nodes); YAML aliases that expand this far are not accepted",
        ),
    )


def _undecodable(path: Path, data: bytes, exc: UnicodeDecodeError) -> ConfigIssue:
    """The line and column (in characters) of the first byte that is not UTF-8."""
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
    return ConfigIssue(
        str(path),
        line,
        column,
        "(document)",
        tr(f"UTF-8 として正しくありません: {exc.reason}", f"file is not valid UTF-8: {exc.reason}"),
    )


def read_text(path: Path) -> tuple[str | None, list[ConfigIssue]]:
    """The UTF-8 text of ``path``, or the one issue that stops it (positioned when it is an encoding
    problem, a whole-file issue when the file cannot be read)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None, [path_issue(path, tr("ファイルが見つかりません", "no such file or directory"))]
    except IsADirectoryError:
        return None, [path_issue(path, tr("ファイルではなくフォルダです", "is a directory, not a file"))]
    except OSError as exc:
        return None, [
            path_issue(
                path,
                tr(f"ファイルを読めません: {exc.strerror or exc}", f"cannot read file: {exc.strerror or exc}"),
            )
        ]
    try:
        # line ends as ``Path.read_text`` gives them (universal newlines)
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"), []
    except UnicodeDecodeError as exc:
        return None, [_undecodable(path, data, exc)]


def load_yaml(path: Path, text: str | None = None) -> tuple[Located | None, list[ConfigIssue]]:
    """Parse ``path``; return the located document or the issues that stop it."""
    path = Path(path)
    if text is None:
        text, issues = read_text(path)
        if text is None:
            return None, issues
    with paused():  # (collector.py: a few objects per node, all kept)
        return _parse(path, text)


def _parse(path: Path, text: str) -> tuple[Located | None, list[ConfigIssue]]:
    if _nesting_bound(text) > _SAFE_COMPOSE_DEPTH:
        deep = _too_deep_in_events(path, text)
        if deep is not None:
            return None, [deep]
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
            where = (
                tr(f"、{start.line + 1} 行目から", f" starting on line {start.line + 1}")
                if start and mark and start.line != mark.line
                else ""
            )
            context = f" ({exc.context}{where})"
        return None, [
            ConfigIssue(
                str(path),
                line,
                col,
                "(syntax)",
                tr(f"YAML の構文エラー: {problem}{context}", f"YAML syntax error: {problem}{context}"),
            )
        ]
    except yaml.reader.ReaderError as exc:  # a control character: point at it, not at 1:1
        pos = max(0, min(int(exc.position), len(text)))
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return None, [
            ConfigIssue(
                str(path),
                line,
                col,
                "(syntax)",
                tr(
                    f"使えない文字 U+{char:04X}（制御文字）があります。YAML ではファイルに直接書けません。"
                    f'二重引用符の文字列の中でエスケープとして書いてください（例: "\\x{char:02x}"）',
                    f"unacceptable character U+{char:04X} (a control character); YAML does not "
                    f"allow it in a file — write it as an escape in a double-quoted string, "
                    f'e.g. "\\x{char:02x}"',
                ),
            )
        ]
    except yaml.YAMLError as exc:
        return None, [ConfigIssue(str(path), 1, 1, "(syntax)", tr(f"YAML のエラー: {exc}", f"YAML error: {exc}"))]
    except RecursionError:  # the pure-Python parser, re-reading a deeply nested file with an error
        return None, [ConfigIssue(str(path), 1, 1, "(document)", too_deep())]
    doc = Located(path=path, data=None, text=text)
    if node is None:
        return None, [
            ConfigIssue(
                str(path),
                1,
                1,
                "(document)",
                tr("ファイルが空です。マッピングを書いてください", "file is empty; expected a mapping"),
            )
        ]
    if "*" in text:  # aliases are possible
        too_big = alias_expansion(path, node)
        if too_big is not None:
            return None, [too_big]
    builder = _Builder(loader, path)
    try:
        doc.data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [
            ConfigIssue(
                str(path),
                line,
                col,
                "(value)",
                tr(f"値を読めません: {exc.problem}", f"cannot read value: {exc.problem}"),
            )
        ]
    if builder.issues:
        return None, builder.issues
    if not isinstance(doc.data, dict):
        return None, [
            doc.issue(
                (),
                tr(
                    f"最上位はマッピングにしてください（{type(doc.data).__name__} になっています）",
                    f"expected a mapping at the top level, got {type(doc.data).__name__}",
                ),
            )
        ]
    return doc, []
