"""The one place that knows where the project's files live.

The project root is, in order: the ``IMTRADE_ROOT`` environment variable; the nearest
directory above the working directory that holds ``data/catalog.yml``; the checkout this
package was installed from (editable install, src layout). Raw and cached data live under
``<root>/data`` unless ``IMTRADE_DATA_DIR`` points elsewhere (e.g. a shared disk for batch
workers). Every environment variable the package reads or sets is named here once
(``*_ENV``); other modules and tests use these constants.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

# Every environment variable the package reads or sets (use these names, never the literals).
ROOT_ENV = "IMTRADE_ROOT"  # the project root (default: found from the working directory)
DATA_DIR_ENV = "IMTRADE_DATA_DIR"  # where raw/ and cache/ live (default: <root>/data)
MIRROR_ENV = "IMTRADE_DATA_MIRROR"  # offline mirror of upstream data (see data/catalog.yml)
READS_LOG_ENV = "IMTRADE_READS_LOG"  # set for a chapter's kernel: where its data reads are logged
CHAPTER_ENV = "IMTRADE_CHAPTER"  # set for a chapter's kernel: the chapter it runs (names saved tables)
KERNEL_SERVER_ENV = "IMTRADE_KERNEL_SERVER"  # socket of the warm-kernel fork server (book/kernels.py)
KERNEL_STATS_ENV = "IMTRADE_KERNEL_STATS"  # file for a forked kernel's exit status and peak memory
CHROMIUM_ENV = "IMTRADE_CHROMIUM"  # the Chromium that prints the PDF (default: chromium on the PATH)
WARM_KERNELS_ENV = "IMTRADE_WARM_KERNELS"  # "0": fresh kernels, jupyter-book started only for the site


def _find_root() -> Path:
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "data" / "catalog.yml").is_file():
            return candidate
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ProjectPaths:
    """Every path the package reads or writes, derived from the project root."""

    root: Path
    data_dir: Path
    build_root: Path | None = None  # build products (default <root>/_build; see edition_paths)

    @property
    def catalog(self) -> Path:
        return self.root / "data" / "catalog.yml"

    @property
    def manifests(self) -> Path:
        return self.root / "data" / "manifests"

    @property
    def curated(self) -> Path:
        return self.root / "data" / "curated"

    @property
    def claims(self) -> Path:
        return self.root / "data" / "claims"

    @property
    def raw(self) -> Path:
        return self.data_dir / "raw"

    @property
    def cache(self) -> Path:
        return self.data_dir / "cache"

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def toc(self) -> Path:
        return self.root / "_toc.yml"

    @property
    def config(self) -> Path:
        return self.root / "_config.yml"

    @property
    def build(self) -> Path:
        return self.build_root or self.root / "_build"

    @property
    def site(self) -> Path:
        """The published site: only ever replaced whole, never edited in place."""
        return self.build / "html"

    @property
    def executed(self) -> Path:
        """Executed notebooks of the last successful run of each chapter."""
        return self.build / "executed"

    @property
    def book_params(self) -> Path:
        """Optional book-level parameter file: ``{chapter: {name: value}}``."""
        return self.root / "book_params.yml"

    def raw_vintage(self, dataset: str, vintage: str) -> Path:
        return self.raw / dataset / vintage


def project() -> ProjectPaths:
    """Return the paths of the current project (re-read from the environment each call)."""
    root = _find_root()
    data_dir = Path(os.environ[DATA_DIR_ENV]).resolve() if os.environ.get(DATA_DIR_ENV) else root / "data"
    return ProjectPaths(root=root, data_dir=data_dir)


EDITIONS = ("instructor", "student")


def edition_paths(edition: str = "instructor", paths: ProjectPaths | None = None) -> ProjectPaths:
    """Where an edition of the book is built.

    ``instructor`` (the default, the reader's site): ``_build/`` as always, solutions
    collapsed. ``student``: ``_build/student/`` with its own stage, cache and site
    (``_build/student/html``), so the two never mix.
    """
    paths = paths or project()
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r} (editions: {', '.join(EDITIONS)})")
    return paths if edition == "instructor" else replace(paths, build_root=paths.root / "_build" / edition)


def default_mirror() -> Path | None:
    """The offline mirror named by ``IMTRADE_DATA_MIRROR``, if set."""
    value = os.environ.get(MIRROR_ENV)
    return Path(value).expanduser().resolve() if value else None
