"""The book's one figure theme: colour-blind-safe palette, readable sizes, deterministic files.

Call :func:`apply_theme` once at the top of a chapter. Titles go in the figure caption (cell
metadata), not on the axes; axes carry units; every figure gets a source line.

Every figure is drawn for a white page; :func:`dark_colour` maps each of its colours for the
dark page (:mod:`imtrade.show.figure_export` redraws the figure with it): greys and black are
inverted in lightness, colours keep their hue and are lightened only as far as needed to stand
out from the dark background, so "the blue line" is blue in both modes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence

# Okabe & Ito (2008) colour-universal-design palette; black last, grey for benchmarks.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
BENCHMARK_GREY = "#6E6E6E"
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 5)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
# Page background of the site in dark mode (sphinx-book-theme --pst-color-background).
DARK_BACKGROUND = "#121212"
MIN_DARK_CONTRAST = 4.5  # WCAG contrast of a colour against the dark background (text: 4.5)
MAX_DARK_CONTRAST = 15.0  # black text becomes light grey, not glaring white


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
    from imtrade.show.figure_export import register_figure_exports

    register_figure_exports()  # each figure shown also carries its data and its dark variant


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


def note_no_data(ax, text: str) -> None:
    """Write ``text`` (what the data lack, e.g. "No consumption-based CO2 data for Tuvalu") in
    the middle of an empty axes: a figure whose data a parameter set lacks says so and the
    chapter goes on (CONTRIBUTING.md, missing values)."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=10, color="#444444", wrap=True)


# ---------------------------------------------------------------------------------------
# Dark mode


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _gamma(channel: float) -> float:
    channel = min(max(channel, 0.0), 1.0)
    return 12.92 * channel if channel <= 0.0031308 else 1.055 * channel ** (1 / 2.4) - 0.055


def _to_oklab(r: float, g: float, b: float) -> tuple[float, float, float]:
    """sRGB (0-1) to OKLab (Ottosson 2020), a perceptual space: equal steps of L look equal."""
    r, g, b = _linear(r), _linear(g), _linear(b)
    lms = (
        0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b,
        0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b,
        0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b,
    )
    l_, m_, s_ = (math.copysign(abs(v) ** (1 / 3), v) for v in lms)
    return (
        0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
        1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
        0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_,
    )


def _from_oklab(lightness: float, a: float, b: float) -> tuple[float, float, float]:
    l_ = lightness + 0.3963377774 * a + 0.2158037573 * b
    m_ = lightness - 0.1055613458 * a - 0.0638541728 * b
    s_ = lightness - 0.0894841775 * a - 1.2914855480 * b
    long, medium, short = l_**3, m_**3, s_**3  # cone responses (LMS)
    return (
        _gamma(4.0767416621 * long - 3.3077115913 * medium + 0.2309699292 * short),
        _gamma(-1.2684380046 * long + 2.6097574011 * medium - 0.3413193965 * short),
        _gamma(-0.0041960863 * long - 0.7034186147 * medium + 1.7076146010 * short),
    )


def relative_luminance(rgb: Sequence[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (channels 0-1)."""
    r, g, b = (_linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: Sequence[float], second: Sequence[float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (1 to 21)."""
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@functools.lru_cache(maxsize=4096)
def _dark_rgb(r: float, g: float, b: float) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    background = to_rgb(DARK_BACKGROUND)
    lightness, a, b_ = _to_oklab(r, g, b)
    if math.hypot(a, b_) < 0.03:
        # A grey keeps its contrast: drawn on the dark page it stands out from the background
        # as much as it did from white (white becomes the background, black near-white).
        target = min(contrast_ratio((r, g, b), (1.0, 1.0, 1.0)), MAX_DARK_CONTRAST)
        base = relative_luminance(background)
        share = ((base + 0.05) * target - 0.05 - base) / (1 - base)
        return tuple(_gamma(_linear(c) + share * (1 - _linear(c))) for c in background)
    rgb = (r, g, b)
    while contrast_ratio(rgb, background) < MIN_DARK_CONTRAST and lightness < 0.97:
        lightness += 0.01
        rgb = _from_oklab(lightness, a, b_)
    return rgb


def dark_colour(colour) -> tuple[float, float, float, float]:
    """The colour to draw on the dark page for ``colour`` drawn on the white page (RGBA, 0-1).

    Greys (OKLab chroma < 0.03) keep their WCAG contrast: a grey that stood out from white by
    a ratio c gets the mix of :data:`DARK_BACKGROUND` and white that stands out from the
    dark background by c (white becomes the background; black a light grey, capped at
    :data:`MAX_DARK_CONTRAST`). Other colours keep hue and chroma and are lightened in OKLab
    only until their contrast with the dark background reaches :data:`MIN_DARK_CONTRAST` (most
    Okabe-Ito colours already do and are unchanged). Alpha is kept.
    """
    from matplotlib.colors import to_rgba

    r, g, b, alpha = to_rgba(colour)
    return (*_dark_rgb(round(r, 4), round(g, 4), round(b, 4)), alpha)


def compress_png(data: str) -> str:
    """Re-encode a base64 PNG figure with a 256-colour palette (about 3x smaller, same look).

    Figures are drawn on an opaque page colour, so an alpha channel is flattened on white first.
    Deterministic.
    """
    import base64
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(data)))
    if image.mode in ("RGBA", "LA", "P"):
        background = Image.new("RGB", image.size, "white")
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    encoded = base64.b64encode(out.getvalue()).decode()
    return encoded if len(encoded) < len(data) else data
