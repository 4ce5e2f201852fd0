"""What every store shares: the one RDF format table, term conversion, and the one translation of
pyoxigraph's parser and SPARQL errors into the package's error family.

>>> rdf_format("data/alliance.ttl").name
'turtle'
>>> format_name("json-ld")
'jsonld'
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import LoadError, QueryError

if TYPE_CHECKING:
    import rdflib

__all__ = [
    "FORMATS",
    "RdfFormat",
    "file_source",
    "format_name",
    "format_named",
    "location",
    "parsing",
    "rdf_format",
    "rdflib_term",
    "read_source",
    "running_sparql",
    "short",
    "sparql_message",
    "term",
]


@dataclass(frozen=True)
class RdfFormat:
    """One RDF serialisation: its name, pyoxigraph format, file suffix and the names it answers to."""

    name: str
    oxigraph: ox.RdfFormat
    suffix: str
    aliases: tuple[str, ...] = ()

    @property
    def quads(self) -> bool:
        """True for formats that keep named graphs (TriG, N-Quads, JSON-LD)."""
        return self.oxigraph.supports_datasets

    @property
    def media_type(self) -> str:
        return self.oxigraph.media_type


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# The one format table: loading, dumping, exporting, pulling and every command's -f read it.
FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", ox.RdfFormat.TURTLE, "ttl", ("ttl",)),
    RdfFormat("nt", ox.RdfFormat.N_TRIPLES, "nt", ("ntriples", "n-triples")),
    RdfFormat("rdfxml", ox.RdfFormat.RDF_XML, "rdf", ("rdf", "owl", "xml", "rdf/xml")),
    RdfFormat("trig", ox.RdfFormat.TRIG, "trig"),
    RdfFormat("nquads", ox.RdfFormat.N_QUADS, "nq", ("nq", "n-quads")),
    RdfFormat("jsonld", ox.RdfFormat.JSON_LD, "jsonld", ("json-ld",)),
    RdfFormat("n3", ox.RdfFormat.N3, "n3"),
)
_BY_NAME = {key: f for f in FORMATS for key in (f.name, f.suffix, *f.aliases)}


def format_named(name: str) -> RdfFormat | None:
    """The RDF format a name or alias stands for (``ttl``, ``nt``, ``json-ld``...; no file names), or None."""
    return _BY_NAME.get(name.lower())


def rdf_format(name_or_path: str | Path) -> RdfFormat:
    """The RDF format named by a short name (``ttl``, ``nt``, ``json-ld``...) or by a file's suffix."""
    fmt = format_named(str(name_or_path)) or _BY_NAME.get(Path(str(name_or_path).lower()).suffix.lstrip("."))
    if fmt is None:
        known = ", ".join(f.suffix for f in FORMATS)
        raise LoadError(f"{name_or_path}: unknown RDF format; use one of: {known}")
    return fmt


def format_name(name_or_path: str | Path) -> str:
    """The canonical name of an RDF format (``ttl`` -> ``turtle``, ``json-ld`` -> ``jsonld``)."""
    return rdf_format(name_or_path).name


def read_source(source: str | Path | bytes, format: str | None) -> tuple[str, bytes, RdfFormat, str | None]:
    """``(where, data, format, base IRI)`` of a file or payload to load; ``LoadError`` when it cannot be read.

    Bytes default to Turtle; a file's format comes from ``format`` or its suffix, its base IRI is its URI.
    """
    if isinstance(source, bytes):
        return "<data>", source, rdf_format(format or "ttl"), None
    where, fmt, base = file_source(source, format)
    with _reading(source):
        data = Path(source).read_bytes()
    return where, data, fmt, base


def file_source(source: str | Path, format: str | None) -> tuple[str, RdfFormat, str]:
    """``(where, format, base IRI)`` of a file a loader will read itself; ``LoadError`` when it cannot be
    read (missing, a directory, no permission) or its format is unknown."""
    fmt = rdf_format(format or source)
    with _reading(source), open(source, "rb"):
        pass
    return str(source), fmt, Path(source).resolve().as_uri()


@contextlib.contextmanager
def _reading(source: str | Path) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise LoadError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise LoadError(f"{source}: is a directory, not an RDF file") from None
    except OSError as error:
        raise LoadError(f"{source}: cannot read: {error.strerror}") from None


def location(where: Path | str, error: SyntaxError) -> str:
    """``file:line:column`` of a pyoxigraph parse error (its line numbers are 1-based already)."""
    if error.lineno is not None:
        return f"{where}:{error.lineno}:{error.offset or 1}"
    return str(where)


def short(error: Exception) -> str:
    """The first line of an error's message, without the location pyoxigraph puts in front of it."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return re.sub(r"^(Parser error at line \d+ column \d+|error at \d+:\d+):\s*", "", text).strip()


@contextlib.contextmanager
def parsing(where: str | Path | None, error: Callable[[str], Exception] = LoadError) -> Iterator[None]:
    """Inside the block, pyoxigraph's parse errors become ``error`` (``LoadError``) naming file:line:col.

    ``where=None`` is for a snippet the program wrote itself, whose lines and columns would mean nothing
    to the reader: the message is then pyoxigraph's alone.
    """
    try:
        yield
    except SyntaxError as failure:
        place = None if where is None else location(where, failure)
        raise error(f"{place}: {short(failure)}" if place else short(failure)) from None
    except (OSError, ValueError) as failure:
        raise error(f"{where}: {short(failure)}" if where is not None else short(failure)) from None


@contextlib.contextmanager
def running_sparql(
    kind: str,
    error: Callable[[str], Exception] = QueryError,
    *,
    position: Callable[[int, int], tuple[int, int]] | None = None,
) -> Iterator[None]:
    """Inside the block, pyoxigraph's SPARQL errors become ``error`` (``QueryError``) naming line:column.

    ``position`` maps the parser's (line, column) back onto the text the user wrote, when the text run
    differs from it.
    """
    try:
        yield
    except SyntaxError as failure:
        match = re.match(r"error at (\d+):(\d+)", str(failure))
        line, column = (int(match[1]), int(match[2])) if match else (1, 1)
        if position is not None:
            line, column = position(line, column)
        message = sparql_message(short(failure))
        raise error(f"{kind}:{line}:{column}: SPARQL syntax error: {message}") from None
    except (OSError, RuntimeError, ValueError) as failure:
        raise error(f"{kind}: {short(failure)}") from None


def sparql_message(message: str) -> str:
    """Oxigraph's SPARQL parser lists every token it would have accepted; keep its plain-words reasons
    (``Prefix not found``) when it gives one, else the first few expected tokens."""
    if not message.startswith("expected one of "):
        return message
    items = [item.strip() for item in message.removeprefix("expected one of ").split(", ")]
    reasons = [i for i in items if " " in i and not re.search(r"[\[\]'\"]", i)]
    if reasons:
        return "; ".join(r[0].lower() + r[1:] for r in reasons)
    words = [i for i in items if re.fullmatch(r"[A-Za-z]+", i)]
    shown = ", ".join(words[:6]) + (", ..." if len(words) > 6 else "")
    return f"unexpected text here; expected {shown}" if words else "unexpected text here"


def term(value: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term of an rdflib term."""
    import rdflib  # imported by whoever holds an rdflib term; not at start-up

    if isinstance(value, rdflib.URIRef):
        return ox.NamedNode(str(value))
    if isinstance(value, rdflib.BNode):
        return ox.BlankNode(str(value))
    if isinstance(value, rdflib.Literal):
        if value.language:
            return ox.Literal(str(value), language=value.language)
        if value.datatype:
            return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
        return ox.Literal(str(value))
    raise TypeError(f"not an RDF term: {value!r}")


def rdflib_term(value: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> rdflib.term.Node | None:
    """The rdflib term of a pyoxigraph term (``None`` stays ``None``: an unbound variable)."""
    import rdflib  # not at start-up: 0.1 s

    if value is None:
        return None
    if isinstance(value, ox.NamedNode):
        return rdflib.URIRef(value.value)
    if isinstance(value, ox.BlankNode):
        return rdflib.BNode(value.value)
    if isinstance(value, ox.Literal):
        if value.language:
            return rdflib.Literal(value.value, lang=value.language)
        if value.datatype.value == _XSD_STRING:
            return rdflib.Literal(value.value)  # a simple literal, as rdflib reads it from N-Triples
        return rdflib.Literal(value.value, datatype=rdflib.URIRef(value.datatype.value))
    raise TypeError(f"not an RDF term: {value!r}")
