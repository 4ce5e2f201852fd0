"""Running the compiled checks on a store: ``validate_store``, the fast SHACL engine end to end.

The queries of ``compile.py`` go through ``Store.query`` of the store given, set-at-a-time. In practice that
is the embedded Oxigraph store: ``msp_graph.validation.validate`` validates a remote store on a local copy
(Virtuoso 7 answers some of the compiled queries wrongly; docs/validation-engines.md). Turning rows into
results (the ``sh:datatype`` lexical check, pyshacl's reading of SPARQL rows) is done here, in Python; the
report graph is built by ``report_graph.py``. Shapes that cannot be compiled are validated by pyshacl
(``msp_graph.validation.reference.run_pyshacl``) on an rdflib copy of the store, in this process, and named
in ``ValidationNotes`` and a logged warning. Queries using ``$shapesGraph`` run on a copy of the data with
the shapes graph added as a named graph; the store validated is never changed.

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

from ...stores import Store, written
from ...stores.terms import rdflib_term, running_sparql, term
from ..reference import run_pyshacl
from .compile import Check, Plan, compile_shapes
from .components import candidates_among
from .report_graph import RawResult, add_results, report_graph
from .terms import ILL_FORMED, INSTANCE_OF, MARKED, SHAPES_GRAPH

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


class _IllFormed:
    """The literals of the store whose lexical form rdflib rejects for their datatype (pyshacl's test), read
    once per datatype a nested ``sh:datatype`` names: its marker becomes ``sameTerm`` tests against them."""

    def __init__(self, store: Store):
        self.store = store
        self.known: dict[str, list[str]] = {}

    def __call__(self, datatype: str) -> list[str]:
        if rdflib.term.XSDToPython.get(rdflib.URIRef(datatype)) is None:
            return []  # rdflib reads any lexical form of it (xsd:string, unknown datatypes): none ill-formed
        if datatype not in self.known:
            test = f"isLiteral(?v) && DATATYPE(?v) = <{datatype}>"
            query = f"SELECT DISTINCT ?v WHERE {{ ?s ?p ?v FILTER ({test}) }}"
            found = [row["v"] for row in self.store.query(query)]
            rdf = rdflib.URIRef(datatype)
            self.known[datatype] = sorted(str(v) for v in found if not _well_typed(rdflib_term(v), rdf))
        return self.known[datatype]

    def expand(self, query: str) -> str:
        def test(match: re.Match) -> str:
            var, literals = match.group(1), self(match.group(2))
            return "(" + " || ".join(f"sameTerm({var}, {t})" for t in literals) + ")" if literals else "false"

        return ILL_FORMED.sub(test, query)


class _WithShapesGraph:
    """A copy of the data with the shapes graph as one more named graph, for the queries that use
    ``$shapesGraph``; they run with the data's graphs as their default graph. Made once, when first needed,
    so the store validated is never changed."""

    IRI = "urn:x-msp-graph:validation:shapes-graph"

    def __init__(self, store: Store, shapes: rdflib.Graph):
        self.copy = ox.Store()
        self.copy.load(store.dump(format="nq"), format=ox.RdfFormat.N_QUADS)
        self.data = [ox.NamedNode(g) for g in store.graphs()]
        graph = ox.NamedNode(self.IRI)
        self.copy.extend(ox.Quad(*(term(t) for t in triple), graph) for triple in shapes)

    def query(self, sparql: str):
        with running_sparql("query"):
            return self.copy.query(sparql.replace(SHAPES_GRAPH, f"<{self.IRI}>"), default_graph=self.data)


@dataclass
class _Runner:
    """Runs checks on one store, expanding the markers of the compiled queries once per class / datatype."""

    store: Store
    shapes: rdflib.Graph
    subclasses: _Subclasses
    ill_formed: _IllFormed
    with_shapes: _WithShapesGraph | None = None

    def __call__(self, check: Check) -> list[RawResult]:
        results = self._results(check)
        if not results or check.repeat is None:
            return results
        rows = self.store.query(self._expand(check.repeat))
        times = {rdflib_term(row["this"]): int(row["n"].value) for row in rows}
        return [r for r in results for _ in range(times.get(r.focus, 1))]

    def _expand(self, query: str) -> str:
        return self.ill_formed.expand(self.subclasses.expand(query))

    def _query(self, check: Check):
        query = self._expand(check.query)
        if not check.shapes_graph:
            return self.store.query(query)
        if self.with_shapes is None:
            self.with_shapes = _WithShapesGraph(self.store, self.shapes)
        return self.with_shapes.query(query)

    def _results(self, check: Check) -> list[RawResult]:
        solutions = self._query(check)
        names = [v.value for v in solutions.variables]
        if check.python_datatype is not None:
            return _datatype_results(check, names, solutions)
        rows = [dict(zip(names, (rdflib_term(t) for t in row), strict=True)) for row in solutions]
        if check.sparql is not None:
            return _sparql_results(check, rows)
        out = []
        for row in rows:
            value = row.get("value") if check.value_level else None
            out.append(RawResult(check, row["this"], value, path=row.get("path") if check.path_var else None))
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


def _as_written(
    results: list[RawResult], plan: Plan, records: written.Written, run: _Runner
) -> list[RawResult]:
    """The results as the data was written, where the store rewrote literals when it loaded them
    (``stores.written``): ``sh:datatype`` judges those literals again as written, and a result's value is
    shown as written when its triple says which form that was."""
    judged = {id(c.constraint) for c in plan.checks if c.python_datatype is not None}
    stored = {rdflib_term(key.object) for triples in records.graphs.values() for key in triples}
    out = []
    for r in results:
        datatype = r.check.component == SH.DatatypeConstraintComponent and id(r.check.constraint) in judged
        if datatype and r.value in stored:
            continue  # judged again below
        path = r.check.shape.path()
        if isinstance(r.value, rdflib.Literal) and isinstance(path, rdflib.URIRef):
            forms = records.forms(term(r.focus), term(path), term(r.value))
            if len(forms) == 1:
                r = RawResult(r.check, r.focus, rdflib_term(forms[0], normalize=False), r.path, r.bound)
        out.append(r)
    for check in plan.checks:
        if check.python_datatype is not None:
            out.extend(_judged_as_written(check, records, run))
    return out


def _judged_as_written(check: Check, records: written.Written, run: _Runner) -> list[RawResult]:
    """``sh:datatype`` on the value nodes the store holds rewritten, each as written: by the triple on a
    predicate path, else every form the store holds so (a path of several steps)."""
    literals = sorted({str(key.object) for triples in records.graphs.values() for key in triples})
    rows = run.store.query(run._expand(candidates_among(check.query, check.python_datatype, literals)))
    path, datatype = check.shape.path(), check.python_datatype
    out = []
    for row in rows:
        this, value = row["this"], row["value"]
        if isinstance(path, rdflib.URIRef):
            forms = records.forms(this, term(path), value) or [value]
        else:
            forms = records.by_value(value) or [value]
        for form in forms:
            shown = rdflib_term(form, normalize=False)
            if form.language or form.datatype.value != str(datatype) or not _well_typed(shown, datatype):
                out.append(RawResult(check, rdflib_term(this), shown))
    return out


def _sparql_results(check: Check, rows: list[dict]) -> list[RawResult]:
    """The rows of a SPARQL-based check as results: a constraint component's validator gives one result per
    row (its ``?value`` and ``?path`` when bound); ``sh:sparql`` rows are read as pyshacl reads them."""
    if check.sparql.kind != "constraint":
        return _component_results(check, rows)
    return _constraint_results(check, rows)


def _component_results(check: Check, rows: list[dict]) -> list[RawResult]:
    out, seen = [], set()
    for row in rows:
        focus = row.get("this")
        value = row.get("value")
        if value is None and not check.shape.is_property_shape:
            value = focus
        key = (focus, value, row.get("path"))
        if focus is None or key in seen:
            continue
        seen.add(key)
        bound = {k: v for k, v in row.items() if v is not None} | {"this": focus}
        out.append(RawResult(check, focus, value, path=row.get("path"), bound=bound))
    return out


def _constraint_results(check: Check, rows: list[dict]) -> list[RawResult]:
    """pyshacl's reading of ``sh:sparql`` rows (``_validate_sparql_query``), per focus node."""
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
    run = _Runner(store, shapes, _Subclasses(store), _IllFormed(store))
    for check in plan.checks:
        results.extend(run(check))
        notes.queries += 1
    records = written.read(store)
    if records:
        results = _as_written(results, plan, records, run)
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
    ok, extra = run_pyshacl(store.to_rdflib(union=True), fallback_graph)
    if plan.whole_graph is not None:
        return bool(ok), extra, notes
    conforms = conforms and bool(ok)
    add_results(report, extra, conforms)
    return conforms, report, notes
