"""Exploring without SPARQL: search that finds the obvious thing first, the
class list in order of importance, and facets with filtered downloads on the
class indexes; against a real server, and in a real Chromium."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest

from .conftest import http_request
from .test_browser import Tab, browser  # noqa: F401  (the browser fixture)

IA = "https://w3id.org/integration-atlas/def/"


def get(server, path, accept="text/html"):
    status, headers, body = http_request(server, "GET", path, headers={"Accept": accept})
    assert status == 200, (path, status, body[:300])
    return headers, body


def search(server, q, size=10):
    _h, body = get(server, f"/-/search.json?q={quote(q)}&size={size}", "application/json")
    return json.loads(body)["rows"]


@pytest.mark.parametrize("q, first", [
    ("PACS", "/id/care-model/pacs"), ("MCP", "/id/care-model/mcp"), ("BCF", "/id/programme/"),
    ("STP", "/id/programme/"), ("ICS", "/id/programme/")])
def test_acronyms_find_the_thing_first(live_server, q, first):
    rows = search(live_server, q)
    assert rows[0]["id"].split("integration-atlas", 1)[1].startswith(first), rows[:3]


def test_claims_come_after_programmes_care_models_and_organisations(live_server):
    claims = {IA + c for c in ("Figure", "FundingFlow", "Event", "Finding", "OrganisationRole", "Post",
                              "Target", "Outcome", "DerivedClaim")}
    for q in ("Wirral", "vanguard", "Better Care"):
        rows = search(live_server, q, 50)
        kinds = [r["type"] in claims for r in rows]
        assert False in kinds and True in kinds, q
        # within the same kind of match, no claim stands before a starting point
        first_claim = kinds.index(True)
        assert all(r["type"] in claims or r["type"] not in {IA + "Programme", IA + "CareModel"}
                   for r in rows[first_claim:] if r["label"].lower().startswith(q.lower())), q


def test_class_list_starts_with_what_people_look_for(live_server):
    from lxml import html as lx  # noqa: PLC0415

    _h, body = get(live_server, "/-/classes")
    doc = lx.fromstring(body.decode("utf-8"))
    names = [c.text_content() for c in doc.xpath("//table[@class='class-counts']//code[@class='iri']")]
    groups = [g.text_content() for g in doc.xpath("//tr[@class='group']/th")]
    assert names[:2] == ["ia:Programme", "ia:Site"]
    assert names.index("ia:CareModel") < 8
    assert groups == ["Start here", "Statements and other resources", "Internal: controlled terms"]
    internal = [c.text_content() for c in doc.xpath(
        "//tr[@class='group'][th='Internal: controlled terms']/following-sibling::tr//code[@class='iri']")]
    assert internal == names[-len(internal):]
    assert "ia:Unit" in internal and "ia:ValueKind" in internal and "ia:Programme" not in internal
    assert names.index("ia:FundingFlow") < names.index("ia:Figure") < names.index("ia:Unit")


@pytest.mark.browser
def test_search_pacs_in_the_browser(browser, live_server):  # noqa: F811
    tab = Tab(browser, live_server.url)
    try:
        tab.goto("/-/search")
        tab.page.fill("#s-q", "PACS")
        with tab.page.expect_navigation():
            tab.page.click("form.search button")
        first = tab.page.locator("ol.results li a").first
        assert first.get_attribute("href") == "/id/care-model/pacs"
        tab.shot("30-search-pacs")
        assert tab.errors == []
    finally:
        tab.close()


# ---------------------------------------------------------------------------
# Facets and filtered downloads


def sites_with(server, prop, value):
    query = f"SELECT DISTINCT ?s WHERE {{ ?s a <{IA}Site> ; <{prop}> <{value}> }}"
    _h, body = get(server, "/sparql?" + "query=" + quote(query), "application/sparql-results+json")
    return {b["s"]["value"] for b in json.loads(body)["results"]["bindings"]}


def index_rows(server, path):
    from lxml import html as lx  # noqa: PLC0415

    _h, body = get(server, path)
    doc = lx.fromstring(body.decode("utf-8"))
    return doc, doc.xpath("//table[@class='index']/tbody/tr[td/code]")


def test_site_index_facets_count_and_narrow(live_server):
    doc, rows = index_rows(live_server, "/-/class/ia:Site?size=500")
    labels = [s.text_content().split("(")[0].strip() for s in doc.xpath("//details[@class='facet']/summary")]
    for wanted in ("takes part in", "care model", "in wave", "area"):
        assert wanted in labels, labels
    facet = doc.xpath("//details[@class='facet'][starts-with(normalize-space(summary), 'care model')]")[0]
    for li in facet.xpath(".//li"):
        href = li.xpath("./a/@href")[0]
        count = int(li.xpath("./span[@class='count']")[0].text_content())
        _d, narrowed = index_rows(live_server, href)
        assert len(narrowed) == count, href
    # two facets at once: each narrows further, and the chosen one can be removed
    pacs = "/-/class/ia:Site?ia:careModel=cm:pacs"
    _d, only_pacs = index_rows(live_server, pacs)
    expected = sites_with(live_server, IA + "careModel", "https://w3id.org/integration-atlas/id/care-model/pacs")
    assert len(only_pacs) == len(expected) > 3
    doc, _r = index_rows(live_server, pacs)
    remove = doc.xpath("//p[@class='chosen']//a/@href")[0]
    _d, back = index_rows(live_server, remove)
    assert len(back) > len(only_pacs)


def test_filtered_downloads_hold_exactly_what_is_shown(live_server):
    path = "/-/class/ia:Site?ia:careModel=cm:mcp&sort=-label"
    doc, rows = index_rows(live_server, path)
    shown = [r.xpath("./td[1]/a/@href")[0] for r in rows]
    csv_href = doc.xpath("//p[@class='summary']/a[text()='CSV']/@href")[0]
    json_href = doc.xpath("//p[@class='summary']/a[text()='JSON']/@href")[0]
    headers, body = get(live_server, csv_href, "text/csv")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert "filtered" in headers["content-disposition"]
    ids = ["/id/site/" + r[0].rsplit("/id/site/", 1)[1] for r in table[1:]]
    assert ids == shown and len(ids) == len(sites_with(
        live_server, IA + "careModel", "https://w3id.org/integration-atlas/id/care-model/mcp"))
    _h, body = get(live_server, json_href, "application/json")
    data = json.loads(body)
    assert ["/id/site/" + r["id"].rsplit("/id/site/", 1)[1] for r in data["rows"]] == shown
    assert data["filters"] == [{"property": IA + "careModel",
                                "value": "https://w3id.org/integration-atlas/id/care-model/mcp"}]
    # the query behind the filtered table finds the same sites
    behind = doc.xpath("//p[@class='behind']/a/@href")[0]
    _h, body = get(live_server, behind.replace("/sparql?", "/sparql?format=json&", 1), "application/json")
    found = {"/id/site/" + b["item"]["value"].rsplit("/id/site/", 1)[1]
             for b in json.loads(body)["results"]["bindings"]}
    assert found == set(shown)


def test_bad_facet_filters_are_refused(live_server):
    for bad in ("ia:careModel=not%20an%20iri", "nope:thing=cm:pacs"):
        status, _h, body = http_request(live_server, "GET", f"/-/class/ia:Site?{bad}",
                                        headers={"Accept": "text/html"})
        assert status == 400 and b"filter" in body, bad


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 400])
def test_facet_narrows_the_site_index_in_the_browser(browser, live_server, width):  # noqa: F811
    tab = Tab(browser, live_server.url)
    try:
        page = tab.page
        page.set_viewport_size({"width": width, "height": 900})
        tab.goto("/-/class/ia:Site?size=500")
        before = page.locator("table.index tbody tr").count()
        facet = page.locator("details.facet", has=page.locator("summary", has_text="care model"))
        choice = facet.locator("li").first
        count = int(choice.locator(".count").inner_text())
        with page.expect_navigation():
            choice.locator("a").click()
        rows = page.locator("table.index tbody tr")
        assert rows.count() == count < before
        tab.shot(f"31-site-index-facet-{width}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        csv_href = page.locator("p.summary a", has_text="CSV").get_attribute("href")
        _h, body = get(live_server, csv_href, "text/csv")
        ids = [r[0] for r in list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]]
        shown = [rows.nth(i).locator("td a").first.get_attribute("href") for i in range(rows.count())]
        assert ["/id/site/" + i.rsplit("/id/site/", 1)[1] for i in ids] == shown
        assert tab.errors == []
    finally:
        tab.close()
