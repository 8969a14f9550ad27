"""Chapter "Trade patterns": the figures (one function per figure; the theme comes from
:func:`imtrade.show.figures.apply_theme`, the source line from the notebook)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from imtrade.chapters.trade_patterns.analysis import SERVICE_MEASURES, HumpFit
from imtrade.data.indicators import HIGH_TECH_BREAK_YEAR, high_tech_definition

SECTOR_STYLES = {
    "agriculture": {"color": "#009E73", "linestyle": ":", "marker": None},
    "industry": {"color": "#D55E00", "linestyle": "--", "marker": None},
    "services": {"color": "#0072B2", "linestyle": "-", "marker": None},
}
# Legend labels: the ILO's "industry" is mining, manufacturing, utilities and construction
# (ISIC B-F), not manufacturing.
SECTOR_LABELS = {
    "agriculture": "Agriculture",
    "industry": "Industry (incl. construction)",
    "services": "Services",
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
    """One legend under the axes, inside the figure (the source line goes below it); none without labels."""
    if not labels:
        fig.tight_layout()
        return
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
            f"thin, faded: {high_tech_definition(str(other['vintage'].iloc[0]))} (vintage {other['vintage'].iloc[0]})"
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
                ax.plot(frame.index, frame[sector], label=SECTOR_LABELS[sector], linewidth=1.8, **style)
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
    ax.set_ylabel("Industry incl. construction, % of employment")
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
    if tidy[tidy["iso3"].isin(list(codes))]["value"].dropna().empty:
        from imtrade.show.figures import note_no_data

        note_no_data(ax, "No consumption-based CO2 data for the focus economies in this vintage")
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
