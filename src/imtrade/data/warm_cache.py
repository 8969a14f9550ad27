"""Maintain the processed cache: parse many raw files at once (process pool), drop stale files."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

from imtrade.data.fetch import is_fetched
from imtrade.data.store import DataStore, FileRef
from imtrade.exceptions import DataNotFetchedError, FileSystemError


def _parse_one(ref: FileRef) -> int:
    store = _worker_store()
    return len(store.parsed(ref))


_STORE: DataStore | None = None


def _worker_store() -> DataStore:
    global _STORE
    if _STORE is None:
        _STORE = DataStore()
    return _STORE


def files_to_parse(store: DataStore, vintage: str | None = None) -> list[FileRef]:
    """Every indicator file of every fetched vintage (WDI restricted to ``vintage`` if given)."""
    refs: list[FileRef] = []
    for ds in store.catalog.datasets.values():
        for vid in ds.all_vintages():
            if vintage is not None and ds.id == "wdi" and vid != vintage:
                continue
            if not is_fetched(ds.id, vid, store.paths):
                continue
            files = {rel for rels in store.index(ds.id, vid).values() for rel in rels}
            refs += [FileRef(ds.id, vid, rel) for rel in sorted(files)]
    return refs


def warm_cache(vintage: str | None = None, jobs: int = 2) -> tuple[int, float]:
    """Parse every file not yet in the cache. Returns (files parsed or found, seconds)."""
    start = time.perf_counter()
    store = DataStore()
    store.entities  # build the entity table once, before workers need it  # noqa: B018
    refs = [r for r in files_to_parse(store, vintage) if not store.cache_path(r).is_file()]
    if jobs > 1 and len(refs) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_parse_one, refs, chunksize=8))
    else:
        for ref in refs:
            store.parsed(ref)
    missing = [store.cache_path(r) for r in refs if not store.cache_path(r).is_file()]
    if missing:
        raise FileSystemError(
            f"{len(missing)} of {len(refs)} parsed file(s) could not be written to the cache, e.g. {missing[0]} "
            "(the folder is read-only or the disk is full)",
            fix=f"make {store.paths.cache} writable or free disk space, and run `imtrade data cache` again "
            "(chapters still run without the cache, only slower)",
        )
    return len(refs), time.perf_counter() - start


def clean_cache(store: DataStore | None = None) -> tuple[int, int, int]:
    """Remove cache files that no fetched file of the current code maps to any more.

    A cache file's name carries its key (raw file checksum, parser version, entity table), so
    after a parser change or a re-fetch the old files are never read again. Returns (files
    removed, bytes removed, files kept). Files being written (dot-files) are left alone.
    """
    store = store or DataStore()
    try:
        current = {store.cache_path(ref) for ref in files_to_parse(store)}
        current.add(store.entity_cache_path())
    except DataNotFetchedError:  # without the entity files no parsed file can be current
        current = set()
    removed = size = kept = 0
    for path in sorted(store.paths.cache.rglob("*.parquet")) if store.paths.cache.is_dir() else []:
        if path.name.startswith("."):
            continue
        if path in current:
            kept += 1
            continue
        size += path.stat().st_size
        path.unlink()
        removed += 1
    return removed, size, kept


def forget_worker_store() -> None:
    """Drop this process's worker store (the next parse opens the current project's)."""
    global _STORE
    _STORE = None
