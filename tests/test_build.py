"""The book pipeline on a small sample book: run, build cache, failures, determinism, interrupts.

The sample book is copied to a temporary directory (its own _toc.yml, one chapter) and reads
the real project's fetched data through IMTRADE_DATA_DIR, so every test exercises the real
executor, cache keys, jupyter-book build and atomic publish.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, sample_book

from imtrade.paths import DATA_DIR_ENV, ROOT_ENV

pytestmark = [pytest.mark.slow, pytest.mark.mirror]

SAMPLE_CHAPTER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---

# Sample chapter

```{code-cell} ipython3
:tags: [parameters]

countries: list[str] = ["WLD"]  # entities shown
year: int = 2008  # year of the glued value
fail: bool = False  # raise an error on purpose
label: str = "exports"  # a text parameter
```

```{code-cell} ipython3
:tags: [remove-cell]

from imtrade.data.load import load_indicators
from imtrade.show.figures import apply_theme
from imtrade.show.tables import glue_number, glue_text
apply_theme()
if fail:
    raise RuntimeError("failing on purpose")
data = load_indicators(["NE.EXP.GNFS.ZS"], countries=countries, years=(1990, 2020))
value = data.loc[data["year"] == year, "value"].iloc[0]
glue_number("value", value, "{:.2f}")
glue_text("label", label)
```

World {glue:md}`label` were {glue:md}`value` % of GDP.

```{code-cell} ipython3
:tags: [hide-input]
:mystnb:
:  figure:
:    caption: Exports, % of GDP.
:    name: fig-sample
:  image:
:    alt: A line chart.

import matplotlib.pyplot as plt
fig, ax = plt.subplots()
for code, rows in data.groupby("iso3"):
    ax.plot(rows["year"], rows["value"], label=code)
ax.set_ylabel("% of GDP")
plt.show()
```
"""

TOC = """format: jb-book
root: intro
chapters:
  - file: chapters/sample
"""


@pytest.fixture
def book(tmp_path, monkeypatch, mirror) -> Path:
    """A sample book in tmp_path reading the real project's (fetched) data."""
    from imtrade.data.fetch import fetch

    monkeypatch.setenv(ROOT_ENV, str(ROOT))
    fetch(["wdi", "wb-bulk", "gapminder", "un-sdg"], vintage=None, mirror=mirror)
    root = sample_book(tmp_path, monkeypatch, SAMPLE_CHAPTER, TOC)
    return root


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(file.relative_to(folder).as_posix().encode())
        h.update(file.read_bytes())
    return h.hexdigest()


def run_build(**kwargs):
    from imtrade.book.build import build

    messages: list[str] = []
    report = build(progress=messages.append, **kwargs)
    return report, messages


def test_build_executes_publishes_then_skips_everything(book):
    from imtrade.book.notebooks import glued

    report, messages = run_build(jobs=1)
    assert report.site_built and (book / "_build" / "html" / "chapters" / "sample.html").is_file()
    executed = book / "_build" / "stage" / "chapters" / "sample.ipynb"
    assert glued(executed) == {"value": "30.69", "label": "exports"}  # WDI 2026-07-01, WLD 2008
    record = json.loads((book / "_build" / "cache" / "sample.json").read_text())
    assert {r["dataset"] for r in record["reads"]} >= {"wdi"}
    assert any(r["path"] == "indicators/ne.exp.gnfs.zs/data.csv" for r in record["reads"])

    report, messages = run_build(jobs=1)
    assert not report.site_built
    assert any("skip: up to date" in m for m in messages)
    assert report.seconds < 5  # the benchmark measures this properly; here only "no work done"


def test_parameter_change_reruns_only_that_chapter_and_follows_the_value(book):
    from imtrade.book.notebooks import glued

    run_build(jobs=1)
    (book / "book_params.yml").write_text("sample:\n  year: 2009\n  label: imports\n", encoding="utf-8")
    report, messages = run_build(jobs=1)
    assert any("sample" in m and "params changed" in m for m in messages)
    values = glued(book / "_build" / "stage" / "chapters" / "sample.ipynb")
    assert values["label"] == "imports" and values["value"] != "30.69"
    assert report.site_built


def test_one_changed_chapter_rewrites_its_page_not_the_book(book):
    """Incremental site build: the numbering (Figure 1.1, 2.1) is kept, other pages are not written again."""
    (book / "chapters" / "other.md").write_text(SAMPLE_CHAPTER.replace("# Sample chapter", "# Other chapter"))
    (book / "_toc.yml").write_text(TOC + "  - file: chapters/other\n", encoding="utf-8")
    run_build(jobs=1)
    sphinx_out = book / "_build" / "stage" / "_build" / "html" / "chapters"
    before = {name: (sphinx_out / f"{name}.html").stat().st_mtime_ns for name in ("sample", "other")}
    (book / "book_params.yml").write_text("sample:\n  year: 2009\n", encoding="utf-8")
    report, _ = run_build(jobs=1)
    assert report.site_built
    assert (sphinx_out / "sample.html").stat().st_mtime_ns != before["sample"]
    assert (sphinx_out / "other.html").stat().st_mtime_ns == before["other"]  # not written again
    for name, number in (("sample", "1"), ("other", "2")):
        page = (book / "_build" / "html" / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        assert f'<span class="caption-number">Figure {number}.1 </span>' in page
        assert f'<span class="section-number">{number}. </span>' in page
    # a chapter inserted before `other` renumbers it: its page is written again with the new numbers
    (book / "chapters" / "third.md").write_text(SAMPLE_CHAPTER.replace("# Sample chapter", "# Third chapter"))
    (book / "_toc.yml").write_text(TOC + "  - file: chapters/third\n  - file: chapters/other\n", encoding="utf-8")
    run_build(jobs=1)
    page = (book / "_build" / "html" / "chapters" / "other.html").read_text(encoding="utf-8")
    assert '<span class="caption-number">Figure 3.1 </span>' in page and "Figure 2.1" not in page


def test_changed_data_checksum_makes_the_chapter_stale(book):
    from imtrade.book.build import chapters, environment_digest, plan_chapter
    from imtrade.paths import project

    run_build(jobs=1)
    record_path = book / "_build" / "cache" / "sample.json"
    record = json.loads(record_path.read_text())
    record["reads"][0]["sha256"] = "0" * 64  # as if the file had been different last time
    record_path.write_text(json.dumps(record))
    plan = plan_chapter(chapters()[0], {}, environment_digest(), project())
    assert plan.stale and plan.reason.startswith("data changed")


def test_failing_chapter_is_reported_by_cell_and_leaves_the_site_intact(book):
    from imtrade.exceptions import BuildError

    run_build(jobs=1)
    site = book / "_build" / "html"
    before = tree_digest(site)
    (book / "book_params.yml").write_text("sample:\n  fail: true\n", encoding="utf-8")
    with pytest.raises(BuildError) as info:
        run_build(jobs=1)
    message = str(info.value)
    assert "chapter 'sample' failed in code cell" in message and "RuntimeError: failing on purpose" in message
    assert tree_digest(site) == before
    assert (book / "_build" / "failed" / "sample.ipynb").is_file()


PRINT_CELL = """
```{code-cell} ipython3
:tags: [remove-cell]

import sys, time
print("first line")
sys.stdout.flush()
print("a warning", file=sys.stderr)
sys.stderr.flush()
time.sleep(0.3)  # longer than the kernel's flush interval: the prints arrive as separate chunks
print("second line")
```
"""


def split_streams(folder: Path) -> list[str]:
    """Cells of the notebooks under ``folder`` with more than one output of one stream: their
    number depends on timing, so such a notebook is not the same from one build to the next."""
    from imtrade.book.notebooks import read

    split = []
    for path in sorted(folder.glob("*.ipynb")):
        for index, cell in enumerate(read(path).cells):
            names = [o.get("name") for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
            if len(names) != len(set(names)):
                split.append(f"{path.name} cell {index}: {names}")
    return split


def test_two_clean_builds_give_identical_notebooks_and_figures(book):
    chapter = book / "chapters" / "sample.md"
    source = chapter.read_text(encoding="utf-8")
    end = source.index("```", source.index(":tags: [parameters]")) + len("```\n")
    chapter.write_text(source[:end] + PRINT_CELL + source[end:], encoding="utf-8")
    run_build(jobs=1, force=True)
    assert split_streams(book / "_build" / "stage" / "chapters") == []
    first = tree_digest(book / "_build" / "stage" / "chapters")
    images = tree_digest(book / "_build" / "html" / "_images")
    shutil.rmtree(book / "_build")
    run_build(jobs=1, force=True)
    assert tree_digest(book / "_build" / "stage" / "chapters") == first
    assert tree_digest(book / "_build" / "html" / "_images") == images


def test_published_site_has_no_stale_figures_and_no_broken_links(book):
    from imtrade.book.site import check_links

    run_build(jobs=1)
    (book / "book_params.yml").write_text("sample:\n  countries: [WLD, CHN]\n", encoding="utf-8")
    run_build(jobs=1)
    site = book / "_build" / "html"
    assert len(list((site / "_images").glob("*.png"))) == 1  # the old figure is not published
    assert check_links(site) == []
    root_page = (site / "index.html").read_text(encoding="utf-8")  # a full page: no /favicon.ico 404
    assert '<link rel="icon" href="_static/favicon.svg">' in root_page
    assert "url=intro.html" in root_page and '<a href="intro.html">' in root_page


def test_a_page_added_to_the_toc_appears_in_every_page_sidebar(book):
    run_build(jobs=1)
    (book / "chapters" / "extra.md").write_text("# Extra page\n\nA plain page.\n", encoding="utf-8")
    (book / "_toc.yml").write_text(TOC + "  - file: chapters/extra\n", encoding="utf-8")
    run_build(jobs=1)
    site = book / "_build" / "html"
    assert 'href="extra.html"' in (site / "chapters" / "sample.html").read_text(encoding="utf-8")  # not a stale sidebar


def test_sphinx_failure_leaves_the_published_site_intact(book, monkeypatch):
    from imtrade.book import site as site_module
    from imtrade.exceptions import BuildError

    run_build(jobs=1)
    before = tree_digest(book / "_build" / "html")
    (book / "intro.md").write_text("# Sample book\n\nchanged\n", encoding="utf-8")

    def broken(stage, *, strict, all_pages=False):
        raise BuildError("jupyter-book failed (simulated)")

    monkeypatch.setattr(site_module, "run_jupyter_book", broken)
    with pytest.raises(BuildError, match="simulated"):
        run_build(jobs=1)
    assert tree_digest(book / "_build" / "html") == before


def test_cli_rejects_bad_parameters_before_running(book):
    from imtrade.cli import main

    runner = CliRunner()
    cases = [
        (["run", "sample", "-p", "year", "abc"], "must be a whole number"),
        (["run", "sample", "-p", "x\nimport os", "1"], "not a valid parameter name"),
        (["run", "sample", "-p", "yaer", "2008"], "did you mean 'year'"),
        (["run", "nosuchchapter"], "no chapter 'nosuchchapter'"),
        (["params", "nosuchchapter"], "no chapter 'nosuchchapter'"),
    ]
    for args, expected in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output and "Traceback" not in result.output
    assert not (book / "_build" / "runs").exists()  # nothing was executed


def test_cli_run_writes_the_executed_notebook(book):
    from imtrade.book.notebooks import glued
    from imtrade.cli import main

    out = book / "out" / "sample.ipynb"
    result = CliRunner().invoke(
        main, ["run", "sample", "-p", "year", "2007", "-p", "countries", "WLD,USA", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert glued(out)["value"] != "30.69"


def _default_sigint() -> None:
    """A shell's background job inherits SIGINT ignored (and Python then keeps ignoring it):
    give the child the terminal's default, as for a user pressing Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


STARTED_ENV = "SAMPLE_CHAPTER_STARTED"  # a file the sample chapter creates when it starts running
# a cell placed after the parameters: in the Ctrl-C test the chapter says it runs, then keeps running
SIGNAL_CELL = f"""
```{{code-cell}} ipython3
:tags: [remove-cell]

import os, pathlib, time
if os.environ.get("{STARTED_ENV}"):
    pathlib.Path(os.environ["{STARTED_ENV}"]).touch()
    time.sleep(600)
```
"""


def wait_for(path: Path, proc: subprocess.Popen, timeout: float) -> None:
    """Wait until ``path`` exists (the chapter is executing); fail if the build ends or time runs out."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before the chapter started:\n{proc.communicate()[0]}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"the chapter did not start within {timeout:.0f} s:\n{proc.communicate()[0]}")
        time.sleep(0.1)


def test_ctrl_c_during_a_build_leaves_the_site_intact(book, tmp_path):
    chapter = book / "chapters" / "sample.md"
    source = chapter.read_text(encoding="utf-8")
    parameters_end = source.index("```", source.index(":tags: [parameters]")) + len("```\n")
    chapter.write_text(source[:parameters_end] + SIGNAL_CELL + source[parameters_end:], encoding="utf-8")
    run_build(jobs=1)
    site = book / "_build" / "html"
    before = tree_digest(site)
    started = tmp_path / "chapter-started"
    env = {**os.environ, ROOT_ENV: str(book), DATA_DIR_ENV: str(ROOT / "data"), STARTED_ENV: str(started)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "imtrade.cli", "build", "--force", "--jobs", "1"],
        cwd=book,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )
    wait_for(started, proc, timeout=300)  # generous: a kernel starts slowly on a loaded machine
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does for Ctrl-C: the whole foreground group
    interrupted = time.monotonic()
    output, _ = proc.communicate(timeout=300)
    assert time.monotonic() - interrupted < 30
    assert proc.returncode != 0, output
    assert "Traceback" not in output
    assert tree_digest(site) == before


# ---------------------------------------------------------------------------------------
# Issue 20: nothing the runner writes in passing lives in the Sphinx source folder

LISTING_CELL = """
```{code-cell} ipython3
:tags: [remove-cell]

import json, os, pathlib
pathlib.Path(os.environ["SAMPLE_LISTING"]).write_text(json.dumps(sorted(os.listdir("."))))
```
"""


def test_the_runner_writes_nothing_but_its_output_next_to_it(book, tmp_path, monkeypatch):
    from imtrade.book.execute import execute_chapter
    from imtrade.book.toc import chapter

    source = (book / "chapters" / "sample.md").read_text(encoding="utf-8")
    end = source.index("```", source.index(":tags: [parameters]")) + len("```\n")
    (book / "chapters" / "sample.md").write_text(source[:end] + LISTING_CELL + source[end:], encoding="utf-8")
    listing = tmp_path / "listing.json"
    monkeypatch.setenv("SAMPLE_LISTING", str(listing))
    out = book / "_build" / "stage" / "chapters" / "sample.ipynb"
    ch = chapter("sample")
    execute_chapter(ch, ch.resolve({}), out)
    assert json.loads(listing.read_text()) == []  # while it ran: no scratch notebook or reads log beside it
    assert sorted(p.name for p in out.parent.iterdir()) == ["sample.ipynb"]
    assert list((book / "_build" / "scratch").iterdir()) == []  # its own scratch folder is removed


def test_stray_files_in_the_stage_are_removed_and_never_published(book):
    """As after an interrupted or killed build of the old runner: scratch notebooks beside the chapters."""
    run_build(jobs=1)
    chapters = book / "_build" / "stage" / "chapters"
    executed = (chapters / "sample.ipynb").read_bytes()
    strays = [".sample.4242.out.ipynb", ".sample.4242.in.ipynb", ".sample.4242.reads.jsonl", "oldchapter.ipynb"]
    for name in strays:
        (chapters / name).write_bytes(executed)
    dead_scratch = book / "_build" / "scratch" / "sample.999999999.abc"  # no such process
    dead_scratch.mkdir(parents=True)
    report, messages = run_build(jobs=1)
    assert report.site_built, messages  # not "site up to date"
    assert any("removed 4 file(s)" in m for m in messages), messages
    assert sorted(p.name for p in chapters.iterdir()) == ["sample.ipynb"]
    site = book / "_build" / "html"
    published = [p.relative_to(site).as_posix() for p in site.rglob("*")]
    assert not [p for p in published if "4242" in p or "oldchapter" in p], published
    assert not dead_scratch.exists()
    assert len(report.warnings) == 0, report.warnings


def test_run_refuses_an_output_that_is_not_a_regular_file(book, tmp_path):
    from imtrade.cli import main

    fifo = tmp_path / "pipe.ipynb"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.ipynb"
    folder.mkdir()
    for target in (fifo, folder, Path("/dev/full")):
        result = CliRunner().invoke(main, ["run", "sample", "-o", str(target)])
        assert result.exit_code in (1, 2), result.output
        assert "not a regular file" in result.output or "is a directory" in result.output, result.output
        assert "Traceback" not in result.output
    assert fifo.is_fifo() and folder.is_dir() and Path("/dev/full").is_char_device()
    assert not (book / "_build" / "runs").exists()


def test_run_timeout_is_one_message_and_leaves_no_scratch(book, tmp_path):
    from imtrade.cli import main

    chapter = book / "chapters" / "sample.md"
    source = chapter.read_text(encoding="utf-8")
    end = source.index("```", source.index(":tags: [parameters]")) + len("```\n")
    slow = "\n```{code-cell} ipython3\n:tags: [remove-cell]\n\nimport time\ntime.sleep(30)\n```\n"
    chapter.write_text(source[:end] + slow + source[end:], encoding="utf-8")
    out = tmp_path / "o.ipynb"
    result = CliRunner().invoke(main, ["run", "sample", "--timeout", "2", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "took longer than the 2 s allowed for one cell" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert not out.exists()
    assert list((book / "_build" / "scratch").iterdir()) == []


def test_unreadable_parameter_files_are_one_message(book):
    """Issue 20: a non-UTF-8 `-f` file and a malformed book_params.yml ended in tracebacks."""
    from imtrade.cli import main

    runner = CliRunner()
    latin1 = book / "params.yml"
    latin1.write_bytes("label: exportações\n".encode("latin-1"))
    result = runner.invoke(main, ["run", "sample", "-f", str(latin1)])
    assert result.exit_code == 2, result.output
    assert "is not UTF-8 text" in result.output and "Traceback" not in result.output
    (book / "book_params.yml").write_text("sample:\n  countries: [WLD\n", encoding="utf-8")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 2, result.output
    assert "book_params.yml is not valid YAML (line 3" in result.output and "Traceback" not in result.output
    (book / "book_params.yml").write_bytes(b"sample:\n  label: \xff\xfe\n")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 2 and "is not UTF-8 text" in result.output, result.output
    assert not (book / "_build" / "runs").exists() and not (book / "_build" / "html").exists()


def test_a_full_disk_while_publishing_is_one_message_and_leaves_no_partial_copy(book, monkeypatch):
    import errno

    from imtrade.book import site as site_module
    from imtrade.cli import main

    run_build(jobs=1)
    site = book / "_build" / "html"
    before = tree_digest(site)
    (book / "intro.md").write_text("# Sample book\n\nchanged\n", encoding="utf-8")
    real_copytree, copied = shutil.copytree, []

    def copy2_until_full(src, dst, **kwargs):
        if len(copied) >= 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), dst)
        copied.append(dst)
        return shutil.copy2(src, dst, **kwargs)

    def copytree(src, dst, **kwargs):
        return real_copytree(src, dst, copy_function=copy2_until_full, **kwargs)

    fake_shutil = types.SimpleNamespace(copytree=copytree, rmtree=shutil.rmtree)  # only the site's copies fail
    monkeypatch.setattr(site_module, "shutil", fake_shutil)
    result = CliRunner().invoke(main, ["build", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert "the built site could not be published" in result.output and "no space left" in result.output
    assert "Traceback" not in result.output and len(result.output) < 2000
    assert tree_digest(site) == before
    assert [p.name for p in (book / "_build").iterdir() if p.name.startswith(".html-")] == []


def test_a_second_build_of_the_same_folder_is_refused_while_the_first_runs(book):
    from imtrade.cli import main

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom imtrade.book.build import build_lock\nfrom imtrade.paths import project\n"
            "with build_lock(project()):\n    print('held', flush=True)\n    time.sleep(60)\n",
        ],
        cwd=book,
        env={**os.environ, ROOT_ENV: str(book)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(main, ["build"])
        assert result.exit_code == 1, result.output
        assert f"another `imtrade build` or `imtrade publish` (pid {holder.pid})" in result.output
        assert "Traceback" not in result.output and not (book / "_build" / "html").exists()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    result = CliRunner().invoke(main, ["build", "--jobs", "1"])  # released when its holder died
    assert result.exit_code == 0, result.output


def test_ctrl_c_stops_a_parallel_build_at_once(book, tmp_path):
    """Issue 20: pool workers ran the chapters already queued to them to the end (79 s for the book)."""
    chapter = book / "chapters" / "sample.md"
    source = chapter.read_text(encoding="utf-8")
    end = source.index("```", source.index(":tags: [parameters]")) + len("```\n")
    chapter.write_text(source[:end] + SIGNAL_CELL + source[end:], encoding="utf-8")
    toc = TOC
    for name in ("sample2", "sample3", "sample4"):
        (book / "chapters" / f"{name}.md").write_text(
            chapter.read_text(encoding="utf-8").replace("fig-sample", f"fig-{name}"), encoding="utf-8"
        )
        toc += f"  - file: chapters/{name}\n"
    (book / "_toc.yml").write_text(toc, encoding="utf-8")
    started = tmp_path / "chapter-started"
    env = {**os.environ, ROOT_ENV: str(book), DATA_DIR_ENV: str(ROOT / "data"), STARTED_ENV: str(started)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "imtrade.cli", "build", "--jobs", "2"],
        cwd=book,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )
    wait_for(started, proc, timeout=300)
    os.killpg(proc.pid, signal.SIGINT)
    interrupted = time.monotonic()
    try:
        output, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the build was still running 60 s after Ctrl-C")
    assert time.monotonic() - interrupted < 30, output
    assert proc.returncode == 130 and "interrupted: nothing was published" in output and "Traceback" not in output
    assert not (book / "_build" / "html").exists()
    stage = book / "_build" / "stage" / "chapters"
    assert not stage.exists() or [p.name for p in stage.iterdir()] == []  # no chapter ran on after Ctrl-C
