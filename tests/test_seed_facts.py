"""The facts of the five seed documents come back from the named queries of
the real build, each with the document that states it and where in it.

Values are checked against what the documents say; source labels are read
from the build (not copied here), so renaming a document does not break a
test but moving a claim to the wrong document does.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import queries
from kg.namespaces import CANONICAL_BASE

S0 = "document/vanguards-not-delivering-2018"
S1 = "document/vanguards-report-summary-2018"
S2 = "document/nao-vanguards-2018"
S3 = "document/vanguard-savings-optimistic-2017"
S4 = "document/nhse-unveils-29-vanguards-2015"


@pytest.fixture(scope="module")
def iri(built):
    """Instance IRI under the build's base, from its path below ``id/``."""
    return lambda path: f"{built.base}id/{path}"


@pytest.fixture(scope="module")
def label(store, iri):
    def _label(path: str) -> str:
        rows = list(store.query(
            f"SELECT ?l WHERE {{ <{iri(path)}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"))
        assert rows, f"{path} has no label in the build"
        return rows[0]["l"].value
    return _label


@pytest.fixture(scope="module")
def run(store, built):
    """Run a named query with its default parameters, or the given ones
    (paths below ``id/``), bound the way ``kg query --param`` binds them."""
    def _run(name: str, **params: str) -> list[dict[str, str]]:
        q = queries.get(name)
        values = dict(q.params)
        values.update({k: CANONICAL_BASE + "id/" + v for k, v in params.items()})
        subs = {}
        for key, value in values.items():
            if value.startswith(CANONICAL_BASE):
                value = built.base + value[len(CANONICAL_BASE):]
            subs[ox.Variable(key)] = ox.NamedNode(value)
        result = store.query(q.text, substitutions=subs)
        names = [v.value for v in result.variables]
        return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]
    return _run


def num(value: str | None) -> float | None:
    return None if value is None else float(value)


def only(rows, **match):
    """The rows whose columns equal the given values."""
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


#################################################################
# Funding flows: one flow, one preferred value, every document that gives it
#################################################################

FLOW_329M = "flow/nhse-vanguards-2015-18"
PREFERRED = "http://wikiba.se/ontology#PreferredRank"

@pytest.mark.parametrize("claim,doc,locator", [
    ("nao2018-direct-investment", S2, "Key facts"),
    ("s0-direct-investment", S0, "paragraph 6"),
    ("s1-direct-investment", S1, "paragraph 2"),
])
def test_329m_vanguard_investment_from_each_source(run, iri, label, claim, doc, locator):
    rows = only(run("funding-by-programme-and-care-model"), claim=iri(f"claim/{claim}"))
    assert rows, f"{claim} missing from funding-by-programme-and-care-model"
    row = rows[0]
    assert row["flow"] == iri(FLOW_329M)
    assert num(row["amount"]) == num(row["stated"]) == 329_000_000
    assert row["rank"] == PREFERRED
    assert row["funderLabel"] == label("organisation/nhs-england")
    assert row["recipientLabel"] == label("programme/vanguards")
    assert row["sourceLabel"] == label(doc)
    assert locator in row["locator"]


@pytest.mark.parametrize("claim,doc,locator", [
    ("nao2018-central-spend", S2, "Key facts"),
    ("s0-central-spend", S0, "paragraph 6"),
    ("s1-central-spend", S1, "paragraph 2"),
])
def test_60m_central_spend_from_each_source(run, iri, label, claim, doc, locator):
    rows = only(run("funding-by-programme-and-care-model"), claim=iri(f"claim/{claim}"))
    assert rows, f"{claim} missing from funding-by-programme-and-care-model"
    assert rows[0]["flow"] == iri("flow/nhse-new-care-models-team-2015-18")
    assert num(rows[0]["amount"]) == 60_000_000
    assert rows[0]["sourceLabel"] == label(doc)
    assert locator in rows[0]["locator"]


def test_329m_is_one_flow_with_four_references(run, iri, label):
    """Four documents give £329m: one flow, one preferred statement, four
    references; the £330m sum of Figure 1's rounded parts is another
    statement of the same flow, not another flow."""
    rows = [r for r in run("funding-by-programme-and-care-model") if num(r["amount"]) == 329_000_000]
    assert {r["flow"] for r in rows} == {iri(FLOW_329M)}
    preferred = [r for r in rows if r["rank"] == PREFERRED]
    assert {num(r["stated"]) for r in preferred} == {329_000_000}
    assert len({r["statement"] for r in preferred}) == 1
    assert len({r["claim"] for r in preferred}) == 4
    assert {label(S2), label(S0), label(S1), label("document/p21")} == {r["sourceLabel"] for r in preferred}
    assert {num(r["stated"]) for r in rows} == {329_000_000, 330_000_000}


def test_care_model_funding_parts_come_from_nao_figure_1(run, label):
    rows = [r for r in run("funding-by-programme-and-care-model") if r["careModel"]]
    by_model = {r["careModel"]: r for r in rows if r["sourceLabel"] == label(S2)}
    assert {r["flow"] for r in by_model.values()} and all(
        r["programmeLabel"] for r in by_model.values())
    assert {k: num(v["amount"]) for k, v in by_model.items()} == {
        "MCP": 124e6, "PACS": 103e6, "EHCH": 18e6, "ACC": 72e6, "UEC": 13e6}
    assert all(r["locator"].startswith("Figure 1") for r in by_model.values())


#################################################################
# Conflicting claims
#################################################################

def test_324m_and_900m_savings_are_two_statements_of_one_item(run, iri, label):
    """The NAO's £324m and the £900m of S3 are values of one item, the
    savings NHS England predicts; £324m is preferred, with a reason."""
    rows = only(run("conflicting-claims"), item=iri("figure/nao2018-predicted-savings"))
    assert rows, "the £324m / £900m disagreement is not reported"
    by_value = {}
    for r in rows:
        by_value.setdefault(num(r["value"]), []).append(r)
    assert {324e6, 900e6} <= set(by_value)
    assert {r["rank"] for r in by_value[324e6]} == {PREFERRED} and by_value[324e6][0]["reason"]
    assert PREFERRED not in {r["rank"] for r in by_value[900e6]}
    assert any(r["sourceLabel"] == label(S2) and r["locator"].startswith("Key facts") for r in by_value[324e6])
    assert any(r["sourceLabel"] == label(S3) and "paragraph" in r["locator"] for r in by_value[900e6])


#################################################################
# Better Care Fund: planned against actual (NAO 2017, via S3)
#################################################################

@pytest.mark.parametrize("planned,actual,cost,unit,para", [
    (-106_000, 87_000, 311e6, "unit/admissions", "paragraph 9"),
    (-293_000, 185_000, 146e6, "unit/days", "paragraph 10"),
])
def test_bcf_targets_against_outcomes_with_costs(run, label, planned, actual, cost, unit, para):
    # Other sources (the PAC report) state the same target as separate claims;
    # this checks the rows that come from the seed article.
    rows = [r for r in run("bcf-planned-vs-actual")
            if num(r["planned"]) == planned
            and all(r[f"{side}Source"] == label(S3) for side in ("target", "outcome", "cost"))]
    assert rows, f"no Better Care Fund target of {planned} from the seed article"
    row = rows[0]
    assert num(row["actual"]) == actual
    assert num(row["additionalCost"]) == cost
    assert row["unitLabel"] == label(unit)
    assert (row["from"], row["to"]) == ("2014-15", "2015-16")
    for side in ("target", "outcome", "cost"):
        assert row[f"{side}Source"] == label(S3), side
        assert para in row[f"{side}Locator"], side


def test_bcf_planned_savings_target_without_an_outcome(run, label):
    rows = [r for r in run("bcf-planned-vs-actual")
            if num(r["planned"]) == 511e6 and r["targetSource"] == label(S3)]
    assert rows, "the £511m planned savings are missing"
    row = rows[0]
    assert row["actual"] is None
    assert row["from"] == row["to"] == "2015-16"
    assert row["targetSource"] == label(S3) and row["targetLocator"]
    assert "not achieved" in row["targetNote"].lower()


def test_bcf_query_is_bound_to_its_programme(run):
    assert run("bcf-planned-vs-actual", programme="programme/vanguards") == []


#################################################################
# Lineage
#################################################################

def test_lineage_of_vanguards(run, iri):
    rows = run("programme-lineage")
    before = {(r["other"], r["relation"]) for r in rows if r["direction"] == "before"}
    assert {
        (iri("programme/integrated-care-pilots"), "builds on"),
        (iri("programme/integrated-care-pioneers"), "follows"),
        (iri("programme/five-year-forward-view"), "launched by"),
        (iri("programme/new-care-models"), "part of programme"),
        (iri("organisation/system-transformation-group"), "handed over to"),
    } <= before
    after = {(r["other"], r["relation"]) for r in rows if r["direction"] == "after"}
    assert (iri("programme/sustainability-transformation-plans"), "follows") in after


def test_vanguard_dates_are_sourced_in_lineage(run, iri, label):
    """Seen from the STPs, the vanguards' end in March 2018 is backed by the
    NAO report and, separately, by the July 2018 summary."""
    rows = only(run("programme-lineage", programme="programme/sustainability-transformation-plans"),
                other=iri("programme/vanguards"))
    assert rows and rows[0]["end"] == "2018-03-01" and rows[0]["start"] == "2015-01-01"
    sources = {r["dateSource"]: r["dateLocator"] for r in rows if r["dateSource"]}
    assert label(S2) in sources and label(S1) in sources
    assert sources[label(S2)].startswith("Summary para")


#################################################################
# Claims about a resource
#################################################################

def test_two_pounds_per_pound_claimed_by_nhs_england(run, iri, label):
    rows = only(run("claims-about"), claim=iri("claim/s0-return-per-pound"))
    assert rows, "the £2-per-£1 claim is not about the vanguards"
    row = rows[0]
    assert num(row["value"]) == 2.0
    assert row["unitLabel"] == label("unit/ratio")
    assert row["sourceLabel"] == label(S0)
    assert "NHS England spokesperson" in row["locator"]
    assert row["reliability"] == label("reliability/secondary")
    stated = only(run("figure-claims", measure="measure/return-per-pound"),
                  claim=iri("claim/s0-return-per-pound"))
    assert stated and stated[0]["statedByLabel"] == label("organisation/nhs-england")


CLAIMS_ABOUT = [
    # subject, claim, value (None for no value), document, locator fragment
    ("programme/vanguards", "nao2018-vanguard-count", 50, S2, "Key facts"),
    ("programme/vanguards", "s0-vanguard-count", 50, S0, "paragraph 4"),
    ("programme/vanguards", "s1-vanguard-count", 50, S1, "paragraph 1"),
    ("programme/vanguards", "nao2018-population-based-count", 23, S2, "Key facts"),
    ("programme/vanguards", "nao2018-population-coverage", 9, S2, "Key facts"),
    ("programme/vanguards", "nao2018-intending-to-continue", 29, S2, "Key facts"),
    ("programme/vanguards", "nao2018-implementation-progress", 33.3, S2, "Key facts"),
    ("programme/vanguards", "nao2018-care-model-count", 5, S2, "Summary para 3"),
    ("programme/vanguards", "s1-care-model-count", 5, S1, "paragraph 1"),
    ("programme/vanguards", "s0-funding-diverted", None, S0, "paragraph 7"),
    ("programme/vanguards", "s0-long-term-plan", None, S0, "paragraph 10"),
    ("programme/vanguards", "s0-emergency-admissions-early", None, S0, "paragraph 13"),
    ("programme/vanguards", "s1-uec-moved", None, S1, "paragraph 4"),
    ("programme/vanguards", "s1-handover", None, S1, "paragraph 2"),
    ("programme/vanguards", "nao2018-handover", None, S2, "Summary para 4"),
    ("programme/vanguards", "s4-vanguards-start-april", None, S4, "paragraph 2"),
    ("programme/new-care-models", "nao2018-predicted-savings", 324e6, S2, "Key facts"),
    ("programme/new-care-models", "s3-expected-savings-900m", 900e6, S3, "paragraph 3"),
    ("programme/new-care-models", "s4-kings-fund-supports", None, S4, "paragraph 9"),
    ("programme/new-care-models", "s1-stg-takes-over", None, S1, "paragraph 2"),
    ("wave/vanguards-1", "s4-first-wave-count", 29, S4, "paragraph 1"),
    ("wave/vanguards-1", "s4-applicant-count", 269, S4, "paragraph 4"),
    ("wave/vanguards-1", "s4-care-model-count", 3, S4, "paragraph 4"),
    ("wave/vanguards-1", "s4-first-wave-announced", None, S4, "first paragraph"),
    ("programme/five-year-forward-view", "nao2018-funding-gap", 30e9, S2, "Summary para 1"),
    ("programme/five-year-forward-view", "s4-funding-gap", 30e9, S4, "paragraph 3"),
    ("programme/better-care-fund", "s3-bcf-fund-size", 5.3e9, S3, "paragraph 6"),
    ("programme/better-care-fund", "s3-bcf-slower", None, S3, "paragraph 5"),
    ("programme/better-care-fund", "s3-bcf-not-value-for-money", None, S3, "paragraph 6"),
    ("programme/better-care-fund", "s3-no-compelling-evidence", None, S3, "paragraph 11"),
    ("programme/better-care-fund", "s3-ipb-oversees-bcf", None, S3, "paragraph 4"),
    ("programme/sustainability-transformation-plans", "s3-morse-stp-warning", None, S3, "paragraph 12"),
    ("organisation/integration-partnership-board", "s3-dh-chairs-ipb", None, S3, "paragraph 4"),
    ("organisation/integration-partnership-board", "s3-nhse-chairs-ipb", None, S3, "paragraph 4"),
    ("organisation/integration-partnership-board", "s3-lga-chairs-ipb", None, S3, "paragraph 4"),
    ("organisation/integration-partnership-board", "s3-ipb-no-other-reporting", None, S3, "paragraph 4"),
    ("document/nao-integration-2017", "s3-nao-integration-published", None, S3, "paragraph 2"),
    ("document/nao-vanguards-2018", "s1-report-parts", None, S1, "paragraph 3"),
]


@pytest.mark.parametrize("subject,claim,value,doc,locator", CLAIMS_ABOUT,
                         ids=[c[1] for c in CLAIMS_ABOUT])
def test_claims_about_subject_carry_source_and_locator(run, iri, label, subject, claim, value, doc, locator):
    rows = only(run("claims-about", subject=subject), claim=iri(f"claim/{claim}"))
    assert rows, f"claims-about {subject} does not return {claim}"
    row = rows[0]
    assert row["sourceLabel"] == label(doc)
    assert locator in row["locator"]
    assert row["reliability"]
    if value is not None:
        assert num(row["value"]) == pytest.approx(value)


def test_bcf_money_and_period(run, iri):
    row = only(run("claims-about", subject="programme/better-care-fund"),
               claim=iri("claim/s3-bcf-fund-size"))[0]
    assert row["period"] == "2015-16"
    assert row["unitLabel"] == "pounds sterling"


def test_roles_in_the_integration_partnership_board(store, iri):
    """DH, NHS England and the LGA co-chair the board; the board oversees the
    Better Care Fund only (S3)."""
    rows = store.query(f"""
        PREFIX ia: <https://w3id.org/integration-atlas/def/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?org ?role ?in WHERE {{
          ?c a ia:OrganisationRole ; ia:organisation ?org ; ia:roleType ?role ; ia:roleIn ?in ;
             ia:hasStatement/prov:wasDerivedFrom/ia:source <{iri(S3)}> .
        }}""")
    got = {(r["org"].value, r["role"].value, r["in"].value) for r in rows}
    ipb = iri("organisation/integration-partnership-board")
    for org in ("department-of-health", "nhs-england", "local-government-association"):
        assert (iri(f"organisation/{org}"), iri("role/chairs"), ipb) in got
    assert (ipb, iri("role/oversees"), iri("programme/better-care-fund")) in got


@pytest.mark.parametrize("person,organisation,role,doc", [
    ("simon-stevens", "nhs-england", "chief-executive", S0),
    ("simon-stevens", "nhs-england", "chief-executive", S4),
    ("amyas-morse", "national-audit-office", "head-of-audit-office", S0),
    ("amyas-morse", "national-audit-office", "head-of-audit-office", S3),
    ("andrena-logue", "kable", "research-director", S4),
])
def test_posts_are_sourced(store, iri, person, organisation, role, doc):
    rows = list(store.query(f"""
        PREFIX ia: <https://w3id.org/integration-atlas/def/>
        PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?locator WHERE {{
          ?c a ia:Post ; org:member <{iri(f"person/{person}")}> ;
             org:organization <{iri(f"organisation/{organisation}")}> ;
             ia:roleType <{iri(f"role/{role}")}> ; ia:hasStatement/prov:wasDerivedFrom ?ref .
          ?ref ia:source <{iri(doc)}> ; ia:locator ?locator .
        }}"""))
    assert rows and rows[0]["locator"].value


def test_places_named_by_s4_carry_nothing_but_the_mention(store, iri):
    ia = "https://w3id.org/integration-atlas/def/"
    for key in ("wakefield", "whitstable", "yeovil", "harrogate"):
        place = iri(f"place/{key}")
        assert bool(store.query(
            f"ASK {{ <{place}> a <{ia}Place> ; <{ia}mentionedIn> <{iri(S4)}> }}")), key
        assert not bool(store.query(f"ASK {{ <{place}> <{ia}careModel> ?m }}")), key
