"""The query form: what ``GET /sparql`` shows a browser (the editor, the
examples, the prefixes, the result views) and the "query behind this" links
other pages make to it.

The page is a plain form that works without JavaScript. With it, the form's
text area becomes the SPARQL editor (YASQE, installed by ``scripts/setup.sh``
from the npm registry into ``static/vendor``; the page falls back to the text
area when that bundle is absent).
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlencode

from flask import current_app, render_template, request

from kg import formats
from kg import queries as named_queries
from kg.namespaces import CANONICAL_BASE, atlas_prefixes

from .linking import href_for, public

#: What the query page's editor holds before anything is run.
STARTER_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# How many resources of each class, with the class's label
SELECT ?class ?label (COUNT(?thing) AS ?count)
WHERE {
  ?thing a ?class .
  OPTIONAL { ?class rdfs:label ?label FILTER (LANG(?label) = "en") }
}
GROUP BY ?class ?label
ORDER BY DESC(?count)
"""
#: The editor bundle ``scripts/setup.sh`` copies from node_modules.
EDITOR_FILES = ("vendor/yasqe.min.js", "vendor/yasqe.min.css")


def endpoint_url(settings) -> str:
    return public("/sparql")


def _settings():
    return current_app.config["KG"]


def query_prefixes(settings) -> dict[str, str]:
    """The prefixes the endpoint knows (the table in ``kg.namespaces``)."""
    return atlas_prefixes(settings.base)


def editor_available() -> bool:
    static = current_app.static_folder or ""
    return all(os.path.isfile(os.path.join(static, f)) for f in EDITOR_FILES)


def page_link(iri: str) -> str | None:
    """Where the page about ``iri`` is (the resource pages' own rule): the
    local path for IRIs under the base (``/id/...``), the generic resource
    page for other web IRIs, and no link for other schemes."""
    return href_for(iri)


def example_queries() -> list:
    """The named queries offered as examples: not the resource pages' own
    ``page-*``, nor the build's derivations (their output is served as data)."""
    return [q for q in named_queries.all_queries().values() if not q.name.startswith("page-") and not q.derives]


def editor_text(q) -> str:
    """A named query without its descriptive header comments (the page shows
    the title and description beside it)."""
    lines = q.text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip() + "\n"


def local_params(q, settings) -> dict[str, str]:
    """A named query's parameters, moved to the served base."""
    params = {}
    for name, iri in q.params.items():
        if iri.startswith(CANONICAL_BASE) and settings.base != CANONICAL_BASE:
            iri = settings.base + iri[len(CANONICAL_BASE):]
        params[name] = iri
    return params


def query_link(text: str, params: dict | None = None, **extra) -> str:
    """The query page with ``text`` in the editor and ``params`` bound, run."""
    pairs = [("query", text)] + [(f"${k}", v) for k, v in (params or {}).items()]
    pairs += [(k, v) for k, v in extra.items() if v]
    return "/sparql?" + urlencode(pairs)


def query_behind(name: str, filters: str = "", **params) -> str:
    """The query page filled with the named query ``name`` and its parameters
    (for the "query behind this" link of a page's table or picture): web
    IRIs are bound as IRIs, anything else as text; ``filters`` (a class
    index's facet patterns) take the place of the query's '# filters' line."""
    from .linking import FILTERS_LINE

    text = editor_text(named_queries.get(name))
    if filters:
        text = FILTERS_LINE.sub(lambda m: m.group(1) + filters, text)
    bound = {}
    for key, value in params.items():
        if value in (None, ""):
            continue
        value = str(value)
        bound[key] = value if re.match(r"^https?://\S+$", value) else '"' + value.replace('"', "") + '"'
    return query_link(text, bound)


def _examples(settings) -> list[dict]:
    examples = []
    for q in example_queries():
        params = local_params(q, settings)
        text = editor_text(q)
        examples.append({"name": q.name, "title": q.title, "description": q.description,
                         "params": params, "text": text, "link": query_link(text, params)})
    return examples


def compactor(settings):
    prefixes = sorted(query_prefixes(settings).items(), key=lambda kv: -len(kv[1]))

    def compact(iri: str) -> str:
        for prefix, ns in prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns):]
                if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", local) and not local.endswith("."):
                    return f"{prefix}:{local}"
        return iri
    return compact


def render_page(op, reply: dict | None, elapsed: float | None) -> str:
    from .result_views import VIEWS, present

    settings = _settings()
    compact = compactor(settings)
    downloads, views, result, share = [], [], None, None
    if reply and reply.get("status") == 200:
        table = formats.BY_FORM[reply["form"]]
        base_params = [("query", op.query)] + [(f"${k}", v) for k, v in op.params.items()] \
            + [("default-graph-uri", g) for g in op.default_graphs] \
            + [("named-graph-uri", g) for g in op.named_graphs]
        for fmt in table:
            if fmt.key != "html":
                downloads.append({"label": fmt.label, "media_type": fmt.media_type,
                                  "href": "/sparql?" + urlencode(base_params + [("format", fmt.key)])})
        result = present(reply, op.query, request.args.get("view"), compact)
        for key in result["views"]:
            views.append({"key": key, "name": VIEWS[key], "current": key == result["view"],
                          "href": "/sparql?" + urlencode(base_params + [("view", key)])})
        share = next((v["href"] for v in views if v["current"]), None)
    prefixes = query_prefixes(settings)
    return render_template(
        "query.html",
        query=op.query if op.query is not None else STARTER_QUERY,
        params=op.params,
        reply=reply,
        result=result,
        views=views,
        share=share,
        elapsed_ms=None if elapsed is None else elapsed * 1000,
        downloads=downloads,
        examples=_examples(settings),
        endpoint=endpoint_url(settings),
        settings=settings,
        page_link=page_link,
        compact=compact,
        prefixes=prefixes,
        prefixes_json=json.dumps(prefixes, sort_keys=True),
        editor=editor_available(),
    )
