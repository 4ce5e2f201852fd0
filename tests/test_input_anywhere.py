"""Input from anywhere: standard input (``-`` with ``--input-format``), ``.gz`` files, an explicit input
format, and what ``export`` writes (JSON-LD) read back, by every command that reads RDF."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from msp_graph import LoadError, load_files, open_store
from msp_graph.loading import METADATA_GRAPH
from msp_graph.stores import source_graph

COMMAND = [sys.executable, "-m", "msp_graph.cli"]
DATA = Path(__file__).resolve().parents[1] / "data" / "organisations.ttl"
STDIN_GRAPH = source_graph("stdin")


def _run(*args: str, stdin: bytes = b"", cwd: Path | None = None, env: dict | None = None):
    return subprocess.run(
        [*COMMAND, *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def _one_line(done) -> str:
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    return lines[0]


# each command that reads RDF, with what it needs besides FILES (push: an endpoint nobody listens on)
READERS = {
    "validate": [],
    "query": ["-e", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{STDIN_GRAPH}> {{ ?s ?p ?o }} }}"],
    "export": ["-f", "nt"],
    "network": ["-f", "graphml"],
    "reason": [],
    "stats": [],
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_every_reading_command_reads_standard_input(name):
    done = _run(name, "--input-format", "ttl", "-", *READERS[name], "-q", stdin=DATA.read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout


def test_standard_input_loads_into_the_stdin_graph():
    done = _run("stats", "--input-format", "turtle", "-", "-f", "json", stdin=DATA.read_bytes())
    assert done.returncode == 0, done.stderr
    assert STDIN_GRAPH in done.stdout.decode()


@pytest.mark.parametrize("name", [*sorted(READERS), "load", "push"])
def test_standard_input_without_its_format_is_one_line_and_exit_2(name, tmp_path):
    extra = {"load": ["--store", str(tmp_path / "store")], "push": ["--endpoint", "http://127.0.0.1:9/"]}
    done = _run(name, "-", *extra.get(name, READERS.get(name, [])), stdin=DATA.read_bytes())
    assert "--input-format" in _one_line(done)
    assert not (tmp_path / "store").exists()  # checked before the store is created


def test_load_reads_standard_input_into_a_store(tmp_path):
    store = str(tmp_path / "store")
    assert (
        _run("load", "--store", store, "--input-format", "ttl", "-", stdin=DATA.read_bytes()).returncode == 0
    )
    done = _run("stats", "--store", store, "-f", "json")
    assert STDIN_GRAPH in done.stdout.decode()


def test_input_format_overrides_the_extension(tmp_path):
    data = tmp_path / "organisations.txt"
    data.write_bytes(DATA.read_bytes())
    assert "unknown RDF format" in _one_line(_run("stats", str(data)))
    done = _run("stats", "--input-format", "ttl", str(data), "-f", "json")
    assert done.returncode == 0, done.stderr
    assert source_graph("organisations") in done.stdout.decode()
    assert "--input-format xml2" in _one_line(_run("stats", "--input-format", "xml2", str(data)))


def test_a_gz_file_loads_into_the_plain_files_graph(tmp_path):
    packed = tmp_path / "organisations.ttl.gz"
    packed.write_bytes(gzip.compress(DATA.read_bytes()))
    plain, unpacked_ = (_run("stats", str(p), "-f", "json") for p in (DATA, packed))
    assert unpacked_.returncode == 0, unpacked_.stderr
    assert source_graph("organisations") in unpacked_.stdout.decode()
    assert unpacked_.stdout == plain.stdout  # same graphs, same counts


def test_a_gzip_bomb_is_refused_in_one_line(tmp_path):
    bomb = tmp_path / "bomb.ttl.gz"
    bomb.write_bytes(gzip.compress(b"#" * (8 << 20)))  # 8 MiB of comment in 8 KiB
    store = tmp_path / "store"
    done = _run("load", "--store", str(store), str(bomb), env={"MSP_GRAPH_MAX_FILE_BYTES": str(1 << 20)})
    assert "decompressed" in _one_line(done)
    assert not store.exists()


@pytest.mark.parametrize("content", [b"not gzip at all", gzip.compress(DATA.read_bytes())[:200]])
def test_a_damaged_gz_file_is_one_line(tmp_path, content):
    damaged = tmp_path / "damaged.ttl.gz"
    damaged.write_bytes(content)
    line = _one_line(_run("stats", str(damaged)))
    assert "damaged.ttl.gz" in line and "gzip" in line


def test_jsonld_export_is_read_back(tmp_path):
    exported = tmp_path / "all.jsonld"
    assert _run("export", str(DATA), "-f", "jsonld", "-o", str(exported)).returncode == 0
    done = _run("validate", str(exported))
    assert done.returncode == 0, done.stderr
    # the round trip: the data read back from JSON-LD is the data (this file has no blank nodes)
    direct, again = (_run("export", str(p), "-f", "nt", "--no-ontology", "-q") for p in (DATA, exported))
    assert again.returncode == 0, again.stderr
    assert sorted(again.stdout.splitlines()) == sorted(direct.stdout.splitlines())


def test_api_reads_gz_files_and_removes_its_unpacked_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    packed = tmp_path / "organisations.ttl.gz"
    packed.write_bytes(gzip.compress(DATA.read_bytes()))
    store = open_store()
    assert load_files(store, [packed]) == [source_graph("organisations")]
    assert store.count(source_graph("organisations")) > 800
    assert sorted(p.name for p in tmp_path.iterdir()) == ["organisations.ttl.gz"]
    names = store.query(f"SELECT ?n WHERE {{ GRAPH <{METADATA_GRAPH}> {{ ?g ?p ?n }} }}")
    assert "organisations.ttl.gz" in {row[0].value for row in names}


def test_api_refuses_standard_input_twice():
    from msp_graph.loading import unpacked

    with pytest.raises(LoadError, match="more than once"), unpacked(["-", "-"], "ttl"):
        pass
