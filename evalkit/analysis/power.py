"""Power and minimum detectable difference (MDD) of the paired comparisons the report makes.

A paired pass/fail comparison is McNemar's exact test (:func:`evalkit.analysis.stats.mcnemar_exact`).
Over N paired items let p10 be the chance that only A passes an item and p01 that only B does; the
discordance rate is psi = p10 + p01 and the difference of pass rates delta = p10 - p01. The number of
discordant items is M ~ Binomial(N, psi) and, given M = m, the items only A passed are
B | m ~ Binomial(m, (psi + delta) / (2 psi)). The test rejects at level alpha exactly when
``mcnemar_exact(b, m - b) < alpha``, i.e. when min(b, m - b) <= k_m for a critical value k_m that
depends on m and alpha only. The power is therefore

    power(N, psi, delta) = sum_m P(M = m) * [P(B <= k_m | m) + P(B >= m - k_m | m)]

computed here exactly (no normal approximation): the critical values with the same integer and
floating-point arithmetic as ``mcnemar_exact`` (so the rejection region is the test's own), the
binomial probabilities in log space, summed over the values of m and b whose probability is not
negligible (Hoeffding's bound: the left-out mass is below 1e-16 per row).

**Monotone in delta.** For fixed psi the distribution of M does not depend on delta, and for each m
the derivative of P(B <= k) + P(B >= m - k) in q = P(A | discordant) is
m * [f(m-k-1) - f(k)] with f the Binomial(m-1, q) probabilities, which is >= 0 for q >= 1/2 because
m-k-1 and k lie symmetrically about (m-1)/2 and k < m/2. So the power grows with |delta| and the MDD
(the smallest delta in (0, psi] with power >= the target) is found by bisection; the tests check the
monotonicity numerically as well. (The exact test's power is *not* monotone in N — the well-known
saw-tooth of discrete tests — but that does not affect the search over delta.)

**Continuous scores and the total** (paired bootstrap): the MDD is approximated by
(z_{1-alpha/2} + z_{power}) * SE with SE the standard deviation of the bootstrap distribution of the
mean difference: the difference at which a normal test statistic with that standard error reaches
the target power. It is an approximation (the bootstrap p-value is a percentile rule, and SE is the
standard error observed under the data, not under the alternative).

For comparison :func:`connor_power` / :func:`connor_mdd` give the normal approximation of Connor
(1987) (also in Lachin 1992). docs/statistics.md explains every choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from ..config.statistics import ALPHA
from ..config.statistics import DISCORDANCE as DISCORDANCE
from ..config.statistics import POWER as POWER
from .stats import FloatArray

IntArray = npt.NDArray[np.int64]

MDD_TOL = 1e-5  # the bisection stops when the bracket is narrower than this (0.001 points)
_EPS = 1e-17  # probability left out of each binomial sum (Hoeffding), far below any printed digit
_ROWS = 256  # rows of m per chunk of the probability matrix
_DENSE_MAX = 400  # up to this N the whole (m, b) table is computed at once (cached per N and alpha)


# --------------------------------------------------------------------------- exact McNemar power
def _check(n: int, discordance: float, alpha: float) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"the number of items must be an integer >= 1, got {n!r}")
    if not 0.0 < discordance <= 1.0:
        raise ValueError(f"the discordance rate must be in (0, 1], got {discordance!r}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def _critical(n_max: int, alpha: float) -> list[int]:
    """k_m for m = 0..n_max: the test rejects (b, m - b) exactly when min(b, m - b) <= k_m (-1: never).

    Walks m upwards with S = sum_{i<=k} C(m, i) and C = C(m, k) as exact integers
    (S_{m+1}(k) = 2 S_m(k) - C(m, k)); the p-value is formed as ``mcnemar_exact`` forms it,
    min(1, 2.0 * (S / 2**m)), so the rejection region is the test's own, bit for bit. k_m never
    decreases with m (F_{m+1}(k) <= F_m(k)) and grows by at most one per step.
    """
    ks = [-1]  # m = 0: no discordant pair, p = 1
    k, s, c = -1, 0, 0  # at m = 0
    for m in range(n_max):
        if k >= 0:  # the same k at m + 1
            s = 2 * s - c
            c = c * (m + 1) // (m + 1 - k)
        m1 = m + 1
        while k + 1 < m1:
            c_next = 1 if k < 0 else c * (m1 - k) // (k + 1)
            s_next = s + c_next
            if min(1.0, 2.0 * (s_next / (1 << m1))) < alpha:
                k, s, c = k + 1, s_next, c_next
            else:
                break
        ks.append(k)
    return ks


@lru_cache(maxsize=64)
def critical_values(n_max: int, alpha: float = ALPHA) -> IntArray:
    """The critical values k_0..k_{n_max} of the two-sided exact McNemar test at level ``alpha``
    (read-only: the array is cached)."""
    out = np.asarray(_critical(int(n_max), float(alpha)), dtype=np.int64)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=16)
def _log_factorials(n: int) -> FloatArray:
    out = np.array([math.lgamma(i + 1) for i in range(n + 1)])
    out.setflags(write=False)
    return out


def _radius(m: IntArray | int) -> npt.NDArray[np.float64]:
    """Hoeffding: P(|X - m p| >= t) <= 2 exp(-2 t^2 / m) < _EPS for this t (plus one for rounding)."""
    return np.ceil(np.sqrt(np.asarray(m, dtype=float) * math.log(2 / _EPS) / 2)) + 1


def _lower_tail(ms: IntArray, ks: IntArray, p: float, lf: FloatArray) -> FloatArray:
    """P(Binomial(m, p) <= k) for each (m, k) of the two vectors (0 where k < 0)."""
    out = np.zeros(len(ms))
    if p <= 0.0:
        return np.where(ks >= 0, 1.0, 0.0)
    if p >= 1.0:
        return np.where((ks >= 0) & (ms <= ks), 1.0, 0.0)
    log_p, log_q = math.log(p), math.log1p(-p)
    for start in range(0, len(ms), _ROWS):
        m = ms[start : start + _ROWS]
        k = ks[start : start + _ROWS]
        r = _radius(m)
        lo = max(0, int(np.floor(np.min(m * p - r))))
        hi = int(min(np.max(k), np.ceil(np.max(m * p + r))))
        if hi < lo:
            continue  # every k lies below its window: the tails are below _EPS
        b = np.arange(lo, hi + 1, dtype=np.int64)[None, :]
        mm = m[:, None]
        inside = (b <= mm) & (b <= k[:, None])
        bc = np.minimum(b, mm)
        log_pmf = lf[mm] - lf[bc] - lf[mm - bc] + bc * log_p + (mm - bc) * log_q
        out[start : start + len(m)] = np.where(inside, np.exp(log_pmf), 0.0).sum(axis=1)
    return out


@lru_cache(maxsize=32)
def _dense(n: int, alpha: float) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """For small N, every (m, b) at once: log C(m, b) (-inf above m), b, m - b, and the rejection region."""
    lf = _log_factorials(n)
    m = np.arange(n + 1, dtype=np.int64)[:, None]
    b = np.arange(n + 1, dtype=np.int64)[None, :]
    inside = b <= m
    bc = np.minimum(b, m)
    log_c = np.where(inside, lf[m] - lf[bc] - lf[m - bc], -np.inf)
    ks = critical_values(n, alpha)[:, None]
    reject = inside & ((bc <= ks) | (m - bc <= ks))
    out = (log_c, np.broadcast_to(bc, log_c.shape).astype(float), (m - bc).astype(float), reject)
    for array in out:
        array.setflags(write=False)
    return out


def mcnemar_power(n: int, discordance: float, difference: float, alpha: float = ALPHA) -> float:
    """Exact power of the two-sided exact McNemar test at level ``alpha`` with ``n`` paired items, the
    discordance rate psi = p10 + p01 and the difference delta = p10 - p01 (|delta| <= psi)."""
    _check(n, discordance, alpha)
    psi, delta = float(discordance), abs(float(difference))
    if delta > psi * (1 + 1e-12):
        raise ValueError(f"the difference {difference!r} cannot exceed the discordance rate {discordance!r}")
    delta = min(delta, psi)
    n = int(n)
    lf = _log_factorials(n)
    q_a = (psi + delta) / (2 * psi)  # P(only A passed | discordant)
    q_b = (psi - delta) / (2 * psi)
    if n <= _DENSE_MAX and q_b > 0.0 and psi < 1.0:
        # small N (every comparison of a report): one pass over the whole (m, b) table
        log_c, bs, cs, reject = _dense(n, float(alpha))
        m = np.arange(n + 1)
        weights = np.exp(lf[n] - lf[m] - lf[n - m] + m * math.log(psi) + (n - m) * math.log1p(-psi))
        pmf = np.exp(log_c + bs * math.log(q_a) + cs * math.log(q_b))
        return float(min(1.0, max(0.0, float(weights @ np.where(reject, pmf, 0.0).sum(axis=1)))))
    ks_all = critical_values(n, alpha)
    if psi >= 1.0:
        ms = np.array([n], dtype=np.int64)
        weights = np.ones(1)
    else:
        r = float(_radius(n))
        lo, hi = max(0, math.floor(n * psi - r)), min(n, math.ceil(n * psi + r))
        ms = np.arange(lo, hi + 1, dtype=np.int64)
        weights = np.exp(lf[n] - lf[ms] - lf[n - ms] + ms * math.log(psi) + (n - ms) * math.log1p(-psi))
    ks = ks_all[ms]
    # b <= k (B's direction) or b >= m - k, i.e. (m - b) <= k with m - b ~ Binomial(m, q_b)
    tails = _lower_tail(ms, ks, q_a, lf) + _lower_tail(ms, ks, q_b, lf)
    return float(min(1.0, max(0.0, float(np.dot(weights, tails)))))


@lru_cache(maxsize=4096)
def mcnemar_mdd(
    n: int, discordance: float, alpha: float = ALPHA, power: float = POWER, tol: float = MDD_TOL
) -> float | None:
    """The smallest difference of pass rates delta in (0, psi] that the exact McNemar test detects with
    at least ``power`` (bisection to ``tol``; the value returned has power >= the target). None when
    even delta = psi (every discordant item in one direction) does not reach it."""
    _check(n, discordance, alpha)
    if not 0.0 < power < 1.0:
        raise ValueError(f"the target power must be in (0, 1), got {power!r}")
    psi = float(discordance)
    if mcnemar_power(n, psi, psi, alpha) < power:
        return None
    if mcnemar_power(n, psi, 0.0, alpha) >= power:
        return 0.0
    lo, hi = 0.0, psi
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if mcnemar_power(n, psi, mid, alpha) >= power:
            hi = mid
        else:
            lo = mid
    return hi


# --------------------------------------------------------------------------- approximations
def _z(p: float) -> float:
    return NormalDist().inv_cdf(p)


def connor_power(n: int, discordance: float, difference: float, alpha: float = ALPHA) -> float:
    """Connor's (1987) normal approximation of the McNemar test's power (unconditional on M):
    Phi((|delta| sqrt(N) - z_{1-alpha/2} sqrt(psi)) / sqrt(psi - delta^2))."""
    _check(n, discordance, alpha)
    psi, delta = float(discordance), abs(float(difference))
    numerator = delta * math.sqrt(n) - _z(1 - alpha / 2) * math.sqrt(psi)
    var = psi - delta * delta
    if var <= 0:
        return 1.0 if numerator > 0 else 0.0
    return NormalDist().cdf(numerator / math.sqrt(var))


def connor_mdd(n: int, discordance: float, alpha: float = ALPHA, power: float = POWER) -> float | None:
    """The difference at which :func:`connor_power` reaches ``power``, in closed form:
    sqrt(psi) * (z_a sqrt(N) + z_b sqrt(N - z_a^2 + z_b^2)) / (N + z_b^2), z_a = z_{1-alpha/2},
    z_b = z_power (the root of delta sqrt(N) - z_a sqrt(psi) = z_b sqrt(psi - delta^2)). None above psi."""
    _check(n, discordance, alpha)
    za, zb = _z(1 - alpha / 2), _z(power)
    inner = n - za * za + zb * zb
    if inner < 0:
        return None
    delta = math.sqrt(discordance) * (za * math.sqrt(n) + zb * math.sqrt(inner)) / (n + zb * zb)
    return delta if delta <= discordance else None


def normal_mdd(se: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """MDD of a test on a (bootstrap) mean difference with standard error ``se``:
    (z_{1-alpha/2} + z_power) * se."""
    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise ValueError("alpha and power must be in (0, 1)")
    return (_z(1 - alpha / 2) + _z(power)) * float(se)


# --------------------------------------------------------------------------- for reports and the CLI
def comparison_mdd(
    *,
    alpha: float,
    power: float = POWER,
    discordant: Sequence[int] | None = None,
    n: int = 0,
    boot: FloatArray | None = None,
) -> dict[str, Any] | None:
    """The ``mdd`` of one comparison row: for a pass/fail suite from its discordant counts (b, c) and
    n shared items (the exact McNemar MDD at the observed discordance (b + c) / n); for a continuous
    suite or the total from the bootstrap distribution of its mean difference (normal approximation
    on its standard deviation). None when there is nothing to base it on."""
    if discordant is not None:
        if n < 1:
            return None
        psi = (int(discordant[0]) + int(discordant[1])) / n
        out: dict[str, Any] = {
            "method": "mcnemar_exact",
            "alpha": float(f"{alpha:.6g}"),
            "power": power,
            "n": int(n),
            "discordance": round(psi, 6),
            "value": None,
        }
        if psi > 0:
            value = mcnemar_mdd(int(n), psi, alpha, power)
            out["value"] = None if value is None else round(value, 6)
            if value is None:
                out["note"] = "この不一致率では検出力が目標に届かない"
        else:
            out["note"] = "不一致の設問がなく、差を検出しようがない"
        return out
    if boot is None or len(boot) < 2:
        return None
    se = float(np.std(boot, ddof=1))
    out = {
        "method": "bootstrap_normal",
        "alpha": float(f"{alpha:.6g}"),
        "power": power,
        "n": int(n),
        "se": round(se, 6),
        "value": None,
    }
    if se > 1e-12:
        out["value"] = round(normal_mdd(se, alpha, power), 6)
    else:  # every resample gives the same mean: no spread to base a normal approximation on
        out["note"] = "全設問で差が同じでブートストラップ分布に幅がなく、最小検出差を算出しない"
    return out


def power_table(
    n: int, alpha: float = ALPHA, power: float = POWER, discordances: Sequence[float] = DISCORDANCE
) -> dict[str, Any]:
    """For ``evalkit power``: the exact MDD (and Connor's approximation) at each discordance rate."""
    rows = []
    for psi in discordances:
        exact = mcnemar_mdd(n, psi, alpha, power)
        approx = connor_mdd(n, psi, alpha, power)
        rows.append(
            {
                "discordance": psi,
                "mdd": None if exact is None else round(exact, 6),
                "mdd_connor": None if approx is None else round(approx, 6),
                "power_at_mdd": None if exact is None else round(mcnemar_power(n, psi, exact, alpha), 6),
                "max_power": round(mcnemar_power(n, psi, psi, alpha), 6),
            }
        )
    return {
        "items": n,
        "alpha": alpha,
        "power": power,
        "test": "mcnemar_exact (two-sided)",
        "approximation": "Connor 1987",
        "rows": rows,
    }


__all__ = [
    "DISCORDANCE",
    "POWER",
    "comparison_mdd",
    "connor_mdd",
    "connor_power",
    "critical_values",
    "mcnemar_mdd",
    "mcnemar_power",
    "normal_mdd",
    "power_table",
]
