"""How a query's result reads on the query page: labels beside IRIs, numbers
and amounts formatted, language tags and datatypes kept quiet, and the views
(table, bar chart, timeline, graph) a result can be shown as.

A query picks its view as on the Wikidata Query Service, with a comment
``#defaultView:BarChart`` (``Table``, ``BarChart``, ``Timeline``, ``Graph``);
``view=`` in the address overrides it. Each picture is SVG drawn on the
server (``web.charts``), shown above the same rows as a table.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from . import charts
from .graph import current_store
from .linking import href_for, money, number, query_text, with_values

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger",
                             "nonPositiveInteger", "unsignedInt", "unsignedLong")}
DATES = {XSD + t for t in ("date", "dateTime", "gYear", "gYearMonth")}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: The views, by the key used in ``view=``, with their names and the name a
#: ``#defaultView:`` comment gives them (as on the Wikidata Query Service).
VIEWS = {"table": "Table", "bar": "Bar chart", "timeline": "Timeline", "graph": "Graph"}
WDQS_NAMES = {"table": "table", "barchart": "bar", "timeline": "timeline", "graph": "graph"}
DEFAULT_VIEW = re.compile(r"^[ \t]*#[ \t]*defaultView[ \t]*:[ \t]*([A-Za-z]+)", re.M)

#: A numeric column whose name says it is money is shown in pounds (£329m):
#: amounts in the atlas are GBP (ia:FundingFlow) or carry a GBP unit.
MONEY_NAME = re.compile(r"amount|gbp|pounds|funding|spend|spent|cost|money|investment|saving", re.I)
#: How many resources of a result get labels looked up, and how many rows a
#: picture draws (the table below it has them all).
MAX_LABELLED = 2000
MAX_BARS = 60
MAX_DATED = 200
MAX_NODES = 80


def default_view(query: str | None) -> str | None:
    m = DEFAULT_VIEW.search(query or "")
    return WDQS_NAMES.get(m.group(1).lower()) if m else None


def labels(iris: list[str]) -> dict[str, str]:
    """The label of each of ``iris`` that has one (one query, a VALUES block
    written by pyoxigraph)."""
    iris = list(dict.fromkeys(iris))[:MAX_LABELLED]
    if not iris:
        return {}
    text = with_values(query_text("page-labels"), "item", iris)
    out = {}
    for sol in current_store().query(text):
        if sol["label"] is not None:
            out[sol["item"].value] = sol["label"].value
    return out


def _decimal(text: str):
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _is_gbp(t) -> bool:
    return t is not None and ((t[0] == "literal" and t[1] == "GBP")
                              or (t[0] == "uri" and t[1].rstrip("/").rsplit("/", 1)[-1].upper() == "GBP"))


def _cell(t, money_column: bool, gbp_row: bool, labelled: dict, compact) -> dict | None:
    if t is None:
        return None
    kind, value = t[0], t[1]
    if kind == "uri":
        name = compact(value)
        label = labelled.get(value)
        return {"kind": "iri", "iri": value, "href": href_for(value), "text": label or name,
                "quiet": name if label and name != value else None, "title": value}
    if kind == "bnode":
        return {"kind": "bnode", "text": "_:" + value}
    lang, dt = t[2], t[3]
    if dt in NUMERIC and _decimal(value) is not None:
        is_money = money_column or gbp_row
        return {"kind": "number", "text": money(value) if is_money else number(value),
                "quiet": None, "title": f"{value} ({compact(dt)})", "number": float(value)}
    quiet = f"@{lang}" if lang and lang != "en" else (compact(dt) if dt and dt not in DATES else None)
    return {"kind": "date" if dt in DATES else "literal", "text": value, "quiet": quiet,
            "title": f"@{lang}" if lang else (compact(dt) if dt else None)}


def present(reply: dict, query: str | None, asked: str | None, compact) -> dict:
    """The result, ready for the page: columns, formatted rows, the views
    this result can be shown as, the chosen one and its picture."""
    table = reply["table"]
    if table["kind"] == "boolean":
        return {"kind": "boolean", "value": table["value"], "views": [], "view": None, "picture": None}
    names, raw = table["vars"], table["rows"]
    labelled = labels([t[1] for row in raw for t in row if t and t[0] == "uri"])
    money_cols = [bool(MONEY_NAME.search(n)) for n in names]
    rows = []
    for row in raw:
        gbp = any(_is_gbp(t) for t in row)
        rows.append([_cell(t, money_cols[j], gbp, labelled, compact) for j, t in enumerate(row)])

    def column(kind):
        return [j for j in range(len(names))
                if any(r[j] for r in rows) and all(r[j] is None or r[j]["kind"] == kind for r in rows)]
    numeric, dates, iris = column("number"), column("date"), column("iri")
    texts = column("literal")
    labels_col = (iris + texts)[:1]
    available = ["table"]
    if numeric and labels_col:
        available.append("bar")
    if dates:
        available.append("timeline")
    if table["kind"] == "graph" or len(iris) >= 2:
        available.append("graph")
    view = asked if asked in available else default_view(query)
    view = view if view in available else "table"

    picture = None
    if view == "bar":
        lj, vj = labels_col[0], numeric[0]
        items = [{"label": r[lj]["text"] if r[lj] else "(none)", "iri": r[lj].get("iri") if r[lj] else None,
                  "value": r[vj]["number"] if r[vj] else None, "shown": r[vj]["text"] if r[vj] else ""}
                 for r in rows[:MAX_BARS]]
        picture = charts.bars(items, f"{names[vj]} by {names[lj]}", names[vj])
    elif view == "timeline":
        sj, ej = dates[0], (dates[1] if len(dates) > 1 else None)
        lj = (iris + texts + [sj])[0]
        items = [{"label": r[lj]["text"] if r[lj] else "", "iri": r[lj].get("iri") if r[lj] else None,
                  "start": r[sj]["text"] if r[sj] else None,
                  "end": r[ej]["text"] if ej is not None and r[ej] else None} for r in rows[:MAX_DATED]]
        picture = charts.dated(items, f"{names[lj]} by {names[sj]}")
    elif view == "graph":
        picture = _network(table["kind"], rows, iris)
    return {"kind": table["kind"], "vars": names, "rows": rows, "views": available, "view": view,
            "picture": picture}


def _network(kind: str, rows: list, iris: list[int]):
    nodes: dict[str, dict] = {}
    edges = []
    if kind == "graph":
        pairs = [(r[0], r[2], r[1]["quiet"] or r[1]["text"]) for r in rows
                 if r[0] and r[2] and r[0]["kind"] == "iri" and r[2]["kind"] == "iri"
                 and r[1]["iri"] != RDF_TYPE]
    else:
        a, b = iris[0], iris[1]
        pairs = [(r[a], r[b], "") for r in rows if r[a] and r[b]]
    for s, o, label in pairs:
        for c in (s, o):
            if c["iri"] not in nodes and len(nodes) < MAX_NODES:
                nodes[c["iri"]] = {"id": c["iri"], "label": c["text"], "iri": c["iri"]}
        if s["iri"] in nodes and o["iri"] in nodes and s["iri"] != o["iri"]:
            edges.append({"from": s["iri"], "to": o["iri"], "label": label})
    return charts.network(list(nodes.values()), edges, "The result as a graph")
