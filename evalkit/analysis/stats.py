"""Interval estimates for mean scores."""

from __future__ import annotations

import math
from typing import Optional

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if n == 0:
        raise ValueError("wilson interval of an empty sample")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(scores: list[float]) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """Mean and 95 % interval: Wilson for pass/fail scores, normal approximation otherwise."""
    values = [float(s) for s in scores if s is not None and not math.isnan(float(s))]
    n = len(values)
    if n == 0:
        return None, None, None
    mean = sum(values) / n
    if all(v in (0.0, 1.0) for v in values):
        low, high = wilson(int(sum(values)), n)
        return mean, low, high
    if n == 1:
        return mean, mean, mean
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = Z95 * math.sqrt(var / n)
    return mean, max(0.0, mean - half), min(1.0, mean + half)
