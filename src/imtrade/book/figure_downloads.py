"""Per-figure downloads and dark-mode images of the site (part of the book's Sphinx extension).

Every named figure of an executed notebook (cell metadata ``mystnb.figure.name``) whose output
carries an :mod:`imtrade.show.figure_export` record gets, when its page is written:

- ``_figures/<page>/<name>.zip``: ``data.csv`` (what the figure plots), ``README.md`` (what
  each column is, the figure's panels and axes, the sources with their licences and
  citations, how to cite the book, the command that reproduces the page) and
  ``parameters.yml`` (the page's parameters, for ``imtrade run <chapter> -f parameters.yml``);
- ``_figures/<page>/<name>-dark.png``: the figure redrawn for the dark theme;

and the page gets a download link under the caption and a ``<picture>`` whose dark source is
shown in dark mode. Files are written only when their bytes change, with fixed zip timestamps,
so two builds from the same notebooks give identical files.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import yaml

from imtrade.book.citation import BookMetadata, Edition, citation_bibtex, citation_text
from imtrade.book.site import write_if_changed
from imtrade.show.figure_export import FIGURE_MIME

FIGURES_DIR = "_figures"
ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed member timestamps: reproducible zips


@dataclass(frozen=True)
class FigureRecord:
    name: str
    caption: str
    export: dict[str, Any]


def notebook_figures(notebook: Path) -> tuple[list[FigureRecord], dict[str, Any]]:
    """The named figures of an executed notebook that carry an export, and its parameters."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))  # no schema validation: it is our own output
    figures = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        name = figure.get("name") if isinstance(figure, dict) else None
        if not name:
            continue
        for output in cell.get("outputs", []):
            export = output.get("data", {}).get(FIGURE_MIME)
            if isinstance(export, dict):
                figures.append(FigureRecord(str(name), str(figure.get("caption") or ""), dict(export)))
                break  # one figure per cell (the book's rule); later ones have no name of their own
    params = dict(nb.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {})
    return figures, params


# ---------------------------------------------------------------------------------------
# README


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _curated_citations(root: Path, path: str, limit: int = 12) -> list[str]:
    file = root / path
    if not file.is_file():
        return []
    with file.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    seen: list[str] = []
    for row in rows:
        cite = " ".join(p for p in (row.get("citation", "").strip(), row.get("url", "").strip()) if p)
        if cite and cite not in seen:
            seen.append(cite)
    return seen[:limit] + ([f"... and {len(seen) - limit} more (see the file)"] if len(seen) > limit else [])


def named_on_figure(read: dict[str, Any], dataset, source: str) -> bool:
    """Whether the figure's source line names this dataset: one of the indicator codes the
    chapter loaded from it, or (for datasets whose codes are not printed) its title or producer."""
    text = source.lower()
    if any(code.lower() in text for code in read.get("indicators") or []):
        return True
    if dataset is None or not read.get("indicators"):
        return False
    names = (dataset.title.split(",")[0], dataset.producer.split("(")[0], dataset.id)
    return any(name.strip() and name.strip().lower() in text for name in names)


def _dataset_row(read: dict[str, Any], catalog) -> str:
    ds = catalog.datasets.get(read["dataset"])
    if ds is None:  # a local vintage or a dataset no longer catalogued
        return f"| `{read['dataset']}` | {read['vintage']} | – | – | – |"
    licence = f"[{ds.licence}]({ds.licence_url})" if ds.licence_url else ds.licence
    return f"| {_md(ds.title)} (`{ds.id}`) | {read['vintage']} | {_md(ds.producer)} | {licence} | {_md(ds.citation)} |"


def sources_section(export: dict[str, Any], catalog, root: Path) -> list[str]:
    """README lines naming the figure's source line, the datasets read and their licences."""
    lines = ["## Sources and licences", ""]
    source = str(export.get("source") or "")
    if source:
        lines += [f"Printed under the figure: *{source}*", ""]
    reads = export.get("reads") or []
    datasets = [r for r in reads if r.get("dataset") not in ("curated", "project")]
    tables = [r for r in reads if r.get("dataset") == "curated"]
    own = [r.get("path", "") for r in reads if r.get("dataset") == "project"]
    named = [r for r in datasets if named_on_figure(r, catalog.datasets.get(r["dataset"]), source)]
    other = [r for r in datasets if r not in named]
    head = ["| dataset | vintage | producer | licence | citation |", "|---|---|---|---|---|"]
    if named:
        lines += ["The data of the figure come from:", "", *head, *(_dataset_row(r, catalog) for r in named), ""]
    if other:
        lines += [
            "The chapter had also read these before drawing the figure (e.g. the names, regions and income "
            "groups of economies); cite them if you use those:",
            "",
            *head,
            *(_dataset_row(r, catalog) for r in other),
            "",
        ]
    for read in tables:
        citations = _curated_citations(root, read.get("path", ""))
        lines.append(f"Curated table `{read.get('path', '')}` (figures from publications, one citation per row):")
        lines += [""] + [f"- {_md(c)}" for c in citations] + [""] if citations else [""]
    if own:
        lines += ["Files of the book read by the chapter: " + ", ".join(f"`{path}`" for path in own) + ".", ""]
    if not reads:
        lines += ["No data read was recorded for this figure; see the book's *Data sources* appendix.", ""]
    lines += [
        "Cite the data providers for the data and the book for the analysis. The licences are the providers'.",
        "",
    ]
    return lines


def readme(
    record: FigureRecord,
    *,
    number: str,
    page_title: str,
    pagename: str,
    params: dict[str, Any],
    meta: BookMetadata,
    edition: Edition | None,
    catalog,
    root: Path,
) -> str:
    export = record.export
    chapter = export.get("chapter") or pagename.rsplit("/", 1)[-1]
    title = f"{number}: {record.caption}" if number else record.caption
    lines = [f"# {title.strip()}", "", f"From *{page_title}* in *{meta.title}*.", ""]
    if edition is not None:
        lines += [f"Page: {edition.page_url(pagename) or pagename + '.html'} (edition of {edition.date}).", ""]
    else:
        lines += [f"Page: `{pagename}.html` of a local build (not a published edition).", ""]
    lines += [
        "## Files",
        "",
        "- `data.csv`: the data the figure plots, one row per plotted value (UTF-8, comma-separated).",
        "- `parameters.yml`: the parameters the page was computed with.",
        "- `README.md`: this file.",
        "",
        "## Columns of data.csv",
        "",
        "| column | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{_md(c)}` | {_md(n) or '(no note)'} |" for c, n in (export.get("columns") or {}).items()]
    lines.append("")
    if export.get("read_from_artists", True):
        lines += [
            "The values were read back from the figure as drawn (lines, points, bars, bands and reference "
            "lines), at full floating-point precision; smoothing or rounding done by the chapter is included.",
            "",
        ]
    panels = export.get("panels") or []
    if panels:
        lines += ["## Panels and axes", "", "| panel | horizontal axis | vertical axis |", "|---|---|---|"]
        lines += [
            f"| {p.get('panel', '')} | {_md(p.get('x axis') or '(no label)')} "
            f"| {_md(p.get('y axis') or '(no label)')} |"
            for p in panels
        ]
        lines.append("")
    lines += sources_section(export, catalog, root)
    lines += ["## How to cite", "", citation_text(meta, edition), ""]
    if number:
        lines += [f"When you reuse this figure or its data, name it: {meta.title}, {number}.", ""]
    if edition is not None:
        lines += ["```bibtex", citation_bibtex(meta, edition), "```", ""]
    lines += [
        "## How to reproduce",
        "",
        "With the book's repository checked out (at the edition's commit for identical results):",
        "",
        "```bash",
        "make venv data                     # the pinned environment and the verified data",
        f"imtrade run {chapter} -f parameters.yml",
        "```",
        "",
        f"The executed notebook holds this figure (cell named `{record.name}`). The same as options: "
        f"`imtrade run {chapter} " + " ".join(f"-p {k} {_cli(v)}" for k, v in params.items()) + "`.",
        "",
    ]
    return "\n".join(lines)


def _cli(value: Any) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if re.fullmatch(r"[\w.,:/+-]+", text) else "'" + text.replace("'", "'\\''") + "'"


def figure_zip(record: FigureRecord, readme_text: str, params: dict[str, Any]) -> bytes:
    """The zip of one figure (deterministic bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, text in (
            ("data.csv", record.export.get("csv", "")),
            ("README.md", readme_text),
            ("parameters.yml", yaml.safe_dump(params, sort_keys=False, allow_unicode=True)),
        ):
            info = zipfile.ZipInfo(f"{record.name}/{member}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# The page


def _size_text(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


def link_html(href: str, size: int) -> str:
    return (
        f'<p class="imtrade-figure-download"><a href="{escape(href)}" download>'
        f"Download the data (ZIP, {_size_text(size)})</a>: CSV, what each column means, sources and licences, "
        "how to cite and reproduce</p>\n"
    )


def decorate_figure(body: str, html_id: str, *, link: str | None, dark_src: str | None) -> tuple[str, bool]:
    """Add the download link (end of the caption) and the dark source (``<picture>``) to the
    figure with id ``html_id`` in ``body``; return the new body and whether the figure was found."""
    match = re.search(rf'<figure[^>]*\bid="{re.escape(html_id)}"[^>]*>', body)
    if match is None:
        return body, False
    start = match.start()
    end = body.find("</figure>", start)
    if end < 0:
        return body, False
    figure = body[start:end]
    if dark_src is not None:
        figure = re.sub(
            r"<img ([^>]*?)(\s*/?)>",
            lambda m: (
                f'<picture><source srcset="{escape(dark_src)}" media="(prefers-color-scheme: dark)" '
                f'data-imtrade-dark=""><img class="imtrade-figure dark-light" {m.group(1)}{m.group(2)}></picture>'
            ),
            figure,
            count=1,
        )
    if link is not None:
        close = figure.rfind("</figcaption>")
        figure = figure[:close] + link + figure[close:] if close >= 0 else figure + link
    return body[:start] + figure + body[end:], True


def page_figures(
    *,
    notebook: Path,
    pagename: str,
    body: str,
    outdir: Path,
    figure_ids: dict[str, str],
    fignumbers: dict[str, tuple],
    numfig_format: str,
    page_title: str,
    meta: BookMetadata,
    edition: Edition | None,
    catalog,
    root: Path,
    warn,
) -> tuple[str, list[str]]:
    """Write the page's figure files and return its decorated body and the files written
    (paths relative to ``outdir``). ``figure_ids``: figure name -> its HTML id (docutils turns
    ``fig-trade_patterns-rca`` into ``fig-trade-patterns-rca``); ``fignumbers``: id -> number."""
    figures, params = notebook_figures(notebook)
    depth = pagename.count("/")
    up = "../" * depth
    written = []
    for record in figures:
        html_id = figure_ids.get(record.name, record.name)
        number = numfig_format % ".".join(map(str, fignumbers[html_id])) if html_id in fignumbers else ""
        folder = Path(FIGURES_DIR) / pagename
        link = dark = None
        if "error_data" in record.export:
            warn(f"{pagename}: figure {record.name} has no data download ({record.export['error_data']})")
        else:
            text = readme(
                record,
                number=number,
                page_title=page_title,
                pagename=pagename,
                params=params,
                meta=meta,
                edition=edition,
                catalog=catalog,
                root=root,
            )
            content = figure_zip(record, text, params)
            write_if_changed(outdir / folder / f"{record.name}.zip", content)
            written.append((folder / f"{record.name}.zip").as_posix())
            link = link_html(f"{up}{folder.as_posix()}/{record.name}.zip", len(content))
        if "error_dark" in record.export:
            warn(f"{pagename}: figure {record.name} has no dark variant ({record.export['error_dark']})")
        elif record.export.get("dark_png"):
            write_if_changed(outdir / folder / f"{record.name}-dark.png", base64.b64decode(record.export["dark_png"]))
            written.append((folder / f"{record.name}-dark.png").as_posix())
            dark = f"{up}{folder.as_posix()}/{record.name}-dark.png"
        body, found = decorate_figure(body, html_id, link=link, dark_src=dark)
        if not found:
            warn(f"{pagename}: figure {record.name} is not on the page (no <figure id={html_id!r}>)")
    return body, written


def stale_figure_files(outdir: Path, wanted: set[str]) -> list[Path]:
    """Files under ``_figures/`` that no page wrote in this build's record."""
    folder = outdir / FIGURES_DIR
    if not folder.is_dir():
        return []
    return [p for p in folder.rglob("*") if p.is_file() and p.relative_to(outdir).as_posix() not in wanted]
