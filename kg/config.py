"""Settings, read once from the environment (``KG_*`` variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .namespaces import CANONICAL_BASE

#: The project checkout: ontology/, data/ and var/ live beside the packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _setting(default, env: str, doc: str, kind: str = ""):
    """A field of :class:`Settings`: its default, the ``KG_`` variable that
    sets it and what it means (the README's table of settings lists the same)."""
    return field(default=default, metadata={"env": env, "doc": doc, "kind": kind})


def _parse(kind: str, text: str):
    if kind == "path":
        return Path(text).resolve()
    if kind == "list":
        return tuple(p.strip() for p in text.split(",") if p.strip())
    if kind == "optional":
        return text or None
    if kind in ("int", "float"):
        return (int if kind == "int" else float)(text)
    return text


def _unparse(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "list":
        return ",".join(value)
    return str(value)


@dataclass(frozen=True)
class Settings:
    """Every setting of the atlas, one field each. Read from the environment
    once (:meth:`from_env`) and passed down; query worker processes get them
    back through :meth:`to_env`, so settings given to ``create_app`` reach them."""

    ontology_dir: Path = _setting(PROJECT_ROOT / "ontology", "KG_ONTOLOGY_DIR", "the ontology and shapes", "path")
    data_dir: Path = _setting(PROJECT_ROOT / "data", "KG_DATA_DIR", "the data files", "path")
    home: Path = _setting(PROJECT_ROOT / "var", "KG_HOME",
                          "where builds, the current-build pointer and dumps are kept", "path")
    base: str = _setting(CANONICAL_BASE, "KG_BASE", "base of every instance IRI in the built graph")
    public_url: str | None = _setting(
        None, "KG_PUBLIC_URL", "the address in absolute URLs (VoID, service description, JSON-LD "
        "context); unset: the address the server is bound to, or for a wildcard bind the request's host",
        "optional")
    query_timeout: float = _setting(5.0, "KG_QUERY_TIMEOUT", "seconds a query may run; 503 after", "float")
    max_rows: int = _setting(10_000, "KG_MAX_ROWS", "rows (or triples) per result; more are marked "
                             "X-Truncated: true", "int")
    max_body: int = _setting(1_000_000, "KG_MAX_BODY", "bytes per request body; 413 over", "int")
    workers: int = _setting(2, "KG_WORKERS", "query worker processes per HTTP worker (at least 2, so "
                            "one runaway query never blocks everyone)", "int")
    http_workers: int = _setting(2, "KG_HTTP_WORKERS", "gunicorn worker processes (threaded); each has "
                                 "its own query workers and cache", "int")
    cache_mb: float = _setting(64.0, "KG_CACHE_MB", "megabytes of cached query answers per HTTP worker; "
                               "0 turns the cache off", "float")
    access_log: str | None = _setting("-", "KG_ACCESS_LOG", "where gunicorn's access log goes (- standard "
                                      "output; empty for none)", "optional")
    worker_memory_mb: int = _setting(4096, "KG_WORKER_MEMORY_MB", "address space of each query worker "
                                     "in MiB; a query past it gets 503; 0 for no limit", "int")
    memory_triples: int = _setting(
        4_000_000, "KG_MEMORY_TRIPLES", "builds with at most this many triples are served from memory "
        "(about 0.4 GB per million triples, held once: the query workers are forks that share it), larger "
        "ones from disk; 0 serves "
        "every build from disk", "int")
    store_query: str | None = _setting(None, "KG_STORE_QUERY", "a remote store's query endpoint; set, it "
                                       "replaces the embedded build for kg serve", "optional")
    store_update: str | None = _setting(None, "KG_STORE_UPDATE", "its SPARQL Update endpoint (needed by "
                                        "kg push)", "optional")
    store_graphs: str | None = _setting(None, "KG_STORE_GRAPHS", "its Graph Store Protocol endpoint "
                                        "(optional: kg push loads through it when set)", "optional")
    store_timeout: float = _setting(10.0, "KG_STORE_TIMEOUT", "seconds one call to the remote store may "
                                    "take in all, retries included", "float")
    client_queries: int = _setting(0, "KG_CLIENT_QUERIES", "queries one client may have running at once "
                                   "(per HTTP worker); 429 over; 0: one less than KG_WORKERS", "int")
    client_seconds: float = _setting(60.0, "KG_CLIENT_SECONDS", "seconds of query time one client may "
                                     "use per minute (per HTTP worker); 429 over; 0 for no budget", "float")
    trusted_proxies: tuple[str, ...] = _setting((), "KG_TRUSTED_PROXIES", "comma-separated addresses of "
                                                "reverse proxies whose X-Forwarded-For names the client", "list")
    validator: str = _setting("auto", "KG_VALIDATOR", "SHACL engine of kg build: pyshacl (the reference), "
                              "turbo, or auto (turbo from KG_TURBO_FROM triples when installed)")
    turbo_from: int = _setting(10_000, "KG_TURBO_FROM", "triples from which auto validation uses the "
                               "fast engine", "int")

    @property
    def client_concurrency(self) -> int:
        return self.client_queries if self.client_queries > 0 else max(1, max(2, self.workers) - 1)

    @property
    def current(self) -> Path:
        """Pointer (a symlink) to the build being served."""
        return self.home / "current"

    @property
    def builds(self) -> Path:
        return self.home / "builds"

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = {}
        for f in fields(cls):
            text = os.environ.get(f.metadata["env"])
            if text is None or (text == "" and f.metadata["kind"] in ("path", "int", "float")):
                continue
            try:
                values[f.name] = _parse(f.metadata["kind"], text)
            except ValueError:
                raise SettingError(f"{f.metadata['env']}={text!r} is not a valid "
                                   f"{f.metadata['kind'] or 'value'}: {f.metadata['doc']}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("base", "public_url"):
            if values.get(key) and not values[key].endswith("/"):
                values[key] += "/"
        return cls(**values)

    @staticmethod
    def variable(name: str) -> str:
        """The ``KG_`` variable of the field ``name`` (for messages)."""
        return next(f.metadata["env"] for f in fields(Settings) if f.name == name)

    def to_env(self) -> dict[str, str]:
        """These settings as ``KG_`` variables (for a child process)."""
        return {f.metadata["env"]: _unparse(f.metadata["kind"], getattr(self, f.name)) for f in fields(self)}


class SettingError(ValueError):
    """A ``KG_`` variable that cannot be read."""
