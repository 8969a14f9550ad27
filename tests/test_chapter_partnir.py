"""The PartNIR chapter: its package functions, its claim checks and its execution.

Unit tests use small frames built here (values chosen so results can be checked by hand;
the expected numbers are derived in the comments). Tests marked ``mirror`` read the real
project's fetched data; the executions are also marked ``slow``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, run_chapter

from imtrade import stats
from imtrade.chapters import partnir as ch
from imtrade.chapters.partnir import checks
from imtrade.claims import CONTRADICTED, INCONCLUSIVE, NOT_CHECKABLE, PARTLY, SUPPORTED, Claim


def tidy(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    """A tidy frame from (indicator, iso3, year, value) tuples."""
    frame = pd.DataFrame(rows, columns=["indicator", "iso3", "year", "value"])
    return frame.assign(dataset="test", vintage="test")[["dataset", "vintage", "indicator", "iso3", "year", "value"]]


# ---------------------------------------------------------------------------------------
# Shares of a world total


def gdp_frame() -> pd.DataFrame:
    # World 100 in both years; A (advanced) 50 -> 45, B (advanced) 10, C (developing) 30 -> 35,
    # D 5; 5 -> 10 of the world total is not allocated to any listed economy.
    rows = [
        ("GDP", "WLD", 2020, 100.0),
        ("GDP", "WLD", 2021, 100.0),
        ("GDP", "LMY", 2020, 35.0),
        ("GDP", "LMY", 2021, 40.0),
    ]
    rows += [("GDP", "A", 2020, 50.0), ("GDP", "A", 2021, 45.0), ("GDP", "B", 2020, 10.0), ("GDP", "B", 2021, 10.0)]
    rows += [("GDP", "C", 2020, 30.0), ("GDP", "C", 2021, 35.0), ("GDP", "D", 2020, 5.0)]
    return tidy(rows)


def test_share_of_world_sums_members_and_counts_reporting():
    out = ch.share_of_world(gdp_frame(), ["C", "D"])
    assert out.loc[2020, "share"] == pytest.approx(35.0)
    assert out.loc[2021, "share"] == pytest.approx(35.0)  # D missing in 2021: share over reporting members
    assert out.loc[2020, "reporting"] == 2 and out.loc[2021, "reporting"] == 1
    assert (out["expected"] == 2).all()


def test_share_of_world_without_world_value_is_empty():
    assert ch.share_of_world(tidy([("GDP", "A", 2020, 1.0)]), ["A"]).empty


def test_share_of_world_refuses_two_indicators():
    with pytest.raises(ValueError, match="one indicator"):
        ch.share_of_world(tidy([("X", "WLD", 2020, 1.0), ("Y", "WLD", 2020, 1.0)]), ["A"])


def test_unallocated_share():
    out = ch.unallocated_share(gdp_frame(), ["A", "B", "C", "D"])
    assert out[2020] == pytest.approx(5.0) and out[2021] == pytest.approx(10.0)


def test_advanced_members_respects_the_first_year():
    table = pd.DataFrame({"iso3": ["AAA", "HRV"], "advanced_from_year": ["", "2023"]})
    assert ch.advanced_members(table, 2021) == ["AAA"]
    assert ch.advanced_members(table, 2023) == ["AAA", "HRV"]


def test_imf_split_with_yearly_membership():
    # 2020: advanced = A only -> 50 %, developing 50 %, unallocated 5 -> low bound 45
    # 2021: advanced = A + B -> 55 %, developing 45 %, unallocated 10 -> 35
    out = ch.imf_split(gdp_frame(), {2020: ["A"], 2021: ["A", "B"]}, ["A", "B", "C", "D"])
    assert out.loc[2020, "developing_share"] == pytest.approx(50.0)
    assert out.loc[2021, "advanced_share"] == pytest.approx(55.0)
    assert out.loc[2021, "developing_low"] == pytest.approx(35.0)


def test_world_weight_table_and_definition_comparison():
    gdp = gdp_frame()
    ppp = gdp.assign(
        indicator="PPP", value=gdp["value"] * np.select([gdp["iso3"] == "C", gdp["iso3"] == "A"], [1.2, 0.8], 1.0)
    )
    weight = ch.world_weight_table(gdp, ppp, ["C"], ["A", "B"], ["A", "B", "C", "D"])
    assert set(weight["grouping"]) == {"lmy", "imf_emde", "group"}
    row = weight[(weight["grouping"] == "group") & (weight["basis"] == "PPP") & (weight["year"] == 2021)]
    assert row["share"].iloc[0] == pytest.approx(42.0)  # 35 * 1.2 of a world of 100
    assert ch.weight_share(weight, "lmy", "MER", 2020) == pytest.approx(35.0)
    assert math.isnan(ch.weight_share(weight, "lmy", "MER", 1999))
    comparison = ch.definition_comparison(weight, 2021, 44.0)
    # 2021 MER: LMY 40, IMF 100 - 55 = 45 -> the IMF split at market rates is closest to 44
    assert comparison.iloc[0]["grouping"] == "imf_emde" and comparison.iloc[0]["basis"] == "MER"
    assert comparison["closest"].sum() == 1


# ---------------------------------------------------------------------------------------
# Manufacturing and industry


def mva_frame() -> pd.DataFrame:
    rows = [("MVA", "WLD", y, 100.0) for y in (2018, 2019, 2020)]
    rows += [
        ("MVA", "CHN", 2018, 20.0),
        ("MVA", "USA", 2018, 25.0),
        ("MVA", "CHN", 2019, 30.0),
        ("MVA", "USA", 2019, 30.0),
    ]
    rows += [
        ("MVA", "CHN", 2020, 32.0),
        ("MVA", "USA", 2020, 24.0),
        ("MVA", "IND", 2020, 3.0),
        ("MVA", "LMY", 2020, 40.0),
    ]
    return tidy(rows)


def test_rank_economies_excludes_aggregates_and_flags_ties():
    ranked = stats.rank_economies(mva_frame(), 2019, ["CHN", "USA"])
    assert list(ranked["rank"]) == [1, 1] and ranked["tied"].all()
    ranked = stats.rank_economies(mva_frame(), 2020, ["CHN", "USA", "IND"])
    assert list(ranked["iso3"]) == ["CHN", "USA", "IND"] and not ranked["tied"].any()


def test_leaders_by_year_and_streak():
    leaders = ch.leaders_by_year(mva_frame(), [2018, 2019, 2020, 2021], ["CHN", "USA"])
    assert list(leaders["year"]) == [2018, 2019, 2020]  # no data in 2021
    assert leaders.loc[leaders["year"] == 2018, "leader"].iloc[0] == "USA"
    assert bool(leaders.loc[leaders["year"] == 2019, "tie"].iloc[0])
    assert leaders.loc[leaders["year"] == 2020, "margin_pct"].iloc[0] == pytest.approx(100 * (32 / 24 - 1))
    # the tie in 2019 sorts CHN first (alphabetical), so the run starts in 2019
    assert ch.streak_start(leaders, "CHN") == (2019, 2)
    assert ch.streak_start(leaders, "USA") == (None, 0)


def test_coverage_lists_missing_years():
    cov = ch.coverage(mva_frame(), ["IND", "XXX"], [2019, 2020])
    assert cov.set_index("iso3").loc["IND", "missing"] == [2019]
    assert pd.isna(cov.set_index("iso3").loc["XXX", "first"])


def test_manufacturing_share_table_and_value_at_or_before():
    shares = ch.manufacturing_share_table(mva_frame(), ["CHN", "IND"])
    grp = shares[shares["series"] == "group"].set_index("year")
    assert grp.loc[2020, "share"] == pytest.approx(35.0) and grp.loc[2019, "reporting"] == 1
    value, used = ch.value_at_or_before(shares[shares["series"] == "CHN"], 2022)
    assert (value, used) == (pytest.approx(32.0), 2020)
    assert math.isnan(ch.value_at_or_before(shares[shares["series"] == "CHN"], 2000)[0])


def test_industry_ranking_reports_large_economies_without_data():
    iva = tidy([("IVA", "CHN", 2020, 5e12), ("IVA", "IND", 2020, 1e12)])
    gdp = tidy([("GDP", "CHN", 2020, 15e12), ("GDP", "USA", 2020, 20e12), ("GDP", "IND", 2020, 3e12)])
    ranking, missing = ch.industry_ranking(iva, gdp, 2020, ["CHN", "USA", "IND"], top=2)
    assert list(ranking["iso3"]) == ["CHN", "IND"] and ranking["value_bn"].iloc[0] == pytest.approx(5000)
    assert missing == ["USA"]


def test_ranking_table_side_by_side_and_for_one_year():
    def ranking(*rows):
        return pd.DataFrame(rows, columns=["rank", "iso3", "value_bn"])

    names = {"CHN": "China", "USA": "United States", "IND": "India"}
    claim = ranking((1, "CHN", 5000.0), (2, "USA", 4000.0))
    later = ranking((1, "CHN", 6000.0), (2, "IND", 1200.0), (3, "USA", 1100.0))
    table = ch.ranking_table(claim, later, 2020, 2022, names)
    assert list(table.columns) == [
        "Rank",
        "Economy, 2020",
        "US dollars bn, 2020",
        "Economy, 2022",
        "US dollars bn, 2022",
    ]
    assert (
        table["Economy, 2022"].tolist() == ["China", "India", "United States"]
        and table["Economy, 2020"].isna().sum() == 1
    )
    same = ch.ranking_table(claim, claim, 2020, 2020, names)  # the claim's year as the reference year
    assert list(same.columns) == ["Rank", "Economy, 2020", "US dollars bn, 2020"] and same[
        "Economy, 2020"
    ].tolist() == ["China", "United States"]


# ---------------------------------------------------------------------------------------
# Trade


def test_export_share_table_includes_the_un_series():
    exports = tidy([("X", "WLD", 2020, 100.0), ("X", "LMY", 2020, 30.0), ("X", "CHN", 2020, 15.0)])
    sdg = tidy([("S", "M49_515", 2018, 45.0), ("S", "M49_514", 2018, 55.0)])
    out = ch.export_share_table(exports, sdg, ["CHN"])
    assert out.set_index("series").loc["UN developing regions", "share"] == 45.0
    assert out.set_index("series").loc["group", "share"] == pytest.approx(15.0)


def test_bilateral_trade_table_implied_previous_year():
    table = pd.DataFrame(
        {
            "year": [2021, 2021],
            "partner": ["Africa", "Africa"],
            "flow": ["total", "exports"],
            "value": [270.0, 100.0],
            "unit": ["USD billion"] * 2,
            "yoy_growth_pct": [35.0, ""],
            "citation": ["Customs, via X", "Customs"],
            "verified_primary": ["no", "no"],
            "note": ["", ""],
        }
    )
    out = ch.bilateral_trade_table(table)
    assert len(out) == 1 and out["implied_previous"].iloc[0] == pytest.approx(200.0)  # 270 / 1.35
    assert out["source"].iloc[0] == "Customs"


# ---------------------------------------------------------------------------------------
# Innovation


def ranks_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "edition_year": [2011, 2012, 2021, 2012, 2021, 2021],
            "iso3": ["AAA", "AAA", "AAA", "BBB", "BBB", "CCC"],
            "economy": ["A", "A", "A", "B", "B", "C"],
            "rank": [50, 60, 20, 40, 45, 10],
            "economies_ranked": [125, 141, 132, 141, 132, ""],
        }
    )


def test_gii_rank_changes_falls_back_to_2012():
    out = ch.gii_rank_changes(ranks_frame(), ["AAA", "BBB", "CCC"]).set_index("iso3")
    assert out.loc["AAA", "places"] == 30 and out.loc["AAA", "early_year"] == 2011
    assert out.loc["BBB", "places"] == -5 and out.loc["BBB", "early_year"] == 2012
    assert math.isnan(out.loc["CCC", "places"])
    assert out.loc["AAA", "early_pct"] == pytest.approx(40.0)  # 50 / 125
    assert ch.editions_ranked(ranks_frame()) == {2011: 125, 2012: 141, 2021: 132}


def test_gii_table_and_reading():
    table = ch.gii_table(ranks_frame(), ["BBB", "AAA"])
    assert list(table["iso3"]) == ["BBB", "AAA"]
    assert table.set_index("iso3").loc["AAA", "climb_since_2012"] == 40
    changes = ch.gii_rank_changes(ranks_frame(), ["AAA", "BBB"])
    assert (
        ch.gii_reading(changes, {"BBB": "Bland"}) == "one of the two economies the text names moved up; Bland did not"
    )
    assert ch.gii_reading(changes.iloc[:1], {}) == "all one economies the text names moved up"


def test_latest_within_and_research_table():
    data = tidy(
        [
            (ch.RD, "AAA", 2018, 1.0),
            (ch.RD, "AAA", 2020, 2.0),
            (ch.RD, "BBB", 2010, 3.0),
            (ch.RESEARCHERS, "AAA", 2019, 500.0),
        ]
    )
    latest = stats.latest_within(data, 2021, window=4)
    assert latest.set_index(["indicator", "iso3"]).loc[(ch.RD, "AAA"), "year"] == 2020
    assert (ch.RD, "BBB") not in latest.set_index(["indicator", "iso3"]).index  # outside the window
    table = ch.research_table(data, ["AAA", "BBB"], 2021).set_index("iso3")
    assert table.loc["AAA", "researchers_per_million"] == 500.0 and pd.isna(table.loc["BBB", "rd_pct_gdp"])


# ---------------------------------------------------------------------------------------
# Group profile


def test_weighted_group_value():
    values = pd.DataFrame({"iso3": ["A", "B", "C"], "year": [2021, 2021, 2020], "value": [10.0, 30.0, 99.0]})
    weights = pd.DataFrame({"iso3": ["A", "B", "C"], "year": [2021, 2021, 2021], "value": [3.0, 1.0, 5.0]})
    value, used = ch.weighted_group_value(values, weights, ["A", "B", "C"])
    assert used == 2 and value == pytest.approx((10 * 3 + 30 * 1) / 4)  # C's weight is for another year
    assert ch.weighted_group_value(values, None, ["A", "B"]) == (pytest.approx(20.0), 2)


def test_group_profile_and_sentences():
    rows = []
    for item in ch.PROFILE:
        for code, value in (("A", 10.0), ("B", 20.0), ("WLD", 12.0), ("HIC", 18.0), ("LMY", 11.0)):
            rows.append((item.code, code, 2021, value))
    for weight in {p.weight for p in ch.PROFILE if p.weight}:
        rows += [(weight, "A", 2021, 1.0), (weight, "B", 2021, 3.0)]
    profile = ch.group_profile(tidy(rows), ["A", "B"], 2021)
    group_rows = profile[profile["kind"] == "group"].set_index("indicator")
    assert group_rows.loc["NV.IND.TOTL.ZS", "value"] == pytest.approx(17.5)  # (10*1 + 20*3) / 4
    assert group_rows.loc["LP.LPI.OVRL.XQ", "value"] == pytest.approx(15.0)  # simple mean
    text = ch.profile_sentences(profile, "G2")
    assert text.count("\n") == len(ch.PROFILE) - 1
    assert "G2 17.5 (2021), world 12.0, high income 18.0: between the world and the high-income average" in text


# ---------------------------------------------------------------------------------------
# Pandemic resilience


def test_output_loss_against_a_constant_trend():
    # trend 2 % a year; actual -5 % then +4 % -> 0.95 * 1.04 / 1.02**2 - 1
    growth = pd.DataFrame(
        {2015: [2.0], 2016: [2.0], 2017: [2.0], 2018: [2.0], 2019: [2.0], 2020: [-5.0], 2021: [4.0]}, index=["A"]
    )
    assert ch.output_loss(growth)["A"] == pytest.approx((0.95 * 1.04 / 1.02**2 - 1) * 100)
    assert math.isnan(ch.output_loss(growth.drop(columns=[2021]))["A"])


def resilience_tidy() -> pd.DataFrame:
    rows = []
    for i, code in enumerate(["A", "B", "C", "D"]):
        for year in range(2015, 2022):
            rows.append(("NY.GDP.MKTP.KD.ZG", code, year, 2.0 if year < 2020 else (-float(i) if year == 2020 else 3.0)))
        rows += [
            (ch.MVA, code, 2019, 10.0 + i),
            (ch.GDP, code, 2019, 100.0),
            ("SP.POP.TOTL", code, 2019, 2e6 if code != "D" else 5e5),
        ]
        rows += [("NV.MNF.TECH.ZS.UN", code, 2019, 20.0), ("NY.GDP.PCAP.PP.CD", code, 2019, 1e4)]
        rows += [("ST.INT.RCPT.XP.ZS", code, y, 5.0 + y - 2017) for y in (2017, 2018, 2019)]
    return tidy(rows)


def test_resilience_sample_builds_the_cross_section():
    sample = ch.resilience_sample(resilience_tidy(), ["A", "B", "C", "D"]).set_index("iso3")
    assert list(sample.index) == ["A", "B", "C"]  # D has fewer than a million people
    assert sample.loc["B", "manuf_share"] == pytest.approx(11.0)
    assert sample.loc["C", "growth_2020"] == -2.0
    assert sample.loc["A", "tourism"] == pytest.approx(6.0)  # mean of 5, 6, 7
    assert sample["commodities"].isna().all()  # no fuel / ores data given
    assert sample.loc["A", "log_gdppc"] == pytest.approx(math.log(1e4))


def synthetic_sample(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "iso3": [f"E{i}" for i in range(n)],
            "manuf_share": rng.uniform(5, 30, n),
            "mht_share": rng.uniform(5, 60, n),
            "log_gdppc": rng.normal(9, 1, n),
            "tourism": rng.uniform(0, 30, n),
            "commodities": rng.uniform(0, 80, n),
        }
    )
    frame["growth_2020"] = -4 + 0.3 * frame["manuf_share"] + rng.normal(0, 1, n)
    frame["output_gap_2021"] = -5 + rng.normal(0, 3, n)
    return frame


def test_resilience_models_specs_and_display():
    sample = synthetic_sample()
    models = ch.resilience_models(sample, flat_mht=["E0", "E1"])
    assert set(models["spec"]) == {*ch.RESILIENCE_SPECS, ch.FLAT_SPEC}
    flat = models[(models["spec"] == ch.FLAT_SPEC) & (models["term"] == "const")]
    assert (flat["n"] == 58).all()
    sig, total = ch.significance_count(models, "manuf_share")
    assert total == 8 and sig >= 4  # growth depends on the share by construction
    display = ch.estimates_display(models)
    assert len(display) == 8 and display["Manufacturing share"].str.match(r"^[+\u2212]\d\.\d{3} \[").all()
    finding, verdict = ch.resilience_reading(models)
    # growth depends on the share, the 2021 output gap does not: only the growth estimates are named,
    # and since not every controlled estimate excludes zero the data neither support nor refute
    assert "for 2020 growth" in finding and "output against trend" not in finding
    assert verdict == "The data here do not support the claim, and they do not refute it either."


def test_resilience_reading_cases():
    def table(rows):
        return pd.DataFrame(rows, columns=["outcome", "spec", "term", "estimate", "ci_low", "ci_high"])

    specs = list(ch.RESILIENCE_SPECS)
    none = table([("growth_2020", s, "manuf_share", 0.1, -0.1, 0.3) for s in specs])
    assert "no estimate is distinguishable from zero" in ch.resilience_reading(none)[0]
    only_2 = table(
        [
            ("growth_2020", specs[0], "manuf_share", 0.1, -0.1, 0.3),
            ("growth_2020", specs[1], "manuf_share", 0.3, 0.1, 0.5),
            ("growth_2020", specs[2], "manuf_share", 0.1, -0.1, 0.3),
        ]
    )
    finding, verdict = ch.resilience_reading(only_2)
    assert "only significant estimate, in specification (2) for 2020 growth, does not survive" in finding
    assert "do not refute" in verdict
    robust = table([("growth_2020", s, "manuf_share", 0.3, 0.1, 0.5) for s in specs])
    assert "consistent with the claim" in ch.resilience_reading(robust)[1]
    negative = table([("growth_2020", s, "manuf_share", -0.3, -0.5, -0.1) for s in specs])
    assert "against the claim" in ch.resilience_reading(negative)[1]
    missing = table([("growth_2020", s, "manuf_share", math.nan, math.nan, math.nan) for s in specs])
    finding, verdict = ch.resilience_reading(missing, common=missing)
    assert "no specification can be estimated" in finding and verdict == "The data here cannot test the claim."


def test_common_sample_is_the_intersection_of_the_specifications_samples():
    sample = synthetic_sample(8)
    sample.loc[0, "mht_share"] = np.nan  # drops from (2) and (3)
    sample.loc[1, "tourism"] = np.nan  # drops from (3) only
    sample.loc[2, "output_gap_2021"] = np.nan  # one outcome missing
    sample.loc[3, "population"] = np.nan  # not a model variable: kept
    common = ch.common_sample(sample)
    assert list(common["iso3"]) == ["E3", "E4", "E5", "E6", "E7"]
    full = ch.resilience_models(synthetic_sample(60).assign(mht_share=lambda f: f["mht_share"].mask(f.index < 10)))
    on_common = ch.resilience_models(
        synthetic_sample(60).assign(mht_share=lambda f: f["mht_share"].mask(f.index < 10)), common=True
    )
    assert set(full.groupby("spec")["n"].max()) == {60, 50}  # (1) keeps the 10 rows without a tech share
    assert set(on_common["n"]) == {50}  # every specification on the same 50 economies


def test_resilience_reading_blames_the_sample_when_the_common_sample_disagrees():
    def table(rows, n):
        frame = pd.DataFrame(rows, columns=["outcome", "spec", "term", "estimate", "ci_low", "ci_high"])
        return frame.assign(n=n)

    specs = list(ch.RESILIENCE_SPECS)
    own = table(
        [
            ("growth_2020", specs[0], "manuf_share", 0.1, -0.1, 0.3),
            ("growth_2020", specs[1], "manuf_share", 0.3, 0.1, 0.5),
            ("growth_2020", specs[2], "manuf_share", 0.1, -0.1, 0.3),
        ],
        130,
    )
    common_null = own.assign(ci_low=-0.1, n=111)
    finding, verdict = ch.resilience_reading(own, common=common_null)
    assert "is not significant on the common sample of the 111 economies" in finding
    assert "change of sample, not the added regressors" in finding and "do not refute" in verdict
    common_same = own.assign(n=111)
    finding = ch.resilience_reading(own, common=common_same)[0]
    assert "holds on the common sample of the 111 economies with every variable as well but does not survive" in finding
    # a robust verdict needs the controlled specifications of both samples
    robust = own.assign(estimate=0.3, ci_low=0.1, ci_high=0.5)
    assert "consistent with the claim" in ch.resilience_reading(robust, common=robust)[1]
    assert "consistent with the claim" not in ch.resilience_reading(robust, common=common_null.assign(ci_low=-0.1))[1]
    display = ch.estimates_display(
        ch.resilience_models(synthetic_sample()), common=ch.resilience_models(synthetic_sample(), common=True)
    )
    assert list(display["Sample"][:2]) == ["own complete rows", "common"] and len(display) == 12


def test_coefficient_phrase():
    row = pd.Series({"estimate": 0.067, "ci_low": -0.129, "ci_high": 0.264, "n": 146})
    assert ch.coefficient_phrase(row) == "+0.7 points (95 % CI \u22121.3 to +2.6, N = 146)"


def test_carried_forward_ignores_rounding_noise():
    rows = [("T", "A", y, 41.45126852 + y * 1e-10) for y in range(2015, 2020)] + [
        ("T", "B", y, float(y)) for y in range(2015, 2020)
    ]
    rows += [("T", "C", 2015, 3.0)]
    assert ch.carried_forward(tidy(rows), "T", (2015, 2019)) == ["A"]


# ---------------------------------------------------------------------------------------
# Figures (small frames; entity names need the fetched data for the ranking only)


@pytest.fixture
def agg_backend():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.mark.data  # the GII figure names economies from the entity table
def test_figures_draw_from_small_frames(agg_backend):
    gdp = gdp_frame()
    weight = ch.world_weight_table(gdp, gdp.assign(indicator="PPP"), ["C"], ["A", "B"], ["A", "B", "C", "D"])
    fig = ch.plot_world_weight(weight, "G", "test", 2021, 42.2)
    assert len(fig.axes) == 2
    fig = ch.plot_manufacturing_shares(
        ch.manufacturing_share_table(mva_frame(), ["CHN"]), "G", 2021, 33.3, mark=2019, start_year=2019
    )
    assert fig.axes[0].get_ylabel().startswith("% of world manufacturing")
    exports = tidy([("X", "WLD", 2020, 100.0), ("X", "LMY", 2020, 30.0), ("X", "CHN", 2020, 15.0)])
    fig = ch.plot_export_shares(
        ch.export_share_table(exports, tidy([("S", "M49_515", 2018, 45.0)]), ["CHN"]), "G", "test"
    )
    assert len(fig.axes[0].lines) == 3
    fig = ch.plot_gii_ranks(ch.gii_table(ranks_frame(), ["AAA", "BBB"]), ranked={2011: 125})
    assert fig.axes[0].xaxis_inverted()
    assert "2011 edition (125 economies)" in [t.get_text() for t in fig.legends[0].get_texts()]
    sample = synthetic_sample()
    fig = ch.plot_resilience(sample, ["E1", "E2"], "test")
    assert len(fig.axes) == 2
    for text in [t.get_text() for f in [fig] for ax in f.axes for t in (ax.xaxis.label, ax.yaxis.label)]:
        assert "$" not in text  # a pair of dollar signs would be read as math


# ---------------------------------------------------------------------------------------
# Claim checks on small frames (the context is a stand-in with the same methods)


class FakeContext:
    def __init__(self, frames: dict[str, pd.DataFrame] | None = None, curated: dict[str, pd.DataFrame] | None = None):
        self.vintage = "test"
        self.frames = frames or {}
        self.tables = curated or {}

    def indicators(self, codes, countries=None, years=None, **kwargs):
        codes = [codes] if isinstance(codes, str) else list(codes)
        out = pd.concat([self.frames.get(c, tidy([])) for c in codes], ignore_index=True)
        if countries is not None:
            out = out[out["iso3"].isin(list(countries))]
        if isinstance(years, tuple):
            out = out[out["year"].between(years[0], years[1])]
        return out.astype({"year": "int64", "value": "float64"})

    def curated(self, name):
        return self.tables[name]

    def entities(self, include_aggregates=True):
        return pd.DataFrame(
            {
                "iso3": ["L1", "L2", "H1", "XX"],
                "income_group": ["Low income", "Upper middle income", "High income", ""],
            }
        )


def claim(check: str) -> Claim:
    return Claim(
        id="t",
        source="004_x.txt",
        section="s",
        claim="c",
        kind="quantitative",
        claimed={},
        measure=None,
        tolerance="",
        chapter="partnir",
        check=check,
        args={},
    )


@pytest.fixture
def few_economies(monkeypatch):
    monkeypatch.setattr(checks, "economies", lambda: ["A", "B", "C", "D", "CHN", "USA", "IND"])


ADV_TABLE = pd.DataFrame({"iso3": ["A", "B"], "advanced_from_year": ["", ""]})


@pytest.mark.parametrize(
    ("claimed_value", "expected"),
    [
        (45.0, SUPPORTED),  # developing 45 % in 2021 (advanced A + B = 55) and the advanced share fell from 60
        (42.5, PARTLY),  # level 2.5 points off (within 3), trend holds
        (30.0, PARTLY),  # only the trend holds
    ],
)
def test_group_gdp_share_verdicts(few_economies, claimed_value, expected):
    ctx = FakeContext({ch.GDP: gdp_frame()}, {"imf_weo_advanced_economies": ADV_TABLE})
    result = checks.group_gdp_share(
        claim("group_gdp_share"),
        ctx,
        year=2021,
        prev_year=2020,
        grouping="imf_advanced_2021",
        claimed_developing=claimed_value,
        tol=1.0,
        partial_tol=3.0,
    )
    assert result.verdict == expected
    assert result.value == pytest.approx(45.0)


def test_group_gdp_share_contradicted_and_missing(few_economies):
    # make the advanced share rise: A 50 -> 60 in 2021 -> developing 30, far from 45
    gdp = gdp_frame()
    gdp.loc[(gdp["iso3"] == "A") & (gdp["year"] == 2021), "value"] = 60.0
    ctx = FakeContext({ch.GDP: gdp}, {"imf_weo_advanced_economies": ADV_TABLE})
    result = checks.group_gdp_share(
        claim("group_gdp_share"),
        ctx,
        year=2021,
        prev_year=2020,
        grouping="imf_advanced_2021",
        claimed_developing=45.0,
        tol=1.0,
        partial_tol=3.0,
    )
    assert result.verdict == CONTRADICTED
    missing = checks.group_gdp_share(
        claim("group_gdp_share"),
        ctx,
        year=2022,
        prev_year=2021,
        grouping="imf_advanced_2021",
        claimed_developing=45.0,
        tol=1.0,
        partial_tol=3.0,
    )
    assert missing.verdict == NOT_CHECKABLE


def streak_frame(leader_years: int) -> pd.DataFrame:
    rows = []
    for i, year in enumerate(range(2010, 2022)):
        chn = 3.0 if i < leader_years else 1.0
        rows += [("MVA", "CHN", year, chn), ("MVA", "USA", year, 2.0), ("MVA", "WLD", year, 10.0)]
    return tidy(rows)


@pytest.mark.parametrize(("years_first", "expected"), [(12, SUPPORTED), (10, PARTLY), (5, CONTRADICTED)])
def test_largest_producer_streak_verdicts(few_economies, years_first, expected):
    ctx = FakeContext({"MVA": streak_frame(years_first)})
    result = checks.largest_producer_streak(
        claim("largest_producer_streak"), ctx, indicator="MVA", geo="CHN", years=[2010, 2021], min_years_partial=10
    )
    assert result.verdict == expected and result.value == years_first


def test_largest_producer_streak_missing_year(few_economies):
    frame = streak_frame(12)
    ctx = FakeContext({"MVA": frame[frame["year"] != 2015]})
    result = checks.largest_producer_streak(
        claim("largest_producer_streak"), ctx, indicator="MVA", geo="CHN", years=[2010, 2021], min_years_partial=10
    )
    assert result.verdict == NOT_CHECKABLE and "2015" in result.detail


@pytest.mark.parametrize(("usd", "expected"), [(5.0e12, SUPPORTED), (4.6e12, PARTLY), (4.0e12, CONTRADICTED)])
def test_currency_level_match_verdicts(usd, expected):
    # claim 31.5e12 CNY at 6.3 CNY per USD = 5.0e12 USD
    ctx = FakeContext({"MVA": tidy([("MVA", "CHN", 2021, usd)]), "FX": tidy([("FX", "CHN", 2021, 6.3)])})
    result = checks.currency_level_match(
        claim("currency_level_match"),
        ctx,
        indicator="MVA",
        geo="CHN",
        year=2021,
        claimed_lcu=31.5e12,
        fx_indicator="FX",
        tol_pct=3,
        partial_tol_pct=10,
    )
    assert result.verdict == expected
    assert "-0.0" not in result.detail


def test_currency_level_match_missing():
    ctx = FakeContext({"MVA": tidy([("MVA", "CHN", 2021, 5e12)])})
    result = checks.currency_level_match(
        claim("currency_level_match"),
        ctx,
        indicator="MVA",
        geo="CHN",
        year=2021,
        claimed_lcu=31.5e12,
        fx_indicator="FX",
        tol_pct=3,
        partial_tol_pct=10,
    )
    assert result.verdict == NOT_CHECKABLE


@pytest.mark.parametrize(
    ("share", "expected"), [(30.0, SUPPORTED), (26.0, PARTLY), (20.0, CONTRADICTED), (36.0, CONTRADICTED)]
)
def test_share_of_world_verdicts(share, expected):
    ctx = FakeContext({"MVA": tidy([("MVA", "CHN", 2021, share), ("MVA", "WLD", 2021, 100.0)])})
    result = checks.share_of_world_check(
        claim("share_of_world"),
        ctx,
        indicator="MVA",
        geo="CHN",
        year=2021,
        supported_range=[28, 34],
        partial_range=[25, 28],
    )
    assert result.verdict == expected and result.value == pytest.approx(share)


def test_share_of_world_missing():
    ctx = FakeContext({"MVA": tidy([("MVA", "WLD", 2021, 100.0)])})
    result = checks.share_of_world_check(
        claim("share_of_world"),
        ctx,
        indicator="MVA",
        geo="CHN",
        year=2021,
        supported_range=[28, 34],
        partial_range=[25, 28],
    )
    assert result.verdict == NOT_CHECKABLE


def export_frames(lmy_2021: float, sdg_2018: float) -> dict[str, pd.DataFrame]:
    # world 100 -> 121 over 2011-2021 (about 1.9 % a year)
    return {
        ch.MERCH_EXPORTS: tidy(
            [
                (ch.MERCH_EXPORTS, "WLD", 2011, 100.0),
                (ch.MERCH_EXPORTS, "WLD", 2021, 121.0),
                (ch.MERCH_EXPORTS, "LMY", 2011, 30.0),
                (ch.MERCH_EXPORTS, "LMY", 2021, lmy_2021),
            ]
        ),
        ch.SDG_MERCH_SHARE: tidy(
            [(ch.SDG_MERCH_SHARE, "M49_515", 2011, 44.0), (ch.SDG_MERCH_SHARE, "M49_515", 2018, sdg_2018)]
        ),
    }


@pytest.mark.parametrize(
    ("lmy_2021", "sdg_2018", "expected"),
    [(45.0, 45.0, SUPPORTED), (37.0, 45.0, PARTLY), (45.0, 43.0, PARTLY), (33.0, 45.0, CONTRADICTED)],
)
def test_export_growth_vs_world_verdicts(lmy_2021, sdg_2018, expected):
    # LMY 30 -> 45: 4.1 % a year (gap 2.2); 30 -> 37: 2.1 % (gap 0.2 < 0.5); 30 -> 33: 1.0 % (below the world)
    result = checks.export_growth_vs_world(
        claim("export_growth_vs_world"),
        FakeContext(export_frames(lmy_2021, sdg_2018)),
        group="LMY",
        years=[2011, 2021],
        min_gap=0.5,
        sdg_geo_area=515,
        sdg_years=[2011, 2018],
    )
    assert result.verdict == expected


def test_export_growth_vs_world_missing():
    result = checks.export_growth_vs_world(
        claim("export_growth_vs_world"),
        FakeContext({}),
        group="LMY",
        years=[2011, 2021],
        min_gap=0.5,
        sdg_geo_area=515,
        sdg_years=[2011, 2018],
    )
    assert result.verdict == NOT_CHECKABLE


@pytest.mark.parametrize(
    ("iso3", "expected"),
    [(["AAA"], SUPPORTED), (["AAA", "CCC"], PARTLY), (["AAA", "BBB"], CONTRADICTED), (["ZZZ"], NOT_CHECKABLE)],
)
def test_gii_rank_improvement_verdicts(iso3, expected):
    ctx = FakeContext(curated={"ranks": ranks_frame()})
    result = checks.gii_rank_improvement(
        claim("gii_rank_improvement"),
        ctx,
        table="ranks",
        iso3=iso3,
        early_years=[2011, 2012],
        late_year=2021,
        min_places=5,
    )
    assert result.verdict == expected


def growth_frame(lmy_2020: float, lmy_aggregate_2020: float | None = None) -> pd.DataFrame:
    """Aggregates LMY, HIC and member economies L1, L2 (LMY) and H1 (HIC); XX is unclassified.

    Each member's 2020 growth is the LMY (or HIC) value given; the LMY aggregate's own 2020
    growth can differ (GDP weights), as it does in the data."""
    agg = lmy_2020 if lmy_aggregate_2020 is None else lmy_aggregate_2020
    codes = ("LMY", "HIC", "L1", "L2", "H1", "XX")
    rows = [("NY.GDP.MKTP.KD.ZG", code, y, 3.0) for code in codes for y in range(2015, 2020)]
    rows += [("NY.GDP.MKTP.KD.ZG", code, 2021, 6.0) for code in codes]
    rows += [("NY.GDP.MKTP.KD.ZG", "LMY", 2020, agg), ("NY.GDP.MKTP.KD.ZG", "HIC", 2020, -3.0)]
    rows += [("NY.GDP.MKTP.KD.ZG", c, 2020, v) for c, v in (("L1", lmy_2020), ("L2", lmy_2020), ("H1", -3.0))]
    rows += [("NY.GDP.MKTP.KD.ZG", "XX", 2020, -20.0)]
    return tidy(rows)


def population_frame() -> pd.DataFrame:
    return tidy([("SP.POP.TOTL", c, 2019, 5e6) for c in ("L1", "L2", "H1", "XX")])


def test_output_loss_comparison_weighted_and_unweighted_by_hand():
    aggregates = pd.Series({"LMY": -3.0, "HIC": -2.5})
    gaps = pd.Series({"L1": -2.0, "L2": -8.0, "H1": -4.0, "XX": -30.0})
    table = ch.output_loss_comparison(aggregates, gaps, {"LMY": ["L1", "L2", "L3"], "HIC": ["H1"]})
    assert table.loc["LMY", "unweighted"] == pytest.approx(-5.0)  # (-2 - 8) / 2; L3 has no gap, XX no group
    assert table.loc["LMY", "weighted"] == -3.0 and table.loc["LMY", "n"] == 2
    assert table.loc["HIC", "unweighted"] == pytest.approx(-4.0)
    empty = ch.output_loss_comparison(aggregates, gaps, {"LMY": ["L9"]})
    assert math.isnan(empty.loc["LMY", "unweighted"]) and empty.loc["LMY", "n"] == 0


def test_income_members_and_economy_output_loss():
    members = ch.income_members(FakeContext().entities())
    assert members == {"LMY": ["L1", "L2"], "HIC": ["H1"]}
    frame = pd.concat([growth_frame(-5.0), population_frame()], ignore_index=True)
    frame.loc[(frame["iso3"] == "L2") & (frame["indicator"] == "SP.POP.TOTL"), "value"] = 5e5  # too small
    gaps = ch.economy_output_loss(frame, ["L1", "L2", "H1"])
    assert list(gaps.index) == ["H1", "L1"]
    assert gaps["L1"] == pytest.approx((0.95 * 1.06 / 1.03**2 - 1) * 100)


@pytest.mark.parametrize(
    ("lmy_2020", "lmy_aggregate_2020", "expected"),
    [(-5.0, None, SUPPORTED), (-1.0, None, CONTRADICTED), (-1.0, -9.0, CONTRADICTED), (-9.0, -1.0, SUPPORTED)],
)
def test_covid_output_loss_proxy_verdicts(lmy_2020, lmy_aggregate_2020, expected):
    # the verdict follows the mean economy, not the GDP-weighted aggregate
    ctx = FakeContext(
        {"NY.GDP.MKTP.KD.ZG": growth_frame(lmy_2020, lmy_aggregate_2020), "SP.POP.TOTL": population_frame()}
    )
    result = checks.covid_output_loss_proxy(
        claim("covid_output_loss_proxy"),
        ctx,
        groups={"developing": "LMY", "industrialised": "HIC"},
        trend_years=[2015, 2019],
        base_year=2019,
        end_year=2021,
        claimed_gap=3.8,
    )
    assert result.verdict == expected  # the register caps SUPPORTED at 'partly supported' (tested in the audit)
    assert "mean over economies" in result.measured and "GDP-weighted aggregates" in result.measured
    assert "(LMY, 2 economies)" in result.measured  # XX, unclassified, is in neither group


def test_covid_output_loss_proxy_missing():
    frame = growth_frame(-5.0)
    ctx = FakeContext({"NY.GDP.MKTP.KD.ZG": frame[frame["year"] != 2021], "SP.POP.TOTL": population_frame()})
    result = checks.covid_output_loss_proxy(
        claim("covid_output_loss_proxy"),
        ctx,
        groups={"developing": "LMY", "industrialised": "HIC"},
        trend_years=[2015, 2019],
        base_year=2019,
        end_year=2021,
        claimed_gap=3.8,
    )
    assert result.verdict == NOT_CHECKABLE


def covid_frames(slope: float, n: int = 40) -> dict[str, pd.DataFrame]:
    rows = []
    for i in range(n):
        code = f"E{i:02d}"
        share = 5.0 + i
        noise = ((i * 37) % 11 - 5) * 0.05  # deterministic, small
        for year in range(2015, 2022):
            value = 2.0 if year < 2020 else (slope * share + noise if year == 2020 else 3.0)
            rows.append(("NY.GDP.MKTP.KD.ZG", code, year, value))
        rows += [(ch.MVA, code, 2019, share), (ch.GDP, code, 2019, 100.0), ("SP.POP.TOTL", code, 2019, 2e6)]
    frame = tidy(rows)
    return {code: frame[frame["indicator"] == code] for code in frame["indicator"].unique()}


@pytest.mark.parametrize(("slope", "expected"), [(0.2, SUPPORTED), (-0.2, CONTRADICTED), (0.0, INCONCLUSIVE)])
def test_manufacturing_covid_resilience_correlation_verdicts(monkeypatch, slope, expected):
    frames = covid_frames(slope)
    monkeypatch.setattr(checks, "economies", lambda: sorted(frames["SP.POP.TOTL"]["iso3"]))
    result = checks.manufacturing_covid_resilience_correlation(
        claim("manufacturing_covid_resilience_correlation"),
        FakeContext(frames),
        x_year=2019,
        y_year=2020,
        min_population=1e6,
        alpha=0.05,
        method="spearman",
    )
    assert result.verdict == expected


def test_manufacturing_covid_resilience_correlation_missing(monkeypatch):
    monkeypatch.setattr(checks, "economies", lambda: ["E00"])
    result = checks.manufacturing_covid_resilience_correlation(
        claim("manufacturing_covid_resilience_correlation"),
        FakeContext({}),
        x_year=2019,
        y_year=2020,
        min_population=1e6,
        alpha=0.05,
        method="spearman",
    )
    assert result.verdict == NOT_CHECKABLE


# ---------------------------------------------------------------------------------------
# With the project's fetched data


@pytest.fixture
def project_data(mirror, monkeypatch):
    """The real project's data, fetched from the offline mirror (a no-op when already there)."""
    from imtrade.data.fetch import fetch

    monkeypatch.setenv("IMTRADE_ROOT", str(ROOT))
    monkeypatch.delenv("IMTRADE_DATA_DIR", raising=False)
    fetch(["wdi", "wb-bulk", "gapminder", "un-sdg"], mirror=mirror)


@pytest.mark.mirror
def test_parameters_are_checked(project_data):
    from imtrade.exceptions import ParameterError

    good = {"group": ["BRA", "CHN"], "group_name": "BC", "year": 2021, "start_year": 2000, "vintage": "2026-07-01"}
    ch.check_parameters(good)
    for change, message in (
        ({"group": ["WLD"]}, "not aggregates"),
        ({"group_name": " "}, "group_name"),
        ({"year": 1999}, "must be before"),
        ({"vintage": "2018-08-01"}, "must be between 1990 and 201"),  # year 2021 is past its data
    ):
        with pytest.raises(ParameterError, match=message):
            ch.check_parameters({**good, **change})


@pytest.mark.mirror
def test_names_claims_and_loaders_on_real_data(project_data):
    assert ch.group_members_phrase(["BRA", "RUS", "ZAF"]) == "Brazil, Russia and South Africa"
    assert ch.last_data_year("2026-07-01") >= 2024
    assert ch.claimed("c004-developing-share-world-gdp-2021")["value"] == 42.2
    assert ch.claimed("c004-india-russia-indonesia-top10-industry")["args"]["countries"] == ["IND", "RUS", "IDN"]
    with pytest.raises(KeyError):
        ch.claimed("no-such-claim")
    assert "HRV" not in ch.imf_advanced_economies(2021) and "HRV" in ch.imf_advanced_economies(2023)
    assert set(ch.pending_claims()) <= {
        "c004-india-russia-indonesia-top10-industry",
        "c004-china-africa-trade-2021",
        "c004-china-latam-trade-2021",
        "c004-gii-2021-ranks",
    }
    # WDI 2026-07-01: the IMF split at market rates gives 42.4 % for 2021 (chapter value), World Bank LMY 35.8 %
    weight = ch.load_world_weight("2026-07-01", ["BRA", "RUS", "IND", "CHN", "ZAF"], 2020, 2021)
    comparison = ch.definition_comparison(weight, 2021, 42.2)
    assert comparison.iloc[0]["grouping"] == "imf_emde" and comparison.iloc[0]["share"] == pytest.approx(
        42.36, abs=0.05
    )
    from imtrade.data.load import load_indicators

    gdp = load_indicators([ch.GDP], years=(2021, 2021))
    nah = ch.non_advanced_high_income(gdp, ch.imf_advanced_economies(2021), 2021)
    assert "SAU" in set(nah["iso3"]) and "USA" not in set(nah["iso3"])
    cov = ch.coverage(load_indicators([ch.MVA], countries=["RUS", "WLD"]), ["RUS", "WLD"], range(1997, 2022))
    assert ch.missing_years_phrase(cov) == "the file has no value for Russia 1997\u20132001"
    profile = ch.load_group_profile("2026-07-01", ["BRA", "CHN"], 2021)
    assert set(profile["kind"]) == {"group", "member", "benchmark"}
    sample = ch.load_resilience_sample("2026-07-01")
    assert len(sample) > 140 and sample["population"].min() >= 1e6
    loss = ch.aggregate_output_loss("2026-07-01", ["LMY", "HIC"])
    assert loss["LMY"] < loss["HIC"] < 0


@pytest.mark.mirror
def test_industry_ranking_figure_on_real_names(project_data, agg_backend):
    ranking = pd.DataFrame(
        {"rank": [1, 2, 3], "iso3": ["CHN", "USA", "IDN"], "value_bn": [5000.0, 3000.0, 400.0], "tied": False}
    )
    fig = ch.plot_industry_ranking(ranking, 2020, ["CHN"], ["IDN"], "test")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["3. Indonesia", "2. United States", "1. China"]
    profile = ch.load_group_profile("2026-07-01", ["BRA", "CHN"], 2021)
    fig = ch.plot_profile(profile, "G", "test")
    assert len(fig.axes) == len(ch.PROFILE)


@pytest.mark.mirror
def test_audit_of_the_partnir_claims_on_default_data(project_data):
    from imtrade.claims import run_audit

    audit, _ = run_audit(None, chapter="partnir")
    verdicts = dict(zip(audit["id"], audit["verdict"], strict=True))
    assert verdicts["c004-developing-share-world-gdp-2021"] == SUPPORTED
    assert verdicts["c004-china-share-world-mva"] == SUPPORTED
    assert verdicts["c004-unido-covid-output-loss"] == PARTLY  # proxy: capped
    assert "check failed" not in set(verdicts.values())


# ---------------------------------------------------------------------------------------
# Executing the chapter


def run_partnir(tmp_path: Path, **params) -> tuple[dict[str, str], Path]:
    run = run_chapter("partnir", tmp_path, **params)
    assert run.errors == [] and run.figures == 9
    return run.values, run.folder


@pytest.mark.slow
@pytest.mark.mirror
def test_chapter_runs_with_default_parameters(project_data, tmp_path):
    values, folder = run_partnir(tmp_path)
    assert values["group_name"] == "BRICS" and values["claim_dev"] == "42.2"
    assert values["imf_emde_mer_c"] == "42.4" and values["lmy_mer_c"] == "35.8"  # WDI 2026-07-01, 2021
    assert values["chn_mva_share"] == "30.4" and values["streak_len"] == "12"
    assert values["named_ranks"] == "India 5, Russia 8 and Indonesia 10"
    assert values["gii_reading"] == "all five economies the text names moved up"
    # WDI 2026-07-01: the one significant full-sample estimate (spec 2, N = 130) is not significant
    # on the 111-economy common sample, so the text attributes it to the change of sample
    assert values["resilience_finding"].startswith("a larger manufacturing sector before the pandemic is not reliably")
    assert values["resilience_finding"].endswith("reflects the change of sample, not the added regressors")
    for table in (
        "world_gdp_shares",
        "manufacturing_shares",
        "industry_ranking",
        "export_shares",
        "research",
        "resilience_estimates",
        "profile",
        "high_income_industry_shares",
        "digital_gaps",
    ):
        assert (folder / "tables" / f"partnir_{table}.csv").is_file()
    assert values["reind_years"] == "2010 and 2021" and values["reind_mva_change"].startswith("\u2212")
    assert float(values["dig_bb_gap"]) > float(values["dig_bb_gap0"])  # the broadband gap widened since 2015


@pytest.mark.slow
@pytest.mark.mirror
def test_chapter_runs_for_an_enlarged_group_and_2022(project_data, tmp_path):
    group = ["BRA", "RUS", "IND", "CHN", "ZAF", "EGY", "ETH", "IRN", "ARE", "SAU"]
    values, _ = run_partnir(tmp_path, group=group, group_name="BRICS+", year=2022, start_year=2005)
    assert values["group_name"] == "BRICS+" and values["year"] == "2022"
    assert "Egypt" in values["members"] and "Saudi Arabia" in values["members"]
    assert float(values["grp_mer"]) > 25.6  # larger than the five
    assert values["chn_mva_year"] == "2021" and "cannot be shown" in values["mva_year_note"]  # the file ends in 2021
    assert values["claim_year"] == "2021"  # the text's year does not follow the parameter
    assert "of the 10 members of BRICS+ were in the top ten" in values["grp_top10"]
    assert "United States" in values["rank_missing"]  # no US industry share for 2022 in this vintage
    assert "curated table has no ranks for" in values["no_gii"]


# ---------------------------------------------------------------------------------------
# Re-industrialisation and the digital starting line (issue 16)


def _mva_frames(mva: dict[int, float], gdp: dict[int, float]) -> dict[str, pd.DataFrame]:
    return {
        ch.MVA: tidy([(ch.MVA, "HIC", y, v) for y, v in mva.items()]),
        ch.GDP: tidy([(ch.GDP, "HIC", y, v) for y, v in gdp.items()]),
        "NV.IND.TOTL.ZS": tidy([("NV.IND.TOTL.ZS", "HIC", y, 25.0) for y in gdp]),
    }


@pytest.mark.parametrize(
    ("mva_end", "expected"),
    [(150.0, SUPPORTED), (126.0, INCONCLUSIVE), (110.0, CONTRADICTED)],  # GDP 1000: 12 % -> 15, 12.6, 11 %
)
def test_hic_manufacturing_share_trend_verdicts(mva_end, expected):
    ctx = FakeContext(_mva_frames({2010: 120.0, 2021: mva_end}, {2010: 1000.0, 2021: 1000.0}))
    result = checks.hic_manufacturing_share_trend(
        claim("hic_manufacturing_share_trend"), ctx, group="HIC", years=[2010, 2021], min_change=0.75
    )
    assert result.verdict == expected
    assert result.value == pytest.approx(mva_end / 10 - 12.0)


def test_hic_manufacturing_share_trend_missing_year_is_not_checkable():
    ctx = FakeContext(_mva_frames({2010: 120.0}, {2010: 1000.0, 2021: 1000.0}))
    result = checks.hic_manufacturing_share_trend(
        claim("hic_manufacturing_share_trend"), ctx, group="HIC", years=[2010, 2021], min_change=0.5
    )
    assert result.verdict == NOT_CHECKABLE


def _access(bb: dict[str, dict[int, float]], mob: dict[str, dict[int, float]]) -> dict[str, pd.DataFrame]:
    return {
        "IT.NET.BBND.P2": tidy([("IT.NET.BBND.P2", g, y, v) for g, s in bb.items() for y, v in s.items()]),
        "IT.CEL.SETS.P2": tidy([("IT.CEL.SETS.P2", g, y, v) for g, s in mob.items() for y, v in s.items()]),
    }


@pytest.mark.parametrize(
    ("hic", "lic", "expected"),
    [
        ({2015: 30, 2022: 36}, {2015: 1, 2022: 2}, CONTRADICTED),  # gap 29 -> 34: wide and widening
        ({2015: 30, 2022: 30}, {2015: 1, 2022: 10}, checks.PARTLY_CONTRADICTED),  # gap 29 -> 20: wide, narrowing
        ({2015: 30, 2022: 30}, {2015: 20, 2022: 25}, SUPPORTED),  # gap 5 < 10
    ],
)
def test_digital_starting_line_verdicts(hic, lic, expected):
    mobile = {"HIC": {2015: 120, 2022: 130}, "LIC": {2015: 50, 2022: 60}}
    ctx = FakeContext(_access({"HIC": hic, "LIC": lic}, mobile))
    result = checks.digital_starting_line(
        claim("digital_starting_line"),
        ctx,
        rich="HIC",
        poor="LIC",
        year=2022,
        start_year=2015,
        max_gap=10,
        indicators=["IT.NET.BBND.P2", "IT.CEL.SETS.P2"],
    )
    assert result.verdict == expected
    assert result.value == pytest.approx(hic[2022] - lic[2022])
    assert "gap 70.0" in result.measured  # the mobile gap is reported, not scored


def test_digital_starting_line_missing_group_is_not_checkable():
    ctx = FakeContext(_access({"HIC": {2015: 30, 2022: 36}}, {"HIC": {2015: 120, 2022: 130}}))
    result = checks.digital_starting_line(
        claim("digital_starting_line"),
        ctx,
        rich="HIC",
        poor="LIC",
        year=2022,
        start_year=2015,
        max_gap=10,
        indicators=["IT.NET.BBND.P2", "IT.CEL.SETS.P2"],
    )
    assert result.verdict == NOT_CHECKABLE
    assert "LIC" in result.detail


def _south_south(rows: list[tuple]) -> pd.DataFrame:
    """(year, published_year, measure, value, bound, verified_primary) rows of trade_geography_shares."""
    frame = pd.DataFrame(rows, columns=["year", "published_year", "measure", "value", "bound", "verified_primary"])
    return frame.astype({"year": "float64", "published_year": "int64", "value": "float64"})


SS_EXPORTS, SS_TRADE = "south_south_share_of_world_exports", "south_south_share_of_world_trade"


@pytest.mark.parametrize(
    ("latest", "bound", "expected"),
    [
        (33.3, ">", SUPPORTED),  # +8.3 points
        (27.0, "~", PARTLY),  # +2
        (25.0, ">", INCONCLUSIVE),  # a lower bound equal to the early value: no direction
        (22.0, "~", CONTRADICTED),
    ],
)
def test_south_south_share_published_verdicts(latest, bound, expected):
    table = _south_south(
        [
            (2011, 2013, SS_EXPORTS, 25.0, "~", "yes"),
            (2012, 2013, SS_EXPORTS, 40.0, ">", "no"),  # secondary rows are ignored
            (math.nan, 2025, SS_TRADE, latest, bound, "yes"),
        ]
    )
    ctx = FakeContext(curated={"trade_geography_shares": table})
    result = checks.south_south_share_published(
        claim("south_south_share_published"), ctx, table="trade_geography_shares", early_year=2011, min_rise=5
    )
    assert result.verdict == expected
    assert result.value == pytest.approx(latest - 25.0)
    assert "year unstated" in result.measured


def test_south_south_share_published_without_early_row_is_not_checkable():
    table = _south_south([(math.nan, 2025, SS_TRADE, 33.3, ">", "yes"), (2011, 2013, SS_EXPORTS, 25.0, "~", "no")])
    result = checks.south_south_share_published(
        claim("south_south_share_published"),
        FakeContext(curated={"trade_geography_shares": table}),
        table="trade_geography_shares",
        early_year=2011,
        min_rise=5,
    )
    assert result.verdict == NOT_CHECKABLE


def test_south_south_share_published_on_the_committed_table():
    """The register's entry on the real curated table: the rows the rule reads are the primary ones."""
    from imtrade.data.curated import load_curated

    table = load_curated("trade_geography_shares")
    primary = table[(table["verified_primary"] == "yes") & table["measure"].isin([SS_EXPORTS, SS_TRADE])]
    early = float(primary.loc[primary["year"] == 2011, "value"].iloc[0])
    latest = float(primary.sort_values("published_year")["value"].iloc[-1])
    result = checks.south_south_share_published(
        claim("south_south_share_published"),
        FakeContext(curated={"trade_geography_shares": table}),
        table="trade_geography_shares",
        early_year=2011,
        min_rise=5,
    )
    assert result.value == pytest.approx(latest - early)
    assert result.verdict == (SUPPORTED if latest - early >= 5 else PARTLY if latest > early else CONTRADICTED)


def test_group_industry_shares_and_share_change():
    frame = pd.concat(
        [
            tidy([(ch.MVA, "HIC", 2010, 120.0), (ch.MVA, "HIC", 2021, 110.0), (ch.MVA, "LIC", 2010, 9.0)]),
            tidy([(ch.GDP, "HIC", 2010, 1000.0), (ch.GDP, "HIC", 2021, 1000.0), (ch.GDP, "HIC", 2022, 1100.0)]),
            tidy([(ch.INDUSTRY_SHARE, "HIC", 2010, 24.0), (ch.INDUSTRY_SHARE, "HIC", 2021, 22.5)]),
        ],
        ignore_index=True,
    )
    shares = ch.group_industry_shares(frame, "HIC")
    assert shares.loc[2010, "manufacturing"] == pytest.approx(12.0)
    assert math.isnan(shares.loc[2022, "manufacturing"])  # no MVA in 2022
    assert ch.share_change(shares, "manufacturing", (2010, 2021)) == pytest.approx((12.0, 11.0, -1.0))
    a, b, change = ch.share_change(shares, "industry", (2010, 2022))
    assert a == 24.0 and math.isnan(b) and math.isnan(change)
    empty = ch.group_industry_shares(frame, "UMC")
    assert empty.empty and math.isnan(ch.share_change(empty, "manufacturing", (2010, 2021))[2])


def test_digital_gaps_pairs_the_years_both_groups_report():
    frame = tidy(
        [
            ("IT.NET.BBND.P2", "HIC", 2015, 30.0),
            ("IT.NET.BBND.P2", "HIC", 2022, 36.0),
            ("IT.NET.BBND.P2", "LIC", 2022, 0.5),
            ("IT.CEL.SETS.P2", "HIC", 2022, 130.0),
            ("IT.CEL.SETS.P2", "LIC", 2022, 0.0),
        ]
    )
    gaps = ch.digital_gaps(frame, "HIC", "LIC").set_index(["indicator", "year"])
    assert list(gaps.index) == [("IT.CEL.SETS.P2", 2022), ("IT.NET.BBND.P2", 2022)]  # 2015: no LIC value
    assert gaps.loc[("IT.NET.BBND.P2", 2022), "gap"] == pytest.approx(35.5)
    assert gaps.loc[("IT.NET.BBND.P2", 2022), "ratio"] == pytest.approx(72.0)
    assert math.isnan(gaps.loc[("IT.CEL.SETS.P2", 2022), "ratio"])  # a zero denominator is no ratio
    assert list(ch.digital_gaps(frame, "HIC", "UMC").columns) == ["indicator", "year", "rich", "poor", "gap", "ratio"]
