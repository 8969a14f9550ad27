"""Chapter "PartNIR": the figures (one function per figure, each with its source line)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from imtrade.chapters.partnir.analysis import DEVELOPING_WB, HIGH_INCOME, OUTCOMES, WORLD
from imtrade.data.entities import display_names
from imtrade.stats import TooFewObservations, ols_hc3

WB_SOURCE = "World Bank, World Development Indicators"


def _source(vintage: str, codes: str, extra: str = "") -> str:
    return f"{WB_SOURCE} (vintage {vintage}), {codes}" + (f"; {extra}" if extra else "") + "."


def _share_line(ax, part: pd.DataFrame, label: str, color: str, linestyle: str, marker: str) -> None:
    """One share series (``year``, ``share``) in the chapter's line style."""
    ax.plot(
        part["year"],
        part["share"],
        color=color,
        linestyle=linestyle,
        marker=marker,
        markevery=4,
        markersize=5,
        label=label,
    )


def _claim_star(ax, year: int, value: float, label: str) -> None:
    """The source text's figure: a black star."""
    ax.plot([year], [value], marker="*", markersize=13, color="#000000", linestyle="none", label=label)


def plot_world_weight(weight: pd.DataFrame, group_name: str, vintage: str, claim_year: int, claim_value: float):
    """Two panels (market exchange rates, PPP): developing-economy and group shares of world GDP."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, add_source

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.0), sharey=True)
    styles = {
        "imf_emde": {"label": "IMF emerging & developing", "color": OKABE_ITO[0], "linestyle": "-", "marker": "o"},
        "lmy": {"label": "World Bank low and middle income", "color": OKABE_ITO[1], "linestyle": "--", "marker": "s"},
        "group": {"label": group_name, "color": OKABE_ITO[2], "linestyle": "-.", "marker": "^"},
    }
    for ax, basis, title in zip(
        axes, ("MER", "PPP"), ("At market exchange rates", "At purchasing power parity"), strict=True
    ):
        for grouping, style in styles.items():
            part = weight[(weight["grouping"] == grouping) & (weight["basis"] == basis)]
            if grouping == "group":
                part = part[part["reporting"] == part["expected"]]
            ax.plot(
                part["year"],
                part["share"],
                color=style["color"],
                linestyle=style["linestyle"],
                marker=style["marker"],
                markevery=5,
                markersize=5,
                label=style["label"],
            )
        if basis == "MER":
            _claim_star(ax, claim_year, claim_value, f"Text: {claim_value:g} % in {claim_year}")
        ax.text(0.02, 0.98, title, transform=ax.transAxes, va="top", fontsize=10, color=BENCHMARK_GREY)
        ax.set_xlabel("Year")
    axes[0].set_ylabel("% of world GDP")
    axes[0].set_ylim(0, max(70.0, float(weight["share"].max()) + 5))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 0.86))
    fig.legend(handles, labels, loc="upper center", ncol=2, bbox_to_anchor=(0.5, 1.0))
    add_source(
        fig,
        _source(
            vintage,
            "NY.GDP.MKTP.CD; PPP GDP = NY.GDP.PCAP.PP.CD x SP.POP.TOTL",
            "IMF WEO advanced-economy list (October 2024)",
        ),
    )
    return fig


def plot_manufacturing_shares(
    shares: pd.DataFrame,
    group_name: str,
    claim_year: int,
    claim_value: float,
    mark: int | None = None,
    start_year: int | None = None,
):
    """China's, the group's and low- and middle-income economies' shares of world manufacturing value added."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from imtrade.show.figures import OKABE_ITO, add_source, mark_year

    if start_year is not None:
        shares = shares[shares["year"] >= start_year]
    fig, ax = plt.subplots(figsize=(8.0, 4.2))
    styles = {
        "CHN": ("China", OKABE_ITO[3], "-", "o"),
        "group": (group_name, OKABE_ITO[2], "-.", "^"),
        DEVELOPING_WB: ("World Bank low and middle income", OKABE_ITO[1], "--", "s"),
    }
    for series, style in styles.items():
        _share_line(ax, shares[(shares["series"] == series) & (shares["reporting"] == shares["expected"])], *style)
    _claim_star(ax, claim_year, claim_value, f"Text: China 'nearly one third' ({claim_year})")
    if mark is not None:
        mark_year(ax, mark, f"China largest from {mark}")
    ax.set_xlabel("Year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("% of world manufacturing value added")
    ax.set_ylim(0, float(shares["share"].max()) * 1.2)
    ax.legend(loc="lower right", fontsize=8)
    add_source(
        fig,
        "World Bank, World Development Indicators, NV.IND.MANF.CD "
        "(bulk CSV, 2023 copy rounded to 3 significant digits; "
        "no world total before 1997, no data after 2021).",
    )
    return fig


def plot_industry_ranking(ranking: pd.DataFrame, year: int, group: Sequence[str], named: Sequence[str], vintage: str):
    """Horizontal bars: the largest economies by industry value added, group members and named economies marked."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from imtrade.show.figures import OKABE_ITO, add_source

    names = display_names(ranking["iso3"])
    data = ranking.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.0, 0.32 * len(data) + 1.2))
    kinds = ["group" if c in group else "named" if c in named else "other" for c in data["iso3"]]
    look = {"group": (OKABE_ITO[0], ""), "named": (OKABE_ITO[1], "//"), "other": ("#BBBBBB", "")}
    colors = [look[k][0] for k in kinds]
    hatches = [look[k][1] for k in kinds]
    bars = ax.barh(
        [f"{int(r)}. {names[c]}" for r, c in zip(data["rank"], data["iso3"], strict=True)],
        data["value_bn"],
        color=colors,
    )
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
        bar.set_edgecolor("#333333" if hatch else bar.get_facecolor())
    ax.set_xlabel(f"Industry value added incl. construction, {year} (billion current US dollars)")
    legend = [
        Patch(facecolor=OKABE_ITO[0], label="Group member"),
        Patch(facecolor=OKABE_ITO[1], hatch="//", edgecolor="#333333", label="Named by the text, not in the group"),
        Patch(facecolor="#BBBBBB", label="Other economy"),
    ]
    ax.legend(handles=legend, loc="lower right")
    add_source(fig, _source(vintage, "NV.IND.TOTL.ZS x NY.GDP.MKTP.CD (derived NV.IND.TOTL.CD)"))
    return fig


def plot_export_shares(shares: pd.DataFrame, group_name: str, vintage: str):
    """The group's, low- and middle-income economies' and UN developing regions' shares of world merchandise exports."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO, add_source

    fig, ax = plt.subplots(figsize=(8.0, 4.2))
    styles = {
        "UN developing regions": ("UN 'developing regions' (UNCTAD definition)", OKABE_ITO[0], "-", "o"),
        DEVELOPING_WB: ("World Bank low and middle income", OKABE_ITO[1], "--", "s"),
        "group": (group_name, OKABE_ITO[2], "-.", "^"),
    }
    for series, (label, color, ls, marker) in styles.items():
        part = shares[shares["series"] == series]
        if series == "group":
            part = part[part["reporting"] == part["expected"]]
        _share_line(ax, part, label, color, ls, marker)
    ax.set_xlabel("Year")
    ax.set_ylabel("% of world merchandise exports")
    ax.set_ylim(0, None)
    ax.legend(loc="lower right")
    add_source(
        fig,
        _source(
            vintage, "TX.VAL.MRCH.CD.WT", "UN SDG database (2020-10-19), TX_EXP_GBMRCH, developing regions (M49 515)"
        ),
    )
    return fig


def plot_gii_ranks(table: pd.DataFrame, late_year: int = 2021, ranked: dict[int, int] | None = None):
    """Dumbbells: GII rank in 2011 (and 2012) and in ``late_year`` per economy (rank 1 = best, drawn on top)."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, add_source

    data = table.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.0, 0.42 * len(data) + 1.4))
    late = f"rank_{late_year}"
    for i, row in data.iterrows():
        start = row["rank_2011"] if not pd.isna(row["rank_2011"]) else row["rank_2012"]
        ax.plot([start, row[late]], [i, i], color=BENCHMARK_GREY, linewidth=1.5, zorder=1)
    ranked = ranked or {}

    def label(year: int) -> str:
        return f"{year} edition" + (f" ({ranked[year]} economies)" if year in ranked else "")

    ax.scatter(data["rank_2011"], data.index, marker="o", s=45, color=OKABE_ITO[1], label=label(2011), zorder=3)
    ax.scatter(
        data["rank_2012"],
        data.index,
        marker="s",
        s=40,
        facecolors="none",
        edgecolors=OKABE_ITO[5],
        label=label(2012),
        zorder=3,
    )
    ax.scatter(data[late], data.index, marker="D", s=45, color=OKABE_ITO[0], label=label(late_year), zorder=4)
    names = display_names(data["iso3"])
    ax.set_yticks(range(len(data)), [names.get(c, e) for c, e in zip(data["iso3"], data["economy"], strict=True)])
    ax.invert_xaxis()
    ax.set_xlabel("Global Innovation Index rank (1 = most innovative; better ranks to the right)")
    handles, labels = ax.get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    fig.legend(handles, labels, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 1.0), fontsize=8)
    add_source(
        fig,
        "WIPO / INSEAD, Global Innovation Index 2011, 2012 and 2021, ranks as reported in news and government "
        "releases (data/curated/innovation_index_ranks.csv).",
    )
    return fig


def plot_resilience(sample: pd.DataFrame, group: Sequence[str], vintage: str):
    """Two scatters: 2020 growth and 2021 output vs trend against the 2019 manufacturing share, with OLS lines."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, add_source, note_no_data

    fig, axes = plt.subplots(2, 1, figsize=(8.0, 8.0), sharex=True)
    for ax, (outcome, label) in zip(axes, OUTCOMES.items(), strict=True):
        data = sample.dropna(subset=["manuf_share", outcome])
        members = data["iso3"].isin(list(group))
        ax.scatter(
            data.loc[~members, "manuf_share"],
            data.loc[~members, outcome],
            s=14,
            color=BENCHMARK_GREY,
            alpha=0.6,
            label="Other economies",
        )
        ax.scatter(
            data.loc[members, "manuf_share"],
            data.loc[members, outcome],
            s=40,
            marker="D",
            color=OKABE_ITO[0],
            label="Group members",
            zorder=3,
        )
        for j, row in enumerate(data[members].sort_values(outcome).itertuples()):
            ax.annotate(
                row.iso3,
                (row.manuf_share, getattr(row, outcome)),
                xytext=(6, 6 if j % 2 else -11),
                textcoords="offset points",
                fontsize=8,
                color=OKABE_ITO[0],
                arrowprops={"arrowstyle": "-", "color": OKABE_ITO[0], "linewidth": 0.6},
            )
        try:
            fit = ols_hc3(data, outcome, ["manuf_share"])
        except TooFewObservations:  # a vintage without the pandemic years: the panel says so
            note_no_data(ax, "No data for these years in this vintage")
        else:
            coef = fit.coefficients.set_index("term")["estimate"]
            xs = np.linspace(data["manuf_share"].min(), data["manuf_share"].max(), 50)
            ax.plot(xs, coef["const"] + coef["manuf_share"] * xs, color=OKABE_ITO[3], linestyle="--", label="OLS fit")
        ax.axhline(0, color="#444444", linewidth=0.8)
        ax.set_ylabel(label)
    axes[-1].set_xlabel("Manufacturing value added, 2019 (% of GDP)")
    axes[0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    add_source(
        fig,
        _source(
            vintage,
            "NY.GDP.MKTP.KD.ZG",
            "NV.IND.MANF.CD (bulk CSV) / NY.GDP.MKTP.CD; economies with at least 1 million people",
        ),
    )
    return fig


def plot_profile(profile: pd.DataFrame, group_name: str, vintage: str):
    """One row per indicator: members (labelled), the group average and the world / high-income /
    developing benchmarks."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import BENCHMARK_GREY, OKABE_ITO, add_source

    items = list(dict.fromkeys(profile["indicator"]))
    fig, axes = plt.subplots(len(items), 1, figsize=(8.5, 1.45 * len(items) + 1.0))
    names = display_names([WORLD, HIGH_INCOME, DEVELOPING_WB])
    bench_style = {
        WORLD: (names[WORLD], BENCHMARK_GREY, "s"),
        HIGH_INCOME: (names[HIGH_INCOME], "#000000", "P"),
        DEVELOPING_WB: (names[DEVELOPING_WB], OKABE_ITO[1], "v"),
    }
    for ax, code in zip(np.atleast_1d(axes), items, strict=True):
        part = profile[profile["indicator"] == code]
        members = part[part["kind"] == "member"].dropna(subset=["value"]).sort_values("value")
        # three rows per panel: members (labelled), the group average, the benchmarks
        ax.scatter(
            members["value"],
            np.full(len(members), 0.55),
            s=22,
            facecolors="none",
            edgecolors=OKABE_ITO[0],
            label="Members",
        )
        for j, row in enumerate(members.itertuples()):
            ax.annotate(
                row.entity,
                (row.value, 0.55),
                xytext=(0, 5 if j % 2 == 0 else -10),
                textcoords="offset points",
                fontsize=7,
                ha="center",
                color="#333333",
            )
        grp = part[part["kind"] == "group"]
        ax.scatter(
            grp["value"],
            [0.0] * len(grp),
            s=90,
            marker="o",
            color=OKABE_ITO[0],
            label=f"{group_name} (weighted)",
            zorder=3,
        )
        for entity, (label, color, marker) in bench_style.items():
            hit = part[part["entity"] == entity]
            ax.scatter(hit["value"], [-0.55] * len(hit), s=60, marker=marker, color=color, label=label, zorder=4)
        first = part.iloc[0]
        ax.set_yticks([0.55, 0.0, -0.55], ["members", "group", "benchmarks"], fontsize=7)
        ax.set_ylim(-1, 1.1)
        ax.set_xlabel(f"{first['label']} ({first['unit']})", fontsize=9)
        ax.grid(axis="y", visible=False)
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.legend(handles, labels, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 1.0), fontsize=8)
    add_source(
        fig,
        _source(
            vintage,
            "NV.IND.TOTL.ZS, TX.VAL.TECH.MF.ZS, GB.XPD.RSDV.GD.ZS, IT.NET.BBND.P2, LP.LPI.OVRL.XQ",
            "latest value within four years of the reference year",
        ),
    )
    return fig


def plot_reindustrialisation(shares: pd.DataFrame, group_label: str, vintage: str, years: tuple[int, int]):
    """Manufacturing and industry (incl. construction) value added of an income group, % of its GDP."""
    import matplotlib.pyplot as plt

    from imtrade.show.figures import OKABE_ITO, add_source, mark_year

    fig, ax = plt.subplots(figsize=(7.6, 4.0))
    ax.plot(
        shares.index,
        shares["manufacturing"],
        color=OKABE_ITO[0],
        linestyle="-",
        marker="o",
        markevery=4,
        markersize=4,
        label="Manufacturing value added",
    )
    ax.plot(
        shares.index,
        shares["industry"],
        color=OKABE_ITO[1],
        linestyle="--",
        marker="s",
        markevery=4,
        markersize=4,
        label="Industry value added (incl. construction, mining, utilities)",
    )
    for year in years:
        mark_year(ax, year, str(year))
    ax.set_xlabel("Year")
    ax.set_ylabel(f"% of {group_label} GDP (current US$)")
    ax.set_ylim(0, max(35.0, float(np.nanmax(shares[["manufacturing", "industry"]].to_numpy())) + 3))
    ax.legend(loc="lower left", fontsize=8.5)
    fig.tight_layout()
    add_source(fig, _source(vintage, "NV.IND.TOTL.ZS, NY.GDP.MKTP.CD; WDI bulk NV.IND.MANF.CD (aggregate HIC)"))
    return fig


def plot_digital_access(tidy: pd.DataFrame, groups: Sequence[str], labels: dict[str, str], vintage: str):
    """Two panels: fixed broadband and mobile subscriptions per 100 people by income group, by year."""
    import matplotlib.pyplot as plt

    from imtrade.chapters.partnir.analysis import DIGITAL_ACCESS
    from imtrade.show.figures import OKABE_ITO, add_source

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.9))
    styles = ["-", "--", "-.", ":"]
    markers = ["o", "s", "^", "D"]
    for ax, (code, label) in zip(axes, DIGITAL_ACCESS.items(), strict=True):
        for i, group in enumerate(groups):
            s = tidy[(tidy["indicator"] == code) & (tidy["iso3"] == group)].sort_values("year")
            ax.plot(
                s["year"],
                s["value"],
                color=OKABE_ITO[i % len(OKABE_ITO)],
                linestyle=styles[i % 4],
                marker=markers[i % 4],
                markevery=4,
                markersize=4,
                label=labels.get(group, group),
            )
        ax.set_xlabel("Year")
        ax.set_ylabel(label.replace(" per 100 people", ", per 100 people"), fontsize=8.5)
    handles, names = axes[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 0.88))
    fig.legend(handles, names, loc="upper center", ncol=len(groups), bbox_to_anchor=(0.5, 1.0))
    add_source(fig, _source(vintage, ", ".join(DIGITAL_ACCESS), "World Bank income aggregates"))
    return fig
