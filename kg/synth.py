"""``kg synth``: a deterministic synthetic graph at national shape.

The synthetic atlas is for benchmarks and scale tests only. It uses the real
ontology and controlled lists (``data/vocab`` is copied into the output) but
every resource it makes lives under ``<base>id/synthetic/`` and is labelled
"(synthetic)", so it can never be mistaken for real data. The output folder is
laid out like ``data/`` and can be used as ``KG_DATA_DIR`` for ``kg build``.

Shape, at full national scale (about 125,000 triples and above):

- about 1,250 organisations with ODS-style codes (42 integrated care boards,
  NHS trusts, clinical commissioning groups, 150 local authorities, GP
  practices), each an ``org:FormalOrganization`` with ``ia:organisationType``;
- 42 integrated care systems (``ia:Site`` in a synthetic programme), each with
  an area, a lead organisation and a sourced ``ia:OrganisationRole``;
- 150 Better Care Fund areas, each with one local plan a year over ten years
  (2015-16 to 2024-25): one ``ia:Report`` per plan, one file per report, with
  the area's pooled-fund ``ia:FundingFlow`` and ``ia:Target``/``ia:Outcome``
  pairs; larger graphs add more targets, a publication event and the plan's
  scheme lines (funding flows that are ``ia:partOf`` the pooled fund);
- one national report a year whose stated total the areas' pooled funds are
  parts of (so the shapes' sum check runs across files).

Below full scale the organisation and area counts shrink in proportion (ten
years are always kept); above it, the extra triples go into the plans. The
same ``--triples`` and ``--seed`` always write the same bytes.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .namespaces import CANONICAL_BASE

ID = CANONICAL_BASE + "id/"
SYN = ID + "synthetic/"

PREFIXES = {
    "ia": "https://w3id.org/integration-atlas/def/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "org": "http://www.w3.org/ns/org#",
    "dcterms": "http://purl.org/dc/terms/",
    "otype": ID + "organisation-type/",
    "ptype": ID + "programme-type/",
    "measure": ID + "measure/",
    "unit": ID + "unit/",
    "kind": ID + "value-kind/",
    "evt": ID + "event-type/",
    "grade": ID + "reliability/",
    "precision": ID + "date-precision/",
    "role": ID + "role/",
    "fy": ID + "period/",
    "sorg": SYN + "organisation/",
    "sprog": SYN + "programme/",
    "ssite": SYN + "site/",
    "splace": SYN + "place/",
    "sdoc": SYN + "document/",
    "sclaim": SYN + "claim/",
    "sitem": SYN + "item/",
    "sst": SYN + "statement/",
    "prov": "http://www.w3.org/ns/prov#",
    "wikibase": "http://wikiba.se/ontology#",
}
HEADER = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())

YEARS = [(2015 + i, f"{2015 + i}-{(16 + i) % 100:02d}") for i in range(10)]
SYSTEMS = 42
FULL_AREAS = 150
FULL_ORGS = 1250
#: Triples of a graph at full national shape with nothing optional (see plan_items);
#: each sourced fact is an item, its statement and its reference.
FULL_SHAPE = 125_000
#: Measures a plan sets targets for: (measure, unit, typical planned change).
METRICS = [("emergency-admissions-change", "admissions", 400),
           ("delayed-transfer-days-change", "days", 1500)]
SCHEME_TYPES = ["reablement", "intermediate care", "carers' support", "disabled facilities grants",
                "integrated care planning", "assistive technology", "home care", "care home support",
                "enablers for integration", "high impact change model"]

#: Triples each optional plan item adds (kept in step with _plan below): an
#: item, its statement and its reference each.
PAIR_TRIPLES = 39
EVENT_TRIPLES = 16
LINE_TRIPLES = 23


def lit(text: str, lang: str | None = "en") -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"@{lang}' if lang else f'"{text}"'


def dec(value) -> str:
    return f"{value}.0" if isinstance(value, int) else str(value)


def date(text: str) -> str:
    return f'"{text}"^^xsd:date'


class Writer:
    """Turtle text for one file, counting the triples it states."""

    def __init__(self, comment: str):
        self.parts = [f"# {comment}\n# Synthetic data for benchmarks: not real organisations, plans or figures.\n",
                      HEADER]
        self.triples = 0

    def subject(self, s: str, pairs: list[tuple[str, str]]) -> None:
        self.triples += len(pairs)
        body = " ;\n    ".join(f"{p} {o}" for p, o in pairs)
        self.parts.append(f"\n{s} {body} .\n")

    def text(self) -> str:
        return "".join(self.parts)

    def stated(self, key: str, item: list[tuple[str, str]], values: list[tuple[str, str]],
               doc: str, locator: str, parts: list[tuple[str, str]]) -> str:
        """An item, its one statement and the reference it rests on (``sclaim:key``)."""
        iri = f"sitem:{key}"
        self.subject(iri, item)
        self.subject(f"sst:{key}", [("a", "ia:Statement"), ("ia:statementOf", iri),
                                    ("wikibase:rank", "wikibase:NormalRank"), *values,
                                    ("prov:wasDerivedFrom", f"sclaim:{key}")])
        label = dict(item).get("rdfs:label", lit(key))
        self.subject(f"sclaim:{key}", [("a", "ia:Reference"), ("rdfs:label", label), ("ia:source", doc),
                                       ("ia:locator", lit(locator, None)), *parts,
                                       ("ia:reliability", "grade:official")])
        return iri


@dataclass
class Org:
    iri: str
    code: str
    kind: str


@dataclass
class Plan:
    """How many optional items each plan carries (decided by the budget)."""
    pairs: int = 1
    event: bool = False
    lines: int = 0


@dataclass
class Layout:
    scale: float
    areas: int
    orgs: int
    plans: list[list[Plan]] = field(default_factory=list)  # [year][area]


def _codes(rng: random.Random, n: int, make, taken: set[str]) -> list[str]:
    out = []
    while len(out) < n:
        c = make(rng)
        if c not in taken:
            taken.add(c)
            out.append(c)
    return out


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"


def _organisations(seed: int, areas: int, total: int) -> dict[str, list[Org]]:
    """ODS-style codes: ICBs Qxx, trusts Rxx, CCGs 99X, councils Lnnnn, practices Annnnn."""
    rng = random.Random(f"{seed}:organisations")
    taken: set[str] = set()
    rest = max(0, total - SYSTEMS - 2 * areas)
    trusts = max(1, rest * 2 // 9)
    practices = max(1, rest - trusts)
    groups = {
        "icb": _codes(rng, SYSTEMS, lambda r: "Q" + r.choice(ALNUM) + r.choice(ALNUM), taken),
        "la": _codes(rng, areas, lambda r: "L" + "".join(r.choices(DIGITS, k=4)), taken),
        "ccg": _codes(rng, areas, lambda r: "".join(r.choices(DIGITS, k=2)) + r.choice(UPPER), taken),
        "trust": _codes(rng, trusts, lambda r: "R" + r.choice(ALNUM) + r.choice(ALNUM), taken),
        "gp": _codes(rng, practices, lambda r: r.choice(UPPER) + "".join(r.choices(DIGITS, k=5)), taken),
    }
    return {k: [Org(f"sorg:{c}", c, k) for c in codes] for k, codes in groups.items()}


ORG_KINDS = {
    "icb": ("otype:partnership-board", "integrated care board"),
    "la": ("otype:local-authority", "council"),
    "ccg": ("otype:ccg", "clinical commissioning group"),
    "trust": ("otype:nhs-trust", "NHS trust"),
    "gp": ("otype:primary-care-provider", "GP practice"),
}


def _layout(scale: float) -> Layout:
    scale = min(1.0, scale)
    areas = max(2, round(FULL_AREAS * scale))
    orgs = max(SYSTEMS + 2 * areas + 2, round(FULL_ORGS * scale))
    return Layout(scale, areas, orgs)


def _spread(layout: Layout, budget: int) -> None:
    """Give the triples left after the skeleton to the plans, round by round:
    a second target/outcome pair, then a publication event, then scheme lines."""
    plans = [[Plan() for _ in range(layout.areas)] for _ in YEARS]
    layout.plans = plans
    flat = [p for year in plans for p in year]
    rounds = 0
    while budget > 0:
        size = PAIR_TRIPLES if rounds == 0 else EVENT_TRIPLES if rounds == 1 else LINE_TRIPLES
        for p in flat:
            # A plan's first scheme line also marks its pooled fund with ia:rounding.
            need = size + (1 if rounds == 2 else 0)
            if budget < need:
                return
            if rounds == 0:
                p.pairs = 2
            elif rounds == 1:
                p.event = True
            else:
                p.lines += 1
            budget -= need
        rounds += 1


def synthesise(out: Path, triples: int, seed: int = 1, vocab_dir: Path | None = None) -> dict:
    """Write a synthetic data folder of about ``triples`` triples into ``out``."""
    from .config import Settings

    vocab_dir = vocab_dir or Settings.from_env().data_dir / "vocab"
    out = Path(out)
    if out.exists():
        if any(out.iterdir()) and not (out / "synth.json").exists():
            raise FileExistsError(f"{out} is not empty and was not written by kg synth; not replacing it")
        shutil.rmtree(out)
    (out / "vocab").mkdir(parents=True)
    vocab_triples = 0
    for p in sorted(vocab_dir.glob("*.ttl")):
        shutil.copyfile(p, out / "vocab" / p.name)
        vocab_triples += _count(p)

    # First pass: the skeleton alone, to learn its size; second: the real thing.
    scale = triples / FULL_SHAPE
    for _ in range(6):
        layout = _layout(scale)
        _spread(layout, 0)
        skeleton = vocab_triples + _generate(None, layout, seed)
        if skeleton <= triples or layout.areas == 2:
            break
        scale *= triples / skeleton
    _spread(layout, triples - skeleton)
    written = vocab_triples + _generate(out, layout, seed)
    manifest = {"triples": written, "requested": triples, "seed": seed, "areas_per_year": layout.areas,
                "years": len(YEARS), "organisations": layout.orgs, "systems": SYSTEMS,
                "files": sum(1 for _ in out.rglob("*.ttl"))}
    (out / "synth.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _count(path: Path) -> int:
    import pyoxigraph as ox

    return sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


def _emit(out: Path | None, rel: str, w: Writer) -> int:
    if out is not None:
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(w.text(), encoding="utf-8")
    return w.triples


def _generate(out: Path | None, layout: Layout, seed: int) -> int:
    total = 0
    orgs = _organisations(seed, layout.areas, layout.orgs)
    total += _emit(out, "synthetic/organisations.ttl", _org_file(orgs))
    total += _emit(out, "synthetic/systems.ttl", _systems_file(seed, orgs, layout))
    area_totals: dict[str, list[tuple[str, int]]] = {}
    for y, (year, fy) in enumerate(YEARS):
        parts = []
        for a in range(layout.areas):
            w, pooled, amount = _plan(seed, y, year, fy, a, orgs, layout.plans[y][a])
            total += _emit(out, f"synthetic/plans/{fy}/bcf-plan-{fy}-{a + 1:03d}.ttl", w)
            parts.append((pooled, amount))
        area_totals[fy] = parts
        total += _emit(out, f"synthetic/national/bcf-national-{fy}.ttl", _national(year, fy, parts))
    return total


def _org_file(orgs: dict[str, list[Org]]) -> Writer:
    w = Writer("Synthetic organisations with ODS-style codes.")
    w.subject("sorg:national-body", [
        ("a", "org:FormalOrganization"), ("rdfs:label", lit("National health and care body (synthetic)")),
        ("ia:organisationType", "otype:arms-length-body"), ("ia:odsCode", lit("X26", None)),
        ("rdfs:comment", lit("A synthetic national body that funds the synthetic programmes."))])
    ccgs = orgs["ccg"]
    for kind, members in orgs.items():
        otype, noun = ORG_KINDS[kind]
        for i, o in enumerate(members):
            pairs = [("a", "org:FormalOrganization"), ("rdfs:label", lit(f"Synthetic {noun} {o.code}")),
                     ("ia:odsCode", lit(o.code, None)), ("ia:organisationType", otype)]
            if kind == "gp":
                pairs.append(("org:memberOf", ccgs[i % len(ccgs)].iri))
            w.subject(o.iri, pairs)
    return w


def _systems_file(seed: int, orgs: dict[str, list[Org]], layout: Layout) -> Writer:
    rng = random.Random(f"{seed}:systems")
    w = Writer("Synthetic programmes, integrated care systems and Better Care Fund areas.")
    w.subject("sprog:integrated-care-systems", [
        ("a", "ia:Programme"), ("rdfs:label", lit("Integrated care systems (synthetic)")),
        ("ia:programmeType", "ptype:system-model"), ("ia:runBy", "sorg:national-body"),
        ("rdfs:comment", lit("A synthetic programme of 42 local systems, for benchmarks."))])
    w.subject("sprog:better-care-fund", [
        ("a", "ia:Programme"), ("rdfs:label", lit("Better Care Fund (synthetic)")),
        ("ia:programmeType", "ptype:pooled-fund"), ("ia:runBy", "sorg:national-body"),
        ("rdfs:comment", lit("A synthetic pooled fund with one local plan per area a year, for benchmarks."))])
    w.subject("sdoc:systems-register", [
        ("a", "ia:Report"), ("rdfs:label", lit("Register of integrated care systems (synthetic)")),
        ("dcterms:title", lit("Register of integrated care systems (synthetic)")),
        ("dcterms:publisher", "sorg:national-body"), ("dcterms:issued", date("2022-07-01")),
        ("ia:issuedPrecision", "precision:day"), ("ia:reliability", "grade:official")])
    for i, icb in enumerate(orgs["icb"], 1):
        key = f"system-{i:02d}"
        w.subject(f"splace:{key}", [("a", "ia:Place"), ("rdfs:label", lit(f"Synthetic system area {i:02d}"))])
        w.subject(f"ssite:{key}", [
            ("a", "ia:Site"), ("rdfs:label", lit(f"Synthetic integrated care system {i:02d}")),
            ("ia:programmeNumber", str(i)), ("ia:area", f"splace:{key}")])
        _taking_part(w, key, "sprog:integrated-care-systems", f"Table 1, row {i}", "1", i)
        w.stated(f"{key}-led-by", [
            ("a", "ia:OrganisationRole"), ("rdfs:label", lit(f"{icb.code} leads synthetic system {i:02d}")),
            ("ia:organisation", icb.iri), ("ia:roleType", "role:leads"), ("ia:roleIn", f"ssite:{key}")],
            [], "sdoc:systems-register", f"Table 1, row {i}", [("ia:table", lit("1", None)), ("ia:row", lit(str(i), None))])
    for a, la in enumerate(orgs["la"], 1):
        key = f"bcf-area-{a:03d}"
        w.subject(f"splace:{key}", [("a", "ia:Place"), ("rdfs:label", lit(f"Synthetic council area {la.code}"))])
        w.subject(f"ssite:{key}", [
            ("a", "ia:Site"), ("rdfs:label", lit(f"Better Care Fund area {a:03d} (synthetic)")),
            ("ia:area", f"splace:{key}"),
            ("dcterms:isPartOf", f"ssite:system-{rng.randrange(SYSTEMS) + 1:02d}")])
        _taking_part(w, key, "sprog:better-care-fund", f"Table 2, row {a}", "2", a)
        for lead in (la, orgs["ccg"][a - 1]):
            w.stated(f"{key}-led-by-{lead.code.lower()}", [
                ("a", "ia:OrganisationRole"), ("rdfs:label", lit(f"{lead.code} leads BCF area {a:03d}")),
                ("ia:organisation", lead.iri), ("ia:roleType", "role:leads"), ("ia:roleIn", f"ssite:{key}")],
                [], "sdoc:systems-register", f"Table 2, row {a}", [("ia:table", lit("2", None)), ("ia:row", lit(str(a), None))])
    return w


def _taking_part(w: Writer, key: str, programme: str, locator: str, table: str, row: int) -> None:
    """The site's participation in the programme, listed in the register: the
    build writes the site's ia:takesPartIn from it."""
    w.stated(f"{key}-takes-part", [
        ("a", "ia:Participation"), ("rdfs:label", lit(f"Synthetic site {key} in the register")),
        ("ia:about", f"ssite:{key}"), ("ia:programme", programme)],
        [("ia:summary", lit(f"The register lists site {key}."))], "sdoc:systems-register", locator,
        [("ia:table", lit(table, None)), ("ia:row", lit(str(row), None))])


def _plan(seed, y, year, fy, a, orgs, plan: Plan):
    rng = random.Random(f"{seed}:plan:{fy}:{a}")
    la, ccg = orgs["la"][a], orgs["ccg"][a]
    area = f"ssite:bcf-area-{a + 1:03d}"
    key = f"bcf-{fy}-{a + 1:03d}"
    doc = f"sdoc:bcf-plan-{fy}-{a + 1:03d}"
    w = Writer(f"Better Care Fund plan {fy} for synthetic area {a + 1:03d}: one source document.")
    issued = f"{year}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
    title = f"Better Care Fund plan and year-end return {fy}: area {a + 1:03d} (synthetic)"
    w.subject(doc, [
        ("a", "ia:Report"), ("rdfs:label", lit(title)), ("dcterms:title", lit(title)),
        ("dcterms:publisher", la.iri), ("dcterms:issued", date(issued)),
        ("ia:issuedPrecision", "precision:day"), ("ia:reliability", "grade:official"),
        ("dcterms:subject", "sprog:better-care-fund"), ("dcterms:identifier", lit(f"BCF-{fy}-{la.code}", None))])

    def stated(key, item, values, locator, parts):
        return w.stated(key, item, values, doc, locator, parts)

    period = [("ia:periodStart", f"fy:{fy}"), ("ia:periodEnd", f"fy:{fy}")]
    lines = [rng.randint(50, 4000) * 1000 for _ in range(plan.lines)]
    amount = sum(lines) if lines else rng.randint(5000, 60000) * 1000
    values = [("ia:value", dec(amount)), ("ia:unit", "unit:gbp"), ("ia:valueKind", "kind:allocated")]
    if lines:
        values.append(("ia:rounding", dec(0)))
    pooled = stated(f"{key}-pooled-fund", [
        ("a", "ia:FundingFlow"), ("rdfs:label", lit(f"Pooled fund of BCF area {a + 1:03d}, {fy} (synthetic)")),
        ("ia:funder", ccg.iri), ("ia:recipient", area), ("ia:programme", "sprog:better-care-fund"),
        *period, ("ia:partOf", f"sitem:bcf-national-{fy}-total")],
        values, "Section 2, Table 1", [("ia:section", lit("Section 2", None)), ("ia:table", lit("1", None))])
    for m in range(plan.pairs):
        measure, unit, typical = METRICS[m]
        planned = -rng.randint(typical // 4, typical)
        actual = planned + rng.randint(-typical // 2, typical // 2)
        target = stated(f"{key}-{measure}-target", [
            ("a", "ia:Target"), ("rdfs:label", lit(f"Planned {measure.replace('-', ' ')}, area {a + 1:03d}, {fy}")),
            ("ia:about", area), ("ia:measure", f"measure:{measure}"), *period],
            [("ia:value", dec(planned)), ("ia:unit", f"unit:{unit}"), ("ia:valueKind", "kind:planned")],
            "Section 3, metrics", [("ia:section", lit("Section 3", None))])
        stated(f"{key}-{measure}-outcome", [
            ("a", "ia:Outcome"), ("rdfs:label", lit(f"Actual {measure.replace('-', ' ')}, area {a + 1:03d}, {fy}")),
            ("ia:about", area), ("ia:measure", f"measure:{measure}"), ("ia:againstTarget", target), *period],
            [("ia:value", dec(actual)), ("ia:unit", f"unit:{unit}"), ("ia:valueKind", "kind:actual")],
            "Year-end return, metrics", [("ia:section", lit("Year-end return", None))])
    if plan.event:
        stated(f"{key}-published", [
            ("a", "ia:Event"), ("rdfs:label", lit(f"Plan of BCF area {a + 1:03d} for {fy} published")),
            ("ia:eventType", "evt:published"), ("ia:about", doc)],
            [("ia:date", date(issued)), ("ia:datePrecision", "precision:day")], "Cover", [("ia:section", lit("Cover", None))])
    for i, value in enumerate(lines, 1):
        scheme = SCHEME_TYPES[(i - 1) % len(SCHEME_TYPES)]
        stated(f"{key}-line-{i:03d}", [
            ("a", "ia:FundingFlow"), ("rdfs:label", lit(f"Scheme {i} of BCF area {a + 1:03d}, {fy}: {scheme}")),
            ("ia:funder", ccg.iri), ("ia:recipient", la.iri), ("ia:programme", "sprog:better-care-fund"),
            ("ia:purpose", lit(scheme)), *period, ("ia:partOf", pooled)],
            [("ia:value", dec(value)), ("ia:unit", "unit:gbp"), ("ia:valueKind", "kind:allocated")],
            f"Expenditure plan, line {i}", [("ia:section", lit("Expenditure plan", None)), ("ia:row", lit(str(i), None))])
    return w, pooled, amount


def _national(year, fy, parts) -> Writer:
    doc = f"sdoc:bcf-national-{fy}"
    w = Writer(f"National Better Care Fund summary {fy}: one source document.")
    title = f"Better Care Fund national summary {fy} (synthetic)"
    w.subject(doc, [
        ("a", "ia:Report"), ("rdfs:label", lit(title)), ("dcterms:title", lit(title)),
        ("dcterms:publisher", "sorg:national-body"), ("dcterms:issued", date(f"{year + 1}-06-30")),
        ("ia:issuedPrecision", "precision:day"), ("ia:reliability", "grade:official")])
    w.stated(f"bcf-national-{fy}-total", [
        ("a", "ia:Figure"), ("rdfs:label", lit(f"Money pooled in the Better Care Fund, {fy} (synthetic)")),
        ("ia:about", "sprog:better-care-fund"), ("ia:measure", "measure:fund-size"),
        ("ia:periodStart", f"fy:{fy}"), ("ia:periodEnd", f"fy:{fy}")],
        [("ia:value", dec(sum(v for _, v in parts))), ("ia:unit", "unit:gbp"), ("ia:valueKind", "kind:allocated"),
         ("ia:rounding", dec(0))],
        doc, "Summary, Table 1", [("ia:section", lit("Summary", None)), ("ia:table", lit("1", None))])
    return w
