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
claim checks (:mod:`.checks`) can feed them small frames. The chapter's prose is in :mod:`.text`,
its figures in :mod:`.figures`; indicator codes shared with other chapters are in
:mod:`imtrade.data.indicators`, statistics in :mod:`imtrade.stats`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from imtrade.book.params import check_countries, check_vintage, check_year_range
from imtrade.data.entities import GROUPS, economies, group_members
from imtrade.data.indicators import (
    HT_SHARE,
    LABOUR_FORCE,
    OLD_DEFINITION_VINTAGE,
    SECTORS,
    UNEMPLOYMENT,
    employment_weights,
    high_tech_definition,
    load_high_tech,
)
from imtrade.data.indicators import high_tech_rca as rca_of
from imtrade.data.load import load_indicators, load_optional, wide
from imtrade.exceptions import ParameterError
from imtrade.stats import (
    PanelEstimate,
    TooFewObservations,
    change_between,
    long_difference,
    prediction_frame,
    quadratic_peak,
    two_way_fixed_effects,
    weighted_mean,
    within_between_sd,
)

# ---------------------------------------------------------------------------------------
# Constants


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


Loader = Callable[..., pd.DataFrame]


# ---------------------------------------------------------------------------------------
# Parameters


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell).

    ``countries`` must be economies (not aggregates), ``benchmark`` a group of
    :data:`imtrade.data.entities.GROUPS`,
    ``start_year`` between 1960 and 2010 and ``end_year`` between 2015 and 2030 (so that the
    window always contains the 2007-2015 years every section needs), ``vintage`` a catalogued
    WDI vintage.
    """
    check_vintage(params["vintage"])
    check_year_range(params["start_year"], params["end_year"])
    if params["start_year"] > 2010:
        raise ParameterError(
            f"parameter 'start_year' must be 2010 or earlier, got {params['start_year']}",
            fix=(
                "the high-tech series start in 2007 and the consumption-based "
                "CO2 data end in 2017: the window must cover them"
            ),
        )
    if params["end_year"] < 2015:
        raise ParameterError(
            f"parameter 'end_year' must be 2015 or later, got {params['end_year']}",
            fix="the panel regression needs the high-tech series from 2007 to at least 2015",
        )
    countries = check_countries(params["countries"], allow_aggregates=False)
    benchmark = str(params["benchmark"]).strip().upper()
    if benchmark not in GROUPS:
        raise ParameterError(
            f"parameter 'benchmark' must be one of {', '.join(GROUPS)}, got {params['benchmark']!r}",
            fix=(
                "WLD (world), an income group (HIC, UMC, LMC, LIC, MIC, LMY) or a region (EAS, ECS, LCN, SAS, SSF, NAC)"
            ),
        )
    if len(countries) > 8:
        raise ParameterError(
            f"parameter 'countries' lists {len(countries)} economies; at most 8 keep the figures readable"
        )


# ---------------------------------------------------------------------------------------
# Helpers


def latest_year(series: pd.Series, upto: int | None = None) -> int | None:
    """Latest index year with a non-missing value (at or before ``upto``)."""
    s = series.dropna()
    if upto is not None:
        s = s[s.index <= upto]
    return int(s.index.max()) if len(s) else None


# ---------------------------------------------------------------------------------------
# 1. Comparative advantage


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
            tidy.assign(share=tidy["value"], definition=high_tech_definition(v), vintage=v)[
                ["iso3", "year", "share", "definition", "vintage"]
            ]
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["iso3", "year", "share", "definition", "vintage"])
    )


def high_tech_rca(vintage: str, start_year: int, end_year: int, entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`imtrade.stats.balassa_rca` of high-tech exports for every economy and aggregate of
    one vintage, within the years (the reference world: every economy of the entity table)."""
    return rca_of(load_high_tech(vintage, years=(start_year, end_year)), economies(entities))


def rca_gains(rca: pd.DataFrame, countries: Sequence[str], start: int, end: int) -> pd.Series:
    """Change in the high-tech RCA from ``start`` to ``end`` by focus economy (``rca``: :func:`high_tech_rca`);
    economies without both years are left out (an empty series when none has them)."""
    mine = rca[rca["iso3"].isin(list(countries))].pivot(index="year", columns="iso3", values="rca")
    if start not in mine.index or end not in mine.index:
        return pd.Series(dtype=float, name="gain")
    return (mine.loc[end] - mine.loc[start]).dropna().rename("gain")


def latest_complete_year(rca: pd.DataFrame, min_coverage: float = 0.9) -> int:
    """Latest year in which at least ``min_coverage`` of the most reporters of any year report.

    The last year of a vintage is often published for a subset of economies; its world share
    then describes fewer economies. ``rca`` is the output of :func:`high_tech_rca`.
    """
    reporters = rca.groupby("year")["reporters"].first()
    complete = reporters[reporters >= min_coverage * reporters.max()]
    return int(complete.index.max())


def rca_rd_panel(rca: pd.DataFrame, rd: pd.DataFrame, economies_only: Iterable[str]) -> pd.DataFrame:
    """Country-year panel for the RCA-on-R&D regression.

    Parameters
    ----------
    rca : output of :func:`high_tech_rca`.
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


def rca_rd_regressions(panel: pd.DataFrame) -> list[PanelEstimate]:
    """The chapter's three specifications of high-tech RCA on R&D intensity.

    1. log RCA on R&D intensity (main: RCA is a right-skewed ratio; in logs 0.5 and 2 are
       equally far from 1, and the year effects absorb the world denominator exactly);
    2. RCA winsorised at the 1st/99th percentiles, in levels (keeps RCA = 0 observations);
    3. log RCA on the previous year's R&D intensity.
    """
    data = panel.assign(rca_w=winsorise(panel["rca"]))
    return [
        two_way_fixed_effects(data, "log_rca", "rd", "log RCA on R&D (main)"),
        two_way_fixed_effects(data, "rca_w", "rd", "RCA in levels, winsorised 1/99 %, on R&D"),
        two_way_fixed_effects(data, "log_rca", "rd_lag1", "log RCA on R&D lagged one year"),
    ]


LONG_DIFF_WINDOW = 3  # years averaged at each end of the long difference


def rca_rd_long_difference(panel: pd.DataFrame, last_year: int, window: int = LONG_DIFF_WINDOW) -> PanelEstimate:
    """Long difference of log high-tech RCA on R&D intensity, beside the fixed-effects estimates.

    The first window is the panel's first ``window`` years with both variables, the last
    the ``window`` years ending in ``last_year`` (the latest year with near-complete
    reporting, :func:`latest_complete_year`); each economy's value in a window is its mean
    there (:func:`imtrade.stats.long_difference`). One observation per economy, HC3 errors.
    """
    have = panel.dropna(subset=["log_rca", "rd"])
    if have.empty:
        raise TooFewObservations("no economy has both a positive high-tech RCA and R&D data for a long difference")
    start = int(have["year"].min())
    first, last = (start, start + window - 1), (last_year - window + 1, last_year)
    label = f"long difference, {first[0]}–{first[1]} to {last[0]}–{last[1]} (HC3)"
    return long_difference(panel, "log_rca", "rd", first, last, label)


def rd_variation(panel: pd.DataFrame) -> tuple[float, float]:
    """(within, between) s.d. of R&D intensity (% of GDP points) over the log-RCA regression's
    observations (:func:`imtrade.stats.within_between_sd`)."""
    return within_between_sd(panel.dropna(subset=["log_rca", "rd"]), "rd")


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
    members = group_members(benchmark, entities)
    years = (start_year, end_year)
    out = []
    for measure, code in (("exports", MHT_EXPORTS), ("mva", MHT_MVA)):
        tidy = load_optional(code, years=years, vintage=vintage)
        if tidy.empty:
            continue
        focus = tidy[tidy["iso3"].isin(countries)][["iso3", "year", "value"]]
        if measure == "exports":
            w = wide(load_optional([MANF_SHARE_MERCH, MERCH_EXPORTS], countries=members, years=years, vintage=vintage))
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


def tech_intensity_change(
    mva_world: pd.Series, export_world: pd.Series, mva_years: tuple[int, int], export_start: int
) -> dict[str, Any]:
    """The two changes of the comparative-advantage claim.

    ``mva_world``: World medium/high-tech share of MVA by year (:data:`MHT_MVA_WORLD`);
    ``export_world``: World high-tech share of manufactured exports by year (one definition).
    Returns ``mva_change`` (points, ``mva_years[0]`` -> ``mva_years[1]``), ``export_change``
    (points, ``export_start`` -> latest year), the years and the levels (NaN where missing).
    """
    export_end = latest_year(export_world)
    return {
        "mva_years": mva_years,
        "mva_start": mva_world.get(mva_years[0], math.nan),
        "mva_end": mva_world.get(mva_years[1], math.nan),
        "mva_change": change_between(mva_world, *mva_years),
        "export_years": (export_start, export_end),
        "export_start": export_world.get(export_start, math.nan),
        "export_end": export_world.get(export_end, math.nan) if export_end else math.nan,
        "export_change": change_between(export_world, export_start, export_end) if export_end else math.nan,
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
    return wide(pd.concat([f for f in frames if not f.empty], ignore_index=True))


# ---------------------------------------------------------------------------------------
# 3. Employment structure


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
    frame = wide(tidy).reset_index()
    if GDP_PC_PPP not in frame or SECTORS["industry"] not in frame:
        return pd.DataFrame(columns=["iso3", "gdp_pc", "log_gdp_pc", "industry"])
    frame = frame.rename(columns={GDP_PC_PPP: "gdp_pc", SECTORS["industry"]: "industry"}).dropna(
        subset=["gdp_pc", "industry"]
    )
    frame = frame[frame["gdp_pc"] > 0]
    return frame.assign(log_gdp_pc=np.log(frame["gdp_pc"]))[["iso3", "gdp_pc", "log_gdp_pc", "industry"]].reset_index(
        drop=True
    )


def latest_hump_year(vintage: str, end_year: int) -> int | None:
    """Latest year at or before ``end_year`` in which both hump series have data for a world
    cross-section (at least 100 economies)."""
    tidy = load_indicators([GDP_PC_PPP, SECTORS["industry"]], years=(1990, end_year), vintage=vintage)
    counts = wide(tidy).dropna().reset_index().groupby("year")["iso3"].nunique()
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
    pred = prediction_frame(model, grid_design, alpha=0.05)
    grid = pd.DataFrame(
        {
            "log_gdp_pc": grid_x,
            "gdp_pc": np.exp(grid_x),
            "fit": pred["mean"].to_numpy(),
            "ci_low": pred["ci_lower"].to_numpy(),
            "ci_high": pred["ci_upper"].to_numpy(),
        }
    )
    vertex = quadratic_peak((b0, b1, b2), np.asarray(model.cov_params())[1:, 1:], alpha=0.05)
    has_peak = vertex is not None
    turning = turning_ci = peak = None
    if vertex is not None:  # the peak and its interval, in log income: back to dollars
        turning = math.exp(vertex.x)
        turning_ci = (math.exp(vertex.ci[0]), math.exp(vertex.ci[1]))
        peak = vertex.value
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
    members = group_members(benchmark, entities)
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
    return wide(
        load_indicators(list(OWID_CO2), countries=list(countries), years=(start_year, end_year), vintage=vintage)
    )


def net_co2_transfer(trade_co2: pd.DataFrame, co2: pd.DataFrame, economies_only: Iterable[str]) -> pd.DataFrame:
    """The net CO2 transfer through trade (CO2 embodied in net imports) as a share of world emissions, by year.

    This is not the carbon content of gross trade: each economy's embodied exports are netted
    against its embodied imports, so the sum over net importers is a lower bound of the CO2
    embodied in gross trade (which needs a multi-regional input-output table, e.g. OECD TECO2).

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


def co2_window(co2_wide: pd.DataFrame, countries: Sequence[str]) -> tuple[int, int]:
    """(first year of any series, last year with a value for a focus economy) of the CO2-intensity
    frame (index year, one column per code); the last year of any series when no focus economy
    has data (a small economy the source does not cover), so the sentence still reads."""
    first = int(co2_wide.index.min())
    focus = co2_wide[[c for c in countries if c in co2_wide]].dropna(how="all")
    last = int(focus.index.max()) if len(focus) else int(co2_wide.dropna(how="all").index.max())
    return first, last


def co2_trade_year(trade: pd.DataFrame) -> int | None:
    """Last year with CO2 embodied in trade for any focus economy (``trade``: :func:`co2_trade`); None without any."""
    if "trade_co2" not in trade:
        return None
    years = trade["trade_co2"].dropna().index.get_level_values("year")
    return int(years.max()) if len(years) else None


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


# ---------------------------------------------------------------------------------------
# Sentences that depend on the parameters (glued into the text)


# ---------------------------------------------------------------------------------------
# Figures (the theme comes from imtrade.show.figures.apply_theme)


# ---------------------------------------------------------------------------------------
# Trade and investment before and after the robot take-off (the de-globalisation evidence)

GNFS_IMPORTS_GDP = "NE.IMP.GNFS.ZS"  # imports of goods and services, % of GDP
FDI_INFLOWS = "BX.KLT.DINV.CD.WD"  # foreign direct investment, net inflows, BoP, current US$
ROBOT_ERA_BREAK = 2008  # last year before the break (the de-globalisation chapter's break year)
ROBOT_ERA_YEARS = (1990, 2019)  # the window of that chapter's slowbalisation test (before COVID)
ROBOT_ERA_SERIES = {
    "trade": "world trade, (X + M)/2, % of GDP",
    "fdi": "world FDI net inflows, % of GDP",
}
ROBOT_ERA_PROSE = {"trade": "world trade relative to GDP", "fdi": "world FDI inflows relative to GDP"}  # for sentences


def world_trade_and_fdi(tidy: pd.DataFrame, geo: str = "WLD") -> pd.DataFrame:
    """World trade and FDI inflows relative to GDP, by year (the de-globalisation chapter's measures).

    Parameters
    ----------
    tidy : ``load_indicators`` of NE.EXP.GNFS.ZS, NE.IMP.GNFS.ZS, BX.KLT.DINV.CD.WD and
        NY.GDP.MKTP.CD for ``geo``.

    Returns
    -------
    Frame indexed by year with ``trade`` ((exports + imports) / 2, % of GDP: each cross-border
    flow counted once) and ``fdi`` (net inflows, % of GDP); a year lacking a component is NaN.
    """
    w = wide(tidy[tidy["iso3"] == geo]).droplevel("iso3") if len(tidy) else pd.DataFrame()
    out = pd.DataFrame(index=w.index)
    both = GNFS_EXPORTS_GDP in w and GNFS_IMPORTS_GDP in w
    out["trade"] = (w[GNFS_EXPORTS_GDP] + w[GNFS_IMPORTS_GDP]) / 2 if both else np.nan
    out["fdi"] = 100.0 * w[FDI_INFLOWS] / w[GDP_USD] if FDI_INFLOWS in w and GDP_USD in w else np.nan
    return out.sort_index()


def robot_era_comparison(
    series: pd.DataFrame, break_year: int, years: tuple[int, int], *, alpha: float = 0.05
) -> pd.DataFrame:
    """Trend slopes of each column before and after ``break_year`` with a Chow test, and the reading.

    Parameters
    ----------
    series : :func:`world_trade_and_fdi` output (one column per measure).
    break_year : last year of the first regime (the take-off of robot adoption follows it).
    years : (first, last) year used.
    alpha : level of the test.

    Returns
    -------
    One row per column: ``measure, pre_slope, post_slope, slope_change, change_low, change_high,
    boot_pvalue, n, direction`` with ``direction`` "faster" or "slower" (the bootstrap confidence
    interval of the slope change lies above or below zero), "no clear change" (it spans zero) or
    "too few data". ``boot_pvalue`` is the Chow test's (level and slope jointly), reported alongside.

    Notes
    -----
    :func:`imtrade.stats.chow_break_test`: a broken linear trend, the slope change
    :math:`\\delta` with its AR(1) bootstrap interval (the claim is about growth, so the slope
    decides, not the joint level-and-slope F). A faster trend after the break is what the claim
    that intelligent manufacturing boosts trade and investment predicts; a slower one goes
    against it. Either way the
    comparison is an association in time: many other things changed after 2008.
    """
    from imtrade.stats import TooFewObservations, chow_break_test

    rows = []
    for measure in series.columns:
        s = series[measure].loc[years[0] : years[1]].dropna()
        row = {"measure": measure, "n": len(s)}
        try:
            res = chow_break_test(s.index, s.to_numpy(), break_year, alpha=alpha)
        except (TooFewObservations, ValueError):
            rows.append({**row, "direction": "too few data"})
            continue
        change = res.post_slope - res.pre_slope
        low, high = res.slope_change_ci
        rows.append(
            {
                **row,
                "pre_slope": res.pre_slope,
                "post_slope": res.post_slope,
                "slope_change": change,
                "change_low": low,
                "change_high": high,
                "boot_pvalue": res.boot_pvalue,
                "direction": "faster" if low > 0 else "slower" if high < 0 else "no clear change",
            }
        )
    cols = [
        "measure",
        "pre_slope",
        "post_slope",
        "slope_change",
        "change_low",
        "change_high",
        "boot_pvalue",
        "n",
        "direction",
    ]
    return pd.DataFrame(rows).reindex(columns=cols)


def robot_era_verdict(directions: Iterable[str]) -> str:
    """Verdict name for 'intelligent manufacturing boosts trade and investment' from the directions.

    All "faster": supported; all "slower": contradicted; some "slower" and none "faster":
    partly contradicted; some "faster" and none "slower": partly supported; otherwise
    (both signs, or no clear change anywhere, or no data) inconclusive.
    """
    d = [x for x in directions if x != "too few data"]
    faster, slower = d.count("faster"), d.count("slower")
    if not d or (faster and slower) or not (faster or slower):
        return "inconclusive"
    if faster == len(d):
        return "supported"
    if slower == len(d):
        return "contradicted"
    return "partly contradicted" if slower else "partly supported"


def world_robot_growth(table: pd.DataFrame, years: tuple[int, int]) -> float:
    """Ratio of world robot installations in ``years[1]`` to ``years[0]`` (curated IFR table), NaN if absent."""
    from imtrade.data.robots import robot_series

    world = robot_series(table, "installations")
    world = world[world["iso3"] == "WLD"].set_index("year")["value"].astype(float)
    a, b = years
    return float(world[b] / world[a]) if a in world.index and b in world.index else math.nan


# ---------------------------------------------------------------------------------------
# Gross export shares reward assembly

ASSEMBLY_HUBS = ("PHL", "MYS", "VNM")  # electronics-assembly exporters (foreign inputs assembled for export)
INCUMBENT_MAKERS = ("DEU", "JPN")  # economies whose high-tech industries design and make components at home


def rca_positions(rca: pd.DataFrame, year: int, codes: Sequence[str], economy_codes: Iterable[str]) -> pd.DataFrame:
    """High-tech share, Balassa RCA and rank among all economies in ``year`` for ``codes``.

    Parameters
    ----------
    rca : :func:`high_tech_rca` output.
    year : the year ranked (e.g. :func:`latest_complete_year`).
    codes : economies to report, in this order (those without a value in ``year`` are left out).
    economy_codes : the economies ranked (aggregates excluded).

    Returns
    -------
    Frame ``iso3, share, rca, rank, n_ranked`` (rank 1 = highest RCA; ties share the better rank).
    """
    from imtrade.stats import rank_economies

    ranked = rank_economies(rca.rename(columns={"rca": "value"}), year, economy_codes)
    shares = rca[rca["year"] == year].set_index("iso3")["share"]
    out = ranked[ranked["iso3"].isin(list(codes))].rename(columns={"value": "rca"})
    out = out.assign(share=out["iso3"].map(shares), n_ranked=len(ranked))
    order = {c: i for i, c in enumerate(codes)}
    out = out.sort_values("iso3", key=lambda s: s.map(order))
    return out[["iso3", "share", "rca", "rank", "n_ranked"]].reset_index(drop=True)
