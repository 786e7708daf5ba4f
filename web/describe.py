"""A resource's outgoing statements, grouped by property (pages and the ontology)."""

from __future__ import annotations

from collections import OrderedDict

from .linking import IA_NS, RDF_TYPE, iri_term, rows, term, val

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"

#: Properties shown first, in this order; the rest follow by label.
FIRST = [RDF_TYPE, RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", DCT + "title",
         RDFS + "comment", IA_NS + "summary", SKOS + "definition", DCT + "description"]


def describe(iri: str) -> dict:
    """The outgoing statements of a resource, grouped by property."""
    props: "OrderedDict[str, dict]" = OrderedDict()
    for r in rows("page-resource-outgoing", resource=iri):
        p = r["p"].value
        entry = props.setdefault(p, {"p": iri_term(p, val(r["pLabel"])), "values": [], "seen": set()})
        key = (type(r["o"]).__name__, r["o"].value, getattr(r["o"], "language", None))
        if key in entry["seen"]:
            continue
        entry["seen"].add(key)
        entry["values"].append(term(r["o"], r["oLabel"]))
    order = {p: i for i, p in enumerate(FIRST)}
    grouped = sorted(props.values(),
                     key=lambda e: (order.get(e["p"].value, len(FIRST)), e["p"].text.lower()))
    for e in grouped:
        e["values"].sort(key=lambda t: t.sort_key)
        del e["seen"]
    return {"props": grouped, "by_iri": {e["p"].value: e["values"] for e in grouped}}
