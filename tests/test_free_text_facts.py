"""Answers that lived only in free text are items with statements and
references: an analyst's questions, asked through a real SPARQL client of a
real server, get the values the sources give, each with a document and a
locator (or, for a derived value, inputs that have them); and the money view
counts the new £200m total and its parts once."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from .conftest import http_request

ID = "https://w3id.org/integration-atlas/id/"
GRAPH = ID + "graph/reference/free-text-facts"
PREFIXES = """
PREFIX ia: <https://w3id.org/integration-atlas/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX wikibase: <http://wikiba.se/ontology#>
"""


def ask(server, query: str) -> list[dict[str, str]]:
    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(PREFIXES + query)
    sw.setReturnFormat(JSON)
    result = sw.query().convert()
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def references(server, statement: str) -> list[tuple[str, str]]:
    """(document, locator) of each reference of a statement; for a derived
    statement, of each reference its derivation used."""
    return [(r["doc"], r["loc"]) for r in ask(server, f"""
        SELECT DISTINCT ?doc ?loc WHERE {{
          {{ <{statement}> prov:wasDerivedFrom ?ref . }}
          UNION {{ <{statement}> prov:wasGeneratedBy/prov:used ?ref . }}
          ?ref ia:source ?doc ; ia:locator ?loc .
        }}""")]


def test_parts_of_the_200m_fund_add_up_and_are_sourced(live_server):
    """What were the parts of the £200m 2015-16 fund, and do they add up?"""
    rows = ask(live_server, """
        SELECT ?total ?amount ?part ?partAmount ?st WHERE {
          ?total a ia:FundingFlow ; ia:funder/rdfs:label "NHS England"@en ;
                 ia:periodStart/rdfs:label "2015-16"@en ; ia:periodEnd/rdfs:label "2015-16"@en ;
                 ia:amount ?amount .
          FILTER (?amount = 200000000)
          ?part ia:partOf ?total ; ia:amount ?partAmount ; ia:bestStatement ?st .
        }""")
    assert {r["total"] for r in rows} == {ID + "flow/p25-transformation-fund-2015-16"}
    parts = {r["part"]: Decimal(r["partAmount"]) for r in rows}
    assert parts[ID + "flow/p25-vanguards-2015-16-spent"] == Decimal("132600000")
    assert len(parts) == 2 and sum(parts.values()) == Decimal(rows[0]["amount"])
    for r in rows:  # each part, stated or derived, leads to documents and places in them
        refs = references(live_server, r["st"])
        assert refs and all(doc.startswith(ID + "document/") and loc for doc, loc in refs)
    total_refs = references(live_server, ID + "statement/p25-transformation-fund-2015-16")
    assert (ID + "document/p25", "headline; article text") in total_refs


def test_money_view_counts_the_fund_and_its_parts_once(live_server):
    status, _h, body = http_request(live_server, "GET", "/-/funding.json?kind=spent&year=all")
    assert status == 200
    data = json.loads(body)
    drawn = {f["thing"]: f for f in data["flows"] if f["thing"]}
    # The fund overlaps the NAO's £329m (its £132.6m to the vanguards is inside
    # that): neither the fund nor that part is drawn again; the rest of it is.
    assert ID + "flow/p25-transformation-fund-2015-16" not in drawn
    assert ID + "flow/p25-vanguards-2015-16-spent" not in drawn
    assert drawn[ID + "flow/p25-transformation-fund-2015-16-rest"]["amount"] == 67_400_000
    roots = [f for f in drawn.values() if not f.get("part_of")]
    assert data["total"]["amount"] == sum(f["amount"] for f in roots)
    assert ID + "flow/nhse-vanguards-2015-18" in {f["thing"] for f in roots}
    status, _h, html = http_request(live_server, "GET", "/-/funding?kind=spent&year=all")
    assert status == 200 and "overlaps" in html.decode("utf-8")
    # In 2015-16 alone the fund is the total, drawn once with its two parts.
    status, _h, body = http_request(live_server, "GET", "/-/funding.json?kind=spent&year=2015-16")
    year = json.loads(body)
    assert year["total"] == {"amount": 200_000_000, "stated": True, "arithmetic": "£200m = £200m"}
    inside = sorted(f["amount"] for f in year["flows"] if f.get("part_of") == ID + "flow/p25-transformation-fund-2015-16")
    assert inside == [67_400_000, 132_600_000]


def test_more_than_60m_for_eight_vanguards(live_server):
    rows = ask(live_server, """
        SELECT ?value ?bound ?part ?partValue WHERE {
          <https://w3id.org/integration-atlas/id/flow/p28-eight-vanguards-2015-16-first-wedge>
              ia:bestStatement ?st .
          ?st ia:value ?value ; ia:bound/skos:prefLabel ?bound .
          ?part ia:partOf <https://w3id.org/integration-atlas/id/flow/p28-eight-vanguards-2015-16-first-wedge> ;
                ia:amount ?partValue .
        }""")
    assert [(Decimal(r["value"]), r["bound"]) for r in rows] == [(Decimal("60000000"), "more than")]
    assert {r["part"]: Decimal(r["partValue"]) for r in rows} == {
        ID + "flow/p28-five-vanguards-2015-16-approved-in-principle": Decimal("41000000")}
    assert references(live_server, ID + "statement/p28-eight-vanguards-2015-16-first-wedge") == [
        (ID + "document/p28", "headline; article text")]


def test_how_many_applied_to_be_pioneers(live_server):
    rows = ask(live_server, """
        SELECT ?measure ?value ?bound ?st WHERE {
          ?figure ia:about <https://w3id.org/integration-atlas/id/wave/pioneers-1> ;
                  ia:measure/skos:prefLabel ?measure .
          ?st ia:statementOf ?figure ; ia:value ?value .
          OPTIONAL { ?st ia:bound/skos:prefLabel ?bound }
        }""")
    applied = {(Decimal(r["value"]), r.get("bound")) for r in rows if r["measure"] == "number of applicants"}
    assert (Decimal("100"), "about") in applied and (Decimal("111"), None) in applied
    shortlisted = [r for r in rows if r["measure"] == "number shortlisted"]
    assert [Decimal(r["value"]) for r in shortlisted] == [Decimal("28")]
    for r in rows:
        assert references(live_server, r["st"]), r["st"]
    about = next(r["st"] for r in rows if r.get("bound") == "about")
    assert references(live_server, about) == [(ID + "document/fact-sheet", "section 2b, row 'Applicants'")]


def test_when_was_hc_1129_signed_and_ordered_printed(live_server):
    rows = ask(live_server, """
        SELECT ?type ?date ?st ?created ?accepted ?citation WHERE {
          ?doc dcterms:identifier "HC 1129" ; dcterms:created ?created ; dcterms:dateAccepted ?accepted ;
               dcterms:bibliographicCitation ?citation .
          ?event ia:about ?doc ; ia:eventType/skos:prefLabel ?type ; ia:date ?date ; ia:bestStatement ?st .
        }""")
    dates = {r["type"]: r["date"] for r in rows}
    assert dates["signed"] == "2018-06-27" and dates["ordered to be printed"] == "2018-06-28"
    assert dates["published"] == "2018-06-29"
    assert {(r["created"], r["accepted"], r["citation"]) for r in rows} == {
        ("2018-06-27", "2018-06-28", "HC 1129, Session 2017-2019")}
    for r in rows:
        if r["type"] in ("signed", "ordered to be printed"):
            assert references(live_server, r["st"]) == [(ID + "document/nao-vanguards-2018", "Title page")]


def test_populations_of_the_pacs_vanguards(live_server):
    rows = ask(live_server, """
        SELECT ?value ?bound ?st WHERE {
          ?figure ia:about <https://w3id.org/integration-atlas/id/care-model/pacs> ;
                  ia:measure/skos:prefLabel "population served"@en ; ia:bestStatement ?st .
          ?st ia:value ?value ; ia:bound/skos:prefLabel ?bound .
        }""")
    assert sorted((Decimal(r["value"]), r["bound"]) for r in rows) == [
        (Decimal("140000"), "about"), (Decimal("365000"), "about")]
    for r in rows:
        assert references(live_server, r["st"]) == [(ID + "document/p89", "article text (register entry P89)")]


def test_dated_events_uec_vanguards_leave_and_acs_renamed(live_server):
    rows = ask(live_server, """
        SELECT ?event ?type ?date ?precision ?st ?gap WHERE {
          VALUES ?event { <https://w3id.org/integration-atlas/id/event/uec-vanguards-handed-over>
                          <https://w3id.org/integration-atlas/id/event/acs-renamed-ics> }
          ?event ia:eventType/skos:prefLabel ?type ; ia:date ?date ; ia:bestStatement ?st ; ia:gap ?gap .
          ?st ia:datePrecision/skos:prefLabel ?precision .
        }""")
    got = {r["event"].rsplit("/", 1)[-1]: (r["type"], r["date"], r["precision"]) for r in rows}
    assert got == {"uec-vanguards-handed-over": ("handed over", "2016-01-01", "year"),
                   "acs-renamed-ics": ("renamed", "2018-01-01", "year")}
    about = {r["x"] for r in ask(live_server, """SELECT ?x WHERE {
        <https://w3id.org/integration-atlas/id/event/uec-vanguards-handed-over> ia:about ?x }""")}
    assert {ID + "care-model/uec", ID + "programme/new-care-models"} <= about
    uec = references(live_server, next(r["st"] for r in rows if r["event"].endswith("uec-vanguards-handed-over")))
    assert {d for d, _l in uec} == {ID + "document/nao-vanguards-2018", ID + "document/vanguards-report-summary-2018"}
    acs = references(live_server, next(r["st"] for r in rows if r["event"].endswith("acs-renamed-ics")))
    assert acs == [(ID + "document/p66", "article text")]


def test_what_the_pilots_evaluation_found(live_server):
    rows = ask(live_server, """
        SELECT ?finding ?summary ?st WHERE {
          ?finding a ia:Finding ; ia:about <https://w3id.org/integration-atlas/id/programme/integrated-care-pilots> ;
                   ia:about <https://w3id.org/integration-atlas/id/document/p35> ; ia:hasStatement ?st .
          ?st prov:wasDerivedFrom/ia:summary ?summary .
        }""")
    found = {r["finding"].rsplit("/", 1)[-1] for r in rows}
    assert {"p36-pilots-emergency-admissions", "p36-pilots-planned-care", "p36-pilots-secondary-care-costs",
            "p36-pilots-longer-term-savings", "p36-pilots-staff-experience"} <= found
    for r in rows:
        assert all(doc == ID + "document/p36" and loc for doc, loc in references(live_server, r["st"]))


@pytest.mark.parametrize("register_id", ["P14", "P79", "P81", "P83", "P84", "P87", "P88", "P89"])
def test_register_entries_have_statements(live_server, register_id):
    rows = ask(live_server, f"""
        SELECT ?st ?loc WHERE {{
          ?doc ia:registerId "{register_id}" .
          ?ref ia:source ?doc ; ia:locator ?loc .
          ?st a ia:Statement ; prov:wasDerivedFrom ?ref ; ia:statementOf ?item .
        }}""")
    assert rows and all(r["loc"] for r in rows)


def test_every_new_statement_names_its_sources(live_server):
    rows = ask(live_server, f"""
        SELECT DISTINCT ?st WHERE {{
          GRAPH <{GRAPH}> {{ ?st ia:statementOf ?item }}
        }}""")
    assert len(rows) >= 24
    for r in rows:
        refs = references(live_server, r["st"])
        assert refs and all(loc for _d, loc in refs), r["st"]
