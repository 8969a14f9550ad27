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


def ar1_coefficient(resid: np.ndarray) -> float:
    """First-order autocorrelation of regression residuals, corrected for small-sample bias.

    Parameters
    ----------
    resid : residuals in time order.

    Returns
    -------
    float
        The bias-corrected coefficient, in [-0.98, 0.98].

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


def ar1_bootstrap_errors(resid: np.ndarray, reps: int = BOOT_REPS, rng: RandomState = BOOT_SEED) -> np.ndarray:
    """``reps`` AR(1) error series shaped like ``resid`` (array n x reps), by a sieve bootstrap.

    Parameters
    ----------
    resid : residuals of the fitted model, in time order.
    reps : number of simulated series.
    rng : seed or generator (see the module docstring).

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
    rho = ar1_coefficient(u)
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
    return res, coefficient_deviations(X, ar1_bootstrap_errors(res.resid, reps, rng))


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
