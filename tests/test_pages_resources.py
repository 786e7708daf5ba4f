"""Resource IRIs against a real server: content negotiation, the documents
themselves, headers, status codes and the identifier pattern (200 at the
resource IRI, variants by extension and ?format=)."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass

import pytest
from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.namespaces import IA

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RAPPER_ACCEPT = ("application/rdf+xml, text/turtle;q=0.9, application/n-triples;q=0.8, "
                 "text/html;q=0.6, */*;q=0.1")


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def links(self) -> dict[str, str]:
        """``Link`` header alternates: media type -> target."""
        out = {}
        for part in (self.headers.get("Link") or "").split(","):
            if 'rel="alternate"' in part:
                target = part.split(";")[0].strip().strip("<>")
                mtype = part.split('type="')[1].split('"')[0]
                out[mtype] = target
        return out


def fetch(base_url: str, path: str, accept: str | None = None, method: str = "GET",
          headers: dict | None = None) -> Reply:
    """One request, no redirects followed."""
    parts = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    h = dict(headers or {})
    if accept is not None:
        h["Accept"] = accept
    try:
        conn.request(method, path, headers=h)
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def context_loader(base_url: str):
    """A pyld document loader that fetches from our server only."""
    def loader(url, options=None):
        assert url.startswith(base_url), f"JSON-LD asked for a remote document: {url}"
        r = fetch(base_url, urllib.parse.urlsplit(url).path)
        assert r.status == 200, url
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": json.loads(r.body)}
    return loader


def parse_jsonld(base_url: str, body: bytes) -> Graph:
    nquads = jsonld.to_rdf(json.loads(body), {"format": "application/n-quads",
                                              "documentLoader": context_loader(base_url)})
    g = Graph()
    g.parse(data=nquads, format="nt")  # default graph only: N-Quads lines are N-Triples
    return g


def parse(base_url: str, body: bytes, content_type: str) -> Graph:
    media = content_type.split(";")[0].strip()
    if media == "application/ld+json":
        return parse_jsonld(base_url, body)
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}[media]
    g = Graph()
    g.parse(data=body, format=fmt)
    return g


VANGUARDS = "/id/programme/vanguards"
RDF_TYPES = {
    "text/turtle": "ttl", "application/ld+json": "jsonld",
    "application/n-triples": "nt", "application/rdf+xml": "rdf",
}


def to_rdflib(term):
    """A pyoxigraph term as rdflib's parsers would make it."""
    import pyoxigraph as ox
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    dt = term.datatype.value
    return Literal(term.value) if dt.endswith("#string") else Literal(term.value, datatype=URIRef(dt))


@pytest.fixture(scope="module")
def outgoing(built, store):
    """The statements about prog:vanguards in the build, as rdflib terms."""
    iri = built.base + "id/programme/vanguards"
    g = Graph()
    for sol in store.query(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"):
        g.add((URIRef(iri), to_rdflib(sol["p"]), to_rdflib(sol["o"])))
    assert len(g) > 5
    return g


def test_browser_gets_html_with_vary_and_alternates(live_server):
    r = fetch(live_server.url, VANGUARDS, BROWSER_ACCEPT)
    assert r.status == 200
    assert r.content_type == "text/html; charset=utf-8"
    assert "Accept" in r.headers["Vary"]
    assert r.headers["Content-Location"] == VANGUARDS + ".html"
    links = r.links()
    assert set(RDF_TYPES) <= set(links)
    assert links["text/turtle"] == VANGUARDS + ".ttl"
    assert "text/html" not in links  # the alternates are the *other* formats
    assert "<h1>Vanguard programme</h1>" in r.text
    # The same alternates as <link> elements for HTML readers.
    for media, target in links.items():
        assert f'<link rel="alternate" type="{media}" href="{target}"' in r.text


@pytest.mark.parametrize("media", sorted(RDF_TYPES))
def test_rdf_by_accept_matches_the_build(live_server, outgoing, media):
    r = fetch(live_server.url, VANGUARDS, media)
    assert r.status == 200, r.text
    assert r.content_type.split(";")[0] == media
    assert "Accept" in r.headers["Vary"]
    assert r.headers["Content-Location"] == f"{VANGUARDS}.{RDF_TYPES[media]}"
    assert "text/html" in r.links() and media not in r.links()
    g = parse(live_server.url, r.body, r.content_type)
    missing = [t for t in outgoing if t not in g]
    assert not missing, f"{media} document lacks {missing[:3]}"
    # Statements that point at the resource are there too (what follows it).
    vanguards = next(iter(outgoing.subjects()))
    assert (None, IA.follows, vanguards) in g


@pytest.mark.parametrize("ext,media", [(e, m) for m, e in RDF_TYPES.items()] + [("html", "text/html")])
def test_each_variant_has_its_own_url(live_server, ext, media):
    for path in (f"{VANGUARDS}.{ext}", f"{VANGUARDS}?format={ext}"):
        r = fetch(live_server.url, path, "image/png")  # the URL decides, not Accept
        assert r.status == 200, path
        assert r.content_type.split(";")[0] == media
        assert "Content-Location" not in r.headers


def test_accept_edge_cases(live_server):
    cases = {
        None: "text/html",                           # no Accept: a browser-ish default
        "*/*": "text/html",
        RAPPER_ACCEPT: "application/rdf+xml",        # highest q wins over text/html
        "application/ld+json, text/turtle": "application/ld+json",  # client's order on ties
        "text/turtle;q=0.5, application/n-triples": "application/n-triples",
        "application/json": "application/ld+json",
        "application/x-turtle": "text/turtle",
        "text/*": "text/html",
        "text/html;q=0, */*": "text/turtle",
    }
    for accept, expected in cases.items():
        r = fetch(live_server.url, VANGUARDS, accept)
        assert r.status == 200, accept
        assert r.content_type.split(";")[0] == expected, accept


def test_406_rather_than_html(live_server):
    for accept in ("image/png", "application/pdf, text/csv;q=0.5", "text/html;q=0"):
        r = fetch(live_server.url, VANGUARDS, accept)
        assert r.status == 406, accept
        assert r.content_type.startswith("text/plain")
        assert "Accept" in r.headers["Vary"]
        assert VANGUARDS + ".ttl" in r.text
    r = fetch(live_server.url, VANGUARDS + "?format=docx")
    assert r.status == 406


def test_unknown_iri_gives_a_helpful_404(live_server):
    r = fetch(live_server.url, "/id/programme/vanguard", BROWSER_ACCEPT)
    assert r.status == 404
    assert r.content_type.startswith("text/html")
    assert "Not found" in r.text
    assert 'href="/id/programme/vanguards"' in r.text  # a suggestion by label
    assert 'action="/-/search"' in r.text
    r = fetch(live_server.url, "/id/programme/vanguard", "text/turtle")
    assert r.status == 404
    assert r.content_type.startswith("text/plain")
    assert fetch(live_server.url, "/id/programme/vanguards.docx").status == 404
    assert fetch(live_server.url, "/no/such/page", BROWSER_ACCEPT).status == 404


def test_resource_only_referred_to_still_has_a_page(live_server, store, built):
    # A financial year is described; an external class such as skos:Concept is
    # only the object of statements, and gets a page through /-/resource.
    r = fetch(live_server.url, "/-/resource?uri=" + urllib.parse.quote(
        "http://www.w3.org/2004/02/skos/core#Concept", safe=""), BROWSER_ACCEPT)
    assert r.status == 200
    assert "Referred to by" in r.text


def test_generic_route_redirects_to_the_local_path(live_server, built):
    iri = built.base + "id/organisation/nhs-england"
    r = fetch(live_server.url, "/-/resource?uri=" + urllib.parse.quote(iri, safe=""))
    assert r.status == 303
    assert r.headers["Location"].endswith("/id/organisation/nhs-england")
    r = fetch(live_server.url, "/-/resource?uri=" + urllib.parse.quote("http://example.org/nothing", safe=""))
    assert r.status == 404


def test_ontology_terms_are_pages_and_documents(live_server):
    r = fetch(live_server.url, "/def/Programme", BROWSER_ACCEPT)
    assert r.status == 200 and "<h1>Programme</h1>" in r.text
    r = fetch(live_server.url, "/def/Programme", "text/turtle")
    g = parse(live_server.url, r.body, r.content_type)
    assert (IA.Programme, RDFS.label, Literal("Programme", lang="en")) in g
    # The ontology itself: the ontology page for people, the ontology graph for machines.
    r = fetch(live_server.url, "/def/", "text/turtle")
    assert r.status == 200 and r.content_type.startswith("text/turtle")
    g = parse(live_server.url, r.body, r.content_type)
    assert (IA.FundingFlow, RDFS.subClassOf, IA.Item) in g
    assert fetch(live_server.url, "/def/", BROWSER_ACCEPT).text.count('class="term"') > 50


def test_named_graph_is_a_page_and_a_document(live_server, built):
    path = "/id/graph/seeds/s2-nao-vanguards-2018"
    r = fetch(live_server.url, path, BROWSER_ACCEPT)
    assert r.status == 200
    assert "/id/claim/nao2018-direct-investment" in r.text
    r = fetch(live_server.url, path + ".nt")
    g = parse(live_server.url, r.body, r.content_type)
    claim = URIRef(built.base + "id/claim/nao2018-direct-investment")
    assert (claim, RDF.type, IA.Reference) in g


def test_head_and_cors(live_server):
    r = fetch(live_server.url, VANGUARDS + ".ttl", method="HEAD")
    assert r.status == 200 and r.body == b""
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in r.headers["Access-Control-Expose-Headers"]


def test_jsonld_document_uses_the_published_context(live_server):
    r = fetch(live_server.url, VANGUARDS + ".jsonld")
    doc = json.loads(r.body)
    assert doc["@context"] == live_server.url + "/-/context.jsonld"
    node = next(n for n in doc["@graph"] if n["@id"] == "prog:vanguards")
    assert "ia:Programme" in node["@type"]
    assert {"@id": "prog:new-care-models"} in node["ia:partOfProgramme"]
    ctx = json.loads(fetch(live_server.url, "/-/context.jsonld").body)["@context"]
    assert ctx["ia"] == str(IA)
    assert ctx["prog"].endswith("/id/programme/")


def test_a_404_outside_the_resources_runs_no_search(live_server):
    """Suggestions are for addresses of the atlas's resources; any other
    unknown path gets the plain helpful page without a text search."""
    r = fetch(live_server.url, "/vanguards", BROWSER_ACCEPT)
    assert r.status == 404 and "Not found" in r.text
    assert 'href="/id/programme/vanguards"' not in r.text
    assert 'action="/-/search"' in r.text
