"""Every format the atlas reads or writes, in one table, and one negotiator.

A format has a short key (its file extension and its first ``format=``
name), the media type it is sent as, the other names and media types clients
use for it, and the pyoxigraph format that reads and writes it. The
endpoint's result formats, resource documents, VoID, dumps, data files and
``kg export`` all take their formats from here; the selections below say
which formats each offers, in its order of preference.

Negotiation (``choose``): a ``format`` parameter wins over ``Accept``. In
``Accept`` (parsed by werkzeug) the highest q-value wins; on equal q, the
more specific range (``text/turtle`` over ``text/*`` over ``*/*``); then the
client's order; then ours. A wildcard matches only a format's own media type:
an alias (``application/json`` for JSON-LD) answers only when it is named.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str
    label: str
    #: Other values of the ``format`` parameter that pick this format.
    names: tuple[str, ...] = ()
    #: Other media types clients send for it (matched only when named).
    aliases: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    #: rdflib's name for it, where rdflib reads or writes it.
    rdflib: str | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header. ``text/*`` says UTF-8, once (its default
        would be US-ASCII); the JSON, XML and N-Triples families define their
        own encoding and take no parameter."""
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.key, *self.names)

    @property
    def quads(self) -> bool:
        """Whether it keeps graph names (N-Quads, TriG)."""
        return self.rdf in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


def _rdf(key: str, fmt: ox.RdfFormat, rdflib: str, names=(), aliases=()) -> Format:
    return Format(key, fmt.media_type, fmt.name, names, aliases, rdf=fmt, rdflib=rdflib)


def _results(key: str, fmt: ox.QueryResultsFormat, label: str, names=(), aliases=()) -> Format:
    return Format(key, fmt.media_type.split(";")[0], label, names, aliases, results=fmt)


HTML = Format("html", "text/html", "HTML", aliases=("application/xhtml+xml",))
JSON = _results("json", ox.QueryResultsFormat.JSON, "SPARQL JSON", ("srj",), ("application/json",))
XML = _results("xml", ox.QueryResultsFormat.XML, "SPARQL XML", ("srx",), ("application/xml", "text/xml"))
CSV = _results("csv", ox.QueryResultsFormat.CSV, "CSV")
TSV = _results("tsv", ox.QueryResultsFormat.TSV, "TSV")
TURTLE = _rdf("ttl", ox.RdfFormat.TURTLE, "turtle", ("turtle", "n3"),
              ("application/x-turtle", "text/n3", "text/rdf+n3"))
NTRIPLES = _rdf("nt", ox.RdfFormat.N_TRIPLES, "nt", ("ntriples", "n-triples"))
NQUADS = _rdf("nq", ox.RdfFormat.N_QUADS, "nquads", ("nquads", "n-quads"))
TRIG = _rdf("trig", ox.RdfFormat.TRIG, "trig")
JSONLD = _rdf("jsonld", ox.RdfFormat.JSON_LD, "json-ld", ("json-ld", "json"), ("application/json",))
RDFXML = _rdf("rdf", ox.RdfFormat.RDF_XML, "xml", ("rdfxml", "rdf+xml", "xml"),
              ("application/xml", "text/xml"))

ALL = (HTML, JSON, XML, CSV, TSV, TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML)
BY_KEY = {f.key: f for f in ALL}

# What each kind of answer offers, in order of preference on ties. HTML comes
# last on the endpoint (only a client that asks for it gets the query page)
# and first for documents (a browser's link opens the page).
SELECT = (JSON, XML, CSV, TSV, HTML)
ASK = (JSON, XML, HTML)  # CSV and TSV are defined for SELECT only
GRAPH = (TURTLE, NTRIPLES, JSONLD, RDFXML, HTML)
BY_FORM = {"SELECT": SELECT, "ASK": ASK, "CONSTRUCT": GRAPH, "DESCRIBE": GRAPH}
#: A resource, the ontology, and their variants.
DOCUMENT = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
#: VoID: Turtle first, as a linked-data client expects of it.
VOID = (TURTLE, HTML, JSONLD, NTRIPLES, RDFXML)
#: Whole-graph dumps and ``kg export``.
DUMP = (TURTLE, NTRIPLES, NQUADS, TRIG, JSONLD, RDFXML)
#: Data files the build reads, by file extension.
DATA_FILE = (TURTLE, NTRIPLES, TRIG, JSONLD, RDFXML)
#: Media types of RDF payloads (a Graph Store request sent to ``/sparql``).
RDF_MEDIA_TYPES = frozenset(m for f in ALL if f.rdf for m in (f.media_type, *f.aliases)
                            if m not in ("application/json", "application/xml", "text/xml"))


class UnknownFormat(ValueError):
    """The ``format`` parameter names no format at all."""


def named(table, value: str) -> Format | None:
    """The format of ``table`` a ``format=`` value (a name or media type) picks."""
    value = value.strip().lower()
    return next((f for f in table if value in f.all_names or value == f.media_type or value in f.aliases),
                None)


def choose(table, accept: str | None, format_values=()) -> Format | None:
    """The format to answer with, or None when nothing acceptable (406).

    The first ``format`` value that names a format of ``table`` wins; values
    that name no format at all raise ``UnknownFormat``; values that name only
    formats offered elsewhere give None."""
    values = [v for v in format_values if v and v.strip()]
    if values:
        for value in values:
            fmt = named(table, value)
            if fmt:
                return fmt
        if not any(named(ALL, v) for v in values):
            raise UnknownFormat(
                f"Unknown format {', '.join(repr(v.strip()) for v in values)}. Known formats: "
                + ", ".join(f.key for f in ALL) + ".")
        return None
    if accept is None or not accept.strip():
        return table[0]
    # werkzeug orders ranges by specificity and q, keeping the client's order
    # among equals, so a range's index ranks the client's preference.
    ranges = list(parse_accept_header(accept, MIMEAccept))
    best, best_rank = None, None
    for ours, fmt in enumerate(table):
        major = fmt.media_type.split("/")[0]
        for index, (media, q) in enumerate(ranges):
            media = media.lower()
            if media == fmt.media_type or media in fmt.aliases:
                specificity = 2
            elif media == f"{major}/*":
                specificity = 1
            elif media in ("*/*", "*"):
                specificity = 0
            else:
                continue
            if q <= 0:
                break  # the most specific matching range refuses it
            rank = (q, specificity, -index, -ours)
            if best_rank is None or rank > best_rank:
                best, best_rank = fmt, rank
            break  # ranges come most specific first: the first match decides
    return best


def describe(table) -> str:
    """The media types of a table, for error messages."""
    return ", ".join(f"{f.media_type} (format={f.key})" for f in table)
