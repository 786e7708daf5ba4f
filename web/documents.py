"""Documents in several formats: negotiation, variants and their headers.

Every negotiated document (a resource, the ontology, VoID) answers the same
way: the format from the extension, ``?format=`` or ``Accept``; 406 naming
the variants when none fits; ``Link: rel="alternate"`` to the others, and
``Vary``/``Content-Location`` when ``Accept`` chose.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, request

from kg import formats

from . import jsonld
from .linking import base, context_url, prefixes_for

#: Representations of a resource (and the ontology, VoID), by key.
FORMATS = {f.key: f for f in formats.DOCUMENT}


def content_type(ext: str) -> str:
    return formats.BY_KEY[ext].content_type


def negotiate(header: str | None, table=formats.DOCUMENT) -> str | None:
    """The key of the format to answer with, or None (406)."""
    fmt = formats.choose(table, header)
    return fmt.key if fmt else None


def variant_url(path: str | None, iri: str, ext: str) -> str:
    if path is not None:
        return f"{path}.{ext}"
    return f"/-/resource?uri={quote(iri, safe='')}&format={ext}"


def alternates(path: str | None, iri: str, exts=tuple(FORMATS)) -> list[dict]:
    return [{"ext": e, "media_type": FORMATS[e].media_type, "name": FORMATS[e].label,
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
        fmt = formats.named(formats.DOCUMENT, asked)
        return (fmt.key if fmt else None), False
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
    return ox.serialize(triples, format=formats.BY_KEY[fmt].rdf, prefixes=prefixes)


def allow_any_origin(response: Response) -> Response:
    """Read-only pages and documents may be fetched from any origin."""
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Expose-Headers", "Link, Content-Location, ETag")
    return response
