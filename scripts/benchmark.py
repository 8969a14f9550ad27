"""Speed figures of the data layer and the book pipeline (`make bench`). Prints, never asserts.

Targets (from the project's issues), each printed next to its measurement:
  data layer: warm-cache load of one chapter's indicators <= 0.3 s; parsing all indicators
  of a WDI vintage cold <= 15 s on 2 cores; a no-op fetch <= 2 s.
  pipeline: clean full build (data fetched) <= 60 s and >= 2x faster than jupyter-book's
  own serial `execute_notebooks: force`; no-op rebuild <= 2 s; rebuild after one chapter's
  parameter change <= that chapter's run time + 3 s; page transfer size <= 1 MiB.
  batch: 20 country briefs with 2 local workers >= 1.7x faster than with 1; a 2-worker Dask
  LocalCluster at most 15 % slower than the 2-worker local pool (per-run median time and peak
  memory per worker printed).

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


def timed(cmd: list[str], *, env: dict | None = None, cwd: Path | None = None, check: bool = True) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds


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
    print("data layer")
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
        f"codes = {codes!r}\nstart = time.perf_counter()\nload_indicators(codes)\nprint(time.perf_counter() - start)"
    )
    load_times = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", snippet], env={**os.environ, **env}, capture_output=True, text=True, check=True
        )
        load_times.append(float(out.stdout.strip().splitlines()[-1]))
    report(f"warm-cache load of one chapter's {len(codes)} indicators, median", median(load_times), "s", "<= 0.3 s")

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


def bench_build(repeats: int) -> None:
    print("book pipeline")
    with tempfile.TemporaryDirectory() as tmp:
        book = copy_book(Path(tmp) / "book")
        env = {ROOT_ENV: str(book), DATA_DIR_ENV: str(ROOT / "data")}
        clean = timed([IMTRADE, "build", "--jobs", "2"], env=env, cwd=book)
        report("clean full build, 2 jobs (data fetched)", clean, "s", "<= 60 s")
        noop = median([timed([IMTRADE, "build"], env=env, cwd=book) for _ in range(repeats)])
        report("no-op rebuild, median", noop, "s", "<= 2 s")

        records = {
            p.stem: json.loads(p.read_text()) for p in (book / "_build" / "cache").glob("*.json") if p.stem != "site"
        }
        if records:
            name, record = min(records.items(), key=lambda kv: kv[1].get("seconds", 1e9))
            from imtrade.book.params import parse_parameters_cell  # noqa: F401  (same environment)

            year_param = next((k for k, v in record["inputs"]["params"].items() if k.endswith("start_year")), None)
            if year_param:
                (book / "book_params.yml").write_text(
                    f"{name}:\n  {year_param}: {record['inputs']['params'][year_param] + 1}\n"
                )
                changed = timed([IMTRADE, "build", "--jobs", "2"], env=env, cwd=book)
                chapter_seconds = json.loads((book / "_build" / "cache" / f"{name}.json").read_text())["seconds"]
                report(f"rebuild after changing {name}.{year_param}", changed, "s", f"<= {chapter_seconds:.1f} + 3 s")

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

    wall = timed(
        [IMTRADE, "batch", str(BRIEFS_SPEC), "--limit", str(runs), "--out", str(out), *args], env=env, cwd=ROOT
    )
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ok = [r for r in rows if r["status"] == "ok"]
    if len(ok) != runs:
        raise SystemExit(f"{name}: {runs - len(ok)} of {runs} briefs did not run: see {out}/summary.csv")
    workers: dict[str, tuple[float, float]] = {}
    for r in ok:
        own, kernel = workers.get(r["worker"], (0.0, 0.0))
        workers[r["worker"]] = (max(own, float(r["worker_peak_mb"] or 0)), max(kernel, float(r["kernel_peak_mb"] or 0)))
    return {"wall": wall, "median_run": median([float(r["seconds"]) for r in ok]), "workers": workers}


def bench_batch(runs: int) -> None:
    """Throughput of ``runs`` country briefs: 1 and 2 local workers, and a 2-worker Dask LocalCluster."""
    print(f"batch runs ({runs} country briefs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s))")
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
    report("Dask overhead over the 2-worker local pool", 100 * (dask / two - 1), "%", "<= 15 %")


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
    parser.add_argument("--only", choices=["data", "build", "pages", "batch"], action="append")
    parser.add_argument("--briefs", type=int, default=20, help="country briefs per batch configuration")
    args = parser.parse_args()
    parts = args.only or ["data", "build", "pages", "batch"]
    print(f"imtrade benchmark on {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")
    if "data" in parts:
        bench_data(args.repeats)
    if "build" in parts:
        bench_build(args.repeats)
    if "pages" in parts:
        bench_pages()
    if "batch" in parts:
        bench_batch(args.briefs)
    out = ROOT / "_build" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
