"""``kg synth``: a deterministic synthetic graph at national shape that
conforms to the shapes and builds."""

from __future__ import annotations

import filecmp
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build, build_info
from kg.config import Settings
from kg.synth import FULL_SHAPE, SYN, synthesise

from .conftest import run_kg

ORG = "http://www.w3.org/ns/org#"
IA = "https://w3id.org/integration-atlas/def/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def read(root: Path) -> ox.Store:
    store = ox.Store()
    for p in sorted(root.rglob("*.ttl")):
        store.bulk_load(path=str(p), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(p.resolve().as_uri()))
    return store


def count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> tuple[Path, dict, ox.Store]:
    root = tmp_path_factory.mktemp("synth") / "national"
    manifest = synthesise(root, FULL_SHAPE)
    return root, manifest, read(root)


def test_same_size_and_seed_write_the_same_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    synthesise(a, 10_000, seed=3)
    synthesise(b, 10_000, seed=3)
    synthesise(c, 10_000, seed=4)
    assert tree(a) == tree(b)
    _match, mismatch, errors = filecmp.cmpfiles(a, b, tree(a), shallow=False)
    assert not mismatch and not errors
    _match, mismatch, _errors = filecmp.cmpfiles(a, c, tree(a), shallow=False)
    assert mismatch  # another seed, other codes and figures


@pytest.mark.parametrize("size", [10_000, 100_000])
def test_writes_about_the_triples_asked_for(tmp_path, size):
    manifest = synthesise(tmp_path / "out", size)
    assert abs(manifest["triples"] - size) <= size * 0.02
    assert len(read(tmp_path / "out")) == manifest["triples"]


def test_national_shape(national):
    root, manifest, store = national
    assert manifest["organisations"] == 1250 and manifest["systems"] == 42
    assert manifest["areas_per_year"] == 150 and manifest["years"] == 10
    orgs = count(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) {{ ?o a <{ORG}FormalOrganization> ; <{IA}odsCode> ?c }}")
    assert orgs == 1250 + 1  # and the national body
    codes = [s["c"].value for s in store.query(f"SELECT ?c {{ ?o <{IA}odsCode> ?c }}", use_default_graph_as_union=True)]
    assert len(codes) == len(set(codes)) and all(re.fullmatch(r"[A-Z0-9]{3,6}", c) for c in codes)
    # Sites take part through participations; the build writes ia:takesPartIn from them.
    assert count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a <{IA}Site> . ?p a <{IA}Participation> ; "
                        f"<{IA}about> ?s ; <{IA}programme> <{SYN}programme/integrated-care-systems> }}") == 42
    assert count(store, f"SELECT (COUNT(?d) AS ?n) {{ ?d a <{IA}Report> ; <http://purl.org/dc/terms/subject> ?p }}") == 1500
    assert count(store, f"SELECT (COUNT(?o) AS ?n) {{ ?o a <{IA}Outcome> ; <{IA}againstTarget> ?t . ?t a <{IA}Target> }}") >= 1500
    # Each pooled fund is an item with a statement in pounds and a reference to its plan.
    assert count(store, f"SELECT (COUNT(?f) AS ?n) {{ ?f a <{IA}FundingFlow> . ?s <{IA}statementOf> ?f ; "
                        f"<{IA}unit>/<http://www.w3.org/2004/02/skos/core#notation> \"GBP\" ; "
                        f"<http://www.w3.org/ns/prov#wasDerivedFrom>/<{IA}source> ?d }}") >= 1500
    # One file per source document.
    assert len(list((root / "synthetic" / "plans").rglob("*.ttl"))) == 1500


def test_synthetic_iris_are_marked_synthetic(national):
    root, _manifest, store = national
    outside = [q.subject.value for q in store
               if not q.graph_name.value.startswith((root / "vocab").resolve().as_uri())
               and not q.subject.value.startswith(SYN)]
    assert outside == []


def test_kg_synth_output_builds_and_conforms(tmp_path, monkeypatch):
    """Built with the fast engine; pyshacl's own verdict on a synthetic graph
    is in test_validation_equivalence.py."""
    monkeypatch.setenv("KG_VALIDATOR", "turbo")
    home = Settings.from_env(home=tmp_path / "home")
    out = tmp_path / "synthetic"
    proc = run_kg(home, "synth", "--triples", "10000", "-o", str(out), "--seed", "5")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "synth.json").read_text())
    settings = Settings.from_env(home=tmp_path / "home", data_dir=out)
    result = build(settings, progress=lambda _m: None)  # raises BuildFailed on any violation
    assert result.triples >= manifest["triples"]
    assert build_info(settings)["files"] == manifest["files"]


def test_never_replaces_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine.ttl").write_text("# someone's data\n")
    with pytest.raises(FileExistsError):
        synthesise(tmp_path, 10_000)
    assert (tmp_path / "mine.ttl").exists()
