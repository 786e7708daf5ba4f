"""The ``kg`` command: build, validate, query, export and serve the atlas."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from . import queries as named
from .build import BuildFailed, build
from .config import Settings
from .namespaces import CANONICAL_BASE
from .sources import SourceError, data_files, load, load_shapes
from .store import RDF_FORMATS, OxigraphStore
from .validate import validate as run_validation


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
@click.version_option(package_name="integration-atlas")
def main():
    """The integration atlas: a knowledge graph of England's health and
    social care integration programmes."""


@main.command("build")
@click.option("--quiet", is_flag=True, help="Print only the summary or the report.")
def build_cmd(quiet):
    """Load ontology and data, validate, and publish a new build."""
    settings = _settings()
    progress = (lambda _msg: None) if quiet else (lambda msg: click.echo(f"... {msg}", err=True))
    try:
        result = build(settings, progress=progress)
    except BuildFailed as exc:
        click.echo(exc.report.render(), err=True)
        click.echo("\nBuild stopped: the previous build is still the current one.", err=True)
        sys.exit(1)
    except SourceError as exc:
        click.echo(f"Build stopped: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # KG_HOME unwritable or full: one line, not a traceback
        reason = exc.strerror or str(exc)
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        click.echo(f"Build stopped: could not write the build under KG_HOME={settings.home}: "
                   f"{reason}{where}. The previous build is still the current one.", err=True)
        sys.exit(1)
    click.echo(f"Built {result.triples} triples in {result.graphs} graphs from "
               f"{result.files} data files: {result.path}")


@main.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--alone", is_flag=True,
              help="Check FILES by themselves, without the rest of data/ as context.")
def validate_cmd(files, alone):
    """Check data FILES against the SHACL shapes, with the ontology.

    FILES are checked together with the rest of data/ (so links to existing
    resources resolve), unless --alone. With no FILES, all of data/."""
    settings = _settings()
    try:
        only = list(files) or None
        if only and not alone:
            given = {p.resolve() for p in only}
            only = [f.path for f in data_files(settings) if f.path not in given] + only
        loaded = load(settings, only=only)
    except SourceError as exc:
        click.echo(f"Cannot validate: {exc}", err=True)
        sys.exit(2)
    report = run_validation(loaded, load_shapes(settings))
    click.echo(report.render(), err=not report.conforms)
    sys.exit(0 if report.conforms else 1)


def _bindings(params: tuple[str, ...], query: named.NamedQuery | None, base: str):
    values = dict(query.params) if query else {}
    for p in params:
        key, sep, value = p.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=IRI, got {p!r}", param_hint="--param")
        values[key] = value
    subs = {}
    for key, iri in values.items():
        if iri.startswith(CANONICAL_BASE) and base != CANONICAL_BASE:
            iri = base + iri[len(CANONICAL_BASE):]
        subs[ox.Variable(key)] = ox.NamedNode(iri)
    return subs


def _cell(term) -> str:
    return "" if term is None else term.value


@main.command("query")
@click.argument("query_or_file")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.option("--param", "params", multiple=True, help="Bind NAME=IRI (repeatable).")
def query_cmd(query_or_file, fmt, params):
    """Run SPARQL against the current build.

    QUERY_OR_FILE is query text, a .rq file, or the name of a named query
    (see 'kg queries')."""
    settings = _settings()
    nq = None
    if query_or_file in named.all_queries():
        nq = named.get(query_or_file)
        text = nq.text
    elif query_or_file.endswith(".rq") and Path(query_or_file).exists():
        text = Path(query_or_file).read_text(encoding="utf-8")
    else:
        text = query_or_file
    store = OxigraphStore.open_current(settings)
    try:
        result = store.query(text, substitutions=_bindings(params, nq, settings.base))
    except SyntaxError as exc:
        click.echo(f"Malformed query: {exc}", err=True)
        sys.exit(2)
    out = sys.stdout
    if isinstance(result, ox.QueryBoolean):
        click.echo(json.dumps({"boolean": bool(result)}) if fmt == "json" else str(bool(result)).lower())
        return
    if isinstance(result, ox.QueryTriples):
        click.echo(ox.serialize(list(result), format=ox.RdfFormat.TURTLE).decode())
        return
    names = [v.value for v in result.variables]
    rows = [[_cell(sol[n]) for n in names] for sol in result]
    if fmt == "json":
        json.dump([dict(zip(names, r)) for r in rows], out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "csv":
        w = csv.writer(out)
        w.writerow(names)
        w.writerows(rows)
    else:
        widths = [min(60, max([len(n)] + [len(r[i]) for r in rows])) for i, n in enumerate(names)]
        fmt_row = lambda r: "  ".join(c[:w].ljust(w) for c, w in zip(r, widths))  # noqa: E731
        click.echo(fmt_row(names))
        click.echo("  ".join("-" * w for w in widths))
        for r in rows:
            click.echo(fmt_row(r))
        click.echo(f"({len(rows)} rows)", err=True)


@main.command("queries")
def queries_cmd():
    """List the named queries."""
    for q in named.all_queries().values():
        click.echo(f"{q.name}: {q.title}\n    {q.description}")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(RDF_FORMATS)), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write (default: stdout).")
def export_cmd(fmt, output):
    """Write the whole current build (every named graph) in FORMAT."""
    store = OxigraphStore.open_current(_settings(), memory=False)
    if output:
        tmp = output.with_name(output.name + ".part")
        with open(tmp, "wb") as fh:
            store.dump(fh, fmt)
        tmp.replace(output)
    else:
        store.dump(sys.stdout.buffer, fmt)


@main.command("synth")
@click.option("--triples", "triples", type=int, required=True, help="About how many triples to write.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("var/synthetic"),
              show_default=True, help="Folder to write (replaced); use it as KG_DATA_DIR.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
def synth_cmd(triples, output, seed):
    """Write a deterministic synthetic graph of about N triples at national shape."""
    from .synth import synthesise

    try:
        manifest = synthesise(output, triples, seed=seed, vocab_dir=_settings().data_dir / "vocab")
    except FileExistsError as exc:
        click.echo(f"Cannot write: {exc}", err=True)
        sys.exit(2)
    click.echo(f"Wrote {manifest['triples']} triples in {manifest['files']} files to {output} "
               f"(KG_DATA_DIR={output} kg build)")


@main.command("push")
def push_cmd():
    """Load the current build into the remote store (KG_STORE_*), replacing
    its previous contents in one switch."""
    from .push import push
    from .remote import StoreUnavailable

    try:
        result = push(_settings(), progress=lambda msg: click.echo(f"... {msg}", err=True))
    except (ValueError, FileNotFoundError, StoreUnavailable) as exc:
        click.echo(f"Push stopped: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Pushed {result['triples']} triples in {result['graphs']} graphs "
               f"as push {result['stamp']}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_cmd(host, port):
    """Serve the atlas under a production WSGI server (gunicorn)."""
    from web.server import serve

    serve(_settings(), host=host, port=port)


if __name__ == "__main__":
    main()
