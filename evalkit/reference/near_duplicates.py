"""Near-duplicate items across all suites (docs/suites.md, "Near-duplicates").

Two items that ask the same thing count twice in a criterion, and a day-of-test item that repeats
a public one is no longer unseen. This module compares every inline item with every other, over
all suites given (items read from a ``source:`` are left out: they are external data).

**Text of an item.** What a vendor receives minus what every item of its suite receives: the
template is the same for all items, so the item-specific text is the concatenation of the item's
variable values, NFKC-normalised, case-folded, with whitespace, punctuation and symbols removed.
Within one suite, a value that several items share verbatim (one manual with several questions, one
policy with several comments, a question asked over two contexts) is a passage the author shares
among them on purpose: like the template it is left out, so those items are compared on what they
do not share (their *own* text; when fewer than ``MIN_OWN_CHARS`` characters remain, the whole
text). Items of different suites are compared on both their own and their whole texts, and the
larger similarity counts, so a manual reused by another suite is found too.

**Similarity.** Character 5-gram shingles; the Jaccard index of the two sets, and the containment
of the smaller set in the larger (a short question repeated inside a longer one). A pair is a
near-duplicate when Jaccard >= ``THRESHOLD`` or containment >= ``CONTAINMENT`` (the smaller text
having at least ``MIN_CONTAINED`` shingles). Candidates come from an inverted index over the
shingles, probed with each item's rarest shingles only (prefix filtering: a pair over either
threshold must share one of the first ``n - ceil(t * n) + 1`` rarest shingles of its smaller
item), so the comparison stays far below quadratic.

**Exempt** (intended near-duplicates): items of one suite family (a suite and the suites that name
it in ``variants_of``; shuffled copies of its questions), items of one family sharing
``meta.variant_group``, items of one suite sharing ``meta.pair`` (counterfactual pairs), and the
two contexts of one BBQ-style question (same suite, ``meta.context`` differs, every other variable
identical).

``python -m evalkit.reference.near_duplicates [PATH...]`` prints the distribution of the
similarities and every pair above ``--floor`` (how the threshold was chosen).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..config.suite import Item, Suite

SHINGLE = 5  # characters per shingle
THRESHOLD = 0.30  # Jaccard at or above which two items are near-duplicates
CONTAINMENT = 0.80  # containment of the smaller text at or above which they are too
MIN_CONTAINED = 8  # shingles the smaller text needs for containment to count (short texts match by chance)
MIN_OWN_CHARS = 10  # own text shorter than this: the whole text is compared instead


def normalise(text: str) -> str:
    """NFKC, case-folded, without whitespace, punctuation, symbols and control characters."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def flatten(value: Any) -> str:
    """A variable's text: strings as they are, lists and mappings by their values, in order."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "".join(flatten(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return "".join(flatten(v) for v in value)
    return str(value)


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    """Character k-grams of ``text`` (a text shorter than k is its own single shingle)."""
    if len(text) < k:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i : i + k] for i in range(len(text) - k + 1))


@dataclass(eq=False)
class Entry:
    """One inline item: where it is and its shingles."""

    suite: Suite
    item: Item
    index: int  # position in suite.items (for file:line)
    own: frozenset[str]
    whole: frozenset[str]
    loaded: Any = None  # the Loaded file, when known (for file:line)

    @property
    def key(self) -> str:
        return f"{self.suite.id}/{self.item.id}"


@dataclass
class Pair:
    a: Entry
    b: Entry
    jaccard: float
    containment: float
    view: str  # "own" | "whole": which texts gave the larger similarity

    @property
    def score(self) -> float:
        return max(self.jaccard, self.containment if self.containment >= CONTAINMENT else 0.0)

    def over(self, threshold: float = THRESHOLD, containment: float = CONTAINMENT) -> bool:
        return self.jaccard >= threshold or self.containment >= containment


@dataclass
class Report:
    pairs: list[Pair]  # at or above the floor asked for, not exempt, best first
    exempt: int = 0  # pairs over the thresholds that an exemption let pass
    items: int = 0
    suites: int = 0
    sharing: int = 0  # pairs of items that share at least one shingle (the distribution's base)
    histogram: dict[float, int] = field(default_factory=dict)  # lower bound of a 0.05 bin -> pairs (own/whole max)

    def flagged(self, threshold: float = THRESHOLD, containment: float = CONTAINMENT) -> list[Pair]:
        return [p for p in self.pairs if p.over(threshold, containment)]


def _inline(suite: Suite) -> list[Item]:
    from ..data import n_inline

    return list(suite.items[: n_inline(suite)])


def entries(suites: Iterable[Any]) -> list[Entry]:
    """Every inline item of ``suites`` (Suite models or Loaded files) with its own and whole shingles."""
    out: list[Entry] = []
    for obj in suites:
        suite, loaded = (obj.model, obj) if hasattr(obj, "model") else (obj, None)
        items = _inline(suite)
        texts = [[(name, normalise(flatten(value))) for name, value in item.shown_vars().items()] for item in items]
        seen: dict[tuple[str, str], int] = {}
        for fields in texts:
            for name_value in set(fields):
                seen[name_value] = seen.get(name_value, 0) + 1
        for index, (item, fields) in enumerate(zip(items, texts, strict=True)):
            whole = "".join(v for _, v in fields)
            own = "".join(v for name, v in fields if seen[(name, v)] == 1)
            if len(own) < MIN_OWN_CHARS:
                own = whole
            if not whole:
                continue  # nothing item-specific: the template alone
            out.append(Entry(suite, item, index, shingles(own), shingles(whole), loaded))
    return out


def _family(suite: Suite) -> str:
    return suite.variants_of or suite.id


def exemption(a: Entry, b: Entry) -> str | None:
    """Why a near-duplicate pair is intended, or None."""
    if _family(a.suite) == _family(b.suite) and (a.suite.variants_of or b.suite.variants_of):
        return "variants_of"
    ma, mb = a.item.meta, b.item.meta
    if _family(a.suite) == _family(b.suite):
        group = ma.get("variant_group")
        if group is not None and group == mb.get("variant_group"):
            return "meta.variant_group"
    if a.suite is b.suite:
        pair = ma.get("pair")
        if pair is not None and pair == mb.get("pair"):
            return "meta.pair"
        ca, cb = ma.get("context"), mb.get("context")
        if ca and cb and ca != cb:
            rest_a = {k: v for k, v in a.item.vars.items() if k != "context"}
            rest_b = {k: v for k, v in b.item.vars.items() if k != "context"}
            if rest_a and rest_a == rest_b:
                return "BBQ context pair"
    return None


def _similar(
    view: list[frozenset[str]], floor: float, owners: list[Entry], *, cross_suite: bool = False
) -> dict[tuple[int, int], tuple[float, float]]:
    """{(i, j): (jaccard, containment)} for every pair whose Jaccard or (eligible) containment
    reaches ``floor`` (with ``cross_suite``, pairs of one suite are skipped); candidates by prefix
    filtering over an inverted index."""
    df: dict[str, int] = {}
    for s in view:
        for g in s:
            df[g] = df.get(g, 0) + 1
    order = [sorted(s, key=lambda g: (df[g], g)) for s in view]
    index: dict[str, list[int]] = {}
    for i, s in enumerate(view):
        for g in s:
            index.setdefault(g, []).append(i)
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for i, tokens in enumerate(order):
        n = len(tokens)
        if not n:
            continue
        prefix = n - math.ceil(floor * n) + 1
        candidates: set[int] = set()
        for g in tokens[:prefix]:
            candidates.update(index[g])
        for j in candidates:
            if j == i:
                continue
            key = (i, j) if i < j else (j, i)
            if key in out:
                continue
            if cross_suite and owners[i].suite is owners[j].suite:
                continue
            a, b = view[i], view[j]
            inter = len(a & b)
            if not inter:
                continue
            small = min(len(a), len(b))
            jac = inter / (len(a) + len(b) - inter)
            con = inter / small if small >= MIN_CONTAINED else 0.0
            if jac >= floor or con >= max(floor, CONTAINMENT):
                out[key] = (jac, con)
    return out


def near_duplicates(suites: Iterable[Any], *, floor: float | None = None) -> Report:
    """Pairs of near-duplicate items over ``suites`` (Suite models or Loaded files).

    Without ``floor`` the report holds the pairs over the thresholds; with it, every pair whose
    Jaccard reaches ``floor`` too (for measuring the distribution). Exempt pairs are counted, not
    listed."""
    suites = list(suites)
    found = entries(suites)
    low = THRESHOLD if floor is None else min(floor, THRESHOLD)
    own = _similar([e.own for e in found], low, found)
    whole = _similar([e.whole for e in found], low, found, cross_suite=True)
    report = Report(pairs=[], items=len(found), suites=len({id(e.suite) for e in found}))
    for key in set(own) | set(whole):
        a, b = found[key[0]], found[key[1]]
        best = max(
            ((own.get(key, (0.0, 0.0)), "own"), (whole.get(key, (0.0, 0.0)), "whole")),
            key=lambda x: max(x[0][0], x[0][1] if x[0][1] >= CONTAINMENT else 0.0),
        )
        (jac, con), view = best
        pair = Pair(a, b, jac, con, view)
        if exemption(a, b) is not None:
            if pair.over():
                report.exempt += 1
            continue
        if pair.over() or jac >= low:
            report.pairs.append(pair)
    report.pairs.sort(key=lambda p: (-p.score, p.a.key, p.b.key))
    return report


def distribution(suites: Iterable[Any]) -> Report:
    """Every pair of items (not exempt) with its best similarity, binned by 0.05 (for documentation)."""
    report = near_duplicates(suites, floor=0.0001)
    bins: dict[float, int] = {}
    for p in report.pairs:
        b = min(math.floor(p.jaccard * 20) / 20, 0.95)
        bins[b] = bins.get(b, 0) + 1
    report.sharing = len(report.pairs)
    report.histogram = dict(sorted(bins.items()))
    return report


def where(entry: Entry) -> str:
    """file:line of an entry's item id (its suite id when the file is not known)."""
    if entry.loaded is None:
        return entry.suite.id
    line, _ = entry.loaded.doc.pos(("items", entry.index, "id"))
    return f"{entry.loaded.path}:{line}"


def pair_line(pair: Pair) -> str:
    kind = f"Jaccard {pair.jaccard:.2f}" + (
        f", containment {pair.containment:.2f}" if pair.containment >= CONTAINMENT else ""
    )
    texts = "" if pair.view == "own" else " (whole texts)"
    return f"{pair.a.key} ~ {pair.b.key}: {kind}{texts} [{where(pair.a)} ~ {where(pair.b)}]"


def near_duplicate_issues(suites: list[Any], *, cacheable: bool = False) -> tuple[list, str]:
    """For ``validate --self-check``: one issue per near-duplicate pair (at the first item's id, naming
    the other item's file:line) and a summary line. ``cacheable`` (no sealed suite among them): a set of
    suites the same code found free of near-duplicates before is not compared again (evalkit/cache.py)."""
    from ..cache import clean_once

    if cacheable and all(getattr(s, "partial", None) is None for s in suites):

        def inputs() -> Any:
            return [getattr(s, "model", s).model_dump(mode="json") for s in suites]

        return clean_once("near-duplicates", inputs, lambda: _near_duplicate_issues(suites))
    return _near_duplicate_issues(suites)


def _near_duplicate_issues(suites: list[Any]) -> tuple[list, str]:
    report = near_duplicates(suites)
    issues = []
    for pair in report.flagged():
        issue_at = pair.a
        msg = (
            f"self-check: near-duplicate: item '{pair.a.item.id}' ({pair.a.suite.id}) and "
            f"'{pair.b.item.id}' ({pair.b.suite.id}, {where(pair.b)}): Jaccard {pair.jaccard:.2f}"
            + (f", containment {pair.containment:.2f}" if pair.containment >= CONTAINMENT else "")
            + ("" if pair.view == "own" else " over the whole texts")
            + f" (threshold {THRESHOLD:.2f} / containment {CONTAINMENT:.2f}); remove one, rewrite it, "
            "or mark an intended pair (docs/suites.md, Near-duplicates)"
        )
        if issue_at.loaded is not None:
            issues.append(issue_at.loaded.doc.issue(("items", issue_at.index, "id"), msg))
    flagged = len(report.flagged())
    summary = (
        f"near-duplicates: {flagged} pair(s) at or above Jaccard {THRESHOLD:.2f} (or containment "
        f"{CONTAINMENT:.2f}) among {report.items} inline items of {report.suites} suites"
        + (f"; {report.exempt} intended pair(s) exempt" if report.exempt else "")
    )
    return issues, summary


def main(argv: list[str] | None = None) -> int:
    import argparse
    from pathlib import Path

    from ..config.loader import load_workspace

    parser = argparse.ArgumentParser(
        prog="python -m evalkit.reference.near_duplicates",
        description="Similarity distribution and near-duplicate pairs over suites.",
    )
    parser.add_argument("paths", nargs="*", default=["suites"])
    parser.add_argument("--floor", type=float, default=0.2, help="list every pair at or above this Jaccard")
    args = parser.parse_args(argv)
    ws = load_workspace([Path(p) for p in args.paths], check_items=False)
    report = distribution(ws.suites)
    print(
        f"{report.items} inline items in {report.suites} suites; {report.sharing} pairs share a "
        f"{SHINGLE}-gram (exempt pairs left out: {report.exempt} over the thresholds)"
    )
    print("Jaccard bin   pairs")
    for low, n in report.histogram.items():
        print(f"  {low:.2f}-{low + 0.05:.2f}  {n:>6}")
    for pair in report.pairs:
        if pair.jaccard >= args.floor or pair.over():
            mark = "*" if pair.over() else " "
            print(f"{mark} {pair_line(pair)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
