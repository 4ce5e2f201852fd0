"""The compiled plan of the fast engine: checks (report queries) and rules (how one constraint is violated).

A ``Rule`` is one way one constraint of one shape is violated, written as SPARQL for a bound focus
variable. It serves twice: as a report query over all the focus nodes of a shape (a ``Check``, whose rows
are results), and as a pattern saying "this node violates the shape", nested with ``EXISTS`` in the
queries of ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone`` and ``sh:qualifiedValueShape``,
or, set-at-a-time, as the set of nodes that violate it among candidates (``Rule.among``, a ``Found``).
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

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "Check",
    "Focus",
    "Found",
    "Plan",
    "Rule",
    "Site",
    "both",
    "complement",
    "either",
    "values_of",
]

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


@dataclass(frozen=True)
class Found:
    """A set of nodes found set-at-a-time (``Rule.among``, ``_Compilation.violators``), among candidates (a
    sub-SELECT binding the node variable): ``pattern`` binds the variable to the nodes of the set, or, when
    ``negated``, to the nodes outside it (the set is the candidates ``MINUS`` the pattern). Either is exact
    on the candidates and may bind other nodes too: whoever uses it joins with the candidates. Keeping the
    negation lets sets combine by joins and ``MINUS`` without repeating the candidates' query in each part
    (``both``, ``either``, ``complement``)."""

    pattern: str
    negated: bool = False

    def among(self, candidates: str) -> str:
        """The pattern binding the variable to the nodes of the set among ``candidates``, or more."""
        return f"{candidates} {self.joined()}" if self.negated else self.pattern

    def joined(self) -> str:
        """What keeps, of a group binding the variable to candidates, the nodes of the set."""
        return f"MINUS {{ {self.pattern} }}" if self.negated else f"{{ {self.pattern} }}"


#: The empty set, and every candidate.
NOTHING = Found("FILTER (false)")
EVERYTHING = Found("FILTER (false)", negated=True)


def _group(patterns: list[str], joiner: str) -> str:
    return joiner.join("{ " + p + " }" for p in patterns)


def either(found: list[Found]) -> Found:
    """The union of sets. With a negated one, the nodes outside the union: outside every negated set and
    in none of the others (no candidates needed)."""
    if len(found) == 1:
        return found[0]
    inside = [f.pattern for f in found if not f.negated]
    outside = [f.pattern for f in found if f.negated]
    if not outside:
        return Found(_group(inside, " UNION ")) if inside else NOTHING
    pattern = _group(outside, " ")
    return Found(f"{pattern} MINUS {{ {_group(inside, ' UNION ')} }}" if inside else pattern, negated=True)


def both(found: list[Found]) -> Found:
    """The intersection of sets."""
    if not found:
        return EVERYTHING
    if len(found) == 1:
        return found[0]
    inside = [f.pattern for f in found if not f.negated]
    outside = [f.pattern for f in found if f.negated]
    if not inside:  # outside the intersection: outside any set
        return Found(_group(outside, " UNION "), negated=True)
    return Found(_group(inside, " ") + "".join(f" MINUS {{ {p} }}" for p in outside))


def complement(found: Found) -> Found:
    return Found(found.pattern, negated=not found.negated)


@dataclass
class Rule:
    """How one constraint is violated.

    ``where(this, value)``: with ``this`` bound, the pattern matching each violation (binding ``value`` for
    value-level components). ``report(focus)``: the report query, when it is not
    ``SELECT DISTINCT ?this ?value WHERE { focus where }`` (counts, pairs). ``violated(this)``: the pattern
    matching when ``this`` violates the constraint at all, when it is not ``where`` with a fresh value.
    ``options``: the ``Check`` fields of the report query (``python_datatype``, ``sparql``...).
    ``among(candidates, var)``: set-at-a-time, the ``Found`` set of nodes bound to ``var`` that violate
    the constraint, among ``candidates`` (a sub-SELECT binding ``var``). Without it, each candidate is
    probed with ``where`` (``_Compilation.violators``).
    """

    component: rdflib.URIRef
    where: Callable[[str, str], str]
    value_level: bool = True
    report: Callable[[Focus], str] | None = None
    violated: Callable[[str], str] | None = None
    options: dict = field(default_factory=dict)
    among: Callable[[str, str], Found] | None = None


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
            kw.setdefault("among", lambda candidates, var: Found(f"{candidates} FILTER ({test(var)})"))
        else:
            kw.setdefault("among", lambda candidates, var: self._among(test, candidates, var))
        return self.rule(lambda this, value: f"{self.values(this, value)} FILTER ({test(value)})", **kw)

    def _among(self, test: Callable[[str], str], candidates: str, var: str) -> Found:
        """The nodes with a value for which ``test`` holds. A test without ``EXISTS`` is cheap: every node's
        values are scanned and tested (the caller joins with the candidates); else, and on a path that
        gives the node itself, only the candidates' values."""
        value = self.fresh()
        found = f"{self.values(var, value)} FILTER ({test(value)})"
        if "EXISTS" in found or self.nullable:
            return Found(f"{candidates} {found}")
        return Found(found)

    def select(self, focus: Focus, body: str, *, value: bool = True) -> str:
        head = "SELECT DISTINCT ?this ?value" if value else "SELECT DISTINCT ?this"
        return f"{head} WHERE {{ {focus('?this')} {body} }}"
