"""The spreadsheet commands of ``msp-graph``: ``template``, ``import``, and ``export -f xlsx|csv``.

``msp_graph.cli`` registers them with ``register(app)`` and hands ``export -f xlsx|csv`` to
``export_command``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import click
import typer

from ..sheets.importer import SheetImportError

__all__ = ["export_command", "register"]


def _cli():
    from .. import cli

    return cli


def template(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder to write into (created if missing).", metavar="DIR")
    ] = Path("."),
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More messages.")] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No messages on stderr.")] = False,
):
    """Write the empty spreadsheet template: msp-template.xlsx and a folder msp-template/ of CSV files."""
    from ..sheets import write_template

    written = write_template(output)
    if not quiet:
        click.echo(f"wrote {written[0]} and {written[1].parent}/ ({len(written) - 1} CSV files)", err=True)


def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Spreadsheets: .xlsx workbooks, .csv files, folders or .zip of CSV files.",
            show_default=False,
        ),
    ],
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Store directory on disk (created on first use, reused later).", metavar="DIR"
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; write nothing.")] = False,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Do not run the shapes after reading.")
    ] = False,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More messages.")] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No messages on stderr, only errors.")] = False,
):
    """Import spreadsheets into the graph: one named graph per file, all or nothing, then validate.

    Exit 0: imported, no violation; 1: imported, the shapes found violations in the imported records;
    2: nothing imported (every error is listed with its file, sheet, row and column).
    """
    from ..loading import open_workspace
    from ..sheets.importer import import_sheets

    def say(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    progress = (lambda m: say(m)) if verbose else None
    with open_workspace(store, [], progress=progress) as workspace:
        try:
            result = import_sheets(
                files, store=workspace, dry_run=dry_run, validate=not no_validate, progress=progress
            )
        except SheetImportError as error:
            for problem in error.problems:
                kind = "error" if problem.severity == "error" else "warning"
                click.echo(f"msp-graph: {kind}: {str(problem).replace('warning: ', '')}", err=True)
            errors = sum(1 for p in error.problems if p.severity == "error")
            click.echo(
                f"msp-graph: {errors} error{'s' if errors != 1 else ''}; nothing was imported", err=True
            )
            raise typer.Exit(2) from None
    for warning in result.warnings:
        say(f"msp-graph: warning: {str(warning).replace('warning: ', '')}")
    lines, violations = report_lines(result)
    for line in lines:
        click.echo(line)
    counts = ", ".join(f"{n} {name}" for name, n in sorted(result.counts.items()))
    where = f" into {store}" if store else ""
    verb = "would import" if dry_run or not store else "imported"
    say(
        f"{verb} {counts} from {len(result.graphs)} file{'s' if len(result.graphs) != 1 else ''}{where}"
        + ("" if store or dry_run else " (no --store: nothing kept)")
    )
    if violations:
        raise typer.Exit(1)


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


def export_command(ctx, files, store, with_bundled: bool, format: str, output: Path | None) -> None:
    """``msp-graph export -f xlsx|csv -o PATH``: the data in the spreadsheet layout."""
    from ..errors import SpreadsheetError
    from ..sheets import export_sheets

    cli = _cli()
    if output is None:
        raise SpreadsheetError(
            f"-f {format}: give -o PATH (a .xlsx file for xlsx; a folder or a .zip file for csv)"
        )
    report = cli.Reporter(ctx)
    with report.working("exporting"), cli._workspace(report, store, files, with_bundled) as workspace:
        written = export_sheets(workspace, output, format=format)
    report.info(f"exported {format} to {output}" + (f" ({len(written)} files)" if len(written) > 1 else ""))


def register(app: typer.Typer) -> None:
    """Add ``template`` and ``import`` to the ``msp-graph`` command."""
    app.command("template")(template)
    app.command("import")(import_)
