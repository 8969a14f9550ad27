"""Publish batch results in the book: an index page and one page per run.

A spec in ``specs/`` with a ``site`` section::

    site:
      caption: Country briefs          # part of the table of contents (an existing part is extended)
      title: Country briefs            # title of the index page
      intro: One page per economy ...  # Markdown under the title
      page_title: "{brief_name}"       # title of each run's page, from the run's glued values
      columns:                         # glued value -> column of the index table (first one links)
        brief_name: Economy
        brief_trade: "Trade, % of GDP"

is included by ``imtrade build`` when ``_build/batch/<name>/`` holds executed runs (those
with a build record whose output checksum matches): they are copied into the stage under
``batch/<name>/``, the index page is generated, and the stage's ``_toc.yml`` gets the part.
Labels that every run defines (figure names, exercise labels, ``(target)=``) are made unique
per page. Nothing is loaded from the internet: the table is sorted by a few lines of inline
JavaScript. Without built runs the book is unchanged.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from imtrade.paths import ProjectPaths

SPECS_DIR = "specs"
STAGE_DIR = "batch"
STAGED_MEMO = ".staged.json"  # per staged batch: notebook checksum -> title and glued values
STAGING_VERSION = 3  # bump when the way notebooks are rewritten for the stage changes (invalidates the memo)


@dataclass
class PublishedRun:
    stem: str
    notebook: Path
    values: dict[str, str]  # glued values (Markdown text); filled by stage_batches
    sha256: str = ""  # of the executed notebook (its build record's output checksum)


@dataclass
class PublishedBatch:
    name: str
    site: dict[str, Any]
    out: Path
    runs: list[PublishedRun]


def _spec_site(path: Path) -> tuple[str, dict[str, Any]] | None:
    """(name, site section) of a spec file, without expanding or checking its runs."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("site"), dict):
        return None
    return str(raw.get("name") or path.stem), raw["site"]


def published_batches(paths: ProjectPaths) -> list[PublishedBatch]:
    """Specs with a ``site`` section whose runs have been executed (valid records only)."""
    from imtrade.data.catalog import sha256_file

    out = []
    for spec in sorted((paths.root / SPECS_DIR).glob("*.yml")):
        found = _spec_site(spec)
        if found is None:
            continue
        name, site = found
        folder = paths.build / "batch" / name
        runs = []
        for record_path in sorted(folder.glob("*.json")):
            notebook = record_path.with_suffix(".ipynb")
            try:
                record = json.loads(record_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if (
                record.get("extra", {}).get("batch") != name
                or not notebook.is_file()
                or sha256_file(notebook) != record.get("output_sha256")
            ):
                continue
            runs.append(PublishedRun(notebook.stem, notebook, {}, record["output_sha256"]))
        if runs:
            out.append(PublishedBatch(name, site, folder, runs))
    return out


# ---------------------------------------------------------------------------------------
# Pages


def plain(markdown: str) -> str:
    """Glued Markdown as plain text (``**China**`` -> ``China``)."""
    return re.sub(r"[*_`]", "", markdown).strip()


def sort_key(text: str) -> str:
    """The ``data-sort`` value of a cell: a number when the text is one, else lower-case text."""
    number = text.replace(",", "").replace("%", "").replace("\u2212", "-").strip()
    try:
        return repr(float(number))
    except ValueError:
        return text.lower()


def page_title(run: PublishedRun, site: dict[str, Any]) -> str:
    template = site.get("page_title")
    if not template:
        return run.stem
    try:
        return plain(str(template).format(**run.values))
    except (KeyError, IndexError, ValueError):
        return run.stem


SORT_SCRIPT = """<script>
// Sort the index table by a column (click a heading; again to reverse). No libraries.
document.querySelectorAll("table.imtrade-sortable").forEach(function (table) {
  var heads = table.querySelectorAll("thead th");
  heads.forEach(function (th, column) {
    th.querySelector("button").addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort"), y = b.cells[column].getAttribute("data-sort");
        var nx = parseFloat(x), ny = parseFloat(y), bothNumbers = !isNaN(nx) && !isNaN(ny);
        if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }  // no data: always last
        var order = bothNumbers ? nx - ny : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
</script>"""

TABLE_STYLE = (
    "<style>\n"
    "table.imtrade-sortable th button { background: none; border: none; font: inherit; font-weight: bold; "
    "cursor: pointer; padding: 0; text-align: left; }\n"
    'table.imtrade-sortable th[aria-sort="ascending"] button::after { content: " \\25B2"; }\n'
    'table.imtrade-sortable th[aria-sort="descending"] button::after { content: " \\25BC"; }\n'
    "table.imtrade-sortable td.num { text-align: right; }\n"
    "</style>"
)


def index_page(batch: PublishedBatch, titles: dict[str, str]) -> str:
    """The index page: title, intro and a sortable table with one linked row per run."""
    site = batch.site
    columns: dict[str, str] = dict(site.get("columns") or {})
    names = list(columns)
    head = "".join(f'<th scope="col"><button type="button">{html.escape(str(columns[n]))}</button></th>' for n in names)
    rows = []
    for run in sorted(batch.runs, key=lambda r: titles[r.stem].lower()):
        cells = []
        for i, name in enumerate(names):
            text = plain(run.values.get(name, ""))
            shown = html.escape(text) if text else "–"
            key = sort_key(text) if text and text.lower() not in ("no data", "n/a", "–") else ""
            numeric = key and key[0] in "-0123456789" and key not in ("",)
            if i == 0:
                shown = f'<a href="{html.escape(run.stem)}.html">{html.escape(text or titles[run.stem])}</a>'
            cells.append(f'<td data-sort="{html.escape(key)}"{" class=num" if numeric and i else ""}>{shown}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    title = site.get("title") or site.get("caption") or batch.name
    intro = str(site.get("intro") or "").strip()
    table = (
        f'<table class="imtrade-sortable table">\n<caption>{len(batch.runs)} pages. Click a column heading to sort; '
        "click again to reverse.</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )
    return f"# {title}\n\n{intro}\n\n{TABLE_STYLE}\n\n{table}\n\n{SORT_SCRIPT}\n"


# ---------------------------------------------------------------------------------------
# Notebooks: unique labels and a title per page


LABEL_PATTERNS = (
    re.compile(r"^\(([A-Za-z0-9_.:-]+)\)=\s*$", re.M),  # (target)=
    re.compile(r"^:label:\s*([A-Za-z0-9_.:-]+)\s*$", re.M),  # exercise / solution labels
)


def _labels(nb) -> set[str]:
    labels: set[str] = set()
    for cell in nb.cells:
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if isinstance(figure, dict) and figure.get("name"):
            labels.add(str(figure["name"]))
        if cell.get("cell_type") == "markdown":
            for pattern in LABEL_PATTERNS:
                labels.update(pattern.findall(cell.source))
    return labels


def relabel(nb, suffix: str, title: str | None = None):
    """Append ``-<suffix>`` to every label the notebook defines (and every reference to it);
    replace the first ``# heading`` with ``title``. In place; returns ``nb``. (Figures are
    numbered per page, e.g. "Figure 6.12.1" in the twelfth brief: :mod:`imtrade.book.numbering`.)"""
    labels = _labels(nb)
    pattern = (
        re.compile(
            r"(?<![\w.:-])(" + "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True)) + r")(?![\w.:-])"
        )
        if labels
        else None
    )
    heading_done = title is None
    for cell in nb.cells:
        if pattern is not None and cell.get("cell_type") == "markdown":
            cell.source = pattern.sub(lambda m: f"{m.group(1)}-{suffix}", cell.source)
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if isinstance(figure, dict) and figure.get("name") in labels:
            figure["name"] = f"{figure['name']}-{suffix}"
        if not heading_done and cell.get("cell_type") == "markdown":
            new, count = re.subn(r"^# .+$", lambda _m: f"# {title}", cell.source, count=1, flags=re.M)
            if count:
                cell.source, heading_done = new, True
    return nb


def relink(nb, stem: str, files: Path):
    """Point links to files the run wrote (``tables/x.csv``) at their staged copies
    (``files/<stem>/tables/x.csv``): every run keeps its own files. In place; returns ``nb``."""
    rels = (
        sorted((p.relative_to(files).as_posix() for p in files.rglob("*") if p.is_file()), key=len, reverse=True)
        if files.is_dir()
        else []
    )
    if not rels:
        return nb
    pattern = re.compile(r"(?<=[<(\s`'\"])(" + "|".join(re.escape(r) for r in rels) + r")(?=[>)\s`'\"])")
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            cell.source = pattern.sub(lambda m: f"files/{stem}/{m.group(1)}", cell.source)
    return nb


# ---------------------------------------------------------------------------------------
# Staging


def _toc_with_batches(toc_text: str, entries: list[tuple[str, dict[str, Any]]]) -> str:
    toc = yaml.safe_load(toc_text)
    header = "# Generated by imtrade build from _toc.yml and the built batch runs (imtrade.batch.site).\n"
    if "parts" not in toc:  # a book without parts: the index pages become chapters
        toc.setdefault("chapters", []).extend(entry for _caption, entry in entries)
        return header + yaml.safe_dump(toc, sort_keys=False, allow_unicode=True)
    parts = toc["parts"]
    for caption, entry in entries:
        part = next((p for p in parts if p.get("caption") == caption), None)
        if part is None:
            part = {"caption": caption, "chapters": []}
            appendices = next(
                (i for i, p in enumerate(parts) if str(p.get("caption", "")).lower().startswith("appendi")), len(parts)
            )
            parts.insert(appendices, part)
        part.setdefault("chapters", []).append(entry)
    return header + yaml.safe_dump(toc, sort_keys=False, allow_unicode=True)


def stage_batches(stage: Path, paths: ProjectPaths) -> list[PublishedBatch]:
    """Copy published batch runs into the stage, write their index pages, extend the toc."""
    from imtrade.book.notebooks import glued
    from imtrade.book.site import write_if_changed

    batches = published_batches(paths)
    root = stage / STAGE_DIR
    wanted: set[Path] = set()
    entries = []
    for batch in batches:
        folder = root / batch.name
        # Staging reads and rewrites every notebook (slow for hundreds): keep what it found per
        # executed notebook and redo only the runs whose notebook (checksum) changed.
        memo_path = folder / STAGED_MEMO
        try:
            memo = json.loads(memo_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            memo = {}
        template = str(batch.site.get("page_title") or "")
        titles, new_memo = {}, {}
        for run in batch.runs:
            target = folder / f"{run.stem}.ipynb"
            hit = memo.get(run.stem)
            if (
                hit
                and hit["sha256"] == run.sha256
                and hit["page_title"] == template
                and hit.get("version") == STAGING_VERSION
                and target.is_file()
            ):
                run.values, titles[run.stem] = hit["values"], hit["title"]
            else:
                import nbformat  # only for runs staged anew (about 0.3 s to import)

                nb = nbformat.read(run.notebook, as_version=4)
                run.values = glued(nb)
                titles[run.stem] = page_title(run, batch.site)
                nb = relink(relabel(nb, run.stem, titles[run.stem]), run.stem, batch.out / "files" / run.stem)
                write_if_changed(target, (nbformat.writes(nb) + "\n").encode())
            new_memo[run.stem] = {
                "sha256": run.sha256,
                "page_title": template,
                "title": titles[run.stem],
                "values": run.values,
                "version": STAGING_VERSION,
            }
            wanted.add(target)
        write_if_changed(memo_path, json.dumps(new_memo, indent=0, sort_keys=True).encode())
        wanted.add(memo_path)
        for run in batch.runs:  # the files each run wrote, and the links to them
            files = batch.out / "files" / run.stem
            for file in sorted(files.rglob("*")) if files.is_dir() else []:
                if file.is_file():
                    target = folder / "files" / run.stem / file.relative_to(files)
                    write_if_changed(target, file.read_bytes())
                    wanted.add(target)
        index = folder / "index.md"
        write_if_changed(index, index_page(batch, titles).encode())
        wanted.add(index)
        ordered = sorted(batch.runs, key=lambda r: titles[r.stem].lower())
        caption = str(batch.site.get("caption") or batch.site.get("title") or batch.name)
        entries.append(
            (
                caption,
                {
                    "file": f"{STAGE_DIR}/{batch.name}/index",
                    "sections": [{"file": f"{STAGE_DIR}/{batch.name}/{r.stem}"} for r in ordered],
                },
            )
        )
    if root.is_dir():  # runs or whole batches that are no longer published
        for file in sorted(root.rglob("*"), reverse=True):
            if file.is_file() and file not in wanted:
                file.unlink()
            elif file.is_dir() and not any(file.iterdir()):
                file.rmdir()
        if not any(root.iterdir()):
            shutil.rmtree(root)
    if entries:
        toc = stage / "_toc.yml"
        write_if_changed(toc, _toc_with_batches((paths.toc).read_text(encoding="utf-8"), entries).encode())
    return batches
