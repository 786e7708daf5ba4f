"""Content negotiation for the SPARQL endpoint.

Each query form has a table of formats: a short key (also accepted as the
``format`` parameter), the media type we answer with, and aliases that
clients send for it. The ``format`` parameter wins over ``Accept``; within
``Accept`` the highest q-value wins, ties going to the order of the table, so
``*/*`` gets the first entry (SPARQL JSON for results, Turtle for graphs) and
a browser that puts ``text/html`` first gets the query page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str
    aliases: tuple[str, ...] = ()
    #: Values of the ``format`` parameter that pick this format.
    names: tuple[str, ...] = ()
    label: str = ""
    #: File extension for downloads.
    ext: str = ""

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/") or self.media_type.endswith("+json") \
                or self.media_type.endswith("+xml") or self.media_type.endswith("/json"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


JSON = Format("json", "application/sparql-results+json", ("application/json",),
              ("json", "srj"), "SPARQL JSON", "srj")
XML = Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"),
             ("xml", "srx"), "SPARQL XML", "srx")
CSV = Format("csv", "text/csv", (), ("csv",), "CSV", "csv")
TSV = Format("tsv", "text/tab-separated-values", (), ("tsv",), "TSV", "tsv")
HTML = Format("html", "text/html", ("application/xhtml+xml",), ("html",), "HTML", "html")
TURTLE = Format("ttl", "text/turtle", ("application/x-turtle", "text/n3", "text/rdf+n3"),
                ("ttl", "turtle", "n3"), "Turtle", "ttl")
NTRIPLES = Format("nt", "application/n-triples", (), ("nt", "ntriples", "n-triples"),
                  "N-Triples", "nt")
JSONLD = Format("jsonld", "application/ld+json", ("application/json",),
                ("jsonld", "json-ld", "json"), "JSON-LD", "jsonld")
RDFXML = Format("rdf", "application/rdf+xml", ("application/xml", "text/xml"),
                ("rdf", "rdfxml", "rdf+xml", "xml"), "RDF/XML", "rdf")

#: Formats by query form, in order of preference for ``*/*``. HTML comes
#: last so that only a client that asks for it gets it.
SELECT_FORMATS = (JSON, XML, CSV, TSV, HTML)
ASK_FORMATS = (JSON, XML, HTML)  # CSV and TSV are defined for SELECT only
GRAPH_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDFXML, HTML)
TABLES = {
    "SELECT": SELECT_FORMATS,
    "ASK": ASK_FORMATS,
    "CONSTRUCT": GRAPH_FORMATS,
    "DESCRIBE": GRAPH_FORMATS,
}
#: The service description (GET /sparql without a query).
DESCRIPTION_FORMATS = GRAPH_FORMATS

BY_KEY = {f.key: f for f in (*SELECT_FORMATS, *GRAPH_FORMATS)}
#: Result formats by key, for the service description and the query page.
RESULT_MEDIA = {f.key: f.media_type for f in (JSON, XML, CSV, TSV, TURTLE, NTRIPLES, JSONLD, RDFXML)}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` as (media range, q) pairs; a missing or empty header is ``*/*``."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(ranges: list[tuple[str, float]], media_type: str) -> float:
    """The q of the most specific range that matches ``media_type`` (RFC 9110 12.5.1)."""
    mtype = media_type.split("/")[0]
    best_specificity, best_q = -1, 0.0
    for media, q in ranges:
        if media == media_type:
            specificity = 2
        elif media == f"{mtype}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity or (specificity == best_specificity and q > best_q):
            best_specificity, best_q = specificity, q
    return best_q


class UnknownFormat(ValueError):
    """The ``format`` parameter names nothing this endpoint can produce."""


def choose(table, accept: str | None, format_values: list[str] = ()) -> Format | None:
    """Pick the format to answer with, or None when nothing is acceptable.

    ``format_values`` (the ``format`` parameter, possibly repeated) wins: the
    first value that names a format of ``table`` is used. Values that name
    no format at all raise ``UnknownFormat``; values that name only formats
    of another query form give None (406)."""
    values = [v.strip().lower() for v in format_values if v and v.strip()]
    if values:
        known = False
        for value in values:
            for fmt in table:
                if value in fmt.names or value == fmt.media_type or value in fmt.aliases:
                    return fmt
            if any(value in f.names or value == f.media_type or value in f.aliases
                   for f in BY_KEY.values()):
                known = True
        if not known:
            raise UnknownFormat(
                f"Unknown format {', '.join(repr(v) for v in values)}. Known formats: "
                + ", ".join(sorted({n for f in BY_KEY.values() for n in f.names[:1]})) + ".")
        return None
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for fmt in table:
        # Wildcards match the main media type only; an alias counts only
        # when it is named (text/* must not pick SPARQL XML via text/xml).
        q = _quality(ranges, fmt.media_type)
        for alias in fmt.aliases:
            q = max([q] + [aq for media, aq in ranges if media == alias])
        if q > best_q:
            best, best_q = fmt, q
    return best


def describe(table) -> str:
    """The media types of a table, for error messages."""
    return ", ".join(f"{f.media_type} (format={f.names[0]})" for f in table)
