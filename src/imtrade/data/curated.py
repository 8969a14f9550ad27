"""Curated tables of figures that exist only in publications (``data/curated/*.csv``).

Every row carries its own citation and URL; :func:`load_curated` validates a table at load
time (all problems at once) and records the read for the build cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from imtrade.data.provenance import record_read
from imtrade.exceptions import DataValidationError, ImtradeError
from imtrade.paths import project

REQUIRED = ("citation", "url", "accessed", "verified_primary")


def curated_tables() -> list[str]:
    folder = project().curated
    return sorted(p.stem for p in folder.glob("*.csv")) if folder.is_dir() else []


def load_curated(name: str) -> pd.DataFrame:
    """Load ``data/curated/<name>.csv`` (validated: citation/url/accessed per row, numeric values)."""
    path: Path = project().curated / f"{name}.csv"
    if not path.is_file():
        raise ImtradeError(
            f"no curated table '{name}' in {path.parent}", fix=f"available: {', '.join(curated_tables())}"
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = []
    for column in REQUIRED:
        if column not in frame.columns:
            problems.append(f"missing column {column!r}")
    if not problems:
        for column in ("citation", "url"):
            blank = frame.index[frame[column].str.strip() == ""]
            if len(blank):
                problems.append(f"column {column!r} is empty at line(s) {', '.join(str(i + 2) for i in blank[:10])}")
        bad_url = frame.index[~frame["url"].str.match(r"^https?://")]
        if len(bad_url):
            problems.append(
                f"column 'url' is not an http(s) URL at line(s) {', '.join(str(i + 2) for i in bad_url[:10])}"
            )
        bad_flag = frame.index[~frame["verified_primary"].str.lower().isin(["yes", "no"])]
        if len(bad_flag):
            problems.append(
                f"column 'verified_primary' must be yes/no at line(s) {', '.join(str(i + 2) for i in bad_flag[:10])}"
            )
    for column in [
        c
        for c in frame.columns
        if c
        in (
            "value",
            "rank",
            "year",
            "edition_year",
            "forecast_year",
            "start_year",
            "yoy_growth_pct",
            "cagr_pct",
            "economies_ranked",
            "made_in_year",
        )
    ]:
        text = frame[column].str.strip()
        number = pd.to_numeric(text, errors="coerce")
        bad = frame.index[number.isna() & (text != "")]
        if len(bad):
            problems.append(
                f"column {column!r} has non-numeric value(s) at line(s) {', '.join(str(i + 2) for i in bad[:10])}"
            )
        else:
            frame[column] = number
    if problems:
        raise DataValidationError(str(path.relative_to(project().root)), problems)
    record_read(
        "curated", "", path.relative_to(project().root).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()
    )
    return frame
