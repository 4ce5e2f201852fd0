"""Reading SHACL shapes: the bundled ``shapes/`` folder or the files a user gives."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import RDF, SH

from ..errors import LoadError, ShapesError
from ..loading import parse_file
from ..resources import bundled_dir

__all__ = ["load_shapes", "shape_files"]


def shape_files() -> list[Path]:
    """The bundled shapes files."""
    return sorted(p for p in bundled_dir("shapes").rglob("*.ttl") if p.is_file())


def load_shapes(paths: Sequence[str | Path] | None = None) -> tuple[rdflib.Graph, set[rdflib.term.Node]]:
    """The shapes graph and the shapes of the MSP composition rule (those defined in ``composition*.ttl``).

    Raises ``ShapesError`` naming ``file:line:column`` when a file cannot be read.
    """
    files = [Path(p) for p in paths] if paths is not None else shape_files()
    if not files:
        raise ShapesError("no SHACL shapes found; give shapes files with --shapes")
    graph = rdflib.Graph()
    composition: set[rdflib.term.Node] = set()
    for path in files:
        try:
            quads = parse_file(path)
        except LoadError as error:
            raise ShapesError(str(error)) from None
        part = rdflib.Graph()
        part.parse(data=_to_nt(quads), format="nt")
        if path.stem.startswith("composition"):
            composition |= {s for s in part.subjects() if isinstance(s, rdflib.URIRef)}
            composition |= {o for o in part.objects(None, SH.property)}
        graph += part
    if not any(graph.triples((None, RDF.type, SH.NodeShape))) and not any(
        graph.triples((None, SH.targetClass, None))
    ):
        raise ShapesError(f"{files[0]}: no SHACL node shapes found in the shapes given")
    return graph, composition


def _to_nt(quads) -> bytes:
    return ox.serialize(
        [ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES
    )
