"""Sites placed in their integrated care system by code, written as derived data.

The named query ``site-systems`` (a CONSTRUCT) joins codes: a site's member or
lead with an ODS code, through its change events, to the board established
for its area. Its output is kept in ``data/systems/site-systems.ttl`` together
with the activity and plan that produced it, so that the derived links are
served, dumped and validated like any other data and say how they were made.
``python -m kg.placements`` rewrites that file from the current build; the
tests check that the file still equals what the query derives.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph

from . import __version__
from . import queries as named
from .config import Settings
from .store import OxigraphStore

QUERY = "site-systems"
TARGET = Path("systems") / "site-systems.ttl"

HEADER = """\
# Where each site lies among the integrated care systems, derived by joining
# codes (not names): the output of the named query site-systems
# (kg/queries/site-systems.rq) run on the build, written by
# `python -m kg.placements`. A site none of whose members or leads has an ODS
# code leading to a board is recorded as not placed (ia:gap).
"""

ACTIVITY = """\
@prefix ia:       <https://w3id.org/integration-atlas/def/> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov:     <http://www.w3.org/ns/prov#> .
@prefix activity: <https://w3id.org/integration-atlas/id/activity/> .
@prefix plan:     <https://w3id.org/integration-atlas/id/plan/> .
@prefix agent:    <https://w3id.org/integration-atlas/id/agent/> .

activity:place-sites-by-code a prov:Activity ;
    rdfs:label "Placing sites in their integrated care systems by code"@en ;
    ia:codeVersion "{version}" ;
    prov:qualifiedAssociation activity:place-sites-by-code-association .

activity:place-sites-by-code-association a prov:Association ;
    prov:agent agent:atlas-build-placements ;
    prov:hadPlan plan:place-sites-by-code .

plan:place-sites-by-code a prov:Plan ;
    rdfs:label "Place sites by ODS code (named query site-systems)"@en ;
    ia:method "For each site, each member or lead organisation that has an ODS code assignment is followed through the change events it was an original organisation of (CCG mergers) to the integrated care board whose establishment on 1 July 2022 it was an original organisation of. Inputs: the sites' members and leads, the code assignments, the change events. Names are never matched."@en .

agent:atlas-build-placements a prov:SoftwareAgent ;
    rdfs:label "The integration atlas's placement query"@en .
"""


def derive(store) -> Graph:
    """The placements the query derives from ``store``, as an rdflib graph."""
    text = named.get(QUERY).text
    triples = store.query(text)
    g = Graph()
    import pyoxigraph as ox
    data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
    g.parse(data=data, format="nt")
    return g


def write(settings: Settings) -> Path:
    store = OxigraphStore.open_current(settings, memory=False)
    g = derive(store)
    g.parse(data=ACTIVITY.replace("{version}", __version__), format="turtle")
    for prefix, ns in [("ia", "https://w3id.org/integration-atlas/def/"), ("prov", "http://www.w3.org/ns/prov#"),
                       ("site", "https://w3id.org/integration-atlas/id/site/"),
                       ("placement", "https://w3id.org/integration-atlas/id/placement/"),
                       ("orgn", "https://w3id.org/integration-atlas/id/organisation/"),
                       ("change", "https://w3id.org/integration-atlas/id/change/"),
                       ("assignment", "https://w3id.org/integration-atlas/id/code-assignment/"),
                       ("activity", "https://w3id.org/integration-atlas/id/activity/"),
                       ("plan", "https://w3id.org/integration-atlas/id/plan/"),
                       ("agent", "https://w3id.org/integration-atlas/id/agent/")]:
        g.bind(prefix, ns)
    path = settings.data_dir / TARGET
    path.write_text(HEADER + g.serialize(format="turtle"), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write(Settings.from_env()), file=sys.stderr)
