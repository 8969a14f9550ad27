"""Chapter "PartNIR": developing economies and the new industrial revolution (source text 004).

The source text rests the case for the BRICS Partnership on New Industrial Revolution on
developing economies' weight in world output, manufacturing, trade and innovation, and on
UNIDO's finding that economies with strong manufacturing weathered COVID-19 better. This
module computes every number the chapter shows; the claim checks in :mod:`.checks` call the
same functions. Its prose and page tables are in :mod:`.text`, its figures in :mod:`.figures`;
regressions, ranks and growth rates are :mod:`imtrade.stats`.

Layout: pure functions take tidy frames (``dataset, vintage, indicator, iso3, year, value``)
and return frames; ``load_*`` functions fetch the inputs with
:func:`imtrade.api.load_indicators` for a vintage and call the pure ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from imtrade.book.params import check_countries, check_vintage, check_year_range
from imtrade.data.entities import economies
from imtrade.data.load import load_entities, load_indicators, load_optional
from imtrade.exceptions import ParameterError
from imtrade.stats import TooFewObservations, latest_within, ols_hc3, rank_economies

# Year of the source text's figures (the text was published in June 2022).
CLAIM_YEAR = 2021
# Years the pandemic analysis needs in the data (2020 shock, 2021 recovery).
PANDEMIC_YEARS = (2020, 2021)
WORLD = "WLD"
DEVELOPING_WB = "LMY"  # World Bank low- and middle-income aggregate
HIGH_INCOME = "HIC"
SDG_DEVELOPING = "M49_515"  # UN M49 "Developing regions" in the SDG database

GDP = "NY.GDP.MKTP.CD"
GDP_PPP = "NY.GDP.MKTP.PP.CD"  # derived: GDP per capita PPP x population
MVA = "NV.IND.MANF.CD"  # wb-bulk copy, rounded to 3 significant digits
IVA = "NV.IND.TOTL.CD"  # derived: industry share of GDP x GDP
MERCH_EXPORTS = "TX.VAL.MRCH.CD.WT"
SDG_MERCH_SHARE = "TX_EXP_GBMRCH"
RD = "GB.XPD.RSDV.GD.ZS"
RESEARCHERS = "SP.POP.SCIE.RD.P6"


# ---------------------------------------------------------------------------------------
# Parameters and names


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell).

    The group must list economies (not aggregates); ``start_year`` must precede ``year``; the
    vintage must hold world GDP (every section needs it) up to ``year``. A vintage without
    the pandemic years is accepted: that section says so (:func:`pandemic_data_missing`).
    """
    vintage = check_vintage(params["vintage"])
    check_countries(params["group"], name="group", allow_aggregates=False)
    name = str(params["group_name"]).strip()
    if not name or len(name) > 40:
        raise ParameterError("parameter 'group_name' must be a short label (1 to 40 characters), e.g. 'BRICS'")
    last = last_data_year(vintage)
    if last is None:
        raise ParameterError(
            f"vintage {vintage!r} has no world GDP ({GDP} for {WORLD}), which every section of the chapter needs",
            fix="use a vintage that holds it, e.g. the default; a user vintage must keep the world rows of the series",
        )
    check_year_range(params["start_year"], params["year"], lo=1990, hi=last, names=("start_year", "year"))


def last_data_year(vintage: str | None) -> int | None:
    """Last year with world GDP (current US$) in ``vintage`` (None when it has none)."""
    gdp = load_indicators([GDP], countries=[WORLD], vintage=vintage)
    years = gdp.dropna(subset=["value"])["year"]
    return int(years.max()) if len(years) else None


def pandemic_data_missing(vintage: str | None) -> str | None:
    """Why the pandemic section cannot be computed on ``vintage`` (a clause for the page); None when it can.

    The section needs real GDP growth of the world in :data:`PANDEMIC_YEARS` (older vintages
    end before 2020). Without it the section's numbers read n/a and the rest of the chapter
    stands (:func:`imtrade.show.sections.missing_section_note`).
    """
    growth = load_indicators(["NY.GDP.MKTP.KD.ZG"], countries=[WORLD], years=PANDEMIC_YEARS, vintage=vintage)
    have = set(growth.dropna(subset=["value"])["year"])
    lacking = [y for y in PANDEMIC_YEARS if y not in have]
    if not lacking:
        return None
    years = f"{lacking[0]}–{lacking[-1]}" if len(lacking) > 1 else str(lacking[0])
    return f"the WDI vintage {vintage} has no real GDP growth for {years} (NY.GDP.MKTP.KD.ZG)"


def claimed(claim_id: str) -> dict[str, Any]:
    """The ``claimed`` block and ``args`` of one register entry (the text's own figures).

    From the entries as written (:func:`imtrade.claims.register_entry`), so entries whose
    check is not registered yet (and are therefore left out of the validated register) still
    provide the text's figures.
    """
    from imtrade.claims import register_entry

    entry = register_entry(claim_id)
    return {**(entry.get("claimed") or {}), "args": dict(entry.get("args") or {})}


# ---------------------------------------------------------------------------------------
# Shares of a world total


def share_of_world(tidy: pd.DataFrame, members: Sequence[str], world: str = WORLD) -> pd.DataFrame:
    """Members' summed value as a percentage of the world value, by year.

    Parameters
    ----------
    tidy : tidy frame of ONE indicator with rows for ``world`` and (some of) the members.
    members : codes summed in the numerator.
    world : code of the denominator.

    Returns
    -------
    Frame indexed by year with ``share`` (%), ``reporting`` (members with a value) and
    ``expected`` (len(members)). Years without a world value are dropped; the share over
    the reporting members is kept even when some are missing (check ``reporting``).
    """
    if tidy["indicator"].nunique() > 1:
        raise ValueError("share_of_world expects one indicator")
    values = tidy.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    if world not in values:
        return pd.DataFrame(columns=["share", "reporting", "expected"], index=pd.Index([], name="year"))
    present = [m for m in members if m in values]
    numerator = values[present].sum(axis=1, min_count=1) if present else pd.Series(np.nan, index=values.index)
    out = pd.DataFrame(
        {
            "share": numerator / values[world] * 100.0,
            "reporting": values[present].notna().sum(axis=1) if present else 0,
            "expected": len(members),
        }
    )
    return out[values[world].notna()].astype({"reporting": "int64", "expected": "int64"})


def unallocated_share(tidy: pd.DataFrame, economy_codes: Iterable[str], world: str = WORLD) -> pd.Series:
    """World value not covered by the listed economies, % of world (by year).

    For GDP this bounds the economies the World Bank includes in its world total without
    publishing them (e.g. Taiwan, China) plus economies with gaps in a given year.
    """
    codes = set(economy_codes)
    values = tidy.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    covered = values[[c for c in values.columns if c in codes]].sum(axis=1, min_count=1)
    return (100.0 - covered / values[world] * 100.0).rename("unallocated")


def advanced_members(table: pd.DataFrame, year: int) -> list[str]:
    """IMF WEO advanced economies counted for ``year`` from the curated table.

    Rows with ``advanced_from_year`` later than ``year`` (Croatia, from 2023) are excluded.
    """
    start = pd.to_numeric(table["advanced_from_year"].replace("", np.nan), errors="coerce")
    keep = start.isna() | (start <= year)
    return sorted(table.loc[keep, "iso3"])


def imf_advanced_economies(year: int) -> list[str]:
    """The curated IMF advanced-economy list for ``year`` (see :func:`advanced_members`)."""
    from imtrade.data.curated import load_curated

    return advanced_members(load_curated("imf_weo_advanced_economies"), year)


def imf_split(
    tidy: pd.DataFrame, advanced: Sequence[str] | Mapping[int, Sequence[str]], economy_codes: Iterable[str]
) -> pd.DataFrame:
    """Advanced vs emerging-and-developing shares of the world total, by year (IMF grouping).

    ``advanced`` is one list for every year or a mapping year -> list (membership changes,
    e.g. Croatia from 2023). ``advanced_share`` sums the advanced economies present in the
    data; ``developing_share`` is its complement (100 minus it), so whatever the world total
    holds beyond the listed economies (``unallocated``, e.g. Taiwan, which is advanced but
    has no WDI series) is counted as developing. ``developing_low`` = developing_share -
    unallocated is the bound obtained if all of it were advanced.
    """
    values = tidy.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
    if WORLD not in values:
        return pd.DataFrame(columns=["advanced_share", "developing_share", "unallocated", "developing_low"])
    values = values[values[WORLD].notna()]
    mask = pd.DataFrame(False, index=values.index, columns=values.columns)
    for year in values.index:
        members = advanced[year] if isinstance(advanced, Mapping) else advanced
        mask.loc[year, [m for m in members if m in mask.columns]] = True
    adv_share = values.where(mask).sum(axis=1, min_count=1) / values[WORLD] * 100.0
    out = pd.DataFrame({"advanced_share": adv_share, "developing_share": 100.0 - adv_share})
    out["unallocated"] = unallocated_share(tidy, economy_codes).reindex(out.index)
    out["developing_low"] = out["developing_share"] - out["unallocated"]
    return out


def world_weight_table(
    gdp: pd.DataFrame,
    gdp_ppp: pd.DataFrame,
    group: Sequence[str],
    advanced: Sequence[str] | Mapping[int, Sequence[str]],
    economy_codes: Sequence[str],
) -> pd.DataFrame:
    """Shares of world GDP (%) at market exchange rates and at PPP, three groupings, by year.

    Returns a long frame with ``year, grouping, basis, share, reporting, expected`` where
    grouping is ``lmy`` (World Bank low and middle income), ``imf_emde`` (IMF emerging
    market and developing economies = world minus IMF advanced) or ``group``; basis is
    ``MER`` or ``PPP``.
    """
    rows = []
    for basis, tidy in (("MER", gdp), ("PPP", gdp_ppp)):
        lmy = tidy[tidy["iso3"].isin([DEVELOPING_WB, WORLD])]
        lmy_share = share_of_world(lmy, [DEVELOPING_WB])
        split = imf_split(tidy, advanced, economy_codes)
        grp = share_of_world(tidy[tidy["iso3"].isin([*group, WORLD])], group)
        for name, frame, share_col in (
            ("lmy", lmy_share, "share"),
            ("imf_emde", split, "developing_share"),
            ("group", grp, "share"),
        ):
            part = pd.DataFrame(
                {"year": frame.index, "grouping": name, "basis": basis, "share": frame[share_col].to_numpy()}
            )
            part["reporting"] = frame["reporting"].to_numpy() if "reporting" in frame else np.nan
            part["expected"] = frame["expected"].to_numpy() if "expected" in frame else np.nan
            rows.append(part)
    out = pd.concat(rows, ignore_index=True).dropna(subset=["share"])
    return out.sort_values(["grouping", "basis", "year"]).reset_index(drop=True)


def load_world_weight(vintage: str, group: Sequence[str], start_year: int, end_year: int) -> pd.DataFrame:
    """:func:`world_weight_table` for a vintage (all economies, so the IMF split is complete)."""
    years = (start_year, end_year)
    gdp = load_indicators([GDP], years=years, vintage=vintage)
    ppp = load_indicators([GDP_PPP], years=years, vintage=vintage)
    from imtrade.data.curated import load_curated

    table = load_curated("imf_weo_advanced_economies")
    advanced = {year: advanced_members(table, year) for year in range(start_year, end_year + 1)}
    return world_weight_table(gdp, ppp, group, advanced, economies())


def weight_share(weight: pd.DataFrame, grouping: str, basis: str, year: int) -> float:
    """One value of :func:`world_weight_table` (NaN when absent)."""
    hit = weight[(weight["grouping"] == grouping) & (weight["basis"] == basis) & (weight["year"] == year)]
    return float(hit["share"].iloc[0]) if len(hit) else math.nan


DEFINITION_LABELS = {
    ("lmy", "MER"): "World Bank low and middle income, market exchange rates",
    ("lmy", "PPP"): "World Bank low and middle income, PPP",
    ("imf_emde", "MER"): "IMF emerging & developing economies, market exchange rates",
    ("imf_emde", "PPP"): "IMF emerging & developing economies, PPP",
}


def definition_comparison(weight: pd.DataFrame, year: int, target: float) -> pd.DataFrame:
    """The four 'developing economies' shares of world GDP in ``year`` against ``target`` (%).

    Returns one row per definition with ``share``, ``gap`` (share - target, points) and
    ``closest`` (True for the smallest absolute gap), sorted by absolute gap.
    """
    rows = []
    for (grouping, basis), label in DEFINITION_LABELS.items():
        hit = weight[(weight["grouping"] == grouping) & (weight["basis"] == basis) & (weight["year"] == year)]
        share = float(hit["share"].iloc[0]) if len(hit) else np.nan
        rows.append({"definition": label, "grouping": grouping, "basis": basis, "share": share, "gap": share - target})
    out = pd.DataFrame(rows)
    out["closest"] = out["gap"].abs() == out["gap"].abs().min()
    return out.sort_values("gap", key=lambda s: s.abs()).reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Manufacturing and industry


def leaders_by_year(tidy: pd.DataFrame, years: Iterable[int], economy_codes: Iterable[str]) -> pd.DataFrame:
    """Largest and second-largest economy per year with the leader's margin (%).

    Returns ``year, leader, second, leader_value, second_value, margin_pct, tie`` for the
    years that have data.
    """
    codes = list(economy_codes)
    rows = []
    for year in years:
        ranked = rank_economies(tidy, year, codes)
        if len(ranked) < 2:
            continue
        first, second = ranked.iloc[0], ranked.iloc[1]
        rows.append(
            {
                "year": int(year),
                "leader": first["iso3"],
                "second": second["iso3"],
                "leader_value": first["value"],
                "second_value": second["value"],
                "margin_pct": (first["value"] / second["value"] - 1) * 100,
                "tie": bool(first["value"] == second["value"]),
            }
        )
    return pd.DataFrame(rows, columns=["year", "leader", "second", "leader_value", "second_value", "margin_pct", "tie"])


def coverage(tidy: pd.DataFrame, codes: Sequence[str], years: Iterable[int]) -> pd.DataFrame:
    """Which of ``years`` each code lacks: ``iso3, first, last, missing`` (missing as a list)."""
    years = list(years)
    rows = []
    for code in codes:
        have = set(tidy.loc[(tidy["iso3"] == code) & tidy["value"].notna(), "year"].astype(int))
        rows.append(
            {
                "iso3": code,
                "first": min(have) if have else None,
                "last": max(have) if have else None,
                "missing": [y for y in years if y not in have],
            }
        )
    return pd.DataFrame(rows, columns=["iso3", "first", "last", "missing"])


def manufacturing_share_table(mva: pd.DataFrame, group: Sequence[str]) -> pd.DataFrame:
    """Shares of world manufacturing value added (%) by year: China, the group, low and middle income.

    Long frame ``year, series, share, reporting, expected`` (series = ``CHN``, ``group``,
    ``LMY``). The group share is computed over reporting members; plot only complete years.
    """
    rows = []
    for series, members in (("CHN", ["CHN"]), ("group", list(group)), (DEVELOPING_WB, [DEVELOPING_WB])):
        part = share_of_world(mva[mva["iso3"].isin([*members, WORLD])], members).reset_index()
        part.insert(1, "series", series)
        rows.append(part)
    return pd.concat(rows, ignore_index=True).dropna(subset=["share"])


def value_at_or_before(frame: pd.DataFrame, year: int, column: str = "share") -> tuple[float, int | None]:
    """(value, year used): ``frame`` (indexed or with a ``year`` column) at ``year`` or the latest year before it."""
    data = frame.set_index("year") if "year" in frame.columns else frame
    data = data[data[column].notna() & (data.index <= year)]
    if data.empty:
        return math.nan, None
    used = int(data.index.max())
    return float(data.loc[used, column]), used


def industry_ranking(
    iva: pd.DataFrame, gdp: pd.DataFrame, year: int, economy_codes: Sequence[str], top: int = 15
) -> tuple[pd.DataFrame, list[str]]:
    """Top economies by industry value added in ``year`` (US$ bn) and large economies without data.

    Returns (ranking, missing) where ranking has ``rank, iso3, value_bn, tied`` for the top
    ``top`` and missing lists economies whose GDP would place them in the top ``2 * top``
    by GDP but which have no industry value added that year (they could not be ranked).
    """
    ranked = rank_economies(iva, year, economy_codes)
    ranked["value_bn"] = ranked["value"] / 1e9
    by_gdp = rank_economies(gdp, year, economy_codes).head(2 * top)
    missing = [c for c in by_gdp["iso3"] if c not in set(ranked["iso3"])]
    return ranked.head(top)[["rank", "iso3", "value_bn", "tied"]].reset_index(drop=True), missing


# ---------------------------------------------------------------------------------------
# Trade


def export_share_table(exports: pd.DataFrame, sdg_share: pd.DataFrame, group: Sequence[str]) -> pd.DataFrame:
    """Shares of world merchandise exports (%): the group, low and middle income, UN 'developing regions'.

    Long frame ``year, series, share, reporting, expected``; the UN series is published as a
    share (UNCTAD definition of developing economies, which includes e.g. Korea and Singapore).
    """
    rows = []
    for series, members in (("group", list(group)), (DEVELOPING_WB, [DEVELOPING_WB])):
        part = share_of_world(exports[exports["iso3"].isin([*members, WORLD])], members).reset_index()
        part.insert(1, "series", series)
        rows.append(part)
    un = sdg_share[sdg_share["iso3"] == SDG_DEVELOPING]
    rows.append(
        pd.DataFrame(
            {
                "year": un["year"].to_numpy(),
                "series": "UN developing regions",
                "share": un["value"].to_numpy(),
                "reporting": np.nan,
                "expected": np.nan,
            }
        )
    )
    return pd.concat(rows, ignore_index=True).dropna(subset=["share"])


def bilateral_trade_table(table: pd.DataFrame) -> pd.DataFrame:
    """The curated China-Africa / China-Latin America totals with the implied previous-year value.

    ``implied_previous`` = value / (1 + growth/100): the base the published growth rate
    implies, to compare with a separately published previous-year figure.
    """
    rows = table[(table["flow"] == "total") & (table["unit"] == "USD billion")].copy()
    growth = pd.to_numeric(rows["yoy_growth_pct"], errors="coerce")
    rows["implied_previous"] = rows["value"] / (1 + growth / 100.0)
    rows["source"] = rows["citation"].str.split(",").str[0]
    cols = ["year", "partner", "value", "yoy_growth_pct", "implied_previous", "verified_primary", "source", "note"]
    return rows[cols].sort_values(["partner", "year", "value"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Innovation


def gii_rank_changes(
    ranks: pd.DataFrame, iso3: Sequence[str], early_years: Sequence[int] = (2011, 2012), late_year: int = 2021
) -> pd.DataFrame:
    """Global Innovation Index rank in an early edition and in ``late_year``, and the climb.

    The early edition is the first of ``early_years`` that has the economy. ``places`` =
    early rank - late rank (positive = moved up). Because the number of economies ranked
    changes between editions, ``early_pct``/``late_pct`` give the rank as a percentile of
    the economies ranked (lower is better) where that count is known.
    """
    rows = []
    for code in iso3:
        own = ranks[ranks["iso3"] == code]
        late = own[own["edition_year"] == late_year]
        early = None
        for year in early_years:
            hit = own[own["edition_year"] == year]
            if len(hit):
                early = hit.iloc[0]
                break
        row = {
            "iso3": code,
            "economy": own["economy"].iloc[0] if len(own) else code,
            "early_year": int(early["edition_year"]) if early is not None else None,
            "early_rank": float(early["rank"]) if early is not None else math.nan,
            "late_rank": float(late["rank"].iloc[0]) if len(late) else math.nan,
        }
        row["places"] = row["early_rank"] - row["late_rank"]
        for key, source in (("early_pct", early), ("late_pct", late.iloc[0] if len(late) else None)):
            count = pd.to_numeric(source["economies_ranked"], errors="coerce") if source is not None else math.nan
            rank = float(source["rank"]) if source is not None else math.nan
            row[key] = rank / count * 100 if count and not pd.isna(count) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def gii_table(ranks: pd.DataFrame, iso3: Sequence[str], late_year: int = 2021) -> pd.DataFrame:
    """Ranks in the 2011, 2012 and ``late_year`` editions side by side with the climb since 2011 and 2012."""
    wide = ranks[ranks["iso3"].isin(iso3)].pivot_table(
        index=["iso3", "economy"], columns="edition_year", values="rank", aggfunc="first"
    )
    out = wide.reindex(columns=[2011, 2012, late_year]).reset_index()
    out.columns = ["iso3", "economy", "rank_2011", "rank_2012", f"rank_{late_year}"]
    out["climb_since_2011"] = out["rank_2011"] - out[f"rank_{late_year}"]
    out["climb_since_2012"] = out["rank_2012"] - out[f"rank_{late_year}"]
    order = {c: i for i, c in enumerate(iso3)}
    return out.sort_values("iso3", key=lambda s: s.map(order)).reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Group profile


@dataclass(frozen=True)
class ProfileIndicator:
    code: str
    label: str
    unit: str
    weight: str | None  # code of the weight for the group average, None = simple mean
    weight_note: str


PROFILE = (
    ProfileIndicator("NV.IND.TOTL.ZS", "Industry value added", "% of GDP", GDP, "GDP-weighted"),
    ProfileIndicator(
        "TX.VAL.TECH.MF.ZS",
        "High-tech exports",
        "% of manufactured exports",
        "TX.VAL.MANF.CD",
        "weighted by manufactured exports",
    ),
    ProfileIndicator(RD, "R&D expenditure", "% of GDP", GDP, "GDP-weighted"),
    ProfileIndicator(
        "IT.NET.BBND.P2", "Fixed broadband", "subscriptions per 100 people", "SP.POP.TOTL", "population-weighted"
    ),
    ProfileIndicator("LP.LPI.OVRL.XQ", "Logistics performance", "LPI score, 1 (low) to 5 (high)", None, "simple mean"),
)


def weighted_group_value(
    values: pd.DataFrame, weights: pd.DataFrame | None, members: Sequence[str]
) -> tuple[float, int]:
    """Weighted mean of the members' values (each at its own year); (value, members used).

    ``values`` has ``iso3, year, value``; ``weights`` has ``iso3, year, value`` (or None for
    a simple mean). A member counts only if its weight exists in the same year as its value.

    Notes
    -----
    :math:`\\bar{x} = \\sum_i w_i x_i / \\sum_i w_i` over members with both :math:`x_i` and
    :math:`w_i`; for a share of GDP with GDP weights this equals the group's summed numerator
    over its summed GDP.
    """
    v = values[values["iso3"].isin(members)][["iso3", "year", "value"]]
    if weights is None:
        return (float(v["value"].mean()) if len(v) else math.nan), len(v)
    merged = v.merge(weights[["iso3", "year", "value"]].rename(columns={"value": "w"}), on=["iso3", "year"]).dropna()
    if merged.empty or merged["w"].sum() <= 0:
        return math.nan, 0
    return float((merged["value"] * merged["w"]).sum() / merged["w"].sum()), len(merged)


def group_profile(
    tidy: pd.DataFrame,
    group: Sequence[str],
    year: int,
    window: int = 4,
    benchmarks: Sequence[str] = (WORLD, HIGH_INCOME, DEVELOPING_WB),
) -> pd.DataFrame:
    """The group's industrial profile against benchmark aggregates (latest values up to ``year``).

    Returns a long frame ``indicator, label, unit, entity, kind, value, year, members_used``
    with kind ``group`` (weighted average, see :data:`PROFILE`), ``member`` or ``benchmark``.
    """
    rows = []
    latest = latest_within(tidy, year, window)
    for item in PROFILE:
        values = latest[latest["indicator"] == item.code]
        weights = None
        if item.weight is not None:
            weights = tidy[tidy["indicator"] == item.weight]
        value, used = weighted_group_value(values, weights, group)
        years = values.loc[values["iso3"].isin(group), "year"]
        span = (
            f"{int(years.min())}"
            if len(years) and years.min() == years.max()
            else (f"{int(years.min())}-{int(years.max())}" if len(years) else "")
        )
        rows.append(
            {
                "indicator": item.code,
                "label": item.label,
                "unit": item.unit,
                "entity": "group",
                "kind": "group",
                "value": value,
                "year": span,
                "members_used": used,
            }
        )
        for code in [*group, *benchmarks]:
            hit = values[values["iso3"] == code]
            rows.append(
                {
                    "indicator": item.code,
                    "label": item.label,
                    "unit": item.unit,
                    "entity": code,
                    "kind": "benchmark" if code in benchmarks else "member",
                    "value": float(hit["value"].iloc[0]) if len(hit) else math.nan,
                    "year": str(int(hit["year"].iloc[0])) if len(hit) else "",
                    "members_used": np.nan,
                }
            )
    return pd.DataFrame(rows)


def load_group_profile(vintage: str, group: Sequence[str], year: int, window: int = 4) -> pd.DataFrame:
    """:func:`group_profile` with its inputs loaded for a vintage."""
    codes = sorted({p.code for p in PROFILE} | {p.weight for p in PROFILE if p.weight})
    tidy = load_indicators(
        codes, countries=[*group, WORLD, HIGH_INCOME, DEVELOPING_WB], years=(year - window, year), vintage=vintage
    )
    return group_profile(tidy, group, year, window)


def research_table(tidy: pd.DataFrame, codes: Sequence[str], year: int, window: int = 4) -> pd.DataFrame:
    """R&D expenditure (% GDP) and researchers per million: latest value up to ``year`` per economy."""
    latest = latest_within(tidy, year, window)
    out = pd.DataFrame({"iso3": list(codes)})
    for code, name in ((RD, "rd_pct_gdp"), (RESEARCHERS, "researchers_per_million")):
        part = latest[latest["indicator"] == code].set_index("iso3")
        out[name] = out["iso3"].map(part["value"])
        out[f"{name}_year"] = out["iso3"].map(part["year"]).astype("Int64")
    return out


# ---------------------------------------------------------------------------------------
# Pandemic resilience


def output_loss(
    growth: pd.DataFrame, trend_years: tuple[int, int] = (2015, 2019), base_year: int = 2019, end_year: int = 2021
) -> pd.Series:
    """Output in ``end_year`` against its pre-pandemic trend, % (negative = shortfall).

    Parameters
    ----------
    growth : wide frame, one row per entity, one column per year, real GDP growth in %.

    Notes
    -----
    The counterfactual grows the ``base_year`` level at the mean growth rate of
    ``trend_years`` (inclusive): :math:`Y^{cf}_T = Y_b (1+\\bar g)^{T-b}`; the actual level is
    :math:`Y_T = Y_b \\prod_{t=b+1}^{T} (1+g_t)`; the gap is :math:`100 (Y_T / Y^{cf}_T - 1)`.
    Levels cancel, so growth rates suffice. This mimics, with a naive trend instead of IMF
    forecasts, the output-loss measure of UNIDO's Industrial Development Report 2022.
    """
    trend_cols = list(range(trend_years[0], trend_years[1] + 1))
    after = list(range(base_year + 1, end_year + 1))
    missing = [y for y in trend_cols + after if y not in growth.columns]
    if missing:
        return pd.Series(np.nan, index=growth.index, name="output_gap")
    trend = growth[trend_cols].mean(axis=1, skipna=False) / 100.0
    actual = (1 + growth[after] / 100.0).prod(axis=1, skipna=False)
    counterfactual = (1 + trend) ** len(after)
    return ((actual / counterfactual - 1) * 100.0).rename("output_gap")


RESILIENCE_CODES = (
    "NY.GDP.MKTP.KD.ZG",
    MVA,
    GDP,
    "SP.POP.TOTL",
    "NV.MNF.TECH.ZS.UN",
    "NY.GDP.PCAP.PP.CD",
    "ST.INT.RCPT.XP.ZS",
    "TX.VAL.FUEL.ZS.UN",
    "TX.VAL.MMTL.ZS.UN",
)


def resilience_sample(
    tidy: pd.DataFrame,
    economy_codes: Iterable[str],
    x_year: int = 2019,
    min_population: float = 1e6,
    trend_years: tuple[int, int] = (2015, 2019),
    control_years: tuple[int, int] = (2017, 2019),
) -> pd.DataFrame:
    """Cross-section of economies for the pandemic-resilience regressions.

    Columns: ``growth_2020`` (real GDP growth 2020, %), ``output_gap_2021`` (see
    :func:`output_loss`), ``manuf_share`` (manufacturing value added % of GDP in ``x_year``,
    from NV.IND.MANF.CD / NY.GDP.MKTP.CD), ``mht_share`` (medium- and high-tech share of
    manufacturing value added, ``x_year``), ``log_gdppc`` (log GDP per capita PPP,
    ``x_year``), ``tourism`` (international tourism receipts, % of exports) and
    ``commodities`` (fuel + ores and metals, % of merchandise exports), both averaged over
    ``control_years`` where available, and ``population``. Economies with fewer than
    ``min_population`` people in ``x_year`` are dropped (aggregates always).
    """
    codes = set(economy_codes)
    data = tidy[tidy["iso3"].isin(codes)]
    w = data.pivot_table(index=["iso3", "year"], columns="indicator", values="value", aggfunc="first")
    for code in RESILIENCE_CODES:
        if code not in w:
            w[code] = np.nan
    growth = w["NY.GDP.MKTP.KD.ZG"].unstack("year")
    at_x = w.xs(x_year, level="year") if x_year in w.index.get_level_values("year") else w.iloc[0:0].droplevel("year")
    pre = w[
        (w.index.get_level_values("year") >= control_years[0]) & (w.index.get_level_values("year") <= control_years[1])
    ]
    pre = pre.groupby(level="iso3").mean()
    out = pd.DataFrame(index=sorted(set(w.index.get_level_values("iso3"))))
    out.index.name = "iso3"
    out["growth_2020"] = growth.get(2020, np.nan)
    out["output_gap_2021"] = output_loss(growth, trend_years, trend_years[1], 2021)
    out["manuf_share"] = at_x[MVA] / at_x[GDP] * 100.0
    out["mht_share"] = at_x["NV.MNF.TECH.ZS.UN"]
    out["log_gdppc"] = np.log(at_x["NY.GDP.PCAP.PP.CD"].where(at_x["NY.GDP.PCAP.PP.CD"] > 0))
    out["tourism"] = pre["ST.INT.RCPT.XP.ZS"]
    out["commodities"] = pre["TX.VAL.FUEL.ZS.UN"] + pre["TX.VAL.MMTL.ZS.UN"]
    out["population"] = at_x["SP.POP.TOTL"]
    out = out[out["population"] >= min_population]
    return out.reset_index()


def load_resilience_sample(vintage: str, min_population: float = 1e6) -> pd.DataFrame:
    """:func:`resilience_sample` with its inputs loaded for a vintage (a series the vintage lacks is all NaN)."""
    parts = [load_optional(code, years=(2014, 2021), vintage=vintage) for code in RESILIENCE_CODES]
    tidy = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    return resilience_sample(tidy, economies(), min_population=min_population)


RESILIENCE_SPECS = {
    "(1) manufacturing share": ("manuf_share",),
    "(2) + medium/high-tech share": ("manuf_share", "mht_share"),
    "(3) + controls": ("manuf_share", "mht_share", "log_gdppc", "tourism", "commodities"),
}
OUTCOMES = {"growth_2020": "GDP growth 2020 (%)", "output_gap_2021": "Output vs pre-2020 trend, 2021 (%)"}


FLAT_SPEC = "(4) = (3), flat tech series dropped"


def common_sample(sample: pd.DataFrame) -> pd.DataFrame:
    """The economies of ``sample`` with every outcome of :data:`OUTCOMES` and every regressor
    of :data:`RESILIENCE_SPECS`: the intersection of the specifications' own samples.

    Estimating every specification on these rows separates the effect of adding regressors
    from the effect of losing the economies that lack them (listwise deletion shrinks the
    full samples from one specification to the next).
    """
    columns = list(OUTCOMES) + list(dict.fromkeys(r for regs in RESILIENCE_SPECS.values() for r in regs))
    return sample.dropna(subset=columns).reset_index(drop=True)


def resilience_models(sample: pd.DataFrame, flat_mht: Sequence[str] = (), common: bool = False) -> pd.DataFrame:
    """Every outcome x specification of :data:`RESILIENCE_SPECS`, stacked.

    With ``flat_mht`` (economies whose medium/high-tech share is carried forward, see
    :func:`carried_forward`), a fourth specification re-estimates (3) without them. With
    ``common``, every specification uses :func:`common_sample` (each its own complete rows
    otherwise). Columns: ``outcome, spec, term, estimate, ci_low, ci_high, p_value, n, r2``.
    """
    if common:
        sample = common_sample(sample)
    specs = [(spec, regressors, sample) for spec, regressors in RESILIENCE_SPECS.items()]
    if len(flat_mht):
        specs.append((FLAT_SPEC, RESILIENCE_SPECS["(3) + controls"], sample[~sample["iso3"].isin(list(flat_mht))]))
    rows = []
    for outcome in OUTCOMES:
        for spec, regressors, data in specs:
            try:
                result = ols_hc3(data, outcome, regressors)
            except TooFewObservations:  # e.g. a vintage without 2020-2021: NaN estimates, the page reads n/a
                nan = {c: math.nan for c in ("estimate", "ci_low", "ci_high", "p_value")}
                table = pd.DataFrame([{"term": t, **nan} for t in ("const", *regressors)])
                rows.append(table.assign(outcome=outcome, spec=spec, n=0, r2=math.nan))
                continue
            table = result.coefficients.assign(outcome=outcome, spec=spec, n=result.n, r2=result.r2)
            rows.append(table)
    out = pd.concat(rows, ignore_index=True)
    return out[["outcome", "spec", "term", "estimate", "ci_low", "ci_high", "p_value", "n", "r2"]]


def aggregate_output_loss(
    vintage: str | None,
    groups: Sequence[str],
    trend_years: tuple[int, int] = (2015, 2019),
    base_year: int = 2019,
    end_year: int = 2021,
) -> pd.Series:
    """:func:`output_loss` for aggregates (e.g. LMY, HIC), from their published growth rates."""
    tidy = load_indicators(
        ["NY.GDP.MKTP.KD.ZG"], countries=list(groups), years=(trend_years[0], end_year), vintage=vintage
    )
    growth = tidy.pivot_table(index="iso3", columns="year", values="value", aggfunc="first")
    return output_loss(growth, trend_years, base_year, end_year)


INCOME_GROUP_MEMBERS = {
    DEVELOPING_WB: ("Low income", "Lower middle income", "Upper middle income"),
    HIGH_INCOME: ("High income",),
}  # World Bank aggregate -> the income groups of its member economies


def income_members(entities: pd.DataFrame) -> dict[str, list[str]]:
    """Member economies of the World Bank's LMY and HIC aggregates, from the entity table's
    ``income_group`` (economies without a classification belong to neither)."""
    return {
        aggregate: sorted(entities.loc[entities["income_group"].isin(groups), "iso3"])
        for aggregate, groups in INCOME_GROUP_MEMBERS.items()
    }


def economy_output_loss(
    tidy: pd.DataFrame,
    economy_codes: Iterable[str],
    min_population: float = 1e6,
    trend_years: tuple[int, int] = (2015, 2019),
    base_year: int = 2019,
    end_year: int = 2021,
) -> pd.Series:
    """:func:`output_loss` of each economy with at least ``min_population`` people in ``base_year``.

    ``tidy`` holds NY.GDP.MKTP.KD.ZG and SP.POP.TOTL; economies without a complete growth
    record are dropped. Returns the gaps (%) indexed by ``iso3``.
    """
    data = tidy[tidy["iso3"].isin(set(economy_codes))]
    growth = data[data["indicator"] == "NY.GDP.MKTP.KD.ZG"].pivot_table(
        index="iso3", columns="year", values="value", aggfunc="first"
    )
    pop = data[(data["indicator"] == "SP.POP.TOTL") & (data["year"] == base_year)].set_index("iso3")["value"]
    gaps = output_loss(growth, trend_years, base_year, end_year)
    large = pop[pop >= min_population].index
    return gaps[gaps.index.isin(large)].dropna().rename_axis("iso3")


def output_loss_comparison(
    aggregates: pd.Series, gaps: pd.Series, members: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """GDP-weighted aggregate against the unweighted mean of member economies, per group.

    Parameters
    ----------
    aggregates : :func:`output_loss` of the World Bank aggregates (e.g. LMY, HIC), indexed by code.
    gaps : :func:`output_loss` of single economies, indexed by ``iso3``.
    members : aggregate code -> its member economies (:func:`income_members`).

    Returns
    -------
    DataFrame
        Index: the aggregates of ``members``; columns ``weighted`` (the aggregate's own gap,
        its members weighted by GDP), ``unweighted`` (mean over the members in ``gaps``) and
        ``n`` (members averaged). Gaps in %, negative = output below trend.

    Notes
    -----
    An aggregate's growth rate is a GDP-weighted mean of its members' rates, so its gap
    describes the group's combined output (dominated by its largest economies: China in
    LMY); the unweighted mean :math:`\\frac{1}{n}\\sum_i gap_i` describes the average economy.
    """
    rows = {}
    for aggregate, codes in members.items():
        part = gaps[gaps.index.isin(list(codes))]
        rows[aggregate] = {
            "weighted": float(aggregates.get(aggregate, np.nan)),
            "unweighted": float(part.mean()) if len(part) else np.nan,
            "n": len(part),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def carried_forward(tidy: pd.DataFrame, indicator: str, years: tuple[int, int]) -> list[str]:
    """Economies whose ``indicator`` value is the same (to 4 decimals) in every year of ``years``.

    Such flat runs are usually an estimate carried forward, not annual observations.
    """
    rows = tidy[(tidy["indicator"] == indicator) & tidy["year"].between(*years)].dropna(subset=["value"])
    rows = rows.assign(value=rows["value"].round(4))
    stats = rows.groupby("iso3")["value"].agg(["nunique", "count"])
    span = years[1] - years[0] + 1
    return sorted(stats[(stats["nunique"] == 1) & (stats["count"] == span)].index)


def non_advanced_high_income(gdp: pd.DataFrame, advanced: Sequence[str], year: int) -> pd.DataFrame:
    """High-income economies (World Bank) that the IMF does not count as advanced, by GDP share.

    These economies (Saudi Arabia, Poland, the Gulf states, Chile, ...) are 'developing' for
    the IMF but not part of the World Bank's low- and middle-income aggregate: they explain
    most of the gap between the two definitions. Returns ``iso3, share`` (% of world GDP in
    ``year``), largest first.
    """
    table = load_entities(include_aggregates=False)
    hic = set(table.loc[table["income_group"] == "High income", "iso3"]) - set(advanced)
    values = gdp[(gdp["year"] == year)].set_index("iso3")["value"]
    if WORLD not in values:
        return pd.DataFrame(columns=["iso3", "share"])
    rows = values[values.index.isin(hic)].dropna() / values[WORLD] * 100.0
    return rows.sort_values(ascending=False).rename("share").rename_axis("iso3").reset_index()


# ---------------------------------------------------------------------------------------
# Figures (one function per figure; the chapter adds nothing but the call)


def editions_ranked(ranks: pd.DataFrame) -> dict[int, int]:
    """Number of economies ranked per GII edition, where the curated table records it."""
    counts = pd.to_numeric(ranks["economies_ranked"], errors="coerce")
    return {int(y): int(c) for y, c in counts.groupby(ranks["edition_year"]).max().dropna().items()}


# ---------------------------------------------------------------------------------------
# Phrases for the prose (parameter-dependent text is generated, never typed)


def streak_start(leaders: pd.DataFrame, geo: str) -> tuple[int | None, int]:
    """First year of ``geo``'s unbroken run as leader up to the last year, and the run's length."""
    data = leaders.sort_values("year")
    if data.empty or data["leader"].iloc[-1] != geo:
        return None, 0
    start = int(data["year"].iloc[-1])
    for row in data.iloc[::-1].itertuples():
        if row.leader != geo:
            break
        start = int(row.year)
    return start, int(data["year"].iloc[-1]) - start + 1


def significance_count(models: pd.DataFrame, term: str) -> tuple[int, int]:
    """(estimates of ``term`` whose 95 % CI excludes zero, all estimates of ``term``)."""
    rows = models[models["term"] == term]
    significant = ((rows["ci_low"] > 0) | (rows["ci_high"] < 0)).sum()
    return int(significant), len(rows)


def pending_claims(prefix: str = "c004-") -> dict[str, list[str]]:
    """Register entries (ids starting with ``prefix``) that cannot be evaluated, with the reasons.

    Typically claims whose shared check function has not landed yet: the verdict table
    leaves them out, and the chapter says so.
    """
    from imtrade.claims import load_register

    problems = load_register().problems
    return {k: v for k, v in sorted(problems.items()) if k.startswith(prefix)}


# ---------------------------------------------------------------------------------------
# Re-industrialisation in rich economies; the digital starting line

INDUSTRY_SHARE = "NV.IND.TOTL.ZS"  # industry (incl. construction, mining, utilities), % of GDP
INCOME_GROUPS = ("HIC", "UMC", "LMC", "LIC")  # World Bank income aggregates, richest first
DIGITAL_ACCESS = {
    "IT.NET.BBND.P2": "Fixed broadband subscriptions per 100 people",
    "IT.CEL.SETS.P2": "Mobile cellular subscriptions per 100 people",
}


def group_industry_shares(tidy: pd.DataFrame, group: str = HIGH_INCOME) -> pd.DataFrame:
    """Manufacturing and industry value added of an income aggregate as % of its GDP, by year.

    Parameters
    ----------
    tidy : ``load_indicators`` of :data:`MVA`, :data:`GDP` and :data:`INDUSTRY_SHARE` for ``group``.

    Returns
    -------
    Frame indexed by year: ``manufacturing`` (MVA / GDP x 100, current US$; NaN where either is
    missing) and ``industry`` (the published industry share, construction included).

    Notes
    -----
    Shares in current prices: when manufactured goods get cheaper relative to services, the
    share falls even if real output holds up, so a falling share is not proof of shrinking
    production (Rodrik 2016).
    """
    rows = tidy[tidy["iso3"] == group]
    wide = rows.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    out = pd.DataFrame(index=wide.index.astype(int))
    out["manufacturing"] = 100.0 * wide[MVA] / wide[GDP] if MVA in wide and GDP in wide else np.nan
    out["industry"] = wide.get(INDUSTRY_SHARE, np.nan)
    return out.sort_index()


def share_change(shares: pd.DataFrame, column: str, years: tuple[int, int]) -> tuple[float, float, float]:
    """(first, last, last - first) of ``shares[column]`` in ``years``; NaN where a year is missing."""
    s = shares[column].dropna() if column in shares else pd.Series(dtype=float)
    a = float(s.loc[years[0]]) if years[0] in s.index else math.nan
    b = float(s.loc[years[1]]) if years[1] in s.index else math.nan
    return a, b, b - a


def digital_gaps(tidy: pd.DataFrame, rich: str = "HIC", poor: str = "LIC") -> pd.DataFrame:
    """Rich-minus-poor gap and rich/poor ratio per digital-access indicator and year.

    Returns columns ``indicator, year, rich, poor, gap, ratio`` (years where both groups have a value).
    """
    frames = []
    for code, rows in tidy.groupby("indicator"):
        wide = rows.pivot_table(index="year", columns="iso3", values="value", aggfunc="first")
        if rich not in wide or poor not in wide:
            continue
        both = wide[[rich, poor]].dropna()
        frames.append(
            pd.DataFrame(
                {
                    "indicator": code,
                    "year": both.index.astype(int),
                    "rich": both[rich].to_numpy(),
                    "poor": both[poor].to_numpy(),
                    "gap": (both[rich] - both[poor]).to_numpy(),
                    "ratio": (both[rich] / both[poor].where(both[poor] > 0)).to_numpy(),
                }
            )
        )
    cols = ["indicator", "year", "rich", "poor", "gap", "ratio"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
