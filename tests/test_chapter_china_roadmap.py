"""Tests of the chapter "China's roadmap": its functions, its claim checks and its execution.

Unit tests build small frames by hand; every expected value is computed in the test from the
numbers written here (never copied from the data mirror). Tests marked ``mirror`` need the
fetched data (``make data``); ``slow`` ones execute the notebook.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from conftest import run_chapter

from imtrade import stats
from imtrade.chapters import china_roadmap as cr
from imtrade.chapters.china_roadmap import checks
from imtrade.chapters.china_roadmap.figures import _goal_short
from imtrade.claims import CONTRADICTED, NOT_CHECKABLE, PARTLY, SUPPORTED, CheckContext, Claim
from imtrade.data import robots
from imtrade.exceptions import ParameterError

# ---------------------------------------------------------------------------------------
# Helpers


def tidy(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    """(indicator, iso3, year, value) tuples -> a tidy frame like load_indicators returns."""
    frame = pd.DataFrame(rows, columns=["indicator", "iso3", "year", "value"])
    return frame.assign(dataset="test", vintage="test")[["dataset", "vintage", "indicator", "iso3", "year", "value"]]


def series(code: str, iso3: str, years, values) -> list[tuple[str, str, int, float]]:
    return [(code, iso3, int(y), float(v)) for y, v in zip(years, values, strict=True)]


def claim(check: str = "x", **args) -> Claim:
    return Claim("t-1", "002_x.txt", "s", "a claim", "quantitative", {}, None, "", "china_roadmap", check, args)


CURATED_COLUMNS = ["citation", "url", "accessed", "verified_primary", "note"]


def robots_table(rows: list[tuple]) -> pd.DataFrame:
    """(year, geography, iso3, measure, value, report_edition) -> a curated robot_installations frame."""
    frame = pd.DataFrame(rows, columns=["year", "geography", "iso3", "measure", "value", "report_edition"])
    frame["unit"] = "units"
    for column in CURATED_COLUMNS:
        frame[column] = "c" if column != "url" else "https://example.org"
    return frame


@pytest.fixture
def fake_ctx(monkeypatch):
    """Install frames to be returned by CheckContext.indicators / .curated; returns a context."""
    store: dict[str, object] = {"indicators": None, "curated": {}}

    def indicators(self, codes, **kwargs):
        frame = store["indicators"]
        return frame[frame["indicator"].isin(list(codes))].reset_index(drop=True)

    def curated(self, name):
        return store["curated"][name].copy()

    monkeypatch.setattr(CheckContext, "indicators", indicators)
    monkeypatch.setattr(CheckContext, "curated", curated)
    ctx = CheckContext(None)
    object.__setattr__(ctx, "store", store)  # CheckContext is frozen
    return ctx


def set_data(ctx, indicators=None, **curated):
    object.__getattribute__(ctx, "store")["indicators"] = indicators
    object.__getattribute__(ctx, "store")["curated"].update(curated)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(autouse=True)
def _entity_names(request, monkeypatch):
    """Unit tests get a tiny entity table, so they run without fetched data; mirror tests use the real one."""
    if "mirror" not in request.keywords:
        names = pd.DataFrame({"iso3": ["AAA", "BBB", "CHN"], "name": ["Aland", "Bland", "China"]})
        monkeypatch.setattr("imtrade.data.load.load_entities", lambda *a, **k: names)


# ---------------------------------------------------------------------------------------
# Parameters (need the entity table of the fetched data)

DEFAULTS = dict(
    country="CHN",
    peers=["USA", "DEU"],
    milestones=[2015, 2025, 2035],
    projection_end=2035,
    fit_start=2009,
    projected=["GB.XPD.RSDV.GD.ZS"],
    event_year=2018,
    vintage="2026-07-01",
)


@pytest.mark.mirror
def test_check_parameters_accepts_defaults_and_rejects_bad_values():
    cr.check_parameters(DEFAULTS)
    bad = [
        dict(peers=["USA", "CHN"]),  # focus economy among the peers
        dict(milestones=[2035, 2025]),  # not increasing
        dict(projection_end=2020),
        dict(fit_start=2020),
        dict(event_year=2005),
        dict(projected=["NY.GDP.MKTP.CD"]),  # no declared trend model
        dict(projected=[cr.ROBOT_DENSITY_CODE]),  # curated IFR series, not a WDI code
        dict(country="WLD"),  # an aggregate
    ]
    for change in bad:
        with pytest.raises(ParameterError):
            cr.check_parameters({**DEFAULTS, **change})


# ---------------------------------------------------------------------------------------
# 1. Timeline


def test_decimal_date_reads_the_date_in_a_label():
    assert cr.decimal_date("Plan issued (1 Jan 2015)", 2015) == pytest.approx(2015.0)
    assert cr.decimal_date("Order (15 Apr 2018)", 2018) == pytest.approx(2018 + 104 / 365)
    assert cr.decimal_date("no date here", 2016) == 2016.5


MILESTONES = pd.DataFrame(
    {
        "start_year": ["1950", "1999", "", "2015"],
        "end_year": ["", "", "2025", "2015"],
        "kind": ["paradigm", "paradigm", "goal", "policy"],
        "label": ["Era A", "Era B", "Stage 1 goal (2025)", "Plan (5 Mar 2015)"],
        "description": ["d"] * 4,
        "source_text": ["src002", "src002", "src002", ""],
        "citation": ["Text", "Text", "Text", "State Council of the PRC (2015), Notice"],
        "url": ["https://x"] * 4,
        "accessed": ["2026-11-23"] * 4,
        "verified_primary": ["no"] * 4,
        "note": ["", "APPROXIMATE anchor: end of the 1990s", "", ""],
    }
)


def test_roadmap_milestones_flags_approximate_anchors_and_places_items():
    m = cr.roadmap_milestones(MILESTONES)
    assert m.set_index("label").loc["Era B", "approximate"]
    assert not m.set_index("label").loc["Era A", "approximate"]
    when = m.set_index("label")["when"]
    assert when["Stage 1 goal (2025)"] == 2025.0 and when["Era A"] == 1950.0
    assert when["Plan (5 Mar 2015)"] == pytest.approx(2015 + 63 / 365)
    table = cr.milestone_table(m)
    assert list(table["year"]) == ["1950", "≈1999", "2015", "2025"]  # eras, policies, events, goals
    assert table.set_index("label").loc["Plan (5 Mar 2015)", "source"] == "State Council of the PRC"


def test_plot_roadmap_timeline_draws_two_panels():
    fig = cr.plot_roadmap_timeline(cr.roadmap_milestones(MILESTONES))
    assert len(fig.axes) == 2
    assert _goal_short("Foundation for world-leading manufacturing (2045)") == "Foundation"
    assert _goal_short("Stage 2 goal (2035)") == "Stage 2"


# ---------------------------------------------------------------------------------------
# 2. Dashboard


def test_world_share_divides_by_the_world_value_of_the_same_year():
    frame = tidy(
        [("M", "WLD", 2020, 200.0), ("M", "AAA", 2020, 50.0), ("M", "AAA", 2021, 60.0), ("M", "BBB", 2020, 20.0)]
    )
    out = cr.world_share(frame).set_index(["iso3", "year"])
    assert set(out.index.get_level_values("iso3")) == {"AAA", "BBB"}
    assert out.loc[("AAA", 2020), "value"] == 25.0
    assert ("AAA", 2021) not in out.index  # no world value that year


def dashboard_frame() -> tuple[pd.DataFrame, list[cr.Indicator]]:
    rd, bb = cr.DASHBOARD_BY_KEY["rd"], cr.DASHBOARD_BY_KEY["broadband"]
    rows = (
        series(rd.code, "AAA", [2019, 2020], [1.0, 1.5])
        + series(rd.code, "BBB", [2019, 2020], [2.0, 2.5])
        + series(rd.code, "CCC", [2019], [0.5])
    )
    rows += series(bb.code, "AAA", range(2015, 2021), [5, 6, 7, 7, 7, 7]) + series(bb.code, "BBB", [2020], [3.0])
    frame = tidy(rows)
    frame["key"] = frame["indicator"].map({rd.code: "rd", bb.code: "broadband"})
    return frame, [rd, bb]


def test_latest_values_ranks_the_country_in_the_latest_common_year():
    frame, inds = dashboard_frame()
    latest = cr.latest_values(frame, inds, ["AAA", "BBB", "CCC"], "AAA")
    rd = latest[(latest["key"] == "rd")].set_index("iso3")
    assert rd.loc["AAA", "value"] == 1.5 and rd.loc["CCC", "year"] == 2019
    assert rd.loc["AAA", "rank"] == 2 and rd.loc["AAA", "n_ranked"] == 2 and rd.loc["AAA", "rank_year"] == 2020
    bb = latest[latest["key"] == "broadband"].set_index("iso3")
    assert bb.loc["AAA", "rank"] == 1 and math.isnan(bb.loc["CCC", "value"])
    shown = cr.dashboard_display(latest, ["AAA", "BBB", "CCC"], "AAA")
    assert list(shown.columns) == ["Indicator (stands for)", "Unit", "Year", "AAA", "BBB", "CCC", "AAA rank"]
    assert shown.loc[0, "Year"] == "2019–2020" and shown.loc[0, "AAA rank"] == "2 of 2 (2020)"
    assert shown.loc[1, "CCC"] == "–"


def test_scale_depth_sentence_follows_the_data():
    rows = []
    for code, mva, tech, rd in (("AAA", 30.0, 40.0, 2.0), ("BBB", 10.0, 50.0, 3.0)):
        rows += [("mva_share", code, 2021, mva), ("tech_share", code, 2021, tech), ("rd", code, 2021, rd)]
    latest = pd.DataFrame(rows, columns=["key", "iso3", "year", "value"])
    latest["rank"] = [np.nan, np.nan, 2.0, np.nan, np.nan, np.nan]
    latest["n_ranked"] = [np.nan, np.nan, 2.0, np.nan, np.nan, np.nan]
    text = cr.scale_depth_sentence(latest, "AAA")
    assert text.startswith("**Scale, not yet depth.**") and "30.0 %" in text and "ranks 2 of 2" in text
    latest.loc[latest["key"] == "tech_share", "value"] = [60.0, 50.0]
    assert cr.scale_depth_sentence(latest, "AAA").startswith("**Scale and depth.**")


def test_constant_tail_flags_repeated_values_at_the_end():
    frame, inds = dashboard_frame()
    tails = cr.constant_tail(frame, min_run=4)
    assert len(tails) == 1
    row = tails.iloc[0]
    assert (row["key"], row["iso3"], row["since"], row["until"], row["run"]) == ("broadband", "AAA", 2017, 2020, 4)
    assert "2017 to 2020" in cr.stale_sentence(tails, inds, "AAA")
    assert cr.constant_tail(frame, min_run=5).empty
    assert "None of" in cr.stale_sentence(cr.constant_tail(frame, min_run=5), inds, "AAA")


def test_plot_dashboard_draws_a_panel_per_indicator():
    frame, inds = dashboard_frame()
    fig = cr.plot_dashboard(frame, inds, ["AAA", "BBB"], milestones=[2015])
    assert sum(ax.get_visible() for ax in fig.axes) == 2


def test_dashboard_sources_names_every_dataset():
    text = cr.dashboard_sources(list(cr.DASHBOARD), "2026-07-01")
    assert "vintage 2026-07-01" in text and "NV.IND.MANF.CD" in text and "BX.GSR.CCIS.CD" in text


# ---------------------------------------------------------------------------------------
# 3. Projections

YEARS = np.arange(2010, 2021)
NOISE = np.array([0.1, -0.1, 0.05, -0.05, 0.0, 0.1, -0.1, 0.05, -0.05, 0.0, 0.02])  # fixed, mean about zero


def test_crossing_year_statuses():
    country = stats.fit_trend(YEARS, 0.0 + 1.0 * (YEARS - 2000) + NOISE)  # value = year - 2000
    peer = stats.fit_trend(YEARS, 20.0 + 0.5 * (YEARS - 2000) + NOISE)  # lines meet at year 2040
    far = cr.crossing_year(country, peer, horizon=2035)
    assert far.status == "not by horizon" and far.median == pytest.approx(2040, abs=0.5)
    assert far.lower < far.median < far.upper
    near = cr.crossing_year(country, peer, horizon=2045)
    assert near.status == "catches up" and near.share_by_horizon > 0.9
    again = cr.crossing_year(country, peer, horizon=2045)
    assert (again.median, again.lower) == (near.median, near.lower)  # fixed seed: deterministic
    behind = stats.fit_trend(YEARS, 20.0 + 2.0 * (YEARS - 2000) + NOISE)
    assert cr.crossing_year(country, behind, horizon=2035).status == "diverging"
    assert cr.crossing_year(behind, country, horizon=2035).status == "already ahead"
    with pytest.raises(ValueError):
        cr.crossing_year(country, stats.fit_trend(YEARS, 1.0 + 0.1 * YEARS, model="log"), horizon=2035)


def test_catch_up_table_projections_and_their_readings():
    code = "GB.XPD.RSDV.GD.ZS"
    rows = series(code, "AAA", YEARS, 1.0 + 0.1 * (YEARS - 2010) + NOISE / 10)
    rows += series(code, "BBB", YEARS, 2.0 + 0.05 * (YEARS - 2010) + NOISE / 10)
    rows += series(code, "CCC", [2019, 2020], [1.0, 1.0])  # too few points
    fits = cr.trend_fits(tidy(rows), [code], ["AAA", "BBB", "CCC"], fit_start=2010)
    assert set(fits) == {(code, "AAA"), (code, "BBB")}
    table = cr.catch_up_table(fits, [code], "AAA", ["BBB", "CCC"], horizon=2035)
    assert list(table["status"]) == ["catches up", "too few data"]
    assert table.loc[0, "median"] == pytest.approx(2030, abs=1)  # 1 + 0.1 t = 2 + 0.05 t at t = 20
    assert cr.describe_crossing(table.loc[0], 2035).startswith("about 2030")
    assert cr.describe_crossing(table.loc[1], 2035) == "too few data to fit a trend"
    assert cr.describe_crossing(
        {"status": "not by horizon", "median": 2150.0, "lower": 2040.0, "upper": float("inf"), "share_by_horizon": 0.0},
        2035,
    ) == ("not by 2035: median after 2100 (95 % range 2040 to after 2100; 0 % of draws cross by 2035)")
    projections = cr.projection_frame(fits, 2035)
    assert projections.groupby("iso3")["year"].max().eq(2035).all()
    assert projections.loc[projections["year"] > 2020, "projected"].all()
    at = cr.milestone_projections(projections, [2015, 2025, 2035])
    assert set(at["year"]) == {2025, 2035}  # 2015 lies within the data
    assert (at["pi_lower"] < at["mean"]).all() and (at["mean"] < at["pi_upper"]).all()
    shown = cr.milestones_display(at)
    assert list(shown.columns) == ["Indicator", "Limit", "Economy", "2025 (95 % PI)", "2035 (95 % PI)"]
    assert (shown["Limit"] == "bounded (share of GDP)").all()  # R&D, % of GDP
    assert cr.bound_note("NY.GDP.MKTP.CD") == "–"
    summary = cr.fit_summary(fits)
    assert len(summary) == 2 and (summary["growth_lower"] < summary["growth"]).all()
    assert list(cr.fits_display(summary)["Slope"]) == ["+0.100", "+0.050"]
    bullets = cr.catch_up_bullets(table, fits, "AAA", 2035)
    assert bullets.startswith("- **R&D expenditure** (linear trend")
    assert "already ahead in 0 of 2" in cr.projection_summary(table, "AAA", 2035)
    assert len(cr.catch_up_display(table, 2035)) == 2
    fig = cr.plot_projections(tidy(rows), projections, [code], ["AAA", "BBB"], milestones=[2025])
    assert sum(ax.get_visible() for ax in fig.axes) == 2  # one panel and the legend panel


def test_model_reasons_and_labels():
    assert "log-linear" in cr.model_reasons(["SP.POP.SCIE.RD.P6"])
    assert cr.indicator_label("TX.VAL.TECH.CD") == "High-technology exports"
    assert cr.indicator_label("IP.PAT.RESD") == "Patent applications by residents" and cr.indicator_label("X") == "X"


# ---------------------------------------------------------------------------------------
# 4. Robots

ROBOTS = robots_table(
    [
        (2014, "Aland", "AAA", "installations", 100, "World Robotics 2015 (preliminary, March 2015)"),
        (2017, "Aland", "AAA", "installations", 200, "World Robotics 2018"),
        (2020, "Aland", "AAA", "installations", 210, "IFR preliminary data (2021-07-06)"),
        (2020, "Aland", "AAA", "installations", 220, "World Robotics 2021"),
        (2022, "Aland", "AAA", "installations", 300, "World Robotics 2023"),
        (2022, "Aland", "AAA", "installations", 299, "World Robotics 2024"),
        (2023, "Bland", "BBB", "installations", 50, "World Robotics 2024"),
        (2023, "Bland", "BBB", "installations", 51, "World Robotics 2024"),
        (2023, "World", "WLD", "installations", 1000, "World Robotics 2024"),
        (2020, "Bland, cars", None, "installations", 999, "World Robotics 2021"),
        (2021, "Aland", "AAA", "robot_density", 300, "World Robotics 2022"),
    ]
)


def test_robot_rows_display_marks_the_figures_used():
    rows = robots.robot_rows(ROBOTS)
    shown = cr.robot_rows_display(rows[rows["iso3"] == "AAA"])
    assert list(shown["Used here"]) == ["yes", "yes", "no (superseded)", "yes", "no (superseded)", "yes"]
    assert shown.loc[0, "Year"] == "2014"


# Robot density: a curated table with two editions for one year, gaps in years, and an economy with few figures.
DENSITY = robots_table(
    [
        *[
            (y, "Aland", "AAA", "robot_density", v, "World Robotics 2024")
            for y, v in [(2015, 50), (2017, 100), (2019, 200)]
        ],
        (2020, "Aland", "AAA", "robot_density", 280, "World Robotics 2021"),
        (2020, "Aland", "AAA", "robot_density", 283, "World Robotics 2022"),  # a revision: the later edition wins
        (2021, "Aland", "AAA", "robot_density", 320, "World Robotics 2022"),
        *[
            (y, "Bland", "BBB", "robot_density", v, "World Robotics 2024")
            for y, v in [(2015, 400), (2018, 440), (2021, 480)]
        ],
        *[
            (y, "Cland", "CCC", "robot_density", v, "World Robotics 2024")
            for y, v in [(2015, 900), (2017, 950), (2019, 1000), (2021, 1050)]
        ],
        (2021, "Aland, cars", None, "robot_density", 999, "World Robotics 2022"),  # a subset, never an economy
    ]
)


def test_robot_density_tidy_takes_one_figure_per_year_from_the_latest_edition():
    out = cr.robot_density_tidy(DENSITY, ["AAA", "BBB"])
    assert set(out["iso3"]) == {"AAA", "BBB"}
    assert (out["indicator"] == cr.ROBOT_DENSITY_CODE).all()
    a = out[out["iso3"] == "AAA"].set_index("year")["value"]
    assert list(a.index) == [2015, 2017, 2019, 2020, 2021]
    assert a[2020] == 283.0


def test_robot_density_fits_need_enough_figures_and_the_recent_window_drops_early_years():
    data = cr.robot_density_tidy(DENSITY, ["AAA", "BBB", "CCC"])
    fits = cr.robot_density_fits(data, ["AAA", "BBB", "CCC"], 2009)
    assert set(fits) == {(cr.ROBOT_DENSITY_CODE, "AAA"), (cr.ROBOT_DENSITY_CODE, "CCC")}  # BBB has 3 < 4 figures
    a = fits[(cr.ROBOT_DENSITY_CODE, "AAA")]
    assert a.model == "log" and a.n == 5
    years = np.array([2015, 2017, 2019, 2020, 2021]) - cr.TREND_BASE
    slope = np.polyfit(years, np.log([50, 100, 200, 283, 320]), 1)[0]
    assert a.slope == pytest.approx(slope)
    assert cr.robot_density_fits(data, ["AAA", "CCC"], 2009, recent_years=3) == {}  # 2019-2021: 3 and 2 figures
    recent = cr.robot_density_fits(data, ["AAA", "CCC"], 2009, recent_years=3, min_points=3)
    assert set(recent) == {(cr.ROBOT_DENSITY_CODE, "AAA")}
    assert recent[(cr.ROBOT_DENSITY_CODE, "AAA")].first_year == 2019


def test_recent_growth_uses_the_last_figure_at_least_span_years_back():
    data = cr.robot_density_tidy(DENSITY, ["AAA", "BBB"])
    growth, start, end = cr.recent_growth(data, "BBB")
    assert (start, end) == (2018, 2021)
    assert growth == pytest.approx(100 * ((480 / 440) ** (1 / 3) - 1))
    assert math.isnan(cr.recent_growth(data, "ZZZ")[0])


def test_robot_density_reading_says_ahead_too_few_and_missing():
    data = cr.robot_density_tidy(DENSITY, ["AAA", "BBB", "CCC"])
    fits = cr.robot_density_fits(data, ["AAA", "BBB", "CCC"], 2009)
    recent = cr.robot_density_fits(data, ["AAA", "BBB", "CCC"], 2009, recent_years=cr.ROBOT_RECENT_YEARS)
    codes = [cr.ROBOT_DENSITY_CODE]
    table = cr.catch_up_table(fits, codes, "CCC", ["AAA", "BBB"], 2035)
    text = cr.robot_density_reading(
        data, fits, recent, table, cr.catch_up_table(recent, codes, "CCC", ["AAA"], 2035), "CCC", 2035
    )
    assert "already ahead in 2021" in text
    assert "no trend; in 2021, the latest year with figures for both" in text and "(1,050 against 480)" in text
    behind = cr.catch_up_table(fits, codes, "AAA", ["CCC"], 2035)
    text = cr.robot_density_reading(
        data, fits, recent, behind, cr.catch_up_table(recent, codes, "AAA", ["CCC"], 2035), "AAA", 2035
    )
    assert "on the recent figures only" in text and "already ahead" not in text
    assert cr.robot_horizon_sentence({}, 2028, 5).startswith("no economy on this page")
    assert "stops at 2028, at most 5 years" in cr.robot_horizon_sentence(fits, 2028, 5)
    none = cr.robot_density_reading(data.iloc[0:0], {}, {}, behind.iloc[0:0], behind.iloc[0:0], "AAA", 2035)
    assert none.startswith("- The curated IFR table has no robot density")


def test_growth_arithmetic():
    table = cr.forecast_arithmetic(100.0, 2017, 2020, 172.8, {"20 %": 20.0}, actual=125.0).set_index("path")
    assert table.loc["20 %", "value_target"] == pytest.approx(172.8)
    assert table.loc["rate implied by the claimed level", "rate_pct"] == pytest.approx(20.0)
    assert table.loc["recorded outturn", "error_pct"] == 0.0
    assert table.loc["20 %", "error_pct"] == pytest.approx(100 * (125 / 172.8 - 1))
    assert list(cr.arithmetic_display(table.reset_index(), 2020).iloc[0]) == ["20 %", "20.0", "173", "\u221227.7"]


def test_plot_robot_forecast():
    fig = cr.plot_robot_forecast(robots.robot_rows(ROBOTS), "AAA", 2017, 2020, 346.0, 20.0, (15.0, 20.0))
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel().startswith("Industrial robots")


# ---------------------------------------------------------------------------------------
# 5. Difference in trends

PANEL_YEARS = np.arange(2007, 2025)
# fixed, alternating noise so that the OLS fit is not exact (HAC needs residuals)
PANEL_NOISE = np.resize([0.01, -0.012, 0.008, -0.006, 0.0, 0.005, -0.009], len(PANEL_YEARS))


def panel(delta: float) -> pd.DataFrame:
    rows = []
    for k, (iso3, slope) in enumerate((("AAA", 0.08), ("BBB", 0.03), ("CCC", 0.02), ("DDD", 0.04))):
        t = PANEL_YEARS - 2018
        kink = np.clip(t, 0, None)
        log_value = 5 + k + slope * t + 0.01 * kink + (delta * kink if iso3 == "AAA" else 0) + np.roll(PANEL_NOISE, k)
        rows += series("TX.VAL.TECH.CD", iso3, PANEL_YEARS, np.exp(log_value))
    return tidy(rows)


def test_difference_in_trends_recovers_a_known_bend():
    res = cr.difference_in_trends(panel(-0.05), "AAA", ["BBB", "CCC", "DDD"], 2018)
    assert res is not None
    assert res.estimate == pytest.approx(-0.05, abs=0.01)
    assert res.peer_kink == pytest.approx(0.01, abs=0.01)
    assert res.ci_lower < res.estimate < res.ci_upper and res.ci_upper < 0
    assert (res.n_obs, res.n_economies, res.years, res.post_years) == (72, 4, (2007, 2024), 6)
    assert res.pct(res.estimate) == pytest.approx(100 * math.expm1(res.estimate))
    text = cr.describe_dit(res, "High-technology exports", "CHN", 2018)
    assert "slower" in text and "excludes zero" in text and "N = 72" in text
    without = cr.difference_in_trends(panel(-0.05), "AAA", ["BBB", "CCC", "DDD"], 2018, exclude_years=(2020, 2021))
    assert without.n_obs == 64 and without.excluded == (2020, 2021)


def test_placebo_sentence_flags_an_earlier_bend():
    early = panel(0.0)
    t = early["year"] - 2014
    early.loc[early["iso3"] == "AAA", "value"] *= np.exp(-0.06 * t.clip(lower=0))[
        early["iso3"] == "AAA"
    ]  # AAA bends after 2014
    both = pd.concat([early, early.assign(indicator="BM.GSR.ROYL.CD")], ignore_index=True)
    _table, results = cr.sanctions_table(both, "AAA", ["BBB", "CCC", "DDD"], 2018)
    assert results[("TX.VAL.TECH.CD", "placebo")].ci_upper < 0
    assert "already changed course" in cr.describe_placebo(results, "AAA", 2018)
    assert "cannot be estimated" in cr.describe_placebo({}, "AAA", 2018)
    assert cr.placebo_short(results, 2018).startswith(
        "the placebo finds a bend in high-tech exports already after 2014"
    )
    assert cr.placebo_short({}, 2018) == "the placebo test could not be run with these data"
    _table, flat = cr.sanctions_table(
        pd.concat([panel(0.0), panel(0.0).assign(indicator="BM.GSR.ROYL.CD")]), "AAA", ["BBB", "CCC", "DDD"], 2018
    )
    assert cr.placebo_short(flat, 2018) == "the placebo finds no comparable bend after 2014"


def test_difference_in_trends_needs_years_after_the_event():
    short = panel(0.0)
    assert cr.difference_in_trends(short[short["year"] <= 2019], "AAA", ["BBB"], 2018) is None
    assert "do not cover enough years" in cr.describe_dit(None, "High-technology exports", "CHN", 2018)


def test_sanctions_table_period_growth_and_plot():
    both = pd.concat([panel(0.0), panel(0.0).assign(indicator="BM.GSR.ROYL.CD")], ignore_index=True)
    table, results = cr.sanctions_table(both, "AAA", ["BBB", "CCC", "DDD"], 2018)
    assert len(table) == 6 and set(table["sample"]) == {
        "all years",
        "without 2020–2021",
        "placebo: bend after 2014, data to 2018",
    }
    placebo = results[("TX.VAL.TECH.CD", "placebo")]
    assert placebo.years == (2007, 2018) and placebo.post_years == 4
    assert "pretending the event came in 2014" in cr.describe_placebo(results, "AAA", 2018)
    assert abs(table.loc[0, "estimate_pct"]) < 1.5  # no bend built in
    shown = cr.sanctions_display(table)
    assert shown["p"].str.match(r"^(< 0\.001|\d\.\d{3})$").all()
    growth = cr.period_growth(panel(0.0), ["AAA", "EEE"], 2018).set_index("iso3")
    first, mid = math.exp(5 + 0.08 * -11 + PANEL_NOISE[0]), math.exp(5 + PANEL_NOISE[11])
    assert growth.loc["AAA", "before"] == pytest.approx(100 * ((mid / first) ** (1 / 11) - 1))
    assert math.isnan(growth.loc["EEE", "after"])
    assert len(cr.growth_display({"TX.VAL.TECH.CD": growth.reset_index()}, 2018)) == 2
    fig = cr.plot_sanctions(both, ["AAA", "BBB"], 2018)
    assert len(fig.axes) == 2
    empty = cr.plot_sanctions(both[both["year"] < 2018], ["AAA"], 2018)  # an old vintage: message, no lines
    assert not empty.axes[0].get_lines()


# ---------------------------------------------------------------------------------------
# 6. Claims helpers


def working_age(shares, pops, years) -> pd.DataFrame:
    return tidy(series("SP.POP.1564.TO.ZS", "AAA", years, shares) + series("SP.POP.TOTL", "AAA", years, pops))


def test_working_age_summary():
    frame = working_age([60, 65, 64, 62], [100, 100, 102, 104], [2000, 2005, 2010, 2015])
    s = cr.working_age_summary(frame, "AAA", (2000, 2015))
    assert (s["share_peak"], s["share_peak_year"], s["share_end"]) == (65, 2005, 62)
    assert s["share_drop"] == pytest.approx(3) and s["count_peak_year"] == 2010  # counts 60, 65, 65.28, 64.48
    with pytest.raises(ValueError):
        cr.working_age_summary(frame, "AAA", (2000, 2020))


def test_scale_vs_sophistication():
    mva = tidy([("NV.IND.MANF.CD", "WLD", 2017, 100.0), ("NV.IND.MANF.CD", "AAA", 2017, 25.0)])
    tech = tidy([("NV_IND_TECH", c, 2017, v) for c, v in (("AAA", 40.0), ("BBB", 50.0), ("CCC", 60.0))])
    s = cr.scale_vs_sophistication(mva, tech, "AAA", ["BBB", "CCC"], 2017)
    assert (s["world_share"], s["tech_share"], s["peer_mean"], s["tech_gap"]) == (25.0, 40.0, 55.0, 15.0)
    with pytest.raises(ValueError):
        cr.scale_vs_sophistication(mva, tech, "AAA", ["BBB", "DDD"], 2017)


def test_claims_helpers_read_the_register_files():
    claims = cr.claims_by_source()
    assert set(cr.SURVEY_IDS) <= set(claims["id"])
    survey = cr.survey_claims(claims)
    assert len(survey) == len(cr.SURVEY_IDS) and (survey["Verdict"] == "not checkable").all()
    pending = cr.pending_claims(
        claims, {"c003-us-largest-economy": ["check function 'economy_rank' is not registered"]}
    )
    assert list(pending["id"]) == ["c003-us-largest-economy"]
    assert "`economy_rank`" in cr.pending_sentence(pending)
    assert cr.pending_sentence(pending.iloc[0:0]).startswith("Every claim")
    verdicts = pd.DataFrame(
        {
            "Claim (paraphrased)": [claims.loc[claims["id"] == cr.SURVEY_IDS[0], "claim"].iloc[0], "other"],
            "Claimed": ["a", "b"],
            "Measured": ["—", "—"],
            "Verdict": ["not checkable", "not checkable"],
            "Test and result": ["r1", "r2"],
        }
    )
    assert list(cr.other_not_checkable(verdicts, claims)["Claim (paraphrased)"]) == ["other"]
    assert cr.verdict_counts_sentence(verdicts) == "2 claims: 2 not checkable"


@pytest.mark.mirror
def test_prose_helpers_with_entity_names():
    assert "India" in cr.scope_sentence("IND", ["CHN", "BRA"]) and "concern China" in cr.scope_sentence("IND", ["CHN"])
    assert cr.scope_sentence("CHN", ["USA"]).startswith("The measurements compare China with the United States")


# ---------------------------------------------------------------------------------------
# Claim checks: one case per verdict, on frames built here


def test_working_age_population_peak_verdicts(fake_ctx):
    years = [2000, 2010, 2015, 2020]
    args = dict(geo="AAA", years=[2000, 2020], min_share_drop=2.0, peak_before=2018)
    cases = {
        SUPPORTED: ([70, 73, 72, 69], [100, 100, 100, 100]),  # drop 4, count peaks 2010
        PARTLY: ([70, 71, 71, 70.5], [100, 100, 100, 100]),  # drop 0.5, count peaks 2010
        CONTRADICTED: ([70, 70.5, 71, 71.5], [100, 100, 100, 100]),  # no drop, peaks 2020
    }
    for verdict, (shares, pops) in cases.items():
        set_data(fake_ctx, working_age(shares, pops, years))
        result = checks.working_age_population_peak(claim(), fake_ctx, **args)
        assert result.verdict == verdict, result
    set_data(fake_ctx, working_age([70, 73], [100, 100], [2000, 2010]))
    assert checks.working_age_population_peak(claim(), fake_ctx, **args).verdict == NOT_CHECKABLE


def test_manufacturing_scale_vs_sophistication_verdicts(fake_ctx, monkeypatch):
    import imtrade.data.load

    entities = pd.DataFrame({"iso3": ["AAA", "BBB", "CCC"], "m49": [1001, 1002, 1003]})
    monkeypatch.setattr(imtrade.data.load, "load_entities", lambda *a, **k: entities)
    args = dict(year=2017, min_world_share=20, peers_m49=[1002, 1003], min_tech_gap=5, geo="AAA")

    def data(share: float, tech_aaa: float) -> pd.DataFrame:
        return tidy(
            [
                ("NV.IND.MANF.CD", "WLD", 2017, 100.0),
                ("NV.IND.MANF.CD", "AAA", 2017, share),
                ("NV_IND_TECH", "AAA", 2017, tech_aaa),
                ("NV_IND_TECH", "BBB", 2017, 50.0),
                ("NV_IND_TECH", "CCC", 2017, 60.0),
            ]
        )

    for verdict, (share, tech) in {SUPPORTED: (25, 40), PARTLY: (25, 52), CONTRADICTED: (25, 56)}.items():
        set_data(fake_ctx, data(share, tech))
        result = checks.manufacturing_scale_vs_sophistication(claim(), fake_ctx, **args)
        assert result.verdict == verdict, result
    set_data(fake_ctx, data(10, 40))  # too small and less sophisticated: contradicted by the rule
    assert checks.manufacturing_scale_vs_sophistication(claim(), fake_ctx, **args).verdict == CONTRADICTED
    set_data(fake_ctx, data(25, 40).query("iso3 != 'CCC'"))
    assert checks.manufacturing_scale_vs_sophistication(claim(), fake_ctx, **args).verdict == NOT_CHECKABLE


def robots_with(*rows) -> pd.DataFrame:
    return robots_table(list(rows))


def test_curated_robots_growth_verdicts(fake_ctx):
    args = dict(mode="growth", iso3="AAA", measure="installations", years=[2014, 2017], min_ratio=1.5)
    for verdict, end in {SUPPORTED: 160, PARTLY: 120, CONTRADICTED: 90}.items():
        set_data(
            fake_ctx,
            robot_installations=robots_with(
                (2014, "A", "AAA", "installations", 100, "World Robotics 2015"),
                (2017, "A", "AAA", "installations", end, "World Robotics 2018"),
            ),
        )
        result = checks.curated_robots(claim(), fake_ctx, **args)
        assert result.verdict == verdict and result.value == pytest.approx(end / 100)
    set_data(fake_ctx, robot_installations=robots_with((2014, "A", "AAA", "installations", 100, "World Robotics 2015")))
    assert checks.curated_robots(claim(), fake_ctx, **args).verdict == NOT_CHECKABLE
    with pytest.raises(ValueError):
        checks.curated_robots(claim(), fake_ctx, mode="nonsense")


def test_curated_robots_goal_proxy_verdicts(fake_ctx):
    args = dict(
        mode="goal_proxy", iso3="AAA", density_year=2021, min_density_ratio=2.0, share_year=2023, min_share_pct=40
    )

    def table(density: float, installs: float) -> pd.DataFrame:
        return robots_with(
            (2021, "A", "AAA", "robot_density", density, "World Robotics 2022"),
            (2021, "W", "WLD", "robot_density", 100, "World Robotics 2022"),
            (2023, "A", "AAA", "installations", installs, "World Robotics 2024"),
            (2023, "W", "WLD", "installations", 1000, "World Robotics 2024"),
        )

    set_data(fake_ctx, robot_installations=table(250, 500))
    assert (
        checks.curated_robots(claim(), fake_ctx, **args).verdict == SUPPORTED
    )  # on the proxy (capped by the register)
    set_data(fake_ctx, robot_installations=table(150, 500))
    assert checks.curated_robots(claim(), fake_ctx, **args).verdict == CONTRADICTED


def test_curated_robots_market_leader_verdicts(fake_ctx):
    args = dict(mode="market_leader", iso3="AAA", years=[2016, 2018], share_year=2018, min_share_pct=30)

    def table(a16: float, a18: float, b18: float = 50) -> pd.DataFrame:
        return robots_with(
            (2016, "A", "AAA", "installations", a16, "World Robotics 2017"),
            (2016, "B", "BBB", "installations", 40, "World Robotics 2017"),
            (2018, "A", "AAA", "installations", a18, "World Robotics 2019"),
            (2018, "B", "BBB", "installations", b18, "World Robotics 2019"),
            (2018, "W", "WLD", "installations", 400, "World Robotics 2019"),
            (2018, "Region", None, "installations", 900, "World Robotics 2019"),
        )

    cases = {SUPPORTED: table(60, 150), PARTLY: table(30, 150), CONTRADICTED: table(60, 40)}
    for verdict, frame in cases.items():
        set_data(fake_ctx, robot_installations=frame)
        result = checks.curated_robots(claim(), fake_ctx, **args)
        assert result.verdict == verdict, result
    set_data(fake_ctx, robot_installations=table(60, 100))  # first, but only 25 % of the world
    assert checks.curated_robots(claim(), fake_ctx, **args).verdict == PARTLY
    set_data(fake_ctx, robot_installations=table(60, 150).query("year != 2018 or iso3 != 'BBB'"))
    assert checks.curated_robots(claim(), fake_ctx, **args).verdict == NOT_CHECKABLE


def test_curated_robots_cagr_verdicts(fake_ctx):
    args = dict(
        mode="cagr", iso3="AAA", measure="installations", years=[2017, 2020], claimed_cagr=22, tol=3, partial_tol=8
    )
    forecasts = pd.DataFrame(
        {
            "forecast_year": [2020, 2020],
            "iso3": ["AAA", "AAA"],
            "measure": ["installations"] * 2,
            "cagr_pct": [15, 20],
            "made_in_year": [2017, 2017],
            "forecaster": ["IFR", "IFR"],
        }
    )
    for verdict, rate in {SUPPORTED: 21.0, PARTLY: 16.0, CONTRADICTED: 7.0}.items():
        end = 1000 * (1 + rate / 100) ** 3
        set_data(
            fake_ctx,
            robot_installations=robots_with(
                (2017, "A", "AAA", "installations", 1000, "World Robotics 2018"),
                (2020, "A", "AAA", "installations", end, "World Robotics 2021"),
            ),
            robot_forecasts=forecasts,
        )
        result = checks.curated_robots(claim(), fake_ctx, **args)
        assert result.verdict == verdict and result.value == pytest.approx(rate)
        assert "15-20 % a year" in result.measured


@pytest.mark.mirror
def test_register_verdicts_on_default_data():
    from imtrade.claims import run_audit

    audit, _problems = run_audit(None, chapter="china_roadmap")
    verdicts = audit.set_index("id")["verdict"]
    assert verdicts["c002-labour-shortage"] == SUPPORTED
    assert verdicts["c002-large-but-not-yet-power"] == SUPPORTED
    assert verdicts["c002-robotisation-promoted"] == SUPPORTED
    assert verdicts["c002-goal-2025-smart-manufacturing"] == PARTLY
    assert verdicts["c003-china-largest-robot-market"] == SUPPORTED
    assert verdicts["c003-china-robot-cagr-22pct"] == PARTLY  # attribution: 22 % is 2 points above IFR's 15-20 %
    assert verdicts["c003-china-robot-cagr-22pct-outcome"] == CONTRADICTED  # outcome: 6.9 % a year realised
    assert "check failed" not in set(verdicts)
    assert (verdicts[list(cr.SURVEY_IDS)] == NOT_CHECKABLE).all()


# ---------------------------------------------------------------------------------------
# Execution of the chapter


@pytest.mark.slow
@pytest.mark.mirror
def test_chapter_executes_with_default_parameters(tmp_path):
    run = run_chapter("china_roadmap", tmp_path)
    values = run.values
    assert run.errors == []
    assert run.figures == 6
    assert values["cr_country"] == "China"
    # robot density: China above Germany in 2023 (470 against 429, WR2024 rows of the curated table)
    assert "Against Germany (6 figures): already ahead in 2023" in values["cr_robot_reading"]
    assert "growth has slowed" in values["cr_robot_reading"]
    assert values["cr_robot_density"].startswith("IFR counts 470 industrial robots")
    assert values["cr_forecast_error"] == "-29.2"  # 168,400 (WR2021) / 238,000 - 1
    assert values["cr_realised_cagr"] == "6.9"
    assert values["cr_implied_rate"] == "19.9"
    assert float(values["cr_mva_share"]) > 20
    assert float(values["cr_dit_exports_est"]) < float(values["cr_dit_exports_ci"].split(" to ")[1])
    assert values["cr_stale"].startswith("One caution")
    assert "Korea" in values["cr_catch_up"]
    assert values["cr_placebo"].startswith("A placebo test")
    for name in (
        "milestones",
        "dashboard_latest",
        "catch_up",
        "trend_fits",
        "projections",
        "robot_installations",
        "robot_forecast",
        "robot_density",
        "robot_density_fits",
        "sanctions",
        "claims",
    ):
        assert (tmp_path / "tables" / f"china_roadmap_{name}.csv").is_file(), name
    assert "<IPython" not in "".join(values.values())


@pytest.mark.slow
@pytest.mark.mirror
def test_chapter_executes_for_india_against_china_and_brazil(tmp_path):
    run = run_chapter("china_roadmap", tmp_path, country="IND", peers=["CHN", "BRA"], projection_end=2040)
    values = run.values
    assert run.errors == []
    assert run.figures == 6
    assert values["cr_country"] == "India"
    assert values["cr_robot_density"] == "The curated IFR table holds no robot density for India."
    assert values["cr_robot_reading"].startswith("- The curated IFR table has no robot density for India")
    assert values["cr_scope"].startswith("This page was run for India, compared with China and Brazil")
    assert values["cr_projection_end"] == "2040"
    assert "India" in values["cr_dit_exports"] and "United States" not in values["cr_catch_up"]
    assert values["cr_forecast_error"] == "-29.2"  # the blog's forecast concerns China whatever the parameters
    assert "<IPython" not in "".join(values.values())
    catch_up = pd.read_csv(tmp_path / "tables" / "china_roadmap_catch_up.csv")
    assert set(catch_up["peer"]) == {"CHN", "BRA"}
