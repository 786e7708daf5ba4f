"""Every claim the data stated before statements and references (frozen in
tests/frozen/claims-before.tsv by scripts/freeze_claims.py) is still in the
build: the same subject, value, source document and locator.

A claim is read back from the build as its reference: the document and locator
it names, the statement it backs (the value) and the thing that statement is
of (the subject). Anything lost or changed is named.
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
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?about ?funder ?recipient ?organisation ?roleIn ?member ?organization
       ?amount ?value ?unit ?date ?roleType ?source ?locator ?method WHERE {
  ?claim a/rdfs:subClassOf* ia:Claim .
  OPTIONAL { ?claim ia:about ?about }
  OPTIONAL { ?claim ia:funder ?funder ; ia:recipient ?recipient }
  OPTIONAL { ?claim ia:organisation ?organisation ; ia:roleIn ?roleIn }
  OPTIONAL { ?claim org:member ?member ; org:organization ?organization }
  OPTIONAL { ?claim ia:amount ?amount }
  OPTIONAL { ?claim ia:value ?value ; ia:unit ?unit }
  OPTIONAL { ?claim ia:date ?date }
  OPTIONAL { ?claim ia:roleType ?roleType }
  OPTIONAL { ?claim ia:source ?source ; ia:locator ?locator }
  OPTIONAL { ?claim ia:method ?method }
}
"""


def frozen() -> dict[str, tuple[str, str, str, str]]:
    with FROZEN.open(encoding="utf-8", newline="") as f:
        return {r["claim"]: (r["subject"], r["value"], r["source"], r["locator"])
                for r in csv.DictReader(f, delimiter="\t")}


def number(text: str) -> str:
    return format(Decimal(text).normalize(), "f")


def carried(store, base: str) -> dict[str, set[tuple[str, str, str, str]]]:
    """(subject, value, source, locator) for each claim key, as the build has them."""
    ident = base + "id/"

    def key(term) -> str:
        v = term.value
        return v[len(ident):] if v.startswith(ident) else v

    abouts: dict[str, set[str]] = {}
    rest: dict[str, set[tuple]] = {}
    for r in store.query(QUERY):
        k = key(r["claim"])
        if r["about"] is not None:
            abouts.setdefault(k, set()).add(key(r["about"]))
        if r["funder"] is not None:
            subject = f"{key(r['funder'])}>{key(r['recipient'])}"
        elif r["organisation"] is not None:
            subject = f"{key(r['organisation'])}@{key(r['roleIn'])}"
        elif r["member"] is not None:
            subject = f"{key(r['member'])}@{key(r['organization'])}"
        else:
            subject = None
        if r["amount"] is not None:
            value = number(r["amount"].value) + " GBP"
        elif r["value"] is not None:
            value = number(r["value"].value) + " " + key(r["unit"])
        elif r["date"] is not None:
            value = r["date"].value
        elif r["roleType"] is not None:
            value = key(r["roleType"])
        else:
            value = "finding"
        if r["source"] is not None:
            source, locator = key(r["source"]), " ".join(r["locator"].value.split())
        else:
            source = "derived"
            locator = " ".join(r["method"].value.split()) if r["method"] is not None else ""
        rest.setdefault(k, set()).add((subject, value, source, locator))
    out = {}
    for k, rows in rest.items():
        about = " ".join(sorted(abouts.get(k, ())))
        out[k] = {(s if s is not None else about, v, src, loc) for s, v, src, loc in rows}
    return out


@pytest.fixture(scope="module")
def now(store, built):
    return carried(store, built.base)


def test_the_frozen_list_holds_todays_725_claims():
    rows = frozen()
    assert len(rows) == 725
    assert rows["claim/nao2018-direct-investment"] == (
        "organisation/nhs-england>programme/vanguards", "329000000 GBP",
        "document/nao-vanguards-2018", "Key facts, p.4; Summary para 4 and footnote 1")


def test_no_claim_is_lost(now):
    lost = sorted(k for k in frozen() if k not in now)
    assert not lost, f"{len(lost)} claims lost: {lost[:20]}"


def test_no_claim_is_changed(now):
    changed = [f"{k}: was {row}, now {sorted(now[k])}"
               for k, row in frozen().items() if k in now and row not in now[k]]
    assert not changed, f"{len(changed)} claims changed:\n" + "\n".join(changed[:20])
