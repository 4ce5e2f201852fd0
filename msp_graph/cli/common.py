"""What the commands of ``msp-graph`` share: the error edge, messages, output, and the shared options.

The shared options are decorators in the style of sqlite-utils' ``output_options``: each adds a block of
options to a command and hands the command their values by keyword, as one object where they belong
together::

    @message_options          # -v/-q                                  -> report: Reporter
    @output_options(TABLE)    # -o/--output (and -f/--format)          -> output, format
    @data_options             # FILES --store --with-bundled --endpoint -> data: DataOptions
    def stats(*, data, output, format, report): ...

Typer reads a command's options from its signature: a decorator takes the parameters it hands out off the
signature and puts its own options in their place.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import errno
import functools
import inspect
import os
import secrets
import stat
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_args

if TYPE_CHECKING:
    import datetime

import click
import typer
from rich.console import Console
from typer.core import TyperGroup
from typer.models import ArgumentInfo, OptionInfo

from ..errors import MspGraphError
from ..loading import open_data
from ..reasoning import ENGINES as REASONERS
from ..stores import FORMATS, EmbeddedStore, RemoteStore, Store, format_named, open_remote
from ..stores.remote import DIALECTS
from ..validation import ENGINES as VALIDATION_ENGINES
from ..validation.report import SEVERITIES

__all__ = [
    "AsOf",
    "DataOptions",
    "FormatTable",
    "Group",
    "InputFormat",
    "RemoteOptions",
    "Reporter",
    "check_output",
    "checked_input_format",
    "choose_format",
    "data_options",
    "is_stdout",
    "keep_if_program",
    "message_options",
    "output_options",
    "remote_options",
    "select_as_of",
    "write",
]

# Typer raises its own copy of click's usage errors (typer.BadParameter derives from it); click's too.
_USAGE_ERRORS = (click.UsageError, *(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"))
_VERBOSITY = "msp_graph.verbosity"
_QUIET = "msp_graph.quiet"


class Group(TyperGroup):
    """Catches the msp-graph error family at the edge: one line on stderr, exit 2 (a traceback with -vv)."""

    def main(self, args=None, *rest, **options):
        """click's ``main``. Run as the program itself (the command line read from ``sys.argv``, not given by
        a caller such as a test), the process ends as soon as the command has (``_end_now``)."""
        global _PROGRAM
        _PROGRAM = args is None
        try:
            return super().main(args, *rest, **options)
        except SystemExit as done:
            if _PROGRAM:
                _end_now(done.code)
            raise
        finally:
            _PROGRAM = False

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MspGraphError as error:
            if ctx.meta.get(_VERBOSITY, 0) >= 2:
                traceback.print_exc(file=sys.stderr)
            message = " ".join(str(error).split("\n")).strip() or type(error).__name__
            click.echo(f"msp-graph: error: {message}", err=True)
            raise typer.Exit(2) from None
        except _USAGE_ERRORS as error:  # click's own: usage, blank line, error; here one line
            click.echo(f"msp-graph: error: {_usage_error(error)}", err=True)
            raise typer.Exit(2) from None
        except OSError as error:  # writing -o, reading a folder: the system's own words, one line
            if ctx.meta.get(_VERBOSITY, 0) >= 2:
                traceback.print_exc(file=sys.stderr)
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"msp-graph: error: {where}{error.strerror or error}", err=True)
            raise typer.Exit(2) from None


#: True while the command runs as the program (``Group.main``): in-memory stores are kept, not freed.
_PROGRAM = False


def _end_now(code) -> None:
    """End the program with ``code`` (``SystemExit``'s: None, a number or a message): stdout and stderr
    flushed, the exit handlers run (they remove temporary files and snapshots), then ``os._exit``, without
    freeing in-memory stores (about a second at 10^6 triples) or the interpreter's objects, which the
    process ending frees at once. Stores on disk were closed by their commands (publishing their writes)."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    atexit._run_exitfuncs()  # what the interpreter runs at exit (weakref finalizers, logging), no more
    os._exit(code or 0)


def keep_if_program(store: Store) -> Store:
    """``store``; in memory and run as the program, kept when closed, for the process ending to free."""
    if _PROGRAM and isinstance(store, EmbeddedStore) and store.path is None:
        store.keep_until_exit()
    return store


def _usage_error(error: Exception) -> str:
    """``load: missing option '--store'; see msp-graph load -h``: where, what, and where the help is."""
    message = " ".join(error.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    path = error.ctx.command_path if error.ctx is not None else "msp-graph"
    where = path.partition(" ")[2]
    return f"{where + ': ' if where else ''}{message}; see {path} -h"


class Reporter:
    """Messages and progress on stderr: a spinner on a terminal (a progress bar while a step counts), plain
    lines with -v, nothing with -q."""

    def __init__(self, level: int = 0):
        self.level = level  # -1: quiet; 0: normal; 1: -v; 2: -vv
        self.console = Console(stderr=True, highlight=False, emoji=False)
        self.live = self.level >= 0 and self.console.is_terminal
        self._status = None
        self._began = ("", 0.0)  # the step under way and when it began

    def step(
        self, message: str, *, done: int | None = None, total: int | None = None, count: int | None = None
    ) -> None:
        """A step of the work (a line with -v, the spinner's text on a terminal); called again with ``done``
        of ``total`` (bytes read) and ``count`` (triples so far) as it goes: on a terminal a bar with the
        triples and triples/s, elsewhere nothing more (the step's line is printed once)."""
        if done is None or self._began[0] != message:
            self._began = (message, time.perf_counter())
        if self.level >= 1:
            if done is None:
                self.console.print(f"[dim]{message}[/dim]")
        elif self._status is not None:
            live, spinner = self._status
            spinner.update(text=message if done is None else self._bar(message, done, total or 0, count or 0))
            if done is not None:
                live.refresh()  # every progress point drawn (they are megabytes apart)

    def _bar(self, message: str, done: int, total: int, count: int):
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        seconds = max(time.perf_counter() - self._began[1], 1e-3)
        bar = Table.grid(padding=(0, 1))
        bar.add_row(
            ProgressBar(total=max(total, 1), completed=done, width=24),
            Text(f"{done / max(total, 1):4.0%}  {count:,} triples  {count / seconds:,.0f} triples/s"),
        )
        grid = Table.grid()  # the message on a line of its own: a file's name may be long
        grid.add_row(Text(message, no_wrap=True, overflow="ellipsis"))
        grid.add_row(bar)
        return grid

    def info(self, message: str) -> None:
        if self.level >= 0:
            self.console.print(message, markup=False, soft_wrap=True)

    @contextlib.contextmanager
    def working(self, message: str) -> Iterator[Reporter]:
        if self.live and self.level == 0:
            from rich.live import Live
            from rich.spinner import Spinner

            spinner = Spinner("dots", text=message)
            with Live(spinner, console=self.console, transient=True, refresh_per_second=12.5) as live:
                self._status = (live, spinner)
                try:
                    yield self
                finally:
                    self._status = None
        else:
            self.step(message)
            yield self


def is_stdout(output: Path | None) -> bool:
    """True when results go to stdout: no ``-o``, or ``-o -``."""
    return output is None or str(output) == "-"


def write(output: Path | None, data: str | bytes) -> None:
    """Write results to ``output`` as ``open()`` would, but atomically for a regular file; or to stdout.

    Stdout: no ``-o``, or ``-o -``. A regular file, new or existing, is replaced atomically (a temporary
    file in the same folder, then a rename) with the mode ``open()`` gives: a new file 0o666 less the
    umask, an existing one keeps its mode and, where the system allows, its owner and group. A symlink is
    followed to its target and never replaced. Devices, FIFOs, sockets and paths under /dev or /proc are
    opened and written straight through (a socket then fails as ``open()`` does, and is left in place).
    Errors are one ``MspGraphError`` line naming ``output``.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if is_stdout(output):
        _write_stdout(payload)
        return
    given = output.expanduser()
    try:
        target, straight = _destination(given)
        if straight:
            _write_through(given, payload)
        else:
            _replace(target, payload)
    except OSError as error:
        raise MspGraphError(_write_error(given, error)) from None


def check_output(output: Path) -> None:
    """What ``write`` would refuse, told before the command reads or writes anything (check first, then
    write): ``-o`` in a missing folder or under a file, a directory, a file or folder that may not be
    written. The same one line as ``write`` gives."""
    given = output.expanduser()
    try:
        target, straight = _destination(given)
        if straight:
            return
        folder = target.parent
        try:
            mode = os.stat(folder).st_mode
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(target)) from None
        if not stat.S_ISDIR(mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(target))
        writable = os.access(target, os.W_OK) if target.exists() else os.access(folder, os.W_OK | os.X_OK)
        if not writable:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
    except OSError as error:
        raise MspGraphError(_write_error(given, error)) from None


def _write_stdout(payload: bytes) -> None:
    sys.stdout.flush()
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:
        sys.stdout.write(payload.decode("utf-8", errors="replace"))
        return
    stream.write(payload)
    stream.flush()


def _special(path: Path) -> bool:
    """Under /dev or /proc: devices and the kernel's links (/dev/stdout -> /proc/self/fd/1 -> pipe:[..])."""
    return os.path.abspath(path).startswith(("/dev/", "/proc/"))


def _destination(path: Path) -> tuple[Path, bool]:
    """Where writing ``path`` lands (its symlinks followed, as ``open()`` does) and whether to write it
    straight through (not a regular file, or under /dev or /proc) rather than replace it."""
    for _ in range(40):
        if _special(path):
            return path, True
        if not path.is_symlink():
            break
        link = Path(os.readlink(path))
        path = link if link.is_absolute() else path.parent / link
    else:
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path, False  # a new file (a dangling link: its target, created as open() would)
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    return path, not stat.S_ISREG(mode)


def _write_through(path: Path, payload: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(payload)


def _replace(path: Path, payload: bytes) -> None:
    """Replace the regular file ``path`` (or create it) atomically, with the mode ``open()`` would leave."""
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None and not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    try:
        # open()'s mode for a new file (the kernel takes the umask off); an existing file's mode is set
        # below, so until then its new copy is readable by the owner only.
        fd, temporary = _temporary(path, 0o600 if existing else 0o666)
    except PermissionError:
        if existing is None:
            raise
        _write_through(path, payload)  # the file may be written but not its folder: in place, as open()
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if existing is not None:
                _keep_owner_and_mode(handle.fileno(), existing)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _temporary(path: Path, mode: int) -> tuple[int, Path]:
    """A new hidden file beside ``path`` (same folder, so the rename is atomic), opened for writing.

    Its name is short whatever ``path``'s (at most 60 bytes): any name the folder accepts for ``path`` can
    be written, and an error is about ``path``, not about a longer temporary name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    stem = os.fsencode(path.name)[:40].decode("utf-8", "ignore")
    for _ in range(100):
        temporary = path.parent / f".{stem}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(temporary, flags, mode), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))


def _keep_owner_and_mode(fd: int, existing: os.stat_result) -> None:
    """Give the new copy the replaced file's owner and group where allowed, then its mode."""
    try:
        os.fchown(fd, existing.st_uid, existing.st_gid)
    except OSError:
        with contextlib.suppress(OSError):
            os.fchown(fd, -1, existing.st_gid)
    os.fchmod(fd, stat.S_IMODE(existing.st_mode))  # after chown, which clears set-id bits


def _write_error(output: Path, error: OSError) -> str:
    """One line for an error writing ``-o output``."""
    where = f"-o {output}"
    folder = Path(error.filename).parent if error.filename else output.parent
    if isinstance(error, FileNotFoundError):
        return f"{where}: no such folder {folder}; create it first or write elsewhere"
    if isinstance(error, NotADirectoryError):
        return f"{where}: {folder} is not a folder; give a file path in a folder"
    if isinstance(error, IsADirectoryError):
        return f"{where}: is a directory; give a file name"
    if isinstance(error, PermissionError):
        return f"{where}: permission denied; write somewhere you may, or change the permissions"
    return f"{where}: cannot write: {error.strerror or error}"


# --- output formats ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormatTable:
    """The formats a command writes: what ``-f`` accepts, the default, and the ``-o`` extensions naming them.

    RDF formats are named, and recognised by extension, through the one RDF table (``stores.FORMATS``:
    ``ttl``, ``nt``, ``jsonld``, ``rdf``/``owl``/``xml``...), for those in ``formats``; ``extensions`` and
    ``aliases`` add the command's own and come first. ``checked``: an unknown ``-f`` is an error here,
    else the command reports it in its own words.
    """

    what: str
    default: str
    formats: tuple[str, ...]
    extensions: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    checked: bool = True

    def named(self, name: str) -> str | None:
        """The format an ``-f`` value stands for (``ttl`` -> ``turtle``), or None if not one of ours."""
        key = name.lower()
        rdf = format_named(key)
        found = self.aliases.get(key) or (rdf.name if rdf is not None else key)
        return found if found in self.formats else None

    def by_extension(self, path: Path) -> str | None:
        """The format ``path``'s extension names (``net.png`` -> ``png``), or None."""
        suffix = path.suffix.lower().lstrip(".")
        if not suffix:
            return None
        rdf = format_named(suffix)
        found = self.extensions.get(suffix) or (rdf.name if rdf is not None else None)
        return found if found in self.formats else None


def choose_format(format: str | None, output: Path | None, table: FormatTable) -> str:
    """The format a command writes: ``-f`` when given, else the one ``-o``'s extension names, else the
    command's default (an extension the command does not know also gives the default).

    >>> table = FormatTable("network", "svg", ("svg", "png"), extensions={"svg": "svg", "png": "png"})
    >>> choose_format(None, Path("net.png"), table), choose_format("SVG", Path("-"), table)
    ('png', 'svg')
    """
    implied = None if is_stdout(output) else table.by_extension(output)
    if format is None:
        return implied or table.default
    chosen = table.named(format)
    if chosen is None:
        if table.checked:
            known = ", ".join(table.formats)
            raise MspGraphError(f"-f {format}: unknown format for {table.what}; use one of: {known}")
        return format
    if implied is not None and implied != chosen:
        raise MspGraphError(
            f"-f {format} does not match -o {output} (its extension means {implied}); "
            "drop -f or change the extension"
        )
    return chosen


# --- options shared by commands ------------------------------------------------------------------------

Files = Annotated[
    list[Path] | None,
    typer.Argument(
        help="RDF files (Turtle, N-Triples, TriG, N-Quads, RDF/XML, JSON-LD; also .gz) to work on; "
        "- reads standard input (with --input-format).",
        show_default=False,
    ),
]


def _fixed(values: Sequence[str]) -> dict[str, Any]:
    """The ``typer.Option`` keywords of an option taking one of ``values``: ``--help`` shows them
    (``[a|b|c]``) and the shell completes them. The command checks the value, in its own words."""
    shown = tuple(values)

    def complete(incomplete: str) -> list[str]:
        return [value for value in shown if value.startswith(incomplete.lower())]

    return {"metavar": f"[{'|'.join(shown)}]", "autocompletion": complete}


#: The options with a fixed set of values that commands declare themselves (``_options`` gives them the
#: set, wherever they are); ``-f`` (``output_options``) and ``--input-format`` (``data_options``) are here.
_FIXED: dict[str, tuple[str, ...]] = {
    "--fail-on": SEVERITIES,
    "--engine": VALIDATION_ENGINES,
    "--reasoner": REASONERS,
}
RDF_FORMAT_NAMES = tuple(f.name for f in FORMATS)


def _with_values(param: inspect.Parameter) -> inspect.Parameter:
    """``param``, its values shown and completed (``_fixed``) when its option is one of ``_FIXED``."""
    base, *metadata = get_args(param.annotation) or (None,)
    for n, info in enumerate(metadata):
        if not isinstance(info, OptionInfo) or info.metavar is not None:
            continue
        # Annotated[..., typer.Option("--name")]: the first name is held as the default
        names = [info.default, *info.param_decls] if isinstance(info.default, str) else info.param_decls
        fixed = next((_FIXED[name] for name in names if name in _FIXED), None)
        if fixed is not None:
            shown = copy.copy(info)
            for key, value in _fixed(fixed).items():
                setattr(shown, key, value)
            metadata[n] = shown
            return param.replace(annotation=Annotated[(base, *metadata)])
    return param


def _not_empty(option: str, kind: Callable[[str], Any] = str) -> Callable[[str], Any]:
    """A parser for ``option`` refusing an empty value (``--store ''`` would be the current folder)."""

    def parse(value: str) -> Any:
        if not value.strip():
            raise typer.BadParameter("empty; give a value or leave the option out")
        return kind(value)

    return parse


StoreDir = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Store directory on disk (created on first use, reused later).",
        metavar="DIR",
        parser=_not_empty("--store", Path),
    ),
]
WithBundled = Annotated[
    bool, typer.Option("--with-bundled", help="Add FILES to the bundled data instead of replacing it.")
]
Endpoint = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        help="Work on a SPARQL endpoint's data (see docs/endpoints.md).",
        metavar="URL",
        parser=_not_empty("--endpoint"),
    ),
]
RequiredEndpoint = Annotated[
    str,
    typer.Option(
        "--endpoint", help="SPARQL query endpoint URL.", metavar="URL", parser=_not_empty("--endpoint")
    ),
]
UpdateEndpoint = Annotated[
    str | None,
    typer.Option(
        "--update-endpoint",
        help="SPARQL update URL (default: --endpoint).",
        metavar="URL",
        parser=_not_empty("--update-endpoint"),
    ),
]
GraphStore = Annotated[
    str | None,
    typer.Option(
        "--graph-store",
        help="Graph Store HTTP Protocol URL (default: SPARQL updates).",
        metavar="URL",
        parser=_not_empty("--graph-store"),
    ),
]
LocalCopy = Annotated[
    bool,
    typer.Option(
        "--local-copy",
        help="With --endpoint: validate and reason on an in-memory copy of the endpoint's graphs, not in "
        "the endpoint (see docs/endpoints.md).",
    ),
]
Dialect = Annotated[
    str | None,
    typer.Option(
        "--dialect",
        help="With --endpoint: the server's SPARQL dialect (default: found from the server).",
        **_fixed(DIALECTS),
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
        own = [
            _with_values(p.replace(kind=p.KEYWORD_ONLY))
            for p in signature.parameters.values()
            if p.name not in gives
        ]
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
    """The data a command reads: ``FILES`` | ``--store DIR`` | ``--endpoint URL`` (``loading.open_data``).

    A ``--store`` is opened for reading (a snapshot: no lock, beside a writer; a read-only directory is
    fine) and takes the lock at the command's first write, if any (reasoning into it, loading FILES): a
    command says nothing about it, and one that only reads never waits for, nor blocks, a writer.
    """

    files: tuple[Path, ...] = ()
    store: Path | None = None
    with_bundled: bool = False
    endpoint: str | None = None
    update_endpoint: str | None = None
    graph_store: str | None = None
    input_format: str | None = None
    local_copy: bool = False
    dialect: str | None = None

    def __post_init__(self) -> None:
        given = [name for name, on in (("--local-copy", self.local_copy), ("--dialect", self.dialect)) if on]
        if given and self.endpoint is None:
            raise MspGraphError(f"{' and '.join(given)}: only with --endpoint URL (a SPARQL endpoint's data)")
        if self.dialect is not None and self.dialect not in DIALECTS:
            raise MspGraphError(
                f"--dialect {self.dialect}: unknown SPARQL dialect; use one of: {', '.join(DIALECTS)}"
            )

    def open(self, report: Reporter) -> Store:
        store = self._open(report)
        if isinstance(store, RemoteStore):
            store.local_copy = self.local_copy
            if self.dialect is not None:
                store.dialect = self.dialect
        return store

    def _open(self, report: Reporter) -> Store:
        return keep_if_program(
            open_data(
                list(self.files),
                store_dir=self.store,
                endpoint=self.endpoint,
                update_endpoint=self.update_endpoint,
                graph_store=self.graph_store,
                with_bundled=self.with_bundled,
                progress=report.step,
                format=self.input_format,
            )
        )


def checked_input_format(value: str | None) -> str | None:
    """The RDF format ``--input-format`` names (``ttl`` -> ``turtle``), or None when not given; an unknown
    one is one line naming the option."""
    if value is None:
        return None
    fmt = format_named(value)
    if fmt is None:
        raise MspGraphError(
            f"--input-format {value}: unknown RDF format; use one of: {', '.join(RDF_FORMAT_NAMES)}"
        )
    return fmt.name


AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge the data as of this date (YYYY-MM-DD): only the memberships in force then count "
        "(docs/model.md).",
        metavar="DATE",
    ),
]

InputFormat = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        help="Format of FILES, whatever their names say; needed for - (standard input).",
        **_fixed(RDF_FORMAT_NAMES),
    ),
]

data_options = _options(
    [
        _param("files", Files, None),
        _param("input_format", InputFormat, None),
        _param("store", StoreDir, None),
        _param("with_bundled", WithBundled, False),
        _param("endpoint", Endpoint, None),
        _param("update_endpoint", UpdateEndpoint, None),
        _param("graph_store", GraphStore, None),
        _param("local_copy", LocalCopy, False),
        _param("dialect", Dialect, None),
    ],
    ["data"],
    lambda files, input_format, **rest: {
        "data": DataOptions(files=tuple(files or ()), input_format=checked_input_format(input_format), **rest)
    },
    early=True,
)
"""``FILES``, ``--input-format``, ``--store``, ``--with-bundled``, ``--endpoint``, ``--update-endpoint``,
``--graph-store``, ``--local-copy``, ``--dialect``: handed to the command as ``data: DataOptions``."""


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


def select_as_of(store: Store, when: datetime.date, data: DataOptions, report: Reporter) -> Store:
    """The data as of ``when`` (``--as-of``): the command's own in-memory store of FILES changed in place; a
    copy of a --store or --endpoint (which is closed here and stays as it is)."""
    from ..validation.asof import as_of_view, keep_in_force

    report.step(f"selecting the memberships in force on {when}")
    if data.store is None and data.endpoint is None:
        keep_in_force(store, when)
        return store
    view = keep_if_program(as_of_view(store, when))
    store.close()
    return view


def output_options(
    table: FormatTable | None = None,
    *,
    help: str = "",
    folder: bool = False,
) -> Callable[[Callable], Callable]:
    """``-o/--output`` (handed as ``output``); with a format ``table``, ``-f/--format`` too (handed as
    ``format``, chosen by ``choose_format``: ``-f``, else ``-o``'s extension, else the default).

    ``folder``: ``-o`` is a folder to write files into (default: the current one); ``-o -`` is refused and
    no format is read from its name."""
    if folder:
        option = typer.Option(
            "-o", "--output", help="Folder to write into (created if missing).", metavar="DIR"
        )
        adds = [_param("output", Annotated[Path, option], Path("."))]
    else:
        option = typer.Option("-o", "--output", help="Write to this file (- for stdout).", metavar="FILE")
        adds = [_param("output", Annotated[Path | None, option], None)]
    if table is not None:
        implied = "." if folder else ", or the one -o FILE's extension names."
        described = f"{help} Default: {table.default}{implied}"
        option = typer.Option("-f", "--format", help=described, **_fixed(table.formats))
        adds.insert(0, _param("format", Annotated[str | None, option], None))

    def pack(output: Path | None, format: str | None = None) -> dict:
        if folder and is_stdout(output):
            raise MspGraphError("-o -: this command writes files into a folder, not to stdout; give -o DIR")
        if not folder and not is_stdout(output):
            check_output(output)
        if table is None:
            return {"output": output}
        return {"output": output, "format": choose_format(format, None if folder else output, table)}

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
