"""Literals as written: the store rewrites typed literals when it loads them (every type derived from
xsd:integer becomes xsd:integer, lexical forms become canonical); the loader records those triples as
written (``msp_graph.stores.written``) and validation, export, ``to_rdflib`` and the reasoner's datatype
check use them."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import SH
from typer.testing import CliRunner

import msp_graph.loading as loading
from msp_graph.cli import app
from msp_graph.export import export
from msp_graph.loading import load_files, open_store
from msp_graph.reasoning.literals import ill_typed
from msp_graph.stores import GRAPH_BASE, written
from msp_graph.validation import load_shapes
from msp_graph.validation.sparql import validate_store

EX = "http://example.org/"
PREFIXES = f"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n@prefix ex: <{EX}> .\n"
SHAPES = PREFIXES + (
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "ex:S a sh:NodeShape ; sh:targetNode ex:i ; sh:property [ sh:path ex:p ; sh:datatype xsd:{dt} ] .\n"
)


def _files(tmp_path: Path, data: str, datatype: str) -> tuple[Path, Path]:
    (tmp_path / "data.ttl").write_text(PREFIXES + data, encoding="utf-8")
    (tmp_path / "shapes.ttl").write_text(SHAPES.replace("{dt}", datatype), encoding="utf-8")
    return tmp_path / "data.ttl", tmp_path / "shapes.ttl"


def _values(data: Path, shapes: Path) -> set:
    store = open_store()
    load_files(store, [data])
    _, report, _ = validate_store(store, load_shapes([shapes])[0])
    return set(report.objects(None, SH.value))


def test_a_valid_xsd_int_conforms_to_sh_datatype_xsd_int(tmp_path: Path) -> None:
    data, shapes = _files(tmp_path, 'ex:i ex:p "30"^^xsd:int .', "int")
    assert _values(data, shapes) == set()
    result = CliRunner().invoke(app, ["validate", str(data), "--shapes", str(shapes), "-f", "json"])
    assert result.exit_code == 0, result.output


def test_an_xsd_int_does_not_pass_for_an_xsd_integer(tmp_path: Path) -> None:
    data, shapes = _files(tmp_path, 'ex:i ex:p "30"^^xsd:int, "31"^^xsd:integer .', "integer")
    assert _values(data, shapes) == {rdflib.Literal("30", datatype=rdflib.XSD.int)}


def test_an_out_of_range_byte_violates_with_its_value_as_written(tmp_path: Path) -> None:
    data, shapes = _files(tmp_path, 'ex:i ex:p "300"^^xsd:byte, "12"^^xsd:byte .', "byte")
    assert _values(data, shapes) == {rdflib.Literal("300", datatype=rdflib.XSD.byte)}
    result = CliRunner().invoke(app, ["validate", str(data), "--shapes", str(shapes), "-f", "json"])
    assert result.exit_code == 1, result.output
    values = [r["value"] for r in json.loads(result.stdout)["results"]]
    assert values == ["300"], values  # the text renderers show the lexical form
    turtle = CliRunner().invoke(app, ["validate", str(data), "--shapes", str(shapes), "-f", "turtle"])
    report = rdflib.Graph().parse(data=turtle.stdout, format="turtle")
    assert set(report.objects(None, SH.value)) == {rdflib.Literal("300", datatype=rdflib.XSD.byte)}


def test_export_round_trip_keeps_xsd_int_and_the_leading_zero(tmp_path: Path) -> None:
    data, _ = _files(tmp_path, 'ex:i ex:p "03"^^xsd:int, "1"^^xsd:boolean ; ex:q 1.50 .', "int")
    store = open_store()
    load_files(store, [data])
    for fmt in ("nt", "turtle", "trig", "jsonld", "xml"):
        out = export(store, format=fmt, include_ontology=False)
        back = {str(q.object) for q in ox.parse(out, format=ox.RdfFormat.from_extension(_ext(fmt)))}
        assert '"03"^^<http://www.w3.org/2001/XMLSchema#int>' in back, fmt
        assert '"1"^^<http://www.w3.org/2001/XMLSchema#boolean>' in back, fmt
        assert '"1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>' in back, fmt
    graph = store.to_rdflib(union=True)
    assert (
        rdflib.URIRef(EX + "i"),
        rdflib.URIRef(EX + "p"),
        rdflib.Literal("03", datatype=rdflib.XSD.int, normalize=False),
    ) in graph
    assert "3" not in {str(o) for o in graph.objects(rdflib.URIRef(EX + "i"), rdflib.URIRef(EX + "p"))}


def _ext(fmt: str) -> str:
    return {"turtle": "ttl", "jsonld": "jsonld", "xml": "rdf"}.get(fmt, fmt)


def test_reloading_a_file_replaces_its_records(tmp_path: Path) -> None:
    data, _ = _files(tmp_path, 'ex:i ex:p "03"^^xsd:int .', "int")
    store = open_store()
    load_files(store, [data])
    data.write_text(PREFIXES + 'ex:i ex:p "04"^^xsd:int .', encoding="utf-8")
    load_files(store, [data])
    (names,) = written.names(store).values()
    assert len(names) == 1
    assert b'"04"^^<http://www.w3.org/2001/XMLSchema#int>' in export(
        store, format="nt", include_ontology=False
    )
    assert b'"03"' not in export(store, format="nt", include_ontology=False)
    data.write_text(PREFIXES + 'ex:i ex:p "4"^^xsd:integer .', encoding="utf-8")
    load_files(store, [data])
    assert written.names(store) == {}


def test_a_graph_replaced_by_other_files_drops_its_records(tmp_path: Path) -> None:
    data, _ = _files(tmp_path, 'ex:i ex:p "03"^^xsd:int .', "int")
    other = tmp_path / "other.ttl"
    other.write_text(PREFIXES + 'ex:j ex:p "x" .', encoding="utf-8")
    store = open_store()
    load_files(store, [data])
    load_files(store, [other], replace=True)
    assert written.names(store) == {}
    assert not written.read(store)


def test_the_records_are_named_under_the_stores_graph_base() -> None:
    assert written.WRITTEN_PREFIX.startswith(GRAPH_BASE)


def test_the_records_are_not_seen_by_queries(tmp_path: Path) -> None:
    data, _ = _files(tmp_path, 'ex:i ex:p "03"^^xsd:int .', "int")
    store = open_store()
    load_files(store, [data])
    assert written.names(store)
    assert not [g for g in store.graphs() if g.startswith(written.WRITTEN_PREFIX)]
    rows = list(store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"))
    assert len(rows) == store.count(loading.source_graphs(store)[0]) + store.count(loading.METADATA_GRAPH)


def test_a_file_without_such_literals_is_not_parsed_again(tmp_path: Path, monkeypatch) -> None:
    calls: list[Path] = []
    real = loading.parse_file
    monkeypatch.setattr(loading, "parse_file", lambda path, **kw: calls.append(path) or real(path, **kw))
    plain = tmp_path / "plain.nt"
    plain.write_text(
        f'<{EX}i> <{EX}p> "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
        f'<{EX}i> <{EX}q> "5"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
        encoding="utf-8",
    )
    load_files(open_store(), [plain])
    assert calls == []
    data, _ = _files(tmp_path, 'ex:i ex:p "03"^^xsd:int .', "int")
    load_files(open_store(), [data])
    assert calls == [data]


@pytest.mark.parametrize(
    "literal",
    [
        '"30"^^xsd:int', '"300"^^xsd:byte', '"-5"^^xsd:nonNegativeInteger', '"03"^^xsd:integer',
        '"+5"^^xsd:integer', '"-0"^^xsd:integer', '"1"^^xsd:boolean', '"0"^^xsd:boolean',
        '"1.0"^^xsd:decimal',
        '"1e3"^^xsd:double', '"1.5E2"^^xsd:float', '"2020-01-01T00:00:00+00:00"^^xsd:dateTime',
        '"12:00:00.50"^^xsd:time', "03", "1.50", "1e3", ".5", "+1",
    ],
)  # fmt: skip
def test_the_byte_scan_finds_every_literal_the_store_rewrites(literal: str) -> None:
    data = (PREFIXES + f"ex:i ex:p {literal} .\n").encode()
    (triple,) = ox.parse(data, format=ox.RdfFormat.TURTLE)
    assert written.changed([triple]), "the store keeps it: not a case of this test"
    assert written.may_change(data)


@pytest.mark.parametrize("chunk", [61, 64, 97, 128, 200])
def test_the_byte_scan_gives_no_alarm_where_a_block_cuts_a_kept_literal(tmp_path, monkeypatch, chunk) -> None:
    """Blocks of ``chunk`` bytes cut the typed literals at every offset: each is still read whole, once."""
    rows = "".join(
        f'<urn:s{i}> <urn:p> "{1900 + i}"^^<http://www.w3.org/2001/XMLSchema#gYear> .\n' for i in range(300)
    )
    path = tmp_path / "years.nt"
    path.write_text(rows, encoding="utf-8")
    monkeypatch.setattr(written, "_CHUNK", chunk)
    assert not written.may_change(path, bare_numbers=False)
    path.write_text(rows + '<urn:s> <urn:p> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
    assert written.may_change(path, bare_numbers=False)


def test_the_reasoners_datatype_check_reads_the_literal_as_written(tmp_path: Path) -> None:
    data, _ = _files(
        tmp_path, 'ex:i ex:p "300"^^xsd:byte, "30"^^xsd:int, "-5"^^xsd:nonNegativeInteger .', "int"
    )
    store = open_store()
    load_files(store, [data])
    shown = sorted(i.triples[0][2] for i in ill_typed(store))
    assert shown == [
        '"-5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>',
        '"300"^^<http://www.w3.org/2001/XMLSchema#byte>',
    ]


def test_many_rewritten_literals_are_recorded_under_bounded_names(tmp_path: Path) -> None:
    rows = "".join(f'ex:s{i} ex:p "0{i}"^^xsd:int .\n' for i in range(5000))
    data, _ = _files(tmp_path, rows, "int")
    store = open_store()
    load_files(store, [data])
    (names,) = written.names(store).values()
    assert len(names) == 3 and max(len(n) for n in names) < 64_000
    assert len(written.read(store).graphs[loading.source_graphs(store)[0]]) == 5000
    exported = export(store, format="nt", include_ontology=False)
    assert exported.count(b'"04999"^^<http://www.w3.org/2001/XMLSchema#int>') == 1
