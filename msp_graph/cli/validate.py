"""``msp-graph validate``: OWL 2 RL reasoning, then SHACL validation; the report on stdout."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MspGraphError
from ..validation import REPORT_FORMATS, SEVERITIES, check
from ..validation import validate as validate_store
from .common import (
    DataOptions,
    FormatTable,
    Reasoner,
    Reporter,
    data_options,
    message_options,
    output_options,
    write,
)

__all__ = ["REPORT_TABLE", "validate"]

#: The report's formats; ``-o report.json``, ``.csv`` and ``.ttl`` (the SHACL report graph) name them.
REPORT_TABLE = FormatTable("validate", "text", REPORT_FORMATS, extensions={"json": "json", "csv": "csv"})


@message_options
@output_options(REPORT_TABLE, help="text, table, json, csv or turtle (the SHACL report).")
@data_options
def validate(
    *,
    data: DataOptions,
    output: Path | None,
    format: str,
    report: Reporter,
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
    reasoner: Reasoner = "rules",
    engine: Annotated[
        str,
        typer.Option(
            "--engine", help="sparql (shapes compiled to SPARQL, in the store) or pyshacl (the reference)."
        ),
    ] = "sparql",
):
    """Validate the data against the SHACL shapes (after OWL 2 RL reasoning); print the report.

    With no FILES and no --store: the bundled data, grouped by partnership.
    """
    if fail_on not in SEVERITIES:
        raise MspGraphError(f"--fail-on {fail_on}: unknown severity; use one of: {', '.join(SEVERITIES)}")
    started = time.perf_counter()
    with report.working("validating"), data.open(report) as store:
        if no_reason:
            report.step("validating (SHACL)")
            result = validate_store(store, shapes=shapes, engine=engine)
        else:
            report.step("reasoning (OWL 2 RL), then validating (SHACL)")
            result = check(store, shapes=shapes, reasoner=reasoner, engine=engine)
    write(output, result.render(format))
    report.info(
        f"validated {result.triples} triples in {time.perf_counter() - started:.1f} s: {result.summary()}"
    )
    if result.problems(fail_on):
        raise typer.Exit(1)
