"""Chapter "Trade patterns": intelligent manufacturing and comparative advantage (source text 000).

The source text makes four propositions about trade under intelligent manufacturing; this
module turns each into measured series:

1. comparative advantage moves toward technology-intensive goods: high-tech exports as a
   share of manufactured exports, a Balassa index of revealed comparative advantage (RCA) in
   high-tech goods, medium- and high-tech shares of exports and of manufacturing value added,
   and a fixed-effects panel regression of high-tech RCA on R&D intensity;
2. goods and services trade blur: ICT service exports, charges for the use of intellectual
   property (IP) and an approximate services-exports series, all relative to merchandise exports;
3. employment moves from production to services: ILO modelled sector shares and the
   cross-country hump of industry employment against income;
4. trade gets greener: CO2 intensity of GDP, production- versus consumption-based CO2.

Loaders (``load_*``) read data through :func:`imtrade.api.load_indicators` for one data
vintage; every other function is a pure function of tidy or wide frames, so that tests and the
claim checks (:mod:`imtrade.claims.checks.trade_patterns`) can feed them small frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from imtrade.book.params import check_countries, check_vintage, check_year_range
from imtrade.data.load import load_entities, load_indicators
from imtrade.exceptions import ParameterError, UnknownIndicatorError
from imtrade.show.tables import join_names

# ---------------------------------------------------------------------------------------
# Constants

HIGH_TECH_BREAK_YEAR = 2007  # first year of the re-based high-tech export series (WDI 2026)
OLD_DEFINITION_VINTAGE = "2018-08-01"  # WDI vintage with the SITC-based series, 1988-2016

HT_VALUE = "TX.VAL.TECH.CD"  # high-technology exports, current US$
HT_SHARE = "TX.VAL.TECH.MF.ZS"  # high-technology exports, % of manufactured exports
MANF_EXPORTS = "TX.VAL.MANF.CD"  # manufactured exports, derived = HT_VALUE / (HT_SHARE / 100)
RD_INTENSITY = "GB.XPD.RSDV.GD.ZS"  # R&D expenditure, % of GDP
MHT_EXPORTS = "TX.MNF.TECH.ZS.UN"  # medium and high-tech exports, % of manufactured exports
MHT_MVA = "NV.MNF.TECH.ZS.UN"  # medium and high-tech industry, % of manufacturing value added
MHT_MVA_WORLD = "NV_IND_TECH"  # the same, UN SDG database (has a World value)
MANF_SHARE_MERCH = "TX.VAL.MANF.ZS.UN"  # manufactures exports, % of merchandise exports
MERCH_EXPORTS = "TX.VAL.MRCH.CD.WT"  # merchandise exports, current US$ (customs basis)
MVA = "NV.IND.MANF.CD"  # manufacturing value added, current US$
ICT_EXPORTS = "BX.GSR.CCIS.CD"  # ICT service exports, BoP, current US$
IP_RECEIPTS = "BX.GSR.ROYL.CD"  # charges for the use of IP, receipts, BoP, current US$
IP_PAYMENTS = "BM.GSR.ROYL.CD"  # charges for the use of IP, payments, BoP, current US$
SERVICES_APPROX = "SERV.EXP.APPROX.CD"  # derived: goods-and-services exports - merchandise exports
GNFS_EXPORTS_GDP = "NE.EXP.GNFS.ZS"  # exports of goods and services, % of GDP
GDP_USD = "NY.GDP.MKTP.CD"  # GDP, current US$
GDP_PC_PPP = "NY.GDP.PCAP.PP.CD"  # GDP per capita, PPP, current international $
GDP_PPP = "NY.GDP.MKTP.PP.CD"  # derived: GDP, PPP, current international $
LABOUR_FORCE = "SL.TLF.TOTL.IN"
UNEMPLOYMENT = "SL.UEM.TOTL.ZS"
SECTORS = {"agriculture": "SL.AGR.EMPL.ZS", "industry": "SL.IND.EMPL.ZS", "services": "SL.SRV.EMPL.ZS"}
CO2_INTENSITY = "co2_intensity_of_economic_output_kg_co2_per_2021_ppp_of_gdp"  # Gapminder
CO2_PER_MVA = "EN_ATM_CO2MVA"  # UN SDG, kg CO2 per constant-2010 US$ of manufacturing VA
OWID_CO2 = ("co2", "consumption_co2", "trade_co2", "trade_co2_share")

# Ratios to merchandise exports shown in the goods-and-services section.
SERVICE_MEASURES: dict[str, tuple[str, str]] = {
    "ict_exports": (ICT_EXPORTS, "ICT service exports"),
    "ip_receipts": (IP_RECEIPTS, "IP charges received"),
    "ip_payments": (IP_PAYMENTS, "IP charges paid"),
    "services_approx": (SERVICES_APPROX, "Services exports (approximation)"),
}

# Benchmarks the chapter can draw: World Bank aggregate code -> how to find its member
# economies in the entity table (World Bank Metadata_Country, FY2026 classification). The
# published aggregate is used where a series has one; otherwise a weighted mean of members.
BENCHMARKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "WLD": ("all", ()),
    "HIC": ("income_group", ("High income",)),
    "UMC": ("income_group", ("Upper middle income",)),
    "LMC": ("income_group", ("Lower middle income",)),
    "LIC": ("income_group", ("Low income",)),
    "MIC": ("income_group", ("Upper middle income", "Lower middle income")),
    "LMY": ("income_group", ("Upper middle income", "Lower middle income", "Low income")),
    "EAS": ("region", ("East Asia & Pacific",)),
    "ECS": ("region", ("Europe & Central Asia",)),
    "LCN": ("region", ("Latin America & Caribbean",)),
    "SAS": ("region", ("South Asia",)),
    "SSF": ("region", ("Sub-Saharan Africa",)),
    "NAC": ("region", ("North America",)),
}

# Group names of the claims register -> benchmark codes above.
GROUP_NAMES = {
    "World": "WLD",
    "High income": "HIC",
    "Upper middle income": "UMC",
    "Lower middle income": "LMC",
    "Low income": "LIC",
    "Middle income": "MIC",
    "Low & middle income": "LMY",
}

# Rows of data/curated/manufacturing_plans.csv for the plans the source text names
# (iso3, start of the plan's name).
PLANS_NAMED_IN_TEXT = (
    ("DEU", "Industrie 4.0"),
    ("USA", "Advanced Manufacturing Partnership"),
    ("USA", "National Network for Manufacturing Innovation"),
    ("USA", "Industrial Internet"),
    ("JPN", "Society 5.0"),
    ("JPN", "Connected Industries"),
    ("CHN", "Made in China 2025"),
)

# World Bank names with a comma ("Korea, Rep.") read badly in lists: readable forms.
_READABLE_NAMES = {
    "Korea, Rep.": "Republic of Korea",
    "Korea, Dem. People's Rep.": "Democratic People's Republic of Korea",
    "Egypt, Arab Rep.": "Egypt",
    "Iran, Islamic Rep.": "Iran",
    "Venezuela, RB": "Venezuela",
    "Yemen, Rep.": "Yemen",
    "Congo, Dem. Rep.": "Democratic Republic of the Congo",
    "Congo, Rep.": "Republic of the Congo",
    "Gambia, The": "Gambia",
    "Bahamas, The": "Bahamas",
    "Micronesia, Fed. Sts.": "Micronesia",
    "Hong Kong SAR, China": "Hong Kong SAR (China)",
    "Macao SAR, China": "Macao SAR (China)",
}
# Benchmark groups as they read in a sentence.
_GROUP_PROSE = {
    "WLD": "the world",
    "HIC": "high-income economies",
    "UMC": "upper-middle-income economies",
    "LMC": "lower-middle-income economies",
    "LIC": "low-income economies",
    "MIC": "middle-income economies",
    "LMY": "low- and middle-income economies",
    "EAS": "East Asia and Pacific",
    "ECS": "Europe and Central Asia",
    "LCN": "Latin America and the Caribbean",
    "SAS": "South Asia",
    "SSF": "Sub-Saharan Africa",
    "NAC": "North America",
}
# Names that read better with an article in running text.
_WITH_ARTICLE = (
    "United ",
    "Republic of",
    "Democratic Republic",
    "Democratic People's",
    "Netherlands",
    "Philippines",
    "Russian Federation",
    "Czech Republic",
    "Slovak Republic",
    "Kyrgyz Republic",
    "Dominican Republic",
    "Central African Republic",
    "Bahamas",
    "Gambia",
    "Maldives",
    "Marshall Islands",
    "Solomon Islands",
    "Comoros",
    "Seychelles",
    "World",
)

Loader = Callable[..., pd.DataFrame]


# ---------------------------------------------------------------------------------------
# Parameters


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell).

    ``countries`` must be economies (not aggregates), ``benchmark`` one of :data:`BENCHMARKS`,
    ``start_year`` between 1960 and 2010 and ``end_year`` between 2015 and 2030 (so that the
    window always contains the 2007-2015 years every section needs), ``vintage`` a catalogued
    WDI vintage.
    """
    check_vintage(params["vintage"])
    check_year_range(params["start_year"], params["end_year"])
    if params["start_year"] > 2010:
        raise ParameterError(
            f"parameter 'start_year' must be 2010 or earlier, got {params['start_year']}",
            fix="the high-tech series start in 2007 and the consumption-based CO2 data end in 2017: the window must cover them",
        )
    if params["end_year"] < 2015:
        raise ParameterError(
            f"parameter 'end_year' must be 2015 or later, got {params['end_year']}",
            fix="the panel regression needs the high-tech series from 2007 to at least 2015",
        )
    countries = check_countries(params["countries"], allow_aggregates=False)
    benchmark = str(params["benchmark"]).strip().upper()
    if benchmark not in BENCHMARKS:
        raise ParameterError(
            f"parameter 'benchmark' must be one of {', '.join(BENCHMARKS)}, got {params['benchmark']!r}",
            fix="WLD (world), an income group (HIC, UMC, LMC, LIC, MIC, LMY) or a region (EAS, ECS, LCN, SAS, SSF, NAC)",
        )
    if len(countries) > 8:
        raise ParameterError(
            f"parameter 'countries' lists {len(countries)} economies; at most 8 keep the figures readable"
        )


# ---------------------------------------------------------------------------------------
# Names, groups and generic aggregation


def readable_name(name: str) -> str:
    """A World Bank name without the inverted comma form: 'Korea, Rep.' -> 'Republic of Korea'."""
    if name in _READABLE_NAMES:
        return _READABLE_NAMES[name]
    head, sep, tail = name.partition(", ")
    return f"{head} ({tail})" if sep else name


def display_names(codes: Iterable[str], entities: pd.DataFrame | None = None) -> dict[str, str]:
    """Entity code -> name for legends and tables (World Bank name, comma forms made readable)."""
    table = load_entities() if entities is None else entities
    names = dict(zip(table["iso3"], table["name"], strict=False))
    return {code: readable_name(str(names.get(code, code))) for code in codes}


def prose_names(codes: Iterable[str], entities: pd.DataFrame | None = None) -> dict[str, str]:
    """Entity code -> name as it reads inside a sentence ('the United States', 'high-income
    economies'); every text helper of this module accepts these."""
    names = display_names(codes, entities)
    return {code: _GROUP_PROSE.get(code) or prose_name(name) for code, name in names.items()}


def prose_name(name: str) -> str:
    """A name as it reads inside a sentence: 'the United States', 'Germany', 'the world'.

    Idempotent: a name that already reads well in a sentence is returned unchanged.
    """
    if name == "World":
        return "the world"
    return f"the {name}" if name.startswith(_WITH_ARTICLE) else name


def capitalise(text: str) -> str:
    """First letter upper-cased (for a glued phrase that may open a sentence)."""
    return text[:1].upper() + text[1:]


def group_members(group: str, entities: pd.DataFrame) -> list[str]:
    """Economies (not aggregates) that belong to a benchmark group.

    Parameters
    ----------
    group : a code of :data:`BENCHMARKS` (``"WLD"``, ``"HIC"``...) or a group name of
        :data:`GROUP_NAMES` (``"World"``, ``"High income"``).
    entities : the entity table (:func:`imtrade.api.load_entities`).
    """
    code = GROUP_NAMES.get(group, group)
    if code not in BENCHMARKS:
        raise ParameterError(f"unknown group {group!r}; known: {', '.join([*BENCHMARKS, *GROUP_NAMES])}")
    column, values = BENCHMARKS[code]
    economies = entities[~entities["is_aggregate"].astype(bool)]
    if column != "all":
        economies = economies[economies[column].isin(values)]
    return sorted(economies["iso3"])


def weighted_mean(
    values: pd.DataFrame, weights: pd.DataFrame, members: Sequence[str] | None = None, balanced: bool = False
) -> pd.DataFrame:
    """Weighted mean of a country indicator over a group of economies, by year.

    Parameters
    ----------
    values, weights : tidy frames with ``iso3, year, value`` (only those columns are used).
    members : economies to include (None: every economy in ``values``).
    balanced : keep only economies with a value and a weight in *every* year present, so that
        changes over time are not changes in which economies report.

    Returns
    -------
    DataFrame indexed by ``year`` with ``value`` (the weighted mean) and ``n`` (economies used).

    Notes
    -----
    :math:`\\bar v_t = \\sum_c v_{c,t} w_{c,t} / \\sum_c w_{c,t}` over economies :math:`c` with both
    a value and a positive weight in year :math:`t`.
    """
    v = values[["iso3", "year", "value"]].dropna()
    w = weights[["iso3", "year", "value"]].dropna().rename(columns={"value": "weight"})
    both = v.merge(w, on=["iso3", "year"], how="inner")
    both = both[both["weight"] > 0]
    if members is not None:
        both = both[both["iso3"].isin(set(members))]
    if balanced and not both.empty:
        years = both["year"].nunique()
        complete = both.groupby("iso3")["year"].nunique()
        both = both[both["iso3"].isin(complete[complete == years].index)]
    if both.empty:
        return pd.DataFrame(
            {"value": pd.Series(dtype=float), "n": pd.Series(dtype=int)}, index=pd.Index([], name="year", dtype=int)
        )
    both = both.assign(vw=both["value"] * both["weight"])
    grouped = both.groupby("year")
    out = pd.DataFrame({"value": grouped["vw"].sum() / grouped["weight"].sum(), "n": grouped["iso3"].nunique()})
    return out


def load_optional(codes: str | Sequence[str], **kwargs: Any) -> pd.DataFrame:
    """:func:`load_indicators`, but an indicator the vintage lacks gives an empty frame."""
    try:
        return load_indicators(codes, **kwargs)
    except UnknownIndicatorError:
        return pd.DataFrame(columns=["dataset", "vintage", "indicator", "iso3", "year", "value"]).astype(
            {"year": "int64", "value": "float64"}
        )


def pivot(tidy: pd.DataFrame, columns: str = "indicator") -> pd.DataFrame:
    """Tidy -> wide (rows ``iso3, year``; one column per ``columns`` value)."""
    if tidy.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=["iso3", "year"]))
    return tidy.pivot_table(index=["iso3", "year"], columns=columns, values="value", aggfunc="first").rename_axis(
        columns=None
    )


def change_between(series: pd.Series, start: int, end: int) -> float | None:
    """``series[end] - series[start]`` (None when either year is missing)."""
    if start not in series.index or end not in series.index:
        return None
    a, b = series.loc[start], series.loc[end]
    if pd.isna(a) or pd.isna(b):
        return None
    return float(b - a)


def latest_year(series: pd.Series, upto: int | None = None) -> int | None:
    """Latest index year with a non-missing value (at or before ``upto``)."""
    s = series.dropna()
    if upto is not None:
        s = s[s.index <= upto]
    return int(s.index.max()) if len(s) else None


# ---------------------------------------------------------------------------------------
# 1. Comparative advantage


def definition_label(vintage: str) -> str:
    """Which definition of the high-tech export series a WDI vintage carries."""
    if vintage == OLD_DEFINITION_VINTAGE:
        return "SITC-based definition, 1988-2016"
    return f"re-based definition, from {HIGH_TECH_BREAK_YEAR}"


def series_sentence(series: pd.Series | None, who: str, what: str = "the share") -> str:
    """'For the world the share went from 19.9 % in 2007 to 24.7 % in 2024' (first and last
    non-missing years), or a sentence saying the series is not published."""
    s = series.dropna() if series is not None else pd.Series(dtype=float)
    if s.empty:
        return f"The data publish no such series for {who} in this vintage"
    first, last = int(s.index.min()), int(s.index.max())
    return f"For {who} {what} went from {s[first]:.1f} % in {first} to {s[last]:.1f} % in {last}"


def definition_note(vintage: str) -> str:
    """What the reader sees about the 2007 definition break, for the chosen vintage."""
    if vintage == OLD_DEFINITION_VINTAGE:
        return (
            f"This run uses the {vintage} vintage, whose series follows the older SITC-based product list "
            f"throughout; later vintages restart the series in {HIGH_TECH_BREAK_YEAR} on a new product list."
        )
    return (
        f"The thin faded lines are the SITC-based series of the {OLD_DEFINITION_VINTAGE} vintage (1988–2016). "
        "It uses a different product list, so the two series are drawn apart and never joined: the gap between "
        f"them around {HIGH_TECH_BREAK_YEAR} is a change of definition, not of trade."
    )


def load_high_tech(
    vintage: str, years: tuple[int, int] | None = None, countries: Sequence[str] | None = None
) -> pd.DataFrame:
    """High-tech exports (US$ and % of manufactured exports) and derived manufactured exports.

    Returns a wide frame (rows ``iso3, year``) with the columns :data:`HT_VALUE`,
    :data:`HT_SHARE` and :data:`MANF_EXPORTS`, from one vintage only (never spliced).
    """
    tidy = load_indicators([HT_VALUE, HT_SHARE, MANF_EXPORTS], countries=countries, years=years, vintage=vintage)
    wide = pivot(tidy)
    for code in (HT_VALUE, HT_SHARE, MANF_EXPORTS):
        if code not in wide:
            wide[code] = np.nan
    return wide


def balassa_rca(wide: pd.DataFrame, economies: Iterable[str]) -> pd.DataFrame:
    """Balassa index of revealed comparative advantage in high-tech exports.

    Parameters
    ----------
    wide : rows ``iso3, year`` with :data:`HT_VALUE`, :data:`HT_SHARE` and :data:`MANF_EXPORTS`
        (:func:`load_high_tech`); aggregates may be included (they get an index too).
    economies : codes that make up the reference "world" (economies, no aggregates).

    Returns
    -------
    Tidy frame ``iso3, year, share, world_share, rca, reporters``: ``share`` is the high-tech
    share of manufactured exports (%), ``world_share`` the same for the sum over reporting
    economies, ``reporters`` how many economies form that sum.

    Notes
    -----
    .. math:: RCA_{c,t} = \\frac{X^{HT}_{c,t} / X^{M}_{c,t}}{\\sum_j X^{HT}_{j,t} / \\sum_j X^{M}_{j,t}}

    where :math:`X^{HT}` are high-tech exports, :math:`X^{M}` manufactured exports (derived as
    :math:`X^{HT} / (s/100)` from the published share :math:`s`) and :math:`j` runs over the
    economies that report both in year :math:`t` (Balassa 1965, with manufactured rather than
    total exports as the universe). RCA > 1 means the economy exports relatively more
    high-tech goods than the reporting world.
    """
    frame = wide.reset_index()
    economies = set(economies)
    reporting = frame[frame["iso3"].isin(economies) & (frame[MANF_EXPORTS] > 0) & frame[HT_VALUE].notna()]
    sums = reporting.groupby("year").agg(
        ht=(HT_VALUE, "sum"), manf=(MANF_EXPORTS, "sum"), reporters=("iso3", "nunique")
    )
    world = (100.0 * sums["ht"] / sums["manf"]).rename("world_share")
    out = frame[["iso3", "year", HT_SHARE]].rename(columns={HT_SHARE: "share"}).dropna(subset=["share"])
    out = out.merge(world.reset_index(), on="year", how="inner").merge(sums[["reporters"]].reset_index(), on="year")
    out["rca"] = out["share"] / out["world_share"]
    return out.sort_values(["iso3", "year"]).reset_index(drop=True)


def high_tech_figure_data(
    countries: Sequence[str], benchmark: str, vintage: str, start_year: int, end_year: int
) -> pd.DataFrame:
    """High-tech shares for the figure: the chosen vintage, plus the SITC-based series of
    :data:`OLD_DEFINITION_VINTAGE` as a separate definition when another vintage is chosen.

    Returns tidy ``iso3, year, share, definition, vintage`` (never one spliced series).
    """
    frames = []
    vintages = [vintage] if vintage == OLD_DEFINITION_VINTAGE else [vintage, OLD_DEFINITION_VINTAGE]
    for v in vintages:
        tidy = load_optional(HT_SHARE, countries=[*countries, benchmark], years=(start_year, end_year), vintage=v)
        if tidy.empty:
            continue
        frames.append(
            tidy.assign(share=tidy["value"], definition=definition_label(v), vintage=v)[
                ["iso3", "year", "share", "definition", "vintage"]
            ]
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["iso3", "year", "share", "definition", "vintage"])
    )


def economies(entities: pd.DataFrame | None = None) -> list[str]:
    """Codes of every economy (no aggregates) in the entity table."""
    table = load_entities() if entities is None else entities
    return sorted(table.loc[~table["is_aggregate"].astype(bool), "iso3"])


def high_tech_rca(vintage: str, start_year: int, end_year: int, entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`balassa_rca` for every economy and aggregate of one vintage, within the years."""
    wide = load_high_tech(vintage, years=(start_year, end_year))
    return balassa_rca(wide, economies(entities))


def latest_complete_year(rca: pd.DataFrame, min_coverage: float = 0.9) -> int:
    """Latest year in which at least ``min_coverage`` of the most reporters of any year report.

    The last year of a vintage is often published for a subset of economies; its world share
    then describes fewer economies. ``rca`` is the output of :func:`balassa_rca`.
    """
    reporters = rca.groupby("year")["reporters"].first()
    complete = reporters[reporters >= min_coverage * reporters.max()]
    return int(complete.index.max())


def rca_rd_panel(rca: pd.DataFrame, rd: pd.DataFrame, economies_only: Iterable[str]) -> pd.DataFrame:
    """Country-year panel for the RCA-on-R&D regression.

    Parameters
    ----------
    rca : output of :func:`balassa_rca`.
    rd : tidy R&D intensity (:data:`RD_INTENSITY`, % of GDP).
    economies_only : economy codes (aggregates are left out of the regression).

    Returns
    -------
    Frame ``iso3, year, rca, log_rca, rd, rd_lag1`` (``log_rca`` NaN where RCA is 0;
    ``rd_lag1`` is the previous year's R&D intensity).
    """
    keep = set(economies_only)
    r = rd[rd["iso3"].isin(keep)][["iso3", "year", "value"]].rename(columns={"value": "rd"})
    lag = r.assign(year=r["year"] + 1).rename(columns={"rd": "rd_lag1"})
    panel = rca[rca["iso3"].isin(keep)][["iso3", "year", "rca"]].merge(r, on=["iso3", "year"], how="inner")
    panel = panel.merge(lag, on=["iso3", "year"], how="left")
    positive = panel["rca"] > 0
    panel["log_rca"] = np.where(positive, np.log(panel["rca"].where(positive, 1.0)), np.nan)
    return panel.sort_values(["iso3", "year"]).reset_index(drop=True)


def winsorise(series: pd.Series, lower: float = 0.01, upper: float = 0.99) -> pd.Series:
    """Clip a series at its ``lower`` and ``upper`` quantiles (winsorising)."""
    lo, hi = series.quantile([lower, upper])
    return series.clip(lo, hi)


@dataclass(frozen=True)
class PanelEstimate:
    """One fixed-effects regression: coefficient of the regressor with its 95 % CI."""

    specification: str
    outcome: str
    regressor: str
    coef: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    nobs: int
    n_countries: int
    first_year: int
    last_year: int

    def as_row(self) -> dict[str, Any]:
        return {
            "specification": self.specification,
            "outcome": self.outcome,
            "regressor": self.regressor,
            "coef": self.coef,
            "se_clustered": self.se,
            "ci95_low": self.ci_low,
            "ci95_high": self.ci_high,
            "p_value": self.pvalue,
            "n_obs": self.nobs,
            "n_countries": self.n_countries,
            "first_year": self.first_year,
            "last_year": self.last_year,
        }


def fit_fixed_effects(panel: pd.DataFrame, outcome: str, regressor: str, specification: str = "") -> PanelEstimate:
    """OLS with country and year fixed effects, standard errors clustered by country.

    Parameters
    ----------
    panel : frame with ``iso3``, ``year``, ``outcome`` and ``regressor`` columns.
    outcome, regressor : column names.
    specification : a label for tables.

    Returns
    -------
    :class:`PanelEstimate` (coefficient of ``regressor``, cluster-robust SE, 95 % CI, p-value,
    observations, countries and years used). Countries observed only once are dropped (they
    carry no within-country variation).

    Notes
    -----
    .. math:: y_{c,t} = \\alpha_c + \\gamma_t + \\beta x_{c,t} + \\varepsilon_{c,t}

    estimated by least squares with country and year dummies; the covariance is the
    cluster-robust (Liang-Zeger) estimator with clusters = countries and the small-sample
    correction of statsmodels (``cov_type="cluster"``); see Cameron and Miller (2015). The
    coefficient is a within-country association over time, not a causal effect.
    """
    import statsmodels.formula.api as smf

    data = panel[["iso3", "year", outcome, regressor]].dropna()
    counts = data.groupby("iso3")["year"].transform("size")
    data = data[counts >= 2].rename(columns={outcome: "y", regressor: "x"}).reset_index(drop=True)
    if data["iso3"].nunique() < 3 or len(data) < 10:
        raise ValueError(
            f"too few observations for a fixed-effects regression ({len(data)} rows, {data['iso3'].nunique()} countries)"
        )
    groups = pd.factorize(data["iso3"])[0]
    model = smf.ols("y ~ x + C(iso3) + C(year)", data=data).fit(cov_type="cluster", cov_kwds={"groups": groups})
    low, high = model.conf_int(alpha=0.05).loc["x"]
    return PanelEstimate(
        specification,
        outcome,
        regressor,
        float(model.params["x"]),
        float(model.bse["x"]),
        float(low),
        float(high),
        float(model.pvalues["x"]),
        int(model.nobs),
        int(data["iso3"].nunique()),
        int(data["year"].min()),
        int(data["year"].max()),
    )


def rca_rd_regressions(panel: pd.DataFrame) -> list[PanelEstimate]:
    """The chapter's three specifications of high-tech RCA on R&D intensity.

    1. log RCA on R&D intensity (main: RCA is a right-skewed ratio; in logs 0.5 and 2 are
       equally far from 1, and the year effects absorb the world denominator exactly);
    2. RCA winsorised at the 1st/99th percentiles, in levels (keeps RCA = 0 observations);
    3. log RCA on the previous year's R&D intensity.
    """
    data = panel.assign(rca_w=winsorise(panel["rca"]))
    return [
        fit_fixed_effects(data, "log_rca", "rd", "log RCA on R&D (main)"),
        fit_fixed_effects(data, "rca_w", "rd", "RCA in levels, winsorised 1/99 %, on R&D"),
        fit_fixed_effects(data, "log_rca", "rd_lag1", "log RCA on R&D lagged one year"),
    ]


def regression_display(estimates: Sequence[PanelEstimate]) -> pd.DataFrame:
    """The estimates as text columns for the page (CI as one column, years as a range)."""
    return pd.DataFrame(
        {
            "Specification": [e.specification for e in estimates],
            "Coefficient": [f"{e.coef:.3f}".replace("-", "−") for e in estimates],
            "95 % CI": [interval_text(e.ci_low, e.ci_high, "{:.3f}") for e in estimates],
            "p": [f"{e.pvalue:.3f}" for e in estimates],
            "Observations": [f"{e.nobs:,d}" for e in estimates],
            "Economies": [str(e.n_countries) for e in estimates],
            "Years": [f"{e.first_year}–{e.last_year}" for e in estimates],
        }
    )


def robustness_phrase(estimates: Sequence[PanelEstimate]) -> str:
    """'0.129 (95 % CI 0.023 to 0.235) with RCA in levels, ... and 0.187 (...) with ...'."""
    return join_names(
        f"{signed(e.coef, '{:.3f}')} (95 % CI {interval_text(e.ci_low, e.ci_high, '{:.3f}')}) for {e.specification}"
        for e in estimates
    )


def medium_high_tech(
    countries: Sequence[str],
    benchmark: str,
    vintage: str,
    start_year: int,
    end_year: int,
    entities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Medium- and high-tech shares of manufactured exports and of manufacturing value added.

    The focus economies come straight from the WDI (UNIDO data). The benchmark has no
    published aggregate, so it is the weighted mean of its members: export shares weighted by
    manufactured exports (:data:`MANF_SHARE_MERCH` x :data:`MERCH_EXPORTS`), value-added
    shares by manufacturing value added (:data:`MVA`). Returns tidy ``iso3, year, measure,
    value`` with measure ``exports`` or ``mva``; empty when the vintage lacks the series.
    """
    table = load_entities() if entities is None else entities
    members = group_members(benchmark, table)
    years = (start_year, end_year)
    out = []
    for measure, code in (("exports", MHT_EXPORTS), ("mva", MHT_MVA)):
        tidy = load_optional(code, years=years, vintage=vintage)
        if tidy.empty:
            continue
        focus = tidy[tidy["iso3"].isin(countries)][["iso3", "year", "value"]]
        if measure == "exports":
            w = pivot(load_optional([MANF_SHARE_MERCH, MERCH_EXPORTS], countries=members, years=years, vintage=vintage))
            weights = (
                (w[MANF_SHARE_MERCH] * w[MERCH_EXPORTS] / 100.0).rename("value").dropna().reset_index()
                if MANF_SHARE_MERCH in w and MERCH_EXPORTS in w
                else None
            )
        else:
            weights = load_optional(MVA, countries=members, years=years, vintage=vintage)
        bench = (
            weighted_mean(tidy, weights, members)
            if weights is not None and not weights.empty
            else pd.DataFrame(columns=["value"])
        )
        bench = bench.reset_index().assign(iso3=benchmark)[["iso3", "year", "value"]] if not bench.empty else bench
        out.append(pd.concat([focus, bench], ignore_index=True).assign(measure=measure))
    if not out:
        return pd.DataFrame(columns=["iso3", "year", "measure", "value"])
    return pd.concat(out, ignore_index=True)[["iso3", "year", "measure", "value"]]


def medium_high_tech_text(
    mht: pd.DataFrame, countries: Sequence[str], benchmark: str, names: dict[str, str], vintage: str
) -> str:
    """The paragraph on the medium/high-tech shares (changes from the first to the last year)."""
    if mht.empty:
        return (
            f"The WDI vintage {vintage} does not carry the medium- and high-tech series ({MHT_EXPORTS}, "
            f"{MHT_MVA}); rerun with a later vintage to see them."
        )
    parts = []
    for measure, what in (("exports", "manufactured exports"), ("mva", "manufacturing value added")):
        wide = mht[mht["measure"] == measure].pivot(index="year", columns="iso3", values="value")
        if wide.empty:
            continue
        focus = wide[[c for c in countries if c in wide]].dropna(how="all")
        y0, y1 = int(focus.index.min()), int(focus.index.max())
        text = f"Between {y0} and {y1} the medium- and high-tech share of {what} {change_phrase(wide, countries, names, y0, y1)}"
        if benchmark in wide and wide[benchmark].notna().any():
            b = wide[benchmark].dropna()
            text += (
                f"; for {prose_name(names[benchmark])} it went from {b.iloc[0]:.1f} % in {int(b.index[0])} "
                f"to {b.iloc[-1]:.1f} % in {int(b.index[-1])}"
            )
        parts.append(text + ".")
    return " ".join(parts)


def tech_intensity_change(
    mva_world: pd.Series, export_world: pd.Series, mva_years: tuple[int, int], export_start: int
) -> dict[str, Any]:
    """The two changes of the comparative-advantage claim.

    ``mva_world``: World medium/high-tech share of MVA by year (:data:`MHT_MVA_WORLD`);
    ``export_world``: World high-tech share of manufactured exports by year (one definition).
    Returns ``mva_change`` (points, ``mva_years[0]`` -> ``mva_years[1]``), ``export_change``
    (points, ``export_start`` -> latest year), the years and the levels.
    """
    export_end = latest_year(export_world)
    return {
        "mva_years": mva_years,
        "mva_start": mva_world.get(mva_years[0]),
        "mva_end": mva_world.get(mva_years[1]),
        "mva_change": change_between(mva_world, *mva_years),
        "export_years": (export_start, export_end),
        "export_start": export_world.get(export_start),
        "export_end": export_world.get(export_end) if export_end else None,
        "export_change": change_between(export_world, export_start, export_end) if export_end else None,
    }


# ---------------------------------------------------------------------------------------
# 2. Goods and services


def services_ratios(wide: pd.DataFrame) -> pd.DataFrame:
    """Services and IP trade relative to merchandise exports, in % (tidy ``iso3, year, measure, value``).

    ``wide`` has rows ``iso3, year`` and the codes of :data:`SERVICE_MEASURES` plus
    :data:`MERCH_EXPORTS`; a measure missing from it is simply absent from the result.
    """
    frames = []
    for measure, (code, _label) in SERVICE_MEASURES.items():
        if code not in wide or MERCH_EXPORTS not in wide:
            continue
        ratio = (100.0 * wide[code] / wide[MERCH_EXPORTS].where(wide[MERCH_EXPORTS] > 0)).dropna()
        frames.append(ratio.rename("value").reset_index().assign(measure=measure))
    if not frames:
        return pd.DataFrame(columns=["iso3", "year", "measure", "value"])
    return pd.concat(frames, ignore_index=True)[["iso3", "year", "measure", "value"]]


def services_share_of_exports(wide: pd.DataFrame) -> pd.Series:
    """Approximate services share of goods-and-services exports, % (index ``iso3, year``).

    Notes
    -----
    :math:`100 \\times (E - M)/E` with :math:`E` = exports of goods and services
    (:data:`GNFS_EXPORTS_GDP` / 100 x :data:`GDP_USD`, national accounts) and :math:`M` =
    merchandise exports (:data:`MERCH_EXPORTS`, customs). An approximation: the two sources
    value goods differently, so :math:`E - M` is not balance-of-payments services exports.
    """
    exports = wide[GNFS_EXPORTS_GDP] / 100.0 * wide[GDP_USD]
    return (100.0 * (exports - wide[MERCH_EXPORTS]) / exports).dropna().rename("services_share")


def load_services(codes_for: Sequence[str], vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Wide frame of the services inputs for economies/aggregates ``codes_for``."""
    codes = [code for code, _ in SERVICE_MEASURES.values()] + [MERCH_EXPORTS, GNFS_EXPORTS_GDP, GDP_USD]
    frames = [
        load_optional(code, countries=list(codes_for), years=(start_year, end_year), vintage=vintage) for code in codes
    ]
    return pivot(pd.concat([f for f in frames if not f.empty], ignore_index=True))


# ---------------------------------------------------------------------------------------
# 3. Employment structure


def employment_weights(tidy: pd.DataFrame) -> pd.DataFrame:
    """Employment by economy and year = labour force x (1 - unemployment rate / 100).

    ``tidy`` holds :data:`LABOUR_FORCE` and :data:`UNEMPLOYMENT`; where the unemployment
    rate is missing, the labour force itself is the weight. Returns tidy ``iso3, year, value``.
    """
    wide = pivot(tidy)
    if LABOUR_FORCE not in wide:
        return pd.DataFrame(columns=["iso3", "year", "value"])
    rate = wide[UNEMPLOYMENT] if UNEMPLOYMENT in wide else pd.Series(np.nan, index=wide.index)
    employed = wide[LABOUR_FORCE] * (1.0 - rate.fillna(0.0) / 100.0)
    return employed.dropna().rename("value").reset_index()


def group_sector_shares(
    shares: pd.DataFrame, weights: pd.DataFrame, members: Sequence[str] | None, balanced: bool = True
) -> pd.DataFrame:
    """Employment-weighted sector shares of a group, by year (columns = sectors present).

    ``shares``: tidy, indicators of :data:`SECTORS`; ``weights``: :func:`employment_weights`.
    With ``balanced`` the same economies enter every year (see :func:`weighted_mean`).
    Returns a frame indexed by year with one column per sector and ``n`` (economies).
    """
    out = {}
    n = None
    for sector, code in SECTORS.items():
        part = shares[shares["indicator"] == code]
        if part.empty:
            continue
        mean = weighted_mean(part, weights, members, balanced=balanced)
        out[sector] = mean["value"]
        n = mean["n"] if n is None else n
    frame = pd.DataFrame(out)
    if n is not None:
        frame["n"] = n
    return frame


def load_employment(
    vintage: str, start_year: int, end_year: int, countries: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sector shares, employment weights), tidy, for economies (all when ``countries`` is None)."""
    years = (start_year, end_year)
    shares = load_indicators(list(SECTORS.values()), countries=countries, years=years, vintage=vintage)
    weights = employment_weights(
        load_indicators([LABOUR_FORCE, UNEMPLOYMENT], countries=countries, years=years, vintage=vintage)
    )
    return shares, weights


def employment_panels(
    shares: pd.DataFrame, weights: pd.DataFrame, countries: Sequence[str], benchmark: str, members: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """Sector shares by year for each focus economy and for the benchmark group.

    Returns code -> frame indexed by year with columns agriculture, industry, services (the
    benchmark's frame also has ``n``, the economies in its balanced, employment-weighted mean).
    """
    out = {}
    for code in countries:
        rows = shares[shares["iso3"] == code]
        out[code] = (
            rows.pivot_table(index="year", columns="indicator", values="value")
            .rename(columns={v: k for k, v in SECTORS.items()})
            .rename_axis(columns=None)
        )
    out[benchmark] = group_sector_shares(shares, weights, members, balanced=True)
    return out


def hump_data(vintage: str, year: int, entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cross-section for the industry-employment hump: ``iso3, gdp_pc, log_gdp_pc, industry``.

    Economies only (aggregates excluded); ``gdp_pc`` is GDP per capita, PPP (current
    international $) and ``industry`` the ILO modelled industry share of employment (%).
    """
    codes = economies(entities)
    tidy = load_indicators([GDP_PC_PPP, SECTORS["industry"]], countries=codes, years=(year, year), vintage=vintage)
    wide = pivot(tidy).reset_index()
    if GDP_PC_PPP not in wide or SECTORS["industry"] not in wide:
        return pd.DataFrame(columns=["iso3", "gdp_pc", "log_gdp_pc", "industry"])
    wide = wide.rename(columns={GDP_PC_PPP: "gdp_pc", SECTORS["industry"]: "industry"}).dropna(
        subset=["gdp_pc", "industry"]
    )
    wide = wide[wide["gdp_pc"] > 0]
    return wide.assign(log_gdp_pc=np.log(wide["gdp_pc"]))[["iso3", "gdp_pc", "log_gdp_pc", "industry"]].reset_index(
        drop=True
    )


def latest_hump_year(vintage: str, end_year: int) -> int | None:
    """Latest year at or before ``end_year`` in which both hump series have data for a world
    cross-section (at least 100 economies)."""
    tidy = load_indicators([GDP_PC_PPP, SECTORS["industry"]], years=(1990, end_year), vintage=vintage)
    wide = pivot(tidy).dropna()
    counts = wide.reset_index().groupby("year")["iso3"].nunique()
    counts = counts[counts >= 100]
    return int(counts.index.max()) if len(counts) else None


@dataclass(frozen=True)
class HumpFit:
    """A quadratic of the industry employment share in log GDP per capita."""

    params: dict[str, float]  # const, b1 (log y), b2 (log y squared)
    ci: dict[str, tuple[float, float]]
    nobs: int
    r2: float
    has_peak: bool
    turning_point: float | None  # GDP per capita at the peak (current international $)
    turning_ci: tuple[float, float] | None
    peak_share: float | None  # fitted industry share at the peak (%)
    grid: pd.DataFrame  # log_gdp_pc, gdp_pc, fit, ci_low, ci_high


def fit_industry_hump(data: pd.DataFrame, points: int = 120) -> HumpFit:
    """Fit the industry-employment hump and its turning point.

    Parameters
    ----------
    data : :func:`hump_data` output (``log_gdp_pc``, ``industry``).
    points : size of the prediction grid for the confidence band.

    Returns
    -------
    :class:`HumpFit` with coefficients, their 95 % CIs (HC3), the fitted curve with a 95 %
    confidence band on a grid, and the turning point with a delta-method 95 % CI.

    Notes
    -----
    .. math:: s_c = \\beta_0 + \\beta_1 \\ln y_c + \\beta_2 (\\ln y_c)^2 + \\varepsilon_c

    fitted by OLS with heteroskedasticity-robust (HC3) standard errors. If
    :math:`\\beta_2 < 0` the curve peaks at :math:`\\ln y^* = -\\beta_1 / (2\\beta_2)`; its
    variance by the delta method is :math:`g^\\top V g` with
    :math:`g = (-1/(2\\beta_2),\\ \\beta_1/(2\\beta_2^2))` and :math:`V` the covariance of
    :math:`(\\beta_1, \\beta_2)`; the CI is computed for :math:`\\ln y^*` and exponentiated.
    The pattern is the one Rodrik (2016) calls premature deindustrialisation when the peak
    falls over time; a cross-section shows an association with income, not a path.
    """
    import statsmodels.api as sm

    x = data["log_gdp_pc"].to_numpy(dtype=float)
    design = sm.add_constant(np.column_stack([x, x**2]), has_constant="add")
    model = sm.OLS(data["industry"].to_numpy(dtype=float), design).fit(cov_type="HC3")
    b0, b1, b2 = (float(v) for v in model.params)
    names = ("const", "b1", "b2")
    ci_arr = model.conf_int(alpha=0.05)
    grid_x = np.linspace(x.min(), x.max(), points)
    grid_design = sm.add_constant(np.column_stack([grid_x, grid_x**2]), has_constant="add")
    pred = model.get_prediction(grid_design).summary_frame(alpha=0.05)
    grid = pd.DataFrame(
        {
            "log_gdp_pc": grid_x,
            "gdp_pc": np.exp(grid_x),
            "fit": pred["mean"].to_numpy(),
            "ci_low": pred["mean_ci_lower"].to_numpy(),
            "ci_high": pred["mean_ci_upper"].to_numpy(),
        }
    )
    has_peak = b2 < 0
    turning = turning_ci = peak = None
    if has_peak:
        log_star = -b1 / (2.0 * b2)
        gradient = np.array([-1.0 / (2.0 * b2), b1 / (2.0 * b2**2)])
        cov = np.asarray(model.cov_params())[1:, 1:]
        se = math.sqrt(float(gradient @ cov @ gradient))
        turning = math.exp(log_star)
        turning_ci = (math.exp(log_star - 1.959963984540054 * se), math.exp(log_star + 1.959963984540054 * se))
        peak = b0 + b1 * log_star + b2 * log_star**2
    return HumpFit(
        params=dict(zip(names, (b0, b1, b2), strict=True)),
        ci={n: (float(lo), float(hi)) for n, (lo, hi) in zip(names, np.asarray(ci_arr), strict=True)},
        nobs=int(model.nobs),
        r2=float(model.rsquared),
        has_peak=has_peak,
        turning_point=turning,
        turning_ci=turning_ci,
        peak_share=peak,
        grid=grid,
    )


def hump_positions(data: pd.DataFrame, fit: HumpFit, countries: Sequence[str]) -> pd.DataFrame:
    """Where the focus economies sit: actual and fitted industry share and the gap (points)."""
    b = fit.params
    rows = data[data["iso3"].isin(countries)].copy()
    rows["fitted"] = b["const"] + b["b1"] * rows["log_gdp_pc"] + b["b2"] * rows["log_gdp_pc"] ** 2
    rows["gap"] = rows["industry"] - rows["fitted"]
    if fit.turning_point:
        rows["side"] = np.where(rows["gdp_pc"] > fit.turning_point, "past the peak", "before the peak")
    else:
        rows["side"] = "no peak"
    order = {c: i for i, c in enumerate(countries)}
    return rows.sort_values("iso3", key=lambda s: s.map(order)).reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# 4. Greener trade


def co2_intensity(
    countries: Sequence[str],
    benchmark: str,
    vintage: str,
    start_year: int,
    end_year: int,
    entities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """CO2 intensity of GDP (kg CO2 per 2021 PPP $, Gapminder) for the focus economies and the
    benchmark, tidy ``iso3, year, value``.

    Gapminder has countries only: the benchmark is the GDP-weighted mean of its members
    (weights: GDP, PPP, current international $, :data:`GDP_PPP`), i.e. approximately total
    CO2 over total GDP of the economies with data.
    """
    table = load_entities() if entities is None else entities
    members = group_members(benchmark, table)
    years = (start_year, end_year)
    tidy = load_indicators(CO2_INTENSITY, countries=sorted(set(members) | set(countries)), years=years, vintage=vintage)
    focus = tidy[tidy["iso3"].isin(countries)][["iso3", "year", "value"]]
    weights = load_optional(GDP_PPP, countries=members, years=years, vintage=vintage)
    bench = weighted_mean(tidy, weights, members, balanced=True).reset_index().assign(iso3=benchmark)
    return pd.concat([focus, bench[["iso3", "year", "value"]]], ignore_index=True)


def co2_trade(countries: Sequence[str], vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Production- and consumption-based CO2 and CO2 embodied in net trade (OWID), wide.

    Columns ``co2`` and ``consumption_co2`` (Mt CO2), ``trade_co2`` (Mt; consumption minus
    production: positive = net importer of emissions) and ``trade_co2_share`` (% of
    production-based emissions); rows ``iso3, year``.
    """
    return pivot(
        load_indicators(list(OWID_CO2), countries=list(countries), years=(start_year, end_year), vintage=vintage)
    )


def carbon_content_of_trade(trade_co2: pd.DataFrame, co2: pd.DataFrame, economies_only: Iterable[str]) -> pd.DataFrame:
    """CO2 transferred through trade as a share of world emissions, by year.

    Parameters
    ----------
    trade_co2 : tidy OWID ``trade_co2`` (net CO2 imported in goods, Mt) by economy.
    co2 : tidy OWID ``co2`` (production-based, Mt); its ``WLD`` rows are the world total.
    economies_only : economy codes (aggregates excluded).

    Returns
    -------
    Frame indexed by year: ``transfer`` (sum of positive ``trade_co2``, Mt), ``world_co2``
    (Mt), ``share`` (%), ``n`` (economies with data).

    Notes
    -----
    :math:`100 \\times \\sum_c \\max(T_c, 0) / E_W`: the net emission transfer to net
    importers (which equals the transfer from net exporters when every economy reports),
    relative to world production-based emissions :math:`E_W` (Peters et al. 2011).
    """
    keep = set(economies_only)
    t = trade_co2[trade_co2["iso3"].isin(keep)]
    grouped = t.groupby("year")
    transfer = grouped["value"].apply(lambda s: s[s > 0].sum()).rename("transfer")
    n = grouped["iso3"].nunique().rename("n")
    world = co2[co2["iso3"] == "WLD"].set_index("year")["value"].rename("world_co2")
    out = pd.concat([transfer, world, n], axis=1, join="inner")
    out["share"] = 100.0 * out["transfer"] / out["world_co2"]
    return out[["transfer", "world_co2", "share", "n"]]


def relative_change_phrase(
    wide: pd.DataFrame, codes: Sequence[str], names: dict[str, str], start: int, end: int
) -> str:
    """'−60 % in the United States, −63 % in Germany and −40 % in the world' (``wide``: index
    year, one column per code; codes without both years are left out)."""
    items = []
    for code in codes:
        change = relative_change(wide[code], start, end) if code in wide else None
        if change is not None:
            items.append(f"{signed(change, '{:+.0f}')} % in {prose_name(names[code])}")
    return join_names(items) or "no economy with data in both years"


def carbon_content_text(content: pd.DataFrame) -> str:
    """'5.5 % of world emissions in 1990, 7.2 % at its peak in 2008 and 6.0 % in 2017'."""
    share = content["share"].dropna()
    first, last, peak = int(share.index.min()), int(share.index.max()), int(share.idxmax())
    text = f"{share[first]:.1f} % of world emissions in {first}"
    if peak not in (first, last):
        text += f", {share[peak]:.1f} % at its peak in {peak}"
    return text + f" and {share[last]:.1f} % in {last}"


def relative_change(series: pd.Series, start: int, end: int) -> float | None:
    """Percentage change of ``series`` from ``start`` to ``end`` (None if either is missing)."""
    diff = change_between(series, start, end)
    if diff is None or series.loc[start] == 0:
        return None
    return 100.0 * diff / float(series.loc[start])


def net_emission_exporters(trade: pd.DataFrame, year: int) -> tuple[list[str], list[str]]:
    """(net exporters, net importers) of CO2 embodied in trade in ``year`` (``trade``: :func:`co2_trade`)."""
    if "trade_co2" not in trade:
        return [], []
    rows = (
        trade.xs(year, level="year")["trade_co2"].dropna()
        if year in trade.index.get_level_values("year")
        else pd.Series(dtype=float)
    )
    return sorted(rows[rows < 0].index), sorted(rows[rows > 0].index)


# ---------------------------------------------------------------------------------------
# 5. The national plans


def plans_table(curated: pd.DataFrame) -> pd.DataFrame:
    """The plans the source text names, from ``data/curated/manufacturing_plans.csv``.

    Returns one row per plan, ordered by launch year: Country, Plan, Launched, Lead body,
    Focus, Source (the row's citation), URL, Checked at publisher (``verified_primary``).
    """
    rows = []
    for iso3, start in PLANS_NAMED_IN_TEXT:
        match = curated[(curated["iso3"] == iso3) & curated["plan"].str.startswith(start)]
        rows.append(match)
    table = pd.concat(rows, ignore_index=True)
    table = table.assign(year_launched=pd.to_numeric(table["year_launched"])).sort_values(
        ["year_launched", "country"], kind="stable"
    )
    return pd.DataFrame(
        {
            "Country": table["country"],
            "Plan": table["plan"],
            "Launched": table["year_launched"].astype(int),
            "Lead body": table["lead_body"],
            "Focus": table["focus"],
            "Source": table["citation"],
            "URL": table["url"],
            "Checked at publisher": table["verified_primary"],
        }
    ).reset_index(drop=True)


def plans_display(plans: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """(compact table for the page, Markdown list of the numbered sources it refers to)."""
    shown = pd.DataFrame(
        {
            "Plan": plans["Plan"],
            "Country": plans["Country"],
            "Launched": plans["Launched"].astype(str),
            "Lead body": plans["Lead body"],
            "Focus": plans["Focus"],
            "Source": [f"[{i + 1}]" for i in range(len(plans))],
        }
    )
    sources = "\n".join(
        f"{i + 1}. {citation}. <{url}> (checked at the primary publisher: {checked})"
        for i, (citation, url, checked) in enumerate(
            zip(plans["Source"], plans["URL"], plans["Checked at publisher"], strict=True)
        )
    )
    return shown, sources


# ---------------------------------------------------------------------------------------
# Sentences that depend on the parameters (glued into the text)


def ranking_phrase(values: dict[str, float], names: dict[str, str], fmt: str = "{:.1f}", unit: str = "") -> str:
    """'A (3.2), B (2.1) and C (0.4)', highest first; values that are NaN are left out."""
    items = sorted(((k, v) for k, v in values.items() if v is not None and not pd.isna(v)), key=lambda kv: -kv[1])
    return join_names(f"{prose_name(names[k])} ({fmt.format(v)}{unit})" for k, v in items)


def above_below(values: dict[str, float], names: dict[str, str], threshold: float = 1.0) -> tuple[str, str]:
    """Names of the economies above and at-or-below ``threshold`` (for RCA sentences)."""
    above = [prose_name(names[k]) for k, v in values.items() if v is not None and not pd.isna(v) and v > threshold]
    below = [prose_name(names[k]) for k, v in values.items() if v is not None and not pd.isna(v) and v <= threshold]
    return join_names(above) or "none of them", join_names(below) or "none of them"


def hump_comparison(first: HumpFit, latest: HumpFit, first_year: int, latest_year: int) -> str:
    """Compare the fitted peak heights of two cross-sections (turning incomes are in current $)."""
    if not (first.has_peak and latest.has_peak):
        return f"The fit for {first_year} or {latest_year} has no interior peak, so the heights cannot be compared"
    word = "higher" if first.peak_share > latest.peak_share else "lower"
    return (
        f"In {first_year} the fitted peak was {word}, at {first.peak_share:.1f} % ({first.nobs} economies), "
        f"against {latest.peak_share:.1f} % in {latest_year}"
    )


def hump_summary(fit: HumpFit, year: int) -> str:
    """One clause for the closing section: where the fitted industry-employment share peaks."""
    if not fit.has_peak:
        return f"the industry share of employment shows no interior peak against income ({year}, {fit.nobs} economies)"
    return (
        f"the fitted industry share of employment peaks at {fit.peak_share:.1f} % at a GDP per capita of about "
        f"{fit.turning_point / 1000:,.0f} thousand international dollars ({year}, {fit.nobs} economies)"
    )


def interval_text(low: float, high: float, fmt: str = "{:.2f}") -> str:
    """'95 % CI −0.10 to 0.32' with a proper minus sign."""

    def f(v: float) -> str:
        return fmt.format(v).replace("-", "−")

    return f"{f(low)} to {f(high)}"


def signed(value: float | None, fmt: str = "{:+.1f}") -> str:
    """A signed number with a typographic minus ('+1.2', '−0.8'); 'n/a' for None."""
    if value is None or pd.isna(value):
        return "n/a"
    return fmt.format(value).replace("-", "−")


def change_phrase(
    wide: pd.DataFrame,
    codes: Sequence[str],
    names: dict[str, str],
    start: int,
    end: int,
    fmt: str = "{:+.1f}",
    unit: str = " points",
) -> str:
    """'it rose in A (+2.1 points) and B (+0.3 points) and fell in C (−1.0 points)'.

    ``wide``: index year, one column per code. Codes without both years are left out.
    """
    ups, downs = [], []
    for code in codes:
        if code not in wide:
            continue
        diff = change_between(wide[code], start, end)
        if diff is None:
            continue
        item = f"{prose_name(names[code])} ({signed(diff, fmt)}{unit})"
        (ups if diff > 0 else downs).append(item)
    parts = []
    if ups:
        parts.append(f"rose in {join_names(ups)}")
    if downs:
        parts.append(f"fell or stayed flat in {join_names(downs)}")
    return " and ".join(parts) if parts else "cannot be compared for lack of data"


def regression_reading(est: PanelEstimate) -> str:
    """A plain reading of the main RCA-R&D estimate (sign, precision, size), as an association."""
    pct = 100.0 * (math.exp(est.coef) - 1.0) if est.outcome == "log_rca" else None
    size = (
        f"one percentage point more R&D spending (relative to GDP) goes with a high-tech RCA about "
        f"{abs(pct):.0f} % {'higher' if pct >= 0 else 'lower'} in the same economy"
        if pct is not None
        else ""
    )
    if est.ci_low > 0 or est.ci_high < 0:
        sign = "positive" if est.coef > 0 else "negative"
        return (
            f"The within-economy association is {sign} and its 95 % confidence interval excludes zero: {size}. "
            "The interval is wide, and the estimate is an association, not an effect of R&D"
        )
    return (
        f"The 95 % confidence interval includes zero, so the data cannot tell the sign of the within-economy "
        f"association apart from noise (point estimate: {size})"
    )


# ---------------------------------------------------------------------------------------
# Figures (the theme comes from imtrade.show.figures.apply_theme)

SECTOR_STYLES = {
    "agriculture": {"color": "#009E73", "linestyle": ":", "marker": None},
    "industry": {"color": "#D55E00", "linestyle": "--", "marker": None},
    "services": {"color": "#0072B2", "linestyle": "-", "marker": None},
}


def _lines(
    ax,
    tidy: pd.DataFrame,
    codes: Sequence[str],
    styles: dict[str, dict],
    names: dict[str, str],
    value: str = "value",
    label: bool = True,
    **kw: Any,
) -> None:
    """One line per entity code with the book's styles (colour, dash, marker); whole-year ticks."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for code in codes:
        rows = tidy[tidy["iso3"] == code].sort_values("year")
        if rows.empty:
            continue
        style = dict(styles[code])
        style.update(kw)
        ax.plot(rows["year"], rows[value], label=names[code] if label else None, markevery=4, markersize=4, **style)


def _legend_below(fig, handles: list, labels: list[str], ncol: int | None = None) -> None:
    """One legend under the axes, inside the figure (the source line goes below it)."""
    ncol = ncol or min(len(labels), 4)
    rows = math.ceil(len(labels) / max(ncol, 1))
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=ncol)
    fig.tight_layout(rect=(0.0, (0.1 + 0.24 * rows) / fig.get_figheight(), 1.0, 1.0))


def plot_high_tech_shares(
    data: pd.DataFrame, codes: Sequence[str], styles: dict[str, dict], names: dict[str, str], vintage: str
):
    """High-tech share of manufactured exports: chosen vintage bold, other definition faded."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from imtrade.show.figures import mark_year

    fig, ax = plt.subplots(figsize=(8.0, 5.0))
    main = data[data["vintage"] == vintage]
    other = data[data["vintage"] != vintage]
    _lines(ax, main, codes, styles, names, value="share", linewidth=2.0)
    if not other.empty:
        _lines(ax, other, codes, styles, names, value="share", label=False, linewidth=1.0, alpha=0.45, marker=None)
    mark_year(ax, HIGH_TECH_BREAK_YEAR, f"{HIGH_TECH_BREAK_YEAR}: definition break")
    ax.set_xlabel("Year")
    ax.set_ylabel("% of manufactured exports")
    ax.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    if not other.empty:
        handles.append(Line2D([], [], color="#444444", linewidth=1.0, alpha=0.45))
        labels.append(
            f"thin, faded: {definition_label(str(other['vintage'].iloc[0]))} (vintage {other['vintage'].iloc[0]})"
        )
    _legend_below(fig, handles, labels, ncol=3)
    return fig


def plot_rca(rca: pd.DataFrame, codes: Sequence[str], styles: dict[str, dict], names: dict[str, str]):
    """Balassa RCA in high-tech exports by year, with the RCA = 1 reference line."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.0, 4.7))
    ax.axhline(1.0, color="#444444", linewidth=1.0, linestyle=":", label="RCA = 1 (reporting world)")
    _lines(ax, rca, codes, styles, names, value="rca", linewidth=2.0)
    ax.set_xlabel("Year")
    ax.set_ylabel("RCA index (ratio, 1 = world share)")
    ax.set_ylim(bottom=0)
    _legend_below(fig, *ax.get_legend_handles_labels())
    return fig


def plot_medium_high_tech(mht: pd.DataFrame, codes: Sequence[str], styles: dict[str, dict], names: dict[str, str]):
    """Two panels: medium/high-tech share of manufactured exports and of manufacturing value added."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.5), sharey=True)
    titles = {"exports": "(a) % of manufactured exports", "mva": "(b) % of manufacturing value added"}
    for ax, measure in zip(axes, ("exports", "mva"), strict=True):
        _lines(ax, mht[mht["measure"] == measure], codes, styles, names, linewidth=1.8)
        ax.set_xlabel("Year")
        ax.text(0.0, 1.02, titles[measure], transform=ax.transAxes, fontsize=10, va="bottom")
    axes[0].set_ylabel("Medium- and high-tech share, %")
    axes[0].set_ylim(0, 100)
    _legend_below(fig, *axes[0].get_legend_handles_labels(), ncol=5)
    return fig


def plot_services(ratios: pd.DataFrame, codes: Sequence[str], styles: dict[str, dict], names: dict[str, str]):
    """2 x 2 panels: ICT service exports, IP receipts, IP payments and approximate services
    exports, each in % of merchandise exports."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(9.5, 7.0), sharex=True)
    for ax, (i, (measure, (_code, label))) in zip(axes.flat, enumerate(SERVICE_MEASURES.items()), strict=True):
        _lines(ax, ratios[ratios["measure"] == measure], codes, styles, names, linewidth=1.6)
        ax.text(0.0, 1.02, f"({'abcd'[i]}) {label}", transform=ax.transAxes, fontsize=10, va="bottom")
        ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))  # the approximation can be negative
        if i % 2 == 0:
            ax.set_ylabel("% of merchandise exports")
        if i >= 2:
            ax.set_xlabel("Year")
    _legend_below(fig, *axes.flat[0].get_legend_handles_labels(), ncol=5)
    return fig


def plot_employment(shares: dict[str, pd.DataFrame], names: dict[str, str]):
    """Small multiples: sector shares of employment (one panel per economy or group).

    ``shares``: code -> frame indexed by year with columns agriculture, industry, services.
    """
    import matplotlib.pyplot as plt

    n = len(shares)
    ncols = 3 if n > 4 else 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.2 * ncols, 2.5 * nrows + 0.4), sharex=True, sharey=True, squeeze=False
    )
    for ax, (code, frame) in zip(axes.flat, shares.items(), strict=False):
        for sector, style in SECTOR_STYLES.items():
            if sector in frame:
                ax.plot(frame.index, frame[sector], label=sector.capitalize(), linewidth=1.8, **style)
        ax.text(0.0, 1.02, names[code], transform=ax.transAxes, fontsize=10, va="bottom")
        ax.set_ylim(0, 100)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("% of employment")
    for ax in axes[-1, :]:
        ax.set_xlabel("Year")
    _legend_below(fig, *axes.flat[0].get_legend_handles_labels(), ncol=3)
    return fig


def plot_hump(data: pd.DataFrame, fit: HumpFit, codes: Sequence[str], styles: dict[str, dict], names: dict[str, str]):
    """Industry employment share against GDP per capita (log axis), quadratic fit with 95 % band."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(8.0, 5.4))
    ax.scatter(
        data["gdp_pc"], data["industry"], s=12, color="#9A9A9A", alpha=0.6, linewidths=0, label="Other economies"
    )
    g = fit.grid
    ax.fill_between(
        g["gdp_pc"], g["ci_low"], g["ci_high"], color="#444444", alpha=0.18, linewidth=0, label="95 % confidence band"
    )
    ax.plot(g["gdp_pc"], g["fit"], color="#222222", linewidth=1.8, label="Quadratic fit in log income")
    if fit.has_peak and fit.turning_point and g["gdp_pc"].min() <= fit.turning_point <= g["gdp_pc"].max():
        ax.axvline(fit.turning_point, color="#444444", linestyle=":", linewidth=1.2)
        ax.annotate(
            "fitted peak",
            xy=(fit.turning_point, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -2),
            textcoords="offset points",
            fontsize=8,
            color="#444444",
            va="top",
        )
    for code in codes:
        row = data[data["iso3"] == code]
        if row.empty:
            continue
        style = styles[code]
        ax.scatter(
            row["gdp_pc"],
            row["industry"],
            s=55,
            color=style["color"],
            marker=style["marker"] or "o",
            edgecolors="black",
            linewidths=0.6,
            zorder=3,
            label=names[code],
        )
        ax.annotate(
            names[code],
            xy=(float(row["gdp_pc"].iloc[0]), float(row["industry"].iloc[0])),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:g}k"))
    ax.set_xlabel("GDP per capita, PPP (current international $, log scale)")
    ax.set_ylabel("Industry, % of employment")
    ax.set_ylim(bottom=0)
    _legend_below(fig, *ax.get_legend_handles_labels())
    return fig


def plot_co2_intensity(co2: pd.DataFrame, codes: Sequence[str], styles: dict[str, dict], names: dict[str, str]):
    """CO2 intensity of GDP (kg per 2021 PPP $) by year."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.0, 4.7))
    _lines(ax, co2, codes, styles, names, linewidth=2.0)
    ax.set_xlabel("Year")
    ax.set_ylabel("kg CO2 per 2021 PPP $ of GDP")
    ax.set_ylim(bottom=0)
    _legend_below(fig, *ax.get_legend_handles_labels())
    return fig


def plot_co2_trade(trade: pd.DataFrame, codes: Sequence[str], styles: dict[str, dict], names: dict[str, str]):
    """Net CO2 embodied in trade as % of production-based emissions (above 0: net importer)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.0, 4.7))
    tidy = (
        trade["trade_co2_share"].rename("value").reset_index()
        if "trade_co2_share" in trade
        else pd.DataFrame(columns=["iso3", "year", "value"])
    )
    ax.axhline(0.0, color="#444444", linewidth=1.0)
    _lines(ax, tidy, codes, styles, names, linewidth=2.0)
    ax.annotate(
        "net importer of emissions ↑", xy=(0.01, 0.97), xycoords="axes fraction", fontsize=8, color="#444444", va="top"
    )
    ax.annotate(
        "net exporter of emissions ↓",
        xy=(0.01, 0.03),
        xycoords="axes fraction",
        fontsize=8,
        color="#444444",
        va="bottom",
    )
    ax.set_xlabel("Year")
    ax.set_ylabel("Net CO2 imported in goods,\n% of production-based CO2")
    low, high = ax.get_ylim()
    bound = max(abs(low), abs(high))
    ax.set_ylim(-bound, bound)
    _legend_below(fig, *ax.get_legend_handles_labels())
    return fig
