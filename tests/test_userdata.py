"""`imtrade data add FILE`: a user's World Bank bulk CSV or tidy CSV as a new local WDI vintage."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from conftest import FAKE_WDI, FAKE_WDI_OLD, WDI_NEW, WDI_OLD, bulk_csv, write

from imtrade.data.catalog import LOCAL_STAMP, load_catalog, read_manifest, scan_directory
from imtrade.data.fetch import is_fetched
from imtrade.data.load import load_indicators
from imtrade.data.vintages import add_user_file, detect_format
from imtrade.exceptions import DataValidationError, ImtradeError, UnknownVintageError

EXP, IMP = "NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS"
MANF = "TX.VAL.MANF.ZS.UN"
# what the user's file says (made-up newer figures)
USER_BULK = {"WLD": {2019: 70.1, 2020: 71.25}, "CHN": {2020: 93.7}, "USA": {2019: 62.3}}


def bulk_file(tmp_path, metadata_lines: bool, rows=USER_BULK):
    return write(
        tmp_path / "downloads" / "API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_99.csv",
        bulk_csv(rows, MANF, "Manufactures exports (% of merchandise exports)", metadata_lines=metadata_lines),
    )


def loaded(code, vintage, **kw):
    out = load_indicators(code, vintage=vintage, **kw)
    return {(r.iso3, r.year): r.value for r in out.itertuples()}, set(out["vintage"])


class TestDetectFormat:
    def test_formats(self, tmp_path):
        assert detect_format(bulk_file(tmp_path, True)) == "worldbank-bulk"
        assert detect_format(bulk_file(tmp_path, False)) == "worldbank-bulk"
        assert detect_format(write(tmp_path / "t.csv", "Indicator,ISO3,Year,Value\nX,WLD,2000,1\n")) == "tidy-csv"

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (b"", "file is empty"),
            (b"\n  \n", "file is empty"),
            ("Pa\xefs,a\xf1o\n".encode("latin-1"), "not UTF-8 text"),
            (b"country,year,exports\nWLD,2000,1\n", "unrecognised layout (header: 'country,year,exports')"),
        ],
    )
    def test_unusable_files(self, tmp_path, content, expected):
        path = tmp_path / "mine.csv"
        path.write_bytes(content)
        with pytest.raises(DataValidationError) as info:
            detect_format(path)
        assert info.value.source == str(path) and info.value.problems == [expected] and info.value.fix


class TestAdd:
    @pytest.mark.parametrize("metadata_lines", [True, False], ids=["official-download", "re-saved-without-metadata"])
    def test_bulk_csv_becomes_a_vintage_with_fallback(self, fetched, tmp_path, metadata_lines):
        result = add_user_file(bulk_file(tmp_path, metadata_lines), name="my-update")
        assert (result.vintage, result.base, result.indicators, result.rows) == ("my-update", WDI_NEW, [MANF], 4)
        assert result.path == fetched.raw / "wdi" / "my-update"
        stamp = json.loads((result.path / LOCAL_STAMP).read_text())
        assert (
            stamp["origin"] == "user"
            and stamp["base"] == WDI_NEW
            and "API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_99.csv" in stamp["notes"]
        )
        assert read_manifest(result.path / "manifest.tsv") == scan_directory(result.path)
        assert is_fetched("wdi", "my-update")
        # the added values ...
        values, vintages = loaded(MANF, "my-update")
        assert values == {(iso, y): v for iso, s in USER_BULK.items() for y, v in s.items()} and vintages == {
            "my-update"
        }
        # ... and the base vintage for every other indicator
        values, vintages = loaded(EXP, "my-update", countries=["WLD"], years=[2008])
        assert values == {("WLD", 2008): 30.69} and vintages == {WDI_NEW}
        # derived series combine the vintage's inputs the same way
        trade = load_indicators("NE.TRD.GNFS.ZS", countries=["WLD"], years=[2008], vintage="my-update")
        assert trade["value"].item() == pytest.approx(30.69 + FAKE_WDI[(IMP, "WLD", 2008)])

    def test_tidy_csv_overrides_the_base_for_its_indicators(self, fetched, tmp_path):
        path = write(
            tmp_path / "my exports.csv",
            "indicator,iso3,year,value,source\n"
            "NE.EXP.GNFS.ZS,WLD,2008,31.5,my estimate\nne.exp.gnfs.zs,usa,2010,11.2,\nMY.INDEX,CHN,2020,1.5,\n",
        )
        result = add_user_file(path)
        assert result.vintage == f"user-my-exports-{date.today().isoformat()}"
        assert result.indicators == ["MY.INDEX", EXP] and result.rows == 3  # sorted
        values, _ = loaded(EXP, result.vintage)
        assert values == {("WLD", 2008): 31.5, ("USA", 2010): 11.2}  # the user's series replaces the whole base series
        (note,) = result.notes  # ... and the command says what of the base series that leaves out
        assert note.startswith(f"{EXP}: the file replaces the whole series of vintage {WDI_NEW}")
        base = load_indicators(EXP, vintage=WDI_NEW)
        assert f"{base['iso3'].nunique() - 2} of its {base['iso3'].nunique()} economies" in note
        assert f"its years outside 2008-2010 (it covers {base['year'].min()}-{base['year'].max()})" in note
        values, vintages = loaded(IMP, result.vintage, countries=["USA"], years=[2007])
        assert values == {("USA", 2007): FAKE_WDI[(IMP, "USA", 2007)]} and vintages == {WDI_NEW}
        assert loaded("MY.INDEX", result.vintage)[0] == {("CHN", 2020): 1.5}

    def test_other_base(self, fetched, tmp_path):
        add_user_file(bulk_file(tmp_path, True), name="on-old", base=WDI_OLD)
        values, vintages = loaded(EXP, "on-old", countries=["WLD"])
        assert values == {("WLD", y): FAKE_WDI_OLD[(EXP, "WLD", y)] for y in (2007, 2008)} and vintages == {WDI_OLD}
        assert load_catalog().dataset("wdi").vintage("on-old").base == WDI_OLD

    def test_adding_again_replaces_the_vintage_only_when_asked(self, fetched, tmp_path):
        add_user_file(bulk_file(tmp_path, True), name="mine")
        assert loaded(MANF, "mine")[0][("WLD", 2020)] == 71.25
        before = fetched.snapshot()
        with pytest.raises(ImtradeError, match="'mine' exists already") as info:  # issue 20: never silently
            add_user_file(bulk_file(tmp_path, True, rows={"WLD": {2020: 72.0}}), name="mine")
        assert "--replace" in str(info.value) and fetched.snapshot() == before
        add_user_file(bulk_file(tmp_path, True, rows={"WLD": {2020: 72.0}}), name="mine", replace=True)
        assert loaded(MANF, "mine")[0] == {("WLD", 2020): 72.0}  # not what this process read before


class TestAddErrors:
    """Each: one error naming the file/row/column and the fix; data/raw and the cache unchanged."""

    @pytest.fixture
    def ready(self, fetched):
        load_indicators(EXP)  # something in the cache too
        return fetched

    def check_unchanged(self, project, before):
        assert project.snapshot() == before

    def test_every_problem_of_the_file_at_once(self, ready, tmp_path):
        path = bulk_file(tmp_path, True, rows={"WLD": {2019: 70.1}, "ATL": {2019: 5.0}, "CHN": {2020: 93.7}})
        text = path.read_text(encoding="utf-8-sig").replace('"93.7"', '"93,7"')
        path.write_text(text + text.splitlines()[5] + "\n", encoding="utf-8")  # the World row twice
        before = ready.snapshot()
        with pytest.raises(DataValidationError) as info:
            add_user_file(path, name="bad")
        message = str(info.value)
        assert message.startswith(f"{path}: 3 problem(s) found")
        assert "column '2020': 1 non-numeric value(s) (line 8: '93,7')" in message
        assert "duplicate (indicator, iso3, year) keys (TX.VAL.MANF.ZS.UN, WLD, 2019) at line(s) 6, 9" in message
        assert "column 'Country Code': 1 unknown country code(s) 'ATL' at line(s) 7" in message
        assert "nothing was changed" in info.value.fix
        self.check_unchanged(ready, before)
        assert "bad" not in load_catalog().dataset("wdi").all_vintages()

    def test_truncated_download(self, ready, tmp_path):
        path = bulk_file(tmp_path, True)
        path.write_bytes(path.read_bytes()[:-9])
        before = ready.snapshot()
        with pytest.raises(DataValidationError, match="truncated file") as info:
            add_user_file(path, name="cut")
        assert str(path) in str(info.value)
        self.check_unchanged(ready, before)

    def test_tidy_csv_missing_column_and_bad_year(self, ready, tmp_path):
        before = ready.snapshot()
        path = write(tmp_path / "t.csv", "indicator,iso3,year,value\nX,WLD,1492,1\nX,WLD,20o8,2\n")
        with pytest.raises(DataValidationError) as info:
            add_user_file(path, name="t")
        assert info.value.problems == [
            "column 'year': 1 value(s) that are not whole years (line(s) 3)",
            "column 'year': year(s) out of range 1492 at line(s) 2 (allowed: 1700-2100)",
        ]
        self.check_unchanged(ready, before)

    @pytest.mark.parametrize(
        ("kwargs", "error", "expected"),
        [
            ({"name": "bad name!"}, ImtradeError, "vintage name 'bad name!' is not allowed"),
            ({"name": WDI_OLD}, ImtradeError, f"'{WDI_OLD}' is a catalogued vintage and cannot be replaced"),
            ({"name": "x", "base": "2030-01-01"}, UnknownVintageError, "dataset 'wdi' has no vintage '2030-01-01'"),
            ({"name": WDI_NEW, "base": WDI_NEW}, ImtradeError, "catalogued vintage"),
        ],
    )
    def test_bad_names_and_bases(self, ready, tmp_path, kwargs, error, expected):
        path = bulk_file(tmp_path, True)
        before = ready.snapshot()
        with pytest.raises(error) as info:
            add_user_file(path, **kwargs)
        assert expected in str(info.value) and info.value.fix
        self.check_unchanged(ready, before)

    def test_impossible_values_for_the_unit_are_refused(self, ready, tmp_path, monkeypatch):
        """Issue 20: -31 % and 150 % for a share, and 1e308, were accepted (chapters then failed opaquely)."""
        from imtrade.data import vintages

        monkeypatch.setattr(vintages, "MIN_REFERENCE", 3)  # the fake base holds a few values per indicator
        path = bulk_file(tmp_path, True, rows={"WLD": {2019: -31.0, 2020: 71.25}, "CHN": {2020: 150.0}})
        exports = write(
            tmp_path / "exports.csv",
            f"indicator,iso3,year,value\n{EXP},WLD,2020,1e308\n{EXP},USA,2020,95\n",
        )
        before = ready.snapshot()
        with pytest.raises(DataValidationError) as info:
            add_user_file(path, name="shares")
        message = str(info.value)
        assert f"{MANF} is a share (% of merchandise exports): negative value(s) WLD 2019: -31" in message
        assert f"{MANF} is a share (% of merchandise exports, 0 to 100 in vintage" in message
        assert "CHN 2020: 150" in message and "nothing was added" in message
        with pytest.raises(DataValidationError, match="more than 1000 times the largest in vintage") as info:
            add_user_file(exports, name="huge")
        assert "WLD 2020: 1e+308" in str(info.value) and "USA" not in str(info.value)
        self.check_unchanged(ready, before)  # nor the cache: the checks read the base without caching it
        monkeypatch.setattr(vintages, "MIN_REFERENCE", 1000)  # too few values to judge by: not checked
        assert add_user_file(path, name="shares").rows == 3

    def test_a_share_above_100_passes_where_the_base_has_such_values(self):
        from imtrade.data.vintages import Reference, implausible_values

        tidy = pd.DataFrame({"indicator": ["X"], "iso3": ["SGP"], "year": [2020], "value": [150.0]})
        reexports = Reference("% of merchandise exports", 100, 0.0, 372.9)  # as TX.VAL.MANF.ZS.UN in WDI 2026-07-01
        assert implausible_values(tidy, {"X": reexports}, "base") == []
        net_imports = Reference("% of total", 100, -61.4, 99.99)  # as EG.USE.COMM.FO.ZS
        assert implausible_values(tidy.assign(value=-20.0), {"X": net_imports}, "base") == []
        assert implausible_values(tidy, {"X": Reference("% of total", 100, 0.0, 99.9)}, "base") != []

    def test_a_fallback_cycle_is_refused(self, ready, tmp_path):
        path = bulk_file(tmp_path, True)
        add_user_file(path, name="a")
        add_user_file(path, name="b", base="a")
        before = ready.snapshot()
        with pytest.raises(ImtradeError) as info:
            add_user_file(path, name="a", base="b", replace=True)
        assert "vintage 'a' cannot fall back to 'b'" in str(info.value) and info.value.fix
        with pytest.raises(ImtradeError, match="cannot fall back"):
            add_user_file(path, name="a", base="a", replace=True)
        self.check_unchanged(ready, before)
