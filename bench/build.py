"""Build and validation figures on synthetic graphs, ours against a peer.

For each size it writes a synthetic graph (``kg synth``), then, each in its own
process so that peak memory is that process's own (``wait4``):

- builds it with the default settings (``kg build``: parse, validate, index),
- builds it with ``KG_VALIDATOR=pyshacl`` (the peer: pyshacl on rdflib, the
  reference engine), stopped after ``--peer-timeout`` seconds,
- validates it alone with the fast engine (pyshacl-turbo), to set beside the
  peer's validation time and to check that both find the same violations.

At the largest size it also times ``kg export --format nt``.
"""

from __future__ import annotations

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

from .table import Row, mb, rate, ratio, seconds

ROOT = Path(__file__).resolve().parent.parent


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
    r = run([sys.executable, "-m", "bench.build", engine, str(data)], {"PYTHONPATH": str(ROOT)}, timeout)
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


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def synth_and_build(n: int, seed: int, work: Path, progress) -> tuple[Path, dict, dict]:
    """Synthesise about ``n`` triples and build them with the default
    settings: (data folder, synth manifest, build figures)."""
    from kg.synth import synthesise

    work.mkdir(parents=True, exist_ok=True)
    data = work / f"data-{n}"
    progress(f"[{label(n)}] synthesising {n} triples")
    manifest = synthesise(data, n, seed=seed)
    progress(f"[{label(n)}] build (default settings)")
    return data, manifest, build(data, work / f"home-{n}", "auto")


def run_ours(n: int, seed: int, work: Path, progress) -> tuple[list[Row], list[str], dict]:
    """Synthesise and build one size with the default settings only (no
    peer): the build behind the national-scale pages row."""
    L = label(n)
    data, manifest, ours = synth_and_build(n, seed, work, progress)
    rows = [Row(f"{L}: build ({manifest['triples']:,} triples stated, {ours['triples'] or 0:,} in the store: "
                f"parse, validate, index)", seconds(ours["seconds"]), "—"),
            Row(f"{L}: build phases: parse / validate ({ours['engine']}) / index, s",
                f"{ours['read']:.1f} / {ours['validate']:.1f} / {ours['index']:.1f}", "—"),
            Row(f"{L}: build peak memory", mb(ours["rss"]), "—")]
    return rows, [], {L: {"ours": ours, "triples": manifest["triples"]}}


def run_sizes(sizes: list[int], cap: float, seed: int, work: Path, progress) -> tuple[list[Row], list[str], dict]:
    """Synthesise, build (ours and the peer) and validate each size; export
    the largest. Table rows, goal lines and raw figures."""
    rows: list[Row] = []
    goals: list[str] = []
    raw: dict = {}
    for n in sizes:
        L = label(n)
        data, manifest, ours = synth_and_build(n, seed, work, progress)
        progress(f"[{L}] build with pyshacl (peer, up to {cap:.0f} s)")
        peer = build(data, work / f"home-{n}-peer", "pyshacl", timeout=cap)
        shutil.rmtree(work / f"home-{n}-peer", ignore_errors=True)
        progress(f"[{L}] validation alone with turbo")
        fast = validate_alone(data, "turbo")
        raw[L] = {"ours": ours, "peer": peer, "turbo_alone": fast, "triples": manifest["triples"]}
        capped = cap if peer["timed_out"] else None
        peer_build = cap if capped else peer["seconds"]
        rows.append(Row(f"{L}: build ({manifest['triples']:,} triples: parse, validate, index) "
                        f"(vs the same build validating with pyshacl)", seconds(ours["seconds"]),
                        seconds(peer["seconds"], capped),
                        ratio(ours["seconds"], peer_build, higher_is_better=False, peer_capped=bool(capped))))
        rows.append(Row(f"{L}: build phases: parse / validate ({ours['engine']}) / index, s",
                        f"{ours['read']:.1f} / {ours['validate']:.1f} / {ours['index']:.1f}",
                        "—" if capped else f"{peer['read']:.1f} / {peer['validate']:.1f} / {peer['index']:.1f}"))
        rows.append(Row(f"{L}: build peak memory (vs pyshacl build)", mb(ours["rss"]),
                        ("≥ " if capped else "") + mb(peer["rss"]),
                        "—" if capped else ratio(ours["rss"], peer["rss"], higher_is_better=False,
                                                 words=("less", "more"))))
        peer_validate = cap if capped else peer["validate"]
        rows.append(Row(f"{L}: validation alone, turbo (vs pyshacl on rdflib)", seconds(fast["seconds"]),
                        seconds(peer["validate"], capped),
                        ratio(fast["seconds"], peer_validate, higher_is_better=False, peer_capped=bool(capped))))
        agree = "peer stopped" if capped else (
            "yes" if fast["conforms"] and fast["violations"] == 0 else f"turbo found {fast['violations']}")
        goals.append(f"{L}: pyshacl and turbo agree that the graph conforms: {agree}")
        if n >= 1_000_000:
            goals.append(f"build {L}: {ours['seconds']:.1f} s (goal under 60 s: "
                         f"{'met' if ours['seconds'] < 60 else 'not met'}), peak {ours['rss']:.0f} MB "
                         f"(goal under 1,536 MB: {'met' if ours['rss'] < 1536 else 'not met'})")
    largest = max(sizes)
    L = label(largest)
    progress(f"[{L}] kg export --format nt")
    ex = export(work / f"home-{largest}", work / "export.nt")
    (work / "export.nt").unlink()
    raw["export"] = ex
    rows.append(Row(f"{L}: kg export --format nt ({ex['mb']:.0f} MB), writing", rate(ex["rate"], "MB/s"), "—"))
    rows.append(Row(f"{L}: kg export peak memory", mb(ex["rss"]), "—"))
    return rows, goals, raw


def versions() -> str:
    names = ["pyoxigraph", "oxigraph", "pyshacl", "pyshacl-turbo", "rdflib", "rdflib-endpoint", "flask",
             "gunicorn"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:
            pass
    return ", ".join(found)


if __name__ == "__main__":  # the validation worker: python -m bench.build ENGINE DATA
    worker(*sys.argv[1:3])
