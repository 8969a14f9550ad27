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
    notes: tuple[str, ...] = ()  # what the base holds that the file's series leave out


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


LARGEST_RATIO = 1000.0  # a value more than this many times the base vintage's largest is refused
MIN_REFERENCE = 30  # values the base must hold for an indicator before its range is used as a rule


@dataclass(frozen=True)
class Reference:
    """What the base vintage holds for one indicator: its unit and the range of its values."""

    unit: str
    count: int = 0
    low: float = float("nan")
    high: float = float("nan")
    economies: frozenset[str] = frozenset()
    years: tuple[int, int] | None = None  # first and last year with a value


def implausible_values(tidy: pd.DataFrame, references: dict[str, Reference], base: str) -> list[str]:
    """Values an indicator cannot take, judged by its unit and by what the base vintage holds
    (names carry units loosely: re-exports put some "% of merchandise exports" above 100, net
    imports some "% of total" below 0, so a unit alone proves nothing):

    - negative, where every value of the base is at least 0 (a level, a share);
    - above 100 for a percentage whose base values all lie in [0, 100] (a share of a whole);
    - more than :data:`LARGEST_RATIO` times the largest magnitude of the base (e.g. 1e308).

    The range rules need :data:`MIN_REFERENCE` base values; an indicator the base lacks is
    not checked. One problem per indicator and rule, naming the first rows.
    """
    problems = []
    for code, rows in tidy.groupby("indicator", sort=True):
        ref = references.get(str(code))
        if ref is None or ref.count < MIN_REFERENCE:
            continue

        def listed(bad: pd.DataFrame) -> str:
            shown = ", ".join(f"{r.iso3} {r.year}: {r.value:g}" for r in bad.head(5).itertuples())
            return shown + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")

        values = rows["value"]
        share = ref.unit.startswith("%") and ref.low >= 0 and ref.high <= 100
        if ref.low >= 0 and (bad := rows[values < 0]).size:
            what = f"a share ({ref.unit})" if share else f"never negative in vintage {base}"
            problems.append(f"{code} is {what}: negative value(s) {listed(bad)}")
        if share and (bad := rows[values > 100]).size:
            problems.append(f"{code} is a share ({ref.unit}, 0 to 100 in vintage {base}): {listed(bad)}")
        top = max(abs(ref.low), abs(ref.high))
        if top > 0 and (bad := rows[values.abs() > LARGEST_RATIO * top]).size:
            problems.append(
                f"{code}: value(s) more than {LARGEST_RATIO:g} times the largest in vintage {base} ({top:g}): "
                + listed(bad)
            )
    return problems


def _reference(codes: list[str], base: str) -> dict[str, Reference]:
    """What vintage ``base`` holds for each of ``codes`` (codes it lacks are left out)."""
    from imtrade.data.load import indicator_metadata, load_optional
    from imtrade.data.store import frozen_cache
    from imtrade.exceptions import UnknownIndicatorError

    references = {}
    with frozen_cache():  # a refused file leaves data/cache as it was
        for code in codes:
            try:
                meta = indicator_metadata([code], vintage=base)
                frame = load_optional([code], vintage=base).dropna(subset=["value"])
            except (UnknownIndicatorError, ImtradeError):
                continue  # a new indicator, or the base's data are not fetched: nothing to judge by
            unit = str(meta["unit"].iloc[0] or "")
            values = frame["value"]
            if len(values):
                references[code] = Reference(
                    unit,
                    len(values),
                    float(values.min()),
                    float(values.max()),
                    frozenset(map(str, frame["iso3"])),
                    (int(frame["year"].min()), int(frame["year"].max())),
                )
    return references


def coverage_notes(tidy: pd.DataFrame, references: dict[str, Reference], base: str) -> list[str]:
    """What the base vintage holds for an indicator that the file lacks: the file's series
    replaces the base's whole series in the new vintage, so say which economies and years
    chapters will no longer see (an indicator the base lacks gets no note)."""
    notes = []
    for code, rows in tidy.groupby("indicator", sort=True):
        ref = references.get(str(code))
        if ref is None or ref.years is None:
            continue
        missing = sorted(ref.economies - set(map(str, rows["iso3"])))
        first, last = int(rows["year"].min()), int(rows["year"].max())
        gaps = []
        if missing:
            shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
            gaps.append(f"{len(missing)} of its {len(ref.economies)} economies ({shown})")
        if ref.years[0] < first or ref.years[1] > last:
            gaps.append(f"its years outside {first}-{last} (it covers {ref.years[0]}-{ref.years[1]})")
        if gaps:
            notes.append(
                f"{code}: the file replaces the whole series of vintage {base}, which also holds "
                + " and ".join(gaps)
                + "; in the new vintage those are missing (add them to the file to keep them)"
            )
    return notes


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
    codes = sorted(map(str, tidy["indicator"].unique()))
    references = _reference(codes, base)
    problems = implausible_values(tidy, references, base)
    if problems:
        raise DataValidationError(
            str(path), problems, fix="correct the values (percentages as 0 to 100, not 0 to 1); nothing was added"
        )
    names = dict(zip(s.entities["iso3"], s.entities["name"], strict=False))
    target = write_local_vintage(
        tidy, name, origin="user", base=base, names=names, notes=f"from {path.name} ({fmt})", paths=project()
    )
    s.forget("wdi", name)  # re-adding a vintage replaces what this process may have read of it
    notes = tuple(coverage_notes(tidy, references, base))
    return AddResult(name, base, sorted(tidy["indicator"].unique()), len(tidy), target, notes)
