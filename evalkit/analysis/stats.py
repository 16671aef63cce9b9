"""Statistics used by the aggregation: intervals, paired tests, multiple-comparison correction.

Everything here is plain Python + numpy (no scipy): exact binomial tails come from integer
arithmetic with ``math.comb``, bootstraps from a seeded ``numpy.random.Generator`` so that the
same store always gives the same numbers. Formulas and the reasons for each choice are in
docs/statistics.md.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

# re-exported: the statistics' callers read them here
from ..config.statistics import ALPHA as ALPHA
from ..config.statistics import N_BOOT as N_BOOT
from ..config.statistics import SEED as SEED

# a bootstrap distribution or any other array of floats (numpy's own generic, valid in numpy 1.2x and 2.x)
FloatArray = npt.NDArray[np.float64]

Z95 = 1.959963984540054  # standard normal 97.5 % quantile
MIN_BOOTSTRAP_N = 10  # below this a bootstrap p-value is not used for a decision
# resample matrix size per chunk: 3 MB of indices and values, the values' buffer reused, so that they stay in the
# CPU's cache (chunks of a million cells, allocated afresh, spent longer on page faults and memory than on the draws)
_CHUNK_CELLS = 200_000


# --------------------------------------------------------------------------- rounding of results
def r6(value: float | None) -> float | None:
    """Scores, differences, intervals and shares as the results keep them: 6 decimals."""
    return None if value is None else round(float(value), 6)


def p6(value: float | None) -> float | None:
    """p-values: 6 significant digits, so that an exact p of 1e-9 never prints as 0."""
    return None if value is None else float(f"{float(value):.6g}")


# --------------------------------------------------------------------------- seeds
def derive_seed(*parts: object, seed: int = SEED) -> np.random.Generator:
    """A generator whose stream depends only on ``seed`` and the stable labels ``parts``.

    Each (vendor, suite) or (pair, suite) gets its own stream, and nothing depends on
    Python's per-process hash randomisation or on the order in which things are computed.
    """
    label = "\x1f".join(str(p) for p in parts).encode("utf-8")
    digest = int.from_bytes(hashlib.sha256(label).digest()[:8], "big")
    return np.random.default_rng([seed, digest])


# --------------------------------------------------------------------------- intervals
def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (Wilson 1927)."""
    if n == 0:
        raise ValueError("wilson interval of an empty sample")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def is_binary(values: Sequence[float]) -> bool:
    return all(float(v) in (0.0, 1.0) for v in values)


def bootstrap_means(values: Sequence[float] | FloatArray, rng: np.random.Generator, n_boot: int = N_BOOT) -> FloatArray:
    """Means of ``n_boot`` resamples (with replacement, same size) of ``values``."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        raise ValueError("bootstrap of an empty sample")
    out = np.empty(n_boot)
    rows = max(1, min(n_boot, _CHUNK_CELLS // n))
    drawn = np.empty((rows, n))
    # the draws come in the same order whatever the chunk size (the generator's stream is consumed row by
    # row), and each row's mean is numpy's sum of that row: the same numbers, to the bit, for any chunking
    for start in range(0, n_boot, rows):
        m = min(rows, n_boot - start)
        chunk = drawn[:m]
        np.take(x, rng.integers(0, n, size=(m, n)), out=chunk, mode="clip")  # (clip: no bounds check, none needed)
        out[start : start + m] = chunk.mean(axis=1)
    return out


def percentile_interval(boot: FloatArray, level: float = 0.95) -> tuple[float, float]:
    tail = (1 - level) / 2
    low, high = np.quantile(boot, [tail, 1 - tail])
    return float(low), float(high)


def bootstrap_interval(values: Sequence[float], rng: np.random.Generator, n_boot: int = N_BOOT) -> tuple[float, float]:
    """Percentile bootstrap 95 % interval of the mean."""
    return percentile_interval(bootstrap_means(values, rng, n_boot))


def mean_interval(
    scores: Sequence[float],
    rng: np.random.Generator | None = None,
    *,
    binary: bool | None = None,
    n_boot: int = N_BOOT,
    boot: FloatArray | None = None,
) -> tuple[float | None, float | None, float | None, str | None]:
    """Mean and 95 % interval of item scores: (mean, low, high, method).

    ``binary`` (default: decided from the values) selects Wilson; otherwise a percentile
    bootstrap, from the given resampled means ``boot`` or drawn with ``rng`` (default: the
    fixed seed). One value of a continuous score has no estimable spread: its interval is None.
    """
    values = [float(s) for s in scores if s is not None and not math.isnan(float(s))]
    n = len(values)
    if n == 0:
        return None, None, None, None
    mean = sum(values) / n
    if binary is None:
        binary = is_binary(values)
    if binary:
        low, high = wilson(int(round(sum(values))), n)
        return mean, low, high, "wilson"
    if n == 1:
        return mean, None, None, None
    if boot is None:
        boot = bootstrap_means(values, rng if rng is not None else derive_seed("mean"), n_boot)
    low, high = percentile_interval(boot)
    return mean, low, high, "bootstrap"


# --------------------------------------------------------------------------- paired tests
def binom_cdf_half(k: int, n: int) -> float:
    """Exact P(X <= k) for X ~ Binomial(n, 1/2), in integer arithmetic."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return sum(math.comb(n, i) for i in range(k + 1)) / (1 << n)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar test: p = min(1, 2 * P(X <= min(b, c))), X ~ Bin(b + c, 1/2).

    b and c are the discordant pairs (A passed and B failed; A failed and B passed).
    No discordant pairs: no evidence of a difference, p = 1.
    """
    n = b + c
    if n == 0:
        return 1.0
    return min(1.0, 2.0 * binom_cdf_half(min(b, c), n))


def newcombe_paired_interval(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """95 % interval for p_A - p_B from paired pass/fail data (Newcombe 1998, method 10).

    a: both passed, b: only A passed, c: only B passed, d: both failed. Built from the Wilson
    intervals of the two marginal pass rates, corrected for their correlation phi (as in
    Altman et al., *Statistics with Confidence*, 2000, and Fagerland et al., 2017, ch. 8).
    """
    n = a + b + c + d
    if n == 0:
        raise ValueError("paired interval of an empty table")
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n)
    l2, u2 = wilson(a + c, n)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    # correlation of the two marginal rates, with Newcombe's continuity correction
    if not margins or 0 <= cross <= n / 2:
        phi = 0.0
    elif cross > n / 2:
        phi = (cross - n / 2) / math.sqrt(margins)
    else:
        phi = cross / math.sqrt(margins)
    theta = p1 - p2
    dl, du2 = p1 - l1, u2 - p2
    du, dl2 = u1 - p1, p2 - l2
    delta = math.sqrt(max(0.0, dl * dl - 2 * phi * dl * du2 + du2 * du2))
    eps = math.sqrt(max(0.0, du * du - 2 * phi * du * dl2 + dl2 * dl2))
    return max(-1.0, theta - delta), min(1.0, theta + eps)


def weighted_sum(terms: Iterable[tuple[float, FloatArray]]) -> FloatArray:
    """sum_i c_i * boot_i over (coefficient, resampled means) terms, added in the given order: the
    resamples of a node or of a paired total, combined by the same linear form as the scores."""
    total: FloatArray | None = None
    for coef, boot in terms:
        term = coef * boot
        total = term if total is None else total + term
    if total is None:
        raise ValueError("weighted sum of no resamples")
    return total


def bootstrap_p(boot: FloatArray) -> float:
    """Two-sided p-value of "mean difference = 0" by inverting the percentile interval.

    p = min(1, 2 * min(#{d* <= 0} + 1, #{d* >= 0} + 1) / (B + 1)): p < 0.05 exactly when 0
    lies in a 2.5 % tail of the bootstrap distribution, so the p-value and the shown interval
    tell the same story. All resampled differences 0 (identical vendors) gives p = 1.
    """
    n_boot = len(boot)
    below = int(np.count_nonzero(boot <= 0)) + 1
    above = int(np.count_nonzero(boot >= 0)) + 1
    return min(1.0, 2.0 * min(below, above) / (n_boot + 1))


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm (1979) step-down adjusted p-values; None entries are not tests and stay None.

    Sorted ascending p_(1) <= ... <= p_(m): adj_(i) = max_{j <= i} min(1, (m - j + 1) * p_(j)).
    """
    indexed = [(p, i) for i, p in enumerate(pvalues) if p is not None]
    m = len(indexed)
    out: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(indexed)):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


# --------------------------------------------------------------------------- epochs
def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples with c passes (Chen et al. 2021): 1 - C(n-c, k) / C(n, k)."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)
