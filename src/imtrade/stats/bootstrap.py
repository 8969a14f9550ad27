"""The AR(1) sieve bootstrap behind the book's trend and break inference.

Annual macro series are short (15-60 observations) and their deviations from a trend are
autocorrelated, so textbook OLS inference (iid errors) is too optimistic. The routines here
simulate error series that keep the residuals' first-order autocorrelation: the trend fits
(:mod:`imtrade.stats.trend`) and the break tests (:mod:`imtrade.stats.breaks`) draw their
intervals and p-values from them.

Randomness: every routine takes ``rng``, either a seed (an ``int``: a fresh
``numpy.random.default_rng(seed)`` is made for each bootstrap, so a result does not depend on
what ran before it) or a :class:`numpy.random.Generator` (draws are taken from it in turn).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

#: Bootstrap draws and seed (fixed, so every run gives the same intervals and p-values).
BOOT_REPS = 999
BOOT_SEED = 20080915
#: Periods simulated and discarded before the draws used, so the start value does not matter.
BURN_IN = 50

RandomState = int | np.random.Generator


def generator(rng: RandomState) -> np.random.Generator:
    """A :class:`numpy.random.Generator`: ``rng`` itself, or a fresh one seeded with ``rng``."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


#: Grid of autocorrelations and simulated series per grid point of the bias map
#: (:func:`ar1_mean_map`); the simulation uses its own fixed seed (common random numbers
#: across the grid), so the correction is a deterministic, smooth function of the data.
BIAS_GRID = np.linspace(-0.98, 0.98, 50)
BIAS_SIMS = 400
BIAS_SEED = 19540101
RHO_BOUND = 0.98


def trend_design(n: int) -> np.ndarray:
    """The design of a constant and a linear trend, n x 2 (the default detrending)."""
    t = np.arange(n, dtype=float)
    return np.column_stack([np.ones(n), t - t.mean()])


def raw_ar1_coefficient(resid: np.ndarray) -> np.ndarray | float:
    """Least-squares lag-1 coefficient :math:`\\sum_t u_t u_{t-1} / \\sum_t u_{t-1}^2` (per column of a matrix)."""
    u = np.asarray(resid, dtype=float)
    num = np.einsum("i...,i...->...", u[1:], u[:-1])
    den = np.einsum("i...,i...->...", u[:-1], u[:-1])
    out = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return float(out) if out.ndim == 0 else out


@functools.lru_cache(maxsize=256)
def _mean_map_cached(n: int, designs: tuple[tuple[int, bytes], ...]) -> tuple[np.ndarray, np.ndarray]:
    annihilators = [
        np.eye(n) - (X := np.frombuffer(b, dtype=float).reshape(n, k)) @ np.linalg.pinv(X) for k, b in designs
    ]
    e = np.random.default_rng(BIAS_SEED).normal(size=(n, BIAS_SIMS))
    rho = BIAS_GRID[:, None]
    u = np.empty((n, BIAS_GRID.size, BIAS_SIMS))
    u[0] = e[0] / np.sqrt(1 - rho**2)  # stationary start
    for t in range(1, n):  # every grid point and series at once
        u[t] = rho * u[t - 1] + e[t]
    best, best_ssr = None, None
    for annihilator in annihilators:  # the residuals of the best-fitting design (least SSR)
        resid = np.tensordot(annihilator, u, axes=1)
        ssr = np.einsum("i...,i...->...", resid, resid)
        if best is None:
            best, best_ssr = resid, ssr
        else:
            better = ssr < best_ssr
            best = np.where(better[None], resid, best)
            best_ssr = np.where(better, ssr, best_ssr)
    means = raw_ar1_coefficient(best).mean(axis=1)
    return BIAS_GRID.copy(), np.maximum.accumulate(means)  # monotone, so it can be inverted


Design = np.ndarray | Sequence[np.ndarray] | None


def _design_key(n: int, design: Design) -> tuple[tuple[int, bytes], ...]:
    designs = [trend_design(n)] if design is None else [design] if isinstance(design, np.ndarray) else list(design)
    key = []
    for X in designs:
        X = np.ascontiguousarray(X, dtype=float)
        if X.ndim != 2 or X.shape[0] != n:
            raise ValueError(f"a design has {X.shape[0] if X.ndim else 0} rows, the residuals {n}")
        key.append((int(X.shape[1]), X.tobytes()))
    return tuple(key)


def ar1_mean_map(n: int, design: Design = None) -> tuple[np.ndarray, np.ndarray]:
    """The expected least-squares AR(1) coefficient of regression residuals, on a grid of true values.

    Parameters
    ----------
    n : number of observations.
    design : the regressors removed before the coefficient is estimated (n x k); default
        :func:`trend_design` (a constant and a linear trend). A sequence of designs means
        the residuals of whichever fits best (least SSR), as after a search over break dates.

    Returns
    -------
    (grid, means)
        ``means[g]`` approximates :math:`E[\\hat\\rho \\mid \\rho = grid_g]` (made monotone).

    Notes
    -----
    For each :math:`\\rho` of :data:`BIAS_GRID`, :data:`BIAS_SIMS` stationary Gaussian AR(1)
    series are projected off the design (:math:`\\hat u = (I - XX^+)u`; with several designs,
    the one leaving the least SSR) and the mean of :math:`\\hat\\rho` is taken; the same
    innovations are used for every grid point (common random numbers), so the map is smooth.
    The map depends only on the column spaces of the designs and on n (the statistic is
    scale-free), and is cached.
    """
    return _mean_map_cached(int(n), _design_key(int(n), design))


def ar1_coefficient(resid: np.ndarray, design: Design = None) -> float:
    """First-order autocorrelation of regression residuals, corrected for small-sample bias.

    Parameters
    ----------
    resid : residuals in time order.
    design : the regressors the residuals were taken off (n x k: a constant and a trend, a
        broken trend, ...); default :func:`trend_design`, a constant and a linear trend. A
        sequence of designs: the residuals are those of the best-fitting one (a break date
        chosen by least squares), whose persistence is understated more.

    Returns
    -------
    float
        The bias-corrected coefficient, in [-0.98, 0.98].

    Notes
    -----
    :math:`\\hat\\rho = \\sum_t \\hat u_t \\hat u_{t-1} / \\sum_t \\hat u_{t-1}^2` is biased
    towards zero in short samples, and the more so the more regressors were removed first:
    to order 1/n the bias is :math:`-(1 + 3\\rho)/n` after the mean alone and
    :math:`-(2 + 4\\rho)/n` after a constant and a linear trend (Marriott and Pope 1954;
    Kendall 1954), larger still after a broken trend. The correction used here holds for
    any design: :math:`\\tilde\\rho = m^{-1}(\\hat\\rho)`, where
    :math:`m(\\rho) = E[\\hat\\rho \\mid \\rho]` is simulated for this n and design
    (:func:`ar1_mean_map`) and inverted by linear interpolation, so that :math:`\\tilde\\rho`
    is approximately mean-unbiased (the indirect-inference bias correction of MacKinnon and
    Smith 1998; Andrews 1993, Econometrica 61(1), inverts the median in the same way). For a constant and a trend
    at n = 55 the simulated bias agrees with :math:`-(2 + 4\\rho)/n` to within 0.02 for
    :math:`\\rho \\le 0.8` (``tests/test_stats.py``). The result is clipped to
    [-0.98, 0.98]. An uncorrected (or under-corrected) :math:`\\hat\\rho` makes the
    bootstrap understate persistence and its tests over-reject.
    """
    u = np.asarray(resid, dtype=float)
    if u.size < 3:
        return 0.0
    grid, means = ar1_mean_map(u.size, design)
    rho = raw_ar1_coefficient(u)
    return float(np.clip(np.interp(rho, means, grid), -RHO_BOUND, RHO_BOUND))


def ar1_bootstrap_errors(
    resid: np.ndarray, reps: int = BOOT_REPS, rng: RandomState = BOOT_SEED, design: Design = None
) -> np.ndarray:
    """``reps`` AR(1) error series shaped like ``resid`` (array n x reps), by a sieve bootstrap.

    Parameters
    ----------
    resid : residuals of the fitted model, in time order.
    reps : number of simulated series.
    rng : seed or generator (see the module docstring).
    design : the regressors the residuals were taken off, for the bias correction of
        :func:`ar1_coefficient` (default: a constant and a linear trend).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(resid), reps)``; column j is one simulated error series.

    Notes
    -----
    With :math:`\\tilde\\rho` from :func:`ar1_coefficient`, the innovations
    :math:`\\hat\\varepsilon_t = \\hat u_t - \\tilde\\rho \\hat u_{t-1}` are centred and
    resampled with replacement, and :math:`u^*_t = \\tilde\\rho u^*_{t-1} + \\varepsilon^*_t`
    is run from zero for a burn-in of :data:`BURN_IN` periods (Bühlmann 1997, with an AR
    order of one).
    """
    u = np.asarray(resid, dtype=float)
    rho = ar1_coefficient(u, design)
    eps = u[1:] - rho * u[:-1]
    eps = eps - eps.mean()
    draws = generator(rng).choice(eps, size=(u.size + BURN_IN, reps), replace=True)
    out = np.zeros_like(draws)
    for t in range(1, draws.shape[0]):  # a recursion in t; every draw at once
        out[t] = rho * out[t - 1] + draws[t]
    return out[BURN_IN:]


def coefficient_deviations(X: np.ndarray, errors: np.ndarray) -> np.ndarray:
    """Deviations of OLS coefficients under simulated errors, one column per draw (k x reps).

    Notes
    -----
    :math:`\\hat\\beta^* - \\hat\\beta = (X'X)^{-1}X'u^* = X^+ u^*` with :math:`X^+` the
    Moore-Penrose pseudo-inverse (exact for a fixed design).
    """
    return np.linalg.pinv(X) @ errors


def ols_with_draws(y: np.ndarray, X: np.ndarray, reps: int = BOOT_REPS, rng: RandomState = BOOT_SEED):
    """OLS of ``y`` on ``X`` and the coefficient deviations of its AR(1) bootstrap: (results, k x reps).

    Notes
    -----
    :func:`ar1_bootstrap_errors` of the OLS residuals, mapped to coefficients by
    :func:`coefficient_deviations`: the draws every bootstrap interval of the book is read from.
    """
    import statsmodels.api as sm

    res = sm.OLS(y, X).fit()
    return res, coefficient_deviations(X, ar1_bootstrap_errors(res.resid, reps, rng, design=X))


def basic_interval(estimate: float, deviations: np.ndarray, alpha: float) -> tuple[float, float]:
    """The basic bootstrap interval of ``estimate`` from the deviations of its draws.

    Parameters
    ----------
    estimate : the point estimate :math:`\\hat\\theta`.
    deviations : draws of :math:`\\hat\\theta^* - \\hat\\theta`.
    alpha : 1 - confidence level.

    Returns
    -------
    (low, high)

    Notes
    -----
    :math:`[\\hat\\theta - q_{1-\\alpha/2},\\ \\hat\\theta - q_{\\alpha/2}]` with :math:`q`
    the quantiles of the deviations (Davison and Hinkley 1997, eq. 5.6).
    """
    lo, hi = np.quantile(deviations, [alpha / 2, 1 - alpha / 2])
    return float(estimate - hi), float(estimate - lo)


def exceedance_pvalue(draws: np.ndarray, observed: float) -> float:
    """Bootstrap p-value: the share of draws (counting the observed one) at least as large.

    Notes
    -----
    :math:`p = (1 + \\#\\{b: T^*_b \\ge T\\}) / (B + 1)` (Davison and Hinkley 1997, eq. 4.11),
    so a p-value is never exactly zero.
    """
    draws = np.asarray(draws)
    return float((1 + (draws >= observed).sum()) / (draws.size + 1))
