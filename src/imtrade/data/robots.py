"""IFR robot statistics from the curated table: one figure per economy, measure and year.

``data/curated/robot_installations.csv`` keeps every World Robotics edition's figure side by
side (editions revise earlier years, preliminary releases precede final ones, and a rounded
headline may sit beside the exact value). The book reads one figure per economy and year,
chosen by one rule (:func:`select_editions`):

1. a final edition before a preliminary release (preliminary figures only fill years no
   final edition covers, flagged ``only_preliminary``);
2. among those, the latest edition (the most revised figure), or with ``rule="first"`` the
   earliest (the figure as first published);
3. within one edition, the more precise figure (fewer trailing zeros: an exact value beats
   a rounded headline), then the first row of the file.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

RULES = ("latest", "first")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _trailing_zeros(value: float) -> int:
    if not np.isfinite(value) or value == 0:
        return 0
    v, k = round(value), 0
    while v % 10 == 0:
        v //= 10
        k += 1
    return k


def robot_rows(table: pd.DataFrame, measure: str = "installations") -> pd.DataFrame:
    """The curated IFR rows of one measure, typed, with ``edition_year``, ``preliminary`` and ``order``.

    ``edition_year`` is the latest four-digit year named in ``report_edition`` (the year the
    figure was published); ``preliminary`` is True when the edition says so; ``order`` is the
    row's position in the file. ``iso3`` is '' for regions and sector subsets, which are never
    compared with economies.
    """
    rows = table[table["measure"] == measure].copy()
    rows["iso3"] = rows["iso3"].fillna("").astype(str).str.strip()
    rows["year"] = pd.to_numeric(rows["year"]).astype(int)
    rows["value"] = pd.to_numeric(rows["value"]).astype(float)
    rows["edition_year"] = rows["report_edition"].map(lambda s: max((int(y) for y in _YEAR.findall(str(s))), default=0))
    rows["preliminary"] = rows["report_edition"].str.contains("preliminary", case=False)
    rows["order"] = range(len(rows))
    return rows.reset_index(drop=True)


def select_editions(rows: pd.DataFrame, rule: str = "latest") -> pd.DataFrame:
    """One row per (iso3, year) of :func:`robot_rows` output, by the rule of the module docstring.

    Adds ``only_preliminary`` (True for years with no final edition).
    """
    if rule not in RULES:
        raise ValueError(f"rule must be 'latest' or 'first', got {rule!r}")
    edition = rows["edition_year"] if rule == "latest" else -rows["edition_year"]
    ranked = rows.assign(_edition=edition, _precision=-rows["value"].map(_trailing_zeros)).sort_values(
        ["iso3", "year", "preliminary", "_edition", "_precision", "order"],
        ascending=[True, True, True, False, False, True],
        kind="stable",
    )
    chosen = ranked.groupby(["iso3", "year"], sort=True).head(1).drop(columns=["_edition", "_precision"])
    return chosen.assign(only_preliminary=chosen["preliminary"]).reset_index(drop=True)


def robot_value(rows: pd.DataFrame, iso3: str, year: int, edition: str | None = None) -> pd.Series:
    """The selected row of ``iso3`` in ``year`` (or the row of a named edition).

    Raises
    ------
    KeyError
        If there is no such row.
    """
    if edition is not None:
        hit = rows[(rows["iso3"] == iso3) & (rows["year"] == year) & (rows["report_edition"] == edition)]
    else:
        hit = select_editions(rows[(rows["iso3"] == iso3) & (rows["year"] == year)])
    if hit.empty:
        raise KeyError(f"no curated IFR row for {iso3} {year}" + (f" in {edition}" if edition else ""))
    return hit.iloc[0]


def robot_series(table: pd.DataFrame, measure: str = "installations", rule: str = "latest") -> pd.DataFrame:
    """One IFR figure per economy and year of ``measure`` (economies and WLD; regions left out).

    Parameters
    ----------
    table : ``load_curated("robot_installations")``.
    measure : ``installations``, ``operational_stock`` or ``robot_density``.
    rule : ``latest`` or ``first`` (see :func:`select_editions`).

    Returns
    -------
    Frame iso3, geography, year, value, report_edition, preliminary, citation, url.
    """
    rows = robot_rows(table, measure)
    chosen = select_editions(rows[rows["iso3"] != ""], rule)
    # the values as the curated table types them (whole units stay integers in downloads)
    chosen["value"] = table.loc[table["measure"] == measure, "value"].iloc[chosen["order"]].to_numpy()
    cols = ["iso3", "geography", "year", "value", "report_edition", "preliminary", "citation", "url"]
    return chosen[cols].sort_values(["iso3", "year"]).reset_index(drop=True)
