"""Dated editions, citations and per-figure downloads (imtrade.book.publish, citation,
figure_downloads, numbering): the pure parts on small inputs, then one sample book built,
published twice and printed (slow)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import ROOT, sample_book

from imtrade.book.citation import (
    BookMetadata,
    Edition,
    book_metadata,
    build_vintages,
    citation_bibtex,
    citation_text,
    cite_block_html,
)
from imtrade.book.figure_downloads import FigureRecord, decorate_figure, figure_zip, named_on_figure, readme
from imtrade.book.numbering import _letters
from imtrade.book.publish import (
    BANNER_START,
    EditionRecord,
    edition_date,
    editions_index,
    mark_older,
    normalise_base_url,
    published_editions,
)
from imtrade.exceptions import PublishError

META = BookMetadata("A reproducible book", ["The contributors"], "0.1.0", "MIT")
EDITION = Edition("2026-12-02", "https://example.org/book/editions/2026-12-02/", {"wdi": ["2026-07-01"]})


class TestCitation:
    def test_edition_citation_names_date_vintages_version_and_address(self):
        text = citation_text(META, EDITION)
        assert text == (
            "The contributors (2026). A reproducible book. Edition of 2026-12-02 (data vintages: wdi 2026-07-01, "
            "software version 0.1.0). https://example.org/book/editions/2026-12-02/"
        )

    def test_bibtex_is_one_entry_with_a_braced_group_author(self):
        bib = citation_bibtex(META, EDITION)
        assert bib.startswith("@book{imtrade_2026_12_02,") and bib.endswith("}")
        assert "author = {{The contributors}}" in bib
        assert "url = {https://example.org/book/editions/2026-12-02/}" in bib
        assert bib.count("{") == bib.count("}")

    def test_an_unpublished_build_says_so_and_links_nothing_of_an_edition(self):
        block = cite_block_html(META, None, root="../")
        assert "local build" in block and "book.pdf" not in block
        edition_block = cite_block_html(META, EDITION, root="../")
        assert 'href="../book.pdf"' in edition_block and 'href="../../index.html"' in edition_block
        no_pdf = cite_block_html(META, Edition("2026-12-02", pdf=False), root="")
        assert "book.pdf" not in no_pdf

    def test_metadata_from_citation_cff(self):
        meta = book_metadata(ROOT)
        assert meta.title.startswith("Intelligent Manufacturing and Global Trade") and meta.version

    def test_vintages_come_from_chapter_and_batch_records(self, tmp_path):
        def record(path: Path, reads):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"reads": reads}))

        record(tmp_path / "cache" / "a.json", [{"dataset": "wdi", "vintage": "2026-07-01"}])
        record(
            tmp_path / "cache" / "b.json",
            [{"dataset": "wdi", "vintage": "2018-08-01"}, {"dataset": "curated", "vintage": ""}],
        )
        record(tmp_path / "batch" / "briefs" / "x.json", [{"dataset": "gapminder", "vintage": "2026-03-01"}])
        (tmp_path / "cache" / "broken.json").write_text("{not json")
        assert build_vintages(tmp_path) == {"gapminder": ["2026-03-01"], "wdi": ["2018-08-01", "2026-07-01"]}


class TestEditionArguments:
    def test_dates_are_checked(self):
        assert edition_date("2026-02-03") == "2026-02-03"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", edition_date(None))
        for bad in ("2026-02-30", "3 Dec 2026", "2026-2-3"):
            with pytest.raises(PublishError, match="YYYY-MM-DD"):
                edition_date(bad)

    def test_base_urls_get_one_slash_and_must_be_http(self):
        assert normalise_base_url("https://o.github.io/r") == "https://o.github.io/r/"
        assert normalise_base_url("https://o.github.io/r//") == "https://o.github.io/r/"
        assert normalise_base_url("") == ""
        with pytest.raises(PublishError, match="http"):
            normalise_base_url("o.github.io/r")


def fake_edition(site: Path, date: str, pages=("intro.html", "chapters/a.html")) -> None:
    root = site / "editions" / date
    for page in pages:
        path = root / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'<html><body><article class="bd-article" role="main"><h1>{page}</h1></article></body></html>')
    (root / "edition.json").write_text(
        json.dumps({"date": date, "url": "", "vintages": {"wdi": ["2026-07-01"]}, "version": "0.1.0", "pdf": True})
    )


class TestEditionsFolder:
    def test_older_editions_get_a_banner_to_the_same_page_of_the_latest(self, tmp_path):
        fake_edition(tmp_path, "2026-10-01", pages=("intro.html", "chapters/a.html", "chapters/gone.html"))
        fake_edition(tmp_path, "2026-11-01")
        records = published_editions(tmp_path)
        assert [r.date for r in records] == ["2026-11-01", "2026-10-01"]
        assert mark_older(tmp_path, records) == ["2026-10-01"]
        old = (tmp_path / "editions" / "2026-10-01" / "chapters" / "a.html").read_text()
        assert 'href="../../2026-11-01/chapters/a.html"' in old and 'href="../../index.html"' in old
        assert old.index("bd-article") < old.index(BANNER_START) < old.index("<h1>")
        gone = (tmp_path / "editions" / "2026-10-01" / "chapters" / "gone.html").read_text()
        assert 'href="../../2026-11-01/index.html"' in gone  # no such page in the latest: its front page
        assert BANNER_START not in (tmp_path / "editions" / "2026-11-01" / "intro.html").read_text()

    def test_a_newer_edition_moves_the_banner_and_marking_twice_changes_nothing(self, tmp_path):
        fake_edition(tmp_path, "2026-10-01")
        fake_edition(tmp_path, "2026-11-01")
        mark_older(tmp_path, published_editions(tmp_path))
        fake_edition(tmp_path, "2026-12-01")
        mark_older(tmp_path, published_editions(tmp_path))
        snapshot = {p: p.read_text() for p in tmp_path.rglob("*.html")}
        mark_older(tmp_path, published_editions(tmp_path))
        assert {p: p.read_text() for p in tmp_path.rglob("*.html")} == snapshot
        for date in ("2026-10-01", "2026-11-01"):
            page = (tmp_path / "editions" / date / "intro.html").read_text()
            assert page.count(BANNER_START) == 1 and "2026-12-01/intro.html" in page

    def test_index_lists_the_newest_first(self):
        records = [
            EditionRecord("2026-11-01", "", {"wdi": ["2026-07-01"]}, "0.2.0", True),
            EditionRecord("2026-10-01", "", {"wdi": ["2018-08-01"]}, "0.1.0", False),
        ]
        page = editions_index(records, "A book")
        assert page.index("2026-11-01") < page.index("2026-10-01")
        assert "2026-11-01</a> (latest)" in page and 'href="2026-11-01/book.pdf"' in page
        assert "2026-10-01/book.pdf" not in page and "wdi 2018-08-01" in page

    def test_records_that_cannot_be_read_are_skipped(self, tmp_path):
        fake_edition(tmp_path, "2026-10-01")
        (tmp_path / "editions" / "junk").mkdir()
        (tmp_path / "editions" / "junk" / "edition.json").write_text("[]")
        assert [r.date for r in published_editions(tmp_path)] == ["2026-10-01"]


class FakeDataset:
    def __init__(self, id, title, producer):
        self.id, self.title, self.producer = id, title, producer
        self.licence, self.licence_url, self.citation = (
            "CC-BY-4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            f"{producer} (2026). {title}.",
        )


class FakeCatalog:
    datasets: ClassVar[dict[str, FakeDataset]] = {
        "wdi": FakeDataset("wdi", "World Development Indicators", "World Bank"),
        "wb-bulk": FakeDataset(
            "wb-bulk", "World Development Indicators, single-indicator bulk downloads", "World Bank"
        ),
        "owid-legacy": FakeDataset(
            "owid-legacy", "Our World in Data legacy datasets", "Our World in Data (authors per dataset)"
        ),
    }


RECORD = FigureRecord(
    "fig-sample",
    "Exports, % of GDP.",
    {
        "chapter": "sample",
        "csv": "series,x,y\nWLD,2008,30.69\n",
        "columns": {"series": "Economy", "x": "Year", "y": "Exports, % of GDP"},
        "panels": [{"panel": "1", "x axis": "Year", "y axis": "% of GDP"}],
        "read_from_artists": True,
        "source": (
            "Source: World Bank, World Development Indicators (vintage 2026-07-01): NE.EXP.GNFS.ZS; "
            "PWT via Our World in Data."
        ),
        "reads": [
            {"dataset": "owid-legacy", "vintage": "2024-10-21", "indicators": ["OWID.WORLD_TRADE.GDP.PWT"]},
            {"dataset": "wb-bulk", "vintage": "2026-02-24", "indicators": []},
            {"dataset": "wdi", "vintage": "2026-07-01", "indicators": ["NE.EXP.GNFS.ZS"]},
        ],
    },
)


class TestFigureDownloads:
    def test_a_dataset_is_named_by_its_codes_or_its_title_never_by_a_metadata_read(self):
        source = RECORD.export["source"]
        reads = {r["dataset"]: r for r in RECORD.export["reads"]}
        assert named_on_figure(reads["wdi"], FakeCatalog.datasets["wdi"], source)
        assert named_on_figure(reads["owid-legacy"], FakeCatalog.datasets["owid-legacy"], source)
        assert not named_on_figure(reads["wb-bulk"], FakeCatalog.datasets["wb-bulk"], source)

    def test_readme_has_columns_sources_licences_citations_and_the_reproduce_command(self, tmp_path):
        text = readme(
            RECORD,
            number="Figure 2.3",
            page_title="Sample chapter",
            pagename="chapters/sample",
            params={"countries": ["WLD", "USA"], "label": "exports and imports"},
            meta=META,
            edition=EDITION,
            catalog=FakeCatalog(),
            root=tmp_path,
        )
        assert text.startswith("# Figure 2.3: Exports, % of GDP.")
        assert "| `y` | Exports, % of GDP |" in text
        assert "| 1 | Year | % of GDP |" in text
        named, other = text.split("The data of the figure come from:")[1].split("The chapter had also read")
        assert "(`wdi`)" in named and "(`owid-legacy`)" in named and "(`wb-bulk`)" not in named
        assert "(`wb-bulk`)" in other and "[CC-BY-4.0](https://creativecommons.org/licenses/by/4.0/)" in named
        assert citation_text(META, EDITION) in text and "@book{imtrade_2026_12_02," in text
        assert "Page: https://example.org/book/editions/2026-12-02/chapters/sample.html" in text
        assert "imtrade run sample -f parameters.yml" in text
        assert "-p countries WLD,USA -p label 'exports and imports'" in text

    def test_zip_bytes_are_reproducible_and_hold_the_three_files(self):
        first = figure_zip(RECORD, "readme", {"year": 2008})
        assert first == figure_zip(RECORD, "readme", {"year": 2008})
        with zipfile.ZipFile(io.BytesIO(first)) as archive:
            assert archive.namelist() == ["fig-sample/data.csv", "fig-sample/README.md", "fig-sample/parameters.yml"]
            assert archive.read("fig-sample/data.csv").decode() == RECORD.export["csv"]
            assert archive.read("fig-sample/parameters.yml").decode() == "year: 2008\n"

    def test_figure_gets_a_dark_source_and_a_download_link(self):
        body = (
            '<p>before</p><figure class="align-default" id="fig-a-b"><img alt="A chart" src="../_images/x.png" />'
            "<figcaption><p>Figure 1.1 Caption</p></figcaption></figure><p>after</p>"
        )
        new, found = decorate_figure(body, "fig-a-b", link="<p>LINK</p>", dark_src="../_figures/p/fig-dark.png")
        assert found
        assert '<picture><source srcset="../_figures/p/fig-dark.png" media="(prefers-color-scheme: dark)"' in new
        assert '<img class="imtrade-figure dark-light" alt="A chart" src="../_images/x.png" /></picture>' in new
        assert new.index("Caption") < new.index("LINK") < new.index("</figcaption>")
        assert decorate_figure(body, "fig-other", link="x", dark_src=None) == (body, False)


def test_appendix_letters():
    assert [_letters(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


# ---------------------------------------------------------------------------------------
# A sample book, built, published twice and printed

SAMPLE = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---

# Sample chapter

```{code-cell} ipython3
:tags: [parameters]

countries: list[str] = ["WLD", "USA"]  # entities shown
```

```{code-cell} ipython3
:tags: [remove-cell]

import matplotlib.pyplot as plt
from imtrade.data.load import load_indicators
from imtrade.show.figures import add_source, apply_theme
from imtrade.show.tables import show_table
apply_theme()
data = load_indicators(["NE.EXP.GNFS.ZS"], countries=countries, years=(2000, 2010))
```

As {numref}`fig-sample_one` and {numref}`tab-sample-first` show, exports moved.

```{code-cell} ipython3
:tags: [hide-input]
:mystnb:
:  figure:
:    caption: Exports, % of GDP.
:    name: fig-sample_one
:  image:
:    alt: A line chart of exports.

fig, ax = plt.subplots()
for code, rows in data.groupby("iso3"):
    ax.plot(rows["year"], rows["value"], label=code)
ax.set_ylabel("Exports, % of GDP")
ax.legend()
add_source(fig, "World Bank, World Development Indicators (vintage 2026-07-01): NE.EXP.GNFS.ZS")
plt.show()
```

```{code-cell} ipython3
:tags: [hide-input]

show_table(data[["iso3", "year", "value"]].head(4), caption="The first rows", name="tab-sample-first")
```

```{code-cell} ipython3
:tags: [hide-input]
:mystnb:
:  figure:
:    caption: Exports again, as points.
:    name: fig-sample-two
:  image:
:    alt: A scatter chart of exports.

fig, ax = plt.subplots()
ax.scatter(data["year"], data["value"])
plt.show()
```
"""

TOC = """format: jb-book
root: intro
parts:
  - caption: Chapters
    chapters:
      - file: chapters/sample
  - caption: Appendices
    chapters:
      - file: book/notes
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory, mirror):
    """The sample book published as two editions into one site (the second with its PDF)."""
    from imtrade.book.publish import publish
    from imtrade.data.fetch import fetch

    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("publish")
    try:
        fetch(mirror=mirror)
        root = sample_book(tmp_path, monkeypatch, SAMPLE, TOC)
        shutil.copy(ROOT / "CITATION.cff", root / "CITATION.cff")
        (root / "book" / "notes.md").write_text("# Notes\n\nAn appendix page.\n", encoding="utf-8")
        site = tmp_path / "site"
        first = publish(
            date="2026-11-01",
            base_url="https://example.org/book",
            site=site,
            pdf=False,
            strict=True,
            progress=lambda m: None,
        )
        second = publish(
            date="2026-12-01", base_url="https://example.org/book", site=site, strict=True, progress=lambda m: None
        )
        yield root, site, first, second
    finally:
        monkeypatch.undo()


@pytest.mark.slow
@pytest.mark.mirror
class TestPublishedSampleBook:
    def test_numbers_per_chapter_and_working_cross_references(self, published):
        _, site, _, _ = published
        page = (site / "editions" / "2026-12-01" / "chapters" / "sample.html").read_text()
        assert re.findall(r'<span class="caption-number">([^<]*) </span>', page) == [
            "Figure 1.1",
            "Table 1.1",
            "Figure 1.2",
        ]
        assert '<span class="section-number">1. </span>Sample chapter' in page
        assert re.search(
            r'<a class="reference internal" href="#fig-sample-one"><span class="std std-numref">Figure 1.1</span>', page
        )
        assert re.search(r'href="#tab-sample-first"><span class="std std-numref">Table 1.1</span>', page)
        appendix = (site / "editions" / "2026-12-01" / "book" / "notes.html").read_text()
        assert '<span class="section-number">A. </span>' in appendix

    def test_each_named_figure_has_its_zip_and_dark_variant(self, published):
        _, site, _, _ = published
        edition = site / "editions" / "2026-12-01"
        page = (edition / "chapters" / "sample.html").read_text()
        for name in ("fig-sample_one", "fig-sample-two"):
            zip_path = edition / "_figures" / "chapters" / "sample" / f"{name}.zip"
            assert f'href="../_figures/chapters/sample/{name}.zip"' in page
            assert (edition / "_figures" / "chapters" / "sample" / f"{name}-dark.png").read_bytes()[:4] == b"\x89PNG"
            with zipfile.ZipFile(zip_path) as archive:
                csv = archive.read(f"{name}/data.csv").decode()
                notes = archive.read(f"{name}/README.md").decode()
            assert len(csv.splitlines()) == 23  # header + 2 economies x 11 years, as drawn
            assert "Page: https://example.org/book/editions/2026-12-01/chapters/sample.html" in notes
            assert "imtrade run sample -f parameters.yml" in notes
        assert "World Development Indicators (`wdi`) | 2026-07-01" in notes
        downloaded = (edition / "_sources" / "chapters" / "sample.ipynb").read_text()
        assert "image/png" in downloaded and "vnd.imtrade.figure" not in downloaded  # the notebook stays small

    def test_every_page_cites_its_edition_and_only_search_loads_the_index(self, published):
        _, site, _, _ = published
        edition = site / "editions" / "2026-12-01"
        for page in ("intro.html", "chapters/sample.html", "book/notes.html"):
            text = (edition / page).read_text()
            assert "Cite this edition." in text and "https://example.org/book/editions/2026-12-01/" in text
            assert "searchindex.js" not in text and "searchtools.js" not in text
        assert "searchindex.js" in (edition / "search.html").read_text()

    def test_index_root_page_banner_and_the_first_edition_kept(self, published):
        _, site, first, second = published
        assert first.folder.is_dir() and second.older == ["2026-11-01"]
        assert "editions/2026-12-01/index.html" in (site / "index.html").read_text()
        index = (site / "editions" / "index.html").read_text()
        assert index.index("2026-12-01") < index.index("2026-11-01") and (site / ".nojekyll").is_file()
        old = (site / "editions" / "2026-11-01" / "chapters" / "sample.html").read_text()
        assert "This is an older edition" in old and "../../2026-12-01/chapters/sample.html" in old
        assert "Edition of 2026-11-01" in old  # its own citation is unchanged
        assert not (site / "editions" / "2026-11-01" / "book.pdf").exists()

    def test_the_next_plain_build_is_not_an_edition(self, published):
        from imtrade.book.build import build

        root, _, _, _ = published
        build(jobs=1, progress=lambda m: None)
        text = (root / "_build" / "html" / "chapters" / "sample.html").read_text()
        assert "local build" in text and "Cite this edition." not in text

    def test_pdf_pages_render_with_figures_tables_and_citations(self, published, tmp_path):
        second = published[3]
        pdf = second.pdf
        assert pdf is not None and pdf.read_bytes()[:5] == b"%PDF-"
        if shutil.which("pdftoppm") is None:
            pytest.fail("pdftoppm not found (apt-get install poppler-utils)")
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for expected in (
            "Edition of 2026-12-01",
            "Figure 1.1",
            "Table 1.1",
            "Figure 1.2",
            "Cite as:",
            "The first rows",
        ):
            assert expected in text
        subprocess.run(
            ["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "4", str(pdf), str(tmp_path / "page")], check=True
        )
        from PIL import Image, ImageStat

        pages = sorted(tmp_path.glob("page-*.png"))
        assert len(pages) == 4
        for png in pages:
            grey = Image.open(png).convert("L")
            assert ImageStat.Stat(grey).stddev[0] > 5, f"{png.name} is blank"
