"""Pages in a real Chromium (Debian's, driven by Playwright): a reader's
journey from the home page through a programme, a vanguard site, an
organisation, a funding figure and its source document; the lineage and
funding pictures drawn; no console errors; nothing fetched from outside; and
markup or ``javascript:`` IRIs injected into the data shown as inert text.

Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from kg.build import build
from kg.config import PROJECT_ROOT, Settings

from .conftest import LiveServer
from .test_pages_resources import BROWSER_ACCEPT, fetch

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = PROJECT_ROOT / "test-output" / "screenshots"

INJECTED = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix orgn: <https://w3id.org/integration-atlas/id/organisation/> .

<https://w3id.org/integration-atlas/id/place/injected-markup>
    rdfs:label "<script>window.__pwned=1</script> Injected place"@en ;
    rdfs:comment "<img src=x onerror=\\"window.__pwned=2\\"> and <a href=\\"javascript:window.__pwned=3\\">a link</a>"@en ;
    rdfs:seeAlso <javascript:window.__pwned=4> ,
        <data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD01PC9zY3JpcHQ+> .

orgn:nhs-england rdfs:seeAlso <javascript:alert(1)> ,
    <https://w3id.org/integration-atlas/id/place/injected-markup> .
"""
INJECTED_PATH = "/id/place/injected-markup"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}; "
                    "'bash scripts/setup.sh --test' installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Tab:
    """A page that records console errors, page errors, failed requests and any
    attempt to reach a host other than the server under test."""

    def __init__(self, browser, base_url: str):
        self.base = base_url
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        host = urlsplit(base_url).netloc

        def guard(route):
            url = route.request.url
            if urlsplit(url).netloc != host:
                self.errors.append(f"tried to fetch from outside: {url}")
                return route.abort()
            return route.continue_()
        self.context.route("**/*", guard)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def goto(self, path: str):
        resp = self.page.goto(self.base + path)
        assert resp is not None and resp.status == 200, f"{path}: {resp and resp.status}"

    def follow(self, selector: str):
        """Click the first link matching ``selector`` and wait for its page."""
        link = self.page.locator(selector).first
        href = link.get_attribute("href")
        assert href, f"no link {selector} on {self.page.url}"
        with self.page.expect_navigation():
            link.click()
        assert unquote(urlsplit(self.page.url).path) == unquote(urlsplit(href).path), (self.page.url, href)
        return href

    def shot(self, name: str):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()


def drawn(page, selector: str, minimum: int = 1) -> int:
    """How many elements match and are drawn with a non-empty box."""
    items = page.locator(selector)
    n = items.count()
    assert n >= minimum, f"{selector}: {n} found"
    for i in range(n):
        box = items.nth(i).bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"{selector} #{i} is not drawn"
    return n


@pytest.mark.browser
def test_reader_journey(browser, live_server):
    tab = Tab(browser, live_server.url)
    try:
        page = tab.page
        tab.goto("/")
        assert page.locator("h1").inner_text() == "The integration atlas"
        drawn(page, "svg.timeline g.programme rect, svg.timeline g.programme circle", 3)
        tab.shot("01-home")

        # A programme: its lineage and its money, drawn.
        tab.follow('main a[href="/id/programme/vanguards"]')
        assert page.locator("h1").inner_text() == "Vanguard programme"
        drawn(page, "svg.lineage")
        assert drawn(page, "svg.lineage g.node rect", 4)
        assert drawn(page, "svg.lineage path.edge", 3)
        assert page.locator("svg.lineage g.node.focus").count() == 1
        drawn(page, "svg.sankey")
        drawn(page, "svg.sankey path.band", 3)
        tab.shot("02-programme-vanguards")

        # A vanguard site, from the sites-by-care-model table; one with a lead organisation.
        sites = page.locator("section.sites a[href^='/id/site/']")
        assert sites.count() >= 20
        site_hrefs = [sites.nth(i).get_attribute("href") for i in range(min(sites.count(), 12))]
        for href in site_hrefs:
            tab.follow(f'section.sites a[href="{href}"]')
            assert page.locator('a[href="/id/programme/vanguards"]').count() >= 1
            if page.locator("section.properties a[href^='/id/organisation/']").count():
                break
            page.go_back()
        tab.shot("03-vanguard-site")

        # An organisation the site names.
        tab.follow("section.properties a[href^='/id/organisation/']")
        assert "/id/organisation/" in page.url
        assert page.locator("h1").inner_text()
        tab.shot("04-organisation")

        # The funding view, from the site navigation: the Sankey drawn, each band a flow.
        tab.follow('header a[href="/-/funding"]')
        drawn(page, "svg.sankey")
        bands = drawn(page, "svg.sankey g.flow a path.band", 2)
        hrefs = {page.locator("svg.sankey g.flow a").nth(i).get_attribute("href") for i in range(bands)}
        assert all(h.startswith("/id/flow/") for h in hrefs)
        tab.shot("05-funding")

        # A funding flow, then one document's claim of it: the reference names
        # the document and where in it.
        tab.follow('table.flows a[href="/id/flow/nhse-vanguards-2015-18"]')
        assert page.locator("h1").inner_text()
        tab.goto("/id/claim/nao2018-direct-investment")
        prov = page.locator("section.provenance")
        assert "Key facts, p.4" in prov.inner_text()
        tab.shot("06-funding-figure")

        # Its source document, with every item whose statements it gives.
        tab.follow('section.provenance a[href^="/id/document/"]')
        assert page.url.endswith("/id/document/nao-vanguards-2018")
        tab.shot("07-source-document")
        # the first claims on the page, every one a page at a time behind "All N claims"
        tab.follow('section.citing p.more a[href^="/-/claims?uri="]')
        assert page.locator('a[href="/id/flow/nhse-vanguards-2015-18"]').count() == 1

        # Conflicting claims side by side.
        tab.goto("/id/figure/nao2018-predicted-savings")
        assert page.locator("table.side-by-side").count() >= 1
        tab.shot("08-conflicting-claims")

        assert page.evaluate("document.querySelectorAll('script').length") == 0
        assert tab.errors == []
    finally:
        tab.close()


@pytest.mark.browser
def test_other_pages_render_without_errors(browser, live_server):
    tab = Tab(browser, live_server.url)
    try:
        for name, path in [("09-classes", "/-/classes"), ("10-class-index", "/-/class/ia:Site?sort=-label"),
                           ("11-search", "/-/search?q=vanguard"), ("12-ontology", "/-/ontology"),
                           ("13-downloads", "/-/downloads"), ("14-void", "/.well-known/void"),
                           ("15-care-model", "/id/care-model/mcp")]:
            tab.goto(path)
            tab.shot(name)
        resp = tab.page.goto(live_server.url + "/id/no/such-thing")
        assert resp.status == 404
        tab.shot("16-not-found")
        # A 404 page logs one failed load in the console; that is the only one allowed.
        assert [e for e in tab.errors if "404" not in e] == []
    finally:
        tab.close()


@pytest.mark.browser
def test_pages_work_with_javascript_off(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/id/programme/vanguards")
        drawn(page, "svg.lineage g.node rect", 4)
        drawn(page, "svg.sankey path.band", 3)
        # Forms are plain GET forms: filtering a class index needs no script.
        page.goto(live_server.url + "/-/class/ia:Programme")
        page.fill("#f-q", "vanguard")
        with page.expect_navigation():
            page.click("form.filter button")
        assert page.locator("table.index tbody tr").count() == 1
        assert "Vanguard programme" in page.locator("table.index").inner_text()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 400])
def test_systems_index_and_a_system_page(browser, live_server, width):
    """The analyst's question "which programmes touched my area, and which
    board is it now?": from the systems index to one system in one click, its
    codes and programmes readable at desktop and phone widths."""
    tab = Tab(browser, live_server.url)
    try:
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.goto("/-/systems")
        rows = tab.page.locator("main table tbody tr")
        assert rows.count() >= 42
        assert "QYG" in tab.page.locator("main table").inner_text()  # a board's ODS code
        tab.shot(f"20-systems-{width}")
        tab.follow('main a[href="/-/system/nhs-west-yorkshire-icb"]')
        text = tab.page.locator("main").inner_text()
        assert "ODS codes" in text and "ONS geography codes" in text
        # the programmes that touched it, a vanguard site among them, as links
        sites = tab.page.locator('main a[href^="/id/site/"]')
        assert sites.count() >= 1
        drawn(tab.page, "main table.data", 2)
        # nothing wider than the window: a phone reader does not scroll sideways
        overflow = tab.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px wider than the window"
        tab.shot(f"21-system-{width}")
        tab.follow('main a[href^="/id/site/"]')
        assert tab.errors == []
    finally:
        tab.close()


# ---------------------------------------------------------------------------
# Injected markup and javascript: IRIs


@pytest.fixture(scope="module")
def injected(tmp_path_factory, built):
    """A build of a copy of the data with hostile literals and IRIs, served."""
    root = tmp_path_factory.mktemp("injected")
    data = root / "data"
    shutil.copytree(built.data_dir, data)
    (data / "zz-injected.ttl").write_text(INJECTED, encoding="utf-8")
    settings = Settings.from_env(home=root / "home", data_dir=data)
    build(settings, progress=lambda _m: None)
    server = LiveServer(settings)
    yield server
    server.stop()


def test_injected_markup_is_escaped_in_html(injected):
    r = fetch(injected.url, INJECTED_PATH, BROWSER_ACCEPT)
    assert r.status == 200
    assert "<script>window.__pwned" not in r.text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in r.text
    assert "<img src=x" not in r.text
    assert 'href="javascript:' not in r.text.lower() and 'href="data:' not in r.text.lower()
    assert "<code class=\"iri inert\">javascript:window.__pwned=4</code>" in r.text
    r = fetch(injected.url, "/id/organisation/nhs-england", BROWSER_ACCEPT)
    assert 'href="javascript:' not in r.text.lower()
    assert "javascript:alert(1)" in r.text
    # The data itself is unchanged in the RDF documents.
    assert b"<script>window.__pwned=1</script>" in fetch(injected.url, INJECTED_PATH + ".nt").body


@pytest.mark.browser
def test_injected_markup_is_inert_in_the_browser(browser, injected):
    tab = Tab(browser, injected.url)
    try:
        page = tab.page
        for name, path in [("17-injected-resource", INJECTED_PATH),
                           ("18-injected-referrer", "/id/organisation/nhs-england"),
                           ("19-injected-search", "/-/search?q=injected")]:
            tab.goto(path)
            assert page.evaluate("typeof window.__pwned") == "undefined", path
            assert page.locator('[href^="javascript:" i], [href^="data:" i], [src^="data:" i]').count() == 0
            assert page.evaluate("document.querySelectorAll('script, img, iframe, object').length") == 0
            tab.shot(name)
        tab.goto(INJECTED_PATH)
        assert "<script>window.__pwned=1</script> Injected place" in page.locator("h1").inner_text()
        assert page.locator("code.inert", has_text="javascript:window.__pwned=4").count() == 1
        # Clicking everything that is a link on the page runs nothing either.
        for i in range(page.locator("main a").count()):
            href = page.locator("main a").nth(i).get_attribute("href") or ""
            assert href.startswith(("/", "http://", "https://", "#")), href
        assert tab.errors == []
    finally:
        tab.close()


def test_chart_text_is_escaped(built):
    """Labels drawn into the SVG pictures are escaped too."""
    from web import charts, create_app
    from web.linking import iri_term

    app = create_app(built)
    evil = '<script>window.__pwned=1</script>"><b>'
    with app.test_request_context():
        programmes = [
            {"iri": "https://w3id.org/integration-atlas/id/programme/a", "label": evil, "start": "2015-01-01",
             "end": None, "first_event": None, "last_event": None, "type": evil},
            {"iri": "javascript:alert(1)", "label": "b", "start": "2016-01-01", "end": "2017-01-01",
             "first_event": None, "last_event": None, "type": None},
        ]
        edges = [("javascript:alert(1)", "https://w3id.org/integration-atlas/def/follows", evil,
                  "https://w3id.org/integration-atlas/id/programme/a")]
        flow = {"flow": iri_term("https://w3id.org/integration-atlas/id/claim/x", evil),
                "funder": iri_term("javascript:alert(1)", evil), "programme": None,
                "recipients": [iri_term("https://w3id.org/integration-atlas/id/programme/a", evil)],
                "joint": False, "statement": evil,
                "amount": 5, "drawn": True, "period": evil, "source": None, "locator": evil}
        band = {"src": {"key": "f", "iri": "javascript:alert(1)", "label": evil},
                "dst": {"key": "r", "iri": "https://w3id.org/integration-atlas/id/programme/a", "label": evil},
                "amount": 5, "flow": flow, "period": evil}
        for svg in (charts.timeline(programmes),
                    charts.lineage(programmes, edges, "https://w3id.org/integration-atlas/id/programme/a"),
                    charts.sankey([band])):
            text = str(svg)
            assert "<script>" not in text and "<b>" not in text
            assert "&lt;script&gt;" in text
            assert 'href="javascript:' not in text
