"""The graphs an import writes: N-Triples files in a scratch folder, written row by row (no graph is ever
held in memory whole), the provenance of every row, and the replacement of the graphs in a store (through
``Store.replace_graphs``, which loads each file a bounded part at a time).

Each imported file is one named graph. Its file node (``csvw:TableGroup``, ``csvw:url`` the file's relative
name), one ``csvw:Table`` per sheet and one ``csvw:Row`` per record row (``csvw:rownum``, ``rdfs:label``
"file, sheet S, row N", ``csvw:describes`` the record, which is ``prov:wasDerivedFrom`` the row) are
written beside the record's own triples.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from ..loading import describe_source, source_name
from ..stores import Store, term
from .layout import CSVW, slugify
from .tables import RawTable

__all__ = ["GraphFiles", "replace_graphs"]


def _node(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


_TYPE, _PART_OF, _TITLE, _LABEL = (
    _node(RDF.type),
    _node(DCTERMS.isPartOf),
    _node(DCTERMS.title),
    _node(RDFS.label),
)
_GROUP, _TABLE, _ROW = _node(CSVW.TableGroup), _node(CSVW.Table), _node(CSVW.Row)
_URL, _ROWNUM, _DESCRIBES = _node(CSVW.url), _node(CSVW.rownum), _node(CSVW.describes)
_DERIVED, _ANY_URI, _INTEGER = _node(PROV.wasDerivedFrom), _node(XSD.anyURI), _node(XSD.integer)


class GraphFiles:
    """The N-Triples of each graph of one import, one file each in ``folder`` (``paths``); with no folder the
    lines are made (so every term is checked) and dropped, for a dry run that validates nothing."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.paths: dict[str, Path | None] = {}
        self._out: dict[str, TextIO | None] = {}
        self._names: dict[Path, str] = {}
        self._tables: dict[tuple[str, str], ox.NamedNode] = {}

    def start(self, graph: str, table: RawTable) -> None:
        """Open the file of ``graph`` (once) and describe the imported file in it."""
        if graph in self.paths:
            return
        path = self.folder / f"{len(self.paths)}.nt" if self.folder is not None else None
        self.paths[graph] = path
        self._out[graph] = open(path, "w", encoding="utf-8", newline="\n") if path else None  # noqa: SIM115
        node = ox.NamedNode(f"{graph}#file")
        display = table.display if table.file.suffix.lower() != ".zip" else str(table.file)
        url = ox.Literal(urllib.parse.quote(self._name(table.file)), datatype=_ANY_URI)
        self._emit(
            graph, [(node, _TYPE, _GROUP), (node, _URL, url), (node, _TITLE, ox.Literal(Path(display).name))]
        )

    def triples(self, graph: str, triples: Iterable[tuple]) -> None:
        """Write rdflib triples; ``ValueError`` (nothing written) when a term is not RDF (a bad IRI)."""
        self._emit(graph, [(term(s), term(p), term(o)) for s, p, o in triples])

    def row(self, graph: str, table: RawTable, row: int, record: str | None) -> None:
        """The provenance of one record row: the row node, its table and the record it describes."""
        table_node = self._tables.get((graph, table.sheet))
        quads: list[tuple] = []
        if table_node is None:
            table_node = ox.NamedNode(f"{graph}#sheet-{slugify(table.sheet) or 'sheet'}")
            self._tables[(graph, table.sheet)] = table_node
            quads += [
                (table_node, _TYPE, _TABLE),
                (table_node, _PART_OF, ox.NamedNode(f"{graph}#file")),
                (table_node, _TITLE, ox.Literal(table.sheet)),
            ]
        node = ox.NamedNode(f"{table_node.value}-row-{row}")
        label = f"{self._name(table.file)}, sheet {table.sheet}, row {row}"
        quads += [
            (node, _TYPE, _ROW),
            (node, _ROWNUM, ox.Literal(str(row), datatype=_INTEGER)),
            (node, _PART_OF, table_node),
            (node, _LABEL, ox.Literal(label)),
        ]
        if record is not None:
            subject = ox.NamedNode(record)
            quads += [(node, _DESCRIBES, subject), (subject, _DERIVED, node)]
        self._emit(graph, quads)

    def close(self) -> None:
        for out in self._out.values():
            if out is not None:
                out.close()

    def _name(self, path: Path) -> str:
        """How the metadata names the file (relative, never an absolute path), worked out once per file."""
        if path not in self._names:
            self._names[path] = source_name(path)
        return self._names[path]

    def _emit(self, graph: str, triples: list[tuple]) -> None:
        out = self._out[graph]
        if out is not None:
            out.write("".join(f"{s} {p} {o} .\n" for s, p, o in triples))


def _describe(graph: str, table: RawTable) -> str:
    """The metadata of an imported graph, as for any loaded file: relative name, content hash, load time."""
    with open(table.file, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return describe_source(graph, name=source_name(table.file), sha256=digest)


def replace_graphs(
    store: Store,
    paths: dict[str, Path],
    sources: dict[str, RawTable],
    *,
    progress: Callable[..., None] | None = None,
) -> None:
    """Replace every imported graph at once, and describe them, by the store's one atomic replace
    (``Store.replace_graphs``: each file loaded a bounded part at a time, then one transaction); a failure
    leaves the store as it was. ``progress`` as ``Store.replace_graphs`` reports it."""
    store.replace_graphs(
        [(iri, path, "nt") for iri, path in paths.items()],
        then=" ;\n".join(_describe(iri, sources[iri]) for iri in paths),
        progress=progress,
    )
