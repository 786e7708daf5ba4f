"""Links between sites of different programmes, and sites placed in their
systems, joined by ODS codes rather than names: against a real build of the
real data, its named queries and a real HTTP server."""

from __future__ import annotations

from rdflib import Graph
from rdflib.compare import isomorphic

from kg import placements
from kg import queries as named
from tests.conftest import http_request
from tests.test_systems import ID, select

SITE = ID + "site/"


def links_between(store, a, b):
    """Every derived link about both sites, with its method, summary and inputs."""
    return select(store, f"""
        SELECT ?claim ?method ?summary ?input ?source ?locator WHERE {{
          ?claim a ia:DerivedClaim ; ia:statementOf/ia:about <{SITE + a}>, <{SITE + b}> ;
                 prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan/ia:method ?method ;
                 prov:wasDerivedFrom ?input .
          OPTIONAL {{ ?claim ia:summary ?summary }}
          OPTIONAL {{ ?input ia:source ?source ; ia:locator ?locator }} }}""")


def coded_organisations(store, site):
    """The ODS codes of the organisations named for a site (any part, or its area organisation)."""
    return {r["code"] for r in select(store, f"""
        SELECT DISTINCT ?code WHERE {{
          <{SITE + site}> ia:areaOrganisation|^ia:roleIn/ia:organisation ?o .
          ?o adms:identifier ?x . ?x skos:notation ?code ;
             ia:code/skos:inScheme <https://w3id.org/integration-atlas/id/code-list/ods> }}""")}


def test_the_wakefield_pilot_and_west_wakefield_are_joined_by_their_codes(store):
    found = links_between(store, "pilot-wakefield-substance-misuse", "vanguard-west-wakefield")
    assert found, "no link between the 2009 Wakefield pilot and the West Wakefield vanguard"
    assert {r["method"].split(":")[0] for r in found} == {"joined by ODS code"}
    summary = found[0]["summary"]
    # The pilot's primary care trust passed its area to the CCG named for the vanguard.
    assert "Wakefield District PCT (ODS 5N3)" in summary and "NHS Wakefield CCG (ODS 03R)" in summary
    inputs = {r["input"].rsplit("/", 1)[-1] for r in found}
    assert "ds-03r" in inputs  # the list row that gives both codes
    assert all(r["source"] and r["locator"] for r in found)


def test_the_nottingham_vanguards_lie_in_the_nottinghamshire_acs(store):
    for vanguard, code in (("vanguard-nottingham-city-ccg", "04K"), ("vanguard-greater-nottingham-srg", "04K")):
        found = links_between(store, "acs-nottinghamshire", vanguard)
        assert found, vanguard
        assert {r["method"].split(":")[0] for r in found} == {"joined by ODS code"}, vanguard
        assert f"(ODS {code}) lies in Nottingham and Nottinghamshire Health and Care STP footprint (ODS QT1)" in found[0]["summary"]


def test_south_yorkshire_and_working_together_are_linked_only_if_codes_join_them(store):
    found = links_between(store, "acs-south-yorkshire-and-bassetlaw", "vanguard-working-together-partnership")
    working_together = coded_organisations(store, "vanguard-working-together-partnership")
    # Its seven trusts have ODS codes (which place it in each of their boards) ...
    assert working_together == {"RFF", "RFS", "RP5", "RXF", "RFR", "RCU", "RHQ"}
    # ... but a trust passes no area to a CCG or footprint, so no code joins it to the South Yorkshire
    # system, and the name match that once linked the two stays gone.
    assert found == []


def test_every_code_link_names_its_codes_and_rests_on_their_references(store):
    found = select(store, """
        SELECT ?claim ?summary ?input ?source ?locator (COUNT(DISTINCT ?about) AS ?sites) WHERE {
          ?claim a ia:DerivedClaim ; ia:summary ?summary ; ia:statementOf/ia:about ?about ;
                 prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan/ia:method ?method ;
                 prov:wasDerivedFrom ?input .
          FILTER STRSTARTS(STR(?method), "joined by ODS code")
          OPTIONAL { ?input ia:source ?source ; ia:locator ?locator } }
        GROUP BY ?claim ?summary ?input ?source ?locator""")
    claims = {r["claim"] for r in found}
    assert len(claims) >= 30
    for r in found:
        assert r["sites"] == "2" and "(ODS " in r["summary"], r
        assert r["source"] and r["locator"], r  # every input is a reference to a document and a place in it


def test_the_links_on_file_are_what_the_query_derives(store, built):
    derived = placements.derive(store, placements.LINKS_QUERY)
    on_file = Graph().parse(built.data_dir / placements.LINKS_TARGET)
    assert len(derived) > 0
    assert isomorphic(derived, on_file - placements.activity(placements.LINKS_QUERY)), \
        "data/systems/site-area-links.ttl is stale: run python -m kg.placements"


def test_more_sites_are_placed_and_every_placement_traces_to_a_code(store):
    placed = select(store, """
        SELECT ?site ?icb ?via ?code ?document WHERE {
          ?p a ia:SystemPlacement ; ia:placedSite ?site ; ia:inSystem ?icb ; ia:via ?via ; prov:wasDerivedFrom ?x .
          ?via adms:identifier ?x . ?x skos:notation ?code .
          ?s ia:statementOf ?x ; prov:wasDerivedFrom/ia:source ?document }""")
    sites = {r["site"] for r in placed}
    assert len(sites) >= 50  # 14 before codes were given for the areas of pilots, pioneers and systems
    unexplained = select(store, """
        SELECT ?p WHERE { ?p a ia:SystemPlacement ; ia:inSystem ?icb ; ia:via ?via .
          FILTER NOT EXISTS { ?p prov:wasDerivedFrom ?x . ?via adms:identifier ?x . ?s ia:statementOf ?x ;
                                 prov:wasDerivedFrom/ia:source ?d } }""")
    assert unexplained == []
    by_site = {}
    for r in placed:
        by_site.setdefault(r["site"].rsplit("/", 1)[-1], set()).add((r["icb"].rsplit("/", 1)[-1], r["code"]))
    assert ("nhs-west-yorkshire-icb", "5N3") in by_site["pilot-wakefield-substance-misuse"]
    assert ("nhs-nottingham-and-nottinghamshire-icb", "QT1") in by_site["acs-nottinghamshire"]


def test_multi_programme_sites_still_answers_with_code_joins(store):
    rows = list(store.query(named.get("multi-programme-sites").text))
    pairs = {(r["siteA"].value.rsplit("/", 1)[-1], r["siteB"].value.rsplit("/", 1)[-1]): r["method"].value for r in rows}
    assert pairs[("pilot-wakefield-substance-misuse", "vanguard-west-wakefield")].startswith("joined by ODS code")
    assert ("acs-south-yorkshire-and-bassetlaw", "vanguard-working-together-partnership") not in pairs


def test_a_code_link_has_its_own_page(live_server):
    path = "/id/claim/code-link-pilot-wakefield-substance-misuse--vanguard-west-wakefield"
    status, _headers, body = http_request(live_server, "GET", path, headers={"Accept": "text/html"})
    assert status == 200
    text = body.decode()
    assert "5N3" in text and "03R" in text
