"""Decide whether the endpoint may run a query, without ever refusing a valid one.

The endpoint is read-only and never reaches out on a user's behalf, but
Oxigraph would evaluate ``SERVICE`` with its own HTTP client. A text search
is no defence (SPARQL expands ``\\u0053ERVICE`` before parsing, and the word
may sit in an IRI, a string, a comment or a name), and a second SPARQL
grammar is no good judge either: it refuses valid queries the engine runs
(rdflib's did, for negative numbers, long patterns and deep nesting).

So the engine's own parser is the judge. ``SERVICE`` is a keyword, and a
keyword is the only place where replacing its letters breaks a query: in an
IRI, a string, a comment, a variable, a prefixed name (declaration and uses
renamed alike) or a language tag, other letters parse just as well. The guard
finds every run of the letters ``service`` (any case, each letter written
plainly or as a ``\\u``/``\\U`` escape) and, if there is one, has Oxigraph
parse the query with those runs rewritten in a letter the query does not
otherwise use:

* the rewritten query parses: the query has no ``SERVICE`` keyword, and the
  original runs unchanged;
* it does not: the query is refused (403 when the lexer below sees the
  keyword, else 400 with the parser's message, since it is malformed).

A query without those letters cannot contain ``SERVICE`` and goes straight
to Oxigraph, whose parse errors come back as 400 with line, column and caret.

The small lexer here (strings, IRIs, comments, names, numbers) only chooses
words and reads the dataset clause: ``FROM``/``FROM NAMED`` may only name
graphs the store holds (checked by the caller), and text that is not a query
but an update gets the read-only refusal. Neither choice can let anything
out: a ``FROM`` it missed is an empty graph (Oxigraph never fetches one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

import pyoxigraph as ox

UPDATE_REFUSED = (
    "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, "
    "CREATE, ADD, MOVE, COPY) is not accepted, and the data was not changed.")
SERVICE_REFUSED = (
    "SERVICE (federated query) is not allowed: this endpoint never makes outbound "
    "requests on a user's behalf. Query only the data held here.")
#: Oxigraph recurses over nesting and over chains of operators, and its worker
#: crashes (stack overflow) from about 4,000 nested groups or 8,000 terms of
#: one '+' chain; queries past a quarter of that are refused before it sees them.
MAX_NESTING = 1000
MAX_CHAIN = 2000
CHAIN_TOKENS = {"+", "*", "/", "|", "&&", "||", "UNION"}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
                   "COPY", "WITH"}
FORM_KEYWORDS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


class Refused(Exception):
    """The query may not run: an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CheckedQuery:
    #: IRIs of FROM and FROM NAMED in the query text (resolved).
    from_graphs: tuple[str, ...]
    from_named: tuple[str, ...]
    #: SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the
    #: prologue (None when it is none of them: the engine's parse says why).
    form: str | None = None

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named)


# --------------------------------------------------------------------------
# Code point escapes, as the engine reads them
# --------------------------------------------------------------------------

#: One unit of raw query text: an escaped backslash (left alone), a code
#: point escape, or one character.
_UNIT = re.compile(r"\\\\|\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|.", re.S)


def _units(text: str) -> list[tuple[int, int, str]]:
    """(start, end, character) for each unit of ``text`` with escapes expanded."""
    units = []
    for m in _UNIT.finditer(text):
        code = m.group(1) or m.group(2)
        char = m.group(0)
        if code:
            value = int(code, 16)
            if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF:  # else not a character
                char = chr(value)
        units.append((m.start(), m.end(), char))
    return units


def unescape(text: str) -> str:
    return "".join(u[2] for u in _units(text))


# --------------------------------------------------------------------------
# A SPARQL lexer (for words and the dataset clause only)
# --------------------------------------------------------------------------

_PN_LOCAL_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PLX = rf"(?:%[0-9A-Fa-f]{{2}}|{_PN_LOCAL_ESC})"
_TOKEN = re.compile(rf"""
   (?P<ws>\s+)
 | (?P<comment>\#[^\r\n]*)
 | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
 | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
 | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
 | (?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
 | (?P<number>\d*\.\d+(?:[eE][+-]?\d+)?|\d+\.?\d*[eE][+-]?\d+|\d+)
 | (?P<pname>(?:_|[^\W\d_](?:[\w.-]*[\w-])?)?:
             (?:(?:[\w:]|{_PLX})(?:(?:[\w.:-]|{_PLX})*(?:[\w:-]|{_PLX}))?)?)
 | (?P<word>[A-Za-z_]\w*)
 | (?P<punct>&&|\|\||.)
""", re.X | re.S)


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of each significant token of (unescaped) ``text``."""
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("ws", "comment")]


def _prologue_and_dataset(toks, base_iri: str | None, prefixes: dict[str, str]):
    """The first keyword after the prologue, and the FROM / FROM NAMED IRIs."""
    base, declared = base_iri, dict(prefixes)
    first, defaults, named = None, [], []

    def resolve(kind, value):
        if kind == "iri":
            return urljoin(base, value[1:-1]) if base else value[1:-1]
        prefix, _, local = value.partition(":")
        if prefix in declared:
            return declared[prefix] + re.sub(r"\\(.)", r"\1", local)
        return None

    i = 0
    while i < len(toks):
        kind, value = toks[i]
        word = value.upper() if kind == "word" else None
        if first is None:
            if word == "BASE" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
                base = resolve("iri", toks[i + 1][1])
                i += 2
                continue
            if word == "PREFIX" and i + 2 < len(toks) and toks[i + 2][0] == "iri":
                declared[toks[i + 1][1].rstrip(":")] = resolve("iri", toks[i + 2][1])
                i += 3
                continue
            if word:
                first = word
        elif word == "FROM":
            into = defaults
            if i + 1 < len(toks) and toks[i + 1][1].upper() == "NAMED":
                into = named
                i += 1
            if i + 1 < len(toks) and toks[i + 1][0] in ("iri", "pname"):
                iri = resolve(*toks[i + 1])
                if iri:
                    into.append(iri)
                i += 1
        i += 1
    return first, tuple(defaults), tuple(named)


# --------------------------------------------------------------------------
# The SERVICE guard
# --------------------------------------------------------------------------

_KEYWORD = "service"
_PARSER_STORE: ox.Store | None = None


def parse(text: str, base_iri: str | None, prefixes: dict[str, str]) -> None:
    """Raise SyntaxError if Oxigraph does not parse ``text`` as a query.

    Run on an empty store: nothing is read, and solutions are computed lazily
    (ASK answers at once, over no data)."""
    global _PARSER_STORE
    if _PARSER_STORE is None:
        _PARSER_STORE = ox.Store()
    kwargs = {"prefixes": prefixes}
    if base_iri:
        kwargs["base_iri"] = base_iri
    try:
        _PARSER_STORE.query(text, **kwargs)
    except SyntaxError:
        raise
    except Exception:  # not a parse error (an unknown function, say): it parsed
        pass


def _keyword_runs(units) -> list[tuple[int, int]]:
    """Unit index ranges where the letters of SERVICE run, in any case."""
    chars = "".join(u[2] if len(u[2]) == 1 else "\0" for u in units).lower()
    return [(m.start(), m.end()) for m in re.finditer(_KEYWORD, chars)]


def _stand_in(text: str) -> tuple[str, str]:
    """An (upper, lower) letter pair the query does not use."""
    used = set(text)
    for low in "qzjxkwyfgbhmp":
        if low not in used and low.upper() not in used:
            return low.upper(), low
    for code in range(0x100, 0x180, 2):  # Latin Extended-A case pairs
        up, low = chr(code), chr(code + 1)
        if up not in used and low not in used:
            return up, low
    return "Q", "q"


def _rewritten(text: str, units, runs) -> str:
    upper, lower = _stand_in(unescape(text))
    out, pos = [], 0
    for start, end in runs:
        out.append(text[pos:units[start][0]])
        out.extend(upper if units[k][2].isupper() else lower for k in range(start, end))
        pos = units[end - 1][1]
    out.append(text[pos:])
    return "".join(out)


def syntax_message(exc: SyntaxError, text: str) -> str:
    """Oxigraph's parse error with the line it points at and a caret."""
    message = str(exc)
    m = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
    if not m:
        return f"Malformed query: {message}"
    line_no, col = int(m.group(1)), int(m.group(2))
    lines = unescape(text).splitlines() or [""]
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    if len(line) > 200:  # keep the caret in view on very long lines
        start = max(0, col - 100)
        line, col = line[start:start + 200], col - start
    return (f"Malformed query: line {line_no}, column {col}: {m.group(3)}\n"
            f"    {line}\n    {' ' * max(0, col - 1)}^")


def _refusal_for_malformed(text: str, exc: SyntaxError, toks) -> Refused:
    first = next((v.upper() for k, v in toks if k == "word" and v.upper() not in ("BASE", "PREFIX")),
                 None)
    if first in UPDATE_KEYWORDS:
        return Refused(403, UPDATE_REFUSED)
    return Refused(400, syntax_message(exc, text))


def _check_shape(toks) -> None:
    """Refuse nesting and operator chains deep enough to crash the engine."""
    depth = deepest = chain = 0
    for kind, value in toks:
        if kind == "punct":
            if value in "({[":
                depth += 1
                deepest = max(deepest, depth)
            elif value in ")}]":
                depth -= 1
        if value.upper() in CHAIN_TOKENS:
            chain += 1
    if deepest > MAX_NESTING:
        raise Refused(400, (
            f"Query nested too deeply: {deepest} levels of brackets, braces or parentheses; "
            f"the limit is {MAX_NESTING}. Flatten it (a VALUES block, a longer group)."))
    if chain > MAX_CHAIN:
        raise Refused(400, (
            f"Query too long to evaluate safely: {chain} chained operators (+, *, /, |, &&, ||, "
            f"UNION); the limit is {MAX_CHAIN}. Split it, or use VALUES or IN (...) instead."))


def _check(text: str, base_iri: str | None, prefixes: tuple) -> CheckedQuery:
    prefixes = dict(prefixes)
    units = _units(text)
    plain = "".join(u[2] for u in units)
    toks = tokens(plain)
    _check_shape(toks)
    first, defaults, named = _prologue_and_dataset(toks, base_iri, prefixes)
    runs = _keyword_runs(units)
    if runs:
        try:
            parse(_rewritten(text, units, runs), base_iri, prefixes)
        except SyntaxError as exc:
            if any(k == "word" and v.lower() == _KEYWORD for k, v in toks):
                raise Refused(403, SERVICE_REFUSED) from None
            raise _refusal_for_malformed(text, exc, toks) from None
    if first in UPDATE_KEYWORDS:
        raise Refused(403, UPDATE_REFUSED)
    return CheckedQuery(defaults, named, first if first in FORM_KEYWORDS else None)


@lru_cache(maxsize=1024)
def _check_cached(text: str, base_iri: str | None, prefixes: tuple):
    try:
        return _check(text, base_iri, prefixes), None
    except Refused as refusal:
        return None, (refusal.status, refusal.message)


def check_query(text: str, base_iri: str | None = None,
                prefixes: dict[str, str] | None = None) -> CheckedQuery:
    """Check ``text``; raise ``Refused`` if it may not run.

    Does not parse a query without the letters of SERVICE: running it is its
    parse. Parse errors raised then go through ``refusal_for``."""
    checked, refusal = _check_cached(text, base_iri, tuple(sorted((prefixes or {}).items())))
    if refusal:
        raise Refused(*refusal)
    return checked


def refusal_for(exc: SyntaxError, text: str) -> Refused:
    """The answer to a query Oxigraph could not parse (400, or 403 for an update)."""
    return _refusal_for_malformed(text, exc, tokens(unescape(text)))
