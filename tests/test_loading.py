"""Loading files: each file parsed once (by the store's loader), all or nothing across files."""

from __future__ import annotations

import pytest

from msp_graph import loading
from msp_graph.errors import LoadError
from msp_graph.loading import METADATA_GRAPH, load_files
from msp_graph.stores import EmbeddedStore, source_graph

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

    monkeypatch.setattr(store, "_bulk_load", counted)
    monkeypatch.setattr(loading.ox, "parse", lambda *a, **k: pytest.fail("parsed outside the store"))
    paths = _files(tmp_path, one=GOOD, two=GOOD.replace(":b>", ":c>"))
    assert load_files(store, paths) == [source_graph("one"), source_graph("two")]
    assert calls == paths
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
