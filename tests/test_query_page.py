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
        assert page.locator("table.results tbody tr").count() >= 5
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
        assert page.locator("table.results tbody tr").count() >= 5
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
