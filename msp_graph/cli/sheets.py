"""The spreadsheet commands of ``msp-graph``: ``template`` and ``import``.

(``export -f xlsx|csv`` is in ``msp_graph.cli.export``.) ``import`` reads spreadsheets, not RDF: it takes
their FILES and a ``--store DIR`` to import into, not the data options of the reading commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer

from .common import Reporter, StoreDir, _fixed, message_options, output_options

if TYPE_CHECKING:
    from ..sheets.importer import SheetImportError

__all__ = ["LIST_LANGUAGES", "import_", "report_lines", "template"]

#: The languages of the template's drop-down lists (``msp_graph.sheets.LANGUAGES``, not imported at start-up).
LIST_LANGUAGES = ("en", "fr", "es")


@message_options
@output_options(folder=True)
def template(
    *,
    output: Path,
    report: Reporter,
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="The language of the labels the workbook's drop-down lists show (any is read on import).",
            **_fixed(LIST_LANGUAGES),
        ),
    ] = "en",
):
    """Write the empty spreadsheet template: msp-template.xlsx and a folder msp-template/ of CSV files."""
    from ..sheets import write_template

    written = write_template(output, lang=lang.lower())
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

    Exit 0: imported, no violation (also a file with headers and no rows: its graph then holds no records);
    1: imported, the shapes found violations in the imported records; 2: nothing imported (the errors are
    listed with their file, sheet, row and column: the first 100, then how many more).
    """
    from ..loading import open_workspace
    from ..sheets.importer import SheetImportError, import_sheets  # rdflib, openpyxl: not at start-up

    with report.working("importing"), open_workspace(store, [], progress=report.step) as workspace:
        try:
            result = import_sheets(
                files, store=workspace, dry_run=dry_run, validate=not no_validate, progress=report.step
            )
        except SheetImportError as error:
            _list_problems(error)
            raise typer.Exit(2) from None
    for warning in result.warnings:
        report.info(f"msp-graph: warning: {str(warning).replace('warning: ', '')}")
    if result.warning_count > len(result.warnings):
        report.info(
            f"msp-graph: warning: {result.warning_count - len(result.warnings)} more warnings not listed"
        )
    lines, violations = report_lines(result)
    for line in lines:
        click.echo(line)
    report.info(_summary(result, store, dry_run))
    if violations:
        raise typer.Exit(1)


def _summary(result, store: Path | None, dry_run: bool) -> str:
    """The last line of an import: what was (or would be) imported, from how many files, where."""
    files = f"{len(result.graphs)} file{'s' if len(result.graphs) != 1 else ''}"
    kept = "" if store or dry_run else " (no --store: nothing kept)"
    if not result.counts:  # headers only: not an error, the file's graph is replaced by an empty one
        if result.written:
            graphs = "its graph" if len(result.graphs) == 1 else "their graphs"
            hold = "holds" if len(result.graphs) == 1 else "hold"
            return (
                f"nothing imported: no rows under the headers of {files}; {graphs} in {store} now {hold} none"
            )
        return f"nothing to import: no rows under the headers of {files}{kept}"
    counts = ", ".join(f"{n} {name}" for name, n in sorted(result.counts.items()))
    where = f" into {store}" if store else ""
    verb = "would import" if dry_run or not store else "imported"
    return f"{verb} {counts} from {files}{where}{kept}"


def _list_problems(error: SheetImportError) -> None:
    """The problems of a refused import on stderr, one a line (the first ``MAX_LISTED`` errors and warnings,
    then how many more), then how many errors there were."""
    listed = {"error": 0, "warning": 0}
    for problem in error.problems:
        listed[problem.severity] += 1
        click.echo(f"msp-graph: {problem.severity}: {str(problem).replace('warning: ', '')}", err=True)
    for kind, total in (("error", error.error_count), ("warning", error.warning_count)):
        if total > listed[kind]:
            click.echo(f"msp-graph: {kind}: {total - listed[kind]} more {kind}s not listed", err=True)
    errors = error.error_count
    click.echo(f"msp-graph: {errors} error{'s' if errors != 1 else ''}; nothing was imported", err=True)


def report_lines(result) -> tuple[list[str], int]:
    """The validation results about the imported records, each pointing to its file, sheet and row."""
    report = result.report
    if report is None:
        return [], 0
    lines = []
    violations, meeting = 0, set(report.meeting_composition)
    for iri in result.partnerships:
        where = "; ".join(str(loc) for loc in result.records[iri])
        label = report.partnerships.get(iri, iri)
        if iri in meeting and report.composition_known:
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
