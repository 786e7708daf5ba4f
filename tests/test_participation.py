"""A site's programme, care model and wave are generated from participations.

Each site's ia:takesPartIn, ia:careModel and ia:inWave is in the generated
graph only, written by kg/rules/32-participation.rq from a participation
(ia:Participation) whose best statement cites a document and a place in it;
no data file writes them. The shapes on sites and waves key on the structure
of a programme (its care-model scheme, its waves), not on its IRI: a copy of
the data built under another base is checked the same way.
"""

from __future__ import annotations

import shutil

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.config import Settings
from kg.sources import load, load_shapes
from kg.validate import validate

PREFIXES = """
PREFIX ia:   <https://w3id.org/integration-atlas/def/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

#: Each plain property of a site, and the participation property it is written from.
PLAIN = {"takesPartIn": "programme", "careModel": "careModel", "inWave": "inWave"}

SITE_TRIPLES = PREFIXES + """
SELECT ?g ?site ?p ?o WHERE {
  GRAPH ?g { ?site ?p ?o }
  FILTER (?p IN (ia:takesPartIn, ia:careModel, ia:inWave))
  FILTER EXISTS { ?site a ia:Site }
}"""

# Plain site triples with no participation that states the value and whose
# best statement cites a document at a place in it.
UNTRACED = PREFIXES + """
SELECT ?site ?p ?o WHERE {
  ?site a ia:Site ; ?p ?o .
  VALUES (?p ?stated) { (ia:takesPartIn ia:programme) (ia:careModel ia:careModel) (ia:inWave ia:inWave) }
  FILTER NOT EXISTS {
    ?part a ia:Participation ; ia:about ?site ; ?stated ?o ; ia:bestStatement ?s .
    ?s a ia:Statement ; prov:wasDerivedFrom ?ref .
    ?ref a ia:Reference ; ia:locator ?locator ; ia:source ?doc .
    ?doc a ia:SourceDocument .
  }
}"""


def rows(store, text):
    result = store.query(text)
    names = [v.value for v in result.variables]
    return [{n: (r[n].value if r[n] is not None else None) for n in names} for r in result]


def test_every_site_triple_is_generated_and_none_is_in_a_data_file(store, built):
    generated = f"{built.base}id/graph/generated"
    found = rows(store, SITE_TRIPLES)
    by_graph = {}
    for r in found:
        by_graph.setdefault(r["g"], []).append(r)
    elsewhere = {g: len(v) for g, v in by_graph.items() if g != generated}
    assert not elsewhere, f"site programme, care model or wave written outside the generated graph: {elsewhere}"
    plain = {(r["site"], r["p"].rsplit("/", 1)[-1]) for r in by_graph[generated]}
    sites = {site for site, p in plain if p == "takesPartIn"}
    # 50 vanguards, 25 pioneers, 16 pilots and 8 accountable care systems.
    assert len(sites) == 99
    assert sum(1 for _s, p in plain if p == "careModel") == 50
    assert sum(1 for _s, p in plain if p == "inWave") == 50 + 25 + 8


def test_every_site_triple_traces_to_a_participation_with_a_document_and_locator(store):
    untraced = rows(store, UNTRACED)
    assert not untraced, f"{len(untraced)} untraced: {untraced[:5]}"


def test_one_participation_per_site_and_programme(store):
    doubled = rows(store, PREFIXES + """
        SELECT ?site ?programme (COUNT(DISTINCT ?part) AS ?n) WHERE {
          ?part a ia:Participation ; ia:about ?site ; ia:programme ?programme .
        } GROUP BY ?site ?programme HAVING (COUNT(DISTINCT ?part) > 1)""")
    assert not doubled


def test_a_site_answers_with_its_sources_over_the_sparql_endpoint(live_server, built):
    """Several documents listing one site are references on one statement."""
    sw = SPARQLWrapper(live_server.url + "/sparql")
    sw.setQuery(PREFIXES + f"""
        SELECT ?programme ?model ?wave ?document ?locator WHERE {{
          <{built.base}id/site/vanguard-accountable-clinical-network-for-cancer>
              ia:takesPartIn ?programme ; ia:careModel ?model ; ia:inWave ?wave .
          ?part a ia:Participation ; ia:programme ?programme ; ia:bestStatement ?s ;
                ia:about <{built.base}id/site/vanguard-accountable-clinical-network-for-cancer> .
          ?s prov:wasDerivedFrom ?ref . ?ref ia:source ?document ; ia:locator ?locator .
        }}""")
    sw.setReturnFormat(JSON)
    bindings = sw.query().convert()["results"]["bindings"]
    assert {b["programme"]["value"] for b in bindings} == {f"{built.base}id/programme/vanguards"}
    assert {b["model"]["value"] for b in bindings} == {f"{built.base}id/care-model/acc"}
    assert {b["wave"]["value"] for b in bindings} == {f"{built.base}id/wave/vanguards-3"}
    documents = {b["document"]["value"].rsplit("/", 1)[-1] for b in bindings}
    # NHS England's ACC list (P07), its later lists (P08, P09), HSJ's table (P26)
    # and the third wave's announcement (P18).
    assert {"p07", "p08", "p09", "p26", "p18"} <= documents
    assert all(b["locator"]["value"].strip() for b in bindings)


# ---------------------------------------------------------------- shapes under another base

OTHER_BASE = "https://example.org/atlas-copy/"


@pytest.fixture(scope="module")
def broken_copy(tmp_path_factory):
    """The real data under another base, with three faults: a vanguard's
    participation without its care model, another's without its wave, and
    the third wave without its announcement event."""
    settings = Settings.from_env()
    data = tmp_path_factory.mktemp("data-copy") / "data"
    shutil.copytree(settings.data_dir, data)
    sites = data / "reference" / "vanguard-sites.ttl"
    text = sites.read_text(encoding="utf-8")
    faults = [
        ("    ia:careModel cm:pacs ;\n    ia:inWave wave:vanguards-1 ;\n    ia:about site:vanguard-wirral-partners .",
         "    ia:inWave wave:vanguards-1 ;\n    ia:about site:vanguard-wirral-partners ."),
        ("    ia:inWave wave:vanguards-1 ;\n    ia:about site:vanguard-calderdale .",
         "    ia:about site:vanguard-calderdale ."),
        ("    ia:announcementEvent event:p17-third-wave-announced ;\n", ""),
    ]
    for old, new in faults:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    sites.write_text(text, encoding="utf-8")
    copy = Settings.from_env(data_dir=data, base=OTHER_BASE)
    return validate(load(copy), load_shapes(copy))


@pytest.mark.parametrize("shape, focus", [
    ("SiteCareModelOfScheme", "id/site/vanguard-wirral-partners"),
    ("SiteInOneWave", "id/site/vanguard-calderdale"),
    ("WaveWithSitesAnnounced", "id/wave/vanguards-3"),
])
def test_shapes_fire_on_the_vanguards_under_another_base(broken_copy, shape, focus):
    fired = {(v.shape.rsplit("/", 1)[-1], v.focus) for v in broken_copy.violations if v.severity == "Violation"}
    assert (shape, OTHER_BASE + focus) in fired, sorted(fired)


def test_the_structural_shapes_fire_on_nothing_else_under_another_base(broken_copy):
    names = {"SiteCareModelOfScheme", "SiteInOneWave", "WaveWithSitesAnnounced"}
    focus = {v.focus for v in broken_copy.violations if v.shape.rsplit("/", 1)[-1] in names}
    assert focus == {OTHER_BASE + f for f in (
        "id/site/vanguard-wirral-partners", "id/site/vanguard-calderdale", "id/wave/vanguards-3")}
