"""What every store shares: the one RDF format table, term conversion, the one way input files are opened
and screened before pyoxigraph reads them, and the one translation of pyoxigraph's parser and SPARQL errors
into the package's error family.

>>> rdf_format("data/alliance.ttl").name
'turtle'
>>> format_name("json-ld")
'jsonld'
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from xml.parsers import expat

import pyoxigraph as ox

from ..errors import LoadError, QueryError
from ..limits import LIMITS, limit

if TYPE_CHECKING:
    import rdflib

__all__ = [
    "FORMATS",
    "STDIN",
    "RdfFormat",
    "file_source",
    "format_name",
    "format_named",
    "is_packed",
    "location",
    "parse_term",
    "parsing",
    "rdf_format",
    "rdflib_term",
    "read_source",
    "running_sparql",
    "screen",
    "short",
    "sparql_message",
    "term",
    "unpack",
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


#: The name standing for standard input, wherever a file name is read.
STDIN = "-"
_GZIP = ".gz"


def rdf_format(name_or_path: str | Path) -> RdfFormat:
    """The RDF format named by a short name (``ttl``, ``nt``, ``json-ld``...) or by a file's suffix; a
    compressed file's by the suffix inside (``data.ttl.gz``: Turtle). Standard input (``-``) has none.

    >>> rdf_format("data.ttl.gz").name
    'turtle'
    """
    name = str(name_or_path)
    if name == STDIN:
        known = ", ".join(f.suffix for f in FORMATS)
        raise LoadError(f"-: standard input has no name to tell its format; give --input-format ({known})")
    inner = name[: -len(_GZIP)] if name.lower().endswith(_GZIP) else name
    fmt = format_named(name) or _BY_NAME.get(Path(inner.lower()).suffix.lstrip("."))
    if fmt is None:
        known = ", ".join(f.suffix for f in FORMATS)
        raise LoadError(f"{name_or_path}: unknown RDF format; use one of: {known}")
    return fmt


def format_name(name_or_path: str | Path) -> str:
    """The canonical name of an RDF format (``ttl`` -> ``turtle``, ``json-ld`` -> ``jsonld``)."""
    return rdf_format(name_or_path).name


def read_source(source: str | Path | bytes, format: str | None) -> tuple[str, bytes, RdfFormat, str | None]:
    """``(where, data, format, base IRI)`` of a file or payload to load; ``LoadError`` when it cannot be read
    or is refused (``file_source``, ``screen``).

    Bytes default to Turtle; a file's format comes from ``format`` or its suffix, its base IRI is its URI.
    """
    if isinstance(source, bytes):
        fmt = rdf_format(format or "ttl")
        screen("<data>", source, fmt)
        return "<data>", source, fmt, None
    fmt = rdf_format(format or source)
    if is_packed(source):
        with _packed(source) as reader:
            buffer = io.BytesIO()
            _copy(str(source), reader, buffer)
        data = buffer.getvalue()
    else:
        with _opened(source) as handle:
            data = handle.read()
    screen(str(source), data, fmt)
    return str(source), data, fmt, None if str(source) == STDIN else Path(source).resolve().as_uri()


def is_packed(source: str | Path) -> bool:
    """True for input read through ``unpack`` (or in memory by ``read_source``), not straight from a file
    by a loader: standard input (``-``) and gzip files (``.gz``)."""
    return str(source) == STDIN or str(source).lower().endswith(_GZIP)


def unpack(source: str | Path, format: str | None, folder: str | Path) -> Path:
    """A new regular file in ``folder`` holding the RDF of ``source``: standard input (``-``) copied, or a
    ``.gz`` file decompressed, as a stream (never whole in memory). Named so that it loads into the graph
    the plain file would (``data.ttl.gz`` -> ``data.ttl``, ``-`` -> ``stdin.ttl``), with the suffix of its
    format (``format``, else the name's inner suffix; standard input needs ``format``).

    ``LoadError`` when the source cannot be read, is not gzip or is cut short, or holds more than the limit
    ``max_file_bytes`` once decompressed: counted as it is written, so a gzip bomb stops at the limit."""
    fmt = rdf_format(format or source)
    given = Path(str(source)[: -len(_GZIP)]) if str(source).lower().endswith(_GZIP) else Path("stdin")
    target = Path(folder) / f"{given.stem or 'stdin'}.{fmt.suffix}"
    with _packed(source) as reader, open(target, "xb") as out:
        _copy(str(source), reader, out)
    return target


@contextlib.contextmanager
def _packed(source: str | Path) -> Iterator[BinaryIO]:
    """Standard input, or the decompressed bytes of a gzip file (checked as ``_opened`` checks a file)."""
    if str(source) == STDIN:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise LoadError("-: no standard input to read")
        if stream.isatty():
            raise LoadError("-: standard input is a terminal; pipe the data in (... | msp-graph ... -)")
        yield stream
        return
    with _opened(source) as handle, gzip.GzipFile(fileobj=handle, mode="rb") as reader:
        yield reader


def _copy(where: str, reader: BinaryIO, out: BinaryIO) -> None:
    """Copy ``reader`` into ``out`` in pieces, refusing more than ``max_file_bytes`` in all."""
    maximum, total = limit("max_file_bytes"), 0
    try:
        while block := reader.read(_CHUNK):
            total += len(block)
            if total > maximum:
                raise LoadError(
                    f"{where}: more than the limit of {maximum:,} bytes for one input file"
                    f"{' once decompressed' if where != STDIN else ''}; raise {LIMITS['max_file_bytes'].env} "
                    "to read it"
                )
            out.write(block)
    except (gzip.BadGzipFile, zlib.error) as error:
        raise LoadError(f"{where}: not a gzip file, or a damaged one ({error}); give it unpacked") from None
    except EOFError:
        raise LoadError(f"{where}: the gzip data is cut short; give the whole file") from None


def file_source(source: str | Path, format: str | None) -> tuple[str, RdfFormat, str]:
    """``(where, format, base IRI)`` of a file a loader will read itself; ``LoadError`` when it cannot be
    read (missing, a directory, a FIFO or device, no permission), is larger than the limit
    ``max_file_bytes``, is of no known format, or holds what ``screen`` refuses. A file is screened once
    while it stays the same (checking files first and loading them next reads it once more, not twice)."""
    fmt = rdf_format(format or source)
    if is_packed(source):
        raise LoadError(
            f"{source}: standard input and .gz files are read through unpack (as load_files does)"
        )
    with _opened(source) as handle:
        info = os.fstat(handle.fileno())
        seen = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, fmt.name)
        if seen not in _SCREENED:
            screen(str(source), handle, fmt)
            if len(_SCREENED) > 4096:
                _SCREENED.clear()
            _SCREENED.add(seen)
    return str(source), fmt, Path(source).resolve().as_uri()


_SCREENED: set[tuple] = set()  # files screened already: (device, inode, size, mtime, ctime, format)


@contextlib.contextmanager
def _opened(source: str | Path) -> Iterator[BinaryIO]:
    """The file opened for reading, once it is known to be a regular file within the size limit.

    Opened without blocking, so that a FIFO is refused at once instead of waiting for a writer for ever.
    """
    with _reading(source):
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        with open(os.open(source, flags), "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise LoadError(f"{source}: is a directory, not an RDF file")
            if not stat.S_ISREG(info.st_mode):
                raise LoadError(
                    f"{source}: not a regular file (a FIFO, device or socket); save the data to a file first"
                )
            maximum = limit("max_file_bytes")
            if info.st_size > maximum:
                raise LoadError(
                    f"{source}: {info.st_size:,} bytes, more than the limit of {maximum:,} bytes for one "
                    f"input file; raise {LIMITS['max_file_bytes'].env} to read it"
                )
            yield handle


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


# --- screening: what pyoxigraph must not be given ------------------------------------------------------

#: pyoxigraph's parsers hold one term, comment or line in a buffer of at most this many bytes.
_PARSER_BUFFER = 16 * 1024 * 1024
#: The deepest nesting read where pyoxigraph's parsers recurse: JSON-LD objects and arrays, RDF 1.2 triple
#: terms (``<<( ... )>>``, ``rdf:parseType="Triple"``). pyoxigraph 0.5 kills the process (a stack overflow,
#: no exception) from about 4,000 JSON-LD levels and 20,000 triple terms; data nests a few levels.
_MAX_NESTING = 1000
_CHUNK = 1 << 20
_TURTLE_FAMILY = ("turtle", "nt", "nquads", "trig", "n3")


def screen(where: str, data: bytes | BinaryIO, fmt: RdfFormat) -> None:
    """``LoadError`` for input that pyoxigraph must not be given, found without parsing it:

    * UTF-16 text, and a byte order mark where the format does not allow one (Turtle and its kin);
    * XML entity declarations in RDF/XML, wherever they are (pyoxigraph reads a DOCTYPE even inside the
      root element): entity expansion is off, so a "billion laughs" is refused in a few milliseconds;
    * nesting deeper than ``_MAX_NESTING`` where pyoxigraph recurses (JSON-LD objects and arrays, RDF 1.2
      triple terms), which would crash the process.

    ``data``: the bytes, or a file opened for reading (read from its start, in pieces).

    >>> screen("<data>", b'<!DOCTYPE r [<!ENTITY a "b">]><r/>', rdf_format("rdf"))
    Traceback (most recent call last):
    ...
    msp_graph.errors.LoadError: <data>: XML entity declarations are not accepted (entity expansion is off)...
    """
    head = next(_chunks(data), b"")[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(f"{where}: UTF-16 text; RDF files are read as UTF-8: save it as UTF-8")
    if fmt.name == "rdfxml":
        _screen_xml(where, data)
    elif fmt.name == "jsonld":
        _screen_json(where, data)
    elif fmt.name in _TURTLE_FAMILY:
        if head.startswith(b"\xef\xbb\xbf"):
            raise LoadError(
                f"{where}:1:1: starts with a byte order mark (BOM), which {fmt.oxigraph.name} files may "
                "not hold; save the file as UTF-8 without BOM"
            )
        _screen_triple_terms(where, data)


def _chunks(data: bytes | BinaryIO, keep: int = 0) -> Iterator[bytes]:
    """The input in pieces of 1 MiB, each after the last ``keep`` bytes of the one before (a mark cut in two
    is still found whole)."""
    if isinstance(data, bytes):
        yield data
        return
    data.seek(0)
    tail = b""
    while block := data.read(_CHUNK):
        yield tail + block
        tail = block[-keep:] if keep else b""


def _too_deep(where: str, what: str) -> LoadError:
    return LoadError(
        f"{where}: {what} nested more than {_MAX_NESTING} deep, which the parser cannot read safely; "
        "flatten the data"
    )


_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


def _screen_xml(where: str, data: bytes | BinaryIO) -> None:
    """No entity declarations (a byte search: pyoxigraph reads UTF-8 only, where ``<!ENTITY`` is these
    bytes); and the depth of its elements, measured by expat: triple terms (``parseType="Triple"``) nested
    too deep crash pyoxigraph, and any deep nesting costs it time quadratic in the depth (a 2.6 MB file
    nested 10^5 deep: 70 s). Measuring costs about a fifth of an RDF/XML load."""
    for chunk in _chunks(data, keep=16):
        if _ENTITY.search(chunk):
            raise LoadError(
                f"{where}: XML entity declarations are not accepted (entity expansion is off); "
                "write the values out in place of the entity references"
            )
    _xml_depth(where, data)


def _xml_depth(where: str, data: bytes | BinaryIO) -> None:
    """``LoadError`` when elements nest deeper than ``_MAX_NESTING`` or the XML is not well-formed (expat:
    no entity declarations remain, and it never fetches an external DTD)."""
    parser = expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: dict) -> None:
        nonlocal depth
        depth += 1
        if depth > _MAX_NESTING:
            raise _too_deep(where, "XML elements")

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        for chunk in _chunks(data):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        message = expat.errors.messages[error.code]
        raise LoadError(
            f"{where}:{error.lineno}:{error.offset + 1}: not well-formed XML: {message}"
        ) from None


_NOT_MARKS = bytes(sorted(set(range(256)) - set(b'"{}[]')))
_STEP = {ord("{"): 1, ord("["): 1, ord("}"): -1, ord("]"): -1}


def _screen_json(where: str, data: bytes | BinaryIO) -> None:
    """The nesting of objects and arrays, strings left out. With escaped backslashes and quotes taken away,
    quotes alternate between opening and closing a string; only quotes and brackets are kept, and two quotes
    side by side dropped (nothing lies between them), so that few pieces are left to look at."""
    depth, inside, carry = 0, False, b""
    for chunk in _chunks(data):
        text = carry + chunk
        cut = len(text) - (len(text) - len(text.rstrip(b"\\"))) % 2  # an odd backslash at the end escapes
        text, carry = text[:cut], text[cut:]  # what the next piece starts with
        if b"\\" in text:
            text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
        pieces = text.translate(None, _NOT_MARKS).replace(b'""', b"").split(b'"')
        outside = b"".join(pieces[1::2] if inside else pieces[0::2])
        inside ^= len(pieces) % 2 == 0  # an odd number of quotes: the piece ends inside a string
        if outside:
            levels = list(accumulate(map(_STEP.__getitem__, outside), initial=depth))
            if max(levels) > _MAX_NESTING:
                raise _too_deep(where, "JSON objects and arrays")
            depth = levels[-1]


# Turtle and its kin: what may hold "<<(" or ")>>" without being one (strings, IRIs, escapes, comments).
_TURTLE_TEXT = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""'
    rb"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    rb'|"(?:[^"\\\r\n]|\\.)*"'
    rb"|'(?:[^'\\\r\n]|\\.)*'"
    rb'|<[^<>"{}|^`\\\x00-\x20]*>'
    rb"|\\."
    rb"|#[^\r\n]*",
    re.DOTALL,
)
_TRIPLE_TERM = re.compile(rb"<<\(|\)>>")


def _screen_triple_terms(where: str, data: bytes | BinaryIO) -> None:
    """The nesting of RDF 1.2 triple terms: at most the number of ``<<(`` (counted in pieces, cheaply); only
    a file with more than ``_MAX_NESTING`` of them is read whole and measured."""
    if sum(chunk.count(b"<<(") for chunk in _chunks(data, keep=2)) <= _MAX_NESTING:
        return
    if not isinstance(data, bytes):
        data.seek(0)
        data = data.read()
    depth = 0
    for mark in _TRIPLE_TERM.findall(_TURTLE_TEXT.sub(b" ", data)):
        depth += 1 if mark == b"<<(" else -1
        if depth > _MAX_NESTING:
            raise _too_deep(where, "RDF 1.2 triple terms <<( ... )>>")


# --- parse errors ----------------------------------------------------------------------------------------


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
    to the reader: the message is then pyoxigraph's alone. A term over the parser's 16 MiB buffer (which
    pyoxigraph reports as a ``MemoryError``) and a file removed while it was read are errors too.
    """
    try:
        yield
    except SyntaxError as failure:
        place = None if where is None else location(where, failure)
        message = _parse_message(failure)
        raise error(f"{place}: {message}" if place else message) from None
    except MemoryError as failure:
        raise error(_too_long(where, failure)) from None
    except FileNotFoundError:
        raise error(f"{where}: no such file" if where is not None else "no such file") from None
    except (OSError, ValueError) as failure:
        message = _parse_message(failure)
        raise error(f"{where}: {message}" if where is not None else message) from None


def _parse_message(error: Exception) -> str:
    """A parser's message on one printable line, without the location said already in front of it."""
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in str(error).strip()[:500])
    text = re.sub(
        r"^(Parser error at line \d+ (column \d+|between columns \d+ and \d+)|error at \d+:\d+):\s*", "", text
    )
    return re.sub(r"\s*\(([^()]*, )?line \d+\)$", "", text).strip() or type(error).__name__


def _too_long(where: str | Path | None, failure: MemoryError) -> str:
    found = re.search(r"buffer maximal size of (\d+)", str(failure))
    if found is None:
        text = "out of memory while parsing; split the input or free memory"
        return f"{where}: {text}" if where is not None else text
    size = int(found[1])
    line = _first_line_over(where, size) if where is not None else None
    text = (
        f"a term, comment or line longer than {size / 2**20:g} MiB, the most the parser holds; "
        "shorten it (keep long texts outside the RDF and link to them)"
    )
    place = f"{where}:{line}" if line else where
    return f"{place}: {text}" if place is not None else text


def _first_line_over(where: str | Path, size: int) -> int | None:
    """The number of the first line of file ``where`` longer than ``size`` bytes, if ``where`` is a file and
    has one (a long term spread over lines has none)."""
    if not os.path.isfile(where):
        return None
    line, run = 1, 0
    with contextlib.suppress(OSError), open(where, "rb") as handle:
        while block := handle.read(_CHUNK):
            first = block.find(b"\n")
            if first < 0:
                run += len(block)
            elif run + first > size:
                return line
            else:
                line += block.count(b"\n")
                run = len(block) - block.rfind(b"\n") - 1
            if run > size:
                return line
    return None


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


def rdflib_term(
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None, *, normalize: bool | None = None
) -> rdflib.term.Node | None:
    """The rdflib term of a pyoxigraph term (``None`` stays ``None``: an unbound variable).

    ``normalize=False`` keeps a typed literal as written (rdflib would rewrite ``"yes"^^xsd:boolean`` as
    ``"false"``); the default is rdflib's own (normalised), which the report comparisons expect."""
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
        return rdflib.Literal(value.value, datatype=rdflib.URIRef(value.datatype.value), normalize=normalize)
    raise TypeError(f"not an RDF term: {value!r}")


def parse_term(text: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The term written ``text`` in N-Triples; a blank node keeps its label (a parsed document's would be
    renamed)."""
    if text.startswith("_:"):
        return ox.BlankNode(text[2:])
    if text.startswith("<") and not text.startswith("<<"):
        return ox.NamedNode(text[1:-1])
    return next(iter(ox.parse(f"<x:s> <x:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES))).object
