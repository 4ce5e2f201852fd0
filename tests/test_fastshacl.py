"""The fast engine (msp_graph.validation.sparql, ``validate --engine sparql``) against pyshacl, the reference.

* the shapes fixtures: the same expectations as tests/test_shapes.py, from one batch run of the fast engine;
* the bundled data and generated graphs (bench/generate.py, several seeds and sizes): every result equal to
  pyshacl's, compared as sets of (focus, path, value, source shape, component, severity, message, labels,
  partnership), messages included;
* the logical and shape-based components, SHACL-SPARQL, nested results, message languages, recursion, the
  fallback, and the second shape set of the benchmark (bench/shapes-logical/) against pyshacl on generated
  data;
* ``msp-graph validate DATA --shapes SHAPES``: the files given, alone, no reasoning unless asked.

The W3C SHACL test suite runs in tests/test_w3c_shacl.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from conftest import copy_graph, owl_rl_closure
from rdflib import RDF, SH
from rdflib.compare import isomorphic
from test_shapes import ALL_FIXTURES, EX, _declared_severity, _namespace, english_message

from msp_graph.loading import load_bundled, open_store
from msp_graph.stores import EmbeddedStore, source_graph
from msp_graph.validation import check, load_shapes
from msp_graph.validation import sparql as fastshacl

REPO = Path(__file__).resolve().parent.parent
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

_SHAPES_WITH_EXPRESSION = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:A a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
ex:B a sh:NodeShape ; sh:targetClass ex:C ; sh:expression [ sh:path ex:q ] .
"""


def test_uncompiled_shape_goes_to_pyshacl_for_that_shape_only(caplog) -> None:
    """A SHACL-AF node expression (sh:expression) is not compiled: pyshacl validates that shape only, and
    the run names it."""
    shapes = rdflib.Graph().parse(data=_SHAPES_WITH_EXPRESSION, format="turtle")
    data = rdflib.Graph().parse(
        data="@prefix ex: <http://example.org/> . ex:x a ex:C ; ex:q true . ex:y a ex:C ; ex:q 3 .",
        format="turtle",
    )
    conforms, report, notes = fastshacl.validate_store(_store(data), shapes)
    assert notes.fallbacks == {"http://example.org/B": "sh:expression / sh:js not compiled"}
    assert (
        "shape http://example.org/B validated by pyshacl: sh:expression / sh:js not compiled" in caplog.text
    )
    found = {(str(r["focus"]), r["shape"], str(r["component"])) for r in _rows(report)}
    property_shape = shapes.value(rdflib.URIRef("http://example.org/A"), SH.property)
    assert found == {
        ("http://example.org/x", property_shape, str(SH.MinCountConstraintComponent)),
        ("http://example.org/y", property_shape, str(SH.MinCountConstraintComponent)),
        (
            "http://example.org/y",
            rdflib.URIRef("http://example.org/B"),
            str(SH.ExpressionConstraintComponent),
        ),
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
# Logical and shape-based components, SHACL-SPARQL, nesting, languages (beyond the W3C suite)
# ---------------------------------------------------------------------------------------------------------

_PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
"""
_MIXED_SHAPES = (
    _PREFIXES
    + """
ex:Named a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:datatype xsd:string ] .
ex:Team a sh:NodeShape ; sh:targetClass ex:Team ;
    sh:property [ sh:path ex:member ; sh:node ex:Named ;
                  sh:qualifiedValueShape [ sh:path ex:role ; sh:hasValue ex:lead ] ; sh:qualifiedMinCount 1 ;
                  sh:qualifiedMaxCount 1 ] ;
    sh:or ( [ sh:path ex:budget ; sh:minCount 1 ] [ sh:path ex:sponsor ; sh:minCount 1 ] ) ;
    sh:or ( [ sh:sparql [ sh:select '''SELECT $this ?b
                WHERE { $this <http://example.org/budget> ?b FILTER (?b > 100) }''' ] ]
            [ sh:path ex:sponsor ; sh:minCount 1 ] ) ;
    sh:xone ( [ sh:path ex:open ; sh:hasValue true ] [ sh:path ex:closedOn ; sh:minCount 1 ] ) ;
    sh:not [ sh:path ex:member ; sh:minCount 4 ] ;
    sh:and ( ex:Named [ sh:path ex:start ; sh:lessThan ex:end ] ) ;
    sh:property [ sh:path ex:label ; sh:languageIn ( "en" "fr" ) ; sh:uniqueLang true ] ;
    sh:property [ sh:path ex:alias ; sh:disjoint ex:name ; sh:equals ex:altName ] ;
    sh:property [ sh:path ex:start ; sh:lessThanOrEquals ex:end ] .
ex:Tidy a sh:NodeShape ; sh:targetClass ex:Tidy ; sh:closed true ; sh:ignoredProperties ( rdf:type ) ;
    sh:property [ sh:path ex:name ] .
"""
)
_MIXED_DATA = (
    _PREFIXES
    + """
ex:t1 a ex:Team ; ex:name "T1" ; ex:member ex:ann, ex:bob ; ex:budget 3 ; ex:open true ;
    ex:start 1 ; ex:end 2 ; ex:label "a"@en, "b"@fr ; ex:alias "x" ; ex:altName "x" .
ex:t2 a ex:Team ; ex:member ex:ann, ex:cid, ex:dan, ex:eve ; ex:open true ; ex:closedOn "2020" ;
    ex:start 5 ; ex:end 2 ; ex:label "a"@en, "b"@en, "c"@de ; ex:name "T2" ; ex:alias "T2" ; ex:altName "y" .
ex:t3 a ex:Team ; ex:name "T3" ; ex:member ex:bob ; ex:sponsor ex:ann ; ex:closedOn "2021" .
ex:t4 a ex:Team ; ex:name "T4" ; ex:budget 500 ; ex:closedOn "2022" .
ex:ann ex:name "Ann" ; ex:role ex:lead .
ex:bob ex:name 7 .
ex:cid ex:role ex:lead ; ex:name "Cid" .
ex:dan ex:name "Dan" .
ex:tidy a ex:Tidy ; ex:name "n" ; ex:extra 1 .
"""
)


def _result_keys(report: rdflib.Graph) -> list[tuple]:
    """Every top-level result as (focus, path, value, source shape, component, severity), sorted."""
    keys = []
    for root in report.subjects(RDF.type, SH.ValidationReport):
        for node in report.objects(root, SH.result):
            path, shape = report.value(node, SH.resultPath), report.value(node, SH.sourceShape)
            keys.append(
                (
                    str(report.value(node, SH.focusNode)),
                    str(path) if isinstance(path, rdflib.URIRef) else "_:" if path is not None else None,
                    str(report.value(node, SH.value)),
                    str(shape) if isinstance(shape, rdflib.URIRef) else "_:",
                    str(report.value(node, SH.sourceConstraintComponent)),
                    str(report.value(node, SH.resultSeverity)),
                )
            )
    return sorted(keys, key=str)


def test_logical_and_other_core_components_agree_with_pyshacl() -> None:
    """sh:node, sh:or, sh:xone, sh:not, sh:and, qualified counts, property pairs, sh:languageIn,
    sh:uniqueLang and sh:closed in one shapes graph: each result as pyshacl gives it, and no fallback."""
    shapes = rdflib.Graph().parse(data=_MIXED_SHAPES, format="turtle")
    data = rdflib.Graph().parse(data=_MIXED_DATA, format="turtle")
    conforms, report, notes = fastshacl.validate_store(_store(data), shapes)
    _, expected, _ = pyshacl.validate(copy_graph(data), shacl_graph=shapes, inference="none")
    assert not notes.fallbacks
    found = _result_keys(report)
    assert found == _result_keys(expected)
    assert ("http://example.org/t4", None, "http://example.org/t4") in {
        k[:3] for k in found
    }  # nested sh:sparql
    components = {k[4].rsplit("#", 1)[1] for k in found}
    assert components >= {
        "NodeConstraintComponent",
        "OrConstraintComponent",
        "XoneConstraintComponent",
        "NotConstraintComponent",
        "AndConstraintComponent",
        "QualifiedMinCountConstraintComponent",
        "QualifiedMaxCountConstraintComponent",
        "LessThanOrEqualsConstraintComponent",
        "LanguageInConstraintComponent",
        "UniqueLangConstraintComponent",
        "DisjointConstraintComponent",
        "EqualsConstraintComponent",
        "ClosedConstraintComponent",
    }, components
    assert conforms is False


def _counting(store: EmbeddedStore) -> list[str]:
    """The queries sent to ``store`` from now on."""
    sent: list[str] = []
    query = store.query

    def counted(text: str):
        sent.append(text)
        return query(text)

    store.query = counted  # type: ignore[method-assign]
    return sent


def test_one_query_per_constraint_whatever_the_number_of_focus_nodes() -> None:
    """Set-at-a-time: the number of queries does not grow with the data (nested shapes included)."""
    shapes = rdflib.Graph().parse(data=_MIXED_SHAPES, format="turtle")
    plan = fastshacl.compile_shapes(shapes)
    counts = []
    for copies in (1, 20):
        data = rdflib.Graph()
        for n in range(copies):
            data.parse(data=_MIXED_DATA.replace("ex:t", f"ex:c{n}t"), format="turtle")
        store = _store(data)
        sent = _counting(store)
        fastshacl.validate_store(store, shapes)
        counts.append(len(sent))
    assert counts[0] == counts[1]
    assert counts[0] <= 2 * len(plan.checks), "at most one helper query (repeats, closures) per check"


_SET_SHAPES = (
    _PREFIXES
    + """
ex:Named a sh:NodeShape ;
    sh:or ( [ sh:path ex:name ; sh:minCount 1 ; sh:datatype xsd:string ]
            [ sh:path ex:alias ; sh:minCount 1 ] ) ;
    sh:not [ sh:path ex:banned ; sh:minCount 1 ] ;
    sh:property [ sh:path ex:friend ; sh:property [ sh:path ex:name ; sh:maxCount 1 ] ] ;
    sh:property [ sh:path [ sh:zeroOrMorePath ex:part ] ; sh:hasValue ex:core ] .
ex:Lead a sh:NodeShape ; sh:property [ sh:path ex:role ; sh:hasValue ex:lead ] .
ex:Chair a sh:NodeShape ; sh:property [ sh:path ex:role ; sh:hasValue ex:chair ; sh:minCount 1 ] .
ex:Team a sh:NodeShape ; sh:targetClass ex:Team ; sh:targetNode ex:ghost ;
    sh:property [ sh:path ex:member ; sh:node ex:Named ] ;
    sh:property ex:leads, ex:chairs ;
    sh:and ( [ sh:path ex:member ; sh:node ex:Named ] [ sh:path ex:budget ; sh:minCount 1 ] ) ;
    sh:not [ sh:path ex:member ; sh:not ex:Lead ] ;
    sh:property [ sh:path ex:member ;
        sh:xone ( ex:Lead ex:Chair [ sh:path ex:alias ; sh:minCount 1 ] ) ] .
ex:leads sh:path ex:member ; sh:qualifiedValueShape ex:Lead ; sh:qualifiedValueShapesDisjoint true ;
    sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 .
ex:chairs sh:path ex:member ; sh:qualifiedValueShape ex:Chair ; sh:qualifiedValueShapesDisjoint true ;
    sh:qualifiedMinCount 1 .
"""
)
_SET_DATA = (
    _PREFIXES
    + """
ex:t1 a ex:Team ; ex:budget 1 ; ex:member ex:ann, ex:bob, ex:core .
ex:t2 a ex:Team ; ex:member ex:cid, ex:dan, ex:eve, ex:fay .
ex:t3 a ex:Team ; ex:budget 2 ; ex:member ex:gus .
ex:ann ex:name "Ann" ; ex:role ex:lead ; ex:part ex:core ; ex:friend ex:bob .
ex:bob ex:alias "B" ; ex:role ex:chair ; ex:part ex:x . ex:x ex:part ex:core .
ex:cid ex:name 3 ; ex:role ex:lead, ex:chair ; ex:part ex:core ; ex:friend ex:dan .
ex:dan ex:name "Dan", "Daniel" ; ex:role ex:lead ; ex:banned true .
ex:eve ex:name "Eve" ; ex:role ex:lead ; ex:part ex:core .
ex:gus ex:alias "G" ; ex:role ex:chair ; ex:part ex:core .
"""
)


def test_nested_shapes_set_at_a_time_agree_with_pyshacl() -> None:
    """Nested shapes checked as sets (joins and MINUS over the distinct value nodes): sh:or of a
    cardinality and a value test, sh:not of a cardinality, property shapes under property shapes, a path
    that gives the node itself, disjoint qualified shapes, a focus node the data does not hold; each
    result as pyshacl gives it."""
    shapes = rdflib.Graph().parse(data=_SET_SHAPES, format="turtle")
    data = rdflib.Graph().parse(data=_SET_DATA, format="turtle")
    _, report, notes = fastshacl.validate_store(_store(data), shapes)
    _, expected, _ = pyshacl.validate(copy_graph(data), shacl_graph=shapes, inference="none")
    assert not notes.fallbacks
    found = _result_keys(report)
    assert found == _result_keys(expected)
    assert {k[4].rsplit("#", 1)[1] for k in found} >= {
        "NodeConstraintComponent",
        "AndConstraintComponent",
        "NotConstraintComponent",
        "QualifiedMinCountConstraintComponent",
        "QualifiedMaxCountConstraintComponent",
        "XoneConstraintComponent",
    }
    assert ("http://example.org/ghost",) in {k[:1] for k in found}


def _nested_exists(query: str) -> bool:
    """Whether ``query`` has an ``EXISTS`` inside an ``EXISTS``."""
    depth, inside = 0, []
    for match in re.finditer(r"EXISTS\s*\{|\{|\}", query):
        if match.group().startswith("EXISTS"):
            if inside:
                return True
            inside.append(depth)
            depth += 1
        elif match.group() == "{":
            depth += 1
        else:
            depth -= 1
            if inside and inside[-1] == depth:
                inside.pop()
    return False


@pytest.mark.parametrize("shapes_text", ["nested", "logical"])
def test_nested_shapes_are_joins_not_nested_probes(shapes_text: str) -> None:
    """The report query of a constraint that nests shapes (sh:node, sh:and, sh:or, sh:not, qualified
    counts) finds the failing value nodes by joins and MINUS over all of them, never with an
    EXISTS inside an EXISTS (which Oxigraph evaluates by scanning, per row: 6 s for 17,672 partners at
    10^6 triples)."""
    if shapes_text == "nested":
        shapes = rdflib.Graph().parse(data=_SET_SHAPES, format="turtle")
    else:
        shapes = rdflib.Graph().parse(REPO / "bench" / "shapes-logical" / "partnerships.ttl")
    nesting = {"Node", "And", "Or", "Not", "QualifiedMinCount", "QualifiedMaxCount"}
    checks = [
        c
        for c in fastshacl.compile_shapes(shapes).checks
        if c.component.rsplit("#", 1)[1].removesuffix("ConstraintComponent") in nesting
    ]
    assert len(checks) >= 6
    for compiled in checks:
        assert not _nested_exists(compiled.query), compiled.query


def test_recursive_shapes_are_an_error_naming_the_cycle() -> None:
    from msp_graph.errors import ShapesError

    shapes = rdflib.Graph().parse(
        data=_PREFIXES
        + """
ex:Person a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:knows ; sh:node ex:Friend ] .
ex:Friend a sh:NodeShape ; sh:or ( [ sh:path ex:name ; sh:minCount 1 ] ex:Person ) .
""",
        format="turtle",
    )
    data = rdflib.Graph().parse(data=_PREFIXES + "ex:a a ex:Person ; ex:knows ex:b .", format="turtle")
    with pytest.raises(
        ShapesError,
        match=r"recursive shapes .*: ex:Person -> \[sh:path ex:knows\] -> ex:Friend -> ex:Person \(",
    ):
        fastshacl.validate_store(_store(data), shapes)


_SPARQL_SHAPES = (
    _PREFIXES
    + """
ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:message "Shape-level message"@en, "Message de la forme"@fr ;
    sh:sparql [ sh:prefixes ex: ;
        sh:message "{?n} is too big for {$this}"@en, "{?n} est trop grand pour {$this}"@fr ;
        sh:select "SELECT $this ?n WHERE { $this ex:size ?n FILTER (?n > 10) }" ] .
ex:P a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:size ; sh:maxCount 1 ;
        sh:message "Une seule taille"@fr, "One size only"@en ] .
"""
)


def test_messages_keep_their_language_tags() -> None:
    """Messages with {?var} keep their language after substitution (pyshacl drops it); the others as given."""
    shapes = rdflib.Graph().parse(data=_SPARQL_SHAPES, format="turtle")
    data = rdflib.Graph().parse(data=_PREFIXES + "ex:a a ex:Thing ; ex:size 12, 3 .", format="turtle")
    _, report, _ = fastshacl.validate_store(_store(data), shapes)
    messages = {
        (str(report.value(n, SH.sourceConstraintComponent)).rsplit("#", 1)[1], m.language, str(m))
        for n in report.subjects(RDF.type, SH.ValidationResult)
        for m in report.objects(n, SH.resultMessage)
    }
    assert ("SPARQLConstraintComponent", "en", "12 is too big for http://example.org/a") in messages
    assert ("SPARQLConstraintComponent", "fr", "12 est trop grand pour http://example.org/a") in messages
    assert ("SPARQLConstraintComponent", "fr", "Message de la forme") in messages
    assert ("MaxCountConstraintComponent", "fr", "Une seule taille") in messages
    assert ("MaxCountConstraintComponent", "en", "One size only") in messages


def test_shapes_graph_variable_queries_the_shapes_graph_and_leaves_the_store_alone() -> None:
    """$shapesGraph: a named graph holding the shapes, on a copy of the data (the store is not changed)."""
    shapes = rdflib.Graph().parse(
        data=_PREFIXES
        + """
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; ex:limit 5 ;
    sh:sparql [ sh:select \"\"\"SELECT $this ?value WHERE { $this <http://example.org/size> ?value .
        GRAPH $shapesGraph { $currentShape <http://example.org/limit> ?limit }
        FILTER (?value > ?limit) }\"\"\" ] .
""",
        format="turtle",
    )
    data = rdflib.Graph().parse(
        data=_PREFIXES + "ex:a a ex:Thing ; ex:size 7 . ex:b a ex:Thing ; ex:size 2 ."
    )
    store = _store(data)
    before = (store.graphs(), store.count())
    _, report, notes = fastshacl.validate_store(store, shapes)
    assert not notes.fallbacks
    assert [(k[0], k[2]) for k in _result_keys(report)] == [("http://example.org/a", "7")]
    assert (store.graphs(), store.count()) == before


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_fallback_results_keep_their_nested_results_nested(tmp_path: Path) -> None:
    """pyshacl nests the results of sh:node under sh:detail: merged into the fast engine's report, and read
    into a ValidationReport, they stay nested (they were promoted to top-level results)."""
    from msp_graph.validation import validate

    shapes = _file(
        tmp_path,
        "shapes.ttl",
        _PREFIXES
        + """
ex:Named a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
ex:B a sh:NodeShape ; sh:targetClass ex:C ; sh:expression [ sh:path ex:ok ] ;
    sh:property [ sh:path ex:member ; sh:node ex:Named ] .
""",
    )
    data = rdflib.Graph().parse(
        data=_PREFIXES + "ex:x a ex:C ; ex:ok true ; ex:member ex:m .", format="turtle"
    )
    store = _store(data)
    for engine in ("sparql", "pyshacl"):
        report = validate(store, shapes=[shapes], engine=engine)
        assert [(r.focus_node, r.constraint_component) for r in report.results] == [
            ("http://example.org/x", str(SH.NodeConstraintComponent))
        ], engine
        graph = report.graph
        (result,) = graph.objects(next(graph.subjects(RDF.type, SH.ValidationReport)), SH.result)
        (detail,) = graph.objects(result, SH.detail)
        assert graph.value(detail, SH.sourceConstraintComponent) == SH.MinCountConstraintComponent, engine


@pytest.mark.slow
def test_second_shape_set_of_the_benchmark_same_results_as_pyshacl(tmp_path: Path) -> None:
    """bench/shapes-logical (qualified value shapes, sh:or, sh:and, sh:not, sh:xone, sh:node, a SPARQL
    constraint) on generated data of 10^4 triples, as the benchmark validates it (the file alone, no
    reasoning): the same results as pyshacl, and every component it uses that the data breaks reported."""
    from bench.generate import generate
    from msp_graph.loading import load_files
    from msp_graph.validation import validate

    path = tmp_path / "graph.nt"
    with path.open("w", encoding="utf-8") as out:
        generate(10_000, seed=0, out=out)
    shapes = sorted((REPO / "bench" / "shapes-logical").glob("*.ttl"))
    store = open_store()
    load_files(store, [path])
    fast, reference = (validate(store, shapes=shapes, engine=e) for e in ("sparql", "pyshacl"))

    def keys(report) -> list[tuple]:
        return sorted(
            (r.focus_node, r.path, r.value, r.constraint_component, r.severity) for r in report.results
        )

    assert keys(fast) == keys(reference)
    assert {r.constraint_component.rsplit("#", 1)[1] for r in fast.results} >= {
        "QualifiedMinCountConstraintComponent",
        "QualifiedMaxCountConstraintComponent",
        "OrConstraintComponent",
        "AndConstraintComponent",
        "NotConstraintComponent",
        "NodeConstraintComponent",
        "SPARQLConstraintComponent",
    }


# ---------------------------------------------------------------------------------------------------------
# msp-graph validate --shapes: the files given, alone
# ---------------------------------------------------------------------------------------------------------

_ONTOLOGY_LABEL_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix msp: <https://w3id.org/msp/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Labelled a sh:NodeShape ; sh:targetNode msp:Partnership ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .
ex:PersonName a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ] .
"""
_KNOWS_DATA = """
@prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:knows rdfs:domain ex:Person . ex:a ex:knows ex:b .
"""


def _validate(*args: str):
    from typer.testing import CliRunner

    from msp_graph.cli import app

    return CliRunner().invoke(app, ["validate", *args, "-f", "json"])


def test_validate_with_own_shapes_reads_the_files_alone_without_reasoning(tmp_path: Path) -> None:
    """With --shapes: no bundled ontology (msp:Partnership has no label here) and no reasoning (the domain
    of ex:knows does not make ex:a a Person); --with-bundled adds the bundled ontology (and data), --reason
    the ontology and OWL 2 RL reasoning."""
    import json

    shapes = _file(tmp_path, "shapes.ttl", _ONTOLOGY_LABEL_SHAPES)
    data = _file(tmp_path, "data.ttl", _KNOWS_DATA)

    def focus_nodes(*options: str) -> set[str]:
        result = _validate(str(data), "--shapes", str(shapes), *options)
        assert result.exit_code in (0, 1), result.output
        return {r["focus_node"] for r in json.loads(result.stdout)["results"]}

    alone = focus_nodes()
    assert alone == {"https://w3id.org/msp/ontology#Partnership"}
    assert focus_nodes("--with-bundled") == set()
    assert focus_nodes("--reason") == {"http://example.org/a"}
    assert focus_nodes("--no-reason") == alone


def test_validate_names_the_shapes_pyshacl_validates(tmp_path: Path) -> None:
    shapes = _file(tmp_path, "shapes.ttl", _SHAPES_WITH_EXPRESSION)
    data = _file(
        tmp_path, "data.ttl", "@prefix ex: <http://example.org/> . ex:x a ex:C ; ex:p 1 ; ex:q true ."
    )
    result = _validate(str(data), "--shapes", str(shapes))
    assert result.exit_code == 0, result.output
    assert (
        "note: shape http://example.org/B validated by pyshacl: sh:expression / sh:js not compiled"
        in result.stderr
    )


def test_validate_refuses_reason_and_no_reason_together(tmp_path: Path) -> None:
    shapes = _file(tmp_path, "shapes.ttl", _ONTOLOGY_LABEL_SHAPES)
    result = _validate(str(shapes), "--shapes", str(shapes), "--reason", "--no-reason")
    assert result.exit_code == 2
    assert "--reason and --no-reason" in result.stderr


def test_a_query_shacl_forbids_is_a_shapes_error_with_both_engines(tmp_path: Path) -> None:
    """SHACL-SPARQL forbids MINUS in a pre-bound query: the run fails (exit 2 on the command line) with one
    line naming the shape, whichever engine runs (pyshacl returned its failure as the report graph)."""
    from msp_graph.errors import ShapesError
    from msp_graph.validation import validate

    shapes = _file(
        tmp_path,
        "shapes.ttl",
        _PREFIXES
        + "ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n"
        + '    sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o MINUS { $this ?p 1 } }" ] .',
    )
    store = _store(rdflib.Graph().parse(data=_PREFIXES + "ex:a ex:p 2 .", format="turtle"))
    with pytest.raises(ShapesError, match=r"SPARQL query of shape .*example.org/S.*MINUS"):
        validate(store, shapes=[shapes])
    with pytest.raises(ShapesError, match=r"pyshacl could not run: .*MINUS"):
        validate(store, shapes=[shapes], engine="pyshacl")


# ---------------------------------------------------------------------------------------------------------
# Speed without changing the results: SHACL-SPARQL joined once where that is pre-binding, the Turtle report
# ---------------------------------------------------------------------------------------------------------

_PREBOUND_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql ex:grouped, ex:in-filter, ex:in-optional .
ex:grouped sh:select '''
    SELECT $this ?n WHERE {
        $this a <http://example.org/Thing> .
        OPTIONAL { SELECT $this (COUNT(?x) AS ?found) WHERE { $this <http://example.org/p> ?x }
                   GROUP BY $this }
        BIND (COALESCE(?found, 0) AS ?n)
        FILTER (?n < 2)
    }''' .
ex:in-filter sh:select '''
    SELECT $this ?x WHERE { ?x <http://example.org/p> ?y FILTER (?y = $this) }''' .
ex:in-optional sh:select '''
    SELECT $this WHERE { <http://example.org/c> <http://example.org/p> ?y
        OPTIONAL { $this <http://example.org/p> ?y } FILTER (!BOUND(?y) || ?y != 1) }''' .
"""
_PREBOUND_DATA = """
@prefix ex: <http://example.org/> .
ex:a a ex:Thing ; ex:p 1, 2 . ex:b a ex:Thing ; ex:p 1 . ex:c a ex:Thing ; ex:p ex:a . ex:d a ex:Thing .
"""


def test_sparql_constraints_join_the_focus_nodes_only_where_that_is_pre_binding() -> None:
    """A query whose ``$this`` sits in graph patterns that bind it (and a sub-SELECT grouped by it) runs once
    for all focus nodes, joined with them; ``$this`` only in a FILTER or an OPTIONAL keeps LATERAL (one
    evaluation per focus node, pre-bound). Both give pyshacl's results."""
    shapes = rdflib.Graph().parse(data=_PREBOUND_SHAPES, format="turtle")
    plan = fastshacl.compile_shapes(shapes)
    lateral = {str(c.sparql.node).rsplit("/", 1)[1]: "LATERAL" in c.query for c in plan.checks}
    assert lateral == {"grouped": False, "in-filter": True, "in-optional": True}
    data = rdflib.Graph().parse(data=_PREBOUND_DATA, format="turtle")
    _, report, _ = fastshacl.validate_store(_store(data), shapes)
    _, expected, _ = pyshacl.validate(copy_graph(data), shacl_graph=shapes, inference="none")
    assert _result_keys(report) == _result_keys(expected)
    assert len(_result_keys(report)) >= 4


@pytest.mark.parametrize(
    ("query", "joined"),
    [
        ("SELECT $this ?x WHERE { $this ex:p ?x FILTER NOT EXISTS { $this ex:q ?x } }", True),
        ("SELECT $this ?x WHERE { { $this ex:p ?x } UNION { ?x ex:p $this } }", True),
        ("SELECT $this ?x WHERE { { $this ex:p ?x } UNION { ?x ex:p ?y } }", False),
        ("SELECT $this ?x WHERE { $this ex:p ?x { SELECT $this WHERE { $this ex:q ?z } LIMIT 1 } }", False),
        (
            "SELECT $this ?x WHERE { $this ex:p ?x "
            "OPTIONAL { SELECT (COUNT(*) AS ?n) WHERE { ?m ex:q $this } } }",
            False,
        ),
        ("SELECT $this ?x WHERE { BIND ($this AS ?x) $this ex:p ?x }", False),
        ("SELECT $this ?x WHERE { GRAPH ?g { $this ex:p ?x } }", False),
        ("SELECT $this (COUNT(?x) AS ?n) WHERE { $this ex:p ?x } GROUP BY $this", True),
        ("SELECT $this ?x WHERE { $this ex:p ?x . LATERAL { ?x ex:q ?y } }", False),  # rdflib cannot read it
    ],
)
def test_set_at_a_time_is_proven_on_the_algebra(query: str, joined: bool) -> None:
    from msp_graph.validation.sparql.sparql_based import set_at_a_time

    assert set_at_a_time(query, {"ex": "http://example.org/"}) is joined


def test_turtle_report_is_the_same_bytes_every_run() -> None:
    """The report graph written as Turtle (blank nodes named in an order fixed by the triples) is the same
    from run to run and holds the same graph as the report."""
    texts = []
    for _ in range(2):
        store = open_store()
        load_bundled(store)
        report = check(store)
        texts.append(report.render("turtle"))
    assert texts[0] == texts[1]
    parsed = rdflib.Graph().parse(data=texts[0], format="turtle")
    assert isomorphic(parsed, report.graph)
    assert len(list(parsed.subjects(RDF.type, SH.ValidationResult))) == len(report.results) > 0
