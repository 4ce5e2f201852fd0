"""SPARQL text of terms and SHACL paths, fresh variable names, and the markers expanded when queries run.

Shared by the compilers of the fast engine (``compile.py``, ``components.py``, ``shape_based.py``,
``sparql_based.py``); it writes text only and knows no store.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import rdflib
from rdflib import RDF, SH

__all__ = [
    "COUNT_LIMIT",
    "ILL_FORMED",
    "INSTANCE_OF",
    "MARKED",
    "SHAPES_GRAPH",
    "Names",
    "Unsupported",
    "ill_formed",
    "instance_of",
    "ordered",
    "sparql_path",
    "term",
]


#: The largest count written into a query: Oxigraph's xsd:integer is 64 bits, and a larger literal is
#: ill-formed there, which turned ``COUNT(...) < 10^23`` (``sh:minCount 10^23``) into an error, not true. No
#: count reaches it, so every count compares with it as with the larger number.
COUNT_LIMIT = 2**63 - 1


class Unsupported(Exception):
    """A shape uses something this engine does not compile (the message says what)."""


INSTANCE_OF = f"<{RDF.type}>/<{rdflib.RDFS.subClassOf}>*"
# "?var is an instance of <class>" is written into the compiled queries as this marker, and expanded when the
# queries run (run.py): the subclass closure of the class is read from the store once, and the marker becomes
# ``VALUES ?c { ...closure... } ?var rdf:type ?c`` (one index lookup per node, instead of a property path
# walked per node). The meaning is the same: the closure comes from the same data, with the same path.
_MARK = "\x00INSTANCE {var} <{cls}>\x00"
MARKED = re.compile("\x00INSTANCE (\\S+) <([^>\x00]*)>\x00")
# "?var is an ill-formed literal of <datatype>" (inside conformance checks, where rdflib cannot look at each
# row): expanded when the queries run into sameTerm tests against the store's literals of that datatype that
# rdflib rejects, each read and checked once per validation (run.py).
_ILL = "\x00ILLFORMED {var} <{datatype}>\x00"
ILL_FORMED = re.compile("\x00ILLFORMED (\\S+) <([^>\x00]*)>\x00")


# ``$shapesGraph`` in SHACL-SPARQL: replaced, when the query runs, by the IRI of the named graph holding the
# shapes graph in the copy of the data those queries run on (run.py).
SHAPES_GRAPH = "\x00SHAPESGRAPH\x00"


def instance_of(var: str, cls) -> str:
    """The pattern "``var`` is an instance of ``cls``" (through ``rdfs:subClassOf*``), as a marker."""
    if isinstance(cls, rdflib.URIRef) and ">" not in cls:
        return _MARK.format(var=var, cls=cls)
    return f"{var} {INSTANCE_OF} {term(cls)} ."


def ill_formed(var: str, datatype: rdflib.URIRef) -> str:
    """The expression "``var`` is a literal of ``datatype`` whose lexical form is ill-formed", as a marker."""
    if ">" in datatype:
        raise Unsupported(f"datatype IRI {datatype} cannot be written in SPARQL")
    return _ILL.format(var=var, datatype=datatype)


def ordered(nodes, key=None) -> list:
    """``sorted(nodes, key=key)``, ties (terms rdflib orders as equal, such as ``"4"^^xsd:integer`` and
    ``"4.0"^^xsd:decimal``) in N3 order rather than in the order of a set."""
    return sorted(sorted(nodes, key=lambda n: n.n3()), key=key)


def term(node) -> str:
    """A ground term in SPARQL syntax (blank nodes of the shapes graph cannot be named in a query)."""
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return str(_ox_literal(node))
    raise Unsupported(f"blank node {node} used as a constant")


def _ox_literal(node: rdflib.Literal) -> ox.Literal:
    if node.language:
        return ox.Literal(str(node), language=node.language)
    if node.datatype:
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
    return ox.Literal(str(node))


_WRAPPERS = (
    (SH.inversePath, "^{}"),
    (SH.zeroOrMorePath, "{}*"),
    (SH.oneOrMorePath, "{}+"),
    (SH.zeroOrOnePath, "{}?"),
)


def sparql_path(sg: rdflib.Graph, node, depth: int = 0) -> str:
    """A SHACL path as a SPARQL property path."""
    if depth > 12:
        raise Unsupported("path nested too deeply")
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal) or node is None:
        raise Unsupported("a literal as a path")
    items = list(sg.items(node))
    if items:
        return "(" + "/".join(sparql_path(sg, i, depth + 1) for i in items) + ")"
    for prop, wrap in _WRAPPERS:
        inner = sg.value(node, prop)
        if inner is not None:
            return "(" + wrap.format(sparql_path(sg, inner, depth + 1)) + ")"
    alternatives = sg.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(sg, i, depth + 1) for i in sg.items(alternatives)) + ")"
    raise Unsupported(f"path {node} not understood")


class Names:
    """Fresh variable names for one compilation (``?_v1``, ``?_v2``...), so the same shapes always give the
    same query text, whatever was compiled before in the process."""

    def __init__(self) -> None:
        self.count = 0

    def fresh(self, prefix: str = "_v") -> str:
        self.count += 1
        return f"?{prefix}{self.count}"
