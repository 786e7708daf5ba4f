"""The dossier of an item on its page: every statement, every reference with
its structured locator and a link to the original, the preferred value and
why, the picture of how far sources disagree, the arithmetic of a derived
value, and the evidence pack (CSV) with the query behind it. Checked through
a real server and, for the page, in Debian's Chromium."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest

from .conftest import http_request
from .test_browser import CHROMIUM_ARGS, SHOTS, browser  # noqa: F401 (fixture)

BASE = "https://w3id.org/integration-atlas/"
FLOW = BASE + "id/flow/nhse-vanguards-2015-18"
FLOW_PATH = "/id/flow/nhse-vanguards-2015-18"


def get(server, path):
    status, headers, body = http_request(server, "GET", path, headers={"Accept": "text/html"})
    return status, headers, body.decode("utf-8")


def test_dossier_lists_every_statement_and_reference(live_server):
    status, _, html = get(live_server, FLOW_PATH)
    assert status == 200
    assert 'id="dossier"' in html
    # the preferred £329m, with its reason; the derived £330m beside it
    assert "Preferred value: <strong class=\"figure\">£329m</strong>" in html
    assert "stated total over the sum of rounded parts" in html
    assert ">£330m<" in html
    # every reference: the NAO report with its structured locator, the press
    # release with a link to its original
    assert "page 4; section Key facts; paragraph 4; footnote 1" in html
    assert 'href="https://www.nao.org.uk/press-release/developing-new-care-models-through-nhs-vanguards/"' in html
    # the derived value's arithmetic: five parts add to £330m, £1m over the total
    assert "£124m</a> + <a" in html
    assert "= <strong>£330m</strong>" in html
    assert "the parts exceed it by £1m" in html
    # a sum of rounded parts is not a source that disagrees
    assert "cannot both hold" not in html
    assert "svg" in html and 'data-chart="spread"' in html


def test_bounds_are_not_disagreements(live_server):
    """'More than 90%' and '90%' can both hold: the page says so."""
    from web.evidence import disagreements, interval, overlap
    more = {"interval": interval(90, "more than", None), "unit": "percent", "kind": "reported",
            "rank": "normal", "derived": False}
    exact = {"interval": interval(90, None, None), "unit": "percent", "kind": "reported",
             "rank": "normal", "derived": False}
    other = {"interval": interval(9, None, None), "unit": "percent", "kind": "reported",
             "rank": "normal", "derived": False}
    assert overlap(more["interval"], exact["interval"])
    assert disagreements([more, exact]) == []
    assert len(disagreements([more, exact, other])) == 2
    other["kind"] = "planned"  # different kinds are different measures, not a conflict
    assert disagreements([exact, other]) == []


def test_evidence_pack(live_server):
    status, headers, body = http_request(live_server, "GET", "/-/evidence.csv?item=" + quote(FLOW, safe=""))
    assert status == 200
    assert headers["content-type"].startswith("text/csv")
    assert "attachment" in headers["content-disposition"]
    assert headers["x-query"] == "item-evidence"
    assert headers["link"].startswith("</sparql?query=") and "%24item=" in headers["link"]
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    statements = {r["statement"] for r in table}
    assert len(statements) == 2
    preferred = [r for r in table if r["preferred"] == "yes"]
    assert {r["value"] for r in preferred} == {"329000000"}
    assert len(preferred) == 4  # four documents give £329m: four references on one statement
    nao = [r for r in preferred if r["document"].endswith("/document/nao-vanguards-2018")]
    assert nao and nao[0]["page"] == "4" and nao[0]["section"] == "Key facts"
    assert any(r["derived"] == "yes" for r in table)
    # the same rows as the named query gives through the endpoint
    from kg.config import PROJECT_ROOT
    text = (PROJECT_ROOT / "kg" / "queries" / "item-evidence.rq").read_text()
    status, _, out = http_request(live_server, "GET", "/sparql?query=" + quote(text, safe="")
                                  + "&%24item=" + quote(FLOW, safe="") + "&format=csv")
    assert status == 200, out
    assert len(out.decode().strip().splitlines()) - 1 == len(table)


def test_evidence_pack_bad_input(live_server):
    status, _, body = http_request(live_server, "GET", "/-/evidence.csv")
    assert status == 400 and b"?item=" in body
    status, _, _ = http_request(live_server, "GET", "/-/evidence.csv?item=" + quote(BASE + "id/flow/none", safe=""))
    assert status == 404


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 400])
def test_dossier_in_the_browser(browser, live_server, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        assert page.goto(live_server.url + FLOW_PATH + "#dossier").status == 200
        dossier = page.locator("#dossier")
        assert dossier.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        spread = page.locator("svg.spread")
        if width >= 1000:
            box = spread.bounding_box()
            assert box and box["width"] > 300
            # labels do not overlap each other
            boxes = [page.locator("svg.spread text").nth(i).bounding_box()
                     for i in range(page.locator("svg.spread text").count())]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    assert not (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                                and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]), (a, b)
        else:
            assert not spread.is_visible()  # its table stands instead
            assert page.locator("table.statements").is_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        dossier.screenshot(path=str(SHOTS / f"dossier-{width}.png"))
    finally:
        context.close()
