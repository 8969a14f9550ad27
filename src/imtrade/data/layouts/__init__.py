"""File layouts of the upstream datasets: one :class:`Layout` per layout named in the catalog.

A layout knows four things about a vintage's files: which file holds which indicator
(:meth:`Layout.indicator_files`), how to turn one file into the tidy rows of
:mod:`imtrade.data.validation` (:meth:`Layout.parse`), where the indicator names and units
are (:meth:`Layout.metadata`), and what it maps or checks through the
:class:`~imtrade.data.entities.EntityResolver` (``Layout.resolves``, one of :data:`Resolves`),
which tells the store whether its parsed files depend on the entity table.

This module is light (no pandas): the catalog checks layout names against :data:`LAYOUTS`
without importing the parsers; :func:`layout` imports a parser's module on first use.

- ``datahub-wdi``: ``indicators/<code>/data.csv``, one long file per indicator, and
  ``worldbank-bulk``: ``API_<CODE>_DS2_*.csv``, wide by year (:mod:`imtrade.data.layouts.worldbank`);
- ``ddf-gapminder``, ``ddf-sdg``: DDF datapoint files by geo and time (:mod:`imtrade.data.layouts.ddf`);
- ``owid-co2``: ``owid-co2-data.csv``, one column per indicator, and ``owid-legacy``:
  ``<name>/<name>.csv`` with ``Entity,Year,<titles>`` (:mod:`imtrade.data.layouts.owid`).

A user's file (``imtrade data add``) is read by one of :data:`USER_FILE_FORMATS`: a parser
only (:class:`FileParser`), since it is one file, not a catalogued vintage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from imtrade.data.entities import EntityResolver

Resolves = Literal["codes", "gapminder", "m49", "names"]
"""What a layout does with the entity resolver: ``codes`` checks that every country code it
reads is a known entity (ISO3 or a World Bank aggregate code); ``gapminder``, ``m49`` and
``names`` map Gapminder geo codes, UN M49 numbers or entity names to entity codes."""

# layout name -> "module:class" inside this package (imported on first use)
LAYOUTS: dict[str, str] = {
    "datahub-wdi": "worldbank:DatahubWDI",
    "worldbank-bulk": "worldbank:WorldBankBulk",
    "ddf-gapminder": "ddf:DDFGapminder",
    "ddf-sdg": "ddf:DDFSdg",
    "owid-co2": "owid:OwidCO2",
    "owid-legacy": "owid:OwidLegacy",
}
# formats a user's file may have (see imtrade.data.vintages.detect_format)
USER_FILE_FORMATS: dict[str, str] = {
    "worldbank-bulk": LAYOUTS["worldbank-bulk"],
    "tidy-csv": "tidy:TidyCSV",
}


@dataclass(frozen=True)
class ParseContext:
    """What a parser needs to know besides the file itself."""

    dataset: str
    vintage: str
    relpath: str  # path of the file inside its vintage (names the source in messages)
    resolver: EntityResolver | None = None  # given when the layout resolves anything
    columns: Mapping[str, str] | None = None  # the catalog's column -> indicator code map (owid-legacy)

    def require_resolver(self) -> EntityResolver:
        """The resolver, for layouts that map codes or names (which cannot parse without it)."""
        if self.resolver is None:
            raise ValueError(f"parsing {self.dataset} {self.vintage} {self.relpath} needs the entity resolver")
        return self.resolver


@runtime_checkable
class FileParser(Protocol):
    """Turns one file into tidy rows; every problem of the file is raised at once."""

    resolves: ClassVar[Resolves | None]

    def parse(self, path: Path, ctx: ParseContext) -> pd.DataFrame:
        """Tidy ``dataset, vintage, indicator, iso3, year, value`` rows of ``path``, validated.

        Raises :class:`~imtrade.exceptions.DataValidationError` listing every problem.
        """
        ...


@runtime_checkable
class Layout(FileParser, Protocol):
    """A catalogued dataset's file layout: a parser that also indexes and describes a vintage."""

    def indicator_files(self, root: Path, paths: Sequence[str], columns: Mapping[str, str]) -> dict[str, list[str]]:
        """Indicator code -> the files (relative to ``root``) that hold it.

        ``paths`` are the vintage's files (its manifest); ``columns`` the catalog's column ->
        code map. Layouts with several indicators per file read the files' header rows.
        """
        ...

    def metadata(self, root: Path, paths: Sequence[str], columns: Mapping[str, str]) -> pd.DataFrame:
        """``indicator, name, unit, description`` of every indicator of the vintage."""
        ...


@cache
def _instance(location: str) -> FileParser:
    module, cls = location.split(":")
    return getattr(import_module(f"{__name__}.{module}"), cls)()


def layout(name: str) -> Layout:
    """The layout named in the catalog (``layout:`` key of a dataset)."""
    if name not in LAYOUTS:
        raise ValueError(f"unknown layout {name!r} (known: {', '.join(LAYOUTS)})")
    return _instance(LAYOUTS[name])  # type: ignore[return-value]


def user_file_parser(name: str) -> FileParser:
    """The parser of a user file's format, one of :data:`USER_FILE_FORMATS`."""
    if name not in USER_FILE_FORMATS:
        raise ValueError(f"unknown file format {name!r} (known: {', '.join(USER_FILE_FORMATS)})")
    return _instance(USER_FILE_FORMATS[name])


def source_files() -> list[Path]:
    """The files of this package, in a fixed order (their digest is part of the parser version)."""
    return sorted(Path(__file__).parent.glob("*.py"))
