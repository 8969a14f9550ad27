"""Sections a parameter set cannot show: said in the section and in the page's parameters note.

Rerunning with other data or parameters is a main use of the book, so a section whose data
the chosen vintage or economies lack does not fail the chapter: it says what is missing and
why (:func:`missing_section_note`, glued at the top of the section), and it reports itself
(:func:`report_missing_section`) so that the page's parameters note lists every section the
parameter set cannot show (:func:`missing_sections_note`, added by
:func:`imtrade.book.execute.normalise_notebook` from the glued values).
"""

from __future__ import annotations

from collections.abc import Mapping

PREFIX = "section_missing_"  # glue keys of the sections reported missing


def missing_section_note(reason: str) -> str:
    """The sentence a degraded section opens with: what is missing (``reason``) and what it means."""
    reason = reason.strip().rstrip(".")
    return (
        f"**Not available with these parameters.** {reason[:1].upper()}{reason[1:]}, so this section cannot be "
        "computed: its numbers read n/a and its figures and tables are empty. The rest of the chapter is unaffected; "
        "rerun with other parameters (e.g. the defaults) to see it."
    )


def report_missing_section(key: str, title: str, reason: str) -> str:
    """Record (as a glued value) that the section ``title`` cannot be shown, and why; returns the line."""
    from imtrade.show.tables import glue_text

    if not key.isidentifier():
        raise ValueError(f"section key must be an identifier, got {key!r}")
    line = f"*{title}*: {reason.strip().rstrip('.')}."
    glue_text(PREFIX + key, line)
    return line


def missing_sections(glued: Mapping[str, str]) -> list[str]:
    """The lines of the sections reported missing, from a notebook's glued values (in page order)."""
    return [text for name, text in glued.items() if name.startswith(PREFIX)]


def missing_sections_note(lines: list[str]) -> str:
    """Markdown shown under the parameters note: which sections this parameter set cannot show ("" when none)."""
    if not lines:
        return ""
    items = "\n".join(f"- {line}" for line in lines)
    return f"\n\n:::{{note}} Sections these parameters cannot show\n{items}\n:::"
