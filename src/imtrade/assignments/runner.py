"""Execute one notebook in a fresh kernel, in its own process, under a wall-clock limit.

:func:`run_notebook` writes the notebook to a temporary folder and starts
``python -m imtrade.assignments.runner IN OUT --cwd DIR``, which executes it with nbclient
(``allow_errors``: a failing cell is recorded and the next cells still run, so one mistake
costs only the answers it affects) and writes the executed notebook. The parent waits at most
``timeout`` seconds for the whole notebook (kernel start included); past that it kills the
runner's process group and the kernel's, and reports a timeout. Nothing a notebook does can
stop or crash the caller: every outcome is a :class:`RunResult`.

:func:`capture_cell` is the code appended to a notebook to read variables back from the
kernel: it prints one JSON line after a marker, read by :func:`captured`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CAPTURE_TAG = "imtrade-capture"
MARKER = "<<imtrade-capture>>"
KERNEL_NAME = "python3"


@dataclass
class RunResult:
    """What happened to one notebook: ``ok`` (executed; cells may have raised), ``timeout`` or ``failed``."""

    status: str
    notebook: Any | None  # the executed NotebookNode (None on timeout/failure)
    seconds: float
    message: str = ""


def capture_cell(answers: list[str], parameters: list[str]):
    """A code cell that prints the answers' and parameters' values as JSON (tagged ``imtrade-capture``).

    Each value is ``{"defined": bool, "value": ..., "type": str}``; numpy/pandas scalars become
    plain numbers; anything that is not a number, text, boolean or list of them is reported by
    type with a short ``repr``.
    """
    import nbformat

    source = f"""def _imtrade_capture(answers, parameters):
    import json as _json
    namespace = get_ipython().user_ns

    def plain(value):
        if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            try:
                value = value.item()
            except Exception:
                pass
        if value is None or isinstance(value, (bool, int, float, str)):
            return value, True
        if isinstance(value, (list, tuple)):
            items = [plain(v) for v in value]
            if all(ok for _, ok in items):
                return [v for v, _ in items], True
        return None, False

    def read(name):
        if name not in namespace:
            return {{"defined": False}}
        value, ok = plain(namespace[name])
        entry = {{"defined": True, "type": type(namespace[name]).__name__}}
        if ok:
            entry["value"] = value
        else:
            entry["repr"] = repr(namespace[name])[:200]
        return entry

    result = {{"answers": {{n: read(n) for n in answers}}, "parameters": {{n: read(n) for n in parameters}}}}
    print({MARKER!r} + _json.dumps(result, default=str))


_imtrade_capture({answers!r}, {parameters!r})
"""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [CAPTURE_TAG]
    cell.pop("id", None)
    return cell


def captured(nb) -> dict[str, Any] | None:
    """The JSON printed by the notebook's capture cell (None if it did not run)."""
    cells = [c for c in nb.cells if CAPTURE_TAG in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return None
    for output in cells[-1].get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            for line in "".join(output.get("text", "")).splitlines():
                if line.startswith(MARKER):
                    try:
                        return json.loads(line[len(MARKER) :])
                    except json.JSONDecodeError:
                        return None
    return None


def cell_errors(nb) -> list[str]:
    """``"cell N: Error: message"`` for every cell that raised (N counts code cells from 1)."""
    out = []
    code_cells = [
        c for c in nb.cells if c.cell_type == "code" and CAPTURE_TAG not in c.get("metadata", {}).get("tags", [])
    ]
    for number, cell in enumerate(code_cells, 1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
                out.append(
                    f"code cell {number} (starting {first[:60]!r}) raised {output.get('ename')}: {str(output.get('evalue'))[:300]}"
                )
    return out


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            kill(pid, signal.SIGKILL)


def run_notebook(nb, *, timeout: float, cwd: Path, env: dict[str, str] | None = None) -> RunResult:
    """Execute ``nb`` in a fresh kernel in a child process, at most ``timeout`` seconds in all."""
    import nbformat

    start = time.perf_counter()
    cwd.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="imtrade-run-") as tmp:
        source, output, kernel_pid = Path(tmp) / "in.ipynb", Path(tmp) / "out.ipynb", Path(tmp) / "kernel.pid"
        nbformat.write(nb, source)
        cmd = [
            sys.executable,
            "-m",
            "imtrade.assignments.runner",
            str(source),
            str(output),
            "--cwd",
            str(cwd),
            "--cell-timeout",
            str(max(1, int(timeout) + 5)),
            "--kernel-pid-file",
            str(kernel_pid),
        ]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
        )
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc.pid)
            if kernel_pid.is_file():
                with contextlib.suppress(ValueError):
                    _kill(int(kernel_pid.read_text().strip()))
            proc.communicate()
            return RunResult(
                "timeout", None, time.perf_counter() - start, f"did not finish within the time limit of {timeout:g} s"
            )
        seconds = time.perf_counter() - start
        if proc.returncode != 0 or not output.is_file():
            last = [ln for ln in stderr.strip().splitlines() if ln.strip()][-3:]
            return RunResult(
                "failed",
                None,
                seconds,
                "the notebook could not be executed: " + (" | ".join(last) or f"exit status {proc.returncode}"),
            )
        executed = nbformat.read(output, as_version=4)
    problem = executed.metadata.pop("imtrade_runner_error", None)
    if problem:
        return RunResult("failed", executed, seconds, f"execution stopped: {problem}")
    return RunResult("ok", executed, seconds)


def main(argv: list[str] | None = None) -> int:
    """The child process: execute IN with nbclient and write OUT (errors recorded, not raised)."""
    import nbformat
    from nbclient import NotebookClient

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--cwd", type=Path, required=True)
    parser.add_argument("--cell-timeout", type=int, default=600)
    parser.add_argument("--kernel-pid-file", type=Path)
    args = parser.parse_args(argv)
    nb = nbformat.read(args.source, as_version=4)

    def record_kernel(**_: Any) -> None:
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        if pid and args.kernel_pid_file:
            args.kernel_pid_file.write_text(str(pid))

    client = NotebookClient(
        nb,
        timeout=args.cell_timeout,
        kernel_name=KERNEL_NAME,
        allow_errors=True,
        record_timing=False,
        resources={"metadata": {"path": str(args.cwd)}},
        on_notebook_start=record_kernel,
    )
    try:
        client.execute()
    except Exception as exc:  # kernel died, cell timeout, ...: reported to the parent, not raised
        nb.metadata["imtrade_runner_error"] = (
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}"
        )
    nbformat.write(nb, args.output)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
