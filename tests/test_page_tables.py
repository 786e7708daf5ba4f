"""Whole-graph answers kept with the build (``kg.page_tables``).

The build answers the named queries marked ``# build table: yes`` and keeps
each answer in the build folder; the pages read it from there instead of
asking the store. Checked here: every such answer is the store's own answer
to the query, the pages really read the kept file (an edited file shows on
the page, a missing one falls back to the store), and the funding view's
index of flows misses no flow that money can lie within.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import page_tables
from kg.build import publish
from kg.config import Settings
from web import create_app, money_flows

IA = "https://w3id.org/integration-atlas/def/"


def build_folder(settings: Settings) -> Path:
    return (Path(settings.home) / "current").resolve()


def as_strings(names, rows) -> list[tuple]:
    return [tuple(str(term) if term is not None else None for term in row) for row in rows]


def kept_and_asked(store, folder):
    """(query, what it was asked about, kept answer, the store's answer now)
    for every answer the build keeps."""
    for q in page_tables.table_queries():
        if q.table_for_each is None:
            yield q, None, page_tables.read_table(folder, q.name), store.query(q.text)
            continue
        (param,) = q.params
        members = [row[0] for row in store.query(f"SELECT DISTINCT ?m WHERE {{ ?m a <{q.table_for_each}> }}")]
        assert members, q.name
        for m in members:
            yield (q, m.value, page_tables.read_table(folder, q.name, m.value),
                   store.query(q.text, substitutions={ox.Variable(param): m}))


def test_every_build_table_query_is_kept_and_equals_the_stores_answer(built, store):
    queries = {q.name: q for q in page_tables.table_queries()}
    assert {"page-funding-flows", "page-class-counts", "page-dataset-stats"} <= set(queries)
    assert queries["bcf-planned-vs-actual"].table_for_each == IA + "Programme"
    answers = 0
    for q, about, kept, result in kept_and_asked(store, build_folder(built)):
        assert kept is not None, f"the build kept no answer to {q.name} about {about}"
        names, rows = kept
        assert names == [v.value for v in result.variables], q.name
        fresh = [tuple(sol[n] for n in names) for sol in result]
        # The same rows; rows that tie in a query's ORDER BY may come in
        # another order from the store the build held in memory, and where a
        # query takes any one of several values (SAMPLE) it may take another:
        # then the rows are compared by their first column, the thing listed.
        if "SAMPLE(" in q.text:
            rows, fresh = [r[:1] for r in rows], [r[:1] for r in fresh]
        assert Counter(as_strings(names, rows)) == Counter(as_strings(names, fresh)), (q.name, about)
        answers += 1
    assert answers > len(queries)  # one programme query at least was kept for several programmes
    assert page_tables.read_table(build_folder(built), "page-resource-exists") is None
    assert page_tables.read_table(build_folder(built), "bcf-planned-vs-actual", IA + "NotAProgramme") is None


@pytest.fixture()
def copied(built, tmp_path) -> Settings:
    """A copy of the session's build home, free to edit (a build folder of
    its own, so nothing kept per build elsewhere is reused)."""
    home = tmp_path / "home"
    shutil.copytree(built.home, home, symlinks=True)
    return Settings.from_env(home=home)


def relabel_funding_flows(settings: Settings) -> str:
    """Give the funding-flow class another label in the kept class counts;
    return the real one."""
    table = build_folder(settings) / page_tables.TABLES_DIR / "page-class-counts.srj"
    data = json.loads(table.read_text())
    flow = next(b for b in data["results"]["bindings"] if b["class"]["value"] == IA + "FundingFlow")
    real = flow["classLabel"]["value"]
    flow["classLabel"]["value"] = "Money moved (as kept by the build)"
    table.write_text(json.dumps(data))
    return real


def test_pages_read_the_kept_answer(copied):
    real = relabel_funding_flows(copied)
    page = create_app(copied).test_client().get("/-/classes").get_data(as_text=True)
    assert "Money moved (as kept by the build)" in page and real not in page


def test_a_build_without_kept_answers_is_asked_instead(copied):
    real = relabel_funding_flows(copied)
    shutil.rmtree(build_folder(copied) / page_tables.TABLES_DIR)
    page = create_app(copied).test_client().get("/-/classes").get_data(as_text=True)
    assert "Money moved (as kept by the build)" not in page and real in page


def test_a_build_writes_its_tables_whole(built):
    folder = build_folder(built) / page_tables.TABLES_DIR
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    whole = {q.name + page_tables.SUFFIX for q in page_tables.table_queries() if q.table_for_each is None}
    each = {q.name for q in page_tables.table_queries() if q.table_for_each}
    assert whole <= set(files)
    assert {f.split("/")[0] for f in files if "/" in f} == each
    assert not [f for f in files if f.endswith(".part")]  # nothing half-written
    for name in files:
        json.loads((folder / name).read_text())  # each a complete JSON document


def test_the_funding_index_finds_every_flow_money_can_lie_within(built):
    app = create_app(built)
    with app.test_request_context("/-/funding"):
        flows = [dict(f) for f in money_flows.all_flows()]
    assert len(flows) > 50
    index = money_flows._by_funder_and_recipient(flows)
    pairs = 0
    for f in flows:
        near = {id(t) for t in money_flows._candidates(index, f)}
        for t in flows:
            if money_flows._within(f, t):
                pairs += 1
                assert id(t) in near, (f["flow"].value, t["flow"].value)
    assert pairs > 0


def test_funding_view_says_when_it_holds_only_the_first_flows(copied):
    client = create_app(copied).test_client()
    whole = client.get("/-/funding.json").get_json()
    assert whole["flows_held"] == whole["flows_in_graph"] > 10
    assert "funding flows (by programme, the largest first)" not in client.get("/-/funding").get_data(as_text=True)
    # As if page-funding-flows had reached its limit at 10 flows, in a build
    # of its own (what the pages keep per build is kept by build folder):
    edited = build_folder(copied).with_name("edited")
    shutil.copytree(build_folder(copied), edited)
    table = edited / page_tables.TABLES_DIR / "page-funding-flows.srj"
    data = json.loads(table.read_text())
    data["results"]["bindings"] = data["results"]["bindings"][:10]
    table.write_text(json.dumps(data))
    publish(copied, edited)
    cut = client.get("/-/funding.json").get_json()
    assert (cut["flows_held"], cut["flows_in_graph"]) == (10, whole["flows_in_graph"])
    page = " ".join(client.get("/-/funding").get_data(as_text=True).split())
    assert f"holds the first 10 of the graph's {whole['flows_in_graph']:,} funding flows" in page


def test_a_long_sum_shows_its_largest_terms_and_the_rest_added_up():
    from decimal import Decimal
    amounts = [Decimal(1_000_000 * (40 - i)) for i in range(30)]
    text = money_flows._sum_text(amounts, sum(amounts, Decimal(0)))
    shown = money_flows.SUM_TERMS_SHOWN
    assert text.startswith("£40m + £39m + ") and text.endswith(" = £765m")
    rest = sum(amounts[shown:], Decimal(0))
    assert f"£{rest / 1_000_000:g}m (the {30 - shown} smaller ones)" in text
    assert text.count(" + ") == shown
    assert money_flows._sum_text(amounts[:3], Decimal(117_000_000)) == "£40m + £39m + £38m = £117m"
