"""Appendix "Claims audit": every claim of the five source texts, its verdict and its vintage history.

The page is generated from the claims register (``data/claims/*.yml``) by the claims engine
(:mod:`imtrade.claims`): this module only runs the audit for the page's two vintages and
turns the results into tables, a figure and sentences. Nothing here judges a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from imtrade.book.params import check_vintage
from imtrade.claims import (
    CAP_NOTE,
    CHAPTERS,
    CONTRADICTED,
    FAILED,
    INVALID,
    NOT_CHECKABLE,
    PARTLY,
    SOURCE_TEXTS,
    STATUSES,
    SUPPORTED,
    CheckContext,
    CheckResult,
    cap_rule,
    claim_anchor,
    compare_audits,
    dataset_vintages,
    evaluate,
    load_register,
    resolve_vintage,
    run_audit,
)
from imtrade.exceptions import ParameterError

# Colour, hatch and symbol per verdict: colour is never the only cue (Okabe-Ito colours).
VERDICT_STYLE: dict[str, dict[str, str]] = {
    SUPPORTED: {"color": "#009E73", "hatch": "", "symbol": "✔"},
    PARTLY: {"color": "#E69F00", "hatch": "//", "symbol": "◐"},
    CONTRADICTED: {"color": "#D55E00", "hatch": "xx", "symbol": "✘"},
    NOT_CHECKABLE: {"color": "#BBBBBB", "hatch": "..", "symbol": "○"},
    FAILED: {"color": "#000000", "hatch": "", "symbol": "⚠"},
    INVALID: {"color": "#555555", "hatch": "\\\\", "symbol": "⚠"},
}
VERDICTS_SHOWN = (SUPPORTED, PARTLY, CONTRADICTED, NOT_CHECKABLE)  # always on the axes, even when 0
WRAP = ' style="overflow-wrap: anywhere"'  # long codes (e.g. Gapminder concept names) may break anywhere


def check_parameters(params: dict[str, Any]) -> None:
    """Semantic checks run before any heavy work (also called by the chapter's first cell)."""
    check_vintage(params["vintage"])
    check_vintage(params["compare_vintage"], "compare_vintage")
    if params["vintage"] == params["compare_vintage"]:
        raise ParameterError(
            f"parameters 'vintage' and 'compare_vintage' are both {params['vintage']!r}: the comparison needs two different vintages"
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


def source_label(source: str, short: bool = False) -> str:
    """'src001: Digital technology and ...' (short: 'src001 (Wang and Chai 2024)')."""
    title = SOURCE_TEXTS.get(str(source), "")
    if short and "(" in title:
        return f"src{source} ({title.rsplit('(', 1)[1]}"
    return f"src{source}: {title}" if title else f"src{source}"


def verdict_counts(audit: pd.DataFrame) -> pd.DataFrame:
    """Number of claims per source text (rows) and verdict (columns), with totals.

    The four verdicts are always columns; ``check failed`` and ``invalid entry`` only when
    they occur. The index is the source text id (``000`` ... ``004``, then ``total``).
    """
    statuses = [s for s in STATUSES if s not in (FAILED, INVALID) or (audit["verdict"] == s).any()]
    table = audit.groupby(["source", "verdict"]).size().unstack("verdict", fill_value=0)
    table = table.reindex(index=sorted(set(audit["source"]) | set(SOURCE_TEXTS)), columns=statuses, fill_value=0)
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    table.index.name = "source"
    return table.astype(int)


def counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """:func:`verdict_counts` with readable row labels, for display."""
    shown = counts.copy()
    shown.index = [source_label(s, short=True) if s != "total" else "All source texts" for s in shown.index]
    return shown.rename_axis("Source text").reset_index()


@dataclass(frozen=True)
class Headline:
    """Numbers the page's prose quotes (all computed from one audit)."""

    claims: int
    checkable: int  # claims with a verdict other than 'not checkable' (and no failure)
    supported: int
    partly: int
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
    checkable = int(n.get(SUPPORTED, 0) + n.get(PARTLY, 0) + n.get(CONTRADICTED, 0))
    share = 100.0 * (n.get(SUPPORTED, 0) + n.get(PARTLY, 0)) / checkable if checkable else float("nan")
    return Headline(
        claims=len(audit),
        checkable=checkable,
        supported=int(n.get(SUPPORTED, 0)),
        partly=int(n.get(PARTLY, 0)),
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
    """Number of verdicts capped at 'partly supported' by their tolerance rule (proxy or secondary measure)."""
    return int(audit["detail"].str.contains(CAP_NOTE, regex=False).sum())


def capped_sentence(audit: pd.DataFrame) -> str:
    """Sentence on the verdicts capped by proxy or secondary measures (Markdown)."""
    ruled = int(audit["tolerance"].fillna("").map(cap_rule).sum())
    lowered = capped_count(audit)
    if ruled == 0:
        return "No claim is measured through a proxy or secondary source that would cap its verdict."
    text = (
        f"{plural(ruled, 'claim')} {'is' if ruled == 1 else 'are'} measured through a proxy or a secondary source and can "
        f"at most be partly supported"
    )
    if lowered:
        text += f"; for {lowered} of them the data alone would have given *supported*"
    return text + "."


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def summary_sentence(h: Headline, vintage: str) -> str:
    """One sentence on the verdicts of an audit (Markdown)."""
    if h.checkable == 0:
        return f"On WDI vintage {vintage} none of the {h.claims} claims could be checked."
    text = (
        f"On WDI vintage {vintage}, {plural(h.checkable, 'claim')} of {h.claims} could be tested against data: "
        f"{h.supported} supported, {h.partly} partly supported and {h.contradicted} contradicted, "
        f"so {h.share_at_least_partly:.0f} % of the testable claims are at least partly borne out; "
        f"{plural(h.not_checkable_by_nature, 'claim')} cannot be checked with public data"
    )
    if h.not_checkable_in_vintage:
        text += f", {plural(h.not_checkable_in_vintage, 'claim')} need{'s' if h.not_checkable_in_vintage == 1 else ''} series or years that this vintage lacks"
    if h.unresolved:
        text += f", and {plural(h.unresolved, 'entry', 'entries')} could not be judged (see *Register problems*)"
    return text + "."


def most_contradicted(audit: pd.DataFrame) -> str:
    """Which source text has the most contradicted claims (Markdown phrase)."""
    contradicted = audit[audit["verdict"] == CONTRADICTED]
    if contradicted.empty:
        return "No claim is contradicted by the data"
    counts = contradicted.groupby("source").size().sort_values(ascending=False, kind="stable")
    top = counts[counts == counts.iloc[0]]
    names = [f"{source_label(s, short=True)}" for s in top.index]
    if len(names) > 1:
        return f"The most contradicted claims ({counts.iloc[0]} each) come from {' and '.join(names)}"
    return f"The text with the most contradicted claims is {names[0]}, with {plural(int(counts.iloc[0]), 'claim')}"


# ---------------------------------------------------------------------------------------
# The figure


def plot_verdicts(counts: pd.DataFrame, ax=None, *, vintage: str = ""):
    """Horizontal stacked bars: claims per source text, split by verdict (colour + hatch).

    Parameters
    ----------
    counts : output of :func:`verdict_counts` (the ``total`` row and column are ignored).
    ax : matplotlib axes (a new figure when None).
    vintage : shown in the legend title.

    Returns
    -------
    The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    if ax is None:  # narrow enough to show at full size in the page column, labels inside
        fig, ax = plt.subplots(figsize=(7.0, 3.6), layout="constrained")
    else:
        fig = ax.figure
    body = counts.drop(index="total", errors="ignore").drop(columns="total", errors="ignore")
    labels = [source_label(s, short=True) for s in body.index]
    left = pd.Series(0.0, index=body.index)
    for status in body.columns:
        values = body[status]
        style = VERDICT_STYLE[status]
        bars = ax.barh(
            labels,
            values,
            left=left,
            color=style["color"],
            hatch=style["hatch"],
            edgecolor="white",
            linewidth=0.8,
            label=status,
        )
        for bar, value in zip(bars, values, strict=True):
            if value > 0:  # black on a white patch: readable on every colour and hatch
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    str(int(value)),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="black",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                )
        left += values
    from matplotlib.ticker import MaxNLocator

    ax.invert_yaxis()  # src000 at the top
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=10)
    ax.set_xlabel("Number of claims")
    ax.set_ylabel("")
    ax.grid(axis="y", visible=False)
    ax.legend(
        ncols=min(len(body.columns), 3),
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        frameon=False,
        fontsize=10,
        title=f"Verdict (WDI vintage {vintage})" if vintage else "Verdict",
        title_fontsize=10,
        alignment="left",
    )
    return fig


def plot_vintage_shift(page: AuditPage, ax=None):
    """Grouped bars: number of claims per verdict on each of the page's two vintages.

    Returns
    -------
    The matplotlib figure.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 3.2), layout="constrained")
    else:
        fig = ax.figure
    statuses = [
        s
        for s in STATUSES
        if s in VERDICTS_SHOWN or (page.audit["verdict"] == s).any() or (page.compare_audit["verdict"] == s).any()
    ]
    x = np.arange(len(statuses))
    width = 0.38
    for offset, (vintage, audit, hatch, color) in enumerate(
        ((page.vintage, page.audit, "", "#0072B2"), (page.compare_vintage, page.compare_audit, "//", "#56B4E9"))
    ):
        values = [int((audit["verdict"] == s).sum()) for s in statuses]
        bars = ax.bar(
            x + (offset - 0.5) * width,
            values,
            width,
            label=f"WDI vintage {vintage}",
            color=color,
            hatch=hatch,
            edgecolor="white",
        )
        ax.bar_label(bars, fontsize=9, padding=2)
    from matplotlib.ticker import MaxNLocator

    ax.set_xticks(x, statuses)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Number of claims")
    ax.grid(axis="x", visible=False)
    ax.margins(y=0.12)
    ax.legend(ncols=2, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False)
    return fig


# ---------------------------------------------------------------------------------------
# Markdown tables (rendered by MyST: {ref} links to the chapters' claims sections)


def _cell(text: Any) -> str:
    """Markdown-table-safe text (pipes escaped, line breaks removed)."""
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    text = text.replace("|", "\\|").replace("$", "\\$")  # no table breaks, no $...$ maths
    return " ".join(text.split()) or "—"


def verdict_badge(verdict: str) -> str:
    style = VERDICT_STYLE.get(verdict, {"symbol": ""})
    return f"{style['symbol']} {verdict}".strip()


def chapter_links(paths=None) -> dict[str, str]:
    """Markdown link to each chapter's claims section (or to the chapter, or its plain name).

    A ``{ref}`` link needs the chapter in the table of contents *and* its label
    ``(claims-<topic>)=``; a chapter without the label gets a ``{doc}`` link to the page and
    a chapter not in the book its plain name, so the page builds without warnings at every
    stage of the book.
    """
    from imtrade.book.toc import chapters as toc_chapters

    found = {c.name: c for c in toc_chapters(paths)}
    links = {}
    for topic in CHAPTERS:
        ch = found.get(topic)
        if ch is None:
            links[topic] = topic.replace("_", " ") + " (chapter in preparation)"
            continue
        short = _cell(ch.title().split(":")[0])  # "Trade patterns: intelligent ..." -> "Trade patterns"
        if f"(claims-{topic})=" in ch.source:
            links[topic] = f"{{ref}}`{short} <claims-{topic}>`"
        else:
            links[topic] = f"{{doc}}`{short} <{ch.name}>`"
    return links


def _block(text: Any) -> str:
    """:func:`_cell` text that cannot start a Markdown block (list item, heading, quote)."""
    text = _cell(text)
    return "\\" + text if re.match(r"^([-+*#>]|\d+[.)]\s)", text) else text


def claims_markdown(audit: pd.DataFrame, source: str, links: dict[str, str]) -> str:
    """The full table of one source text's claims, as a MyST ``list-table``.

    Columns: claim (paraphrase, id with an HTML anchor, link to the chapter's claims
    section), claimed, measured (with the test and its result, or the reason why the claim
    cannot be checked, in a collapsible note), verdict.
    """
    rows = audit[audit["source"] == str(source)]
    if rows.empty:
        return "*No claims of this text are in the register.*"
    lines = [
        "```{list-table}",
        ":header-rows: 1",
        ":widths: 38 18 30 14",
        ":width: 100%",
        "",
        "* - Claim",
        "  - Claimed",
        "  - Measured",
        "  - Verdict",
    ]
    for row in rows.itertuples():
        why = {NOT_CHECKABLE: "why not checkable", FAILED: "what went wrong", INVALID: "what is wrong"}.get(
            row.verdict, "test and result"
        )
        claim = (
            f'{_block(row.claim)}<br><small><span id="{claim_anchor(row.id)}"></span>{row.id} · '
            f"{links.get(row.chapter, _cell(row.chapter))}</small>"
        )
        measured = f"{_block(row.measured)}<details{WRAP}><summary>{why}</summary>{_cell(row.detail)}</details>"
        lines += [
            f"* - {claim}",
            f"  - {_block(row.claimed) if row.claimed else '—'}",
            f"  - {measured}",
            f"  - {verdict_badge(row.verdict)}",
        ]
    lines.append("```")
    return "\n".join(lines)


def comparison_markdown(page: AuditPage) -> str:
    """The claims whose measured value or verdict changes between the two vintages (MyST list-table)."""
    v1, v2 = page.vintage, page.compare_vintage
    if page.changes.empty:
        return f"*No claim changes its measured value or verdict between vintages {v1} and {v2}.*"
    lines = [
        "```{list-table}",
        ":header-rows: 1",
        ":widths: 22 32 32 14",
        ":width: 100%",
        "",
        "* - Claim",
        f"  - WDI vintage {v1}",
        f"  - WDI vintage {v2}",
        "  - What changed",
    ]
    for row in page.changes.to_dict("records"):
        link = f'<a href="#{claim_anchor(row["id"])}">{_cell(row["id"])}</a>'  # raw HTML: the anchor is a raw <span id>
        lines += [
            f"* - {link}",
            f"  - **{verdict_badge(str(row[f'verdict_{v1}']))}**<br>{_cell(row[f'measured_{v1}'])}",
            f"  - **{verdict_badge(str(row[f'verdict_{v2}']))}**<br>{_cell(row[f'measured_{v2}'])}",
            f"  - {_cell(row['change'])}",
        ]
    lines.append("```")
    return "\n".join(lines)


def comparison_summary(page: AuditPage) -> str:
    """One sentence on how the verdicts move between the two vintages (Markdown)."""
    changes = page.changes
    verdict = changes[changes["change"] == "verdict"]
    v1, v2 = page.vintage, page.compare_vintage
    if changes.empty:
        return f"Between WDI vintages {v1} and {v2} no claim changes its measured value or verdict."
    lost = int((verdict[f"verdict_{v2}"] == NOT_CHECKABLE).sum())
    gained = int((verdict[f"verdict_{v1}"] == NOT_CHECKABLE).sum())
    flipped = len(verdict) - lost - gained
    moved = len(changes) - len(verdict)
    head = (
        f"{plural(len(changes), 'claim')} change{'s' if len(changes) == 1 else ''} between WDI vintages {v1} and {v2}"
    )
    if verdict.empty:
        head += ": the measured values move but no verdict changes"
    elif moved == 0:
        head += ", all of them with another verdict"
    else:
        head += f": {plural(len(verdict), 'verdict')} change and {plural(moved, 'measured value')} move without changing the verdict"
    parts = [head]
    details = []
    if lost:
        details.append(
            f"{plural(lost, 'claim')} cannot be checked on vintage {v2} (its series or years are missing there)"
        )
    if gained:
        details.append(f"{plural(gained, 'claim')} can be checked only on vintage {v2}")
    if flipped:
        details.append(
            f"{plural(flipped, 'verdict')} move{'s' if flipped == 1 else ''} between supported, partly supported and contradicted"
        )
    return parts[0] + ("; " + "; ".join(details) if details else "") + "."


def problems_markdown(problems: dict[str, list[str]], audit: pd.DataFrame) -> str:
    """Register problems and failed checks as a Markdown list (or a sentence saying there are none)."""
    failed = audit[audit["verdict"] == FAILED]
    if not problems and failed.empty:
        return "Every entry of the register is valid and every check ran: each claim above has a verdict."
    lines = []
    if problems:
        lines.append(
            f"{plural(len(problems), 'register entry', 'register entries')} could not be evaluated; each is listed with what is wrong:"
        )
        lines.append("")
        for key, issues in problems.items():
            lines.append(f"- **{_cell(key)}**: {_cell('; '.join(issues))}")
        lines.append("")
    if not failed.empty:
        lines.append(f"{plural(len(failed), 'check')} raised an error:")
        lines.append("")
        for row in failed.itertuples():
            lines.append(f"- **{_cell(row.id)}**: {_cell(row.detail)}")
    return "\n".join(lines).strip()


def datasets_table(page: AuditPage) -> pd.DataFrame:
    """Datasets and the vintage of each that the audit read (for display)."""
    return page.datasets.rename(columns={"dataset": "Dataset", "title": "Title", "vintage": "Vintage used"})


def download_table(audit: pd.DataFrame) -> pd.DataFrame:
    """The audit as written to the page's CSV download (every column of the engine)."""
    return audit.copy()


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
