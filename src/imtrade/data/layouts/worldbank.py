"""World Bank layouts: datahub long files (one per indicator) and bulk wide files."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import pandas as pd

from imtrade.data.layouts import ParseContext, Resolves
from imtrade.data.layouts.reading import finish_tidy, numeric_wide, read_text_table, unit_from_name
from imtrade.data.validation import Problems, numeric_column, require_columns, year_column

YEAR_COLUMN = re.compile(r"^\d{4}$")


class DatahubWDI:
    """``indicators/<code>/data.csv`` with ``Country Name,Country Code,Year,Value``."""

    resolves: ClassVar[Resolves | None] = "codes"
    pattern = re.compile(r"^indicators/([^/]+)/data\.csv$")

    def indicator_files(
        self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None
    ) -> dict[str, list[str]]:
        return {m.group(1).upper(): [p] for p in paths if (m := self.pattern.match(p))}

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, ["Country Code", "Year", "Value"], problems):
            problems.raise_if_any()
        match = self.pattern.match(ctx.relpath)
        code = (match.group(1) if match else Path(ctx.relpath).parent.name).upper()
        tidy = pd.DataFrame(
            {
                "indicator": code,
                "iso3": frame["Country Code"].str.strip().str.upper(),
                "year": year_column(frame["Year"], frame["_line"], "Year", problems),
                "value": numeric_column(frame["Value"], frame["_line"], "Value", problems),
                "_line": frame["_line"],
            }
        )
        return finish_tidy(tidy, ctx, problems, {"iso3": "Country Code", "year": "Year", "value": "Value"})

    def metadata(self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None) -> pd.DataFrame:
        rows = []
        for code, (relpath,) in self.indicator_files(root, paths).items():
            package = root / Path(relpath).parent / "datapackage.json"
            name, description = code, ""
            if package.is_file():
                meta = json.loads(package.read_text(encoding="utf-8"))
                name = meta.get("title") or code
                description = meta.get("readme", "")
            rows.append({"indicator": code, "name": name, "unit": unit_from_name(name), "description": description})
        return pd.DataFrame(rows)


class WorldBankBulk:
    """Wide ``API_<CODE>_DS2_*.csv``: ``Country Name,Country Code,Indicator Name,Indicator Code,1960,...``.

    Official files start with four metadata lines ("Data Source", "Last Updated Date");
    copies re-saved by spreadsheets lack them. Both are accepted.
    """

    resolves: ClassVar[Resolves | None] = "codes"
    pattern = re.compile(r"^API_(.+?)_DS2_[^/]*\.csv$")

    def indicator_files(
        self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None
    ) -> dict[str, list[str]]:
        return {m.group(1).upper(): [p] for p in paths if (m := self.pattern.match(Path(p).name))}

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        frame = read_text_table(path, problems, skip_to="Country Name")
        if frame is None or not require_columns(frame, ["Country Code", "Indicator Code"], problems):
            problems.raise_if_any()
        years = [c for c in frame.columns if YEAR_COLUMN.match(c)]
        if not years:
            problems.add("no year columns (1960, 1961, ...) found")
            problems.raise_if_any()
        frame = numeric_wide(frame, years, problems)
        long = frame.melt(
            id_vars=["Country Code", "Indicator Code", "_line"], value_vars=years, var_name="year", value_name="value"
        )
        tidy = pd.DataFrame(
            {
                "indicator": long["Indicator Code"].str.strip().str.upper(),
                "iso3": long["Country Code"].str.strip().str.upper(),
                "year": long["year"].astype(int),
                "value": long["value"],
                "_line": long["_line"],
            }
        )
        labels = {"iso3": "Country Code", "indicator": "Indicator Code", "year": "year columns (header)"}
        return finish_tidy(tidy, ctx, problems, labels)

    def metadata(self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None) -> pd.DataFrame:
        rows = []
        for code, (relpath,) in self.indicator_files(root, paths).items():
            problems = Problems(relpath)
            frame = read_text_table(root / relpath, problems, skip_to="Country Name")
            name = code
            if frame is not None and "Indicator Name" in frame and len(frame):
                name = str(frame["Indicator Name"].dropna().iloc[0])
            rows.append({"indicator": code, "name": name, "unit": unit_from_name(name), "description": ""})
        return pd.DataFrame(rows)
