"""Record which data files a chapter reads, so the build cache knows when to rerun it.

When ``IMTRADE_READS_LOG`` (:data:`imtrade.paths.READS_LOG_ENV`) is set (the executor sets it
for the kernel), every first read of a raw data file, curated table or register appends one JSON line
``{"dataset", "vintage", "path", "sha256"}`` to that file, and each indicator loaded from a
file adds a line with an ``indicator`` key too (what a chapter reads, for the benchmark).
"""

from __future__ import annotations

import json
import os

from imtrade.paths import READS_LOG_ENV

_seen: set[tuple[str, str, str, str]] = set()


def record_read(dataset: str, vintage: str, path: str, sha256: str, indicator: str | None = None) -> None:
    log = os.environ.get(READS_LOG_ENV)
    key = (dataset, vintage, path, indicator or "")
    if not log or key in _seen:
        return
    _seen.add(key)
    record = {"dataset": dataset, "vintage": vintage, "path": path, "sha256": sha256}
    if indicator:
        record["indicator"] = indicator
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")


def forget_logged_reads() -> None:
    """Log every read again from now on (each read is logged once per process)."""
    _seen.clear()
