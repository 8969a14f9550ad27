"""Fetch raw files into ``data/raw/<dataset>/<vintage>/``, verified against the manifest.

Sources: an offline mirror (``--mirror`` or ``IMTRADE_DATA_MIRROR``) laid out like the
upstreams, or the upstream URLs of the catalog. Files are copied/downloaded into a
temporary directory next to the target, every file is checked (size and sha256), and only
when all match is the directory moved into place. A failure at any point leaves the
existing ``data/raw`` untouched. A stamp file records what was verified so that re-running
is a no-op that only compares file sizes and modification times.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from imtrade.data.catalog import (
    Catalog,
    Dataset,
    ManifestEntry,
    Vintage,
    load_catalog,
    manifest_digest,
    manifest_path,
    read_manifest,
)
from imtrade.exceptions import (
    ChecksumMismatchError,
    DataNotFetchedError,
    FetchError,
    MirrorNotFoundError,
    NetworkError,
    UnknownVintageError,
)
from imtrade.paths import MIRROR_ENV, ProjectPaths, default_mirror, project

MIRROR_FIX = f"pass the mirror's real path with --mirror or {MIRROR_ENV} (e.g. ../shared/data), or unset it to download"

FETCH_STAMP = ".imtrade-fetch.json"
CHUNK = 1 << 20
CONNECT_TIMEOUT, READ_TIMEOUT = 10, 60  # seconds
RETRIES = 3


@dataclass(frozen=True)
class FetchResult:
    dataset: str
    vintage: str
    status: str  # "up to date" | "fetched"
    files: int
    bytes: int
    source: str
    seconds: float


# ---------------------------------------------------------------------------------------
# Stamps: what was verified, and a cheap check that it is still there


def _stat_signature(root: Path, entries: dict[str, ManifestEntry]) -> dict[str, list[int]] | None:
    out = {}
    for rel in entries:
        try:
            st = (root / rel).stat()
        except OSError:
            return None
        out[rel] = [st.st_size, st.st_mtime_ns]
    return out


def is_fetched(dataset: str, vintage: str, paths: ProjectPaths | None = None) -> bool:
    """True when the vintage's files are present and unchanged since they were verified."""
    paths = paths or project()
    root = paths.raw_vintage(dataset, vintage)
    stamp = root / FETCH_STAMP
    if not stamp.is_file():
        return False
    try:
        meta = json.loads(stamp.read_text(encoding="utf-8"))
        entries = read_manifest(manifest_path(dataset, vintage, paths))
    except (OSError, ValueError):
        return False
    if meta.get("manifest_digest") != manifest_digest(entries):
        return False
    return _stat_signature(root, entries) == meta.get("files")


def require_fetched(dataset: str, vintage: str, paths: ProjectPaths | None = None) -> Path:
    """Return the vintage's directory or raise DataNotFetchedError with the command to run."""
    paths = paths or project()
    if not is_fetched(dataset, vintage, paths):
        raise DataNotFetchedError(
            f"{dataset} vintage {vintage} is not in {paths.raw_vintage(dataset, vintage)} "
            "(or has changed since it was verified)",
            fix=f"run `imtrade fetch {dataset} --vintage {vintage}` (with --mirror PATH or {MIRROR_ENV} when offline)",
        )
    return paths.raw_vintage(dataset, vintage)


def write_stamp(root: Path, entries: dict[str, ManifestEntry], source: str) -> None:
    signature = _stat_signature(root, entries)
    meta = {"manifest_digest": manifest_digest(entries), "source": source, "files": signature}
    (root / FETCH_STAMP).write_text(json.dumps(meta, sort_keys=True), encoding="utf-8")


# ---------------------------------------------------------------------------------------
# Atomic placement


@contextmanager
def staging_dir(paths: ProjectPaths, dataset: str, vintage: str) -> Iterator[Path]:
    """A temporary directory on the same filesystem as the target; removed on any failure."""
    incoming = paths.raw / ".incoming"
    created = [d for d in (paths.raw.parent, paths.raw) if not d.exists()]
    incoming.mkdir(parents=True, exist_ok=True)
    tmp = incoming / f"{dataset}-{vintage}-{os.getpid()}-{time.monotonic_ns()}"
    tmp.mkdir(parents=True)
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        # leave data/raw as it was: remove what we created, if empty (kept while another fetch uses it)
        for folder in (incoming, *reversed(created)):
            with suppress(OSError):
                folder.rmdir()


def mirror_problem(mirror: Path) -> str:
    """What is wrong with a mirror path that is not a folder (the end of a sentence)."""
    if mirror.is_symlink() and not mirror.exists():
        return "is a broken symbolic link"
    if mirror.exists():
        return "is a file, not a folder (the mirror is the folder that holds datahub-wdi/ etc.)"
    return "does not exist"


def place(tmp: Path, target: Path) -> None:
    """Move a verified staging directory to ``target``, replacing what was there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)  # put the previous data back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# Copy / download with checksums


def _hash_copy(src: Path, dst: Path) -> tuple[int, str]:
    import hashlib

    h = hashlib.sha256()
    size = 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as fin, dst.open("wb") as fout:
        while block := fin.read(CHUNK):
            h.update(block)
            fout.write(block)
            size += len(block)
    return size, h.hexdigest()


def _session():
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(
        total=RETRIES, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET",)
    )
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.headers["User-Agent"] = "imtrade-book-fetch/0.1 (+https://github.com/)"
    return session


def download(session, url: str, dst: Path) -> tuple[int, str]:
    """Stream ``url`` to ``dst``; return (size, sha256). Network failures raise NetworkError."""
    import hashlib

    import requests

    h = hashlib.sha256()
    size = 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        with session.get(url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)) as response:
            if response.status_code != 200:
                raise NetworkError(
                    f"{url} answered HTTP {response.status_code}",
                    fix="check the catalog's upstream URL, or fetch from an offline mirror with --mirror",
                )
            with dst.open("wb") as fout:
                for block in response.iter_content(CHUNK):
                    h.update(block)
                    fout.write(block)
                    size += len(block)
    except requests.RequestException as exc:
        raise NetworkError(
            f"could not download {url}: {exc.__class__.__name__}: {exc}",
            fix=f"check the network connection, or use an offline copy: --mirror PATH or {MIRROR_ENV}",
        ) from None
    return size, h.hexdigest()


def _progress(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, disable=not enabled, leave=False)


def fetch_vintage(
    dataset: Dataset,
    vintage: Vintage,
    *,
    mirror: Path | None = None,
    force: bool = False,
    progress: bool = False,
    paths: ProjectPaths | None = None,
) -> FetchResult:
    """Fetch one dataset vintage (see module docstring). Raises FetchError subclasses."""
    paths = paths or project()
    start = time.perf_counter()
    entries = read_manifest(manifest_path(dataset.id, vintage.id, paths))
    target = paths.raw_vintage(dataset.id, vintage.id)
    total = sum(e.size for e in entries.values())
    if not force and is_fetched(dataset.id, vintage.id, paths):
        return FetchResult(dataset.id, vintage.id, "up to date", len(entries), total, "-", time.perf_counter() - start)

    if mirror is not None:
        if not mirror.is_dir():
            raise MirrorNotFoundError(
                f"data mirror {mirror} {mirror_problem(mirror)}",
                fix=MIRROR_FIX,
            )
        if not vintage.mirror:
            raise MirrorNotFoundError(
                f"the catalog gives no mirror path for {dataset.id} {vintage.id}",
                fix=f"add 'mirror: <path inside the mirror>' to vintage {vintage.id} of {dataset.id} "
                "in data/catalog.yml",
            )
        source_root = mirror / vintage.mirror
        if not source_root.is_dir():
            raise MirrorNotFoundError(
                f"the mirror {mirror} has no {vintage.mirror}/ for {dataset.id} vintage {vintage.id}",
                fix="point --mirror at a complete mirror of the catalog's datasets",
            )
        source = f"mirror:{source_root}"
    else:
        if dataset.upstream is None or not vintage.ref:
            raise FetchError(
                f"{dataset.id} has no byte-stable upstream URL to download from: "
                f"{dataset.upstream_note or 'see data/catalog.yml'}",
                fix=f"fetch it from an offline mirror with --mirror PATH or {MIRROR_ENV}",
            )
        source = f"upstream:{dataset.upstream.split('{')[0]}"

    mismatches: list[str] = []
    with (
        staging_dir(paths, dataset.id, vintage.id) as tmp,
        _progress(total, f"{dataset.id} {vintage.id}", progress) as bar,
    ):
        session = _session() if mirror is None else None
        for rel, entry in sorted(entries.items()):
            dst = tmp / rel
            if mirror is not None:
                src = source_root / rel
                if not src.is_file():
                    mismatches.append(f"{src}: missing from the mirror")
                    continue
                size, sha = _hash_copy(src, dst)
                where = str(src)
            else:
                url = dataset.upstream_url(vintage, rel)
                size, sha = download(session, url, dst)
                where = url
            bar.update(size)
            if size != entry.size or sha != entry.sha256:
                mismatches.append(
                    f"{where}: expected {entry.size} bytes sha256 {entry.sha256[:12]}..., "
                    f"got {size} bytes sha256 {sha[:12]}..."
                )
        if mismatches:
            manifest = manifest_path(dataset.id, vintage.id, paths)
            shown = manifest.relative_to(paths.root) if manifest.is_relative_to(paths.root) else manifest
            raise ChecksumMismatchError(
                f"{len(mismatches)} file(s) of {dataset.id} {vintage.id} do not match the catalog's manifest "
                f"({shown}); nothing was changed:\n  - "
                + "\n  - ".join(mismatches[:20])
                + (f"\n  ... and {len(mismatches) - 20} more" if len(mismatches) > 20 else ""),
                fix="restore the original files in the mirror; if upstream really published new data, "
                "register it as a new vintage (`imtrade data manifest`, reviewed in a commit) "
                "instead of overwriting this one",
            )
        write_stamp(tmp, entries, source)
        place(tmp, target)
    # the stamp records mtimes of the staged files, which survive the rename
    return FetchResult(dataset.id, vintage.id, "fetched", len(entries), total, source, time.perf_counter() - start)


def plan(catalog: Catalog, dataset_ids: list[str] | None, vintage: str | None) -> list[tuple[Dataset, Vintage]]:
    """Which (dataset, vintage) pairs a fetch command means. Unknown names raise."""
    chosen = [catalog.dataset(d) for d in dataset_ids] if dataset_ids else list(catalog.datasets.values())
    pairs = []
    for ds in chosen:
        if vintage is None:
            pairs += [(ds, v) for v in ds.vintages.values()]
        elif vintage in ds.vintages:
            pairs.append((ds, ds.vintages[vintage]))
        elif dataset_ids:  # the user named this dataset: its vintage must exist
            raise UnknownVintageError(
                f"dataset '{ds.id}' has no catalogued vintage '{vintage}' (catalogued: {', '.join(ds.vintages)})",
                fix="pick a catalogued vintage; new data come in with `imtrade data add` or `--source worldbank-api`",
            )
    if vintage is not None and not pairs:
        known = sorted({v for ds in chosen for v in ds.vintages})
        raise UnknownVintageError(
            f"no dataset has a catalogued vintage '{vintage}' (catalogued: {', '.join(known)})",
            fix="pick a catalogued vintage; `imtrade data list` shows them",
        )
    return pairs


def has_upstream(dataset: Dataset, vintage: Vintage) -> bool:
    """Whether the catalog gives a byte-stable URL for this vintage (a template and a commit)."""
    return dataset.upstream is not None and bool(vintage.ref)


def fetch(
    dataset_ids: list[str] | None = None,
    vintage: str | None = None,
    *,
    mirror: Path | None = None,
    source: str = "auto",
    force: bool = False,
    progress: bool = False,
) -> list[FetchResult]:
    """Fetch the named datasets (default: all) at the named vintage (default: all catalogued).

    ``source``: ``auto`` copies from ``mirror`` (default ``IMTRADE_DATA_MIRROR``) when one is
    set and downloads otherwise; ``mirror`` requires one; ``upstream`` always downloads;
    ``prefer-upstream`` downloads every vintage the catalog has a byte-stable URL for and copies
    only the others from the mirror (what a publishing machine with internet does).
    """
    catalog = load_catalog()
    pairs = plan(catalog, dataset_ids, vintage)
    if source == "upstream":
        mirror = None
    else:
        mirror = mirror if mirror is not None else default_mirror()
        if source == "mirror" and mirror is None:
            raise MirrorNotFoundError("no mirror given", fix=f"pass --mirror PATH or set {MIRROR_ENV}")
        if source == "prefer-upstream" and mirror is None:
            missing = [f"{ds.id} {v.id}" for ds, v in pairs if not has_upstream(ds, v)]
            if missing:
                raise MirrorNotFoundError(
                    f"{', '.join(missing)}: the catalog has no byte-stable upstream URL for "
                    f"{'it' if len(missing) == 1 else 'them'}, and no mirror was given",
                    fix="pass --mirror PATH (a copy of those files in the mirror layout, e.g. unpacked from a release "
                    "asset), or fetch only the other datasets",
                )
        if (
            mirror is not None and not mirror.is_dir()
        ):  # a configured mirror must exist, even when nothing needs copying
            raise MirrorNotFoundError(
                f"data mirror {mirror} {mirror_problem(mirror)}",
                fix=MIRROR_FIX,
            )
    return [
        fetch_vintage(
            ds,
            v,
            mirror=None if source == "prefer-upstream" and has_upstream(ds, v) else mirror,
            force=force,
            progress=progress,
        )
        for ds, v in pairs
    ]
