"""The query page as people use it: the SPARQL editor in a real Chromium
(highlighting, completion from the atlas's own vocabulary and labels,
Ctrl+Enter), the same page without JavaScript, and the completions it asks
this service for. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from kg.config import PROJECT_ROOT
from web import create_app

from .conftest import http_request
from .test_browser import SHOTS, Tab, browser  # noqa: F401  (the browser fixture)

EDITOR_BUNDLE = PROJECT_ROOT / "web" / "static" / "vendor" / "yasqe.min.js"
needs_editor = pytest.mark.skipif(
    not EDITOR_BUNDLE.exists(),
    reason="the editor bundle is not installed: 'bash scripts/setup.sh' copies it from npm")


def get_json(server, path):
    status, headers, body = http_request(server, "GET", path)
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    return json.loads(body)


def predeclares_prefixes(server) -> bool:
    status, _h, _b = http_request(server, "GET", "/sparql?" + urlencode(
        {"query": "ASK { ?p a ia:Programme }"}), headers={"Accept": "application/sparql-results+json"})
    return status == 200


def editor_tab(browser, server, path="/sparql"):  # noqa: F811
    tab = Tab(browser, server.url)
    tab.goto(path)
    tab.page.wait_for_selector(".editor[data-ready] .CodeMirror")
    return tab


def type_fresh(page, text: str):
    page.click(".CodeMirror")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def test_completions_come_from_the_atlas(live_server):
    vocab = get_json(live_server, "/-/completions.json")
    assert "ia:Programme" in vocab["classes"] and "ia:Site" in vocab["classes"]
    assert "ia:takesPartIn" in vocab["properties"] and "rdfs:label" in vocab["properties"]
    assert vocab["prefixes"]["ia"] == "https://w3id.org/integration-atlas/def/"
    found = get_json(live_server, "/-/completions.json?q=vanguard")["resources"]
    assert found and all(r["text"] and r["label"] for r in found)
    assert any(r["text"] == "prog:vanguards" for r in found)


def test_page_falls_back_to_a_text_area_without_the_bundle(built, tmp_path):
    app = create_app(built)
    app.static_folder = str(tmp_path)  # no vendor/ here
    page = app.test_client().get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<textarea id="query"' in page and "yasqe" not in page
    app.static_folder = str(PROJECT_ROOT / "web" / "static")
    if EDITOR_BUNDLE.exists():
        page = app.test_client().get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
        assert "/static/vendor/yasqe.min.js" in page and '<textarea id="query"' in page


@pytest.mark.browser
def test_query_runs_without_javascript(browser, live_server):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/sparql")
        assert page.locator(".CodeMirror").count() == 0
        page.fill("#query", "PREFIX ia: <https://w3id.org/integration-atlas/def/>\n"
                  "SELECT ?p WHERE { ?p a ia:Programme }")
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert page.locator("#results table.results tbody tr").count() >= 5
    finally:
        context.close()


@needs_editor
@pytest.mark.browser
def test_editor_completes_classes_and_labels(browser, live_server):  # noqa: F811
    tab = editor_tab(browser, live_server)
    try:
        page = tab.page
        # highlighting: keywords and variables get CodeMirror's token classes
        assert page.locator(".CodeMirror .cm-keyword").count() >= 1
        assert page.locator(".CodeMirror .cm-atom").count() >= 1
        type_fresh(page, "SELECT * WHERE { ?p a ia:Pro")
        hints = page.locator(".CodeMirror-hints")
        hints.wait_for()
        offered = hints.inner_text().split("\n")
        assert "ia:Programme" in offered
        tab.shot("20-query-editor-completion")
        page.keyboard.press("Enter")  # takes the first offer
        assert "ia:Programme" in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
        # a resource by its label: '@' and part of the name
        page.keyboard.type(" . ?s ia:careModel @pacs")
        page.locator(".CodeMirror-hints", has_text="cm:pacs").wait_for()
        first = page.locator(".CodeMirror-hints li").first.inner_text()
        assert first.endswith("cm:pacs"), first  # the care model, by its acronym, first
        page.keyboard.press("Enter")
        assert "ia:careModel cm:pacs" in page.evaluate(
            "document.querySelector('.CodeMirror').CodeMirror.getValue()")
        assert tab.errors == []
    finally:
        tab.close()


@needs_editor
@pytest.mark.browser
def test_query_without_prefix_lines_runs_by_ctrl_enter(browser, live_server):  # noqa: F811
    if not predeclares_prefixes(live_server):
        pytest.skip("the endpoint does not predeclare the atlas's prefixes yet "
                    "(the 'Prefixes predeclared' part of the query path)")
    tab = editor_tab(browser, live_server)
    try:
        page = tab.page
        type_fresh(page, "SELECT ?p ?label WHERE { ?p a ia:Programme ; rdfs:label ?label }")
        page.keyboard.press("Escape")
        assert page.locator(".gutterErrorBar .parseErrorIcon").count() == 0
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        assert page.locator("#results table.results tbody tr").count() >= 5
        assert page.locator("#results a[href='/id/programme/vanguards']").count() >= 1
        assert tab.errors == []
    finally:
        tab.close()


@needs_editor
@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 400])
def test_query_page_fits_the_screen(browser, live_server, width):  # noqa: F811
    tab = Tab(browser, live_server.url)
    try:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.goto("/sparql")
        tab.page.wait_for_selector(".editor[data-ready] .CodeMirror")
        tab.shot(f"21-query-page-{width}")
        assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert tab.errors == []
    finally:
        tab.close()


# ---------------------------------------------------------------------------
# Results people can read, and views


def page_of(server, query: str, **params) -> str:
    status, _h, body = http_request(server, "GET", "/sparql?" + urlencode({"query": query, **params}),
                                    headers={"Accept": "text/html"})
    assert status == 200, body[:500]
    return body.decode("utf-8")


def sparql_json(server, query: str, **params) -> list[dict]:
    status, _h, body = http_request(server, "GET", "/sparql?" + urlencode({"query": query, **params}),
                                    headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body[:500]
    return json.loads(body)["results"]["bindings"]


def named_example(name):
    from kg import queries
    from web.query_form import editor_text

    q = queries.get(name)
    return editor_text(q), {f"${k}": v for k, v in q.params.items()}


def test_results_show_labels_formatted_numbers_and_quiet_tags(live_server):
    from web.linking import money

    text, params = named_example("funding-by-care-model")
    rows = sparql_json(live_server, text, **params)
    assert rows
    html = page_of(live_server, text, **params)
    from lxml import html as lx  # noqa: PLC0415

    doc = lx.fromstring(html)
    cells = doc.xpath("//table[@class='results']/tbody/tr")
    assert len(cells) == len(rows)
    first = cells[0]
    link = first.xpath("./td[1]/a")[0]
    # the care model's label, linked to its page, with its prefixed name quietly beside it
    assert link.get("href") == "/id/care-model/" + rows[0]["careModel"]["value"].rsplit("/", 1)[-1]
    assert link.text_content() == rows[0]["careModelLabel"]["value"]
    assert first.xpath("./td[1]/span[@class='quiet']")[0].text_content().startswith("cm:")
    # amounts in pounds, short: £148.8m, not 148850000^^xsd:decimal
    amount = first.xpath("./td[3]")[0].text_content().strip()
    assert amount == money(rows[0]["amount"]["value"]) and amount.startswith("£")
    assert "^^" not in html and "@en" not in html


def test_bar_chart_view_is_chosen_by_the_query_and_drawn_with_its_table(live_server):
    text, params = named_example("funding-by-care-model")
    assert "#defaultView:BarChart" in text
    rows = sparql_json(live_server, text, **params)
    from lxml import html as lx  # noqa: PLC0415

    doc = lx.fromstring(page_of(live_server, text, **params))
    assert len(doc.xpath("//svg[contains(@class,'bars')]//rect[@class='bar']")) == len(rows)
    assert len(doc.xpath("//table[@class='results']/tbody/tr")) == len(rows)
    assert doc.xpath("//nav[@class='views']/strong")[0].text_content() == "Bar chart"
    # the table view of the same query, by its own link; every download answers
    table_link = doc.xpath("//nav[@class='views']/a[@data-view='table']/@href")[0]
    status, _h, body = http_request(live_server, "GET", table_link, headers={"Accept": "text/html"})
    assert status == 200 and b"svg" not in body.split(b'id="results"')[1].split(b"</section>")[0]
    for href in doc.xpath("//p[@class='downloads']/a[@download]/@href"):
        status, _h, body = http_request(live_server, "GET", href)
        assert status == 200 and body, href


def test_timeline_and_graph_views(live_server):
    from lxml import html as lx  # noqa: PLC0415

    timeline = """PREFIX ia: <https://w3id.org/integration-atlas/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
#defaultView:Timeline
SELECT ?programme ?start ?end WHERE { ?programme a ia:Programme ; ia:startDate ?start OPTIONAL { ?programme ia:endDate ?end } }"""
    n = len(sparql_json(live_server, timeline))
    doc = lx.fromstring(page_of(live_server, timeline))
    assert n >= 3
    assert len(doc.xpath("//svg[contains(@class,'dated')]//g[@class='item']")) == n
    graph = """PREFIX ia: <https://w3id.org/integration-atlas/def/>
CONSTRUCT { ?a ia:follows ?b } WHERE { ?a ia:follows ?b }"""
    doc = lx.fromstring(page_of(live_server, graph, view="graph"))
    assert doc.xpath("//svg[contains(@class,'network')]//line[@class='edge']")
    assert doc.xpath("//svg[contains(@class,'network')]//a[starts-with(@href,'/id/programme/')]")
    # a view the result cannot have falls back to the table
    doc = lx.fromstring(page_of(live_server, timeline.replace("#defaultView:Timeline", ""), view="bar"))
    assert not doc.xpath("//figure[contains(@class,'result-view')]")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 400])
def test_bar_chart_in_the_browser(browser, live_server, width):  # noqa: F811
    text, params = named_example("funding-by-care-model")
    tab = Tab(browser, live_server.url)
    try:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.goto("/sparql?" + urlencode({"query": text, **params}))
        bars = tab.page.locator("figure.result-view svg.bars rect.bar")
        assert bars.count() >= 3
        assert all(bars.nth(i).bounding_box()["width"] > 0 for i in range(bars.count()))
        assert tab.page.locator("#results table.results tbody tr").count() == bars.count()
        tab.page.locator("#results").scroll_into_view_if_needed()
        tab.shot(f"22-bar-chart-{width}")
        assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert tab.errors == []
    finally:
        tab.close()


# ---------------------------------------------------------------------------
# Every table says where it came from


PAGES_WITH_TABLES = ["/", "/-/classes", "/-/class/ia:Site", "/-/funding", "/-/search?q=PACS",
                     "/id/programme/vanguards", "/id/care-model/pacs", "/id/document/nao-vanguards-2018"]


def behind_links(server, path):
    from lxml import html as lx  # noqa: PLC0415

    status, _h, body = http_request(server, "GET", path, headers={"Accept": "text/html"})
    assert status == 200
    doc = lx.fromstring(body.decode("utf-8"))
    return doc, doc.xpath("//p[@class='behind']/a/@href")


def test_every_query_behind_a_page_runs(live_server):
    from lxml import html as lx  # noqa: PLC0415

    for path in PAGES_WITH_TABLES:
        _doc, links = behind_links(live_server, path)
        assert links, f"{path} has no link to the query behind its tables"
        for href in links:
            assert href.startswith("/sparql?query=")
            status, _h, body = http_request(live_server, "GET", href, headers={"Accept": "text/html"})
            assert status == 200, (path, href, body[:300])
            result = lx.fromstring(body.decode("utf-8"))
            assert not result.xpath("//div[@class='error']"), (path, href)
            # it ran: a section that is empty on this page (no targets of the
            # vanguards, say) links a query that answers with no rows
            assert result.xpath("//section[@id='results']"), (path, href)


def test_query_behind_the_sites_table_reproduces_it(live_server):
    doc, _links = behind_links(live_server, "/id/programme/vanguards")
    section = doc.xpath("//section[@class='sites']")[0]
    shown = set(section.xpath(".//a[starts-with(@href,'/id/site/')]/@href"))
    href = section.xpath(".//p[@class='behind']/a/@href")[0]
    status, _h, body = http_request(live_server, "GET", href.replace("/sparql?", "/sparql?format=json&", 1))
    assert status == 200
    rows = json.loads(body)["results"]["bindings"]
    found = {"/id/site/" + r["site"]["value"].rsplit("/id/site/", 1)[1] for r in rows}
    assert len(shown) >= 20 and found == shown
