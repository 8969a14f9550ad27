"""Chapter numbers, and figures and tables numbered per chapter ("Figure 2.3"), for Sphinx.

Sphinx numbers figures through the whole book unless the table of contents is "numbered", and
a numbered jupyter-book restarts at 1 in every part. Here the chapters of the parts are
numbered 1, 2, 3, ... across parts, the chapters of a part whose caption starts with
"Appendi" get letters (A, B, ...), pages nested under a chapter get the chapter's label plus
their position (the country briefs: 6.1, 6.2, ...), and every figure and table of a page is
numbered within it: Figure <label>.<n>. The label shows before the page title in the page,
the sidebar and the previous/next links; section headings stay unnumbered.

Tables: pandas tables shown with :func:`imtrade.show.tables.show_table` are raw HTML to Sphinx.
:class:`NumberedTables` wraps each in a :class:`numbered_table` node, an enumerable node of
type ``table``, so it is numbered, gets the Styler's caption as its title, and can be cited
with ``{numref}`` when ``show_table(..., name="tab-...")`` gave it a name.
"""

from __future__ import annotations

import copy
import html
import re
import string
from typing import Any

from docutils import nodes
from docutils.transforms import Transform

APPENDIX_CAPTION = "appendi"  # "Appendices", "Appendix": lettered parts
PREVIOUS = "_imtrade_previous_numbers"  # env attribute: the numbers before this build read pages


def _label_text(label: tuple) -> str:
    return ".".join(map(str, label))


def chapter_labels(env) -> dict[str, tuple]:
    """docname -> label tuple (``(2,)``, ``("A",)``, ``(6, 12)``) for every numbered page."""
    from sphinx import addnodes

    root = env.config.root_doc
    try:
        doctree = env.get_doctree(root)
    except FileNotFoundError:
        return {}
    labels: dict[str, tuple] = {}
    number, letter = 0, 0

    def nest(parent: str, label: tuple) -> None:
        for position, child in enumerate(env.toctree_includes.get(parent, []), start=1):
            if child not in labels and child != root:
                labels[child] = (*label, position)
                nest(child, labels[child])

    for toctree in doctree.findall(addnodes.toctree):
        lettered = str(toctree.get("caption") or "").lower().startswith(APPENDIX_CAPTION)
        for _title, ref in toctree["entries"]:
            if ref in labels or ref == root or ref not in env.tocs:
                continue
            if lettered:
                labels[ref] = (_letters(letter),)
                letter += 1
            else:
                number += 1
                labels[ref] = (number,)
            nest(ref, labels[ref])
    return labels


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = string.ascii_uppercase[rest] + out
    return out


def _number_titles(env, labels: dict[str, tuple], previous: dict[str, dict]) -> list[str]:
    """Page titles get their label (pages, sidebar, prev/next); other headings none."""
    changed = []
    for docname, toc in env.tocs.items():
        label = labels.get(docname)
        secnums: dict[str, tuple] = {}
        first = True
        for reference in toc.findall(nodes.reference):
            anchor = reference.get("anchorname", "")
            if first and label:
                reference["secnumber"] = list(label)
                secnums[anchor] = label
            else:
                reference.attributes.pop("secnumber", None)
                secnums[anchor] = ()
            first = False
        title = env.titles.get(docname)
        if title is not None:
            if label:
                title["secnumber"] = list(label)
            else:
                title.attributes.pop("secnumber", None)
        if label:
            secnums[""] = label
        if previous.get(docname, {}) != (secnums if label else {}):
            changed.append(docname)
        if label:
            env.toc_secnumbers[docname] = secnums
        else:
            env.toc_secnumbers.pop(docname, None)
    return changed


def _number_figures(env, labels: dict[str, tuple], previous: dict[str, dict]) -> list[str]:
    """Figures, tables and captioned code blocks: numbered within their page."""
    std = env.domains["std"]
    changed = []
    for docname in sorted(env.found_docs):
        try:
            doctree = env.get_doctree(docname)
        except FileNotFoundError:
            continue
        label = labels.get(docname, ())
        counters: dict[str, int] = {}
        numbers: dict[str, dict[str, tuple]] = {}
        for node in doctree.findall(nodes.Element):
            figtype = std.get_enumerable_node_type(node)
            if not figtype or figtype == "section" or not node["ids"]:
                continue
            if not std.get_numfig_title(node) and not isinstance(node, numbered_table):
                continue  # as Sphinx: an uncaptioned figure is not numbered (a numbered table always is)
            counters[figtype] = counters.get(figtype, 0) + 1
            numbers.setdefault(figtype, {})[node["ids"][0]] = (*label, counters[figtype])
        if numbers != previous.get(docname, {}):
            changed.append(docname)
        if numbers:
            env.toc_fignumbers[docname] = numbers
        else:
            env.toc_fignumbers.pop(docname, None)
    return changed


def assign_numbers(app, env) -> list[str]:
    """``env-get-updated`` handler: number pages and figures; return the pages to write again.

    When no number changed since the last build, nothing more is written, so a rebuild after
    one page changed writes that page (and what Sphinx finds depends on it), not the book. When
    any number changed, every page is written again: titles, the sidebar and ``{numref}``
    links on other pages show those numbers.
    """
    if not env.config.numfig:
        return []
    secnumbers, fignumbers = getattr(env, PREVIOUS, None) or (dict(env.toc_secnumbers), dict(env.toc_fignumbers))
    if hasattr(env, PREVIOUS):
        delattr(env, PREVIOUS)  # not pickled with the environment
    labels = chapter_labels(env)
    changed = set(_number_titles(env, labels, secnumbers)) | set(_number_figures(env, labels, fignumbers))
    return sorted(env.found_docs) if changed else []


def _remember_numbers(app, env, docnames) -> None:
    """``env-before-read-docs``: keep the last build's numbers (Sphinx drops those of re-read pages)."""
    setattr(env, PREVIOUS, (copy.deepcopy(env.toc_secnumbers), copy.deepcopy(env.toc_fignumbers)))


def _sole_numbering(app) -> None:
    """Disconnect Sphinx's own toctree numbering (``builder-inited``): :func:`assign_numbers` replaces it.

    Sphinx's toctree collector numbers sections and figures its own way and compares the
    result with the numbers stored by the last build, which are this module's: every page
    differs, so it asked for every page to be written again after any change (13 of 14 pages
    for one changed chapter). The collector's ``env-get-updated`` handler does nothing but
    that numbering (``assign_section_numbers``, ``assign_figure_numbers``), and
    :func:`assign_numbers` sets both tables for every page, so dropping it loses nothing.
    """
    from sphinx.environment.collectors.toctree import TocTreeCollector

    for listener in list(app.events.listeners.get("env-get-updated", [])):
        if isinstance(getattr(listener.handler, "__self__", None), TocTreeCollector):
            app.disconnect(listener.id)


# ---------------------------------------------------------------------------------------
# Tables


class numbered_table(nodes.General, nodes.Element):  # lower case, as docutils names its nodes
    """A table shown as raw HTML (a pandas Styler), numbered like a table."""


STYLER_TABLE = re.compile(r'<table id="T_[^"]*"[^>]*>')
TABLE_NAME = re.compile(r'<table id="T_[^"]*"[^>]*\bdata-name="([^"]+)"')
CAPTION = re.compile(r"<caption>(.*?)</caption>", re.S)
TAGS = re.compile(r"<[^>]+>")


def table_title(node: numbered_table) -> str | None:
    return node.get("title") or None


class NumberedTables(Transform):
    """Wrap every pandas Styler table of a notebook's outputs in a :class:`numbered_table`.

    Runs before Sphinx collects labels (priority 850), so ``{numref}`` finds named tables.
    """

    default_priority = 800

    def apply(self, **kwargs: Any) -> None:
        document = self.document
        for raw in list(document.findall(nodes.raw)):
            text = raw.astext()
            if "html" not in raw.get("format", "").split() or not STYLER_TABLE.search(text):
                continue
            caption = CAPTION.search(text)
            caption_html = caption.group(1).strip() if caption else ""
            if caption:
                text = text[: caption.start()] + text[caption.end() :]
            named = TABLE_NAME.search(text)
            wrapper = numbered_table()
            wrapper["caption_html"] = caption_html
            wrapper["title"] = html.unescape(TAGS.sub("", caption_html)).strip()
            if named:
                wrapper["names"].append(named.group(1))
                wrapper["ids"].append(nodes.make_id(named.group(1)))
                document.note_explicit_target(wrapper, wrapper)
            else:
                document.set_id(wrapper)
            raw.replace_self(wrapper)
            wrapper += nodes.raw("", text, format="html")


def visit_numbered_table_html(self, node: numbered_table) -> None:
    self.body.append(self.starttag(node, "div", CLASS="imtrade-table"))
    self.body.append('<p class="caption imtrade-table-caption">')
    self.add_fignumber(node)
    if node.get("caption_html"):
        self.body.append(f'<span class="caption-text">{node["caption_html"]}</span>')
    self.add_permalink_ref(node, "Link to this table")
    self.body.append("</p>\n")


def depart_numbered_table_html(self, node: numbered_table) -> None:
    self.body.append("</div>\n")


def visit_numbered_table_other(self, node: numbered_table) -> None:
    """Other builders (LaTeX, text): the raw HTML inside is theirs to keep or drop."""


def depart_numbered_table_other(self, node: numbered_table) -> None:
    pass


def setup(app) -> None:
    other = (visit_numbered_table_other, depart_numbered_table_other)
    app.add_enumerable_node(
        numbered_table,
        "table",
        table_title,
        html=(visit_numbered_table_html, depart_numbered_table_html),
        latex=other,
        text=other,
        man=other,
        texinfo=other,
    )
    app.add_transform(NumberedTables)
    app.connect("builder-inited", _sole_numbering)
    app.connect("env-before-read-docs", _remember_numbers)
    app.connect("env-get-updated", assign_numbers, priority=900)
