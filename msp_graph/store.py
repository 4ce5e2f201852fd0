"""The store interface and its embedded implementation on pyoxigraph.

Code above the store never asks which kind it talks to: both the embedded store (this module) and the
remote store (``msp_graph.remote``) answer the same calls. Graph names are plain IRI strings.

>>> store = EmbeddedStore()
>>> store.load(b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
...            graph="http://example.org/g", format="nt")
1
>>> store.graphs()
['http://example.org/g']
"""

from __future__ import annotations

import abc
import io
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib

from .errors import LoadError, QueryError, StoreError

__all__ = [
    "GRAPH_BASE",
    "INFERRED_GRAPH",
    "ONTOLOGY_GRAPH",
    "SHAPES_GRAPH",
    "EmbeddedStore",
    "Store",
    "format_for",
    "read_source",
    "source_graph",
]

GRAPH_BASE = "https://w3id.org/msp/id/graph/"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
SHAPES_GRAPH = GRAPH_BASE + "shapes"

# File suffix or short name -> pyoxigraph format. One table for loading, dumping and the CLI's -f.
_FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "n-quads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf/xml": ox.RdfFormat.RDF_XML,
    "n3": ox.RdfFormat.N3,
}
_QUAD_FORMATS = {ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG}


def format_for(name_or_path: str | Path) -> ox.RdfFormat:
    """The RDF format named by a short name (``ttl``, ``nt``, ``trig``...) or by a file's suffix."""
    key = str(name_or_path).lower()
    if key not in _FORMATS:
        key = Path(key).suffix.lstrip(".")
    try:
        return _FORMATS[key]
    except KeyError:
        known = ", ".join(sorted({k for k in _FORMATS if len(k) <= 4}))
        raise LoadError(f"{name_or_path}: unknown RDF format; use a file ending in one of: {known}") from None


def source_graph(slug: str) -> str:
    """The named graph IRI of one data source (a file or an import batch)."""
    return f"{GRAPH_BASE}source/{slug}"


class Store(abc.ABC):
    """A quad store with named graphs: the one interface the rest of msp-graph talks to."""

    @abc.abstractmethod
    def load(self, source: str | Path | bytes, *, graph: str, format: str | None = None) -> int:
        """Replace ``graph`` with the RDF in ``source`` (a path or bytes), atomically; return its size.

        For quad formats (TriG, N-Quads) the named graphs of the file are kept and ``graph`` receives the
        default-graph triples.
        """

    @abc.abstractmethod
    def add(self, data: rdflib.Graph, *, graph: str) -> int:
        """Add the triples of an rdflib graph to ``graph`` (kept); return the number of triples given."""

    @abc.abstractmethod
    def query(self, sparql: str):
        """Run a SPARQL query with the default graph as the union of all graphs.

        Parameters are bound by ``msp_graph.queries`` (a VALUES block built from checked terms), never by
        pasting text, so both kinds of store see a complete query.

        Returns pyoxigraph ``QuerySolutions``, ``QueryBoolean`` or ``QueryTriples`` (the remote store returns
        the same types), so callers format results one way.
        """

    @abc.abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 update as one transaction."""

    @abc.abstractmethod
    def dump(self, *, format: str, graphs: Iterable[str] | None = None) -> bytes:
        """Serialise ``graphs`` (default: every named graph) in ``format``.

        Triple formats merge the graphs; quad formats keep their names.
        """

    @abc.abstractmethod
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs that hold at least one triple, sorted."""

    @abc.abstractmethod
    def drop(self, graph: str) -> None:
        """Remove a named graph and its triples (no error if it does not exist)."""

    @abc.abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Number of triples in ``graph``, or quads in the whole store."""

    def replace_graph(self, graph: str, data: rdflib.Graph) -> int:
        """Replace ``graph`` with ``data`` atomically."""
        return self.load(data.serialize(format="nt", encoding="utf-8"), graph=graph, format="nt")

    def to_rdflib(self, graphs: Iterable[str] | None = None) -> rdflib.Graph:
        """One rdflib graph holding the union of ``graphs`` (default: all), for pyshacl and owlrl."""
        g = rdflib.Graph()
        g.parse(data=self.dump(format="nt", graphs=graphs), format="nt")
        return g

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_source(
    source: str | Path | bytes, format: str | None
) -> tuple[str, bytes, ox.RdfFormat, str | None]:
    """``(where, data, format, base IRI)`` of a file or payload to load; ``LoadError`` when it cannot be read.

    Bytes default to Turtle; a file's format comes from ``format`` or its suffix, its base IRI is its URI.
    """
    if isinstance(source, bytes):
        return "<data>", source, format_for(format or "ttl"), None
    fmt = format_for(format or source)
    try:
        data = Path(source).read_bytes()
    except FileNotFoundError:
        raise LoadError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise LoadError(f"{source}: is a directory, not an RDF file") from None
    except OSError as error:
        raise LoadError(f"{source}: cannot read: {error.strerror}") from None
    return str(source), data, fmt, Path(source).resolve().as_uri()


def _location(path: Path | str, error: SyntaxError) -> str:
    """``file:line:column`` of a pyoxigraph parse error (its line numbers are 1-based already)."""
    if error.lineno is not None:
        return f"{path}:{error.lineno}:{error.offset or 1}"
    return str(path)


def _short(error: Exception) -> str:
    """The first line of an error's message, without the location pyoxigraph puts in front of it."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return re.sub(r"^(Parser error at line \d+ column \d+|error at \d+:\d+):\s*", "", text).strip()


def term(value: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term of an rdflib term."""
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


class EmbeddedStore(Store):
    """The default store: pyoxigraph in memory, or on disk when ``path`` is given.

    A store directory is created on first use and reopened later. Opening a directory that is not an
    Oxigraph store, or one that another process holds, raises ``StoreError``.
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        if self.path is None:
            self._store = ox.Store()
            return
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path}: not a directory; --store needs a directory (created if missing)")
        if self.path.is_dir() and any(self.path.iterdir()) and not (self.path / "CURRENT").exists():
            raise StoreError(
                f"{self.path}: not an msp-graph store (no Oxigraph database found); use another directory"
            )
        try:
            self._store = ox.Store(str(self.path))
        except OSError as error:
            reason = "locked by another process" if "lock" in str(error).lower() else _short(error)
            raise StoreError(f"{self.path}: cannot open the store: {reason}") from None

    def load(self, source: str | Path | bytes, *, graph: str, format: str | None = None) -> int:
        where, data, fmt, base = read_source(source, format)
        target = ox.NamedNode(graph)
        # A load is one transaction, so a new graph is loaded in place. An existing graph is replaced by
        # loading a fresh temporary graph, then MOVEing it over the target (another transaction): a failure
        # at any point leaves the old graph as it was.
        exists = next(self._store.quads_for_pattern(None, None, None, target), None) is not None
        staging = ox.NamedNode(f"{GRAPH_BASE}staging/{uuid.uuid4().hex}") if exists else target
        try:
            self._store.load(data, format=fmt, to_graph=staging, base_iri=base)
        except SyntaxError as error:
            raise LoadError(f"{_location(where, error)}: {_short(error)}") from None
        except (OSError, ValueError) as error:
            raise LoadError(f"{where}: {_short(error)}") from None
        # For TriG / N-Quads, to_graph only receives the default-graph triples; named graphs keep their names.
        if exists:
            self._store.update(f"MOVE SILENT {staging} TO {target}")
        return self.count(graph)

    def add(self, data: rdflib.Graph, *, graph: str) -> int:
        target = ox.NamedNode(graph)
        self._store.extend(
            ox.Quad(term(s), term(p), term(o), target) for s, p, o in data.triples((None, None, None))
        )
        return len(data)

    def query(self, sparql: str):
        return self._sparql("query", lambda: self._store.query(sparql, use_default_graph_as_union=True))

    def update(self, sparql: str) -> None:
        self._sparql("update", lambda: self._store.update(sparql))

    @staticmethod
    def _sparql(kind: str, call):
        """Run a pyoxigraph query or update: errors become ``QueryError``s naming ``kind`` and place."""
        try:
            return call()
        except SyntaxError as error:
            place = _query_location(error)
            raise QueryError(f"{kind}:{place}: SPARQL syntax error: {_short(error)}") from None
        except (OSError, RuntimeError, ValueError) as error:
            raise QueryError(f"{kind}: {_short(error)}") from None

    def dump(self, *, format: str, graphs: Iterable[str] | None = None) -> bytes:
        fmt = format_for(format)
        names = list(graphs) if graphs is not None else self.graphs()
        if fmt in _QUAD_FORMATS:
            quads = [
                q
                for name in names
                for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(name))
            ]
            return ox.serialize(quads, format=fmt) or b""
        triples = {
            ox.Triple(q.subject, q.predicate, q.object)
            for name in names
            for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        }
        out = io.BytesIO()
        ox.serialize(sorted(triples, key=str), out, format=fmt)
        return out.getvalue()

    def graphs(self) -> list[str]:
        return sorted(
            g.value
            for g in self._store.named_graphs()
            if not g.value.startswith(GRAPH_BASE + "staging/")
            and next(self._store.quads_for_pattern(None, None, None, g), None) is not None
        )

    def drop(self, graph: str) -> None:
        self._store.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self._store)
        rows = self._store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)

    def close(self) -> None:
        if self.path is not None:
            self._store.flush()
        del self._store


def _query_location(error: SyntaxError) -> str:
    """``line:column`` from pyoxigraph's SPARQL error text ("error at 1:25: ...")."""
    match = re.match(r"error at (\d+):(\d+)", str(error))
    return f"{match[1]}:{match[2]}" if match else "1:1"
