"""Errors a user can meet. Each carries one message saying what was wrong and how to fix it.

The CLI prints ``str(error)`` without a traceback and exits with status 1 (2 for usage
errors). Anything not derived from :class:`ImtradeError` is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable


class ImtradeError(Exception):
    """Base class: a problem with the user's input, data or environment, not a bug."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.problem = message
        self.fix = fix
        super().__init__(message if not fix else f"{message}\n  Fix: {fix}")


class CatalogError(ImtradeError):
    """The data catalog or a manifest is malformed."""


class UnknownDatasetError(CatalogError):
    """A dataset id that the catalog does not list."""


class UnknownVintageError(CatalogError):
    """A vintage that is neither in the catalog nor fetched/added locally."""


class UnknownIndicatorError(ImtradeError):
    """An indicator code that no dataset provides (for the requested vintage)."""


class UnknownCountryError(ImtradeError):
    """An ISO3 / entity code that is not in the entity table."""


class FetchError(ImtradeError):
    """Fetching raw data failed (no mirror, no network, HTTP error)."""


class MirrorNotFoundError(FetchError):
    """The offline mirror path does not exist or lacks the dataset."""


class NetworkError(FetchError):
    """An upstream URL could not be reached."""


class ChecksumMismatchError(FetchError):
    """Fetched bytes differ from the catalog's manifest."""


class DataNotFetchedError(ImtradeError):
    """Raw data needed by a loader has not been fetched yet."""


class DataValidationError(ImtradeError):
    """A data file failed validation; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Iterable[str], *, fix: str | None = None) -> None:
        self.source = source
        self.problems = list(problems)
        shown = self.problems[:25]
        more = len(self.problems) - len(shown)
        lines = [f"{source}: {len(self.problems)} problem(s) found"]
        lines += [f"  - {p}" for p in shown]
        if more:
            lines.append(f"  ... and {more} more")
        super().__init__("\n".join(lines), fix=fix or "correct the file and run the command again; nothing was changed")


class ParameterError(ImtradeError):
    """A chapter parameter is undeclared, malformed, of the wrong type or invalid."""

    exit_code = 2


class ChapterNotFoundError(ImtradeError):
    """A chapter name that is not in the table of contents."""

    exit_code = 2


class ChapterExecutionError(ImtradeError):
    """A chapter raised while papermill executed it."""

    transient = False  # True when running it again may succeed (batch runs retry those)


class ChapterTimeoutError(ChapterExecutionError):
    """A cell of the chapter ran longer than its time limit."""

    transient = True


class KernelDiedError(ChapterExecutionError):
    """The kernel executing the chapter died (killed, out of memory)."""

    transient = True


class BuildError(ImtradeError):
    """The site build failed; the published site was left as it was."""


class PublishError(ImtradeError):
    """A dated edition could not be written; the published editions were left as they were."""


class ClaimsRegisterError(ImtradeError):
    """The claims register is malformed."""


class AssignmentError(ImtradeError):
    """Bad roster, pool or submission for course assignments."""


class BatchSpecError(ImtradeError):
    """A batch specification is malformed."""

    exit_code = 2


class BatchRunError(ImtradeError):
    """One or more runs of a batch failed (or the batch could not reach its workers)."""


class FileSystemError(ImtradeError):
    """A file could not be written or read: a read-only folder, a full disk, a missing permission."""


ENVIRONMENT_ERRNOS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exceeded",
}


def from_os_error(exc: OSError) -> FileSystemError | None:
    """The one-message form of an :class:`OSError` caused by the machine (permissions, a full or
    read-only disk), or None for any other (a bug, which keeps its traceback).

    ``shutil.copytree`` collects the errors of every file in one ``shutil.Error``; the first is shown.
    """
    import shutil

    if isinstance(exc, shutil.Error):
        entries = exc.args[0] if exc.args and isinstance(exc.args[0], list) else []
        first = entries[0] if entries and isinstance(entries[0], tuple) and len(entries[0]) == 3 else None
        if first is None:
            return None
        src, dst, why = first
        text = str(why)
        reason = next((r for code, r in ENVIRONMENT_ERRNOS.items() if f"[Errno {code}]" in text), None)
        if reason is None:
            return None
        more = f" (and {len(entries) - 1} more file(s))" if len(entries) > 1 else ""
        return FileSystemError(f"cannot copy {src} to {dst}: {reason}{more}", fix=_fix(reason, dst))
    reason = ENVIRONMENT_ERRNOS.get(exc.errno) if exc.errno is not None else None
    if reason is None:
        return None
    target = exc.filename if exc.filename is not None else "a file"
    other = f" -> {exc.filename2}" if exc.filename2 is not None else ""
    return FileSystemError(f"cannot write {target}{other}: {reason}", fix=_fix(reason, str(target)))


def _fix(reason: str, target: str) -> str:
    if "space" in reason or "quota" in reason:
        return "free some disk space and run the command again (what was complete before was kept)"
    from imtrade.paths import DATA_DIR_ENV

    return (
        f"make the folder of {target} writable for you (or point {DATA_DIR_ENV} / --out at a writable folder) "
        "and run the command again"
    )
