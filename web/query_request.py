"""One SPARQL query request, made once: checked, its form known, its format chosen.

The endpoint reads the protocol request (``web.sparql``), then ``make``
checks the query (``web.safety``: no SERVICE, no update, a shape the engine
survives), reads its form from the text, and negotiates the answer's format
for that form, once. The result is handed as it is to an executor: a killable
local worker (``web.query_workers.WorkerPool``) or a remote store
(``web.remote_query.RemoteExecutor``). Both take ``run(request, timeout)`` and
raise the same errors (``QueryTimeout``, ``PoolBusy``, ``WorkerCrashed``,
``StoreUnavailable``); a bad query comes back as a reply with its status.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg import formats

from . import safety


@dataclass(frozen=True)
class QueryRequest:
    query: str
    #: SELECT, ASK, CONSTRUCT or DESCRIBE, as the text says (SELECT when it
    #: says none: such a text fails to parse, and its error is negotiated so).
    form: str
    #: The key of the answer's format (``kg.formats``), chosen for that form.
    format: str
    base_iri: str
    #: The protocol's dataset (``default-graph-uri``, ``named-graph-uri``).
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    #: FROM / FROM NAMED of the query text: graphs the store must hold.
    from_graphs: tuple[str, ...]
    #: Bound parameters: (name, "iri" or "literal", value).
    substitutions: tuple[tuple[str, str, str], ...]
    max_rows: int
    prefixes: tuple[tuple[str, str], ...]
    #: The build's on-disk store, for a local worker (None on a remote store).
    store: str | None = None

    @property
    def union_default(self) -> bool:
        """Without a dataset, the default graph is the union of every graph."""
        return not (self.default_graphs or self.named_graphs or self.from_graphs)


def make(op, accept: str | None, *, base_iri: str, max_rows: int, prefixes: dict[str, str],
         store: str | None) -> QueryRequest:
    """The request for ``op`` (a read protocol operation), or ``safety.Refused``
    with the status and words the client gets."""
    checked = safety.check_query(op.query, base_iri, prefixes)
    form = checked.form or "SELECT"
    table = formats.BY_FORM[form]
    try:
        fmt = formats.choose(table, accept, op.format_values)
    except formats.UnknownFormat as exc:
        raise safety.Refused(406, str(exc)) from None
    if fmt is None:
        raise safety.Refused(406, (
            f"None of the media types asked for (Accept: {accept or '*/*'}"
            + (f"; format={','.join(op.format_values)}" if op.format_values else "")
            + f") can be produced for a {form} query. Available: {formats.describe(table)}."))
    return QueryRequest(
        query=op.query, form=form, format=fmt.key, base_iri=base_iri,
        default_graphs=tuple(op.default_graphs), named_graphs=tuple(op.named_graphs),
        from_graphs=(*checked.from_graphs, *checked.from_named),
        substitutions=tuple(op.substitutions), max_rows=max_rows,
        prefixes=tuple(sorted(prefixes.items())), store=store)
