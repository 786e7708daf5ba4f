"""The funding view: money from funder to programme to care model or site.

Each drawn flow is a band along funder → programme → recipient. A part of a
stated total (``ia:partOf``) continues from the total's recipient, so money
is not counted twice. Where two sources state the same flow (same funder,
recipient, programme and kind over overlapping years) or mark a disagreement
(``ia:disputes``), the most reliable statement is drawn and the others are
listed beside it. Every flow, drawn or not, is in the table with its source
document and locator.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, render_template, request

from . import charts
from .linking import iri_term, rows, val
from .pages import bp
from .resources import per_build

RELIABILITY_RANK = {"official": 0, "secondary": 1, "derived": 2}


def _t(r, key, label_key):
    return iri_term(r[key].value, val(r[label_key])) if r[key] is not None else None


def _fy(iri: str | None) -> str | None:
    """Financial-year IRIs end in their label (period/2015-16), which sorts by time."""
    return iri.rsplit("/", 1)[-1] if iri else None


def _overlap(a: dict, b: dict) -> bool:
    """Do two flows' periods overlap? An unknown period overlaps everything."""
    a0, b0 = _fy(a["period_start"]) or _fy(a["period_end"]), _fy(b["period_start"]) or _fy(b["period_end"])
    if a0 is None or b0 is None:
        return True
    a1 = _fy(a["period_end"]) or ("9999" if a["period_label"] else a0)
    b1 = _fy(b["period_end"]) or ("9999" if b["period_label"] else b0)
    return a0 <= b1 and b0 <= a1


@per_build
def all_flows() -> list[dict]:
    flows = []
    for r in rows("page-funding-flows"):
        try:
            amount = Decimal(r["amount"].value)
        except (InvalidOperation, ValueError):
            continue
        start, end = val(r["periodStartLabel"]), val(r["periodEndLabel"])
        period = val(r["periodLabel"]) or (start if start == end else f"{start} to {end}" if start and end
                                           else start or end)
        reliability = val(r["reliability"]) or ""
        flows.append({
            "flow": iri_term(r["flow"].value, val(r["flowLabel"])),
            "funder": _t(r, "funder", "funderLabel"),
            "recipient": _t(r, "recipient", "recipientLabel"),
            "recipient_type": val(r["recipientType"]),
            "programme": _t(r, "programme", "programmeLabel"),
            "care_model": _t(r, "careModel", "careModelLabel"),
            "amount": amount, "kind": val(r["kindLabel"]), "period": period,
            "period_start": val(r["periodStart"]), "period_end": val(r["periodEnd"]),
            "period_label": val(r["periodLabel"]),
            "part_of": val(r["partOf"]), "is_total": r["total"] is not None,
            "disputes": val(r["disputes"]),
            "source": _t(r, "source", "sourceLabel"), "locator": val(r["locator"]),
            "reliability": val(r["reliabilityLabel"]),
            "method": val(r["method"]), "inputs": int(r["inputs"].value) if r["inputs"] else 0,
            "rank": RELIABILITY_RANK.get(reliability.rsplit("/", 1)[-1], 3),
            "drawn": True, "why_not": None, "same_as": None,
        })
    _choose(flows)
    return flows


def _key(f: dict) -> tuple:
    return tuple(f[k] and f[k].value for k in ("funder", "recipient", "programme")) + (f["kind"],)


def _choose(flows: list[dict]) -> None:
    """Mark which flows the picture draws, and the path each is drawn along."""
    by_iri = {f["flow"].value: f for f in flows}
    order = sorted(flows, key=lambda f: (f["rank"], f["period_start"] is None, f["flow"].value))
    kept: dict[tuple, list[dict]] = {}
    for f in order:
        twin = next((k for k in kept.get(_key(f), []) if _overlap(k, f)), None)
        if twin is not None:
            f["drawn"], f["why_not"], f["same_as"] = False, ("the same flow as", twin["flow"]), twin
            continue
        other = by_iri.get(f["disputes"]) if f["disputes"] else None
        if other is not None and other["drawn"] and other in order[:order.index(f)]:
            f["drawn"], f["why_not"] = False, ("disputes", other["flow"])
            continue
        kept.setdefault(_key(f), []).append(f)

    def winner(f):
        while f is not None and f["same_as"] is not None:
            f = f["same_as"]
        return f

    for f in flows:
        f["total"] = winner(by_iri.get(f["part_of"])) if f["part_of"] else None
    for f in flows:
        if not f["drawn"]:
            continue
        total = f["total"]
        if total is not None and total["drawn"] and total["recipient"] is not None:
            if f["recipient"] is not None and total["recipient"].value == f["recipient"].value:
                f["drawn"], f["why_not"] = False, ("a part of", total["flow"])
                continue
            f["path"] = [total["recipient"], f["recipient"]]
        else:
            hops = [f["funder"], f["programme"], f["recipient"]]
            path = []
            for h in hops:
                if h is not None and all(h.value != p.value for p in path):
                    path.append(h)
            f["path"] = path


def flows_involving(iri: str) -> list[dict]:
    """Flows that name ``iri`` as funder, recipient, programme or care model,
    with the totals they are part of and the parts of any total among them."""
    flows = all_flows()
    chosen = {f["flow"].value: f for f in flows
              if any(f[k] is not None and f[k].value == iri
                     for k in ("funder", "recipient", "programme", "care_model"))}
    while True:
        more = {f["flow"].value: f for f in flows if f["flow"].value not in chosen and (
            f["part_of"] in chosen or any(c["part_of"] == f["flow"].value for c in chosen.values()))}
        if not more:
            break
        chosen.update(more)
    return [f for f in flows if f["flow"].value in chosen]


@bp.get("/-/funding")
def funding():
    programme = request.args.get("programme", "").strip()
    flows = all_flows()
    if programme:
        flows = flows_involving(programme)
        if not flows:
            abort(404, description=f"No funding flows name {programme}.")
    programmes = sorted({(f["programme"].value, f["programme"].text) for f in all_flows() if f["programme"]},
                        key=lambda p: p[1].lower())
    by_programme: dict[str, list[dict]] = {}
    for f in sorted(flows, key=lambda f: ((f["programme"].text if f["programme"] else "~"), -f["amount"])):
        by_programme.setdefault(f["programme"].text if f["programme"] else "No programme stated", []).append(f)
    return render_template("funding.html", chart=charts.sankey(flows), groups=by_programme,
                           programmes=programmes, selected=programme, count=len(flows),
                           drawn=sum(1 for f in flows if f["drawn"]))
