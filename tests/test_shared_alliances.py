"""``partners-sharing-alliances`` by its plan (``msp_graph.shared_alliances``) gives the rows its SPARQL text
gives, on the bundled data, on generated data and on random hand-made data full of ties, missing and foreign
labels, shared names and separators; and where the plan declines the data, the text runs."""

from __future__ import annotations

import dataclasses
import random

import pytest
from servers import clear, oxigraph_server, virtuoso_server  # noqa: F401  (fixtures)

from msp_graph import shared_alliances
from msp_graph.loading import load_bundled, open_store
from msp_graph.queries import get_query, parse_query_file, prepare_query, run_query

NAME = "partners-sharing-alliances"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PARAMS = [{}, {"min_shared": "2"}, {"min_shared": "0"}, {"min_shared": "-3"}]


def _both(store, params: dict[str, str]):
    """The rows by the plan and by the SPARQL text, as ``msp-graph query`` gives them."""
    prepared = prepare_query(get_query(NAME), params=params)
    assert prepared.plan is not None
    planned = prepared.planned(store)
    assert planned is not None, "the plan declined data it should take"
    texted = dataclasses.replace(prepared, plan=None).run(store)
    return planned, texted


def _rows(result) -> list[tuple]:
    return [tuple(row[v] for v in result.variables) for row in result.rows]


def _assert_same(store, params: dict[str, str]) -> int:
    planned, texted = _both(store, params)
    assert planned.variables == texted.variables
    assert _rows(planned) == _rows(texted)
    return len(texted)


@pytest.fixture(scope="module")
def bundled_store():
    store = open_store()
    load_bundled(store)
    return store


@pytest.mark.parametrize(
    "params", [*PARAMS, {"partner": "organisation:ilo"}, {"partner": "organisation:ituc"}]
)
def test_the_plan_gives_the_rows_of_the_text_on_the_bundled_data(bundled_store, params):
    count = _assert_same(bundled_store, params)
    if not params or params == {"partner": "organisation:ilo"}:
        assert count > 0


def test_the_plan_gives_the_rows_of_the_text_on_generated_data():
    import io

    from bench.generate import generate

    out = io.StringIO()
    generate(5_000, seed=3, out=out, profile="wide")
    store = open_store()
    store.load(out.getvalue().encode(), graph="https://w3id.org/msp/graph/generated", format="nt")
    assert _assert_same(store, {}) > 100
    assert _assert_same(store, {"min_shared": "2"}) > 0
    assert _assert_same(store, {"partner": "organisation:ilo"}) > 0


#: The ways a node is named, each as lines of Turtle: every case of the display-label rule.
_NAMINGS = [
    [],
    ["{node} <{label}> {name} ."],
    ["{node} <{skos}prefLabel> {name}@en .", '{node} <{label}> "Other" .'],
    ["{node} <{skos}prefLabel> {name}@fr .", "{node} <{label}> {name}@en-GB ."],
    ["{node} <{label}> {name} .", "{node} <{skos}altLabel> {name} ."],
    ['{node} <{label}> "Second" , {name} .'],
    ["{node} <{label}> [] , <https://example.org/name> ."],  # not literals: the language filter drops them
    [],
]


def _random_data(seed: int) -> str:
    """Memberships of random partners in random alliances, with every kind of label the rule reads."""
    rng = random.Random(seed)
    names = ["Alpha", "alpha", "Beta", "Beta; Gamma", "Zeta", "Été", "", "Alpha"]
    partners = [f"<https://example.org/p/{rng.choice('abcxyzé')}{i}>" for i in range(rng.randint(2, 14))]
    alliances = [f"<https://example.org/a/{i:02}>" for i in range(rng.randint(1, 8))]
    lines = []
    for node in partners + alliances:
        name = f'"{rng.choice(names)}"'
        for line in rng.choice(_NAMINGS):
            lines.append(line.format(node=node, name=name, label=RDFS_LABEL, skos=SKOS))
    for i in range(rng.randint(1, 40)):
        membership = f"<https://example.org/m/{i}>" if rng.random() < 0.5 else f"_:m{i}"
        lines.append(f"{membership} <{ORG}member> {rng.choice(partners)} .")
        lines.append(f"{membership} <{ORG}organization> {rng.choice(alliances)} .")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(40))
def test_the_plan_gives_the_rows_of_the_text_on_random_data(seed):
    store = open_store()
    store.load(_random_data(seed).encode(), graph="https://w3id.org/msp/graph/r", format="ttl")
    partner = random.Random(seed).choice(["a1", "b0", "x3", "nobody"])
    for params in [*PARAMS, {"partner": f"<https://example.org/p/{partner}>"}]:
        _assert_same(store, params)


@pytest.mark.parametrize(
    "odd", ["_:someone", '"a literal member"', "<https://example.org/p/a1>"], ids=["blank", "literal", "iri"]
)
def test_the_plan_declines_members_it_cannot_order_and_the_text_runs(odd):
    data = f"""
        <https://example.org/m/1> <{ORG}member> <https://example.org/p/b2> ; <{ORG}organization> _:alliance .
        <https://example.org/m/2> <{ORG}member> {odd} ; <{ORG}organization> _:alliance .
    """
    store = open_store()
    store.load(data.encode(), graph="https://w3id.org/msp/graph/odd", format="ttl")
    assert shared_alliances.rows(store) is None  # the alliance is a blank node: always declined here
    result = run_query(store, get_query(NAME))
    texted = dataclasses.replace(prepare_query(get_query(NAME)), plan=None).run(store)
    assert _rows(result) == _rows(texted)


def test_only_the_bundled_query_has_the_plan(tmp_path):
    copy = tmp_path / f"{NAME}.rq"
    copy.write_text(get_query(NAME).text, encoding="utf-8")
    assert prepare_query(parse_query_file(copy)).plan is None
    assert prepare_query(get_query(NAME).text).plan is None
    assert (
        prepare_query(get_query("alliances-of-partner"), params={"partner": "organisation:ilo"}).plan is None
    )
    assert prepare_query(get_query(NAME)).plan is not None


@pytest.mark.servers
@pytest.mark.parametrize("backend", ["oxigraph", "virtuoso"])
def test_the_text_on_a_server_gives_the_rows_of_the_plan(request, backend, bundled_store):
    """The text is what a server runs when a user sends it; the plan's rows here are the reference."""
    server = request.getfixturevalue(f"{backend}_server").store()
    clear(server)
    try:
        load_bundled(server)
        for params in ({}, {"partner": "organisation:ilo"}, {"min_shared": "2"}):
            prepared = prepare_query(get_query(NAME), params=params)
            texted = dataclasses.replace(prepared, plan=None).run(server)
            assert _rows(texted) == _rows(prepared.planned(bundled_store)), f"{backend} {params}"
    finally:
        clear(server)


def test_the_server_runs_the_plan_under_its_row_limit(bundled_store):
    from starlette.testclient import TestClient

    from msp_graph.serve import create_app
    from msp_graph.serve.sparql import Limits

    expected = len(run_query(bundled_store, get_query(NAME)))
    for rows, status in ((expected, 200), (expected - 1, 400)):
        client = TestClient(create_app(bundled_store, limits=Limits(max_rows=rows)))
        response = client.get("/query", params={"name": NAME, "format": "csv"})
        assert response.status_code == status, response.text
        if status == 200:
            assert response.text.count("\r\n") == expected + 1
        else:
            assert "row limit" in response.text
