"""Regular expressions compiled on first use, and compiled once.

Importing the scorers must stay cheap (every command imports them, and a run uses a few kinds): a
module's patterns are declared with :func:`lazy` and each is compiled the first time it is used.
:func:`cached` compiles a pattern built at scoring time once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, cast

# The pattern methods a lazy pattern forwards; after the first use they are the compiled pattern's own.
_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "split", "sub", "subn")


class _Lazy:
    """Stands in for ``re.compile(pattern, flags)`` until a method is first called."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def pattern(self) -> str:
        return self._source

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            compiled = re.compile(self.pattern, self._flags)
            # From now on the instance's own attributes (the compiled pattern's bound methods) shadow
            # the forwarding methods below: a call costs what it costs on the compiled pattern.
            for name in _METHODS:
                setattr(self, name, getattr(compiled, name))
            self._compiled = compiled
        return self._compiled

    @property
    def flags(self) -> int:
        return self.compiled().flags

    @property
    def groups(self) -> int:
        return self.compiled().groups

    @property
    def groupindex(self) -> Any:
        return self.compiled().groupindex

    def search(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().search(*args, **kwargs)

    def match(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().match(*args, **kwargs)

    def fullmatch(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().fullmatch(*args, **kwargs)

    def finditer(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().finditer(*args, **kwargs)

    def findall(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().findall(*args, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().split(*args, **kwargs)

    def sub(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().sub(*args, **kwargs)

    def subn(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().subn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"lazy({self._source!r}, {self._flags!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> _Lazy:  # like a compiled pattern: shared, never copied
        return self

    def __copy__(self) -> _Lazy:
        return self


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, compiled the first time it is used. It has the pattern methods
    (search, match, sub, finditer, …) and ``pattern``/``flags``/``groups``; it is no ``re.Pattern``
    instance, so give :func:`compiled` of it to code that checks (or to ``re.compile``, ``re.sub``)."""
    return cast("re.Pattern[str]", _Lazy(pattern, flags))


def compiled(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The compiled ``re.Pattern`` of a :func:`lazy` pattern (a compiled one as it is)."""
    return pattern.compiled() if isinstance(pattern, _Lazy) else pattern


@lru_cache(maxsize=8192)
def cached(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, memoised beyond re's own cache of 512 patterns: for patterns built
    from an item's data (its options, its words), which a suite tree has thousands of and every answer
    to the item asks for again."""
    return re.compile(pattern, flags)
