"""Running the compiled checks on a store: ``validate_store``, the fast SHACL engine end to end.

The queries of ``compile.py`` go through ``Store.query`` of the store given, set-at-a-time. In practice that
is the embedded Oxigraph store: ``msp_graph.validation.validate`` validates a remote store on a local copy
(Virtuoso 7 answers some of the compiled queries wrongly; docs/validation-engines.md). Turning rows into
results (the ``sh:datatype`` lexical check, pyshacl's reading of SPARQL rows) is done here, in Python; the
report graph is built by ``report_graph.py``. Shapes that cannot be compiled are validated by pyshacl
(``msp_graph.validation.reference.run_pyshacl``) on an rdflib copy of the store, in this process.

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
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
import rdflib
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, SH, XSD

from ...stores import Store
from ...stores.terms import rdflib_term
from ..reference import run_pyshacl
from .compile import INSTANCE_OF, MARKED, Check, Plan, compile_shapes
from .report_graph import RawResult, add_results, report_graph

__all__ = ["ValidationNotes", "validate_store"]

log = logging.getLogger(__name__)

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@dataclass
class ValidationNotes:
    """What the fast engine did: queries run, and the shapes it handed to pyshacl (with the reason)."""

    queries: int = 0
    fallbacks: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"shape {shape} validated by pyshacl: {why}" for shape, why in sorted(self.fallbacks.items())]


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
                return f"{var} {INSTANCE_OF} <{cls}> ."
            count[0] += 1
            name = f"?_class{count[0]}"
            return f"VALUES {name} {{ {' '.join(classes)} }} {var} <{RDF.type}> {name} ."

        return MARKED.sub(pattern, query)


def _run(store: Store, check: Check, subclasses: _Subclasses) -> list[RawResult]:
    solutions = store.query(subclasses.expand(check.query))
    names = [v.value for v in solutions.variables]
    if check.python_datatype is not None:
        return _datatype_results(check, names, solutions)
    rows = [dict(zip(names, (rdflib_term(t) for t in row), strict=True)) for row in solutions]
    if check.sparql is not None:
        return _sparql_results(check, rows)
    out = []
    for row in rows:
        value = row.get("value") if check.value_level else None
        out.append(RawResult(check, row["this"], value))
    return out


def _datatype_results(check: Check, names: list[str], solutions) -> list[RawResult]:
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
            out.append(RawResult(check, rdflib_term(row[this]), rdflib_term(literal)))
    return out


_PYTHON_TYPES = {
    XSD.string: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


def _well_typed(value: rdflib.Literal, datatype: rdflib.URIRef) -> bool:
    """pyshacl's test (DatatypeConstraintComponent) for a literal that carries ``datatype``."""
    if datatype == RDF.langString:
        return isinstance(value.value, str | bytes)
    if getattr(value, "ill_typed", None) is True:
        return False
    expected = _PYTHON_TYPES.get(datatype)
    return expected is None or isinstance(value.value, expected)


def _sparql_results(check: Check, rows: list[dict]) -> list[RawResult]:
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
                out.append(RawResult(check, focus, default_value, bound=violation[1]))
                continue
            t, p, v, row = violation
            v = default_value if v is None else v
            out.append(RawResult(check, t or focus, v, path=p, bound=(t, p, v, row)))
    return out


def _fallback_shapes_graph(shapes: rdflib.Graph, plan: Plan, targeted: Iterable) -> rdflib.Graph:
    """The shapes graph with the targets of every compiled shape removed: pyshacl then validates only the
    shapes that fell back (shapes without targets are only reached through the ones that have some)."""
    keep = set(plan.fallback_shapes)
    out = rdflib.Graph()
    for prefix, namespace in shapes.namespace_manager.namespaces():
        out.namespace_manager.bind(prefix, namespace)
    class_types = {rdflib.RDFS.Class, *shapes.subjects(rdflib.RDFS.subClassOf, rdflib.RDFS.Class)}
    targeted = set(targeted)
    for s, p, o in shapes:
        if s in targeted and s not in keep and (p in _TARGETS or (p == RDF.type and o in class_types)):
            continue
        out.add((s, p, o))
    return out


def _has_targets(shape) -> bool:
    return any(set(t) for t in shape.target())


def validate_store(store: Store, shapes: rdflib.Graph) -> tuple[bool, rdflib.Graph, ValidationNotes]:
    """Validate the store's data (the union of its graphs) against ``shapes``.

    Returns ``(conforms, report graph, notes)``. Shapes that cannot be compiled are validated by pyshacl on
    an rdflib copy of the store (slow on big data), and listed in ``notes.fallbacks``.
    """
    notes = ValidationNotes()
    plan = compile_shapes(shapes)
    results: list[RawResult] = []
    subclasses = _Subclasses(store)
    for check in plan.checks:
        results.extend(_run(store, check, subclasses))
        notes.queries += 1
    report = report_graph(results, shapes)
    conforms = not results
    fallback_graph = None
    if plan.whole_graph is not None:
        notes.fallbacks["(all shapes)"] = plan.whole_graph
        fallback_graph = shapes
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
    conforms = conforms and bool(ok)
    add_results(report, extra, conforms)
    return conforms, report, notes
