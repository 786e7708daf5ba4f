"""A hostile client cannot hurt the endpoint: no outbound requests or file
reads on its behalf, no writes, and no query that runs past the time limit
or keeps burning CPU, while other clients keep being answered."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

import pytest

from .conftest import LiveServer
from .conftest import http_request as request

TIMEOUT = 2.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
NORMAL = """PREFIX ia: <https://w3id.org/integration-atlas/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?p ?label WHERE { ?p a ia:Programme ; rdfs:label ?label }"""
SNAPSHOT = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"




def send_query(server, transport, query, extra=None):
    """The query by GET, by POST form or by POST application/sparql-query."""
    extra = list((extra or {}).items())
    if transport == "get":
        return request(server, "GET", "/sparql?" + urlencode([("query", query)] + extra))
    if transport == "form":
        return request(server, "POST", "/sparql", urlencode([("query", query)] + extra).encode(),
                       {"Content-Type": "application/x-www-form-urlencoded"})
    path = "/sparql" + ("?" + urlencode(extra) if extra else "")
    return request(server, "POST", path, query.encode(), {"Content-Type": "application/sparql-query"})


class Listener:
    """A loopback TCP listener that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(1)
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            self.connections.append(data)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            conn.close()

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def guarded(built):
    """A server with a short time limit, for the hostile cases."""
    server = LiveServer(built, KG_QUERY_TIMEOUT=TIMEOUT)
    yield server
    server.stop()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def snapshot(server) -> list[str]:
    status, _, body = request(server, "GET", "/sparql?" + urlencode({"query": SNAPSHOT, "format": "tsv"}))
    assert status == 200
    return sorted(body.decode().splitlines())


# --- SERVICE, in every form, over every transport ----------------------------

SERVICE_FORMS = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z OPTIONAL { { SELECT ?s WHERE { MINUS { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } } } } } } LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE SILENT <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { GRAPH ?g { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { VALUES ?svc { <http://127.0.0.1:{port}/sparql> } SERVICE ?svc { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0073\\u0065rvice \\U00000053ILENT <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "PREFIX remote: <http://127.0.0.1:{port}/> SELECT * WHERE { SERVICE remote:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { # a comment\n  SERVICE\n  <http://127.0.0.1:{port}/sparql>\n  { ?s ?p ?o } }",
    "ASK { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "DESCRIBE ?s WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("transport", ["get", "form", "direct"])
def test_service_is_refused_in_every_form_and_nothing_connects(guarded, listener, transport):
    for form in SERVICE_FORMS:
        query = form.replace("{port}", str(listener.port))
        status, headers, body = send_query(guarded, transport, query)
        assert status == 403, (query, body)
        assert headers["content-type"].startswith("text/plain")
        assert b"SERVICE" in body and b"outbound" in body
    time.sleep(0.5)
    assert listener.connections == []


def test_the_listener_would_see_a_connection(listener):
    """The detector works: a real client reaching it is recorded."""
    with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        s.recv(100)
    time.sleep(0.3)
    assert len(listener.connections) == 1


def test_query_workers_have_no_network(guarded):
    """Behind the SERVICE check, the query workers run in their own empty
    network namespace wherever the kernel allows one."""
    probe = subprocess.run([sys.executable, "-c", (
        "import ctypes,sys\n"
        "libc=ctypes.CDLL(None)\n"
        "sys.exit(0 if libc.unshare(0x40000000)==0 or libc.unshare(0x50000000)==0 else 1)")])
    workers = query_workers(guarded.proc.pid)
    assert len(workers) >= 2
    if probe.returncode != 0:
        pytest.skip("this kernel does not allow unprivileged network namespaces")
    server_ns = os.readlink(f"/proc/{guarded.proc.pid}/ns/net")
    for pid in workers:
        assert os.readlink(f"/proc/{pid}/ns/net") != server_ns


# --- FROM: only graphs held here, never fetched or read -----------------------------

@pytest.mark.parametrize("transport", ["get", "form", "direct"])
def test_from_a_file_is_refused_and_the_file_is_not_opened(guarded, tmp_path, transport):
    secret = tmp_path / "xyz-secret.ttl"
    secret.write_text('<http://example.org/s> <http://example.org/p> "secret" .\n')
    control = tmp_path / "control.ttl"
    control.write_text("x")
    for f in (secret, control):  # with relatime, any read now moves atime
        st = os.stat(f)
        os.utime(f, (st.st_mtime - 1000, st.st_mtime))
    before = os.stat(secret).st_atime
    for query in (f"SELECT * FROM <file://{secret}> WHERE {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <file://{secret}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
        status, _, body = send_query(guarded, transport, query)
        assert status == 400
        assert b"never fetches" in body and str(secret).encode() in body
    # As a protocol dataset, a graph not held is just empty: still never read.
    status, _, body = send_query(guarded, transport, "SELECT * WHERE { ?s ?p ?o }",
                                 {"default-graph-uri": f"file://{secret}"})
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    time.sleep(0.2)
    assert os.stat(secret).st_atime == before, "the secret file was read"
    control.read_text()
    if os.stat(control).st_atime == before:
        pytest.skip("this filesystem does not update access times")


@pytest.mark.parametrize("transport", ["get", "form", "direct"])
def test_from_a_url_is_refused_and_nothing_connects(guarded, listener, transport):
    url = f"http://127.0.0.1:{listener.port}/data.ttl"
    for query in (f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
                  f"ASK FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
        status, _, body = send_query(guarded, transport, query)
        assert status == 400 and url.encode() in body
    for param in ("default-graph-uri", "named-graph-uri"):
        status, _, _ = send_query(guarded, transport, "ASK { ?s ?p ?o }", {param: url})
        assert status == 200
    time.sleep(0.5)
    assert listener.connections == []


def test_from_a_graph_held_here_works(guarded):
    status, _, body = request(guarded, "GET", "/sparql?" + urlencode(
        {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}))
    graph = json.loads(body)["results"]["bindings"][0]["g"]["value"]
    status, _, body = send_query(guarded, "get", f"ASK FROM <{graph}> {{ ?s ?p ?o }}")
    assert status == 200 and json.loads(body)["boolean"] is True


# --- read-only ---------------------------------------------------------------------

def test_updates_load_clear_and_graph_store_writes_are_refused(guarded, listener):
    before = snapshot(guarded)
    assert len(before) > 1000
    load = f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>"
    insert = 'INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> "x" } }'
    updates = ["CLEAR ALL", "DROP ALL", "CLEAR SILENT DEFAULT", load, "LOAD SILENT <file:///etc/passwd>",
               insert, "DELETE WHERE { ?s ?p ?o }", "CREATE GRAPH <http://example.org/new>",
               "ADD DEFAULT TO <http://example.org/copy>", "clear all ; drop all"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for update in updates:
        cases = [
            ("POST", "/sparql", urlencode({"update": update}).encode(), form),
            ("POST", "/sparql", update.encode(), {"Content-Type": "application/sparql-update"}),
            ("GET", "/sparql?" + urlencode({"update": update}), None, {}),
            ("POST", "/sparql", urlencode({"query": update}).encode(), form),
            ("POST", "/sparql", update.encode(), {"Content-Type": "application/sparql-query"}),
            ("GET", "/sparql?" + urlencode({"query": update}), None, {}),
        ]
        for method, path, body, headers in cases:
            status, h, text = request(guarded, method, path, body, headers)
            assert status == 403, (update, method, path, text)
            assert b"read-only" in text and h["content-type"].startswith("text/plain")
    turtle = b'<http://example.org/s> <http://example.org/p> "x" .'
    for method in ("PUT", "POST", "DELETE", "PATCH"):
        for path in ("/sparql?graph=http%3A%2F%2Fexample.org%2Fg", "/sparql?default",
                     "/store?graph=http%3A%2F%2Fexample.org%2Fg", "/store?default"):
            status, _, text = request(guarded, method, path, turtle, {"Content-Type": "text/turtle"})
            assert status == 403, (method, path, text)
            assert b"read-only" in text
    time.sleep(0.5)
    assert listener.connections == []
    assert snapshot(guarded) == before


# --- the time limit --------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def comm(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/comm", "rb") as fh:
            return fh.read().strip()
    except OSError:
        return b""


def query_workers(root: int, tree: list[int] | None = None) -> list[int]:
    """The query worker processes under the server process ``root`` (forks
    of its fork server, named by ``web.fork_server``)."""
    from web.fork_server import WORKER_NAME

    return [p for p in (descendants(root) if tree is None else tree) if comm(p) == WORKER_NAME]


def cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            return None
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError):
        return None


def cpu_shares(pids: list[int], seconds: float) -> dict[int, float]:
    """Fraction of one CPU each process used over ``seconds``."""
    hz = os.sysconf("SC_CLK_TCK")
    start = {p: cpu_ticks(p) for p in pids}
    time.sleep(seconds)
    shares = {}
    for p in pids:
        end = cpu_ticks(p)
        if start[p] is not None and end is not None:
            shares[p] = (end - start[p]) / hz / seconds
    return shares


def test_runaway_query_is_stopped_and_other_clients_keep_being_answered(guarded):
    request(guarded, "GET", "/sparql?" + urlencode({"query": NORMAL}))  # warm both paths
    baseline = []
    for _ in range(5):
        t = time.monotonic()
        status, _, _ = request(guarded, "GET", "/sparql?" + urlencode({"query": NORMAL}))
        baseline.append(time.monotonic() - t)
        assert status == 200

    outcome = {}

    def runaway():
        t = time.monotonic()
        outcome["reply"] = request(guarded, "POST", "/sparql", RUNAWAY.encode(),
                                   {"Content-Type": "application/sparql-query"}, timeout=30)
        outcome["seconds"] = time.monotonic() - t

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)

    # The runaway is burning a query worker's CPU now.
    workers = query_workers(guarded.proc.pid)
    shares = cpu_shares(workers, 0.5)
    burning = max(shares, key=shares.get)
    assert shares[burning] > 0.25, shares  # (the machine may be shared: not a full CPU)

    # A second client is answered at normal speed meanwhile.
    latencies = []
    while thread.is_alive():
        t = time.monotonic()
        status, _, body = request(guarded, "GET", "/sparql?" + urlencode({"query": NORMAL}))
        latencies.append(time.monotonic() - t)
        assert status == 200 and json.loads(body)["results"]["bindings"]
    thread.join()
    assert len(latencies) >= 5
    median = sorted(latencies)[len(latencies) // 2]
    assert median < max(0.25, 4 * statistics.median(baseline)), (latencies, baseline)
    assert max(latencies) < 1.5, latencies

    # The runaway got a 503 that names the limit, within the limit plus a second.
    status, headers, body = outcome["reply"]
    assert status == 503
    assert headers["content-type"].startswith("text/plain")
    text = body.decode()
    assert f"{TIMEOUT:g} s" in text and "KG_QUERY_TIMEOUT" in text
    assert TIMEOUT - 0.1 <= outcome["seconds"] <= TIMEOUT + 1.0, outcome["seconds"]

    # The worker that ran it is gone, and nothing is left burning CPU.
    deadline = time.monotonic() + 3
    while os.path.exists(f"/proc/{burning}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{burning}"), "the runaway worker is still there"
    time.sleep(1.5)  # let the replacement worker finish starting
    tree = descendants(guarded.proc.pid)
    shares = cpu_shares(tree, 1.0)
    assert all(share < 0.3 for share in shares.values()), shares
    workers = query_workers(guarded.proc.pid, tree)
    assert len(workers) >= 2, "the pool was not refilled"
    status, _, _ = request(guarded, "GET", "/sparql?" + urlencode({"query": NORMAL}))
    assert status == 200


def test_memory_hungry_query_is_stopped_in_its_own_process(built):
    """A query that would eat the machine's memory (a sort of the graph's
    cross product) hits the query worker's memory cap and gets a 503 that says
    so, long before the time limit; the next query is answered."""
    server = LiveServer(built, KG_WORKER_MEMORY_MB=1024, KG_QUERY_TIMEOUT=30)
    try:
        status, _, _ = request(server, "GET", "/sparql?" + urlencode({"query": NORMAL}))
        assert status == 200
        t = time.monotonic()
        status, headers, body = request(server, "POST", "/sparql",
                                        b"SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f",
                                        {"Content-Type": "application/sparql-query"}, timeout=60)
        assert time.monotonic() - t < 20
        assert status == 503 and headers["content-type"].startswith("text/plain")
        assert b"out of memory" in body and b"1024 MB" in body and b"KG_WORKER_MEMORY_MB" in body
        status, _, body = request(server, "GET", "/sparql?" + urlencode({"query": NORMAL}))
        assert status == 200 and json.loads(body)["results"]["bindings"]
    finally:
        server.stop()
