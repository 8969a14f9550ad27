"""Execute the runs of a batch spec: a local process pool, or an existing Dask cluster.

Every run goes through the same machinery as ``imtrade build``: :func:`imtrade.book.build.plan_chapter`
computes its cache key (chapter source, parameters, environment, checksums of the data it read
last time) and :func:`imtrade.book.execute.execute_chapter` runs it with papermill. A run whose key
is unchanged is skipped. Outputs live in ``_build/batch/<spec name>/``::

    <stem>.ipynb      executed notebook (stem built from the parameters, see batch.spec.run_stem)
    <stem>.json       its build record (cache key, data files read, output checksum)
    files/<stem>/     files the run wrote next to its notebook (e.g. tables/x.csv), kept per run
    logs/<stem>.log   the kernel's stderr
    failed/<stem>.ipynb   the notebook of a failed run, with the error cell
    summary.csv       chapter, parameters, status, seconds, output, ... of the last batch

:func:`execute_run` is what a worker does. It receives the chapter's source text and the
validated parameters, executes in a private temporary directory and returns the executed
notebook, the files it wrote, its log and its peak memory as bytes and numbers: the driver
writes them. Workers therefore need the project installed (same code: the environment
digests must match) and the data reachable, but no shared disk with the driver.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imtrade.batch.spec import BatchSpec, RunSpec
from imtrade.book.build import ChapterPlan, environment_digest, plan_chapter, stop_pool, write_record
from imtrade.book.execute import CELL_TIMEOUT, ExecutionResult
from imtrade.book.kernels import STATS_ENV, forked_kernel_peak_mb, warm_kernels
from imtrade.book.toc import Chapter
from imtrade.exceptions import BatchRunError, ImtradeError
from imtrade.paths import ProjectPaths, project

OK, FAILED, SKIPPED, NOT_RUN = "ok", "failed", "skipped", "not run"
SUMMARY_COLUMNS = (
    "chapter",
    "parameters",
    "status",
    "seconds",
    "output",
    "error",
    "worker",
    "worker_peak_mb",
    "kernel_peak_mb",
)
_LARGEST_FORKED = [0.0]  # largest forked kernel of this worker so far (MB)
_RUN_LOCK = threading.Lock()  # execute_chapter sets process-wide env vars and stderr: one run per process at a time


# ---------------------------------------------------------------------------------------
# What a worker does


@dataclass(frozen=True)
class RunRequest:
    chapter: str
    docname: str
    source: str  # the chapter's text notebook, as the driver has it
    params: dict[str, Any]  # validated and typed
    stem: str
    timeout: int = CELL_TIMEOUT


@dataclass
class RunOutcome:
    stem: str
    ok: bool
    seconds: float
    reads: list[dict[str, str]] = field(default_factory=list)
    notebook: bytes | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # relative path -> bytes (e.g. tables/x.csv)
    log: str = ""
    error: str = ""
    failed_notebook: bytes | None = None
    transient: bool = False  # a failure that running it again may cure (a timeout, a dead kernel or worker)
    attempts: int = 1
    worker: str = ""
    worker_peak_mb: float = 0.0  # the worker process itself
    kernel_peak_mb: float = 0.0  # largest kernel (child process) the worker has run so far


def worker_name() -> str:
    """The Dask worker's address inside a Dask worker, else the process id."""
    if "distributed" in sys.modules:
        try:
            from distributed import get_worker

            return get_worker().address
        except ValueError:
            pass
    return f"pid {os.getpid()}"


def peak_memory_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest finished child (Linux: KiB units)."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale,
    )


def execute_run(request: RunRequest) -> RunOutcome:
    """Execute one run in a private temporary directory; return everything it produced."""
    from imtrade.book.execute import execute_chapter

    with _RUN_LOCK, tempfile.TemporaryDirectory(prefix="imtrade-run-") as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "source" / f"{request.chapter}.md"
        source.parent.mkdir()
        source.write_text(request.source, encoding="utf-8")
        chapter = Chapter(request.chapter, source, request.docname)
        work = tmp_path / "run"
        output = work / f"{request.stem}.ipynb"
        log = tmp_path / "kernel.log"
        failed = tmp_path / "failed"
        start = time.perf_counter()
        outcome = RunOutcome(request.stem, ok=False, seconds=0.0, worker=worker_name())
        stats = tmp_path / "kernel-stats.jsonl"  # a forked (warm) kernel's peak memory
        os.environ[STATS_ENV] = str(stats)
        try:
            result = execute_chapter(
                chapter,
                request.params,
                output,
                cwd=work,
                timeout=request.timeout,
                failed_dir=failed,
                log_path=log,
                scratch_dir=tmp_path / "scratch",
            )
            outcome.ok, outcome.reads, outcome.notebook = True, result.reads, output.read_bytes()
            outcome.files = {
                p.relative_to(work).as_posix(): p.read_bytes()
                for p in sorted(work.rglob("*"))
                if p.is_file() and p != output and not p.name.startswith(".")
            }
        except ImtradeError as exc:
            outcome.error = exc.problem
            outcome.transient = bool(getattr(exc, "transient", False))
        except Exception as exc:  # a bug: reported, never fatal to the batch
            outcome.error = f"{exc.__class__.__name__}: {exc}"
        kept = failed / f"{request.chapter}.ipynb"
        if kept.is_file():
            outcome.failed_notebook = kept.read_bytes()
        outcome.seconds = time.perf_counter() - start
        outcome.log = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        os.environ.pop(STATS_ENV, None)
        outcome.worker_peak_mb, outcome.kernel_peak_mb = peak_memory_mb()
        _LARGEST_FORKED[0] = max(_LARGEST_FORKED[0], forked_kernel_peak_mb(stats))
        outcome.kernel_peak_mb = max(outcome.kernel_peak_mb, _LARGEST_FORKED[0])
        return outcome


def worker_info() -> dict[str, Any]:
    """What the driver checks on every Dask worker before submitting runs."""
    from .. import __version__

    paths = project()
    return {
        "environment": environment_digest(paths),
        "root": str(paths.root),
        "data_dir": str(paths.data_dir),
        "imtrade": __version__,
        "python": sys.version.split()[0],
    }


# ---------------------------------------------------------------------------------------
# Planning


@dataclass
class BatchRun:
    spec: RunSpec
    plan: ChapterPlan
    status: str = ""
    seconds: float = 0.0
    error: str = ""
    worker: str = ""
    worker_peak_mb: float = 0.0
    kernel_peak_mb: float = 0.0

    @property
    def stem(self) -> str:
        return self.spec.stem


def plan_runs(
    spec: BatchSpec, out: Path, *, limit: int | None = None, force: bool = False, paths: ProjectPaths | None = None
) -> list[BatchRun]:
    """The runs of ``spec`` (the first ``limit``), each planned against its record in ``out``."""
    paths = paths or project()
    env = environment_digest(paths)
    selected = spec.runs if limit is None else spec.runs[:limit]
    runs = []
    for run in selected:
        ch = spec.chapters[run.chapter]
        plan = plan_chapter(
            ch, run.given, env, paths, output=out / f"{run.stem}.ipynb", record=out / f"{run.stem}.json"
        )
        plan.extra = {"batch": spec.name, "given": run.given}
        if force:
            plan.stale, plan.reason = True, "forced"
        runs.append(BatchRun(run, plan, status="" if plan.stale else SKIPPED))
    return runs


# ---------------------------------------------------------------------------------------
# Executors: the same submit / as-completed / cancel protocol for both back ends


def _died(request: RunRequest, exc: BaseException, attempts: int) -> RunOutcome:
    """The outcome of a run whose worker process died under it."""
    return RunOutcome(
        request.stem,
        ok=False,
        seconds=0.0,
        error=f"the worker process running it died ({exc.__class__.__name__}: {exc})",
        transient=True,
        attempts=attempts,
    )


class LocalExecutor:
    """A process pool on this machine (``jobs`` workers); ``jobs == 1`` runs in this process.

    A run that fails for a reason running it again may cure (a cell timeout, a dead kernel,
    a worker process that died; never an error of the notebook's own code) is run again, up
    to ``retries`` more times; ``on_retry(request, outcome)`` is told of each retry. A dead
    worker breaks the whole pool: a new one is started and every run it held is resubmitted.
    After :meth:`cancel`, runs already started still finish and are yielded (and recorded).
    """

    def __init__(self, jobs: int, *, retries: int = 1, on_retry=None, function=None) -> None:
        self.jobs = max(1, jobs)
        self.retries = max(0, retries)
        self.on_retry = on_retry or (lambda request, outcome: None)
        self.function = function or execute_run  # what a worker does (tests pass another module-level function)
        self.pool = None
        self._futures: list = []
        self._cancelled = False
        if self.jobs > 1:
            self.pool = self._new_pool()

    def _new_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn: workers start clean (no copied threads or locks of the driver, e.g. a Dask client)
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"))

    def describe(self) -> str:
        return f"local process pool, {self.jobs} worker(s)" if self.pool else "this process (1 worker)"

    def _again(self, request: RunRequest, outcome: RunOutcome, attempts: dict[str, int]) -> bool:
        """Whether to run ``request`` again after ``outcome`` (and count the attempt)."""
        if outcome.ok or not outcome.transient or self._cancelled or attempts[request.stem] > self.retries:
            return False
        self.on_retry(request, outcome)
        attempts[request.stem] += 1
        return True

    def run(self, requests: list[RunRequest]) -> Iterator[RunOutcome]:
        attempts = {r.stem: 1 for r in requests}
        if self.pool is None:
            for request in requests:
                while not self._cancelled:
                    outcome = self.function(request)
                    outcome.attempts = attempts[request.stem]
                    if not self._again(request, outcome, attempts):
                        yield outcome
                        break
            return
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        def broke(future) -> bool:
            return not future.cancelled() and isinstance(future.exception(), BrokenProcessPool)

        pending = {self.pool.submit(self.function, r): r for r in requests}
        self._futures = list(pending)
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            broken = any(broke(f) for f in done)
            if broken:
                done, _ = wait(list(pending))  # a broken pool fails every run it held, at once
            again = []
            for future in done:
                request = pending.pop(future)
                if future.cancelled():
                    continue
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    outcome = _died(request, exc, attempts[request.stem])
                outcome.attempts = attempts[request.stem]
                if self._again(request, outcome, attempts):
                    again.append(request)
                else:
                    yield outcome
            if broken:  # the pool is unusable: a new one for the runs still to do
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._new_pool()
            for request in again:
                pending[self.pool.submit(self.function, request)] = request
            self._futures = list(pending)

    def cancel(self) -> None:
        self._cancelled = True
        for future in self._futures:
            future.cancel()  # only those not started yet

    def close(self, wait: bool = True) -> None:
        if self.pool is not None:
            if wait:
                self.pool.shutdown(wait=True, cancel_futures=True)
            else:  # Ctrl-C: workers would run the runs already queued to them to the end
                stop_pool(self.pool)


class DaskExecutor:
    """Submit runs to an existing Dask distributed scheduler (``tcp://host:port``)."""

    def __init__(self, address: str, env: str, timeout: float = 20, *, retries: int = 1, on_retry=None) -> None:
        self.retries = max(0, retries)
        self.on_retry = on_retry or (lambda request, outcome: None)
        try:
            from distributed import Client
        except ImportError:
            raise BatchRunError(
                "--scheduler needs dask.distributed", fix="pip install 'dask[distributed]' (it is in requirements.txt)"
            ) from None
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except OSError as exc:
            raise BatchRunError(
                f"cannot reach the Dask scheduler at {address}: {exc}",
                fix="start one with `dask scheduler` and workers with `dask worker ADDRESS --nthreads 1` "
                "(see book/batch_runs.md)",
            ) from None
        info = self.client.run(worker_info)
        if not info:
            self.client.close()
            raise BatchRunError(
                f"the Dask scheduler at {address} has no workers",
                fix="start workers: `dask worker ADDRESS --nworkers 2 --nthreads 1`",
            )
        different = {addr: i for addr, i in info.items() if i["environment"] != env}
        if different:
            self.client.close()
            listed = ", ".join(
                f"{addr} (imtrade {i['imtrade']}, Python {i['python']}, root {i['root']})"
                for addr, i in different.items()
            )
            raise BatchRunError(
                f"{len(different)} Dask worker(s) run different code or packages than this checkout: {listed}",
                fix="install the same commit and lock file on every worker (results would not match their cache keys)",
            )
        self.workers = info
        self.address = address
        self._futures: list = []
        self._cancelled = False

    def describe(self) -> str:
        return f"Dask cluster {self.address}, {len(self.workers)} worker(s)"

    def run(self, requests: list[RunRequest]) -> Iterator[RunOutcome]:
        from distributed import as_completed

        token = os.urandom(4).hex()
        attempts = {r.stem: 1 for r in requests}
        by_key: dict[str, RunRequest] = {}

        def submit(request: RunRequest):
            key = f"imtrade-run-{request.stem}-{token}-{attempts[request.stem]}"
            by_key[key] = request
            # retries=: Dask runs the task again when its worker died (the task was lost)
            return self.client.submit(execute_run, request, key=key, pure=False, retries=self.retries)

        self._futures = [submit(r) for r in requests]
        completed = as_completed(self._futures, loop=self.client.loop)
        for future in completed:
            if self._cancelled:
                return
            request = by_key[future.key]
            try:
                outcome = future.result()
            except Exception as exc:  # the task was lost more often than retries allow (workers died)
                outcome = _died(request, exc, attempts[request.stem])
            outcome.attempts = attempts[request.stem]
            if not outcome.ok and outcome.transient and attempts[request.stem] <= self.retries:
                self.on_retry(request, outcome)  # a timeout or a dead kernel: once more
                attempts[request.stem] += 1
                again = submit(request)
                self._futures.append(again)
                completed.add(again)
                continue
            yield outcome

    def cancel(self) -> None:
        """Release every run not finished yet (Dask cannot stop a task that is running)."""
        self._cancelled = True
        if self._futures:
            self.client.cancel(self._futures)

    def close(self, wait: bool = True) -> None:
        self.client.close()


# ---------------------------------------------------------------------------------------
# The driver


@dataclass
class BatchReport:
    spec: BatchSpec
    runs: list[BatchRun]
    out: Path
    summary: Path
    seconds: float
    executor: str
    stopped_early: bool = False

    def count(self, status: str) -> int:
        return sum(1 for r in self.runs if r.status == status)

    @property
    def failures(self) -> list[BatchRun]:
        return [r for r in self.runs if r.status == FAILED]

    def workers(self) -> dict[str, tuple[int, float, float]]:
        """worker -> (runs, peak MB of the worker process, peak MB of its largest kernel)."""
        out: dict[str, tuple[int, float, float]] = {}
        for r in self.runs:
            if r.worker:
                n, w, k = out.get(r.worker, (0, 0.0, 0.0))
                out[r.worker] = (n + 1, max(w, r.worker_peak_mb), max(k, r.kernel_peak_mb))
        return out

    def raise_for_failures(self) -> None:
        failures = self.failures
        if not failures:
            return
        lines = [f"{r.spec.label()}: {one_line(r.error) or 'failed'}" for r in failures]
        if self.stopped_early:
            message = f"run {lines[0]}\nstopped at the first failure; {self.count(NOT_RUN)} run(s) not started"
            fix = "fix it, or pass --continue-on-error to run the others and collect every failure; "
        else:
            message = f"{len(failures)} of {len(self.runs)} run(s) failed:\n  " + "\n  ".join(lines)
            fix = ""
        raise BatchRunError(
            message,
            fix=fix + f"failed notebooks and logs are in {self.out}/failed and {self.out}/logs; summary {self.summary}",
        )


def one_line(text: str) -> str:
    """A multi-line error message as one line (for the summary CSV and the final report)."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _record_outcome(run: BatchRun, outcome: RunOutcome, out: Path) -> None:
    run.seconds, run.worker = outcome.seconds, outcome.worker
    run.worker_peak_mb, run.kernel_peak_mb = outcome.worker_peak_mb, outcome.kernel_peak_mb
    _write(out / "logs" / f"{run.stem}.log", outcome.log.encode())
    failed = out / "failed" / f"{run.stem}.ipynb"
    if outcome.ok and outcome.notebook is not None:
        files = out / "files" / run.stem
        if files.is_dir():
            shutil.rmtree(files)  # only what this run wrote
        for rel, data in outcome.files.items():
            _write(files / rel, data)
        _write(run.plan.output, outcome.notebook)
        run.plan.result = ExecutionResult(run.plan.chapter.name, run.plan.output, outcome.seconds, outcome.reads)
        write_record(run.plan)
        failed.unlink(missing_ok=True)
        run.status = OK
    else:
        if outcome.failed_notebook is not None:
            _write(failed, outcome.failed_notebook)
        run.status, run.error = FAILED, outcome.error or "failed"


def write_summary(runs: list[BatchRun], path: Path, root: Path) -> Path:
    """The batch's summary table (one row per run) as CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(SUMMARY_COLUMNS)
        for r in runs:
            output = (
                r.plan.output
                if r.status in (OK, SKIPPED)
                else (path.parent / "failed" / f"{r.stem}.ipynb" if r.status == FAILED else "")
            )
            with contextlib.suppress(ValueError):
                output = Path(output).relative_to(root) if output else ""
            writer.writerow(
                [
                    r.spec.chapter,
                    json.dumps(r.spec.given, sort_keys=True, default=str),
                    r.status,
                    f"{r.seconds:.2f}" if r.status in (OK, FAILED) else "",
                    str(output),
                    one_line(r.error),
                    r.worker,
                    f"{r.worker_peak_mb:.0f}" if r.worker_peak_mb else "",
                    f"{r.kernel_peak_mb:.0f}" if r.kernel_peak_mb else "",
                ]
            )
    return path


def run_batch(
    spec: BatchSpec,
    *,
    jobs: int = 2,
    scheduler: str | None = None,
    continue_on_error: bool = False,
    out: Path | None = None,
    limit: int | None = None,
    force: bool = False,
    progress: bool | None = None,
    echo: Callable[[str], None] | None = None,
    retries: int = 1,
) -> BatchReport:
    """Run ``spec``: skip up-to-date runs, execute the others, write records and the summary.

    Failures do not raise here: the report lists them (:meth:`BatchReport.raise_for_failures`).
    Without ``continue_on_error`` the batch stops at the first failure (runs already started
    finish and are recorded; the rest are ``not run``). A run that failed for a transient
    reason (a cell timeout, a dead kernel or worker) is run again up to ``retries`` times; a
    notebook that failed in its own code never is.
    """
    from tqdm.auto import tqdm

    paths = project()
    start = time.perf_counter()
    out = (out or paths.build / "batch" / spec.name).resolve()
    runs = plan_runs(spec, out, limit=limit, force=force, paths=paths)
    stale = [r for r in runs if r.status != SKIPPED]
    executor = None

    def on_retry(request: RunRequest, outcome: RunOutcome) -> None:
        if echo is not None:
            echo(
                f"retrying {request.stem} (attempt {outcome.attempts + 1} of {retries + 1}): {one_line(outcome.error)}"
            )

    if stale:
        executor = (
            DaskExecutor(scheduler, environment_digest(paths), retries=retries, on_retry=on_retry)
            if scheduler
            else LocalExecutor(min(jobs, len(stale)), retries=retries, on_retry=on_retry)
        )
    description = executor.describe() if executor else "no worker (every run up to date)"
    bar = tqdm(
        total=len(runs),
        initial=len(runs) - len(stale),
        desc=spec.name,
        unit="run",
        disable=None if progress is None else not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    by_stem = {r.stem: r for r in stale}
    stopped = interrupted = False
    warm = contextlib.ExitStack()
    try:
        # local workers fork their kernels from one process that imported the libraries once
        warm.enter_context(warm_kernels(out / "logs" / "kernel-server.log", enabled=bool(stale) and scheduler is None))
        if executor is not None:
            requests = [
                RunRequest(r.spec.chapter, r.plan.chapter.docname, r.plan.chapter.source, r.plan.params, r.stem)
                for r in stale
            ]
            for outcome in executor.run(requests):
                run = by_stem[outcome.stem]
                _record_outcome(run, outcome, out)
                bar.update(1)
                if run.status == FAILED:
                    bar.write(f"failed: {run.spec.label()}: {one_line(run.error)}")
                    if not continue_on_error and not stopped:
                        stopped = True
                        executor.cancel()  # runs already started finish and are recorded
    except BaseException:  # Ctrl-C: do not wait for running notebooks
        interrupted = True
        if executor is not None:
            executor.cancel()
        raise
    finally:
        bar.close()
        if executor is not None:
            executor.close(wait=not interrupted)
        warm.close()
        for r in runs:
            if not r.status:
                r.status = NOT_RUN
        summary = write_summary(runs, out / "summary.csv", paths.root)
    report = BatchReport(spec, runs, out, summary, time.perf_counter() - start, description, stopped_early=stopped)
    if echo is not None:
        for line in summary_lines(report):
            echo(line)
    return report


def summary_lines(report: BatchReport) -> list[str]:
    """The summary table printed at the end of a batch."""
    lines = [
        f"{report.spec.title}: {len(report.runs)} run(s) on {report.executor}",
        f"  {'status':8} {'runs':>5} {'seconds':>9}",
    ]
    for status in (OK, FAILED, SKIPPED, NOT_RUN):
        group = [r for r in report.runs if r.status == status]
        if group or status in (OK, FAILED, SKIPPED):
            seconds = f"{sum(r.seconds for r in group):9.1f}" if status in (OK, FAILED) else f"{'-':>9}"
            lines.append(f"  {status:8} {len(group):5d} {seconds}")
    executed = [r.seconds for r in report.runs if r.status == OK]
    if executed:
        import statistics

        lines.append(f"  median run {statistics.median(executed):.1f} s; wall time {report.seconds:.1f} s")
    else:
        lines.append(f"  wall time {report.seconds:.1f} s")
    for worker, (n, own, kernel) in sorted(report.workers().items()):
        lines.append(
            f"  worker {worker}: {n} run(s), peak memory {own:.0f} MB (worker) / {kernel:.0f} MB (largest kernel)"
        )
    lines.append(f"  outputs in {report.out}; summary {report.summary}")
    return lines
