"""One parser per upstream file layout, each producing the tidy schema of :mod:`validation`.

A layout knows three things about a vintage's files: which file holds which indicator
(``indicator_files``), how to turn one file into tidy rows (``parse``), and where the
indicator names and units are (``metadata``). Country codes are mapped to the entity codes
of :mod:`imtrade.data.entities` (ISO3 for economies, World Bank codes for its aggregates,
``M49_<n>`` for UN regions) by the :class:`~imtrade.data.entities.EntityResolver` passed in.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pandas as pd

from imtrade.data.validation import (
    Problems,
    _rows,
    numeric_column,
    require_columns,
    validate_tidy,
    year_column,
)

if TYPE_CHECKING:
    from imtrade.data.entities import EntityResolver

YEAR_COLUMN = re.compile(r"^\d{4}$")
UNIT_IN_NAME = re.compile(r"\(([^()]*)\)\s*$")
PERCENT_UNIT = re.compile(r"\((%[^()]*)\)")  # OWID titles: "World trade (% of GDP) (PWT 9.0)"


@dataclass(frozen=True)
class ParseContext:
    dataset: str
    vintage: str
    relpath: str  # path of the file inside its vintage (names the source in messages)
    resolver: EntityResolver | None = None
    columns: dict[str, str] | None = None  # column -> indicator code (owid-legacy)


def unit_from_name(name: str) -> str:
    """The unit World Bank-style names carry in their last parentheses, e.g. '% of GDP'."""
    match = UNIT_IN_NAME.search(name or "")
    return match.group(1) if match else ""


def read_text_table(path: Path, problems: Problems, skip_to: str | None = None) -> pd.DataFrame | None:
    """Read a CSV as text with a ``_line`` column (1-based line numbers in the file).

    ``skip_to``: the first cell of the header row; earlier lines (World Bank metadata lines)
    are skipped. Returns None (with a problem recorded) for empty or unreadable files.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    if not text.strip():
        problems.add("file is empty")
        return None
    offset = 0
    if skip_to is not None:
        lines = text.splitlines(keepends=True)
        for i, line in enumerate(lines[:12]):
            first = next(csv.reader([line]), [""])
            if first and first[0].strip() == skip_to:
                offset = i
                break
        else:
            problems.add(f"no header row starting with {skip_to!r} in the first 12 lines")
            return None
        text = "".join(lines[offset:])
    unterminated = not text.endswith(("\n", "\r"))  # complete files end with a line break
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        hint = " (truncated file? it does not end with a line break)" if unterminated else ""
        problems.add(f"cannot be read as CSV: {exc}{hint}")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame["_line"] = frame.index + offset + 2  # header is line offset+1
    if unterminated and len(frame):
        # a file cut mid-row (interrupted download) has fewer fields in its last row than in
        # its header; a complete last row whose final cells are blank does not
        rows = text.splitlines()
        fields = lambda line: len(next(csv.reader([line]), []))  # noqa: E731
        if fields(rows[-1]) < fields(rows[0]):
            problems.add(
                f"last line {int(frame['_line'].iloc[-1])} is incomplete: {fields(rows[-1])} of {fields(rows[0])} fields (truncated file?)"
            )
    return frame


def _finish(
    frame: pd.DataFrame,
    ctx: ParseContext,
    problems: Problems,
    known: set[str] | None,
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    frame = frame.assign(dataset=ctx.dataset, vintage=ctx.vintage)
    cols = ["dataset", "vintage", "indicator", "iso3", "year", "value", "_line"]
    return validate_tidy(frame[cols], problems, known_codes=known, labels=labels)


def _numeric_wide(frame: pd.DataFrame, columns: list[str], problems: Problems) -> pd.DataFrame:
    """Convert each value column of a wide table, so that problems name their column."""
    return frame.assign(**{c: numeric_column(frame[c], frame["_line"], c, problems) for c in columns})


# ---------------------------------------------------------------------------------------
# World Bank: datahub long files and bulk wide files


class DatahubWDI:
    """``indicators/<code>/data.csv`` with ``Country Name,Country Code,Year,Value``."""

    name = "datahub-wdi"
    pattern = re.compile(r"^indicators/([^/]+)/data\.csv$")

    def indicator_files(self, paths: list[str], columns: dict[str, str] | None = None) -> dict[str, list[str]]:
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
        labels = {"iso3": "Country Code", "year": "Year", "value": "Value"}
        return _finish(tidy, ctx, problems, ctx.resolver.codes if ctx.resolver else None, labels)

    def metadata(self, root: Path, paths: list[str]) -> pd.DataFrame:
        rows = []
        for code, (relpath,) in self.indicator_files(paths).items():
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

    name = "worldbank-bulk"
    pattern = re.compile(r"^API_(.+?)_DS2_[^/]*\.csv$")

    def indicator_files(self, paths: list[str], columns: dict[str, str] | None = None) -> dict[str, list[str]]:
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
        frame = _numeric_wide(frame, years, problems)
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
        return _finish(tidy, ctx, problems, ctx.resolver.codes if ctx.resolver else None, labels)

    def metadata(self, root: Path, paths: list[str]) -> pd.DataFrame:
        rows = []
        for code, (relpath,) in self.indicator_files(paths).items():
            problems = Problems(relpath)
            frame = read_text_table(root / relpath, problems, skip_to="Country Name")
            name = code
            if frame is not None and "Indicator Name" in frame and len(frame):
                name = str(frame["Indicator Name"].dropna().iloc[0])
            rows.append({"indicator": code, "name": name, "unit": unit_from_name(name), "description": ""})
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# DDF (Gapminder, UN SDG)


class DDFGapminder:
    """``countries-etc-datapoints/ddf--datapoints--<concept>--by--geo--time.csv``: ``geo,time,<concept>``."""

    name = "ddf-gapminder"
    pattern = re.compile(r"ddf--datapoints--(.+?)--by--geo--time\.csv$")

    def indicator_files(self, paths: list[str], columns: dict[str, str] | None = None) -> dict[str, list[str]]:
        return {m.group(1): [p] for p in paths if (m := self.pattern.search(p))}

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        match = self.pattern.search(ctx.relpath)
        concept = match.group(1) if match else Path(ctx.relpath).stem
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, ["geo", "time", concept], problems):
            problems.raise_if_any()
        assert ctx.resolver is not None, "DDF parsing needs the entity resolver"
        iso3, unknown = ctx.resolver.from_gapminder(frame["geo"])
        if unknown:
            at = frame["_line"][frame["geo"].str.strip().str.lower().isin(unknown)]
            problems.add(
                f"column 'geo': unknown Gapminder code(s) {', '.join(sorted(unknown)[:10])} at line(s) {_rows(at)} "
                "(use the codes of ddf--entities--geo--country.csv)"
            )
        if frame["geo"].isna().any():
            problems.add(f"column 'geo': empty code at line(s) {_rows(frame['_line'][frame['geo'].isna()])}")
        tidy = pd.DataFrame(
            {
                "indicator": concept,
                "iso3": iso3,
                "year": year_column(frame["time"], frame["_line"], "time", problems),
                "value": numeric_column(frame[concept], frame["_line"], concept, problems),
                "_line": frame["_line"],
            }
        ).dropna(subset=["iso3"])  # historical entities without ISO3 (USSR, Yugoslavia...) are left out
        return _finish(tidy, ctx, problems, ctx.resolver.codes, {"iso3": "geo", "year": "time", "value": concept})

    def metadata(self, root: Path, paths: list[str]) -> pd.DataFrame:
        concepts_file = root / "ddf--concepts.csv"
        concepts = (
            pd.read_csv(concepts_file, dtype=str).set_index("concept") if concepts_file.is_file() else pd.DataFrame()
        )
        rows = []
        for code in self.indicator_files(paths):
            info = concepts.loc[code] if code in concepts.index else pd.Series(dtype=str)
            name = info.get("name") if isinstance(info.get("name"), str) else code
            source = info.get("source") if isinstance(info.get("source"), str) else ""
            url = info.get("source_url") if isinstance(info.get("source_url"), str) else ""
            desc = info.get("description") if isinstance(info.get("description"), str) else ""
            rows.append(
                {
                    "indicator": code,
                    "name": name,
                    "unit": unit_from_name(name),
                    "description": " ".join(
                        x for x in [desc, f"Underlying source: {source} {url}".strip() if (source or url) else ""] if x
                    ),
                }
            )
        return pd.DataFrame(rows)


class DDFSdg:
    """``ddf--datapoints--<series>--by--geo_area--nature--units--year.csv`` with M49 ``geo_area``."""

    name = "ddf-sdg"
    pattern = re.compile(r"ddf--datapoints--(.+?)--by--geo_area--nature--units--year\.csv$")

    def indicator_files(self, paths: list[str], columns: dict[str, str] | None = None) -> dict[str, list[str]]:
        return {m.group(1).upper(): [p] for p in paths if (m := self.pattern.search(p))}

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        match = self.pattern.search(ctx.relpath)
        series = match.group(1) if match else Path(ctx.relpath).stem
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, ["geo_area", "year", series], problems):
            problems.raise_if_any()
        assert ctx.resolver is not None, "DDF parsing needs the entity resolver"
        iso3, unknown = ctx.resolver.from_m49(frame["geo_area"])
        if unknown:
            at = frame["_line"][iso3.isna() & frame["geo_area"].notna()]
            problems.add(
                f"column 'geo_area': unknown M49 code(s) {', '.join(sorted(unknown)[:10])} at line(s) {_rows(at)} "
                "(use the codes of ddf--entities--geo_area.csv)"
            )
        if frame["geo_area"].isna().any():
            problems.add(f"column 'geo_area': empty code at line(s) {_rows(frame['_line'][frame['geo_area'].isna()])}")
        tidy = pd.DataFrame(
            {
                "indicator": series.upper(),
                "iso3": iso3,
                "year": year_column(frame["year"], frame["_line"], "year", problems),
                "value": numeric_column(frame[series], frame["_line"], series, problems),
                "_line": frame["_line"],
            }
        ).dropna(subset=["iso3"])  # unknown M49 codes were reported above
        return _finish(tidy, ctx, problems, ctx.resolver.codes, {"iso3": "geo_area", "value": series})

    def metadata(self, root: Path, paths: list[str]) -> pd.DataFrame:
        names: dict[str, str] = {}
        selected = root / "concepts_selected.csv"
        if selected.is_file():  # headerless: concept, type, name, goal, indicator, series, target
            for row in csv.reader(selected.read_text(encoding="utf-8").splitlines()):
                if len(row) >= 3:
                    names[row[0].upper()] = row[2]
        rows = []
        for code in self.indicator_files(paths):
            name = names.get(code, code)
            rows.append({"indicator": code, "name": name, "unit": unit_from_name(name), "description": ""})
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# Our World in Data


class OwidCO2:
    """``owid-co2-data.csv``: one row per country-year, one column per indicator."""

    name = "owid-co2"
    data_file = "owid-co2-data.csv"
    id_columns = ("iso_code", "country", "year")
    # OWID's own codes for entities that have no ISO code
    owid_codes: ClassVar[dict[str, str]] = {"OWID_WRL": "WLD", "OWID_KOS": "XKX"}

    def indicator_files(self, paths: list[str], columns: dict[str, str] | None = None) -> dict[str, list[str]]:
        return {"*": [p for p in paths if Path(p).name == self.data_file]}

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, list(self.id_columns), problems):
            problems.raise_if_any()
        frame = frame[frame["iso_code"].notna()]  # continents and groupings have no code
        iso3 = frame["iso_code"].str.strip().replace(self.owid_codes)
        value_columns = [c for c in frame.columns if c not in (*self.id_columns, "_line")]
        frame = _numeric_wide(frame, value_columns, problems)
        frame = frame.assign(iso3=iso3, year=year_column(frame["year"], frame["_line"], "year", problems))
        long = frame.melt(
            id_vars=["iso3", "year", "_line"], value_vars=value_columns, var_name="indicator", value_name="value"
        )
        long = long[long["value"].notna()]
        tidy = long[["indicator", "iso3", "year", "value", "_line"]]
        return _finish(tidy, ctx, problems, ctx.resolver.codes if ctx.resolver else None, {"iso3": "iso_code"})

    def metadata(self, root: Path, paths: list[str]) -> pd.DataFrame:
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
    """``<name>/<name>.csv`` with ``Entity,Year,<long column titles>``; names mapped to ISO3."""

    name = "owid-legacy"

    def indicator_files(self, paths: list[str], columns: dict[str, str] | None = None) -> dict[str, list[str]]:
        # every CSV may hold several indicators: resolved per column at parse time
        return {"*": [p for p in paths if p.endswith(".csv")]}

    @staticmethod
    def code_for(column: str, columns: dict[str, str] | None) -> str:
        if columns and column in columns:
            return columns[column]
        return "OWID." + re.sub(r"[^A-Za-z0-9]+", "_", column).strip("_").upper()[:60]

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        frame = read_text_table(path, problems)
        if frame is None or not require_columns(frame, ["Entity", "Year"], problems):
            problems.raise_if_any()
        assert ctx.resolver is not None, "OWID legacy parsing needs the entity resolver"
        iso3 = ctx.resolver.from_names(frame["Entity"])  # regions such as 'Africa' map to nothing
        unknown = iso3.isna() & ~ctx.resolver.is_region_name(frame["Entity"])
        if unknown.any():  # an economy whose name we do not know would silently vanish
            names = ", ".join(repr(n) for n in frame.loc[unknown, "Entity"].drop_duplicates().head(10))
            problems.add(
                f"column 'Entity': {frame.loc[unknown, 'Entity'].nunique()} unknown entity name(s) {names} "
                f"at line(s) {_rows(frame.loc[unknown, '_line'])} (add the name to NAME_ALIASES or REGION_NAMES in imtrade/entities.py)"
            )
        value_columns = [c for c in frame.columns if c not in ("Entity", "Year", "_line")]
        frame = _numeric_wide(frame, value_columns, problems)
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
        return _finish(tidy, ctx, problems, ctx.resolver.codes, {"iso3": "Entity", "year": "Year"})

    def metadata(self, root: Path, paths: list[str], columns: dict[str, str] | None = None) -> pd.DataFrame:
        rows = []
        for relpath in self.indicator_files(paths)["*"]:
            package = root / Path(relpath).parent / "datapackage.json"
            fields: dict[str, str] = {}
            if package.is_file():
                meta = json.loads(package.read_text(encoding="utf-8"))
                for resource in meta.get("resources", []):
                    for fld in resource.get("schema", {}).get("fields", []):
                        fields[fld["name"]] = fld.get("description", "")
            header = next(csv.reader([(root / relpath).read_text(encoding="utf-8-sig").splitlines()[0]]))
            for column in header[2:]:
                rows.append(
                    {
                        "indicator": self.code_for(column, columns),
                        "name": column,
                        "unit": unit.group(1) if (unit := PERCENT_UNIT.search(column)) else "",
                        "description": fields.get(column, ""),
                    }
                )
        return pd.DataFrame(rows)


class TidyCSV:
    """A user's tidy CSV: ``indicator,iso3,year,value`` (any case; other columns are ignored)."""

    name = "tidy-csv"
    required = ("indicator", "iso3", "year", "value")

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        problems = Problems(str(path))
        frame = read_text_table(path, problems)
        if frame is None:
            problems.raise_if_any()
        frame.columns = [c if c == "_line" else c.lower() for c in frame.columns]
        if not require_columns(frame, self.required, problems):
            problems.raise_if_any()
        tidy = pd.DataFrame(
            {
                "indicator": frame["indicator"].str.strip().str.upper(),
                "iso3": frame["iso3"].str.strip().str.upper(),
                "year": year_column(frame["year"], frame["_line"], "year", problems),
                "value": numeric_column(frame["value"], frame["_line"], "value", problems),
                "_line": frame["_line"],
            }
        )
        return _finish(tidy, ctx, problems, ctx.resolver.codes if ctx.resolver else None)


LAYOUT_PARSERS = {
    cls.name: cls() for cls in (DatahubWDI, WorldBankBulk, DDFGapminder, DDFSdg, OwidCO2, OwidLegacy, TidyCSV)
}


def layout(name: str):
    return LAYOUT_PARSERS[name]
