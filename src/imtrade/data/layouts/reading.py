"""Steps every layout shares: reading CSV text with line numbers, wide values, the tidy finish."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from imtrade.data.layouts import ParseContext
from imtrade.data.validation import Problems, numeric_column, validate_tidy

UNIT_IN_NAME = re.compile(r"\(([^()]*)\)\s*$")


def unit_from_name(name: str) -> str:
    """The unit World Bank-style names carry in their last parentheses, e.g. '% of GDP'."""
    match = UNIT_IN_NAME.search(name or "")
    return match.group(1) if match else ""


def read_header(path: Path) -> list[str]:
    """The column names in the first line of a CSV file (stripped, as :func:`read_text_table` gives them)."""
    with path.open(encoding="utf-8-sig") as fh:
        return [c.strip() for c in next(csv.reader([fh.readline()]))]


def index_from_headers(
    root: Path, files: Iterable[str], id_columns: Iterable[str], code: Callable[[str], str] = str
) -> dict[str, list[str]]:
    """Indicator code -> files, for layouts with one indicator per column: every column not in
    ``id_columns`` of each file's header row, named by ``code(column)``."""
    index: dict[str, list[str]] = {}
    for rel in files:
        for column in read_header(root / rel):
            if column not in id_columns:
                index.setdefault(code(column), []).append(rel)
    return index


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
                f"last line {int(frame['_line'].iloc[-1])} is incomplete: "
                f"{fields(rows[-1])} of {fields(rows[0])} fields (truncated file?)"
            )
    return frame


def numeric_wide(frame: pd.DataFrame, columns: list[str], problems: Problems) -> pd.DataFrame:
    """Convert each value column of a wide table, so that problems name their column."""
    return frame.assign(**{c: numeric_column(frame[c], frame["_line"], c, problems) for c in columns})


def finish_tidy(
    frame: pd.DataFrame, ctx: ParseContext, problems: Problems, labels: dict[str, str] | None = None
) -> pd.DataFrame:
    """Add dataset and vintage, then validate (codes checked against the resolver's entities when given).

    ``frame`` has ``indicator, iso3, year, value, _line``; ``labels`` maps tidy columns to
    the file's own column names for the messages. Raises every problem of the file at once.
    """
    frame = frame.assign(dataset=ctx.dataset, vintage=ctx.vintage)
    cols = ["dataset", "vintage", "indicator", "iso3", "year", "value", "_line"]
    known = ctx.resolver.codes if ctx.resolver is not None else None
    return validate_tidy(frame[cols], problems, known_codes=known, labels=labels)
