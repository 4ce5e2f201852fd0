"""Loading files: each file parsed once (by the store's loader), all or nothing across files, a bounded part
at a time (memory bounded by the store, not the file), with its progress: a bar on a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from msp_graph import loading
from msp_graph.errors import LoadError
from msp_graph.loading import METADATA_GRAPH, load_files
from msp_graph.stores import EmbeddedStore, embedded, source_graph

GOOD = "<urn:x:a> <urn:x:p> <urn:x:b> .\n"


def _files(tmp_path, **texts):
    tmp_path.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.ttl"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def test_each_file_is_parsed_once_by_the_store(tmp_path, monkeypatch):
    store = EmbeddedStore()
    calls = []
    real = store._bulk_load

    def counted(source, *args, **kwargs):
        calls.append(source)
        return real(source, *args, **kwargs)

    parses = []
    parse = loading.ox.parse

    def parsed(*args, **kwargs):  # in memory, pyoxigraph's bulk loader reads the file: no parse in Python
        parses.append(args)
        return parse(*args, **kwargs)

    monkeypatch.setattr(store, "_bulk_load", counted)
    monkeypatch.setattr(loading.ox, "parse", parsed)
    paths = _files(tmp_path, one=GOOD, two=GOOD.replace(":b>", ":c>"))
    assert load_files(store, paths) == [source_graph("one"), source_graph("two")]
    assert calls == paths
    assert parses == []
    assert store.count(source_graph("two")) == 1


def test_a_bad_file_leaves_the_store_as_it_was(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    first = _files(tmp_path / "v1", one=GOOD)
    load_files(store, first)
    before = store.dump(format="nq")
    changed = GOOD.replace(":b>", ":changed>")
    second = _files(tmp_path / "v2", one=changed, new=GOOD, bad="<urn:x:a> <urn:x:p> .")
    with pytest.raises(LoadError, match=r"bad\.ttl:1:"):
        load_files(store, second)
    assert store.dump(format="nq") == before  # the replaced graph kept, the new one not there, no staging
    assert all("/staging/" not in g.value for g in store._store.named_graphs())


def test_a_missing_file_is_refused_before_anything_is_written(tmp_path):
    store = EmbeddedStore()
    with pytest.raises(LoadError, match="no such file"):
        load_files(store, [*_files(tmp_path, one=GOOD), tmp_path / "missing.ttl"])
    assert store.graphs() == []


def test_replacing_an_existing_graph_updates_its_metadata(tmp_path):
    store = EmbeddedStore()
    (path,) = _files(tmp_path, one=GOOD)
    load_files(store, [path])
    path.write_text(GOOD.replace(":b>", ":c>"), encoding="utf-8")
    load_files(store, [path])
    rows = list(store.query(f"SELECT ?o WHERE {{ GRAPH <{METADATA_GRAPH}> {{ ?g ?p ?o }} }}"))
    hashes = [r["o"].value for r in rows if r["o"].value.startswith("sha256:")]
    assert len(hashes) == 1
    objects = [
        r["o"].value
        for r in store.query(f"SELECT ?o WHERE {{ GRAPH <{source_graph('one')}> {{ ?s ?p ?o }} }}")
    ]
    assert objects == ["urn:x:c"]


# --- a bounded part at a time, with progress -------------------------------------------------------------


def _lines(path, n: int, *, blank_at: tuple[int, ...] = (), bad_at: int | None = None):
    """``n`` N-Triples lines; the same blank node ``_:x`` as subject on the lines ``blank_at`` (1-based), a
    line that is not N-Triples at ``bad_at``."""
    lines = []
    for i in range(1, n + 1):
        subject = "_:x" if i in blank_at else f"<urn:x:s{i}>"
        lines.append("<urn:x:s> <urn:x:p> ." if i == bad_at else f'{subject} <urn:x:p> "value {i}" .')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("blank_at", [(), (150, 1900)], ids=["no-blank-node", "a-blank-node-across-parts"])
def test_a_file_is_loaded_a_bounded_part_at_a_time_with_its_progress(tmp_path, monkeypatch, blank_at):
    monkeypatch.setattr(embedded, "_PART", 1024)  # bytes: about 30 lines a part
    path = _lines(tmp_path / "data.nt", 2000, blank_at=blank_at)
    steps = []
    store = EmbeddedStore(tmp_path / "store")
    load_files(store, [path], progress=lambda message, **numbers: steps.append((message, numbers)))
    graph = source_graph("data")
    assert store.count(graph) == 2000
    rows = store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER isBlank(?s) }} }}")
    assert len(list(rows)) == (1 if blank_at else 0)  # one label, one node, in every part
    numbers = [n for m, n in steps if n and m == f"loading {path}"]
    assert len(numbers) > 5  # a part at a time (a blank node: the parser's batches from there on)
    assert [n["done"] for n in numbers] == sorted(n["done"] for n in numbers)
    assert numbers[-1]["done"] == numbers[-1]["total"] == path.stat().st_size
    assert numbers[-1]["count"] == 2000
    store.close()


@pytest.mark.parametrize("blank_at", [(), (10,)], ids=["by-parts", "by-the-parser"])
def test_an_error_in_a_later_part_names_its_line_in_the_file(tmp_path, monkeypatch, blank_at):
    monkeypatch.setattr(embedded, "_PART", 1024)
    monkeypatch.setattr(embedded, "_BATCH", 50)
    bad = _lines(tmp_path / "bad.nt", 2000, blank_at=blank_at, bad_at=1234)
    store = EmbeddedStore(tmp_path / "store")
    with pytest.raises(LoadError, match=r"bad\.nt:1234:"):
        load_files(store, [bad])
    assert store.graphs() == []
    store.close()


def test_turtle_is_parsed_once_and_written_a_batch_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "_BATCH", 100)
    body = "".join(f'<urn:x:s{i}> <urn:x:p> [ <urn:x:q> "v{i}" ] .\n' for i in range(500))
    (path,) = _files(tmp_path, data="@prefix x: <urn:x:> .\n" + body)
    steps = []
    store = EmbeddedStore(tmp_path / "store")  # on disk (in memory the whole file is one bulk load)
    load_files(store, [path], progress=lambda message, **numbers: steps.append(numbers))
    assert store.count(source_graph("data")) == 1000
    assert [n["count"] for n in steps if n] == [100 * k for k in range(1, 11)]
    store.close()


def _on_a_terminal(args: list[str], *, timeout: float = 120) -> tuple[int, str]:
    """Run ``msp-graph args`` with stderr on a pseudo-terminal; its exit status and what it drew there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "msp_graph.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"},
    )
    os.close(slave)
    drawn, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    block = os.read(master, 1 << 16)
                except OSError:  # the child closed the terminal
                    break
                if not block:
                    break
                drawn += block
            elif proc.poll() is not None:
                break
        return proc.wait(timeout=30), drawn.decode("utf-8", "replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_load_draws_a_progress_bar_on_a_terminal_and_one_line_elsewhere(tmp_path):
    path = _lines(tmp_path / "data.nt", 3000)
    status, drawn = _on_a_terminal(["load", str(path), "--store", str(tmp_path / "a")])
    assert status == 0, drawn
    assert "100%" in drawn and "3,000 triples" in drawn and "triples/s" in drawn
    done = subprocess.run(
        [sys.executable, "-m", "msp_graph.cli", "load", str(path), "--store", str(tmp_path / "b")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("loaded 1 file(s)"), done.stderr
