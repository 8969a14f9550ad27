"""Chapter "Country brief": the sentences and page tables of one economy's brief.

Every function accepts an economy with no data for a measure and says so ("no data",
:data:`imtrade.show.text.NO_DATA`). Generic pieces come from :mod:`imtrade.show.text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from imtrade.chapters.country_brief.analysis import (
    GDP_PC,
    IND_EMP,
    IND_VA,
    MEASURE,
    MEASURES,
    POPULATION,
    RANK_WINDOW,
    Economy,
    change,
    industry_changes,
    peak,
    series,
)
from imtrade.data.indicators import HIGH_TECH_BREAK_YEAR, OLD_DEFINITION_VINTAGE, high_tech_definition
from imtrade.show.text import NO_DATA, capitalise, format_number, is_missing, signed


def fmt(value: float | None, key: str) -> str:
    """A measure's value as text, or "no data"."""
    return format_number(value, MEASURE[key].fmt, missing=NO_DATA)


def row_of(table: pd.DataFrame, key: str) -> dict[str, Any]:
    """One measure's row of :func:`profile_table` as a dict (missing values stay NaN/NA)."""
    return table[table["key"] == key].iloc[0].to_dict()


def measure_sentence(table: pd.DataFrame, key: str, who: Economy) -> str:
    """E.g. "37 % of GDP in 2024 (world 57; upper middle income economies 45); rank 160 of 190."
    or "no data for China in this vintage"."""
    r = row_of(table, key)
    m = MEASURE[key]
    if is_missing(r["value"]):
        return f"{NO_DATA} for {who.prose} in this vintage"
    unit = m.unit.replace("% of", "% of") if m.unit.startswith("%") else m.unit
    text = f"{fmt(r['value'], key)} {unit} in {r['year']}"
    refs = []
    if not is_missing(r["world"]):
        refs.append(f"world {fmt(r['world'], key)}")
    if not is_missing(r["group"]):
        refs.append(f"{who.group_prose} {fmt(r['group'], key)}")
    if refs:
        text += f" ({'; '.join(refs)})"
    if not is_missing(r["rank"]) and r["ranked"] > 1:
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
    return f"{n} of the {len(table)} measures of this brief have data for {who.prose}; there is {NO_DATA} on {listed}."


def rca_sentence(table: pd.DataFrame, who: Economy) -> str:
    r = row_of(table, "rca")
    if is_missing(r["value"]):
        return f"Without high-tech export data there is no comparative-advantage index for {who.prose}."
    side = "more" if r["value"] > 1 else "less"
    return (
        f"Its Balassa index of revealed comparative advantage in high-tech goods was {fmt(r['value'], 'rca')} in "
        f"{r['year']}: "
        f"its manufactured exports were {side} high-tech than those of the reporting world (index 1)."
    )


def openness_sentence(trade: pd.Series, who: Economy, start_year: int) -> str:
    year, value = peak(trade)
    if year is None:
        return f"The data give {NO_DATA} on the trade openness of {who.prose}."
    first, last, delta = change(trade)
    since = max(start_year, int(trade.index.min()))
    text = f"Since {since} the trade of {who.prose} peaked at {value:.0f} % of GDP in {year}"
    if not is_missing(delta):
        text += f"; between {first} and {last} it changed by {signed(delta, 0)} percentage points"
    return text + "."


def industry_sentence(panel: pd.DataFrame, who: Economy) -> str:
    """How industry's shares of employment and value added moved, over the same years."""
    first, last, d_emp, d_va = industry_changes(panel, who.iso3)
    if first is not None:
        emp, va = series(panel, IND_EMP, who.iso3), series(panel, IND_VA, who.iso3)
        return (
            f"Between {first} and {last}, the years with both series, industry's share of employment in {who.prose} "
            f"went from {emp.loc[first]:.1f} % to {emp.loc[last]:.1f} % ({signed(d_emp, 1)} points) and its share of "
            "value added "
            f"from {va.loc[first]:.1f} % to {va.loc[last]:.1f} % of GDP ({signed(d_va, 1)} points)."
        )
    described, missing = [], []
    for label, code in (("employment", IND_EMP), ("value added", IND_VA)):
        s = series(panel, code, who.iso3)
        first_, last_, delta = change(s)
        if is_missing(delta):
            missing.append(label)
        else:
            described.append(
                f"industry's share of {label} went from {s.loc[first_]:.1f} % in {first_} to {s.loc[last_]:.1f} % in "
                f"{last_}"
            )
    if not described:
        return f"The sources give {NO_DATA} on industry's shares of employment and value added in {who.prose}."
    if missing:
        return capitalise(f"in {who.prose}, {described[0]}; there is {NO_DATA} on its share of {missing[0]}.")
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
            return fmt(r[column], key)

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


def definition_sentence(vintage: str) -> str:
    """Which definition of the high-tech series the vintage carries.

    See :func:`imtrade.data.indicators.high_tech_definition`.
    """
    label = high_tech_definition(vintage)
    if vintage == OLD_DEFINITION_VINTAGE:
        return (
            f"In the {vintage} vintage the high-tech series uses the {label}; later vintages restart it in "
            f"{HIGH_TECH_BREAK_YEAR} on a new product list, and the two are never joined."
        )
    return (
        f"In the {vintage} vintage the high-tech series uses the {label}; values of the older, SITC-based "
        "definition are not comparable and are not shown."
    )
