"""The figure theme: seaborn's look without importing seaborn."""

from __future__ import annotations

import os
import subprocess
import sys

import matplotlib as mpl
import pytest

from imtrade.show.figures import OKABE_ITO, apply_theme


@pytest.fixture
def default_rc():
    saved = mpl.rcParams.copy()
    mpl.rcdefaults()
    yield
    mpl.rcParams.update(saved)


def test_theme_sets_exactly_what_seaborn_would(default_rc):
    seaborn = pytest.importorskip("seaborn")
    apply_theme()
    ours = dict(mpl.rcParams)
    mpl.rcdefaults()
    seaborn.set_theme(style="whitegrid", context="notebook", palette=list(OKABE_ITO), font="DejaVu Sans")
    from imtrade.show.figures import BOOK_RC

    mpl.rcParams.update(BOOK_RC)
    theirs = dict(mpl.rcParams)
    differ = {k: (ours[k], theirs[k]) for k in theirs if ours[k] != theirs[k]}
    # the one documented departure: seaborn's own colour map exists only with seaborn imported
    assert differ == {"image.cmap": ("viridis", "rocket")}


def test_theme_imports_neither_seaborn_nor_scipy():
    code = (
        "import sys; from imtrade.show.figures import apply_theme; apply_theme(); "
        "import matplotlib.pyplot as plt; plt.plot([1, 2]); "
        "print(sorted(m for m in ('seaborn', 'scipy', 'statsmodels') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MPLBACKEND": "agg"},
    )
    assert out.stdout.strip() == "[]"
