"""Serialise query results with a row cap.

SELECT results are written here (SPARQL JSON, XML, CSV, TSV) rather than by
Oxigraph's serializer so that the row cap is exact and cheap: at most
``max_rows + 1`` solutions are ever pulled from the engine, and when there are
more the answer says so (``X-Truncated: true``) instead of being cut
silently. CONSTRUCT/DESCRIBE triples are capped the same way and written by
Oxigraph. Also builds the plain rows the HTML query page renders.
"""

from __future__ import annotations

import csv
import io
import json
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg import formats

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"



def take(iterator, max_rows: int) -> tuple[list, bool]:
    """Up to ``max_rows`` items, and whether there were more."""
    items = list(islice(iterator, max_rows + 1))
    if len(items) > max_rows:
        return items[:max_rows], True
    return items, False


# --- terms -----------------------------------------------------------------

def term_json(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        else:
            dt = t.datatype.value
            if dt != XSD_STRING:
                d["datatype"] = dt
        return d
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {
            "subject": term_json(t.subject), "predicate": term_json(t.predicate),
            "object": term_json(t.object)}}
    raise TypeError(f"unexpected term {t!r}")


def term_xml(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.Literal):
        if t.language:
            attrs = f" xml:lang={quoteattr(t.language)}"
        else:
            dt = t.datatype.value
            attrs = "" if dt == XSD_STRING else f" datatype={quoteattr(dt)}"
        return f"<literal{attrs}>{escape(t.value)}</literal>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{term_xml(t.subject)}</subject>"
                f"<predicate>{term_xml(t.predicate)}</predicate>"
                f"<object>{term_xml(t.object)}</object></triple>")
    raise TypeError(f"unexpected term {t!r}")


def term_csv(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Triple):
        return str(t)
    return t.value


def term_row(t):
    """A plain, picklable form of a term for the HTML page."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return ("uri", t.value)
    if isinstance(t, ox.BlankNode):
        return ("bnode", t.value)
    if isinstance(t, ox.Literal):
        dt = t.datatype.value
        return ("literal", t.value, t.language or "",
                "" if dt in (XSD_STRING, RDF_LANG_STRING) else dt)
    return ("literal", str(t), "", "")


# --- SELECT ------------------------------------------------------------------

def select_json(names, rows) -> bytes:
    bindings = []
    for row in rows:
        b = {}
        for name, t in zip(names, row):
            if t is not None:
                b[name] = term_json(t)
        bindings.append(b)
    doc = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def select_xml(names, rows) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out.extend(f"<variable name={quoteattr(n)}/>" for n in names)
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        for name, t in zip(names, row):
            if t is not None:
                out.append(f"<binding name={quoteattr(name)}>{term_xml(t)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode("utf-8")


def select_csv(names, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([term_csv(t) for t in row])
    return buf.getvalue().encode("utf-8")


def select_tsv(names, rows) -> bytes:
    lines = ["\t".join(f"?{n}" for n in names)]
    for row in rows:
        # str() of an Oxigraph term is its N-Triples form, with tabs and
        # newlines in literals escaped, as SPARQL TSV requires.
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


SELECT_WRITERS = {"json": select_json, "xml": select_xml, "csv": select_csv, "tsv": select_tsv}


def boolean(value: bool, key: str) -> bytes:
    if key == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()


def graph(triples, key: str, prefixes: dict[str, str]) -> bytes:
    fmt = formats.BY_KEY[key].rdf
    return ox.serialize(triples, format=fmt,
                        prefixes=prefixes if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None)
