"""Appendix "Claims audit": the page's Markdown, sentences and display tables."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from imtrade.chapters.claims_audit.analysis import VERDICT_STYLE, WRAP, AuditPage, Headline, capped_count
from imtrade.claims import (
    CONTRADICTED,
    DIRECT,
    FAILED,
    INCONCLUSIVE,
    INVALID,
    NOT_CHECKABLE,
    PARTIAL,
    PARTLY,
    PARTLY_CONTRADICTED,
    PROXY,
    SECONDARY,
    SOURCE_TEXTS,
    SUPPORTED,
    TESTED,
    VERDICT_MEANINGS,
    VERDICTS,
    claim_anchor,
)
from imtrade.show.text import capitalise, join_names, plural


def source_label(source: str, short: bool = False) -> str:
    """'src001: Digital technology and ...' (short: 'src001 (Wang and Chai 2024)')."""
    title = SOURCE_TEXTS.get(str(source), "")
    if short and "(" in title:
        return f"src{source} ({title.rsplit('(', 1)[1]}"
    return f"src{source}: {title}" if title else f"src{source}"


def counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """:func:`verdict_counts` with readable row labels, for display."""
    shown = counts.copy()
    shown.index = [source_label(s, short=True) if s != "total" else "All source texts" for s in shown.index]
    return shown.rename_axis("Source text").reset_index()


def capped_sentence(audit: pd.DataFrame) -> str:
    """Sentence on the verdicts capped by the proxy rule (Markdown).

    Counts the entries by their ``evidence`` (proxy or secondary: capped on both sides;
    partial: capped on the supporting side) and the verdicts the cap changed.
    """
    evidence = [e if isinstance(e, str) else DIRECT for e in audit.get("evidence", pd.Series(dtype=object))]
    both = sum(e in (PROXY, SECONDARY) for e in evidence)
    partial = sum(e == PARTIAL for e in evidence)
    lowered = capped_count(audit)
    if both + partial == 0:
        return "No claim is measured through a proxy or secondary source that would cap its verdict."
    parts = []
    if both:
        parts.append(
            f"{plural(both, 'claim')} {'is' if both == 1 else 'are'} measured through a proxy or a secondary source, "
            "which can neither fully support nor fully contradict a claim: at most *partly supported* or *partly "
            "contradicted*"
        )
    if partial:
        parts.append(f"{plural(partial, 'claim')} can be tested only in part and can at most be *partly supported*")
    text = "; ".join(parts)
    if lowered:
        text += (
            f". The cap changed {plural(lowered, 'verdict')} that the data alone would have made "
            "*supported* or *contradicted*"
        )
    return capitalise(text) + "."


def verdict_definitions() -> str:
    """The verdicts and what each means, as a MyST definition list (from :data:`imtrade.claims.VERDICT_MEANINGS`)."""
    blocks = []
    for verdict in VERDICTS:
        blocks.append(f"{verdict_badge(verdict)}\n: {capitalise(VERDICT_MEANINGS[verdict])}.")
    return "\n\n".join(blocks)


_HEADLINE_FIELD = {  # tested verdict -> its count in Headline
    SUPPORTED: "supported",
    PARTLY: "partly",
    INCONCLUSIVE: "inconclusive",
    PARTLY_CONTRADICTED: "partly_contradicted",
    CONTRADICTED: "contradicted",
}


def summary_sentence(h: Headline, vintage: str) -> str:
    """One sentence on the verdicts of an audit (Markdown)."""
    if h.checkable == 0:
        return f"On WDI vintage {vintage} none of the {h.claims} claims could be checked."
    tested = join_names(f"{getattr(h, _HEADLINE_FIELD[v])} {v}" for v in TESTED)
    text = (
        f"On WDI vintage {vintage}, {plural(h.checkable, 'claim')} of {h.claims} could be tested against data: "
        f"{tested}, so {h.share_at_least_partly:.0f} % of the testable claims are at least partly borne out; "
        f"{plural(h.not_checkable_by_nature, 'claim')} cannot be checked with public data"
    )
    if h.not_checkable_in_vintage:
        need = "needs" if h.not_checkable_in_vintage == 1 else "need"
        text += f", {plural(h.not_checkable_in_vintage, 'claim')} {need} series or years that this vintage lacks"
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


def _cell(text: Any) -> str:
    """Markdown-table-safe text (pipes escaped, line breaks removed)."""
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    text = text.replace("|", "\\|").replace("$", "\\$")  # no table breaks, no $...$ maths
    return " ".join(text.split()) or "—"


def verdict_badge(verdict: str) -> str:
    style = VERDICT_STYLE.get(verdict, {"symbol": ""})
    return f"{style['symbol']} {verdict}".strip()


def chapter_links(paths=None) -> dict[str, str]:
    """Markdown link to each chapter's claims section (or to the chapter).

    One entry per chapter of the table of contents. A ``{ref}`` link needs the chapter's
    label ``(claims-<topic>)=``; a chapter without the label gets a ``{doc}`` link to the
    page, so the page builds without warnings at every stage of the book (a claim of a
    chapter not in the book shows its plain name: :func:`claims_markdown`).
    """
    from imtrade.book.toc import chapters as toc_chapters

    links = {}
    for ch in toc_chapters(paths):
        topic = ch.name
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


def list_table(header: list[str], rows: list[list[str]], widths: str) -> str:
    """A MyST ``list-table`` (full width, one header row) of Markdown cells."""
    lines = ["```{list-table}", ":header-rows: 1", f":widths: {widths}", ":width: 100%", ""]
    for cells in [header, *rows]:
        lines += [f"* - {cells[0]}", *(f"  - {c}" for c in cells[1:])]
    lines.append("```")
    return "\n".join(lines)


def claims_markdown(audit: pd.DataFrame, source: str, links: dict[str, str]) -> str:
    """The full table of one source text's claims, as a MyST ``list-table``.

    Columns: claim (paraphrase, id with an HTML anchor, link to the chapter's claims
    section), claimed, measured (with the test and its result, or the reason why the claim
    cannot be checked, in a collapsible note), verdict.
    """
    rows = audit[audit["source"] == str(source)]
    if rows.empty:
        return "*No claims of this text are in the register.*"
    body = []
    for row in rows.itertuples():
        why = {NOT_CHECKABLE: "why not checkable", FAILED: "what went wrong", INVALID: "what is wrong"}.get(
            row.verdict, "test and result"
        )
        claim = (
            f'{_block(row.claim)}<br><small><span id="{claim_anchor(row.id)}"></span>{row.id} · '
            f"{links.get(row.chapter, _cell(row.chapter))}</small>"
        )
        measured = f"{_block(row.measured)}<details{WRAP}><summary>{why}</summary>{_cell(row.detail)}</details>"
        body.append([claim, _block(row.claimed) if row.claimed else "—", measured, verdict_badge(row.verdict)])
    return list_table(["Claim", "Claimed", "Measured", "Verdict"], body, "38 18 30 14")


def comparison_markdown(page: AuditPage) -> str:
    """The claims whose measured value or verdict changes between the two vintages (MyST list-table)."""
    v1, v2 = page.vintage, page.compare_vintage
    if page.changes.empty:
        return f"*No claim changes its measured value or verdict between vintages {v1} and {v2}.*"
    body = []
    for row in page.changes.to_dict("records"):
        link = f'<a href="#{claim_anchor(row["id"])}">{_cell(row["id"])}</a>'  # raw HTML: the anchor is a raw <span id>
        body.append(
            [
                link,
                f"**{verdict_badge(str(row[f'verdict_{v1}']))}**<br>{_cell(row[f'measured_{v1}'])}",
                f"**{verdict_badge(str(row[f'verdict_{v2}']))}**<br>{_cell(row[f'measured_{v2}'])}",
                _cell(row["change"]),
            ]
        )
    return list_table(["Claim", f"WDI vintage {v1}", f"WDI vintage {v2}", "What changed"], body, "22 32 32 14")


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
        head += (
            f": {plural(len(verdict), 'verdict')} change and {plural(moved, 'measured value')} "
            "move without changing the verdict"
        )
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
            f"{plural(flipped, 'verdict')} move{'s' if flipped == 1 else ''} along the scale from supported to "
            "contradicted"
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
            f"{plural(len(problems), 'register entry', 'register entries')} could not be evaluated; each is listed "
            "with what is wrong:"
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
