"""Chapter "China's roadmap": computations (source texts 002 and 003).

Source text 002 sets out China's intelligent-manufacturing roadmap (three paradigms pursued in
parallel; goals for 2025, 2035 and 2045); source text 003, a 2018 blog post, adds that US
sanctions will only speed the roadmap up and quotes an IFR-attributed robot forecast. This
module measures where an economy stands on that path against peers and tests the forecasts:

* the roadmap timeline (curated table ``china_roadmap_milestones``);
* a dashboard of ten indicators (World Bank WDI, WDI bulk files, UN SDG database, IFR robot
  density from the curated table);
* log-linear or linear trend projections with 95 % prediction intervals and the year in
  which the economy would reach each peer's trend (parametric bootstrap);
* the blog's robot forecast against IFR's recorded installations (curated, by edition);
* a difference-in-trends estimate around the 2018 US measures;
* helpers used by the chapter's claim checks (working-age population, scale vs
  sophistication, robot figures by edition).

Pure computations take tidy frames (``indicator, iso3, year, value``) so that the claim checks
and the tests can call them on frames they load or build themselves; ``load_*`` functions do
the I/O. Trend fits and projections are :mod:`imtrade.stats.trend`; IFR figures are chosen by
:mod:`imtrade.data.robots`; the prose and page tables are in :mod:`.text`, the figures in
:mod:`.figures` and the claim checks in :mod:`.checks`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from imtrade.book.params import check_countries, check_vintage
from imtrade.data.curated import load_curated
from imtrade.data.load import load_indicators
from imtrade.data.robots import robot_series
from imtrade.exceptions import ParameterError, UnknownIndicatorError
from imtrade.stats import (
    TrendFit,
    cagr,
    coefficient,
    compound,
    fit_trend,
    percent_change,
    predict_trend,
    to_growth,
)

SEED = 20180415  # fixed seed of the crossing-year bootstrap (date of the ZTE order: any fixed value would do)
N_DRAWS = 4000  # bootstrap draws per country pair
ALPHA = 0.05  # 95 % intervals throughout
MIN_FIT_POINTS = 6  # fewer annual observations in the fit window: no trend is fitted
MIN_POST_YEARS = 2  # difference in trends needs at least this many years after the event
TREND_BASE = 2000  # year subtracted from the regressor of every trend (comparable intercepts)


# ---------------------------------------------------------------------------------------
# Parameters


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell)."""
    check_vintage(params["vintage"])
    [country] = check_countries([params["country"]], name="country", allow_aggregates=False)
    peers = check_countries(params["peers"], name="peers", allow_aggregates=False)
    if country in peers:
        raise ParameterError(f"parameter 'peers' must not contain the focus economy 'country' ({country})")
    if len(peers) > 6:
        raise ParameterError(f"parameter 'peers' lists {len(peers)} economies; at most 6 keep the figures readable")
    milestones = list(params["milestones"])
    if not milestones or any(not 1990 <= m <= 2060 for m in milestones):
        raise ParameterError(f"parameter 'milestones' needs years between 1990 and 2060, got {milestones}")
    if sorted(set(milestones)) != milestones:
        raise ParameterError(f"parameter 'milestones' must be increasing without repeats, got {milestones}")
    if not 2025 <= params["projection_end"] <= 2060:
        raise ParameterError(
            f"parameter 'projection_end' must be between 2025 and 2060, got {params['projection_end']}"
        )
    if not 1990 <= params["fit_start"] <= 2016:
        raise ParameterError(
            "parameter 'fit_start' must be between 1990 and 2016 (a "
            f"trend needs years of data), got {params['fit_start']}"
        )
    if not 2010 <= params["event_year"] <= 2021:
        raise ParameterError(
            "parameter 'event_year' must be between 2010 and 2021 "
            f"(years of data on both sides), got {params['event_year']}"
        )
    unknown = [c for c in params["projected"] if c not in TREND_MODELS or c == ROBOT_DENSITY_CODE]
    if unknown or not params["projected"]:
        raise ParameterError(
            f"parameter 'projected' must list indicator codes with a declared trend model, got {params['projected']}",
            fix=f"choose from {', '.join(c for c in TREND_MODELS if c != ROBOT_DENSITY_CODE)}",
        )


# ---------------------------------------------------------------------------------------
# 1. The roadmap timeline

_DATE_IN_LABEL = re.compile(r"\((\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\)")
_MONTHS = {
    m: i
    for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)
}


def decimal_date(label: str, year: float) -> float:
    """Position of a dated item on a year axis: ``(5 Mar 2015)`` in its label -> 2015.17.

    Labels without a day-month-year date are placed at mid-year (``year + 0.5``).
    """
    match = _DATE_IN_LABEL.search(label)
    if not match:
        return float(year) + 0.5
    day, month, yr = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    day_of_year = pd.Timestamp(year=yr, month=month, day=day).day_of_year
    return yr + (day_of_year - 1) / 365.0


def roadmap_milestones(table: pd.DataFrame) -> pd.DataFrame:
    """The curated milestones, typed and annotated for the timeline.

    Adds ``approximate`` (the curated note marks an approximate anchor year), ``when`` (a
    decimal year: the date in the label for policies and events, the start year for eras,
    the target year for goals) and ``source`` (source text key or the citation).
    """
    out = table.copy()
    out["approximate"] = out["note"].str.contains("APPROXIMATE", case=True)
    out["start_year"] = pd.to_numeric(out["start_year"], errors="coerce")
    out["end_year"] = pd.to_numeric(out["end_year"], errors="coerce")
    when = []
    for row in out.itertuples():
        if row.kind in ("policy", "event"):
            when.append(decimal_date(row.label, row.start_year))
        elif row.kind == "goal":
            when.append(float(row.end_year))
        else:
            when.append(float(row.start_year))
    out["when"] = when
    out["source"] = out["source_text"].where(out["source_text"].str.strip() != "", out["citation"])
    return out.sort_values(["kind", "when"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# 2. Dashboard


@dataclass(frozen=True)
class Indicator:
    """One dashboard panel: what is shown, in which unit, from where."""

    key: str
    code: str
    label: str
    unit: str
    source: str  # short source line (dataset and code)
    scale: float = 1.0  # value shown = value x scale
    log_scale: bool = False
    note: str = ""
    proxy: str = ""  # what the indicator stands for in the roadmap's terms (it is a proxy)


ROBOT_DENSITY_CODE = (
    "IFR.ROBOT.DENSITY"  # not a WDI code: the curated IFR series (data/curated/robot_installations.csv)
)
ROBOT_MIN_POINTS = 4  # fewest IFR density figures (not necessarily consecutive years) a robot trend is fitted on
ROBOT_RECENT_YEARS = 5  # the sensitivity fit uses only the last five calendar years of figures
ROBOT_MAX_LEAD = 5  # robot-density trends are drawn at most five years past the data (a constant growth rate of
# robots per worker cannot last: a longer projection would show robots outnumbering workers)

TECH_SHARE_WDI = "NV.MNF.TECH.ZS.UN"
TECH_SHARE_SDG = "NV_IND_TECH"

DASHBOARD: tuple[Indicator, ...] = (
    Indicator(
        "mva_share",
        "NV.IND.MANF.CD",
        "Share of world manufacturing value added",
        "% of world MVA",
        "WDI bulk file NV.IND.MANF.CD, economy / WLD",
        note="The bulk file was re-saved with values rounded to 3 significant digits: fine for shares, not for levels.",
        proxy="scale of manufacturing",
    ),
    Indicator(
        "tech_share",
        TECH_SHARE_WDI,
        "Medium- and high-tech share of manufacturing value added",
        "% of MVA",
        "WDI NV.MNF.TECH.ZS.UN (UNIDO)",
        proxy="technological depth of manufacturing",
    ),
    Indicator(
        "rd", "GB.XPD.RSDV.GD.ZS", "R&D expenditure", "% of GDP", "WDI GB.XPD.RSDV.GD.ZS", proxy="innovation effort"
    ),
    Indicator(
        "researchers",
        "SP.POP.SCIE.RD.P6",
        "Researchers in R&D",
        "per million people",
        "WDI SP.POP.SCIE.RD.P6",
        proxy="innovation workforce",
    ),
    Indicator(
        "patents",
        "IP.PAT.RESD",
        "Patent applications by residents",
        "thousands (log scale)",
        "WDI IP.PAT.RESD",
        scale=1e-3,
        log_scale=True,
        proxy="invention output (filings, not quality)",
    ),
    Indicator(
        "hightech_exports",
        "TX.VAL.TECH.MF.ZS",
        "High-technology exports",
        "% of manufactured exports",
        "WDI TX.VAL.TECH.MF.ZS",
        note="Re-based definition from 2007; earlier vintages use the old SITC-based series.",
        proxy="competitiveness in high-tech goods",
    ),
    Indicator(
        "ict_services",
        "BX.GSR.CCIS.CD",
        "ICT service exports",
        "US$ billion, current (log scale)",
        "WDI bulk file BX.GSR.CCIS.CD",
        scale=1e-9,
        log_scale=True,
        proxy="digital services capacity",
    ),
    Indicator(
        "broadband",
        "IT.NET.BBND.P2",
        "Fixed broadband subscriptions",
        "per 100 people",
        "WDI IT.NET.BBND.P2",
        proxy="networked ('Internet plus') infrastructure",
    ),
    Indicator(
        "lpi",
        "LP.LPI.OVRL.XQ",
        "Logistics Performance Index",
        "score, 1 (low) to 5 (high)",
        "WDI LP.LPI.OVRL.XQ",
        note="Survey-based; published only in some years (markers show which).",
        proxy="integration into trade and logistics networks",
    ),
    Indicator(
        "robot_density",
        ROBOT_DENSITY_CODE,
        "Robot density in manufacturing",
        "robots per 10,000 employees",
        "IFR World Robotics press releases (curated table robot_installations)",
        note=(
            "IFR figures from press releases and their reports, one per year (latest edition); years are missing where "
            "no release was found, editions revise earlier years, and most rows were read in secondary reports."
        ),
        proxy="automation of manufacturing (the machines of the first paradigm)",
    ),
)
DASHBOARD_BY_KEY = {ind.key: ind for ind in DASHBOARD}


def tech_share_indicator(vintage: str | None) -> Indicator:
    """The medium/high-tech share series of a vintage: WDI if it has one, else the UN SDG series.

    The two are compiled by UNIDO but are different releases: never spliced.
    """
    try:
        load_indicators([TECH_SHARE_WDI], countries=["USA"], years=(2000, 2000), vintage=vintage)
        return DASHBOARD_BY_KEY["tech_share"]
    except UnknownIndicatorError:
        return Indicator(
            "tech_share",
            TECH_SHARE_SDG,
            "Medium- and high-tech share of manufacturing value added",
            "% of MVA",
            "UN SDG database NV_IND_TECH (UNIDO, 2020-10-19)",
            note="This WDI vintage has no NV.MNF.TECH.ZS.UN; the UN SDG release of the UNIDO series is used instead.",
            proxy="technological depth of manufacturing",
        )


def world_share(tidy: pd.DataFrame, world: str = "WLD") -> pd.DataFrame:
    """Each economy's value as % of the world value of the same year (tidy in, tidy out).

    Rows of ``world`` itself are dropped; years without a world value are dropped.
    """
    totals = tidy.loc[tidy["iso3"] == world].set_index("year")["value"]
    out = tidy.loc[tidy["iso3"] != world].copy()
    out["value"] = 100.0 * out["value"] / out["year"].map(totals)
    return out.dropna(subset=["value"]).reset_index(drop=True)


def robot_density_tidy(table: pd.DataFrame, economies: Sequence[str]) -> pd.DataFrame:
    """IFR robot density of ``economies`` as a tidy frame (one figure per economy and year).

    Parameters
    ----------
    table : ``load_curated("robot_installations")``.
    economies : ISO3 codes (economies without a curated figure are simply absent).

    Returns
    -------
    Frame ``indicator, iso3, year, value, report_edition`` with ``indicator`` =
    :data:`ROBOT_DENSITY_CODE` and values in robots per 10,000 manufacturing employees, the
    latest edition's figure for each year (:func:`imtrade.data.robots.select_editions`).
    """
    series = robot_series(table, "robot_density")
    series = series[series["iso3"].isin(list(economies))]
    return pd.DataFrame(
        {
            "indicator": ROBOT_DENSITY_CODE,
            "iso3": series["iso3"].to_numpy(),
            "year": series["year"].astype(int).to_numpy(),
            "value": series["value"].astype(float).to_numpy(),
            "report_edition": series["report_edition"].to_numpy(),
        }
    )


def load_dashboard(economies: Sequence[str], vintage: str | None) -> tuple[pd.DataFrame, list[Indicator]]:
    """All dashboard series for ``economies`` as a tidy frame with a ``key`` column.

    Returns
    -------
    (frame, indicators): frame has columns ``key, indicator, iso3, year, value`` with values
    already scaled for display (see :class:`Indicator`); ``indicators`` is the list actually
    used (the tech-share entry depends on the vintage). Series a vintage lacks are skipped.
    """
    economies = list(economies)
    indicators = [tech_share_indicator(vintage) if ind.key == "tech_share" else ind for ind in DASHBOARD]
    frames = []
    used = []
    for ind in indicators:
        try:
            if ind.key == "robot_density":
                tidy = robot_density_tidy(load_curated("robot_installations"), economies)
            elif ind.key == "mva_share":
                tidy = world_share(load_indicators([ind.code], countries=[*economies, "WLD"], vintage=vintage))
            else:
                tidy = load_indicators([ind.code], countries=economies, vintage=vintage)
        except UnknownIndicatorError:
            continue
        tidy = tidy.assign(key=ind.key, value=tidy["value"] * ind.scale)
        frames.append(tidy[["key", "indicator", "iso3", "year", "value"]])
        used.append(ind)
    return pd.concat(frames, ignore_index=True).dropna(subset=["value"]), used


def latest_values(
    frame: pd.DataFrame, indicators: Sequence[Indicator], economies: Sequence[str], country: str
) -> pd.DataFrame:
    """Latest value per indicator and economy, and the focus economy's rank.

    Returns a tidy frame with columns ``key, indicator, label, unit, iso3, year, value`` plus
    ``rank`` and ``n_ranked``: the country's rank (1 = highest value) among the economies that
    have a value in the latest year in which the country and at least one peer have data.
    """
    rows = []
    for ind in indicators:
        sub = frame[(frame["key"] == ind.key) & frame["iso3"].isin(economies)]
        latest = sub.sort_values("year").groupby("iso3").tail(1)
        common = sub.pivot_table(index="year", columns="iso3", values="value")
        rank, n_ranked, rank_year = np.nan, 0, np.nan
        if country in common:
            ok = common[common[country].notna() & (common.notna().sum(axis=1) >= 2)]
            if len(ok):
                rank_year = int(ok.index.max())
                values = ok.loc[rank_year].dropna()
                rank, n_ranked = int((values > values[country]).sum() + 1), len(values)
        for code in economies:
            hit = latest[latest["iso3"] == code]
            rows.append(
                {
                    "key": ind.key,
                    "indicator": ind.code,
                    "label": ind.label,
                    "proxy": ind.proxy,
                    "unit": ind.unit.replace(" (log scale)", ""),
                    "iso3": code,
                    "year": int(hit["year"].iloc[0]) if len(hit) else np.nan,
                    "value": float(hit["value"].iloc[0]) if len(hit) else np.nan,
                    "rank": rank if code == country else np.nan,
                    "n_ranked": n_ranked if code == country else np.nan,
                    "rank_year": rank_year if code == country else np.nan,
                }
            )
    return pd.DataFrame(rows)


def constant_tail(frame: pd.DataFrame, min_run: int = 4) -> pd.DataFrame:
    """Series whose last ``min_run`` or more values are identical (a sign of carried-forward data).

    Returns columns ``key, iso3, value, since, until, run`` (one row per flagged series).
    """
    rows = []
    for (key, code), sub in frame.sort_values("year").groupby(["key", "iso3"]):
        values = sub["value"].round(6).to_numpy()
        years = sub["year"].to_numpy()
        if len(values) < min_run:
            continue
        run = 1
        while run < len(values) and values[-run - 1] == values[-1]:
            run += 1
        if run >= min_run:
            rows.append(
                {
                    "key": key,
                    "iso3": code,
                    "value": float(values[-1]),
                    "since": int(years[-run]),
                    "until": int(years[-1]),
                    "run": run,
                }
            )
    return pd.DataFrame(rows, columns=["key", "iso3", "value", "since", "until", "run"])


# ---------------------------------------------------------------------------------------
# 3. Catch-up projections

TREND_MODELS: dict[str, tuple[str, str]] = {
    # code: (model, why)
    "GB.XPD.RSDV.GD.ZS": (
        "linear",
        "a share of GDP is bounded and has risen by roughly constant points "
        "a year; a log-linear trend would make the point increases accelerate",
    ),
    "SP.POP.SCIE.RD.P6": (
        "log",
        "a head count per million people grows multiplicatively, "
        "so a constant growth rate (log-linear) is the natural trend",
    ),
    "IT.NET.BBND.P2": (
        "linear",
        "subscriptions per 100 people rise by roughly constant amounts; "
        "neither form can saturate, so long projections overstate",
    ),
    "TX.VAL.TECH.MF.ZS": ("linear", "a share of manufactured exports is bounded; a linear trend in points"),
    "IP.PAT.RESD": ("log", "a count of applications grows multiplicatively (log-linear)"),
    "NV.MNF.TECH.ZS.UN": ("linear", "a share of value added is bounded; a linear trend in points"),
    ROBOT_DENSITY_CODE: (
        "log",
        "robots per worker have grown multiplicatively (log-linear); the ratio cannot grow at a constant rate for ever",
    ),
}


# What limits each projected series (shown beside the milestone projections): a share cannot pass
# 100 %, subscriptions per person saturate, counts and ratios of robots per worker have no fixed ceiling.
BOUNDS: dict[str, str] = {
    "GB.XPD.RSDV.GD.ZS": "bounded (share of GDP)",
    "TX.VAL.TECH.MF.ZS": "bounded (share, at most 100 %)",
    "NV.MNF.TECH.ZS.UN": "bounded (share, at most 100 %)",
    "IT.NET.BBND.P2": "saturates (lines per 100 people)",
    "SP.POP.SCIE.RD.P6": "no fixed ceiling",
    "IP.PAT.RESD": "no fixed ceiling",
    ROBOT_DENSITY_CODE: "no fixed ceiling (but cannot grow at a constant rate for ever)",
}


def bound_note(code: str) -> str:
    """What limits the indicator's projection (:data:`BOUNDS`), or '–' if nothing is recorded."""
    return BOUNDS.get(code, "–")


@dataclass(frozen=True)
class Crossing:
    """When the focus economy's trend reaches a peer's trend (see :func:`crossing_year`)."""

    status: str  # "already ahead", "catches up", "not by horizon", "diverging", "too few data"
    median: float  # median crossing year over the draws (inf if most draws never cross)
    lower: float  # 2.5th percentile (floored at the latest data year)
    upper: float  # 97.5th percentile (inf if beyond every finite draw)
    share_by_horizon: float  # share of draws crossing by the horizon
    ahead_year: int | None = None  # for "already ahead": the year compared


def crossing_year(
    country: TrendFit, peer: TrendFit, horizon: int, *, n_draws: int = N_DRAWS, seed: int = SEED, alpha: float = ALPHA
) -> Crossing:
    """Year in which ``country``'s trend line reaches ``peer``'s, with a bootstrap range.

    Parameters
    ----------
    country, peer : trends of the same indicator with the same model and base year.
    horizon : last year considered (``projection_end``).

    Returns
    -------
    Crossing. "already ahead" when the country's latest observation is at or above the
    peer's value of the same year (or the peer's trend there); "diverging" when the
    country's estimated slope is not above the peer's.

    Notes
    -----
    Parametric bootstrap of the coefficients (Krinsky and Robb, 1986): draw
    :math:`(a_c, b_c) \\sim N(\\hat\\beta_c, \\hat V_c)` and :math:`(a_p, b_p) \\sim
    N(\\hat\\beta_p, \\hat V_p)` independently; the trend lines meet at
    :math:`t^* = (a_p - a_c)/(b_c - b_p)` when :math:`b_c > b_p` (otherwise never). The
    median of :math:`t^* + t_0` is the point estimate and the 2.5th and 97.5th percentiles the
    95 % range; draws that never cross count as later than any year. This is uncertainty
    about the *trend lines* only (not about year-to-year noise), under the assumption that
    the fitted trends continue unchanged.
    """
    if country.model != peer.model or country.base != peer.base:
        raise ValueError("country and peer trends must use the same model and base year")
    year = country.last_year
    peer_now = peer.last_value if peer.last_year == year else float(predict_trend(peer, [year], alpha)["mean"].iloc[0])
    if country.last_value >= peer_now:
        return Crossing("already ahead", float("nan"), float("nan"), float("nan"), 1.0, ahead_year=year)
    rng = np.random.default_rng(seed)
    dc = rng.multivariate_normal(country.params, country.cov, size=n_draws)
    dp = rng.multivariate_normal(peer.params, peer.cov, size=n_draws)
    gap_slope = dc[:, 1] - dp[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = np.where(gap_slope > 0, (dp[:, 0] - dc[:, 0]) / gap_slope, np.inf)
    years = np.maximum(t_star + country.base, year)  # a trend crossing in the past means "now"
    share = float(np.mean(years <= horizon))
    never = 1e9  # stands in for "never" so that quantiles stay finite; mapped back to inf below
    quantiles = np.quantile(np.minimum(years, never), [alpha / 2, 0.5, 1 - alpha / 2])
    lower, median, upper = (float(q) if q < never else float("inf") for q in quantiles)
    if country.params[1] <= peer.params[1]:
        status = "diverging"
    elif median <= horizon:
        status = "catches up"
    else:
        status = "not by horizon"
    return Crossing(status, median, lower, upper, share)


def trend_fits(
    frame: pd.DataFrame, codes: Sequence[str], economies: Sequence[str], fit_start: int
) -> dict[tuple[str, str], TrendFit]:
    """One :class:`TrendFit` per (indicator, economy) with enough data from ``fit_start`` on.

    ``frame`` is tidy (``indicator, iso3, year, value``); the model per indicator is
    :data:`TREND_MODELS`.
    """
    fits = {}
    for code in codes:
        model = TREND_MODELS[code][0]
        for iso3 in economies:
            s = frame[(frame["indicator"] == code) & (frame["iso3"] == iso3) & (frame["year"] >= fit_start)].dropna(
                subset=["value"]
            )
            if len(s) >= MIN_FIT_POINTS:
                fits[(code, iso3)] = fit_trend(s["year"], s["value"], model=model, base=TREND_BASE)
    return fits


def robot_density_fits(
    tidy: pd.DataFrame,
    economies: Sequence[str],
    fit_start: int,
    *,
    recent_years: int | None = None,
    min_points: int = ROBOT_MIN_POINTS,
) -> dict[tuple[str, str], TrendFit]:
    """Log-linear trends of IFR robot density, one per economy with at least ``min_points`` figures.

    Parameters
    ----------
    tidy : :func:`robot_density_tidy` output.
    economies : ISO3 codes.
    fit_start : first year used.
    recent_years : if given, only the figures of each economy's last ``recent_years`` calendar
        years (a sensitivity fit: has growth slowed?).
    min_points : fewest figures a trend is fitted on (IFR density is published for scattered
        years, so the minimum is below :data:`MIN_FIT_POINTS`).

    Returns
    -------
    dict keyed ``(ROBOT_DENSITY_CODE, iso3)`` like :func:`trend_fits`.

    Notes
    -----
    OLS of :math:`\\ln d_t = a + b\\,(t - 2000) + u_t` on the years with a figure (gaps are
    allowed). With four to eight figures the slope's t interval has 2 to 6 degrees of freedom
    and the prediction band is wide; the intervals assume independent errors.
    """
    fits = {}
    for iso3 in economies:
        s = tidy[(tidy["iso3"] == iso3) & (tidy["year"] >= fit_start)].dropna(subset=["value"]).sort_values("year")
        if recent_years is not None and len(s):
            s = s[s["year"] > s["year"].max() - recent_years]
        if len(s) >= min_points:
            fits[(ROBOT_DENSITY_CODE, iso3)] = fit_trend(s["year"], s["value"], model="log", base=TREND_BASE)
    return fits


def recent_growth(tidy: pd.DataFrame, iso3: str, span: int = 2) -> tuple[float, int | None, int | None]:
    """Compound growth (% a year) of ``iso3`` from the figure ``span`` or more years before its last one.

    Returns ``(growth, start_year, end_year)``; ``(nan, None, None)`` if there is no such pair.
    """
    s = tidy[tidy["iso3"] == iso3].dropna(subset=["value"]).set_index("year")["value"].sort_index()
    if s.empty:
        return math.nan, None, None
    end = int(s.index.max())
    earlier = s[s.index <= end - span]
    if earlier.empty:
        return math.nan, None, None
    start = int(earlier.index.max())
    return cagr(float(s[start]), float(s[end]), end - start), start, end


def catch_up_table(
    fits: dict[tuple[str, str], TrendFit], codes: Sequence[str], country: str, peers: Sequence[str], horizon: int
) -> pd.DataFrame:
    """One row per indicator and peer: the crossing status, year and 95 % range."""
    rows = []
    for code in codes:
        for peer in peers:
            c, p = fits.get((code, country)), fits.get((code, peer))
            row = {"indicator": code, "model": TREND_MODELS[code][0], "peer": peer}
            if c is None or p is None:
                rows.append(
                    {
                        **row,
                        "status": "too few data",
                        "median": np.nan,
                        "lower": np.nan,
                        "upper": np.nan,
                        "share_by_horizon": np.nan,
                        "country_growth": c.growth if c else np.nan,
                        "peer_growth": p.growth if p else np.nan,
                    }
                )
                continue
            x = crossing_year(c, p, horizon)
            rows.append(
                {
                    **row,
                    "status": x.status,
                    "median": x.median,
                    "lower": x.lower,
                    "upper": x.upper,
                    "share_by_horizon": x.share_by_horizon,
                    "country_growth": c.growth,
                    "peer_growth": p.growth,
                }
            )
    return pd.DataFrame(rows)


def projection_frame(fits: dict[tuple[str, str], TrendFit], horizon: int, alpha: float = ALPHA) -> pd.DataFrame:
    """Fitted and projected values with 95 % intervals for every fit, from its first year to ``horizon``."""
    frames = []
    for (code, iso3), fit in fits.items():
        years = list(range(fit.first_year, horizon + 1))
        frames.append(
            predict_trend(fit, years, alpha).assign(
                indicator=code, iso3=iso3, projected=lambda d, f=fit: d["year"] > f.last_year
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def milestone_projections(projections: pd.DataFrame, milestones: Iterable[int]) -> pd.DataFrame:
    """Projected values at the milestone years that lie after the data (with 95 % PI)."""
    sub = projections[projections["year"].isin(list(milestones)) & projections["projected"]]
    return sub[["indicator", "iso3", "year", "mean", "pi_lower", "pi_upper"]].reset_index(drop=True)


def fit_summary(fits: dict[tuple[str, str], TrendFit]) -> pd.DataFrame:
    """One row per fit: window, N, slope (points or % a year) with 95 % CI, residual SD, Durbin-Watson."""
    rows = []
    for (code, iso3), fit in fits.items():
        rows.append(
            {
                "indicator": code,
                "iso3": iso3,
                "model": fit.model,
                "years": f"{fit.first_year}–{fit.last_year}",
                "n": fit.n,
                "growth": fit.growth,
                "growth_lower": to_growth(fit.ci_low, fit.model),
                "growth_upper": to_growth(fit.ci_high, fit.model),
                "growth_unit": "% a year" if fit.model == "log" else "points a year",
                "durbin_watson": fit.durbin_watson,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# 4. Robots: the blog's forecast against IFR's recorded installations


def forecast_arithmetic(
    base_value: float, base_year: int, target_year: int, claimed_value: float, rates: dict[str, float], actual: float
) -> pd.DataFrame:
    """Where each growth rate leads from the base-year outturn, and its error against the actual.

    Returns rows ``path, rate_pct, value_target, error_pct`` where ``error_pct`` =
    100 (actual / value - 1) is the outturn's deviation from that path, plus a row for the
    growth rate the claimed level implies.
    """
    n = target_year - base_year
    rows = [
        {"path": name, "rate_pct": rate, "value_target": compound(base_value, rate, n)} for name, rate in rates.items()
    ]
    rows.append(
        {
            "path": "rate implied by the claimed level",
            "rate_pct": cagr(base_value, claimed_value, n),
            "value_target": claimed_value,
        }
    )
    rows.append({"path": "recorded outturn", "rate_pct": cagr(base_value, actual, n), "value_target": actual})
    out = pd.DataFrame(rows)
    out["error_pct"] = 100.0 * (actual / out["value_target"] - 1.0)
    return out


# ---------------------------------------------------------------------------------------
# 5. The sanctions argument: difference in trends


SANCTION_CODES = ("TX.VAL.TECH.CD", "BM.GSR.ROYL.CD")


@dataclass(frozen=True)
class DiffInTrends:
    """China's (the focus economy's) post-event slope change minus the peers', with its CI."""

    indicator: str
    estimate: float  # log points a year
    ci_lower: float
    ci_upper: float
    p_value: float
    n_obs: int
    n_economies: int
    years: tuple[int, int]
    post_years: int  # years after the event with data for the country
    country_kink: float  # the country's own slope change (log points a year)
    peer_kink: float  # the peers' common slope change
    excluded: tuple[int, ...] = ()

    def pct(self, value: float) -> float:
        """Log points a year -> % a year."""
        return 100.0 * math.expm1(value)


def difference_in_trends(
    tidy: pd.DataFrame,
    country: str,
    peers: Sequence[str],
    event_year: int,
    *,
    exclude_years: Iterable[int] = (),
    start_year: int | None = None,
    maxlags: int = 2,
) -> DiffInTrends | None:
    """Post-event change in the growth trend of ``country`` relative to ``peers``.

    Parameters
    ----------
    tidy : one indicator, tidy (``iso3, year, value``); values must be positive (logged).
    event_year : last year of the 'before' period; the kink starts after it.
    exclude_years : years left out (e.g. 2020-2021 as a COVID sensitivity check).
    start_year : first year used (default: the first year with data for the country).

    Returns
    -------
    DiffInTrends, or None when the country has fewer than :data:`MIN_POST_YEARS` years after
    the event or fewer than 4 before it.

    Notes
    -----
    OLS on the panel of economies :math:`i` and years :math:`t`:

    .. math:: \\log y_{it} = a_i + b_i (t - E) + \\gamma\\,k_t + \\delta\\,k_t D_i + e_{it},
       \\quad k_t = \\max(t - E, 0),

    with economy-specific intercepts and trends, a common post-event slope change
    :math:`\\gamma` and the focus economy's extra change :math:`\\delta` (:math:`D_i = 1` for
    it). :math:`\\delta` is the difference in trends. Standard errors are Newey-West HAC within
    each economy (``cov_type='hac-panel'``, ``maxlags``; Newey and West, 1987): clustering by
    economy is unreliable with five clusters (Cameron, Gelbach and Miller, 2008), and serially
    correlated errors make plain OLS errors too small (Bertrand, Duflo and Mullainathan,
    2004). With a single treated economy, the interval measures how unusual the country's
    kink is given its own year-to-year noise; it is not a causal effect.
    """
    import statsmodels.formula.api as smf

    economies = [country, *peers]
    df = tidy[tidy["iso3"].isin(economies) & (tidy["value"] > 0)].dropna(subset=["value"]).copy()
    df = df[~df["year"].isin(list(exclude_years))]
    own = df[df["iso3"] == country]
    if start_year is None:
        start_year = int(own["year"].min()) if len(own) else event_year
    df = df[df["year"] >= start_year]
    own = df[df["iso3"] == country]
    if (own["year"] > event_year).sum() < MIN_POST_YEARS or (own["year"] <= event_year).sum() < 4:
        return None
    df = df[df["iso3"].isin(df.groupby("iso3")["year"].count().loc[lambda s: s >= 4].index)]
    df = df.sort_values(["iso3", "year"]).reset_index(drop=True)
    df["y"] = np.log(df["value"])
    df["t"] = (df["year"] - event_year).astype(float)
    df["kink"] = df["t"].clip(lower=0)
    df["treat"] = (df["iso3"] == country).astype(float)
    groups = pd.factorize(df["iso3"])[0]
    formula = "y ~ C(iso3) + C(iso3):t + kink + kink:treat" if df["iso3"].nunique() > 1 else "y ~ t + kink"
    res = smf.ols(formula, data=df).fit(cov_type="hac-panel", cov_kwds={"groups": groups, "maxlags": maxlags})
    name = "kink:treat" if "kink:treat" in res.params else "kink"
    extra = coefficient(res, name, ALPHA)
    gamma = float(res.params["kink"]) if name != "kink" else 0.0
    delta = extra.estimate
    return DiffInTrends(
        indicator=str(tidy["indicator"].iloc[0]) if "indicator" in tidy and len(tidy) else "",
        estimate=delta,
        ci_lower=extra.ci_low,
        ci_upper=extra.ci_high,
        p_value=extra.p_value,
        n_obs=int(res.nobs),
        n_economies=int(df["iso3"].nunique()),
        years=(int(df["year"].min()), int(df["year"].max())),
        post_years=int((own["year"] > event_year).sum()),
        country_kink=gamma + delta if name != "kink" else delta,
        peer_kink=gamma,
        excluded=tuple(sorted(exclude_years)),
    )


def period_growth(tidy: pd.DataFrame, economies: Sequence[str], event_year: int) -> pd.DataFrame:
    """Average annual growth (%) before and after the event year, per economy (endpoint CAGR).

    Before: from the first year with data to ``event_year``; after: from ``event_year`` to the
    last year with data.
    """
    rows = []
    for iso3 in economies:
        s = tidy[(tidy["iso3"] == iso3) & (tidy["value"] > 0)].set_index("year")["value"].sort_index()
        if event_year not in s.index or s.index.min() >= event_year or s.index.max() <= event_year:
            rows.append({"iso3": iso3, "before": np.nan, "after": np.nan, "first": np.nan, "last": np.nan})
            continue
        first, last = int(s.index.min()), int(s.index.max())
        rows.append(
            {
                "iso3": iso3,
                "first": first,
                "last": last,
                "before": cagr(s[first], s[event_year], event_year - first),
                "after": cagr(s[event_year], s[last], last - event_year),
            }
        )
    return pd.DataFrame(rows)


def load_sanctions_panel(economies: Sequence[str], vintage: str | None) -> pd.DataFrame:
    """High-tech exports and charges paid for the use of IP (current US$), tidy, 2007 on.

    2007 is the first year of the re-based high-tech series in current WDI vintages; the IP
    series starts there too so the two windows match.
    """
    return load_indicators(list(SANCTION_CODES), countries=list(economies), years=(2007, None), vintage=vintage)


def sanctions_table(
    panel: pd.DataFrame, country: str, peers: Sequence[str], event_year: int, placebo_lead: int = 4
) -> tuple[pd.DataFrame, dict[tuple[str, str], DiffInTrends | None]]:
    """Difference in trends per indicator: all years, without 2020-2021 (COVID), and a placebo.

    The placebo uses only the years up to ``event_year`` and pretends the event happened
    ``placebo_lead`` years earlier: a bend of similar size there means the post-event bend is
    part of a longer change, not a response to the event. Returns the table (estimates in %
    a year) and the raw results keyed by (indicator, sample).
    """
    rows, results = [], {}
    fake = event_year - placebo_lead
    specs = (
        ("all years", event_year, (), None),
        ("without 2020–2021", event_year, (2020, 2021), None),
        (f"placebo: bend after {fake}, data to {event_year}", fake, (), event_year),
    )
    for code in SANCTION_CODES:
        sub = panel[panel["indicator"] == code]
        for label, event, excluded, last in specs:
            data = sub if last is None else sub[sub["year"] <= last]
            res = difference_in_trends(data, country, peers, event, exclude_years=excluded)
            results[(code, label if not label.startswith("placebo") else "placebo")] = res
            if res is None:
                rows.append(
                    {
                        "indicator": code,
                        "sample": label,
                        "estimate_pct": np.nan,
                        "ci_lower_pct": np.nan,
                        "ci_upper_pct": np.nan,
                        "p_value": np.nan,
                        "n_obs": 0,
                        "years": "–",
                        "country_change_pct": np.nan,
                        "peer_change_pct": np.nan,
                    }
                )
                continue
            rows.append(
                {
                    "indicator": code,
                    "sample": label,
                    "estimate_pct": res.pct(res.estimate),
                    "ci_lower_pct": res.pct(res.ci_lower),
                    "ci_upper_pct": res.pct(res.ci_upper),
                    "p_value": res.p_value,
                    "n_obs": res.n_obs,
                    "years": f"{res.years[0]}–{res.years[1]}",
                    "country_change_pct": res.pct(res.country_kink),
                    "peer_change_pct": res.pct(res.peer_kink),
                }
            )
    return pd.DataFrame(rows), results


# ---------------------------------------------------------------------------------------
# 6. Claims: helpers shared with imtrade.claims.checks.china_roadmap

CHAPTER = "china_roadmap"
SOURCE_FILES = ("002_china_roadmap.yml", "003_smart_manufacturing_blog.yml")


def working_age_summary(tidy: pd.DataFrame, geo: str, years: tuple[int, int]) -> dict[str, float]:
    """Peak and end of the 15-64 share, and the peak year of the working-age count.

    ``tidy`` holds SP.POP.1564.TO.ZS (% of population) and SP.POP.TOTL for ``geo``.
    Count = share / 100 x population.
    """
    w = (
        tidy[(tidy["iso3"] == geo) & tidy["year"].between(*years)]
        .pivot_table(index="year", columns="indicator", values="value")
        .dropna()
    )
    if w.empty or years[1] not in w.index:
        raise ValueError(f"no working-age data for {geo} in {years[1]}")
    share = w["SP.POP.1564.TO.ZS"]
    count = share / 100.0 * w["SP.POP.TOTL"]
    return {
        "share_peak": float(share.max()),
        "share_peak_year": int(share.idxmax()),
        "share_end": float(share.loc[years[1]]),
        "share_drop": float(share.max() - share.loc[years[1]]),
        "count_peak_year": int(count.idxmax()),
        "count_peak": float(count.max()),
        "end_year": int(years[1]),
    }


def scale_vs_sophistication(
    mva: pd.DataFrame, tech: pd.DataFrame, geo: str, peers: Sequence[str], year: int
) -> dict[str, Any]:
    """Share of world MVA of ``geo`` and its medium/high-tech share against the peers' mean.

    ``mva``: NV.IND.MANF.CD for ``geo`` and WLD; ``tech``: a medium/high-tech share series
    for ``geo`` and ``peers``. Everything in ``year``.
    """
    share = world_share(mva)
    world_pct = share.loc[(share["iso3"] == geo) & (share["year"] == year), "value"]
    t = tech[tech["year"] == year].set_index("iso3")["value"]
    missing = [c for c in [geo, *peers] if c not in t.index]
    if world_pct.empty or missing:
        raise ValueError(
            f"missing data in {year}: " + ", ".join(missing + ([] if len(world_pct) else [f"{geo} share of world MVA"]))
        )
    peer_mean = float(t.loc[list(peers)].mean())
    return {
        "world_share": float(world_pct.iloc[0]),
        "tech_share": float(t[geo]),
        "peer_mean": peer_mean,
        "tech_gap": peer_mean - float(t[geo]),
        "peer_values": {c: float(t[c]) for c in peers},
    }


def claims_by_source() -> pd.DataFrame:
    """Every entry of this chapter's claims files: id, paraphrase, check or not-checkable reason.

    The entries as written (:func:`imtrade.claims.register_entries`), so entries whose check
    is not yet registered are listed too.
    """
    from imtrade.claims import register_entries

    rows = [
        {
            "id": raw["id"],
            "source": raw["source"].split("_")[0],
            "claim": " ".join(str(raw["claim"]).split()),
            "claimed": raw.get("claimed") or {},
            "check": raw.get("check"),
            "not_checkable": " ".join(str(raw.get("not_checkable") or "").split()),
        }
        for raw in register_entries(SOURCE_FILES)
    ]
    return pd.DataFrame(rows)


SURVEY_IDS = (
    "c002-survey-interest-73pct",
    "c002-projects-productivity-34pct",
    "c002-projects-energy-efficiency-17pct",
    "c002-projects-overhead-cost-22pct",
    "c002-projects-rd-cycle-32pct",
    "c002-projects-defect-rate-29pct",
    "c002-coastal-intelligent-investment-70pct",
)


def survey_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """The text's survey and project figures, with the verdict 'not checkable' and the reason."""
    from imtrade.claims import Claim

    sub = claims[claims["id"].isin(SURVEY_IDS)]
    rows = []
    for r in sub.itertuples():
        claimed = Claim(r.id, "", "", r.claim, "quantitative", r.claimed, None, "", CHAPTER, None).claimed_text()
        rows.append(
            {
                "Claim (paraphrased)": r.claim,
                "Claimed": claimed,
                "Verdict": "not checkable",
                "Why public data cannot check it": r.not_checkable,
            }
        )
    return pd.DataFrame(rows)


def pending_claims(claims: pd.DataFrame, problems: dict[str, list[str]]) -> pd.DataFrame:
    """Entries of this chapter's files that the register cannot evaluate yet (e.g. a check not yet registered)."""
    sub = claims[claims["id"].isin(problems)]
    return pd.DataFrame(
        {
            "id": sub["id"],
            "claim": sub["claim"],
            "check": sub["check"],
            "problem": ["; ".join(problems[i]) for i in sub["id"]],
        }
    )


# ---------------------------------------------------------------------------------------
# Prose that depends on the parameters (glued by the chapter)


# ---------------------------------------------------------------------------------------
# Tables as shown on the page


def indicator_label(code: str) -> str:
    """The dashboard label of an indicator code (or a short label for the sanctions series)."""
    ind = next((d for d in DASHBOARD if d.code == code), None)
    return (
        ind.label
        if ind
        else {"TX.VAL.TECH.CD": "High-technology exports", "BM.GSR.ROYL.CD": "Charges paid for the use of IP"}.get(
            code, code
        )
    )


def researcher_break(frame: pd.DataFrame, iso3: str = "CHN", years: tuple[int, int] = (2008, 2009)) -> float:
    """Percent change of researchers per million between two years (the 2008-2009 jump in China's series)."""
    s = frame[(frame["indicator"] == "SP.POP.SCIE.RD.P6") & (frame["iso3"] == iso3)].set_index("year")["value"]
    return percent_change(s, *years)
