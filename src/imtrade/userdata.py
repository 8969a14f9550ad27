"""New data from a user: a World Bank bulk CSV or a tidy CSV, registered as a WDI vintage.

The file is validated exactly like upstream data (every problem reported at once); only a
valid file becomes a vintage. The new vintage falls back to its ``base`` vintage for every
indicator it does not hold, so a chapter reruns on it with ``-p vintage <name>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .exceptions import DataValidationError, ImtradeError
from .layouts import ParseContext, layout
from .local_vintage import write_local_vintage
from .paths import project

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class AddResult:
    vintage: str
    base: str
    indicators: list[str]
    rows: int
    path: Path


def detect_format(path: Path) -> str:
    """'worldbank-bulk' or 'tidy-csv' from the first lines; anything else is an error."""
    try:
        head = path.read_text(encoding="utf-8-sig")[:4000]
    except UnicodeDecodeError:
        raise DataValidationError(str(path), ["not UTF-8 text"]) from None
    if not head.strip():
        raise DataValidationError(str(path), ["file is empty"])
    lowered = head.lower()
    if "data source" in lowered.splitlines()[0] or ("country code" in lowered and "indicator code" in lowered):
        return "worldbank-bulk"
    header = [c.strip().strip('"').lower() for c in head.splitlines()[0].split(",")]
    if {"indicator", "iso3", "year", "value"} <= set(header):
        return "tidy-csv"
    raise DataValidationError(
        str(path),
        [f"unrecognised layout (header: {head.splitlines()[0][:120]!r})"],
        fix="give a World Bank 'Download CSV' file (API_<CODE>_DS2_...csv) or a tidy CSV with columns indicator,iso3,year,value",
    )


def _falls_back_to(wdi, start: str, target: str) -> bool:
    """True when the fallback chain from ``start`` reaches ``target`` (a cycle if target falls back to start)."""
    vintages, seen, current = wdi.all_vintages(), set(), start
    while current and current not in seen:
        if current == target:
            return True
        seen.add(current)
        current = vintages[current].base if current in vintages else None
    return False


def add_user_file(path: Path, *, name: str | None = None, base: str | None = None) -> AddResult:
    from .api import store

    s = store()
    wdi = s.catalog.dataset("wdi")
    base = base or wdi.default_vintage
    wdi.vintage(base)  # raises UnknownVintageError for a bad base
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path.stem).strip("-")[:40] or "data"
    name = name or f"user-{slug}-{date.today().isoformat()}"
    if not NAME.match(name):
        raise ImtradeError(f"vintage name {name!r} is not allowed", fix="use letters, digits, '.', '_' or '-' (max 64)")
    if name in wdi.vintages:
        raise ImtradeError(f"'{name}' is a catalogued vintage and cannot be replaced", fix="choose another --name")
    if _falls_back_to(wdi, base, name):
        raise ImtradeError(
            f"vintage '{name}' cannot fall back to '{base}': '{base}' falls back to '{name}'",
            fix="choose another --name or --base (a catalogued vintage, e.g. " + wdi.default_vintage + ")",
        )
    fmt = detect_format(path)
    ctx = ParseContext("wdi", name, path.name, resolver=s.resolver)
    tidy = layout(fmt).parse(path, ctx)  # raises DataValidationError listing every problem
    names = dict(zip(s.entities["iso3"], s.entities["name"], strict=False))
    target = write_local_vintage(tidy, name, origin="user", base=base, names=names, notes=f"from {path.name} ({fmt})", paths=project())
    s.forget("wdi", name)  # re-adding a vintage replaces what this process may have read of it
    return AddResult(name, base, sorted(tidy["indicator"].unique()), len(tidy), target)
