"""The atlas on a remote SPARQL store: a real Oxigraph server on loopback.

``kg push`` loads the session build into it, and a second ``kg serve`` reads
from it (``KG_STORE_*``). Endpoint requests, pages, documents and dumps must
give the same answers as the embedded store; a push is atomic for readers; a
store that goes away and comes back needs no restart; retries, the time limit
and the User-Agent are checked against small local stubs.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.build import publish
from kg.config import Settings
from kg.remote import USER_AGENT, RemoteStore, StoreTimeout, StoreUnavailable, values_clause

from .conftest import LiveServer, free_port, run_kg
from .test_pages_resources import BROWSER_ACCEPT, fetch

OXIGRAPH = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "oxigraph")
if not os.path.exists(OXIGRAPH):
    OXIGRAPH = shutil.which("oxigraph") or OXIGRAPH

pytestmark = pytest.mark.skipif(not os.path.exists(OXIGRAPH),
                                reason="the oxigraph server (PyPI package oxigraph) is not installed")


class OxigraphServer:
    """``oxigraph serve`` on 127.0.0.1, stoppable and restartable in place."""

    def __init__(self, location: Path, port: int | None = None):
        self.location = location
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def env(self) -> dict[str, str]:
        return {"KG_STORE_QUERY": self.url + "/query", "KG_STORE_UPDATE": self.url + "/update",
                "KG_STORE_GRAPHS": self.url + "/store"}

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [OXIGRAPH, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                fetch(self.url, "/query?query=" + quote("ASK {}"))
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the oxigraph server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def push(settings: Settings, server: OxigraphServer, **env) -> None:
    r = run_kg(settings, "push", **server.env, **env)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory, built):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db")
    push(built, server)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def remote_server(built, oxigraph_server):
    # These checks compare answers, not speed (the benchmark measures that):
    # resource pages run many queries, each slower over a remote union graph.
    server = LiveServer(built, **oxigraph_server.env, KG_QUERY_TIMEOUT="30", KG_STORE_TIMEOUT="30")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def remote(built, oxigraph_server) -> RemoteStore:
    return RemoteStore(oxigraph_server.env["KG_STORE_QUERY"], base=built.base)


# --------------------------------------------------------------------------
# The store interface: same answers as the embedded store
# --------------------------------------------------------------------------

def _norm(term):
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def _rows(result) -> list[tuple]:
    return sorted(tuple(_norm(t) if t is not None else None for t in sol) for sol in result)


STORE_QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class",
    "SELECT ?p ?o WHERE { <https://w3id.org/integration-atlas/id/programme/vanguards> ?p ?o }",
]


def test_store_interface_matches_embedded(store, remote):
    assert remote.graph_names() == store.graph_names()
    assert len(remote) == len(store)
    for q in STORE_QUERIES:
        assert _rows(remote.query(q)) == _rows(store.query(q)), q
    assert bool(remote.query("ASK { ?s a ?c }")) is True
    iri = "https://w3id.org/integration-atlas/id/programme/vanguards"
    g = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER (?s = <%s>) }" % iri
    assert set(map(str, remote.query(g))) == set(map(str, store.query(g)))


def _nondeterministic(text: str) -> bool:
    """SAMPLE and GROUP_CONCAT may pick or order values differently on two
    stores holding the same data: compare such answers by their size."""
    return bool(re.search(r"\b(SAMPLE|GROUP_CONCAT)\s*\(", text, re.IGNORECASE))


def test_named_query_parameters_match_embedded(store, remote, spelling=None):
    """``spelling`` writes an embedded answer's terms as the remote store
    spells them, where the two differ in form only."""
    from kg import queries as named

    checked = 0
    for q in named.all_queries().values():
        if not q.params:
            continue
        subs = {ox.Variable(k): ox.NamedNode(v) for k, v in q.params.items()}
        try:
            expected = _rows(store.query(q.text, substitutions=subs))
            if spelling:
                expected = sorted(tuple(spelling(t) for t in row) for row in expected)
        except (RuntimeError, TypeError):
            continue  # not a SELECT, or a variable Oxigraph will not bind
        got = _rows(remote.query(q.text, substitutions=subs))
        if _nondeterministic(q.text):
            assert len(got) == len(expected), q.name
        else:
            assert got == expected, q.name
        checked += 1
    assert checked >= 3


def test_parameters_cannot_break_out(remote, store):
    nasty = 'a"} } ; DROP ALL ; SELECT * { ?s ?p ?o } #\n\\" >'
    subs = {ox.Variable("x"): ox.Literal(nasty), ox.Variable("y"): ox.NamedNode("http://example.org/a?b=%3E")}
    (sol,) = list(remote.query("SELECT ?x ?y WHERE {}", substitutions=subs))
    assert sol["x"].value == nasty and sol["y"].value == "http://example.org/a?b=%3E"
    with pytest.raises(ValueError):
        ox.NamedNode("http://example.org/a> } ; DROP ALL ; <x")
    with pytest.raises(ValueError):
        values_clause({ox.Variable("x"): ox.BlankNode()})
    assert len(remote) == len(store)  # nothing was dropped


# --------------------------------------------------------------------------
# The service on the remote store: same answers as on the embedded store
# --------------------------------------------------------------------------

def _sparql(server, params, accept="application/sparql-results+json"):
    return fetch(server.url, "/sparql?" + urlencode(params), accept)


def _bindings(body: str) -> list:
    data = json.loads(body)
    if "boolean" in data:
        return [data["boolean"]]
    rows = []
    for b in data["results"]["bindings"]:
        rows.append(tuple(sorted((k, v["type"], "_" if v["type"] == "bnode" else v["value"],
                                  v.get("datatype"), v.get("xml:lang")) for k, v in b.items())))
    return sorted(rows)


ENDPOINT_CASES = [
    ({"query": "SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class"}, "json"),
    ({"query": "SELECT ?s ?label WHERE { ?s a <https://w3id.org/integration-atlas/def/Programme> ; "
               "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s"}, "csv"),
    ({"query": "ASK { ?s a <https://w3id.org/integration-atlas/def/Programme> }"}, "json"),
    ({"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"}, "json"),
    ({"query": "SELECT ?thing ?p ?o WHERE { $thing ?p ?o }",
      "$thing": "https://w3id.org/integration-atlas/id/programme/vanguards"}, "json"),
    ({"query": "SELECT ?s ?text WHERE { ?s ?p ?o FILTER (CONTAINS(LCASE(STR(?o)), LCASE(?text))) } "
               "ORDER BY ?s LIMIT 5", "$text": '"vanguard"'}, "json"),
    ({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
      "default-graph-uri": "https://w3id.org/integration-atlas/id/graph/core/documents"}, "json"),
]


@pytest.mark.parametrize("params,kind", ENDPOINT_CASES, ids=range(len(ENDPOINT_CASES)))
def test_endpoint_same_answers(live_server, remote_server, params, kind):
    accept = {"json": "application/sparql-results+json", "csv": "text/csv"}[kind]
    a, b = _sparql(live_server, params, accept), _sparql(remote_server, params, accept)
    assert a.status == b.status == 200, (a.text[:500], b.text[:500])
    if kind == "json":
        assert _bindings(a.text) == _bindings(b.text)
    else:
        assert list(csv.reader(io.StringIO(a.text))) == list(csv.reader(io.StringIO(b.text)))
        assert len(a.text.splitlines()) > 2


def test_endpoint_construct_and_named_queries(live_server, remote_server):
    from kg import queries as named

    iri = "https://w3id.org/integration-atlas/id/programme/vanguards"
    params = {"query": "CONSTRUCT WHERE { $thing ?p ?o }", "$thing": iri}
    a, b = (_sparql(s, params, "text/turtle") for s in (live_server, remote_server))
    assert a.status == b.status == 200
    ga, gb = (rdflib.Graph().parse(data=r.text, format="turtle") for r in (a, b))
    assert len(ga) > 10 and isomorphic(ga, gb)
    for q in named.all_queries().values():
        if q.name.startswith("page-") or q.derives or q.name in getattr(remote_server, "known_differences", ()):
            continue  # derivations run at build time; their output is compared as data
        params = {"query": q.text, **{f"${k}": v for k, v in q.params.items()}}
        a, b = (_sparql(s, params, "application/sparql-results+json, text/turtle;q=0.9")
                for s in (live_server, remote_server))
        assert a.status == b.status, q.name
        if a.status == 200 and a.content_type.startswith("application/sparql-results+json"):
            if _nondeterministic(q.text):
                assert len(_bindings(a.text)) == len(_bindings(b.text)), q.name
            else:
                # as sets: rows that differ only in a value's lexical form
                # (1E9 against 1000000000) are one row once normalised
                ra, rb = set(_bindings(a.text)), set(_bindings(b.text))
                assert ra == rb, (q.name, sorted(ra - rb)[:3], sorted(rb - ra)[:3])


def test_endpoint_refusals_are_the_same(live_server, remote_server):
    service = {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}
    a, b = _sparql(live_server, service), _sparql(remote_server, service)
    assert a.status == b.status and a.status in (400, 403) and a.text == b.text
    bad = {"query": "SELECT ?s WHERE { ?s ?p "}
    a, b = _sparql(live_server, bad), _sparql(remote_server, bad)
    assert a.status == b.status == 400
    update = {"query": "DROP ALL"}
    a, b = _sparql(live_server, update), _sparql(remote_server, update)
    assert a.status == b.status and a.status >= 400


def test_pages_and_documents_same(live_server, remote_server):
    for path in ("/", "/id/programme/vanguards", "/-/classes", "/-/search?q=vanguard",
                 "/id/graph/core/documents"):
        a = fetch(live_server.url, path, BROWSER_ACCEPT)
        b = fetch(remote_server.url, path, BROWSER_ACCEPT)
        assert a.status == b.status == 200, (path, b.text[:500])
        # Same links to resources (the hosts differ; the resources do not).
        links = lambda html: sorted(set(re.findall(r'href="(/(?:id|def)/[^"]*)"', html)))  # noqa: E731
        assert links(a.text) == links(b.text), path
    for path in ("/id/programme/vanguards", "/id/organisation/nhs-england"):
        a, b = (fetch(s.url, path, "text/turtle") for s in (live_server, remote_server))
        assert a.status == b.status == 200
        ga, gb = (rdflib.Graph().parse(data=r.text, format="turtle") for r in (a, b))
        assert len(ga) > 5 and isomorphic(ga, gb), path
    for path in ("/-/class/ia:Programme.json", "/-/search.json?q=nhs%20england"):
        a, b = (fetch(s.url, path) for s in (live_server, remote_server))
        assert a.status == b.status == 200
        strip = lambda body: json.loads(re.sub(r"http://127\.0\.0\.1:\d+", "", body))  # noqa: E731
        assert strip(a.text) == strip(b.text), path


@pytest.mark.parametrize("name", ["atlas.nq", "atlas.ttl"])
def test_dumps_same(live_server, remote_server, name):
    a, b = (fetch(s.url, f"/-/dumps/{name}") for s in (live_server, remote_server))
    assert a.status == b.status == 200, b.text[:500]
    if name.endswith(".nq"):
        da, db = (rdflib.Dataset() for _ in range(2))
        da.parse(data=a.text, format="nquads")
        db.parse(data=b.text, format="nquads")
        assert len(da) == len(db)
        assert {str(g.identifier) for g in da.graphs()} == {str(g.identifier) for g in db.graphs()}
    else:
        ga, gb = (rdflib.Graph().parse(data=r.text, format="turtle") for r in (a, b))
        assert len(ga) == len(gb) and isomorphic(ga, gb)


# --------------------------------------------------------------------------
# Push: atomic for readers
# --------------------------------------------------------------------------

def _variant_home(built: Settings, tmp: Path) -> Settings:
    """A 'build' of changed data: one graph gains triples, one is gone, one is new."""
    home = tmp / "variant"
    target = home / "builds" / "variant"
    target.mkdir(parents=True)
    src = ox.Store.read_only(os.path.realpath(built.current) + "/store")
    graphs = sorted(g.value for g in src.named_graphs())
    gone, grown = graphs[0], graphs[1]
    db = ox.Store(str(target / "store"))
    db.bulk_extend([q for q in src if q.graph_name.value != gone])
    extra = [ox.Quad(ox.NamedNode(f"{built.base}id/thing/extra-{i}"), ox.NamedNode(
        "http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(f"extra {i}"), ox.NamedNode(grown))
        for i in range(50)]
    extra.append(ox.Quad(ox.NamedNode(f"{built.base}id/thing/new"), ox.NamedNode(
        "http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("new"),
        ox.NamedNode(f"{built.base}id/graph/new-in-variant")))
    db.bulk_extend(extra)
    db.flush()
    del db
    settings = Settings.from_env(home=home, base=built.base)
    publish(settings, target)
    return settings


def test_push_is_atomic_for_readers(built, store, tmp_path):
    server = OxigraphServer(tmp_path / "db")
    try:
        push(built, server)
        variant = _variant_home(built, tmp_path)
        reader = RemoteStore(server.env["KG_STORE_QUERY"], base=built.base)
        old = len(store)
        new = len(ox.Store.read_only(os.path.realpath(variant.current) + "/store"))
        assert old != new
        seen, errors, stop = [], [], threading.Event()

        def read():
            while not stop.is_set():
                try:
                    (sol,) = list(reader.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
                    seen.append(int(sol["n"].value))
                except Exception as exc:  # noqa: BLE001
                    errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            push(variant, server)
            time.sleep(0.3)
            push(built, server)
            time.sleep(0.3)
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert not errors, errors[:3]
        assert set(seen) <= {old, new}, sorted(set(seen))
        assert old in seen and new in seen and len(seen) > 20
        # Staging graphs of earlier pushes are gone; the names are the build's own.
        r = RemoteStore(server.env["KG_STORE_QUERY"], base=built.base)
        assert r.graph_names() == store.graph_names()
        everything = r.query("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", union_default=False)
        assert not [s for s in everything if "/id/push/" in s["g"].value
                    and not s["g"].value.endswith("/current")]
    finally:
        server.stop()


# --------------------------------------------------------------------------
# The store goes away and comes back
# --------------------------------------------------------------------------

def test_store_down_then_back_without_restart(built, tmp_path):
    server = OxigraphServer(tmp_path / "db")
    push(built, server)
    # A stopped store refuses connections at once; the limit only bounds the
    # pages made once it is back (many queries each, on a busy machine).
    app = LiveServer(built, **server.env, KG_STORE_TIMEOUT="15")
    try:
        query = {"query": "ASK { ?s ?p ?o }"}
        assert _sparql(app, query).status == 200
        server.stop()
        r = _sparql(app, query)
        assert r.status == 503
        assert server.url in r.text and "did not answer" in r.text
        p = fetch(app.url, "/id/programme/vanguards", BROWSER_ACCEPT)
        assert p.status == 503 and server.url in p.text
        server.start()
        time.sleep(2.1)  # beyond the pointer cache
        assert _sparql(app, query).status == 200
        assert fetch(app.url, "/id/programme/vanguards", BROWSER_ACCEPT).status == 200
    finally:
        app.stop()
        server.stop()


# --------------------------------------------------------------------------
# Retries, the time limit and the User-Agent, against a stub
# --------------------------------------------------------------------------

RESULT = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"ok"}}]}}'


class Stub:
    def __init__(self, failures=(), hang=False):
        self.failures = list(failures)  # (status, Retry-After) answered first
        self.hang = hang
        self.release = threading.Event()
        self.requests: list[dict] = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                stub.requests.append({"ua": self.headers.get("User-Agent"),
                                      "accept": self.headers.get("Accept"),
                                      "body": self.rfile.read(length), "at": time.monotonic()})
                if stub.hang:
                    stub.release.wait(30)
                    return
                if stub.failures:
                    status, retry_after = stub.failures.pop(0)
                    self.send_response(status)
                    self.send_header("Retry-After", retry_after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(RESULT)))
                self.end_headers()
                self.wfile.write(RESULT)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_retries_on_503_and_429_then_succeeds():
    stub = Stub(failures=[(503, "1"), (429, "0")])
    try:
        started = time.monotonic()
        result = RemoteStore(stub.url, timeout=10).query("SELECT ?x WHERE {}", union_default=False)
        assert [s["x"].value for s in result] == ["ok"]
        assert len(stub.requests) == 3
        assert stub.requests[1]["at"] - stub.requests[0]["at"] >= 0.9  # Retry-After: 1 honoured
        assert time.monotonic() - started < 5
        # (5) our User-Agent, on every attempt
        assert {r["ua"] for r in stub.requests} == {USER_AGENT}
        assert USER_AGENT.startswith("integration-atlas/")
        assert "application/sparql-results+json" in stub.requests[0]["accept"]
    finally:
        stub.close()


def test_gives_up_with_a_clear_error_when_always_busy():
    stub = Stub(failures=[(503, "0")] * 10)
    try:
        with pytest.raises(StoreUnavailable, match=re.escape(stub.url)):
            RemoteStore(stub.url, timeout=5).query("SELECT ?x WHERE {}", union_default=False)
        assert 2 <= len(stub.requests) <= 4
    finally:
        stub.close()


def test_total_time_limit_against_a_store_that_never_answers():
    stub = Stub(hang=True)
    try:
        started = time.monotonic()
        with pytest.raises(StoreTimeout, match="did not answer within 1 s"):
            RemoteStore(stub.url, timeout=1).query("SELECT ?x WHERE {}", union_default=False)
        assert time.monotonic() - started < 2.5
    finally:
        stub.close()


def test_down_store_fails_fast_with_its_url():
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(StoreUnavailable, match=re.escape(url) + ".*did not answer"):
        RemoteStore(url, timeout=5).query("ASK {}", union_default=False)


def test_push_by_sparql_update_alone(built, store, tmp_path, monkeypatch):
    """Without a Graph Store endpoint, push loads by INSERT DATA in chunks."""
    import kg.push

    server = OxigraphServer(tmp_path / "db")
    try:
        monkeypatch.setattr(kg.push, "CHUNK", 2_000)  # several chunks per large graph
        settings = Settings.from_env(home=built.home, base=built.base,
                                     store_query=server.env["KG_STORE_QUERY"],
                                     store_update=server.env["KG_STORE_UPDATE"])
        result = kg.push.push(settings, progress=lambda _m: None)
        remote = RemoteStore.from_settings(settings)
        assert remote.graph_names() == store.graph_names()
        assert len(remote) == len(store) == result["triples"]
        q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        assert _rows(remote.query(q)) == _rows(store.query(q))
    finally:
        server.stop()


def test_push_without_update_endpoint_is_refused(built):
    r = run_kg(built, "push", KG_STORE_QUERY="http://127.0.0.1:9/query")
    assert r.returncode == 1 and "KG_STORE_UPDATE" in r.stderr


# --------------------------------------------------------------------------
# Existing page and endpoint checks, run again on the remote-backed server
# --------------------------------------------------------------------------

def _reusable():
    import inspect

    from . import test_pages_browse, test_sparql_protocol

    found = []
    for module in (test_pages_browse, test_sparql_protocol):
        for name, fn in vars(module).items():
            if not name.startswith("test_") or not callable(fn) or hasattr(fn, "pytestmark"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] == "live_server" and set(params) <= {"live_server", "store"}:
                found.append(pytest.param(fn, id=f"{module.__name__.rsplit('.', 1)[-1]}::{name}"))
    return found


@pytest.mark.parametrize("check", _reusable())
def test_existing_checks_pass_on_the_remote_store(check, remote_server, store):
    import inspect

    kwargs = {"live_server": remote_server, "store": store}
    check(**{p: kwargs[p] for p in inspect.signature(check).parameters})
