"""Verdicts over time: ``msp-graph history`` (the dates a partnership's verdict changed, and why) and
``msp-graph diff`` (what changed since the report ``validate --store DIR`` kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import MspGraphError
from ..reasoning import check_engine as check_reasoner
from ..validation import check, check_engine, validate
from ..validation.asof import history as partnership_history
from ..validation.changes import compare, kept, snapshot
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
from .validate import Engine, NoReason

__all__ = ["diff", "history"]

_TABLE = FormatTable("history", "text", ("text", "json"), {"json": "json"})
_DIFF_TABLE = FormatTable("diff", "text", ("text", "json"), {"json": "json"})


@message_options
@output_options(_TABLE, help="text or json.")
@data_options
def history(
    *,
    data: DataOptions,
    output: Path | None,
    format: str,
    report: Reporter,
    partnership: Annotated[
        str,
        typer.Argument(
            help="The partnership: its IRI, partnership:SLUG, its slug or its name.", show_default=False
        ),
    ],
    reasoner: Reasoner = "rules",
    engine: Engine = "sparql",
):
    """The dates at which a partnership's verdict (the MSP composition rule) changed, and who joined or left.

    The partnership is judged as of each date where one of its memberships begins or ends (see
    docs/model.md for when a membership is in force), on its own data only.
    """
    check_engine(engine)
    check_reasoner(reasoner)
    with report.working("judging the partnership at each date"), data.open(report) as store:
        found = partnership_history(store, partnership, reasoner=reasoner, engine=engine)
    write(output, found.render(format))


@message_options
@output_options(_DIFF_TABLE, help="text or json.")
@data_options
def diff(
    *,
    data: DataOptions,
    output: Path | None,
    format: str,
    report: Reporter,
    no_reason: NoReason = False,
    reasoner: Reasoner = "rules",
    engine: Engine = "sparql",
):
    """Validate a store and show what changed since the report its last `validate --store` kept: results
    that appeared and disappeared, partnerships whose verdict changed. The kept report stays as it was."""
    if data.store is None:
        raise MspGraphError(
            "diff compares with the report `msp-graph validate --store DIR` keeps: give --store DIR"
        )
    previous = kept(data.store)
    if previous is None:
        raise MspGraphError(
            f"{data.store}: no validation report kept; run `msp-graph validate --store {data.store}` first"
        )
    check_engine(engine)
    if not no_reason:
        check_reasoner(reasoner)
    with report.working("validating"), data.open(report) as store:
        result = (
            validate(store, engine=engine) if no_reason else check(store, reasoner=reasoner, engine=engine)
        )
    write(output, compare(previous, snapshot(result)).render(format))
