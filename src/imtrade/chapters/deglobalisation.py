"""Chapter "De-globalisation mechanisms": computations (source text 001)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..api import load_indicators, wide
from ..exceptions import ParameterError
from ..validators import check_countries, check_vintage, check_year_range


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell)."""
    check_vintage(params["vintage"])
    check_year_range(params["start_year"], params["end_year"])
    check_countries(params["countries"], allow_aggregates=False)
    if not params["start_year"] < params["break_year"] < params["end_year"]:
        raise ParameterError(
            f"parameter 'break_year' ({params['break_year']}) must lie strictly between start_year ({params['start_year']}) and end_year ({params['end_year']})"
        )


def world_openness(vintage: str, start_year: int, end_year: int) -> pd.DataFrame:
    """World exports, imports and trade as % of GDP by year (WLD aggregate of the WDI).

    Returns a frame indexed by year with columns ``exports``, ``imports``, ``trade`` (sum)
    and ``trade_mean`` ((exports + imports) / 2), all in % of world GDP.
    """
    tidy = load_indicators(["NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS"], countries=["WLD"], years=(start_year, end_year), vintage=vintage)
    frame = wide(tidy).droplevel("iso3").rename(columns={"NE.EXP.GNFS.ZS": "exports", "NE.IMP.GNFS.ZS": "imports"})
    frame["trade"] = frame["exports"] + frame["imports"]
    frame["trade_mean"] = frame["trade"] / 2
    return frame.dropna()
