"""Appendix "Methods": the figure of simulated rejection rates."""

from __future__ import annotations

import pandas as pd

from imtrade.show.figures import country_styles


def figure_rejection_rates(table: pd.DataFrame):
    """Rejection rates (%) against rho, one panel per case, one line per test and sample length."""
    import matplotlib.pyplot as plt

    cases = list(dict.fromkeys(table["case"]))
    fig, axes = plt.subplots(1, len(cases), figsize=(9, 3.6), sharey=True, squeeze=False)
    tests = {"textbook_f": "textbook F", "bootstrap_chow": "bootstrap Chow", "bootstrap_sup_f": "bootstrap sup-F"}
    styles = country_styles(list(tests))
    for ax, case in zip(axes[0], cases, strict=True):
        sub = table[table["case"] == case]
        for column, label in tests.items():
            style = styles[column]
            for n, group in sub.groupby("n"):
                ax.plot(
                    group["rho"],
                    100 * group[column],
                    color=style.get("color"),
                    marker=style.get("marker", "o"),
                    linestyle="-" if n == sub["n"].max() else ":",
                    label=f"{label}, n = {n}",
                )
        ax.axhline(5, color="grey", linestyle="--", linewidth=1)
        ax.set_xlabel(f"autocorrelation rho; {case}")
    axes[0][0].set_ylabel("rejection rate at 5 %, % of series")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    return fig
