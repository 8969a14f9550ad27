"""Execute one chapter with papermill, for the book (``imtrade build``, ``imtrade run``, batch runs).

Course notebooks are run elsewhere: ``imtrade assign`` (answer keys) and the grader
(students' submissions) execute them with nbclient in a separate, time-limited process
(:func:`imtrade.assignments.runner.run_notebook`).

The text notebook is converted with jupytext, executed in a fresh kernel with the
validated parameters injected, and post-processed so that two runs on the same inputs give
identical files: papermill's timings and per-cell timestamps are removed, the parameter
cells are hidden from readers and replaced by a short note of the values used.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imtrade.book.toc import Chapter
from imtrade.exceptions import ChapterExecutionError, ChapterTimeoutError, ImtradeError, KernelDiedError
from imtrade.paths import CHAPTER_ENV, READS_LOG_ENV, ROOT_ENV, project
from imtrade.show.figures import compress_png

CELL_TIMEOUT = 900  # seconds per cell


@dataclass(frozen=True)
class ExecutionResult:
    chapter: str
    output: Path
    seconds: float
    reads: list[dict[str, str]]


def check_output_path(output: Path) -> None:
    """Refuse an output path that exists and is not a regular file (a device, a FIFO, a folder):
    the executed notebook is renamed over it, which would replace e.g. ``/dev/null``."""
    try:
        mode = output.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ImtradeError(f"cannot use {output} as the output notebook: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        kinds = [
            (stat.S_ISDIR, "a folder"),
            (stat.S_ISLNK, "a symbolic link"),
            (stat.S_ISFIFO, "a FIFO"),
            (stat.S_ISCHR, "a device"),
            (stat.S_ISBLK, "a device"),
            (stat.S_ISSOCK, "a socket"),
        ]
        kind = next((name for test, name in kinds if test(mode)), "a special file")
        raise ImtradeError(
            f"the output path {output} exists and is {kind}, not a regular file; it was left untouched",
            fix="give -o a path to a new or existing .ipynb file",
        )


def _place(src: Path, dst: Path) -> None:
    """Move ``src`` onto ``dst`` atomically, also across file systems (through a hidden temporary
    file next to ``dst``, renamed in one step)."""
    try:
        os.replace(src, dst)
    except OSError:
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
        finally:
            tmp.unlink(missing_ok=True)
        src.unlink(missing_ok=True)


def _cli_value(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _parameter_note(chapter: Chapter, params: dict[str, Any], missing: list[str] | None = None) -> str:
    """A collapsed note with the values this page was computed with and how to rerun it, and the
    sections these values cannot show (``missing``, see :mod:`imtrade.show.sections`)."""
    from imtrade.show.sections import missing_sections_note

    declared = chapter.parameters()
    rows = "\n".join(f"| `{name}` | `{json.dumps(value)}` | {declared[name].help} |" for name, value in params.items())
    changed = {n: v for n, v in params.items() if v != declared[n].default}
    if changed:
        example = " ".join(f"-p {n} {_cli_value(v)}" for n, v in changed.items())
        lead = "These values differ from the chapter's defaults; to reproduce this page run"
    else:
        first = next(iter(declared))
        example = f"-p {first} <value>"
        lead = "These are the chapter's defaults; to compute the page with other values run, e.g.,"
    return (
        ":::{dropdown} Parameters of this page\n"
        f"This page was computed with the parameters below. {lead}\n"
        f"`imtrade run {chapter.name} {example}` (`imtrade params {chapter.name}` lists them; "
        "see {doc}`/book/rerunning`).\n\n"
        "| parameter | value | meaning |\n|---|---|---|\n" + rows + "\n:::" + missing_sections_note(missing or [])
    )


def merge_streams(outputs: list) -> list:
    """Each run of consecutive stream outputs as at most two: all its stdout, then all its stderr.

    The kernel sends what a cell prints in chunks cut by time (it flushes every 0.2 s), and
    stdout and stderr travel separately, so the same cell gives one output or several, and a
    warning lands before or between its prints, depending on how fast it ran and how busy the
    machine was. Merged, the notebook (and its hash) is the same on every run; empty chunks
    are dropped. Outputs of other kinds (figures, tables) keep their places.
    """
    merged: list = []
    group: dict[str, Any] = {}  # name -> the merged output of the current run of streams
    order = {"stdout": 0, "stderr": 1}

    def flush() -> None:
        merged.extend(group[name] for name in sorted(group, key=lambda n: (order.get(n, 2), n)))
        group.clear()

    for output in outputs:
        if output.get("output_type") != "stream":
            flush()
            merged.append(output)
            continue
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        if not text:
            continue
        name = output.get("name", "stdout")
        if name in group:
            group[name]["text"] = group[name]["text"] + text
        else:
            output["text"] = text
            group[name] = output
    flush()
    return merged


def normalise_notebook(nb, chapter: Chapter, params: dict[str, Any]):
    """Hide parameter cells, add the parameter note, drop run-specific metadata (in place)."""
    import nbformat

    note_index = None
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            cell.metadata["tags"] = sorted(set(tags) | {"remove-cell"})
            note_index = index + 1
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell.pop("id", None)
        if "outputs" in cell:
            cell["outputs"] = merge_streams(cell["outputs"])
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                data["image/png"] = compress_png(data["image/png"])
    if note_index is not None:
        from imtrade.book.notebooks import glued
        from imtrade.show.sections import missing_sections

        note = nbformat.v4.new_markdown_cell(_parameter_note(chapter, params, missing_sections(glued(nb))))
        note.pop("id", None)  # random; nbformat 4.4 has no cell ids
        nb.cells.insert(note_index, note)
    meta = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {"parameters": meta.get("parameters", params)}
    nb.metadata.pop("widgets", None)
    nb.nbformat_minor = 4  # no cell ids: they are random
    return nb


def execute_chapter(
    chapter: Chapter,
    params: dict[str, Any],
    output: Path,
    *,
    cwd: Path | None = None,
    timeout: int = CELL_TIMEOUT,
    failed_dir: Path | None = None,
    log_path: Path | None = None,
    scratch_dir: Path | None = None,
) -> ExecutionResult:
    """Run ``chapter`` with ``params`` (already validated) and write the executed notebook.

    The kernel's stderr goes to ``log_path`` (default ``_build/logs/<chapter>.log``; batch
    runs of one chapter in parallel give each run its own). The notebook before and during
    execution and the reads log live in a private folder under ``scratch_dir`` (default
    ``_build/scratch``), never next to ``output``: the book's outputs go to the Sphinx source
    folder, which must hold nothing else. The folder is removed however the run ends; one
    left by a killed process is removed by the next build (:func:`clean_scratch`).
    """
    import jupytext

    paths = project()
    output = output.absolute()
    check_output_path(output)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    cwd = (cwd or output.parent).resolve()
    cwd.mkdir(parents=True, exist_ok=True)
    nb = jupytext.read(chapter.path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    scratch_root = scratch_dir or paths.build / SCRATCH
    scratch_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{output.stem}.{os.getpid()}.", dir=scratch_root))
    try:
        return _execute_in(
            chapter, params, output, nb, scratch, cwd=cwd, timeout=timeout, failed_dir=failed_dir, log_path=log_path
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


SCRATCH = "scratch"  # under _build: the runner's temporary files (one folder per execution)


def clean_scratch(paths=None) -> int:
    """Remove what executions killed before their clean-up left in ``_build/scratch``
    (folders of processes that no longer run); return how many were removed."""
    root = (paths or project()).build / SCRATCH
    removed = 0
    for folder in root.glob("*") if root.is_dir() else []:
        parts = folder.name.rsplit(".", 2)
        pid = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
        if pid is not None and (pid == os.getpid() or _alive(pid)):
            continue  # a run in progress (this process's, a pool worker's or another command's)
        shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else folder.unlink(missing_ok=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _execute_in(
    chapter: Chapter,
    params: dict[str, Any],
    output: Path,
    nb,
    scratch: Path,
    *,
    cwd: Path,
    timeout: int,
    failed_dir: Path | None,
    log_path: Path | None,
) -> ExecutionResult:
    import nbformat
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from imtrade.book.kernels import kernel_manager_class

    paths = project()
    source_nb = scratch / "in.ipynb"
    executed = scratch / "out.ipynb"
    reads_log = scratch / "reads.jsonl"
    nbformat.write(nb, source_nb)
    env_before = {k: os.environ.get(k) for k in (ROOT_ENV, READS_LOG_ENV, CHAPTER_ENV, "PYTHONHASHSEED")}
    os.environ.update(
        {
            ROOT_ENV: str(paths.root),
            READS_LOG_ENV: str(reads_log),
            CHAPTER_ENV: chapter.name,
            "PYTHONHASHSEED": "0",
        }
    )
    start = time.perf_counter()
    log_path = log_path or paths.build / "logs" / f"{chapter.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    saved_stderr = os.dup(2)
    try:
        # The kernel inherits stderr: its warnings (e.g. ipykernel's TCP notice) and any
        # traceback it logs after an interrupt go to the chapter's log, not the terminal.
        with open(log_path, "w", encoding="utf-8") as log:
            os.dup2(log.fileno(), 2)
        papermill.execute_notebook(
            str(source_nb),
            str(executed),
            parameters=params,
            kernel_name="python3",
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            # written once at the end (and with the error cell when one fails): saving the whole
            # notebook after every cell cost seconds per chapter
            request_save_on_cell_execute=False,
            **({"kernel_manager_class": manager} if (manager := kernel_manager_class()) else {}),
        )
    except (PapermillExecutionError, CellTimeoutError, DeadKernelError) as exc:
        kept = None
        if failed_dir is not None and executed.exists():
            failed_dir.mkdir(parents=True, exist_ok=True)
            kept = failed_dir / f"{chapter.name}.ipynb"
            _place(executed, kept)
        keep = (f"inspect the failed notebook {kept}; " if kept else "") + (
            "the previous results and the published site were left unchanged"
        )
        if isinstance(exc, CellTimeoutError):
            raise ChapterTimeoutError(
                f"chapter '{chapter.name}' took longer than the {timeout} s allowed for one cell",
                fix=f"allow more time (e.g. --timeout {max(CELL_TIMEOUT, 2 * timeout)}); {keep}",
            ) from None
        if isinstance(exc, DeadKernelError):
            raise KernelDiedError(
                f"the kernel running chapter '{chapter.name}' died ({exc})",
                fix=f"check memory (the kernel may have been killed) and the log {log_path}; {keep}",
            ) from None
        first_line = next((ln for ln in str(exc.source).splitlines() if ln.strip()), "")
        raise ChapterExecutionError(
            f"chapter '{chapter.name}' failed in code cell {exc.exec_count} "
            f"(starting {first_line[:80]!r}):\n  {exc.ename}: {exc.evalue}",
            fix=keep,
        ) from None
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.perf_counter() - start
    result_nb = normalise_notebook(nbformat.read(executed, as_version=4), chapter, params)
    nbformat.write(result_nb, executed)
    check_output_path(output)  # not replaced by a FIFO or a device while the chapter ran
    _place(executed, output)
    reads = []
    if reads_log.exists():
        seen = set()
        for line in reads_log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            key = json.dumps(record, sort_keys=True)
            if key not in seen:
                seen.add(key)
                reads.append(record)
    return ExecutionResult(chapter.name, output, seconds, sorted(reads, key=lambda r: json.dumps(r, sort_keys=True)))
