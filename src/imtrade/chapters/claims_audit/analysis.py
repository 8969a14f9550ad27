"""Appendix "Claims audit": every claim of the five source texts, its verdict and its vintage history.

The page is generated from the claims register (``data/claims/*.yml``) by the claims engine
(:mod:`imtrade.claims`): this module only runs the audit for the page's two vintages and
counts the results; :mod:`.text` turns them into tables and sentences, :mod:`.figures` into
figures. Nothing here judges a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from imtrade.book.params import check_vintage
from imtrade.claims import (
    CAP_NOTE,
    CONTRADICTED,
    FAILED,
    INCONCLUSIVE,
    INVALID,
    NOT_CHECKABLE,
    PARTLY,
    PARTLY_CONTRADICTED,
    SOURCE_TEXTS,
    STATUSES,
    SUPPORTED,
    TESTED,
    VERDICTS,
    CheckContext,
    CheckResult,
    compare_audits,
    dataset_vintages,
    evaluate,
    load_register,
    resolve_vintage,
    run_audit,
)
from imtrade.exceptions import ParameterError

# Colour, hatch and symbol per verdict: colour is never the only cue. The tested verdicts run
# on a diverging scale of the Okabe-Ito palette (blue for the claim, orange for against it,
# grey between), which stays ordered and distinct under the common colour-vision deficiencies.
VERDICT_STYLE: dict[str, dict[str, str]] = {
    SUPPORTED: {"color": "#0072B2", "hatch": "", "symbol": "✔"},
    PARTLY: {"color": "#56B4E9", "hatch": "//", "symbol": "◐"},
    INCONCLUSIVE: {"color": "#999999", "hatch": "--", "symbol": "?"},
    PARTLY_CONTRADICTED: {"color": "#E69F00", "hatch": "\\\\", "symbol": "◑"},
    CONTRADICTED: {"color": "#D55E00", "hatch": "xx", "symbol": "✘"},
    NOT_CHECKABLE: {"color": "#DDDDDD", "hatch": "..", "symbol": "○"},
    FAILED: {"color": "#000000", "hatch": "", "symbol": "⚠"},
    INVALID: {"color": "#555555", "hatch": "++", "symbol": "⚠"},
}
VERDICTS_SHOWN = VERDICTS  # always on the axes and in the counts, even when 0
WRAP = ' style="overflow-wrap: anywhere"'  # long codes (e.g. Gapminder concept names) may break anywhere


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell)."""
    check_vintage(params["vintage"])
    check_vintage(params["compare_vintage"], "compare_vintage")
    if params["vintage"] == params["compare_vintage"]:
        raise ParameterError(
            f"parameters 'vintage' and 'compare_vintage' are both {params['vintage']!r}: the comparison needs two "
            "different vintages"
        )


@dataclass(frozen=True)
class AuditPage:
    """Everything the page shows, computed once."""

    vintage: str
    compare_vintage: str
    audit: pd.DataFrame  # one row per register entry, on ``vintage``
    compare_audit: pd.DataFrame  # the same on ``compare_vintage``
    changes: pd.DataFrame  # claims whose verdict or measured value differ (compare_audits)
    problems: dict[str, list[str]]  # register problems by entry
    datasets: pd.DataFrame  # dataset, title, vintage read by the audit on ``vintage``


def audit_page(vintage: str, compare_vintage: str) -> AuditPage:
    """Run the audit on both vintages (the register is read and validated once)."""
    register = load_register()
    audit, problems = run_audit(vintage, register=register)
    other, _ = run_audit(compare_vintage, register=register)
    return AuditPage(
        vintage, compare_vintage, audit, other, compare_audits(audit, other), problems, dataset_vintages(vintage)
    )


# ---------------------------------------------------------------------------------------
# Counts


def verdict_counts(audit: pd.DataFrame) -> pd.DataFrame:
    """Number of claims per source text (rows) and verdict (columns), with totals.

    Every verdict is a column (:data:`VERDICTS_SHOWN`); ``check failed`` and ``invalid entry``
    only when they occur. The index is the source text id (``000`` ... ``004``, then ``total``).
    """
    statuses = [s for s in STATUSES if s not in (FAILED, INVALID) or (audit["verdict"] == s).any()]
    table = audit.groupby(["source", "verdict"]).size().unstack("verdict", fill_value=0)
    table = table.reindex(index=sorted(set(audit["source"]) | set(SOURCE_TEXTS)), columns=statuses, fill_value=0)
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    table.index.name = "source"
    return table.astype(int)


@dataclass(frozen=True)
class Headline:
    """Numbers the page's prose quotes (all computed from one audit)."""

    claims: int
    checkable: int  # claims with a tested verdict (supported ... contradicted; not 'not checkable', no failure)
    supported: int
    partly: int
    inconclusive: int
    partly_contradicted: int
    contradicted: int
    not_checkable: int
    not_checkable_by_nature: int  # no public data can test the claim (no check function)
    not_checkable_in_vintage: int  # a check exists but the vintage lacks its series or years
    unresolved: int  # check failed + invalid entry
    share_at_least_partly: float  # % of the checkable claims
    quantitative: int
    qualitative: int


def headline(audit: pd.DataFrame) -> Headline:
    """Counts and shares of an audit for the prose."""
    n = audit["verdict"].value_counts()
    checkable = int(sum(n.get(v, 0) for v in TESTED))
    share = 100.0 * (n.get(SUPPORTED, 0) + n.get(PARTLY, 0)) / checkable if checkable else float("nan")
    return Headline(
        claims=len(audit),
        checkable=checkable,
        supported=int(n.get(SUPPORTED, 0)),
        partly=int(n.get(PARTLY, 0)),
        inconclusive=int(n.get(INCONCLUSIVE, 0)),
        partly_contradicted=int(n.get(PARTLY_CONTRADICTED, 0)),
        contradicted=int(n.get(CONTRADICTED, 0)),
        not_checkable=int(n.get(NOT_CHECKABLE, 0)),
        not_checkable_by_nature=int(((audit["verdict"] == NOT_CHECKABLE) & (audit["check"].fillna("") == "")).sum()),
        not_checkable_in_vintage=int(((audit["verdict"] == NOT_CHECKABLE) & (audit["check"].fillna("") != "")).sum()),
        unresolved=int(n.get(FAILED, 0) + n.get(INVALID, 0)),
        share_at_least_partly=share,
        quantitative=int((audit["kind"] == "quantitative").sum()),
        qualitative=int((audit["kind"] == "qualitative").sum()),
    )


def capped_count(audit: pd.DataFrame) -> int:
    """Number of verdicts the proxy rule capped (supported -> partly supported, contradicted -> partly contradicted)."""
    return int(audit["detail"].str.contains(CAP_NOTE, regex=False).sum())


# ---------------------------------------------------------------------------------------
# The figure


# ---------------------------------------------------------------------------------------
# Markdown tables (rendered by MyST: {ref} links to the chapters' claims sections)


# ---------------------------------------------------------------------------------------
# Exercises


def audit_for(page: AuditPage, vintage: str) -> pd.DataFrame:
    """The page's audit of ``vintage`` if it has one, else a new audit of that vintage."""
    vintage = resolve_vintage(vintage)
    if vintage == page.vintage:
        return page.audit
    if vintage == page.compare_vintage:
        return page.compare_audit
    return run_audit(vintage)[0]


def verdict_count(page: AuditPage, vintage: str, verdict: str) -> int:
    """Number of claims with ``verdict`` on WDI ``vintage``."""
    return int((audit_for(page, vintage)["verdict"] == verdict).sum())


def reevaluate(claim_id: str, vintage: str, **changes: Any) -> CheckResult:
    """Run one claim's check again with some of its ``args`` changed (a what-if on the rule).

    Raises
    ------
    ParameterError
        When the register has no valid entry ``claim_id`` or the claim has no check.
    """
    import dataclasses

    register = load_register(validate_indicators=False)
    claims = {c.id: c for c in register.claims}
    if claim_id not in claims:
        raise ParameterError(f"the register has no valid claim {claim_id!r}")
    claim = claims[claim_id]
    if not claim.check:
        raise ParameterError(f"claim {claim_id!r} has no check function: {claim.not_checkable}")
    changed = dataclasses.replace(claim, args={**claim.args, **changes})
    return evaluate(changed, CheckContext(resolve_vintage(vintage)))
