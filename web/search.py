"""Search by name: the rows behind the search page, its JSON and the 404 page's suggestions."""

from __future__ import annotations

import pyoxigraph as ox

from .linking import href_for, rows, val


def search_rows(q: str, limit: int, offset: int) -> list[dict]:
    found = rows("page-search", f"LIMIT {int(limit)} OFFSET {int(offset)}", q=ox.Literal(q))
    return [{
        "iri": r["item"].value, "href": href_for(r["item"].value),
        "label": val(r["label"]) or r["item"].value, "matched": val(r["matched"]),
        "type": val(r["type"]), "type_label": val(r["typeLabel"]),
    } for r in found]
