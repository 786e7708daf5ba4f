"""Namespaces and the canonical IRI base used in the data files."""

from rdflib import Namespace

#: The ontology namespace. Fixed: it names the vocabulary, not the data.
IA = Namespace("https://w3id.org/integration-atlas/def/")

#: The base every instance IRI is written against in ``data/``. A build may
#: move instances to another base (``KG_BASE``); the ontology stays put.
CANONICAL_BASE = "https://w3id.org/integration-atlas/"

PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")

#: Prefixes for query text and serialisations.
PREFIXES = {
    "ia": str(IA),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": str(PROV),
    "org": str(ORG),
    "dcterms": "http://purl.org/dc/terms/",
    "schema": str(SCHEMA),
    "time": "http://www.w3.org/2006/time#",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
    "shapes": str(IA) + "shapes/",
}


def instance_prefixes(base: str) -> dict[str, str]:
    """Readable prefixes for the instance IRIs under ``base``."""
    kinds = {
        "prog": "programme", "site": "site", "wave": "wave", "orgn": "organisation",
        "person": "person", "doc": "document", "claim": "claim", "fy": "period",
        "place": "place", "cm": "care-model", "measure": "measure", "graph": "graph",
        "evt": "event-type", "grade": "reliability", "kind": "value-kind",
        "otype": "organisation-type", "ptype": "programme-type", "precision": "date-precision",
        "role": "role", "scheme": "scheme", "unit": "unit",
    }
    return {p: f"{base}id/{k}/" for p, k in kinds.items()}


def atlas_prefixes(base: str) -> dict[str, str]:
    """Every prefix the atlas uses: predeclared for queries on ``/sparql``
    and used to write its documents."""
    return {**PREFIXES, **instance_prefixes(base)}
