"""The spreadsheet commands of ``msp-graph``: ``template`` and ``import``.

(``export -f xlsx|csv`` is in ``msp_graph.cli.export``.) ``import`` reads spreadsheets, not RDF: it takes
their FILES and a ``--store DIR`` to import into, not the data options of the reading commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer

from .common import Reporter, StoreDir, message_options, output_options

if TYPE_CHECKING:
    from ..sheets.importer import SheetImportError

__all__ = ["import_", "report_lines", "template"]


@message_options
@output_options(folder=True)
def template(*, output: Path, report: Reporter):
    """Write the empty spreadsheet template: msp-template.xlsx and a folder msp-template/ of CSV files."""
    from ..sheets import write_template

    written = write_template(output)
    report.info(f"wrote {written[0]} and {written[1].parent}/ ({len(written) - 1} CSV files)")


@message_options
def import_(
    *,
    report: Reporter,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Spreadsheets: .xlsx workbooks, .csv files, folders or .zip of CSV files.",
            show_default=False,
        ),
    ],
    store: StoreDir = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")] = False,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Do not run the shapes after reading.")
    ] = False,
):
    """Import spreadsheets into the graph: one named graph per file, all or nothing, then validate.

    Exit 0: imported, no violation; 1: imported, the shapes found violations in the imported records;
    2: nothing imported (every error is listed with its file, sheet, row and column).
    """
    from ..loading import open_workspace
    from ..sheets.importer import SheetImportError, import_sheets  # rdflib, openpyxl: not at start-up

    progress = report.step if report.level >= 1 else None
    with open_workspace(store, [], progress=progress) as workspace:
        try:
            result = import_sheets(
                files, store=workspace, dry_run=dry_run, validate=not no_validate, progress=progress
            )
        except SheetImportError as error:
            _list_problems(error)
            raise typer.Exit(2) from None
    for warning in result.warnings:
        report.info(f"msp-graph: warning: {str(warning).replace('warning: ', '')}")
    lines, violations = report_lines(result)
    for line in lines:
        click.echo(line)
    counts = ", ".join(f"{n} {name}" for name, n in sorted(result.counts.items()))
    where = f" into {store}" if store else ""
    verb = "would import" if dry_run or not store else "imported"
    report.info(
        f"{verb} {counts} from {len(result.graphs)} file{'s' if len(result.graphs) != 1 else ''}{where}"
        + ("" if store or dry_run else " (no --store: nothing kept)")
    )
    if violations:
        raise typer.Exit(1)


def _list_problems(error: SheetImportError) -> None:
    """Every problem of a refused import on stderr, one a line, then how many errors there were."""
    for problem in error.problems:
        kind = "error" if problem.severity == "error" else "warning"
        click.echo(f"msp-graph: {kind}: {str(problem).replace('warning: ', '')}", err=True)
    errors = sum(1 for p in error.problems if p.severity == "error")
    click.echo(f"msp-graph: {errors} error{'s' if errors != 1 else ''}; nothing was imported", err=True)


def report_lines(result) -> tuple[list[str], int]:
    """The validation results about the imported records, each pointing to its file, sheet and row."""
    report = result.report
    if report is None:
        return [], 0
    lines = []
    violations = 0
    for iri in result.partnerships:
        where = "; ".join(str(loc) for loc in result.records[iri])
        label = report.partnerships.get(iri, iri)
        if iri in report.meeting_composition and report.composition_known:
            lines.append(f"{where}: {label}: meets the MSP composition rule")
        elif report.composition_known:
            lines.append(f"{where}: {label}: does not meet the MSP composition rule")
    for r in report.results:
        locations = result.records.get(r.focus_node) or result.records.get(r.partnership or "")
        if not locations:
            continue
        violations += r.severity == "violation"
        lines.append(
            f"{'; '.join(str(loc) for loc in locations)}: {r.severity}: {r.focus_label}: {r.message}"
        )
    return lines, violations
