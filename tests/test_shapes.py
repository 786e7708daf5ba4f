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
"""

# Valid building blocks the cases reuse.
SOURCED = 'ia:source doc:nao-vanguards-2018 ; ia:locator "Key facts" ; ia:reliability grade:official'
FIGURE = (f't:fig a ia:Figure ; rdfs:label "A figure"@en ; ia:about prog:vanguards ; '
          f'ia:measure measure:site-count ; ia:unit unit:count ; ia:valueKind kind:reported ; {SOURCED}')
PROGRAMME = ('t:prog a ia:Programme ; rdfs:label "Test programme"@en ; rdfs:comment "For tests."@en ; '
             'ia:programmeType ptype:pilot-programme')
FLOW = (f't:flow a ia:FundingFlow ; rdfs:label "A flow"@en ; ia:funder orgn:nhs-england ; '
        f'ia:recipient prog:vanguards ; ia:currency "GBP" ; {SOURCED}')
EVENT = (f't:event a ia:Event ; rdfs:label "An event"@en ; ia:eventType evt:started ; {SOURCED}')
SITE = 't:site a ia:Site ; rdfs:label "A site"@en'
# A vanguard site names one care model and one wave (shapes-vanguards.ttl).
IN_WAVE_1 = 'ia:inWave <https://w3id.org/integration-atlas/id/wave/vanguards-1>'

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
                                        f"{PROGRAMME} ; ia:follows prog:vanguards .\n"
                                        f't:link a ia:Finding ; rdfs:label "L"@en ; ia:summary "s"@en ; '
                                        f"ia:about t:prog, prog:vanguards ; {SOURCED} ."),
    "Programme/ends-before-start": (
        "Programme",
        f'{PROGRAMME} ; ia:startDate "2016-01-01"^^xsd:date ; ia:endDate "2015-01-01"^^xsd:date .\n'
        f't:e1 a ia:Event ; rdfs:label "s"@en ; ia:eventType evt:started ; ia:about t:prog ; ia:date "2016-01-01"^^xsd:date ; ia:datePrecision precision:day ; {SOURCED} .\n'
        f't:e2 a ia:Event ; rdfs:label "e"@en ; ia:eventType evt:ended ; ia:about t:prog ; ia:date "2015-01-01"^^xsd:date ; ia:datePrecision precision:day ; {SOURCED} .',
        f"{PROGRAMME} ."),
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
    "Claim/no-reliability": ("Claim", FIGURE.replace("; ia:reliability grade:official", "") + " ; ia:value 1.0 .",
                             FIGURE + " ; ia:value 1.0 ."),
    "StatedClaim/no-source": ("StatedClaim", FIGURE.replace("ia:source doc:nao-vanguards-2018 ;", "") + " ; ia:value 1.0 .",
                              FIGURE + " ; ia:value 1.0 ."),
    "StatedClaim/no-locator": ("StatedClaim", FIGURE.replace('ia:locator "Key facts" ;', "") + " ; ia:value 1.0 .",
                               FIGURE + " ; ia:value 1.0 ."),
    "StatedClaim/two-sources": ("StatedClaim", FIGURE + " ; ia:value 1.0 ; ia:source doc:vanguards-report-summary-2018 .",
                                FIGURE + " ; ia:value 1.0 ."),
    "DerivedClaim/no-inputs": (
        "DerivedClaim",
        't:dc a ia:DerivedClaim ; rdfs:label "D"@en ; ia:method "matched by name"@en ; ia:reliability grade:derived .',
        't:dc a ia:DerivedClaim ; rdfs:label "D"@en ; ia:method "matched by name"@en ; ia:reliability grade:derived ; '
        'prov:wasDerivedFrom id:claim\\/nao2018-vanguard-count .'),
    "DerivedClaim/with-source": (
        "DerivedClaim",
        't:dc a ia:DerivedClaim ; rdfs:label "D"@en ; ia:method "sum"@en ; ia:reliability grade:derived ; '
        'prov:wasDerivedFrom id:claim\\/nao2018-vanguard-count ; ia:source doc:nao-vanguards-2018 .',
        't:dc a ia:DerivedClaim ; rdfs:label "D"@en ; ia:method "sum"@en ; ia:reliability grade:derived ; '
        'prov:wasDerivedFrom id:claim\\/nao2018-vanguard-count .'),
    "Figure/value-not-decimal": ("Figure", FIGURE + ' ; ia:value "fifty" .', FIGURE + " ; ia:value 50.0 ."),
    "Figure/no-measure": ("Figure", FIGURE.replace("ia:measure measure:site-count ;", "") + " ; ia:value 5.0 .",
                          FIGURE + " ; ia:value 5.0 ."),
    "NonNegativeFigure/negative-count": ("NonNegativeFigure", FIGURE + " ; ia:value -3.0 .", FIGURE + " ; ia:value 3.0 ."),
    "Outcome/target-of-other-measure": (
        "Outcome",
        f't:target a ia:Target ; rdfs:label "T"@en ; ia:about prog:better-care-fund ; ia:measure measure:delayed-transfer-days-change ; '
        f'ia:value -10.0 ; ia:unit unit:days ; ia:valueKind kind:planned ; {SOURCED} .\n'
        f't:outcome a ia:Outcome ; rdfs:label "O"@en ; ia:about prog:better-care-fund ; ia:measure measure:emergency-admissions-change ; '
        f'ia:value 5.0 ; ia:unit unit:admissions ; ia:valueKind kind:actual ; ia:againstTarget t:target ; {SOURCED} .',
        f't:target a ia:Target ; rdfs:label "T"@en ; ia:about prog:better-care-fund ; ia:measure measure:emergency-admissions-change ; '
        f'ia:value -10.0 ; ia:unit unit:admissions ; ia:valueKind kind:planned ; {SOURCED} .\n'
        f't:outcome a ia:Outcome ; rdfs:label "O"@en ; ia:about prog:better-care-fund ; ia:measure measure:emergency-admissions-change ; '
        f'ia:value 5.0 ; ia:unit unit:admissions ; ia:valueKind kind:actual ; ia:againstTarget t:target ; {SOURCED} .'),
    "FundingFlow/negative-amount": ("FundingFlow", FLOW + " ; ia:amount -5.0 .", FLOW + " ; ia:amount 5.0 ."),
    "FundingFlow/amount-as-string": ("FundingFlow", FLOW + ' ; ia:amount "£329m" .', FLOW + " ; ia:amount 329000000.0 ."),
    "FundingFlow/wrong-currency": ("FundingFlow", FLOW.replace('"GBP"', '"USD"') + " ; ia:amount 5.0 .",
                                   FLOW + " ; ia:amount 5.0 ."),
    "FundingFlow/period-backwards": ("FundingFlow", FLOW + " ; ia:amount 5.0 ; ia:periodStart fy:2017-18 ; ia:periodEnd fy:2015-16 .",
                                     FLOW + " ; ia:amount 5.0 ; ia:periodStart fy:2015-16 ; ia:periodEnd fy:2017-18 ."),
    "Event/no-precision": ("Event", EVENT + ' ; ia:about orgn:nhs-england ; ia:date "2015-04-01"^^xsd:date .',
                           EVENT + ' ; ia:about orgn:nhs-england ; ia:date "2015-04-01"^^xsd:date ; ia:datePrecision precision:day .'),
    "Event/datetime-not-date": ("Event", EVENT + ' ; ia:about orgn:nhs-england ; ia:datePrecision precision:day ; ia:date "2015-04-01T00:00:00"^^xsd:dateTime .',
                                EVENT + ' ; ia:about orgn:nhs-england ; ia:datePrecision precision:day ; ia:date "2015-04-01"^^xsd:date .'),
    "Finding/no-summary": ("Finding", f't:f a ia:Finding ; rdfs:label "F"@en ; ia:about prog:vanguards ; {SOURCED} .',
                           f't:f a ia:Finding ; rdfs:label "F"@en ; ia:about prog:vanguards ; ia:summary "s"@en ; {SOURCED} .'),
    "OrganisationRole/no-role-in": ("OrganisationRole", f't:r a ia:OrganisationRole ; rdfs:label "R"@en ; ia:organisation orgn:nhs-england ; ia:roleType role:runs ; {SOURCED} .',
                                    f't:r a ia:OrganisationRole ; rdfs:label "R"@en ; ia:organisation orgn:nhs-england ; ia:roleType role:runs ; ia:roleIn prog:vanguards ; {SOURCED} .'),
    "Post/member-not-person": ("Post", f't:p a ia:Post ; rdfs:label "P"@en ; org:member orgn:kable ; org:organization orgn:nhs-england ; ia:roleType role:chief-executive ; {SOURCED} .',
                               f't:p a ia:Post ; rdfs:label "P"@en ; org:member id:person\\/simon-stevens ; org:organization orgn:nhs-england ; ia:roleType role:chief-executive ; {SOURCED} .'),
    "FinancialYear/no-end": ("FinancialYear", 't:fy a ia:FinancialYear ; rdfs:label "1999-00"@en ; ia:beginsOn "1999-04-01"^^xsd:date .',
                             't:fy a ia:FinancialYear ; rdfs:label "1999-00"@en ; ia:beginsOn "1999-04-01"^^xsd:date ; ia:endsOn "2000-03-31"^^xsd:date .'),
    "DatesBackedByEvents/unbacked-start": (
        "DatesBackedByEvents", f'{PROGRAMME} ; ia:startDate "2001-05-01"^^xsd:date .',
        f'{PROGRAMME} ; ia:startDate "2001-05-01"^^xsd:date .\n'
        f'{EVENT} ; ia:about t:prog ; ia:date "2001-05-01"^^xsd:date ; ia:datePrecision precision:month .'),
    "PartsSumToTotal/parts-exceed-total": (
        "PartsSumToTotal",
        f'{FIGURE} ; ia:value 10.0 ; ia:rounding 0.5 .\n'
        f't:p1 a ia:Figure ; rdfs:label "p1"@en ; ia:about cm:mcp ; ia:measure measure:site-count ; ia:unit unit:count ; ia:valueKind kind:reported ; ia:value 7.0 ; ia:partOf t:fig ; {SOURCED} .\n'
        f't:p2 a ia:Figure ; rdfs:label "p2"@en ; ia:about cm:pacs ; ia:measure measure:site-count ; ia:unit unit:count ; ia:valueKind kind:reported ; ia:value 5.0 ; ia:partOf t:fig ; {SOURCED} .',
        f'{FIGURE} ; ia:value 11.0 ; ia:rounding 0.5 .\n'
        f't:p1 a ia:Figure ; rdfs:label "p1"@en ; ia:about cm:mcp ; ia:measure measure:site-count ; ia:unit unit:count ; ia:valueKind kind:reported ; ia:value 7.0 ; ia:partOf t:fig ; {SOURCED} .\n'
        f't:p2 a ia:Figure ; rdfs:label "p2"@en ; ia:about cm:pacs ; ia:measure measure:site-count ; ia:unit unit:count ; ia:valueKind kind:reported ; ia:value 5.0 ; ia:partOf t:fig ; {SOURCED} .'),
    "SiteCountMatchesListing/too-few-sites": (
        "SiteCountMatchesListing",
        f't:count a ia:Figure ; rdfs:label "c"@en ; ia:about t:model ; ia:measure measure:site-count ; ia:countOf ia:Site ; ia:unit unit:count ; ia:valueKind kind:reported ; ia:value 2.0 ; {SOURCED} .\n'
        't:model a ia:CareModel ; rdfs:label "M"@en ; skos:prefLabel "M"@en ; skos:inScheme scheme:care-models .\n'
        f'{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel t:model .',
        f't:count a ia:Figure ; rdfs:label "c"@en ; ia:about t:model ; ia:measure measure:site-count ; ia:countOf ia:Site ; ia:unit unit:count ; ia:valueKind kind:reported ; ia:value 1.0 ; {SOURCED} .\n'
        't:model a ia:CareModel ; rdfs:label "M"@en ; skos:prefLabel "M"@en ; skos:inScheme scheme:care-models .\n'
        f'{SITE} ; ia:takesPartIn prog:vanguards ; ia:careModel t:model ; {IN_WAVE_1} .'),
    "EventInProgrammeLifetime/before-start": (
        "EventInProgrammeLifetime",
        f'{PROGRAMME} ; ia:startDate "2010-06-01"^^xsd:date .\n'
        f't:start a ia:Event ; rdfs:label "s"@en ; ia:eventType evt:started ; ia:about t:prog ; ia:date "2010-06-01"^^xsd:date ; ia:datePrecision precision:month ; {SOURCED} .\n'
        f'{EVENT} ; ia:about t:prog ; ia:date "2010-05-20"^^xsd:date ; ia:datePrecision precision:day .',
        f'{PROGRAMME} ; ia:startDate "2010-06-01"^^xsd:date .\n'
        f't:start a ia:Event ; rdfs:label "s"@en ; ia:eventType evt:started ; ia:about t:prog ; ia:date "2010-06-01"^^xsd:date ; ia:datePrecision precision:month ; {SOURCED} .\n'
        f'{EVENT} ; ia:about t:prog ; ia:date "2010-06-20"^^xsd:date ; ia:datePrecision precision:day .'),
    "EventInProgrammeLifetime/year-precision-before-start": (
        "EventInProgrammeLifetime",
        f'{PROGRAMME} ; ia:startDate "2010-06-01"^^xsd:date .\n'
        f't:start a ia:Event ; rdfs:label "s"@en ; ia:eventType evt:started ; ia:about t:prog ; ia:date "2010-06-01"^^xsd:date ; ia:datePrecision precision:month ; {SOURCED} .\n'
        f'{EVENT} ; ia:about t:prog ; ia:date "2009-01-01"^^xsd:date ; ia:datePrecision precision:year .',
        # A year-precision date in the start year is inside the lifetime.
        f'{PROGRAMME} ; ia:startDate "2010-06-01"^^xsd:date .\n'
        f't:start a ia:Event ; rdfs:label "s"@en ; ia:eventType evt:started ; ia:about t:prog ; ia:date "2010-06-01"^^xsd:date ; ia:datePrecision precision:month ; {SOURCED} .\n'
        f'{EVENT} ; ia:about t:prog ; ia:date "2010-01-01"^^xsd:date ; ia:datePrecision precision:year .'),
    "DisputeSameSubject/different-subjects": (
        "DisputeSameSubject",
        f'{FIGURE} ; ia:value 1.0 ; ia:disputes t:other .\n'
        f't:other a ia:Figure ; rdfs:label "o"@en ; ia:about prog:better-care-fund ; ia:measure measure:site-count ; ia:unit unit:count ; ia:valueKind kind:reported ; ia:value 2.0 ; {SOURCED} .',
        f'{FIGURE} ; ia:value 1.0 ; ia:disputes t:other .\n'
        f't:other a ia:Figure ; rdfs:label "o"@en ; ia:about prog:vanguards ; ia:measure measure:site-count ; ia:unit unit:count ; ia:valueKind kind:reported ; ia:value 2.0 ; {SOURCED} .'),
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
