"""The public data API over the fake project: filters, lookups, derived series, errors, metadata."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import (
    FAKE_GAPMINDER,
    FAKE_SDG,
    FAKE_WDI,
    FAKE_WDI_OLD,
    WDI_NEW,
    WDI_OLD,
    clear_caches,
)

from imtrade.data.catalog import LOCAL_STAMP
from imtrade.data.derived import DERIVED, compute
from imtrade.data.layouts.worldbank import DatahubWDI
from imtrade.data.load import (
    data_reads,
    indicator_metadata,
    load_entities,
    load_indicators,
    store,
    wide,
)
from imtrade.data.validation import TIDY_COLUMNS
from imtrade.data.vintages import write_local_vintage
from imtrade.exceptions import (
    DataNotFetchedError,
    DataValidationError,
    UnknownCountryError,
    UnknownIndicatorError,
    UnknownVintageError,
)

EXP, IMP, GDP = "NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS", "NY.GDP.MKTP.CD"


def values(frame: pd.DataFrame) -> dict[tuple[str, str, int], float]:
    return {(r.indicator, r.iso3, r.year): r.value for r in frame.itertuples(index=False)}


class TestLoadIndicators:
    def test_reference_value_and_schema(self, fetched):
        out = load_indicators([EXP], countries=["WLD"])
        assert list(out.columns) == TIDY_COLUMNS
        assert out["year"].dtype == "int64" and out["value"].dtype == "float64"
        # 30.69: the fake file copies the real mirror's World exports (% of GDP) for 2008
        assert values(out) == {(EXP, "WLD", y): FAKE_WDI[(EXP, "WLD", y)] for y in (2007, 2008, 2009)}
        assert out.loc[out["year"] == 2008, "value"].item() == 30.69
        assert set(out["dataset"]) == {"wdi"} and set(out["vintage"]) == {WDI_NEW}

    def test_filters(self, fetched):
        everything = load_indicators([EXP, IMP])
        assert len(everything) == 24 and everything.equals(
            everything.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True)
        )
        assert set(load_indicators(EXP, countries="chn")["iso3"]) == {"CHN"}  # one code, any case
        assert load_indicators(EXP, countries=["USA", "CHN"], years=(2008, None))["year"].tolist() == [
            2008,
            2009,
            2008,
            2009,
        ]
        assert load_indicators(EXP, countries=["USA"], years=(None, 2007))["year"].tolist() == [2007]
        assert load_indicators(EXP, countries=["USA"], years=[2007, 2009])["year"].tolist() == [2007, 2009]
        assert load_indicators(EXP, countries=["USA"], years=(2030, 2040)).empty
        assert load_indicators([EXP, EXP], countries=["USA"], years=[2007]).shape[0] == 1  # repeated code once

    def test_older_vintage(self, fetched):
        out = load_indicators(EXP, vintage=WDI_OLD)
        assert values(out) == FAKE_WDI_OLD and set(out["vintage"]) == {WDI_OLD}

    def test_other_datasets_are_searched_in_order(self, fetched):
        sdg = load_indicators("NV_IND_MANF", countries=["WLD", "M49_515", "CHN"], years=[2010])
        assert values(sdg) == {
            ("NV_IND_MANF", "CHN", 2010): FAKE_SDG["156"][2010],
            ("NV_IND_MANF", "M49_515", 2010): FAKE_SDG["515"][2010],
            ("NV_IND_MANF", "WLD", 2010): FAKE_SDG["1"][2010],
        }
        assert set(sdg["dataset"]) == {"un-sdg"}
        gm = load_indicators("industry_workers_percent_of_employment", countries=["TWN"])
        assert values(gm) == {
            ("industry_workers_percent_of_employment", "TWN", y): v for y, v in FAKE_GAPMINDER["twn"].items()
        }
        assert load_indicators("co2", countries=["WLD"], years=[2010])["value"].item() == 33066.651
        assert set(load_indicators("OWID.WORLD_TRADE.GDP.PWT")["iso3"]) == {"WLD", "USA", "KOR", "SOM"}
        # the vintage of one dataset leaves the others at their defaults
        assert set(load_indicators("NV_IND_MANF", vintage=WDI_OLD)["vintage"]) == {"2020-10-19"}

    def test_dataset_restricts_the_search(self, fetched):
        assert set(load_indicators("TX.VAL.MANF.ZS.UN", dataset="wb-bulk")["dataset"]) == {"wb-bulk"}
        with pytest.raises(UnknownIndicatorError) as info:
            load_indicators(EXP, dataset="gapminder")
        assert f"it exists in: wdi {WDI_NEW}" in str(info.value)

    def test_second_load_comes_from_the_parquet_cache(self, fetched, monkeypatch):
        first = load_indicators(EXP)
        cached = list((fetched.cache / "wdi" / WDI_NEW).glob("indicators__ne.exp.gnfs.zs__data-*.parquet"))
        assert len(cached) == 1
        clear_caches()  # as in a new process: nothing in memory

        def no_parsing(*args, **kwargs):
            raise AssertionError("the raw file was parsed again")

        monkeypatch.setattr(DatahubWDI, "parse", no_parsing)
        assert load_indicators(EXP).equals(first)

    def test_data_reads_lists_raw_files_with_checksums(self, fetched):
        load_indicators(EXP, countries=["WLD"])
        reads = {r["path"]: r for r in data_reads()}
        assert "indicators/ne.exp.gnfs.zs/data.csv" in reads
        assert any(p.startswith("Metadata_Country_") for p in reads)  # the entity table's inputs
        manifest = (fetched.root / "data" / "manifests" / "wdi" / f"{WDI_NEW}.tsv").read_text()
        assert reads["indicators/ne.exp.gnfs.zs/data.csv"]["sha256"] in manifest


class TestDerived:
    def test_trade_is_exports_plus_imports(self, fetched):
        trade = load_indicators("NE.TRD.GNFS.ZS")
        inputs = values(load_indicators([EXP, IMP]))
        assert len(trade) == 12 and set(trade["dataset"]) == {"derived:wdi"} and set(trade["vintage"]) == {WDI_NEW}
        for (_, iso, year), value in values(trade).items():
            assert value == pytest.approx(inputs[(EXP, iso, year)] + inputs[(IMP, iso, year)])

    def test_exports_in_dollars(self, fetched):
        out = values(load_indicators("NE.EXP.GNFS.CD", countries=["WLD"], years=[2008]))
        assert out == {("NE.EXP.GNFS.CD", "WLD", 2008): pytest.approx(30.69 / 100 * FAKE_WDI[(GDP, "WLD", 2008)])}

    def test_employment_share_from_gapminder(self, fetched):
        out = load_indicators("SL.IND.EMPL.ZS", countries=["CHN"])
        assert values(out) == {("SL.IND.EMPL.ZS", "CHN", y): v for y, v in FAKE_GAPMINDER["chn"].items()}
        assert set(out["dataset"]) == {"derived:gapminder"}

    def test_no_rows_where_no_input_data(self, fetched):
        out = load_indicators(["NE.TRD.GNFS.ZS", EXP], countries=["USA"], years=[1990])
        assert out.empty and list(out.columns) == TIDY_COLUMNS

    def test_missing_input_is_named(self, fetched):
        with pytest.raises(UnknownIndicatorError, match=re.escape("no indicator 'NV.IND.TOTL.ZS'")):
            load_indicators("NV.IND.TOTL.CD")

    def test_formulas_on_hand_made_inputs(self):
        rows = [
            ("wdi", "v", "TX.VAL.TECH.CD", "A", 2000, 50.0),
            ("wdi", "v", "TX.VAL.TECH.MF.ZS", "A", 2000, 25.0),
            ("wdi", "v", "TX.VAL.TECH.CD", "B", 2000, 5.0),
            ("wdi", "v", "TX.VAL.TECH.MF.ZS", "B", 2000, 0.0),
            ("wdi", "v", "TX.VAL.TECH.CD", "C", 2000, 5.0),
        ]
        out = compute(DERIVED["TX.VAL.MANF.CD"], pd.DataFrame(rows, columns=TIDY_COLUMNS))
        # 50 / 25 % = 200; a zero share and a missing input give no value
        assert values(out) == {("TX.VAL.MANF.CD", "A", 2000): 200.0}
        rows = [
            ("wdi", "v", EXP, "A", 2000, 10.0),
            ("wdi", "v", GDP, "A", 2000, 1000.0),
            ("wdi", "v", "TX.VAL.MRCH.CD.WT", "A", 2000, 60.0),
        ]
        out = compute(DERIVED["SERV.EXP.APPROX.CD"], pd.DataFrame(rows, columns=TIDY_COLUMNS))
        assert values(out) == {("SERV.EXP.APPROX.CD", "A", 2000): 40.0}

    def test_published_series_wins_over_the_derived_one(self, fetched):
        published = pd.DataFrame({"indicator": "NE.TRD.GNFS.ZS", "iso3": ["WLD"], "year": [2008], "value": [61.5]})
        write_local_vintage(published, "api-test", origin="worldbank-api", base=WDI_NEW)
        out = load_indicators("NE.TRD.GNFS.ZS", countries=["WLD"], vintage="api-test")
        assert values(out) == {("NE.TRD.GNFS.ZS", "WLD", 2008): 61.5} and set(out["dataset"]) == {"wdi"}


class TestErrors:
    def test_unknown_indicator_with_suggestions(self, fetched):
        with pytest.raises(UnknownIndicatorError) as info:
            load_indicators("NE.EXP.GNFS.Z")
        assert f"no indicator 'NE.EXP.GNFS.Z' in wdi {WDI_NEW}" in str(info.value)
        assert "did you mean NE.EXP.GNFS.ZS" in str(info.value) and "imtrade data indicators" in info.value.fix
        with pytest.raises(UnknownIndicatorError, match=re.escape("did you mean NE.EXP.GNFS.ZS")):
            load_indicators("ne.exp.gnfs.zs")

    def test_unknown_country_with_suggestions(self, fetched):
        with pytest.raises(UnknownCountryError) as info:
            load_indicators(EXP, countries=["WLD", "CHM"])
        assert "CHM (did you mean CHN China" in str(info.value) and info.value.fix

    def test_unknown_vintage_lists_the_known_ones(self, fetched):
        with pytest.raises(UnknownVintageError) as info:
            load_indicators(EXP, vintage="2026-07-02")
        assert "no dataset has a vintage '2026-07-02'" in str(info.value) and WDI_NEW in str(info.value)
        assert "imtrade data add" in info.value.fix

    def test_nothing_fetched(self, project):
        with pytest.raises(DataNotFetchedError) as info:
            load_indicators(EXP)
        assert "imtrade fetch" in info.value.fix

    def test_the_vintage_asked_for_is_not_fetched(self, project):
        for ds in ("wb-bulk", "gapminder", "un-sdg"):
            project.fetch([ds])
        project.fetch(["wdi"], WDI_NEW)
        assert len(load_indicators(EXP)) == 12
        with pytest.raises(DataNotFetchedError) as info:
            load_indicators(EXP, vintage=WDI_OLD)
        assert f"imtrade fetch wdi --vintage {WDI_OLD}" in info.value.fix

    def test_an_unfetched_dataset_is_not_an_error_unless_needed(self, fetched):
        shutil.rmtree(fetched.raw / "owid-co2")
        assert len(load_indicators(EXP, countries=["WLD"])) == 3
        with pytest.raises(UnknownIndicatorError) as info:
            load_indicators("co2")  # only owid-co2 has it
        assert "not fetched, not searched: owid-co2 2020-12-09" in str(info.value)
        assert "imtrade fetch" in info.value.fix

    def test_invalid_raw_file_changes_nothing(self, fetched):
        """A raw file that fails validation (here: one registered with a bad value) is never cached."""
        src = fetched.mirror / "datahub-wdi" / WDI_NEW / "indicators" / "ne.imp.gnfs.zs" / "data.csv"
        src.write_text(src.read_text().replace("21.75", "21.7.5"))
        fetched.rewrite_manifest("wdi", WDI_NEW, f"datahub-wdi/{WDI_NEW}")
        fetched.fetch(["wdi"], WDI_NEW)
        load_indicators(EXP)  # entity table and a good file cached
        before = fetched.snapshot()
        with pytest.raises(DataValidationError) as info:
            load_indicators(IMP)
        raw = fetched.raw / "wdi" / WDI_NEW / "indicators" / "ne.imp.gnfs.zs" / "data.csv"
        assert str(raw) in str(info.value) and "column 'Value': 1 non-numeric value(s) (line 11: '21.7.5')" in str(
            info.value
        )  # CHN, LMY, USA come first
        assert fetched.snapshot() == before

    def test_fallback_cycle_terminates(self, fetched):
        for name, base in (("a", "b"), ("b", "a")):
            write_local_vintage(
                pd.DataFrame({"indicator": ["X.ONE"], "iso3": ["WLD"], "year": [2000], "value": [1.0]}),
                name,
                origin="user",
                base=WDI_NEW,
            )
            stamp = fetched.raw / "wdi" / name / LOCAL_STAMP
            stamp.write_text(json.dumps({**json.loads(stamp.read_text()), "base": base}))
        with pytest.raises(UnknownIndicatorError, match=re.escape("no indicator 'X.TWO' in wdi a, wdi b, wb-bulk")):
            load_indicators("X.TWO", vintage="a")


class TestMetadataAndHelpers:
    def test_indicator_metadata(self, fetched):
        meta = indicator_metadata()
        assert list(meta.columns) == ["indicator", "name", "unit", "description", "dataset", "vintage"]
        assert meta["indicator"].is_unique
        row = meta.set_index("indicator")
        assert row.loc[EXP, "name"] == "Exports of goods and services (% of GDP)" and row.loc[EXP, "unit"] == "% of GDP"
        assert row.loc[EXP, "dataset"] == "wdi" and row.loc[EXP, "vintage"] == WDI_NEW
        assert (
            row.loc["NE.TRD.GNFS.ZS", "dataset"] == "derived"
            and "exports of goods and services" in row.loc["NE.TRD.GNFS.ZS", "description"]
        )
        assert row.loc["NV_IND_MANF", "unit"] == "%" and row.loc["co2", "unit"] == "million tonnes per year"
        assert row.loc["OWID.WORLD_TRADE.GDP.PWT", "unit"] == "% of GDP"
        assert row.loc["TX.VAL.MANF.ZS.UN", "dataset"] == "wb-bulk"

    def test_metadata_of_chosen_codes_in_order(self, fetched):
        meta = indicator_metadata(["NV_IND_MANF", EXP])
        assert meta["indicator"].tolist() == ["NV_IND_MANF", EXP]
        assert indicator_metadata([EXP], vintage=WDI_OLD)["vintage"].item() == WDI_OLD

    def test_metadata_of_unknown_code(self, fetched):
        with pytest.raises(UnknownIndicatorError) as info:
            indicator_metadata(["NE.EXP.GNFS.ZZ"])
        assert "NE.EXP.GNFS.ZZ (did you mean NE.EXP.GNFS.ZS" in str(info.value) and info.value.fix

    def test_entities_and_wide(self, fetched):
        everything = load_entities()
        economies = load_entities(include_aggregates=False)
        assert {"WLD", "LMY", "M49_515"} <= set(everything["iso3"]) and not {"WLD", "LMY", "M49_515"} & set(
            economies["iso3"]
        )
        assert store().entities is store().entities  # built once per process
        table = wide(load_indicators([EXP, IMP], countries=["WLD"]))
        assert list(table.columns) == [EXP, IMP] and table.loc[("WLD", 2008), EXP] == 30.69
        assert np.isclose(table.loc[("WLD", 2009), IMP], FAKE_WDI[(IMP, "WLD", 2009)])


def test_api_names_resolve_to_their_defining_modules():
    """imtrade.api only re-exports: every name is the object its defining module holds."""
    import importlib

    import imtrade.api as api

    for name, module in api._EXPORTS.items():
        assert getattr(api, name) is getattr(importlib.import_module(module), name), name
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        api.nonexistent  # noqa: B018
