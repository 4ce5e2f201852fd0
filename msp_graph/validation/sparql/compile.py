"""Shapes to SPARQL: the plan of the fast SHACL engine, one query per constraint over all its focus nodes.

This module only writes query text, in the calling process: it reads the shapes graph and nothing else (no
store, no data). ``run.py`` sends the queries to a store. The shapes are read by pyshacl's own shapes-graph
loader (so both engines see the same parameters, messages, severities and SPARQL prefixes).

Each constraint of each shape becomes one SPARQL SELECT over *all* the shape's focus nodes at once (the
targets are part of the query), instead of one evaluation per focus node as pyshacl does. The text depends
only on the shapes: the fresh variable names come from a counter owned by one ``compile_shapes`` call.

What is compiled (see docs/validation-engines.md for the list and the W3C test cases run against it):
targets (``sh:targetClass`` following ``rdfs:subClassOf*`` in the data, ``sh:targetNode``,
``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, implicit class targets), every SHACL path, ``sh:property``
nesting, ``sh:deactivated``, and the components in ``COMPILED`` (one compiler function each, in
``_COMPILERS``). A shape that uses anything else (``sh:node``, ``sh:or``, ``sh:qualifiedValueShape``...)
is listed in ``Plan.fallback_shapes`` with the reason, for pyshacl.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, SH, XSD

from ...sparql_text import code

__all__ = ["COMPILED", "INSTANCE_OF", "MARKED", "Check", "Names", "Plan", "compile_shapes", "sparql_path"]

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
# Shapes-graph features that change what pyshacl validates as a whole (SHACL-AF rules, custom targets,
# custom constraint components): with any of them the whole validation goes to pyshacl.
_WHOLE_GRAPH_FEATURES = (SH.rule, SH.target, SH.ConstraintComponent, SH.SPARQLTargetType, SH.entailment)
INSTANCE_OF = f"<{RDF.type}>/<{rdflib.RDFS.subClassOf}>*"
# "?var is an instance of <class>" is written into the compiled queries as this marker, and expanded when the
# queries run (run.py): the subclass closure of the class is read from the store once, and the marker becomes
# ``VALUES ?c { ...closure... } ?var rdf:type ?c`` (one index lookup per node, instead of a property path
# walked per node). The meaning is the same: the closure comes from the same data, with the same path.
_MARK = "\x00INSTANCE {var} <{cls}>\x00"
MARKED = re.compile("\x00INSTANCE (\\S+) <([^>\x00]*)>\x00")


class Unsupported(Exception):
    """A shape uses something this engine does not compile (the message says what)."""


def _instance_of(var: str, cls) -> str:
    """The pattern "``var`` is an instance of ``cls``" (through ``rdfs:subClassOf*``), as a marker."""
    if isinstance(cls, rdflib.URIRef) and ">" not in cls:
        return _MARK.format(var=var, cls=cls)
    return f"{var} {INSTANCE_OF} {_term(cls)} ."


# --- SPARQL text of terms and paths -----------------------------------------------------------------------


def _ordered(nodes, key=None) -> list:
    """``sorted(nodes, key=key)``, ties (terms rdflib orders as equal, such as ``"4"^^xsd:integer`` and
    ``"4.0"^^xsd:decimal``) in N3 order rather than in the order of a set."""
    return sorted(sorted(nodes, key=lambda n: n.n3()), key=key)


def _term(node) -> str:
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


def sparql_path(sg: rdflib.Graph, node, depth: int = 0) -> str:
    """A SHACL path as a SPARQL property path."""
    if depth > 12:
        raise Unsupported("path nested too deeply")
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        raise Unsupported("a literal as a path")
    items = list(sg.items(node))
    if items:
        return "(" + "/".join(sparql_path(sg, i, depth + 1) for i in items) + ")"
    for prop, wrap in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = sg.value(node, prop)
        if inner is not None:
            return "(" + wrap.format(sparql_path(sg, inner, depth + 1)) + ")"
    alternatives = sg.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(sg, i, depth + 1) for i in sg.items(alternatives)) + ")"
    raise Unsupported(f"path {node} not understood")


# --- the compiled plan ------------------------------------------------------------------------------------


@dataclass
class Check:
    """One SPARQL query for one constraint of one shape, and how to turn its rows into results."""

    shape: object  # pyshacl Shape
    component: rdflib.URIRef
    query: str
    constraint: object  # the pyshacl constraint component (for generic messages)
    value_level: bool = True  # rows carry ?value
    sparql: object | None = None  # pyshacl SPARQLQueryHelper for sh:sparql
    this_projected: bool = True
    python_datatype: rdflib.URIRef | None = None  # rows are candidates, checked with rdflib


@dataclass
class Plan:
    checks: list[Check]
    fallback_shapes: dict[rdflib.term.Node, str]
    whole_graph: str | None = None


class Names:
    """Fresh variable names for one compilation (``?_f1``, ``?_f2``...), so the same shapes always give the
    same query text, whatever was compiled before in the process."""

    def __init__(self) -> None:
        self.count = 0

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"?{prefix}{self.count}"


# The focus nodes of a shape, as a SPARQL group pattern binding the variable it is given.
Focus = Callable[[str], str]


def _target_focus(shape) -> Focus | None:
    nodes, classes, implicit, objects_of, subjects_of = (set(t) for t in shape.target())
    classes |= implicit
    if not (nodes or classes or objects_of or subjects_of):
        return None
    for node in classes | set(objects_of) | set(subjects_of):
        if not isinstance(node, rdflib.URIRef):
            raise Unsupported("a target that is not an IRI")

    def render(var: str) -> str:
        parts = []
        if nodes:
            parts.append(f"VALUES {var} {{ {' '.join(_term(n) for n in _ordered(nodes))} }}")
        parts.extend(_instance_of(var, c) for c in sorted(classes))
        parts.extend(f"{var} <{p}> [] ." for p in sorted(subjects_of))
        parts.extend(f"[] <{p}> {var} ." for p in sorted(objects_of))
        union = " UNION ".join("{ " + p + " }" for p in parts)
        return f"{{ SELECT DISTINCT {var} WHERE {{ {union} }} }}"

    return render


def _nested_focus(parent: Focus, parent_shape, graph: rdflib.Graph, names: Names) -> Focus:
    """Focus nodes of a shape under ``sh:property``: the value nodes of the parent shape."""
    if not parent_shape.is_property_shape:
        return parent
    path = sparql_path(graph, parent_shape.path())

    def render(var: str) -> str:
        outer = names.fresh("_f")
        return f"{{ SELECT DISTINCT {var} WHERE {{ {parent(outer)} {outer} {path} {var} . }} }}"

    return render


def compile_shapes(shapes: rdflib.Graph) -> Plan:
    """Compile every shape of ``shapes`` that has targets; list the ones that cannot be, with why."""
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
            checks.extend(compilation.shape(shape, focus, depth=0))
        except Unsupported as why:
            fallbacks[shape.node] = str(why)
    return Plan(checks, fallbacks)


@dataclass
class _Compilation:
    """One ``compile_shapes`` call: the shapes graph, pyshacl's reading of it, and the fresh names."""

    graph: rdflib.Graph
    sg: ShapesGraph
    names: Names = field(default_factory=Names)

    def shape(self, shape, focus: Focus, *, depth: int) -> list[Check]:
        """The checks of one shape (and of the shapes under its ``sh:property``)."""
        if shape.deactivated:
            return []
        if depth > 8:
            raise Unsupported("sh:property nested too deeply")
        graph = self.graph
        parameters = {p for p, _ in graph.predicate_objects(shape.node) if p in CONSTRAINT_PARAMETERS_MAP}
        unsupported = sorted(graph.qname(p) for p in parameters if p not in COMPILED)
        if unsupported:
            raise Unsupported(", ".join(unsupported) + " not compiled")
        if (shape.node, SH.expression, None) in graph or (shape.node, SH.js, None) in graph:
            raise Unsupported("sh:expression / sh:js not compiled")
        path = sparql_path(graph, shape.path()) if shape.is_property_shape else None
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
                raise Unsupported(f"pyshacl rejects the shape ({type(error).__name__})") from None
            site = _Site(self, shape, constraint, focus, path, values, depth)
            checks.extend(_COMPILERS[kind](constraint, site))
        return checks


@dataclass(frozen=True)
class _Site:
    """Where a constraint is compiled: its shape, the shape's focus pattern, path and value pattern."""

    compilation: _Compilation
    shape: object  # pyshacl Shape
    constraint: object  # pyshacl constraint component
    focus: Focus
    path: str | None  # the SPARQL property path of a property shape
    values: str  # the pattern binding ?value for ?this
    depth: int

    def check(self, query: str, **kw) -> Check:
        return Check(self.shape, self.constraint.shacl_constraint_component, query, self.constraint, **kw)

    def select(self, body: str, *, value: bool = True) -> str:
        head = "SELECT DISTINCT ?this ?value" if value else "SELECT DISTINCT ?this"
        return f"{head} WHERE {{ {self.focus('?this')} {body} }}"

    def filtered(self, test: str, **kw) -> Check:
        """The value nodes for which ``test`` holds: one check."""
        return self.check(self.select(f"{self.values} FILTER ({test})"), **kw)


# --- one compiler per constraint component ----------------------------------------------------------------


def _min_count(c: MinCountConstraintComponent, site: _Site) -> list[Check]:
    n = _count(c.min_count, "sh:minCount", site)
    if n <= 0:
        return []
    if n == 1:
        body = f"FILTER NOT EXISTS {{ {site.values} }}"
        return [site.check(site.select(body, value=False), value_level=False)]
    return [_counted(site, f"OPTIONAL {{ {site.values} }}", f"< {n}")]


def _max_count(c: MaxCountConstraintComponent, site: _Site) -> list[Check]:
    n = _count(c.max_count, "sh:maxCount", site)
    return [_counted(site, site.values, f"> {n}")]


def _count(literal: rdflib.Literal, parameter: str, site: _Site) -> int:
    if site.path is None:
        raise Unsupported(f"{parameter} on a node shape")
    return int(literal.value)


def _counted(site: _Site, values: str, test: str) -> Check:
    """The focus nodes whose number of distinct value nodes (bound by ``values``) passes ``test``."""
    query = (
        f"SELECT ?this WHERE {{ {site.focus('?this')} {values} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) {test})"
    )
    return site.check(query, value_level=False)


def _class(c: ClassConstraintComponent, site: _Site) -> list[Check]:
    return [
        site.check(site.select(f"{site.values} FILTER NOT EXISTS {{ {_instance_of('?value', k)} }}"))
        for k in c.class_rules
    ]


def _datatype(c: DatatypeConstraintComponent, site: _Site) -> list[Check]:
    """Two queries: values that are not literals of the datatype at all (SPARQL), and the literals of that
    datatype, whose lexical forms rdflib checks as pyshacl does (run.py)."""
    datatype = c.datatype_rule
    dt = _term(datatype)
    if datatype == rdflib.RDFS.Literal:
        wrong = "!isLiteral(?value)"
    elif datatype == RDF.langString:
        wrong = '!isLiteral(?value) || LANG(?value) = ""'
    elif datatype == rdflib.RDFS.Datatype:
        wrong = f'!isLiteral(?value) || LANG(?value) != "" || DATATYPE(?value) = <{XSD.string}>'
    else:
        wrong = f'!isLiteral(?value) || LANG(?value) != "" || DATATYPE(?value) != {dt}'
    checks = [site.filtered(wrong)]
    if datatype not in (rdflib.RDFS.Literal, rdflib.RDFS.Datatype):
        typed = "isLiteral(?value) && " + (
            'LANG(?value) != ""'
            if datatype == RDF.langString
            else f'LANG(?value) = "" && DATATYPE(?value) = {dt}'
        )
        checks.append(site.filtered(typed, python_datatype=datatype))
    return checks


_NODE_KINDS = {
    SH.BlankNode: "isBlank(?value)",
    SH.IRI: "isIRI(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}


def _node_kind(c: NodeKindConstraintComponent, site: _Site) -> list[Check]:
    if c.nodekind_rule not in _NODE_KINDS:
        raise Unsupported(f"sh:nodeKind {c.nodekind_rule}")
    return [site.filtered(f"!{_NODE_KINDS[c.nodekind_rule]}")]


def _in(c: InConstraintComponent, site: _Site) -> list[Check]:
    allowed = _ordered(c.in_vals, key=str)
    if any(isinstance(v, rdflib.BNode) for v in allowed):
        raise Unsupported("a blank node in sh:in")
    if not allowed:
        test = "true"
    elif all(isinstance(v, rdflib.URIRef) for v in allowed):
        # IRIs only: = and sameTerm agree (an IRI never equals a literal), and NOT IN is fast.
        test = f"?value NOT IN ({', '.join(_term(v) for v in allowed)})"
    else:
        test = "!(" + " || ".join(f"sameTerm(?value, {_term(v)})" for v in allowed) + ")"
    return [site.filtered(test)]


def _has_value(c: HasValueConstraintComponent, site: _Site) -> list[Check]:
    out = []
    for v in _ordered(c.has_value_set, key=str):
        if site.path is None:
            body = f"FILTER (!sameTerm(?this, {_term(v)}))"
        else:
            body = f"FILTER NOT EXISTS {{ ?this {site.path} {_term(v)} }}"
        out.append(site.check(site.select(body, value=False), value_level=False))
    return out


def _pattern(c: PatternConstraintComponent, site: _Site) -> list[Check]:
    flags = str(c.flags.value).lower() if c.flags is not None else ""
    sparql_flags = "".join(f for f in "im" if f in flags)
    out = []
    for rule in c.string_rules:
        pattern = str(rule.value)
        if re.search(r"\(\?[=!<]|\\[1-9]|\(\?P", pattern):
            raise Unsupported("sh:pattern with lookaround or back-references")
        regex = f'REGEX(STR(?value), {_term(rdflib.Literal(pattern))}, "{sparql_flags}")'
        out.append(site.filtered(f"isBlank(?value) || !{regex}"))
    return out


def _min_length(c: MinLengthConstraintComponent, site: _Site) -> list[Check]:
    n = int(c.string_rules[0].value)
    return [site.filtered(f"isBlank(?value) || STRLEN(STR(?value)) < {n}")] if n else []


def _max_length(c: MaxLengthConstraintComponent, site: _Site) -> list[Check]:
    n = int(c.string_rules[0].value)
    return [site.filtered(f"isBlank(?value) || STRLEN(STR(?value)) > {n}")]


_RANGE = {
    SH.minInclusive: ">=",
    SH.maxInclusive: "<=",
    SH.minExclusive: ">",
    SH.maxExclusive: "<",
}


def _range(c, site: _Site) -> list[Check]:
    """``sh:minInclusive``, ``sh:maxInclusive``, ``sh:minExclusive``, ``sh:maxExclusive``."""
    graph = site.compilation.graph
    parameter = next(p for p in _RANGE if p in c.constraint_parameters())
    out = []
    for bound in graph.objects(site.shape.node, parameter):
        if not isinstance(bound, rdflib.Literal):
            raise Unsupported(f"{graph.qname(parameter)} that is not a literal")
        out.append(site.filtered(f"!COALESCE(?value {_RANGE[parameter]} {_term(bound)}, false)"))
    return out


def _property(c: PropertyConstraintComponent, site: _Site) -> list[Check]:
    """The shapes under ``sh:property``, their focus nodes the value nodes of this shape."""
    compilation = site.compilation
    inner = _nested_focus(site.focus, site.shape, compilation.graph, compilation.names)
    checks = []
    for node in c.property_shapes:
        checks.extend(
            compilation.shape(compilation.sg.lookup_shape_from_node(node), inner, depth=site.depth + 1)
        )
    return checks


def _sparql(c: SPARQLBasedConstraint, site: _Site) -> list[Check]:
    # pyshacl holds the constraints in a set (in memory-address order): sorted, for the same text every time
    helpers = sorted(c.sparql_constraints, key=lambda h: (h.select_text, h.node.n3()))
    return [_sparql_check(helper, site) for helper in helpers if not helper.deactivated]


_COMPILERS: dict[type, Callable[..., list[Check]]] = {
    MinCountConstraintComponent: _min_count,
    MaxCountConstraintComponent: _max_count,
    ClassConstraintComponent: _class,
    DatatypeConstraintComponent: _datatype,
    NodeKindConstraintComponent: _node_kind,
    InConstraintComponent: _in,
    HasValueConstraintComponent: _has_value,
    PatternConstraintComponent: _pattern,
    MinLengthConstraintComponent: _min_length,
    MaxLengthConstraintComponent: _max_length,
    MinInclusiveConstraintComponent: _range,
    MaxInclusiveConstraintComponent: _range,
    MinExclusiveConstraintComponent: _range,
    MaxExclusiveConstraintComponent: _range,
    SPARQLBasedConstraint: _sparql,
    PropertyConstraintComponent: _property,
}
assert set(_COMPILERS) == set(COMPILED.values()), "every compiled parameter needs its compiler"


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
    raise Unsupported("sh:select without a WHERE clause")


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
        raise Unsupported("sh:select is not a SELECT query")
    projection = head[match.end() :]
    projection = re.sub(r"\bWHERE\s*$", "", projection.strip(), flags=re.I).strip()
    if re.search(r"\bAS\s+[?$]this\b", select, flags=re.I):
        raise Unsupported("sh:select assigns $this")
    if re.search(r"\b(LIMIT|OFFSET)\b", tail, flags=re.I):
        raise Unsupported("sh:select with LIMIT or OFFSET")
    aggregate = re.search(
        r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", projection + tail, flags=re.I
    )
    group = re.search(r"\bGROUP\s+BY\b", tail, flags=re.I)
    if aggregate and not group:
        raise Unsupported("sh:select with aggregates but no GROUP BY")
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


def _sparql_check(helper, site: _Site) -> Check:
    text = helper.select_text
    if "\x00" in text:
        raise Unsupported("a NUL character in sh:select")
    for name in ("shapesGraph", "currentShape"):
        if re.search(_VAR.format(name=name), text):
            raise Unsupported(f"${name} in sh:select")
    try:
        helper.check_invalid_sparql(text)
    except Exception as error:  # pyshacl's ValidationFailure: pyshacl reports it the same way
        raise Unsupported(f"pyshacl rejects the sh:select ({str(error).splitlines()[0]})") from None
    if site.path is not None:
        text = SPARQLQueryHelper.bind_path_regex.sub(r"\g<1>" + site.path.replace("\\", "\\\\"), text)
    elif SPARQLQueryHelper.bind_path_regex.search(text):
        raise Unsupported("$PATH in a node shape's sh:select")
    rewritten, projected = _rewrite_select(text)
    query = helper.apply_prefixes(rewritten.replace("{FOCUS}", site.focus("?this"), 1))
    if not re.search(
        _VAR.format(name="this"), helper.select_text
    ) and not SPARQLQueryHelper.bind_this_regex.search(helper.select_text):
        projected = False
    return Check(
        site.shape,
        SH.SPARQLConstraintComponent,
        query,
        site.constraint,
        sparql=helper,
        this_projected=projected,
    )
