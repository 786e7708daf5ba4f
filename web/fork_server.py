"""The fork server: one process holds the build, query workers are forked from it.

A build small enough to serve from memory (``KG_MEMORY_TRIPLES``) is loaded
once, by this process, and every query worker is a fork of it: the workers
share its pages (copy on write; a query only reads them), so the serving
processes hold one copy of the build between them instead of one each.

``kg serve`` starts one fork server before gunicorn forks its HTTP workers,
and every HTTP worker's pool asks it for workers; a pool started outside
gunicorn (or whose fork server is gone) starts a private one (the pool's
side: ``ForkServer`` and ``start_shared`` in ``web.query_workers``). The fork server
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
import gc
import os
import select
import socket
import sys

from .query_workers import _die_with_parent, _Engine, _open_current, worker_loop

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
    # Objects made so far are never collected in the worker: the collector
    # would write to each of them, copying every page of them into the fork.
    gc.freeze()
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
        worker_loop(worker_fd, engine)
    except BaseException:
        import traceback

        traceback.print_exc()  # into the worker's standard error, for the pool's log
        os._exit(1)
    os._exit(0)


def serve(listen_fd: int) -> None:
    """Answer pools on the listening (or, for a private fork server, already
    connected) socket ``listen_fd`` until the parent dies."""
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
                # Hold the published build before forking, so a worker forked
                # after a build is published shares it.
                _open_current(engine)
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


if __name__ == "__main__":
    serve(int(sys.argv[1]))
