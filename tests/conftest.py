"""Shared fixtures of the data-layer tests.

``project``: a tiny temporary project (its own ``data/catalog.yml`` and checksum manifests)
over a small fake mirror written here, in the upstream layouts of the real mirror; the
environment points IMTRADE_ROOT and IMTRADE_DATA_MIRROR at it. ``mirror``: the real offline
mirror (../shared/data or $IMTRADE_DATA_MIRROR); tests marked ``mirror`` are skipped without it.
Tests marked ``data`` read the project's own fetched data (``make data``) and are skipped when
it is not fetched; ``make test-fast`` deselects ``slow``, ``browser``, ``mirror`` and ``data``.
Every test starts and ends with the package's caches cleared (``clear_caches``).

The fake data are small enough to check by hand; values that tests compare against are the
ones written here (e.g. FAKE_WDI), never copied from the real mirror.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from imtrade.data.load import clear_caches  # the one way tests reset the package's caches
from imtrade.paths import DATA_DIR_ENV, MIRROR_ENV, READS_LOG_ENV, ROOT_ENV

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIRROR = ROOT.parent / "shared" / "data"


# ---------------------------------------------------------------------------------------
# The real mirror


def real_mirror() -> Path | None:
    value = os.environ.get(MIRROR_ENV)
    path = Path(value).expanduser() if value else DEFAULT_MIRROR
    return path.resolve() if (path / "datahub-wdi").is_dir() else None


def project_data_fetched() -> bool:
    """True when the project's own data are fetched (``make data``): the entity table can be built."""
    from imtrade.data.load import load_entities
    from imtrade.exceptions import ImtradeError

    try:
        load_entities()
    except ImtradeError:
        return False
    finally:
        clear_caches()
    return True


def pytest_collection_modifyitems(config, items):
    if real_mirror() is None:
        skip = pytest.mark.skip(reason="no offline data mirror (../shared/data or IMTRADE_DATA_MIRROR)")
        for item in items:
            if "mirror" in item.keywords:
                item.add_marker(skip)
    needs_data = [item for item in items if item.get_closest_marker("data")]
    if needs_data and not project_data_fetched():
        skip = pytest.mark.skip(reason="the project's data are not fetched (make data)")
        for item in needs_data:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def mirror() -> Path:
    path = real_mirror()
    if path is None:
        pytest.skip("no offline data mirror (../shared/data or IMTRADE_DATA_MIRROR)")
    return path


# ---------------------------------------------------------------------------------------
# Caches of the package: cleared around every test


def sample_book(tmp_path: Path, monkeypatch, chapter_source: str, toc: str) -> Path:
    """A small book in tmp_path/book: one sample chapter, the project's config, pages, data
    catalog and vendored MathJax; it reads the project's fetched data (IMTRADE_DATA_DIR)."""
    import shutil

    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    (root / "chapters" / "sample.md").write_text(chapter_source, encoding="utf-8")
    (root / "_toc.yml").write_text(toc, encoding="utf-8")
    (root / "intro.md").write_text("# Sample book\n\nA test book.\n", encoding="utf-8")
    for name in ("_config.yml", "references.bib", "requirements.txt"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "book", root / "book")
    shutil.copytree(ROOT / "data" / "manifests", root / "data" / "manifests")
    shutil.copy(ROOT / "data" / "catalog.yml", root / "data" / "catalog.yml")
    shutil.copytree(ROOT / "_vendor", root / "_vendor")
    monkeypatch.setenv(ROOT_ENV, str(root))
    monkeypatch.setenv(DATA_DIR_ENV, str(ROOT / "data"))
    monkeypatch.chdir(root)
    return root


@dataclass
class ChapterRun:
    """One execution of a chapter of the book (see :func:`run_chapter`)."""

    notebook: Any  # the executed notebook (nbformat)
    values: dict[str, str]  # glued values by name
    errors: list[str]  # error outputs ("Name: message")
    figures: int  # figure outputs
    folder: Path  # where the notebook ran (its tables/ are there)
    result: Any  # imtrade.book.execute.ExecutionResult


def run_chapter(name: str, tmp_path: Path, **params: Any) -> ChapterRun:
    """Execute the book's chapter ``name`` with ``params`` (checked as ``imtrade run`` checks them) in ``tmp_path``."""
    from imtrade.book.execute import execute_chapter
    from imtrade.book.notebooks import errors, figure_count, glued, read
    from imtrade.book.toc import chapter

    ch = chapter(name)
    result = execute_chapter(ch, ch.resolve(params), tmp_path / f"{name}.ipynb", cwd=tmp_path)
    nb = read(result.output)
    return ChapterRun(nb, glued(nb), errors(nb), figure_count(nb), tmp_path, result)


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_caches()
    yield
    clear_caches()


# ---------------------------------------------------------------------------------------
# The fake mirror

WDI_NEW, WDI_OLD = "2026-07-01", "2018-08-01"

# (code, iso3, year) -> value of the fake datahub WDI vintage 2026-07-01
FAKE_WDI: dict[tuple[str, str, int], float] = {}
for _i, (_iso, _name) in enumerate(
    [("WLD", "World"), ("USA", "United States"), ("CHN", "China"), ("LMY", "Low & middle income")]
):
    for _year in (2007, 2008, 2009):
        FAKE_WDI[("NE.EXP.GNFS.ZS", _iso, _year)] = round(20.5 + 3 * _i + 0.25 * (_year - 2007), 4)
        FAKE_WDI[("NE.IMP.GNFS.ZS", _iso, _year)] = round(21.75 + 2 * _i - 0.5 * (_year - 2007), 4)
        FAKE_WDI[("NY.GDP.MKTP.CD", _iso, _year)] = 1.0e12 * (_i + 1) + 1.0e10 * (_year - 2007)
FAKE_WDI[("NE.EXP.GNFS.ZS", "WLD", 2008)] = 30.69  # the figure the real mirror has for WLD 2008
COUNTRY_NAMES = {"WLD": "World", "USA": "United States", "CHN": "China", "LMY": "Low & middle income"}
# the old vintage: exports only, to 2008, other values
FAKE_WDI_OLD = {
    ("NE.EXP.GNFS.ZS", iso, y): 10.0 + k + (y - 2007) for k, iso in enumerate(COUNTRY_NAMES) for y in (2007, 2008)
}

WB_METADATA = [  # Country Code, Region, IncomeGroup, SpecialNotes, TableName
    ("CHN", "East Asia & Pacific", "Upper middle income", "", "China"),
    ("DEU", "Europe & Central Asia", "High income", "", "Germany"),
    ("HIC", "", "", "High income group aggregate.", "High income"),
    ("JPN", "East Asia & Pacific", "High income", "", "Japan"),
    ("KOR", "East Asia & Pacific", "High income", "", "Korea, Rep."),
    ("LMY", "", "", "Low and middle-income group aggregate.", "Low & middle income"),
    ("NAC", "", "", "North America regional aggregate.", "North America"),
    ("SOM", "Sub-Saharan Africa", "Low income", "Notes\nover two lines", "Somalia, Fed. Rep."),
    ("USA", "North America", "High income", "", "United States"),
    ("WLD", "", "", "", "World"),
]
GAPMINDER_GEO = [  # country, iso3166_1_alpha3, iso3166_1_numeric, name
    ("chn", "CHN", "156", "China"),
    ("deu", "DEU", "276", "Germany"),
    ("jpn", "JPN", "392", "Japan"),
    ("kor", "KOR", "410", "South Korea"),
    ("som", "SOM", "706", "Somalia"),
    ("twn", "TWN", "158", "Taiwan"),
    ("usa", "USA", "840", "USA"),
    ("ussr", "", "", "USSR"),
]
SDG_GEO = [
    ("1", "World"),
    ("156", "China"),
    ("158", "Other non-specified areas in Eastern Asia"),
    ("276", "Germany"),
    ("514", "Developed regions (Europe, Cyprus, Israel, Northern America, Japan, Australia & New Zealand)"),
    ("515", "Developing regions"),
    ("840", "United States of America"),
]
# UN SDG NV_IND_MANF (manufacturing value added, % of GDP): geo_area -> {year: value}
FAKE_SDG = {
    "1": {2010: 16.0, 2011: 16.2},
    "156": {2010: 29.31, 2011: 29.5},
    "515": {2010: 20.01, 2011: 20.3},
    "840": {2010: 12.0, 2011: 11.9},
}
# Gapminder employment in industry (% of total): geo -> {year: value}
FAKE_GAPMINDER = {
    "chn": {2009: 27.5, 2010: 28.7},
    "usa": {2009: 19.0, 2010: 18.5},
    "twn": {2009: 35.0, 2010: 35.9},
    "ussr": {1989: 40.0},
}
# World Bank bulk TX.VAL.MANF.ZS.UN: iso3 -> {year: value}
FAKE_BULK = {"WLD": {2019: 70.1, 2020: 71.2}, "CHN": {2019: 93.4, 2020: 93.7}, "USA": {2019: 62.3}, "HIC": {2020: 74.5}}
BULK_YEARS = list(range(2017, 2022))
# OWID CO2: (iso_code, country, year, co2, co2_per_gdp)
FAKE_OWID_CO2 = [
    ("OWID_WRL", "World", 2010, 33066.651, 0.336),
    ("OWID_WRL", "World", 2011, 34400.5, ""),
    ("CHN", "China", 2010, 8616.654, 0.686),
    ("USA", "United States", 2010, 5700.1, 0.381),
    ("", "Africa", 2010, 1239.2, 0.27),
]
OWID_TRADE_COLUMN = "World trade (% of GDP) (PWT 9.0)"
FAKE_OWID_LEGACY = [
    ("World", 2010, 57.17),
    ("United States", 2010, 30.1),
    ("South Korea", 2010, 101.2),
    ("Somalia", 2010, 60.0),
    ("Africa", 2010, 55.5),
    ("North America", 2010, 31.0),
]


def bulk_csv(rows: dict[str, dict[int, float]], code: str, name: str, *, metadata_lines: bool, years=BULK_YEARS) -> str:
    """A World Bank 'Download CSV' file: quoted, trailing commas, optionally 4 metadata lines."""
    names = dict(COUNTRY_NAMES, HIC="High income")
    head = (
        ['"Data Source","World Development Indicators",', "", '"Last Updated Date","2026-02-24",', ""]
        if metadata_lines
        else []
    )
    header = (
        ",".join(
            f'"{c}"' for c in ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *map(str, years)]
        )
        + ","
    )
    lines = [*head, header]
    for iso, values in rows.items():
        cells = [names.get(iso, iso), iso, name, code, *(repr(values[y]) if y in values else "" for y in years)]
        lines.append(",".join(f'"{c}"' for c in cells) + ",")
    return "\ufeff" + "\n".join(lines) + "\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def csv_text(header: list[str], rows) -> str:
    def cell(v):
        v = "" if v is None else str(v)
        return f'"{v}"' if ("," in v or "\n" in v) else v

    return "\n".join([",".join(header), *(",".join(cell(v) for v in row) for row in rows)]) + "\n"


def datahub_csv(values: dict[tuple[str, str, int], float], code: str) -> str:
    rows = [
        (COUNTRY_NAMES[iso], iso, y, repr(v))
        for (c, iso, y), v in sorted(values.items(), key=lambda kv: (kv[0][1], kv[0][2]))
        if c == code
    ]
    return csv_text(["Country Name", "Country Code", "Year", "Value"], rows)


def build_fake_mirror(root: Path) -> Path:
    """Write the fake mirror (same folder names and file layouts as the real one)."""
    for vintage, values in ((WDI_NEW, FAKE_WDI), (WDI_OLD, FAKE_WDI_OLD)):
        for code in sorted({k[0] for k in values}):
            folder = root / "datahub-wdi" / vintage / "indicators" / code.lower()
            write(folder / "data.csv", datahub_csv(values, code))
            title = {
                "NE.EXP.GNFS.ZS": "Exports of goods and services (% of GDP)",
                "NE.IMP.GNFS.ZS": "Imports of goods and services (% of GDP)",
                "NY.GDP.MKTP.CD": "GDP (current US$)",
            }[code]
            write(
                folder / "datapackage.json",
                json.dumps({"title": title, "name": code.lower(), "readme": f"About {title}."}),
            )
    bulk = root / "worldbank-bulk"
    write(
        bulk / "API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_7563.csv",
        bulk_csv(
            FAKE_BULK, "TX.VAL.MANF.ZS.UN", "Manufactures exports (% of merchandise exports)", metadata_lines=True
        ),
    )
    meta = "\ufeff" + csv_text(
        ["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName", ""], [(*r, "") for r in WB_METADATA]
    )
    write(bulk / "Metadata_Country_API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_7563.csv", meta)

    gm = root / "gapminder-systema-globalis"
    write(
        gm / "ddf--entities--geo--country.csv",
        csv_text(
            ["country", "is--country", "iso3166_1_alpha3", "iso3166_1_numeric", "name"],
            [(c, "TRUE", i, n, name) for c, i, n, name in GAPMINDER_GEO],
        ),
    )
    concept = "industry_workers_percent_of_employment"
    write(
        gm / "ddf--concepts.csv",
        csv_text(
            ["concept", "concept_type", "name", "source", "source_url", "description"],
            [
                (
                    concept,
                    "measure",
                    "Industry workers (% of employment)",
                    "ILO",
                    "https://ilostat.ilo.org",
                    "Modelled estimates.",
                )
            ],
        ),
    )
    write(
        gm / "countries-etc-datapoints" / f"ddf--datapoints--{concept}--by--geo--time.csv",
        csv_text(
            ["geo", "time", concept], [(g, y, v) for g, series in FAKE_GAPMINDER.items() for y, v in series.items()]
        ),
    )

    co2 = root / "owid-co2" / "2020-12-09"
    write(co2 / "owid-co2-data.csv", csv_text(["iso_code", "country", "year", "co2", "co2_per_gdp"], FAKE_OWID_CO2))
    write(
        co2 / "owid-co2-codebook.csv",
        csv_text(
            ["column", "description", "source"],
            [
                ("iso_code", "ISO 3166-1 alpha-3", "ISO"),
                ("country", "Geographic location", "OWID"),
                ("year", "Year", "OWID"),
                ("co2", "Annual production-based emissions of CO2, measured in million tonnes per year.", "GCP"),
                ("co2_per_gdp", "CO2 per unit of GDP, measured in kilograms per dollar of GDP.", "GCP"),
            ],
        ),
    )

    legacy = root / "owid-datasets" / "Globalization_over_5_centuries"
    write(
        legacy / "Globalization_over_5_centuries.csv", csv_text(["Entity", "Year", OWID_TRADE_COLUMN], FAKE_OWID_LEGACY)
    )
    write(
        legacy / "datapackage.json",
        json.dumps(
            {
                "resources": [
                    {
                        "schema": {
                            "fields": [
                                {
                                    "name": OWID_TRADE_COLUMN,
                                    "description": "Sum of world exports and imports as a share of world GDP (%).",
                                }
                            ]
                        }
                    }
                ]
            }
        ),
    )

    sdg = root / "unsd-sdg" / "2020-10-19"
    write(sdg / "ddf--entities--geo_area.csv", csv_text(["geo_area", "name"], SDG_GEO))
    write(
        sdg / "concepts_selected.csv",
        "nv_ind_manf,measure,Manufacturing value added as a proportion of GDP (%),9,9.2.1,NV_IND_MANF,9.2\n",
    )
    write(
        sdg / "ddf--datapoints--nv_ind_manf--by--geo_area--nature--units--year.csv",
        csv_text(
            ["geo_area", "nature", "units", "year", "nv_ind_manf"],
            [(g, "m", "percent", y, v) for g, series in FAKE_SDG.items() for y, v in series.items()],
        ),
    )
    return root


def catalog_yaml() -> str:
    """The fake project's catalog: the real catalog's datasets, ids, layouts and mirror paths."""

    def entry(ds, layout, vintages, default, upstream="null", extra=""):
        vs = "".join(
            f'      "{v}":\n        released: "{v}"\n        ref: abc{i}\n        mirror: {m}\n'
            for i, (v, m) in enumerate(vintages)
        )
        return (
            f"  {ds}:\n    title: Fake {ds}\n    producer: Test producer\n    citation: Test citation for {ds}.\n"
            f"    licence: CC-BY-4.0\n    layout: {layout}\n    upstream: {upstream}\n"
            f'    default_vintage: "{default}"\n'
            f"    vintages:\n{vs}{extra}"
        )

    return "version: 1\ndatasets:\n" + "".join(
        [
            entry(
                "wdi",
                "datahub-wdi",
                [(WDI_NEW, f"datahub-wdi/{WDI_NEW}"), (WDI_OLD, f"datahub-wdi/{WDI_OLD}")],
                WDI_NEW,
                upstream="https://example.invalid/wdi/{ref}/{path}",
            ),
            entry("wb-bulk", "worldbank-bulk", [("2026-02-24", "worldbank-bulk")], "2026-02-24"),
            entry("gapminder", "ddf-gapminder", [("2026-03-01", "gapminder-systema-globalis")], "2026-03-01"),
            entry("owid-co2", "owid-co2", [("2020-12-09", "owid-co2/2020-12-09")], "2020-12-09"),
            entry(
                "owid-legacy",
                "owid-legacy",
                [("2024-10-21", "owid-datasets")],
                "2024-10-21",
                extra=f'    indicators:\n      "{OWID_TRADE_COLUMN}": OWID.WORLD_TRADE.GDP.PWT\n',
            ),
            entry("un-sdg", "ddf-sdg", [("2020-10-19", "unsd-sdg/2020-10-19")], "2020-10-19"),
        ]
    )


def write_manifests(root: Path, mirror: Path) -> None:
    import yaml

    from imtrade.data.catalog import scan_directory, write_manifest

    catalog = yaml.safe_load((root / "data" / "catalog.yml").read_text(encoding="utf-8"))
    for ds, spec in catalog["datasets"].items():
        for vid, details in spec["vintages"].items():
            write_manifest(root / "data" / "manifests" / ds / f"{vid}.tsv", scan_directory(mirror / details["mirror"]))


@pytest.fixture(scope="session")
def fake_template(tmp_path_factory) -> Path:
    """Mirror + project skeleton, built once; every test gets its own copy."""
    base = tmp_path_factory.mktemp("template")
    mirror = build_fake_mirror(base / "mirror")
    root = base / "project"
    write(root / "data" / "catalog.yml", catalog_yaml())
    write_manifests(root, mirror)
    return base


# ---------------------------------------------------------------------------------------
# Snapshots of data/raw and data/cache (error paths must leave them unchanged)


def snapshot(*dirs: Path) -> dict[str, str]:
    """Every directory and file under ``dirs`` (relative path -> sha256 or '<dir>')."""
    out: dict[str, str] = {}
    for d in dirs:
        out[str(d)] = "<dir>" if d.is_dir() else "<absent>"
        if d.is_dir():
            for p in sorted(d.rglob("*")):
                out[str(p)] = "<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@dataclass
class Project:
    root: Path
    mirror: Path

    @property
    def paths(self):
        from imtrade.paths import project

        return project()

    @property
    def raw(self) -> Path:
        return self.paths.raw

    @property
    def cache(self) -> Path:
        return self.paths.cache

    def fetch(self, datasets: list[str] | None = None, vintage: str | None = None):
        from imtrade.data.fetch import fetch

        return fetch(datasets, vintage, mirror=self.mirror)

    def snapshot(self) -> dict[str, str]:
        return snapshot(self.raw, self.cache)

    def rewrite_manifest(self, dataset: str, vintage: str, subdir: str) -> None:
        """Regenerate one manifest after a test changed the fake mirror on purpose."""
        from imtrade.data.catalog import scan_directory, write_manifest

        write_manifest(
            self.root / "data" / "manifests" / dataset / f"{vintage}.tsv", scan_directory(self.mirror / subdir)
        )
        clear_caches()


@pytest.fixture
def project(fake_template, tmp_path, monkeypatch) -> Project:
    """A fresh project over its own copy of the fake mirror (nothing fetched yet)."""
    mirror = shutil.copytree(fake_template / "mirror", tmp_path / "mirror")
    root = shutil.copytree(fake_template / "project", tmp_path / "project")
    monkeypatch.setenv(ROOT_ENV, str(root))
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(READS_LOG_ENV, raising=False)
    monkeypatch.chdir(root)
    return Project(root=Path(root), mirror=Path(mirror))


@pytest.fixture
def fetched(project) -> Project:
    """The fake project with every dataset fetched from its mirror."""
    project.fetch()
    return project
