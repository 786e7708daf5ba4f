"""What a programme page shows an analyst: a summary box, targets paired with
their outcomes, findings, the real disagreements among the statements of the
items about it, and its sources. Every figure keeps the IRI of its item, so
the page links it to the item's dossier.

Shared helpers only: imports nothing from the page modules.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from .evidence import disagreements, dossier_href, interval, show_value
from .linking import IA_NS, curie, href_for, iri_term, per_build_memo, rows, truth, val

#: Rows of the sources list on a programme page before "and N more".
SOURCES_ON_PAGE = 12
#: Findings listed before "and N more".
FINDINGS_ON_PAGE = 12


def figure(item: str | None, value, unit: str | None, **extra) -> dict | None:
    """A number on the page: what to show and the dossier it links to."""
    if value is None:
        return None
    return {"item": item, "value": float(value), "shown": show_value(float(value), unit),
            "href": dossier_href(item) if item else None, **extra}


def first_sentence(text: str | None) -> str | None:
    if not text:
        return None
    m = re.match(r"(.+?[.;])(\s|$)", text.strip())
    sentence = (m.group(1) if m else text.strip()).rstrip(";").rstrip()
    return sentence if sentence.endswith(".") else sentence + "."


def _names(packed: str | None) -> list:
    out = []
    for part in (packed or "").split("|"):
        if part:
            iri, _, label = part.partition(" ")
            out.append(iri_term(iri, label or None))
    return out


def _period(start: str | None, end: str | None) -> str | None:
    if not (start or end):
        return None
    return start if start == end or not end else f"{start} to {end}" if start else f"by {end}"


@per_build_memo(maxsize=64)
def compared_statements(programme: str) -> "OrderedDict[str, dict]":
    """The things about the programme that more than one statement gives, with
    all their statements: the only ones that can disagree (kept per build;
    callers only read)."""
    items: "OrderedDict[str, dict]" = OrderedDict()
    for r in rows("programme-compared-statements", programme=programme):
        iri = r["item"].value
        item = items.setdefault(iri, {
            "item": iri_term(iri, val(r["itemLabel"])), "measure": val(r["measureLabel"]),
            "period": _period(val(r["periodStartLabel"]), val(r["periodEndLabel"])), "statements": [],
        })
        value = float(r["value"].value) if r["value"] is not None else None
        bound, rounding = val(r["boundLabel"]), float(r["rounding"].value) if r["rounding"] is not None else None
        rank = r["rank"].value.rsplit("#", 1)[-1].replace("Rank", "").lower() if r["rank"] else None
        item["statements"].append({
            "statement": iri_term(r["statement"].value), "value": value, "unit": val(r["unitLabel"]),
            "bound": bound, "kind": val(r["kindLabel"]), "rank": rank, "reason": val(r["reasonLabel"]),
            "best": truth(r["best"]), "derived": truth(r["derived"]),
            "shown": ((bound + " ") if bound else "") + show_value(value, val(r["unitLabel"])) if value is not None else "",
            "interval": interval(value, bound, rounding) if value is not None else None,
            "source": iri_term(r["source"].value, val(r["sourceLabel"])) if r["source"] else None,
            "url": val(r["sourceUrl"]), "locator": val(r["locator"]), "stated_by": val(r["statedBy"]),
        })
    return items


def headline_money(programme: str) -> dict | None:
    """The largest amount paid to the programme itself at its preferred value
    (a whole, not a part), else the largest money figure about it."""
    found = rows("programme-money", programme=programme)
    if not found:
        return None
    r = found[0]
    unit = val(r["unitLabel"])
    return {**figure(r["item"].value, r["value"].value, unit), "label": val(r["itemLabel"]) or curie(r["item"].value),
            "kind": val(r["kindLabel"]), "period": _period(val(r["periodStartLabel"]), val(r["periodEndLabel"])),
            "source": iri_term(r["source"].value, val(r["sourceLabel"])) if r["source"] else None,
            "locator": val(r["locator"])}


@per_build_memo(maxsize=64)
def targets_and_outcomes(programme: str) -> list[dict]:
    """Each target paired with its outcome, the gap and what missing it cost
    (kept per build; callers only read)."""
    pairs: "OrderedDict[tuple, dict]" = OrderedDict()
    for r in rows("bcf-planned-vs-actual", programme=programme):
        key = (r["target"].value, r["outcome"].value if r["outcome"] else None)
        if key in pairs:
            continue
        unit = val(r["unitLabel"])
        planned = float(r["planned"].value)
        actual = float(r["actual"].value) if r["actual"] is not None else None
        period = val(r["from"]), val(r["to"])
        pairs[key] = {
            "measure": val(r["measureLabel"]), "unit": unit,
            "period": period[1] if period[0] == period[1] or not period[0] else f"{period[0]} to {period[1]}",
            "target": figure(r["target"].value, planned, unit),
            "target_source": val(r["targetSource"]), "target_locator": val(r["targetLocator"]),
            "outcome": figure(r["outcome"].value, actual, unit) if r["outcome"] else None,
            "outcome_source": val(r["outcomeSource"]), "outcome_locator": val(r["outcomeLocator"]),
            # the gap is computed here; it links to the outcome's dossier, which holds both values
            "gap": figure(r["outcome"].value, actual - planned, unit) if actual is not None else None,
            "met": None if actual is None else (actual <= planned if planned < 0 else actual >= planned),
            "cost": figure(r["cost"].value, r["additionalCost"].value, "pounds sterling")
            if r["cost"] is not None and r["additionalCost"] is not None else None,
            "cost_measure": val(r["costMeasure"]),
        }
    for p in pairs.values():
        # a change (a fall planned, a rise found) reads with its sign
        if p["target"]["value"] < 0 or (p["outcome"] and p["outcome"]["value"] < 0):
            for k in ("target", "outcome", "gap"):
                if p.get(k) and p[k]["value"] > 0:
                    p[k]["shown"] = "+" + p[k]["shown"]
    return list(pairs.values())


def findings(programme: str) -> list[dict]:
    return [{"item": iri_term(r["item"].value, val(r["itemLabel"])), "href": dossier_href(r["item"].value),
             "source": iri_term(r["source"].value, val(r["sourceLabel"])) if r["source"] else None,
             "locator": val(r["locator"]), "url": val(r["sourceUrl"])}
            for r in rows("programme-findings", programme=programme)]


def real_disagreements(items: "OrderedDict[str, dict]") -> list[dict]:
    """Statements of one item that cannot both hold (bounds and rounding
    allowed for; derived sums and other kinds are not disagreements)."""
    out = []
    for it in items.values():
        pairs = disagreements(it["statements"])
        if not pairs:
            continue
        involved = []
        for a, b in pairs:
            for s in (a, b):
                if s not in involved:
                    involved.append(s)
        preferred = next((s for s in it["statements"] if s["rank"] == "preferred"), None)
        out.append({
            "item": it["item"], "href": dossier_href(it["item"].value),
            "measure": it["measure"] or it["item"].text, "period": it["period"],
            "statements": [{**s, "href": dossier_href(it["item"].value)} for s in involved],
            "preferred": preferred, "reason": preferred["reason"] if preferred else None,
        })
    return out


def sources(programme: str) -> list[dict]:
    """The documents behind the programme's statements, most things first."""
    return [{"source": iri_term(r["source"].value, val(r["sourceLabel"])), "url": val(r["sourceUrl"]),
             "n": int(r["items"].value)} for r in rows("programme-sources", programme=programme)]


def overview(programme: str, description: str | None, lineage_links: list[dict]) -> dict:
    """Everything the programme page shows above its sections."""
    found = rows("programme-summary", programme=programme)
    r = found[0] if found else None
    latest = rows("programme-latest-period", programme=programme)
    pairs = targets_and_outcomes(programme)
    return {
        "sentence": first_sentence(description),
        "type": val(r["typeLabel"]) if r else None,
        "start": val(r["start"]) if r else None, "end": end_shown(r) if r else None,
        "latest": (val(latest[0]["latest"]) or None) if latest else None,
        "first_event": val(r["firstEvent"]) if r else None,
        "run_by": _names(val(r["runBy"])) if r else [], "launched_by": _names(val(r["launchedBy"])) if r else [],
        "sites": int(r["sites"].value) if r else 0,
        "money": headline_money(programme),
        "plan": pairs[0] if pairs else None,
        "before": [l for l in lineage_links if l["direction"] == "before"],
        "after": [l for l in lineage_links if l["direction"] == "after"],
        "targets": pairs,
        "findings": findings(programme),
        "disagreements": real_disagreements(compared_statements(programme)),
        "sources": sources(programme),
    }


#: Characters of an ISO date a precision keeps (the build writes whole days).
DATE_CHARS = {"year": 4, "month": 7}


def end_shown(r) -> str | None:
    """A programme's end as its pages write it, from a row with ``end``,
    ``endPrecision`` and ``endKind``: no finer than known, with its kind
    ("2011-03 (planned end)" for a derived planned end); None when no end is
    recorded, which the pages show as ongoing."""
    end = val(r["end"])
    if not end:
        return None
    end = end[:DATE_CHARS.get(val(r["endPrecision"]), 10)]
    kind = val(r["endKind"])
    return f"{end} ({kind} end)" if kind else end


PROGRAMME = IA_NS + "Programme"


def programme_dates() -> list[dict]:
    """Every programme with its dates: ``end`` as the build wrote it (a day,
    for drawing), ``end_shown`` as the pages write it."""
    out = []
    for r in rows("page-programmes"):
        out.append({
            "iri": r["programme"].value, "href": href_for(r["programme"].value),
            "label": val(r["label"]) or curie(r["programme"].value),
            "type": val(r["typeLabel"]),
            "start": val(r["start"]), "end": val(r["end"]), "end_shown": end_shown(r),
            "first_event": val(r["firstEvent"]), "last_event": val(r["lastEvent"]),
        })
    out.sort(key=lambda p: (p["start"] or p["first_event"] or "9999", p["label"].lower()))
    return out
