"""Power and minimum detectable difference of the exact McNemar test (evalkit/analysis/power.py), the
`evalkit power` verb, and the MDD the report states for every comparison without a significant difference.

Independent checks: hand-worked small cases, a seeded Monte Carlo simulation whose rejections come
from scipy's binomial distribution (not from evalkit's test), and Connor's (1987) normal approximation
for large N."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import evalkit, make_workspace, own_env
from scipy import stats as sps

from evalkit.analysis.power import (
    comparison_mdd,
    connor_mdd,
    connor_power,
    critical_values,
    mcnemar_mdd,
    mcnemar_power,
    normal_mdd,
)
from evalkit.analysis.stats import mcnemar_exact


# ----------------------------------------------------------------------------------- the exact power
@pytest.mark.parametrize("alpha", [0.05, 0.025, 0.01, 0.2])
def test_rejection_region_is_the_tests_own(alpha):
    ks = critical_values(80, alpha)
    for m in range(81):
        for b in range(m + 1):
            assert (mcnemar_exact(b, m - b) < alpha) == (min(b, m - b) <= ks[m]), (m, b)


def test_hand_worked_small_n():
    # alpha 0.05: m = 5 never rejects (2/32 = 0.0625), m = 6 rejects b in {0, 6} (2/64), m = 7 only b in {0, 7}
    # (2 * 8/128 = 0.125 for min = 1)
    assert list(critical_values(7)) == [-1, -1, -1, -1, -1, -1, 0, 0]
    assert mcnemar_power(5, 1.0, 1.0) == 0.0
    # N = 6, psi = 1: every item discordant, reject only when all 6 go one way: p10^6 + p01^6
    assert mcnemar_power(6, 1.0, 0.5) == pytest.approx(0.75**6 + 0.25**6, abs=1e-14)
    # N = 7, psi = 0.4, delta = 0.2 (p10 = 0.3, p01 = 0.1):
    # P(M = 6) * [q^6 + (1-q)^6] + P(M = 7) * [q^7 + (1-q)^7] = 7 (1 - psi) (p10^6 + p01^6) + p10^7 + p01^7
    expected = 7 * 0.6 * (0.3**6 + 0.1**6) + 0.3**7 + 0.1**7
    assert mcnemar_power(7, 0.4, 0.2) == pytest.approx(expected, abs=1e-14)
    # no difference: the power is the size of the test, below alpha
    assert 0 < mcnemar_power(50, 0.3, 0.0) < 0.05


def test_the_table_and_the_windowed_sums_agree(monkeypatch):
    # up to 400 items the whole (m, b) table is summed; above, windows of m and b (Hoeffding): the same numbers
    import evalkit.analysis.power as power

    cases = [(n, psi, d) for n in (7, 50, 137, 400) for psi in (0.05, 0.3, 0.9) for d in (0.0, psi / 3, psi * 0.9)]
    table = [power.mcnemar_power(*case) for case in cases]
    monkeypatch.setattr(power, "_DENSE_MAX", -1)
    windowed = [power.mcnemar_power(*case) for case in cases]
    assert windowed == pytest.approx(table, abs=1e-12)


def _simulated_power(n: int, psi: float, delta: float, alpha: float, reps: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    p10, p01 = (psi + delta) / 2, (psi - delta) / 2
    counts = rng.multinomial(n, [p10, p01, 1 - psi], size=reps)
    b, c = counts[:, 0], counts[:, 1]
    m = b + c
    p = np.minimum(1.0, 2 * sps.binom.cdf(np.minimum(b, c), m, 0.5))
    p[m == 0] = 1.0
    return float(np.mean(p < alpha))


@pytest.mark.parametrize(
    ("n", "psi", "delta", "alpha"),
    [(50, 0.3, 0.2, 0.05), (30, 0.5, 0.3, 0.05), (120, 0.2, 0.08, 0.05), (400, 0.15, 0.05, 0.01)],
)
def test_exact_power_matches_a_seeded_simulation(n, psi, delta, alpha):
    reps = 40_000
    simulated = _simulated_power(n, psi, delta, alpha, reps, seed=n)
    exact = mcnemar_power(n, psi, delta, alpha)
    se = math.sqrt(exact * (1 - exact) / reps)
    assert abs(simulated - exact) <= 4 * se + 1e-9, (simulated, exact, se)


@pytest.mark.parametrize("psi", [0.1, 0.3, 0.5])
def test_exact_power_approaches_connor_for_large_n(psi):
    # Connor (1987): power = Phi((delta sqrt(N) - z sqrt(psi)) / sqrt(psi - delta^2)). The exact test is a
    # little conservative (discreteness); at N = 3000 the two agree within 0.025 in power and 2 % in MDD
    n = 3000
    exact_mdd, approx_mdd = mcnemar_mdd(n, psi), connor_mdd(n, psi)
    assert exact_mdd is not None and approx_mdd is not None
    assert abs(exact_mdd - approx_mdd) / approx_mdd < 0.02
    for factor in (0.6, 0.8, 1.0, 1.2):
        delta = approx_mdd * factor
        assert abs(mcnemar_power(n, psi, delta) - connor_power(n, psi, delta)) < 0.025
    # and the gap narrows as N grows
    gap = [abs(mcnemar_mdd(k, psi) - connor_mdd(k, psi)) / connor_mdd(k, psi) for k in (300, 3000)]
    assert gap[1] < gap[0]


def test_connor_mdd_inverts_connor_power():
    for n, psi in ((50, 0.3), (200, 0.1), (1000, 0.4)):
        mdd = connor_mdd(n, psi)
        assert connor_power(n, psi, mdd) == pytest.approx(0.8, abs=1e-9)
    # Connor's sample size formula, n = (z_a sqrt(psi) + z_b sqrt(psi - delta^2))^2 / delta^2, gives N back
    za, zb = sps.norm.ppf(0.975), sps.norm.ppf(0.8)
    delta = connor_mdd(200, 0.3)
    assert (za * math.sqrt(0.3) + zb * math.sqrt(0.3 - delta**2)) ** 2 / delta**2 == pytest.approx(200)


def test_power_is_monotone_in_the_difference():
    for n, psi in ((12, 1.0), (50, 0.2), (80, 0.45), (500, 0.05)):
        values = [mcnemar_power(n, psi, d) for d in np.linspace(0, psi, 41)]
        assert all(b >= a - 1e-12 for a, b in zip(values, values[1:], strict=False)), (n, psi)


def test_mdd_has_the_target_power_and_is_the_smallest():
    for n, psi in ((50, 0.3), (100, 0.2), (2000, 0.4)):
        mdd = mcnemar_mdd(n, psi)
        assert mcnemar_power(n, psi, mdd) >= 0.8
        assert mcnemar_power(n, psi, mdd - 2e-5) < 0.8


def test_mdd_is_none_when_even_the_largest_difference_is_not_detectable():
    # 50 items at 10 % discordance: at delta = psi every discordant item goes one way, and the test rejects
    # exactly when there are at least 6 of them: P(M >= 6), M ~ Bin(50, 0.1) = 0.384 < 0.8
    assert mcnemar_power(50, 0.1, 0.1) == pytest.approx(sps.binom.sf(5, 50, 0.1), abs=1e-12)
    assert mcnemar_mdd(50, 0.1) is None
    assert mcnemar_mdd(50, 0.2) is not None


def test_mdd_shrinks_with_n_and_grows_with_discordance():
    for psi in (0.1, 0.25, 0.5):
        values = [mcnemar_mdd(n, psi) for n in range(10, 301, 10)]
        found = [v for v in values if v is not None]
        assert found and values[-1] is not None
        # once detectable, it stays detectable, and the MDD never grows with more items
        assert values[values.index(found[0]) :] == found
        assert all(b <= a + 1e-9 for a, b in zip(found, found[1:], strict=False)), psi
    for n in (50, 400):
        values = [mcnemar_mdd(n, psi) for psi in np.linspace(0.05, 0.95, 10)]
        found = [v for v in values if v is not None]
        assert all(b >= a - 1e-9 for a, b in zip(found, found[1:], strict=False)), n


def test_bootstrap_mdd_is_the_normal_approximation():
    assert normal_mdd(0.05) == pytest.approx((sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) * 0.05)
    boot = np.random.default_rng(1).normal(0.02, 0.04, 2000)
    row = comparison_mdd(alpha=0.05, n=40, boot=boot)
    assert row["method"] == "bootstrap_normal" and row["se"] == pytest.approx(np.std(boot, ddof=1), abs=1e-6)
    assert row["value"] == pytest.approx(2.8016 * row["se"], rel=1e-3)
    # a distribution without spread has no MDD (not "0 points")
    flat = comparison_mdd(alpha=0.05, n=40, boot=np.zeros(2000))
    assert flat["value"] is None and flat["note"]
    assert comparison_mdd(alpha=0.05, n=40, discordant=[0, 0])["value"] is None


def test_bad_arguments_raise():
    for args in ((0, 0.2, 0.1), (50, 0.0, 0.0), (50, 1.2, 0.1), (50, 0.2, 0.3)):
        with pytest.raises(ValueError):
            mcnemar_power(*args)
    with pytest.raises(ValueError):
        mcnemar_power(50, 0.2, 0.1, alpha=1.0)


# ----------------------------------------------------------------------------------- evalkit power
def test_power_cli_prints_a_japanese_table(tmp_path):
    proc = evalkit("power", "--items", "50", cwd=tmp_path, env=own_env(EVALKIT_LANG="ja"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "設問 50 問" in out and "最小検出差" in out and "Connor 1987" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()[:2] in ("10", "20", "30", "40")}
    assert "検出不能" in lines["10"]  # 50 items at 10 % discordance never reach 80 %
    assert f"±{mcnemar_mdd(50, 0.2) * 100:.1f} 点" in lines["20"]
    assert f"±{mcnemar_mdd(50, 0.4) * 100:.1f} 点" in lines["40"]
    assert "「有意差なし」は「差がない」ことを意味しません" in out
    assert "不一致率 10 % では" in out


def test_power_cli_json_and_options(tmp_path):
    proc = evalkit(
        "power", "--items", "200", "--alpha", "0.01", "--power", "0.9", "--discordance", "0.3", "0.1", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["items"], data["alpha"], data["power"]) == (200, 0.01, 0.9)
    assert [r["discordance"] for r in data["rows"]] == [0.1, 0.3]
    row = data["rows"][1]
    assert row["mdd"] == pytest.approx(mcnemar_mdd(200, 0.3, 0.01, 0.9), abs=1e-6)
    assert row["mdd_connor"] == pytest.approx(connor_mdd(200, 0.3, 0.01, 0.9), abs=1e-6)
    assert row["power_at_mdd"] >= 0.9


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--items", "0"], "--items 0"),
        (["--items", "50", "--alpha", "1.5"], "--alpha 1.5"),
        (["--items", "50", "--alpha", "0"], "--alpha 0"),
        (["--items", "50", "--power", "0.01"], "--power 0.01"),
        (["--items", "50", "--discordance", "0"], "--discordance 0"),
        (["--items", "50", "--discordance", "0.2", "1.5"], "--discordance 1.5"),
        (["--items", "50", "--discordance", "nan"], "--discordance nan"),
        (["--items", "many"], "--items"),
        ([], "--items"),
    ],
)
def test_power_cli_bad_arguments_exit_2(args, names):
    proc = evalkit("power", *args)
    assert proc.returncode == 2
    assert names in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# ----------------------------------------------------------------------------------- in the report
def _suite() -> str:
    # echo repeats the prompt (質問…), refuse answers 申し訳ありませんが…: 7 items only echo passes, 3 only
    # refuse passes, 30 both pass -> b = 7, c = 3 of 40, p = 2 * P(X <= 3 | 10) = 0.34: no significant difference
    items = []
    for n in range(40):
        values = "[質問]" if n < 7 else "[申し訳]" if n < 10 else "[質問, 申し訳]"
        scorer = f"[{{kind: contains, params: {{values: {values}}}}}]"
        items.append(f"  - id: q{n:02d}\n    vars: {{q: '{n}'}}\n    scorers: {scorer}\n")
    return (
        'id: s1\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "質問{{ q }}"\n'
        "scorers: [{kind: contains, params: {values: [質問]}}]\nitems:\n" + "".join(items)
    )


def test_report_states_the_mdd_of_each_comparison_without_a_significant_difference(tmp_path):
    vendors = {v: f"id: {v}\nname: {v}\nprovider: reference\nmodel: {v}\n" for v in ("echo", "refuse")}
    work = make_workspace(tmp_path / "w", {"s1": _suite()}, vendors)
    proc = evalkit("run", "--out", "run", "--quiet", cwd=work)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((work / "run" / "summary.json").read_text(encoding="utf-8"))
    rows = {r["level"]: r for r in summary["comparisons"]}
    suite = rows["suite"]
    assert sorted(suite["discordant"]) == [3, 7] and not suite["significant"]
    assert suite["p"] == pytest.approx(2 * sps.binom.cdf(3, 10, 0.5))
    mdd = suite["mdd"]
    assert mdd["method"] == "mcnemar_exact" and mdd["n"] == suite["n_shared"] == 40
    assert mdd["discordance"] == 0.25 and mdd["alpha"] == 0.05 and mdd["power"] == 0.8  # one pair: alpha / 1
    assert mdd["value"] == pytest.approx(mcnemar_mdd(40, 0.25, 0.05), abs=1e-6)
    total = rows["total"]
    assert not total["significant"] and total["mdd"]["method"] == "bootstrap_normal"
    assert total["mdd"]["value"] == pytest.approx(2.8016 * total["mdd"]["se"], rel=1e-3)
    html = (work / "run" / "report.html").read_text(encoding="utf-8")
    for row in (suite, total):
        sentence = f"有意差なし（この設問数で検出できる最小差: ±{row['mdd']['value'] * 100:.1f} pt、検出力 80 %）"
        assert sentence in html
