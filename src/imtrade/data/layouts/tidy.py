"""A user's tidy CSV (``imtrade data add``): one row per indicator, country and year."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pandas as pd

from imtrade.data.layouts import ParseContext, Resolves
from imtrade.data.layouts.reading import finish_tidy, read_text_table
from imtrade.data.validation import Problems, numeric_column, require_columns, year_column


class TidyCSV:
    """``indicator,iso3,year,value`` (any case; other columns are ignored)."""

    resolves: ClassVar[Resolves | None] = "codes"
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
        return finish_tidy(tidy, ctx, problems)
