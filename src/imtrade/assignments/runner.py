"""Execute one notebook in a fresh kernel, in its own process, under a wall-clock limit.

:func:`run_notebook` writes the notebook to a private temporary folder and starts
``python -m imtrade.assignments.runner IN OUT --cwd DIR`` (inside a
:class:`~imtrade.assignments.sandbox.Sandbox` when given one), which executes it with
nbclient (``allow_errors``: a failing cell is recorded and the next cells still run, so one
mistake costs only the answers it affects) and writes the executed notebook. The child's
stdout and stderr go to files, never pipes: the parent waits on the process only, stops a
run that writes more than :data:`OUTPUT_CAP` bytes, and at ``timeout`` seconds (kernel start
included) kills the process group (the sandbox, and with it every process inside). The
executed notebook is read back with :func:`read_regular` (no links, no FIFOs, size-capped).
Nothing a notebook does can stop or crash the caller: every outcome is a :class:`RunResult`.

:func:`capture_cell` is the code appended to a notebook to read variables back from the
kernel: it prints one JSON line after a marker, parsed strictly by :func:`captured`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
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


CAPTURE_CAP = 1024 * 1024  # characters of the capture line
TEXT_CAP = 10_000  # characters of one captured text value
LIST_CAP = 1_000  # items of one captured list


class CaptureError(Exception):
    """The capture cell's output is not what :func:`capture_cell` prints (malformed or forged)."""


def _check_value(value: Any, where: str, depth: int = 0) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if len(value) > TEXT_CAP:
            raise CaptureError(f"{where}: text of {len(value)} characters (at most {TEXT_CAP})")
        return
    if isinstance(value, list) and depth == 0:
        if len(value) > LIST_CAP:
            raise CaptureError(f"{where}: a list of {len(value)} items (at most {LIST_CAP})")
        for item in value:
            _check_value(item, where, depth + 1)
        return
    raise CaptureError(f"{where}: a {type(value).__name__} where a number, text, boolean or list of them belongs")


def _check_entry(entry: Any, where: str) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("defined"), bool):
        raise CaptureError(f"{where}: not a captured value")
    allowed = {"defined"} if not entry["defined"] else {"defined", "type", "value", "repr"}
    if set(entry) - allowed:
        raise CaptureError(f"{where}: unexpected field(s) {', '.join(sorted(map(str, set(entry) - allowed)))}")
    if entry["defined"]:
        if not isinstance(entry.get("type"), str) or len(entry["type"]) > 200:
            raise CaptureError(f"{where}: no type name")
        if ("value" in entry) == ("repr" in entry):
            raise CaptureError(f"{where}: exactly one of value and repr expected")
        if "value" in entry:
            _check_value(entry["value"], where)
        elif not isinstance(entry["repr"], str) or len(entry["repr"]) > 1000:
            raise CaptureError(f"{where}: the repr is not a short text")


def captured(nb, answers: list[str] | None = None, parameters: list[str] | None = None) -> dict[str, Any] | None:
    """The values printed by the notebook's capture cell, parsed strictly.

    ``None`` if the capture cell printed nothing (it did not run or raised). Raises
    :class:`CaptureError` if the output is anything but one marker line of the expected JSON:
    more than one capture cell or marker line, names other than the declared ``answers`` and
    ``parameters`` (when given), values that are not plain scalars (or lists of them), or
    texts beyond the size caps.
    """
    cells = [c for c in nb.cells if CAPTURE_TAG in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return None
    if len(cells) > 1:
        raise CaptureError(f"{len(cells)} cells carry the capture tag (one expected)")
    lines = []
    for output in cells[0].get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            lines += [line for line in text.splitlines() if MARKER in line]
    if not lines:
        return None
    if len(lines) > 1:
        raise CaptureError(f"the capture cell printed {len(lines)} capture lines (one expected)")
    line = lines[0]
    if not line.startswith(MARKER):
        raise CaptureError("the capture line does not start with its marker")
    if len(line) > CAPTURE_CAP:
        raise CaptureError(f"the capture line has {len(line)} characters (at most {CAPTURE_CAP})")
    try:
        result = json.loads(line[len(MARKER) :])
    except (json.JSONDecodeError, RecursionError) as exc:
        raise CaptureError(f"the capture line is not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(result, dict) or set(result) != {"answers", "parameters"}:
        raise CaptureError("the capture line does not hold answers and parameters")
    for part, declared in (("answers", answers), ("parameters", parameters)):
        entries = result[part]
        if not isinstance(entries, dict):
            raise CaptureError(f"the captured {part} are not a mapping")
        if declared is not None and set(entries) != set(declared):
            extra = sorted(map(str, set(entries) - set(declared)))[:5]
            missing = sorted(set(declared) - set(entries))[:5]
            raise CaptureError(
                f"the captured {part} are not the declared ones"
                + (f" (unexpected: {', '.join(extra)})" if extra else "")
                + (f" (missing: {', '.join(missing)})" if missing else "")
            )
        for name, entry in entries.items():
            _check_entry(entry, f"{part[:-1]} {str(name)[:60]}")
    return result


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
                    f"code cell {number} (starting {first[:60]!r}) raised "
                    f"{output.get('ename')}: {str(output.get('evalue'))[:300]}"
                )
    return out


OUTPUT_CAP = 10 * 1024 * 1024  # bytes of stdout/stderr kept from a run; more and the run is stopped
EXECUTED_CAP = 64 * 1024 * 1024  # largest executed notebook read back
POLL = 0.1  # seconds between checks of a running notebook


STOP = threading.Event()  # set by stop_all(): the grader is stopping
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


class Interrupted(BaseException):
    """The grader is stopping (signal, Ctrl-C): the run was killed and its outcome is not a grade."""


def stop_all() -> None:
    """Kill every running notebook (their sandboxes with them); their runs raise :class:`Interrupted`."""
    STOP.set()
    with _running_lock:
        for proc in list(_running):
            _kill(proc.pid)


class UnsafeFile(Exception):
    """A file that is not a regular file of bounded size (link, FIFO, device, folder, too big)."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes (links not followed).

    Opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked with ``fstat`` before any read, so a
    symbolic link, a FIFO (which would block), a device or a folder is refused at once.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(f"{path.name} is a symbolic link; hand in the notebook file itself") from None
        if exc.errno == errno.ENOENT:
            raise UnsafeFile(f"{path.name} is missing") from None
        raise UnsafeFile(f"{path.name} cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "folder"
                if stat.S_ISDIR(info.st_mode)
                else "named pipe (FIFO)"
                if stat.S_ISFIFO(info.st_mode)
                else "device"
                if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                else "socket"
                if stat.S_ISSOCK(info.st_mode)
                else "special file"
            )
            raise UnsafeFile(f"{path.name} is a {kind}, not a regular file")
        too_big = f"{path.name} is larger than the {limit / 1024 / 1024:g} MiB allowed"
        if info.st_size > limit:
            raise UnsafeFile(too_big)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UnsafeFile(too_big)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            kill(pid, signal.SIGKILL)


def _tail(path: Path, lines: int = 3) -> str:
    with contextlib.suppress(OSError), path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 4096))
        text = handle.read().decode("utf-8", "replace")
        return " | ".join([ln.strip() for ln in text.splitlines() if ln.strip()][-lines:])
    return ""


def _supervise(proc: subprocess.Popen, deadline: float, logs: list[Path], cap: int) -> str:
    """Wait for the process only (never for pipe EOF): ``"exited"``, ``"timeout"`` or ``"output"``."""
    while True:
        try:
            proc.wait(timeout=POLL)
            return "exited"
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() >= deadline:
            return "timeout"
        if any(path.stat().st_size > cap for path in logs if path.exists()):
            return "output"


def run_notebook(
    nb,
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    sandbox=None,
    output_cap: int = OUTPUT_CAP,
    scratch: Path | None = None,
) -> RunResult:
    """Execute ``nb`` in a fresh kernel in a child process, at most ``timeout`` seconds in all.

    With ``sandbox`` (a :class:`~imtrade.assignments.sandbox.Sandbox`) the runner and its
    kernel run inside it, with its own environment; otherwise with ``env``. The child writes
    its stdout and stderr to files (cut at ``output_cap`` bytes: past that the run is
    stopped); the parent waits on the process, never on a pipe, and at the time limit kills
    its process group (the sandbox, and with it every process inside). The executed notebook
    is read back only if it is a regular file of bounded size. The temporary folder is made in
    ``scratch`` when given (the grader clears it at its next start if it was killed).
    """
    import nbformat

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="imtrade-run-", dir=scratch) as tmp:
        tmp = Path(tmp)
        os.chmod(tmp, 0o700)
        box = tmp / "box"
        (box / "work").mkdir(parents=True)
        nbformat.write(nb, box / "in.ipynb")
        if sandbox is not None:
            from imtrade.assignments.sandbox import BOX

            inside = BOX
        else:
            inside = box
        argv = [
            sys.executable,
            "-m",
            "imtrade.assignments.runner",
            str(inside / "in.ipynb"),
            str(inside / "out.ipynb"),
            "--cwd",
            str(inside / "work"),
            "--cell-timeout",
            str(max(1, int(timeout) + 5)),
        ]
        kernel_pid = tmp / "kernel.pid"
        if sandbox is not None:
            uid = sandbox.prepare(box)
            cmd, child_env = sandbox.command(argv, box=box, cwd=inside / "work", uid=uid), {"PATH": "/usr/bin:/bin"}
        else:
            cmd, child_env = [*argv, "--kernel-pid-file", str(kernel_pid)], env
        logs = [tmp / "stdout.log", tmp / "stderr.log"]
        with _running_lock:
            if STOP.is_set():
                raise Interrupted()
            with logs[0].open("wb") as out, logs[1].open("wb") as err:
                proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=child_env, start_new_session=True
                )
            _running.add(proc)
        try:
            outcome = _supervise(proc, time.monotonic() + timeout, logs, output_cap)
        finally:
            if proc.poll() is None or sandbox is None:
                _kill(proc.pid)  # the sandbox (bwrap: its PID namespace ends with it) or the runner's group
            if sandbox is None and kernel_pid.is_file():
                with contextlib.suppress(ValueError, OSError):
                    _kill(int(kernel_pid.read_text().strip()))
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
            for path in logs:
                with contextlib.suppress(OSError):
                    if path.stat().st_size > output_cap:
                        os.truncate(path, output_cap)
            with _running_lock:
                _running.discard(proc)
        if STOP.is_set():
            raise Interrupted()
        seconds = time.perf_counter() - start
        if outcome == "timeout":
            return RunResult("timeout", None, seconds, f"did not finish within the time limit of {timeout:g} s")
        if outcome == "output":
            return RunResult(
                "failed",
                None,
                seconds,
                f"wrote more than {output_cap / 1024 / 1024:g} MiB to its standard output or error, so it was stopped",
            )
        try:
            data = read_regular(box / "out.ipynb", EXECUTED_CAP) if proc.returncode == 0 else None
        except UnsafeFile as exc:
            return RunResult("failed", None, seconds, f"the executed notebook cannot be read back: {exc}")
        if data is None:
            last = _tail(logs[1])
            status = proc.returncode
            why = f"killed by signal {-status}" if status is not None and status < 0 else f"exit status {status}"
            if status in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
                why = "CPU time limit reached"
            elif status in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ):
                why = "file size limit reached"
            return RunResult("failed", None, seconds, "the notebook could not be executed: " + (last or why))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                executed = nbformat.reads(data.decode("utf-8"), as_version=4)
        except Exception as exc:  # the sandbox wrote it: anything may be in it
            return RunResult(
                "failed", None, seconds, f"the executed notebook is not a valid notebook ({type(exc).__name__})"
            )
    problem = executed.metadata.pop("imtrade_runner_error", None)
    if problem:
        return RunResult("failed", executed, seconds, f"execution stopped: {str(problem)[:300]}")
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
