"""The statistics on their own, against numbers computed by hand (formulas in docs/statistics.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evalkit.analysis.stats import (
    binom_cdf_half,
    bootstrap_interval,
    bootstrap_means,
    bootstrap_p,
    derive_seed,
    holm,
    mcnemar_exact,
    mean_interval,
    newcombe_paired_interval,
    pass_at_k,
    wilson,
)


def test_wilson_8_of_10_by_hand():
    # z = 1.959964, z^2 = 3.841459; denom = 1 + z^2/10 = 1.3841459
    # centre = (0.8 + z^2/20) / denom = 0.9920729 / 1.3841459 = 0.7167408
    # half = z * sqrt(0.8*0.2/10 + z^2/400) / denom = 1.959964 * 0.1600113 / 1.3841459 = 0.2265784
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.4901624, abs=1e-6)
    assert high == pytest.approx(0.9433178, abs=1e-6)


def test_wilson_extremes_stay_in_range():
    assert wilson(0, 5)[0] == 0.0
    assert wilson(5, 5)[1] == 1.0
    # 0 of 5: upper = z^2/(n + z^2) = 3.841459 / 8.841459
    assert wilson(0, 5)[1] == pytest.approx(3.841459 / 8.841459, abs=1e-6)


def test_mean_interval_picks_wilson_for_pass_fail_and_bootstrap_otherwise():
    mean, low, high, method = mean_interval([1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
    assert (mean, method) == (0.8, "wilson")
    assert (low, high) == wilson(8, 10)
    mean, low, high, method = mean_interval([0.2, 0.4, 0.9, 1.0, 0.5])
    assert method == "bootstrap" and mean == pytest.approx(0.6)
    assert 0.2 <= low < mean < high <= 1.0
    assert mean_interval([]) == (None, None, None, None)
    assert mean_interval([0.3]) == (0.3, None, None, None)  # one continuous value has no spread


def test_bootstrap_is_deterministic_for_a_seed():
    values = [0.13, 0.52, 0.71, 0.24, 0.95, 0.43, 0.37, 0.86, 0.61, 0.09, 0.77, 0.58]
    first = bootstrap_interval(values, derive_seed("suite", "v", "s"))
    again = bootstrap_interval(values, derive_seed("suite", "v", "s"))
    other = bootstrap_interval(values, derive_seed("suite", "v", "t"))
    assert first == again
    assert first != other
    assert bootstrap_interval(values, derive_seed("x", seed=1)) == bootstrap_interval(values, derive_seed("x", seed=1))
    assert not np.array_equal(
        bootstrap_means(values, derive_seed("x", seed=1)), bootstrap_means(values, derive_seed("x", seed=2))
    )


def test_binomial_tail_is_exact():
    # P(X <= 1), X ~ Bin(7, 1/2) = (C(7,0) + C(7,1)) / 2^7 = 8 / 128
    assert binom_cdf_half(1, 7) == 8 / 128
    assert binom_cdf_half(-1, 7) == 0.0 and binom_cdf_half(7, 7) == 1.0
    # a large n stays exact: by symmetry P(X <= n/2) = 1/2 + P(X = n/2) / 2
    assert binom_cdf_half(1000, 2000) == pytest.approx(0.5 + math.comb(2000, 1000) / 2**2001, rel=1e-12)


def test_mcnemar_exact_by_hand():
    # discordant pairs b = 1 (A only), c = 6 (B only): p = 2 * P(X <= 1 | n = 7) = 2 * 8/128
    assert mcnemar_exact(1, 6) == 0.125
    assert mcnemar_exact(6, 1) == 0.125
    # b = 0, c = 5: p = 2 * (1/32) = 0.0625 -- five wins out of five is not enough at 5 %
    assert mcnemar_exact(0, 5) == 0.0625
    # b = 0, c = 6: 2/64 = 0.03125
    assert mcnemar_exact(0, 6) == 0.03125
    assert mcnemar_exact(3, 3) == 1.0  # capped at 1
    assert mcnemar_exact(0, 0) == 1.0  # no discordant pair: no evidence


def test_newcombe_paired_interval_by_hand():
    # a=5 both pass, b=1 only A, c=3 only B, d=1 neither; n = 10
    # p1 = 0.6, p2 = 0.8, theta = -0.2; Wilson(6,10) = (0.312674, 0.831820), Wilson(8,10) = (0.490162, 0.943318)
    # ad - bc = 5 - 3 = 2 <= n/2 = 5, so phi = 0 (Newcombe's continuity-corrected phi)
    # L = -0.2 - sqrt((0.6-0.312674)^2 + (0.943318-0.8)^2) = -0.2 - sqrt(0.082556 + 0.020540) = -0.521085
    # U = -0.2 + sqrt((0.831820-0.6)^2 + (0.8-0.490162)^2) = -0.2 + sqrt(0.053741 + 0.095999) = 0.186963
    low, high = newcombe_paired_interval(5, 1, 3, 1)
    assert low == pytest.approx(-0.521085, abs=2e-6)
    assert high == pytest.approx(0.186963, abs=2e-6)
    # identical vendors: the interval contains 0
    low, high = newcombe_paired_interval(7, 0, 0, 3)
    assert low < 0 < high


def test_holm_by_hand():
    # sorted: 0.005*4 = 0.02; 0.01*3 = 0.03; 0.03*2 = 0.06; 0.04*1 = 0.04 -> max(0.06, 0.04) = 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    adjusted = holm([0.5, None, 0.6])
    assert adjusted[1] is None and adjusted[0] == 1.0 and adjusted[2] == 1.0  # 0.5*2, max(1.0, 0.6)
    assert holm([]) == []


def test_bootstrap_p_of_identical_vendors_is_one():
    assert bootstrap_p(np.zeros(2000)) == 1.0
    # every resample favours A: p = 2 * 1 / 2001
    assert bootstrap_p(np.full(2000, 0.1)) == pytest.approx(2 / 2001)


def test_pass_at_k_unbiased_estimator():
    # n = 5 samples, c = 2 passes, k = 2: 1 - C(3,2)/C(5,2) = 1 - 3/10
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_at_k(3, 0, 3) == 0.0 and pass_at_k(3, 1, 3) == 1.0
    assert pass_at_k(4, 2, 1) == pytest.approx(0.5)  # pass@1 is the pass rate
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)
