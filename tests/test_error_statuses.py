"""Right status, right words: bad addresses, no build yet, a crashed or
starved query engine. Each through a real ``kg serve``."""

from __future__ import annotations

import os
import signal
import threading
import time
from urllib.parse import quote, urlencode

import pytest

from kg.build import build

from .conftest import LiveServer
from .conftest import http_request as request
from .test_sparql_safety import query_workers as workers_under

BAD = ["%20", "%3C", "%22", "%7B", "%5C", "%5E", "%60", "%00", "%FF%FE"]
IRI_PATHS = ["/id/a{}b", "/def/a{}b", "/id/programme/a{}b.ttl",
             "/-/resource?uri=https://example.org/a{}b", "/-/incoming?uri=https://example.org/a{}b",
             "/-/claims?uri=https://example.org/a{}b", "/-/class/ia:a{}b",
             "/-/class?uri=https://example.org/a{}b"]


@pytest.mark.parametrize("path", IRI_PATHS)
@pytest.mark.parametrize("bad", BAD)
def test_invalid_iris_in_addresses_are_404_not_500(live_server, path, bad):
    status, headers, body = request(live_server, "GET", path.format(bad))
    assert status in (400, 404), body[:300]
    assert b"Internal Server Error" not in body


def test_no_build_yet_every_page_is_503_until_one_is_published(tmp_path):
    from kg.config import Settings

    settings = Settings.from_env(home=tmp_path / "home")
    settings.home.mkdir()
    server = LiveServer(settings)
    try:
        pages = ["/", "/-/classes", "/id/programme/vanguards", "/id/programme/vanguards.ttl",
                 "/-/search?q=care", "/-/funding", "/-/ontology", "/-/validation",
                 "/-/downloads", "/-/dumps/atlas.ttl", "/.well-known/void", "/def/",
                 "/sparql", "/sparql?" + urlencode({"query": "ASK {}"}),
                 "/-/resource?uri=" + quote("https://example.org/x")]
        for path in pages:
            status, headers, body = request(server, "GET", path)
            assert status == 503, (path, status, body[:300])
            assert int(headers["retry-after"]) > 0
            assert b"no build of the atlas is published yet" in body
        assert request(server, "GET", "/-/health")[0] == 200
        build(settings, progress=lambda _m: None)
        for path in ("/", "/id/programme/vanguards", "/sparql?" + urlencode({"query": "ASK {}"})):
            status, _, body = request(server, "GET", path)
            assert status == 200, (path, body[:300])
    finally:
        server.stop()


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def post(server, query: str, timeout: float = 60):
    return request(server, "POST", "/sparql", query.encode(),
                   {"Content-Type": "application/sparql-query"}, timeout=timeout)


@pytest.fixture(scope="module")
def patient(built):
    server = LiveServer(built, KG_QUERY_TIMEOUT=60)
    yield server
    server.stop()


def query_workers(server) -> list[int]:
    return workers_under(server.proc.pid)


def state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def test_a_crashed_engine_says_so_and_logs_the_query(patient):
    assert post(patient, "ASK {}")[0] == 200
    before = set(query_workers(patient))
    answer = {}
    worker = threading.Thread(target=lambda: answer.update(reply=post(patient, SLOW + "\n# crash me")))
    worker.start()
    # Once the query is running, every query worker gets SIGSEGV: the one
    # running it among them.
    deadline = time.monotonic() + 20
    while not any(state(pid) == "R" for pid in before) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    for pid in before:
        os.kill(pid, signal.SIGSEGV)
    worker.join(90)
    status, headers, body = answer["reply"]
    assert status == 500
    assert b"query engine crashed" in body and b"SIGSEGV" in body
    assert b"out of memory" not in body
    log = patient.log.read_text(errors="replace")
    assert "the query engine crashed (killed by SIGSEGV) on: SELECT (COUNT(*) AS ?n)" in log
    # A fresh worker answers; until it is up, the crashed query still counts
    # as this client's running query (429, with Retry-After).
    deadline = time.monotonic() + 30
    while True:
        status, headers, _ = post(patient, "ASK {}")
        if status != 429 or time.monotonic() > deadline:
            break
        time.sleep(int(headers["retry-after"]))
    assert status == 200


def test_out_of_memory_says_memory_and_logs_the_query(built):
    server = LiveServer(built, KG_WORKER_MEMORY_MB=1024, KG_QUERY_TIMEOUT=30)
    try:
        status, _, body = post(server, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f")
        assert status == 503 and b"out of memory" in body and b"crashed" not in body
        log = server.log.read_text(errors="replace")
        assert "query ran out of memory (memory allocation of" in log
        assert "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f" in log
    finally:
        server.stop()


@pytest.mark.parametrize("query, words", [
    ("SELECT (" + "+".join(["1"] * 20000) + " AS ?x) {}", b"chained operators"),
    ("SELECT * { " + "{ " * 5000 + "}" * 5000 + " }", b"nested too deeply"),
])
def test_shapes_that_crash_the_engine_are_refused_first(live_server, query, words):
    status, _, body = post(live_server, query)
    assert status == 400 and words in body, body[:300]
    assert post(live_server, "SELECT (" + "+".join(["1"] * 1500) + " AS ?x) {}")[0] == 200
