"""The query page's own URLs: the editor's completions (``/-/completions.json``).
The editor completes prefixes, the vocabulary's classes and properties and
resources by label from this service only. What ``GET /sparql`` shows a
browser is the query form (``query_form``).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from .linking import per_build, rows, settings
from .ontology_terms import terms
from .query_form import compactor, query_behind, query_prefixes
from .search import search_rows

bp = Blueprint("query_page", __name__)
bp.add_app_template_global(query_behind)

# ---------------------------------------------------------------------------
# Completions for the editor


@per_build
def vocabulary() -> dict:
    """Classes and properties the editor completes: every term the ontology
    defines and every class and property the data uses, as prefixed names
    where a prefix fits (else full IRIs in angle brackets)."""
    compact = compactor(settings())
    classes, properties = set(), set()
    for kind, group in terms().items():
        for t in group["terms"]:
            (classes if kind == "class" else properties).add(t["iri"])
    classes.update(r["class"].value for r in rows("page-dataset-classes"))
    properties.update(r["property"].value for r in rows("page-dataset-properties"))

    def names(iris):
        out = {compact(i) for i in iris}
        return sorted((n if ":" in n and not n.startswith(("http:", "https:")) else f"<{n}>"
                       for n in out), key=str.lower)
    return {"classes": names(classes), "properties": names(properties)}


@bp.get("/-/completions.json")
def completions():
    """Without ``q``: the prefixes, classes and properties. With ``q``: up to
    20 resources whose label matches, best first (the search's ranking)."""
    current = settings()
    q = request.args.get("q", "").strip()[:200]
    if q:
        compact = compactor(current)
        found = []
        for r in search_rows(q, 20, 0):
            name = compact(r["iri"])
            found.append({"text": name if name != r["iri"] else f"<{name}>", "iri": r["iri"],
                          "label": r["label"], "type": r["type_label"]})
        body = {"q": q, "resources": found}
    else:
        body = {"prefixes": query_prefixes(current), **vocabulary()}
    return Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=60"})
