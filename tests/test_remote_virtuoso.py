"""The atlas on a second, independent SPARQL store: Virtuoso 7 (Debian's
``virtuoso-opensource``), started for the session on loopback
(``tests.virtuoso_server``).

``kg push`` loads the session build into it as an authenticated user (Digest
on ``/sparql-auth`` and ``/sparql-graph-crud-auth``), and a second
``kg serve`` reads from its anonymous, read-only ``/sparql``. The checks of
``tests.test_remote_store`` run again, unchanged, against this server: the
store interface, named queries, the endpoint cases, pages, documents, dumps
and the existing page and endpoint tests must answer as on the embedded
store. The tests below add what is particular to Virtuoso.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from kg.config import Settings
from kg.remote import RemoteStore, StoreUnavailable

from .conftest import LiveServer, run_kg
from .test_pages_resources import BROWSER_ACCEPT, fetch
from . import test_remote_store as oxigraph_checks
from .test_remote_store import (  # noqa: F401  (collected here: same checks, this store)
    _reusable,
    _rows,
    test_dumps_same,
    test_endpoint_construct_and_named_queries,
    test_endpoint_refusals_are_the_same,
    test_endpoint_same_answers,
    test_parameters_cannot_break_out,
    test_store_interface_matches_embedded,
)
from .virtuoso_server import ISQL, VIRTUOSO, VirtuosoServer

pytestmark = pytest.mark.skipif(
    not (VIRTUOSO and ISQL),
    reason="Virtuoso (Debian package virtuoso-opensource: virtuoso-t, isql-vt) is not installed")

XSD = "http://www.w3.org/2001/XMLSchema#"


def push(settings: Settings, server: VirtuosoServer, **env) -> None:
    r = run_kg(settings, "push", **{**server.env, **env})
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory, built):
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    try:
        push(built, server)
        yield server
    finally:
        server.stop()


# The fixtures the imported checks ask for, on Virtuoso.

@pytest.fixture(scope="session")
def remote_server(built, virtuoso):
    # These checks compare answers, not speed: Virtuoso's plans for the wider
    # named queries take seconds on a busy machine, so give them room.
    server = LiveServer(built, KG_STORE_QUERY=virtuoso.env["KG_STORE_QUERY"],
                        KG_QUERY_TIMEOUT="30", KG_STORE_TIMEOUT="30")
    # Named queries whose answers differ on Virtuoso 7.2.5 in form only:
    # item-evidence's EXISTS columns come back as the integers 1 and 0, not
    # booleans (test_booleans_are_integers_and_pages_read_them).
    server.known_differences = {"item-evidence"}
    yield server
    server.stop()


@pytest.fixture(scope="session")
def remote(built, virtuoso) -> RemoteStore:
    return RemoteStore(virtuoso.env["KG_STORE_QUERY"], base=built.base)


# --------------------------------------------------------------------------
# Known differences of Virtuoso 7.2.5's query engine
# --------------------------------------------------------------------------

# Where Virtuoso 7.2.5 answers differently, the atlas's queries are written
# around it (each says so where it does); the first two are pinned by tests below:
# - a zero-or-more path (rdfs:subClassOf*) joined with other patterns loses
#   solutions over a dataset of several default graphs: class queries use the
#   materialised types instead;
# - SPARQL booleans come back as the integers 1 and 0: pages read both;
# - VALUES inside OPTIONAL, and some EXISTS after a grouped subquery, are
#   evaluated wrongly: the search ranks with FILTER IN and OPTIONAL;
# - MIN over IRIs follows its own ids: queries take MIN of the IRI's string;
# - SELECT DISTINCT sometimes keeps the repeats a join makes (seen, not
#   reliably reproduced): conflicting-claims avoids the join.

@pytest.mark.parametrize("check", _reusable())
def test_existing_checks_pass_on_the_remote_store(check, remote_server, store):
    oxigraph_checks.test_existing_checks_pass_on_the_remote_store(check, remote_server, store)


def _as_virtuoso_writes(term: str | None) -> str | None:
    """Virtuoso 7.2.5 writes SPARQL booleans as the integers 1 and 0."""
    return {f'"true"^^<{XSD}boolean>': f'"1"^^<{XSD}integer>',
            f'"false"^^<{XSD}boolean>': f'"0"^^<{XSD}integer>'}.get(term, term)


def test_named_query_parameters_match_embedded(store, remote):
    oxigraph_checks.test_named_query_parameters_match_embedded(store, remote, _as_virtuoso_writes)


def test_pages_and_documents_same(live_server, remote_server):
    oxigraph_checks.test_pages_and_documents_same(live_server, remote_server)


def test_subclass_paths_are_right_over_the_stores_own_default_graph(remote, store):
    """The same path query is right when Virtuoso reads its own default graph
    (all its graphs) and short over the atlas's dataset: the difference above
    is the engine's, not the data's nor the push's."""
    ia = "https://w3id.org/integration-atlas/def/"
    q = ("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?rel { <%sabout> <%srecipient> } "
         "?item ?rel <https://w3id.org/integration-atlas/id/programme/vanguards> ; a ?cls . "
         "?cls <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <%sItem> }" % (ia, ia, ia))
    (expected,) = [int(s["n"].value) for s in store.query(q)]
    assert expected > 10
    assert [int(s["n"].value) for s in remote.query(q, union_default=False)] == [expected]
    assert [int(s["n"].value) for s in remote.query(q)] != [expected]


# --------------------------------------------------------------------------
# What is particular to Virtuoso
# --------------------------------------------------------------------------

def _raw(virtuoso, query: str, **params) -> tuple[int, dict, str]:
    """One query straight to Virtuoso's /sparql (no atlas in between)."""
    data = urlencode({"query": query, **params}, doseq=True).encode()
    req = urllib.request.Request(virtuoso.url + "/sparql", data=data, method="POST",
                                 headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_booleans_are_integers_and_pages_read_them(virtuoso, remote_server, live_server):
    """Virtuoso 7.2.5 writes every SPARQL boolean (EXISTS, a comparison, the
    literal true) as the integer 1 or 0; pages read both spellings, so a
    dossier marks the same statement best on either store."""
    status, _, body = _raw(virtuoso, "SELECT ?b WHERE { BIND (EXISTS { ?s ?p ?o } AS ?b) }")
    (row,) = json.loads(body)["results"]["bindings"]
    assert status == 200 and row["b"]["value"] == "1" and row["b"]["datatype"] == XSD + "integer"
    path = "/id/flow/nhse-vanguards-2015-18"
    pages = [fetch(s.url, path, BROWSER_ACCEPT).text for s in (live_server, remote_server)]
    best = [re.findall(r'<tr class="best[^"]*">.*?</tr>', html, re.S) for html in pages]
    assert len(best[0]) == 1 and "329" in best[0][0]
    assert best[1] == best[0]


def test_typed_literals_read_as_on_the_embedded_store(virtuoso, remote, store):
    """Virtuoso writes xsd:boolean as 1/0 and terms as SPARQL 1.0
    "typed-literal" in its JSON results; the atlas reads the standard terms."""
    q = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER (DATATYPE(?o) IN (<%sboolean>, <%sdecimal>, "
         "<%sdate>, <%sinteger>)) }" % (XSD, XSD, XSD, XSD))
    expected = _rows(store.query(q))
    assert len(expected) > 100 and any(XSD + "boolean" in row[2] for row in expected)
    assert _rows(remote.query(q)) == expected
    lang = 'SELECT ?s ?o WHERE { ?s ?p ?o FILTER (LANG(?o) != "") } '
    assert _rows(remote.query(lang)) == _rows(store.query(lang))


def test_raw_booleans_differ_so_the_reading_matters(virtuoso, remote):
    """The dialect the test above relies on is real: Virtuoso itself sends 1/0."""
    params = [("named-graph-uri", g) for g in remote.graph_names()]
    body = remote._sparql(remote.query_url, "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o "
                          "FILTER (DATATYPE(?o) = <%sboolean>) } }" % XSD, fmt="json",
                          params=params).body
    assert b'"typed-literal"' in body and re.search(rb'"value": "[01]"', body)
    values = {s["o"].value for s in remote.query(
        "SELECT ?o WHERE { ?s ?p ?o FILTER (DATATYPE(?o) = <%sboolean>) }" % XSD)}
    assert values and values <= {"true", "false"}


def test_dumps_are_complete_beyond_the_row_limit(virtuoso, remote, store):
    """Virtuoso cuts every answer at ResultSetMaxRows (10000, fewer than the
    atlas's quads) and says so in X-SPARQL-MaxRows: the dump reads in pages."""
    status, headers, _ = _raw(virtuoso, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
                              **{"named-graph-uri": remote.graph_names()})
    assert status == 200 and headers.get("X-SPARQL-MaxRows") == "10000"
    assert len(store) > 10_000
    quads = list(remote._quads())
    assert len(quads) == len(set(quads)) == len(store)
    assert set(quads) == set(store._db)


def test_the_read_endpoint_stays_read_only(virtuoso, remote, store):
    """Anonymous /sparql (what readers and kg serve use) cannot write; the
    push user's password never appears in an error."""
    status, _, body = _raw(virtuoso, "DROP SILENT GRAPH <%s>" % remote.graph_names()[0])
    assert status >= 400 and "permission" in body.lower(), (status, body[:300])
    anonymous = RemoteStore(virtuoso.url + "/sparql", update_url=virtuoso.url + "/sparql")
    with pytest.raises(StoreUnavailable):
        anonymous.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 1 } }")
    wrong = virtuoso.env["KG_STORE_UPDATE"].replace(virtuoso.password, "not-the-password")
    with pytest.raises(StoreUnavailable, match="HTTP 401") as caught:
        RemoteStore(virtuoso.url + "/sparql", update_url=wrong).update(
            "INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 1 } }")
    assert "not-the-password" not in str(caught.value)
    assert len(remote) == len(store)
    with pytest.raises(ValueError, match="no credentials"):
        RemoteStore(virtuoso.env["KG_STORE_UPDATE"])


def test_push_by_sparql_update_alone(built, store, tmp_path, monkeypatch):
    """Without the Graph Store endpoint, INSERT DATA in chunks, then a second
    push over the first: the switch replaces it, staging graphs are gone."""
    import kg.push

    server = VirtuosoServer(tmp_path / "db")
    try:
        monkeypatch.setattr(kg.push, "CHUNK", 2_000)
        settings = Settings.from_env(home=built.home, base=built.base,
                                     store_query=server.env["KG_STORE_QUERY"],
                                     store_update=server.env["KG_STORE_UPDATE"],
                                     store_timeout=60.0)  # answers, not speed
        first = kg.push.push(settings, progress=lambda _m: None)
        second = kg.push.push(settings, progress=lambda _m: None)
        assert second["previous"] == first["stamp"]
        remote = RemoteStore.from_settings(settings)
        assert remote.manifest(fresh=True).stamp == second["stamp"]
        assert remote.graph_names() == store.graph_names()
        assert len(remote) == len(store) == second["triples"]
        q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        assert _rows(remote.query(q)) == _rows(store.query(q))
        everything = remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                  union_default=False)
        assert not [s for s in everything if "/id/push/" in s["g"].value
                    and not s["g"].value.endswith("/current")]
    finally:
        server.stop()


def test_session_server_is_ours(virtuoso):
    """The instance runs from its own generated configuration on loopback."""
    assert virtuoso.ini.is_file() and str(virtuoso.folder) in virtuoso.ini.read_text()
    assert "/etc/" not in virtuoso.ini.read_text()
    assert virtuoso.url.startswith("http://127.0.0.1:")
    assert os.path.exists(virtuoso.folder / "atlas.db")
