"""Funding flows: every flow of money in the build, those naming a thing, and
the picture of them (bands from funders to recipients) for a kind of money
and a year. Used by the funding page and by resource pages.

A funding flow is one item (one IRI, however many documents state it) drawn
at its best statement's value, never at two of its statements. One view
shows one kind of money (a flow's kind is its best statement's kind, so a
flow is in exactly one kind's view) over all years or one financial year:

- a total and its parts (``ia:partOf``) are drawn once: the parts inside the
  total, with the rest as "not broken down", or a note where the parts add
  to more than the total (rounding);
- a flow that lies within another flow of the view (same funder, within its
  years, to the same recipient or to something inside it: its care model or
  programme) is money already drawn: it is listed, not drawn again; where
  the outer flow states no parts, such flows are drawn inside it as its
  known parts;
- a flow over several years is not drawn in a one-year view ("not broken
  down by year");
- a flow to several recipients is drawn to them jointly.

Every flow in scope is in the table with its source and why it is or is not
drawn; the total of the view is a stated figure (one outermost flow) or a
sum labelled as computed, with its arithmetic.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from . import charts
from .linking import href_for, iri_term, money, per_build, per_build_memo, rows, val

DEFAULT_KIND = "spent"
ALL_YEARS = "all"


def labelled(r, key, label_key):
    return iri_term(r[key].value, val(r[label_key])) if r[key] is not None else None


def key_of(iri: str | None) -> str | None:
    """Kind and financial-year IRIs end in their key (value-kind/spent, period/2015-16)."""
    return iri.rsplit("/", 1)[-1] if iri else None


def _span(f: dict) -> tuple[str, str]:
    """The financial years a flow covers; unknown ends are open."""
    start = key_of(f["period_start"]) or key_of(f["period_end"]) or "0000"
    end = key_of(f["period_end"]) or ("9999" if not f["period_start"] or f["period_label"] else start)
    return start, end


@per_build
def all_flows() -> list[dict]:
    """Every funding flow of the build at its best statement, with all its
    recipients and the references of that statement."""
    recipients: dict[str, list] = {}
    for r in rows("page-funding-recipients"):
        recipients.setdefault(r["flow"].value, []).append(labelled(r, "recipient", "recipientLabel"))
    sources: dict[str, list] = {}
    for r in rows("page-funding-sources"):
        sources.setdefault(r["flow"].value, []).append(
            {"source": labelled(r, "source", "sourceLabel"), "locator": val(r["locator"])})
    flows = []
    for r in rows("page-funding-flows"):
        try:
            amount = Decimal(r["amount"].value)
        except (InvalidOperation, ValueError):
            continue
        start, end = val(r["periodStartLabel"]), val(r["periodEndLabel"])
        period = val(r["periodLabel"]) or (start if start == end else f"{start} to {end}" if start and end
                                           else start or end)
        iri = r["flow"].value
        flows.append({
            "flow": iri_term(iri, val(r["flowLabel"])),
            "statement": val(r["statement"]),
            "funder": labelled(r, "funder", "funderLabel"),
            "recipients": recipients.get(iri) or ([labelled(r, "recipient", "recipientLabel")] if r["recipient"] else []),
            "programme": labelled(r, "programme", "programmeLabel"),
            "care_model": labelled(r, "careModel", "careModelLabel"),
            "amount": amount, "kind_key": key_of(val(r["kind"])) or "unstated",
            "kind": val(r["kindLabel"]) or "kind not stated", "period": period,
            "period_start": val(r["periodStart"]), "period_end": val(r["periodEnd"]),
            "period_label": val(r["periodLabel"]),
            "part_of": val(r["partOf"]),
            "source": labelled(r, "source", "sourceLabel"), "locator": val(r["locator"]),
            # one reference: the lead reference above (page-funding-sources lists two or more)
            "sources": sources.get(iri) or ([{"source": labelled(r, "source", "sourceLabel"),
                                              "locator": val(r["locator"])}] if r["source"] else []),
            "method": val(r["method"]), "inputs": int(r["inputs"].value) if r["inputs"] else 0,
        })
    for f in flows:
        f["recipient"] = f["recipients"][0] if len(f["recipients"]) == 1 else None
        f["joint"] = len(f["recipients"]) > 1
    return flows


@per_build
def flow_count() -> int:
    """How many funding flows the graph has: more than ``all_flows`` holds
    when page-funding-flows reached its limit."""
    found = rows("page-funding-count")
    return int(found[0]["flows"].value) if found else 0


@per_build_memo(maxsize=256)
def flows_involving(iri: str, totals: bool = True) -> list[dict]:
    """Flows that name ``iri`` as funder, recipient, programme or care model,
    with the parts of any of them and (``totals``, for a programme) the totals
    they are part of; a site or care model keeps to its own money."""
    flows = all_flows()
    by_iri = {f["flow"].value: f for f in flows}
    chosen = {f["flow"].value: f for f in flows
              if any(t is not None and t.value == iri
                     for t in [f["funder"], f["programme"], f["care_model"], *f["recipients"]])}
    # Parts are followed down from money wholly ``iri``'s, totals up: a fund
    # shared with others (``iri`` one of several recipients) brings only the
    # parts that name ``iri`` themselves.
    below = {k: f for k, f in chosen.items()
             if not f["joint"] or any(t is not None and t.value == iri
                                      for t in [f["funder"], f["programme"], f["care_model"]])}
    while True:
        more = {f["flow"].value: f for f in flows if f["flow"].value not in below and f["part_of"] in below}
        if not more:
            break
        below.update(more)
    above: dict[str, dict] = {}
    if totals:
        up = [f["part_of"] for f in chosen.values()]
        while up:
            iri_up = up.pop()
            if iri_up in by_iri and iri_up not in below and iri_up not in above:
                above[iri_up] = by_iri[iri_up]
                up.append(by_iri[iri_up]["part_of"])
    return [f for f in flows if f["flow"].value in chosen or f["flow"].value in below or f["flow"].value in above]


@per_build_memo(maxsize=64)
def view(programme: str | None, kind: str | None, year: str | None) -> tuple[dict, list[dict]]:
    """The picture of a programme's flows (``programme`` an IRI) or of every
    flow (None) for ``kind`` and ``year``, with the flows it is drawn from.
    Kept per build: a view is asked for again and again, and callers only
    read it."""
    flows = flows_involving(programme) if programme else all_flows()
    return picture(flows, kind, year), flows


def kinds(flows: list[dict]) -> list[tuple[str, str, int]]:
    """(key, label, number of flows) of each kind of money among ``flows``, spent first."""
    seen: dict[str, list] = {}
    for f in flows:
        seen.setdefault(f["kind_key"], [f["kind"], 0])[1] += 1
    return sorted(((k, lab, n) for k, (lab, n) in seen.items()), key=lambda k: (k[0] != DEFAULT_KIND, k[1]))


def years(flows: list[dict]) -> list[str]:
    """Financial years that some single-year flow covers."""
    return sorted({s[0] for f in flows if (s := _span(f))[0] == s[1] and s[0] not in ("0000", "9999")})


def _within(f: dict, t: dict) -> bool:
    """Is ``f``'s money inside ``t``'s: same funder, within its years, to the
    same recipient or to something inside it (its care model or programme)?"""
    if f is t or t["joint"] or t["recipient"] is None or f["funder"] is None or t["funder"] is None:
        return False
    if f["funder"].value != t["funder"].value:
        return False
    (fs, fe), (ts, te) = _span(f), _span(t)
    if not (ts <= fs and fe <= te):
        return False
    if t["recipient"].value not in _inside(f):
        return False
    same = (fs, fe) == (ts, te) and f["recipient"] is not None and f["recipient"].value == t["recipient"].value
    return not same or f["flow"].value > t["flow"].value


def _inside(f: dict) -> set[str]:
    """What ``f``'s money goes to or within: its care model, programme and recipients."""
    return {x.value for x in [f["care_model"], f["programme"], *f["recipients"]] if x is not None}


def _by_funder_and_recipient(flows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Flows that money can lie within (one funder, one recipient), by the
    two: ``_within(f, t)`` needs ``t``'s funder and recipient to be ``f``'s
    funder and one of ``_inside(f)``, so looking there instead of at every
    flow keeps a view of many thousand flows linear."""
    index: dict[tuple[str, str], list[dict]] = {}
    for t in flows:
        if not t["joint"] and t["recipient"] is not None and t["funder"] is not None:
            index.setdefault((t["funder"].value, t["recipient"].value), []).append(t)
    return index


def _candidates(index: dict, f: dict) -> list[dict]:
    """The flows of ``index`` that ``f`` could lie within."""
    if f["funder"] is None:
        return []
    return [t for x in _inside(f) for t in index.get((f["funder"].value, x), [])]


def _below(p: dict, t: dict) -> bool:
    """Is ``p`` one of ``t``'s parts, or a part of one of them?"""
    while p["parent"] is not None:
        p = p["parent"]
        if p is t:
            return True
    return False


def _node(f: dict) -> dict:
    """The node a flow goes to: its recipient, or all its recipients jointly."""
    if f["joint"]:
        return {"key": "joint:" + f["flow"].value, "iri": f["flow"].value,
                "label": "Jointly: " + ", ".join(r.text for r in f["recipients"]),
                "members": [r.value for r in f["recipients"]]}
    r = f["recipient"] or f["programme"]
    if r is None:
        return {"key": "none:" + f["flow"].value, "iri": None, "label": "recipient not stated"}
    return {"key": r.value, "iri": r.value, "label": r.text}


def _funder_node(f: dict) -> dict:
    if f["funder"] is None:
        return {"key": "none", "iri": None, "label": "funder not stated"}
    return {"key": f["funder"].value, "iri": f["funder"].value, "label": f["funder"].text}


def picture(flows: list[dict], kind: str | None = None, year: str | None = None) -> dict:
    """The view of ``flows`` for one kind (a key such as ``spent``) and one
    financial year or all (``None``): which flows are drawn, the bands, the
    nodes' money in and out, and the view's total with its arithmetic."""
    available = kinds(flows)
    if kind not in {k for k, _l, _n in available}:
        kind = available[0][0] if available else None
    out = [dict(f, drawn=False, why_not=None, parent=None, parts=[], implicit=False) for f in flows]
    by_iri = {f["flow"].value: f for f in out}
    view = []
    for f in out:
        if f["kind_key"] != kind:
            f["why_not"] = (f"another kind of money ({f['kind']}): in that kind's view", None)
        elif year and _span(f) != (year, year):
            s = _span(f)
            f["why_not"] = ((f"over {f['period']}, not broken down by year" if s[0] <= year <= s[1]
                             else f"not for {year}"), None)
        else:
            view.append(f)
    in_view = {f["flow"].value for f in view}
    # Stated parts go inside their total.
    for f in view:
        if f["part_of"] in in_view:
            f["parent"] = by_iri[f["part_of"]]
            f["parent"]["parts"].append(f)
    # A total with a stated part that lies within another total of the view
    # (a one-year fund whose money to the vanguards is within their three-year
    # total) overlaps it: drawing both would count that part twice, so the
    # overlapping total is listed, not drawn, and its parts stand alone.
    top = [f for f in view if f["parent"] is None]
    top_into = _by_funder_and_recipient(top)
    order = {id(f): i for i, f in enumerate(top)}
    for t in top:
        if not t["parts"]:
            continue
        # only a flow that some part of ``t`` lies within can overlap it
        near = {id(r): r for p in t["parts"] for r in _candidates(top_into, p)}
        for r in sorted(near.values(), key=lambda r: order[id(r)]):
            if r is t or not t["parts"] or r["why_not"] is not None or _within(r, t):
                continue
            inside = [p for p in t["parts"] if _within(p, r)]
            if inside and sum((p["amount"] for p in inside), Decimal(0)) < t["amount"]:
                t["why_not"] = ("overlaps", r["flow"], r, inside[0])
                for p in t["parts"]:
                    p["parent"] = None
                t["parts"] = []
    # A flow with no total in the view that lies within another flow of the
    # view is money already counted there.
    roots = [f for f in view if f["parent"] is None and f["why_not"] is None]
    view_into = _by_funder_and_recipient(view)
    for f in roots:
        outer = [t for t in _candidates(view_into, f) if not (t["why_not"] and t["why_not"][0] == "overlaps")
                 and not _below(t, f) and _within(f, t)]
        if not outer:
            continue
        t = min(outer, key=lambda t: (_span(t)[1] > _span(t)[0], t["amount"], t["flow"].value))
        stated_parts = any(not p["implicit"] for p in t["parts"])
        if stated_parts or f["recipient"] is not None and t["recipient"].value == f["recipient"].value:
            f["why_not"] = ("within", t["flow"], t)
        else:
            f["parent"], f["implicit"] = t, True
            t["parts"].append(f)
    bands, notes, remainders = [], [], []

    def draw(f: dict, src: dict) -> None:
        f["drawn"] = True
        dst = _node(f)
        f["node"] = dst
        bands.append({"src": src, "dst": dst, "amount": f["amount"], "flow": f, "period": f["period"]})
        parts = [p for p in f["parts"] if p["why_not"] is None]
        for p in sorted(parts, key=lambda p: (-p["amount"], p["flow"].value)):
            draw(p, dst)
        if parts:
            total = sum((p["amount"] for p in parts), Decimal(0))
            arithmetic = " + ".join(money(p["amount"]) for p in parts) + f" = {money(total)}"
            rest = f["amount"] - total
            if rest > 0:
                node = {"key": "rest:" + f["flow"].value, "iri": None,
                        "label": f"{dst['label']}: not broken down"}
                remainders.append({"total": f, "amount": rest, "arithmetic":
                                   f"{money(f['amount'])} − ({arithmetic}) = {money(rest)}"})
                bands.append({"src": dst, "dst": node, "amount": rest, "flow": None, "total": f,
                              "period": f["period"]})
            elif rest < 0:
                notes.append({"total": f, "amount": -rest, "arithmetic": arithmetic,
                              "text": f"the parts of {money(f['amount'])} add up to {arithmetic}: "
                                      f"{money(-rest)} more than the stated total (the parts are rounded)"})

    roots = [f for f in view if f["parent"] is None and f["why_not"] is None]
    for f in sorted(roots, key=lambda f: (-f["amount"], f["flow"].value)):
        draw(f, _funder_node(f))
    for f in view:
        if not f["drawn"] and f["why_not"] is None:
            p = f["parent"]
            f["why_not"] = ("part of a flow not drawn:", p["flow"] if p else None)
    drawn_roots = sorted((f for f in roots if f["drawn"]), key=lambda f: (-f["amount"], f["flow"].value))
    total = sum((f["amount"] for f in drawn_roots), Decimal(0))
    summary = {"amount": total, "roots": drawn_roots, "stated": len(drawn_roots) == 1,
               "arithmetic": " + ".join(money(f["amount"]) for f in drawn_roots) + f" = {money(total)}"}
    nodes = _nodes(bands)
    return {"flows": out, "kind": kind, "kind_label": next((lab for k, lab, _n in available if k == kind), kind),
            "year": year, "kinds": available, "years": years(flows), "bands": bands, "nodes": nodes,
            "remainders": remainders, "notes": notes, "total": summary,
            "chart": charts.sankey(bands), "drawn": sum(1 for f in out if f["drawn"])}


def _nodes(bands: list[dict]) -> list[dict]:
    """Each node's money in and out, per period."""
    nodes: dict[str, dict] = {}
    for b in bands:
        for end, side in ((b["src"], "out"), (b["dst"], "in")):
            n = nodes.setdefault(end["key"], {"node": end, "in": {}, "out": {},
                                              "href": href_for(end["iri"]) if end["iri"] else None})
            n[side][b["period"] or "period not stated"] = n[side].get(b["period"] or "period not stated",
                                                                        Decimal(0)) + b["amount"]
    return list(nodes.values())
