"""Named queries rewritten for speed give exactly the rows of the text they replaced.

The text before each rewrite is kept in ``tests/fixtures/query-rewrites/<name>.rq``. Both texts run on the
bundled data, on a generated graph of 10^4 triples (``bench/generate.py``) and on a small graph of the
cases a rewrite can get wrong (two alliances of the same name, a partner in one alliance through two
memberships, partners and alliances without a label, labels in other languages, an rdfs:label that is only
an altLabel), with and without each parameter; the rows must be equal, in order.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bench.generate import generate
from msp_graph.loading import load_bundled, load_ontology
from msp_graph.queries import get_query, parse_query_file, run_query
from msp_graph.stores import EmbeddedStore, source_graph

BEFORE = Path(__file__).parent / "fixtures" / "query-rewrites"
REWRITTEN = sorted(p.stem for p in BEFORE.glob("*.rq"))
ID = "https://w3id.org/msp/id/"

# Every parameter alone and together; the IRI is a partner in all three data sets (ILO is a hub partner
# of the generated data and a member in the bundled data; the edge cases below use it too).
PARAMS = {
    "partners-sharing-alliances": [
        {},
        {"partner": f"<{ID}organisation/ilo>"},
        {"min_shared": "2"},
        {"partner": f"<{ID}organisation/ilo>", "min_shared": "2"},
    ],
}

EDGE_CASES = f"""
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix id: <{ID}> .

id:alliance\\/one skos:prefLabel "Same name"@en .
id:alliance\\/two rdfs:label "Same name" .
id:alliance\\/three skos:prefLabel "Troisième"@fr .
id:organisation\\/ilo skos:prefLabel "ILO"@en , "OIT"@fr .
id:organisation\\/b rdfs:label "Bee" , "B alt" ; skos:altLabel "B alt" .
id:organisation\\/c rdfs:label "Cee"@en-GB .

id:m1 org:organization id:alliance\\/one ; org:member id:organisation\\/ilo .
id:m2 org:organization id:alliance\\/one ; org:member id:organisation\\/b .
id:m3 org:organization id:alliance\\/one ; org:member id:organisation\\/b .
id:m4 org:organization id:alliance\\/one ; org:member id:organisation\\/nolabel .
id:m5 org:organization id:alliance\\/two ; org:member id:organisation\\/ilo .
id:m6 org:organization id:alliance\\/two ; org:member id:organisation\\/b .
id:m7 org:organization id:alliance\\/two ; org:member id:organisation\\/c .
id:m8 org:organization id:alliance\\/three ; org:member id:organisation\\/ilo .
id:m9 org:organization id:alliance\\/three ; org:member id:organisation\\/c .
id:m10 org:organization id:alliance\\/four ; org:member id:organisation\\/nolabel .
id:m11 org:organization id:alliance\\/four ; org:member id:organisation\\/b .
"""


@pytest.fixture(scope="module")
def stores() -> dict[str, EmbeddedStore]:
    bundled = EmbeddedStore()
    assert load_bundled(bundled)
    generated = EmbeddedStore()
    load_ontology(generated)
    text = io.StringIO()
    generate(10_000, seed=0, out=text)
    generated.load(text.getvalue().encode(), graph=source_graph("generated"), format="nt")
    edges = EmbeddedStore()
    edges.load(EDGE_CASES.encode(), graph=source_graph("edges"), format="ttl")
    return {"bundled": bundled, "generated 10^4": generated, "edge cases": edges}


@pytest.mark.parametrize("name", REWRITTEN)
def test_a_rewritten_query_gives_the_rows_of_the_text_it_replaced(name: str, stores):
    before = parse_query_file(BEFORE / f"{name}.rq")
    now = get_query(name)
    assert now.text != before.text, f"{name}: the kept text is the query itself, nothing is compared"
    assert now.params == before.params, name
    for data, store in stores.items():
        for params in PARAMS[name]:
            expected = run_query(store, before, params=params)
            got = run_query(store, now, params=params)
            assert expected.rows, f"{name} on {data} with {params}: no rows, nothing is compared"
            assert got.variables == expected.variables, (data, params)
            assert got.rows == expected.rows, (data, params)


def test_the_edge_cases_hold_what_a_co_membership_rewrite_can_get_wrong(stores):
    """Two alliances of one name shared by one pair, a pair in one alliance twice, unlabelled partners."""
    rows = run_query(stores["edge cases"], get_query("partners-sharing-alliances")).rows
    pairs = {(r["partnerA"].value.rsplit("/", 1)[1], r["partnerB"].value.rsplit("/", 1)[1]): r for r in rows}
    both = pairs[("b", "ilo")]
    assert int(both["sharedCount"].value) == 2
    assert both["sharedAlliances"].value == "Same name"
    assert pairs[("b", "nolabel")]["partnerBLabel"] is None
    assert int(pairs[("b", "nolabel")]["sharedCount"].value) == 2
