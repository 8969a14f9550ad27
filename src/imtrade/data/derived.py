"""Series the upstream files do not publish, computed from ones they do.

Each entry documents its formula; :func:`imtrade.api.load_indicators` computes a derived
code from its inputs (same vintage, same countries and years) whenever it is asked for one.
The output's ``dataset`` column reads ``derived:<input datasets>`` so provenance survives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # frames come in and go out; pandas itself is not needed to define the series
    import pandas as pd


@dataclass(frozen=True)
class DerivedSeries:
    code: str
    name: str
    unit: str
    inputs: tuple[str, ...]
    formula: str
    compute: Callable[[pd.DataFrame], pd.Series]  # wide frame (iso3, year) x inputs -> values
    note: str = ""


def _sum(a: str, b: str):
    return lambda w: w[a] + w[b]


def _product(a: str, b: str, scale: float = 1.0):
    return lambda w: w[a] * w[b] * scale


DERIVED: dict[str, DerivedSeries] = {}


def register(series: DerivedSeries) -> DerivedSeries:
    DERIVED[series.code] = series
    return series


register(
    DerivedSeries(
        "NE.TRD.GNFS.ZS",
        "Trade (% of GDP)",
        "% of GDP",
        ("NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS"),
        "exports of goods and services (% of GDP) + imports of goods and services (% of GDP)",
        _sum("NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS"),
        "The World Bank's own definition of NE.TRD.GNFS.ZS; the datahub package omits it.",
    )
)
register(
    DerivedSeries(
        "NY.GDP.MKTP.PP.CD",
        "GDP, PPP (current international $)",
        "current international $",
        ("NY.GDP.PCAP.PP.CD", "SP.POP.TOTL"),
        "GDP per capita, PPP (current international $) x total population",
        _product("NY.GDP.PCAP.PP.CD", "SP.POP.TOTL"),
    )
)
register(
    DerivedSeries(
        "NE.EXP.GNFS.CD",
        "Exports of goods and services (current US$)",
        "current US$",
        ("NE.EXP.GNFS.ZS", "NY.GDP.MKTP.CD"),
        "exports of goods and services (% of GDP) / 100 x GDP (current US$)",
        _product("NE.EXP.GNFS.ZS", "NY.GDP.MKTP.CD", 0.01),
    )
)
register(
    DerivedSeries(
        "NV.IND.TOTL.CD",
        "Industry (including construction), value added (current US$)",
        "current US$",
        ("NV.IND.TOTL.ZS", "NY.GDP.MKTP.CD"),
        "industry value added (% of GDP) / 100 x GDP (current US$)",
        _product("NV.IND.TOTL.ZS", "NY.GDP.MKTP.CD", 0.01),
        "GDP is at purchasers' prices and value added at basic prices, so this slightly misstates the level.",
    )
)
register(
    DerivedSeries(
        "TX.VAL.MANF.CD",
        "Manufactured exports, derived (current US$)",
        "current US$",
        ("TX.VAL.TECH.CD", "TX.VAL.TECH.MF.ZS"),
        "high-technology exports (current US$) / (high-technology exports as % of manufactured exports / 100)",
        lambda w: w["TX.VAL.TECH.CD"] / (w["TX.VAL.TECH.MF.ZS"] / 100.0).where(w["TX.VAL.TECH.MF.ZS"] > 0),
        "Undefined where the high-tech share is zero; inherits the 2007 definition break of TX.VAL.TECH.*.",
    )
)
register(
    DerivedSeries(
        "SERV.EXP.APPROX.CD",
        "Services exports, approximate (current US$)",
        "current US$",
        ("NE.EXP.GNFS.ZS", "NY.GDP.MKTP.CD", "TX.VAL.MRCH.CD.WT"),
        "exports of goods and services (% of GDP) / 100 x GDP (current US$) - merchandise exports (current US$)",
        lambda w: w["NE.EXP.GNFS.ZS"] * w["NY.GDP.MKTP.CD"] / 100.0 - w["TX.VAL.MRCH.CD.WT"],
        "An approximation: national-accounts goods exports and customs merchandise exports differ "
        "(valuation, timing, goods for processing), so the difference is not BoP services exports.",
    )
)
# Total employment shares by sector: the ILO modelled estimates, as published by Gapminder.
for _sector, _concept in (
    ("AGR", "agriculture_workers_percent_of_employment"),
    ("IND", "industry_workers_percent_of_employment"),
    ("SRV", "service_workers_percent_of_employment"),
):
    register(
        DerivedSeries(
            f"SL.{_sector}.EMPL.ZS",
            f"Employment in {dict(AGR='agriculture', IND='industry', SRV='services')[_sector]} "
            "(% of total employment) (modeled ILO estimate)",
            "% of total employment",
            (_concept,),
            f"ILO modelled estimate, Gapminder concept {_concept}",
            (lambda c: lambda w: w[c])(_concept),
            "The datahub WDI package only has the female and male shares (SL.*.EMPL.FE.ZS / .MA.ZS).",
        )
    )


def compute(series: DerivedSeries, inputs: pd.DataFrame) -> pd.DataFrame:
    """Compute ``series`` from tidy input rows; rows where any input is missing are dropped."""
    wide = inputs.pivot_table(index=["iso3", "year"], columns="indicator", values="value", aggfunc="first")
    for code in series.inputs:
        if code not in wide:
            wide[code] = float("nan")
    values = series.compute(wide).dropna()
    datasets = "+".join(sorted(inputs["dataset"].unique()))
    vintages = "+".join(sorted(inputs["vintage"].unique()))
    out = values.rename("value").reset_index()
    return out.assign(dataset=f"derived:{datasets}", vintage=vintages, indicator=series.code)[
        ["dataset", "vintage", "indicator", "iso3", "year", "value"]
    ]
