"""Writing a local WDI vintage (API download or user data) in the datahub layout.

A local vintage lives only in ``data/raw/wdi/<vintage>/`` with its own ``manifest.tsv``,
a local stamp (origin, base vintage, creation date) and a fetch stamp, so the loaders treat
it exactly like a catalogued vintage. It is written in a staging directory and moved into
place only when complete.

New data from a user: a World Bank bulk CSV or a tidy CSV, registered as a WDI vintage.

The file is validated exactly like upstream data (every problem reported at once); only a
valid file becomes a vintage. The new vintage falls back to its ``base`` vintage for every
indicator it does not hold, so a chapter reruns on it with ``-p vintage <name>``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from imtrade.data.catalog import LOCAL_STAMP, load_catalog, scan_directory, write_manifest
from imtrade.data.fetch import place, staging_dir, write_stamp
from imtrade.data.layouts import ParseContext, user_file_parser
from imtrade.exceptions import DataValidationError, ImtradeError
from imtrade.paths import ProjectPaths, project


def write_local_vintage(
    tidy: pd.DataFrame,
    vintage: str,
    *,
    origin: str,
    base: str | None,
    names: dict[str, str] | None = None,
    titles: dict[str, str] | None = None,
    notes: str = "",
    paths: ProjectPaths | None = None,
) -> Path:
    """Write tidy rows as ``indicators/<code>/data.csv`` files of a new local vintage."""
    paths = paths or project()
    if vintage in load_catalog(paths.catalog).dataset("wdi").vintages:
        raise ImtradeError(
            f"'{vintage}' is a catalogued WDI vintage; a local vintage must not replace it",
            fix="choose another name for the new vintage",
        )
    names = names or {}
    titles = titles or {}
    target = paths.raw_vintage("wdi", vintage)
    with staging_dir(paths, "wdi", vintage) as tmp:
        for code, rows in tidy.groupby("indicator", sort=True):
            folder = tmp / "indicators" / str(code).lower()
            folder.mkdir(parents=True)
            out = pd.DataFrame(
                {
                    "Country Name": rows["iso3"].map(lambda c: names.get(c, c)),
                    "Country Code": rows["iso3"],
                    "Year": rows["year"].astype(int),
                    "Value": rows["value"],
                }
            ).sort_values(["Country Code", "Year"])
            out.to_csv(folder / "data.csv", index=False, lineterminator="\n", float_format="%.15g")
            package = {"name": str(code).lower(), "title": titles.get(code, str(code)), "origin": origin}
            (folder / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
        entries = scan_directory(tmp)
        write_manifest(tmp / "manifest.tsv", entries)
        stamp = {"origin": origin, "base": base, "created": date.today().isoformat(), "notes": notes}
        (tmp / LOCAL_STAMP).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
        write_stamp(tmp, entries, origin)
        place(tmp, target)
    return target


NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class AddResult:
    vintage: str
    base: str
    indicators: list[str]
    rows: int
    path: Path


def detect_format(path: Path) -> str:
    """The user file's format, one of :data:`imtrade.data.layouts.USER_FILE_FORMATS`, from its first lines.

    Anything else is an error.
    """
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
        fix="give a World Bank 'Download CSV' file (API_<CODE>_DS2_...csv) "
        "or a tidy CSV with columns indicator,iso3,year,value",
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


def add_user_file(path: Path, *, name: str | None = None, base: str | None = None, replace: bool = False) -> AddResult:
    """Validate ``path`` and register it as the local WDI vintage ``name``.

    A vintage of that name that exists already (a local vintage or any folder in
    ``data/raw/wdi/``) is replaced only with ``replace=True``; otherwise it is refused.
    """
    from imtrade.data.load import store

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
    existing = project().raw_vintage("wdi", name)
    if (existing.exists() or existing.is_symlink()) and not replace:
        kind = "a local vintage" if name in wdi.all_vintages() else "a folder"
        raise ImtradeError(
            f"'{name}' exists already ({kind} in {existing}); it was left as it was",
            fix="choose another --name, or pass --replace to replace that vintage with this file",
        )
    if _falls_back_to(wdi, base, name):
        raise ImtradeError(
            f"vintage '{name}' cannot fall back to '{base}': '{base}' falls back to '{name}'",
            fix="choose another --name or --base (a catalogued vintage, e.g. " + wdi.default_vintage + ")",
        )
    fmt = detect_format(path)
    ctx = ParseContext("wdi", name, path.name, resolver=s.resolver)
    tidy = user_file_parser(fmt).parse(path, ctx)  # raises DataValidationError listing every problem
    names = dict(zip(s.entities["iso3"], s.entities["name"], strict=False))
    target = write_local_vintage(
        tidy, name, origin="user", base=base, names=names, notes=f"from {path.name} ({fmt})", paths=project()
    )
    s.forget("wdi", name)  # re-adding a vintage replaces what this process may have read of it
    return AddResult(name, base, sorted(tidy["indicator"].unique()), len(tidy), target)
