"""Query workers are forks of one fork server, which holds the build: the
serving processes keep one copy of it between them, not one each."""

from __future__ import annotations

import time

from web.fork_server import SERVER_NAME

from .conftest import LiveServer
from .test_sparql_cache import THING, get, labels
from .test_sparql_protocol import _tiny_build
from .test_sparql_safety import comm, descendants, query_workers


def parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])


def settle(server, expected: int, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(workers := query_workers(server.proc.pid)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return workers


def test_every_query_worker_is_a_fork_of_the_one_fork_server(tmp_path):
    from kg.config import Settings

    settings = Settings.from_env(home=tmp_path / "home")
    _tiny_build(settings, "one", "http://example.org/graph/one", "first")
    server = LiveServer(settings, KG_HTTP_WORKERS=2, KG_WORKERS=2)
    try:
        before = settle(server, 4)
        forks = [p for p in descendants(server.proc.pid) if comm(p) == SERVER_NAME]
        assert len(forks) == 1, "one fork server for both HTTP workers"
        assert len(before) == 4 and {parent(w) for w in before} == set(forks)
        assert labels(get(server, THING, {"Cache-Control": "no-cache"})[2]) == ["first"]

        # A new build: answered at once; each worker that answered about it
        # makes way for a fork of the same fork server, which now holds it.
        _tiny_build(settings, "two", "http://example.org/graph/two", "second")
        for _ in range(12):
            status, _, body = get(server, THING, {"Cache-Control": "no-cache"})
            assert status == 200 and labels(body) == ["second"]
        after = settle(server, 4)
        assert len(after) == 4 and set(after) != set(before)
        assert {parent(w) for w in after} == set(forks)
        assert [p for p in descendants(server.proc.pid) if comm(p) == SERVER_NAME] == forks
    finally:
        server.stop()


def test_a_lost_fork_server_is_replaced_by_a_private_one(tmp_path):
    """Should the shared fork server die, each pool starts one of its own and
    queries keep being answered."""
    import os
    import signal

    from kg.config import Settings

    settings = Settings.from_env(home=tmp_path / "home")
    _tiny_build(settings, "one", "http://example.org/graph/one", "first")
    server = LiveServer(settings, KG_HTTP_WORKERS=1, KG_WORKERS=2)
    try:
        settle(server, 2)
        (fork,) = [p for p in descendants(server.proc.pid) if comm(p) == SERVER_NAME]
        os.kill(fork, signal.SIGKILL)  # its workers die with it
        deadline = time.monotonic() + 30
        answered = False
        while not answered and time.monotonic() < deadline:
            status, _, body = get(server, THING, {"Cache-Control": "no-cache"})
            answered = status == 200 and labels(body) == ["first"]
            time.sleep(0.2)
        assert answered
        forks = [p for p in descendants(server.proc.pid) if comm(p) == SERVER_NAME]
        assert len(forks) == 1 and forks[0] != fork
        assert {parent(w) for w in settle(server, 2)} == set(forks)
    finally:
        server.stop()


def test_a_worker_that_has_grown_makes_way_for_a_fresh_fork(built):
    """A query that leaves its worker with much private memory (a large sort
    here; reading the build itself turns shared pages private too) is
    answered, and that worker, once idle for a while, is replaced by a fresh
    fork."""
    from urllib.parse import urlencode

    from .conftest import http_request as request

    server = LiveServer(built, KG_HTTP_WORKERS=1, KG_WORKERS=2)
    try:
        before = set(settle(server, 2))
        (fork,) = [p for p in descendants(server.proc.pid) if comm(p) == SERVER_NAME]
        values = " ".join(str(i) for i in range(12))
        big = f"SELECT ?s ?p ?o ?i WHERE {{ ?s ?p ?o VALUES ?i {{ {values} }} }} ORDER BY ?o ?i LIMIT 1"
        status, _, _ = request(server, "GET", "/sparql?" + urlencode({"query": big}),
                               headers={"Accept": "application/sparql-results+json"}, timeout=60)
        assert status == 200
        deadline = time.monotonic() + 10
        while set(query_workers(server.proc.pid)) >= before and time.monotonic() < deadline:
            time.sleep(0.1)
        after = settle(server, 2)
        assert len(after) == 2 and set(after) != before, "the grown worker was not replaced"
        assert {parent(w) for w in after} == {fork}
    finally:
        server.stop()
