"""Serving figures on one build: the endpoint, resource pages and the dump.

The atlas (``kg serve``), a bare in-memory Oxigraph server and
rdflib-endpoint are started one after another on the same quads, so each has
the machine to itself, and get the same requests from the same client
(``bench.load``):

- engine-bound queries (``bench/queries/*.rq`` marked ``kind: engine``),
  evaluated on every request (``Cache-Control: no-cache``);
- cheap queries (``kind: cheap``) for throughput, evaluated; and for the
  atlas also as answered from its response cache, and revalidated
  (``If-None-Match`` answered 304), since the graph is read-only between
  builds;
- resource pages: the atlas's HTML page for a fixed sample of resources,
  set beside each peer's ``DESCRIBE`` of the same resource (the bare data a
  page is made from);
- the full N-Triples dump over HTTP, with the server's memory before and
  after;
- last, a flood: 20 connections of one client sending a runaway query
  (``FLOOD_QUERY``) back to back, while another client sends the cheap
  SELECT one at a time; its latency is the figure (a peer that cannot
  stop a runaway query is stopped with its server afterwards).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from . import load
from .servers import Atlas, OxigraphServer, RdflibEndpoint, Server
from .table import Row, mb, ms, rate, ratio

QUERIES = Path(__file__).resolve().parent / "queries"
#: Never finishes on a real graph: a three-way cross product, counted.
FLOOD_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FLOOD_CLIENTS = 20
JSON = "application/sparql-results+json"


@dataclass
class Query:
    name: str
    title: str
    kind: str
    text: str


def workload(organisation: str, flow: str) -> list[Query]:
    out = []
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text()
        head = dict(re.findall(r"^# (\w+): (.*)$", text, re.MULTILINE))
        text = text.replace("<urn:bench:organisation>", f"<{organisation}>").replace(
            "<urn:bench:flow>", f"<{flow}>")
        out.append(Query(path.stem, head.get("title", path.stem), head.get("kind", "engine"), text))
    return out


def sample(store_path: Path, pages: int) -> dict:
    """Resources to ask for, picked the same way on every run: an
    organisation and a funding flow for the cheap queries, a spread of typed
    resources for the pages, and the resource most pointed at (a hub)."""
    st = ox.Store.read_only(str(store_path))

    def first(text: str) -> list:
        return [row[0].value for row in st.query(text, use_default_graph_as_union=True)]

    ia = "https://w3id.org/integration-atlas/def/"
    org = first(f"SELECT ?s WHERE {{ ?s <{ia}odsCode> ?c ; a <http://www.w3.org/ns/org#FormalOrganization> }} "
                "ORDER BY ?c LIMIT 1")
    flow = first(f"SELECT ?s WHERE {{ ?s a <{ia}FundingFlow> }} ORDER BY ?s LIMIT 1")
    base = first(f"SELECT ?s WHERE {{ ?s a <{ia}FundingFlow> }} LIMIT 1")[0].split("/id/")[0] + "/"
    picked = first(f"SELECT DISTINCT ?s WHERE {{ ?s a ?c FILTER (STRSTARTS(STR(?s), \"{base}id/\")) }} "
                   f"ORDER BY MD5(STR(?s)) LIMIT {int(pages)}")
    hub = first(f"SELECT ?o WHERE {{ ?s <{ia}programme> ?o }} GROUP BY ?o ORDER BY DESC(COUNT(*)) LIMIT 1")
    return {"organisation": org[0], "flow": flow[0], "pages": picked, "hub": hub[0] if hub else None,
            "base": base}


def page_path(iri: str, base: str) -> str:
    """Where the atlas serves a resource: its IRI's path below the base."""
    return "/" + iri[len(base):]


def sparql(server: Server, text: str, accept: str = JSON, **headers) -> load.Request:
    return load.Request("POST", server.sparql_path,
                        {"Content-Type": "application/sparql-query", "Accept": accept, **headers},
                        text.encode("utf-8"))


def describe(server: Server, iri: str) -> load.Request:
    return load.Request("GET", f"{server.sparql_path}?query=" + quote(f"DESCRIBE <{iri}>"),
                        {"Accept": "text/turtle"})


def etag_of(server: Server, req: load.Request) -> str | None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request(req.method, req.path, body=req.body, headers=req.headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.getheader("ETag")


def answer_sizes(server: Server, queries: list[Query], timeout: float) -> dict[str, int | None]:
    """How many solutions each SELECT returns, to check that every server
    answers the same question (None: no answer in time)."""
    sizes = {}
    for q in queries:
        if "SELECT" not in q.text:
            continue
        try:
            status, body = load.Client(server.port, timeout).send(sparql(server, q.text))
            sizes[q.name] = len(json.loads(body)["results"]["bindings"]) if status == 200 else None
        except (OSError, ValueError, KeyError):
            sizes[q.name] = None
    return sizes


def measure_server(server: Server, queries: list[Query], picked: dict, opts) -> dict:
    """Every request kind against one server: {figure key: load.Result}."""
    out: dict = {}
    slow = isinstance(server, RdflibEndpoint)
    out["answers"] = answer_sizes(server, queries, opts.peer_timeout)
    for q in queries:
        accept = "text/turtle" if q.text.lstrip().upper().startswith("DESCRIBE") or \
            "\nDESCRIBE" in q.text else JSON
        req = sparql(server, q.text, accept, **{"Cache-Control": "no-cache"})
        total = opts.requests if q.kind == "engine" else opts.cheap_requests
        out[q.name] = load.run(server.port, [req], total, opts.concurrency,
                               opts.max_seconds, timeout=opts.peer_timeout if slow else 300)
        if isinstance(server, Atlas) and q.kind == "cheap":
            cached = sparql(server, q.text, accept)
            out[q.name + "+cached"] = load.run(server.port, [cached], opts.cheap_requests,
                                               opts.concurrency, opts.max_seconds)
            tag = etag_of(server, cached)
            if tag:
                again = sparql(server, q.text, accept, **{"If-None-Match": tag})
                again.ok = (304,)
                out[q.name + "+revalidated"] = load.run(server.port, [again], opts.cheap_requests,
                                                        opts.concurrency, opts.max_seconds)
    # Pages (or the peers' DESCRIBE of the same resources), one client at a
    # time: latency, not throughput.
    if isinstance(server, Atlas):
        out["views"] = measure_views(server, opts, picked)
        out["pages"] = measure_pages(server, picked, opts)
    else:
        reqs = [describe(server, iri) for iri in picked["pages"]]
        out["pages"] = load.run(server.port, reqs, len(reqs), 1, opts.max_seconds * 4, warmup=1,
                                timeout=opts.peer_timeout)
    return out


#: Whole-graph pages measured at the serve size: (figure name, path).
VIEWS = [("funding view", "/-/funding"), ("funding view as JSON", "/-/funding.json"),
         ("funding view for one year", "/-/funding?year=2015-16"), ("home page", "/")]
#: Goal for each view: an answer within this many seconds after the first request of a build.
VIEW_GOAL_S = 2.0


def views(picked: dict) -> list[tuple[str, str]]:
    """VIEWS, then the pages of the sampled resources held to the same goal:
    the programme most things name, and the dossier and evidence pack of a
    funding flow."""
    out = list(VIEWS)
    if picked.get("hub"):
        out.append(("page of the programme most things name", page_path(picked["hub"], picked["base"])))
    out.append(("dossier of a funding flow", page_path(picked["flow"], picked["base"])))
    out.append(("evidence pack (CSV) of that flow", "/-/evidence.csv?item=" + quote(picked["flow"], safe="")))
    return out


def measure_views(server: Server, opts, picked: dict) -> dict:
    """The first request of each view after the build (what a reader waits
    for once), then the p50 of a few more: {name: (first ms or None, Result)}."""
    out = {}
    headers = {"Accept": "text/html", "Cache-Control": "no-cache"}
    for name, path in views(picked):
        req = load.Request("GET", path, headers)
        client = load.Client(server.port, max(opts.peer_timeout, 60))
        started = time.monotonic()
        try:
            status, _body = client.send(req)
            first = (time.monotonic() - started) * 1000 if status == 200 else None
        except TimeoutError:
            first = None
        finally:
            client.close()
        out[name] = (first, load.run(server.port, [req], 5, 1, opts.max_seconds, warmup=1))
    return out


def measure_pages(server: Server, picked: dict, opts) -> load.Result:
    """The HTML page of each sampled resource, one client at a time."""
    html = {"Accept": "text/html", "Cache-Control": "no-cache"}
    reqs = [load.Request("GET", page_path(iri, picked["base"]), html) for iri in picked["pages"]]
    return load.run(server.port, reqs, len(reqs), 1, opts.max_seconds * 4, warmup=1)


def measure_dump(server: Server) -> dict:
    """The full N-Triples dump over HTTP: the first request (made, then sent)
    and a second (sent from the file), with server memory around them."""
    figures = {}
    for attempt in ("first", "again"):
        if isinstance(server, Atlas):
            path, headers = "/-/dumps/atlas.nt", {}
        else:  # every triple of the union, streamed by the engine as N-Triples
            path = "/query?query=" + quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
            headers = {"Accept": "application/n-triples"}
        before = server.memory_mb()
        peak = [before]
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        size = 0
        while chunk := resp.read(1 << 20):
            size += len(chunk)
            if size % (32 << 20) < (1 << 20):
                peak[0] = max(peak[0], server.memory_mb())
        seconds = time.perf_counter() - started
        conn.close()
        if resp.status != 200:
            raise RuntimeError(f"{server.name} answered {resp.status} for {path}")
        figures[attempt] = {"mb": size / 1e6, "seconds": seconds, "rate": size / 1e6 / seconds,
                            "rss_before": before, "rss_peak": max(peak[0], server.memory_mb())}
    return figures


def measure_flood(server: Server, queries: list[Query], opts) -> dict:
    """The well-behaved client's cheap query while another client floods."""
    import threading

    cheap = next(q for q in queries if q.kind == "cheap" and "DESCRIBE" not in q.text.upper())
    calm = sparql(server, cheap.text, JSON, **{"Cache-Control": "no-cache"})
    runaway = sparql(server, FLOOD_QUERY, JSON, **{"Cache-Control": "no-cache"})
    seconds = getattr(opts, "flood_seconds", 20.0)
    stop = threading.Event()
    counts: dict = {}
    flooder = threading.Thread(target=lambda: counts.update(
        load.flood(server.port, runaway, FLOOD_CLIENTS, stop)), daemon=True)
    flooder.start()
    time.sleep(1)  # the flood is on
    result = load.run(server.port, [calm], 10**6, 1, seconds, timeout=seconds + 10, warmup=1,
                      clients="10.2.0")
    stop.set()
    flooder.join(30)
    return {"calm": result, "flood": counts}


def run(home: Path, opts, progress) -> tuple[list[Row], dict, list[str]]:
    """Measure the three servers on the build at ``home``: table rows, raw
    figures and goal lines."""
    store = Path(home, "current").resolve() / "store"
    triples = len(ox.Store.read_only(str(store)))
    picked = sample(store, opts.pages)
    queries = workload(picked["organisation"], picked["flow"])
    raw: dict = {"triples": triples, "sample": picked}
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        nquads = Path(tmp) / "atlas.nq"
        ox.Store.read_only(str(store)).dump(str(nquads), ox.RdfFormat.N_QUADS)
        # The atlas writes a dump on its first request for it: start clean.
        shutil.rmtree(store.parent / "dumps", ignore_errors=True)
        progress(f"serving {triples} triples: the atlas")
        with Atlas(home) as s:
            raw["atlas"] = measure_server(s, queries, picked, opts)
            raw["atlas_dump"] = measure_dump(s)
            raw["atlas_rss"] = s.memory_mb()
            progress("the atlas under a flood")
            raw["atlas_flood"] = measure_flood(s, queries, opts)
        progress("serving: Oxigraph server (in memory)")
        with OxigraphServer(nquads) as s:
            raw["oxigraph"] = measure_server(s, queries, picked, opts)
            raw["oxigraph_dump"] = measure_dump(s)
            raw["oxigraph_rss"] = s.memory_mb()
            progress("Oxigraph server under a flood")
            raw["oxigraph_flood"] = measure_flood(s, queries, opts)
        if opts.rdflib:
            progress("serving: rdflib-endpoint (loading the quads into rdflib)")
            started = time.monotonic()
            with RdflibEndpoint(nquads, timeout=opts.peer_timeout * 10) as s:
                raw["rdflib_load_seconds"] = time.monotonic() - started
                raw["rdflib"] = measure_server(s, queries, picked, opts)
                raw["rdflib_rss"] = s.memory_mb()
    return rows(raw, queries, opts), raw, goals(raw, queries)


def run_pages(home: Path, opts, progress) -> tuple[list[Row], dict, list[str]]:
    """The atlas's pages alone, no peers (``--pages-only``: the national-scale
    row): the views and the sampled resource pages on the build at ``home``."""
    store = Path(home, "current").resolve() / "store"
    triples = len(ox.Store.read_only(str(store)))
    picked = sample(store, opts.pages)
    raw: dict = {"triples": triples, "sample": picked}
    progress(f"serving {triples} triples: the atlas's pages")
    with Atlas(home) as s:
        raw["atlas"] = {"views": measure_views(s, opts, picked), "pages": measure_pages(s, picked, opts)}
        raw["atlas_rss"] = s.memory_mb()
    size = _label(triples)
    pages = raw["atlas"]["pages"]
    rows = [Row(f"{size}: resource page p50, {pages.requests} resources", ms(pages.p50_ms), "—"),
            Row(f"{size}: resource page p99", ms(pages.p99_ms), "—"), *view_rows(raw, size),
            Row(f"{size}: server memory after the pages (proportional set size of all its processes)",
                mb(raw["atlas_rss"]), "—")]
    return rows, raw, [page_goal(raw, size), *view_goals(raw, size)]


def _label(n: int) -> str:
    return f"{n / 1e6:.0f}M" if n >= 1_000_000 else f"{n // 1000}k"


def rows(raw: dict, queries: list[Query], opts) -> list[Row]:
    size = _label(raw["triples"])
    out: list[Row] = []
    peers = [("oxigraph", "Oxigraph server")] + ([("rdflib", "rdflib-endpoint")] if "rdflib" in raw else [])
    for q in queries:
        ours = raw["atlas"][q.name]
        for key, peer_name in peers:
            theirs = raw[key][q.name]
            peer_cell = ("no answer" if theirs.p50_ms is None else ms(theirs.p50_ms)
                         + (f" ({theirs.requests} req.)" if theirs.capped and q.kind == "engine" else ""))
            mine, other = raw["atlas"]["answers"].get(q.name), raw[key]["answers"].get(q.name)
            if mine is not None and other is not None and mine != other:
                peer_cell += f" (answered {other} rows, ours {mine}: not comparable)"
            if q.kind == "engine":
                out.append(Row(f"{size}: {q.title}, p50 (vs {peer_name})", ms(ours.p50_ms), peer_cell,
                               ratio(ours.p50_ms, theirs.p50_ms, higher_is_better=False)))
            else:
                out.append(Row(f"{size}: {q.title}, evaluated, throughput (vs {peer_name})",
                               rate(ours.rps), rate(theirs.rps) if theirs.requests else peer_cell,
                               ratio(ours.rps, theirs.rps, higher_is_better=True)))
        if q.kind == "cheap":
            ox_rps = raw["oxigraph"][q.name].rps
            for variant, words in (("cached", "from the response cache"),
                                   ("revalidated", "revalidated, 304 Not Modified")):
                r = raw["atlas"].get(f"{q.name}+{variant}")
                if r:
                    out.append(Row(f"{size}: {q.title}, {words}, throughput (vs Oxigraph server)",
                                   rate(r.rps), rate(ox_rps), ratio(r.rps, ox_rps, higher_is_better=True)))
    pages = raw["atlas"]["pages"]
    for key, peer_name in peers:
        theirs = raw[key]["pages"]
        out.append(Row(f"{size}: resource page p50, {pages.requests} resources "
                       f"(vs {peer_name} DESCRIBE of the same)", ms(pages.p50_ms), ms(theirs.p50_ms),
                       ratio(pages.p50_ms, theirs.p50_ms, higher_is_better=False)))
        out.append(Row(f"{size}: resource page p99 (vs {peer_name} DESCRIBE)", ms(pages.p99_ms),
                       ms(theirs.p99_ms), ratio(pages.p99_ms, theirs.p99_ms, higher_is_better=False)))
    out.extend(view_rows(raw, size))
    for attempt, words in (("first", "first request: written, then sent"), ("again", "sent from the file")):
        a, b = raw["atlas_dump"][attempt], raw["oxigraph_dump"][attempt]
        out.append(Row(f"{size}: full N-Triples dump over HTTP, {words} (vs Oxigraph server "
                       f"CONSTRUCT of every triple)", rate(a["rate"], "MB/s"), rate(b["rate"], "MB/s"),
                       ratio(a["rate"], b["rate"], higher_is_better=True)))
    a, b = raw["atlas_dump"]["first"], raw["oxigraph_dump"]["first"]
    out.append(Row(f"{size}: server memory growth during the first dump ({a['mb']:.0f} MB)",
                   mb(a["rss_peak"] - a["rss_before"]), mb(b["rss_peak"] - b["rss_before"]),
                   ratio(max(a["rss_peak"] - a["rss_before"], 1), max(b["rss_peak"] - b["rss_before"], 1),
                         higher_is_better=False, words=("less", "more"))))
    out.append(Row(f"{size}: server memory after the run (proportional set size of all its processes)",
                   mb(raw["atlas_rss"]), mb(raw["oxigraph_rss"]),
                   ratio(raw["atlas_rss"], raw["oxigraph_rss"], higher_is_better=False,
                         words=("less", "more"))))
    a, b = raw["atlas_flood"]["calm"], raw["oxigraph_flood"]["calm"]
    refused = raw["atlas_flood"]["flood"].get("429", 0)
    for pct, ours, theirs in (("p50", a.p50_ms, b.p50_ms), ("p99", a.p99_ms, b.p99_ms)):
        out.append(Row(f"{size}: cheap query while another client floods ({FLOOD_CLIENTS} runaway "
                       f"queries at once), well-behaved client {pct} (vs Oxigraph server, same flood)",
                       ms(ours) if ours is not None else f"no answer ({a.errors} failed)",
                       ms(theirs) if theirs is not None else f"no answer ({b.errors} failed)",
                       ratio(ours, theirs, higher_is_better=False)))
    out.append(Row(f"{size}: during that flood, the well-behaved client's requests answered "
                   f"(the flooder's refused with 429)", f"{a.requests} of {a.requests + a.errors} "
                   f"({refused} refused)", f"{b.requests} of {b.requests + b.errors}", ""))
    if "rdflib_load_seconds" in raw:
        out.append(Row(f"{size}: rdflib-endpoint start-up (parse the quads), for reference", "—",
                       f"{raw['rdflib_load_seconds']:.0f} s", ""))
    return out


def goals(raw: dict, queries: list[Query]) -> list[str]:
    size = _label(raw["triples"])
    lines = []
    worst = max((raw["atlas"][q.name].p50_ms / raw["oxigraph"][q.name].p50_ms, q.title)
                for q in queries if q.kind == "engine")
    lines.append(f"engine-bound queries at {size}: at worst {worst[0]:.2f}× Oxigraph server's p50 "
                 f"({worst[1]}); goal within 1.5×: {'met' if worst[0] <= 1.5 else 'not met'}")
    for q in queries:
        if q.kind != "cheap":
            continue
        ev, peer = raw["atlas"][q.name].rps, raw["oxigraph"][q.name].rps
        cached = raw["atlas"].get(q.name + "+cached")
        lines.append(f"cheap query '{q.title}', evaluated: {ev:,.0f} req/s, {ev / peer:.2f} of Oxigraph "
                     f"server's {peer:,.0f} ({cached.rps:,.0f} from the cache); goal at least a third: "
                     f"{'met' if ev >= peer / 3 else 'not met'}")
    memory = raw["atlas_rss"] / raw["oxigraph_rss"]
    lines.append(f"server memory at {size}: {raw['atlas_rss']:,.0f} MB, {memory:.2f}× Oxigraph server's "
                 f"{raw['oxigraph_rss']:,.0f} MB; goal at most 2×: {'met' if memory <= 2 else 'not met'}")
    lines.append(page_goal(raw, size))
    lines.extend(view_goals(raw, size))
    d = raw["atlas_dump"]
    lines.append(f"N-Triples dump at {size}: {d['first']['rate']:.0f} MB/s on the first request, "
                 f"{d['again']['rate']:.0f} MB/s after; memory growth {d['first']['rss_peak'] - d['first']['rss_before']:.0f} MB; "
                 f"goal 50 MB/s: {'met' if min(d['first']['rate'], d['again']['rate']) >= 50 else 'not met'}")
    return lines


def view_rows(raw: dict, size: str) -> list[Row]:
    out = []
    for name, (first, again) in raw["atlas"].get("views", {}).items():
        out.append(Row(f"{size}: {name}, first request after the build",
                       ms(first) if first is not None else "no answer", "—"))
        out.append(Row(f"{size}: {name}, p50 after", ms(again.p50_ms) if again.p50_ms is not None else "—", "—"))
    return out


def page_goal(raw: dict, size: str) -> str:
    pages = raw["atlas"]["pages"]
    if pages.p50_ms is None:
        return (f"resource page p50 at {size}: no page answered ({pages.errors} failed: "
                f"{pages.error or 'see the server log'}); goal under 50 ms: not met")
    return f"resource page p50 at {size}: {pages.p50_ms:.1f} ms; goal under 50 ms: {'met' if pages.p50_ms < 50 else 'not met'}"


def view_goals(raw: dict, size: str) -> list[str]:
    lines = []
    for name, (first, again) in raw["atlas"].get("views", {}).items():
        worst = max(first or float("inf"), again.p50_ms or float("inf"))
        lines.append(f"{name} at {size}: first request {'no answer' if first is None else f'{first / 1000:.2f} s'}, "
                     f"then {again.p50_ms or float('nan'):.0f} ms; goal under {VIEW_GOAL_S:.0f} s: "
                     f"{'met' if worst < VIEW_GOAL_S * 1000 else 'not met'}")
    return lines
