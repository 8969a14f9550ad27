"""Appendix "Methods": the simulated size and power of the book's break tests.

Everything here is a Monte Carlo on simulated series shaped like the book's (30 or 55 annual
observations, a linear trend, AR(1) deviations): no data are read. The statistics are those of
:mod:`imtrade.stats.breaks`; this module only lays out the design and collects the rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from imtrade.exceptions import ParameterError
from imtrade.stats import rejection_rates

#: The design of the simulation: sample lengths (ending in 2024), the break tested (last year
#: of the first regime) and the years the sup-F scan searches (odd years 1995-2015, 2008).
LAST_YEAR = 2024
BREAK_YEAR = 2008
CANDIDATES = (1995, 1999, 2003, 2005, 2008, 2011, 2015)


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks of the page's parameters (run before any simulation)."""
    if params["reps"] < 10:
        raise ParameterError(f"parameter 'reps' must be at least 10, got {params['reps']}")
    if params["boot_reps"] < 39:
        # a bootstrap p-value is at least 1/(B + 1): with fewer draws it can never fall below 5 %
        raise ParameterError(
            f"parameter 'boot_reps' must be at least 39 (else no p-value can fall below 5 %), got {params['boot_reps']}"
        )
    for n in params["lengths"]:
        if not 25 <= n <= 80:
            raise ParameterError(f"parameter 'lengths' takes sample lengths from 25 to 80 years, got {n}")
    for rho in params["rhos"]:
        if not 0 <= rho <= 0.95:
            raise ParameterError(f"parameter 'rhos' takes autocorrelations from 0 to 0.95, got {rho}")
    if not params["lengths"] or not params["rhos"]:
        raise ParameterError("parameters 'lengths' and 'rhos' need at least one value each")


def size_power_table(
    lengths: Sequence[int],
    rhos: Sequence[float],
    slope_change: float,
    *,
    reps: int,
    boot_reps: int,
    seed: int,
) -> pd.DataFrame:
    """Rejection rates at 5 % of the Chow and sup-F tests, without a break (size) and with one (power).

    Parameters
    ----------
    lengths : sample lengths n (series end in :data:`LAST_YEAR`).
    rhos : autocorrelations of the AR(1) deviations (unit innovation s.d.).
    slope_change : the change in the trend slope after :data:`BREAK_YEAR` under the
        alternative, in innovation standard deviations a year (the slope before is 0.3).
    reps, boot_reps, seed : simulated series, bootstrap draws per test, seed.

    Returns
    -------
    One row per (n, rho, case) with the rejection rates of the textbook F, the bootstrap Chow
    test and the bootstrap sup-F test, and the Monte Carlo standard error of a 5 % rate.

    Notes
    -----
    :func:`imtrade.stats.rejection_rates` on :math:`y_t = 0.3 t + \\delta (t - \\tau)_+ + u_t`
    with :math:`\\delta = 0` (size) or ``slope_change`` (power).
    """
    rows = []
    for n in lengths:
        years = np.arange(LAST_YEAR - n + 1, LAST_YEAR + 1)
        t = years - years[0]
        for rho in rhos:
            for case, delta in (("size (no break)", 0.0), ("power (break)", slope_change)):
                mean = 0.3 * t + delta * np.clip(years - BREAK_YEAR, 0, None)
                out = rejection_rates(
                    years, mean, rho, BREAK_YEAR, candidates=CANDIDATES, reps=reps, boot_reps=boot_reps, seed=seed
                )
                rows.append(
                    {
                        "n": int(n),
                        "rho": float(rho),
                        "case": case,
                        "textbook_f": out["classical"],
                        "bootstrap_chow": out["chow"],
                        "bootstrap_sup_f": out["sup_f"],
                        "reps": reps,
                    }
                )
    table = pd.DataFrame(rows)
    table["mc_se_at_5pct"] = np.sqrt(0.05 * 0.95 / reps)
    return table
