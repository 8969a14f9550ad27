"""Pages generated at build time: *Data sources* and *Reproducibility*.

Both are pure functions of the catalog, the manifests, the curated tables and the build
records, so two builds from the same inputs produce identical pages (no dates or timings).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from imtrade.data.catalog import load_catalog, manifest_digest, manifest_path, read_manifest
from imtrade.data.derived import DERIVED
from imtrade.fileio import atomic_write
from imtrade.paths import ProjectPaths

if TYPE_CHECKING:
    from imtrade.book.build import ChapterPlan

KEY_PACKAGES = (
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "papermill",
    "pandas",
    "numpy",
    "statsmodels",
    "seaborn",
    "matplotlib",
    "pandera",
    "pyarrow",
)


def _escape(text: str) -> str:
    """Text for a Markdown table cell: no pipes, no newlines, and '$' is not math (US$)."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("$", "\\$")


def _chapter_reads(paths: ProjectPaths) -> dict[str, list[dict]]:
    out = {}
    for record in sorted((paths.build / "cache").glob("*.json")):
        if record.name == "site.json":
            continue
        data = json.loads(record.read_text(encoding="utf-8"))
        out[data["chapter"]] = data.get("reads", [])
    return out


def data_sources_page(paths: ProjectPaths, chapter_titles: dict[str, str]) -> str:
    catalog = load_catalog(paths.catalog)
    reads = _chapter_reads(paths)
    users: dict[tuple[str, str], set[str]] = defaultdict(set)
    for chapter, items in reads.items():
        for r in items:
            users[(r["dataset"], r["vintage"])].add(chapter)
    lines = [
        "# Data sources",
        "",
        "Every number in this book is computed from the datasets below (or from the curated tables of published "
        "figures further down). The project never commits the data: `imtrade fetch` downloads each file from its "
        "upstream (or copies it from an offline mirror) and refuses any file whose size or SHA-256 checksum differs "
        "from the manifest listed here. Cite the producer, not this book.",
        "",
        "| dataset | producer | licence | vintage | files | manifest digest (SHA-256) | used by |",
        "|---|---|---|---|---|---|---|",
    ]
    for ds in catalog.datasets.values():
        for v in ds.vintages.values():
            entries = read_manifest(manifest_path(ds.id, v.id, paths))
            size = sum(e.size for e in entries.values()) / 1e6
            used = ", ".join(
                f"{{doc}}`{chapter_titles[c]} <../chapters/{c}>`"
                for c in sorted(users.get((ds.id, v.id), ()))
                if c in chapter_titles
            )
            lines.append(
                f"| **{_escape(ds.title)}** (`{ds.id}`) | {_escape(ds.producer)} | "
                f"[{ds.licence}]({ds.licence_url}) | {v.id} | "
                f"{len(entries)} ({size:.1f} MB) | `{manifest_digest(entries)[:16]}…` | {used or '—'} |"
            )
    lines += ["", "## Provenance and citations", ""]
    for ds in catalog.datasets.values():
        lines += [f"### {_escape(ds.title)} (`{ds.id}`)", "", f"- **Citation:** {_escape(ds.citation)}"]
        if ds.packager:
            lines.append(f"- **Packaged by:** {_escape(ds.packager)}")
        lines.append(f"- **Homepage:** <{ds.homepage}>" if ds.homepage else "- **Homepage:** —")
        if ds.upstream:
            lines.append(f"- **Upstream file URL:** `{ds.upstream}`")
        else:
            lines.append(f"- **Upstream:** {_escape(ds.upstream_note)}")
        lines.append(f"- **Licence:** [{ds.licence}]({ds.licence_url})")
        for v in ds.vintages.values():
            note = f" — {_escape(v.notes)}" if v.notes else ""
            ref = f", commit `{v.ref}`" if v.ref else ""
            lines.append(
                f"- **Vintage {v.id}** (released {v.released}{ref}){note} "
                f"Checksums: `data/manifests/{ds.id}/{v.id}.tsv`."
            )
        lines.append("")
    lines += [
        "## Derived series",
        "",
        "Some series are not published by the upstreams and are computed from ones that are (`imtrade.data.derived`):",
        "",
        "| code | series | formula | note |",
        "|---|---|---|---|",
    ]
    for d in DERIVED.values():
        lines.append(f"| `{d.code}` | {_escape(d.name)} | {_escape(d.formula)} | {_escape(d.note) or '—'} |")
    curated = sorted((paths.curated).glob("*.csv")) if paths.curated.is_dir() else []
    if curated:
        lines += [
            "",
            "## Curated tables of published figures",
            "",
            "Figures that exist only in publications (IFR robot statistics, WIPO innovation ranks, customs releases, "
            "the source texts' own figures) are kept in small tables in `data/curated/`, one figure per row with its "
            "citation and URL. Rows marked *not verified at the primary publisher* were read from reposts.",
            "",
            "| table | rows | verified at the primary publisher | SHA-256 |",
            "|---|---|---|---|",
        ]
        for file in curated:
            rows, verified, sha = _curated_counts(paths, file)
            lines.append(f"| `{file.name}` | {rows} | {verified} | `{sha[:16]}…` |")
    lines.append("")
    return "\n".join(lines)


def _curated_counts(paths: ProjectPaths, file: Path) -> tuple[int, int, str]:
    """Rows, rows verified at the primary publisher, and SHA-256 of one curated table.

    The table is validated (a malformed table fails the build here) once per content: the counts
    are remembered in ``_build/curated-counts.json`` (not in ``cache/``, which holds the chapter
    records) under the table's SHA-256 and that of the module holding its schema, so a no-op
    rebuild does not import pandas and pandera.
    """
    import imtrade.data.curated as curated_module

    sha = hashlib.sha256(file.read_bytes()).hexdigest()
    schema = hashlib.sha256(Path(curated_module.__file__).read_bytes()).hexdigest()
    memo_path = paths.build / "curated-counts.json"
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    key = f"{file.name}:{sha}:{schema}"
    if isinstance(memo.get(key), list) and len(memo[key]) == 2:
        rows, verified = memo[key]
        return int(rows), int(verified), sha
    table = curated_module.load_curated(file.stem)
    rows, verified = len(table), int((table["verified_primary"].str.strip().str.lower() == "yes").sum())
    memo = {k: v for k, v in memo.items() if not k.startswith(f"{file.name}:")} | {key: [rows, verified]}
    atomic_write(memo_path, json.dumps(memo, indent=1, sort_keys=True))
    return rows, verified, sha


def _locked_versions(paths: ProjectPaths) -> dict[str, str]:
    lock = paths.root / "requirements.txt"
    versions = {}
    if lock.is_file():
        for line in lock.read_text(encoding="utf-8").splitlines():
            if "==" in line and not line.startswith("#"):
                name, version = line.split("==", 1)
                versions[name.strip().lower()] = version.strip()
    return versions


def reproducibility_page(paths: ProjectPaths, plans: list[ChapterPlan]) -> str:
    versions = _locked_versions(paths)
    lines = [
        "# Reproducibility",
        "",
        "This page is generated by `imtrade build` from the build records. Two builds from the same inputs "
        "produce the same executed notebooks and figures; the cache keys below change whenever a chapter's "
        "source, parameters, environment or data change, and only then is the chapter executed again.",
        "",
        "## Environment",
        "",
        f"- Python {platform.python_version()} (the book is tested on CPython 3.11)",
        "- Exact package versions: `requirements.txt` (a lock generated from `requirements.in`). Key packages:",
        "",
        "| package | version |",
        "|---|---|",
    ]
    lines += [f"| {p} | {versions.get(p, '—')} |" for p in KEY_PACKAGES]
    lines += ["", "## Chapters, parameters and cache keys", ""]
    lines += ["| chapter | parameters | cache key | data files read |", "|---|---|---|---|"]
    for plan in plans:
        params = "<br>".join(f"`{k}` = `{json.dumps(v)}`" for k, v in plan.params.items())
        record = json.loads(plan.record.read_text()) if plan.record.is_file() else {}
        n_reads = len(record.get("reads", []))
        lines.append(
            f"| {{doc}}`{plan.chapter.title()} <../{plan.chapter.docname}>` | {params} "
            f"| `{record.get('key', '')[:16]}` | {n_reads} |"
        )
    lines += [
        "",
        "## Build manifest",
        "",
        "SHA-256 of each executed notebook and of every table the chapters wrote:",
        "",
        "| file | SHA-256 |",
        "|---|---|",
    ]
    stage = paths.build / "stage"
    outputs = sorted(p for p in (stage / "chapters").rglob("*") if p.is_file() and p.suffix in (".ipynb", ".csv"))
    for file in outputs:
        lines.append(f"| `{file.relative_to(stage).as_posix()}` | `{hashlib.sha256(file.read_bytes()).hexdigest()}` |")
    lines += [
        "",
        "## Data vintages",
        "",
        "See {doc}`data_sources` for every dataset, vintage and checksum manifest.",
        "",
    ]
    return "\n".join(lines)


GENERATED_PAGES = ("book/data_sources.md", "book/reproducibility.md")  # written into the stage by every build


def write_generated_pages(stage: Path, plans: list[ChapterPlan], paths: ProjectPaths) -> None:
    from imtrade.book.site import write_if_changed

    titles = {p.chapter.name: p.chapter.title() for p in plans}
    sources, reproducibility = (stage / page for page in GENERATED_PAGES)
    write_if_changed(sources, data_sources_page(paths, titles).encode())
    write_if_changed(reproducibility, reproducibility_page(paths, plans).encode())
