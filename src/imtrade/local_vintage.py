"""Writing a local WDI vintage (API download or user data) in the datahub layout.

A local vintage lives only in ``data/raw/wdi/<vintage>/`` with its own ``manifest.tsv``,
a local stamp (origin, base vintage, creation date) and a fetch stamp, so the loaders treat
it exactly like a catalogued vintage. It is written in a staging directory and moved into
place only when complete.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from .catalog import LOCAL_STAMP, load_catalog, scan_directory, write_manifest
from .exceptions import ImtradeError
from .fetch import place, staging_dir, write_stamp
from .paths import ProjectPaths, project


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
