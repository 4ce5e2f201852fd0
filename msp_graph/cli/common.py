"""What the commands of ``msp-graph`` share: the error edge, messages, output, and the shared options.

The shared options are decorators in the style of sqlite-utils' ``output_options``: each adds a block of
options to a command and hands the command their values by keyword, as one object where they belong
together::

    @message_options          # -v/-q                                  -> report: Reporter
    @output_options(...)      # -o/--output (and -f/--format)          -> output, format
    @data_options             # FILES --store --with-bundled --endpoint -> data: DataOptions
    def stats(*, data, output, format, report): ...

Typer reads a command's options from its signature: a decorator takes the parameters it hands out off the
signature and puts its own options in their place.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, get_args

import click
import typer
from rich.console import Console
from typer.core import TyperGroup
from typer.models import ArgumentInfo

from ..errors import MspGraphError
from ..loading import open_data
from ..stores import Store, open_remote

__all__ = [
    "DataOptions",
    "Group",
    "RemoteOptions",
    "Reporter",
    "check_format",
    "data_options",
    "message_options",
    "output_options",
    "remote_options",
    "write",
]

_VERBOSITY = "msp_graph.verbosity"
_QUIET = "msp_graph.quiet"


class Group(TyperGroup):
    """Catches the msp-graph error family at the edge: one line on stderr, exit 2 (a traceback with -vv)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MspGraphError as error:
            if ctx.meta.get(_VERBOSITY, 0) >= 2:
                traceback.print_exc(file=sys.stderr)
            message = " ".join(str(error).split("\n")).strip() or type(error).__name__
            click.echo(f"msp-graph: error: {message}", err=True)
            raise typer.Exit(2) from None
        except OSError as error:  # writing -o, reading a folder: the system's own words, one line
            if ctx.meta.get(_VERBOSITY, 0) >= 2:
                traceback.print_exc(file=sys.stderr)
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"msp-graph: error: {where}{error.strerror or error}", err=True)
            raise typer.Exit(2) from None


class Reporter:
    """Messages and progress on stderr: a spinner on a terminal, plain lines with -v, nothing with -q."""

    def __init__(self, level: int = 0):
        self.level = level  # -1: quiet; 0: normal; 1: -v; 2: -vv
        self.console = Console(stderr=True, highlight=False, emoji=False)
        self.live = self.level >= 0 and self.console.is_terminal
        self._status = None

    def step(self, message: str) -> None:
        if self.level >= 1:
            self.console.print(f"[dim]{message}[/dim]")
        elif self._status is not None:
            self._status.update(message)

    def info(self, message: str) -> None:
        if self.level >= 0:
            self.console.print(message, markup=False, soft_wrap=True)

    @contextlib.contextmanager
    def working(self, message: str) -> Iterator[Reporter]:
        if self.live and self.level == 0:
            with self.console.status(message) as status:
                self._status = status
                try:
                    yield self
                finally:
                    self._status = None
        else:
            self.step(message)
            yield self


def check_format(value: str, allowed: Sequence[str], what: str) -> str:
    """``value`` in lower case, or an error naming the formats ``what`` knows."""
    if value.lower() not in allowed:
        raise MspGraphError(f"-f {value}: unknown format for {what}; use one of: {', '.join(allowed)}")
    return value.lower()


def write(output: Path | None, data: str | bytes) -> None:
    """Write results to ``output`` atomically (temporary file + rename), or to stdout."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if output is None:
        sys.stdout.flush()
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:
            sys.stdout.write(payload.decode("utf-8", errors="replace"))
            return
        stream.write(payload)
        stream.flush()
        return
    output = output.expanduser()
    folder = output.parent if str(output.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- options shared by commands ------------------------------------------------------------------------

Files = Annotated[
    list[Path] | None,
    typer.Argument(
        help="RDF files (Turtle, N-Triples, TriG, N-Quads, RDF/XML) to work on.", show_default=False
    ),
]
StoreDir = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Store directory on disk (created on first use, reused later).", metavar="DIR"
    ),
]
WithBundled = Annotated[
    bool, typer.Option("--with-bundled", help="Add FILES to the bundled data instead of replacing it.")
]
Endpoint = Annotated[
    str | None,
    typer.Option(
        "--endpoint", help="Work on a SPARQL endpoint's data (see docs/endpoints.md).", metavar="URL"
    ),
]
RequiredEndpoint = Annotated[
    str, typer.Option("--endpoint", help="SPARQL query endpoint URL.", metavar="URL")
]
UpdateEndpoint = Annotated[
    str | None,
    typer.Option("--update-endpoint", help="SPARQL update URL (default: --endpoint).", metavar="URL"),
]
GraphStore = Annotated[
    str | None,
    typer.Option(
        "--graph-store", help="Graph Store HTTP Protocol URL (default: SPARQL updates).", metavar="URL"
    ),
]
Reasoner = Annotated[
    str,
    typer.Option("--reasoner", help="OWL 2 RL engine: rules (fast, in the store) or owlrl (the reference)."),
]


def _param(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def _is_argument(param: inspect.Parameter) -> bool:
    return any(isinstance(meta, ArgumentInfo) for meta in get_args(param.annotation)[1:])


def _options(adds: list[inspect.Parameter], gives: Sequence[str], pack: Callable[..., dict], *, early=False):
    """A decorator: the command's parameters ``gives`` are replaced by the options ``adds``; on a call,
    ``pack(**values of adds)`` makes the keyword arguments ``gives``. ``early``: the options go right after
    the command's own arguments (so FILES follow a NAME argument), else after all its options."""
    taken = [param.name for param in adds]

    def decorate(func: Callable) -> Callable:
        signature = inspect.signature(func, eval_str=True)
        own = [p.replace(kind=p.KEYWORD_ONLY) for p in signature.parameters.values() if p.name not in gives]
        at = max((i + 1 for i, p in enumerate(own) if _is_argument(p)), default=0) if early else len(own)
        merged = [*own[:at], *adds, *own[at:]]

        @functools.wraps(func)
        def command(**values: Any) -> Any:
            given = {name: values.pop(name) for name in taken}
            return func(**values, **pack(**given))

        command.__signature__ = signature.replace(parameters=merged)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in merged}
        return command

    return decorate


@dataclass(frozen=True)
class DataOptions:
    """The data a command reads: ``FILES`` | ``--store DIR`` | ``--endpoint URL`` (``loading.open_data``)."""

    files: tuple[Path, ...] = ()
    store: Path | None = None
    with_bundled: bool = False
    endpoint: str | None = None
    update_endpoint: str | None = None
    graph_store: str | None = None

    def open(self, report: Reporter) -> Store:
        return open_data(
            list(self.files),
            store_dir=self.store,
            endpoint=self.endpoint,
            update_endpoint=self.update_endpoint,
            graph_store=self.graph_store,
            with_bundled=self.with_bundled,
            progress=report.step,
        )


data_options = _options(
    [
        _param("files", Files, None),
        _param("store", StoreDir, None),
        _param("with_bundled", WithBundled, False),
        _param("endpoint", Endpoint, None),
        _param("update_endpoint", UpdateEndpoint, None),
        _param("graph_store", GraphStore, None),
    ],
    ["data"],
    lambda files, **rest: {"data": DataOptions(files=tuple(files or ()), **rest)},
    early=True,
)
"""``FILES``, ``--store``, ``--with-bundled``, ``--endpoint``, ``--update-endpoint``, ``--graph-store``:
handed to the command as ``data: DataOptions``."""


@dataclass(frozen=True)
class RemoteOptions:
    """A SPARQL endpoint a command talks to (``push``, ``pull``)."""

    endpoint: str
    update_endpoint: str | None = None
    graph_store: str | None = None

    def open(self) -> Store:
        return open_remote(self.endpoint, self.update_endpoint, self.graph_store)


remote_options = _options(
    [
        _param("endpoint", RequiredEndpoint, ...),
        _param("update_endpoint", UpdateEndpoint, None),
        _param("graph_store", GraphStore, None),
    ],
    ["remote"],
    lambda **values: {"remote": RemoteOptions(**values)},
)
"""``--endpoint URL`` (required), ``--update-endpoint``, ``--graph-store``: handed as ``remote``."""


def output_options(
    formats: Sequence[str] | None = None,
    *,
    default: str | None = None,
    help: str = "",
    what: str = "",
    output_help: str = "Write to this file instead of stdout.",
    metavar: str = "FILE",
    output_default: Path | None = None,
) -> Callable[[Callable], Callable]:
    """``-o/--output`` (handed as ``output``); with a ``default`` format, ``-f/--format`` too (handed as
    ``format``, checked against ``formats`` and lower-cased when ``formats`` is given)."""
    kind = Path | None if output_default is None else Path
    output = typer.Option("-o", "--output", help=output_help, metavar=metavar)
    adds = [_param("output", Annotated[kind, output], output_default)]
    if default is not None:
        adds.insert(0, _param("format", Annotated[str, typer.Option("-f", "--format", help=help)], default))

    def pack(output: Path | None, format: str | None = None) -> dict:
        if default is None:
            return {"output": output}
        return {"output": output, "format": check_format(format, formats, what) if formats else format}

    return _options(adds, [p.name for p in adds], pack)


def _remember_verbosity(ctx: typer.Context, value: int) -> int:
    ctx.meta[_VERBOSITY] = max(ctx.meta.get(_VERBOSITY, 0), value or 0)
    return value


def _remember_quiet(ctx: typer.Context, value: bool) -> bool:
    if value:
        ctx.meta[_QUIET] = True
    return value


Verbose = Annotated[
    int,
    typer.Option(
        "-v", "--verbose", count=True, callback=_remember_verbosity, help="More messages (-vv: tracebacks)."
    ),
]
Quiet = Annotated[
    bool, typer.Option("-q", "--quiet", callback=_remember_quiet, help="No messages on stderr, only errors.")
]

message_options = _options(
    [_param("verbose", Verbose, 0), _param("quiet", Quiet, False)],
    ["report"],
    lambda verbose, quiet: {"report": Reporter(-1 if quiet else verbose)},
)
"""``-v/--verbose`` (repeatable) and ``-q/--quiet``: handed as ``report: Reporter``."""
