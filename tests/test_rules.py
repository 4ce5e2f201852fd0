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
The engine's Python tables are also held to its pure SPARQL path (``materialise(in_python=False)``): the same
inferred graph, triple for triple, the same counts and inconsistencies.
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
from msp_graph.reasoning.literals import ill_typed
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
    asserted = store.to_rdflib(asserted_graphs(store), union=True)
    reference, problems = closure(asserted)
    result = rules.materialise(store)
    ours = store.to_rdflib([INFERRED_GRAPH], union=True)
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
ex:Pet owl:equivalentClass [ owl:onProperty <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ;
    owl:hasValue ex:Dog ] .
ex:Pet rdfs:subClassOf ex:Loved . ex:Puppy rdfs:subClassOf ex:Dog .
ex:Hub2 owl:equivalentClass [ owl:onProperty ex:member ;
    owl:someValuesFrom [ owl:unionOf ( ex:Cat [ owl:intersectionOf ( ex:Org ex:Funded ) ] ) ] ] .
"""

DATA = """
ex:tom a ex:Cat . ex:rex a ex:Dog . ex:u1 ex:group ex:workers . ex:u2 a ex:Local .
ex:g1 ex:chair ex:ann . ex:a ex:partner ex:b .
ex:x ex:within ex:y . ex:y ex:within ex:z . ex:z ex:within ex:w .
ex:tom ex:label "Tom"@en , "7"^^xsd:integer . ex:p1 ex:parent ex:p2 . ex:p2 ex:parent ex:p3 .
ex:c1 a ex:Collab ; ex:hasMember ex:m1 . ex:h1 ex:member ex:o1 . ex:o1 a ex:Org . ex:g1 a ex:Funded .
ex:pup a ex:Puppy . ex:h2 ex:member ex:o2 . ex:o2 a ex:Org , ex:Funded .
"""


def test_each_rule_gives_owlrls_entailments() -> None:
    store = _store(PREFIXES + SCHEMA, PREFIXES + DATA, ontology=False)
    assert_same_as_owlrl(store)
    inferred = comparable(store.to_rdflib([INFERRED_GRAPH], union=True))
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
        (ex.pup, rdflib.RDF.type, ex.Loved),  # cax-sco, then cls-hv2 on rdf:type
        (ex.h2, rdflib.RDF.type, ex.Hub2),  # cls-svf1 through a union holding an intersection
        (ex.tom, rdflib.RDFS.label, rdflib.Literal("Tom", lang="en")),
    ]:
        assert triple in inferred, triple


EQUALITY = """ex:member a owl:FunctionalProperty . ex:m1 ex:member ex:a , ex:b . ex:a a ex:Union .
    ex:b ex:name "B" . ex:c owl:sameAs ex:d . ex:d ex:knows ex:e ."""


def test_equality_rules_run_when_a_functional_property_has_two_values() -> None:
    store = _store(PREFIXES + EQUALITY, ontology=False)
    assert_same_as_owlrl(store)
    ex = rdflib.Namespace("http://example.org/")
    inferred = store.to_rdflib([INFERRED_GRAPH], union=True)
    assert (ex.b, rdflib.RDF.type, ex.Union) in inferred  # eq-rep-s after prp-fp
    assert (ex.c, ex.knows, ex.e) in inferred


INCONSISTENT = """
    ex:Cat owl:disjointWith ex:Dog . ex:Odd rdfs:subClassOf owl:Nothing .
    ex:next a owl:IrreflexiveProperty .
    ex:above a owl:AsymmetricProperty . ex:likes owl:propertyDisjointWith ex:hates .
    ex:Kitten rdfs:subClassOf ex:Cat . ex:Cat a owl:Class . ex:Dog a owl:Class .
    ex:k a ex:Kitten , ex:Dog . ex:o a ex:Odd . ex:n ex:next ex:n .
    ex:a ex:above ex:b . ex:b ex:above ex:a .
    ex:a ex:likes ex:b ; ex:hates ex:b . ex:s owl:sameAs ex:t ; owl:differentFrom ex:t .
    [] a owl:NegativePropertyAssertion ; owl:sourceIndividual ex:a ; owl:assertionProperty ex:likes ;
       owl:targetIndividual ex:b ."""


def test_inconsistencies_are_owlrls() -> None:
    store = _store(PREFIXES + INCONSISTENT, ontology=False)
    result = assert_same_as_owlrl(store)
    found = {i.rule for i in result.inconsistencies}
    assert found == {"cax-dw", "cls-nothing2", "prp-irp", "prp-asyp", "prp-pdw", "prp-npa", "eq-diff1"}
    dw = next(i for i in result.inconsistencies if i.rule == "cax-dw")
    assert ("http://example.org/k", str(rdflib.RDF.type), "http://example.org/Dog") in dw.triples
    nothing = {i.message for i in result.inconsistencies if i.rule == "cax-dw" and "/o" in i.message}
    assert nothing, "owl:Nothing is a subclass of every declared class (scm-cls), so ex:o is a Cat and a Dog"


# --- the Python tables against the pure SPARQL path --------------------------------------------------------

# Inferences about blank nodes are used but not stored: m6 is an Org through a blank node's membership
# (prp-eqp, then cls-avf); x2 within w2 joins an inferred blank-node triple (prp-spo1) in prp-trp; a
# blank node's inference from a SPARQL round (_:a within z) feeds the tables (prp-dom). Literals with
# escapes, a datatype or a language tag are written back as they were read.
BLANK_NODES = """
ex:Collab owl:equivalentClass [ owl:intersectionOf ( ex:Group [ owl:onProperty ex:member ;
    owl:allValuesFrom ex:Org ] ) ] .
ex:member owl:equivalentProperty ex:hasMember ; rdfs:domain ex:Group .
ex:within a owl:TransitiveProperty ; rdfs:domain ex:Place . ex:inside rdfs:subPropertyOf ex:within .
ex:label rdfs:subPropertyOf rdfs:label . ex:knows a owl:SymmetricProperty .
ex:parentOf owl:inverseOf ex:childOf .
_:b3 a ex:Collab ; ex:hasMember ex:m6 .
ex:x2 ex:within _:w . _:w ex:inside ex:w2 .
_:a ex:within ex:y . ex:y ex:within ex:z .
ex:tom ex:label "say \\"hi\\"\\n\\ttab \u00fc \\\\ back"@en , "x"^^xsd:token , "1"^^xsd:integer .
ex:ann ex:knows _:k . _:k ex:parentOf ex:bob .
"""


def _outcome(store, *, in_python: bool = True) -> tuple:
    result = rules.materialise(store, in_python=in_python)
    lines = store.dump(format="nt", graphs=[INFERRED_GRAPH]).decode().splitlines()
    problems = sorted((i.rule, i.message) for i in result.inconsistencies)
    return set(lines), result.asserted, result.inferred, problems


def assert_paths_agree(make_store) -> set[str]:
    """The Python path (written in place, then replacing its own graph) and the pure SPARQL path give the
    same inferred graph, counts and inconsistencies; returns the inferred graph's N-Triples lines."""
    store = make_store()
    first, again = _outcome(store), _outcome(store)
    sparql = _outcome(make_store(), in_python=False)
    assert not first[0] - sparql[0], f"inferred by the Python path only: {sorted(first[0] - sparql[0])[:20]}"
    assert not sparql[0] - first[0], f"inferred by the SPARQL path only: {sorted(sparql[0] - first[0])[:20]}"
    assert first == again == sparql
    assert first[2] == len(first[0])
    assert [g for g in store._store.named_graphs() if "/staging/" in g.value] == []
    return first[0]


def _bundled():
    store = open_store()
    load_bundled(store)
    return store


def _generated(profile: str):
    out = io.StringIO()
    generate(10_000, seed=5, out=out, profile=profile)
    store = open_store()
    load_bundled(store, data=False)
    store.load(out.getvalue().encode(), graph=source_graph("generated"), format="nt")
    return store


def test_python_tables_equal_the_sparql_rules_on_the_bundled_data() -> None:
    assert len(assert_paths_agree(_bundled)) > 1000


@pytest.mark.parametrize("profile", ["standard", "wide"])
def test_python_tables_equal_the_sparql_rules_on_generated_data(profile: str) -> None:
    assert len(assert_paths_agree(lambda: _generated(profile))) > 5000


@pytest.mark.parametrize("data", [SCHEMA + DATA, EQUALITY, INCONSISTENT], ids=["rules", "equality", "bad"])
def test_python_tables_equal_the_sparql_rules_on_each_rule(data: str) -> None:
    assert assert_paths_agree(lambda: _store(PREFIXES + data, ontology=False))


def test_inferences_about_blank_nodes_are_used_but_not_stored() -> None:
    lines = assert_paths_agree(lambda: _store(PREFIXES + BLANK_NODES, ontology=False))
    assert_same_as_owlrl(_store(PREFIXES + BLANK_NODES, ontology=False))
    ex, rdf = "http://example.org/", str(rdflib.RDF)
    for line in [
        f"<{ex}m6> <{rdf}type> <{ex}Org> .",
        f"<{ex}x2> <{ex}within> <{ex}w2> .",
        f"<{ex}y> <{rdf}type> <{ex}Place> .",
        f'<{ex}tom> <{rdflib.RDFS.label}> "say \\"hi\\"\\n\\ttab \u00fc \\\\ back"@en .',
    ]:
        assert line in lines, line
    assert not [line for line in lines if "_:" in line]


# Text that looks like a blank node ("_:"), a sameAs or a format ("%s", "%20") in IRIs and literals: the
# inferred graph is written as text in bulk, and these must come out as they went in.
LOOKALIKES = """
ex:label rdfs:subPropertyOf rdfs:label . <http://example.org/odd%20p> rdfs:subPropertyOf ex:q .
ex:a ex:label "_:b0 and %s and %%20" , "<http://www.w3.org/2002/07/owl#sameAs>" .
<http://example.org/x_:y> ex:label "plain" . ex:c <http://example.org/odd%20p> "100%" .
ex:d ex:label [ ex:label "inner" ] .
"""


def test_text_that_looks_like_blank_nodes_or_formats_is_written_as_it_is() -> None:
    lines = assert_paths_agree(lambda: _store(PREFIXES + LOOKALIKES, ontology=False))
    ex, label = "http://example.org/", str(rdflib.RDFS.label)
    for line in [
        f'<{ex}a> <{label}> "_:b0 and %s and %%20" .',
        f'<{ex}a> <{label}> "<http://www.w3.org/2002/07/owl#sameAs>" .',
        f'<{ex}x_:y> <{label}> "plain" .',
        f'<{ex}c> <{ex}q> "100%" .',
    ]:
        assert line in lines, line
    assert not [line for line in lines if line.startswith("_:") or line.endswith("_:")]


def test_the_rules_engine_checks_literals_only_under_the_predicates_that_hold_them() -> None:
    bad = '"abc"^^xsd:integer'
    data = f'ex:a a {bad} . ex:b ex:unwatched {bad} . _:n ex:other "2020-13-45"^^xsd:date . ex:c ex:ok 1 .'
    store = _store(PREFIXES + data, ontology=False)
    graphs = asserted_graphs(store)
    everything = ill_typed(store, graphs)
    assert len(everything) == 3
    assert rules.materialise(store).inconsistencies == everything
    only = ill_typed(store, graphs, predicates=["http://example.org/unwatched", "http://example.org/ok"])
    assert [i.triples[0][1] for i in only] == ["http://example.org/unwatched"]
    assert ill_typed(store, graphs, predicates=[]) == []


def test_a_triple_in_two_graphs_is_counted_once() -> None:
    twice = PREFIXES + "ex:a a ex:Cat ."
    store = _store(twice + " ex:Cat rdfs:subClassOf ex:Pet .", twice, ontology=False)
    assert rules.materialise(store).asserted == 2


# The tables type x and y as Places in the first round; prp-trp's x within z needs a second.
TWO_ROUNDS = """ex:within a owl:TransitiveProperty ; rdfs:domain ex:Place .
    ex:x ex:within ex:y . ex:y ex:within ex:z ."""


def test_a_failed_run_leaves_no_partial_inferred_graph() -> None:
    store = _store(PREFIXES + TWO_ROUNDS, ontology=False)
    with pytest.raises(ReasoningError, match="no fixpoint after 1 rounds"):
        rules.materialise(store, max_rounds=1)
    assert INFERRED_GRAPH not in store.graphs()
    assert [g for g in store._store.named_graphs() if "/staging/" in g.value] == []


def test_a_failed_run_keeps_the_previous_inferred_graph() -> None:
    store = _store(PREFIXES + "ex:tom a ex:Cat . ex:Cat rdfs:subClassOf ex:Animal .", ontology=False)
    rules.materialise(store)
    before = store.dump(format="nt", graphs=[INFERRED_GRAPH])
    store.load((PREFIXES + TWO_ROUNDS).encode(), graph=source_graph("part-1"), format="ttl")
    with pytest.raises(ReasoningError, match="no fixpoint after 1 rounds"):
        rules.materialise(store, max_rounds=1)
    assert store.dump(format="nt", graphs=[INFERRED_GRAPH]) == before
    assert [g for g in store._store.named_graphs() if "/staging/" in g.value] == []


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
    inferred = {(str(s), str(o)) for s, _, o in store.to_rdflib([INFERRED_GRAPH], union=True)}
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
