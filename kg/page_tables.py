"""Answers the pages start from, made by the build and kept in it.

Some pages begin with a question about the whole graph (every funding flow
with its sources, the disputes, how many resources each class has, the
dataset's statistics) or about a whole programme (its targets against
outcomes, how many claims name it). From disk on a big build each takes
seconds to minutes, more than a page may take. So the build answers
them once, from the graph it already holds in memory, and keeps each answer
in the build folder as a SPARQL results document (the W3C JSON results
format): ``tables/NAME.srj``, or ``tables/NAME/KEY.srj`` for the answer about
one resource (KEY: a digest of its IRI).

The named queries answered this way say so in their header: ``# build table:
yes``, or ``# build table: each CLASS-IRI`` for a query with one parameter,
answered for each member of the class. The pages read the file instead of
asking the store; a build made before tables existed, or a remote store, is
asked as before. The answer is the query's, so it changes only when the
build does.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyoxigraph as ox

from . import queries

TABLES_DIR = "tables"
SUFFIX = ".srj"


def table_queries() -> list[queries.NamedQuery]:
    return [q for q in queries.all_queries().values() if q.build_table]


def key_of(iri: str) -> str:
    """The file name part for the answer about ``iri`` (IRIs hold characters
    no file name may)."""
    return hashlib.sha256(iri.encode("utf-8")).hexdigest()[:24]


def table_path(build: str | Path, name: str, about: str | None = None) -> Path:
    folder = Path(build) / TABLES_DIR
    return folder / (name + SUFFIX) if about is None else folder / name / (key_of(about) + SUFFIX)


def _write(result, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    result.serialize(str(partial), ox.QueryResultsFormat.JSON)
    os.replace(partial, path)


def write_tables(store: ox.Store, target: Path) -> int:
    """Answer every build-table query from ``store`` (the union of its graphs
    as the default graph, as the pages query it) into ``target/tables``;
    the number of answers written."""
    made = 0
    for q in table_queries():
        each = q.table_for_each
        if each is None:
            _write(store.query(q.text, use_default_graph_as_union=True), table_path(target, q.name))
            made += 1
            continue
        (param,) = q.params  # one parameter, bound to each member in turn
        members = store.query(f"SELECT DISTINCT ?m WHERE {{ ?m a <{each}> }}", use_default_graph_as_union=True)
        for (member,) in [tuple(row) for row in members]:
            result = store.query(q.text, use_default_graph_as_union=True,
                                 substitutions={ox.Variable(param): member})
            _write(result, table_path(target, q.name, member.value))
            made += 1
    return made


def read_table(build: str | Path, name: str, about: str | None = None) -> tuple[list[str], list[tuple]] | None:
    """The kept answer of the named query ``name`` in ``build`` (``about``:
    the IRI its parameter was bound to): variable names and rows of terms
    (``None`` where unbound), or None if the build kept no such answer."""
    try:
        with open(table_path(build, name, about), "rb") as f:
            result = ox.parse_query_results(f, ox.QueryResultsFormat.JSON)
            names = [v.value for v in result.variables]
            return names, [tuple(sol[n] for n in names) for sol in result]
    except FileNotFoundError:
        return None
