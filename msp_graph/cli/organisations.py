"""``msp-graph organisations``: the organisations a spreadsheet can name, with the ids it accepts.

A thin command over the named query ``organisations`` (``queries/organisations.rq``): ``--group`` is a
stakeholder group's code or label (English, French, Spanish), read through the spreadsheet vocabularies
and bound as the query's ``group`` parameter; ``--match`` keeps the organisations whose name, acronym or id
holds the text as whole words, compared by the key the spreadsheet import looks names up by
(``sheets.vocab.name_key``: case, accents, punctuation, British or American spelling, "Name (ACRONYM)").
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MspGraphError
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

__all__ = ["COLUMNS", "matches", "organisations"]

#: The columns written, in order: the id an organisation cell accepts, then what names it.
COLUMNS = ("id", "name", "acronyms", "groups", "countries")
_FORMATS = FormatTable(
    "organisations",
    "text",
    ("text", "csv", "json"),
    extensions={"csv": "csv", "json": "json", "txt": "text"},
    aliases={"table": "text"},
)


@message_options
@output_options(_FORMATS, help="text, csv or json.")
@data_options
def organisations(
    *,
    data: DataOptions,
    output: Path | None,
    format: str,
    report: Reporter,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            help="Only this stakeholder group: its code or label (workers-organisations, syndicats...).",
            metavar="GROUP",
        ),
    ] = None,
    match: Annotated[
        str | None,
        typer.Option(
            "--match",
            help="Only the organisations whose name, acronym or id holds this text.",
            metavar="TEXT",
        ),
    ] = None,
):
    """List the organisations with the id a spreadsheet's organisation cell accepts, their name, acronyms,
    stakeholder groups and countries, sorted by name (the named query `organisations`)."""
    from ..queries import QueryResult, get_query, prepare_query

    params = {}
    if group is not None:
        from ..sheets.vocab import UnknownValue, Vocabularies  # rdflib, pycountry: only for --group

        try:
            params["group"] = str(Vocabularies.bundled().concept("stakeholder-group", group))
        except UnknownValue as error:
            raise MspGraphError(f"--group: {error}") from None
    if match is not None and not match.strip():
        raise MspGraphError("--match: give some text to look for")
    prepared = prepare_query(get_query("organisations"), params=params)
    with report.working("listing organisations"), data.open(report) as store:
        rows = prepared.run(store).rows
    kept = [row for row in rows if match is None or matches(match, row)]
    result = QueryResult(kind="select", variables=list(COLUMNS), rows=kept)
    fmt = "table" if format == "text" else format
    write(output, result.render(fmt, terminal=is_stdout(output) and sys.stdout.isatty()))
    hint = _closest(match, rows) if match is not None and not kept else ""
    report.info(f"{len(kept)} organisation{'s' if len(kept) != 1 else ''}{hint}")


def _closest(text: str, rows: list[dict]) -> str:
    """'; did you mean ...' naming the organisations whose name or acronym is closest to ``text``."""
    import difflib

    from ..sheets.vocab import name_key

    named: dict[str, set[str]] = {}
    for row in rows:
        if row.get("id") is None:
            continue
        for column in ("name", "acronyms"):
            for name in row[column].value.split("; ") if row.get(column) is not None else ():
                named.setdefault(name_key(name), set()).add(f"{name} ({row['id'].value})")
    close = difflib.get_close_matches(name_key(text), sorted(named), n=3, cutoff=0.6)
    shown = sorted({entry for key in close for entry in named[key]})
    return f"; did you mean {' or '.join(repr(s) for s in shown)}?" if shown else ""


def matches(text: str, row: dict) -> bool:
    """Whether ``text`` names the organisation of a result ``row``: its key (or the key of either part of
    "Name (ACRONYM)") stands as whole words in the key of the name, an acronym or the id's slug."""
    from ..sheets.vocab import name_key, name_parts

    wanted = [name_key(part) for part in (text, *(name_parts(text) or ()))]
    names = [row[c].value for c in ("name", "acronyms") if row.get(c) is not None]
    names = [n for value in names for n in value.split("; ")]
    if row.get("id") is not None:
        names.append(row["id"].value.rsplit("/", 1)[-1].replace("-", " "))
    keys = [f" {name_key(n)} " for n in names]
    return any(w and f" {w} " in key for w in wanted for key in keys)
