"""``imtrade publish``: build a dated edition of the book and add it to the published site.

The published site (default ``_build/publish/``; the GitHub workflow uses a checkout of the
``gh-pages`` branch, which keeps every earlier edition) is a folder of editions::

    index.html              forwards to the latest edition
    .nojekyll               GitHub Pages serves the "_static" folders as they are
    editions/index.html     every edition: date, data vintages, version, site and PDF
    editions/editions.json  the same, for programs
    editions/<date>/        one edition: the whole site, book.pdf and edition.json

Publishing builds the book with the edition's date and URL in the stage (so every page ends with
"Cite this edition" pointing at the edition's address), prints the PDF, copies the result into
``editions/<date>/`` (through a temporary folder swapped in whole; publishing twice on one day
replaces that day's edition), then rewrites the editions index and the root page, and marks every
page of every earlier edition with an "older edition" banner linking to the same page of the
latest. Nothing else of an earlier edition is touched. Editions are build products: never
commit them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path

from imtrade.book.citation import BOOK_PDF, EDITION_FILE, Edition, book_metadata, build_vintages, vintages_text
from imtrade.exceptions import PublishError
from imtrade.paths import ProjectPaths, project

EDITIONS = "editions"
EDITION_RECORD = "edition.json"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
BANNER_START, BANNER_END = "<!-- imtrade:older-edition -->", "<!-- /imtrade:older-edition -->"
ARTICLE_OPEN = re.compile(r'<article class="bd-article"[^>]*>')


@dataclass(frozen=True)
class PublishReport:
    edition: Edition
    folder: Path
    site: Path
    pdf: Path | None
    replaced: bool
    older: list[str]  # dates of the editions now marked as older
    seconds: float


def edition_date(value: str | None) -> str:
    """The edition's date: ``value`` (YYYY-MM-DD, checked) or today (UTC)."""
    if value is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        if not DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise PublishError(
            f"edition date {value!r} is not a date of the form YYYY-MM-DD", fix="e.g. --date 2026-12-02"
        ) from None


def normalise_base_url(url: str) -> str:
    """The site's base URL with one trailing slash ('' when not published online)."""
    url = (url or "").strip()
    if url and not re.match(r"https?://[^\s/]+", url):
        raise PublishError(
            f"base URL {url!r} is not an http(s) address", fix="e.g. --base-url https://owner.github.io/repo/"
        )
    return url.rstrip("/") + "/" if url else ""


def configured_base_url(paths: ProjectPaths) -> str:
    """``html.baseurl`` of ``_config.yml`` (jupyter-book's key for the site's address), if set."""
    import yaml

    try:
        config = yaml.safe_load(paths.config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ""
    return str((config.get("html") or {}).get("baseurl") or "")


# ---------------------------------------------------------------------------------------
# The editions folder


@dataclass(frozen=True)
class EditionRecord:
    date: str
    url: str
    vintages: dict[str, list[str]]
    version: str
    pdf: bool

    def to_dict(self) -> dict:
        return {"date": self.date, "url": self.url, "vintages": self.vintages, "version": self.version, "pdf": self.pdf}


def published_editions(site: Path) -> list[EditionRecord]:
    """Every edition under ``site``/editions, newest first (folders without a record are skipped)."""
    out = []
    for record in (site / EDITIONS).glob(f"*/{EDITION_RECORD}"):
        try:
            raw = json.loads(record.read_text(encoding="utf-8"))
            out.append(
                EditionRecord(
                    str(raw["date"]),
                    str(raw.get("url", "")),
                    dict(raw.get("vintages", {})),
                    str(raw.get("version", "")),
                    bool(raw.get("pdf")),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(out, key=lambda r: r.date, reverse=True)


def editions_index(records: list[EditionRecord], title: str) -> str:
    """The editions index page (a standalone page: it must outlive any edition's theme)."""
    rows = []
    for i, record in enumerate(records):
        tag = " (latest)" if i == 0 else ""
        pdf = f' · <a href="{record.date}/{BOOK_PDF}">PDF</a>' if record.pdf else ""
        rows.append(
            f'<tr><th scope="row"><a href="{record.date}/index.html">{record.date}</a>{tag}</th>'
            f"<td>{escape(vintages_text(record.vintages))}</td><td>{escape(record.version or '–')}</td>"
            f'<td><a href="{record.date}/index.html">site</a>{pdf}</td></tr>'
        )
    body = "\n".join(rows) or '<tr><td colspan="4">No edition yet.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Editions - {escape(title)}</title>
<style>
:root {{ color-scheme: light dark; --fg: #222832; --bg: #fff; --muted: #5c6470; --line: #d1d5da; --link: #0a5a8c; }}
@media (prefers-color-scheme: dark) {{
  :root {{ --fg: #ced6dd; --bg: #121212; --muted: #9ca4af; --line: #48566b; --link: #3fb1c5; }}
}}
body {{ font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg); max-width: 60rem;
  margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
a {{ color: var(--link); }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }}
thead th {{ border-bottom: 2px solid var(--muted); }}
p.note {{ color: var(--muted); }}
</style>
</head>
<body>
<h1>{escape(title)}: editions</h1>
<p>Each edition is the whole book as it was built on that date, from the data vintages listed, and keeps
its address for good: cite the edition you read (every page has a "Cite this edition" block).</p>
<table>
<thead><tr><th scope="col">Edition</th><th scope="col">Data vintages</th><th scope="col">Software version</th>
<th scope="col">Read</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
<p class="note">Older editions say so at the top of every page and link to the latest.</p>
</body>
</html>
"""


def root_page(latest: str, title: str) -> str:
    target = f"{EDITIONS}/{latest}/index.html"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        f'<meta http-equiv="Refresh" content="0; url={target}">\n<link rel="canonical" href="{target}">\n'
        f'</head>\n<body><p>The latest edition ({latest}) is at <a href="{target}">{target}</a>; '
        f'all editions: <a href="{EDITIONS}/index.html">{EDITIONS}/index.html</a>.</p></body>\n</html>\n'
    )


def banner_html(date: str, latest: str, *, latest_page: str, editions_index: str) -> str:
    """The banner of an older edition's page (inline styles: it must read well in any theme)."""
    return (
        f"{BANNER_START}"
        '<div class="imtrade-older-edition" role="note" style="border:2px solid #b35c00;border-radius:.3rem;'
        'padding:.6rem .9rem;margin:0 0 1.2rem;background:rgba(230,159,0,.12);">'
        f"<strong>This is an older edition</strong> of the book, of {date}. The latest edition is of {latest}: "
        f'<a href="{escape(latest_page)}">read this page in the latest edition</a> '
        f'or see <a href="{escape(editions_index)}">all editions</a>.'
        f"</div>{BANNER_END}"
    )


def mark_older(site: Path, records: list[EditionRecord]) -> list[str]:
    """Put (or update) the older-edition banner on every page of every edition but the latest;
    remove it from the latest. Returns the dates marked."""
    if not records:
        return []
    latest = records[0].date
    latest_root = site / EDITIONS / latest
    marked = []
    banner = re.compile(re.escape(BANNER_START) + ".*?" + re.escape(BANNER_END), re.S)
    for record in records:
        root = site / EDITIONS / record.date
        for page in root.rglob("*.html"):
            rel = page.relative_to(root)
            if rel.parts[0] in ("_static", "_sources"):
                continue
            text = page.read_text(encoding="utf-8")
            new = banner.sub("", text)
            if record.date != latest:
                up = "../" * (len(rel.parts) - 1)  # from the page to its edition's root
                same = rel.as_posix() if (latest_root / rel).is_file() else "index.html"
                match = ARTICLE_OPEN.search(new)
                if match:
                    html = banner_html(
                        record.date, latest, latest_page=f"{up}../{latest}/{same}", editions_index=f"{up}../index.html"
                    )
                    new = new[: match.end()] + html + new[match.end() :]
            if new != text:
                page.write_text(new, encoding="utf-8")
        if record.date != latest:
            marked.append(record.date)
    return marked


# ---------------------------------------------------------------------------------------
# Publishing


def _copy_edition(built: Path, target: Path) -> bool:
    """Copy ``built`` to ``target`` through a temporary folder; True when it replaced one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.new-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        shutil.copytree(built, fresh, ignore=shutil.ignore_patterns(".buildinfo", "*.map"))
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)  # a full disk leaves no partial edition behind
        raise
    replaced = target.exists()
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if replaced:
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return replaced


def publish(
    *,
    date: str | None = None,
    base_url: str | None = None,
    site: Path | None = None,
    jobs: int = 2,
    pdf: bool = True,
    strict: bool = False,
    progress=print,
) -> PublishReport:
    """Build the book as the edition of ``date`` and add it to ``site`` (see the module docstring)."""
    from imtrade.book.build import build_lock

    with build_lock(project()):  # the edition file in the stage and the build: no other build meanwhile
        return _publish(date=date, base_url=base_url, site=site, jobs=jobs, pdf=pdf, strict=strict, progress=progress)


def _publish(*, date, base_url, site, jobs, pdf, strict, progress) -> PublishReport:
    from imtrade.book.build import build
    from imtrade.book.site import stage_dir

    start = time.perf_counter()
    paths = project()
    date = edition_date(date)
    base = normalise_base_url(base_url if base_url is not None else configured_base_url(paths))
    site = (site or paths.build / "publish").resolve()
    edition_url = f"{base}{EDITIONS}/{date}/" if base else ""
    stage = stage_dir(paths)
    stage.mkdir(parents=True, exist_ok=True)
    edition_file = stage / EDITION_FILE
    edition_file.write_text(Edition(date, edition_url, pdf=pdf).to_json(), encoding="utf-8")
    try:
        progress(f"edition {date}: building the book{f' for {edition_url}' if edition_url else ''}")
        report = build(jobs=jobs, strict=strict, progress=progress)
    finally:
        edition_file.unlink(missing_ok=True)  # the next plain build is not an edition
    meta = book_metadata(paths.root)
    edition = Edition(date, edition_url, build_vintages(paths.build), pdf=pdf)
    built = paths.site
    pdf_path = None
    work = paths.build / f".edition-{date}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        shutil.copytree(built, work)
        if pdf:
            from imtrade.book.pdf import print_book

            result = print_book(work, work / BOOK_PDF, meta=meta, edition=edition)
            progress(f"PDF: {result.pages} pages of the site printed in {result.seconds:.1f} s")
        record = EditionRecord(date, edition_url, edition.vintages, meta.version, pdf)
        (work / EDITION_RECORD).write_text(json.dumps(record.to_dict(), indent=1, sort_keys=True), encoding="utf-8")
        target = site / EDITIONS / date
        replaced = _copy_edition(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if pdf:
        pdf_path = target / BOOK_PDF
    records = published_editions(site)
    older = mark_older(site, records)
    (site / EDITIONS / "index.html").write_text(editions_index(records, meta.title), encoding="utf-8")
    (site / EDITIONS / "editions.json").write_text(
        json.dumps([r.to_dict() for r in records], indent=1, sort_keys=True), encoding="utf-8"
    )
    (site / "index.html").write_text(root_page(records[0].date, meta.title), encoding="utf-8")
    (site / ".nojekyll").write_text("", encoding="utf-8")
    progress(
        f"edition {date} {'replaced' if replaced else 'written'} -> {target} "
        f"({len(records)} edition(s); site built in {report.site_seconds:.1f} s)"
    )
    return PublishReport(edition, target, site, pdf_path, replaced, older, time.perf_counter() - start)
