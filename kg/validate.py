"""SHACL validation with a report a person can act on.

The shapes graph is always passed explicitly: given none, pyshacl would take
shapes from the data itself, and data could then switch its own checks off.

Two engines run the same shapes: pyshacl (the reference) on an rdflib graph,
and pyshacl-turbo (a Rust engine with pyshacl's API) on the same triples as
N-Triples, which is an order of magnitude faster on large graphs. The setting
``KG_VALIDATOR`` picks one: ``pyshacl``, ``turbo`` or ``auto`` (the default:
turbo from ``KG_TURBO_FROM`` triples up, 10,000 unless set, when it is
installed; pyshacl otherwise). tests/test_validation_equivalence.py holds turbo
to pyshacl's reports on the real data, on seeded faults and on synthetic data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from .sources import LoadedData


class ShapesError(Exception):
    """The shapes themselves are broken; no data report can be made."""


@dataclass(frozen=True)
class Violation:
    files: tuple[str, ...]
    focus: str
    path: str
    message: str
    severity: str
    shape: str
    value: str = ""

    def render(self) -> str:
        where = ", ".join(self.files) or "(ontology or no file)"
        lines = [f"{where}: {self.severity}", f"  focus node: {self.focus}"]
        if self.path:
            lines.append(f"  path:       {self.path}")
        if self.value:
            lines.append(f"  value:      {self.value}")
        lines.append(f"  message:    {self.message}")
        lines.append(f"  shape:      {self.shape}")
        return "\n".join(lines)


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    results_graph: Graph | None = None

    @property
    def warnings(self) -> list[Violation]:
        """Results below violation: published, and listed on /-/validation."""
        return [v for v in self.violations if v.severity != "Violation"]

    def render(self) -> str:
        if self.conforms:
            extra = f" ({len(self.warnings)} warning(s), listed on /-/validation)" if self.warnings else ""
            return "Validation passed: the data conforms to the shapes" + extra + "."
        blocking = [v for v in self.violations if v.severity == "Violation"]
        head = f"Validation failed: {len(blocking)} problem(s).\n"
        return head + "\n\n".join(v.render() for v in blocking)


def _show(graph: Graph, node) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, Literal):
        return repr(str(node)) + (f"^^{node.datatype}" if node.datatype else "")
    if isinstance(node, BNode):
        # A path such as ( ia:a ia:b ) or a blank focus node; show its shape.
        items = list(graph.items(node)) if (node, RDF.first, None) in graph else []
        return "(" + " / ".join(str(i) for i in items) + ")" if items else f"_:{node}"
    return str(node)


def _shape_name(shapes: Graph, shape) -> str:
    """A readable name for a shape: its IRI, or its parent's IRI and sh:name."""
    if isinstance(shape, URIRef):
        return str(shape)
    parent = shapes.value(predicate=SH.property, object=shape)
    name = shapes.value(shape, SH.name)
    if parent is not None:
        return f"{parent} / {name or 'property'}"
    return str(name) if name else "(anonymous shape)"


ENGINES = ("pyshacl", "turbo", "auto")
#: In auto mode, graphs of at least this many triples go to turbo.
TURBO_FROM = 10_000


def turbo_available() -> bool:
    try:
        import pyshacl_turbo  # noqa: F401
    except ImportError:
        return False
    return True


def choose_engine(loaded: LoadedData, engine: str = "auto", turbo_from: int = TURBO_FROM) -> str:
    """The engine to use (``Settings.validator``), with auto resolved by size."""
    engine = (engine or "auto").strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"KG_VALIDATOR must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "auto":
        return "turbo" if turbo_available() and len(loaded) >= turbo_from else "pyshacl"
    if engine == "turbo" and not turbo_available():
        raise ValueError("KG_VALIDATOR=turbo, but pyshacl-turbo is not installed")
    return engine


def _run_pyshacl(loaded: LoadedData, shapes: Graph):
    return shacl_validate(
        loaded.union(), shacl_graph=shapes, advanced=True, inference=None,
        allow_warnings=True, abort_on_first=False,
    )


def _run_turbo(loaded: LoadedData, shapes: Graph):
    import pyshacl_turbo

    raw = loaded.union_ntriples()
    text = raw.decode("utf-8")
    del raw
    try:
        # N-Triples straight into the Rust engine; blank node labels kept, so
        # the report's nodes are the store's.
        from pyshacl_turbo.rdf import Input

        data = Input(text, "nt", None, {}, preserve_ids=True)
    except ImportError:  # a later release may move it: an rdflib graph is always accepted
        del text
        data = loaded.union()
    return pyshacl_turbo.validate(
        data, shacl_graph=shapes, advanced=True, inference=None,
        allow_warnings=True, abort_on_first=False,
    )


def validate(loaded: LoadedData, shapes: Graph, engine: str = "auto", turbo_from: int = TURBO_FROM) -> Report:
    """Validate ``loaded`` against ``shapes`` with the chosen engine (see module doc)."""
    chosen = choose_engine(loaded, engine, turbo_from)
    if chosen == "pyshacl":
        conforms, results, _text = _run_pyshacl(loaded, shapes)
    else:
        try:
            conforms, results, _text = _run_turbo(loaded, shapes)
        except (NotImplementedError, RuntimeError):
            # Something the fast engine cannot run: when it was chosen for
            # speed (auto), the reference engine gives the report instead.
            if (engine or "auto").strip().lower() != "auto":
                raise
            conforms, results, _text = _run_pyshacl(loaded, shapes)
    if not isinstance(results, Graph):
        # pyshacl reports a broken shapes graph this way (a ValidationFailure).
        raise ShapesError(f"The shapes cannot be run: {getattr(results, 'message', results)}")
    violations = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        value = results.value(r, SH.value)
        # The file of the offending value too: a second preferred statement
        # added in another file than its item's is named where it was written.
        files = tuple(sorted(set(loaded.files_of(focus)) | (
            set(loaded.files_of(value)) if isinstance(value, URIRef) else set())))
        severity = results.value(r, SH.resultSeverity)
        violations.append(Violation(
            files=files,
            focus=_show(results, focus),
            path=_show(results, results.value(r, SH.resultPath)),
            message=str(results.value(r, SH.resultMessage) or "constraint not met"),
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            shape=_shape_name(shapes, results.value(r, SH.sourceShape)),
            value=_show(results, value),
        ))
    violations.sort(key=lambda v: (v.files, v.focus, v.path, v.message))
    return Report(bool(conforms), violations, results)
