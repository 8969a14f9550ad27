"""Tests of :mod:`imtrade.stats`: each routine against a hand computation or a series with a
known answer built here (a break, a slope, a weighted mean), and the error paths.

Reference values are computed in the test from the numbers written here (numpy least squares,
textbook formulas), never copied from a run.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from imtrade import stats

YEARS = np.arange(1970, 2025)


def broken_series(
    break_year: int = 2000, pre: float = 0.5, post: float = 0.0, jump: float = 0.0, sd: float = 0.3, seed: int = 1
):
    rng = np.random.default_rng(seed)
    c = YEARS - break_year
    y = 20 + pre * c + (post - pre) * np.clip(c, 0, None) + jump * (c > 0) + rng.normal(0, sd, YEARS.size)
    return YEARS, y


def ols_ssr(X: np.ndarray, y: np.ndarray) -> float:
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return float(((y - X @ beta) ** 2).sum())


def ar1_noise(n: int, rho: float, sd: float, rng) -> np.ndarray:
    u = rng.normal(0, sd, n)
    e = np.empty(n)
    e[0] = u[0] / math.sqrt(1 - rho**2)
    for i in range(1, n):
        e[i] = rho * e[i - 1] + u[i]
    return e


def tidy(rows, indicator="X"):
    """Tidy frame from (iso3, year, value) tuples."""
    frame = pd.DataFrame(rows, columns=["iso3", "year", "value"])
    return frame.assign(dataset="test", vintage="test", indicator=indicator)[
        ["dataset", "vintage", "indicator", "iso3", "year", "value"]
    ]


# ---------------------------------------------------------------------------------------
# The AR(1) sieve bootstrap


def test_ar1_coefficient_and_bootstrap_errors():
    rng = np.random.default_rng(0)
    e = ar1_noise(2000, 0.6, 1.0, rng)
    assert stats.ar1_coefficient(e) == pytest.approx(0.6, abs=0.05)
    # the raw coefficient by hand: lag-1 products 0 over squares 4 gives 0; the correction then raises it
    alternating = np.array([1.0, 0.0, -1.0, 0.0] * 2)
    assert stats.raw_ar1_coefficient(alternating) == 0.0
    assert stats.ar1_coefficient(alternating) > 0.0
    assert stats.ar1_coefficient(np.array([1.0, -1.0] * 5)) == -0.98  # clipped
    draws = stats.ar1_bootstrap_errors(e[:55], reps=200, rng=1)
    assert draws.shape == (55, 200)
    assert np.array_equal(draws, stats.ar1_bootstrap_errors(e[:55], reps=200, rng=1))  # a seed: deterministic
    # the draws carry the corrected persistence (their own lag-1 correlation is biased down by about (1 + 3 rho)/n)
    lag1 = np.mean([np.corrcoef(d[:-1], d[1:])[0, 1] for d in draws.T])
    assert 0.3 < lag1 < stats.ar1_coefficient(e[:55]) < 0.98
    assert stats.ar1_coefficient(e[:55]) - lag1 < 0.15


def _detrended_ar1_draws(n: int, rho: float, design: np.ndarray, reps: int, seed: int) -> np.ndarray:
    """``reps`` stationary AR(1) series (unit innovations) projected off ``design``, one per column."""
    e = np.random.default_rng(seed).normal(size=(n, reps))
    u = np.empty_like(e)
    u[0] = e[0] / math.sqrt(1 - rho**2)
    for t in range(1, n):
        u[t] = rho * u[t - 1] + e[t]
    return u - design @ np.linalg.lstsq(design, u, rcond=None)[0]


@pytest.mark.parametrize("design_name", ["trend", "broken trend"])
def test_ar1_bias_correction_matches_the_detrending(design_name):
    # Monte Carlo, n = 55, rho = 0.7 (the case): after a trend (or a broken trend) the raw
    # estimate is biased down by about 0.1 (0.14), the old mean-only correction (1 + 3 rho)/n
    # removes only about 0.06 of it, and the design-matched correction leaves a mean bias near zero.
    n, rho = 55, 0.7
    t = np.arange(n, dtype=float)
    design = stats.trend_design(n)
    if design_name == "broken trend":
        c = t - 35
        design = np.column_stack([np.ones(n), c, np.clip(c, 0, None)])
    resid = _detrended_ar1_draws(n, rho, design, 1500, seed=11)
    raw = stats.raw_ar1_coefficient(resid)
    corrected = np.array([stats.ar1_coefficient(resid[:, j], design) for j in range(resid.shape[1])])
    mean_only = np.clip(raw + (1 + 3 * raw) / n, -0.98, 0.98)
    assert raw.mean() - rho < -0.07
    assert mean_only.mean() - rho < -0.03  # the old correction leaves a clear bias
    assert abs(corrected.mean() - rho) < 0.02


def test_ar1_mean_map_agrees_with_the_kendall_trend_formula():
    # to order 1/n the bias after a constant and a linear trend is -(2 + 4 rho)/n (Kendall 1954)
    n = 55
    grid, means = stats.ar1_mean_map(n)
    for rho in (0.0, 0.3, 0.6, 0.8):
        assert np.interp(rho, grid, means) - rho == pytest.approx(-(2 + 4 * rho) / n, abs=0.02)
    # a mean-only design: -(1 + 3 rho)/n (Marriott and Pope 1954), smaller than after a trend
    grid_m, means_m = stats.ar1_mean_map(n, np.ones((n, 1)))
    assert np.interp(0.5, grid_m, means_m) - 0.5 == pytest.approx(-(1 + 3 * 0.5) / n, abs=0.015)
    assert np.all(np.diff(means) >= 0)
    with pytest.raises(ValueError, match="rows"):
        stats.ar1_mean_map(n, np.ones((n - 1, 1)))


def test_a_generator_is_drawn_from_in_turn_and_a_seed_starts_afresh():
    e = ar1_noise(40, 0.5, 1.0, np.random.default_rng(3))
    gen = np.random.default_rng(5)
    first, second = stats.ar1_bootstrap_errors(e, 50, gen), stats.ar1_bootstrap_errors(e, 50, gen)
    assert not np.array_equal(first, second)  # the generator moved on
    assert np.array_equal(first, stats.ar1_bootstrap_errors(e, 50, 5))  # the seed reproduces the first draw
    assert stats.generator(gen) is gen


def test_basic_interval_and_exceedance_pvalue_by_hand():
    deviations = np.arange(-50, 51, dtype=float)  # quantiles 2.5 % and 97.5 %: -47.5 and 47.5
    low, high = stats.basic_interval(10.0, deviations, 0.05)
    assert (low, high) == pytest.approx((10.0 - 47.5, 10.0 + 47.5))
    assert stats.exceedance_pvalue(np.array([1.0, 2.0, 3.0]), 2.0) == pytest.approx(3 / 4)  # (1 + 2) / (3 + 1)
    assert stats.exceedance_pvalue(np.array([1.0, 2.0, 3.0]), 10.0) == pytest.approx(1 / 4)  # never zero


# ---------------------------------------------------------------------------------------
# Trend fits and projections

TREND_YEARS = np.arange(2010, 2021)
NOISE = np.array([0.1, -0.1, 0.05, -0.05, 0.0, 0.1, -0.1, 0.05, -0.05, 0.0, 0.02])  # fixed, mean about zero


def test_fit_trend_recovers_a_linear_and_a_log_linear_slope():
    lin = stats.fit_trend(TREND_YEARS, 2.0 + 0.5 * (TREND_YEARS - 2010) + NOISE, model="linear", base=2010)
    assert lin.slope == pytest.approx(0.5, abs=0.02) and lin.growth == pytest.approx(lin.slope)
    assert lin.n == 11 and (lin.first_year, lin.last_year) == (2010, 2020) and lin.interval == "ols"
    # the OLS interval is the t interval of the slope: estimate +- t(0.975, n - 2) x se
    from scipy.stats import t as t_dist

    se = math.sqrt(lin.cov[1, 1])
    assert lin.ci_high - lin.slope == pytest.approx(t_dist.ppf(0.975, 9) * se, rel=1e-9)
    log = stats.fit_trend(TREND_YEARS, 100 * 1.05 ** (TREND_YEARS - 2010), model="log", base=2010)
    assert log.growth == pytest.approx(5.0, abs=1e-6)  # % a year
    assert stats.to_growth(math.log(1.05), "log") == pytest.approx(5.0)


def test_fit_trend_errors_and_cleaning():
    with pytest.raises(ValueError, match="model"):
        stats.fit_trend(TREND_YEARS, TREND_YEARS, model="quadratic")
    with pytest.raises(ValueError, match="interval"):
        stats.fit_trend(TREND_YEARS, TREND_YEARS, interval="hac")
    with pytest.raises(stats.TooFewObservations, match="at least 3"):
        stats.fit_trend([2010, 2011], [1.0, 2.0])
    with pytest.raises(stats.TooFewObservations, match="at least 4"):
        stats.fit_trend([2000, 2001, 2002], [1.0, 2.0, 3.0], interval="ar1-bootstrap")
    with pytest.raises(ValueError, match="differ in length"):
        stats.fit_trend([2000, 2001, 2002], [1.0, 2.0])
    # missing values are dropped, a log trend drops non-positive values, years are sorted
    fit = stats.fit_trend([2003, 2000, 2001, 2002, 2004], [4.0, 1.0, np.nan, 3.0, -1.0], model="log")
    assert (fit.n, fit.first_year, fit.last_year, fit.last_value) == (3, 2000, 2003, 4.0)


def test_bootstrap_trend_recovers_slope_and_covers_under_autocorrelation():
    fit = stats.fit_trend(
        YEARS, 3 + 0.25 * (YEARS - 1970) + np.random.default_rng(0).normal(0, 0.1, YEARS.size), interval="ar1-bootstrap"
    )
    assert fit.ci_low < 0.25 < fit.ci_high and abs(fit.slope - 0.25) < 0.01 and fit.pvalue < 0.01
    assert (fit.n, fit.first_year, fit.last_year) == (55, 1970, 2024)
    # 95 % intervals on 30 years of AR(1) errors (rho 0.6): both ends cover the truth most of the time
    rng = np.random.default_rng(42)
    years = np.arange(1991, 2021)
    covered = []
    for s in range(60):
        y = 0.3 * (years - 1991) + ar1_noise(30, 0.6, 1.0, rng)
        f = stats.fit_trend(years, y, interval="ar1-bootstrap", reps=199, rng=s)
        covered.append(f.ci_low < 0.3 < f.ci_high)
    assert 0.8 <= np.mean(covered) <= 1.0


def test_predict_trend_prediction_interval_contains_the_confidence_interval():
    fit = stats.fit_trend(TREND_YEARS, 2.0 + 0.5 * (TREND_YEARS - 2010) + NOISE, base=2010)
    out = stats.predict_trend(fit, [2025, 2035])
    assert (out["pi_lower"] < out["ci_lower"]).all() and (out["ci_upper"] < out["pi_upper"]).all()
    assert out.loc[1, "mean"] == pytest.approx(fit.params[0] + fit.params[1] * 25)
    assert (out.loc[1, "pi_upper"] - out.loc[1, "pi_lower"]) > (out.loc[0, "pi_upper"] - out.loc[0, "pi_lower"])
    # the prediction interval by hand: mean +- t sqrt(sigma^2 + x0' V x0)
    from scipy.stats import t as t_dist

    x0 = np.array([1.0, 25.0])
    half = t_dist.ppf(0.975, fit.df_resid) * math.sqrt(fit.sigma**2 + x0 @ fit.cov @ x0)
    assert out.loc[1, "pi_upper"] - out.loc[1, "mean"] == pytest.approx(half, rel=1e-9)
    logfit = stats.fit_trend(
        TREND_YEARS, 100 * 1.05 ** (TREND_YEARS - 2010) * np.exp(NOISE / 10), model="log", base=2010
    )
    logout = stats.predict_trend(logfit, [2030])
    assert logout.loc[0, "pi_lower"] > 0
    assert logout.loc[0, "mean"] == pytest.approx(math.exp(logfit.params[0] + logfit.params[1] * 20))


# ---------------------------------------------------------------------------------------
# Break tests


def test_chow_detects_known_break_and_matches_textbook_f():
    years, y = broken_series(2000, pre=0.5, post=-0.2, sd=0.3)
    res = stats.chow_break_test(years, y, 2000)
    assert res.f_pvalue < 0.001 and res.boot_pvalue < 0.01
    assert res.pre_slope_ci[0] < 0.5 < res.pre_slope_ci[1]
    assert res.post_slope_ci[0] < -0.2 < res.post_slope_ci[1]
    assert res.slope_change_ci[1] < 0
    assert (res.n_pre, res.n_post, res.df_num, res.df_den) == (31, 24, 2, 51)
    # Chow (1960): F = ((SSR_r - SSR_u)/q) / (SSR_u/(n - 2q)), q = 2, computed independently here
    c = years - 2000.0
    d = (c > 0).astype(float)
    X_u = np.column_stack([np.ones_like(c), c, d, d * c])
    X_r = X_u[:, :2]
    ssr_u, ssr_r = ols_ssr(X_u, y), ols_ssr(X_r, y)
    assert res.f_stat == pytest.approx(((ssr_r - ssr_u) / 2) / (ssr_u / (years.size - 4)), rel=1e-9)
    assert res.ssr == pytest.approx(ssr_u, rel=1e-9)
    # the vectorised statistic used on bootstrap draws is the same F
    assert stats.chow_f_statistics(y, years.astype(float), [2000])[0] == pytest.approx(res.f_stat, rel=1e-9)


def test_chow_does_not_reject_a_straight_trend():
    years, y = broken_series(2000, pre=0.5, post=0.5, sd=0.5, seed=3)
    res = stats.chow_break_test(years, y, 2000)
    assert res.f_pvalue > 0.05 and res.boot_pvalue > 0.05
    assert res.slope_change_ci[0] < 0 < res.slope_change_ci[1]


def test_bootstrap_chow_and_sup_f_hold_their_size_under_autocorrelation():
    # a straight trend with AR(1) errors (rho 0.6), 80 replications of 199 draws: the
    # bootstrap tests reject about 5 % of the time (the textbook F about 40 %)
    rng = np.random.default_rng(7)
    boot, classical, sup = [], [], []
    for s in range(80):
        y = 0.3 * (YEARS - 1970) + ar1_noise(YEARS.size, 0.6, 1.0, rng)
        res = stats.chow_break_test(YEARS, y, 2008, reps=199, rng=s)
        boot.append(res.boot_pvalue < 0.05)
        classical.append(res.f_pvalue < 0.05)
        sup.append(stats.sup_f_scan(YEARS, y, [1995, 2000, 2005, 2008, 2011], reps=199, rng=s).reject_5pct)
    assert np.mean(boot) <= 0.12 and np.mean(sup) <= 0.12
    assert np.mean(classical) >= 0.2


def test_chow_refuses_short_segments():
    with pytest.raises(stats.TooFewObservations, match="at least 3"):
        stats.chow_break_test(YEARS, np.arange(YEARS.size, dtype=float), 2023)


def test_sup_f_scan_dates_a_known_break():
    years, y = broken_series(1995, pre=0.6, post=0.0, sd=0.3, seed=2)
    scan = stats.sup_f_scan(years, y, [1985, 1990, 1995, 2000, 2005])
    assert scan.sup_f_year == 1995  # the least-squares break date
    assert scan.reject_5pct and scan.boot_pvalue < 0.01 and scan.sup_f > scan.boot_critical_5pct
    assert scan.critical_values[0.05] == 5.86
    assert list(scan.table["candidate"]) == [1985, 1990, 1995, 2000, 2005] and scan.dropped == []


def test_sup_f_scan_without_break_does_not_reject():
    years, y = broken_series(1995, pre=0.4, post=0.4, sd=0.6, seed=11)
    scan = stats.sup_f_scan(years, y, [1985, 1990, 1995, 2000, 2005])
    assert not scan.reject_5pct and scan.boot_pvalue > 0.05


def test_sup_f_scan_trimming_and_errors():
    years, y = broken_series(1995)
    # 15 % of 55 observations: at least 8.25 before and after, so 1975 (6 before) and 2020 (4 after) are dropped
    scan = stats.sup_f_scan(years, y, [1975, 1995, 2020])
    assert scan.dropped == [1975, 2020] and list(scan.table["candidate"]) == [1995]
    with pytest.raises(ValueError, match="trimmed range"):
        stats.sup_f_scan(years, y, [1971, 2023])
    with pytest.raises(ValueError, match="15 % trimming"):
        stats.sup_f_scan(years, y, [1995], trim=0.10)


def test_broken_trend_recovers_exact_kink():
    c = YEARS - 2008
    y = 10 + 0.4 * c - 0.4 * np.clip(c, 0, None)  # flat after 2008, no noise
    y = y + np.where(YEARS % 2 == 0, 1e-6, -1e-6)  # keep the residual variance positive
    fit = stats.broken_trend(YEARS, y, 2008)
    assert fit.pre_slope == pytest.approx(0.4, abs=1e-6) and fit.post_slope == pytest.approx(0.0, abs=1e-6)
    assert abs(fit.post_slope_ci[0]) < 1e-4 and abs(fit.post_slope_ci[1]) < 1e-4  # (almost) no noise: a tight interval
    assert fit.slope_change == pytest.approx(-0.4, abs=1e-6)
    f = fit.fitted
    assert (f["lower"] <= f["fit"]).all() and (f["fit"] <= f["upper"]).all()
    assert fit.n == 55 and fit.n_post == 16
    with pytest.raises(stats.TooFewObservations):
        stats.broken_trend(YEARS, y, 2023)


def test_combination_interval_is_the_basic_interval_of_the_combination():
    params = np.array([1.0, 2.0, 3.0])
    deviations = np.vstack([np.zeros(101), np.linspace(-1, 1, 101), np.linspace(-2, 2, 101)])
    estimate, (low, high) = stats.combination_interval([0, 1, 1], params, deviations, 0.05)
    assert estimate == 5.0
    assert (low, high) == stats.basic_interval(5.0, deviations[1] + deviations[2], 0.05)


def test_recovery():
    s = pd.Series([1.0, 5.0, 3.0, 4.0, 6.0], index=[2006, 2008, 2009, 2010, 2011])
    rec = stats.recovery(s, 2008)
    assert rec.recovered and rec.max_after_year == 2011 and rec.break_value == 5.0
    assert not stats.recovery(s.iloc[:-1], 2008).recovered
    with pytest.raises(ValueError, match="break year 2007"):
        stats.recovery(s, 2007)
    with pytest.raises(ValueError, match="after the break"):
        stats.recovery(s, 2011)


def test_break_summary_holds_the_four_results_of_one_series():
    years, y = broken_series(2000, pre=0.5, post=0.0)
    summary = stats.break_summary(pd.Series(y, index=years), 2000, [1990, 1995, 2000, 2005, 2010])
    assert summary["chow"].break_year == 2000 and summary["trend"].break_year == 2000
    assert summary["scan"].sup_f_year == 2000 and summary["recovery"].break_year == 2000


def test_chow_size_simulation():
    # persistent deviations: the textbook F over-rejects, the bootstrap stays near 5 %
    size = stats.chow_size_simulation(YEARS, 2008, 0.7, reps=40, boot_reps=99)
    assert size["reps"] == 40 and size["rho"] == 0.7
    assert size["classical"] >= 0.25 and size["bootstrap"] <= 0.15
    assert stats.chow_size_simulation(YEARS, 2008, 0.7, reps=5, boot_reps=19) == stats.chow_size_simulation(
        YEARS, 2008, 0.7, reps=5, boot_reps=19
    )


def test_null_draws_take_persistence_from_the_broken_trend_residuals():
    # a clear kink with mildly persistent noise: the single-trend residuals carry the kink and look
    # far more persistent than the broken-trend residuals, which the null draws now use
    rng = np.random.default_rng(3)
    years = np.arange(1990, 2020)
    y = np.where(years <= 2008, 0.6 * (years - 1990), 0.6 * 18 - 0.4 * (years - 2008)) + ar1_noise(30, 0.3, 0.5, rng)
    single = stats.fit_trend(years, y)
    chow = stats.chow_break_test(years, y, 2008, reps=299)
    assert single.rho > chow.rho + 0.3
    assert chow.boot_pvalue < 0.05
    scan = stats.sup_f_scan(years, y, [2000, 2004, 2008, 2012], reps=299)
    assert scan.sup_f_year == 2008 and scan.reject_5pct and scan.rho < single.rho
    assert len(chow.years) == 30 and chow.innovation_sd > 0


def test_power_at_rises_with_the_size_of_the_break():
    years = np.arange(1990, 2020)
    noise = ar1_noise(30, 0.5, 1.0, np.random.default_rng(8))
    kink = np.clip(years - 2008, 0, None)
    strong = stats.chow_break_test(years, 0.5 * (years - 1990) - 1.5 * kink + noise, 2008, reps=199)
    weak = stats.chow_break_test(years, 0.5 * (years - 1990) - 0.05 * kink + noise, 2008, reps=199)
    p_strong = stats.power_at(strong, reps=30, boot_reps=99, seed=1)
    p_weak = stats.power_at(weak, reps=30, boot_reps=99, seed=1)
    assert p_strong["chow"] >= 0.8 and p_weak["chow"] <= 0.4 and math.isnan(p_strong["sup_f"])
    with_scan = stats.power_at(strong, candidates=[2004, 2008, 2012], reps=10, boot_reps=49, seed=1)
    assert 0 <= with_scan["sup_f"] <= 1
    bare = dataclasses.replace(strong, years=())
    with pytest.raises(ValueError, match="no fitted values"):
        stats.power_at(bare)
    with pytest.raises(ValueError, match="mean has"):
        stats.rejection_rates(years, np.zeros(5), 0.5, 2008, reps=1)


def _three_regimes(noise_sd: float = 0.05, seed: int = 4):
    """1970-2024 with regimes ending 1990 and 2005 (slopes 0.5, -0.3, 0.8; jumps of +2 after 1990, -1.5 after 2005).

    The jumps make each date unique: at a continuous kink the kink year lies on both lines,
    so two adjacent dates fit equally well."""
    years = np.arange(1970, 2025)
    y = np.where(years <= 1990, 10 + 0.5 * (years - 1970), 0.0)
    y = np.where((years > 1990) & (years <= 2005), 22 - 0.3 * (years - 1990), y)
    y = np.where(years > 2005, 22 - 0.3 * 15 - 1.5 + 0.8 * (years - 2005), y)
    return years, y + np.random.default_rng(seed).normal(0, noise_sd, years.size)


def test_multiple_breaks_finds_breaks_known_by_construction():
    years, y = _three_regimes()
    res = stats.multiple_breaks(years, y, max_breaks=4)
    assert res.n_breaks == 2 and res.break_years == [1990, 2005]
    assert res.segments["slope"].to_numpy() == pytest.approx([0.5, -0.3, 0.8], abs=0.01)
    assert res.segments["n"].tolist() == [21, 15, 19] and res.min_segment == math.ceil(0.15 * 55)
    # the SSR never rises with more breaks; BIC is lowest at the true number
    assert np.all(np.diff(res.table["ssr"]) <= 1e-9)
    assert int(res.table["bic"].idxmin()) == 2


def test_multiple_breaks_on_a_straight_line_selects_none():
    years = np.arange(1990, 2020)
    y = 3 + 0.4 * (years - 1990) + np.random.default_rng(5).normal(0, 0.3, years.size)
    res = stats.multiple_breaks(years, y)
    assert res.n_breaks == 0 and res.break_years == [] and len(res.segments) == 1
    assert res.segments.loc[0, "slope"] == pytest.approx(0.4, abs=0.05)


def test_multiple_breaks_dynamic_programme_matches_brute_force_and_minimum_segment():
    # 20 observations, 2 breaks, regimes of at least 4: the DP optimum equals an exhaustive search
    rng = np.random.default_rng(6)
    years = np.arange(2000, 2020)
    y = rng.normal(0, 1, 20).cumsum()
    res = stats.multiple_breaks(years, y, max_breaks=2, min_segment=4)

    def ssr(a, b):  # observations a..b inclusive, own line
        return ols_ssr(np.column_stack([np.ones(b - a + 1), years[a : b + 1]]), y[a : b + 1])

    brute = min(
        (ssr(0, i) + ssr(i + 1, j) + ssr(j + 1, 19), [int(years[i]), int(years[j])])
        for i in range(3, 20)
        for j in range(i + 4, 16)
    )
    row = res.table.set_index("n_breaks").loc[2]
    assert row["ssr"] == pytest.approx(brute[0], rel=1e-9) and row["break_years"] == brute[1]
    # a break two years from the end cannot be found with regimes of at least 5
    years, y = np.arange(1990, 2020), np.where(np.arange(30) < 28, 0.2 * np.arange(30), 20.0)
    found = stats.multiple_breaks(years, y, max_breaks=2, min_segment=5)
    assert all(n >= 5 for n in found.segments["n"])
    # the search stops where the sample cannot hold more regimes
    assert stats.multiple_breaks(np.arange(10), np.arange(10.0), max_breaks=5, min_segment=4).max_breaks == 1


def test_multiple_breaks_errors():
    with pytest.raises(ValueError, match="max_breaks"):
        stats.multiple_breaks(YEARS, np.arange(YEARS.size, dtype=float), max_breaks=-1)
    with pytest.raises(ValueError, match="at least 3"):
        stats.multiple_breaks(YEARS, np.arange(YEARS.size, dtype=float), min_segment=2)
    with pytest.raises(stats.TooFewObservations, match="cannot hold"):
        stats.multiple_breaks([2000, 2001, np.nan], [1.0, 2.0, 3.0])


# Monte Carlo size and power on series like the book's (n = 30 and 55, AR(1) deviations); the
# tolerances allow for the Monte Carlo error (s.e. about 2 points at 200 replications).
SIM_CANDIDATES = [1995, 1999, 2003, 2005, 2008, 2011, 2015]


@pytest.mark.slow
@pytest.mark.parametrize("n", [30, 55])
@pytest.mark.parametrize("rho,limit", [(0.0, 0.10), (0.5, 0.12), (0.9, 0.22)])
def test_break_tests_size_monte_carlo(n, rho, limit):
    # at rho = 0.9 the tests over-reject somewhat (about 10-15 %): near a unit root no
    # correction recovers the persistence fully from 30-55 years
    years = np.arange(2024 - n + 1, 2025)
    out = stats.rejection_rates(years, 0.3 * (years - years[0]), rho, 2008, candidates=SIM_CANDIDATES, reps=200, seed=2)
    assert out["chow"] <= limit and out["sup_f"] <= limit
    if rho >= 0.5:
        assert out["classical"] >= 0.2  # the textbook F is far off


@pytest.mark.slow
def test_break_tests_power_monte_carlo():
    # a kink of -0.6 pp a year after 2008 on 1990-2019 with rho 0.5: the tests find it most of the time,
    # far more often than they reject a straight trend
    years = np.arange(1990, 2020)
    mean = 0.6 * (years - 1990) - 0.6 * np.clip(years - 2008, 0, None)
    power = stats.rejection_rates(years, mean, 0.5, 2008, candidates=SIM_CANDIDATES, reps=200, seed=3)
    size = stats.rejection_rates(years, 0.6 * (years - 1990), 0.5, 2008, candidates=SIM_CANDIDATES, reps=200, seed=3)
    assert power["chow"] >= 0.6 and power["sup_f"] >= 0.5
    assert power["chow"] > size["chow"] + 0.4


# ---------------------------------------------------------------------------------------
# Regression summaries


def synthetic_panel(beta=0.3, n=40, years=8, seed=7):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        alpha = rng.normal()
        for t in range(years):
            x = rng.normal(2.0, 1.0)
            rows.append(
                {
                    "iso3": f"C{i:02d}",
                    "year": 2000 + t,
                    "rd": x,
                    "log_rca": alpha + 0.1 * t + beta * x + rng.normal(0, 0.2),
                }
            )
    return pd.DataFrame(rows)


def test_two_way_fixed_effects_recovers_a_known_slope():
    est = stats.two_way_fixed_effects(synthetic_panel(), "log_rca", "rd", "test")
    assert est.coef == pytest.approx(0.3, abs=0.05)
    assert est.ci_low < 0.3 < est.ci_high
    assert (est.nobs, est.n_countries, est.first_year, est.last_year) == (320, 40, 2000, 2007)
    assert est.as_row()["n_obs"] == 320 and est.specification == "test"


def test_two_way_fixed_effects_drops_singletons_and_refuses_tiny_panels():
    panel = pd.concat(
        [synthetic_panel(n=10), pd.DataFrame({"iso3": ["ONE"], "year": [2000], "rd": [1.0], "log_rca": [0.0]})]
    )
    assert stats.two_way_fixed_effects(panel, "log_rca", "rd").n_countries == 10
    with pytest.raises(stats.TooFewObservations):
        stats.two_way_fixed_effects(synthetic_panel(n=2, years=2), "log_rca", "rd")


def test_ols_hc3_matches_the_textbook_formula():
    # Reference computed here with numpy: beta = (X'X)^-1 X'y, HC3 = (X'X)^-1 X' diag(u^2/(1-h)^2) X (X'X)^-1
    rng = np.random.default_rng(7)
    x = rng.normal(size=40)
    y = 1.0 + 0.5 * x + rng.normal(scale=0.3 + 0.2 * np.abs(x), size=40)
    frame = pd.DataFrame({"iso3": [f"E{i}" for i in range(40)], "x": x, "y": y})
    result = stats.ols_hc3(frame, "y", ["x"])
    X = np.column_stack([np.ones(40), x])
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    u = y - X @ beta
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    cov = xtx_inv @ (X.T * (u**2 / (1 - h) ** 2)) @ X @ xtx_inv
    coef = result.coefficients.set_index("term")
    assert coef.loc["x", "estimate"] == pytest.approx(beta[1])
    assert coef.loc["x", "se"] == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-9)
    half_width = (coef.loc["x", "ci_high"] - coef.loc["x", "ci_low"]) / 2
    assert half_width == pytest.approx(1.959964 * math.sqrt(cov[1, 1]), rel=1e-5)
    assert result.n == 40 and result.used[0] == "E0"


def test_ols_hc3_refuses_too_few_observations():
    with pytest.raises(stats.TooFewObservations, match="too few"):
        stats.ols_hc3(pd.DataFrame({"iso3": ["A", "B"], "x": [1.0, 2.0], "y": [1.0, np.nan]}), "y", ["x"])


def test_coefficient_reads_the_result_it_is_given():
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    x = rng.normal(size=30)
    res = sm.OLS(2.0 * x + rng.normal(size=30), sm.add_constant(x)).fit()
    c = stats.coefficient(res, "x1", alpha=0.1)
    assert (c.estimate, c.se, c.p_value) == (res.params[1], res.bse[1], res.pvalues[1])
    assert (c.ci_low, c.ci_high) == tuple(res.conf_int(0.1)[1]) and c.excludes_zero
    assert stats.coefficient(res, 1).term == "x1"
    assert list(stats.coefficient_table(res)["term"]) == ["const", "x1"]


def test_quadratic_peak_by_the_delta_method():
    # y = 1 + 4x - x^2 peaks at x = 2 (value 5); with V = I the gradient (-1/(2b2), b1/(2b2^2)) = (0.5, 2)
    peak = stats.quadratic_peak((1.0, 4.0, -1.0), np.eye(2), alpha=0.05)
    assert (peak.x, peak.value) == (2.0, 5.0)
    assert peak.se == pytest.approx(math.sqrt(0.5**2 + 2.0**2))
    assert peak.ci == pytest.approx((2.0 - 1.959963984540054 * peak.se, 2.0 + 1.959963984540054 * peak.se))
    assert stats.quadratic_peak((1.0, 4.0, 1.0), np.eye(2)) is None  # a valley has no peak


def test_spearman():
    frame = pd.DataFrame({"x": [1, 2, 3, 4, np.nan], "y": [2, 4, 6, 8, 1]})
    rho, p, n = stats.spearman(frame, "x", "y")
    assert rho == pytest.approx(1.0) and p < 0.01 and n == 4
    assert math.isnan(stats.spearman(frame.iloc[:2], "x", "y")[0])


# ---------------------------------------------------------------------------------------
# Changes of a series (missing values give NaN)


def test_changes_and_growth_rates():
    s = pd.Series([1.0, np.nan, 4.0], index=[2000, 2001, 2002])
    assert stats.change_between(s, 2000, 2002) == 3.0
    assert math.isnan(stats.change_between(s, 2000, 2001)) and math.isnan(stats.change_between(s, 1999, 2002))
    assert stats.percent_change(s, 2000, 2002) == pytest.approx(300.0)
    assert math.isnan(stats.percent_change(pd.Series([0.0, 1.0], index=[1, 2]), 1, 2))
    assert math.isnan(stats.percent_change(s, 2000, 2001))
    assert stats.cagr(100, 121, 2) == pytest.approx(10.0)
    assert math.isnan(stats.cagr(0, 1, 1)) and math.isnan(stats.cagr(1, 2, 0))
    assert stats.compound(137920, 20, 3) == pytest.approx(137920 * 1.2**3)
    assert stats.compound(100.0, stats.cagr(100.0, 150.0, 4), 4) == pytest.approx(150.0)  # inverses
    series = pd.Series({2010: 100.0, 2020: 200.0})
    assert stats.series_cagr(series, 2010, 2020) == pytest.approx((2**0.1 - 1) * 100)
    assert math.isnan(stats.series_cagr(series, 2010, 2021))
    assert math.isnan(stats.series_cagr(pd.Series({2010: 0.0, 2020: 1.0}), 2010, 2020))
    assert stats.index_to(series, 2010).tolist() == [100.0, 200.0]
    assert stats.index_to(series, 1999).isna().all()


# ---------------------------------------------------------------------------------------
# Aggregates across economies


def test_weighted_mean_plain_and_balanced():
    values = tidy(
        [("AAA", 2000, 10.0), ("BBB", 2000, 20.0), ("AAA", 2001, 30.0), ("BBB", 2001, 40.0), ("CCC", 2001, 100.0)]
    )
    weights = tidy([("AAA", 2000, 1.0), ("BBB", 2000, 3.0), ("AAA", 2001, 1.0), ("BBB", 2001, 1.0), ("CCC", 2001, 2.0)])
    out = stats.weighted_mean(values, weights)
    assert out.loc[2000, "value"] == pytest.approx(17.5)
    assert out.loc[2001, "value"] == pytest.approx((30 + 40 + 200) / 4)
    assert out.loc[2001, "n"] == 3
    balanced = stats.weighted_mean(values, weights, balanced=True)  # CCC lacks 2000
    assert balanced.loc[2001, "value"] == pytest.approx(35.0)
    assert set(balanced["n"]) == {2}
    assert stats.weighted_mean(values, weights, members=["AAA"])["value"].tolist() == [10.0, 30.0]
    empty = stats.weighted_mean(values, weights, members=["ZZZ"])
    assert empty.empty and list(empty.columns) == ["value", "n"]


def test_balassa_rca_against_hand_computation():
    # AAA: 10 of 100 manufactured exports are high-tech; BBB: 30 of 100; world share 20 %.
    rows = []
    for iso3, ht, manf in (("AAA", 10.0, 100.0), ("BBB", 30.0, 100.0)):
        for year in (2010, 2011):
            rows.append({"iso3": iso3, "year": year, "P": ht, "S": 100 * ht / manf, "U": manf})
    rows.append({"iso3": "WLD", "year": 2010, "P": 40.0, "S": 20.0, "U": 200.0})
    wide = pd.DataFrame(rows).set_index(["iso3", "year"])
    rca = stats.balassa_rca(wide, ["AAA", "BBB"], product="P", total="U", share="S")
    row = rca[(rca["iso3"] == "AAA") & (rca["year"] == 2010)].iloc[0]
    assert row["world_share"] == pytest.approx(20.0) and row["rca"] == pytest.approx(0.5)
    assert rca[(rca["iso3"] == "BBB")]["rca"].tolist() == pytest.approx([1.5, 1.5])
    assert rca[rca["iso3"] == "WLD"]["rca"].iloc[0] == pytest.approx(1.0)  # aggregates get an index too
    assert set(rca["reporters"]) == {2}


def test_rank_economies_and_latest_within():
    data = pd.DataFrame(
        {
            "indicator": "X",
            "iso3": ["AAA", "BBB", "CCC", "WLD", "AAA", "BBB"],
            "year": [2020, 2020, 2020, 2020, 2016, 2018],
            "value": [5.0, 7.0, 5.0, 100.0, 1.0, 3.0],
        }
    )
    ranked = stats.rank_economies(data, 2020, ["AAA", "BBB", "CCC"])  # WLD is not an economy
    assert ranked["iso3"].tolist() == ["BBB", "AAA", "CCC"] and ranked["rank"].tolist() == [1, 2, 2]
    assert ranked["tied"].tolist() == [False, True, True]
    latest = stats.latest_within(data[data["year"] < 2020], 2019, window=2).set_index("iso3")
    assert list(latest.index) == ["BBB"] and latest.loc["BBB", "year"] == 2018  # AAA's 2016 is outside the window


def test_within_between_sd_by_hand():
    # A: 1, 3 (mean 2, deviations -1, +1); B: 10, 10 (mean 10, deviations 0, 0); C seen once: left out
    panel = pd.DataFrame({"iso3": ["A", "A", "B", "B", "C"], "x": [1.0, 3.0, 10.0, 10.0, 50.0]})
    within, between = stats.within_between_sd(panel, "x")
    assert within == pytest.approx(np.std([-1.0, 1.0, 0.0, 0.0], ddof=1))
    assert between == pytest.approx(np.std([2.0, 10.0], ddof=1))
    assert all(math.isnan(v) for v in stats.within_between_sd(panel.iloc[[4]], "x"))


def test_long_difference_uses_window_means_and_a_common_shock_goes_to_the_constant():
    rng = np.random.default_rng(5)
    rows = []
    for i in range(30):
        level = rng.normal(0, 3)  # economy effect: removed by differencing
        growth = rng.uniform(-1, 1)  # change of x over the interval
        for year in range(2000, 2011):
            x = 1.0 + level + growth * (year - 2000) / 10
            shock = 0.5 if year >= 2008 else 0.0  # common to every economy in the last window
            rows.append((f"E{i}", year, x, 2.0 * level + 0.4 * x + shock))
    panel = pd.DataFrame(rows, columns=["iso3", "year", "x", "y"])
    est = stats.long_difference(panel, "y", "x", (2000, 2002), (2008, 2010), "ld")
    assert est.coef == pytest.approx(0.4, abs=1e-9)  # exact: no noise, the shock is absorbed
    assert est.nobs == est.n_countries == 30 and (est.first_year, est.last_year) == (2000, 2010)
    # by hand for one economy: window means of y and x
    one = panel[panel["iso3"] == "E0"]
    dy = one[one["year"] >= 2008]["y"].mean() - one[one["year"] <= 2002]["y"].mean()
    dx = one[one["year"] >= 2008]["x"].mean() - one[one["year"] <= 2002]["x"].mean()
    assert dy == pytest.approx(0.4 * dx + 0.5)
    # an economy missing a window drops out
    est = stats.long_difference(
        panel[~((panel["iso3"] == "E0") & (panel["year"] <= 2002))], "y", "x", (2000, 2002), (2008, 2010)
    )
    assert est.nobs == 29


def test_long_difference_refuses_bad_windows_and_too_few_economies():
    panel = pd.DataFrame(
        {"iso3": ["A", "A", "B", "B"], "year": [2000, 2010] * 2, "x": [1.0, 2, 3, 5], "y": [1.0, 2, 3, 4]}
    )
    with pytest.raises(ValueError, match="must end before"):
        stats.long_difference(panel, "y", "x", (2000, 2005), (2005, 2010))
    with pytest.raises(stats.TooFewObservations, match="too few economies"):
        stats.long_difference(panel, "y", "x", (2000, 2000), (2010, 2010))
