"""Indicator codes and definitional facts that several chapters share, and their tidy helpers.

A code used by one chapter is a constant of that chapter; the ones here are read by more than
one chapter (trade patterns, de-globalisation and the country brief). The WDI's high-tech
export series changed definition in 2007: vintages from 2026 restart it in 2007 on a new
product list, the 2018 vintage carries the SITC-based series (1988-2016). The two are never
spliced (:func:`high_tech_definition`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from imtrade.data.load import load_indicators, wide

HIGH_TECH_BREAK_YEAR = 2007  # first year of the re-based high-tech export series (WDI 2026)
OLD_DEFINITION_VINTAGE = "2018-08-01"  # WDI vintage with the SITC-based series, 1988-2016

HT_VALUE = "TX.VAL.TECH.CD"  # high-technology exports, current US$
HT_SHARE = "TX.VAL.TECH.MF.ZS"  # high-technology exports, % of manufactured exports
MANF_EXPORTS = "TX.VAL.MANF.CD"  # manufactured exports, derived = HT_VALUE / (HT_SHARE / 100)
RD_INTENSITY = "GB.XPD.RSDV.GD.ZS"  # R&D expenditure, % of GDP
LABOUR_FORCE = "SL.TLF.TOTL.IN"  # labour force, total
UNEMPLOYMENT = "SL.UEM.TOTL.ZS"  # unemployment, % of the labour force
INDUSTRY_VALUE_ADDED = "NV.IND.TOTL.ZS"  # industry (incl. construction) value added, % of GDP
# ILO modelled employment by sector, % of total employment (derived codes, via Gapminder)
SECTORS = {"agriculture": "SL.AGR.EMPL.ZS", "industry": "SL.IND.EMPL.ZS", "services": "SL.SRV.EMPL.ZS"}
INDUSTRY_EMPLOYMENT = SECTORS["industry"]


def high_tech_definition(vintage: str) -> str:
    """Which definition of the high-tech export series a WDI vintage carries (a label for text and legends)."""
    if vintage == OLD_DEFINITION_VINTAGE:
        return "SITC-based definition, 1988-2016"
    return f"re-based definition, from {HIGH_TECH_BREAK_YEAR}"


def load_high_tech(
    vintage: str, years: tuple[int, int] | None = None, countries: Sequence[str] | None = None
) -> pd.DataFrame:
    """High-tech exports (US$ and % of manufactured exports) and derived manufactured exports.

    Returns a wide frame (rows ``iso3, year``) with the columns :data:`HT_VALUE`,
    :data:`HT_SHARE` and :data:`MANF_EXPORTS`, from one vintage only (never spliced).
    """
    tidy = load_indicators([HT_VALUE, HT_SHARE, MANF_EXPORTS], countries=countries, years=years, vintage=vintage)
    frame = wide(tidy)
    for code in (HT_VALUE, HT_SHARE, MANF_EXPORTS):
        if code not in frame:
            frame[code] = np.nan
    return frame


def employment_weights(tidy: pd.DataFrame) -> pd.DataFrame:
    """Employment by economy and year = labour force x (1 - unemployment rate / 100).

    ``tidy`` holds :data:`LABOUR_FORCE` and :data:`UNEMPLOYMENT`; where the unemployment
    rate is missing, the labour force itself is the weight. Returns tidy ``iso3, year, value``.
    """
    frame = wide(tidy)
    if LABOUR_FORCE not in frame:
        return pd.DataFrame(columns=["iso3", "year", "value"])
    rate = frame[UNEMPLOYMENT] if UNEMPLOYMENT in frame else pd.Series(np.nan, index=frame.index)
    employed = frame[LABOUR_FORCE] * (1.0 - rate.fillna(0.0) / 100.0)
    return employed.dropna().rename("value").reset_index()


def industry_shares(tidy: pd.DataFrame, countries: Sequence[str], common_years: bool = True) -> pd.DataFrame:
    """Industry's share of employment and of value added (%), tidy: iso3, year, measure, value.

    With ``common_years`` only economy-years that have both shares are kept (the ILO
    employment series start in 1991), so the two are always compared over the same years.
    """
    names = {INDUSTRY_EMPLOYMENT: "employment", INDUSTRY_VALUE_ADDED: "value added"}
    rows = tidy[tidy["iso3"].isin(countries) & tidy["indicator"].isin(names)].dropna(subset=["value"]).copy()
    rows["measure"] = rows["indicator"].map(names)
    if common_years:
        both = rows.groupby(["iso3", "year"])["measure"].transform("nunique") == 2
        rows = rows[both]
    return rows[["iso3", "year", "measure", "value"]].sort_values(["iso3", "measure", "year"]).reset_index(drop=True)


def load_high_tech_rca(vintage: str, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Revealed comparative advantage in high-tech exports of every economy and aggregate.

    :func:`imtrade.stats.balassa_rca` of :func:`load_high_tech`, with high-tech exports
    (:data:`HT_VALUE`) within manufactured exports (:data:`MANF_EXPORTS`) and the reference
    world the sum over every economy of the entity table. Tidy ``iso3, year, share,
    world_share, rca, reporters``.
    """
    from imtrade.data.entities import economies

    return high_tech_rca(load_high_tech(vintage, years=years), economies())


def high_tech_rca(high_tech: pd.DataFrame, economies: Sequence[str]) -> pd.DataFrame:
    """:func:`imtrade.stats.balassa_rca` of a :func:`load_high_tech` frame over ``economies``."""
    from imtrade.stats import balassa_rca

    return balassa_rca(high_tech, economies, product=HT_VALUE, total=MANF_EXPORTS, share=HT_SHARE)
