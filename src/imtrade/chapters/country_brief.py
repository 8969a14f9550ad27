"""Chapter "Country brief": a short profile of one economy from the book's measures.

The brief applies the measures of the four argument chapters to one economy: trade
openness (de-globalisation), high-tech exports and their revealed comparative advantage
(trade patterns), industry's shares of employment and value added (trade patterns and
de-globalisation), R&D (trade patterns and PartNIR), industrial robots where the IFR figures
are curated (China roadmap), and the claims of the register that name the economy.

It is written to be run for every economy (``specs/country_briefs.yml``): every function
accepts an economy with no data for a measure and says so ("no data") instead of failing.
Loaders read through :func:`imtrade.api.load_indicators`; everything else is a pure function
of the frames they return, so tests can feed small frames. Each measure is computed by the
chapter that owns it, never again here: the Balassa index, employment weights, weighted
group means, benchmark groups and readable names come from
:mod:`imtrade.chapters.trade_patterns`; industry's employment and value-added shares over
common years from :mod:`imtrade.chapters.deglobalisation`; ranks among economies from
:mod:`imtrade.chapters.partnir`; the choice among IFR report editions from
:mod:`imtrade.chapters.china_roadmap`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from imtrade.book.params import check_countries, check_vintage
from imtrade.chapters import china_roadmap, deglobalisation, partnir, trade_patterns
from imtrade.chapters.trade_patterns import (
    HT_SHARE,
    LABOUR_FORCE,
    RD_INTENSITY,
    UNEMPLOYMENT,
    capitalise,
)
from imtrade.data.load import load_entities
from imtrade.exceptions import ParameterError

# ---------------------------------------------------------------------------------------
# Measures

TRADE = "NE.TRD.GNFS.ZS"  # derived: exports + imports of goods and services, % of GDP
RCA = "RCA.HIGHTECH"  # trade_patterns.balassa_rca, as a row code of the panel (not a data code)
IND_EMP = trade_patterns.SECTORS["industry"]  # ILO modelled employment in industry, % of total (Gapminder)
IND_VA = "NV.IND.TOTL.ZS"  # industry (incl. construction) value added, % of GDP
MANF_VA = "NV_IND_MANF"  # UN SDG (UNIDO): manufacturing value added, % of GDP, 2000-2019
RD = RD_INTENSITY  # R&D expenditure, % of GDP
RESEARCHERS = "SP.POP.SCIE.RD.P6"  # researchers in R&D, per million people
POPULATION = "SP.POP.TOTL"
GDP_PC = "NY.GDP.PCAP.CD"  # GDP per capita, current US$

HIGH_TECH_BREAK_YEAR = trade_patterns.HIGH_TECH_BREAK_YEAR  # the 2026 vintage restarts the series in 2007
OLD_DEFINITION_VINTAGE = trade_patterns.OLD_DEFINITION_VINTAGE  # its series is the SITC-based one (1988-2016)
ROBOT_TABLE = "robot_installations"
MISSING = "no data"

# World Bank income groups (FY2026) -> their aggregate codes in the WDI (trade_patterns' benchmark groups).
INCOME_AGGREGATES = {
    values[0]: code
    for code, (column, values) in trade_patterns.BENCHMARKS.items()
    if column == "income_group" and len(values) == 1
}


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
# Other names the register (or common usage) gives an economy, beside the entity table's.
NAME_ALIASES = {
    "USA": ("United States", "US", "U.S."),
    "TUR": ("Turkey", "Türkiye", "Turkiye"),
    "RUS": ("Russia",),
    "VNM": ("Viet Nam", "Vietnam"),
    "KOR": ("South Korea", "Republic of Korea"),
    "IRN": ("Iran",),
    "EGY": ("Egypt",),
    "GBR": ("UK", "Britain"),
    "CZE": ("Czechia",),
}

# ---------------------------------------------------------------------------------------
# Parameters and the economy


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell)."""
    check_vintage(params["vintage"])
    check_countries([params["country"]], name="country", allow_aggregates=False)
    if not 1960 <= params["start_year"] <= 2015:
        raise ParameterError(
            f"parameter 'start_year' must be between 1960 and 2015 (the figures need ten years at least), got {params['start_year']}"
        )


@dataclass(frozen=True)
class Economy:
    iso3: str
    name: str  # as in the entity table ("Korea, Rep.")
    region: str  # "" when the World Bank gives none
    income_group: str  # "" when unclassified
    group_code: str | None  # WDI aggregate of its income group (HIC, UMC, LMC, LIC)

    @property
    def prose(self) -> str:
        """The name as it reads in running text ("the Republic of Korea", "Chile")."""
        return trade_patterns.prose_name(trade_patterns.readable_name(self.name))

    @property
    def title(self) -> str:
        """The name as a heading or table cell (no leading article)."""
        name = self.prose
        return name[4:] if name.startswith("the ") else name

    @property
    def group_prose(self) -> str:
        """ "upper-middle-income economies" ("" when unclassified)."""
        return f"{self.income_group.lower().replace(' ', '-')} economies" if self.income_group else ""


def economy(iso3: str, entities: pd.DataFrame | None = None) -> Economy:
    """The economy's name, region and income group from the entity table."""
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
    return Economy(iso3, text(r["name"]) or iso3, text(r["region"]), income, INCOME_AGGREGATES.get(income))


# ---------------------------------------------------------------------------------------
# Load inputs.


def _load_optional(codes: Sequence[str], **kwargs: Any) -> pd.DataFrame:
    """:func:`trade_patterns.load_optional` per code: a code the vintage lacks contributes nothing."""
    frames = [f for f in (trade_patterns.load_optional(code, **kwargs) for code in codes) if not f.empty]
    if not frames:
        return trade_patterns.load_optional([], **kwargs)
    return pd.concat(frames, ignore_index=True)


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
    and the high-tech RCA of every economy (:func:`trade_patterns.balassa_rca`) is added as
    indicator :data:`RCA`.
    """
    codes = [TRADE, HT_SHARE, IND_EMP, IND_VA, MANF_VA, RD, RESEARCHERS, POPULATION, GDP_PC, LABOUR_FORCE, UNEMPLOYMENT]
    tidy, dropped = drop_placeholder_zeros(_load_optional(codes, years=(start_year, None), vintage=vintage))
    rca = rca_rows(trade_patterns.load_high_tech(vintage, years=(start_year, 2100)), trade_patterns.economies())
    return pd.concat([tidy, rca], ignore_index=True), dropped


def rca_rows(high_tech: pd.DataFrame, economies: Sequence[str]) -> pd.DataFrame:
    """The Balassa index of :func:`trade_patterns.balassa_rca` as tidy panel rows (economies only).

    ``high_tech`` is :func:`trade_patterns.load_high_tech`'s wide frame; the reference world
    is the sum over ``economies``.
    """
    columns = ["dataset", "vintage", "indicator", "iso3", "year", "value"]
    rca = trade_patterns.balassa_rca(high_tech, economies)
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


def placeholder_sentence(dropped: pd.DataFrame, who: Economy) -> str:
    """What was removed as placeholder zeros for this economy ("" when nothing)."""
    rows = dropped[dropped["iso3"] == who.iso3]
    if rows.empty:
        return ""
    parts = []
    for code, group in rows.groupby("indicator"):
        label = next((m.phrase.split(" (")[0] for m in MEASURES if m.code == code), code)
        years = group["year"].astype(int)
        parts.append(
            f"{label} ({years.min()}–{years.max()})" if years.min() != years.max() else f"{label} ({years.min()})"
        )
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return f"The source files give exactly 0 for {who.prose} on {listed}: impossible values, read here as missing."


def series(panel: pd.DataFrame, code: str, iso3: str) -> pd.Series:
    """One entity's values of one indicator, indexed by year (empty when there are none)."""
    rows = panel[(panel["indicator"] == code) & (panel["iso3"] == iso3)]
    return rows.set_index("year")["value"].dropna().sort_index().rename(iso3)


def economies_with_data(vintage: str = "2026-07-01", start_year: int = 1995, min_measures: int = 4) -> list[str]:
    """Economies (no aggregates) with data on at least ``min_measures`` of :data:`CORE_CODES`.

    This is the list the batch spec ``specs/country_briefs.yml`` renders a brief for.
    """
    tidy, _ = drop_placeholder_zeros(_load_optional(list(CORE_CODES), years=(start_year, None), vintage=vintage))
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
    members (:func:`trade_patterns.weighted_mean`, :func:`trade_patterns.employment_weights`);
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
    weights = trade_patterns.employment_weights(panel[panel["indicator"].isin([LABOUR_FORCE, UNEMPLOYMENT])])
    mean = trade_patterns.weighted_mean(panel[panel["indicator"] == IND_EMP], weights, list(members))
    return mean["value"].rename_axis("year")


def value_in(series_: pd.Series, year: int | None) -> float | None:
    if year is None or year not in series_.index or pd.isna(series_.loc[year]):
        return None
    return float(series_.loc[year])


RANK_WINDOW = 4  # economies are compared on their latest value in [year - 4, year]


def rank_in_year(
    panel: pd.DataFrame, code: str, year: int, iso3: str, economies: Iterable[str], window: int = RANK_WINDOW
) -> tuple[int | None, int, float | None]:
    """(rank, economies ranked, percentile) of ``iso3``'s value in ``year`` among ``economies``.

    Every economy enters with its latest value in ``[year - window, year]``
    (:func:`partnir.latest_within`), so that a latest year that few economies have reported
    yet does not make a small field. The rank is :func:`partnir.rank_economies`' (1 = highest
    value; ties share the better rank); the percentile is the share of the other ranked
    economies with a lower value (0 = lowest, 100 = highest).
    """
    latest = partnir.latest_within(panel[panel["indicator"] == code], year, window).assign(year=year)
    ranked = partnir.rank_economies(latest, year, economies)
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
    economies = trade_patterns.group_members("WLD", entities)
    group_economies = trade_patterns.group_members(who.group_code, entities) if who.group_code else []
    rows = []
    for m in MEASURES:
        own = series(panel, m.code, who.iso3)
        year = int(own.index.max()) if not own.empty else None
        first = int(own.index.min()) if not own.empty else None
        world = benchmark(panel, m.code, "WLD", economies)
        group = benchmark(panel, m.code, who.group_code, group_economies) if who.group_code else pd.Series(dtype=float)
        rank, ranked, percentile = (
            rank_in_year(panel, m.code, year, who.iso3, economies) if year is not None else (None, 0, None)
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


def peak(series_: pd.Series) -> tuple[int | None, float | None]:
    """(year, value) of a series' maximum (None, None when empty)."""
    s = series_.dropna()
    if s.empty:
        return None, None
    return int(s.idxmax()), float(s.max())


def change(series_: pd.Series) -> tuple[int | None, int | None, float | None]:
    """(first year, last year, last - first) of a series with at least two values."""
    s = series_.dropna()
    if len(s) < 2:
        return None, None, None
    return int(s.index.min()), int(s.index.max()), float(s.iloc[-1] - s.iloc[0])


# ---------------------------------------------------------------------------------------
# Robots (IFR figures, curated)


def robot_rows(table: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The IFR figures of one economy, one per measure and year, from the edition
    :func:`china_roadmap.select_editions` chooses (the latest final one, else the latest
    preliminary one).

    ``table`` is ``data/curated/robot_installations.csv``. Returns ``measure, year, value,
    unit, report_edition, citation, url`` sorted by measure and year (empty when IFR figures
    for the economy are not curated).
    """
    columns = ["measure", "year", "value", "unit", "report_edition", "citation", "url"]
    frames = []
    for measure in sorted(table["measure"].dropna().unique()):
        rows = china_roadmap.robot_rows(table, measure)
        rows = rows[rows["iso3"] == iso3]
        if not rows.empty:
            frames.append(china_roadmap.select_editions(rows))
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns].sort_values(["measure", "year"]).reset_index(drop=True)


def robot_economies(table: pd.DataFrame) -> list[str]:
    """Economies (ISO3, no World) with curated IFR figures."""
    codes = table["iso3"].dropna().astype(str)
    return sorted(c for c in codes.unique() if c and c != "WLD")


# ---------------------------------------------------------------------------------------
# Claims of the register that name the economy


def economy_names(who: Economy) -> list[str]:
    """Names that identify the economy in the register's ``geography`` fields."""
    names = {who.name, trade_patterns.readable_name(who.name), *NAME_ALIASES.get(who.iso3, ())}
    return sorted((n for n in names if n), key=len, reverse=True)


def names_economy(geography: str, who: Economy) -> str | None:
    """How ``geography`` concerns the economy: "named", "via <group>", or None."""
    import re

    text = geography or ""
    for name in economy_names(who):
        if re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", text):
            return "named"
    for group, members in CLAIM_GROUPS.items():
        if who.iso3 in members and re.search(rf"\b{group}\b", text):
            return f"as a member of {group}"
    return None


def register_entries() -> list[dict[str, Any]]:
    """Every entry of the claims register as written (id, claim, claimed, chapter ...)."""
    import yaml

    from imtrade.paths import project

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the register is read in every brief
    entries = []
    for file in sorted(project().claims.glob("*.yml")):
        raw = yaml.load(file.read_text(encoding="utf-8"), Loader=loader) or []
        entries += [e for e in raw if isinstance(e, dict) and e.get("id")]
    return entries


def claims_about(who: Economy, vintage: str) -> tuple[pd.DataFrame, int]:
    """Claims of the register whose geography names the economy (or a group it belongs to),
    with their verdicts for ``vintage``; and the number of claims in the register.

    Columns: ``id, chapter, claim, claimed, how, measured, verdict``. A claim whose check is
    not available in this checkout is listed with the verdict "check pending".
    """
    from imtrade.claims import CheckContext, evaluate, load_register, registered_checks

    register = load_register()  # validates the register and records its files as read (build cache)
    valid = {c.id: c for c in register.claims}
    entries = register_entries()
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


def fmt(value: float | None, key: str) -> str:
    """A measure's value as text, or "no data"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return MISSING
    return MEASURE[key].fmt.format(value)


def row_of(table: pd.DataFrame, key: str) -> dict[str, Any]:
    row = table[table["key"] == key].iloc[0].to_dict()
    return {k: (None if pd.isna(v) else v) for k, v in row.items()}


def measure_sentence(table: pd.DataFrame, key: str, who: Economy) -> str:
    """E.g. "37 % of GDP in 2024 (world 57; upper middle income economies 45); rank 160 of 190."
    or "no data for China in this vintage"."""
    r = row_of(table, key)
    m = MEASURE[key]
    if r["value"] is None:
        return f"{MISSING} for {who.prose} in this vintage"
    unit = m.unit.replace("% of", "% of") if m.unit.startswith("%") else m.unit
    text = f"{fmt(r['value'], key)} {unit} in {r['year']}"
    refs = []
    if r["world"] is not None:
        refs.append(f"world {fmt(r['world'], key)}")
    if r["group"] is not None:
        refs.append(f"{who.group_prose} {fmt(r['group'], key)}")
    if refs:
        text += f" ({'; '.join(refs)})"
    if r["rank"] is not None and r["ranked"] > 1:
        text += f", rank {r['rank']} of {r['ranked']} economies with data in {r['year'] - RANK_WINDOW}–{r['year']}"
    return text


def intro_sentence(who: Economy, panel: pd.DataFrame) -> str:
    """Who the economy is: region, income group, population and income per person."""
    where = []
    if who.region:
        where.append(who.region)
    where.append(
        f"{who.income_group.lower()}"
        if who.income_group
        else "no income group in the World Bank's FY2026 classification"
    )
    text = f"**{who.title}** ({', '.join(where)})"
    pop, gdp = series(panel, POPULATION, who.iso3), series(panel, GDP_PC, who.iso3)
    facts = []
    if not pop.empty:
        people = pop.iloc[-1]
        amount = (
            f"{people / 1e9:.2f} billion"
            if people >= 1e9
            else f"{people / 1e6:.1f} million"
            if people >= 1e6
            else f"{people:,.0f}"
        )
        facts.append(f"had {amount} inhabitants in {int(pop.index[-1])}")
    if not gdp.empty:
        facts.append(f"a GDP per person of {gdp.iloc[-1]:,.0f} current US dollars in {int(gdp.index[-1])}")
    if facts:
        return f"{text} {' and '.join(facts)}."
    return f"{text}: the World Development Indicators give neither its population nor its GDP in this vintage."


def coverage_sentence(table: pd.DataFrame, who: Economy) -> str:
    """How many of the brief's measures have data for the economy, and which do not."""
    missing = [MEASURE[k].phrase for k in table.loc[table["value"].isna(), "key"]]
    n = len(table) - len(missing)
    if not missing:
        return f"All {len(table)} measures of this brief have data for {who.prose}."
    listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
    return f"{n} of the {len(table)} measures of this brief have data for {who.prose}; there is {MISSING} on {listed}."


def rca_sentence(table: pd.DataFrame, who: Economy) -> str:
    r = row_of(table, "rca")
    if r["value"] is None:
        return f"Without high-tech export data there is no comparative-advantage index for {who.prose}."
    side = "more" if r["value"] > 1 else "less"
    return (
        f"Its Balassa index of revealed comparative advantage in high-tech goods was {fmt(r['value'], 'rca')} in {r['year']}: "
        f"its manufactured exports were {side} high-tech than those of the reporting world (index 1)."
    )


def openness_sentence(trade: pd.Series, who: Economy, start_year: int) -> str:
    year, value = peak(trade)
    if year is None:
        return f"The data give {MISSING} on the trade openness of {who.prose}."
    first, last, delta = change(trade)
    text = f"Since {max(start_year, int(trade.index.min()))} the trade of {who.prose} peaked at {value:.0f} % of GDP in {year}"
    if delta is not None:
        text += f"; between {first} and {last} it changed by {delta:+.0f} percentage points"
    return text + "."


def industry_changes(panel: pd.DataFrame, iso3: str) -> tuple[int | None, int | None, float | None, float | None]:
    """(first year, last year, change of industry's employment share, change of its value-added
    share), in percentage points, over the years with both shares
    (:func:`deglobalisation.industry_shares_from_tidy`); Nones when they share fewer than two years."""
    shares = deglobalisation.industry_shares_from_tidy(panel, [iso3])
    emp = shares[shares["measure"] == "employment"].set_index("year")["value"]
    va = shares[shares["measure"] == "value added"].set_index("year")["value"]
    if len(emp) < 2:
        return None, None, None, None
    first, last = int(emp.index.min()), int(emp.index.max())
    return first, last, float(emp.loc[last] - emp.loc[first]), float(va.loc[last] - va.loc[first])


def industry_sentence(panel: pd.DataFrame, who: Economy) -> str:
    """How industry's shares of employment and value added moved, over the same years."""
    first, last, d_emp, d_va = industry_changes(panel, who.iso3)
    if first is not None:
        emp, va = series(panel, IND_EMP, who.iso3), series(panel, IND_VA, who.iso3)
        return (
            f"Between {first} and {last}, the years with both series, industry's share of employment in {who.prose} "
            f"went from {emp.loc[first]:.1f} % to {emp.loc[last]:.1f} % ({d_emp:+.1f} points) and its share of value added "
            f"from {va.loc[first]:.1f} % to {va.loc[last]:.1f} % of GDP ({d_va:+.1f} points)."
        )
    described, missing = [], []
    for label, code in (("employment", IND_EMP), ("value added", IND_VA)):
        s = series(panel, code, who.iso3)
        first_, last_, delta = change(s)
        if delta is None:
            missing.append(label)
        else:
            described.append(
                f"industry's share of {label} went from {s.loc[first_]:.1f} % in {first_} to {s.loc[last_]:.1f} % in {last_}"
            )
    if not described:
        return f"The sources give {MISSING} on industry's shares of employment and value added in {who.prose}."
    if missing:
        return capitalise(f"in {who.prose}, {described[0]}; there is {MISSING} on its share of {missing[0]}.")
    return (
        f"The two industry series of {who.prose} do not cover the same years, so they are described apart: "
        f"{described[0]}; {described[1]}."
    )


def robots_sentence(rows: pd.DataFrame, who: Economy, curated: Sequence[str], names: dict[str, str]) -> str:
    if rows.empty:
        listed = ", ".join(names.get(c, c) for c in curated)
        return (
            f"The IFR's robot statistics for {who.prose} are not among the figures this book has curated from "
            f"published sources (only {listed} and the world). The brief therefore says nothing about robots here."
        )
    latest = rows[rows["measure"] == "installations"].tail(1)
    if latest.empty:
        latest = rows.tail(1)
    r = latest.iloc[0]
    what = {
        "installations": "industrial robots were installed",
        "operational_stock": "industrial robots were in operation",
        "robot_density": "robots per 10,000 manufacturing employees were in use",
    }.get(r["measure"], r["measure"])
    return (
        f"The IFR reports that {r['value']:,.0f} {what} in {who.prose} in {int(r['year'])} "
        f"({r['report_edition']}); the table lists every curated figure."
    )


def claims_sentence(claims: pd.DataFrame, who: Economy, total: int) -> str:
    if claims.empty:
        return f"None of the {total} claims of the register names {who.prose}."
    counts = claims["verdict"].value_counts()
    listed = ", ".join(f"{n} {v}" for v, n in counts.items())
    return f"{len(claims)} of the {total} claims of the register concern {who.prose} ({listed})."


def display_profile(table: pd.DataFrame, who: Economy) -> pd.DataFrame:
    """The profile table as shown on the page (text cells; "no data" where a source publishes
    nothing, "–" where a value is not defined, e.g. an income group's comparative advantage)."""
    group_column = capitalise(who.group_prose) or "Income group"
    rows = []
    for _, r in table.iterrows():
        key = r["key"]

        def cell(column: str, key: str = key, r: pd.Series = r) -> str:
            return fmt(None if pd.isna(r[column]) else float(r[column]), key)

        rows.append(
            {
                "Measure": f"{r['measure']}, {r['unit']}",
                who.title: cell("value"),
                "Year": "" if pd.isna(r["year"]) else str(int(r["year"])),
                "World": cell("world") if not pd.isna(r["year"]) else "",
                group_column: ("–" if key == "rca" else cell("group"))
                if not pd.isna(r["year"]) and who.group_code
                else "",
                "Rank": "" if pd.isna(r["rank"]) else f"{int(r['rank'])} of {int(r['ranked'])}",
            }
        )
    return pd.DataFrame(rows)


ROBOT_MEASURES = {
    "installations": "Installed in the year",
    "operational_stock": "In operation at year end",
    "robot_density": "Per 10,000 manufacturing employees",
}


def display_robots(rows: pd.DataFrame) -> pd.DataFrame:
    """The curated IFR figures as shown on the page: one row per year, one column per measure."""
    if rows.empty:
        return pd.DataFrame(columns=["Year"])
    wide = rows.pivot_table(index="year", columns="measure", values="value", aggfunc="first")
    editions = rows.groupby("year")["report_edition"].agg(lambda e: "; ".join(dict.fromkeys(e)))
    out = pd.DataFrame({"Year": [str(int(y)) for y in wide.index]})
    for measure, label in ROBOT_MEASURES.items():
        if measure in wide:
            out[label] = [f"{v:,.0f}" if not pd.isna(v) else "" for v in wide[measure]]
    out["IFR edition"] = editions.reindex(wide.index).to_numpy()
    return out


def index_values(table: pd.DataFrame, claims: pd.DataFrame) -> dict[str, str]:
    """The values the index page of all briefs shows (glued as idx_*)."""
    out = {}
    for key in ("trade", "high_tech", "rca", "ind_emp", "rd"):
        r = row_of(table, key)
        out[f"idx_{key}"] = fmt(r["value"], key)
    out["idx_claims"] = str(len(claims))
    return out


# ---------------------------------------------------------------------------------------
# Figures


def _styles(who: Economy) -> dict[str, dict[str, Any]]:
    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO

    return {
        who.iso3: {"color": OKABE_ITO[0], "linestyle": "-", "marker": "o", "markersize": 3, "linewidth": 2.0},
        "group": {"color": OKABE_ITO[1], "linestyle": "-.", "marker": None, "linewidth": 1.5},
        "WLD": {"color": BENCHMARK_GREY, "linestyle": "--", "marker": None, "linewidth": 1.5},
    }


def _no_data(ax, who: Economy) -> None:
    ax.text(
        0.5,
        0.5,
        f"{MISSING} for {who.title}",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color="#444444",
    )


def plot_lines(
    ax, panel: pd.DataFrame, code: str, who: Economy, entities: pd.DataFrame, ylabel: str, start_year: int
) -> None:
    """The economy, its income group and the world on one axes (benchmarks dashed)."""
    styles = _styles(who)
    own = series(panel, code, who.iso3)
    world = benchmark(panel, code, "WLD", trade_patterns.group_members("WLD", entities))
    group = (
        benchmark(panel, code, who.group_code, trade_patterns.group_members(who.group_code, entities))
        if who.group_code
        else pd.Series(dtype=float)
    )
    if not own.empty:
        ax.plot(own.index, own.values, label=who.title, **styles[who.iso3])
    else:
        _no_data(ax, who)
    if not group.empty:
        ax.plot(group.index, group.values, label=capitalise(who.group_prose), **styles["group"])
    if not world.empty:
        ax.plot(world.index, world.values, label="World", **styles["WLD"])
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Year")
    lo = start_year
    hi = int(panel["year"].max()) if not panel.empty else start_year + 1
    ax.set_xlim(lo - 0.5, hi + 0.5)


def _legend_above(fig, axes) -> None:
    """One legend for every panel, above them (the source line goes below)."""
    handles, labels = [], []
    for ax in np.atleast_1d(axes):
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    if handles:
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(labels), frameon=False)


def plot_position(table: pd.DataFrame, who: Economy):
    """Percentile of the economy among all economies with data, one row per measure."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO

    fig, ax = plt.subplots(figsize=(8.0, 3.4))
    labels = []
    for i, (_, r) in enumerate(table.iloc[::-1].iterrows()):
        ax.plot([0, 100], [i, i], color="#DDDDDD", linewidth=6, solid_capstyle="round", zorder=1)
        if pd.isna(r["percentile"]):
            ax.text(
                50,
                i,
                MISSING,
                ha="center",
                va="center",
                fontsize=8,
                color="#444444",
                zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
            )
            labels.append(f"{r['measure']}")
        else:
            ax.plot(r["percentile"], i, marker="o", markersize=9, color=OKABE_ITO[0], zorder=3, linestyle="none")
            labels.append(f"{r['measure']} ({int(r['year'])})")
    ax.axvline(50, color="#6E6E6E", linestyle="--", linewidth=1, zorder=2)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(-3, 103)
    ax.set_ylim(-0.7, len(labels) - 0.3)
    ax.set_xlabel("Percentile among economies (0 = lowest, 100 = highest)")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def plot_pair(
    panel: pd.DataFrame,
    codes: tuple[str, str],
    ylabels: tuple[str, str],
    who: Economy,
    entities: pd.DataFrame,
    start_year: int,
    mark: tuple[int, str] | None = None,
):
    """Two measures side by side, each with the income group and the world."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import mark_year

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8))
    for ax, code, ylabel in zip(axes, codes, ylabels, strict=True):
        plot_lines(ax, panel, code, who, entities, ylabel, start_year)
        if mark is not None and code == HT_SHARE:
            mark_year(ax, *mark)
    fig.tight_layout()
    _legend_above(fig, axes)
    return fig


def plot_openness(panel: pd.DataFrame, who: Economy, entities: pd.DataFrame, start_year: int):
    import matplotlib.pyplot as plt

    from imtrade.show.figures import mark_year

    fig, ax = plt.subplots(figsize=(8.0, 3.8))
    plot_lines(ax, panel, TRADE, who, entities, "Exports + imports, % of GDP", start_year)
    if start_year < 2008:
        mark_year(ax, 2008, "2008 crisis")
    fig.tight_layout()
    _legend_above(fig, ax)
    return fig


def high_tech_note(vintage: str) -> tuple[int, str] | None:
    """Where the high-tech figure marks a definition break, and the sentence about it."""
    if vintage == OLD_DEFINITION_VINTAGE:
        return None
    return HIGH_TECH_BREAK_YEAR, "re-based series starts"


def definition_sentence(vintage: str) -> str:
    """Which definition of the high-tech series the vintage carries (:func:`trade_patterns.definition_label`)."""
    label = trade_patterns.definition_label(vintage)
    if vintage == OLD_DEFINITION_VINTAGE:
        return (
            f"In the {vintage} vintage the high-tech series uses the {label}; later vintages restart it in "
            f"{HIGH_TECH_BREAK_YEAR} on a new product list, and the two are never joined."
        )
    return (
        f"In the {vintage} vintage the high-tech series uses the {label}; values of the older, SITC-based "
        "definition are not comparable and are not shown."
    )
