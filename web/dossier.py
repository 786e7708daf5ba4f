"""The dossier of an item: every statement of one thing, every reference, the
preferred value and why, how far the sources disagree, and the arithmetic
behind a derived value or a total; with an evidence pack to download.

Shared by the resource page of an item and by the programme page (which links
each figure to its dossier); imports nothing from the page modules.
"""

from __future__ import annotations

import csv
import io
import math
from collections import OrderedDict
from urllib.parse import quote

from flask import Blueprint, Response, abort, request

from . import charts
from .linking import href_for, iri_term, money, number, rows, truth, val

bp = Blueprint("dossier", __name__)

#: Units shown as pounds (amounts are stored in pounds).
MONEY_UNITS = ("pounds sterling", "GBP")
#: The parts of a structured locator, in reading order.
LOCATOR_PARTS = ["page", "section", "paragraph", "footnote", "figure", "table", "row", "entry"]
BOUND_SYMBOL = {"more than": ">", "at least": "≥", "up to": "≤", "nearly": "≲", "about": "~"}


def show_value(value, unit: str | None) -> str:
    if value is None:
        return ""
    if unit in MONEY_UNITS:
        return money(value)
    text = number(value)
    if unit in ("percent", "per cent", "%"):
        return text + "%"
    return f"{text} {unit}" if unit else text


def interval(value: float, bound: str | None, rounding: float | None) -> tuple[float, float]:
    """The range of quantities a statement allows: a bound opens one side;
    a rounding (or "about") widens both by half the rounding step."""
    half = (rounding or 0) / 2
    if bound == "more than" or bound == "at least":
        return value - half, math.inf
    if bound == "up to":
        return -math.inf, value + half
    if bound == "nearly":
        return value - max(half, abs(value) * 0.1), value
    if bound == "about":
        slack = max(half, abs(value) * 0.1)
        return value - slack, value + slack
    return value - half, value + half


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def statements_of(item: str) -> list[dict]:
    """Each statement of ``item`` with its references, the best first."""
    found: "OrderedDict[str, dict]" = OrderedDict()
    for r in rows("item-evidence", item=item):
        s = r["statement"].value
        st = found.get(s)
        if st is None:
            unit = val(r["unitLabel"])
            value = float(r["value"].value) if r["value"] is not None else None
            bound = val(r["boundLabel"])
            rounding = float(r["rounding"].value) if r["rounding"] is not None else None
            start, end = val(r["periodStartLabel"]), val(r["periodEndLabel"])
            st = found[s] = {
                "statement": iri_term(s), "value": value, "unit": unit, "bound": bound,
                "shown": ((bound + " ") if bound else "") + show_value(value, unit) if value is not None
                else (val(r["date"]) or ""),
                "rounding": rounding, "as_of": val(r["asOf"]), "date": val(r["date"]),
                "precision": val(r["datePrecisionLabel"]),
                "kind": val(r["kindLabel"]),
                "period": (start if start == end or not end else f"{start} to {end}" if start else f"by {end}") if (start or end) else None,
                "rank": (val(r["rankLabel"]) or (r["rank"].value.rsplit("#", 1)[-1] if r["rank"] else "")
                         ).replace("Rank", "").lower() or None,
                "reason": val(r["rankReasonLabel"]) or (r["rankReason"].value if r["rankReason"] else None),
                "best": truth(r["best"]), "derived": truth(r["derived"]),
                "method": val(r["method"]), "references": [], "seen": set(),
                "interval": interval(value, bound, rounding) if value is not None else None,
            }
        ref = r["reference"]
        if ref is not None and ref.value not in st["seen"]:
            st["seen"].add(ref.value)
            parts = [(p, val(r[p])) for p in LOCATOR_PARTS if r[p] is not None]
            st["references"].append({
                "reference": iri_term(ref.value),
                "source": iri_term(r["source"].value, val(r["sourceLabel"])) if r["source"] else None,
                "url": val(r["sourceUrl"]), "locator": val(r["locator"]), "parts": parts,
                "stated_by": val(r["statedByLabel"]), "summary": val(r["summary"]),
            })
    out = list(found.values())
    for st in out:
        del st["seen"]
    return out


def disagreements(statements: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs of statements of one item, of one kind and unit, whose ranges
    cannot both hold ("more than 90%" and "90%" can)."""
    pairs = []
    # A derived value (a sum of rounded parts) is set against the total under
    # its arithmetic, not counted as a source that disagrees.
    valued = [s for s in statements if s["interval"] and s["rank"] != "deprecated" and not s["derived"]]
    for i, a in enumerate(valued):
        for b in valued[i + 1:]:
            if a["unit"] == b["unit"] and a["kind"] == b["kind"] and not overlap(a["interval"], b["interval"]):
                pairs.append((a, b))
    return pairs


def arithmetic(item: str, total: float | None, unit: str | None) -> list[dict]:
    """The sums behind the item: its parts against its preferred value, and
    each derived statement's inputs against the value it derives."""
    groups: "OrderedDict[str, dict]" = OrderedDict()
    for r in rows("item-arithmetic", item=item):
        via = r["via"].value
        g = groups.setdefault(via, {"via": "part" if via == "part" else iri_term(via, val(r["viaLabel"])), "inputs": [], "seen": set()})
        if r["part"].value in g["seen"]:
            continue
        g["seen"].add(r["part"].value)
        value = float(r["value"].value) if r["value"] is not None else None
        g["inputs"].append({"item": iri_term(r["part"].value, val(r["partLabel"])), "value": value,
                            "shown": show_value(value, val(r["unitLabel"]) or unit), "kind": val(r["kindLabel"]),
                            "rounding": float(r["rounding"].value) if r["rounding"] is not None else None})
    out = []
    for g in groups.values():
        known = [i["value"] for i in g["inputs"] if i["value"] is not None]
        s = sum(known)
        g["sum"] = s
        g["sum_shown"] = show_value(s, unit)
        g["total_shown"] = show_value(total, unit) if total is not None else None
        g["difference"] = None if total is None else s - total
        g["difference_shown"] = None if total is None else show_value(abs(s - total), unit)
        g["complete"] = len(known) == len(g["inputs"])
        del g["seen"]
        out.append(g)
    return out


def dossier(item: str) -> dict | None:
    """Everything the atlas holds on one item, or None if it has no statements."""
    statements = statements_of(item)
    if not statements:
        return None
    best = next((s for s in statements if s["best"]), statements[0])
    units = {s["unit"] for s in statements if s["value"] is not None}
    common = units.pop() if len(units) == 1 else None
    pairs = disagreements(statements)
    return {
        "statements": statements, "best": best, "common_unit": common,
        "references": sum(len(s["references"]) for s in statements),
        "disagreements": pairs,
        "chart": charts.spread(statements, common) if common is not None and
        sum(s["value"] is not None for s in statements) > 1 else None,
        "arithmetic": arithmetic(item, best["value"], best["unit"]),
        "evidence_url": evidence_url(item),
    }


def evidence_url(item: str) -> str:
    return f"/-/evidence.csv?item={quote(item, safe='')}"


def dossier_href(item: str) -> str | None:
    """Where a figure links to: its item's page, at the dossier."""
    href = href_for(item)
    return href + "#dossier" if href else None


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
    resp = Response(buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="evidence-{name}.csv"'
    from .query_page import query_behind  # the query page, filled in: "the query behind this"
    resp.headers["Link"] = f'<{query_behind("item-evidence", item=item)}>; rel="describedby"'
    resp.headers["X-Query"] = "item-evidence"
    return resp
