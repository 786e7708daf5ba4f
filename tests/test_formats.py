"""One format table, one negotiator: the endpoint, resource documents, VoID
and dumps choose the same way, through a real server; the format is chosen
before a query runs; and no other module names a format's media type."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from kg import formats

from .conftest import LiveServer
from .conftest import http_request as request

ROOT = Path(__file__).resolve().parent.parent
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
RESOURCE = "/id/programme/vanguards"
#: A three-way cross product no solution of which passes its filter: hours
#: of work before a first triple, far past a 2 s limit.
RUNAWAY_GRAPH = ("CONSTRUCT { ?a ?b ?i } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
                 "FILTER (STR(?a) = CONCAT(STR(?d), STR(?g), \"|\")) }")


@pytest.fixture(scope="module")
def server(built):
    srv = LiveServer(built, KG_QUERY_TIMEOUT="2")
    yield srv
    srv.stop()


def media(headers) -> str:
    return headers.get("content-type", "").split(";")[0].strip()


@pytest.mark.parametrize("accept, expected", [
    ("application/ld+json, text/turtle", "application/ld+json"),  # equal q: the client's order
    ("text/turtle, application/ld+json", "text/turtle"),
    ("application/ld+json;q=0.5, text/turtle;q=0.9", "text/turtle"),  # q decides
    ("text/*;q=0.9, application/n-triples;q=0.9", "application/n-triples"),  # more specific first
    ("application/json", "application/ld+json"),  # an alias, named
])
def test_every_document_kind_negotiates_by_one_rule(server, accept, expected):
    """The same Accept gets the same RDF format from a resource, VoID and the
    endpoint's CONSTRUCT."""
    paths = [RESOURCE, "/.well-known/void", "/sparql?" + urlencode({"query": CONSTRUCT})]
    for path in paths:
        status, headers, _ = request(server, "GET", path, headers={"Accept": accept})
        assert status == 200, path
        assert media(headers) == expected, (path, accept)


def test_defaults_differ_by_kind_as_the_table_says(server):
    """No Accept: a resource is a page, VoID is Turtle, a SELECT is SPARQL JSON."""
    expected = {RESOURCE: "text/html", "/.well-known/void": "text/turtle",
                "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}):
                    "application/sparql-results+json"}
    for path, media_type in expected.items():
        status, headers, _ = request(server, "GET", path)
        assert status == 200 and media(headers) == media_type, path


def test_format_parameter_names_the_same_formats_everywhere(server):
    for name, media_type in [("ttl", "text/turtle"), ("nt", "application/n-triples"),
                             ("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml")]:
        for path in (f"{RESOURCE}?format={name}", f"/.well-known/void?format={name}",
                     "/sparql?" + urlencode({"query": CONSTRUCT, "format": name})):
            status, headers, _ = request(server, "GET", path)
            assert status == 200 and media(headers) == media_type, path


def test_one_charset_parameter_on_every_kind(server):
    """Text formats say UTF-8 once; dumps too."""
    for path in (f"{RESOURCE}?format=ttl", "/.well-known/void?format=ttl", "/-/dumps/atlas.ttl",
                 "/sparql?" + urlencode({"query": CONSTRUCT, "format": "ttl"})):
        status, headers, _ = request(server, "GET", path)
        assert status == 200, path
        content_type = headers["content-type"]
        assert content_type.lower().count("charset") == 1, (path, content_type)


def test_a_query_is_not_run_when_no_format_can_answer_it(server):
    """406 is decided from the query's form before it runs: a runaway
    CONSTRUCT asked for as CSV is refused at once, not stopped at the time
    limit (503), and the refusal lists what a CONSTRUCT can be."""
    status, _, body = request(server, "GET", "/sparql?" + urlencode({"query": RUNAWAY_GRAPH}),
                              headers={"Accept": "text/csv"})
    assert status == 406
    text = body.decode()
    assert "CONSTRUCT" in text and "text/turtle" in text and "time limit" not in text
    # the same query with an acceptable format does run, and meets the limit
    status, _, body = request(server, "GET", "/sparql?" + urlencode({"query": RUNAWAY_GRAPH}),
                              headers={"Accept": "text/turtle"})
    assert status == 503 and b"time limit" in body


def test_unknown_format_name_is_406_naming_the_known_ones(server):
    status, _, body = request(server, "GET", "/sparql?" + urlencode(
        {"query": "ASK {}", "format": "yaml"}))
    assert status == 406
    assert b"'yaml'" in body and b"ttl" in body and b"json" in body


def test_media_types_are_named_in_the_format_table_only():
    """Every module takes a format's media type from ``kg.formats``; a second
    table or a typed-in Content-Type is how negotiators and charsets drift."""
    names = sorted(f.media_type for f in formats.ALL if f is not formats.HTML)
    pattern = re.compile("|".join(re.escape(f'"{n}') for n in names))
    found = []
    for path in [*ROOT.glob("kg/*.py"), *ROOT.glob("web/*.py")]:
        if path.name == "formats.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
