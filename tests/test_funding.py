"""The funding view adds up: each flow drawn once at its preferred value, a
total and its parts drawn once, kinds never summed; its JSON and CSV hold the
same flows as the page; its Sankey labels are readable in a real Chromium at
1400 and 400 px, and the page never scrolls sideways.

Screenshots go to test-output/screenshots/ (docs/funding-view.png is one).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from urllib.parse import unquote

import pytest
from markupsafe import escape

from .conftest import http_request
from .test_browser import CHROMIUM_ARGS, SHOTS, Tab, browser  # noqa: F401  (fixture)

ID = "https://w3id.org/integration-atlas/id/"
VANGUARDS_ALL = "programme=vanguards&kind=spent&year=all"
CARE_MODELS = {ID + f"care-model/{k}": v for k, v in
               {"mcp": 124e6, "pacs": 103e6, "acc": 72e6, "ehch": 18e6, "uec": 13e6}.items()}


def get(server, path):
    status, headers, body = http_request(server, "GET", path)
    return status, headers, body.decode("utf-8")


def view(server, query):
    status, _h, body = get(server, "/-/funding.json?" + query)
    assert status == 200, body
    return json.loads(body)


def test_vanguards_spent_all_years_draws_329m_once_with_its_care_models(live_server):
    data = view(live_server, VANGUARDS_ALL)
    flows = data["flows"]
    to_vanguards = [f for f in flows if f["funder"] == ID + "organisation/nhs-england"
                    and f["recipient"] == [ID + "programme/vanguards"]]
    assert [f["amount"] for f in to_vanguards] == [329_000_000]
    total = to_vanguards[0]["thing"]
    inside = {f["recipient"][0]: f["amount"] for f in flows if f.get("part_of") == total}
    assert inside == CARE_MODELS
    # One thing, one statement: nothing drawn twice.
    things = Counter(f["thing"] for f in flows if f["thing"])
    statements = Counter(f["statement"] for f in flows if f["statement"])
    assert max(things.values()) == 1 and max(statements.values()) == 1
    # The view's total is the stated £329m, not a sum of parts and totals.
    assert data["total"] == {"amount": 329_000_000, "stated": True, "arithmetic": "£329m = £329m"}
    # Every drawn flow is spent money: kinds are never summed.
    assert {f["kind"] for f in flows} == {"spent"}
    # The vanguards node takes in £329m and passes on the £330m of its parts.
    node = next(n for n in data["nodes"] if n["node"] == ID + "programme/vanguards")
    assert sum(node["in"].values()) == 329_000_000 and sum(node["out"].values()) == 330_000_000


def test_page_draws_each_statement_once_and_says_how_it_counts(live_server):
    status, _h, html = get(live_server, "/-/funding?" + VANGUARDS_ALL)
    assert status == 200
    svg = html[html.index("<svg"):html.index("</svg>")]
    claims = re.findall(r'data-claim="([^"]+)"', svg)
    statements = re.findall(r'data-statement="([^"]+)"', svg)
    assert len(claims) == len(set(claims)) and len(statements) == len(set(statements)) == len(claims)
    assert claims.count(ID + "flow/nhse-vanguards-2015-18") == 1
    data = view(live_server, VANGUARDS_ALL)
    assert set(claims) == {f["thing"] for f in data["flows"] if f["thing"]}
    # The £1m by which the rounded parts exceed the total is said, not hidden.
    assert "£124m + £103m + £72m + £18m + £13m = £330m" in html and "£1m more than the stated total" in html
    # The total is a stated figure with its source.
    assert "a stated figure" in html and "NAO" in html
    # The £132.6m for 2015-16 is within the £329m, not called the same flow.
    assert "the same flow as" not in html
    assert re.search(r"within <a[^>]*>[^<]*</a> \(£329m, 2015-16 to 2017-18\)", html)


def test_one_year_view_draws_only_that_year_and_labels_computed_sums(live_server):
    data = view(live_server, "programme=vanguards&kind=spent&year=2015-16")
    assert all(f["period"] == "2015-16" for f in data["flows"])
    assert ID + "flow/nhse-vanguards-2015-18" not in {f["thing"] for f in data["flows"]}
    roots = [f for f in data["flows"] if f["thing"] and not f.get("part_of")]
    # The year's root is the £200m transformation fund, the vanguards' £132.6m inside it.
    assert [f["amount"] for f in roots] == [200_000_000]
    inside = [f for f in data["flows"] if f.get("part_of") == roots[0]["thing"]]
    assert [f["amount"] for f in inside] == [132_600_000]
    assert data["total"]["amount"] == 200_000_000 and data["total"]["stated"] is True
    # Each total's known parts are inside it and the rest is drawn as not broken down.
    for total in (roots[0], inside[0]):
        rest = [f for f in data["flows"] if f.get("remainder_of") == total["thing"]]
        parts = sum(f["amount"] for f in data["flows"] if f.get("part_of") == total["thing"])
        assert len(rest) == 1 and round(rest[0]["amount"] + parts) == total["amount"]
    status, _h, html = get(live_server, "/-/funding?programme=vanguards&kind=spent&year=2015-16")
    assert "not broken down by year" in html
    # Across programmes the total is a sum, and says so.
    everything = view(live_server, "kind=spent&year=all")
    assert everything["total"]["stated"] is False and "+" in everything["total"]["arithmetic"]
    status, _h, html = get(live_server, "/-/funding?kind=spent&year=all")
    assert "computed here" in html and everything["total"]["arithmetic"] in html


def test_joint_flow_is_drawn_jointly(live_server):
    data = view(live_server, "programme=vanguards&kind=approved&year=2015-16")
    joint = [f for f in data["flows"] if f["thing"] == ID + "flow/p28-five-vanguards-2015-16-approved-in-principle"]
    assert len(joint) == 1 and joint[0]["joint"] and len(joint[0]["recipient"]) == 5
    assert joint[0]["to"] == joint[0]["thing"]  # one node for the five together, not one each


def test_json_and_csv_hold_the_same_flows(live_server):
    data = view(live_server, VANGUARDS_ALL)
    status, headers, body = get(live_server, "/-/funding.csv?" + VANGUARDS_ALL)
    assert status == 200 and headers["content-type"] == "text/csv; charset=utf-8"  # one charset
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [(r["thing"], float(r["amount"]), r["statement"]) for r in rows] == \
        [(f["thing"] or "", float(f["amount"]), f["statement"] or "") for f in data["flows"]]
    assert all(f["sources"] for f in data["flows"] if f["thing"])


@pytest.mark.parametrize("query, word", [
    ("programme=nowhere", "programme"), ("kind=bogus", "kind"), ("year=1999-00", "year"),
    ("programme=vanguards&kind=planned", "kind")])
def test_bad_parameters_get_400(live_server, query, word):
    """Each route says what is wrong in its own format: a page, a JSON error, a line of text."""
    answers = {}
    for path, mime in (("/-/funding.json?", "application/json"), ("/-/funding.csv?", "text/plain"),
                       ("/-/funding?", "text/html")):
        status, headers, body = get(live_server, path + query)
        assert status == 400, (path, query, status)
        assert headers["content-type"].startswith(mime), (path, headers["content-type"])
        assert body.count(word + ": ") == 1, body
        answers[mime] = body
    message = json.loads(answers["application/json"])["error"]
    assert answers["text/plain"] == message + "\n"
    assert str(escape(message)) in answers["text/html"]


def _overlaps(a, b, slack=0.5):
    return (a["x"] + slack < b["x"] + b["width"] and b["x"] + slack < a["x"] + a["width"]
            and a["y"] + slack < b["y"] + b["height"] and b["y"] + slack < a["y"] + a["height"])


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 400])
@pytest.mark.parametrize("query", [VANGUARDS_ALL, "programme=vanguards&kind=spent&year=2015-16",
                                   "programme=vanguards&kind=approved&year=2015-16"])
def test_sankey_labels_readable_and_no_sideways_scroll(browser, live_server, width, query):  # noqa: F811
    tab = Tab(browser, live_server.url)
    try:
        page = tab.page
        page.set_viewport_size({"width": width, "height": 900})
        tab.goto("/-/funding?" + query)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        svg = page.locator("svg.sankey")
        if width >= 800:
            labels = page.locator("svg.sankey text.node-label tspan")
            n = labels.count()
            assert n >= 4
            boxes = [labels.nth(i).bounding_box() for i in range(n)]
            sizes = page.evaluate("[...document.querySelectorAll('svg.sankey text.node-label')]"
                                  ".map(t => parseFloat(getComputedStyle(t).fontSize) * "
                                  "t.closest('svg').getBoundingClientRect().width / t.closest('svg').viewBox.baseVal.width)")
            assert min(sizes) >= 12
            bands = [page.locator("svg.sankey path.band").nth(i).bounding_box()
                     for i in range(page.locator("svg.sankey path.band").count())]
            for i, a in enumerate(boxes):
                assert all(not _overlaps(a, b) for b in boxes[i + 1:]), "labels overlap"
                assert all(not _overlaps(a, b) for b in bands), "a label lies over a band"
            # Not cut: each line lies inside its node's box, and no text is shortened.
            nodes = [page.locator("svg.sankey rect.node").nth(i).bounding_box()
                     for i in range(page.locator("svg.sankey rect.node").count())]
            for a in boxes:
                assert any(r["x"] <= a["x"] and a["x"] + a["width"] <= r["x"] + r["width"] + 0.5
                           and r["y"] <= a["y"] and a["y"] + a["height"] <= r["y"] + r["height"] + 0.5
                           for r in nodes), f"a label runs out of its box: {a}"
            assert "…" not in "".join(page.locator("svg.sankey text.node-label").all_text_contents())
            if query == VANGUARDS_ALL:
                tab.shot("funding-view-1400")
                page.locator("figure.sankey-frame").screenshot(path=str(SHOTS / "funding-view-sankey.png"))
        else:
            # Too narrow for the picture at a readable size: the tables stand in for it.
            assert not svg.is_visible()
            assert page.locator(".narrow-note").is_visible()
            assert page.locator("table.flows").first.is_visible()
            if query == VANGUARDS_ALL:
                tab.shot("funding-view-400")
        assert not tab.errors, tab.errors
    finally:
        tab.close()


def test_care_model_query_counts_each_flow_once(store):
    from kg.queries import get as named_query
    rows = {unquote(str(r["careModel"].value)): float(r["amount"].value)
            for r in store.query(named_query("funding-by-care-model").text)}
    assert rows[ID + "care-model/pacs"] == 103e6
    assert {k: rows[k] for k in CARE_MODELS} == CARE_MODELS


def test_site_and_care_model_pages_show_only_their_own_money(live_server):
    status, _h, html = get(live_server, "/id/site/vanguard-better-care-together-morecambe-bay")
    money = html.split('id="money-h"')[1].split("</section>")[0]
    amounts = re.findall(r'<td class="value"><a href="/id/flow/([^"]+)"', money)
    assert amounts[0] == "p25-better-care-together-morecambe-bay-2015-16-spent"
    assert not any("northumberland" in a or "south-somerset" in a for a in amounts)
    # The £41m agreed in principle for five vanguards is joint, not Morecambe Bay's alone.
    joint = next(r for r in money.split("<tr")
                 if 'href="/id/flow/p28-five-vanguards-2015-16-approved-in-principle"' in r)
    assert "jointly:" in joint and joint.count('href="/id/site/') == 5
    status, _h, html = get(live_server, "/id/care-model/pacs")
    money = html.split('id="money-h"')[1].split("</section>")[0]
    svg = money[money.index("<svg"):money.index("</svg>")]
    assert "nao2018-pacs-funding" in svg
    assert "care-model/mcp" not in money and "care-model/acc" not in money


def test_sankey_gathers_the_bands_of_a_box_of_many(built):
    """A national programme has thousands of flows: the boxes past a column's
    room are gathered into one, and so are their bands (one per pair of
    boxes), each saying how many flows it holds and how much."""
    from decimal import Decimal

    from web import charts, create_app
    from web.linking import iri_term
    funder = {"key": "f", "iri": ID + "organisation/f", "label": "Funder"}
    bands = []
    for n in range(1, 41):
        recipient = ID + f"site/s{n}"
        flow = {"flow": iri_term(ID + f"flow/x{n}"), "funder": iri_term(funder["iri"], "Funder"), "programme": None,
                "recipients": [iri_term(recipient, f"Site {n}")], "joint": False, "statement": "",
                "amount": Decimal(n * 1_000_000), "drawn": True, "period": None, "source": None, "locator": None}
        for _year in range(3):  # several flows between the same two boxes
            bands.append({"src": funder, "dst": {"key": recipient, "iri": recipient, "label": f"Site {n}"},
                          "amount": Decimal(n * 1_000_000), "flow": flow})
    with create_app(built).test_request_context("/"):
        svg = str(charts.sankey(bands, per_column=12))
    linked = re.findall(r'<g class="flow" data-claim="[^"]+/flow/x(\d+)"', svg)
    gathered = re.findall(r'<g class="flow gathered"><path class="band" d="[^"]+" fill="[^"]+"><title>([^<]+)</title>', svg)
    assert sorted(set(int(n) for n in linked)) == list(range(30, 41))  # the 11 largest, each flow its own band
    assert len(linked) == 33
    assert gathered == ["£1.3bn in 87 flows from Funder to 29 others"]  # 3 × (1 + ... + 29) million = £1,305m
