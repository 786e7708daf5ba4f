"""Reading the ontology, shapes and data files into graphs.

Each data file becomes one named graph (``<base>id/graph/<path>``), so a dump
in N-Quads or TriG keeps track of where every triple came from, and a
validation report can name the file a bad node lives in. Two more graphs are
made from them: the plain graph generated from statements (``kg.generate``)
and what the ontology implies (``kg.infer``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from . import formats
from .config import Settings
from .generate import generate
from .infer import infer
from .namespaces import CANONICAL_BASE

#: Data files by extension: rdflib's and pyoxigraph's names for their format.
RDF_SUFFIXES = {"." + f.key: f.rdflib for f in formats.DATA_FILE}
OX_FORMATS = {"." + f.key: f.rdf for f in formats.DATA_FILE}


class SourceError(Exception):
    """A data file that cannot be read; the message names the file and says why."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    #: Path relative to its root folder, used in graph names and reports.
    name: str


def data_files(settings: Settings, only: list[Path] | None = None) -> list[SourceFile]:
    """The data files to load: those given, or every RDF file under data/."""
    root = settings.data_dir
    paths = [Path(p).resolve() for p in only] if only else sorted(
        p for p in root.rglob("*") if p.suffix in RDF_SUFFIXES and p.is_file())
    files = []
    for p in paths:
        if not p.exists():
            raise SourceError(f"{p}: no such file")
        if p.suffix not in RDF_SUFFIXES:
            raise SourceError(f"{p}: not an RDF file (expected one of {', '.join(sorted(RDF_SUFFIXES))})")
        try:
            name = p.relative_to(root).as_posix()
        except ValueError:
            name = p.name
        files.append(SourceFile(p, name))
    return files


def ontology_files(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.ontology_dir.glob("*.ttl") if not p.name.startswith("shapes"))


def shapes_files(settings: Settings) -> list[Path]:
    return sorted(settings.ontology_dir.glob("shapes*.ttl"))


def parse_file(path: Path) -> Graph:
    g = Graph()
    try:
        g.parse(path, format=RDF_SUFFIXES[path.suffix])
    except Exception as exc:  # rdflib raises many types; all mean "cannot read"
        raise SourceError(f"{path}: cannot parse as {RDF_SUFFIXES[path.suffix]}: {exc}") from exc
    return g


def canonical(node: Node) -> Node:
    """Write xsd:decimal values in canonical form ("8", not "8.0"), as the
    store does, so a graph read back from any export equals the build."""
    if isinstance(node, Literal) and node.datatype == XSD.decimal and not node.ill_typed:
        return Literal(format(Decimal(str(node)).normalize(), "f"), datatype=XSD.decimal)
    return node


def rebase(node: Node, base: str) -> Node:
    """Move an IRI from the canonical base to ``base`` (ontology IRIs stay)."""
    if base == CANONICAL_BASE or not isinstance(node, URIRef):
        return node
    s = str(node)
    if s.startswith(CANONICAL_BASE + "id/"):
        return URIRef(base + s[len(CANONICAL_BASE):])
    return node


def graph_name(settings: Settings, name: str) -> URIRef:
    return URIRef(f"{settings.base}id/graph/{name.rsplit('.', 1)[0]}")


ONTOLOGY_GRAPH = "ontology"

_XSD_STRING = str(XSD.string)
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(term) -> Node:
    """An Oxigraph term as the rdflib term a Turtle parser would make."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == _XSD_STRING else Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"not an RDF term: {term!r}")


def to_oxigraph(node: Node):
    """An rdflib term as an Oxigraph term (for look-ups in the loaded store)."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)) if node.datatype else None)
    raise TypeError(f"not an RDF term: {node!r}")


class LoadedData:
    """Ontology and data, one named graph per file, in an Oxigraph store.

    The store holds every quad once, rebased to ``settings.base``, with
    literals in the store's canonical form (decimals as "8", not "8.0").
    rdflib views (``dataset``, ``union()``, ``subject_files``) are made on
    demand, for pyshacl and for tests; the build itself never needs them.
    """

    def __init__(self, store: ox.Store, files: list[SourceFile], graph_files: dict[str, str]):
        self.store = store
        self.files = files
        #: Graph IRI -> data file name (the ontology graph is not a data file).
        self.graph_files = graph_files
        self._dataset: Dataset | None = None
        self._subject_files: dict[Node, set[str]] | None = None

    def __len__(self) -> int:
        return len(self.store)

    @property
    def dataset(self) -> Dataset:
        """The same quads as an rdflib Dataset (made once, on first use)."""
        if self._dataset is None:
            ds = Dataset()
            graphs: dict[str, Graph] = {}
            for q in self.store:
                g = graphs.get(q.graph_name.value)
                if g is None:
                    g = graphs[q.graph_name.value] = ds.graph(URIRef(q.graph_name.value))
                g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
            self._dataset = ds
        return self._dataset

    @property
    def subject_files(self) -> dict[Node, set[str]]:
        """Which data file(s) each subject is described in."""
        if self._subject_files is None:
            out: dict[Node, set[str]] = {}
            for q in self.store:
                name = self.graph_files.get(q.graph_name.value)
                if name is not None:
                    out.setdefault(to_rdflib(q.subject), set()).add(name)
            self._subject_files = out
        return self._subject_files

    def files_of(self, node: Node) -> tuple[str, ...]:
        """The data files that describe ``node`` as a subject, for reports."""
        if self._subject_files is not None:
            return tuple(sorted(self._subject_files.get(node, ())))
        if node is None or isinstance(node, Literal):
            return ()
        names = {self.graph_files.get(q.graph_name.value)
                 for q in self.store.quads_for_pattern(to_oxigraph(node), None, None, None)}
        return tuple(sorted(n for n in names if n is not None))

    def union(self) -> Graph:
        """All triples of every graph in one rdflib graph (what pyshacl validates)."""
        g = Graph()
        if self._dataset is not None:
            for ctx in self._dataset.graphs():
                for t in ctx:
                    g.add(t)
            return g
        for q in self.store:
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return g

    def union_ntriples(self) -> bytes:
        """All triples of every graph as N-Triples (a triple stated in two files twice)."""
        return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in self.store),
                            format=ox.RdfFormat.N_TRIPLES)


def _read_into(store: ox.Store, path: Path, graph: ox.NamedNode, base: str | None) -> None:
    """Parse one file into ``graph`` of ``store``; ``base`` moves instance IRIs."""
    fmt = OX_FORMATS[path.suffix]
    try:
        if base is None and fmt not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
            # Straight from the file into the store: no Python per triple.
            store.bulk_load(path=str(path), format=fmt, base_iri=path.absolute().as_uri(), to_graph=graph)
            return
        quads = ox.parse(path=str(path), format=fmt, base_iri=path.absolute().as_uri(), rename_blank_nodes=True)
        rb = (lambda t: t) if base is None else _rebaser(base)
        store.bulk_extend(ox.Quad(rb(q.subject), q.predicate, rb(q.object), graph) for q in quads)
    except (SyntaxError, ValueError, OSError) as exc:
        raise SourceError(f"{path}: cannot parse as {RDF_SUFFIXES[path.suffix]}: {exc}") from exc


def _rebaser(base: str):
    prefix = CANONICAL_BASE + "id/"
    cut = len(CANONICAL_BASE)

    def rb(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(prefix):
            return ox.NamedNode(base + term.value[cut:])
        return term
    return rb


def load(settings: Settings, only: list[Path] | None = None, progress=None) -> LoadedData:
    """Parse ontology and data into a store with one named graph per file."""
    store = ox.Store()
    for p in ontology_files(settings):
        _read_into(store, p, ox.NamedNode(graph_name(settings, ONTOLOGY_GRAPH)), None)
    files = data_files(settings, only)
    base = None if settings.base == CANONICAL_BASE else settings.base
    graph_files = {}
    for i, f in enumerate(files, 1):
        if progress and (i == len(files) or i % 100 == 1):
            progress(f"parse {i}/{len(files)} {f.name}")
        name = str(graph_name(settings, f.name))
        graph_files[name] = f.name
        _read_into(store, f.path, ox.NamedNode(name), base)
    # What is served and validated is the data with its plain graph and what
    # the ontology implies, each in a named graph of its own.
    generate(store, settings.base)
    infer(store, settings.base)
    return LoadedData(store, files, graph_files)


def load_shapes(settings: Settings) -> Graph:
    g = Graph()
    for p in shapes_files(settings):
        g += parse_file(p)
    return g
