"""``kg push``: load the current build into the remote store, atomically.

1. Every named graph of the build is uploaded under a staging name of its
   own (``<base>id/push/<stamp>/<n>``): by the Graph Store Protocol (PUT, an
   N-Triples body) when ``KG_STORE_GRAPHS`` is set, else by SPARQL Update
   ``INSERT DATA`` in chunks to ``KG_STORE_UPDATE`` (a chunk the store
   refuses is split in halves and sent again, down to ``MIN_CHUNK`` triples:
   Virtuoso, for one, refuses an update whose generated SQL exceeds 10000
   lines, which 2000 of the atlas's triples do). Readers never include
   staging graphs in their dataset, so nothing changes for them yet.
2. Graphs new in this build are first announced in the pointer graph
   (empty at their real names), and the push waits for readers' pointer
   cache to expire.
3. One SPARQL Update request switches: ``MOVE`` each staging graph onto its
   real name, ``DROP`` the graphs the new build no longer has, and rewrite the
   pointer graph. A store that runs each update request as one transaction
   (Oxigraph, Fuseki/TDB2, GraphDB) makes the whole switch visible at once:
   readers see the whole old or the whole new build.

Graph names stay the build's own, so pages, named queries and the endpoint
give the same answers as on the embedded store.
"""

from __future__ import annotations

import time
import uuid

import pyoxigraph as ox

from .config import Settings
from .remote import PUSH, RemoteStore, StoreTimeout, StoreUnavailable, pointer_graph
from .store import OxigraphStore

#: Triples per INSERT DATA request when there is no Graph Store endpoint.
CHUNK = 5_000
#: Smallest chunk tried before a refused INSERT DATA is taken as an error.
MIN_CHUNK = 50


def _insert(remote: RemoteStore, graph: str, items: list, size: list[int], timeout: float) -> None:
    """INSERT DATA ``items`` into ``graph`` in chunks of ``size[0]`` triples,
    halving the size (for the rest of the push) when the store refuses one."""
    at = 0
    while at < len(items):
        chunk = items[at:at + size[0]]
        body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        try:
            remote.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}", timeout=timeout)
        except StoreUnavailable as exc:
            # A timeout or a busy store is not about the size; nor is a small chunk.
            if isinstance(exc, StoreTimeout) or "busy" in str(exc) or len(chunk) <= MIN_CHUNK:
                raise
            size[0] = max(MIN_CHUNK, len(chunk) // 2)
            continue
        at += len(chunk)


def staging_name(settings: Settings, stamp: str, index: int) -> str:
    return f"{settings.base}id/push/{stamp}/{index}"


#: Triples per Graph Store request. A store that asks for credentials (Digest)
#: answers a request before reading its body, and a body too large for the
#: socket's buffers then fails to send ("broken pipe"); a graph without blank
#: nodes goes as a PUT and then POSTs of this many triples.
PUT_TRIPLES = 2_000


def _parts(items: list) -> list[list]:
    """A graph's triples in the requests that send it: one for a graph with
    blank nodes (their identity holds within one request), else parts."""
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in items):
        return [items]
    return [items[i:i + PUT_TRIPLES] for i in range(0, len(items), PUT_TRIPLES)] or [[]]


def push(settings: Settings, progress=print) -> dict:
    if not settings.store_query or not (settings.store_graphs or settings.store_update):
        raise ValueError("kg push needs KG_STORE_QUERY and KG_STORE_UPDATE "
                         "(and KG_STORE_GRAPHS to load by the Graph Store Protocol)")
    if not settings.store_update:
        raise ValueError("kg push needs KG_STORE_UPDATE for the atomic switch")
    source = OxigraphStore.open_current(settings)
    remote = RemoteStore.from_settings(settings)
    started = time.monotonic()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    old = remote.manifest(fresh=True)
    graphs = source.graph_names()
    staging = {g: staging_name(settings, stamp, i) for i, g in enumerate(graphs)}
    slow = max(settings.store_timeout, 120.0)
    triples = 0
    size = [CHUNK]
    try:
        for g in graphs:
            quads = source._db.quads_for_pattern(None, None, None, ox.NamedNode(g))
            items = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
            triples += len(items)
            if settings.store_graphs:
                for i, part in enumerate(_parts(items)):
                    body = ox.serialize(part, format=ox.RdfFormat.N_TRIPLES) or b""
                    remote.put_graph(staging[g], body, timeout=slow, method="PUT" if i == 0 else "POST")
            else:
                _insert(remote, staging[g], items, size, slow)
        progress(f"loaded {triples} triples in {len(graphs)} staging graphs")

        pointer = pointer_graph(settings.base)
        added = sorted(set(graphs) - set(old.visible))
        if added and old.stamp:
            # New graphs join readers' datasets (still empty) before they fill.
            remote.update("INSERT DATA { GRAPH <%s> { %s } }" % (pointer, " ".join(
                f"<{pointer}> <{PUSH}pending> <{g}> ." for g in added)), timeout=slow)
            time.sleep(remote.pointer_ttl + 0.5)

        ops = [f"MOVE GRAPH <{staging[g]}> TO GRAPH <{g}>" for g in graphs]
        ops += [f"DROP SILENT GRAPH <{g}>" for g in old.visible if g not in staging]
        statements = [f'<{pointer}> <{PUSH}stamp> "{stamp}" .'] + [
            f"<{pointer}> <{PUSH}graph> <{g}> ." for g in graphs]
        ops += [f"DROP SILENT GRAPH <{pointer}>",
                "INSERT DATA { GRAPH <%s> { %s } }" % (pointer, "\n".join(statements))]
        remote.update(" ;\n".join(ops), timeout=slow)
    except BaseException:
        # Leave nothing half-pushed behind: the old build stays current.
        try:
            remote.update(" ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in staging.values()),
                          timeout=slow)
        except Exception:
            pass
        raise
    seconds = time.monotonic() - started
    progress(f"switched to push {stamp} ({seconds:.1f} s)")
    return {"stamp": stamp, "graphs": len(graphs), "triples": triples, "seconds": seconds,
            "previous": old.stamp}
