"""Item counts: by tag per suite, and per criterion node against its ``min_items``.

Used by `evalkit list` and by scripts/suites_doc.py (the tables in docs/suites.md), so the
printed counts and the documented ones come from one place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Optional

from .criteria import CriteriaFile
from .suite import Suite

# The sample day-of-test set (suites/day_of_test/): one small suite per criterion leaf, every id
# starting with this prefix. It is counted apart from the tender suites' minimums.
DAY_OF_TEST_PREFIX = "day_of_test."


def is_day_of_test(suite: Suite) -> bool:
    return suite.id.startswith(DAY_OF_TEST_PREFIX)


def is_external(suite: Suite) -> bool:
    """Items read from a data file or dataset (``source:``), not written in the repository."""
    return getattr(suite, "source", None) is not None


def tag_counts(suite: Suite) -> list[tuple[str, int]]:
    """(tag, items) by descending count, then tag; items without tags are counted as (タグなし)."""
    counts: Counter[str] = Counter()
    for item in suite.items:
        counts.update(dict.fromkeys(item.tags or ["(タグなし)"], 1))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass
class NodeCount:
    id: str
    title: str
    depth: int
    items: int  # items written for the tender suites (day-of-test and external data excluded)
    day_of_test: int
    external: int  # items of suites that read external data (present only where the data is)
    suites: int
    checks: int  # attestation checks of questionnaires on this node (leaves)
    min_items: Optional[int]

    @property
    def meets_minimum(self) -> Optional[bool]:
        return None if self.min_items is None else self.items >= self.min_items


def criterion_counts(criteria: CriteriaFile, suites: Iterable[Suite],
                     questionnaires: Iterable = ()) -> list[NodeCount]:
    """One row per node of the tree, in tree order, counting the items of the suites below it."""
    suites = list(suites)
    checks_by_leaf: Counter[str] = Counter()
    for q in questionnaires:
        checks_by_leaf[q.criterion] += len(q.checks)
    rows = []
    for node, depth, _ in criteria.walk():
        leaves = {n.id for n, _, _ in node.walk() if n.is_leaf}
        below = [s for s in suites if s.criterion in leaves]
        rows.append(NodeCount(
            id=node.id, title=node.title, depth=depth,
            items=sum(len(s.items) for s in below if not is_day_of_test(s) and not is_external(s)),
            day_of_test=sum(len(s.items) for s in below if is_day_of_test(s)),
            external=sum(len(s.items) for s in below if is_external(s) and not is_day_of_test(s)),
            suites=len(below), checks=sum(checks_by_leaf[leaf] for leaf in leaves),
            min_items=node.min_items))
    return rows
