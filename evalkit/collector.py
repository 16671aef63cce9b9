"""Keep Python's cyclic garbage collector off objects it would traverse for nothing.

A run builds and holds a few hundred thousand long-lived objects (the imported modules, a suite's
nodes and models, the planned requests, later pandas and the run's tables), and the collector traverses
every one of them at each full collection that their allocation triggers:

- :func:`paused` turns the collector off while a block builds many objects that stay alive and form
  no cycle worth collecting (a document's nodes and models, the report's item data); composing a
  10,000-item suite took three times as long with it on. Reference counting frees as usual; any
  cyclic garbage made inside is collected once the collector runs again.
- :func:`frozen` hides the objects alive on entry from it for the block (``gc.freeze``) and gives
  them back on exit (``gc.unfreeze``), so cyclic garbage among them is still collected afterwards;
  garbage made inside is collected as usual. For a whole stage (the send, the finish stage); not
  nested: those stages run one after the other.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    if not gc.isenabled():  # paused by a caller, or turned off by the program: left as it is
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def frozen() -> Iterator[None]:
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
