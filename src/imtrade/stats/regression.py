"""Regression summaries: one way to read a coefficient, a coefficient table and a prediction band.

The estimators the chapters use are statsmodels OLS with different covariance estimators:
HC3 (cross-sections of economies), cluster-robust by economy (two-way fixed-effects panels)
and Newey-West within economies (``hac-panel``, a difference in trends). This module holds
the pieces they share: :func:`coefficient` and :func:`coefficient_table` (estimate, standard
error, confidence interval, p-value), :func:`prediction_frame` (confidence and prediction
intervals of fitted values), the delta-method :func:`quadratic_peak`, and the two complete
estimators used by more than one analysis, :func:`two_way_fixed_effects` and :func:`ols_hc3`, with
the :func:`long_difference` beside the fixed effects and :func:`within_between_sd` to say what
variation each uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from imtrade.stats.trend import TooFewObservations


@dataclass(frozen=True)
class Coefficient:
    """One coefficient of a fitted regression with its (1 - alpha) confidence interval."""

    term: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float

    @property
    def excludes_zero(self) -> bool:
        """Whether the confidence interval lies entirely above or below zero."""
        return self.ci_low > 0 or self.ci_high < 0


def _position(result: Any, term: str | int) -> int:
    return term if isinstance(term, int) else list(result.model.exog_names).index(term)


def coefficient(result: Any, term: str | int, alpha: float = 0.05) -> Coefficient:
    """The coefficient ``term`` (a name, or a position) of a statsmodels regression result.

    Notes
    -----
    Estimate, standard error, p-value and interval are the result's own, i.e. they follow
    the covariance estimator it was fitted with (``cov_type``); the interval is
    ``result.conf_int(alpha)`` (t or normal quantiles, as statsmodels uses for that
    estimator).
    """
    i = _position(result, term)
    low, high = np.asarray(result.conf_int(alpha))[i]
    name = term if isinstance(term, str) else list(result.model.exog_names)[i]
    return Coefficient(
        name,
        float(np.asarray(result.params)[i]),
        float(np.asarray(result.bse)[i]),
        float(low),
        float(high),
        float(np.asarray(result.pvalues)[i]),
    )


def coefficient_table(result: Any, alpha: float = 0.05) -> pd.DataFrame:
    """Every coefficient of a result: ``term, estimate, se, ci_low, ci_high, p_value``."""
    rows = [coefficient(result, i, alpha) for i in range(len(result.model.exog_names))]
    return pd.DataFrame([vars(c) for c in rows])


def prediction_frame(result: Any, exog: np.ndarray, alpha: float = 0.05) -> pd.DataFrame:
    """Fitted values at ``exog`` with (1 - alpha) confidence and prediction intervals.

    Returns columns ``mean, ci_lower, ci_upper, pi_lower, pi_upper``.

    Notes
    -----
    At :math:`x_0`: confidence interval :math:`x_0'\\hat\\beta \\pm q\\sqrt{x_0'\\hat V x_0}`
    and prediction interval :math:`x_0'\\hat\\beta \\pm q\\sqrt{\\hat\\sigma^2 + x_0'\\hat V x_0}`,
    with :math:`\\hat V` the result's covariance (statsmodels ``get_prediction``; Wooldridge,
    *Introductory Econometrics*, ch. 6.4).
    """
    frame = result.get_prediction(exog).summary_frame(alpha=alpha)
    return pd.DataFrame(
        {
            "mean": frame["mean"].to_numpy(),
            "ci_lower": frame["mean_ci_lower"].to_numpy(),
            "ci_upper": frame["mean_ci_upper"].to_numpy(),
            "pi_lower": frame["obs_ci_lower"].to_numpy(),
            "pi_upper": frame["obs_ci_upper"].to_numpy(),
        }
    )


@dataclass(frozen=True)
class QuadraticPeak:
    """The vertex of :math:`b_0 + b_1 x + b_2 x^2` with a delta-method interval for its position."""

    x: float
    ci: tuple[float, float]
    se: float
    value: float  # the fitted value at the vertex


def quadratic_peak(params: Sequence[float], cov: np.ndarray, alpha: float = 0.05) -> QuadraticPeak | None:
    """Where a fitted quadratic peaks, or None when it has no maximum (:math:`b_2 \\ge 0`).

    Parameters
    ----------
    params : :math:`(b_0, b_1, b_2)`.
    cov : 2 x 2 covariance of :math:`(b_1, b_2)`.
    alpha : 1 - confidence level.

    Notes
    -----
    :math:`x^* = -b_1 / (2 b_2)`; by the delta method its variance is :math:`g^\\top V g`
    with :math:`g = (-1/(2b_2),\\ b_1/(2b_2^2))` (e.g. Greene, *Econometric Analysis*, ch.
    4.6); the interval is :math:`x^* \\pm z_{1-\\alpha/2}\\,se`.
    """
    from scipy.stats import norm

    b0, b1, b2 = (float(v) for v in params)
    if b2 >= 0:
        return None
    x_star = -b1 / (2.0 * b2)
    gradient = np.array([-1.0 / (2.0 * b2), b1 / (2.0 * b2**2)])
    se = math.sqrt(float(gradient @ np.asarray(cov) @ gradient))
    z = float(norm.ppf(1 - alpha / 2))
    return QuadraticPeak(x_star, (x_star - z * se, x_star + z * se), se, b0 + b1 * x_star + b2 * x_star**2)


@dataclass(frozen=True)
class PanelEstimate:
    """One fixed-effects regression: the coefficient of the regressor with its 95 % CI."""

    specification: str
    outcome: str
    regressor: str
    coef: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    nobs: int
    n_countries: int
    first_year: int
    last_year: int

    def as_row(self) -> dict[str, Any]:
        return {
            "specification": self.specification,
            "outcome": self.outcome,
            "regressor": self.regressor,
            "coef": self.coef,
            "se_clustered": self.se,
            "ci95_low": self.ci_low,
            "ci95_high": self.ci_high,
            "p_value": self.pvalue,
            "n_obs": self.nobs,
            "n_countries": self.n_countries,
            "first_year": self.first_year,
            "last_year": self.last_year,
        }


def two_way_fixed_effects(
    panel: pd.DataFrame, outcome: str, regressor: str, specification: str = "", alpha: float = 0.05
) -> PanelEstimate:
    """OLS with economy and year fixed effects, standard errors clustered by economy.

    Parameters
    ----------
    panel : frame with ``iso3``, ``year``, ``outcome`` and ``regressor`` columns.
    outcome, regressor : column names.
    specification : a label for tables.
    alpha : 1 - confidence level.

    Returns
    -------
    PanelEstimate
        Coefficient of ``regressor``, cluster-robust SE, CI, p-value, observations,
        economies and years used. Economies observed only once are dropped (they carry no
        within-economy variation).

    Raises
    ------
    TooFewObservations
        Fewer than 3 economies or 10 observations.

    Notes
    -----
    .. math:: y_{c,t} = \\alpha_c + \\gamma_t + \\beta x_{c,t} + \\varepsilon_{c,t}

    estimated by least squares with economy and year dummies; the covariance is the
    cluster-robust (Liang-Zeger) estimator with clusters = economies and the small-sample
    correction of statsmodels (``cov_type="cluster"``); see Cameron and Miller (2015). The
    coefficient is a within-economy association over time, not a causal effect.
    """
    import statsmodels.formula.api as smf

    data = panel[["iso3", "year", outcome, regressor]].dropna()
    counts = data.groupby("iso3")["year"].transform("size")
    data = data[counts >= 2].rename(columns={outcome: "y", regressor: "x"}).reset_index(drop=True)
    if data["iso3"].nunique() < 3 or len(data) < 10:
        raise TooFewObservations(
            f"too few observations for a fixed-effects regression ({len(data)} rows, {data['iso3'].nunique()} "
            "countries)"
        )
    groups = pd.factorize(data["iso3"])[0]
    model = smf.ols("y ~ x + C(iso3) + C(year)", data=data).fit(cov_type="cluster", cov_kwds={"groups": groups})
    c = coefficient(model, "x", alpha)
    return PanelEstimate(
        specification,
        outcome,
        regressor,
        c.estimate,
        c.se,
        c.ci_low,
        c.ci_high,
        c.p_value,
        int(model.nobs),
        int(data["iso3"].nunique()),
        int(data["year"].min()),
        int(data["year"].max()),
    )


def within_between_sd(panel: pd.DataFrame, column: str, unit: str = "iso3") -> tuple[float, float]:
    """(within, between) standard deviations of ``column`` in a panel.

    Units observed at least twice only (a single observation has no within variation).

    Notes
    -----
    Within: s.d. of :math:`x_{c,t} - \bar x_c` over all observations (the variation a model
    with unit fixed effects uses); between: s.d. of the unit means :math:`\bar x_c` (the
    variation the fixed effects remove). See Wooldridge, *Econometric Analysis of Cross
    Section and Panel Data*, ch. 10.
    """
    data = panel[[unit, column]].dropna()
    data = data[data.groupby(unit)[column].transform("size") >= 2]
    if data.empty:
        return math.nan, math.nan
    means = data.groupby(unit)[column].transform("mean")
    return float((data[column] - means).std()), float(data.groupby(unit)[column].mean().std())


def long_difference(
    panel: pd.DataFrame,
    outcome: str,
    regressor: str,
    first: tuple[int, int],
    last: tuple[int, int],
    specification: str = "",
    alpha: float = 0.05,
) -> PanelEstimate:
    """Long-difference regression: the change of ``outcome`` on the change of ``regressor``
    between two windows of years, one observation per economy, HC3 standard errors.

    Parameters
    ----------
    panel : frame with ``iso3``, ``year``, ``outcome`` and ``regressor`` columns.
    first, last : inclusive year windows; each economy's value in a window is the mean of
        its years there with both variables (economies missing a window drop out).

    Returns
    -------
    PanelEstimate
        ``se`` is HC3 (one observation per economy, so there is nothing to cluster);
        ``nobs`` and ``n_countries`` are both the number of economies; years are the span
        from the first window's start to the last window's end.

    Raises
    ------
    TooFewObservations
        Fewer than 3 economies with both windows.

    Notes
    -----
    .. math:: \bar y_{c,L} - \bar y_{c,F} = a + \beta(\bar x_{c,L} - \bar x_{c,F}) + u_c

    Differencing removes what is stable about each economy (as fixed effects do); because
    the two windows are the same for every economy, a shock common to all economies in those
    years (for an RCA index, the world denominator) falls into the constant. The estimate
    rests on how much the regressor changed over the whole interval in one economy against
    another, not on year-to-year movements, so it is less sensitive to noise in annual
    values and to short-run timing (Griliches and Hausman, 1986, *Journal of Econometrics*
    31(1), 93-118). OLS with HC3 covariance (:func:`ols_hc3`).
    """
    if first[1] >= last[0]:
        raise ValueError(f"the first window {first} must end before the last window {last} starts")
    data = panel[["iso3", "year", outcome, regressor]].dropna()

    def window(years: tuple[int, int]) -> pd.DataFrame:
        return data[data["year"].between(*years)].groupby("iso3")[[outcome, regressor]].mean()

    change = (window(last) - window(first)).dropna()
    if len(change) < 3:
        raise TooFewObservations(
            f"too few economies ({len(change)}) observed in both {first[0]}-{first[1]} and {last[0]}-{last[1]} for a "
            "long difference"
        )
    change = change.rename(columns={outcome: "d_y", regressor: "d_x"}).reset_index()
    fit = ols_hc3(change, "d_y", ["d_x"], alpha)
    c = fit.coefficients.set_index("term").loc["d_x"]
    return PanelEstimate(
        specification,
        outcome,
        regressor,
        float(c["estimate"]),
        float(c["se"]),
        float(c["ci_low"]),
        float(c["ci_high"]),
        float(c["p_value"]),
        fit.n,
        fit.n,
        int(first[0]),
        int(last[1]),
    )


@dataclass(frozen=True)
class OLSResult:
    """Coefficients (``term, estimate, se, ci_low, ci_high, p_value``) and fit of one regression."""

    outcome: str
    regressors: tuple[str, ...]
    coefficients: pd.DataFrame
    n: int
    r2: float
    used: tuple[str, ...]  # iso3 of the observations used


def ols_hc3(frame: pd.DataFrame, outcome: str, regressors: Sequence[str], alpha: float = 0.05) -> OLSResult:
    """OLS of ``outcome`` on ``regressors`` (plus a constant) with HC3 robust standard errors.

    Rows with any missing variable are dropped (listwise).

    Raises
    ------
    TooFewObservations
        No more complete rows than coefficients.

    Notes
    -----
    :math:`\\hat\\beta = (X'X)^{-1}X'y`; the HC3 covariance is
    :math:`(X'X)^{-1} X' \\operatorname{diag}\\big(\\hat u_i^2 / (1-h_{ii})^2\\big) X (X'X)^{-1}`
    with :math:`h_{ii}` the leverage of observation i (MacKinnon and White, 1985), which
    behaves well in samples of about a hundred economies with outliers. Confidence intervals
    use the normal approximation at level ``1 - alpha``.

    References
    ----------
    MacKinnon, J. G. and White, H. (1985). Some heteroskedasticity-consistent covariance
    matrix estimators with improved finite sample properties. Journal of Econometrics 29(3),
    305-325.
    """
    from statsmodels.regression.linear_model import OLS  # lighter than statsmodels.api

    cols = [outcome, *regressors]
    data = frame.dropna(subset=cols)
    if len(data) <= len(regressors) + 1:
        raise TooFewObservations(
            f"too few complete observations ({len(data)}) for {outcome} ~ {' + '.join(regressors)}"
        )
    X = pd.concat([pd.Series(1.0, index=data.index, name="const"), data[list(regressors)].astype(float)], axis=1)
    fit = OLS(data[outcome].astype(float), X).fit(cov_type="HC3")
    used = tuple(data["iso3"]) if "iso3" in data else tuple(map(str, data.index))
    return OLSResult(
        outcome, tuple(regressors), coefficient_table(fit, alpha), int(fit.nobs), float(fit.rsquared), used
    )


def spearman(frame: pd.DataFrame, x: str, y: str) -> tuple[float, float, int]:
    """Spearman rank correlation of two columns over complete rows: (rho, two-sided p, n).

    NaN rho and p when fewer than 3 rows are complete.

    Notes
    -----
    The Pearson correlation of the ranks (ties get their mean rank); the p-value is
    scipy's t approximation with n - 2 degrees of freedom.
    """
    from scipy.stats import spearmanr

    data = frame.dropna(subset=[x, y])
    if len(data) < 3:
        return math.nan, math.nan, len(data)
    result = spearmanr(data[x], data[y])
    return float(result.statistic), float(result.pvalue), len(data)
