"""The real book, built strictly and opened in headless Chromium (Playwright, no browser download).

Every page: renders without console errors, requests nothing outside the local server, every
figure loads and has alt text, no broken internal links. A chapter in light and dark mode (dark
figures, legible text and tables, the theme switch), search (the index loads only for a
search), a figure's download. The book is copied to a temporary directory and built there,
never into the checkout's ``_build``; chapters the checkout has already executed and whose cache
keys still match are reused from it (read only), so a test run after ``make book`` does not
execute them again. Screenshots of every page, and of the chapter in both modes, are saved to
_build/screenshots/ for people to look at.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socketserver
import threading
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import ROOT, clear_caches

from imtrade.exceptions import BuildError
from imtrade.paths import DATA_DIR_ENV, ROOT_ENV

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.mirror]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER_ENV = "IMTRADE_REQUIRE_BROWSER"  # set (e.g. in CI) to fail instead of skipping without Chromium
# checkout entries that are not the book's sources (build products, local state, data)
NOT_SOURCES = {
    ".git",
    ".venv",
    "_build",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "bench-results",
    "node_modules",
}


def copy_book(destination: Path) -> Path:
    """The checkout's book sources in ``destination``, with the checkout's executed chapters as a seed."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n in NOT_SOURCES}
        if Path(folder) == ROOT / "data":
            skip |= {"raw", "cache", "user"} & set(names)
        return skip

    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)
    built = ROOT / "_build"
    for record in (built / "cache").glob("*.json") if (built / "cache").is_dir() else []:
        if record.name != "site.json":  # the site is always built here
            (destination / "_build" / "cache").mkdir(parents=True, exist_ok=True)
            shutil.copy2(record, destination / "_build" / "cache" / record.name)
    if (built / "stage" / "chapters").is_dir():
        shutil.copytree(built / "stage" / "chapters", destination / "_build" / "stage" / "chapters")
    return destination


@pytest.fixture(scope="session")
def site(mirror, tmp_path_factory) -> Path:
    """Build the real book (strict: any Sphinx warning fails) in a temporary copy of the checkout."""
    from imtrade.book.build import build
    from imtrade.data.fetch import fetch

    checkout_build = _files(ROOT / "_build")
    book = copy_book(tmp_path_factory.mktemp("real-book") / "book")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ROOT_ENV, str(ROOT))
        clear_caches()
        fetch(mirror=mirror)  # the project's data (make data), read by the copy below
        mp.setenv(ROOT_ENV, str(book))
        mp.setenv(DATA_DIR_ENV, str(ROOT / "data"))
        mp.chdir(book)
        clear_caches()
        try:
            report = build(jobs=2, strict=True, progress=lambda m: None)
        except BuildError as exc:
            failed = book / "_build" / "failed"
            kept = sorted(p.name for p in failed.iterdir()) if failed.is_dir() else []
            pytest.fail(f"{exc}\nexecuted notebooks of the failed chapters, in {failed}: {', '.join(kept) or 'none'}")
        finally:
            clear_caches()
    assert report.warnings == []
    assert _files(ROOT / "_build") == checkout_build, "the test build wrote into the checkout's _build"
    return book / "_build" / "html"


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under ``folder`` except the screenshots this module writes."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and "screenshots" not in p.relative_to(folder).parts
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site silently but remembers every path it could not serve (e.g. /favicon.ico,
    which browsers request on their own and which no page event reports by URL)."""

    missing: ClassVar[list[str]] = []

    def log_message(self, *args):
        pass

    def log_error(self, *args):
        self.missing.append(self.path)


@pytest.fixture(scope="session")
def server(site):
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get(REQUIRE_BROWSER_ENV):
            pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def pages(site: Path) -> list[str]:
    """Every content page (the root redirect is tested on its own: leaving it aborts its requests)."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.relative_to(site).parts[0] not in ("_static", "_sources")
        and p.relative_to(site).as_posix() != "index.html"
    )


def _watch(page, path: str, problems: list[str]) -> list[str]:
    """Record console errors, page errors, failed and >= 400 responses; return the request log."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(f"{path}: console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{path}: page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"{path}: request failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{path}: HTTP {r.status} for {r.url}") if r.status >= 400 else None)
    return requests


def test_every_page_renders_offline_without_errors(site, server, browser):
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for path in pages(site):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests = _watch(page, path, problems)
        page.goto(f"{server}/{path}", wait_until="networkidle")
        external = [u for u in requests if not u.startswith((server, "data:", "blob:"))]
        problems += [f"{path}: external request {u}" for u in external]
        images = page.eval_on_selector_all(
            "article img",
            "els => els.map(e => ({src: e.getAttribute('src'), ok: e.complete && e.naturalWidth > 0, "
            "alt: e.getAttribute('alt')}))",
        )
        problems += [f"{path}: figure not rendered {i['src']}" for i in images if not i["ok"]]
        problems += [f"{path}: figure without alt text {i['src']}" for i in images if not (i["alt"] or "").strip()]
        page.screenshot(path=str(shots / (path.replace("/", "__").removesuffix(".html") + ".png")), full_page=True)
        page.close()
    problems += [f"server could not serve {p}" for p in _QuietHandler.missing]
    assert problems == []


def test_root_address_forwards_to_the_first_page(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/")
    page.wait_for_url(f"{server}/intro.html", timeout=10000)
    page.wait_for_load_state("networkidle")
    assert page.title().strip()
    page.close()
    assert "/favicon.ico" not in _QuietHandler.missing


def test_chapters_are_all_present_with_figures(site):
    from imtrade.book.toc import chapters

    for chapter in chapters():
        html = site / f"{chapter.docname}.html"
        assert html.is_file(), f"missing page for {chapter.name}"
        assert "<img" in html.read_text(encoding="utf-8"), f"{chapter.name} has no figure"


def test_search_finds_pages_offline(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/search.html?q=trade", wait_until="networkidle")
    page.wait_for_selector("#search-results li", timeout=10000)
    assert page.locator("#search-results li").count() > 0
    page.close()


def test_no_broken_internal_links(site):
    from imtrade.book.site import check_links

    assert check_links(site) == []


CHAPTER_PAGE = "chapters/deglobalisation.html"


def _rgb(css: str) -> tuple[float, float, float]:
    values = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]
    return values[0] / 255, values[1] / 255, values[2] / 255


def test_dark_mode_shows_dark_figures_and_legible_text_and_tables(server, browser):
    from imtrade.show.figures import contrast_ratio

    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _watch(page, f"{CHAPTER_PAGE} ({scheme})", problems)
        page.goto(f"{server}/{CHAPTER_PAGE}", wait_until="networkidle")
        assert page.evaluate("document.documentElement.dataset.theme") == scheme  # default mode: the system's
        figures = page.eval_on_selector_all(
            "article img.imtrade-figure",
            "els => els.map(e => ({src: e.currentSrc, ok: e.complete && e.naturalWidth > 0}))",
        )
        assert len(figures) >= 5 and all(f["ok"] for f in figures)
        assert all(f["src"].endswith("-dark.png") == (scheme == "dark") for f in figures), figures
        colours = page.evaluate(
            """() => { const c = e => getComputedStyle(e);
              const cell = document.querySelector('article table[id^="T_"] td');
              return {page: c(document.body).backgroundColor, text: c(document.querySelector('article p')).color,
                      cell: c(cell).color, cellBox: c(cell.closest('.text_html')).backgroundColor}; }"""
        )
        background = _rgb(colours["page"])
        assert (sum(background) / 3 < 0.2) == (scheme == "dark")
        for what in ("text", "cell"):
            assert contrast_ratio(_rgb(colours[what]), background) >= 4.5, (scheme, what, colours)
        assert colours["cellBox"] in ("rgba(0, 0, 0, 0)", "transparent"), colours  # no light box in dark mode
        page.screenshot(path=str(shots / f"{scheme}__chapters__deglobalisation.png"), full_page=True)
        if scheme == "dark":  # the reader switches to light with the theme's button: figures follow
            page.evaluate("document.documentElement.dataset.theme = 'light'")
            page.wait_for_function(
                "[...document.querySelectorAll('article img.imtrade-figure')].every(i => "
                "!i.currentSrc.endsWith('-dark.png') && i.complete)"
            )
        context.close()
    assert problems == []


def test_search_index_loads_only_for_a_search_and_search_works(server, browser):
    page = browser.new_page()
    requests = _watch(page, CHAPTER_PAGE, problems := [])
    page.goto(f"{server}/{CHAPTER_PAGE}", wait_until="networkidle")
    assert not [u for u in requests if "searchindex.js" in u or "searchtools.js" in u]
    page.keyboard.press("Control+k")  # the theme's search dialog
    box = page.locator("#pst-search-dialog input[name='q']")
    box.fill("robots")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=robots*")
    page.wait_for_selector("#search-results li", timeout=20000)
    hits = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    assert any("chapters/" in h for h in hits)
    assert any("searchindex.js" in u for u in requests)
    page.close()
    assert problems == []


def test_figure_download_is_a_zip_with_data_notes_and_sources(server, browser, tmp_path):
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{server}/{CHAPTER_PAGE}", wait_until="networkidle")
    figure = page.locator("figure:has(.imtrade-figure-download)").first
    number = figure.locator(".caption-number").inner_text().strip()
    with page.expect_download() as info:
        figure.locator(".imtrade-figure-download a").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    page.close()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        csv = next(archive.read(n).decode() for n in names if n.endswith("/data.csv"))
        notes = next(archive.read(n).decode() for n in names if n.endswith("/README.md"))
    assert len(csv.splitlines()) > 10
    assert notes.startswith(f"# {number}:")
    for section in ("## Columns of data.csv", "## Sources and licences", "## How to cite", "## How to reproduce"):
        assert section in notes
    assert "CC-BY-4.0" in notes and "imtrade run deglobalisation -f parameters.yml" in notes
