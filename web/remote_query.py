"""The endpoint's path to a remote store (``KG_STORE_QUERY``).

The query goes through the same checks and serialisation as on the embedded
store (``web.query_workers``' request handler: the SERVICE refusal and Oxigraph's
parse, FROM limited to the graphs held, negotiation, the row cap),
but in the web process: the remote store's total time limit
(``KG_STORE_TIMEOUT``, bounded by ``KG_QUERY_TIMEOUT`` here) stands in for
killing a worker.
"""

from __future__ import annotations

from kg.remote import RemoteStore, StoreTimeout, StoreUnavailable

from .query_workers import _Engine


class _RemoteEngine(_Engine):
    def __init__(self, store: RemoteStore):
        super().__init__()
        self._remote = store

    def handle(self, req: dict) -> dict:
        # Parse here first (once the SERVICE check has passed), so a malformed
        # query gets the same 400 as on the embedded store, not the remote one's.
        from . import safety

        prefixes = req.get("prefixes") or {}
        try:
            safety.check_query(req["query"], req["base_iri"], prefixes)
            safety.parse(req["query"], req["base_iri"], prefixes)
        except safety.Refused as refusal:
            return {"status": refusal.status, "error": refusal.message}
        except SyntaxError as exc:
            refusal = safety.refusal_for(exc, req["query"])
            return {"status": refusal.status, "error": refusal.message}
        return super().handle(req)

    def store(self, path):
        self._store = self._remote
        self._graphs = frozenset(self._remote.graph_names())
        return self._remote


def run_remote(req: dict, store: RemoteStore, timeout: float) -> dict:
    """Answer one endpoint request (the worker request dict) from ``store``."""
    try:
        store.manifest()  # refresh the shared pointer cache; the copy below reuses it
    except StoreUnavailable as exc:
        return {"status": 503, "error": f"Service unavailable: {exc}. Try again in a moment.",
                "headers": {"Retry-After": "5"}}
    bounded = RemoteStore(store.query_url, update_url=store.update_url,
                          graphs_url=store.graphs_url, timeout=min(store.timeout, timeout),
                          base=store.base, home=store.home, pointer_ttl=store.pointer_ttl)
    bounded._manifest, bounded._manifest_at = store._manifest, store._manifest_at
    try:
        return _RemoteEngine(bounded).handle(req)
    except StoreTimeout as exc:
        return {"status": 503, "error": (
            f"Query exceeded the {bounded.timeout:g} s time limit and was stopped: {exc}. "
            "Make it more selective (fewer unbound patterns, a LIMIT).")}
    except StoreUnavailable as exc:
        return {"status": 503, "error": f"Service unavailable: {exc}. Try again in a moment.",
                "headers": {"Retry-After": "5"}}
