"""How to cite the book: its metadata, the data vintages a build used, and dated editions.

A dated edition is written by ``imtrade publish`` (:mod:`imtrade.book.publish`): while it
builds, the stage holds :data:`EDITION_FILE` with the edition's date and URL, which the Sphinx
extension reads to put the edition's "Cite this edition" block on every page and its citation
in every figure download. A plain ``imtrade build`` has no edition: its pages say so and tell
the reader which citation to use. Everything here is a pure function of its inputs (no clock).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import yaml

EDITION_FILE = "_edition.json"  # in the stage, only while `imtrade publish` builds an edition
BOOK_PDF = "book.pdf"  # the edition's PDF, at the root of the edition
EDITIONS_INDEX = "../index.html"  # from an edition's root to the editions index (editions/index.html)


@dataclass(frozen=True)
class BookMetadata:
    title: str
    authors: list[str]
    version: str
    licence: str

    @property
    def author_text(self) -> str:
        return ", ".join(self.authors) or "The imtrade contributors"


def book_metadata(root: Path) -> BookMetadata:
    """The book's title, authors, version and licence, from ``CITATION.cff`` at ``root``."""
    cff = root / "CITATION.cff"
    meta = yaml.safe_load(cff.read_text(encoding="utf-8")) if cff.is_file() else {}
    meta = meta if isinstance(meta, dict) else {}
    authors = []
    for author in meta.get("authors") or []:
        if isinstance(author, dict):
            name = author.get("name") or " ".join(
                p for p in (author.get("given-names"), author.get("family-names")) if p
            )
            if name:
                authors.append(str(name))
    return BookMetadata(
        title=str(meta.get("title") or "Intelligent Manufacturing and Global Trade"),
        authors=authors,
        version=str(meta.get("version") or ""),
        licence=str(meta.get("license") or ""),
    )


@dataclass(frozen=True)
class Edition:
    """A dated edition: its date (ISO), the URL it is published at (may be empty), the data
    vintages its chapters read (dataset -> vintages) and whether it has a PDF."""

    date: str
    url: str = ""
    vintages: dict[str, list[str]] = field(default_factory=dict)
    pdf: bool = True  # the edition has book.pdf at its root

    @property
    def year(self) -> str:
        return self.date[:4]

    def page_url(self, pagename: str) -> str:
        return f"{self.url}{pagename}.html" if self.url else ""

    def to_json(self) -> str:
        return json.dumps({"date": self.date, "url": self.url, "vintages": self.vintages}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Edition:
        raw = json.loads(text)
        return cls(
            str(raw["date"]), str(raw.get("url") or ""), {k: list(v) for k, v in raw.get("vintages", {}).items()}
        )


def read_edition(stage: Path) -> Edition | None:
    """The edition being built in ``stage`` (None for a plain build)."""
    file = stage / EDITION_FILE
    return Edition.from_json(file.read_text(encoding="utf-8")) if file.is_file() else None


def build_vintages(build_dir: Path) -> dict[str, list[str]]:
    """Dataset -> sorted vintages read by the executed chapters and staged batch runs of a build
    (from their build records in ``build_dir``/cache and ``build_dir``/batch/*/)."""
    records = sorted((build_dir / "cache").glob("*.json")) + sorted((build_dir / "batch").glob("*/*.json"))
    found: dict[str, set[str]] = {}
    for record in records:
        try:
            reads = json.loads(record.read_text(encoding="utf-8")).get("reads", [])
        except (OSError, ValueError, AttributeError):
            continue
        for read in reads if isinstance(reads, list) else []:
            if isinstance(read, dict) and read.get("vintage") and read.get("dataset") not in ("curated", "project"):
                found.setdefault(str(read["dataset"]), set()).add(str(read["vintage"]))
    return {dataset: sorted(vintages) for dataset, vintages in sorted(found.items())}


def vintages_text(vintages: dict[str, list[str]]) -> str:
    """``wdi 2026-07-01; gapminder 2026-03-01`` (the data vintages, shortest form)."""
    return "; ".join(f"{dataset} {', '.join(v)}" for dataset, v in vintages.items()) or "none recorded"


def citation_text(meta: BookMetadata, edition: Edition | None) -> str:
    """The citation of the book (plain text): of the edition, or of the version when unpublished."""
    if edition is None:
        version = f" Version {meta.version}." if meta.version else ""
        return f"{meta.author_text}. {meta.title}.{version} Unpublished build; cite a dated edition."
    where = f" {edition.url}" if edition.url else ""
    version = f", software version {meta.version}" if meta.version else ""
    return (
        f"{meta.author_text} ({edition.year}). {meta.title}. Edition of {edition.date} "
        f"(data vintages: {vintages_text(edition.vintages)}{version}).{where}"
    )


def bibtex_key(edition: Edition) -> str:
    return f"imtrade_{edition.date.replace('-', '_')}"


def citation_bibtex(meta: BookMetadata, edition: Edition) -> str:
    """BibTeX (``@book``) of the edition; braces keep a group author as one name."""

    def braced(text: str) -> str:
        return text.replace("{", "").replace("}", "")

    lines = [
        f"@book{{{bibtex_key(edition)},",
        f"  author = {{{{{braced(meta.author_text)}}}}},",
        f"  title = {{{braced(meta.title)}}},",
        f"  edition = {{Edition of {edition.date}}},",
        f"  year = {{{edition.year}}},",
        f"  date = {{{edition.date}}},",
    ]
    if edition.url:
        lines.append(f"  url = {{{edition.url}}},")
    note = f"Data vintages: {vintages_text(edition.vintages)}"
    if meta.version:
        note += f". Software version {meta.version}"
    lines.append(f"  note = {{{braced(note)}}},")
    lines.append("}")
    return "\n".join(lines)


def cite_block_html(meta: BookMetadata, edition: Edition | None, *, root: str) -> str:
    """The "Cite this edition" block at the end of every page (``root``: relative path from the
    page to the site's root, e.g. ``../``)."""
    if edition is None:
        return (
            '<aside class="imtrade-cite" aria-label="How to cite">\n'
            "<p><strong>Cite this book.</strong> This page comes from a local build, not a published "
            "edition. Cite a dated edition: its pages carry the citation and a permanent address "
            f"(<code>imtrade publish</code> writes one). {escape(citation_text(meta, None))}</p>\n</aside>\n"
        )
    links = [f'<a href="{escape(root)}{BOOK_PDF}">PDF of this edition</a>'] if edition.pdf else []
    links.append(f'<a href="{escape(root)}{EDITIONS_INDEX}">all editions</a>')
    return (
        '<aside class="imtrade-cite" aria-label="Cite this edition">\n'
        f"<p><strong>Cite this edition.</strong> {escape(citation_text(meta, edition))}</p>\n"
        "<details><summary>BibTeX</summary>\n"
        f'<pre class="imtrade-bibtex">{escape(citation_bibtex(meta, edition))}</pre>\n</details>\n'
        f"<p>{' · '.join(links)}. Data: cite the providers named on the <em>Data sources</em> page.</p>\n"
        "</aside>\n"
    )
