"""Sphinx extension of the book: numbers, downloads, citations, dark mode, light pages.

- numbers chapters, and figures and tables per chapter (:mod:`imtrade.book.numbering`);
- writes one download per figure and its dark-mode image (:mod:`imtrade.book.figure_downloads`);
- ends every page with "Cite this edition" (:mod:`imtrade.book.citation`; a dated edition
  while ``imtrade publish`` builds one, else a note that the build is unpublished);
- adds the book's stylesheet and script (``static/``: dark-mode figures and tables, captions);
- leaves the figure exports out of the notebooks readers download (``_sources/*.ipynb``);
- loads the search index (``searchindex.js``, hundreds of KB with the country briefs) and the
  search scripts only on the search page: the search box of every other page submits to it;
- drops the theme's FontAwesome SVG script (1.4 MB): the theme's CSS already draws every
  icon the pages use from the locally served webfont;
- drops sphinx-thebe's script (live code is not offered; it also declares a global twice
  and logs a console error);
- loads MathJax only on pages that contain math themselves;
- shows the parameter note's link to the rerunning guide as plain text in a cut-down book
  without that page (a test book, a course's subset of chapters) instead of a broken link;
- turns the one-line root redirect written by sphinx-external-toc into a complete page (title,
  language, favicon, a visible link): without an icon link browsers request /favicon.ico, a 404.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

DROPPED_SCRIPTS = ("scripts/fontawesome.js", "sphinx-thebe.js")
STATIC = Path(__file__).with_name("static")
FIGURE_RECORD = "imtrade-figures.json"  # in the doctree folder: which page wrote which figure files


def _drop_scripts(app, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        own_math = doctree is not None and _has_math(doctree)
        context["script_files"] = [s for s in scripts if not _dropped(s) and (own_math or not _is_mathjax(s))]


def _has_math(doctree) -> bool:
    from docutils import nodes

    return any(True for _ in doctree.findall(lambda n: isinstance(n, nodes.math | nodes.math_block)))


def _is_mathjax(script: Any) -> bool:
    """Sphinx loads MathJax on the root page when any page in its toctree has math; we only
    load it where the page itself has math (the root page alone weighs 1 MB more otherwise)."""
    return str(getattr(script, "filename", "") or "").endswith("tex-mml-chtml.js")


def _dropped(script: Any) -> bool:
    name = getattr(script, "filename", script) or ""  # Sphinx 7.4: _JavaScript objects
    body = getattr(script, "attributes", {}).get("body", "") if hasattr(script, "attributes") else ""
    return any(str(name).split("?")[0].endswith(d) for d in DROPPED_SCRIPTS) or "THEBE_JS_URL" in str(body)


FONTAWESOME_TAG = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
# The theme loads Sphinx's search scripts and the whole index on every page (for a search-as-you-
# type box this book does not use); only search.html needs them.
SEARCH_TAGS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>'
)


def _note_build_start(app) -> None:
    """Remember when this build started (pages older than that were not written by it), and
    keep the compiled page templates between builds (jinja2's bytecode cache: keyed by each
    template's source checksum and jinja2's version, so an edited template is compiled again)."""
    import time

    app._imtrade_started_ns = time.time_ns()
    templates = getattr(getattr(app.builder, "templates", None), "environment", None)
    if templates is not None and getattr(templates, "bytecode_cache", None) is None:
        from jinja2 import FileSystemBytecodeCache

        cache = Path(app.doctreedir).parent / "jinja-bytecode"
        cache.mkdir(parents=True, exist_ok=True)
        templates.bytecode_cache = FileSystemBytecodeCache(str(cache))


def _written_pages(app):
    """The HTML pages this build wrote (an incremental build writes only the changed ones)."""
    started = getattr(app, "_imtrade_started_ns", 0) - 2_000_000_000  # margin: coarse file clocks
    for page in Path(app.outdir).rglob("*.html"):
        if page.stat().st_mtime_ns >= started:
            yield page


def _strip_template_scripts(app, exception) -> None:
    """Scripts written by template macros: remove them after writing (FontAwesome from every page,
    the search scripts and index from every page but the search page)."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in _written_pages(app):
        text = page.read_text(encoding="utf-8")
        stripped = FONTAWESOME_TAG.sub("", text)
        if page != outdir / "search.html":
            stripped = SEARCH_TAGS.sub("", stripped)
        if stripped != text:
            page.write_text(stripped, encoding="utf-8")


ETOC_REDIRECT = re.compile(r'^\s*<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$')


def redirect_page(target: str, *, title: str, favicon: str | None) -> str:
    """A complete HTML page that forwards to ``target`` (also without refresh support)."""
    icon = f'<link rel="icon" href="_static/{favicon}">\n' if favicon else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n{icon}"
        f'<meta http-equiv="Refresh" content="0; url={escape(target)}">\n'
        f'<link rel="canonical" href="{escape(target)}">\n</head>\n'
        f'<body><p>The book starts at <a href="{escape(target)}">{escape(title)}</a>.</p></body>\n</html>\n'
    )


def _complete_root_redirect(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    index = Path(app.outdir) / "index.html"
    match = ETOC_REDIRECT.match(index.read_text(encoding="utf-8")) if index.exists() else None
    if match:
        favicon = Path(app.config.html_favicon).name if app.config.html_favicon else None
        title = app.config.html_title or app.config.project
        index.write_text(redirect_page(match.group(1), title=title, favicon=favicon), encoding="utf-8")


OPTIONAL_DOCS = ("/book/rerunning",)  # linked from every executed chapter's parameter note


def _optional_doc_as_text(app, env, node, contnode):
    """Resolve a {doc} link to an optional page the book leaves out as its plain text."""
    target = node.get("reftarget")
    optional = node.get("reftype") == "doc" and target in OPTIONAL_DOCS
    return contnode if optional and target.lstrip("/") not in env.found_docs else None


# ---------------------------------------------------------------------------------------
# Figures, citations, static files


def _configure(app, config) -> None:
    """The book's static files; the edition being published (its file in the stage) as a config
    value, so that a new edition rewrites every page."""
    from imtrade.book.citation import EDITION_FILE

    config.html_static_path = [*config.html_static_path, str(STATIC)]
    edition_file = Path(app.srcdir) / EDITION_FILE
    config.imtrade_edition = edition_file.read_text(encoding="utf-8") if edition_file.is_file() else ""


def _book_context(app) -> SimpleNamespace:
    """What every page's additions need, computed once per build."""
    if getattr(app, "_imtrade", None) is None:
        from imtrade.book.citation import Edition, book_metadata, build_vintages
        from imtrade.data.catalog import load_catalog
        from imtrade.paths import project

        paths = project()
        edition = None
        if app.config.imtrade_edition:
            stated = Edition.from_json(app.config.imtrade_edition)
            edition = Edition(stated.date, stated.url, build_vintages(Path(app.srcdir).parent), stated.pdf)
        app._imtrade = SimpleNamespace(
            meta=book_metadata(Path(app.srcdir)),
            edition=edition,
            catalog=load_catalog(paths.catalog),
            root=paths.root,
            record_file=Path(app.doctreedir) / FIGURE_RECORD,
            written={},
        )
        try:
            app._imtrade.written = json.loads(app._imtrade.record_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            app._imtrade.written = {}
    return app._imtrade


def _page_additions(app, pagename: str, templatename: str, context: dict[str, Any], doctree) -> None:
    """Figure downloads and dark images (executed notebooks), then the citation block."""
    if app.builder.format != "html" or doctree is None or "body" not in context:
        return
    from sphinx.util import logging

    from imtrade.book.citation import cite_block_html
    from imtrade.book.figure_downloads import page_figures

    book = _book_context(app)
    body = context["body"]
    source = Path(app.env.doc2path(pagename))
    if source.suffix == ".ipynb":
        from docutils import nodes

        logger = logging.getLogger(__name__)
        ids = {name: fig["ids"][0] for fig in doctree.findall(nodes.figure) if fig["ids"] for name in fig["names"]}
        body, written = page_figures(
            notebook=source,
            pagename=pagename,
            body=body,
            outdir=Path(app.outdir),
            figure_ids=ids,
            fignumbers=app.env.toc_fignumbers.get(pagename, {}).get("figure", {}),
            numfig_format=app.config.numfig_format.get("figure", "Figure %s"),
            page_title=app.env.titles[pagename].astext() if pagename in app.env.titles else pagename,
            meta=book.meta,
            edition=book.edition,
            catalog=book.catalog,
            root=book.root,
            warn=lambda message: logger.warning(message, location=pagename),
        )
        book.written[pagename] = written
    context["body"] = body + cite_block_html(book.meta, book.edition, root="../" * pagename.count("/"))


def _prune_figure_files(app, exception) -> None:
    """Remove figure files no current page wrote (renamed or removed figures and pages)."""
    if exception is not None or app.builder.format != "html":
        return
    from imtrade.book.figure_downloads import stale_figure_files

    book = _book_context(app)
    written = {page: files for page, files in book.written.items() if page in app.env.found_docs}
    for file in stale_figure_files(Path(app.outdir), {f for files in written.values() for f in files}):
        file.unlink()
    book.record_file.parent.mkdir(parents=True, exist_ok=True)
    book.record_file.write_text(json.dumps(written, indent=0, sort_keys=True), encoding="utf-8")


def _strip_exports_from_downloads(app, exception) -> None:
    """The notebooks readers download (``_sources/``) without the figure exports: their data and
    dark images are the figures' own downloads, and they would double the notebook's size."""
    if exception is not None or app.builder.format != "html":
        return
    from imtrade.show.figure_export import FIGURE_MIME

    for notebook in (Path(app.outdir) / "_sources").rglob("*.ipynb"):
        text = notebook.read_text(encoding="utf-8")
        if FIGURE_MIME not in text:
            continue
        nb = json.loads(text)
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []):
                output.get("data", {}).pop(FIGURE_MIME, None)
        notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def setup(app) -> dict[str, Any]:
    app.connect("builder-inited", _note_build_start)
    from imtrade.book import numbering

    numbering.setup(app)
    app.add_config_value("imtrade_edition", "", "html", types=[str])
    app.connect("config-inited", _configure)
    app.add_css_file("imtrade.css")
    app.add_js_file("imtrade.js", defer="defer")
    app.connect("html-page-context", _drop_scripts, priority=900)
    app.connect("html-page-context", _page_additions)
    app.connect("build-finished", _strip_template_scripts)
    app.connect("build-finished", _prune_figure_files)
    app.connect("build-finished", _strip_exports_from_downloads)
    app.connect("missing-reference", _optional_doc_as_text)
    app.connect("build-finished", _complete_root_redirect, priority=900)  # after sphinx-external-toc
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "2"}
