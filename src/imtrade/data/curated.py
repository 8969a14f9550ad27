"""Curated tables of figures that exist only in publications (``data/curated/*.csv``).

Every row carries its own citation and URL. Each table has one pandera ``DataFrameModel``
(strict: no column the model does not name; coerce: numbers are converted), built on
:class:`CuratedTable`, the columns every table shares; its column dictionary is in
``data/curated/README.md`` (a test keeps the two in step). :func:`load_curated` validates a
table at load time, reports every problem at once with its line numbers, and records the
read for the build cache.

Blank cells are ``""`` in text columns and NaN in number columns; a number column that may
be blank is ``float`` (a blank year, e.g. an open-ended era, is NaN).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from imtrade.data.provenance import record_read
from imtrade.data.validation import format_lines
from imtrade.exceptions import DataValidationError, ImtradeError
from imtrade.paths import project

YEARS = {"ge": 1900, "le": 2100}  # reference, edition and target years of the curated figures
README = "data/curated/README.md"


def _whole(values: pd.Series) -> pd.Series:
    return values.isna() | (values % 1 == 0)


class CuratedTable(pa.DataFrameModel):
    """Columns common to every curated table: where and how each figure was read."""

    citation: Series[str]  # publisher and publication (edition, date)
    url: Series[str]  # where the figure was read (the primary page if verified_primary is yes)
    accessed: Series[str]  # ISO date of the check
    verified_primary: Series[str]  # yes / no: seen at the primary publisher
    note: Series[str]  # caveats: rounding, revisions, conflicts, the lead it came from

    class Config:
        strict = True
        coerce = True

    @pa.check("citation", "url", error="is empty")
    def _given(cls, values: Series[str]) -> Series[bool]:
        return values.str.strip() != ""

    @pa.check("url", error="is not an http(s) URL")
    def _web_address(cls, values: Series[str]) -> Series[bool]:
        return values.str.match(r"^https?://") | (values.str.strip() == "")  # blank: reported as empty

    @pa.check("accessed", error="is not an ISO date (YYYY-MM-DD)")
    def _iso_date(cls, values: Series[str]) -> Series[bool]:
        return values.str.fullmatch(r"\d{4}-\d{2}-\d{2}")

    @pa.check("verified_primary", error="must be yes or no")
    def _yes_no(cls, values: Series[str]) -> Series[bool]:
        return values.str.lower().isin(["yes", "no"])


class RobotInstallations(CuratedTable):
    """IFR World Robotics: installations, operational stock and robot density, by report edition."""

    year: Series[int] = pa.Field(**YEARS)
    geography: Series[str]
    iso3: Series[str]  # empty for regions and sector subsets
    measure: Series[str] = pa.Field(isin=["installations", "operational_stock", "robot_density"])
    value: Series[int] = pa.Field(ge=0)  # robots, or robots per 10 000 employees
    unit: Series[str]
    report_edition: Series[str]


class RobotForecasts(CuratedTable):
    """IFR forecasts and forecasts quoted by the source texts (a range is two rows)."""

    forecast_year: Series[int] = pa.Field(**YEARS)
    geography: Series[str]
    iso3: Series[str]
    measure: Series[str] = pa.Field(isin=["installations", "operational_stock", "installations_cumulative"])
    value: Series[float] = pa.Field(nullable=True, ge=0)  # empty when only a growth rate was published
    unit: Series[str]
    cagr_pct: Series[float] = pa.Field(nullable=True)
    cagr_period: Series[str]
    made_in_year: Series[int] = pa.Field(**YEARS)
    forecaster: Series[str]


class InnovationIndexRanks(CuratedTable):
    """WIPO Global Innovation Index: overall rank by edition."""

    edition_year: Series[int] = pa.Field(**YEARS)
    iso3: Series[str]
    economy: Series[str]
    rank: Series[int] = pa.Field(ge=1)
    economies_ranked: Series[float] = pa.Field(nullable=True, ge=1)  # empty if not verified

    @pa.check("economies_ranked", error="is not a whole number")
    def _count(cls, values: Series[float]) -> Series[bool]:
        return _whole(values)


class BilateralTradeFigures(CuratedTable):
    """China's goods trade with Africa and Latin America as released by customs / MOFCOM."""

    year: Series[int] = pa.Field(**YEARS)
    reporter: Series[str]
    partner: Series[str]
    flow: Series[str] = pa.Field(isin=["total", "exports", "imports"])
    value: Series[float]
    unit: Series[str]
    yoy_growth_pct: Series[float] = pa.Field(nullable=True)  # empty if the source gives none


class GvcParticipationQuoted(CuratedTable):
    """GVC participation rates as quoted by the source texts."""

    year: Series[float] = pa.Field(nullable=True, **YEARS)  # empty when the source says "today"
    measure: Series[str]
    value: Series[float]
    unit: Series[str]
    quoted_in: Series[str]
    attributed_to: Series[str]

    @pa.check("year", error="is not a whole year")
    def _year(cls, values: Series[float]) -> Series[bool]:
        return _whole(values)


class ManufacturingPlans(CuratedTable):
    """National intelligent-manufacturing strategies named in the source texts."""

    iso3: Series[str]
    country: Series[str]
    plan: Series[str]
    year_launched: Series[int] = pa.Field(**YEARS)
    lead_body: Series[str]
    focus: Series[str]


class ChinaRoadmapMilestones(CuratedTable):
    """Timeline items: paradigms, goals, policies and events."""

    start_year: Series[float] = pa.Field(nullable=True, **YEARS)  # empty for target years
    end_year: Series[float] = pa.Field(nullable=True, **YEARS)  # empty for open-ended eras
    kind: Series[str] = pa.Field(isin=["paradigm", "goal", "policy", "event"])
    label: Series[str]
    description: Series[str]
    source_text: Series[str]

    @pa.check("start_year", "end_year", error="is not a whole year")
    def _years(cls, values: Series[float]) -> Series[bool]:
        return _whole(values)


class ImfWeoAdvancedEconomies(CuratedTable):
    """IMF World Economic Outlook advanced economies (one edition's list)."""

    weo_edition: Series[str]
    iso3: Series[str]
    economy: Series[str]
    advanced_from_year: Series[float] = pa.Field(nullable=True, **YEARS)  # empty: throughout

    @pa.check("advanced_from_year", error="is not a whole year")
    def _year(cls, values: Series[float]) -> Series[bool]:
        return _whole(values)


class TradeGeographyShares(CuratedTable):
    """South-South trade and intra-regional trade shares as published by UNCTAD and the WTO."""

    year: Series[float] = pa.Field(nullable=True, **YEARS)  # empty when the publication gives no reference year
    published_year: Series[int] = pa.Field(**YEARS)
    measure: Series[str] = pa.Field(
        isin=[
            "south_south_exports",
            "south_south_share_of_world_exports",
            "south_south_share_of_world_trade",
            "intra_regional_share_of_exports",
        ]
    )
    geography: Series[str]
    value: Series[float]
    bound: Series[str] = pa.Field(isin=["=", "~", ">", "<"])  # exact, rounded ("about"), lower or upper bound
    unit: Series[str]

    @pa.check("year", error="is not a whole year")
    def _year(cls, values: Series[float]) -> Series[bool]:
        return _whole(values)


class TivaServicesContent(CuratedTable):
    """OECD TiVA: services value added in exports, as published (levels and bounds)."""

    year: Series[int] = pa.Field(**YEARS)
    geography: Series[str]
    iso3: Series[str]  # empty for a statement across economies
    measure: Series[str] = pa.Field(isin=["services_share_of_total_exports_va", "services_share_of_goods_exports"])
    value: Series[float] = pa.Field(ge=0, le=100)
    bound: Series[str] = pa.Field(isin=["=", "~", ">", "<"])  # exact, rounded, lower or upper bound
    unit: Series[str]
    edition: Series[str]


SCHEMAS: dict[str, type[CuratedTable]] = {
    "robot_installations": RobotInstallations,
    "robot_forecasts": RobotForecasts,
    "innovation_index_ranks": InnovationIndexRanks,
    "bilateral_trade_figures": BilateralTradeFigures,
    "gvc_participation_quoted": GvcParticipationQuoted,
    "manufacturing_plans": ManufacturingPlans,
    "china_roadmap_milestones": ChinaRoadmapMilestones,
    "imf_weo_advanced_economies": ImfWeoAdvancedEconomies,
    "trade_geography_shares": TradeGeographyShares,
    "tiva_services_content": TivaServicesContent,
}


def curated_tables() -> list[str]:
    """Names of the tables in ``data/curated/`` (file stems)."""
    folder = project().curated
    return sorted(p.stem for p in folder.glob("*.csv")) if folder.is_dir() else []


def load_curated(name: str) -> pd.DataFrame:
    """Load ``data/curated/<name>.csv``, validated against its schema in :data:`SCHEMAS`.

    Raises
    ------
    DataValidationError
        Listing every problem of the file (missing or unexpected columns, empty citations,
        non-numeric values, ...) with line numbers.
    ImtradeError
        When there is no such table, or the table has no schema.
    """
    paths = project()
    path: Path = paths.curated / f"{name}.csv"
    if not path.is_file():
        raise ImtradeError(
            f"no curated table '{name}' in {path.parent}", fix=f"available: {', '.join(curated_tables())}"
        )
    source = path.relative_to(paths.root).as_posix()
    model = SCHEMAS.get(name)
    if model is None:
        raise ImtradeError(
            f"{source} has no schema",
            fix=f"add a DataFrameModel for it to SCHEMAS in src/imtrade/data/curated.py and its columns to {README}",
        )
    text = pd.read_csv(path, dtype=str, keep_default_na=False)  # blanks are "" until typed
    frame = validate_curated(text, model, source)
    record_read("curated", "", source, hashlib.sha256(path.read_bytes()).hexdigest())
    return frame


def validate_curated(text: pd.DataFrame, model: type[CuratedTable], source: str) -> pd.DataFrame:
    """Type and check a curated table read as text; raise every problem at once.

    Blank cells of number columns become NaN; text columns keep ``""``. Line numbers in
    the messages count the header as line 1.
    """
    schema = model.to_schema()
    numbers = [c for c, col in schema.columns.items() if c in text and str(col.dtype).startswith(("int", "float"))]
    frame = text.assign(**{c: text[c].str.strip().replace("", np.nan) for c in numbers})
    try:
        return model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = _with_checks_of_untyped_columns(exc.failure_cases, model, frame)
    order = [*(c for c in schema.columns if c not in text), *text.columns]
    raise DataValidationError(
        source,
        _describe(cases, order),
        fix=f"correct the file (columns and their types: {README}); nothing was changed",
    )


def _kind(cases: pd.DataFrame) -> pd.Series:
    return cases["check"].astype(str).str.extract(r"^(coerce_dtype|dtype|not_nullable)", expand=False).fillna("")


def _with_checks_of_untyped_columns(cases: pd.DataFrame, model: type[CuratedTable], frame: pd.DataFrame):
    """The failures of every check, also on columns pandera could not type.

    A number column with a non-numeric (or, for whole numbers, blank) cell keeps its text, so
    pandera cannot run its other checks (ranges) on it: they run again, column by column,
    without the rows that column could not type. Blank cells are reported once, as empty
    (``not_nullable``).
    """
    kind = _kind(cases)
    untyped_rows = cases[kind == "coerce_dtype"]
    untyped = set(untyped_rows["column"])
    keep = (kind != "dtype") & ~((kind == "coerce_dtype") & cases["failure_case"].isna())
    keep &= ~(cases["column"].isin(untyped) & (kind == ""))  # checks that ran on text: no result
    cases = cases[keep]
    if not untyped:
        return cases
    found = [cases]
    for column in sorted(untyped):
        rows = pd.to_numeric(untyped_rows.loc[untyped_rows["column"] == column, "index"]).astype(int).unique()
        try:
            model.validate(frame.drop(index=rows), lazy=True)
        except pa.errors.SchemaErrors as exc:
            again = exc.failure_cases
            found.append(again[(again["column"] == column) & (_kind(again) == "")])
    return pd.concat(found, ignore_index=True)


def _describe(cases: pd.DataFrame, columns: list[str]) -> list[str]:
    """One message per column and check, naming the rows by their line in the file (header = 1)."""
    position = {c: i for i, c in enumerate(columns)}
    check = cases["check"].astype(str)
    messages: list[tuple[int, str]] = []
    for column in cases.loc[check == "column_in_dataframe", "failure_case"]:
        messages.append((-2, f"missing column {column!r}"))
    unexpected = cases.loc[check == "column_in_schema", "failure_case"].tolist()
    if unexpected:
        messages.append(
            (
                -1,
                f"unexpected column(s) {', '.join(repr(c) for c in unexpected)} (a new column goes in the "
                f"table's schema in src/imtrade/data/curated.py and in {README}; or rename it)",
            )
        )
    rows = cases[cases["index"].notna()]
    for (column, name), group in rows.groupby(["column", "check"], sort=False):
        name = str(name)
        lines = format_lines(pd.to_numeric(group["index"]).astype(int) + 2)
        shown = ", ".join(repr(str(v)) for v in group["failure_case"].dropna().drop_duplicates().head(5))
        if name == "not_nullable" or name == "is empty":
            text = f"column {column!r} is empty at line(s) {lines}"
        elif name.startswith("coerce_dtype"):
            kind = "whole number" if "int" in name else "number"
            text = f"column {column!r} is not a {kind} at line(s) {lines}: {shown}"
        else:
            text = f"column {column!r} {_phrase(name)} at line(s) {lines}: {shown}"
        messages.append((position.get(column, len(position)), text))
    return [m for _, m in sorted(messages, key=lambda m: m[0])]


def _phrase(check: str) -> str:
    """What a failed pandera check means, in words ("must be one of yes, no")."""
    if check.startswith("isin("):
        return "must be one of " + check[len("isin(") : -1].strip("[]").replace("'", "")
    if check.startswith("greater_than_or_equal_to("):
        return f"must be at least {check[len('greater_than_or_equal_to(') : -1]}"
    if check.startswith("less_than_or_equal_to("):
        return f"must be at most {check[len('less_than_or_equal_to(') : -1]}"
    return check  # custom checks carry their message as their name
