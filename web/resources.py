"""Resource pages and documents: one IRI, several representations.

Identifier pattern: **200 at the resource IRI**. ``/id/programme/vanguards``
answers with HTML or RDF by content negotiation (``Vary: Accept``,
``Content-Location`` naming the variant, ``Link: rel="alternate"`` for the
others); each variant also has its own URL by extension
(``/id/programme/vanguards.ttl``) or ``?format=``. A client that accepts none
of our formats gets 406, not HTML.
"""

from __future__ import annotations

from collections import OrderedDict
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request

from . import charts, programme, words
from .cache import etag
from .classes import classes_below
from .describe import describe
from .documents import (FORMATS, allow_any_origin, alternates, choose, not_acceptable, serialize,
                        variant_response, variant_url)
from .evidence import dossier
from .graph import current_graph, current_store
from .linking import (IA_NS, RDF_TYPE, base, curie, iri_term, local_path, per_build, per_build_memo,
                      rows, run, settings, term, val)
from .money_flows import flows_involving, picture
from .request_args import int_arg

bp = Blueprint("resources", __name__)
bp.after_request(allow_any_origin)

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"

#: How many incoming links a resource page lists before "more".
INCOMING_ON_PAGE = 50
INCOMING_PAGE = 200
#: Lists of up to this many links are sorted as a whole (labels, then IRIs).
#: Longer ones (hubs) are paged in the store's order, each page sorted: the
#: store compares strings by reading them back one comparison at a time, so
#: sorting tens of thousands of labels takes seconds.
SORTED_MAX = 1000
#: Claims per page for a resource that more than ``SORTED_MAX`` links point at.
CLAIMS_PAGE = 100
#: Claims listed on a resource page before "all N" (the rest a page at a time).
CLAIMS_ON_PAGE = 25
#: Bookkeeping properties kept in the data but not shown on pages: the source
#: register's number and the seed file a document was read from.
HIDDEN_PROPS = {IA_NS + "registerId", IA_NS + "seedFile"}
SCHEMA_URL = "https://schema.org/url"

#: Funding flows listed in the money table of a resource page (the funding
#: view lists them all).
FLOWS_ON_PAGE = 200


# ---------------------------------------------------------------------------
# Per-build facts the pages need often


@per_build
def graph_names() -> set[str]:
    return set(current_store().graph_names())


def exists(iri: str) -> bool:
    return bool(rows("page-resource-exists", resource=iri)) or iri in graph_names()


# ---------------------------------------------------------------------------
# Routes


@bp.get("/id/<path:rest>")
def by_path(rest: str):
    path = "/id/" + rest
    iri = settings().base + "id/" + rest
    if exists(iri):
        return serve(iri, path)
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in FORMATS and exists(settings().base + "id/" + stem):
        return serve(settings().base + "id/" + stem, "/id/" + stem, ext)
    abort(404)


@bp.get("/def/<path:rest>")
def ontology_term(rest: str):
    iri = IA_NS + rest
    if exists(iri):
        return serve(iri, "/def/" + rest)
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in FORMATS and exists(IA_NS + stem):
        return serve(IA_NS + stem, "/def/" + stem, ext)
    abort(404)


@bp.get("/-/resource")
def any_resource():
    iri = request.args.get("uri", "").strip()
    if not iri:
        abort(404, description="Give the IRI of a resource as ?uri=")
    path = local_path(iri)
    if path:
        fmt = request.args.get("format")
        return redirect(path + (f"?format={quote(fmt)}" if fmt else ""), 303)
    if not exists(iri):
        abort(404, description=f"Nothing in the atlas is about {iri}.")
    return serve(iri, None)


def serve(iri: str, path: str | None, ext: str | None = None) -> Response:
    alts = alternates(path, iri)
    fmt, negotiated = choose(ext)
    if fmt is None:
        return not_acceptable(alts)
    # Read-only between builds: the build folder validates every document.
    tag = etag((current_graph().target(), iri, path, fmt)).strip('"')
    location = variant_url(path, iri, fmt)
    if request.if_none_match.contains_weak(tag):
        resp = variant_response(None, fmt, alts, negotiated, location, status=304)
    else:
        body = resource_page(iri, alts) if fmt == "html" else document(iri, fmt)
        resp = variant_response(body, fmt, alts, negotiated, location)
    resp.set_etag(tag)
    return resp


# ---------------------------------------------------------------------------
# RDF documents


def document(iri: str, fmt: str) -> bytes:
    """A resource's statements (and those pointing at it), or a named graph's."""
    if iri in graph_names():
        triples = list(run("page-graph-document", graph=iri))
    else:
        triples = list(run("page-resource-document", resource=iri))
        seen = set(triples)
        triples += [t for t in run("page-resource-document-incoming", resource=iri) if t not in seen]
    return serialize(triples, fmt)


# ---------------------------------------------------------------------------
# HTML


LABEL_PROPS = [RDFS + "label", SKOS + "prefLabel", DCT + "title", "https://schema.org/name"]
DESCRIPTION_PROPS = [RDFS + "comment", IA_NS + "summary", SKOS + "definition", DCT + "description"]
CLAIM = IA_NS + "Claim"  # references (what one document claims) are typed ia:Claim too
DOCUMENT = IA_NS + "SourceDocument"
PROGRAMME = IA_NS + "Programme"
ITEM = IA_NS + "Item"


def first_literal(by_iri: dict, props: list[str]) -> str | None:
    for p in props:
        for v in by_iri.get(p, ()):
            if v.is_literal and (v.lang in (None, "", "en") or v.lang.startswith("en")):
                return v.value
    return None


def claim_rows(iri: str, page: tuple[int, int] | None = None) -> list[dict]:
    """The claims that name ``iri`` (one page of them with ``page``), in
    three small queries: which claims and how they name it, then what the
    table shows of those claims, then the labels of what that names. As one
    query the store joined every item of the graph to them (0.6 s at 2M
    triples, for any resource); this way it looks up these claims only."""
    found = rows("page-claims-mentioning", page=page, resource=iri)
    if not found:
        return []
    facts: dict[str, dict[str, list]] = {r["claim"].value: {} for r in found}
    for r in rows("page-claim-details", values=("claim", [r["claim"] for r in found])):
        facts[r["claim"].value].setdefault(r["key"].value, []).append(r["value"])
    named = [t for kept in facts.values() for k in LABELLED_FACTS for t in kept.get(k, ())
             if isinstance(t, ox.NamedNode)]
    labels = {r["item"].value: r["label"].value for r in rows("page-labels", values=("item", named))
              if r["label"] is not None} if named else {}

    def one(kept: dict, key: str):
        # the least, so that a claim with two of something shows the same one every time
        terms = kept.get(key)
        return min(terms, key=lambda t: t.value) if terms else None

    def labelled(kept: dict, key: str):
        t = one(kept, key)
        return iri_term(t.value, labels.get(t.value)) if t is not None else None

    out = []
    for r in found:
        kept = facts[r["claim"].value]
        amount = one(kept, "amount")
        value = one(kept, "value") or amount
        unit = one(kept, "unit")
        unit_label = (labels.get(unit.value) if unit is not None else None) or ("GBP" if amount is not None else None)
        start, end = (labels.get(t.value) if t is not None else None
                      for t in (one(kept, "periodStart"), one(kept, "periodEnd")))
        # a type and its label from the same class: the last by IRI, as a list sorts
        cls = max(kept.get("class", ()), key=lambda t: t.value, default=None)
        reliability = one(kept, "reliability") or one(kept, "leadReliability") or one(kept, "anyReliability")
        out.append({
            "claim": iri_term(r["claim"].value, val(one(kept, "label"))),
            "class": iri_term(cls.value, labels.get(cls.value)) if cls is not None else None,
            "relations": sorted((val(r["relations"]) or "").split(", ")),
            "about": labelled(kept, "about"),
            "value": val(value), "unit": unit_label,
            "is_money": unit_label in ("GBP", "pounds sterling"),
            "date": val(one(kept, "date")),
            "period": (start if start == end else f"{start} to {end}") if start and end else start or end,
            "source": labelled(kept, "source"),
            "locator": val(one(kept, "locator")),
            "reliability": labels.get(reliability.value) if reliability is not None else None,
            "summary": val(one(kept, "summary")), "disputed": "disputes" in kept,
            "method": val(one(kept, "method")),
        })
    # as the table reads: by kind of item, then date, then name
    out.sort(key=lambda c: ((c["class"].label or "") if c["class"] else "", c["date"] or "",
                            c["claim"].label or "", c["claim"].value))
    return out


#: Facts of a claim (page-claim-details) that name a resource shown by its label.
LABELLED_FACTS = ("class", "about", "unit", "periodStart", "periodEnd", "source", "reliability",
                  "leadReliability", "anyReliability")


@per_build_memo(maxsize=256)
def hub_claims(iri: str, limit: int, offset: int) -> list[dict]:
    """One page of the claims that name a hub, kept per build: to give any
    page the store goes through all of them (1.8 s for the 36,000 of the
    2M-triple benchmark build's programme). Callers only read it."""
    return claim_rows(iri, page=(limit, offset))


def claims_of(iri: str, links: int, page: int = 1) -> dict:
    """The claims that name ``iri``: all of them, sorted, when at most
    ``SORTED_MAX`` statements point at it (``links``); else one page of
    ``CLAIMS_PAGE`` in the store's order (sorted within the page), with the
    totals."""
    if links <= SORTED_MAX:
        # All of them (there are at most SORTED_MAX); the bound also tells
        # the planner that the subquery is small, so it goes first.
        found = claim_rows(iri, page=(SORTED_MAX, 0)) if page == 1 else []
        return {"rows": found, "total": len(found), "citing": sum("source" in c["relations"] for c in found),
                "page": page, "paged": False}
    total, citing = claim_count(iri)
    found = hub_claims(iri, CLAIMS_PAGE, (page - 1) * CLAIMS_PAGE)
    return {"rows": found, "total": total, "citing": citing, "page": page, "paged": True}


@per_build_memo()
def claim_count(iri: str) -> tuple[int, int]:
    """(claims that name ``iri``, claims that cite it), counted once per build
    (about 0.2 s for a hub of 60,000 claims at a million triples)."""
    counted = rows("page-claims-mentioning-count", resource=iri)
    if not counted:
        return 0, 0
    return int(counted[0]["count"].value), int(counted[0]["citingCount"].value)


def claims_url(iri: str, page: int = 1) -> str:
    return f"/-/claims?uri={quote(iri, safe='')}" + (f"&page={page}" if page > 1 else "")


#: Disputing pairs shown on one page at most.
DISPUTES_ON_PAGE = 200


@per_build
def _disputes_by_resource() -> dict[str, list[dict]]:
    """Every disputing pair, under each resource whose page shows it (found
    once per build: disputes are few, and looking for a hub's would join
    everything that names it)."""
    out: dict[str, list[dict]] = {}
    for r in rows("page-disputes"):
        out.setdefault(r["resource"].value, []).append(r)
    return out


def dispute_pairs(iri: str) -> list[dict]:
    pairs = []
    for r in _disputes_by_resource().get(iri, [])[:DISPUTES_ON_PAGE]:
        sides = []
        for s in ("a", "b"):
            src = r[f"{s}Source"]
            sides.append({
                "claim": iri_term(r[s].value, val(r[f"{s}Label"])),
                "value": val(r[f"{s}Value"]), "unit": val(r[f"{s}Unit"]),
                "is_money": val(r[f"{s}Unit"]) in ("GBP", "pounds sterling"),
                "period": val(r[f"{s}Period"]),
                "source": iri_term(src.value, val(r[f"{s}SourceLabel"])) if src else None,
                "locator": val(r[f"{s}Locator"]), "reliability": val(r[f"{s}Reliability"]),
                "summary": val(r[f"{s}Summary"]),
            })
        if sides[1]["claim"].value == iri:  # the claim whose page this is goes first
            sides.reverse()
        pairs.append({"sides": sides})
    return pairs


def incoming(iri: str, limit: int, offset: int = 0, total: int | None = None) -> list[dict]:
    """A page of the links to ``iri``: sorted as a whole when there are at most
    ``SORTED_MAX`` (``total``, counted if not given), else in the store's order."""
    if total is None:
        total = incoming_count(iri)
    if total <= SORTED_MAX:
        found = rows("page-resource-incoming", f"LIMIT {int(limit)} OFFSET {int(offset)}", resource=iri)
    else:
        found = rows("page-resource-incoming-unsorted", page=(limit, offset), resource=iri)
    return [{"s": term(r["s"], r["sLabel"]), "p": iri_term(r["p"].value, val(r["pLabel"]))}
            for r in found]


@per_build_memo()
def incoming_count(iri: str) -> int:
    found = rows("page-resource-incoming-count", resource=iri)
    return int(found[0]["count"].value) if found else 0


def _listing_args() -> tuple[str, int, str]:
    """The resource (``?uri=``), page number and heading label of a paged
    listing about one resource; 404 for an IRI the atlas does not hold."""
    iri = request.args.get("uri", "").strip()
    if not iri or not exists(iri):
        abort(404, description="Give the IRI of a resource in the atlas as ?uri=")
    page = int_arg("page", 1, 1, 10**6)
    label = first_literal(describe(iri)["by_iri"], LABEL_PROPS) or curie(iri) or iri
    return iri, page, label


@bp.get("/-/incoming")
def all_incoming():
    iri, page, label = _listing_args()
    total = incoming_count(iri)
    offset = (page - 1) * INCOMING_PAGE
    if total <= SORTED_MAX:
        links = incoming(iri, INCOMING_PAGE + 1, offset, total)
        more = len(links) > INCOMING_PAGE
    else:  # a page of links in the store's order, then sorted: no extra row to look ahead with
        links = incoming(iri, INCOMING_PAGE, offset, total)
        more = offset + INCOMING_PAGE < total
    return render_template(
        "incoming.html", resource=iri_term(iri, label), links=links[:INCOMING_PAGE],
        total=total, page=page, sorted=total <= SORTED_MAX,
        next_url=f"/-/incoming?uri={quote(iri, safe='')}&page={page + 1}" if more else None,
        prev_url=f"/-/incoming?uri={quote(iri, safe='')}&page={page - 1}" if page > 1 else None)


@bp.get("/-/claims")
def all_claims():
    """Every claim that names a resource, a page at a time (for hubs)."""
    iri, page, label = _listing_args()
    claims = claims_of(iri, incoming_count(iri), page)
    pages = max(1, -(-claims["total"] // CLAIMS_PAGE)) if claims["paged"] else 1
    return render_template(
        "claims.html", resource=iri_term(iri, label), claims=claims, page=page, pages=pages,
        next_url=claims_url(iri, page + 1) if page < pages else None,
        prev_url=claims_url(iri, page - 1) if page > 1 else None)


def graph_page(iri: str, alts: list[dict]) -> str:
    subjects = [{"s": iri_term(r["subject"].value, val(r["label"])) if isinstance(r["subject"], ox.NamedNode)
                 else term(r["subject"]), "type": val(r["typeLabel"]),
                 "statements": int(r["statements"].value)}
                for r in rows("page-graph-subjects", graph=iri)]
    name = iri[len(base() + "id/graph/"):] if iri.startswith(base() + "id/graph/") else iri
    return render_template("graph.html", iri=iri, name=name, subjects=subjects, alternates=alts,
                           statements=sum(s["statements"] for s in subjects))


def resource_page(iri: str, alts: list[dict]) -> str:
    if iri in graph_names():
        return graph_page(iri, alts)
    described = describe(iri)
    by_iri = described["by_iri"]
    types = [t for t in by_iri.get(RDF_TYPE, []) if t.is_iri]
    type_iris = {t.value for t in types}
    label = first_literal(by_iri, LABEL_PROPS) or curie(iri) or iri
    description = first_literal(by_iri, DESCRIPTION_PROPS)
    is_claim = bool(type_iris & classes_below(CLAIM))
    is_document = bool(type_iris & classes_below(DOCUMENT))
    is_programme = bool(type_iris & classes_below(PROGRAMME))

    n_in = incoming_count(iri)
    if is_programme:
        # Its page gives how many claims name it and a link to them, not the
        # list: a national programme has tens of thousands.
        total, citing = claim_count(iri)
        found = {"rows": [], "total": total, "citing": citing, "paged": total > SORTED_MAX}
    else:
        found = claims_of(iri, n_in)
    claims = found["rows"]
    citing = [c for c in claims if "source" in c["relations"]] if is_document else []
    mentioning = [c for c in claims if c not in citing]
    claim_totals = {"all": found["total"], "paged": found["paged"], "url": claims_url(iri),
                    "citing": found["citing"] if is_document else 0,
                    "mentioning": found["total"] - (found["citing"] if is_document else 0)}
    disputes = dispute_pairs(iri)
    item_dossier = dossier(iri) if type_iris & classes_below(ITEM) else None

    provenance = None
    if is_claim:
        provenance = {
            "source": by_iri.get(IA_NS + "source", []),
            "locator": [v.value for v in by_iri.get(IA_NS + "locator", [])],
            "reliability": by_iri.get(IA_NS + "reliability", []),
            "stated_by": by_iri.get(IA_NS + "statedBy", []),
            "derived_from": by_iri.get("http://www.w3.org/ns/prov#wasDerivedFrom", []),
            "method": [v.value for v in by_iri.get(IA_NS + "method", [])],
        }

    lineage = sites = None
    lineage_links = []
    if is_programme:
        edges = [(r["from"].value, r["relation"].value, val(r["relationLabel"]), r["to"].value)
                 for r in rows("page-lineage-edges")]
        dated = programme.programme_dates()
        lineage = charts.lineage(dated, edges, iri)
        lineage_links = lineage_table(dated, edges, iri)
        sites = sites_by_care_model(iri)

    money = None
    if is_programme or any(c["class"] and c["class"].value == IA_NS + "FundingFlow" for c in claims):
        flows = flows_involving(iri, is_programme)  # by position: kept per build by its arguments
        if flows:
            money = picture(flows)
            money["flows"].sort(key=lambda f: (not f["drawn"], -f["amount"]))

    if is_programme:
        return render_template(
            "programme.html", iri=iri, label=label, alternates=alts, money=money, lineage=lineage,
            lineage_links=lineage_links, sites=sites, claim_totals=claim_totals,
            overview=programme.overview(iri, description, lineage_links),
            findings_on_page=programme.FINDINGS_ON_PAGE, sources_on_page=programme.SOURCES_ON_PAGE,
            incoming_total=n_in, incoming_url=f"/-/incoming?uri={quote(iri, safe='')}")

    graphs = [{"g": iri_term(r["graph"].value), "statements": int(r["statements"].value),
               "name": words.data_file(r["graph"].value[len(base() + "id/graph/"):], seed_documents())}
              for r in rows("page-resource-graphs", resource=iri)]
    # Items named in the claims table are not listed again under "Referred to by".
    shown = {c["claim"].value for c in claims[:CLAIMS_ON_PAGE]} | {c["claim"].value for c in citing[:CLAIMS_ON_PAGE]}
    referrers = [link for link in incoming(iri, INCOMING_ON_PAGE + len(shown), 0, n_in)
                 if link["s"].value not in shown][:INCOMING_ON_PAGE]
    return render_template(
        "resource.html", iri=iri, label=label, description=words.without_codes(description),
        types=words.type_words(types), original=original_of(by_iri) if is_document else None,
        props=[e for e in described["props"] if e["p"].value not in HIDDEN_PROPS], alternates=alts,
        claims=mentioning, citing=citing, claims_on_page=CLAIMS_ON_PAGE,
        disputes=disputes, provenance=provenance, is_claim=is_claim, is_document=is_document,
        is_programme=is_programme, dossier=item_dossier, lineage=lineage, lineage_links=lineage_links, sites=sites, money=money,
        claim_totals=claim_totals, flows_on_page=FLOWS_ON_PAGE,
        incoming=referrers, incoming_total=n_in,
        incoming_url=f"/-/incoming?uri={quote(iri, safe='')}", graphs=graphs,
        external=iri_term(iri).external,
    )


@per_build
def seed_documents() -> dict[str, str]:
    """Document key (``nao-vanguards-2018``) -> label, for naming data files."""
    prefix = base() + "id/document/"
    return {r["resource"].value[len(prefix):]: r["label"].value
            for r in rows("page-document-labels") if r["resource"].value.startswith(prefix)}


def original_of(by_iri: dict) -> dict | None:
    """Where to read a document: its official address, else a third-party
    copy (ia:copyUrl), marked as such."""
    for prop, copy in ((SCHEMA_URL, False), (IA_NS + "copyUrl", True)):
        for v in by_iri.get(prop, []):
            if v.value.startswith(("https://", "http://")):
                return {"url": v.value, "mirror": copy}
    return None


def lineage_table(programmes: list[dict], edges: list[tuple], focus: str) -> list[dict]:
    """The programme's own lineage links, earlier ones first, with dates."""
    info = {p["iri"]: p for p in programmes}
    out = []
    for f, _rel, label, t in edges:
        if focus not in (f, t):
            continue
        other = t if f == focus else f
        p = info.get(other, {})
        out.append({
            "direction": "before" if f == focus else "after",
            "subject": iri_term(f, info.get(f, {}).get("label")), "relation": label or curie(_rel),
            "object": iri_term(t, info.get(t, {}).get("label")),
            "start": p.get("start"), "end": p.get("end_shown"), "first_event": p.get("first_event"),
        })
    out.sort(key=lambda r: (r["direction"] != "before", r["start"] or r["first_event"] or "9999"))
    return out


def sites_by_care_model(programme: str) -> list[dict]:
    groups: "OrderedDict[str, dict]" = OrderedDict()
    for r in rows("page-programme-sites", programme=programme):
        cm = r["careModel"]
        key = cm.value if cm else ""
        g = groups.setdefault(key, {
            "care_model": iri_term(cm.value, val(r["careModelLabel"])) if cm else None, "sites": []})
        g["sites"].append({
            "site": iri_term(r["site"].value, val(r["siteLabel"])),
            "wave": iri_term(r["wave"].value, val(r["waveLabel"])) if r["wave"] else None,
            "number": val(r["programmeNumber"]),
            "area": _first_area(val(r["areaAndLabel"])),
        })
    for g in groups.values():
        g["sites"].sort(key=lambda s: (s["number"] is None, _int(s["number"]), s["site"].text.lower()))
    return sorted(groups.values(), key=lambda g: (g["care_model"] is None,
                                                  g["care_model"].text.lower() if g["care_model"] else ""))


def _first_area(text: str | None):
    """The area a programme's site query picked: its IRI, a space, its label."""
    if not text:
        return None
    iri, _, label = text.partition(" ")
    return iri_term(iri, label or None)


def _int(text) -> int:
    try:
        return int(float(text))
    except (TypeError, ValueError):
        return 0
