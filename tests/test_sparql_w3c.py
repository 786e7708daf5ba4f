"""The W3C SPARQL 1.1 Protocol tests, run over HTTP against ``kg serve``.

The 34 tests of ``protocol/manifest.ttl`` (a copy of the W3C ``rdf-tests``
suite, beside this checkout under ``shared/conformance/w3c-sparql11``) run
against a second live server whose build holds the suite's data files under
the graph names the manifest gives them. Query tests must pass as written;
every ``bad_*`` test must get its 4xx. The endpoint is read-only, so each
``update_*`` test must be refused (403) with the data unchanged, and its
follow-up query must then find that the update did not happen.

The three service-description tests of ``service-description/manifest.ttl``
run too.
"""

from __future__ import annotations

import json
import xml.dom.minidom
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection

from kg.build import publish
from kg.config import Settings

from .conftest import LiveServer, http_request, shared_file

SUITE = shared_file("conformance", "w3c-sparql11", module=True)
MANIFEST = SUITE / "protocol" / "manifest.ttl"

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")

BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = BOOLEAN_TYPES + ("text/csv", "text/tab-separated-values")
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt",
             "application/rdf+xml": "xml", "application/ld+json": "json-ld"}


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx"
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[HttpRequest] = field(default_factory=list)


def _load_manifest():
    if not MANIFEST.exists():
        return [], {}
    g = rdflib.Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(rdflib.RDF.type, MF.Manifest))
    tests, graph_data = [], {}
    for entry in Collection(g, g.value(manifest, MF.entries)):
        test = ProtocolTest(str(entry).rsplit("#", 1)[1], str(g.value(entry, MF.name)))
        for data in g.objects(entry, UT.graphData):
            local = Path(str(g.value(data, UT.graph)).removeprefix("file://"))
            graph_data[str(g.value(data, rdflib.RDFS.label))] = local
        action = g.value(entry, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {"Host": str(g.value(action, HT.connectionAuthority))}
            hlist = g.value(req, HT.headers)
            for h in (Collection(g, hlist) if hlist is not None else []):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body = None
            b = g.value(req, HT.body)
            if b is not None:
                encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(b, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            statuses = {str(s).rsplit("#StatusCode", 1)[1] for s in g.objects(resp, MF.expectedStatus)}
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            path = str(g.value(req, HT.absolutePath))
            assert path.startswith("/sparql/")
            test.requests.append(HttpRequest(
                str(g.value(req, HT.methodName)), "/sparql" + path[len("/sparql/"):],
                headers, body, statuses, str(fmt) if fmt is not None else None,
                boolean.toPython() if boolean is not None else None))
        tests.append(test)
    return tests, graph_data


TESTS, GRAPH_DATA = _load_manifest()


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory):
    """A build holding the suite's data files as named graphs, served live."""
    home = tmp_path_factory.mktemp("w3c-home")
    settings = Settings.from_env(home=home)
    target = settings.builds / "w3c-protocol"
    target.mkdir(parents=True)
    store = ox.Store(str(target / "store"))
    for name, path in sorted(GRAPH_DATA.items()):
        store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
    store.flush()
    del store
    (target / "build.json").write_text(json.dumps({"triples": 3, "graphs": len(GRAPH_DATA)}))
    publish(settings, target)
    server = LiveServer(settings)
    yield server
    server.stop()


def send(server, req: HttpRequest):
    return http_request(server, req.method, req.path, body=req.body, headers=req.headers)


def dump(server) -> list[str]:
    """Every quad the endpoint can see, sorted."""
    out = []
    for query in ("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"):
        status, _, body = send(server, HttpRequest(
            "GET", "/sparql?" + urlencode({"query": query, "format": "tsv"}), {}, None, set(), None, None))
        assert status == 200
        out += sorted(body.decode().splitlines())
    return out


def boolean_of(headers, body) -> bool:
    ctype = headers["content-type"].split(";")[0].strip()
    assert ctype in BOOLEAN_TYPES, ctype
    if ctype.endswith("json"):
        return json.loads(body)["boolean"]
    doc = xml.dom.minidom.parseString(body)
    return doc.getElementsByTagName("boolean")[0].firstChild.data.strip() == "true"


def check_format(req: HttpRequest, headers, body) -> None:
    ctype = headers.get("content-type", "").split(";")[0].strip()
    if req.expected_format == "boolean":
        value = boolean_of(headers, body)
        if req.expected_boolean is not None:
            assert value is req.expected_boolean
    elif req.expected_format == "tabular":
        assert ctype in TABULAR_TYPES, ctype
        if ctype.endswith("json"):
            assert "bindings" in json.loads(body)["results"]
    elif req.expected_format == "RDF":
        assert ctype in RDF_TYPES, ctype
        rdflib.Graph().parse(data=body, format=RDF_TYPES[ctype])


def status_class(status: int) -> str:
    return f"{status // 100}xx"


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol(w3c_server, test: ProtocolTest):
    if test.name.startswith("update_"):
        # Read-only: the update is refused, nothing changes, and the test's
        # own follow-up query confirms the update did not happen.
        before = dump(w3c_server)
        update, *checks = test.requests
        status, headers, body = send(w3c_server, update)
        assert status == 403, body
        assert b"read-only" in body and headers["content-type"].startswith("text/plain")
        assert dump(w3c_server) == before
        for req in checks:
            status, headers, body = send(w3c_server, req)
            assert status_class(status) in req.statuses, body
            if req.expected_boolean is True:
                assert boolean_of(headers, body) is False
        return
    for req in test.requests:
        status, headers, body = send(w3c_server, req)
        assert status_class(status) in req.statuses, (status, body)
        if status_class(status) == "2xx":
            check_format(req, headers, body)
        else:
            assert headers["content-type"].startswith("text/plain") and body.strip()


def test_the_whole_suite_is_here():
    assert len(TESTS) == 34
    names = {t.name for t in TESTS}
    assert sum(n.startswith("bad_") for n in names) == 14
    assert sum(n.startswith("update_") for n in names) == 7


# --- service description manifest ------------------------------------------------

def _description(server):
    status, headers, body = send(server, HttpRequest(
        "GET", "/sparql", {"Accept": "text/turtle", "Host": "www.example"}, None, set(), None, None))
    return status, headers, body


def test_sd_returns_rdf(w3c_server):
    status, headers, body = _description(w3c_server)
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=body, format="turtle")) > 5


def test_sd_has_endpoint_triple(w3c_server):
    _, _, body = _description(w3c_server)
    g = rdflib.Graph().parse(data=body, format="turtle")
    assert (None, SD.endpoint, rdflib.URIRef(w3c_server.url + "/sparql")) in g


def test_sd_conforms_to_schema(w3c_server):
    _, _, body = _description(w3c_server)
    g = rdflib.Graph().parse(data=body, format="turtle")
    (service,) = g.subjects(rdflib.RDF.type, SD.Service)
    assert g.value(service, SD.endpoint) is not None
    assert set(g.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    dataset = g.value(service, SD.defaultDataset)
    assert (dataset, rdflib.RDF.type, SD.Dataset) in g
    assert (g.value(dataset, SD.defaultGraph), rdflib.RDF.type, SD.Graph) in g
    names = {str(g.value(ng, SD.name)) for ng in g.objects(dataset, SD.namedGraph)}
    assert names == set(GRAPH_DATA)
    for ng in g.objects(dataset, SD.namedGraph):
        assert (ng, rdflib.RDF.type, SD.NamedGraph) in g
