"""Item analysis: which items a committee should look at before it trusts their verdicts.

Over the item-level table (one row per item × vendor: ``score``, ``passed``, ``n_ok``) of one run, or
of several runs pooled (``evalkit items``), each item is flagged for

- ``all_fail``: every scored candidate vendor fails it (at least :data:`MIN_VENDORS_ALL_FAIL` of them):
  a reference or a scorer may be wrong;
- ``negative_discrimination``: the point-biserial correlation between passing the item and the vendor's
  *rest score* is at most :data:`DISCRIMINATION_THRESHOLD`, over at least
  :data:`MIN_VENDORS_DISCRIMINATION` candidate vendors: vendors strong overall fail it, weak ones pass;
- ``baseline_pass``: the ``echo`` baseline passes it (repeating the prompt should pass nothing), or the
  ``refuse`` baseline passes an item that does not expect a decline (:func:`expects_decline`);
- ``review_changed``: a person changed a verdict of the item in review (the set is the caller's).

*Candidates* are the vendors of category ``domestic`` and ``foreign``; baselines (the embedded refuse and
echo models, category ``baseline``) are never counted in an item's statistics, and judges never appear.

The rest score of a vendor for an item is the vendor's mean item score over the *other* items it was
scored on in the same run (all suites): the item itself is left out, so an item cannot correlate with
itself, and the whole run is used because one criterion's items are often too few to rank vendors. The
point-biserial coefficient is Pearson's r between the 0/1 pass and that rest score (it equals
``scipy.stats.pointbiserialr``); it is not computed when either side has no variance.
Difficulty is the pass rate of an item over the candidate vendors scored on it.

Items of pooled runs are matched by suite id, suite version and item id; each run's vendors are
distinct (``run:vendor``), and a rest score is taken within the vendor's own run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config.suite import Item, Suite
from ..config.vendor import Vendor
from ..data import suite_items
from .tables import item_level

DISCRIMINATION_THRESHOLD = -0.3  # flag an item whose point-biserial r is at or below this
MIN_VENDORS_DISCRIMINATION = 4  # candidate vendors scored on the item (with a rest score) to compute r
MIN_VENDORS_ALL_FAIL = 2  # candidate vendors scored on the item for "every vendor fails it"

# a vendor's role (stored as numbers: a blinded view renames every string that contains a vendor id)
CANDIDATE, REFUSE, ECHO, EXCLUDED = 0, 1, 2, 3
ROLE_NAMES = {CANDIDATE: "candidate", REFUSE: "refuse", ECHO: "echo", EXCLUDED: "excluded"}

REASONS = ("all_fail", "negative_discrimination", "baseline_pass", "review_changed")

ItemKey = tuple[str, str, str]  # suite id, suite version, item id
ITEM_KEY = ("suite_id", "suite_version", "item_id")


def vendor_role(vendor: Vendor) -> int:
    """Candidate (domestic, foreign), the refuse or echo baseline (the embedded models of category
    baseline, as reference/baselines.py makes them), or excluded (judges, other baselines)."""
    if vendor.category in ("domestic", "foreign"):
        return CANDIDATE
    if vendor.category == "baseline" and vendor.provider == "reference":
        model = vendor.model.partition(":")[0]
        if model == "refuse":
            return REFUSE
        if model == "echo":
            return ECHO
    return EXCLUDED


def expects_decline(suite: Suite, item: Item) -> bool:
    """The item expects the model to decline: its ``expect: decline``, or — when the item says nothing —
    the ``expect`` of a ``refusal`` scorer of its own (as the refusal scorer reads it: the item's
    expectation wins over the scorer's default). A turn of a conversation whose refusal scorer expects a
    decline counts too. Only on such items may the refuse baseline pass (the self-check's rule)."""
    if item.expect is not None:
        return item.expect == "decline"
    return any(spec.kind == "refusal" and spec.params.get("expect") == "decline" for spec in suite.scorers_for(item))


FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.integer[Any]]]


def _pearson(sxx: float, syy: float, sxy: float) -> float | None:
    """Pearson's r (= the point-biserial coefficient when x is 0/1) from the sums of squares and products of
    the deviations from the means; None when either side has no variance."""
    sx, sy = math.sqrt(sxx), math.sqrt(syy)
    if sx == 0 or sy == 0 or not math.isfinite(sx * sy):
        return None
    return float(max(-1.0, min(1.0, sxy / (sx * sy))))


def _by_size(groups: IntArray, n_groups: int) -> list[tuple[IntArray, IntArray]]:
    """The groups of each size k: their ids and a (groups, k) matrix of their row numbers, in row order.
    A sum along axis 1 of values taken by that matrix adds each group as numpy adds the group's own array
    (pairwise, in row order), so the grouped statistics equal those of a loop over the groups, to the bit."""
    order = np.argsort(groups, kind="stable")
    sizes = np.bincount(groups, minlength=n_groups)
    starts = np.cumsum(sizes) - sizes
    return [
        (ids, order[starts[ids, None] + np.arange(k)])
        for k in np.unique(sizes[sizes > 0]).tolist()
        for ids in [np.flatnonzero(sizes == k)]
    ]


def _item_statistics(
    groups: IntArray, n_groups: int, passed: FloatArray, score: FloatArray, rest: FloatArray
) -> tuple[list[int], list[int], list[float], list[int], list[float | None]]:
    """Per item (``groups``: the item of each candidate row, 0 .. n_groups - 1): candidates, passes, mean
    score (NaN scores left out), candidates with a rest score, and r over those when they are at least
    :data:`MIN_VENDORS_DISCRIMINATION` (else None). One numpy reduction per group size, not per item."""
    size = np.bincount(groups, minlength=n_groups)
    n_pass = np.bincount(groups, weights=passed, minlength=n_groups)
    known = ~np.isnan(score)
    count = np.bincount(groups, weights=known, minlength=n_groups)
    total = np.zeros(n_groups)
    filled = np.where(known, score, 0.0)  # as pandas' mean: NaN counts as 0 in the sum, not in the count
    for ids, rows in _by_size(groups, n_groups):
        total[ids] = filled[rows].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    has_rest = ~np.isnan(rest)
    sub, x, y = groups[has_rest], passed[has_rest], rest[has_rest]
    n_rest = np.bincount(sub, minlength=n_groups)
    sums = np.full((3, n_groups), np.nan)  # sxx, syy, sxy
    for ids, rows in _by_size(sub, n_groups):
        if rows.shape[1] < MIN_VENDORS_DISCRIMINATION:
            continue
        xs, ys = x[rows], y[rows]
        dx, dy = xs - xs.mean(axis=1)[:, None], ys - ys.mean(axis=1)[:, None]
        sums[:, ids] = (dx * dx).sum(axis=1), (dy * dy).sum(axis=1), (dx * dy).sum(axis=1)
    r = [
        _pearson(sxx, syy, sxy) if k >= MIN_VENDORS_DISCRIMINATION else None
        for k, sxx, syy, sxy in zip(n_rest.tolist(), *sums.tolist(), strict=True)
    ]
    return size.tolist(), [int(p) for p in n_pass.tolist()], mean.tolist(), n_rest.tolist(), r


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def _rounding(digits: int = 4) -> Callable[[float | None], float | None]:
    """``_round`` that remembers what it rounded: ``round(x, digits)`` of a float goes through a decimal
    conversion (half a microsecond), and the pass rates and mean scores of thousands of items take few
    distinct values (0, 1, k/n). A zero keeps its sign (0.0 and -0.0 are one key of a dict)."""
    done: dict[float, float] = {}

    def rounded(value: float | None) -> float | None:
        if value is None or not math.isfinite(value):
            return None
        if value == 0:
            return float(value)  # (= round(value, digits), sign included)
        out = done.get(value)
        if out is None:
            out = done[value] = round(float(value), digits)
        return out

    return rounded


def _per_item(cand: pd.DataFrame) -> Iterator[tuple[ItemKey, int, int, float, int, float | None]]:
    """Per item with candidate rows, in order of first appearance: its key, candidates, passes, mean score,
    candidates with a rest score, and r (``_item_statistics``)."""
    grouping = cand.groupby(list(ITEM_KEY), sort=False)
    groups = grouping.ngroup().fillna(-1).to_numpy(dtype=np.intp)
    keyed = np.flatnonzero(groups >= 0)  # (a row with a missing key belongs to no item)
    groups = groups[keyed]
    first = keyed[np.unique(groups, return_index=True)[1]]  # the first row of each item
    keys = (cand[column].iloc[first].tolist() for column in ITEM_KEY)
    columns = (cand[column].to_numpy(dtype=float)[keyed] for column in ("passed", "score", "rest"))
    for s, v, i, n, n_pass, mean, n_rest, r in zip(*keys, *_item_statistics(groups, len(first), *columns), strict=True):
        yield (str(s), str(v), str(i)), n, n_pass, mean, n_rest, r


def analyse_items(
    items: pd.DataFrame,
    roles: Mapping[str, int],
    *,
    versions: Mapping[str, str] | None = None,
    declines: Collection[ItemKey] = (),
    review_changed: Iterable[tuple[str, str, str]] | None = None,
) -> dict[str, Any]:
    """The analysis of an item-level table (``tables.item_level``; a ``suite_version`` column, else
    ``versions`` by suite id). ``roles``: vendor id -> role (vendors missing are excluded);
    ``declines``: the items that expect a decline; ``review_changed``: (suite id, item id, vendor id)
    of verdicts a person changed."""
    frame = items[items.n_ok > 0]
    if "suite_version" not in frame.columns:
        frame = frame.assign(suite_version=frame.suite_id.map(dict(versions or {})).fillna(""))
    frame = frame.assign(
        role=frame.vendor_id.map(dict(roles)).fillna(EXCLUDED).astype(int),
        passed=frame["passed"].astype(bool),
        score=frame["score"].astype(float),
    )
    cand = frame[frame.role == CANDIDATE]
    # rest score: the vendor's mean over its other scored items (NaN when it has no other)
    by_vendor = cand.groupby("vendor_id").score
    total, count = by_vendor.transform("sum").astype(float), by_vendor.transform("size").astype(float)
    cand = cand.assign(rest=((total - cand.score) / (count - 1)).where(count > 1))
    declining = set(declines)

    flags: dict[tuple[ItemKey, str | None], dict[str, Any]] = {}

    def flag(key: ItemKey, vendor: str | None, reason: str, detail: Mapping[str, Any]) -> None:
        entry = flags.setdefault(
            (key, vendor),
            {
                "suite_id": key[0],
                "suite_version": key[1],
                "item_id": key[2],
                "vendor_id": vendor,
                "reasons": [],
                "detail": {},
            },
        )
        if reason not in entry["reasons"]:
            entry["reasons"].append(reason)
        entry["detail"].update(detail)

    # every item in order of first appearance; those with candidates get their statistics below
    keys = dict.fromkeys(
        (str(s), str(v), str(i)) for s, v, i in zip(*(frame[c].tolist() for c in ITEM_KEY), strict=True)
    )
    measured: dict[ItemKey, dict[str, Any]] = {}
    rounded = _rounding()
    for key, n, n_pass, mean, n_rest, r in _per_item(cand):
        measured[key] = _item_row(key, n, n_pass, rounded(n_pass / n), rounded(mean), _round(r), key in declining)
        if n >= MIN_VENDORS_ALL_FAIL and n_pass == 0:
            flag(key, None, "all_fail", {"n_vendors": n})
        if r is not None and r <= DISCRIMINATION_THRESHOLD:
            flag(
                key,
                None,
                "negative_discrimination",
                {"r": _round(r), "n_vendors": n_rest, "threshold": DISCRIMINATION_THRESHOLD},
            )
    baselines = frame[frame.role.isin([REFUSE, ECHO]) & frame.passed]
    for row in baselines.itertuples(index=False):
        key = (str(row.suite_id), str(row.suite_version), str(row.item_id))
        if row.role == ECHO:
            flag(key, str(row.vendor_id), "baseline_pass", {"baseline": "echo"})
        elif key not in declining:
            flag(key, str(row.vendor_id), "baseline_pass", {"baseline": "refuse", "expects_decline": False})
    if review_changed:
        by_item: dict[tuple[str, str], list[ItemKey]] = {}
        for key in keys:
            by_item.setdefault((key[0], key[2]), []).append(key)
        for suite_id, item_id, vendor_id in sorted(set(review_changed)):
            for key in by_item.get((suite_id, item_id)) or [(suite_id, (versions or {}).get(suite_id, ""), item_id)]:
                flag(key, vendor_id, "review_changed", {})

    reasons: dict[ItemKey, set[str]] = {}
    for (key, _), entry in flags.items():
        reasons.setdefault(key, set()).update(entry["reasons"])
    rows = {key: measured.get(key) or _item_row(key, 0, 0, None, None, None, key in declining) for key in keys}
    for key, found in reasons.items():
        if key in rows:
            rows[key]["flags"] = sorted(found, key=REASONS.index)
    order = {key: n for n, key in enumerate(keys)}
    ordered = sorted(flags.values(), key=lambda f: (order.get(_key(f), len(order)), f["vendor_id"] or ""))
    n_candidates = int(cand.vendor_id.nunique())
    return {
        "method": {
            "candidates": "domestic, foreign",
            "rest_score": "mean item score of the vendor over the other items of its run",
            "discrimination": "point-biserial (Pearson r of pass 0/1 and rest score)",
            "threshold": DISCRIMINATION_THRESHOLD,
            "min_vendors_discrimination": MIN_VENDORS_DISCRIMINATION,
            "min_vendors_all_fail": MIN_VENDORS_ALL_FAIL,
        },
        "n_vendors": n_candidates,
        "n_items": len(keys),
        "roles": {str(vid): int(role) for vid, role in roles.items()},
        "flags": ordered,
        "items": list(rows.values()),
    }


def _item_row(
    key: ItemKey,
    n: int,
    n_pass: int,
    difficulty: float | None,
    mean: float | None,
    r: float | None,
    expects_decline: bool,
) -> dict[str, Any]:
    """One row of ``items`` (its ``flags`` are filled in last)."""
    return {
        "suite_id": key[0],
        "suite_version": key[1],
        "item_id": key[2],
        "n_vendors": n,
        "n_passed": n_pass,
        "difficulty": difficulty,
        "mean_score": mean,
        "discrimination": r,
        "expects_decline": expects_decline,
        "flags": [],
    }


def _key(flag: Mapping[str, Any]) -> ItemKey:
    return (str(flag["suite_id"]), str(flag.get("suite_version") or ""), str(flag["item_id"]))


def _declines(suites: Iterable[Suite]) -> set[ItemKey]:
    out: set[ItemKey] = set()
    for s in suites:
        # an item with no expect, no scorers and no turns of its own has the suite's scorers: read once per suite
        default = any(spec.kind == "refusal" and spec.params.get("expect") == "decline" for spec in s.scorers)
        for it in suite_items(s):
            own = it.expect is not None or it.scorers is not None or bool(it.turns)
            if expects_decline(s, it) if own else default:
                out.add((s.id, s.version, it.id))
    return out


def item_analysis(
    items: pd.DataFrame,
    suites: Sequence[Suite],
    vendors: Sequence[Vendor],
    review_changed: Iterable[tuple[str, str, str]] | None = None,
) -> dict[str, Any]:
    """The analysis of one run (``items``: its ``tables.item_level`` table) — ``results["item_analysis"]``."""
    return analyse_items(
        items,
        {v.id: vendor_role(v) for v in vendors},
        versions={s.id: s.version for s in suites},
        declines=_declines(suites),
        review_changed=review_changed,
    )


def pooled_analysis(runs: Sequence[tuple[str, pd.DataFrame, Sequence[Suite], Sequence[Vendor]]]) -> dict[str, Any]:
    """Several runs pooled: ``runs`` are (label, item-level table, suites, vendors); a vendor becomes
    ``label:vendor`` (one label: the vendor ids as they are); items match by suite id, version and id."""
    frames: list[pd.DataFrame] = []
    roles: dict[str, int] = {}
    declines: set[ItemKey] = set()
    prefix = len(runs) > 1
    for label, items, suites, vendors in runs:
        versions = {s.id: s.version for s in suites}

        def name(vendor_id: str, label: str = label) -> str:
            return f"{label}:{vendor_id}" if prefix else vendor_id

        frame = items.assign(vendor_id=items.vendor_id.map(name), suite_version=items.suite_id.map(versions).fillna(""))
        frames.append(frame)
        roles.update({name(v.id): vendor_role(v) for v in vendors})
        declines |= _declines(suites)
    table = pd.concat(frames, ignore_index=True) if frames else item_level(pd.DataFrame())
    return analyse_items(table, roles, declines=declines)


def restrict(analysis: Mapping[str, Any], df: pd.DataFrame) -> dict[str, Any]:
    """The analysis recomputed over the vendors of ``df`` (an item table as a report view shows it):
    a view that hides vendors must not show flags or statistics that rest on their answers."""
    vendors = set(df.vendor_id) if len(df) else set()
    roles = {vid: int(role) for vid, role in (analysis.get("roles") or {}).items() if vid in vendors}
    known = analysis.get("items") or []
    versions = {str(it["suite_id"]): str(it["suite_version"]) for it in known}
    declines = {
        (str(it["suite_id"]), str(it["suite_version"]), str(it["item_id"])) for it in known if it.get("expects_decline")
    }
    changed = [
        (str(f["suite_id"]), str(f["item_id"]), str(f["vendor_id"]))
        for f in analysis.get("flags") or []
        if "review_changed" in f.get("reasons", ()) and f.get("vendor_id") in vendors
    ]
    return analyse_items(item_level(df), roles, versions=versions, declines=declines, review_changed=changed)
