"""Reasoning over a store on disk: done in memory, and only the difference between the new inferred graph
and the old written back (``EmbeddedStore.replace_graph_from``), with the same inferred graph as reasoning
in memory from scratch."""

from __future__ import annotations

import pytest

from msp_graph.loading import load_bundled, open_store
from msp_graph.reasoning import reason
from msp_graph.stores import INFERRED_GRAPH, changelog

MEMBER = "http://www.w3.org/ns/org#member"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
WORKERS = "https://w3id.org/msp/ontology#WorkersOrganisation"
BLANK_DATA = b"""
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
<https://w3id.org/msp/id/organisation/z> msp:stakeholderGroup
    <https://w3id.org/msp/vocab/stakeholder-group/workers-organisations> ;
    org:hasMembership [ org:organization <https://w3id.org/msp/id/partnership/y> ] .
"""


def _inferred(store) -> set[tuple[str, str, str]]:
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    return {(str(r["s"]), str(r["p"]), str(r["o"])) for r in rows}


def _in_memory(store) -> set[tuple[str, str, str]]:
    """The inferred graph of the same asserted graphs, reasoned from scratch in memory."""
    fresh = open_store()
    for graph in store.graphs():
        if graph != INFERRED_GRAPH:
            fresh.load(store.dump(format="nq", graphs=[graph]), graph=graph, format="nq")
    reason(fresh)
    return _inferred(fresh)


@pytest.fixture
def reasoned(tmp_path):
    """A store on disk with the bundled data, reasoned once; its folder and version."""
    with open_store(tmp_path / "store") as store:
        load_bundled(store)
        reason(store)
        version = store.version
    return tmp_path / "store", version


def test_the_first_inferred_graph_is_in_the_change_log(tmp_path):
    with open_store(tmp_path / "store") as store:
        load_bundled(store)
        version = store.version
    with open_store(tmp_path / "store") as store:
        reason(store)
        inferred, until = _inferred(store), store.version
    logged = changelog.since(tmp_path / "store", version, until)
    assert {tuple(q[:3]) for q in logged} == inferred
    assert {q[3] for q in logged} == {f"<{INFERRED_GRAPH}>"}


def test_reasoning_again_with_nothing_changed_writes_nothing(reasoned):
    folder, version = reasoned
    with open_store(folder) as store:
        before = _inferred(store)
        result = reason(store)
        until = store.version
        assert _inferred(store) == before
    # The log knows the session changed no quad (a whole graph replaced would be an unknown change: None).
    assert changelog.since(folder, version, until) == []
    assert result.inferred == len(before)


def test_reasoning_again_after_a_change_writes_the_difference(reasoned):
    folder, version = reasoned
    with open_store(folder) as store:
        before = _inferred(store)
        member = next(iter(store.query(f"SELECT ?m ?o WHERE {{ ?m <{MEMBER}> ?o }} ORDER BY ?m ?o LIMIT 1")))
        graph = next(iter(store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ {member['m']} <{MEMBER}> ?o }} }}")))
        store.update(f"DELETE DATA {{ GRAPH {graph['g']} {{ {member['m']} <{MEMBER}> {member['o']} }} }}")
        reason(store)
        after = _inferred(store)
        until = store.version
        assert after == _in_memory(store)
    assert before != after
    logged = {tuple(q[:3]) for q in changelog.since(folder, version, until) if q[3] == f"<{INFERRED_GRAPH}>"}
    assert logged == before ^ after


def test_blank_nodes_stay_the_same_nodes_on_disk(tmp_path):
    with open_store(tmp_path / "store") as store:
        load_bundled(store, data=False)
        store.load(BLANK_DATA, graph="https://w3id.org/msp/graph/blank", format="ttl")
        reason(store)
        reason(store)  # again, through the difference
        inferred = _inferred(store)
        assert inferred == _in_memory(store)
        assert not any(t.startswith("_:") for triple in inferred for t in triple)
        # cls-hv2 through the ontology's restriction, a blank node in three triples: the copy in memory kept
        # it one node.
        assert ("<https://w3id.org/msp/id/organisation/z>", TYPE, f"<{WORKERS}>") in inferred
