"""Terms, links and named queries for the pages.

Every IRI shown on a page goes through ``Term``: IRIs under the instance base
link to their local path (``/id/...``), ontology terms to ``/def/...``, other
http(s) IRIs to the generic ``/-/resource?uri=`` page (and out to the IRI
itself). IRIs with any other scheme (``javascript:``, ``data:``...) never
become links; they are shown as text.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from flask import current_app, request
from werkzeug.exceptions import NotFound

from kg import queries as named
from kg.namespaces import IA, PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
IA_NS = str(IA)

#: Extra vocabularies shown with a prefix.
EXTRA_PREFIXES = {
    "vann": "http://purl.org/vocab/vann/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}

#: Instance folders (see data/README.md) and the prefixes used for them.
INSTANCE_FOLDERS = {
    "prog": "programme", "site": "site", "wave": "wave", "orgn": "organisation",
    "person": "person", "doc": "document", "claim": "claim", "place": "place",
    "fy": "period", "cm": "care-model", "measure": "measure", "unit": "unit",
    "kind": "value-kind", "evt": "event-type", "role": "role", "grade": "reliability",
    "precision": "date-precision", "ptype": "programme-type", "otype": "organisation-type",
    "scheme": "scheme", "graph": "graph",
}


@functools.lru_cache(maxsize=8)
def prefixes_for(base: str) -> dict[str, str]:
    """Every prefix we write or show: vocabularies, then instance folders under ``base``."""
    out = dict(PREFIXES)
    out.update(EXTRA_PREFIXES)
    out.update({p: f"{base}id/{folder}/" for p, folder in INSTANCE_FOLDERS.items()})
    return out


def settings():
    return current_app.config["KG"]


def base() -> str:
    return settings().base


#: A Host header that can stand in an absolute URL (name or address, port).
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def public(path: str = "/") -> str:
    """An absolute URL of this service: under ``KG_PUBLIC_URL`` (or the bound
    address, see ``web.server``) when set, else under the host the request
    came to; a Host header that is not a plain host and port is not echoed."""
    root = settings().public_url
    if not root:
        host = request.host if _HOST.fullmatch(request.host) else "localhost"
        root = f"{request.scheme}://{host}/"
    return root.rstrip("/") + path


def context_url() -> str:
    """The published JSON-LD ``@context`` that documents and dumps refer to."""
    return public("/-/context.jsonld")


def curie(iri: str) -> str | None:
    """``ia:Programme`` for an IRI in a known namespace, else None."""
    best = None
    for prefix, ns in prefixes_for(base()).items():
        if iri.startswith(ns) and len(iri) > len(ns):
            local = iri[len(ns):]
            if "/" in local or "#" in local:
                continue
            if best is None or len(ns) > len(best[1]):
                best = (prefix, ns)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else None


def expand_curie(text: str) -> str | None:
    prefix, sep, local = text.partition(":")
    ns = prefixes_for(base()).get(prefix) if sep else None
    return ns + local if ns and local and not local.startswith("//") else None


def is_web_iri(iri: str) -> bool:
    try:
        parts = urlsplit(iri)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


_PATH_SAFE = "/-_.~!$&'()*+,;=:@"


def local_path(iri: str) -> str | None:
    """The path this service answers ``iri`` at, for IRIs it is the home of."""
    b = base()
    if iri.startswith(b + "id/") and len(iri) > len(b) + 3:
        return "/" + quote(iri[len(b):], safe=_PATH_SAFE)
    if iri.startswith(IA_NS):
        return "/def/" + quote(iri[len(IA_NS):], safe=_PATH_SAFE)
    return None


def href_for(iri: str) -> str | None:
    """Where a link to ``iri`` goes on our pages, or None if it must not be a link."""
    path = local_path(iri)
    if path:
        return path
    if is_web_iri(iri) or iri.startswith("urn:"):
        return "/-/resource?uri=" + quote(iri, safe="")
    return None


def iri_for_path(path: str) -> str:
    """Inverse of ``local_path`` for a request path such as ``id/programme/x``."""
    return base() + path


@dataclass
class Term:
    """One RDF term ready for a template."""
    kind: str                 # "iri", "literal", "bnode"
    value: str                # the IRI, lexical form or blank node id
    label: str | None = None  # a label from the graph, for IRIs
    lang: str | None = None
    datatype: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.kind == "iri"

    @property
    def is_literal(self) -> bool:
        return self.kind == "literal"

    @property
    def curie(self) -> str | None:
        return curie(self.value) if self.kind == "iri" else None

    @property
    def href(self) -> str | None:
        return href_for(self.value) if self.kind == "iri" else None

    @property
    def external(self) -> str | None:
        """A link out to the IRI itself (http(s) IRIs we are not the home of)."""
        if self.kind == "iri" and is_web_iri(self.value) and local_path(self.value) is None:
            return self.value
        return None

    @property
    def text(self) -> str:
        """What to show: the label, else a prefixed name, else the IRI or value."""
        if self.kind == "iri":
            return self.label or self.curie or self.value
        if self.kind == "bnode":
            return "_:" + self.value
        return self.value

    @property
    def datatype_curie(self) -> str | None:
        if not self.datatype or self.datatype == XSD + "string":
            return None
        return curie(self.datatype) or self.datatype

    @property
    def sort_key(self):
        return (self.kind != "iri", self.text.lower())

    def __str__(self) -> str:
        return self.text


def term(t, label=None) -> Term | None:
    """A ``Term`` from a pyoxigraph term (and optional label term)."""
    if t is None:
        return None
    lab = label.value if label is not None else None
    if isinstance(t, ox.NamedNode):
        return Term("iri", t.value, label=lab)
    if isinstance(t, ox.BlankNode):
        return Term("bnode", t.value)
    if isinstance(t, ox.Literal):
        return Term("literal", t.value, lang=t.language, datatype=t.datatype.value if t.datatype else None)
    return Term("literal", str(t))


def iri_term(iri: str, label: str | None = None) -> Term:
    return Term("iri", iri, label=label)


def money(value) -> str:
    """£329m, £1.5bn, £60,000 — a short form of an amount in pounds."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if d < 0 else ""
    d = abs(d)
    if d >= 1_000_000_000:
        return f"{sign}£{(d / 1_000_000_000).quantize(Decimal('0.01')).normalize():f}bn"
    if d >= 1_000_000:
        m = (d / 1_000_000).quantize(Decimal("0.1")).normalize()
        return f"{sign}£{m:f}m"
    return f"{sign}£{d.quantize(Decimal('1')):,}"


def number(value) -> str:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    d = d.normalize()
    if d == d.to_integral_value():
        return f"{d.quantize(Decimal('1')):,}"
    return f"{d:f}"


# ---------------------------------------------------------------------------
# Named queries


@functools.lru_cache(maxsize=None)
def named_query(name: str) -> named.NamedQuery:
    return named.get(name)


def query_text(name: str) -> str:
    return named_query(name).text


#: A line of a named query that ``page=`` replaces with ``LIMIT n OFFSET m``:
#: the comment ``# page`` closing a subquery that picks one page of items.
#: Without ``page=`` it stays a comment, and the subquery picks them all.
PAGE_LINE = re.compile(r"(?m)^([ \t]*)# page\b.*$")
#: A line that ``run`` replaces with a ``VALUES`` block of terms the caller
#: holds (``values=``): resources an earlier query of the same page found,
#: so that a query looks up those and no others. Without it the query covers
#: every resource.
VALUES_LINE = re.compile(r"(?m)^([ \t]*)# values\b.*$")
#: A line that ``run`` replaces with ``filters``: triple patterns made by the
#: caller from validated IRIs only (a class index's facet filters).
FILTERS_LINE = re.compile(r"(?m)^([ \t]*)# filters\b.*$")


def named_node(iri: str) -> ox.NamedNode:
    """The IRI a page asks about, as a term. One that is not a valid IRI
    (a space, ``<``, a control character...) names nothing in the graph: 404."""
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise NotFound(f"{iri!r} is not a valid IRI ({exc}), so nothing in the atlas has it.") from None


def values_block(var: str, terms) -> str:
    """``VALUES ?var { ... }`` of pyoxigraph terms or IRIs, each written by
    pyoxigraph (an IRI that is not valid raises NotFound)."""
    if not re.fullmatch(r"\w+", var):
        raise ValueError(f"not a variable name: {var!r}")
    cells = " ".join(str(named_node(t) if isinstance(t, str) else t) for t in dict.fromkeys(terms))
    return f"VALUES ?{var} {{ {cells} }}"


def with_values(text: str, var: str, terms) -> str:
    """``text`` with its ``# values`` line filled by ``values_block``."""
    text, found = VALUES_LINE.subn(lambda m: m.group(1) + values_block(var, terms), text, count=1)
    if not found:
        raise ValueError("the query has no '# values' line")
    return text


def run(name: str, tail: str = "", page: tuple[int, int] | None = None, filters: str = "",
        values: tuple[str, list] | None = None, **params):
    """Run a named query against the current build.

    ``params`` are bound with Oxigraph substitutions (IRIs as ``str`` become
    named nodes; pyoxigraph terms are passed as they are), never pasted into
    the text (a remote store binds them with ``VALUES``: see
    ``kg.remote.bind_values``). ``tail`` is a fixed
    clause built from validated numbers and whitelisted orderings only
    (``ORDER BY ... LIMIT n OFFSET m``). ``page=(limit, offset)`` fills the
    ``# page`` line of a query whose page is picked by a subquery (so that
    details are looked up for that page only); it too is made of whole
    numbers only. ``values=(var, terms)`` fills its ``# values`` line with
    a VALUES block of those terms (``values_block``).
    """
    from kg.store import OxigraphStore

    from .graph import current_store

    subs = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, str):
            value = named_node(value)
        subs[ox.Variable(key)] = value
    store = current_store()
    text = query_text(name)
    if filters:
        text, found = FILTERS_LINE.subn(lambda m: m.group(1) + filters, text)
        if not found:
            raise ValueError(f"{name} has no '# filters' line")
    if values is not None:
        text = with_values(text, *values)
    if page is not None:
        limit, offset = (int(n) for n in page)
        text, found = PAGE_LINE.subn(lambda m: f"{m.group(1)}LIMIT {limit} OFFSET {offset}", text, count=1)
        if not found:
            raise ValueError(f"{name} has no '# page' line")
    if tail:
        text = text.rstrip() + "\n" + tail
    if isinstance(store, OxigraphStore):
        kept = None if (filters or page or tail or values) else _kept_answer(name, subs)
        if kept is not None:
            return PageSolutions(*kept)
        return _run_in_worker(text, subs)
    return store.query(text, substitutions=subs or None)


def _kept_answer(name: str, subs: dict):
    """The build's own answer to a named query it keeps (``kg.page_tables``):
    a whole-graph query asked as it is, or one asked about one member of the
    class it is kept for; None if the build kept no such answer."""
    from kg import page_tables

    from .graph import current_graph

    q = named_query(name)
    if not q.build_table:
        return None
    if q.table_for_each is None:
        return None if subs else page_tables.read_table(current_graph().target(), name)
    values = [v for k, v in subs.items() if k.value in q.params]
    if len(subs) != 1 or len(values) != 1 or not isinstance(values[0], ox.NamedNode):
        return None
    return page_tables.read_table(current_graph().target(), name, values[0].value)


class PageSolutions(list):
    """A page query's solutions (dicts of name -> term), with ``variables``."""

    def __init__(self, names: list[str], rows: list[tuple]):
        super().__init__(dict(zip(names, row)) for row in rows)
        self.variables = [ox.Variable(n) for n in names]


def _run_in_worker(text: str, subs: dict):
    """Run a page's query in a killable query worker, under the time limit
    (``KG_QUERY_TIMEOUT``), on the build this request reads."""
    import os

    from werkzeug.exceptions import InternalServerError, ServiceUnavailable

    from .graph import current_graph
    from .query_workers import PoolBusy, QueryTimeout, WorkerCrashed, get_pool

    limit = settings().query_timeout
    req = {"kind": "page", "store": os.path.join(current_graph().target(), "store"), "text": text,
           "substitutions": {var.value: term for var, term in subs.items()}}
    pool = get_pool(settings())
    try:
        reply = pool.run(req, timeout=limit, wait=limit)
    except QueryTimeout:
        raise ServiceUnavailable(
            f"This page took longer than the {limit:g} s time limit (KG_QUERY_TIMEOUT) to make "
            "and was stopped. Try again in a moment.", retry_after=5) from None
    except PoolBusy:
        raise ServiceUnavailable("All query workers are busy; try again in a moment.",
                                 retry_after=1) from None
    except WorkerCrashed as exc:
        raise InternalServerError(f"The query engine crashed making this page ({exc.cause}).") from None
    if reply.get("status") != 200:
        raise InternalServerError(reply.get("error") or "A page query failed.")
    if "triples" in reply:
        return reply["triples"]
    if "boolean" in reply:
        return reply["boolean"]
    return PageSolutions(reply["vars"], reply["rows"])


def rows(name: str, tail: str = "", page: tuple[int, int] | None = None, filters: str = "",
         values: tuple[str, list] | None = None, **params) -> list[dict]:
    """Solutions as dicts of variable name -> pyoxigraph term (missing = None)."""
    result = run(name, tail, page, filters, values, **params)
    names = [v.value for v in result.variables]
    return [{n: sol[n] for n in names} for sol in result]


def per_build(fn):
    """Cache a function's result for the build currently served.

    For facts that depend only on the build (dataset statistics, class
    counts, the ontology's axioms): the first call after a new build is
    published pays for the queries, once per process; later calls are free.
    """
    cache: dict = {}
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper():
        from .graph import current_graph

        target = current_graph().target()
        if target not in cache:
            with lock:
                if target not in cache:
                    value = fn()
                    cache.clear()
                    cache[target] = value
        return cache[target]
    return wrapper


def per_build_memo(maxsize: int = 1024):
    """Like ``per_build`` for a function of hashable arguments, keeping the
    ``maxsize`` most recently used results (for small answers that are dear
    to compute for some arguments, such as counts of links to a hub)."""
    def decorate(fn):
        cache: OrderedDict = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args):
            from .graph import current_graph

            key = (current_graph().target(), *args)
            with lock:
                if key in cache:
                    cache.move_to_end(key)
                    return cache[key]
            value = fn(*args)
            with lock:
                cache[key] = value
                while len(cache) > maxsize:
                    cache.popitem(last=False)
            return value
        return wrapper
    return decorate


def val(t) -> str | None:
    return None if t is None else t.value


def truth(t) -> bool:
    """A boolean a query computed (``EXISTS``, a comparison). Virtuoso 7 writes
    every SPARQL boolean as the integer 1 or 0 in its results, so both
    spellings count."""
    return t is not None and t.value in ("true", "1")
