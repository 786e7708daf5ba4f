"""No client starves the others: per-client limits on the endpoint, through
a real ``kg serve``. Clients are told apart by address; the tests speak
through a trusted proxy (this machine) that names them in X-Forwarded-For."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

import pytest

from .conftest import LiveServer
from .conftest import http_request as request

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "SELECT ?label WHERE { <https://w3id.org/integration-atlas/id/programme/vanguards> ?p ?label } LIMIT 5"


def ask(server, query, client, timeout=60):
    return request(server, "POST", "/sparql", query.encode(),
                   {"Content-Type": "application/sparql-query", "X-Forwarded-For": client,
                    "Cache-Control": "no-cache"}, timeout=timeout)


@pytest.fixture(scope="module")
def proxied(built):
    server = LiveServer(built, KG_TRUSTED_PROXIES="127.0.0.1", KG_QUERY_TIMEOUT=3)
    yield server
    server.stop()


def test_a_flooding_client_gets_429_while_another_keeps_being_answered(proxied):
    assert ask(proxied, CHEAP, "10.0.0.2")[0] == 200
    flood_statuses: list[tuple[int, dict]] = []
    stop = time.monotonic() + 8

    def flood():
        while time.monotonic() < stop:
            status, headers, _ = ask(proxied, RUNAWAY, "10.0.0.1")
            flood_statuses.append((status, headers))

    flooders = [threading.Thread(target=flood) for _ in range(20)]
    for t in flooders:
        t.start()
    time.sleep(1)
    calm = []
    while time.monotonic() < stop - 0.5:
        calm.append(("query", ask(proxied, CHEAP, "10.0.0.2")[0]))
        calm.append(("health", request(proxied, "GET", "/-/health")[0]))
        calm.append(("page", request(proxied, "GET", "/id/programme/vanguards",
                                     headers={"X-Forwarded-For": "10.0.0.2"})[0]))
    for t in flooders:
        t.join(60)
    assert len(calm) >= 6
    assert all(status == 200 for _, status in calm), [c for c in calm if c[1] != 200]
    refused = [h for s, h in flood_statuses if s == 429]
    assert refused, sorted({s for s, _ in flood_statuses})
    assert all(int(h["retry-after"]) >= 1 for h in refused)
    assert {s for s, _ in flood_statuses} <= {429, 503}  # refused, or stopped at the time limit


def test_query_time_budget_per_client_and_minute(built):
    server = LiveServer(built, KG_TRUSTED_PROXIES="127.0.0.1", KG_QUERY_TIMEOUT=1,
                        KG_CLIENT_SECONDS=2, KG_HTTP_WORKERS=1)
    try:
        answers = []
        for _ in range(10):
            status, headers, body = ask(server, RUNAWAY, "10.0.0.3")
            answers.append((status, body))
            if b"KG_CLIENT_SECONDS" in body:
                break
        # Each stopped at the 1 s limit (503), or told to wait for the one before (429) ...
        assert all(s in (503, 429) for s, _ in answers), answers
        assert sum(s == 503 for s, _ in answers) >= 2
        # ... until the 2 s of query time per minute are spent.
        assert status == 429 and b"KG_CLIENT_SECONDS" in body, answers
        assert 1 <= int(headers["retry-after"]) <= 60
        assert ask(server, CHEAP, "10.0.0.4")[0] == 200  # another client is not charged
    finally:
        server.stop()


def test_forwarded_for_counts_only_from_a_trusted_proxy(built):
    server = LiveServer(built, KG_QUERY_TIMEOUT=1, KG_CLIENT_SECONDS=2, KG_HTTP_WORKERS=1)
    try:
        for n in range(3):
            ask(server, RUNAWAY, f"10.0.1.{n}")
        status, headers, body = ask(server, CHEAP, "10.0.1.99")
        assert status == 429, body  # every request came from 127.0.0.1, whatever it claims
        assert b"(127.0.0.1)" in body
    finally:
        server.stop()


def test_cached_answers_are_not_limited(proxied):
    url = "/sparql?" + urlencode({"query": CHEAP})
    assert request(proxied, "GET", url)[0] == 200
    for _ in range(20):
        status, headers, _ = request(proxied, "GET", url)
        assert status == 200 and headers.get("x-cache") == "hit"


def test_page_queries_have_a_time_limit_too(built):
    # Far below what a resource page's queries take: each is stopped at the
    # limit. (The class list reads answers the build kept, and asks nothing.)
    server = LiveServer(built, KG_QUERY_TIMEOUT=0.0001)
    try:
        assert request(server, "GET", "/-/classes")[0] == 200
        status, headers, body = request(server, "GET", "/id/organisation/nhs-england")
        assert status == 503, (status, body[:600])
        assert b"time limit (KG_QUERY_TIMEOUT)" in body
        assert int(headers["retry-after"]) >= 1
        assert request(server, "GET", "/-/health")[0] == 200
    finally:
        server.stop()
