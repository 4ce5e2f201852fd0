"""The compiled plan of the fast engine: checks (report queries) and rules (how one constraint is violated).

A ``Rule`` is one way one constraint of one shape is violated, written as SPARQL for a bound focus
variable. It serves twice: as a report query over all the focus nodes of a shape (a ``Check``, whose rows
are results), and as a pattern saying "this node violates the shape", nested with ``EXISTS`` in the
queries of ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone`` and ``sh:qualifiedValueShape``.
Every variable a pattern introduces is fresh (``Names``), so patterns nest without capturing each other's
variables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rdflib

if TYPE_CHECKING:
    from .terms import Names

__all__ = ["Check", "Focus", "Plan", "Rule", "Site", "values_of"]

# The focus nodes of a shape, as a SPARQL group pattern binding the variable it is given.
Focus = Callable[[str], str]


@dataclass
class Check:
    """One SPARQL query for one constraint of one shape, and how to turn its rows into results."""

    shape: Any  # pyshacl Shape
    component: rdflib.URIRef
    query: str
    constraint: Any  # the pyshacl constraint component (for generic messages)
    value_level: bool = True  # rows carry ?value
    sparql: Any = None  # SPARQL-based constraints: how rows are read and messages made (sparql_based.py)
    this_projected: bool = True
    python_datatype: rdflib.URIRef | None = None  # rows are candidates, checked with rdflib
    path_var: bool = False  # rows carry ?path, the result path (sh:closed)
    shapes_graph: bool = False  # uses $shapesGraph: runs on a copy of the data with the shapes graph in it
    repeat: str | None = None  # query: focus nodes validated more than once (nested sh:property), how often


@dataclass
class Plan:
    checks: list[Check]
    fallback_shapes: dict[rdflib.term.Node, str]
    whole_graph: str | None = None


@dataclass
class Rule:
    """How one constraint is violated.

    ``where(this, value)``: with ``this`` bound, the pattern matching each violation (binding ``value`` for
    value-level components). ``report(focus)``: the report query, when it is not
    ``SELECT DISTINCT ?this ?value WHERE { focus where }`` (counts, pairs). ``violated(this)``: the pattern
    matching when ``this`` violates the constraint at all, when it is not ``where`` with a fresh value.
    ``options``: the ``Check`` fields of the report query (``python_datatype``, ``sparql``...).
    """

    component: rdflib.URIRef
    where: Callable[[str, str], str]
    value_level: bool = True
    report: Callable[[Focus], str] | None = None
    violated: Callable[[str], str] | None = None
    options: dict = field(default_factory=dict)


def values_of(this: str, path: str | None, value: str, *, nullable: bool = False) -> str:
    """The pattern binding ``value`` to each value node of ``this`` (``this`` bound before it).

    A path that can be of length zero (``nullable``) also gives ``this`` itself, written out: Oxigraph
    matches zero-length paths only from nodes the store holds, and a focus node need not be one.
    """
    if path is None:
        return f"BIND ({this} AS {value})"
    if nullable:
        return f"LATERAL {{ {{ {this} {path} {value} }} UNION {{ BIND ({this} AS {value}) }} }}"
    return f"{this} {path} {value} ."


@dataclass(frozen=True)
class Site:
    """Where a constraint is compiled: its shape, constraint and the shape's SPARQL path (property shapes)."""

    compilation: Any  # compile._Compilation
    shape: Any  # pyshacl Shape
    constraint: Any  # pyshacl constraint component
    path: str | None
    nullable: bool = False  # the path can be of length zero

    @property
    def names(self) -> Names:
        return self.compilation.names

    @property
    def graph(self) -> rdflib.Graph:
        return self.compilation.graph

    def fresh(self, prefix: str = "_v") -> str:
        return self.names.fresh(prefix)

    def values(self, this: str, value: str) -> str:
        """The pattern binding ``value`` to each value node of ``this``."""
        return values_of(this, self.path, value, nullable=self.nullable)

    def has(self, this: str, value: str) -> str:
        """The pattern "``value`` is a value node of ``this``", both bound (under ``EXISTS``)."""
        if self.path is None:
            return f"FILTER (sameTerm({this}, {value}))"
        if self.nullable:
            return f"{{ {this} {self.path} {value} }} UNION {{ FILTER (sameTerm({this}, {value})) }}"
        return f"{this} {self.path} {value} ."

    def rule(self, where: Callable[[str, str], str], **kw) -> Rule:
        component = kw.pop("component", None) or self.constraint.shacl_constraint_component
        return Rule(component, where, **kw)

    def filtered(self, test: Callable[[str], str], **kw) -> Rule:
        """The value nodes for which ``test(value variable)`` holds. On a node shape the value node is the
        focus node itself: nested, the test reads it directly."""
        if self.path is None:
            kw.setdefault("violated", lambda this: f"FILTER ({test(this)})")
        return self.rule(lambda this, value: f"{self.values(this, value)} FILTER ({test(value)})", **kw)

    def select(self, focus: Focus, body: str, *, value: bool = True) -> str:
        head = "SELECT DISTINCT ?this ?value" if value else "SELECT DISTINCT ?this"
        return f"{head} WHERE {{ {focus('?this')} {body} }}"
