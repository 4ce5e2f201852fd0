"""The SHACL Core constraint components that look at value nodes only, one compiler each.

Each compiler takes pyshacl's reading of the constraint and its ``Site`` and returns ``Rule``s
(``plan.py``): the report query over all focus nodes and the pattern used when the shape is nested in a
logical or shape-based constraint (``shape_based.py``). Value-based components compare terms in SPARQL;
``sh:datatype`` keeps rdflib's lexical check, as pyshacl does (candidates checked in Python for reports, a
set of ill-formed literals read from the store for nested shapes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import rdflib
from pyshacl.constraints.core.cardinality_constraints import (
    MaxCountConstraintComponent,
    MinCountConstraintComponent,
)
from pyshacl.constraints.core.other_constraints import (
    ClosedConstraintComponent,
    HasValueConstraintComponent,
    InConstraintComponent,
)
from pyshacl.constraints.core.property_pair_constraints import (
    DisjointConstraintComponent,
    EqualsConstraintComponent,
    LessThanConstraintComponent,
    LessThanOrEqualsConstraintComponent,
)
from pyshacl.constraints.core.string_based_constraints import (
    LanguageInConstraintComponent,
    MaxLengthConstraintComponent,
    MinLengthConstraintComponent,
    PatternConstraintComponent,
    UniqueLangConstraintComponent,
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
from rdflib import RDF, SH, XSD

from .plan import NOTHING, Focus, Found, Rule, Site
from .terms import COUNT_LIMIT, Unsupported, ill_formed, instance_of, ordered, term

__all__ = ["VALUE_COMPILERS", "candidates_among"]


# --- cardinality --------------------------------------------------------------------------------------------


def _count(literal: rdflib.Literal, parameter: str, site: Site) -> int:
    if site.path is None:
        raise Unsupported(f"{parameter} on a node shape")
    return min(int(literal.value), COUNT_LIMIT)


def _grouped(site: Site, this: str, test: str) -> str:
    """A sub-SELECT keeping ``this`` when the number of its distinct value nodes passes ``test``."""
    value = site.fresh()
    return (
        f"SELECT {this} WHERE {{ {site.values(this, value)} }} "
        f"GROUP BY {this} HAVING (COUNT(DISTINCT {value}) {test})"
    )


def _min_count(c: MinCountConstraintComponent, site: Site) -> list[Rule]:
    n = _count(c.min_count, "sh:minCount", site)
    if n <= 0:
        return []
    if n == 1:
        # Reported with MINUS, an anti-join over all value nodes at once: in Oxigraph 10x faster than a
        # NOT EXISTS probe per focus node (1.3 s -> 0.1 s for 17,672 members at 10^6). Nested under EXISTS
        # the focus is bound from outside, which MINUS would not see: there the NOT EXISTS form stays.
        def report(focus: Focus) -> str:
            values = site.values("?this", "?value")
            return f"SELECT DISTINCT ?this WHERE {{ {focus('?this')} MINUS {{ {values} }} }}"

        where = lambda this, _: f"FILTER NOT EXISTS {{ {site.values(this, site.fresh())} }}"  # noqa: E731
        # Set-at-a-time: the nodes without a value (the path gives the node itself when nullable: none).
        among = lambda _, var: Found(site.values(var, site.fresh()), negated=True)  # noqa: E731
        if site.nullable:
            among = lambda _, var: NOTHING  # noqa: E731
        return [site.rule(where, value_level=False, report=report, among=among)]

    def report(focus: Focus) -> str:
        return (
            f"SELECT ?this WHERE {{ {focus('?this')} OPTIONAL {{ {site.values('?this', '?value')} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
        )

    where = lambda this, _: f"FILTER NOT EXISTS {{ {_grouped(site, this, f'>= {n}')} }}"  # noqa: E731
    return [site.rule(where, value_level=False, report=report)]


def _max_count(c: MaxCountConstraintComponent, site: Site) -> list[Rule]:
    n = _count(c.max_count, "sh:maxCount", site)

    def report(focus: Focus) -> str:
        if site.nullable:  # the path gives the focus node itself: counted per focus node
            return (
                f"SELECT ?this WHERE {{ {focus('?this')} {site.values('?this', '?value')} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
            )
        # Counted over every subject of the path, then joined with the focus nodes: a hash join of two
        # scans, where joining first makes Oxigraph look up each focus node's values (2x slower at 10^6).
        return f"SELECT ?this WHERE {{ {{ {_grouped(site, '?this', f'> {n}')} }} {focus('?this')} }}"

    def where(this: str, _: str) -> str:
        if n == 0:  # any value at all (nested, no aggregate for the common small limits)
            return site.values(this, site.fresh())
        if n == 1:  # two distinct values
            a, b = site.fresh(), site.fresh()
            return f"{site.values(this, a)} {site.values(this, b)} FILTER (!sameTerm({a}, {b}))"
        return f"FILTER EXISTS {{ {_grouped(site, this, f'> {n}')} }}"

    # Set-at-a-time: every subject of the path counted at once (as the report does).
    among = None if site.nullable else lambda _, var: Found(f"{{ {_grouped(site, var, f'> {n}')} }}")
    return [site.rule(where, value_level=False, report=report, among=among)]


# --- value type ---------------------------------------------------------------------------------------------


def _class(c: ClassConstraintComponent, site: Site) -> list[Rule]:
    """Value nodes that are not instances of the class. Reported with MINUS, one anti-join against the
    class's instances (only ``?value`` is shared, and it is always bound), where ``NOT EXISTS`` looks up each
    value node's types once per class of the closure (at 10^6: 2.2 s -> 0.3 s for 67,279 members)."""

    def report(focus: Focus, k) -> str:
        values, instance = site.values("?this", "?value"), instance_of("?value", k)
        return f"SELECT DISTINCT ?this ?value WHERE {{ {focus('?this')} {values} MINUS {{ {instance} }} }}"

    return [
        site.filtered(
            lambda v, k=k: f"NOT EXISTS {{ {instance_of(v, k)} }}", report=lambda f, k=k: report(f, k)
        )
        for k in c.class_rules
    ]


def _datatype(c: DatatypeConstraintComponent, site: Site) -> list[Rule]:
    """Values that are not literals of the datatype at all (SPARQL), and literals of the datatype whose
    lexical form rdflib rejects, as pyshacl checks them: in a report the candidate literals are checked in
    Python (run.py); nested in another constraint, against the ill-formed literals of the store."""
    datatype = c.datatype_rule
    dt = term(datatype)
    if datatype == rdflib.RDFS.Literal:
        return [site.filtered(lambda v: f"!isLiteral({v})")]
    if datatype == RDF.langString:
        return [site.filtered(lambda v: f'!isLiteral({v}) || LANG({v}) = ""')]
    if datatype == rdflib.RDFS.Datatype:
        return [
            site.filtered(lambda v: f'!isLiteral({v}) || LANG({v}) != "" || DATATYPE({v}) = <{XSD.string}>')
        ]
    wrong = site.filtered(lambda v: f'!isLiteral({v}) || LANG({v}) != "" || DATATYPE({v}) != {dt}')

    def typed(v: str) -> str:
        return typed_as(v, dt)

    def violated(this: str) -> str:
        v = site.fresh()
        return f"{site.values(this, v)} FILTER ({typed(v)} && {ill_formed(v, datatype)})"

    among = lambda nodes, var: Found(f"{nodes} {violated(var)}")  # noqa: E731
    candidates = site.filtered(typed, violated=violated, among=among, options={"python_datatype": datatype})
    return [wrong, candidates]


def typed_as(v: str, dt: str) -> str:
    """The test "``v`` is a literal of datatype ``dt``" of ``sh:datatype``'s candidate query."""
    return f'isLiteral({v}) && LANG({v}) = "" && DATATYPE({v}) = {dt}'


def candidates_among(query: str, datatype: rdflib.URIRef, literals: list[str]) -> str:
    """The candidate query of a ``sh:datatype`` check turned into: the value nodes among ``literals`` (SPARQL
    terms: the literals the store rewrote when it loaded them, judged as written by run.py)."""
    test = " || ".join(f"sameTerm(?value, {t})" for t in literals) or "false"
    return query.replace(f"FILTER ({typed_as('?value', term(datatype))})", f"FILTER ({test})")


_NODE_KINDS = {
    SH.BlankNode: "isBlank({v})",
    SH.IRI: "isIRI({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


def _node_kind(c: NodeKindConstraintComponent, site: Site) -> list[Rule]:
    if c.nodekind_rule not in _NODE_KINDS:
        raise Unsupported(f"sh:nodeKind {c.nodekind_rule}")
    return [site.filtered(lambda v: "!" + _NODE_KINDS[c.nodekind_rule].format(v=v))]


# --- other value tests --------------------------------------------------------------------------------------


def _in(c: InConstraintComponent, site: Site) -> list[Rule]:
    allowed = ordered(c.in_vals, key=str)
    if any(isinstance(v, rdflib.BNode) for v in allowed):
        raise Unsupported("a blank node in sh:in")
    if not allowed:
        return [site.filtered(lambda v: "true")]
    if all(isinstance(v, rdflib.URIRef) for v in allowed):
        # IRIs only: = and sameTerm agree (an IRI never equals a literal), and NOT IN is fast.
        listed = ", ".join(term(v) for v in allowed)
        return [site.filtered(lambda v: f"{v} NOT IN ({listed})")]
    return [site.filtered(lambda v: "!(" + " || ".join(f"sameTerm({v}, {term(a)})" for a in allowed) + ")")]


def _has_value(c: HasValueConstraintComponent, site: Site) -> list[Rule]:
    out = []
    for value in ordered(c.has_value_set, key=str):
        constant = term(value)
        if site.path is None:
            where = lambda this, _, k=constant: f"FILTER (!sameTerm({this}, {k}))"  # noqa: E731
        else:
            where = lambda this, _, k=constant: f"FILTER NOT EXISTS {{ {this} {site.path} {k} }}"  # noqa: E731
        among = lambda _, var, k=constant: Found(f"{var} {site.path} {k}", negated=True)  # noqa: E731
        if site.path is None or site.nullable:
            among = None
        out.append(site.rule(where, value_level=False, among=among))
    return out


def _pattern(c: PatternConstraintComponent, site: Site) -> list[Rule]:
    flags = str(c.flags.value).lower() if c.flags is not None else ""
    sparql_flags = "".join(f for f in "imsx" if f in flags)
    out = []
    for rule in c.string_rules:
        pattern = str(rule.value)
        if re.search(r"\(\?[=!<]|\\[1-9]|\(\?P", pattern):
            raise Unsupported("sh:pattern with lookaround or back-references")
        regex = term(rdflib.Literal(pattern))
        out.append(
            site.filtered(lambda v, r=regex: f'isBlank({v}) || !REGEX(STR({v}), {r}, "{sparql_flags}")')
        )
    return out


def _min_length(c: MinLengthConstraintComponent, site: Site) -> list[Rule]:
    n = min(int(c.string_rules[0].value), COUNT_LIMIT)
    return [site.filtered(lambda v: f"isBlank({v}) || STRLEN(STR({v})) < {n}")] if n else []


def _max_length(c: MaxLengthConstraintComponent, site: Site) -> list[Rule]:
    n = min(int(c.string_rules[0].value), COUNT_LIMIT)
    return [site.filtered(lambda v: f"isBlank({v}) || STRLEN(STR({v})) > {n}")]


_RANGE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}


def _range(c, site: Site) -> list[Rule]:
    """``sh:minInclusive``, ``sh:maxInclusive``, ``sh:minExclusive``, ``sh:maxExclusive``."""
    graph = site.graph
    parameter = next(p for p in _RANGE if p in c.constraint_parameters())
    out = []
    for bound in graph.objects(site.shape.node, parameter):
        if not isinstance(bound, rdflib.Literal):
            raise Unsupported(f"{graph.qname(parameter)} that is not a literal")
        limit = _number(bound) or term(bound)
        out.append(site.filtered(lambda v, k=limit: f"!COALESCE({v} {_RANGE[parameter]} {k}, false)"))
    return out


def _number(bound: rdflib.Literal) -> str | None:
    """A numeric bound beyond Oxigraph's numbers (64-bit xsd:integer, xsd:decimal of 18 decimal places below
    1.7 * 10^20), written as the xsd:double nearest to it: as written it is an ill-formed literal there, and
    every comparison with it an error (a violation). None for any other bound."""
    value = bound.value
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    if isinstance(value, Decimal) and not value.is_finite():  # "NaN"^^xsd:decimal, as rdflib reads it
        return None
    fits = -(2**63) <= value < 2**63 if isinstance(value, int) else abs(value) < _DECIMALS_BELOW
    if fits and (isinstance(value, int) or -value.as_tuple().exponent <= 18):
        return None
    return f'"{float(value)!r}"^^<{XSD.double}>'


_DECIMALS_BELOW = Decimal(2**127) / 10**18


def _language_in(c: LanguageInConstraintComponent, site: Site) -> list[Rule]:
    """The value is a literal whose language tag matches one of the ranges (SPARQL ``langMatches``)."""
    ranges = [str(r) for r in site.graph.items(c.string_rules[0])]
    if not ranges:
        return [site.filtered(lambda v: "true")]

    def test(v: str) -> str:
        matches = " || ".join(f"langMatches(LANG({v}), {term(rdflib.Literal(r))})" for r in ranges)
        return f"!(isLiteral({v}) && ({matches}))"

    return [site.filtered(test)]


def _unique_lang(c: UniqueLangConstraintComponent, site: Site) -> list[Rule]:
    """One result per language tag that two value nodes share. Only ``true`` turns the constraint on (the
    W3C suite: ``"1"^^xsd:boolean`` does not)."""
    flags = list(site.graph.objects(site.shape.node, SH.uniqueLang))
    if site.path is None or not (len(flags) == 1 and str(flags[0]) == "true"):
        return []

    def pairs(this: str) -> tuple[str, str]:
        a, b = site.fresh(), site.fresh()
        body = (
            f"{site.values(this, a)} {site.values(this, b)} "
            f'FILTER (!sameTerm({a}, {b}) && LANG({a}) != "" && LCASE(LANG({a})) = LCASE(LANG({b})))'
        )
        return body, a

    def report(focus: Focus) -> str:
        body, a = pairs("?this")
        return (
            f"SELECT DISTINCT ?this ?lang WHERE {{ {focus('?this')} {body}"
            f" BIND (LCASE(LANG({a})) AS ?lang) }}"
        )

    return [site.rule(lambda this, _: pairs(this)[0], value_level=False, report=report)]


# --- property pairs and closed shapes -----------------------------------------------------------------------


def _compared(c, site: Site) -> list[str]:
    out = []
    for prop in ordered(c.property_compare_set, key=str):
        if not isinstance(prop, rdflib.URIRef):
            raise Unsupported(f"{c.constraint_name()} with a value that is not an IRI")
        out.append(f"<{prop}>")
    return out


def _equals(c: EqualsConstraintComponent, site: Site) -> list[Rule]:
    """Value nodes that are not values of the property, and values of the property that are not value
    nodes: two rules."""
    out = []
    for prop in _compared(c, site):
        out.append(site.rule(lambda t, v, p=prop: f"{site.values(t, v)} FILTER NOT EXISTS {{ {t} {p} {v} }}"))
        out.append(site.rule(lambda t, v, p=prop: f"{t} {p} {v} . FILTER NOT EXISTS {{ {site.has(t, v)} }}"))
    return out


def _disjoint(c: DisjointConstraintComponent, site: Site) -> list[Rule]:
    return [
        site.rule(lambda t, v, p=prop: f"{site.values(t, v)} {t} {p} {v} .") for prop in _compared(c, site)
    ]


def _less_than(c, site: Site, operator: str) -> list[Rule]:
    """One result per pair (value node, value of the property) where the first is not ``operator`` the second
    (incomparable terms included), as the SHACL specification says."""
    out = []
    for prop in _compared(c, site):

        def pair(this: str, value: str, p: str = prop) -> tuple[str, str]:
            other = site.fresh()
            return (
                f"{site.values(this, value)} {this} {p} {other} . "
                f"FILTER (!COALESCE({value} {operator} {other}, false))"
            ), other

        def report(focus: Focus, pair: Callable = pair) -> str:
            body, other = pair("?this", "?value")
            return f"SELECT DISTINCT ?this ?value {other} WHERE {{ {focus('?this')} {body} }}"

        out.append(site.rule(lambda t, v, pair=pair: pair(t, v)[0], report=report))
    return out


def _closed(c: ClosedConstraintComponent, site: Site) -> list[Rule]:
    """A result per triple of a value node whose predicate is neither the path of one of the shape's property
    shapes nor ignored; the predicate is the result path."""
    if not c.is_closed:
        return []
    allowed = set(c.ignored_props)
    for node in site.graph.objects(site.shape.node, SH.property):
        path = site.graph.value(node, SH.path)
        if isinstance(path, rdflib.URIRef):
            allowed.add(path)
    listed = ", ".join(term(p) for p in ordered(allowed, key=str) if isinstance(p, rdflib.URIRef))
    test = f"FILTER ({{p}} NOT IN ({listed}))" if listed else ""

    def triples(this: str, value: str, predicate: str) -> str:
        node = site.fresh()
        return f"{site.values(this, node)} {node} {predicate} {value} . {test.format(p=predicate)}"

    def report(focus: Focus) -> str:
        body = triples("?this", "?value", "?path")
        return f"SELECT DISTINCT ?this ?path ?value WHERE {{ {focus('?this')} {body} }}"

    return [site.rule(lambda t, v: triples(t, v, site.fresh()), report=report, options={"path_var": True})]


VALUE_COMPILERS: dict[type, Callable[..., list[Rule]]] = {
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
    LanguageInConstraintComponent: _language_in,
    UniqueLangConstraintComponent: _unique_lang,
    EqualsConstraintComponent: _equals,
    DisjointConstraintComponent: _disjoint,
    LessThanConstraintComponent: lambda c, site: _less_than(c, site, "<"),
    LessThanOrEqualsConstraintComponent: lambda c, site: _less_than(c, site, "<="),
    ClosedConstraintComponent: _closed,
}
