"""Warm kernels: notebooks start in a fresh process that has its libraries imported already.

A fresh IPython kernel spends seconds importing ipykernel, pandas, matplotlib, pyarrow,
scipy and statsmodels before a chapter's first line runs, and every chapter and every
batch run paid it. Here a *fork server* (a process started once per ``imtrade build`` or
``imtrade batch``) imports them once and forks one new process per notebook, which then
becomes an ordinary ipykernel. Each notebook therefore still runs in its own fresh process
(its own namespace, module state, matplotlib state, random seeds and exit), so its output is
byte for byte what a freshly started kernel gives (``tests/test_kernels.py`` checks this),
one notebook cannot affect the next, and a crashing kernel takes nothing else with it.

How the pieces fit:

* :func:`warm_kernels` starts the server and exports its address in ``IMTRADE_KERNEL_SERVER``;
  worker processes inherit it.
* :func:`kernel_manager_class` (used by :func:`imtrade.book.execute.execute_chapter`) returns
  :class:`ForkKernelManager` when a server is reachable: its kernel command runs
  :mod:`imtrade.book.kernel_relay`, which asks the server for a kernel and stands in for it
  towards jupyter_client (signals, exit status).
* The server forks only for requests whose interpreter flags and environment match its own
  (apart from the per-run variables in :data:`PER_RUN_ENV`); any other request, or no server,
  gets an ordinary fresh kernel. Nothing it imports reads those per-run variables at import
  time, and it imports only: it never loads data or runs book code before forking.

The server imports what the kernels would import at their first cells
(:data:`WARM_MODULES`); what a chapter does not use costs the server once, not the chapter.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from imtrade.paths import KERNEL_SERVER_ENV as SERVER_ENV
from imtrade.paths import KERNEL_STATS_ENV as STATS_ENV
from imtrade.paths import WARM_KERNELS_ENV as DISABLE_ENV

# Variables that may differ per run: imtrade reads its own when called, never at import;
# ipykernel reads two JPY_ ones at import, and the kernel process re-reads them (_per_run_settings);
# the terminal's size is read when something is printed to a terminal (multiprocessing's spawned
# workers under pytest have COLUMNS and LINES set).
PER_RUN_ENV = ("IMTRADE_", "JPY_")
PER_RUN_NAMES = frozenset({"COLUMNS", "LINES"})
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets if MPLBACKEND is unset

# What chapter kernels import, most used first: ipykernel, the data stack, matplotlib, the
# book's shared modules; statsmodels and scipy.stats (three chapters) last. The server imports
# them one by one and serves a kernel asked for meanwhile with what it has so far (the kernel
# imports the rest itself). Not here: the chapter modules and claim checks (their import
# order fills the check registry), and modules whose import looks at the running IPython
# shell (NOT_WARM): matplotlib_inline hooks into the shell when imported, tqdm.auto picks its
# display then.
WARM_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "IPython.core.completer",
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "yaml",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_agg",
    "PIL.PngImagePlugin",
    "jinja2",
    "pandas.io.formats.style",
    "myst_nb",
    "myst_nb.ext.glue",
    "imtrade.api",
    "imtrade.book.params",
    "imtrade.data.load",
    "imtrade.data.curated",
    "imtrade.claims",
    "imtrade.show.figures",
    "imtrade.show.tables",
    "imtrade.show.text",
    "imtrade.stats",
    "statsmodels.api",
    "statsmodels.formula.api",
    "scipy.stats",
)
NOT_WARM = ("matplotlib_inline", "tqdm.auto", "tqdm.autonotebook")


def kernel_command(name: str = "python3") -> list[str]:
    """The kernel spec's command, with ``python`` resolved as jupyter_client resolves it."""
    from jupyter_client.kernelspec import KernelSpecManager

    argv = list(KernelSpecManager().get_kernel_spec(name).argv)
    if argv and argv[0] in {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}:
        argv[0] = sys.executable
    return argv


def _split_command(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """(interpreter flags, kernel arguments) of ``python FLAGS -m ipykernel_launcher ARGS``."""
    if len(cmd) < 3 or "-m" not in cmd:
        return None
    at = cmd.index("-m")
    if at + 1 >= len(cmd) or cmd[at + 1] != "ipykernel_launcher":
        return None
    return cmd[1:at], cmd[at + 2 :]


# ---------------------------------------------------------------------------------------
# The driver's side


class KernelServer:
    """A running fork server (start with :meth:`start`, stop with :meth:`close`)."""

    def __init__(self, log_path: Path | None = None, modules: tuple[str, ...] = WARM_MODULES) -> None:
        self.log_path = log_path
        self.modules = modules
        self.directory: Path | None = None
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        assert self.directory is not None
        return str(self.directory / "kernels.sock")

    def start(self) -> KernelServer:
        split = _split_command(kernel_command())
        if split is None:  # not an ipykernel spec: nothing to warm
            return self
        flags, _ = split
        self.directory = Path(tempfile.mkdtemp(prefix="imtrade-kernels-"))
        # Bound and listening here, before the server starts: a kernel asked for at once waits
        # in the backlog while the server starts and imports, and nobody waits for the server.
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.address)
        listener.listen(64)
        env = {**os.environ, "PYTHONHASHSEED": "0"}  # what execute_chapter gives every kernel
        env.pop(SERVER_ENV, None)
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "w", encoding="utf-8") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    *flags,
                    "-c",
                    "from imtrade.book.kernels import serve; serve()",
                    str(listener.fileno()),
                    *self.modules,
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(listener.fileno(),),
                start_new_session=True,  # Ctrl-C in the terminal reaches the build, which stops the server
            )
        finally:
            listener.close()
            if log is not subprocess.DEVNULL:
                log.close()
        return self

    def close(self) -> None:
        """Stop the server (its kernels die with it) and remove its socket."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.process = None

    def __enter__(self) -> KernelServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def compile_package() -> None:
    """Write the bytecode of imtrade's own modules that is missing or stale.

    Python compiles a module's source on every import when its ``__pycache__`` is out of
    date and ``PYTHONDONTWRITEBYTECODE`` is set (as on this project's machines): then every
    kernel compiled the chapter modules again. Cheap when up to date (one stat per file);
    a read-only install is left as it is.
    """
    import compileall

    with contextlib.suppress(OSError):
        compileall.compile_dir(Path(__file__).resolve().parents[1], quiet=2, workers=1)


@contextlib.contextmanager
def warm_kernels(log_path: Path | None = None, *, enabled: bool = True) -> Iterator[KernelServer | None]:
    """Run a fork server for the duration of the block; notebooks executed inside it (also by
    worker processes started inside it) get warm kernels. Nested use reuses the outer server.
    Either way imtrade's bytecode is brought up to date first (:func:`compile_package`)."""
    compile_package()
    enabled = enabled and os.environ.get(DISABLE_ENV, "1") != "0" and hasattr(os, "fork")
    if not enabled or os.environ.get(SERVER_ENV):
        yield None
        return
    with KernelServer(log_path) as server:
        if server.process is None:
            yield None
            return
        os.environ[SERVER_ENV] = server.address
        try:
            yield server
        finally:
            os.environ.pop(SERVER_ENV, None)


def _manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class ForkKernelManager(AsyncKernelManager):
        """A kernel manager whose kernels are forked by the fork server (see the module docstring)."""

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd = super().format_kernel_cmd(extra_arguments)
            address = os.environ.get(SERVER_ENV)
            if not address or _split_command(cmd) is None:
                return cmd
            relay = Path(__file__).with_name("kernel_relay.py")
            return [sys.executable, "-S", str(relay), address, os.environ.get(STATS_ENV, ""), *cmd]

    return ForkKernelManager


_MANAGER: type | None = None


def forked_kernel_peak_mb(stats_file: Path) -> float:
    """Largest peak memory (MB) of the forked kernels recorded in ``stats_file`` (0 if none):
    a forked kernel is the server's child, so its memory is not among the caller's children."""
    try:
        lines = stats_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0.0
    return max((json.loads(line).get("maxrss_kib", 0) / 1024 for line in lines if line.strip()), default=0.0)


def kernel_manager_class() -> type | None:
    """:class:`ForkKernelManager` when a fork server is reachable in this process, else None."""
    global _MANAGER
    address = os.environ.get(SERVER_ENV)
    if not address or not os.path.exists(address):
        return None
    if _MANAGER is None:
        _MANAGER = _manager_class()
    return _MANAGER


# ---------------------------------------------------------------------------------------
# The server's side (runs in its own process: ``python FLAGS -c 'serve()' SOCKET MODULES...``)


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """One request: 8-byte length, JSON, with the client's stdin/stdout/stderr attached."""
    import array

    fds = array.array("i")
    data, ancdata, _flags, _addr = conn.recvmsg(1 << 16, socket.CMSG_LEN(3 * fds.itemsize))
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    if len(data) < 8:
        raise ValueError("short request")
    size = int.from_bytes(data[:8], "big")
    body = data[8:]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("truncated request")
        body += chunk
    return json.loads(body), list(fds)


def _refusal(request: dict, flags: list[str], base_env: dict[str, str]) -> str | None:
    """Why a request cannot get a forked kernel (None: it can)."""
    cmd = request.get("cmd") or []
    split = _split_command(cmd)
    if split is None or cmd[0] != sys.executable:
        return f"not this server's interpreter and kernel: {' '.join(cmd[:4])}"
    if split[0] != flags:
        return f"interpreter flags {split[0]} differ from the server's {flags}"

    def fixed(env: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in env.items() if not k.startswith(PER_RUN_ENV) and k not in PER_RUN_NAMES}

    theirs, ours = fixed(request.get("env", {})), fixed(base_env)
    if theirs != ours:
        differ = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        return f"environment differs from the server's in {', '.join(differ[:5])}"
    return None


def _per_run_settings() -> dict[str, int]:
    """Settings ipykernel takes from the environment when it is imported (the parent process to
    watch; Windows' interrupt event): the server imported it, so this kernel passes its own."""
    return {
        "parent_handle": int(os.environ.get("JPY_PARENT_PID") or 0),
        "interrupt": int(os.environ.get("JPY_INTERRUPT_EVENT") or 0),
    }


def _become_kernel(request: dict, fds: list[int], kernel_args: list[str]) -> None:
    """In the forked child: turn into the process ``python -m ipykernel_launcher ARGS`` would be."""
    import atexit
    import importlib.util

    code = 1
    try:
        os.setsid()  # jupyter_client starts kernels in a new session
        with contextlib.suppress(Exception):  # the kernel dies with the server (Linux)
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        for target, fd in zip((0, 1, 2), fds, strict=False):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if "numpy.random" in sys.modules:  # a fresh process seeds numpy's global generator from the OS
            sys.modules["numpy.random"].seed()
        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *kernel_args]
        from ipykernel import kernelapp

        kernelapp.IPKernelApp.launch_instance(**_per_run_settings())  # what ipykernel_launcher runs
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _warm_import(name: str, base_env: dict[str, str]) -> None:
    """Import ``name`` as a kernel would (MPLBACKEND set as ipykernel sets it before user code)."""
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    try:
        importlib.import_module(name)
    except Exception as exc:  # a kernel that needs it imports it itself
        print(f"warm kernels: cannot import {name}: {exc}", file=sys.stderr)
    for loaded in [m for m in sys.modules if m.startswith(NOT_WARM)]:
        del sys.modules[loaded]  # imported on the way: the kernel imports it again itself
        print(f"warm kernels: {loaded} is not kept warm (it looks at the IPython shell when imported)", file=sys.stderr)
    os.environ.clear()
    os.environ.update(base_env)


def serve() -> None:
    """The fork server's main loop (see the module docstring). Ends on SIGTERM, its kernels
    with it (they die with their parent), or when its own parent (the build) is gone."""
    import selectors

    listen_fd, modules = int(sys.argv[1]), sys.argv[2:]
    flags = list(sys.orig_argv[1 : sys.orig_argv.index("-c")])
    if sys.path and sys.path[0] in ("", os.getcwd()):  # as ipykernel_launcher does before its imports
        del sys.path[0]
    base_env = dict(os.environ)
    parent = os.getppid()
    listener = socket.socket(fileno=listen_fd)  # bound and listening (KernelServer.start)
    wakeup_r, wakeup_w = os.pipe()
    os.set_blocking(wakeup_w, False)
    signal.set_wakeup_fd(wakeup_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the select loop (set_wakeup_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # SIGTERM (KernelServer.close) ends it at once
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wakeup_r, selectors.EVENT_READ, "wakeup")
    kernels: dict[int, socket.socket] = {}  # kernel pid -> its relay's connection

    def reap() -> None:
        while kernels:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = kernels.pop(pid, None)
            if conn is not None:
                done = {"exit": os.waitstatus_to_exitcode(status), "maxrss_kib": usage.ru_maxrss}
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps(done).encode() + b"\n")
                with contextlib.suppress(KeyError, ValueError):
                    selector.unregister(conn)
                conn.close()

    def handle(conn: socket.socket) -> None:
        try:
            request, fds = _recv_request(conn)
        except (OSError, ValueError) as exc:
            print(f"warm kernels: bad request: {exc}", file=sys.stderr)
            conn.close()
            return
        try:
            reason = _refusal(request, flags, base_env)
            if reason is not None or len(fds) != 3:
                conn.sendall(json.dumps({"refused": reason or "no standard streams"}).encode() + b"\n")
                conn.close()
                return
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                selector.close()
                listener.close()
                conn.close()
                os.close(wakeup_r)
                os.close(wakeup_w)
                signal.set_wakeup_fd(-1)
                _become_kernel(request, fds, _split_command(request["cmd"])[1])
            kernels[pid] = conn
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            selector.register(conn, selectors.EVENT_READ, pid)
        finally:
            for fd in fds:
                os.close(fd)

    to_import = list(modules)
    try:
        while True:
            if to_import:  # one more module, unless a kernel is asked for
                events = selector.select(timeout=0)
                if not events:
                    _warm_import(to_import.pop(0), base_env)
                    continue
            else:
                events = selector.select(timeout=1.0)
            for key, _ in events:
                if key.data == "accept":
                    conn, _ = listener.accept()
                    conn.settimeout(10)
                    handle(conn)
                elif key.data == "wakeup":
                    with contextlib.suppress(BlockingIOError):
                        os.read(wakeup_r, 512)
                else:  # a relay went away (killed): its kernel goes too
                    with contextlib.suppress(OSError):
                        if key.fileobj.recv(1):
                            continue
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(key.data, signal.SIGKILL)
                    selector.unregister(key.fileobj)
            reap()
            if os.getppid() != parent:
                break
    finally:
        for pid in list(kernels):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
