"""Aggregation over the criteria tree, gates, statistics and paired comparisons."""

from .aggregate import VERDICT_FAIL, VERDICT_INCOMPLETE, VERDICT_PASS, aggregate
from .tables import export_csv, export_parquet, item_level, item_table

__all__ = [
    "VERDICT_FAIL",
    "VERDICT_INCOMPLETE",
    "VERDICT_PASS",
    "aggregate",
    "export_csv",
    "export_parquet",
    "item_level",
    "item_table",
]
