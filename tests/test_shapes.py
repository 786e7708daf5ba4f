"""Each SHACL shape, shown to fire on data that breaks it.

Every case is a small Turtle snippet of test resources (under ``t:``) that is
validated together with the controlled lists and core resources; the case
passes when the named shape reports a problem on a test node. A companion
check validates the same snippets with the fault mended and expects silence,
so a shape that fires on everything would fail too.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH

from kg.config import Settings
from kg.sources import load, load_shapes
from kg.validate import validate

SHAPES = "https://w3id.org/integration-atlas/def/shapes/"
T = "http://example.org/t/"

PREFIXES = f"""
@prefix ia: <https://w3id.org/integration-atlas/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix t: <{T}> .
@prefix id: <https://w3id.org/integration-atlas/id/> .
@prefix prog: <https://w3id.org/integration-atlas/id/programme/> .
@prefix doc: <https://w3id.org/integration-atlas/id/document/> .
@prefix claim: <https://w3id.org/integration-atlas/id/claim/> .
@prefix wave: <https://w3id.org/integration-atlas/id/wave/> .
@prefix orgn: <https://w3id.org/integration-atlas/id/organisation/> .
@prefix cm: <https://w3id.org/integration-atlas/id/care-model/> .
@prefix fy: <https://w3id.org/integration-atlas/id/period/> .
@prefix measure: <https://w3id.org/integration-atlas/id/measure/> .
@prefix unit: <https://w3id.org/integration-atlas/id/unit/> .
@prefix kind: <https://w3id.org/integration-atlas/id/value-kind/> .
@prefix evt: <https://w3id.org/integration-atlas/id/event-type/> .
@prefix role: <https://w3id.org/integration-atlas/id/role/> .
@prefix grade: <https://w3id.org/integration-atlas/id/reliability/> .
@prefix precision: <https://w3id.org/integration-atlas/id/date-precision/> .
@prefix ptype: <https://w3id.org/integration-atlas/id/programme-type/> .
@prefix scheme: <https://w3id.org/integration-atlas/id/scheme/> .
@prefix wikibase: <http://wikiba.se/ontology#> .
"""

# Valid building blocks the cases reuse: an item, its statement and the
# reference it rests on (official, with a page, so no warning fires).
REF = ('t:ref a ia:Reference ; rdfs:label "R"@en ; ia:source doc:nao-vanguards-2018 ; '
       'ia:locator "Key facts, p.4" ; ia:page 4 ; ia:section "Key facts" ; ia:reliability grade:official')
RANK = "wikibase:rank wikibase:NormalRank"


def stmt(name: str, item: str, values: str, rank: str = RANK) -> str:
    return f"t:{name} a ia:Statement ; ia:statementOf {item} ; {rank} ; prov:wasDerivedFrom t:ref ; {values}"


PERIOD = "ia:periodStart fy:2015-16 ; ia:periodEnd fy:2015-16"
FIGURE = f't:fig a ia:Figure ; rdfs:label "A figure"@en ; ia:about prog:vanguards ; ia:measure measure:site-count ; {PERIOD}'
COUNT = "ia:unit unit:count ; ia:valueKind kind:reported"


def figure(value: str = "50.0", item: str = FIGURE, values: str = COUNT) -> str:
    return f"{REF} .\n{item} .\n{stmt('st', 't:fig', f'ia:value {value} ; {values}')} ."


PROGRAMME = ('t:prog a ia:Programme ; rdfs:label "Test programme"@en ; rdfs:comment "For tests."@en ; '
             'ia:programmeType ptype:pilot-programme')
FLOW = (f't:flow a ia:FundingFlow ; rdfs:label "A flow"@en ; ia:funder orgn:nhs-england ; '
        f'ia:recipient prog:vanguards ; {PERIOD}')


def flow(value: str = "5.0", item: str = FLOW, unit: str = "unit:gbp") -> str:
    return f"{REF} .\n{item} .\n{stmt('st', 't:flow', f'ia:value {value} ; ia:unit {unit} ; ia:valueKind kind:spent')} ."


EVENT = 't:event a ia:Event ; rdfs:label "An event"@en ; ia:eventType evt:started'


def event(name: str, about: str, date: str, precision: str = "precision:day", etype: str = "evt:started") -> str:
    return (f't:{name} a ia:Event ; rdfs:label "E"@en ; ia:eventType {etype} ; ia:about {about} .\n'
            + stmt(f"{name}-st", f"t:{name}", f'ia:date "{date}"^^xsd:date ; ia:datePrecision {precision}') + " .")


SITE = 't:site a ia:Site ; rdfs:label "A site"@en'
# A vanguard site names one care model and one wave (shapes-vanguards.ttl).
IN_WAVE_1 = 'ia:inWave <https://w3id.org/integration-atlas/id/wave/vanguards-1>'
DERIVED = ('t:dc a ia:DerivedClaim ; rdfs:label "D"@en ; ia:statementOf t:f ; ia:reliability grade:derived ; '
           'wikibase:rank wikibase:NormalRank ; prov:wasDerivedFrom id:claim\\/nao2018-vanguard-count')
ACTIVITY = ('t:act a prov:Activity ; prov:used id:claim\\/nao2018-vanguard-count ; prov:qualifiedAssociation t:assoc .\n'
            't:assoc a prov:Association ; prov:agent id:agent\\/atlas-editors ; prov:hadPlan t:plan .\n'
            't:plan a prov:Plan ; ia:method "matched by name"@en .\n'
            't:f a ia:Finding ; rdfs:label "F"@en ; ia:about prog:vanguards .')
PART = ('t:p{n} a ia:Figure ; rdfs:label "p{n}"@en ; ia:about cm:{m} ; ia:measure measure:site-count ; '
        f'{PERIOD} ; ia:partOf t:fig .\n')


def parts(total: str, a: str = "7.0", b: str = "5.0", unit_b: str = "unit:count") -> str:
    return (f"{REF} .\n{FIGURE} .\n{stmt('st', 't:fig', f'ia:value {total} ; {COUNT} ; ia:rounding 0.5')} .\n"
            + PART.format(n=1, m="mcp") + stmt("st1", "t:p1", f"ia:value {a} ; {COUNT}") + " .\n"
            + PART.format(n=2, m="pacs") + stmt("st2", "t:p2", f"ia:value {b} ; ia:unit {unit_b} ; ia:valueKind kind:reported") + " .")


# shape, broken snippet, mended snippet
CASES = {
    "Labelled/missing": ("Labelled", PROGRAMME.replace('rdfs:label "Test programme"@en ;', "") + " .",
                         f"{PROGRAMME} ."),
    "Labelled/plain-string": ("Labelled", f'{SITE.replace("@en", "")} ; ia:takesPartIn prog:vanguards .',
                              f"{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel cm:mcp ; {IN_WAVE_1} ."),
    "Concept/no-scheme": ("Concept", 't:m a ia:Measure ; rdfs:label "m"@en ; skos:prefLabel "m"@en .',
                          't:m a ia:Measure ; rdfs:label "m"@en ; skos:prefLabel "m"@en ; skos:inScheme scheme:measures .'),
    "Programme/no-type": ("Programme", 't:prog a ia:Programme ; rdfs:label "P"@en ; rdfs:comment "c"@en .',
                          f"{PROGRAMME} ."),
    "Programme/date-as-string": ("Programme", f'{PROGRAMME} ; ia:startDate "2015" .', f"{PROGRAMME} ."),
    "Programme/follows-non-programme": ("Programme", f"{PROGRAMME} ; ia:follows orgn:nhs-england .",
                                        f"{PROGRAMME} ; ia:follows prog:vanguards .\n{REF} .\n"
                                        't:link a ia:Finding ; rdfs:label "L"@en ; ia:about t:prog, prog:vanguards .\n'
                                        + stmt("link-st", "t:link", 'ia:summary "s"@en') + " ."),
    "Programme/ends-before-start": (
        "Programme",
        f"{PROGRAMME} ; ia:startEvent t:e1 ; ia:endEvent t:e2 .\n{REF} .\n"
        + event("e1", "t:prog", "2016-01-01") + "\n" + event("e2", "t:prog", "2015-01-01", etype="evt:ended"),
        f"{PROGRAMME} ; ia:startEvent t:e1 ; ia:endEvent t:e2 .\n{REF} .\n"
        + event("e1", "t:prog", "2015-01-01") + "\n" + event("e2", "t:prog", "2016-01-01", etype="evt:ended")),
    "Wave/number-zero": ("Wave", 't:w a ia:Wave ; rdfs:label "W"@en ; ia:waveOf prog:vanguards ; ia:waveNumber 0 .',
                         't:w a ia:Wave ; rdfs:label "W"@en ; ia:waveOf prog:vanguards ; ia:waveNumber 1 .'),
    "Wave/no-programme": ("Wave", 't:w a ia:Wave ; rdfs:label "W"@en ; ia:waveNumber 2 .',
                          't:w a ia:Wave ; rdfs:label "W"@en ; ia:waveNumber 2 ; ia:waveOf prog:vanguards .'),
    "Site/no-programme": ("Site", f"{SITE} .", f"{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel cm:mcp ; {IN_WAVE_1} ."),
    "Site/two-care-models": ("Site", f"{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel cm:mcp, cm:pacs .",
                             f"{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel cm:mcp ; {IN_WAVE_1} ."),
    "Organisation/bad-ods-code": ("Organisation", 't:o a org:FormalOrganization ; rdfs:label "O"@en ; ia:odsCode "12f" .',
                                  't:o a org:FormalOrganization ; rdfs:label "O"@en ; ia:odsCode "12F" .'),
    "SourceDocument/two-titles": ("SourceDocument", 't:d a ia:Report ; rdfs:label "D"@en ; dcterms:title "A"@en, "B"@en .',
                                  't:d a ia:Report ; rdfs:label "D"@en ; dcterms:title "A"@en .'),
    "SourceDocument/issued-not-date": ("SourceDocument", 't:d a ia:Report ; rdfs:label "D"@en ; dcterms:title "A"@en ; dcterms:issued "2018"^^xsd:gYear .',
                                       't:d a ia:Report ; rdfs:label "D"@en ; dcterms:title "A"@en ; dcterms:issued "2018-01-01"^^xsd:date .'),
    "SourceDocument/bad-seed-file": ("SourceDocument", 't:d a ia:Article ; rdfs:label "D"@en ; dcterms:title "A"@en ; ia:seedFile "notes.txt" .',
                                     't:d a ia:Article ; rdfs:label "D"@en ; dcterms:title "A"@en ; ia:seedFile "009_0123456789abcdef.txt" .'),
    "Reference/no-reliability": ("Reference", figure().replace("; ia:reliability grade:official", ""), figure()),
    "Reference/no-source": ("Reference", figure().replace("ia:source doc:nao-vanguards-2018 ;", ""), figure()),
    "Reference/missing-document": ("Reference", figure().replace("doc:nao-vanguards-2018", "doc:no-such-report"), figure()),
    "Reference/no-locator": ("Reference", figure().replace('ia:locator "Key facts, p.4" ;', ""), figure()),
    "Reference/two-sources": ("Reference", figure().replace("ia:source doc:nao-vanguards-2018", "ia:source doc:nao-vanguards-2018, doc:vanguards-report-summary-2018"), figure()),
    "ReferenceLocatorStructured/vague": ("ReferenceLocatorStructured",
                                         figure().replace('ia:locator "Key facts, p.4" ; ia:page 4 ; ia:section "Key facts"', 'ia:locator "article text"'),
                                         figure()),
    "Statement/value-not-decimal": ("Statement", figure('"fifty"'), figure()),
    "Statement/no-rank": ("Statement", figure().replace(f"{RANK} ;", ""), figure()),
    "Statement/preferred-without-reason": ("Statement", figure().replace("wikibase:NormalRank", "wikibase:PreferredRank"),
                                           figure().replace("wikibase:NormalRank", "wikibase:PreferredRank ; ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/more-sources>")),
    "Statement/value-without-unit": ("Statement", figure(values="ia:valueKind kind:reported").replace(" ; .", " ."), figure()),
    "Statement/bound-without-value": ("Statement", f"{REF} .\n" + event("e", "prog:vanguards", "2015-01-01").replace("precision:day", "precision:day ; ia:bound <https://w3id.org/integration-atlas/id/bound/about>"),
                                      f"{REF} .\n" + event("e", "prog:vanguards", "2015-01-01")),
    "StatementReferenced/no-reference": ("StatementReferenced", figure().replace("prov:wasDerivedFrom t:ref ;", ""), figure()),
    "StatementSingleSecondary/one-secondary-source": ("StatementSingleSecondary", figure().replace("grade:official", "grade:secondary"),
                                                      figure().replace("grade:official", "grade:secondary") + "\n" + REF.replace("t:ref", "t:ref2") + " .\n"
                                                      "t:st prov:wasDerivedFrom t:ref2 ."),
    "DerivedStatement/no-activity": ("DerivedStatement", f"{DERIVED} .\n{ACTIVITY}", f"{DERIVED} ; prov:wasGeneratedBy t:act .\n{ACTIVITY}"),
    "DerivedStatement/with-source": ("DerivedStatement", f"{DERIVED} ; prov:wasGeneratedBy t:act ; ia:source doc:nao-vanguards-2018 .\n{ACTIVITY}",
                                     f"{DERIVED} ; prov:wasGeneratedBy t:act .\n{ACTIVITY}"),
    "Item/no-statement": ("Item", f"{FIGURE} .", figure()),
    "Item/two-preferred": ("Item", figure() + "\n" + stmt("st2", "t:fig", f"ia:value 51.0 ; {COUNT}").replace(RANK, "wikibase:rank wikibase:PreferredRank ; ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/more-sources>") + " .\n"
                           "t:st wikibase:rank wikibase:PreferredRank ; ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/more-precise> .",
                           figure() + "\n" + stmt("st2", "t:fig", f"ia:value 51.0 ; {COUNT}").replace(RANK, "wikibase:rank wikibase:PreferredRank ; ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/more-sources>") + " ."),
    "Item/disagree-none-preferred": ("Item", figure() + "\n" + stmt("st2", "t:fig", f"ia:value 51.0 ; {COUNT}") + " .",
                                     figure() + "\n" + stmt("st2", "t:fig", f"ia:value 51.0 ; {COUNT}").replace(RANK, "wikibase:rank wikibase:DeprecatedRank ; ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/rounded>") + " ."),
    "Item/duplicate-statement": ("Item", figure() + "\n" + stmt("st2", "t:fig", f"ia:value 50.0 ; {COUNT}").replace(RANK, "wikibase:rank wikibase:DeprecatedRank ; ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/rounded>") + " .",
                                 figure() + "\n" + stmt("st2", "t:fig", f"ia:value 50.0 ; {COUNT} ; ia:bound <https://w3id.org/integration-atlas/id/bound/about>").replace(RANK, "wikibase:rank wikibase:DeprecatedRank ; ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/rounded>") + " ."),
    "Item/two-units": ("Item", figure() + "\n" + stmt("st2", "t:fig", "ia:value 50.0 ; ia:unit unit:percent ; ia:valueKind kind:reported").replace(RANK, "wikibase:rank wikibase:DeprecatedRank ; ia:rankReason <https://w3id.org/integration-atlas/id/rank-reason/rounded>") + " .",
                       figure()),
    "Item/hand-written-value": ("Item", figure() + "\nt:fig ia:value 49.0 .", figure() + "\nt:fig ia:value 50.0 ."),
    "ItemPeriod/no-period": ("ItemPeriod", figure(item=FIGURE.replace(f" ; {PERIOD}", "")), figure()),
    "Figure/no-measure": ("Figure", figure(item=FIGURE.replace("ia:measure measure:site-count ;", "")), figure()),
    "Figure/statement-without-value": ("Figure", f"{REF} .\n{FIGURE} .\n" + stmt("st", "t:fig", 'ia:date "2015-01-01"^^xsd:date') + " .", figure()),
    "NonNegativeFigure/negative-count": ("NonNegativeFigure", figure("-3.0"), figure("3.0")),
    "Outcome/target-of-other-measure": (
        "Outcome",
        f"{REF} .\n"
        f't:target a ia:Target ; rdfs:label "T"@en ; ia:about prog:better-care-fund ; ia:measure measure:delayed-transfer-days-change ; {PERIOD} .\n'
        + stmt("tst", "t:target", "ia:value -10.0 ; ia:unit unit:days ; ia:valueKind kind:planned") + " .\n"
        f't:outcome a ia:Outcome ; rdfs:label "O"@en ; ia:about prog:better-care-fund ; ia:measure measure:emergency-admissions-change ; ia:againstTarget t:target ; {PERIOD} .\n'
        + stmt("ost", "t:outcome", "ia:value 5.0 ; ia:unit unit:admissions ; ia:valueKind kind:actual") + " .",
        f"{REF} .\n"
        f't:target a ia:Target ; rdfs:label "T"@en ; ia:about prog:better-care-fund ; ia:measure measure:emergency-admissions-change ; {PERIOD} .\n'
        + stmt("tst", "t:target", "ia:value -10.0 ; ia:unit unit:admissions ; ia:valueKind kind:planned") + " .\n"
        f't:outcome a ia:Outcome ; rdfs:label "O"@en ; ia:about prog:better-care-fund ; ia:measure measure:emergency-admissions-change ; ia:againstTarget t:target ; {PERIOD} .\n'
        + stmt("ost", "t:outcome", "ia:value 5.0 ; ia:unit unit:admissions ; ia:valueKind kind:actual") + " ."),
    "FundingFlow/negative-amount": ("FundingFlow", flow("-5.0"), flow("5.0")),
    "FundingFlow/not-in-pounds": ("FundingFlow", flow(unit="unit:count"), flow()),
    "FundingFlow/period-backwards": ("FundingFlow", flow(item=FLOW.replace(PERIOD, "ia:periodStart fy:2017-18 ; ia:periodEnd fy:2015-16")),
                                     flow(item=FLOW.replace(PERIOD, "ia:periodStart fy:2015-16 ; ia:periodEnd fy:2017-18"))),
    "Event/no-type": ("Event", f"{REF} .\n" + event("e", "orgn:nhs-england", "2015-04-01").replace("ia:eventType evt:started ;", ""),
                      f"{REF} .\n" + event("e", "orgn:nhs-england", "2015-04-01")),
    "Event/statement-without-precision": ("Event", f"{REF} .\n" + event("e", "orgn:nhs-england", "2015-04-01").replace(" ; ia:datePrecision precision:day", ""),
                                          f"{REF} .\n" + event("e", "orgn:nhs-england", "2015-04-01")),
    "Finding/no-summary": ("Finding", f'{REF} .\nt:f a ia:Finding ; rdfs:label "F"@en ; ia:about prog:vanguards .\n' + stmt("fst", "t:f", 'rdfs:comment "c"@en') + " .",
                           f'{REF} ; ia:summary "s"@en .\nt:f a ia:Finding ; rdfs:label "F"@en ; ia:about prog:vanguards .\n' + stmt("fst", "t:f", 'rdfs:comment "c"@en') + " ."),
    "OrganisationRole/no-role-in": ("OrganisationRole", f'{REF} .\nt:r a ia:OrganisationRole ; rdfs:label "R"@en ; ia:organisation orgn:nhs-england ; ia:roleType role:runs .\n' + stmt("rst", "t:r", 'rdfs:comment "c"@en') + " .",
                                    f'{REF} .\nt:r a ia:OrganisationRole ; rdfs:label "R"@en ; ia:organisation orgn:nhs-england ; ia:roleType role:runs ; ia:roleIn prog:vanguards .\n' + stmt("rst", "t:r", 'rdfs:comment "c"@en') + " ."),
    "Post/member-not-person": ("Post", f'{REF} .\nt:p a ia:Post ; rdfs:label "P"@en ; org:member orgn:kable ; org:organization orgn:nhs-england ; ia:roleType role:chief-executive .\n' + stmt("pst", "t:p", 'rdfs:comment "c"@en') + " .",
                               f'{REF} .\nt:p a ia:Post ; rdfs:label "P"@en ; org:member id:person\\/simon-stevens ; org:organization orgn:nhs-england ; ia:roleType role:chief-executive .\n' + stmt("pst", "t:p", 'rdfs:comment "c"@en') + " ."),
    "FinancialYear/no-end": ("FinancialYear", 't:fy a ia:FinancialYear ; rdfs:label "1999-00"@en ; ia:beginsOn "1999-04-01"^^xsd:date .',
                             't:fy a ia:FinancialYear ; rdfs:label "1999-00"@en ; ia:beginsOn "1999-04-01"^^xsd:date ; ia:endsOn "2000-03-31"^^xsd:date .'),
    "DatesFromEvents/hand-written-start": (
        "DatesFromEvents", f'{PROGRAMME} ; ia:startDate "2001-05-01"^^xsd:date .',
        f"{PROGRAMME} ; ia:startEvent t:e .\n{REF} .\n" + event("e", "t:prog", "2001-05-01", "precision:month")),
    "DatesFromEvents/event-of-another-type": (
        "DatesFromEvents", f"{PROGRAMME} ; ia:startEvent t:e .\n{REF} .\n" + event("e", "t:prog", "2001-05-01", etype="evt:ended"),
        f"{PROGRAMME} ; ia:startEvent t:e .\n{REF} .\n" + event("e", "t:prog", "2001-05-01")),
    "MembersFromMemberships/hand-written-member": (
        "MembersFromMemberships", f"{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel cm:mcp ; {IN_WAVE_1} ; org:hasMember orgn:nhs-england .",
        f"{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel cm:mcp ; {IN_WAVE_1} .\n{REF} .\n"
        't:m a ia:OrganisationRole ; rdfs:label "M"@en ; ia:organisation orgn:nhs-england ; ia:roleType role:partner ; ia:roleIn t:site .\n'
        + stmt("mst", "t:m", 'rdfs:comment "c"@en') + " ."),
    "PartsSumToTotal/parts-exceed-total": ("PartsSumToTotal", parts("10.0"), parts("11.0")),
    # A total stated as "more than" may have known parts that are only some of it.
    "PartsSumToTotal/parts-short-of-exact-total": ("PartsSumToTotal", parts("14.0"),
                                                   parts("14.0 ; ia:bound id:bound\\/more-than")),
    "PartsMatchTotal/part-in-another-unit": ("PartsMatchTotal", parts("11.0", unit_b="unit:percent"), parts("11.0")),
    "PartsMatchTotal/part-outside-period": ("PartsMatchTotal", parts("11.0").replace(f"ia:about cm:pacs ; ia:measure measure:site-count ; {PERIOD}", "ia:about cm:pacs ; ia:measure measure:site-count ; ia:periodStart fy:2016-17 ; ia:periodEnd fy:2016-17"),
                                            parts("11.0")),
    "SiteCountMatchesListing/too-few-sites": (
        "SiteCountMatchesListing",
        figure("2.0", item=FIGURE.replace("ia:about prog:vanguards", "ia:about t:model ; ia:countOf ia:Site")) + "\n"
        't:model a ia:CareModel ; rdfs:label "M"@en ; skos:prefLabel "M"@en ; skos:inScheme scheme:care-models .\n'
        f'{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel t:model .',
        figure("1.0", item=FIGURE.replace("ia:about prog:vanguards", "ia:about t:model ; ia:countOf ia:Site")) + "\n"
        't:model a ia:CareModel ; rdfs:label "M"@en ; skos:prefLabel "M"@en ; skos:inScheme scheme:care-models .\n'
        f'{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel t:model ; {IN_WAVE_1} .'),
    "EventInProgrammeLifetime/before-start": (
        "EventInProgrammeLifetime",
        f"{PROGRAMME} ; ia:startEvent t:start .\n{REF} .\n" + event("start", "t:prog", "2010-06-01", "precision:month") + "\n"
        + event("e", "t:prog", "2010-05-20", etype="evt:announced"),
        f"{PROGRAMME} ; ia:startEvent t:start .\n{REF} .\n" + event("start", "t:prog", "2010-06-01", "precision:month") + "\n"
        + event("e", "t:prog", "2010-06-20", etype="evt:announced")),
    "EventInProgrammeLifetime/year-precision-before-start": (
        "EventInProgrammeLifetime",
        f"{PROGRAMME} ; ia:startEvent t:start .\n{REF} .\n" + event("start", "t:prog", "2010-06-01", "precision:month") + "\n"
        + event("e", "t:prog", "2009-01-01", "precision:year", etype="evt:announced"),
        # A year-precision date in the start year is inside the lifetime.
        f"{PROGRAMME} ; ia:startEvent t:start .\n{REF} .\n" + event("start", "t:prog", "2010-06-01", "precision:month") + "\n"
        + event("e", "t:prog", "2010-01-01", "precision:year", etype="evt:announced")),
}


@pytest.fixture(scope="module")
def context_files():
    settings = Settings.from_env()
    files = sorted((settings.data_dir / "vocab").glob("*.ttl")) + sorted((settings.data_dir / "core").glob("*.ttl"))
    seeds = settings.data_dir / "seeds" / "s2-nao-vanguards-2018.ttl"  # claims the cases point at
    return settings, files + [seeds]


@pytest.fixture(scope="module")
def shapes():
    return load_shapes(Settings.from_env())


def only_shape(shapes: Graph, name: str) -> Graph:
    """The shapes graph with every node shape but ``name`` switched off, so
    each case exercises (and pays for) one shape."""
    g = Graph()
    g += shapes
    for s in shapes.subjects(RDF.type, SH.NodeShape):
        if str(s) != SHAPES + name:
            g.add((s, SH.deactivated, Literal(True)))
    return g


def problems(context_files, shapes, tmp_path, shape, snippet):
    settings, files = context_files
    case = tmp_path / "case.ttl"
    case.write_text(PREFIXES + snippet)
    report = validate(load(settings, only=files + [case]), only_shape(shapes, shape))
    return [v for v in report.violations if v.focus.startswith(T)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_shape_fires_on_broken_data(case, context_files, shapes, tmp_path):
    shape, broken, _mended = CASES[case]
    found = problems(context_files, shapes, tmp_path, shape, broken)
    fired = {v.shape.split(" / ")[0].removeprefix(SHAPES) for v in found}
    assert shape in fired, f"{shape} did not fire; got {[v.render() for v in found]}"
    for v in found:
        assert "case.ttl" in v.files and v.message  # the report names file and problem


@pytest.mark.parametrize("case", sorted(CASES))
def test_shape_is_silent_on_mended_data(case, context_files, shapes, tmp_path):
    shape, _broken, mended = CASES[case]
    found = problems(context_files, shapes, tmp_path, shape, mended)
    assert not found, "\n\n".join(v.render() for v in found)


def test_mended_cases_pass_every_shape(context_files, shapes, tmp_path):
    """All mended snippets together conform to the whole shapes graph."""
    settings, files = context_files
    for i, (_shape, _broken, mended) in enumerate(CASES.values()):
        # Each snippet reuses t: names, so each goes into its own namespace.
        (tmp_path / f"case{i}.ttl").write_text(
            PREFIXES.replace(f"<{T}>", f"<{T}{i}/>") + mended)
    report = validate(load(settings, only=files + sorted(tmp_path.glob("case*.ttl"))), shapes)
    found = [v for v in report.violations if v.focus.startswith(T)]
    assert not found, "\n\n".join(v.render() for v in found)


def test_every_shape_has_a_breaking_case(shapes):
    declared = {str(s).removeprefix(SHAPES) for s in shapes.subjects(RDF.type, SH.NodeShape)
                if str(s).startswith(SHAPES)}
    covered = {shape for shape, _b, _m in CASES.values()}
    # Shapes added with the reference data are tested in their own modules.
    from kg.config import PROJECT_ROOT
    core_file = (PROJECT_ROOT / "ontology" / "shapes.ttl").read_text()
    core = {s for s in declared if f"shapes:{s} a sh:NodeShape" in core_file}
    assert core - covered == set(), f"shapes without a breaking case: {sorted(core - covered)}"
