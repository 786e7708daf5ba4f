"""The SPARQL endpoint speaks the protocol: real clients (SPARQLWrapper and
rdflib's SPARQLStore) over HTTP against a running ``kg serve``, every result
format, content negotiation, the service description, CORS and the error
cases, each answered with a plain-text reason."""

from __future__ import annotations

import html
import io
import json
import re
import xml.dom.minidom
from urllib.parse import urlencode, urlsplit

import pytest
import rdflib
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, POST, TSV, TURTLE, XML, SPARQLWrapper

from kg import queries as named
from web.sparql import editor_text, example_queries

from .conftest import LiveServer
from .conftest import http_request as request

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
PROGRAMMES = """
PREFIX ia: <https://w3id.org/integration-atlas/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?programme ?label WHERE { ?programme a ia:Programme ; rdfs:label ?label } ORDER BY ?programme ?label
"""
PROGRAMME_GRAPH = """
PREFIX ia: <https://w3id.org/integration-atlas/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?programme a ia:Programme ; rdfs:label ?label }
WHERE { ?programme a ia:Programme ; rdfs:label ?label }
"""
VANGUARDS = "https://w3id.org/integration-atlas/id/programme/vanguards"




def get(server, params, accept=None, headers=None):
    h = dict(headers or {})
    if accept is not None:
        h["Accept"] = accept
    return request(server, "GET", "/sparql?" + urlencode(params, doseq=True), headers=h)


def expected_programmes(store) -> list[tuple[str, str]]:
    return [(s["programme"].value, s["label"].value) for s in store.query(PROGRAMMES)]


def sparql_form(text: str) -> str:
    """The query form of a named query's text (its comment lines skipped)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body, re.I).group(1).upper()


def wrapper(server, fmt, method=None, query=PROGRAMMES) -> SPARQLWrapper:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method:
        sw.setMethod(method)
    return sw


@pytest.fixture(scope="module")
def limited(built):
    """A second server with a small row cap and body limit."""
    server = LiveServer(built, KG_MAX_ROWS=50, KG_MAX_BODY=20000)
    yield server
    server.stop()


# --- SPARQLWrapper, every format ----------------------------------------------

@pytest.mark.parametrize("method", [None, POST])
def test_select_json_with_sparqlwrapper(live_server, store, method):
    result = wrapper(live_server, JSON, method).query()
    assert result.info()["content-type"].startswith("application/sparql-results+json")
    data = result.convert()
    assert data["head"]["vars"] == ["programme", "label"]
    got = [(b["programme"]["value"], b["label"]["value"]) for b in data["results"]["bindings"]]
    assert got == expected_programmes(store) and len(got) >= 3
    lang = {b["label"].get("xml:lang") for b in data["results"]["bindings"]}
    assert "en" in lang


def test_select_xml_with_sparqlwrapper(live_server, store):
    result = wrapper(live_server, XML).query()
    assert result.info()["content-type"].startswith("application/sparql-results+xml")
    doc = result.convert()
    assert isinstance(doc, xml.dom.minidom.Document)
    got = []
    for res in doc.getElementsByTagName("result"):
        values = {b.getAttribute("name"): b.firstChild.firstChild.data
                  for b in res.getElementsByTagName("binding")}
        got.append((values["programme"], values["label"]))
    assert got == expected_programmes(store)


def test_select_csv_with_sparqlwrapper(live_server, store):
    result = wrapper(live_server, CSV).query()
    assert result.info()["content-type"].startswith("text/csv")
    text = result.convert().decode("utf-8")
    import csv
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["programme", "label"]
    assert [tuple(r) for r in rows[1:]] == expected_programmes(store)
    assert "\r\n" in text  # RFC 4180 line ends, as SPARQL CSV requires


def test_select_tsv_with_sparqlwrapper(live_server, store):
    result = wrapper(live_server, TSV).query()
    assert result.info()["content-type"].startswith("text/tab-separated-values")
    lines = result.convert().decode("utf-8").rstrip("\n").split("\n")
    assert lines[0] == "?programme\t?label"
    first_iri, first_label = expected_programmes(store)[0]
    iri, label = lines[1].split("\t")
    assert iri == f"<{first_iri}>"
    assert label.startswith('"') and first_label in label and label.endswith("@en")
    assert len(lines) - 1 == len(expected_programmes(store))


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask_with_sparqlwrapper(live_server, fmt):
    yes = wrapper(live_server, fmt, query=f"ASK {{ <{VANGUARDS}> ?p ?o }}").query().convert()
    no = wrapper(live_server, fmt, query="ASK { <http://example.org/nothing> ?p ?o }").query().convert()
    if fmt == JSON:
        assert yes["boolean"] is True and no["boolean"] is False
    else:
        assert yes.getElementsByTagName("boolean")[0].firstChild.data == "true"
        assert no.getElementsByTagName("boolean")[0].firstChild.data == "false"


def _expected_graph(store) -> rdflib.Graph:
    from pyoxigraph import RdfFormat, serialize
    data = serialize(store.query(PROGRAMME_GRAPH), format=RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


def test_construct_turtle_with_sparqlwrapper(live_server, store):
    result = wrapper(live_server, TURTLE, query=PROGRAMME_GRAPH).query()
    assert result.info()["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=result.convert(), format="turtle")
    assert len(g) > 5 and isomorphic(g, _expected_graph(store))


def test_construct_jsonld_with_sparqlwrapper(live_server, store):
    result = wrapper(live_server, JSONLD, query=PROGRAMME_GRAPH).query()
    assert result.info()["content-type"].startswith("application/ld+json")
    g = result.convert()
    assert isomorphic(rdflib.Graph() + g, _expected_graph(store))


def test_construct_rdfxml_with_sparqlwrapper(live_server, store):
    result = wrapper(live_server, XML, POST, query=PROGRAMME_GRAPH).query()
    assert result.info()["content-type"].startswith("application/rdf+xml")
    g = result.convert()
    assert isomorphic(rdflib.Graph() + g, _expected_graph(store))


def test_construct_ntriples_with_sparqlwrapper(live_server, store):
    sw = wrapper(live_server, TURTLE, query=PROGRAMME_GRAPH)
    sw.setOnlyConneg(True)
    sw.addCustomHttpHeader("Accept", "application/n-triples")
    result = sw.query()
    assert result.info()["content-type"].startswith("application/n-triples")
    g = rdflib.Graph().parse(data=result.convert(), format="nt")
    assert isomorphic(g, _expected_graph(store))


def test_describe_returns_the_resource(live_server):
    result = wrapper(live_server, TURTLE, query=f"DESCRIBE <{VANGUARDS}>").query()
    g = rdflib.Graph().parse(data=result.convert(), format="turtle")
    assert (rdflib.URIRef(VANGUARDS), rdflib.RDFS.label, None) in g


def test_every_example_query_answers_through_sparqlwrapper(live_server, store):
    examples = example_queries()
    assert len(examples) >= 4
    for q in examples:
        # (SPARQLWrapper sniffs the query type with a regular expression that
        # the header comments of some .rq files mislead into "update".)
        expected = len(list(store.query(q.text)))
        if sparql_form(q.text) == "CONSTRUCT":
            sw = wrapper(live_server, TURTLE, POST, query=editor_text(q))
            graph = rdflib.Graph().parse(data=sw.query().response.read(), format="turtle")
            assert len(graph) == expected, q.name
            continue
        sw = wrapper(live_server, JSON, POST, query=editor_text(q))
        data = sw.query().convert()
        assert data["head"]["vars"], q.name
        assert len(data["results"]["bindings"]) == expected, q.name


def test_rdflib_sparqlstore_reads_the_endpoint(live_server, store):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    remote = SPARQLStore(live_server.url + "/sparql", returnFormat="xml")
    graph = rdflib.Graph(store=remote, identifier=rdflib.graph.DATASET_DEFAULT_GRAPH_ID)
    rows = [(str(r.programme), str(r.label)) for r in graph.query(PROGRAMMES)]
    assert rows == expected_programmes(store)
    labels = set(graph.objects(rdflib.URIRef(VANGUARDS), rdflib.RDFS.label))
    assert labels and all(isinstance(l, rdflib.Literal) for l in labels)
    assert graph.query(f"ASK {{ <{VANGUARDS}> ?p ?o }}").askAnswer is True


# --- negotiation ------------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+xml;q=0.2, text/tab-separated-values", "text/tab-separated-values"),
    ("text/*;q=0.8, application/sparql-results+json;q=0.1", "text/csv"),
    ("application/json", "application/sparql-results+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
])
def test_accept_q_values_choose_the_select_format(live_server, accept, expected):
    status, headers, _ = get(live_server, {"query": PROGRAMMES}, accept=accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == expected
    assert "accept" in headers["vary"].lower()


def test_rdf_client_with_html_low_in_accept_gets_rdf(live_server):
    accept = "application/rdf+xml, text/turtle;q=0.9, text/html;q=0.6, */*;q=0.1"
    status, headers, body = get(live_server, {"query": PROGRAMME_GRAPH}, accept=accept)
    assert status == 200 and headers["content-type"].startswith("application/rdf+xml")
    rdflib.Graph().parse(data=body, format="xml")


def test_format_parameter_overrides_accept(live_server):
    status, headers, body = get(live_server, {"query": PROGRAMMES, "format": "csv"},
                                accept="application/sparql-results+json")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert body.startswith(b"programme,label\r\n")
    status, headers, _ = get(live_server, {"query": PROGRAMME_GRAPH, "format": "jsonld"})
    assert status == 200 and headers["content-type"].startswith("application/ld+json")


@pytest.mark.parametrize("params, accept, words", [
    ({"query": PROGRAMMES}, "image/png", ["SELECT", "application/sparql-results+json"]),
    ({"query": "ASK {}"}, "text/csv", ["ASK", "application/sparql-results+xml"]),
    ({"query": PROGRAMME_GRAPH}, "application/sparql-results+json", ["CONSTRUCT", "text/turtle"]),
    ({"query": PROGRAMMES, "format": "png"}, None, ["Unknown format", "png"]),
    ({"query": PROGRAMMES}, "application/sparql-results+json;q=0", ["SELECT"]),
])
def test_406_when_nothing_acceptable(live_server, params, accept, words):
    status, headers, body = get(live_server, params, accept=accept)
    assert status == 406
    assert headers["content-type"].startswith("text/plain")
    assert "accept" in headers["vary"].lower()
    text = body.decode()
    for word in words:
        assert word in text


def test_vary_accept_on_every_response(live_server):
    cases = [
        ("GET", "/sparql", None, {"Accept": "text/turtle"}),
        ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), None, {}),
        ("GET", "/sparql?" + urlencode({"query": "ASK {"}), None, {}),
        ("POST", "/sparql", b"update=CLEAR+ALL", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("OPTIONS", "/sparql", None, {"Origin": "https://example.org"}),
    ]
    for method, path, body, headers in cases:
        _, h, _ = request(live_server, method, path, body, headers)
        assert "accept" in h.get("vary", "").lower(), (method, path)


# --- CORS -------------------------------------------------------------------

def test_cors_preflight_and_simple_requests(live_server):
    status, headers, _ = request(live_server, "OPTIONS", "/sparql", headers={
        "Origin": "https://client.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert status in (200, 204)
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"].lower()
    status, headers, _ = get(live_server, {"query": "ASK {}"}, headers={"Origin": "https://client.example"})
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert "X-Truncated" in headers["access-control-expose-headers"]


# --- service description and query page --------------------------------------------------

@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"), ("application/n-triples", "nt")])
def test_service_description_ignores_the_host_header(live_server, store, accept, fmt):
    status, headers, body = request(live_server, "GET", "/sparql",
                                    headers={"Accept": accept, "Host": "evil.example:666"})
    assert status == 200 and headers["content-type"].startswith(accept)
    g = rdflib.Graph().parse(data=body, format=fmt)
    services = list(g.subjects(rdflib.RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    assert set(g.objects(service, SD.endpoint)) == {rdflib.URIRef(live_server.url + "/sparql")}
    assert b"evil.example" not in body
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (None, None, SD.SPARQL11Update) not in g
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) not in g
    formats = set(g.objects(service, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    names = {str(n) for n in g.objects(None, SD.name)}
    assert names == set(store.graph_names())


def test_browser_gets_the_query_page(live_server):
    status, headers, body = request(live_server, "GET", "/sparql", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "<textarea" in page and 'name="query"' in page
    text = html.unescape(page)
    for q in example_queries():
        assert q.title in text
        assert q.description.split(".")[0] in text
    assert all(not q.name.startswith("page-") for q in example_queries())


def test_example_link_runs_with_linked_results_downloads_and_time(live_server, built):
    status, _, body = request(live_server, "GET", "/sparql", headers={"Accept": "text/html"})
    page = body.decode()
    titles = {q.title: q for q in example_queries()}
    lineage = titles[named.get("programme-lineage").title]
    match = re.search(r'<a href="([^"]+)">' + re.escape(lineage.title) + "</a>", page)
    assert match, "example link not found"
    href = match.group(1).replace("&amp;", "&")
    status, headers, body = request(live_server, "GET", href, headers={"Accept": "text/html"})
    assert status == 200
    page = body.decode()
    assert '<table class="results">' in page
    assert re.search(r"\d+ rows?\s+in <span class=\"elapsed\">\d+ ms</span>", page)
    # IRIs under the base link to their local pages
    assert 'href="/id/programme/' in page
    # a download link for every SELECT format, each answering in that format
    downloads = re.findall(r'<a href="([^"]+)" type="([^"]+)" download>', page)
    assert {t for _, t in downloads} == {"application/sparql-results+json", "application/sparql-results+xml",
                                         "text/csv", "text/tab-separated-values"}
    for link, media in downloads:
        status, headers, body = request(live_server, "GET", link.replace("&amp;", "&"))
        assert status == 200 and headers["content-type"].startswith(media)
        assert body


def test_html_page_shows_errors(live_server):
    status, headers, body = get(live_server, {"query": "SELECT * WHERE { ?s ?p }"}, accept="text/html")
    assert status == 400 and headers["content-type"].startswith("text/html")
    assert "Malformed query" in body.decode()


# --- parameters are bound, never pasted ------------------------------------------------------

def test_parameters_are_bound_as_values(live_server, store):
    query = "SELECT ?subject ?label WHERE { ?subject <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    status, _, body = get(live_server, {"query": query, "$subject": VANGUARDS})
    assert status == 200
    labels = [b["label"]["value"] for b in json.loads(body)["results"]["bindings"]]
    expected = [s["l"].value for s in store.query(f"SELECT ?l {{ <{VANGUARDS}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}")]
    assert labels and sorted(labels) == sorted(expected)
    # Text that would change the query if pasted is only ever a value.
    hostile = '"x" } UNION { ?subject ?p ?label } #'
    status, _, body = get(live_server, {"query": query, "$subject": hostile})
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, body = get(live_server, {"query": query, "$subject": "<not an iri>"})
    assert status == 400 and b"not a valid absolute IRI" in body
    status, _, body = get(live_server, {"query": query, "$nowhere": VANGUARDS})
    assert status == 400 and b"$nowhere" in body


# --- datasets ------------------------------------------------------------------

def test_default_and_named_graph_parameters(live_server, store):
    graph = next(g for g in store.graph_names() if g.endswith("/programmes"))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    expected = int(next(iter(store.query(count, default_graph_uris=[graph])))["n"].value)
    total = int(next(iter(store.query(count)))["n"].value)
    status, _, body = get(live_server, {"query": count, "default-graph-uri": graph})
    n = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert status == 200 and n == expected and 0 < n < total
    status, _, body = get(live_server, {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                        "named-graph-uri": graph})
    assert [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]] == [graph]
    status, _, body = get(live_server, {"query": f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"})
    assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == expected


# --- errors -------------------------------------------------------------------------

def test_malformed_query_is_400_with_the_parser_message(live_server):
    for params in ({"query": "SELECT * WHERE { ?s ?p }"},):
        status, headers, body = get(live_server, params)
        assert status == 400
        assert headers["content-type"].startswith("text/plain")
        text = body.decode()
        assert text.startswith("Malformed query: line 1, column")
        assert "SELECT * WHERE { ?s ?p }" in text  # the line, with a caret under the fault
    status, _, body = request(live_server, "POST", "/sparql", b"SELECT ?x WHERE { ?x a undeclared:Thing }",
                              {"Content-Type": "application/sparql-query"})
    assert status == 400 and b"undeclared" in body


@pytest.mark.parametrize("method, path, body, headers, status, words", [
    ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400, "exactly one query"),
    ("POST", "/sparql", b"query=ASK%20%7B%7D", {}, 400, "Content-Type"),
    ("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 415, "text/plain"),
    ("POST", "/sparql", "ASK {}".encode("utf-16"),
     {"Content-Type": "application/sparql-query; charset=UTF-16"}, 415, "UTF-8"),
    ("POST", "/sparql", b"ASK { \xff }", {"Content-Type": "application/sparql-query"}, 400, "UTF-8"),
    ("GET", "/sparql?query=", None, {}, 400, "empty"),
    ("POST", "/sparql", b"", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "query"),
    ("GET", "/sparql?" + urlencode({"query": "ASK {}", "default-graph-uri": "not an iri"}), None, {}, 400,
     "not a valid absolute IRI"),
])
def test_protocol_errors_say_what_was_wrong(live_server, method, path, body, headers, status, words):
    got, h, text = request(live_server, method, path, body, headers)
    assert got == status, text
    assert h["content-type"].startswith("text/plain")
    assert words.lower() in text.decode().lower()


def test_oversized_body_is_413(limited):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30000
    for body, ctype in ((big.encode(), "application/sparql-query"),
                        (urlencode({"query": big}).encode(), "application/x-www-form-urlencoded")):
        status, headers, text = request(limited, "POST", "/sparql", body, {"Content-Type": ctype})
        assert status == 413
        assert headers["content-type"].startswith("text/plain")
        assert b"20000 bytes" in text and b"KG_MAX_BODY" in text
    status, _, _ = request(limited, "POST", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"})
    assert status == 200


def chunked_post(server, chunks, content_type):
    """POST ``chunks`` with ``Transfer-Encoding: chunked`` (no Content-Length)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", "/sparql", body=iter(chunks), encode_chunked=True,
                     headers={"Content-Type": content_type, "Accept": "text/csv"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("content_type", ["application/sparql-query",
                                          "application/x-www-form-urlencoded"])
def test_chunked_body_past_the_limit_is_413_and_never_run(limited, content_type):
    # The query with its LIMIT past the limit: were it cut at the limit, the
    # cut text would run unlimited.
    head, tail = "SELECT * WHERE { ?s ?p ?o }", " LIMIT 1"
    if content_type.endswith("urlencoded"):
        head, tail = "query=" + head.replace(" ", "+"), tail.replace(" ", "+")
    chunks = [head.encode(), b" " * 11000, b" " * 11000, tail.encode()]
    status, text = chunked_post(limited, chunks, content_type)
    assert status == 413, text[:300]
    assert b"20000 bytes" in text and b"KG_MAX_BODY" in text
    # The same query, chunked, under the limit: read whole and run whole.
    chunks = [head.encode(), b" " * 5000, b" " * 5000, tail.encode()]
    status, text = chunked_post(limited, chunks, content_type)
    assert status == 200, text[:300]
    assert len(text.decode().strip().split("\r\n")) == 2  # header and the one row


def test_row_cap_marks_truncated_results(limited):
    over = "SELECT ?s ?p WHERE { ?s ?p ?o } LIMIT 60"
    for fmt, count in (("json", lambda b: len(json.loads(b)["results"]["bindings"])),
                       ("csv", lambda b: len(b.decode().strip().split("\r\n")) - 1),
                       ("tsv", lambda b: len(b.decode().strip().split("\n")) - 1),
                       ("xml", lambda b: b.count(b"<result>"))):
        status, headers, body = get(limited, {"query": over, "format": fmt})
        assert status == 200
        assert headers.get("x-truncated") == "true" and headers.get("x-row-limit") == "50"
        assert count(body) == 50, fmt
    status, headers, body = get(limited, {"query": "SELECT ?s ?p WHERE { ?s ?p ?o } LIMIT 50"})
    assert status == 200 and "x-truncated" not in headers
    assert len(json.loads(body)["results"]["bindings"]) == 50
    status, headers, body = get(limited, {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 80", "format": "nt"})
    assert headers.get("x-truncated") == "true"
    assert len(rdflib.Graph().parse(data=body, format="nt")) <= 50
    status, _, body = get(limited, {"query": over}, accept="text/html")
    assert b"Truncated" in body


def test_served_by_gunicorn_not_the_debug_server(live_server):
    status, headers, _ = request(live_server, "GET", "/-/health")
    assert status == 200 and headers.get("server", "").startswith("gunicorn")
    host = urlsplit(live_server.url).hostname
    assert host == "127.0.0.1"


# --- a new build is served without a restart ---------------------------------------

def _tiny_build(settings, name: str, graph: str, label: str):
    import pyoxigraph as ox

    from kg.build import publish

    target = settings.builds / name
    target.mkdir(parents=True)
    store = ox.Store(str(target / "store"))
    store.add(ox.Quad(ox.NamedNode("http://example.org/thing"),
                      ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal(label), ox.NamedNode(graph)))
    store.flush()
    del store
    (target / "build.json").write_text("{}")
    publish(settings, target)


def test_a_new_build_is_served_without_restart(tmp_path):
    from kg.config import Settings

    settings = Settings.from_env(home=tmp_path / "home")
    _tiny_build(settings, "one", "http://example.org/graph/one", "first")
    server = LiveServer(settings)
    try:
        query = {"query": "SELECT ?l WHERE { <http://example.org/thing> ?p ?l }"}
        status, _, body = get(server, query)
        assert [b["l"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["first"]
        _tiny_build(settings, "two", "http://example.org/graph/two", "second")
        for _ in range(2):  # every query worker moves to the new build
            status, _, body = get(server, query)
            assert [b["l"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["second"]
        status, _, body = request(server, "GET", "/sparql", headers={"Accept": "text/turtle"})
        g = rdflib.Graph().parse(data=body, format="turtle")
        assert {str(n) for n in g.objects(None, SD.name)} == {"http://example.org/graph/two"}
        status, _, body = get(server, {"query": "ASK FROM <http://example.org/graph/one> { ?s ?p ?o }"})
        assert status == 400 and b"Not held" in body
    finally:
        server.stop()
