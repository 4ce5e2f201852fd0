"""The remote store against real servers: the same answers as the embedded store, and clear failures.

Behaviour tests run three times: on the embedded store, on an Oxigraph server and on Virtuoso (both started
on 127.0.0.1 by ``tests/servers.py``). Fault tests stop a server in the middle of a push, talk to a socket
that never answers, and send wrong credentials.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from servers import (
    KillingProxy,
    SilentServer,
    clear,
    free_port,
    oxigraph_server,
    start_oxigraph,
    stop,
    virtuoso_server,
)

from msp_graph.errors import EndpointError, LoadError, QueryError
from msp_graph.export import export
from msp_graph.loading import METADATA_GRAPH, bundled_data_files, load_bundled, load_files, slug_for
from msp_graph.queries import get_query, run_query
from msp_graph.stores import (
    INFERRED_GRAPH,
    STAGING_PREFIX,
    EmbeddedStore,
    RemoteStore,
    credentials_for,
    source_graph,
)
from msp_graph.validation import check

__all__ = ["oxigraph_server", "virtuoso_server"]  # fixtures, imported for pytest

pytestmark = pytest.mark.servers

BACKENDS = ["embedded", "oxigraph", "virtuoso"]

# Used while data/ holds no curated files: two alliances sharing partners, one missing a workers' org.
FALLBACK = """\
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix group: <https://w3id.org/msp/vocab/stakeholder-group/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix p: <https://w3id.org/msp/id/partnership/> .
@prefix o: <https://w3id.org/msp/id/organisation/> .
@prefix m: <https://w3id.org/msp/id/membership/> .

p:alpha a msp:Partnership ; rdfs:label "Alpha Alliance"@en, "Alliance Alpha"@fr ;
    msp:activeDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDate "2019-06-01"^^xsd:date ] ] .
p:beta a msp:Partnership ; rdfs:label "Beta Coalition"@en .
o:ioe a org:Organization ; rdfs:label "Employers' Org \\"E\\""@en ;
    msp:stakeholderGroup group:employers-organisations .
o:ituc a org:Organization ; rdfs:label "Workers' Org"@en ; msp:stakeholderGroup group:workers-organisations .
o:un a org:Organization ; rdfs:label "UN Agency"@en ; msp:stakeholderGroup group:un .
o:uni a org:Organization ; rdfs:label "Université"@fr, "University"@en ; msp:stakeholderGroup group:academia .
m:alpha-ioe a org:Membership ; org:member o:ioe ; org:organization p:alpha .
m:alpha-ituc a org:Membership ; org:member o:ituc ; org:organization p:alpha .
m:alpha-un a org:Membership ; org:member o:un ; org:organization p:alpha .
m:alpha-uni a org:Membership ; org:member o:uni ; org:organization p:alpha .
m:beta-ioe a org:Membership ; org:member o:ioe ; org:organization p:beta .
m:beta-un a org:Membership ; org:member o:un ; org:organization p:beta .
"""


def _data_files(tmp: Path) -> list[Path]:
    files = bundled_data_files()
    if files:
        return files
    path = tmp / "fallback-alliances.ttl"
    path.write_text(FALLBACK, encoding="utf-8")
    return [path]


@pytest.fixture(scope="module")
def data_files(tmp_path_factory) -> list[Path]:
    return _data_files(tmp_path_factory.mktemp("data"))


def _fill(store, files: list[Path]) -> None:
    load_bundled(store, data=False)
    load_files(store, files)


@pytest.fixture(scope="module")
def reference(data_files):
    """The embedded store's answers, which every backend must give."""
    store = EmbeddedStore()
    _fill(store, data_files)
    return store


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request, data_files, reference):
    """A store of each kind holding the ontology, the vocabularies and the data, one graph per source."""
    if request.param == "embedded":
        store = EmbeddedStore()
    else:
        store = request.getfixturevalue(f"{request.param}_server").store()
        clear(store)
    _fill(store, data_files)
    yield store
    if isinstance(store, RemoteStore):
        clear(store)


def _rows(result) -> set[tuple]:
    """Rows as comparable tuples; GROUP_CONCAT lists are compared as sets (their order is the server's)."""
    out = set()
    for row in result.rows:
        cells = []
        for name in result.variables:
            value = row[name]
            text = None if value is None else value.value
            if name == "sharedAlliances" and text:
                text = frozenset(text.split("; "))
            cells.append(text)
        out.add(tuple(cells))
    return out


def _graph(data: bytes, format: str = "nt") -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=data, format=format)
    return g


def test_same_graphs_and_sizes(loaded, reference):
    asserted = [g for g in reference.graphs() if g != INFERRED_GRAPH]
    assert [g for g in loaded.graphs() if g != INFERRED_GRAPH] == asserted
    for graph in asserted:
        if graph.endswith("/metadata"):
            continue  # holds load times
        assert loaded.count(graph) == reference.count(graph), graph


def test_co_membership_query_gives_the_same_rows(loaded, reference):
    query = get_query("partners-sharing-alliances")
    expected = run_query(reference, query)
    assert len(expected) > 0
    got = run_query(loaded, query)
    assert got.variables == expected.variables
    assert _rows(got) == _rows(expected)


def test_ask_and_construct_give_pyoxigraph_results(loaded, reference):
    ask = "ASK { ?m <http://www.w3.org/ns/org#member> ?x }"
    assert isinstance(loaded.query(ask), ox.QueryBoolean)
    assert bool(loaded.query(ask)) is True
    construct = (
        "CONSTRUCT { ?x <http://www.w3.org/ns/org#memberOf> ?p } "
        "WHERE { ?m <http://www.w3.org/ns/org#member> ?x ; <http://www.w3.org/ns/org#organization> ?p }"
    )
    got = loaded.query(construct)
    assert isinstance(got, ox.QueryTriples)
    assert set(got) == set(reference.query(construct))


@pytest.fixture(scope="module")
def small_files(tmp_path_factory) -> list[Path]:
    path = tmp_path_factory.mktemp("small") / "fallback-alliances.ttl"
    path.write_text(FALLBACK, encoding="utf-8")
    return [path]


@pytest.fixture(scope="module")
def small_report(small_files):
    store = EmbeddedStore()
    _fill(store, small_files)
    return check(store)


def _key(report) -> set[tuple]:
    return {
        (r.focus_node, r.path, r.constraint_component, r.severity, r.source_shape) for r in report.results
    }


def test_validation_gives_the_same_report(loaded, small_files, small_report, data_files):
    # pyshacl takes minutes on the whole bundled data: validate the small fixture, then put the data back.
    store = EmbeddedStore() if isinstance(loaded, EmbeddedStore) else loaded
    if isinstance(store, RemoteStore):
        clear(store)
    try:
        _fill(store, small_files)
        got = check(store)
        assert INFERRED_GRAPH in store.graphs()
    finally:
        if isinstance(store, RemoteStore):
            clear(store)
            _fill(store, data_files)
    assert not small_report.conforms
    assert got.conforms == small_report.conforms
    assert _key(got) == _key(small_report)


@pytest.mark.parametrize("format", ["nt", "trig"])
def test_export_is_isomorphic(loaded, reference, format):
    got, expected = export(loaded, format=format), export(reference, format=format)
    if format == "trig":
        a, b = rdflib.Dataset(), rdflib.Dataset()
        a.parse(data=got, format="trig")
        b.parse(data=expected, format="trig")
        names = {str(g.identifier) for g in b.graphs()}
        assert {str(g.identifier) for g in a.graphs()} == names
        for name in names - {METADATA_GRAPH}:  # the metadata graph holds load times
            assert isomorphic(a.graph(rdflib.URIRef(name)), b.graph(rdflib.URIRef(name))), name
    else:
        assert isomorphic(_graph(got), _graph(expected))


# --- remote only ------------------------------------------------------------------------------------------

REMOTES = ["oxigraph", "virtuoso"]


@pytest.fixture(params=REMOTES)
def remote(request):
    server = request.getfixturevalue(f"{request.param}_server")
    store = server.store()
    store.user, store.password = server.user, server.password
    yield store
    for graph in store.graphs():
        if graph.startswith("http://example.org/"):
            store.drop(graph)


def _triples(n: int, start: int = 0) -> bytes:
    return "".join(
        f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(start, n)
    ).encode()


def test_dump_pages_past_the_servers_row_cap(remote):
    # Virtuoso cuts every answer at ResultSetMaxRows (10,000): the paged dump must still return all.
    graph = "http://example.org/big"
    assert remote.load(_triples(12500), graph=graph, format="nt") == 12500
    dumped = remote.dump(format="nt", graphs=[graph])
    assert dumped.count(b"\n") == 12500
    small = list(remote.iter_triples(f"GRAPH <{graph}> {{ ?s ?p ?o }}", page_size=4000))
    assert len(small) == len(set(small)) == 12500


def test_load_replaces_and_a_bad_file_changes_nothing(remote, tmp_path):
    graph = "http://example.org/replace"
    remote.load(_triples(5), graph=graph, format="nt")
    assert remote.load(_triples(108, start=100), graph=graph, format="nt") == 8
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/a> <http://example.org/b> .\n")
    with pytest.raises(LoadError, match=r"bad\.ttl:1:\d+"):
        remote.load(bad, graph=graph)
    assert remote.count(graph) == 8
    assert not [g for g in remote.graphs() if g.startswith(STAGING_PREFIX)]
    assert remote.load(b"", graph=graph, format="nt") == 0
    assert graph not in remote.graphs()


def test_blank_nodes_survive_load_without_graph_store(remote):
    plain = RemoteStore(remote.endpoint, update_endpoint=remote.update_endpoint, user=remote.user,
                        password=remote.password)  # fmt: skip
    graph = "http://example.org/bnodes"
    data = b"<http://example.org/a> <http://example.org/b> [ <http://example.org/c> 1 ; <http://example.org/d> 2 ] ."  # noqa: E501
    assert plain.load(data, graph=graph, format="ttl") == 3
    got = _graph(plain.dump(format="nt", graphs=[graph]))
    assert isomorphic(got, _graph(data, "turtle"))


def test_query_and_update_refuse_each_other(remote):
    with pytest.raises(QueryError, match="not a query"):
        remote.query("DROP GRAPH <http://example.org/x>")
    with pytest.raises(QueryError, match="not an update"):
        remote.update("SELECT * WHERE { ?s ?p ?o }")


def test_a_syntax_error_carries_the_servers_message(remote):
    with pytest.raises(EndpointError, match=r"HTTP 400 .*(SELEC|expected)"):
        remote.query("SELEC * WHERE { ?s ?p ?o }")


# --- failures -----------------------------------------------------------------------------------------------


def test_server_stopped_during_push_keeps_the_old_graph(tmp_path):
    server = start_oxigraph(tmp_path / "db")
    graph = "http://example.org/target"
    try:
        server.store().load(_triples(3), graph=graph, format="nt")
        body = _triples(30000)
        proxy = KillingProxy(server.port, server.process, trigger=b"PUT ", after=len(body) // 2)
        base = f"http://127.0.0.1:{proxy.port}"
        store = RemoteStore(f"{base}/query", update_endpoint=f"{base}/update", graph_store=f"{base}/store",
                            retries=1, backoff=0.05, timeout=10)  # fmt: skip
        with pytest.raises(EndpointError) as caught:
            store.load(body, graph=graph, format="nt")
        proxy.close()
        assert proxy.killed.is_set()
        message = str(caught.value)
        assert "\n" not in message
        assert f"<{graph}>: the graph keeps its previous content" in message
        assert "unreachable" in message or "connection lost" in message
    finally:
        stop(server.process)
    again = start_oxigraph(tmp_path / "db", port=free_port())
    try:
        store = again.store()
        assert store.count(graph) == 3
        assert {
            row["o"].value for row in store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        } == {
            "0",
            "1",
            "2",
        }
    finally:
        stop(again.process)


def test_a_server_that_never_answers_times_out():
    silent = SilentServer()
    try:
        store = RemoteStore(silent.url, timeout=0.5, retries=2, backoff=0.01)
        with pytest.raises(EndpointError, match=r"no answer within 0\.5 s .*\(timeout\)"):
            store.query("SELECT * WHERE { ?s ?p ?o }")
    finally:
        silent.close()


def test_an_unreachable_endpoint_says_so():
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/sparql", retries=1, backoff=0.01)
    with pytest.raises(EndpointError, match=r"unreachable \(connection refused\).*after 2 attempts"):
        store.graphs()


def test_wrong_credentials_are_refused_without_echoing_them(virtuoso_server):
    store = virtuoso_server.store(password="not-the-password-42")
    with pytest.raises(EndpointError, match="401 Unauthorized") as caught:
        store.update("DROP SILENT GRAPH <http://example.org/none>")
    assert "not-the-password-42" not in str(caught.value)
    assert "refused the credentials" in str(caught.value)


def test_missing_credentials_say_how_to_give_them(virtuoso_server, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("MSP_GRAPH_USER", raising=False)
    store = RemoteStore(virtuoso_server.endpoint, retries=0)
    with pytest.raises(EndpointError, match="MSP_GRAPH_USER and MSP_GRAPH_PASSWORD"):
        store.graphs()


def test_credentials_from_netrc_and_environment(virtuoso_server, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("MSP_GRAPH_USER", raising=False)
    monkeypatch.delenv("MSP_GRAPH_PASSWORD", raising=False)
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login dba password dba\n")
    netrc.chmod(0o600)
    assert credentials_for(virtuoso_server.endpoint) == ("dba", "dba")
    RemoteStore(virtuoso_server.endpoint).update("DROP SILENT GRAPH <http://example.org/none>")
    monkeypatch.setenv("MSP_GRAPH_USER", "dba")
    monkeypatch.setenv("MSP_GRAPH_PASSWORD", "wrong")
    with pytest.raises(EndpointError, match="401"):
        RemoteStore(virtuoso_server.endpoint, retries=0).update("DROP SILENT GRAPH <http://example.org/none>")


def test_an_endpoint_without_updates_says_so(virtuoso_server):
    store = RemoteStore(virtuoso_server.extra["public"], retries=0)
    with pytest.raises(EndpointError, match="does not accept updates"):
        store.update(
            "INSERT DATA { GRAPH <http://example.org/ro> { <http://example.org/a> <http://example.org/b> 1 }}"
        )


def test_bad_urls_are_refused_before_any_request():
    with pytest.raises(EndpointError, match="not an http"):
        RemoteStore("ftp://127.0.0.1/sparql")
    with pytest.raises(EndpointError, match="--graph-store"):
        RemoteStore("http://127.0.0.1:1/sparql", graph_store="127.0.0.1/store")


def test_paging_needs_an_order(oxigraph_server):
    store = oxigraph_server.store()
    with pytest.raises(QueryError, match="ORDER BY"):
        list(store.iter_select("SELECT * WHERE { ?s ?p ?o }"))


# --- command line -------------------------------------------------------------------------------------------


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "msp_graph.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def _endpoint_args(server) -> list[str]:
    return ["--endpoint", server.endpoint, "--update-endpoint", server.update_endpoint,
            "--graph-store", server.graph_store]  # fmt: skip


@pytest.mark.parametrize("backend", REMOTES)
def test_push_then_pull_round_trips(request, backend, data_files, reference, tmp_path):
    server = request.getfixturevalue(f"{backend}_server")
    env = {"MSP_GRAPH_USER": server.user or "", "MSP_GRAPH_PASSWORD": server.password or ""}
    store = server.store()
    clear(store)
    pushed = _cli("push", *map(str, data_files), *_endpoint_args(server), env=env)
    assert pushed.returncode == 0, pushed.stderr
    for path in data_files:
        assert source_graph(slug_for(path)) in store.graphs()
    out = tmp_path / "pulled"
    pulled = _cli("pull", *_endpoint_args(server), "-o", str(out), env=env)
    assert pulled.returncode == 0, pulled.stderr
    files = sorted(out.iterdir())
    assert files
    for graph in reference.graphs():
        if graph.endswith("/metadata") or graph == INFERRED_GRAPH:
            continue
        matches = [f for f in files if f.read_text(encoding="utf-8").startswith(f"# graph: {graph}\n")]
        assert len(matches) == 1, graph
        assert isomorphic(
            _graph(matches[0].read_bytes(), "turtle"), _graph(reference.dump(format="nt", graphs=[graph]))
        )
    queried = _cli("query", "partners-sharing-alliances", "-f", "csv", *_endpoint_args(server), env=env)
    assert queried.returncode == 0, queried.stderr
    assert (
        queried.stdout.count("\n") == len(run_query(reference, get_query("partners-sharing-alliances"))) + 1
    )
    clear(store)


def test_push_to_an_unreachable_endpoint_exits_2_with_one_line():
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = _cli("push", "--endpoint", url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0] and url in lines[0]


# --- every reading command reads the endpoint -----------------------------------------------------------

import json as _json  # noqa: E402


@pytest.fixture(scope="module")
def small_endpoint(tmp_path_factory, small_files):
    """An Oxigraph server of its own, holding the ontology and the small fixture (not the bundled data)."""
    server = start_oxigraph(tmp_path_factory.mktemp("small-endpoint") / "db")
    try:
        pushed = _cli("push", *map(str, small_files), *_endpoint_args(server))
        assert pushed.returncode == 0, pushed.stderr
        yield server
    finally:
        stop(server.process)


def _bundled_partnerships() -> set[str]:
    graph = rdflib.Graph()
    for path in bundled_data_files():
        graph.parse(path)
    msp = rdflib.Namespace("https://w3id.org/msp/ontology#")
    return {str(label) for p in graph.subjects(rdflib.RDF.type, msp.Partnership) for label in
            graph.objects(p, rdflib.RDFS.label)}  # fmt: skip


def _names_the_endpoints_data(text: str) -> None:
    assert "Alpha Alliance" in text and "Beta Coalition" in text
    bundled = {
        label for label in _bundled_partnerships() if label not in ("Alpha Alliance", "Beta Coalition")
    }
    assert not [label for label in bundled if label in text]


def test_export_graphml_reads_the_endpoint(small_endpoint):
    result = _cli("export", *_endpoint_args(small_endpoint), "-f", "graphml", "-q")
    assert result.returncode == 0, result.stderr
    assert "<graphml" in result.stdout
    _names_the_endpoints_data(result.stdout)


def test_export_svg_reads_the_endpoint(small_endpoint, tmp_path):
    target = tmp_path / "net.svg"
    result = _cli("export", *_endpoint_args(small_endpoint), "-f", "svg", "-o", str(target), "-q")
    assert result.returncode == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    assert "<svg" in text
    _names_the_endpoints_data(text)


def test_export_csv_reads_the_endpoint(small_endpoint, tmp_path):
    target = tmp_path / "sheets"
    result = _cli("export", *_endpoint_args(small_endpoint), "-f", "csv", "-o", str(target), "-q")
    assert result.returncode == 0, result.stderr
    _names_the_endpoints_data((target / "partnerships.csv").read_text(encoding="utf-8"))


def test_export_xlsx_reads_the_endpoint(small_endpoint, tmp_path):
    import openpyxl

    target = tmp_path / "data.xlsx"
    result = _cli("export", *_endpoint_args(small_endpoint), "-f", "xlsx", "-o", str(target), "-q")
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(target)["partnerships"]
    _names_the_endpoints_data("\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row))


def test_stats_reads_the_endpoint(small_endpoint, small_files):
    result = _cli("stats", *_endpoint_args(small_endpoint), "-f", "json")
    assert result.returncode == 0, result.stderr
    body = _json.loads(result.stdout)
    assert body["classes"]["https://w3id.org/msp/ontology#Partnership"] == 2
    assert source_graph(slug_for(small_files[0])) in body["graphs"]


def test_reason_and_validate_read_the_endpoint(small_endpoint):
    result = _cli("reason", *_endpoint_args(small_endpoint), "-f", "json")
    assert result.returncode == 0, result.stderr
    body = _json.loads(result.stdout)
    assert body["consistent"] and body["inferred"] > 0
    assert INFERRED_GRAPH in small_endpoint.store().graphs()  # the entailments are in the endpoint
    validated = _cli("validate", *_endpoint_args(small_endpoint), "-f", "json", "-q")
    assert validated.returncode == 1, validated.stderr  # Beta Coalition has no workers' organisation
    assert {r["partnership"] for r in _json.loads(validated.stdout)["results"]} >= {
        "https://w3id.org/msp/id/partnership/beta"
    }


@pytest.mark.parametrize("format", ["graphml", "csv", "turtle"])
def test_export_from_an_unreachable_endpoint_exits_2_with_one_line(format, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/query"
    result = _cli("export", "--endpoint", url, "-f", format, "-o", str(tmp_path / f"out.{format}"))
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("msp-graph: error: ") and "unreachable" in lines[0]
    assert not (tmp_path / f"out.{format}").exists()


@pytest.fixture(scope="module")
def non_union_server(tmp_path_factory):
    """Oxigraph started without ``--union-default-graph``: its default graph is a graph of its own."""
    server = start_oxigraph(tmp_path_factory.mktemp("non-union") / "db", union=False)
    yield server
    stop(server.process)


@pytest.mark.parametrize("default_graph", ["empty", "holds other triples"])
def test_named_queries_on_a_non_union_server_give_the_embedded_rows(non_union_server, reference, data_files,
                                                                     default_graph):  # fmt: skip
    store = non_union_server.store()
    clear(store)
    store.update("DROP SILENT DEFAULT")
    if default_graph != "empty":
        store.update('INSERT DATA { <urn:x:s> <urn:x:p> "only in the default graph" }')
    _fill(store, data_files)
    fresh = non_union_server.store()  # checks the server again, with data in it
    for name in ("partners-sharing-alliances", "alliances-of-partner", "composition-status"):
        query = get_query(name)
        required = [p for p in query.params if not p.optional]
        params = dict(e.split("=", 1) for e in query.examples[:1]) if required else None
        expected = run_query(reference, query, params=params)
        assert len(expected) > 0, name
        got = run_query(fresh, query, params=params)
        assert got.render("csv") == expected.render("csv"), name
    # Queries that name their graphs are sent as they are.
    graphs = fresh.graphs()
    assert source_graph(slug_for(data_files[0])) in graphs
