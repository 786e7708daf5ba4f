"""Absolute URLs follow the address the server is reached at.

Without KG_PUBLIC_URL, a server on a non-default port names itself by the
address it is bound to: rdflib can parse a resource's JSON-LD (which makes it
fetch the ``@context`` the document refers to) and every dump the VoID
description lists can be fetched. A Host header never leaks into them.
"""

from __future__ import annotations

import hashlib
import urllib.request

import pytest
import rdflib

from .conftest import LiveServer, http_request

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.fixture(scope="module")
def bound_server(built):
    server = LiveServer(built, public_url=False)
    assert server.port != 5000
    yield server
    server.stop()


def test_jsonld_context_is_fetched_from_this_server(bound_server, built):
    iri = f"{built.base}id/programme/vanguards"
    with urllib.request.urlopen(f"{bound_server.url}/id/programme/vanguards.jsonld", timeout=30) as r:
        body = r.read().decode()
    assert f'"{bound_server.url}/-/context.jsonld"' in body
    g = rdflib.Graph().parse(data=body, format="json-ld")
    assert (rdflib.URIRef(iri), rdflib.RDF.type,
            rdflib.URIRef(f"{built.base}def/Programme")) in g


def test_every_void_dump_url_answers(bound_server):
    status, _, body = http_request(bound_server, "GET", "/.well-known/void",
                                   headers={"Accept": "text/turtle", "Host": "elsewhere.example"})
    assert status == 200
    g = rdflib.Graph().parse(data=body, format="turtle")
    dumps = sorted(str(o) for o in g.objects(None, VOID.dataDump))
    assert len(dumps) >= 6
    for url in dumps:
        assert url.startswith(bound_server.url + "/-/dumps/"), url
        with urllib.request.urlopen(url, timeout=60) as r:
            assert r.status == 200
            data = r.read()
        with urllib.request.urlopen(url + ".sha256", timeout=30) as r:
            assert r.read().decode().split()[0] == hashlib.sha256(data).hexdigest()
    endpoints = set(g.objects(None, VOID.sparqlEndpoint))
    assert endpoints == {rdflib.URIRef(bound_server.url + "/sparql")}


def test_service_description_names_the_bound_address(bound_server):
    status, _, body = http_request(bound_server, "GET", "/sparql",
                                   headers={"Accept": "text/turtle", "Host": "elsewhere.example"})
    assert status == 200
    g = rdflib.Graph().parse(data=body, format="turtle")
    assert set(g.objects(None, SD.endpoint)) == {rdflib.URIRef(bound_server.url + "/sparql")}


def test_public_url_setting_wins(built):
    server = LiveServer(built, public_url=False, KG_PUBLIC_URL="https://atlas.example.org/")
    try:
        status, _, body = http_request(server, "GET", "/.well-known/void", headers={"Accept": "text/turtle"})
        g = rdflib.Graph().parse(data=body, format="turtle")
        dumps = {str(o) for o in g.objects(None, VOID.dataDump)}
        assert dumps and all(u.startswith("https://atlas.example.org/-/dumps/") for u in dumps)
    finally:
        server.stop()
