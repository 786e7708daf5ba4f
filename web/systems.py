"""Integrated care systems: an index of the boards and one page per system.

``/-/systems`` lists the integrated care boards of July 2022 with their codes;
``/-/system/<key>`` shows one system (its board ``id/organisation/<key>``):
its codes over time, and every programme that touched its area since 2009
with how (sites placed by code, the footprint it grew from). Both come from
named queries (``icb-codes``, ``system-programmes``) and link to them.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from .linking import href_for, iri_for_path, rows, val

bp = Blueprint("systems", __name__)


def _codes(system: str | None = None) -> list[dict]:
    out = []
    for r in rows("icb-codes"):
        if system and r["icb"].value != system:
            continue
        out.append({k: val(v) for k, v in r.items()} | {"icb_href": href_for(r["icb"].value),
                                                        "code_href": href_for(r["codeIri"].value)})
    return out


@bp.get("/-/systems")
def index():
    boards: dict[str, dict] = {}
    for r in _codes():
        b = boards.setdefault(r["icb"], {"name": r["name"], "href": r["icb_href"], "key": r["icb"].rsplit("/", 1)[1],
                                         "ods": [], "ons": []})
        (b["ods"] if r["codeList"] == "ODS codes" else b["ons"]).append(r)
    return render_template("systems.html", boards=sorted(boards.values(), key=lambda b: b["name"]))


@bp.get("/-/system/<key>")
def system(key: str):
    iri = iri_for_path("id/organisation/" + key)
    codes = _codes(iri)
    if not codes:
        abort(404)
    programmes: dict[str, dict] = {}
    for r in rows("system-programmes", system=iri):
        p = programmes.setdefault(r["programme"].value, {
            "name": val(r["programmeName"]), "href": href_for(r["programme"].value),
            "start": val(r["start"]), "end": val(r["end"]), "through": []})
        p["through"].append({"how": val(r["how"]), "name": val(r["throughName"]), "href": href_for(r["through"].value)})
    return render_template("system.html", name=codes[0]["name"], iri=iri, href=href_for(iri), codes=codes,
                           programmes=sorted(programmes.values(), key=lambda p: (p["start"] or "9999", p["name"])))
