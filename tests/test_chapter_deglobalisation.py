"""Tests of the chapter "De-globalisation mechanisms": its package functions, its claim checks
and its execution with default and non-default parameters.

Unit tests build small frames; the break tests are checked on series with a break built in
(and without one), and the classical Chow F against the textbook formula computed here with
numpy least squares.
"""

from __future__ import annotations

import math
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from conftest import run_chapter

from imtrade import stats
from imtrade.chapters import deglobalisation as ch
from imtrade.chapters.deglobalisation import checks
from imtrade.claims import (
    CONTRADICTED,
    INCONCLUSIVE,
    NOT_CHECKABLE,
    PARTLY,
    PARTLY_CONTRADICTED,
    SUPPORTED,
    CheckContext,
    Claim,
    evaluate,
)
from imtrade.data import indicators, robots
from imtrade.exceptions import DataNotFetchedError, ImtradeError, ParameterError
from imtrade.show.text import p_text

YEARS = np.arange(1970, 2025)


def data_available() -> bool:
    try:
        from imtrade.data.load import load_entities

        load_entities()
    except (DataNotFetchedError, ImtradeError):
        return False
    return True


needs_data = pytest.mark.skipif(not data_available(), reason="data not fetched (make data)")


def tidy(rows) -> pd.DataFrame:
    """Tidy frame from (indicator, iso3, year, value) tuples."""
    frame = pd.DataFrame(rows, columns=["indicator", "iso3", "year", "value"])
    frame.insert(0, "dataset", "test")
    frame.insert(1, "vintage", "test")
    return frame.astype({"year": "int64", "value": "float64"})


def series_rows(indicator: str, iso3: str, values: dict[int, float]):
    return [(indicator, iso3, int(y), float(v)) for y, v in values.items()]


def broken_series(
    break_year: int = 2000, pre: float = 0.5, post: float = 0.0, jump: float = 0.0, sd: float = 0.3, seed: int = 1
):
    rng = np.random.default_rng(seed)
    c = YEARS - break_year
    y = 20 + pre * c + (post - pre) * np.clip(c, 0, None) + jump * (c > 0) + rng.normal(0, sd, YEARS.size)
    return YEARS, y


# ---------------------------------------------------------------------------------------
# Break tests as the chapter reports them (the statistics are tested in tests/test_stats.py)


def test_break_summary_and_describe_break():
    years, y = broken_series(2000, pre=0.5, post=0.0)
    summary = stats.break_summary(pd.Series(y, index=years), 2000, [1990, 1995, 2000, 2005, 2010])
    row = ch.break_table(summary, "x")
    assert row.loc[0, "break_year"] == 2000 and row.loc[0, "n"] == 55
    text = ch.describe_break("t", summary)
    assert text["t_chow_decision"] == "rejects" and text["t_ls_break"] == "2000"
    assert (
        text["t_ls_vs_break"].startswith("the same year")
        and text["t_supf_decision"] == "so the data reject a stable trend"
    )
    assert text["t_chow_p"] == p_text(summary["chow"].boot_pvalue) and text["t_pre_slope"] == "+0.50"


@pytest.mark.parametrize(("post", "recovered"), [(0.3, "has regained"), (-0.3, "has not regained")])
def test_describe_break_says_whether_the_series_regained_its_break_year_level(post, recovered):
    # rising after the break: the latest value is far above the 2000 value; falling: far below
    years, y = broken_series(2000, pre=0.5, post=post, sd=0.1)
    summary = stats.break_summary(pd.Series(y, index=years), 2000, [1990, 1995, 2000, 2005, 2010])
    assert ch.describe_break("t", summary)["t_recovered"] == recovered


# ---------------------------------------------------------------------------------------
# 1. Openness and 2. GVC proxies


def openness_rows(exports: dict[int, float], imports: dict[int, float] | None = None, iso3: str = "WLD"):
    imports = imports or exports
    return series_rows(ch.EXPORTS, iso3, exports) + series_rows(ch.IMPORTS, iso3, imports)


def test_openness_from_tidy_and_measures():
    ex = {y: 20.0 + (y - 1990) * 0.5 for y in range(1990, 2009)}
    frame = ch.openness_from_tidy(tidy(openness_rows(ex, {y: v - 1 for y, v in ex.items()})))
    assert frame.loc[2000, "trade"] == pytest.approx(49.0) and frame.loc[2000, "trade_mean"] == pytest.approx(24.5)
    frame["merchandise_trade"] = frame["trade"] * 0.8
    table = ch.openness_measures(frame).set_index("measure")
    avg = table.loc["Average of exports and imports, (X + M) / 2"]
    assert avg["mean_1990s"] == pytest.approx(21.75) and avg["value_2007"] == pytest.approx(28.0)
    assert bool(avg["about_20_in_1990s"]) and not bool(avg["above_30_in_2007"])
    assert not bool(table.loc["Exports + imports (World Bank trade ratio)", "about_20_in_1990s"])
    match = ch.describe_openness_match(table.reset_index(), frame)["open_match"]
    assert "under the 30 %" in match and "never passed 30 %" in match
    later = frame.assign(trade_mean=frame["trade_mean"] + 2.5)  # 2007: 30.5
    assert "above the 30 %" in ch.describe_openness_match(table.reset_index(), later)["open_match"]


def test_gvc_quoted_and_proxy_comparison():
    curated = pd.DataFrame(
        {
            "year": [1995, 2008, 2020, 1995, 2008, 2020, np.nan],
            "measure": ["gvc_participation_trade_based"] * 3
            + ["gvc_participation_production_based"] * 3
            + ["gvc_related_share_of_world_trade"],
            "value": [35.2, 46.1, 44.4, 9.6, 14.2, 12.1, 50.0],
            "attributed_to": "x",
            "verified_primary": "no",
        }
    )
    quoted = ch.quoted_gvc_participation(curated)
    assert len(quoted) == 6 and set(quoted["measure"]) == {"trade-based", "production-based"}
    openness = pd.DataFrame(
        {"trade_mean": [20.0, 30.0, 25.0], "merchandise_trade": [32.0, 48.0, 40.0]}, index=[1995, 2008, 2020]
    )
    comp = ch.gvc_proxy_comparison(openness, quoted).set_index(["series", "year"])["index_1995_100"]
    assert comp[("GVC participation, trade-based (quoted)", 2008)] == pytest.approx(46.1 / 35.2 * 100)
    assert comp[("Proxy: world trade, (X + M)/2 % of GDP", 2008)] == pytest.approx(150.0)


def test_world_mht_share_is_weighted_by_manufactured_exports():
    rows = []
    for iso3, mht, manf, merch in (("AAA", 80.0, 50.0, 200.0), ("BBB", 20.0, 100.0, 100.0)):
        rows += [
            (ch.MHT_SHARE, iso3, 2000, mht),
            (ch.MANF_SHARE_OF_MERCH, iso3, 2000, manf),
            (ch.MERCH_EXPORTS, iso3, 2000, merch),
        ]
    rows.append((ch.MERCH_EXPORTS, "WLD", 2000, 300.0))  # aggregates are ignored
    out = ch.world_mht_share_from_tidy(tidy(rows), ["AAA", "BBB"])
    # manufactured exports 100 and 100: shares 80 and 20 weigh equally
    assert out.loc[2000, "mht_share"] == pytest.approx(50.0) and out.loc[2000, "reporters"] == 2
    assert "changed by less than 3 points" in ch.describe_mht(
        pd.DataFrame({"mht_share": [60.0, 61.0, 59.5], "reporters": [100] * 3}, index=[1995, 2008, 2022])
    )


def test_labour_intensive_partner_table():
    t = tidy([(ch.CEPII_LABOUR, "AAA", 2008, 1.0), (ch.CEPII_CAPITAL, "AAA", 2008, 3.0)])
    out = ch.labour_intensive_partner_table(t, ["AAA"], [2008, 2014]).set_index("year")
    assert out.loc[2008, "share_labour_intensive"] == pytest.approx(25.0)
    assert math.isnan(out.loc[2014, "share_labour_intensive"])


# ---------------------------------------------------------------------------------------
# 3. Automation


def robot_table() -> pd.DataFrame:
    rows = [
        (2019, "WLD", "installations", 373000, "World Robotics 2020", ""),
        (2019, "WLD", "installations", 373240, "World Robotics 2020", ""),
        (2022, "WLD", "installations", 553052, "World Robotics 2023", ""),
        (2022, "WLD", "installations", 552946, "World Robotics 2024", ""),
        (2016, "WLD", "installations", 294300, "World Robotics 2018 (preliminary, June 2018)", ""),
        (2015, "WLD", "installations", 248000, "World Robotics 2016 (preliminary, June 2016)", ""),
        (2015, "WLD", "installations", 253748, "World Robotics 2016", ""),
        (2020, "", "installations", 10494, "World Robotics 2021", "sector subset"),
    ]
    frame = pd.DataFrame(rows, columns=["year", "iso3", "measure", "value", "report_edition", "note"])
    return frame.assign(geography="World", citation="IFR", url="https://ifr.org")


def shares_tidy(emp: dict[int, float], va: dict[int, float], iso3: str = "AAA"):
    return series_rows(indicators.INDUSTRY_EMPLOYMENT, iso3, emp) + series_rows(
        indicators.INDUSTRY_VALUE_ADDED, iso3, va
    )


def test_industry_shares_and_patterns():
    rng = np.random.default_rng(5)
    years = range(1991, 2021)
    noise = dict(zip(years, rng.normal(0, 0.05, 30), strict=True))
    rows = []
    rows += shares_tidy(
        {y: 30 - 0.4 * (y - 1991) + noise[y] for y in years},
        {y: 28 + noise[y] * 2 for y in years} | {1985: 29.0},
        "AAA",
    )
    rows += shares_tidy(
        {y: 30 - 0.4 * (y - 1991) + noise[y] for y in years},
        {y: 32 - 0.4 * (y - 1991) - noise[y] for y in years},
        "BBB",
    )
    rows += shares_tidy(
        {y: 20 + 0.3 * (y - 1991) + noise[y] for y in years}, {y: 40 - 0.2 * (y - 1991) for y in years}, "CCC"
    )
    rows += shares_tidy(
        {y: 30 - 0.4 * (y - 1991) + noise[y] for y in years},
        {y: 30 - 0.2 * (y - 1991) - noise[y] for y in years},
        "DDD",
    )
    shares = indicators.industry_shares(tidy(rows), ["AAA", "BBB", "CCC", "DDD"])
    assert 1985 not in set(shares["year"])  # only years with both shares
    trends = ch.industry_trend_table(shares, ["AAA", "BBB", "CCC", "DDD", "EEE"]).set_index("iso3")
    assert trends.loc["AAA", "pattern"] == ch.PATTERNS["stable_output"]
    assert trends.loc["BBB", "pattern"] == ch.PATTERNS["similar"]
    assert trends.loc["CCC", "pattern"] == ch.PATTERNS["rising"]
    assert trends.loc["DDD", "pattern"] == ch.PATTERNS["faster"]
    assert trends.loc["EEE", "pattern"] == "too few data"
    names = {c: c for c in ("AAA", "BBB", "CCC", "DDD")}
    text = ch.describe_industry(trends.reset_index(), names)
    assert "(2 of 4)" in text["ind_signature"] and text["ind_example"].startswith("In AAA")
    display = ch.display_industry_table(trends.reset_index(), names)
    assert display["Years"].iloc[0] == "1991–2020" and len(display) == 4


def test_classify_industry_pattern_output_faster_and_unclear():
    base = stats.fit_trend([1991, 1992, 1993, 1994], [1.0, 2.0, 3.0, 5.0])

    def fit(lo: float, hi: float) -> stats.TrendFit:
        return replace(base, ci_low=lo, ci_high=hi)

    assert ch.classify_industry_pattern(fit(-0.5, -0.3), fit(-0.9, -0.6), fit(0.1, 0.3)) == ch.PATTERNS["output_faster"]
    assert ch.classify_industry_pattern(fit(-0.1, 0.1), fit(-0.1, 0.1), fit(-0.1, 0.1)) == ch.PATTERNS["unclear"]


def test_industry_employment_counts_uses_a_balanced_panel():
    rows = []
    for iso3, share, lf in (("AAA", (20, 10), 100.0), ("BBB", (30, 33), 200.0), ("CCC", (50, 50), 100.0)):
        for year, s in zip((2000, 2023), share, strict=True):
            rows += [
                ("industry_workers_percent_of_employment", iso3, year, s),
                ("SL.TLF.TOTL.IN", iso3, year, lf),
                ("SL.UEM.TOTL.ZS", iso3, year, 0.0),
            ]
    rows = [r for r in rows if not (r[1] == "CCC" and r[2] == 2023)]  # CCC lacks 2023: left out
    income = pd.Series({"AAA": "High income", "BBB": "Low income", "CCC": "Low income"})
    out = ch.industry_employment_counts(
        tidy(rows), income, {"rich": ["High income"], "poor": ["Low income"]}, (2000, 2023)
    ).set_index("group")
    assert out.loc["rich", "change_pct"] == pytest.approx(-50.0)
    assert out.loc["poor", "change_pct"] == pytest.approx(10.0) and out.loc["poor", "economies"] == 1


# ---------------------------------------------------------------------------------------
# 4. Investment, 5. concentration, 6. developing economies


def test_share_of_gdp_and_percent_change():
    rows = series_rows(ch.FDI_INFLOWS, "WLD", {2007: 2.0, 2009: 1.0}) + series_rows(
        ch.GDP_USD, "WLD", {2007: 100.0, 2009: 100.0}
    )
    out = ch.share_of_gdp_from_tidy(tidy(rows), ch.FDI_INFLOWS, ["WLD", "HIC"])
    assert list(out.columns) == ["WLD"] and out.loc[2007, "WLD"] == pytest.approx(2.0)
    assert stats.percent_change(out["WLD"], 2007, 2009) == pytest.approx(-50.0)
    assert math.isnan(stats.percent_change(out["WLD"], 2007, 2010))


def test_concentration_top_share_hhi_and_coverage():
    rows = []
    for year, values in (
        (2000, {"A": 50, "B": 30, "C": 20, "D": 0}),
        (2001, {"A": 25, "B": 25, "C": 25, "D": 25}),
        (2002, {"A": 10}),
    ):
        rows += [(ch.IP_RECEIPTS, k, year, v) for k, v in values.items()]
    rows.append((ch.IP_RECEIPTS, "WLD", 2000, 100.0))  # an aggregate must not count
    table = ch.concentration_by_year(tidy(rows), ["A", "B", "C", "D"], top_n=2)
    assert table.loc[2000, "top_share"] == pytest.approx(80.0)
    assert table.loc[2000, "hhi"] == pytest.approx(10_000 * (0.25 + 0.09 + 0.04))
    assert table.loc[2001, "hhi"] == pytest.approx(2_500.0) and table.loc[2000, "top"] == "A, B"
    assert table.loc[2001, "kept"] and not table.loc[2002, "kept"]  # 1 reporter < 80 % of 4
    assert not ch.concentration_by_year(tidy(rows), ["A", "B", "C", "D"], min_reporters=4).loc[2000, "kept"]


def test_group_share_and_describe_concentration():
    rows = series_rows(ch.IP_RECEIPTS, "HIC", {2008: 95.0, 2024: 90.0}) + series_rows(
        ch.IP_RECEIPTS, "WLD", {2008: 100.0, 2024: 100.0}
    )
    share = ch.group_share_from_tidy(tidy(rows), ch.IP_RECEIPTS, "HIC")
    assert share.loc[2024] == pytest.approx(90.0)
    roy = pd.DataFrame(
        {"top_share": [80.0, 70.0], "hhi": [3000.0, 2000.0], "top": ["USA", "USA"], "reporters": [100, 100]},
        index=[2008, 2024],
    )
    text = ch.describe_concentration(roy, 2008, share)
    assert (
        "less" in text["con_trend"]
        and "90.0 %" in text["con_rich"]
        and text["con_head"].endswith("not increasingly so.")
    )


def test_developing_shares_and_catch_up():
    years = range(1990, 2021)
    lmy = {
        y: 15 + (1.0 if y <= 2008 else 0.2) * (min(y, 2008) - 1990) + (0.2 * (y - 2008) if y > 2008 else 0)
        for y in years
    }
    rows = series_rows(ch.MERCH_EXPORTS, "WLD", dict.fromkeys(years, 100.0)) + series_rows(ch.MERCH_EXPORTS, "LMY", lmy)
    rows += series_rows(ch.MERCH_EXPORTS, "CHN", dict.fromkeys(years, 5.0))
    rows += series_rows(ch.HIGHTECH_EXPORTS, "WLD", {2012: 100.0, 2013: 100.0}) + series_rows(
        ch.HIGHTECH_EXPORTS, "LMY", {2012: 40.0, 2013: 41.0}
    )
    shares = ch.developing_shares_from_tidy(tidy(rows))
    shares["merchandise"] += np.random.default_rng(1).normal(0, 0.1, len(shares))
    assert shares.loc[2000, "merchandise_ex_china"] == pytest.approx(20.0) and shares.loc[
        2013, "high_tech"
    ] == pytest.approx(41.0)
    labels = {"merchandise": "m", "merchandise_ex_china": "x", "high_tech": "h", "sdg_developing": "s"}
    catch = ch.catch_up_table(shares, 2008, labels).set_index("series")
    assert catch.loc["m", "slowed"] and catch.loc["m", "change_ci_high"] < 0
    assert catch.loc["h", "note"].startswith("not testable")
    text = ch.describe_catch_up(catch.reset_index(), labels, 2008, "late")
    assert text["dev_reading"] == "slowed" and text["dev_head"].endswith("slowed.")
    assert "too short" in ch.describe_high_tech_share(shares, 2008)


# ---------------------------------------------------------------------------------------
# Parameters, headlines, figures


@needs_data
def test_check_parameters():
    ok = dict(
        countries=["CHN"],
        break_year=2008,
        start_year=1970,
        end_year=2024,
        vintage="2026-07-01",
        candidate_breaks=[2000, 2008],
    )
    ch.check_parameters(ok)
    for bad in (
        {"break_year": 2022},
        {"break_year": 1972},
        {"candidate_breaks": []},
        {"candidate_breaks": [1960]},
        {"candidate_breaks": [2000, 2000]},
        {"countries": ["WLD"]},
    ):
        with pytest.raises(ParameterError):
            ch.check_parameters(ok | bad)


def test_headlines_follow_results():
    years, y = broken_series(2008, pre=0.5, post=0.0)
    summary = stats.break_summary(pd.Series(y, index=years), 2008, [2000, 2008])
    robots = pd.DataFrame({"iso3": ["WLD", "WLD"], "year": [2013, 2023], "value": [100.0, 300.0]})
    heads = ch.describe_headlines(summary, summary, robots)
    assert heads["head_open"].endswith("flattened after 2008.") and "3.0-fold in 10 years" in heads["head_robots"]


def test_power_phrases_and_an_inconclusive_headline():
    years, y = broken_series(2008, pre=0.5, post=0.42, sd=1.0)
    summary = stats.break_summary(pd.Series(y, index=years), 2008, [2000, 2008])
    robots = pd.DataFrame({"iso3": ["WLD", "WLD"], "year": [2013, 2023], "value": [100.0, 300.0]})
    low = {"chow": 0.2, "sup_f": 0.15, "reps": 100}
    high = {"chow": 0.9, "sup_f": 0.85, "reps": 100}
    chow = summary["chow"]
    assert chow.boot_pvalue >= 0.05 and chow.post_slope < chow.pre_slope  # a small kink the test does not find
    phrases = ch.describe_power("ob", summary, low)
    assert phrases["ob_power_chow"] == "20" and phrases["ob_power_supf"] == "15"
    assert "inconclusive" in phrases["ob_power_reading"] and phrases["ob_chow_inconclusive"] == "yes"
    assert "informative" in ch.describe_power("ob", summary, high)["ob_power_reading"]
    head = ch.describe_headlines(summary, summary, robots, low)["head_open"]
    assert "inconclusive" in head and "20 %" in head
    assert "inconclusive" not in ch.describe_headlines(summary, summary, robots, high)["head_open"]
    # a rejection: power is then secondary
    years, y = broken_series(2008, pre=0.5, post=-0.5)
    strong = stats.break_summary(pd.Series(y, index=years), 2008, [2000, 2008])
    assert "rejected" in ch.describe_power("ob", strong, low)["ob_power_reading"]


def test_describe_multiple_breaks():
    years, y = broken_series(2000, pre=0.5, post=-0.5, jump=3.0, sd=0.05)
    found = stats.multiple_breaks(years, y, max_breaks=2)
    text = ch.describe_multiple_breaks("ob", found)["ob_multi_sentence"]
    assert found.break_years == [2000] and "picks 1 by BIC, after 2000" in text and "+0.50 pp a year" in text
    flat = stats.multiple_breaks(years, 0.3 * years + np.random.default_rng(2).normal(0, 0.2, years.size))
    assert "prefers a single trend" in ch.describe_multiple_breaks("ob", flat)["ob_multi_sentence"]


def test_figures_build():
    import matplotlib.pyplot as plt

    years, y = broken_series(2008)
    summary = stats.break_summary(pd.Series(y, index=years), 2008, [2000, 2008])
    openness = pd.DataFrame({"trade_mean": y, "trade": 2 * y, "merchandise_trade": 1.6 * y}, index=years)
    quoted = pd.DataFrame(
        {
            "year": [1995, 2008, 1995, 2008],
            "measure": ["trade-based"] * 2 + ["production-based"] * 2,
            "value": [35.2, 46.1, 9.6, 14.2],
        }
    )
    installations = robots.robot_series(robot_table())
    shares = pd.DataFrame(
        {
            "iso3": "AAA",
            "year": [2000, 2001] * 2,
            "measure": ["employment"] * 2 + ["value added"] * 2,
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    conc = pd.DataFrame({"top_share": [80.0, 70.0], "hhi": [3000.0, 2000.0]}, index=[2000, 2001])
    figures = [
        ch.figure_openness(openness, pd.Series(y, index=years), 2008),
        ch.figure_break(summary, ylabel="y", series_label="s"),
        ch.figure_gvc(quoted, openness),
        ch.figure_robots(installations, ["AAA"], {}),
        ch.figure_industry(shares, ["AAA", "BBB"], {}),
        ch.figure_fdi(pd.DataFrame({"WLD": y}, index=years), summary["trend"], ["WLD"]),
        ch.figure_concentration(conc, conc),
        ch.figure_developing(pd.DataFrame({"merchandise": y}, index=years), 2008),
    ]
    assert all(len(f.axes) >= 1 for f in figures)
    assert not any(ax.get_title() for f in figures for ax in f.axes)  # captions carry the titles
    plt.close("all")


# ---------------------------------------------------------------------------------------
# Claim checks: one case per verdict each check can return (ctx.indicators monkeypatched)


def make_claim(check: str, **args) -> Claim:
    return Claim(
        id=f"t-{check}",
        source="001_x.txt",
        section="s",
        claim="c",
        kind="quantitative",
        claimed={},
        measure=None,
        tolerance="t",
        chapter="deglobalisation",
        check=check,
        args=args,
    )


@pytest.fixture
def ctx(monkeypatch):
    """A CheckContext whose indicators come from ``ctx.frame`` (filtered like load_indicators)."""
    state = {"frame": tidy([])}

    def indicators(self, codes, countries=None, years=None, **kwargs):
        frame = state["frame"]
        frame = frame[frame["indicator"].isin([codes] if isinstance(codes, str) else list(codes))]
        if countries is not None:
            frame = frame[frame["iso3"].isin(list(countries))]
        if isinstance(years, tuple):
            lo, hi = years
            frame = frame[
                (frame["year"] >= (lo if lo is not None else -9999))
                & (frame["year"] <= (hi if hi is not None else 9999))
            ]
        elif years is not None:
            frame = frame[frame["year"].isin(list(years))]
        return frame.reset_index(drop=True)

    monkeypatch.setattr(CheckContext, "indicators", indicators)
    context = CheckContext("test")

    def use(rows):
        state["frame"] = tidy(rows)
        return context

    return use


TRADE_ARGS = dict(
    start_years=[1990, 1999],
    year=2007,
    start_target=20,
    start_tol=2.5,
    end_threshold=30,
    partial_floor=28,
    ratio="mean_of_flows",
)


@pytest.mark.parametrize(
    ("level_1990s", "level_2007", "verdict"),
    [
        (20.0, 31.0, SUPPORTED),
        (20.0, 29.0, PARTLY),
        (30.0, 31.0, PARTLY),
        (20.0, 25.0, CONTRADICTED),
    ],
)
def test_check_trade_share_of_gdp_rise(ctx, level_1990s, level_2007, verdict):
    values = dict.fromkeys(range(1990, 2000), level_1990s) | {2007: level_2007}
    result = checks.trade_share_of_gdp_rise(
        make_claim("trade_share_of_gdp_rise"), ctx(openness_rows(values)), **TRADE_ARGS
    )
    assert result.verdict == verdict and result.value == pytest.approx(level_2007)


def test_check_trade_share_of_gdp_rise_missing_year(ctx):
    result = checks.trade_share_of_gdp_rise(
        make_claim("x"), ctx(openness_rows(dict.fromkeys(range(1990, 2000), 20.0))), **TRADE_ARGS
    )
    assert result.verdict == NOT_CHECKABLE


RISE = dict(
    mode="rise",
    proxy="trade_mean_of_flows",
    years=[1995, 2008],
    claimed_start=35.2,
    claimed_end=46.1,
    min_fraction_of_claimed_rise=0.5,
)


# The proxy checks return the verdict on the proxy; the register's "evidence: proxy" caps it (test_claims.py).
@pytest.mark.parametrize(("end", "verdict"), [(24.0, SUPPORTED), (21.0, CONTRADICTED)])
def test_check_gvc_proxy_rise(ctx, end, verdict):
    result = checks.gvc_proxy_trade_intensity(make_claim("x"), ctx(openness_rows({1995: 20.0, 2008: end})), **RISE)
    assert result.verdict == verdict  # +20 % >= 15.5 % needed; +5 % is not


def test_check_gvc_proxy_not_recovered(ctx):
    args = dict(
        mode="not_recovered",
        proxies=["trade_mean_of_flows", "merchandise_trade_gdp"],
        peak_year=2008,
        window=[2009, 2011],
    )
    below = openness_rows({2008: 30.0, 2009: 26.0, 2010: 28.0, 2011: 29.0}) + series_rows(
        ch.MERCH_TRADE_GDP, "WLD", {2008: 50.0, 2009: 40.0, 2010: 45.0, 2011: 49.0}
    )
    assert checks.gvc_proxy_trade_intensity(make_claim("x"), ctx(below), **args).verdict == SUPPORTED
    above = [r if not (r[0] == ch.MERCH_TRADE_GDP and r[2] == 2011) else (r[0], r[1], r[2], 51.0) for r in below]
    assert checks.gvc_proxy_trade_intensity(make_claim("x"), ctx(above), **args).verdict == CONTRADICTED
    assert checks.gvc_proxy_trade_intensity(make_claim("x"), ctx(below[:4]), **args).verdict == NOT_CHECKABLE


BREAK_ARGS = dict(
    series="trade_mean_of_flows", geo="WLD", pre=[1990, 2008], post=[2009, 2019], alpha=0.05, max_slope_ratio=0.5
)


def trend_rows(pre: float, post: float, jump: float = 0.0, sd: float = 0.1, seed: int = 4):
    years = np.arange(1990, 2020)
    c = years - 2008
    rng = np.random.default_rng(seed)
    y = 20 + pre * c + (post - pre) * np.clip(c, 0, None) + jump * (c > 0) + rng.normal(0, sd, years.size)
    return openness_rows(dict(zip(years.tolist(), y.tolist(), strict=True)))


@pytest.mark.parametrize(
    ("pre", "post", "jump", "sd", "verdict"),
    [
        (0.6, 0.0, 0.0, 0.1, SUPPORTED),  # much flatter, Chow rejects
        (0.5, 0.4, -5.0, 0.1, PARTLY),  # Chow rejects (level shift) but the slope is not halved
        (0.5, 0.2, 0.0, 3.0, PARTLY),  # halved slope, but noise too large for the Chow test to reject
        (0.5, 0.45, 0.0, 3.0, CONTRADICTED),  # neither: slightly flatter, no significant change
        (0.3, 0.5, 0.0, 0.1, CONTRADICTED),  # steeper after
    ],
)
def test_check_trend_break_test(ctx, pre, post, jump, sd, verdict):
    result = checks.trend_break_test(make_claim("x"), ctx(trend_rows(pre, post, jump, sd)), **BREAK_ARGS)
    assert result.verdict == verdict, result.detail


def test_check_trend_break_test_missing_years(ctx):
    assert (
        checks.trend_break_test(make_claim("x"), ctx(trend_rows(0.5, 0.0)[:10]), **BREAK_ARGS).verdict == NOT_CHECKABLE
    )


CRISIS = dict(
    trade={"indicator": ch.MERCH_EXPORTS, "from": 2008, "to": 2009, "min_drop_pct": 10},
    fdi={"indicator": ch.FDI_INFLOWS, "from": 2007, "to": 2009, "min_drop_pct": 30},
)


@pytest.mark.parametrize(
    ("trade_2009", "fdi_2009", "verdict"), [(80.0, 50.0, SUPPORTED), (95.0, 50.0, PARTLY), (95.0, 90.0, CONTRADICTED)]
)
def test_check_crisis_drop(ctx, trade_2009, fdi_2009, verdict):
    rows = series_rows(ch.MERCH_EXPORTS, "WLD", {2008: 100.0, 2009: trade_2009}) + series_rows(
        ch.FDI_INFLOWS, "WLD", {2007: 100.0, 2009: fdi_2009}
    )
    assert checks.crisis_drop(make_claim("x"), ctx(rows), **CRISIS).verdict == verdict


def test_check_crisis_drop_missing(ctx):
    assert (
        checks.crisis_drop(make_claim("x"), ctx(series_rows(ch.MERCH_EXPORTS, "WLD", {2008: 1.0})), **CRISIS).verdict
        == NOT_CHECKABLE
    )


EMPLOYMENT = dict(
    years=[2000, 2023], groups={"developing": ["Low income"], "high_income": ["High income"]}, threshold_pct=5
)


@pytest.mark.parametrize(
    ("rich", "poor", "verdict"),
    [
        ((20, 18), (20, 18), SUPPORTED),
        ((20, 18), (20, 20), PARTLY),
        ((20, 18), (20, 22), CONTRADICTED),
        ((20, 20), (20, 20), CONTRADICTED),
    ],
)
def test_check_industry_employment_count_change(ctx, monkeypatch, rich, poor, verdict):
    monkeypatch.setattr(checks, "_income_groups", lambda: pd.Series({"AAA": "High income", "BBB": "Low income"}))
    rows = []
    for iso3, shares in (("AAA", rich), ("BBB", poor)):
        for year, s in zip((2000, 2023), shares, strict=True):
            rows += [
                ("industry_workers_percent_of_employment", iso3, year, s),
                ("SL.TLF.TOTL.IN", iso3, year, 1e6),
                ("SL.UEM.TOTL.ZS", iso3, year, 5.0),
            ]
    assert checks.industry_employment_count_change(make_claim("x"), ctx(rows), **EMPLOYMENT).verdict == verdict


def test_check_industry_employment_count_change_no_data(ctx, monkeypatch):
    monkeypatch.setattr(checks, "_income_groups", lambda: pd.Series({"AAA": "High income"}))
    rows = [("industry_workers_percent_of_employment", "AAA", 2000, 20.0)]
    assert checks.industry_employment_count_change(make_claim("x"), ctx(rows), **EMPLOYMENT).verdict == NOT_CHECKABLE


@pytest.mark.parametrize(("hic", "verdict"), [(75.0, SUPPORTED), (50.0, CONTRADICTED)])
def test_check_ict_services_concentration(ctx, monkeypatch, hic, verdict):
    monkeypatch.setattr(checks, "economies", lambda: ["IRL", "IND", "USA"])
    rows = series_rows(ch.ICT_SERVICE_EXPORTS, "HIC", {2024: hic}) + series_rows(
        ch.ICT_SERVICE_EXPORTS, "WLD", {2024: 100.0}
    )
    rows += [(ch.ICT_SERVICE_EXPORTS, c, 2024, v) for c, v in (("IRL", 30.0), ("IND", 20.0), ("USA", 25.0))]
    result = checks.ict_services_concentration(make_claim("x"), ctx(rows), year=2024, min_hic_share=60, top_n=10)
    assert result.verdict == verdict and "IND" in result.detail


def test_check_ict_services_concentration_missing_and_cap(ctx, monkeypatch):
    monkeypatch.setattr(checks, "economies", lambda: ["USA"])
    assert (
        checks.ict_services_concentration(make_claim("x"), ctx([]), year=2024, min_hic_share=60).verdict
        == NOT_CHECKABLE
    )
    rows = series_rows(ch.ICT_SERVICE_EXPORTS, "HIC", {2024: 75.0}) + series_rows(
        ch.ICT_SERVICE_EXPORTS, "WLD", {2024: 100.0}
    )
    claim = replace(make_claim("ict_services_concentration", year=2024, min_hic_share=60, top_n=10), evidence="proxy")
    assert evaluate(claim, ctx(rows)).verdict == PARTLY  # supported on the proxy, capped by the register
    low = series_rows(ch.ICT_SERVICE_EXPORTS, "HIC", {2024: 50.0}) + series_rows(
        ch.ICT_SERVICE_EXPORTS, "WLD", {2024: 100.0}
    )
    assert evaluate(claim, ctx(low)).verdict == PARTLY_CONTRADICTED  # and a proxy cannot fully contradict


DIVIDE = dict(indicator="IT.NET.BBND.P2", pairs=[["HIC", "LMY"], ["HIC", "LIC"]], start_year=2015, min_change=1.0)


@pytest.mark.parametrize(
    ("lmy", "lic", "verdict"),
    [((5, 5), (2, 2), SUPPORTED), ((5, 15), (2, 2), PARTLY), ((5, 20), (2, 17), CONTRADICTED)],
)
def test_check_digital_divide_gap(ctx, lmy, lic, verdict):
    rows = series_rows("IT.NET.BBND.P2", "HIC", {2015: 30.0, 2022: 40.0})
    rows += series_rows("IT.NET.BBND.P2", "LMY", dict(zip((2015, 2022), lmy, strict=True)))
    rows += series_rows("IT.NET.BBND.P2", "LIC", dict(zip((2015, 2022), lic, strict=True)))
    assert checks.digital_divide_gap(make_claim("x"), ctx(rows), **DIVIDE).verdict == verdict


def test_check_digital_divide_gap_missing(ctx):
    rows = series_rows("IT.NET.BBND.P2", "HIC", {2015: 30.0})
    assert checks.digital_divide_gap(make_claim("x"), ctx(rows), **DIVIDE).verdict == NOT_CHECKABLE


MVA = dict(mva_years=[2010, 2021], tech_years=[2010, 2017], developed_m49=514, developing_m49=515, threshold=2.0)


@pytest.mark.parametrize(("hic_2021", "hic_2017", "verdict"), [(60.0, 60.0, SUPPORTED), (50.0, 50.0, CONTRADICTED)])
def test_check_hic_share_of_mht_mva(ctx, hic_2021, hic_2017, verdict):
    rows = []
    for year, hic in ((2010, 60.0), (2017, hic_2017), (2021, hic_2021)):
        rows += [
            ("NV.IND.MANF.CD", "HIC", year, hic),
            ("NV.IND.MANF.CD", "LMY", year, 100 - hic),
            ("NV.IND.MANF.CD", "WLD", year, 100.0),
        ]
    for year in (2010, 2017):
        rows += [("NV_IND_TECH", "M49_514", year, 50.0), ("NV_IND_TECH", "M49_515", year, 50.0)]
    assert checks.hic_share_of_mht_mva(make_claim("x"), ctx(rows), **MVA).verdict == verdict


def test_check_hic_share_of_mht_mva_missing(ctx):
    assert (
        checks.hic_share_of_mht_mva(make_claim("x"), ctx([("NV.IND.MANF.CD", "HIC", 2010, 1.0)]), **MVA).verdict
        == NOT_CHECKABLE
    )


DEV = dict(pre=[2000, 2011], post=[2011, 2018], max_slope_ratio=0.5)


def _manufactures_rows(lmy_share, merch_share=None, years=range(2000, 2019)):
    """WLD and LMY merchandise exports and manufactures' share of them, so that LMY's share of
    world manufactured exports is ``lmy_share(year)`` (WLD: 1000 of merchandise, 60 % manufactures;
    LMY: manufactures' share 75 %) and its share of merchandise ``merch_share(year)`` (default 20 %)."""
    rows = []
    for y in years:
        lmy_merch = 1000 * (merch_share(y) if merch_share else 20.0) / 100
        lmy_manf_pct = lmy_share(y) / 100 * 600 / lmy_merch * 100
        rows += [
            (ch.MERCH_EXPORTS, "WLD", y, 1000.0),
            (ch.MANF_SHARE_OF_MERCH, "WLD", y, 60.0),
            (ch.MERCH_EXPORTS, "LMY", y, lmy_merch),
            (ch.MANF_SHARE_OF_MERCH, "LMY", y, lmy_manf_pct),
        ]
    return rows


@pytest.mark.parametrize(("post_slope", "verdict"), [(0.2, SUPPORTED), (0.9, CONTRADICTED)])
def test_check_developing_manufactures_share_trend(ctx, post_slope, verdict):
    share = lambda y: 10 + (y - 2000) if y <= 2011 else 21 + post_slope * (y - 2011)  # noqa: E731
    merch = lambda y: 15 + 0.5 * (y - 2000)  # noqa: E731
    result = checks.developing_manufactures_share_trend(make_claim("x"), ctx(_manufactures_rows(share, merch)), **DEV)
    assert result.verdict == verdict
    assert result.value == pytest.approx(post_slope, abs=1e-6)
    assert "merchandise basis: ratio 1.00" in result.measured  # the merchandise share grows steadily


def test_check_developing_manufactures_share_trend_degrades(ctx):
    falling = _manufactures_rows(lambda y: 30.0 - 0.1 * (y - 2000))
    result = checks.developing_manufactures_share_trend(make_claim("x"), ctx(falling), **DEV)
    assert result.verdict == NOT_CHECKABLE and "No catch-up" in result.detail
    no_manf = [r for r in falling if r[0] != ch.MANF_SHARE_OF_MERCH]
    result = checks.developing_manufactures_share_trend(make_claim("x"), ctx(no_manf), **DEV)
    assert result.verdict == NOT_CHECKABLE and "TX.VAL.MANF.ZS.UN" in result.detail
    gap = [r for r in falling if r[2] != 2015]
    result = checks.developing_manufactures_share_trend(make_claim("x"), ctx(gap), **DEV)
    assert result.verdict == NOT_CHECKABLE and "missing for [2000, " in result.detail and "2015" in result.detail


def test_developing_shares_manufactures_and_missing_indicator():
    rows = _manufactures_rows(lambda y: 10.0 + y - 2000, years=range(2000, 2003))
    rows += series_rows(ch.MERCH_EXPORTS, "CHN", dict.fromkeys(range(2000, 2003), 50.0))
    rows += series_rows(ch.MANF_SHARE_OF_MERCH, "CHN", dict.fromkeys(range(2000, 2003), 90.0))
    shares = ch.developing_shares_from_tidy(tidy(rows))
    assert shares.loc[2002, "manufactures"] == pytest.approx(12.0)
    assert shares.loc[2002, "manufactures_ex_china"] == pytest.approx(12.0 - 45 / 600 * 100)
    assert shares.loc[2002, "merchandise"] == pytest.approx(20.0)
    early = _manufactures_rows(lambda y: 5.0, years=[1985, 1986]) + rows  # thin early years, then a gap
    assert ch.developing_shares_from_tidy(tidy(early))["manufactures"].first_valid_index() == 2000
    without = ch.developing_shares_from_tidy(tidy([r for r in rows if r[0] != ch.MANF_SHARE_OF_MERCH]))
    assert "manufactures" not in without and without.loc[2002, "merchandise"] == pytest.approx(20.0)


def test_window_slope_ratio():
    years = range(2000, 2019)
    s = pd.Series(
        [10 + 2 * (y - 2000) if y <= 2011 else 32 + 0.5 * (y - 2011) for y in years], index=years, dtype=float
    )
    s += np.random.default_rng(3).normal(0, 0.05, len(s))
    r = ch.window_slope_ratio(s, (2000, 2011), (2011, 2018))
    assert r["pre_slope"] == pytest.approx(2.0, abs=0.05) and r["post_slope"] == pytest.approx(0.5, abs=0.05)
    assert r["ratio"] == pytest.approx(0.25, abs=0.03) and r["pre_ci_low"] < r["pre_slope"] < r["pre_ci_high"]
    assert math.isnan(ch.window_slope_ratio(-s, (2000, 2011), (2011, 2018))["ratio"])
    with pytest.raises(stats.TooFewObservations):
        ch.window_slope_ratio(s.loc[:2012], (2000, 2011), (2012, 2018))


def _ratio(pre, post):
    return {
        "pre_slope": pre,
        "post_slope": post,
        "ratio": post / pre,
        "pre_ci_low": pre - 0.1,
        "pre_ci_high": pre + 0.1,
        "post_ci_low": post - 0.1,
        "post_ci_high": post + 0.1,
    }


@pytest.mark.parametrize(
    ("manf", "expected"),
    [
        (_ratio(1.0, 0.1), "not an artefact"),
        (_ratio(1.0, 0.4), "part of it is the commodity-price peak"),
        (_ratio(1.0, 0.9), "largely disappears"),
        (None, "cannot be removed"),
    ],
)
def test_describe_commodity_confound(manf, expected):
    text = ch.describe_commodity_confound(_ratio(1.0, 0.2), manf, (2000, 2011), (2011, 2018))
    assert expected in text["cc_reading"]
    assert text["cc_merch"] == (
        "+1.00 pp a year in 2000–2011 (95 % CI +0.90 to +1.10) and "
        "+0.20 in 2011–2018 (95 % CI +0.10 to +0.30; ratio 0.20)"
    )


def test_describe_catch_up_follows_manufactures():
    def row(series, change, low, high):
        return {
            "series": series,
            "start": 1992,
            "end": 2024,
            "pre_slope": 0.5,
            "pre_ci_low": 0.4,
            "pre_ci_high": 0.6,
            "post_slope": 0.5 + change,
            "post_ci_low": 0.0,
            "post_ci_high": 1.0,
            "slope_change": change,
            "change_ci_low": low,
            "change_ci_high": high,
        }

    labels = {"merchandise": "m", "merchandise_ex_china": "x", "sdg_developing": "s", "manufactures": "f"}
    catch = pd.DataFrame([row("m", 0.1, -0.2, 0.4), row("f", -0.4, -0.7, -0.1)])
    text = ch.describe_catch_up(catch, labels, 2008, "late")
    assert text["dev_reading"] == "neither clearly slowed nor accelerated"
    assert text["dev_head"] == "Developing economies' manufactured-export catch-up slowed."
    assert "the catch-up slowed" in text["dev_manf_sentence"] and "−0.40" in text["dev_manf_short"]
    late = pd.DataFrame([row("m", 0.1, -0.2, 0.4), row("late", -0.6, -0.9, -0.3), row("s", -0.7, -1.8, 0.2)])
    mixed = ch.describe_catch_up(late, labels, 2008, "late")["dev_baseline"]
    assert mixed.endswith(
        "against the boom years of the 2000s it slowed for low- and middle-income economies and it neither clearly "
        "slowed nor accelerated for the UN's developing regions."
    )
    only_merch = ch.describe_catch_up(catch.iloc[:1], labels, 2008, "late")
    assert only_merch["dev_head"] == "Developing economies' export catch-up did not clearly change."
    assert "no manufactures' share" in only_merch["dev_manf_sentence"]


def _geography(rows):
    frame = pd.DataFrame(
        rows,
        columns=["year", "published_year", "measure", "geography", "value", "bound", "verified_primary", "citation"],
    )
    return frame.astype({"year": "float64", "value": "float64"})


def test_regional_share_changes_and_text():
    table = _geography(
        [
            (2013, 2014, ch.INTRA_REGIONAL, "Europe", 69, "~", "no", "WTO 2014"),
            (2003, 2014, ch.INTRA_REGIONAL, "Europe", 62, "~", "yes", "WTO 2014"),
            (2000, 2008, ch.INTRA_REGIONAL, "NAFTA", 56, "~", "no", "WTO 2008"),
            (2007, 2008, ch.INTRA_REGIONAL, "NAFTA", 51, "~", "no", "WTO 2008"),
            (2010, 2011, ch.INTRA_REGIONAL, "Africa", 12, "~", "no", "X"),
            (None, 2012, ch.INTRA_REGIONAL, "Africa", 15, "~", "no", "X"),  # no reference year: ignored
            (2011, 2013, "south_south_share_of_world_exports", "developing", 25, "~", "yes", "UNCTAD"),
            (None, 2025, "south_south_share_of_world_trade", "developing", 33.3, ">", "yes", "UNCTAD"),
            (2006, 2008, "south_south_exports", "developing", 2000, ">", "yes", "UNCTAD"),
        ]
    )
    changes = ch.regional_share_changes(table).set_index("region")
    assert changes.loc["Europe", "change"] == pytest.approx(7.0) and changes.loc["Europe", "first_year"] == 2003
    assert changes.loc["Europe", "verified"] == "1/2" and changes.loc["NAFTA", "change"] == pytest.approx(-5.0)
    assert math.isnan(changes.loc["Africa", "change"]) and changes.loc["Africa", "years"] == 1
    south = ch.south_south_shares(table)
    assert list(south["published_year"]) == [2013, 2025]  # the US$ row is not a share
    text = ch.describe_regionalisation(changes.reset_index(), south)
    assert text["reg_count"] == "the share rose in 1 of 2 regions and fell in 1"
    assert "from 62 % in 2003 to 69 % in 2013 in Europe" in text["reg_parts"]
    assert text["reg_verified"] == "1 of the 4 figures" and text["reg_last_year"] == "2013"
    assert "more than 33.3 % with no reference year (published 2025)" in text["reg_south"]
    assert text["reg_head"].startswith("Regionalisation: mixed")
    shown = ch.display_regional_table(changes.reset_index())
    assert list(shown["from"]) == ["2010", "2003", "2000"] and "verified on primary page" in shown
    assert "citation" not in shown and "source" not in shown  # too wide for the page: in the CSV
    empty = ch.regional_share_changes(table[table["measure"] != ch.INTRA_REGIONAL])
    assert empty.empty and "region" in empty.columns
    assert "cannot be tested" in ch.describe_regionalisation(empty, south.iloc[:0])["reg_count"]


# ---------------------------------------------------------------------------------------
# The register and the real data


@needs_data
def test_register_checks_of_source_001_are_registered():
    from imtrade.claims import load_register

    register = load_register()
    generic = {"period_mean_comparison", "curated_figure_compare", "economy_rank"}
    ours = [c for c in register.claims if c.source.startswith("001_")]
    assert len(ours) >= 18
    problems = {k: v for k, v in register.problems.items() if k.startswith("c001-")}
    assert all(any(g in p for g in generic for p in v) for v in problems.values()), problems


@needs_data
def test_audit_verdicts_on_default_data():
    from imtrade.claims import run_audit

    audit, _ = run_audit(None, chapter="deglobalisation")
    verdicts = audit.set_index("id")["verdict"]
    assert verdicts["c001-trade-gdp-hyperglobalisation"] == PARTLY
    assert verdicts["c001-slowbalisation-after-2008"] == PARTLY  # flatter, but the bootstrap Chow test does not reject
    assert verdicts["c001-crisis-trade-and-fdi-collapse"] == SUPPORTED
    assert verdicts["c001-manufacturing-workers-fall"] == CONTRADICTED
    assert verdicts["c001-technology-vs-policy-deglobalisation"] == INCONCLUSIVE  # the stall predates the tariffs
    assert verdicts["c001-robots-reshoring"] == INCONCLUSIVE  # 9 economies, interval includes zero
    assert "check failed" not in set(verdicts)


# ---------------------------------------------------------------------------------------
# Execution of the chapter


@pytest.mark.slow
@needs_data
def test_chapter_runs_with_defaults(tmp_path):
    run = run_chapter("deglobalisation", tmp_path)
    values, folder = run.values, run.folder
    assert run.errors == [] and run.figures == 10
    assert values["open_mean_1990s"] == "20.1" and values["open_mean_2007"] == "29.2"
    assert values["ob_n"] == "55"
    # the sentence follows the bootstrap p-value it quotes ("< 0.001" or "= 0.123")
    p = values["ob_chow_p"]
    rejects = p.startswith("<") or float(p.removeprefix("= ")) < 0.05
    assert values["ob_chow_decision"] == ("rejects" if rejects else "does not reject")
    assert (
        values["break_year"] == "2008"
        and values["focus_countries"] == "China, the United States, Germany, Japan and Korea"
    )
    assert values["rob_world_last"] == "541"
    assert float(values["ob_supf"]) > 0 and values["fb_recovered"] == "has not regained"
    assert int(values["sim_classical"]) > int(values["sim_boot"]) and int(values["sim_boot"]) <= 15
    # the power at the fitted break is reported, and a non-rejection by a low-power test is called inconclusive
    for prefix in ("ob", "fb"):
        assert 0 <= int(values[f"{prefix}_power_chow"]) <= 100
        low = int(values[f"{prefix}_power_chow"]) < 50 and values[f"{prefix}_chow_decision"] == "does not reject"
        assert ("inconclusive" in values[f"{prefix}_power_reading"]) == low
    assert ("inconclusive" in values["head_open"]) == (
        values["ob_chow_inconclusive"] == "yes" and "more slowly" in values["head_open"]
    )
    assert "BIC" in values["ob_multi_sentence"]
    for name in (
        "openness_measures",
        "break_tests",
        "supf_scan",
        "gvc_quoted_vs_proxies",
        "robots",
        "industry_trends",
        "fdi",
        "concentration",
        "catch_up",
        "claims",
    ):
        assert (folder / "tables" / f"deglobalisation_{name}.csv").is_file(), name
    # rival explanations and robots and trade (issue 15)
    assert values["rv_rebound_year"] == "2011" and values["rv_low_year"] == "2016"
    assert "before the tariffs of 2018" in values["rv_timing_sentence"]
    assert 0 < int(values["rv_comm_part"]) < 100 and 0 < int(values["rv_china_part"]) < 100
    assert values["rt_n"] == "9" and values["rt_top"] == "China"
    assert values["rt_imp_reading"] in values["rt_verdict"] or "distinguishable" in values["rt_verdict"]
    for name in ("rival_changes", "rival_series", "robots_trade", "robots_trade_fits"):
        assert (folder / "tables" / f"deglobalisation_{name}.csv").is_file(), name
    assert not any("nan" in v.lower().split() for v in values.values())


@pytest.mark.slow
@needs_data
def test_chapter_runs_with_other_parameters(tmp_path):
    run = run_chapter("deglobalisation", tmp_path, break_year=2011, countries=["VNM", "MEX", "POL"], start_year=1980)
    values = run.values
    assert run.errors == [] and run.figures == 10
    assert values["break_year"] == "2011" and values["break_next"] == "2012"
    assert values["focus_countries"] == "Viet Nam, Mexico and Poland"
    assert values["ob_first_year"] == "1980" and values["ob_n_post"] == "13"
    assert "no IFR figures for Viet Nam, Mexico and Poland" in values["rob_countries_sentence"]
    assert "2011" in values["head_open"]
    assert values["ind_example"].startswith("In Viet Nam")


@pytest.mark.slow
@needs_data
def test_chapter_runs_with_the_old_vintage(tmp_path):
    run = run_chapter("deglobalisation", tmp_path, vintage="2018-08-01", end_year=2016)
    values = run.values
    assert run.errors == [] and run.figures == 10
    assert values["ob_last_year"] == "2016"
    assert "ends before 2020" in values["gvc_sentence"]
    assert "SITC" in values["dev_ht_sentence"]
    # the 2018 vintage ends before the robot window: the section says so instead of failing
    assert values["rt_imp_slope"] == "n/a" and "too few" in values["rt_verdict"]
    assert values["rv_low_year"] == "2016"


def test_display_proxies_table():
    partners = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "BBB"],
            "year": [1995, 2008, 1995],
            "mht_share_of_manufactured_exports": [60.0, 62.0, 30.0],
            "share_labour_intensive": [3.0, 4.0, np.nan],
        }
    )
    table = ch.display_proxies_table(partners, {"AAA": "Aland"})
    assert list(table[("", "Economy")]) == ["Aland", "BBB"]
    assert table[("Medium/high-tech, % of manufactured exports", "2008")].iloc[0] == 62.0
    assert math.isnan(table[("Medium/high-tech, % of manufactured exports", "2008")].iloc[1])


# ---------------------------------------------------------------------------------------
# The article's mechanisms: IP receipts concentration and the timing of the trade stall


@pytest.mark.parametrize(
    ("hic_end", "expected"),
    [
        (95.0, SUPPORTED),  # 96 -> 95 of 100: level >= 90 and the 1-point fall is less than max_fall 1.5
        (94.0, CONTRADICTED),  # fell by 2 points
        (85.5, CONTRADICTED),  # fell by 10.5 points, below the level as well
    ],
)
def test_hic_share_of_ip_receipts_verdicts(ctx, hic_end, expected):
    rows = series_rows("BX.GSR.ROYL.CD", "WLD", {2010: 100, 2024: 100}) + series_rows(
        "BX.GSR.ROYL.CD", "HIC", {2010: 96, 2024: hic_end}
    )
    args = dict(indicator="BX.GSR.ROYL.CD", years=[2010, 2024], min_level=90, max_fall=1.5)
    result = checks.hic_share_of_ip_receipts(make_claim("hic_share_of_ip_receipts"), ctx(rows), **args)
    assert result.verdict == expected
    assert result.value == pytest.approx(hic_end - 96)


def test_hic_share_of_ip_receipts_low_but_stable_is_inconclusive(ctx):
    rows = series_rows("BX.GSR.ROYL.CD", "WLD", {2010: 200, 2024: 400}) + series_rows(
        "BX.GSR.ROYL.CD", "HIC", {2010: 160, 2024: 330}
    )  # 80 % -> 82.5 %
    result = checks.hic_share_of_ip_receipts(
        make_claim("hic_share_of_ip_receipts"),
        ctx(rows),
        indicator="BX.GSR.ROYL.CD",
        years=[2010, 2024],
        min_level=90,
        max_fall=1.0,
    )
    assert result.verdict == INCONCLUSIVE
    assert result.value == pytest.approx(330 / 400 * 100 - 80)


def test_hic_share_of_ip_receipts_missing_year_is_not_checkable(ctx):
    rows = series_rows("BX.GSR.ROYL.CD", "WLD", {2010: 100}) + series_rows("BX.GSR.ROYL.CD", "HIC", {2010: 96})
    result = checks.hic_share_of_ip_receipts(
        make_claim("hic_share_of_ip_receipts"),
        ctx(rows),
        indicator="BX.GSR.ROYL.CD",
        years=[2010, 2024],
        min_level=90,
        max_fall=1.0,
    )
    assert result.verdict == NOT_CHECKABLE
    assert "2024" in result.detail


def _trade(values: dict[int, float]):
    # (X + M)/2 = value when exports = imports = value
    return series_rows("NE.EXP.GNFS.ZS", "WLD", values) + series_rows("NE.IMP.GNFS.ZS", "WLD", values)


def test_trade_stall_timing_before_tariffs_is_inconclusive(ctx):
    values = {
        2000 + i: v
        for i, v in enumerate(
            [24, 26, 28, 30, 29, 28, 28, 27, 27, 27, 26.5, 26.8, 26.4, 26.1, 26.0, 26.2, 26.3, 26.5, 26.7, 26.0]
        )
    }
    result = checks.trade_stall_timing(
        make_claim("trade_stall_timing"),
        ctx(_trade(values)),
        geo="WLD",
        start_year=2000,
        policy_year=2018,
        end_year=2019,
        min_fall=1.0,
    )
    assert result.verdict == INCONCLUSIVE
    assert result.value == pytest.approx(max(v for y, v in values.items() if y <= 2017) - values[2017])
    assert "2003" in result.measured  # the peak year


def test_trade_stall_timing_stall_only_after_tariffs_leans_against(ctx):
    values = {y: 20 + 0.5 * (y - 2000) for y in range(2000, 2018)} | {2018: 28.0, 2019: 26.0}
    result = checks.trade_stall_timing(
        make_claim("trade_stall_timing"),
        ctx(_trade(values)),
        geo="WLD",
        start_year=2000,
        policy_year=2018,
        end_year=2019,
        min_fall=1.0,
    )
    assert result.verdict == PARTLY_CONTRADICTED
    assert result.value == pytest.approx(0.0)


def test_trade_stall_timing_missing_years_not_checkable(ctx):
    result = checks.trade_stall_timing(
        make_claim("trade_stall_timing"),
        ctx(_trade({2000: 20, 2001: 21})),
        geo="WLD",
        start_year=2000,
        policy_year=2018,
        end_year=2019,
        min_fall=1.0,
    )
    assert result.verdict == NOT_CHECKABLE


def _regions(rows):
    frame = pd.DataFrame(rows, columns=["year", "geography", "value"]).assign(measure="intra_regional_share_of_exports")
    return frame.astype({"year": "float64", "value": "float64"})


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [(2003, "A", 60), (2013, "A", 65), (2003, "B", 50), (2013, "B", 52), (2000, "C", 56), (2007, "C", 51)],
            SUPPORTED,
        ),
        ([(2003, "A", 60), (2013, "A", 55), (2003, "B", 50), (2013, "B", 52)], INCONCLUSIVE),
        ([(2003, "A", 60), (2013, "A", 55), (2003, "B", 50), (2008, "B", 52), (2013, "B", 49)], CONTRADICTED),
    ],
)
def test_curated_regionalisation_counts_regions(monkeypatch, rows, expected):
    table = _regions(rows)
    monkeypatch.setattr(CheckContext, "curated", lambda self, name: table)
    result = checks.curated_regionalisation(make_claim("curated_regionalisation"), CheckContext("t"), table="x")
    assert result.verdict == expected
    firsts = table.sort_values("year").groupby("geography")["value"]
    changes = firsts.last() - firsts.first()
    assert result.value == pytest.approx(float((changes > 0).sum() - (changes < 0).sum()))


def test_curated_regionalisation_single_years_not_checkable(monkeypatch):
    table = _regions([(2003, "A", 60), (2013, "B", 52)])
    monkeypatch.setattr(CheckContext, "curated", lambda self, name: table)
    result = checks.curated_regionalisation(make_claim("curated_regionalisation"), CheckContext("t"), table="x")
    assert result.verdict == NOT_CHECKABLE


# ---------------------------------------------------------------------------------------
# Rival explanations of the stall


def _rival_rows(years=(2008, 2016)):
    """World and China in two years: exports = imports; GDP, merchandise exports and commodity shares."""
    a, b = years
    rows = []
    for code, iso, v in [
        ("NE.EXP.GNFS.ZS", "WLD", {a: 30, b: 26}),
        ("NE.IMP.GNFS.ZS", "WLD", {a: 30, b: 26}),
        ("NY.GDP.MKTP.CD", "WLD", {a: 100, b: 120}),
        ("NE.EXP.GNFS.ZS", "CHN", {a: 30, b: 20}),
        ("NE.IMP.GNFS.ZS", "CHN", {a: 25, b: 16}),
        ("NY.GDP.MKTP.CD", "CHN", {a: 10, b: 20}),
        ("TX.VAL.MRCH.CD.WT", "WLD", {a: 25, b: 24}),
        ("TX.VAL.FUEL.ZS.UN", "WLD", {a: 15, b: 10}),
        ("TX.VAL.MMTL.ZS.UN", "WLD", {a: 5, b: 4}),
    ]:
        rows += series_rows(code, iso, v)
    return tidy(rows)


def test_rival_series_from_tidy_against_hand_computation():
    r = ch.rival_series_from_tidy(_rival_rows())
    assert r.loc[2008, "world_trade"] == pytest.approx(30.0)
    # world without China: ((30*100 - 30*10) + (30*100 - 25*10)) / 2 / (100 - 10)
    assert r.loc[2008, "world_ex_china_trade"] == pytest.approx(((3000 - 300) + (3000 - 250)) / 2 / 90)
    assert r.loc[2016, "world_ex_china_trade"] == pytest.approx(((26 * 120 - 400) + (26 * 120 - 320)) / 2 / 100)
    assert r.loc[2008, "merch_exports_gdp"] == pytest.approx(25.0)
    assert r.loc[2008, "commodity_share"] == pytest.approx(20.0)
    assert r.loc[2008, "commodity_exports_gdp"] == pytest.approx(5.0)
    assert r.loc[2016, "other_exports_gdp"] == pytest.approx(20.0 * 0.86)
    assert r.loc[2016, "china_imports_gdp"] == pytest.approx(16.0)


def test_rival_series_missing_inputs_are_nan_not_zero():
    rows = _rival_rows()
    r = ch.rival_series_from_tidy(rows[rows["iso3"] != "CHN"])
    assert r["world_ex_china_trade"].isna().all() and r["china_imports_gdp"].isna().all()
    assert r.loc[2008, "world_trade"] == pytest.approx(30.0)
    empty = ch.rival_series_from_tidy(rows.iloc[0:0])
    assert empty.empty and set(ch.RIVAL_LABELS) <= set(empty.columns)


def test_rival_changes_and_shares_of_the_fall():
    r = ch.rival_series_from_tidy(_rival_rows())
    changes = ch.rival_changes(r, 2008, 2016)
    by = changes.set_index("series")
    assert by.loc["merch_exports_gdp", "change"] == pytest.approx(20.0 - 25.0)
    assert by.loc["commodity_exports_gdp", "change"] == pytest.approx(20.0 * 0.14 - 5.0)
    assert ch.commodity_share_of_fall(changes) == pytest.approx(100 * (2.8 - 5.0) / (20.0 - 25.0))
    world, ex_china = by.loc["world_trade", "change"], by.loc["world_ex_china_trade", "change"]
    assert ch.china_share_of_fall(changes) == pytest.approx(100 * (world - ex_china) / world)
    # a year the data lack gives NaN changes and NaN shares, not an error
    missing = ch.rival_changes(r, 2008, 2030)
    assert missing["change"].isna().all()
    assert math.isnan(ch.commodity_share_of_fall(missing)) and math.isnan(ch.china_share_of_fall(missing))
    # a rise, or a fall below min_fall, is not "a share of the fall"
    rising = ch.rival_changes(r, 2016, 2008)
    assert math.isnan(ch.commodity_share_of_fall(rising)) and math.isnan(ch.china_share_of_fall(rising))
    assert math.isnan(ch.commodity_share_of_fall(changes, min_fall=10.0))
    assert math.isnan(ch.china_share_of_fall(changes, min_fall=10.0))


def test_stall_timing_dates_the_fall_after_the_rebound():
    s = pd.Series(
        {
            2007: 29,
            2008: 30,
            2009: 26,
            2010: 28,
            2011: 29.5,
            2012: 29,
            2013: 29,
            2014: 28.5,
            2015: 27.5,
            2016: 26.5,
            2017: 27.5,
            2018: 28.5,
            2019: 27.5,
        },
        dtype=float,
    )
    t = ch.stall_timing(s, 2008, 2018)
    assert (t["rebound_year"], t["low_year"]) == (2011, 2016)
    assert t["fall_from_rebound"] == pytest.approx(3.0) and t["below_break"] == pytest.approx(2.5)
    assert t["pre_policy_value"] == pytest.approx(27.5)
    # the crisis trough (2009) is never the low: the window starts two years after the break
    assert ch.stall_timing(s.drop([2016]), 2008, 2018)["low_year"] == 2015
    gone = ch.stall_timing(s.loc[:2009], 2008, 2018)
    assert gone["low_year"] is None and math.isnan(gone["fall_from_rebound"])


def test_describe_rivals_follows_the_timing():
    r = ch.rival_series_from_tidy(_rival_rows())
    # a series that falls after its rebound, before the policy year
    r = r.reindex(range(2008, 2018))
    r["world_trade"] = [30, 26, 28, 29.8, 29.5, 29.5, 29.3, 27.7, 26.7, 27.6]
    changes = ch.rival_changes(r, 2008, 2016)
    out = ch.describe_rivals(r, changes, 2008, 2018)
    assert out["rv_rebound_year"] == "2011" and out["rv_low_year"] == "2016" and out["rv_fall"] == "3.1"
    assert "before the tariffs of 2018" in out["rv_timing_sentence"]
    assert out["rv_head"].startswith("The stall predates the 2018 tariff war")
    assert "commodity prices" in out["rv_head"]  # 44 % of the merchandise fall in these numbers
    assert "large part" in out["rv_comm_reading"] and "44 %" in out["rv_comm_summary"]
    assert out["rv_comm_clause"] == ", 44 % of the change" and "disappears without China" in out["rv_china_clause"]
    small = changes.copy()
    small.loc[small["series"] == "commodity_exports_gdp", "change"] = -0.5  # 10 % of a 5-point fall
    small.loc[small["series"] == "world_ex_china_trade", "change"] = small.loc[
        small["series"] == "world_trade", "change"
    ].iloc[0]  # the world without China fell as much as the world
    out_small = ch.describe_rivals(r, small, 2008, 2018)
    assert "only a small part" in out_small["rv_comm_reading"] and "10 %" in out_small["rv_comm_summary"]
    assert out_small["rv_china_summary"].startswith("only 0 %") and "China's" not in out_small["rv_head"]
    flat = r.assign(world_trade=[30, 26, 28, 29.8, 29.9, 30, 30.1, 30.2, 30.3, 30.4])
    out = ch.describe_rivals(flat, changes, 2008, 2018)
    assert "room for the trade-policy reading" in out["rv_timing_sentence"]
    assert out["rv_head"].startswith("World trade relative to GDP hardly fell")
    short = ch.describe_rivals(r.loc[:2009], ch.rival_changes(r.loc[:2009], 2008, 2016), 2008, 2018)
    assert "do not cover" in short["rv_timing_sentence"] and short["rv_fall"] == "n/a"
    assert short["rv_comm_clause"] == "" and "too small" in short["rv_china_clause"]


# ---------------------------------------------------------------------------------------
# Robots and trade across economies


def _density(rows):
    """(iso3, year, value) -> robot_series-like frame of robot density."""
    return pd.DataFrame(rows, columns=["iso3", "year", "value"]).assign(geography="g", report_edition="e")


def _imports_rows(changes: dict[str, float], years=(2016, 2021)):
    a, b = years
    rows = []
    for iso, d in changes.items():
        rows += series_rows("NE.IMP.GNFS.ZS", iso, {a: 30.0, b: 30.0 + d})
        rows += series_rows("TM.VAL.MRCH.CD.WT", iso, {a: 20.0, b: 20.0 + d / 2})
        rows += series_rows("NY.GDP.MKTP.CD", iso, {a: 100.0, b: 100.0})
    return tidy(rows)


ECON = ["KOR", "DEU", "JPN", "USA", "ITA", "ESP", "FRA"]
DOUBLINGS = [0.2, 0.4, 0.6, 1.0, 1.5, 2.0, 3.0]


def _robot_inputs(slope: float, noise=(0.3, -0.2, 0.1, -0.3, 0.2, -0.1, 0.0)):
    density = _density(
        [(iso, 2016, 100.0) for iso in ECON]
        + [(iso, 2021, 100.0 * 2**d) for iso, d in zip(ECON, DOUBLINGS, strict=True)]
        + [("WLD", 2016, 50.0), ("WLD", 2021, 100.0), ("NLD", 2021, 200.0)]
    )
    changes = {iso: 3.0 + slope * d + e for iso, d, e in zip(ECON, DOUBLINGS, noise, strict=True)}
    return density, _imports_rows(changes)


def test_robot_trade_frame_keeps_economies_with_both_years():
    density, imports = _robot_inputs(-1.0)
    frame = ch.robot_trade_frame(density, imports, (2016, 2021))
    assert sorted(frame.index) == sorted(ECON)  # WLD (an aggregate) and NLD (one year only) left out
    assert frame.loc["FRA", "density_doublings"] == pytest.approx(3.0)
    assert frame.loc["KOR", "imports_change"] == pytest.approx(3.0 - 0.2 + 0.3)
    assert frame.loc["KOR", "merch_imports_change"] == pytest.approx((3.0 - 0.2 + 0.3) / 2)
    # an economy without import figures stays, with NaN outcomes
    part = ch.robot_trade_frame(density, imports[imports["iso3"] != "ESP"], (2016, 2021))
    assert math.isnan(part.loc["ESP", "imports_change"])
    # a year without any density figure gives an empty frame
    assert ch.robot_trade_frame(density, imports, (2015, 2021)).empty


def test_robot_trade_regressions_match_least_squares():
    density, imports = _robot_inputs(-1.5)
    frame = ch.robot_trade_frame(density, imports, (2016, 2021))
    fits = ch.robot_trade_regressions(frame).set_index("outcome")
    slope = np.polyfit(frame["density_doublings"], frame["imports_change"], 1)[0]
    row = fits.loc["imports_change"]
    assert row["slope"] == pytest.approx(slope) and row["n"] == len(ECON)
    assert row["ci_low"] < row["slope"] < row["ci_high"] and row["ci_high"] < 0
    assert row["loo_min"] <= row["slope"] <= row["loo_max"]
    assert row["rho"] < 0
    # too few economies: NaN numbers and the count, not an error
    few = ch.robot_trade_regressions(frame.iloc[:2]).set_index("outcome")
    assert few.loc["imports_change", "n"] == 2 and math.isnan(few.loc["imports_change", "slope"])


@pytest.mark.parametrize(
    ("slope", "verdict", "phrase"),
    [
        (-1.5, PARTLY, "raised their imports less"),
        (1.5, PARTLY_CONTRADICTED, "raised their imports more"),
        (0.0, INCONCLUSIVE, "not distinguishable from zero"),
    ],
)
def test_check_robots_import_association(monkeypatch, slope, verdict, phrase):
    density, imports = _robot_inputs(slope)
    import imtrade.data.robots as robots_module

    monkeypatch.setattr(robots_module, "robot_series", lambda table, measure: density)
    monkeypatch.setattr(CheckContext, "curated", lambda self, name: None)
    monkeypatch.setattr(CheckContext, "indicators", lambda self, codes, **kw: imports)
    context = CheckContext("t")
    result = checks.robots_import_association(
        make_claim("robots_import_association"), context, table="x", years=[2016, 2021]
    )
    assert result.verdict == verdict
    assert phrase in result.detail and "n = 7" in result.measured
    out = ch.describe_robots_trade(
        ch.robot_trade_frame(density, imports, (2016, 2021)),
        ch.robot_trade_regressions(ch.robot_trade_frame(density, imports, (2016, 2021))),
        (2016, 2021),
    )
    assert out["rt_n"] == "7" and out["rt_top"] == "France"
    assert ("correlation, not an effect" in out["rt_verdict"]) == (verdict != INCONCLUSIVE)


def test_check_robots_import_association_too_few_economies(monkeypatch):
    density, imports = _robot_inputs(-1.0)
    import imtrade.data.robots as robots_module

    monkeypatch.setattr(
        robots_module, "robot_series", lambda table, measure: density[density["iso3"].isin(["KOR", "DEU", "WLD"])]
    )
    monkeypatch.setattr(CheckContext, "curated", lambda self, name: None)
    monkeypatch.setattr(CheckContext, "indicators", lambda self, codes, **kw: imports)
    result = checks.robots_import_association(
        make_claim("robots_import_association"), CheckContext("t"), table="x", years=[2016, 2021]
    )
    assert result.verdict == NOT_CHECKABLE and "only 2 economies" in result.detail
    text = ch.describe_robots_trade(
        ch.robot_trade_frame(density.iloc[0:0], imports, (2016, 2021)), pd.DataFrame(), (2016, 2021)
    )
    assert text["rt_n"] == "0" and text["rt_imp_slope"] == "n/a" and "too few" in text["rt_verdict"]


def test_new_figures_build():
    import matplotlib.pyplot as plt

    r = ch.rival_series_from_tidy(_rival_rows())
    fig = ch.figure_rivals(r, 2008, 2018, start_year=2000)
    assert len(fig.axes) == 3
    plt.close(fig)
    density, imports = _robot_inputs(-1.0)
    frame = ch.robot_trade_frame(density, imports, (2016, 2021))
    fig = ch.figure_robots_trade(frame, ch.robot_trade_regressions(frame), {"KOR": "Korea"})
    assert len(fig.axes[0].lines) >= 2  # the fit and the zero line
    plt.close(fig)


def test_trade_stall_timing_reports_commodity_and_china_shares(ctx):
    years = range(2000, 2020)
    world = dict(
        zip(
            years,
            [24, 26, 28, 30, 29, 28, 28, 27, 30, 26, 28, 29.8, 29.5, 29, 28.5, 27.5, 26.7, 27.6, 28.5, 27.7],
            strict=True,
        )
    )
    rows = _trade(world)
    rows += series_rows("NY.GDP.MKTP.CD", "WLD", dict.fromkeys(years, 100.0))
    rows += series_rows("NE.EXP.GNFS.ZS", "CHN", dict.fromkeys(years, 20.0))
    rows += series_rows("NE.IMP.GNFS.ZS", "CHN", {y: 30.0 - (y - 2000) for y in years})  # falling import ratio
    rows += series_rows("NY.GDP.MKTP.CD", "CHN", dict.fromkeys(years, 10.0))
    rows += series_rows("TX.VAL.MRCH.CD.WT", "WLD", {y: 0.8 * v for y, v in world.items()})
    rows += series_rows("TX.VAL.FUEL.ZS.UN", "WLD", {y: 15.0 if y < 2014 else 10.0 for y in years})
    rows += series_rows("TX.VAL.MMTL.ZS.UN", "WLD", dict.fromkeys(years, 4.0))
    result = checks.trade_stall_timing(
        make_claim("trade_stall_timing"),
        ctx(rows),
        geo="WLD",
        start_year=2000,
        policy_year=2018,
        end_year=2019,
        min_fall=1.0,
    )
    assert result.verdict == INCONCLUSIVE
    rivals = ch.rival_series_from_tidy(tidy(rows))
    changes = ch.rival_changes(rivals, 2003, 2016)  # peak 2003 (30.0 ties 2008: the first), low after 2011: 2016
    assert f"{ch.commodity_share_of_fall(changes):.0f} % of the fall in world merchandise" in result.detail
    assert f"{ch.china_share_of_fall(changes):.0f} % of the fall in world trade" in result.detail
    assert "From 2003 to 2016" in result.detail
