"""Integration against the real offline mirror (../shared/data or $IMTRADE_DATA_MIRROR).

A fresh project: the committed catalog and manifests, an empty data directory (IMTRADE_DATA_DIR
in a temporary folder), everything fetched from the mirror by the CLI, then parsed and loaded.
"""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from conftest import DEFAULT_MIRROR, ROOT, clear_caches

from imtrade.cli import main
from imtrade.data.catalog import load_catalog
from imtrade.data.load import load_entities, load_indicators, store
from imtrade.data.warm_cache import files_to_parse, warm_cache
from imtrade.paths import DATA_DIR_ENV, MIRROR_ENV, READS_LOG_ENV, ROOT_ENV

pytestmark = pytest.mark.mirror

WDI_NEW = "2026-07-01"


@pytest.fixture(scope="module")
def fresh(mirror, tmp_path_factory):
    """The book's catalog over an empty data directory, fetched from the mirror."""
    data = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ROOT_ENV, str(ROOT))
        mp.setenv(DATA_DIR_ENV, str(data))
        mp.delenv(MIRROR_ENV, raising=False)
        mp.delenv(READS_LOG_ENV, raising=False)
        mp.chdir(ROOT)
        clear_caches()
        # as a user would type it from the checkout: --mirror ../shared/data
        given = os.path.relpath(mirror, ROOT) if mirror == DEFAULT_MIRROR.resolve() else str(mirror)
        result = CliRunner().invoke(main, ["fetch", "--mirror", given])
        assert result.exit_code == 0, result.output
        yield data, result.stdout
        clear_caches()


def test_fetch_verifies_every_catalogued_vintage(fresh):
    data, output = fresh
    lines = output.splitlines()
    catalog = load_catalog()
    expected = {(d.id, v) for d in catalog.datasets.values() for v in d.vintages}
    assert len(expected) == 7
    assert {tuple(line.split()[:2]) for line in lines} == expected
    assert all(line.split()[2] == "fetched" for line in lines)
    assert not (data / "raw" / ".incoming").exists()
    assert (
        data / "raw" / "wdi" / WDI_NEW / "indicators" / "ne.exp.gnfs.zs" / "data.csv"
    ).is_file()  # in IMTRADE_DATA_DIR


def test_world_exports_2008(fresh):
    out = load_indicators(["NE.EXP.GNFS.ZS"], countries=["WLD"])
    row = out[out["year"] == 2008]
    assert row["vintage"].item() == WDI_NEW and row["dataset"].item() == "wdi"
    # Reference value: World Bank WDI, NE.EXP.GNFS.ZS, World, 2008 = 30.6928407075336 in the datahub
    # package (datasets/world-development-indicators@4ebec5a, indicators/ne.exp.gnfs.zs/data.csv).
    assert round(row["value"].item(), 2) == 30.69


def test_every_wdi_indicator_parses_and_validates(fresh):
    warm_cache(vintage=WDI_NEW, jobs=2)  # raises on the first file that fails validation
    s = store()
    index = s.index("wdi", WDI_NEW)
    assert len(index) == 325  # the README of the mirror: 325 indicators
    refs = [r for r in files_to_parse(s, WDI_NEW) if r.dataset == "wdi"]
    assert {r.vintage for r in refs} == {WDI_NEW} and len(refs) == 325
    assert all(s.cache_path(r).is_file() for r in refs)  # each parsed, validated and cached
    frames = [s.parsed(r) for r in refs[::25]]
    assert all(len(f) > 0 and f["iso3"].isin(s.entities["iso3"]).all() for f in frames)


def test_entity_table(fresh):
    entities = load_entities().set_index("iso3")
    assert entities.loc[["WLD", "LMY", "HIC"], "is_aggregate"].all()
    assert not entities.loc[["CHN", "TWN"], "is_aggregate"].any()
    assert entities.loc["CHN", "income_group"] == "Upper middle income"
    assert entities.loc["TWN", "income_group"] == ""  # Gapminder knows Taiwan; the World Bank does not list it
    assert entities.loc["M49_515", "is_aggregate"]


@pytest.mark.parametrize(
    ("dataset", "vintage", "code", "country"),
    [
        ("wdi", "2026-07-01", "NE.EXP.GNFS.ZS", "WLD"),
        ("wdi", "2018-08-01", "NE.EXP.GNFS.ZS", "WLD"),
        ("wb-bulk", "2026-02-24", "BX.GSR.CCIS.CD", "WLD"),
        ("gapminder", "2026-03-01", "industry_workers_percent_of_employment", "CHN"),
        ("owid-co2", "2020-12-09", "co2", "WLD"),
        ("owid-legacy", "2024-10-21", "OWID.WORLD_TRADE.GDP.PWT", "WLD"),
        ("un-sdg", "2020-10-19", "NV_IND_MANF", "M49_515"),
    ],
)
def test_each_dataset_vintage_loads(fresh, dataset, vintage, code, country):
    out = load_indicators(code, countries=[country], vintage=vintage, dataset=dataset)
    assert len(out) > 5 and set(out["dataset"]) == {dataset} and set(out["vintage"]) == {vintage}
    assert out["value"].notna().all()


def test_owid_names_keep_every_economy(fresh):
    """Regression: 'Somalia', 'Faeroe Islands' and 'Puerto Rico' were silently dropped (World Bank
    names differ); OWID's 'North America' was mapped to the World Bank aggregate NAC."""
    labour = load_indicators("OWID.IMP.LABOR_INTENSIVE.GDP", countries=["SOM", "FRO", "PRI"])
    assert set(labour["iso3"]) == {"SOM", "FRO", "PRI"}
    assert "NAC" not in set(load_indicators("OWID.CO2.TRADE_SHARE.GCP2014")["iso3"])


def test_trade_share_is_derived_from_the_mirror(fresh):
    both = load_indicators(["NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS"], countries=["WLD"], years=[2008])
    trade = load_indicators("NE.TRD.GNFS.ZS", countries=["WLD"], years=[2008])
    assert trade["value"].item() == pytest.approx(both["value"].sum())
