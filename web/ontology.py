"""The ontology page: classes and properties with their comments, made from
the ontology graph of the build (in the manner of pyLODE), and the ontology
as an RDF document at ``/def/`` and ``/-/ontology.<ext>``."""

from __future__ import annotations

from collections import OrderedDict

from flask import Response, abort, render_template

from .linking import IA_NS, curie, iri_term, rows, settings, val
from .pages import bp, class_counts, class_index_url
from .resources import (FORMATS, alternates, choose, describe, not_acceptable, run,
                        serialize, variant_response)

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


def ontology_page(alts) -> str:
    meta = describe(IA_NS)["by_iri"]
    counts = {c["iri"]: c for c in class_counts()}
    grouped = terms()
    for t in grouped["class"]["terms"]:
        c = counts.get(t["iri"])
        t["count"] = c["count"] if c else 0
        t["index"] = class_index_url(t["iri"])
    return render_template("ontology.html", meta=meta, grouped=grouped, alternates=alts,
                           namespace=IA_NS)


def serve_ontology(path_prefix: str, ext: str | None) -> Response:
    alts = [a for a in alternates("/-/ontology", IA_NS)]
    fmt, negotiated = choose(ext)
    if fmt is None:
        return not_acceptable(alts)
    if fmt == "html":
        body = ontology_page(alts)
    else:
        body = serialize(list(run("page-graph-document", graph=ontology_graph_iri())), fmt)
    return variant_response(body, fmt, alts, negotiated, f"/-/ontology.{fmt}")


@bp.get("/def/")
def ontology_root():
    return serve_ontology("/def/", None)


@bp.get("/-/ontology")
def ontology():
    return serve_ontology("/-/ontology", None)


@bp.get("/-/ontology.<ext>")
def ontology_ext(ext: str):
    if ext not in FORMATS:
        abort(404)
    return serve_ontology("/-/ontology", ext)
