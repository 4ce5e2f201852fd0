"""The ``msp-graph`` command: one verb per job, shared options, data on stdout, messages on stderr.

Exit codes: 0 ran and found nothing wrong; 1 ran and found problems (non-conforming data, inconsistency);
2 could not run (bad input, unknown name, unreadable store): one line on stderr, a traceback with ``-vv``.

Which data a command works on (the same rule for every command that takes ``FILES``):
* no ``--store``: an in-memory store with the bundled ontology and vocabularies, plus the ``FILES``
  given, which *replace* the bundled data (``--with-bundled`` adds them to it instead); no ``FILES``: the
  bundled data;
* ``--store DIR``: the store on disk (created on first use). ``FILES`` are loaded into it (one source graph
  each, replacing an earlier load of the same file name); an empty store first gets the bundled data unless
  ``FILES`` are given.

Commands from other modules (spreadsheets, remote endpoints) register themselves on ``app`` below.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from ..errors import MspGraphError, QueryError, StoreError
from ..export import export as export_graph
from ..export import normalise_format
from ..loading import (
    METADATA_GRAPH,
    bundled_data_files,
    load_bundled,
    load_files,
    open_data,
    parse_file,
    pull,
    push,
    source_graphs,
)
from ..network import NETWORK_FORMATS, render_network
from ..queries import get_query, list_queries, parse_param, parse_query_file, run_query
from ..reasoning import reason as run_reasoning
from ..stores import INFERRED_GRAPH, ONTOLOGY_GRAPH, EmbeddedStore, open_remote
from ..validation import REPORT_FORMATS, SEVERITIES
from ..validation import validate as run_validation

__all__ = ["app", "main"]

_VERBOSITY = "msp_graph.verbosity"
_QUIET = "msp_graph.quiet"


class _Group(TyperGroup):
    """Catches the msp-graph error family at the edge: one line on stderr, exit 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MspGraphError as error:
            if ctx.meta.get(_VERBOSITY, 0) >= 2:
                traceback.print_exc(file=sys.stderr)
            message = " ".join(str(error).split("\n")).strip() or type(error).__name__
            click.echo(f"msp-graph: error: {message}", err=True)
            raise typer.Exit(2) from None
        except OSError as error:  # writing -o, reading a folder: the system's own words, one line
            if ctx.meta.get(_VERBOSITY, 0) >= 2:
                traceback.print_exc(file=sys.stderr)
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"msp-graph: error: {where}{error.strerror or error}", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_Group,
    name="msp-graph",
    help="Validate, query, reason over and export the knowledge graph of multi-stakeholder partnerships.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# --- shared options ------------------------------------------------------------------------------------


def _remember_verbosity(ctx: typer.Context, value: int) -> int:
    ctx.meta[_VERBOSITY] = max(ctx.meta.get(_VERBOSITY, 0), value or 0)
    return value


def _remember_quiet(ctx: typer.Context, value: bool) -> bool:
    if value:
        ctx.meta[_QUIET] = True
    return value


Files = Annotated[
    list[Path] | None,
    typer.Argument(
        help="RDF files (Turtle, N-Triples, TriG, N-Quads, RDF/XML) to work on.", show_default=False
    ),
]
StoreDir = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Store directory on disk (created on first use, reused later).", metavar="DIR"
    ),
]
WithBundled = Annotated[
    bool, typer.Option("--with-bundled", help="Add FILES to the bundled data instead of replacing it.")
]
Output = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.", metavar="FILE")
]
Verbose = Annotated[
    int,
    typer.Option(
        "-v", "--verbose", count=True, callback=_remember_verbosity, help="More messages (-vv: tracebacks)."
    ),
]
Reasoner = Annotated[
    str,
    typer.Option("--reasoner", help="OWL 2 RL engine: rules (fast, in the store) or owlrl (the reference)."),
]
Quiet = Annotated[
    bool, typer.Option("-q", "--quiet", callback=_remember_quiet, help="No messages on stderr, only errors.")
]
Endpoint = Annotated[
    str | None,
    typer.Option(
        "--endpoint", help="Work on a SPARQL endpoint's data (see docs/endpoints.md).", metavar="URL"
    ),
]
UpdateEndpoint = Annotated[
    str | None,
    typer.Option("--update-endpoint", help="SPARQL update URL (default: --endpoint).", metavar="URL"),
]
GraphStore = Annotated[
    str | None,
    typer.Option(
        "--graph-store", help="Graph Store HTTP Protocol URL (default: SPARQL updates).", metavar="URL"
    ),
]


class Reporter:
    """Messages and progress on stderr: a spinner on a terminal, plain lines with -v, nothing with -q."""

    def __init__(self, ctx: click.Context):
        self.level = -1 if ctx.meta.get(_QUIET) else ctx.meta.get(_VERBOSITY, 0)
        self.console = Console(stderr=True, highlight=False)
        self.live = self.level >= 0 and self.console.is_terminal
        self._status = None

    def step(self, message: str) -> None:
        if self.level >= 1:
            self.console.print(f"[dim]{message}[/dim]")
        elif self._status is not None:
            self._status.update(message)

    def info(self, message: str) -> None:
        if self.level >= 0:
            self.console.print(message, markup=False, soft_wrap=True)

    @contextlib.contextmanager
    def working(self, message: str) -> Iterator[Reporter]:
        if self.live and self.level == 0:
            with self.console.status(message) as status:
                self._status = status
                try:
                    yield self
                finally:
                    self._status = None
        else:
            self.step(message)
            yield self


def _check_format(value: str, allowed: tuple[str, ...] | list[str], what: str) -> str:
    if value.lower() not in allowed:
        raise MspGraphError(f"-f {value}: unknown format for {what}; use one of: {', '.join(allowed)}")
    return value.lower()


def _write(output: Path | None, data: str | bytes) -> None:
    """Write results to ``output`` atomically (temporary file + rename), or to stdout."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if output is None:
        sys.stdout.flush()
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:
            sys.stdout.write(payload.decode("utf-8", errors="replace"))
            return
        stream.write(payload)
        stream.flush()
        return
    output = output.expanduser()
    folder = output.parent if str(output.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _workspace(report: Reporter, store: Path | None, files: list[Path] | None, with_bundled: bool, remote=()):
    endpoint, update_endpoint, graph_store = (*remote, None, None, None)[:3]
    return open_data(
        files or [],
        store_dir=store,
        endpoint=endpoint,
        update_endpoint=update_endpoint,
        graph_store=graph_store,
        with_bundled=with_bundled,
        progress=report.step,
    )


# --- commands ------------------------------------------------------------------------------------------


@app.command()
def validate(
    ctx: typer.Context,
    files: Files = None,
    store: StoreDir = None,
    with_bundled: WithBundled = False,
    shapes: Annotated[
        list[Path] | None,
        typer.Option("--shapes", help="SHACL shapes files (default: the bundled shapes).", metavar="FILE"),
    ] = None,
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Exit 1 when results at this severity or above exist.")
    ] = "violation",
    no_reason: Annotated[
        bool, typer.Option("--no-reason", help="Validate the asserted triples without OWL 2 RL reasoning.")
    ] = False,
    format: Annotated[
        str, typer.Option("-f", "--format", help="text, table, json, csv or turtle (the SHACL report).")
    ] = "text",
    endpoint: Endpoint = None,
    update_endpoint: UpdateEndpoint = None,
    graph_store: GraphStore = None,
    output: Output = None,
    reasoner: Reasoner = "rules",
    engine: Annotated[
        str,
        typer.Option(
            "--engine", help="sparql (shapes compiled to SPARQL, in the store) or pyshacl (the reference)."
        ),
    ] = "sparql",
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Validate the data against the SHACL shapes (after OWL 2 RL reasoning); print the report.

    With no FILES and no --store: the bundled data, grouped by partnership.
    """
    fmt = _check_format(format, [*REPORT_FORMATS, "ttl"], "validate")
    if fail_on not in SEVERITIES:
        raise MspGraphError(f"--fail-on {fail_on}: unknown severity; use one of: {', '.join(SEVERITIES)}")
    report = Reporter(ctx)
    started = time.perf_counter()
    with (
        report.working("validating"),
        _workspace(report, store, files, with_bundled, (endpoint, update_endpoint, graph_store)) as workspace,
    ):
        reasoning = None
        if not no_reason:
            report.step("reasoning (OWL 2 RL)")
            reasoning = run_reasoning(workspace, engine=reasoner)
        report.step("validating (SHACL)")
        result = run_validation(workspace, shapes=shapes, engine=engine)
        if reasoning is not None:
            result.reasoning = reasoning
            result.inconsistencies = list(reasoning.inconsistencies)
    _write(output, result.render(fmt))
    report.info(
        f"validated {result.triples} triples in {time.perf_counter() - started:.1f} s: {result.summary()}"
    )
    if result.problems(fail_on):
        raise typer.Exit(1)


@app.command()
def query(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            help="A named query (see `msp-graph queries`); omit it with -e or --file.", show_default=False
        ),
    ] = None,
    files: Files = None,
    expression: Annotated[
        str | None, typer.Option("-e", "--expression", help="SPARQL query text (ad hoc).", metavar="SPARQL")
    ] = None,
    query_file: Annotated[
        Path | None, typer.Option("--file", help="A .rq file holding the query.", metavar="FILE")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("-p", "--param", help="A parameter, name=value (repeatable).", metavar="NAME=VALUE"),
    ] = None,
    store: StoreDir = None,
    with_bundled: WithBundled = False,
    reason: Annotated[
        bool,
        typer.Option("--reason", help="Run OWL 2 RL reasoning first (inferred triples are queried too)."),
    ] = False,
    format: Annotated[
        str,
        typer.Option(
            "-f",
            "--format",
            help="table, csv, tsv, json, srj, srx; for CONSTRUCT also turtle, nt, jsonld, rdfxml.",
        ),
    ] = "table",
    endpoint: Endpoint = None,
    update_endpoint: UpdateEndpoint = None,
    graph_store: GraphStore = None,
    output: Output = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Run a named or ad-hoc SPARQL query; parameters are bound as RDF terms, never pasted into the text."""
    params = dict(parse_param(p) for p in param or [])
    given = [flag for flag, value in (("-e", expression), ("--file", query_file)) if value is not None]
    if len(given) > 1:
        raise QueryError("query: give either -e SPARQL or --file FILE, not both")
    if given and name is not None:
        files = [Path(name), *(files or [])]  # with -e/--file every argument is a data file
    elif not given and name is None:
        raise QueryError(
            "query: give a query NAME, -e SPARQL or --file FILE; `msp-graph queries` lists names"
        )
    if expression is not None:
        selected = expression
    elif query_file is not None:
        selected = parse_query_file(query_file)
    else:
        selected = get_query(name)
    report = Reporter(ctx)
    with (
        report.working("querying"),
        _workspace(report, store, files, with_bundled, (endpoint, update_endpoint, graph_store)) as workspace,
    ):
        if reason:
            report.step("reasoning (OWL 2 RL)")
            run_reasoning(workspace)
        result = run_query(workspace, selected, params=params)
    _write(output, result.render(format, terminal=output is None and sys.stdout.isatty()))
    report.info(f"{len(result)} {'row' if len(result) == 1 else 'rows'}")


@app.command()
def queries(
    format: Annotated[str, typer.Option("-f", "--format", help="table or json.")] = "table",
    output: Output = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """List the named queries with their summaries and parameters."""
    fmt = _check_format(format, ("table", "json"), "queries")
    catalogue = list_queries()
    if fmt == "json":
        body = [
            {
                "name": q.name,
                "summary": q.summary,
                "form": q.form,
                "params": [
                    {"name": p.name, "kind": p.kind, "optional": p.optional, "description": p.description}
                    for p in q.params
                ],
                "examples": q.examples,
            }
            for q in catalogue
        ]
        _write(output, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        return
    width = max((len(q.name) for q in catalogue), default=4)
    lines = []
    for q in catalogue:
        lines.append(f"{q.name.ljust(width)}  {q.summary}")
        for p in q.params:
            need = "optional" if p.optional else "required"
            lines.append(f"{'':{width}}    --param {p.name}=...  ({p.kind}, {need}) {p.description}".rstrip())
    _write(output, "\n".join(lines) + "\n")


@app.command()
def export(
    ctx: typer.Context,
    files: Files = None,
    store: StoreDir = None,
    with_bundled: WithBundled = False,
    format: Annotated[
        str,
        typer.Option(
            "-f",
            "--format",
            help="turtle, nt, rdfxml, trig, nquads, jsonld; xlsx or csv (spreadsheets); svg, png or graphml "
            "(the partner network, as `msp-graph network`).",
        ),
    ] = "turtle",
    include_inferred: Annotated[
        bool,
        typer.Option(
            "--include-inferred", help="Also export the OWL 2 RL entailments (computed if missing)."
        ),
    ] = False,
    no_ontology: Annotated[
        bool, typer.Option("--no-ontology", help="Leave out the ontology and vocabularies (data only).")
    ] = False,
    endpoint: Endpoint = None,
    update_endpoint: UpdateEndpoint = None,
    graph_store: GraphStore = None,
    output: Output = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Export the graph as linked data (asserted triples; trig, nquads and jsonld keep the named graphs)."""
    if format.lower() in ("xlsx", "csv"):  # the spreadsheet layout (msp_graph.sheets)
        return _sheets.export_command(ctx, files, store, with_bundled, format.lower(), output)
    if format.lower() in NETWORK_FORMATS:
        return network(ctx, files, store, with_bundled, format.lower(), output, verbose, quiet)
    fmt = normalise_format(format)
    report = Reporter(ctx)
    with (
        report.working("exporting"),
        _workspace(report, store, files, with_bundled, (endpoint, update_endpoint, graph_store)) as workspace,
    ):
        if include_inferred and INFERRED_GRAPH not in workspace.graphs():
            report.step("reasoning (OWL 2 RL)")
            run_reasoning(workspace)
        data = export_graph(
            workspace, format=fmt, include_inferred=include_inferred, include_ontology=not no_ontology
        )
    _write(output, data)
    report.info(f"exported {len(data)} bytes of {fmt}" + (f" to {output}" if output else ""))


@app.command()
def load(
    ctx: typer.Context,
    files: Files = None,
    store: Annotated[
        Path,
        typer.Option("--store", help="Store directory on disk (created on first use).", metavar="DIR"),
    ] = ...,  # type: ignore[assignment]
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Drop the source graphs not among FILES (FILES replace the data)."),
    ] = False,
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Load RDF files into a store on disk, one named graph per file (no FILES: the bundled data).

    All files are read before anything is written: one bad file leaves the store as it was.
    """
    report = Reporter(ctx)
    for path in files or []:
        parse_file(path)  # every file is read before the store is even created
    with report.working("loading"), EmbeddedStore(store) as target:
        if files:
            if ONTOLOGY_GRAPH not in target.graphs():
                load_bundled(target, data=False, progress=report.step)
            written = load_files(target, files, replace=replace, progress=report.step)
        else:
            load_bundled(target, data=False, progress=report.step)
            written = load_files(target, bundled_data_files(), replace=replace, progress=report.step)
        total = len(source_graphs(target))
        size = target.count()
    report.info(f"loaded {len(written)} file(s) into {store}: {total} source graphs, {size} quads in all")


@app.command()
def reason(
    ctx: typer.Context,
    files: Files = None,
    store: StoreDir = None,
    with_bundled: WithBundled = False,
    format: Annotated[str, typer.Option("-f", "--format", help="text or json.")] = "text",
    output: Output = None,
    reasoner: Reasoner = "rules",
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Materialise the OWL 2 RL entailments into the inferred graph; list inconsistencies (exit 1 if any)."""
    fmt = _check_format(format, ("text", "json"), "reason")
    report = Reporter(ctx)
    with report.working("reasoning (OWL 2 RL)"), _workspace(report, store, files, with_bundled) as workspace:
        result = run_reasoning(workspace, engine=reasoner)
    if fmt == "json":
        body = {
            "asserted": result.asserted,
            "inferred": result.inferred,
            "consistent": result.consistent,
            "inconsistencies": [
                {"rule": i.rule, "message": i.message, "triples": [list(t) for t in i.triples]}
                for i in result.inconsistencies
            ],
        }
        _write(output, json.dumps(body, indent=2) + "\n")
    else:
        lines = [f"{i.rule}: {i.message}" for i in result.inconsistencies]
        lines.append(
            f"{result.inferred} triples inferred from {result.asserted}; "
            + ("consistent" if result.consistent else f"{len(result.inconsistencies)} inconsistencies")
        )
        _write(output, "\n".join(lines) + "\n")
    if not result.consistent:
        raise typer.Exit(1)


_STATS_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_STATS_CLASSES = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s a ?class }}
  FILTER (?g NOT IN (<{ONTOLOGY_GRAPH}>, <{METADATA_GRAPH}>))
}} GROUP BY ?class ORDER BY DESC(?n) ?class
"""


@app.command()
def stats(
    ctx: typer.Context,
    files: Files = None,
    store: StoreDir = None,
    with_bundled: WithBundled = False,
    format: Annotated[str, typer.Option("-f", "--format", help="table, json or csv.")] = "table",
    output: Output = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Count triples per named graph and instances per class (ontology graph left out of the classes)."""
    fmt = _check_format(format, ("table", "json", "csv"), "stats")
    report = Reporter(ctx)
    with report.working("counting"), _workspace(report, store, files, with_bundled) as workspace:
        graphs = [(row["g"].value, int(row["n"].value)) for row in workspace.query(_STATS_GRAPHS)]
        classes = [(row["class"].value, int(row["n"].value)) for row in workspace.query(_STATS_CLASSES)]
    if fmt == "json":
        body = {"graphs": dict(graphs), "classes": dict(classes), "triples": sum(n for _, n in graphs)}
        _write(output, json.dumps(body, indent=2) + "\n")
    elif fmt == "csv":
        rows = (
            ["kind,iri,count"]
            + [f"graph,{g},{n}" for g, n in graphs]
            + [f"class,{c},{n}" for c, n in classes]
        )
        _write(output, "\r\n".join(rows) + "\r\n")
    else:
        _write(output, _two_columns("graph", graphs) + "\n" + _two_columns("class", classes))


def _two_columns(title: str, rows: list[tuple[str, int]]) -> str:
    width = max([len(title), *(len(k) for k, _ in rows)])
    lines = [f"{title.ljust(width)}  {'count':>8}", f"{'-' * width}  {'-' * 8}"]
    lines += [f"{k.ljust(width)}  {n:>8}" for k, n in rows]
    lines.append(f"{'total'.ljust(width)}  {sum(n for _, n in rows):>8}")
    return "\n".join(lines) + "\n"


@app.command()
def network(
    ctx: typer.Context,
    files: Files = None,
    store: StoreDir = None,
    with_bundled: WithBundled = False,
    format: Annotated[str, typer.Option("-f", "--format", help="svg, png or graphml (for Gephi).")] = "svg",
    output: Output = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Draw the partner-partnership network (partners coloured by stakeholder group) or save it as GraphML."""
    fmt = _check_format(format, NETWORK_FORMATS, "network")
    if fmt == "png" and output is None and sys.stdout.isatty():
        raise MspGraphError("-f png: binary output; write it to a file with -o FILE.png")
    report = Reporter(ctx)
    with report.working("drawing the network"), _workspace(report, store, files, with_bundled) as workspace:
        if INFERRED_GRAPH not in workspace.graphs():
            report.step("reasoning (OWL 2 RL): stakeholder groups implied by member classes")
            run_reasoning(workspace)
        data = render_network(workspace, format=fmt)
    _write(output, data)


@app.command()
def update(
    ctx: typer.Context,
    sparql: Annotated[
        str, typer.Argument(help="A SPARQL 1.1 update, or a file holding one.", show_default=False)
    ],
    store: Annotated[
        Path,
        typer.Option("--store", help="Store directory on disk to change.", metavar="DIR"),
    ] = ...,  # type: ignore[assignment]
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Run a SPARQL 1.1 update on a store on disk, as one transaction."""
    text = sparql
    if not any(c.isspace() for c in sparql.strip()) and Path(sparql).is_file():
        text = Path(sparql).read_text(encoding="utf-8")
    if not store.is_dir():
        raise StoreError(f"{store}: no such store; create one with `msp-graph load --store {store}`")
    report = Reporter(ctx)
    with EmbeddedStore(store) as target:
        before = target.count()
        target.update(text)
        after = target.count()
    report.info(f"updated {store}: {before} -> {after} quads")


RequiredEndpoint = Annotated[
    str, typer.Option("--endpoint", help="SPARQL query endpoint URL.", metavar="URL")
]


@app.command("push")
def push_command(
    ctx: typer.Context,
    files: Files = None,
    endpoint: RequiredEndpoint = ...,  # type: ignore[assignment]
    update_endpoint: UpdateEndpoint = None,
    graph_store: GraphStore = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Push every graph of this local store.", metavar="DIR")
    ] = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Load FILES (default: the bundled data) or a --store into a SPARQL endpoint, one graph per source.

    Each graph is replaced atomically (temporary graph, then MOVE): a failure leaves it as it was.
    Credentials: MSP_GRAPH_USER / MSP_GRAPH_PASSWORD or ~/.netrc.
    """
    report = Reporter(ctx)
    with report.working("pushing"), open_remote(endpoint, update_endpoint, graph_store) as remote:
        written = push(remote, files or [], store=store, progress=report.step)
    report.info(f"pushed {len(written)} graph(s) to {endpoint}")


@app.command("pull")
def pull_command(
    ctx: typer.Context,
    endpoint: RequiredEndpoint = ...,  # type: ignore[assignment]
    update_endpoint: UpdateEndpoint = None,
    graph_store: GraphStore = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write to.", metavar="DIR")] = Path(
        "."
    ),
    format: Annotated[
        str, typer.Option("-f", "--format", help="ttl, nt (a file per graph), trig or nq.")
    ] = "ttl",
    graph: Annotated[
        list[str] | None, typer.Option("--graph", help="Only this graph (repeatable).", metavar="IRI")
    ] = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
):
    """Dump the graphs of a SPARQL endpoint into files (paged: any size), one file per graph."""
    fmt = _check_format(format, ("ttl", "turtle", "nt", "trig", "nq", "nquads"), "pull")
    report = Reporter(ctx)
    with report.working("pulling"), open_remote(endpoint, update_endpoint, graph_store) as remote:
        paths = pull(remote, output, format=fmt, graphs=graph or None)
    report.info(f"pulled {len(paths)} file(s) into {output}")


from . import sheets as _sheets  # noqa: E402

_sheets.register(app)  # template, import


def main() -> None:
    """Entry point of the ``msp-graph`` command."""
    app()


if __name__ == "__main__":
    main()
