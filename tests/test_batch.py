"""``imtrade batch`` on a small sample book: local pool, Dask LocalCluster, cache, failures, specs, site.

The sample book (one small chapter) lives in a temporary directory and reads the real
project's fetched data through IMTRADE_DATA_DIR, as in test_build.py: every test drives the
real CLI, cache keys, papermill executor and, for the site, the real jupyter-book build.
Glued values compared below are WDI 2026-07-01 exports (% of GDP) in 2008, read from the
mirror's datahub file indicators/ne.exp.gnfs.zs/data.csv (WLD 30.69 is also test_build's).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, sample_book

from imtrade.paths import ROOT_ENV

SAMPLE_CHAPTER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---

# Sample chapter

```{code-cell} ipython3
:tags: [parameters]

country: str = "WLD"  # entity shown
year: int = 2008  # year of the glued value
fail: bool = False  # raise an error on purpose
```

```{code-cell} ipython3
:tags: [remove-cell]

from imtrade.data.load import load_indicators
from imtrade.show.tables import glue_number, glue_text, save_table
if fail:
    raise RuntimeError("failing on purpose")
data = load_indicators(["NE.EXP.GNFS.ZS"], countries=[country], years=(year, year))
glue_number("value", data["value"].iloc[0], "{:.2f}")
glue_text("name", country)
save_table(data, "sample.csv")
```

(sec-sample)=
## Exports

Exports of {glue:md}`name` were {glue:md}`value` % of GDP ({download}`CSV <tables/sample.csv>`); see {ref}`sec-sample`.

```{exercise}
:label: sample-ex-1
What share of GDP did exports reach?
```
"""

TOC = """format: jb-book
root: intro
parts:
  - caption: Chapters
    chapters:
      - file: chapters/sample
"""

GRID = """name: sample_batch
title: Sample batch
grid:
  chapter: sample
  params: {year: 2008}
  vary:
    country: [WLD, USA, CHN]
"""
EXPECTED = {"WLD": "30.69", "USA": "12.43", "CHN": "32.09"}  # NE.EXP.GNFS.ZS 2008, WDI 2026-07-01


@pytest.fixture
def book(tmp_path, monkeypatch, mirror) -> Path:
    """A sample book in tmp_path reading the real project's (fetched) data."""
    from imtrade.data.fetch import fetch

    monkeypatch.setenv(ROOT_ENV, str(ROOT))
    fetch(["wdi"], vintage="2026-07-01", mirror=mirror)
    root = sample_book(tmp_path, monkeypatch, SAMPLE_CHAPTER, TOC)
    (root / "specs").mkdir()
    (root / "specs" / "grid.yml").write_text(GRID, encoding="utf-8")
    return root


def batch(*args: str):
    from imtrade.cli import main

    return CliRunner().invoke(main, ["batch", *args])


def summary(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
@pytest.mark.mirror
def test_local_pool_names_outputs_from_parameters_limits_and_skips_on_rerun(book):
    from imtrade.book.notebooks import errors, glued

    out = book / "_build" / "batch" / "sample_batch"
    result = batch("specs/grid.yml", "--jobs", "2", "--limit", "2")
    assert result.exit_code == 0, result.output
    rows = summary(out / "summary.csv")
    assert [(r["parameters"], r["status"]) for r in rows] == [
        ('{"country": "WLD", "year": 2008}', "ok"),
        ('{"country": "USA", "year": 2008}', "ok"),
    ]
    assert list(rows[0]) == [
        "chapter",
        "parameters",
        "status",
        "seconds",
        "output",
        "error",
        "worker",
        "worker_peak_mb",
        "kernel_peak_mb",
    ]
    assert rows[0]["output"] == "_build/batch/sample_batch/sample-WLD-2008.ipynb" and float(rows[0]["seconds"]) > 0
    assert not (out / "sample-CHN-2008.ipynb").exists()  # --limit 2

    result = batch("specs/grid.yml", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in summary(out / "summary.csv")] == ["skipped", "skipped", "ok"]
    assert "skipped      2" in result.output and "ok           1" in result.output
    for iso3, value in EXPECTED.items():
        notebook = out / f"sample-{iso3}-2008.ipynb"
        assert glued(notebook) == {"value": value, "name": iso3} and errors(notebook) == []
        assert (
            iso3 in (out / "files" / f"sample-{iso3}-2008" / "tables" / "sample.csv").read_text()
        )  # each run keeps its files
        record = json.loads((out / f"sample-{iso3}-2008.json").read_text())
        assert record["extra"] == {"batch": "sample_batch", "given": {"country": iso3, "year": 2008}}
        assert any(
            r["path"] == "indicators/ne.exp.gnfs.zs/data.csv" for r in record["reads"]
        )  # the build's cache key inputs

    result = batch("specs/grid.yml")
    assert result.exit_code == 0 and [r["status"] for r in summary(out / "summary.csv")] == ["skipped"] * 3
    (book / "specs" / "grid.yml").write_text(GRID.replace("{year: 2008}", "{year: 2009}"), encoding="utf-8")
    result = batch("specs/grid.yml", "--limit", "1", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert glued(out / "sample-WLD-2009.ipynb")["value"] != EXPECTED["WLD"]  # a new parameter set is a new run


@pytest.mark.slow
@pytest.mark.mirror
def test_dask_local_cluster_runs_the_same_function(book):
    from distributed import LocalCluster

    from imtrade.book.notebooks import glued

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        result = batch("specs/grid.yml", "--scheduler", cluster.scheduler_address, "--out", "dask-out")
        assert result.exit_code == 0, result.output
        workers = set(
            cluster.workers_addresses
            if hasattr(cluster, "workers_addresses")
            else [w.worker_address for w in cluster.workers.values()]
        )
    rows = summary(book / "dask-out" / "summary.csv")
    assert [r["status"] for r in rows] == ["ok"] * 3
    assert {r["worker"] for r in rows} <= workers and all(r["worker"].startswith("tcp://127.0.0.1:") for r in rows)
    assert f"Dask cluster {cluster.scheduler_address}, 2 worker(s)" in result.output and "peak memory" in result.output
    for iso3, value in EXPECTED.items():
        assert glued(book / "dask-out" / f"sample-{iso3}-2008.ipynb")["value"] == value
    # the same run through the local path gives the same notebook, byte for byte
    assert batch("specs/grid.yml", "--limit", "1", "--jobs", "1", "--out", "local-out").exit_code == 0
    assert (book / "local-out" / "sample-WLD-2008.ipynb").read_bytes() == (
        book / "dask-out" / "sample-WLD-2008.ipynb"
    ).read_bytes()


@pytest.mark.slow
@pytest.mark.mirror
def test_failures_stop_the_batch_or_are_collected_with_continue_on_error(book):
    spec = book / "specs" / "fails.yml"
    spec.write_text(
        "name: fails\nruns:\n"
        "  - {chapter: sample, params: {fail: true}}\n"
        "  - {chapter: sample, params: {country: USA}}\n"
        "  - {chapter: sample, params: {country: CHN}}\n",
        encoding="utf-8",
    )
    out = book / "_build" / "batch" / "fails"
    result = batch(str(spec), "--jobs", "1")
    assert result.exit_code == 1
    assert "sample fail=true" in result.output and "RuntimeError: failing on purpose" in result.output
    assert (
        "stopped at the first failure; 2 run(s) not started" in result.output and "--continue-on-error" in result.output
    )
    assert [r["status"] for r in summary(out / "summary.csv")] == ["failed", "not run", "not run"]
    assert (out / "failed" / "sample-fail.ipynb").is_file() and not (out / "sample-USA.ipynb").exists()

    result = batch(str(spec), "--jobs", "2", "--continue-on-error")
    assert result.exit_code == 1
    assert "1 of 3 run(s) failed" in result.output and "RuntimeError: failing on purpose" in result.output
    rows = summary(out / "summary.csv")
    assert [r["status"] for r in rows] == ["failed", "ok", "ok"]
    assert (
        "RuntimeError: failing on purpose" in rows[0]["error"]
        and rows[0]["output"] == "_build/batch/fails/failed/sample-fail.ipynb"
    )
    assert (out / "logs" / "sample-fail.log").is_file()
    assert "retrying" not in result.output  # a notebook failing in its own code is never run again


BAD_SPECS = [
    ("runs:\n  - chapter: nosuch\n", ["line 2 (runs[0].chapter): no chapter 'nosuch'"]),
    (
        "runs:\n  - chapter: sample\n    params: {yaer: 2008}\n",
        ["line 3 (runs[0].params.yaer): chapter 'sample' has no parameter 'yaer' (did you mean 'year'?)"],
    ),
    (
        "runs:\n  - chapter: sample\n    params:\n      year: abc\n",
        ["line 4 (runs[0].params.year): parameter 'year' must be a whole number, got 'abc'"],
    ),
    (
        "grid:\n  chapter: sample\n  vary:\n    country: []\n",
        ["line 4 (grid.vary.country): the grid is empty: no values for 'country'"],
    ),
    ("grid:\n  chapter: sample\n  vary: [country]\n", ["line 3 (grid.vary): 'vary' must map at least one parameter"]),
    (
        "grid:\n  chapter: sample\n  params: {year: 2008}\n  vary:\n    year: [2009]\n",
        ["line 5 (grid.vary.year): parameter 'year' is both fixed"],
    ),
    (
        "grid:\n  chapter: sample\n  vary:\n    country: {from: os:system}\n",
        ["line 4 (grid.vary.country.from): 'os:system' is neither a built-in generator"],
    ),
    (  # issue 20: any imtrade.* function was callable (this one recursed until RecursionError)
        'grid:\n  chapter: sample\n  vary:\n    country: {from: "imtrade.cli:main"}\n',
        [
            "line 4 (grid.vary.country.from): 'imtrade.cli:main' is neither a built-in generator (economies) "
            "nor a generator a chapter"
        ],
    ),
    (
        'grid:\n  chapter: sample\n  vary:\n    country: {from: "imtrade.chapters.country_brief:load_panel"}\n',
        ["imtrade.chapters.country_brief declares the generator(s) economies_with_data only"],
    ),
    (
        "grid:\n  chapter: sample\n  vary:\n    country: WLD\n",
        ["line 4 (grid.vary.country): the values of 'country' must be a list"],
    ),
    ("name: sample\ncolour: blue\n", ["line 2 (colour): unknown key 'colour'", "the spec lists no runs"]),
    (
        "runs:\n  - {chapter: sample, params: {year: 2008}}\n  - {chapter: sample, params: {year: 2008.0}}\n",
        ["line 3 (runs[1]): duplicate run sample year=2008 (also at line 2 (runs[0]))"],
    ),
    ("runs: [\n", ["line 2: not valid YAML"]),
    (
        "grid:\n  chapter: sample\n  vary:\n    country: [WLD, XXX]\n",
        ["line 1 (grid): run sample country=XXX: unknown economy 'XXX'"],
    ),
]


@pytest.mark.mirror
@pytest.mark.parametrize(("text", "expected"), BAD_SPECS)
def test_spec_errors_name_the_line_and_run_nothing(book, monkeypatch, text, expected):
    from imtrade.book.toc import Chapter
    from imtrade.exceptions import ParameterError

    def semantic_check(self):  # what a chapter's check_parameters does (e.g. imtrade.book.params.check_countries)
        def check(values):
            if values["country"] not in ("WLD", "USA", "CHN"):
                raise ParameterError(f"unknown economy {values['country']!r}")

        return check

    monkeypatch.setattr(Chapter, "semantic_check", semantic_check)
    spec = book / "specs" / "bad.yml"
    spec.write_text(text, encoding="utf-8")
    result = batch(str(spec))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in expected:
        assert fragment in result.output, result.output
    assert not (book / "_build" / "batch").exists()


@pytest.mark.slow
@pytest.mark.mirror
def test_book_includes_built_runs_with_a_sortable_index(book):
    from imtrade.book.build import build
    from imtrade.book.site import check_links

    spec = book / "specs" / "grid.yml"
    site = (
        "site:\n  caption: Samples\n  title: Sample pages\n  intro: One page per entity.\n"
        '  page_title: "Sample: {name}"\n  columns: {name: Entity, value: "Exports, % of GDP"}\n'
    )
    spec.write_text(GRID + site, encoding="utf-8")
    report = build(jobs=1, strict=True, progress=lambda m: None)
    assert (
        report.warnings == [] and not (book / "_build" / "html" / "batch").exists()
    )  # nothing built yet: book unchanged

    assert batch(str(spec), "--limit", "2").exit_code == 0
    report = build(jobs=1, strict=True, progress=lambda m: None)
    assert report.warnings == []  # labels of the runs are unique per page
    html_dir = book / "_build" / "html" / "batch" / "sample_batch"
    index = (html_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="sample-WLD-2008.html"' in index and 'href="sample-USA-2008.html"' in index
    assert 'data-sort="30.69"' in index and "imtrade-sortable" in index and "<script>" in index
    assert "Sample: USA" in (html_dir / "sample-USA-2008.html").read_text(encoding="utf-8")
    assert (html_dir / "sample-USA-2008.html").is_file() and check_links(book / "_build" / "html") == []
    usa = (html_dir / "sample-USA-2008.html").read_text(encoding="utf-8")
    download = re.search(r'href="([^"]*sample\.csv)"', usa).group(1)
    assert "USA" in (html_dir / download).read_text()  # the page links its own run's table
    toc = (book / "_build" / "stage" / "_toc.yml").read_text(encoding="utf-8")
    assert "caption: Samples" in toc and "batch/sample_batch/sample-WLD-2008" in toc


def test_relabel_makes_labels_unique_and_sets_the_title(tmp_path):
    import nbformat

    from imtrade.batch.site import PublishedBatch, PublishedRun, index_page, relabel, relink

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Country brief\n\n(claims-brief)=\n## Claims\nSee {numref}`fig-brief-open` and {ref}`claims-brief`."
        ),
        nbformat.v4.new_code_cell(
            "plot()", metadata={"mystnb": {"figure": {"name": "fig-brief-open", "caption": "x"}}}
        ),
        nbformat.v4.new_markdown_cell("```{exercise}\n:label: brief-ex-1\n```\n```{solution-start} brief-ex-1\n```"),
    ]
    relabel(nb, "KOR", "Korea, Rep.")
    assert (
        nb.cells[0].source == "# Korea, Rep.\n\n(claims-brief-KOR)=\n## Claims\n"
        "See {numref}`fig-brief-open-KOR` and {ref}`claims-brief-KOR`."
    )
    assert len(nb.cells) == 3  # figure numbers are per page now ("Figure 6.4.1"): nothing hides them
    assert nb.cells[1].metadata["mystnb"]["figure"]["name"] == "fig-brief-open-KOR"
    assert nb.cells[2].source == "```{exercise}\n:label: brief-ex-1-KOR\n```\n```{solution-start} brief-ex-1-KOR\n```"

    files = tmp_path / "files" / "b-KOR"
    (files / "tables").mkdir(parents=True)
    (files / "tables" / "profile.csv").write_text("x\n", encoding="utf-8")
    nb.cells.append(nbformat.v4.new_markdown_cell("{download}`CSV <tables/profile.csv>` and [other](tables/other.csv)"))
    relink(nb, "b-KOR", files)
    assert nb.cells[-1].source == "{download}`CSV <files/b-KOR/tables/profile.csv>` and [other](tables/other.csv)"

    runs = [
        PublishedRun("b-KOR", Path("b-KOR.ipynb"), {"name": "**Korea**", "trade": "87.5"}),
        PublishedRun("b-ABW", Path("b-ABW.ipynb"), {"name": "Aruba", "trade": "no data"}),
    ]
    page = index_page(
        PublishedBatch("b", {"title": "Briefs", "columns": {"name": "Economy", "trade": "Trade"}}, Path("."), runs),
        {"b-KOR": "Korea", "b-ABW": "Aruba"},
    )
    assert page.startswith("# Briefs\n")
    assert page.index("b-ABW.html") < page.index("b-KOR.html")  # rows in title order
    assert '<td data-sort="87.5" class=num>87.5</td>' in page and '<td data-sort="">no data</td>' in page
    assert "http" not in page  # nothing loaded from elsewhere


@pytest.mark.mirror
def test_a_spec_that_is_not_utf8_is_one_message(book):
    spec = book / "specs" / "latin1.yml"
    spec.write_bytes("title: Exportações\nruns:\n  - chapter: sample\n".encode("latin-1"))
    result = batch(str(spec))
    assert result.exit_code == 2, result.output
    assert "is not UTF-8 text" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------------------------------
# Issue 20: transient failures are retried (bounded), a notebook's own failure never

DIE_ONCE_ENV = "SAMPLE_DIE_ONCE"  # a file: the kernel exits hard when it does not exist yet (and creates it)
DIE_ONCE_CELL = f"""
```{{code-cell}} ipython3
:tags: [remove-cell]

import os, pathlib
if os.environ.get("{DIE_ONCE_ENV}") and not pathlib.Path(os.environ["{DIE_ONCE_ENV}"]).exists():
    pathlib.Path(os.environ["{DIE_ONCE_ENV}"]).touch()
    os._exit(1)
```
"""


@pytest.mark.slow
@pytest.mark.mirror
def test_a_dead_kernel_is_retried_a_bounded_number_of_times(book, tmp_path, monkeypatch):
    chapter = book / "chapters" / "sample.md"
    source = chapter.read_text(encoding="utf-8")
    end = source.index("```", source.index(":tags: [parameters]")) + len("```\n")
    chapter.write_text(source[:end] + DIE_ONCE_CELL + source[end:], encoding="utf-8")
    marker = tmp_path / "died-once"
    monkeypatch.setenv(DIE_ONCE_ENV, str(marker))
    result = batch("specs/grid.yml", "--limit", "1", "--jobs", "1", "--retries", "0")
    assert result.exit_code == 1, result.output
    assert "died" in result.output and "retrying" not in result.output and "Traceback" not in result.output
    marker.unlink()
    result = batch("specs/grid.yml", "--limit", "1", "--jobs", "1")  # default: one retry
    assert result.exit_code == 0, result.output
    assert "retrying sample-WLD-2008 (attempt 2 of 2)" in result.output and marker.exists()
    assert [r["status"] for r in summary(book / "_build" / "batch" / "sample_batch" / "summary.csv")] == ["ok"]


def die_once(request):
    """A worker's function for the executor test: the worker process dies the first time."""
    import os
    from pathlib import Path

    from imtrade.batch.run import RunOutcome

    marker = Path(request.source)
    if not marker.exists():
        marker.touch()
        os._exit(1)
    return RunOutcome(request.stem, ok=True, seconds=0.0)


def test_a_dead_worker_process_is_replaced_and_its_run_retried(tmp_path):
    from imtrade.batch.run import LocalExecutor, RunRequest

    retried = []
    requests = [RunRequest("sample", "chapters/sample", str(tmp_path / "marker"), {}, f"run-{i}") for i in range(3)]
    executor = LocalExecutor(2, retries=1, on_retry=lambda r, o: retried.append((r.stem, o.error)), function=die_once)
    try:
        outcomes = list(executor.run(requests))
    finally:
        executor.close()
    assert sorted(o.stem for o in outcomes) == ["run-0", "run-1", "run-2"] and all(o.ok for o in outcomes)
    assert retried and all("worker process running it died" in error for _, error in retried)
    executor = LocalExecutor(2, retries=0, function=die_once)
    (tmp_path / "marker").unlink()
    try:
        outcomes = list(executor.run(requests[:1]))
    finally:
        executor.close()
    assert [(o.ok, o.transient) for o in outcomes] == [(False, True)] and "died" in outcomes[0].error
