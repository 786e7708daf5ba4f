"""Write the frozen list of the claims the data states, one row per claim:
(claim, subject, value, source, locator), tab-separated.

Run once against the data before a change of model; the test
``tests/test_claims_carried_over.py`` then checks that the build still
carries every row. Usage: python scripts/freeze_claims.py > tests/frozen/claims-before.tsv
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace

ROOT = Path(__file__).resolve().parent.parent
IA = Namespace("https://w3id.org/integration-atlas/def/")
ORG = Namespace("http://www.w3.org/ns/org#")
ID = "https://w3id.org/integration-atlas/id/"


def key(node) -> str:
    s = str(node)
    return s[len(ID):] if s.startswith(ID) else s


def number(lit) -> str:
    return format(Decimal(str(lit)).normalize(), "f")


def rows(g: Graph):
    claim_classes = set(g.transitive_subjects(RDFS.subClassOf, IA.Claim))
    claims = {s for c in claim_classes for s in g.subjects(RDF.type, c)}
    for c in sorted(claims):
        about = sorted(key(o) for o in g.objects(c, IA.about))
        if (c, IA.funder, None) in g:
            funders = ",".join(sorted(key(o) for o in g.objects(c, IA.funder)))
            recipients = ",".join(sorted(key(o) for o in g.objects(c, IA.recipient)))
            about = [f"{funders}>{recipients}"]
        elif (c, IA.organisation, None) in g:
            about = [f"{key(g.value(c, IA.organisation))}@{key(g.value(c, IA.roleIn))}"]
        elif (c, ORG.member, None) in g:
            about = [f"{key(g.value(c, ORG.member))}@{key(g.value(c, ORG.organization))}"]
        if (c, IA.amount, None) in g:
            value = number(g.value(c, IA.amount)) + " GBP"
        elif (c, IA.value, None) in g:
            value = number(g.value(c, IA.value)) + " " + key(g.value(c, IA.unit))
        elif (c, IA.date, None) in g:
            value = str(g.value(c, IA.date))
        elif (c, IA.roleType, None) in g:
            value = key(g.value(c, IA.roleType))
        else:
            value = "finding"
        source = g.value(c, IA.source)
        locator = g.value(c, IA.locator) if source is not None else g.value(c, IA.method)
        yield (key(c), " ".join(about), value, key(source) if source is not None else "derived",
               " ".join(str(locator).split()) if locator is not None else "")


def main() -> None:
    g = Graph()
    g.parse(ROOT / "ontology" / "atlas.ttl")
    for p in sorted((ROOT / "data").rglob("*.ttl")):
        g.parse(p)
    out = sys.stdout
    out.write("claim\tsubject\tvalue\tsource\tlocator\n")
    for r in rows(g):
        out.write("\t".join(r) + "\n")


if __name__ == "__main__":
    main()
