"""Serving a build from memory or from disk: same answers either way.

A build small enough (``KG_MEMORY_TRIPLES``) is written with an N-Quads copy
and served from memory; a larger one, or any build with the setting at 0, is
served read-only from disk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from kg.build import build
from kg.config import Settings
from kg.store import QUADS_FILE, OxigraphStore

from .conftest import LiveServer, http_request

QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?p ?o WHERE { <https://w3id.org/integration-atlas/id/programme/vanguards> ?p ?o }",
    "SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class",
]


def _rows(result) -> list:
    return sorted(tuple(str(t) for t in row) for row in result)


def test_small_build_is_served_from_memory_with_the_same_answers(built):
    target = Path(os.path.realpath(built.current))
    assert (target / QUADS_FILE).stat().st_size > 0
    memory = OxigraphStore.open_current(built)
    disk = OxigraphStore(target / "store", in_memory=False)
    assert memory.in_memory and not disk.in_memory
    assert len(memory) == len(disk) == json.loads((target / "build.json").read_text())["triples"]
    assert memory.graph_names() == disk.graph_names()
    for q in QUERIES:
        assert _rows(memory.query(q)) == _rows(disk.query(q)), q


def test_over_the_threshold_a_build_has_no_copy_and_is_served_from_disk(tmp_path):
    settings = Settings.from_env(home=tmp_path / "home", memory_triples=100)
    result = build(settings, progress=lambda _m: None)
    assert result.triples > 100
    assert not (result.path / QUADS_FILE).exists()
    store = OxigraphStore.open_current(settings)
    assert not store.in_memory
    assert len(store) == result.triples


def test_the_service_answers_the_same_from_disk(built, live_server):
    """The same query through the endpoint, with the build in memory (the
    session's server) and with KG_MEMORY_TRIPLES=0 (from disk)."""
    disk_server = LiveServer(built, KG_MEMORY_TRIPLES="0")
    try:
        q = ("query=SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class ORDER BY ?class"
             .replace(" ", "+"))
        headers = {"Accept": "application/sparql-results+json", "Cache-Control": "no-cache"}
        status_a, _, body_a = http_request(live_server, "GET", "/sparql?" + q, headers=headers)
        status_b, _, body_b = http_request(disk_server, "GET", "/sparql?" + q, headers=headers)
        assert status_a == status_b == 200
        rows_a = json.loads(body_a)["results"]["bindings"]
        rows_b = json.loads(body_b)["results"]["bindings"]
        assert rows_a == rows_b and len(rows_a) > 10
    finally:
        disk_server.stop()
