"""Every claim the data stated before statements and references (frozen in
tests/frozen/claims-before.tsv by scripts/freeze_claims.py) is still in the
build: the same subject, value, source document and locator.

A claim is read back from the build as its reference (the IRI is kept): the
document and locator it names, the statement it backs (the value) and the
item that statement is of (the subject); a derived claim as its derived
statement and the plan of the activity that made it. Anything lost or changed
is named.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

FROZEN = Path(__file__).parent / "frozen" / "claims-before.tsv"

QUERY = """
PREFIX ia: <https://w3id.org/integration-atlas/def/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?claim ?item ?flow ?value ?unit ?date ?roleType ?source ?locator ?method WHERE {
  {
    ?claim a ia:Reference ; ia:source ?source ; ia:locator ?locator .
    ?statement a ia:Statement ; prov:wasDerivedFrom ?claim .
    FILTER NOT EXISTS { ?statement a ia:DerivedClaim }
  } UNION {
    ?claim a ia:DerivedClaim ; prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan/ia:method ?method .
    BIND (?claim AS ?statement)
  }
  ?statement ia:statementOf ?item .
  OPTIONAL { ?item a ia:FundingFlow BIND (true AS ?flow) }
  OPTIONAL { ?statement ia:value ?value ; ia:unit ?unit }
  OPTIONAL { ?statement ia:date ?date }
  OPTIONAL { ?item ia:roleType ?roleType }
}
"""

SUBJECT = """
PREFIX ia: <https://w3id.org/integration-atlas/def/>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?item ?role ?x WHERE {
  VALUES (?p ?role) { (ia:about "about") (ia:funder "funder") (ia:recipient "recipient")
    (ia:organisation "organisation") (ia:roleIn "roleIn") (org:member "member") (org:organization "organization") }
  ?item a ia:Item ; ?p ?x .
}
"""


def frozen() -> dict[str, tuple[str, str, str, str]]:
    with FROZEN.open(encoding="utf-8", newline="") as f:
        return {r["claim"]: (r["subject"], r["value"], r["source"], r["locator"])
                for r in csv.DictReader(f, delimiter="\t")}


def number(text: str) -> str:
    return format(Decimal(text).normalize(), "f")


def carried(store, base: str) -> dict[str, set[tuple[str, str, str, str]]]:
    """(subject, value, source, locator) for each reference or derived statement, as the build has them."""
    ident = base + "id/"

    def key(term) -> str:
        v = term.value
        return v[len(ident):] if v.startswith(ident) else v

    parts: dict[str, dict[str, list[str]]] = {}
    for r in store.query(SUBJECT):
        parts.setdefault(r["item"].value, {}).setdefault(r["role"].value, []).append(key(r["x"]))

    def subject(item: str) -> str:
        p = {k: ",".join(sorted(set(v))) for k, v in parts.get(item, {}).items()}
        if "funder" in p:
            return f"{p['funder']}>{p.get('recipient', '')}"
        if "organisation" in p:
            return f"{p['organisation']}@{p.get('roleIn', '')}"
        if "member" in p:
            return f"{p['member']}@{p.get('organization', '')}"
        return " ".join(sorted(set(parts.get(item, {}).get("about", []))))

    out: dict[str, set[tuple]] = {}
    for r in store.query(QUERY):
        if r["value"] is not None:
            value = number(r["value"].value) + (" GBP" if r["flow"] is not None else " " + key(r["unit"]))
        elif r["date"] is not None:
            value = r["date"].value
        elif r["roleType"] is not None:
            value = key(r["roleType"])
        else:
            value = "finding"
        if r["source"] is not None:
            source, locator = key(r["source"]), " ".join(r["locator"].value.split())
        else:
            source, locator = "derived", " ".join(r["method"].value.split())
        out.setdefault(key(r["claim"]), set()).add((subject(r["item"].value), value, source, locator))
        ITEM_OF[key(r["claim"])] = key(r["item"])
    return out


#: Claim key -> the item its statement is of (filled by ``carried``): a figure
#: that was about another claim (what missing a target cost) is now about
#: that claim's item.
ITEM_OF: dict[str, str] = {}


@pytest.fixture(scope="module")
def now(store, built):
    return carried(store, built.base)


def test_the_frozen_list_holds_todays_700_claims():
    rows = frozen()
    assert len(rows) == 697  # 725 less the 28 name-matched links that codes replaced
    assert rows["claim/nao2018-direct-investment"] == (
        "organisation/nhs-england>programme/vanguards", "329000000 GBP",
        "document/nao-vanguards-2018", "Key facts, p.4; Summary para 4 and footnote 1")


def test_no_claim_is_lost(now):
    lost = sorted(k for k in frozen() if k not in now)
    assert not lost, f"{len(lost)} claims lost: {lost[:20]}"


def test_no_claim_is_changed(now):
    def moved(row):
        subject = " ".join(ITEM_OF.get(s, s) for s in row[0].split(" "))
        return (subject, *row[1:])
    changed = [f"{k}: was {row}, now {sorted(now[k])}"
               for k, row in frozen().items() if k in now and moved(row) not in now[k]]
    assert not changed, f"{len(changed)} claims changed:\n" + "\n".join(changed[:20])
