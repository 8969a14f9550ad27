"""One class per upstream layout: parsing into the tidy schema, metadata, and each layout's errors.

The files are small ones written by the tests, in the real upstreams' formats; entity codes
are resolved with the entity table of the fake mirror (see conftest).
"""

from __future__ import annotations

import json
from typing import ClassVar

import pandas as pd
import pytest
from conftest import (
    FAKE_BULK,
    FAKE_GAPMINDER,
    FAKE_SDG,
    OWID_TRADE_COLUMN,
    bulk_csv,
    csv_text,
    write,
)

from imtrade.data.entities import build_entity_table, make_resolver
from imtrade.data.layouts import (
    LAYOUTS,
    USER_FILE_FORMATS,
    FileParser,
    Layout,
    ParseContext,
    layout,
    user_file_parser,
)
from imtrade.data.layouts.reading import unit_from_name
from imtrade.data.validation import TIDY_COLUMNS
from imtrade.exceptions import DataValidationError


@pytest.fixture(scope="module")
def resolver(fake_template):
    mirror = fake_template / "mirror"
    read = lambda rel: pd.read_csv(mirror / rel, dtype=str, encoding="utf-8-sig")  # noqa: E731
    wb = read("worldbank-bulk/Metadata_Country_API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_7563.csv")
    wb = wb.loc[:, ~wb.columns.str.startswith("Unnamed")]
    geo = read("gapminder-systema-globalis/ddf--entities--geo--country.csv")
    table = build_entity_table(wb, geo, read("unsd-sdg/2020-10-19/ddf--entities--geo_area.csv"))
    return make_resolver(table, geo)


def parse(name, path, resolver, relpath=None, columns=None, dataset="test", vintage="v1"):
    ctx = ParseContext(dataset, vintage, relpath or path.name, resolver=resolver, columns=columns)
    parser = layout(name) if name in LAYOUTS else user_file_parser(name)
    return parser.parse(path, ctx)


def problems_of(name, path, resolver, **kw) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        parse(name, path, resolver, **kw)
    error = info.value
    assert error.source == str(path), "the message must name the file"
    assert str(path) in str(error) and error.fix
    return error


def as_dict(frame: pd.DataFrame) -> dict[tuple[str, str, int], float]:
    return {(r.indicator, r.iso3, r.year): r.value for r in frame.itertuples(index=False)}


def check_schema(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == TIDY_COLUMNS
    assert frame["year"].dtype == "int64" and frame["value"].dtype == "float64"
    assert not frame.duplicated(["indicator", "iso3", "year"]).any()
    assert frame.equals(frame.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True))


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_catalogued_layout_implements_the_protocol(name):
    parser = layout(name)
    assert isinstance(parser, Layout)
    assert parser.resolves in ("codes", "gapminder", "m49", "names")
    assert layout(name) is parser  # one instance per layout


@pytest.mark.parametrize("name", list(USER_FILE_FORMATS))
def test_user_file_formats_are_parsers(name):
    assert isinstance(user_file_parser(name), FileParser)


def test_unknown_layout_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown layout 'owid-co3'.*owid-co2"):
        layout("owid-co3")
    with pytest.raises(ValueError, match=r"unknown file format 'xlsx'.*tidy-csv"):
        user_file_parser("xlsx")


def test_the_catalog_checks_layout_names_without_importing_pandas():
    """The catalog is read by quick commands (``imtrade data list``): pandas stays unimported."""
    import subprocess
    import sys

    code = "import sys, imtrade.data.catalog; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("name", ["ddf-gapminder", "ddf-sdg", "owid-legacy"])
def test_layouts_that_map_codes_need_the_resolver(tmp_path, name):
    path = write(tmp_path / "x.csv", "geo,geo_area,time,year,Entity,Year,x\n")
    with pytest.raises(ValueError, match="needs the entity resolver"):
        layout(name).parse(path, ParseContext("d", "v", "x.csv"))


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("Exports of goods and services (% of GDP)", "% of GDP"),
        ("GDP (current US$)", "current US$"),
        ("Population, total", ""),
    ],
)
def test_unit_from_name(name, unit):
    assert unit_from_name(name) == unit


# ---------------------------------------------------------------------------------------


class TestDatahubWDI:
    HEADER = ("Country Name", "Country Code", "Year", "Value")
    REL = "indicators/ne.exp.gnfs.zs/data.csv"

    def file(self, tmp_path, rows, header=None):
        return write(
            tmp_path / "indicators" / "ne.exp.gnfs.zs" / "data.csv", csv_text(list(header or self.HEADER), rows)
        )

    def test_parse(self, tmp_path, resolver):
        path = self.file(
            tmp_path,
            [("World", "WLD", 2008, "30.6928407075336"), ("China", "chn", "2008", "34.9"), ("China", "CHN", 2009, "")],
        )
        frame = parse("datahub-wdi", path, resolver, relpath=self.REL, dataset="wdi", vintage="2026-07-01")
        check_schema(frame)
        # code from the folder name, upper-cased; codes upper-cased; blank value = no row
        assert as_dict(frame) == {
            ("NE.EXP.GNFS.ZS", "CHN", 2008): 34.9,
            ("NE.EXP.GNFS.ZS", "WLD", 2008): 30.6928407075336,
        }
        assert set(frame["dataset"]) == {"wdi"} and set(frame["vintage"]) == {"2026-07-01"}

    def test_indicator_files_and_metadata(self, tmp_path):
        files = ["indicators/ne.exp.gnfs.zs/data.csv", "indicators/ne.exp.gnfs.zs/datapackage.json", "README.md"]
        assert layout("datahub-wdi").indicator_files(tmp_path, files) == {
            "NE.EXP.GNFS.ZS": ["indicators/ne.exp.gnfs.zs/data.csv"]
        }
        write(
            tmp_path / "indicators" / "ne.exp.gnfs.zs" / "datapackage.json",
            json.dumps({"title": "Exports of goods and services (% of GDP)", "readme": "Exports are ..."}),
        )
        meta = layout("datahub-wdi").metadata(tmp_path, files)
        assert meta.to_dict("records") == [
            {
                "indicator": "NE.EXP.GNFS.ZS",
                "name": "Exports of goods and services (% of GDP)",
                "unit": "% of GDP",
                "description": "Exports are ...",
            }
        ]

    def test_missing_columns(self, tmp_path, resolver):
        path = self.file(tmp_path, [("World", "WLD", "30.7")], header=["Country Name", "Country Code", "Value"])
        error = problems_of("datahub-wdi", path, resolver, relpath=self.REL)
        assert "missing column(s) 'Year'" in str(error) and "found 'Country Name', 'Country Code', 'Value'" in str(
            error
        )

    def test_every_problem_of_a_file_at_once(self, tmp_path, resolver):
        rows = [
            ("World", "WLD", 2008, "30.69"),  # line 2: fine
            ("World", "WLD", 2009, "n/a"),  # line 3: non-numeric
            ("World", "WLD", 2008, "30.7"),  # line 4: duplicate of line 2
            ("Atlantis", "ATL", 2008, "1.0"),  # line 5: unknown country
            ("World", "WLD", 1650, "2.0"),  # line 6: year out of range
            ("World", "WLD", "2010.5", "2.0"),  # line 7: not a whole year
            ("World", "WLD", 2011, "1,234"),  # line 8: non-numeric (thousands separator)
        ]
        error = problems_of("datahub-wdi", self.file(tmp_path, rows), resolver, relpath=self.REL)
        assert len(error.problems) == 5, error.problems
        text = "\n".join(error.problems)
        assert "column 'Value': 2 non-numeric value(s) (line 3: 'n/a', line 8: '1,234')" in text
        assert "duplicate (indicator, iso3, year) keys (NE.EXP.GNFS.ZS, WLD, 2008) at line(s) 2, 4" in text
        assert "column 'Country Code': 1 unknown country code(s) 'ATL' at line(s) 5" in text
        assert "column 'Year': year(s) out of range 1650 at line(s) 6" in text
        assert "column 'Year': 1 value(s) that are not whole years (line(s) 7)" in text
        assert str(error).startswith(f"{tmp_path / self.REL}: 5 problem(s) found")

    def test_empty_file(self, tmp_path, resolver):
        path = write(tmp_path / self.REL, "")
        assert problems_of("datahub-wdi", path, resolver, relpath=self.REL).problems == ["file is empty"]

    def test_header_only(self, tmp_path, resolver):
        path = self.file(tmp_path, [])
        assert problems_of("datahub-wdi", path, resolver, relpath=self.REL).problems == [
            "no data values found (empty or truncated file?)"
        ]

    def test_truncated_mid_row(self, tmp_path, resolver):
        path = self.file(tmp_path, [("World", "WLD", 2008, "30.69"), ("China", "CHN", 2008, "34.9")])
        path.write_bytes(path.read_bytes()[: -len(b",2008,34.9\n")])  # cut after "China,CHN"
        error = problems_of("datahub-wdi", path, resolver, relpath=self.REL)
        assert "last line 3 is incomplete: 2 of 4 fields (truncated file?)" in error.problems

    def test_complete_last_row_without_line_break_is_fine(self, tmp_path, resolver):
        path = self.file(tmp_path, [("World", "WLD", 2008, "30.69"), ("China", "CHN", 2008, "")])
        path.write_text(path.read_text().rstrip("\n"))  # the last value is blank, but the row is whole
        assert as_dict(parse("datahub-wdi", path, resolver, relpath=self.REL)) == {
            ("NE.EXP.GNFS.ZS", "WLD", 2008): 30.69
        }

    def test_not_utf8(self, tmp_path, resolver):
        path = tmp_path / self.REL
        path.parent.mkdir(parents=True)
        path.write_bytes("Country Name,Country Code,Year,Value\nCôte d'Ivoire,CIV,2008,1\n".encode("latin-1"))
        error = problems_of("datahub-wdi", path, resolver, relpath=self.REL)
        assert error.problems[0].startswith("not UTF-8 text")


class TestWorldBankBulk:
    CODE, NAME = "TX.VAL.MANF.ZS.UN", "Manufactures exports (% of merchandise exports)"

    def file(self, tmp_path, metadata_lines=True, rows=FAKE_BULK, **kw):
        return write(
            tmp_path / "API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_7563.csv",
            bulk_csv(rows, self.CODE, self.NAME, metadata_lines=metadata_lines, **kw),
        )

    @pytest.mark.parametrize("metadata_lines", [True, False], ids=["official", "re-saved"])
    def test_parse_with_and_without_metadata_lines(self, tmp_path, resolver, metadata_lines):
        frame = parse("worldbank-bulk", self.file(tmp_path, metadata_lines), resolver)
        check_schema(frame)
        expected = {(self.CODE, iso, year): v for iso, series in FAKE_BULK.items() for year, v in series.items()}
        assert as_dict(frame) == expected

    def test_spreadsheet_copy_unquoted_without_trailing_commas(self, tmp_path, resolver):
        text = (
            "\ufeffCountry Name,Country Code,Indicator Name,Indicator Code,2019,2020\n"
            'World,WLD,"Manufacturing, value added (current US$)",NV.IND.MANF.CD,1.23E+13,..\n'
        )
        path = write(tmp_path / "API_NV.IND.MANF.CD_DS2_en_csv_v2_5363423.csv", text)
        assert as_dict(parse("worldbank-bulk", path, resolver)) == {("NV.IND.MANF.CD", "WLD", 2019): 1.23e13}

    def test_indicator_files_and_metadata(self, tmp_path):
        self.file(tmp_path)
        files = [
            "API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_7563.csv",
            "Metadata_Country_API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_7563.csv",
        ]
        assert layout("worldbank-bulk").indicator_files(tmp_path, files) == {self.CODE: [files[0]]}
        meta = layout("worldbank-bulk").metadata(tmp_path, files)
        assert meta.to_dict("records") == [
            {"indicator": self.CODE, "name": self.NAME, "unit": "% of merchandise exports", "description": ""}
        ]

    def test_non_numeric_value_names_line_and_year_column(self, tmp_path, resolver):
        path = self.file(tmp_path)
        path.write_text(path.read_text(encoding="utf-8-sig").replace('"93.4"', '"9e3.4"'), encoding="utf-8")
        error = problems_of("worldbank-bulk", path, resolver)
        # line 7: 4 metadata lines, the header on line 5, World on 6, China on 7
        assert error.problems == ["column '2019': 1 non-numeric value(s) (line 7: '9e3.4')"]

    def test_unknown_code_and_duplicate_row(self, tmp_path, resolver):
        rows = {"WLD": {2019: 1.0}, "XXA": {2019: 2.0}}
        path = self.file(tmp_path, rows=rows)
        text = path.read_text(encoding="utf-8-sig")
        path.write_text(text + text.splitlines()[5] + "\n", encoding="utf-8")  # the World row again, line 8
        error = problems_of("worldbank-bulk", path, resolver)
        assert len(error.problems) == 2
        assert "column 'Country Code': 1 unknown country code(s) 'XXA' at line(s) 7" in error.problems[1]
        assert "keys (TX.VAL.MANF.ZS.UN, WLD, 2019) at line(s) 6, 8" in error.problems[0]

    def test_year_column_out_of_range(self, tmp_path, resolver):
        path = self.file(tmp_path, rows={"WLD": {1650: 3.0, 2019: 1.0}}, years=[1650, 2019])
        error = problems_of("worldbank-bulk", path, resolver)
        assert error.problems == [
            "column 'year columns (header)': year(s) out of range 1650 at line(s) 6 (allowed: 1700-2100)"
        ]

    def test_no_header_row(self, tmp_path, resolver):
        path = write(tmp_path / "API_X_DS2_en_csv_v2_1.csv", '"Data Source","WDI",\n\n"Code","Name",\n"X","Y",\n')
        assert problems_of("worldbank-bulk", path, resolver).problems == [
            "no header row starting with 'Country Name' in the first 12 lines"
        ]

    def test_missing_columns_and_no_years(self, tmp_path, resolver):
        path = write(tmp_path / "API_X_DS2_en_csv_v2_1.csv", "Country Name,Country Code,Indicator Name\nWorld,WLD,X\n")
        assert "missing column(s) 'Indicator Code'" in problems_of("worldbank-bulk", path, resolver).problems[0]
        path = write(
            tmp_path / "API_X_DS2_en_csv_v2_1.csv",
            "Country Name,Country Code,Indicator Name,Indicator Code\nWorld,WLD,X,X\n",
        )
        assert problems_of("worldbank-bulk", path, resolver).problems == ["no year columns (1960, 1961, ...) found"]

    def test_truncated_inside_a_quoted_cell(self, tmp_path, resolver):
        path = self.file(tmp_path)
        path.write_bytes(path.read_bytes()[:-40])
        error = problems_of("worldbank-bulk", path, resolver)
        assert "truncated file?" in error.problems[0]

    def test_complete_file_without_final_line_break(self, tmp_path, resolver):
        """Trailing commas leave the last cell empty: that is no sign of truncation."""
        path = self.file(tmp_path)
        path.write_text(path.read_text(encoding="utf-8-sig").rstrip("\n"), encoding="utf-8")
        assert len(parse("worldbank-bulk", path, resolver)) == 6


class TestDDFGapminder:
    CONCEPT = "industry_workers_percent_of_employment"

    def file(self, tmp_path, rows):
        rel = f"countries-etc-datapoints/ddf--datapoints--{self.CONCEPT}--by--geo--time.csv"
        return write(tmp_path / rel, csv_text(["geo", "time", self.CONCEPT], rows)), rel

    def test_parse_lower_case_codes_and_entities_without_iso3(self, tmp_path, resolver):
        rows = [(g, y, v) for g, series in FAKE_GAPMINDER.items() for y, v in series.items()] + [("DEU", 2010, 24.0)]
        path, rel = self.file(tmp_path, rows)
        frame = parse("ddf-gapminder", path, resolver, relpath=rel)
        check_schema(frame)
        expected = {
            (self.CONCEPT, g.upper(), y): v
            for g, series in FAKE_GAPMINDER.items()
            if g != "ussr"
            for y, v in series.items()
        }
        expected[(self.CONCEPT, "DEU", 2010)] = 24.0  # upper-case code accepted too
        assert as_dict(frame) == expected  # the USSR (no ISO3) is left out; Taiwan (Gapminder only) kept

    def test_unknown_and_empty_codes(self, tmp_path, resolver):
        path, rel = self.file(
            tmp_path, [("chn", 2010, 1.0), ("atlantis", 2010, 2.0), ("", 2010, 3.0), ("usa", "20x0", 4.0)]
        )
        error = problems_of("ddf-gapminder", path, resolver, relpath=rel)
        assert error.problems == [
            "column 'geo': unknown Gapminder code(s) atlantis at line(s) 3 "
            "(use the codes of ddf--entities--geo--country.csv)",
            "column 'geo': empty code at line(s) 4",
            "column 'time': 1 value(s) that are not whole years (line(s) 5)",
        ]

    def test_missing_concept_column(self, tmp_path, resolver):
        rel = f"countries-etc-datapoints/ddf--datapoints--{self.CONCEPT}--by--geo--time.csv"
        path = write(tmp_path / rel, "geo,time,other\nchn,2010,1\n")
        assert (
            f"missing column(s) '{self.CONCEPT}'"
            in problems_of("ddf-gapminder", path, resolver, relpath=rel).problems[0]
        )

    def test_metadata_names_the_underlying_source(self, tmp_path):
        write(
            tmp_path / "ddf--concepts.csv",
            csv_text(
                ["concept", "name", "source", "source_url", "description"],
                [(self.CONCEPT, "Industry workers (% of employment)", "ILO", "https://ilostat.ilo.org", "Modelled.")],
            ),
        )
        files = [f"countries-etc-datapoints/ddf--datapoints--{self.CONCEPT}--by--geo--time.csv", "ddf--concepts.csv"]
        [row] = layout("ddf-gapminder").metadata(tmp_path, files).to_dict("records")
        assert row == {
            "indicator": self.CONCEPT,
            "name": "Industry workers (% of employment)",
            "unit": "% of employment",
            "description": "Modelled. Underlying source: ILO https://ilostat.ilo.org",
        }


class TestDDFSdg:
    REL = "ddf--datapoints--nv_ind_manf--by--geo_area--nature--units--year.csv"

    def file(self, tmp_path, rows):
        return write(tmp_path / self.REL, csv_text(["geo_area", "nature", "units", "year", "nv_ind_manf"], rows))

    def test_m49_codes_world_and_developing_regions(self, tmp_path, resolver):
        rows = [(g, "m", "percent", y, v) for g, series in FAKE_SDG.items() for y, v in series.items()] + [
            ("0276", "m", "percent", 2010, 18.9)
        ]
        frame = parse("ddf-sdg", self.file(tmp_path, rows), resolver)
        check_schema(frame)
        got = as_dict(frame)
        codes = {"1": "WLD", "156": "CHN", "515": "M49_515", "840": "USA"}  # 1 is the World; 515 developing regions
        expected = {("NV_IND_MANF", codes[g], y): v for g, series in FAKE_SDG.items() for y, v in series.items()}
        expected[("NV_IND_MANF", "DEU", 2010)] = 18.9  # leading zeros of M49 codes are ignored
        assert got == expected

    def test_unknown_m49_code(self, tmp_path, resolver):
        error = problems_of(
            "ddf-sdg",
            self.file(tmp_path, [("1", "m", "percent", 2010, 16.0), ("999", "m", "percent", 2010, 1.0)]),
            resolver,
        )
        assert error.problems == [
            "column 'geo_area': unknown M49 code(s) 999 at line(s) 3 (use the codes of ddf--entities--geo_area.csv)"
        ]

    def test_non_numeric_value_names_the_series_column(self, tmp_path, resolver):
        error = problems_of("ddf-sdg", self.file(tmp_path, [("1", "m", "percent", 2010, "<0.1")]), resolver)
        assert error.problems == ["column 'nv_ind_manf': 1 non-numeric value(s) (line 2: '<0.1')"]

    def test_metadata_from_concepts_selected(self, tmp_path):
        write(
            tmp_path / "concepts_selected.csv",
            "nv_ind_manf,measure,Manufacturing value added as a proportion of GDP (%),9,9.2.1,NV_IND_MANF,9.2\n",
        )
        files = [self.REL, "concepts_selected.csv"]
        assert layout("ddf-sdg").indicator_files(tmp_path, files) == {"NV_IND_MANF": [self.REL]}
        [row] = layout("ddf-sdg").metadata(tmp_path, files).to_dict("records")
        assert row["name"] == "Manufacturing value added as a proportion of GDP (%)" and row["unit"] == "%"


class TestOwidCO2:
    HEADER = ("iso_code", "country", "year", "co2", "co2_per_gdp")

    def file(self, tmp_path, rows):
        return write(tmp_path / "owid-co2-data.csv", csv_text(list(self.HEADER), rows))

    def test_owid_world_code_and_rows_without_code(self, tmp_path, resolver):
        rows = [
            ("OWID_WRL", "World", 2010, 33066.651, 0.336),
            ("CHN", "China", 2010, 8616.654, ""),
            ("", "Africa", 2010, 1239.2, 0.27),
            ("USA", "United States", 1751, 0.0, ""),
        ]
        frame = parse("owid-co2", self.file(tmp_path, rows), resolver)
        check_schema(frame)
        assert as_dict(frame) == {
            ("co2", "WLD", 2010): 33066.651,
            ("co2_per_gdp", "WLD", 2010): 0.336,
            ("co2", "CHN", 2010): 8616.654,
            ("co2", "USA", 1751): 0.0,
        }
        # the index comes from the data file's header row: every value column, not the id columns
        assert layout("owid-co2").indicator_files(tmp_path, ["owid-co2-data.csv", "owid-co2-codebook.csv"], {}) == {
            "co2": ["owid-co2-data.csv"],
            "co2_per_gdp": ["owid-co2-data.csv"],
        }

    def test_unknown_owid_code_and_bad_cell_name_their_columns(self, tmp_path, resolver):
        rows = [("OWID_EU27", "EU-27", 2010, 2900.0, 0.2), ("CHN", "China", 2010, "8616.6x", 0.7)]
        error = problems_of("owid-co2", self.file(tmp_path, rows), resolver)
        assert error.problems == [
            "column 'co2': 1 non-numeric value(s) (line 3: '8616.6x')",
            "column 'iso_code': 1 unknown country code(s) 'OWID_EU27' at line(s) 2 "
            "(use ISO 3166-1 alpha-3 or World Bank aggregate codes; `imtrade data entities` lists them)",
        ]

    def test_metadata_units_from_codebook(self, tmp_path):
        write(
            tmp_path / "owid-co2-codebook.csv",
            csv_text(
                ["column", "description", "source"],
                [
                    ("iso_code", "ISO", "ISO"),
                    ("co2", "Annual emissions of CO2, measured in million tonnes per year.", "GCP"),
                ],
            ),
        )
        [row] = layout("owid-co2").metadata(tmp_path, ["owid-co2-data.csv", "owid-co2-codebook.csv"]).to_dict("records")
        assert (
            row["indicator"] == "co2"
            and row["unit"] == "million tonnes per year"
            and row["description"].endswith("Source: GCP")
        )


class TestOwidLegacy:
    REL = "Globalization_over_5_centuries/Globalization_over_5_centuries.csv"
    COLUMNS: ClassVar[dict[str, str]] = {OWID_TRADE_COLUMN: "OWID.WORLD_TRADE.GDP.PWT"}

    def file(self, tmp_path, rows, header=("Entity", "Year", OWID_TRADE_COLUMN)):
        return write(tmp_path / self.REL, csv_text(list(header), rows))

    def test_entity_names_to_iso3(self, tmp_path, resolver):
        rows = [
            ("World", 2010, 57.17),
            ("United States", 2010, 30.1),
            ("South Korea", 2010, 101.2),
            ("Somalia", 2010, 60.0),
            ("Taiwan", 2010, 120.0),
            ("Africa", 2010, 55.5),
            ("North America", 2010, 31.0),
        ]
        frame = parse("owid-legacy", self.file(tmp_path, rows), resolver, relpath=self.REL, columns=self.COLUMNS)
        check_schema(frame)
        code = "OWID.WORLD_TRADE.GDP.PWT"
        # 'Somalia' is Gapminder's name of the World Bank's 'Somalia, Fed. Rep.'; regions are left out,
        # and OWID's 'North America' is not the World Bank aggregate NAC (USA, Canada, Bermuda).
        assert as_dict(frame) == {
            (code, "WLD", 2010): 57.17,
            (code, "USA", 2010): 30.1,
            (code, "KOR", 2010): 101.2,
            (code, "SOM", 2010): 60.0,
            (code, "TWN", 2010): 120.0,
        }

    def test_alias_to_an_economy_missing_from_the_entity_table(self, tmp_path, resolver):
        """'Cote d'Ivoire' is an alias of CIV, which the fake entity table lacks: reported, not dropped."""
        error = problems_of(
            "owid-legacy",
            self.file(tmp_path, [("Cote d'Ivoire", 2010, 80.0)]),
            resolver,
            relpath=self.REL,
            columns=self.COLUMNS,
        )
        assert error.problems[0].startswith("column 'Entity': 1 unknown country code(s) 'CIV' at line(s) 2")

    def test_unknown_entity_name_is_an_error(self, tmp_path, resolver):
        rows = [("World", 2010, 57.17), ("Atlantis", 2010, 1.0), ("Atlantis", 2011, 1.0), ("Africa", 2010, 55.5)]
        error = problems_of("owid-legacy", self.file(tmp_path, rows), resolver, relpath=self.REL, columns=self.COLUMNS)
        assert error.problems == [
            "column 'Entity': 1 unknown entity name(s) 'Atlantis' at line(s) 3, 4 "
            "(add the name to NAME_ALIASES or REGION_NAMES in src/imtrade/data/entities.py)"
        ]

    def test_column_codes_from_catalog_or_generated(self, tmp_path, resolver):
        header = ("Entity", "Year", OWID_TRADE_COLUMN, "Share of industry (%)")
        frame = parse(
            "owid-legacy",
            self.file(tmp_path, [("World", 2010, 57.17, 20.0)], header=header),
            resolver,
            relpath=self.REL,
            columns=self.COLUMNS,
        )
        assert sorted(frame["indicator"]) == ["OWID.SHARE_OF_INDUSTRY", "OWID.WORLD_TRADE.GDP.PWT"]
        # the index (from the header row) names the same codes as the parsed rows
        other = "Other/Other.csv"
        write(tmp_path / other, csv_text(["Entity", "Year", "Share of industry (%)"], [("World", 2010, 1.0)]))
        index = layout("owid-legacy").indicator_files(
            tmp_path, [self.REL, other, "Other/datapackage.json"], self.COLUMNS
        )
        assert index == {"OWID.WORLD_TRADE.GDP.PWT": [self.REL], "OWID.SHARE_OF_INDUSTRY": [self.REL, other]}

    def test_non_numeric_cell_names_its_column(self, tmp_path, resolver):
        error = problems_of(
            "owid-legacy",
            self.file(tmp_path, [("World", 2010, "lots")]),
            resolver,
            relpath=self.REL,
            columns=self.COLUMNS,
        )
        assert error.problems == [f"column {OWID_TRADE_COLUMN!r}: 1 non-numeric value(s) (line 2: 'lots')"]

    def test_metadata(self, tmp_path):
        self.file(tmp_path, [("World", 2010, 57.17)])
        write(
            tmp_path / "Globalization_over_5_centuries" / "datapackage.json",
            json.dumps(
                {
                    "resources": [
                        {
                            "schema": {
                                "fields": [{"name": OWID_TRADE_COLUMN, "description": "Exports plus imports over GDP."}]
                            }
                        }
                    ]
                }
            ),
        )
        [row] = (
            layout("owid-legacy")
            .metadata(tmp_path, [self.REL, "Globalization_over_5_centuries/datapackage.json"], self.COLUMNS)
            .to_dict("records")
        )
        assert row == {
            "indicator": "OWID.WORLD_TRADE.GDP.PWT",
            "name": OWID_TRADE_COLUMN,
            "unit": "% of GDP",
            "description": "Exports plus imports over GDP.",
        }


class TestTidyCSV:
    def test_any_case_columns_and_extra_columns(self, tmp_path, resolver):
        path = write(
            tmp_path / "mine.csv",
            "Indicator,ISO3,Year,Value,Note\nne.exp.gnfs.zs,wld,2008,30.5,checked\nNE.EXP.GNFS.ZS,CHN,2008,,\n",
        )
        frame = parse("tidy-csv", path, resolver, dataset="wdi", vintage="mine")
        check_schema(frame)
        assert as_dict(frame) == {("NE.EXP.GNFS.ZS", "WLD", 2008): 30.5}

    def test_missing_columns(self, tmp_path, resolver):
        path = write(tmp_path / "mine.csv", "indicator,country,year,value\nX,WLD,2008,1\n")
        error = problems_of("tidy-csv", path, resolver)
        assert error.problems == ["missing column(s) 'iso3'; found 'indicator', 'country', 'year', 'value', '_line'"]

    def test_empty_country_and_bad_values_together(self, tmp_path, resolver):
        path = write(tmp_path / "mine.csv", "indicator,iso3,year,value\nX,,2008,1\nX,WLD,2008,abc\nX,WLD,2009,inf\n")
        error = problems_of("tidy-csv", path, resolver)
        assert error.problems == [
            "column 'value': 1 non-numeric value(s) (line 3: 'abc')",
            "column 'iso3': 1 empty value(s) at line(s) 2",
            "column 'value' non-finite value(s) inf at line(s) 4",
        ]
