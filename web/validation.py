"""The validation page: the SHACL report of the graph being served.

``kg build`` only publishes a build that conforms, but the page checks the
served graph itself: the store's statements (with their named graphs, so a
problem names its data file) against the shapes in ``ontology/``. The report
is made once per build and shapes, on first request, and kept in the build
folder as ``validation.json``.
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
from flask import Response, render_template, request
from rdflib import Graph
from rdflib.namespace import RDF, RDFS, SH

from kg.sources import LoadedData, load_shapes, shapes_files
from kg.validate import validate

from .graph import current_graph, current_store
from .linking import rows, settings
from .pages import bp

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


def report() -> dict:
    target = Path(current_graph().target())
    cache = target / "validation.json"
    digest = shapes_digest()
    if cache.exists():
        data = json.loads(cache.read_text())
        if data.get("shapes_sha256") == digest:
            return data
    with _lock:
        if cache.exists():
            data = json.loads(cache.read_text())
            if data.get("shapes_sha256") == digest:
                return data
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
        tmp = cache.with_name(f".validation.{os.getpid()}.part")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, cache)
        return data


@bp.get("/-/validation")
@bp.get("/-/validation.json")
def validation():
    data = report()
    if request.path.endswith(".json") or request.args.get("format") == "json":
        return Response(json.dumps(data, indent=1), content_type="application/json; charset=utf-8")
    from kg.build import build_info
    by_severity: dict[str, int] = {}
    for v in data["violations"]:
        by_severity[v["severity"]] = by_severity.get(v["severity"], 0) + 1
    return render_template("validation.html", report=data, info=build_info(settings()),
                           by_severity=by_severity,
                           focus_total=sum(s["focus"] for s in data["shapes"]))
