"""Helpers for what a chapter shows: glued numbers and text, downloadable tables.

Numbers in prose are glued, never typed: ``glue_number("exports_2008", 30.69, "{:.1f}")``
in code and ``{glue:md}`exports_2008` %`` in the text. Sentences that depend on
parameters (which countries, which years) are glued as Markdown with :func:`glue_text`
(their generic pieces, such as name lists and signed numbers, are :mod:`imtrade.show.text`).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from imtrade.paths import CHAPTER_ENV
from imtrade.show.text import format_number

TABLE_DIR = Path("tables")  # relative to the executed notebook, so the page can link it


def _glue(name: str, text: str) -> None:
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(text), display=False)


def glue_number(name: str, value: float | None, fmt: str = "{:,.1f}") -> str:
    """Glue a formatted number for ``{glue:md}`name``` and return the text."""
    text = format_number(value, fmt)
    _glue(name, text)
    return text


def glue_text(name: str, text: str) -> str:
    """Glue a Markdown snippet (a parameter-dependent phrase or sentence)."""
    _glue(name, text)
    return text


def save_table(frame: pd.DataFrame, filename: str, *, float_format: str = "%.6g") -> Path:
    """Write ``frame`` as CSV under ``tables/`` next to the notebook (for a {download} link)."""
    path = TABLE_DIR / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format=float_format, lineterminator="\n")
    return path


def chapter_name() -> str:
    """The chapter being executed (set by the executor), or 'interactive'."""
    return os.environ.get(CHAPTER_ENV, "interactive")


_TABLE: type | None = None


def _table_class() -> type:
    """A Styler whose plain-text form has no memory address (reproducible notebooks); defined
    on first use: pandas' Styler imports jinja2, which a kernel needs only to show a table."""
    global _TABLE
    if _TABLE is None:
        from pandas.io.formats.style import Styler

        class _Table(Styler):
            def __repr__(self) -> str:
                return f"<table: {self.data.shape[0]} rows x {self.data.shape[1]} columns>"

        _TABLE = _Table
    return _TABLE


TABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")


def show_table(frame: pd.DataFrame, precision: int = 1, caption: str | None = None, name: str | None = None):
    """A compact HTML table for the page (index hidden, numbers rounded).

    The book numbers every such table per chapter ("Table 2.1", :mod:`imtrade.book.numbering`)
    with ``caption`` as its title; ``name`` (e.g. ``"tab-trade_patterns-rca"``) lets the text
    cite it with ``{numref}`tab-trade_patterns-rca```.
    """
    if name is not None and not TABLE_NAME.fullmatch(name):
        raise ValueError(f"table name {name!r}: use letters, digits and - _ . : (starting with a letter)")
    # a fixed table id (pandas draws a random one): executed notebooks are reproducible
    digest = hashlib.sha256(f"{caption}\n{frame.to_csv()}".encode()).hexdigest()[:8]
    styler = (
        _table_class()(frame, uuid=digest).format(precision=precision, thousands=",", na_rep="–").hide(axis="index")
    )
    if caption:
        styler = styler.set_caption(caption)
    if name:
        styler = styler.set_table_attributes(f'data-name="{name}"')
    return styler
