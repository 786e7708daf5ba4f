"""The benchmark's machinery, run small on the real build: the atlas and an
Oxigraph server get the same workload, give the same answers, and every
figure lands in the one table. No timing is asserted (timings belong to the
benchmark itself, not to tests)."""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

import pytest

from bench import serve
from bench.table import ratio

pytestmark = pytest.mark.skipif(
    not (shutil.which("oxigraph", path=str(Path(os.sys.executable).parent)) or shutil.which("oxigraph")),
    reason="the oxigraph server (PyPI package oxigraph) is not installed")


def test_ratio_says_which_way():
    assert ratio(10.0, 20.0, higher_is_better=False) == "2.00× faster"
    assert ratio(30.0, 20.0, higher_is_better=False) == "1.50× slower"
    assert ratio(3000.0, 1000.0, higher_is_better=True) == "3.00× faster"
    assert ratio(1.0, 300.0, higher_is_better=False, peer_capped=True) == "> 300.0× faster"
    assert ratio(None, 1.0, higher_is_better=True) == "—"


def test_serving_figures_on_the_real_build(built):
    opts = argparse.Namespace(requests=5, cheap_requests=20, concurrency=2, max_seconds=2, pages=8,
                              rdflib=False, peer_timeout=60, flood_seconds=3)
    rows, raw, goals = serve.run(Path(built.home), opts, progress=lambda _m: None)
    queries = serve.workload(raw["sample"]["organisation"], raw["sample"]["flow"])
    assert {q.kind for q in queries} == {"engine", "cheap"}
    # Same question, same answer: every SELECT of the workload returns as
    # many rows from the atlas as from Oxigraph.
    assert raw["atlas"]["answers"] == raw["oxigraph"]["answers"]
    assert len(raw["atlas"]["answers"]) >= 4
    for q in queries:
        assert raw["atlas"][q.name].requests > 0 and raw["atlas"][q.name].errors == 0, q.name
        assert raw["oxigraph"][q.name].requests > 0, q.name
    # Cached and revalidated variants of the cheap queries were answered.
    assert all(raw["atlas"][f"{q.name}+revalidated"].requests > 0 for q in queries if q.kind == "cheap")
    assert raw["atlas"]["pages"].requests == 8 and raw["atlas"]["pages"].errors == 0
    assert raw["atlas_dump"]["first"]["mb"] > 1 and raw["atlas_dump"]["again"]["mb"] == raw["atlas_dump"]["first"]["mb"]
    text = "\n".join(r.figure for r in rows)
    for q in queries:
        assert q.title in text
    assert "resource page p50" in text and "N-Triples dump" in text
    # The whole-graph views: each answered, first request and after, with its goal.
    names = [name for name, _path in serve.views(raw["sample"])]
    assert "dossier of a funding flow" in names and len(names) > len(serve.VIEWS)
    for name in names:
        first, again = raw["atlas"]["views"][name]
        assert first is not None and again.requests > 0 and again.errors == 0, name
        assert f"{name}, first request after the build" in text
        assert any(g.startswith(f"{name} at ") for g in goals)
    assert any("resource page p50" in g for g in goals)
    # Under the flood, the atlas refused the flooder and kept answering the other client.
    flood = raw["atlas_flood"]
    assert flood["calm"].requests > 0 and flood["calm"].errors == 0
    assert flood["flood"].get("429", 0) > 0
    assert "while another client floods" in text


def test_pages_alone_on_the_real_build(built):
    """The national-scale row's mode (``--pages-only``): the atlas's pages
    and views, no peer, each answered and each with its goal line."""
    opts = argparse.Namespace(max_seconds=2, pages=6, peer_timeout=60)
    rows, raw, goals = serve.run_pages(Path(built.home), opts, progress=lambda _m: None)
    assert raw["atlas"]["pages"].requests == 6 and raw["atlas"]["pages"].errors == 0
    names = [name for name, _path in serve.views(raw["sample"])]
    assert set(raw["atlas"]["views"]) == set(names)
    assert all(first is not None and again.errors == 0 for first, again in raw["atlas"]["views"].values())
    assert all(r.peer == "—" for r in rows)
    assert any(g.startswith("dossier of a funding flow at ") for g in goals)
    assert any(g.startswith("resource page p50 at ") for g in goals)
