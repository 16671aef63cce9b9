"""Agreement of a judge with the probes' labels: accuracy and Cohen's kappa (two classes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict


class Agreement(TypedDict):
    """A judge against the probes' labels (the ``calibration.json`` rows)."""

    n: int
    agree: int
    undecided: int
    accuracy: float | None
    kappa: float | None
    false_pass: int
    false_fail: int


def cohen_kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of (label, verdict) pairs; None when it is undefined (chance agreement is 1:
    both raters gave one and the same class to every case)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    label_yes = sum(1 for a, _ in pairs if a) / n
    verdict_yes = sum(1 for _, b in pairs if b) / n
    chance = label_yes * verdict_yes + (1 - label_yes) * (1 - verdict_yes)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1 - chance)


def agreement(cases: Iterable[tuple[bool, bool | None]]) -> Agreement:
    """``cases``: (the probe must pass, the verdict it got — None when the judge gave none).
    Accuracy and kappa count the decided cases; ``undecided`` counts the others."""
    decided: list[tuple[bool, bool]] = []
    undecided = 0
    for label, verdict in cases:
        if verdict is None:
            undecided += 1
        else:
            decided.append((label, verdict))
    n = len(decided)
    agree = sum(1 for a, b in decided if a == b)
    kappa = cohen_kappa(decided)
    return {
        "n": n,
        "agree": agree,
        "undecided": undecided,
        "accuracy": round(agree / n, 4) if n else None,
        "kappa": None if kappa is None else round(kappa, 4) + 0.0,  # no "-0.00"
        "false_pass": sum(1 for a, b in decided if b and not a),
        "false_fail": sum(1 for a, b in decided if a and not b),
    }
