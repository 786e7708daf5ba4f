"""Every page type, fetched from a real server: home, class indexes (HTML,
JSON, CSV), search, programme, site, organisation, claim, source document,
funding, ontology, validation. Asserts structure and known resources, not
totals (the data keeps growing)."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.parse

from .test_pages_resources import BROWSER_ACCEPT, fetch


def page(live_server, path: str) -> str:
    r = fetch(live_server.url, path, BROWSER_ACCEPT)
    assert r.status == 200, f"{path}: {r.status}\n{r.text[:2000]}"
    assert r.content_type == "text/html; charset=utf-8"
    return r.text


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_home(live_server):
    html = page(live_server, "/")
    assert "<h1>The integration atlas</h1>" in html
    # Counts by class, each linking to its index.
    assert re.search(r'href="/-/class/ia:Programme">Programme</a>.*?<td class="num">\d+</td>', html, re.S)
    # The programmes on a timeline, each bar a link to the programme.
    assert 'class="chart timeline"' in html
    assert re.search(r'<svg[^>]*class="chart timeline".*href="/id/programme/vanguards".*</svg>', html, re.S)
    # Entry points and the dataset description.
    for target in ("/-/funding", "/-/search", "/sparql", "/-/downloads", "/.well-known/void", "/-/ontology"):
        assert target in hrefs(html) or f'action="{target}"' in html, target
    assert '<link rel="alternate" type="text/turtle" href="/.well-known/void"' in html


def test_classes_and_class_index(live_server):
    html = page(live_server, "/-/classes")
    assert 'href="/-/class/ia:Site"' in html
    html = page(live_server, "/-/class/ia:Programme")
    assert 'href="/id/programme/vanguards"' in html
    assert 'name="q"' in html and 'name="sort"' in html
    assert 'href="/-/class/ia:Programme.json"' in html and 'href="/-/class/ia:Programme.csv"' in html
    # Subclasses count: reports and articles are source documents (filtered to
    # the NAO's, as there are more documents than one page holds).
    html = page(live_server, "/-/class/ia:SourceDocument?q=NAO")
    assert 'href="/id/document/nao-vanguards-2018"' in html


def test_class_index_pages_sorts_and_filters(live_server):
    r = fetch(live_server.url, "/-/class/ia:Programme.json?size=2")
    body = json.loads(r.body)
    assert body["ok"] and len(body["rows"]) == 2 and body["total"] > 2 and body["truncated"]
    assert 'rel="next"' in r.headers["Link"]
    nxt = json.loads(fetch(live_server.url, body["next_url"].replace("ia:Programme?", "ia:Programme.json?")).body)
    assert {x["id"] for x in nxt["rows"]}.isdisjoint({x["id"] for x in body["rows"]})
    up = [x["label"] for x in json.loads(fetch(live_server.url, "/-/class/ia:Programme.json").body)["rows"]]
    down = [x["label"] for x in json.loads(fetch(live_server.url, "/-/class/ia:Programme.json?sort=-label").body)["rows"]]
    assert up == sorted(up, key=str.lower) and down == list(reversed(up))
    only = json.loads(fetch(live_server.url, "/-/class/ia:Programme.json?q=VANGUARD").body)
    assert [x["label"] for x in only["rows"]] == ["Vanguard programme"]
    assert fetch(live_server.url, "/-/class/ia:Programme.json?size=100000").status == 200  # capped, not refused
    assert fetch(live_server.url, "/-/class/ia:Programme.json?page=x").status == 400
    assert fetch(live_server.url, "/-/class/nope:Thing", BROWSER_ACCEPT).status == 404


def test_class_index_csv_opens_in_excel(live_server):
    r = fetch(live_server.url, "/-/class/ia:Site.csv?size=500")
    assert r.status == 200
    assert r.content_type == "text/csv; charset=utf-8"
    assert r.body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert "attachment" in r.headers["Content-Disposition"]
    assert b"\r\n" in r.body
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[0] == ["id", "label", "type", "description"]
    assert len(rows) > 10 and all(len(row) == 4 for row in rows)
    assert all(row[0].startswith("http") for row in rows[1:])


def test_search(live_server):
    html = page(live_server, "/-/search?q=vanguard")
    assert 'href="/id/programme/vanguards"' in html
    body = json.loads(fetch(live_server.url, "/-/search.json?q=nhs%20england").body)
    assert any(r["id"].endswith("/id/organisation/nhs-england") for r in body["rows"])
    assert "No label contains" in page(live_server, "/-/search?q=zzzqqqxxx")


def test_programme_page_has_lineage_sites_and_money(live_server):
    html = page(live_server, "/id/programme/vanguards")
    lineage = re.search(r'<svg[^>]*class="chart lineage".*?</svg>', html, re.S).group(0)
    for other in ("integrated-care-pioneers", "new-care-models", "five-year-forward-view"):
        assert f'href="/id/programme/{other}"' in lineage
    # its own dates, the end at its precision (March 2018), as its page writes it
    assert "2015-01-01 to 2018-03" in lineage and "2018-03-01" not in lineage
    assert "<em>follows</em>" in html  # the lineage table
    # Sites by care model, each site a link.
    sites = html.split('id="sites-h"')[1].split("</section>")[0]
    assert len(re.findall(r'href="/id/site/', sites)) >= 20
    assert 'href="/id/care-model/' in sites
    # Money: a Sankey whose bands link to funding flows, and a table with sources.
    sankey = re.search(r'<svg[^>]*class="chart sankey".*?</svg>', html, re.S).group(0)
    assert 'href="/id/flow/nao2018-mcp-funding"' in sankey
    assert 'class="band"' in sankey
    money = html.split('id="money-h"')[1].split("</section>")[0]
    assert 'href="/id/flow/nhse-vanguards-2015-18#dossier"' in money  # the headline figure's dossier
    assert 'href="/id/document/nao-vanguards-2018"' in money  # and its source
    assert 'href="/-/funding?programme=' in money  # every flow is in the funding view


def test_site_and_organisation_pages(live_server):
    html = page(live_server, "/id/programme/vanguards")
    site = re.search(r'href="(/id/site/[^"]+)"', html.split('id="sites-h"')[1]).group(1)
    html = page(live_server, site)
    assert 'href="/def/takesPartIn"' in html and 'href="/id/programme/vanguards"' in html
    html = page(live_server, "/id/organisation/nhs-england")
    assert "<h1>NHS England</h1>" in html
    assert 'id="claims-h"' in html and 'id="money-h"' in html
    assert "Referred to by" in html


def test_claim_page_shows_source_and_locator(live_server):
    html = page(live_server, "/id/claim/nao2018-direct-investment")
    prov = html.split('id="prov-h"')[1].split("</section>")[0]
    assert 'href="/id/document/nao-vanguards-2018"' in prov
    assert "Key facts, p.4" in prov


def test_conflicting_claims_side_by_side(live_server):
    """Two statements of one item that dispute each other, on the item's page."""
    html = page(live_server, "/id/figure/nao2018-predicted-savings")
    table = html.split('id="disp-h"')[1].split("</section>")[0]
    assert 'class="side-by-side"' in table
    assert 'href="/id/statement/s3-expected-savings-900m"' in table
    assert "£324m" in table and "£900m" in table
    # And among the real disagreements on the page of what the claims are about.
    real = page(live_server, "/id/programme/new-care-models").split('id="disagreements"')[1].split("</section>")[0]
    assert "£324m" in real and "£900m" in real and "official report over trade press" in real


def test_source_document_page_lists_every_claim_citing_it(live_server):
    html = page(live_server, "/id/document/nao-vanguards-2018")
    citing = html.split('id="cite-h"')[1].split("</section>")[0]
    assert "Figure 1, p.6" in citing
    # the page shows the first claims and links to every one, a page at a time
    more = re.search(r'<a href="(/-/claims\?uri=[^"]+)">All (\d+) claims', citing)
    assert more and int(more.group(2)) > 25
    listing = page(live_server, more.group(1).replace("&amp;", "&"))
    for item in ("flow/nhse-vanguards-2015-18", "figure/nao2018-predicted-savings", "figure/nao2018-vanguard-count"):
        assert f'href="/id/{item}"' in listing


def test_funding_view(live_server):
    html = page(live_server, "/-/funding")
    sankey = re.search(r'<svg[^>]*class="chart sankey".*?</svg>', html, re.S).group(0)
    bands = re.findall(r'<g class="flow" data-claim="([^"]+)"[^>]*><a href="([^"]+)">', sankey)
    assert len(bands) >= 5
    assert all(href.startswith("/id/flow/") for _iri, href in bands)
    # Every amount in the tables links to its flow, and every row names a source.
    rows = re.findall(r"<tr(?: class=\"not-drawn\")?>\s*<td class=\"value\">(.*?)</tr>", html, re.S)
    assert len(rows) >= 5
    for row in rows:
        assert re.match(r'<a href="/id/flow/[^"]+"', row), row[:200]
        assert 'href="/id/document/' in row or "derived from" in row, row[:300]
    # Filtered to one programme.
    one = page(live_server, "/-/funding?programme=" + urllib.parse.quote(
        "https://w3id.org/integration-atlas/id/programme/vanguards", safe=""))
    assert 'class="chart sankey"' in one


def test_ontology_page(live_server):
    html = page(live_server, "/-/ontology")
    assert 'id="Programme"' in html and 'id="FundingFlow"' in html and 'id="disputes"' in html
    assert "A national initiative, fund, strategy or policy" in html  # rdfs:comment
    assert "Subclass of" in html and "Domain" in html and "Range" in html
    assert 'href="/-/ontology.ttl"' in html


def test_validation_page(live_server):
    deadline = time.monotonic() + 300
    while True:
        r = fetch(live_server.url, "/-/validation.json")
        if r.status == 200 or time.monotonic() > deadline:
            break
        assert r.status == 202 and r.headers["Retry-After"]
        time.sleep(2)
    report = json.loads(r.body)
    assert report["conforms"] is True
    assert [v for v in report["violations"] if v["severity"] == "Violation"] == []
    # Warnings are published and listed: vague locators, single secondary sources, no period.
    warned = {v["shape"].split(" / ")[0].rsplit("/", 1)[-1] for v in report["violations"]}
    assert {"ReferenceLocatorStructured", "StatementSingleSecondary", "ItemPeriod"} <= warned
    assert any(s["focus"] > 0 for s in report["shapes"])
    html = page(live_server, "/-/validation")
    assert "conforms to its SHACL shapes" in html
    assert "shapes.ttl" in html


def test_incoming_links_are_paged(live_server):
    html = page(live_server, "/id/organisation/nhs-england")
    more = re.search(r'href="(/-/incoming\?uri=[^"]+)"', html)
    assert more, "NHS England is referred to by more statements than a page shows"
    listing = page(live_server, more.group(1).replace("&amp;", "&"))
    assert "statements in the atlas point at this resource" in listing
