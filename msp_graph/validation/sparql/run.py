"""Running the compiled checks on a store: ``validate_store``, the fast SHACL engine end to end.

The queries of ``compile.py`` go through ``Store.query`` of the store given, set-at-a-time: the embedded
Oxigraph store, or a SPARQL endpoint (``RemoteStore.select``: only the rows cross the network, read page by
page when the server caps its answers). For an endpoint the queries are written in its dialect
(``Dialect``: Virtuoso 7's wrong answers worked around; docs/endpoints.md). Turning rows into
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

from ...errors import ShapesError
from ...sparql_text import code
from ...stores import EmbeddedStore, RemoteStore, Store, written
from ...stores.remote import Solutions
from ...stores.terms import rdflib_term, running_sparql, term
from ..reference import run_pyshacl
from .compile import Check, Plan, compile_shapes
from .components import candidates_among
from .lookups import Subclasses, select
from .parallel import results_of, worth_splitting
from .report_graph import RawResult, add_results, report_graph
from .sparql_based import _in_code
from .terms import ILL_FORMED, INSTANCE_OF, SHAPES_GRAPH

__all__ = ["Dialect", "ValidationNotes", "validate_store"]

log = logging.getLogger(__name__)

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@dataclass
class ValidationNotes:
    """What the fast engine did: queries run, and the shapes it handed to pyshacl (with the reason)."""

    queries: int = 0
    fallbacks: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"shape {shape} validated by pyshacl: {why}" for shape, why in sorted(self.fallbacks.items())]


_LATERAL = re.compile(r"\bLATERAL\b")
_CONSTANT = r"<[^<>\s]*>|[A-Za-z][\w.-]*:[\w.-]*"
_SAME_TERM_IRI = re.compile(
    rf"\bsameTerm\(\s*(?:([?$]\w+)\s*,\s*({_CONSTANT})|({_CONSTANT})\s*,\s*([?$]\w+))\s*\)", re.I
)
_FOCUS_SELECT = "{ SELECT ?this WHERE {"
_PROLOGUE = re.compile(r"^(\s|(PREFIX\s+[\w.-]*:\s*<[^>]*>)|(BASE\s*<[^>]*>))*", re.I)
_VALUES_MOST = 500  # terms in one VALUES list sent to an endpoint (Virtuoso compiles each into SQL)


@dataclass(frozen=True)
class Dialect:
    """How the compiled queries are written for the engine that runs them (``stores.DIALECTS``).

    ``oxigraph``: as compiled (the embedded store's engine). ``generic``: SPARQL 1.1 only, so a query that
    needs ``LATERAL`` (Oxigraph's lateral join) cannot run in the endpoint. ``virtuoso``: SPARQL 1.1 with
    Virtuoso 7's wrong answers worked around, each tested against the server (tests/test_in_endpoint.py):
    ``sameTerm(?x, <iri>)`` is never true there (written ``(isIRI(?x) && ?x = <iri>)``, the same test for
    an IRI); the rows of an ``sh:sparql`` query and its focus nodes are read apart and joined here
    (``_focus_apart``); a class hierarchy with blank nodes is refused (``instance_of``). And the sub-SELECT
    of focus nodes is ``DISTINCT`` (the same set of focus nodes): a server instance returned each focus row
    once per graph holding its type triple; no report has shown it, so this one has no test.
    """

    name: str = "oxigraph"

    def query(self, text: str, shape: object = None) -> str:
        if self.name == "oxigraph":
            return text
        if any(m.start() in {i for i, _ in code(text)} for m in _LATERAL.finditer(text)):
            raise ShapesError(
                f"shape {shape}: its query needs LATERAL, which only Oxigraph runs ({self.name} dialect); "
                "validate a local copy of the endpoint's data instead (--local-copy)"
            )
        if self.name == "virtuoso":
            text = _in_code(text, _SAME_TERM_IRI, _same_iri).replace(
                _FOCUS_SELECT, "{ SELECT DISTINCT ?this WHERE {"
            )
        return text

    def instance_of(self, var: str, cls: str) -> str:
        """The pattern: ``var`` is an instance of ``cls``, as a property path, for a class hierarchy holding
        blank nodes (which no ``VALUES`` list can name). Virtuoso 7 answers such paths wrongly under
        ``MINUS`` / ``NOT EXISTS`` whichever way they are written (``*``; ``+`` with the class itself;
        ``UNION``: each gave wrong rows on some server state), so there it is refused."""
        if self.name == "virtuoso":
            raise ShapesError(
                f"the class hierarchy of <{cls}> holds blank nodes, which Virtuoso's property paths get "
                "wrong under negation; validate a local copy of the endpoint's data instead (--local-copy)"
            )
        return f"{var} {INSTANCE_OF} <{cls}> ."


def _same_iri(match: re.Match) -> str:
    var, constant = (match[1], match[2]) if match[1] else (match[4], match[3])
    return f"(isIRI({var}) && {var} = {constant})"


def _groups(query: str) -> tuple[str, list[str]]:
    """The text before the WHERE clause of ``query``, and the groups directly inside that clause."""
    depth, start, opened, groups = 0, -1, -1, []
    for i, ch in code(query):
        if ch == "{":
            depth += 1
            if depth == 1:
                opened = i
            elif depth == 2:
                start = i
        elif ch == "}":
            depth -= 1
            if depth == 1:
                groups.append(query[start : i + 1])
    return query[:opened], groups


def _focus_apart(store: RemoteStore, query: str) -> Solutions:
    """A SPARQL-based check ``SELECT * WHERE { {focus nodes} {rows} }`` as two queries joined here: Virtuoso
    7 loses rows joining a group with the query of an ``sh:sparql`` constraint (the composition rule on the
    small fixture: no row), while each runs right on its own. The rows come first; then which of their
    ``?this`` are focus nodes, named in ``VALUES`` lists of at most ``_VALUES_MOST`` (or all focus nodes,
    when one is a blank node, which ``VALUES`` cannot name)."""
    head, groups = _groups(query)
    prologue = _PROLOGUE.match(head)[0]
    if len(groups) != 2 or not re.fullmatch(r"\s*SELECT\s+\*\s+WHERE\s*", head[len(prologue) :], re.I):
        return store.select(query)
    focus, inner = groups
    rows = store.select(f"{prologue}SELECT * WHERE {inner}")
    these = sorted({row["this"] for row in rows if row["this"] is not None}, key=str)
    found: set = set()
    if any(isinstance(t, ox.BlankNode) for t in these):
        found = {row["this"] for row in store.select(f"{prologue}SELECT DISTINCT ?this WHERE {focus}")}
    else:
        for at in range(0, len(these), _VALUES_MOST):
            values = " ".join(str(t) for t in these[at : at + _VALUES_MOST])
            listed = f"{prologue}SELECT DISTINCT ?this WHERE {{ VALUES ?this {{ {values} }} {focus} }}"
            found |= {row["this"] for row in store.select(listed)}
    return Solutions(rows.variables, [row for row in rows if row["this"] in found])


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
            found = [row["v"] for row in select(self.store, query)]
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
    subclasses: Subclasses
    ill_formed: _IllFormed
    with_shapes: _WithShapesGraph | None = None
    dialect: Dialect = Dialect()

    def __call__(self, check: Check) -> list[RawResult]:
        results = self._results(check)
        if not results or check.repeat is None:
            return results
        rows = select(self.store, self._expand(check.repeat, check))
        times = {rdflib_term(row["this"]): int(row["n"].value) for row in rows}
        return [r for r in results for _ in range(times.get(r.focus, 1))]

    def _expand(self, query: str, check: Check | None = None) -> str:
        expanded = self.ill_formed.expand(self.subclasses.expand(query))
        return self.dialect.query(expanded, check.shape.node if check is not None else None)

    def _query(self, check: Check):
        query = self._expand(check.query, check)
        if not check.shapes_graph:
            if self.dialect.name == "virtuoso" and check.sparql is not None:
                return _focus_apart(self.store, query)
            return select(self.store, query)
        if isinstance(self.store, RemoteStore):
            raise ShapesError(
                f"shape {check.shape.node}: its query reads $shapesGraph, which runs on a copy of the data; "
                "validate a local copy of the endpoint's data instead (--local-copy)"
            )
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
    rows = select(
        run.store, run._expand(candidates_among(check.query, check.python_datatype, literals), check)
    )
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


def validate_store(
    store: Store, shapes: rdflib.Graph, *, dialect: str = "oxigraph"
) -> tuple[bool, rdflib.Graph, ValidationNotes]:
    """Validate the store's data (the union of its graphs) against ``shapes``.

    Returns ``(conforms, report graph, notes)``. Shapes that cannot be compiled are validated by pyshacl on
    an rdflib copy of the store (slow on big data), and listed in ``notes.fallbacks``; a remote store has
    no such copy (``ShapesError``: validate a local copy instead). ``dialect``: how the queries are written
    (``Dialect``).
    """
    notes = ValidationNotes()
    plan = compile_shapes(shapes)
    if isinstance(store, RemoteStore) and (plan.whole_graph is not None or plan.fallback_shapes):
        why = plan.whole_graph or "; ".join(f"{s}: {w}" for s, w in sorted(plan.fallback_shapes.items()))
        raise ShapesError(
            f"these shapes need pyshacl, which validates a copy of the data ({why}); validate a local copy "
            "of the endpoint's data instead (--local-copy)"
        )
    results: list[RawResult] = []
    language = Dialect(dialect)
    run = _Runner(store, shapes, Subclasses(store, language.instance_of), _IllFormed(store), dialect=language)
    # Two processes share the checks of a big in-memory store (``parallel``): the same results, sooner.
    split = isinstance(store, EmbeddedStore) and store.path is None and worth_splitting(store.count())
    for found in results_of(run, plan.checks, split=split):
        results.extend(found)
    notes.queries += len(plan.checks)
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
