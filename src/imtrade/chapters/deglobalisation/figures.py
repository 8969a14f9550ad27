"""Chapter "De-globalisation mechanisms": the figures (one function per figure).

The notebook adds the source line (:func:`imtrade.api.add_source`) and shows each figure;
captions and alt text live in the notebook's cell metadata. Theme and palette come from
:mod:`imtrade.show.figures`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from imtrade.data.entities import display_names
from imtrade.stats import BrokenTrend, index_to


def _styles(codes: Sequence[str]) -> dict[str, dict]:
    from imtrade.show.figures import country_styles

    return country_styles(codes, benchmark=("WLD",))


def figure_openness(
    openness: pd.DataFrame, pwt: pd.Series | None, break_year: int, *, decade=(1990, 1999), claim_year: int = 2007
):
    """World trade as % of GDP on three definitions, with the text's two figures marked."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, mark_year

    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    ax.plot(openness.index, openness["trade_mean"], color=OKABE_ITO[0], lw=2.2, label="(exports + imports) / 2, WDI")
    ax.plot(openness.index, openness["trade"], color=OKABE_ITO[1], ls="--", lw=1.8, label="exports + imports, WDI")
    if "merchandise_trade" in openness:
        ax.plot(
            openness.index,
            openness["merchandise_trade"],
            color=OKABE_ITO[2],
            ls="-.",
            lw=1.5,
            label="merchandise exports + imports, WDI",
        )
    if pwt is not None and not pwt.empty:
        ax.plot(
            pwt.index,
            pwt.to_numpy(),
            color=BENCHMARK_GREY,
            ls=":",
            lw=1.8,
            label="exports + imports, Penn World Table 9.0",
        )
    ax.hlines(
        20,
        decade[0],
        decade[1],
        color="black",
        lw=3,
        label=f"source text: about 20 % in the 1990s, over 30 % in {claim_year}",
    )
    ax.plot([claim_year], [30], marker="^", color="black", ms=9, ls="none")
    mark_year(ax, break_year, str(break_year))
    ax.set_xlabel("Year")
    ax.set_ylabel("% of world GDP")
    ax.set_ylim(0, None)
    ax.legend(loc="lower center", ncols=2, bbox_to_anchor=(0.5, 1.02), fontsize=8)
    return fig


def figure_break(summary: dict[str, Any], *, ylabel: str, series_label: str):
    """Left: the series with its broken trend and 95 % band. Right: the sup-F scan."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, mark_year

    trend, scan = summary["trend"], summary["scan"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.5, 4.0), gridspec_kw={"width_ratios": [1.6, 1]})
    f = trend.fitted
    ax.plot(f["year"], f["value"], "o", ms=3.5, color=OKABE_ITO[0], label=series_label)
    ax.plot(f["year"], f["fit"], color=OKABE_ITO[3], lw=2, label=f"broken trend, kink in {trend.break_year}")
    ax.fill_between(
        f["year"], f["lower"], f["upper"], color=OKABE_ITO[3], alpha=0.2, lw=0, label="95 % confidence band (bootstrap)"
    )
    mark_year(ax, trend.break_year, str(trend.break_year))
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower right", fontsize=8)
    ax.text(0.0, -0.2, "(a)", transform=ax.transAxes, fontsize=10, fontweight="bold")
    t = scan.table
    bx.plot(t["candidate"], t["f_stat"], marker="o", color=OKABE_ITO[0], label="Chow F at each candidate")
    bx.axhline(
        scan.boot_critical_5pct,
        color="black",
        ls="--",
        lw=1.2,
        label=f"5 % critical value of sup-F, bootstrap ({scan.boot_critical_5pct:.1f})",
    )
    bx.axhline(
        scan.critical_values[0.05],
        color=BENCHMARK_GREY,
        ls=":",
        lw=1.2,
        label=f"5 % critical value of sup-F, asymptotic ({scan.critical_values[0.05]:.2f})",
    )
    bx.set_xlabel("Candidate break year")
    bx.set_ylabel("F statistic (level and slope, q = 2)")
    bx.set_ylim(0, 1.6 * max(scan.boot_critical_5pct, float(t["f_stat"].max())))  # room for the legend
    bx.legend(loc="upper left", fontsize=7)
    bx.text(0.0, -0.2, "(b)", transform=bx.transAxes, fontsize=10, fontweight="bold")
    fig.tight_layout()
    return fig


def figure_gvc(quoted: pd.DataFrame, openness: pd.DataFrame, base_year: int = 1995):
    """(a) Quoted GVC participation rates (hatched: not verified); (b) indexed beside the proxies."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.5, 4.0), gridspec_kw={"width_ratios": [1, 1.5]})
    years = sorted(quoted["year"].unique())
    width = 0.38
    for i, (measure, colour, hatch) in enumerate(
        (("trade-based", OKABE_ITO[0], "//"), ("production-based", OKABE_ITO[1], ".."))
    ):
        sub = quoted[quoted["measure"] == measure].set_index("year").reindex(years)
        x = np.arange(len(years)) + (i - 0.5) * width
        bars = ax.bar(
            x,
            sub["value"],
            width,
            color=colour,
            alpha=0.55,
            hatch=hatch,
            edgecolor="black",
            label=f"{measure} (quoted)",
        )
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks(np.arange(len(years)), [str(y) for y in years])
    ax.set_xlabel("Year")
    ax.set_ylabel("GVC participation, % (as quoted)")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_ylim(0, 60)
    ax.text(0.0, -0.2, "(a)", transform=ax.transAxes, fontsize=10, fontweight="bold")
    for s, label, colour, ls in (
        (openness["trade_mean"], "proxy: world trade (X + M)/2, % of GDP", OKABE_ITO[2], "-"),
        (openness["merchandise_trade"], "proxy: world merchandise trade, % of GDP", BENCHMARK_GREY, "--"),
    ):
        idx = index_to(s, base_year)
        bx.plot(idx.index, idx.to_numpy(), color=colour, ls=ls, lw=1.8, label=label)
    # hollow large squares under small filled circles: the two quoted indices nearly coincide in 2020
    for measure, colour, marker, size, face in (
        ("production-based", OKABE_ITO[1], "s", 12, "white"),
        ("trade-based", OKABE_ITO[0], "o", 6, None),
    ):
        sub = quoted[quoted["measure"] == measure].set_index("year")["value"]
        idx = index_to(sub, base_year)
        bx.plot(
            idx.index,
            idx.to_numpy(),
            marker=marker,
            ms=size,
            mew=2,
            color=colour,
            mfc=face or colour,
            ls="none",
            label=f"GVC participation, {measure} (quoted)",
            zorder=3,
        )
    bx.axhline(100, color="#999999", lw=0.8)
    bx.set_xlim(base_year - 3, max(openness.index.max(), max(years)) + 1)
    bx.set_xlabel("Year")
    bx.set_ylabel(f"Index, {base_year} = 100")
    bx.legend(loc="lower right", fontsize=8)
    bx.text(0.0, -0.2, "(b)", transform=bx.transAxes, fontsize=10, fontweight="bold")
    fig.tight_layout()
    return fig


def figure_robots(installations: pd.DataFrame, countries: Sequence[str], names: dict[str, str]):
    """(a) World robot installations; (b) installations in the focus economies with IFR figures."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.5, 3.8))
    world = installations[installations["iso3"] == "WLD"]
    _robot_line(ax, world, {"color": BENCHMARK_GREY, "linestyle": "--", "marker": "o"}, "World")
    ax.set_xlabel("Year")
    ax.set_ylabel("Industrial robots installed (thousand units)")
    ax.set_ylim(0, 1.35 * float(world["value"].max()) / 1000 if len(world) else None)  # room for the legend
    _preliminary_handle(ax)
    ax.text(0.0, -0.2, "(a)", transform=ax.transAxes, fontsize=10, fontweight="bold")
    styles = _styles(list(countries))
    shown = [c for c in countries if c in set(installations["iso3"])]
    for code in shown:
        _robot_line(bx, installations[installations["iso3"] == code], styles[code], names.get(code, code))
    if shown:
        _preliminary_handle(bx)
        top = float(installations.loc[installations["iso3"].isin(shown), "value"].max()) / 1000
        bx.set_ylim(0, top * (1.25 + 0.1 * len(shown)))  # room for the legend above the lines
    else:
        bx.text(
            0.5,
            0.5,
            "No IFR figures for these economies\nin the curated table",
            ha="center",
            va="center",
            transform=bx.transAxes,
        )
    bx.set_xlabel("Year")
    bx.set_ylabel("Industrial robots installed (thousand units)")
    bx.text(0.0, -0.2, "(b)", transform=bx.transAxes, fontsize=10, fontweight="bold")
    fig.tight_layout()
    return fig


def _robot_line(ax, rows: pd.DataFrame, style: dict, label: str) -> None:
    rows = rows.sort_values("year")
    marker = style["marker"] or "o"
    ax.plot(
        rows["year"],
        rows["value"] / 1000,
        color=style["color"],
        linestyle=style["linestyle"],
        lw=1.4,
        marker=marker,
        label=label,
    )
    prelim = rows[rows["preliminary"]]
    if len(prelim):  # open markers drawn over the filled ones
        ax.plot(
            prelim["year"], prelim["value"] / 1000, ls="none", marker=marker, mfc="white", mew=1.5, color=style["color"]
        )


def _preliminary_handle(ax) -> None:
    """Add a legend entry explaining open markers (one entry, whatever the economies)."""
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], ls="none", marker="o", mfc="white", mec="#444444", color="#444444"))
    labels.append("open marker: preliminary release")
    ax.legend(handles, labels, loc="upper left", fontsize=8)


def figure_industry(shares: pd.DataFrame, countries: Sequence[str], names: dict[str, str]):
    """Small multiples: industry's share of employment and of value added, per economy."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO

    n = len(countries)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(2.7 * cols + 0.6, 2.3 * rows + 0.5), sharex=True, sharey=True, squeeze=False
    )
    for ax, code in zip(axes.ravel(), countries, strict=False):
        sub = shares[shares["iso3"] == code]
        for measure, colour, ls, marker in (
            ("employment", OKABE_ITO[0], "-", None),
            ("value added", OKABE_ITO[3], "--", None),
        ):
            s = sub[sub["measure"] == measure]
            ax.plot(s["year"], s["value"], color=colour, ls=ls, marker=marker, lw=1.8, label=f"share of {measure}")
        ax.text(
            0.03,
            0.95,
            names.get(code, code),
            transform=ax.transAxes,
            va="top",
            fontsize=9,
            fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
        )
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Industry, % of total")
    for i, ax in enumerate(axes.ravel()):
        # the lowest visible panel of each column carries the x label and tick labels
        below = i + cols
        if below >= n and i < n:
            ax.set_xlabel("Year")
            ax.xaxis.set_tick_params(labelbottom=True)
    handles, _ = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles,
        ["industry's share of employment (ILO modelled)", "industry's share of value added (% of GDP)"],
        loc="upper center",
        ncols=2,
        bbox_to_anchor=(0.5, 1.04),
    )
    fig.tight_layout()
    return fig


def figure_fdi(fdi: pd.DataFrame, trend: BrokenTrend, groups: Sequence[str]):
    """FDI net inflows % of GDP by group, with the world's broken trend and band."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO, mark_year

    fig, ax = plt.subplots(figsize=(8.0, 4.3))
    labels = display_names(groups)
    palette = {"WLD": ("black", "-", "o"), "HIC": (OKABE_ITO[0], "--", "s"), "LMY": (OKABE_ITO[1], "-.", "^")}
    for g in groups:
        if g in fdi:
            colour, ls, marker = palette.get(g, (OKABE_ITO[4], ":", "D"))
            ax.plot(fdi.index, fdi[g], color=colour, ls=ls, marker=marker, ms=3, lw=1.4, label=labels[g])
    f = trend.fitted
    ax.plot(f["year"], f["fit"], color=OKABE_ITO[3], lw=2, label=f"World: broken trend, kink in {trend.break_year}")
    ax.fill_between(
        f["year"], f["lower"], f["upper"], color=OKABE_ITO[3], alpha=0.2, lw=0, label="95 % confidence band"
    )
    mark_year(ax, trend.break_year, str(trend.break_year))
    ax.axhline(0, color="#999999", lw=0.8)
    ax.set_xlabel("Year")
    ax.set_ylabel("FDI net inflows, % of GDP")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def figure_concentration(royalties: pd.DataFrame, ict: pd.DataFrame | None, top_n: int = 5):
    """(a) Top-n share and (b) Herfindahl index of receipts for IP (and ICT service exports)."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(8.5, 3.8))
    series = [(royalties, "charges for the use of intellectual property, receipts", OKABE_ITO[0], "-", "o")]
    if ict is not None and not ict.empty:
        series.append((ict, "ICT service exports", OKABE_ITO[1], "--", "s"))
    for frame, label, colour, ls, marker in series:
        ax.plot(frame.index, frame["top_share"], color=colour, ls=ls, marker=marker, ms=3, label=label)
        bx.plot(frame.index, frame["hhi"], color=colour, ls=ls, marker=marker, ms=3, label=label)
    ax.set_ylabel(f"Share of the top {top_n} economies, % of total")
    ax.set_ylim(0, 100)
    bx.set_ylabel("Herfindahl-Hirschman index (0-10,000)")
    bx.set_ylim(0, None)
    for axis, tag in ((ax, "(a)"), (bx, "(b)")):
        axis.set_xlabel("Year")
        axis.text(0.0, -0.2, tag, transform=axis.transAxes, fontsize=10, fontweight="bold")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def figure_developing(shares: pd.DataFrame, break_year: int):
    """Developing economies' shares of world merchandise, manufactured and high-tech exports."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, mark_year

    fig, ax = plt.subplots(figsize=(8.0, 4.3))
    spec = (
        ("merchandise", "low and middle income: merchandise exports", OKABE_ITO[0], "-", None),
        ("merchandise_ex_china", "low and middle income excluding China: merchandise", OKABE_ITO[2], "-.", None),
        ("manufactures", "low and middle income: manufactured exports", OKABE_ITO[1], "-", "^"),
        ("sdg_developing", "developing regions (UN M49): merchandise", BENCHMARK_GREY, ":", "o"),
        ("high_tech", "low and middle income: high-technology exports", OKABE_ITO[3], "--", "s"),
    )
    for column, label, colour, ls, marker in spec:
        if column in shares and shares[column].notna().any():
            s = shares[column].dropna()
            ax.plot(s.index, s.to_numpy(), color=colour, ls=ls, marker=marker, ms=3, lw=1.8, label=label)
    mark_year(ax, break_year, str(break_year))
    ax.set_xlabel("Year")
    ax.set_ylabel("Share of world exports, %")
    ax.set_ylim(0, None)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def figure_rivals(rivals: pd.DataFrame, break_year: int, policy_year: int, *, start_year: int = 1995):
    """Three rival explanations of the stall: (a) world trade with and without China, (b) the commodity
    part of world merchandise exports, (c) China's imports, all % of GDP, with the break and policy years."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, mark_year

    data = rivals.loc[start_year:]
    fig, axes = plt.subplots(1, 3, figsize=(11.0, 4.0))
    panels = [
        (
            axes[0],
            [
                ("world_trade", "world", "-", OKABE_ITO[0]),
                ("world_ex_china_trade", "world without China", "--", OKABE_ITO[1]),
            ],
            "(X + M)/2, % of GDP",
        ),
        (
            axes[1],
            [
                ("merch_exports_gdp", "all merchandise", "-", OKABE_ITO[0]),
                ("other_exports_gdp", "other than fuels, ores, metals", "--", OKABE_ITO[2]),
                ("commodity_exports_gdp", "fuels, ores and metals", ":", OKABE_ITO[3]),
            ],
            "world merchandise exports, % of world GDP",
        ),
        (
            axes[2],
            [("china_imports_gdp", "China", "-", OKABE_ITO[4])],
            "China's imports of goods and services, % of GDP",
        ),
    ]
    for letter, (ax, lines, ylabel) in zip("abc", panels, strict=True):
        for col, label, ls, colour in lines:
            if col in data and data[col].notna().any():
                s = data[col].dropna()
                ax.plot(s.index, s.to_numpy(), ls=ls, color=colour, lw=2.0, label=label)
        mark_year(ax, break_year, str(break_year), color=BENCHMARK_GREY)
        mark_year(ax, policy_year, f"{policy_year} tariffs", color=BENCHMARK_GREY)
        ax.set_xlabel("year")
        ax.set_ylabel(ylabel)
        ax.text(0.02, 0.98, f"({letter})", transform=ax.transAxes, fontsize=10, va="top")
        if len(lines) > 1:
            where = {"loc": "lower right"} if letter == "a" else {"loc": "center", "bbox_to_anchor": (0.5, 0.42)}
            ax.legend(fontsize=8, frameon=False, **where)
    axes[1].set_ylim(bottom=0)
    fig.tight_layout()
    return fig


def figure_robots_trade(frame: pd.DataFrame, regressions: pd.DataFrame, names: dict[str, str]):
    """Change in imports (% of GDP) against doublings of robot density, one marker per economy, with the
    OLS line of :func:`.analysis.robot_trade_regressions` (imports of goods and services)."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO

    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    data = frame.dropna(subset=["density_doublings", "imports_change"])
    ax.scatter(
        data["density_doublings"],
        data["imports_change"],
        color=OKABE_ITO[0],
        marker="o",
        s=40,
        zorder=3,
        label="economy (imports of goods and services)",
    )
    # labels alternate above and below their marker, so that neighbours do not overlap
    for i, (iso, row) in enumerate(data.sort_values("density_doublings").iterrows()):
        ax.annotate(
            names.get(iso, iso),
            (row["density_doublings"], row["imports_change"]),
            xytext=(4, 3 if i % 2 else -11),
            textcoords="offset points",
            fontsize=8,
        )
    rows = regressions.set_index("outcome") if not regressions.empty else pd.DataFrame()
    if "imports_change" in rows.index and np.isfinite(rows.loc["imports_change", "slope"]) and len(data) > 1:
        slope = rows.loc["imports_change", "slope"]
        x = np.linspace(data["density_doublings"].min(), data["density_doublings"].max(), 50)
        intercept = float(data["imports_change"].mean() - slope * data["density_doublings"].mean())
        ax.plot(x, intercept + slope * x, color=BENCHMARK_GREY, ls="--", lw=1.5, label="OLS fit")
    ax.axhline(0, color=BENCHMARK_GREY, lw=0.8)
    ax.set_xlabel("robot density, doublings (log2 of its ratio between the two years)")
    ax.set_ylabel("change in imports, pp of GDP")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
