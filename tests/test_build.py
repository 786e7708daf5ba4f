"""The build: the real data conforms, bad data is refused with a usable
report, and a failed build leaves the previous one in place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.build import BuildFailed, build, build_info
from kg.config import Settings
from kg.sources import load

from .conftest import run_kg

BAD_FIGURE = """
@prefix ia: <https://w3id.org/integration-atlas/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix claim: <https://w3id.org/integration-atlas/id/claim/> .
@prefix prog: <https://w3id.org/integration-atlas/id/programme/> .
@prefix measure: <https://w3id.org/integration-atlas/id/measure/> .
@prefix unit: <https://w3id.org/integration-atlas/id/unit/> .
@prefix kind: <https://w3id.org/integration-atlas/id/value-kind/> .
@prefix grade: <https://w3id.org/integration-atlas/id/reliability/> .
claim:unsourced a ia:Figure ;
    rdfs:label "A figure with no source"@en ;
    ia:about prog:vanguards ; ia:measure measure:site-count ;
    ia:value "fifty" ; ia:unit unit:count ; ia:valueKind kind:reported ;
    ia:reliability grade:official .
"""


def copy_data(tmp_path: Path, built: Settings) -> Settings:
    data = tmp_path / "data"
    shutil.copytree(built.data_dir, data)
    return Settings.from_env(home=tmp_path / "home", data_dir=data)


def test_real_data_conforms_and_builds(built):
    info = build_info(built)
    assert info["triples"] > 1000
    assert info["graphs"] >= 5
    assert (built.current / "store").is_dir()


def test_build_writes_one_named_graph_per_data_file(built, store):
    names = store.graph_names()
    assert f"{built.base}id/graph/seeds/s2-nao-vanguards-2018" in names
    assert f"{built.base}id/graph/ontology" in names


def test_failed_build_reports_file_focus_path_message_and_keeps_previous(tmp_path, built):
    settings = copy_data(tmp_path, built)
    first = build(settings, progress=lambda _m: None)
    (settings.data_dir / "seeds" / "bad.ttl").write_text(BAD_FIGURE)
    with pytest.raises(BuildFailed) as err:
        build(settings, progress=lambda _m: None)
    text = err.value.report.render()
    assert "seeds/bad.ttl" in text
    assert "https://w3id.org/integration-atlas/id/claim/unsourced" in text
    assert "https://w3id.org/integration-atlas/def/value" in text  # the path
    assert "statement" in text                                      # what to fix
    assert os.path.realpath(settings.current) == str(first.path)
    assert len(list(settings.builds.iterdir())) == 1  # nothing half-written


BAD_HEAD = """
@prefix ia: <https://w3id.org/integration-atlas/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix wikibase: <http://wikiba.se/ontology#> .
@prefix id: <https://w3id.org/integration-atlas/id/> .
@prefix claim: <https://w3id.org/integration-atlas/id/claim/> .
@prefix statement: <https://w3id.org/integration-atlas/id/statement/> .
@prefix figure: <https://w3id.org/integration-atlas/id/figure/> .
@prefix flow: <https://w3id.org/integration-atlas/id/flow/> .
@prefix unit: <https://w3id.org/integration-atlas/id/unit/> .
@prefix kind: <https://w3id.org/integration-atlas/id/value-kind/> .
@prefix measure: <https://w3id.org/integration-atlas/id/measure/> .
@prefix cm: <https://w3id.org/integration-atlas/id/care-model/> .
@prefix fy: <https://w3id.org/integration-atlas/id/period/> .
@prefix doc: <https://w3id.org/integration-atlas/id/document/> .
@prefix grade: <https://w3id.org/integration-atlas/id/reliability/> .
@prefix reason: <https://w3id.org/integration-atlas/id/rank-reason/> .
"""
ID = "https://w3id.org/integration-atlas/id/"

# Bad input the issue names: each stops the build with a report that names
# the file, the item and the statements concerned.
BAD_INPUTS = {
    "two-preferred-statements": (
        """statement:bad-second a ia:Statement ; ia:statementOf flow:nhse-vanguards-2015-18 ;
            ia:value 330000000.0 ; ia:unit unit:gbp ; ia:valueKind kind:spent ;
            wikibase:rank wikibase:PreferredRank ; ia:rankReason reason:more-sources ;
            prov:wasDerivedFrom claim:s0-direct-investment .""",
        ["flow/nhse-vanguards-2015-18", "statement/nao2018-direct-investment", "statement/bad-second"]),
    "statement-without-reference": (
        """statement:bad-unreferenced a ia:Statement ; ia:statementOf figure:nao2018-population-based-count ;
            ia:value 24.0 ; ia:unit unit:count ; ia:valueKind kind:reported ;
            wikibase:rank wikibase:DeprecatedRank ; ia:rankReason reason:rounded .""",
        ["statement/bad-unreferenced"]),
    "part-in-another-unit": (
        """figure:bad-part a ia:Figure ; rdfs:label "A part in another unit"@en ; ia:about cm:mcp ;
            ia:measure measure:site-count ; ia:partOf figure:nao2018-vanguard-count .
        statement:bad-part a ia:Statement ; ia:statementOf figure:bad-part ; ia:value 28.0 ;
            ia:unit unit:percent ; ia:valueKind kind:reported ; wikibase:rank wikibase:NormalRank ;
            prov:wasDerivedFrom claim:nao2018-mcp-count .""",
        ["figure/bad-part"]),
    "part-outside-its-total-s-period": (
        """flow:bad-part a ia:FundingFlow ; rdfs:label "A part in a later year"@en ;
            ia:funder id:organisation\\/nhs-england ; ia:recipient cm:mcp ; ia:periodStart fy:2019-20 ;
            ia:periodEnd fy:2019-20 ; ia:partOf flow:nhse-vanguards-2015-18 .
        statement:bad-flow-part a ia:Statement ; ia:statementOf flow:bad-part ; ia:value 1.0 ;
            ia:unit unit:gbp ; ia:valueKind kind:spent ; wikibase:rank wikibase:NormalRank ;
            prov:wasDerivedFrom claim:nao2018-mcp-funding .""",
        ["flow/bad-part"]),
    "reference-to-a-missing-document": (
        """claim:bad-reference a ia:Reference ; rdfs:label "A reference to nothing"@en ;
            ia:source doc:no-such-report ; ia:locator "p.3" ; ia:page 3 ; ia:reliability grade:official .
        statement:nao2018-vanguard-count prov:wasDerivedFrom claim:bad-reference .""",
        ["claim/bad-reference"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_statements_stop_the_build_naming_file_item_and_statements(tmp_path, built, case):
    settings = copy_data(tmp_path, built)
    first = build(settings, progress=lambda _m: None)
    snippet, named = BAD_INPUTS[case]
    (settings.data_dir / "seeds" / "bad.ttl").write_text(BAD_HEAD + snippet)
    with pytest.raises(BuildFailed) as err:
        build(settings, progress=lambda _m: None)
    text = err.value.report.render()
    assert "seeds/bad.ttl" in text, text
    for path in named:
        assert ID + path in text, (path, text)
    assert os.path.realpath(settings.current) == str(first.path)  # the last good build is served


def test_kg_build_exits_non_zero_with_report(tmp_path, built):
    settings = copy_data(tmp_path, built)
    (settings.data_dir / "seeds" / "bad.ttl").write_text(BAD_FIGURE)
    proc = run_kg(settings, "build", KG_DATA_DIR=settings.data_dir, KG_HOME=settings.home)
    assert proc.returncode == 1
    assert "seeds/bad.ttl" in proc.stderr and "focus node" in proc.stderr
    assert "previous build" in proc.stderr


def test_unparseable_file_is_refused_with_its_name(tmp_path, built):
    settings = copy_data(tmp_path, built)
    (settings.data_dir / "broken.ttl").write_text("this is not turtle .")
    proc = run_kg(settings, "build", KG_DATA_DIR=settings.data_dir, KG_HOME=settings.home)
    assert proc.returncode == 1
    assert "broken.ttl" in proc.stderr and "cannot parse" in proc.stderr


def test_validate_checks_given_file_in_context(tmp_path, built):
    bad = tmp_path / "new.ttl"
    bad.write_text(BAD_FIGURE)
    proc = run_kg(built, "validate", str(bad))
    assert proc.returncode == 1
    assert "new.ttl" in proc.stderr and "claim/unsourced" in proc.stderr
    ok = run_kg(built, "validate")
    assert ok.returncode == 0, ok.stderr
    assert "conforms" in ok.stdout


def test_data_cannot_switch_its_own_checks_off(tmp_path, built):
    """Shapes inside a data file are ignored: only ontology/ shapes count."""
    sneaky = tmp_path / "sneaky.ttl"
    sneaky.write_text(BAD_FIGURE + """
@prefix sh: <http://www.w3.org/ns/shacl#> .
<https://w3id.org/integration-atlas/def/shapes/StatedClaim> sh:deactivated true .
<https://w3id.org/integration-atlas/def/shapes/Figure> sh:deactivated true .
""")
    proc = run_kg(built, "validate", str(sneaky))
    assert proc.returncode == 1
    assert "claim/unsourced" in proc.stderr


@pytest.mark.parametrize("fmt,rdflib_format", [
    ("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")])
def test_export_triples_formats_parse_back_to_the_build(tmp_path, built, fmt, rdflib_format):
    out = tmp_path / f"atlas.{fmt}"
    proc = run_kg(built, "export", "--format", fmt, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    exported = Graph().parse(out, format=rdflib_format)
    expected = load(built).union()
    assert isomorphic(exported, expected)


@pytest.mark.parametrize("fmt,rdflib_format", [("nq", "nquads"), ("trig", "trig")])
def test_export_quad_formats_keep_every_named_graph(tmp_path, built, fmt, rdflib_format):
    out = tmp_path / f"atlas.{fmt}"
    proc = run_kg(built, "export", "--format", fmt, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    exported = Dataset()
    exported.parse(out, format=rdflib_format)
    expected = load(built).dataset
    got = {str(g.identifier): g for g in exported.graphs() if len(g)}
    want = {str(g.identifier): g for g in expected.graphs() if len(g)}
    assert set(got) == set(want)
    for name, g in want.items():
        assert isomorphic(got[name], g), name


def test_query_command_formats(built):
    proc = run_kg(built, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert '"n"' in proc.stdout
    bad = run_kg(built, "query", "SELECT WHERE {")
    assert bad.returncode == 2 and "Malformed query" in bad.stderr
