"""Whole-graph answers the pages start from, made by the build and kept in it.

Some pages begin with a question about the whole graph: every funding flow
with its sources, how many resources each class has, the dataset's
statistics. From disk on a big build each takes seconds to minutes, more
than a page may take. So the build answers them once, from the graph it
already holds in memory, and keeps each answer in the build folder as a
SPARQL results document, ``tables/NAME.srj`` (the W3C JSON results format).

The named queries that are answered this way say so in their header
(``# build table: yes``). The pages read the file instead of asking the
store; a build made before tables existed, or a remote store, is asked as
before. The answer is the query's, so it changes only when the build does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from . import queries

TABLES_DIR = "tables"
SUFFIX = ".srj"


def table_queries() -> list[queries.NamedQuery]:
    return [q for q in queries.all_queries().values() if q.build_table]


def write_tables(store: ox.Store, target: Path) -> int:
    """Answer every build-table query from ``store`` (the union of its graphs
    as the default graph, as the pages query it) into ``target/tables``."""
    out = Path(target) / TABLES_DIR
    out.mkdir(parents=True, exist_ok=True)
    made = 0
    for q in table_queries():
        result = store.query(q.text, use_default_graph_as_union=True)
        partial = out / (q.name + SUFFIX + ".part")
        result.serialize(str(partial), ox.QueryResultsFormat.JSON)
        os.replace(partial, out / (q.name + SUFFIX))
        made += 1
    return made


def read_table(build: str | Path, name: str) -> tuple[list[str], list[tuple]] | None:
    """The kept answer of the named query ``name`` in ``build``: variable
    names and rows of terms (``None`` where unbound), or None if the build
    has no such table."""
    path = Path(build) / TABLES_DIR / (name + SUFFIX)
    try:
        with open(path, "rb") as f:
            result = ox.parse_query_results(f, ox.QueryResultsFormat.JSON)
            names = [v.value for v in result.variables]
            return names, [tuple(sol[n] for n in names) for sol in result]
    except FileNotFoundError:
        return None
