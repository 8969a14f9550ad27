"""Parse many raw files into the processed cache at once (process pool)."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

from imtrade.data.fetch import is_fetched
from imtrade.data.store import DataStore, FileRef


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
    return len(refs), time.perf_counter() - start


def forget_worker_store() -> None:
    """Drop this process's worker store (the next parse opens the current project's)."""
    global _STORE
    _STORE = None
