"""Named queries give fully determined rows: the same with and without the inferred graph, one label per node,
list cells sorted, and an ORDER BY that leaves no ties.

Every named query runs with no parameters (when it needs none) and with each example of its header, on the
bundled data before and after ``reason``; the rendered CSV must be equal, byte for byte. A query whose
header has an ``entailment:`` line relies on reasoning instead: ``ENTAILMENT_ADDS`` pins what reasoning
adds to its rows. The last test runs the same comparison on an Oxigraph server and on Virtuoso.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import clear, oxigraph_server, virtuoso_server

from msp_graph.loading import load_bundled, load_ontology
from msp_graph.queries import NamedQuery, get_query, list_queries, parse_param, run_query
from msp_graph.reasoning import reason
from msp_graph.stores import EmbeddedStore, source_graph

__all__ = ["oxigraph_server", "virtuoso_server"]  # fixtures, imported for pytest

FIXTURES = Path(__file__).parent / "fixtures" / "queries"
ID = "https://w3id.org/msp/id/"

#: For each query whose header declares an entailment: (query, example) -> the CSV lines reasoning adds
#: and the ones it takes away. Empty while no named query relies on reasoning.
ENTAILMENT_ADDS: dict[tuple[str, str], tuple[set[str], set[str]]] = {}


def _runs(query: NamedQuery) -> list[str]:
    """The parameter sets a query runs with here: none (when it needs none) and each header example."""
    required = [p for p in query.params if not p.optional]
    return ([] if required else [""]) + list(query.examples)


CASES = [pytest.param(q, example, id=f"{q.name}[{example}]") for q in list_queries() for example in _runs(q)]


def _params(example: str) -> dict[str, str]:
    return dict(parse_param(pair) for pair in example.split())


def _rendered(result) -> str:
    return result.render("nt") if result.kind == "graph" else result.render("csv")


@pytest.fixture(scope="module")
def plain() -> EmbeddedStore:
    store = EmbeddedStore()
    load_bundled(store)
    return store


@pytest.fixture(scope="module")
def reasoned() -> EmbeddedStore:
    store = EmbeddedStore()
    load_bundled(store)
    assert reason(store).consistent
    return store


# ------------------------------------------------------------------------------ with and without reasoning


def test_every_named_query_runs_here():
    """Each query of the catalogue has at least one run (a required parameter needs a header example)."""
    assert all(_runs(query) for query in list_queries())


@pytest.mark.parametrize(("query", "example"), CASES)
def test_same_rows_with_and_without_reasoning(plain, reasoned, query: NamedQuery, example: str):
    before = _rendered(run_query(plain, query, params=_params(example)))
    after = _rendered(run_query(reasoned, query, params=_params(example)))
    if not query.entailment:
        assert after == before, f"{query.name} {example}: the inferred graph changes the rows"
        return
    added, removed = ENTAILMENT_ADDS[(query.name, example)]
    lines_before, lines_after = set(before.splitlines()), set(after.splitlines())
    assert (lines_after - lines_before, lines_before - lines_after) == (added, removed)


def test_entailment_queries_have_their_difference_pinned():
    declared = {(q.name, example) for q in list_queries() if q.entailment for example in _runs(q)}
    assert set(ENTAILMENT_ADDS) == declared


def test_acronyms_do_not_become_names_after_reasoning(reasoned):
    """Issue 11: skos:altLabel is a sub-property of rdfs:label, so reasoning makes every acronym a label."""
    ilo = ID + "organisation/ilo"
    premise = f'ASK {{ <{ilo}> <http://www.w3.org/2000/01/rdf-schema#label> "ILO"@en }}'
    assert bool(reasoned.query(premise)), "the premise: after reasoning the acronym is an rdfs:label"
    rows = run_query(reasoned, get_query("alliances-of-partner"), params={"partner": "organisation:ilo"}).rows
    memberships = [row["membership"].value for row in rows]
    assert len(memberships) == len(set(memberships)), "one row per membership"
    assert all(row["allianceLabel"] is not None for row in rows)
    alt = "http://www.w3.org/2004/02/skos/core#altLabel"
    for row in rows:
        acronyms = {
            s["a"].value
            for s in reasoned.query(f"SELECT ?a WHERE {{ <{row['alliance'].value}> <{alt}> ?a }}")
        }
        assert row["allianceLabel"].value not in acronyms, row["alliance"].value
    assert any(reasoned.query(f"ASK {{ <{row['alliance'].value}> <{alt}> ?a }}") for row in rows)
    ilo_only = {"partner": "organisation:ilo"}
    pairs = run_query(reasoned, get_query("partners-sharing-alliances"), params=ilo_only)
    assert {row["partnerALabel"].value for row in pairs.rows} == {"International Labour Organization"}
    for row in pairs.rows:
        names = row["sharedAlliances"].value.split("; ")
        assert len(names) == int(row["sharedCount"].value), "each shared alliance named once"


# ------------------------------------------------------------------------------------------ list columns


def _list_aliases(query: NamedQuery) -> dict[str, str]:
    found = re.findall(
        r'GROUP_CONCAT\((?:DISTINCT\s+)?\?\w+;\s*separator="([^"]*)"\)\s+AS\s+\?(\w+)', query.text, re.I
    )
    return {alias: separator for separator, alias in found}


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_group_concat_column_is_a_declared_list(query: NamedQuery):
    assert query.lists == _list_aliases(query)


#: A country covered by an alliance and engaged in it in two roles: a ``how`` cell with three items.
HOW_THREE_WAYS = """\
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix role: <https://w3id.org/msp/vocab/role/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
<https://w3id.org/msp/id/partnership/x> a msp:Partnership ; rdfs:label "X"@en ;
    msp:geographicCoverage country:BRA .
<https://w3id.org/msp/id/engagement/x-bra> a msp:CountryEngagement ; msp:country country:BRA ;
    msp:engagementOf <https://w3id.org/msp/id/partnership/x> ;
    msp:engagementRole role:pathfinder-country, role:coalition-country .
"""


@pytest.fixture(scope="module")
def three_ways() -> EmbeddedStore:
    store = EmbeddedStore()
    load_ontology(store)
    store.load(HOW_THREE_WAYS.encode(), graph=source_graph("three-ways"), format="turtle")
    return store


@pytest.mark.parametrize("query", [q for q in list_queries() if q.lists], ids=lambda q: q.name)
def test_list_cells_are_sorted(plain, reasoned, three_ways, query: NamedQuery):
    lists = [
        (column, row[column].value.split(separator))
        for store in (plain, reasoned, three_ways)
        for example in _runs(query)
        for row in run_query(store, query, params=_params(example)).rows
        for column, separator in query.lists.items()
        if row[column] is not None
    ]
    assert any(len(items) > 1 for _, items in lists), "no cell lists two items: the check would prove nothing"
    for column, items in lists:
        assert items == sorted(items), f"{query.name}: {column} is not sorted: {items}"


def test_run_query_sorts_the_items_the_store_concatenates_in_its_own_order():
    store = EmbeddedStore()
    text = (
        '#+ list: xs (separator "; ")\n'
        'SELECT (GROUP_CONCAT(?x; separator="; ") AS ?xs) ?tagged '
        'WHERE { VALUES ?x { "pear" "apple" "fig" } BIND ("b; a"@fr AS ?tagged) } GROUP BY ?tagged'
    )
    raw = next(iter(store.query(text)))["xs"].value
    assert raw != "apple; fig; pear", "the premise: the store's own order is not sorted"
    result = run_query(store, text)
    assert result.rows[0]["xs"] == ox.Literal("apple; fig; pear")
    assert result.rows[0]["tagged"] == ox.Literal("b; a", language="fr"), "only declared columns are sorted"
    tagged = run_query(store, text.replace("list: xs", "list: tagged"))
    assert tagged.rows[0]["tagged"] == ox.Literal("a; b", language="fr"), "the language tag is kept"


# --------------------------------------------------------------------------------------------- row order


def _order_keys(query: NamedQuery) -> list[str]:
    line = [line for line in query.text.splitlines() if line.startswith("ORDER BY ")][-1]
    keys = []
    for token in line.removeprefix("ORDER BY ").split():
        match = re.fullmatch(r"(?:(?:ASC|DESC)\()?\?(\w+)\)?", token)
        assert match, f"{query.name}: ORDER BY key {token!r} is not a variable"
        keys.append(match[1])
    return keys


def _group_keys(query: NamedQuery) -> list[str] | None:
    """The variables of the top-level GROUP BY (a line of its own at column 0), None when not grouped."""
    lines = [line for line in query.text.splitlines() if line.startswith("GROUP BY ")]
    return re.findall(r"\?(\w+)", lines[-1]) if lines else None


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_order_by_is_total_by_construction(query: NamedQuery):
    """Grouped: every group key (parameters are constant) is an ORDER BY key, so two rows never tie.
    Not grouped: the rows are DISTINCT (or triples) and every variable that holds an IRI is a key."""
    keys = set(_order_keys(query))
    groups = _group_keys(query)
    params = {p.name for p in query.params}
    if groups is not None:
        assert set(groups) - params <= keys, f"{query.name}: group keys missing from ORDER BY"
    elif query.form == "construct":
        template = query.text[query.text.index("CONSTRUCT") : query.text.index("WHERE")]
        assert set(re.findall(r"\?(\w+)", template)) <= keys
    else:
        assert re.search(r"^SELECT DISTINCT ", query.text, re.M), f"{query.name}: rows may repeat"


def _iri_columns(result) -> set[str]:
    return {v for row in result.rows for v in result.variables if isinstance(row[v], ox.NamedNode)}


def _fixture_runs():
    for query in list_queries():
        folder = FIXTURES / query.name
        for case in sorted(folder.glob("*.tsv")):
            first = case.read_text(encoding="utf-8").partition("\n")[0]
            example = first.removeprefix("# params:").strip() if first.startswith("# params:") else ""
            yield pytest.param(query, folder, example, id=f"{query.name}/{case.stem}")


def _fixture_store(folder: Path) -> EmbeddedStore:
    store = EmbeddedStore()
    load_ontology(store)
    for data in sorted(folder.glob("data.*")):
        store.load(data, graph=source_graph(folder.name))
    return store


def _assert_iris_are_keys(query: NamedQuery, result, where: str) -> None:
    missing = _iri_columns(result) - set(_order_keys(query))
    assert not missing, f"{where}: columns holding IRIs are not ORDER BY keys: {missing}"


def _assert_no_ties(query: NamedQuery, result, where: str) -> None:
    keys = _order_keys(query)
    seen = set()
    for row in result.rows:
        key = tuple(None if row[k] is None else str(row[k]) for k in keys)
        assert key not in seen, f"{where}: two rows tie on every ORDER BY key {keys}: {key}"
        seen.add(key)


def _assert_total(query: NamedQuery, result, where: str) -> None:
    _assert_iris_are_keys(query, result, where)
    _assert_no_ties(query, result, where)


@pytest.mark.parametrize(("query", "example"), [c for c in CASES if c.values[0].form == "select"])
def test_rows_never_tie_on_the_bundled_data(plain, reasoned, query: NamedQuery, example: str):
    for store in (plain, reasoned):
        _assert_total(query, run_query(store, query, params=_params(example)), f"{query.name} {example}")


@pytest.mark.parametrize(("query", "folder", "example"), list(_fixture_runs()))
def test_fixture_rows_never_tie_nor_change_with_reasoning(query: NamedQuery, folder: Path, example: str):
    store = _fixture_store(folder)
    before = run_query(store, query, params=_params(example))
    _assert_total(query, before, f"{folder.name} {example}")
    reason(store)
    after = run_query(store, query, params=_params(example))
    _assert_total(query, after, f"{folder.name} {example} (reasoned)")
    if not query.entailment:
        assert _rendered(after) == _rendered(before), f"{folder.name} {example}: reasoning changes the rows"


def test_the_tie_check_catches_a_partial_order(plain):
    """The check above fails on an ORDER BY that leaves ties (here: memberships of the same alliance)."""
    query = get_query("alliances-of-partner")
    partial = NamedQuery(
        name="partial",
        summary="",
        params=query.params,
        path=None,
        text=query.text.replace(" ?roleLabel ?role ?membership ?statedRole ?start ?end", ""),
        params_declared=True,
    )
    with pytest.raises(AssertionError, match="tie on every ORDER BY key"):
        _assert_no_ties(partial, run_query(plain, partial, params={"partner": "organisation:ilo"}), "partial")


# ------------------------------------------------------------------------------------- remote endpoints


_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


def _as_virtuoso_answers(result):
    """The embedded store's result with booleans as Virtuoso 7 gives them: integers 1 and 0 (it has no
    boolean values), the one difference accepted from it."""
    if result.kind != "select":
        return result
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    for row in result.rows:
        for name, term in row.items():
            if isinstance(term, ox.Literal) and term.datatype == _BOOLEAN:
                row[name] = ox.Literal("1" if term.value == "true" else "0", datatype=integer)
    return result


@pytest.mark.servers
@pytest.mark.parametrize("backend", ["oxigraph", "virtuoso"])
def test_remote_endpoints_give_the_same_rows(request, backend, plain):
    """Every named query, on the bundled data pushed to the server, before and after reasoning there."""
    store = request.getfixturevalue(f"{backend}_server").store()
    clear(store)
    try:
        load_bundled(store)
        expected = {}
        for query, example in (c.values for c in CASES):
            result = run_query(plain, query, params=_params(example))
            if backend == "virtuoso":
                result = _as_virtuoso_answers(result)
            expected[(query.name, example)] = _rendered(result)
        for reasoned_there in (False, True):
            if reasoned_there:
                reason(store)
            for (name, example), rows in expected.items():
                got = _rendered(run_query(store, get_query(name), params=_params(example)))
                if get_query(name).form == "construct":
                    got, rows = sorted(got.splitlines()), sorted(rows.splitlines())
                assert got == rows, f"{backend} {name} {example} (reasoned: {reasoned_there})"
    finally:
        clear(store)


def test_network_labels_do_not_change_with_reasoning():
    """The partner network names each node by the display label, so acronyms never replace names."""
    from msp_graph.network import network

    store = EmbeddedStore()
    load_bundled(store)
    before = {node: data["label"] for node, data in network(store).nodes(data=True)}
    reason(store)
    after = {node: data["label"] for node, data in network(store).nodes(data=True)}
    assert before == after
    assert after["https://w3id.org/msp/id/organisation/ilo"] == "International Labour Organization"
