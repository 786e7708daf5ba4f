"""A small in-process cache of successful ``/sparql`` responses.

The graph is read-only between builds, so the answer to a query depends only
on the build that is published and on the request as the endpoint made it
(``web.query_request.QueryRequest``: the query text, the default/named graph
URIs, the bound parameters, the format chosen and the row cap). That request,
prefixed with the build folder (``CurrentGraph.target()``, which changes on
every build), is the cache key; a new build therefore never sees an older
build's entries, which simply age out.

* Only 200 responses with a serialised body are stored, with the headers
  that describe them (``X-Rows``, and ``X-Truncated``/``X-Row-Limit`` for a
  truncated result). Errors, 503s and HTML pages are never stored.
* The cache is bounded by the total size of the stored bodies
  (``KG_CACHE_MB``, default 64; 0 turns it off) and evicts the least
  recently used entries first. A body larger than an eighth of the bound is
  not stored.
* ``etag`` is a strong validator for a key: a hash of the build folder and
  the normalised request, so it changes with every build.
* ``ExactRepeats`` is a WSGI layer in front of the app: a request that
  repeats, byte for byte, one already answered from the cache (same build,
  method, query string, media type, body and ``Accept``) is answered from
  the cache without going through Flask or parsing the request again. It
  only remembers which cache key such a request had, so bodies are stored
  once; anything else (and ``Cache-Control: no-cache``) goes to the app.

Each gunicorn worker process has its own cache.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from pathlib import Path

#: Seconds a client or proxy may reuse a cached query response unrevalidated.
MAX_AGE = 60
#: Exact requests remembered by ``ExactRepeats`` (each maps to a cache key).
MAX_ALIASES = 10_000
#: Where the app leaves the cache key of the response it served (WSGI environ).
ENVIRON_KEY = "kg.cache_key"


class ResponseCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self._entries: OrderedDict[tuple, tuple[bytes, str, dict]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        """Total bytes of the stored bodies."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple):
        """``(body, content_type, headers)`` for ``key``, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple, body: bytes, content_type: str, headers: dict) -> bool:
        """Store one response; False when it is too large to be worth keeping."""
        size = len(body)
        if self.max_bytes == 0 or size > self.max_bytes // 8:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._entries[key] = (body, content_type, dict(headers))
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (evicted, _, _) = self._entries.popitem(last=False)
                self._bytes -= len(evicted)
        return True


def _code_id() -> str:
    """A digest of the web package's code and templates, so that a new
    release (not only a new build) changes every ETag."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in {".py", ".html", ".css", ".js"}:
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


CODE_ID = _code_id()


def etag(key: tuple) -> str:
    """A strong ETag for the response to ``key`` (build folder + request),
    tied to this release of the code."""
    return '"' + hashlib.sha256(repr((CODE_ID, key)).encode("utf-8")).hexdigest()[:32] + '"'


_cache: ResponseCache | None = None
_cache_lock = threading.Lock()


def get_cache(megabytes: float) -> ResponseCache:
    """This process's cache, of ``megabytes`` (``Settings.cache_mb``)."""
    global _cache
    if _cache is None:
        with _cache_lock:
            if _cache is None:
                _cache = ResponseCache(int(megabytes * 1024 * 1024))
    return _cache


class ExactRepeats:
    """WSGI middleware: answer exact repeats of cached ``/sparql`` requests.

    ``target`` returns the current build folder; ``extra_headers`` are added
    to every answer (the endpoint's CORS headers); ``max_body`` is the largest
    request body read here (larger ones go to the app untouched)."""

    PATHS = ("/sparql", "/sparql/")

    def __init__(self, app, target, extra_headers: dict, max_body: int, cache_mb: float):
        self.app = app
        self.cache_mb = cache_mb
        self.target = target
        self.extra = list(extra_headers.items())
        self.max_body = max_body
        self._aliases: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") not in self.PATHS or method not in ("GET", "POST"):
            return self.app(environ, start_response)
        body = b""
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > self.max_body or environ.get("HTTP_TRANSFER_ENCODING"):
                return self.app(environ, start_response)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
        try:
            target = self.target()
        except Exception:  # no build yet: the app says so
            return self.app(environ, start_response)
        raw = (target, method, environ.get("QUERY_STRING", ""),
               environ.get("CONTENT_TYPE", ""), body, environ.get("HTTP_ACCEPT", ""))
        if "no-cache" not in environ.get("HTTP_CACHE_CONTROL", "").lower():
            with self._lock:
                key = self._aliases.get(raw)
            entry = get_cache(self.cache_mb).get(key) if key is not None else None
            if entry is not None:
                return self._answer(environ, start_response, entry)
        captured = {}

        def remember(status, headers, exc_info=None):
            captured["status"] = status
            return start_response(status, headers, exc_info)

        result = self.app(environ, remember)
        key = environ.get(ENVIRON_KEY)
        if key is not None and captured.get("status", "").startswith("200"):
            with self._lock:
                self._aliases[raw] = key
                self._aliases.move_to_end(raw)
                while len(self._aliases) > MAX_ALIASES:
                    self._aliases.popitem(last=False)
        return result

    def _answer(self, environ, start_response, entry):
        body, content_type, stored = entry
        headers = [*stored.items(), ("X-Cache", "hit"), ("Vary", "Accept"), *self.extra]
        tag = stored.get("ETag")
        if tag and _matches(environ.get("HTTP_IF_NONE_MATCH", ""), tag):
            start_response("304 NOT MODIFIED", headers)
            return [b""]
        start_response("200 OK", [("Content-Type", content_type),
                                  ("Content-Length", str(len(body))), *headers])
        return [body]


def _matches(if_none_match: str, tag: str) -> bool:
    """Whether an If-None-Match header matches ``tag`` (weak comparison)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == tag:
            return True
    return False
