"""Linear and log-linear time trends: one fit, two kinds of interval, and projections.

:func:`fit_trend` fits :math:`f(y_t) = a + b\\,(t - t_0) + u_t` by OLS (:math:`f` the
identity or the natural log) and reports the slope with either the textbook OLS interval
(``interval="ols"``, iid errors) or an AR(1) sieve bootstrap interval
(``interval="ar1-bootstrap"``, :mod:`imtrade.stats.bootstrap`), which allows for the
autocorrelation of annual series. :func:`predict_trend` continues a fit with confidence and
prediction intervals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from imtrade.stats.bootstrap import (
    BOOT_REPS,
    BOOT_SEED,
    RandomState,
    ar1_coefficient,
    basic_interval,
    exceedance_pvalue,
    ols_with_draws,
)

INTERVALS = ("ols", "ar1-bootstrap")
MODELS = ("linear", "log")


class TooFewObservations(ValueError):
    """A series is too short for the statistic asked of it (callers report 'too few data')."""


def clean_series(years: Iterable, values: Iterable) -> tuple[np.ndarray, np.ndarray]:
    """Years and values as float arrays, pairs with a missing (non-finite) member dropped, in time order.

    Raises
    ------
    ValueError
        If ``years`` and ``values`` differ in length.
    """
    t = np.asarray(list(years), dtype=float)
    y = np.asarray(list(values), dtype=float)
    if t.shape != y.shape:
        raise ValueError(f"years ({t.size}) and values ({y.size}) differ in length")
    keep = np.isfinite(t) & np.isfinite(y)
    order = np.argsort(t[keep], kind="stable")
    return t[keep][order], y[keep][order]


def ols(y: np.ndarray, X: np.ndarray):
    """statsmodels OLS of ``y`` on the design ``X`` (no constant added), fitted."""
    import statsmodels.api as sm

    return sm.OLS(y, X).fit()


@dataclass(frozen=True)
class TrendFit:
    """An OLS trend ``f(value) = a + b (year - base)`` with an interval and p-value for the slope.

    ``ci_low``/``ci_high``/``pvalue`` come from the method named in ``interval``; ``rho`` is
    the bias-corrected first-order autocorrelation of the residuals and ``durbin_watson``
    their Durbin-Watson statistic (both shown so that readers can judge the iid assumption).
    """

    model: str  # "linear" or "log"
    interval: str  # "ols" or "ar1-bootstrap"
    base: int  # year subtracted from the regressor
    params: np.ndarray  # (a, b)
    cov: np.ndarray  # 2 x 2 OLS covariance of (a, b) (iid errors)
    ci_low: float  # slope interval (coefficient units: log points a year for log trends)
    ci_high: float
    pvalue: float  # two-sided, of the slope
    alpha: float
    sigma: float  # residual standard deviation
    df_resid: int
    n: int
    first_year: int
    last_year: int
    last_value: float
    rho: float
    durbin_watson: float
    result: Any = field(repr=False, compare=False, default=None)  # the statsmodels results

    @property
    def slope(self) -> float:
        """:math:`\\hat b`: units of the value a year (linear) or log points a year (log)."""
        return float(self.params[1])

    @property
    def growth(self) -> float:
        """The slope in display units: points a year (linear) or % a year (log)."""
        return to_growth(self.slope, self.model)

    def as_dict(self) -> dict[str, Any]:
        """The scalar fields (for tables and tests)."""
        out = asdict(self)
        for key in ("params", "cov", "result"):
            out.pop(key)
        return {**out, "slope": self.slope, "growth": self.growth}


def to_growth(coefficient: float, model: str) -> float:
    """A trend coefficient in display units: itself (linear), or :math:`100\\,(e^b - 1)` % a year (log)."""
    return 100.0 * math.expm1(coefficient) if model == "log" else coefficient


def fit_trend(
    years: Iterable,
    values: Iterable,
    *,
    model: str = "linear",
    interval: str = "ols",
    base: int | None = None,
    alpha: float = 0.05,
    reps: int = BOOT_REPS,
    rng: RandomState = BOOT_SEED,
) -> TrendFit:
    """Fit a linear or log-linear time trend by OLS.

    Parameters
    ----------
    years, values : the observations (pairs with a missing member are dropped; for a log
        trend, non-positive values too).
    model : ``"linear"`` (value = a + b t) or ``"log"`` (log value = a + b t).
    interval : ``"ols"`` (t interval and p-value, iid errors) or ``"ar1-bootstrap"``
        (basic bootstrap interval and p-value under AR(1) errors).
    base : t = year - base (default: the first year with data).
    alpha : 1 - confidence level of the slope interval.
    reps, rng : bootstrap draws and seed or generator (``interval="ar1-bootstrap"`` only).

    Returns
    -------
    TrendFit

    Raises
    ------
    TooFewObservations
        Fewer than 3 observations (4 for the bootstrap).

    Notes
    -----
    OLS of :math:`f(y_t) = a + b\\,(t - t_0) + u_t` (statsmodels). With ``interval="ols"``
    the slope's interval is :math:`\\hat b \\pm t_{1-\\alpha/2,\\,n-2}\\,\\widehat{se}(\\hat b)`,
    valid for independent, homoscedastic errors; annual macro series are usually
    autocorrelated (see ``durbin_watson`` and ``rho``), and then it is too narrow. With
    ``interval="ar1-bootstrap"`` the sampling distribution of the slope is approximated by
    :math:`\\hat b^* - \\hat b = e_2'(X'X)^{-1}X'u^*` with AR(1) bootstrap errors :math:`u^*`
    (:func:`~imtrade.stats.bootstrap.ar1_bootstrap_errors`), giving the basic interval
    :math:`[\\hat b - q_{1-\\alpha/2}, \\hat b - q_{\\alpha/2}]` and the p-value
    :math:`P^*(|\\hat b^* - \\hat b| \\ge |\\hat b|)` (Bühlmann 1997). Either way the trend
    is an association over time, not a causal effect.
    """
    from statsmodels.stats.stattools import durbin_watson

    if model not in MODELS:
        raise ValueError(f"model must be 'linear' or 'log', got {model!r}")
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}, got {interval!r}")
    t, y = clean_series(years, values)
    if model == "log":
        t, y = t[y > 0], y[y > 0]
    needed = 4 if interval == "ar1-bootstrap" else 3
    if t.size < needed:
        raise TooFewObservations(f"a trend needs at least {needed} observations, got {t.size}")
    base = int(t[0]) if base is None else int(base)
    X = np.column_stack([np.ones_like(t), t - base])
    target = np.log(y) if model == "log" else y
    if interval == "ar1-bootstrap":
        res, draws = ols_with_draws(target, X, reps, rng)
        slope = float(res.params[1])
        dev = draws[1]
        low, high = basic_interval(slope, dev, alpha)
        p = exceedance_pvalue(np.abs(dev), abs(slope))
    else:
        res = ols(target, X)
        slope = float(res.params[1])
        low, high = (float(v) for v in res.conf_int(alpha)[1])
        p = float(res.pvalues[1])
    return TrendFit(
        model=model,
        interval=interval,
        base=base,
        params=np.asarray(res.params),
        cov=np.asarray(res.cov_params()),
        ci_low=low,
        ci_high=high,
        pvalue=p,
        alpha=alpha,
        sigma=float(np.sqrt(res.scale)),
        df_resid=int(res.df_resid),
        n=int(t.size),
        first_year=int(t[0]),
        last_year=int(t[-1]),
        last_value=float(y[-1]),
        rho=ar1_coefficient(res.resid, X),
        durbin_watson=float(durbin_watson(res.resid)),
        result=res,
    )


def predict_trend(fit: TrendFit, years: Sequence[int], alpha: float = 0.05) -> pd.DataFrame:
    """Trend values with (1 - alpha) confidence and prediction intervals, in the series' units.

    Returns columns ``year, mean, ci_lower, ci_upper, pi_lower, pi_upper``. For log-linear
    fits the bounds are exponentiated (the 'mean' is then the median of the log-normal).

    Notes
    -----
    Prediction interval at :math:`x_0`: :math:`\\hat y_0 \\pm t_{1-\\alpha/2, n-2}\\,
    \\sqrt{\\hat\\sigma^2 + x_0^\\top \\hat V x_0}` (Wooldridge, *Introductory Econometrics*,
    ch. 6.4); the confidence interval of the trend omits :math:`\\hat\\sigma^2`. Both assume
    iid errors, whatever ``fit.interval``.
    """
    from imtrade.stats.regression import prediction_frame

    x = np.asarray(years, dtype=float) - fit.base
    out = prediction_frame(fit.result, np.column_stack([np.ones_like(x), x]), alpha)
    out.insert(0, "year", np.asarray(years, dtype=int))
    if fit.model == "log":
        for column in ("mean", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
            out[column] = np.exp(out[column])
    return out
