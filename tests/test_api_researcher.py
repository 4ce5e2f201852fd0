"""The Python API a researcher uses: DataFrames with typed columns, rdflib datasets that keep graph names,
the partner network, parameters of the wrong type; and docs/api.md, run as one notebook session."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import rdflib

import msp_graph
from msp_graph import MspGraphError, QueryError, open_store, run_query

pd = pytest.importorskip("pandas")

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
XSD = "http://www.w3.org/2001/XMLSchema#"
DATA = f"""
<urn:a> <urn:n> "2"^^<{XSD}integer> ; <urn:x> "1.5"^^<{XSD}decimal> ; <urn:d> "2024-03-01"^^<{XSD}date> ;
        <urn:t> "2024-03-01T10:00:00Z"^^<{XSD}dateTime> ; <urn:b> "true"^^<{XSD}boolean> ;
        <urn:s> "text" ; <urn:o> <urn:thing> ; <urn:mixed> "3"^^<{XSD}int> .
<urn:c> <urn:n> "-7"^^<{XSD}long> ; <urn:x> "2.5E0"^^<{XSD}double> ; <urn:d> "2024-12-31"^^<{XSD}date> ;
        <urn:t> "2024-03-02T10:00:00+01:00"^^<{XSD}dateTime> ; <urn:b> "0"^^<{XSD}boolean> ;
        <urn:s> "more"@en ; <urn:o> _:blank ; <urn:mixed> "many" .
<urn:e> <urn:n> "not a number"^^<{XSD}integer> .
"""
SELECT = """SELECT ?s ?n ?x ?d ?t ?b ?text ?o ?mixed ?none WHERE {
  VALUES ?s { <urn:a> <urn:c> }
  ?s <urn:n> ?n ; <urn:x> ?x ; <urn:d> ?d ; <urn:t> ?t ; <urn:b> ?b ; <urn:s> ?text ; <urn:o> ?o ;
     <urn:mixed> ?mixed .
  OPTIONAL { ?s <urn:none> ?none }
} ORDER BY ?s"""


@pytest.fixture(scope="module")
def store():
    store = open_store()
    store.load(DATA.encode(), graph="urn:graph:one", format="ttl")
    store.load(b"<urn:a> <urn:in-two> <urn:z> .", graph="urn:graph:two", format="nt")
    return store


def test_to_dataframe_types_each_column(store):
    frame = run_query(store, SELECT).to_dataframe()
    assert list(frame.columns) == ["s", "n", "x", "d", "t", "b", "text", "o", "mixed", "none"]
    dtypes = {column: str(dtype) for column, dtype in frame.dtypes.items()}
    assert dtypes["n"] == "Int64" and frame["n"].tolist() == [2, -7]
    assert dtypes["x"] == "float64" and frame["x"].tolist() == [1.5, 2.5]
    assert dtypes["d"].startswith("datetime64") and frame["d"][1] == pd.Timestamp("2024-12-31")
    assert dtypes["t"].startswith("datetime64") and frame["t"][1] == pd.Timestamp("2024-03-02T09:00:00Z")
    assert dtypes["b"] == "boolean" and frame["b"].tolist() == [True, False]
    assert dtypes["s"] == dtypes["text"] == dtypes["o"] == dtypes["mixed"] == "string"
    assert frame["s"].tolist() == ["urn:a", "urn:c"] and frame["text"].tolist() == ["text", "more"]
    assert frame["o"][1].startswith("_:") and frame["mixed"].tolist() == ["3", "many"]
    assert frame["none"].isna().all()


def test_an_ill_typed_literal_leaves_the_column_as_text(store):
    frame = run_query(store, "SELECT ?n WHERE { ?s <urn:n> ?n } ORDER BY ?s").to_dataframe()
    assert str(frame["n"].dtype) == "string" and frame["n"].tolist() == ["2", "-7", "not a number"]


def test_to_dataframe_of_ask_and_construct(store):
    assert run_query(store, "ASK { ?s ?p ?o }").to_dataframe()["boolean"].tolist() == [True]
    triples = run_query(store, "CONSTRUCT { ?s <urn:n> ?n } WHERE { ?s <urn:n> ?n }").to_dataframe()
    assert list(triples.columns) == ["subject", "predicate", "object"] and len(triples) == 3


def test_to_dataframe_without_pandas_names_the_extra(store, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(MspGraphError, match=re.escape("msp-graph[pandas]")):
        run_query(store, "ASK {}").to_dataframe()


def test_to_rdflib_dataset_keeps_graph_names(store):
    dataset = store.to_rdflib()
    assert isinstance(dataset, rdflib.Dataset)
    sizes = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    assert sizes == {"urn:graph:one": store.count("urn:graph:one"), "urn:graph:two": 1}
    # the default graph is the union: a query without GRAPH sees both graphs
    found = dataset.query("ASK { <urn:a> <urn:in-two> <urn:z> ; <urn:s> 'text' }")
    assert found.askAnswer
    assert (
        len(store.to_rdflib(union=True)) == store.count()
    )  # the plain union graph, as pyshacl and owlrl read it


def test_network_is_public():
    assert "network" in msp_graph.__all__ and callable(msp_graph.network)
    assert msp_graph.network(open_store()).number_of_nodes() == 0


@pytest.mark.parametrize("value", [5, {"a": 1}, None, ["2"]])
def test_a_parameter_of_the_wrong_type_is_a_query_error(store, value):
    shared = msp_graph.get_query("partners-sharing-alliances")
    with pytest.raises(QueryError, match="min_shared"):
        run_query(store, shared, params={"min_shared": value})


def test_the_api_page_runs_as_a_notebook(capsys):
    cells = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(cells) >= 4
    session: dict = {}
    for n, cell in enumerate(cells):
        exec(compile(cell, f"{DOC.name}[{n}]", "exec"), session)
    assert "International Labour Organization" in capsys.readouterr().out
