"""The browsing pages: ``/`` home, ``/-/classes`` and
``/-/class/<curie>[.json|.csv]`` class indexes, ``/-/search`` label search;
and the helpful 404 page of the atlas's pages and documents.

System pages live under ``/-/`` so they never clash with resource keys. The
other pages have modules of their own (README, "Layout").
"""

from __future__ import annotations

import csv
import io
import json
import math

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from kg import formats

from . import charts
from .classes import by_importance, class_counts, class_index_url
from .documents import allow_any_origin
from .linking import (IA_NS, curie, expand_curie, href_for, iri_term, money, number, per_build_memo, rows,
                      settings, val)
from .programme import programme_dates
from .request_args import int_arg
from .search import search_rows

bp = Blueprint("pages", __name__)
bp.after_request(allow_any_origin)

RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: Page sizes of the class index and search (the largest a client may ask for).
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

#: Class indexes (after the filter) of up to this many members are sorted as
#: a whole; larger ones are paged in the store's order, each page sorted (the
#: store sorts strings slowly: seconds for tens of thousands of labels).
CLASS_SORTED_MAX = 2000

#: Classes shown first on the home page, in this order.
ENTRY_CLASSES = ["Programme", "Site", "CareModel", "SourceDocument", "FundingFlow", "Figure",
                 "Event", "Finding"]


@bp.app_template_filter("money")
def _money(value):
    return money(value)


@bp.app_template_filter("number")
def _number(value):
    return number(value)


@bp.app_context_processor
def _helpers():
    return {"href_for": href_for, "curie": curie, "ia": IA_NS}


# ---------------------------------------------------------------------------
# Errors


#: Blueprints whose 404s get the page below (and unmatched URLs); the SPARQL
#: endpoint, the query page, dossiers and systems answer their own.
HELPFUL_404 = {"pages", "resources", "exports", "funding", "ontology", "validation"}


@bp.app_errorhandler(404)
def not_found(error):
    """A 404 page that helps: what was asked for, and where to look instead."""
    if request.blueprint is not None and request.blueprint not in HELPFUL_404:
        return error
    best = _accepts_html()
    guess = request.path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
    if not best:
        return Response(f"Not found: {request.path}\nNo resource with this address is in the atlas.\n",
                        404, content_type="text/plain; charset=utf-8", headers={"Vary": "Accept"})
    suggestions = []
    # Only an address of the atlas's own resources gets suggestions: the text
    # search reads every label (0.4 s at 2M triples), which a scanner asking
    # for /wp-login.php should not cost.
    if guess and not guess.startswith("-") and request.path.startswith(("/id/", "/def/")):
        try:
            suggestions = _suggestions(guess.split(".")[0][:60])
        except Exception:  # no build yet, or a query error: the 404 page still renders
            suggestions = []
    iri = None
    if request.path.startswith("/id/"):
        iri = settings().base + request.path[1:]
    return render_template("not_found.html", path=request.path, iri=iri, guess=guess,
                           suggestions=suggestions, message=getattr(error, "description", None)), 404


@per_build_memo(maxsize=256)
def _suggestions(words: str) -> list[dict]:
    """Resources whose labels match the last part of a missing address, kept
    per build (callers only read them)."""
    return search_rows(words, 10, 0)


def _accepts_html() -> bool:
    accept = request.headers.get("Accept", "")
    if not accept.strip():
        return True
    mimes = request.accept_mimetypes
    return mimes["text/html"] > 0 or mimes["application/xhtml+xml"] > 0


@bp.get("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)


# ---------------------------------------------------------------------------
# Home


@bp.get("/")
def home():
    classes = by_importance(class_counts())
    by_local = {c["iri"][len(IA_NS):]: c for c in classes if c["iri"].startswith(IA_NS)}
    entries = [by_local[n] for n in ENTRY_CLASSES if n in by_local]
    programmes = programme_dates()
    return render_template(
        "home.html", classes=classes, entries=entries,
        timeline=charts.timeline(programmes),
        programmes=programmes,
    )


#: Class indexes of up to this many members (after the name filter) get
#: facets; a facet with more values than FACET_VALUES_MAX is not offered.
FACETS_MAX = 5000
FACET_VALUES_MAX = 100


def facet_filters() -> list[tuple[str, str]]:
    """The facet filters in the address: ``ia:careModel=cm:pacs`` (prefixed
    names or absolute IRIs; any parameter whose name has a colon)."""
    out = []
    for key in request.args:
        if ":" not in key:
            continue
        prop = expand_curie(key) or key
        for raw in request.args.getlist(key):
            value = expand_curie(raw) or raw
            for what, term in (("facet", prop), ("value", value)):
                try:
                    ox.NamedNode(term)
                    if not term.startswith(("http://", "https://")):
                        raise ValueError("not a web IRI")
                except ValueError:
                    abort(400, description=f"Bad {what} in the filter {key}={raw}: use prefixed names "
                                           "with known prefixes (ia:careModel=cm:pacs) or http(s) IRIs.")
            out.append((prop, value))
    return out


def filter_patterns(filters: list[tuple[str, str]]) -> str:
    """Triple patterns for the named queries' '# filters' line, written by pyoxigraph."""
    return " ".join(f"?item {ox.NamedNode(p)} {ox.NamedNode(v)} ." for p, v in filters)


def facets(iri: str, q, filters: list[tuple[str, str]], keep: dict) -> list[dict]:
    """Each facet of the index (an object property its members use), its
    values with how many of the shown members have each, and the address of
    the index narrowed to (or, for a chosen value, widened from) each."""
    grouped: dict[str, dict] = {}
    for r in rows("page-class-facets", filters=filter_patterns(filters), **{"class": iri, "q": q}):
        p, v = r["p"].value, r["v"].value
        f = grouped.setdefault(p, {"iri": p, "label": val(r["pLabel"]) or curie(p) or p, "values": []})
        chosen = (p, v) in filters
        narrowed = [x for x in filters if x != (p, v)] if chosen else filters + [(p, v)]
        f["values"].append({"iri": v, "label": val(r["vLabel"]) or curie(v) or v,
                            "count": int(r["count"].value), "chosen": chosen,
                            "href": class_index_url(iri, narrowed, **keep)})
    out = [f for f in grouped.values() if len(f["values"]) <= FACET_VALUES_MAX]
    for f in out:
        f["values"].sort(key=lambda x: (not x["chosen"], -x["count"], x["label"].lower()))
        f["chosen"] = any(x["chosen"] for x in f["values"])
    return sorted(out, key=lambda f: (not f["chosen"], len(f["values"]), f["label"].lower()))


@bp.get("/-/classes")
def classes():
    return render_template("classes.html", classes=by_importance(class_counts()))


SORTS = {
    "label": "ORDER BY LCASE(?label) ?item",
    "-label": "ORDER BY DESC(LCASE(?label)) ?item",
    "id": "ORDER BY ?item",
    "-id": "ORDER BY DESC(?item)",
    "type": "ORDER BY LCASE(?typeLabel) LCASE(?label) ?item",
}


@bp.get("/-/class")
def class_index_by_uri():
    iri = request.args.get("uri", "")
    if not iri:
        abort(404, description="Give the class IRI as ?uri=")
    return _class_index(iri, request.args.get("format", "html"))


@bp.get("/-/class/<path:name>")
def class_index(name: str):
    fmt = request.args.get("format", "html")
    for ext in ("json", "csv", "html"):
        if name.endswith("." + ext):
            name, fmt = name[: -len(ext) - 1], ext
            break
    iri = expand_curie(name)
    if iri is None:
        abort(404, description=f"No class called {name!r}; classes are named like ia:Programme.")
    return _class_index(iri, fmt)


def _class_index(iri: str, fmt: str):
    if fmt not in ("html", "json", "csv"):
        return Response(f"No {fmt!r} format for class indexes; use html, json or csv.\n", 406,
                        content_type="text/plain; charset=utf-8")
    q = request.args.get("q", "").strip()[:200]
    sort = request.args.get("sort", "label")
    if sort not in SORTS:
        sort = "label"
    size = int_arg("size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = int_arg("page", 1, 1, 10**6)
    qterm = ox.Literal(q)
    filters = facet_filters()
    where = filter_patterns(filters)
    counted = rows("page-class-member-count", filters=where, **{"class": iri, "q": qterm})
    total = int(counted[0]["count"].value) if counted else 0
    if total == 0 and not q and not filters:
        label = _label_of(iri)
        if label is None:
            abort(404, description=f"{iri} is not a class with members in the atlas.")
    offset = (page - 1) * size
    if total <= CLASS_SORTED_MAX:
        found = rows("page-class-members", f"{SORTS[sort]}\nLIMIT {size} OFFSET {offset}",
                     page=(CLASS_SORTED_MAX, 0), filters=where, **{"class": iri, "q": qterm})
    else:  # too many to sort: pages in the store's order, each sorted
        found = rows("page-class-members", SORTS[sort], page=(size, offset), filters=where,
                     **{"class": iri, "q": qterm})
    items = [{
        "iri": r["item"].value, "href": href_for(r["item"].value),
        "label": val(r["label"]) or curie(r["item"].value) or r["item"].value,
        "type": val(r["type"]), "type_label": val(r["typeLabel"]),
        "description": val(r["description"]),
    } for r in found]
    pages = max(1, math.ceil(total / size))
    keep = {"q": q, "sort": sort if sort != "label" else None, "size": size if size != PAGE_SIZE else None}
    next_url = class_index_url(iri, filters, page=page + 1, **keep) if page < pages else None
    prev_url = class_index_url(iri, filters, page=page - 1, **keep) if page > 1 else None
    name = curie(iri) or iri
    links = []
    if next_url:
        links.append(f'<{next_url}>; rel="next"')
    if prev_url:
        links.append(f'<{prev_url}>; rel="prev"')

    if fmt == "json":
        body = {
            "ok": True, "class": iri, "label": _label_of(iri), "q": q, "sort": sort,
            "filters": [{"property": p, "value": v} for p, v in filters],
            "page": page, "size": size, "total": total, "truncated": page < pages,
            "sorted": "all" if total <= CLASS_SORTED_MAX else "within the page",
            "next_url": next_url,
            "rows": [{"id": i["iri"], "label": i["label"], "type": i["type"],
                      "description": i["description"]} for i in items],
        }
        resp = Response(json.dumps(body, ensure_ascii=False, indent=1),
                        content_type="application/json; charset=utf-8")
    elif fmt == "csv":
        resp = Response(_csv([("id", "label", "type", "description")] +
                             [(i["iri"], i["label"], i["type"] or "", i["description"] or "")
                              for i in items]),
                        content_type=formats.CSV.content_type)
        fname = name.replace(":", "-") + ("-filtered" if filters or q else "") \
            + (f"-page{page}" if page > 1 else "") + ".csv"
        resp.headers["Content-Disposition"] = f'attachment; filename="{fname}"'
    else:
        resp = Response(render_template(
            "class_index.html", iri=iri, name=name, label=_label_of(iri) or name,
            comment=_comment_of(iri), items=items, q=q, sort=sort, size=size, page=page,
            pages=pages, total=total, next_url=next_url, prev_url=prev_url,
            sorted_whole=total <= CLASS_SORTED_MAX,
            sort_url=lambda s: class_index_url(iri, filters, q=q, sort=s, size=keep["size"]),
            json_url=class_index_url(iri, filters, "json", page=page, **keep),
            csv_url=class_index_url(iri, filters, "csv", page=page, **keep),
            filters=[{"property": curie(p) or p, "value": curie(v) or v, "label": _label_of(v) or curie(v) or v,
                      "remove": class_index_url(iri, [x for x in filters if x != (p, v)], **keep)}
                     for p, v in filters],
            filter_where=where,
            facets=facets(iri, qterm, filters, keep) if total <= FACETS_MAX else None,
            facets_max=FACETS_MAX,
            class_term=iri_term(iri, _label_of(iri)),
        ))
    if links:
        resp.headers["Link"] = ", ".join(links)
    return resp


def _csv(table) -> bytes:
    """CSV that opens cleanly in Excel: UTF-8 with a byte-order mark, CRLF rows,
    and cells that would start a formula prefixed with an apostrophe."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in table:
        w.writerow([("'" + c) if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c
                    for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _brief(iri: str) -> tuple[str | None, str | None]:
    """The English label and comment of a resource (for headings)."""
    label = comment = None
    for r in rows("page-resource-outgoing", resource=iri):
        p = r["p"].value
        if p == RDFS + "label" and label is None:
            label = r["o"].value
        elif p == RDFS + "comment" and comment is None:
            comment = r["o"].value
    return label, comment


def _label_of(iri: str) -> str | None:
    return _brief(iri)[0]


def _comment_of(iri: str) -> str | None:
    return _brief(iri)[1]


# ---------------------------------------------------------------------------
# Search


@bp.get("/-/search")
@bp.get("/-/search.json")
def search():
    q = request.args.get("q", "").strip()[:200]
    size = int_arg("size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = int_arg("page", 1, 1, 10**6)
    as_json = request.path.endswith(".json") or request.args.get("format") == "json"
    results, more = [], False
    if q:
        results = search_rows(q, size + 1, (page - 1) * size)
        more = len(results) > size
        results = results[:size]
    next_url = url_for("pages.search", q=q, page=page + 1) if more else None
    if as_json:
        body = {"ok": True, "q": q, "page": page, "size": size, "truncated": more,
                "next_url": next_url,
                "rows": [{"id": r["iri"], "label": r["label"], "matched": r["matched"],
                          "type": r["type"]} for r in results]}
        return Response(json.dumps(body, ensure_ascii=False, indent=1),
                        content_type="application/json; charset=utf-8")
    return render_template("search.html", q=q, results=results, page=page, next_url=next_url,
                           prev_url=url_for("pages.search", q=q, page=page - 1) if page > 1 else None)

