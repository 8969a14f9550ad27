"""Warm kernels (imtrade.book.kernels): forked kernels give what fresh kernels give, and no
notebook can affect the next one.

Small notebooks here are written in this file and executed through the real papermill path
(:func:`imtrade.book.execute.execute_chapter`); the last test runs two chapters of the book
and two country briefs both ways and compares every byte (slow, needs the data mirror).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from conftest import ROOT

from imtrade.book.execute import execute_chapter
from imtrade.book.kernels import DISABLE_ENV, SERVER_ENV, KernelServer, warm_kernels
from imtrade.book.toc import Chapter
from imtrade.exceptions import ChapterExecutionError

HEADER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---

# Probe

```{code-cell} ipython3
:tags: [parameters]

label: str = "x"  # a parameter
```
"""

# What a notebook can observe of its process: it must be the same in a forked and a fresh kernel.
OBSERVE = """
```{code-cell} ipython3
import os, sys
import numpy as np
import matplotlib as mpl
import matplotlib.pyplot as plt
from imtrade.show.figures import apply_theme
apply_theme()
print(label, sorted(k for k in globals() if not k.startswith("_")))
print("cwd", os.path.basename(os.getcwd()), "argv", [os.path.basename(a) for a in sys.argv[:2]])
print("path has cwd:", "" in sys.path, "hash seed", os.environ.get("PYTHONHASHSEED"), hash("imtrade"))
print("backend", mpl.get_backend(), "linewidth", mpl.rcParams["lines.linewidth"], "figures", plt.get_fignums())
print("pandas sum", __import__("pandas").DataFrame.sum.__name__, "chapter", os.environ.get("IMTRADE_CHAPTER"))
print("stderr too", file=sys.stderr)
```

```{code-cell} ipython3
rng = np.random.default_rng(7)
fig, ax = plt.subplots()
ax.plot(rng.normal(size=50).cumsum(), label="walk")
ax.legend();
```
"""

POISON = """
```{code-cell} ipython3
import os, sys, json
import numpy as np
import pandas as pd
import matplotlib as mpl
import matplotlib.pyplot as plt
pd.DataFrame.sum = lambda self, *a, **k: "poisoned"   # monkey-patch a library
mpl.rcParams["lines.linewidth"] = 9.0                  # change global plotting state
plt.figure()                                           # leave a figure open
np.random.seed(1)
os.environ["PYTHONHASHSEED"] = "42"
os.chdir("/")
sys.path.insert(0, "/nonexistent")
builtins_open = open
__builtins__.open = None
```

```{code-cell} ipython3
raise RuntimeError("this notebook fails after poisoning its process")
```
"""


def chapter_file(tmp_path: Path, name: str, body: str) -> Chapter:
    path = tmp_path / "src" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + body, encoding="utf-8")
    return Chapter(name, path, f"chapters/{name}")


def run(ch: Chapter, out: Path, **params) -> bytes:
    """Execute ``ch`` into ``out`` (in a folder named "run", so that every run sees the same cwd name)."""
    out = out.parent / "run" / out.name
    out.parent.mkdir(parents=True, exist_ok=True)
    execute_chapter(ch, {"label": "x", **params}, out, cwd=out.parent, log_path=out.with_suffix(".log"))
    return out.read_bytes()


def fell_back(log: Path) -> bool:
    log = log.parent / "run" / log.name
    return "imtrade warm kernels:" in log.read_text(encoding="utf-8")


@pytest.fixture
def project_root(monkeypatch):
    monkeypatch.setenv("IMTRADE_ROOT", str(ROOT))
    monkeypatch.delenv(SERVER_ENV, raising=False)
    monkeypatch.delenv(DISABLE_ENV, raising=False)


@pytest.mark.slow
def test_forked_kernel_output_is_byte_identical_and_poison_does_not_spread(tmp_path, project_root):
    observe = chapter_file(tmp_path, "observe", OBSERVE)
    poison = chapter_file(tmp_path, "poison", POISON)
    fresh = run(observe, tmp_path / "fresh" / "observe.ipynb")
    with warm_kernels() as server:
        assert server is not None and os.environ[SERVER_ENV] == server.address
        first = run(observe, tmp_path / "warm" / "observe.ipynb")
        with pytest.raises(ChapterExecutionError, match="fails after poisoning"):
            run(poison, tmp_path / "warm" / "poison.ipynb")
        after = run(observe, tmp_path / "warm2" / "observe.ipynb")
    assert not fell_back(tmp_path / "warm" / "observe.log") and not fell_back(tmp_path / "warm2" / "observe.log")
    assert b"image/png" in fresh and b"stderr too" in fresh and b"pandas sum sum" in fresh
    assert first == fresh
    assert after == fresh
    assert SERVER_ENV not in os.environ and not Path(server.address).exists()


@pytest.mark.slow
def test_a_dead_kernel_or_an_interrupted_cell_leaves_the_server_serving(tmp_path, project_root):
    observe = chapter_file(tmp_path, "observe", OBSERVE)
    dies = chapter_file(tmp_path, "dies", "\n```{code-cell} ipython3\nimport os\nos._exit(3)\n```\n")
    hangs = chapter_file(tmp_path, "hangs", "\n```{code-cell} ipython3\nimport time\ntime.sleep(600)\n```\n")
    fresh = run(observe, tmp_path / "fresh" / "observe.ipynb")
    with warm_kernels() as server:
        with pytest.raises(Exception, match=r"(?i)dead|died"):
            run(dies, tmp_path / "warm" / "dies.ipynb")
        start = time.monotonic()
        with pytest.raises(Exception, match=r"(?i)timed? ?out"):
            out = tmp_path / "warm" / "hangs.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            execute_chapter(hangs, {"label": "x"}, out, cwd=out.parent, timeout=3, log_path=out.with_suffix(".log"))
        assert time.monotonic() - start < 60  # interrupted through the relay, not left to sleep
        assert server.process.poll() is None
        assert run(observe, tmp_path / "warm" / "observe.ipynb") == fresh
    assert server.process is None


@pytest.mark.slow
def test_without_a_usable_server_kernels_start_fresh(tmp_path, project_root, monkeypatch):
    observe = chapter_file(tmp_path, "observe", OBSERVE)
    fresh = run(observe, tmp_path / "fresh" / "observe.ipynb")
    with warm_kernels():
        # an environment the server was not started with: refused, so a fresh kernel runs (a value
        # unlike the current one: CI machines may set OMP_NUM_THREADS=1 themselves)
        monkeypatch.setenv("OMP_NUM_THREADS", "3" if os.environ.get("OMP_NUM_THREADS") != "3" else "2")
        assert run(observe, tmp_path / "other-env" / "observe.ipynb") == fresh
        assert "environment differs from the server's in OMP_NUM_THREADS" in (
            tmp_path / "other-env" / "run" / "observe.log"
        ).read_text(encoding="utf-8")
        monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setenv(DISABLE_ENV, "0")
    with warm_kernels() as server:
        assert server is None and SERVER_ENV not in os.environ
    monkeypatch.delenv(DISABLE_ENV)
    server = KernelServer().start()
    monkeypatch.setenv(SERVER_ENV, server.address)
    os.kill(server.process.pid, signal.SIGKILL)  # the server died: its socket is still there
    server.process.wait()
    assert run(observe, tmp_path / "no-server" / "observe.ipynb") == fresh
    assert fell_back(tmp_path / "no-server" / "observe.log")
    server.close()


# ---------------------------------------------------------------------------------------
# The book: two chapters and two country briefs, fresh and warm, through build and batch


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".ipynb", ".csv") and p.name != "summary.csv"  # summary: times, pids
    }


@pytest.mark.slow
@pytest.mark.mirror
def test_book_chapters_and_briefs_are_byte_identical_with_warm_kernels(tmp_path, mirror, monkeypatch):
    from imtrade.batch.run import run_batch
    from imtrade.batch.spec import load_spec
    from imtrade.book.build import environment_digest, execute_plans, plan_chapter
    from imtrade.book.toc import chapter
    from imtrade.paths import project

    monkeypatch.setenv("IMTRADE_ROOT", str(ROOT))
    monkeypatch.delenv(SERVER_ENV, raising=False)
    spec_file = tmp_path / "briefs.yml"
    spec_file.write_text(
        "name: two_briefs\ntitle: Two briefs\ngrid:\n  chapter: country_brief\n"
        "  params: {vintage: '2026-07-01'}\n  vary:\n    country: [KOR, MEX]\n",
        encoding="utf-8",
    )
    paths = project()
    env = environment_digest(paths)
    results = {}
    for kind in ("fresh", "warm"):
        monkeypatch.setenv(DISABLE_ENV, "0" if kind == "fresh" else "1")
        folder = tmp_path / kind
        plans = [
            plan_chapter(
                chapter(name),
                {},
                env,
                paths,
                output=folder / "chapters" / f"{name}.ipynb",
                record=folder / f"{name}.json",
            )
            for name in ("trade_patterns", "china_roadmap")
        ]
        execute_plans(plans, 2, paths, progress=lambda _: None)
        assert [p.error for p in plans] == [None, None]
        report = run_batch(load_spec(spec_file), jobs=2, out=folder / "briefs", progress=False)
        assert report.count("ok") == 2
        logs = "".join(p.read_text(encoding="utf-8") for p in (folder / "briefs" / "logs").glob("*.log"))
        assert "imtrade warm kernels:" not in logs  # every warm run was forked, none fell back
        results[kind] = outputs(folder)
    assert len(results["fresh"]) >= 6  # 2 chapters + 2 briefs + their tables
    assert results["warm"].keys() == results["fresh"].keys()
    different = [name for name in results["fresh"] if results["warm"][name] != results["fresh"][name]]
    assert different == []


def test_stream_chunks_are_merged_whatever_the_timing():
    from imtrade.book.execute import merge_streams

    def out(name, text):
        return {"output_type": "stream", "name": name, "text": text}

    chunks = [out("stdout", "a\n"), out("stdout", "b\n"), out("stderr", "w\n"), out("stdout", "c\n")]
    shown = {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}
    merged = merge_streams([*chunks, shown, out("stdout", "d\n"), out("stdout", "e\n")])
    assert merged == [
        out("stdout", "a\nb\nc\n"),  # a warning before, between or after the prints: the same notebook
        out("stderr", "w\n"),
        shown,
        out("stdout", "d\ne\n"),
    ]
    # issue 20: one cell's output arrived as one, two or three chunks depending on timing
    timings = [
        [out("stdout", "x\ny\n")],
        [out("stdout", "x\n"), out("stdout", "y\n")],
        [out("stdout", "x\n"), out("stdout", ""), out("stdout", "y\n")],
        [out("stdout", ["x\n", "y\n"])],
    ]
    assert all(merge_streams(chunked) == [out("stdout", "x\ny\n")] for chunked in timings)
    warned = [[out("stderr", "w\n"), out("stdout", "x\n")], [out("stdout", "x\n"), out("stderr", "w\n")]]
    assert merge_streams(warned[0]) == merge_streams(warned[1]) == [out("stdout", "x\n"), out("stderr", "w\n")]
