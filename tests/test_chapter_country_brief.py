"""Chapter "Country brief": its functions on small frames, and executions for several economies.

Small frames below are written here and checked by hand; executions read the real fetched data
(WDI 2026-07-01 and 2018-08-01, Gapminder, UN SDG, curated IFR figures). Values compared in
the executions are read from the mirror's files: China's trade (NE.EXP.GNFS.ZS + NE.IMP.GNFS.ZS)
was 37.96 % of GDP in 2025, and Venezuela's high-tech share (TX.VAL.TECH.MF.ZS) in the
2018-08-01 vintage was 1.1 % in 2013.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import run_chapter

from imtrade.chapters import country_brief as brief
from imtrade.claims import register_entries
from imtrade.data import indicators
from imtrade.exceptions import ParameterError


def tidy(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"dataset": "wdi", "vintage": "v", "indicator": c, "iso3": i, "year": y, "value": v} for c, i, y, v in rows]
    ).astype({"year": "int64", "value": "float64"})


ECONOMIES = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC", "WLD", "HIC"],
        "name": ["Alpha", "Netherlands", "Gamma", "World", "High income"],
        "region": ["East Asia & Pacific", "East Asia & Pacific", None, "", ""],
        "income_group": ["High income", "High income", None, "", ""],
        "is_aggregate": [False, False, False, True, True],
    }
)


# ---------------------------------------------------------------------------------------
# Process data


def test_rca_rows_are_the_high_tech_balassa_index_for_economies_only():
    # AAA: 30 of 100 manufactured exports are high-tech; BBB: 10 of 300. World: 40 / 400 = 10 %.
    wide = pd.DataFrame(
        {
            indicators.HT_VALUE: [30.0, 10.0, 999.0],
            brief.HT_SHARE: [30.0, 10 / 3, 12.0],
            indicators.MANF_EXPORTS: [100.0, 300.0, 9999.0],
        },
        index=pd.MultiIndex.from_tuples([("AAA", 2020), ("BBB", 2020), ("WLD", 2020)], names=["iso3", "year"]),
    )
    rows = brief.rca_rows(wide, ["AAA", "BBB"])
    assert set(rows["indicator"]) == {brief.RCA} and list(rows.columns) == [
        "dataset",
        "vintage",
        "indicator",
        "iso3",
        "year",
        "value",
    ]
    assert rows.set_index("iso3")["value"].to_dict() == pytest.approx(
        {"AAA": 3.0, "BBB": 1 / 3}
    )  # WLD is not an economy


def test_employment_benchmark_is_the_employment_weighted_mean_unless_published():
    values = tidy(
        [(brief.IND_EMP, "AAA", 2020, 20.0), (brief.IND_EMP, "BBB", 2020, 40.0), (brief.IND_EMP, "CCC", 2020, 90.0)]
    )
    panel = pd.concat(
        [
            values,
            tidy(
                [
                    (indicators.LABOUR_FORCE, "AAA", 2020, 100.0),
                    (indicators.UNEMPLOYMENT, "AAA", 2020, 10.0),  # 90 employed
                    (indicators.LABOUR_FORCE, "BBB", 2020, 10.0),  # no rate: the labour force is the weight
                ]
            ),
        ]
    )
    world = brief.benchmark(panel, brief.IND_EMP, "WLD", ["AAA", "BBB"])
    assert world.loc[2020] == pytest.approx((20 * 90 + 40 * 10) / 100)  # CCC has no weight
    published = pd.concat([panel, tidy([(brief.IND_EMP, "WLD", 2020, 33.0)])])
    assert brief.benchmark(published, brief.IND_EMP, "WLD", ["AAA"]).loc[2020] == 33.0  # a published aggregate wins
    rca = tidy([(brief.RCA, "AAA", 2019, 2.0), (brief.RCA, "AAA", 2020, 2.5)])
    assert (
        brief.benchmark(rca, brief.RCA, "WLD", ["AAA"]).tolist() == [1.0, 1.0]
        and brief.benchmark(rca, brief.RCA, "HIC", ["AAA"]).empty
    )


def test_rank_and_percentile_among_economies_with_recent_data():
    panel = tidy(
        [
            (brief.RD, "AAA", 2020, 1.0),
            (brief.RD, "BBB", 2020, 3.0),
            (brief.RD, "CCC", 2020, 2.0),
            (brief.RD, "WLD", 2020, 9.0),
            (brief.RD, "BBB", 2010, 9.0),
            (brief.RD, "CCC", 2022, 0.5),
        ]
    )
    economies = ["AAA", "BBB", "CCC"]
    assert brief.rank_in_year(panel, brief.RD, 2020, "CCC", economies) == (2, 3, 50.0)
    assert brief.rank_in_year(panel, brief.RD, 2020, "BBB", economies) == (1, 3, 100.0)
    # CCC's latest year, 2022, few have reported: the others enter with their 2020 values
    assert brief.rank_in_year(panel, brief.RD, 2022, "CCC", economies) == (3, 3, 0.0)
    assert brief.rank_in_year(panel, brief.RD, 2030, "BBB", economies) == (None, 0, None)  # nothing in 2026-2030


def test_placeholder_zeros_are_dropped_only_where_zero_is_impossible():
    frame = tidy(
        [
            (brief.IND_VA, "CCC", 2000, 0.0),
            (brief.IND_VA, "CCC", 2001, 0.0),
            (brief.IND_VA, "CCC", 2002, 35.0),
            (brief.HT_SHARE, "CCC", 2001, 0.0),
        ]
    )  # no high-tech exports is possible
    kept, dropped = brief.drop_placeholder_zeros(frame)
    assert list(kept["indicator"]) == [brief.IND_VA, brief.HT_SHARE] and len(dropped) == 2
    who = brief.economy("CCC", ECONOMIES)
    assert brief.placeholder_sentence(dropped, who) == (
        "The source files give exactly 0 for Gamma on industry value added (2000–2001): impossible values, read here "
        "as missing."
    )
    assert brief.placeholder_sentence(dropped, brief.economy("AAA", ECONOMIES)) == ""


def test_profile_table_keeps_a_row_for_every_measure_without_data():
    panel = tidy(
        [
            (brief.TRADE, "AAA", 2019, 50.0),
            (brief.TRADE, "AAA", 2020, 60.0),
            (brief.TRADE, "BBB", 2020, 80.0),
            (brief.TRADE, "WLD", 2020, 55.0),
            (brief.TRADE, "HIC", 2020, 58.0),
        ]
    )
    table = brief.profile_table(panel, brief.economy("AAA", ECONOMIES), ECONOMIES)
    assert list(table["key"]) == [m.key for m in brief.MEASURES]
    trade = brief.row_of(table, "trade")
    assert (trade["value"], trade["year"], trade["world"], trade["group"], trade["rank"], trade["ranked"]) == (
        60.0,
        2020,
        55.0,
        58.0,
        2,
        2,
    )
    assert (trade["first_year"], trade["first_value"]) == (2019, 50.0)
    assert math.isnan(brief.row_of(table, "rd")["value"])
    who = brief.economy("AAA", ECONOMIES)
    assert brief.measure_sentence(table, "trade", who) == (
        "60 % of GDP in 2020 (world 55; high-income economies 58), rank 2 of 2 economies with data in 2016–2020"
    )
    assert brief.measure_sentence(table, "rd", who) == "no data for Alpha in this vintage"
    assert brief.coverage_sentence(table, who).startswith(
        "1 of the 8 measures of this brief have data for Alpha; there is no data on high-tech"
    )
    assert "R&D expenditure and researchers in R&D." in brief.coverage_sentence(table, who)
    shown = brief.display_profile(table, who)
    assert list(shown.columns) == ["Measure", "Alpha", "Year", "World", "High-income economies", "Rank"]
    assert shown.iloc[0].tolist() == ["Trade (exports + imports), % of GDP", "60", "2020", "55", "58", "2 of 2"]
    assert shown.iloc[-1].tolist() == ["Researchers in R&D, per million people", "no data", "", "", "", ""]
    assert brief.index_values(table, pd.DataFrame())["idx_rd"] == "no data"


def test_economy_names_read_well_in_sentences():
    beta = brief.economy("BBB", ECONOMIES)
    assert (beta.prose, beta.title, beta.group_code, beta.group_prose) == (
        "the Netherlands",
        "Netherlands",
        "HIC",
        "high-income economies",
    )
    # built by hand, an economy gets the book's names from its code and name
    assert (
        brief.Economy("KOR", "Korea, Rep.", "", "", None).title,
        brief.Economy("USA", "United States", "", "", None).prose,
    ) == (
        "Korea",
        "the United States",
    )
    gamma = brief.economy("CCC", ECONOMIES)
    assert (gamma.region, gamma.income_group, gamma.group_code, gamma.group_prose) == ("", "", None, "")
    assert "no income group" in brief.intro_sentence(gamma, tidy([(brief.TRADE, "CCC", 2020, 1.0)]))
    with pytest.raises(ParameterError):
        brief.economy("ZZZ", ECONOMIES)


@pytest.mark.parametrize(
    ("geography", "iso3", "name", "expected"),
    [
        ("China, Turkey, Viet Nam, India, Philippines", "VNM", "Viet Nam", "named"),
        ("China, Turkey, Viet Nam, India, Philippines", "TUR", "Turkiye", "named"),
        ("United States / China (ZTE)", "USA", "United States", "named"),
        ("China-Africa", "CHN", "China", "named"),
        ("BRICS", "ZAF", "South Africa", "as a member of BRICS"),
        ("BRICS", "MEX", "Mexico", None),
        ("India, Russia, Indonesia", "RUS", "Russian Federation", "named"),
        ("high-income economies", "USA", "United States", None),
        ("World", "IND", "India", None),
    ],
)
def test_claims_concern_an_economy_named_in_their_geography(geography, iso3, name, expected):
    who = brief.Economy(iso3, name, "", "", None)
    assert brief.names_economy(geography, who) == expected


def test_robot_rows_prefer_the_latest_final_edition():
    table = pd.DataFrame(
        {
            "iso3": ["KOR", "KOR", "KOR", "KOR", "WLD"],
            "measure": ["installations"] * 5,
            "year": [2021, 2021, 2021, 2022, 2021],
            "value": [31000, 31083, 30500, 31716, 517385],
            "unit": ["units"] * 5,
            "report_edition": [
                "World Robotics 2022",
                "World Robotics 2023",
                "IFR preliminary 2021 data (June 2022)",
                "World Robotics 2023 (preliminary, June 2023)",
                "World Robotics 2022",
            ],
            "citation": ["c"] * 5,
            "url": ["https://example.org"] * 5,
        }
    )
    rows = brief.robot_rows(table, "KOR")
    assert rows[["year", "value", "report_edition"]].values.tolist() == [
        [2021, 31083.0, "World Robotics 2023"],
        [2022, 31716.0, "World Robotics 2023 (preliminary, June 2023)"],
    ]
    assert brief.robot_rows(table, "MEX").empty and brief.robot_economies(table) == ["KOR"]
    shown = brief.display_robots(rows)
    assert shown.columns.tolist() == ["Year", "Installed in the year", "IFR edition"] and shown.iloc[0, 1] == "31,083"
    who = brief.Economy("MEX", "Mexico", "", "", None)
    assert "not among the figures this book has curated" in brief.robots_sentence(
        brief.robot_rows(table, "MEX"), who, ["KOR"], {"KOR": "Korea"}
    )


def test_industry_shares_are_compared_over_the_years_both_series_cover():
    both = tidy(
        [
            (brief.IND_EMP, "AAA", 1991, 30.0),
            (brief.IND_EMP, "AAA", 2020, 20.0),
            (brief.IND_VA, "AAA", 1990, 40.0),
            (brief.IND_VA, "AAA", 1991, 38.0),
            (brief.IND_VA, "AAA", 2020, 35.0),
            (brief.IND_VA, "AAA", 2021, 34.0),
        ]
    )
    assert brief.industry_changes(both, "AAA") == (1991, 2020, -10.0, -3.0)  # 1990 and 2021 have one series only
    who = brief.economy("AAA", ECONOMIES)
    assert brief.industry_sentence(both, who) == (
        "Between 1991 and 2020, the years with both series, industry's share of employment in Alpha went from 30.0 % "
        "to "
        "20.0 % (\u221210.0 points) and its share of value added from 38.0 % to 35.0 % of GDP (\u22123.0 points)."
    )
    only_va = both[both["indicator"] == brief.IND_VA]
    first, last, d_emp, d_va = brief.industry_changes(only_va, "AAA")
    assert (first, last) == (None, None) and math.isnan(d_emp) and math.isnan(d_va)
    assert brief.industry_sentence(only_va, who) == (
        "In Alpha, industry's share of value added went from 40.0 % in 1990 to 34.0 % in 2021; there is no data on its "
        "share of employment."
    )
    assert (
        brief.industry_sentence(only_va.iloc[0:0], who)
        == "The sources give no data on industry's shares of employment and value added in Alpha."
    )


def test_peak_and_change_handle_short_series():
    s = pd.Series([1.0, 3.0, 2.0], index=[2000, 2001, 2002])
    assert brief.peak(s) == (2001, 3.0) and brief.change(s) == (2000, 2002, 1.0)
    year, value = brief.peak(s.iloc[0:0])
    first, last, delta = brief.change(s.iloc[:1])
    assert (year, first, last) == (None, None, None) and math.isnan(value) and math.isnan(delta)
    assert brief.fmt(math.nan, "trade") == "no data" and brief.fmt(1234.5, "researchers") == "1,234"


# ---------------------------------------------------------------------------------------
# On the real data


@pytest.mark.mirror
def test_parameter_checks_refuse_aggregates_unknown_codes_and_years(mirror):
    good = {"country": "KOR", "vintage": "2026-07-01", "start_year": 1995}
    brief.check_parameters(good)
    for bad, message in [
        ({"country": "WLD"}, "not aggregates"),
        ({"country": "XXX"}, "country"),
        ({"vintage": "1999-01-01"}, "unknown WDI vintage"),
        ({"start_year": 2020}, "start_year"),
    ]:
        with pytest.raises(ParameterError, match=message):
            brief.check_parameters({**good, **bad})


@pytest.mark.mirror
def test_every_economy_with_data_gets_a_brief_in_the_committed_spec(mirror):
    from conftest import ROOT

    from imtrade.batch import load_spec

    economies = brief.economies_with_data()
    assert len(economies) >= 150 and "CHN" in economies and "WLD" not in economies and "TWN" not in economies
    spec = load_spec(ROOT / "specs" / "country_briefs.yml")
    assert [r.given["country"] for r in spec.runs] == economies
    assert spec.runs[0].stem == f"country_brief-{economies[0]}-2026-07-01"
    assert len({r.stem for r in spec.runs}) == len(spec.runs) and spec.site["columns"]["brief_name"] == "Economy"


def run_brief(tmp_path, **params) -> dict[str, str]:
    run = run_chapter("country_brief", tmp_path, **params)
    assert run.errors == []
    return run.values


@pytest.mark.slow
@pytest.mark.mirror
def test_default_brief_china(tmp_path, mirror):
    values = run_brief(tmp_path)
    assert values["brief_name"] == "China" and values["brief_income"] == "Upper middle income"
    assert values["trade_latest"].startswith("38 % of GDP in 2025 (world 58; upper-middle-income economies 50)")
    assert values["coverage"] == "All 8 measures of this brief have data for China."
    assert values["idx_trade"] == "38" and float(values["idx_rca"]) > 0
    assert "installed in China in 2023" in values["robots_text"]
    # the total is the register's own count (it grows as claims are added), not a number copied here
    assert f"of the {len(register_entries())} claims of the register concern China" in values["claims_text"]
    assert (tmp_path / "tables" / "country_brief_profile.csv").is_file()


@pytest.mark.slow
@pytest.mark.mirror
def test_sparse_economy_on_the_old_vintage_reads_correctly(tmp_path, mirror):
    values = run_brief(tmp_path, country="VEN", vintage="2018-08-01", start_year=1990)
    assert values["brief_name"] == "Venezuela" and values["brief_income"] == "not classified"
    assert "no income group in the World Bank's FY2026 classification" in values["intro"]
    assert values["rd_latest"] == "no data for Venezuela in this vintage" and values["idx_rd"] == "no data"
    assert values["ht_latest"].startswith("1.1 % of manufactured exports in 2013 (world 17.0)")
    assert "SITC-based" in values["definition"]
    assert "not among the figures this book has curated" in values["robots_text"]
    assert values["claims_text"] == f"None of the {len(register_entries())} claims of the register names Venezuela."
