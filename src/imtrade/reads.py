"""Record which data files a chapter reads, so the build cache knows when to rerun it.

When ``IMTRADE_READS_LOG`` is set (the executor sets it for the kernel), every first read
of a raw data file, curated table or register appends one JSON line
``{"dataset", "vintage", "path", "sha256"}`` to that file.
"""

from __future__ import annotations

import json
import os

READS_LOG_ENV = "IMTRADE_READS_LOG"
_seen: set[tuple[str, str, str]] = set()


def record_read(dataset: str, vintage: str, path: str, sha256: str) -> None:
    log = os.environ.get(READS_LOG_ENV)
    key = (dataset, vintage, path)
    if not log or key in _seen:
        return
    _seen.add(key)
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"dataset": dataset, "vintage": vintage, "path": path, "sha256": sha256}, sort_keys=True) + "\n")
