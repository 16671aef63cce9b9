"""Keep the cyclic garbage collector off the objects a stage inherits.

A run holds a few hundred thousand long-lived objects before it sends its first request (the
imported modules, the workspace, the planned requests) and more before it scores (pandas,
matplotlib). Python's collector traverses all of them at every full collection, and the send and
finish stages allocate enough to trigger many: at 2,000 items that was a tenth of the run. Inside
:func:`frozen` the objects alive on entry are moved out of the collector's sight (``gc.freeze``)
and given back on exit (``gc.unfreeze``), so cyclic garbage among them is still collected after
the stage; garbage made inside the stage is collected as usual. Not nested: the stages it wraps
run one after the other.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen() -> Iterator[None]:
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
