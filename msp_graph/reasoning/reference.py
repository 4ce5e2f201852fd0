"""OWL 2 RL with owlrl, the reference reasoner, run on an rdflib copy of the store's asserted graphs.

Inconsistencies are values, not exceptions. owlrl reports them as messages; each becomes an
``Inconsistency`` naming the OWL 2 RL rule (``cls-nothing2``, ``eq-diff1``, ``cax-dw``...) and the triples
involved. Ill-typed literals (dt-not-type) are found by the check both engines share (``literals.py``), one
inconsistency per triple; owlrl's own test, one message per literal naming no triple, is switched off.
"""

from __future__ import annotations

import re

import owlrl
import owlrl.OWLRL as owlrl_rules
import rdflib
from rdflib import OWL, RDF

from ..errors import ReasoningError
from ..loading import asserted_graphs
from ..stores import INFERRED_GRAPH, Store
from .literals import ill_typed_in, ill_typed_in_store, quiet_rdflib
from .result import Inconsistency, ReasoningResult

__all__ = ["closure", "materialise"]

_ERR = rdflib.Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
_TERM = r"(\S+?)"
_PAIR = rf"the same subject-object pair: \({_TERM}, {_TERM}\)$"

# owlrl's message templates -> (rule, triples involved). Groups are the terms the message names.
_PATTERNS: list[tuple[str, str, object]] = [
    (
        r"^(.+) is defined of type 'Nothing'$",
        "cls-nothing2",
        lambda m: [(m[1], str(RDF.type), str(OWL.Nothing))],
    ),
    (
        "^'sameAs' and 'differentFrom' cannot be used on " + _PAIR,
        "eq-diff1",
        lambda m: [(m[1], str(OWL.sameAs), m[2]), (m[1], str(OWL.differentFrom), m[2])],
    ),
    (
        "^'sameAs' and 'AllDifferent' cannot be used on " + _PAIR,
        "eq-diff2",
        lambda m: [(m[1], str(OWL.sameAs), m[2])],
    ),
    (
        rf"^Disjoint classes {_TERM} and {_TERM} have a common individual {_TERM}$",
        "cax-dw",
        lambda m: [(m[3], str(RDF.type), m[1]), (m[3], str(RDF.type), m[2])],
    ),
    (
        rf"^Irreflexive property used on {_TERM} with {_TERM}$",
        "prp-irp",
        lambda m: [(m[1], m[2], m[1])],
    ),
    (
        rf"^Erroneous usage of asymmetric property {_TERM} on {_TERM} and {_TERM}$",
        "prp-asyp",
        lambda m: [(m[2], m[1], m[3]), (m[3], m[1], m[2])],
    ),
    (
        rf"^Erroneous usage of disjoint properties {_TERM} and {_TERM} on {_TERM} and {_TERM}$",
        "prp-pdw",
        lambda m: [(m[3], m[1], m[4]), (m[3], m[2], m[4])],
    ),
    (
        r"^Negative \((?:object|datatype)\) property assertion violated for: \((\S+?), (\S+?), (.+)\)$",
        "prp-npa",
        lambda m: [(m[1], m[2], m[3])],
    ),
    (
        rf"^Violation of complementarity for classes {_TERM} and {_TERM} on element {_TERM}$",
        "cls-com",
        lambda m: [(m[3], str(RDF.type), m[1]), (m[3], str(RDF.type), m[2])],
    ),
    (r"^Erroneous usage of maximum cardinality", "cls-maxc", None),
    (r"^Erroneous usage of maximum qualified cardinality", "cls-maxqc", None),
    (r"^Violation of type restriction for allValuesFrom", "dt-type", None),
    (r"^Disjoint properties in an 'AllDisjointProperties'", "prp-adp", None),
]


def _inconsistency(message: str) -> Inconsistency:
    for pattern, rule, triples in _PATTERNS:
        match = re.match(pattern, message)
        if match:
            found = tuple(triples(match)) if callable(triples) else ()
            return Inconsistency(rule, message, found)
    return Inconsistency("owl-rl", message)


class _Semantics(owlrl.OWLRL_Semantics):
    """owlrl's OWL 2 RL rules without eq-ref (``x owl:sameAs x`` for every term of every triple), and
    without the lexical test of dt-not-type (``literals.py`` checks the literals).

    eq-ref adds three triples per triple per cycle, checked against the graph each time: about half of
    owlrl's run time, for triples that are dropped afterwards anyway. Nothing else depends on them: the
    replacement rules eq-rep-* would only restate existing triples, and the one inconsistency they can
    reveal (``x owl:differentFrom x``, eq-diff1) is checked after the closure.
    """

    def _equality(self, triple, cycle_num):
        _, p, o = triple
        if p == OWL.sameAs or (p == RDF.type and o == OWL.AllDifferent):
            super()._equality(triple, cycle_num)

    def _one_time_rules_datatypes(self):
        """owlrl's datatype rules without its lexical test (dt-not-type), which the shared check replaces:
        its converters raise other errors than the ValueError it catches on some ill-typed literals
        (``"abc"^^xsd:decimal``), and the whole run stopped."""
        converters = owlrl_rules.AltXSDToPYTHON
        owlrl_rules.AltXSDToPYTHON = {}  # read by name when the rules run: every lexical form then passes
        try:
            super()._one_time_rules_datatypes()
        finally:
            owlrl_rules.AltXSDToPYTHON = converters


@quiet_rdflib()
def closure(graph: rdflib.Graph) -> tuple[rdflib.Graph, list[Inconsistency]]:
    """The OWL 2 RL entailments of ``graph`` that it does not already hold, and the inconsistencies.

    ``graph`` is left unchanged.

    >>> g = rdflib.Graph().parse(data='''
    ...     @prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ...     ex:Cat rdfs:subClassOf ex:Animal . ex:tom a ex:Cat .''', format="turtle")
    >>> new, problems = closure(g)
    >>> (rdflib.URIRef("http://example.org/tom"), RDF.type, rdflib.URIRef("http://example.org/Animal")) in new
    True
    """
    new, problems = _expand(graph)
    return new, problems + ill_typed_in(graph)


def _expand(graph: rdflib.Graph) -> tuple[rdflib.Graph, list[Inconsistency]]:
    """``closure`` but dt-not-type."""
    work = rdflib.Graph()
    for triple in graph:
        work.add(triple)
    try:
        owlrl.DeductiveClosure(_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    except Exception as error:  # owlrl raises plain exceptions on graphs it cannot handle
        raise ReasoningError(f"OWL 2 RL reasoning failed: {error}") from None
    messages = sorted({str(o) for o in work.objects(None, _ERR.error)})
    for x, _, y in work.triples((None, OWL.differentFrom, None)):
        if x == y:
            messages.append(
                f"'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({x}, {x})"
            )
    errors = set(work.subjects(RDF.type, _ERR.ErrorMessage))
    new = rdflib.Graph()
    for s, p, o in work:
        if (s, p, o) in graph or s in errors or isinstance(s, rdflib.Literal):
            continue
        if p == OWL.sameAs and s == o:
            continue
        new.add((s, p, o))
    return new, [_inconsistency(m) for m in messages]


@quiet_rdflib()
def materialise(store: Store) -> ReasoningResult:
    """Replace ``INFERRED_GRAPH`` with owlrl's closure of the asserted graphs (blank nodes left out)."""
    graphs = asserted_graphs(store)
    asserted = store.to_rdflib(graphs, union=True)
    new, problems = _expand(asserted)
    # from the store: rdflib's copy reads "1e5"^^xsd:decimal as "100000"
    problems = sorted([*problems, *ill_typed_in_store(store, graphs)], key=lambda i: (i.rule, i.message))
    stored = rdflib.Graph()
    for triple in new:
        if not any(isinstance(t, rdflib.BNode) for t in triple):
            stored.add(triple)
    store.replace_graph(INFERRED_GRAPH, stored)
    return ReasoningResult(asserted=len(asserted), inferred=len(stored), inconsistencies=problems)
