"""Options every command checks before doing anything (issue 20): a worker count of 0 is
refused everywhere (it was silently serial outside `batch`), a time limit must be positive."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from imtrade.cli import main


@pytest.mark.parametrize(
    "args",
    [
        ["build", "--jobs", "0"],
        ["publish", "--jobs", "0"],
        ["data", "cache", "--jobs", "0"],
        ["assign", "x", "--roster", "r.csv", "--out", "o", "--jobs", "0"],
        ["grade", "s", "--keys", "k", "--jobs", "0"],
        ["batch", "spec.yml", "--jobs", "0"],
        ["run", "x", "--timeout", "0"],
        ["run", "x", "--timeout", "-5"],
        ["assign", "x", "--roster", "r.csv", "--out", "o", "--timeout", "0"],
        ["grade", "s", "--keys", "k", "--timeout", "-1"],
    ],
)
def test_zero_workers_and_non_positive_time_limits_are_refused(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Invalid value for" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing was started


def test_a_parameters_file_that_is_a_fifo_is_refused_not_read(tmp_path):
    """Reading a FIFO blocks until a writer comes (forever, in the hostile-input sweep)."""
    import os
    import subprocess
    import sys

    fifo = tmp_path / "params.yml"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "imtrade.cli", "run", "trade_patterns", "-f", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "is not a regular file" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
