"""What still validates of a file that does not, so its cross-checks run in the same pass.

A file with a schema error used to stop at it: its unknown criterion, duplicate item ids or
unknown scorer kinds only showed up once the schema error was fixed, one error per pass. Here the
fields that failed are left out and the rest is validated field by field: a list field loses only
the elements an error points into (``items[3].reference`` drops item 3, not the suite's items), a
mapping field or a scalar is left out whole. An element with an unknown key is left out like any
other (the key may be a misspelt field its checks need), and an unknown top-level key leaves out
every field the file does not set (any of them may be the one misspelt): checks that would
report a consequence of the error instead of a problem of their own are not run.

The result is an *unvalidated* model (``model_construct``) with only the fields that passed, and a
:class:`Partial` saying which fields are missing and which lists were thinned. It feeds the
cross-checks and nothing else: a partial model never reaches a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .schema_errors import _clean_loc

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Partial:
    """Which parts of a model built from a file that did not validate may be relied on."""

    # top-level fields the model does not hold from the file (they failed validation, or are absent
    # and required or possibly misspelt): unset, or at their default; never to be relied on
    invalid: frozenset[str] = frozenset()
    # list fields that lost elements: for each element kept, its index in the file
    kept: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def usable(self, name: str) -> bool:
        """The field holds what the file wrote (a list possibly thinned: see ``complete``)."""
        return name not in self.invalid

    def complete(self, name: str) -> bool:
        """The field is set with everything the file wrote in it."""
        return name not in self.invalid and name not in self.kept

    def file_index(self, name: str, index: int) -> int:
        """The index in the file of element ``index`` of the (possibly thinned) list field ``name``."""
        kept = self.kept.get(name)
        return kept[index] if kept is not None else index


_ADAPTERS: dict[tuple[type[BaseModel], str], TypeAdapter[Any]] = {}


def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """A validator of one field of ``model``: its type with its constraints (ge, pattern, min_length)."""
    key = (model, name)
    if key not in _ADAPTERS:
        info = model.model_fields[name]
        annotation: Any = info.annotation
        if info.metadata:
            params = (annotation, *info.metadata)
            annotation = Annotated[params]  # Annotated[T, *metadata], spelled for Python 3.10
        _ADAPTERS[key] = TypeAdapter(annotation)
    return _ADAPTERS[key]


def partial_model(data: Any, model: type[M], exc: ValidationError) -> tuple[M, Partial] | None:
    """The parts of ``data`` that validate as ``model``, given the ``exc`` its validation raised.

    None when ``data`` is not a mapping (nothing to salvage)."""
    if not isinstance(data, dict):
        return None
    fields = model.model_fields
    bad: set[str] = set()
    drop: dict[str, set[int]] = {}
    unknown_key = False
    for err in exc.errors(include_url=False):
        loc = _clean_loc(data, tuple(err["loc"]))
        if not loc:
            continue  # about the file as a whole (a model check): each field may still be sound
        head = loc[0]
        if not isinstance(head, str) or head not in fields:
            unknown_key = unknown_key or err["type"] == "extra_forbidden"
            continue
        if len(loc) > 1 and isinstance(loc[1], int) and isinstance(data.get(head), list):
            drop.setdefault(head, set()).add(loc[1])
        else:
            bad.add(head)
    values: dict[str, Any] = {}
    invalid: set[str] = set()
    kept: dict[str, tuple[int, ...]] = {}
    for name, info in fields.items():
        if name in bad or name not in data:
            # an unknown top-level key may be any absent field misspelt: then no absent field is
            # taken at its default (``itmes:`` must not also read as a suite without items)
            if name in bad or info.is_required() or unknown_key:
                invalid.add(name)
            continue
        value = data[name]
        if name in drop and isinstance(value, list):
            kept[name] = tuple(i for i in range(len(value)) if i not in drop[name])
            value = [value[i] for i in kept[name]]
        try:
            values[name] = _adapter(model, name).validate_python(value)
        except ValidationError:  # e.g. a list left shorter than its min_length
            invalid.add(name)
            kept.pop(name, None)
    return model.model_construct(**values), Partial(frozenset(invalid), kept)
