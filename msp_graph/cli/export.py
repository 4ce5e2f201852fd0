"""``msp-graph export`` (linked data, spreadsheets, the partner network) and ``msp-graph network``.

``export -f svg|png|graphml`` and ``network`` share ``draw_network``; ``export -f xlsx|csv`` hands the
opened data to ``msp_graph.sheets.export_sheets``. Both read whatever the data options name (FILES, a
store or an endpoint).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MspGraphError, SpreadsheetError
from ..export import export as export_graph
from ..export import normalise_format
from ..network import NETWORK_FORMATS, render_network
from ..reasoning import reason_if_missing
from .common import DataOptions, Reporter, data_options, message_options, output_options, write

__all__ = ["draw_network", "export", "export_spreadsheets", "network"]

SHEET_FORMATS = ("xlsx", "csv")


@message_options
@output_options(
    default="turtle",
    help="turtle, nt, rdfxml, trig, nquads, jsonld; xlsx or csv (spreadsheets); svg, png or graphml "
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
            store, format=fmt, include_inferred=include_inferred, include_ontology=not no_ontology
        )
    write(output, exported)
    report.info(f"exported {len(exported)} bytes of {fmt}" + (f" to {output}" if output else ""))


@message_options
@output_options(NETWORK_FORMATS, default="svg", help="svg, png or graphml (for Gephi).", what="network")
@data_options
def network(*, data: DataOptions, output: Path | None, format: str, report: Reporter):
    """Draw the partner-partnership network (partners coloured by stakeholder group) or save it as GraphML."""
    draw_network(data, report, format=format, output=output)


def draw_network(data: DataOptions, report: Reporter, *, format: str, output: Path | None) -> None:
    """The partner network of ``data`` as ``format`` (svg, png, graphml), reasoning first if need be."""
    if format == "png" and output is None and sys.stdout.isatty():
        raise MspGraphError("-f png: binary output; write it to a file with -o FILE.png")
    with report.working("drawing the network"), data.open(report) as store:
        report.step("reasoning (OWL 2 RL) if missing: stakeholder groups implied by member classes")
        reason_if_missing(store)
        drawn = render_network(store, format=format)
    write(output, drawn)


def export_spreadsheets(data: DataOptions, report: Reporter, *, format: str, output: Path | None) -> None:
    """The data in the spreadsheet layout: an .xlsx workbook, or CSV files (a folder or a .zip)."""
    from ..sheets import export_sheets  # openpyxl: only when asked for

    if output is None:
        raise SpreadsheetError(
            f"-f {format}: give -o PATH (a .xlsx file for xlsx; a folder or a .zip file for csv)"
        )
    with report.working("exporting"), data.open(report) as store:
        written = export_sheets(store, output, format=format)
    report.info(f"exported {format} to {output}" + (f" ({len(written)} files)" if len(written) > 1 else ""))
