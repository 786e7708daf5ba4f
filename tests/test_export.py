"""Whole-graph dumps, their checksums, the JSON-LD context and the VoID/DCAT
description, fetched from a real server. Every dump parses back (rdflib, and
JSON-LD through pyld) to a graph isomorphic to the build."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import DCTERMS, RDF

from .test_pages_resources import BROWSER_ACCEPT, fetch, parse_jsonld, to_rdflib

SPDX = Namespace("http://spdx.org/rdf/terms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
DUMPS = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "nq": ("application/n-quads", "nquads"),
    "trig": ("application/trig", "trig"),
    "jsonld": ("application/ld+json", None),
    "rdf": ("application/rdf+xml", "xml"),
}


@pytest.fixture(scope="module")
def build_graphs(store):
    """The build, read statement by statement from its store (no serialiser
    involved): the union graph and each named graph."""
    union, named = Graph(), {}
    for sol in store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"):
        t = (to_rdflib(sol["s"]), to_rdflib(sol["p"]), to_rdflib(sol["o"]))
        union.add(t)
        named.setdefault(sol["g"].value, Graph()).add(t)
    return union, named


def same_graph(a: Graph, b: Graph) -> bool:
    if len(a) != len(b):
        return False
    return to_isomorphic(a) == to_isomorphic(b)


def test_downloads_page_lists_every_dump_with_a_checksum(live_server):
    r = fetch(live_server.url, "/-/downloads", BROWSER_ACCEPT)
    assert r.status == 200
    for ext in DUMPS:
        assert f'href="/-/dumps/atlas.{ext}"' in r.text
        assert f'href="/-/dumps/atlas.{ext}.sha256"' in r.text
    assert len(re.findall(r'<code class="checksum">[0-9a-f]{64}</code>', r.text)) == len(DUMPS)
    assert 'href="/-/dumps/SHA256SUMS"' in r.text


@pytest.mark.parametrize("ext", sorted(DUMPS))
def test_dump_parses_back_to_the_build(live_server, built, build_graphs, ext):
    media, fmt = DUMPS[ext]
    r = fetch(live_server.url, f"/-/dumps/atlas.{ext}")
    assert r.status == 200
    assert r.content_type.split(";")[0] == media
    assert "attachment" in r.headers["Content-Disposition"]
    digest = hashlib.sha256(r.body).hexdigest()
    assert r.headers["X-Checksum-SHA256"] == digest
    assert r.headers["ETag"].strip('"') == digest
    side = fetch(live_server.url, f"/-/dumps/atlas.{ext}.sha256").text
    assert side == f"{digest}  atlas.{ext}\n"
    assert f"{digest}  atlas.{ext}\n" in fetch(live_server.url, "/-/dumps/SHA256SUMS").text
    # Written once per build, into the build's folder.
    assert (built.current / "dumps" / f"atlas.{ext}").exists()

    union, named = build_graphs
    if ext in ("nq", "trig"):
        ds = Dataset()
        ds.parse(data=r.body, format=fmt)
        got = {str(ctx.identifier): ctx for ctx in ds.graphs() if len(ctx)}
        assert got.keys() == named.keys()
        for name, graph in named.items():
            assert same_graph(got[name], graph), name
        assert f"{built.base}id/graph/seeds/s2-nao-vanguards-2018" in got
        return
    if ext == "jsonld":
        g = parse_jsonld(live_server.url, r.body)
    else:
        g = Graph()
        g.parse(data=r.body, format=fmt)
    assert same_graph(g, union), f"{ext}: {len(g)} triples against {len(union)} in the build"


def test_conditional_get_of_a_dump(live_server):
    first = fetch(live_server.url, "/-/dumps/atlas.nt")
    again = fetch(live_server.url, "/-/dumps/atlas.nt", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304


def test_unknown_dump_is_404(live_server):
    assert fetch(live_server.url, "/-/dumps/atlas.xlsx", BROWSER_ACCEPT).status == 404
    assert fetch(live_server.url, "/-/dumps/other.ttl", BROWSER_ACCEPT).status == 404


def test_jsonld_dump_uses_the_published_context(live_server):
    doc = json.loads(fetch(live_server.url, "/-/dumps/atlas.jsonld").body)
    assert doc["@context"] == live_server.url + "/-/context.jsonld"
    ids = {n["@id"] for n in doc["@graph"]}
    assert "prog:vanguards" in ids and "claim:nao2018-direct-investment" in ids
    ctx = fetch(live_server.url, "/-/context.jsonld")
    assert ctx.status == 200 and ctx.content_type == "application/ld+json"
    assert json.loads(ctx.body)["@context"]["claim"].endswith("/id/claim/")


@pytest.fixture(scope="module")
def void(live_server):
    r = fetch(live_server.url, "/.well-known/void", "text/turtle")
    assert r.status == 200 and r.content_type.startswith("text/turtle")
    assert "Accept" in r.headers["Vary"]
    g = Graph()
    g.parse(data=r.body, format="turtle")
    return g


def test_void_and_dcat_describe_the_dataset(live_server, void, built, store):
    ds = URIRef(live_server.url + "/.well-known/void#dataset")
    assert (ds, RDF.type, VOID.Dataset) in void and (ds, RDF.type, DCAT.Dataset) in void
    assert str(void.value(ds, DCTERMS.title)) == "The integration atlas"
    assert (ds, DCTERMS.license, URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")) in void
    assert (ds, VOID.sparqlEndpoint, URIRef(live_server.url + "/sparql")) in void
    assert (ds, DCTERMS.source, URIRef(built.base + "id/document/nao-vanguards-2018")) in void
    assert (ds, VOID.exampleResource, URIRef(built.base + "id/programme/vanguards")) in void
    assert str(void.value(ds, VOID.uriSpace)) == built.base + "id/"
    distinct = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    assert int(void.value(ds, VOID.triples)) == int(next(iter(distinct))["n"].value)
    assert int(void.value(ds, VOID.entities)) > 100
    classes = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
               for p in void.objects(ds, VOID.classPartition)}
    assert classes[URIRef("https://w3id.org/integration-atlas/def/Programme")] >= 7
    # One subset per named graph.
    assert URIRef(built.base + "id/graph/seeds/s2-nao-vanguards-2018") in set(void.objects(ds, VOID.subset))
    # Every dump: a void:dataDump and a DCAT distribution with its checksum.
    dumps = set(void.objects(ds, VOID.dataDump))
    assert dumps == {URIRef(f"{live_server.url}/-/dumps/atlas.{e}") for e in DUMPS}
    for dist in void.objects(ds, DCAT.distribution):
        url = void.value(dist, DCAT.downloadURL)
        body = fetch(live_server.url, str(url)[len(live_server.url):]).body
        checksum = void.value(dist, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(void.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
        assert int(void.value(dist, DCAT.byteSize)) == len(body)
        assert str(void.value(dist, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
    svc = URIRef(live_server.url + "/.well-known/void#sparql")
    assert (svc, DCAT.endpointURL, URIRef(live_server.url + "/sparql")) in void
    assert (svc, DCAT.servesDataset, ds) in void


def test_void_in_other_formats(live_server, void):
    html = fetch(live_server.url, "/.well-known/void", BROWSER_ACCEPT)
    assert html.status == 200 and html.content_type.startswith("text/html")
    assert "void:Dataset" in html.text
    for fmt, media, parser in (("jsonld", "application/ld+json", "json-ld"), ("nt", "application/n-triples", "nt"),
                               ("rdf", "application/rdf+xml", "xml")):
        r = fetch(live_server.url, f"/.well-known/void?format={fmt}")
        assert r.status == 200 and r.content_type.split(";")[0] == media
        g = Graph()
        g.parse(data=r.body, format=parser)
        assert len(g) == len(void)
    assert fetch(live_server.url, "/.well-known/void", "image/png").status == 406
    assert (None, DCTERMS.title, Literal("The integration atlas", lang="en")) in void
