"""``msp-graph query`` (named or ad-hoc SPARQL, parameters bound as RDF terms) and ``msp-graph queries``."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MspGraphError, QueryError
from ..prefixes import PREFIXES
from ..queries import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    NamedQuery,
    get_query,
    list_queries,
    parse_param,
    parse_query_file,
    prepare_query,
)
from ..reasoning import reason as run_reasoning
from ..stores import INFERRED_GRAPH, Store
from ..validation.asof import parse_date
from .common import (
    AsOf,
    DataOptions,
    FormatTable,
    Reporter,
    data_options,
    is_stdout,
    message_options,
    output_options,
    select_as_of,
    write,
)

__all__ = ["RESULT_TABLE", "prefixes", "queries", "query"]

#: Results formats. RDF ones (CONSTRUCT, DESCRIBE) come from the one RDF table: ``-o out.ttl``, ``.nt``,
#: ``.jsonld``, ``.rdf``. ``xml`` is SPARQL XML results here, as ``-f xml`` is for ``QueryResult.render``;
#: ``-f`` is checked against the query's form (``PreparedQuery.check_format``, naming the formats that fit),
#: before the data is opened.
RESULT_TABLE = FormatTable(
    "query",
    "table",
    tuple(dict.fromkeys((*SOLUTION_FORMATS, *GRAPH_FORMATS))),
    extensions={"csv": "csv", "tsv": "tsv", "json": "json", "srj": "srj", "srx": "srx", "xml": "srx"},
    aliases={"xml": "srx", "sparql-json": "srj", "sparql-xml": "srx", "text": "table"},
    checked=False,
)


@message_options
@output_options(
    RESULT_TABLE, help="table, csv, tsv, json, srj, srx; for CONSTRUCT also turtle, nt, jsonld, rdfxml."
)
@data_options
def query(
    *,
    data: DataOptions,
    output: Path | None,
    format: str,
    report: Reporter,
    name: Annotated[
        str | None,
        typer.Argument(
            help="A named query (see `msp-graph queries`); omit it with -e or --file.", show_default=False
        ),
    ] = None,
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
    reason: Annotated[
        bool,
        typer.Option("--reason", help="Run OWL 2 RL reasoning first (inferred triples are queried too)."),
    ] = False,
    allow_network: Annotated[
        bool,
        typer.Option(
            "--allow-network",
            help="Let SERVICE fetch the URLs it names (MSP_GRAPH_NETWORK_TIMEOUT bounds it).",
        ),
    ] = False,
    as_of: AsOf = None,
):
    """Run a named or ad-hoc SPARQL query; parameters are bound as RDF terms, never pasted into the text.

    The query, its parameters, the format and the -o folder are all checked before the data is opened:
    a bad one changes nothing (FILES are not loaded into a --store).
    """
    params = dict(parse_param(p) for p in param or [])
    data, selected = _select(data, name, expression, query_file)
    prepared = prepare_query(selected, params=params, allow_network=allow_network)
    fmt = prepared.check_format(format)
    _check_output(output)
    when = parse_date(as_of) if as_of is not None else None
    with report.working("querying"), data.open(report) as opened:
        result = _run(prepared, opened, when, reason, data, report)
    write(output, result.render(fmt, terminal=is_stdout(output) and sys.stdout.isatty()))
    report.info(f"{len(result)} {'row' if len(result) == 1 else 'rows'}")


def _run(prepared, opened: Store, when, reason: bool, data: DataOptions, report: Reporter):
    """The query's result on the data, as of ``when`` if given. The as-of view drops the inferred graph
    (made from every membership): a reasoned store's view is reasoned again for the date."""
    reason = reason or (when is not None and INFERRED_GRAPH in opened.graphs())
    with select_as_of(opened, when, data, report) if when else opened as store:
        if reason:
            report.step("reasoning (OWL 2 RL)")
            run_reasoning(store)
        return prepared.run(store)


def _check_output(output: Path | None) -> None:
    """-o names a file in a folder that exists (writing it is checked again, and done atomically, later)."""
    if is_stdout(output):
        return
    target = output.expanduser()
    if target.is_dir():
        raise MspGraphError(f"-o {output}: is a directory; give a file name")
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise MspGraphError(f"-o {output}: {folder} is not a folder; give a file path in a folder")
    if not folder.is_dir():
        raise MspGraphError(f"-o {output}: no such folder {folder}; create it first or write elsewhere")


def _select(
    data: DataOptions, name: str | None, expression: str | None, query_file: Path | None
) -> tuple[DataOptions, str | NamedQuery]:
    """The query to run (NAME, -e or --file) and the data: with -e/--file every argument is a data file."""
    given = [flag for flag, value in (("-e", expression), ("--file", query_file)) if value is not None]
    if len(given) > 1:
        raise QueryError("query: give either -e SPARQL or --file FILE, not both")
    if given and name is not None:
        data = dataclasses.replace(data, files=(Path(name), *data.files))
    elif not given and name is None:
        raise QueryError(
            "query: give a query NAME, -e SPARQL or --file FILE; `msp-graph queries` lists names"
        )
    if expression is not None:
        return data, expression
    if query_file is not None:
        return data, parse_query_file(query_file)
    return data, get_query(name)


@message_options
@output_options(FormatTable("queries", "table", ("table", "json"), {"json": "json"}), help="table or json.")
def queries(*, output: Path | None, format: str, report: Reporter):
    """List the named queries with their summaries and parameters."""
    catalogue = list_queries()
    if format == "json":
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
                "lists": q.lists,
                "entailment": q.entailment,
            }
            for q in catalogue
        ]
        write(output, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        return
    width = max((len(q.name) for q in catalogue), default=4)
    lines = []
    for q in catalogue:
        lines.append(f"{q.name.ljust(width)}  {q.summary}")
        for p in q.params:
            need = "optional" if p.optional else "required"
            lines.append(f"{'':{width}}    --param {p.name}=...  ({p.kind}, {need}) {p.description}".rstrip())
    write(output, "\n".join(lines) + "\n")


_PREFIX_TABLE = FormatTable(
    "prefixes",
    "table",
    ("table", "sparql", "turtle", "json"),
    {"json": "json", "rq": "sparql", "ttl": "turtle"},
)


@message_options
@output_options(_PREFIX_TABLE, help="table, sparql (PREFIX lines), turtle (@prefix lines) or json.")
def prefixes(*, output: Path | None, format: str, report: Reporter):
    """List the prefixes that -p values, ad-hoc queries (-e, --file) and the output know."""
    if format == "json":
        text = json.dumps(PREFIXES, indent=2) + "\n"
    else:
        width = max(len(name) for name in PREFIXES) + 1
        line = {
            "table": lambda n, iri: f"{n + ':':{width}}  {iri}",
            "sparql": lambda n, iri: f"PREFIX {n}: <{iri}>",
            "turtle": lambda n, iri: f"@prefix {n}: <{iri}> .",
        }[format]
        text = "".join(line(name, iri) + "\n" for name, iri in PREFIXES.items())
    write(output, text)
