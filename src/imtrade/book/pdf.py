"""The book as one PDF, printed from the built site by the system Chromium (through Playwright).

Why Chromium and not Sphinx's LaTeX builder: the LaTeX route (tried on this book with Debian's
TeX Live 2022: latex-recommended, latex-extra, fonts-recommended, xetex, latexmk; 384 MB
installed) drops every table the chapters show, since they are HTML (pandas Styler) outputs
that LaTeX cannot take (55 tables became "<table: 5 rows x 3 columns>"), loses the briefs'
index table, and fails until ``bbm.sty`` (required by jupyter-book's LaTeX class, missing from
those packages) is patched out; CI would also need those 384 MB. Its typesetting is better
(hyphenation, a contents page with page numbers). Printing the built
pages keeps everything the reader sees on the site (numbered figures and tables, glued
numbers, citations, captions) with the same CSS, and needs only the Chromium the browser
tests already use. What LaTeX does better is partly recovered here: CSS hyphenation and
justification, bookmarks for every chapter and section, running page numbers, and a contents
page with links (without page numbers: Chromium cannot print them).

The pages are read in the book's order (the chain of "next" links from the first page), their
articles joined into one document (ids prefixed per page so that cross-references become links
inside the PDF), and printed in light mode on A4. Hidden code and the solutions of exercises are
left out (the online edition has them); the parameter notes are shown open. Batch pages (the
country briefs) are represented by their index page unless ``include_batches``.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urldefrag, urljoin

from imtrade.book.citation import BookMetadata, Edition, citation_text, vintages_text
from imtrade.exceptions import PublishError
from imtrade.paths import CHROMIUM_ENV

PRINT_PAGE = ".imtrade-print.html"  # written at the site's root while printing, then removed
BATCH_DIR = "batch/"
PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 18mm 16mm; }
html, body { background: #fff !important; }
body { font-size: 10.5pt; }
.bd-article { max-width: none !important; }
.imtrade-print-page { break-before: page; }
.imtrade-print-page h1 { font-size: 20pt; margin-top: 0; }
figure, .imtrade-table, table, pre, .admonition { break-inside: avoid; }
h1, h2, h3, h4 { break-after: avoid; }
p, li { text-align: justify; hyphens: auto; orphans: 3; widows: 3; }
a { color: #0a5a8c; text-decoration: none; }
.cell_output img { max-width: 100% !important; }
.imtrade-cover { text-align: left; padding-top: 45mm; }
.imtrade-cover h1 { font-size: 28pt; line-height: 1.2; }
.imtrade-cover .imtrade-edition { font-size: 14pt; margin-top: 8mm; }
.imtrade-cover .imtrade-cite-text { margin-top: 25mm; font-size: 10pt; }
.imtrade-contents { break-before: page; }
.imtrade-contents ol { list-style: none; padding-left: 0; }
.imtrade-contents li { margin: 2pt 0; }
.imtrade-contents .imtrade-part { font-weight: 600; margin-top: 8pt; }
.headerlink, .imtrade-figure-download, .imtrade-cite, .prev-next-area, .sd-tab-set > input { display: none !important; }
"""
HEADER = '<div style="font-size:7pt;color:#666;width:100%;padding:0 16mm;font-family:sans-serif;">{title}</div>'
FOOTER = (
    '<div style="font-size:7pt;color:#666;width:100%;padding:0 16mm;font-family:sans-serif;'
    'display:flex;justify-content:space-between;"><span>{edition}</span>'
    '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)


@dataclass(frozen=True)
class PdfReport:
    path: Path
    pages: int  # HTML pages printed
    seconds: float


def chromium_path() -> str:
    """The system Chromium (``imtrade.paths.CHROMIUM_ENV`` or ``chromium`` on the PATH)."""
    found = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        raise PublishError(
            "Chromium is needed to print the book's PDF and was not found",
            fix=f"install it (apt-get install chromium), set {CHROMIUM_ENV} to its path, or publish with --no-pdf",
        )
    return found


def reading_order(site: Path, *, include_batches: bool = False) -> list[str]:
    """Pages of the built site in reading order (paths relative to ``site``)."""
    index = site / "index.html"
    if not index.is_file():
        raise PublishError(f"{site} has no index.html (not a built site)", fix="run `imtrade build` first")
    redirect = re.search(r'url=([^"\s>]+)', index.read_text(encoding="utf-8"))
    current = redirect.group(1) if redirect else "index.html"
    order: list[str] = []
    while current and current not in order and (site / current).is_file():
        order.append(current)
        text = (site / current).read_text(encoding="utf-8")
        following = re.search(r'<a class="right-next"\s+href="([^"#]+)', text)
        current = os.path.normpath(urljoin(current, following.group(1))).replace(os.sep, "/") if following else ""
    if include_batches:
        return order
    return [p for p in order if not p.startswith(BATCH_DIR) or p.endswith("/index.html")]


def _page_anchor(index: int, element_id: str | None = None) -> str:
    return f"p{index}" if not element_id else f"p{index}-{element_id}"


def _article(site: Path, page: str, index: int, numbers: dict[str, int], online: str, soup_factory) -> tuple[str, str]:
    """The article of one page, rewritten for the joined document; and its title."""
    soup = soup_factory((site / page).read_text(encoding="utf-8"))
    article = soup.find("article", class_="bd-article")
    if article is None:
        return "", page
    for selector in (
        "details.above-input",  # hidden code
        "details.below-input",  # hidden outputs
        "a.headerlink",
        ".imtrade-cite",
        ".imtrade-figure-download",
        "script",
        "style",
    ):
        for node in article.select(selector):
            node.decompose()
    for solution in article.select("div.solution"):
        note = soup.new_tag("p", attrs={"class": "imtrade-solution-online"})
        note.string = "Solution: in the online edition."
        solution.replace_with(note)
    for cell in article.select("div.cell.tag_solution"):
        cell.decompose()
    for details in article.select("details"):
        details["open"] = ""
    for node in article.find_all(attrs={"id": True}):
        node["id"] = _page_anchor(index, node["id"])
    for picture in article.select("picture"):  # print the light figure
        img = picture.find("img")
        if img is not None:
            picture.replace_with(img)
    for node in article.find_all(["img", "source"]):
        for attr in ("src", "srcset"):
            if node.get(attr) and "://" not in node[attr] and not node[attr].startswith("data:"):
                node[attr] = os.path.normpath(urljoin(page, node[attr])).replace(os.sep, "/")
    for link in article.find_all("a", href=True):
        href = link["href"]
        if "://" in href or href.startswith(("mailto:", "data:", "javascript:")):
            continue
        target, fragment = urldefrag(urljoin(page, href))
        target = os.path.normpath(target).replace(os.sep, "/") if target else page
        if target in numbers:
            link["href"] = "#" + _page_anchor(numbers[target], fragment or None)
        elif online:
            link["href"] = online + target + (f"#{fragment}" if fragment else "")
        else:
            link["href"] = target
    heading = article.find("h1")
    title = heading.get_text(" ", strip=True).rstrip("#").strip() if heading else page
    return str(article), title


def _head(site: Path, first_page: str, soup_factory) -> str:
    """Stylesheets (and MathJax, if a page uses it) of the site, for the joined document."""
    soup = soup_factory((site / first_page).read_text(encoding="utf-8"))
    links = []
    for link in soup.find_all("link", rel="stylesheet"):
        href = os.path.normpath(urljoin(first_page, link["href"].split("?")[0])).replace(os.sep, "/")
        links.append(f'<link rel="stylesheet" href="{escape(href)}">')
    return "\n".join(links)


def _mathjax(site: Path, pages: list[str]) -> str:
    for page in pages:
        text = (site / page).read_text(encoding="utf-8")
        match = re.search(r'<script[^>]*src="([^"]*tex-mml-chtml\.js)"[^>]*></script>', text)
        if match:
            src = os.path.normpath(urljoin(page, match.group(1))).replace(os.sep, "/")
            return f'<script defer src="{escape(src)}"></script>'
    return ""


def print_document(
    site: Path, pages: list[str], *, meta: BookMetadata, edition: Edition | None, soup_factory=None
) -> str:
    """The joined HTML document that is printed (cover, contents, every page)."""
    if soup_factory is None:
        from bs4 import BeautifulSoup

        def soup_factory(text):
            return BeautifulSoup(text, "html.parser")

    numbers = {page: i for i, page in enumerate(pages)}
    online = edition.url if edition is not None else ""
    sections, titles = [], []
    for page in pages:
        body, title = _article(site, page, numbers[page], numbers, online, soup_factory)
        sections.append(f'<section class="imtrade-print-page" id="{_page_anchor(numbers[page])}">\n{body}\n</section>')
        titles.append(title)
    when = f"Edition of {edition.date}" if edition else "Unpublished build"
    vintages = f"<p>Data vintages: {escape(vintages_text(edition.vintages))}</p>" if edition else ""
    where = (
        f'<p>Online: <a href="{escape(edition.url)}">{escape(edition.url)}</a></p>' if edition and edition.url else ""
    )
    cover = (
        '<section class="imtrade-cover">\n'
        f"<h1>{escape(meta.title)}</h1>\n<p>{escape(meta.author_text)}</p>\n"
        f'<p class="imtrade-edition">{escape(when)}</p>\n{vintages}\n{where}\n'
        f'<p class="imtrade-cite-text"><strong>Cite as:</strong> {escape(citation_text(meta, edition))}</p>\n'
        "</section>"
    )
    contents = "\n".join(f'<li><a href="#{_page_anchor(i)}">{escape(title)}</a></li>' for i, title in enumerate(titles))
    head = _head(site, pages[0], soup_factory) if pages else ""
    return (
        '<!DOCTYPE html>\n<html lang="en" data-theme="light" data-mode="light">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(meta.title)}</title>\n{head}\n<style>{PRINT_CSS}</style>\n{_mathjax(site, pages)}\n</head>\n"
        '<body>\n<div class="bd-article">\n'
        f'{cover}\n<section class="imtrade-contents"><h1>Contents</h1><ol>{contents}</ol></section>\n'
        + "\n".join(sections)
        + "\n</div>\n</body>\n</html>\n"
    )


def print_book(
    site: Path,
    output: Path,
    *,
    meta: BookMetadata,
    edition: Edition | None,
    include_batches: bool = False,
    timeout_ms: int = 300_000,
) -> PdfReport:
    """Print the built ``site`` to ``output`` (written through a temporary file)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    pages = reading_order(site, include_batches=include_batches)
    if not pages:
        raise PublishError(f"{site} has no pages to print", fix="run `imtrade build` first")
    document = site / PRINT_PAGE
    document.write_text(print_document(site, pages, meta=meta, edition=edition), encoding="utf-8")
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            )
            try:
                page = browser.new_page()
                page.emulate_media(media="print", color_scheme="light")
                page.goto(document.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
                page.evaluate(
                    "async () => { if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; } }"
                )
                edition_text = f"Edition of {edition.date}" if edition else "Unpublished build"
                page.pdf(
                    path=str(tmp),
                    format="A4",
                    print_background=True,
                    outline=True,
                    tagged=True,
                    display_header_footer=True,
                    header_template=HEADER.format(title=escape(meta.title)),
                    footer_template=FOOTER.format(edition=escape(edition_text)),
                    margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        tmp.unlink(missing_ok=True)
        raise PublishError(
            f"Chromium could not print the book: {str(exc).splitlines()[0]}",
            fix="check that Chromium starts headless (chromium --headless --no-sandbox), or publish with --no-pdf",
        ) from None
    finally:
        document.unlink(missing_ok=True)
    tmp.replace(output)
    return PdfReport(output, len(pages), time.perf_counter() - start)
