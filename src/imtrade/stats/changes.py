"""Changes of a series between two years: differences, percent changes, growth rates, indices.

Missing values follow the book's convention (CONTRIBUTING.md): when a year is absent, a value
is NaN, or a ratio is undefined, the result is NaN, never None and never an exception.
Series are indexed by year.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _value(series: pd.Series, year: int) -> float:
    """``series[year]`` as a float, NaN when the year is absent."""
    return float(series.loc[year]) if year in series.index else math.nan


def change_between(series: pd.Series, start: int, end: int) -> float:
    """``series[end] - series[start]`` (NaN when either year is missing).

    Notes
    -----
    An absolute change, in the series' units (percentage points for a share).
    """
    return _value(series, end) - _value(series, start)


def percent_change(series: pd.Series, start: int, end: int) -> float:
    """Percentage change from ``start`` to ``end`` (NaN if a year is missing or the start is 0).

    Notes
    -----
    :math:`100\\,(x_{end} / x_{start} - 1)`.
    """
    a, b = _value(series, start), _value(series, end)
    if math.isnan(a) or math.isnan(b) or a == 0:
        return math.nan
    return float((b / a - 1) * 100)


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth rate in percent (NaN unless both values and ``years`` are positive).

    Notes
    -----
    :math:`g = 100\\,((x_T / x_0)^{1/T} - 1)`: the constant yearly rate that turns
    :math:`x_0` into :math:`x_T` in :math:`T` years (endpoints only; the path between them
    does not matter).
    """
    if not (start_value > 0 and end_value > 0 and years > 0):
        return math.nan
    return 100.0 * ((end_value / start_value) ** (1.0 / years) - 1.0)


def series_cagr(series: pd.Series, start: int, end: int) -> float:
    """:func:`cagr` of a year-indexed series between two of its years (NaN if either is missing)."""
    if end <= start:
        return math.nan
    return cagr(_value(series, start), _value(series, end), end - start)


def compound(start_value: float, rate_pct: float, years: float | np.ndarray) -> float | np.ndarray:
    """``start_value`` grown at ``rate_pct`` % a year for ``years`` years.

    Notes
    -----
    :math:`x_0 (1 + g/100)^T`, the inverse of :func:`cagr`.
    """
    return start_value * (1.0 + rate_pct / 100.0) ** years


def index_to(series: pd.Series, base_year: int) -> pd.Series:
    """``series`` / value in ``base_year`` x 100 (all NaN if the base year is missing or zero)."""
    base = series.get(base_year, np.nan)
    return series / base * 100 if pd.notna(base) and base != 0 else series * np.nan
