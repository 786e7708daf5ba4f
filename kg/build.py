"""``kg build``: load, validate, then publish a new store atomically.

A build is written to a fresh folder under ``var/builds/`` and only then made
current by swapping the ``var/current`` symlink (an atomic rename). A failed
build removes its folder and never touches ``current``, so the last good graph
keeps being served.

Under faults: a build is marked good (the ``GOOD`` file, written and synced
once it is validated and its store is complete) before it is published, and
only good builds are ever published or kept. A build killed part-way leaves
an unmarked folder; the next build removes it (unless the process that
wrote it is still running). Pruning keeps the current build and the newest
``KEEP_BUILDS`` good ones, so a run of killed builds can never push a good
build out.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import page_tables
from .config import Settings
from .store import QUADS_FILE
from .sources import data_files, load, load_shapes, ontology_files, shapes_files
from .validate import Report, choose_engine, validate

#: Good builds kept besides the current one (older ones are removed).
KEEP_BUILDS = 2
#: Written into a build folder once the build is complete and validated.
GOOD_MARK = "GOOD"
#: Quads per bulk write into the on-disk store: Oxigraph's bulk loader holds a
#: batch in memory, so smaller batches keep the build's peak memory down.
WRITE_BATCH = 100_000


class BuildFailed(Exception):
    def __init__(self, report: Report):
        super().__init__(report.render())
        self.report = report


@dataclass
class BuildResult:
    path: Path
    triples: int
    graphs: int
    files: int
    seconds: float


def inputs_digest(settings: Settings) -> str:
    """A checksum of every input file, to tell builds apart."""
    h = hashlib.sha256()
    paths = ontology_files(settings) + shapes_files(settings) + [f.path for f in data_files(settings)]
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def build(settings: Settings, progress=print) -> BuildResult:
    started = time.monotonic()
    progress("reading ontology and data")
    loaded = load(settings, progress=progress)
    engine = choose_engine(loaded, settings.validator, settings.turbo_from)
    lap = time.monotonic()
    progress(f"read {len(loaded)} triples in {lap - started:.1f} s; "
             f"validating against the SHACL shapes with {engine}")

    settings.builds.mkdir(parents=True, exist_ok=True)
    remove_half_builds(settings)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    target = settings.builds / stamp
    # The new store is written while the shapes run (the validator works
    # outside Python's lock, so the two share the machine's cores). It is
    # made current only if the data conforms; otherwise it is removed.
    writer = _Writer(settings, loaded, target)
    writer.start()
    try:
        report = validate(loaded, load_shapes(settings), settings.validator, settings.turbo_from)
        progress(f"validated in {time.monotonic() - lap:.1f} s")
        writer.join()
        if writer.error is not None:
            raise writer.error
        if not report.conforms:
            raise BuildFailed(report)
    except BaseException:
        writer.join()
        shutil.rmtree(target, ignore_errors=True)  # never leave a half-written build
        raise
    progress(f"wrote the store {target.name} in {writer.seconds:.1f} s")
    meta = writer.meta
    try:
        mark_good(target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    publish(settings, target)
    prune(settings)
    seconds = time.monotonic() - started
    progress(f"published {meta['triples']} triples in {meta['graphs']} graphs ({seconds:.1f} s)")
    return BuildResult(target, meta["triples"], meta["graphs"], meta["files"], seconds)


class _Writer(threading.Thread):
    def __init__(self, settings: Settings, loaded, target: Path):
        super().__init__(name="kg-build-writer", daemon=True)
        self.args = (settings, loaded, target)
        self.meta: dict = {}
        self.error: BaseException | None = None
        self.seconds = 0.0

    def run(self) -> None:
        started = time.monotonic()
        try:
            self.meta = _write_store(*self.args)
        except BaseException as exc:  # handed to the building thread
            # without its frames: their store iterators must be dropped here
            self.error = exc.with_traceback(None)
        self.seconds = time.monotonic() - started


def _write_store(settings: Settings, loaded, target: Path) -> dict:
    target.mkdir(parents=True)
    store = ox.Store(str(target / "store"))
    # Quad by quad from the loaded store (already rebased and canonical): no
    # serialisation round trip, and memory bounded by the batch size.
    quads = iter(loaded.store)
    while batch := list(itertools.islice(quads, WRITE_BATCH)):
        store.bulk_extend(batch)
    store.flush()
    if len(loaded.store) <= settings.memory_triples:
        # The copy a server loads into memory (kg.store): written here, while
        # the shapes run, so serving never has to make it.
        loaded.store.dump(str(target / QUADS_FILE), ox.RdfFormat.N_QUADS)
    # The whole-graph answers pages start from, from the graph in memory
    # (from disk they would take minutes on a big build).
    page_tables.write_tables(loaded.store, target)
    meta = {
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "triples": len(store),
        "graphs": sum(1 for _ in store.named_graphs()),
        "files": len(loaded.files),
        "base": settings.base,
        "inputs_sha256": inputs_digest(settings),
    }
    del store  # release the database lock before anyone opens it read-only
    (target / "build.json").write_text(json.dumps(meta, indent=2))
    return meta


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mark_good(target: Path) -> None:
    """Record that ``target`` is complete and validated: its files are on
    disk before the mark is, and the mark before it is published."""
    for path in target.rglob("*"):
        if path.is_file():
            with open(path, "rb+") as fh:
                os.fsync(fh.fileno())
    mark = target / GOOD_MARK
    with open(mark, "w") as fh:
        fh.write(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(target)


def is_good(path: Path) -> bool:
    return (path / GOOD_MARK).exists()


def publish(settings: Settings, target: Path) -> None:
    """Point ``current`` at ``target`` in one atomic rename."""
    link = settings.current
    tmp = link.with_name(f".current-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(target, link.parent))
    os.replace(tmp, link)
    _fsync_dir(link.parent)


def _writer_alive(path: Path) -> bool:
    """Whether the build process named in the folder (``<stamp>-<pid>``) still runs."""
    try:
        pid = int(path.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_half_builds(settings: Settings) -> None:
    """Remove folders of builds that were stopped part-way (not marked good,
    not current, and their build process gone)."""
    if not settings.builds.is_dir():
        return
    current = Path(os.path.realpath(settings.current))
    for path in settings.builds.iterdir():
        if path.is_dir() and not is_good(path) and path.resolve() != current \
                and not _writer_alive(path):
            shutil.rmtree(path, ignore_errors=True)


def prune(settings: Settings) -> None:
    """Keep the current build and the newest ``KEEP_BUILDS`` good ones
    (readers of an older build get time to move); remove half-builds."""
    remove_half_builds(settings)
    current = Path(os.path.realpath(settings.current))
    good = sorted((p for p in settings.builds.iterdir()
                   if p.is_dir() and is_good(p) and p.resolve() != current), key=lambda p: p.name)
    for old in good[:-KEEP_BUILDS] if KEEP_BUILDS else good:
        shutil.rmtree(old, ignore_errors=True)


def build_info(settings: Settings) -> dict | None:
    meta = settings.current / "build.json"
    return json.loads(meta.read_text()) if meta.exists() else None
