"""Validation of tidy indicator tables at the boundary (when a raw file is parsed).

Every parser produces the same tidy schema::

    dataset, vintage, indicator, iso3, year, value

plus a private ``_line`` column (the source line of each value) that is used only to name
rows in error messages and dropped before the frame leaves the parser. Validation collects
every problem of a file and raises one :class:`~imtrade.exceptions.DataValidationError`.
Frames in the processed cache were validated when they were parsed; loading them again does
not re-validate (the cache is keyed by the raw files' checksums). Curated tables have their own
schemas, in :mod:`imtrade.data.curated`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from imtrade.exceptions import DataValidationError

TIDY_COLUMNS = ["dataset", "vintage", "indicator", "iso3", "year", "value"]
YEAR_RANGE = (1700, 2100)  # CO2 series start in 1751; nothing is dated after 2100


class Problems:
    """Collects validation problems of one source so the user sees them all at once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)

    def extend(self, messages: Iterable[str]) -> None:
        self.items.extend(messages)

    def raise_if_any(self, fix: str | None = None) -> None:
        if self.items:
            raise DataValidationError(self.source, self.items, fix=fix)


def format_lines(lines: pd.Series, limit: int = 8) -> str:
    """Line numbers for a message: ``3, 7, 9 (+12 more)`` (each line once, at most ``limit``)."""
    unique = lines.dropna().drop_duplicates()  # wide files: one line holds several values
    values = [int(v) for v in unique.head(limit)]
    more = len(unique) - len(values)
    text = ", ".join(str(v) for v in values)
    return text + (f" (+{more} more)" if more > 0 else "")


def require_columns(frame: pd.DataFrame, required: Iterable[str], problems: Problems) -> bool:
    """Record missing columns; return True when all are present."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        found = ", ".join(repr(c) for c in frame.columns)
        problems.add(f"missing column(s) {', '.join(repr(c) for c in missing)}; found {found}")
    return not missing


def numeric_column(values: pd.Series, lines: pd.Series, column: str, problems: Problems) -> pd.Series:
    """Convert text to float; blanks become NaN, anything else non-numeric is a problem."""
    text = values.astype("string").str.strip()
    number = pd.to_numeric(text, errors="coerce")
    bad = number.isna() & text.notna() & (text != "") & ~text.str.lower().isin(["nan", "na", ".."])
    if bad.any():
        examples = ", ".join(
            f"line {int(line)}: {val!r}" for line, val in zip(lines[bad].head(5), text[bad].head(5), strict=False)
        )
        problems.add(f"column {column!r}: {int(bad.sum())} non-numeric value(s) ({examples})")
    return number.astype("float64")


def year_column(values: pd.Series, lines: pd.Series, column: str, problems: Problems) -> pd.Series:
    number = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
    bad = number.isna() | (number % 1 != 0)
    if bad.any():
        at = format_lines(lines[bad])
        problems.add(f"column {column!r}: {int(bad.sum())} value(s) that are not whole years (line(s) {at})")
    return number


def _codes_without_whitespace(codes: pd.Series) -> pd.Series:
    distinct = codes.drop_duplicates()
    bad = set(distinct[distinct.str.contains(r"\s", regex=True) | (distinct == "")])
    return ~codes.isin(bad) if bad else pd.Series(True, index=codes.index)


def validate_tidy(
    frame: pd.DataFrame,
    problems: Problems,
    known_codes: set[str] | None = None,
    year_range: tuple[int, int] = YEAR_RANGE,
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Check the tidy schema with pandera (lazy: all failures), keys, codes and ranges.

    ``labels`` maps tidy columns to the file's own column names (e.g. ``iso3`` ->
    ``Country Code``) so that messages name the column the user sees.
    Returns the frame without its ``_line`` column, sorted by indicator, iso3, year.
    Raises DataValidationError if ``problems`` holds anything afterwards: problems found
    while parsing (non-numeric values, bad years) and those found here are reported together.
    """
    import pandera.pandas as pa  # imported here: parsing is the only place that needs it

    lines = frame["_line"] if "_line" in frame else pd.Series(np.nan, index=frame.index)
    frame = frame.dropna(subset=["value"])  # blanks in upstream files mean "no data"
    year = pd.to_numeric(frame["year"], errors="coerce")
    bad_year = year.isna() | (year % 1 != 0)
    if bad_year.any():  # parsers report these (year_column); never drop rows silently
        if not any("year" in p for p in problems.items):
            at = format_lines(lines.reindex(frame.index[bad_year]))
            problems.add(f"column 'year': {int(bad_year.sum())} value(s) that are not whole years (line(s) {at})")
        frame = frame[~bad_year]
    if frame.empty and not problems.items:
        problems.add("no data values found (empty or truncated file?)")
    checks_iso3 = [pa.Check.isin(sorted(known_codes))] if known_codes is not None else []
    schema = pa.DataFrameSchema(
        {
            "dataset": pa.Column(str),
            "vintage": pa.Column(str),
            # a code is one token without whitespace; checked on the few distinct codes, not per row
            "indicator": pa.Column(
                str, pa.Check(_codes_without_whitespace, error="indicator code contains whitespace")
            ),
            "iso3": pa.Column(str, checks_iso3),
            "year": pa.Column(int, [pa.Check.ge(year_range[0]), pa.Check.le(year_range[1])]),
            "value": pa.Column(float, pa.Check(np.isfinite, element_wise=False, error="finite")),
            "_line": pa.Column(float, nullable=True, required=False),
        },
        strict=True,
        coerce=True,
        unique=["indicator", "iso3", "year"],
        report_duplicates="all",
    )
    if not frame.empty:
        try:
            frame = schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            problems.extend(_describe_failures(exc.failure_cases, lines, frame, labels or {}, year_range))
    problems.raise_if_any()
    out = frame.drop(columns=["_line"], errors="ignore")
    return out.sort_values(["indicator", "iso3", "year"], kind="stable").reset_index(drop=True)


def _describe_failures(
    cases: pd.DataFrame,
    lines: pd.Series,
    frame: pd.DataFrame,
    labels: dict[str, str],
    year_range: tuple[int, int] = YEAR_RANGE,
) -> list[str]:
    messages = []
    label = lambda column: repr(labels.get(str(column), str(column)))  # noqa: E731
    unique_check = cases["check"].astype(str) == "multiple_fields_uniqueness"
    if unique_check.any():  # pandera reports each duplicate row once per key column: one message
        idx = pd.to_numeric(cases.loc[unique_check, "index"], errors="coerce").dropna().astype(int).drop_duplicates()
        keys = frame.loc[frame.index.intersection(idx), ["indicator", "iso3", "year"]].drop_duplicates().head(5)
        sample = ", ".join(f"({r.indicator}, {r.iso3}, {int(r.year)})" for r in keys.itertuples(index=False))
        messages.append(
            f"{len(idx)} rows with duplicate (indicator, iso3, year) keys {sample} "
            f"at line(s) {format_lines(lines.reindex(idx))} (each indicator, country and year may appear once)"
        )
    for (column, check), group in cases[~unique_check].groupby(["column", "check"], dropna=False, sort=False):
        idx = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int)
        where = format_lines(lines.reindex(idx)) if len(idx) else "?"
        sample = ", ".join(repr(v) for v in group["failure_case"].drop_duplicates().head(5))
        if column == "iso3" and str(check).startswith("isin"):
            messages.append(
                f"column {label('iso3')}: {group['failure_case'].nunique()} unknown country code(s) {sample} "
                f"at line(s) {where} (use ISO 3166-1 alpha-3 or World Bank aggregate codes; "
                "`imtrade data entities` lists them)"
            )
        elif str(check) == "not_nullable":
            messages.append(f"column {label(column)}: {len(idx)} empty value(s) at line(s) {where}")
        elif column == "year":
            messages.append(
                f"column {label('year')}: year(s) out of range {sample} at line(s) {where} "
                f"(allowed: {year_range[0]}-{year_range[1]})"
            )
        else:
            what = "non-finite value(s)" if str(check) == "finite" else f"fails {check}:"
            messages.append(f"column {label(column)} {what} {sample} at line(s) {where}")
    return messages
