"""Reading the ontology, shapes and data files into graphs.

Each data file becomes one named graph (``<base>id/graph/<path>``), so a dump
in N-Quads or TriG keeps track of where every triple came from, and a
validation report can name the file a bad node lives in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import XSD, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from .config import Settings
from .namespaces import CANONICAL_BASE

RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".trig": "trig", ".jsonld": "json-ld", ".rdf": "xml"}


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


@dataclass
class LoadedData:
    dataset: Dataset
    #: Which file(s) each subject is described in, for reports.
    subject_files: dict[Node, set[str]]
    files: list[SourceFile]

    def union(self) -> Graph:
        """All triples of every graph in one graph (what SHACL validates)."""
        g = Graph()
        for ctx in self.dataset.graphs():
            for t in ctx:
                g.add(t)
        return g


def load(settings: Settings, only: list[Path] | None = None, progress=None) -> LoadedData:
    """Parse ontology and data into a dataset with one named graph per file."""
    ds = Dataset()
    subject_files: dict[Node, set[str]] = {}
    onto = ds.graph(graph_name(settings, ONTOLOGY_GRAPH))
    for p in ontology_files(settings):
        onto += parse_file(p)
    files = data_files(settings, only)
    for i, f in enumerate(files, 1):
        if progress:
            progress(f"parse {i}/{len(files)} {f.name}")
        g = parse_file(f.path)
        target = ds.graph(graph_name(settings, f.name))
        for s, p, o in g:
            s, o = rebase(s, settings.base), canonical(rebase(o, settings.base))
            target.add((s, p, o))
            subject_files.setdefault(s, set()).add(f.name)
    return LoadedData(ds, subject_files, files)


def load_shapes(settings: Settings) -> Graph:
    g = Graph()
    for p in shapes_files(settings):
        g += parse_file(p)
    return g
