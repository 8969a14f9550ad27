"""Appendix "Claims audit": what the notebook calls.

:mod:`.analysis` runs the audit on two vintages and counts, :mod:`.text` writes the page's
Markdown and sentences, :mod:`.figures` draws.
"""

from __future__ import annotations

from imtrade.chapters.claims_audit.analysis import (
    VERDICT_STYLE,
    VERDICTS_SHOWN,
    WRAP,
    AuditPage,
    Headline,
    audit_for,
    audit_page,
    capped_count,
    check_parameters,
    headline,
    reevaluate,
    verdict_count,
    verdict_counts,
)
from imtrade.chapters.claims_audit.figures import (
    plot_verdicts,
    plot_vintage_shift,
)
from imtrade.chapters.claims_audit.text import (
    capped_sentence,
    chapter_links,
    claims_markdown,
    comparison_markdown,
    comparison_summary,
    counts_table,
    datasets_table,
    download_table,
    most_contradicted,
    problems_markdown,
    source_label,
    summary_sentence,
    verdict_badge,
    verdict_definitions,
)

__all__ = [
    "VERDICTS_SHOWN",
    "VERDICT_STYLE",
    "WRAP",
    "AuditPage",
    "Headline",
    "audit_for",
    "audit_page",
    "capped_count",
    "capped_sentence",
    "chapter_links",
    "check_parameters",
    "claims_markdown",
    "comparison_markdown",
    "comparison_summary",
    "counts_table",
    "datasets_table",
    "download_table",
    "headline",
    "most_contradicted",
    "plot_verdicts",
    "plot_vintage_shift",
    "problems_markdown",
    "reevaluate",
    "source_label",
    "summary_sentence",
    "verdict_badge",
    "verdict_count",
    "verdict_counts",
    "verdict_definitions",
]
