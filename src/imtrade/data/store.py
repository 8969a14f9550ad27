"""Parsed-data cache and indicator lookup over the fetched raw files.

Each raw file is parsed once into a parquet file under
``data/cache/<dataset>/<vintage>/<file>-<key>.parquet``; the key is the file's sha256 from
the verified manifest, the parser version and (for layouts that map or check codes through
the entity resolver, see :class:`imtrade.data.layouts.Layout`) the entity table's key.
Changing any of them makes a new cache file; stale ones are harmless and removed by
``imtrade data clean-cache``. Cache files are written atomically.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import itertools
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from imtrade.data import layouts
from imtrade.data.catalog import (
    Catalog,
    ManifestEntry,
    load_catalog,
    manifest_path,
    read_manifest,
)
from imtrade.data.entities import EntityResolver, build_entity_table, make_resolver
from imtrade.data.fetch import require_fetched
from imtrade.data.layouts import Layout, ParseContext, layout
from imtrade.data.provenance import record_read
from imtrade.exceptions import DataNotFetchedError, DataValidationError, UnknownIndicatorError
from imtrade.paths import ProjectPaths, project


def _parser_version() -> str:
    """Digest of the code that turns raw files into tidy frames: edits invalidate the cache."""
    h = hashlib.sha256()
    for path in [*layouts.source_files(), *(Path(__file__).with_name(m) for m in ("validation.py", "entities.py"))]:
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


PARSER_VERSION = _parser_version()
# Where an indicator is looked up when the caller does not name a dataset (first match wins).
LOOKUP_ORDER = ("wdi", "wb-bulk", "un-sdg", "gapminder", "owid-co2", "owid-legacy")


@dataclass(frozen=True)
class FileRef:
    dataset: str
    vintage: str
    relpath: str


_CACHE_FROZEN = contextvars.ContextVar("imtrade_cache_frozen", default=False)


@contextlib.contextmanager
def frozen_cache():
    """Within the block the parse cache is read but never written (e.g. the checks of
    ``imtrade data add``, which must leave data/ exactly as it was when they refuse a file)."""
    token = _CACHE_FROZEN.set(True)
    try:
        yield
    finally:
        _CACHE_FROZEN.reset(token)


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> bool:
    """Write a cache file atomically; False when it was not written: a read-only cache (a grading
    sandbox, a shared disk) is skipped, not an error, since the cache only saves time (``imtrade
    data cache`` reports the files it could not cache), and so is a frozen one (:func:`frozen_cache`).
    Other write errors (a full disk) raise, leaving no temporary file behind."""
    if _CACHE_FROZEN.get():
        return False
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(tmp, index=False)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        return False
    return True


def _blocks(frame: pd.DataFrame, source: str = "parsed frame") -> dict[str, tuple[int, int]]:
    """Row range of each indicator. Parsed frames are sorted by (indicator, iso3, year), so an
    indicator's rows form one block: lookups are slices, not boolean masks over the whole file."""
    if not len(frame):
        return {}
    codes, uniques = pd.factorize(frame["indicator"], sort=False)  # hashing: no sort of the strings
    starts = (np.flatnonzero(np.diff(codes)) + 1).tolist()
    if len(starts) + 1 != len(uniques):  # not one block per indicator (never for a parsed file)
        raise DataValidationError(source, ["rows of one indicator are not contiguous (the parsed frame is not sorted)"])
    bounds = [0, *starts, len(frame)]
    return {str(uniques[codes[lo]]): (lo, hi) for lo, hi in itertools.pairwise(bounds)}


class DataStore:
    """Read access to fetched data: entity table, indicator index, parsed frames."""

    def __init__(self, paths: ProjectPaths | None = None, catalog: Catalog | None = None) -> None:
        self.paths = paths or project()
        self.catalog = catalog or load_catalog(self.paths.catalog)
        self._manifests: dict[tuple[str, str], dict[str, ManifestEntry]] = {}
        self._index: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._frames: dict[tuple[str, str, str], pd.DataFrame] = {}
        self._block_index: dict[tuple[str, str, str], dict[str, tuple[int, int]]] = {}
        self.reads: set[FileRef] = set()  # raw files read by this store (for build cache keys)

    def forget(self, dataset: str, vintage: str) -> None:
        """Drop what this store remembers of one vintage (after it was written again locally)."""
        self._manifests.pop((dataset, vintage), None)
        self._index.pop((dataset, vintage), None)
        for key in [k for k in self._frames if k[:2] == (dataset, vintage)]:
            del self._frames[key]
            self._block_index.pop(key, None)

    # -- raw files -------------------------------------------------------------------------

    def root(self, dataset: str, vintage: str) -> Path:
        return require_fetched(dataset, vintage, self.paths)

    def manifest(self, dataset: str, vintage: str) -> dict[str, ManifestEntry]:
        key = (dataset, vintage)
        if key not in self._manifests:
            self.root(dataset, vintage)
            self._manifests[key] = read_manifest(manifest_path(dataset, vintage, self.paths))
        return self._manifests[key]

    def file_sha(self, ref: FileRef) -> str:
        return self.manifest(ref.dataset, ref.vintage)[ref.relpath].sha256

    # -- entities --------------------------------------------------------------------------

    def _entity_inputs(self) -> tuple[FileRef, FileRef, FileRef]:
        def find(dataset_id: str, suffix_or_prefix: str, prefix: bool) -> FileRef:
            ds = self.catalog.dataset(dataset_id)
            vintage = ds.default_vintage
            for rel in sorted(self.manifest(dataset_id, vintage)):
                name = Path(rel).name
                if name.startswith(suffix_or_prefix) if prefix else name == suffix_or_prefix:
                    return FileRef(dataset_id, vintage, rel)
            raise DataNotFetchedError(
                f"{dataset_id} {vintage} has no {suffix_or_prefix} file needed for the entity table"
            )

        return (
            find("wb-bulk", "Metadata_Country_", True),
            find("gapminder", "ddf--entities--geo--country.csv", False),
            find("un-sdg", "ddf--entities--geo_area.csv", False),
        )

    @cached_property
    def entity_key(self) -> str:
        h = hashlib.sha256(PARSER_VERSION.encode())
        for ref in self._entity_inputs():
            h.update(self.file_sha(ref).encode())
        return h.hexdigest()[:16]

    def entity_cache_path(self) -> Path:
        return self.paths.cache / "entities" / f"entities-{self.entity_key}.parquet"

    @cached_property
    def entities(self) -> pd.DataFrame:
        for ref in self._entity_inputs():
            self.reads.add(ref)
            record_read(ref.dataset, ref.vintage, ref.relpath, self.file_sha(ref))
        cache = self.entity_cache_path()
        if cache.is_file():
            return pd.read_parquet(cache)
        wb_ref, gm_ref, sdg_ref = self._entity_inputs()

        def read(ref: FileRef, **kw) -> pd.DataFrame:
            return pd.read_csv(self.root(ref.dataset, ref.vintage) / ref.relpath, dtype=str, encoding="utf-8-sig", **kw)

        wb = read(wb_ref)
        wb = wb.loc[:, ~wb.columns.str.startswith("Unnamed")]
        table = build_entity_table(wb, read(gm_ref), read(sdg_ref))
        _atomic_parquet(table, cache)
        return table

    @cached_property
    def resolver(self) -> EntityResolver:
        _, gm_ref, _ = self._entity_inputs()
        geo = pd.read_csv(
            self.root(gm_ref.dataset, gm_ref.vintage) / gm_ref.relpath,
            dtype=str,
            usecols=lambda c: c in ("country", "iso3166_1_alpha3", "name"),
        )
        return make_resolver(self.entities, geo)

    # -- indicators ------------------------------------------------------------------------

    def layout(self, dataset: str) -> Layout:
        """The layout of a dataset's files (named in the catalog)."""
        return layout(self.catalog.dataset(dataset).layout)

    def index(self, dataset: str, vintage: str) -> dict[str, list[str]]:
        """Indicator code -> files that hold it, for one vintage."""
        key = (dataset, vintage)
        if key not in self._index:
            ds = self.catalog.dataset(dataset)
            files = list(self.manifest(dataset, vintage))
            self._index[key] = self.layout(dataset).indicator_files(self.root(dataset, vintage), files, ds.indicators)
        return self._index[key]

    def cache_path(self, ref: FileRef) -> Path:
        h = hashlib.sha256(f"{self.file_sha(ref)}|{PARSER_VERSION}".encode())
        if self.layout(ref.dataset).resolves is not None:  # parsed through the entity table
            h.update(self.entity_key.encode())
        stem = Path(ref.relpath).as_posix().replace("/", "__")
        stem = stem[:-4] if stem.endswith(".csv") else stem
        return self.paths.cache / ref.dataset / ref.vintage / f"{stem}-{h.hexdigest()[:16]}.parquet"

    def parsed(self, ref: FileRef) -> pd.DataFrame:
        """The tidy, validated content of one raw file (from the cache when possible)."""
        key = (ref.dataset, ref.vintage, ref.relpath)
        if key in self._frames:
            return self._frames[key]
        self.reads.add(ref)
        record_read(ref.dataset, ref.vintage, ref.relpath, self.file_sha(ref))
        cache = self.cache_path(ref)
        if cache.is_file():
            frame = pd.read_parquet(cache, use_threads=False)  # small files: threads cost more than they save
        else:
            ds = self.catalog.dataset(ref.dataset)
            parser = self.layout(ref.dataset)
            resolver = self.resolver if parser.resolves is not None else None
            ctx = ParseContext(ref.dataset, ref.vintage, ref.relpath, resolver=resolver, columns=ds.indicators)
            try:
                frame = parser.parse(self.root(ref.dataset, ref.vintage) / ref.relpath, ctx)
            except DataValidationError as exc:
                if ref.vintage in ds.vintages:  # a catalogued file matches its checksum: it must not be edited
                    raise DataValidationError(
                        exc.source,
                        exc.problems,
                        fix="this file matches the catalog's checksum, so the upstream data changed shape: "
                        "update the parser or the entity table (src/imtrade/data/layouts/, "
                        "src/imtrade/data/entities.py), not the file",
                    ) from None
                raise
            _atomic_parquet(frame, cache)
        self._frames[key] = frame
        return frame

    def series(self, dataset: str, vintage: str, code: str) -> pd.DataFrame:
        files = self.index(dataset, vintage).get(code)
        if not files:
            raise UnknownIndicatorError(f"{dataset} {vintage} has no indicator {code}")
        parts = []
        for rel in files:
            ref = FileRef(dataset, vintage, rel)
            frame = self.parsed(ref)
            record_read(dataset, vintage, rel, self.file_sha(ref), indicator=code)  # which series, for the benchmark
            key = (dataset, vintage, rel)
            if key not in self._block_index:
                self._block_index[key] = _blocks(frame, f"{dataset} {vintage} {rel}")
            start, stop = self._block_index[key].get(code, (0, 0))
            parts.append(frame.iloc[start:stop])
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def metadata(self, dataset: str, vintage: str) -> pd.DataFrame:
        files = list(self.manifest(dataset, vintage))
        meta = self.layout(dataset).metadata(
            self.root(dataset, vintage), files, self.catalog.dataset(dataset).indicators
        )
        return meta.assign(dataset=dataset, vintage=vintage)
