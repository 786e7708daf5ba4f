"""Named SPARQL queries, kept as ``.rq`` files in ``kg/queries/``.

Each file starts with comment lines that describe it::

    # title: Lineage of a programme
    # description: What came before and after a programme, with dates and sources.
    # param: programme = https://w3id.org/integration-atlas/id/programme/vanguards

A query about the whole graph that a page starts from, answered once by the
build and kept in it (``kg.page_tables``), says so; a query with one
parameter that the build answers for each member of a class names the class::

    # build table: yes
    # build table: each https://w3id.org/integration-atlas/def/Programme

A query whose output the build keeps as a data file (a derivation run by
``python -m kg.placements``, not on a request) names that file::

    # derives: data/systems/site-systems.ttl

Parameters are bound as values (Oxigraph substitutions, or a VALUES block for
remote stores), never pasted into the query text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

QUERY_DIR = Path(__file__).parent / "queries"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    #: Parameter name -> default IRI (under the canonical base).
    params: dict[str, str] = field(default_factory=dict)
    #: The data file this query's output is kept in, for a derivation.
    derives: str = ""
    #: Answered by the build and kept with it (``kg.page_tables``): "yes",
    #: or "each CLASS-IRI" (once for each member, bound to the parameter).
    build_table: str = ""

    @property
    def table_for_each(self) -> str | None:
        """The class whose members the build answers this query for, if any."""
        kind, _, iri = self.build_table.partition(" ")
        return iri.strip() if kind == "each" else None


def _parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        key, value = key.strip(), value.strip()
        if key == "param":
            pname, _, default = value.partition("=")
            params[pname.strip()] = default.strip()
        elif key:
            meta[key] = value
    return NamedQuery(path.stem, meta.get("title", path.stem), meta.get("description", ""), text, params,
                      meta.get("derives", ""), meta.get("build table", ""))


def all_queries() -> dict[str, NamedQuery]:
    return {p.stem: _parse(p) for p in sorted(QUERY_DIR.glob("*.rq"))}


def get(name: str) -> NamedQuery:
    queries = all_queries()
    if name not in queries:
        raise KeyError(f"no named query {name!r}; known: {', '.join(queries)}")
    return queries[name]
