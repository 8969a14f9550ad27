"""Chapter "Country brief": a short profile of one economy from the book's measures.

The brief applies the measures of the four argument chapters to one economy: trade
openness (de-globalisation), high-tech exports and their revealed comparative advantage
(trade patterns), industry's shares of employment and value added (trade patterns and
de-globalisation), R&D (trade patterns and PartNIR), industrial robots where the IFR figures
are curated (China roadmap), and the claims of the register that name the economy.

It is written to be run for every economy (``specs/country_briefs.yml``): every function
accepts an economy with no data for a measure and says so ("no data") instead of failing.
Loaders read through :func:`imtrade.api.load_indicators`; everything else is a pure function
of the frames they return, so tests can feed small frames. The brief composes shared
functions, never another chapter's: the Balassa index, weighted group means and ranks come
from :mod:`imtrade.stats`, the high-tech and employment series from
:mod:`imtrade.data.indicators`, names and groups from :mod:`imtrade.data.entities`, the
choice among IFR report editions from :mod:`imtrade.data.robots`. Its prose is in
:mod:`.text`, its figures in :mod:`.figures`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from imtrade.book.params import check_countries, check_vintage
from imtrade.data import indicators
from imtrade.data.entities import (
    DISPLAY_NAMES,
    GROUPS,
    display_name,
    economies,
    group_members,
    income_group_code,
    other_names,
    prose_name,
    readable_name,
    with_article,
)
from imtrade.data.indicators import HIGH_TECH_BREAK_YEAR, HT_SHARE, LABOUR_FORCE, OLD_DEFINITION_VINTAGE, UNEMPLOYMENT
from imtrade.data.load import load_entities, load_optional
from imtrade.data.robots import robot_rows as curated_robot_rows
from imtrade.data.robots import select_editions
from imtrade.exceptions import ParameterError
from imtrade.stats import latest_within, rank_economies, weighted_mean

# ---------------------------------------------------------------------------------------
# Measures

TRADE = "NE.TRD.GNFS.ZS"  # derived: exports + imports of goods and services, % of GDP
RCA = "RCA.HIGHTECH"  # imtrade.data.indicators.high_tech_rca, as a row code of the panel (not a data code)
IND_EMP = indicators.INDUSTRY_EMPLOYMENT  # ILO modelled employment in industry, % of total (Gapminder)
IND_VA = indicators.INDUSTRY_VALUE_ADDED  # industry (incl. construction) value added, % of GDP
MANF_VA = "NV_IND_MANF"  # UN SDG (UNIDO): manufacturing value added, % of GDP, 2000-2019
RD = indicators.RD_INTENSITY  # R&D expenditure, % of GDP
RESEARCHERS = "SP.POP.SCIE.RD.P6"  # researchers in R&D, per million people
POPULATION = "SP.POP.TOTL"
GDP_PC = "NY.GDP.PCAP.CD"  # GDP per capita, current US$

ROBOT_TABLE = "robot_installations"


@dataclass(frozen=True)
class Measure:
    key: str  # short name used in glue keys and tables
    code: str  # indicator code (or RCA)
    label: str  # as it reads in a table
    unit: str
    fmt: str  # number format for text and tables
    chapter: str  # the argument chapter whose measure this is

    @property
    def phrase(self) -> str:
        """The label inside a sentence ("employment in industry", "R&D expenditure")."""
        return self.label if self.label[:2].isupper() else self.label[:1].lower() + self.label[1:]


MEASURES: tuple[Measure, ...] = (
    Measure("trade", TRADE, "Trade (exports + imports)", "% of GDP", "{:.0f}", "deglobalisation"),
    Measure("high_tech", HT_SHARE, "High-tech exports", "% of manufactured exports", "{:.1f}", "trade_patterns"),
    Measure(
        "rca", RCA, "Comparative advantage in high-tech exports", "Balassa index, world = 1", "{:.2f}", "trade_patterns"
    ),
    Measure("ind_emp", IND_EMP, "Employment in industry", "% of employment", "{:.1f}", "trade_patterns"),
    Measure("ind_va", IND_VA, "Industry value added", "% of GDP", "{:.1f}", "deglobalisation"),
    Measure("manuf_va", MANF_VA, "Manufacturing value added", "% of GDP", "{:.1f}", "partnir"),
    Measure("rd", RD, "R&D expenditure", "% of GDP", "{:.2f}", "trade_patterns"),
    Measure("researchers", RESEARCHERS, "Researchers in R&D", "per million people", "{:,.0f}", "partnir"),
)
MEASURE = {m.key: m for m in MEASURES}
CORE_CODES = (TRADE, HT_SHARE, IND_EMP, IND_VA, RD, MANF_VA)  # what "an economy with data" needs most of
IMPOSSIBLE_ZERO = (TRADE, IND_EMP, IND_VA, MANF_VA)  # a value of exactly 0 is a placeholder for "missing"

# Economies grouped by name in the claims register (source text 004 is of June 2022: the five
# members of BRICS at that time).
CLAIM_GROUPS = {"BRICS": ("BRA", "RUS", "IND", "CHN", "ZAF")}

# ---------------------------------------------------------------------------------------
# Parameters and the economy


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell)."""
    check_vintage(params["vintage"])
    check_countries([params["country"]], name="country", allow_aggregates=False)
    if not 1960 <= params["start_year"] <= 2015:
        raise ParameterError(
            "parameter 'start_year' must be between 1960 and 2015 (the figures need ten years at least), got "
            f"{params['start_year']}"
        )


@dataclass(frozen=True)
class Economy:
    iso3: str
    name: str  # as in the entity table ("Korea, Rep.")
    region: str  # "" when the World Bank gives none
    income_group: str  # "" when unclassified
    group_code: str | None  # WDI aggregate of its income group (HIC, UMC, LMC, LIC)
    title: str = ""  # the display name, for headings and table cells ("Korea"; default from the name)
    prose: str = ""  # the name as it reads in running text ("the United States"; default from the title)

    def __post_init__(self) -> None:
        if not self.title:  # frozen: the defaults are filled in once, by the book's naming rules
            object.__setattr__(self, "title", DISPLAY_NAMES.get(self.iso3) or readable_name(self.name))
        if not self.prose:
            object.__setattr__(self, "prose", with_article(self.title))

    @property
    def group_prose(self) -> str:
        """ "upper-middle-income economies" ("" when unclassified)."""
        return GROUPS[self.group_code].prose if self.group_code else ""


def economy(iso3: str, entities: pd.DataFrame | None = None) -> Economy:
    """The economy's names, region and income group from the entity table."""
    table = load_entities() if entities is None else entities
    row = table[table["iso3"] == iso3]
    if row.empty:
        raise ParameterError(f"unknown economy {iso3!r}")
    r = row.iloc[0]

    def text(value: Any) -> str:
        return (
            ""
            if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)
            else str(value).strip()
        )

    income = text(r["income_group"])
    return Economy(
        iso3,
        text(r["name"]) or iso3,
        text(r["region"]),
        income,
        income_group_code(income),
        display_name(iso3, table),
        prose_name(iso3, table),
    )


# ---------------------------------------------------------------------------------------
# Load inputs.


def drop_placeholder_zeros(tidy: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove exact zeros of measures no economy can have at zero (trade, industry's shares).

    Some upstream files hold 0 where the value is missing (e.g. industry value added of
    Venezuela, 1990-2011, in the WDI datahub package). Returns (kept rows, dropped rows).
    """
    placeholder = tidy["indicator"].isin(IMPOSSIBLE_ZERO) & (tidy["value"] == 0)
    return tidy[~placeholder].reset_index(drop=True), tidy[placeholder].reset_index(drop=True)


def load_panel(vintage: str, start_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every measure for every entity (economies and aggregates) from ``start_year``, tidy.

    Returns (panel, dropped): placeholder zeros are removed (:func:`drop_placeholder_zeros`)
    and the high-tech RCA of every economy (:func:`imtrade.data.indicators.high_tech_rca`) is added as
    indicator :data:`RCA`.
    """
    codes = [TRADE, HT_SHARE, IND_EMP, IND_VA, MANF_VA, RD, RESEARCHERS, POPULATION, GDP_PC, LABOUR_FORCE, UNEMPLOYMENT]
    tidy, dropped = drop_placeholder_zeros(load_optional(codes, years=(start_year, None), vintage=vintage))
    rca = rca_rows(indicators.load_high_tech(vintage, years=(start_year, 2100)), economies())
    return pd.concat([tidy, rca], ignore_index=True), dropped


def rca_rows(high_tech: pd.DataFrame, economies: Sequence[str]) -> pd.DataFrame:
    """The Balassa index of :func:`imtrade.data.indicators.high_tech_rca` as tidy panel rows (economies only).

    ``high_tech`` is :func:`imtrade.data.indicators.load_high_tech`'s wide frame; the
    reference world is the sum over ``economies``.
    """
    columns = ["dataset", "vintage", "indicator", "iso3", "year", "value"]
    rca = indicators.high_tech_rca(high_tech, economies)
    rca = rca[rca["iso3"].isin(set(economies))]
    return pd.DataFrame(
        {
            "dataset": "computed:wdi",
            "vintage": "",
            "indicator": RCA,
            "iso3": rca["iso3"].astype(str).to_numpy(),
            "year": rca["year"].astype("int64").to_numpy(),
            "value": rca["rca"].astype("float64").to_numpy(),
        }
    )[columns]


def series(panel: pd.DataFrame, code: str, iso3: str) -> pd.Series:
    """One entity's values of one indicator, indexed by year (empty when there are none)."""
    rows = panel[(panel["indicator"] == code) & (panel["iso3"] == iso3)]
    return rows.set_index("year")["value"].dropna().sort_index().rename(iso3)


def economies_with_data(vintage: str = "2026-07-01", start_year: int = 1995, min_measures: int = 4) -> list[str]:
    """Economies (no aggregates) with data on at least ``min_measures`` of :data:`CORE_CODES`.

    This is the list the batch spec ``specs/country_briefs.yml`` renders a brief for.
    """
    tidy, _ = drop_placeholder_zeros(load_optional(list(CORE_CODES), years=(start_year, None), vintage=vintage))
    entities = load_entities(include_aggregates=False)
    tidy = tidy[tidy["iso3"].isin(set(entities["iso3"]))].dropna(subset=["value"])
    counts = tidy.groupby("iso3")["indicator"].nunique()
    return sorted(counts[counts >= min_measures].index.astype(str))


# ---------------------------------------------------------------------------------------
# Process data.


def benchmark(panel: pd.DataFrame, code: str, group: str, members: Iterable[str]) -> pd.Series:
    """The world's (``WLD``) or an income group's value of a measure, by year.

    The World Bank's published aggregate where there is one; for industry employment (ILO
    modelled shares, published without aggregates) the employment-weighted mean of the
    members (:func:`imtrade.stats.weighted_mean`, :func:`imtrade.data.indicators.employment_weights`);
    for the RCA the world is 1 by construction.
    """
    if code == RCA:
        years = sorted(panel.loc[panel["indicator"] == RCA, "year"].unique())
        return (
            pd.Series(1.0, index=pd.Index(years, name="year"), name="value")
            if group == "WLD"
            else pd.Series(dtype=float)
        )
    published = series(panel, code, group)
    if not published.empty or code != IND_EMP:
        return published
    weights = indicators.employment_weights(panel[panel["indicator"].isin([LABOUR_FORCE, UNEMPLOYMENT])])
    mean = weighted_mean(panel[panel["indicator"] == IND_EMP], weights, list(members))
    return mean["value"].rename_axis("year")


def value_in(series_: pd.Series, year: int | None) -> float:
    """The series' value in ``year`` (NaN when the year is None or has no value)."""
    if year is None or year not in series_.index:
        return math.nan
    return float(series_.loc[year])


RANK_WINDOW = 4  # economies are compared on their latest value in [year - 4, year]


def rank_in_year(
    panel: pd.DataFrame, code: str, year: int, iso3: str, economies: Iterable[str], window: int = RANK_WINDOW
) -> tuple[int | None, int, float | None]:
    """(rank, economies ranked, percentile) of ``iso3``'s value in ``year`` among ``economies``.

    Every economy enters with its latest value in ``[year - window, year]``
    (:func:`imtrade.stats.latest_within`), so that a latest year that few economies have reported
    yet does not make a small field. The rank is :func:`imtrade.stats.rank_economies`' (1 = highest
    value; ties share the better rank); the percentile is the share of the other ranked
    economies with a lower value (0 = lowest, 100 = highest).
    """
    latest = latest_within(panel[panel["indicator"] == code], year, window).assign(year=year)
    ranked = rank_economies(latest, year, economies)
    row = ranked[ranked["iso3"] == iso3]
    if row.empty:
        return None, len(ranked), None
    own = float(row["value"].iloc[0])
    others = len(ranked) - 1
    percentile = 100.0 * float((ranked["value"] < own).sum()) / others if others else None
    return int(row["rank"].iloc[0]), len(ranked), percentile


def profile_table(panel: pd.DataFrame, who: Economy, entities: pd.DataFrame) -> pd.DataFrame:
    """One row per measure: the economy's latest value and year, the world's and its income
    group's value in that year, and its rank among the economies with data in that year.

    Columns: ``key, measure, unit, value, year, world, group, rank, ranked, percentile,
    first_year, first_value``. Missing values are NaN (an economy without data keeps its row).
    """
    members = group_members("WLD", entities)
    group_economies = group_members(who.group_code, entities) if who.group_code else []
    rows = []
    for m in MEASURES:
        own = series(panel, m.code, who.iso3)
        year = int(own.index.max()) if not own.empty else None
        first = int(own.index.min()) if not own.empty else None
        world = benchmark(panel, m.code, "WLD", members)
        group = benchmark(panel, m.code, who.group_code, group_economies) if who.group_code else pd.Series(dtype=float)
        rank, ranked, percentile = (
            rank_in_year(panel, m.code, year, who.iso3, members) if year is not None else (None, 0, None)
        )
        rows.append(
            {
                "key": m.key,
                "measure": m.label,
                "unit": m.unit,
                "value": value_in(own, year),
                "year": year,
                "world": value_in(world, year),
                "group": value_in(group, year),
                "rank": rank,
                "ranked": ranked,
                "percentile": percentile,
                "first_year": first,
                "first_value": value_in(own, first),
            }
        )
    frame = pd.DataFrame(rows)
    for column in ("value", "world", "group", "percentile", "first_value"):
        frame[column] = frame[column].astype("float64")
    for column in ("year", "rank", "first_year"):
        frame[column] = frame[column].astype("Int64")
    return frame


def peak(series_: pd.Series) -> tuple[int | None, float]:
    """(year, value) of a series' maximum ((None, NaN) when empty)."""
    s = series_.dropna()
    if s.empty:
        return None, math.nan
    return int(s.idxmax()), float(s.max())


def change(series_: pd.Series) -> tuple[int | None, int | None, float]:
    """(first year, last year, last - first) of a series with at least two values ((None, None, NaN) otherwise)."""
    s = series_.dropna()
    if len(s) < 2:
        return None, None, math.nan
    return int(s.index.min()), int(s.index.max()), float(s.iloc[-1] - s.iloc[0])


# ---------------------------------------------------------------------------------------
# Robots (IFR figures, curated)


def robot_rows(table: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The IFR figures of one economy, one per measure and year, from the edition
    :func:`imtrade.data.robots.select_editions` chooses (the latest final one, else the latest
    preliminary one).

    ``table`` is ``data/curated/robot_installations.csv``. Returns ``measure, year, value,
    unit, report_edition, citation, url`` sorted by measure and year (empty when IFR figures
    for the economy are not curated).
    """
    columns = ["measure", "year", "value", "unit", "report_edition", "citation", "url"]
    frames = []
    for measure in sorted(table["measure"].dropna().unique()):
        rows = curated_robot_rows(table, measure)
        rows = rows[rows["iso3"] == iso3]
        if not rows.empty:
            frames.append(select_editions(rows))
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns].sort_values(["measure", "year"]).reset_index(drop=True)


def robot_economies(table: pd.DataFrame) -> list[str]:
    """Economies (ISO3, no World) with curated IFR figures."""
    codes = table["iso3"].dropna().astype(str)
    return sorted(c for c in codes.unique() if c and c != "WLD")


# ---------------------------------------------------------------------------------------
# Claims of the register that name the economy


def names_economy(geography: str, who: Economy) -> str | None:
    """How ``geography`` concerns the economy: "named", "via <group>", or None."""
    import re

    text = geography or ""
    for name in other_names(who.iso3, (who.name, who.title)):
        if re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", text):
            return "named"
    for group, members in CLAIM_GROUPS.items():
        if who.iso3 in members and re.search(rf"\b{group}\b", text):
            return f"as a member of {group}"
    return None


def claims_about(who: Economy, vintage: str) -> tuple[pd.DataFrame, int]:
    """Claims of the register whose geography names the economy (or a group it belongs to),
    with their verdicts for ``vintage``; and the number of claims in the register.

    Columns: ``id, chapter, claim, claimed, how, measured, verdict``. A claim whose check is
    not available in this checkout is listed with the verdict "check pending".
    """
    from imtrade.claims import CheckContext, evaluate, load_register, register_entries, registered_checks

    register = load_register()  # validates the register and records its files as read (build cache)
    valid = {c.id: c for c in register.claims}
    entries = register_entries()  # as written: claims whose check is pending are listed too
    checks = registered_checks()
    ctx = CheckContext(vintage)
    rows = []
    for entry in entries:
        claimed = entry.get("claimed") or {}
        how = names_economy(str(claimed.get("geography") or ""), who) if isinstance(claimed, dict) else None
        if how is None:
            continue
        claim = valid.get(str(entry["id"]))
        if claim is None:
            measured, verdict = "—", "check pending"
        else:
            result = evaluate(claim, ctx, checks)
            measured, verdict = result.measured, result.verdict
        rows.append(
            {
                "id": str(entry["id"]),
                "chapter": str(entry.get("chapter") or ""),
                "claim": " ".join(str(entry.get("claim") or "").split()),
                "claimed": claim.claimed_text() if claim is not None else str(claimed.get("geography") or ""),
                "how": how,
                "measured": measured,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows, columns=["id", "chapter", "claim", "claimed", "how", "measured", "verdict"]), len(entries)


# ---------------------------------------------------------------------------------------
# Sentences and tables for the page


def industry_changes(panel: pd.DataFrame, iso3: str) -> tuple[int | None, int | None, float, float]:
    """(first year, last year, change of industry's employment share, change of its value-added
    share), in percentage points, over the years with both shares
    (:func:`imtrade.data.indicators.industry_shares`); (None, None, NaN, NaN) when they share
    fewer than two years."""
    shares = indicators.industry_shares(panel, [iso3])
    emp = shares[shares["measure"] == "employment"].set_index("year")["value"]
    va = shares[shares["measure"] == "value added"].set_index("year")["value"]
    if len(emp) < 2:
        return None, None, math.nan, math.nan
    first, last = int(emp.index.min()), int(emp.index.max())
    return first, last, float(emp.loc[last] - emp.loc[first]), float(va.loc[last] - va.loc[first])


# ---------------------------------------------------------------------------------------
# Figures


def high_tech_note(vintage: str) -> tuple[int, str] | None:
    """Where the high-tech figure marks a definition break, and the sentence about it."""
    if vintage == OLD_DEFINITION_VINTAGE:
        return None
    return HIGH_TECH_BREAK_YEAR, "re-based series starts"
