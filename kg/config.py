"""Settings, read once from the environment (``KG_*`` variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .namespaces import CANONICAL_BASE

#: The project checkout: ontology/, data/ and var/ live beside the packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).resolve() if value else default


@dataclass(frozen=True)
class Settings:
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    data_dir: Path = PROJECT_ROOT / "data"
    #: Where builds, the current-build pointer and dumps are kept.
    home: Path = PROJECT_ROOT / "var"
    #: Base of every instance IRI in the built graph.
    base: str = CANONICAL_BASE
    #: The address the service is reached at, for absolute URLs (VoID, the
    #: service description, the JSON-LD context). None: the address the
    #: server is bound to, or for a wildcard bind the request's own host.
    public_url: str | None = None
    #: Seconds a SPARQL query may run before it is stopped.
    query_timeout: float = 5.0
    #: Most rows a SELECT returns through the endpoint.
    max_rows: int = 10_000
    #: Largest request body accepted, in bytes.
    max_body: int = 1_000_000
    #: Query worker processes.
    workers: int = 2
    #: Builds with at most this many triples are served from memory (about
    #: 0.4 GB per million triples in each serving process); larger ones from
    #: disk. 0 serves every build from disk.
    memory_triples: int = 2_000_000
    #: A remote SPARQL 1.1 store instead of the embedded build (kg.remote):
    #: its query endpoint, update endpoint and Graph Store Protocol endpoint.
    store_query: str | None = None
    store_update: str | None = None
    store_graphs: str | None = None
    #: Seconds a call to the remote store may take in all (retries included).
    store_timeout: float = 10.0
    #: Queries one client may have running at once (per HTTP worker); 0 means
    #: one less than the query workers.
    client_queries: int = 0
    #: Seconds of query time one client may use per minute (per HTTP worker); 0: no budget.
    client_seconds: float = 60.0
    #: Addresses of proxies whose X-Forwarded-For names the client.
    trusted_proxies: tuple[str, ...] = ()

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
        env = os.environ
        values = dict(
            ontology_dir=_env_path("KG_ONTOLOGY_DIR", cls.ontology_dir),
            data_dir=_env_path("KG_DATA_DIR", cls.data_dir),
            home=_env_path("KG_HOME", cls.home),
            base=env.get("KG_BASE", cls.base),
            public_url=env.get("KG_PUBLIC_URL") or None,
            query_timeout=float(env.get("KG_QUERY_TIMEOUT", cls.query_timeout)),
            max_rows=int(env.get("KG_MAX_ROWS", cls.max_rows)),
            max_body=int(env.get("KG_MAX_BODY", cls.max_body)),
            workers=int(env.get("KG_WORKERS", cls.workers)),
            memory_triples=int(env.get("KG_MEMORY_TRIPLES", cls.memory_triples)),
            store_query=env.get("KG_STORE_QUERY") or None,
            store_update=env.get("KG_STORE_UPDATE") or None,
            store_graphs=env.get("KG_STORE_GRAPHS") or None,
            store_timeout=float(env.get("KG_STORE_TIMEOUT", cls.store_timeout)),
            client_queries=int(env.get("KG_CLIENT_QUERIES", cls.client_queries)),
            client_seconds=float(env.get("KG_CLIENT_SECONDS", cls.client_seconds)),
            trusted_proxies=tuple(p.strip() for p in env.get("KG_TRUSTED_PROXIES", "").split(",")
                                  if p.strip()),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("base", "public_url"):
            if values[key] and not values[key].endswith("/"):
                values[key] += "/"
        return cls(**values)
