"""A remote SPARQL 1.1 store behind the same interface as ``OxigraphStore``.

Set ``KG_STORE_QUERY`` (and ``KG_STORE_UPDATE`` / ``KG_STORE_GRAPHS`` for
``kg push``) and the service reads from that server instead of the embedded
build. Answers are turned into pyoxigraph result objects, so callers cannot
tell the two stores apart.

* Every call goes through SPARQLWrapper with a real User-Agent, under one
  total time limit (``KG_STORE_TIMEOUT``; SPARQLWrapper's own timeout only
  bounds each socket read), with bounded retries and back-off on 429/503
  (honouring ``Retry-After``). A store that does not answer raises
  ``StoreUnavailable`` naming it; no connection is kept, so a store that
  restarts is simply used again.
* The dataset: ``kg push`` records the graphs of the current build in a
  pointer graph (``<base>id/push/current``). Readers pass them as the
  protocol's ``default-graph-uri`` and ``named-graph-uri``, so the default
  graph is the union of the atlas's graphs, as on the embedded store, and the
  staging graphs of a push in progress are never seen.
* Parameters (``substitutions``) become a ``VALUES`` block (see ``bind_values``) written
  from pyoxigraph terms (which validate and escape them): never pasted text.
* Credentials for the update and Graph Store endpoints go in their URLs'
  user-info (``http://user:password@host/...``) and are sent by HTTP Basic or
  Digest authentication when the store asks for them; messages never show them.
* Dialects: answers are read the same whatever SPARQL 1.1 store sent them.
  Virtuoso's ``typed-literal`` JSON terms, its ``1``/``0`` for
  ``xsd:boolean`` and its ``nodeID://`` blank node labels are read as the
  standard terms; a result cut at the store's own row limit (Virtuoso's
  ``ResultSetMaxRows``) is never taken for the whole answer: dumps read
  such a store in ordered pages.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from .namespaces import CANONICAL_BASE, PREFIXES
from . import formats
from .store import QUAD_FORMATS, RDF_FORMATS

try:
    VERSION = metadata.version("integration-atlas")
except metadata.PackageNotFoundError:  # running from a bare checkout
    VERSION = "0.1.0"
USER_AGENT = f"integration-atlas/{VERSION} (+{CANONICAL_BASE})"

#: Vocabulary of the pointer graph written by ``kg push``.
PUSH = "https://w3id.org/integration-atlas/def/push#"
#: Most attempts of one call when the store answers 429 or 503.
ATTEMPTS = 4
#: Longest single wait between attempts, whatever Retry-After says.
MAX_BACKOFF = 5.0
#: Rows per page when a store cuts long answers (Virtuoso's ResultSetMaxRows).
PAGE = 5_000
XSD = "http://www.w3.org/2001/XMLSchema#"


class StoreUnavailable(Exception):
    """The remote store is down, too slow, or refused the request."""

    status = 503


class StoreTimeout(StoreUnavailable):
    pass


def pointer_graph(base: str) -> str:
    return f"{base}id/push/current"


@dataclass(frozen=True)
class Manifest:
    """What the pointer graph says: the current push and its graphs."""

    stamp: str | None
    graphs: tuple[str, ...]     # the graphs of the current build
    visible: tuple[str, ...]    # what readers include (graphs + announced ones)


class _Response:
    def __init__(self, status: int, body: bytes, headers):
        self.status, self.body, self.headers = status, body, headers


class RemoteStore:
    """A SPARQL 1.1 Protocol (+ Graph Store Protocol) server as the store."""

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 graphs_url: str | None = None, timeout: float = 10.0,
                 base: str = CANONICAL_BASE, home: Path | str | None = None,
                 pointer_ttl: float = 2.0):
        if _credentials(query_url)[1]:
            raise ValueError("KG_STORE_QUERY takes no credentials: the atlas reads anonymously")
        self.query_url = query_url
        self.update_url = update_url
        self.graphs_url = graphs_url
        self.timeout = timeout
        self.base = base
        self.home = Path(home) if home else None
        self.pointer_ttl = pointer_ttl
        self._manifest: Manifest | None = None
        self._manifest_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "RemoteStore":
        return cls(settings.store_query, update_url=settings.store_update,
                   graphs_url=settings.store_graphs, timeout=settings.store_timeout,
                   base=settings.base, home=settings.home)

    # ------------------------------------------------------------------
    # HTTP, under one deadline
    # ------------------------------------------------------------------

    def _call(self, url: str, send, timeout: float | None = None) -> _Response:
        """Run ``send(seconds_left)`` (one HTTP exchange returning a
        ``_Response``) with retries, all within the total time limit."""
        limit = self.timeout if timeout is None else timeout
        url = _credentials(url)[0]  # messages name the store, never its password
        deadline = time.monotonic() + limit
        attempt = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreTimeout(
                    f"the SPARQL store at {url} did not answer within {limit:g} s "
                    "(KG_STORE_TIMEOUT)")
            box: dict = {}

            def run():
                try:
                    box["ok"] = send(left)
                except BaseException as exc:  # handed to the caller's thread
                    box["error"] = exc

            worker = threading.Thread(target=run, name="kg-remote-call", daemon=True)
            worker.start()
            worker.join(left)
            if worker.is_alive():  # the socket times out later; nobody waits for it
                raise StoreTimeout(
                    f"the SPARQL store at {url} did not answer within {limit:g} s "
                    "(KG_STORE_TIMEOUT)")
            exc = box.get("error")
            if exc is None:
                return box["ok"]
            attempt += 1
            if isinstance(exc, urllib.error.HTTPError) and exc.code in (429, 503):
                wait = _retry_after(exc.headers, default=0.2 * 2 ** (attempt - 1))
                if attempt >= ATTEMPTS or time.monotonic() + wait >= deadline:
                    raise StoreUnavailable(
                        f"the SPARQL store at {url} is busy or unavailable "
                        f"(HTTP {exc.code} after {attempt} attempts)") from None
                time.sleep(wait)
                continue
            if isinstance(exc, QueryBadFormed):
                raise SyntaxError(f"the store rejected the query: {_text(exc)}") from None
            if isinstance(exc, urllib.error.HTTPError):
                raise StoreUnavailable(
                    f"the SPARQL store at {url} answered HTTP {exc.code}: "
                    f"{_text(exc.read())[:500]}") from None
            if isinstance(exc, SPARQLWrapperException):
                raise StoreUnavailable(f"the SPARQL store at {url} failed: {_text(exc)[:500]}") from None
            if isinstance(exc, (OSError, urllib.error.URLError)):
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                    raise StoreTimeout(
                        f"the SPARQL store at {url} did not answer within {limit:g} s "
                        "(KG_STORE_TIMEOUT)") from None
                raise StoreUnavailable(f"the SPARQL store at {url} did not answer: {reason}") from None
            raise exc

    def _sparql(self, url: str, text: str, *, fmt=None, params=(), update=False,
                timeout: float | None = None, form: str = "SELECT") -> _Response:
        def send(left: float) -> _Response:
            sw = SPARQLWrapper(url, agent=USER_AGENT)
            sw.setMethod(POST)
            sw.setOnlyConneg(True)  # no format=/output= parameters: Accept says it
            if update:
                sw.setRequestMethod(POSTDIRECTLY)
            sw.setQuery(text)
            if not update:
                # SPARQLWrapper guesses the form from the text and can take a
                # query for an update (a word in a comment): say what it is.
                sw.queryType = form
            if fmt is not None:
                sw.setReturnFormat(fmt)
            for name, value in params:
                sw.addParameter(name, value)
            sw.setTimeout(max(1, int(left + 0.999)))
            response = sw.query().response
            try:
                return _Response(response.status, response.read(), response.headers)
            finally:
                response.close()
        return self._call(url, send, timeout)

    def _http(self, method: str, url: str, body: bytes | None, content_type: str | None,
              timeout: float | None = None) -> _Response:
        plain, login = _credentials(url)
        if login:  # answer the store's Basic or Digest challenge with the URL's user-info
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, plain, *login)
            opener = urllib.request.build_opener(
                urllib.request.HTTPDigestAuthHandler(passwords),
                urllib.request.HTTPBasicAuthHandler(passwords))
        else:
            opener = urllib.request.build_opener()

        def send(left: float) -> _Response:
            req = urllib.request.Request(plain, data=body, method=method)
            req.add_header("User-Agent", USER_AGENT)
            if content_type:
                req.add_header("Content-Type", content_type)
            with opener.open(req, timeout=left) as r:
                return _Response(r.status, r.read(), r.headers)
        return self._call(url, send, timeout)

    # ------------------------------------------------------------------
    # The pointer graph
    # ------------------------------------------------------------------

    def manifest(self, fresh: bool = False) -> Manifest:
        now = time.monotonic()
        if not fresh and self._manifest is not None and now - self._manifest_at < self.pointer_ttl:
            return self._manifest
        pointer = pointer_graph(self.base)
        text = (f"SELECT ?p ?o WHERE {{ GRAPH <{pointer}> {{ <{pointer}> ?p ?o }} }}")
        body = self._sparql(self.query_url, text, fmt=JSON).body
        stamp, graphs, pending = None, [], []
        for sol in _results(body):
            p, o = sol["p"].value, sol["o"]
            if p == PUSH + "stamp":
                stamp = o.value
            elif p == PUSH + "graph":
                graphs.append(o.value)
            elif p == PUSH + "pending":
                pending.append(o.value)
        graphs.sort()
        manifest = Manifest(stamp, tuple(graphs), tuple(sorted(set(graphs) | set(pending))))
        with self._lock:
            self._manifest, self._manifest_at = manifest, time.monotonic()
        return manifest

    def target(self) -> str:
        """A folder under KG_HOME for the current push (dump cache); changes
        with every push, like a build folder."""
        stamp = self.manifest().stamp or "none"
        root = self.home if self.home else Path("var")
        folder = root / "remote" / stamp
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder)

    # ------------------------------------------------------------------
    # The Store interface
    # ------------------------------------------------------------------

    def query(self, sparql: str, *, default_graph_uris: Iterable[str] = (),
              named_graph_uris: Iterable[str] = (), substitutions=None,
              base_iri: str | None = None, union_default: bool = True,
              prefixes: dict[str, str] | None = None):
        defaults, named = list(default_graph_uris), list(named_graph_uris)
        params: list[tuple[str, str]] = []
        if defaults or named:
            visible = None
            if not named:  # as on the embedded store: every graph stays nameable
                visible = self.manifest().visible
            params += [("default-graph-uri", g) for g in defaults]
            params += [("named-graph-uri", g) for g in (named or visible)]
        elif union_default:
            visible = self.manifest().visible
            params += [("default-graph-uri", g) for g in visible]
            params += [("named-graph-uri", g) for g in visible]
        text = sparql
        if substitutions:
            if "service" not in sparql.lower():
                # Refuse what the embedded store refuses (a bound variable must be
                # projected), with its own error, by trying it on an empty store.
                ox.Store().query(sparql, substitutions=substitutions, prefixes=prefixes or {})
            text = bind_values(text, substitutions)
        if prefixes:
            # The store does not know the predeclared prefixes: declare those
            # the query does not declare itself.
            text = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes.items()
                           if not re.search(rf"PREFIX\s+{re.escape(name)}\s*:", text, re.I)) + text
        if base_iri:
            text = f"BASE <{ox.NamedNode(base_iri).value}>\n" + text
        form = query_form(text)
        if form in ("CONSTRUCT", "DESCRIBE"):
            body = self._sparql(self.query_url, text, fmt=TURTLE, params=params, form=form).body
            try:
                quads = ox.parse(body, format=ox.RdfFormat.TURTLE)
                return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
            except SyntaxError as exc:
                raise StoreUnavailable(
                    f"the SPARQL store at {self.query_url} sent unreadable Turtle: {exc}") from None
        try:
            body = self._sparql(self.query_url, text, fmt=JSON, params=params, form=form).body
        except SyntaxError:
            # Some stores (Virtuoso) refuse ORDER BY over an aggregate's alias
            # (ORDER BY LCASE(?label) with SAMPLE(?l) AS ?label): order the
            # grouped query from outside, as a subquery, and try once more.
            outside = order_outside(text)
            if outside is None:
                raise
            body = self._sparql(self.query_url, outside, fmt=JSON, params=params, form=form).body
        try:
            return _results(body)
        except (SyntaxError, ValueError) as exc:
            raise StoreUnavailable(
                f"the SPARQL store at {self.query_url} sent unreadable results: {exc}") from None

    def _quads(self, timeout: float | None = None):
        visible = self.manifest().visible
        params = [("named-graph-uri", g) for g in visible]
        response = self._sparql(self.query_url,
                                "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                fmt=JSON, params=params, timeout=timeout)
        if _cut(response) is None:
            for sol in _results(response.body):
                yield ox.Quad(sol["s"], sol["p"], sol["o"], sol["g"])
            return
        # The store stopped at its own row limit: read graph by graph, each in
        # pages of a total order (sorted inside a subquery, so that Virtuoso's
        # limit on sorted rows, MaxSortedTopRows, does not apply to the offset).
        for g in visible:
            graph = ox.NamedNode(g)
            offset = 0
            while True:
                text = ("SELECT ?s ?p ?o WHERE { { SELECT ?s ?p ?o WHERE { GRAPH %s { ?s ?p ?o } } "
                        "ORDER BY ?s ?p ?o } } LIMIT %d OFFSET %d" % (graph, PAGE, offset))
                page = self._sparql(self.query_url, text, fmt=JSON, params=params,
                                    timeout=timeout)
                limit = _cut(page)
                if limit is not None and limit < PAGE:
                    raise StoreUnavailable(
                        f"the SPARQL store at {self.query_url} answers at most {limit} rows "
                        f"a request; the atlas reads in pages of {PAGE}")
                n = 0
                for sol in _results(page.body):
                    n += 1
                    yield ox.Quad(sol["s"], sol["p"], sol["o"], graph)
                if n < PAGE:
                    break
                offset += PAGE

    def dump(self, output: IO[bytes], fmt: str) -> None:
        """Every graph of the current push: quads for N-Quads/TriG, the union otherwise."""
        quads = self._quads(timeout=max(self.timeout, 60.0))
        if fmt in QUAD_FORMATS:
            ox.serialize(quads, output, RDF_FORMATS[fmt], prefixes=PREFIXES if fmt == "trig" else None)
            return
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        ox.serialize(triples, output, RDF_FORMATS[fmt], prefixes=PREFIXES)

    def graph_names(self) -> list[str]:
        return list(self.manifest().graphs)

    def __len__(self) -> int:
        graphs = self.manifest().graphs
        params = [("named-graph-uri", g) for g in graphs]
        body = self._sparql(self.query_url,
                            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                            fmt=JSON, params=params).body
        for sol in _results(body):
            return int(sol["n"].value)
        return 0

    # ------------------------------------------------------------------
    # Writing (used by kg push)
    # ------------------------------------------------------------------

    def update(self, text: str, timeout: float | None = None) -> None:
        if not self.update_url:
            raise StoreUnavailable("no SPARQL Update endpoint is configured (KG_STORE_UPDATE)")
        if _credentials(self.update_url)[1]:
            # SPARQLWrapper's Digest support replaces urllib's global opener:
            # send the update (the protocol's POST directly) ourselves.
            self._http("POST", self.update_url, text.encode("utf-8"),
                       "application/sparql-update; charset=UTF-8", timeout)
            return
        self._sparql(self.update_url, text, update=True, timeout=timeout)

    def put_graph(self, graph: str, ntriples: bytes, timeout: float | None = None,
                  method: str = "PUT") -> None:
        """Graph Store Protocol: replace ``graph`` with an N-Triples body
        (``method="POST"``: add the body to it)."""
        from urllib.parse import quote

        sep = "&" if "?" in self.graphs_url else "?"
        url = f"{self.graphs_url}{sep}graph={quote(graph, safe='')}"
        self._http(method, url, ntriples, formats.NTRIPLES.media_type, timeout)


def _credentials(url: str | None) -> tuple[str | None, tuple[str, str] | None]:
    """The URL without its user-info, and the user name and password in it."""
    if not url:
        return url, None
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.netloc.rpartition("@")[2]
    return (urlunsplit(parts._replace(netloc=host)),
            (unquote(parts.username), unquote(parts.password or "")))


def _cut(response: _Response) -> int | None:
    """The store's row limit, when it says it cut this answer there
    (Virtuoso's ``X-SPARQL-MaxRows`` header)."""
    value = response.headers.get("X-SPARQL-MaxRows") if response.headers is not None else None
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _term(value: dict) -> dict:
    """One SPARQL JSON results term, as the standard writes it."""
    kind = value.get("type")
    if kind == "typed-literal":  # SPARQL 1.0's JSON form (Virtuoso)
        value = {**value, "type": "literal"}
    if kind == "bnode" and ":" in value.get("value", ""):
        # Virtuoso labels blank nodes "nodeID://b10001": not a valid label.
        value = {**value, "value": re.sub(r"[^A-Za-z0-9]", "", value["value"])}
    if value.get("datatype") == XSD + "boolean" and value.get("value") in ("1", "0"):
        # Virtuoso keeps booleans as integers and writes 1/0 in JSON results.
        value = {**value, "value": "true" if value["value"] == "1" else "false"}
    return value


def _results(body: bytes):
    """pyoxigraph results from a SPARQL JSON results document, after
    reading the dialects above as the standard terms."""
    if not any(mark in body for mark in (b"typed-literal", b"nodeID:", b"XMLSchema#boolean")):
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    data = json.loads(body)
    results = data.get("results")
    if isinstance(results, dict) and isinstance(results.get("bindings"), list):
        results["bindings"] = [{k: _term(v) for k, v in row.items()}
                               for row in results["bindings"]]
        body = json.dumps(data).encode("utf-8")
    return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)


def values_clause(substitutions) -> str:
    """``VALUES (?a ?b) { (<iri> "text") }`` from pyoxigraph variables and
    terms; their N-Triples forms are validated and escaped by pyoxigraph."""
    names, cells = [], []
    for var, term in substitutions.items():
        name = var.value if isinstance(var, ox.Variable) else ox.Variable(str(var)).value
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise ValueError(f"cannot bind ?{name} to {term!r}: only IRIs and literals")
        names.append(str(ox.Variable(name)))
        cells.append(str(term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(cells)}) }}"


_NOISE = re.compile(r"""<[^<>"{}|^`\\\s]*>|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|#[^\n]*""")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword outside
    IRIs, strings and comments (subqueries come after the outer one)."""
    match = _FORM.search(_NOISE.sub(" ", text))
    return match.group(1).upper() if match else "SELECT"


#: The comment ``# parameters`` at the start of a subquery's WHERE group.
#: Standard SPARQL evaluates a subquery before the bindings of the query
#: around it, so a subquery that limits or filters by a parameter must bind
#: it itself: on a remote store the line becomes the same ``VALUES`` block.
#: (Oxigraph's own substitutions reach subqueries already, and a ``VALUES``
#: block there leads its planner astray: 1 s instead of 5 ms for the claims
#: of a small resource at a million triples. The embedded store keeps them.)
PARAMETERS_LINE = re.compile(r"(?m)^([ \t]*)# parameters\b.*$")


def bind_values(text: str, substitutions) -> str:
    """The query with its parameters bound by a ``VALUES`` block at the start
    of its outer WHERE group, so they are bound before any FILTER, OPTIONAL,
    aggregate or LIMIT of the query (as Oxigraph's substitutions are), and
    at each ``# parameters`` line of a subquery.

    A query without such a group gets one, as the standard reads it, because
    some stores (Virtuoso) take a trailing ``VALUES`` for SELECT only: the
    ``CONSTRUCT WHERE { T }`` short form becomes ``CONSTRUCT { T } WHERE {
    VALUES ... T }``, and ``DESCRIBE ?x`` without WHERE becomes ``DESCRIBE ?x
    WHERE { VALUES ... }`` (before any solution modifier)."""
    clause = values_clause(substitutions)
    text = PARAMETERS_LINE.sub(lambda m: m.group(1) + clause, text)
    masked = _NOISE.sub(lambda m: " " * len(m.group()), text)
    form = _FORM.search(masked)
    if form:
        kind = form.group(1).upper()
        start = masked.find("{", form.end())
        short = re.fullmatch(r"\s*WHERE\s*", masked[form.end():max(start, 0)], re.IGNORECASE)
        if kind == "CONSTRUCT" and short:
            # CONSTRUCT WHERE { T }: the template is the pattern.
            end = _close(masked, start)
            body = text[start + 1:end]
            return (f"{text[:form.end()]} {{{body}}}\nWHERE {{ {clause}\n{body}}}"
                    f"{text[end + 1:]}")
        if start >= 0 and kind == "CONSTRUCT":
            start = masked.find("{", _close(masked, start) + 1)  # skip the template
        if kind == "DESCRIBE" and start < 0:
            modifier = re.compile(r"\b(ORDER|LIMIT|OFFSET)\b", re.IGNORECASE).search(
                masked, form.end())
            at = modifier.start() if modifier else len(text)
            return f"{text[:at].rstrip()}\nWHERE {{ {clause} }}\n{text[at:]}"
        if start >= 0:
            if re.match(r"\s*SELECT\b", masked[start + 1:], re.IGNORECASE):
                # { SELECT ... } stands alone in its group: wrap it in another.
                end = _close(masked, start)
                return (f"{text[:start + 1]} {clause}\n{{{text[start + 1:end]}}}"
                        f"{text[end:]}")
            return f"{text[:start + 1]} {clause}\n{text[start + 1:]}"
    return text + "\n" + clause


def order_outside(text: str) -> str | None:
    """``SELECT ?a ?b WHERE { { SELECT ... GROUP BY ... } } ORDER BY ... LIMIT
    ...``: a grouped SELECT with its ORDER BY, LIMIT and OFFSET moved to an
    outer query that projects the same variables in the same order; the same
    solutions by the standard. None when the query is not of that shape."""
    masked = _NOISE.sub(lambda m: " " * len(m.group()), text)
    form = _FORM.search(masked)
    if not form or form.group(1).upper() != "SELECT":
        return None
    start = masked.find("{", form.end())
    if start < 0:
        return None
    tail = masked[_close(masked, start) + 1:]
    group = re.search(r"\bGROUP\s+BY\b", tail, re.IGNORECASE)
    order = re.search(r"\bORDER\s+BY\b", tail, re.IGNORECASE)
    if not group or not order or re.search(r"\bVALUES\b", tail[order.start():], re.IGNORECASE):
        return None
    try:
        names = ox.Store().query(text).variables
    except (SyntaxError, TypeError, ValueError):
        return None
    at = len(text) - len(tail) + order.start()
    return (f"{text[:form.start()]}SELECT {' '.join(str(v) for v in names)} WHERE {{ {{\n"
            f"{text[form.start():at]}\n}} }}\n{text[at:]}")


def _close(masked: str, start: int) -> int:
    """Index of the brace closing the one at ``start``."""
    depth = 0
    for end in range(start, len(masked)):
        depth += {"{": 1, "}": -1}.get(masked[end], 0)
        if depth == 0:
            return end
    return len(masked)


def _retry_after(headers, default: float) -> float:
    value = headers.get("Retry-After") if headers is not None else None
    wait = default
    if value:
        try:
            wait = float(value)
        except ValueError:
            try:
                wait = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                pass
    return min(max(wait, 0.0), MAX_BACKOFF)


def _text(value) -> str:
    if isinstance(value, SPARQLWrapperException):
        value = value.args[0] if value.args else str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()
