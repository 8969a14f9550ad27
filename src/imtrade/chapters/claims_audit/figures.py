"""Appendix "Claims audit": the figures (verdict counts, and what changes between vintages)."""

from __future__ import annotations

import pandas as pd

from imtrade.chapters.claims_audit.analysis import VERDICT_STYLE, VERDICTS_SHOWN, AuditPage
from imtrade.chapters.claims_audit.text import source_label
from imtrade.claims import STATUSES


def plot_verdicts(counts: pd.DataFrame, ax=None, *, vintage: str = ""):
    """Horizontal stacked bars: claims per source text, split by verdict (colour + hatch).

    Parameters
    ----------
    counts : output of :func:`verdict_counts` (the ``total`` row and column are ignored).
    ax : matplotlib axes (a new figure when None).
    vintage : shown in the legend title.

    Returns
    -------
    The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    if ax is None:  # narrow enough to show at full size in the page column, labels inside
        fig, ax = plt.subplots(figsize=(7.0, 3.6), layout="constrained")
    else:
        fig = ax.figure
    body = counts.drop(index="total", errors="ignore").drop(columns="total", errors="ignore")
    labels = [source_label(s, short=True) for s in body.index]
    left = pd.Series(0.0, index=body.index)
    for status in body.columns:
        values = body[status]
        style = VERDICT_STYLE[status]
        bars = ax.barh(
            labels,
            values,
            left=left,
            color=style["color"],
            hatch=style["hatch"],
            edgecolor="white",
            linewidth=0.8,
            label=status,
        )
        for bar, value in zip(bars, values, strict=True):
            if value > 0:  # black on a white patch: readable on every colour and hatch
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    str(int(value)),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="black",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                )
        left += values
    from matplotlib.ticker import MaxNLocator

    ax.invert_yaxis()  # src000 at the top
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=10)
    ax.set_xlabel("Number of claims")
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    ax.legend(
        ncols=min(len(body.columns), 3),
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        frameon=False,
        fontsize=10,
        title=f"Verdict (WDI vintage {vintage})" if vintage else "Verdict",
        title_fontsize=10,
        alignment="left",
    )
    return fig


def plot_vintage_shift(page: AuditPage, ax=None):
    """Grouped bars: number of claims per verdict on each of the page's two vintages.

    Returns
    -------
    The matplotlib figure.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 3.2), layout="constrained")
    else:
        fig = ax.figure
    statuses = [
        s
        for s in STATUSES
        if s in VERDICTS_SHOWN or (page.audit["verdict"] == s).any() or (page.compare_audit["verdict"] == s).any()
    ]
    x = np.arange(len(statuses))
    width = 0.38
    for offset, (vintage, audit, hatch, color) in enumerate(
        ((page.vintage, page.audit, "", "#0072B2"), (page.compare_vintage, page.compare_audit, "//", "#56B4E9"))
    ):
        values = [int((audit["verdict"] == s).sum()) for s in statuses]
        bars = ax.bar(
            x + (offset - 0.5) * width,
            values,
            width,
            label=f"WDI vintage {vintage}",
            color=color,
            hatch=hatch,
            edgecolor="white",
        )
        ax.bar_label(bars, fontsize=9, padding=2)
    from matplotlib.ticker import MaxNLocator

    ax.set_xticks(x, [s.replace(" ", "\n") for s in statuses])  # two-word verdicts on two lines
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Number of claims")
    ax.grid(axis="x", visible=False)
    ax.margins(y=0.12)
    ax.legend(ncols=2, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False)
    return fig
