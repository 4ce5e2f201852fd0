"""Exporting the graph as linked data.

Formats: ``turtle``, ``nt`` (N-Triples), ``rdfxml`` (RDF/XML) merge the graphs into one; ``trig``, ``nquads``
and ``jsonld`` (JSON-LD 1.1, compacted with the shipped context ``msp_graph/context.jsonld``) keep the named
graphs. Only asserted triples are exported unless ``include_inferred`` is set: the inferred graph is
recomputable and must not pass for asserted data. The metadata graph (where each source graph came from)
goes with the quad formats, where the graphs it describes keep their names; merged into a single graph its
statements would describe graphs that no longer exist, so triple formats leave it out.

>>> from msp_graph.graph import open_store
>>> store = open_store()
>>> _ = store.load(b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
...                graph="http://example.org/g", format="nt")
>>> print(export(store, format="nt").decode().strip())
<http://example.org/a> <http://example.org/b> <http://example.org/c> .
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import rdflib

from .errors import LoadError
from .graph import METADATA_GRAPH, asserted_graphs
from .store import INFERRED_GRAPH, ONTOLOGY_GRAPH, Store

__all__ = ["EXPORT_FORMATS", "QUAD_FORMATS", "context", "export", "normalise_format"]

EXPORT_FORMATS = ("turtle", "nt", "rdfxml", "trig", "nquads", "jsonld")
QUAD_FORMATS = ("trig", "nquads", "jsonld")
_ALIASES = {
    "ttl": "turtle",
    "turtle": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "rdf": "rdfxml",
    "xml": "rdfxml",
    "rdfxml": "rdfxml",
    "rdf/xml": "rdfxml",
    "owl": "rdfxml",
    "trig": "trig",
    "nq": "nquads",
    "nquads": "nquads",
    "n-quads": "nquads",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
}
_OX = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}
# File suffix of each export format.
SUFFIX = {"turtle": "ttl", "nt": "nt", "rdfxml": "rdf", "trig": "trig", "nquads": "nq", "jsonld": "jsonld"}


def normalise_format(name: str) -> str:
    """The canonical export format for a name or alias (``ttl`` -> ``turtle``, ``json-ld`` -> ``jsonld``)."""
    try:
        return _ALIASES[name.lower()]
    except KeyError:
        raise LoadError(
            f"{name}: unknown export format; use one of: turtle, nt, rdfxml, trig, nquads, jsonld"
        ) from None


@cache
def context() -> dict:
    """The JSON-LD context shipped with msp-graph (prefixes of every namespace in ``docs/model.md``)."""
    return json.loads((Path(__file__).parent / "context.jsonld").read_text(encoding="utf-8"))["@context"]


def _prefixes() -> dict[str, str]:
    return {k: v for k, v in context().items() if not k.startswith("@") and isinstance(v, str)}


def export(
    store: Store,
    *,
    format: str = "turtle",
    include_inferred: bool = False,
    include_ontology: bool = True,
    graphs: Iterable[str] | None = None,
) -> bytes:
    """Serialise the store's asserted graphs (and, on request, the inferred graph) in ``format``.

    ``graphs`` picks graphs by IRI instead; ``include_ontology=False`` leaves out the ontology and
    vocabularies (data only).
    """
    fmt = normalise_format(format)
    quads = fmt in QUAD_FORMATS
    if graphs is None:
        names = asserted_graphs(store, ontology=include_ontology, metadata=quads)
        if include_inferred and INFERRED_GRAPH in store.graphs():
            names.append(INFERRED_GRAPH)
    else:
        names = list(graphs)
    if fmt == "jsonld":
        return _jsonld(store.dump(format="nquads", graphs=names))
    dumped = store.dump(format="nquads" if quads else "nt", graphs=names)
    parsed = ox.parse(dumped, format=ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES)
    items = list(parsed) if quads else [ox.Triple(t.subject, t.predicate, t.object) for t in parsed]
    if fmt in ("nt", "nquads"):
        return ox.serialize(items, format=_OX[fmt]) or b""
    return ox.serialize(items, format=_OX[fmt], prefixes=_prefixes()) or b""


def _jsonld(nquads: bytes) -> bytes:
    dataset = rdflib.Dataset()
    dataset.parse(data=nquads, format="nquads")
    text = dataset.serialize(format="json-ld", context=context(), auto_compact=True)
    return text.encode("utf-8") if isinstance(text, str) else text


def graph_names(store: Store) -> dict[str, str]:
    """Short names of the special graphs, for messages and statistics."""
    return {ONTOLOGY_GRAPH: "ontology", INFERRED_GRAPH: "inferred", METADATA_GRAPH: "metadata"}
