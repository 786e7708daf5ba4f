"""Benchmark: build and validation of synthetic graphs, ours against a peer.

    .venv/bin/python bench/build.py [--sizes 10000,100000,1000000] [--peer-timeout 300]

For each size it writes a synthetic graph (``kg synth``), then, each in its own
process so that peak memory is that process's own (``wait4``):

- builds it with the default settings (``kg build``: parse, validate, index),
- builds it with ``KG_VALIDATOR=pyshacl`` (the peer: pyshacl on rdflib, the
  reference engine), stopped after ``--peer-timeout`` seconds,
- validates it alone with the fast engine (pyshacl-turbo), to set beside the
  peer's validation time and to check that both find the same violations.

At the largest size it also times ``kg export --format nt``. It prints one
table: figure, ours, peer, ratio (peer / ours; above 1 means ours is faster or
smaller). Times are wall-clock seconds on this machine, with other work on it
as it happens: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Run:
    seconds: float
    rss_mb: float
    code: int
    timed_out: bool
    out: str
    err: str


def run(cmd: list[str], env: dict[str, str], timeout: float | None = None) -> Run:
    """Run ``cmd``; its wall time and its own peak resident memory."""
    logs = ROOT / "var" / "bench" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=err,
                                start_new_session=True)
        killed = threading.Event()

        def stop():
            killed.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, stop) if timeout else None
        if timer:
            timer.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, killed.is_set(),
               out_path.read_text(errors="replace"), err_path.read_text(errors="replace"))


def phase(err: str, pattern: str) -> float | None:
    m = re.search(pattern, err)
    return float(m.group(1)) if m else None


def build(data: Path, home: Path, validator: str, timeout: float | None = None) -> dict:
    shutil.rmtree(home, ignore_errors=True)
    r = run([sys.executable, "-m", "kg.cli", "build"],
            {"KG_DATA_DIR": str(data), "KG_HOME": str(home), "KG_VALIDATOR": validator}, timeout)
    if r.code != 0 and not r.timed_out:
        raise SystemExit(f"build of {data} with {validator} failed:\n{r.err[-3000:]}")
    engine = re.search(r"with (\w+)\n", r.err)
    return {"seconds": r.seconds, "rss": r.rss_mb, "timed_out": r.timed_out,
            "engine": engine.group(1) if engine else validator,
            "read": phase(r.err, r"read \d+ triples in ([\d.]+) s"),
            "validate": phase(r.err, r"validated in ([\d.]+) s"),
            "index": phase(r.err, r"wrote the store \S+ in ([\d.]+) s"),
            "triples": int(m.group(1)) if (m := re.search(r"Built (\d+) triples", r.out)) else None}


def validate_alone(data: Path, engine: str, timeout: float | None = None) -> dict:
    r = run([sys.executable, str(Path(__file__).resolve()), "--worker", engine, str(data)], {}, timeout)
    if r.timed_out:
        return {"seconds": None, "rss": r.rss_mb, "timed_out": True}
    if r.code != 0:
        raise SystemExit(f"validation of {data} with {engine} failed:\n{r.err[-3000:]}")
    return {**json.loads(r.out.strip().splitlines()[-1]), "rss": r.rss_mb, "timed_out": False}


def worker(engine: str, data: str) -> None:
    """In a child process: load ``data`` and time validation alone."""
    from kg.config import Settings
    from kg.sources import load, load_shapes
    from kg.validate import validate

    settings = Settings.from_env(data_dir=Path(data))
    loaded, shapes = load(settings), load_shapes(settings)
    started = time.monotonic()
    report = validate(loaded, shapes, engine=engine)
    seconds = time.monotonic() - started
    keys = sorted({(v.focus, v.path, v.shape, v.severity) for v in report.violations})
    print(json.dumps({"seconds": seconds, "violations": len(keys), "conforms": report.conforms}))


def export(home: Path, out: Path) -> dict:
    r = run([sys.executable, "-m", "kg.cli", "export", "--format", "nt", "-o", str(out)], {"KG_HOME": str(home)})
    if r.code != 0:
        raise SystemExit(f"export failed:\n{r.err[-3000:]}")
    mb = out.stat().st_size / 1e6
    return {"seconds": r.seconds, "rss": r.rss_mb, "mb": mb, "rate": mb / r.seconds}


def fmt_s(value: float | None, timed_out: bool = False, cap: float | None = None) -> str:
    if timed_out:
        return f"> {cap:.0f} s"
    return "—" if value is None else f"{value:.1f} s" if value >= 1 else f"{value:.2f} s"


def ratio(peer: float | None, ours: float | None, peer_capped: bool = False) -> str:
    if peer is None or not ours:
        return "—"
    return f"{'> ' if peer_capped else ''}{peer / ours:.1f}×"


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated triple counts")
    ap.add_argument("--peer-timeout", type=float, default=300.0, help="seconds before a peer run is stopped")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    ap.add_argument("--out", type=Path, help="also write the table (Markdown) to this file")
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "DATA"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return

    from kg.synth import synthesise
    from kg.validate import TURBO_FROM

    sizes = [int(s) for s in args.sizes.split(",")]
    cap = args.peer_timeout
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    rows: list[tuple[str, str, str, str]] = []
    notes: list[str] = []
    goals: list[str] = []
    for n in sizes:
        data = work / f"data-{n}"
        print(f"[{label(n)}] synthesising {n} triples", file=sys.stderr, flush=True)
        manifest = synthesise(data, n, seed=args.seed)
        print(f"[{label(n)}] build (default settings)", file=sys.stderr, flush=True)
        ours = build(data, work / f"home-{n}", "auto")
        print(f"[{label(n)}] build with pyshacl (peer, up to {cap:.0f} s)", file=sys.stderr, flush=True)
        peer = build(data, work / f"home-{n}-peer", "pyshacl", timeout=cap)
        shutil.rmtree(work / f"home-{n}-peer", ignore_errors=True)
        print(f"[{label(n)}] validation alone with turbo", file=sys.stderr, flush=True)
        fast = validate_alone(data, "turbo")
        L = label(n)
        rows.append((f"build {L} ({manifest['triples']} triples; parse + validate + index), s",
                     fmt_s(ours["seconds"]), fmt_s(peer["seconds"], peer["timed_out"], cap),
                     ratio(cap if peer["timed_out"] else peer["seconds"], ours["seconds"], peer["timed_out"])))
        rows.append((f"build {L}: parse / validate ({ours['engine']}) / index (alongside validation), s",
                     f"{ours['read']:.1f} / {ours['validate']:.1f} / {ours['index']:.1f}",
                     "—" if peer["timed_out"] else
                     f"{peer['read']:.1f} / {peer['validate']:.1f} / {peer['index']:.1f}", ""))
        rows.append((f"build {L} peak memory, MB", f"{ours['rss']:.0f}",
                     f"≥ {peer['rss']:.0f}" if peer["timed_out"] else f"{peer['rss']:.0f}",
                     "—" if peer["timed_out"] else ratio(peer["rss"], ours["rss"])))
        peer_validate = None if peer["timed_out"] else peer["validate"]
        rows.append((f"validate {L}: turbo vs pyshacl, s", fmt_s(fast["seconds"]),
                     fmt_s(peer_validate, peer["timed_out"], cap),
                     ratio(cap if peer["timed_out"] else peer_validate, fast["seconds"], peer["timed_out"])))
        same = "peer stopped" if peer["timed_out"] else (
            "yes" if fast["conforms"] and fast["violations"] == 0 else f"turbo found {fast['violations']}")
        notes.append(f"{L}: pyshacl and turbo agree that the graph conforms: {same}")
        if n >= 1_000_000:
            goals.append(f"build {L}: {ours['seconds']:.1f} s (goal < 60 s: {'met' if ours['seconds'] < 60 else 'not met'}), "
                         f"peak {ours['rss']:.0f} MB (goal < 1536 MB: {'met' if ours['rss'] < 1536 else 'not met'})")
    largest = max(sizes)
    print(f"[{label(largest)}] export --format nt", file=sys.stderr, flush=True)
    ex = export(work / f"home-{largest}", work / "export.nt")
    (work / "export.nt").unlink()
    rows.append((f"export {label(largest)} as N-Triples ({ex['mb']:.0f} MB), MB/s", f"{ex['rate']:.1f}", "—", ""))
    rows.append((f"export {label(largest)} peak memory, MB", f"{ex['rss']:.0f}", "—", ""))
    load_after = os.getloadavg()

    head = ("| figure | ours | peer | ratio |", "|---|---|---|---|")
    table = "\n".join([*head, *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows)])
    context = (f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores; load average "
               f"{load_before[0]:.1f} before, {load_after[0]:.1f} after. Ours: `kg build` with default "
               f"settings (validator auto: turbo from {TURBO_FROM:,} triples). Peer: the same build with "
               f"`KG_VALIDATOR=pyshacl` (pyshacl on rdflib), stopped after {cap:.0f} s. "
               f"pyshacl {version('pyshacl')}, pyshacl-turbo {version('pyshacl-turbo')}, "
               f"pyoxigraph {version('pyoxigraph')}, rdflib {version('rdflib')}.")
    text = "\n\n".join([table, context, "\n".join(f"- {x}" for x in notes + goals)])
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
