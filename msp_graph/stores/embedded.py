"""The embedded store: pyoxigraph in memory, or on disk with ``--store DIR``.

>>> store = EmbeddedStore()
>>> store.load(b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
...            graph="http://example.org/g", format="nt")
1
>>> store.graphs()
['http://example.org/g']
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import StoreError
from .base import STAGING_PREFIX, Store
from .terms import file_source, parsing, rdf_format, running_sparql, short, term

if TYPE_CHECKING:
    import rdflib

__all__ = ["EmbeddedStore"]


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
            reason = "locked by another process" if "lock" in str(error).lower() else short(error)
            raise StoreError(f"{self.path}: cannot open the store: {reason}") from None

    def load(self, source: str | Path | bytes, *, graph: str, format: str | None = None) -> int:
        target = ox.NamedNode(graph)
        # A new graph is bulk-loaded in place (pyoxigraph's bulk loader: one parse, 4x faster than a
        # transactional load on disk, but not atomic: a failure drops the graph again). An existing graph is
        # replaced by loading a fresh temporary graph the same way, then MOVEing it over the target: a
        # failure at any point leaves the old graph as it was.
        exists = self._has_graph(target)
        staging = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4().hex}") if exists else target
        try:
            self._bulk_load(source, format, staging)
        except BaseException:
            if self._has_graph(staging):
                self._store.remove_graph(staging)
            raise
        # For TriG / N-Quads, to_graph only receives the default-graph triples; named graphs keep their names.
        if exists:
            self._store.update(f"MOVE SILENT {staging} TO {target}")
        return self.count(graph)

    def _bulk_load(self, source: str | Path | bytes, format: str | None, graph: ox.NamedNode) -> None:
        if isinstance(source, bytes):
            where, fmt, base, data = "<data>", rdf_format(format or "ttl"), None, {"input": source}
        else:
            where, fmt, base = file_source(source, format)
            data = {"path": str(source)}
        with parsing(where):
            self._store.bulk_load(**data, format=fmt.oxigraph, to_graph=graph, base_iri=base)

    def _has_graph(self, graph: ox.NamedNode) -> bool:
        return next(self._store.quads_for_pattern(None, None, None, graph), None) is not None

    def add(self, data: rdflib.Graph, *, graph: str) -> int:
        target = ox.NamedNode(graph)
        self._store.extend(
            ox.Quad(term(s), term(p), term(o), target) for s, p, o in data.triples((None, None, None))
        )
        return len(data)

    def query(self, sparql: str):
        with running_sparql("query"):
            return self._store.query(sparql, use_default_graph_as_union=True)

    def update(self, sparql: str) -> None:
        with running_sparql("update"):
            self._store.update(sparql)

    def dump(self, *, format: str, graphs: Iterable[str] | None = None) -> bytes:
        fmt = rdf_format(format)
        names = list(graphs) if graphs is not None else self.graphs()
        if fmt.quads:
            quads = [
                q
                for name in names
                for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(name))
            ]
            return ox.serialize(quads, format=fmt.oxigraph) or b""
        triples = {
            ox.Triple(q.subject, q.predicate, q.object)
            for name in names
            for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        }
        out = io.BytesIO()
        ox.serialize(sorted(triples, key=str), out, format=fmt.oxigraph)
        return out.getvalue()

    def graphs(self) -> list[str]:
        return sorted(
            g.value
            for g in self._store.named_graphs()
            if not g.value.startswith(STAGING_PREFIX)
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
