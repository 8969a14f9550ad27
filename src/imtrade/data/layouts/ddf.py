"""DDF layouts (Gapminder Systema Globalis, UN SDG indicators): one datapoints file per concept."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import pandas as pd

from imtrade.data.layouts import ParseContext, Resolves
from imtrade.data.layouts.reading import finish_tidy, read_text_table, unit_from_name
from imtrade.data.validation import Problems, format_lines, numeric_column, require_columns, year_column


class DDFGapminder:
    """``countries-etc-datapoints/ddf--datapoints--<concept>--by--geo--time.csv``: ``geo,time,<concept>``."""

    resolves: ClassVar[Resolves | None] = "gapminder"
    pattern = re.compile(r"ddf--datapoints--(.+?)--by--geo--time\.csv$")

    def indicator_files(
        self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None
    ) -> dict[str, list[str]]:
        return {m.group(1): [p] for p in paths if (m := self.pattern.search(p))}

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        match = self.pattern.search(ctx.relpath)
        concept = match.group(1) if match else Path(ctx.relpath).stem
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, ["geo", "time", concept], problems):
            problems.raise_if_any()
        iso3, unknown = ctx.require_resolver().from_gapminder(frame["geo"])
        if unknown:
            at = frame["_line"][frame["geo"].str.strip().str.lower().isin(unknown)]
            problems.add(
                f"column 'geo': unknown Gapminder code(s) {', '.join(sorted(unknown)[:10])} "
                f"at line(s) {format_lines(at)} (use the codes of ddf--entities--geo--country.csv)"
            )
        if frame["geo"].isna().any():
            problems.add(f"column 'geo': empty code at line(s) {format_lines(frame['_line'][frame['geo'].isna()])}")
        tidy = pd.DataFrame(
            {
                "indicator": concept,
                "iso3": iso3,
                "year": year_column(frame["time"], frame["_line"], "time", problems),
                "value": numeric_column(frame[concept], frame["_line"], concept, problems),
                "_line": frame["_line"],
            }
        ).dropna(subset=["iso3"])  # historical entities without ISO3 (USSR, Yugoslavia...) are left out
        return finish_tidy(tidy, ctx, problems, {"iso3": "geo", "year": "time", "value": concept})

    def metadata(self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None) -> pd.DataFrame:
        concepts_file = root / "ddf--concepts.csv"
        concepts = (
            pd.read_csv(concepts_file, dtype=str).set_index("concept") if concepts_file.is_file() else pd.DataFrame()
        )
        rows = []
        for code in self.indicator_files(root, paths):
            info = concepts.loc[code] if code in concepts.index else pd.Series(dtype=str)
            name = info.get("name") if isinstance(info.get("name"), str) else code
            source = info.get("source") if isinstance(info.get("source"), str) else ""
            url = info.get("source_url") if isinstance(info.get("source_url"), str) else ""
            desc = info.get("description") if isinstance(info.get("description"), str) else ""
            underlying = f"Underlying source: {source} {url}".strip() if (source or url) else ""
            rows.append(
                {
                    "indicator": code,
                    "name": name,
                    "unit": unit_from_name(name),
                    "description": " ".join(x for x in [desc, underlying] if x),
                }
            )
        return pd.DataFrame(rows)


class DDFSdg:
    """``ddf--datapoints--<series>--by--geo_area--nature--units--year.csv`` with M49 ``geo_area``."""

    resolves: ClassVar[Resolves | None] = "m49"
    pattern = re.compile(r"ddf--datapoints--(.+?)--by--geo_area--nature--units--year\.csv$")

    def indicator_files(
        self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None
    ) -> dict[str, list[str]]:
        return {m.group(1).upper(): [p] for p in paths if (m := self.pattern.search(p))}

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        match = self.pattern.search(ctx.relpath)
        series = match.group(1) if match else Path(ctx.relpath).stem
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, ["geo_area", "year", series], problems):
            problems.raise_if_any()
        iso3, unknown = ctx.require_resolver().from_m49(frame["geo_area"])
        if unknown:
            at = frame["_line"][iso3.isna() & frame["geo_area"].notna()]
            problems.add(
                f"column 'geo_area': unknown M49 code(s) {', '.join(sorted(unknown)[:10])} "
                f"at line(s) {format_lines(at)} (use the codes of ddf--entities--geo_area.csv)"
            )
        if frame["geo_area"].isna().any():
            empty = frame["_line"][frame["geo_area"].isna()]
            problems.add(f"column 'geo_area': empty code at line(s) {format_lines(empty)}")
        tidy = pd.DataFrame(
            {
                "indicator": series.upper(),
                "iso3": iso3,
                "year": year_column(frame["year"], frame["_line"], "year", problems),
                "value": numeric_column(frame[series], frame["_line"], series, problems),
                "_line": frame["_line"],
            }
        ).dropna(subset=["iso3"])  # unknown M49 codes were reported above
        return finish_tidy(tidy, ctx, problems, {"iso3": "geo_area", "value": series})

    def metadata(self, root: Path, paths: Sequence[str], columns: Mapping[str, str] | None = None) -> pd.DataFrame:
        names: dict[str, str] = {}
        selected = root / "concepts_selected.csv"
        if selected.is_file():  # headerless: concept, type, name, goal, indicator, series, target
            for row in csv.reader(selected.read_text(encoding="utf-8").splitlines()):
                if len(row) >= 3:
                    names[row[0].upper()] = row[2]
        rows = []
        for code in self.indicator_files(root, paths):
            name = names.get(code, code)
            rows.append({"indicator": code, "name": name, "unit": unit_from_name(name), "description": ""})
        return pd.DataFrame(rows)
