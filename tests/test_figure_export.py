"""What a figure carries besides its picture: its data (read from the artists), its dark variant,
and the display output that the build turns into downloads (imtrade.show.figure_export)."""

from __future__ import annotations

import base64
import io
import json
import math

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.colors import to_hex, to_rgb
from matplotlib.ticker import FuncFormatter
from PIL import Image

import imtrade.show.figure_export as export_module
from imtrade.show.figure_export import (
    attach_data,
    dark_variant_png,
    datasets_read,
    figure_export,
    plotted_data,
)
from imtrade.show.figures import (
    BENCHMARK_GREY,
    DARK_BACKGROUND,
    MIN_DARK_CONTRAST,
    OKABE_ITO,
    _to_oklab,
    add_source,
    apply_theme,
    contrast_ratio,
    dark_colour,
    mark_year,
)


@pytest.fixture(autouse=True)
def _close_figures():
    apply_theme()
    yield
    plt.close("all")


def two_panel_figure():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([2000, 2001, 2002], [1.5, 2.5, 3.0], label="USA")
    left.plot([2000, 2001, 2002], [1.0, 1.25, 1.125], "--")  # no legend entry
    left.fill_between([2000, 2001, 2002], [0.5, 0.75, 1.0], [2.0, 2.25, 2.5], alpha=0.2, label="95 % band")
    mark_year(left, 2001, "break")
    left.set_xlabel("Year")
    left.set_ylabel("% of GDP")
    right.bar(["CHN", "USA"], [3.0, 4.5], label="2020")
    right.scatter([10.0, 20.0], [30.0, 40.0])
    right.annotate("KOR", (10.0, 30.0))
    right.set_ylabel("US$ bn")
    add_source(fig, "World Bank, World Development Indicators (vintage 2026-07-01): NE.EXP.GNFS.ZS")
    return fig


class TestPlottedData:
    def test_lines_bands_reference_lines_bars_and_labelled_points(self):
        data = plotted_data(two_panel_figure())
        frame = data.frame
        usa = frame[(frame["series"] == "USA")]
        assert usa[["x", "y"]].values.tolist() == [[2000, 1.5], [2001, 2.5], [2002, 3.0]]
        assert set(usa["panel"]) == {1} and set(usa["kind"]) == {"line"}
        unlabelled = frame[(frame["kind"] == "line") & (frame["series"] == "")]
        assert unlabelled["y"].tolist() == [1.0, 1.25, 1.125]
        band = frame[frame["kind"] == "band"]
        assert band[["x", "y_low", "y_high"]].values.tolist() == [
            [2000, 0.5, 2.0],
            [2001, 0.75, 2.25],
            [2002, 1.0, 2.5],
        ]
        assert frame.loc[frame["kind"] == "vertical reference line", "x"].tolist() == [2001]
        bars = frame[frame["kind"] == "bars"]
        assert bars[["x", "y"]].values.tolist() == [["CHN", 3.0], ["USA", 4.5]]
        points = frame[frame["kind"] == "points"]
        assert points["label"].fillna("").tolist() == ["KOR", ""]
        assert points["panel"].tolist() == [2, 2]

    def test_every_column_has_a_note_and_panels_keep_their_axis_labels(self):
        data = plotted_data(two_panel_figure())
        assert set(data.columns) == set(data.frame.columns)
        assert all(data.columns.values())
        assert data.panels == [
            {"panel": "1", "x axis": "Year", "y axis": "% of GDP"},
            {"panel": "2", "x axis": "", "y axis": "US$ bn"},
        ]

    def test_one_panel_puts_the_axis_labels_in_the_column_notes(self):
        fig, ax = plt.subplots()
        ax.plot([1990, 2000], [10.0, 20.0], label="World")
        ax.set_xlabel("Year")
        ax.set_ylabel("Trade, % of GDP")
        data = plotted_data(fig)
        assert "panel" not in data.frame and "label" not in data.frame
        assert data.columns["y"].endswith(": Trade, % of GDP.")
        assert data.columns["x"].endswith(": Year.")

    def test_horizontal_bars_give_the_category_on_the_vertical_axis(self):
        fig, ax = plt.subplots()
        ax.barh(["Exports", "Imports"], [5.0, 7.0])
        frame = plotted_data(fig).frame
        assert frame[["y", "x"]].values.tolist() == [["Exports", 5.0], ["Imports", 7.0]]

    def test_attached_frame_replaces_what_is_read_from_the_artists(self):
        import pandas as pd

        fig, ax = plt.subplots()
        ax.plot([1, 2], [3, 4])
        frame = pd.DataFrame({"iso3": ["USA", "CHN"], "value": [1.234567891234, 2.0]})
        attach_data(fig, frame, {"iso3": "ISO 3166-1 alpha-3 code", "value": "Exports, % of GDP"})
        data = plotted_data(fig)
        assert data.frame.equals(frame) and not data.read_from_artists
        assert data.columns == {"iso3": "ISO 3166-1 alpha-3 code", "value": "Exports, % of GDP"}


class TestDarkColours:
    def test_white_becomes_the_dark_page_and_black_stays_readable(self):
        assert to_hex(dark_colour("white")[:3]) == DARK_BACKGROUND
        assert contrast_ratio(dark_colour("black"), to_rgb(DARK_BACKGROUND)) >= 14

    @pytest.mark.parametrize("grey", ["#444444", BENCHMARK_GREY, "#999999", "#cccccc"])
    def test_a_grey_keeps_the_contrast_it_had_on_white(self, grey):
        on_white = contrast_ratio(to_rgb(grey), (1, 1, 1))
        on_dark = contrast_ratio(dark_colour(grey), to_rgb(DARK_BACKGROUND))
        assert on_dark == pytest.approx(on_white, rel=0.02)

    @pytest.mark.parametrize("colour", [c for c in OKABE_ITO if c != "#000000"])
    def test_palette_colours_keep_their_hue_and_stand_out_from_the_dark_page(self, colour):
        dark = dark_colour(colour)
        assert contrast_ratio(dark, to_rgb(DARK_BACKGROUND)) >= MIN_DARK_CONTRAST - 0.05
        _, a0, b0 = _to_oklab(*to_rgb(colour))
        _, a1, b1 = _to_oklab(*dark[:3])
        hue_change = abs((math.degrees(math.atan2(b1, a1) - math.atan2(b0, a0)) + 180) % 360 - 180)
        assert hue_change < 8

    def test_colours_that_already_stand_out_are_unchanged_and_alpha_is_kept(self):
        assert to_hex(dark_colour("#E69F00")[:3]) == "#e69f00"  # orange: contrast 7.9 already
        assert dark_colour((0.0, 0.447, 0.698, 0.3))[3] == 0.3


def _png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


class TestDarkVariant:
    def test_same_size_as_the_light_figure_on_the_dark_background(self):
        fig = two_panel_figure()
        light = io.BytesIO()
        fig.savefig(light, format="png")
        dark = dark_variant_png(fig)
        assert _png_size(dark) == _png_size(light.getvalue())
        corner = Image.open(io.BytesIO(dark)).convert("RGB").getpixel((1, 1))
        assert "#{:02x}{:02x}{:02x}".format(*corner) == DARK_BACKGROUND

    def test_the_shown_figure_is_not_changed(self):
        fig = two_panel_figure()
        before = [to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()]
        dark_variant_png(fig)
        assert [to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()] == before
        assert plt.get_fignums() == [fig.number]  # the pickled copy is not left for display

    def test_an_unpicklable_figure_is_recoloured_in_place_and_put_back(self):
        fig, ax = plt.subplots()
        ax.plot([1, 2], [1, 2], color="black")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f} %"))  # lambdas do not pickle
        dark = dark_variant_png(fig)
        assert Image.open(io.BytesIO(dark)).convert("RGB").getpixel((1, 1)) == tuple(
            int(DARK_BACKGROUND[i : i + 2], 16) for i in (1, 3, 5)
        )
        assert to_hex(ax.get_lines()[0].get_color()) == "#000000"


class TestDisplayOutput:
    def test_export_holds_csv_notes_source_reads_and_a_dark_png(self, tmp_path, monkeypatch):
        log = tmp_path / "reads.jsonl"
        log.write_text(
            "\n".join(
                json.dumps(r)
                for r in [
                    {"dataset": "wdi", "vintage": "2026-07-01", "path": "a.csv", "sha256": "x"},
                    {
                        "dataset": "wdi",
                        "vintage": "2026-07-01",
                        "path": "a.csv",
                        "sha256": "x",
                        "indicator": "NE.EXP.GNFS.ZS",
                    },
                    {"dataset": "curated", "vintage": "", "path": "data/curated/robots.csv", "sha256": "y"},
                ]
            )
            + "\n"
        )
        monkeypatch.setenv("IMTRADE_READS_LOG", str(log))
        monkeypatch.setenv("IMTRADE_CHAPTER", "sample")
        export = figure_export(two_panel_figure())
        assert export["chapter"] == "sample" and export["version"] == 1
        assert export["csv"].splitlines()[0].startswith("panel,series,kind")
        assert export["source"].startswith("Source: World Bank")
        assert export["reads"] == [
            {"dataset": "curated", "vintage": "", "indicators": [], "path": "data/curated/robots.csv"},
            {"dataset": "wdi", "vintage": "2026-07-01", "indicators": ["NE.EXP.GNFS.ZS"]},
        ]
        assert base64.b64decode(export["dark_png"]).startswith(b"\x89PNG")
        json.dumps(export)  # goes into the notebook as JSON

    def test_a_failure_is_reported_in_the_output_not_raised(self, monkeypatch):
        def broken(fig):
            raise ValueError("cannot read this artist")

        monkeypatch.setattr(export_module, "plotted_data", broken)
        export = figure_export(two_panel_figure())
        assert export["error_data"] == "ValueError: cannot read this artist"
        assert "dark_png" in export

    def test_no_reads_log_means_no_reads(self, monkeypatch):
        monkeypatch.delenv("IMTRADE_READS_LOG", raising=False)
        assert datasets_read() == []
