"""Export: a round trip export -> reload gives the same graph (or dataset), per format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from msp_graph.errors import LoadError
from msp_graph.export import EXPORT_FORMATS, QUAD_FORMATS, context, export
from msp_graph.graph import METADATA_GRAPH, asserted_graphs, load_files, load_ontology, open_store
from msp_graph.reasoning import reason
from msp_graph.store import INFERRED_GRAPH

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "cli"
RDFLIB = {
    "turtle": "turtle",
    "nt": "nt",
    "rdfxml": "xml",
    "trig": "trig",
    "nquads": "nquads",
    "jsonld": "json-ld",
}


@pytest.fixture(scope="module")
def store():
    s = open_store()
    load_ontology(s)
    load_files(s, [FIXTURES / "small.ttl"])
    reason(s)
    return s


def _dataset(data: bytes, fmt: str) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(data=data, format=RDFLIB[fmt])
    return ds


def _graphs(ds: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    out = {}
    for g in ds.graphs():
        if len(g):
            copy = rdflib.Graph()
            for t in g:
                copy.add(t)
            out[str(g.identifier)] = copy
    return out


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_round_trip(store, fmt):
    data = export(store, format=fmt)
    if fmt in QUAD_FORMATS:
        expected = _graphs(
            _dataset(store.dump(format="nquads", graphs=asserted_graphs(store, metadata=True)), "nquads")
        )
        got = _graphs(_dataset(data, fmt))
        assert set(got) == set(expected)
        assert INFERRED_GRAPH not in got and METADATA_GRAPH in got
        for name, graph in expected.items():
            assert isomorphic(graph, got[name]), name
    else:
        expected = rdflib.Graph().parse(
            data=store.dump(format="nt", graphs=asserted_graphs(store)), format="nt"
        )
        got = rdflib.Graph().parse(data=data, format=RDFLIB[fmt])
        assert isomorphic(expected, got)


def test_inferred_only_on_request(store):
    plain = rdflib.Graph().parse(data=export(store, format="nt"), format="nt")
    full = rdflib.Graph().parse(data=export(store, format="nt", include_inferred=True), format="nt")
    assert len(full) > len(plain)
    data_only = rdflib.Graph().parse(data=export(store, format="nt", include_ontology=False), format="nt")
    assert len(data_only) < len(plain)


def test_jsonld_expanded_by_pyld_is_the_same_dataset(store):
    data = export(store, format="jsonld")
    document = json.loads(data)
    assert document["@context"] == context()
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    by_pyld = _graphs(_dataset(nquads.encode(), "nquads"))
    by_rdflib = _graphs(_dataset(data, "jsonld"))
    assert set(by_pyld) == set(by_rdflib)
    for name, graph in by_rdflib.items():
        assert isomorphic(graph, by_pyld[name]), name


def test_published_context_is_the_shipped_one():
    shipped = json.loads((ROOT / "msp_graph" / "context.jsonld").read_text())
    assert json.loads((ROOT / "docs" / "context.jsonld").read_text()) == shipped


def test_unknown_format(store):
    with pytest.raises(LoadError, match="unknown export format"):
        export(store, format="yaml")
