"""A fast OWL 2 RL materialiser: the rules the shapes and queries need, run as SPARQL updates in the store.

``owlrl`` (``msp_graph.reasoning.reference``) is the reference reasoner; this engine gives the same
entailments for the rules below and runs one to two orders of magnitude faster, because the work stays inside
the embedded Oxigraph store and no rdflib graph is ever built. For a remote store the asserted graphs are
copied into a local embedded store, the rules run there, and only the inferred graph is written back
(Oxigraph server refuses ``INSERT ... USING`` over a union default graph; see docs/endpoints.md).

How it works
    1. The schema (``rdfs:subClassOf``, ``owl:equivalentClass``, restrictions, property axioms...) is read
       from the asserted graphs with one query and closed in Python (scm-sco, scm-eqc1/2, scm-spo, scm-eqp1/2,
       scm-dom1/2, scm-rng1/2, scm-int, scm-uni, scm-hv, scm-svf1/2, scm-avf1/2). The schema closure is not
       written to the store: it is compiled into the instance rules as ``VALUES`` tables of IRIs, so a blank
       node of the ontology (a restriction, a union) never has to be named in a query.
    2. The instance rules are SPARQL updates ``INSERT { GRAPH <tmp> {...} } USING <asserted>... USING <tmp>
       WHERE {... FILTER NOT EXISTS {...}}``, sent as one request per round and repeated until a round adds
       nothing (a fixpoint). Each rule already applies the whole schema closure (a type goes to every named
       superclass at once), so most work is done in the first round; later rounds are semi-naive (a rule
       with one premise reads only the triples the previous round added).
    3. Triples that mention a blank node are removed (as the owlrl path does), the temporary graph
       replaces ``INFERRED_GRAPH`` in one ``MOVE`` (a failure leaves the old inferred graph as it was), and
       the inconsistency checks run as ``SELECT`` queries over asserted + inferred triples.

Rules (OWL 2 RL names)
    cax-sco, cax-eqc1/2, cls-hv1/2, cls-int1/2, cls-uni, cls-svf1/2, cls-avf, prp-dom, prp-rng, prp-spo1,
    prp-spo2 (property chains), prp-eqp1/2, prp-inv1/2, prp-symp, prp-trp; with the schema rules above folded
    in. Inconsistencies: cax-dw, cax-adc, cls-nothing2, cls-com, prp-irp, prp-asyp, prp-pdw, prp-npa1/2,
    eq-diff1, each reported with owlrl's message so ``Inconsistency`` values are the same.

What is left out, and why
    * Equality (eq-*, prp-fp, prp-ifp): the data names every node once with an IRI (``docs/model.md``) and
      states no ``owl:sameAs``; eq-ref only restates every term (``x owl:sameAs x``, dropped by the reference
      path too). The engine still checks whether the data *needs* equality: when an ``owl:sameAs`` is asserted
      or a functional / inverse-functional property (``org:member``, ``org:organization``...) has two
      values, it switches eq-sym, eq-trans, eq-rep-s/p/o, prp-fp and prp-ifp on and runs to the fixpoint
      again, so the output still equals owlrl's.
    * ``owl:Thing`` typing (cls-thing, scm-cls: every individual of a declared class is a Thing), owlrl's
      axiomatic triples about the OWL, RDF and XSD vocabularies, and the datatype rules (dt-*): none carries
      information a shape or query uses.
    * Schema triples (scm-* output) are not materialised: queries read the class hierarchy from the ontology
      graph with property paths (``a/rdfs:subClassOf*``).
    * Constructs the engine does not implement (cardinality restrictions, ``owl:hasKey``, ``owl:oneOf``,
      ``owl:AllDifferent``, anonymous classes it cannot compile) are listed by ``unsupported``;
      ``reasoning.reason`` then falls back to owlrl, with a warning.

>>> from msp_graph.loading import open_store, load_bundled
>>> store = open_store()
>>> load_bundled(store)                                    # doctest: +SKIP
>>> materialise(store).consistent                          # doctest: +SKIP
True
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import ReasoningError
from ..loading import asserted_graphs
from ..stores import GRAPH_BASE, INFERRED_GRAPH, EmbeddedStore, Store
from .result import Inconsistency, ReasoningResult

__all__ = ["RULES", "Schema", "materialise", "read_schema", "unsupported"]

RULES = (
    "cax-sco",
    "cax-eqc1",
    "cax-eqc2",
    "cls-hv1",
    "cls-hv2",
    "cls-int1",
    "cls-int2",
    "cls-uni",
    "cls-svf1",
    "cls-svf2",
    "cls-avf",
    "prp-dom",
    "prp-rng",
    "prp-spo1",
    "prp-spo2",
    "prp-eqp1",
    "prp-eqp2",
    "prp-inv1",
    "prp-inv2",
    "prp-symp",
    "prp-trp",
)
"""The OWL 2 RL rules this engine materialises (and eq-*, prp-fp, prp-ifp when the data needs them)."""

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
TYPE = _RDF + "type"
FIRST, REST, NIL = _RDF + "first", _RDF + "rest", _RDF + "nil"
THING, NOTHING, SAME_AS = _OWL + "Thing", _OWL + "Nothing", _OWL + "sameAs"

# Schema predicates read from the asserted graphs; other constructs the engine does not implement.
_SCHEMA_PREDICATES = (
    [_RDFS + "subClassOf", _RDFS + "subPropertyOf", _RDFS + "domain", _RDFS + "range"]
    + [
        _OWL + name
        for name in [
            "equivalentClass",
            "equivalentProperty",
            "inverseOf",
            "onProperty",
            "hasValue",
            "allValuesFrom",
            "someValuesFrom",
            "intersectionOf",
            "unionOf",
            "complementOf",
            "propertyChainAxiom",
            "disjointWith",
            "propertyDisjointWith",
            "members",
            "sourceIndividual",
            "assertionProperty",
            "targetIndividual",
            "targetValue",
        ]
    ]
    + [FIRST, REST]
)
_SCHEMA_TYPES = [
    _OWL + name
    for name in [
        "TransitiveProperty",
        "SymmetricProperty",
        "FunctionalProperty",
        "InverseFunctionalProperty",
        "IrreflexiveProperty",
        "AsymmetricProperty",
        "AllDisjointClasses",
        "Class",
    ]
]
_UNSUPPORTED = [
    _OWL + name
    for name in [
        "maxCardinality",
        "maxQualifiedCardinality",
        "hasKey",
        "oneOf",
        "distinctMembers",
        "AllDifferent",
        "AllDisjointProperties",
    ]
]

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _iri(term: Term) -> bool:
    return isinstance(term, ox.NamedNode)


def _text(term: Term) -> str:
    """A term as owlrl prints it in its messages (``str`` of the rdflib term)."""
    return term.value


@dataclass
class Schema:
    """The schema of the asserted graphs, closed: what the instance rules are compiled from."""

    triples: list[tuple[Term, str, Term]]
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        by_pred: dict[str, list[tuple[Term, Term]]] = defaultdict(list)
        for s, p, o in self.triples:
            by_pred[p].append((s, o))
        self._by_pred = by_pred
        self._first = dict(by_pred[FIRST])
        self._rest = dict(by_pred[REST])
        self.typed: dict[str, set[Term]] = defaultdict(set)
        for s, o in by_pred[TYPE]:
            self.typed[o.value].add(s)
        self._close_properties()
        self._read_restrictions()
        self._close_classes()
        self._close_domains_and_ranges()
        # Every class expression's subclasses (the inverse of ``sup``), for membership patterns.
        self.sub: dict[Term, set[Term]] = defaultdict(set)
        for c, supers in self.sup.items():
            for d in supers:
                self.sub[d].add(c)

    def _close_properties(self) -> None:
        """Properties: sub -> supers (reflexive, transitive; scm-spo, scm-eqp1/2), inverses, chains."""
        edges = _edges(self.pairs(_RDFS + "subPropertyOf"), self.pairs(_OWL + "equivalentProperty"))
        self.psup = _closure(edges)
        self.inverse = [(s, o) for s, o in self.pairs(_OWL + "inverseOf") if _iri(s) and _iri(o)]
        self.chains: list[tuple[Term, list[str]]] = []
        for prop, head in self.pairs(_OWL + "propertyChainAxiom"):
            members = self.items(head)
            if all(_iri(m) for m in members) and _iri(prop) and members:
                self.chains.append((prop, [f"<{m.value}>" for m in members]))
            else:  # owlrl, the reference, follows named properties only
                self.problems.append(f"property chain of {_text(prop)} with an anonymous member")

    def _read_restrictions(self) -> None:
        """hasValue, allValuesFrom and someValuesFrom restrictions on a named property; intersections."""
        on_property = dict(self.pairs(_OWL + "onProperty"))
        tables = {}
        for kind in ("hasValue", "allValuesFrom", "someValuesFrom"):
            table = {s: (on_property.get(s), o) for s, o in self.pairs(_OWL + kind)}
            for p, value in table.values():
                if p is None or not _iri(p):
                    self.problems.append(f"owl:{kind} restriction without a named owl:onProperty")
                elif kind == "hasValue" and isinstance(value, ox.BlankNode):
                    self.problems.append(f"owl:hasValue restriction on {_text(p)} with a blank node value")
            tables[kind] = {r: v for r, v in table.items() if v[0] is not None and _iri(v[0])}
        self.hv, self.avf, self.svf = tables["hasValue"], tables["allValuesFrom"], tables["someValuesFrom"]
        self.intersections = {s: self.items(o) for s, o in self.pairs(_OWL + "intersectionOf")}
        if any(not (_iri(c1) and _iri(c2)) for c1, c2 in self.pairs(_OWL + "disjointWith")):
            self.problems.append("owl:disjointWith with an anonymous class")

    def _close_classes(self) -> None:
        """Classes: sub -> supers, with scm-eqc, scm-int, scm-uni, then scm-hv/svf/avf to a fixpoint."""
        edges = _edges(self.pairs(_RDFS + "subClassOf"), self.pairs(_OWL + "equivalentClass"))
        for i, members in self.intersections.items():
            edges[i].update(members)
        for c in self.typed[_OWL + "Class"]:  # scm-cls: owl:Nothing is a subclass of every class
            edges[ox.NamedNode(NOTHING)].add(c)
        for u, head in self.pairs(_OWL + "unionOf"):
            for member in self.items(head):
                edges[member].add(u)
        while True:
            self.sup = _closure(edges)
            added = False
            for r1, r2 in self._restriction_subsumptions():
                if r2 not in edges[r1]:
                    edges[r1].add(r2)
                    added = True
            if not added:
                break

    def _close_domains_and_ranges(self) -> None:
        """Domains and ranges of a property, through its super-properties (scm-dom2, scm-rng2)."""
        self.domain: dict[Term, set[Term]] = defaultdict(set)
        self.range: dict[Term, set[Term]] = defaultdict(set)
        for key, target in ((_RDFS + "domain", self.domain), (_RDFS + "range", self.range)):
            for p, c in self.pairs(key):
                target[p].add(c)
        for p, supers in self.psup.items():
            for q in supers:
                self.domain[p] |= self.domain.get(q, set())
                self.range[p] |= self.range.get(q, set())

    def _restriction_subsumptions(self) -> Iterable[tuple[Term, Term]]:
        """scm-hv, scm-svf1/2, scm-avf1/2: restriction ``r1`` is a subclass of ``r2``."""

        def sub_prop(p1: Term, p2: Term) -> bool:
            return p2 in self.psup.get(p1, {p1})

        def sub_class(c1: Term, c2: Term) -> bool:
            return c2 in self.sup.get(c1, {c1})

        for table, rule in ((self.hv, "hv"), (self.svf, "svf"), (self.avf, "avf")):
            for r1, (p1, y1) in table.items():
                for r2, (p2, y2) in table.items():
                    if r1 == r2:
                        continue
                    if rule == "hv":
                        holds = y1 == y2 and sub_prop(p1, p2)
                    elif rule == "svf":
                        holds = (p1 == p2 and sub_class(y1, y2)) or (y1 == y2 and sub_prop(p1, p2))
                    else:
                        holds = (p1 == p2 and sub_class(y1, y2)) or (y1 == y2 and sub_prop(p2, p1))
                    if holds:
                        yield r1, r2

    def items(self, head: Term) -> list[Term]:
        """The members of an RDF list."""
        found, seen = [], set()
        while head is not None and not (_iri(head) and head.value == NIL) and head not in seen:
            seen.add(head)
            if head in self._first:
                found.append(self._first[head])
            head = self._rest.get(head)
        return found

    def pairs(self, predicate: str) -> list[tuple[Term, Term]]:
        return list(self._by_pred[predicate])

    def supers(self, c: Term) -> set[Term]:
        return self.sup.get(c, {c})

    def named_supers(self, c: Term) -> set[Term]:
        return {d for d in self.supers(c) if _iri(d) and d.value != THING}

    def props(self, kind: str) -> list[Term]:
        return sorted((p for p in self.typed[_OWL + kind] if _iri(p)), key=str)


def _edges(
    subsumptions: Iterable[tuple[Term, Term]], equivalences: Iterable[tuple[Term, Term]]
) -> dict[Term, set[Term]]:
    """node -> successors: a subsumption leads one way (sub to super), an equivalence both ways."""
    edges: dict[Term, set[Term]] = defaultdict(set)
    for s, o in subsumptions:
        edges[s].add(o)
    for s, o in equivalences:
        edges[s].add(o)
        edges[o].add(s)
    return edges


def _closure(edges: dict[Term, set[Term]]) -> dict[Term, set[Term]]:
    """Reflexive-transitive closure of a small graph given as node -> successors."""
    result = {}
    for start in list(edges):
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        result[start] = seen
    return result


def _scoped(where: str, graphs: Sequence[str]) -> str:
    """``where`` with each triple pattern written ``[[ s p o ]]`` limited to ``graphs``.

    ``FROM`` cannot do this portably: a store whose default graph is the union of its graphs (the embedded
    store, ``oxigraph serve --union-default-graph``) ignores it.
    """
    names = " ".join(str(ox.NamedNode(g)) for g in graphs)
    count = iter(range(1, 1_000_000))

    def wrap(match: re.Match) -> str:
        g = f"?g{next(count)}"
        return f"VALUES {g} {{ {names} }} GRAPH {g} {{ {match[1]} }}"

    return re.sub(r"\[\[(.+?)\]\]", wrap, where)


def _select(store: Store, variables: str, where: str, graphs: Sequence[str]):
    return store.query(f"SELECT DISTINCT {variables} WHERE {{ {_scoped(where, graphs)} }}")


def _ask(store: Store, where: str, graphs: Sequence[str]) -> bool:
    return bool(store.query(f"ASK {{ {_scoped(where, graphs)} }}"))


def read_schema(store: Store, graphs: Sequence[str]) -> Schema:
    """The schema triples of ``graphs`` (one query, so blank node labels are consistent), closed."""
    preds = " ".join(f"<{p}>" for p in _SCHEMA_PREDICATES)
    types = " ".join(f"<{t}>" for t in _SCHEMA_TYPES)
    where = (
        f"{{ VALUES ?p {{ {preds} }} [[ ?s ?p ?o ]] }} UNION "
        f"{{ VALUES ?o {{ {types} }} VALUES ?p {{ <{TYPE}> }} [[ ?s ?p ?o ]] }}"
    )
    rows = _select(store, "?s ?p ?o", where, graphs)
    triples = [(row["s"], row["p"].value, row["o"]) for row in rows]
    schema = Schema(triples)
    construct = " ".join(f"<{u}>" for u in _UNSUPPORTED)
    check = f"VALUES ?u {{ {construct} }} {{ [[ ?s ?u ?o ]] }} UNION {{ [[ ?s a ?u ]] }}"
    for row in _select(store, "?u", check, graphs):
        schema.problems.append(f"uses {row['u'].value.replace(_OWL, 'owl:')}")
    return schema


def unsupported(store: Store) -> list[str]:
    """What in the asserted graphs this engine does not implement (empty: its output equals owlrl's)."""
    schema = read_schema(store, asserted_graphs(store))
    _Compiler(schema)  # compiling records the anonymous classes it cannot express
    return sorted(set(schema.problems))


# --- compiling the schema into SPARQL updates ------------------------------------------------------------


def _sparql(term: Term) -> str:
    return str(term)


def _values(variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> str | None:
    rows = sorted({tuple(_sparql(t) for t in row) for row in rows})
    if not rows:
        return None
    head = " ".join(f"?{v}" for v in variables)
    body = " ".join("(" + " ".join(row) + ")" for row in rows)
    return f"VALUES ({head}) {{ {body} }}"


@dataclass
class _Rule:
    """One INSERT: ``template`` (triples) from ``where``; the template triples must be new.

    A rule with one premise marks it ``⟦ pattern ⟧``: after the first round it only reads the triples the
    previous round added (semi-naive evaluation); rules with several premises read everything each round.
    """

    name: str
    template: str
    where: str

    @classmethod
    def new(cls, name: str, template: str, where: str, exists: str) -> _Rule:
        """The rule inserting ``template`` where ``where`` holds and ``exists`` (the new triples) does not."""
        return cls(name, template, f"{where} FILTER NOT EXISTS {{ {exists} }}")


class _Compiler:
    """Turns a closed schema into the instance rules of one round."""

    def __init__(self, schema: Schema):
        self.s = schema
        self._fresh = 0
        self.rules: list[_Rule] = []
        self._compile()

    def var(self) -> str:
        self._fresh += 1
        return f"?v{self._fresh}"

    def membership(self, k: Term, x: str, seen: frozenset = frozenset()) -> str | None:
        """A graph pattern true when ``x`` belongs to class expression ``k`` (``None``: never in OWL RL).

        Named classes are materialised, so ``x a C`` covers every way into them; an anonymous class is
        entered through its named subclasses, or a hasValue, someValuesFrom or intersection below it. A
        way that leads back to a class already being expanded adds nothing and is left out.
        """
        if _iri(k):
            return None if k.value == THING else f"{x} a {_sparql(k)} ."
        if k in seen:
            return None
        seen = seen | {k}
        options = []
        named = sorted((c for c in self.s.sub.get(k, {k}) if _iri(c) and c.value != THING), key=str)
        if named:
            c = self.var()
            options.append(f"VALUES {c} {{ {' '.join(map(_sparql, named))} }} {x} a {c} .")
        for r in sorted(self.s.sub.get(k, {k}), key=str):
            if r in self.s.hv:
                p, v = self.s.hv[r]
                options.append(f"{x} {_sparql(p)} {_sparql(v)} .")
            if r in self.s.svf:
                p, filler = self.s.svf[r]
                y = self.var()
                inner = "" if _iri(filler) and filler.value == THING else self.membership(filler, y, seen)
                if inner is not None:
                    options.append(f"{x} {_sparql(p)} {y} . {inner}")
            if r in self.s.intersections and r not in seen:
                parts = [self.membership(m, x, seen | {r}) for m in self.s.intersections[r]]
                if all(part is not None for part in parts):
                    options.append(" ".join(parts))
        if not options:
            return None
        return " UNION ".join("{ " + o + " }" for o in options)

    def consequences(
        self, k: Term, x: str
    ) -> tuple[list[Term], list[tuple[Term, Term]], list[tuple[Term, Term]]]:
        """What membership in ``k`` entails: named types, hasValue and allValuesFrom (property, class)."""
        supers = self.s.supers(k)
        types = sorted(self.s.named_supers(k), key=str)
        values = sorted((self.s.hv[r] for r in supers if r in self.s.hv), key=str)
        avfs = sorted((self.s.avf[r] for r in supers if r in self.s.avf), key=str)
        return types, values, avfs

    def add(self, name: str, template: str, where: str, exists: str) -> None:
        self.rules.append(_Rule.new(name, template, where, exists))

    def entry(
        self,
        name: str,
        keys: Sequence[str],
        pattern: str,
        targets: Iterable[tuple[tuple, Term]],
        *,
        single: bool = False,
        rest: str = "",
    ) -> None:
        """Rules for ``?x`` entering class expressions: ``targets`` maps a key row (bound in ``pattern``) to a
        class; each consequence of membership becomes one rule with a VALUES table over the keys."""
        type_rows, value_rows, avf_rows, avf_value_rows = [], [], [], []
        for key, k in targets:
            types, values, avfs = self.consequences(k, "?x")
            type_rows += [(*key, d) for d in types if not (keys == ["c"] and key == (d,))]
            value_rows += [(*key, p, v) for p, v in values]
            for q, filler in avfs:
                f_types, f_values, f_avfs = self.consequences(filler, "?y")
                avf_rows += [(*key, q, d) for d in f_types]
                avf_value_rows += [(*key, q, p, v) for p, v in f_values]
                if f_avfs and not any(_iri(c) for c in self.s.supers(filler)):
                    self.s.problems.append("allValuesFrom nested in an anonymous allValuesFrom filler")
        premise = f"⟦ {pattern.rstrip(' .')} ⟧" if single else pattern
        table = _values([*keys, "d"], type_rows)
        if table:
            self.add(f"{name}:type", "?x a ?d .", f"{table} {premise} {rest}", "?x a ?d")
        table = _values([*keys, "hp", "hv"], value_rows)
        if table:
            self.add(f"{name}:cls-hv1", "?x ?hp ?hv .", f"{table} {premise} {rest}", "?x ?hp ?hv")
        table = _values([*keys, "q", "d"], avf_rows)
        if table:
            where = f"{table} {pattern} {rest} ?x ?q ?y . FILTER(!isLiteral(?y))"
            self.add(f"{name}:cls-avf", "?y a ?d .", where, "?y a ?d")
        table = _values([*keys, "q", "hp", "hv"], avf_value_rows)
        if table:
            where = f"{table} {pattern} {rest} ?x ?q ?y . FILTER(!isLiteral(?y))"
            self.add(f"{name}:cls-avf-hv1", "?y ?hp ?hv .", where, "?y ?hp ?hv")

    def _compile(self) -> None:
        self._entry_rules()
        self._anonymous_class_rules()
        self._property_rules()

    def _entry_rules(self) -> None:
        """Rules for the ways into a class: a type, a value, a domain or a range."""
        s = self.s
        classes = {c for c in s.sup if _iri(c)} | {c for c in s.sub if _iri(c)}
        # cax-sco / cax-eqc (+ cls-int2, cls-uni through named classes), cls-hv1, cls-avf from named types.
        named = (((c,), c) for c in sorted(classes, key=str))
        self.entry("cax-sco", ["c"], "?x a ?c .", named, single=True)
        # cls-hv2: a value puts ?x in the restriction.
        values = (((p, v), r) for r, (p, v) in s.hv.items())
        self.entry("cls-hv2", ["p", "v"], "?x ?p ?v .", values, single=True)
        # prp-dom / prp-rng (with scm-dom1/2, scm-rng1/2 folded in).
        self.entry(
            "prp-dom",
            ["p"],
            "?x ?p ?o .",
            (((p,), c) for p, cs in s.domain.items() if _iri(p) for c in cs),
            single=True,
        )
        self.entry(
            "prp-rng",
            ["p"],
            "?o ?p ?x .",
            (((p,), c) for p, cs in s.range.items() if _iri(p) for c in cs),
            single=True,
            rest="FILTER(!isLiteral(?x))",
        )

    def _anonymous_class_rules(self) -> None:
        """cls-svf1/2 and cls-int1: one rule per anonymous class that has consequences."""
        s = self.s
        for r, (p, filler) in sorted(s.svf.items(), key=str):
            y = self.var()
            inner = "" if _iri(filler) and filler.value == THING else self.membership(filler, y)
            if inner is not None:
                self.entry("cls-svf", [], f"?x {_sparql(p)} {y} . {inner}", [((), r)])
        for i, members in sorted(s.intersections.items(), key=str):
            parts = [self.membership(m, "?x") for m in members]
            if members and all(part is not None for part in parts):
                self.entry("cls-int1", [], " ".join(parts), [((), i)])
        # Anonymous classes reached only through a domain or range (no named class in between).
        for table in (s.domain, s.range):
            for cs in table.values():
                for c in cs:
                    if not _iri(c) and c in s.avf and not any(_iri(d) for d in s.sub.get(c, ())):
                        s.problems.append("allValuesFrom restriction used as a domain or range")

    def _property_rules(self) -> None:
        """prp-spo1, prp-eqp1/2, prp-inv1/2, prp-symp, prp-trp, prp-spo2."""
        s = self.s
        # prp-spo1, prp-eqp1/2: every super-property at once.
        rows = [(p, q) for p, qs in s.psup.items() if _iri(p) for q in qs if _iri(q) and q != p]
        table = _values(["p", "q"], rows)
        if table:
            self.add("prp-spo1", "?x ?q ?y .", f"{table} ⟦ ?x ?p ?y ⟧", "?x ?q ?y")
        # prp-inv1/2.
        table = _values(["p", "q"], [(p, q) for p, q in s.inverse] + [(q, p) for p, q in s.inverse])
        if table:
            self.add("prp-inv", "?y ?q ?x .", f"{table} ⟦ ?x ?p ?y ⟧ FILTER(!isLiteral(?y))", "?y ?q ?x")
        # prp-symp.
        table = _values(["p"], [(p,) for p in s.props("SymmetricProperty")])
        if table:
            self.add("prp-symp", "?y ?p ?x .", f"{table} ⟦ ?x ?p ?y ⟧ FILTER(!isLiteral(?y))", "?y ?p ?x")
        # prp-trp: the whole transitive closure in one step.
        for p in s.props("TransitiveProperty"):
            self.add(
                "prp-trp",
                f"?x {_sparql(p)} ?z .",
                f"?x {_sparql(p)} ?y . ?y {_sparql(p)}+ ?z .",
                f"?x {_sparql(p)} ?z",
            )
        # prp-spo2.
        for p, steps in s.chains:
            self.add("prp-spo2", f"?x {_sparql(p)} ?y .", f"?x {'/'.join(steps)} ?y .", f"?x {_sparql(p)} ?y")

    def equality(self) -> list[_Rule]:
        """eq-sym, eq-trans, eq-rep-s/p/o, prp-fp, prp-ifp: only run when the data needs them."""
        rules: list[_Rule] = []

        def add(name: str, template: str, where: str, exists: str) -> None:
            rules.append(_Rule.new(name, template, where, exists))

        same = f"<{SAME_AS}>"
        table = _values(["p"], [(p,) for p in self.s.props("FunctionalProperty")])
        if table:
            where = (
                f"{table} ?x ?p ?y1 . ?x ?p ?y2 . FILTER(?y1 != ?y2 && !isLiteral(?y1) && !isLiteral(?y2))"
            )
            add("prp-fp", f"?y1 {same} ?y2 .", where, f"?y1 {same} ?y2")
        table = _values(["p"], [(p,) for p in self.s.props("InverseFunctionalProperty")])
        if table:
            add(
                "prp-ifp",
                f"?x1 {same} ?x2 .",
                f"{table} ?x1 ?p ?y . ?x2 ?p ?y . FILTER(?x1 != ?x2)",
                f"?x1 {same} ?x2",
            )
        add("eq-sym", f"?y {same} ?x .", f"?x {same} ?y .", f"?y {same} ?x")
        add("eq-trans", f"?x {same} ?z .", f"?x {same} ?y . ?y {same} ?z .", f"?x {same} ?z")
        add("eq-rep-s", "?y ?p ?o .", f"?x {same} ?y . ?x ?p ?o .", "?y ?p ?o")
        add("eq-rep-p", "?s ?y ?o .", f"?x {same} ?y . ?s ?x ?o .", "?s ?y ?o")
        add("eq-rep-o", "?s ?p ?y .", f"?x {same} ?y . ?s ?p ?x .", "?s ?p ?y")
        return rules

    def needs_equality(self) -> str:
        """An ASK body true when the data needs the equality rules."""
        parts = [f"{{ [[ ?a <{SAME_AS}> ?b ]] FILTER(?a != ?b) }}"]
        table = _values(["p"], [(p,) for p in self.s.props("FunctionalProperty")])
        if table:
            parts.append(
                f"{{ {table} [[ ?x ?p ?y1 ]] [[ ?x ?p ?y2 ]] "
                "FILTER(?y1 != ?y2 && !isLiteral(?y1) && !isLiteral(?y2)) }"
            )
        table = _values(["p"], [(p,) for p in self.s.props("InverseFunctionalProperty")])
        if table:
            parts.append(f"{{ {table} [[ ?x1 ?p ?y ]] [[ ?x2 ?p ?y ]] FILTER(?x1 != ?x2) }}")
        return " UNION ".join(parts)


# --- running ----------------------------------------------------------------------------------------------


def _update(rules: Sequence[_Rule], staging: str, graphs: Sequence[str], delta: str | None, new: str) -> str:
    """One round: every rule inserts into ``staging`` and ``new``; marked premises read ``delta`` only."""
    dataset = " ".join(f"USING {ox.NamedNode(g)}" for g in [*graphs, staging])
    if delta is not None:
        dataset += f" USING NAMED {ox.NamedNode(delta)}"

    def premise(match: re.Match) -> str:
        return f"GRAPH {ox.NamedNode(delta)} {{ {match[1]} }}" if delta is not None else f"{match[1]} ."

    into = f"GRAPH {ox.NamedNode(staging)} {{ TPL }} GRAPH {ox.NamedNode(new)} {{ TPL }}"
    return " ;\n".join(
        f"INSERT {{ {into.replace('TPL', rule.template)} }} {dataset} "
        f"WHERE {{ {re.sub('⟦(.+?)⟧', premise, rule.where)} }}"
        for rule in rules
    )


def _count(store: Store, graph: str) -> int:
    rows = list(
        store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")
    )
    return int(rows[0]["n"].value)


def materialise(store: Store, *, max_rounds: int = 100) -> ReasoningResult:
    """Materialise the rules' entailments of ``store``'s asserted graphs into ``INFERRED_GRAPH``.

    The inferred graph is replaced as a whole (a failure leaves it as it was); inconsistencies are returned.
    A remote store is reasoned over in a local embedded copy of its asserted graphs, and only the inferred
    graph is written back: endpoints may refuse ``USING`` (Oxigraph's ``--union-default-graph`` does), and
    one transfer each way costs less than the many requests of a fixpoint.
    """
    if not isinstance(store, EmbeddedStore):
        return _materialise_locally(store, max_rounds=max_rounds)
    graphs = asserted_graphs(store)
    schema = read_schema(store, graphs)
    compiler = _Compiler(schema)
    staging = f"{GRAPH_BASE}staging/{uuid.uuid4().hex}"
    rules = list(compiler.rules)
    equality = False
    delta: str | None = None
    try:
        rounds = 0
        while True:
            rounds += 1
            if rounds > max_rounds:
                raise ReasoningError(f"rules: no fixpoint after {max_rounds} rounds; use --reasoner owlrl")
            new = f"{GRAPH_BASE}staging/{uuid.uuid4().hex}"
            if rules:
                store.update(_update(rules, staging, graphs, delta, new))
            if delta is not None:
                store.drop(delta)
            delta = new
            if _count(store, new):
                continue
            if not equality and _ask(store, compiler.needs_equality(), [*graphs, staging]):
                equality = True
                rules += compiler.equality()
                continue
            break
        # Triples about blank nodes stay out (as in reasoning.reason); so do reflexive sameAs.
        g = ox.NamedNode(staging)
        store.update(
            f"DELETE {{ GRAPH {g} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {g} {{ ?s ?p ?o "
            f"FILTER(isBlank(?s) || isBlank(?o) || (?p = <{SAME_AS}> && ?s = ?o)) }} }}"
        )
        problems = inconsistencies(store, schema, [*graphs, staging])
        asserted = _count_union(store, graphs)
        store.update(f"MOVE SILENT {g} TO {ox.NamedNode(INFERRED_GRAPH)}")
    finally:
        store.drop(staging)
        if delta is not None:
            store.drop(delta)
    return ReasoningResult(
        asserted=asserted, inferred=_count(store, INFERRED_GRAPH), inconsistencies=problems
    )


def _count_union(store: Store, graphs: Sequence[str]) -> int:
    rows = list(
        store.query(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { "
            + _scoped("[[ ?s ?p ?o ]]", graphs)
            + " } }"
        )
    )
    return int(rows[0]["n"].value)


# --- inconsistencies --------------------------------------------------------------------------------------


def inconsistencies(store: Store, schema: Schema, graphs: Sequence[str]) -> list[Inconsistency]:
    """The OWL 2 RL inconsistencies of asserted + inferred triples, with owlrl's messages."""
    checks = _Checks(store, schema, graphs)
    found = [
        *checks.disjoint_classes(),
        *checks.nothing(),
        *checks.complements(),
        *checks.irreflexive(),
        *checks.asymmetric(),
        *checks.disjoint_properties(),
        *checks.negative_assertions(),
        *checks.same_and_different(),
    ]
    return sorted(set(found), key=lambda i: (i.rule, i.message))


class _Checks:
    """The inconsistency checks, one per OWL 2 RL rule, each a query over ``graphs``."""

    def __init__(self, store: Store, schema: Schema, graphs: Sequence[str]):
        self.store = store
        self.schema = schema
        self.graphs = graphs

    def select(self, where: str, variables: str):
        return _select(self.store, variables, where, self.graphs)

    def common_members(self, c1: Term, c2: Term) -> list[Term]:
        """The individuals typed with both classes."""
        return [row["x"] for row in self.select(f"[[ ?x a {_sparql(c1)} ]] [[ ?x a {_sparql(c2)} ]]", "?x")]

    def disjoint_classes(self) -> Iterable[Inconsistency]:
        """cax-dw, cax-adc: an individual of two disjoint classes."""
        schema = self.schema
        pairs = [(c1, c2) for c1, c2 in schema.pairs(_OWL + "disjointWith")]
        for node in schema.typed[_OWL + "AllDisjointClasses"]:
            for head in [o for s, o in schema.pairs(_OWL + "members") if s == node]:
                members = schema.items(head)
                pairs += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        for c1, c2 in pairs:
            if not (_iri(c1) and _iri(c2)):
                continue  # listed by ``unsupported``
            for x in self.common_members(c1, c2):
                message = f"Disjoint classes {_text(c1)} and {_text(c2)} have a common individual {_text(x)}"
                yield Inconsistency("cax-dw", message, ((x.value, TYPE, c1.value), (x.value, TYPE, c2.value)))

    def nothing(self) -> Iterable[Inconsistency]:
        """cls-nothing2: an individual of owl:Nothing."""
        for row in self.select(f"[[ ?x a <{NOTHING}> ]]", "?x"):
            x = row["x"]
            yield Inconsistency(
                "cls-nothing2", f"{_text(x)} is defined of type 'Nothing'", ((x.value, TYPE, NOTHING),)
            )

    def complements(self) -> Iterable[Inconsistency]:
        """cls-com: an individual of a class and of its complement."""
        for c1, c2 in self.schema.pairs(_OWL + "complementOf"):
            if not (_iri(c1) and _iri(c2)):
                continue
            for x in self.common_members(c1, c2):
                message = (
                    f"Violation of complementarity for classes {_text(c1)} and {_text(c2)} "
                    f"on element {_text(x)}"
                )
                yield Inconsistency(
                    "cls-com", message, ((x.value, TYPE, c1.value), (x.value, TYPE, c2.value))
                )

    def irreflexive(self) -> Iterable[Inconsistency]:
        """prp-irp: an irreflexive property relating a node to itself."""
        for p in self.schema.props("IrreflexiveProperty"):
            for row in self.select(f"[[ ?x {_sparql(p)} ?x ]]", "?x"):
                x = row["x"]
                message = f"Irreflexive property used on {_text(x)} with {_text(p)}"
                yield Inconsistency("prp-irp", message, ((x.value, p.value, x.value),))

    def asymmetric(self) -> Iterable[Inconsistency]:
        """prp-asyp: an asymmetric property used both ways."""
        for p in self.schema.props("AsymmetricProperty"):
            for row in self.select(f"[[ ?x {_sparql(p)} ?y ]] [[ ?y {_sparql(p)} ?x ]]", "?x ?y"):
                x, y = row["x"], row["y"]
                message = f"Erroneous usage of asymmetric property {_text(p)} on {_text(x)} and {_text(y)}"
                yield Inconsistency(
                    "prp-asyp", message, ((x.value, p.value, y.value), (y.value, p.value, x.value))
                )

    def disjoint_properties(self) -> Iterable[Inconsistency]:
        """prp-pdw: two disjoint properties relating the same pair."""
        for p1, p2 in self.schema.pairs(_OWL + "propertyDisjointWith"):
            for row in self.select(f"[[ ?x {_sparql(p1)} ?y ]] [[ ?x {_sparql(p2)} ?y ]]", "?x ?y"):
                x, y = row["x"], row["y"]
                message = (
                    f"Erroneous usage of disjoint properties {_text(p1)} and {_text(p2)} "
                    f"on {_text(x)} and {_text(y)}"
                )
                triples = ((x.value, p1.value, y.value), (x.value, p2.value, y.value))
                yield Inconsistency("prp-pdw", message, triples)

    def negative_assertions(self) -> Iterable[Inconsistency]:
        """prp-npa1/2: a negative property assertion that holds."""
        schema = self.schema
        assertion = dict(schema.pairs(_OWL + "assertionProperty"))
        targets = defaultdict(list)
        for key in ("targetIndividual", "targetValue"):
            for s, o in schema.pairs(_OWL + key):
                targets[s].append((key, o))
        for npa, i1 in schema.pairs(_OWL + "sourceIndividual"):
            p = assertion.get(npa)
            for key, i2 in targets[npa]:
                if p is None or not _iri(p):
                    continue
                if _ask(self.store, f"[[ {_sparql(i1)} {_sparql(p)} {_sparql(i2)} ]]", self.graphs):
                    kind = "object" if key == "targetIndividual" else "datatype"
                    message = (
                        f"Negative ({kind}) property assertion violated for: "
                        f"({_text(i1)}, {_text(p)}, {_text(i2)})"
                    )
                    yield Inconsistency("prp-npa", message, ((i1.value, p.value, i2.value),))

    def same_and_different(self) -> Iterable[Inconsistency]:
        """eq-diff1: two nodes both the same and different."""
        same, different = f"<{SAME_AS}>", f"<{_OWL}differentFrom>"
        where = (
            f"{{ [[ ?x {same} ?y ]] {{ [[ ?x {different} ?y ]] }} UNION {{ [[ ?y {different} ?x ]] }} }} "
            # x differentFrom x: inconsistent with eq-ref (x sameAs x), which is not materialised
            f"UNION {{ [[ ?x {different} ?x ]] BIND(?x AS ?y) }}"
        )
        for row in self.select(where, "?x ?y"):
            x, y = row["x"], row["y"]
            message = (
                "'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: "
                f"({_text(x)}, {_text(y)})"
            )
            triples = ((x.value, SAME_AS, y.value), (x.value, _OWL + "differentFrom", y.value))
            yield Inconsistency("eq-diff1", message, triples)


def _materialise_locally(store: Store, *, max_rounds: int) -> ReasoningResult:
    local = EmbeddedStore()
    for graph in asserted_graphs(store):
        local.load(store.dump(format="nt", graphs=[graph]), graph=graph, format="nt")
    result = materialise(local, max_rounds=max_rounds)
    store.load(local.dump(format="nt", graphs=[INFERRED_GRAPH]), graph=INFERRED_GRAPH, format="nt")
    return result
