"""The logical and shape-based constraint components: ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``,
``sh:xone`` and ``sh:qualifiedValueShape``.

A value node conforms to a nested shape when the shape's violation pattern (``_Compilation.violated`` in
``compile.py``: the union of the patterns of its constraints, its ``sh:property`` shapes included) does not
match it. These compilers put that pattern under ``EXISTS`` with the value bound, so each constraint stays
one query over all focus nodes, nested shapes included. A nested shape that can never be violated
(deactivated, or without constraints) conforms: the patterns leave it out.
"""

from __future__ import annotations

from collections.abc import Callable

from pyshacl.constraints.core.logical_constraints import (
    AndConstraintComponent,
    NotConstraintComponent,
    OrConstraintComponent,
    XoneConstraintComponent,
)
from pyshacl.constraints.core.shape_based_constraints import (
    NodeConstraintComponent,
    QualifiedValueShapeConstraintComponent,
)
from rdflib import SH

from ...sparql_text import code
from .plan import Focus, Rule, Site
from .terms import COUNT_LIMIT, ordered

__all__ = ["SHAPE_COMPILERS"]


def _violates(site: Site, shape, value: str) -> str | None:
    """``EXISTS { value violates shape }``, or None when the shape cannot be violated. A pattern that is one
    FILTER on the value is that FILTER's expression (one EXISTS less for each node checked)."""
    pattern = site.compilation.violated(shape, value)
    if pattern is None:
        return None
    return _filter_expression(pattern) or f"EXISTS {{ {pattern} }}"


def _filter_expression(pattern: str) -> str | None:
    """The expression of a pattern made of a single ``FILTER``, else None."""
    if not pattern.startswith("FILTER "):
        return None
    expression = pattern[len("FILTER ") :]
    depth, closed_at = 0, None
    for i, ch in code(expression):
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth == 0:
                closed_at = i
                break
    if closed_at != len(expression) - 1 or not expression.startswith(("(", "NOT EXISTS {", "EXISTS {")):
        return None
    return expression


def _conforms(site: Site, shape, value: str) -> str:
    found = _violates(site, shape, value)
    return "true" if found is None else f"!{found}"


def _members(site: Site, lists) -> list[list]:
    """The shapes of each SHACL list given (``sh:and``, ``sh:or``, ``sh:xone``), one list per value."""
    return [list(site.graph.items(node)) for node in ordered(lists, key=str)]


def _node(c: NodeConstraintComponent, site: Site) -> list[Rule]:
    shapes = [s for s in ordered(c.node_shapes, key=str) if not site.compilation.never_violated(s)]
    return [site.filtered(lambda v, s=shape: _violates(site, s, v)) for shape in shapes]


def _not(c: NotConstraintComponent, site: Site) -> list[Rule]:
    return [site.filtered(lambda v, s=shape: _conforms(site, s, v)) for shape in ordered(c.not_list, key=str)]


def _and(c: AndConstraintComponent, site: Site) -> list[Rule]:
    out = []
    for members in _members(site, c.and_list):
        members = [s for s in members if not site.compilation.never_violated(s)]
        if members:
            out.append(site.filtered(lambda v, m=members: " || ".join(_violates(site, s, v) for s in m)))
    return out


def _or(c: OrConstraintComponent, site: Site) -> list[Rule]:
    out = []
    for members in _members(site, c.or_list):
        if not any(site.compilation.never_violated(s) for s in members):
            out.append(
                site.filtered(lambda v, m=members: " && ".join(_violates(site, s, v) for s in m) or "true")
            )
    return out


def _xone(c: XoneConstraintComponent, site: Site) -> list[Rule]:
    out = []
    for members in _members(site, c.xone_nodes):

        def test(v: str, members=members) -> str:
            counted = [_violates(site, s, v) for s in members]
            terms = ["1" if t is None else f"IF({t}, 0, 1)" for t in counted] or ["0"]
            return f"({' + '.join(terms)}) != 1"

        out.append(site.filtered(test))
    return out


# --- sh:qualifiedValueShape ---------------------------------------------------------------------------------


def _siblings(site: Site, c: QualifiedValueShapeConstraintComponent, shape) -> list:
    """The sibling shapes of ``shape`` (SHACL 4.7.3): the qualified value shapes of the other property shapes
    of the shapes that have this one under ``sh:property``."""
    if not c.is_disjoint:
        return []
    graph, found = site.graph, set()
    for parent in graph.subjects(SH.property, site.shape.node):
        for sibling in graph.objects(parent, SH.property):
            found.update(graph.objects(sibling, SH.qualifiedValueShape))
    found.discard(shape)
    return ordered(found, key=str)


def _qualified(c: QualifiedValueShapeConstraintComponent, site: Site) -> list[Rule]:
    """``sh:qualifiedMinCount`` / ``sh:qualifiedMaxCount``: the number of value nodes that conform to the
    shape (and to none of its siblings when disjoint), counted per focus node."""
    out = []
    for shape in ordered(c.value_shapes, key=str):
        siblings = _siblings(site, c, shape)

        def counted(v: str, shape=shape, siblings=siblings) -> str:
            parts = [_conforms(site, shape, v)] + [_violates(site, s, v) or "false" for s in siblings]
            return " && ".join(parts)

        if c.min_count is not None and c.min_count > 0:
            out.append(_count_rule(site, counted, c.min_count, SH.QualifiedMinCountConstraintComponent))
        if c.max_count is not None:
            out.append(_count_rule(site, counted, c.max_count, SH.QualifiedMaxCountConstraintComponent))
    return out


def _count_rule(site: Site, counted: Callable[[str], str], n: int, component) -> Rule:
    """Too few (``QualifiedMinCount``) or too many (``QualifiedMaxCount``) value nodes pass ``counted``."""
    too_few = component == SH.QualifiedMinCountConstraintComponent
    n = min(n, COUNT_LIMIT)

    def report(focus: Focus) -> str:
        values = f"{site.values('?this', '?value')} FILTER ({counted('?value')})"
        if too_few:
            return (
                f"SELECT ?this WHERE {{ {focus('?this')} OPTIONAL {{ {values} }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
            )
        return (
            f"SELECT ?this WHERE {{ {focus('?this')} {values} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
        )

    def where(this: str, _: str) -> str:
        v = site.fresh()
        grouped = (
            f"SELECT {this} WHERE {{ {site.values(this, v)} FILTER ({counted(v)}) }} "
            f"GROUP BY {this} HAVING (COUNT(DISTINCT {v}) {'>=' if too_few else '>'} {n})"
        )
        return f"FILTER {'NOT ' if too_few else ''}EXISTS {{ {grouped} }}"

    return site.rule(where, value_level=False, report=report, component=component)


SHAPE_COMPILERS: dict[type, Callable[..., list[Rule]]] = {
    NodeConstraintComponent: _node,
    NotConstraintComponent: _not,
    AndConstraintComponent: _and,
    OrConstraintComponent: _or,
    XoneConstraintComponent: _xone,
    QualifiedValueShapeConstraintComponent: _qualified,
}
