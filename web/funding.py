"""The funding view: money from funder to programme to care model or site.

A picture shows one kind of money (spent, allocated, announced...) over all
years or one financial year, so amounts that mean different things are never
added together. Within it:

- each flow is a band along funder → programme → recipient;
- a part of a stated total (``ia:partOf``) continues from the total's
  recipient, so money is not counted twice;
- where two sources state the same flow (same funder, recipient and kind,
  over overlapping years) or mark a disagreement (``ia:disputes``),
  the most reliable statement is drawn and the other is listed beside it;
  a second breakdown of a total that already has one is listed, not drawn.

Every flow, drawn or not, is in the table with its source and locator, and
says why it is or is not in the picture.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation

from flask import abort, render_template, request

from . import charts
from .linking import iri_term, rows, val
from .pages import bp
from .resources import per_build

RELIABILITY_RANK = {"official": 0, "secondary": 1, "derived": 2}
NO_KIND = "kind not stated"


def _t(r, key, label_key):
    return iri_term(r[key].value, val(r[label_key])) if r[key] is not None else None


def _fy(iri: str | None) -> str | None:
    """Financial-year IRIs end in their label (period/2015-16), which sorts by time."""
    return iri.rsplit("/", 1)[-1] if iri else None


def _span(f: dict) -> tuple[str, str] | None:
    """The financial years a flow covers, or None if unknown; open-ended to 9999."""
    start = _fy(f["period_start"]) or _fy(f["period_end"])
    if start is None:
        return None
    end = _fy(f["period_end"]) or ("9999" if f["period_label"] else start)
    return start, end


def _overlap(a: dict, b: dict) -> bool:
    """Do two flows' periods overlap? An unknown period overlaps everything."""
    sa, sb = _span(a), _span(b)
    if sa is None or sb is None:
        return True
    return sa[0] <= sb[1] and sb[0] <= sa[1]


@per_build
def all_flows() -> list[dict]:
    """Every funding flow of the build, as the sources state them."""
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
            "programme": _t(r, "programme", "programmeLabel"),
            "care_model": _t(r, "careModel", "careModelLabel"),
            "amount": amount, "kind": val(r["kindLabel"]) or NO_KIND, "period": period,
            "period_start": val(r["periodStart"]), "period_end": val(r["periodEnd"]),
            "period_label": val(r["periodLabel"]),
            "part_of": val(r["partOf"]), "is_total": r["total"] is not None,
            "disputes": val(r["disputes"]),
            "source": _t(r, "source", "sourceLabel"), "locator": val(r["locator"]),
            "reliability": val(r["reliabilityLabel"]),
            "method": val(r["method"]), "inputs": int(r["inputs"].value) if r["inputs"] else 0,
            "rank": RELIABILITY_RANK.get(reliability.rsplit("/", 1)[-1], 3),
        })
    return flows


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


def kinds(flows: list[dict]) -> list[tuple[str, Decimal]]:
    totals: Counter = Counter()
    for f in flows:
        totals[f["kind"]] += f["amount"]
    return sorted(totals.items(), key=lambda kv: (kv[0] != "spent", -kv[1]))


def years(flows: list[dict]) -> list[str]:
    """Financial years that some single-year flow covers."""
    return sorted({s[0] for f in flows if (s := _span(f)) and s[0] == s[1]})


def _key(f: dict) -> tuple:
    """Flows with the same key over overlapping years are the same money."""
    return (f["funder"] and f["funder"].value, f["recipient"] and f["recipient"].value, f["kind"])


def picture(flows: list[dict], kind: str | None = None, year: str | None = None) -> dict:
    """Which of ``flows`` the picture draws (for one kind, and one year or all),
    and along which path; every flow gets ``drawn`` and ``why_not``."""
    available = kinds(flows)
    if kind not in {k for k, _v in available}:
        kind = available[0][0] if available else None
    out = [dict(f, drawn=False, why_not=None, same_as=None, path=None) for f in flows]
    by_iri = {f["flow"].value: f for f in out}
    chosen = []
    for f in out:
        if f["kind"] != kind:
            f["why_not"] = (f"another kind of money ({f['kind']})", None)
        elif year and _span(f) != (year, year):
            f["why_not"] = (f"not for {year} alone", None)
        else:
            chosen.append(f)
    chosen.sort(key=lambda f: (f["rank"], _span(f) is None, f["flow"].value))
    kept: dict[tuple, list[dict]] = {}
    for i, f in enumerate(chosen):
        twin = next((k for k in kept.get(_key(f), []) if _overlap(k, f)), None)
        if twin is not None:
            f["why_not"], f["same_as"] = ("the same flow as", twin["flow"]), twin
            continue
        other = by_iri.get(f["disputes"]) if f["disputes"] else None
        if other is not None and other in chosen[:i] and other["same_as"] is None:
            f["why_not"] = ("disputes", other["flow"])
            continue
        f["drawn"] = True
        kept.setdefault(_key(f), []).append(f)

    def winner(f):
        while f is not None and f["same_as"] is not None:
            f = f["same_as"]
        return f

    drawn_parts_of = {f["part_of"] for f in chosen if f["drawn"] and f["part_of"]}
    for f in chosen:
        if not f["drawn"]:
            continue
        total = by_iri.get(f["part_of"]) if f["part_of"] else None
        if total is not None and total in chosen:
            w = winner(total)
            if w is not total and w["flow"].value in drawn_parts_of:
                f["drawn"], f["why_not"] = False, ("another breakdown of", w["flow"])
                continue
            if w["drawn"] and w["recipient"] is not None:
                if f["recipient"] is not None and w["recipient"].value == f["recipient"].value:
                    f["drawn"], f["why_not"] = False, ("a part of", w["flow"])
                    continue
                f["path"] = [w["recipient"], f["recipient"]]
                continue
        path = []
        for hop in (f["funder"], f["programme"], f["recipient"]):
            if hop is not None and all(hop.value != p.value for p in path):
                path.append(hop)
        f["path"] = path
    return {"flows": out, "kind": kind, "year": year, "kinds": available, "years": years(flows),
            "chart": charts.sankey(out), "drawn": sum(1 for f in out if f["drawn"])}


@bp.get("/-/funding")
def funding():
    programme = request.args.get("programme", "").strip()
    flows = all_flows()
    if programme:
        flows = flows_involving(programme)
        if not flows:
            abort(404, description=f"No funding flows name {programme}.")
    year = request.args.get("year", "").strip() or None
    pic = picture(flows, request.args.get("kind") or None, year)
    programmes = sorted({(f["programme"].value, f["programme"].text) for f in all_flows() if f["programme"]},
                        key=lambda p: p[1].lower())
    by_programme: dict[str, list[dict]] = {}
    for f in sorted(pic["flows"], key=lambda f: ((f["programme"].text if f["programme"] else "~"),
                                                  not f["drawn"], -f["amount"])):
        by_programme.setdefault(f["programme"].text if f["programme"] else "No programme stated", []).append(f)
    return render_template("funding.html", pic=pic, groups=by_programme, programmes=programmes,
                           selected=programme, count=len(flows))
