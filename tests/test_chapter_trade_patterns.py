"""Tests of the chapter "Trade patterns": its package functions on small frames built here,
its claim checks (one case per verdict), and executions of the chapter (slow)."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from conftest import run_chapter
from test_stats import synthetic_panel

from imtrade import stats
from imtrade.chapters import trade_patterns as tp
from imtrade.chapters.trade_patterns import checks
from imtrade.claims import (
    CONTRADICTED,
    NOT_CHECKABLE,
    PARTLY,
    PARTLY_CONTRADICTED,
    SUPPORTED,
    CheckContext,
    Claim,
    load_register,
    registered_checks,
)
from imtrade.data import indicators
from imtrade.data.load import wide
from imtrade.exceptions import DataNotFetchedError, ImtradeError, ParameterError


def tidy(rows, indicator="X"):
    """Tidy frame from (iso3, year, value) tuples."""
    frame = pd.DataFrame(rows, columns=["iso3", "year", "value"])
    return frame.assign(dataset="test", vintage="test", indicator=indicator)[
        ["dataset", "vintage", "indicator", "iso3", "year", "value"]
    ]


ENTITIES = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC", "DDD", "WLD", "HIC"],
        "name": ["Alpha", "Korea, Rep.", "United Kingdom", "Delta", "World", "High income"],
        "region": ["Europe & Central Asia", "East Asia & Pacific", "Europe & Central Asia", "South Asia", "", ""],
        "income_group": ["High income", "High income", "Upper middle income", "Low income", "", ""],
        "is_aggregate": [False, False, False, False, True, True],
    }
)


def data_available() -> bool:
    try:
        from imtrade.data.load import load_entities

        load_entities()
    except (DataNotFetchedError, ImtradeError):
        return False
    return True


needs_data = pytest.mark.skipif(not data_available(), reason="data not fetched (make data)")


# ---------------------------------------------------------------------------------------
# Names and groups


def test_series_helpers():
    s = pd.Series([1.0, np.nan, 4.0], index=[2000, 2001, 2002])
    assert tp.latest_year(s) == 2002
    assert tp.latest_year(s, upto=2001) == 2000
    assert tp.latest_year(pd.Series(dtype=float)) is None
    both = wide(pd.concat([tidy([("AAA", 2000, 1.0)], "A"), tidy([("AAA", 2000, 2.0)], "B")]))
    assert list(both.columns) == ["A", "B"]
    assert wide(tidy([])).empty


# ---------------------------------------------------------------------------------------
# Comparative advantage


def ht_wide():
    # AAA: 10 of 100 manufactured exports are high-tech; BBB: 30 of 100; world share 20 %.
    rows = []
    for iso3, ht, manf in (("AAA", 10.0, 100.0), ("BBB", 30.0, 100.0)):
        for year in (2010, 2011):
            rows.append(
                {
                    "iso3": iso3,
                    "year": year,
                    indicators.HT_VALUE: ht,
                    indicators.HT_SHARE: 100 * ht / manf,
                    indicators.MANF_EXPORTS: manf,
                }
            )
    rows.append(
        {
            "iso3": "WLD",
            "year": 2010,
            indicators.HT_VALUE: 40.0,
            indicators.HT_SHARE: 20.0,
            indicators.MANF_EXPORTS: 200.0,
        }
    )
    return pd.DataFrame(rows).set_index(["iso3", "year"])


def test_high_tech_rca_against_hand_computation():
    rca = indicators.high_tech_rca(ht_wide(), ["AAA", "BBB"])
    row = rca[(rca["iso3"] == "AAA") & (rca["year"] == 2010)].iloc[0]
    assert row["world_share"] == pytest.approx(20.0)
    assert row["rca"] == pytest.approx(0.5)
    assert rca[(rca["iso3"] == "BBB")]["rca"].tolist() == pytest.approx([1.5, 1.5])
    assert rca[rca["iso3"] == "WLD"]["rca"].iloc[0] == pytest.approx(1.0)  # aggregates get an index too
    assert set(rca["reporters"]) == {2}


def test_latest_complete_year():
    rca = pd.DataFrame({"year": [2020, 2021, 2022], "reporters": [100, 95, 60], "iso3": "AAA"})
    assert tp.latest_complete_year(rca) == 2021
    assert tp.latest_complete_year(rca, min_coverage=0.5) == 2022


def test_high_tech_definition():
    assert "SITC" in indicators.high_tech_definition(indicators.OLD_DEFINITION_VINTAGE)
    assert "2007" in indicators.high_tech_definition("2026-07-01")


def test_rca_rd_panel_logs_and_lags():
    rca = pd.DataFrame(
        {"iso3": ["AAA", "AAA", "BBB", "WLD"], "year": [2010, 2011, 2010, 2010], "rca": [0.0, 2.0, 1.0, 1.0]}
    )
    rd = tidy([("AAA", 2009, 0.5), ("AAA", 2010, 1.0), ("AAA", 2011, 1.5), ("BBB", 2010, 2.0), ("WLD", 2010, 2.0)])
    panel = tp.rca_rd_panel(rca, rd, ["AAA", "BBB"])
    assert list(panel["iso3"]) == ["AAA", "AAA", "BBB"]
    assert math.isnan(panel.loc[0, "log_rca"])
    assert panel.loc[1, "log_rca"] == pytest.approx(math.log(2.0))
    assert panel.loc[1, "rd_lag1"] == pytest.approx(1.0)
    assert math.isnan(panel.loc[2, "rd_lag1"])


def test_winsorise():
    s = pd.Series(np.arange(101, dtype=float))
    w = tp.winsorise(s, 0.05, 0.95)
    assert w.min() == pytest.approx(5.0) and w.max() == pytest.approx(95.0)


def test_rca_rd_regressions_and_their_display():
    panel = synthetic_panel().assign(rca=lambda d: np.exp(d["log_rca"]))
    panel["rd_lag1"] = panel.groupby("iso3")["rd"].shift(1)
    estimates = tp.rca_rd_regressions(panel)
    assert [e.outcome for e in estimates] == ["log_rca", "rca_w", "log_rca"]
    assert estimates[2].regressor == "rd_lag1" and estimates[2].nobs == 280
    shown = tp.regression_display(estimates)
    assert list(shown.columns) == ["Specification", "Coefficient", "95 % CI", "p", "Observations", "Economies", "Years"]
    assert shown.loc[0, "Years"] == "2000–2007"
    assert "95 % CI" in tp.robustness_phrase(estimates[1:])


def test_rca_rd_long_difference_windows_and_reading():
    panel = synthetic_panel().assign(rca=lambda d: np.exp(d["log_rca"]))
    ld = tp.rca_rd_long_difference(panel, 2007)
    assert (ld.first_year, ld.last_year) == (2000, 2007) and ld.nobs == ld.n_countries == 40
    assert "2000–2002 to 2005–2007" in ld.specification
    within, between = tp.rd_variation(panel)
    assert within > 0 and between > 0
    fe = tp.rca_rd_regressions(panel.assign(rd_lag1=panel.groupby("iso3")["rd"].shift(1)))[0]
    reading = tp.long_difference_reading(fe, ld)
    assert reading.startswith("The long difference is ") and "40 economies" in reading
    shown = tp.regression_display([fe, ld])
    assert shown.loc[1, "Specification"].startswith("long difference") and shown.loc[1, "Observations"] == "40"
    with pytest.raises(stats.TooFewObservations, match="no economy"):
        tp.rca_rd_long_difference(panel.assign(log_rca=np.nan), 2007)


def test_regression_reading_both_branches():
    base = dict(
        specification="s",
        outcome="log_rca",
        regressor="rd",
        se=0.1,
        pvalue=0.01,
        nobs=100,
        n_countries=10,
        first_year=2007,
        last_year=2020,
    )
    positive = stats.PanelEstimate(coef=0.2, ci_low=0.05, ci_high=0.35, **base)
    assert "excludes zero" in tp.regression_reading(positive) and "22 % higher" in tp.regression_reading(positive)
    noisy = stats.PanelEstimate(coef=0.1, ci_low=-0.05, ci_high=0.25, **base)
    assert "includes zero" in tp.regression_reading(noisy)
    # the long difference against the fixed effects: agreement and disagreement about precision
    reading = tp.long_difference_reading(positive, noisy)
    assert "same sign" in reading and "smaller in size" in reading and "includes zero" in reading
    assert "disagree" in reading
    reading = tp.long_difference_reading(noisy, dataclasses.replace(noisy, coef=-0.3, ci_high=-0.1, ci_low=-0.5))
    assert "opposite sign" in reading and "excludes zero" in reading and "disagree" in reading
    assert "disagree" not in tp.long_difference_reading(positive, positive)


def test_tech_intensity_change():
    mva = pd.Series({2000: 40.0, 2017: 42.5})
    exports = pd.Series({2007: 20.0, 2010: 21.0, 2012: np.nan})
    out = tp.tech_intensity_change(mva, exports, (2000, 2017), 2007)
    assert out["mva_change"] == pytest.approx(2.5)
    assert out["export_years"] == (2007, 2010) and out["export_change"] == pytest.approx(1.0)


def test_medium_high_tech_text():
    assert "does not carry" in tp.medium_high_tech_text(
        pd.DataFrame(), ["AAA"], "WLD", {"AAA": "Alpha", "WLD": "the world"}, "v"
    )
    mht = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "WLD", "WLD"],
            "year": [2000, 2010] * 2,
            "measure": "exports",
            "value": [50.0, 60.0, 55.0, 54.0],
        }
    )
    text = tp.medium_high_tech_text(mht, ["AAA"], "WLD", {"AAA": "Alpha", "WLD": "the world"}, "v")
    assert (
        "rose in Alpha (+10.0 points)" in text and "for the world it went from 55.0 % in 2000 to 54.0 % in 2010" in text
    )


# ---------------------------------------------------------------------------------------
# Goods and services


def services_wide(ip=(1.0, 2.0), ict=(1.0, 3.0), exports_pct=(25.0, 30.0)):
    rows = []
    for year, i in ((2005, 0), (2024, 1)):
        rows.append(
            {
                "iso3": "WLD",
                "year": year,
                tp.GNFS_EXPORTS_GDP: exports_pct[i],
                tp.GDP_USD: 1000.0,
                tp.MERCH_EXPORTS: 200.0,
                tp.IP_RECEIPTS: 2.0 * ip[i],
                tp.ICT_EXPORTS: 2.0 * ict[i],
            }
        )
    return pd.DataFrame(rows).set_index(["iso3", "year"])


def test_services_ratios_and_share():
    wide = services_wide()
    ratios = tp.services_ratios(wide)
    assert set(ratios["measure"]) == {"ip_receipts", "ict_exports"}  # absent inputs are left out
    ip = ratios[ratios["measure"] == "ip_receipts"].set_index("year")["value"]
    assert ip.tolist() == pytest.approx([1.0, 2.0])
    share = tp.services_share_of_exports(wide)
    assert share.loc[("WLD", 2005)] == pytest.approx(100 * (250 - 200) / 250)
    assert tp.services_ratios(pd.DataFrame()).empty


# ---------------------------------------------------------------------------------------
# Employment


def test_employment_weights_fall_back_to_labour_force():
    frame = pd.concat(
        [
            tidy([("AAA", 2000, 100.0), ("BBB", 2000, 50.0)], indicators.LABOUR_FORCE),
            tidy([("AAA", 2000, 10.0)], indicators.UNEMPLOYMENT),
        ]
    )
    w = indicators.employment_weights(frame).set_index("iso3")["value"]
    assert w["AAA"] == pytest.approx(90.0) and w["BBB"] == pytest.approx(50.0)
    assert indicators.employment_weights(tidy([("AAA", 2000, 1.0)], indicators.UNEMPLOYMENT)).empty


def test_group_sector_shares():
    shares = pd.concat(
        [
            tidy([("AAA", 2000, 10.0), ("BBB", 2000, 30.0)], tp.SECTORS["industry"]),
            tidy([("AAA", 2000, 90.0), ("BBB", 2000, 70.0)], tp.SECTORS["services"]),
        ]
    )
    weights = tidy([("AAA", 2000, 1.0), ("BBB", 2000, 3.0)])
    out = tp.group_sector_shares(shares, weights, ["AAA", "BBB"])
    assert out.loc[2000, "industry"] == pytest.approx(25.0)
    assert out.loc[2000, "services"] == pytest.approx(75.0)
    assert "agriculture" not in out and out.loc[2000, "n"] == 2


def hump_frame(b=(-100.0, 25.0, -1.25), seed=3, noise=0.5):
    rng = np.random.default_rng(seed)
    x = np.linspace(7.0, 11.5, 120)
    y = b[0] + b[1] * x + b[2] * x**2 + rng.normal(0, noise, x.size)
    return pd.DataFrame(
        {"iso3": [f"C{i:03d}" for i in range(x.size)], "gdp_pc": np.exp(x), "log_gdp_pc": x, "industry": y}
    )


def test_fit_industry_hump_finds_the_true_peak():
    data = hump_frame()
    fit = tp.fit_industry_hump(data)
    true_peak = math.exp(25.0 / 2.5)  # -b1 / (2 b2) = 10
    assert fit.has_peak
    assert fit.turning_point == pytest.approx(true_peak, rel=0.05)
    assert fit.turning_ci[0] < true_peak < fit.turning_ci[1]
    assert fit.peak_share == pytest.approx(-100 + 250 - 125, abs=0.5)
    assert fit.nobs == 120 and len(fit.grid) == 120
    assert (fit.grid["ci_low"] <= fit.grid["fit"]).all() and (fit.grid["fit"] <= fit.grid["ci_high"]).all()
    positions = tp.hump_positions(data, fit, ["C119", "C000"])
    assert list(positions["iso3"]) == ["C119", "C000"]
    assert list(positions["side"]) == ["past the peak", "before the peak"]
    assert positions["gap"].abs().max() < 2.0


def test_fit_industry_hump_without_peak_and_comparison():
    convex = tp.fit_industry_hump(hump_frame(b=(100.0, -20.0, 1.0)))
    assert not convex.has_peak and convex.turning_point is None
    assert "no interior peak" in tp.hump_comparison(convex, convex, 1991, 2023)
    assert "no interior peak" in tp.hump_summary(convex, 2023)
    assert "peaks at 25.0 % at a GDP per capita of about 22 thousand" in tp.hump_summary(
        tp.fit_industry_hump(hump_frame(noise=0.01)), 2023
    )
    a, b = tp.fit_industry_hump(hump_frame()), tp.fit_industry_hump(hump_frame(b=(-101.0, 25.0, -1.25)))
    assert "was higher" in tp.hump_comparison(a, b, 1991, 2023)
    assert tp.hump_positions(hump_frame(), convex, ["C000"])["side"].iloc[0] == "no peak"


# ---------------------------------------------------------------------------------------
# CO2


def test_net_co2_transfer_and_text():
    trade = tidy(
        [
            ("AAA", 2008, 30.0),
            ("BBB", 2008, -30.0),
            ("CCC", 2008, 10.0),
            ("WLD", 2008, 99.0),
            ("AAA", 2017, 20.0),
            ("BBB", 2017, -20.0),
        ],
        "trade_co2",
    )
    co2 = tidy([("WLD", 2008, 400.0), ("WLD", 2017, 500.0), ("AAA", 2008, 1.0)], "co2")
    out = tp.net_co2_transfer(trade, co2, ["AAA", "BBB", "CCC"])
    assert out.loc[2008, "share"] == pytest.approx(10.0)
    assert out.loc[2017, "share"] == pytest.approx(4.0)
    assert tp.carbon_content_text(out) == "10.0 % of world emissions in 2008 and 4.0 % in 2017"
    peaked = pd.DataFrame({"share": [1.0, 3.0, 2.0]}, index=[2000, 2005, 2010])
    assert "3.0 % at its peak in 2005" in tp.carbon_content_text(peaked)


def test_net_emission_exporters():
    trade = pd.DataFrame(
        {"trade_co2": [-5.0, 3.0, np.nan]},
        index=pd.MultiIndex.from_tuples([("CHN", 2017), ("DEU", 2017), ("JPN", 2017)], names=["iso3", "year"]),
    )
    assert tp.net_emission_exporters(trade, 2017) == (["CHN"], ["DEU"])
    assert tp.net_emission_exporters(trade, 2000) == ([], [])
    assert tp.net_emission_exporters(pd.DataFrame(), 2017) == ([], [])


# ---------------------------------------------------------------------------------------
# Plans and sentences


def test_plans_table_and_display():
    curated = pd.DataFrame(
        {
            "iso3": ["CHN", "DEU", "CHN"],
            "country": ["China", "Germany", "China"],
            "plan": ["Made in China 2025", "Industrie 4.0 (initiative)", "Internet Plus"],
            "year_launched": [2015, 2011, 2015],
            "lead_body": ["State Council", "BMBF", "State Council"],
            "focus": ["f1", "f2", "f3"],
            "citation": ["c1", "c2", "c3"],
            "url": ["https://a", "https://b", "https://c"],
            "verified_primary": ["no", "yes", "yes"],
        }
    )
    plans = tp.plans_table(curated)
    assert list(plans["Plan"]) == ["Industrie 4.0 (initiative)", "Made in China 2025"]  # by year, only named plans
    shown, sources = tp.plans_display(plans)
    assert list(shown["Source"]) == ["[1]", "[2]"] and shown["Launched"].tolist() == ["2011", "2015"]
    assert sources.splitlines()[0] == "1. c2. <https://b> (checked at the primary publisher: yes)"


def test_series_sentence_and_definition_note():
    s = pd.Series([np.nan, 19.94, 24.72], index=[2006, 2007, 2024])
    assert tp.series_sentence(s, "the world") == "For the world the share went from 19.9 % in 2007 to 24.7 % in 2024"
    assert "no such series" in tp.series_sentence(None, "the world")
    assert "thin faded lines" in tp.definition_note("2026-07-01")
    assert "older SITC-based" in tp.definition_note(tp.OLD_DEFINITION_VINTAGE)


def test_employment_panels():
    shares = pd.concat(
        [
            tidy([("AAA", 2000, 20.0), ("BBB", 2000, 40.0)], tp.SECTORS["industry"]),
            tidy([("AAA", 2000, 80.0), ("BBB", 2000, 60.0)], tp.SECTORS["services"]),
        ]
    )
    weights = tidy([("AAA", 2000, 1.0), ("BBB", 2000, 1.0)])
    panels = tp.employment_panels(shares, weights, ["AAA"], "WLD", ["AAA", "BBB"])
    assert list(panels) == ["AAA", "WLD"]
    assert panels["AAA"].loc[2000, "services"] == 80.0
    assert panels["WLD"].loc[2000, "industry"] == pytest.approx(30.0)


def test_show_table_is_reproducible():
    from imtrade.show.tables import show_table

    frame = pd.DataFrame({"a": [1.0, 2.0]})
    first, second = show_table(frame, caption="c"), show_table(frame, caption="c")
    assert first.to_html() == second.to_html()
    assert repr(first) == "<table: 2 rows x 1 columns>"
    assert "vertical-align" in first.set_properties(**{"vertical-align": "top"}).to_html()


def test_sentence_helpers():
    names = {"AAA": "Alpha", "BBB": "Korea", "WLD": "the world"}
    wide_frame = pd.DataFrame({"AAA": [1.0, 3.0], "BBB": [5.0, 4.0], "WLD": [1.0, np.nan]}, index=[2000, 2010])
    assert tp.change_by_economy(wide_frame, ["AAA", "BBB", "WLD", "ZZZ"], names, 2000, 2010) == (
        "rose in Alpha (+2.0 points) and fell or stayed flat in Korea (\u22121.0 points)"
    )
    assert tp.change_by_economy(wide_frame, ["WLD"], names, 2000, 2010) == "cannot be compared for lack of data"
    co2 = pd.DataFrame({"AAA": [1.0, 0.5], "WLD": [2.0, np.nan]}, index=[1990, 2020])
    assert tp.percent_change_by_economy(co2, ["AAA", "WLD"], names, 1990, 2020) == "\u221250 % in Alpha"
    assert tp.percent_change_by_economy(co2, ["WLD"], names, 1990, 2020) == "no economy with data in both years"


# ---------------------------------------------------------------------------------------
# Figures (small frames; the theme is the book's)


def test_plot_functions_return_figures():
    import matplotlib.pyplot as plt

    from imtrade.show.figures import apply_theme, country_styles

    apply_theme()
    codes = ["AAA", "WLD"]
    styles = country_styles(codes)
    names = {"AAA": "Alpha", "WLD": "World"}
    years = list(range(2005, 2012))
    ht = pd.DataFrame(
        {
            "iso3": ["AAA"] * 7 + ["AAA"] * 3,
            "year": [*years, 2005, 2006, 2007],
            "share": 10.0,
            "definition": "d",
            "vintage": ["new"] * 7 + ["old"] * 3,
        }
    )
    line = pd.DataFrame({"iso3": "AAA", "year": years, "value": 1.0, "rca": 1.0, "measure": "exports"})
    ratios = pd.concat([line.assign(measure=m) for m in tp.SERVICE_MEASURES])
    employment = {"AAA": pd.DataFrame({"agriculture": 10.0, "industry": 30.0, "services": 60.0}, index=years)}
    data = hump_frame().assign(iso3=lambda d: ["AAA", *list(d["iso3"][1:])])
    trade = pd.DataFrame(
        {"trade_co2_share": [1.0, -1.0]},
        index=pd.MultiIndex.from_tuples([("AAA", 2000), ("AAA", 2001)], names=["iso3", "year"]),
    )
    figures = [
        tp.plot_high_tech_shares(ht, codes, styles, names, "new"),
        tp.plot_rca(line, codes, styles, names),
        tp.plot_medium_high_tech(line, codes, styles, names),
        tp.plot_services(ratios, codes, styles, names),
        tp.plot_employment(employment, names),
        tp.plot_hump(data, tp.fit_industry_hump(data), ["AAA"], styles, names),
        tp.plot_co2_intensity(line, codes, styles, names),
        tp.plot_co2_trade(trade, ["AAA"], styles, names),
    ]
    for fig in figures:
        assert fig.axes and not any(ax.get_title() for ax in fig.axes)  # captions are titles
        assert all(ax.get_ylabel() or not ax.get_visible() or ax.get_subplotspec().colspan.start > 0 for ax in fig.axes)
        plt.close(fig)


# ---------------------------------------------------------------------------------------
# Parameters (need the entity table)


@needs_data
def test_check_parameters():
    good = dict(countries=["USA", "DEU"], benchmark="WLD", start_year=1990, end_year=2024, vintage="2026-07-01")
    tp.check_parameters(good)
    for bad in (
        dict(benchmark="XXX"),
        dict(start_year=2012),
        dict(end_year=2012),
        dict(countries=["WLD"]),
        dict(countries=["USA"] * 2),
        dict(vintage="1999-01-01"),
        dict(countries=[f"C{i}" for i in range(9)]),
        dict(start_year=2020, end_year=2015),
    ):
        with pytest.raises((ParameterError, ImtradeError)):
            tp.check_parameters({**good, **bad})


# ---------------------------------------------------------------------------------------
# Claim checks: one case per verdict, on frames built here


def claim(check: str) -> Claim:
    return Claim(
        id="test",
        source="000_x.txt",
        section="s",
        claim="c",
        kind="qualitative",
        claimed={},
        measure={},
        tolerance="t",
        chapter="trade_patterns",
        check=check,
    )


@pytest.fixture
def fake_data(monkeypatch):
    """Replace CheckContext.indicators with a lookup in ``frames`` (filtered like the real one)."""
    frames: dict[str, pd.DataFrame] = {}

    def indicators(self, codes, countries=None, years=None, **kwargs):
        codes = [codes] if isinstance(codes, str) else list(codes)
        out = pd.concat([frames[c] for c in codes if c in frames] or [tidy([])], ignore_index=True)
        if countries is not None:
            out = out[out["iso3"].isin(countries)]
        if isinstance(years, tuple):
            lo, hi = years
            out = out[(out["year"] >= (lo or 0)) & (out["year"] <= (hi or 9999))]
        elif years is not None:
            out = out[out["year"].isin(list(years))]
        return out.reset_index(drop=True)

    monkeypatch.setattr(CheckContext, "indicators", indicators)
    monkeypatch.setattr(checks, "_entities", lambda: ENTITIES)
    return frames


TECH_ARGS = dict(mva_years=[2000, 2017], export_start_year=2007, min_mva_rise=1.0, min_export_rise=2.0)


@pytest.mark.parametrize(
    ("mva_end", "export_end", "verdict"),
    [
        (48.0, 23.0, SUPPORTED),
        (48.0, 20.5, PARTLY),
        (45.0, 23.0, PARTLY),
        (45.0, 20.5, CONTRADICTED),
    ],
)
def test_tech_intensity_shift(fake_data, mva_end, export_end, verdict):
    fake_data[tp.MHT_MVA_WORLD] = tidy([("WLD", 2000, 46.0), ("WLD", 2017, mva_end)], tp.MHT_MVA_WORLD)
    fake_data[tp.HT_SHARE] = tidy([("WLD", 2007, 20.0), ("WLD", 2015, 19.0), ("WLD", 2024, export_end)], tp.HT_SHARE)
    result = checks.tech_intensity_shift(claim("tech_intensity_shift"), CheckContext("2026-07-01"), **TECH_ARGS)
    assert result.verdict == verdict
    assert "(2024)" in result.measured and result.value == pytest.approx(export_end - 20.0)


def test_tech_intensity_shift_not_checkable(fake_data):
    fake_data[tp.HT_SHARE] = tidy([("WLD", 2007, 20.0)], tp.HT_SHARE)
    result = checks.tech_intensity_shift(claim("tech_intensity_shift"), CheckContext(None), **TECH_ARGS)
    assert result.verdict == NOT_CHECKABLE


def put_services(frames, wide):
    for code in wide.columns:
        frames[code] = wide[code].rename("value").reset_index().assign(dataset="t", vintage="t", indicator=code)


@pytest.mark.parametrize(
    ("kwargs", "verdict"),
    [
        (dict(), SUPPORTED),
        (dict(exports_pct=(25.0, 25.5)), PARTLY),
        (dict(exports_pct=(25.0, 25.0), ip=(2.0, 1.0), ict=(3.0, 3.0)), CONTRADICTED),
    ],
)
def test_services_ip_trade_relative_to_goods(fake_data, kwargs, verdict):
    put_services(fake_data, services_wide(**kwargs))
    result = checks.services_ip_trade_relative_to_goods(
        claim("x"), CheckContext(None), start_year=2005, end_year=2024, min_services_share_rise=2.0
    )
    assert result.verdict == verdict


def test_services_not_checkable(fake_data):
    put_services(fake_data, services_wide().drop(columns=[tp.ICT_EXPORTS]))
    result = checks.services_ip_trade_relative_to_goods(
        claim("x"), CheckContext(None), start_year=2005, end_year=2024, min_services_share_rise=2.0
    )
    assert result.verdict == NOT_CHECKABLE


def put_employment(frames, code, start, end):
    """AAA and BBB are high income, CCC not; ``start``/``end``: {iso3: share}."""
    frames[code] = tidy([(c, 1991, v) for c, v in start.items()] + [(c, 2023, v) for c, v in end.items()], code)
    frames[indicators.LABOUR_FORCE] = tidy(
        [(c, y, 100.0) for c in ("AAA", "BBB", "CCC") for y in (1991, 2023)], indicators.LABOUR_FORCE
    )
    frames[indicators.UNEMPLOYMENT] = tidy(
        [(c, y, 0.0) for c in ("AAA", "BBB", "CCC") for y in (1991, 2023)], indicators.UNEMPLOYMENT
    )


@pytest.mark.parametrize(("end", "verdict"), [(48.0, SUPPORTED), (43.0, PARTLY), (39.0, CONTRADICTED)])
def test_employment_single_group(fake_data, end, verdict):
    code = tp.SECTORS["services"]
    put_employment(fake_data, code, {"AAA": 40.0, "BBB": 40.0, "CCC": 40.0}, {"AAA": end, "BBB": end, "CCC": end})
    result = checks.employment_sector_share_change(
        claim("x"), CheckContext(None), sector="service", group="World", years=[1991, 2023], min_change=5.0
    )
    assert result.verdict == verdict
    assert "3 economies" in result.measured


@pytest.mark.parametrize(
    ("hic_end", "other_end", "verdict"),
    [
        (25.0, 25.0, SUPPORTED),  # high income -5, world falls
        (25.0, 60.0, PARTLY),  # high income -5, world rises
        (29.0, 20.0, CONTRADICTED),  # high income only -1
    ],
)
def test_employment_two_groups(fake_data, hic_end, other_end, verdict):
    code = tp.SECTORS["industry"]
    put_employment(
        fake_data, code, {"AAA": 30.0, "BBB": 30.0, "CCC": 30.0}, {"AAA": hic_end, "BBB": hic_end, "CCC": other_end}
    )
    result = checks.employment_sector_share_change(
        claim("x"),
        CheckContext(None),
        sector="industry",
        group=["High income", "World"],
        years=[1991, 2023],
        min_change=-3.0,
    )
    assert result.verdict == verdict


def test_employment_not_checkable_and_bad_sector(fake_data):
    code = tp.SECTORS["industry"]
    put_employment(fake_data, code, {"AAA": 30.0}, {})
    result = checks.employment_sector_share_change(
        claim("x"), CheckContext(None), sector="industry", group="World", years=[1991, 2023], min_change=-3.0
    )
    assert result.verdict == NOT_CHECKABLE
    with pytest.raises(ValueError):
        checks.employment_sector_share_change(
            claim("x"), CheckContext(None), sector="mining", group="World", years=[1991, 2023], min_change=1.0
        )


@pytest.mark.parametrize(
    ("mva_end", "transfer_end", "verdict"),
    [
        (0.45, 20.0, SUPPORTED),
        (0.45, 60.0, PARTLY),
        (0.52, 20.0, PARTLY),
        (0.52, 60.0, CONTRADICTED),
    ],
)
def test_net_co2_transfer(fake_data, mva_end, transfer_end, verdict):
    fake_data[tp.CO2_PER_MVA] = tidy([("WLD", 2008, 0.54), ("WLD", 2017, mva_end)], tp.CO2_PER_MVA)
    fake_data["trade_co2"] = tidy(
        [("AAA", 2008, 40.0), ("BBB", 2008, -40.0), ("AAA", 2017, transfer_end), ("BBB", 2017, -transfer_end)],
        "trade_co2",
    )
    fake_data["co2"] = tidy([("WLD", 2008, 1000.0), ("WLD", 2017, 1000.0)], "co2")
    result = checks.net_co2_transfer(claim("x"), CheckContext(None), years=[2008, 2017], min_mva_intensity_drop_pct=10)
    assert result.verdict == verdict


def test_carbon_content_not_checkable(fake_data):
    fake_data[tp.CO2_PER_MVA] = tidy([("WLD", 2008, 0.54)], tp.CO2_PER_MVA)
    result = checks.net_co2_transfer(claim("x"), CheckContext(None), years=[2008, 2017], min_mva_intensity_drop_pct=10)
    assert result.verdict == NOT_CHECKABLE


# ---------------------------------------------------------------------------------------
# Trade and investment after the robot take-off


def _broken(years, pre_slope, post_slope, break_year, noise=0.0, seed=1):
    """A broken linear trend (continuous at the break) with optional white noise."""
    t = np.asarray(years, dtype=float)
    y = 10 + pre_slope * (t - break_year) + (post_slope - pre_slope) * np.clip(t - break_year, 0, None)
    return y + noise * np.random.default_rng(seed).standard_normal(t.size)


def test_world_trade_and_fdi_computes_the_mean_of_flows_and_fdi_share():
    frames = [
        tidy([("WLD", 2000, 20.0), ("WLD", 2001, 22.0)], tp.GNFS_EXPORTS_GDP),
        tidy([("WLD", 2000, 24.0), ("WLD", 2001, 26.0)], tp.GNFS_IMPORTS_GDP),
        tidy([("WLD", 2000, 30.0), ("WLD", 2001, 10.0)], tp.FDI_INFLOWS),
        tidy([("WLD", 2000, 1000.0), ("WLD", 2001, 1000.0), ("AAA", 2000, 5.0)], tp.GDP_USD),
    ]
    out = tp.world_trade_and_fdi(pd.concat(frames, ignore_index=True))
    assert list(out.index) == [2000, 2001]
    assert out.loc[2000, "trade"] == pytest.approx(22.0) and out.loc[2001, "fdi"] == pytest.approx(1.0)
    no_fdi = tp.world_trade_and_fdi(pd.concat(frames[:2], ignore_index=True))
    assert no_fdi["fdi"].isna().all() and no_fdi.loc[2001, "trade"] == pytest.approx(24.0)


def test_robot_era_comparison_reads_the_slope_change_interval():
    years = np.arange(1990, 2020)
    series = pd.DataFrame(
        {"trade": _broken(years, 0.6, 0.0, 2008, noise=0.05), "fdi": _broken(years, 0.1, 0.1, 2008, noise=0.5)},
        index=years,
    )
    table = tp.robot_era_comparison(series, 2008, (1990, 2019)).set_index("measure")
    assert table.loc["trade", "direction"] == "slower" and table.loc["trade", "change_high"] < 0
    assert table.loc["trade", "pre_slope"] == pytest.approx(0.6, abs=0.05)
    assert table.loc["fdi", "direction"] == "no clear change"
    assert table.loc["fdi", "change_low"] < 0 < table.loc["fdi", "change_high"]
    short = tp.robot_era_comparison(series.loc[2006:2010], 2008, (1990, 2019))
    assert (short["direction"] == "too few data").all()


@pytest.mark.parametrize(
    ("directions", "verdict"),
    [
        (["faster", "faster"], "supported"),
        (["slower", "slower"], "contradicted"),
        (["slower", "no clear change"], "partly contradicted"),
        (["faster", "no clear change"], "partly supported"),
        (["faster", "slower"], "inconclusive"),
        (["no clear change", "no clear change"], "inconclusive"),
        (["too few data", "slower"], "contradicted"),
        (["too few data"], "inconclusive"),
    ],
)
def test_robot_era_verdict(directions, verdict):
    assert tp.robot_era_verdict(directions) == verdict


def test_robot_era_summary_follows_the_directions():
    table = pd.DataFrame({"measure": ["trade", "fdi"], "direction": ["slower", "no clear change"]})
    text = tp.robot_era_summary(table)
    assert text.startswith("World trade relative to GDP grew more slowly; world FDI inflows relative to GDP showed")
    assert text.endswith("did not come with faster growth of world trade or investment relative to GDP.")
    mixed = tp.robot_era_summary(table.assign(direction=["faster", "slower"]))
    assert "opposite directions" in mixed
    assert tp.robot_era_summary(table.assign(direction="too few data")).startswith("Too few data")


def test_trade_investment_check(fake_data, monkeypatch):
    years = np.arange(1990, 2020)
    trade = _broken(years, 0.6, 0.0, 2008, noise=0.05)
    fake_data[tp.GNFS_EXPORTS_GDP] = tidy(
        [("WLD", int(y), float(v)) for y, v in zip(years, trade, strict=True)], tp.GNFS_EXPORTS_GDP
    )
    fake_data[tp.GNFS_IMPORTS_GDP] = tidy(
        [("WLD", int(y), float(v)) for y, v in zip(years, trade, strict=True)], tp.GNFS_IMPORTS_GDP
    )
    fdi = _broken(years, 0.1, 0.1, 2008, noise=0.5) + 20
    fake_data[tp.FDI_INFLOWS] = tidy(
        [("WLD", int(y), float(v)) for y, v in zip(years, fdi, strict=True)], tp.FDI_INFLOWS
    )
    fake_data[tp.GDP_USD] = tidy([("WLD", int(y), 100.0) for y in years], tp.GDP_USD)
    robots = pd.DataFrame(
        {
            "year": [2013, 2023],
            "geography": ["World", "World"],
            "iso3": ["WLD", "WLD"],
            "measure": ["installations", "installations"],
            "value": [100, 300],
            "report_edition": ["World Robotics 2014", "World Robotics 2024"],
            "citation": "c",
            "url": "https://example.org",
        }
    )
    monkeypatch.setattr(CheckContext, "curated", lambda self, name: robots)
    args = dict(break_year=2008, years=[1990, 2019], robot_years=[2013, 2023])
    result = checks.trade_investment_after_robot_takeoff(claim("x"), CheckContext(None), **args)
    assert result.verdict == PARTLY_CONTRADICTED
    assert "×3.0 from 2013 to 2023" in result.measured and ": slower" in result.measured
    fake_data.clear()
    assert checks.trade_investment_after_robot_takeoff(claim("x"), CheckContext(None), **args).verdict == NOT_CHECKABLE


def test_rca_positions_and_assembly_sentence():
    rca = pd.DataFrame(
        {
            "iso3": ["PHL", "MYS", "VNM", "DEU", "JPN", "WLD", "AAA"],
            "year": 2023,
            "share": [64.0, 59.0, 44.0, 18.0, 17.0, 24.0, 30.0],
            "rca": [2.6, 2.4, 1.8, 0.7, 0.69, 1.0, 1.2],
        }
    )
    codes = [*tp.ASSEMBLY_HUBS, *tp.INCUMBENT_MAKERS]
    economies = ["PHL", "MYS", "VNM", "DEU", "JPN", "AAA"]  # WLD is an aggregate: not ranked
    pos = tp.rca_positions(rca, 2023, codes, economies)
    assert list(pos["iso3"]) == codes and list(pos["rank"]) == [1, 2, 3, 5, 6] and (pos["n_ranked"] == 6).all()
    names = {"PHL": "the Philippines", "MYS": "Malaysia", "VNM": "Viet Nam", "DEU": "Germany", "JPN": "Japan"}
    text = tp.assembly_sentence(pos, names, 2023)
    assert text.startswith("In 2023, the Philippines (rank 1 of 6, high-tech share 64 %, RCA 2.60)")
    assert "all outranked Germany (rank 5 of 6" in text
    swapped = tp.assembly_sentence(pos.assign(rank=[5, 2, 3, 1, 6]), names, 2023)
    assert "did not all outrank" in swapped
    assert "cannot be shown" in tp.assembly_sentence(pos[pos["iso3"] == "PHL"], names, 2023)


def test_tiva_display_and_sentence_keep_the_published_bounds():
    table = pd.DataFrame(
        {
            "year": [2009, 2009, 2009, 2009],
            "geography": ["United States", "Germany", "China", "typical across economies"],
            "iso3": ["USA", "DEU", "CHN", ""],
            "measure": ["services_share_of_total_exports_va"] * 3 + ["services_share_of_goods_exports"],
            "value": [50.0, 50.0, 33.3, 33.3],
            "bound": [">", ">", "~", "~"],
            "edition": "TiVA May 2013",
            "verified_primary": "yes",
        }
    )
    shown = tp.tiva_display(table)
    assert list(shown["Figure"]) == ["over 50 %", "over 50 %", "about 33 %", "about 33 %"]
    names = {"USA": "the United States", "DEU": "Germany", "CHN": "China"}
    text = tp.tiva_sentence(table, names)
    assert text == (
        "In 2009, services value added made up over 50 % of total exports in the United States and Germany and "
        "about 33 % in China; services supplied about 33 % of the value of manufactured-goods exports"
    )
    only_goods = tp.tiva_sentence(table.iloc[3:], names)
    assert only_goods.startswith("Services supplied about 33 %")
    assert tp.tiva_sentence(table.iloc[0:0], names) == "The curated TiVA table has no rows."


def test_employment_legend_says_industry_includes_construction():
    from imtrade.chapters.trade_patterns.figures import SECTOR_LABELS

    assert SECTOR_LABELS["industry"] == "Industry (incl. construction)"


@needs_data
def test_register_entries_match_the_check_functions():
    register = load_register()
    functions = registered_checks()
    mine = [
        c
        for c in register.claims
        if c.source.startswith("000_")
        and c.check
        and c.check in functions
        and functions[c.check].__module__ == checks.__name__
    ]
    assert {c.check for c in mine} == {
        "tech_intensity_shift",
        "services_ip_trade_relative_to_goods",
        "employment_sector_share_change",
        "net_co2_transfer",
        "trade_investment_after_robot_takeoff",
    }
    for entry in mine:
        inspect.signature(functions[entry.check]).bind(entry, None, **entry.args)  # the args fit the function


# ---------------------------------------------------------------------------------------
# Executions of the chapter (slow)


@pytest.mark.slow
@needs_data
def test_chapter_executes_with_defaults(tmp_path):
    run = run_chapter("trade_patterns", tmp_path)
    values = run.values
    assert run.errors == [] and run.figures == 8
    assert values["focus_phrase"] == "the United States, Germany, Japan and China"
    assert values["rca_year"] == "2023"
    assert float(values["reg_coef"]) > 0 and int(values["reg_n"].replace(",", "")) > 1000
    assert values["hump_year"] == "2023" and int(values["hump_n"]) > 150
    assert values["co2_exporters"] == "China"
    # 3: greener trade is capped at partly supported (net CO2 transfers are a proxy; a causal forecast)
    assert "3 supported" in values["verdict_counts"] and "2 not checkable" in values["verdict_counts"]
    assert "partly contradicted" in values["verdict_counts"]  # intelligent manufacturing and trade growth
    assert "slower after the break" in values["boost_reading"]
    assert (
        values["rca_assembly"].startswith("In 2023, the Philippines (rank 2 of")
        and "all outranked Germany" in values["rca_assembly"]
    )
    assert (tmp_path / "tables" / "trade_patterns_rca_rd_regression.csv").is_file()


@pytest.mark.slow
@needs_data
def test_chapter_executes_with_other_parameters(tmp_path):
    run = run_chapter(
        "trade_patterns",
        tmp_path,
        countries=["KOR", "MEX", "VNM", "IND"],
        benchmark="HIC",
        start_year=2000,
        end_year=2020,
    )
    values = run.values
    assert run.errors == [] and run.figures == 8
    assert values["focus_phrase"] == "Korea, Mexico, Viet Nam and India"
    assert values["bench_phrase"] == "high-income economies"
    text = " ".join(values.values())
    for default_name in ("United States", "Germany", "Japan"):  # only the plans table names them
        # the plans table, the fixed assembly comparison (Philippines, Malaysia, Viet Nam against Germany, Japan)
        # and the published TiVA figures (fixed economies)
        fixed = (values["plan_countries"], values["plan_sources"], values["rca_assembly"], values["tiva_sentence"])
        assert default_name not in functools.reduce(lambda t, f: t.replace(f, ""), fixed, text)
    assert values["window"] == "2000–2020" and values["emp_years"] == "2000 and 2020"


@pytest.mark.slow
@needs_data
def test_chapter_executes_with_the_old_vintage(tmp_path):
    run = run_chapter("trade_patterns", tmp_path, vintage="2018-08-01")
    values = run.values
    assert run.errors == []
    assert "SITC" in values["ht_definition"] and "does not carry" in values["mht_text"]
