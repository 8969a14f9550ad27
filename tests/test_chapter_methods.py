"""Appendix "Methods": the size/power table, its parameter checks, and the page's execution."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_chapter

from imtrade import stats
from imtrade.chapters import methods as ch
from imtrade.exceptions import ParameterError

DEFAULTS = dict(reps=40, boot_reps=99, lengths=[30, 55], rhos=[0.0, 0.5, 0.9], slope_change=-0.6, seed=1)


def test_size_power_table_is_the_rejection_rates_of_each_design():
    table = ch.size_power_table([30], [0.5], -0.6, reps=10, boot_reps=19, seed=3)
    assert table["case"].tolist() == ["size (no break)", "power (break)"]
    assert table[["n", "rho", "reps"]].drop_duplicates().values.tolist() == [[30, 0.5, 10]]
    # the power row is rejection_rates on the broken mean, computed by hand here
    years = np.arange(1995, 2025)
    mean = 0.3 * (years - 1995) - 0.6 * np.clip(years - 2008, 0, None)
    direct = stats.rejection_rates(years, mean, 0.5, 2008, candidates=ch.CANDIDATES, reps=10, boot_reps=19, seed=3)
    power = table.iloc[1]
    assert (power["textbook_f"], power["bootstrap_chow"], power["bootstrap_sup_f"]) == (
        direct["classical"],
        direct["chow"],
        direct["sup_f"],
    )
    assert table["mc_se_at_5pct"].iloc[0] == pytest.approx((0.05 * 0.95 / 10) ** 0.5)


@pytest.mark.parametrize(
    "change,match",
    [
        (dict(reps=5), "reps"),
        (dict(boot_reps=19), "boot_reps"),
        (dict(lengths=[10]), "lengths"),
        (dict(rhos=[0.99]), "rhos"),
        (dict(rhos=[]), "at least one"),
    ],
)
def test_check_parameters_refuses_bad_designs(change, match):
    ch.check_parameters(DEFAULTS)
    with pytest.raises(ParameterError, match=match):
        ch.check_parameters(DEFAULTS | change)


def test_figure_builds():
    table = ch.size_power_table([30], [0.0, 0.5], -0.6, reps=10, boot_reps=19, seed=3)
    fig = ch.figure_rejection_rates(table)
    assert len(fig.axes) == 2 and all(ax.get_xlabel() for ax in fig.axes)
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.slow
def test_methods_page_runs(tmp_path):
    run = run_chapter("methods", tmp_path, reps=10, boot_reps=39, lengths=[30], rhos=[0.0, 0.9])
    assert not run.errors and run.figures == 1
    assert run.values["mc_reps"] == "10"
