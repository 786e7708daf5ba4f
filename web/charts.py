"""Pictures drawn on the server as SVG: no scripts, nothing fetched.

Every piece of text that comes from the graph is escaped here (``_e``), and
links only ever point at local paths made by ``href_for``. Each picture has a
``<title>`` and ``<desc>``, and the pages show the same facts as a table.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from .linking import href_for, money

_ids = itertools.count(1)

PALETTE = ["#1a5e8a", "#b35c00", "#2e7d32", "#8e3b8e", "#a83232", "#4d6b00", "#006d77", "#6b4f2a"]
RELATION_COLOURS = {
    "follows": "#1a5e8a", "buildsOn": "#2e7d32", "launchedBy": "#8e3b8e", "partOfProgramme": "#b35c00",
}


def _e(value) -> str:
    return str(escape("" if value is None else str(value)))


def _wrap(text: str, width: int, lines: int = 2) -> list[str]:
    words, out, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(0, width - 1)].rstrip() + "…"
    return out


def _svg(kind: str, width: float, height: float, title: str, desc: str, body: list[str]) -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="{kind}-t{n} {kind}-d{n}" '
        f'data-chart="{kind}">'
        f'<title id="{kind}-t{n}">{_e(title)}</title><desc id="{kind}-d{n}">{_e(desc)}</desc>'
        + "".join(body) + "</svg>")


def _link(iri: str, inner: str) -> str:
    href = href_for(iri)
    return f'<a href="{_e(href)}">{inner}</a>' if href else inner


def _year_fraction(iso: str) -> float:
    d = date.fromisoformat(iso[:10])
    start = date(d.year, 1, 1)
    return d.year + (d - start).days / 365.25


# ---------------------------------------------------------------------------
# Timeline of programmes (home page)


def timeline(programmes: list[dict], today: str | None = None) -> Markup | None:
    """Each programme as a bar from its start to its end, both from the
    programme's start and end statements (a programme with no start statement
    starts at the first event about it). A programme whose end is not recorded
    is drawn solid to the last event about it and open (dashed) on to today,
    with an arrow: the last event about it is not its end."""
    today = today or date.today().isoformat()
    rows = []
    for p in programmes:
        start = p["start"] or p["first_event"]
        if start:
            rows.append({**p, "s": start, "e": p["end"], "from_events": not p["start"]})
    if not rows:
        return None
    rows.sort(key=lambda r: (r["s"], r["label"]))
    first = int(min(_year_fraction(r["s"]) for r in rows))
    last = max(int(max(_year_fraction(r["e"] or r["s"]) for r in rows)) + 2, int(_year_fraction(today)) + 1)
    label_w, chart_w, row_h, top = 290, 620, 30, 34
    width, height = label_w + chart_w + 20, top + row_h * len(rows) + 12
    x = lambda iso: label_w + (_year_fraction(iso) - first) / (last - first) * chart_w  # noqa: E731
    body = []
    for year in range(first, last + 1):
        gx = label_w + (year - first) / (last - first) * chart_w
        body.append(f'<line class="grid" x1="{gx:.1f}" y1="{top - 8}" x2="{gx:.1f}" y2="{height - 6}"/>')
        if (last - first) <= 14 or year % 2 == 0:
            body.append(f'<text class="tick" x="{gx:.1f}" y="{top - 14}" text-anchor="middle">{year}</text>')
    now = x(today)
    body.append(f'<line class="today" x1="{now:.1f}" y1="{top - 8}" x2="{now:.1f}" y2="{height - 6}"/>')
    for i, r in enumerate(rows):
        y = top + i * row_h
        x0 = x(r["s"])
        when = r["s"] + (f" to {r.get('end_shown') or r['e']}" if r["e"] else
                         f": no end recorded (last event {r.get('last_event') or r['s']}), drawn as ongoing")
        if r["from_events"]:
            when += "; start from the first event about it"
        label = r["label"] if len(r["label"]) <= 42 else r["label"][:41] + "…"
        parts = [f'<title>{_e(r["label"])}: {_e(when)}</title>',
                 f'<text class="label" x="{label_w - 10}" y="{y + 19}" text-anchor="end">{_e(label)}</text>']
        cls = "bar from-events" if r["from_events"] else "bar"
        if r["e"]:
            x1 = max(x(r["e"]), x0 + 4)
            parts.append(f'<rect class="{cls}" x="{x0:.1f}" y="{y + 7}" width="{x1 - x0:.1f}" height="16" rx="3"/>')
        else:  # solid to the last event about it, then open (dashed) to today: no end is recorded
            seen = r.get("last_event") if (r.get("last_event") or "") > r["s"] else None
            xs = max(x(seen), x0 + 4) if seen else x0 + 4
            x1 = max(now, xs + 12)
            parts.append(f'<rect class="{cls}" x="{x0:.1f}" y="{y + 7}" width="{xs - x0:.1f}" height="16" rx="3"/>'
                         f'<line class="open" x1="{xs:.1f}" y1="{y + 15}" x2="{x1 - 8:.1f}" y2="{y + 15}"/>'
                         f'<path class="open-end" d="M{x1 - 9:.1f},{y + 9} L{x1:.1f},{y + 15} L{x1 - 9:.1f},{y + 21} Z"/>')
        body.append(f'<g class="programme">{_link(r["iri"], "".join(parts))}</g>')
    return _svg("timeline", width, height, "Programmes on a timeline",
                "Each programme as a bar from its recorded start to its recorded end; a programme with no "
                "recorded end is solid to the last event about it and open (dashed, with an arrow) to "
                "today.", body)


# ---------------------------------------------------------------------------
# Lineage of a programme


RELATION_NAMES = {"follows": "follows", "buildsOn": "builds on", "launchedBy": "launched by",
                  "partOfProgramme": "part of programme"}
#: The same relations read along the arrow, from the earlier programme to the later.
RELATION_FORWARD = {"follows": "followed by", "buildsOn": "built on by", "launchedBy": "launched",
                    "partOfProgramme": "has as part"}
RELATION_DASHES = {"follows": "", "buildsOn": "7 4", "launchedBy": "2 3", "partOfProgramme": "10 3 2 3"}


def lineage(programmes: list[dict], edges: list[tuple], focus: str, depth: int = 2) -> Markup | None:
    """Programmes linked to ``focus`` (within ``depth`` links): time runs left to
    right, and each arrow runs from the earlier programme to the later one that
    follows it, builds on it, was launched by it or is part of it (colour and
    dash pattern name the relation). An arrow between neighbouring columns
    crosses the gap between them; one that skips a column runs in a lane above
    the boxes, so no line passes behind a box."""
    info = {p["iri"]: p for p in programmes}
    neighbours: dict[str, set[str]] = {}
    for f, _rel, _label, t in edges:
        neighbours.setdefault(f, set()).add(t)
        neighbours.setdefault(t, set()).add(f)
    nodes, frontier = {focus}, {focus}
    for _ in range(depth):
        frontier = {n for f in frontier for n in neighbours.get(f, ())} - nodes
        nodes |= frontier
    sub = sorted({(f, rel.rsplit("/", 1)[-1], t) for f, rel, _l, t in edges if f in nodes and t in nodes})
    if not sub:
        return None
    layer = {n: 0 for n in nodes}
    for _ in range(len(nodes)):
        changed = False
        for f, _rel, t in sub:
            if f != t and layer[f] < layer[t] + 1 and layer[t] < len(nodes):
                layer[f] = layer[t] + 1
                changed = True
        if not changed:
            break
    columns: dict[int, list[str]] = {}
    for n in nodes:
        columns.setdefault(layer[n], []).append(n)

    def when(n):
        p = info.get(n, {})
        return (p.get("start") or p.get("first_event") or "9999", p.get("label") or n)
    for col in columns.values():
        col.sort(key=when)

    box_w, box_h, col_gap, row_gap, margin, legend_h = 178, 64, 64, 22, 8, 26
    ncols, nrows = max(columns) + 1, max(len(c) for c in columns.values())
    long_edges = [e for e in sub if layer[e[0]] - layer[e[2]] > 1]
    lane_gap = 9
    lanes_h = (len(long_edges) + 1) * lane_gap if long_edges else 0
    width = margin * 2 + ncols * box_w + (ncols - 1) * col_gap
    height = margin * 2 + lanes_h + nrows * box_h + (nrows - 1) * row_gap + legend_h
    pos = {}
    for c, col in columns.items():
        offset = (nrows - len(col)) * (box_h + row_gap) / 2
        for i, n in enumerate(col):
            pos[n] = (margin + c * (box_w + col_gap), margin + lanes_h + offset + i * (box_h + row_gap))

    # Ports: each edge leaves the right side of the earlier programme and
    # reaches the left side of the later one at its own height, so none overlap.
    out_edges: dict[str, list] = {}
    in_edges: dict[str, list] = {}
    for e in sub:
        out_edges.setdefault(e[0], []).append(e)
        in_edges.setdefault(e[2], []).append(e)
    port = {}
    for n, es in out_edges.items():
        es.sort(key=lambda e: (pos[e[2]][1], e[1]))
        for i, e in enumerate(es):
            port[(e, "out")] = pos[n][1] + box_h * (i + 1) / (len(es) + 1)
    for n, es in in_edges.items():
        es.sort(key=lambda e: (pos[e[0]][1], e[1]))
        for i, e in enumerate(es):
            port[(e, "in")] = pos[n][1] + box_h * (i + 1) / (len(es) + 1)

    n_id = next(_ids)
    body = ["<defs>"] + [
        f'<marker id="arrow-{n_id}-{rel}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for rel, colour in RELATION_COLOURS.items()] + ["</defs>"]
    lane = {e: margin + (i + 1) * lane_gap for i, e in enumerate(long_edges)}
    for e in sub:
        f, rel, t = e  # f (the later) follows, builds on... t (the earlier)
        (fx, _fy), (tx, _ty) = pos[f], pos[t]
        colour = RELATION_COLOURS.get(rel, "#555")
        y_from, y_to = port[(e, "in")], port[(e, "out")]
        x_from, x_to = tx + box_w, fx - 2
        if e in lane:  # up into its lane in the gap after the earlier box, across, down before the later
            g1, g2 = x_from + col_gap / 2 - 6 + (long_edges.index(e) % 3) * 6, x_to + 2 - col_gap / 2
            d = (f"M{x_from:.1f},{y_from:.1f} L{g1:.1f},{y_from:.1f} L{g1:.1f},{lane[e]:.1f} "
                 f"L{g2:.1f},{lane[e]:.1f} L{g2:.1f},{y_to:.1f} L{x_to:.1f},{y_to:.1f}")
        elif layer[f] > layer[t]:
            mx = (x_from + x_to) / 2
            d = f"M{x_from:.1f},{y_from:.1f} C{mx:.1f},{y_from:.1f} {mx:.1f},{y_to:.1f} {x_to:.1f},{y_to:.1f}"
        else:  # same column (a cycle in the data): loop round the right-hand side
            x1, x2 = tx + box_w, fx + box_w
            d = (f"M{x1:.1f},{y_from:.1f} C{x1 + 30:.1f},{y_from:.1f} {x1 + 30:.1f},{y_to:.1f} "
                 f"{x2 + 2:.1f},{y_to:.1f}")
        dash = RELATION_DASHES.get(rel, "")
        name = RELATION_NAMES.get(rel, rel)
        tip = f'{info.get(f, {}).get("label", f)} {name} {info.get(t, {}).get("label", t)}'
        body.append(f'<path class="edge edge-{_e(rel)}" d="{d}" stroke="{colour}"'
                    f'{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""} '
                    f'marker-end="url(#arrow-{n_id}-{_e(rel)})"><title>{_e(tip)}</title></path>')
    for node in sorted(nodes):
        x, y = pos[node]
        p = info.get(node, {"label": node})
        cls = "node focus" if node == focus else "node"
        lines = _wrap(p.get("label") or node, 23)
        dates = _dates(p)
        parts = [f'<title>{_e(p.get("label"))}{(": " + _e(dates)) if dates else ""}</title>',
                 f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="6"/>']
        for i, line in enumerate(lines):
            parts.append(f'<text class="name" x="{x + 9}" y="{y + 19 + i * 15}">{_e(line)}</text>')
        parts.append(f'<text class="dates" x="{x + 9}" y="{y + box_h - 9}">{_e(dates or p.get("type") or "")}</text>')
        body.append(f'<g class="{cls}">{_link(node, "".join(parts))}</g>')
    lx, ly = margin, height - 9
    used = {rel for _f, rel, _t in sub}
    for rel, colour in RELATION_COLOURS.items():
        if rel in used:
            dash = RELATION_DASHES[rel]
            body.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 26}" y2="{ly - 4}" stroke="{colour}" '
                        f'stroke-width="2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>'
                        f'<text class="legend" x="{lx + 31}" y="{ly}">{RELATION_FORWARD[rel]}</text>')
            lx += 46 + len(RELATION_FORWARD[rel]) * 7
    return _svg("lineage", width, height, f"Lineage of {info.get(focus, {}).get('label', focus)}",
                "Programmes that came before (left) and after (right). Each arrow runs from the earlier "
                "programme to the later one that follows it, builds on it, was launched by it or is part "
                "of it; each box gives the programme's recorded dates.", body)


def _dates(p: dict) -> str:
    # the end as the pages write it ("2011-03 (planned end)"), not the day drawn
    s, e = p.get("start"), p.get("end_shown") or p.get("end")
    if s and e:
        return f"{s} to {e}"
    if s:
        return f"from {s}"
    if e:
        return f"until {e}"
    if p.get("first_event"):
        return f"events from {p['first_event']}"
    return ""


# ---------------------------------------------------------------------------
# Sankey of funding flows


SANKEY_BOX = 200      # a node is a box wide enough for its label, at 12 px
SANKEY_GAP = 96       # room for the bands between two columns of boxes
SANKEY_LINE = 15      # one line of label text
SANKEY_CHARS = 26     # characters per line of a box


def sankey(bands: list[dict], height_px: int = 420, per_column: int = 12) -> Markup | None:
    """Money along bands from node to node (``src`` and ``dst``: dicts with
    ``key``, ``label`` and ``iri``; ``amount``; ``flow``, the flow it draws,
    or ``None`` for a remainder). Each node is a box holding its label and
    amount in full, and bands join boxes at their edges, so no text lies
    over a band. Columns are the longest path from a funder; a column with
    many nodes shows the largest and gathers the rest."""
    bands = [b for b in bands if b["amount"] > 0]
    if not bands:
        return None
    nodes: dict[str, dict] = {}
    for b in bands:
        for end in (b["src"], b["dst"]):
            nodes.setdefault(end["key"], {"key": end["key"], "iri": end["iri"], "label": end["label"],
                                          "in": Decimal(0), "out": Decimal(0)})
        nodes[b["src"]["key"]]["out"] += b["amount"]
        nodes[b["dst"]["key"]]["in"] += b["amount"]
    hops = [(b["src"]["key"], b["dst"]["key"], b) for b in bands]
    layer = {k: 0 for k in nodes}
    for _ in range(len(nodes)):
        changed = False
        for a, z, _b in hops:
            if layer[z] < layer[a] + 1 and layer[a] < len(nodes):
                layer[z] = layer[a] + 1
                changed = True
        if not changed:
            break
    ncols = max(layer.values()) + 1
    cols: list[list[dict]] = [[] for _ in range(ncols)]
    for k, nd in nodes.items():
        nd["value"] = max(nd["in"], nd["out"])
        cols[layer[k]].append(nd)
    alias = {}
    for ci, col in enumerate(cols):
        col.sort(key=lambda n: (-n["value"], n["label"]))
        if len(col) > per_column:
            rest = col[per_column - 1:]
            other = {"key": f"others-{ci}", "iri": None, "label": f"{len(rest)} others",
                     "value": sum(n["value"] for n in rest), "in": Decimal(0), "out": Decimal(0)}
            for n in rest:
                alias[n["key"]] = other
            cols[ci] = col[: per_column - 1] + [other]
    segs = []
    gathered: dict[tuple[str, str], dict] = {}
    for a, z, b in hops:
        src, dst = alias.get(a) or nodes[a], alias.get(z) or nodes[z]
        if a in alias or z in alias:
            # One band per pair of boxes when either end gathers several
            # nodes: a national programme has thousands of flows.
            g = gathered.get((src["key"], dst["key"]))
            if g is None:
                g = gathered[(src["key"], dst["key"])] = {"amount": Decimal(0), "flow": None, "flows": 0}
                segs.append((src, dst, g))
            g["amount"] += b["amount"]
            g["flows"] += 1
        else:
            segs.append((src, dst, b))

    pad, top, step = 10, 6, SANKEY_BOX + SANKEY_GAP
    width = SANKEY_BOX + step * (ncols - 1) + 2
    scale = height_px / float(max(sum(n["value"] for n in col) for col in cols if col))
    bottom = 0.0
    for ci, col in enumerate(cols):
        y = top
        for nd in col:
            amount = (f'{money(nd["in"])} in, {money(nd["out"])} out' if nd["in"] and nd["out"]
                      and nd["in"] != nd["out"] else money(nd["value"]))
            nd["lines"] = _wrap(nd["label"], SANKEY_CHARS, lines=8) + [amount]
            nd["x"], nd["y"] = 1 + ci * step, y
            nd["h"] = max(float(nd["value"]) * scale, len(nd["lines"]) * SANKEY_LINE + 6)
            nd["scale_h"] = float(nd["value"]) * scale
            nd["in_off"] = nd["out_off"] = 0.0
            y += nd["h"] + pad
        bottom = max(bottom, y)
    height = bottom + 4
    colour_of: dict[str, str] = {}
    body = []
    segs.sort(key=lambda s: (s[0]["y"], s[1]["y"]))
    for src, dst, b in segs:
        f = b["flow"]
        key = (f["programme"].value if f and f["programme"] else "(none)") if f else "(rest)"
        colour = ("#d3cdbf" if b.get("flows") else "#9a9a94") if f is None else \
            colour_of.setdefault(key, PALETTE[len(colour_of) % len(PALETTE)])
        th = max(0.8, float(b["amount"]) * scale)
        y0 = src["y"] + src["out_off"]
        y1 = dst["y"] + dst["in_off"]
        src["out_off"] += th
        dst["in_off"] += th
        x0, x1 = src["x"] + SANKEY_BOX, dst["x"]
        xm = (x0 + x1) / 2
        d = (f"M{x0:.1f},{y0:.1f} C{xm:.1f},{y0:.1f} {xm:.1f},{y1:.1f} {x1:.1f},{y1:.1f} "
             f"L{x1:.1f},{y1 + th:.1f} C{xm:.1f},{y1 + th:.1f} {xm:.1f},{y0 + th:.1f} {x0:.1f},{y0 + th:.1f} Z")
        if f is None and b.get("flows"):
            tip = (f"{money(b['amount'])} in {b['flows']} flow{'s' if b['flows'] != 1 else ''} "
                   f"from {src['label']} to {dst['label']}")
            body.append(f'<g class="flow gathered"><path class="band" d="{d}" fill="{colour}">'
                        f'<title>{_e(tip)}</title></path></g>')
            continue
        if f is None:
            tip = f"{money(b['amount'])}: {dst['label']} (the stated total less its stated parts)"
            body.append(f'<g class="flow rest"><path class="band" d="{d}" fill="{colour}">'
                        f'<title>{_e(tip)}</title></path></g>')
            continue
        recipients = ", ".join(r.text for r in f["recipients"]) or "?"
        tip = (f'{money(f["amount"])} from {f["funder"].text if f["funder"] else "?"} to '
               f'{"jointly " if f["joint"] else ""}{recipients}'
               f'{", " + f["period"] if f["period"] else ""}. Source: '
               f'{f["source"].text if f["source"] else "none"}{", " + f["locator"] if f["locator"] else ""}')
        inner = f'<path class="band" d="{d}" fill="{colour}"><title>{_e(tip)}</title></path>'
        body.append(f'<g class="flow" data-claim="{_e(f["flow"].value)}" '
                    f'data-statement="{_e(f.get("statement") or "")}">{_link(f["flow"].value, inner)}</g>')
    for col in cols:
        for nd in col:
            rect = (f'<rect class="node" x="{nd["x"]:.1f}" y="{nd["y"]:.1f}" width="{SANKEY_BOX}" '
                    f'height="{nd["h"]:.1f}"><title>{_e(nd["label"])}: {_e(money(nd["value"]))}</title></rect>'
                    f'<rect class="node-bar" x="{nd["x"]:.1f}" y="{nd["y"]:.1f}" width="4" '
                    f'height="{nd["scale_h"]:.1f}"/>')
            lines = nd["lines"]
            amount_class = ' class="amount"'
            tspans = "".join(
                f'<tspan x="{nd["x"] + 8:.1f}" y="{nd["y"] + 15 + i * SANKEY_LINE:.1f}"'
                f'{amount_class if i == len(lines) - 1 else ""}>{_e(line)}</tspan>'
                for i, line in enumerate(lines))
            text = f'<text class="node-label">{tspans}</text>'
            if nd["iri"]:
                body.append(_link(nd["iri"], rect) + _link(nd["iri"], text))
            else:
                body.append(rect + text)
    return _svg("sankey", width, height, "Funding flows from funders to recipients",
                "Bands are proportional to the amounts at each flow's preferred value; each band links to "
                "the flow and its statements. Grey bands are the part of a total its stated parts do not "
                "cover; pale bands gather the flows to or from a box of several others. The table lists "
                "every flow with its source.", body)


# ---------------------------------------------------------------------------
# Views of a query's result (the query page): bars, dates, a graph


def bars(items: list[dict], title: str, value_name: str) -> Markup | None:
    """Horizontal bars, one per item: ``{"label", "iri", "value", "shown"}``
    (``shown`` is the formatted value). Negative values are drawn from zero
    the other way."""
    items = [i for i in items if i["value"] is not None]
    if not items:
        return None
    label_w, chart_w, value_w, row_h, top = 260, 420, 90, 24, 10
    width, height = label_w + chart_w + value_w + 10, top + row_h * len(items) + 10
    hi = max(0.0, max(i["value"] for i in items))
    lo = min(0.0, min(i["value"] for i in items))
    span = (hi - lo) or 1.0
    x = lambda v: label_w + (v - lo) / span * chart_w  # noqa: E731
    body = [f'<line class="grid" x1="{x(0):.1f}" y1="{top - 4}" x2="{x(0):.1f}" y2="{height - 6}"/>']
    for n, i in enumerate(items):
        y = top + n * row_h
        x0, x1 = sorted((x(0), x(i["value"])))
        label = i["label"] if len(i["label"]) <= 38 else i["label"][:37] + "…"
        parts = [f'<title>{_e(i["label"])}: {_e(i["shown"])}</title>',
                 f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">{_e(label)}</text>',
                 f'<rect class="bar" x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 8}" rx="2"/>',
                 f'<text class="value" x="{label_w + chart_w + 6}" y="{y + 16}">{_e(i["shown"])}</text>']
        inner = "".join(parts)
        body.append(f'<g class="item">{_link(i["iri"], inner) if i.get("iri") else inner}</g>')
    return _svg("bars", width, height, title, f"One bar per row: {value_name}.", body)


def dated(items: list[dict], title: str) -> Markup | None:
    """Rows on a time axis: ``{"label", "iri", "start", "end"}`` (ISO dates;
    a bar from start to end where both are given, else a dot)."""
    items = [i for i in items if i["start"]]
    if not items:
        return None
    items.sort(key=lambda i: (i["start"], i["label"]))
    first = int(min(_year_fraction(i["start"]) for i in items))
    last = int(max(_year_fraction(i["end"] or i["start"]) for i in items)) + 1
    label_w, chart_w, row_h, top = 260, 560, 22, 30
    width, height = label_w + chart_w + 20, top + row_h * len(items) + 10
    x = lambda iso: label_w + (_year_fraction(iso) - first) / (last - first) * chart_w  # noqa: E731
    body = []
    step = 1 if last - first <= 14 else (2 if last - first <= 30 else 10)
    for year in range(first, last + 1):
        gx = label_w + (year - first) / (last - first) * chart_w
        body.append(f'<line class="grid" x1="{gx:.1f}" y1="{top - 8}" x2="{gx:.1f}" y2="{height - 6}"/>')
        if year % step == 0:
            body.append(f'<text class="tick" x="{gx:.1f}" y="{top - 12}" text-anchor="middle">{year}</text>')
    for n, i in enumerate(items):
        y = top + n * row_h
        x0 = x(i["start"])
        label = i["label"] if len(i["label"]) <= 38 else i["label"][:37] + "…"
        when = i["start"] + (f" to {i['end']}" if i["end"] else "")
        parts = [f'<title>{_e(i["label"])}: {_e(when)}</title>',
                 f'<text class="label" x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_e(label)}</text>']
        if i["end"]:
            x1 = max(x(i["end"]), x0 + 3)
            parts.append(f'<rect class="bar" x="{x0:.1f}" y="{y + 5}" width="{x1 - x0:.1f}" height="12" rx="2"/>')
        else:
            parts.append(f'<circle class="dot" cx="{x0:.1f}" cy="{y + 11}" r="5"/>')
        inner = "".join(parts)
        body.append(f'<g class="item">{_link(i["iri"], inner) if i.get("iri") else inner}</g>')
    return _svg("dated", width, height, title, "One row per result, placed at its date.", body)


def network(nodes: list[dict], edges: list[dict], title: str) -> Markup | None:
    """Nodes ``{"id", "label", "iri"}`` on a circle, with edges ``{"from",
    "to", "label"}`` between them as lines (labelled when there are few)."""
    if not nodes or not edges:
        return None
    import math

    n = len(nodes)
    radius = max(120, min(360, 18 * n))
    pad = 170
    cx = cy = radius + pad
    size = 2 * (radius + pad)
    pos = {}
    for k, node in enumerate(nodes):
        angle = 2 * math.pi * k / n - math.pi / 2
        pos[node["id"]] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle), angle)
    body = []
    for e in edges:
        (x0, y0, _a), (x1, y1, _b) = pos[e["from"]], pos[e["to"]]
        body.append(f'<line class="edge" x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}">'
                    f'<title>{_e(e["label"])}</title></line>')
        if len(edges) <= 20 and e["label"]:
            body.append(f'<text class="edge-label" x="{(x0 + x1) / 2:.1f}" y="{(y0 + y1) / 2:.1f}" '
                        f'text-anchor="middle">{_e(e["label"])}</text>')
    for node in nodes:
        x0, y0, angle = pos[node["id"]]
        anchor = "start" if math.cos(angle) >= 0 else "end"
        dx = 9 if anchor == "start" else -9
        label = node["label"] if len(node["label"]) <= 28 else node["label"][:27] + "…"
        inner = (f'<title>{_e(node["label"])}</title><circle class="node" cx="{x0:.1f}" cy="{y0:.1f}" r="6"/>'
                 f'<text class="label" x="{x0 + dx:.1f}" y="{y0 + 4:.1f}" text-anchor="{anchor}">{_e(label)}</text>')
        body.append(f'<g class="item">{_link(node["iri"], inner) if node.get("iri") else inner}</g>')
    return _svg("network", size, size, title,
                f"{len(nodes)} resources and the {len(edges)} links between them.", body)


def spread(statements: list[dict], unit: str | None) -> Markup | None:
    """How far the statements of one item disagree: one row per statement,
    a dot at its value and a bar over the range its bound or rounding allows
    (an arrow where the bound is open), on one axis; the preferred statement
    is drawn solid. Labels sit left of the axis, never over it."""
    valued = [s for s in statements if s.get("value") is not None]
    if len(valued) < 2:
        return None
    ends = [v for s in valued for v in (s["value"], *s["interval"]) if v not in (float("inf"), float("-inf"))]
    lo, hi = min(ends + [0.0]), max(ends)
    if hi == lo:
        hi = lo + 1
    pad = (hi - lo) * 0.08
    lo, hi = lo - (pad if lo < 0 else 0), hi + pad
    left, right, row, top = 220, 560, 26, 10
    width = right + 50

    def x(v: float) -> float:
        v = min(max(v, lo), hi)
        return left + (v - lo) / (hi - lo) * (right - left)

    body = [f'<line x1="{left}" y1="{top + row * len(valued) + 4}" x2="{right}" '
            f'y2="{top + row * len(valued) + 4}" stroke="#777"/>']
    for i, s in enumerate(valued):
        y = top + row * i + row / 2
        colour = "#1a5e8a" if s.get("best") else "#b35c00"
        source = next((r["source"].text for r in s["references"] if r.get("source")), None)
        name = (source or ("derived" if s.get("derived") else s["statement"].text))
        label = _wrap(f'{s["shown"]} · {name}', 30, 1)[0]
        body.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{_e(label)}</text>')
        a, b = s["interval"]
        x1, x2 = x(a), x(b)
        if x2 - x1 > 1:
            body.append(f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" stroke="{colour}" '
                        f'stroke-width="4" stroke-opacity="0.45"/>')
        if b == float("inf"):
            body.append(f'<path d="M{right:.1f} {y - 5:.1f} L{right + 8:.1f} {y:.1f} L{right:.1f} {y + 5:.1f} Z" '
                        f'fill="{colour}"/>')
        if a == float("-inf"):
            body.append(f'<path d="M{left:.1f} {y - 5:.1f} L{left - 8:.1f} {y:.1f} L{left:.1f} {y + 5:.1f} Z" '
                        f'fill="{colour}"/>')
        dot = (f'<circle cx="{x(s["value"]):.1f}" cy="{y:.1f}" r="5" fill="{colour if s.get("best") else "#fff"}" '
               f'stroke="{colour}" stroke-width="2"><title>{_e(s["shown"])} ({_e(name)})</title></circle>')
        body.append(_link(s["statement"].value, dot))
    axis_y = top + row * len(valued) + 4
    for v in (lo if lo >= 0 else 0.0, (lo + hi) / 2, hi):
        label = money(v) if unit in ("pounds sterling", "GBP") else f"{v:,.0f}"
        body.append(f'<text x="{x(v):.1f}" y="{axis_y + 16}" text-anchor="middle" font-size="12" '
                    f'fill="#555">{_e(label)}</text>')
    height = axis_y + 24
    return _svg("spread", width, height, "How far the statements disagree",
                f"{len(valued)} statements of one item on one axis; the preferred one is solid.", body)
