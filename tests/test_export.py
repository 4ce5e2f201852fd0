"""Export: a round trip export -> reload gives the same graph (or dataset), per format."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from bench import jena
from msp_graph.errors import LoadError, MspGraphError
from msp_graph.export import EXPORT_FORMATS, QUAD_FORMATS, _jsonld, context, export
from msp_graph.loading import METADATA_GRAPH, asserted_graphs, load_files, load_ontology, open_store
from msp_graph.reasoning import reason
from msp_graph.stores import INFERRED_GRAPH

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


GENERATED_AT = rdflib.URIRef("http://www.w3.org/ns/prov#generatedAtTime")


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_round_trip(store, fmt):
    data = export(store, format=fmt)
    if fmt in QUAD_FORMATS:
        expected = _graphs(
            _dataset(store.dump(format="nquads", graphs=asserted_graphs(store, metadata=True)), "nquads")
        )
        expected[METADATA_GRAPH].remove((None, GENERATED_AT, None))  # load times only on request
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


def test_jsonld_reads_in_json_ld_1_0_mode(store):
    """No 1.1 feature is used, so the document says no ``@version``: JSON-LD 1.0 processors accept it."""
    data = export(store, format="jsonld")
    document = json.loads(data)
    assert "@version" not in document["@context"]
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "processingMode": "json-ld-1.0"})
    by_pyld = _graphs(_dataset(nquads.encode(), "nquads"))
    by_export = _graphs(_dataset(export(store, format="nquads"), "nquads"))
    assert set(by_pyld) == set(by_export)
    for name, graph in by_export.items():
        assert isomorphic(graph, by_pyld[name]), name


@pytest.mark.skipif(not jena.available(), reason="Debian's libapache-jena-java is not installed")
def test_jena_json_ld_1_0_reader_reads_the_export(tmp_path):
    """Jena 4.5's JSON-LD 1.0 reader (jsonld-java, ``--syntax=jsonld10``) gives the same quads."""
    from msp_graph.export import export as export_bundled
    from msp_graph.loading import load_bundled

    s = open_store()
    load_bundled(s)
    (tmp_path / "all.jsonld").write_bytes(export_bundled(s, format="jsonld"))
    run = subprocess.run(
        ["java", "-cp", jena.class_path(), "riotcmd.riot", "--syntax=jsonld10", "--output=nquads",
         str(tmp_path / "all.jsonld")],
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    by_jena = _graphs(_dataset(run.stdout, "nquads"))
    by_export = _graphs(_dataset(export_bundled(s, format="nquads"), "nquads"))
    assert set(by_jena) == set(by_export)
    for name, graph in by_export.items():
        assert isomorphic(graph, by_jena[name]), name


def test_published_context_is_the_shipped_one():
    shipped = json.loads((ROOT / "msp_graph" / "context.jsonld").read_text())
    assert json.loads((ROOT / "docs" / "context.jsonld").read_text()) == shipped


def test_unknown_format(store):
    with pytest.raises(LoadError, match="unknown export format"):
        export(store, format="yaml")


def test_jsonld_document_shape_and_context_compaction(store):
    document = json.loads(export(store, format="jsonld"))
    assert set(document) == {"@context", "@graph"}
    names = [entry["@id"] for entry in document["@graph"]]
    assert names == sorted(asserted_graphs(store, metadata=True))
    assert all(set(entry) == {"@id", "@graph"} and entry["@graph"] for entry in document["@graph"])
    nodes = [node for entry in document["@graph"] for node in entry["@graph"]]
    ids = [node["@id"] for node in nodes]
    # Prefixes of the shipped context are used for subjects, keys, @type and IRI values alike.
    assert "msp:Partnership" in ids and "group:workers-organisations" in ids
    assert any(key.startswith("skos:") for node in nodes for key in node)
    assert any("owl:Class" in (node.get("@type") or []) for node in nodes)
    assert not any(key.startswith("http://www.w3.org/2004/02/skos/core#") for node in nodes for key in node)
    # Nodes sorted by subject inside each graph, and the same store gives the same bytes.
    for entry in document["@graph"]:
        assert len({node["@id"] for node in entry["@graph"]}) == len(entry["@graph"])
    assert export(store, format="jsonld") == export(store, format="jsonld")


LITERALS = """\
@prefix ex: <http://example.org/> .
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:g1 {
  <https://w3id.org/msp/id/partnership/p1> a msp:Partnership, _:kind ;
    rdfs:label "plain", "with \\"quotes\\", a\\nnew line, a\\ttab and a \\\\ backslash", "",
      "Genève, 日本, emoji 😀"@fr, "colour"@en-GB, "Zürich"@de, "English"@en ;
    ex:count "042"^^xsd:integer ; ex:flag "true"^^xsd:boolean ; ex:when "2024-02-29"^^xsd:date ;
    ex:ratio "1.0E0"^^xsd:double ; ex:odd "x y"^^<http://example.org/datatype> ;
    ex:note _:shared, <urn:x:1> ; ex:list ( "a" 1 ) ;
    ex:ns <https://w3id.org/msp/ontology#> ; ex:slashes <https://w3id.org/msp/id/partnership///x> ;
    ex:other <urn:isbn:0451450523> .
  _:shared rdfs:label "a blank node shared by two graphs" ; ex:next [ ex:deep "nested" ] .
}
ex:g2 { _:shared ex:seenIn ex:g2 . _:kind rdfs:label "a blank class" . }
"""


def _quads_equal(data: bytes, store) -> None:
    expected = _graphs(_dataset(store.dump(format="nquads"), "nquads"))
    by_rdflib = _graphs(_dataset(data, "jsonld"))
    nquads = jsonld.to_rdf(json.loads(data), {"format": "application/n-quads"})
    by_pyld = _graphs(_dataset(nquads.encode(), "nquads"))
    assert set(by_rdflib) == set(by_pyld) == set(expected)
    for name, graph in expected.items():
        assert isomorphic(graph, by_rdflib[name]), name
        assert isomorphic(graph, by_pyld[name]), name


def test_jsonld_literals_of_every_kind_and_blank_nodes():
    s = open_store()
    s.load(LITERALS.encode(), graph="http://example.org/default", format="trig")
    data = export(s, format="jsonld", graphs=["http://example.org/g1", "http://example.org/g2"])
    _quads_equal(data, s)
    text = data.decode("utf-8")
    assert "Genève, 日本, emoji 😀" in text  # UTF-8, not \u escapes
    document = json.loads(data)
    g1, g2 = document["@graph"]
    node = next(n for n in g1["@graph"] if n["@id"] == "partnership:p1")
    assert "msp:Partnership" in node["@type"]
    labels = node["rdfs:label"]
    assert {"@language": "fr", "@value": "Genève, 日本, emoji 😀"} in labels
    assert {"@language": "en-gb", "@value": "colour"} in labels
    assert 'with "quotes", a\nnew line, a\ttab and a \\ backslash' in labels and "" in labels
    assert node["http://example.org/count"] == {
        "@type": "xsd:integer",
        "@value": "42",  # the store keeps numbers in canonical form
    }
    assert node["http://example.org/ns"] == {"@id": "https://w3id.org/msp/ontology#"}
    assert node["http://example.org/slashes"] == {"@id": "https://w3id.org/msp/id/partnership///x"}
    assert node["http://example.org/other"] == {"@id": "urn:isbn:0451450523"}
    # Blank nodes: canonical labels _:c14n0, _:c14n1..., the same label for the node shared by both graphs.
    blank_ids = {n["@id"] for entry in (g1, g2) for n in entry["@graph"] if n["@id"].startswith("_:")}
    assert blank_ids and all(label[:6] == "_:c14n" and label[6:].isdigit() for label in blank_ids)
    shared = next(v["@id"] for v in node["http://example.org/note"] if v["@id"].startswith("_:"))
    assert shared in {n["@id"] for n in g2["@graph"]}


def test_jsonld_terms_used_only_where_their_coercion_fits():
    terms = dict(context())
    terms.update(
        {
            "label": {"@id": "rdfs:label", "@language": "en"},
            "count": {"@id": "http://example.org/count", "@type": "xsd:integer"},
            "note": {"@id": "http://example.org/note", "@type": "@id"},
            "Partnership": "msp:Partnership",
            "listed": {"@id": "http://example.org/list", "@container": "@list"},
        }
    )
    s = open_store()
    s.load(LITERALS.encode(), graph="http://example.org/default", format="trig")
    dump = s.dump(format="nquads", graphs=["http://example.org/g1", "http://example.org/g2"])
    data = _jsonld(ox.parse(dump, format=ox.RdfFormat.N_QUADS), terms)
    document = json.loads(data)
    assert document["@context"] == terms
    _quads_equal(data, s)
    node = next(n for n in document["@graph"][0]["@graph"] if n["@id"] == "partnership:p1")
    assert "Partnership" in node["@type"]  # a term without coercion, for a vocabulary IRI
    assert node["count"] == "42"  # the literal has exactly the term's datatype
    assert node["label"] == "English"  # only the @en label fits the term
    assert {"@language": "en-gb", "@value": "colour"} in node["rdfs:label"]
    assert node["note"] == "urn:x:1"  # an IRI fits @type @id; the blank node keeps a node reference
    assert node["http://example.org/note"]["@id"].startswith("_:")
    assert "listed" not in node  # a term with a container is not used
    assert node["http://example.org/ns"] == {"@id": "https://w3id.org/msp/ontology#"}


def test_jsonld_iri_that_reads_as_a_compact_iri_is_refused():
    s = open_store()
    s.load(
        b"<http://example.org/a> <http://example.org/b> <msp:not-the-namespace> .",
        graph="http://example.org/g",
        format="nt",
    )
    with pytest.raises(
        MspGraphError, match=r"export -f jsonld: <msp:not-the-namespace> would read as a compact IRI"
    ):
        export(s, format="jsonld")
