"""Every named query runs against the real build and answers, with sources."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import queries

NAMED = sorted(queries.all_queries())


def run(store, q: queries.NamedQuery):
    subs = {ox.Variable(k): ox.NamedNode(v) for k, v in q.params.items()}
    return store.query(q.text, substitutions=subs)


@pytest.mark.parametrize("name", NAMED)
def test_named_query_is_described_and_runs(store, name):
    q = queries.get(name)
    assert q.title and q.description, f"{name}.rq needs '# title:' and '# description:' lines"
    result = run(store, q)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        for p in q.params:
            assert p in names, f"parameter ?{p} must be projected so it can be bound"
        rows = list(result)
        if not name.startswith("page-"):
            assert rows, f"{name} returned nothing on the real data"


def test_figure_claims_put_differing_savings_side_by_side(store):
    rows = list(run(store, queries.get("figure-claims")))
    by_value: dict[str, list] = {}
    for r in rows:  # a figure that several documents state is several rows
        by_value.setdefault(r["value"].value, []).append(r)
    assert {"324000000", "900000000"} <= set(by_value)
    nao = [r for r in by_value["324000000"] if "HC 1129" in r["sourceLabel"].value]
    assert len(nao) == 1 and nao[0]["locator"].value.startswith("Key facts")
    assert any("900m" in r["sourceLabel"].value for r in by_value["900000000"])


def test_lineage_of_vanguards_names_what_came_before(store):
    rows = list(run(store, queries.get("programme-lineage")))
    before = {r["otherLabel"].value for r in rows if r["direction"].value == "before"}
    assert {"Integrated care pilots", "Integrated care and support pioneers",
            "Five Year Forward View", "New care models programme",
            "System Transformation Group"} <= before


def test_unknown_named_query_is_a_clear_error():
    with pytest.raises(KeyError, match="no named query"):
        queries.get("no-such-query")


def test_readme_answers_the_vanguard_money_question_in_twelve_lines(store):
    """README's "Modelling in brief" query: how much did NHS England give the 50
    vanguards from 2015-16 to 2017-18, and who says so? One preferred £329m,
    with the four documents that give it."""
    from kg.config import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Modelling in brief", 1)[1].split("\n## ", 1)[0]
    text = section.split("```sparql\n", 1)[1].split("```", 1)[0]
    assert len(text.strip().splitlines()) <= 12
    rows = list(store.query(text))
    assert {r["amount"].value for r in rows} == {"329000000"}
    assert len({r["flow"].value for r in rows}) == 1
    assert len({r["document"].value for r in rows}) == 4
    assert all(r["locator"].value for r in rows)
