"""Curated tables: one pandera model per table, every problem of a file in one message.

The committed tables must load against their schemas and match the column dictionary of
data/curated/README.md; broken copies are written by the tests into a temporary project.
"""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
from conftest import ROOT

from imtrade.data.curated import SCHEMAS, CuratedTable, curated_tables, load_curated
from imtrade.exceptions import DataValidationError, ImtradeError
from imtrade.paths import READS_LOG_ENV, ROOT_ENV

HEADER = "year,geography,iso3,measure,value,unit,report_edition,citation,url,accessed,verified_primary,note"
GOOD = "2013,World,WLD,installations,178132,units,World Robotics 2014,IFR,https://ifr.org/x,2026-11-23,yes,"


@pytest.fixture
def curated_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "curated"
    folder.mkdir(parents=True)
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    return folder


def write_table(folder, name: str, lines: list[str]) -> None:
    (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def problems(name: str) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        load_curated(name)
    error = info.value
    assert error.source == f"data/curated/{name}.csv", "the message names the file"
    assert "data/curated/README.md" in error.fix
    assert str(error).startswith(f"data/curated/{name}.csv: {len(error.problems)} problem(s) found")
    return error.problems


def test_every_committed_table_has_a_schema_and_loads():
    assert curated_tables() == sorted(SCHEMAS)
    for name, model in SCHEMAS.items():
        frame = load_curated(name)
        assert len(frame) > 0
        columns = model.to_schema().columns
        assert set(frame.columns) == set(columns)
        for column, spec in columns.items():  # numbers typed, text kept as text
            dtype = str(spec.dtype)
            if dtype.startswith(("int", "float")):
                assert str(frame[column].dtype) == dtype, (name, column)
            else:
                assert frame[column].map(lambda v: isinstance(v, str)).all(), (name, column)


def readme_columns() -> dict[str, set[str]]:
    """Column names of each table's dictionary in data/curated/README.md (``a``, ``b`` rows too)."""
    text = (ROOT / "data" / "curated" / "README.md").read_text(encoding="utf-8")
    common = text.split("## Columns common to every table")[1].split("\n## ")[0]
    shared = set(re.findall(r"^\| `([a-z_0-9]+)`", common, flags=re.M))
    tables = {}
    for name, body in re.findall(r"^### `([a-z_0-9]+)\.csv`\n(.*?)(?=^#|\Z)", text, flags=re.M | re.S):
        cells = re.findall(r"^\| ((?:`[a-z_0-9]+`(?:, )?)+) \|", body, flags=re.M)
        tables[name] = shared | {c for cell in cells for c in re.findall(r"`([a-z_0-9]+)`", cell)}
    return tables


def test_readme_column_dictionary_matches_the_schemas():
    documented = readme_columns()
    assert set(documented) == set(SCHEMAS)
    for name, model in SCHEMAS.items():
        assert documented[name] == set(model.to_schema().columns), name


def test_common_columns_are_in_every_schema():
    common = set(CuratedTable.to_schema().columns)
    assert common == {"citation", "url", "accessed", "verified_primary", "note"}
    for model in SCHEMAS.values():
        assert common <= set(model.to_schema().columns)
        assert model.to_schema().strict is True and model.to_schema().coerce is True


def test_every_problem_of_a_file_at_once(curated_dir):
    write_table(
        curated_dir,
        "robot_installations",
        [
            HEADER,
            GOOD,
            "20x3,World,WLD,installations,abc,units,WR2014, ,www.ifr.org,23/11/2026,maybe,",
            "1800,World,WLD,stock,,units,WR2014,IFR,,2026-11-23,no,",
            "2015,World,WLD,installations,12.5,units,WR2014,IFR,https://ifr.org,2026-11-23,Yes,",
        ],
    )
    assert problems("robot_installations") == [
        "column 'year' is not a whole number at line(s) 3: '20x3'",
        "column 'year' must be at least 1900 at line(s) 4: '1800'",  # found although 'year' failed typing
        "column 'measure' must be one of installations, operational_stock, robot_density at line(s) 4: 'stock'",
        "column 'value' is not a whole number at line(s) 3, 5: 'abc', '12.5'",
        "column 'value' is empty at line(s) 4",
        "column 'citation' is empty at line(s) 3",
        "column 'url' is empty at line(s) 4",
        "column 'url' is not an http(s) URL at line(s) 3: 'www.ifr.org'",
        "column 'accessed' is not an ISO date (YYYY-MM-DD) at line(s) 3: '23/11/2026'",
        "column 'verified_primary' must be yes or no at line(s) 3: 'maybe'",
    ]


def test_missing_and_unexpected_columns(curated_dir):
    header = HEADER.replace(",note", ",notes").replace("report_edition,", "")
    write_table(curated_dir, "robot_installations", [header, GOOD.replace("World Robotics 2014,", "")])
    found = problems("robot_installations")
    assert found[:3] == [
        "missing column 'note'",
        "missing column 'report_edition'",
        "unexpected column(s) 'notes' (a new column goes in the table's schema in src/imtrade/data/curated.py "
        "and in data/curated/README.md; or rename it)",
    ]


def test_blank_cells_are_empty_text_or_missing_numbers(curated_dir):
    header = (
        "forecast_year,geography,iso3,measure,value,unit,cagr_pct,cagr_period,made_in_year,forecaster,"
        "citation,url,accessed,verified_primary,note"
    )
    row = "2020,Europe,,installations,,units,15,2018-2020,2017,IFR,IFR press release,https://ifr.org,2026-11-23,no,"
    write_table(curated_dir, "robot_forecasts", [header, row])
    [record] = load_curated("robot_forecasts").to_dict("records")
    assert record["iso3"] == "" and record["note"] == ""
    assert math.isnan(record["value"]) and record["cagr_pct"] == 15.0 and record["made_in_year"] == 2017


def test_a_nullable_year_must_still_be_whole_and_in_range(curated_dir):
    header = "weo_edition,iso3,economy,advanced_from_year,citation,url,accessed,verified_primary,note"
    tail = "IMF WEO,https://imf.org,2026-11-23,yes,"
    write_table(
        curated_dir,
        "imf_weo_advanced_economies",
        [header, f"2024-10,HRV,Croatia,2023.5,{tail}", f"2024-10,AUS,Australia,,{tail}", f"2024-10,X,X,3000,{tail}"],
    )
    assert problems("imf_weo_advanced_economies") == [
        "column 'advanced_from_year' must be at most 2100 at line(s) 4: '3000.0'",
        "column 'advanced_from_year' is not a whole year at line(s) 2: '2023.5'",
    ]


def test_unknown_table_and_table_without_schema(curated_dir):
    write_table(curated_dir, "robot_installations", [HEADER, GOOD])
    with pytest.raises(ImtradeError, match="no curated table 'robots'") as info:
        load_curated("robots")
    assert "robot_installations" in info.value.fix
    write_table(curated_dir, "new_figures", ["year,value,citation,url,accessed,verified_primary,note"])
    with pytest.raises(ImtradeError, match=r"new_figures\.csv has no schema") as info:
        load_curated("new_figures")
    assert "SCHEMAS in src/imtrade/data/curated.py" in info.value.fix


def test_a_valid_load_is_recorded_for_the_build_cache(curated_dir, tmp_path, monkeypatch):
    log = tmp_path / "reads.jsonl"
    monkeypatch.setenv(READS_LOG_ENV, str(log))
    write_table(curated_dir, "robot_installations", [HEADER, GOOD])
    frame = load_curated("robot_installations")
    assert frame["value"].tolist() == [178132]
    [record] = [json.loads(line) for line in log.read_text().splitlines()]
    assert record["dataset"] == "curated" and record["path"] == "data/curated/robot_installations.csv"
    assert len(record["sha256"]) == 64


def test_an_invalid_table_is_not_recorded(curated_dir, tmp_path, monkeypatch):
    log = tmp_path / "reads.jsonl"
    monkeypatch.setenv(READS_LOG_ENV, str(log))
    write_table(curated_dir, "robot_installations", [HEADER, GOOD.replace("https://", "")])
    with pytest.raises(DataValidationError):
        load_curated("robot_installations")
    assert not log.exists()
    assert isinstance(pd.read_csv(curated_dir / "robot_installations.csv"), pd.DataFrame)  # file left as it was


def test_the_data_sources_page_reads_curated_tables_through_the_loader(curated_dir, tmp_path):
    import shutil

    from imtrade.book.pages import data_sources_page
    from imtrade.paths import project

    shutil.copy(ROOT / "data" / "catalog.yml", tmp_path / "data" / "catalog.yml")
    shutil.copytree(ROOT / "data" / "manifests", tmp_path / "data" / "manifests")
    write_table(curated_dir, "robot_installations", [HEADER, GOOD, GOOD.replace(",yes,", ",no,")])
    assert "| `robot_installations.csv` | 2 | 1 |" in data_sources_page(project(), {})
    write_table(curated_dir, "robot_installations", [HEADER, GOOD.replace(",yes,", ",perhaps,")])
    with pytest.raises(DataValidationError, match="verified_primary"):  # a malformed table stops the build
        data_sources_page(project(), {})
