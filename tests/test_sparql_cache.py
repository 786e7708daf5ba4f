"""Query responses are cached per build and revalidated with ETags."""

from __future__ import annotations

import json
import shutil
from urllib.parse import urlencode

import pytest

from web.cache import ResponseCache

from .conftest import LiveServer
from .conftest import http_request as request
from .test_sparql_protocol import _tiny_build

THING = "SELECT ?l WHERE { <http://example.org/thing> ?p ?l }"
JSON_TYPE = "application/sparql-results+json"


def get(server, query, headers=None, **params):
    h = {"Accept": JSON_TYPE, **(headers or {})}
    return request(server, "GET", "/sparql?" + urlencode({"query": query, **params}), headers=h)


def labels(body: bytes) -> list[str]:
    return [b["l"]["value"] for b in json.loads(body)["results"]["bindings"]]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A server on its own home, so publishing builds affects no other test."""
    from kg.config import Settings

    settings = Settings.from_env(home=tmp_path_factory.mktemp("cache-home"))
    _tiny_build(settings, "one", "http://example.org/graph/one", "first")
    server = LiveServer(settings, KG_HTTP_WORKERS=1)  # one process: one cache
    yield settings, server
    server.stop()
    shutil.rmtree(settings.home, ignore_errors=True)


def test_a_repeated_query_is_served_from_the_cache(tiny):
    _, server = tiny
    query = "SELECT ?l ?x WHERE { <http://example.org/thing> ?p ?l BIND (1 AS ?x) }"
    status, first_headers, first = get(server, query)
    assert status == 200 and first_headers["x-cache"] == "miss"
    status, headers, again = get(server, query)
    assert status == 200 and headers["x-cache"] == "hit"
    assert again == first and headers["etag"] == first_headers["etag"]
    assert headers["content-type"] == first_headers["content-type"]
    assert headers["x-rows"] == "1"
    assert headers["cache-control"].startswith("public, max-age=")
    assert "Accept" in headers["vary"]
    # Another media type is another entry.
    status, headers, csv = get(server, query, {"Accept": "text/csv"})
    assert status == 200 and headers["x-cache"] == "miss" and b"first" in csv
    assert headers["etag"] != first_headers["etag"]
    # A client can ask for a fresh answer.
    status, headers, body = get(server, query, {"Cache-Control": "no-cache"})
    assert headers["x-cache"] == "miss" and body == first
    # The same query by POST is the same cache entry.
    status, headers, body = request(server, "POST", "/sparql", query.encode(),
                                    {"Content-Type": "application/sparql-query", "Accept": JSON_TYPE})
    assert status == 200 and headers["x-cache"] == "hit" and body == first
    for _ in range(2):  # and an exact repeat of that POST too
        status, headers, body = request(server, "POST", "/sparql", query.encode(),
                                        {"Content-Type": "application/sparql-query", "Accept": JSON_TYPE})
        assert status == 200 and headers["x-cache"] == "hit" and body == first
        assert headers["etag"] == first_headers["etag"] and headers["x-rows"] == "1"
        assert "Accept" in headers["vary"] and headers["access-control-allow-origin"] == "*"


def test_if_none_match_gets_304_without_a_body(tiny):
    _, server = tiny
    status, headers, _ = get(server, THING)
    tag = headers["etag"]
    for _ in range(3):  # through the app, then as an exact repeat
        status, headers, body = get(server, THING, {"If-None-Match": tag})
        assert status == 304 and body == b""
        assert headers["etag"] == tag
        get(server, THING)
    # Another way of sending the same query: answered by the endpoint itself.
    status, headers, body = request(server, "POST", "/sparql", urlencode({"query": THING}).encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded",
                                     "Accept": JSON_TYPE, "If-None-Match": f'"x", {tag}'})
    assert status == 304 and body == b"" and headers["etag"] == tag
    status, _, body = get(server, THING, {"If-None-Match": '"something-else"'})
    assert status == 200 and labels(body)


def test_errors_are_not_cached(tiny):
    _, server = tiny
    for _ in range(2):
        status, headers, _ = get(server, "SELECT ?x WHERE { nonsense")
        assert status == 400 and "x-cache" not in headers and "etag" not in headers


def test_truncated_results_keep_their_header(tmp_path):
    from kg.config import Settings

    settings = Settings.from_env(home=tmp_path / "home")
    _tiny_build(settings, "one", "http://example.org/graph/one", "first")
    server = LiveServer(settings, KG_MAX_ROWS=1, KG_HTTP_WORKERS=1)
    try:
        query = "SELECT ?x WHERE { VALUES ?x { 1 2 3 } }"
        _, miss, body = get(server, query)
        _, hit, again = get(server, query)
        assert hit["x-cache"] == "hit" and again == body
        assert miss["x-truncated"] == hit["x-truncated"] == "true"
        assert hit["x-row-limit"] == "1"
    finally:
        server.stop()


def test_a_new_build_changes_the_etag_and_the_answer(tiny):
    settings, server = tiny
    status, headers, body = get(server, THING)
    old_tag = headers["etag"]
    assert labels(body) == ["first"]
    _tiny_build(settings, "two", "http://example.org/graph/two", "second")
    for _ in range(2):
        status, headers, body = get(server, THING, {"If-None-Match": old_tag})
        assert status == 200 and labels(body) == ["second"]
        assert headers["etag"] != old_tag


def test_the_memory_bound_evicts_least_recently_used():
    cache = ResponseCache(8 * 100)
    for i in range(8):
        assert cache.put(("k", i), b"x" * 100, "text/plain", {})
    assert len(cache) == 8 and cache.size == 800
    assert cache.get(("k", 0)) is not None  # now the most recently used
    cache.put(("k", 8), b"y" * 100, "text/plain", {})
    assert cache.size <= 800
    assert cache.get(("k", 1)) is None  # the least recently used went first
    assert cache.get(("k", 0)) is not None and cache.get(("k", 8)) is not None
    assert not cache.put(("big",), b"z" * 101, "text/plain", {})  # over an eighth of the bound
    assert not ResponseCache(0).put(("k",), b"x", "text/plain", {})


def test_resource_documents_are_revalidated_by_etag(live_server):
    from .test_pages_resources import VANGUARDS

    path = VANGUARDS + ".ttl"
    status, headers, body = request(live_server, "GET", path)
    assert status == 200 and body and headers["etag"]
    status, again, body = request(live_server, "GET", path, headers={"If-None-Match": headers["etag"]})
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]
    status, other, _ = request(live_server, "GET", VANGUARDS + ".jsonld")
    assert status == 200 and other["etag"] != headers["etag"]
