"""Killable query workers: how the endpoint enforces its time limit.

Neither Oxigraph nor rdflib can cancel a running query from Python, so every
query runs in a separate worker process. The web process hands a request to
an idle worker and waits at most the time limit; a worker that has not
answered by then is killed (SIGKILL), a fresh one takes its place, and the
client gets a 503 that names the limit. The other workers keep serving.

Each worker:

* is forked from the fork server (``web.fork_server``), which holds the
  current build, so the workers share one copy of it; a worker asked about
  a newer build opens that itself, answers, and makes way for a fresh fork
  (every request names the build it is for);
* takes a request the web process has checked (``web.safety``: no SERVICE)
  and negotiated (``web.query_request``), and refuses FROM of graphs not held;
* runs it on Oxigraph with the requested dataset and bound parameters;
* serialises the result in the chosen format with the row cap
  (``web.sparql_results``);
* runs without network access where the kernel allows (its own empty network
  namespace), as a second line of defence behind the SERVICE check;
* has a capped address space (``KG_WORKER_MEMORY_MB``, default 4096), so a
  query that would eat the machine's memory fails in its own process;
* dies with its parent (``PR_SET_PDEATHSIG``), so no worker outlives the
  server.

A worker talks to its pool over a socket pair carrying pickled requests and
replies.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from kg.config import Settings

log = logging.getLogger("kg.query_workers")

PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


class QueryTimeout(Exception):
    """The query ran past its time limit (``limit`` seconds, the setting
    ``field``) and was stopped."""

    #: Set once the killed worker's replacement is ready (``WorkerPool._replace``).
    replaced: threading.Event | None = None

    def __init__(self, limit: float, field: str = "query_timeout"):
        self.limit, self.setting = limit, Settings.variable(field)
        super().__init__(f"past the {limit:g} s time limit ({self.setting})")


class PoolBusy(Exception):
    pass


class WorkerCrashed(Exception):
    """The worker died while running a query. ``detail`` is the end of what it
    wrote to standard error (a Rust panic, an allocation failure...)."""

    def __init__(self, message: str, returncode: int | None = None, detail: str = "",
                 replaced: threading.Event | None = None):
        super().__init__(message)
        self.returncode = returncode
        self.detail = detail
        self.replaced = replaced

    @property
    def out_of_memory(self) -> bool:
        # Rust aborts with "memory allocation of N bytes failed" when the
        # address-space cap is reached. Any other death (a signal, a panic)
        # is a crash, named by ``cause``.
        return "memory allocation of" in self.detail or "MemoryError" in self.detail

    @property
    def cause(self) -> str:
        """One line on why it died, for the client and the log."""
        lines = self.detail.splitlines()
        for i, line in enumerate(lines):
            if "panicked at" in line:  # the panic's message is on the next line
                message = lines[i + 1].strip() if i + 1 < len(lines) else ""
                return f"Oxigraph panicked: {message}" if message else line.strip()
            if "overflowed its stack" in line or "memory allocation of" in line:
                return line.strip()
        if self.returncode is not None and self.returncode < 0:
            try:
                return f"killed by {signal.Signals(-self.returncode).name}"
            except ValueError:
                return f"killed by signal {-self.returncode}"
        return f"exit status {self.returncode}"


# --------------------------------------------------------------------------
# The worker process
# --------------------------------------------------------------------------

def _isolate_network() -> bool:
    """Move this process into a new, empty network namespace (no route out).

    Needs to run before any thread starts. Returns False where the kernel or
    container does not allow it; the SERVICE check still applies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
            if libc.unshare(flags) == 0:
                return True
    except (OSError, AttributeError):
        pass
    return False


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class _Engine:
    """The worker's side: one open store and the request handler."""

    def __init__(self):
        # the pool wrote the web process's settings into this process's
        # environment (Settings.to_env): read once, here
        self.settings = Settings.from_env()
        self._path: str | None = None
        self._store = None
        self._graphs: frozenset[str] = frozenset()

    def store(self, path: str):
        """The build at ``path`` through the project's store interface
        (``kg.store``), reopened when a new build is published."""
        from kg.store import OxigraphStore

        if path != self._path:
            self._store = None  # close the old build before opening the new one
            self._store = OxigraphStore.open_build(path, self.settings.memory_triples)
            self._graphs = frozenset(self._store.graph_names())
            self._path = path
        return self._store

    def handle_page(self, req: dict) -> dict:
        """A page's named query: its solutions or triples as terms."""
        import pyoxigraph as ox

        store = self.store(req["store"])
        subs = {ox.Variable(name): term for name, term in req["substitutions"].items()}
        result = store.query(req["text"], substitutions=subs or None)
        if isinstance(result, ox.QueryBoolean):
            return {"status": 200, "boolean": bool(result)}
        if isinstance(result, ox.QuerySolutions):
            return {"status": 200, "vars": [v.value for v in result.variables],
                    "rows": [tuple(s) for s in result]}
        return {"status": 200, "triples": list(result)}

    def handle(self, req) -> dict:
        """Answer a page's query (a dict) or an endpoint request (a
        ``QueryRequest``, already checked and negotiated in the web process)."""
        if isinstance(req, dict):
            return self.handle_page(req)
        from kg import formats

        from . import safety
        from . import sparql_results as out

        started = time.perf_counter()
        prefixes = dict(req.prefixes)
        store = self.store(req.store)

        # FROM / FROM NAMED may only name graphs held here: never fetched.
        unknown = [g for g in req.from_graphs if g not in self._graphs]
        if unknown:
            return _error(400, (
                "FROM/FROM NAMED may only name graphs this store holds; it never fetches "
                "data from elsewhere. Not held: " + ", ".join(f"<{g}>" for g in unknown)
                + ". The graphs held are listed in the service description (GET /sparql)."))

        import pyoxigraph as ox

        kwargs = {
            "base_iri": req.base_iri,
            # The protocol's dataset replaces the query's FROM clauses; a
            # graph the store does not hold is simply empty. Without either,
            # the default graph is the union of every graph.
            "default_graph_uris": list(req.default_graphs),
            "named_graph_uris": list(req.named_graphs),
            "union_default": req.union_default,
            # Predeclared prefixes; a query's own PREFIX declarations win.
            "prefixes": prefixes,
        }
        subs = {}
        for name, kind, value in req.substitutions:
            subs[ox.Variable(name)] = ox.NamedNode(value) if kind == "iri" else ox.Literal(value)
        if subs:
            kwargs["substitutions"] = subs

        try:
            result = store.query(req.query, **kwargs)
            form = ("ASK" if isinstance(result, ox.QueryBoolean)
                    else "SELECT" if isinstance(result, ox.QuerySolutions)
                    else "DESCRIBE" if req.form == "DESCRIBE" else "CONSTRUCT")
            key = req.format
            if formats.BY_KEY[key] not in formats.BY_FORM[form]:  # the text's form was misread
                return _error(406, f"A {form} query cannot be answered as {formats.BY_KEY[key].label}.")
            max_rows = req.max_rows
            reply = {"status": 200, "headers": {}, "form": form, "format": key}
            if isinstance(result, ox.QueryBoolean):
                value = bool(result)
                if key == "html":
                    reply["table"] = {"kind": "boolean", "value": value}
                else:
                    reply["body"] = out.boolean(value, key)
            elif isinstance(result, ox.QuerySolutions):
                names = [v.value for v in result.variables]
                rows, truncated = out.take((tuple(s) for s in result), max_rows)
                if key == "html":
                    reply["table"] = {"kind": "select", "vars": names,
                                      "rows": [[out.term_row(t) for t in r] for r in rows]}
                else:
                    reply["body"] = out.SELECT_WRITERS[key](names, rows)
                reply["rows"], reply["truncated"] = len(rows), truncated
            else:
                triples, truncated = out.take(iter(result), max_rows)
                if key == "html":
                    reply["table"] = {"kind": "graph", "vars": ["subject", "predicate", "object"],
                                      "rows": [[out.term_row(t.subject), out.term_row(t.predicate),
                                                out.term_row(t.object)] for t in triples]}
                else:
                    reply["body"] = out.graph(triples, key, prefixes)
                reply["rows"], reply["truncated"] = len(triples), truncated
        except SyntaxError as exc:
            refusal = safety.refusal_for(exc, req.query)
            return _error(refusal.status, refusal.message)
        except RuntimeError as exc:
            message = str(exc)
            function = re.search(r"custom function (<[^>]*>|\\S+) is not supported", message)
            if function:
                return _error(400, (
                    f"Unknown function {function.group(1)}: this endpoint supports the SPARQL 1.1 "
                    "built-in functions and XSD casts, and no extension functions."))
            if subs and ("substitut" in message.lower() or "projection" in message.lower()):
                return _error(400, (
                    f"The parameters ({', '.join('$' + n for n, _, _ in req.substitutions)}) "
                    f"cannot be bound: {exc}. A bound variable must appear in the SELECT clause."))
            raise
        except OSError as exc:
            return _error(500, f"The store could not be read: {exc}")
        reply["elapsed"] = time.perf_counter() - started
        return reply


def _error(status: int, message: str) -> dict:
    return {"status": status, "error": message}


#: A worker has grown once its private memory passes this share of its size
#: when forked (or RETIRE_MIN_MB, if more). A fresh fork pays a copy-on-write
#: fault for each page it first touches, so an eighth made workers answering
#: cheap queries make way every few seconds.
RETIRE_SHARE = 0.25
RETIRE_MIN_MB = 64
#: A grown worker makes way for a fresh fork once it has been idle this many
#: seconds, not at once: a fresh fork copies again every page it reads, so
#: one replaced after each scan made scan after scan 8 times slower than
#: Oxigraph server (664 against 80 ms); while queries keep coming it keeps its
#: copy, and the memory goes back once they stop.
RETIRE_IDLE_S = 2.0


#: Megabytes of pages newly faulted in (at most that much new private memory)
#: between two readings of the worker's private memory.
CHECK_EVERY_MB = 16
PAGE_MB = resource.getpagesize() / 2**20


def _minor_faults() -> int:
    """Page faults served without reading from disk since this process began
    (a fork starts from zero): each copy-on-write copy is one."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _memory_mb(field: str) -> float:
    """One field (``Rss``, ``Private_Dirty``...) of this process's memory, in MB."""
    try:
        with open("/proc/self/smaps_rollup") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _limit_memory(limit: int) -> None:
    """Cap the worker's address space (MiB; 0: none), so a query that would
    eat the machine's memory fails inside its own process instead."""
    import resource

    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit * 2**20, limit * 2**20))


def _open_current(engine: _Engine) -> None:
    """Open the published build before reporting ready, so that loading it
    (into memory, for a small build) is not paid by the first query."""
    settings = engine.settings
    if settings.store_query or not settings.current.exists():
        return
    try:
        engine.store(os.path.join(os.path.realpath(settings.current), "store"))
    except Exception:  # reported on the first query instead
        pass


def worker_loop(fd: int, engine: _Engine) -> None:
    """A worker's life, in a process just forked from the fork server
    (``web.fork_server``) with ``engine`` holding the build it had loaded:
    answer requests on the socket ``fd`` until the pool closes it."""
    isolated = _isolate_network()  # a fork has a single thread: unshare is allowed
    _die_with_parent()
    _limit_memory(engine.settings.worker_memory_mb)
    if os.getppid() == 1:  # the fork server died before PDEATHSIG was set
        return
    conn = Connection(fd)
    shared = engine._path  # the build held by the fork server, shared with it
    # Reading Oxigraph's in-memory store writes to the pages it reads, so a
    # worker's share of the fork server's copy turns, page by page, into a
    # private copy. Past a budget it makes way for a fresh fork.
    budget = max(RETIRE_MIN_MB, _memory_mb("Rss") * RETIRE_SHARE)
    checked_at = _minor_faults()
    conn.send({"ready": True, "pid": os.getpid(), "network_isolated": isolated})
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = engine.handle(req)
        except MemoryError:
            reply = {"status": 503, "out_of_memory": True}
        except Exception as exc:  # report, never die silently
            reply = _error(500, f"The query failed: {type(exc).__name__}: {exc}")
        except BaseException as exc:  # a Rust panic (pyo3's PanicException): the engine crashed
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            try:
                conn.send({"status": 500, "crashed": detail})
            finally:
                os._exit(70)  # its state is not to be trusted: the pool starts a fresh one
        if engine._path != shared:
            # It loaded a newer build of its own: answer, then make way for a
            # fork that shares the fork server's copy of it.
            reply["retire"] = True
        elif (_minor_faults() - checked_at) * PAGE_MB > CHECK_EVERY_MB:
            # A page becomes private only through a fault, and the count of
            # faults is one cheap call; reading smaps walks every page table
            # (20 ms at 2M triples), so it waits until enough have faulted.
            checked_at = _minor_faults()
            if _memory_mb("Private_Dirty") > budget:
                reply["grown"] = True
        try:
            conn.send(reply)
        except (OSError, ValueError) as exc:
            try:
                conn.send(_error(500, f"The result could not be sent: {exc}"))
            except OSError:
                return


# --------------------------------------------------------------------------
# The pool, in the web process
# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# The fork server (web.fork_server): starting one, asking it for workers
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


class _Worker:
    def __init__(self, forks: ForkServer):
        parent, child = socket.socketpair()
        # What the worker writes to standard error (a Rust panic or allocation
        # failure before it dies) says why it died; it is also copied to the log.
        self.stderr = tempfile.TemporaryFile()
        self.forks = forks
        try:
            self.pid = forks.spawn(child.fileno(), self.stderr.fileno())
        except BaseException:
            parent.close()
            self.stderr.close()
            raise
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        self.network_isolated = False
        self.grown = False  # its private memory passed the budget (RETIRE_SHARE)
        self.idle_since = time.monotonic()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            raise WorkerCrashed(f"query worker {self.pid} did not start within {timeout:.0f} s")
        hello = self.conn.recv()
        self.network_isolated = hello.get("network_isolated", False)

    def alive(self) -> bool:
        # An idle worker sends nothing: anything to read is its end (EOF).
        try:
            return not self.conn.poll(0)
        except (OSError, ValueError):
            return False

    def exit_status(self, timeout: float) -> int | None:
        return self.forks.exit_status(self.pid, timeout)

    def last_words(self, limit: int = 262144) -> str:
        """The end of what the worker wrote to standard error."""
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - limit))
            return self.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.conn.close()
        except OSError:
            pass

    def reap(self) -> None:
        if self.exit_status(10) is None:
            log.error("query worker %s did not exit after SIGKILL", self.pid)
        self.stderr.close()


class WorkerPool:
    """A fixed number of worker processes and a queue of idle ones.

    Workers are forked by a fork server (``web.fork_server``), asked (and a
    private one started, when there is no shared one) by one long-lived keeper
    thread, so a parent-death signal stays tied to the life of this process."""

    def __init__(self, settings: Settings, fork_server: str | None = None):
        self.settings = settings
        self.size = max(2, settings.workers)
        self._fork_server = fork_server  # the shared one's address (kg serve)
        self._forks: ForkServer | None = None  # made by the keeper thread
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._jobs: queue.Queue = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.pid = os.getpid()
        self._keeper = threading.Thread(target=self._keep, name="query-worker-keeper", daemon=True)
        self._keeper.start()
        for _ in range(self.size):
            self._jobs.put(("spawn", None))

    # The keeper thread: start workers, reap killed ones, replace grown ones
    # that have been idle a while.
    def _keep(self) -> None:
        while True:
            try:
                job, worker, *done = self._jobs.get(timeout=RETIRE_IDLE_S / 2)
            except queue.Empty:
                self._retire_idle_grown()
                continue
            if job == "stop":
                return
            try:
                self._do(job, worker)
            finally:
                for event in done:
                    event.set()

    def _do(self, job: str, worker) -> None:
        while True:
            if job == "reap":
                worker.reap()
                with self._lock:
                    self._all.discard(worker)
                if self._closed:
                    return
                job = "spawn"
            if job != "spawn" or self._closed:
                return
            try:
                if self._forks is None:
                    self._forks = ForkServer(self.settings, self._fork_server)
                fresh = _Worker(self._forks)
                with self._lock:
                    self._all.add(fresh)
                fresh.wait_ready(60)
            except Exception as exc:  # keep trying: the pool must refill
                log.error("could not start a query worker: %s", exc)
                if isinstance(exc, OSError) and self._forks is not None:
                    self._forks.close()  # gone: reconnect, or start a private one
                    self._forks = None
                time.sleep(1)
                continue
            self._idle.put(fresh)
            return

    def _retire_idle_grown(self) -> None:
        """Replace each grown worker idle for RETIRE_IDLE_S: the idle ones
        are taken off the queue for a moment, and the others put back."""
        now, kept, retired = time.monotonic(), [], []
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            grown = worker.grown and now - worker.idle_since >= RETIRE_IDLE_S and not self._closed
            (retired if grown else kept).append(worker)
        for worker in kept:
            self._idle.put(worker)
        for worker in retired:
            worker.kill()
            self._do("reap", worker)  # (and this thread starts the fresh fork)

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until every worker has started (used at server start)."""
        deadline = time.monotonic() + timeout
        while self._idle.qsize() < self.size and time.monotonic() < deadline:
            time.sleep(0.05)

    def workers(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._all)

    def _replace(self, worker: _Worker) -> threading.Event:
        """Kill ``worker`` and have a fresh one started; the event is set once
        it is ready."""
        worker.kill()
        ready = threading.Event()
        self._jobs.put(("reap", worker, ready))
        return ready

    def run(self, request, timeout: float, wait: float | None = None) -> dict:
        """Run one request on an idle worker within ``timeout`` seconds.

        Waits up to ``wait`` seconds (default: ``timeout``) for a worker to
        come free (PoolBusy otherwise); kills the worker and raises
        QueryTimeout when it does not answer in time."""
        deadline = time.monotonic() + (timeout if wait is None else wait)
        while True:
            remaining = deadline - time.monotonic()
            try:
                worker = self._idle.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise PoolBusy() from None
            if worker.alive():
                break
            self._replace(worker)
        try:
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                stopped = QueryTimeout(timeout)
                stopped.replaced = self._replace(worker)
                raise stopped
            reply = worker.conn.recv()
        except (EOFError, OSError) as exc:
            returncode = worker.exit_status(1)
            detail = worker.last_words()
            if detail.strip():  # into the server's log, without the backtrace
                sys.stderr.write("\n".join(detail.splitlines()[:6]) + "\n")
            replaced = self._replace(worker)
            raise WorkerCrashed(str(exc) or type(exc).__name__, returncode, detail, replaced) from None
        if reply.get("crashed") is not None:  # a panic the worker reported before it exited
            raise WorkerCrashed("panic", None, f"panicked at: {reply['crashed']}",
                                self._replace(worker))
        if reply.get("out_of_memory"):
            self._idle.put(worker)
            raise WorkerCrashed("MemoryError", None, "MemoryError")
        if reply.get("retire"):
            self._replace(worker)
        else:
            worker.grown = worker.grown or bool(reply.get("grown"))
            worker.idle_since = time.monotonic()
            self._idle.put(worker)
        return reply

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            w.kill()
        for w in workers:
            w.reap()
        self._jobs.put(("stop", None))
        if self._forks is not None:
            self._forks.close()


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def get_pool(settings: Settings, fork_server: str | None = None) -> WorkerPool:
    """This process's pool (a forked child gets its own); ``fork_server`` is
    the address of the shared fork server, for the pool's first making."""
    global _pool
    if _pool is None or _pool.pid != os.getpid():
        with _pool_lock:
            if _pool is None or _pool.pid != os.getpid():
                _pool = WorkerPool(settings, fork_server)
    return _pool


def close_pool() -> None:
    global _pool
    if _pool is not None and _pool.pid == os.getpid():
        _pool.close()
        _pool = None

