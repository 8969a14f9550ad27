"""The kernel command of a warm kernel: ask the fork server for a kernel, or start one fresh.

Run as ``python -S kernel_relay.py SOCKET STATS CMD...`` by :class:`imtrade.book.kernels.ForkKernelManager`,
where ``CMD`` is the ordinary kernel command (``python -m ipykernel_launcher -f conn.json``).
It sends that command, its working directory, its environment and its standard streams to
the fork server (:mod:`imtrade.book.kernels`), which forks a kernel process for it. This
process then stands in for the kernel towards jupyter_client: it forwards every signal
(interrupt, terminate) to the kernel's process group and exits with the kernel's exit status;
if it is killed, the server kills the kernel. When the server is not there or refuses (e.g.
a different environment), it replaces itself with ``CMD``: an ordinary fresh kernel.

Standard library only, and no import of :mod:`imtrade`: it starts in a few milliseconds.
"""

import array
import contextlib
import json
import os
import signal
import socket
import sys

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def _read_line(sock: socket.socket) -> dict | None:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            return None
        data += chunk
    return json.loads(data)


def main() -> None:
    address, stats, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]  # STATS: file for the kernel's figures, or ""
    kernel_pid = 0
    pending: list[int] = []

    def forward(signum, _frame) -> None:
        if not kernel_pid:
            pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(kernel_pid, signum)

    for sig in FORWARDED:
        signal.signal(sig, forward)
    reply = None
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(address)
        payload = json.dumps({"cmd": cmd, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        fds = array.array("i", [0, 1, 2])
        sock.sendmsg([len(payload).to_bytes(8, "big") + payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        reply = _read_line(sock)
    except (OSError, ValueError) as exc:
        print(f"imtrade warm kernels: no fork server ({exc}); starting a fresh kernel", file=sys.stderr)
    if not reply or "pid" not in reply:
        if reply:
            print(f"imtrade warm kernels: {reply.get('refused')}; starting a fresh kernel", file=sys.stderr)
        for sig in FORWARDED:
            signal.signal(sig, signal.SIG_DFL)
        os.execv(cmd[0], cmd)
    kernel_pid = int(reply["pid"])
    for signum in pending:
        forward(signum, None)
    status = _read_line(sock)
    code = int(status["exit"]) if status else 1
    if status and stats:
        with contextlib.suppress(OSError), open(stats, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(status) + "\n")
    if code < 0:  # killed by a signal: end the same way, so the kernel manager sees what happened
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


if __name__ == "__main__":
    main()
