"""Reading executed notebooks: glued values, errors (used by tests and batch runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def glued(nb_or_path) -> dict[str, str]:
    """``{name: text}`` of every value glued with myst_nb (Markdown or plain text)."""
    nb = read(nb_or_path) if isinstance(nb_or_path, str | Path) else nb_or_path
    values: dict[str, str] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook", {})
            name = meta.get("name")
            if not name:
                continue
            prefix = meta.get("mime_prefix", "")
            data: dict[str, Any] = output.get("data", {})
            text = data.get(f"{prefix}text/markdown") or data.get(f"{prefix}text/plain") or ""
            values[name] = "".join(text) if isinstance(text, list) else str(text)
    return values


def errors(nb_or_path) -> list[str]:
    nb = read(nb_or_path) if isinstance(nb_or_path, str | Path) else nb_or_path
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def figure_count(nb_or_path) -> int:
    nb = read(nb_or_path) if isinstance(nb_or_path, str | Path) else nb_or_path
    return sum(
        1
        for c in nb.cells
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
    )
