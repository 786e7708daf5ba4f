"""Classes: what is below what, how many of each, and a class index's address."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import url_for

from .linking import IA_NS, curie, per_build, rows, val

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
#: The class list's order: the classes a person starts from, in this order
#: (each with the classes the ontology puts below it), then the rest by size,
#: then the internal ones: controlled terms (SKOS concepts and schemes,
#: periods, measures), together at the end.
START_CLASSES = [IA_NS + "Programme", IA_NS + "Site", IA_NS + "CareModel",
                 ORG + "Organization", ORG + "FormalOrganization", SCHEMA + "GovernmentOrganization",
                 ORG + "OrganizationalCollaboration", ORG + "OrganizationalUnit",
                 IA_NS + "SourceDocument", IA_NS + "FundingFlow", IA_NS + "Wave",
                 IA_NS + "Place", IA_NS + "Person"]
INTERNAL_CLASSES = [SKOS + "Concept", SKOS + "ConceptScheme", IA_NS + "FinancialYear", IA_NS + "Measure",
                    IA_NS + "RoleType"]
CLASS_GROUPS = {0: "Start here", 1: "Statements and other resources", 2: "Internal: controlled terms"}


@per_build
def subclass_closure() -> dict[str, set[str]]:
    """Class IRI -> itself and every class below it (from the ontology's axioms)."""
    children: dict[str, set[str]] = {}
    for r in rows("page-ontology-axioms"):
        if r["axiom"].value == RDFS + "subClassOf":
            children.setdefault(r["value"].value, set()).add(r["term"].value)

    def below(c, seen):
        for k in children.get(c, ()):
            if k not in seen:
                seen.add(k)
                below(k, seen)
        return seen
    return {c: below(c, {c}) for c in list(children)}


def classes_below(iri: str) -> set[str]:
    return subclass_closure().get(iri, {iri})


@per_build
def _class_count_rows() -> list[dict]:
    # Counts over the whole build: made once per build (the first request
    # after a new build pays about 1.5 s at a million triples).
    return rows("page-class-counts")


def class_counts() -> list[dict]:
    out = []
    for r in _class_count_rows():
        iri = r["class"].value
        out.append({"iri": iri, "label": val(r["classLabel"]) or curie(iri) or iri,
                    "comment": val(r["comment"]), "count": int(r["count"].value),
                    "curie": curie(iri), "index": class_index_url(iri)})
    return out


def by_importance(classes: list[dict]) -> list[dict]:
    """``classes`` in the class list's order, each with its ``group``."""
    def rank(c):
        for i, root in enumerate(START_CLASSES):
            if c["iri"] in classes_below(root):
                return (0, i, -c["count"], c["label"].lower())
        if any(c["iri"] in classes_below(root) for root in INTERNAL_CLASSES):
            return (2, 0, -c["count"], c["label"].lower())
        return (1, 0, -c["count"], c["label"].lower())
    out = []
    for c in sorted(classes, key=rank):
        out.append({**c, "group": CLASS_GROUPS[rank(c)[0]]})
    return out


def class_index_url(iri: str, filters: list[tuple[str, str]] | None = None, ext: str = "",
                    **params) -> str:
    """A class index's address; ``filters`` are its facet filters as
    (property, value) pairs of IRIs, written as prefixed names where they can
    be; ``ext`` (``json``, ``csv``) picks a download."""
    name = curie(iri)
    if name:
        path = url_for("pages.class_index", name=name + (f".{ext}" if ext else ""))
    else:
        path = url_for("pages.class_index_by_uri")
        params = {"uri": iri, **params, "format": ext or None}
    if params.get("page") == 1:
        params.pop("page")
    pairs = [(k, v) for k, v in params.items() if v not in (None, "")]
    pairs += [(curie(p) or p, curie(v) or v) for p, v in filters or ()]
    return path + ("?" + urlencode(pairs) if pairs else "")


