"""Reproducible exports: the same store content gives the same bytes in every format, whatever the load
order, load time or folder, and no export names the machine's disk (docs/export.md)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld

from msp_graph.export import EXPORT_FORMATS, export
from msp_graph.loading import (
    METADATA_GRAPH,
    bundled_data_files,
    load_files,
    load_ontology,
    open_store,
    source_name,
)
from msp_graph.resources import bundled_dir
from msp_graph.stores import EmbeddedStore, rdf_format, source_graph

ROOT = Path(__file__).resolve().parent.parent
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"

# Blank nodes of every shape: nested, a list, two nodes with the same content under one subject (only
# their places tell them apart), a node pointing back at its parent, a blank class.
BLANK_A = """\
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:alliance rdfs:label "Alliance"@en ;
    ex:contact [ ex:name "Desk" ; ex:phone [ ex:number "+41 22 799 6111" ] ] ;
    ex:twin [ ex:value "same" ] , [ ex:value "same" ] ;
    ex:steps ( "first" "second" [ ex:value "third" ] ) ;
    a [ rdfs:label "a blank class" ] .
[] ex:about ex:alliance ; ex:parent [ ex:child [ ex:value "deep" ] ] .
"""
BLANK_B = """\
@prefix ex: <http://example.org/> .
ex:network ex:member [ ex:name "Member one" ; ex:also [ ex:value "same" ] ] ,
                     [ ex:name "Member two" ; ex:also [ ex:value "same" ] ] .
_:loop ex:next [ ex:next _:loop ] .
"""
EXTRA = """\
@prefix ex: <http://example.org/> .
ex:extra ex:note [ ex:text "from outside the working folder" ] .
"""


def _cli(cwd: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "msp_graph.cli", *args, "-q"], cwd=cwd, capture_output=True, text=True
    )
    assert done.returncode == 0, (args, done.stderr)


def _folders(base: Path) -> tuple[Path, list[str]]:
    """A working folder with data files (one given relative, one absolute) and one file outside it."""
    work = base / "work"
    (work / "data" / "sub").mkdir(parents=True)
    (work / "data" / "blank-a.ttl").write_text(BLANK_A, encoding="utf-8")
    (work / "data" / "sub" / "blank-b.ttl").write_text(BLANK_B, encoding="utf-8")
    (base / "outside").mkdir()
    (base / "outside" / "extra.ttl").write_text(EXTRA, encoding="utf-8")
    return work, [
        "data/blank-a.ttl",
        str(work / "data" / "sub" / "blank-b.ttl"),
        str(base / "outside" / "extra.ttl"),
    ]


def _load_times(store_dir: Path) -> set[str]:
    with EmbeddedStore(store_dir) as store:
        rows = store.query(f"SELECT ?t {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{PROV}generatedAtTime> ?t }} }}")
        return {row["t"].value for row in rows}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[tuple[Path, dict[str, bytes]]]:
    """Two stores of the same data (bundled data + the files above), each built and exported in its own
    processes from its own folder, in a different order and at a different time."""
    out = []
    for number in (1, 2):
        base = tmp_path_factory.mktemp(f"run{number}")
        work, files = _folders(base)
        if number == 1:
            _cli(work, "load", "--store", "store")  # the bundled data first, then the files
            _cli(work, "load", *files, "--store", "store")
        else:
            time.sleep(1.1)  # load times are stored to the second: make them differ from the first run's
            _cli(work, "load", *reversed(files[1:]), "--store", "store")
            _cli(work, "load", files[0], "--store", "store")
            _cli(work, "load", "--store", "store")
        exports = {}
        for fmt in EXPORT_FORMATS:
            target = f"export.{rdf_format(fmt).suffix}"
            _cli(work, "export", "--store", "store", "-f", fmt, "-o", target)
            exports[fmt] = (work / target).read_bytes()
        out.append((work, exports))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_two_processes_two_folders_two_load_times_give_the_same_bytes(runs, fmt):
    (first, a), (second, b) = runs
    assert _load_times(first / "store") and _load_times(first / "store") != _load_times(second / "store")
    assert a[fmt] == b[fmt]
    assert b"_:" in a[fmt] or b'nodeID="' in a[fmt]  # the blank nodes are there, labelled


@pytest.mark.slow
def test_no_export_names_the_disk(runs):
    places = {str(ROOT)}
    home = Path.home()
    if home != Path(home.anchor):  # a home folder of "/" would match every IRI's "//"
        places.add(str(home) + os.sep)
    for work, _ in runs:
        places |= {str(work.parent), str(work.parent.resolve())}
    for _, exports in runs:
        for fmt, data in exports.items():
            text = data.decode("utf-8")
            found = [place for place in places if place in text]
            assert not found, (fmt, found)
            assert "file:" not in text, fmt
    trig = runs[0][1]["trig"].decode("utf-8")
    for name in ("data/blank-a.ttl", "data/sub/blank-b.ttl", "extra.ttl", "partnerships/gan.ttl"):
        assert f'"{name}"' in trig, name


def test_blank_nodes_loaded_in_another_order_give_the_same_bytes(tmp_path):
    (tmp_path / "a.ttl").write_text(BLANK_A, encoding="utf-8")
    (tmp_path / "b.ttl").write_text(BLANK_B, encoding="utf-8")
    one, two = open_store(), open_store()
    load_ontology(one)
    load_files(one, [tmp_path / "a.ttl", tmp_path / "b.ttl"])
    load_files(two, [tmp_path / "b.ttl"])
    load_files(two, [tmp_path / "a.ttl"])
    load_files(two, [tmp_path / "b.ttl"])  # loaded again: new blank nodes in the store
    load_ontology(two)
    assert one.dump(format="nquads") != two.dump(format="nquads")  # the stores' own labels differ
    for fmt in EXPORT_FORMATS:
        assert export(one, format=fmt) == export(two, format=fmt), fmt


def test_nquads_export_is_the_rdfc_canonical_form(tmp_path):
    """Blank-node labels and line order are those of W3C RDF Dataset Canonicalization (RDFC-1.0, as
    URDNA2015 in pyld), so anyone can check an export against the data."""
    (tmp_path / "a.ttl").write_text(BLANK_A, encoding="utf-8")
    (tmp_path / "b.ttl").write_text(BLANK_B, encoding="utf-8")
    store = open_store()
    load_files(store, [tmp_path / "a.ttl", tmp_path / "b.ttl"])
    graphs = [source_graph("a"), source_graph("b")]
    options = {
        "algorithm": "URDNA2015",
        "inputFormat": "application/n-quads",
        "format": "application/n-quads",
    }
    for fmt in ("nquads", "nt"):
        data = export(store, format=fmt, graphs=graphs).decode("utf-8")
        assert "_:c14n0 " in data
        assert jsonld.normalize(store.dump(format=fmt, graphs=graphs).decode("utf-8"), options) == data


def _metadata(data: bytes) -> set[tuple[str, str, str]]:
    quads = ox.parse(data, format=ox.RdfFormat.N_QUADS)
    return {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in quads
        if q.graph_name == ox.NamedNode(METADATA_GRAPH)
    }


def test_metadata_names_the_file_relatively_with_its_hash_and_keeps_the_load_time_in_the_store(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.ttl").write_text(BLANK_A, encoding="utf-8")
    store = open_store()
    load_files(store, [tmp_path / "data" / "a.ttl"])
    graph = source_graph("a")
    digest = hashlib.sha256((tmp_path / "data" / "a.ttl").read_bytes()).hexdigest()
    published = {
        (graph, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", PROV + "Entity"),
        (graph, DCT + "source", "data/a.ttl"),
        (graph, DCT + "identifier", f"sha256:{digest}"),
    }
    assert _metadata(export(store, format="nquads")) == published
    in_store = _metadata(store.dump(format="nquads", graphs=[METADATA_GRAPH]))
    (stamp,) = in_store - published
    assert stamp[1] == PROV + "generatedAtTime"
    assert _metadata(export(store, format="nquads", load_times=True)) == in_store
    trig = export(store, format="trig", load_times=True).decode("utf-8")
    assert f'"{stamp[2]}"^^xsd:dateTime' in trig or f'"{stamp[2]}"^^<' in trig


def test_source_names_are_never_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    inside = tmp_path / "in" / "x.ttl"
    assert source_name(inside) == "in/x.ttl"
    assert source_name("in/x.ttl") == "in/x.ttl"
    assert source_name(tmp_path.parent / "elsewhere" / "y.ttl") == "y.ttl"
    assert source_name("https://example.org/data/z.ttl") == "https://example.org/data/z.ttl"
    gan = bundled_dir("data") / "partnerships" / "gan.ttl"
    assert gan in bundled_data_files()
    assert source_name(gan) == "partnerships/gan.ttl"
    monkeypatch.chdir(bundled_dir("data").parent)  # a checkout: the bundled folder wins over the cwd
    assert source_name(gan) == "partnerships/gan.ttl"


def test_metadata_from_earlier_versions_does_not_leak_the_disk(tmp_path):
    """Stores loaded before the metadata was made portable hold the file's IRI and absolute path."""
    path = tmp_path / "old.ttl"
    graph = source_graph("old")
    store = open_store()
    store.load(
        b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .", graph=graph, format="nt"
    )
    old = (
        f"<{graph}> a <{PROV}Entity> ; <{PROV}wasDerivedFrom> <{path.as_uri()}> ; "
        f'<{PROV}generatedAtTime> "2024-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ; '
        f'<{DCT}source> "{path}" .'
    )
    store.load(old.encode(), graph=METADATA_GRAPH, format="ttl")
    for fmt in ("trig", "nquads", "jsonld"):
        text = export(store, format=fmt).decode("utf-8")
        assert str(tmp_path) not in text and "file:" not in text, fmt
        assert "Entity" in text, fmt  # what does not name the disk is kept


def test_workbooks_have_the_same_bytes_whenever_they_are_written(tmp_path, monkeypatch):
    """Spreadsheet export and template: no save time in docProps/core.xml, none on the zip members."""
    import datetime as dt

    import openpyxl.writer.excel

    from msp_graph.sheets import export_sheets, write_template

    store = open_store()
    load_ontology(store)
    load_files(store, bundled_data_files()[:3])

    def write(folder: Path) -> list[bytes]:
        export_sheets(store, folder / "export.xlsx", format="xlsx")
        write_template(folder)
        return [(folder / "export.xlsx").read_bytes(), (folder / "msp-template.xlsx").read_bytes()]

    first = write(tmp_path / "a")

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

    later = time.time() + 86_400 * 400
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(openpyxl.writer.excel.datetime, "datetime", Later)
    assert write(tmp_path / "b") == first
