"""The generic pieces of the book's generated prose, defined once and tested once.

Chapters build the sentences that follow their data and parameters (``describe_*`` and
``*_sentence`` functions in ``chapters/<topic>/text.py``); the parts every chapter needs live
here: signed numbers and intervals (with a true minus sign, U+2212), p-values, lists of
names, "rose in A and fell in B" phrases, rankings, ordinals and year spans, and the words
for missing values.

Missing values (the book's convention, CONTRIBUTING.md): None or NaN in, :data:`NOT_AVAILABLE`
('n/a') out for a number, :data:`NO_DATA` ('no data') where a sentence says a source has
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

MINUS = "\u2212"  # the typographic minus sign
NOT_AVAILABLE = "n/a"  # a number that cannot be given
NO_DATA = "no data"  # a source publishes nothing for this economy, measure or year
DASH = "–"  # an empty cell of a display table (as :func:`imtrade.show.tables.show_table` shows NaN)


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' NA (the forms a missing number takes in a frame)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def with_minus(text: str) -> str:
    """``text`` with hyphen-minus signs of numbers replaced by U+2212 ('-0.3' -> '−0.3')."""
    return text.replace("-", MINUS)


def format_number(value: float | None, fmt: str = "{:,.1f}", missing: str = NOT_AVAILABLE) -> str:
    """``fmt.format(value)``, or ``missing`` for None/NaN (numbers glued into the text)."""
    return missing if is_missing(value) else fmt.format(value)


def signed(
    value: float | None, digits: int = 1, *, plus: bool = True, unit: str = "", missing: str = NOT_AVAILABLE
) -> str:
    """A number with an explicit sign and a typographic minus: '+1.2', '−0.8', '0.0'.

    Parameters
    ----------
    value : the number (None or NaN give ``missing``).
    digits : decimals shown.
    plus : show '+' before positive numbers (False: only negatives carry a sign).
    unit : appended as is (e.g. ' %', ' points').
    missing : the text for a missing value ('n/a'; :data:`DASH` in a table cell).

    A value that rounds to zero is shown without a sign ('0.0', not '−0.0' or '+0.0').
    """
    if is_missing(value):
        return missing
    text = f"{value:+.{digits}f}"
    if float(text) == 0 or (not plus and text.startswith("+")):
        text = text[1:]  # no sign on zero; '+' only when asked for
    return with_minus(text) + unit


def interval_text(low: float, high: float, digits: int = 2, *, plus: bool = False) -> str:
    """'−0.10 to 0.32': the two ends of an interval (see :func:`signed` for ``plus``)."""
    return f"{signed(low, digits, plus=plus)} to {signed(high, digits, plus=plus)}"


def ci_text(low: float, high: float, digits: int = 2, *, plus: bool = True, level: int = 95) -> str:
    """'95 % CI −0.10 to +0.32': a confidence interval for prose."""
    return f"{level} % CI {interval_text(low, high, digits, plus=plus)}"


def p_text(p: float, *, equals: bool = True, digits: int = 3, missing: str = NOT_AVAILABLE) -> str:
    """A p-value for prose: '< 0.001' or '= 0.042' (without '= ' if ``equals`` is false)."""
    if is_missing(p):
        return missing
    floor = 10.0**-digits
    if p < floor:
        return f"< {floor:.{digits}f}"
    return f"= {p:.{digits}f}" if equals else f"{p:.{digits}f}"


def excludes_zero(low: float, high: float) -> bool:
    """Whether an interval lies entirely above or below zero."""
    return low > 0 or high < 0


def join_names(names: Iterable[str], conjunction: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def capitalise(text: str) -> str:
    """First letter upper-cased (for a glued phrase that may open a sentence)."""
    return text[:1].upper() + text[1:]


def lower_first(label: str) -> str:
    """'High-technology exports' -> 'high-technology exports'; acronyms ('R&D ...', 'ICT ...') are kept."""
    return label if len(label) > 1 and not label[1].islower() else label[:1].lower() + label[1:]


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 claim', '3 claims', '2 entries' (with ``many``)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def ordinal(n: int) -> str:
    """1 -> '1st', 12 -> '12th', 22 -> '22nd'."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def year_span(years: Sequence[int]) -> str:
    """[2000, 2007] -> '2000–2007'; one year -> '2000'."""
    lo, hi = int(years[0]), int(years[-1])
    return str(lo) if lo == hi else f"{lo}–{hi}"


def year_runs(years: Iterable[int]) -> list[str]:
    """Consecutive years compressed: [2018, 2019, 2021] -> ['2018–2019', '2021']."""
    runs: list[list[int]] = []
    for y in sorted(int(y) for y in years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return [year_span(r) for r in runs]


def money(value: float, unit: str = "US$") -> str:
    """A large amount with a readable scale: 2.05e13 -> '20.5 tn US$'."""
    for scale, name in ((1e12, "tn"), (1e9, "bn"), (1e6, "mn")):
        if abs(value) >= scale:
            return f"{value / scale:,.1f} {name} {unit}"
    return f"{value:,.0f} {unit}"


def change_phrase(
    changes: Iterable[tuple[str, float]],
    digits: int = 1,
    unit: str = " points",
    *,
    rose: str = "rose in",
    fell: str = "fell or stayed flat in",
    missing: str = "cannot be compared for lack of data",
) -> str:
    """'rose in A (+2.1 points) and B (+0.3 points) and fell or stayed flat in C (−1.0 points)'.

    ``changes`` are (name, change) pairs in the order to list them; missing changes are
    left out, and ``missing`` is returned when none is left.
    """
    ups, downs = [], []
    for name, change in changes:
        if is_missing(change):
            continue
        (ups if change > 0 else downs).append(f"{name} ({signed(change, digits)}{unit})")
    parts = []
    if ups:
        parts.append(f"{rose} {join_names(ups)}")
    if downs:
        parts.append(f"{fell} {join_names(downs)}")
    return " and ".join(parts) if parts else missing


def ranking_phrase(values: Mapping[str, float | None], fmt: str = "{:.1f}", unit: str = "") -> str:
    """'A (3.2), B (2.1) and C (0.4)', highest first; missing values are left out."""
    items = sorted(((k, v) for k, v in values.items() if not is_missing(v)), key=lambda kv: -kv[1])
    return join_names(f"{k} ({fmt.format(v)}{unit})" for k, v in items)


def above_below(values: Mapping[str, float | None], threshold: float, none: str = "none of them") -> tuple[str, str]:
    """(names above ``threshold``, names at or below it), each a list phrase or ``none``."""
    present = [(k, v) for k, v in values.items() if not is_missing(v)]
    above = join_names(k for k, v in present if v > threshold)
    below = join_names(k for k, v in present if v <= threshold)
    return above or none, below or none
