"""The one namespace chapter notebooks (and users) import: re-exports only.

>>> from imtrade.api import load_indicators, glue_number
>>> load_indicators(["NE.EXP.GNFS.ZS"], countries=["WLD"], years=(2008, 2008))  # doctest: +SKIP

Each name lives in the module listed in ``_EXPORTS``; it is imported on first use, so a
notebook that never draws a figure never imports matplotlib (PEP 562 module ``__getattr__``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> module that defines it (the only place it is defined)
_EXPORTS: dict[str, str] = {
    # data: loading and provenance
    "load_indicators": "imtrade.data.load",
    "load_optional": "imtrade.data.load",
    "load_entities": "imtrade.data.load",
    "indicator_metadata": "imtrade.data.load",
    "default_vintage": "imtrade.data.load",
    "data_reads": "imtrade.data.load",
    "clear_caches": "imtrade.data.load",
    "wide": "imtrade.data.load",
    "load_curated": "imtrade.data.curated",
    "robot_series": "imtrade.data.robots",
    "robot_rows": "imtrade.data.robots",
    "robot_value": "imtrade.data.robots",
    "select_editions": "imtrade.data.robots",
    "high_tech_definition": "imtrade.data.indicators",
    # data: names of economies and groups (one display name and one prose name each)
    "display_names": "imtrade.data.entities",
    "prose_names": "imtrade.data.entities",
    "display_name": "imtrade.data.entities",
    "prose_name": "imtrade.data.entities",
    "with_article": "imtrade.data.entities",
    "economies": "imtrade.data.entities",
    "group_members": "imtrade.data.entities",
    # claims register
    "load_register": "imtrade.claims",
    "verdict_table": "imtrade.claims",
    "verdict_counts_phrase": "imtrade.claims",
    "CAP_SENTENCE": "imtrade.claims",
    # statistics
    "break_summary": "imtrade.stats.breaks",
    "chow_break_test": "imtrade.stats.breaks",
    "sup_f_scan": "imtrade.stats.breaks",
    "broken_trend": "imtrade.stats.breaks",
    "chow_size_simulation": "imtrade.stats.breaks",
    "power_at": "imtrade.stats.breaks",
    "multiple_breaks": "imtrade.stats.breaks",
    "rejection_rates": "imtrade.stats.breaks",
    "fit_trend": "imtrade.stats.trend",
    "predict_trend": "imtrade.stats.trend",
    "percent_change": "imtrade.stats.changes",
    "cagr": "imtrade.stats.changes",
    "series_cagr": "imtrade.stats.changes",
    "compound": "imtrade.stats.changes",
    "rank_economies": "imtrade.stats.aggregates",
    "ols_hc3": "imtrade.stats.regression",
    "two_way_fixed_effects": "imtrade.stats.regression",
    "spearman": "imtrade.stats.regression",
    # display: figures, glue and tables, text
    "apply_theme": "imtrade.show.figures",
    "add_source": "imtrade.show.figures",
    "country_styles": "imtrade.show.figures",
    "mark_year": "imtrade.show.figures",
    "glue_number": "imtrade.show.tables",
    "glue_text": "imtrade.show.tables",
    "save_table": "imtrade.show.tables",
    "show_table": "imtrade.show.tables",
    "join_names": "imtrade.show.text",
    "signed": "imtrade.show.text",
    "interval_text": "imtrade.show.text",
    "ci_text": "imtrade.show.text",
    "p_text": "imtrade.show.text",
    "change_phrase": "imtrade.show.text",
    "ranking_phrase": "imtrade.show.text",
    "above_below": "imtrade.show.text",
    "capitalise": "imtrade.show.text",
    "plural": "imtrade.show.text",
    "missing_section_note": "imtrade.show.sections",
    "report_missing_section": "imtrade.show.sections",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for type checkers and editors; at run time names load lazily
    pass


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'imtrade.api' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
