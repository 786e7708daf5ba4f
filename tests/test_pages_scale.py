"""Pages of resources and classes too large to list or sort whole (hubs).

A national graph has resources that tens of thousands of claims name; their
pages show one bounded page with the totals and a link to the rest. Here the
thresholds are lowered so that the real build has hubs: every claim, link and
class member must still be listed exactly once across the pages, and the
counts must agree with the complete, sorted lists.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import urllib.parse

import pytest

from web import classes, create_app, exports, pages, resources

NHS_ENGLAND = "https://w3id.org/integration-atlas/id/organisation/nhs-england"
NAO_REPORT = "https://w3id.org/integration-atlas/id/document/nao-vanguards-2018"


@pytest.fixture(scope="module")
def app(built):
    return create_app(built)


@pytest.fixture()
def client(app):
    return app.test_client()


def claim_links(html: str) -> list[str]:
    return re.findall(r'<td><a href="(/id/(?!document/)[^"]+)"', html)


def every_page(client, first: str) -> list[str]:
    """The HTML of a paged listing, following its "next" links."""
    out, url = [], first
    while url:
        r = client.get(url)
        assert r.status_code == 200, url
        out.append(r.text)
        nxt = re.search(r'<a href="([^"]+)" rel="next">', r.text)
        url = htmllib.unescape(nxt.group(1)) if nxt else None
    return out


def test_small_resources_list_every_claim_sorted(client):
    with client.application.app_context():
        full = resources.claim_rows(NHS_ENGLAND)
        found = resources.claims_of(NHS_ENGLAND, resources.incoming_count(NHS_ENGLAND))
    assert not found["paged"] and found["total"] == len(full) > resources.CLAIMS_PAGE // 2
    html = client.get("/id/organisation/nhs-england").text
    assert f'Claims that name it <span class="count">({len(full)})</span>' in html
    # the page lists the first of them in the sorted order, the rest by a link
    section = html.split('id="claims-h"')[1].split("</section>")[0]
    expected = [c["claim"].value.split("/id/", 1)[1] for c in full[:resources.CLAIMS_ON_PAGE]]
    assert [c.split("/id/", 1)[1] for c in claim_links(section)][:len(expected)] == expected
    assert ("/-/claims?uri=" in section) == (len(full) > resources.CLAIMS_ON_PAGE)


def test_hub_shows_a_page_of_claims_with_the_total_and_the_rest_paged(client, monkeypatch):
    with client.application.app_context():
        full = {c["claim"].value for c in resources.claim_rows(NHS_ENGLAND)}
    monkeypatch.setattr(resources, "SORTED_MAX", 5)
    monkeypatch.setattr(resources, "CLAIMS_PAGE", 7)
    html = client.get("/id/organisation/nhs-england").text
    section = html.split('id="claims-h"')[1].split("</section>")[0]
    assert f'<span class="count">({len(full)})</span>' in section
    assert len(claim_links(section)) == 7
    assert f"Showing 7 of {len(full)}" in section
    more = re.search(r'href="(/-/claims\?uri=[^"]+)"', section).group(1)
    listed = [c for page in every_page(client, htmllib.unescape(more)) for c in claim_links(page)]
    assert len(listed) == len(set(listed)) == len(full)  # each claim once
    assert {"https://w3id.org/integration-atlas" + c for c in listed} == full


def test_hub_document_counts_the_claims_that_cite_it(client, monkeypatch):
    with client.application.app_context():
        full = resources.claim_rows(NAO_REPORT)
    citing = sum("source" in c["relations"] for c in full)
    monkeypatch.setattr(resources, "SORTED_MAX", 5)
    monkeypatch.setattr(resources, "CLAIMS_PAGE", 10)
    html = client.get("/id/document/nao-vanguards-2018").text
    cite = html.split('id="cite-h"')[1].split("</section>")[0]
    assert f'<span class="count">({citing})</span>' in cite
    assert f"All {len(full)} claims that name this resource" in cite


def test_hub_incoming_links_are_each_listed_once(client, monkeypatch):
    quoted = urllib.parse.quote(NHS_ENGLAND, safe="")
    sorted_pages = every_page(client, f"/-/incoming?uri={quoted}")
    monkeypatch.setattr(resources, "SORTED_MAX", 5)
    monkeypatch.setattr(resources, "INCOMING_PAGE", 40)
    store_order = every_page(client, f"/-/incoming?uri={quoted}")
    assert "in the order the store keeps them" in store_order[0]

    def links(pages_):
        return [row for p in pages_ for row in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", p)]
    assert len(store_order) > len(sorted_pages)
    assert sorted(links(store_order)) == sorted(links(sorted_pages))
    assert len(set(links(store_order))) == len(links(store_order))


def test_large_class_pages_cover_every_member_once(client, monkeypatch):
    whole = json.loads(client.get("/-/class/ia:Site.json?size=500").data)
    monkeypatch.setattr(pages, "CLASS_SORTED_MAX", 10)
    first = json.loads(client.get("/-/class/ia:Site.json?size=25").data)
    assert first["total"] == whole["total"] and first["sorted"] == "within the page"
    labels = [r["label"] for r in first["rows"]]
    assert labels == sorted(labels, key=str.lower)  # each page is sorted
    seen, page = [], 1
    while True:
        body = json.loads(client.get(f"/-/class/ia:Site.json?size=25&page={page}").data)
        seen += [r["id"] for r in body["rows"]]
        if not body["truncated"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == whole["total"]
    assert set(seen) == {r["id"] for r in whole["rows"]}
    assert "too many to sort them all" in client.get("/-/class/ia:Site").text
    # A filter that leaves few members sorts them all again.
    only = json.loads(client.get("/-/class/ia:Site.json?q=zzzqqq").data)
    assert only["total"] == 0 and only["sorted"] == "all"


def test_dataset_figures_are_counted_once_per_build(client, monkeypatch):
    client.get("/")
    client.get("/.well-known/void")
    calls = []
    real_rows = pages.rows

    def counting(name, *args, **kwargs):
        calls.append(name)
        return real_rows(name, *args, **kwargs)
    monkeypatch.setattr(pages, "rows", counting)
    monkeypatch.setattr(classes, "rows", counting)
    monkeypatch.setattr(exports, "rows", counting)
    assert client.get("/").status_code == 200
    assert client.get("/-/classes").status_code == 200
    assert client.get("/.well-known/void?format=ttl").status_code == 200
    assert client.get("/.well-known/void?format=nt").status_code == 200
    assert not {"page-class-counts", "page-dataset-stats", "page-dataset-properties",
                "page-dataset-classes", "page-dataset-sources"} & set(calls)
