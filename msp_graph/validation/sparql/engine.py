"""The fast SHACL engine: shapes compiled to SPARQL queries evaluated set-at-a-time on the store.

Each constraint of each shape becomes one SPARQL SELECT over *all* the shape's focus nodes at once (the
targets are part of the query), instead of one evaluation per focus node as pyshacl does. The queries go
through ``Store.query``, so they run inside Oxigraph for the embedded store and inside the endpoint for a
remote store. The shapes are read by pyshacl's own shapes-graph loader (so both engines see the same
parameters, messages, severities and SPARQL prefixes); only the evaluation differs. The result is a SHACL
report graph of the same form as pyshacl's, so both engines feed the same ``ValidationReport``.

What is compiled (see docs/validation-engines.md for the list and the W3C test cases run against it):
targets (``sh:targetClass`` following ``rdfs:subClassOf*`` in the data, ``sh:targetNode``,
``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, implicit class targets), every SHACL path, ``sh:property``
nesting, ``sh:deactivated``, ``sh:severity``, ``sh:message``, and the components in ``COMPILED``. A shape
that uses anything else (``sh:node``, ``sh:or``, ``sh:qualifiedValueShape``...) is validated by pyshacl, that
shape only, and the report says so (``ValidationNotes``).

>>> from msp_graph.loading import open_store
>>> from msp_graph.validation import load_shapes
>>> store = open_store()
>>> shapes, _ = load_shapes()
>>> conforms, report, notes = validate_store(store, shapes)       # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.core.cardinality_constraints import (
    MaxCountConstraintComponent,
    MinCountConstraintComponent,
)
from pyshacl.constraints.core.other_constraints import HasValueConstraintComponent, InConstraintComponent
from pyshacl.constraints.core.shape_based_constraints import PropertyConstraintComponent
from pyshacl.constraints.core.string_based_constraints import (
    MaxLengthConstraintComponent,
    MinLengthConstraintComponent,
    PatternConstraintComponent,
)
from pyshacl.constraints.core.value_constraints import (
    ClassConstraintComponent,
    DatatypeConstraintComponent,
    NodeKindConstraintComponent,
)
from pyshacl.constraints.core.value_range_constraints import (
    MaxExclusiveConstraintComponent,
    MaxInclusiveConstraintComponent,
    MinExclusiveConstraintComponent,
    MinInclusiveConstraintComponent,
)
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from pyshacl.rdfutil.clone import clone_blank_node
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, SH, XSD

from ...sparql_text import code
from ...stores import Store
from ...stores.terms import rdflib_term
from ..reference import run_pyshacl

__all__ = ["COMPILED", "ValidationNotes", "compile_shapes", "validate_store"]

log = logging.getLogger(__name__)

# The constraint parameters this engine compiles; any other parameter sends its shape to pyshacl.
COMPILED = {
    SH.minCount: MinCountConstraintComponent,
    SH.maxCount: MaxCountConstraintComponent,
    SH["class"]: ClassConstraintComponent,
    SH.datatype: DatatypeConstraintComponent,
    SH.nodeKind: NodeKindConstraintComponent,
    SH["in"]: InConstraintComponent,
    SH.hasValue: HasValueConstraintComponent,
    SH.pattern: PatternConstraintComponent,
    SH.flags: PatternConstraintComponent,
    SH.minLength: MinLengthConstraintComponent,
    SH.maxLength: MaxLengthConstraintComponent,
    SH.minInclusive: MinInclusiveConstraintComponent,
    SH.maxInclusive: MaxInclusiveConstraintComponent,
    SH.minExclusive: MinExclusiveConstraintComponent,
    SH.maxExclusive: MaxExclusiveConstraintComponent,
    SH.sparql: SPARQLBasedConstraint,
    SH.property: PropertyConstraintComponent,
}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Shapes-graph features that change what pyshacl validates as a whole (SHACL-AF rules, custom targets,
# custom constraint components): with any of them the whole validation goes to pyshacl.
_WHOLE_GRAPH_FEATURES = (SH.rule, SH.target, SH.ConstraintComponent, SH.SPARQLTargetType, SH.entailment)
_INSTANCE_OF = f"<{RDF.type}>/<{rdflib.RDFS.subClassOf}>*"
# "?var is an instance of <class>" is written into the compiled queries as this marker, and expanded when the
# queries run: the subclass closure of the class is read from the store once, and the marker becomes
# ``VALUES ?c { ...closure... } ?var rdf:type ?c`` (one index lookup per node, instead of a property path
# walked per node). The meaning is the same: the closure comes from the same data, with the same path.
_MARK = "\x00INSTANCE {var} <{cls}>\x00"
_MARKED = re.compile("\x00INSTANCE (\\S+) <([^>\x00]*)>\x00")


def _instance_of(var: str, cls) -> str:
    """The pattern "``var`` is an instance of ``cls``" (through ``rdfs:subClassOf*``), as a marker."""
    if isinstance(cls, rdflib.URIRef) and ">" not in cls:
        return _MARK.format(var=var, cls=cls)
    return f"{var} {_INSTANCE_OF} {_term(cls)} ."


_RANGE_COMPONENTS = (
    MinInclusiveConstraintComponent,
    MaxInclusiveConstraintComponent,
    MinExclusiveConstraintComponent,
    MaxExclusiveConstraintComponent,
)
_RANGE = {
    SH.minInclusive: ">=",
    SH.maxInclusive: "<=",
    SH.minExclusive: ">",
    SH.maxExclusive: "<",
}


@dataclass
class ValidationNotes:
    """What the fast engine did: queries run, and the shapes it handed to pyshacl (with the reason)."""

    queries: int = 0
    fallbacks: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"shape {shape} validated by pyshacl: {why}" for shape, why in sorted(self.fallbacks.items())]


class _Unsupported(Exception):
    """A shape uses something this engine does not compile (the message says what)."""


# --- SPARQL text of terms and paths -----------------------------------------------------------------------


def _term(node) -> str:
    """A ground term in SPARQL syntax (blank nodes of the shapes graph cannot be named in a query)."""
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return str(_ox_literal(node))
    raise _Unsupported(f"blank node {node} used as a constant")


def _ox_literal(node: rdflib.Literal) -> ox.Literal:
    if node.language:
        return ox.Literal(str(node), language=node.language)
    if node.datatype:
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
    return ox.Literal(str(node))


def _path(sg: rdflib.Graph, node, depth: int = 0) -> str:
    """A SHACL path as a SPARQL property path."""
    if depth > 12:
        raise _Unsupported("path nested too deeply")
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        raise _Unsupported("a literal as a path")
    items = list(sg.items(node))
    if items:
        return "(" + "/".join(_path(sg, i, depth + 1) for i in items) + ")"
    for prop, wrap in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = sg.value(node, prop)
        if inner is not None:
            return "(" + wrap.format(_path(sg, inner, depth + 1)) + ")"
    alternatives = sg.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(sg, i, depth + 1) for i in sg.items(alternatives)) + ")"
    raise _Unsupported(f"path {node} not understood")


# --- the compiled plan ------------------------------------------------------------------------------------


@dataclass
class _Check:
    """One SPARQL query for one constraint of one shape, and how to turn its rows into results."""

    shape: object  # pyshacl Shape
    component: rdflib.URIRef
    query: str
    constraint: object  # the pyshacl constraint component (for generic messages)
    value_level: bool = True  # rows carry ?value
    sparql: object | None = None  # pyshacl SPARQLQueryHelper for sh:sparql
    this_projected: bool = True
    python_datatype: rdflib.URIRef | None = None  # rows are candidates, checked with rdflib


class _Focus:
    """The focus nodes of a shape as a SPARQL group pattern binding a given variable."""

    def __init__(self, render):
        self.render = render

    def __call__(self, var: str) -> str:
        return self.render(var)


def _target_focus(shape, sg: rdflib.Graph) -> _Focus | None:
    nodes, classes, implicit, objects_of, subjects_of = (set(t) for t in shape.target())
    classes |= implicit
    if not (nodes or classes or objects_of or subjects_of):
        return None
    for node in classes | set(objects_of) | set(subjects_of):
        if not isinstance(node, rdflib.URIRef):
            raise _Unsupported("a target that is not an IRI")

    def render(var: str) -> str:
        parts = []
        if nodes:
            parts.append(f"VALUES {var} {{ {' '.join(_term(n) for n in sorted(nodes))} }}")
        parts.extend(_instance_of(var, c) for c in sorted(classes))
        parts.extend(f"{var} <{p}> [] ." for p in sorted(subjects_of))
        parts.extend(f"[] <{p}> {var} ." for p in sorted(objects_of))
        union = " UNION ".join("{ " + p + " }" for p in parts)
        return f"{{ SELECT DISTINCT {var} WHERE {{ {union} }} }}"

    return _Focus(render)


_fresh = [0]


def _nested_focus(parent: _Focus, parent_shape, sg: rdflib.Graph) -> _Focus:
    """Focus nodes of a shape under ``sh:property``: the value nodes of the parent shape."""
    if not parent_shape.is_property_shape:
        return parent
    path = _path(sg, parent_shape.path())

    def render(var: str) -> str:
        _fresh[0] += 1
        outer = f"?_f{_fresh[0]}"
        return f"{{ SELECT DISTINCT {var} WHERE {{ {parent(outer)} {outer} {path} {var} . }} }}"

    return _Focus(render)


@dataclass
class _Plan:
    checks: list[_Check]
    fallback_shapes: dict[rdflib.term.Node, str]
    whole_graph: str | None = None


def compile_shapes(shapes: rdflib.Graph) -> _Plan:
    """Compile every shape of ``shapes`` that has targets; list the ones that cannot be, with why."""
    for feature in _WHOLE_GRAPH_FEATURES:
        if (None, feature, None) in shapes or (None, RDF.type, feature) in shapes:
            return _Plan([], {}, whole_graph=f"{shapes.qname(feature)} is not compiled")
    sg = ShapesGraph(shapes)
    checks: list[_Check] = []
    fallbacks: dict[rdflib.term.Node, str] = {}
    for shape in sg.shapes:
        try:
            focus = _target_focus(shape, shapes)
            if focus is None or shape.deactivated:
                continue
            checks.extend(_compile_shape(shape, focus, sg, shapes, depth=0))
        except _Unsupported as why:
            fallbacks[shape.node] = str(why)
    return _Plan(checks, fallbacks)


def _compile_shape(shape, focus: _Focus, sg: ShapesGraph, graph: rdflib.Graph, *, depth: int) -> list[_Check]:
    if shape.deactivated:
        return []
    if depth > 8:
        raise _Unsupported("sh:property nested too deeply")
    parameters = {p for p, _ in graph.predicate_objects(shape.node) if p in CONSTRAINT_PARAMETERS_MAP}
    unsupported = sorted(graph.qname(p) for p in parameters if p not in COMPILED)
    if unsupported:
        raise _Unsupported(", ".join(unsupported) + " not compiled")
    if (shape.node, SH.expression, None) in graph or (shape.node, SH.js, None) in graph:
        raise _Unsupported("sh:expression / sh:js not compiled")
    path = _path(graph, shape.path()) if shape.is_property_shape else None
    values = f"?this {path} ?value ." if path else "BIND (?this AS ?value)"
    checks = []
    done = set()
    for parameter in sorted(parameters):
        kind = COMPILED[parameter]
        if kind in done:
            continue
        done.add(kind)
        try:
            constraint = kind(shape)
        except Exception as error:  # pyshacl's ConstraintLoadError and friends: pyshacl reports them
            raise _Unsupported(f"pyshacl rejects the shape ({type(error).__name__})") from None
        if kind is PropertyConstraintComponent:
            inner = _nested_focus(focus, shape, graph)
            for node in constraint.property_shapes:
                checks.extend(
                    _compile_shape(sg.lookup_shape_from_node(node), inner, sg, graph, depth=depth + 1)
                )
            continue
        checks.extend(_compile_constraint(shape, constraint, focus, path, values, graph))
    return checks


def _select(focus: _Focus, body: str, *, value: bool = True) -> str:
    head = "SELECT DISTINCT ?this ?value" if value else "SELECT DISTINCT ?this"
    return f"{head} WHERE {{ {focus('?this')} {body} }}"


def _compile_constraint(shape, c, focus: _Focus, path, values, graph) -> list[_Check]:
    cc = c.shacl_constraint_component

    def check(query: str, **kw) -> _Check:
        return _Check(shape, cc, query, c, **kw)

    if isinstance(c, MinCountConstraintComponent):
        if path is None:
            raise _Unsupported("sh:minCount on a node shape")
        n = int(c.min_count.value)
        if n <= 0:
            return []
        if n == 1:
            return [
                check(_select(focus, f"FILTER NOT EXISTS {{ {values} }}", value=False), value_level=False)
            ]
        query = (
            f"SELECT ?this WHERE {{ {focus('?this')} OPTIONAL {{ {values} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
        )
        return [check(query, value_level=False)]
    if isinstance(c, MaxCountConstraintComponent):
        if path is None:
            raise _Unsupported("sh:maxCount on a node shape")
        n = int(c.max_count.value)
        query = (
            f"SELECT ?this WHERE {{ {focus('?this')} {values} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
        )
        return [check(query, value_level=False)]
    if isinstance(c, ClassConstraintComponent):
        return [
            check(
                _select(
                    focus,
                    f"{values} FILTER NOT EXISTS {{ {_instance_of('?value', k)} }}",
                )
            )
            for k in c.class_rules
        ]
    if isinstance(c, DatatypeConstraintComponent):
        return _datatype(check, c.datatype_rule, focus, values)
    if isinstance(c, NodeKindConstraintComponent):
        kinds = {
            SH.BlankNode: "isBlank(?value)",
            SH.IRI: "isIRI(?value)",
            SH.Literal: "isLiteral(?value)",
            SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
            SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
            SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
        }
        if c.nodekind_rule not in kinds:
            raise _Unsupported(f"sh:nodeKind {c.nodekind_rule}")
        return [check(_select(focus, f"{values} FILTER (!{kinds[c.nodekind_rule]})"))]
    if isinstance(c, InConstraintComponent):
        allowed = sorted(c.in_vals, key=str)
        if any(isinstance(v, rdflib.BNode) for v in allowed):
            raise _Unsupported("a blank node in sh:in")
        if not allowed:
            test = "true"
        elif all(isinstance(v, rdflib.URIRef) for v in allowed):
            # IRIs only: = and sameTerm agree (an IRI never equals a literal), and NOT IN is fast.
            test = f"?value NOT IN ({', '.join(_term(v) for v in allowed)})"
        else:
            test = "!(" + " || ".join(f"sameTerm(?value, {_term(v)})" for v in allowed) + ")"
        return [check(_select(focus, f"{values} FILTER ({test})"))]
    if isinstance(c, HasValueConstraintComponent):
        out = []
        for v in sorted(c.has_value_set, key=str):
            if path is None:
                body = f"FILTER (!sameTerm(?this, {_term(v)}))"
            else:
                body = f"FILTER NOT EXISTS {{ ?this {path} {_term(v)} }}"
            out.append(check(_select(focus, body, value=False), value_level=False))
        return out
    if isinstance(c, PatternConstraintComponent):
        flags = str(c.flags.value).lower() if c.flags is not None else ""
        sparql_flags = "".join(f for f in "im" if f in flags)
        out = []
        for rule in c.string_rules:
            pattern = str(rule.value)
            if re.search(r"\(\?[=!<]|\\[1-9]|\(\?P", pattern):
                raise _Unsupported("sh:pattern with lookaround or back-references")
            test = (
                f'isBlank(?value) || !REGEX(STR(?value), {_term(rdflib.Literal(pattern))}, "{sparql_flags}")'
            )
            out.append(check(_select(focus, f"{values} FILTER ({test})")))
        return out
    if isinstance(c, MinLengthConstraintComponent | MaxLengthConstraintComponent):
        n = int(c.string_rules[0].value)
        if isinstance(c, MinLengthConstraintComponent):
            if n == 0:
                return []
            test = f"isBlank(?value) || STRLEN(STR(?value)) < {n}"
        else:
            test = f"isBlank(?value) || STRLEN(STR(?value)) > {n}"
        return [check(_select(focus, f"{values} FILTER ({test})"))]
    if isinstance(c, _RANGE_COMPONENTS):
        parameter = next(p for p, op in _RANGE.items() if p in c.constraint_parameters())
        out = []
        for bound in graph.objects(shape.node, parameter):
            if not isinstance(bound, rdflib.Literal):
                raise _Unsupported(f"{graph.qname(parameter)} that is not a literal")
            test = f"!COALESCE(?value {_RANGE[parameter]} {_term(bound)}, false)"
            out.append(check(_select(focus, f"{values} FILTER ({test})")))
        return out
    if isinstance(c, SPARQLBasedConstraint):
        return [
            _sparql_check(shape, c, helper, focus, path, graph)
            for helper in c.sparql_constraints
            if not helper.deactivated
        ]
    raise _Unsupported(f"{type(c).__name__} not compiled")


def _datatype(check, datatype, focus: _Focus, values: str) -> list[_Check]:
    """Two queries: values that are not literals of ``datatype`` at all (SPARQL), and the literals of that
    datatype, whose lexical forms rdflib checks as pyshacl does."""
    dt = _term(datatype)
    if datatype == rdflib.RDFS.Literal:
        wrong = "!isLiteral(?value)"
    elif datatype == RDF.langString:
        wrong = '!isLiteral(?value) || LANG(?value) = ""'
    elif datatype == rdflib.RDFS.Datatype:
        wrong = f'!isLiteral(?value) || LANG(?value) != "" || DATATYPE(?value) = <{XSD.string}>'
    else:
        wrong = f'!isLiteral(?value) || LANG(?value) != "" || DATATYPE(?value) != {dt}'
    checks = [check(_select(focus, f"{values} FILTER ({wrong})"))]
    if datatype not in (rdflib.RDFS.Literal, rdflib.RDFS.Datatype):
        typed = "isLiteral(?value) && " + (
            'LANG(?value) != ""'
            if datatype == RDF.langString
            else f'LANG(?value) = "" && DATATYPE(?value) = {dt}'
        )
        checks.append(check(_select(focus, f"{values} FILTER ({typed})"), python_datatype=datatype))
    return checks


def _python_types() -> dict:
    from datetime import date, datetime, time
    from decimal import Decimal

    return {
        XSD.string: (str, bytes),
        XSD.integer: int,
        XSD.float: float,
        XSD.decimal: Decimal,
        XSD.boolean: bool,
        XSD.date: date,
        XSD.time: time,
        XSD.dateTime: datetime,
    }


_PYTHON_TYPES = _python_types()


def _well_typed(value: rdflib.Literal, datatype: rdflib.URIRef) -> bool:
    """pyshacl's test (DatatypeConstraintComponent) for a literal that carries ``datatype``."""
    if datatype == RDF.langString:
        return isinstance(value.value, str | bytes)
    if getattr(value, "ill_typed", None) is True:
        return False
    expected = _PYTHON_TYPES.get(datatype)
    return expected is None or isinstance(value.value, expected)


# --- SPARQL-based constraints, set-at-a-time ---------------------------------------------------------------

_VAR = r"[?$]{name}(?![\w\u00b7\u0300-\u036f\u203f-\u2040])"


def _top_level_group(text: str) -> tuple[int, int]:
    """Start and end indexes of the outermost ``{ ... }`` (the WHERE clause) of a SELECT query."""
    depth, start = 0, -1
    for i, ch in code(text):
        if ch == "{":
            if depth == 0 and start < 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and start >= 0:
                return start, i
    raise _Unsupported("sh:select without a WHERE clause")


def _rewrite_select(select: str) -> tuple[str, bool]:
    """Turn a per-focus ``SELECT`` (``$this`` pre-bound) into one over all focus nodes.

    ``$this`` becomes a variable bound by the focus pattern inserted at the start of the WHERE clause; it is
    added to the projection and to ``GROUP BY``. Returns the query with a ``{FOCUS}`` slot, and whether the
    original projected ``$this``. Queries whose meaning would change (aggregates without ``GROUP BY``,
    ``LIMIT``/``OFFSET``, ``$this`` assigned by ``BIND``/``AS``) are not compiled.
    """
    start, end = _top_level_group(select)
    head, body, tail = select[:start], select[start + 1 : end], select[end + 1 :]
    match = re.search(r"\bSELECT\s+((?:DISTINCT|REDUCED)\s+)?", head, flags=re.I)
    if not match:
        raise _Unsupported("sh:select is not a SELECT query")
    projection = head[match.end() :]
    projection = re.sub(r"\bWHERE\s*$", "", projection.strip(), flags=re.I).strip()
    if re.search(r"\bAS\s+[?$]this\b", select, flags=re.I):
        raise _Unsupported("sh:select assigns $this")
    if re.search(r"\b(LIMIT|OFFSET)\b", tail, flags=re.I):
        raise _Unsupported("sh:select with LIMIT or OFFSET")
    aggregate = re.search(
        r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", projection + tail, flags=re.I
    )
    group = re.search(r"\bGROUP\s+BY\b", tail, flags=re.I)
    if aggregate and not group:
        raise _Unsupported("sh:select with aggregates but no GROUP BY")
    bare = _outside_parentheses(projection)  # the (expr AS ?x) parts are not projected variables
    this_projected = projection == "*" or re.search(_VAR.format(name="this"), bare) is not None
    if not this_projected:
        head = head[: match.end()] + "?this " + head[match.end() :]
    if group:
        grouping = tail[group.end() :]
        stop = re.search(r"\b(HAVING|ORDER|LIMIT|OFFSET|VALUES)\b", grouping, flags=re.I)
        keys = grouping[: stop.start()] if stop else grouping
        if not re.search(_VAR.format(name="this"), keys):
            tail = tail[: group.end()] + " ?this" + tail[group.end() :]
    # The focus pattern goes first, so every BIND, OPTIONAL and sub-SELECT sees ?this bound, as pre-binding
    # would. When the WHERE clause itself opens with a triple pattern on $this, it goes last instead: the
    # meaning is the same (that pattern binds ?this before anything else) and Oxigraph then keeps the order
    # of an ordered sub-SELECT into GROUP_CONCAT, as rdflib does (the MSP composition message relies on it).
    if re.match(r"\s*" + _VAR.format(name="this") + r"\s", _without_comments(body)):
        return head + "{ " + body + " {FOCUS} }" + tail, this_projected
    return head + "{ {FOCUS} " + body + "}" + tail, this_projected


def _without_comments(text: str) -> str:
    kept = {i for i, _ in code(text)}
    return "".join(ch if i in kept or ch in "\"'<>" else " " for i, ch in enumerate(text))


def _outside_parentheses(text: str) -> str:
    depth, out = 0, []
    for ch in text:
        depth += ch == "("
        out.append(ch if depth == 0 else " ")
        depth -= ch == ")" and depth > 0
    return "".join(out)


def _sparql_check(shape, c, helper, focus: _Focus, path, graph) -> _Check:
    text = helper.select_text
    if "\x00" in text:
        raise _Unsupported("a NUL character in sh:select")
    for name in ("shapesGraph", "currentShape"):
        if re.search(_VAR.format(name=name), text):
            raise _Unsupported(f"${name} in sh:select")
    try:
        helper.check_invalid_sparql(text)
    except Exception as error:  # pyshacl's ValidationFailure: pyshacl reports it the same way
        raise _Unsupported(f"pyshacl rejects the sh:select ({str(error).splitlines()[0]})") from None
    if path is not None:
        text = SPARQLQueryHelper.bind_path_regex.sub(r"\g<1>" + path.replace("\\", "\\\\"), text)
    elif SPARQLQueryHelper.bind_path_regex.search(text):
        raise _Unsupported("$PATH in a node shape's sh:select")
    rewritten, projected = _rewrite_select(text)
    query = helper.apply_prefixes(rewritten.replace("{FOCUS}", focus("?this"), 1))
    if not re.search(
        _VAR.format(name="this"), helper.select_text
    ) and not SPARQLQueryHelper.bind_this_regex.search(helper.select_text):
        projected = False
    return _Check(shape, SH.SPARQLConstraintComponent, query, c, sparql=helper, this_projected=projected)


# --- evaluation --------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    """One result before it becomes report triples."""

    check: _Check
    focus: rdflib.term.Node
    value: rdflib.term.Node | None
    path: rdflib.term.Node | None = None
    bound: tuple | None = None


class _Subclasses:
    """The subclass closure (``rdfs:subClassOf*``) of classes in the store's data, each read once."""

    def __init__(self, store: Store):
        self.store = store
        self.known: dict[str, list[str] | None] = {}

    def __call__(self, cls: str) -> list[str] | None:
        """The closure of ``cls`` as SPARQL IRIs (``cls`` first); None when it holds a blank node."""
        if cls not in self.known:
            query = f"SELECT DISTINCT ?c WHERE {{ ?c <{rdflib.RDFS.subClassOf}>* <{cls}> }}"
            found = [row["c"] for row in self.store.query(query)]
            if all(isinstance(c, ox.NamedNode) for c in found):
                others = sorted({c.value for c in found} - {cls})
                self.known[cls] = [f"<{c}>" for c in (cls, *others)]
            else:  # a blank node cannot go into VALUES: the property path then
                self.known[cls] = None
        return self.known[cls]

    def expand(self, query: str) -> str:
        """``query`` with its instance-of markers replaced by patterns the store can run."""
        count = [0]

        def pattern(match: re.Match) -> str:
            var, cls = match.group(1), match.group(2)
            classes = self(cls)
            if classes is None:
                return f"{var} {_INSTANCE_OF} <{cls}> ."
            count[0] += 1
            name = f"?_class{count[0]}"
            return f"VALUES {name} {{ {' '.join(classes)} }} {var} <{RDF.type}> {name} ."

        return _MARKED.sub(pattern, query)


def _run(store: Store, check: _Check, subclasses: _Subclasses | None = None) -> list[_Raw]:
    query = (subclasses or _Subclasses(store)).expand(check.query)
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    if check.python_datatype is not None:
        return _datatype_results(check, names, solutions)
    rows = [dict(zip(names, (rdflib_term(t) for t in row), strict=True)) for row in solutions]
    if check.sparql is not None:
        return _sparql_results(check, rows)
    out = []
    for row in rows:
        value = row.get("value") if check.value_level else None
        out.append(_Raw(check, row["this"], value))
    return out


def _datatype_results(check: _Check, names: list[str], solutions) -> list[_Raw]:
    """The candidate literals whose lexical form rdflib rejects for the datatype. Each distinct literal is
    checked once, and only the rejected rows become rdflib terms."""
    this, value = names.index("this"), names.index("value")
    verdicts: dict[tuple, bool] = {}
    out = []
    for row in solutions:
        literal = row[value]
        key = (literal.value, literal.language, literal.datatype.value)
        ok = verdicts.get(key)
        if ok is None:
            ok = verdicts[key] = _well_typed(rdflib_term(literal), check.python_datatype)
        if not ok:
            out.append(_Raw(check, rdflib_term(row[this]), rdflib_term(literal)))
    return out


def _sparql_results(check: _Check, rows: list[dict]) -> list[_Raw]:
    """pyshacl's reading of SPARQL rows (``_validate_sparql_query``), per focus node."""
    shape = check.shape
    by_focus: dict[rdflib.term.Node, list] = {}
    for row in rows:
        focus = row.pop("this")
        row = {k: v for k, v in row.items() if v is not None}
        failure = row.pop("failure", None)
        violations = by_focus.setdefault(focus, [])
        if failure is not None:
            if not any(v[0] is True for v in violations):
                violations.append((True, row))
            continue
        p = row.pop("path", None)
        v = row.pop("value", None)
        t = focus if check.this_projected else None
        if (p is not None or v is not None or t is not None) and (t, p, v, row) not in violations:
            violations.append((t, p, v, row))
    out = []
    for focus, violations in by_focus.items():
        default_value = None if shape.is_property_shape else focus
        for violation in violations:
            if violation[0] is True:
                out.append(_Raw(check, focus, default_value, bound=violation[1]))
                continue
            t, p, v, row = violation
            v = default_value if v is None else v
            out.append(_Raw(check, t or focus, v, path=p, bound=(t, p, v, row)))
    return out


def _substitute(message: str, bound) -> str:
    """pyshacl's ``_format_sparql_based_result_message``."""
    values: dict = {}
    if isinstance(bound, tuple):
        values.update(bound[3])
        for name, term in zip(("this", "path", "value"), bound[:3], strict=True):
            if term is not None:
                values[name] = term
    else:
        values.update(bound)
    for name, term in values.items():
        message = re.sub(f"{{[?$]{name}}}", str(term), message)
    return message


def _report(results: list[_Raw], sg: rdflib.Graph) -> rdflib.Graph:
    """The SHACL report graph, in pyshacl's form (messages, paths copied from the shapes graph)."""
    report = rdflib.Graph(bind_namespaces="core")
    for prefix, namespace in sg.namespace_manager.namespaces():
        report.namespace_manager.bind(prefix, namespace)
    root = rdflib.BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, rdflib.Literal(not results)))
    copied: dict = {}
    stand_in = rdflib.Graph()  # pyshacl's generic messages name the focus node through the data graph

    def copy(node):
        if isinstance(node, rdflib.BNode):
            if node not in copied:
                copied[node] = clone_blank_node(sg, node, report, keepid=True)
            return copied[node]
        return node

    for raw in results:
        check, shape = raw.check, raw.check.shape
        node = rdflib.BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.sourceConstraintComponent, check.component))
        report.add((node, SH.sourceShape, copy(shape.node)))
        report.add((node, SH.resultSeverity, shape.severity))
        report.add((node, SH.focusNode, raw.focus))
        if raw.value is not None:
            report.add((node, SH.value, raw.value))
        path = raw.path if raw.path is not None else (shape.path() if shape.is_property_shape else None)
        if path is not None:
            report.add((node, SH.resultPath, copy(path)))
        messages = list(shape.message)
        if check.sparql is not None:
            report.add((node, SH.sourceConstraint, copy(check.sparql.node)))
            extra = list(check.sparql.messages or [])
            for m in extra:
                if m in messages:
                    continue
                if isinstance(m, rdflib.Literal) and raw.bound is not None:
                    m = rdflib.Literal(_substitute(str(m.value), raw.bound))
                report.add((node, SH.resultMessage, m))
        elif not messages:
            messages = check.constraint.make_generic_messages(stand_in, raw.focus, raw.value) or messages
        for m in messages:
            if isinstance(m, rdflib.Literal) and raw.bound is not None:
                m = rdflib.Literal(_substitute(str(m.value), raw.bound))
            report.add((node, SH.resultMessage, m))
    return report


def _fallback_shapes_graph(shapes: rdflib.Graph, plan: _Plan, sg_shapes: Iterable) -> rdflib.Graph:
    """The shapes graph with the targets of every compiled shape removed: pyshacl then validates only the
    shapes that fell back (shapes without targets are only reached through the ones that have some)."""
    keep = set(plan.fallback_shapes)
    out = rdflib.Graph()
    for prefix, namespace in shapes.namespace_manager.namespaces():
        out.namespace_manager.bind(prefix, namespace)
    class_types = {rdflib.RDFS.Class, *shapes.subjects(rdflib.RDFS.subClassOf, rdflib.RDFS.Class)}
    targeted = set(sg_shapes)
    for s, p, o in shapes:
        if s in targeted and s not in keep and (p in _TARGETS or (p == RDF.type and o in class_types)):
            continue
        out.add((s, p, o))
    return out


def validate_store(store: Store, shapes: rdflib.Graph) -> tuple[bool, rdflib.Graph, ValidationNotes]:
    """Validate the store's data (the union of its graphs) against ``shapes``.

    Returns ``(conforms, report graph, notes)``. Shapes that cannot be compiled are validated by pyshacl on
    an rdflib copy of the store (slow on big data), and listed in ``notes.fallbacks``.
    """
    notes = ValidationNotes()
    plan = compile_shapes(shapes)
    results: list[_Raw] = []
    subclasses = _Subclasses(store)
    for check in plan.checks:
        results.extend(_run(store, check, subclasses))
        notes.queries += 1
    report = _report(results, shapes)
    conforms = not results
    fallback_graph = None
    if plan.whole_graph is not None:
        notes.fallbacks["(all shapes)"] = plan.whole_graph
        fallback_graph = shapes
        report = rdflib.Graph()
    elif plan.fallback_shapes:
        notes.fallbacks.update({str(s): why for s, why in plan.fallback_shapes.items()})
        targeted = {s.node for s in ShapesGraph(shapes).shapes if _has_targets(s)}
        fallback_graph = _fallback_shapes_graph(shapes, plan, targeted)
    for line in notes.lines():
        log.warning(line)
    if fallback_graph is None:
        return conforms, report, notes
    ok, extra = run_pyshacl(store.to_rdflib(), fallback_graph)
    if plan.whole_graph is not None:
        return bool(ok), extra, notes
    root = next(report.subjects(RDF.type, SH.ValidationReport))
    roots = set(extra.subjects(RDF.type, SH.ValidationReport))
    for node in extra.subjects(RDF.type, SH.ValidationResult):
        report.add((root, SH.result, node))
    for triple in extra:
        if triple[0] not in roots:
            report.add(triple)
    conforms = conforms and bool(ok)
    report.set((root, SH.conforms, rdflib.Literal(conforms)))
    return conforms, report, notes


def _has_targets(shape) -> bool:
    return any(set(t) for t in shape.target())
