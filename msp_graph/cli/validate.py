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
from ..validation import (
    LINE_FORMATS,
    REPORT_FORMATS,
    SEVERITIES,
    ValidationReport,
    check,
    check_engine,
    check_shapes,
)
from ..validation import validate as validate_store
from ..validation.asof import parse_date
from ..validation.changes import compare, keep, kept, snapshot
from .common import (
    AsOf,
    DataOptions,
    FormatTable,
    Reasoner,
    Reporter,
    data_options,
    keep_if_program,
    message_options,
    output_options,
    select_as_of,
    write,
)

__all__ = ["REPORT_TABLE", "validate"]

#: The report's formats; ``-o report.json``, ``.csv``, ``.ttl`` (the SHACL report graph), ``.xml`` (JUnit)
#: and ``.sarif`` name them.
REPORT_TABLE = FormatTable(
    "validate",
    "text",
    REPORT_FORMATS,
    extensions={"json": "json", "csv": "csv", "xml": "junit", "sarif": "sarif"},
)
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
    str,
    typer.Option(
        "--fail-on",
        help="Exit 1 when results at this severity or above exist; new: only when violations appeared since "
        "the report the last validation of --store kept.",
    ),
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
Full = Annotated[
    bool,
    typer.Option(
        "--full",
        help="With --store: reason and validate everything, not only what changed since the last "
        "validation of the store.",
    ),
]


@message_options
@output_options(
    REPORT_TABLE,
    help="text, table, json, csv, turtle (the SHACL report); for CI: junit, sarif, github (annotations).",
)
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
    as_of: AsOf = None,
    full: Full = False,
):
    """Validate the data against the SHACL shapes (after OWL 2 RL reasoning); print the report.

    With no FILES and no --store: the bundled data, grouped by partnership. With --shapes: FILES alone,
    no reasoning unless --reason, as other SHACL validators do. With --store (and no --as-of) the report
    is kept in the store's folder, for `msp-graph diff` and --fail-on new; then only what changed is redone.
    """
    when, previous = _check_options(data, fail_on, reason and no_reason, as_of, bool(shapes))
    reasoning = reason if shapes else not no_reason
    # Everything checked before the data is opened: with --store, opening loads FILES into the store.
    check_engine(engine)
    if reasoning:
        check_reasoner(reasoner)
    if shapes:
        check_shapes(shapes)
    started, store, lines = time.perf_counter(), None, format in LINE_FORMATS
    try:
        with report.working("validating"), _engine_notes(report):
            store = _open(data, bool(shapes), reasoning, report)
            if when is not None:
                store = select_as_of(store, when, data, report)
            if reasoning and data.store is not None and not shapes and when is None:
                result = _check_store(store, reasoner, engine, format, full, report)
            elif reasoning:
                report.step("reasoning (OWL 2 RL), then validating (SHACL)")
                result = _check_transient(store, shapes, reasoner, engine, lines)
            else:
                report.step("validating (SHACL)")
                result = validate_store(store, shapes=shapes, engine=engine, lines=lines)
        write(output, result.render(format))
    except BaseException:
        if store is not None:
            store.close()
        raise
    report.info(
        f"validated {result.triples} triples in {time.perf_counter() - started:.1f} s: {result.summary()}"
    )
    store.close()
    if _findings(data, result, fail_on, previous, keeping=when is None and not shapes, report=report):
        raise typer.Exit(1)


def _check_transient(store: Store, shapes, reasoner: str, engine: str, lines: bool) -> ValidationReport:
    """``check`` of data that this process alone reads: the process ends with the report, so an in-memory
    store (FILES, the bundled data, an --as-of view) keeps only the entailments validation reads."""
    return check(store, shapes=shapes, reasoner=reasoner, engine=engine, lines=lines, transient=True)


def _check_store(
    store: Store, reasoner: str, engine: str, format: str, full: bool, report: Reporter
) -> ValidationReport:
    """``check`` of a --store with the bundled shapes: incremental (``validation.incremental``) with the
    default reasoner and engine when the store can be written; says on stderr which kind of run it was.
    ``format``: the report's, which tells whether lines and the SHACL report graph are needed."""
    from ..stores import EmbeddedStore
    from ..validation.incremental import validate_incrementally

    report.step("reasoning (OWL 2 RL), then validating (SHACL): what changed since the last validation")
    defaults = reasoner == "rules" and engine == "sparql"
    if defaults and isinstance(store, EmbeddedStore) and store.path is not None and store.try_write():
        lines, graph = format in LINE_FORMATS, format == "turtle"
        result, run = validate_incrementally(store, lines=lines, full=full, graph=graph)
        report.info(run.line())
        return result
    report.info("full")
    return check(store, reasoner=reasoner, engine=engine, lines=format in LINE_FORMATS)


def _check_options(data: DataOptions, fail_on: str, both: bool, as_of: str | None, own_shapes: bool):
    """The date of --as-of and, for --fail-on new, the report kept in --store (an empty one if none was
    kept): all checked before the data is opened. Only the bundled shapes' reports are kept and compared."""
    if fail_on not in (*SEVERITIES, "new"):
        raise MspGraphError(
            f"--fail-on {fail_on}: unknown severity; use one of: {', '.join(SEVERITIES)}, new"
        )
    if both:
        raise MspGraphError("--reason and --no-reason: give one of them")
    when = parse_date(as_of) if as_of is not None else None
    if fail_on != "new":
        return when, None
    if data.store is None or when is not None or own_shapes:
        raise MspGraphError(
            "--fail-on new compares with the report a store keeps: give --store DIR, no --as-of, no --shapes"
        )
    return when, kept(data.store) or snapshot(ValidationReport(conforms=True, results=[], partnerships={}))


def _findings(
    data: DataOptions, result: ValidationReport, fail_on: str, previous: dict | None, *, keeping: bool,
    report: Reporter,
) -> bool:  # fmt: skip
    """Keep the report in --store's folder; True when the findings --fail-on names exist."""
    if data.store is not None and keeping:
        try:
            keep(data.store, result)
        except OSError as error:
            report.info(f"note: the report could not be kept in {data.store} ({error.strerror or error})")
    if previous is None:
        return result.problems(fail_on)
    new = compare(previous, snapshot(result)).new_violations()
    report.info(f"{len(new)} new violation(s) since the last validation of {data.store}")
    return bool(new)


def _open(data: DataOptions, own_shapes: bool, reasoning: bool, report: Reporter) -> Store:
    """The store to validate. The user's own shapes on FILES, without reasoning: a fresh store holding FILES
    only (one source graph each). Otherwise the one rule of every command (FILES | --store | --endpoint,
    with the bundled ontology and vocabularies, which reasoning works with; --with-bundled adds the bundled
    data)."""
    if own_shapes and not reasoning and data.files and not (data.store or data.endpoint or data.with_bundled):
        store = keep_if_program(open_store())
        try:
            load_files(store, list(data.files), progress=report.step, format=data.input_format)
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
