"""Integrated care systems, codes with lifetimes, CCG successors, sites placed by
code and what came after 2022, against a real build of the real data (and the
shapes in ontology/shapes-systems.ttl against broken and mended snippets)."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg import placements
from kg import queries as named
from kg.config import Settings
from kg.sources import load, load_shapes
from kg.validate import validate
from tests.conftest import http_request

ID = "https://w3id.org/integration-atlas/id/"
ONS = "http://statistics.data.gov.uk/id/statistical-geography/"
CHESHIRE_AND_MERSEYSIDE = ID + "organisation/nhs-cheshire-and-merseyside-icb"

PREFIXES = """
PREFIX ia:     <https://w3id.org/integration-atlas/def/>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX org:    <http://www.w3.org/ns/org#>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX skos:   <http://www.w3.org/2004/02/skos/core#>
PREFIX adms:   <http://www.w3.org/ns/adms#>
PREFIX schema: <https://schema.org/>
PREFIX otype:  <https://w3id.org/integration-atlas/id/organisation-type/>
"""


def rows(store, text, **params):
    import pyoxigraph as ox
    subs = {ox.Variable(k): ox.NamedNode(v) for k, v in params.items()}
    result = store.query(text, substitutions=subs or None)
    names = [v.value for v in result.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in result]


def select(store, body):
    return rows(store, PREFIXES + body)


# ---------------------------------------------------------------- the 42 boards

def test_the_42_boards_of_july_2022_have_ods_and_ons_codes_with_sources(store):
    found = rows(store, named.get("icb-codes").text)
    boards = {r["icb"] for r in found}
    assert len(boards) == 42
    on_day_one = defaultdict(dict)
    for r in found:
        assert int(r["sources"]) >= 1, r
        if r["validFrom"] == "2022-07-01":
            on_day_one[r["icb"]][r["codeList"]] = r
    assert set(on_day_one) == boards
    ods = {b: v["ODS codes"]["code"] for b, v in on_day_one.items()}
    ons = {b: v["ONS geography codes"] for b, v in on_day_one.items()}
    assert len(set(ods.values())) == 42 and len({v["code"] for v in ons.values()}) == 42
    for b, r in ons.items():
        assert r["code"].startswith("E54") and r["codeIri"] == ONS + r["code"]  # the ONS linked-data IRI
    assert ods[CHESHIRE_AND_MERSEYSIDE] == "QYG" and ons[CHESHIRE_AND_MERSEYSIDE]["code"] == "E54000008"


def test_two_boards_were_recoded_in_april_2023(store):
    found = select(store, """
        SELECT DISTINCT ?name ?code ?from ?through WHERE {
          ?icb a ia:IntegratedCareBoard ; rdfs:label ?name ; adms:identifier ?a .
          ?a ia:code/skos:inScheme/rdfs:label "ONS geography codes"@en ; skos:notation ?code .
          ?s ia:statementOf ?a . OPTIONAL { ?s schema:validFrom ?from } OPTIONAL { ?s schema:validThrough ?through }
          FILTER (?through = "2023-03-31"^^<http://www.w3.org/2001/XMLSchema#date> || ?from = "2023-04-01"^^<http://www.w3.org/2001/XMLSchema#date>)
        } ORDER BY ?code""")
    assert [(r["name"], r["code"]) for r in found] == [
        ("NHS Surrey Heartlands Integrated Care Board", "E54000052"),
        ("NHS Sussex Integrated Care Board", "E54000053"),
        ("NHS Surrey Heartlands Integrated Care Board", "E54000063"),
        ("NHS Sussex Integrated Care Board", "E54000064")]


def test_the_stp_footprints_became_the_boards(store):
    footprints = select(store, "SELECT ?s WHERE { ?s a ia:StpFootprint }")
    assert len(footprints) == 45  # the 44 of 2017/18 and the Cumbria and North East merger of 2018
    took_over = select(store, """
        SELECT DISTINCT ?icb WHERE {
          ?e a ia:IcbEstablishment ; org:resultingOrganization ?icb ; org:originalOrganization ?stp .
          ?stp a ia:StpFootprint .
          ?stp adms:identifier/skos:notation ?ods . ?icb adms:identifier/skos:notation ?ods .
        }""")
    assert len(took_over) == 42  # each board kept the ODS code of the footprint it took over from


# ---------------------------------------------------------------- CCGs

def test_every_ccg_in_the_atlas_has_a_successor_board_and_date(store):
    atlas_ccgs = {r["ccg"] for r in select(store, """
        SELECT ?ccg WHERE { GRAPH ?g { ?ccg ia:organisationType otype:ccg } FILTER (!CONTAINS(STR(?g), "/systems/")) }""")}
    assert len(atlas_ccgs) == 39
    answers = {r["ccg"]: r for r in rows(store, named.get("ccg-successors").text)}
    assert atlas_ccgs <= set(answers)
    for ccg in atlas_ccgs:
        r = answers[ccg]
        assert r["icb"] and r["date"] == "2022-07-01", r
        if r["mergedInto"]:  # merged before 2022: a dated merger or a recorded gap
            assert r["mergerDate"] or r["mergerGap"], r
    wirral = answers[ID + "organisation/nhs-wirral-ccg"]
    assert wirral["icb"] == CHESHIRE_AND_MERSEYSIDE and wirral["mergedInto"] is None
    mansfield = answers[ID + "organisation/nhs-mansfield-and-ashfield-ccg"]
    assert mansfield["mergerDate"] == "2020-04-01" and mansfield["icbName"] == "NHS Nottingham and Nottinghamshire Integrated Care Board"


def test_ccg_codes_became_sub_icb_locations(store):
    found = select(store, """
        SELECT DISTINCT ?loc ?icb WHERE {
          ?ccg ia:odsCode "12F" ; adms:identifier ?a1 . ?a1 ia:code ?code .
          ?s1 ia:statementOf ?a1 ; schema:validThrough "2022-06-30"^^<http://www.w3.org/2001/XMLSchema#date> .
          ?loc a ia:SubIcbLocation ; org:unitOf ?icb ; adms:identifier ?a2 . ?a2 ia:code ?code .
          ?s2 ia:statementOf ?a2 ; schema:validFrom "2022-07-01"^^<http://www.w3.org/2001/XMLSchema#date> .
        }""")
    assert [r["icb"] for r in found] == [CHESHIRE_AND_MERSEYSIDE]


# ---------------------------------------------------------------- codes

def test_every_code_has_a_source_document(store):
    unsourced = select(store, """
        SELECT ?a WHERE { ?a a ia:CodeAssignment .
          FILTER NOT EXISTS { ?s ia:statementOf ?a ; prov:wasDerivedFrom/ia:source ?doc . ?doc a ?docType } }""")
    assert unsourced == []
    plain_without_assignment = select(store, """
        SELECT ?o ?code WHERE { ?o adms:identifier ?any . { ?o ia:odsCode ?code } UNION { ?o ia:onsCode ?code }
          FILTER NOT EXISTS { ?o adms:identifier/skos:notation ?code } }""")
    assert plain_without_assignment == []
    counts = select(store, "SELECT (COUNT(?a) AS ?n) WHERE { ?a a ia:CodeAssignment }")
    assert int(counts[0]["n"]) > 300


def ons_code_files(store):
    """Each ONS (E54) code held by a footprint or board, with its holder, its period and the files behind
    it; a file is its GitHub repository where the document has one (copies in one repository are not
    independent of each other), or else the document."""
    found = select(store, """
        SELECT ?holder ?code ?from ?doc ?url ?wording WHERE {
          ?holder adms:identifier ?a . { ?holder a ia:StpFootprint } UNION { ?holder a ia:IntegratedCareBoard }
          ?a ia:code/skos:inScheme/rdfs:label "ONS geography codes"@en ; skos:notation ?code .
          ?s ia:statementOf ?a ; prov:wasDerivedFrom ?ref . ?ref ia:source ?doc .
          OPTIONAL { ?s schema:validFrom ?from } OPTIONAL { ?doc schema:url ?url } OPTIONAL { ?ref ia:periodWording ?wording } }""")
    codes = defaultdict(lambda: {"files": set(), "years": set()})
    for r in found:
        entry = codes[(r["holder"], r["code"])]
        entry["from"] = r["from"]
        url = r["url"] or ""
        entry["files"].add("/".join(url.split("/")[3:5]) if url.startswith("https://github.com/") else r["doc"])
        if r["wording"] and r["wording"].startswith("as at "):
            entry["years"].add(int(r["wording"].split()[4]))  # "as at 1 April 2019 (datasets.md)"
    return codes


def test_every_ons_code_is_cross_checked_in_a_second_independent_file(store):
    codes = ons_code_files(store)
    assert len(codes) >= 44 + 42
    single = {code for (_h, code), e in codes.items() if len(e["files"]) < 2}
    # Only the codes of April 2026, which one file gives, rest on a single file.
    assert single == {code for (_h, code), e in codes.items() if e["from"] == "2026-04-01"}
    assert "jtrim-ons/ons-lookups" in codes[(ID + "stp-footprint/west-north-and-east-cumbria", "E54000047")]["files"]


def test_footprints_recoded_before_april_2020_held_their_codes_one_after_the_other(store):
    codes = ons_code_files(store)
    by_footprint = defaultdict(dict)
    for (holder, code), e in codes.items():
        if "/stp-footprint/" in holder:
            by_footprint[holder][code] = e["years"]
    recoded = {h: c for h, c in by_footprint.items() if len(c) == 2}
    assert {h.rsplit("/", 1)[1] for h in recoded} == {
        "west-yorkshire-and-harrogate", "humber-coast-and-vale", "surrey-heartlands", "sussex-and-east-surrey",
        "cumbria-and-north-east"}
    for holder, pair in recoded.items():
        (old, old_years), (new, new_years) = sorted(pair.items())
        assert old_years and new_years and max(old_years) < min(new_years), (holder, pair)  # never listed together
    assert recoded[ID + "stp-footprint/west-yorkshire-and-harrogate"] == {"E54000005": {2017, 2018, 2019},
                                                                         "E54000054": {2020}}


def test_no_two_organisations_hold_one_code_at_the_same_time(store):
    held = select(store, """
        SELECT ?holder ?code ?from ?through WHERE {
          ?holder adms:identifier ?a . ?a ia:code ?code . ?s ia:statementOf ?a .
          OPTIONAL { ?s schema:validFrom ?from } OPTIONAL { ?s schema:validThrough ?through } }""")
    by_code = defaultdict(list)
    for r in held:
        by_code[r["code"]].append((r["holder"], r["from"] or "0000-01-01", r["through"] or "9999-12-31"))
    shared = 0
    for code, spans in by_code.items():
        for (h1, f1, t1), (h2, f2, t2) in combinations(spans, 2):
            if h1 != h2:
                shared += 1  # a code passed from one holder to the next ...
                assert t1 < f2 or t2 < f1, (code, h1, h2)  # ... but never held by two at once
    assert shared >= 42  # the STPs' ODS codes passed to the boards, CCG codes to sub-ICB locations


# ---------------------------------------------------------------- places by code

def test_every_site_is_placed_or_recorded_as_not_placed_with_its_derivation(store):
    sites = {r["s"] for r in select(store, "SELECT ?s WHERE { ?s a ia:Site }")}
    placed = select(store, """
        SELECT ?site ?icb ?via ?gap ?method WHERE {
          ?p a ia:SystemPlacement ; ia:placedSite ?site ;
             prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan/ia:method ?method .
          OPTIONAL { ?p ia:inSystem ?icb ; ia:via ?via }
          OPTIONAL { ?p ia:gap ?gap } }""")
    assert {r["site"] for r in placed} == sites
    for r in placed:
        assert bool(r["icb"]) != bool(r["gap"]), r
    in_system = {r["site"]: r for r in placed if r["icb"]}
    assert in_system[ID + "site/vanguard-wirral-partners"]["icb"] == CHESHIRE_AND_MERSEYSIDE
    assert in_system[ID + "site/vanguard-wirral-partners"]["via"] == ID + "organisation/nhs-wirral-ccg"
    # A pilot named for a primary care trust: placed through the trust's code, the CCG that took its
    # area and that CCG's row in the ICB-era lookup (whose boundary changed on 1 July 2022).
    glossop = in_system[ID + "site/pilot-tameside-and-glossop"]
    assert glossop["icb"] == ID + "organisation/nhs-greater-manchester-icb"
    assert glossop["via"] == ID + "organisation/tameside-and-glossop-pct"
    # A pilot led by an NHS trust: placed through the trust's code and the trust-to-board lookup entry.
    northumbria = in_system[ID + "site/pilot-northumbria"]
    assert northumbria["icb"] == ID + "organisation/nhs-north-east-and-north-cumbria-icb"
    assert northumbria["via"] == ID + "organisation/northumbria-healthcare-nhs-foundation-trust"
    # A network of trusts in several systems is placed in each of them, not forced into one.
    cancer = {r["icb"] for r in placed if r["site"] == ID + "site/vanguard-accountable-clinical-network-for-cancer"}
    assert cancer == {ID + "organisation/" + icb for icb in (
        "nhs-south-west-london-icb", "nhs-north-central-london-icb", "nhs-greater-manchester-icb")}
    assert len(in_system) >= 90


def test_networks_are_placed_through_the_trusts_a_source_names_for_them(store):
    placed = select(store, """
        SELECT ?site ?icb ?via ?url ?read WHERE {
          ?p a ia:SystemPlacement ; ia:placedSite ?site ; ia:inSystem ?icb ; ia:via ?via .
          ?m a ia:OrganisationRole ; ia:roleIn ?site ; ia:organisation ?via .
          ?s ia:statementOf ?m ; prov:wasDerivedFrom/ia:source ?doc .
          ?doc schema:url ?url ; ia:retrieved ?read }""")
    systems = defaultdict(set)
    for r in placed:
        systems[r["site"].rsplit("/", 1)[1]].add(r["icb"].rsplit("/", 1)[1].removeprefix("nhs-").removesuffix("-icb"))
        assert r["url"].startswith("http") and r["read"], r  # each membership names its page and when it was read
    # A network of trusts in several systems lies in each of them (EMRAD's eight trusts: Burton Hospitals
    # has a code but no board entry, so it adds none).
    assert systems["vanguard-emrad"] == {"nottingham-and-nottinghamshire", "northamptonshire", "derby-and-derbyshire",
                                         "leicester-leicestershire-and-rutland", "lincolnshire"}
    assert systems["vanguard-national-orthopaedic-alliance"] == {
        "shropshire-telford-and-wrekin", "north-central-london", "birmingham-and-solihull"}
    # Two of MERIT's four trusts are in no code file read: the other two place it.
    assert systems["vanguard-merit"] == {"birmingham-and-solihull", "coventry-and-warwickshire"}
    assert systems["vanguard-north-east-urgent-care-network"] == {"north-east-and-north-cumbria"}
    # Doncaster and Bassetlaw's entries put it under two boards; Chesterfield and Mid Yorkshire lie outside South Yorkshire.
    assert systems["vanguard-working-together-partnership"] == {
        "south-yorkshire", "nottingham-and-nottinghamshire", "derby-and-derbyshire", "west-yorkshire"}
    unplaced = {r["site"] for r in select(store, """
        SELECT ?site WHERE { ?p a ia:SystemPlacement ; ia:placedSite ?site ; ia:gap ?gap }""")}
    assert unplaced == {ID + "site/pilot-nhs-cumbria"}


def test_the_placements_on_file_are_what_the_query_derives(store, built):
    derived = placements.derive(store)
    on_file = Graph().parse(built.data_dir / placements.TARGET)
    kept = Graph()
    for p in on_file.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                              URIRef("https://w3id.org/integration-atlas/def/SystemPlacement")):
        for t in on_file.triples((p, None, None)):
            kept.add(t)
    assert isomorphic(derived, kept), "data/systems/site-systems.ttl is stale: run python -m kg.placements"


# ---------------------------------------------------------------- after 2022

def test_better_care_fund_figures_by_year_with_sources(store):
    found = select(store, """
        SELECT ?year ?measure ?value ?rank ?doc ?url WHERE {
          ?q a ia:Quantity ; ia:about <https://w3id.org/integration-atlas/id/programme/better-care-fund> ;
             ia:measure ?measure ; ia:periodStart/rdfs:label ?year .
          ?s ia:statementOf ?q ; ia:value ?value ; <http://wikiba.se/ontology#rank> ?rank ;
             prov:wasDerivedFrom/ia:source ?doc .
          OPTIONAL { ?doc schema:url ?url } }""")
    years = {r["year"] for r in found if r["measure"].endswith("bcf-minimum-contribution")}
    assert {"2015-16", "2016-17", "2017-18", "2019-20", "2020-21", "2021-22", "2025-26"} <= years
    assert all(r["url"] for r in found)  # every figure's document has its address
    pooled = {r["year"]: float(r["value"]) for r in found if r["measure"].endswith("bcf-pooled-total")}
    assert pooled["2015-16"] == 5.3e9
    # 2016-17 Disabled Facilities Grant: two documents disagree, one value is preferred.
    dfg = [r for r in found if r["year"] == "2016-17" and float(r["value"]) in (394e6, 294e6)]
    assert {float(r["value"]) for r in dfg} == {394e6, 294e6}
    assert [float(r["value"]) for r in dfg if r["rank"].endswith("PreferredRank")] == [394e6]


def test_2020_21_contributions_sum_to_their_stated_total(store):
    found = select(store, """
        SELECT DISTINCT ?q ?value ?total WHERE {
          ?q ia:partOf ?t . ?s ia:statementOf ?q ; ia:value ?value . ?ts ia:statementOf ?t ; ia:value ?total .
          ?t ia:periodStart/rdfs:label ?year . FILTER (STR(?year) = "2020-21") }""")
    assert len(found) == 3
    assert sum(float(r["value"]) for r in found) == float(found[0]["total"]) == 6698e6


def test_what_came_after_2022_is_dated_and_sourced(store):
    found = {r["label"]: r["date"] for r in select(store, """
        SELECT ?label ?date WHERE { ?x rdfs:label ?label . ?s ia:statementOf ?x ; ia:date ?date ; prov:wasDerivedFrom/ia:source ?d .
          { ?x a ia:Occurrence } UNION { ?x a ia:OrganisationChange } FILTER (?date >= "2023-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) }""")}
    assert found["Abolition of NHS England announced"] == "2025-03-13"
    assert found["10 Year Health Plan published"] == "2025-07-03"
    assert found["Establishment of NHS Thames Valley Integrated Care Board"] == "2026-04-01"


# ---------------------------------------------------------------- a system's page and its programmes

def test_cheshire_and_merseyside_lists_every_programme_that_touched_it(store):
    answer = rows(store, named.get("system-programmes").text, system=CHESHIRE_AND_MERSEYSIDE)
    programmes = {r["programme"] for r in answer}
    # Independently: the programmes of the sites placed in it, and the footprint and system programmes.
    expected = {r["p"] for r in select(store, f"""
        SELECT DISTINCT ?p WHERE {{
          {{ ?pl ia:inSystem <{CHESHIRE_AND_MERSEYSIDE}> ; ia:placedSite/ia:takesPartIn ?p0 . ?p0 ia:partOfProgramme* ?p }}
          UNION {{ <{CHESHIRE_AND_MERSEYSIDE}> org:resultedFrom/org:originalOrganization/<http://purl.org/dc/terms/isPartOf> ?p }}
          UNION {{ <{CHESHIRE_AND_MERSEYSIDE}> <http://purl.org/dc/terms/isPartOf> ?p }} }}""")}
    assert programmes == expected
    assert {ID + "programme/" + p for p in ("vanguards", "new-care-models", "sustainability-transformation-plans",
                                            "integrated-care-systems")} <= programmes


def test_the_system_page_shows_its_codes(live_server):
    status, headers, body = http_request(live_server, "GET", "/id/organisation/nhs-cheshire-and-merseyside-icb",
                                         headers={"Accept": "text/html"})
    assert status == 200
    text = body.decode()
    assert "NHS Cheshire and Merseyside Integrated Care Board" in text and "QYG" in text and "E54000008" in text


# ---------------------------------------------------------------- the shapes fire on broken data

SHAPES = "https://w3id.org/integration-atlas/def/shapes/"
T = "http://example.org/t/"
SNIPPET_PREFIXES = f"""
@prefix ia: <https://w3id.org/integration-atlas/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix schema: <https://schema.org/> .
@prefix wikibase: <http://wikiba.se/ontology#> .
@prefix doc: <https://w3id.org/integration-atlas/id/document/> .
@prefix grade: <https://w3id.org/integration-atlas/id/reliability/> .
@prefix precision: <https://w3id.org/integration-atlas/id/date-precision/> .
@prefix t: <{T}> .
"""
REF = 't:ref a ia:Reference ; ia:source doc:nhse-integrated-care-in-your-area ; ia:locator "para 1" ; ia:paragraph 1 ; ia:reliability grade:official .\n'


def holder(n, code, period):
    return (f't:org{n} a org:FormalOrganization ; rdfs:label "O{n}"@en ; adms:identifier t:a{n} .\n'
            f't:a{n} a ia:CodeAssignment ; ia:code t:{code} ; skos:notation "{code}" .\n'
            f't:s{n} a ia:Statement ; ia:statementOf t:a{n} ; wikibase:rank wikibase:NormalRank ; prov:wasDerivedFrom t:ref ; {period} .\n')


EVENT = ('t:e a ia:OrganisationChange ; rdfs:label "E"@en ; org:originalOrganization t:org1 ; org:resultingOrganization t:org2 .\n'
         't:org1 rdfs:label "O1"@en . t:org2 rdfs:label "O2"@en .\n')
PLACEMENT = ('t:site a ia:Site ; rdfs:label "S"@en .\n'
             't:icb a ia:IntegratedCareBoard ; rdfs:label "B"@en .\n'
             't:act a prov:Activity ; prov:qualifiedAssociation [ prov:hadPlan t:plan ] . t:plan a prov:Plan .\n'
             't:p a ia:SystemPlacement ; rdfs:label "P"@en ; ia:placedSite t:site ; prov:wasGeneratedBy t:act ')

CASES = {
    "CodeAssignment/no-source": (
        "CodeAssignment", REF + holder(1, "X01", 'schema:validFrom "2022-07-01"^^xsd:date').replace(" ; prov:wasDerivedFrom t:ref", ""),
        REF + holder(1, "X01", 'schema:validFrom "2022-07-01"^^xsd:date')),
    "CodeAssignment/two-holders-at-once": (
        "CodeAssignment",
        REF + holder(1, "X01", 'schema:validThrough "2022-07-01"^^xsd:date') + holder(2, "X01", 'schema:validFrom "2022-07-01"^^xsd:date'),
        REF + holder(1, "X01", 'schema:validThrough "2022-06-30"^^xsd:date') + holder(2, "X01", 'schema:validFrom "2022-07-01"^^xsd:date')),
    "CodeAssignment/open-periods-overlap": (
        "CodeAssignment", REF + holder(1, "X01", 'ia:asOf "2021-01-01"^^xsd:date') + holder(2, "X01", 'schema:validFrom "2022-07-01"^^xsd:date'),
        REF + holder(1, "X01", 'schema:validThrough "2021-01-01"^^xsd:date') + holder(2, "X01", 'schema:validFrom "2022-07-01"^^xsd:date')),
    "PlainCodeAssigned/code-without-assignment": (
        "PlainCodeAssigned", REF + holder(1, "X01", 'schema:validFrom "2022-07-01"^^xsd:date') + 't:org1 ia:odsCode "X02" .',
        REF + holder(1, "X01", 'schema:validFrom "2022-07-01"^^xsd:date') + 't:org1 ia:odsCode "X01" .'),
    "ChangeEvent/no-date-no-gap": (
        "ChangeEvent", EVENT + 't:st a ia:Statement ; ia:statementOf t:e ; wikibase:rank wikibase:NormalRank .',
        EVENT + 't:st a ia:Statement ; ia:statementOf t:e ; wikibase:rank wikibase:NormalRank ; '
                'ia:date "2022-07-01"^^xsd:date ; ia:datePrecision precision:day .'),
    "ChangeEvent/no-original": (
        "ChangeEvent", EVENT.replace("org:originalOrganization t:org1 ; ", "") + 't:e ia:gap "No date found."@en .',
        EVENT + 't:e ia:gap "No date found."@en .'),
    "SystemPlacement/system-and-gap": (
        "SystemPlacement", PLACEMENT + '; ia:inSystem t:icb ; ia:via t:org ; prov:wasDerivedFrom t:x ; ia:gap "none"@en .',
        PLACEMENT + '; ia:inSystem t:icb ; ia:via t:org ; prov:wasDerivedFrom t:x .'),
    "SystemPlacement/no-plan": (
        "SystemPlacement", PLACEMENT.replace("prov:wasGeneratedBy t:act ", "") + '; ia:gap "no coded member"@en .',
        PLACEMENT + '; ia:gap "no coded member"@en .'),
}


@pytest.fixture(scope="module")
def shape_context():
    settings = Settings.from_env()
    files = sorted((settings.data_dir / "vocab").glob("*.ttl")) + sorted((settings.data_dir / "core").glob("*.ttl"))
    return settings, files + [settings.data_dir / "systems" / "documents.ttl"], load_shapes(settings)


def problems(shape_context, tmp_path, shape, snippet):
    settings, files, shapes = shape_context
    g = Graph()
    g += shapes
    for s in shapes.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef("http://www.w3.org/ns/shacl#NodeShape")):
        if str(s) != SHAPES + shape:
            g.add((s, URIRef("http://www.w3.org/ns/shacl#deactivated"), __import__("rdflib").Literal(True)))
    case = tmp_path / "case.ttl"
    case.write_text(SNIPPET_PREFIXES + snippet)
    report = validate(load(settings, only=files + [case]), g)
    return [v for v in report.violations if v.focus.startswith(T)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_systems_shape_fires_on_broken_data(case, shape_context, tmp_path):
    shape, broken, _ = CASES[case]
    fired = {v.shape.split(" / ")[0].removeprefix(SHAPES) for v in problems(shape_context, tmp_path, shape, broken)}
    assert shape in fired


@pytest.mark.parametrize("case", sorted(CASES))
def test_systems_shape_is_silent_on_mended_data(case, shape_context, tmp_path):
    shape, _, mended = CASES[case]
    found = problems(shape_context, tmp_path, shape, mended)
    assert not found, "\n\n".join(v.render() for v in found)


def test_every_systems_shape_has_a_breaking_case(shape_context):
    from kg.config import PROJECT_ROOT
    text = (PROJECT_ROOT / "ontology" / "shapes-systems.ttl").read_text()
    declared = {line.split()[0].removeprefix("shapes:") for line in text.splitlines() if " a sh:NodeShape" in line}
    assert declared == {shape for shape, _b, _m in CASES.values()}


def test_the_systems_index_and_a_system_page(live_server):
    status, _h, body = http_request(live_server, "GET", "/-/systems", headers={"Accept": "text/html"})
    assert status == 200
    text = body.decode()
    assert text.count('href="/-/system/') == 42
    status, _h, body = http_request(live_server, "GET", "/-/system/nhs-cheshire-and-merseyside-icb",
                                    headers={"Accept": "text/html"})
    assert status == 200
    page = body.decode()
    for expected in ("QYG", "E54000008", "Vanguard programme", "Wirral Partners",
                     "Sustainability and transformation plans", "Integrated care systems", "The query behind this"):
        assert expected in page, expected
    status, _h, _b = http_request(live_server, "GET", "/-/system/no-such-board", headers={"Accept": "text/html"})
    assert status == 404
