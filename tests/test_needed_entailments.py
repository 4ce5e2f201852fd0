"""``msp-graph validate FILES`` stores only the entailments the shapes and the report read
(``check(transient=True)``, ``validation/footprint.py``): the same report, counts and inconsistencies as
a store holding every entailment, with fewer triples written."""

from __future__ import annotations

import io

import pytest

from bench.generate import generate
from msp_graph.loading import load_bundled, open_store
from msp_graph.stores import INFERRED_GRAPH, EmbeddedStore
from msp_graph.validation import check
from msp_graph.validation.footprint import Footprints

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
EX = "https://example.org/"
DISJOINT = f"""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}A> a owl:Class ; owl:disjointWith <{EX}B> .
<{EX}C> a owl:Class ; rdfs:subClassOf <{EX}A> .
<{EX}x> a <{EX}C>, <{EX}B> .
"""
BLANK = """
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
[] a msp:WorkersOrganisation ; dcterms:source <https://example.org/source> .
<https://example.org/y> dcterms:source [ a msp:CivilSocietyActor ] .
"""
SAME = f"""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/msp/id/partnership/better-work> owl:sameAs <{EX}bw> .
<{EX}bw> <http://www.w3.org/2004/02/skos/core#prefLabel> "Better Work (alias)"@en .
"""


def _stores(extra: bytes | None = None, generated: int = 0) -> tuple[EmbeddedStore, EmbeddedStore]:
    made = []
    for _ in range(2):
        store = open_store()
        load_bundled(store, data=not generated)
        if generated:
            out = io.StringIO()
            generate(generated, seed=3, out=out)
            store.load(out.getvalue().encode(), graph="https://w3id.org/msp/graph/generated", format="nt")
        if extra is not None:
            store.load(extra, graph="https://w3id.org/msp/graph/extra", format="ttl")
        made.append(store)
    return made[0], made[1]


@pytest.mark.parametrize(
    ("extra", "generated"),
    [
        pytest.param(None, 0, id="bundled"),
        pytest.param(None, 10_000, id="generated 10^4"),
        pytest.param(DISJOINT, 0, id="an inconsistency through an inferred type"),
        pytest.param(SAME, 0, id="owl:sameAs: the equality rules read everything"),
        pytest.param(BLANK, 0, id="entailments about blank nodes, never stored, are not counted"),
    ],
)
def test_the_same_report_with_only_the_entailments_validation_reads(extra, generated):
    whole, transient = _stores(extra and extra.encode(), generated)
    full = check(whole)
    partial = check(transient, transient=True)
    for fmt in ("text", "json", "turtle", "csv"):
        assert partial.render(fmt) == full.render(fmt), fmt
    assert partial.triples == full.triples
    assert partial.reasoning == full.reasoning  # counts and inconsistencies
    if extra == DISJOINT:
        assert [i.rule for i in full.inconsistencies] == ["cax-dw"]
    stored, everything = transient.count(INFERRED_GRAPH), whole.count(INFERRED_GRAPH)
    assert everything == full.reasoning.inferred
    if extra == SAME:
        assert stored == everything  # equality in play: every entailment written after all
    else:
        assert stored < everything / 2  # most entailments are read by no shape


def test_a_store_kept_holds_every_entailment(tmp_path):
    with open_store(tmp_path / "store") as store:
        load_bundled(store)
        report = check(store, transient=True)  # on disk: ignored
        assert store.count(INFERRED_GRAPH) == report.reasoning.inferred


@pytest.fixture
def prints():
    return Footprints(EmbeddedStore())


@pytest.mark.parametrize(
    ("where", "any_predicate"),
    [
        ("?s ?p ?o FILTER (?p IN (<urn:a>, <urn:b>))", False),
        ("?s $p ?o . FILTER(?p IN (ex:a))", False),
        ("?this <urn:p> ?_v4 .", False),  # not "?_v" followed by "4"
        ("?s ?p ?o OPTIONAL { ?s <urn:q> ?z FILTER (?p IN (<urn:a>)) }", True),  # another group
        ("{ ?s ?p ?o } UNION { ?s <urn:q> ?o FILTER (?p IN (<urn:a>)) }", True),
        ("?s ?p ?o FILTER (?p IN (<urn:a>, ?q))", True),  # not constants
        ("?s ?p ?o FILTER (?p NOT IN (<urn:a>))", True),
        ("?s ?p ?o FILTER (?p IN (<urn:a>) || true)", True),
        ("?s ?p ?o . ?o ?q ?z FILTER (?p IN (<urn:a>))", True),  # ?q is free
        ("?s !<urn:a> ?o", True),
        ("?s !(<urn:a>|^<urn:b>) ?o", True),
        ("?s !ex:a ?o", True),
        ('?s <urn:p> ?o FILTER (!(isBlank(?o) || !REGEX(STR(?o), "x")))', False),  # boolean "not"
        ('?s ?p ?o FILTER (?p IN (<urn:a>) && STR(?o) < "b")', False),
        ('?s ?p ?o FILTER (?p IN (<urn:a>) && STR(?o) < "b" || true)', True),
        ("?s ?p ?o FILTER ((?p IN (<urn:a>)) && true)", True),  # not told: read as any
    ],
)
def test_a_variable_predicate_reads_any_unless_a_filter_of_its_group_lists_it(prints, where, any_predicate):
    found = prints.of(f"PREFIX ex: <urn:> SELECT * WHERE {{ {where} }}")
    assert found.any_predicate is any_predicate
    if not any_predicate and "IN" in where:
        assert found.touched("<urn:s>", "<urn:a>", "<urn:o>")
        assert not found.touched("<urn:s>", "<urn:z>", "<urn:o>")


def test_a_type_path_to_a_class_reads_the_types_of_its_subclasses():
    store = open_store()
    load_bundled(store, data=False)
    prints = Footprints(store)
    path = prints.of(
        "PREFIX msp: <https://w3id.org/msp/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?x WHERE { ?x a/rdfs:subClassOf* msp:Partnership }"
    )
    assert not path.any_type
    assert path.touched("<urn:x>", RDF_TYPE, "<https://w3id.org/msp/ontology#Partnership>")
    assert not path.touched("<urn:x>", RDF_TYPE, "<http://www.w3.org/2006/time#TemporalEntity>")
    free = prints.of("SELECT ?x WHERE { ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }")
    assert free.any_type
