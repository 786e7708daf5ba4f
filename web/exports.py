"""Whole-graph dumps, the JSON-LD context, and the VoID/DCAT description.

Dumps are written once per build into ``<build>/dumps/`` by streaming from
the store to a file (never the whole graph in memory), with a SHA-256 of
each, and then sent from the file. They are made on first request and
reused until a new build is published.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_file
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD

from kg import formats

from . import jsonld
from .documents import allow_any_origin, negotiate, not_acceptable, variant_response
from .graph import current_graph, current_store
from .linking import (IA_NS, base, context_url, per_build, per_build_memo, prefixes_for, public,
                      rows, settings)

bp = Blueprint("exports", __name__)
bp.after_request(allow_any_origin)

DUMP_NAME = "atlas"

#: What each dump format (``kg.formats.DUMP``) holds.
DUMP_CONTENTS = {
    "ttl": "every statement, without graph names",
    "nt": "one statement per line, without graph names",
    "nq": "one statement per line, each in its named graph (one per data file)",
    "trig": "Turtle with one named graph per data file",
    "jsonld": "every statement, using the published @context",
    "rdf": "every statement, without graph names",
}
DUMPS = {f.key: f for f in formats.DUMP}

OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
TITLE = "The integration atlas"
DESCRIPTION = ("A linked-data knowledge graph of England's health and social care integration "
               "programmes (integrated care pilots and pioneers, the Better Care Fund, the new care "
               "models programme and its vanguards, and what followed): who ran them, where the money "
               "went, what came of them, and which document says so.")

_lock = threading.Lock()


# ---------------------------------------------------------------------------
# JSON-LD context


@bp.get("/-/context.jsonld")
def context():
    body = json.dumps(jsonld.context_document(prefixes_for(base())), indent=2)
    resp = Response(body, content_type=formats.JSONLD.content_type)
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


# ---------------------------------------------------------------------------
# Dumps


def dumps_dir() -> Path:
    return Path(current_graph().target()) / "dumps"


def _meta_path(ext: str) -> Path:
    return dumps_dir() / f"{DUMP_NAME}.{ext}.json"


def _write_dump(ext: str, target: Path) -> None:
    store = current_store()
    with open(target, "wb") as out:
        if ext == "jsonld":
            triples = (
                (s["s"], s["p"], s["o"])
                for s in store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"))
            jsonld.write(triples, out, context_url(), prefixes_for(base()))
        else:
            store.dump(out, ext)


def dump(ext: str) -> dict:
    """The dump file of the current build in one format, made if need be:
    ``{"path", "sha256", "size", "name"}``."""
    folder = dumps_dir()
    meta_path = _meta_path(ext)
    wanted = {"context": context_url()} if ext == "jsonld" else {}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in wanted.items()) and (folder / meta["name"]).exists():
            return {**meta, "path": folder / meta["name"]}
    with _lock:
        folder.mkdir(exist_ok=True)
        name = f"{DUMP_NAME}.{ext}"
        tmp = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.part"
        try:
            _write_dump(ext, tmp)
            h = hashlib.sha256()
            with open(tmp, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            meta = {"name": name, "sha256": h.hexdigest(), "size": tmp.stat().st_size, **wanted}
            os.replace(tmp, folder / name)
        finally:
            if tmp.exists():
                tmp.unlink()
        mtmp = meta_path.with_name(meta_path.name + f".{os.getpid()}.part")
        mtmp.write_text(json.dumps(meta))
        os.replace(mtmp, meta_path)
    return {**meta, "path": folder / name}


def all_dumps() -> list[dict]:
    out = []
    for ext, fmt in DUMPS.items():
        d = dump(ext)
        out.append({"ext": ext, "media_type": fmt.media_type, "name": fmt.label,
                    "what": DUMP_CONTENTS[ext], "file": d["name"],
                    "sha256": d["sha256"], "size": d["size"], "href": f"/-/dumps/{d['name']}",
                    "url": public(f"/-/dumps/{d['name']}")})
    return out


@bp.get("/-/dumps/<name>")
def dump_file(name: str):
    if name == "SHA256SUMS":
        body = "".join(f"{d['sha256']}  {d['file']}\n" for d in all_dumps())
        return Response(body, content_type="text/plain; charset=utf-8")
    stem, _, ext = name.partition(".")
    checksum = ext.endswith(".sha256")
    ext = ext[: -len(".sha256")] if checksum else ext
    if stem != DUMP_NAME or ext not in DUMPS:
        abort(404, description=f"No dump called {name}; see /-/downloads.")
    d = dump(ext)
    if checksum:
        return Response(f"{d['sha256']}  {d['name']}\n", content_type="text/plain; charset=utf-8")
    media = DUMPS[ext].media_type
    # (werkzeug adds "; charset=utf-8" to a text/* type itself)
    resp = send_file(d["path"], mimetype=media,
                     as_attachment=True, download_name=d["name"], etag=d["sha256"], conditional=True,
                     max_age=300)
    resp.headers["Digest"] = "sha-256=" + _b64(d["sha256"])
    resp.headers["X-Checksum-SHA256"] = d["sha256"]
    return resp


def _b64(hexdigest: str) -> str:
    import base64
    return base64.b64encode(bytes.fromhex(hexdigest)).decode()


@bp.get("/-/downloads")
def downloads():
    graphs = [{"iri": graph, "triples": count, "name": graph[len(base() + "id/graph/"):]}
              for graph, count in dataset_graphs()]
    from kg.build import build_info
    return render_template("downloads.html", dumps=all_dumps(), graphs=graphs,
                           info=build_info(settings()), context_url="/-/context.jsonld")


# ---------------------------------------------------------------------------
# VoID and DCAT


SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "http://www.iana.org/assignments/media-types/"
EXAMPLES = ["id/programme/vanguards", "id/organisation/nhs-england", "id/document/nao-vanguards-2018",
            "id/claim/nao2018-direct-investment"]
VOCABULARIES = [IA_NS, "http://www.w3.org/ns/prov#", "http://www.w3.org/ns/org#", "http://purl.org/dc/terms/",
                "http://www.w3.org/2004/02/skos/core#", "https://schema.org/", "http://www.w3.org/2006/time#"]


@per_build
def void_figures() -> dict:
    """The VoID statistics of the build: sizes, class and property partitions,
    named graphs and source documents. They depend only on the build, so
    they are counted once per build and process; the first VoID request after
    a new build pays for it (about 5 s at a million triples), later ones do not."""
    stats = rows("page-dataset-stats")[0]
    return {
        "stats": {k: int(stats[k].value) for k in ("triples", "subjects", "properties", "objects")},
        "classes": [(r["class"].value, int(r["count"].value)) for r in rows("page-dataset-classes")],
        "properties": [(r["property"].value, int(r["count"].value)) for r in rows("page-dataset-properties")],
        "graphs": dataset_graphs(),
        "sources": [r["document"].value for r in rows("page-dataset-sources")],
    }


@per_build
def dataset_graphs() -> list[tuple[str, int]]:
    """Every named graph of the build with its number of statements."""
    return [(r["graph"].value, int(r["triples"].value)) for r in rows("page-dataset-graphs")]


def void_graph() -> Graph:
    from kg.build import build_info

    info = build_info(settings()) or {}
    here = public("/.well-known/void")
    ds, cat, svc = URIRef(here + "#dataset"), URIRef(here + "#catalog"), URIRef(here + "#sparql")
    g = Graph()
    for p, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("sd", SD), ("spdx", SPDX),
                  ("xsd", XSD), ("rdfs", RDFS)):
        g.bind(p, ns)

    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal(TITLE + " catalogue", lang="en")))
    g.add((cat, DCAT.dataset, ds))
    g.add((cat, DCAT.service, svc))
    g.add((cat, DCTERMS.license, URIRef(OGL)))
    g.add((cat, DCAT.landingPage, URIRef(public("/"))))

    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((ds, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((ds, DCTERMS.license, URIRef(OGL)))
    g.add((ds, DCAT.landingPage, URIRef(public("/"))))
    g.add((ds, DCTERMS.conformsTo, URIRef(IA_NS)))
    for kw in ("integrated care", "health and social care integration", "NHS England", "vanguards",
               "new care models", "Better Care Fund", "funding", "provenance"):
        g.add((ds, DCAT.keyword, Literal(kw, lang="en")))
    if info.get("built"):
        g.add((ds, DCTERMS.modified, Literal(info["built"], datatype=XSD.dateTime)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(public("/sparql"))))
    g.add((ds, VOID.uriSpace, Literal(base() + "id/")))
    g.add((ds, VOID.rootResource, URIRef(base() + "id/programme/vanguards")))
    for e in EXAMPLES:
        g.add((ds, VOID.exampleResource, URIRef(base() + e)))
    for v in VOCABULARIES:
        g.add((ds, VOID.vocabulary, URIRef(v)))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/JSON-LD")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Triples")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/RDF_XML")))
    g.add((ds, RDFS.seeAlso, URIRef(context_url())))

    figures = void_figures()
    stats = figures["stats"]
    g.add((ds, VOID.triples, Literal(stats["triples"])))
    g.add((ds, VOID.entities, Literal(stats["subjects"])))
    g.add((ds, VOID.distinctSubjects, Literal(stats["subjects"])))
    g.add((ds, VOID.properties, Literal(stats["properties"])))
    g.add((ds, VOID.distinctObjects, Literal(stats["objects"])))
    g.add((ds, VOID.classes, Literal(len(figures["classes"]))))
    for cls, count in figures["classes"]:
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count)))
    for prop, count in figures["properties"]:
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(count)))
    for graph, count in figures["graphs"]:
        sub = URIRef(graph)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(count)))
    for doc in figures["sources"]:
        g.add((ds, DCTERMS.source, URIRef(doc)))

    for d in all_dumps():
        dist = URIRef(here + "#dump-" + d["ext"])
        g.add((ds, VOID.dataDump, URIRef(d["url"])))
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"{d['name']} dump", lang="en")))
        g.add((dist, DCTERMS.description, Literal(d["what"].capitalize() + ".", lang="en")))
        g.add((dist, DCAT.downloadURL, URIRef(d["url"])))
        g.add((dist, DCAT.accessURL, URIRef(public("/-/downloads"))))
        g.add((dist, DCAT.mediaType, URIRef(IANA + d["media_type"])))
        g.add((dist, DCAT.byteSize, Literal(d["size"], datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.license, URIRef(OGL)))
        checksum = BNode()
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(d["sha256"], datatype=XSD.hexBinary)))
        if d["ext"] == "jsonld":
            g.add((dist, RDFS.seeAlso, URIRef(context_url())))

    g.add((svc, RDF.type, DCAT.DataService))
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, DCTERMS.title, Literal(TITLE + " SPARQL endpoint", lang="en")))
    g.add((svc, DCAT.endpointURL, URIRef(public("/sparql"))))
    g.add((svc, SD.endpoint, URIRef(public("/sparql"))))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, DCAT.servesDataset, ds))
    g.add((svc, DCTERMS.license, URIRef(OGL)))
    return g


@per_build_memo(maxsize=16)
def void_text(fmt: str, public_base: str) -> str:
    """The VoID description in one RDF format. It depends only on the build
    and the public URL, so it is written once per build and format."""
    g = void_graph()
    if fmt == "jsonld":
        return g.serialize(format="json-ld", context=jsonld.context_document(
            {"void": str(VOID), "dcat": str(DCAT), "dcterms": str(DCTERMS), "sd": str(SD),
             "spdx": str(SPDX), "xsd": str(XSD), "rdfs": str(RDFS)})["@context"], auto_compact=True)
    return g.serialize(format=formats.BY_KEY[fmt].rdflib)


@bp.get("/.well-known/void")
def void():
    alts = [{"ext": f.key, "media_type": f.media_type, "name": f.label,
             "href": f"/.well-known/void?format={f.key}"} for f in formats.DOCUMENT]
    asked = request.args.get("format")
    negotiated = not asked
    if asked:
        fmt = getattr(formats.named(formats.VOID, asked), "key", None)
    else:
        fmt = negotiate(request.headers.get("Accept"), formats.VOID)
    if fmt is None:
        return not_acceptable(alts)
    if fmt == "html":
        body = render_template("void.html", turtle=void_text("ttl", public("/")), alternates=alts,
                               dumps=all_dumps(), sparql=public("/sparql"))
    else:
        body = void_text(fmt, public("/"))
    return variant_response(body, fmt, alts, negotiated, f"/.well-known/void?format={fmt}")
