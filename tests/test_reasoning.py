"""OWL 2 RL reasoning: same closure as owlrl's reference semantics, inconsistencies as values."""

from __future__ import annotations

from pathlib import Path

import owlrl
import rdflib
from rdflib import OWL, RDF

from msp_graph.loading import load_files, load_ontology, open_store
from msp_graph.reasoning import closure, reason
from msp_graph.stores import INFERRED_GRAPH

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
EX = rdflib.Namespace("https://example.org/")

EQUALITY = """
@prefix ex: <https://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Cat rdfs:subClassOf ex:Animal . ex:tom a ex:Cat ; owl:sameAs ex:thomas .
ex:thomas ex:likes ex:milk . ex:likes rdfs:domain ex:Animal ; owl:inverseOf ex:likedBy .
ex:x ex:p [ a ex:Cat ] .
"""


def test_closure_equals_owlrl_reference_without_reflexive_sameas():
    graph = rdflib.Graph().parse(data=EQUALITY, format="turtle")
    new, problems = closure(graph)
    reference = rdflib.Graph()
    for triple in graph:
        reference.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(reference)
    expected = {
        t
        for t in reference
        if t not in graph
        and not (t[1] == OWL.sameAs and t[0] == t[2])
        and not isinstance(t[0], rdflib.Literal)
    }
    assert set(new) == expected
    assert (EX.thomas, RDF.type, EX.Animal) in new
    assert (EX.milk, EX.likedBy, EX.tom) in new
    assert problems == []


def test_inconsistencies_name_rule_and_triples():
    graph = rdflib.Graph().parse(FIXTURES / "inconsistent.ttl")
    _, problems = closure(graph)
    by_rule = {p.rule: p for p in problems}
    assert by_rule["cls-nothing2"].triples == ((str(EX.nobody), str(RDF.type), str(OWL.Nothing)),)
    assert (str(EX.alone), str(OWL.differentFrom), str(EX.alone)) in by_rule["eq-diff1"].triples


def test_disjoint_classes():
    graph = rdflib.Graph().parse(
        data="""@prefix ex: <https://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        ex:A owl:disjointWith ex:B . ex:x a ex:A, ex:B .""",
        format="turtle",
    )
    _, problems = closure(graph)
    assert [p.rule for p in problems] == ["cax-dw"]
    assert (str(EX.x), str(RDF.type), str(EX.A)) in problems[0].triples


def test_reason_writes_only_new_triples_to_the_inferred_graph():
    store = open_store()
    load_ontology(store)
    load_files(store, [FIXTURES / "small.ttl"])
    result = reason(store)
    assert result.consistent and result.inferred == store.count(INFERRED_GRAPH) > 0
    inferred = store.to_rdflib([INFERRED_GRAPH], union=True)
    asserted = store.to_rdflib([g for g in store.graphs() if g != INFERRED_GRAPH], union=True)
    assert not any(t in asserted for t in inferred if not any(isinstance(x, rdflib.BNode) for x in t))
    msp = rdflib.Namespace("https://w3id.org/msp/ontology#")
    group = rdflib.Namespace("https://w3id.org/msp/vocab/stakeholder-group/")
    # the ontology's hasValue restriction gives ITUC its stakeholder group
    assert (EX.ituc, msp.stakeholderGroup, group["workers-organisations"]) in inferred
    assert not any(isinstance(x, rdflib.BNode) for t in inferred for x in t)
    # a second run replaces the graph rather than adding to it
    assert reason(store).inferred == result.inferred == store.count(INFERRED_GRAPH)
