"""How far the judges can be trusted: agreement between judges, and with human labels.

- Krippendorff's α over every judged answer (nominal for pass/fail verdicts, interval for 1–5
  grades), any number of judges, missing verdicts allowed.
- Cohen's κ for every pair of judges on the pass/fail decision.
- When items carry a human label (``meta.human_label``: true/false, "pass"/"fail", 合格/不合格),
  Cohen's κ and raw agreement between the judges' consensus and the humans.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Any

from ..config.suite import Suite
from ..data import suite_items
from ..runner.store import RunStore
from ..scorers import build
from ..scorers.judge import Judge, JudgeParams, parse_verdict

_HUMAN_WORDS = {"pass": True, "fail": False, "合格": True, "不合格": False}


def human_label(value: object) -> bool | None:
    """A human's pass/fail from ``meta.human_label``: true/false, 1/0, "pass"/"fail" or 合格/不合格;
    None for anything else (meta is free YAML: a list or a mapping there is no label, not a crash)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        return _HUMAN_WORDS.get(value)
    return None


def krippendorff_alpha(units: Iterable[list[float]], level: str = "nominal") -> float | None:
    """α for units of values (one list per judged answer). None when undefined (too little data)."""
    pairable = [u for u in units if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    if n < 2:
        return None

    def delta(a: float, b: float) -> float:
        return float(a != b) if level == "nominal" else (a - b) ** 2

    observed = (
        sum(
            sum(delta(a, b) for i, a in enumerate(u) for j, b in enumerate(u) if i != j) / (len(u) - 1)
            for u in pairable
        )
        / n
    )
    if level == "nominal":
        counts: dict[float, int] = {}
        for v in values:
            counts[v] = counts.get(v, 0) + 1
        expected = (n * n - sum(c * c for c in counts.values())) / (n * (n - 1))
    else:
        total, squares = sum(values), sum(v * v for v in values)
        expected = (2 * n * squares - 2 * total * total) / (n * (n - 1))
    if expected == 0:
        return 1.0 if observed == 0 else None
    return round(1 - observed / expected, 6)


def cohen_kappa(a: list[bool], b: list[bool]) -> float | None:
    """κ for two raters' binary decisions on the same cases."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    p_e = pa * pb + (1 - pa) * (1 - pb)
    if p_e == 1:
        return 1.0 if p_o == 1 else None
    return round((p_o - p_e) / (1 - p_e), 6)


def judge_results(store: RunStore, suites: list[Suite]) -> dict[str, Any]:
    judges: list[str] = list(store.get_meta("judges_ids", []))
    out: dict[str, Any] = {
        "judges": judges,
        "n_judged": 0,
        "alpha": None,
        "alpha_level": None,
        "pairs": [],
        "human": None,
        "settings": store.get_meta("judges", []),
    }
    if not judges:
        return out
    items = {(s.id, it.id): (s, it) for s in suites for it in suite_items(s)}
    targets = dict(store.db.execute("SELECT key, suite_id || char(0) || item_id FROM requests"))
    units: list[list[float]] = []
    decisions: dict[str, list[bool | None]] = {j: [] for j in judges}
    human_pairs: list[tuple[bool, bool]] = []
    levels: set[str] = set()
    for (target, index), verdicts in store.judge_verdicts().items():
        suite_id, item_id = targets[target].split("\0")
        suite, item = items[(suite_id, item_id)]
        specs = suite.scorers_for(item)
        scorer = build(specs[index].kind, specs[index].params)
        # a judge scorer's own scale; other scorers that ask a judge (refusal fallback) ask pass/fail
        params = scorer.params if isinstance(scorer, Judge) else JudgeParams()
        scale = params.scale
        threshold = (params.pass_threshold - 1) / 4 if scale == "1-5" else 0.5
        levels.add("nominal" if scale == "pass_fail" else "interval")
        parsed = {j: (parse_verdict(text, scale) if text is not None else None) for j, text in verdicts}
        unit = [v for v in parsed.values() if v is not None]
        units.append(unit)
        for j in judges:
            v = parsed.get(j)
            decisions[j].append(None if v is None else v >= threshold)
        if unit:
            consensus = sum(v >= threshold for v in unit) * 2 > len(unit)
            label = human_label(item.meta.get("human_label")) if isinstance(item.meta, dict) else None
            if label is not None:
                human_pairs.append((consensus, label))
    out["n_judged"] = len(units)
    level = "interval" if levels == {"interval"} else "nominal"
    if level == "nominal":
        units = [[float(v >= 0.5) for v in u] for u in units]
    out["alpha"], out["alpha_level"] = krippendorff_alpha(units, level), level
    for a, b in combinations(judges, 2):
        # one decision (or None) per judged answer for every judge: the lists are aligned
        both = [(x, y) for x, y in zip(decisions[a], decisions[b], strict=True) if x is not None and y is not None]
        out["pairs"].append(
            {
                "a": a,
                "b": b,
                "n": len(both),
                "kappa": cohen_kappa([x for x, _ in both], [y for _, y in both]),
                "agreement": round(sum(x == y for x, y in both) / len(both), 6) if both else None,
            }
        )
    if human_pairs:
        out["human"] = {
            "n": len(human_pairs),
            "kappa": cohen_kappa([x for x, _ in human_pairs], [y for _, y in human_pairs]),
            "agreement": round(sum(x == y for x, y in human_pairs) / len(human_pairs), 6),
        }
    return out
