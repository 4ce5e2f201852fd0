"""Shapes to SPARQL: the plan of the fast SHACL engine, one query per constraint over all its focus nodes.

This module only writes query text, in the calling process: it reads the shapes graph and nothing else (no
store, no data). ``run.py`` sends the queries to a store. The shapes are read by pyshacl's own shapes-graph
loader (so both engines see the same parameters, messages, severities and SPARQL prefixes).

Each constraint of each shape becomes one SPARQL SELECT over *all* the shape's focus nodes at once (the
targets are part of the query), instead of one evaluation per focus node as pyshacl does. A shape nested
under ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone`` or ``sh:qualifiedValueShape`` becomes a
set of the nodes that violate it among candidates, by joins and ``MINUS`` (``_Compilation.violators``), or
a pattern that matches when a bound node violates it (``_Compilation.violated``, under ``EXISTS``), in the
query of the constraint that nests it (``shape_based.py``). The text depends only on the shapes: the
fresh variable names come from a counter owned by one ``compile_shapes`` call.

What is compiled (docs/validation-engines.md; the W3C test suite runs against it): every SHACL Core
constraint component (``components.py``, ``shape_based.py``), every target kind, every SHACL path,
``sh:property`` nesting, ``sh:deactivated``, and SHACL-SPARQL (``sparql_based.py``). A shape that uses
something else (``sh:expression``, ``sh:js``, ``$shapesGraph``...) is listed in ``Plan.fallback_shapes``
with the reason, for pyshacl; SHACL-AF rules and custom targets send the whole validation there. Recursive
shapes (undefined in SHACL) are a ``ShapesError`` naming the cycle.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import rdflib
from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.core.shape_based_constraints import PropertyConstraintComponent
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.errors import ConstraintLoadWarning
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, SH

from ...errors import ShapesError
from .components import VALUE_COMPILERS
from .plan import Check, Focus, Found, Plan, Rule, Site, either, values_of
from .shape_based import SHAPE_COMPILERS, filter_expression
from .sparql_based import component_rules, sparql_rules
from .terms import Names, Unsupported, instance_of, ordered, sparql_path, term

__all__ = ["COMPILED", "Check", "Plan", "compile_shapes", "sparql_path"]

_COMPILERS = {**VALUE_COMPILERS, **SHAPE_COMPILERS, SPARQLBasedConstraint: sparql_rules}
# The constraint parameters this engine compiles (every SHACL Core and SHACL-SPARQL one; SPARQL-based
# constraint components are found by their parameters, per shapes graph).
COMPILED = {
    p: kind
    for p, kind in CONSTRAINT_PARAMETERS_MAP.items()
    if kind in (*_COMPILERS, PropertyConstraintComponent)
}
# Shapes-graph features that change what pyshacl validates as a whole (SHACL-AF rules, custom targets,
# entailment regimes): with any of them the whole validation goes to pyshacl.
_WHOLE_GRAPH_FEATURES = (SH.rule, SH.target, SH.SPARQLTargetType, SH.entailment)


def _target_focus(shape) -> Focus | None:
    nodes, classes, implicit, objects_of, subjects_of = (set(t) for t in shape.target())
    classes |= implicit
    if not (nodes or classes or objects_of or subjects_of):
        return None
    for node in classes | set(objects_of) | set(subjects_of):
        if not isinstance(node, rdflib.URIRef):
            raise Unsupported("a target that is not an IRI")
    listed = " ".join(term(n) for n in ordered(nodes)) if nodes else ""

    def render(var: str) -> str:
        parts = [f"VALUES {var} {{ {listed} }}"] if nodes else []
        parts.extend(instance_of(var, c) for c in sorted(classes))
        parts.extend(f"{var} <{p}> [] ." for p in sorted(subjects_of))
        parts.extend(f"[] <{p}> {var} ." for p in sorted(objects_of))
        union = " UNION ".join("{ " + p + " }" for p in parts)
        # DISTINCT only for subjects-of / objects-of targets, which give a node once per triple. Class and
        # node targets give a node more than once only rarely (two targets, two classes of a closure, a
        # triple in two graphs), and every report query is a set of results anyway (DISTINCT rows,
        # COUNT(DISTINCT), MINUS, SPARQL rows read per focus node): hashing them cost 0.1-0.2 s per query at
        # 10^6. The sub-SELECT hides the pattern's own variables.
        distinct = "DISTINCT " if objects_of or subjects_of else ""
        return f"{{ SELECT {distinct}{var} WHERE {{ {union} }} }}"

    return render


def _nullable(sg: rdflib.Graph, node) -> bool:
    """Whether a SHACL path can be of length zero (its value nodes then include the focus node itself)."""
    if isinstance(node, rdflib.URIRef) or node is None:
        return False
    items = list(sg.items(node))
    if items:
        return all(_nullable(sg, i) for i in items)
    if (node, SH.zeroOrMorePath, None) in sg or (node, SH.zeroOrOnePath, None) in sg:
        return True
    for prop in (SH.inversePath, SH.oneOrMorePath):
        inner = sg.value(node, prop)
        if inner is not None:
            return _nullable(sg, inner)
    alternatives = sg.value(node, SH.alternativePath)
    return alternatives is not None and any(_nullable(sg, i) for i in sg.items(alternatives))


def compile_shapes(shapes: rdflib.Graph) -> Plan:
    """Compile every shape of ``shapes`` that has targets; list the ones that cannot be, with why.

    Raises ``ShapesError`` for shapes no engine can validate: recursive shapes, shapes pyshacl rejects,
    SPARQL queries the specification forbids.
    """
    for feature in _WHOLE_GRAPH_FEATURES:
        if (None, feature, None) in shapes or (None, RDF.type, feature) in shapes:
            return Plan([], {}, whole_graph=f"{shapes.qname(feature)} is not compiled")
    compilation = _Compilation(shapes, ShapesGraph(shapes))
    checks: list[Check] = []
    fallbacks: dict[rdflib.term.Node, str] = {}
    for shape in compilation.sg.shapes:
        try:
            focus = _target_focus(shape)
            if focus is None or shape.deactivated:
                continue
            checks.extend(compilation.checks(shape, focus))
        except Unsupported as why:
            fallbacks[shape.node] = str(why)
    return Plan(checks, fallbacks)


@dataclass
class _Compilation:
    """One ``compile_shapes`` call: the shapes graph, pyshacl's reading of it, the fresh names, the shapes
    being compiled (to find cycles) and the SPARQL prefixes the query being written needs."""

    graph: rdflib.Graph
    sg: ShapesGraph
    names: Names = field(default_factory=Names)
    stack: list = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)
    shapes_graph: bool = False  # the query being written uses $shapesGraph
    _never: dict = field(default_factory=dict)

    def shape(self, node):
        try:
            return self.sg.lookup_shape_from_node(node)
        except KeyError:
            raise ShapesError(
                f"shapes: {self.name(node)} is used as a shape but is none; define it"
            ) from None

    def name(self, node) -> str:
        """A shape as a reader finds it: its name, or a blank node by its path (``[sh:path ex:p]``)."""
        if isinstance(node, rdflib.BNode):
            path = self.graph.value(node, SH.path)
            return f"[sh:path {self.name(path)}]" if isinstance(path, rdflib.URIRef) else "[an unnamed shape]"
        try:
            return node.n3(self.graph.namespace_manager)
        except Exception:  # rdflib cannot shorten every IRI
            return node.n3()

    @contextlib.contextmanager
    def _entered(self, shape) -> Iterator[None]:
        """Compiling ``shape``: a shape met again inside itself is a cycle."""
        if shape.node in self.stack:
            cycle = [*self.stack[self.stack.index(shape.node) :], shape.node]
            names = " -> ".join(self.name(n) for n in cycle)
            raise ShapesError(
                f"shapes: recursive shapes are not supported: {names} (SHACL leaves their validation "
                "undefined); break the cycle"
            )
        self.stack.append(shape.node)
        try:
            yield
        finally:
            self.stack.pop()

    def _path(self, shape) -> tuple[str | None, bool]:
        """The SPARQL path of a property shape, and whether it can be of length zero."""
        if not shape.is_property_shape:
            return None, False
        return sparql_path(self.graph, shape.path()), _nullable(self.graph, shape.path())

    def checks(self, shape, focus: Focus) -> list[Check]:
        """The report queries of ``shape`` for the focus nodes ``focus`` (and of its ``sh:property`` shapes,
        whose focus nodes are its value nodes)."""
        if shape.deactivated:
            return []
        with self._entered(shape):
            path = self._path(shape)
            out = [self._check(site, rule, focus) for site, rule in self._rules(shape, path)]
            inner = _nested_focus(focus, path, self.names)
            for node in ordered(self.graph.objects(shape.node, SH.property), key=str):
                out.extend(self.checks(self.shape(node), inner))
        return out

    def _check(self, site: Site, rule: Rule, focus: Focus) -> Check:
        self.prefixes, self.shapes_graph = {}, False
        if rule.report is not None:
            query = rule.report(focus)
        else:
            query = site.select(focus, rule.where("?this", "?value"), value=rule.value_level)
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes.items())
        repeat = focus.repeat() if isinstance(focus, _NestedFocus) else None
        query = prologue + query
        return Check(
            site.shape,
            rule.component,
            query,
            site.constraint,
            rule.value_level,
            repeat=repeat,
            shapes_graph=self.shapes_graph,
            **rule.options,
        )

    def use_prefixes(self, prefixes: dict[str, str], *, shapes_graph: bool = False) -> None:
        """Declare the prefixes a SPARQL-based pattern uses in the query being written (and whether it
        queries the shapes graph)."""
        self.shapes_graph = self.shapes_graph or shapes_graph
        for prefix, namespace in prefixes.items():
            if self.prefixes.setdefault(prefix, namespace) != namespace:
                raise Unsupported(f"prefix {prefix}: bound to two namespaces in one query")

    def violated(self, node, var: str) -> str | None:
        """The pattern matching when the node bound to ``var`` violates the shape ``node`` (any result, any
        severity); None when it never can (deactivated, no constraints). Used under ``EXISTS``."""
        shape = self.shape(node)
        if shape.deactivated:
            return None
        with self._entered(shape):
            path = self._path(shape)
            parts = [
                rule.violated(var) if rule.violated else rule.where(var, self.names.fresh())
                for _, rule in self._rules(shape, path)
            ]
            for child in ordered(self.graph.objects(shape.node, SH.property), key=str):
                if path[0] is None:
                    parts.append(self.violated(child, var))
                    continue
                value = self.names.fresh()
                inner = self.violated(child, value)
                values = values_of(var, path[0], value, nullable=path[1])
                parts.append(f"{values} FILTER EXISTS {{ {inner} }}" if inner else None)
        found = [p for p in parts if p]
        if len(found) == 1:
            return found[0]
        return " UNION ".join("{ " + p + " }" for p in found) if found else None

    def violators(self, node, candidates: str, var: str) -> Found | None:
        """Set-at-a-time ``violated``: the ``Found`` set of the nodes bound to ``var`` that violate the shape
        ``node``, among ``candidates`` (a sub-SELECT binding ``var``); None when none can. Joins and
        ``MINUS`` over all the candidates at once: Oxigraph probes an ``EXISTS`` per node, and scans inside
        nested ones (6 s for 17,672 partners at 10^6, where the joins take 0.3 s)."""
        shape = self.shape(node)
        if shape.deactivated:
            return None
        with self._entered(shape):
            path, nullable = self._path(shape)
            found = [self._among(rule, candidates, var) for _, rule in self._rules(shape, (path, nullable))]
            for child in ordered(self.graph.objects(shape.node, SH.property), key=str):
                if path is None:
                    found.append(self.violators(child, candidates, var))
                    continue
                value = self.names.fresh()
                values = values_of(var, path, value, nullable=nullable)
                distinct = f"{{ SELECT DISTINCT {value} WHERE {{ {candidates} {values} }} }}"
                inner = self.violators(child, distinct, value)
                if inner is not None:  # a value that violates the property shape
                    found.append(Found(f"{candidates if nullable else ''} {values} {inner.joined()}"))
        found = [f for f in found if f is not None]
        return either(found) if found else None

    def _among(self, rule: Rule, candidates: str, var: str) -> Found:
        if rule.among is not None:
            return rule.among(candidates, var)
        pattern = rule.violated(var) if rule.violated else rule.where(var, self.names.fresh())
        expression = filter_expression(pattern)  # one FILTER: on the candidates directly, a probe less deep
        return Found(f"{candidates} FILTER {expression or f'EXISTS {{ {pattern} }}'}")

    def never_violated(self, node) -> bool:
        """Whether no node can violate the shape ``node`` (then it need not be written at all)."""
        if node not in self._never:
            saved = self.names.count
            self._never[node] = self.violated(node, "?_probe") is None
            self.names.count = saved
        return self._never[node]

    def _rules(self, shape, path: tuple[str | None, bool]) -> list[tuple[Site, Rule]]:
        """The rules of every constraint of ``shape`` (``sh:property`` aside), in a fixed order."""
        graph = self.graph
        if (shape.node, SH.expression, None) in graph or (shape.node, SH.js, None) in graph:
            raise Unsupported("sh:expression / sh:js not compiled")
        kinds = []
        for parameter in sorted(
            p for p, _ in graph.predicate_objects(shape.node) if p in CONSTRAINT_PARAMETERS_MAP
        ):
            kind = CONSTRAINT_PARAMETERS_MAP[parameter]
            if kind not in kinds and kind is not PropertyConstraintComponent:
                kinds.append(kind)
        out = []
        for kind in kinds:
            try:
                constraint = kind(shape)
            except (
                ConstraintLoadWarning
            ):  # pyshacl ignores these constraints (qualified counts on node shapes)
                continue
            except Exception as error:  # pyshacl's ConstraintLoadError: no engine can run the shape
                message = " ".join(str(getattr(error, "message", error)).split())
                raise ShapesError(f"shapes: shape {self.name(shape.node)}: {message}") from None
            site = Site(self, shape, constraint, *path)
            out.extend((site, rule) for rule in _COMPILERS[kind](constraint, site))
        site = Site(self, shape, None, *path)
        out.extend((site, rule) for rule in component_rules(site))
        return out


@dataclass(frozen=True)
class _NestedFocus:
    """Focus nodes of a shape under ``sh:property`` of a property shape: the value nodes of the parent.

    SHACL validates a value node once per focus node it is a value of (the W3C suite counts the results
    that way): ``chain`` is the pattern binding every chain of ancestors leading to a focus node, from which
    ``repeat`` counts how many times each focus node is validated.
    """

    parent: Focus
    path: str
    nullable: bool
    names: Names

    def __call__(self, var: str) -> str:
        outer = self.names.fresh("_f")
        values = values_of(outer, self.path, var, nullable=self.nullable)
        return f"{{ SELECT DISTINCT {var} WHERE {{ {self.parent(outer)} {values} }} }}"

    def chain(self, var: str) -> tuple[str, list[str]]:
        outer = self.names.fresh("_f")
        if isinstance(self.parent, _NestedFocus):
            pattern, ancestors = self.parent.chain(outer)
        else:
            pattern, ancestors = self.parent(outer), []
        return f"{pattern} {values_of(outer, self.path, var, nullable=self.nullable)}", [outer, *ancestors]

    def repeat(self) -> str:
        """The focus nodes validated more than once, with how many times (``?this``, ``?n``)."""
        pattern, ancestors = self.chain("?this")
        chains = f"SELECT DISTINCT ?this {' '.join(ancestors)} WHERE {{ {pattern} }}"
        return (
            f"SELECT ?this (COUNT(*) AS ?n) WHERE {{ {{ {chains} }} }} GROUP BY ?this HAVING (COUNT(*) > 1)"
        )


def _nested_focus(parent: Focus, path: tuple[str | None, bool], names: Names) -> Focus:
    """Focus nodes of a shape under ``sh:property``: those of a node shape, the value nodes of a property
    shape."""
    if path[0] is None:
        return parent
    return _NestedFocus(parent, path[0], path[1], names)
