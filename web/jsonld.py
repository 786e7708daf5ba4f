"""A streaming JSON-LD writer that uses the atlas's published ``@context``.

Triples are written one node object per run of statements about the same
subject, with prefixed names (``ia:amount``, ``prog:vanguards``) that the
context defines, so the output is short to read and expands to exactly the
triples given. Nothing is held in memory beyond one subject's statements.
"""

from __future__ import annotations

import json
from typing import IO, Iterable

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def context_document(prefixes: dict[str, str]) -> dict:
    """The published context: one prefix per vocabulary and instance folder."""
    return {"@context": {p: ns for p, ns in sorted(prefixes.items())}}


class _Compactor:
    def __init__(self, prefixes: dict[str, str]):
        # Longest namespace first, so ``fy:`` wins over a shorter enclosing one.
        self.items = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.terms = set(prefixes)

    def iri(self, iri: str) -> str:
        for prefix, ns in self.items:
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns):]
                # A suffix starting with "//" would be read as an absolute IRI.
                if not local.startswith("//"):
                    return f"{prefix}:{local}"
        scheme = iri.split(":", 1)[0]
        if scheme in self.terms or iri.startswith("_:"):
            # Cannot be written compactly without changing its meaning: an
            # absolute IRI whose scheme is one of our prefixes. Never happens
            # with the atlas's IRIs; refuse rather than write a wrong triple.
            raise ValueError(f"IRI {iri!r} clashes with a context prefix")
        return iri


def _node_id(term, c: _Compactor) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return c.iri(term.value)


def _object(term, c: _Compactor) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"@id": c.iri(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": "_:" + term.value}
    out = {"@value": term.value}
    if term.language:
        out["@language"] = term.language
    elif term.datatype is not None and term.datatype.value not in (XSD_STRING, RDF_LANGSTRING):
        out["@type"] = c.iri(term.datatype.value)
    return out


def write(triples: Iterable, output: IO[bytes], context_url: str, prefixes: dict[str, str]) -> None:
    """Write ``triples`` (pyoxigraph triples or (s, p, o) tuples) as JSON-LD."""
    c = _Compactor(prefixes)
    output.write(b'{\n"@context": ' + json.dumps(context_url).encode() + b',\n"@graph": [\n')
    first = True
    subject = None
    node: dict = {}

    def flush():
        nonlocal first
        if not node:
            return
        if not first:
            output.write(b",\n")
        output.write(json.dumps(node, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        first = False

    for t in triples:
        s, p, o = (t.subject, t.predicate, t.object) if hasattr(t, "subject") else t
        if s != subject:
            flush()
            subject = s
            node = {"@id": _node_id(s, c)}
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            node.setdefault("@type", []).append(c.iri(o.value))
        else:
            node.setdefault(c.iri(p.value), []).append(_object(o, c))
    flush()
    output.write(b"\n]\n}\n")
