"""Appendix "Methods": what the notebook calls (:mod:`.analysis` simulates, :mod:`.figures` draws)."""

from __future__ import annotations

from imtrade.chapters.methods.analysis import BREAK_YEAR, CANDIDATES, LAST_YEAR, check_parameters, size_power_table
from imtrade.chapters.methods.figures import figure_rejection_rates

__all__ = ["BREAK_YEAR", "CANDIDATES", "LAST_YEAR", "check_parameters", "figure_rejection_rates", "size_power_table"]
