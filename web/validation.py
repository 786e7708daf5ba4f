"""The validation page: the SHACL report of the graph being served.

``kg build`` only publishes a build that conforms, but the page checks the
served graph itself: the store's statements (with their named graphs, so a
problem names its data file) against the shapes in ``ontology/``. The report
is made once per build and shapes, in the background after the first
request, and kept in the build folder as ``validation.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request
from rdflib import Graph
from rdflib.namespace import RDF, RDFS, SH

from kg.sources import LoadedData, load_shapes, shapes_files
from kg.validate import validate

from .documents import allow_any_origin
from .graph import current_graph, current_store
from .linking import rows, settings

bp = Blueprint("validation", __name__)
bp.after_request(allow_any_origin)

_lock = threading.Lock()


def shapes_digest() -> str:
    h = hashlib.sha256()
    for p in shapes_files(settings()):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _served_data() -> LoadedData:
    """The served build's quads in memory, with each data graph's file name."""
    served = current_store()
    buf = io.BytesIO()
    served.dump(buf, "nq")
    mem = ox.Store()
    mem.bulk_load(buf.getvalue(), ox.RdfFormat.N_QUADS)
    prefix = settings().base + "id/graph/"
    graph_files = {}
    for g in served.graph_names():
        if g.startswith(prefix) and g != prefix + "ontology":
            graph_files[g] = g[len(prefix):]
    return LoadedData(mem, [], graph_files)


def _count(target_kind: str, value: str) -> int | None:
    if target_kind == "targetClass":
        found = rows("page-class-member-count", **{"class": value, "q": ox.Literal("")})
        return int(found[0]["count"].value) if found else 0
    if target_kind == "targetNode":
        return 1
    found = rows("page-property-use-count", property=value)
    if not found:
        return 0
    return int(found[0]["subjects" if target_kind == "targetSubjectsOf" else "objects"].value)


def _shapes_summary(shapes: Graph) -> list[dict]:
    out = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        targets, focus = [], 0
        for kind in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            for v in shapes.objects(shape, SH[kind]):
                n = _count(kind, str(v))
                targets.append({"kind": kind, "value": str(v), "count": n})
                focus += n or 0
        label = shapes.value(shape, RDFS.label)
        out.append({
            "shape": str(shape), "label": str(label) if label else str(shape).rsplit("/", 1)[-1],
            "targets": targets, "focus": focus,
            "properties": len(list(shapes.objects(shape, SH.property))),
            "sparql": len(list(shapes.objects(shape, SH.sparql))),
        })
    return out


def _cached(cache: Path, digest: str) -> dict | None:
    if cache.exists():
        try:
            data = json.loads(cache.read_text())
        except ValueError:
            return None
        if data.get("shapes_sha256") == digest:
            return data
    return None


def _make(cache: Path, digest: str) -> dict:
    started = time.monotonic()
    shapes = load_shapes(settings())
    result = validate(_served_data(), shapes)
    data = {
        "conforms": result.conforms,
        "checked": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.monotonic() - started, 2),
        "shapes_sha256": digest,
        "shape_files": [p.name for p in shapes_files(settings())],
        "shapes": _shapes_summary(shapes),
        "violations": [v.__dict__ | {"files": list(v.files)} for v in result.violations],
    }
    tmp = cache.with_name(f".validation.{os.getpid()}.{threading.get_ident()}.part")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, cache)
    return data


_running: dict[str, threading.Thread] = {}
_errors: dict[str, str] = {}


def report(wait: bool = False) -> dict | None:
    """The report of the served build, or None while it is being made.

    Validation takes a while on a big graph, so it runs once per build (and
    shapes) in a background thread and is kept as ``validation.json`` in the
    build folder; the page refreshes itself until it is ready."""
    cache = Path(current_graph().target()) / "validation.json"
    digest = shapes_digest()
    data = _cached(cache, digest)
    if data is not None:
        return data
    key = f"{cache}:{digest}"
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            try:
                _make(cache, digest)
            except Exception as exc:  # shown on the page rather than lost in a thread
                _errors[key] = f"{type(exc).__name__}: {exc}"

    with _lock:
        thread = _running.get(key)
        if thread is None or (not thread.is_alive() and _cached(cache, digest) is None and key not in _errors):
            thread = threading.Thread(target=work, name="validation", daemon=True)
            _running[key] = thread
            thread.start()
    if wait:
        thread.join()
    if key in _errors:
        raise RuntimeError(_errors[key])
    return _cached(cache, digest)


@bp.get("/-/validation")
@bp.get("/-/validation.json")
def validation():
    data = report(wait=request.args.get("wait") == "1")
    as_json = request.path.endswith(".json") or request.args.get("format") == "json"
    if data is None:
        if as_json:
            return Response(json.dumps({"ok": False, "status": "running",
                                        "message": "The report is being made; ask again shortly."}),
                            202, content_type="application/json; charset=utf-8",
                            headers={"Retry-After": "5"})
        return Response(render_template("validation.html", report=None), 202,
                        headers={"Retry-After": "5"})
    if as_json:
        return Response(json.dumps(data, indent=1), content_type="application/json; charset=utf-8")
    from kg.build import build_info
    by_severity: dict[str, int] = {}
    for v in data["violations"]:
        by_severity[v["severity"]] = by_severity.get(v["severity"], 0) + 1
    return render_template("validation.html", report=data, info=build_info(settings()),
                           by_severity=by_severity,
                           focus_total=sum(s["focus"] for s in data["shapes"]))
