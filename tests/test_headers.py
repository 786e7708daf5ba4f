"""Security headers on every kind of answer, one charset parameter, and
pages that meet their Content-Security-Policy in a real Chromium."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from .conftest import http_request as request
from .test_browser import Tab, browser  # noqa: F401 (the fixture)

PATHS = ["/", "/id/programme/vanguards", "/id/programme/vanguards.ttl", "/-/classes",
         "/-/funding", "/-/dumps/atlas.ttl", "/.well-known/void", "/id/no/such-thing",
         "/sparql", "/sparql?" + urlencode({"query": "ASK {}"}),
         "/sparql?" + urlencode({"query": "SELECT * {"})]


@pytest.mark.parametrize("path", PATHS)
def test_security_headers_on_every_answer(live_server, path):
    for _ in range(2):  # the second may come from the response cache, outside Flask
        status, headers, _ = request(live_server, "GET", path)
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["content-type"].count("charset") <= 1, headers["content-type"]


@pytest.mark.parametrize("ext", ["ttl", "nt", "nq", "trig", "jsonld", "rdf"])
def test_dumps_have_one_charset_parameter(live_server, ext):
    status, headers, _ = request(live_server, "GET", f"/-/dumps/atlas.{ext}")
    assert status == 200
    assert headers["content-type"].count("charset") <= 1, headers["content-type"]


CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
def test_pages_meet_their_content_security_policy(browser, live_server):  # noqa: F811
    tab = Tab(browser, live_server.url)
    tab.context.add_init_script(CSP_WATCH)
    try:
        for path in ["/", "/id/programme/vanguards", "/-/funding", "/-/classes",
                     "/-/class/ia:Site", "/-/search?q=vanguard", "/-/downloads",
                     "/sparql?" + urlencode({"query": "SELECT * { ?s ?p ?o } LIMIT 3"})]:
            tab.goto(path)
            assert tab.page.evaluate("window.__csp") == [], path
        # The query page's script runs under the policy: Ctrl+Enter sends the query.
        tab.goto("/sparql")
        tab.page.locator("h1").click()  # Ctrl+Enter runs the query wherever the focus is
        with tab.page.expect_navigation():
            tab.page.keyboard.press("Control+Enter")
        assert tab.page.evaluate("window.__csp") == []
        assert "query=" in tab.page.url
        # (a favicon load cut short by the navigation is not an error of the page)
        assert [e for e in tab.errors if not e.endswith("/static/favicon.svg")] == []
    finally:
        tab.close()
