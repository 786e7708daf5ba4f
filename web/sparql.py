"""The SPARQL 1.1 endpoint (``/sparql``): protocol, negotiation, limits.

* Queries by ``GET ?query=``, ``POST application/x-www-form-urlencoded`` and
  ``POST application/sparql-query``, with ``default-graph-uri`` and
  ``named-graph-uri`` (graphs the store holds; an unknown one is empty).
* Results negotiated by ``Accept`` (q-values) or the ``format`` parameter
  (``kg.formats``); 406 when nothing acceptable can be produced;
  ``Vary: Accept`` on every response.
* ``GET /sparql`` without a query: the service description as RDF, or the
  query page for a browser.
* Read-only: updates (``update=``, ``application/sparql-update``, or update
  text sent as a query) and Graph Store writes get 403.
* Every query runs in a killable worker process (``web.query_workers``)
  under the time limit, after the SERVICE guard (``web.safety``).
* Parameters ``$name=value`` bind query variables as values through
  Oxigraph substitutions: an absolute IRI (optionally in ``<>``) becomes an
  IRI, anything else (or text in double quotes) a string. They never become
  query text.
* Successful non-HTML answers are cached per build (``web.cache``) and carry
  an ``ETag`` and ``Cache-Control: public, max-age=60``; a matching
  ``If-None-Match`` gets 304, and ``Cache-Control: no-cache`` in the request
  skips the cached copy (``X-Cache: hit`` or ``miss`` says which it was).

Errors are plain text and say what was wrong.
"""

from __future__ import annotations

import logging
import os
import re
import time

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from kg import formats
from kg.namespaces import PREFIXES, atlas_prefixes
from kg.remote import StoreUnavailable

from .bodies import too_large_message
from .cache import ENVIRON_KEY as CACHE_ENVIRON_KEY
from .cache import MAX_AGE, etag, get_cache
from .fairness import TooManyRequests, client_address
from .graph import current_graph
from . import query_request
from .linking import public
from .query_workers import PoolBusy, QueryTimeout, WorkerCrashed, get_pool
from .query_form import editor_text, endpoint_url, example_queries, render_page  # noqa: F401  (the page's part)
from .remote_query import RemoteExecutor
from .safety import Refused

bp = Blueprint("sparql", __name__)
log = logging.getLogger("kg.sparql")

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
    "Access-Control-Expose-Headers": (
        "Content-Type, Link, Server-Timing, X-Truncated, X-Row-Limit, X-Rows, ETag, X-Cache"),
    "Access-Control-Max-Age": "86400",
}
QUERY_TYPES = ("application/sparql-query",)
FORM_TYPE = "application/x-www-form-urlencoded"
UPDATE_TYPE = "application/sparql-update"
RDFLIB_DEFAULT_GRAPH = "urn:x-rdflib:default"
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _settings():
    return current_app.config["KG"]


def text_response(status: int, message: str, headers: dict | None = None) -> Response:
    return Response(message.rstrip("\n") + "\n", status=status, headers=headers or {},
                    content_type="text/plain; charset=utf-8")


@bp.after_request
def _cors_and_vary(response: Response) -> Response:
    for name, value in CORS_HEADERS.items():
        response.headers.setdefault(name, value)
    response.vary.add("Accept")
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    return text_response(413, too_large_message(_settings().max_body))


# --------------------------------------------------------------------------
# Reading the request
# --------------------------------------------------------------------------

class Operation:
    def __init__(self):
        self.query: str | None = None
        self.update = False
        self.default_graphs: list[str] = []
        self.named_graphs: list[str] = []
        self.substitutions: list[tuple[str, str, str]] = []
        self.format_values: list[str] = []
        self.params: dict[str, str] = {}  # $name -> raw value, for the query page


def _check_charset() -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Refused(415, (
            f"Unsupported charset {charset!r}: send the request body as UTF-8 "
            "(Content-Type: ...; charset=utf-8)."))


def _read_body() -> str:
    data = request.get_data(cache=False)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, f"The request body is not valid UTF-8 ({exc}).") from None


def read_operation() -> Operation:
    op = Operation()
    settings = _settings()
    if request.content_length and request.content_length > settings.max_body:
        raise RequestEntityTooLarge()
    request.max_form_memory_size = settings.max_body
    params = [request.args]
    queries: list[str] = list(request.args.getlist("query"))
    updates: list[str] = list(request.args.getlist("update"))
    if request.method == "POST":
        mimetype = request.mimetype
        if ("graph" in request.args or "default" in request.args or mimetype in formats.RDF_MEDIA_TYPES):
            raise Refused(403, (
                "This endpoint is read-only: Graph Store Protocol writes are not accepted, "
                "and the data was not changed."))
        if mimetype == UPDATE_TYPE:
            raise Refused(403, _update_refused())
        if not mimetype:
            raise Refused(400, (
                "POST without a Content-Type: send the query as "
                "application/x-www-form-urlencoded (query=...) or as application/sparql-query."))
        _check_charset()
        if mimetype == FORM_TYPE:
            form = request.form
            params.append(form)
            queries += form.getlist("query")
            updates += form.getlist("update")
        elif mimetype in QUERY_TYPES:
            if queries:
                raise Refused(400, (
                    "The query was sent twice: in the body (application/sparql-query) and as a "
                    "query parameter. Send it once."))
            queries = [_read_body()]
        else:
            raise Refused(415, (
                f"Unsupported Content-Type {mimetype!r}: send the query as "
                "application/x-www-form-urlencoded (query=...) or as application/sparql-query."))
    if updates:
        raise Refused(403, _update_refused())
    if len(queries) > 1:
        raise Refused(400, (
            f"{len(queries)} query parameters were given; send exactly one query."))
    if queries:
        op.query = queries[0]
        if not op.query.strip():
            raise Refused(400, "The query is empty.")
    for source in params:
        op.default_graphs += source.getlist("default-graph-uri")
        op.named_graphs += source.getlist("named-graph-uri")
        op.format_values += source.getlist("format")
        for key in source:
            if key.startswith("$") and len(key) > 1:
                op.params[key[1:]] = source.get(key)
    # rdflib's SPARQLStore names the default graph urn:x-rdflib:default:
    # that is this endpoint's default graph, not a graph called so.
    op.default_graphs = [g for g in op.default_graphs if g != RDFLIB_DEFAULT_GRAPH]
    for graph in (*op.default_graphs, *op.named_graphs):
        _check_iri(graph, "default-graph-uri/named-graph-uri")
    for name, value in op.params.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise Refused(400, f"Bad parameter name ${name}: use a SPARQL variable name.")
        value = value.strip()
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            op.substitutions.append((name, "literal", value[1:-1]))
        elif value.startswith("<") and value.endswith(">"):
            value = value[1:-1]
            _check_iri(value, f"${name}")
            op.substitutions.append((name, "iri", value))
        elif SCHEME.match(value) and " " not in value:
            _check_iri(value, f"${name}")
            op.substitutions.append((name, "iri", value))
        else:
            op.substitutions.append((name, "literal", value))
    return op


def _check_iri(value: str, what: str) -> None:
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise Refused(400, f"{what}: {value!r} is not a valid absolute IRI ({exc}).") from None


def _update_refused() -> str:
    from .safety import UPDATE_REFUSED
    return UPDATE_REFUSED


# --------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------

@bp.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
@bp.route("/sparql/", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint():
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "GET, POST, HEAD, OPTIONS"})
    if request.method in ("PUT", "DELETE", "PATCH"):
        return text_response(403, (
            f"This endpoint is read-only: {request.method} (a Graph Store write) is not accepted, "
            "and the data was not changed. Query with GET or POST."),
            {"Allow": "GET, POST, HEAD, OPTIONS"})
    try:
        op = read_operation()
    except Refused as exc:
        return text_response(exc.status, exc.message)
    if op.query is None:
        if request.method == "POST":
            return text_response(400, (
                "POST without a query: send query=... as a form field "
                "(application/x-www-form-urlencoded) or the query itself as the body "
                "(application/sparql-query)."))
        return describe_or_page(op)
    return run_query(op)


@bp.route("/store", methods=["PUT", "POST", "DELETE", "PATCH"])
def graph_store_write():
    return text_response(403, (
        "This service is read-only: Graph Store Protocol writes are not accepted, "
        "and the data was not changed."))


def run_query(op: Operation) -> Response:
    settings = _settings()
    graph = current_graph()
    remote = graph.remote  # a remote store (KG_STORE_QUERY) instead of the embedded build
    store_path = None if remote else os.path.join(graph.target(), "store")
    accept = request.headers.get("Accept")
    try:
        req = query_request.make(op, accept, base_iri=endpoint_url(settings), max_rows=settings.max_rows,
                                 prefixes=atlas_prefixes(settings.base), store=store_path)
    except Refused as refusal:
        if refusal.status != 406 and _wants_html(accept, op.format_values):
            reply = {"status": refusal.status, "error": refusal.message}
            return Response(render_page(op, reply, None), status=refusal.status,
                            content_type="text/html; charset=utf-8")
        return text_response(refusal.status, refusal.message)
    # Read-only between builds: a non-HTML answer is cached per build and
    # request (web.cache), and revalidated by its ETag.
    cache_key = None
    if remote is None and req.format != "html":
        cache_key = (os.path.dirname(store_path), req)
        tag = etag(cache_key)
        if request.if_none_match.contains_weak(tag.strip('"')):
            return Response(status=304, headers=_validators(tag))
        cache = get_cache(settings.cache_mb)
        no_cache = "no-cache" in (request.headers.get("Cache-Control") or "").lower()
        hit = None if no_cache else cache.get(cache_key)
        if hit is not None:
            body, content_type, stored = hit
            request.environ[CACHE_ENVIRON_KEY] = cache_key
            return Response(body, status=200, content_type=content_type,
                            headers={**stored, "X-Cache": "hit"})
    started = time.perf_counter()
    executor = RemoteExecutor(remote) if remote else get_pool(settings)
    who = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                         settings.trusted_proxies)
    try:
        with current_app.extensions["kg_limits"].slot(who) as ticket:
            try:
                reply = executor.run(req, timeout=settings.query_timeout)
            except (QueryTimeout, WorkerCrashed) as exc:
                ticket.hold_until(exc.replaced)
                raise
    except TooManyRequests as exc:
        reply = {"status": 429, "error": exc.message,
                 "headers": {"Retry-After": str(exc.retry_after)}}
    except QueryTimeout as exc:
        reply = {"status": 503, "error": (
            f"Query exceeded the {exc.limit:g} s time limit ({exc.setting}) "
            "and was stopped. Make it more selective (fewer unbound patterns, a LIMIT), "
            f"or ask the operator to raise {exc.setting}.")}
    except StoreUnavailable as exc:
        reply = {"status": 503, "error": f"Service unavailable: {exc}. Try again in a moment.",
                 "headers": {"Retry-After": "5"}}
    except PoolBusy:
        reply = {"status": 503, "error": (
            f"All {executor.size} query workers are busy; try again in a moment."),
            "headers": {"Retry-After": "1"}}
    except WorkerCrashed as exc:
        first_line = next((line for line in op.query.splitlines() if line.strip()), "")[:200]
        if exc.out_of_memory:
            log.warning("query ran out of memory (%s): %s", exc.cause, first_line)
            reply = {"status": 503, "error": (
                f"Query ran out of memory (the limit is {settings.worker_memory_mb} MB per query, "
                "KG_WORKER_MEMORY_MB) and was stopped. Make it more selective "
                "(fewer unbound patterns, no ORDER BY over huge results, a LIMIT).")}
        else:
            log.error("the query engine crashed (%s) on: %s", exc.cause, first_line)
            reply = {"status": 500, "error": (
                f"The query engine crashed on this query ({exc.cause}) and was restarted; "
                "the query was not completed. Other queries are not affected. Please report "
                "the query to the operator.")}
    elapsed = time.perf_counter() - started
    status = reply["status"]
    headers = dict(reply.get("headers") or {})
    headers["Server-Timing"] = f"query;dur={elapsed * 1000:.1f}"
    if status == 200:
        headers["X-Rows"] = str(reply.get("rows", 0))
        if reply.get("truncated"):
            headers["X-Truncated"] = "true"
            headers["X-Row-Limit"] = str(settings.max_rows)
    if req.format == "html":
        return Response(render_page(op, reply, elapsed), status=status, headers=headers,
                        content_type="text/html; charset=utf-8")
    if status != 200:
        return text_response(status, reply["error"], headers)
    fmt = formats.BY_KEY[req.format]
    if cache_key is not None:
        body = reply["body"]
        body = body.encode("utf-8") if isinstance(body, str) else body
        stored = {k: v for k, v in headers.items() if k in ("X-Rows", "X-Truncated", "X-Row-Limit")}
        stored.update(_validators(tag))
        if cache.put(cache_key, body, fmt.content_type, stored):
            request.environ[CACHE_ENVIRON_KEY] = cache_key
        headers.update(_validators(tag))
        headers["X-Cache"] = "miss"
    return Response(reply["body"], status=200, headers=headers, content_type=fmt.content_type)


def _wants_html(accept: str | None, format_values) -> bool:
    """Whether a refused query's words go on the query page (a browser's
    request) rather than in plain text."""
    try:
        return getattr(formats.choose(formats.SELECT, accept, format_values), "key", None) == "html"
    except formats.UnknownFormat:
        return False


def _validators(tag: str) -> dict:
    return {"ETag": tag, "Cache-Control": f"public, max-age={MAX_AGE}"}


# --------------------------------------------------------------------------
# Service description and query page
# --------------------------------------------------------------------------

_description_cache: dict[tuple[str, str], list] = {}


def service_description(settings) -> list:
    """The SPARQL 1.1 Service Description of this endpoint, as triples."""
    graph = current_graph()
    key = (graph.target(), public("/"))
    if key in _description_cache:
        return _description_cache[key]
    store = graph.store()
    n = ox.NamedNode
    sd = lambda local: n(SD + local)  # noqa: E731
    a = n(RDF_TYPE)
    svc = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(svc, a, sd("Service")),
        ox.Triple(svc, sd("endpoint"), n(endpoint_url(settings))),
        ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(svc, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(svc, n("http://purl.org/dc/terms/title"),
                  ox.Literal("The integration atlas: SPARQL endpoint (read-only)", language="en")),
        ox.Triple(svc, n("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(
            f"Read-only SPARQL 1.1 Query. Limits: {settings.query_timeout:g} s per query, "
            f"{settings.max_rows} result rows (more are marked X-Truncated), "
            f"{settings.max_body} bytes per request body. SERVICE, updates and FROM of graphs "
            "not held here are refused. The prefixes declared here (sh:declare) may be used "
            "without a PREFIX line.", language="en")),
    ]
    # The predeclared prefixes, as SHACL prefix declarations (sh:declare).
    for i, (prefix, namespace) in enumerate(sorted(atlas_prefixes(settings.base).items())):
        node = ox.BlankNode(f"prefix{i}")
        triples += [
            ox.Triple(svc, n(SH + "declare"), node),
            ox.Triple(node, n(SH + "prefix"), ox.Literal(prefix)),
            ox.Triple(node, n(SH + "namespace"), ox.Literal(
                namespace, datatype=n("http://www.w3.org/2001/XMLSchema#anyURI"))),
        ]
    for local in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(svc, sd("resultFormat"), n(FORMATS_NS + local)))
    triples += [
        ox.Triple(svc, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
        ox.Triple(default, n("http://rdfs.org/ns/void#triples"), ox.Literal(str(len(store)), datatype=n(
            "http://www.w3.org/2001/XMLSchema#integer"))),
    ]
    for i, name in enumerate(store.graph_names()):
        node = ox.BlankNode(f"g{i}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, a, sd("NamedGraph")),
            ox.Triple(node, sd("name"), n(name)),
        ]
    _description_cache.clear()
    _description_cache[key] = triples
    return triples


def describe_or_page(op: Operation) -> Response:
    settings = _settings()
    try:
        fmt = formats.choose(formats.GRAPH, request.headers.get("Accept"), op.format_values)
    except formats.UnknownFormat as exc:
        return text_response(406, str(exc))
    if fmt is None:
        return text_response(406, (
            "None of the media types asked for can be produced for the service description. "
            f"Available: {formats.describe(formats.GRAPH)}."))
    if fmt.key == "html":
        return Response(render_page(op, None, None), content_type="text/html; charset=utf-8")
    from .sparql_results import graph as write_graph

    prefixes = {"sd": SD, "formats": FORMATS_NS, "void": "http://rdfs.org/ns/void#",
                "dcterms": "http://purl.org/dc/terms/", "rdfs": PREFIXES["rdfs"], "sh": SH}
    body = write_graph(service_description(settings), fmt.key, prefixes)
    return Response(body, content_type=fmt.content_type)
