"""Chapter "De-globalisation mechanisms": computations (source text 001, Wang & Chai 2024).

The source text argues that digital technology (robots, 3D printing, digitalisation) ended
the "hyper-globalisation" of 1990-2008 and drives a slower, partly reversed integration of
manufacturing. This module holds everything the chapter computes, in five groups:

- statistical routines for a break in a linear trend (Chow test, sup-F scan, broken trend,
  trend slopes, with an autocorrelation-robust bootstrap);
- the six analyses of the chapter (openness, global value chain proxies, automation,
  foreign direct investment, concentration of receipts for intellectual property, developing
  economies' export shares), each a *pure* function of tidy frames plus a thin loader;
- measures used by the claim checks (:mod:`imtrade.claims.checks.deglobalisation`);
- the chapter's figures;
- parameter checks.

Pure functions take the tidy frames returned by :func:`imtrade.api.load_indicators`, so the
claim checks can feed them through ``ctx.indicators`` (and tests through small frames).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from imtrade.book.params import check_countries, check_vintage, check_year_range
from imtrade.data.load import load_entities, load_indicators
from imtrade.exceptions import ParameterError, UnknownIndicatorError

# ---------------------------------------------------------------------------------------
# Constants

#: WDI codes used by the chapter (openness, investment, developing economies).
EXPORTS, IMPORTS = "NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS"
MERCH_TRADE_GDP = "TG.VAL.TOTL.GD.ZS"
FDI_INFLOWS, GDP_USD = "BX.KLT.DINV.CD.WD", "NY.GDP.MKTP.CD"
MERCH_EXPORTS, HIGHTECH_EXPORTS = "TX.VAL.MRCH.CD.WT", "TX.VAL.TECH.CD"
IP_RECEIPTS, ICT_SERVICE_EXPORTS = "BX.GSR.ROYL.CD", "BX.GSR.CCIS.CD"
MHT_SHARE, MANF_SHARE_OF_MERCH = "TX.MNF.TECH.ZS.UN", "TX.VAL.MANF.ZS.UN"
INDUSTRY_EMPLOYMENT, INDUSTRY_VALUE_ADDED = "SL.IND.EMPL.ZS", "NV.IND.TOTL.ZS"
PWT_WORLD_TRADE = "OWID.WORLD_TRADE.GDP.PWT"
CEPII_LABOUR, CEPII_CAPITAL = "OWID.EXP.LABOR_INTENSIVE.GDP", "OWID.EXP.CAPITAL_INTENSIVE.GDP"
SDG_DEVELOPING_EXPORT_SHARE, SDG_DEVELOPING = "TX_EXP_GBMRCH", "M49_515"

#: Income groups of the World Bank compared in the investment section.
INCOME_GROUPS = ("WLD", "HIC", "LMY")
GROUP_NAMES = {
    "WLD": "World",
    "HIC": "High income",
    "LMY": "Low and middle income",
    "LIC": "Low income",
    "LMC": "Lower middle income",
    "UMC": "Upper middle income",
    "MIC": "Middle income",
}

#: Critical values of the sup-F (Quandt likelihood ratio) statistic, F form (Wald / q),
#: for q restrictions and 15 % trimming at the 10 %, 5 % and 1 % levels. Source: Stock and
#: Watson (2003, table of QLR critical values with 15 % trimming), i.e. Andrews (1993, Table 1) divided by q.
SUP_F_CRITICAL_15 = {
    1: {0.10: 7.12, 0.05: 8.68, 0.01: 12.16},
    2: {0.10: 5.00, 0.05: 5.86, 0.01: 7.78},
    3: {0.10: 4.09, 0.05: 4.71, 0.01: 6.02},
}
SUP_F_TRIM = 0.15


# ---------------------------------------------------------------------------------------
# Statistical routines: trends and trend breaks
#
# Inference uses an AR(1) sieve bootstrap, not Newey-West (HAC) standard errors. With 15-55
# annual observations and residual autocorrelation of 0.4-0.7, HAC inference is badly
# oversized here: in simulations of a straight trend with AR(1) errors (n = 55, break after
# 2008, 300 replications) the HAC Chow test rejected 20 % (rho = 0) to 45 % (rho = 0.6) of
# the time at a nominal 5 %, the HAC sup-F 42-68 %, and HAC 95 % intervals for the
# post-break slope covered the truth 78 % and 65 % of the time. The bootstrap below, with
# the autocorrelation corrected for its small-sample bias, held the size of both tests at
# 5-6 % for rho between 0 and 0.8 (200 replications, 199 draws each).

#: Bootstrap draws and seed (fixed, so every run gives the same intervals and p-values).
BOOT_REPS = 999
BOOT_SEED = 20080915
_BURN_IN = 50


def _clean(years: Iterable, values: Iterable) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(list(years), dtype=float)
    y = np.asarray(list(values), dtype=float)
    if t.shape != y.shape:
        raise ValueError(f"years ({t.size}) and values ({y.size}) differ in length")
    keep = np.isfinite(t) & np.isfinite(y)
    order = np.argsort(t[keep], kind="stable")
    return t[keep][order], y[keep][order]


def _ols(y: np.ndarray, X: np.ndarray):
    import statsmodels.api as sm

    return sm.OLS(y, X).fit()


def ar1_coefficient(resid: np.ndarray) -> float:
    """First-order autocorrelation of regression residuals, corrected for small-sample bias.

    Notes
    -----
    :math:`\\hat\\rho = \\sum_t \\hat u_t \\hat u_{t-1} / \\sum_t \\hat u_{t-1}^2`, then
    :math:`\\tilde\\rho = \\hat\\rho + (1 + 3\\hat\\rho)/n`, the approximate bias of the least
    squares estimate (Marriott and Pope 1954), clipped to [-0.98, 0.98]. Without the
    correction the bootstrap understates persistence and its tests over-reject (9-13 % at a
    nominal 5 % for rho = 0.6-0.8 in our simulations).
    """
    u = np.asarray(resid, dtype=float)
    n = u.size
    denom = float(u[:-1] @ u[:-1])
    rho = float(u[1:] @ u[:-1]) / denom if denom > 0 else 0.0
    return float(np.clip(rho + (1 + 3 * rho) / n, -0.98, 0.98))


def ar1_bootstrap_errors(resid: np.ndarray, reps: int = BOOT_REPS, seed: int = BOOT_SEED) -> np.ndarray:
    """``reps`` AR(1) error series shaped like ``resid`` (array n x reps), by a sieve bootstrap.

    Notes
    -----
    With :math:`\\tilde\\rho` from :func:`ar1_coefficient`, the innovations
    :math:`\\hat\\varepsilon_t = \\hat u_t - \\tilde\\rho \\hat u_{t-1}` are centred and
    resampled with replacement, and :math:`u^*_t = \\tilde\\rho u^*_{t-1} + \\varepsilon^*_t`
    is run from zero for a burn-in of 50 periods (Bühlmann 1997, with an AR order of one).
    """
    u = np.asarray(resid, dtype=float)
    rho = ar1_coefficient(u)
    eps = u[1:] - rho * u[:-1]
    eps = eps - eps.mean()
    rng = np.random.default_rng(seed)
    draws = rng.choice(eps, size=(u.size + _BURN_IN, reps), replace=True)
    out = np.zeros_like(draws)
    for t in range(1, draws.shape[0]):
        out[t] = rho * out[t - 1] + draws[t]
    return out[_BURN_IN:]


def _basic_interval(estimate: float, deviations: np.ndarray, alpha: float) -> tuple[float, float]:
    """Basic bootstrap interval: estimate minus the upper and lower quantiles of the deviations."""
    lo, hi = np.quantile(deviations, [alpha / 2, 1 - alpha / 2])
    return float(estimate - hi), float(estimate - lo)


def _coefficient_draws(X: np.ndarray, errors: np.ndarray) -> np.ndarray:
    """Deviations of OLS coefficients under bootstrap errors: (X'X)^-1 X' U* (k x reps)."""
    return np.linalg.pinv(X) @ errors


@dataclass(frozen=True)
class TrendFit:
    """OLS slope of a series on the year, with a bootstrap 95 % confidence interval."""

    slope: float
    ci_low: float
    ci_high: float
    pvalue: float
    n: int
    start: int
    end: int
    rho: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ols_trend(
    years: Iterable, values: Iterable, *, alpha: float = 0.05, reps: int = BOOT_REPS, seed: int = BOOT_SEED
) -> TrendFit:
    """Linear trend :math:`y_t = a + b t + u_t` by OLS; slope with an AR(1)-bootstrap interval.

    Parameters
    ----------
    years, values : the series (missing values are dropped; at least 4 observations).
    alpha : 1 - confidence level.
    reps, seed : bootstrap draws and seed.

    Returns
    -------
    TrendFit: slope (units of ``values`` per year), its interval and two-sided bootstrap
    p-value, N, first and last year, and the bias-corrected residual autocorrelation.

    Notes
    -----
    The slope is :math:`\\hat b` from statsmodels OLS. Its sampling distribution is
    approximated by :math:`\\hat b^* - \\hat b = e_2'(X'X)^{-1}X'u^*` with AR(1) bootstrap
    errors :math:`u^*` (:func:`ar1_bootstrap_errors`), giving the basic interval
    :math:`[\\hat b - q_{1-\\alpha/2}, \\hat b - q_{\\alpha/2}]` and the p-value
    :math:`P^*(|\\hat b^* - \\hat b| \\ge |\\hat b|)`. The errors are assumed to follow an
    AR(1) around the trend: an association over time, not a causal effect.
    """
    t, y = _clean(years, values)
    if t.size < 4:
        raise ValueError(f"a trend needs at least 4 observations, got {t.size}")
    X = np.column_stack([np.ones_like(t), t - t[0]])
    res = _ols(y, X)
    slope = float(res.params[1])
    dev = _coefficient_draws(X, ar1_bootstrap_errors(res.resid, reps, seed))[1]
    low, high = _basic_interval(slope, dev, alpha)
    p = float((1 + (np.abs(dev) >= abs(slope)).sum()) / (reps + 1))
    return TrendFit(slope, low, high, p, int(t.size), int(t[0]), int(t[-1]), ar1_coefficient(res.resid))


def _segment_design(t: np.ndarray, break_year: float) -> np.ndarray:
    d = (t > break_year).astype(float)
    c = t - break_year
    return np.column_stack([np.ones_like(t), c, d, d * c])


def _ssr(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Residual sum of squares of the OLS fit of each column of ``Y`` on ``X``."""
    resid = Y - X @ (np.linalg.pinv(X) @ Y)
    return np.einsum("ij,ij->j", resid, resid)


def chow_f_statistics(y: np.ndarray, t: np.ndarray, break_years: Sequence[float]) -> np.ndarray:
    """Chow F for each break year, for one series (vector) or many (columns of a matrix).

    Vectorised form of the statistic of :func:`chow_break_test` (used for bootstrap draws):
    :math:`F = ((SSR_r - SSR_u)/2) / (SSR_u / (n - 4))`, with each SSR computed from the
    residuals :math:`y - X X^+ y` of the model (:math:`X^+` the pseudo-inverse).
    Returns an array (len(break_years),) or (len(break_years), columns).
    """
    Y = y[:, None] if y.ndim == 1 else y
    n = t.size
    ssr_r = _ssr(np.column_stack([np.ones_like(t), t - t.mean()]), Y)
    out = []
    for tau in break_years:
        ssr_u = _ssr(_segment_design(t, tau), Y)
        out.append(((ssr_r - ssr_u) / 2) / (ssr_u / (n - 4)))
    F = np.array(out)
    return F[:, 0] if y.ndim == 1 else F


def _null_draws(t: np.ndarray, y: np.ndarray, reps: int, seed: int) -> np.ndarray:
    """Bootstrap series under H0 (one linear trend, AR(1) errors): n x reps."""
    X = np.column_stack([np.ones_like(t), t - t.mean()])
    res = _ols(y, X)
    return (X @ res.params)[:, None] + ar1_bootstrap_errors(res.resid, reps, seed)


def _chow_boot_pvalue(t: np.ndarray, y: np.ndarray, break_year: float, f_stat: float, reps: int, seed: int) -> float:
    """Bootstrap p-value of Chow's F: share of H0 draws (with the observed one) at least as large."""
    null_f = chow_f_statistics(_null_draws(t, y, reps, seed), t, [break_year])[0]
    return float((1 + (null_f >= f_stat).sum()) / (reps + 1))


@dataclass(frozen=True)
class ChowResult:
    """A Chow test for a change in the level and slope of a linear trend after ``break_year``."""

    break_year: int
    n: int
    n_pre: int
    n_post: int
    f_stat: float  # Chow's F
    f_pvalue: float  # from the F(2, n - 4) distribution (iid errors)
    boot_pvalue: float  # from the AR(1) bootstrap under H0
    df_num: int
    df_den: int
    pre_slope: float
    pre_slope_ci: tuple[float, float]
    post_slope: float
    post_slope_ci: tuple[float, float]
    slope_change: float
    slope_change_ci: tuple[float, float]
    level_shift: float
    level_shift_ci: tuple[float, float]
    ssr: float
    rho: float  # bias-corrected first-order autocorrelation of the unrestricted residuals

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def chow_break_test(
    years: Iterable,
    values: Iterable,
    break_year: int,
    *,
    alpha: float = 0.05,
    min_segment: int = 3,
    reps: int = BOOT_REPS,
    seed: int = BOOT_SEED,
) -> ChowResult:
    """Chow (1960) test for a break in the level and slope of a linear trend.

    Parameters
    ----------
    years, values : the series (missing values are dropped).
    break_year : the last year of the first regime; the second regime starts the year after.
    alpha : 1 - confidence level of the intervals.
    min_segment : fewest observations allowed in each regime.
    reps, seed : bootstrap draws and seed.

    Returns
    -------
    ChowResult: Chow's F with its classical and bootstrap p-values, and the slopes before
    and after the break, the slope change and the level shift, each with a bootstrap
    confidence interval.

    Notes
    -----
    With :math:`c_t = t - \\tau` and :math:`D_t = 1[t > \\tau]` the unrestricted model is

    .. math:: y_t = \\alpha + \\beta c_t + \\gamma D_t + \\delta D_t c_t + u_t,

    so the slope is :math:`\\beta` up to :math:`\\tau` and :math:`\\beta + \\delta` after,
    and :math:`\\gamma` is the jump in the level at :math:`\\tau`; this is Chow's (1960)
    test of equal coefficients in two sub-samples, written with dummies. Under
    :math:`H_0: \\gamma = \\delta = 0` (q = 2 restrictions),

    .. math:: F = \\frac{(SSR_r - SSR_u)/q}{SSR_u/(n - 2q)} \\sim F(q, n - 2q)

    if the errors are iid normal. Annual macro series are autocorrelated, and then this F
    rejects far too often, so the p-value to read is the bootstrap one: the share of
    series simulated under :math:`H_0` (the fitted single trend plus AR(1) errors,
    :func:`ar1_bootstrap_errors`) whose F is at least the observed one. Intervals come from
    the same bootstrap around the unrestricted fit. The break year is taken as known;
    when it is chosen by looking at the data, use :func:`sup_f_scan`.
    """
    t, y = _clean(years, values)
    n_pre, n_post = int((t <= break_year).sum()), int((t > break_year).sum())
    if n_pre < min_segment or n_post < min_segment:
        raise ValueError(
            f"break year {break_year} leaves {n_pre} observation(s) before and {n_post} after; at least {min_segment} are needed on each side"
        )
    X = _segment_design(t, break_year)
    unrestricted = _ols(y, X)
    restricted = _ols(y, X[:, :2])
    f_stat, f_p, _ = unrestricted.compare_f_test(restricted)
    boot_p = _chow_boot_pvalue(t, y, break_year, float(f_stat), reps, seed)
    dev = _coefficient_draws(X, ar1_bootstrap_errors(unrestricted.resid, reps, seed))
    b = unrestricted.params

    def interval(w) -> tuple[float, tuple[float, float]]:
        w = np.asarray(w, dtype=float)
        est = float(w @ b)
        return est, _basic_interval(est, w @ dev, alpha)

    pre, post, change, level = (interval(w) for w in ([0, 1, 0, 0], [0, 1, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0]))
    return ChowResult(
        break_year=int(break_year),
        n=int(t.size),
        n_pre=n_pre,
        n_post=n_post,
        f_stat=float(f_stat),
        f_pvalue=float(f_p),
        boot_pvalue=boot_p,
        df_num=2,
        df_den=int(t.size - 4),
        pre_slope=pre[0],
        pre_slope_ci=pre[1],
        post_slope=post[0],
        post_slope_ci=post[1],
        slope_change=change[0],
        slope_change_ci=change[1],
        level_shift=level[0],
        level_shift_ci=level[1],
        ssr=float(unrestricted.ssr),
        rho=ar1_coefficient(unrestricted.resid),
    )


@dataclass(frozen=True)
class SupFResult:
    """A sup-F (Quandt-Andrews) scan for a break at an unknown date among candidates."""

    table: pd.DataFrame  # candidate, n_pre, n_post, f_stat, ssr
    sup_f: float
    sup_f_year: int  # where F peaks = the least-squares break date
    boot_pvalue: float  # of sup F, AR(1) bootstrap under H0
    critical_values: dict[float, float]  # asymptotic, Andrews (1993), for reference
    boot_critical_5pct: float  # 95th percentile of the bootstrap sup F
    reject_5pct: bool  # bootstrap p-value below 0.05
    trim: float
    n: int
    dropped: list[int]  # candidates outside the trimmed range


def sup_f_scan(
    years: Iterable,
    values: Iterable,
    candidates: Iterable[int],
    *,
    trim: float = SUP_F_TRIM,
    reps: int = BOOT_REPS,
    seed: int = BOOT_SEED,
) -> SupFResult:
    """Quandt-Andrews sup-F test for one break in the level and slope of a linear trend.

    Parameters
    ----------
    years, values : the series.
    candidates : the break years searched (each the last year of the first regime).
    trim : fraction of the sample excluded at each end (0.15, the value with tabulated
        asymptotic critical values).
    reps, seed : bootstrap draws and seed.

    Returns
    -------
    SupFResult with Chow's F per candidate, the supremum and where it occurs (the
    least-squares break date), its bootstrap p-value and 5 % critical value, and the
    asymptotic critical values for reference.

    Notes
    -----
    For each candidate :math:`\\tau` with :math:`\\pi_0 n \\le n_{pre}(\\tau) \\le (1-\\pi_0) n`
    the F of :func:`chow_break_test` is computed and :math:`\\sup F = \\max_\\tau F(\\tau)`;
    the maximising :math:`\\tau` minimises the residual sum of squares, so it is the
    least-squares break date (Bai 1997). Because :math:`\\tau` is chosen by the data,
    :math:`\\sup F` is not F-distributed. Andrews (1993, Table 1) tabulates its asymptotic
    critical values; for q = 2 and :math:`\\pi_0 = 0.15` they are 5.00, 5.86 and 7.78 (10, 5,
    1 %, F form; Stock and Watson 2003). They assume stationary regressors and iid-like
    errors, neither of which holds for a trending, autocorrelated series (Vogelsang 1997),
    so the decision uses a bootstrap instead, as Diebold and Chen (1996) recommend for small
    samples: series are simulated under :math:`H_0` (one trend, AR(1) errors), the whole
    scan is repeated on each, and the p-value is the share of simulated suprema at least as
    large as the observed one. Searching a subset of years is allowed: the bootstrap
    searches the same subset.
    """
    if trim != SUP_F_TRIM:
        raise ValueError(f"the scan uses 15 % trimming (critical values are tabulated for it), got trim={trim}")
    t, y = _clean(years, values)
    n = t.size
    lo, hi = trim * n, (1 - trim) * n
    kept, dropped = [], []
    for tau in sorted({int(c) for c in candidates}):
        k = int((t <= tau).sum())
        (kept if lo <= k <= hi and k >= 3 and n - k >= 3 else dropped).append(tau)
    if not kept:
        raise ValueError(
            f"no candidate break lies in the trimmed range ({trim:.0%} of {n} observations at each end): {sorted(set(candidates))}"
        )
    F = chow_f_statistics(y, t, kept)
    ssr = [float(_ols(y, _segment_design(t, tau)).ssr) for tau in kept]
    table = pd.DataFrame(
        {
            "candidate": kept,
            "n_pre": [int((t <= c).sum()) for c in kept],
            "n_post": [int((t > c).sum()) for c in kept],
            "f_stat": F,
            "ssr": ssr,
        }
    )
    null_sup = chow_f_statistics(_null_draws(t, y, reps, seed), t, kept).max(axis=0)
    sup_f = float(F.max())
    p = float((1 + (null_sup >= sup_f).sum()) / (reps + 1))
    return SupFResult(
        table=table,
        sup_f=sup_f,
        sup_f_year=int(kept[int(np.argmax(F))]),
        boot_pvalue=p,
        critical_values=dict(SUP_F_CRITICAL_15[2]),
        boot_critical_5pct=float(np.quantile(null_sup, 0.95)),
        reject_5pct=bool(p < 0.05),
        trim=trim,
        n=int(n),
        dropped=dropped,
    )


@dataclass(frozen=True)
class BrokenTrend:
    """A continuous piecewise-linear trend with a kink at ``break_year``."""

    break_year: int
    fitted: pd.DataFrame  # year, value, fit, lower, upper
    pre_slope: float
    pre_slope_ci: tuple[float, float]
    post_slope: float
    post_slope_ci: tuple[float, float]
    slope_change: float
    slope_change_ci: tuple[float, float]
    n: int
    n_post: int
    rho: float


def broken_trend(
    years: Iterable,
    values: Iterable,
    break_year: int,
    *,
    alpha: float = 0.05,
    reps: int = BOOT_REPS,
    seed: int = BOOT_SEED,
) -> BrokenTrend:
    """Fit a broken (piecewise-linear, continuous) trend with a kink at ``break_year``.

    Parameters
    ----------
    years, values : the series.
    break_year : the kink; the second slope applies from the year after.
    alpha : 1 - confidence level of the band and intervals.
    reps, seed : bootstrap draws and seed.

    Returns
    -------
    BrokenTrend with the fitted line and its pointwise confidence band, the slopes before
    and after the kink and their difference, each with a bootstrap confidence interval.

    Notes
    -----
    .. math:: y_t = a + b\\,(t - \\tau) + d\\,(t - \\tau)_+ + u_t,

    with :math:`(x)_+ = \\max(x, 0)`: slope :math:`b` up to :math:`\\tau`, :math:`b + d`
    after, and no jump (unlike :func:`chow_break_test`). Fitted by OLS (statsmodels); the
    band is the pointwise basic bootstrap interval of the fitted mean,
    :math:`\\hat y_t - q^*`, with :math:`x_t'(X'X)^{-1}X'u^*` under AR(1) bootstrap errors
    (:func:`ar1_bootstrap_errors`). It describes the uncertainty of the trend line, not of
    individual years.
    """
    t, y = _clean(years, values)
    n_pre, n_post = int((t <= break_year).sum()), int((t > break_year).sum())
    if n_pre < 3 or n_post < 2:
        raise ValueError(
            f"break year {break_year} leaves too few observations on one side ({n_pre} before, {n_post} after)"
        )
    c = t - break_year
    X = np.column_stack([np.ones_like(t), c, np.clip(c, 0, None)])
    res = _ols(y, X)
    dev = _coefficient_draws(X, ar1_bootstrap_errors(res.resid, reps, seed))
    fit = X @ res.params
    band = X @ dev
    lower = fit - np.quantile(band, 1 - alpha / 2, axis=1)
    upper = fit - np.quantile(band, alpha / 2, axis=1)
    fitted = pd.DataFrame({"year": t.astype(int), "value": y, "fit": fit, "lower": lower, "upper": upper})
    b = res.params

    def interval(w) -> tuple[float, tuple[float, float]]:
        w = np.asarray(w, dtype=float)
        est = float(w @ b)
        return est, _basic_interval(est, w @ dev, alpha)

    pre, post, change = interval([0, 1, 0]), interval([0, 1, 1]), interval([0, 0, 1])
    return BrokenTrend(
        break_year=int(break_year),
        fitted=fitted,
        pre_slope=pre[0],
        pre_slope_ci=pre[1],
        post_slope=post[0],
        post_slope_ci=post[1],
        slope_change=change[0],
        slope_change_ci=change[1],
        n=int(t.size),
        n_post=n_post,
        rho=ar1_coefficient(res.resid),
    )


def chow_size_simulation(
    years: Sequence[int],
    break_year: int,
    rho: float,
    *,
    reps: int = 100,
    boot_reps: int = 199,
    seed: int = BOOT_SEED,
    alpha: float = 0.05,
) -> dict[str, float]:
    """How often does the Chow test reject a *true* straight trend with AR(1) deviations?

    Parameters
    ----------
    years : the years of the series studied (sets n and the split).
    break_year : the break year tested.
    rho : autocorrelation of the simulated deviations (e.g. the one estimated on the data).
    reps : simulated series; boot_reps : bootstrap draws per series; seed : random seed.

    Returns
    -------
    ``{"classical": share, "bootstrap": share, "reps": reps, "rho": rho}``: the shares of
    simulated series in which the textbook F test and the bootstrap test reject at ``alpha``.

    Notes
    -----
    Series :math:`y_t = 0.3 t + u_t`, :math:`u_t = \\rho u_{t-1} + \\varepsilon_t`,
    :math:`\\varepsilon_t \\sim N(0, 1)` started from the stationary distribution; the F
    statistic does not depend on the trend or on the scale, so only n, the split and
    :math:`\\rho` matter. A well-sized test rejects about ``alpha`` of the time.
    """
    from scipy.stats import f as f_dist

    t = np.asarray(list(years), dtype=float)
    rng = np.random.default_rng(seed)
    r = float(np.clip(rho, -0.95, 0.95))
    classical = boot = 0
    for i in range(reps):
        e = rng.normal(0, 1, t.size)
        u = np.empty(t.size)
        u[0] = e[0] / math.sqrt(1 - r**2)
        for k in range(1, t.size):
            u[k] = r * u[k - 1] + e[k]
        y = 0.3 * (t - t[0]) + u
        f_stat = float(chow_f_statistics(y, t, [break_year])[0])  # the statistic of chow_break_test
        classical += int(f_dist.sf(f_stat, 2, t.size - 4) < alpha)
        boot += int(_chow_boot_pvalue(t, y, break_year, f_stat, boot_reps, seed + i + 1) < alpha)
    return {"classical": classical / reps, "bootstrap": boot / reps, "reps": reps, "rho": r}


@dataclass(frozen=True)
class Recovery:
    break_year: int
    break_value: float
    latest_year: int
    latest_value: float
    max_after: float
    max_after_year: int
    recovered: bool  # latest value above the break-year value


def recovery(series: pd.Series, break_year: int) -> Recovery:
    """Has the series regained its break-year level? ``series`` is indexed by year.

    "Recovered" means the latest observed value exceeds the value in ``break_year``; the
    largest value after the break is reported too, since a series can cross and fall back.
    """
    s = series.dropna().sort_index()
    if break_year not in s.index:
        raise ValueError(f"no observation in the break year {break_year}")
    after = s[s.index > break_year]
    if after.empty:
        raise ValueError(f"no observation after the break year {break_year}")
    return Recovery(
        int(break_year),
        float(s.loc[break_year]),
        int(s.index[-1]),
        float(s.iloc[-1]),
        float(after.max()),
        int(after.idxmax()),
        bool(s.iloc[-1] > s.loc[break_year]),
    )


def break_summary(series: pd.Series, break_year: int, candidates: Iterable[int]) -> dict[str, Any]:
    """Chow test, sup-F scan, broken trend and recovery for one annual series (index: year)."""
    s = series.dropna().sort_index()
    years, values = s.index.to_numpy(), s.to_numpy()
    return {
        "chow": chow_break_test(years, values, break_year),
        "scan": sup_f_scan(years, values, candidates),
        "trend": broken_trend(years, values, break_year),
        "recovery": recovery(s, break_year),
    }


def break_table(summary: dict[str, Any], label: str) -> pd.DataFrame:
    """One row of key numbers from :func:`break_summary` (for a downloadable table)."""
    chow, scan, trend, rec = summary["chow"], summary["scan"], summary["trend"], summary["recovery"]
    return pd.DataFrame(
        [
            {
                "series": label,
                "break_year": chow.break_year,
                "n": chow.n,
                "n_pre": chow.n_pre,
                "n_post": chow.n_post,
                "pre_slope": chow.pre_slope,
                "pre_slope_ci_low": chow.pre_slope_ci[0],
                "pre_slope_ci_high": chow.pre_slope_ci[1],
                "post_slope": chow.post_slope,
                "post_slope_ci_low": chow.post_slope_ci[0],
                "post_slope_ci_high": chow.post_slope_ci[1],
                "chow_f": chow.f_stat,
                "chow_p_classical": chow.f_pvalue,
                "chow_p_bootstrap": chow.boot_pvalue,
                "residual_rho": chow.rho,
                "sup_f": scan.sup_f,
                "sup_f_year": scan.sup_f_year,
                "sup_f_p_bootstrap": scan.boot_pvalue,
                "sup_f_critical_5pct_bootstrap": scan.boot_critical_5pct,
                "sup_f_critical_5pct_andrews": scan.critical_values[0.05],
                "kinked_pre_slope": trend.pre_slope,
                "kinked_post_slope": trend.post_slope,
                "kinked_post_slope_ci_low": trend.post_slope_ci[0],
                "kinked_post_slope_ci_high": trend.post_slope_ci[1],
                "break_value": rec.break_value,
                "latest_year": rec.latest_year,
                "latest_value": rec.latest_value,
                "recovered": rec.recovered,
                "bootstrap_reps": BOOT_REPS,
                "bootstrap_seed": BOOT_SEED,
            }
        ]
    )


# ---------------------------------------------------------------------------------------
# 1. Openness


def openness_from_tidy(tidy: pd.DataFrame, iso3: str = "WLD") -> pd.DataFrame:
    """Exports, imports, their sum and their mean (% of GDP) by year, from tidy WDI rows.

    ``trade`` = exports + imports (the World Bank's NE.TRD.GNFS.ZS); ``trade_mean`` =
    (exports + imports) / 2, the average of the two flows (the convention of WTO trade
    ratios), which is the measure the source text's 20 % -> 30 % matches.
    """
    rows = tidy[(tidy["iso3"] == iso3) & tidy["indicator"].isin([EXPORTS, IMPORTS])]
    frame = rows.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    frame = (
        frame.reindex(columns=[EXPORTS, IMPORTS])
        .rename(columns={EXPORTS: "exports", IMPORTS: "imports"})
        .rename_axis(columns=None)
    )
    frame["trade"] = frame["exports"] + frame["imports"]
    frame["trade_mean"] = frame["trade"] / 2
    return frame.dropna().sort_index()


def world_openness(vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """World openness (see :func:`openness_from_tidy`) plus merchandise trade % of GDP."""
    tidy = load_indicators(
        [EXPORTS, IMPORTS, MERCH_TRADE_GDP], countries=["WLD"], years=(start_year, end_year), vintage=vintage
    )
    frame = openness_from_tidy(tidy)
    merch = tidy[tidy["indicator"] == MERCH_TRADE_GDP].set_index("year")["value"]
    return frame.join(merch.rename("merchandise_trade"), how="left")


def long_run_openness(start_year: int | None = None, end_year: int | None = None) -> pd.Series:
    """World trade (exports + imports) % of GDP from the Penn World Table 9.0 via OWID (1950-2014)."""
    tidy = load_indicators([PWT_WORLD_TRADE], countries=["WLD"], years=(start_year, end_year))
    return tidy.set_index("year")["value"].rename("pwt_trade")


def openness_measures(
    openness: pd.DataFrame,
    pwt: pd.Series | None = None,
    *,
    decade: tuple[int, int] = (1990, 1999),
    year: int = 2007,
    start_target: float = 20.0,
    start_tol: float = 2.5,
    end_threshold: float = 30.0,
) -> pd.DataFrame:
    """Which measure of openness matches the text's "about 20 % in the 1990s, over 30 % in 2007"?

    One row per measure with its 1990s mean, its value in ``year`` and whether each half of
    the statement holds (1990s mean within ``start_target`` +/- ``start_tol``; value in
    ``year`` above ``end_threshold``).
    """
    measures = {
        "Exports of goods and services": openness.get("exports"),
        "Imports of goods and services": openness.get("imports"),
        "Average of exports and imports, (X + M) / 2": openness.get("trade_mean"),
        "Exports + imports (World Bank trade ratio)": openness.get("trade"),
        "Merchandise trade (X + M), TG.VAL.TOTL.GD.ZS": openness.get("merchandise_trade"),
    }
    if pwt is not None:
        measures["Exports + imports, Penn World Table 9.0"] = pwt
    rows = []
    for name, s in measures.items():
        if s is None:
            continue
        s = s.dropna()
        in_decade = s[(s.index >= decade[0]) & (s.index <= decade[1])]
        mean = float(in_decade.mean()) if len(in_decade) == decade[1] - decade[0] + 1 else float("nan")
        value = float(s.loc[year]) if year in s.index else float("nan")
        rows.append(
            {
                "measure": name,
                "mean_1990s": mean,
                f"value_{year}": value,
                "about_20_in_1990s": bool(abs(mean - start_target) <= start_tol) if not math.isnan(mean) else None,
                f"above_30_in_{year}": bool(value > end_threshold) if not math.isnan(value) else None,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# 2. Global value chains: the quoted figures and the proxies the data allow


def quoted_gvc_participation(table: pd.DataFrame) -> pd.DataFrame:
    """The GVC participation rates quoted by the source text (curated, not recomputed).

    ``table`` is ``load_curated("gvc_participation_quoted")``. Returns year, measure
    (trade-based / production-based), value (%), attributed_to and verified_primary.
    """
    labels = {"gvc_participation_trade_based": "trade-based", "gvc_participation_production_based": "production-based"}
    rows = table[table["measure"].isin(labels) & table["year"].notna()].copy()
    rows["measure"] = rows["measure"].map(labels)
    rows["year"] = rows["year"].astype(int)
    return (
        rows[["year", "measure", "value", "attributed_to", "verified_primary"]]
        .sort_values(["measure", "year"])
        .reset_index(drop=True)
    )


def index_to(series: pd.Series, base_year: int) -> pd.Series:
    """``series`` / value in ``base_year`` x 100 (NaN if the base year is missing)."""
    base = series.get(base_year, np.nan)
    return series / base * 100 if pd.notna(base) and base != 0 else series * np.nan


def gvc_proxy_comparison(
    openness: pd.DataFrame, quoted: pd.DataFrame, years: Sequence[int] = (1995, 2008, 2020)
) -> pd.DataFrame:
    """Quoted GVC participation beside the two trade-intensity proxies, levels and indices.

    For each year: the quoted trade- and production-based participation (%), world trade
    (X + M)/2 and merchandise trade % of GDP, and each indexed to the first year = 100, so
    that relative changes can be compared (the levels measure different things).
    """
    base = years[0]
    series = {
        "GVC participation, trade-based (quoted)": quoted[quoted["measure"] == "trade-based"].set_index("year")[
            "value"
        ],
        "GVC participation, production-based (quoted)": quoted[quoted["measure"] == "production-based"].set_index(
            "year"
        )["value"],
        "Proxy: world trade, (X + M)/2 % of GDP": openness["trade_mean"],
        "Proxy: world merchandise trade % of GDP": openness["merchandise_trade"],
    }
    rows = []
    for name, s in series.items():
        for y in years:
            value = float(s.get(y, np.nan))
            rows.append(
                {
                    "series": name,
                    "year": int(y),
                    "value": value,
                    f"index_{base}_100": float(index_to(s, base).get(y, np.nan)),
                }
            )
    return pd.DataFrame(rows)


def world_mht_share_from_tidy(tidy: pd.DataFrame, economies: Iterable[str]) -> pd.DataFrame:
    """Medium/high-tech share of the manufactured exports of all reporting economies.

    The WDI publish TX.MNF.TECH.ZS.UN for economies only; the world value is the average
    of the economies' shares weighted by their manufactured exports
    (TX.VAL.MANF.ZS.UN / 100 x TX.VAL.MRCH.CD.WT), i.e. total medium/high-tech exports over
    total manufactured exports of the economies reporting all three series that year.
    """
    frame = tidy[tidy["iso3"].isin(set(economies))].pivot_table(
        index=["iso3", "year"], columns="indicator", values="value", aggfunc="first"
    )
    frame = frame.reindex(columns=[MHT_SHARE, MANF_SHARE_OF_MERCH, MERCH_EXPORTS]).dropna()
    frame["manf"] = frame[MANF_SHARE_OF_MERCH] / 100 * frame[MERCH_EXPORTS]
    frame["mht"] = frame[MHT_SHARE] / 100 * frame["manf"]
    out = frame.groupby(level="year").agg(mht=("mht", "sum"), manf=("manf", "sum"), reporters=("mht", "size"))
    out["mht_share"] = out["mht"] / out["manf"] * 100
    return out[["mht_share", "reporters"]]


def world_mht_share(vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Load and compute :func:`world_mht_share_from_tidy`; empty if the vintage lacks the series."""
    try:
        tidy = load_indicators(
            [MHT_SHARE, MANF_SHARE_OF_MERCH, MERCH_EXPORTS], years=(start_year, end_year), vintage=vintage
        )
    except UnknownIndicatorError:
        return pd.DataFrame(columns=["mht_share", "reporters"])
    return world_mht_share_from_tidy(tidy, economies())


def proxies_by_country(countries: Sequence[str], vintage: str, years: Sequence[int]) -> pd.DataFrame:
    """Per focus economy and year: the medium/high-tech share of manufactured exports and
    exports to labour- and capital-intensive partners (see :func:`labour_intensive_partner_table`)."""
    cepii = load_indicators([CEPII_LABOUR, CEPII_CAPITAL], countries=countries, years=years)
    table = labour_intensive_partner_table(cepii, countries, years)
    try:
        mht = load_indicators([MHT_SHARE], countries=countries, years=years, vintage=vintage)
    except UnknownIndicatorError:
        mht = pd.DataFrame(columns=["iso3", "year", "value"])
    mht = mht.rename(columns={"value": "mht_share_of_manufactured_exports"})[
        ["iso3", "year", "mht_share_of_manufactured_exports"]
    ]
    return table.merge(mht.astype({"year": "int64"}), on=["iso3", "year"], how="left")


def labour_intensive_partner_table(tidy: pd.DataFrame, countries: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """Exports to labour-intensive partners (CEPII via OWID), per focus economy and year.

    ``share_labour_intensive`` = exports to labour-intensive partners / exports to labour- and
    capital-intensive partners x 100 (partners classified by the World Bank's 2016 income
    groups; resource-rich economies excluded by OWID).
    """
    frame = tidy[tidy["iso3"].isin(countries)].pivot_table(
        index=["iso3", "year"], columns="indicator", values="value", aggfunc="first"
    )
    frame = frame.reindex(columns=[CEPII_LABOUR, CEPII_CAPITAL])
    rows = []
    for iso3 in countries:
        for y in years:
            lab, cap = (
                frame.loc[(iso3, y)] if (iso3, y) in frame.index else pd.Series([np.nan, np.nan], index=frame.columns)
            ).to_numpy(dtype=float)
            rows.append(
                {
                    "iso3": iso3,
                    "year": int(y),
                    "exports_to_labour_intensive_pct_gdp": lab,
                    "exports_to_capital_intensive_pct_gdp": cap,
                    "share_labour_intensive": lab / (lab + cap) * 100
                    if np.isfinite(lab + cap) and lab + cap > 0
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# 3. Automation


_EDITION = re.compile(r"(\d{4})")


def _trailing_zeros(value: float) -> int:
    if not np.isfinite(value) or value == 0:
        return 0
    v, k = round(value), 0
    while v % 10 == 0:
        v //= 10
        k += 1
    return k


def robot_series(table: pd.DataFrame, measure: str = "installations", rule: str = "latest") -> pd.DataFrame:
    """One IFR figure per economy and year from the curated table (editions kept side by side).

    Parameters
    ----------
    table : ``load_curated("robot_installations")``.
    measure : ``installations``, ``operational_stock`` or ``robot_density``.
    rule : ``latest`` (default) takes, for each economy and year, the most recent *final*
        World Robotics edition that reports it, i.e. the most revised figure; ``first`` the
        earliest final edition (the figure as first published).

    Returns
    -------
    Frame iso3, geography, year, value, report_edition, preliminary, citation, url.

    Notes
    -----
    Preliminary releases are used only for years no final edition covers (flagged in
    ``preliminary``). Two rows of the same edition (a rounded headline and an exact value,
    or two transcriptions) are resolved by taking the more precise figure (fewer trailing
    zeros), then the first row of the file. Rows without an ISO3 code (regions, sector
    subsets such as US automotive) are left out.
    """
    if rule not in ("latest", "first"):
        raise ValueError(f"rule must be 'latest' or 'first', got {rule!r}")
    rows = table[(table["measure"] == measure) & (table["iso3"].fillna("").str.strip() != "")].copy()
    rows["preliminary"] = rows["report_edition"].str.contains("preliminary", case=False)
    rows["edition_year"] = rows["report_edition"].str.extract(_EDITION, expand=False).astype(float)
    rows["precision"] = -rows["value"].map(_trailing_zeros)
    rows["order"] = np.arange(len(rows))
    edition_key = rows["edition_year"] if rule == "latest" else -rows["edition_year"]
    rows["final"] = ~rows["preliminary"]
    rows["edition_key"] = edition_key
    rows = rows.sort_values(
        ["iso3", "year", "final", "edition_key", "precision", "order"],
        ascending=[True, True, False, False, False, True],
    )
    chosen = rows.groupby(["iso3", "year"], sort=True).head(1)
    cols = ["iso3", "geography", "year", "value", "report_edition", "preliminary", "citation", "url"]
    return chosen[cols].astype({"year": int}).sort_values(["iso3", "year"]).reset_index(drop=True)


def industry_shares_from_tidy(tidy: pd.DataFrame, countries: Sequence[str], common_years: bool = True) -> pd.DataFrame:
    """Industry's share of employment and of value added (%), tidy: iso3, year, measure, value.

    With ``common_years`` only economy-years that have both shares are kept (the ILO
    employment series start in 1991), so the two are always compared over the same years.
    """
    names = {INDUSTRY_EMPLOYMENT: "employment", INDUSTRY_VALUE_ADDED: "value added"}
    rows = tidy[tidy["iso3"].isin(countries) & tidy["indicator"].isin(names)].dropna(subset=["value"]).copy()
    rows["measure"] = rows["indicator"].map(names)
    if common_years:
        both = rows.groupby(["iso3", "year"])["measure"].transform("nunique") == 2
        rows = rows[both]
    return rows[["iso3", "year", "measure", "value"]].sort_values(["iso3", "measure", "year"]).reset_index(drop=True)


def industry_shares(countries: Sequence[str], vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Load and tidy :func:`industry_shares_from_tidy` (ILO modelled employment via Gapminder)."""
    tidy = load_indicators(
        [INDUSTRY_EMPLOYMENT, INDUSTRY_VALUE_ADDED], countries=countries, years=(start_year, end_year), vintage=vintage
    )
    return industry_shares_from_tidy(tidy, countries)


PATTERNS = {
    "stable_output": "employment share falls, output share does not",
    "faster": "both fall, employment share faster",
    "similar": "both fall at a similar pace",
    "output_faster": "both fall, output share faster",
    "rising": "employment share rises",
    "unclear": "no clear trend in the employment share",
}


def classify_industry_pattern(emp: TrendFit, va: TrendFit, gap: TrendFit) -> str:
    """Words for a pair of trends: does industry's employment share fall while output holds up?

    ``gap`` is the trend of (employment share - value-added share). A 95 % CI entirely below
    zero counts as falling, entirely above as rising:

    - employment falls, value added does not: the labour-saving signature the text expects
      (capital replacing labour at a stable output share);
    - both fall and the gap falls: employment share falls faster than output share (still
      labour-saving relative to output, amid de-industrialisation);
    - both fall and the gap's CI spans zero: a similar pace;
    - both fall and the gap rises: output share falls faster;
    - employment share rising; otherwise no clear trend.
    """
    if emp.ci_high < 0 and va.ci_high >= 0:
        return PATTERNS["stable_output"]
    if emp.ci_high < 0:
        if gap.ci_high < 0:
            return PATTERNS["faster"]
        return PATTERNS["output_faster"] if gap.ci_low > 0 else PATTERNS["similar"]
    if emp.ci_low > 0:
        return PATTERNS["rising"]
    return PATTERNS["unclear"]


def industry_trend_table(shares: pd.DataFrame, countries: Sequence[str], start_year: int | None = None) -> pd.DataFrame:
    """Per economy: OLS trend (bootstrap CI) of industry's employment share and value-added share.

    Both series are restricted to the years they have in common (employment starts in
    1991). Slopes are percentage points per year; ``gap`` is the trend of employment share
    minus value-added share (negative: employment share falls faster). See
    :func:`classify_industry_pattern` for ``pattern``.
    """
    rows = []
    for iso3 in countries:
        sub = shares[shares["iso3"] == iso3].pivot_table(
            index="year", columns="measure", values="value", aggfunc="first"
        )
        if start_year is not None:
            sub = sub[sub.index >= start_year]
        sub = sub.reindex(columns=["employment", "value added"]).dropna()
        if len(sub) < 5:
            rows.append({"iso3": iso3, "n": len(sub), "pattern": "too few data"})
            continue
        emp = ols_trend(sub.index, sub["employment"])
        va = ols_trend(sub.index, sub["value added"])
        gap = ols_trend(sub.index, sub["employment"] - sub["value added"])
        rows.append(
            {
                "iso3": iso3,
                "start": emp.start,
                "end": emp.end,
                "n": emp.n,
                "employment_slope": emp.slope,
                "employment_ci_low": emp.ci_low,
                "employment_ci_high": emp.ci_high,
                "value_added_slope": va.slope,
                "value_added_ci_low": va.ci_low,
                "value_added_ci_high": va.ci_high,
                "gap_slope": gap.slope,
                "gap_ci_low": gap.ci_low,
                "gap_ci_high": gap.ci_high,
                "employment_first": float(sub["employment"].iloc[0]),
                "employment_last": float(sub["employment"].iloc[-1]),
                "value_added_first": float(sub["value added"].iloc[0]),
                "value_added_last": float(sub["value added"].iloc[-1]),
                "pattern": classify_industry_pattern(emp, va, gap),
            }
        )
    return pd.DataFrame(rows)


def industry_employment_counts(
    tidy: pd.DataFrame, income: pd.Series, groups: dict[str, Sequence[str]], years: tuple[int, int]
) -> pd.DataFrame:
    """Persons employed in industry, summed over economies of each group, in two years.

    Parameters
    ----------
    tidy : rows of Gapminder ``industry_workers_percent_of_employment`` (ILO modelled, %),
        ``SL.TLF.TOTL.IN`` (labour force) and ``SL.UEM.TOTL.ZS`` (unemployment, %).
    income : World Bank income group by ISO3 code.
    groups : group label -> income group names.
    years : (start, end).

    Notes
    -----
    Workers = share / 100 x labour force x (1 - unemployment / 100). A balanced panel: only
    economies with all three series in both years count, so the change is not driven by
    economies entering or leaving the data. ILO "industry" includes mining, utilities and
    construction, so this is a proxy for manufacturing employment.
    """
    w = tidy.pivot_table(index=["iso3", "year"], columns="indicator", values="value", aggfunc="first")
    needed = ["industry_workers_percent_of_employment", "SL.TLF.TOTL.IN", "SL.UEM.TOTL.ZS"]
    w = w.reindex(columns=needed).dropna()
    w["workers"] = w[needed[0]] / 100 * w[needed[1]] * (1 - w[needed[2]] / 100)
    w = w.reset_index()
    w = w[w["year"].isin(years)]
    complete = w.groupby("iso3")["year"].nunique()
    w = w[w["iso3"].isin(complete[complete == len(set(years))].index)]
    w["income"] = w["iso3"].map(income)
    rows = []
    for label, names in groups.items():
        sub = w[w["income"].isin(names)]
        a = float(sub.loc[sub["year"] == years[0], "workers"].sum())
        b = float(sub.loc[sub["year"] == years[1], "workers"].sum())
        rows.append(
            {
                "group": label,
                "economies": int(sub["iso3"].nunique()),
                "start": a,
                "end": b,
                "change_pct": (b / a - 1) * 100 if a > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# 4. Investment


def share_of_gdp_from_tidy(
    tidy: pd.DataFrame, numerator: str, groups: Sequence[str], denominator: str = GDP_USD
) -> pd.DataFrame:
    """``numerator`` (US$) / ``denominator`` (US$) x 100 per entity (columns) and year (index)."""
    w = tidy[tidy["iso3"].isin(groups)].pivot_table(
        index=["year"], columns=["indicator", "iso3"], values="value", aggfunc="first"
    )
    if numerator not in w.columns.get_level_values(0) or denominator not in w.columns.get_level_values(0):
        return pd.DataFrame(columns=list(groups), dtype=float)
    out = w[numerator].div(w[denominator]) * 100
    return out.reindex(columns=[g for g in groups if g in out.columns]).dropna(how="all").rename_axis(columns=None)


def fdi_inflows_share(groups: Sequence[str], vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """FDI net inflows (BX.KLT.DINV.CD.WD) as % of GDP (NY.GDP.MKTP.CD) by group and year."""
    tidy = load_indicators([FDI_INFLOWS, GDP_USD], countries=groups, years=(start_year, end_year), vintage=vintage)
    return share_of_gdp_from_tidy(tidy, FDI_INFLOWS, groups)


def percent_change(series: pd.Series, start: int, end: int) -> float:
    """(value in ``end`` / value in ``start`` - 1) x 100; NaN if a year is missing."""
    if start not in series.index or end not in series.index or series.loc[start] == 0:
        return float("nan")
    return float((series.loc[end] / series.loc[start] - 1) * 100)


# ---------------------------------------------------------------------------------------
# 5. Concentration of receipts for intellectual property (and ICT services)


def concentration_by_year(
    tidy: pd.DataFrame, economies: Iterable[str], *, top_n: int = 5, min_coverage: float = 0.8, min_reporters: int = 0
) -> pd.DataFrame:
    """Top-``top_n`` share and Herfindahl-Hirschman index of a flow across economies, by year.

    Parameters
    ----------
    tidy : rows of one indicator (e.g. BX.GSR.ROYL.CD, current US$).
    economies : ISO3 codes of economies (aggregates must be excluded, or they would be
        counted as economies).
    top_n : size of the leading group.
    min_coverage : a year is kept only if at least this fraction of the largest number of
        reporters in any earlier year reports (drops incomplete latest years).
    min_reporters : a year is kept only if at least this many economies report (drops early
        years in which a handful of reporters would look like extreme concentration).

    Returns
    -------
    Frame indexed by year: reporters, total (US$), top_share (%), hhi (0-10,000), top
    (the leading economies, largest first), kept (coverage rule).

    Notes
    -----
    With shares :math:`s_i = x_i / \\sum_j x_j` (negative values set to zero),
    :math:`HHI = 10\\,000 \\sum_i s_i^2` (Herfindahl 1950; Hirschman 1964); 10,000 means one
    economy receives everything, :math:`10\\,000/N` is an even split over N economies.
    Shares are of the reporting economies' total, so a year with few reporters looks more
    concentrated than it is: compare years with similar coverage.
    """
    rows = tidy[tidy["iso3"].isin(set(economies))].dropna(subset=["value"])
    out = []
    max_so_far = 0
    for year, g in rows.groupby("year", sort=True):
        x = g.set_index("iso3")["value"].clip(lower=0).sort_values(ascending=False, kind="stable")
        total = float(x.sum())
        if total <= 0:
            continue
        s = x / total
        n = int((x > 0).sum())
        kept = n >= min_coverage * max_so_far and n >= min_reporters
        max_so_far = max(max_so_far, n)
        out.append(
            {
                "year": int(year),
                "reporters": n,
                "total": total,
                "top_share": float(s.head(top_n).sum() * 100),
                "hhi": float((s**2).sum() * 10_000),
                "top": ", ".join(x.head(top_n).index),
                "kept": kept,
            }
        )
    return (
        pd.DataFrame(out).set_index("year")
        if out
        else pd.DataFrame(columns=["reporters", "total", "top_share", "hhi", "top", "kept"])
    )


def economies(vintage: str | None = None) -> list[str]:
    """ISO3 codes of economies (no aggregates) in the entity table."""
    return load_entities(include_aggregates=False)["iso3"].tolist()


#: Fewest reporting economies for a year of the concentration measures (reached in 1990 for
#: receipts for intellectual property and in 2000 for ICT service exports).
MIN_REPORTERS = 40


def receipts_concentration(code: str, vintage: str, start_year: int, end_year: int, top_n: int = 5) -> pd.DataFrame:
    """:func:`concentration_by_year` of ``code`` over all economies (aggregates excluded).

    Years with fewer than :data:`MIN_REPORTERS` reporting economies, or with under 80 % of
    the largest earlier number of reporters (an incomplete latest year), are dropped.
    """
    tidy = load_indicators([code], years=(start_year, end_year), vintage=vintage)
    table = concentration_by_year(tidy, economies(), top_n=top_n, min_reporters=MIN_REPORTERS)
    return table[table["kept"]].drop(columns="kept")


def group_share_from_tidy(tidy: pd.DataFrame, code: str, group: str, world: str = "WLD") -> pd.Series:
    """``group`` aggregate / ``world`` aggregate of ``code`` x 100, by year."""
    w = tidy[tidy["indicator"] == code].pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    if group not in w or world not in w:
        return pd.Series(dtype=float, name=group)
    return (w[group] / w[world] * 100).dropna().rename(group)


# ---------------------------------------------------------------------------------------
# 6. Developing economies


def developing_shares(vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Low- and middle-income economies' shares of world exports (%), by year.

    Columns: ``merchandise`` (LMY / WLD of TX.VAL.MRCH.CD.WT), ``merchandise_ex_china``
    ((LMY - CHN) / WLD), ``high_tech`` (LMY / WLD of TX.VAL.TECH.CD; the 2026 WDI series
    starts in 2007 on a new definition and its LMY aggregate in 2012; older vintages use the
    SITC-based definition: never compare levels across the two) and ``sdg_developing``
    (UN SDG TX_EXP_GBMRCH, developing regions M49 515, 2000-2018; a different grouping).
    """
    tidy = load_indicators(
        [MERCH_EXPORTS, HIGHTECH_EXPORTS],
        countries=["WLD", "LMY", "CHN"],
        years=(start_year, end_year),
        vintage=vintage,
    )
    return developing_shares_from_tidy(
        tidy, load_indicators([SDG_DEVELOPING_EXPORT_SHARE], countries=[SDG_DEVELOPING], years=(start_year, end_year))
    )


def developing_shares_from_tidy(tidy: pd.DataFrame, sdg: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pure part of :func:`developing_shares`."""
    merch = tidy[tidy["indicator"] == MERCH_EXPORTS].pivot_table(
        index="year", columns="iso3", values="value", aggfunc="first"
    )
    tech = tidy[tidy["indicator"] == HIGHTECH_EXPORTS].pivot_table(
        index="year", columns="iso3", values="value", aggfunc="first"
    )
    out = pd.DataFrame(index=sorted(set(merch.index) | set(tech.index)))
    if {"LMY", "WLD"} <= set(merch.columns):
        out["merchandise"] = merch["LMY"] / merch["WLD"] * 100
        if "CHN" in merch:
            out["merchandise_ex_china"] = (merch["LMY"] - merch["CHN"]) / merch["WLD"] * 100
    if {"LMY", "WLD"} <= set(tech.columns):
        out["high_tech"] = tech["LMY"] / tech["WLD"] * 100
    if sdg is not None and not sdg.empty:
        out["sdg_developing"] = sdg.set_index("year")["value"]
    out.index.name = "year"
    return out.dropna(how="all")


def catch_up_table(shares: pd.DataFrame, break_year: int, labels: dict[str, str]) -> pd.DataFrame:
    """Trend of each share before and after ``break_year``: the difference of slopes, with CI.

    Uses :func:`chow_break_test` (separate level and slope per regime, bootstrap CIs); a
    negative ``slope_change`` whose CI lies below zero means the catch-up slowed.
    """
    rows = []
    for column, label in labels.items():
        if column not in shares:
            continue
        s = shares[column].dropna()
        if len(s) == 0:
            continue
        start, end = int(s.index.min()), int(s.index.max())
        try:
            res = chow_break_test(s.index, s.to_numpy(), break_year)
        except ValueError:
            rows.append(
                {
                    "series": label,
                    "start": start,
                    "end": end,
                    "note": f"not testable: the series covers only {start}-{end}",
                }
            )
            continue
        rows.append(
            {
                "series": label,
                "start": start,
                "end": end,
                "n_pre": res.n_pre,
                "n_post": res.n_post,
                "pre_slope": res.pre_slope,
                "pre_ci_low": res.pre_slope_ci[0],
                "pre_ci_high": res.pre_slope_ci[1],
                "post_slope": res.post_slope,
                "post_ci_low": res.post_slope_ci[0],
                "post_ci_high": res.post_slope_ci[1],
                "slope_change": res.slope_change,
                "change_ci_low": res.slope_change_ci[0],
                "change_ci_high": res.slope_change_ci[1],
                "chow_p_bootstrap": res.boot_pvalue,
                "slowed": bool(res.slope_change_ci[1] < 0),
                "note": "",
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# Parameters


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell)."""
    check_vintage(params["vintage"])
    check_year_range(params["start_year"], params["end_year"])
    check_countries(params["countries"], allow_aggregates=False)
    start, end, brk = params["start_year"], params["end_year"], params["break_year"]
    if not start + 5 <= brk <= end - 3:
        raise ParameterError(
            f"parameter 'break_year' ({brk}) must leave at least 6 years before it and 3 after it within start_year ({start}) and end_year ({end})"
        )
    candidates = list(params["candidate_breaks"])
    if not candidates:
        raise ParameterError("parameter 'candidate_breaks' needs at least one year")
    outside = [c for c in candidates if not start < c < end]
    if outside:
        raise ParameterError(
            f"parameter 'candidate_breaks' has years outside start_year-end_year ({start}-{end}): {outside}"
        )
    if len(set(candidates)) != len(candidates):
        raise ParameterError(f"parameter 'candidate_breaks' lists a year twice: {candidates}")


# ---------------------------------------------------------------------------------------
# Names and phrases for the text


def country_names(codes: Iterable[str], prose: bool = False) -> dict[str, str]:
    """Entity code -> name for legends and tables, or (``prose``) as it reads in a sentence.

    The book's naming rules live in :mod:`imtrade.chapters.trade_patterns` ('Republic of
    Korea' in a legend, 'the United States' in a sentence); this chapter uses the same.
    """
    from imtrade.chapters.trade_patterns import display_names, prose_names

    return (prose_names if prose else display_names)(list(codes))


def fmt_ci(low: float, high: float, fmt: str = "{:+.2f}") -> str:
    """'95 % CI a to b' with the given number format."""
    return f"95 % CI {fmt.format(low)} to {fmt.format(high)}"


def fmt_p(p: float, equals: bool = True) -> str:
    """A p-value for prose: '< 0.001' or '= 0.042' (without '= ' if ``equals`` is false)."""
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}" if equals else f"{p:.3f}"


def _sign_reading(low: float, high: float) -> str:
    if low > 0:
        return "positive, with a confidence interval above zero"
    if high < 0:
        return "negative, with a confidence interval below zero"
    return "not distinguishable from zero at the 95 % level"


def describe_break(
    prefix: str, summary: dict[str, Any], fmt: str = "{:+.2f}", level_fmt: str = "{:.1f}"
) -> dict[str, str]:
    """Glue-ready phrases and numbers for one :func:`break_summary` (keys start with ``prefix``).

    Every phrase that depends on the result (rejects / does not reject, recovered or not)
    is built here so the chapter's prose follows the data and the parameters.
    """
    chow, scan, trend, rec = summary["chow"], summary["scan"], summary["trend"], summary["recovery"]
    crit = scan.critical_values[0.05]
    dropped = [c for c in scan.dropped]
    out = {
        "pre_slope": fmt.format(chow.pre_slope),
        "pre_ci": fmt_ci(*chow.pre_slope_ci, fmt=fmt),
        "post_slope": fmt.format(chow.post_slope),
        "post_ci": fmt_ci(*chow.post_slope_ci, fmt=fmt),
        "post_reading": _sign_reading(*chow.post_slope_ci),
        "change": fmt.format(chow.slope_change),
        "change_ci": fmt_ci(*chow.slope_change_ci, fmt=fmt),
        "n": str(chow.n),
        "n_pre": str(chow.n_pre),
        "n_post": str(chow.n_post),
        "reps": f"{BOOT_REPS:,}",
        "chow_f": f"{chow.f_stat:.1f}",
        "chow_p": fmt_p(chow.boot_pvalue),
        "chow_p_classical": fmt_p(chow.f_pvalue, equals=False),
        "chow_decision": "rejects" if chow.boot_pvalue < 0.05 else "does not reject",
        "rho": f"{chow.rho:.2f}",
        "supf": f"{scan.sup_f:.1f}",
        "supf_year": str(scan.sup_f_year),
        "supf_crit": f"{crit:.2f}",
        "supf_boot_crit": f"{scan.boot_critical_5pct:.1f}",
        "supf_p": fmt_p(scan.boot_pvalue),
        "supf_decision": (
            "so the data reject a stable trend" if scan.reject_5pct else "so the data do not reject a stable trend"
        ),
        "ls_break": str(scan.sup_f_year),
        "ls_vs_break": (
            "the same year as the break year tested above"
            if scan.sup_f_year == chow.break_year
            else f"not the break year tested above ({chow.break_year})"
        ),
        "searched": ", ".join(str(c) for c in scan.table["candidate"]),
        "dropped": (
            f" ({', '.join(map(str, dropped))} fell outside the trimmed range and {'was' if len(dropped) == 1 else 'were'} not searched)"
            if dropped
            else ""
        ),
        "kink_post": fmt.format(trend.post_slope),
        "kink_post_ci": fmt_ci(*trend.post_slope_ci, fmt=fmt),
        "kink_reading": _sign_reading(*trend.post_slope_ci),
        "kink_pre": fmt.format(trend.pre_slope),
        "kink_pre_ci": fmt_ci(*trend.pre_slope_ci, fmt=fmt),
        "break_value": level_fmt.format(rec.break_value),
        "latest_year": str(rec.latest_year),
        "latest_value": level_fmt.format(rec.latest_value),
        "max_after": level_fmt.format(rec.max_after),
        "max_after_year": str(rec.max_after_year),
        "recovered": "has regained" if rec.recovered else "has not regained",
        "first_year": str(int(trend.fitted["year"].min())),
        "last_year": str(int(trend.fitted["year"].max())),
    }
    return {f"{prefix}_{k}": v for k, v in out.items()}


def describe_robot_countries(installations: pd.DataFrame, countries: Sequence[str], names: dict[str, str]) -> str:
    """Latest IFR installations of each focus economy, and which economies have no figures."""
    from imtrade.show.tables import join_names

    with_data = [c for c in countries if c in set(installations["iso3"])]
    without = [c for c in countries if c not in with_data]
    latest = (
        installations[installations["iso3"].isin(with_data)]
        .sort_values("year")
        .groupby("iso3")
        .tail(1)
        .set_index("iso3")
    )
    parts = [
        f"{names.get(c, c)} installed {latest.loc[c, 'value'] / 1000:.0f} thousand ({int(latest.loc[c, 'year'])})"
        for c in with_data
    ]
    text = f"In the latest year with a figure, {join_names(parts)}." if parts else ""
    if without:
        text += f" The curated table has no IFR figures for {join_names([names.get(c, c) for c in without])}."
    return text.strip()


def describe_industry(trends: pd.DataFrame, names: dict[str, str]) -> dict[str, str]:
    """Phrases for the industry section: patterns by economy, the signature count, an example."""
    from imtrade.show.tables import join_names

    ok = trends[trends["pattern"] != "too few data"]
    if ok.empty:
        return {"ind_patterns": "no focus economy has enough data", "ind_signature": "", "ind_example": ""}
    by_pattern = ok.groupby("pattern", sort=False)["iso3"].apply(list)
    patterns = "; ".join(f"{p}: {join_names([names.get(c, c) for c in cs])}" for p, cs in by_pattern.items())
    signature = {PATTERNS["stable_output"], PATTERNS["faster"]}
    hits = ok.loc[ok["pattern"].isin(signature), "iso3"].tolist()
    if hits:
        sig = f"The pattern the text predicts, an employment share falling faster than the output share, shows in {join_names([names.get(c, c) for c in hits])}"
    else:
        sig = "None of the focus economies shows an employment share falling faster than its output share"
    sig += f" ({len(hits)} of {len(ok)})."
    r = ok.iloc[0]
    example = (
        f"In {names.get(r['iso3'], r['iso3'])}, industry's share of employment moved from {r['employment_first']:.1f} % ({int(r['start'])}) to "
        f"{r['employment_last']:.1f} % ({int(r['end'])}), a trend of {r['employment_slope']:+.2f} pp a year "
        f"({fmt_ci(r['employment_ci_low'], r['employment_ci_high'])}, N = {int(r['n'])}), while its share of value added moved from "
        f"{r['value_added_first']:.1f} % to {r['value_added_last']:.1f} % ({r['value_added_slope']:+.2f} pp a year, "
        f"{fmt_ci(r['value_added_ci_low'], r['value_added_ci_high'])})."
    )
    return {"ind_patterns": patterns, "ind_signature": sig, "ind_example": example}


def describe_high_tech_share(shares: pd.DataFrame, break_year: int) -> str:
    """A sentence on the LMY share of high-tech exports that respects its definition break."""
    ht = shares["high_tech"].dropna() if "high_tech" in shares else pd.Series(dtype=float)
    if ht.empty:
        return "High-technology exports of the income group are not available in this vintage."
    first, last = int(ht.index[0]), int(ht.index[-1])
    text = f"Their share of world high-technology exports went from {ht.iloc[0]:.1f} % ({first}) to {ht.iloc[-1]:.1f} % ({last})"
    if first > break_year - 3:
        return (
            text
            + f"; the income-group series on the current (post-2007) definition is too short to test a break at {break_year}."
        )
    return (
        text
        + "; in this vintage the series uses the older SITC-based definition of high technology, not comparable with the current one."
    )


def describe_openness_match(
    measures: pd.DataFrame, openness: pd.DataFrame, *, year: int = 2007, threshold: float = 30.0
) -> dict[str, str]:
    """Which measure matches the text, and where the matching measure stands in ``year``."""
    table = measures.set_index("measure")
    matching = table.index[table["about_20_in_1990s"].fillna(False).astype(bool)].tolist()
    avg = openness["trade_mean"].dropna()
    value = float(avg.get(year, np.nan))
    above = avg[avg > threshold]
    if not matching:
        return {
            "open_match": "No measure averages about 20 % of GDP in the 1990s in this vintage, so none matches the text's starting point."
        }
    text = "Only the average of exports and imports (or either flow on its own) matches the text's “about 20 % in the 1990s”"
    if np.isnan(value):
        return {"open_match": text + f"; this vintage has no value for {year}."}
    if value > threshold:
        text += f", and in this vintage it is above the {threshold:g} % the text gives for {year} ({value:.1f} %)."
    else:
        text += f"; in this vintage it stays {'just ' if value > threshold - 2 else ''}under the {threshold:g} % the text gives for {year} ({value:.1f} %)"
        text += (
            f" and first passed {threshold:g} % in {int(above.index.min())}."
            if len(above)
            else f" and never passed {threshold:g} %."
        )
    return {"open_match": text}


def describe_mht(mht: pd.DataFrame, years: Sequence[int] = (1995, 2008)) -> str:
    """A sentence on the world medium/high-tech share of manufactured exports."""
    if mht.empty or not set(years) <= set(mht.index):
        return "The medium/high-technology share of manufactured exports (TX.MNF.TECH.ZS.UN) is not available for this vintage."
    a, b, c = (
        float(mht["mht_share"].loc[years[0]]),
        float(mht["mht_share"].loc[years[1]]),
        float(mht["mht_share"].iloc[-1]),
    )
    last = int(mht.index.max())
    moves = max(abs(b - a), abs(c - b))
    reading = (
        "it changed by less than 3 points in either period, so the product mix that value chains carry most neither gained "
        "share during hyper-globalisation nor lost it afterwards"
        if moves < 3
        else f"it moved by {b - a:+.1f} points to {years[1]} and {c - b:+.1f} points after"
    )
    return (
        f"Across the {int(mht['reporters'].median())} or so economies that report it, medium- and high-technology goods made up "
        f"{a:.1f} % of manufactured exports in {years[0]}, {b:.1f} % in {years[1]} and {c:.1f} % in {last} (weighted by manufactured "
        f"exports): {reading}."
    )


def describe_gvc(comparison: pd.DataFrame) -> dict[str, str]:
    """Phrases comparing the quoted GVC rates with the proxies, indexed to the first year."""
    base = int(comparison["year"].min())
    idx = comparison.set_index(["series", "year"])[f"index_{base}_100"]

    def get(series: str, year: int) -> float:
        return float(idx.get((series, year), np.nan))

    trade_q, prod_q = "GVC participation, trade-based (quoted)", "GVC participation, production-based (quoted)"
    trade_p, merch_p = "Proxy: world trade, (X + M)/2 % of GDP", "Proxy: world merchandise trade % of GDP"
    values = {
        "trade_08": get(trade_q, 2008),
        "prod_08": get(prod_q, 2008),
        "proxy_08": get(trade_p, 2008),
        "merch_08": get(merch_p, 2008),
        "trade_20": get(trade_q, 2020),
        "proxy_20": get(trade_p, 2020),
    }
    out = {f"gvc_{k}": ("n/a" if np.isnan(v) else f"{v:.0f}") for k, v in values.items()}
    if np.isnan(values["proxy_08"]):
        out["gvc_sentence"] = f"The proxies are not available for {base} and 2008 in this vintage."
        return out
    text = (
        f"Indexed to {base}, the quoted trade-based rate reaches {out['gvc_trade_08']} in 2008 and the production-based rate "
        f"{out['gvc_prod_08']}; world trade intensity reaches {out['gvc_proxy_08']} and merchandise trade {out['gvc_merch_08']}."
    )
    if not np.isnan(values["proxy_20"]):
        text += (
            f" By 2020, a pandemic year, the quoted trade-based rate is at {out['gvc_trade_20']} and the trade-intensity proxy at "
            f"{out['gvc_proxy_20']}."
        )
        same = (values["proxy_08"] > 100) == (values["trade_08"] > 100) and (
            values["proxy_20"] < values["proxy_08"]
        ) == (values["trade_20"] < values["trade_08"])
        text += (
            " The gross-trade proxies move in the same directions as the quoted figures"
            if same
            else " The gross-trade proxies do not move in the same directions as the quoted figures"
        )
        text += "; the levels of the quoted figures remain unverified."
    else:
        text += " This vintage ends before 2020, so the later fall cannot be compared."
    out["gvc_sentence"] = text
    return out


def describe_concentration(
    royalties: pd.DataFrame, break_year: int, hic_share: pd.Series, ict: pd.DataFrame | None = None
) -> dict[str, str]:
    """Phrases on the concentration of receipts for intellectual property (and ICT services)."""
    first, last = int(royalties.index.min()), int(royalties.index.max())
    top_last = float(royalties.loc[last, "top_share"])
    ref = break_year if break_year in royalties.index else first
    top_ref = float(royalties.loc[ref, "top_share"])
    hic = float(hic_share.get(last, np.nan))
    rich = (
        f"high-income economies as a group received {hic:.1f} % of world receipts"
        if np.isfinite(hic)
        else "the high-income aggregate is not available"
    )
    if top_last < top_ref - 1:
        trend = f"but **less** concentrated than in {ref} ({top_ref:.1f} % for the top five): the data do not show concentration rising since then"
        head = "Digital value is concentrated, but not increasingly so."
    elif top_last > top_ref + 1:
        trend = f"and **more** concentrated than in {ref} ({top_ref:.1f} % for the top five)"
        head = "Digital value is concentrated, and increasingly so."
    else:
        trend = f"about as concentrated as in {ref} ({top_ref:.1f} % for the top five)"
        head = "Digital value is concentrated, and stably so."
    ict_sentence = ""
    if ict is not None and not ict.empty:
        i1 = int(ict.index.max())
        share, hhi = float(ict.loc[i1, "top_share"]), float(ict.loc[i1, "hhi"])
        level = "less" if share < top_last - 5 else "more" if share > top_last + 5 else "about as"
        ict_sentence = f"ICT service exports, a second trace of digital activity, are {level} concentrated: the top five held {share:.1f} % in {i1} (HHI {hhi:,.0f})"
        if ref in ict.index:
            before = float(ict.loc[ref, "top_share"])
            ict_sentence += f", {'up' if share > before else 'down'} from {before:.1f} % in {ref}"
        names = country_names(ict.loc[i1, "top"].split(", "), prose=True)
        from imtrade.show.tables import join_names

        ict_sentence += f"; the leaders were {join_names(names.values())}."
    return {
        "con_rich": rich,
        "con_trend": trend,
        "con_head": head,
        "con_first_year": str(first),
        "con_last_year": str(last),
        "con_ict_sentence": ict_sentence,
    }


def describe_catch_up(
    catch: pd.DataFrame, labels: dict[str, str], break_year: int, late_label: str, shares: pd.DataFrame | None = None
) -> dict[str, str]:
    """Phrases on developing economies' catch-up before and after ``break_year``.

    ``labels`` maps the columns of :func:`developing_shares` to the series names used in
    ``catch`` (:func:`catch_up_table`); ``late_label`` names the low- and middle-income row
    estimated from 2000 only; ``shares`` (:func:`developing_shares`) gives China's part of the
    change in the share.
    """
    c = catch.set_index("series")

    def reading(row) -> str:
        if row["change_ci_high"] < 0:
            return "slowed"
        return "accelerated" if row["change_ci_low"] > 0 else "neither clearly slowed nor accelerated"

    m = c.loc[labels["merchandise"]]
    out = {
        "dev_pre": f"{m['pre_slope']:+.2f}",
        "dev_pre_ci": fmt_ci(m["pre_ci_low"], m["pre_ci_high"]),
        "dev_post": f"{m['post_slope']:+.2f}",
        "dev_post_ci": fmt_ci(m["post_ci_low"], m["post_ci_high"]),
        "dev_change": f"{m['slope_change']:+.2f}",
        "dev_change_ci": fmt_ci(m["change_ci_low"], m["change_ci_high"]),
        "dev_reading": reading(m),
        "dev_span": f"{int(m['start'])}–{int(m['end'])}",
    }
    exc = c.loc[labels["merchandise_ex_china"]] if labels["merchandise_ex_china"] in c.index else None
    text = ""
    if exc is not None and pd.notna(exc.get("slope_change")):
        text = (
            f"Without China the share's trend was {exc['pre_slope']:+.2f} pp a year before and {exc['post_slope']:+.2f} pp after "
            f"(difference {exc['slope_change']:+.2f}, {fmt_ci(exc['change_ci_low'], exc['change_ci_high'])})."
        )
        if shares is not None and {"merchandise", "merchandise_ex_china"} <= set(shares.columns):
            both = shares[["merchandise", "merchandise_ex_china"]].dropna()
            total = float(both["merchandise"].iloc[-1] - both["merchandise"].iloc[0])
            china = total - float(both["merchandise_ex_china"].iloc[-1] - both["merchandise_ex_china"].iloc[0])
            text += (
                f" Of the {total:+.1f}-point change in the share between {int(both.index[0])} and {int(both.index[-1])}, "
                f"{china:+.1f} points are China's."
            )
    out["dev_exc_sentence"] = text
    names = {late_label: "low- and middle-income economies", labels["sdg_developing"]: "the UN's developing regions"}
    late = [(label, c.loc[label]) for label in names if label in c.index and pd.notna(c.loc[label].get("slope_change"))]
    if late:
        parts = [
            f"for {names[label]} ({int(r['start'])}–{int(r['end'])}) the slope went from {r['pre_slope']:+.2f} to {r['post_slope']:+.2f} pp "
            f"a year (difference {r['slope_change']:+.2f}, {fmt_ci(r['change_ci_low'], r['change_ci_high'])})"
            for label, r in late
        ]
        late_readings = sorted({reading(r) for _, r in late})
        out["dev_window_sentence"] = "Measured from 2000 only, " + "; ".join(parts) + "."
        if late_readings != [out["dev_reading"]]:
            out["dev_baseline"] = (
                "The answer depends on the baseline: against the long run the catch-up "
                f"{out['dev_reading']}; against the boom years of the 2000s it {' or '.join(late_readings)}."
            )
        else:
            out["dev_baseline"] = f"Both baselines give the same answer: the catch-up {out['dev_reading']}."
    else:
        out["dev_window_sentence"], out["dev_baseline"] = "", ""
    out["dev_head"] = {
        "slowed": "Developing economies' export catch-up slowed.",
        "accelerated": "Developing economies kept gaining export share.",
    }.get(out["dev_reading"], "Developing economies' export catch-up did not clearly change.")
    return out


def describe_headlines(
    open_breaks: dict[str, Any], fdi_breaks: dict[str, Any], installations: pd.DataFrame
) -> dict[str, str]:
    """Result-dependent headlines for the closing section."""
    chow = open_breaks["chow"]
    flatter = chow.post_slope < chow.pre_slope
    if chow.boot_pvalue < 0.05:
        open_head = (
            f"The trend of world trade relative to GDP flattened after {chow.break_year}."
            if flatter
            else f"The trend of world trade relative to GDP changed after {chow.break_year}, but did not flatten."
        )
    elif flatter:
        open_head = (
            f"World trade relative to GDP has grown more slowly since {chow.break_year}, but the break is not "
            "statistically distinguishable from a long swing."
        )
    else:
        open_head = f"The data show no slowdown of world trade relative to GDP after {chow.break_year}."
    frec = fdi_breaks["recovery"]
    fdi_head = (
        "Investment fell and has not come back." if not frec.recovered else "Investment fell but has since recovered."
    )
    world = installations[installations["iso3"] == "WLD"].sort_values("year")
    if len(world) >= 2:
        ratio = world["value"].iloc[-1] / world["value"].iloc[0]
        years = int(world["year"].iloc[-1] - world["year"].iloc[0])
        rob = f"World robot installations grew {ratio:.1f}-fold in {years} years"
    else:
        rob = "World robot installations are not available"
    return {"head_open": open_head, "head_fdi": fdi_head, "head_robots": rob}


def display_industry_table(trends: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The industry trend table for the page: slopes with their CIs as text, years as text."""
    ok = trends[trends["pattern"] != "too few data"]

    def cell(row, key: str) -> str:
        return f"{row[f'{key}_slope']:+.2f} ({row[f'{key}_ci_low']:+.2f} to {row[f'{key}_ci_high']:+.2f})"

    return pd.DataFrame(
        {
            "Economy": ok["iso3"].map(names),
            "Years": [f"{int(a)}–{int(b)}" for a, b in zip(ok["start"], ok["end"], strict=True)],
            "N": ok["n"].astype(int).astype(str),
            "Employment share, pp/yr (95 % CI)": [cell(r, "employment") for _, r in ok.iterrows()],
            "Value-added share, pp/yr (95 % CI)": [cell(r, "value_added") for _, r in ok.iterrows()],
            "Difference, pp/yr (95 % CI)": [cell(r, "gap") for _, r in ok.iterrows()],
            "Pattern": ok["pattern"],
        }
    )


def display_proxies_table(partners: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The per-economy proxy table for the page: one row per economy, two header rows
    (measure, then year)."""
    order = list(partners["iso3"].drop_duplicates())
    years = sorted(int(y) for y in partners["year"].unique())
    indexed = partners.set_index(["iso3", "year"])
    columns = {("", "Economy"): [names.get(c, c) for c in order]}
    for measure, label in (
        ("mht_share_of_manufactured_exports", "Medium/high-tech, % of manufactured exports"),
        ("share_labour_intensive", "To labour-intensive partners, % of exports to both groups"),
    ):
        for year in years:
            columns[(label, str(year))] = [float(indexed[measure].get((c, year), np.nan)) for c in order]
    out = pd.DataFrame(columns)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


# ---------------------------------------------------------------------------------------
# Figures (the notebook adds the source line and shows them)


def _styles(codes: Sequence[str]) -> dict[str, dict]:
    from imtrade.show.figures import country_styles

    return country_styles(codes, benchmark=("WLD",))


def figure_openness(
    openness: pd.DataFrame, pwt: pd.Series | None, break_year: int, *, decade=(1990, 1999), claim_year: int = 2007
):
    """World trade as % of GDP on three definitions, with the text's two figures marked."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, mark_year

    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    ax.plot(openness.index, openness["trade_mean"], color=OKABE_ITO[0], lw=2.2, label="(exports + imports) / 2, WDI")
    ax.plot(openness.index, openness["trade"], color=OKABE_ITO[1], ls="--", lw=1.8, label="exports + imports, WDI")
    if "merchandise_trade" in openness:
        ax.plot(
            openness.index,
            openness["merchandise_trade"],
            color=OKABE_ITO[2],
            ls="-.",
            lw=1.5,
            label="merchandise exports + imports, WDI",
        )
    if pwt is not None and not pwt.empty:
        ax.plot(
            pwt.index,
            pwt.to_numpy(),
            color=BENCHMARK_GREY,
            ls=":",
            lw=1.8,
            label="exports + imports, Penn World Table 9.0",
        )
    ax.hlines(
        20,
        decade[0],
        decade[1],
        color="black",
        lw=3,
        label=f"source text: about 20 % in the 1990s, over 30 % in {claim_year}",
    )
    ax.plot([claim_year], [30], marker="^", color="black", ms=9, ls="none")
    mark_year(ax, break_year, str(break_year))
    ax.set_xlabel("Year")
    ax.set_ylabel("% of world GDP")
    ax.set_ylim(0, None)
    ax.legend(loc="lower center", ncols=2, bbox_to_anchor=(0.5, 1.02), fontsize=8)
    return fig


def figure_break(summary: dict[str, Any], *, ylabel: str, series_label: str):
    """Left: the series with its broken trend and 95 % band. Right: the sup-F scan."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, mark_year

    trend, scan = summary["trend"], summary["scan"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.5, 4.0), gridspec_kw={"width_ratios": [1.6, 1]})
    f = trend.fitted
    ax.plot(f["year"], f["value"], "o", ms=3.5, color=OKABE_ITO[0], label=series_label)
    ax.plot(f["year"], f["fit"], color=OKABE_ITO[3], lw=2, label=f"broken trend, kink in {trend.break_year}")
    ax.fill_between(
        f["year"], f["lower"], f["upper"], color=OKABE_ITO[3], alpha=0.2, lw=0, label="95 % confidence band (bootstrap)"
    )
    mark_year(ax, trend.break_year, str(trend.break_year))
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower right", fontsize=8)
    ax.text(0.0, -0.2, "(a)", transform=ax.transAxes, fontsize=10, fontweight="bold")
    t = scan.table
    bx.plot(t["candidate"], t["f_stat"], marker="o", color=OKABE_ITO[0], label="Chow F at each candidate")
    bx.axhline(
        scan.boot_critical_5pct,
        color="black",
        ls="--",
        lw=1.2,
        label=f"5 % critical value of sup-F, bootstrap ({scan.boot_critical_5pct:.1f})",
    )
    bx.axhline(
        scan.critical_values[0.05],
        color=BENCHMARK_GREY,
        ls=":",
        lw=1.2,
        label=f"5 % critical value of sup-F, asymptotic ({scan.critical_values[0.05]:.2f})",
    )
    bx.set_xlabel("Candidate break year")
    bx.set_ylabel("F statistic (level and slope, q = 2)")
    bx.set_ylim(0, 1.6 * max(scan.boot_critical_5pct, float(t["f_stat"].max())))  # room for the legend
    bx.legend(loc="upper left", fontsize=7)
    bx.text(0.0, -0.2, "(b)", transform=bx.transAxes, fontsize=10, fontweight="bold")
    fig.tight_layout()
    return fig


def figure_gvc(quoted: pd.DataFrame, openness: pd.DataFrame, base_year: int = 1995):
    """(a) Quoted GVC participation rates (hatched: not verified); (b) indexed beside the proxies."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.5, 4.0), gridspec_kw={"width_ratios": [1, 1.5]})
    years = sorted(quoted["year"].unique())
    width = 0.38
    for i, (measure, colour, hatch) in enumerate(
        (("trade-based", OKABE_ITO[0], "//"), ("production-based", OKABE_ITO[1], ".."))
    ):
        sub = quoted[quoted["measure"] == measure].set_index("year").reindex(years)
        x = np.arange(len(years)) + (i - 0.5) * width
        bars = ax.bar(
            x,
            sub["value"],
            width,
            color=colour,
            alpha=0.55,
            hatch=hatch,
            edgecolor="black",
            label=f"{measure} (quoted)",
        )
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks(np.arange(len(years)), [str(y) for y in years])
    ax.set_xlabel("Year")
    ax.set_ylabel("GVC participation, % (as quoted)")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_ylim(0, 60)
    ax.text(0.0, -0.2, "(a)", transform=ax.transAxes, fontsize=10, fontweight="bold")
    for s, label, colour, ls in (
        (openness["trade_mean"], "proxy: world trade (X + M)/2, % of GDP", OKABE_ITO[2], "-"),
        (openness["merchandise_trade"], "proxy: world merchandise trade, % of GDP", BENCHMARK_GREY, "--"),
    ):
        idx = index_to(s, base_year)
        bx.plot(idx.index, idx.to_numpy(), color=colour, ls=ls, lw=1.8, label=label)
    # hollow large squares under small filled circles: the two quoted indices nearly coincide in 2020
    for measure, colour, marker, size, face in (
        ("production-based", OKABE_ITO[1], "s", 12, "white"),
        ("trade-based", OKABE_ITO[0], "o", 6, None),
    ):
        sub = quoted[quoted["measure"] == measure].set_index("year")["value"]
        idx = index_to(sub, base_year)
        bx.plot(
            idx.index,
            idx.to_numpy(),
            marker=marker,
            ms=size,
            mew=2,
            color=colour,
            mfc=face or colour,
            ls="none",
            label=f"GVC participation, {measure} (quoted)",
            zorder=3,
        )
    bx.axhline(100, color="#999999", lw=0.8)
    bx.set_xlim(base_year - 3, max(openness.index.max(), max(years)) + 1)
    bx.set_xlabel("Year")
    bx.set_ylabel(f"Index, {base_year} = 100")
    bx.legend(loc="lower right", fontsize=8)
    bx.text(0.0, -0.2, "(b)", transform=bx.transAxes, fontsize=10, fontweight="bold")
    fig.tight_layout()
    return fig


def figure_robots(installations: pd.DataFrame, countries: Sequence[str], names: dict[str, str]):
    """(a) World robot installations; (b) installations in the focus economies with IFR figures."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.5, 3.8))
    world = installations[installations["iso3"] == "WLD"]
    _robot_line(ax, world, {"color": BENCHMARK_GREY, "linestyle": "--", "marker": "o"}, "World")
    ax.set_xlabel("Year")
    ax.set_ylabel("Industrial robots installed (thousand units)")
    ax.set_ylim(0, 1.35 * float(world["value"].max()) / 1000 if len(world) else None)  # room for the legend
    _preliminary_handle(ax)
    ax.text(0.0, -0.2, "(a)", transform=ax.transAxes, fontsize=10, fontweight="bold")
    styles = _styles(list(countries))
    shown = [c for c in countries if c in set(installations["iso3"])]
    for code in shown:
        _robot_line(bx, installations[installations["iso3"] == code], styles[code], names.get(code, code))
    if shown:
        _preliminary_handle(bx)
        top = float(installations.loc[installations["iso3"].isin(shown), "value"].max()) / 1000
        bx.set_ylim(0, top * (1.25 + 0.1 * len(shown)))  # room for the legend above the lines
    else:
        bx.text(
            0.5,
            0.5,
            "No IFR figures for these economies\nin the curated table",
            ha="center",
            va="center",
            transform=bx.transAxes,
        )
    bx.set_xlabel("Year")
    bx.set_ylabel("Industrial robots installed (thousand units)")
    bx.text(0.0, -0.2, "(b)", transform=bx.transAxes, fontsize=10, fontweight="bold")
    fig.tight_layout()
    return fig


def _robot_line(ax, rows: pd.DataFrame, style: dict, label: str) -> None:
    rows = rows.sort_values("year")
    marker = style["marker"] or "o"
    ax.plot(
        rows["year"],
        rows["value"] / 1000,
        color=style["color"],
        linestyle=style["linestyle"],
        lw=1.4,
        marker=marker,
        label=label,
    )
    prelim = rows[rows["preliminary"]]
    if len(prelim):  # open markers drawn over the filled ones
        ax.plot(
            prelim["year"], prelim["value"] / 1000, ls="none", marker=marker, mfc="white", mew=1.5, color=style["color"]
        )


def _preliminary_handle(ax) -> None:
    """Add a legend entry explaining open markers (one entry, whatever the economies)."""
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], ls="none", marker="o", mfc="white", mec="#444444", color="#444444"))
    labels.append("open marker: preliminary release")
    ax.legend(handles, labels, loc="upper left", fontsize=8)


def figure_industry(shares: pd.DataFrame, countries: Sequence[str], names: dict[str, str]):
    """Small multiples: industry's share of employment and of value added, per economy."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO

    n = len(countries)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(2.7 * cols + 0.6, 2.3 * rows + 0.5), sharex=True, sharey=True, squeeze=False
    )
    for ax, code in zip(axes.ravel(), countries, strict=False):
        sub = shares[shares["iso3"] == code]
        for measure, colour, ls, marker in (
            ("employment", OKABE_ITO[0], "-", None),
            ("value added", OKABE_ITO[3], "--", None),
        ):
            s = sub[sub["measure"] == measure]
            ax.plot(s["year"], s["value"], color=colour, ls=ls, marker=marker, lw=1.8, label=f"share of {measure}")
        ax.text(
            0.03,
            0.95,
            names.get(code, code),
            transform=ax.transAxes,
            va="top",
            fontsize=9,
            fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
        )
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Industry, % of total")
    for i, ax in enumerate(axes.ravel()):
        # the lowest visible panel of each column carries the x label and tick labels
        below = i + cols
        if below >= n and i < n:
            ax.set_xlabel("Year")
            ax.xaxis.set_tick_params(labelbottom=True)
    handles, _ = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles,
        ["industry's share of employment (ILO modelled)", "industry's share of value added (% of GDP)"],
        loc="upper center",
        ncols=2,
        bbox_to_anchor=(0.5, 1.04),
    )
    fig.tight_layout()
    return fig


def figure_fdi(fdi: pd.DataFrame, trend: BrokenTrend, groups: Sequence[str]):
    """FDI net inflows % of GDP by group, with the world's broken trend and band."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO, mark_year

    fig, ax = plt.subplots(figsize=(8.0, 4.3))
    palette = {"WLD": ("black", "-", "o"), "HIC": (OKABE_ITO[0], "--", "s"), "LMY": (OKABE_ITO[1], "-.", "^")}
    for g in groups:
        if g in fdi:
            colour, ls, marker = palette.get(g, (OKABE_ITO[4], ":", "D"))
            ax.plot(fdi.index, fdi[g], color=colour, ls=ls, marker=marker, ms=3, lw=1.4, label=GROUP_NAMES.get(g, g))
    f = trend.fitted
    ax.plot(f["year"], f["fit"], color=OKABE_ITO[3], lw=2, label=f"World: broken trend, kink in {trend.break_year}")
    ax.fill_between(
        f["year"], f["lower"], f["upper"], color=OKABE_ITO[3], alpha=0.2, lw=0, label="95 % confidence band"
    )
    mark_year(ax, trend.break_year, str(trend.break_year))
    ax.axhline(0, color="#999999", lw=0.8)
    ax.set_xlabel("Year")
    ax.set_ylabel("FDI net inflows, % of GDP")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def figure_concentration(royalties: pd.DataFrame, ict: pd.DataFrame | None, top_n: int = 5):
    """(a) Top-n share and (b) Herfindahl index of receipts for IP (and ICT service exports)."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.5, 3.8))
    series = [(royalties, "charges for the use of intellectual property, receipts", OKABE_ITO[0], "-", "o")]
    if ict is not None and not ict.empty:
        series.append((ict, "ICT service exports", OKABE_ITO[1], "--", "s"))
    for frame, label, colour, ls, marker in series:
        ax.plot(frame.index, frame["top_share"], color=colour, ls=ls, marker=marker, ms=3, label=label)
        bx.plot(frame.index, frame["hhi"], color=colour, ls=ls, marker=marker, ms=3, label=label)
    ax.set_ylabel(f"Share of the top {top_n} economies, % of total")
    ax.set_ylim(0, 100)
    bx.set_ylabel("Herfindahl-Hirschman index (0-10,000)")
    bx.set_ylim(0, None)
    for axis, tag in ((ax, "(a)"), (bx, "(b)")):
        axis.set_xlabel("Year")
        axis.text(0.0, -0.2, tag, transform=axis.transAxes, fontsize=10, fontweight="bold")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def figure_developing(shares: pd.DataFrame, break_year: int):
    """Developing economies' shares of world merchandise and high-tech exports."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, mark_year

    fig, ax = plt.subplots(figsize=(8.0, 4.3))
    spec = (
        ("merchandise", "low and middle income: merchandise exports", OKABE_ITO[0], "-", None),
        ("merchandise_ex_china", "low and middle income excluding China: merchandise", OKABE_ITO[2], "-.", None),
        ("sdg_developing", "developing regions (UN M49): merchandise", BENCHMARK_GREY, ":", "o"),
        ("high_tech", "low and middle income: high-technology exports", OKABE_ITO[3], "--", "s"),
    )
    for column, label, colour, ls, marker in spec:
        if column in shares and shares[column].notna().any():
            s = shares[column].dropna()
            ax.plot(s.index, s.to_numpy(), color=colour, ls=ls, marker=marker, ms=3, lw=1.8, label=label)
    mark_year(ax, break_year, str(break_year))
    ax.set_xlabel("Year")
    ax.set_ylabel("Share of world exports, %")
    ax.set_ylim(0, None)
    ax.legend(loc="upper left", fontsize=8)
    return fig
