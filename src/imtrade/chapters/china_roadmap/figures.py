"""Chapter "China's roadmap": the figures (one function per figure; theme and palette from
:mod:`imtrade.show.figures`, source lines from the notebook)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from imtrade.chapters.china_roadmap.analysis import DASHBOARD, SANCTION_CODES, TREND_MODELS, Indicator, indicator_label
from imtrade.data.robots import robot_value, select_editions
from imtrade.stats import compound


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
    """Small multiples, three per row: one panel per indicator, one line per economy (the first thicker).

    Panels of series published only in some years (logistics score, robot density) mark every point.
    """
    import matplotlib.pyplot as plt

    from imtrade.show.figures import country_styles, mark_year

    styles = country_styles(list(economies), benchmark=())
    rows = max(1, -(-len(indicators) // 3))
    fig, axes = plt.subplots(rows, 3, figsize=(8.4, 2.75 * rows), sharex=True, squeeze=False)
    last_year = int(frame["year"].max())
    letters = "abcdefghijkl"
    for i, (ax, ind) in enumerate(zip(axes.flat, indicators, strict=False)):
        sub = frame[(frame["key"] == ind.key) & (frame["year"] >= start_year)]
        sparse = ind.key in ("lpi", "robot_density")
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
    for ax in axes.flat:
        if ax.get_visible():
            ax.xaxis.set_tick_params(labelbottom=True)  # panels above hidden ones show their years too
    for ax in axes[-1]:
        ax.set_xlabel("Year", fontsize=8)
    handles, labels = axes.flat[2].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(economies), bbox_to_anchor=(0.5, 1.01), fontsize=8.5)
    fig.tight_layout(rect=(0, 0, 1, 0.975))
    return fig


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
        label, unit = (
            indicator_label(code),
            next((d.unit.replace(" (log scale)", "") for d in DASHBOARD if d.code == code), ""),
        )
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
