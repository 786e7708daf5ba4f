"""Decide, on the parsed query, whether the endpoint may run it.

The endpoint is read-only and never reaches out on a user's behalf. Both
engines would reach out if let: Oxigraph evaluates ``SERVICE`` with its own
HTTP client, and rdflib evaluates ``SERVICE`` and loads ``FROM <iri>`` (even
``file:``). A text search is no defence (SPARQL expands ``\\u0053ERVICE``
before parsing), so every query is parsed with rdflib's SPARQL grammar (which
expands those escapes first) and the parse tree is checked:

* ``SERVICE`` anywhere (any case, ``SILENT``, ``SERVICE ?var``, nested in
  ``OPTIONAL``/``MINUS``/``EXISTS``/sub-queries) is refused;
* ``FROM``/``FROM NAMED`` may only name graphs the store holds (checked by
  the caller against the store, after prefixes and ``BASE`` are resolved);
* text that is not a query but parses as SPARQL Update is refused as an
  update.

Only then is the query handed to Oxigraph. rdflib is used only to parse,
never to evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

UPDATE_REFUSED = (
    "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, "
    "CREATE, ADD, MOVE, COPY) is not accepted, and the data was not changed.")
SERVICE_REFUSED = (
    "SERVICE (federated query) is not allowed: this endpoint never makes outbound "
    "requests on a user's behalf. Query only the data held here.")

FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


class Refused(Exception):
    """The query may not run: an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CheckedQuery:
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    #: IRIs of FROM and FROM NAMED in the query text (resolved).
    from_graphs: tuple[str, ...]
    from_named: tuple[str, ...]

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named)


def _parse_error(exc: ParseBaseException, what: str = "query") -> str:
    line = exc.line if isinstance(exc.line, str) else ""
    caret = " " * max(0, exc.col - 1) + "^"
    return (f"Malformed {what}: line {exc.lineno}, column {exc.col}: {exc.msg}\n"
            f"    {line}\n    {caret}")


def is_update(text: str) -> bool:
    """True when ``text`` parses as a (non-empty) SPARQL Update request."""
    try:
        parsed = parseUpdate(text)
    except Exception:
        return False
    return bool(parsed.get("request"))


def contains_service(tree) -> bool:
    """True if any node of an rdflib parse tree is a SERVICE pattern."""
    stack = [tree]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return True
            stack.extend(dict.values(node))
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(list(node))
    return False


def _check(text: str, base_iri: str | None) -> CheckedQuery:
    try:
        parsed = parseQuery(text)
    except ParseBaseException as exc:
        if is_update(text):
            raise Refused(403, UPDATE_REFUSED) from None
        raise Refused(400, _parse_error(exc)) from None
    except RecursionError:
        raise Refused(400, "Malformed query: nested too deeply to parse.") from None
    except Exception as exc:  # rdflib raises plain exceptions for some errors
        raise Refused(400, f"Malformed query: {exc}") from None
    if contains_service(parsed):
        raise Refused(403, SERVICE_REFUSED)
    form = FORMS.get(getattr(parsed[1], "name", ""), None)
    if form is None:
        raise Refused(400, "Malformed query: not a SELECT, ASK, CONSTRUCT or DESCRIBE query.")
    try:
        # Resolves prefixed names and relative IRIs of FROM / FROM NAMED.
        algebra = translateQuery(parsed, base=base_iri).algebra
    except RecursionError:
        raise Refused(400, "Malformed query: nested too deeply to parse.") from None
    except Exception as exc:
        raise Refused(400, f"Malformed query: {exc}") from None
    defaults, named = [], []
    # (CompValue.get returns the key itself for a missing key: use dict.get.)
    for clause in dict.get(algebra, "datasetClause") or ():
        if dict.get(clause, "default") is not None:
            defaults.append(str(dict.get(clause, "default")))
        if dict.get(clause, "named") is not None:
            named.append(str(dict.get(clause, "named")))
    return CheckedQuery(form, tuple(defaults), tuple(named))


@lru_cache(maxsize=512)
def _check_cached(text: str, base_iri: str | None):
    try:
        return _check(text, base_iri), None
    except Refused as refusal:
        return None, (refusal.status, refusal.message)


def check_query(text: str, base_iri: str | None = None) -> CheckedQuery:
    """Parse and check ``text``; raise ``Refused`` if it may not run.

    Parsing is slow next to running most queries, so verdicts are cached by
    the exact text."""
    checked, refusal = _check_cached(text, base_iri)
    if refusal:
        raise Refused(*refusal)
    return checked
