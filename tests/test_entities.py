"""The entity table and the resolver of each layout's country codes and names."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import GAPMINDER_GEO, SDG_GEO, WB_METADATA

from imtrade.data.entities import (
    EXTRA_ENTITIES,
    build_entity_table,
    check_codes,
    make_resolver,
    normalise_name,
)
from imtrade.exceptions import UnknownCountryError


@pytest.fixture(scope="module")
def inputs():
    wb = pd.DataFrame(
        WB_METADATA, columns=["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName"]
    ).replace("", None)
    geo = pd.DataFrame(GAPMINDER_GEO, columns=["country", "iso3166_1_alpha3", "iso3166_1_numeric", "name"]).replace(
        "", None
    )
    sdg = pd.DataFrame(SDG_GEO, columns=["geo_area", "name"])
    return wb, geo, sdg


@pytest.fixture(scope="module")
def table(inputs):
    return build_entity_table(*inputs)


@pytest.fixture(scope="module")
def resolver(table, inputs):
    return make_resolver(table, inputs[1])


class TestEntityTable:
    def test_columns_and_unique_codes(self, table):
        assert list(table.columns) == ["iso3", "name", "region", "income_group", "is_aggregate", "m49", "gapminder"]
        assert table["iso3"].is_unique and table["iso3"].is_monotonic_increasing

    def test_every_source_contributes(self, table, inputs):
        wb, geo, _ = inputs
        codes = set(table["iso3"])
        assert set(wb["Country Code"]) <= codes  # every World Bank code
        assert set(geo["iso3166_1_alpha3"].dropna()) <= codes  # every Gapminder economy with ISO3 (TWN too)
        assert {"M49_514", "M49_515"} <= codes and "M49_1" not in codes  # UN regions; the World is WLD
        assert set(EXTRA_ENTITIES) <= codes
        assert "M49_158" not in codes  # 158 is Taiwan's M49 code (from Gapminder), not a region

    def test_aggregates_are_flagged(self, table):
        flag = table.set_index("iso3")["is_aggregate"]
        assert flag[["WLD", "LMY", "HIC", "NAC", "M49_515", "M49_514"]].all()
        assert not flag[["CHN", "USA", "TWN", "SOM"]].any()

    def test_classification_and_codes(self, table):
        row = table.set_index("iso3")
        assert (
            row.loc["CHN", "region"],
            row.loc["CHN", "income_group"],
            row.loc["CHN", "m49"],
            row.loc["CHN", "gapminder"],
        ) == ("East Asia & Pacific", "Upper middle income", 156, "chn")
        assert (
            row.loc["TWN", "region"] == ""
            and row.loc["TWN", "income_group"] == ""
            and row.loc["TWN", "name"] == "Taiwan"
        )
        assert row.loc["WLD", "m49"] == 1 and row.loc["WLD", "region"] == ""
        assert row.loc["M49_515", "name"] == "Developing regions (UN M49)" and row.loc["M49_515", "m49"] == 515


class TestResolver:
    def test_gapminder_codes(self, resolver):
        iso3, unknown = resolver.from_gapminder(pd.Series(["chn", "TWN", " usa ", "ussr", "atlantis"]))
        assert iso3.tolist()[:3] == ["CHN", "TWN", "USA"]
        assert pd.isna(iso3.iloc[3])  # historical entity without ISO3: no code, not an error
        assert unknown == {"atlantis"}

    def test_m49_codes(self, resolver):
        iso3, unknown = resolver.from_m49(pd.Series(["1", "001", "156", "515", "158", "999"]))
        assert iso3.tolist()[:5] == ["WLD", "WLD", "CHN", "M49_515", "TWN"]
        assert unknown == {"999"}

    @pytest.mark.parametrize(
        ("name", "code"),
        [
            ("World", "WLD"),  # the one aggregate known by name (an explicit alias)
            ("China", "CHN"),
            ("Korea, Rep.", "KOR"),  # World Bank name
            ("South Korea", "KOR"),  # alias
            ("Somalia", "SOM"),  # Gapminder's name; the World Bank says 'Somalia, Fed. Rep.'
            ("USA", "USA"),
            ("  germany ", "DEU"),
            ("Taiwan", "TWN"),
        ],
    )
    def test_names(self, resolver, name, code):
        assert resolver.from_names(pd.Series([name])).iloc[0] == code

    def test_regions_are_not_mapped_to_world_bank_aggregates(self, resolver):
        names = pd.Series(["North America", "High income", "Africa", "Atlantis", None])
        assert resolver.from_names(names).isna().all()
        assert resolver.is_region_name(names).tolist() == [True, True, True, False, False]

    def test_normalise_name(self):
        assert normalise_name("Côte d'Ivoire") == "cote d ivoire"
        assert normalise_name("  Türkiye ") == "turkiye"


class TestCheckCodes:
    def test_upper_cases_known_codes(self, table):
        assert check_codes(["chn", " wld", "M49_515"], table) == ["CHN", "WLD", "M49_515"]

    def test_unknown_codes_with_suggestions(self, table):
        with pytest.raises(UnknownCountryError) as info:
            check_codes(["CHN", "CHM", "XYZQ"], table)
        message = str(info.value)
        assert "CHM (did you mean CHN China" in message and "XYZQ" in message and "CHN;" not in message
        assert "imtrade data entities" in info.value.fix


# ---------------------------------------------------------------------------------------
# Names and groups (one display name and one prose name per entity)

ENTITIES = pd.DataFrame(
    {
        "iso3": ["AAA", "KOR", "GBR", "DDD", "BOL", "NLD", "WLD", "HIC", "EUU"],
        "name": [
            "Alpha",
            "Korea, Rep.",
            "United Kingdom",
            "Delta",
            "Bolivia, Plurinational State",
            "Netherlands",
            "World",
            "High income",
            "European Union",
        ],
        "region": [
            "Europe & Central Asia",
            "East Asia & Pacific",
            "Europe & Central Asia",
            "South Asia",
            "",
            "",
            "",
            "",
            "",
        ],
        "income_group": ["High income", "High income", "Upper middle income", "Low income", "", "", "", "", ""],
        "is_aggregate": [False, False, False, False, False, False, True, True, True],
    }
)


def test_display_and_prose_names_one_per_entity():
    from imtrade.data import entities as e

    assert e.display_names(["KOR", "GBR", "BOL", "ZZZ"], ENTITIES) == {
        "KOR": "Korea",  # the book's short name, not the World Bank's inverted one
        "GBR": "United Kingdom",
        "BOL": "Bolivia (Plurinational State)",  # any other inverted name is made readable
        "ZZZ": "ZZZ",  # unknown codes are shown as they are
    }
    assert e.prose_names(["KOR", "GBR", "NLD", "AAA", "HIC", "WLD", "LMY", "EUU"], ENTITIES) == {
        "KOR": "Korea",
        "GBR": "the United Kingdom",
        "NLD": "the Netherlands",
        "AAA": "Alpha",
        "HIC": "high-income economies",
        "WLD": "the world",
        "LMY": "low- and middle-income economies",
        "EUU": "European Union",
    }
    assert e.display_name("LMY", ENTITIES) == "Low and middle income"
    assert e.prose_name("GBR", ENTITIES) == "the United Kingdom"


def test_with_article_is_idempotent():
    from imtrade.data.entities import with_article

    assert with_article("United States") == "the United States" and with_article("World") == "the world"
    assert with_article(with_article("United States")) == "the United States" and with_article("Germany") == "Germany"


def test_group_table_codes_names_and_members():
    from imtrade.data import entities as e
    from imtrade.exceptions import ParameterError

    assert e.group_code("HIC") == "HIC" and e.group_code("High income") == "HIC" and e.group_code("lmy") == "LMY"
    assert e.group_code("Low & middle income") == e.group_code("Low and middle income") == "LMY"  # either spelling
    with pytest.raises(ParameterError, match="unknown group 'XYZ'"):
        e.group_code("XYZ")
    assert e.group_members("WLD", ENTITIES) == ["AAA", "BOL", "DDD", "GBR", "KOR", "NLD"]
    assert e.group_members("High income", ENTITIES) == ["AAA", "KOR"]
    assert e.group_members("ECS", ENTITIES) == ["AAA", "GBR"] and e.group_members("LMY", ENTITIES) == ["DDD", "GBR"]
    assert e.income_group_code("Upper middle income") == "UMC" and e.income_group_code("") is None
    assert e.economies(ENTITIES) == ["AAA", "BOL", "DDD", "GBR", "KOR", "NLD"]
    # every group has one spelling: no ampersand, and each name maps back to its code
    for g in e.GROUPS.values():
        assert "&" not in g.name and "&" not in g.prose and e.group_code(g.name) == g.code


def test_other_names_identify_an_economy_in_text():
    from imtrade.data.entities import other_names

    names = other_names("KOR", ["Korea, Rep.", "Korea", ""])
    assert set(names) == {"Korea, Rep.", "Korea", "South Korea", "Republic of Korea"}
    assert names == sorted(names, key=len, reverse=True)  # longest first, for matching
    assert other_names("ZZZ", ["Zed"]) == ["Zed"]
