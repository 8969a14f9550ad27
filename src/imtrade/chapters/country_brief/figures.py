"""Chapter "Country brief": the figures (the economy, its income group and the world)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from imtrade.chapters.country_brief.analysis import HT_SHARE, TRADE, Economy, benchmark, series
from imtrade.data.entities import group_members
from imtrade.show.text import NO_DATA, capitalise


def _styles(who: Economy) -> dict[str, dict[str, Any]]:
    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO

    return {
        who.iso3: {"color": OKABE_ITO[0], "linestyle": "-", "marker": "o", "markersize": 3, "linewidth": 2.0},
        "group": {"color": OKABE_ITO[1], "linestyle": "-.", "marker": None, "linewidth": 1.5},
        "WLD": {"color": BENCHMARK_GREY, "linestyle": "--", "marker": None, "linewidth": 1.5},
    }


def _no_data(ax, who: Economy) -> None:
    ax.text(
        0.5,
        0.5,
        f"{NO_DATA} for {who.title}",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color="#444444",
    )


def plot_lines(
    ax, panel: pd.DataFrame, code: str, who: Economy, entities: pd.DataFrame, ylabel: str, start_year: int
) -> None:
    """The economy, its income group and the world on one axes (benchmarks dashed)."""
    styles = _styles(who)
    own = series(panel, code, who.iso3)
    world = benchmark(panel, code, "WLD", group_members("WLD", entities))
    group = (
        benchmark(panel, code, who.group_code, group_members(who.group_code, entities))
        if who.group_code
        else pd.Series(dtype=float)
    )
    if not own.empty:
        ax.plot(own.index, own.values, label=who.title, **styles[who.iso3])
    else:
        _no_data(ax, who)
    if not group.empty:
        ax.plot(group.index, group.values, label=capitalise(who.group_prose), **styles["group"])
    if not world.empty:
        ax.plot(world.index, world.values, label="World", **styles["WLD"])
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Year")
    lo = start_year
    hi = int(panel["year"].max()) if not panel.empty else start_year + 1
    ax.set_xlim(lo - 0.5, hi + 0.5)


def _legend_above(fig, axes) -> None:
    """One legend for every panel, above them (the source line goes below)."""
    handles, labels = [], []
    for ax in np.atleast_1d(axes):
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    if handles:
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(labels), frameon=False)


def plot_position(table: pd.DataFrame, who: Economy):
    """Percentile of the economy among all economies with data, one row per measure."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO

    fig, ax = plt.subplots(figsize=(8.0, 3.4))
    labels = []
    for i, (_, r) in enumerate(table.iloc[::-1].iterrows()):
        ax.plot([0, 100], [i, i], color="#DDDDDD", linewidth=6, solid_capstyle="round", zorder=1)
        if pd.isna(r["percentile"]):
            ax.text(
                50,
                i,
                NO_DATA,
                ha="center",
                va="center",
                fontsize=8,
                color="#444444",
                zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
            )
            labels.append(f"{r['measure']}")
        else:
            ax.plot(r["percentile"], i, marker="o", markersize=9, color=OKABE_ITO[0], zorder=3, linestyle="none")
            labels.append(f"{r['measure']} ({int(r['year'])})")
    ax.axvline(50, color="#6E6E6E", linestyle="--", linewidth=1, zorder=2)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(-3, 103)
    ax.set_ylim(-0.7, len(labels) - 0.3)
    ax.set_xlabel("Percentile among economies (0 = lowest, 100 = highest)")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def plot_pair(
    panel: pd.DataFrame,
    codes: tuple[str, str],
    ylabels: tuple[str, str],
    who: Economy,
    entities: pd.DataFrame,
    start_year: int,
    mark: tuple[int, str] | None = None,
):
    """Two measures side by side, each with the income group and the world."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import mark_year

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8))
    for ax, code, ylabel in zip(axes, codes, ylabels, strict=True):
        plot_lines(ax, panel, code, who, entities, ylabel, start_year)
        if mark is not None and code == HT_SHARE:
            mark_year(ax, *mark)
    fig.tight_layout()
    _legend_above(fig, axes)
    return fig


def plot_openness(panel: pd.DataFrame, who: Economy, entities: pd.DataFrame, start_year: int):
    import matplotlib.pyplot as plt

    from imtrade.show.figures import mark_year

    fig, ax = plt.subplots(figsize=(8.0, 3.8))
    plot_lines(ax, panel, TRADE, who, entities, "Exports + imports, % of GDP", start_year)
    if start_year < 2008:
        mark_year(ax, 2008, "2008 crisis")
    fig.tight_layout()
    _legend_above(fig, ax)
    return fig
