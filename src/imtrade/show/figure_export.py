"""What a figure carries besides its picture: the data it plots and a dark-mode variant.

:func:`imtrade.show.figures.apply_theme` registers an IPython display formatter, so every
matplotlib figure a chapter shows gets one more output next to its PNG, of type
:data:`FIGURE_MIME` (a JSON object, see :func:`figure_export`): the plotted data as CSV with a
note per column, the figure's source line, the datasets the chapter had read when the figure
was drawn, and the PNG of the same figure redrawn for a dark page. Notebooks do nothing for
this: the data are read back from the figure's artists (lines, points, bars, bands, reference
lines). A chapter that wants to publish its own tidy frame instead (its column names, full
precision, series it does not draw) passes it with :func:`attach_data`.

The book's Sphinx extension (:mod:`imtrade.book.figure_downloads`) turns these outputs into
one zip per figure (CSV, README with the columns, sources, licences, citations and the command
that reproduces the page) and into the figure's dark-mode image.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

FIGURE_MIME = "application/vnd.imtrade.figure+json"
EXPORT_VERSION = 1
_ATTACHED = "_imtrade_data"  # attribute of a Figure holding attach_data's frame and notes

COLUMN_NOTES = {
    "panel": "Panel of the figure, numbered left to right and top to bottom (see 'Panels' below).",
    "series": "Legend entry of the line, points or bars (empty: not in the legend, e.g. a fitted trend or a marker).",
    "kind": (
        "What is drawn: line, points, bars, band (a shaded interval), vertical/horizontal reference line, "
        "shaded span or segment."
    ),
    "label": "Text written next to the point on the figure (e.g. an economy's code).",
    "x": "Position on the horizontal axis (see the panel's x axis below for the unit).",
    "y": "Position on the vertical axis (see the panel's y axis below for the unit).",
    "x_end": "End of a segment or shaded span on the horizontal axis.",
    "y_low": "Lower edge of a band or bar (vertical axis).",
    "y_high": "Upper edge of a band (vertical axis).",
    "colour_value": "Value mapped to the colour of the point (see the figure's colour bar or caption).",
    "marker_size": "Marker area in points squared (when the size of the points carries a value).",
}


@dataclass
class PlottedData:
    """The data a figure shows: a tidy frame, a note per column and the axes' labels."""

    frame: pd.DataFrame
    columns: dict[str, str]
    panels: list[dict[str, str]] = field(default_factory=list)
    read_from_artists: bool = True


def attach_data(fig, frame: pd.DataFrame, columns: Mapping[str, str] | None = None):
    """Publish ``frame`` as the data of ``fig`` (instead of the data read from its artists).

    ``columns`` gives the meaning and unit of each column (every column of ``frame`` should
    have one; the README says so where one is missing). Returns ``fig``.
    """
    notes = {str(c): str((columns or {}).get(c, "")) for c in frame.columns}
    setattr(fig, _ATTACHED, (frame.copy(), notes))
    return fig


# ---------------------------------------------------------------------------------------
# Reading the data back from the artists


def _values(seq) -> list:
    out = []
    for value in list(seq):
        if hasattr(value, "item") and not isinstance(value, str | bytes):
            with contextlib.suppress(ValueError, AttributeError):
                value = value.item()
        out.append(value)
    return out


def _number(value) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _is_legend_label(label: str | None) -> bool:
    return bool(label) and not str(label).startswith("_")


def _tick_labels(axis, positions: list[float]) -> list[str | None]:
    """The tick label at each position (categorical axes), or None where there is none."""
    ticks = list(axis.get_majorticklocs())
    texts = [t.get_text() for t in axis.get_majorticklabels()]
    out: list[str | None] = []
    for pos in positions:
        match = None
        for tick, text in zip(ticks, texts, strict=False):
            if text and abs(float(tick) - float(pos)) < 1e-6:
                match = text
                break
        out.append(match)
    return out


def _point_labels(ax, xs: list, ys: list) -> list[str | None]:
    """Texts written at (or within 1 % of the axes' range of) each point, e.g. country codes."""
    texts = []
    for text in ax.texts:
        try:
            if hasattr(text, "xy") and getattr(text, "xycoords", None) == "data":
                tx, ty = text.xy
            elif text.get_transform() == ax.transData:
                tx, ty = text.get_position()
            else:
                continue
            texts.append((float(tx), float(ty), text.get_text()))
        except (TypeError, ValueError):
            continue
    if not texts:
        return [None] * len(xs)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    tol_x, tol_y = abs(x1 - x0) * 0.01, abs(y1 - y0) * 0.01
    out = []
    for x, y in zip(xs, ys, strict=True):
        try:
            fx, fy = float(x), float(y)
        except (TypeError, ValueError):
            out.append(None)
            continue
        best = min(texts, key=lambda t: abs(t[0] - fx) / (tol_x or 1) + abs(t[1] - fy) / (tol_y or 1))
        out.append(best[2] if abs(best[0] - fx) <= tol_x and abs(best[1] - fy) <= tol_y else None)
    return out


def _axes_rows(ax, panel: int) -> list[dict]:
    from matplotlib.collections import LineCollection, PathCollection, PolyCollection
    from matplotlib.container import BarContainer
    from matplotlib.patches import Rectangle

    rows: list[dict] = []
    x_transform, y_transform = ax.get_xaxis_transform(), ax.get_yaxis_transform()

    for line in ax.get_lines():
        if not line.get_visible():
            continue
        label = line.get_label() if _is_legend_label(line.get_label()) else ""
        xs, ys = _values(line.get_xdata()), _values(line.get_ydata())
        transform = line.get_transform()
        if transform == x_transform and xs:  # axvline: x in data, y in axes fraction
            rows.append({"panel": panel, "series": label, "kind": "vertical reference line", "x": xs[0]})
        elif transform == y_transform and ys:  # axhline
            rows.append({"panel": panel, "series": label, "kind": "horizontal reference line", "y": ys[0]})
        elif transform == ax.transData:
            kind = "points" if line.get_linestyle() in ("None", "none", "", " ") else "line"
            rows += [
                {"panel": panel, "series": label, "kind": kind, "x": _number(x), "y": _number(y)}
                for x, y in zip(xs, ys, strict=False)
            ]

    bar_patches = set()
    for container in ax.containers:
        if not isinstance(container, BarContainer):
            continue
        label = container.get_label() if _is_legend_label(container.get_label()) else ""
        horizontal = getattr(container, "orientation", "vertical") == "horizontal"
        rects = [r for r in container.patches if isinstance(r, Rectangle)]
        bar_patches.update(id(r) for r in rects)
        if horizontal:
            centres = [r.get_y() + r.get_height() / 2 for r in rects]
            categories = _tick_labels(ax.yaxis, centres)
            for rect, centre, category in zip(rects, centres, categories, strict=True):
                rows.append(
                    {
                        "panel": panel,
                        "series": label,
                        "kind": "bars",
                        "x": rect.get_x() + rect.get_width(),
                        "x_start": rect.get_x(),
                        "y": category if category is not None else centre,
                    }
                )
        else:
            centres = [r.get_x() + r.get_width() / 2 for r in rects]
            categories = _tick_labels(ax.xaxis, centres)
            for rect, centre, category in zip(rects, centres, categories, strict=True):
                rows.append(
                    {
                        "panel": panel,
                        "series": label,
                        "kind": "bars",
                        "x": category if category is not None else centre,
                        "y": rect.get_y() + rect.get_height(),
                        "y_low": rect.get_y(),
                    }
                )

    for collection in ax.collections:
        if not collection.get_visible():
            continue
        label = collection.get_label() if _is_legend_label(collection.get_label()) else ""
        if isinstance(collection, PathCollection):  # scatter
            offsets = collection.get_offsets()
            if len(offsets) == 0:
                continue
            xs, ys = _values(offsets[:, 0]), _values(offsets[:, 1])
            labels = _point_labels(ax, xs, ys)
            values = collection.get_array()
            sizes = collection.get_sizes()
            for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
                row = {"panel": panel, "series": label, "kind": "points", "x": _number(x), "y": _number(y)}
                if labels[i]:
                    row["label"] = labels[i]
                if values is not None and len(values) == len(xs):
                    row["colour_value"] = _number(float(values[i]))
                if len(sizes) == len(xs) and len(set(map(float, sizes))) > 1:
                    row["marker_size"] = float(sizes[i])
                rows.append(row)
        elif isinstance(collection, PolyCollection):  # fill_between: a band
            for path in collection.get_paths():
                edges: dict[float, list[float]] = {}
                for vx, vy in path.vertices:
                    if math.isfinite(vx) and math.isfinite(vy):
                        edges.setdefault(round(float(vx), 10), []).append(float(vy))
                for x in sorted(edges):
                    rows.append(
                        {
                            "panel": panel,
                            "series": label,
                            "kind": "band",
                            "x": x,
                            "y_low": min(edges[x]),
                            "y_high": max(edges[x]),
                        }
                    )
        elif isinstance(collection, LineCollection):  # hlines, vlines, error bars
            for segment in collection.get_segments():
                if len(segment) >= 2:
                    (sx, sy), (ex, ey) = segment[0], segment[-1]
                    rows.append(
                        {
                            "panel": panel,
                            "series": label,
                            "kind": "segment",
                            "x": float(sx),
                            "y": float(sy),
                            "x_end": float(ex),
                            "y_end": float(ey),
                        }
                    )

    for patch in ax.patches:
        if id(patch) in bar_patches or not isinstance(patch, Rectangle) or not patch.get_visible():
            continue
        if patch.get_transform() == x_transform:  # axvspan
            rows.append(
                {
                    "panel": panel,
                    "series": patch.get_label() if _is_legend_label(patch.get_label()) else "",
                    "kind": "shaded span",
                    "x": patch.get_x(),
                    "x_end": patch.get_x() + patch.get_width(),
                }
            )
    return rows


def plotted_data(fig) -> PlottedData:
    """The data ``fig`` shows: the frame given to :func:`attach_data`, or one row per plotted
    point read from the artists (see :data:`COLUMN_NOTES` for the columns)."""
    panels = []
    data_axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    rows: list[dict] = []
    for number, ax in enumerate(data_axes, start=1):
        found = _axes_rows(ax, number)
        if found:
            rows += found
            panels.append({"panel": str(number), "x axis": ax.get_xlabel().strip(), "y axis": ax.get_ylabel().strip()})
    attached = getattr(fig, _ATTACHED, None)
    if attached is not None:
        frame, notes = attached
        return PlottedData(frame, notes, panels, read_from_artists=False)
    order = ["panel", "series", "kind", "label", "x", "x_start", "x_end", "y", "y_low", "y_high", "y_end"]
    order += ["colour_value", "marker_size"]
    frame = pd.DataFrame(rows, columns=order)
    frame = frame.dropna(axis="columns", how="all")
    if "series" in frame and not frame["series"].astype(bool).any():
        frame = frame.drop(columns="series")
    if "panel" in frame and frame["panel"].nunique() <= 1:
        frame = frame.drop(columns="panel")
    notes = {c: COLUMN_NOTES.get(c, _EXTRA_NOTES.get(c, "")) for c in frame.columns}
    if "panel" not in frame and panels:
        notes = {
            c: n.replace(
                " (see the panel's x axis below for the unit)", f": {panels[0]['x axis'] or 'no label'}"
            ).replace(" (see the panel's y axis below for the unit)", f": {panels[0]['y axis'] or 'no label'}")
            for c, n in notes.items()
        }
    return PlottedData(frame, notes, panels)


_EXTRA_NOTES = {
    "x_start": "Start of a horizontal bar on the horizontal axis (x is its end).",
    "y_end": "End of a segment on the vertical axis.",
}


def source_line(fig) -> str:
    """The figure's source line (written by :func:`imtrade.show.figures.add_source`), if any."""
    for text in fig.texts:
        value = text.get_text()
        if value.startswith("Source:"):
            return value
    return ""


def datasets_read() -> list[dict[str, Any]]:
    """What the running chapter has read so far: per dataset and vintage the indicator codes
    loaded (empty for files read for other purposes, e.g. the names and groups of economies),
    and the curated tables (with their path)."""
    from imtrade.data.provenance import READS_LOG_ENV

    log = os.environ.get(READS_LOG_ENV)
    if not log or not os.path.exists(log):
        return []
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    with open(log, encoding="utf-8") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            curated = record.get("dataset") in ("curated", "project")
            key = (str(record.get("dataset")), str(record.get("vintage")), record.get("path", "") if curated else "")
            entry = seen.setdefault(key, {"dataset": key[0], "vintage": key[1], "indicators": []})
            if curated:
                entry["path"] = key[2]
            indicator = record.get("indicator")
            if indicator and indicator not in entry["indicators"]:
                entry["indicators"].append(indicator)
    return [seen[k] for k in sorted(seen)]


# ---------------------------------------------------------------------------------------
# The dark variant


def _recolour(fig) -> list:
    """Map every colour of ``fig`` with :func:`imtrade.show.figures.dark_colour`, in place;
    return the (setter, old value) pairs that undo it."""
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    from imtrade.show.figures import dark_colour

    undo: list = []

    def mapped(colour):
        if isinstance(colour, str) and colour.lower() in ("none", "auto", "face", "inherit"):
            return colour
        return dark_colour(colour)

    def change(getter, setter, many: bool = False) -> None:
        old = getter()
        if many:
            if isinstance(old, str) or not len(old):
                return
            new = [mapped(tuple(c)) for c in old]
            old = old.copy()
        else:
            new = mapped(old)
        undo.append((setter, old))
        setter(new)

    for artist in fig.findobj():
        if isinstance(artist, Text):
            change(artist.get_color, artist.set_color)
            box = artist.get_bbox_patch()
            if box is not None:
                change(box.get_facecolor, box.set_facecolor)
                change(box.get_edgecolor, box.set_edgecolor)
        elif isinstance(artist, Line2D):
            change(artist.get_color, artist.set_color)
            change(artist.get_markerfacecolor, artist.set_markerfacecolor)
            change(artist.get_markeredgecolor, artist.set_markeredgecolor)
        elif isinstance(artist, Patch):
            change(artist.get_facecolor, artist.set_facecolor)
            change(artist.get_edgecolor, artist.set_edgecolor)
        elif isinstance(artist, Collection):
            if artist.get_array() is None:  # colours from a colour map stay as they are
                change(artist.get_facecolor, artist.set_facecolor, many=True)
            change(artist.get_edgecolor, artist.set_edgecolor, many=True)
    return undo


def dark_variant_png(fig) -> bytes:
    """PNG of ``fig`` redrawn for the dark page (same size and layout as the light one).

    A copy of the figure is recoloured when it can be pickled; otherwise (e.g. a tick formatter
    that is a lambda) the figure itself is recoloured, drawn and put back as it was.
    """
    import matplotlib.pyplot as plt

    from imtrade.show.figures import DARK_BACKGROUND

    try:
        target, copied = pickle.loads(pickle.dumps(fig)), True  # never touch the figure the page shows
    except (pickle.PicklingError, AttributeError, TypeError):
        target, copied = fig, False
    undo = []
    try:
        undo = _recolour(target)
        buffer = io.BytesIO()
        target.savefig(
            buffer, format="png", facecolor=DARK_BACKGROUND, bbox_inches="tight", metadata={"Software": None}
        )
        return buffer.getvalue()
    finally:
        if copied:
            plt.close(target)  # unpickling registered it with pyplot: never display it
        else:
            for setter, old in reversed(undo):
                setter(old)


# ---------------------------------------------------------------------------------------
# The display output


def figure_export(fig) -> dict[str, Any]:
    """The :data:`FIGURE_MIME` output of ``fig``.

    Keys: ``version``; ``chapter`` (the chapter being executed); ``csv`` and ``columns``
    (column -> meaning), ``panels`` (each panel's axis labels) and ``read_from_artists``;
    ``source`` (the source line); ``reads`` (:func:`datasets_read`); ``dark_png`` (base64).
    A part that could not be made is replaced by ``error_data`` / ``error_dark`` with the
    reason, which the book's build reports as a warning (a strict build fails).
    """
    from imtrade.show.figures import compress_png
    from imtrade.show.tables import chapter_name

    out: dict[str, Any] = {"version": EXPORT_VERSION, "chapter": chapter_name()}
    try:
        data = plotted_data(fig)
        out["csv"] = data.frame.to_csv(index=False, lineterminator="\n", float_format="%.10g")
        out["columns"] = data.columns
        out["panels"] = data.panels
        out["read_from_artists"] = data.read_from_artists
    except Exception as exc:  # a figure is never lost for its download: the build warns
        out["error_data"] = f"{type(exc).__name__}: {exc}"
    out["source"] = source_line(fig)
    out["reads"] = datasets_read()
    try:
        out["dark_png"] = compress_png(base64.b64encode(dark_variant_png(fig)).decode())
    except Exception as exc:
        out["error_dark"] = f"{type(exc).__name__}: {exc}"
    return out


def register_figure_exports() -> None:
    """Add the :data:`FIGURE_MIME` formatter for matplotlib figures to the running IPython
    (no-op outside IPython and when already registered)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or FIGURE_MIME in shell.display_formatter.formatters:
        return
    from IPython.core.formatters import JSONFormatter
    from traitlets import ObjectName, Unicode

    class FigureExportFormatter(JSONFormatter):
        format_type = Unicode(FIGURE_MIME)
        print_method = ObjectName("_repr_imtrade_figure_")

    formatter = FigureExportFormatter(parent=shell.display_formatter)
    formatter.for_type_by_name("matplotlib.figure", "Figure", figure_export)
    shell.display_formatter.formatters[FIGURE_MIME] = formatter
