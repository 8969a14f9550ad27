"""Sphinx extension of the book: keep pages light and free of unused scripts.

- drops the theme's FontAwesome SVG script (1.4 MB): the theme's CSS already draws every
  icon the pages use from the locally served webfont;
- drops sphinx-thebe's script (live code is not offered; it also declares a global twice
  and logs a console error);
- loads MathJax only on pages that contain math themselves.
"""

from __future__ import annotations

import re
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


def _strip_template_scripts(app, exception) -> None:
    """The theme writes the FontAwesome script tag from a template macro: remove it after writing."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = FONTAWESOME_TAG.sub("", text)
        if stripped != text:
            page.write_text(stripped, encoding="utf-8")


def setup(app) -> dict[str, Any]:
    app.connect("html-page-context", _drop_scripts, priority=900)
    app.connect("build-finished", _strip_template_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
