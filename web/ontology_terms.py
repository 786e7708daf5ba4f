"""The ontology's terms, grouped by kind, with their axioms (the ontology page and the editor's completions)."""

from __future__ import annotations

from collections import OrderedDict

from .linking import IA_NS, curie, iri_term, rows, settings, val

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
KINDS = OrderedDict([
    ("class", ("Classes", {OWL + "Class", RDFS + "Class"})),
    ("object", ("Object properties", {OWL + "ObjectProperty"})),
    ("datatype", ("Datatype properties", {OWL + "DatatypeProperty"})),
    ("annotation", ("Annotation properties", {OWL + "AnnotationProperty", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"})),
])


def ontology_graph_iri() -> str:
    return settings().base + "id/graph/ontology"


def terms() -> OrderedDict:
    found = {}
    for r in rows("page-ontology-terms"):
        kinds = set((val(r["kinds"]) or "").split())
        kind = next((k for k, (_n, iris) in KINDS.items() if kinds & iris), "annotation")
        iri = r["term"].value
        found[iri] = {
            "iri": iri, "local": iri[len(IA_NS):], "curie": curie(iri), "kind": kind,
            "label": val(r["label"]) or iri[len(IA_NS):], "comment": val(r["comment"]),
            "symmetric": OWL + "SymmetricProperty" in kinds,
            "super": [], "sub": [], "domain": [], "range": [], "superprop": [], "subprop": [],
            "domain_of": [], "range_of": [],
        }
    for r in rows("page-ontology-axioms"):
        t, axiom, v = r["term"].value, r["axiom"].value, r["value"]
        if v is None or not hasattr(v, "value"):
            continue
        vt = iri_term(v.value, val(r["valueLabel"]))
        local = axiom[len(RDFS):]
        if t in found:
            key = {"subClassOf": "super", "subPropertyOf": "superprop", "domain": "domain", "range": "range"}[local]
            found[t][key].append(vt)
        if v.value in found:
            tt = iri_term(t, found[t]["label"] if t in found else None)
            key = {"subClassOf": "sub", "subPropertyOf": "subprop", "domain": "domain_of",
                   "range": "range_of"}[local]
            found[v.value][key].append(tt)
    grouped = OrderedDict((k, {"title": n, "terms": []}) for k, (n, _i) in KINDS.items())
    for t in sorted(found.values(), key=lambda t: t["label"].lower()):
        grouped[t["kind"]]["terms"].append(t)
    return grouped
