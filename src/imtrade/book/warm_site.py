"""A jupyter-book process started while the chapters execute, so that the site build does not
wait for Sphinx and its extensions to be imported (about 2-3 s of CPU).

``imtrade build`` calls :func:`prestart` as soon as it knows that chapters will run (so the
site will most likely be rebuilt): the process imports jupyter-book, Sphinx, the theme and
every extension of ``_config.yml`` on the core the chapters leave idle, then waits for one
line on its standard input: the command line of ``jupyter-book build``. It runs exactly what
the ``jupyter-book`` command would run (its ``main``), with the environment it was started
with, so the site is the same; only the imports happened earlier. :func:`take` hands it to
:func:`imtrade.book.site.run_jupyter_book` when the command's environment matches, and
:func:`discard` (also run at exit) ends it when no site build follows (a failed chapter, an
unchanged site).
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys

from imtrade.book.kernels import DISABLE_ENV  # "0" switches off warm kernels and this alike

# What `jupyter-book build` imports on the way (the config's extensions are imported by
# Sphinx when it loads them; importing them first changes nothing else).
WARM_IMPORTS = (
    "jupyter_book.cli.main",
    "jupyter_book.sphinx",
    "sphinx.application",
    "sphinx.builders.html",
    "myst_nb.sphinx_ext",
    "myst_parser.sphinx_ext.main",
    "sphinx_book_theme",
    "pydata_sphinx_theme",
    "sphinx_design",
    "sphinx_togglebutton",
    "sphinx_copybutton",
    "sphinx_comments",
    "sphinx_external_toc",
    "sphinx_jupyterbook_latex",
    "sphinx_multitoc_numbering",
    "sphinx_thebe",
    "sphinx_exercise",
    "sphinxcontrib.bibtex",
    "imtrade.book.sphinx_ext",
)

_RUNNER = """
import importlib, json, sys
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:  # the build imports it itself and reports any error
        pass
line = sys.stdin.readline()
if not line:
    sys.exit(0)
sys.argv = json.loads(line)
from jupyter_book.cli.main import main
main()
"""

_started: tuple[subprocess.Popen, dict[str, str]] | None = None
atexit.register(lambda: discard())


def prestart(env: dict[str, str]) -> None:
    """Start the process with the environment the site build will use (one at a time; it is
    ended when this process exits if no site build took it)."""
    global _started
    if os.environ.get(DISABLE_ENV, "1") == "0":
        return
    if _started is not None:
        if _started[0].poll() is None and _started[1] == env:
            return
        discard()
    process = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, *WARM_IMPORTS],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C reaches the build, which ends this process
    )
    _started = (process, dict(env))


def take(env: dict[str, str]) -> subprocess.Popen | None:
    """The started process if it is alive and has exactly ``env``; the caller sends the command
    with :func:`run`. Anything else is ended and None returned (run jupyter-book as usual)."""
    global _started
    if _started is None:
        return None
    process, started_env = _started
    _started = None
    if process.poll() is None and started_env == env:
        return process
    _end(process)
    return None


def run(process: subprocess.Popen, cmd: list[str]) -> subprocess.CompletedProcess:
    """Run ``jupyter-book`` with ``cmd`` (its argv) in the started process; wait for it."""
    stdout, stderr = process.communicate(json.dumps(cmd) + "\n")
    return subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)


def discard() -> None:
    """End the started process, if any (no site build follows)."""
    global _started
    if _started is not None:
        _end(_started[0])
        _started = None


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            process.communicate("", timeout=5)  # no command: it exits after its imports
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def site_env() -> dict[str, str]:
    """The environment of every jupyter-book run (fixed hash seed and date: reproducible pages)."""
    return {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "1767225600"}
