"""``msp-graph serve --allow-update``: SPARQL 1.1 Update at ``/sparql`` only with ``Authorization: Bearer``
and the token of ``MSP_GRAPH_UPDATE_TOKEN``; SERVICE and LOAD refused; within the limits; the pages, data
documents and the validation report reflect each update."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

pytest.importorskip("starlette")
from cli_runs import one_line_error, run
from starlette.testclient import TestClient

from msp_graph.loading import load_bundled, load_ontology, open_store
from msp_graph.serve import Limits, create_app, validated
from msp_graph.stores import INFERRED_GRAPH, source_graph

TOKEN = "s3cret-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = "application/sparql-update"
ID = "https://w3id.org/msp/id/"
NEW = (
    "PREFIX msp: <https://w3id.org/msp/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "INSERT DATA { GRAPH <urn:x-test:edits> {\n"
    f'  <{ID}partnership/zeta> a msp:Partnership ; rdfs:label "Zeta Alliance"@en }} }}'
)
SMALL = (
    "@prefix msp: <https://w3id.org/msp/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    '<https://w3id.org/msp/id/partnership/x> a msp:Partnership ; rdfs:label "X"@en .\n'
)


@pytest.fixture
def served():
    """A fresh in-memory store of the bundled data (the tests change it), served with updates allowed."""
    store = open_store()
    load_bundled(store)
    client = TestClient(create_app(store, report=validated(store), update_token=TOKEN))
    return store, client


def post_update(client, text: str, headers: dict | None = None, form: bool = False):
    if form:
        return client.post("/sparql", data={"update": text}, headers=headers or {})
    return client.post("/sparql", content=text.encode(), headers={"Content-Type": UPDATE, **(headers or {})})


def test_an_update_with_the_token_changes_the_served_data(served):
    store, client = served
    before = store.count()
    response = post_update(client, NEW, AUTH)
    assert response.status_code == 204
    assert store.count() == before + 2
    query = client.get("/sparql", params={"query": f"ASK {{ <{ID}partnership/zeta> a msp:Partnership }}"})
    assert query.json()["boolean"] is True
    delete = f"DELETE WHERE {{ GRAPH <urn:x-test:edits> {{ <{ID}partnership/zeta> ?p ?o }} }}"
    assert post_update(client, delete, AUTH, form=True).status_code == 204
    assert store.count() == before


def test_without_allow_update_an_update_is_forbidden_even_with_the_token():
    store = open_store()
    load_bundled(store)
    client = TestClient(create_app(store))
    before = store.count()
    for form in (False, True):
        response = post_update(client, NEW, AUTH, form=form)
        assert response.status_code == 403 and "read-only" in response.text
    assert store.count() == before


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, 'Bearer realm="msp-graph"'),
        ({"Authorization": "Bearer wrong-token-of-some-length"}, 'error="invalid_token"'),
        ({"Authorization": f"Bearer {TOKEN}x"}, 'error="invalid_token"'),
        ({"Authorization": f"Basic {TOKEN}"}, 'Bearer realm="msp-graph"'),
        ({"Authorization": "Bearer"}, 'Bearer realm="msp-graph"'),
    ],
)
def test_an_update_without_the_right_token_is_401_and_changes_nothing(served, headers, challenge):
    store, client = served
    before = store.count()
    for form in (False, True):
        response = post_update(client, NEW, headers, form=form)
        assert response.status_code == 401
        assert challenge in response.headers["www-authenticate"]
        assert len(response.text.strip().splitlines()) == 1
    assert store.count() == before


@pytest.mark.parametrize(
    ("text", "status", "fragment"),
    [
        ("LOAD <http://127.0.0.1:9/data.ttl>", 403, "LOAD is refused"),
        ("LOAD <file:///etc/hostname> INTO GRAPH <urn:g>", 403, "LOAD is refused"),
        (
            "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
            403,
            "SERVICE is refused",
        ),
        ("INSERT DATA { <urn:a> <urn:b> }", 400, "update:1:"),
        ("SELECT * WHERE { ?s ?p ?o }", 400, "this is a query"),
        ("   # nothing\n", 400, "empty"),
        ("CLEAR ALL", 204, None),  # the token holder may do anything else
    ],
)
def test_updates_are_checked_as_the_command_line_checks_them(served, text, status, fragment):
    store, client = served
    before = store.count()
    response = post_update(client, text, AUTH)
    assert response.status_code == status, response.text
    if fragment is not None:
        assert fragment in response.text and len(response.text.strip().splitlines()) == 1
        assert store.count() == before
    else:
        assert store.count() == 0


@pytest.mark.parametrize(
    "request_",
    [
        {"method": "GET", "params": {"update": NEW}},
        {"method": "POST", "data": {"update": NEW, "query": "ASK {}"}},
        {
            "method": "POST",
            "content": urllib.parse.urlencode([("update", NEW), ("update", NEW)]).encode(),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        {"method": "POST", "data": {"update": NEW, "using-graph-uri": "urn:g"}},
    ],
)
def test_protocol_errors_of_updates_are_400(served, request_):
    store, client = served
    before = store.count()
    headers = {**AUTH, **request_.pop("headers", {})}
    response = client.request(url="/sparql", headers=headers, **request_)
    assert response.status_code == 400
    assert store.count() == before


def test_queries_still_work_beside_updates(served):
    _, client = served
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert response.json()["boolean"] is True


def test_pages_documents_and_the_report_reflect_an_update(served):
    store, client = served
    assert client.get("/page/partnership/zeta").status_code == 404
    before_ttl = client.get("/data/partnership/alliance-8-7.ttl").text
    void_before = client.get("/.well-known/void").text
    assert "Zeta Alliance" not in client.get("/validation").text
    comment = f'INSERT DATA {{ <{ID}partnership/alliance-8-7> rdfs:comment "edited" }}'
    assert post_update(client, NEW + " ;\n" + comment, AUTH).status_code == 204
    page = client.get("/page/partnership/zeta")
    assert page.status_code == 200 and "Zeta Alliance" in page.text
    assert "Does not meet the MSP composition rule" in page.text  # the report was made again
    assert "Zeta Alliance" in client.get("/validation").text
    assert "Zeta Alliance" in client.get("/", params={"q": "zeta"}).text
    after_ttl = client.get("/data/partnership/alliance-8-7.ttl").text
    assert '"edited"' in after_ttl and '"edited"' not in before_ttl  # the cached document was dropped
    assert client.get("/.well-known/void").text != void_before  # the triple count
    assert INFERRED_GRAPH not in store.graphs()  # checked on a copy: visitors never see the inferred graph


def test_a_second_update_while_one_runs_is_told_to_retry(served):
    _, client = served
    runner = client.app.state.site.runner
    runner._writing.acquire()
    try:
        response = post_update(client, NEW, AUTH)
    finally:
        runner._writing.release()
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert post_update(client, NEW, AUTH).status_code == 204


def test_an_update_over_the_time_limit_is_503_and_the_server_goes_on():
    store = open_store()
    store.load(
        "".join(f"<urn:s{i}> <urn:p> {i} .\n" for i in range(150)).encode(),
        graph="urn:x-test:g",
        format="turtle",
    )
    client = TestClient(create_app(store, limits=Limits(timeout=0.1), update_token=TOKEN))
    slow = (
        "DELETE { GRAPH ?g { ?a ?b ?c } } WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?x ?h ?i } "
        'FILTER (CONCAT(STR(?c), STR(?f), STR(?i)) = "never") }'
    )
    response = post_update(client, slow, AUTH)
    assert response.status_code == 503 and "time limit" in response.text
    writing = client.app.state.site.runner._writing
    started = time.monotonic()
    while writing.locked() and time.monotonic() - started < 60:
        time.sleep(0.1)
    assert not writing.locked()
    assert post_update(client, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", AUTH).status_code == 204
    assert store.count() == 151


# --- the command ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "fragment"),
    [(None, "set MSP_GRAPH_UPDATE_TOKEN"), ("", "set MSP_GRAPH_UPDATE_TOKEN"), ("short", "16 to 512")],
)
def test_allow_update_without_a_usable_token_is_one_line(monkeypatch, tmp_path, token, fragment):
    monkeypatch.delenv("MSP_GRAPH_UPDATE_TOKEN", raising=False)
    if token is not None:
        monkeypatch.setenv("MSP_GRAPH_UPDATE_TOKEN", token)
    data = tmp_path / "small.ttl"
    data.write_text(SMALL)
    one_line_error(run("serve", data, "--port", "0", "--allow-update"), "--allow-update", fragment)


def test_allow_update_on_a_store_another_writer_holds_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("MSP_GRAPH_UPDATE_TOKEN", TOKEN)
    with open_store(tmp_path / "store") as store:
        load_ontology(store)
        store.load(SMALL.encode(), graph=source_graph("small.ttl"), format="turtle")
    with open_store(tmp_path / "store"):  # another writer holds the store's lock
        one_line_error(
            run("serve", "--store", tmp_path / "store", "--port", "0", "--allow-update"),
            "--allow-update",
            "another process",
        )


def _start(args: list[str], env: dict) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "msp_graph.cli", "serve", *args, "--port", "0"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    port, started = None, time.monotonic()
    while port is None and time.monotonic() - started < 60:
        line = server.stderr.readline()
        if not line and server.poll() is not None:
            break
        port = (re.search(r"http://127\.0\.0\.1:(\d+)/", line) or [None, None])[1]
    return server, f"http://127.0.0.1:{port}" if port else ""


def _stop(server: subprocess.Popen) -> int:
    server.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=20)
    server.kill()
    code = server.wait(timeout=10)
    server.stderr.close()
    return code


def _post(base: str, text: str, token: str | None) -> int:
    headers = {"Content-Type": UPDATE, **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(base + "/sparql", data=text.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_command_writes_updates_into_its_store(tmp_path):
    with open_store(tmp_path / "store") as store:
        load_ontology(store)
        store.load(SMALL.encode(), graph="urn:x-test:g", format="turtle")
    env = {**__import__("os").environ, "MSP_GRAPH_UPDATE_TOKEN": TOKEN}
    server, base = _start(["--store", str(tmp_path / "store"), "--allow-update"], env)
    try:
        assert base, "the server did not say where it listens"
        assert _post(base, NEW, None) == 401
        assert _post(base, NEW, TOKEN) == 204
        query = urllib.parse.quote(f"ASK {{ <{ID}partnership/zeta> ?p ?o }}")
        with urllib.request.urlopen(f"{base}/sparql?query={query}", timeout=60) as answer:
            assert b'"boolean": true' in answer.read()
    finally:
        stopped = _stop(server)
    assert stopped == 143  # SIGTERM ended it as Ctrl-C does: the store was closed, its new graph published
    with open_store(tmp_path / "store", mode="read") as store:
        found = store.query(f"ASK {{ <{ID}partnership/zeta> ?p ?o }}")
        assert bool(found)
