"""What to review: the queues of (suite, item, vendor) answers, from the store and the results.

- ``judge``: answers the rules routed to a judge (a judge request was planned for them) or left
  undecided (answered, not scored: no judge ran or the judges' answers could not be read);
- ``disagreement``: the judges disagree on an answer's pass/fail, or the epochs of an item do;
- ``flagged``: what item analysis flags (``results["item_analysis"]["flags"]``: suite, item, vendor
  or None for every vendor, reasons);
- ``critical``: every failed critical item;
- ``audit``: a seeded random sample (``--sample`` answers, ``--seed``) of the answered rest (the answers
  in none of the judge, disagreement and critical queues: these come from the store alone, so two
  reviewers of the same run get the same sample whatever item analysis flags meanwhile).

Each answer appears once, with every reason it is queued for, in a fixed order: by the first queue
it is in (the order above), then the run's plan order of items, then the vendor as shown.
``adjudication_queue`` is the adjudicator's: the answers whose reviewers disagree.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..config.suite import Suite
from ..data import suite_items
from ..runner.store import RunStore
from ..scorers import build
from ..scorers.judge import Judge, JudgeParams, parse_verdict
from .audit import Entry, Unit, disputed_units
from .names import DEFAULT_SAMPLE, DEFAULT_SEED, FLAG_LABELS, QUEUE_LABELS, QUEUES
from .overrides import machine_verdicts

__all__ = ["QUEUES", "QUEUE_LABELS", "Queued", "adjudication_queue", "build_queue", "judge_split"]


@dataclass
class Queued:
    unit: Unit
    reasons: list[str] = field(default_factory=list)  # queue names
    notes: list[str] = field(default_factory=list)  # e.g. item analysis' reasons
    machine: tuple[bool | None, float | None] = (None, None)


def judge_split(store: RunStore, suites: Sequence[Suite]) -> set[str]:
    """Answer keys on which the judges' pass/fail decisions differ (two or more readable verdicts)."""
    verdicts = store.judge_verdicts()
    if not verdicts:
        return set()
    items = {(s.id, it.id): (s, it) for s in suites for it in suite_items(s)}
    targets = {str(k): (str(s), str(i)) for k, s, i in store.db.execute("SELECT key, suite_id, item_id FROM requests")}
    out: set[str] = set()
    for (target, index), found in verdicts.items():
        texts = [text for _, text in found if text is not None]
        where = targets.get(target)
        if len(texts) < 2 or where is None or where not in items:
            continue
        suite, item = items[where]
        spec = suite.scorers_for(item)[index]
        scorer = build(spec.kind, spec.params)
        params = scorer.params if isinstance(scorer, Judge) else JudgeParams()
        threshold = (params.pass_threshold - 1) / 4 if params.scale == "1-5" else 0.5
        decisions = {v >= threshold for t in texts if (v := parse_verdict(t, params.scale)) is not None}
        if len(decisions) > 1:
            out.add(target)
    return out


def _flag_units(flags: Any, answered: Sequence[Unit], to_real: Mapping[str, str]) -> dict[Unit, list[str]]:
    """Item analysis' flags as units (a flag without a vendor: every vendor that answered)."""
    out: dict[Unit, list[str]] = {}
    if not isinstance(flags, list):
        return out
    for flag in flags:
        if not isinstance(flag, dict):
            continue
        suite, item, vendor = flag.get("suite_id"), flag.get("item_id"), flag.get("vendor_id")
        reasons = [FLAG_LABELS.get(str(r), str(r)) for r in flag.get("reasons") or [] if r]
        vendor = to_real.get(vendor, vendor) if isinstance(vendor, str) else None
        for unit in answered:
            if unit[0] == suite and unit[1] == item and (vendor is None or unit[2] == vendor):
                out.setdefault(unit, []).extend(reasons)
    return out


def build_queue(
    store: RunStore,
    suites: Sequence[Suite],
    df: pd.DataFrame,
    *,
    flags: Any = None,
    kind: str = "all",
    sample: int = DEFAULT_SAMPLE,
    seed: int = DEFAULT_SEED,
    shown: Mapping[str, str] | None = None,
    to_real: Mapping[str, str] | None = None,
) -> list[Queued]:
    """The review queue (see the module's docstring). ``df``: the machine's item table (``item_table``);
    ``shown``: store vendor id -> the id shown (a blinded run's pseudonyms), which orders vendors;
    ``to_real``: the reverse, for flags read from a blinded summary."""
    shown = shown or {}
    if df.empty:
        return []
    answered_rows = df[df.status.isin(["ok", "not_scored"])]
    plan = {
        (str(s), str(i)): n
        for n, (s, i) in enumerate(dict.fromkeys(zip(df.suite_id.tolist(), df.item_id.tolist(), strict=True)))
    }
    answered = list(
        dict.fromkeys(
            (str(s), str(i), str(v))
            for s, i, v in zip(answered_rows.suite_id, answered_rows.item_id, answered_rows.vendor_id, strict=True)
        )
    )
    from ..analysis.tables import item_level

    levels = item_level(df)
    machine = machine_verdicts(df, levels)
    by_unit: dict[Unit, Queued] = {}

    def add(unit: Unit, reason: str, notes: Sequence[str] = ()) -> None:
        q = by_unit.setdefault(unit, Queued(unit, machine=machine.get(unit, (None, None))))
        if reason not in q.reasons:
            q.reasons.append(reason)
        q.notes.extend(n for n in notes if n not in q.notes)

    def unit_of(row: Any) -> Unit:
        return (str(row.suite_id), str(row.item_id), str(row.vendor_id))

    routed = {str(k) for (k,) in store.db.execute("SELECT DISTINCT target FROM judge_requests")}
    split = judge_split(store, suites)
    for row in answered_rows.itertuples():
        if row.key in routed or row.status == "not_scored":
            add(unit_of(row), "judge")
    for row in answered_rows.itertuples():
        if row.key in split:
            add(unit_of(row), "disagreement")
    for row in levels[levels.disagree].itertuples():
        add(unit_of(row), "disagreement")
    for row in levels[levels.critical & (levels.n_ok > 0) & ~levels.passed.astype(bool)].itertuples():
        add(unit_of(row), "critical")
    # the rest of the machine's queues (not of the flags: summary.json's flags change once reviews are
    # reported, and two reviewers must get the same sample)
    rest = sorted(u for u in answered if u not in by_unit)
    for unit in random.Random(seed).sample(rest, min(max(sample, 0), len(rest))):
        add(unit, "audit")
    for unit, notes in _flag_units(flags, answered, to_real or {}).items():
        add(unit, "flagged", notes)
    wanted = QUEUES if kind == "all" else (kind,)
    chosen = [q for q in by_unit.values() if any(r in wanted for r in q.reasons)]
    return sorted(
        chosen,
        key=lambda q: (
            min(QUEUES.index(r) for r in q.reasons if r in wanted),
            plan.get(q.unit[:2], len(plan)),
            shown.get(q.unit[2], q.unit[2]),
        ),
    )


def adjudication_queue(entries: list[Entry], df: pd.DataFrame, shown: Mapping[str, str] | None = None) -> list[Queued]:
    """The answers whose reviewers' latest ratings disagree, in plan order."""
    shown = shown or {}
    machine = machine_verdicts(df) if not df.empty else {}
    plan = {
        (str(s), str(i)): n
        for n, (s, i) in enumerate(dict.fromkeys(zip(df.suite_id.tolist(), df.item_id.tolist(), strict=True)))
    }
    units = sorted(disputed_units(entries), key=lambda u: (plan.get(u[:2], len(plan)), shown.get(u[2], u[2])))
    return [Queued(u, ["adjudication"], machine=machine.get(u, (None, None))) for u in units]
