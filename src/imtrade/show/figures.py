"""The book's one figure theme: colour-blind-safe palette, readable sizes, deterministic files.

Call :func:`apply_theme` once at the top of a chapter. Titles go in the figure caption (cell
metadata), not on the axes; axes carry units; every figure gets a source line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Okabe & Ito (2008) colour-universal-design palette; black last, grey for benchmarks.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
BENCHMARK_GREY = "#6E6E6E"
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 5)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def apply_theme() -> None:
    """Set seaborn/matplotlib defaults for every figure of the book (idempotent)."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", palette=list(OKABE_ITO), font="DejaVu Sans")
    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "savefig.bbox": "tight",
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "imtrade",  # deterministic SVG ids
            "path.simplify": True,
        }
    )
    try:  # PNG without a creation date, so executed notebooks are reproducible
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png", metadata={"Software": None})
    except Exception:  # outside IPython
        pass


def country_styles(codes: Sequence[str], benchmark: Iterable[str] = ("WLD",)) -> dict[str, dict]:
    """Colour, line style and marker per entity code, stable in the order given.

    Benchmarks (e.g. WLD) are drawn in grey and dashed so that colour is not the only cue.
    """
    bench = set(benchmark)
    styles, i = {}, 0
    for code in codes:
        if code in bench:
            styles[code] = {"color": BENCHMARK_GREY, "linestyle": "--", "marker": None}
        else:
            styles[code] = {
                "color": OKABE_ITO[i % len(OKABE_ITO)],
                "linestyle": LINESTYLES[i % len(LINESTYLES)],
                "marker": MARKERS[i % len(MARKERS)],
            }
            i += 1
    return styles


def add_source(fig, text: str) -> None:
    """Write the data source under the figure (small, left-aligned)."""
    fig.text(0.0, -0.01, f"Source: {text}", ha="left", va="top", fontsize=8, color="#444444", wrap=True)


def mark_year(ax, year: int, label: str, *, color: str = "#444444") -> None:
    """A vertical dotted line with a short label at the top (e.g. a definition break)."""
    ax.axvline(year, color=color, linestyle=":", linewidth=1.2)
    ax.annotate(
        label,
        xy=(year, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -2),
        textcoords="offset points",
        fontsize=8,
        color=color,
        va="top",
    )
