"""The programme reference data against the fact sheet and the real build.

Counts, the source register, the conflicts encoded as disputing claims, the
Better Care Fund's planned-against-actual pairs, programme dates and the
derived links between sites of different programmes are checked by SPARQL
on the session build. The shapes added for this data (shapes-programmes.ttl)
are each shown to fire on broken data and to stay silent once it is mended.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pyoxigraph as ox
import pytest

from kg import queries
from kg.config import PROJECT_ROOT, Settings
from kg.sources import load, load_shapes
from kg.validate import validate

from .conftest import shared_file


PREFIXES = """
PREFIX ia: <https://w3id.org/integration-atlas/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX wikibase: <http://wikiba.se/ontology#>
"""
IA = "https://w3id.org/integration-atlas/def/"


def q(store, text, **bind):
    """Run a SELECT, with each ?name in ``bind`` written in as the given RDF term."""
    for name, term in bind.items():
        text = re.sub(r"\?" + name + r"\b", str(term).replace("\\", "\\\\"), text)
    return list(store.query(PREFIXES + text))


def iri(built: Settings, path: str) -> ox.NamedNode:
    return ox.NamedNode(f"{built.base}id/{path}")


def num(term) -> Decimal:
    return Decimal(term.value)


#################################################################
# The source register
#################################################################

def register_ids() -> list[str]:
    """The ids in the first column of the fact sheet's §0 source register."""
    text = shared_file("reference", "facts.md").read_text(encoding="utf-8")
    section = text.split("## 0. Source register", 1)[1].split("\n## ", 1)[0]
    ids = []
    for line in section.splitlines():
        m = re.match(r"^\|\s*([SPC]\d+)\s*\|", line)
        if m:
            ids.append(m.group(1))
    return ids


def test_register_is_read_from_the_fact_sheet():
    ids = register_ids()
    assert len(ids) == len(set(ids))
    assert {"S0", "S4", "P01", "P21", "P90", "P92", "C1", "C5"} <= set(ids)
    assert len([i for i in ids if i.startswith("P")]) >= 90


def test_every_register_entry_is_a_document(store, built):
    rows = q(store, "SELECT ?doc ?id WHERE { ?doc a/rdfs:subClassOf* ia:SourceDocument ; ia:registerId ?id }")
    docs = {r["id"].value: r["doc"].value for r in rows}
    missing = [i for i in register_ids() if i not in docs]
    assert not missing, f"register entries without a document: {missing}"
    # Web pages and code files are keyed by their register id (P01 -> doc:p01).
    for rid in register_ids():
        if rid[0] in "PC":
            assert docs[rid] == f"{built.base}id/document/{rid.lower()}"


def test_register_documents_have_publisher_or_say_it_is_not_stated(store):
    rows = q(store, """
        SELECT ?id WHERE {
            ?doc ia:registerId ?id .
            FILTER NOT EXISTS { ?doc dcterms:publisher ?p }
            FILTER NOT EXISTS { ?doc rdfs:comment ?c . FILTER (REGEX(STR(?c), "publisher (is )?not stated|no publisher", "i")) }
        }""")
    assert not rows, [r["id"].value for r in rows]


def test_register_details_come_through(store, built):
    def one(doc, prop):
        rows = q(store, f"SELECT ?v WHERE {{ ?doc {prop} ?v }}", doc=iri(built, f"document/{doc}"))
        return {r["v"].value for r in rows}

    assert one("p52", "dcterms:identifier") == {"HC 781"}
    assert one("p50", "dcterms:identifier") == {"HC 959"}
    assert one("p21", "dcterms:issued") == {"2018-06-29"}
    assert one("p21", "ia:reportsOn") == {f"{built.base}id/document/nao-vanguards-2018"}
    assert one("p36", "ia:reportsOn") == {f"{built.base}id/document/p35"}
    assert one("p86", "ia:reportsOn") == {f"{built.base}id/document/nao-vanguards-2018"}
    assert one("p53", "ia:reportsOn") == {f"{built.base}id/document/p52"}
    assert one("p15", "dcterms:issued") == set()  # undated in the register
    assert one("p01", "ia:issuedPrecision") == {f"{built.base}id/date-precision/year"}
    assert one("p34", "ia:reliability") == {f"{built.base}id/reliability/official"}
    assert one("p10", "ia:reliability") == {f"{built.base}id/reliability/secondary"}
    assert one("c4", "ia:reliability") == {f"{built.base}id/reliability/secondary"}
    # The integration report's HC number is a gap in every source: none is recorded.
    assert one("nao-integration-2017", "dcterms:identifier") == set()
    assert one("nao-health-social-care-interface-2018", "dcterms:identifier") == {"HC 950"}


#################################################################
# Sites and counts per programme
#################################################################

def sites_of(store, built, programme):
    rows = q(store, "SELECT DISTINCT ?s WHERE { ?s a ia:Site ; ia:takesPartIn ?p }",
             p=iri(built, f"programme/{programme}"))
    return {r["s"].value.rsplit("/", 1)[-1] for r in rows}


def sites_in_wave(store, built, wave):
    rows = q(store, "SELECT DISTINCT ?s WHERE { ?s a ia:Site ; ia:inWave ?w }", w=iri(built, f"wave/{wave}"))
    return {r["s"].value.rsplit("/", 1)[-1] for r in rows}


def stated_counts(store, built, about):
    rows = q(store, """
        SELECT ?v ?id WHERE {
            ?c ia:about ?a ; ia:measure ?m ; ia:hasStatement ?st .
            ?st ia:value ?v ; prov:wasDerivedFrom/ia:source/ia:registerId ?id .
            ?m rdfs:label "number of sites"@en .
        }""", a=iri(built, about))
    return {(r["id"].value, num(r["v"])) for r in rows}


def test_sixteen_integrated_care_pilots(store, built):
    pilots = sites_of(store, built, "integrated-care-pilots")
    assert len(pilots) == 16
    assert {"pilot-principia", "pilot-northumbria", "pilot-tower-hamlets"} <= pilots
    assert ("P34", Decimal(16)) in stated_counts(store, built, "programme/integrated-care-pilots")
    # Every pilot names its lead organisation as Hansard does.
    rows = q(store, """
        SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ia:takesPartIn ?p . OPTIONAL { ?s ia:leadOrganisation ?o } }
        GROUP BY ?s""", p=iri(built, "programme/integrated-care-pilots"))
    assert all(int(r["n"].value) >= 1 for r in rows)


def test_twenty_five_pioneers_in_two_waves(store, built):
    assert len(sites_of(store, built, "integrated-care-pioneers")) == 25
    assert len(sites_in_wave(store, built, "pioneers-1")) == 14
    assert len(sites_in_wave(store, built, "pioneers-2")) == 11
    assert {("P38", Decimal(14)), ("P44", Decimal(14))} <= stated_counts(store, built, "wave/pioneers-1")
    assert {("P38", Decimal(11)), ("P41", Decimal(11))} <= stated_counts(store, built, "wave/pioneers-2")
    assert ("P41", Decimal(25)) in stated_counts(store, built, "programme/integrated-care-pioneers")
    rows = q(store, "SELECT ?d WHERE { ?w ia:announcedOn ?d }", w=iri(built, "wave/pioneers-1"))
    assert [r["d"].value for r in rows] == ["2013-11-01"]


def test_forty_four_stp_footprints(store, built):
    counts = stated_counts(store, built, "programme/sustainability-transformation-plans")
    assert {("P58", Decimal(44)), ("P59", Decimal(44)), ("P60", Decimal(44))} <= counts
    rows = q(store, """
        SELECT ?d WHERE { ?e a ia:Event ; ia:about ?p ; ia:hasStatement ?st ; ia:eventType/rdfs:label "published"@en .
                          ?st ia:date ?d ; prov:wasDerivedFrom/ia:source/ia:registerId "P58" }""",
             p=iri(built, "programme/sustainability-transformation-plans"))
    assert {r["d"].value for r in rows} == {"2016-03-15"}


def test_accountable_and_integrated_care_systems(store, built):
    acs = sites_of(store, built, "accountable-care-systems")
    assert len(acs) == 8
    assert {"acs-dorset", "acs-nottinghamshire", "acs-blackpool-and-fylde-coast"} <= acs
    assert ("P62", Decimal(8)) in stated_counts(store, built, "wave/accountable-care-systems-1")
    assert {("P67", Decimal(42)), ("P68", Decimal(42))} <= stated_counts(store, built, "programme/integrated-care-systems")


def test_programme_dates_come_from_sourced_events(store, built):
    expected = {"integrated-care-pilots": ("2009-04-01", "P34"),
                "integrated-care-pioneers": ("2013-11-01", "P38"),
                "accountable-care-systems": ("2017-06-01", "P62"),
                "improved-better-care-fund": ("2017-04-01", "P54")}
    for prog, (day, rid) in expected.items():
        rows = q(store, """
            SELECT ?start ?id WHERE {
                ?p ia:startDate ?start ; ia:startEvent ?e .
                ?e a ia:Event ; ia:about ?p ; ia:bestStatement ?st .
                ?st ia:date ?start ; prov:wasDerivedFrom/ia:source/ia:registerId ?id .
            }""", p=iri(built, f"programme/{prog}"))
        assert {r["start"].value for r in rows} == {day}, prog
        assert rid in {r["id"].value for r in rows}, prog


def test_new_programmes_sit_in_the_lineage(store, built):
    rows = q(store, "SELECT ?rel ?other WHERE { ?p ?rel ?other . ?other a ia:Programme }",
             p=iri(built, "programme/accountable-care-systems"))
    links = {(r["rel"].value.rsplit("/", 1)[-1], r["other"].value.rsplit("/", 1)[-1]) for r in rows}
    assert {("follows", "sustainability-transformation-plans"), ("buildsOn", "vanguards")} <= links
    rows = q(store, "SELECT ?other WHERE { ?p ia:follows ?other }", p=iri(built, "programme/integrated-care-systems"))
    assert [r["other"].value.rsplit("/", 1)[-1] for r in rows] == ["accountable-care-systems"]


#################################################################
# Conflicts X12-X16 as statements of one item, one preferred
#################################################################

STATEMENTS = """
    SELECT ?a ?b ?va ?vb ?da ?db ?sa ?sb ?ra ?rb WHERE {
        ?item ia:about ?x ; ia:hasStatement ?a, ?b .
        FILTER (?a != ?b)
        ?a prov:wasDerivedFrom ?refA ; wikibase:rank ?ra . ?refA ia:source/ia:registerId ?ida .
        ?b prov:wasDerivedFrom ?refB ; wikibase:rank ?rb . ?refB ia:source/ia:registerId ?idb .
        OPTIONAL { ?a ia:value ?va } OPTIONAL { ?b ia:value ?vb }
        OPTIONAL { ?a ia:date ?da } OPTIONAL { ?b ia:date ?db }
        OPTIONAL { ?refA ia:summary ?sa } OPTIONAL { ?refB ia:summary ?sb }
    }"""
PREFERRED = "http://wikiba.se/ontology#PreferredRank"


def disputes(store, built, about, id_a, id_b):
    """Pairs of statements of one item about ``about``, one given by register
    entry ``id_a``, the other by ``id_b``."""
    return q(store, STATEMENTS, x=iri(built, about), ida=ox.Literal(id_a), idb=ox.Literal(id_b))


def test_x12_bcf_planned_savings(store, built):
    """The plans' figures for 2015-16 are statements of one item; the NAO's
    £511m (via S3) is preferred as the latest figure."""
    for rid, value in (("P51", 731000000), ("P52", 1000000000), ("P53", 1000000000)):
        rows = disputes(store, built, "programme/better-care-fund", rid, "S3")
        pairs = {(num(r["va"]), num(r["vb"]), r["rb"].value) for r in rows if r["va"] and r["vb"]}
        assert (Decimal(value), Decimal(511000000), PREFERRED) in pairs, (rid, value)


def test_x13_joint_working_share(store, built):
    """90% and "more than 90%" are two statements that do not dispute each other."""
    rows = disputes(store, built, "programme/better-care-fund", "P46", "P47")
    assert rows and {num(r["va"]) for r in rows} == {Decimal(90)}
    assert any("more than 90%" in r["sb"].value for r in rows)
    assert not any(bool(store.query(f"ASK {{ <{r['a'].value}> <{IA}disputes> <{r['b'].value}> }}")) for r in rows)


def test_x14_integration_report_date(store, built):
    for other in ("P45", "P47", "S3"):
        rows = disputes(store, built, "document/nao-integration-2017", "P46", other)
        assert {(r["da"].value, r["db"].value) for r in rows} == {("2017-02-07", "2017-02-08")}, other
        assert {r["rb"].value for r in rows} == {PREFERRED}


def test_x15_pioneer_start(store, built):
    for other in ("P38", "P44"):
        rows = disputes(store, built, "programme/integrated-care-pioneers", "P41", other)
        assert {(r["da"].value, r["db"].value) for r in rows} == {("2013-12-01", "2013-11-01")}


def test_x16_pioneer_applicants(store, built):
    rows = disputes(store, built, "wave/pioneers-1", "P43", "P40")
    assert {(num(r["va"]), num(r["vb"])) for r in rows} == {(Decimal(100), Decimal(111))}
    assert {r["rb"].value for r in rows} == {PREFERRED}


WORDINGS = """
    SELECT ?sa ?sb WHERE {
        ?item a ia:Finding ; ia:about ?x ; ia:hasStatement ?s .
        ?s prov:wasDerivedFrom ?refA, ?refB .
        ?refA ia:source/ia:registerId ?ida ; ia:summary ?sa .
        ?refB ia:source/ia:registerId ?idb ; ia:summary ?sb .
    }"""


def wordings(store, built, about, id_a, id_b):
    """How two register entries word one finding (the references of its statement)."""
    return q(store, WORDINGS, x=iri(built, about), ida=ox.Literal(id_a), idb=ox.Literal(id_b))


def test_x18_first_wave_acs_count(store, built):
    for other in ("P62", "P63"):
        rows = wordings(store, built, "wave/accountable-care-systems-1", "P64", other)
        assert rows, other
        assert all("Surrey Heartlands" in r["sb"].value and "Greater Manchester" in r["sa"].value for r in rows)


def test_x19_pioneer_names(store, built):
    rows = wordings(store, built, "site/pioneer-staffordshire", "P39", "P40")
    assert rows and "North Staffordshire" in rows[0]["sb"].value
    rows = wordings(store, built, "site/pioneer-cornwall", "P39", "P40")
    assert rows and "Cornwall and Isles of Scilly" in rows[0]["sb"].value


def test_x20_berkshire_name(store, built):
    rows = wordings(store, built, "site/acs-berkshire-west", "P62", "P63")
    assert rows
    assert "Berkshire West" in rows[0]["sa"].value and "West Berkshire" in rows[0]["sb"].value


def test_disputes_are_generated_both_ways(store, built):
    rows = q(store, """
        SELECT ?a ?b ?back WHERE {
            ?a ia:disputes ?b .
            OPTIONAL { ?b ia:disputes ?back . FILTER (?back = ?a) }
        }""")
    assert len(rows) >= 20
    one_way = [(r["a"].value, r["b"].value) for r in rows if r["back"] is None]
    assert not one_way, one_way
    # Each disputing pair is two statements of one item.
    assert not q(store, """SELECT ?a WHERE { ?a ia:disputes ?b ; ia:statementOf ?i .
                                              FILTER NOT EXISTS { ?b ia:statementOf ?i } }""")


#################################################################
# Better Care Fund: planned against actual, per year and source
#################################################################

def test_bcf_planned_against_actual_per_year_and_source(store, built):
    rows = q(store, """
        SELECT ?id ?year ?measure ?planned ?actual WHERE {
            ?o a ia:Outcome ; ia:about ?bcf ; ia:againstTarget ?t ; ia:hasStatement ?os ;
               ia:periodEnd/rdfs:label ?year ; ia:measure/rdfs:label ?measure .
            ?os ia:value ?actual ; prov:wasDerivedFrom/ia:source/ia:registerId ?id .
            ?t a ia:Target ; ia:hasStatement ?ts .
            ?ts ia:value ?planned ; prov:wasDerivedFrom/ia:source/ia:registerId ?tid .
            FILTER (?tid = ?id)
        }""", bcf=iri(built, "programme/better-care-fund"))
    got = {(r["id"].value, r["year"].value, r["measure"].value, num(r["planned"]), num(r["actual"])) for r in rows}
    assert {
        ("P48", "2015-16", "change in emergency admissions", Decimal(-106000), Decimal(87000)),
        ("P48", "2015-16", "change in days lost to delayed transfers of care", Decimal(-293000), Decimal(185000)),
        ("P51", "2015-16", "money pooled in the fund", Decimal(3800000000), Decimal(5300000000)),
        ("P54", "2019-20", "money pooled in the fund", Decimal(6400000000), Decimal(9200000000)),
    } <= got
    # The seed S3 gives the same 2015-16 pairs: references on the same statements.
    assert {("S3", "2015-16", "change in emergency admissions", Decimal(-106000), Decimal(87000))} <= got


def test_bcf_additional_costs_hang_off_the_outcomes(store, built):
    rows = q(store, """
        SELECT ?v WHERE {
            ?cost ia:about ?o ; ia:measure/rdfs:label "additional cost against plan"@en ; ia:value ?v .
            ?o ia:about ?bcf ; ia:hasStatement/prov:wasDerivedFrom/ia:source/ia:registerId "P48" .
        }""", bcf=iri(built, "programme/better-care-fund"))
    assert {num(r["v"]) for r in rows} == {Decimal(311000000), Decimal(146000000)}


#################################################################
# Derived links between sites of different programmes
#################################################################

def multi_rows(store):
    return list(store.query(queries.get("multi-programme-sites").text))


def test_multi_programme_sites_query_is_described():
    nq = queries.get("multi-programme-sites")
    assert nq.title and nq.description and not nq.params


def test_multi_programme_sites_names_method_and_sourced_inputs(store):
    rows = multi_rows(store)
    assert rows
    links = {}
    for r in rows:
        assert r["programmeA"] != r["programmeB"]
        assert r["inputSource"] is not None and r["inputLocator"].value, r["input"].value
        key = tuple(sorted((r["siteA"].value.rsplit("/", 1)[-1], r["siteB"].value.rsplit("/", 1)[-1])))
        link = links.setdefault(key, {"methods": set(), "inputs": set(), "sources": set()})
        link["methods"].add(r["method"].value.split(":")[0])
        link["inputs"].add(r["input"].value.rsplit("/", 1)[-1])
        link["sources"].add(r["inputSourceLabel"].value)
    assert len(links) >= 20
    # Joined by code wherever codes exist; matched by name only where they do
    # not (none is left since every linked area has its code), never both.
    assert all(l["methods"] == {"joined by ODS code"} or l["methods"] == {"matched by area name"}
               for l in links.values()), [k for k, l in links.items() if len(l["methods"]) > 1]
    assert any(l["methods"] == {"joined by ODS code"} for l in links.values())
    # A 2009 pilot that became a vanguard: the pilot's primary care trust passed its area to a CCG of the vanguard.
    principia = links[("pilot-principia", "vanguard-principia-partners-in-health")]
    assert principia["methods"] == {"joined by ODS code"}
    assert {"ds-04n", "c1-ods-nhs-rushcliffe-ccg"} <= principia["inputs"]
    northumbria = links[("pilot-northumbria", "vanguard-northumbria-foundation-group")]
    assert northumbria["methods"] == {"joined by ODS code"}
    assert "c4-code-northumbria-healthcare-nhs-foundation-trust" in northumbria["inputs"]
    # A pioneer that became a vanguard: both sides name the same coded CCGs.
    fylde = links[("pioneer-fylde-coast", "vanguard-fylde-coast")]
    assert fylde["methods"] == {"joined by ODS code"}
    assert {"c1-ods-nhs-blackpool-ccg", "c1-ods-nhs-fylde-and-wyre-ccg"} <= fylde["inputs"]
    for pair in (("pioneer-wakefield", "vanguard-connecting-care-wakefield"),
                 ("pioneer-south-somerset", "vanguard-south-somerset-symphony"),
                 ("pioneer-airedale-wharfedale-craven", "vanguard-airedale-and-partners")):
        assert links[pair]["methods"] == {"joined by ODS code"}, pair
    # Vanguards inside a first-wave accountable care system.
    for pair in (("acs-blackpool-and-fylde-coast", "vanguard-fylde-coast"),
                 ("acs-dorset", "vanguard-developing-one-nhs-in-dorset"),
                 ("acs-nottinghamshire", "vanguard-mid-nottinghamshire-better-together")):
        assert links[pair]["methods"] == {"joined by ODS code"}, pair
    # Torbay's pilot, once matched by name, is joined by its area's codes.
    torbay = links[("pilot-torbay", "pioneer-south-devon-and-torbay")]
    assert torbay["methods"] == {"joined by ODS code"}


def test_derived_links_are_derived_not_stated(store):
    rows = q(store, """
        SELECT ?d ?grade (COUNT(DISTINCT ?about) AS ?n) (COUNT(DISTINCT ?in) AS ?inputs) WHERE {
            ?d a ia:DerivedClaim ; ia:reliability/rdfs:label ?grade ; ia:statementOf/ia:about ?about ;
               prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan/ia:method ?m ; prov:wasDerivedFrom ?in .
            FILTER (STRSTARTS(STR(?m), "matched by area name") || STRSTARTS(STR(?m), "joined by ODS code"))
            FILTER NOT EXISTS { ?d ia:source ?s }
        } GROUP BY ?d ?grade""")
    assert len(rows) >= 20
    for r in rows:
        assert r["grade"].value == "derived"
        assert int(r["n"].value) == 2 and int(r["inputs"].value) >= 2


#################################################################
# The shapes added for this data fire on broken data
#################################################################

# The shape tests share their prefixes and test namespace.
from .test_shapes import PREFIXES as TTL, SHAPES, T  # noqa: E402
from .test_shapes import REF, event, stmt, taking_part  # noqa: E402
PROG = 't:prog a ia:Programme ; rdfs:label "P"@en ; rdfs:comment "c"@en ; ia:programmeType ptype:pilot-programme'
BARE_WAVE = 't:w a ia:Wave ; rdfs:label "W"@en ; ia:waveOf t:prog ; ia:waveNumber 1 .'
# A wave with sites needs its announcement date, from a sourced event.
WAVE = (BARE_WAVE.replace(" .", " ; ia:announcementEvent t:e .") + f"\n{REF} .\n"
        + event("e", "t:w", "2016-01-05", etype="evt:announced"))


def count(value: str) -> str:
    return (f'{REF} .\nt:count a ia:Figure ; rdfs:label "c"@en ; ia:about t:w ; ia:measure measure:site-count ; '
            'ia:countOf ia:Site ; ia:periodStart fy:2015-16 ; ia:periodEnd fy:2015-16 .\n'
            + stmt("cst", "t:count", f"ia:value {value} ; ia:unit unit:count ; ia:valueKind kind:reported") + " .")


SITE = 't:s1 a ia:Site ; rdfs:label "S1"@en .\n' + taking_part("t:s1", "t:prog", "ia:inWave t:w", "tp1")
FINDING = (f'{REF} ; ia:summary "s"@en .\nt:f a ia:Finding ; rdfs:label "F"@en ; ia:about prog:vanguards .\n'
           + stmt("fst", "t:f", 'rdfs:comment "c"@en') + " .")
LINEAGE_FINDING = FINDING.replace("ia:about prog:vanguards", "ia:about t:prog, prog:vanguards")
DERIVED = ('t:d a ia:DerivedClaim ; rdfs:label "D"@en ; ia:statementOf t:df ; wikibase:rank wikibase:NormalRank ; '
           'prov:wasGeneratedBy t:act .\nt:df a ia:Finding ; rdfs:label "DF"@en ; ia:about prog:vanguards .\n'
           't:act a prov:Activity ; prov:qualifiedAssociation t:assoc .\n'
           't:assoc a prov:Association ; prov:agent id:agent\\/atlas-editors ; prov:hadPlan t:plan .\n'
           't:plan a prov:Plan ; ia:method "matched by area name"@en .\nt:d a ia:DerivedClaim')

CASES = {
    "RegisterEntryPublisher": (
        't:doc a ia:WebPage ; rdfs:label "D"@en ; dcterms:title "D"@en ; ia:registerId "T1" .',
        't:doc a ia:WebPage ; rdfs:label "D"@en ; dcterms:title "D"@en ; ia:registerId "T1" ; '
        'ia:gap "The page names no publisher."@en .'),
    "RegisterIdUnique": (
        't:doc a ia:WebPage ; rdfs:label "D"@en ; dcterms:title "D"@en ; ia:registerId "P21" ; dcterms:publisher orgn:nhs-england .',
        't:doc a ia:WebPage ; rdfs:label "D"@en ; dcterms:title "D"@en ; ia:registerId "T2" ; dcterms:publisher orgn:nhs-england .'),
    "SiteInWaveProgramme": (
        f'{PROG} .\n{WAVE}\nt:s1 a ia:Site ; rdfs:label "S1"@en ; ia:takesPartIn prog:vanguards ; ia:inWave t:w .',
        f'{PROG} .\n{WAVE}\n{SITE}'),
    # A programme under an IRI of its own, structured like the vanguards: its
    # sites test care models of a scheme and are selected in waves.
    "SiteCareModelOfScheme": (
        f'{PROG} ; ia:careModelScheme scheme:care-models .\n{WAVE}\n{SITE}',
        f'{PROG} ; ia:careModelScheme scheme:care-models .\n{WAVE}\n'
        + SITE.replace("ia:inWave t:w", "ia:inWave t:w ; ia:careModel cm:mcp")),
    "SiteInOneWave": (
        f'{PROG} .\n{WAVE}\n' + SITE.replace(' ; ia:inWave t:w', ''),
        f'{PROG} .\n{WAVE}\n{SITE}'),
    "WaveWithSitesAnnounced": (
        f'{PROG} .\n{BARE_WAVE}\n{SITE}',
        f'{PROG} .\n{WAVE}\n{SITE}'),
    "WaveOrProgrammeCountMatchesListing": (
        f'{PROG} .\n{WAVE}\n{SITE}\n{count("2.0")}',
        f'{PROG} .\n{WAVE}\n{SITE}\n{count("1.0")}'),
    "ConfidenceMark": (
        FINDING.replace('ia:summary "s"@en', 'ia:summary "s"@en ; ia:confidence "medium"'),
        FINDING.replace('ia:summary "s"@en', 'ia:summary "s"@en ; ia:confidence "med"')),
    "LineageHasProvenance": (
        f'{PROG} ; ia:follows prog:vanguards .',
        f'{PROG} ; ia:follows prog:vanguards .\n{LINEAGE_FINDING}'),
    "DerivedClaimInputsSourced": (
        f'{DERIVED} ; ia:reliability grade:derived ; prov:wasDerivedFrom t:unsourced .\n'
        't:unsourced a ia:DerivedClaim ; rdfs:label "U"@en ; ia:statementOf t:df ; wikibase:rank wikibase:DeprecatedRank ; '
        'ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/rounded> ; prov:wasGeneratedBy t:act ; '
        'ia:reliability grade:derived ; prov:wasDerivedFrom t:d .',
        f'{DERIVED} ; ia:reliability grade:derived ; prov:wasDerivedFrom claim:nao2018-vanguard-count .'),
}
EXTRA_BROKEN = {
    # A comment's wording is not a record of the gap.
    "RegisterEntryPublisher/comment-only": (
        "RegisterEntryPublisher",
        't:doc a ia:WebPage ; rdfs:label "D"@en ; dcterms:title "D"@en ; ia:registerId "T1" ; '
        'rdfs:comment "A page whose publisher is not stated."@en .'),
    # A derived claim graded as official is caught too.
    "DerivedClaimInputsSourced/grade": (
        "DerivedClaimInputsSourced",
        f'{DERIVED} ; ia:reliability grade:official ; prov:wasDerivedFrom claim:nao2018-vanguard-count .'),
}


@pytest.fixture(scope="module")
def context():
    settings = Settings.from_env()
    files = sorted((settings.data_dir / "vocab").glob("*.ttl")) + sorted((settings.data_dir / "core").glob("*.ttl"))
    files += [settings.data_dir / "seeds" / "s2-nao-vanguards-2018.ttl", settings.data_dir / "reference" / "sources.ttl",
              settings.data_dir / "reference" / "organisations.ttl"]
    return settings, files, load_shapes(settings)


def problems(context, tmp_path, snippet):
    settings, files, shapes = context
    case = tmp_path / "case.ttl"
    case.write_text(TTL + snippet)
    report = validate(load(settings, only=files + [case]), shapes)
    return [v for v in report.violations if v.focus.startswith(T)]


@pytest.mark.parametrize("case", sorted(CASES) + sorted(EXTRA_BROKEN))
def test_programme_shape_fires_on_broken_data(case, context, tmp_path):
    if case in CASES:
        shape, broken = case, CASES[case][0]
    else:
        shape, broken = EXTRA_BROKEN[case]
    found = problems(context, tmp_path, broken)
    fired = {v.shape.split(" / ")[0].removeprefix(SHAPES) for v in found}
    assert shape in fired, f"{shape} did not fire; got {[v.render() for v in found]}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_programme_shape_is_silent_on_mended_data(case, context, tmp_path):
    found = problems(context, tmp_path, CASES[case][1])
    assert not found, "\n\n".join(v.render() for v in found)


def test_every_programme_shape_has_a_case(context):
    text = (PROJECT_ROOT / "ontology" / "shapes-programmes.ttl").read_text()
    declared = set(re.findall(r"^shapes:(\w+) a sh:NodeShape", text, re.M))
    assert declared and declared - set(CASES) == set()
