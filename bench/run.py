"""The atlas benchmark: one command, one table (figure, ours, peer, ratio).

    .venv/bin/python -m bench.run [--sizes 10000,100000,1000000] [--serve-size 1000000]
                                  [--no-rdflib] [--out bench/results/latest.md]
    .venv/bin/python -m bench.run --pages-only --serve-size 5000000   # the national-scale row

1. Build figures (``bench.build``): for each size a synthetic graph
   (``kg synth``) is built with the default settings and again validating
   with pyshacl (the peer), then validated alone with the fast engine; the
   largest is exported as N-Triples.
2. Serving figures (``bench.serve``) on the ``--serve-size`` build: the atlas,
   a bare in-memory Oxigraph server and rdflib-endpoint, one after another,
   get the same queries from the same client at the same concurrency; then
   resource pages (against the peers' DESCRIBE of the same resources) and
   the full N-Triples dump.

``--pages-only`` builds the ``--serve-size`` graph alone (no peer build) and
measures the atlas's pages only: the national-scale row, run on demand
(``kg synth --triples 5000000`` states 5M triples; with the plain graph and
what the ontology implies, the store holds 10M).

Every peer runs in this same run on this same machine, so the ratios compare
like with like. The table, the goals (met or not) and the conditions are
printed, written as Markdown to ``--out``, and the raw figures as JSON beside
it in ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path

from . import build as build_bench
from . import serve as serve_bench
from .table import markdown

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated triple counts to build (default: %(default)s)")
    ap.add_argument("--serve-size", type=int, default=None,
                    help="which size to serve for the endpoint figures (default: the largest)")
    ap.add_argument("--peer-timeout", type=float, default=300.0,
                    help="seconds before a peer build or request is given up (default: %(default)s)")
    ap.add_argument("--requests", type=int, default=60, help="requests per engine-bound query and server")
    ap.add_argument("--cheap-requests", type=int, default=3000, help="requests per cheap query and server")
    ap.add_argument("--concurrency", type=int, default=4, help="parallel clients (default: %(default)s)")
    ap.add_argument("--max-seconds", type=float, default=20.0, help="time cap per figure and server")
    ap.add_argument("--pages", type=int, default=200, help="resource pages in the sample")
    ap.add_argument("--flood-seconds", type=float, default=20.0,
                    help="how long the well-behaved client is measured under a flood")
    ap.add_argument("--no-rdflib", dest="rdflib", action="store_false",
                    help="leave out rdflib-endpoint (it takes minutes to load 1M triples)")
    ap.add_argument("--pages-only", action="store_true",
                    help="build the --serve-size graph alone and measure the atlas's pages only, no peers")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.md",
                    help="where the Markdown table goes (default: %(default)s)")
    opts = ap.parse_args()
    opts.requests = max(5, min(opts.requests, 5000))
    opts.cheap_requests = max(10, min(opts.cheap_requests, 20000))
    opts.concurrency = max(1, min(opts.concurrency, 16))

    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]
    serve_size = opts.serve_size or max(sizes)
    if serve_size not in sizes:
        sizes.append(serve_size)

    def progress(message: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)

    load_before = os.getloadavg()
    started = time.monotonic()
    if opts.pages_only:
        build_rows, goals, raw_build = build_bench.run_ours(serve_size, opts.seed, opts.workdir, progress)
        serve_rows, raw_serve, serve_goals = serve_bench.run_pages(opts.workdir / f"home-{serve_size}", opts,
                                                                   progress)
    else:
        build_rows, goals, raw_build = build_bench.run_sizes(sorted(sizes), opts.peer_timeout, opts.seed,
                                                             opts.workdir, progress)
        serve_rows, raw_serve, serve_goals = serve_bench.run(opts.workdir / f"home-{serve_size}", opts,
                                                             progress)
    load_after = os.getloadavg()

    table = markdown(build_rows + serve_rows)
    conditions = (
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPUs in {time.monotonic() - started:.0f} s; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after. "
        f"Serving: {opts.concurrency} concurrent clients on kept-alive connections, "
        f"{opts.requests} requests per engine-bound query and {opts.cheap_requests} per cheap one "
        f"(or {opts.max_seconds:.0f} s, whichever came first), POST application/sparql-query, "
        f"SPARQL JSON (Turtle for DESCRIBE), `Cache-Control: no-cache` unless the row says cached. "
        f"Versions: {build_bench.versions()}.")
    text = "\n\n".join([table, conditions, "Goals:\n" + "\n".join(f"- {g}" for g in goals + serve_goals)])
    print(text)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(text + "\n")
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (opts.out.parent / f"{stamp}.json").write_text(json.dumps(
        {"settings": {k: str(v) for k, v in vars(opts).items()}, "build": raw_build, "serve": raw_serve},
        indent=1, default=lambda o: asdict(o) if is_dataclass(o) else str(o)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
