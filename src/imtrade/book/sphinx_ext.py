"""Sphinx extension of the book: keep pages light and free of unused scripts.

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

import re
from html import escape
from pathlib import Path
from typing import Any

DROPPED_SCRIPTS = ("scripts/fontawesome.js", "sphinx-thebe.js")


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
    """The theme writes the FontAwesome script tag from a template macro: remove it after writing."""
    if exception is not None or app.builder.format != "html":
        return
    for page in _written_pages(app):
        text = page.read_text(encoding="utf-8")
        stripped = FONTAWESOME_TAG.sub("", text)
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


def setup(app) -> dict[str, Any]:
    app.connect("builder-inited", _note_build_start)
    app.connect("html-page-context", _drop_scripts, priority=900)
    app.connect("build-finished", _strip_template_scripts)
    app.connect("missing-reference", _optional_doc_as_text)
    app.connect("build-finished", _complete_root_redirect, priority=900)  # after sphinx-external-toc
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
