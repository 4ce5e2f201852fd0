"""The fast engine (msp_graph.validation.sparql, ``validate --engine sparql``) against pyshacl, the reference.

* the shapes fixtures: the same expectations as tests/test_shapes.py, from one batch run of the fast engine;
* the bundled data and generated graphs (bench/generate.py, several seeds and sizes): every result equal to
  pyshacl's, compared as sets of (focus, path, value, source shape, component, severity, message, labels,
  partnership), messages included;
* the W3C SHACL test suite (core) for the components the engine compiles (``fastshacl.COMPILED``), read in
  place from ../shared/w3c-shacl-tests (skipped when absent, unless CI=true); cases where the store
  changes the data are listed, with the reason, in ``STORE_CHANGES_DATA`` (docs/validation-engines.md).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pyshacl
import pytest
import rdflib
import rdflib.compare
from conftest import copy_graph, owl_rl_closure
from rdflib import RDF, SH
from test_shapes import ALL_FIXTURES, EX, _declared_severity, _namespace, english_message

from msp_graph.loading import load_bundled, open_store
from msp_graph.stores import EmbeddedStore, source_graph
from msp_graph.validation import check, load_shapes
from msp_graph.validation import sparql as fastshacl
from msp_graph.validation.sparql.compile import sparql_path

REPO = Path(__file__).resolve().parent.parent
W3C = REPO.parent / "shared" / "w3c-shacl-tests" / "core"  # ../shared, beside the repository
COMPOSITION = "https://w3id.org/msp/shapes#PartnershipShape-composition"


def _store(graph: rdflib.Graph) -> EmbeddedStore:
    store = EmbeddedStore()
    store.add(graph, graph=source_graph("test"))
    return store


def _rows(report: rdflib.Graph) -> list[dict]:
    rows = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        rows.append(
            {
                "focus": report.value(node, SH.focusNode),
                "shape": report.value(node, SH.sourceShape),
                "component": report.value(node, SH.sourceConstraintComponent),
                "severity": report.value(node, SH.resultSeverity),
                "constraint": report.value(node, SH.sourceConstraint),
                "messages": sorted(str(m) for m in report.objects(node, SH.resultMessage)),
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------------
# The shapes fixtures: the expectations of tests/test_shapes.py
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fast_batch(ontology_vocab_closure: rdflib.Graph, shapes_graph: rdflib.Graph) -> dict[str, list[dict]]:
    """Every fixture's results from one run of the fast engine (fixtures renamed as in test_shapes.py)."""
    data = copy_graph(ontology_vocab_closure)
    for index, fixture in enumerate(ALL_FIXTURES):
        data.parse(
            data=fixture.path.read_text(encoding="utf-8").replace(EX, _namespace(index)), format="turtle"
        )
    owl_rl_closure(data)
    for triple in [t for t in data if isinstance(t[0], rdflib.Literal)]:
        data.remove(triple)  # owlrl's literal subjects: not RDF, and no store takes them
    _, report, notes = fastshacl.validate_store(_store(data), shapes_graph)
    assert not notes.fallbacks, f"the bundled shapes should all compile: {notes.lines()}"
    by_fixture: dict[str, list[dict]] = {f.id: [] for f in ALL_FIXTURES}
    for row in _rows(report):
        match = re.match(re.escape(EX) + r"(\d+)/", str(row["focus"]))
        assert match, f"result whose focus node belongs to no fixture: {row}"
        prefix = _namespace(int(match.group(1)))
        row["focus"] = rdflib.URIRef(str(row["focus"]).replace(prefix, EX))
        row["messages"] = sorted(m.replace(prefix, EX) for m in row["messages"])
        by_fixture[ALL_FIXTURES[int(match.group(1))].id].append(row)
    return by_fixture


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=[f.id for f in ALL_FIXTURES])
def test_fixture_results(fixture, fast_batch, shapes_graph) -> None:
    rows = fast_batch[fixture.id]
    actual = {(str(r["focus"]), str(r["shape"]), str(r["component"]), str(r["severity"])) for r in rows}
    expected = {(f, s, c, sev or _declared_severity(shapes_graph, s)) for f, s, c, sev in fixture.expect}
    assert actual == expected, f"{fixture.path}: fast engine results differ from the fixture's expectations"
    for row in rows:
        assert english_message(shapes_graph, row), f"{fixture.path}: result without an English message: {row}"


@pytest.mark.parametrize("fixture", [f for f in ALL_FIXTURES if f.messages], ids=lambda f: f.id)
def test_fixture_messages(fixture, fast_batch, shapes_graph) -> None:
    english = {(str(r["focus"]), english_message(shapes_graph, r)) for r in fast_batch[fixture.id]}
    for focus, message in fixture.messages:
        assert (focus, message) in english, f"{fixture.path}: no result with this message; got {english}"


def test_composition_messages_in_every_language(fast_batch) -> None:
    """The three messages of a composition result, group lists in their fixed order (English labels)."""
    from test_shapes import COMPOSITION_MESSAGES

    for name, messages in COMPOSITION_MESSAGES.items():
        (row,) = fast_batch[f"PartnershipShape-composition/invalid/{name}"]
        assert row["messages"] == sorted(messages), name


# ---------------------------------------------------------------------------------------------------------
# Exact parity with pyshacl: the bundled data and generated graphs, messages included
# ---------------------------------------------------------------------------------------------------------


def _keys(report) -> set[tuple]:
    return {
        (
            r.focus_node,
            r.path,
            r.value,
            r.source_shape,
            r.constraint_component,
            r.severity,
            r.message,
            r.focus_label,
            r.partnership,
            r.partnership_label,
        )
        for r in report.results
    }


def _both(store) -> tuple:
    fast = check(store, engine="sparql")
    reference = check(store, engine="pyshacl")
    return fast, reference


def _assert_same(reports) -> None:
    fast, reference = reports
    a, b = _keys(fast), _keys(reference)
    assert a - b == set() and b - a == set(), (
        f"only fast: {sorted(a - b)[:3]}; only pyshacl: {sorted(b - a)[:3]}"
    )
    assert len(fast.results) == len(reference.results)
    assert fast.conforms == reference.conforms
    assert fast.summary() == reference.summary()


@pytest.fixture(scope="module")
def bundled_reports():
    store = open_store()
    load_bundled(store)
    return _both(store)


@pytest.mark.slow
def test_bundled_data_same_results_as_pyshacl(bundled_reports) -> None:
    assert bundled_reports[1].results, "the bundled data should give results to compare"
    _assert_same(bundled_reports)
    fast, reference = bundled_reports
    for fmt in ("text", "table", "json", "csv"):
        assert fast.render(fmt) == reference.render(fmt), fmt


@pytest.mark.slow
def test_validate_command_prints_the_same_report_with_both_engines() -> None:
    """``msp-graph validate`` on the bundled data: the default engine (sparql) and the reference."""
    from typer.testing import CliRunner

    from msp_graph.cli import app

    default = CliRunner().invoke(app, ["validate", "-q"])
    reference = CliRunner().invoke(app, ["validate", "-q", "--engine", "pyshacl"])
    assert default.exit_code == reference.exit_code == 1, default.output
    assert re.search(r"Other groups present: [^.\n]+, [^.\n]+\.", default.stdout), "no group list compared"
    assert default.stdout == reference.stdout


# Generated graphs (bench/generate.py): sizes and seeds. Each defect kind of the generator shows up in them.
GENERATED = [(1_500, 3), (1_500, 11), (4_000, 5)]


@pytest.mark.slow
@pytest.mark.parametrize(("size", "seed"), GENERATED, ids=[f"{n}-seed{s}" for n, s in GENERATED])
def test_generated_graph_same_results_as_pyshacl(size: int, seed: int, tmp_path) -> None:
    from bench.generate import generate

    path = tmp_path / "graph.nt"
    with path.open("w", encoding="utf-8") as out:
        generate(size, seed=seed, out=out)
    store = open_store()
    load_bundled(store, data=False)
    store.load(path, graph=source_graph("generated"))
    reports = _both(store)
    assert reports[1].results, "the generated graph carries defects: there should be results"
    assert any(r.source_shape == COMPOSITION for r in reports[1].results), "no composition result compared"
    _assert_same(reports)


# ---------------------------------------------------------------------------------------------------------
# Behaviour of the engine itself
# ---------------------------------------------------------------------------------------------------------

_SHAPES_WITH_XONE = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:A a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
ex:B a sh:NodeShape ; sh:targetClass ex:C ; sh:xone ( [ sh:class ex:D ] [ sh:class ex:E ] ) .
"""


def test_unsupported_component_goes_to_pyshacl_for_that_shape_only(caplog) -> None:
    shapes = rdflib.Graph().parse(data=_SHAPES_WITH_XONE, format="turtle")
    data = rdflib.Graph().parse(data="@prefix ex: <http://example.org/> . ex:x a ex:C .", format="turtle")
    conforms, report, notes = fastshacl.validate_store(_store(data), shapes)
    assert notes.fallbacks == {"http://example.org/B": "sh:xone not compiled"}
    assert "shape http://example.org/B validated by pyshacl: sh:xone not compiled" in caplog.text
    found = {(r["shape"], str(r["component"])) for r in _rows(report)}
    property_shape = shapes.value(rdflib.URIRef("http://example.org/A"), SH.property)
    assert found == {
        (property_shape, str(SH.MinCountConstraintComponent)),
        (rdflib.URIRef("http://example.org/B"), str(SH.XoneConstraintComponent)),
    }
    assert conforms is False


def test_sparql_constraint_is_one_query_over_all_focus_nodes(shapes_graph) -> None:
    plan = fastshacl.compile_shapes(shapes_graph)
    (check,) = [c for c in plan.checks if c.sparql is not None and str(c.shape.node) == COMPOSITION]
    assert "$this" not in check.query.split("WHERE", 1)[1] or "?this" in check.query
    assert re.search(r"GROUP BY [?$]this", check.query), "the focus variable must be a grouping key"
    assert not plan.fallback_shapes


_NESTED_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:N a sh:NodeShape ; sh:targetNode ex:a, "4"^^<http://www.w3.org/2001/XMLSchema#integer>, 4.0 ;
    sh:property [ sh:path ex:p ;
        sh:property [ sh:path ex:q ; sh:property [ sh:path ex:r ; sh:minCount 1 ] ] ] .
"""


def test_query_text_depends_only_on_the_shapes() -> None:
    """Fresh variable names belong to one compilation: compiling other shapes in between changes nothing."""
    bundled, _ = load_shapes()
    nested = rdflib.Graph().parse(data=_NESTED_SHAPES, format="turtle")

    def texts(shapes: rdflib.Graph) -> list[str]:
        plan = fastshacl.compile_shapes(shapes)
        assert not plan.fallback_shapes and plan.whole_graph is None
        return [check.query for check in plan.checks]

    first, first_nested = texts(bundled), texts(nested)
    assert "?_f2" in first_nested[0], "the nested shapes should need fresh variables"
    texts(rdflib.Graph().parse(data=_SHAPES_WITH_CLASSES, format="turtle"))
    texts(nested)
    assert texts(bundled) == first
    assert texts(nested) == first_nested


_SHAPES_WITH_CLASSES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetClass ex:Top ;
    sh:property [ sh:path ex:knows ; sh:class ex:Agent ] ,
                [ sh:path ex:born ; sh:datatype xsd:date ] ,
                [ sh:path ex:odd ; sh:class ex:Odd ] .
"""
_DATA_WITH_CLASSES = """
@prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Mid rdfs:subClassOf ex:Top . ex:Low rdfs:subClassOf ex:Mid .
ex:Person rdfs:subClassOf ex:Agent . ex:Student rdfs:subClassOf ex:Person .
_:restriction rdfs:subClassOf ex:Odd .
ex:a a ex:Top ; ex:knows ex:s1, ex:p1, ex:r1 ; ex:born "2001-02-03"^^xsd:date ; ex:odd ex:o1 .
ex:b a ex:Low ; ex:knows ex:x1 ; ex:born "2001-02-30"^^xsd:date, "2001-02-03"^^xsd:date ; ex:odd ex:o2 .
ex:c a ex:Mid ; ex:born "2001-02-30"^^xsd:date, "soon"^^xsd:date, "2001"^^xsd:gYear .
ex:d a ex:Agent ; ex:knows ex:x1 .
ex:s1 a ex:Student . ex:p1 a ex:Person . ex:r1 a ex:Agent . ex:x1 a ex:Top .
ex:o1 a _:restriction . ex:o2 a ex:Top .
"""


def test_subclass_closure_and_datatypes_agree_with_pyshacl() -> None:
    """Instances through ``rdfs:subClassOf*`` (targets and sh:class, the closure read from the data, a blank
    node in it), and ill-typed literals repeated on several focus nodes: the same results as pyshacl."""
    shapes = rdflib.Graph().parse(data=_SHAPES_WITH_CLASSES, format="turtle")
    data = rdflib.Graph().parse(data=_DATA_WITH_CLASSES, format="turtle")
    store = _store(data)
    conforms, report, notes = fastshacl.validate_store(store, shapes)
    ok, expected, _ = pyshacl.validate(copy_graph(data), shacl_graph=shapes, inference="none")
    assert not notes.fallbacks and conforms is ok is False

    def keys(graph):
        return {
            tuple(graph.value(n, p) for p in (SH.focusNode, SH.value, SH.sourceConstraintComponent))
            for n in graph.subjects(RDF.type, SH.ValidationResult)
        }

    found = keys(report)
    assert found == keys(expected)
    ex = rdflib.Namespace("http://example.org/")
    date = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#date")
    assert (ex.b, ex.x1, SH.ClassConstraintComponent) in found  # ex:d is an Agent, not a Top: no focus
    assert {(f, v) for f, v, c in found if c == SH.DatatypeConstraintComponent} == {
        (ex.b, rdflib.Literal("2001-02-30", datatype=date)),
        (ex.c, rdflib.Literal("2001-02-30", datatype=date)),
        (ex.c, rdflib.Literal("soon", datatype=date)),
        (ex.c, rdflib.Literal("2001", datatype=rdflib.URIRef("http://www.w3.org/2001/XMLSchema#gYear"))),
    }
    assert (ex.b, ex.o2, SH.ClassConstraintComponent) in found
    assert (ex.a, ex.o1, SH.ClassConstraintComponent) not in found  # typed by a blank-node subclass


def test_unknown_engine_is_a_clear_error() -> None:
    from msp_graph.errors import ShapesError

    with pytest.raises(ShapesError, match="unknown validation engine 'jena'"):
        check(open_store(), engine="jena")


# ---------------------------------------------------------------------------------------------------------
# The W3C SHACL test suite (core), for the components the engine compiles
# ---------------------------------------------------------------------------------------------------------

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")


def _w3c_cases() -> list:
    if not W3C.is_dir():
        return []
    cases = []
    for manifest in sorted(W3C.glob("*/manifest.ttl")):
        graph = rdflib.Graph().parse(manifest, format="turtle")
        for include in sorted(graph.objects(None, MF.include), key=str):
            cases.append(Path(str(include).removeprefix("file://")))
    return cases


def _uses_only_compiled(shapes: rdflib.Graph) -> list[str]:
    from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP

    used = {p for p in shapes.predicates() if p in CONSTRAINT_PARAMETERS_MAP}
    return sorted(shapes.qname(p) for p in used if p not in fastshacl.COMPILED)


def _term_key(term):
    if isinstance(term, rdflib.BNode):
        return "_:"
    if isinstance(term, rdflib.Literal):
        # Oxigraph stores numbers in canonical form ("01" becomes "1"): compare numbers by value.
        value = term.value if isinstance(term.value, int | float | Decimal) else str(term)
        return (value, term.datatype, term.language)
    return term


def _report_keys(report: rdflib.Graph, root) -> set:
    keys = set()
    for node in report.objects(root, SH.result):
        path = report.value(node, SH.resultPath)
        keys.add(
            (
                _term_key(report.value(node, SH.focusNode)),
                sparql_path(report, path) if path is not None else None,
                _term_key(report.value(node, SH.value)),
                _term_key(report.value(node, SH.sourceShape)),
                report.value(node, SH.sourceConstraintComponent),
                report.value(node, SH.resultSeverity),
            )
        )
    return keys


# Not claimed: cases where the store, not the engine, changes the data. Oxigraph (pyoxigraph 0.5.13) stores
# the ill-formed "300"^^xsd:byte (out of range) as "300"^^xsd:integer, so no engine reading the store can
# report the value the suite expects; test_store_changes_the_data_of_unclaimed_cases checks that the store
# does change it and that pyshacl on the store's data agrees with the fast engine.
STORE_CHANGES_DATA = {
    "property/datatype-ill-formed": 'the store rewrites "300"^^xsd:byte (out of range) to xsd:integer',
}


def _case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.stem}"


def _w3c_params() -> list:
    return [pytest.param(case, id=_case_id(case)) for case in _w3c_cases()]


def _w3c_tests(case: Path):
    """(test node, manifest graph, data graph, shapes graph) of each sht:Validate test of a case file."""
    graph = rdflib.Graph().parse(case, format="turtle")
    for test in graph.subjects(RDF.type, SHT.Validate):
        action = graph.value(test, MF.action)
        data_path = Path(str(graph.value(action, SHT.dataGraph)).removeprefix("file://"))
        shapes_path = Path(str(graph.value(action, SHT.shapesGraph)).removeprefix("file://"))
        data = rdflib.Graph().parse(data_path, format="turtle")
        shapes = rdflib.Graph().parse(shapes_path, format="turtle")
        yield test, graph, data, shapes


@pytest.mark.parametrize("case", _w3c_params())
def test_w3c_core_case(case: Path) -> None:
    if _case_id(case) in STORE_CHANGES_DATA:
        pytest.skip(f"not claimed: {STORE_CHANGES_DATA[_case_id(case)]}")
    for test, graph, data, shapes in _w3c_tests(case):
        unclaimed = _uses_only_compiled(shapes)
        if unclaimed:
            pytest.skip(f"not claimed: {', '.join(unclaimed)}")
        conforms, report, notes = fastshacl.validate_store(_store(data), shapes)
        assert not notes.fallbacks, notes.lines()
        expected = graph.value(test, MF.result)
        assert conforms == graph.value(expected, SH.conforms).toPython()
        root = next(report.subjects(RDF.type, SH.ValidationReport))
        assert _report_keys(report, root) == _report_keys(graph, expected)


@pytest.mark.parametrize("case_id", sorted(STORE_CHANGES_DATA))
def test_store_changes_the_data_of_unclaimed_cases(case_id: str) -> None:
    """What makes an unclaimed case a store artefact: the store's copy of the data differs from the file,
    and pyshacl on the store's copy gives exactly the fast engine's results."""
    case = W3C / f"{case_id}.ttl"
    if not case.is_file():
        pytest.skip(f"{case} absent")
    for _, _, data, shapes in _w3c_tests(case):
        store = _store(data)
        copy = store.to_rdflib()
        assert not rdflib.compare.isomorphic(copy, data), f"{case_id}: the store keeps the data as it is"
        _, fast, _ = fastshacl.validate_store(store, shapes)
        _, reference, _ = pyshacl.validate(copy, shacl_graph=shapes, inference="none", advanced=True)
        fast_root = next(fast.subjects(RDF.type, SH.ValidationReport))
        reference_root = next(reference.subjects(RDF.type, SH.ValidationReport))
        assert _report_keys(fast, fast_root) == _report_keys(reference, reference_root)


def test_w3c_suite_present_in_ci() -> None:
    if os.environ.get("CI") == "true":
        assert W3C.is_dir(), f"{W3C}: the W3C SHACL test suite is missing"
    elif not W3C.is_dir():
        pytest.skip(f"{W3C} absent")
    assert _w3c_cases(), "no W3C test case found"
