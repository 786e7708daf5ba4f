"""The funding view: money from funder to recipient, flow by flow
(``/-/funding``, its JSON and CSV). What is drawn and why is decided in
``money_flows``."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from flask import Blueprint, Response, abort, render_template, request

from kg import formats

from .documents import allow_any_origin
from .linking import base, iri_term, per_build, rows, val
from .money_flows import ALL_YEARS, all_flows, flow_count, flows_involving, key_of, kinds, labelled, view, years

bp = Blueprint("funding", __name__)
bp.after_request(allow_any_origin)


# ---------------------------------------------------------------------------
# Parameters shared by the page and its JSON and CSV

class BadParameter(ValueError):
    pass


def _programme_iri(key: str) -> str:
    return key if "://" in key else f"{base()}id/programme/{key}"


def view_from_request() -> tuple[dict, str, list[dict]]:
    """The picture the request's ``programme``, ``kind`` and ``year`` ask for."""
    programme = request.args.get("programme", "").strip()
    flows = all_flows()
    if programme:
        flows = flows_involving(_programme_iri(programme))
        if not flows:
            raise BadParameter(f"programme: no funding flows name {programme!r}; use a programme key "
                               f"such as 'vanguards' (see /-/funding for the list).")
    kind = request.args.get("kind", "").strip() or None
    known = {k for k, _l, _n in kinds(flows)}
    if kind is not None and kind not in known:
        raise BadParameter(f"kind: {kind!r} is not a kind of money here; use one of: {', '.join(sorted(known))}.")
    year = request.args.get("year", "").strip() or ALL_YEARS
    if year != ALL_YEARS and year not in years(all_flows()):
        raise BadParameter(f"year: {year!r} is not a financial year with funding flows; use 'all' or one of: "
                           f"{', '.join(years(all_flows()))}.")
    pic, flows = view(_programme_iri(programme) if programme else None, kind, None if year == ALL_YEARS else year)
    return pic, programme, flows


def checked_view(fmt: str) -> tuple[dict, str, list[dict]]:
    """``view_from_request``, or a 400 naming the bad parameter in the
    route's own format (``html``, ``json`` or ``csv``)."""
    try:
        return view_from_request()
    except BadParameter as e:
        if fmt == "html":
            abort(400, description=str(e))
        if fmt == "json":
            abort(Response(json.dumps({"error": str(e)}), 400, mimetype="application/json"))
        abort(Response(str(e) + "\n", 400, mimetype="text/plain"))


@per_build
def bcf_pooled() -> list[dict]:
    """The Better Care Fund's pooled money by year: the required minimum
    (planned) beside what was pooled (actual)."""
    by_year: dict[str, dict] = {}
    for r in rows("page-funding-bcf"):
        start, end = val(r["periodStartLabel"]), val(r["periodEndLabel"])
        period = start if start == end else f"{start} to {end}"
        row = by_year.setdefault(period or "period not stated", {"period": period})
        row[key_of(val(r["kind"])) or "unstated"] = {
            "figure": iri_term(r["figure"].value, val(r["figureLabel"])), "value": Decimal(r["value"].value),
            "source": labelled(r, "source", "sourceLabel"), "locator": val(r["locator"])}
    out = sorted(by_year.values(), key=lambda r: r["period"] or "")
    for r in out:
        if "planned" in r and "actual" in r:
            r["difference"] = r["actual"]["value"] - r["planned"]["value"]
    return out


@bp.get("/-/funding")
def funding():
    pic, programme, flows = checked_view("html")
    programmes = sorted({(key_of(f["programme"].value), f["programme"].text) for f in all_flows() if f["programme"]},
                        key=lambda p: p[1].lower())
    by_programme: dict[str, list[dict]] = {}
    for f in sorted(pic["flows"], key=lambda f: ((f["programme"].text if f["programme"] else "~"),
                                                  not f["drawn"], -f["amount"])):
        by_programme.setdefault(f["programme"].text if f["programme"] else "No programme stated", []).append(f)
    return render_template("funding.html", pic=pic, groups=by_programme, programmes=programmes,
                           selected=key_of(programme) if programme else "", count=len(flows),
                           bcf=bcf_pooled(), query=request.query_string.decode(),
                           held=len(all_flows()), existing=flow_count())


def _amount(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def as_data(pic: dict) -> dict:
    """The drawn flows and the nodes' money in and out, as plain data."""
    flows = []
    for b in pic["bands"]:
        f = b["flow"]
        if f is None:
            t = b["total"]
            flows.append({"funder": t["funder"].value if t["funder"] else None,
                          "recipient": [r.value for r in t["recipients"]], "amount": _amount(b["amount"]),
                          "period": b["period"], "kind": pic["kind"], "thing": None, "statement": None,
                          "sources": [], "remainder_of": t["flow"].value, "from": b["src"]["iri"],
                          "to": None, "note": b["dst"]["label"]})
            continue
        flows.append({"funder": f["funder"].value if f["funder"] else None,
                      "recipient": [r.value for r in f["recipients"]], "amount": _amount(f["amount"]),
                      "period": f["period"], "kind": f["kind_key"], "thing": f["flow"].value,
                      "statement": f["statement"],
                      "sources": [{"document": s["source"].value, "locator": s["locator"]} for s in f["sources"]],
                      "part_of": f["parent"]["flow"].value if f["parent"] else None,
                      "from": b["src"]["iri"], "to": b["dst"]["iri"], "joint": f["joint"]})
    nodes = [{"node": n["node"]["iri"], "label": n["node"]["label"],
              "in": {p: _amount(v) for p, v in n["in"].items()},
              "out": {p: _amount(v) for p, v in n["out"].items()}} for n in pic["nodes"]]
    t = pic["total"]
    return {"kind": pic["kind"], "year": pic["year"] or ALL_YEARS, "flows": flows, "nodes": nodes,
            "total": {"amount": _amount(t["amount"]), "stated": t["stated"], "arithmetic": t["arithmetic"]},
            "flows_held": len(all_flows()), "flows_in_graph": flow_count()}


CSV_FIELDS = ["funder", "recipient", "amount", "period", "kind", "thing", "statement", "sources", "part_of",
              "remainder_of"]


@bp.get("/-/funding.json")
def funding_json():
    pic, _programme, _flows = checked_view("json")
    return Response(json.dumps(as_data(pic), indent=1), mimetype="application/json")


@bp.get("/-/funding.csv")
def funding_csv():
    pic, _programme, _flows = checked_view("csv")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for f in as_data(pic)["flows"]:
        w.writerow([f["funder"] or "", " ".join(f["recipient"]), f["amount"], f["period"] or "", f["kind"],
                    f["thing"] or "", f["statement"] or "",
                    " ".join(f"{s['document']}#{s['locator'] or ''}" for s in f["sources"]),
                    f.get("part_of") or "", f.get("remainder_of") or ""])
    return Response("\ufeff" + buf.getvalue(), content_type=formats.CSV.content_type)
