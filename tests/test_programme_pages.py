"""Programme pages an analyst can read, in Debian's Chromium against a real
server: a summary box first, a table of contents, targets paired with their
outcomes, every figure linked to its item's dossier, at most about five
screens tall at 1400 px, and no page of any kind scrolling sideways at
400 px."""

from __future__ import annotations

import re

import pytest

from .conftest import http_request
from .test_browser import SHOTS, browser  # noqa: F401 (fixture)

SCREEN = 900  # px: one screen at 1400 x 900
PAGES = {  # one page of each kind
    "programme": "/id/programme/vanguards",
    "programme-bcf": "/id/programme/better-care-fund",
    "organisation": "/id/organisation/nhs-england",
    "site": "/id/site/vanguard-better-care-together-morecambe-bay",
    "document": "/id/document/nao-vanguards-2018",
    "item": "/id/flow/nhse-vanguards-2015-18",
}


def html(server, path) -> str:
    status, _, body = http_request(server, "GET", path, headers={"Accept": "text/html"})
    assert status == 200, path
    return body.decode("utf-8")


def test_bcf_pairs_its_targets_with_their_outcomes(live_server):
    page = html(live_server, "/id/programme/better-care-fund")
    section = page[page.index('id="targets"'):page.index('id="findings"')]
    rows = section.split("<tr")[2:]  # after the head
    admissions = [r for r in rows if "emergency admissions" in r and "2014-15 to 2015-16" in r]
    assert len(admissions) == 1, admissions
    row = admissions[0]
    # the target, its outcome, the gap and the stated cost, in one row, each linked to its dossier
    assert re.search(r'href="/id/figure/p48-bcf-emergency-admissions-planned#dossier">-106,000 admissions<', row)
    assert re.search(r'href="/id/figure/p48-bcf-emergency-admissions-actual#dossier">\+87,000 admissions<', row)
    assert "+193,000 admissions" in row and "missed" in row
    assert re.search(r'href="/id/figure/[a-z0-9-]+-emergency-admissions-cost#dossier">£311m<', row)
    delayed = [r for r in rows if "delayed transfers" in r and "2014-15 to 2015-16" in r]
    assert len(delayed) == 1 and "-293,000 days" in delayed[0] and "+185,000 days" in delayed[0]


def test_real_disagreements_respect_bounds(live_server):
    page = html(live_server, "/id/programme/better-care-fund")
    section = page[page.index('id="disagreements"'):page.index('id="lineage"')]
    # planned savings: three sources, three values that cannot all hold
    assert "£731m" in section and "£511m" in section
    for measure in re.findall(r'<td rowspan="\d+"><a href="[^"]+">([^<]+)</a>', section):
        assert measure  # each row group names its measure


@pytest.mark.browser
def test_programme_pages_summary_links_and_height(browser, live_server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": SCREEN})
    page = context.new_page()
    try:
        for name in ("programme", "programme-bcf"):
            assert page.goto(live_server.url + PAGES[name]).status == 200
            # the summary box comes first, before any section
            first = page.locator("article > section").first
            assert "summary-box" in (first.get_attribute("class") or "")
            text = first.inner_text()
            for term in ("When", "Who ran it", "Sites", "Money", "Planned vs actual", "Before", "After"):
                assert term in text, (name, term)
            assert page.locator("nav.toc a").count() >= 6
            # every figure on the page links to its item's dossier
            figures = page.locator("main .figure")
            n = figures.count()
            assert n >= 2
            # and no amount of money on the page stands unlinked (a document's title, marked
            # as a citation, is not a figure)
            loose = page.evaluate("""() => {
                const out = [], walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
                while (walk.nextNode()) {
                    const t = walk.currentNode;
                    if (/£\\d/.test(t.textContent) && !t.parentElement.closest('a, title, desc, figcaption, .cite'))
                        out.push(t.textContent.trim());
                }
                return out; }""")
            assert loose == [], (name, loose)
            for i in range(n):
                f = figures.nth(i)
                tag = f.evaluate("e => e.tagName")
                href = f.get_attribute("href") or ""
                assert tag == "A" and href.endswith("#dossier"), (name, f.inner_text(), href)
            # and the dossier it links to is there
            href = figures.first.get_attribute("href")
            assert page.goto(live_server.url + href).status == 200
            assert page.locator("#dossier").count() == 1
            page.go_back()
            height = page.evaluate("document.documentElement.scrollHeight")
            assert height <= 5.2 * SCREEN, (name, height)
            page.screenshot(path=str(SHOTS / f"{name}-1400.png"), full_page=True)
        page.goto(live_server.url + PAGES["programme"])
        assert "£329m" in page.locator("section.summary-box").inner_text()
    finally:
        context.close()


@pytest.mark.browser
def test_lineage_reads_left_to_right(browser, live_server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": SCREEN})
    page = context.new_page()
    try:
        page.goto(live_server.url + PAGES["programme"])
        nodes = page.locator("svg.lineage g.node")
        boxes = [nodes.nth(i).locator("rect").bounding_box() for i in range(nodes.count())]
        assert len(boxes) >= 4
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]), (a, b)
        # labels inside their boxes do not overlap other boxes' labels
        labels = page.locator("svg.lineage text.name")
        lboxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
        for i, a in enumerate(lboxes):
            for b in lboxes[i + 1:]:
                assert not (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]), (a, b)
        # each arrow runs from the earlier programme (left) to the later one (right)
        edges = page.locator("svg.lineage path.edge")
        assert edges.count() >= 3
        for i in range(edges.count()):
            d = edges.nth(i).get_attribute("d")
            numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
            start, end = numbers[0], numbers[-2]  # x of the first and the last point
            assert end > start, d
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_no_sideways_scroll_at_400px(browser, live_server, name):  # noqa: F811
    context = browser.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    try:
        assert page.goto(live_server.url + PAGES[name]).status == 200
        assert page.evaluate("document.documentElement.scrollWidth") <= 400, name
        # any picture still shown is drawn at a readable size (text at least ~9 px)
        for svg in page.locator("svg.chart").all():
            if svg.is_visible():
                box = svg.bounding_box()
                view = svg.evaluate("e => e.viewBox.baseVal.width")
                assert box["width"] / view * 12 >= 9, (name, svg.get_attribute("data-chart"))
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-400.png"), full_page=True)
    finally:
        context.close()


def test_words_not_codes(live_server):
    page = html(live_server, "/id/organisation/nhs-england")
    types = re.sub(r"<[^>]+>", "", re.search(r'<p class="types">(.*?)</p>', page).group(1))  # the words shown
    assert "org:" not in types and "schema:" not in types
    assert "Government organisation" in types
    for path in PAGES.values():
        page = html(live_server, path)
        assert not re.search(r"\((?:P|S)\d+\)", page), path
        assert "register id" not in page.lower() and "seed file" not in page.lower(), path
        assert ">seeds/" not in page, path
    # a document links to its original, official address first
    page = html(live_server, "/id/document/p21")
    assert re.search(r'<a href="https://www\.nao\.org\.uk/press-release/[^"]+" rel="external">Read the original</a>', page)
    # a third party's copy is offered as a copy, never as the original
    for path in ("/id/document/nao-vanguards-2018", "/id/document/p52"):
        page = html(live_server, path)
        assert re.search(r'rel="external">Read a copy held by a third party \(no official copy is known\)</a>', page), path
        assert "Read the original" not in page, path


def test_timeline_draws_unended_programmes_as_ongoing(live_server):
    page = html(live_server, "/")
    svg = page[page.index('data-chart="timeline"'):]
    svg = svg[:svg.index("</svg>")]
    groups = {re.search(r"<title>([^:<]+):", g).group(1): g for g in svg.split('<g class="programme">')[1:]}
    # no end statement: open to today, never ended at its last event
    for name in ("Better Care Fund", "Integrated care systems"):
        assert 'class="open-end"' in groups[name] and "drawn as ongoing" in groups[name], name
    # an end statement: a closed bar
    assert 'class="open-end"' not in groups["Vanguard programme"]
    assert "2015-01-01 to 2018-03</title>" in groups["Vanguard programme"]  # March 2018, a month


def test_pilots_and_pioneers_end_at_their_derived_planned_end(live_server):
    """No source reports when the pilots or the pioneers ended; each states its
    start and length. The end is derived from both, shown at the precision
    the inputs allow and called planned, and its dossier shows the arithmetic."""
    for path, shown in (("/id/programme/integrated-care-pilots", "2009-04-01 to 2011-03 (planned end)"),
                        ("/id/programme/integrated-care-pioneers", "2013-11-01 to 2018 (planned end)")):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(live_server, path)))
        assert shown in text, path
    dossier = html(live_server, "/id/event/pilots-planned-end")
    assert "Start date plus the stated length" in dossier
    assert 'href="/id/document/p34"' in dossier  # Hansard: the start and the two years
    home = html(live_server, "/")
    svg = home[home.index('data-chart="timeline"'):]
    svg = svg[:svg.index("</svg>")]
    groups = {re.search(r"<title>([^:<]+):", g).group(1): g for g in svg.split('<g class="programme">')[1:]}
    assert 'class="open-end"' not in groups["Integrated care pilots"]
    # the bar's hover text and the lineage boxes write the end as the pages do
    assert "2009-04-01 to 2011-03 (planned end)</title>" in groups["Integrated care pilots"]
    assert "2011-03-31" not in groups["Integrated care pilots"]
    page = html(live_server, "/id/programme/integrated-care-pioneers")
    lineage = page[page.index('data-chart="lineage"'):]
    lineage = lineage[:lineage.index("</svg>")]
    assert "2013-11-01 to 2018 (planned end)" in lineage and "2018-10-31" not in lineage


def _home_ends(server) -> dict[str, str]:
    """The home page's programme table: each programme's End cell, as markup."""
    table = html(server, "/")
    table = table[table.index('<table class="programmes'):]
    table = table[:table.index("</table>")]
    ends = {}
    for row in table.split("<tr>")[2:]:  # after the head
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ends[re.sub(r"<[^>]+>", "", cells[0]).strip()] = cells[3].strip()
    return ends


def test_home_table_writes_each_end_as_its_programme_page_does(live_server):
    """The derived planned ends read at their precision with the planned mark,
    as on the programme pages; a programme with no end recorded reads as ongoing."""
    ends = _home_ends(live_server)
    assert ends["Integrated care pilots"] == "2011-03 (planned end)"
    assert ends["Integrated care and support pioneers"] == "2018 (planned end)"
    assert "2011-03-31" not in ends["Integrated care pilots"] and "2018-10-31" not in ends["Integrated care and support pioneers"]
    for running in ("Better Care Fund", "Integrated care systems"):
        assert ends[running] == '<strong class="ongoing">no end recorded</strong>', running
    for name, key in (("Integrated care pilots", "integrated-care-pilots"), ("Vanguard programme", "vanguards"),
                      ("Better Care Fund", "better-care-fund")):
        page = html(live_server, f"/id/programme/{key}")
        when = re.search(r"<dt>When</dt><dd>(.*?)</dd>", page, re.S).group(1)
        assert re.sub(r"\s+", " ", when).split(" to ", 1)[1].startswith(ends[name]), (name, when)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 400])
def test_home_programme_table_in_the_browser(browser, live_server, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": SCREEN})
    page = context.new_page()
    try:
        assert page.goto(live_server.url + "/").status == 200
        row = page.locator("table.programmes tr", has_text="Integrated care pilots")
        assert row.is_visible()
        text = row.inner_text()
        assert "2011-03 (planned end)" in text and "2011-03-31" not in text, text
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"home-{width}.png"), full_page=True)
    finally:
        context.close()
