"""Indented JSON text, exactly ``json.dumps(obj, ensure_ascii=False, indent=2, default=str)``, only faster.

Why it exists: with ``indent`` CPython's json (3.10 to 3.13 at least) leaves its C encoder for the Python one,
and summary.json of a 10,000-item run (~2.9 MB, mostly the rows of "item_analysis") took a noticeable
part of ``evalkit run`` to encode. ``evalkit verify`` compares summary.json byte for byte with the text it
derives again, also from bundles written by earlier versions: this text must stay byte-identical to
json.dumps' for every input. tests/test_jsontext.py compares the two on thousands of generated values;
change nothing here without them.

How: the walk of json's Python encoder (same order of checks, same spellings, the same errors), appending
to one list, with two shortcuts that give whole containers to json's C encoder (``c_make_encoder``, what
json.dumps uses when there is no indent):

- a list or dict whose members are all scalars or empty containers: the C encoder with the item
  separator ``",\\n" + indent`` writes exactly the indented members;
- a list of dicts that all have the same str keys in the same order (a table, such as the item rows):
  each column of scalars (or empty containers) is encoded in one C call, any other column cell by cell,
  and the rows are put together from the encoded keys and the cells.

Only values of the exact types str, int, float, bool and None and exact empty lists, tuples and dicts
reach the C encoder, which writes them as the Python encoder does; everything else (subclasses such as
an IntEnum or numpy.float64, objects for ``default=str``) takes the walk that follows json's rules.

Deliberate differences, for inputs a summary never holds (they change no text that is written):
- a value json refuses raises the same exception (TypeError for a key of another type, ValueError
  "Circular reference detected" for a cycle, ValueError for an int too long for text), but when a value
  holds several such faults the one raised first may differ, and a cycle may be found one step later
  (after ``str`` was called on a few more objects);
- nesting deeper than the recursion limit may fail at another depth (RecursionError either way);
- an object whose ``__class__`` lies about its type is judged by the shortcuts by its real type.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Iterable
from itertools import chain, compress, repeat
from typing import Any

_INDENT = "  "
_SCALARS = frozenset({str, int, float, bool, type(None)})  # also the key types the C encoder converts as json does
_CONTAINERS = frozenset({list, tuple, dict})
_is_container = _CONTAINERS.__contains__
_INFINITY = float("inf")
_encode_str = json.encoder.encode_basestring  # the str encoder json.dumps uses with ensure_ascii=False

_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)  # None without the _json extension
_c_encoders: dict[str, Callable[[Any, int], list[str]]] = {}


def pretty(obj: object) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=2, default=str)``, byte for byte."""
    if _c_make_encoder is None:
        return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    out: list[str] = []
    _value(obj, "", out, set())
    return "".join(out)


def _value(o: Any, indent: str, out: list[str], markers: set[int]) -> None:
    """``o`` at the indentation ``indent``, checked in the order json's ``_iterencode`` checks."""
    if isinstance(o, str):
        out.append(_encode_str(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, int):
        out.append(int.__repr__(o))
    elif isinstance(o, float):
        out.append(_float(o))
    elif isinstance(o, (list, tuple)):
        _list(o, indent, out, markers)
    elif isinstance(o, dict):
        _dict(o, indent, out, markers)
    else:  # default=str; a str is never a container, so json's marker for it can never fire
        out.append(_encode_str(str(o)))


def _list(o: list | tuple, indent: str, out: list[str], markers: set[int]) -> None:
    if not o:
        out.append("[]")
        return
    inner = indent + _INDENT
    exact = type(o) is list or type(o) is tuple
    if exact and _flat(o):  # holds no non-empty container, so it cannot be part of a cycle
        out.append("[\n" + inner + _c_text(o, ",\n" + inner)[1:-1] + "\n" + indent + "]")
        return
    _enter(o, markers)
    if not (exact and _table(o, indent, out, markers)):
        out.append("[\n" + inner)
        separator = ",\n" + inner
        first = True
        for value in o:
            if first:
                first = False
            else:
                out.append(separator)
            _value(value, inner, out, markers)
        out.append("\n" + indent + "]")
    markers.discard(id(o))


def _dict(o: dict, indent: str, out: list[str], markers: set[int]) -> None:
    if not o:
        out.append("{}")
        return
    inner = indent + _INDENT
    if type(o) is dict and set(map(type, o)) <= _SCALARS and _flat(o.values()):
        out.append("{\n" + inner + _c_text(o, ",\n" + inner)[1:-1] + "\n" + indent + "}")
        return
    _enter(o, markers)
    out.append("{\n" + inner)
    separator = ",\n" + inner
    first = True
    for key, value in o.items():
        if first:
            first = False
        else:
            out.append(separator)
        out.append(_encode_str(_key(key)))
        out.append(": ")
        _value(value, inner, out, markers)
    out.append("\n" + indent + "}")
    markers.discard(id(o))


def _table(rows: list | tuple, indent: str, out: list[str], markers: set[int]) -> bool:
    """Rows (exact dicts) with the same exact-str keys in the same order, written column by column;
    False, having written nothing, for anything else."""
    if set(map(type, rows)) != {dict}:
        return False
    keys = list(rows[0])
    # (rows that are all empty are flat: _list never gives them here)
    if set(map(type, chain.from_iterable(rows))) != {str} or not all(map(keys.__eq__, map(list, rows))):
        return False
    row_indent = indent + _INDENT
    cell_indent = row_indent + _INDENT
    width = len(keys)
    values = list(chain.from_iterable(map(dict.values, rows)))
    columns: list[list[str]] = []
    others = []  # the columns that are not flat: written cell by cell
    for j in range(width):
        column = values[j::width]
        if _flat(column):
            # json text never holds a raw newline (a string's is escaped): it separates the cells
            columns.append(_c_text(column, "\n")[1:-1].split("\n"))
        else:
            columns.append([])
            others.append(j)
    if others:
        for row_start in range(0, len(values), width):  # row after row, as json meets the cells
            for j in others:
                columns[j].append(_cell(values[row_start + j], cell_indent, markers))
    names = [_encode_str(key) + ": " for key in keys]
    prefixes = ["\n" + row_indent + "},\n" + row_indent + "{\n" + cell_indent + names[0]]
    prefixes += [",\n" + cell_indent + name for name in names[1:]]
    streams: list[Iterable[str]] = []
    for prefix, cells in zip(prefixes, columns, strict=True):
        streams += [repeat(prefix), cells]
    start = len(out)
    out.extend(chain.from_iterable(zip(*streams, strict=False)))  # the repeats never end: the cells do
    out[start] = "[\n" + row_indent + "{\n" + cell_indent + names[0]  # the first row follows no other
    out.append("\n" + row_indent + "}\n" + indent + "]")
    return True


def _cell(value: Any, indent: str, markers: set[int]) -> str:
    """A cell of a column that is not flat. Its row is not marked as json marks it: a cycle through the row
    runs through a container in the cell too, which is, so the same ValueError comes one step later."""
    if type(value) in _CONTAINERS and not value:
        return "{}" if type(value) is dict else "[]"
    text: list[str] = []
    _value(value, indent, text, markers)
    return "".join(text)


def _flat(values: Iterable[Any]) -> bool:
    """Only exact scalars and empty exact containers: what the C encoder writes as the indented one would."""
    types = set(map(type, values))
    if types <= _SCALARS:
        return True
    return types <= _SCALARS | _CONTAINERS and not any(compress(values, map(_is_container, map(type, values))))


def _c_text(o: Any, separator: str) -> str:
    """``o`` by json's C encoder with this item separator (o is flat: no cycle, no call of default)."""
    encoder = _c_encoders.get(separator)
    if encoder is None:
        encoder = _c_make_encoder(None, str, _encode_str, None, ": ", separator, False, False, True)
        _c_encoders[separator] = encoder
    return "".join(encoder(o, 0))


def _enter(o: object, markers: set[int]) -> None:
    if id(o) in markers:
        raise ValueError("Circular reference detected")
    markers.add(id(o))


def _key(key: object) -> str:
    """A dict key as json's ``_iterencode_dict`` converts it (skipkeys=False)."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _float(o: float) -> str:
    """json's ``floatstr`` with allow_nan=True (the comparisons too: a float subclass may define them)."""
    if o != o:
        return "NaN"
    if o == _INFINITY:
        return "Infinity"
    if o == -_INFINITY:
        return "-Infinity"
    return float.__repr__(o)
