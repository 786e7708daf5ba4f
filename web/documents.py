"""Documents in several formats: negotiation, variants and their headers.

Every negotiated document (a resource, the ontology, VoID) answers the same
way: the format from the extension, ``?format=`` or ``Accept``; 406 naming
the variants when none fits; ``Link: rel="alternate"`` to the others, and
``Vary``/``Content-Location`` when ``Accept`` chose.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, request

from . import jsonld
from .linking import base, context_url, prefixes_for

#: Representations of a resource: extension -> (media type, name).
FORMATS = OrderedDict([
    ("html", ("text/html", "HTML")),
    ("ttl", ("text/turtle", "Turtle")),
    ("jsonld", ("application/ld+json", "JSON-LD")),
    ("nt", ("application/n-triples", "N-Triples")),
    ("rdf", ("application/rdf+xml", "RDF/XML")),
])
RDF_EXTS = ("ttl", "jsonld", "nt", "rdf")
OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML}

#: What clients may ask for, in our order of preference on ties.
ACCEPT_TABLE = [
    ("text/html", "html"), ("application/xhtml+xml", "html"),
    ("text/turtle", "ttl"), ("application/x-turtle", "ttl"),
    ("application/ld+json", "jsonld"), ("application/json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"), ("application/xml", "rdf"), ("text/xml", "rdf"),
]
#: Values of ``?format=``.
FORMAT_NAMES = {
    "html": "html", "ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json-ld": "jsonld",
    "json": "jsonld", "nt": "nt", "ntriples": "nt", "n-triples": "nt", "rdf": "rdf",
    "rdfxml": "rdf", "rdf+xml": "rdf", "xml": "rdf",
}


def content_type(ext: str) -> str:
    media = FORMATS[ext][0]
    return media + "; charset=utf-8" if media.startswith("text/") else media


def parse_accept(header: str) -> list[tuple[str, float]]:
    out = []
    for part in header.split(","):
        fields = part.split(";")
        media = fields[0].strip().lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v.strip())
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def negotiate(header: str | None, table=ACCEPT_TABLE) -> str | None:
    """The format to answer with, or None (406).

    The client's q-values decide; then the more specific match (``text/turtle``
    beats ``*/*``); then the client's own order; then ours. Wildcards match
    only the media type we answer with (the first of each format in the
    table), not its aliases. No Accept header means the first format (HTML).
    """
    if header is None or not header.strip():
        return table[0][1]
    entries = parse_accept(header)
    best, best_key = None, None
    canonical = {fmt: media for media, fmt in reversed(table)}
    for si, (media, fmt) in enumerate(table):
        match = None
        for ci, (cm, q) in enumerate(entries):
            if cm == media:
                spec = 2
            elif canonical[fmt] != media:
                continue  # an alias (application/json) answers only when named
            elif cm.endswith("/*") and media.startswith(cm[:-1]):
                spec = 1
            elif cm == "*/*" or cm == "*":
                spec = 0
            else:
                continue
            if match is None or spec > match[0]:
                match = (spec, q, ci)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], -match[2], -si)
        if best_key is None or key > best_key:
            best, best_key = fmt, key
    return best


def variant_url(path: str | None, iri: str, ext: str) -> str:
    if path is not None:
        return f"{path}.{ext}"
    return f"/-/resource?uri={quote(iri, safe='')}&format={ext}"


def alternates(path: str | None, iri: str, exts=tuple(FORMATS)) -> list[dict]:
    return [{"ext": e, "media_type": FORMATS[e][0], "name": FORMATS[e][1],
             "href": variant_url(path, iri, e)} for e in exts]


def link_header(alts: list[dict], served: str | None) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["media_type"]}"'
                     for a in alts if a["ext"] != served)


def choose(ext: str | None) -> tuple[str | None, bool]:
    """(format, negotiated?) from the extension, ``?format=`` or Accept."""
    if ext:
        return ext, False
    asked = request.args.get("format")
    if asked:
        return FORMAT_NAMES.get(asked.strip().lower()), False
    return negotiate(request.headers.get("Accept")), True


def not_acceptable(alts: list[dict]) -> Response:
    lines = "\n".join(f"  {a['media_type']}  {a['href']}" for a in alts)
    resp = Response(f"406 Not Acceptable: this resource is available as\n{lines}\n", 406,
                    content_type="text/plain; charset=utf-8")
    resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = link_header(alts, None)
    return resp


def variant_response(body, fmt: str, alts: list[dict], negotiated: bool, location: str,
                     status: int = 200) -> Response:
    """One variant of a negotiated document, with its ``Link`` alternates and,
    when it was chosen by ``Accept``, ``Vary`` and ``Content-Location``."""
    resp = Response(body, status, content_type=content_type(fmt) if body is not None else None)
    resp.headers["Link"] = link_header(alts, fmt)
    if negotiated:
        resp.headers["Vary"] = "Accept"
        resp.headers["Content-Location"] = location
    return resp


def serialize(triples, fmt: str) -> bytes:
    if fmt == "jsonld":
        buf = io.BytesIO()
        jsonld.write(triples, buf, context_url(), prefixes_for(base()))
        return buf.getvalue()
    prefixes = prefixes_for(base()) if fmt != "nt" else None
    return ox.serialize(triples, format=OX_FORMATS[fmt], prefixes=prefixes)


def allow_any_origin(response: Response) -> Response:
    """Read-only pages and documents may be fetched from any origin."""
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Expose-Headers", "Link, Content-Location, ETag")
    return response
