"""The plain graph, generated from statements.

Users query simple triples (a flow's ``ia:amount``, a programme's
``ia:startDate``, a site's ``org:hasMember``); the data states values only as
ranked statements with references. The rules in ``kg/rules/*.rq`` (CONSTRUCT
queries, run in file-name order, each seeing what the earlier ones wrote)
write the simple triples from each item's best statement into one named graph,
``<base>id/graph/generated``, with the activity that made it. Every generated
value traces to its statement through ``ia:bestStatement``.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from . import __version__

RULE_DIR = Path(__file__).parent / "rules"
GENERATED_GRAPH = "generated"

PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
CODE_VERSION = ox.NamedNode("https://w3id.org/integration-atlas/def/codeVersion")


def rules() -> list[Path]:
    return sorted(RULE_DIR.glob("*.rq"))


def generate(store: ox.Store, base: str) -> int:
    """Run the rules over the union of ``store``'s graphs; return the triples added."""
    graph = ox.NamedNode(f"{base}id/graph/{GENERATED_GRAPH}")
    added = 0
    for rule in rules():
        triples = list(store.query(rule.read_text(encoding="utf-8"), use_default_graph_as_union=True))
        new = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
        store.extend(new)
        added += len(new)
    store.extend(_provenance(base, graph))
    return added


def _provenance(base: str, graph: ox.NamedNode) -> list[ox.Quad]:
    """The generated graph was made by the build, following the rules."""
    activity = ox.NamedNode(f"{base}id/activity/generate-plain-graph")
    association = ox.NamedNode(f"{base}id/activity/generate-plain-graph-association")
    plan = ox.NamedNode(f"{base}id/plan/plain-graph-rules")
    agent = ox.NamedNode(f"{base}id/agent/atlas-build")

    def p(name):
        return ox.NamedNode(PROV + name)

    def en(text):
        return ox.Literal(text, language="en")
    triples = [
        (graph, RDF_TYPE, p("Entity")), (graph, p("wasGeneratedBy"), activity),
        (activity, RDF_TYPE, p("Activity")), (activity, RDFS_LABEL, en("Generation of the plain graph from statements")),
        (activity, CODE_VERSION, ox.Literal(__version__)),
        (activity, p("qualifiedAssociation"), association),
        (association, RDF_TYPE, p("Association")), (association, p("agent"), agent),
        (association, p("hadPlan"), plan),
        (plan, RDF_TYPE, p("Plan")), (plan, RDFS_LABEL, en("Plain-graph rules (kg/rules/*.rq): best statement, lead reference, values, dates, members, participations, disputes")),
        (agent, RDF_TYPE, p("SoftwareAgent")), (agent, RDFS_LABEL, en("The integration atlas build")),
    ]
    return [ox.Quad(s, pr, o, graph) for s, pr, o in triples]
