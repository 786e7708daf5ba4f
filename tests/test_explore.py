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
    internal = names[-6:]
    assert "ia:Unit" in internal and "ia:ValueKind" in internal
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
