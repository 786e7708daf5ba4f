"""The endpoint's executor for a remote store (``KG_STORE_QUERY``).

A request (``web.query_request``) is answered with the same handler and
serialisation as on the embedded store (``web.query_workers``: FROM limited
to the graphs held, the row cap), but in the web process: the remote store's
total time limit (``KG_STORE_TIMEOUT``, bounded by the query's own limit)
stands in for killing a worker. It raises the errors a worker pool raises:
``QueryTimeout`` past the limit, and ``StoreUnavailable`` when the store does
not answer at all.
"""

from __future__ import annotations

from kg.remote import RemoteStore, StoreTimeout

from .query_workers import QueryTimeout, _Engine


class _RemoteEngine(_Engine):
    def __init__(self, store: RemoteStore):
        super().__init__()
        self._remote = store

    def handle(self, req) -> dict:
        # Parse here first, so a malformed query gets the same 400 as on the
        # embedded store, not the remote store's own words.
        from . import safety

        try:
            safety.parse(req.query, req.base_iri, dict(req.prefixes))
        except SyntaxError as exc:
            refusal = safety.refusal_for(exc, req.query)
            return {"status": refusal.status, "error": refusal.message}
        return super().handle(req)

    def store(self, path):
        self._store = self._remote
        self._graphs = frozenset(self._remote.graph_names())
        return self._remote


class RemoteExecutor:
    """Runs endpoint requests on a remote store, within a time limit."""

    def __init__(self, store: RemoteStore):
        self.store = store

    def run(self, req, timeout: float) -> dict:
        store = self.store
        limit = min(store.timeout, timeout)
        try:
            store.manifest()  # refresh the shared pointer cache (StoreUnavailable if down)
            bounded = RemoteStore(store.query_url, update_url=store.update_url,
                                  graphs_url=store.graphs_url, timeout=limit,
                                  base=store.base, home=store.home, pointer_ttl=store.pointer_ttl)
            bounded._manifest, bounded._manifest_at = store._manifest, store._manifest_at
            return _RemoteEngine(bounded).handle(req)
        except StoreTimeout:
            raise QueryTimeout(limit, "store_timeout" if store.timeout < timeout
                               else "query_timeout") from None
