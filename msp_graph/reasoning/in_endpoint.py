"""The rules engine inside a SPARQL endpoint: ``reason --endpoint`` without a copy of the data.

The schema is read and compiled as for the embedded store (``rules.read_schema``, ``rules._Compiler``); its
tables and property rules become SPARQL updates the server runs, each triple pattern a ``GRAPH`` pattern
over a named list of graphs (the asserted graphs and the graph being built), never ``USING`` (Oxigraph
server refuses it over a union default graph) nor the default graph (which holds the old inferred graph,
the metadata and other writers' staging graphs). Round after round (semi-naive: a rule of one premise reads
only what the previous round added, kept in a delta graph) until a round adds nothing; ``max_rounds``
bounds it with a clear error. Transitive properties and property chains are joins of single triple
patterns, one step per round (no property path: Virtuoso 7 answers some wrongly). The new triples go into a
staging graph on the server, marked so other readers never see it, moved over the inferred graph in one
request at the end: a failure leaves the old inferred graph. The inconsistency checks are SELECTs in the
endpoint; the ill-typed literal check reads only the distinct literals of the checked datatypes. Nothing but
counts and results cross the network.

The working graphs (the one built and the deltas) are staging graphs marked as a push's are (one triple,
``<graph> prov:generatedAtTime "..."``): the mark of a delta is left out of the premises (a new delta each
round would otherwise feed the rules forever when an ontology gives that property a domain), and what the
target's mark entails is deleted before the move.

Dialects: ``oxigraph`` and ``generic`` send one request per round. ``virtuoso`` sends each rule as a request
of its own (one request per round hit "SR171: Transaction timed out" at 10^5 triples), its table in parts
of at most ``_PIECE`` rows ("SQ199: Maximum size (32767) of a code vector exceeded" beyond), committed
row by row (``_ROW_BY_ROW``), and finds the representative of the equality rules without ``MIN``
(``_equality_rules``).

>>> from msp_graph.stores import RemoteStore
>>> materialise(RemoteStore("http://127.0.0.1:7878/query"))      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..loading import asserted_graphs
from ..stores import INFERRED_GRAPH, STAGING_PREFIX, RemoteStore
from .literals import DATATYPES, _ill_typed_as_written, _inconsistency, ill_typed
from .result import ReasoningResult
from .rules import (
    SAME_AS,
    _ask,
    _Compiler,
    _count_union,
    _rounds,
    _Table,
    _Test,
    _values,
    inconsistencies,
    read_schema,
)

__all__ = ["materialise"]

_PIECE = 500  # rows of a rule's VALUES table per request on Virtuoso (its code vector: 32 KB)
# Virtuoso's pragma for an update committed row by row, its log kept: one INSERT of the hundreds of thousands
# of triples of a rule at 10^6 otherwise stops with "SR325: Transaction aborted because it's log after image
# size went above the limit". The rows go into working graphs only; the move into place is one transaction.
_ROW_BY_ROW = "DEFINE sql:log-enable 3"


@dataclass
class _Scope:
    """Where the triple patterns of one round read: ``graphs`` (asserted + the graph being built) for
    everything, ``delta`` (what the previous round added) for the one premise of a semi-naive rule."""

    graphs: Sequence[str]
    delta: str | None = None
    used: int = 0

    def known(self, s: str, p: str, o: str) -> str:
        self.used += 1
        g = f"?g{self.used}"
        names = " ".join(f"<{name}>" for name in self.graphs)
        return f"VALUES {g} {{ {names} }} GRAPH {g} {{ {s} {p} {o} }}"

    def premise(self, s: str, p: str, o: str) -> str:
        """One premise: after the first round, the delta only, without its own mark (module docstring)."""
        if self.delta is None:
            return self.known(s, p, o)
        return f"GRAPH <{self.delta}> {{ {s} {p} {o} }} FILTER ({s} != <{self.delta}>)"


@dataclass
class _Rule:
    """One INSERT: ``template`` where ``where`` holds and ``template`` is not known yet. ``rows``: its table
    (``VALUES`` over ``keys``), kept apart so that it can be sent in pieces."""

    template: tuple[str, str, str]
    where: str
    keys: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)

    def updates(self, scope: _Scope, into: Sequence[str], piece: int | None) -> Iterator[str]:
        tpl = " ".join(self.template) + " ."
        head = " ".join(f"GRAPH <{g}> {{ {tpl} }}" for g in into)
        where = f"{self.where} FILTER NOT EXISTS {{ {scope.known(*self.template)} }}"
        if not self.keys:
            yield f"INSERT {{ {head} }} WHERE {{ {where} }}"
            return
        size = piece or len(self.rows) or 1
        for at in range(0, len(self.rows), size):
            table = _values(self.keys, self.rows[at : at + size])
            yield f"INSERT {{ {head} }} WHERE {{ {table} {where} }}"


def _test(test: _Test, x: str, scope: _Scope, fresh: Iterator[int]) -> str:
    """A membership test (``rules._Test``) as a graph pattern on ``x``, every triple in ``scope``."""
    kind = test[0]
    if kind == "a" and len(test[1]) == 1:
        return scope.known(x, "a", str(test[1][0]))
    if kind == "a":
        c = f"?c{next(fresh)}"
        return f"VALUES {c} {{ {' '.join(map(str, test[1]))} }} {scope.known(x, 'a', c)}"
    if kind == "value":
        return scope.known(x, str(test[1]), str(test[2]))
    if kind == "some":
        y = f"?v{next(fresh)}"
        return f"{scope.known(x, str(test[1]), y)} {_test(test[2], y, scope, fresh)}"
    if kind == "and":
        return " ".join(_test(part, x, scope, fresh) for part in test[1])
    if kind == "or":
        return " UNION ".join("{ " + _test(option, x, scope, fresh) + " }" for option in test[1])
    return ""  # "thing": any node


def _table_rules(table: _Table, scope: _Scope, fresh: Iterator[int]) -> list[_Rule]:
    """A table's rules (``rules._Table.rules``), its one premise from the delta after the first round."""
    if table.premise:
        s, p, o = table.pattern.rstrip(" .").split()
        single = f"{scope.premise(s, p, o)} {table.rest}"
        whole = f"{scope.known(s, p, o)} {table.rest}"
    else:
        single = whole = _test(table.test, "?x", scope, fresh)
    join = f"{whole} {scope.known('?x', '?q', '?y')} FILTER(!isLiteral(?y))"
    rules = []
    for variables, rows, template, where in (
        (["d"], table.types, ("?x", "a", "?d"), single),
        (["hp", "hv"], table.values, ("?x", "?hp", "?hv"), single),
        (["q", "d"], table.avf_types, ("?y", "a", "?d"), join),
        (["q", "hp", "hv"], table.avf_values, ("?y", "?hp", "?hv"), join),
    ):
        if rows:
            keys = [*table.keys, *variables]
            rules.append(_Rule(template, where, keys, sorted(rows, key=str)))
    return rules


def _property_rules(compiler: _Compiler, scope: _Scope) -> list[_Rule]:
    """prp-spo1/eqp, prp-inv, prp-symp (one premise); prp-trp and prp-spo2 as joins of single triples."""
    rules = []
    if compiler.spo:
        rules.append(_Rule(("?x", "?q", "?y"), scope.premise("?x", "?p", "?y"), ["p", "q"], compiler.spo))
    objects = f"{scope.premise('?x', '?p', '?y')} FILTER(!isLiteral(?y))"
    if compiler.inverse:
        rules.append(_Rule(("?y", "?q", "?x"), objects, ["p", "q"], compiler.inverse))
    if compiler.symmetric:
        rules.append(_Rule(("?y", "?p", "?x"), objects, ["p"], [(p,) for p in compiler.symmetric]))
    for p in compiler.s.props("TransitiveProperty"):
        where = f"{scope.known('?x', str(p), '?y')} {scope.known('?y', str(p), '?z')}"
        rules.append(_Rule(("?x", str(p), "?z"), where))
    for p, steps in compiler.s.chains:
        nodes = ["?x", *(f"?m{i}" for i in range(1, len(steps))), "?y"]
        where = " ".join(scope.known(nodes[i], step, nodes[i + 1]) for i, step in enumerate(steps))
        rules.append(_Rule(("?x", str(p), "?y"), where))
    return rules


def _equality_rules(compiler: _Compiler, scope: _Scope, virtuoso: bool) -> list[_Rule]:
    """prp-fp, prp-ifp, eq-sym, eq-trans, eq-rep-s/p/o (``rules._Compiler.equality``, one representative
    per set of equal nodes), every triple pattern in ``scope``.

    The representative ``?r`` of ``?x`` is the least of its equals (``MIN``). Virtuoso 7 refuses an
    aggregate whose value the ``FILTER NOT EXISTS`` of the new triple reads ("SQ200: Aggregate function not
    allowed in context", with ``MINUS`` too): there it is the equal no other equal precedes as a string.
    """
    k, same = scope.known, f"<{SAME_AS}>"
    rep = f"{{ SELECT ?x (MIN(?e) AS ?r) WHERE {{ {k('?x', same, '?e')} }} GROUP BY ?x }}"
    if virtuoso:
        rep = f"{k('?x', same, '?r')} FILTER NOT EXISTS {{ {k('?x', same, '?e')} FILTER(STR(?e) < STR(?r)) }}"
    other = f"FILTER (?p != {same})"
    rules = [
        _Rule(("?y", same, "?x"), k("?x", same, "?y")),
        _Rule(("?x", same, "?z"), f"{k('?x', same, '?y')} {k('?y', same, '?z')}"),
        _Rule(("?r", "?p", "?o"), f"{rep} {k('?x', '?p', '?o')} {other}"),
        _Rule(("?x", "?p", "?o"), f"{rep} {k('?r', '?p', '?o')} {other}"),
        _Rule(("?s", "?y", "?o"), f"{k('?x', same, '?y')} {k('?s', '?x', '?o')}"),
        _Rule(("?s", "?p", "?r"), f"{rep} {k('?s', '?p', '?x')} {other}"),
        _Rule(("?s", "?p", "?x"), f"{rep} {k('?s', '?p', '?r')} {other}"),
    ]
    functional = [(p,) for p in compiler.s.props("FunctionalProperty")]
    if functional:
        values = "FILTER(?y1 != ?y2 && !isLiteral(?y1) && !isLiteral(?y2))"
        where = f"{k('?x', '?p', '?y1')} {k('?x', '?p', '?y2')} {values}"
        rules.append(_Rule(("?y1", same, "?y2"), where, ["p"], functional))
    inverse_functional = [(p,) for p in compiler.s.props("InverseFunctionalProperty")]
    if inverse_functional:
        where = f"{k('?x1', '?p', '?y')} {k('?x2', '?p', '?y')} FILTER(?x1 != ?x2)"
        rules.append(_Rule(("?x1", same, "?x2"), where, ["p"], inverse_functional))
    return rules


def _rules(compiler: _Compiler, scope: _Scope, equality: bool, dialect: str) -> list[_Rule]:
    fresh = iter(range(1, 1_000_000))
    found = [rule for table in compiler.tables for rule in _table_rules(table, scope, fresh)]
    found += _property_rules(compiler, scope)
    return found + (_equality_rules(compiler, scope, dialect == "virtuoso") if equality else [])


def materialise(store: RemoteStore, *, max_rounds: int = 100) -> ReasoningResult:
    """The rules' entailments of the endpoint's asserted graphs into its ``INFERRED_GRAPH``, computed by the
    server (``rules.materialise`` does the same in an embedded store); the inconsistencies returned. Every
    query names its graphs (``RemoteStore.as_written``)."""
    graphs = asserted_graphs(store)
    piece = _PIECE if store.dialect == "virtuoso" else None
    with store.as_written():
        schema = read_schema(store, graphs)
        compiler = _Compiler(schema)
        target = store.new_staging_graph()
        try:
            _fixpoint(store, compiler, graphs, target, max_rounds, piece)
            _tidy(store, target)
            problems = inconsistencies(store, schema, [*graphs, target])
            problems = sorted([*problems, *_ill_typed(store, graphs)], key=lambda i: (i.rule, i.message))
            inferred = store.count(target) - 1  # its mark
            store.move_staged(target, INFERRED_GRAPH)
        except BaseException:
            store.drop(target)
            raise
        asserted = _count_union(store, graphs)
    return ReasoningResult(asserted=asserted, inferred=inferred, inconsistencies=problems)


def _fixpoint(
    store: RemoteStore,
    compiler: _Compiler,
    graphs: list[str],
    target: str,
    max_rounds: int,
    piece: int | None,
) -> None:
    """Rounds of every rule into ``target`` until one adds nothing (then once more with the equality rules
    when the data needs them). Each round's new triples also go to a new delta graph, which the next
    round's rules of one premise read."""
    equality, delta, new = False, None, None
    try:
        for _ in _rounds(max_rounds):
            new = store.new_staging_graph()
            scope = _Scope([*graphs, target], delta)
            rules = _rules(compiler, scope, equality, store.dialect)
            updates = [u for rule in rules for u in rule.updates(scope, [target, new], piece)]
            if piece is None:
                store.update(" ;\n".join(updates))
            else:  # Virtuoso: one rule (or piece of its table) per request, committed row by row
                for update in updates:
                    store.update(f"{_ROW_BY_ROW} {update}")
            if delta is not None:
                store.drop(delta)
            delta, new = new, None
            if store.count(delta) > 1:  # more than its mark
                continue
            if not equality and _ask(store, compiler.needs_equality(), [*graphs, target]):
                equality = True
                continue
            break
    finally:
        for graph in (delta, new):
            if graph is not None:
                store.drop(graph)


def _tidy(store: RemoteStore, target: str) -> None:
    """Out of ``target``: triples about blank nodes and reflexive sameAs (as in the embedded store), and
    those about the working graphs themselves (drawn from their marks); the mark put back."""
    g = f"<{target}>"
    store.update(
        f"DELETE {{ GRAPH {g} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} FILTER(isBlank(?s) || "
        f'isBlank(?o) || (?p = <{SAME_AS}> && ?s = ?o) || STRSTARTS(STR(?s), "{STAGING_PREFIX}")) }} ;\n'
        + store.marking(target)
    )


_LISTED = 500  # terms in one VALUES list (Virtuoso refuses very long ones)


def _ill_typed(store: RemoteStore, graphs: Sequence[str]) -> list:
    """dt-not-type in the endpoint: its distinct literals of ``DATATYPES`` are judged here by the check the
    embedded store runs (``literals.ill_typed``, the server's casts may differ); then the triples holding
    the ill-typed ones are asked for."""
    names = " ".join(f"<{g}>" for g in graphs)
    kinds = ", ".join(f"<{d}>" for d in DATATYPES)
    literals = store.select(
        f"SELECT DISTINCT ?o WHERE {{ VALUES ?g {{ {names} }} GRAPH ?g {{ ?s ?p ?o }} "
        f"FILTER (isLiteral(?o) && DATATYPE(?o) IN ({kinds})) }}"
    )
    scratch, s, p = ox.Store(), ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p")
    scratch.extend(ox.Quad(s, p, row["o"]) for row in literals)
    bad = sorted({i.triples[0][2] for i in ill_typed(scratch)})
    found = []
    for at in range(0, len(bad), _LISTED):
        values = " ".join(bad[at : at + _LISTED])
        rows = store.select(
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?o {{ {values} }} VALUES ?g {{ {names} }} "
            f"GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        found += [_inconsistency(row["s"], row["p"], row["o"]) for row in rows]
    found += [_inconsistency(*triple) for triple in _ill_typed_as_written(store, graphs)]
    return found
