"""A bubblewrap sandbox for one submission's execution (runner and kernel together).

A student's notebook is hostile code: :class:`Sandbox` wraps the runner's command so that
it, the kernel and anything they start run in their own namespaces (mount, PID, network,
IPC, UTS, cgroup) under ``bwrap`` with

- a **new root** holding only read-only binds of the system (``/usr``), the Python of the
  environment (base prefix, venv, the source folders of editable installs) and the part of
  the project a chapter reads (``data/``, ``_toc.yml``, ``_config.yml``); never
  ``chapters/`` (the solutions), ``_build/``, the answer keys, the other submissions or the
  grader's output;
- a private ``/tmp`` (size-capped tmpfs, HOME lives there) and one writable folder,
  ``/sandbox``, holding this submission's notebook and working folder, nothing else;
- **no network**: a network namespace of its own with only its loopback (the kernel's
  ZeroMQ sockets work; the host's 127.0.0.1 is another machine);
- a **cleared environment** plus a short allow-list (:func:`environment`): no token, key or
  instructor variable reaches the kernel;
- **resource limits** (``prlimit``) on every process: address space, CPU seconds, file
  size, number of processes, open files, no core files;
- ``--die-with-parent`` and ``--new-session``: killing the ``bwrap`` process (the runner
  does so at the time limit) ends the PID namespace, so no daemon survives the run.

As root (a CI container), every namespace but the user namespace is unshared and the command
drops to a dedicated unprivileged uid with ``setpriv`` (no capabilities, no new privileges):
inside a user namespace the student would still be uid 0 outside, which the kernel exempts
from the process limit. As an ordinary user, a user namespace is unshared too
(``--unshare-user --disable-userns --cap-drop ALL``); the process limit then counts the
user's own processes, so it is set above their current number.

:func:`problem` says why the sandbox cannot run here (``None`` when it can); ``imtrade grade``
refuses to grade without it unless given ``--unsafe-no-sandbox``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MiB = 1024 * 1024
GiB = 1024 * MiB
BOX = Path("/sandbox")  # the one writable folder inside the sandbox (the submission's)
HOME = "/tmp"  # the private tmpfs (writable by the sandbox's user)
UID_BASE = 1_900_000_000  # root mode: one uid per concurrent sandbox, from here (no such user exists)
INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`)"


@dataclass(frozen=True)
class Limits:
    """Resource limits of every process of a sandbox (``setrlimit`` via ``prlimit``)."""

    memory: int = 2 * GiB  # address space per process (RLIMIT_AS)
    cpu: int = 900  # CPU seconds per process (RLIMIT_CPU); the wall-clock limit is the runner's
    processes: int = 128  # processes and threads of the sandbox's user (RLIMIT_NPROC)
    file_size: int = 256 * MiB  # largest file a process may write (RLIMIT_FSIZE)
    open_files: int = 1024  # RLIMIT_NOFILE
    tmp_size: int = 256 * MiB  # the private /tmp (tmpfs)


def _which(name: str) -> str | None:
    found = shutil.which(name) or next((p for p in (f"/usr/bin/{name}", f"/bin/{name}") if os.access(p, os.X_OK)), None)
    return found


def _root() -> bool:
    return os.geteuid() == 0


def _probe(mode: str) -> str | None:
    box = Path(_probe_dir())
    try:
        cmd = Sandbox(readonly=[]).command(["/usr/bin/true"], box=box, how=mode)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap does not start here ({type(exc).__name__}: {exc})"
        if done.returncode != 0:
            return (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return None
    finally:
        shutil.rmtree(box, ignore_errors=True)


@lru_cache(maxsize=1)
def _detect() -> tuple[str | None, str | None]:
    """(mode, problem): ``"root"`` (setpriv to a uid of its own) or ``"userns"``; runs ``bwrap`` once or twice."""
    if _which("bwrap") is None:
        return None, f"bubblewrap (`bwrap`) is not installed: {INSTALL_HINT}"
    if _which("prlimit") is None:
        return None, "`prlimit` (util-linux) is not installed: apt-get install util-linux"
    failures = []
    if _root() and _which("setpriv") is not None:
        why = _probe("root")
        if why is None:
            return "root", None
        failures.append(f"as root: {why}")
    why = _probe("userns")
    if why is None:
        return "userns", None
    failures.append(f"with a user namespace: {why}")
    return None, (
        f"bubblewrap is installed but cannot create its namespaces here ({'; '.join(failures)}); "
        "allow user namespaces (sysctl kernel.unprivileged_userns_clone=1), or run in a container "
        "that may create namespaces"
    )


def mode() -> str | None:
    """How sandboxes are made here: ``"root"``, ``"userns"``, or ``None`` (see :func:`problem`)."""
    return _detect()[0]


def problem() -> str | None:
    """Why the sandbox cannot run on this machine (``None``: it can)."""
    return _detect()[1]


def _probe_dir() -> str:
    import tempfile

    path = tempfile.mkdtemp(prefix="imtrade-sandbox-probe-")
    os.chmod(path, 0o700)
    return path


def python_paths() -> list[Path]:
    """What the interpreter needs: base prefix, venv, and the folders of editable installs."""
    import site

    import imtrade

    paths = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).parent}
    paths.add(Path(imtrade.__file__).resolve().parent.parent)  # src/ of an editable install
    for folder in site.getsitepackages():
        for pth in Path(folder).glob("*.pth"):
            try:
                lines = pth.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            for line in lines:
                line = line.strip()
                if line and not line.startswith(("#", "import")) and Path(line).is_dir():
                    paths.add(Path(line))
    return sorted(p.resolve() for p in paths if p.exists())


def project_paths(root: Path, data_dir: Path) -> list[Path]:
    """The parts of the project a chapter's kernel reads: never ``chapters/`` or ``_build/``."""
    root = Path(root)
    wanted = [root / "data", root / "_toc.yml", root / "_config.yml", root / "book_params.yml"]
    data_dir = Path(data_dir)
    wanted += [data_dir / "raw", data_dir / "cache", data_dir / "catalog.yml", data_dir / "manifests"]
    wanted += [data_dir / "curated", data_dir / "claims"]
    out = set()
    for path in wanted:
        if path.exists():
            out.add(path.absolute())
            out.add(path.resolve())  # a symlinked data/raw: its target too
    return sorted(out)


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The sandbox's whole environment: an allow-list, nothing inherited from the grader."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME,
        "USER": "student",
        "LOGNAME": "student",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "TMPDIR": "/tmp",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{HOME}/.matplotlib",
        "XDG_CACHE_HOME": f"{HOME}/.cache",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.update(extra or {})
    return env


_uids = itertools.count()
_uid_lock = threading.Lock()


def _next_uid() -> int:
    with _uid_lock:
        return UID_BASE + os.getpid() % 10_000 * 100 + next(_uids) % 100


def _own_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += entry.stat().st_uid == uid
    return count


class Sandbox:
    """Builds the ``prlimit … bwrap … -- COMMAND`` line of one sandboxed run."""

    def __init__(self, readonly: Iterable[Path], limits: Limits | None = None, env: dict[str, str] | None = None):
        self.readonly = sorted({Path(p) for p in readonly}, key=lambda p: (len(p.parts), str(p)))
        self.limits = limits or Limits()
        self.env = environment(env)

    def _binds(self) -> dict[Path, Path]:
        """``{path inside: host path}``: every read-only path at its real location, and a symlinked
        path at its own location too unless a bound folder already holds the link."""
        binds: dict[Path, Path] = {}
        real = [p.resolve() for p in self.readonly]
        for path in real:
            binds[path] = path
        for path in self.readonly:
            absolute = path.absolute()
            if absolute != path.resolve() and not any(r in absolute.parents for r in real):
                binds[absolute] = path.resolve()
        return dict(sorted(binds.items(), key=lambda kv: (len(kv[0].parts), str(kv[0]))))

    def hides(self, path: Path) -> bool:
        """True if ``path`` is invisible inside the sandbox (not under any read-only bind)."""
        path = Path(path).resolve()
        return not any(path == p.resolve() or p.resolve() in path.parents for p in self.readonly)

    def prepare(self, box: Path) -> int | None:
        """Make ``box`` (host folder bound at /sandbox) writable by the user of one run; its uid (as root)."""
        if mode() != "root":
            return None
        uid = _next_uid()
        for path in (box, *box.rglob("*")):
            os.chown(path, uid, uid, follow_symlinks=False)
        return uid

    def _etc(self, box: Path, uid: int | None) -> list[str]:
        """Minimal /etc: the sandbox user, localhost; the loader cache and fonts when present."""
        etc = box.parent / "etc"
        etc.mkdir(exist_ok=True)
        gid = uid if uid is not None else os.getgid()
        uid = uid if uid is not None else os.getuid()
        (etc / "passwd").write_text(f"student:x:{uid}:{gid}:student:{HOME}:/bin/sh\n", encoding="utf-8")
        (etc / "group").write_text(f"student:x:{gid}:\n", encoding="utf-8")
        (etc / "hosts").write_text("127.0.0.1 localhost sandbox\n::1 localhost\n", encoding="utf-8")
        args = []
        for name in ("passwd", "group", "hosts"):
            args += ["--ro-bind", str(etc / name), f"/etc/{name}"]
        for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "fonts", "mime.types"):
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        return args

    def command(
        self, argv: list[str], *, box: Path, cwd: Path | None = None, uid: int | None = None, how: str | None = None
    ) -> list[str]:
        """The command that runs ``argv`` in the sandbox with ``box`` as ``/sandbox`` (as ``uid``, from
        :meth:`prepare`, in root mode). ``how``: ``"root"`` or ``"userns"`` (default: :func:`mode`)."""
        lim = self.limits
        as_root = (how or mode()) == "root"
        processes = lim.processes if as_root else _own_processes() + lim.processes
        limits = [
            _which("prlimit") or "prlimit",
            f"--as={lim.memory}",
            f"--cpu={lim.cpu}",
            f"--fsize={lim.file_size}",
            f"--nproc={processes}",
            f"--nofile={lim.open_files}",
            "--core=0",
            "--",
        ]
        bwrap = [_which("bwrap") or "bwrap"]
        if as_root:
            bwrap += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        else:
            bwrap += ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
            if _root():  # root without setpriv: at least not uid 0 inside (no capabilities)
                bwrap += ["--uid", "65534", "--gid", "65534"]
        bwrap += ["--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"]
        for name, value in self.env.items():
            bwrap += ["--setenv", name, value]
        for top in ("usr",):
            bwrap += ["--ro-bind", f"/{top}", f"/{top}"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            host = Path("/") / name
            if host.is_symlink():
                bwrap += ["--symlink", os.readlink(host), f"/{name}"]
            elif host.is_dir():
                bwrap += ["--ro-bind", str(host), f"/{name}"]
        bwrap += ["--proc", "/proc", "--dev", "/dev"]
        bwrap += ["--perms", "1777", "--size", str(lim.tmp_size), "--tmpfs", "/tmp"]
        bwrap += self._etc(box, uid)
        binds = self._binds()
        parents = sorted({a for t in binds for a in t.parents if a != Path("/")}, key=lambda p: (len(p.parts), str(p)))
        for folder in parents:  # bwrap would create them 0700: the sandbox's user could not pass
            if folder not in binds and not any(b in folder.parents for b in binds):
                bwrap += ["--perms", "0755", "--dir", str(folder)]
        for target, source in binds.items():
            bwrap += ["--ro-bind", str(source), str(target)]
        bwrap += ["--bind", str(box), str(BOX), "--chdir", str(cwd or BOX)]
        bwrap += ["--"]
        if as_root:
            uid = uid if uid is not None else UID_BASE
            bwrap += [
                _which("setpriv") or "setpriv",
                f"--reuid={uid}",
                f"--regid={uid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
                "--",
            ]
        return limits + bwrap + list(argv)
