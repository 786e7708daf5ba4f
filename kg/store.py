"""The graph store behind the service: one small interface, two engines.

``Store`` is what the rest of the code talks to. ``OxigraphStore`` is the
embedded default: a build written by ``kg build``, opened read-only on disk,
or, for builds up to ``KG_MEMORY_TRIPLES`` triples, loaded into memory from
the build's N-Quads copy (``quads.nq``), where Oxigraph answers scans and
aggregates several times faster than from its on-disk indexes. A remote
SPARQL 1.1 store can implement the same interface.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Iterable, Protocol

import pyoxigraph as ox

from . import formats
from .namespaces import PREFIXES

#: The RDF formats a store writes, by key (``kg.formats``).
RDF_FORMATS = {f.key: f.rdf for f in formats.DUMP}
QUAD_FORMATS = {f.key for f in formats.DUMP if f.quads}

#: The build's N-Quads copy, beside its on-disk store, loaded when served from memory.
QUADS_FILE = "quads.nq"


class Store(Protocol):
    """What the service needs from a graph store."""

    def query(self, sparql: str, *, default_graph_uris: Iterable[str] = (),
              named_graph_uris: Iterable[str] = (), substitutions=None,
              base_iri: str | None = None, union_default: bool = True,
              prefixes: dict[str, str] | None = None): ...

    def dump(self, output: IO[bytes], fmt: str) -> None: ...

    def graph_names(self) -> list[str]: ...

    def __len__(self) -> int: ...


class OxigraphStore:
    """The embedded store: a read-only view of one build, on disk or in memory."""

    def __init__(self, path: Path | str, in_memory: bool = False):
        self.path = Path(path)
        quads = self.path.parent / QUADS_FILE
        self.in_memory = in_memory and quads.exists()
        if self.in_memory:
            # Nothing writes to it after loading: the build stays read-only.
            self._db = ox.Store()
            self._db.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
        else:
            self._db = ox.Store.read_only(str(self.path))

    @classmethod
    def open_build(cls, store_path: Path | str, memory_triples: int) -> "OxigraphStore":
        """Open a build's store, in memory if it has at most ``memory_triples``
        triples (and was written with its N-Quads copy), else on disk."""
        return cls(store_path, in_memory=0 < build_triples(store_path) <= memory_triples)

    @classmethod
    def open_current(cls, settings, memory: bool = True) -> "OxigraphStore":
        """The published build; ``memory=False`` keeps it on disk (a one-off
        read, such as an export, gains nothing from loading it)."""
        target = settings.current
        if not target.exists():
            raise FileNotFoundError(
                f"No build found at {target}. Run 'kg build' first.")
        return cls.open_build(os.path.realpath(target) + "/store", settings.memory_triples if memory else 0)

    def query(self, sparql: str, *, default_graph_uris: Iterable[str] = (),
              named_graph_uris: Iterable[str] = (), substitutions=None,
              base_iri: str | None = None, union_default: bool = True,
              prefixes: dict[str, str] | None = None):
        """Run a query; ``substitutions`` binds variables to terms; ``prefixes`` are
        predeclared (the query's own declarations win). The default graph is the union of all graphs unless
        the request names default graphs (SPARQL protocol ``default-graph-uri``). With ``union_default=False`` the
        query's own FROM / FROM NAMED (or the store's default graph) apply instead. ``base_iri`` resolves relative
        IRIs in the query."""
        defaults = [ox.NamedNode(u) for u in default_graph_uris]
        named = [ox.NamedNode(u) for u in named_graph_uris]
        kwargs = {}
        if base_iri:
            kwargs["base_iri"] = base_iri
        if defaults:
            kwargs["default_graph"] = defaults
        elif union_default:
            kwargs["use_default_graph_as_union"] = True
        if named:
            kwargs["named_graphs"] = named
        if substitutions:
            kwargs["substitutions"] = substitutions
        if prefixes:
            kwargs["prefixes"] = prefixes
        return self._db.query(sparql, **kwargs)

    def dump(self, output: IO[bytes], fmt: str) -> None:
        """Write every graph: quads for N-Quads/TriG, the union otherwise."""
        if fmt in QUAD_FORMATS:
            self._db.dump(output, RDF_FORMATS[fmt])
            return
        # Triple formats cannot carry graph names: write the union of graphs.
        # A triple stated in two files is written twice; parsers merge them.
        if fmt == "nt":
            # N-Triples documents concatenate, so let the engine write each
            # graph natively (several times faster than a Python loop).
            for graph in [ox.DefaultGraph(), *self._db.named_graphs()]:
                self._db.dump(output, ox.RdfFormat.N_TRIPLES, from_graph=graph)
            return
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in self._db)
        ox.serialize(triples, output, RDF_FORMATS[fmt], prefixes=PREFIXES)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._db.named_graphs())

    def __len__(self) -> int:
        return len(self._db)


def build_triples(store_path: Path | str) -> int:
    """How many triples a build holds, from its ``build.json`` (0 if unknown)."""
    try:
        return int(json.loads((Path(store_path).parent / "build.json").read_text())["triples"])
    except (OSError, ValueError, KeyError):
        return 0
