"""The ``Store`` interface: one set of calls for the embedded store and for remote SPARQL endpoints.

Code above the store never asks which kind it talks to. Graph names are plain IRI strings. A store imports
nothing from the reasoner, the validator or the command line.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import rdflib

__all__ = [
    "GRAPH_BASE",
    "INFERRED_GRAPH",
    "ONTOLOGY_GRAPH",
    "SHAPES_GRAPH",
    "STAGING_PREFIX",
    "Store",
    "source_graph",
]

GRAPH_BASE = "https://w3id.org/msp/id/graph/"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
SHAPES_GRAPH = GRAPH_BASE + "shapes"
# Temporary graphs (of an atomic replace, of the reasoner) and the embedded store's session graphs: never
# listed by ``graphs()``, never seen by queries, removed by the next writer after a crash.
STAGING_PREFIX = GRAPH_BASE + "staging/"


def source_graph(slug: str) -> str:
    """The named graph IRI of one data source (a file or an import batch)."""
    return f"{GRAPH_BASE}source/{slug}"


class Store(abc.ABC):
    """A quad store with named graphs: the one interface the rest of msp-graph talks to."""

    def load(self, source: str | Path | bytes, *, graph: str, format: str | None = None) -> int:
        """Replace ``graph`` with the RDF in ``source`` (a path or bytes), atomically; return its size.

        For quad formats (TriG, N-Quads) the named graphs of the file are kept and ``graph`` receives the
        default-graph triples. One source of ``replace_graphs``.
        """
        self.replace_graphs([(graph, source, format)])
        return self.count(graph)

    @abc.abstractmethod
    def replace_graphs(
        self,
        sources: Sequence[tuple[str, str | Path | bytes, str | None]],
        *,
        then: str = "",
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """Replace several graphs as ONE transaction: the store ends with all the old graphs or all the new,
        also for a reader meanwhile and after a crash.

        ``sources``: ``(graph, file or bytes, format)``, each graph replaced by its source as ``load`` does.
        ``then``: a SPARQL update run in the same transaction (e.g. the metadata of the files). A missing or
        malformed source raises ``LoadError`` and changes nothing.
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

    def to_rdflib(
        self, graphs: Iterable[str] | None = None, *, as_written: bool = False, union: bool = False
    ) -> rdflib.Dataset | rdflib.Graph:
        """``graphs`` (default: all) as rdflib data: an ``rdflib.Dataset`` keeping each graph under its name,
        whose default graph is their union (``default_union``); ``union=True``: one ``rdflib.Graph`` holding
        the union (what pyshacl, owlrl and the spreadsheet exporter read). ``as_written``: typed literals
        keep their lexical form (rdflib normalises them otherwise). The literals the store rewrote when they
        were loaded (``stores.written``) are given as written.

        >>> from msp_graph import open_store
        >>> store = open_store()
        >>> _ = store.load(b"<urn:a> <urn:b> <urn:c> .", graph="urn:g", format="nt")
        >>> [str(g.identifier) for g in store.to_rdflib().graphs() if len(g)]
        ['urn:g']
        """
        import pyoxigraph as ox
        import rdflib  # only here: importing rdflib costs 0.1 s of every command's start-up

        from .terms import rdflib_term

        # Parsed by pyoxigraph, not rdflib: rdflib's N-Triples reader is quadratic in a line's length (a
        # 1 MB literal took 21 s, a 10 MB one never finished); as fast on ordinary data.
        from .written import read

        data = rdflib.Graph() if union else rdflib.Dataset(default_union=True)
        names = list(graphs) if graphs is not None else self.graphs()
        into = {name: data if union else data.graph(rdflib.URIRef(name)) for name in names}
        keep = False if as_written else None
        records = read(self)  # the literals the store rewrote when they were loaded, as written
        quads = ox.parse(self.dump(format="nq", graphs=names), format=ox.RdfFormat.N_QUADS)
        data.addN(
            (rdflib_term(q.subject), rdflib_term(q.predicate), o, into[q.graph_name.value])
            for q in quads
            for o in (
                [rdflib_term(f, normalize=False) for f in records.forms(*q.triple, [q.graph_name.value])]
                if records
                else ()
            )
            or [rdflib_term(q.object, normalize=keep)]
        )
        return data

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
