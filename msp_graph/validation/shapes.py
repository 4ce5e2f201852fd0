"""Reading SHACL shapes: the bundled ``shapes/`` folder or the files a user gives.

Files are parsed by Oxigraph (the parser that reads the data) and become rdflib terms with their lexical
forms kept (``"1"^^xsd:boolean`` stays ``"1"``: rdflib would rewrite it to ``"true"``, and the W3C suite
tells them apart for ``sh:uniqueLang``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import RDF, SH, XSD

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
        terms: dict = {}
        triples = [tuple(_term(t, terms) for t in (q.subject, q.predicate, q.object)) for q in quads]
        if path.stem.startswith("composition"):
            composition |= {s for s, _, _ in triples if isinstance(s, rdflib.URIRef)}
            composition |= {o for _, p, o in triples if p == SH.property}
        graph.addN((s, p, o, graph) for s, p, o in triples)
    if not any(_shapes(graph)):
        raise ShapesError(
            f"{files[0]}: no SHACL node shapes or property shapes found in the shapes given; "
            "give a SHACL shapes file"
        )
    return graph, composition


_SHAPE_MARKS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def _shapes(graph: rdflib.Graph):
    """Shapes with a type or a target (the starting points of a validation)."""
    yield from graph.subjects(RDF.type, SH.NodeShape)
    yield from graph.subjects(RDF.type, SH.PropertyShape)
    for mark in _SHAPE_MARKS:
        yield from graph.subjects(mark, None)


def _term(term, seen: dict):
    """The rdflib term of a parsed term, literals with their lexical form kept."""
    found = seen.get(term)
    if found is not None:
        return found
    if isinstance(term, ox.NamedNode):
        found = rdflib.URIRef(term.value)
    elif isinstance(term, ox.BlankNode):
        found = rdflib.BNode(term.value)
    elif term.language:
        found = rdflib.Literal(term.value, lang=term.language)
    elif term.datatype.value == str(XSD.string):
        found = rdflib.Literal(term.value)
    else:
        found = rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value), normalize=False)
    seen[term] = found
    return found
