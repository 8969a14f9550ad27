"""Chapter "China's roadmap": computations (source texts 002 and 003).

Source text 002 sets out China's intelligent-manufacturing roadmap (three paradigms pursued in
parallel; goals for 2025, 2035 and 2045); source text 003, a 2018 blog post, adds that US
sanctions will only speed the roadmap up and quotes an IFR-attributed robot forecast. This
module measures where an economy stands on that path against peers and tests the forecasts:

* the roadmap timeline (curated table ``china_roadmap_milestones``);
* a dashboard of nine indicators (World Bank WDI, WDI bulk files, UN SDG database);
* log-linear or linear trend projections with 95 % prediction intervals and the year in
  which the economy would reach each peer's trend (parametric bootstrap);
* the blog's robot forecast against IFR's recorded installations (curated, by edition);
* a difference-in-trends estimate around the 2018 US measures;
* helpers used by the chapter's claim checks (working-age population, scale vs
  sophistication, robot figures by edition).

Pure computations take tidy frames (``indicator, iso3, year, value``) so that the claim checks
and the tests can call them on frames they load or build themselves; ``load_*`` functions do
the I/O and ``plot_*`` functions draw the figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..api import load_entities, load_indicators
from ..exceptions import ParameterError, UnknownIndicatorError
from ..validators import check_countries, check_vintage

SEED = 20180415  # fixed seed of the crossing-year bootstrap (date of the ZTE order: any fixed value would do)
N_DRAWS = 4000  # bootstrap draws per country pair
ALPHA = 0.05  # 95 % intervals throughout
MIN_FIT_POINTS = 6  # fewer annual observations in the fit window: no trend is fitted
MIN_POST_YEARS = 2  # difference in trends needs at least this many years after the event


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
        raise ParameterError(f"parameter 'projection_end' must be between 2025 and 2060, got {params['projection_end']}")
    if not 1990 <= params["fit_start"] <= 2016:
        raise ParameterError(f"parameter 'fit_start' must be between 1990 and 2016 (a trend needs years of data), got {params['fit_start']}")
    if not 2010 <= params["event_year"] <= 2021:
        raise ParameterError(f"parameter 'event_year' must be between 2010 and 2021 (years of data on both sides), got {params['event_year']}")
    unknown = [c for c in params["projected"] if c not in TREND_MODELS]
    if unknown or not params["projected"]:
        raise ParameterError(
            f"parameter 'projected' must list indicator codes with a declared trend model, got {params['projected']}",
            fix=f"choose from {', '.join(TREND_MODELS)}",
        )


def economy_name(code: str) -> str:
    """Short English name of an economy for prose and legends (entity table name)."""
    short = {"KOR": "Korea", "USA": "United States", "RUS": "Russia", "IRN": "Iran", "EGY": "Egypt", "VNM": "Viet Nam"}
    if code in short:
        return short[code]
    table = load_entities()
    match = table.loc[table["iso3"] == code, "name"]
    return str(match.iloc[0]) if len(match) else code


# ---------------------------------------------------------------------------------------
# 1. The roadmap timeline

_DATE_IN_LABEL = re.compile(r"\((\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\)")
_MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}


def decimal_date(label: str, year: float) -> float:
    """Position of a dated item on a year axis: ``(5 Mar 2015)`` in its label -> 2015.17.

    Labels without a day-month-year date are placed at mid-year (``year + 0.5``).
    """
    match = _DATE_IN_LABEL.search(label)
    if not match:
        return float(year) + 0.5
    day, month, yr = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    day_of_year = pd.Timestamp(year=yr, month=month, day=day).dayofyear
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


def milestone_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """The milestones as shown and downloaded: year, kind, label, description, citation, url."""
    year = milestones.apply(
        lambda r: ("≈" if r["approximate"] else "") + str(int(r["start_year"] if pd.notna(r["start_year"]) else r["end_year"])), axis=1
    )
    order = {"paradigm": 0, "goal": 3, "policy": 1, "event": 2}
    out = milestones.assign(year=year, _order=milestones["kind"].map(order)).sort_values(["_order", "when"], kind="stable")
    return out[["year", "kind", "label", "description", "citation", "url", "verified_primary"]].reset_index(drop=True)


def plot_roadmap_timeline(milestones: pd.DataFrame, *, end: int = 2045):
    """Two-panel timeline: paradigm eras and goals (1950-``end``), then 2015-2018 in detail.

    Approximate anchor years are drawn with a hatched lead-in and a '≈' label.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from ..figures import BENCHMARK_GREY, OKABE_ITO

    paradigms = milestones[milestones["kind"] == "paradigm"].sort_values("when", ascending=False)
    goals = milestones[milestones["kind"] == "goal"].sort_values("when")
    dated = milestones[milestones["kind"].isin(["policy", "event"])].sort_values("when", ascending=False)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9.0, 7.2), gridspec_kw={"height_ratios": [len(paradigms) + 1.2, len(dated) + 0.5]})
    # Eras: bars from the anchor year to the end of the roadmap (the paradigms run in parallel).
    colours = [OKABE_ITO[i] for i in (0, 5, 2, 3)]
    for y, (row, colour) in enumerate(zip(paradigms.itertuples(), colours * 2, strict=False)):
        start = row.start_year
        top.barh(y, end - start, left=start, height=0.55, color=colour, alpha=0.85, edgecolor="white")
        if row.approximate:
            top.barh(y, 4, left=start - 4, height=0.55, color="white", edgecolor=colour, hatch="////", linewidth=0.8)
        top.text(start - (5 if row.approximate else 1), y, ("≈" if row.approximate else "") + str(int(start)), ha="right", va="center", fontsize=9)
    top.set_yticks(range(len(paradigms)), [_wrap(label, 34) for label in paradigms["label"]], fontsize=9)
    for row in goals.itertuples():
        top.axvline(row.when, color="#222222", linestyle="--", linewidth=1.1)
        top.annotate(_wrap(row.label, 16), xy=(row.when, 1.0), xycoords=("data", "axes fraction"), xytext=(-3, -3),
                     textcoords="offset points", ha="right", va="top", fontsize=8, color="#222222")
    top.axvspan(2015, 2019, color=BENCHMARK_GREY, alpha=0.18, linewidth=0)
    top.annotate("detail\nbelow", xy=(2017, -0.6), ha="center", va="top", fontsize=7, color="#444444", annotation_clip=False)
    top.set_xlim(1945, end + 3)
    top.set_ylim(-0.7, len(paradigms) - 0.3 + 0.9)
    top.set_xlabel("Year (bars: paradigm from its anchor year on; dashed lines: roadmap goals)")
    top.grid(axis="y", visible=False)

    # Dated policies (China) and events (US measures), 2015-2018.
    style = {"policy": dict(marker="o", color=OKABE_ITO[0]), "event": dict(marker="^", color=OKABE_ITO[3])}
    for y, row in enumerate(dated.itertuples()):
        s = style[row.kind]
        bottom.plot([row.when], [y], linestyle="none", markersize=8, **s)
        bottom.hlines(y, 2015, row.when, color=s["color"], linewidth=0.6, alpha=0.5)
    bottom.set_yticks(range(len(dated)), [_wrap(label, 52) for label in dated["label"]], fontsize=8)
    bottom.set_xlim(2015, 2019)
    bottom.set_xticks([2015, 2016, 2017, 2018, 2019])
    bottom.set_xlabel("Date (tick = 1 January)")
    bottom.legend(
        handles=[Line2D([], [], linestyle="none", markersize=8, label=lab, **style[k]) for k, lab in (("policy", "Chinese policy"), ("event", "US measure or event"))],
        loc="lower right", fontsize=8,
    )
    bottom.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


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


TECH_SHARE_WDI = "NV.MNF.TECH.ZS.UN"
TECH_SHARE_SDG = "NV_IND_TECH"

DASHBOARD: tuple[Indicator, ...] = (
    Indicator("mva_share", "NV.IND.MANF.CD", "Share of world manufacturing value added", "% of world MVA",
              "WDI bulk file NV.IND.MANF.CD, economy / WLD",
              note="The bulk file was re-saved with values rounded to 3 significant digits: fine for shares, not for levels."),
    Indicator("tech_share", TECH_SHARE_WDI, "Medium- and high-tech share of manufacturing value added", "% of MVA",
              "WDI NV.MNF.TECH.ZS.UN (UNIDO)"),
    Indicator("rd", "GB.XPD.RSDV.GD.ZS", "R&D expenditure", "% of GDP", "WDI GB.XPD.RSDV.GD.ZS"),
    Indicator("researchers", "SP.POP.SCIE.RD.P6", "Researchers in R&D", "per million people", "WDI SP.POP.SCIE.RD.P6"),
    Indicator("patents", "IP.PAT.RESD", "Patent applications by residents", "thousands (log scale)", "WDI IP.PAT.RESD",
              scale=1e-3, log_scale=True),
    Indicator("hightech_exports", "TX.VAL.TECH.MF.ZS", "High-technology exports", "% of manufactured exports",
              "WDI TX.VAL.TECH.MF.ZS", note="Re-based definition from 2007; earlier vintages use the old SITC-based series."),
    Indicator("ict_services", "BX.GSR.CCIS.CD", "ICT service exports", "US$ billion, current (log scale)",
              "WDI bulk file BX.GSR.CCIS.CD", scale=1e-9, log_scale=True),
    Indicator("broadband", "IT.NET.BBND.P2", "Fixed broadband subscriptions", "per 100 people", "WDI IT.NET.BBND.P2"),
    Indicator("lpi", "LP.LPI.OVRL.XQ", "Logistics Performance Index", "score, 1 (low) to 5 (high)", "WDI LP.LPI.OVRL.XQ",
              note="Survey-based; published for 2007, 2010, 2012, 2014, 2016, 2018, 2023 (irregular years)."),
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
        return Indicator("tech_share", TECH_SHARE_SDG, "Medium- and high-tech share of manufacturing value added", "% of MVA",
                         "UN SDG database NV_IND_TECH (UNIDO, 2020-10-19)",
                         note="This WDI vintage has no NV.MNF.TECH.ZS.UN; the UN SDG release of the UNIDO series is used instead.")


def world_share(tidy: pd.DataFrame, world: str = "WLD") -> pd.DataFrame:
    """Each economy's value as % of the world value of the same year (tidy in, tidy out).

    Rows of ``world`` itself are dropped; years without a world value are dropped.
    """
    totals = tidy.loc[tidy["iso3"] == world].set_index("year")["value"]
    out = tidy.loc[tidy["iso3"] != world].copy()
    out["value"] = 100.0 * out["value"] / out["year"].map(totals)
    return out.dropna(subset=["value"]).reset_index(drop=True)


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
            if ind.key == "mva_share":
                tidy = world_share(load_indicators([ind.code], countries=[*economies, "WLD"], vintage=vintage))
            else:
                tidy = load_indicators([ind.code], countries=economies, vintage=vintage)
        except UnknownIndicatorError:
            continue
        tidy = tidy.assign(key=ind.key, value=tidy["value"] * ind.scale)
        frames.append(tidy[["key", "indicator", "iso3", "year", "value"]])
        used.append(ind)
    return pd.concat(frames, ignore_index=True).dropna(subset=["value"]), used


def latest_values(frame: pd.DataFrame, indicators: Sequence[Indicator], economies: Sequence[str], country: str) -> pd.DataFrame:
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
            rows.append({
                "key": ind.key, "indicator": ind.code, "label": ind.label, "unit": ind.unit.replace(" (log scale)", ""), "iso3": code,
                "year": int(hit["year"].iloc[0]) if len(hit) else np.nan, "value": float(hit["value"].iloc[0]) if len(hit) else np.nan,
                "rank": rank if code == country else np.nan, "n_ranked": n_ranked if code == country else np.nan,
                "rank_year": rank_year if code == country else np.nan,
            })
    return pd.DataFrame(rows)


def dashboard_display(latest: pd.DataFrame, economies: Sequence[str], country: str) -> pd.DataFrame:
    """The latest-values table for the page: one row per indicator, 'value (year)' per economy."""
    def fmt(value: float, year: float) -> str:
        if pd.isna(value):
            return "–"
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
        return f"{value:,.{digits}f} ({int(year)})"

    rows = []
    for _key, sub in latest.groupby("key", sort=False):
        sub = sub.set_index("iso3")
        row = {"Indicator": sub["label"].iloc[0], "Unit": sub["unit"].iloc[0]}
        for code in economies:
            row[code] = fmt(sub.loc[code, "value"], sub.loc[code, "year"])
        r = sub.loc[country]
        row[f"{country} rank"] = f"{int(r['rank'])} of {int(r['n_ranked'])} ({int(r['rank_year'])})" if pd.notna(r["rank"]) else "–"
        rows.append(row)
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
            rows.append({"key": key, "iso3": code, "value": float(values[-1]), "since": int(years[-run]), "until": int(years[-1]), "run": run})
    return pd.DataFrame(rows, columns=["key", "iso3", "value", "since", "until", "run"])


def plot_dashboard(frame: pd.DataFrame, indicators: Sequence[Indicator], economies: Sequence[str], *, milestones: Iterable[int] = (), start_year: int = 2000):
    """Small multiples (3 x 3): one panel per indicator, one line per economy."""
    import matplotlib.pyplot as plt

    from ..figures import country_styles, mark_year

    styles = country_styles(list(economies), benchmark=())
    fig, axes = plt.subplots(3, 3, figsize=(11.0, 9.6), sharex=True)
    letters = "abcdefghi"
    for i, (ax, ind) in enumerate(zip(axes.flat, indicators, strict=False)):
        sub = frame[(frame["key"] == ind.key) & (frame["year"] >= start_year)]
        sparse = ind.key == "lpi"
        for code in economies:
            s = sub[sub["iso3"] == code].sort_values("year")
            if s.empty:
                continue
            st = styles[code]
            ax.plot(s["year"], s["value"], color=st["color"], linestyle=st["linestyle"], marker=st["marker"],
                    markersize=4 if sparse else 3, markevery=1 if sparse else 4, linewidth=2.0 if code == economies[0] else 1.3, label=code)
        if ind.log_scale:
            ax.set_yscale("log")
        ax.set_title(f"({letters[i]}) {_wrap(ind.label, 40)}", loc="left", fontsize=9.5)
        ax.set_ylabel(_wrap(ind.unit, 26), fontsize=8.5)
        ax.tick_params(labelsize=8)
        if ind.key == "hightech_exports" and sub["year"].min() <= 2008:
            mark_year(ax, 2007, "2007 def.")
        lo, hi = ax.get_xlim()
        for year in milestones:
            if start_year <= year <= frame["year"].max():
                ax.axvline(year, color="#999999", linestyle=":", linewidth=0.9)
        ax.set_xlim(lo, hi)
    for ax in axes.flat[len(indicators):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("Year", fontsize=9)
    handles, labels = axes.flat[2].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(economies), bbox_to_anchor=(0.5, 1.02), fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    return fig


# ---------------------------------------------------------------------------------------
# 3. Catch-up projections

TREND_MODELS: dict[str, tuple[str, str]] = {
    # code: (model, why)
    "GB.XPD.RSDV.GD.ZS": ("linear", "a share of GDP is bounded and has risen by roughly constant points a year; a log-linear trend would make the point increases accelerate"),
    "SP.POP.SCIE.RD.P6": ("log", "a head count per million people grows multiplicatively, so a constant growth rate (log-linear) is the natural trend"),
    "IT.NET.BBND.P2": ("linear", "subscriptions per 100 people rise by roughly constant amounts; neither form can saturate, so long projections overstate"),
    "TX.VAL.TECH.MF.ZS": ("linear", "a share of manufactured exports is bounded; a linear trend in points"),
    "IP.PAT.RESD": ("log", "a count of applications grows multiplicatively (log-linear)"),
    "NV.MNF.TECH.ZS.UN": ("linear", "a share of value added is bounded; a linear trend in points"),
}


@dataclass(frozen=True)
class TrendFit:
    """An OLS trend of one series: ``f(value) = a + b (year - base)``, f = identity or log."""

    iso3: str
    indicator: str
    model: str  # "linear" or "log"
    base: int  # year subtracted from the regressor (numerical stability)
    params: np.ndarray  # (a, b)
    cov: np.ndarray  # 2 x 2 covariance of (a, b)
    sigma: float  # residual standard deviation
    df_resid: int
    n: int
    first_year: int
    last_year: int
    last_value: float
    durbin_watson: float
    result: Any = field(repr=False, compare=False, default=None)

    @property
    def growth(self) -> float:
        """Slope in display units: points a year (linear) or % a year (log)."""
        b = float(self.params[1])
        return 100.0 * math.expm1(b) if self.model == "log" else b


def fit_trend(years: Sequence[int], values: Sequence[float], model: str, *, iso3: str = "", indicator: str = "", base: int = 2000) -> TrendFit:
    """Fit a linear or log-linear time trend by OLS.

    Parameters
    ----------
    years, values : the observations (annual; missing years are simply absent).
    model : ``"linear"`` (value = a + b t) or ``"log"`` (log value = a + b t).
    base : t = year - base.

    Returns
    -------
    TrendFit

    Notes
    -----
    OLS of :math:`f(y_t) = a + b\\,(t - t_0) + e_t` with :math:`f` the identity or the natural
    log. The intervals of :func:`predict_trend` assume independent, homoscedastic errors;
    annual macro series are usually autocorrelated (the Durbin-Watson statistic is kept so
    the reader can see it), in which case the intervals are too narrow.
    """
    import statsmodels.api as sm
    from statsmodels.stats.stattools import durbin_watson

    if model not in ("linear", "log"):
        raise ValueError(f"model must be 'linear' or 'log', got {model!r}")
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(y) & (y > 0 if model == "log" else True)
    x, y = x[keep], y[keep]
    if len(x) < 3:
        raise ValueError(f"need at least 3 observations to fit a trend, got {len(x)}")
    order = np.argsort(x)
    x, y = x[order], y[order]
    target = np.log(y) if model == "log" else y
    result = sm.OLS(target, sm.add_constant(x - base)).fit()
    return TrendFit(
        iso3=iso3, indicator=indicator, model=model, base=base, params=np.asarray(result.params), cov=np.asarray(result.cov_params()),
        sigma=float(np.sqrt(result.scale)), df_resid=int(result.df_resid), n=len(x), first_year=int(x[0]), last_year=int(x[-1]),
        last_value=float(y[-1]), durbin_watson=float(durbin_watson(result.resid)), result=result,
    )


def predict_trend(fit: TrendFit, years: Sequence[int], alpha: float = ALPHA) -> pd.DataFrame:
    """Trend values with (1 - alpha) confidence and prediction intervals, in the series' units.

    Returns columns ``year, mean, ci_lower, ci_upper, pi_lower, pi_upper``. For log-linear
    fits the bounds are exponentiated (the 'mean' is then the median of the log-normal).

    Notes
    -----
    Prediction interval at :math:`x_0`: :math:`\\hat y_0 \\pm t_{1-\\alpha/2, n-2}\\,
    \\sqrt{\\hat\\sigma^2 + x_0^\\top \\hat V x_0}` (e.g. Wooldridge, *Introductory
    Econometrics*, ch. 6.4); the confidence interval of the trend omits :math:`\\hat\\sigma^2`.
    """
    x = np.asarray(years, dtype=float) - fit.base
    exog = np.column_stack([np.ones_like(x), x])
    frame = fit.result.get_prediction(exog).summary_frame(alpha=alpha)
    out = pd.DataFrame({
        "year": np.asarray(years, dtype=int), "mean": frame["mean"].to_numpy(),
        "ci_lower": frame["mean_ci_lower"].to_numpy(), "ci_upper": frame["mean_ci_upper"].to_numpy(),
        "pi_lower": frame["obs_ci_lower"].to_numpy(), "pi_upper": frame["obs_ci_upper"].to_numpy(),
    })
    if fit.model == "log":
        for column in ("mean", "ci_lower", "ci_upper", "pi_lower", "pi_upper"):
            out[column] = np.exp(out[column])
    return out


@dataclass(frozen=True)
class Crossing:
    """When the focus economy's trend reaches a peer's trend (see :func:`crossing_year`)."""

    status: str  # "already ahead", "catches up", "not by horizon", "diverging", "too few data"
    median: float  # median crossing year over the draws (inf if most draws never cross)
    lower: float  # 2.5th percentile (floored at the latest data year)
    upper: float  # 97.5th percentile (inf if beyond every finite draw)
    share_by_horizon: float  # share of draws crossing by the horizon
    ahead_year: int | None = None  # for "already ahead": the year compared


def crossing_year(country: TrendFit, peer: TrendFit, horizon: int, *, n_draws: int = N_DRAWS, seed: int = SEED, alpha: float = ALPHA) -> Crossing:
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


def trend_fits(frame: pd.DataFrame, codes: Sequence[str], economies: Sequence[str], fit_start: int) -> dict[tuple[str, str], TrendFit]:
    """One :class:`TrendFit` per (indicator, economy) with enough data from ``fit_start`` on.

    ``frame`` is tidy (``indicator, iso3, year, value``); the model per indicator is
    :data:`TREND_MODELS`.
    """
    fits = {}
    for code in codes:
        model = TREND_MODELS[code][0]
        for iso3 in economies:
            s = frame[(frame["indicator"] == code) & (frame["iso3"] == iso3) & (frame["year"] >= fit_start)].dropna(subset=["value"])
            if len(s) >= MIN_FIT_POINTS:
                fits[(code, iso3)] = fit_trend(s["year"], s["value"], model, iso3=iso3, indicator=code)
    return fits


def catch_up_table(fits: dict[tuple[str, str], TrendFit], codes: Sequence[str], country: str, peers: Sequence[str], horizon: int) -> pd.DataFrame:
    """One row per indicator and peer: the crossing status, year and 95 % range."""
    rows = []
    for code in codes:
        for peer in peers:
            c, p = fits.get((code, country)), fits.get((code, peer))
            row = {"indicator": code, "model": TREND_MODELS[code][0], "peer": peer}
            if c is None or p is None:
                rows.append({**row, "status": "too few data", "median": np.nan, "lower": np.nan, "upper": np.nan, "share_by_horizon": np.nan,
                             "country_growth": c.growth if c else np.nan, "peer_growth": p.growth if p else np.nan})
                continue
            x = crossing_year(c, p, horizon)
            rows.append({**row, "status": x.status, "median": x.median, "lower": x.lower, "upper": x.upper, "share_by_horizon": x.share_by_horizon,
                         "country_growth": c.growth, "peer_growth": p.growth})
    return pd.DataFrame(rows)


def describe_crossing(row: pd.Series | dict, horizon: int) -> str:
    """Plain-language reading of one crossing row, e.g. 'about 2031 (95 % range 2029–2034)'."""
    status = row["status"]
    if status == "already ahead":
        return "already ahead"
    if status == "too few data":
        return "too few data to fit a trend"
    if status == "diverging":
        return f"not on current trends (gap widening; {100 * row['share_by_horizon']:.0f} % of draws cross by {horizon})"
    lower = f"{row['lower']:.0f}"
    upper = f"{row['upper']:.0f}" if np.isfinite(row["upper"]) and row["upper"] <= horizon else f"after {horizon}"
    if status == "not by horizon":
        return f"not by {horizon} ({100 * row['share_by_horizon']:.0f} % of draws cross by then; 95 % range from {lower})"
    return f"about {row['median']:.0f} (95 % range {lower}–{upper})"


def projection_frame(fits: dict[tuple[str, str], TrendFit], horizon: int, alpha: float = ALPHA) -> pd.DataFrame:
    """Fitted and projected values with 95 % intervals for every fit, from its first year to ``horizon``."""
    frames = []
    for (code, iso3), fit in fits.items():
        years = list(range(fit.first_year, horizon + 1))
        frames.append(predict_trend(fit, years, alpha).assign(indicator=code, iso3=iso3, projected=lambda d, f=fit: d["year"] > f.last_year))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def milestone_projections(projections: pd.DataFrame, milestones: Iterable[int]) -> pd.DataFrame:
    """Projected values at the milestone years that lie after the data (with 95 % PI)."""
    sub = projections[projections["year"].isin(list(milestones)) & projections["projected"]]
    return sub[["indicator", "iso3", "year", "mean", "pi_lower", "pi_upper"]].reset_index(drop=True)


def fit_summary(fits: dict[tuple[str, str], TrendFit]) -> pd.DataFrame:
    """One row per fit: window, N, slope (points or % a year) with 95 % CI, residual SD, Durbin-Watson."""
    rows = []
    for (code, iso3), fit in fits.items():
        lo, hi = fit.result.conf_int(ALPHA)[1]
        to_display = (lambda b: 100.0 * math.expm1(b)) if fit.model == "log" else (lambda b: b)
        rows.append({"indicator": code, "iso3": iso3, "model": fit.model, "years": f"{fit.first_year}–{fit.last_year}", "n": fit.n,
                     "growth": fit.growth, "growth_lower": to_display(lo), "growth_upper": to_display(hi),
                     "growth_unit": "% a year" if fit.model == "log" else "points a year", "durbin_watson": fit.durbin_watson})
    return pd.DataFrame(rows)


def plot_projections(frame: pd.DataFrame, projections: pd.DataFrame, codes: Sequence[str], economies: Sequence[str], *, milestones: Iterable[int] = (), fit_start: int = 2009):
    """One panel per projected indicator: observations, trend, projection with 95 % prediction band."""
    import matplotlib.pyplot as plt

    from ..figures import country_styles

    styles = country_styles(list(economies), benchmark=())
    fig, axes = plt.subplots(1, len(codes), figsize=(3.9 * len(codes), 4.3), squeeze=False)
    letters = "abcdefgh"
    for i, (ax, code) in enumerate(zip(axes[0], codes, strict=True)):
        ind = next((d for d in DASHBOARD if d.code == code), None)
        label, unit = (ind.label, ind.unit.replace(" (log scale)", "")) if ind else (code, "")
        for iso3 in economies:
            st = styles[iso3]
            obs = frame[(frame["indicator"] == code) & (frame["iso3"] == iso3) & (frame["year"] >= fit_start)]
            ax.plot(obs["year"], obs["value"], linestyle="none", marker=st["marker"], markersize=3.2, color=st["color"], alpha=0.8)
            proj = projections[(projections["indicator"] == code) & (projections["iso3"] == iso3)]
            if proj.empty:
                continue
            fitted, ahead = proj[~proj["projected"]], proj[proj["projected"]]
            ax.plot(fitted["year"], fitted["mean"], color=st["color"], linestyle="-", linewidth=1.8 if iso3 == economies[0] else 1.1)
            ax.plot(ahead["year"], ahead["mean"], color=st["color"], linestyle=st["linestyle"] if st["linestyle"] != "-" else "--",
                    linewidth=1.8 if iso3 == economies[0] else 1.1, label=iso3)
            ax.fill_between(ahead["year"], ahead["pi_lower"], ahead["pi_upper"], color=st["color"], alpha=0.22 if iso3 == economies[0] else 0.10, linewidth=0)
        if TREND_MODELS[code][0] == "log":
            ax.set_yscale("log")
        for year in milestones:
            if ax.get_xlim()[0] <= year <= ax.get_xlim()[1]:
                ax.axvline(year, color="#999999", linestyle=":", linewidth=0.9)
        model = "log-linear" if TREND_MODELS[code][0] == "log" else "linear"
        ax.set_title(f"({letters[i]}) {_wrap(label, 30)}, {model}", loc="left", fontsize=9.5)
        ax.set_ylabel(unit + (" (log scale)" if TREND_MODELS[code][0] == "log" else ""), fontsize=9)
        ax.set_xlabel("Year", fontsize=9)
        ax.tick_params(labelsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(economies), bbox_to_anchor=(0.5, 1.04), fontsize=9)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------
# 4. Robots: the blog's forecast against IFR's recorded installations


def robot_rows(table: pd.DataFrame, measure: str = "installations") -> pd.DataFrame:
    """The curated IFR rows of one measure, with ``edition_year`` and ``preliminary`` added.

    ``edition_year`` is the latest four-digit year named in ``report_edition`` (the year the
    figure was published); ``preliminary`` is True when the edition says so. ``iso3`` is ''
    for regions and sector subsets, which are never compared with economies.
    """
    rows = table[table["measure"] == measure].copy()
    rows["iso3"] = rows["iso3"].fillna("").astype(str)
    rows["year"] = pd.to_numeric(rows["year"]).astype(int)
    rows["value"] = pd.to_numeric(rows["value"]).astype(float)
    rows["edition_year"] = rows["report_edition"].map(lambda s: max(int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", str(s))) if re.search(r"20\d\d", str(s)) else 0)
    rows["preliminary"] = rows["report_edition"].str.contains("preliminary", case=False)
    rows["order"] = range(len(rows))
    return rows.reset_index(drop=True)


def select_editions(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (iso3, year): the latest final edition, else the latest preliminary one.

    Ties (two rows of the same edition, e.g. a CONFLICT between reposts) keep the first row
    of the curated file (its lead row). Adds ``only_preliminary`` for years with no final row.
    """
    ranked = rows.sort_values(["iso3", "year", "preliminary", "edition_year", "order"], ascending=[True, True, True, False, True], kind="stable")
    chosen = ranked.groupby(["iso3", "year"], sort=True).head(1).copy()
    chosen["only_preliminary"] = chosen["preliminary"]
    return chosen.reset_index(drop=True)


def robot_value(rows: pd.DataFrame, iso3: str, year: int, edition: str | None = None) -> pd.Series:
    """The selected row of ``iso3`` in ``year`` (or the row of a named edition).

    Raises
    ------
    KeyError if there is no such row.
    """
    if edition is not None:
        hit = rows[(rows["iso3"] == iso3) & (rows["year"] == year) & (rows["report_edition"] == edition)]
    else:
        hit = select_editions(rows[(rows["iso3"] == iso3) & (rows["year"] == year)])
    if hit.empty:
        raise KeyError(f"no curated IFR row for {iso3} {year}" + (f" in {edition}" if edition else ""))
    return hit.iloc[0]


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth rate in percent: ``100 ((end / start)^(1 / years) - 1)``."""
    if start_value <= 0 or end_value <= 0 or years <= 0:
        raise ValueError("cagr needs positive values and a positive number of years")
    return 100.0 * ((end_value / start_value) ** (1.0 / years) - 1.0)


def compound(start_value: float, rate_pct: float, years: float) -> float:
    """``start_value`` grown at ``rate_pct`` % a year for ``years`` years."""
    return start_value * (1.0 + rate_pct / 100.0) ** years


def forecast_arithmetic(base_value: float, base_year: int, target_year: int, claimed_value: float, rates: dict[str, float], actual: float) -> pd.DataFrame:
    """Where each growth rate leads from the base-year outturn, and its error against the actual.

    Returns rows ``path, rate_pct, value_target, error_pct`` where ``error_pct`` =
    100 (actual / value - 1) is the outturn's deviation from that path, plus a row for the
    growth rate the claimed level implies.
    """
    n = target_year - base_year
    rows = [{"path": name, "rate_pct": rate, "value_target": compound(base_value, rate, n)} for name, rate in rates.items()]
    rows.append({"path": "rate implied by the claimed level", "rate_pct": cagr(base_value, claimed_value, n), "value_target": claimed_value})
    rows.append({"path": "recorded outturn", "rate_pct": cagr(base_value, actual, n), "value_target": actual})
    out = pd.DataFrame(rows)
    out["error_pct"] = 100.0 * (actual / out["value_target"] - 1.0)
    return out


def plot_robot_forecast(rows: pd.DataFrame, iso3: str, base_year: int, target_year: int, claimed_value: float, claimed_rate: float, ifr_range: tuple[float, float]):
    """Recorded installations by edition, the forecast paths from the base-year outturn, the claimed level."""
    import matplotlib.pyplot as plt

    from ..figures import BENCHMARK_GREY, OKABE_ITO

    own = rows[rows["iso3"] == iso3]
    chosen = select_editions(own).sort_values("year")
    superseded = own[~own["order"].isin(chosen["order"])]
    base = robot_value(rows, iso3, base_year)["value"]
    years = np.arange(base_year, target_year + 1)
    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    final = chosen[~chosen["only_preliminary"]]
    prelim = chosen[chosen["only_preliminary"]]
    ax.plot(chosen["year"], chosen["value"] / 1e3, color=OKABE_ITO[0], linewidth=1.8, zorder=3)
    ax.plot(final["year"], final["value"] / 1e3, "o", color=OKABE_ITO[0], label="Recorded (latest final IFR edition)", zorder=4)
    if len(prelim):
        ax.plot(prelim["year"], prelim["value"] / 1e3, "o", markerfacecolor="white", color=OKABE_ITO[0], label="Recorded, preliminary only", zorder=4)
    if len(superseded):
        ax.plot(superseded["year"], superseded["value"] / 1e3, "x", color=BENCHMARK_GREY, label="Other editions (revised/preliminary)", zorder=4)
    lo, hi = ifr_range
    ax.fill_between(years, compound(base, lo, years - base_year) / 1e3, compound(base, hi, years - base_year) / 1e3, color=OKABE_ITO[2], alpha=0.25,
                    label=f"IFR 2017 outlook: {lo:g}–{hi:g} % a year", linewidth=0)
    ax.plot(years, compound(base, claimed_rate, years - base_year) / 1e3, linestyle="--", color=OKABE_ITO[3], label=f"{claimed_rate:g} % a year from the {base_year} outturn")
    ax.plot([target_year], [claimed_value / 1e3], marker="*", markersize=14, color=OKABE_ITO[3], linestyle="none", label=f"Blog's {target_year} figure ({claimed_value:,.0f})")
    ax.set_xlabel("Year")
    ax.set_ylabel("Industrial robots installed (thousand units)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8.5)
    fig.tight_layout()
    return fig


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


def difference_in_trends(tidy: pd.DataFrame, country: str, peers: Sequence[str], event_year: int, *, exclude_years: Iterable[int] = (), start_year: int | None = None, maxlags: int = 2) -> DiffInTrends | None:
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
    lo, hi = res.conf_int(ALPHA).loc[name]
    gamma = float(res.params["kink"]) if name != "kink" else 0.0
    delta = float(res.params[name])
    return DiffInTrends(
        indicator=str(tidy["indicator"].iloc[0]) if "indicator" in tidy and len(tidy) else "", estimate=delta, ci_lower=float(lo), ci_upper=float(hi),
        p_value=float(res.pvalues[name]), n_obs=int(res.nobs), n_economies=int(df["iso3"].nunique()),
        years=(int(df["year"].min()), int(df["year"].max())), post_years=int((own["year"] > event_year).sum()),
        country_kink=gamma + delta if name != "kink" else delta, peer_kink=gamma, excluded=tuple(sorted(exclude_years)),
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
        rows.append({"iso3": iso3, "first": first, "last": last,
                     "before": cagr(s[first], s[event_year], event_year - first), "after": cagr(s[event_year], s[last], last - event_year)})
    return pd.DataFrame(rows)


def load_sanctions_panel(economies: Sequence[str], vintage: str | None) -> pd.DataFrame:
    """High-tech exports and charges paid for the use of IP (current US$), tidy, 2007 on.

    2007 is the first year of the re-based high-tech series in current WDI vintages; the IP
    series starts there too so the two windows match.
    """
    return load_indicators(list(SANCTION_CODES), countries=list(economies), years=(2007, None), vintage=vintage)


def sanctions_table(panel: pd.DataFrame, country: str, peers: Sequence[str], event_year: int) -> tuple[pd.DataFrame, dict[tuple[str, str], DiffInTrends | None]]:
    """Difference in trends per indicator: all years, and without 2020-2021 (COVID).

    Returns the display/CSV table (estimates in % a year) and the raw results.
    """
    rows, results = [], {}
    specs = (("all years", ()), ("without 2020–2021", (2020, 2021)))
    for code in SANCTION_CODES:
        sub = panel[panel["indicator"] == code]
        for label, excluded in specs:
            res = difference_in_trends(sub, country, peers, event_year, exclude_years=excluded)
            results[(code, label)] = res
            if res is None:
                rows.append({"indicator": code, "sample": label, "estimate_pct": np.nan, "ci_lower_pct": np.nan, "ci_upper_pct": np.nan,
                             "p_value": np.nan, "n_obs": 0, "years": "–", "country_change_pct": np.nan, "peer_change_pct": np.nan})
                continue
            rows.append({"indicator": code, "sample": label, "estimate_pct": res.pct(res.estimate), "ci_lower_pct": res.pct(res.ci_lower),
                         "ci_upper_pct": res.pct(res.ci_upper), "p_value": res.p_value, "n_obs": res.n_obs, "years": f"{res.years[0]}–{res.years[1]}",
                         "country_change_pct": res.pct(res.country_kink), "peer_change_pct": res.pct(res.peer_kink)})
    return pd.DataFrame(rows), results


def plot_sanctions(panel: pd.DataFrame, economies: Sequence[str], event_year: int):
    """Two panels: high-tech exports and IP charges paid, index event_year = 100, log scale."""
    import matplotlib.pyplot as plt

    from ..figures import country_styles, mark_year

    styles = country_styles(list(economies), benchmark=())
    labels = {"TX.VAL.TECH.CD": "High-technology exports", "BM.GSR.ROYL.CD": "Charges paid for the use of\nforeign intellectual property"}
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.3), sharey=False)
    for i, (ax, code) in enumerate(zip(axes, SANCTION_CODES, strict=True)):
        sub = panel[panel["indicator"] == code]
        for iso3 in economies:
            s = sub[sub["iso3"] == iso3].set_index("year")["value"].sort_index()
            if event_year not in s.index:
                continue
            st = styles[iso3]
            ax.plot(s.index, 100 * s / s[event_year], color=st["color"], linestyle=st["linestyle"], marker=st["marker"], markevery=3, markersize=4,
                    linewidth=2.0 if iso3 == economies[0] else 1.2, label=iso3)
        ax.set_yscale("log")
        ax.axhline(100, color="#999999", linewidth=0.8)
        mark_year(ax, event_year, f" {event_year}: US measures")
        if sub["year"].max() >= 2020:
            mark_year(ax, 2020, " 2020: COVID-19", color="#777777")
            ax.annotate("", xy=(2020, 0.93), xycoords=("data", "axes fraction"))
        ax.set_title(f"({'ab'[i]}) {labels[code]}", loc="left", fontsize=9.5)
        ax.set_ylabel(f"Index, {event_year} = 100 (log scale)", fontsize=9)
        ax.set_xlabel("Year", fontsize=9)
        ax.tick_params(labelsize=8)
    handles, labs = axes[0].get_legend_handles_labels()
    fig.legend(handles, labs, loc="upper center", ncol=len(economies), bbox_to_anchor=(0.5, 1.05), fontsize=9)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------
# 6. Claims: helpers shared with imtrade.claims.checks.china_roadmap

CHAPTER = "china_roadmap"
SOURCE_FILES = ("002_china_roadmap.yml", "003_smart_manufacturing_blog.yml")


def working_age_summary(tidy: pd.DataFrame, geo: str, years: tuple[int, int]) -> dict[str, float]:
    """Peak and end of the 15-64 share, and the peak year of the working-age count.

    ``tidy`` holds SP.POP.1564.TO.ZS (% of population) and SP.POP.TOTL for ``geo``.
    Count = share / 100 x population.
    """
    w = tidy[(tidy["iso3"] == geo) & tidy["year"].between(*years)].pivot_table(index="year", columns="indicator", values="value").dropna()
    if w.empty or years[1] not in w.index:
        raise ValueError(f"no working-age data for {geo} in {years[1]}")
    share = w["SP.POP.1564.TO.ZS"]
    count = share / 100.0 * w["SP.POP.TOTL"]
    return {
        "share_peak": float(share.max()), "share_peak_year": int(share.idxmax()), "share_end": float(share.loc[years[1]]),
        "share_drop": float(share.max() - share.loc[years[1]]), "count_peak_year": int(count.idxmax()), "count_peak": float(count.max()),
        "end_year": int(years[1]),
    }


def scale_vs_sophistication(mva: pd.DataFrame, tech: pd.DataFrame, geo: str, peers: Sequence[str], year: int) -> dict[str, Any]:
    """Share of world MVA of ``geo`` and its medium/high-tech share against the peers' mean.

    ``mva``: NV.IND.MANF.CD for ``geo`` and WLD; ``tech``: a medium/high-tech share series
    for ``geo`` and ``peers``. Everything in ``year``.
    """
    share = world_share(mva)
    world_pct = share.loc[(share["iso3"] == geo) & (share["year"] == year), "value"]
    t = tech[tech["year"] == year].set_index("iso3")["value"]
    missing = [c for c in [geo, *peers] if c not in t.index]
    if world_pct.empty or missing:
        raise ValueError(f"missing data in {year}: " + ", ".join(missing + ([] if len(world_pct) else [f"{geo} share of world MVA"])))
    peer_mean = float(t.loc[list(peers)].mean())
    return {"world_share": float(world_pct.iloc[0]), "tech_share": float(t[geo]), "peer_mean": peer_mean, "tech_gap": peer_mean - float(t[geo]),
            "peer_values": {c: float(t[c]) for c in peers}}


def claims_by_source() -> pd.DataFrame:
    """Every entry of this chapter's claims files: id, paraphrase, check or not-checkable reason.

    Read straight from the YAML (so entries whose check is not yet registered are listed too).
    """
    import yaml

    from ..paths import project

    rows = []
    for name in SOURCE_FILES:
        for raw in yaml.safe_load((project().claims / name).read_text(encoding="utf-8")) or []:
            rows.append({"id": raw["id"], "source": raw["source"].split("_")[0], "claim": " ".join(str(raw["claim"]).split()),
                         "claimed": raw.get("claimed") or {}, "check": raw.get("check"), "not_checkable": " ".join(str(raw.get("not_checkable") or "").split())})
    return pd.DataFrame(rows)


SURVEY_IDS = (
    "c002-survey-interest-73pct", "c002-projects-productivity-34pct", "c002-projects-energy-efficiency-17pct",
    "c002-projects-overhead-cost-22pct", "c002-projects-rd-cycle-32pct", "c002-projects-defect-rate-29pct",
    "c002-coastal-intelligent-investment-70pct",
)


def survey_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """The text's survey and project figures, with the verdict 'not checkable' and the reason."""
    from ..claims import Claim

    sub = claims[claims["id"].isin(SURVEY_IDS)]
    rows = []
    for r in sub.itertuples():
        claimed = Claim(r.id, "", "", r.claim, "quantitative", r.claimed, None, "", CHAPTER, None).claimed_text()
        rows.append({"Claim (paraphrased)": r.claim, "Claimed": claimed, "Verdict": "not checkable", "Why public data cannot check it": r.not_checkable})
    return pd.DataFrame(rows)


def pending_claims(claims: pd.DataFrame, problems: dict[str, list[str]]) -> pd.DataFrame:
    """Entries of this chapter's files that the register cannot evaluate yet (e.g. a check not yet registered)."""
    sub = claims[claims["id"].isin(problems)]
    return pd.DataFrame({"id": sub["id"], "claim": sub["claim"], "check": sub["check"], "problem": ["; ".join(problems[i]) for i in sub["id"]]})


# ---------------------------------------------------------------------------------------
# Prose that depends on the parameters (glued by the chapter)


def names_phrase(codes: Sequence[str]) -> str:
    """'the United States, Germany, Japan and Korea' style list of economy names."""
    from ..report import join_names

    names = [economy_name(c) for c in codes]
    return join_names([f"the {n}" if n in ("United States", "United Kingdom", "Netherlands", "Philippines") else n for n in names])


def dashboard_sources(indicators: Sequence[Indicator], vintage: str) -> str:
    """Source line of the dashboard figure: datasets, vintages and codes."""
    wdi = [i.code for i in indicators if i.source.startswith("WDI ") and "bulk" not in i.source]
    bulk = [i.code for i in indicators if "bulk" in i.source]
    sdg = [i.code for i in indicators if i.source.startswith("UN SDG")]
    parts = [f"World Bank, WDI (vintage {vintage}): {', '.join(wdi)}"]
    if bulk:
        parts.append(f"WDI bulk downloads (2026-02-24; NV.IND.MANF.CD a 2023 copy): {', '.join(bulk)}")
    if sdg:
        parts.append(f"UN SDG database (2020-10-19): {', '.join(sdg)}")
    return "; ".join(parts) + ". Medium/high-tech share and MVA compiled by UNIDO."


def stale_sentence(tails: pd.DataFrame, indicators: Sequence[Indicator], country: str) -> str:
    """A warning for series of ``country`` that repeat one value at their end, or ''."""
    own = tails[tails["iso3"] == country]
    if own.empty:
        return ""
    labels = {i.key: i for i in indicators}
    parts = [
        f"{labels[r.key].label.lower()} has stayed at exactly {r.value:.2f} ({labels[r.key].unit}) in every year from {r.since} to {r.until}"
        for r in own.itertuples()
    ]
    return (
        f"One caution before reading the panels: for {economy_name(country)}, the {'; the '.join(parts)}. A series that does not move "
        "at all for years is almost certainly carried forward or imputed by the compiler, not measured, so its recent values say "
        "nothing about recent change."
    )


def catch_up_bullets(table: pd.DataFrame, fits: dict[tuple[str, str], TrendFit], country: str, horizon: int) -> str:
    """One Markdown bullet per projected indicator: trend growth and the crossing per peer."""
    lines = []
    for code, sub in table.groupby("indicator", sort=False):
        ind = next((d for d in DASHBOARD if d.code == code), None)
        label = ind.label if ind else code
        fit = fits.get((code, country))
        if fit is None:
            lines.append(f"- **{label}**: too few observations for {economy_name(country)} to fit a trend.")
            continue
        unit = "% a year" if fit.model == "log" else "points a year"
        peers = "; ".join(f"{economy_name(r['peer'])}: {describe_crossing(r, horizon)}" for _, r in sub.iterrows())
        lines.append(f"- **{label}** ({'log-linear' if fit.model == 'log' else 'linear'} trend, {fit.growth:+.2f} {unit} since {fit.first_year}) — {peers}.")
    return "\n".join(lines)


def describe_dit(res: DiffInTrends | None, label: str, country: str, event_year: int) -> str:
    """One sentence: the country's and peers' post-event slope changes and their difference with CI."""
    name = economy_name(country)
    if res is None:
        return f"For {label.lower()}, the data of this vintage do not cover enough years after {event_year} to estimate a change in trend."
    significant = res.ci_lower > 0 or res.ci_upper < 0
    direction = "faster" if res.estimate > 0 else "slower"
    reading = (
        f"{name}'s growth after {event_year} was {direction} than its own earlier trend would suggest, relative to the peers, and the 95 % interval excludes zero"
        if significant else f"the 95 % interval includes zero, so the data cannot tell {name}'s post-{event_year} change apart from the peers'"
    )
    return (
        f"For {label.lower()}, {name}'s trend growth changed by {res.pct(res.country_kink):+.1f} % a year after {event_year} and the peers' by "
        f"{res.pct(res.peer_kink):+.1f} % a year: a difference in trends of {res.pct(res.estimate):+.1f} % a year (95 % CI {res.pct(res.ci_lower):+.1f} to "
        f"{res.pct(res.ci_upper):+.1f}; N = {res.n_obs} economy-years, {res.years[0]}–{res.years[1]}, {res.post_years} years after the event for {name}). "
        f"Read plainly: {reading}."
    )
