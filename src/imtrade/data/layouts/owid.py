"""Our World in Data layouts: the CO2 dataset and the legacy ``owid-datasets`` collection.

Both hold several indicators per file, one column each: the index of a vintage comes from
the files' header rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import pandas as pd

from imtrade.data.layouts import ParseContext, Resolves
from imtrade.data.layouts.reading import (
    finish_tidy,
    index_from_headers,
    numeric_wide,
    read_header,
    read_text_table,
)
from imtrade.data.validation import Problems, format_lines, require_columns, year_column

PERCENT_UNIT = re.compile(r"\((%[^()]*)\)")  # OWID titles: "World trade (% of GDP) (PWT 9.0)"


class OwidCO2:
    """``owid-co2-data.csv``: one row per country-year, one column per indicator."""

    resolves: ClassVar[Resolves | None] = "codes"
    data_file = "owid-co2-data.csv"
    id_columns = ("iso_code", "country", "year")
    # OWID's own codes for entities that have no ISO code
    owid_codes: ClassVar[dict[str, str]] = {"OWID_WRL": "WLD", "OWID_KOS": "XKX"}

    def indicator_files(
        self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None
    ) -> dict[str, list[str]]:
        files = [p for p in paths if Path(p).name == self.data_file]
        return index_from_headers(root, files, self.id_columns)

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, list(self.id_columns), problems):
            problems.raise_if_any()
        frame = frame[frame["iso_code"].notna()]  # continents and groupings have no code
        iso3 = frame["iso_code"].str.strip().replace(self.owid_codes)
        value_columns = [c for c in frame.columns if c not in (*self.id_columns, "_line")]
        frame = numeric_wide(frame, value_columns, problems)
        frame = frame.assign(iso3=iso3, year=year_column(frame["year"], frame["_line"], "year", problems))
        long = frame.melt(
            id_vars=["iso3", "year", "_line"], value_vars=value_columns, var_name="indicator", value_name="value"
        )
        long = long[long["value"].notna()]
        tidy = long[["indicator", "iso3", "year", "value", "_line"]]
        return finish_tidy(tidy, ctx, problems, {"iso3": "iso_code"})

    def metadata(self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None) -> pd.DataFrame:
        codebook = root / "owid-co2-codebook.csv"
        if not codebook.is_file():
            return pd.DataFrame(columns=["indicator", "name", "unit", "description"])
        book = pd.read_csv(codebook, dtype=str)
        book = book[~book["column"].isin(self.id_columns)]
        units = book["description"].str.extract(r"measured (?:in|as) ([^.,;]+)", expand=False).fillna("")
        return pd.DataFrame(
            {
                "indicator": book["column"],
                "name": book["column"].str.replace("_", " "),
                "unit": units,
                "description": book["description"] + " Source: " + book["source"].fillna(""),
            }
        )


class OwidLegacy:
    """``<name>/<name>.csv`` with ``Entity,Year,<long column titles>``; names mapped to ISO3.

    An indicator's code is the catalog's for its column title (``indicators:`` of the
    dataset), else ``OWID.<TITLE IN CAPITALS>``.
    """

    resolves: ClassVar[Resolves | None] = "names"
    id_columns = ("Entity", "Year")

    @staticmethod
    def code_for(column: str, columns: Mapping[str, str] | None) -> str:
        if columns and column in columns:
            return columns[column]
        return "OWID." + re.sub(r"[^A-Za-z0-9]+", "_", column).strip("_").upper()[:60]

    def indicator_files(
        self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None
    ) -> dict[str, list[str]]:
        files = [p for p in paths if p.endswith(".csv")]
        return index_from_headers(root, files, self.id_columns, lambda column: self.code_for(column, columns))

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, list(self.id_columns), problems):
            problems.raise_if_any()
        resolver = ctx.require_resolver()
        iso3 = resolver.from_names(frame["Entity"])  # regions such as 'Africa' map to nothing
        unknown = iso3.isna() & ~resolver.is_region_name(frame["Entity"])
        if unknown.any():  # an economy whose name we do not know would silently vanish
            names = ", ".join(repr(n) for n in frame.loc[unknown, "Entity"].drop_duplicates().head(10))
            problems.add(
                f"column 'Entity': {frame.loc[unknown, 'Entity'].nunique()} unknown entity name(s) {names} "
                f"at line(s) {format_lines(frame.loc[unknown, '_line'])} "
                "(add the name to NAME_ALIASES or REGION_NAMES in src/imtrade/data/entities.py)"
            )
        value_columns = [c for c in frame.columns if c not in (*self.id_columns, "_line")]
        frame = numeric_wide(frame, value_columns, problems)
        frame = frame.assign(iso3=iso3, Year=year_column(frame["Year"], frame["_line"], "Year", problems))[iso3.notna()]
        long = frame.melt(
            id_vars=["iso3", "Year", "_line"], value_vars=value_columns, var_name="column", value_name="value"
        )
        long = long[long["value"].notna()]
        tidy = pd.DataFrame(
            {
                "indicator": long["column"].map(lambda c: self.code_for(c, ctx.columns)),
                "iso3": long["iso3"],
                "year": long["Year"],
                "value": long["value"],
                "_line": long["_line"],
            }
        )
        return finish_tidy(tidy, ctx, problems, {"iso3": "Entity", "year": "Year"})

    def metadata(self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None) -> pd.DataFrame:
        rows = []
        for relpath in (p for p in paths if p.endswith(".csv")):
            package = root / Path(relpath).parent / "datapackage.json"
            fields: dict[str, str] = {}
            if package.is_file():
                meta = json.loads(package.read_text(encoding="utf-8"))
                for resource in meta.get("resources", []):
                    for fld in resource.get("schema", {}).get("fields", []):
                        fields[fld["name"]] = fld.get("description", "")
            for column in read_header(root / relpath):
                if column in self.id_columns:
                    continue
                rows.append(
                    {
                        "indicator": self.code_for(column, columns),
                        "name": column,
                        "unit": unit.group(1) if (unit := PERCENT_UNIT.search(column)) else "",
                        "description": fields.get(column, ""),
                    }
                )
        return pd.DataFrame(rows)
