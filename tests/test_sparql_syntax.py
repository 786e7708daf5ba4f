"""Every valid query is answered, every invalid one gets 400, and SERVICE
never gets out: the W3C SPARQL 1.1 query-syntax suite (94 tests, beside this
checkout under ``conformance/w3c-sparql11/syntax-query`` in ``KG_SHARED_DIR``) and the
shapes a second grammar used to refuse, sent to a live ``kg serve``."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import rdflib
from rdflib.collection import Collection

from .conftest import http_request as request
from .conftest import shared_file

SYNTAX = shared_file("conformance", "w3c-sparql11", "syntax-query", module=True)
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")


def _syntax_tests():
    manifest = SYNTAX / "manifest.ttl"
    g = rdflib.Graph().parse(manifest, format="turtle")
    top = next(g.subjects(rdflib.RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(top, MF.entries)):
        kind = str(g.value(entry, rdflib.RDF.type)).rsplit("#", 1)[1]
        action = str(g.value(entry, MF.action)).rsplit("/", 1)[1]
        tests.append(pytest.param(kind, action, id=action))
    return tests


SYNTAX_TESTS = _syntax_tests()


def post(server, query: str, accept: str = "*/*"):
    return request(server, "POST", "/sparql", query.encode("utf-8"),
                   {"Content-Type": "application/sparql-query", "Accept": accept})


def test_the_whole_syntax_suite_is_here():
    assert len(SYNTAX_TESTS) == 94


@pytest.mark.parametrize("kind, action", SYNTAX_TESTS)
def test_w3c_query_syntax(live_server, kind, action):
    query = (SYNTAX / action).read_text(encoding="utf-8")
    status, headers, body = post(live_server, query)
    text = body.decode("utf-8", "replace")
    if kind == "NegativeSyntaxTest11":
        assert status == 400, text
        assert "Malformed query" in text
    elif status == 400:
        # The only refusals of a valid query, as documented: FROM of a graph
        # not held here, and a function the engine does not have.
        assert ("FROM/FROM NAMED may only name graphs this store holds" in text
                or "Unknown function <" in text), text
    elif status == 403:
        assert "SERVICE (federated query) is not allowed" in text, text
    else:
        assert status == 200, text


def chain(n: int) -> str:
    return " . ".join(f"?s{i} ?p{i} ?s{i + 1}" for i in range(n))


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p -1.0 }",
    "SELECT * { VALUES ?x { -1 -2.5 -3e1 +4 } }",
    # a basic graph pattern of 120 triple patterns joined by '.'
    "SELECT * { " + chain(120) + " } LIMIT 1",
    "SELECT * { " + "{ " * 60 + "?s ?p ?o" + " }" * 60 + " } LIMIT 1",
    "SELECT * { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 50 + "}" * 50 + " } LIMIT 1",
    "SELECT * { ?s ?p ?o FILTER(" + "(" * 60 + "true" + ")" * 60 + ") } LIMIT 1",
    "SELECT * { " + " UNION ".join("{ ?s ?p %d }" % i for i in range(976)) + " }",
    # words that merely look like the keyword
    "PREFIX service: <http://example.org/service/> "
    "SELECT ?service { ?service service:p \"SERVICE\"@en } # SERVICE <http://x> {}",
    "SELECT * { ?s <http://example.org/SERVICE> ?o }",
], ids=["negative-decimal", "negative-values", "long-bgp", "nested-groups", "nested-optionals",
        "nested-parentheses", "976-unions", "service-as-names", "service-in-iri"])
def test_valid_queries_that_a_second_grammar_refused_are_answered(live_server, query):
    status, _, body = post(live_server, query)
    assert status == 200, body[:500]


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { sErViCe SILENT ?x { ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { \\U00000073ervic\\u0065 <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "ASK { ?s ?p ?o OPTIONAL { { SELECT * { SERVICE <http://127.0.0.1:9/> {} } } } }",
])
def test_service_is_refused_however_it_is_written(live_server, query):
    status, _, body = post(live_server, query)
    assert status == 403, body
    assert b"SERVICE (federated query) is not allowed" in body


def test_predeclared_prefixes_and_a_query_s_own_win(live_server):
    status, _, body = post(live_server, "SELECT (COUNT(*) AS ?n) { ?p a ia:Programme }", "text/csv")
    assert status == 200, body
    assert int(body.decode().split()[1]) > 3
    own = "PREFIX ia: <http://example.org/not-the-atlas/> SELECT (COUNT(*) AS ?n) { ?p a ia:Programme }"
    status, _, body = post(live_server, own, "text/csv")
    assert status == 200 and int(body.decode().split()[1]) == 0
    for prefix in ("rdf", "rdfs", "owl", "xsd", "skos", "prov", "org", "dcterms", "schema"):
        status, _, body = post(live_server, f"ASK {{ ?s ?p {prefix}:x }}")
        assert status == 200, (prefix, body)


def test_service_description_lists_the_predeclared_prefixes(live_server):
    status, _, body = request(live_server, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200
    g = rdflib.Graph().parse(data=body, format="turtle")
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    declared = {str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace))
                for d in g.objects(None, SH.declare)}
    assert declared["ia"] == "https://w3id.org/integration-atlas/def/"
    assert declared["skos"] == "http://www.w3.org/2004/02/skos/core#"


def test_unknown_function_is_400_naming_it(live_server):
    status, _, body = post(live_server, "SELECT * { ?s ?p ?o FILTER(<http://example.org/f>(?s)) }")
    assert status == 400
    assert b"Unknown function <http://example.org/f>" in body


def test_malformed_query_gets_line_column_and_caret(live_server):
    status, _, body = post(live_server, "SELECT *\nWHERE { ?s ?p ?o } LIMIT x")
    assert status == 400
    text = body.decode()
    assert "line 2, column" in text and "LIMIT x" in text and "^" in text


def test_update_text_sent_as_a_query_is_refused(live_server):
    status, _, body = post(live_server, "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b -1 }")
    assert status == 403 and b"read-only" in body
    status, _, body = request(live_server, "GET", "/sparql?" + urlencode(
        {"query": "LOAD <http://127.0.0.1:9/x>"}))
    assert status == 403
