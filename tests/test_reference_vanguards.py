"""The vanguard reference data in the real build: the 50 sites, their care
models and waves, funding flows with sources, NHS codes, derived links kept
apart from stated ones, and the disagreements between sources."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

from kg import queries

ID = "https://w3id.org/integration-atlas/id/"
PREFIXES = """
PREFIX ia:   <https://w3id.org/integration-atlas/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wikibase: <http://wikiba.se/ontology#>
"""


def iri(built, path: str) -> str:
    """An instance IRI under the build's base."""
    return f"{built.base}id/{path}"


def select(store, built, body: str, **bind) -> list[dict[str, str]]:
    text = PREFIXES + body.replace("<id:", f"<{built.base}id/")
    subs = {ox.Variable(k): ox.NamedNode(v) for k, v in bind.items()}
    result = store.query(text, substitutions=subs)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


def named(store, built, name: str, **params) -> list[dict[str, str]]:
    q = queries.get(name)
    values = dict(q.params)
    values.update(params)
    subs = {}
    for k, v in values.items():
        if v.startswith(ID):
            v = built.base + v[len("https://w3id.org/integration-atlas/"):]
        subs[ox.Variable(k)] = ox.NamedNode(v)
    result = store.query(q.text, substitutions=subs)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


# ---------------------------------------------------------------- sites

def test_fifty_vanguard_sites_each_with_one_care_model_and_wave(store, built):
    rows = select(store, built, """
        SELECT ?site (COUNT(DISTINCT ?cm) AS ?models) (COUNT(DISTINCT ?w) AS ?waves) WHERE {
            ?site a ia:Site ; ia:takesPartIn <id:programme/vanguards> .
            OPTIONAL { ?site ia:careModel ?cm } OPTIONAL { ?site ia:inWave ?w }
        } GROUP BY ?site""")
    assert len(rows) == 50
    assert all(r["models"] == "1" and r["waves"] == "1" for r in rows)


def test_sites_per_care_model_match_the_nao_counts(store, built):
    rows = select(store, built, """
        SELECT ?notation (COUNT(?site) AS ?n) WHERE {
            ?site ia:takesPartIn <id:programme/vanguards> ; ia:careModel ?cm .
            ?cm skos:notation ?notation .
        } GROUP BY ?notation""")
    assert {r["notation"]: int(r["n"]) for r in rows} == {"MCP": 14, "PACS": 9, "EHCH": 6, "ACC": 13, "UEC": 8}
    # and the NAO's Figure 1 says the same
    nao = select(store, built, """
        SELECT ?notation ?v WHERE {
            ?c ia:countOf ia:Site ; ia:about ?cm ; ia:value ?v ;
               ia:hasStatement/prov:wasDerivedFrom/ia:source <id:document/nao-vanguards-2018> .
            ?cm skos:notation ?notation .
        }""")
    assert {r["notation"]: int(Decimal(r["v"])) for r in nao} == {"MCP": 14, "PACS": 9, "EHCH": 6, "ACC": 13, "UEC": 8}


def test_three_waves_with_their_dates_models_and_announcing_sources(store, built):
    rows = select(store, built, """
        SELECT ?n ?date (GROUP_CONCAT(DISTINCT ?notation; SEPARATOR=",") AS ?models) (COUNT(DISTINCT ?site) AS ?sites) WHERE {
            ?w ia:waveOf <id:programme/vanguards> ; ia:waveNumber ?n ; ia:announcedOn ?date .
            ?site a ia:Site ; ia:inWave ?w ; ia:careModel/skos:notation ?notation .
        } GROUP BY ?n ?date ORDER BY ?n""")
    got = [(r["n"], r["date"], set(r["models"].split(",")), int(r["sites"])) for r in rows]
    assert got == [("1", "2015-03-10", {"MCP", "PACS", "EHCH"}, 29),
                   ("2", "2015-07-24", {"UEC"}, 8),
                   ("3", "2015-09-25", {"ACC"}, 13)]
    events = select(store, built, """
        SELECT ?n ?reg WHERE {
            ?w ia:waveNumber ?n ; ia:waveOf <id:programme/vanguards> ; ia:announcedOn ?date ; ia:announcementEvent ?e .
            ?e a ia:Event ; ia:about ?w ; ia:hasStatement ?st .
            ?st ia:date ?date ; prov:wasDerivedFrom ?r . ?r ia:source/ia:registerId ?reg ; ia:locator ?loc .
        }""")
    by_wave = {}
    for r in events:
        by_wave.setdefault(r["n"], set()).add(r["reg"])
    assert "P13" in by_wave["1"] and "P11" in by_wave["2"] and "P18" in by_wave["3"]


def test_programme_numbers_only_where_shown(store, built):
    rows = select(store, built, """
        SELECT ?n ?label WHERE {
            ?site ia:takesPartIn <id:programme/vanguards> ; ia:programmeNumber ?n ; rdfs:label ?label .
        }""")
    assert sorted(int(r["n"]) for r in rows) == [1, 10, 24, 25, 26, 27, 28, 29, 30, 38, 39]
    by_number = {int(r["n"]): r["label"] for r in rows}
    assert by_number[1] == "Wirral Partners"
    assert by_number[10] == "Calderdale Health and Social Care Economy"
    assert by_number[30] == "Greater Nottingham System Resilience Group"


def test_renamed_vanguard_keeps_its_former_name(store, built):
    rows = select(store, built, """
        SELECT ?former WHERE { <id:site/vanguard-newcastle-and-gateshead-ccg> ia:formerName ?former }""")
    assert [r["former"] for r in rows] == ["Gateshead Care Home Project"]


# ---------------------------------------------------------------- funding

def test_vanguard_funding_query_returns_every_flow_for_morecambe_bay_with_sources(store, built):
    rows = named(store, built, "vanguard-funding")
    got = {(r["from"], r["kind"], Decimal(r["amount"])): r for r in rows}
    assert set(got) == {
        ("2015-16", "spent", Decimal(4590000)),
        ("2015-16", "matched local resources", Decimal(7260000)),
        ("2015-16", "approved", Decimal(41000000)),
        ("2016-17", "requested", Decimal(17500000)),
        ("2016-17", "approved", Decimal(4700000)),
    }
    assert all(r["sourceLabel"] and r["locator"] and r["reliability"] for r in rows)
    assert got[("2015-16", "approved", Decimal(41000000))]["recipients"] == "5"
    assert got[("2015-16", "approved", Decimal(41000000))]["sourceLabel"].startswith("LGC")
    assert "HSJ" in got[("2016-17", "requested", Decimal(17500000))]["sourceLabel"]


def test_vanguard_funding_query_takes_another_site(store, built):
    rows = named(store, built, "vanguard-funding",
                 site="https://w3id.org/integration-atlas/id/site/vanguard-calderdale")
    assert [(r["from"], r["kind"], Decimal(r["amount"])) for r in rows] == [("2017-18", "allocated", Decimal(0))]


def test_2015_16_totals_from_hsj_add_up_to_their_parts(store, built):
    """The PACS vanguards' £45.85m (nine parts) and the £200m transformation
    fund (the vanguards' £132.6m and the rest, derived), both from P25."""
    rows = select(store, built, """
        SELECT ?total (SUM(?a) AS ?sum) (COUNT(?part) AS ?n) WHERE {
            ?part ia:partOf ?t . ?part ia:amount ?a . ?t ia:amount ?total .
            FILTER EXISTS { ?t ia:bestStatement/prov:wasDerivedFrom/ia:source/ia:registerId "P25" }
        } GROUP BY ?total ORDER BY ?total""")
    assert [(Decimal(r["total"]), Decimal(r["sum"]), r["n"]) for r in rows] == [
        (Decimal(45850000), Decimal(45850000), "9"), (Decimal(200000000), Decimal(200000000), "2")]


# ---------------------------------------------------------------- organisations and codes

@pytest.mark.parametrize("org,code", [
    ("nhs-wirral-ccg", "12F"), ("nhs-morecambe-bay-ccg", "01K"), ("nhs-calderdale-ccg", "02T"),
    ("nhs-blackpool-ccg", "00R"), ("salford-royal", "RM3"), ("royal-free-london", "RAL"),
    ("northumbria-healthcare-nhs-foundation-trust", "RTF"),
])
def test_ods_codes_attached_with_a_sourced_finding(store, built, org, code):
    rows = select(store, built, """
        SELECT ?org ?code ?reg ?conf WHERE {
            ?org ia:odsCode ?code .
            ?f ia:about ?org ; ia:hasStatement/prov:wasDerivedFrom ?r .
            ?r ia:source/ia:registerId ?reg ; ia:confidence ?conf ; ia:summary ?s .
            FILTER (CONTAINS(STR(?s), ?code))
        }""", org=iri(built, f"organisation/{org}"))
    assert rows and {r["code"] for r in rows} == {code}
    assert {r["reg"] for r in rows} <= {"C1", "C2", "C3", "C4", "C5"}
    assert {r["conf"] for r in rows} == {"med"}


def test_ods_codes_unique_and_ccg_codes_count(store, built):
    rows = select(store, built, """
        SELECT ?code (COUNT(DISTINCT ?org) AS ?n) WHERE { ?org ia:odsCode ?code } GROUP BY ?code""")
    assert all(r["n"] == "1" for r in rows)
    assert {"12F", "04E", "04H", "07L", "08F", "08N", "04C", "04V", "03W", "03Q"} <= {r["code"] for r in rows}


def test_inferred_links_are_derived_claims_not_memberships(store, built):
    derived = select(store, built, """
        SELECT ?org ?site ?method ?grade WHERE {
            ?d a ia:DerivedClaim ; ia:statementOf ?m ; ia:reliability/rdfs:label ?grade ; prov:wasDerivedFrom ?input ;
               prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan/ia:method ?method .
            ?m ia:organisation ?org ; ia:roleIn ?site .
            FILTER NOT EXISTS { ?d ia:source ?doc }
        }""")
    pairs = {(r["org"].rsplit("/", 1)[1], r["site"].rsplit("/", 1)[1]) for r in derived}
    assert ("nhs-morecambe-bay-ccg", "vanguard-better-care-together-morecambe-bay") in pairs
    assert ("guys-and-st-thomas", "vanguard-foundation-healthcare-group") in pairs
    assert {r["grade"] for r in derived} == {"derived"}
    assert "matched by area name" in {r["method"] for r in derived}
    # none of them is stated as a membership of the site
    stated = select(store, built, """
        SELECT ?d WHERE {
            ?d a ia:DerivedClaim ; ia:statementOf ?m .
            ?m ia:organisation ?org ; ia:roleIn ?site .
            { ?site org:hasMember ?org } UNION { ?site ia:leadOrganisation ?org }
        }""")
    assert stated == []


def test_stated_partners_are_generated_from_memberships(store, built):
    rows = select(store, built, """
        SELECT ?site ?org WHERE {
            ?site ia:takesPartIn <id:programme/vanguards> ; org:hasMember ?org .
            FILTER NOT EXISTS {
                ?r a ia:OrganisationRole ; ia:organisation ?org ; ia:roleIn ?site ; ia:bestStatement/prov:wasDerivedFrom ?ref .
                ?ref ia:source ?doc ; ia:locator ?loc .
            }
        }""")
    assert rows == []
    leads = select(store, built, """
        SELECT ?org WHERE { <id:site/vanguard-south-devon-and-torbay-srg> ia:leadOrganisation ?org }""")
    assert len(leads) == 3


# ---------------------------------------------------------------- disagreements

SAVINGS = {Decimal(324000000), Decimal(900000000), Decimal(360000000)}


def test_savings_disagreements_puts_the_expectations_side_by_side(store, built):
    rows = named(store, built, "savings-disagreements")
    values = {Decimal(r["value"]) for r in rows}
    assert SAVINGS | {Decimal(2), Decimal(13000000)} <= values
    assert all(r["sourceLabel"] and r["locator"] for r in rows)
    nine_hundred = [r for r in rows if Decimal(r["value"]) == Decimal(900000000)]
    assert len(nine_hundred) == 1
    assert "360000000" in nine_hundred[0]["disagreesWith"] and "324000000" in nine_hundred[0]["disagreesWith"]
    three_sixty = [r for r in rows if Decimal(r["value"]) == Decimal(360000000)][0]
    assert "Wilmington" in three_sixty["sourceLabel"]


# Each conflict of the fact sheet's section 5 that is encoded here: the items
# about the subject, with the register ids of their references and their
# values (amounts in pounds, names the references state, or care models).
CONFLICTS = {
    "X3": ({"P25", "P27"}, {"132600000", "120000000"}),
    "X4": ({"P28", "P25"}, {"8300000", "8600000"}),
    "X5": ({"P28", "P25"}, {"6500000", "6770000"}),
    "X6": ({"P28", "P25"}, {"4900000", "8020000"}),
    "X7": ({"P10", "P06"}, {"South Nottingham System Resilience Group", "Greater Nottingham System Resilience Group"}),
    "X8": ({"P05", "P04"}, {"Gateshead Care Home Project", "Newcastle and Gateshead Clinical Commissioning Group"}),
    "X9": ({"P07", "P09", "P08", "P26"}, {"Accountable Clinical Network for Cancer (ACNC)", "Accountable Cancer Network (ACN)",
                                          "Accountable Clinical Network for Cancer (Cancer Vanguard)",
                                          "Accountable Care Network for Cancer"}),
    "X10": ({"P01", "P25"}, {"All together better Sunderland", "Better Health and Care for Sunderland"}),
    "X11": ({"P06", "P10", "P26"}, {"UEC", "ACC"}),
    "X17": ({"P31", "S2"}, {"9"}),
}
SUBJECT = {
    "X3": "programme/vanguards", "X4": "site/vanguard-northumberland-aco",
    "X5": "site/vanguard-all-together-better-sunderland", "X6": "site/vanguard-south-somerset-symphony",
    "X7": "site/vanguard-greater-nottingham-srg", "X8": "site/vanguard-newcastle-and-gateshead-ccg",
    "X9": "site/vanguard-accountable-clinical-network-for-cancer", "X10": "site/vanguard-all-together-better-sunderland",
    "X11": "site/vanguard-south-devon-and-torbay-srg", "X17": "programme/vanguards",
}


@pytest.mark.parametrize("row", sorted(CONFLICTS))
def test_conflict_rows_are_statements_with_both_sources(store, built, row):
    sources, values = CONFLICTS[row]
    rows = select(store, built, """
        SELECT ?subject ?reg ?v WHERE {
            ?item ia:about|ia:recipient ?subject ; ia:hasStatement ?s .
            ?s prov:wasDerivedFrom ?r . ?r ia:source/ia:registerId ?reg ; ia:locator ?loc .
            OPTIONAL { ?s ia:value ?sv } OPTIONAL { ?r ia:statedName ?name } OPTIONAL { ?item ia:careModel/skos:notation ?cm }
            BIND (STR(COALESCE(?name, ?cm, ?sv)) AS ?v)
        }""", subject=iri(built, SUBJECT[row]))
    assert rows, f"{row}: no statements about {SUBJECT[row]}"
    assert sources <= {r["reg"] for r in rows}
    vals = {str(Decimal(v).normalize()) if v[0].isdigit() else v for r in rows if (v := r["v"])}
    assert {str(Decimal(v).normalize()) if v[0].isdigit() else v for v in values} <= vals


@pytest.mark.parametrize("row", ["X3", "X4", "X5", "X6"])
def test_initial_and_final_funding_are_one_flow_final_preferred(store, built, row):
    """An allocation and the year's final figure are two statements of one
    flow; the final one is preferred, with its reason."""
    rows = select(store, built, """
        SELECT ?subject ?flow ?v ?rank ?reason WHERE {
            ?flow a ia:FundingFlow ; ia:recipient ?subject ; ia:hasStatement ?s .
            ?s ia:value ?v ; wikibase:rank ?rank ; ia:disputes ?other .
            OPTIONAL { ?s ia:rankReason/skos:prefLabel ?reason }
        }""", subject=iri(built, SUBJECT[row]))
    values = {Decimal(v) for v in CONFLICTS[row][1]}
    rows = [r for r in rows if Decimal(r["v"]) in values]
    assert len({r["flow"] for r in rows}) == 1
    preferred = [r for r in rows if r["rank"].endswith("PreferredRank")]
    assert len(preferred) == 1 and preferred[0]["reason"] == "final figure supersedes the initial allocation"
    assert Decimal(preferred[0]["v"]) == max(values)


def test_x1_the_p22_statements_dispute_the_900m_expectation(store, built):
    rows = select(store, built, """
        SELECT ?v WHERE {
            ?s prov:wasDerivedFrom/ia:source/ia:registerId "P22" ; ia:value ?v ; ia:disputes ?o .
            ?o prov:wasDerivedFrom <id:claim/s3-expected-savings-900m> .
        }""")
    assert {Decimal(r["v"]) for r in rows} == {Decimal(324000000), Decimal(360000000)}


def test_x2_column_sum_is_a_derived_statement_over_figure_1(store, built):
    rows = select(store, built, """
        SELECT ?amount ?rank (COUNT(?input) AS ?n) WHERE {
            <id:claim/derived-nao2018-figure1-column-sum> a ia:DerivedClaim ; ia:value ?amount ; wikibase:rank ?rank ;
                ia:statementOf <id:flow/nhse-vanguards-2015-18> ; prov:wasDerivedFrom ?input .
            ?part ia:hasStatement/prov:wasDerivedFrom ?input ; ia:partOf <id:flow/nhse-vanguards-2015-18> .
        } GROUP BY ?amount ?rank""")
    assert [(Decimal(r["amount"]), r["n"]) for r in rows] == [(Decimal(330000000), "5")]
    assert rows[0]["rank"].endswith("NormalRank")


# ---------------------------------------------------------------- shapes-vanguards.ttl

# The shape tests share their prefixes and test namespace.
from .test_shapes import PREFIXES as CASE_PREFIXES, SHAPES as VSHAPES, T  # noqa: E402
TPROG = ('t:prog a ia:Programme ; rdfs:label "Test programme"@en ; rdfs:comment "For tests."@en ; '
         'ia:programmeType ptype:pilot-programme .')
ORGS = 't:o1 a org:FormalOrganization ; rdfs:label "O1"@en . t:o2 a org:FormalOrganization ; rdfs:label "O2"@en .'
from .test_shapes import REF, taking_part  # noqa: E402

# shape, broken snippet, mended snippet
SHAPE_CASES = {
    "ProgrammeNumberUnique": (
        f'{TPROG} t:s1 a ia:Site ; rdfs:label "S1"@en ; ia:takesPartIn t:prog ; ia:programmeNumber 7 .'
        ' t:s2 a ia:Site ; rdfs:label "S2"@en ; ia:takesPartIn t:prog ; ia:programmeNumber 7 .',
        f'{TPROG} t:s1 a ia:Site ; rdfs:label "S1"@en ; ia:programmeNumber 7 .'
        ' t:s2 a ia:Site ; rdfs:label "S2"@en ; ia:programmeNumber 8 .\n'
        + taking_part("t:s1", "t:prog", "", "tp1") + "\n" + taking_part("t:s2", "t:prog", "", "tp2")),
    "OdsCodeUnique": (f'{ORGS} t:o1 ia:odsCode "ZZ9" . t:o2 ia:odsCode "ZZ9" .',
                      f'{ORGS} t:o1 ia:odsCode "ZZ9" . t:o2 ia:odsCode "ZZ8" .'),
    "OnsCode": (f'{ORGS} t:o1 ia:onsCode "E38" .', f'{ORGS} t:o1 ia:onsCode "E38000025" .'),
    "UnverifiedMark": (f'{ORGS} t:o1 ia:unverified "yes" .', f"{ORGS} t:o1 ia:unverified true ."),
    "StatedClaimNotDerivedGrade": (
        REF.replace("grade:official", "grade:derived") + " .",
        REF + " ."),
}


def shape_problems(tmp_path, snippet):
    from kg.config import Settings
    from kg.sources import load, load_shapes
    from kg.validate import validate

    settings = Settings.from_env()
    files = sorted((settings.data_dir / "vocab").glob("*.ttl")) + sorted((settings.data_dir / "core").glob("*.ttl"))
    files.append(settings.data_dir / "seeds" / "s2-nao-vanguards-2018.ttl")
    case = tmp_path / "case.ttl"
    case.write_text(CASE_PREFIXES + snippet)
    report = validate(load(settings, only=files + [case]), load_shapes(settings))
    return [v for v in report.violations if v.focus.startswith(T)]


def test_every_vanguard_shape_has_a_case():
    from kg.config import PROJECT_ROOT

    text = (PROJECT_ROOT / "ontology" / "shapes-vanguards.ttl").read_text()
    declared = {line.split()[0].removeprefix("shapes:") for line in text.splitlines()
                if line.startswith("shapes:") and " a sh:NodeShape" in line}
    assert declared == set(SHAPE_CASES)


@pytest.mark.parametrize("shape", sorted(SHAPE_CASES))
def test_vanguard_shape_fires_on_broken_data_and_is_silent_when_mended(shape, tmp_path):
    broken, mended = SHAPE_CASES[shape]
    fired = {v.shape.split(" / ")[0].removeprefix(VSHAPES) for v in shape_problems(tmp_path, broken)}
    assert shape in fired, fired
    found = shape_problems(tmp_path, mended)
    assert not found, "\n\n".join(v.render() for v in found)
