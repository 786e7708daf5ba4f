"""The web package's layout: one blueprint per page module, registered in the
app factory; helpers below the pages, never importing them; no import cycles;
README's table of which module serves which URLs kept true; and a sample of
each module's URLs answering as before through a real server."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import PROJECT_ROOT, http_request
from web import create_app

WEB = PROJECT_ROOT / "web"


def web_modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(), str(p)) for p in sorted(WEB.glob("*.py"))}


def imported(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The web modules ``name`` imports anywhere in its text (function-level
    imports too: they close a cycle just as well)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 or (node.level == 0 and node.module and node.module.split(".")[0] == "web"):
                parts = (node.module or "").split(".")
                module = parts[-1] if node.level == 1 else (parts[1] if len(parts) > 1 else "")
                if module:
                    out.add(module if module in known else "__init__")
                else:  # from . import x, y: each a module (or a name of the package)
                    out.update(a.name if a.name in known else "__init__" for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "web":
                    out.add(parts[1] if len(parts) > 1 and parts[1] in known else "__init__")
    out.discard(name)
    return out


def import_graph() -> dict[str, set[str]]:
    trees = web_modules()
    return {name: imported(name, tree, set(trees)) for name, tree in trees.items()}


def page_modules() -> set[str]:
    """Modules that define a blueprint ``bp`` at their top level."""
    pages = set()
    for name, tree in web_modules().items():
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "bp" for t in node.targets):
                if isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "Blueprint":
                    pages.add(name)
    return pages


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, each once, as the path that closes it."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return found


def readme_url_table() -> dict[str, set[str]]:
    """README's table of page modules: module -> the URLs its row names."""
    text = (PROJECT_ROOT / "README.md").read_text()
    table = text[text.index("| module | URLs |"):]
    rows = {}
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        module, urls = [c.strip() for c in line.strip("|").split("|", 1)]
        rows[module.strip("`")] = set(re.findall(r"`(/[^`]*)`", urls))
    return rows


# ---------------------------------------------------------------------------
# The import graph


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_sees_every_kind_of_import():
    tree = ast.parse("from . import charts, nothing\nfrom .pages import bp\nimport web.resources\n"
                     "def f():\n    from web.funding import picture\n")
    known = {"charts", "pages", "resources", "funding", "me"}
    assert imported("me", tree, known) == {"charts", "__init__", "pages", "resources", "funding"}


def test_no_import_cycles_in_web():
    graph = import_graph()
    assert {"pages", "resources", "linking"} <= set(graph)
    assert cycles(graph) == []


def test_no_page_module_imports_another():
    pages = page_modules()
    assert {"pages", "resources", "exports", "funding", "ontology", "validation", "dossier", "query_page",
            "sparql", "systems"} == pages
    graph = import_graph()
    crossing = {(name, other) for name in pages for other in graph[name] & pages}
    assert crossing == set()
    # Nor does a helper: helpers sit below every page module.
    helpers = set(graph) - pages - {"__init__", "server"}
    assert {(h, other) for h in helpers for other in graph[h] & (pages | {"__init__"})} == set()


def test_every_blueprint_is_registered(built):
    app = create_app(built)
    for name in page_modules():
        module = importlib.import_module(f"web.{name}")
        assert app.blueprints.get(module.bp.name) is module.bp, name
        assert module.bp.name == name


def test_readme_names_each_module_and_the_urls_it_serves(built):
    table = readme_url_table()
    assert set(table) == page_modules()
    app = create_app(built)
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if "." in rule.endpoint:
            blueprint = rule.endpoint.split(".", 1)[0]
            served.setdefault(blueprint, set()).add(re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule))
    assert served == table
    # README's web row names every module of the package.
    readme = (PROJECT_ROOT / "README.md").read_text()
    web_row = next(line for line in readme.splitlines() if line.startswith("| `web/` |"))
    named = set(re.findall(r"`(\w+)`", web_row))
    assert {p.stem for p in WEB.glob("*.py")} - {"__init__"} - named - set(table) == set()


# ---------------------------------------------------------------------------
# Each module's URLs, through a real server

BASE = "https://w3id.org/integration-atlas/"
ITEM = BASE + "id/flow/nhse-vanguards-2015-18"

#: (module, path, Accept, content type): a sample of each module's URLs.
SAMPLE = [
    ("pages", "/", "text/html", "text/html; charset=utf-8"),
    ("pages", "/-/classes", None, "text/html; charset=utf-8"),
    ("pages", "/-/class/ia:Programme", None, "text/html; charset=utf-8"),
    ("pages", "/-/class/ia:Site.json", None, "application/json; charset=utf-8"),
    ("pages", "/-/search?q=vanguard", None, "text/html; charset=utf-8"),
    ("pages", "/-/search.json?q=vanguard", None, "application/json; charset=utf-8"),
    ("resources", "/id/programme/vanguards", "text/html", "text/html; charset=utf-8"),
    ("resources", "/id/programme/vanguards", "text/turtle", "text/turtle; charset=utf-8"),
    ("resources", "/id/programme/vanguards.jsonld", None, "application/ld+json"),
    ("resources", "/def/Programme", "text/turtle", "text/turtle; charset=utf-8"),
    ("exports", "/-/downloads", None, "text/html; charset=utf-8"),
    ("exports", "/-/dumps/atlas.nt", None, "application/n-triples"),
    ("exports", "/-/context.jsonld", None, "application/ld+json"),
    ("exports", "/.well-known/void", "text/turtle", "text/turtle; charset=utf-8"),
    ("exports", "/.well-known/void", "text/html", "text/html; charset=utf-8"),
    ("funding", "/-/funding", None, "text/html; charset=utf-8"),
    ("funding", "/-/funding.json", None, "application/json"),
    ("funding", "/-/funding.csv", None, "text/csv; charset=utf-8"),
    ("ontology", "/-/ontology", "text/html", "text/html; charset=utf-8"),
    ("ontology", "/-/ontology.ttl", None, "text/turtle; charset=utf-8"),
    ("validation", "/-/validation.json?wait=1", None, "application/json; charset=utf-8"),
    ("validation", "/-/validation?wait=1", None, "text/html; charset=utf-8"),
    ("dossier", "/-/evidence.csv?item=" + quote(ITEM, safe=""), None, "text/csv; charset=utf-8"),
    ("query_page", "/-/completions.json", None, "application/json; charset=utf-8"),
    ("sparql", "/sparql", "text/html", "text/html; charset=utf-8"),
    ("systems", "/-/systems", None, "text/html; charset=utf-8"),
    ("systems", "/-/system/nhs-west-yorkshire-icb", None, "text/html; charset=utf-8"),
]


def media_type(header: str) -> set[str]:
    """A Content-Type as its parts (the funding CSV names its charset twice)."""
    return {part.strip().lower() for part in header.split(";")}


@pytest.mark.parametrize("module,path,accept,content_type", SAMPLE,
                         ids=[f"{m}:{p.split('?')[0]}:{a}" for m, p, a, _c in SAMPLE])
def test_each_module_still_answers(live_server, module, path, accept, content_type):
    status, headers, body = http_request(live_server, "GET", path, headers={"Accept": accept} if accept else {})
    assert status == 200, body[:300]
    assert media_type(headers["content-type"]) == media_type(content_type)
    assert body
    # Pages and documents (once one blueprint) may still be read from any origin.
    if module in ("pages", "resources", "exports", "funding", "ontology", "validation"):
        assert headers["access-control-allow-origin"] == "*"
        assert headers["access-control-expose-headers"] == "Link, Content-Location, ETag"


@pytest.mark.parametrize("path", ["/id/programme/nothing-here", "/-/dumps/nothing", "/-/ontology.xyz",
                                  "/-/class/ia:NoSuchClass", "/no/such/page"])
def test_the_pages_404s_still_help(live_server, path):
    status, headers, body = http_request(live_server, "GET", path, headers={"Accept": "text/html"})
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert path.encode() in body
    status, headers, body = http_request(live_server, "GET", path, headers={"Accept": "text/turtle"})
    assert status == 404 and headers["content-type"] == "text/plain; charset=utf-8"
    assert body.startswith(b"Not found: " + path.encode())


def test_other_modules_keep_their_own_404(live_server):
    status, headers, _body = http_request(live_server, "GET", "/-/system/no-such-board",
                                          headers={"Accept": "text/html"})
    assert status == 404
    assert "access-control-allow-origin" not in headers  # not a page module's answer
