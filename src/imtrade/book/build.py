"""``imtrade build``: execute what changed, then build and publish the site.

A chapter is re-executed only when its *cache key* changes. The key covers the chapter's
source, its parameter values, the environment (lock file, Python version, the package's
own source) and the checksums of every data file the chapter read the last time it ran
(recorded by :mod:`imtrade.data.provenance`). Records live in ``_build/cache/<chapter>.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from imtrade.book import warm_site
from imtrade.book.execute import ExecutionResult, execute_chapter
from imtrade.book.kernels import warm_kernels
from imtrade.book.params import resolve_parameters
from imtrade.book.toc import Chapter, book_parameters, chapter, chapters
from imtrade.data.catalog import load_catalog, manifest_path, read_manifest, sha256_file
from imtrade.exceptions import BuildError, ImtradeError
from imtrade.paths import ProjectPaths, edition_paths, project


def environment_digest(paths: ProjectPaths | None = None) -> str:
    """Lock file + Python version + the package's source code."""
    paths = paths or project()
    h = hashlib.sha256(platform.python_version().encode())
    lock = paths.root / "requirements.txt"
    if lock.is_file():
        h.update(lock.read_bytes())
    package = Path(__file__).resolve().parents[1]  # src/imtrade
    for src in sorted(package.rglob("*.py")):
        h.update(src.relative_to(package).as_posix().encode())
        h.update(src.read_bytes())
    return h.hexdigest()


@dataclass
class ChapterPlan:
    chapter: Chapter
    params: dict[str, Any]
    inputs: dict[str, Any]
    output: Path
    record: Path
    stale: bool = True
    reason: str = "never built"
    key: str = ""
    result: ExecutionResult | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _file_state(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


_MANIFESTS: dict[Path, tuple[tuple[int, int, int], dict]] = {}
_CHECKSUMS: dict[Path, tuple[tuple[int, int, int], str]] = {}


def _manifest_entries(path: Path) -> dict:
    """``read_manifest(path)``, parsed once per version of the file (inode, size, mtime):
    every chapter and batch run records reads from the same few manifests."""
    state = _file_state(path)
    cached = _MANIFESTS.get(path)
    if state is None or cached is None or cached[0] != state:
        entries = read_manifest(path)  # raises for a missing or malformed manifest
        _MANIFESTS[path] = (state, entries)
        return entries
    return cached[1]


def _file_sha(path: Path) -> str | None:
    """sha256 of a project file, hashed once per version of the file within this process."""
    state = _file_state(path)
    if state is None:
        return None
    cached = _CHECKSUMS.get(path)
    if cached is None or cached[0] != state:
        cached = (state, sha256_file(path))
        _CHECKSUMS[path] = cached
    return cached[1]


def current_read_sha(read: dict[str, str], paths: ProjectPaths) -> str | None:
    """The checksum a recorded data read would have now (None if it no longer exists)."""
    if read["dataset"] in ("curated", "project"):
        file = paths.root / read["path"]
        return _file_sha(file) if file.is_file() else None
    try:
        entries = _manifest_entries(manifest_path(read["dataset"], read["vintage"], paths))
    except ImtradeError:
        return None
    entry = entries.get(read["path"])
    return entry.sha256 if entry else None


def cache_key(inputs: dict[str, Any], reads: list[dict[str, str]]) -> str:
    blob = json.dumps({"inputs": inputs, "reads": reads}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def plan_chapter(
    ch: Chapter,
    overrides: dict[str, Any],
    env: str,
    paths: ProjectPaths,
    *,
    output: Path | None = None,
    record: Path | None = None,
) -> ChapterPlan:
    """Resolve ``ch``'s parameters and decide whether it must run (see the module docstring).

    ``output``/``record`` default to the book's places (the stage and ``_build/cache``);
    batch runs (:mod:`imtrade.batch`) keep theirs next to each other under ``_build/batch``.
    """
    # Names and types are checked here; the chapter's semantic checks (known codes, year
    # order) only when it must run: an up-to-date record means they passed for these very
    # inputs, and what they read would have changed the recorded reads (the cache key).
    params = resolve_parameters(ch.parameters(), overrides, ch.name)
    inputs = {"source": hashlib.sha256(ch.path.read_bytes()).hexdigest(), "params": params, "environment": env}
    output = output or paths.build / "stage" / "chapters" / f"{ch.name}.ipynb"
    record = record or paths.build / "cache" / f"{ch.name}.json"
    plan = _plan_up_to_date(ChapterPlan(ch, params, inputs, output, record), paths)
    if plan.stale:
        check = ch.semantic_check()
        if check is not None:
            check(params)
    return plan


def _plan_up_to_date(plan: ChapterPlan, paths: ProjectPaths) -> ChapterPlan:
    """Mark ``plan`` up to date when its record matches its inputs, data and output."""
    inputs, record, output = plan.inputs, plan.record, plan.output
    if not record.is_file() or not output.is_file():
        return plan
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        plan.reason = "unreadable cache record"
        return plan
    if saved.get("inputs") != json.loads(json.dumps(inputs, default=str)):
        changed = [
            k for k in inputs if saved.get("inputs", {}).get(k) != json.loads(json.dumps(inputs[k], default=str))
        ]
        plan.reason = f"{', '.join(changed)} changed"
        return plan
    for read in saved.get("reads", []):
        if current_read_sha(read, paths) != read["sha256"]:
            plan.reason = f"data changed: {read['dataset']} {read['vintage']} {read['path']}"
            return plan
    if sha256_file(output) != saved.get("output_sha256"):
        plan.reason = "executed notebook was modified"
        return plan
    plan.stale = False
    plan.reason = "up to date"
    plan.key = saved.get("key", "")
    return plan


def _execute(
    name: str, params: dict[str, Any], output: str, failed_dir: str, source: str | None = None
) -> ExecutionResult:
    ch = chapter(name)
    if source is not None and Path(source) != ch.path:  # e.g. the student version of the chapter
        ch = replace(ch, path=Path(source))
    return execute_chapter(ch, params, Path(output), cwd=Path(output).parent, failed_dir=Path(failed_dir))


def write_record(plan: ChapterPlan) -> None:
    assert plan.result is not None
    reads = plan.result.reads
    plan.key = cache_key(plan.inputs, reads)
    record = {
        "chapter": plan.chapter.name,
        "key": plan.key,
        "inputs": plan.inputs,
        "reads": reads,
        "output_sha256": sha256_file(plan.output),
        "seconds": round(plan.result.seconds, 2),
    }
    if plan.extra:  # e.g. the batch spec and run a batch record belongs to
        record["extra"] = plan.extra
    plan.record.parent.mkdir(parents=True, exist_ok=True)
    tmp = plan.record.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True, default=str), encoding="utf-8")
    tmp.replace(plan.record)


def _check_no_solutions(paths: ProjectPaths, progress=print) -> None:
    """Fail closed: a student site holding any solution text is removed, never published."""
    import shutil

    from imtrade.assignments.editions import edition_leaks

    leaks = edition_leaks(paths.site, chapters(paths))
    if leaks:
        shutil.rmtree(paths.site, ignore_errors=True)
        (paths.build / "cache" / "site.json").unlink(missing_ok=True)
        raise BuildError(
            f"the student edition still shows solution text in {len(leaks)} place(s); it was removed:\n  "
            + "\n  ".join(leaks[:20]),
            fix="report this as a bug (the solutions of the chapters above are not removed completely)",
        )
    progress("student edition: no solution text in any built file")


@dataclass
class BuildReport:
    plans: list[ChapterPlan]
    site_built: bool
    site_seconds: float
    warnings: list[str]
    seconds: float


def execute_plans(plans: list[ChapterPlan], jobs: int, paths: ProjectPaths, progress=print) -> None:
    """Run the stale plans in a process pool; failures are collected on the plans."""
    stale = [p for p in plans if p.stale]
    if stale:
        with warm_kernels(paths.build / "logs" / "kernel-server.log"):  # imports paid once, not per chapter
            _execute_stale(stale, jobs, paths, progress)


def _execute_stale(stale: list[ChapterPlan], jobs: int, paths: ProjectPaths, progress) -> None:
    failed_dir = paths.build / "failed"
    if jobs <= 1 or len(stale) == 1:
        for plan in stale:
            try:
                plan.result = _execute(
                    plan.chapter.name, plan.params, str(plan.output), str(failed_dir), str(plan.chapter.path)
                )
                write_record(plan)
                progress(f"  executed {plan.chapter.name} in {plan.result.seconds:.1f} s")
            except ImtradeError as exc:
                plan.error = str(exc)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(stale))) as pool:
        futures = {
            pool.submit(_execute, p.chapter.name, p.params, str(p.output), str(failed_dir), str(p.chapter.path)): p
            for p in stale
        }
        try:
            for future in as_completed(futures):
                plan = futures[future]
                try:
                    plan.result = future.result()
                    write_record(plan)
                    progress(f"  executed {plan.chapter.name} in {plan.result.seconds:.1f} s")
                except ImtradeError as exc:
                    plan.error = str(exc)
        except KeyboardInterrupt:
            stop_pool(pool)
            raise


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a process pool at once (Ctrl-C): its workers are terminated, not waited for.

    Each worker gets the terminal's SIGINT too, but a pool worker reports the interrupt as the
    result of its chapter and then takes the next chapter already queued to it and runs it to
    the end: shutting down without terminating waited for whole chapters (over a minute).
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with suppress(OSError):
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


LOCK_FILE = ".build.lock"
_HELD: dict[Path, int] = {}  # locks this process holds (publish builds inside its own lock)


@contextmanager
def build_lock(paths: ProjectPaths):
    """Hold ``_build/.build.lock`` (an ``flock``, released when the process ends, even by
    ``kill -9``); a second build of the same folder is refused while the first runs."""
    import fcntl

    lock = (paths.build / LOCK_FILE).absolute()
    if lock in _HELD:
        _HELD[lock] += 1
        try:
            yield
        finally:
            _HELD[lock] -= 1
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise BuildError(
            f"another `imtrade build` or `imtrade publish` (pid {holder}) is using {paths.build}",
            fix="wait for it to finish and run the command again (two builds of one folder would corrupt it)",
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _HELD[lock] = 1
        yield
    finally:
        _HELD.pop(lock, None)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def build(
    *, jobs: int = 2, force: bool = False, strict: bool = False, progress=print, edition: str = "instructor"
) -> BuildReport:
    """Execute stale chapters and (re)build the site; see the module docstring.

    ``edition="student"`` builds the book without solutions into ``_build/student/`` (own
    stage, cache and site): the chapters' solutions are removed from their sources before
    execution (:mod:`imtrade.assignments.editions`), and the built site is searched for any
    solution text before the build reports success. Only one build of a folder runs at a time
    (:func:`build_lock`).
    """
    with build_lock(edition_paths(edition, project())):
        return _build(jobs=jobs, force=force, strict=strict, progress=progress, edition=edition)


def _build(*, jobs: int, force: bool, strict: bool, progress, edition: str) -> BuildReport:
    from imtrade.batch.site import stage_batches
    from imtrade.book.execute import clean_scratch
    from imtrade.book.pages import GENERATED_PAGES, write_generated_pages
    from imtrade.book.site import build_site, prune_stage, stage_digest, sync_sources

    paths = edition_paths(edition, project())
    start = time.perf_counter()
    load_catalog()  # a malformed catalog fails here, before any work
    overrides = book_parameters(paths)
    unknown = set(overrides) - {c.name for c in chapters(paths)}
    if unknown:
        raise BuildError(f"book_params.yml names unknown chapter(s): {', '.join(sorted(unknown))}")
    env = environment_digest(paths)
    clean_scratch(paths)  # what an interrupted or killed build left
    book_chapters = chapters(paths)
    if edition == "student":
        from imtrade.assignments.editions import student_chapter

        book_chapters = [student_chapter(c, paths.build / "sources" / "chapters") for c in book_chapters]
    plans = [
        plan_chapter(c, overrides.get(c.name, {}), env, paths) for c in book_chapters
    ]  # validates every parameter first
    for plan in plans:
        if force:
            plan.stale, plan.reason = True, "forced"
        progress(f"{plan.chapter.name:20} {'run' if plan.stale else 'skip'}: {plan.reason}")
    if any(p.stale for p in plans):  # the site will change: Sphinx imports while the chapters run
        warm_site.prestart(warm_site.site_env())
    execute_plans(plans, jobs, paths, progress)
    failures = [p for p in plans if p.error]
    if failures:
        raise BuildError(
            f"{len(failures)} chapter(s) failed; the site was not rebuilt:\n" + "\n".join(p.error for p in failures),
            fix=(
                "fix the chapter or its parameters and run `imtrade "
                "build` again (finished chapters are kept in the cache)"
            ),
        )
    stage = sync_sources(paths)
    strays = prune_stage(stage, {p.output for p in plans} | {stage / page for page in GENERATED_PAGES}, paths)
    if strays:
        progress(f"removed {len(strays)} file(s) the build did not write from the stage: {', '.join(strays[:5])}")
    write_generated_pages(stage, plans, paths)
    if edition == "instructor":  # batch runs keep their solutions: never in the student edition
        stage_batches(stage, paths)  # built batch runs with a `site` section (e.g. country briefs)
    digest = hashlib.sha256(
        f"{stage_digest(stage)}|{env}".encode()
    ).hexdigest()  # sources + code (e.g. the Sphinx extension)
    toc_digest = hashlib.sha256((stage / "_toc.yml").read_bytes()).hexdigest()
    site_record = paths.build / "cache" / "site.json"
    previous = json.loads(site_record.read_text()) if site_record.is_file() else {}
    site_built, site_seconds, warnings = False, 0.0, []
    if (
        force
        or strays  # the published site may hold their pages
        or previous.get("stage_digest") != digest
        or previous.get("strict") != strict
        or not paths.site.is_dir()
    ):
        # Sphinx rebuilds only changed pages; when our code (e.g. the Sphinx extension) or the
        # environment changed, every page must be written again, and also when the table of
        # contents changed (e.g. briefs added): Sphinx would leave the other pages' sidebars stale.
        # --strict must see the warnings of every page, not only of those Sphinx rewrites.
        everything = (
            force or strict or bool(strays) or previous.get("environment") != env or previous.get("toc") != toc_digest
        )
        result = build_site(strict=strict, paths=paths, all_pages=everything)
        site_built, site_seconds, warnings = True, result.seconds, result.warnings
        site_record.parent.mkdir(parents=True, exist_ok=True)
        site_record.write_text(
            json.dumps({"stage_digest": digest, "strict": strict, "environment": env, "toc": toc_digest}),
            encoding="utf-8",
        )
        progress(
            f"site built in {site_seconds:.1f} s ({result.pages} pages, {len(warnings)} warning(s)) -> {paths.site}"
        )
        if edition == "student":
            _check_no_solutions(paths, progress)
    else:
        progress(f"site up to date -> {paths.site}")
    return BuildReport(plans, site_built, site_seconds, warnings, time.perf_counter() - start)
