"""Speed figures of the data layer and the book pipeline (`make bench`). Prints, never asserts.

Targets (from the project's issues, the latest being issue 19), each printed next to its
measurement:
  profile: where each chapter's seconds go (kernel start, imports, data load, claims checks,
  glue and tables, figure rendering, the rest of its compute, PNG re-encoding, papermill), in
  a fresh and in a warm (forked) kernel, and the import time of each library.
  data layer: warm-cache load of one chapter's 30 indicators <= 0.15 s; parsing all
  indicators of a WDI vintage cold <= 15 s on 2 cores; a no-op fetch <= 2 s.
  pipeline: clean full build (data fetched) <= 60 s and >= 2x faster than jupyter-book's
  own serial `execute_notebooks: force`; no-op rebuild <= 1 s; rebuild after one chapter's
  parameter change <= that chapter's run time + 1.5 s; page transfer size <= 1 MiB.
  batch: 192 country briefs (`make briefs`) with 2 workers <= 400 s; 20 briefs with 2 local
  workers >= 1.7x faster than with 1; warm kernels against fresh ones; a 2-worker Dask
  LocalCluster at most 15 % slower than the 2-worker local pool (per-run median time and peak
  memory per worker printed).

The machine may be shared: every section prints the load average, wall-clock figures are
medians of --repeats runs where a run is short, and CPU seconds are printed beside them.
Builds run in temporary copies of the book (the published _build/html is never touched)
and read the project's fetched data through IMTRADE_DATA_DIR. Results are also written to
_build/bench/results.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imtrade.paths import CHAPTER_ENV, DATA_DIR_ENV, ROOT_ENV

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IMTRADE = str(BIN / "imtrade")
results: dict[str, object] = {}


LAST_OUTPUT = {"stdout": "", "cpu": 0.0}


def timed(cmd: list[str], *, env: dict | None = None, cwd: Path | None = None, check: bool = True) -> float:
    """Wall seconds of ``cmd``; its output and CPU seconds (with its children) in LAST_OUTPUT."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_OUTPUT["stdout"] = proc.stdout
    LAST_OUTPUT["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if check and proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPU(s)"


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(name: str, value: float, unit: str, target: str) -> None:
    results[name] = {"value": round(value, 3), "unit": unit, "target": target}
    print(f"  {name:58} {value:9.2f} {unit:5} (target {target})")


def copy_book(dest: Path) -> Path:
    """A copy of the committed book sources (git ls-files) plus the vendored MathJax."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    shutil.copytree(ROOT / "_vendor", dest / "_vendor")
    return dest


# ---------------------------------------------------------------------------------------


def bench_data(repeats: int) -> None:
    print(f"data layer ({load()})")
    env = {ROOT_ENV: str(ROOT)}
    report(
        "no-op fetch (imtrade fetch, all datasets), median",
        median([timed([IMTRADE, "fetch"], env=env) for _ in range(repeats)]),
        "s",
        "<= 2 s",
    )

    codes = chapter_indicator_codes()
    snippet = (
        "import time, json, sys\nfrom imtrade.api import load_indicators\n"
        f"codes = {codes!r}\nstart, cpu = time.perf_counter(), time.process_time()\nload_indicators(codes)\n"
        "print(time.perf_counter() - start, time.process_time() - cpu)"
    )
    load_times, load_cpu = [], []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", snippet], env={**os.environ, **env}, capture_output=True, text=True, check=True
        )
        wall, cpu = map(float, out.stdout.strip().splitlines()[-1].split())
        load_times.append(wall)
        load_cpu.append(cpu)
    report(f"warm-cache load of one chapter's {len(codes)} indicators, median", median(load_times), "s", "<= 0.15 s")
    report("  its CPU seconds, median", median(load_cpu), "s", "reference")

    cold = []
    for _ in range(max(1, repeats // 2)):
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = Path(tmp)
            (data_dir / "raw").symlink_to(ROOT / "data" / "raw")
            cold.append(
                timed(
                    [IMTRADE, "data", "cache", "--vintage", "2026-07-01", "--jobs", "2"],
                    env={**env, DATA_DIR_ENV: str(data_dir)},
                )
            )
    report(
        "cold parse of every file of WDI 2026-07-01 (+ other datasets), 2 jobs, median", median(cold), "s", "<= 15 s"
    )


def chapter_indicator_codes() -> list[str]:
    """The indicators the chapter that reads most of them loaded in its last build (its record)."""
    best: list[str] = []
    for record in (ROOT / "_build" / "cache").glob("*.json"):
        data = json.loads(record.read_text())
        codes = sorted({r["indicator"] for r in data.get("reads", []) if r.get("indicator")})
        if len(codes) > len(best):
            best = codes
    return best or ["NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS", "NY.GDP.MKTP.CD", "TX.VAL.TECH.CD", "GB.XPD.RSDV.GD.ZS"]


# ---------------------------------------------------------------------------------------


def _build_parts(stdout: str) -> dict[str, float]:
    """Seconds of the chapters executed and of the site, from `imtrade build`'s progress lines."""
    import re

    chapters = {m.group(1): float(m.group(2)) for m in re.finditer(r"executed (\S+) in ([\d.]+) s", stdout)}
    site = re.search(r"site built in ([\d.]+) s", stdout)
    return {"chapters": chapters, "site": float(site.group(1)) if site else 0.0}


def bench_build(repeats: int) -> None:
    print(f"book pipeline ({load()})")
    with tempfile.TemporaryDirectory() as tmp:
        book = copy_book(Path(tmp) / "book")
        env = {ROOT_ENV: str(book), DATA_DIR_ENV: str(ROOT / "data")}
        clean = timed([IMTRADE, "build", "--jobs", "2"], env=env, cwd=book)
        clean_cpu, parts = LAST_OUTPUT["cpu"], _build_parts(LAST_OUTPUT["stdout"])
        report("clean full build, 2 jobs (data fetched)", clean, "s", "<= 60 s")
        report("  its CPU seconds (all processes)", clean_cpu, "s", "reference")
        report("  its site build (jupyter-book + publish)", parts["site"], "s", "reference")
        for name, seconds in sorted(parts["chapters"].items(), key=lambda kv: -kv[1]):
            report(f"  chapter {name} (2 run at a time)", seconds, "s", "reference")
        noop_runs, noop_cpu = [], []
        for _ in range(repeats):
            noop_runs.append(timed([IMTRADE, "build"], env=env, cwd=book))
            noop_cpu.append(LAST_OUTPUT["cpu"])
        report("no-op rebuild, median", median(noop_runs), "s", "<= 1 s")
        report("  its CPU seconds, median", median(noop_cpu), "s", "reference")

        records = {
            p.stem: json.loads(p.read_text()) for p in (book / "_build" / "cache").glob("*.json") if p.stem != "site"
        }

        def year_parameter(record: dict) -> str | None:
            return next((k for k in record["inputs"]["params"] if k.endswith("start_year")), None)

        records = {name: record for name, record in records.items() if year_parameter(record)}
        if records:  # the fastest chapter with a start year (methods, the fastest, has none)
            name, record = min(records.items(), key=lambda kv: kv[1].get("seconds", 1e9))
            year_param = year_parameter(record)
            if year_param:
                changes = []
                for step in range(1, repeats + 1):  # a new value each time: the chapter must run
                    (book / "book_params.yml").write_text(
                        f"{name}:\n  {year_param}: {record['inputs']['params'][year_param] + step}\n"
                    )
                    wall = timed([IMTRADE, "build", "--jobs", "2"], env=env, cwd=book)
                    parts = _build_parts(LAST_OUTPUT["stdout"])
                    changes.append((wall, parts["chapters"].get(name, 0.0), parts["site"]))
                wall, chapter_seconds, site_seconds = (median([c[i] for c in changes]) for i in range(3))
                report(
                    f"rebuild after changing {name}.{year_param}, median",
                    wall,
                    "s",
                    f"<= {chapter_seconds:.1f} + 1.5 s (its run, median)",
                )
                report("  of which the site build (jupyter-book + publish)", site_seconds, "s", "reference")
                report(
                    "  of which planning, staging, start-up", wall - chapter_seconds - site_seconds, "s", "reference"
                )
                (book / "book_params.yml").unlink()

        baseline_source = Path(tmp) / "baseline"
        shutil.copytree(
            book / "_build" / "stage", baseline_source, ignore=shutil.ignore_patterns("_build", "*.ipynb", "tables")
        )
        for chapter in (book / "chapters").glob("*.md"):
            shutil.copy(chapter, baseline_source / "chapters" / chapter.name)
        config = (baseline_source / "_config.yml").read_text()
        config = config.replace('execute_notebooks: "off"', 'execute_notebooks: "force"\n  timeout: 1200')
        (baseline_source / "_config.yml").write_text(config)
        jb = str(BIN / "jupyter-book")
        baseline = timed([jb, "build", str(baseline_source)], env={**env, CHAPTER_ENV: "baseline"}, check=False)
        report("baseline: jupyter-book execute_notebooks=force (serial), clean", baseline, "s", "reference")
        report("speed-up of imtrade build over the baseline", baseline / clean, "x", ">= 2x")


# ---------------------------------------------------------------------------------------

BRIEFS_SPEC = ROOT / "specs" / "country_briefs.yml"


def _batch_config(name: str, args: list[str], out: Path, env: dict, runs: int) -> dict[str, object]:
    """Run the first ``runs`` briefs into a fresh folder (nothing skipped); read its summary."""
    import csv

    limit = ["--limit", str(runs)] if runs else []
    wall = timed([IMTRADE, "batch", str(BRIEFS_SPEC), *limit, "--out", str(out), *args], env=env, cwd=ROOT)
    cpu = LAST_OUTPUT["cpu"]
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ok = [r for r in rows if r["status"] == "ok"]
    if len(ok) != len(rows):
        raise SystemExit(f"{name}: {len(rows) - len(ok)} of {len(rows)} briefs did not run: see {out}/summary.csv")
    workers: dict[str, tuple[float, float]] = {}
    for r in ok:
        own, kernel = workers.get(r["worker"], (0.0, 0.0))
        workers[r["worker"]] = (max(own, float(r["worker_peak_mb"] or 0)), max(kernel, float(r["kernel_peak_mb"] or 0)))
    return {
        "wall": wall,
        "cpu": cpu,
        "runs": len(ok),
        "median_run": median([float(r["seconds"]) for r in ok]),
        "workers": workers,
    }


def bench_briefs() -> None:
    """Every country brief of specs/country_briefs.yml (`make briefs`), 2 local workers, warm kernels."""
    print(f"country briefs, the whole spec ({load()})")
    env = {ROOT_ENV: str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        m = _batch_config("briefs", ["--jobs", "2"], Path(tmp) / "briefs", env, 0)
    report(f"{m['runs']} country briefs, 2 local workers: wall time", m["wall"], "s", "<= 400 s")
    report("  throughput", m["runs"] / m["wall"] * 60, "/min", ">= 28.8 /min (192 in 400 s)")
    report("  median time per brief", m["median_run"], "s", "<= 4.2 s (2 workers, 192 in 400 s)")
    report("  CPU seconds per brief (all processes)", m["cpu"] / m["runs"], "s", "reference")


def bench_batch(runs: int) -> None:
    """Throughput of ``runs`` country briefs: 1 and 2 local workers, and a 2-worker Dask LocalCluster."""
    print(f"batch runs ({runs} country briefs; {load()})")
    env = {ROOT_ENV: str(ROOT)}
    os.environ[ROOT_ENV] = str(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        timed(
            [IMTRADE, "batch", str(BRIEFS_SPEC), "--limit", "1", "--out", str(base / "warm-up"), "--jobs", "1"],
            env=env,
            cwd=ROOT,
        )
        measured = {
            "1 local worker": _batch_config("1 local worker", ["--jobs", "1"], base / "local-1", env, runs),
            "2 local workers": _batch_config("2 local workers", ["--jobs", "2"], base / "local-2", env, runs),
            "2 local workers, fresh kernels": _batch_config(
                "fresh kernels", ["--jobs", "2"], base / "fresh-2", {**env, "IMTRADE_WARM_KERNELS": "0"}, runs
            ),
        }
        from distributed import LocalCluster

        # an existing cluster: its start-up is not part of the batch's time
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster:
            measured["Dask LocalCluster, 2 workers"] = _batch_config(
                "Dask", ["--scheduler", cluster.scheduler_address], base / "dask-2", env, runs
            )
    for name, m in measured.items():
        report(f"{name}: wall time for {runs} briefs", m["wall"], "s", "reference")
        report(f"{name}: throughput", runs / m["wall"] * 60, "/min", "reference")
        report(f"{name}: median time per brief", m["median_run"], "s", "reference")
        for worker, (own, kernel) in sorted(m["workers"].items()):
            report(
                f"{name}: peak memory of worker {worker}", own, "MB", f"reference; its largest kernel {kernel:.0f} MB"
            )
    one, two, dask = (
        measured[k]["wall"] for k in ("1 local worker", "2 local workers", "Dask LocalCluster, 2 workers")
    )
    report("speed-up of 2 local workers over 1", one / two, "x", ">= 1.7x")
    fresh = measured["2 local workers, fresh kernels"]["wall"]
    report("speed-up of warm kernels over fresh ones, 2 workers", fresh / two, "x", "reference")
    report("Dask overhead over the 2-worker local pool", 100 * (dask / two - 1), "%", "<= 15 %")


# ---------------------------------------------------------------------------------------
# Profile: where each chapter's seconds go

# Injected as the first and last code cells of a copy of the chapter (profiling runs only):
# time by category, exclusive (a data load inside a claims check counts as data).
PROBE_START = """
import builtins as _pb, json as _pj, resource as _pr, sys as _ps, time as _pt
_PROBE_MODULES = set(_ps.modules)
_PROBE_CPU0 = sum(_pr.getrusage(_pr.RUSAGE_SELF)[:2])
_PROBE = {"imports": 0.0, "data load": 0.0, "claims checks": 0.0, "glue and tables": 0.0, "figure rendering": 0.0}
_PROBE_STACK = []
_PROBE_T0 = _pt.perf_counter()
def _probe(category, fn):
    def timed(*args, **kwargs):
        now = _pt.perf_counter()
        if _PROBE_STACK:
            _PROBE[_PROBE_STACK[-1][0]] += now - _PROBE_STACK[-1][1]
        _PROBE_STACK.append([category, now])
        try:
            return fn(*args, **kwargs)
        finally:
            end = _pt.perf_counter()
            cat, start = _PROBE_STACK.pop()
            _PROBE[cat] += end - start
            if _PROBE_STACK:
                _PROBE_STACK[-1][1] = end
    return timed
_pb.__import__ = _probe("imports", _pb.__import__)
import imtrade.claims as _p1, imtrade.data.curated as _p2, imtrade.data.load as _p3, imtrade.show.tables as _p4
import matplotlib.backend_bases as _p5
for _pm, _pnames, _pcat in (
    (_p3, ("load_indicators", "load_entities", "indicator_metadata"), "data load"),
    (_p2, ("load_curated",), "data load"),
    (_p1, ("verdict_table", "load_register", "run_audit"), "claims checks"),
    (_p4, ("glue_number", "glue_text", "save_table", "show_table"), "glue and tables"),
):
    for _pn in _pnames:
        setattr(_pm, _pn, _probe(_pcat, getattr(_pm, _pn)))
_p5.FigureCanvasBase.print_figure = _probe("figure rendering", _p5.FigureCanvasBase.print_figure)
"""
PROBE_END = """
_ru = _pr.getrusage(_pr.RUSAGE_SELF)
_pnew = sorted({m.split(".")[0] for m in set(_ps.modules) - _PROBE_MODULES})
print("IMTRADE_PROBE", _pj.dumps({**_PROBE, "cells": _pt.perf_counter() - _PROBE_T0, "start_cpu": _PROBE_CPU0,
      "kernel_cpu": _ru.ru_utime + _ru.ru_stime, "kernel_peak_mb": _ru.ru_maxrss / 1024, "new_packages": _pnew}))
"""


def _probed_source(text: str) -> str:
    """The chapter's MyST text with the probe cells added after the front matter and at the end."""
    cell = "```{{code-cell}} ipython3\n:tags: [remove-cell]\n{}\n```\n"
    end = text.index("\n---\n", 4) + 5
    return text[:end] + "\n" + cell.format(PROBE_START.strip()) + text[end:] + "\n" + cell.format(PROBE_END.strip())


def _cell_label(cell) -> str:
    lines = [ln.strip() for ln in cell.source.splitlines() if ln.strip() and not ln.startswith(":")]
    comment = next((ln.lstrip("# ") for ln in lines if ln.startswith("#")), None)
    return (comment or (lines[0] if lines else "(empty)"))[:70]


def profile_chapter(name: str, *, warm: bool, tmp: Path) -> dict[str, object]:
    """Execute a probed copy of chapter ``name`` once; where its seconds went."""
    import copy
    from dataclasses import replace

    import imtrade.book.execute as execute
    from imtrade.book.kernels import SERVER_ENV
    from imtrade.book.toc import chapter

    ch = chapter(name)
    tmp.mkdir(parents=True, exist_ok=True)
    probed = tmp / f"{name}.md"
    probed.write_text(_probed_source(ch.source), encoding="utf-8")
    params = ch.resolve({})
    seen: dict[str, object] = {"png": 0.0}
    original_normalise, original_png = execute.normalise_notebook, execute.compress_png

    def normalise(nb, chapter_, params_):
        seen["nb"] = copy.deepcopy(nb)
        start = time.perf_counter()
        try:
            return original_normalise(nb, chapter_, params_)
        finally:
            seen["normalise"] = time.perf_counter() - start

    def png(data):
        start = time.perf_counter()
        try:
            return original_png(data)
        finally:
            seen["png"] += time.perf_counter() - start

    execute.normalise_notebook, execute.compress_png = normalise, png
    if bool(os.environ.get(SERVER_ENV)) != warm:
        raise RuntimeError("profile_chapter(warm=True) runs inside warm_kernels(), warm=False outside")
    try:
        out = tmp / ("warm" if warm else "fresh") / f"{name}.ipynb"
        start = time.perf_counter()
        result = execute.execute_chapter(replace(ch, path=probed), params, out, cwd=out.parent)
        wall = time.perf_counter() - start
    finally:
        execute.normalise_notebook, execute.compress_png = original_normalise, original_png
    nb = seen["nb"]
    probe: dict = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stdout" and "IMTRADE_PROBE" in output.get("text", ""):
                probe = json.loads(output["text"].split("IMTRADE_PROBE", 1)[1])
    from datetime import datetime

    started = datetime.fromisoformat(nb.metadata["papermill"]["start_time"])
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    first = datetime.fromisoformat(code_cells[0].metadata["papermill"]["start_time"])
    steps = [
        (_cell_label(c), float(c.metadata["papermill"].get("duration") or 0.0))
        for c in code_cells[1:-1]  # not the probe cells
    ]
    cells = probe.get("cells", sum(d for _, d in steps))
    categories = {k: probe.get(k, 0.0) for k in ("imports", "data load", "claims checks", "glue and tables")}
    categories["figure rendering"] = probe.get("figure rendering", 0.0)
    categories["compute (the rest of the cells)"] = max(0.0, cells - sum(categories.values()))
    return {
        "wall": wall,
        "kernel start": (first - started).total_seconds(),
        **categories,
        "PNG re-encoding (after the run)": seen["png"],
        "other post-processing": seen.get("normalise", 0.0) - seen["png"],
        "papermill and nbclient": wall - (first - started).total_seconds() - cells - seen.get("normalise", 0.0),
        "kernel CPU before the first cell": probe.get("start_cpu", float("nan")),
        "kernel CPU in the cells": probe.get("kernel_cpu", float("nan")) - probe.get("start_cpu", float("nan")),
        "kernel peak MB": probe.get("kernel_peak_mb", float("nan")),
        "steps": steps,
        "new_packages": probe.get("new_packages", []),
        "executed": result.seconds,
    }


def import_profile() -> list[tuple[str, float]]:
    """Cumulative import time of each library a kernel imports (``python -X importtime``, in
    the order of the warm-kernel list, each counted once: what is already imported costs 0)."""
    from imtrade.book.kernels import WARM_MODULES

    code = "\n".join(f"import {m}" for m in WARM_MODULES)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    top: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if name.startswith("  "):  # nested: counted in its importer
            continue
        package = name.strip().split(".")[0]
        try:
            top[package] = top.get(package, 0.0) + int(cumulative) / 1e6
        except ValueError:  # the header line
            continue
    return sorted(top.items(), key=lambda kv: -kv[1])


def bench_profile(names: list[str] | None) -> None:
    from imtrade.book.toc import chapters

    print(f"profile: where each chapter's seconds go (wall seconds unless CPU; {load()})")
    os.environ[ROOT_ENV] = str(ROOT)
    names = names or [c.name for c in chapters()]
    profiles: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        from imtrade.book.kernels import warm_kernels

        for name in names:
            profiles[name] = {"fresh": profile_chapter(name, warm=False, tmp=Path(tmp))}
        with warm_kernels():
            profile_chapter(names[0], warm=True, tmp=Path(tmp) / "warm-up")  # the server's imports
            for name in names:
                profiles[name]["warm"] = profile_chapter(name, warm=True, tmp=Path(tmp))
    rows = [k for k in profiles[names[0]]["fresh"] if k not in ("steps", "executed", "new_packages")]
    print(f"  {'':36}" + "".join(f"{n[:15]:>16}" for n in names))
    for kind in ("fresh", "warm"):
        print(f"  {kind} kernel")
        for row in rows:
            cells = "".join(f"{profiles[n][kind][row]:16.2f}" for n in names)
            print(f"    {row:34}{cells}")
    print("  analysis steps (cells) of at least 0.2 s, fresh kernel:")
    for name in names:
        steps = [(label, d) for label, d in profiles[name]["fresh"]["steps"] if d >= 0.2]
        print(f"    {name}: " + "; ".join(f"{label} {d:.1f} s" for label, d in steps))
    print("  packages a warm kernel still imported itself (not warmed by the server):")
    for name in names:
        print(f"    {name}: {', '.join(profiles[name]['warm']['new_packages']) or '-'}")
    imports = import_profile()
    print("  imports of a kernel (python -X importtime, cumulative, each library once):")
    print("    " + ", ".join(f"{pkg} {sec:.2f} s" for pkg, sec in imports if sec >= 0.02))
    results["profile"] = {
        n: {k: {r: v for r, v in p.items()} for k, p in kinds.items()} for n, kinds in profiles.items()
    }
    results["profile imports"] = dict(imports)


# ---------------------------------------------------------------------------------------

COMPRESSIBLE = (".html", ".css", ".js", ".svg", ".json", ".txt")


def bench_pages() -> None:
    print("page weight (each page with every asset it loads; gzip as a web server would send text)")
    site = ROOT / "_build" / "html"
    if not site.is_dir():
        print("  (no built site: run `make book` first)")
        return
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("  (Chromium not installed: page weight not measured)")
        return
    import functools
    import http.server
    import socketserver
    import threading

    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    pages = sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.relative_to(site).parts[0] not in ("_static", "_sources")
    )
    weights = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        for path in pages:
            page = browser.new_page()
            bodies: dict[str, bytes] = {}

            def keep(response, bodies=bodies):
                try:
                    bodies[response.url] = response.body()
                except Exception:
                    bodies[response.url] = b""

            page.on("response", keep)
            page.goto(f"{base}/{path}", wait_until="networkidle")
            page.close()
            raw = sum(len(b) for b in bodies.values())
            sent = sum(
                len(gzip.compress(b, 6)) if url.split("?")[0].endswith(COMPRESSIBLE) else len(b)
                for url, b in bodies.items()
            )
            weights[path] = (raw, sent)
        browser.close()
    httpd.shutdown()
    httpd.server_close()
    for path, (raw, sent) in weights.items():
        results[f"page {path}"] = {
            "raw_KiB": round(raw / 1024),
            "gzip_KiB": round(sent / 1024),
            "target": "<= 1024 KiB",
        }
        print(
            f"  {path:44} {sent / 1024:7.0f} KiB transferred (gzip)  "
            f"{raw / 1024:7.0f} KiB uncompressed  (target <= 1024 KiB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="repetitions for medians")
    parser.add_argument("--only", choices=["profile", "data", "build", "pages", "batch", "briefs"], action="append")
    parser.add_argument("--chapter", action="append", help="chapters to profile (default: every chapter)")
    parser.add_argument("--briefs", type=int, default=20, help="country briefs per batch configuration")
    args = parser.parse_args()
    parts = args.only or ["profile", "data", "build", "pages", "batch", "briefs"]
    print(f"imtrade benchmark on {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")
    if "profile" in parts:
        bench_profile(args.chapter)
    if "data" in parts:
        bench_data(args.repeats)
    if "build" in parts:
        bench_build(args.repeats)
    if "pages" in parts:
        bench_pages()
    if "batch" in parts:
        bench_batch(args.briefs)
    if "briefs" in parts:
        bench_briefs()
    out = ROOT / "_build" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
