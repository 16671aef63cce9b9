"""Item sources for suites: inline items, and items materialised from a ``source`` block.

A suite's ``source`` (local JSONL / CSV / JSON / Parquet files, or Hugging Face ``datasets``) is
read once, when the suite file is loaded (``materialise``, called by ``config.load_workspace``):
its records become ordinary items appended to ``suite.items``. So ``suite_items`` stays the one
seam every later stage reads, and a finished run never needs the data files again.
"""

from __future__ import annotations

from ..config.suite import Item, Suite
from .errors import SourceError, SourceMissing
from .materialise import Outcome, materialise


def suite_items(suite: Suite) -> list[Item]:
    """Every item of ``suite`` in file order: inline items, then those read from its source, then those its
    ``variants`` derived (``suite.variant_items``, evalkit/data/variants.py)."""
    return [*suite.items, *suite.variant_items]


def n_inline(suite: Suite) -> int:
    """How many of ``suite.items`` are written in the suite file (the rest came from its source)."""
    info = suite._dataset
    return info["n_inline"] if info else len(suite.items)


def provenance(suite: Suite) -> dict | None:
    """What the run manifest records of the data behind ``suite`` (None for inline-only suites)."""
    return dict(suite._dataset) if suite._dataset else None


def data_fingerprint(suite: Suite) -> dict:
    """Extra config-fingerprint entries of a suite with a source: the hash of its materialised items,
    so resuming a run refuses when the data changed even though the suite file did not."""
    info = suite._dataset
    return {"data_sha256": info["items_sha256"]} if info else {}


__all__ = [
    "Outcome",
    "SourceError",
    "SourceMissing",
    "data_fingerprint",
    "materialise",
    "n_inline",
    "provenance",
    "suite_items",
]
