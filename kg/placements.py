"""Links derived by joining codes, written as derived data.

Two named queries (CONSTRUCTs) join ODS codes, never names: ``site-systems``
places each site in the board established for its area, and
``site-area-links`` links sites of different programmes whose coded
organisations are one, pass an area from one to the other, or lie in the
STP footprint named for the other. Each output is kept in a file under
``data/systems/`` together with the activity and plan that produced it, so
that the derived links are served, dumped and validated like any other data
and say how they were made. ``python -m kg.placements`` rewrites both files
from the current build; the tests check that each file still equals what its
query derives.
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
LINKS_QUERY = "site-area-links"
LINKS_TARGET = Path("systems") / "site-area-links.ttl"

PLACEMENTS_HEADER = """\
# Where each site lies among the integrated care systems, derived by joining
# codes (not names): the output of the named query site-systems
# (kg/queries/site-systems.rq) run on the build, written by
# `python -m kg.placements`. A site no organisation named for which has an ODS
# code leading to a board is recorded as not placed (ia:gap).
"""

# The activity, association and plan written beside a derivation's output
# (the agent is declared once, with the placements).
ACTIVITY = """\
@prefix ia:       <https://w3id.org/integration-atlas/def/> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov:     <http://www.w3.org/ns/prov#> .
@prefix activity: <https://w3id.org/integration-atlas/id/activity/> .
@prefix plan:     <https://w3id.org/integration-atlas/id/plan/> .
@prefix agent:    <https://w3id.org/integration-atlas/id/agent/> .

activity:{name} a prov:Activity ;
    rdfs:label "{label}"@en ;
    ia:codeVersion "{version}" ;
    prov:qualifiedAssociation activity:{name}-association .

activity:{name}-association a prov:Association ;
    prov:agent agent:atlas-build-placements ;
    prov:hadPlan plan:{name} .

plan:{name} a prov:Plan ;
    rdfs:label "{plan_label}"@en ;
    ia:method "{method}"@en .
"""
AGENT = """\
@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov:  <http://www.w3.org/ns/prov#> .
@prefix agent: <https://w3id.org/integration-atlas/id/agent/> .

agent:atlas-build-placements a prov:SoftwareAgent ;
    rdfs:label "The integration atlas's placement query"@en .
"""

PLACEMENTS_PLAN = dict(
    name="place-sites-by-code", label="Placing sites in their integrated care systems by code",
    plan_label="Place sites by ODS code (named query site-systems)",
    method='joined by ODS code: for each site, each organisation named for it (lead, partner, commissioner of its area, or the organisation whose area it covers) that has an ODS code assignment is followed through the change events it was an original organisation of (primary care trusts to CCGs, CCG mergers) to the integrated care board whose establishment on 1 July 2022 it (or the STP footprint it is) was an original organisation of; an NHS trust, which took part in no establishment, is followed through the trust-to-board lookup entry from its code to the code of the board it lies in. Inputs: the organisations named for sites, the code assignments, the change events, the lookup entries. Names are never matched.')

LINKS_HEADER = """\
# Sites of different programmes in the same area, derived by joining ODS codes
# (not names): the output of the named query site-area-links
# (kg/queries/site-area-links.rq) run on the build, written by
# `python -m kg.placements`. Pairs no code joins are not here; the few links
# still matched by name are in data/reference/derived-lineage.ttl.
"""

LINKS_PLAN = dict(
    name="link-sites-by-code", label="Linking sites in the same area by code",
    plan_label="Link sites in the same area by ODS code (named query site-area-links)",
    method="joined by ODS code: two sites of different programmes are linked where an organisation with an ODS code is named for both, where the area of one site's coded organisation passed to the other's (a primary care trust to the CCG that took its area, a CCG to the CCG it merged into), or where one site's coded organisation lies in the STP footprint named for the other (both original organisations of one board's establishment). Inputs: the references giving the codes. Names are never matched.")

# What is derived and where it is kept: (named query, file under data/, header, plan).
OUTPUTS = {
    QUERY: (TARGET, PLACEMENTS_HEADER, PLACEMENTS_PLAN),
    LINKS_QUERY: (LINKS_TARGET, LINKS_HEADER, LINKS_PLAN),
}


def activity(query: str = QUERY) -> Graph:
    """The activity, association and plan written beside a query's output."""
    g = Graph().parse(data=ACTIVITY.format(version=__version__, **OUTPUTS[query][2]), format="turtle")
    if query == QUERY:
        g.parse(data=AGENT, format="turtle")
    return g


def derive(store, query: str = QUERY) -> Graph:
    """What the named query derives from ``store``, as an rdflib graph."""
    text = named.get(query).text
    triples = store.query(text)
    g = Graph()
    import pyoxigraph as ox
    data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
    g.parse(data=data, format="nt")
    return g


def write(settings: Settings, query: str = QUERY, store=None) -> Path:
    store = store or OxigraphStore.open_current(settings, memory=False)
    target, header, _activity = OUTPUTS[query]
    g = derive(store, query)
    g += activity(query)
    for prefix, ns in [("ia", "https://w3id.org/integration-atlas/def/"), ("prov", "http://www.w3.org/ns/prov#"),
                       ("site", "https://w3id.org/integration-atlas/id/site/"),
                       ("claim", "https://w3id.org/integration-atlas/id/claim/"),
                       ("finding", "https://w3id.org/integration-atlas/id/finding/"),
                       ("grade", "https://w3id.org/integration-atlas/id/reliability/"),
                       ("wikibase", "http://wikiba.se/ontology#"),
                       ("placement", "https://w3id.org/integration-atlas/id/placement/"),
                       ("orgn", "https://w3id.org/integration-atlas/id/organisation/"),
                       ("change", "https://w3id.org/integration-atlas/id/change/"),
                       ("assignment", "https://w3id.org/integration-atlas/id/code-assignment/"),
                       ("lookup", "https://w3id.org/integration-atlas/id/code-lookup/"),
                       ("activity", "https://w3id.org/integration-atlas/id/activity/"),
                       ("plan", "https://w3id.org/integration-atlas/id/plan/"),
                       ("agent", "https://w3id.org/integration-atlas/id/agent/")]:
        g.bind(prefix, ns)
    path = settings.data_dir / target
    path.write_text(header + g.serialize(format="turtle"), encoding="utf-8")
    return path


if __name__ == "__main__":
    settings = Settings.from_env()
    store = OxigraphStore.open_current(settings, memory=False)
    for name in OUTPUTS:
        print(write(settings, name, store), file=sys.stderr)
