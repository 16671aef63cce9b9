"""Item sources for suites. Today: inline items; data files and `datasets` plug in here."""

from __future__ import annotations

from ..config.suite import Item, Suite


def suite_items(suite: Suite) -> list[Item]:
    """Every item of ``suite`` in file order (the one place later sources extend)."""
    return list(suite.items)
