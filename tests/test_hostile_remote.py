"""Remote endpoints under faults (issue 14): hostile answers, malformed URLs and settings, a deadline per
request, a bounded body, push that checks everything before it writes and ends old-or-new when killed, and
pull of a graph that is not there.

Misbehaving servers are scripted sockets (``tests/servers.py``: a cut answer, a trickle, an endless body, a
reset, redirects); the kill -9 tests run ``msp-graph push`` through a proxy that kills it at a chosen request,
against the Oxigraph server and Virtuoso.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import BlankNode
from servers import (
    ScriptedServer,
    WatchingProxy,
    answer,
    cut_connection,
    endless,
    free_port,
    oxigraph_server,
    raw_graphs,
    raw_state,
    redirect,
    trickle,
    virtuoso_server,
)
from typer.testing import CliRunner

from msp_graph.cli import app
from msp_graph.errors import EndpointError, LoadError, MspGraphError, SettingError
from msp_graph.loading import METADATA_GRAPH, load_files, pull, push
from msp_graph.stores import (
    ONTOLOGY_GRAPH,
    STAGING_PREFIX,
    EmbeddedStore,
    RemoteStore,
    open_remote,
    source_graph,
)
from msp_graph.stores import remote as remote_module

__all__ = ["oxigraph_server", "virtuoso_server"]  # fixtures, imported for pytest

JSON = "application/sparql-results+json"
SELECT = "SELECT ?s WHERE { ?s ?p ?o }"
GOOD_JSON = (
    b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://example.org/a"}}]}}'
)
GRAPH = "http://example.org/g"


def _store(url: str, **options) -> RemoteStore:
    options.setdefault("retries", 1)
    options.setdefault("backoff", 0.01)
    options.setdefault("timeout", 10)
    return RemoteStore(url, **options)


@pytest.fixture
def serve():
    """``serve(script)``: a scripted server, closed after the test."""
    started: list[ScriptedServer] = []

    def start(script) -> ScriptedServer:
        server = ScriptedServer(script)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


# --- 1, 8: hostile answers never leak a library exception -----------------------------------------------

CUT_JSON = GOOD_JSON[:70]
ENTITY_XML = b"""<?xml version="1.0"?>
<!DOCTYPE sparql [<!ENTITY e "http://example.org/a">]>
<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="s"/></head>
<results><result><binding name="s"><uri>&e;</uri></binding></result></results></sparql>"""
ENTITY_RDFXML = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY ex "http://example.org/">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="&ex;a"><rdf:value>1</rdf:value></rdf:Description></rdf:RDF>"""

# Answers no caller can use: every call must end in an EndpointError naming the endpoint.
BROKEN = {
    "cut JSON": lambda: answer(CUT_JSON),
    "cut TSV": lambda: answer(b"?s\n<http://example.org/a>\n<http://exa", "text/tab-separated-values"),
    "connection reset mid-body": lambda: cut_connection(GOOD_JSON, 40),
    "HTML with 200": lambda: answer(b"<html><body>Welcome</body></html>", "text/html"),
    "XML labelled JSON": lambda: answer(b"<sparql/>", JSON),
    "JSON labelled XML": lambda: answer(GOOD_JSON, "application/sparql-results+xml"),
    "invalid UTF-8 in JSON": lambda: answer(GOOD_JSON.replace(b"example", b"ex\xff\xfeample")),
    "JSON that is not SPARQL results": lambda: answer(b'{"hello": [1, 2, 3]}'),
    "a JSON list": lambda: answer(b"[1, 2, 3]"),
    "bnode without a value": lambda: answer(
        b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"bnode"}}]}}'
    ),
    "bindings not a list": lambda: answer(b'{"head":{"vars":["s"]},"results":{"bindings":5},"x":"bnode"}'),
    "deeply nested JSON": lambda: answer(b'{"x":"bnode","y":' + b"[" * 100000 + b"]" * 100000 + b"}"),
    "XML results with an entity": lambda: answer(ENTITY_XML, "application/sparql-results+xml"),
    "redirect loop": lambda: redirect("/sparql"),
    "redirect to file:": lambda: redirect("file:///etc/passwd"),
    "redirect to another host": lambda: redirect(f"http://127.0.0.2:{free_port()}/sparql", 307),
    "empty 200": lambda: answer(b"", JSON),
}

# Well-formed SPARQL results of the wrong shape: a call may return (nothing in them it needs) or raise
# MspGraphError, never anything else.
ODD = {
    "other variables": lambda: answer(
        b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"no"}}]}}'
    ),
    "a count that is not a number": lambda: answer(
        b'{"head":{"vars":["n","g","s","p","o"]},"results":{"bindings":[{"n":{"type":"literal","value":"many"},"g":{"type":"literal","value":"x"},"s":{"type":"literal","value":"x"},"p":{"type":"literal","value":"x"},"o":{"type":"literal","value":"x"}}]}}'
    ),
    "a boolean": lambda: answer(b'{"head":{},"boolean":true}'),
    "no rows": lambda: answer(b'{"head":{"vars":["n"]},"results":{"bindings":[]}}'),
}

CALLS = {
    "query": lambda store, tmp: list(store.query(SELECT)),
    "construct": lambda store, tmp: list(store.query("CONSTRUCT WHERE { ?s ?p ?o }")),
    "graphs": lambda store, tmp: store.graphs(),
    "count": lambda store, tmp: store.count(GRAPH),
    "dump": lambda store, tmp: store.dump(format="nt", graphs=[GRAPH]),
    "pull": lambda store, tmp: pull(store, tmp / "out"),
    "push": lambda store, tmp: push(store, [_small_file(tmp)]),
}


def _small_file(tmp: Path) -> Path:
    path = tmp / "small.ttl"
    path.write_text("<http://example.org/a> <http://example.org/b> 1 .\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_answer_is_an_endpoint_error_naming_the_endpoint(serve, tmp_path, case, call):
    server = serve(BROKEN[case]())
    with pytest.raises(EndpointError) as caught:
        CALLS[call](_store(server.url), tmp_path)
    message = str(caught.value)
    assert server.url in message and "\n" not in message


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("case", ODD)
def test_an_odd_answer_never_leaks_a_library_exception(serve, tmp_path, case, call):
    server = serve(ODD[case]())
    try:
        CALLS[call](_store(server.url), tmp_path)
    except MspGraphError as error:
        assert "\n" not in str(error)


def test_a_cut_json_answer_names_the_endpoint(serve):
    server = serve(answer(CUT_JSON))
    with pytest.raises(EndpointError, match=r"unreadable query results") as caught:
        list(_store(server.url).query(SELECT))
    assert str(caught.value).startswith(server.url)


def test_an_rdfxml_answer_with_an_entity_is_refused(serve):
    server = serve(answer(ENTITY_RDFXML, "application/rdf+xml"))
    with pytest.raises(EndpointError, match="entit"):
        list(_store(server.url).query("CONSTRUCT WHERE { ?s ?p ?o }"))


def test_a_term_over_the_parsers_buffer_is_an_endpoint_error(serve, tmp_path):
    big = b"x" * (17 * 1024 * 1024)
    server = serve(answer(GOOD_JSON.replace(b"http://example.org/a", b"http://example.org/" + big)))
    with pytest.raises(EndpointError, match="16 MiB"):
        _store(server.url).graphs()
    huge = tmp_path / "huge.nt"
    huge.write_bytes(b'<http://example.org/a> <http://example.org/b> "' + big + b'" .\n')
    with pytest.raises(LoadError, match=r"huge\.nt(:\d+)?: .*16 MiB"):
        push(_store(server.url), [huge])


def test_a_redirect_is_not_followed(serve):
    target = serve(answer(GOOD_JSON))
    server = serve(redirect(target.url, 307))
    with pytest.raises(EndpointError, match="redirect") as caught:
        list(_store(server.url).query(SELECT))
    assert target.url in str(caught.value)
    assert not target.requests


# --- 2: malformed URLs ------------------------------------------------------------------------------------

BAD_URLS = ["http://[::1/query", "http://:80/", "http://host:99999/", "http://host:port/q", "http://ho st/q",
            "http://host/q\nX-Evil: 1", "http://host/q\t", "http://a..b/sparql", "http://host/é",
            "http://user:s3cret-pw@127.0.0.1:7878/query"]  # fmt: skip


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_malformed_url_is_an_endpoint_error_in_the_api(url):
    for make in (
        lambda: RemoteStore(url),
        lambda: RemoteStore("http://127.0.0.1:1/sparql", update_endpoint=url),
        lambda: RemoteStore("http://127.0.0.1:1/sparql", graph_store=url),
        lambda: open_remote(url),
        lambda: open_remote("http://127.0.0.1:1/sparql", url),
        lambda: open_remote("http://127.0.0.1:1/sparql", None, url),
    ):
        with pytest.raises(EndpointError) as caught:
            make()
        assert "\n" not in str(caught.value)
        assert "s3cret-pw" not in str(caught.value)


def test_odd_settings_of_the_api_are_endpoint_errors():
    url = "http://127.0.0.1:1/sparql"
    odd = [{"timeout": math.nan}, {"timeout": math.inf}, {"timeout": "abc"}, {"timeout": 1e300}]
    odd += [{"retries": "x"}, {"backoff": math.nan}, {"page_size": math.inf}, {"batch_size": None}]
    for options in odd:
        with pytest.raises(EndpointError):
            RemoteStore(url, **options)
    with pytest.raises(EndpointError):
        RemoteStore(None)  # type: ignore[arg-type]


COMMANDS = {
    "validate": ["validate"],
    "query": ["query", "partners-sharing-alliances"],
    "export": ["export", "-f", "trig"],
    "reason": ["reason"],
    "stats": ["stats"],
    "network": ["network"],
    "push": ["push"],
    "pull": ["pull"],
}


def _one_line_exit_2(result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("msp-graph: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("option", ["--endpoint", "--update-endpoint", "--graph-store"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_malformed_url_is_one_line_in_every_command(command, option, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url in BAD_URLS:
        given = (
            [option, url] if option == "--endpoint" else ["--endpoint", "http://127.0.0.1:1/q", option, url]
        )
        result = CliRunner().invoke(app, [*COMMANDS[command], *given])
        line = _one_line_exit_2(result, option)
        assert "s3cret-pw" not in line
    assert not list(tmp_path.iterdir())


# --- 3: MSP_GRAPH_TIMEOUT ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "abc", "1e300"])
def test_a_bad_timeout_setting_is_one_line(value, monkeypatch, tmp_path):
    monkeypatch.setenv("MSP_GRAPH_TIMEOUT", value)
    with pytest.raises(MspGraphError, match="MSP_GRAPH_TIMEOUT"):
        open_remote("http://127.0.0.1:1/sparql")
    url = "http://127.0.0.1:1/sparql"
    for args in (["pull", "--endpoint", url, "-o", str(tmp_path / "out")], ["stats", "--endpoint", url]):
        _one_line_exit_2(CliRunner().invoke(app, args), "MSP_GRAPH_TIMEOUT")
    assert not (tmp_path / "out").exists()


def test_a_bad_timeout_setting_is_a_setting_error(monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_TIMEOUT", "nan")
    with pytest.raises(SettingError):
        open_remote("http://127.0.0.1:1/sparql")


# --- 4: a deadline per request, a bound on the body ---------------------------------------------------------


@pytest.mark.parametrize("part", ["body", "headers"])
def test_a_trickling_server_meets_the_deadline(serve, part):
    # One byte every 2 s keeps a per-read time-out of 3 s alive for ever (here: until the script stops
    # after 12 s and drops the connection); the deadline of 3 s ends the request.
    server = serve(trickle(GOOD_JSON, every=2, head_too=part == "headers", most_seconds=12))
    store = _store(server.url, timeout=3, retries=0)
    with pytest.raises(EndpointError, match=r"no answer within 3 s .*\(timeout\)"):
        list(store.query(SELECT))


def test_a_trickling_server_meets_the_deadline_of_the_setting(serve, monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_TIMEOUT", "3")
    server = serve(trickle(GOOD_JSON, every=2, most_seconds=12))
    store = open_remote(server.url)
    store.retries = 0
    with pytest.raises(EndpointError, match=r"\(timeout\)"):
        store.graphs()


def test_an_endless_body_is_cut_at_the_limit(serve, monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_MAX_RESPONSE_BYTES", "1000000")
    server = serve(endless(most=64 * 1024 * 1024))
    with pytest.raises(EndpointError, match="MSP_GRAPH_MAX_RESPONSE_BYTES") as caught:
        list(_store(server.url, retries=0).query(SELECT))
    assert server.url in str(caught.value)


def test_an_announced_body_over_the_limit_is_refused_before_reading(serve, monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_MAX_RESPONSE_BYTES", "1000")
    server = serve(answer(GOOD_JSON * 20))
    with pytest.raises(EndpointError, match="MSP_GRAPH_MAX_RESPONSE_BYTES"):
        list(_store(server.url, retries=0).query(SELECT))


# --- servers ------------------------------------------------------------------------------------------------

OLD = "".join(f'<http://example.org/s{i}> <http://example.org/v> "old {i}" .\n' for i in range(40))
NEW = "".join(f'<http://example.org/s{i}> <http://example.org/v> "new {i}" .\n' for i in range(55))
OLD_B = '<http://example.org/b> <http://example.org/v> "old b" .\n'
NEW_B = "".join(f'<http://example.org/b{i}> <http://example.org/v> "new b{i}" .\n' for i in range(7))
COUNT_V = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/v> ?o }"
COUNT_G = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
    "FILTER (STRSTARTS(STR(?g), 'https://w3id.org/msp/')) }"
)


def _files(folder: Path, first: str, second: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alpha.ttl").write_text(first, encoding="utf-8")
    (folder / "beta.nt").write_text(second, encoding="utf-8")
    return [folder / "alpha.ttl", folder / "beta.nt"]


def _wipe(server) -> None:
    store = server.store()
    graphs = raw_graphs(server)
    if graphs:
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in sorted(graphs)))


def _count(store: RemoteStore, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def _visible(store: RemoteStore) -> dict[str, tuple[set, int]]:
    """What queries through msp-graph see: per graph, the triples without blank nodes (each push labels
    those anew) and the number with; the load times of the metadata left out."""
    state = {}
    for graph in store.graphs():
        triples = list(store.iter_triples(f"GRAPH <{graph}> {{ ?s ?p ?o }}"))
        if graph == METADATA_GRAPH:
            triples = [t for t in triples if not t.predicate.value.endswith("generatedAtTime")]
        blank = {t for t in triples if isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)}
        state[graph] = (set(triples) - blank, len(blank))
    return state


def _env(server) -> dict:
    return {**os.environ, "MSP_GRAPH_USER": server.user or "", "MSP_GRAPH_PASSWORD": server.password or ""}


def _cli(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "msp_graph.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env or dict(os.environ))  # fmt: skip


# --- 5: check first, then write -----------------------------------------------------------------------------


@pytest.fixture
def seeded(oxigraph_server):
    """The Oxigraph server holding an ontology graph that is not the bundled one, and one source graph."""
    _wipe(oxigraph_server)
    store = oxigraph_server.store()
    store.update(
        f"INSERT DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <http://example.org/o> <http://example.org/v> 1 }} "
        f"GRAPH <{source_graph('alpha')}> {{ <http://example.org/a> <http://example.org/v> 2 }} }}"
    )
    return oxigraph_server


def _push_args(server, graph_store: bool) -> list[str]:
    args = ["--endpoint", server.endpoint, "--update-endpoint", server.update_endpoint]
    return [*args, "--graph-store", server.graph_store] if graph_store else args


@pytest.mark.servers
@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store", "sparql"])
def test_a_failed_push_changes_nothing_on_the_server(seeded, tmp_path, graph_store):
    good = tmp_path / "good.ttl"
    good.write_text(OLD, encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/a> <http://example.org/b> .\n", encoding="utf-8")
    odd = tmp_path / "data.xyz"
    odd.write_text(OLD, encoding="utf-8")
    not_a_store = tmp_path / "folder"
    not_a_store.mkdir()
    (not_a_store / "notes.txt").write_text("hello", encoding="utf-8")
    cases = {
        "missing file": [str(good), str(tmp_path / "missing.ttl")],
        "malformed Turtle": [str(good), str(bad)],
        "unknown format": [str(good), str(odd)],
        "a file as --store": ["--store", str(good)],
        "a folder that is not a store": ["--store", str(not_a_store)],
        "no such store": ["--store", str(tmp_path / "none")],
        "FILES and --store": [str(good), "--store", str(not_a_store)],
    }
    before = raw_state(seeded)
    for case, args in cases.items():
        result = CliRunner().invoke(app, ["push", *args, *_push_args(seeded, graph_store)])
        _one_line_exit_2(result)
        assert raw_state(seeded) == before, case
    assert list(not_a_store.iterdir()) == [not_a_store / "notes.txt"]
    assert not (tmp_path / "none").exists()


@pytest.mark.servers
def test_push_of_a_store_copies_every_graph(seeded, tmp_path):
    folder = tmp_path / "local"
    with EmbeddedStore(folder) as local:
        load_files(local, _files(tmp_path / "files", OLD, OLD_B))
        expected = {g: local.count(g) for g in local.graphs()}
    result = CliRunner().invoke(app, ["push", "--store", str(folder), *_push_args(seeded, False)])
    assert result.exit_code == 0, result.stderr
    state = raw_state(seeded)
    assert {g: len(state[g]) for g in expected} == expected
    assert state[ONTOLOGY_GRAPH] == {
        ("http://example.org/o", "http://example.org/v", "1")
    }  # not in the store
    assert not [g for g in state if g.startswith(STAGING_PREFIX)]


# --- 6: old or new, never a mix -------------------------------------------------------------------------


def _staging_ids(request: bytes) -> set[bytes]:
    import re

    return set(re.findall(rb"staging(?:%2F|/)(\d+-[0-9a-f]{8}-\d+-[0-9a-f]{12})", request))


def _trigger(server, moment: str):
    """A predicate on a request: the moment of the push at which to kill it."""
    started: list[bytes] = []

    def authorised(request: bytes) -> bool:
        return server.user is None or b"\r\nAuthorization: Digest" in request

    def fires(request: bytes) -> bool:
        if b"\r\n\r\n" not in request or not authorised(request):
            return False
        if moment == "second staging graph":
            for found in _staging_ids(request):
                if found not in started:
                    started.append(found)
            return len(started) >= 2 and started[1] in _staging_ids(request)
        return b"MOVE" in request

    return fires


MOMENTS = {
    "second staging graph": True,  # hold: the request never reaches the server
    "MOVE held back": True,
    "MOVE delivered": False,  # the server gets the whole MOVE, the client dies before it reads the answer
}


@pytest.mark.servers
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store", "sparql"])
@pytest.mark.parametrize("backend", ["oxigraph", "virtuoso"])
def test_a_push_killed_midway_leaves_old_or_new_and_the_next_push_cleans_up(request, backend, graph_store,
                                                                             moment, tmp_path):  # fmt: skip
    server = request.getfixturevalue(f"{backend}_server")
    _wipe(server)
    old_files = _files(tmp_path / "old", OLD, OLD_B)
    new_files = _files(tmp_path / "new", NEW, NEW_B)
    push(server.store(), old_files)
    reader = server.store()
    old, old_v, old_g = _visible(reader), _count(reader, COUNT_V), _count(reader, COUNT_G)

    process: list[subprocess.Popen] = []
    kill = lambda: process[0].send_signal(signal.SIGKILL)  # noqa: E731
    proxy = WatchingProxy(server.port, _trigger(server, moment), kill, hold=MOMENTS[moment])
    try:
        args = [
            "--endpoint",
            proxy.url(server.endpoint),
            "--update-endpoint",
            proxy.url(server.update_endpoint),
        ]
        if graph_store:
            args += ["--graph-store", proxy.url(server.graph_store)]
        command = [sys.executable, "-m", "msp_graph.cli", "push", *map(str, new_files), *args]
        process.append(
            subprocess.Popen(command, env=_env(server), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        )
        _, err = process[0].communicate(timeout=180)
    finally:
        proxy.close()
        if process and process[0].poll() is None:
            process[0].kill()
            process[0].wait(timeout=30)
    assert proxy.fired.is_set(), err.decode(errors="replace")
    assert process[0].returncode == -signal.SIGKILL
    if moment != "MOVE delivered":
        time.sleep(0.2)  # let the server drop the cut connection
        assert any(g.startswith(STAGING_PREFIX) for g in raw_graphs(server))  # left behind by the kill

    reader = server.store()  # a new reader, as the next command would open it
    seen = _visible(reader)
    assert not [g for g in reader.graphs() if g.startswith(STAGING_PREFIX)]
    counts = _count(reader, COUNT_V), _count(reader, COUNT_G)

    push(server.store(), new_files)  # the next push: same host, the killed process is gone
    assert not [g for g in raw_graphs(server) if g.startswith(STAGING_PREFIX)]
    reader = server.store()
    new, new_v, new_g = _visible(reader), _count(reader, COUNT_V), _count(reader, COUNT_G)
    assert new != old
    assert seen in (old, new)
    assert counts in ((old_v, old_g), (new_v, new_g))
    if moment == "MOVE delivered":
        assert seen == new
    else:
        assert seen == old


@pytest.mark.servers
def test_the_next_push_keeps_the_staging_graphs_of_a_live_writer(oxigraph_server, tmp_path, monkeypatch):
    _wipe(oxigraph_server)
    store = oxigraph_server.store()
    pid = f"-{os.getpid()}-"
    sleeping = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        mine = remote_module._staging_name()
        live = mine.replace(pid, f"-{sleeping.pid}-")  # another process of this host, still running
        dead = remote_module._staging_name().replace(pid, f"-{_dead_pid()}-")
        other_host = remote_module._staging_name().replace(remote_module._HOST, "0badc0de")
        for name in (mine, live, dead, other_host):
            store.update(
                f'INSERT DATA {{ GRAPH <{name}> {{ <{name}> <{remote_module._MARK}> "2020-01-01T00:00:00Z" . '
                '<http://example.org/x> <http://example.org/v> "x" } }'
            )
        assert _count(oxigraph_server.store(), COUNT_V) == 0  # staging graphs are not seen
        push(oxigraph_server.store(), _files(tmp_path, OLD, OLD_B))
        left = {g for g in raw_graphs(oxigraph_server) if g.startswith(STAGING_PREFIX)}
        assert left == {mine, live, other_host}  # only the dead writer's graph is gone
        assert _count(oxigraph_server.store(), COUNT_V) == 41
        monkeypatch.setattr(remote_module, "_STAGING_MAX_AGE", -1)  # past the bound: any other writer's go
        push(oxigraph_server.store(), _files(tmp_path, OLD, OLD_B))
        assert {g for g in raw_graphs(oxigraph_server) if g.startswith(STAGING_PREFIX)} == {mine}
    finally:
        sleeping.kill()
        sleeping.wait(timeout=30)
    _wipe(oxigraph_server)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid


# --- 7: pull of a graph the endpoint does not have ---------------------------------------------------------


@pytest.mark.servers
def test_pull_of_an_unknown_graph_writes_nothing_and_lists_some(seeded, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["pull", "--endpoint", seeded.endpoint, "--graph", "http://example.org/none", "-o", str(out)]
    )
    line = _one_line_exit_2(result, "<http://example.org/none>", f"<{source_graph('alpha')}>")
    assert ONTOLOGY_GRAPH in line
    assert not out.exists()
    known = CliRunner().invoke(
        app, ["pull", "--endpoint", seeded.endpoint, "--graph", source_graph("alpha"), "-o", str(out)]
    )
    assert known.exit_code == 0, known.stderr
    assert [p.name for p in out.iterdir()] == ["alpha.ttl"]


@pytest.mark.parametrize(
    "refusal",
    [
        "Virtuoso 37000 Error SP031: SPARQL: Internal error: The length of generated SQL text has exceeded",
        "Virtuoso 42000 Error SP030: SPARQL compiler, line 0: Query is too complex, memory exhausted",
        "HTTP 413 Payload Too Large",
    ],
)
def test_a_batch_the_server_finds_too_large_is_sent_in_halves(monkeypatch, refusal):
    """Virtuoso refuses a large ``INSERT DATA`` in words of its own: each is taken as "too large", and the
    batch goes again in halves (and smaller batches from then on) instead of failing the load."""
    from msp_graph.stores import remote

    store = remote.RemoteStore("http://127.0.0.1:9/sparql")
    sent: list[int] = []

    def update(text: str) -> None:
        lines = text.count(" .\n")
        if lines > 2:
            raise EndpointError(f"{store.endpoint}: while updating: {refusal}")
        sent.append(lines)

    monkeypatch.setattr(store, "update", update)
    units = [remote._Unit(f"<urn:s{i}> <urn:p> <urn:o> .\n".encode(), 1, False) for i in range(8)]
    store._insert("urn:g", units)
    assert sent == [2, 2, 2, 2]
    assert store._batch <= 2
