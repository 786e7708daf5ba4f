"""The fast validation engine (pyshacl-turbo) reports exactly what pyshacl does.

pyshacl is the reference. Each test loads one body of data once and runs both
engines on it; the sets of (focus node, path, source shape, severity) must be
equal, and so must the full violations (message, value and files). The bodies:
the real data; the real data with every broken and mended snippet of
tests/test_shapes.py added (each case in its own namespace, so they do not
interact); and a 10,000-triple synthetic graph with faults seeded for every
kind of shape, node and SPARQL-based alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.config import Settings
from kg.sources import data_files, load, load_shapes
from kg.synth import HEADER, synthesise
from kg.validate import choose_engine, turbo_available, validate

from .test_shapes import CASES, PREFIXES, SHAPES, T

pytestmark = pytest.mark.skipif(not turbo_available(), reason="pyshacl-turbo is not installed")


def key(v) -> tuple[str, str, str, str]:
    return (v.focus, v.path, v.shape, v.severity)


def full(v) -> tuple:
    return (v.focus, v.path, v.shape, v.severity, v.message, v.value, v.files)


def both(loaded, shapes):
    reference = validate(loaded, shapes, engine="pyshacl")
    fast = validate(loaded, shapes, engine="turbo")
    return reference, fast


def assert_same(reference, fast):
    ref, got = {key(v) for v in reference.violations}, {key(v) for v in fast.violations}
    assert ref - got == set(), f"turbo lost violations pyshacl reports: {sorted(ref - got)}"
    assert got - ref == set(), f"turbo reports violations pyshacl does not: {sorted(got - ref)}"
    assert sorted(map(full, fast.violations)) == sorted(map(full, reference.violations))
    assert fast.conforms == reference.conforms


@pytest.fixture(scope="module")
def shapes():
    return load_shapes(Settings.from_env())


def test_real_data_alone_and_with_every_seeded_fault(shapes, tmp_path):
    """One load of the real data plus the faults: the real data's own results
    (focus nodes outside the test namespaces) are part of the comparison."""
    settings = Settings.from_env()
    cases = []
    for name, (_shape, broken, mended) in CASES.items():
        for kind, snippet in (("broken", broken), ("mended", mended)):
            ns = f"{T}{kind}/{name.replace('/', '-')}/"
            path = tmp_path / f"{kind}-{name.replace('/', '-')}.ttl"
            path.write_text(PREFIXES.replace(T, ns) + snippet)
            cases.append((kind, name, ns))
    loaded = load(settings, only=[f.path for f in data_files(settings)] + sorted(tmp_path.glob("*.ttl")))
    reference, fast = both(loaded, shapes)
    assert_same(reference, fast)
    real = [v for v in reference.violations if not v.focus.startswith(T)]
    assert {key(v) for v in real} == {key(v) for v in fast.violations if not v.focus.startswith(T)}
    # Every broken case is seen by both engines, with the shape it is written to break.
    for kind, name, ns in cases:
        if kind == "broken":
            fired = {v.shape.split(" / ")[0].removeprefix(SHAPES)
                     for v in fast.violations if v.focus.startswith(ns)}
            assert CASES[name][0] in fired, name


def _drop_line(path: Path, subject: str, predicate: str) -> None:
    """Delete the first ``predicate`` line of ``subject``'s block (not its last line)."""
    text = path.read_text()
    start = text.index(f"\n{subject} ")
    m = re.compile(rf"\n    {re.escape(predicate)} [^\n]* ;\n").search(text, start)
    assert m and text.find(" .\n", start) > m.start(), (subject, predicate)
    path.write_text(text[:m.start()] + "\n" + text[m.end():])


def seed_faults(root: Path) -> tuple[set[str], set[str]]:
    """Break a synthetic graph in every way the shapes check; return the shapes
    expected to fire and the nodes the faults touch."""
    plan1 = (root / "synthetic/plans/2015-16/bcf-plan-2015-16-001.ttl").read_text()
    council = re.search(r"dcterms:publisher sorg:(\w+)", plan1).group(1)
    item = "sitem:bcf-{}-{:03d}-{}"
    st = "sst:bcf-{}-{:03d}-{}"
    ref = 'sclaim:fault-ref a ia:Reference ; rdfs:label "A reference"@en ; ia:source sdoc:systems-register ; ia:locator "p.1" ; ia:page 1 ; ia:reliability grade:official .'

    def stated(key, cls, props, values):
        return (f'sitem:{key} a {cls} ; rdfs:label "{key}"@en ; {props} .\n'
                f"sst:{key} a ia:Statement ; ia:statementOf sitem:{key} ; wikibase:rank wikibase:NormalRank ; "
                f"prov:wasDerivedFrom sclaim:fault-ref ; {values} .\n")
    faults = f"""
{ref}
sorg:{council} ia:odsCode "l12" ; ia:organisationType measure:site-count .
{item.format("2015-16", 1, "pooled-fund")} ia:currency "EUR" .
{item.format("2016-17", 1, "pooled-fund")} ia:periodEnd fy:2014-15 .
{st.format("2017-18", 1, "pooled-fund")} ia:value -5.0 .
{item.format("2018-19", 1, "emergency-admissions-change-outcome")}
    ia:againstTarget {item.format("2018-19", 2, "emergency-admissions-change-target")} .
sst:bcf-national-2019-20-total ia:value "lots" .
sst:fault-second-target a ia:Statement ; ia:statementOf {item.format("2015-16", 1, "emergency-admissions-change-target")} ;
    wikibase:rank wikibase:NormalRank ; prov:wasDerivedFrom sclaim:fault-ref ;
    ia:value 1.0 ; ia:unit unit:admissions ; ia:valueKind kind:planned .
sprog:better-care-fund ia:startDate "2015-04-01"^^xsd:date .
{stated("fault-early-event", "ia:Event", "ia:eventType evt:announced ; ia:about sprog:better-care-fund",
        'ia:date "2014-01-01"^^xsd:date ; ia:datePrecision precision:day')}
{stated("fault-datetime", "ia:Event", "ia:eventType evt:published ; ia:about sdoc:systems-register",
        'ia:date "2022-07-01T09:00:00"^^xsd:dateTime ; ia:datePrecision precision:day')}
ssite:system-01 ia:careModel <https://w3id.org/integration-atlas/id/care-model/mcp> .
{stated("fault-mcp-count", "ia:Figure", "ia:about <https://w3id.org/integration-atlas/id/care-model/mcp> ; ia:countOf ia:Site ; "
        "ia:measure measure:site-count ; ia:periodStart fy:2015-16 ; ia:periodEnd fy:2015-16",
        "ia:value 3.0 ; ia:unit unit:count ; ia:valueKind kind:reported")}
sclaim:fault-derived a ia:DerivedClaim ; rdfs:label "A derived statement that cites a source"@en ;
    prov:wasDerivedFrom sclaim:bcf-national-2015-16-total ;
    ia:source sdoc:systems-register ; ia:reliability grade:derived .
{stated("fault-negative-count", "ia:Figure", "ia:about ssite:system-04 ; ia:measure measure:site-count ; "
        "ia:periodStart fy:2015-16 ; ia:periodEnd fy:2015-16",
        "ia:value -2.0 ; ia:unit unit:count ; ia:valueKind kind:reported")}
ssite:system-03 rdfs:label "A plain label" .
ssite:system-05 org:hasMember sorg:national-body .
"""
    header = HEADER + "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
    (root / "synthetic/faults.ttl").write_text(header + faults)
    _drop_line(root / "synthetic/systems.ttl", "ssite:system-02", "rdfs:label")
    _drop_line(root / "synthetic/plans/2015-16/bcf-plan-2015-16-003.ttl",
               "sclaim:bcf-2015-16-003-pooled-fund", "ia:source")
    shapes = {"Organisation", "FundingFlow", "Outcome", "Figure", "Statement", "Item", "DatesFromEvents",
              "EventInProgrammeLifetime", "SiteCountMatchesListing", "DerivedStatement", "NonNegativeFigure",
              "Labelled", "Reference", "MembersFromMemberships"}
    touched = [f"sorg:{council}", "sprog:better-care-fund", "ssite:system-02", "ssite:system-03", "ssite:system-05",
               "sitem:bcf-national-2017-18-total", "sitem:bcf-national-2019-20-total", "sst:bcf-national-2019-20-total",
               item.format("2015-16", 1, "pooled-fund"), item.format("2016-17", 1, "pooled-fund"),
               item.format("2017-18", 1, "pooled-fund"), st.format("2017-18", 1, "pooled-fund"),
               "sclaim:bcf-2015-16-003-pooled-fund",
               item.format("2018-19", 1, "emergency-admissions-change-outcome"),
               item.format("2015-16", 1, "emergency-admissions-change-target"), "sst:fault-second-target",
               "sitem:fault-early-event", "sitem:fault-datetime", "sst:fault-datetime", "sitem:fault-mcp-count",
               "sclaim:fault-derived", "sitem:fault-negative-count"]
    prefixes = dict(re.findall(r"@prefix (\w+): <([^>]+)>", HEADER))
    return shapes, {prefixes[n.split(":")[0]] + n.split(":", 1)[1] for n in touched}


def test_synthetic_graph_with_seeded_faults(shapes, tmp_path):
    root = tmp_path / "synthetic-data"
    synthesise(root, 10_000, seed=7)
    expected, touched = seed_faults(root)
    reference, fast = both(load(Settings.from_env(data_dir=root)), shapes)
    assert_same(reference, fast)
    fired = {v.shape.split(" / ")[0].removeprefix(SHAPES) for v in reference.violations}
    assert expected <= fired, f"faults not seen: {sorted(expected - fired)}"
    # Everything the faults did not touch conforms, by pyshacl's own account.
    assert {v.focus for v in reference.violations} <= touched


def test_auto_uses_turbo_only_from_the_threshold(monkeypatch):
    loaded = load(Settings.from_env())

    def chosen(**env):
        for name in ("KG_VALIDATOR", "KG_TURBO_FROM"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = Settings.from_env()
        return choose_engine(loaded, settings.validator, settings.turbo_from)

    assert chosen(KG_TURBO_FROM=str(len(loaded) + 1)) == "pyshacl"
    assert chosen(KG_TURBO_FROM=str(len(loaded))) == "turbo"
    assert chosen(KG_TURBO_FROM="0", KG_VALIDATOR="pyshacl") == "pyshacl"
    with pytest.raises(ValueError):
        chosen(KG_VALIDATOR="fastest")


def test_auto_falls_back_to_pyshacl_when_turbo_cannot_run(monkeypatch, shapes):
    import kg.validate as kv

    def cannot(*_args):
        raise NotImplementedError("not supported by the fast engine")

    settings = Settings.from_env()
    loaded = load(settings, only=sorted((settings.data_dir / "vocab").glob("*.ttl")))
    monkeypatch.setattr(kv, "_run_turbo", cannot)
    assert validate(loaded, shapes, "auto", turbo_from=0).conforms
    with pytest.raises(NotImplementedError):
        validate(loaded, shapes, engine="turbo")
