"""Human verdicts applied to scoring, and what the results say about them (``results["human_review"]``).

``apply_human_review`` is the aggregation's hook (analysis/aggregate.py): on the item table, before
anything is counted, every answered epoch of an item and vendor with a final human verdict
(``audit.final_verdicts``) takes the human score and pass/fail, and its explanation starts with the
human verdict and reason, so suite scores, gates, totals, comparisons, results.csv and the report
all reflect it. The machine verdicts stay in the store's ``scores`` table untouched.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pandas as pd

from ..analysis.judges import cohen_kappa, krippendorff_alpha
from ..analysis.tables import item_level
from ..runner.store import RunStore
from .audit import Entry, Final, Unit, final_verdicts, latest_ratings, read_log

ANSWERED = ("ok", "not_scored")
STATUS_LABELS = {"adjudicated": "裁定", "agreed": "審査", "disputed": "未裁定"}


def machine_verdicts(
    df: pd.DataFrame, levels: pd.DataFrame | None = None
) -> dict[Unit, tuple[bool | None, float | None]]:
    """(suite, item, vendor) -> the machine's item-level (passed, score); (None, None) when no epoch
    was scored. ``df``: the item table as the scorers left it (``levels``: its ``item_level``, if at hand)."""
    out: dict[Unit, tuple[bool | None, float | None]] = {}
    levels = item_level(df) if levels is None else levels
    for suite, item, vendor, n_ok, passed, score in zip(
        *(levels[c] for c in ("suite_id", "item_id", "vendor_id", "n_ok", "passed", "score")), strict=True
    ):
        unit = (str(suite), str(item), str(vendor))
        out[unit] = (bool(passed), round(float(score), 6)) if int(n_ok) > 0 else (None, None)
    return out


def _verdict_word(passed: bool | None) -> str:
    return "未採点" if passed is None else ("合格" if passed else "不合格")


def _rating(e: Entry) -> dict[str, Any]:
    return {"reviewer": e.reviewer, "passed": e.passed, "score": e.score, "reason": e.reason, "time": e.time}


def _pair(a: list[bool], b: list[bool]) -> dict[str, Any]:
    n = len(a)
    return {
        "n": n,
        "kappa": cohen_kappa(a, b),
        "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / n, 6) if n else None,
    }


def agreement(
    entries: list[Entry], finals: dict[Unit, Final], machine: dict[Unit, tuple[bool | None, float | None]]
) -> dict[str, Any]:
    """Reviewer–reviewer (Cohen's κ per pair, Krippendorff's α over all), reviewer–machine (κ per
    reviewer) and final–machine agreement on pass/fail, each reviewer's latest rating counted."""
    ratings = latest_ratings(entries)
    reviewers = sorted({r for by in ratings.values() for r in by})
    pairs = []
    for a, b in combinations(reviewers, 2):
        both = [(by[a].passed, by[b].passed) for by in ratings.values() if a in by and b in by]
        pairs.append({"a": a, "b": b, **_pair([x for x, _ in both], [y for _, y in both])})
    units = [[float(e.passed) for e in by.values()] for by in ratings.values()]
    with_machine = []
    for r in reviewers:
        both = [
            (by[r].passed, m)
            for unit, by in ratings.items()
            if r in by and (m := machine.get(unit, (None, None))[0]) is not None
        ]
        with_machine.append({"reviewer": r, **_pair([x for x, _ in both], [y for _, y in both])})
    final = [
        (f.passed, m)
        for unit, f in finals.items()
        if f.passed is not None and (m := machine.get(unit, (None, None))[0]) is not None
    ]
    return {
        "reviewers": pairs,
        "alpha": krippendorff_alpha(units, "nominal"),
        "alpha_units": sum(len(u) >= 2 for u in units),
        "machine": with_machine,
        "final_vs_machine": _pair([x for x, _ in final], [y for _, y in final]),
    }


def apply_human_review(store: RunStore, df: pd.DataFrame) -> dict[str, Any] | None:
    """Apply the final human verdicts to ``df`` (in place) and describe them; None without any review."""
    entries = read_log(store)
    if not entries:
        return None
    finals = final_verdicts(entries)
    machine = machine_verdicts(df)
    sealed = set(store.get_meta("sealed") or {})
    positions = df.groupby(["suite_id", "item_id", "vendor_id"], sort=False).indices if len(df) else {}
    order = {key: n for n, key in enumerate(positions)}
    answered = df.status.isin(list(ANSWERED)).to_numpy() if len(df) else None
    columns = {name: list(df.columns).index(name) for name in ("score", "passed", "status", "explanation")}
    rows: list[dict[str, Any]] = []
    disputed: list[dict[str, Any]] = []
    for unit in sorted(finals, key=lambda u: (order.get(u, len(order)), u)):
        f = finals[unit]
        m_passed, m_score = machine.get(unit, (None, None))
        base = {
            "suite_id": unit[0],
            "item_id": unit[1],
            "vendor_id": unit[2],
            "machine": {"passed": m_passed, "score": m_score},
            "ratings": [_rating(e) for e in f.ratings],
        }
        if not f.applies:
            disputed.append({**base, "time": f.time})
            continue
        found = positions.get(unit)
        if found is None or answered is None:
            continue  # no such answer in this run (nothing to override)
        pos = [int(p) for p in found if answered[p]]
        if not pos:
            continue
        who = "、".join(f.deciders)
        why = "" if unit[0] in sealed else f": {f.reason}"  # (a reason may quote a sealed item: not in exports)
        note = f"人による審査（{STATUS_LABELS[f.status]}）: {_verdict_word(f.passed)}（{who}{why}）。機械判定: "
        for p in pos:
            df.iat[p, columns["score"]] = f.score
            df.iat[p, columns["passed"]] = f.passed
            df.iat[p, columns["status"]] = "ok"
            df.iat[p, columns["explanation"]] = note + str(df.iat[p, columns["explanation"]] or _verdict_word(m_passed))
        rows.append(
            {
                **base,
                "status": f.status,
                "human": {"passed": f.passed, "score": f.score},
                "changed": f.passed != m_passed or (m_score is not None and f.score != m_score),
                "verdict_changed": f.passed != m_passed,
                "reviewers": f.deciders,
                "reason": f.reason,
                "time": f.time,
                "adjudication": _rating(f.adjudication) if f.adjudication is not None else None,
            }
        )
    reviewers = sorted({e.reviewer for e in entries if e.role == "review"})
    adjudicators = sorted({e.reviewer for e in entries if e.role == "adjudication"})
    return {
        "applied": True,  # the scores of these results apply the human verdicts
        "head": {"n": len(entries), "hash": entries[-1].hash},
        "reviewers": reviewers,
        "adjudicators": adjudicators,
        "counts": {
            "entries": len(entries),
            "units": len(finals),
            "applied": len(rows),
            "verdict_changed": sum(r["verdict_changed"] for r in rows),
            "confirmed": sum(not r["verdict_changed"] for r in rows),
            "adjudicated": sum(r["status"] == "adjudicated" for r in rows),
            "agreed": sum(r["status"] == "agreed" for r in rows),
            "disputed": len(disputed),
        },
        "entries": rows,
        "disputed": disputed,
        "agreement": agreement(entries, finals, machine),
    }


def changed_units(human: dict[str, Any] | None) -> list[Unit]:
    """The (suite, item, vendor) whose pass/fail human review changed (item analysis flags them)."""
    rows = (human or {}).get("entries") or []
    return [(r["suite_id"], r["item_id"], r["vendor_id"]) for r in rows if r.get("verdict_changed")]
