"""The logical and shape-based constraint components: ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``,
``sh:xone`` and ``sh:qualifiedValueShape``.

A value node conforms to a nested shape when it is not among the shape's violators. Report queries find
them set-at-a-time (``_Compilation.violators`` in ``compile.py``: sets of nodes as joins and ``MINUS``
over the distinct value nodes, ``plan.Found``), then join the failing values back to their focus nodes;
nested under an ``EXISTS`` (``sh:xone``'s counts, and tests with no probe inside a probe), the shape's
violation pattern (``_Compilation.violated``: the union of the patterns of its constraints, its
``sh:property`` shapes included) is tested with the value bound. Each constraint stays one query over all
focus nodes, nested shapes included. A nested shape that can never be violated (deactivated, or without
constraints) conforms: the patterns leave it out.
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
from .plan import NOTHING, Focus, Found, Rule, Site, both, complement, either
from .terms import COUNT_LIMIT, ordered

__all__ = ["SHAPE_COMPILERS", "filter_expression"]


def _violates(site: Site, shape, value: str) -> str | None:
    """``EXISTS { value violates shape }``, or None when the shape cannot be violated. A pattern that is one
    FILTER on the value is that FILTER's expression (one EXISTS less for each node checked)."""
    pattern = site.compilation.violated(shape, value)
    if pattern is None:
        return None
    return filter_expression(pattern) or f"EXISTS {{ {pattern} }}"


def filter_expression(pattern: str) -> str | None:
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


def _distinct_values(site: Site, focus: Focus, value: str) -> str:
    """The sub-query binding ``value`` to each distinct value node of the focus nodes ``focus``."""
    outer = site.fresh("_f")
    return f"{{ SELECT DISTINCT {value} WHERE {{ {focus(outer)} {site.values(outer, value)} }} }}"


# A set of nodes, set-at-a-time: ``Failing(candidates, var)`` is the ``Found`` set of the nodes bound to
# ``var`` that fail a constraint, among ``candidates`` (a sub-SELECT binding ``var``).
Failing = Callable[[str, str], Found]


def _set_rule(site: Site, test: Callable[[str], str], failing: Failing) -> Rule:
    """``site.filtered(test)`` (nested under another shape's ``EXISTS``) whose set form (``Rule.among``) and,
    when ``test`` nests a probe in a probe, report query find the failing value nodes with ``failing``: each
    distinct value node once, by joins and ``MINUS`` over all of them, then joined back to its focus nodes.
    Oxigraph probes an ``EXISTS`` per row, and scans inside nested ones: at 10^6 the ``sh:node`` check of
    67,279 memberships took 3.4 s by probes, 0.8 s as sets. A test with no probe in a probe stays a filter
    in the report: as fast, or faster (no distinct values to collect)."""
    rule = site.filtered(test)
    rule.among = lambda candidates, var: _failing_values(site, failing, candidates, var)
    if not _nested_probe(test("?_probe")):
        return rule

    def report(focus: Focus) -> str:
        if site.path is None:
            return site.select(focus, f"{failing(focus('?this'), '?this').joined()} BIND (?this AS ?value)")
        found = failing(_distinct_values(site, focus, "?value"), "?value")
        return site.select(focus, f"{site.values('?this', '?value')} {found.joined()}")

    rule.report = report
    return rule


def _failing_values(site: Site, failing: Failing, candidates: str, var: str) -> Found:
    """The nodes among ``candidates`` with a value node that fails (on a node shape: that fail)."""
    if site.path is None:
        return failing(candidates, var)
    value = site.fresh()
    values = site.values(var, value)
    distinct = f"{{ SELECT DISTINCT {value} WHERE {{ {candidates} {values} }} }}"
    return Found(f"{_scope(site, candidates)} {values} {failing(distinct, value).joined()}")


def _nested_probe(expression: str) -> bool:
    """Whether ``expression`` has an ``EXISTS`` inside an ``EXISTS``: a probe per row that Oxigraph answers
    by scanning (the set form is then 5-10x faster; without it, a filter is as fast)."""
    inside: list[int] = []  # the brace depth of each EXISTS being read
    depth = 0
    for i, ch in code(expression):
        if ch == "{":
            if expression[:i].rstrip().endswith("EXISTS"):
                if inside:
                    return True
                inside.append(depth)
            depth += 1
        elif ch == "}":
            depth -= 1
            if inside and inside[-1] == depth:
                inside.pop()
    return False


def _scope(site: Site, candidates: str) -> str:
    """What a set-at-a-time pattern over the values of nodes starts from: every node's values (a scan the
    candidates are joined with later), or the candidates' when the path gives the node itself (then bound)."""
    return candidates if site.nullable else ""


def _violators(site: Site, shape) -> Failing:
    return lambda candidates, var: site.compilation.violators(shape, candidates, var) or NOTHING


def _conforming(site: Site, shape) -> Failing:
    return lambda candidates, var: complement(_violators(site, shape)(candidates, var))


def _node(c: NodeConstraintComponent, site: Site) -> list[Rule]:
    shapes = [s for s in ordered(c.node_shapes, key=str) if not site.compilation.never_violated(s)]
    return [
        _set_rule(site, lambda v, s=shape: _violates(site, s, v), _violators(site, shape)) for shape in shapes
    ]


def _not(c: NotConstraintComponent, site: Site) -> list[Rule]:
    return [
        _set_rule(site, lambda v, s=shape: _conforms(site, s, v), _conforming(site, shape))
        for shape in ordered(c.not_list, key=str)
    ]


def _and(c: AndConstraintComponent, site: Site) -> list[Rule]:
    out = []
    for members in _members(site, c.and_list):
        members = [s for s in members if not site.compilation.never_violated(s)]
        if not members:
            continue

        def any_fails(candidates: str, var: str, members=members) -> Found:
            return either([_violators(site, s)(candidates, var) for s in members])

        test = lambda v, m=members: " || ".join(_violates(site, s, v) for s in m)  # noqa: E731
        out.append(_set_rule(site, test, any_fails))
    return out


def _or(c: OrConstraintComponent, site: Site) -> list[Rule]:
    out = []
    for members in _members(site, c.or_list):
        if any(site.compilation.never_violated(s) for s in members):
            continue

        def all_fail(candidates: str, var: str, members=members) -> Found:
            return both([_violators(site, s)(candidates, var) for s in members])

        test = lambda v, m=members: " && ".join(_violates(site, s, v) for s in m) or "true"  # noqa: E731
        out.append(_set_rule(site, test, all_fail))
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

        def passing(candidates: str, var: str, shape=shape, siblings=siblings) -> Found:
            """The candidates counted: conforming to the shape, violating each sibling (set-at-a-time)."""
            found = [_violators(site, s)(candidates, var) for s in siblings]
            return both([_conforming(site, shape)(candidates, var), *found])

        if c.min_count is not None and c.min_count > 0:
            out.append(
                _count_rule(site, counted, passing, c.min_count, SH.QualifiedMinCountConstraintComponent)
            )
        if c.max_count is not None:
            out.append(
                _count_rule(site, counted, passing, c.max_count, SH.QualifiedMaxCountConstraintComponent)
            )
    return out


def _count_rule(site: Site, counted: Callable[[str], str], passing, n: int, component) -> Rule:
    """Too few (``QualifiedMinCount``) or too many (``QualifiedMaxCount``) value nodes pass ``counted``.
    Report and set form: the distinct value nodes counted are found once (``passing``) and joined back to
    their focus nodes; too few: the candidates ``MINUS`` those with enough (an anti-join, not a probe)."""
    too_few = component == SH.QualifiedMinCountConstraintComponent
    n = min(n, COUNT_LIMIT)

    def among(candidates: str, var: str) -> Found:
        v = site.fresh()
        values = site.values(var, v)
        counted_values = passing(f"{{ SELECT DISTINCT {v} WHERE {{ {candidates} {values} }} }}", v)
        grouped = (
            f"SELECT {var} WHERE {{ {_scope(site, candidates)} {values} {counted_values.joined()} }} "
            f"GROUP BY {var} HAVING (COUNT(DISTINCT {v}) {'>=' if too_few else '>'} {n})"
        )
        return Found(f"{{ {grouped} }}", negated=too_few)  # too few: not among those with enough

    def report(focus: Focus) -> str:
        return f"SELECT DISTINCT ?this WHERE {{ {focus('?this')} {among(focus('?this'), '?this').joined()} }}"

    def where(this: str, _: str) -> str:
        v = site.fresh()
        grouped = (
            f"SELECT {this} WHERE {{ {site.values(this, v)} FILTER ({counted(v)}) }} "
            f"GROUP BY {this} HAVING (COUNT(DISTINCT {v}) {'>=' if too_few else '>'} {n})"
        )
        return f"FILTER {'NOT ' if too_few else ''}EXISTS {{ {grouped} }}"

    return site.rule(where, value_level=False, report=report, among=among, component=component)


SHAPE_COMPILERS: dict[type, Callable[..., list[Rule]]] = {
    NodeConstraintComponent: _node,
    NotConstraintComponent: _not,
    AndConstraintComponent: _and,
    OrConstraintComponent: _or,
    XoneConstraintComponent: _xone,
    QualifiedValueShapeConstraintComponent: _qualified,
}
