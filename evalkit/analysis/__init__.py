"""Aggregation over the criteria tree, gates and statistics."""

from .aggregate import VERDICT_FAIL, VERDICT_PASS, aggregate
from .tables import item_table

__all__ = ["VERDICT_FAIL", "VERDICT_PASS", "aggregate", "item_table"]
