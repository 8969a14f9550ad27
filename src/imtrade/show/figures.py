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


# seaborn's ``set_theme(style="whitegrid", context="notebook", font="DejaVu Sans")``, written out:
# importing seaborn costs a kernel about a second (it imports scipy.stats), and the book uses
# nothing else of it. tests/test_show.py checks that these are exactly seaborn's values. The one
# departure: seaborn's default image colour map ("rocket") exists only once seaborn is imported,
# so images keep matplotlib's viridis (no figure of the book uses a colour map).
WHITEGRID_NOTEBOOK = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.labelsize": 12.0,
    "axes.linewidth": 1.25,
    "axes.titlesize": 12.0,
    "font.family": ["DejaVu Sans"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12.0,
    "grid.color": ".8",
    "grid.linewidth": 1.0,
    "legend.fontsize": 11.0,
    "legend.title_fontsize": 12.0,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.labelsize": 11.0,
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.color": ".15",
    "ytick.labelsize": 11.0,
    "ytick.left": False,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
}
BOOK_RC = {
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


def apply_theme() -> None:
    """Set the matplotlib defaults for every figure of the book (idempotent): seaborn's
    white-grid style at notebook scale, the Okabe-Ito colour cycle, the book's sizes."""
    import matplotlib as mpl
    from cycler import cycler
    from matplotlib.colors import to_rgb

    mpl.rcParams.update(WHITEGRID_NOTEBOOK)
    mpl.rcParams["axes.prop_cycle"] = cycler("color", [to_rgb(c) for c in OKABE_ITO])
    mpl.rcParams.update(BOOK_RC)
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
