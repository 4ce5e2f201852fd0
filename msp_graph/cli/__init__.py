"""The ``msp-graph`` command: one verb per job, shared options, data on stdout, messages on stderr.

Exit codes: 0 ran and found nothing wrong; 1 ran and found problems (non-conforming data, inconsistency);
2 could not run (bad input, unknown name, unreadable store, unreachable endpoint): one line on stderr, a
traceback with ``-vv``.

Which data a command works on (the same rule, and the same options, for every command that reads data:
``validate``, ``query``, ``export``, ``network``, ``reason``, ``stats``; see ``common.data_options``):
* no ``--store``: an in-memory store with the bundled ontology and vocabularies, plus the ``FILES``
  given, which *replace* the bundled data (``--with-bundled`` adds them to it instead); no ``FILES``: the
  bundled data;
* ``--store DIR``: the store on disk (created on first use). ``FILES`` are loaded into it (one source graph
  each, replacing an earlier load of the same file name); an empty store first gets the bundled data unless
  ``FILES`` are given;
* ``--endpoint URL``: a SPARQL endpoint's data as it is (``push`` fills it).

The commands live in one module per group (``validate``, ``history``, ``query``, ``export``, ``store``,
``sheets``, ``limits``); what they share is in ``common``. Nothing outside ``msp_graph.cli`` imports it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__
from . import export, history, limits, organisations, query, serve, sheets, store, validate
from .common import Group

__all__ = ["app", "main"]

app = typer.Typer(
    cls=Group,
    name="msp-graph",
    help="Validate, query, reason over and export the knowledge graph of multi-stakeholder partnerships.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"msp-graph {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Validate, query, reason over and export the knowledge graph of multi-stakeholder partnerships."""


for _name, _command in [
    ("validate", validate.validate),
    ("diff", history.diff),
    ("history", history.history),
    ("query", query.query),
    ("queries", query.queries),
    ("prefixes", query.prefixes),
    ("export", export.export),
    ("load", store.load),
    ("reason", store.reason),
    ("stats", store.stats),
    ("network", export.network),
    ("update", store.update),
    ("push", store.push_command),
    ("pull", store.pull_command),
    ("template", sheets.template),
    ("import", sheets.import_),
    ("organisations", organisations.organisations),
    ("limits", limits.limits),
    ("serve", serve.serve),
    ("publish", serve.publish),
]:
    app.command(_name)(_command)


def main() -> None:
    """Entry point of the ``msp-graph`` command."""
    app(prog_name="msp-graph")


if __name__ == "__main__":
    main()
