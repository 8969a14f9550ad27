"""The data catalog (``data/catalog.yml``) and its checksum manifests.

A *vintage* of a dataset is one frozen set of files. Catalogued vintages come with a
committed manifest (``data/manifests/<dataset>/<vintage>.tsv``: path, size, sha256).
Local vintages are created on this machine by ``imtrade fetch --source worldbank-api`` or
``imtrade data add``; they live only under ``data/raw`` with their own manifest and a
``base`` vintage they fall back to for indicators they do not hold.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from imtrade.data.layouts import LAYOUTS
from imtrade.exceptions import CatalogError, UnknownDatasetError, UnknownVintageError
from imtrade.fileio import atomic_write
from imtrade.paths import ROOT_ENV, ProjectPaths, project
from imtrade.yamlio import safe_load

REQUIRED_DATASET_KEYS = ("title", "producer", "citation", "licence", "layout", "vintages", "default_vintage")
LOCAL_STAMP = ".imtrade-local.json"  # marks a vintage made on this machine (API download, user data)
MANIFEST_HEADER = ("path", "size", "sha256")


@dataclass(frozen=True)
class ManifestEntry:
    path: str  # relative to the vintage root, '/'-separated
    size: int  # bytes
    sha256: str


@dataclass(frozen=True)
class Vintage:
    dataset: str
    id: str
    released: str
    ref: str | None = None
    mirror: str | None = None  # path of this vintage inside the offline mirror
    notes: str = ""
    local: bool = False  # made on this machine, not in the catalog
    origin: str = "catalog"  # catalog | worldbank-api | user
    base: str | None = None  # local vintages: the vintage to fall back to


@dataclass(frozen=True)
class Dataset:
    id: str
    title: str
    producer: str
    citation: str
    licence: str
    layout: str
    default_vintage: str
    vintages: dict[str, Vintage]
    licence_url: str = ""
    homepage: str = ""
    bib_key: str = ""
    packager: str = ""
    upstream: str | None = None
    upstream_note: str = ""
    indicators: dict[str, str] = field(default_factory=dict)

    def vintage(self, vintage_id: str | None = None) -> Vintage:
        """Return a catalogued or local vintage; ``None`` means the default vintage."""
        vid = str(vintage_id or self.default_vintage)
        known = {**self.vintages, **local_vintages(self.id)}
        if vid not in known:
            raise UnknownVintageError(
                f"dataset '{self.id}' has no vintage '{vid}' (known: {', '.join(sorted(known))})",
                fix="pick one of the known vintages, or create one with `imtrade data add` / "
                "`imtrade fetch wdi --source worldbank-api`",
            )
        return known[vid]

    def all_vintages(self) -> dict[str, Vintage]:
        return {**self.vintages, **local_vintages(self.id)}

    def upstream_url(self, vintage: Vintage, path: str) -> str | None:
        if not self.upstream or not vintage.ref:
            return None
        return self.upstream.format(ref=vintage.ref, path=path)


@dataclass(frozen=True)
class Catalog:
    datasets: dict[str, Dataset]
    source: Path

    def dataset(self, dataset_id: str) -> Dataset:
        if dataset_id not in self.datasets:
            raise UnknownDatasetError(
                f"unknown dataset '{dataset_id}' (the catalog lists: {', '.join(self.datasets)})",
                fix="use one of the listed ids; `imtrade data list` shows them with their vintages",
            )
        return self.datasets[dataset_id]

    def find_vintage(self, vintage_id: str) -> list[Dataset]:
        """Datasets that have a vintage with this id (catalogued or local)."""
        return [d for d in self.datasets.values() if vintage_id in d.all_vintages()]


def _parse_dataset(dataset_id: str, raw: object, source: Path) -> Dataset:
    where = f"{source}: dataset '{dataset_id}'"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be a mapping", fix="see the key list at the top of data/catalog.yml")
    missing = [k for k in REQUIRED_DATASET_KEYS if not raw.get(k)]
    if missing:
        raise CatalogError(f"{where} lacks required key(s): {', '.join(missing)}", fix="add them to data/catalog.yml")
    if raw["layout"] not in LAYOUTS:
        raise CatalogError(f"{where} has unknown layout '{raw['layout']}' (known: {', '.join(LAYOUTS)})")
    vintages_raw = raw["vintages"]
    if not isinstance(vintages_raw, dict) or not vintages_raw:
        raise CatalogError(f"{where}: 'vintages' must map vintage ids to their details")
    vintages = {}
    for vid, details in vintages_raw.items():
        details = details or {}
        if not details.get("released"):
            raise CatalogError(f"{where}, vintage '{vid}' lacks 'released'")
        vintages[str(vid)] = Vintage(
            dataset=dataset_id,
            id=str(vid),
            released=str(details["released"]),
            ref=details.get("ref"),
            mirror=details.get("mirror"),
            notes=" ".join(str(details.get("notes", "")).split()),
        )
    if str(raw["default_vintage"]) not in vintages:
        raise CatalogError(f"{where}: default_vintage '{raw['default_vintage']}' is not one of its vintages")
    return Dataset(
        id=dataset_id,
        title=raw["title"],
        producer=raw["producer"],
        citation=" ".join(str(raw["citation"]).split()),
        licence=raw["licence"],
        layout=raw["layout"],
        default_vintage=str(raw["default_vintage"]),
        vintages=vintages,
        licence_url=raw.get("licence_url", ""),
        homepage=raw.get("homepage", ""),
        bib_key=raw.get("bib_key", ""),
        packager=raw.get("packager", ""),
        upstream=raw.get("upstream"),
        upstream_note=" ".join(str(raw.get("upstream_note", "")).split()),
        indicators=dict(raw.get("indicators") or {}),
    )


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate ``data/catalog.yml``."""
    path = path or project().catalog
    return _load_catalog_cached(path.resolve(), path.stat().st_mtime_ns if path.exists() else 0)


@lru_cache(maxsize=4)
def _load_catalog_cached(path: Path, _mtime: int) -> Catalog:
    if not path.is_file():
        raise CatalogError(f"no data catalog at {path}", fix=f"run imtrade from the book's checkout or set {ROOT_ENV}")
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("datasets"), dict):
        raise CatalogError(f"{path} must have a top-level 'datasets' mapping")
    datasets = {str(k): _parse_dataset(str(k), v, path) for k, v in raw["datasets"].items()}
    return Catalog(datasets=datasets, source=path)


# ---------------------------------------------------------------------------------------
# Manifests


def manifest_path(dataset: str, vintage: str, paths: ProjectPaths | None = None) -> Path:
    paths = paths or project()
    local = paths.raw_vintage(dataset, vintage) / "manifest.tsv"
    if (paths.raw_vintage(dataset, vintage) / LOCAL_STAMP).exists():
        return local
    return paths.manifests / dataset / f"{vintage}.tsv"


def read_manifest(path: Path) -> dict[str, ManifestEntry]:
    """Read a manifest TSV into ``{path: entry}``; malformed lines raise CatalogError."""
    if not path.is_file():
        raise CatalogError(
            f"no checksum manifest at {path}",
            fix="generate it from a trusted mirror with `imtrade data manifest DATASET --vintage V`",
        )
    entries: dict[str, ManifestEntry] = {}
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t")
    header = next(reader, None)
    if tuple(header or ()) != MANIFEST_HEADER:
        raise CatalogError(f"{path}: header must be path, size, sha256 (tab-separated)")
    for lineno, row in enumerate(reader, start=2):
        if len(row) != 3 or not row[1].isdigit() or len(row[2]) != 64:
            raise CatalogError(f"{path} line {lineno}: expected 'path<TAB>size<TAB>sha256', got {row!r}")
        entries[row[0]] = ManifestEntry(row[0], int(row[1]), row[2])
    return entries


def manifest_digest(entries: dict[str, ManifestEntry]) -> str:
    """A short digest of a whole manifest: changes whenever any file's checksum does."""
    h = hashlib.sha256()
    for key in sorted(entries):
        e = entries[key]
        h.update(f"{e.path}\t{e.size}\t{e.sha256}\n".encode())
    return h.hexdigest()


def write_manifest(path: Path, entries: dict[str, ManifestEntry]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow(MANIFEST_HEADER)
    for key in sorted(entries):
        e = entries[key]
        writer.writerow([e.path, e.size, e.sha256])
    atomic_write(path, buf.getvalue())


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def scan_directory(root: Path) -> dict[str, ManifestEntry]:
    """Checksum every regular file under ``root`` (skipping our own stamp files)."""
    entries = {}
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = file.relative_to(root).as_posix()
        if rel.startswith(".imtrade") or rel == "manifest.tsv":
            continue
        entries[rel] = ManifestEntry(rel, file.stat().st_size, sha256_file(file))
    return entries


def diff_manifests(old: dict[str, ManifestEntry], new: dict[str, ManifestEntry]) -> dict[str, list[str]]:
    """Paths added, removed and changed between two manifests."""
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(p for p in set(old) & set(new) if old[p] != new[p]),
    }


# ---------------------------------------------------------------------------------------
# Local vintages (made on this machine)


def local_vintages(dataset_id: str, paths: ProjectPaths | None = None) -> dict[str, Vintage]:
    paths = paths or project()
    root = paths.raw / dataset_id
    found: dict[str, Vintage] = {}
    if not root.is_dir():
        return found
    for stamp in sorted(root.glob(f"*/{LOCAL_STAMP}")):
        try:
            meta = json.loads(stamp.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # a half-written local vintage is ignored, never trusted
        vid = stamp.parent.name
        found[vid] = Vintage(
            dataset=dataset_id,
            id=vid,
            released=meta.get("created", vid),
            notes=meta.get("notes", ""),
            local=True,
            origin=meta.get("origin", "user"),
            base=meta.get("base"),
        )
    return found


def clear_catalog_cache() -> None:
    """Forget parsed catalogs (they are also re-read whenever catalog.yml changes)."""
    _load_catalog_cached.cache_clear()
