"""What the ontology implies, written into the graph.

SPARQL endpoints do no reasoning, so ``?x a prov:Entity`` finds only what was
written. The build materialises the RDFS and OWL axioms the ontology (and the
reused vocabularies' axioms it repeats) states: super-classes and equivalent
classes, super-properties and equivalent properties, inverse and symmetric
properties. The new triples go into one named graph,
``<base>id/graph/inferred``; a triple already stated anywhere is not repeated.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

INFERRED_GRAPH = "inferred"

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
AXIOMS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?kind ?a ?b WHERE {
  { ?a rdfs:subClassOf ?b BIND ("class" AS ?kind) }
  UNION { ?a owl:equivalentClass ?b BIND ("class=" AS ?kind) }
  UNION { ?a rdfs:subPropertyOf ?b BIND ("property" AS ?kind) }
  UNION { ?a owl:equivalentProperty ?b BIND ("property=" AS ?kind) }
  UNION { ?a owl:inverseOf ?b BIND ("inverse" AS ?kind) }
  UNION { ?a a owl:SymmetricProperty BIND ("symmetric" AS ?kind) BIND (?a AS ?b) }
  FILTER (isIRI(?a) && isIRI(?b))
}
"""


def _closure(pairs: dict) -> dict:
    """Each node's strict ancestors under the given direct links."""
    out = {}
    for start in pairs:
        seen, todo = set(), list(pairs[start])
        while todo:
            n = todo.pop()
            if n not in seen and n != start:
                seen.add(n)
                todo.extend(pairs.get(n, ()))
        out[start] = seen
    return out


def infer(store: ox.Store, base: str) -> int:
    """Materialise the entailments into the inferred graph; return the triples added."""
    supers_c, supers_p, inverse, symmetric = defaultdict(set), defaultdict(set), defaultdict(set), set()
    for row in store.query(AXIOMS, use_default_graph_as_union=True):
        kind, a, b = row["kind"].value, row["a"], row["b"]
        if kind.startswith("class"):
            supers_c[a].add(b)
            if kind == "class=":
                supers_c[b].add(a)
        elif kind.startswith("property"):
            supers_p[a].add(b)
            if kind == "property=":
                supers_p[b].add(a)
        elif kind == "inverse":
            inverse[a].add(b)
            inverse[b].add(a)
        else:
            symmetric.add(a)
    classes, properties = _closure(supers_c), _closure(supers_p)
    graph = ox.NamedNode(f"{base}id/graph/{INFERRED_GRAPH}")
    added: set = set()

    def known(s, p, o) -> bool:
        return (s, p, o) in added or next(iter(store.quads_for_pattern(s, p, o, None)), None) is not None

    def consequences(s, p, o):
        if p == RDF_TYPE:
            for c in classes.get(o, ()):
                yield s, RDF_TYPE, c
            return
        for q in properties.get(p, ()):
            yield s, q, o
        if isinstance(o, (ox.NamedNode, ox.BlankNode)):
            for q in inverse.get(p, ()):
                yield o, q, s
            if p in symmetric:
                yield o, p, s

    todo = []
    for c in classes:
        todo.extend((q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, RDF_TYPE, c, None))
    for p in set(properties) | set(inverse) | symmetric:
        todo.extend((q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, p, None, None))
    while todo:
        triple = todo.pop()
        for new in consequences(*triple):
            if not known(*new):
                added.add(new)
                todo.append(new)
    store.extend(ox.Quad(s, p, o, graph) for s, p, o in added)
    return len(added)
