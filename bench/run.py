"""Benchmark the SPARQL endpoint against a bare Oxigraph server.

One command::

    .venv/bin/python bench/run.py [--requests 200] [--concurrency 4] [--max-seconds 15]
                                  [--only-overhead] [--fresh]

Starts ``kg serve`` (this project's endpoint) and ``oxigraph serve-read-only``
(the ``oxigraph`` PyPI package) on the same on-disk build, both on 127.0.0.1,
then sends a trivial query (the fixed cost of a request) and each named
query (``kg/queries/*.rq``, without the resource pages' own ``page-*``
queries) the same number of times at the same
concurrency to each, over keep-alive connections, asking for SPARQL JSON.
Parameters are left unbound on both sides, so both run the same text.
Every request carries ``Cache-Control: no-cache``, so this endpoint
evaluates each query rather than answer from its response cache; the
trivial query is also measured without it, as served from the cache.
``--only-overhead`` measures the trivial query alone.
Prints one table: p50/p99 latency and throughput for each server and the
ratios (ours / Oxigraph), measured in the same run. Results are also written
to ``bench/results/`` as JSON.

The load is bounded: at most ``--requests`` per query and server (capped at
2000), at most ``--max-seconds`` each, loopback only.

The build used is the current one (``KG_HOME``), or a fresh build of
``data/`` in a temporary folder if there is none (``--fresh`` forces it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.build import build  # noqa: E402
from kg.config import Settings  # noqa: E402
from web.sparql import example_queries  # noqa: E402

ACCEPT = "application/sparql-results+json"
OVERHEAD = "SELECT ?x WHERE { BIND (1 AS ?x) }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(port: int, path: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing answered on port {port}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def one(conn_holder: list, port: int, path: str, query: str,
        cached: bool = False) -> tuple[int, bytes]:
    """One POST application/sparql-query on a kept-alive connection; unless
    ``cached``, with ``Cache-Control: no-cache`` so the query is evaluated."""
    headers = {"Content-Type": "application/sparql-query", "Accept": ACCEPT}
    if not cached:
        headers["Cache-Control"] = "no-cache"
    for attempt in (1, 2):
        if conn_holder[0] is None:
            conn_holder[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn = conn_holder[0]
        try:
            conn.request("POST", path, body=query.encode("utf-8"), headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn_holder[0] = None
            return resp.status, body
        except (http.client.HTTPException, OSError):
            conn.close()
            conn_holder[0] = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def load(port: int, path: str, query: str, requests: int, concurrency: int,
         max_seconds: float, cached: bool = False) -> dict:
    # Warm up (parse caches, page cache) outside the measurement.
    holder = [None]
    status, body = one(holder, port, path, query, cached)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
    rows = len(json.loads(body)["results"]["bindings"])
    for _ in range(4):
        one(holder, port, path, query, cached)

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    remaining = [requests]
    deadline = time.monotonic() + max_seconds

    def client():
        holder = [None]
        while True:
            with lock:
                if remaining[0] <= 0 or time.monotonic() > deadline:
                    return
                remaining[0] -= 1
            t = time.perf_counter()
            status, _ = one(holder, port, path, query, cached)
            elapsed = time.perf_counter() - t
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "rows": rows,
        "requests": len(latencies),
        "errors": errors[0],
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))],
        "rps": len(latencies) / wall,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=200, help="requests per query and server")
    ap.add_argument("--concurrency", type=int, default=4, help="parallel clients")
    ap.add_argument("--max-seconds", type=float, default=15, help="time cap per query and server")
    ap.add_argument("--only-overhead", action="store_true",
                    help="measure only the per-request overhead query")
    ap.add_argument("--fresh", action="store_true", help="build data/ into a temporary folder first")
    args = ap.parse_args()
    args.requests = max(10, min(args.requests, 2000))
    args.concurrency = max(1, min(args.concurrency, 16))

    tmp = None
    settings = Settings.from_env()
    if args.fresh or not (settings.current / "store").is_dir():
        tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
        settings = Settings.from_env(home=tmp)
        print("building data/ into a temporary folder ...", file=sys.stderr)
        build(settings, progress=lambda _m: None)
    store = Path(os.path.realpath(settings.current)) / "store"
    build_info = json.loads((store.parent / "build.json").read_text())

    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not oxigraph:
        print("the oxigraph server is not installed (pip install oxigraph)", file=sys.stderr)
        return 2

    ours_port, ox_port = free_port(), free_port()
    env = dict(os.environ, KG_HOME=str(settings.home), KG_BASE=settings.base,
               KG_PUBLIC_URL=f"http://127.0.0.1:{ours_port}/", PYTHONPATH=str(ROOT))
    log = open(Path(tempfile.gettempdir()) / f"kg-bench-{ours_port}.log", "wb")
    ours = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(ours_port)], env=env, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    theirs = subprocess.Popen([oxigraph, "serve-read-only", "--location", str(store),
                               "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    results = []
    try:
        wait_until(ours_port, "/-/health", ours)
        wait_until(ox_port, "/query", theirs)
        # First a query that costs the engine nothing: the fixed cost per request.
        # Every query is evaluated on every request (Cache-Control: no-cache);
        # the overhead query is also measured as served from our cache.
        workload = [("(per-request overhead: SELECT of one constant)", OVERHEAD, False),
                    ("(the same, served from the response cache)", OVERHEAD, True)]
        workload += [(q.name, q.text, False) for q in example_queries()]
        if args.only_overhead:
            workload = workload[:2]
        for name, text, cached in workload:
            a = load(ours_port, "/sparql", text, args.requests, args.concurrency, args.max_seconds,
                     cached)
            b = load(ox_port, "/query", text, args.requests, args.concurrency, args.max_seconds)
            if a["rows"] != b["rows"]:
                print(f"warning: {name}: {a['rows']} rows here, {b['rows']} from Oxigraph",
                      file=sys.stderr)
            results.append({"query": name, "ours": a, "oxigraph": b})
            print(f"  {name}: done", file=sys.stderr)
    finally:
        stop(ours)
        stop(theirs)
        log.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    header = (f"{build_info.get('triples')} triples; {args.requests} requests per query and server, "
              f"{args.concurrency} concurrent clients, POST application/sparql-query, SPARQL JSON; "
              f"{os.cpu_count()} CPUs")
    lines = [header, "",
             "| query | rows | ours p50 ms | ours p99 ms | ours req/s | Oxigraph p50 ms | Oxigraph p99 ms "
             "| Oxigraph req/s | p50 ratio | p99 ratio | req/s ratio |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        a, b = r["ours"], r["oxigraph"]
        lines.append(
            f"| {r['query']} | {a['rows']} | {a['p50_ms']:.1f} | {a['p99_ms']:.1f} | {a['rps']:.0f} "
            f"| {b['p50_ms']:.1f} | {b['p99_ms']:.1f} | {b['rps']:.0f} "
            f"| {a['p50_ms'] / b['p50_ms']:.2f} | {a['p99_ms'] / b['p99_ms']:.2f} | {a['rps'] / b['rps']:.2f} |")
    print("\n".join(lines))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (out / f"{stamp}.json").write_text(json.dumps(
        {"settings": vars(args), "triples": build_info.get("triples"), "results": results}, indent=2))
    errors = sum(r["ours"]["errors"] + r["oxigraph"]["errors"] for r in results)
    if errors:
        print(f"{errors} requests failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
