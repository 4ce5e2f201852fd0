"""``msp-graph validate``: OWL 2 RL reasoning, then SHACL validation; the report on stdout.

With ``--shapes`` the command is a plain SHACL validator, as pyshacl and Jena's ``shacl`` are: FILES are
validated alone, without reasoning. ``--reason`` adds the bundled ontology and vocabularies and reasons
(OWL 2 RL), as the default validation does; ``--with-bundled`` adds them and the bundled data. Without
``--shapes``: the bundled shapes, after reasoning, on the bundled ontology.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MspGraphError
from ..loading import load_files, open_store
from ..reasoning import check_engine as check_reasoner
from ..stores import Store
from ..validation import REPORT_FORMATS, SEVERITIES, check, check_engine, check_shapes
from ..validation import validate as validate_store
from .common import (
    DataOptions,
    FormatTable,
    Reasoner,
    Reporter,
    data_options,
    keep_if_program,
    message_options,
    output_options,
    write,
)

__all__ = ["REPORT_TABLE", "validate"]

#: The report's formats; ``-o report.json``, ``.csv`` and ``.ttl`` (the SHACL report graph) name them.
REPORT_TABLE = FormatTable("validate", "text", REPORT_FORMATS, extensions={"json": "json", "csv": "csv"})
#: Where the fast engine names the shapes it hands to pyshacl (msp_graph.validation.sparql.run).
_ENGINE_LOG = "msp_graph.validation.sparql"


Shapes = Annotated[
    list[Path] | None,
    typer.Option(
        "--shapes",
        help="SHACL shapes files (default: the bundled shapes). With --shapes, FILES are validated "
        "alone, without reasoning (see --reason, --with-bundled).",
        metavar="FILE",
    ),
]
FailOn = Annotated[
    str, typer.Option("--fail-on", help="Exit 1 when results at this severity or above exist.")
]
NoReason = Annotated[
    bool, typer.Option("--no-reason", help="Validate the asserted triples without OWL 2 RL reasoning.")
]
Reason = Annotated[
    bool,
    typer.Option(
        "--reason", help="With --shapes: add the bundled ontology and reason (OWL 2 RL) before validating."
    ),
]
Engine = Annotated[
    str,
    typer.Option(
        "--engine", help="sparql (shapes compiled to SPARQL, in the store) or pyshacl (the reference)."
    ),
]


@message_options
@output_options(REPORT_TABLE, help="text, table, json, csv or turtle (the SHACL report).")
@data_options
def validate(
    *,
    data: DataOptions,
    output: Path | None,
    format: str,
    report: Reporter,
    shapes: Shapes = None,
    fail_on: FailOn = "violation",
    no_reason: NoReason = False,
    reason: Reason = False,
    reasoner: Reasoner = "rules",
    engine: Engine = "sparql",
):
    """Validate the data against the SHACL shapes (after OWL 2 RL reasoning); print the report.

    With no FILES and no --store: the bundled data, grouped by partnership. With --shapes: FILES alone,
    no reasoning unless --reason, as other SHACL validators do.
    """
    if fail_on not in SEVERITIES:
        raise MspGraphError(f"--fail-on {fail_on}: unknown severity; use one of: {', '.join(SEVERITIES)}")
    if reason and no_reason:
        raise MspGraphError("--reason and --no-reason: give one of them")
    reasoning = reason if shapes else not no_reason
    # Everything checked before the data is opened: with --store, opening loads FILES into the store.
    check_engine(engine)
    if reasoning:
        check_reasoner(reasoner)
    if shapes:
        check_shapes(shapes)
    started = time.perf_counter()
    store = None
    try:
        with report.working("validating"), _engine_notes(report):
            store = _open(data, bool(shapes), reasoning, report)
            if reasoning:
                report.step("reasoning (OWL 2 RL), then validating (SHACL)")
                result = check(store, shapes=shapes, reasoner=reasoner, engine=engine)
            else:
                report.step("validating (SHACL)")
                result = validate_store(store, shapes=shapes, engine=engine)
        write(output, result.render(format))
    except BaseException:
        if store is not None:
            store.close()
        raise
    report.info(
        f"validated {result.triples} triples in {time.perf_counter() - started:.1f} s: {result.summary()}"
    )
    store.close()
    if result.problems(fail_on):
        raise typer.Exit(1)


def _open(data: DataOptions, own_shapes: bool, reasoning: bool, report: Reporter) -> Store:
    """The store to validate. The user's own shapes on FILES, without reasoning: a fresh store holding FILES
    only (one source graph each). Otherwise the one rule of every command (FILES | --store | --endpoint,
    with the bundled ontology and vocabularies, which reasoning works with; --with-bundled adds the bundled
    data)."""
    if own_shapes and not reasoning and data.files and not (data.store or data.endpoint or data.with_bundled):
        store = keep_if_program(open_store())
        try:
            load_files(store, list(data.files), progress=report.step)
        except BaseException:
            store.close()
            raise
        return store
    return data.open(report)


class _Notes(logging.Handler):
    """The engine's notes (shapes handed to pyshacl, with why), printed as the command's messages."""

    def __init__(self, report: Reporter):
        super().__init__(logging.INFO)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        self.report.info(f"note: {record.getMessage()}")


@contextlib.contextmanager
def _engine_notes(report: Reporter) -> Iterator[None]:
    logger, handler = logging.getLogger(_ENGINE_LOG), _Notes(report)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
