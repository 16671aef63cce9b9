"""Item counts: by tag per suite, and per criterion node against its ``min_items``.

Used by `evalkit list` and by scripts/suites_doc.py (the tables in docs/suites.md), so the
printed counts and the documented ones come from one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .attestation import AttestationFile
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
    min_items: int | None

    @property
    def meets_minimum(self) -> bool | None:
        return None if self.min_items is None else self.items >= self.min_items


def criterion_counts(
    criteria: CriteriaFile, suites: Iterable[Suite], questionnaires: Iterable[AttestationFile] = ()
) -> list[NodeCount]:
    """One row per node of the tree, in tree order, counting the items of the suites below it."""
    suites = list(suites)
    checks_by_leaf: Counter[str] = Counter()
    for q in questionnaires:
        checks_by_leaf[q.criterion] += len(q.checks)
    rows = []
    for node, depth, _ in criteria.walk():
        leaves = {n.id for n, _, _ in node.walk() if n.is_leaf}
        below = [s for s in suites if s.criterion in leaves]
        rows.append(
            NodeCount(
                id=node.id,
                title=node.title,
                depth=depth,
                items=sum(len(s.items) for s in below if not is_day_of_test(s) and not is_external(s)),
                day_of_test=sum(len(s.items) for s in below if is_day_of_test(s)),
                external=sum(len(s.items) for s in below if is_external(s) and not is_day_of_test(s)),
                suites=len(below),
                checks=sum(checks_by_leaf[leaf] for leaf in leaves),
                min_items=node.min_items,
            )
        )
    return rows


def counted(suites: Iterable[Suite]) -> list[Suite]:
    """The suites whose items count towards floors: the tender suites written in the repository."""
    return [s for s in suites if not is_day_of_test(s) and not is_external(s)]


@dataclass
class AreaCount:
    tag: str
    title: str | None
    items: int
    min_items: int
    suites: list[str]

    @property
    def meets_minimum(self) -> bool:
        return self.items >= self.min_items


def area_counts(criteria: CriteriaFile, suites: Iterable[Suite]) -> list[AreaCount]:
    """One row per area of ``criteria.areas``: the items carrying its tag."""
    kept = counted(suites)
    rows = []
    for area in criteria.areas:
        hits = {s.id: sum(area.tag in item.tags for item in s.items) for s in kept}
        rows.append(
            AreaCount(
                area.tag, area.title, sum(hits.values()), area.min_items, sorted(sid for sid, n in hits.items() if n)
            )
        )
    return rows


@dataclass
class DifficultyCount:
    levels: dict[str, int]  # level -> items
    untagged: list[str]  # suite:item ids with no level
    ambiguous: list[str]  # suite:item ids with more than one level
    hardest: str
    min_hardest_share: float

    @property
    def total(self) -> int:
        return sum(self.levels.values()) + len(self.untagged) + len(self.ambiguous)

    @property
    def hardest_share(self) -> float:
        return self.levels.get(self.hardest, 0) / self.total if self.total else 0.0

    def problems(self) -> list[str]:
        out = []
        if self.untagged:
            out.append(f"{len(self.untagged)} item(s) without a difficulty tag, e.g. {', '.join(self.untagged[:3])}")
        if self.ambiguous:
            out.append(
                f"{len(self.ambiguous)} item(s) with more than one difficulty tag, e.g. {', '.join(self.ambiguous[:3])}"
            )
        if self.hardest_share + 1e-9 < self.min_hardest_share:
            out.append(
                f"{self.hardest_share:.1%} of items are {self.hardest}, fewer than the required "
                f"{self.min_hardest_share:.1%}"
            )
        return out


def difficulty_counts(criteria: CriteriaFile, suites: Iterable[Suite]) -> DifficultyCount:
    """The difficulty mix of the counted suites among ``suites`` (one suite: that suite's mix)."""
    spec = criteria.difficulty
    prefix, levels = (spec.prefix, spec.levels) if spec else ("難易度:", ["易", "中", "難"])
    tally = dict.fromkeys(levels, 0)
    untagged, ambiguous = [], []
    for s in counted(suites):
        for item in s.items:
            found = [t[len(prefix) :] for t in item.tags if t.startswith(prefix) and t[len(prefix) :] in tally]
            if not found:
                untagged.append(f"{s.id}:{item.id}")
            elif len(found) > 1:
                ambiguous.append(f"{s.id}:{item.id}")
            else:
                tally[found[0]] += 1
    return DifficultyCount(tally, untagged, ambiguous, levels[-1], spec.min_hardest_share if spec else 0.0)
