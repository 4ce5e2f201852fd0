"""SHACL-SPARQL, set-at-a-time: ``sh:sparql`` constraints and SPARQL-based constraint components.

Pre-binding (SHACL 5.2.1) substitutes ``$this`` (and ``$value``, the parameters, ``$currentShape``) by a
node, everywhere in the query, for one focus node at a time. Here the focus nodes are one pattern, and the
query runs once for all of them under ``LATERAL`` (Oxigraph's SEP-0006 lateral join): its right side is
evaluated for each focus node with ``?this`` substituted, inner groups, ``UNION`` branches, ``OPTIONAL``s
and sub-SELECTs included, which is the meaning pre-binding gives. ``$PATH`` is replaced by the shape's path,
parameters by their values, ``$currentShape`` by the shape. ASK validators become ``FILTER NOT EXISTS`` over
the value nodes (``EXISTS`` substitutes the same way in Oxigraph). Queries the specification forbids
(``MINUS``, ``VALUES``, ``SERVICE``, a nested SELECT not returning ``$this``, ``AS`` on a pre-bound
variable) are a ``ShapesError``, the failure the specification asks for.

``$shapesGraph`` is the IRI of a named graph holding the shapes graph: queries that use it run on a copy of
the data with that graph added (``run.py``), the data's graphs as the default graph.

Not compiled (pyshacl takes the shape): aggregates without ``GROUP BY`` (one group per focus node even when
nothing matches, which a lateral sub-SELECT grouped by ``$this`` does not give).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import OWL, SH

from ...errors import ShapesError
from ...sparql_text import code
from .plan import Focus, Rule, Site
from .terms import SHAPES_GRAPH, Unsupported, term

__all__ = ["SparqlSource", "component_rules", "set_at_a_time", "sparql_rules"]

_VAR = r"[?$]{name}(?![\w\u00b7\u0300-\u036f\u203f-\u2040])"


@dataclass(frozen=True)
class SparqlSource:
    """How the rows of a SPARQL-based check become results: ``kind`` is ``constraint`` (``sh:sparql``, rows
    read as pyshacl reads them), ``select`` or ``ask`` (a constraint component's validator)."""

    kind: str
    node: rdflib.term.Node | None  # sh:sourceConstraint (sh:sparql only)
    messages: list = field(default_factory=list)
    params: dict = field(default_factory=dict)  # parameter values, for {$name} in messages


# --- reading and rewriting the query text -------------------------------------------------------------------


def _top_level_group(text: str) -> tuple[int, int]:
    """Start and end indexes of the outermost ``{ ... }`` (the WHERE clause) of a query."""
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
    raise Unsupported("a SPARQL query without a WHERE clause")


def _substitute(text: str, values: dict[str, str]) -> str:
    """``text`` with the variables ``values`` names (``$x`` or ``?x``) replaced, in code only (not in
    strings, IRIs or comments). A variable replaced by a constant is bound: ``BOUND($x)`` becomes ``true``."""
    if not values:
        return text
    constants = [n for n, v in values.items() if not v.startswith("?")]
    if constants:
        names = "|".join(re.escape(n) for n in constants)
        bound = re.compile(rf"\bBOUND\s*\(\s*[?$](?:{names})\s*\)", flags=re.I)
        text = _in_code(text, bound, lambda m: "(true)")
    pattern = re.compile("|".join(_VAR.format(name=re.escape(n)) for n in values))
    return _in_code(text, pattern, lambda m: values[m.group(0)[1:]])


def _in_code(text: str, pattern: re.Pattern, replace) -> str:
    positions = {i for i, _ in code(text)}
    return pattern.sub(lambda m: replace(m) if m.start() in positions else m.group(0), text)


def _mentions(text: str, name: str) -> bool:
    positions = {i for i, _ in code(text)}
    return any(m.start() in positions for m in re.finditer(_VAR.format(name=name), text))


def _outside_parentheses(text: str) -> str:
    depth, out = 0, []
    for ch in text:
        depth += ch == "("
        out.append(ch if depth == 0 else " ")
        depth -= ch == ")" and depth > 0
    return "".join(out)


@dataclass(frozen=True)
class _Select:
    """A SELECT query split for rewriting: its prologue (PREFIX/BASE), and the query from SELECT on with
    ``?this`` projected and grouped; ``projected``: whether the query itself projected ``$this``."""

    prologue: str
    query: str
    projected: bool


def _split_select(text: str, this: str = "?this") -> _Select:
    """``text`` split, with ``this`` (the focus variable, ``?this`` or its renamed form) projected and among
    the ``GROUP BY`` keys."""
    focus = _VAR.format(name=re.escape(this[1:]))
    start, end = _top_level_group(text)
    head, body, tail = text[:start], text[start + 1 : end], text[end + 1 :]
    match = re.search(r"\bSELECT\s+((?:DISTINCT|REDUCED)\s+)?", head, flags=re.I)
    if not match:
        raise Unsupported("sh:select is not a SELECT query")
    prologue, select = head[: match.start()], head[match.start() : match.end()]
    projection = re.sub(r"\bWHERE\s*$", "", head[match.end() :].strip(), flags=re.I).strip()
    aggregate = re.search(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", projection + tail, re.I)
    group = re.search(r"\bGROUP\s+BY\b", tail, flags=re.I)
    if aggregate and not group:
        raise Unsupported("a SPARQL query with aggregates but no GROUP BY")
    bare = _outside_parentheses(projection)  # the (expr AS ?x) parts are not projected variables
    projected = projection == "*" or re.search(focus, bare) is not None
    if projection != "*" and not projected:
        projection = f"{this} {projection}"
    if group:
        grouping = tail[group.end() :]
        stop = re.search(r"\b(HAVING|ORDER|LIMIT|OFFSET|VALUES)\b", grouping, flags=re.I)
        if not re.search(focus, grouping[: stop.start()] if stop else grouping):
            tail = f"{tail[: group.end()]} {this}{tail[group.end() :]}"
    query = f"{select}{projection} WHERE {{{body}}}{tail}"
    return _Select(prologue, query, projected)


def _prefixes(helper, graph: rdflib.Graph, prologue: str) -> dict[str, str]:
    """The prefixes of a query: pyshacl's (``sh:prefixes`` and the default rdf, rdfs, owl), the declarations
    of the ontologies ``sh:prefixes`` imports (``owl:imports``, followed), then the query's own PREFIX lines
    (which win, as they come last in the query pyshacl runs)."""
    prefixes = {str(p): str(ns) for p, ns in helper.prefixes.items()}
    seen, todo = set(), list(graph.objects(helper.node, SH.prefixes))
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for declaration in graph.objects(node, SH.declare):
            prefix, namespace = graph.value(declaration, SH.prefix), graph.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                prefixes.setdefault(str(prefix), str(namespace))
        todo.extend(graph.objects(node, OWL.imports))
    if re.search(r"\bBASE\b", prologue, flags=re.I):
        raise Unsupported("BASE in a SPARQL query")
    prefixes.update(re.findall(r"PREFIX\s+([\w.-]*):\s*<([^>]*)>", prologue, flags=re.I))
    return prefixes


def _checked(site: Site, helper, text: str, *, value: bool = False, extra=()) -> None:
    """The specification's restrictions on pre-bound queries (SHACL 5.2.1): a violation is a
    ``ShapesError``, the failure the specification asks for."""
    try:
        helper.check_invalid_sparql(text, valuenode=True if value else None, extravars=list(extra))
    except Exception as error:  # pyshacl's ValidationFailure
        message = " ".join(str(getattr(error, "message", error)).split()).rstrip(".")
        where = site.compilation.name(site.shape.node)
        raise ShapesError(f"shapes: SPARQL query of shape {where}: {message}; rewrite the query") from None


def _bindings(site: Site, text: str, params: dict) -> str:
    """``$PATH``, ``$currentShape`` and the parameters written into the query text."""
    values = {name: term(v) for name, v in params.items()}
    if _mentions(text, "shapesGraph"):
        values["shapesGraph"] = SHAPES_GRAPH
    if _mentions(text, "currentShape"):
        values["currentShape"] = term(site.shape.node)
    text = _substitute(text, values)
    if site.path is not None:
        return SPARQLQueryHelper.bind_path_regex.sub(r"\g<1>" + site.path.replace("\\", "\\\\"), text)
    if SPARQLQueryHelper.bind_path_regex.search(text):
        raise ShapesError(
            f"shapes: $PATH in a SPARQL query of node shape {site.compilation.name(site.shape.node)}; "
            "use $PATH in property shapes only"
        )
    return text


# --- when one evaluation for all focus nodes is pre-binding -------------------------------------------------

_THIS = rdflib.Variable("this")
_FREE, _BOUND, _UNSAFE = "free", "bound", "unsafe"
_PASS_THROUGH = ("Distinct", "Reduced", "OrderBy", "ToMultiSet")


def set_at_a_time(query: str, prefixes: dict[str, str]) -> bool:
    """Whether joining the focus nodes with ``query`` evaluated once (``?this`` free) gives, for each focus
    node, exactly the rows of ``query`` with ``$this`` pre-bound to it (SHACL 5.2.1).

    Proven on the query's SPARQL algebra (rdflib's): it holds when every solution of the query binds
    ``?this`` and each part that mentions ``?this`` commutes with substituting it: basic graph patterns
    (matching with ``?this`` bound is matching the substituted pattern), joins, an ``OPTIONAL`` whose left
    side binds ``?this``, ``FILTER`` and ``BIND`` over parts that bind it, ``UNION`` of two such parts, and
    sub-SELECTs projecting ``?this`` (grouped by it when they aggregate). Anything else (``LIMIT``/``OFFSET``
    in a sub-SELECT, ``GRAPH``, ``?this`` only inside a filter or an ``OPTIONAL``, a text rdflib cannot read)
    is not proven, and the query runs under ``LATERAL``, once per focus node.
    """
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))
    return _proven(prologue + query)


#: Verdicts of the bundled shapes' texts, by SHA-256 of the text (``tools/gen_proven.py`` writes the file,
#: ``tests/test_proven_table.py`` checks it): rdflib's SPARQL parser took 0.45-1 s of every validation
#: process for the same four texts. Other texts (the user's shapes) are parsed.
PROVEN_TABLE = Path(__file__).with_name("proven.json")


@functools.cache
def _known_verdicts() -> dict[str, bool]:
    return json.loads(PROVEN_TABLE.read_text(encoding="utf-8"))["verdicts"]


@functools.lru_cache(maxsize=256)
def _proven(text: str) -> bool:
    """``set_at_a_time`` on the whole text, once per text: from the table of the bundled shapes' verdicts,
    else parsed (``parsed_verdict``); the same constraint is compiled again for every validation of a
    process (``history``)."""
    known = _known_verdicts().get(hashlib.sha256(text.encode("utf-8")).hexdigest())
    return parsed_verdict(text) if known is None else known


def parsed_verdict(text: str) -> bool:
    """``set_at_a_time`` proven on rdflib's algebra of the whole text (prologue included)."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(text).algebra
    except Exception:  # rdflib's parser (pyparsing) errors: not proven
        return False
    return algebra.name == "SelectQuery" and _kind(algebra.p) == _BOUND


def _mentions_this(node) -> bool:
    if node == _THIS:
        return True
    if isinstance(node, dict):
        return any(_mentions_this(v) for k, v in node.items() if k != "_vars")
    if isinstance(node, list | tuple):
        return any(_mentions_this(v) for v in node)
    return False


def _kind(node) -> str:
    """``free`` (``?this`` not mentioned), ``bound`` (every solution binds ``?this``, and evaluating then
    fixing it is substituting it), or ``unsafe``."""
    if not _mentions_this(node):
        return _FREE
    name = getattr(node, "name", None)
    if name == "BGP":
        return _BOUND
    if name in _PASS_THROUGH:
        return _kind(node.p)
    if name == "Join":
        kinds = {_kind(node.p1), _kind(node.p2)}
        return _UNSAFE if _UNSAFE in kinds else _BOUND
    if name == "LeftJoin":
        return _BOUND if _kind(node.p1) == _BOUND and _kind(node.p2) != _UNSAFE else _UNSAFE
    if name == "Union":
        return _BOUND if _kind(node.p1) == _kind(node.p2) == _BOUND else _UNSAFE
    if name == "Filter":
        return _BOUND if _kind(node.p) == _BOUND else _UNSAFE
    if name == "Extend":
        aggregate = isinstance(node.expr, rdflib.Variable) and node.expr.startswith("__agg_")
        if node.var == _THIS and not aggregate:
            return _UNSAFE
        return _BOUND if _kind(node.p) == _BOUND else _UNSAFE
    if name == "Project":
        return _BOUND if _THIS in node.PV and _kind(node.p) == _BOUND else _UNSAFE
    if name == "AggregateJoin":
        group = node.p
        keys = group.expr or []
        return _BOUND if _THIS in keys and _kind(group.p) == _BOUND else _UNSAFE
    return _UNSAFE


# --- SELECT queries: sh:sparql and SELECT validators --------------------------------------------------------


def _select_rule(site: Site, helper, text: str, source: SparqlSource, component) -> Rule:
    """A SELECT query, each row a result: for the report, joined with the focus nodes where that gives what
    pre-binding gives (``set_at_a_time``), else under ``LATERAL`` over them; nested, a sub-SELECT returning
    the focus variable only (its own variables stay inside)."""
    text = _bindings(site, text, source.params)
    split = _split_select(text)
    prefixes = _prefixes(helper, site.graph, split.prologue)
    join = "" if SHAPES_GRAPH not in text and set_at_a_time(split.query, prefixes) else "LATERAL "

    def report(focus: Focus) -> str:
        site.compilation.use_prefixes(prefixes, shapes_graph=SHAPES_GRAPH in text)
        return f"SELECT * WHERE {{ {focus('?this')} {join}{{ {split.query} }} }}"

    def where(this: str, _: str) -> str:
        site.compilation.use_prefixes(prefixes, shapes_graph=SHAPES_GRAPH in text)
        inner = _split_select(_substitute(text, {"this": this}), this)
        return f"{{ SELECT {this} WHERE {{ {{ {inner.query} }} }} }}"

    options = {"sparql": source, "this_projected": split.projected or source.kind != "constraint"}
    return site.rule(where, value_level=False, report=report, component=component, options=options)


def sparql_rules(c: SPARQLBasedConstraint, site: Site) -> list[Rule]:
    """``sh:sparql`` constraints (pyshacl holds them in a set: sorted, for the same text every time)."""
    out = []
    for helper in sorted(c.sparql_constraints, key=lambda h: (h.select_text, h.node.n3())):
        if helper.deactivated:
            continue
        _checked(site, helper, helper.select_text)
        source = SparqlSource("constraint", helper.node, list(helper.messages or []))
        out.append(_select_rule(site, helper, helper.select_text, source, SH.SPARQLConstraintComponent))
    return out


# --- SPARQL-based constraint components ---------------------------------------------------------------------


def component_rules(site: Site) -> list[Rule]:
    """The SPARQL-based constraint components the shape uses (every mandatory parameter given)."""
    out = []
    for component in sorted(site.shape.find_custom_constraints(), key=lambda c: str(c.node)):
        try:
            bound = component.make_validator_for_shape(site.shape)
        except Exception as error:  # pyshacl's ConstraintLoadError: no validator fits
            message = " ".join(str(getattr(error, "message", error)).split())
            where = site.compilation.name(component.node)
            raise ShapesError(
                f"shapes: constraint component {where}: {message}; fix its validators"
            ) from None
        helper, validator = bound.query_helper, bound.validator
        params = dict(helper.param_bind_map)
        messages = list(site.shape.message) + list(validator.messages or [])
        is_ask = type(validator).__name__ == "AskConstraintValidator"
        _checked(site, helper, validator.query_text, value=is_ask, extra=params)
        source = SparqlSource("ask" if is_ask else "select", None, messages, params)
        if is_ask:
            out.append(_ask_rule(site, helper, validator.query_text, source, component.node))
        else:
            out.append(_select_rule(site, helper, validator.query_text, source, component.node))
    return out


def _ask_rule(site: Site, helper, text: str, source: SparqlSource, component) -> Rule:
    """An ASK validator: the value nodes for which the query, ``$this`` and ``$value`` bound, is false."""
    text = _bindings(site, text, source.params)
    start, end = _top_level_group(text)
    match = re.search(r"\bASK\b", text[:start], flags=re.I)
    if not match:
        raise Unsupported("sh:ask is not an ASK query")
    prefixes = _prefixes(helper, site.graph, text[: match.start()])
    body = text[start : end + 1]

    def where(this: str, value: str) -> str:
        site.compilation.use_prefixes(prefixes, shapes_graph=SHAPES_GRAPH in text)
        bound = _substitute(body, {"this": this, "value": value})
        return f"{site.values(this, value)} FILTER NOT EXISTS {bound}"

    return site.rule(where, component=component, options={"sparql": source})
