"""The store commands of ``msp-graph``: ``load``, ``reason``, ``update``, ``stats``, ``push``, ``pull``.

``load`` and ``update`` write a store on disk (``--store DIR`` is required); ``reason`` and ``stats`` read
the data options like every reading command; ``push`` and ``pull`` move data to and from an endpoint.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from ..errors import StoreError
from ..loading import (
    METADATA_GRAPH,
    bundled_data_files,
    check_files,
    load_bundled,
    load_files,
    pull,
    push,
    source_graphs,
    unpacked,
)
from ..reasoning import check_engine
from ..reasoning import reason as run_reasoning
from ..stores import ONTOLOGY_GRAPH, EmbeddedStore
from .common import (
    DataOptions,
    Files,
    FormatTable,
    InputFormat,
    Reasoner,
    RemoteOptions,
    Reporter,
    checked_input_format,
    data_options,
    message_options,
    output_options,
    remote_options,
    write,
)

__all__ = ["load", "pull_command", "push_command", "reason", "stats", "update"]


@message_options
def load(
    *,
    report: Reporter,
    files: Files = None,
    store: Annotated[
        Path,
        typer.Option("--store", help="Store directory on disk (created on first use).", metavar="DIR"),
    ] = ...,  # type: ignore[assignment]
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Drop the source graphs not among FILES (FILES replace the data)."),
    ] = False,
    input_format: InputFormat = None,
):
    """Load RDF files into a store on disk, one named graph per file (no FILES: the bundled data).

    All files are read before anything is written: one bad file leaves the store as it was.
    """
    started = time.perf_counter()
    # standard input and .gz files unpacked, then every file checked, before the store is even created
    with report.working("loading"), unpacked(files or [], checked_input_format(input_format)) as sources:
        check_files(sources)
        with EmbeddedStore(store) as target:
            written, total, size = _load_into(target, sources, replace, report)
    seconds = time.perf_counter() - started
    rate = size / max(seconds, 1e-3)
    report.info(
        f"loaded {len(written)} file(s) into {store} in {seconds:.1f} s ({rate:,.0f} quads/s): "
        f"{total} source graphs, {size:,} quads in all"
    )


def _load_into(target: EmbeddedStore, files: list, replace: bool, report: Reporter) -> tuple[list, int, int]:
    """``load``'s work in the store: (graphs written, source graphs, quads in all)."""
    if files:
        if ONTOLOGY_GRAPH not in target.graphs():
            load_bundled(target, data=False, progress=report.step)
        written = load_files(target, files, replace=replace, progress=report.step)
    else:
        load_bundled(target, data=False, progress=report.step)
        written = load_files(target, bundled_data_files(), replace=replace, progress=report.step)
    return written, len(source_graphs(target)), target.count()


@message_options
@output_options(FormatTable("reason", "text", ("text", "json"), {"json": "json"}), help="text or json.")
@data_options
def reason(
    *, data: DataOptions, output: Path | None, format: str, report: Reporter, reasoner: Reasoner = "rules"
):
    """Materialise the OWL 2 RL entailments into the inferred graph; list inconsistencies (exit 1 if any)."""
    check_engine(reasoner)  # before the data is opened: with --store, opening loads FILES into the store
    with report.working("reasoning (OWL 2 RL)"), data.open(report) as store:
        result = run_reasoning(store, engine=reasoner)
    if format == "json":
        body = {
            "asserted": result.asserted,
            "inferred": result.inferred,
            "consistent": result.consistent,
            "inconsistencies": [
                {"rule": i.rule, "message": i.message, "triples": [list(t) for t in i.triples]}
                for i in result.inconsistencies
            ],
        }
        write(output, json.dumps(body, indent=2) + "\n")
    else:
        lines = [f"{i.rule}: {i.message}" for i in result.inconsistencies]
        lines.append(
            f"{result.inferred} triples inferred from {result.asserted}; "
            + ("consistent" if result.consistent else f"{len(result.inconsistencies)} inconsistencies")
        )
        write(output, "\n".join(lines) + "\n")
    if not result.consistent:
        raise typer.Exit(1)


_STATS_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_STATS_CLASSES = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s a ?class }}
  FILTER (?g NOT IN (<{ONTOLOGY_GRAPH}>, <{METADATA_GRAPH}>))
}} GROUP BY ?class ORDER BY DESC(?n) ?class
"""


@message_options
@output_options(
    FormatTable("stats", "table", ("table", "json", "csv"), {"json": "json", "csv": "csv"}),
    help="table, json or csv.",
)
@data_options
def stats(*, data: DataOptions, output: Path | None, format: str, report: Reporter):
    """Count triples per named graph and instances per class (ontology graph left out of the classes)."""
    with report.working("counting"), data.open(report) as store:
        graphs = [(row["g"].value, int(row["n"].value)) for row in store.query(_STATS_GRAPHS)]
        classes = [(row["class"].value, int(row["n"].value)) for row in store.query(_STATS_CLASSES)]
    if format == "json":
        body = {"graphs": dict(graphs), "classes": dict(classes), "triples": sum(n for _, n in graphs)}
        write(output, json.dumps(body, indent=2) + "\n")
    elif format == "csv":
        rows = (
            ["kind,iri,count"]
            + [f"graph,{g},{n}" for g, n in graphs]
            + [f"class,{c},{n}" for c, n in classes]
        )
        write(output, "\r\n".join(rows) + "\r\n")
    else:
        write(output, _two_columns("graph", graphs) + "\n" + _two_columns("class", classes))


def _two_columns(title: str, rows: list[tuple[str, int]]) -> str:
    width = max([len(title), *(len(k) for k, _ in rows)])
    lines = [f"{title.ljust(width)}  {'count':>8}", f"{'-' * width}  {'-' * 8}"]
    lines += [f"{k.ljust(width)}  {n:>8}" for k, n in rows]
    lines.append(f"{'total'.ljust(width)}  {sum(n for _, n in rows):>8}")
    return "\n".join(lines) + "\n"


@message_options
def update(
    *,
    report: Reporter,
    sparql: Annotated[
        str, typer.Argument(help="A SPARQL 1.1 update, or a file holding one.", show_default=False)
    ],
    store: Annotated[
        Path,
        typer.Option("--store", help="Store directory on disk to change.", metavar="DIR"),
    ] = ...,  # type: ignore[assignment]
    allow_network: Annotated[
        bool,
        typer.Option(
            "--allow-network",
            help="Let LOAD <url> and SERVICE fetch the URLs they name (MSP_GRAPH_NETWORK_TIMEOUT bounds it).",
        ),
    ] = False,
):
    """Run a SPARQL 1.1 update on a store on disk, as one transaction.

    The update (or its file) is read and checked before the store is opened; LOAD <url> and SERVICE are
    refused without --allow-network. A failing update leaves the store as it was.
    """
    from ..queries import prepare_update

    text, where = _update_text(sparql)
    prepared = prepare_update(text, where=where, allow_network=allow_network)
    if not store.is_dir():
        raise StoreError(f"{store}: no such store; create one with `msp-graph load --store {store}`")
    with EmbeddedStore(store) as target:
        before = target.count()
        prepared.run(target)
        after = target.count()
    report.info(f"updated {store}: {before} -> {after} quads")


def _update_text(sparql: str) -> tuple[str, str]:
    """The update ``update`` runs and its name in messages: the file the argument names (an existing path,
    or a word with no space, ``{`` or ``<``, which no update is), else the argument itself."""
    from ..errors import LoadError
    from ..queries import read_sparql_file

    candidate = sparql.strip()
    try:
        exists = bool(candidate) and (Path(candidate).exists() or Path(candidate).is_symlink())
    except (OSError, ValueError):  # a name too long, or holding NUL: not a file
        exists = False
    if exists or (candidate and not any(c.isspace() or c in "{<" for c in candidate)):
        return read_sparql_file(candidate, what="update", error=LoadError), candidate
    return sparql, "update"


@message_options
@remote_options
def push_command(
    *,
    remote: RemoteOptions,
    report: Reporter,
    files: Files = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Push every graph of this local store.", metavar="DIR")
    ] = None,
    input_format: InputFormat = None,
):
    """Load FILES (default: the bundled data) or a --store into a SPARQL endpoint, one graph per source.

    Every file is read and parsed before the server is touched; then all graphs are replaced in one
    transaction (staging graphs, then one update that moves them): a failure leaves the old graphs.
    Credentials: MSP_GRAPH_USER / MSP_GRAPH_PASSWORD or ~/.netrc.
    """
    with report.working("pushing"), remote.open() as target:
        written = push(
            target, files or [], store=store, progress=report.step, format=checked_input_format(input_format)
        )
    report.info(f"pushed {len(written)} graph(s) to {remote.endpoint}")


@message_options
@output_options(
    FormatTable("pull", "turtle", ("turtle", "nt", "trig", "nquads")),
    help="ttl, nt (a file per graph), trig or nq (one dataset file).",
    folder=True,
)
@remote_options
def pull_command(
    *,
    remote: RemoteOptions,
    output: Path,
    format: str,
    report: Reporter,
    graph: Annotated[
        list[str] | None, typer.Option("--graph", help="Only this graph (repeatable).", metavar="IRI")
    ] = None,
):
    """Dump the graphs of a SPARQL endpoint into files (paged: any size), one file per graph.

    A --graph the endpoint does not have is an error (exit 2) and nothing is written.
    """
    with report.working("pulling"), remote.open() as source:
        paths = pull(source, output, format=format, graphs=graph or None)
    report.info(f"pulled {len(paths)} file(s) into {output}")
