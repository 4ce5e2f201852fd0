"""``msp-graph export`` (linked data, spreadsheets, the partner network) and ``msp-graph network``.

``export -f svg|png|graphml`` and ``network`` share ``draw_network``; ``export -f xlsx|csv`` hands the
opened data to ``msp_graph.sheets.export_sheets``. Both read whatever the data options name (FILES, a
store or an endpoint).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MspGraphError, SpreadsheetError
from ..export import EXPORT_FORMATS, normalise_format
from ..export import export as export_graph
from ..network import NETWORK_FORMATS, network_format, render_network
from ..reasoning import reason_if_missing
from .common import (
    DataOptions,
    FormatTable,
    Reporter,
    data_options,
    is_stdout,
    message_options,
    output_options,
    write,
)

__all__ = ["EXPORT_TABLE", "NETWORK_TABLE", "draw_network", "export", "export_spreadsheets", "network"]

SHEET_FORMATS = ("xlsx", "csv")
_NETWORK_EXTENSIONS = {name: name for name in NETWORK_FORMATS}
#: The partner network: ``-o net.png``, ``.svg``, ``.html``, ``.graphml``.
NETWORK_TABLE = FormatTable("network", "svg", NETWORK_FORMATS, _NETWORK_EXTENSIONS)
#: Every format of ``export``: RDF through the one RDF table (``-o x.ttl``, ``.nt``, ``.rdf``, ``.trig``,
#: ``.nq``, ``.jsonld``), spreadsheets (``.xlsx``; ``.zip`` or ``.csv`` for the CSV files) and the network.
#: Unknown ``-f`` values are left to ``normalise_format``, whose message lists the RDF formats.
EXPORT_TABLE = FormatTable(
    "export",
    "turtle",
    (*EXPORT_FORMATS, *SHEET_FORMATS, *NETWORK_FORMATS),
    {"xlsx": "xlsx", "zip": "csv", "csv": "csv", **_NETWORK_EXTENSIONS},
    checked=False,
)


@message_options
@output_options(
    EXPORT_TABLE,
    help="turtle, nt, rdfxml, trig, nquads, jsonld; xlsx or csv (spreadsheets); svg, png, html or graphml "
    "(the partner network, as `msp-graph network`).",
)
@data_options
def export(
    *,
    data: DataOptions,
    output: Path | None,
    format: str,
    report: Reporter,
    include_inferred: Annotated[
        bool,
        typer.Option(
            "--include-inferred", help="Also export the OWL 2 RL entailments (computed if missing)."
        ),
    ] = False,
    no_ontology: Annotated[
        bool, typer.Option("--no-ontology", help="Leave out the ontology and vocabularies (data only).")
    ] = False,
    load_times: Annotated[
        bool,
        typer.Option(
            "--load-times",
            help="Keep each source graph's load time in the metadata graph (trig, nquads, jsonld); "
            "off by default, so that the same data gives the same bytes.",
        ),
    ] = False,
):
    """Export the graph as linked data (asserted triples; trig, nquads and jsonld keep the named graphs)."""
    if format.lower() in SHEET_FORMATS:
        return export_spreadsheets(data, report, format=format.lower(), output=output)
    if format.lower() in NETWORK_FORMATS:
        return draw_network(data, report, format=format.lower(), output=output)
    fmt = normalise_format(format)
    with report.working("exporting"), data.open(report) as store:
        if include_inferred:
            report.step("reasoning (OWL 2 RL) if the store has no inferred graph")
            reason_if_missing(store)
        exported = export_graph(
            store,
            format=fmt,
            include_inferred=include_inferred,
            include_ontology=not no_ontology,
            load_times=load_times,
        )
    write(output, exported)
    report.info(f"exported {len(exported)} bytes of {fmt}" + ("" if is_stdout(output) else f" to {output}"))


@message_options
@output_options(
    NETWORK_TABLE,
    help="svg or png (a picture), html (an interactive page, self-contained), graphml (for Gephi).",
)
@data_options
def network(
    *,
    data: DataOptions,
    output: Path | None,
    format: str,
    report: Reporter,
    partners: Annotated[
        bool,
        typer.Option(
            "--partners",
            help="GraphML of the partner-partner graph instead: partners joined by the partnerships they "
            "share (weight: how many).",
        ),
    ] = False,
):
    """Draw the partner-partnership network (partners coloured by stakeholder group), as a picture, an
    interactive page or GraphML."""
    draw_network(data, report, format=format, output=output, projection=partners)


def draw_network(
    data: DataOptions, report: Reporter, *, format: str, output: Path | None, projection: bool = False
) -> None:
    """The partner network of ``data`` as ``format`` (svg, png, html, graphml; ``projection``: the
    partner-partner GraphML), reasoning first if need be."""
    network_format(format, projection=projection)  # refused before the data is opened
    if format == "png":
        _not_to_a_terminal(format, output)
    with report.working("drawing the network"), data.open(report) as store:
        report.step("reasoning (OWL 2 RL) if missing: stakeholder groups implied by member classes")
        reason_if_missing(store)
        drawn = render_network(store, format=format, projection=projection)
    write(output, drawn)


def export_spreadsheets(data: DataOptions, report: Reporter, *, format: str, output: Path | None) -> None:
    """The data in the spreadsheet layout: an .xlsx workbook (a file or stdout), or CSV files (a folder or
    a .zip file). The workbook and the .zip are written as every ``-o`` file is (``common.write``)."""
    from ..sheets import export_sheets  # openpyxl: only when asked for

    in_folder = format == "csv" and (output is None or output.suffix.lower() != ".zip")
    if output is None or (in_folder and is_stdout(output)):
        raise SpreadsheetError(
            f"-f {format}: give -o PATH (a .xlsx file or - for xlsx; a folder or a .zip file for csv)"
        )
    if format == "xlsx":
        _not_to_a_terminal(format, output)

    def warn(message: str) -> None:  # ill-typed literals, characters a format cannot hold
        report.info(f"msp-graph: warning: {message}")

    with report.working("exporting"), data.open(report) as store:
        if in_folder:
            written = export_sheets(store, output, format=format, warn=warn)
        else:
            with tempfile.TemporaryDirectory(prefix="msp-graph-") as scratch:
                made = Path(scratch) / ("sheets.xlsx" if format == "xlsx" else "sheets.zip")
                export_sheets(store, made, format=format, warn=warn)
                payload = made.read_bytes()
            written = [output]
    if not in_folder:
        write(output, payload)
    report.info(f"exported {format} to {output}" + (f" ({len(written)} files)" if len(written) > 1 else ""))


def _not_to_a_terminal(format: str, output: Path | None) -> None:
    if is_stdout(output) and sys.stdout.isatty():
        raise MspGraphError(f"-f {format}: binary output; write it to a file with -o FILE.{format}")
