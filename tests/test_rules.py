"""The rules engine (``msp_graph.reasoning.rules``) gives owlrl's entailments for the rules it implements.

What is compared, both ways (``comparable``): the triples each engine infers beyond the asserted ones, with
an IRI subject and an object that is not a blank node, and

* ``rdf:type`` triples whose class is an IRI outside the RDF, RDFS, OWL and XSD namespaces: the named classes
  of the ontology and the data (``owl:Thing``, ``owl:Class``, ``rdfs:Datatype``... typing is owlrl's
  axiomatic and datatype output, which the rules engine does not write);
* every other triple whose predicate is outside the RDF and OWL namespaces and is not ``rdfs:subClassOf``,
  ``rdfs:subPropertyOf``, ``rdfs:domain`` or ``rdfs:range``: instance-level property triples (from
  prp-spo1/2, prp-eqp, prp-inv, prp-symp, prp-trp, cls-hv1, eq-rep-*), with literal objects included. The
  schema closure (scm-*) and ``owl:sameAs`` itself are left out.

The reference is ``msp_graph.reasoning.closure``: owlrl's OWL 2 RL semantics as the project runs it (without
eq-ref, whose ``x owl:sameAs x`` triples are dropped anyway). Inconsistencies are compared as (rule, message).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
import rdflib

from bench.generate import generate
from msp_graph.errors import ReasoningError
from msp_graph.loading import asserted_graphs, load_bundled, load_files, open_store
from msp_graph.reasoning import closure, reason, rules
from msp_graph.stores import INFERRED_GRAPH, source_graph
from msp_graph.validation import check, validate

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "shapes"
EX = "https://example.org/msp-test/"
SUBCLASS_FIXTURE = (
    FIXTURES / "PartnershipShape-composition/valid/workers-organisation-typed-through-a-subclass.ttl"
)
COMPOSITION = "https://w3id.org/msp/shapes#PartnershipShape-composition"

_META = (str(rdflib.RDF), str(rdflib.RDFS), str(rdflib.OWL), str(rdflib.XSD))
_SCHEMA = {
    str(rdflib.RDFS.subClassOf),
    str(rdflib.RDFS.subPropertyOf),
    str(rdflib.RDFS.domain),
    str(rdflib.RDFS.range),
}


def comparable(graph: rdflib.Graph) -> set[tuple]:
    """The part of an inferred graph both engines must agree on (see the module docstring)."""
    kept = set()
    for s, p, o in graph:
        if not isinstance(s, rdflib.URIRef) or isinstance(o, rdflib.BNode):
            continue
        if p == rdflib.RDF.type:
            if isinstance(o, rdflib.URIRef) and not str(o).startswith(_META):
                kept.add((s, p, o))
        elif not (str(p).startswith((str(rdflib.RDF), str(rdflib.OWL))) or str(p) in _SCHEMA):
            kept.add((s, p, o))
    return kept


def _nt(triples: set[tuple]) -> str:
    return "\n".join(sorted(" ".join(t.n3() for t in triple) for triple in triples))


def assert_same_as_owlrl(store) -> rules.ReasoningResult:
    """Run both engines on ``store``'s asserted graphs; fail listing every triple found by only one."""
    asserted = store.to_rdflib(asserted_graphs(store))
    reference, problems = closure(asserted)
    result = rules.materialise(store)
    ours = store.to_rdflib([INFERRED_GRAPH])
    assert not [t for t in ours if t in asserted], "the inferred graph restates asserted triples"
    assert not [t for t in ours for term in t if isinstance(term, rdflib.BNode)], "blank nodes stored"
    mine, theirs = comparable(ours), comparable(reference)
    assert not mine - theirs, f"inferred by the rules engine only:\n{_nt(mine - theirs)}"
    assert not theirs - mine, f"inferred by owlrl only:\n{_nt(theirs - mine)}"
    assert {(i.rule, i.message) for i in result.inconsistencies} == {(i.rule, i.message) for i in problems}
    assert result.inferred == len(ours)
    return result


def _store(*turtle: str, ontology: bool = True):
    store = open_store()
    if ontology:
        load_bundled(store, data=False)
    for index, text in enumerate(turtle):
        store.load(text.encode(), graph=source_graph(f"part-{index}"), format="ttl")
    return store


# --- equivalence on the project's graphs ------------------------------------------------------------------


def test_shape_fixtures_give_owlrls_entailments() -> None:
    """Every shapes fixture, each renamed into its own namespace (as tests/test_shapes.py batches them)."""
    paths = sorted(FIXTURES.glob("**/*.ttl"))
    assert len(paths) > 20
    texts = [p.read_text(encoding="utf-8").replace(EX, f"{EX}{i}/") for i, p in enumerate(paths)]
    result = assert_same_as_owlrl(_store(*texts))
    assert result.inferred > 1000


def test_bundled_data_gives_owlrls_entailments() -> None:
    store = open_store()
    load_bundled(store)
    result = assert_same_as_owlrl(store)
    assert result.consistent


def test_generated_graph_gives_owlrls_entailments() -> None:
    out = io.StringIO()
    generate(2_000, seed=11, out=out)
    store = open_store()
    load_bundled(store, data=False)
    store.load(out.getvalue().encode(), graph=source_graph("generated"), format="nt")
    assert_same_as_owlrl(store)


# --- every rule, on a small schema of its own -------------------------------------------------------------

PREFIXES = """
@prefix ex: <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

SCHEMA = """
ex:Cat rdfs:subClassOf ex:Animal . ex:Animal owl:equivalentClass ex:Beast .
ex:Beast rdfs:subClassOf ex:Living .
ex:Union owl:equivalentClass [ owl:onProperty ex:group ; owl:hasValue ex:workers ] .
ex:Local rdfs:subClassOf ex:Union .
ex:member owl:inverseOf ex:memberOf . ex:partner a owl:SymmetricProperty .
ex:within a owl:TransitiveProperty .
ex:chair rdfs:subPropertyOf ex:member . ex:member owl:equivalentProperty ex:hasMember .
ex:member rdfs:domain ex:Group ; rdfs:range ex:Agent . ex:label rdfs:subPropertyOf rdfs:label .
ex:grandparent owl:propertyChainAxiom ( ex:parent ex:parent ) .
ex:Collab owl:equivalentClass [ owl:intersectionOf ( ex:Group [ owl:onProperty ex:member ;
    owl:allValuesFrom ex:Org ] ) ] .
ex:Hub owl:equivalentClass [ owl:onProperty ex:member ; owl:someValuesFrom ex:Org ] .
ex:Either owl:equivalentClass [ owl:unionOf ( ex:Cat ex:Dog ) ] .
ex:Big owl:equivalentClass [ owl:intersectionOf ( ex:Group ex:Funded ) ] .
"""

DATA = """
ex:tom a ex:Cat . ex:rex a ex:Dog . ex:u1 ex:group ex:workers . ex:u2 a ex:Local .
ex:g1 ex:chair ex:ann . ex:a ex:partner ex:b .
ex:x ex:within ex:y . ex:y ex:within ex:z . ex:z ex:within ex:w .
ex:tom ex:label "Tom"@en , "7"^^xsd:integer . ex:p1 ex:parent ex:p2 . ex:p2 ex:parent ex:p3 .
ex:c1 a ex:Collab ; ex:hasMember ex:m1 . ex:h1 ex:member ex:o1 . ex:o1 a ex:Org . ex:g1 a ex:Funded .
"""


def test_each_rule_gives_owlrls_entailments() -> None:
    store = _store(PREFIXES + SCHEMA, PREFIXES + DATA, ontology=False)
    assert_same_as_owlrl(store)
    inferred = comparable(store.to_rdflib([INFERRED_GRAPH]))
    ex = rdflib.Namespace("http://example.org/")
    for triple in [
        (ex.tom, rdflib.RDF.type, ex.Living),  # cax-sco through cax-eqc
        (ex.u1, rdflib.RDF.type, ex.Union),  # cls-hv2
        (ex.u2, ex.group, ex.workers),  # cls-hv1
        (ex.ann, ex.memberOf, ex.g1),  # prp-spo1 then prp-inv1
        (ex.g1, ex.hasMember, ex.ann),  # prp-eqp
        (ex.ann, rdflib.RDF.type, ex.Agent),  # prp-rng
        (ex.b, ex.partner, ex.a),  # prp-symp
        (ex.x, ex.within, ex.w),  # prp-trp
        (ex.p1, ex.grandparent, ex.p3),  # prp-spo2
        (ex.m1, rdflib.RDF.type, ex.Org),  # cls-int2 then cls-avf
        (ex.h1, rdflib.RDF.type, ex.Hub),  # cls-svf1
        (ex.rex, rdflib.RDF.type, ex.Either),  # cls-uni
        (ex.g1, rdflib.RDF.type, ex.Big),  # cls-int1
        (ex.tom, rdflib.RDFS.label, rdflib.Literal("Tom", lang="en")),
    ]:
        assert triple in inferred, triple


def test_equality_rules_run_when_a_functional_property_has_two_values() -> None:
    data = """ex:member a owl:FunctionalProperty . ex:m1 ex:member ex:a , ex:b . ex:a a ex:Union .
        ex:b ex:name "B" . ex:c owl:sameAs ex:d . ex:d ex:knows ex:e ."""
    store = _store(PREFIXES + data, ontology=False)
    assert_same_as_owlrl(store)
    ex = rdflib.Namespace("http://example.org/")
    inferred = store.to_rdflib([INFERRED_GRAPH])
    assert (ex.b, rdflib.RDF.type, ex.Union) in inferred  # eq-rep-s after prp-fp
    assert (ex.c, ex.knows, ex.e) in inferred


def test_inconsistencies_are_owlrls() -> None:
    data = """
        ex:Cat owl:disjointWith ex:Dog . ex:Odd rdfs:subClassOf owl:Nothing .
        ex:next a owl:IrreflexiveProperty .
        ex:above a owl:AsymmetricProperty . ex:likes owl:propertyDisjointWith ex:hates .
        ex:Kitten rdfs:subClassOf ex:Cat . ex:Cat a owl:Class . ex:Dog a owl:Class .
        ex:k a ex:Kitten , ex:Dog . ex:o a ex:Odd . ex:n ex:next ex:n .
        ex:a ex:above ex:b . ex:b ex:above ex:a .
        ex:a ex:likes ex:b ; ex:hates ex:b . ex:s owl:sameAs ex:t ; owl:differentFrom ex:t .
        [] a owl:NegativePropertyAssertion ; owl:sourceIndividual ex:a ; owl:assertionProperty ex:likes ;
           owl:targetIndividual ex:b ."""
    store = _store(PREFIXES + data, ontology=False)
    result = assert_same_as_owlrl(store)
    found = {i.rule for i in result.inconsistencies}
    assert found == {"cax-dw", "cls-nothing2", "prp-irp", "prp-asyp", "prp-pdw", "prp-npa", "eq-diff1"}
    dw = next(i for i in result.inconsistencies if i.rule == "cax-dw")
    assert ("http://example.org/k", str(rdflib.RDF.type), "http://example.org/Dog") in dw.triples
    nothing = {i.message for i in result.inconsistencies if i.rule == "cax-dw" and "/o" in i.message}
    assert nothing, "owl:Nothing is a subclass of every declared class (scm-cls), so ex:o is a Cat and a Dog"


# --- behaviour --------------------------------------------------------------------------------------------


def test_subclass_fixture_conforms_with_the_rules_engine_and_not_without_reasoning() -> None:
    store = open_store()
    load_bundled(store, data=False)
    load_files(store, [SUBCLASS_FIXTURE])
    unreasoned = validate(store)
    assert COMPOSITION in {r.source_shape for r in unreasoned.results}
    report = check(store, reasoner="rules")
    assert report.results == [], [r.message for r in report.results]
    assert report.reasoning is not None and report.reasoning.inferred > 0


def test_the_inferred_graph_is_replaced_not_added_to() -> None:
    store = _store(PREFIXES + "ex:tom a ex:Cat . ex:Cat rdfs:subClassOf ex:Animal .", ontology=False)
    reason(store)
    store.load(
        (PREFIXES + "ex:rex a ex:Cat . ex:Cat rdfs:subClassOf ex:Pet .").encode(),
        graph=source_graph("part-0"),
    )
    result = reason(store)
    inferred = {(str(s), str(o)) for s, _, o in store.to_rdflib([INFERRED_GRAPH])}
    assert inferred == {("http://example.org/rex", "http://example.org/Pet")}
    assert result.inferred == 1
    assert [g for g in store.graphs() if "/staging/" in g] == []


def test_unsupported_constructs_fall_back_to_owlrl_visibly() -> None:
    data = "ex:One owl:equivalentClass [ owl:onProperty ex:p ; owl:maxCardinality 1 ] . ex:a a ex:One ."
    store = _store(PREFIXES + data, ontology=False)
    assert rules.unsupported(store) == ["uses owl:maxCardinality"]
    with pytest.warns(UserWarning, match="maxCardinality; using owlrl instead"):
        reason(store)
    assert rules.unsupported(_store(PREFIXES + SCHEMA, ontology=False)) == []


def test_the_bundled_ontology_needs_nothing_the_engine_lacks() -> None:
    store = open_store()
    load_bundled(store, data=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rules.unsupported(store) == []


def test_unknown_reasoner_is_a_clear_error() -> None:
    with pytest.raises(ReasoningError, match="reasoner 'fast': unknown; use one of: rules, owlrl"):
        reason(open_store(), engine="fast")
