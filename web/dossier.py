"""The evidence pack of an item (``/-/evidence.csv``): its statements and
references as CSV. The dossier itself is made in ``evidence``."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, request

from kg import formats

from .evidence import LOCATOR_PARTS, statements_of
from .query_form import query_behind

bp = Blueprint("dossier", __name__)

#: Columns of the evidence pack, one row per statement and reference.
EVIDENCE_COLUMNS = ["item", "statement", "value", "unit", "bound", "rounding", "kind", "period", "rank",
                    "rank_reason", "preferred", "derived", "method", "reference", "document", "document_url",
                    *LOCATOR_PARTS, "locator", "stated_by", "summary"]


@bp.get("/-/evidence.csv")
def evidence_pack():
    """The statements and references of one item as CSV (UTF-8 with a BOM,
    for Excel), with the query that produced it named in a header."""
    item = request.args.get("item", "").strip()
    if not item:
        abort(400, description="Give the IRI of an item as ?item=")
    statements = statements_of(item)
    if not statements:
        abort(404, description=f"The atlas holds no statements of {item}.")
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(EVIDENCE_COLUMNS)
    for s in statements:
        base = [item, s["statement"].value, s["date"] or "" if s["value"] is None else f"{s['value']:.15g}", s["unit"] or "", s["bound"] or "",
                "" if s["rounding"] is None else f"{s['rounding']:.15g}", s["kind"] or "", s["period"] or "",
                s["rank"] or "", s["reason"] or "", "yes" if s["best"] else "", "yes" if s["derived"] else "",
                s["method"] or ""]
        if not s["references"]:
            w.writerow(base + [""] * (len(EVIDENCE_COLUMNS) - len(base)))
        for ref in s["references"]:
            parts = dict(ref["parts"])
            w.writerow(base + [ref["reference"].value, ref["source"].value if ref["source"] else "", ref["url"] or "",
                               *[parts.get(p, "") for p in LOCATOR_PARTS], ref["locator"] or "",
                               ref["stated_by"] or "", ref["summary"] or ""])
    name = item.rstrip("/").rsplit("/", 1)[-1] or "item"
    resp = Response(buf.getvalue(), content_type=formats.CSV.content_type)
    resp.headers["Content-Disposition"] = f'attachment; filename="evidence-{name}.csv"'
    resp.headers["Link"] = f'<{query_behind("item-evidence", item=item)}>; rel="describedby"'
    resp.headers["X-Query"] = "item-evidence"
    return resp
