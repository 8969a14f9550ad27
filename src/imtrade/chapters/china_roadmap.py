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

from imtrade.book.params import check_countries, check_vintage
from imtrade.data.load import load_entities, load_indicators
from imtrade.exceptions import ParameterError, UnknownIndicatorError

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
        raise ParameterError(
            f"parameter 'projection_end' must be between 2025 and 2060, got {params['projection_end']}"
        )
    if not 1990 <= params["fit_start"] <= 2016:
        raise ParameterError(
            f"parameter 'fit_start' must be between 1990 and 2016 (a trend needs years of data), got {params['fit_start']}"
        )
    if not 2010 <= params["event_year"] <= 2021:
        raise ParameterError(
            f"parameter 'event_year' must be between 2010 and 2021 (years of data on both sides), got {params['event_year']}"
        )
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


def milestone_table(milestones: pd.DataFrame) -> pd.DataFrame:
    """The milestones as shown and downloaded, in reading order.

    Columns: ``year`` ('≈' marks an approximate anchor), ``kind``, ``label``, ``description``,
    ``source`` (source text or short publisher name), ``citation``, ``url``, ``verified_primary``.
    """
    year = milestones.apply(
        lambda r: (
            ("≈" if r["approximate"] else "")
            + str(int(r["start_year"] if pd.notna(r["start_year"]) else r["end_year"]))
        ),
        axis=1,
    )
    short = milestones.apply(
        lambda r: (
            r["source_text"] if str(r["source_text"]).strip() else str(r["citation"]).split(" (")[0].split(",")[0]
        ),
        axis=1,
    )
    order = {"paradigm": 0, "goal": 3, "policy": 1, "event": 2}
    out = milestones.assign(year=year, source=short, _order=milestones["kind"].map(order)).sort_values(
        ["_order", "when"], kind="stable"
    )
    return out[["year", "kind", "label", "description", "source", "citation", "url", "verified_primary"]].reset_index(
        drop=True
    )


def _goal_short(label: str) -> str:
    """'Stage 1 goal (2025)' -> 'Stage 1'; long labels keep their first word."""
    text = re.sub(r"\s*\(.*\)$", "", str(label)).replace(" goal", "")
    return text if len(text) <= 12 else text.split()[0]


def plot_roadmap_timeline(milestones: pd.DataFrame, *, end: int = 2045):
    """Two-panel timeline: paradigm eras and goals (1950-``end``), then 2015-2018 in detail.

    Approximate anchor years are drawn with a hatched lead-in and a '≈' label; the goals get
    their own lane (diamonds) and dashed lines through the eras.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO

    paradigms = milestones[milestones["kind"] == "paradigm"].sort_values("when", ascending=False)
    goals = milestones[milestones["kind"] == "goal"].sort_values("when")
    dated = milestones[milestones["kind"].isin(["policy", "event"])].sort_values("when", ascending=False)

    n = len(paradigms)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(8.0, 7.4), gridspec_kw={"height_ratios": [n + 1.6, len(dated) + 0.6]}
    )
    # Eras: bars from the anchor year to the end of the roadmap (the paradigms run in parallel).
    colours = [OKABE_ITO[i] for i in (1, 2, 5, 0)]
    for y, (row, colour) in enumerate(zip(paradigms.itertuples(), colours * 2, strict=False)):
        start = row.start_year
        top.barh(y, end - start, left=start, height=0.55, color=colour, edgecolor="white")
        if row.approximate:
            top.barh(y, 4, left=start - 4, height=0.55, color="white", edgecolor=colour, hatch="////", linewidth=0.8)
        top.text(
            start - (5 if row.approximate else 1),
            y,
            ("≈" if row.approximate else "") + str(int(start)),
            ha="right",
            va="center",
            fontsize=8.5,
        )
    # Goals: a lane of their own, and dashed lines through the eras.
    lane = n + 0.2
    for k, row in enumerate(goals.itertuples()):
        top.axvline(row.when, ymax=(lane + 0.6) / (n + 1.3), color="#222222", linestyle="--", linewidth=1.0)
        top.plot([row.when], [lane], marker="D", markersize=7, color="#222222", linestyle="none")
        # first goal labelled to the left, last to the right, any others above: labels never overlap
        where = "left" if k == 0 else "right" if k == len(goals) - 1 else "above"
        offset, ha, va = {
            "left": ((-7, 0), "right", "center"),
            "right": ((7, 0), "left", "center"),
            "above": ((0, 6), "center", "bottom"),
        }[where]
        text = (
            f"{int(row.when)} {_goal_short(row.label)}"
            if where != "above"
            else f"{_goal_short(row.label)} {int(row.when)}"
        )
        top.annotate(
            text,
            xy=(row.when, lane),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=7.5,
            color="#222222",
        )
    labels = [_wrap(label, 30) for label in paradigms["label"]] + ["Roadmap goals"]
    top.set_yticks([*range(n), lane], labels, fontsize=8.5)
    top.axvspan(2015, 2019, color=BENCHMARK_GREY, alpha=0.18, linewidth=0)
    top.set_xlim(1945, end + 17)
    top.set_ylim(-0.6, n + 0.9)
    top.set_xlabel("Year (bars run from each paradigm's anchor year; grey band: the years shown below)", fontsize=9)
    top.grid(axis="y", visible=False)

    # Dated policies (China) and events (US measures), 2015-2018.
    style = {"policy": dict(marker="o", color=OKABE_ITO[0]), "event": dict(marker="^", color=OKABE_ITO[3])}
    for y, row in enumerate(dated.itertuples()):
        s = style[row.kind]
        bottom.plot([row.when], [y], linestyle="none", markersize=8, **s)
        bottom.hlines(y, 2015, row.when, color=s["color"], linewidth=0.6, alpha=0.5)
    bottom.set_yticks(range(len(dated)), [_wrap(label, 44) for label in dated["label"]], fontsize=8)
    bottom.set_xlim(2015, 2019.15)
    bottom.set_xticks([2015, 2016, 2017, 2018, 2019])
    bottom.set_xlabel("Date (ticks on 1 January)", fontsize=9)
    bottom.legend(
        handles=[
            Line2D([], [], linestyle="none", markersize=8, label=lab, **style[k])
            for k, lab in (("policy", "Chinese policy"), ("event", "US measure or event"))
        ],
        loc="upper right",
        fontsize=8,
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
    proxy: str = ""  # what the indicator stands for in the roadmap's terms (it is a proxy)


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


def dashboard_display(latest: pd.DataFrame, economies: Sequence[str], country: str) -> pd.DataFrame:
    """The latest-values table for the page: one row per indicator, one column per economy.

    Values are rounded for reading; ``Year`` gives the latest year (a range when the economies'
    latest years differ); the last column is the focus economy's rank and its year.
    """

    def fmt(value: float) -> str:
        if pd.isna(value):
            return "–"
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
        return f"{value:,.{digits}f}"

    rows = []
    for _key, sub in latest.groupby("key", sort=False):
        sub = sub.set_index("iso3")
        years = sub["year"].dropna()
        span = (
            "–"
            if years.empty
            else f"{years.min():.0f}"
            if years.min() == years.max()
            else f"{years.min():.0f}–{years.max():.0f}"
        )
        row = {
            "Indicator (stands for)": f"{sub['label'].iloc[0]} ({sub['proxy'].iloc[0]})",
            "Unit": sub["unit"].iloc[0],
            "Year": span,
        }
        for code in economies:
            row[code] = fmt(sub.loc[code, "value"])
        r = sub.loc[country]
        row[f"{country} rank"] = (
            f"{int(r['rank'])} of {int(r['n_ranked'])}"
            + (f" ({int(r['rank_year'])})" if span != f"{r['rank_year']:.0f}" else "")
            if pd.notna(r["rank"])
            else "–"
        )
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


def _plain_log_axis(ax) -> None:
    """Log-scale axis with plain tick labels (1, 10, 100 instead of 10^0, 10^1, 10^2)."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))


def plot_dashboard(
    frame: pd.DataFrame,
    indicators: Sequence[Indicator],
    economies: Sequence[str],
    *,
    milestones: Iterable[int] = (),
    start_year: int = 2000,
):
    """Small multiples (3 x 3): one panel per indicator, one line per economy (the first thicker)."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import country_styles, mark_year

    styles = country_styles(list(economies), benchmark=())
    fig, axes = plt.subplots(3, 3, figsize=(8.4, 8.2), sharex=True)
    last_year = int(frame["year"].max())
    letters = "abcdefghi"
    for i, (ax, ind) in enumerate(zip(axes.flat, indicators, strict=False)):
        sub = frame[(frame["key"] == ind.key) & (frame["year"] >= start_year)]
        sparse = ind.key == "lpi"
        for code in economies:
            s = sub[sub["iso3"] == code].sort_values("year")
            if s.empty:
                continue
            st = styles[code]
            ax.plot(
                s["year"],
                s["value"],
                color=st["color"],
                linestyle=st["linestyle"],
                marker=st["marker"],
                markersize=3.5 if sparse else 2.8,
                markevery=1 if sparse else 4,
                linewidth=1.9 if code == economies[0] else 1.1,
                label=code,
            )
        if ind.log_scale:
            ax.set_yscale("log")
            _plain_log_axis(ax)
        ax.set_title(f"({letters[i]}) {_wrap(ind.label, 34)}", loc="left", fontsize=8.5)
        ax.set_ylabel(_wrap(ind.unit.replace(" (log scale)", ", log scale"), 24), fontsize=7.5)
        ax.tick_params(labelsize=7)
        if ind.key == "hightech_exports" and not sub.empty and sub["year"].min() <= 2008:
            mark_year(ax, 2007, "2007 def.")
        for year in milestones:
            if start_year <= year <= last_year:
                ax.axvline(year, color="#999999", linestyle=":", linewidth=0.9)
    for ax in axes.flat[len(indicators) :]:
        ax.set_visible(False)
    axes[0][0].set_xlim(start_year - 0.5, last_year + 0.5)  # shared: one call sets every panel
    for ax in axes[-1]:
        ax.set_xlabel("Year", fontsize=8)
    handles, labels = axes.flat[2].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(economies), bbox_to_anchor=(0.5, 1.01), fontsize=8.5)
    fig.tight_layout(rect=(0, 0, 1, 0.975))
    return fig


# ---------------------------------------------------------------------------------------
# 3. Catch-up projections

TREND_MODELS: dict[str, tuple[str, str]] = {
    # code: (model, why)
    "GB.XPD.RSDV.GD.ZS": (
        "linear",
        "a share of GDP is bounded and has risen by roughly constant points a year; a log-linear trend would make the point increases accelerate",
    ),
    "SP.POP.SCIE.RD.P6": (
        "log",
        "a head count per million people grows multiplicatively, so a constant growth rate (log-linear) is the natural trend",
    ),
    "IT.NET.BBND.P2": (
        "linear",
        "subscriptions per 100 people rise by roughly constant amounts; neither form can saturate, so long projections overstate",
    ),
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


def fit_trend(
    years: Sequence[int], values: Sequence[float], model: str, *, iso3: str = "", indicator: str = "", base: int = 2000
) -> TrendFit:
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
        iso3=iso3,
        indicator=indicator,
        model=model,
        base=base,
        params=np.asarray(result.params),
        cov=np.asarray(result.cov_params()),
        sigma=float(np.sqrt(result.scale)),
        df_resid=int(result.df_resid),
        n=len(x),
        first_year=int(x[0]),
        last_year=int(x[-1]),
        last_value=float(y[-1]),
        durbin_watson=float(durbin_watson(result.resid)),
        result=result,
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
    out = pd.DataFrame(
        {
            "year": np.asarray(years, dtype=int),
            "mean": frame["mean"].to_numpy(),
            "ci_lower": frame["mean_ci_lower"].to_numpy(),
            "ci_upper": frame["mean_ci_upper"].to_numpy(),
            "pi_lower": frame["obs_ci_lower"].to_numpy(),
            "pi_upper": frame["obs_ci_upper"].to_numpy(),
        }
    )
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
                fits[(code, iso3)] = fit_trend(s["year"], s["value"], model, iso3=iso3, indicator=code)
    return fits


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


def describe_crossing(row: pd.Series | dict, horizon: int, far: int = 2100) -> str:
    """Plain-language reading of one crossing row, e.g. 'about 2031 (95 % range 2029–2034)'.

    Years after ``far`` are reported as 'after {far}': such extrapolations carry no information.
    """

    def year(value: float) -> str:
        return f"after {far}" if not np.isfinite(value) or value > far else f"{value:.0f}"

    status = row["status"]
    if status == "already ahead":
        return "already ahead"
    if status == "too few data":
        return "too few data to fit a trend"
    share = f"{100 * row['share_by_horizon']:.0f} % of draws cross by {horizon}"
    if status == "diverging":
        return f"never on current trends: the gap is widening ({share})"
    span = f"95 % range {year(row['lower'])} to {year(row['upper'])}"
    if status == "not by horizon":
        return f"not by {horizon}: median {year(row['median'])} ({span}; {share})"
    return f"about {year(row['median'])} ({span})"


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
        lo, hi = fit.result.conf_int(ALPHA)[1]
        to_display = (lambda b: 100.0 * math.expm1(b)) if fit.model == "log" else (lambda b: b)
        rows.append(
            {
                "indicator": code,
                "iso3": iso3,
                "model": fit.model,
                "years": f"{fit.first_year}–{fit.last_year}",
                "n": fit.n,
                "growth": fit.growth,
                "growth_lower": to_display(lo),
                "growth_upper": to_display(hi),
                "growth_unit": "% a year" if fit.model == "log" else "points a year",
                "durbin_watson": fit.durbin_watson,
            }
        )
    return pd.DataFrame(rows)


def fits_display(fits_table: pd.DataFrame) -> pd.DataFrame:
    """The trend fits for the page: indicator, economy, window, N, slope with 95 % CI, Durbin-Watson."""
    return pd.DataFrame(
        {
            "Indicator": fits_table["indicator"].map(_label),
            "Economy": fits_table["iso3"],
            "Trend": fits_table["model"].map({"log": "log-linear", "linear": "linear"}),
            "Years": fits_table["years"],
            "N": fits_table["n"],
            "Slope": fits_table["growth"].map(lambda v: f"{v:+.3f}" if abs(v) < 1 else f"{v:+.2f}"),
            "95 % CI": [
                f"{lo:+.3f} to {hi:+.3f}" if max(abs(lo), abs(hi)) < 1 else f"{lo:+.2f} to {hi:+.2f}"
                for lo, hi in zip(fits_table["growth_lower"], fits_table["growth_upper"], strict=True)
            ],
            "Unit": fits_table["growth_unit"],
            "Durbin-Watson": fits_table["durbin_watson"].map(lambda v: f"{v:.2f}"),
        }
    )


def milestones_display(at_milestones: pd.DataFrame) -> pd.DataFrame:
    """Projected values at the milestone years: one row per indicator and economy, 'value [low, high]' per year."""
    if at_milestones.empty:
        return pd.DataFrame({"Indicator": [], "Economy": []})

    def fmt(v: float) -> str:
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"

    cells = at_milestones.assign(
        cell=[
            f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]"
            for m, lo, hi in zip(
                at_milestones["mean"], at_milestones["pi_lower"], at_milestones["pi_upper"], strict=True
            )
        ]
    )
    wide = cells.pivot_table(
        index=["indicator", "iso3"], columns="year", values="cell", aggfunc="first", sort=False
    ).reset_index()
    wide.columns = ["Indicator", "Economy", *[f"{y} (95 % PI)" for y in wide.columns[2:]]]
    wide["Indicator"] = wide["Indicator"].map(_label)
    return wide


def plot_projections(
    frame: pd.DataFrame,
    projections: pd.DataFrame,
    codes: Sequence[str],
    economies: Sequence[str],
    *,
    milestones: Iterable[int] = (),
    fit_start: int = 2009,
):
    """One panel per projected indicator: observations, trend, projection with 95 % prediction band.

    Panels are laid out two per row; a spare panel holds the legend.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from imtrade.show.figures import country_styles

    styles = country_styles(list(economies), benchmark=())
    n = len(codes)
    rows = (n + 2) // 2  # room for the legend
    fig, axes = plt.subplots(rows, 2, figsize=(8.4, 3.3 * rows), squeeze=False)
    letters = "abcdefgh"
    for i, code in enumerate(codes):
        ax = axes.flat[i]
        label, unit = _label(code), next((d.unit.replace(" (log scale)", "") for d in DASHBOARD if d.code == code), "")
        log = TREND_MODELS[code][0] == "log"
        for iso3 in economies:
            st = styles[iso3]
            main = iso3 == economies[0]
            obs = frame[(frame["indicator"] == code) & (frame["iso3"] == iso3) & (frame["year"] >= fit_start)]
            ax.plot(
                obs["year"],
                obs["value"],
                linestyle="none",
                marker=st["marker"],
                markersize=3.0,
                color=st["color"],
                alpha=0.85,
            )
            proj = (
                projections[(projections["indicator"] == code) & (projections["iso3"] == iso3)]
                if len(projections)
                else projections
            )
            if proj.empty:
                continue
            fitted, ahead = proj[~proj["projected"]], proj[proj["projected"]]
            ax.plot(fitted["year"], fitted["mean"], color=st["color"], linestyle="-", linewidth=1.8 if main else 1.0)
            ax.plot(
                ahead["year"],
                ahead["mean"],
                color=st["color"],
                linestyle=st["linestyle"] if st["linestyle"] != "-" else "--",
                linewidth=1.8 if main else 1.0,
            )
            ax.fill_between(
                ahead["year"],
                ahead["pi_lower"],
                ahead["pi_upper"],
                color=st["color"],
                alpha=0.25 if main else 0.10,
                linewidth=0,
            )
        if log:
            ax.set_yscale("log")
            _plain_log_axis(ax)
        lo, hi = ax.get_xlim()
        for year in milestones:
            if lo <= year <= hi:
                ax.axvline(year, color="#999999", linestyle=":", linewidth=0.9)
        ax.set_title(
            f"({letters[i]}) {_wrap(label, 34)}, {'log-linear' if log else 'linear'} trend", loc="left", fontsize=8.5
        )
        ax.set_ylabel(unit + (", log scale" if log else ""), fontsize=8)
        ax.set_xlabel("Year", fontsize=8)
        ax.tick_params(labelsize=7.5)
    legend_ax = axes.flat[n]
    legend_ax.axis("off")
    handles = [
        Line2D(
            [],
            [],
            color=styles[c]["color"],
            linestyle=styles[c]["linestyle"] if styles[c]["linestyle"] != "-" else "--",
            marker=styles[c]["marker"],
            markersize=4,
            linewidth=1.8 if c == economies[0] else 1.0,
            label=f"{c}: data, trend, projection",
        )
        for c in economies
    ]
    handles.append(plt.Rectangle((0, 0), 1, 1, color="#888888", alpha=0.3, label="95 % prediction band"))
    handles.append(Line2D([], [], color="#999999", linestyle=":", label="milestone years"))
    legend_ax.legend(handles=handles, loc="center", fontsize=8.5, frameon=False)
    for ax in axes.flat[n + 1 :]:
        ax.set_visible(False)
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
    rows["edition_year"] = rows["report_edition"].map(
        lambda s: (
            max(int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", str(s))) if re.search(r"20\d\d", str(s)) else 0
        )
    )
    rows["preliminary"] = rows["report_edition"].str.contains("preliminary", case=False)
    rows["order"] = range(len(rows))
    return rows.reset_index(drop=True)


def select_editions(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (iso3, year): the latest final edition, else the latest preliminary one.

    Ties (two rows of the same edition, e.g. a CONFLICT between reposts) keep the first row
    of the curated file (its lead row). Adds ``only_preliminary`` for years with no final row.
    """
    ranked = rows.sort_values(
        ["iso3", "year", "preliminary", "edition_year", "order"],
        ascending=[True, True, True, False, True],
        kind="stable",
    )
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


def plot_robot_forecast(
    rows: pd.DataFrame,
    iso3: str,
    base_year: int,
    target_year: int,
    claimed_value: float,
    claimed_rate: float,
    ifr_range: tuple[float, float],
):
    """Recorded installations by edition, the forecast paths from the base-year outturn, the claimed level."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO

    own = rows[rows["iso3"] == iso3]
    chosen = select_editions(own).sort_values("year")
    superseded = own[~own["order"].isin(chosen["order"])]
    base = robot_value(rows, iso3, base_year)["value"]
    years = np.arange(base_year, target_year + 1)
    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    final = chosen[~chosen["only_preliminary"]]
    prelim = chosen[chosen["only_preliminary"]]
    ax.plot(chosen["year"], chosen["value"] / 1e3, color=OKABE_ITO[0], linewidth=1.8, zorder=3)
    ax.plot(
        final["year"],
        final["value"] / 1e3,
        "o",
        color=OKABE_ITO[0],
        label="Recorded (latest final IFR edition)",
        zorder=4,
    )
    if len(prelim):
        ax.plot(
            prelim["year"],
            prelim["value"] / 1e3,
            "o",
            markerfacecolor="white",
            color=OKABE_ITO[0],
            label="Recorded, preliminary only",
            zorder=4,
        )
    if len(superseded):
        ax.plot(
            superseded["year"],
            superseded["value"] / 1e3,
            "x",
            color=BENCHMARK_GREY,
            label="Other editions (revised/preliminary)",
            zorder=4,
        )
    lo, hi = ifr_range
    ax.fill_between(
        years,
        compound(base, lo, years - base_year) / 1e3,
        compound(base, hi, years - base_year) / 1e3,
        color=OKABE_ITO[2],
        alpha=0.25,
        label=f"IFR 2017 outlook: {lo:g}–{hi:g} % a year",
        linewidth=0,
    )
    ax.plot(
        years,
        compound(base, claimed_rate, years - base_year) / 1e3,
        linestyle="--",
        color=OKABE_ITO[3],
        label=f"{claimed_rate:g} % a year from the {base_year} outturn",
    )
    ax.plot(
        [target_year],
        [claimed_value / 1e3],
        marker="*",
        markersize=14,
        color=OKABE_ITO[3],
        linestyle="none",
        label=f"Blog's {target_year} figure ({claimed_value:,.0f})",
    )
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
    lo, hi = res.conf_int(ALPHA).loc[name]
    gamma = float(res.params["kink"]) if name != "kink" else 0.0
    delta = float(res.params[name])
    return DiffInTrends(
        indicator=str(tidy["indicator"].iloc[0]) if "indicator" in tidy and len(tidy) else "",
        estimate=delta,
        ci_lower=float(lo),
        ci_upper=float(hi),
        p_value=float(res.pvalues[name]),
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


def describe_placebo(
    results: dict[tuple[str, str], DiffInTrends | None], country: str, event_year: int, placebo_lead: int = 4
) -> str:
    """What the placebo estimates say about the post-event bends (one or two sentences)."""
    name = economy_name(country)
    fake = event_year - placebo_lead
    parts = []
    for code in SANCTION_CODES:
        res = results.get((code, "placebo"))
        if res is None:
            parts.append(f"for {lower_label(_label(code))} the placebo cannot be estimated with these data")
            continue
        significant = res.ci_lower > 0 or res.ci_upper < 0
        parts.append(
            f"for {lower_label(_label(code))} it is {res.pct(res.estimate):+.1f} % a year (95 % CI {res.pct(res.ci_lower):+.1f} to "
            f"{res.pct(res.ci_upper):+.1f}; N = {res.n_obs}), {'a bend of its own' if significant else 'not distinguishable from zero'}"
        )
    verdict = ""
    exports = results.get(("TX.VAL.TECH.CD", "placebo"))
    if exports is not None and (exports.ci_upper < 0 or exports.ci_lower > 0):
        verdict = (
            f" {name}'s high-tech exports had therefore already changed course relative to the peers before {event_year}: the bend "
            f"after {event_year} continues an earlier one and cannot be pinned on the US measures."
        )
    return (
        f"A placebo test asks whether such bends also appear where nothing happened: using only the years up to {event_year} and "
        f"pretending the event came in {fake}, the difference in trends " + "; ".join(parts) + "." + verdict
    )


def plot_sanctions(panel: pd.DataFrame, economies: Sequence[str], event_year: int):
    """Two panels: high-tech exports and IP charges paid, index event_year = 100, log scale."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from imtrade.show.figures import country_styles

    styles = country_styles(list(economies), benchmark=())
    labels = {
        "TX.VAL.TECH.CD": "High-technology exports",
        "BM.GSR.ROYL.CD": "Charges paid for the use of\nforeign intellectual property",
    }
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.9))
    for i, (ax, code) in enumerate(zip(axes, SANCTION_CODES, strict=True)):
        sub = panel[panel["indicator"] == code]
        drawn = 0
        for iso3 in economies:
            s = sub[sub["iso3"] == iso3].set_index("year")["value"].sort_index()
            if event_year not in s.index:
                continue
            st = styles[iso3]
            ax.plot(
                s.index,
                100 * s / s[event_year],
                color=st["color"],
                linestyle=st["linestyle"],
                marker=st["marker"],
                markevery=3,
                markersize=3.5,
                linewidth=2.0 if iso3 == economies[0] else 1.1,
                label=iso3,
            )
            drawn += 1
        ax.set_title(f"({'ab'[i]}) {labels[code]}", loc="left", fontsize=8.5)
        ax.set_xlabel("Year", fontsize=8)
        ax.tick_params(labelsize=7.5)
        if not drawn:
            ax.text(
                0.5,
                0.5,
                f"no data for {event_year}\nin this vintage",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=9,
                color="#444444",
            )
            continue
        ax.set_yscale("log")
        _plain_log_axis(ax)
        ax.axhline(100, color="#999999", linewidth=0.8)
        ax.axvline(event_year, color="#444444", linestyle=":", linewidth=1.2)
        ax.annotate(
            f"{event_year}: US measures",
            xy=(event_year, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3, -2),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=7.5,
            color="#444444",
        )
        if sub["year"].max() >= 2020 > event_year:
            ax.axvline(2020, color="#777777", linestyle=":", linewidth=1.0)
            ax.annotate(
                "2020: COVID-19",
                xy=(2020, 0.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, 3),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=7.5,
                color="#777777",
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.set_ylabel(f"Index, {event_year} = 100 (log scale)", fontsize=8)
    handles, labs = (
        axes[0].get_legend_handles_labels()
        if axes[0].get_legend_handles_labels()[0]
        else axes[1].get_legend_handles_labels()
    )
    fig.legend(handles, labs, loc="upper center", ncol=len(economies), bbox_to_anchor=(0.5, 1.04), fontsize=8.5)
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

    Read straight from the YAML (so entries whose check is not yet registered are listed too).
    """
    import yaml

    from imtrade.paths import project

    rows = []
    for name in SOURCE_FILES:
        for raw in yaml.safe_load((project().claims / name).read_text(encoding="utf-8")) or []:
            rows.append(
                {
                    "id": raw["id"],
                    "source": raw["source"].split("_")[0],
                    "claim": " ".join(str(raw["claim"]).split()),
                    "claimed": raw.get("claimed") or {},
                    "check": raw.get("check"),
                    "not_checkable": " ".join(str(raw.get("not_checkable") or "").split()),
                }
            )
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


def name_in_text(code: str) -> str:
    """An economy's name as it reads inside a sentence ('the United States', 'Germany')."""
    name = economy_name(code)
    return (
        f"the {name}"
        if name in ("United States", "United Kingdom", "Netherlands", "Philippines", "Russian Federation")
        else name
    )


def lower_label(label: str) -> str:
    """'High-technology exports' -> 'high-technology exports'; acronyms ('R&D ...') are kept."""
    return label if len(label) > 1 and not label[1].islower() else label[:1].lower() + label[1:]


def names_phrase(codes: Sequence[str]) -> str:
    """'the United States, Germany, Japan and Korea' style list of economy names."""
    from imtrade.show.tables import join_names

    return join_names([name_in_text(c) for c in codes])


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
        return (
            f"None of {economy_name(country)}'s series repeats one value for years at its end, which would be a sign of "
            "carried-forward or imputed data."
        )
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
        lines.append(
            f"- **{label}** ({'log-linear' if fit.model == 'log' else 'linear'} trend, {fit.growth:+.2f} {unit} since {fit.first_year}) — {peers}."
        )
    return "\n".join(lines)


def describe_dit(res: DiffInTrends | None, label: str, country: str, event_year: int) -> str:
    """One sentence: the country's and peers' post-event slope changes and their difference with CI."""
    name = economy_name(country)
    if res is None:
        return f"For {lower_label(label)}, the data of this vintage do not cover enough years after {event_year} to estimate a change in trend."
    significant = res.ci_lower > 0 or res.ci_upper < 0
    direction = "faster" if res.estimate > 0 else "slower"
    reading = (
        f"{name}'s growth after {event_year} was {direction} than its own earlier trend would suggest, relative to the peers, and the 95 % interval excludes zero"
        if significant
        else f"the 95 % interval includes zero, so the data cannot tell {name}'s post-{event_year} change apart from the peers'"
    )
    return (
        f"For {lower_label(label)}, {name}'s trend growth changed by {res.pct(res.country_kink):+.1f} % a year after {event_year} and the peers' by "
        f"{res.pct(res.peer_kink):+.1f} % a year: a difference in trends of {res.pct(res.estimate):+.1f} % a year (95 % CI {res.pct(res.ci_lower):+.1f} to "
        f"{res.pct(res.ci_upper):+.1f}; N = {res.n_obs} economy-years, {res.years[0]}–{res.years[1]}, {res.post_years} years after the event for {name}). "
        f"Read plainly: {reading}."
    )


def scope_sentence(country: str, peers: Sequence[str]) -> str:
    """What this run measures, and what stays about China whatever the parameters."""
    if country == "CHN":
        return (
            f"The measurements compare China with {names_phrase(peers)}; the parameters at the top of the page "
            "(country, peers, years) can be changed to rerun every measurement for other economies."
        )
    return (
        f"This page was run for {economy_name(country)}, compared with {names_phrase(peers)}: the dashboard, the projections "
        f"and the trade comparison measure {economy_name(country)}. The roadmap, the robot forecast and the claims register "
        "concern China, as the source texts do, and do not change with the parameters."
    )


def model_reasons(codes: Sequence[str]) -> str:
    """Markdown bullets: the trend form of each projected indicator and why."""
    lines = []
    for code in codes:
        model, why = TREND_MODELS[code]
        ind = next((d for d in DASHBOARD if d.code == code), None)
        lines.append(
            f"- {ind.label if ind else code} (`{code}`): {'log-linear' if model == 'log' else 'linear'}, because {why}."
        )
    return "\n".join(lines)


def pending_sentence(pending: pd.DataFrame) -> str:
    """Which of the chapter's claims wait for a check that is not registered yet (or '')."""
    if pending.empty:
        return "Every claim of the two texts has a verdict or a stated reason why it cannot be checked."
    checks = sorted(set(pending["check"].dropna()))
    return (
        f"{len(pending)} further claims of the texts ({', '.join(f'`{i}`' for i in pending['id'])}) name generic checks "
        f"({', '.join(f'`{c}`' for c in checks)}) that the register does not have yet; they are left out of the table until those checks land."
    )


# ---------------------------------------------------------------------------------------
# Tables as shown on the page


def _label(code: str) -> str:
    ind = next((d for d in DASHBOARD if d.code == code), None)
    return (
        ind.label
        if ind
        else {"TX.VAL.TECH.CD": "High-technology exports", "BM.GSR.ROYL.CD": "Charges paid for the use of IP"}.get(
            code, code
        )
    )


def catch_up_display(table: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """The crossing table in words: indicator, peer, growth of both, reading."""
    return pd.DataFrame(
        {
            "Indicator": table["indicator"].map(_label),
            "Trend": table["model"].map({"log": "log-linear", "linear": "linear"}),
            "Peer": table["peer"],
            "Country's trend growth": table["country_growth"].map(
                lambda v: "–" if pd.isna(v) else f"{v:+.3f}" if abs(v) < 1 else f"{v:+.2f}"
            ),
            "Peer's trend growth": table["peer_growth"].map(
                lambda v: "–" if pd.isna(v) else f"{v:+.3f}" if abs(v) < 1 else f"{v:+.2f}"
            ),
            "Growth unit": table["model"].map({"log": "% a year", "linear": "points a year"}),
            f"Reaches the peer's trend (horizon {horizon})": [
                describe_crossing(r, horizon) for _, r in table.iterrows()
            ],
        }
    )


def sanctions_display(table: pd.DataFrame) -> pd.DataFrame:
    """The difference-in-trends table with readable headers (% a year, CI in one column)."""

    def ci(lo: float, hi: float) -> str:
        return "–" if pd.isna(lo) else f"{lo:+.1f} to {hi:+.1f}"

    return pd.DataFrame(
        {
            "Indicator": table["indicator"].map(_label),
            "Sample": table["sample"],
            "Years": table["years"],
            "N": table["n_obs"],
            "Difference in trends, % a year": table["estimate_pct"].map(lambda v: "–" if pd.isna(v) else f"{v:+.1f}"),
            "95 % CI": [ci(lo, hi) for lo, hi in zip(table["ci_lower_pct"], table["ci_upper_pct"], strict=True)],
            "p": table["p_value"].map(lambda p: "–" if pd.isna(p) else "< 0.001" if p < 0.001 else f"{p:.3f}"),
            "Country's change": table["country_change_pct"].map(lambda v: "–" if pd.isna(v) else f"{v:+.1f}"),
            "Peers' change": table["peer_change_pct"].map(lambda v: "–" if pd.isna(v) else f"{v:+.1f}"),
        }
    )


def growth_display(growth: dict[str, pd.DataFrame], event_year: int) -> pd.DataFrame:
    """Average annual growth (%) before and after the event: one row per economy, two columns per indicator."""
    out = None
    for code, frame in growth.items():
        short = (
            "High-tech exports"
            if code == "TX.VAL.TECH.CD"
            else "IP charges paid"
            if code == "BM.GSR.ROYL.CD"
            else _label(code)
        )
        part = pd.DataFrame(
            {
                "Economy": frame["iso3"],
                f"{short}, to {event_year}": frame["before"].map(lambda v: "–" if pd.isna(v) else f"{v:+.1f}"),
                f"{short}, after {event_year}": frame["after"].map(lambda v: "–" if pd.isna(v) else f"{v:+.1f}"),
                f"{short}, years": [
                    f"{a:.0f}–{b:.0f}" if pd.notna(a) else "–"
                    for a, b in zip(frame["first"], frame["last"], strict=True)
                ],
            }
        )
        out = (
            part if out is None else out.merge(part, on="Economy", how="left", sort=False)
        )  # keeps the parameter order
    return out


def projection_summary(table: pd.DataFrame, country: str, horizon: int) -> str:
    """One sentence for the closing section: how many pairs are ahead, catch up, or not by the horizon."""
    name = economy_name(country)
    counts = table["status"].value_counts()
    caught = table[table["status"] == "catches up"]
    parts = [
        f"On trends since the fit start, {name} is already ahead in {counts.get('already ahead', 0)} of {len(table)} indicator-peer pairs"
    ]
    if len(caught):
        detail = ", ".join(
            f"{name_in_text(r.peer)} on {lower_label(_label(r.indicator))} (about {r.median:.0f})"
            for r in caught.itertuples()
        )
        parts.append(f"would reach {detail}")
    else:
        parts.append(f"reaches no further peer by {horizon}")
    parts.append(
        f"and in {counts.get('not by horizon', 0) + counts.get('diverging', 0)} pairs would not reach the peer by {horizon}, "
        f"{counts.get('diverging', 0)} of them because the gap is widening"
    )
    return "; ".join(parts) + ". These are continuations of trends with wide intervals, not forecasts."


def robot_rows_display(rows: pd.DataFrame) -> pd.DataFrame:
    """IFR rows of one economy for the page: year, value, edition, whether the analysis uses it."""
    chosen = set(select_editions(rows)["order"])
    return pd.DataFrame(
        {
            "Year": rows["year"].astype(int).astype(str),
            "Installations": rows["value"].map(lambda v: f"{v:,.0f}"),
            "IFR edition": rows["report_edition"],
            "Used here": rows["order"].map(lambda o: "yes" if o in chosen else "no (superseded)"),
        }
    )


def arithmetic_display(arithmetic: pd.DataFrame, target_year: int) -> pd.DataFrame:
    """The forecast arithmetic for the page (growth to one decimal, levels to the unit)."""
    return pd.DataFrame(
        {
            "Path": arithmetic["path"],
            "Growth, % a year": arithmetic["rate_pct"].map(lambda v: f"{v:.1f}"),
            f"Installations {target_year}": arithmetic["value_target"].map(lambda v: f"{v:,.0f}"),
            "Outturn vs path, %": arithmetic["error_pct"].map(lambda v: f"{v:+.1f}"),
        }
    )


def researcher_break(frame: pd.DataFrame, iso3: str = "CHN", years: tuple[int, int] = (2008, 2009)) -> float:
    """Percent change of researchers per million between two years (the 2008-2009 jump in China's series)."""
    s = frame[(frame["indicator"] == "SP.POP.SCIE.RD.P6") & (frame["iso3"] == iso3)].set_index("year")["value"]
    if not all(y in s.index for y in years):
        return float("nan")
    return 100.0 * (s[years[1]] / s[years[0]] - 1.0)


def other_not_checkable(verdicts: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Not-checkable rows of the verdict table that are not survey figures (claim and reason only)."""
    survey = set(claims.loc[claims["id"].isin(SURVEY_IDS), "claim"])
    rows = verdicts[(verdicts["Verdict"] == "not checkable") & ~verdicts["Claim (paraphrased)"].isin(survey)]
    return (
        rows[["Claim (paraphrased)", "Claimed", "Test and result"]]
        .rename(columns={"Test and result": "Why it cannot be checked"})
        .reset_index(drop=True)
    )


def verdict_counts_sentence(verdicts: pd.DataFrame) -> str:
    """'20 claims: 4 supported, 1 partly supported, ...' from the verdict table (failed checks named)."""
    counts = verdicts["Verdict"].value_counts()
    order = ("supported", "partly supported", "contradicted", "not checkable", "check failed")
    parts = [f"{counts[v]} {v}" for v in order if counts.get(v, 0)]
    return f"{len(verdicts)} claims: " + ", ".join(parts)


def scale_depth_sentence(latest: pd.DataFrame, country: str) -> str:
    """Closing bullet on scale (share of world MVA) and depth (tech share, R&D) of the focus economy."""
    own = latest[latest["iso3"] == country].set_index("key")
    peers = latest[latest["iso3"] != country]
    name = economy_name(country)
    tech, tech_peers = own.loc["tech_share", "value"], peers.loc[peers["key"] == "tech_share", "value"].mean()
    head = "Scale, not yet depth" if tech < tech_peers else "Scale and depth"
    return (
        f"**{head}.** {name} makes {own.loc['mva_share', 'value']:.1f} % of the world's manufacturing value added "
        f"({own.loc['mva_share', 'year']:.0f}); its medium- and high-tech share ({tech:.1f} %) is {'below' if tech < tech_peers else 'at or above'} "
        f"the peer average ({tech_peers:.1f} %), and its R&D intensity ({own.loc['rd', 'value']:.2f} % of GDP) ranks "
        f"{own.loc['rd', 'rank']:.0f} of {own.loc['rd', 'n_ranked']:.0f}."
    )


def placebo_short(results: dict[tuple[str, str], DiffInTrends | None], event_year: int, placebo_lead: int = 4) -> str:
    """Half a sentence for the closing section: did the placebo find an earlier bend in high-tech exports?"""
    res = results.get(("TX.VAL.TECH.CD", "placebo"))
    if res is None:
        return "the placebo test could not be run with these data"
    if res.ci_upper < 0 or res.ci_lower > 0:
        return (
            f"the placebo finds a bend in high-tech exports already after {event_year - placebo_lead} "
            f"({res.pct(res.estimate):+.1f} % a year), so the post-{event_year} bend continues an earlier change"
        )
    return f"the placebo finds no comparable bend after {event_year - placebo_lead}"
