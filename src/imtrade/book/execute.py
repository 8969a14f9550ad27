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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imtrade.book.toc import Chapter
from imtrade.data.provenance import READS_LOG_ENV
from imtrade.exceptions import ChapterExecutionError
from imtrade.paths import project
from imtrade.show.figures import compress_png

CHAPTER_ENV = "IMTRADE_CHAPTER"
CELL_TIMEOUT = 900  # seconds per cell


@dataclass(frozen=True)
class ExecutionResult:
    chapter: str
    output: Path
    seconds: float
    reads: list[dict[str, str]]


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
    """Consecutive outputs of one stream (stdout or stderr) as one output.

    The kernel sends what a cell prints in chunks cut by time (it flushes every 0.2 s), so
    the same cell gives one output or several depending on how fast it ran; merged, the
    notebook is the same however busy the machine was (and the page shows one block).
    """
    merged: list = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (
            last is not None
            and output.get("output_type") == "stream"
            and last.get("output_type") == "stream"
            and output.get("name") == last.get("name")
        ):
            last["text"] = last["text"] + output["text"]
        else:
            merged.append(output)
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
) -> ExecutionResult:
    """Run ``chapter`` with ``params`` (already validated) and write the executed notebook.

    The kernel's stderr goes to ``log_path`` (default ``_build/logs/<chapter>.log``; batch
    runs of one chapter in parallel give each run its own).
    """
    import jupytext
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from imtrade.book.kernels import kernel_manager_class

    paths = project()
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    cwd = (cwd or output.parent).resolve()
    cwd.mkdir(parents=True, exist_ok=True)
    nb = jupytext.read(chapter.path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    stem = f".{output.stem}.{os.getpid()}"
    source_nb = output.with_name(f"{stem}.in.ipynb")
    executed = output.with_name(f"{stem}.out.ipynb")
    reads_log = output.with_name(f"{stem}.reads.jsonl")
    nbformat.write(nb, source_nb)
    env_before = {k: os.environ.get(k) for k in ("IMTRADE_ROOT", READS_LOG_ENV, CHAPTER_ENV, "PYTHONHASHSEED")}
    os.environ.update(
        {
            "IMTRADE_ROOT": str(paths.root),
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
    except PapermillExecutionError as exc:
        kept = None
        if failed_dir is not None and executed.exists():
            failed_dir.mkdir(parents=True, exist_ok=True)
            kept = failed_dir / f"{chapter.name}.ipynb"
            executed.replace(kept)
        first_line = next((ln for ln in str(exc.source).splitlines() if ln.strip()), "")
        raise ChapterExecutionError(
            f"chapter '{chapter.name}' failed in code cell {exc.exec_count} (starting {first_line[:80]!r}):\n  {exc.ename}: {exc.evalue}",
            fix=(f"inspect the failed notebook {kept}; " if kept else "")
            + "the previous results and the published site were left unchanged",
        ) from None
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        source_nb.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    result_nb = normalise_notebook(nbformat.read(executed, as_version=4), chapter, params)
    nbformat.write(result_nb, executed)
    executed.replace(output)
    reads = []
    if reads_log.exists():
        seen = set()
        for line in reads_log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            key = json.dumps(record, sort_keys=True)
            if key not in seen:
                seen.add(key)
                reads.append(record)
        reads_log.unlink()
    return ExecutionResult(chapter.name, output, seconds, sorted(reads, key=lambda r: json.dumps(r, sort_keys=True)))
