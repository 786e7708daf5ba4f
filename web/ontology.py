"""The ontology page: classes and properties with their comments, made from
the ontology graph of the build (in the manner of pyLODE), and the ontology
as an RDF document at ``/def/`` and ``/-/ontology.<ext>``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from .classes import class_counts, class_index_url
from .describe import describe
from .documents import FORMATS, allow_any_origin, alternates, choose, not_acceptable, serialize, variant_response
from .linking import IA_NS, run
from .ontology_terms import ontology_graph_iri, terms

bp = Blueprint("ontology", __name__)
bp.after_request(allow_any_origin)


def ontology_page(alts) -> str:
    meta = describe(IA_NS)["by_iri"]
    counts = {c["iri"]: c for c in class_counts()}
    grouped = terms()
    for t in grouped["class"]["terms"]:
        c = counts.get(t["iri"])
        t["count"] = c["count"] if c else 0
        t["index"] = class_index_url(t["iri"])
    return render_template("ontology.html", meta=meta, grouped=grouped, alternates=alts,
                           namespace=IA_NS)


def serve_ontology(path_prefix: str, ext: str | None) -> Response:
    alts = [a for a in alternates("/-/ontology", IA_NS)]
    fmt, negotiated = choose(ext)
    if fmt is None:
        return not_acceptable(alts)
    if fmt == "html":
        body = ontology_page(alts)
    else:
        body = serialize(list(run("page-graph-document", graph=ontology_graph_iri())), fmt)
    return variant_response(body, fmt, alts, negotiated, f"/-/ontology.{fmt}")


@bp.get("/def/")
def ontology_root():
    return serve_ontology("/def/", None)


@bp.get("/-/ontology")
def ontology():
    return serve_ontology("/-/ontology", None)


@bp.get("/-/ontology.<ext>")
def ontology_ext(ext: str):
    if ext not in FORMATS:
        abort(404)
    return serve_ontology("/-/ontology", ext)
