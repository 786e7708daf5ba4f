"""The fork server: one process holds the build, query workers are forked from it.

A build small enough to serve from memory (``KG_MEMORY_TRIPLES``) is loaded
once, by this process, and every query worker is a fork of it: the workers
share its pages (copy on write; a query only reads them), so the serving
processes hold one copy of the build between them instead of one each.

``kg serve`` starts one fork server before gunicorn forks its HTTP workers,
and every HTTP worker's pool asks it for workers; a pool started outside
gunicorn (or whose fork server is gone) starts a private one. The fork server
itself never runs a query and starts no thread, so a fork is always safe.

Requests come over Unix sequenced-packet sockets, one short message each:

* ``spawn`` with two file descriptors (the worker's end of its socket pair,
  and the file for its standard error): the fork server loads the published
  build if it has changed, forks, and answers ``pid N``;
* ``status N``: ``exit S`` (S as ``subprocess`` gives it: negative for a
  signal) once worker N has exited and been reaped, else ``running``.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

#: The names the processes show (``/proc/PID/comm``, at most 15 bytes).
SERVER_NAME = b"kg-fork-server"
WORKER_NAME = b"kg-query-worker"

PR_SET_NAME = 15


def _set_name(name: bytes) -> None:
    try:
        ctypes.CDLL(None).prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)
    except (OSError, AttributeError):
        pass


# --------------------------------------------------------------------------
# The fork server process
# --------------------------------------------------------------------------

def _exit_status(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _fork_worker(engine, worker_fd: int, stderr_fd: int, keep_closed: list[int]) -> int:
    pid = os.fork()
    if pid:
        return pid
    # The worker. Nothing of the fork server's is needed here but the engine.
    try:
        os.dup2(stderr_fd, 2)
        os.close(stderr_fd)
        for fd in set(keep_closed):
            os.close(fd)
        _set_name(WORKER_NAME)
        from .query_workers import worker_loop

        worker_loop(worker_fd, engine)
    except BaseException:
        import traceback

        traceback.print_exc()  # into the worker's standard error, for the pool's log
        os._exit(1)
    os._exit(0)


def serve(listen_fd: int) -> None:
    """Answer pools on the listening (or, for a private fork server, already
    connected) socket ``listen_fd`` until the parent dies."""
    from .query_workers import _die_with_parent, _Engine, _open_current

    _set_name(SERVER_NAME)
    _die_with_parent()
    parent = os.getppid()
    engine = _Engine()
    _open_current(engine)
    first = socket.socket(fileno=listen_fd)
    listening = first.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    clients: list[socket.socket] = [] if listening else [first]
    exited: dict[int, int] = {}
    while os.getppid() == parent and (listening or clients):
        # Reap first: a pool asking for a status wants the latest.
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if not pid:
                break
            exited[pid] = _exit_status(status)  # kept: asked for more than once
            if len(exited) > 10000:
                exited.pop(next(iter(exited)))
        ready, _, _ = select.select(([first] if listening else []) + clients, [], [], 0.1)
        for sock in ready:
            if sock is first and listening:
                conn, _ = first.accept()
                clients.append(conn)
                continue
            try:
                message, fds, _, _ = socket.recv_fds(sock, 256, 2)
            except OSError:
                message, fds = b"", []
            if not message:  # the pool is gone
                clients.remove(sock)
                sock.close()
                continue
            words = message.split()
            if words[0] == b"spawn" and len(fds) == 2:
                engine_for_current(engine)
                pid = _fork_worker(engine, fds[0], fds[1],
                                   [first.fileno()] + [c.fileno() for c in clients])
                exited.pop(pid, None)  # a pid used again
                for fd in fds:
                    os.close(fd)
                sock.send(b"pid %d" % pid)
            elif words[0] == b"status" and len(words) == 2:
                pid = int(words[1])
                sock.send(b"exit %d" % exited[pid] if pid in exited else b"running")
            else:
                for fd in fds:
                    os.close(fd)
                sock.send(b"error unknown request")


def engine_for_current(engine) -> None:
    """Hold the published build before forking, so a worker forked after a
    build is published shares it instead of loading its own copy."""
    from .query_workers import _open_current

    try:
        _open_current(engine)
    except Exception:  # reported by the worker on its first query instead
        pass


# --------------------------------------------------------------------------
# Starting one, and asking it for workers (in the web process)
# --------------------------------------------------------------------------

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


def _command(settings, fd: int) -> tuple[list[str], dict[str, str]]:
    # the settings the web process was given, not its environment's
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")} | settings.to_env()
    env["PYTHONPATH"] = os.pathsep.join(
        [PACKAGE_PARENT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return [sys.executable, "-m", "web.fork_server", str(fd)], env


def start_shared(settings) -> str:
    """Start the fork server every HTTP worker of this server shares (before
    gunicorn forks them); returns its address (an abstract Unix socket)."""
    address = f"\0kg-fork-server-{os.getpid()}-{secrets.token_hex(6)}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(address)
    listener.listen(64)
    cmd, env = _command(settings, listener.fileno())
    subprocess.Popen(cmd, pass_fds=[listener.fileno()], env=env, stdin=subprocess.DEVNULL)
    listener.close()
    return address


class ForkServer:
    """A pool's line to a fork server: the shared one at ``address`` when it
    answers, else a private one started here."""

    def __init__(self, settings, address: str | None = None):
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self.sock = None
        if address:
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                sock.connect(address)
                self.sock = sock
            except OSError:
                sock.close()
        if self.sock is None:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            cmd, env = _command(settings, theirs.fileno())
            try:
                self._proc = subprocess.Popen(cmd, pass_fds=[theirs.fileno()], env=env,
                                              stdin=subprocess.DEVNULL)
            finally:
                theirs.close()
            self.sock = ours

    def _ask(self, message: bytes, fds: list[int] = ()) -> bytes:
        with self._lock:
            socket.send_fds(self.sock, [message], list(fds))
            answer = self.sock.recv(256)
        if not answer:
            raise OSError("the fork server is gone")
        return answer

    def spawn(self, worker_fd: int, stderr_fd: int) -> int:
        answer = self._ask(b"spawn", [worker_fd, stderr_fd])
        if not answer.startswith(b"pid "):
            raise OSError(answer.decode(errors="replace"))
        return int(answer.split()[1])

    def exit_status(self, pid: int, timeout: float) -> int | None:
        """Worker ``pid``'s exit status, waiting up to ``timeout`` seconds for
        it to exit; None if it has not."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                answer = self._ask(b"status %d" % pid)
            except OSError:
                return None
            if answer.startswith(b"exit "):
                return int(answer.split()[1])
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
